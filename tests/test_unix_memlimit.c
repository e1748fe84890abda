/*
 * test_unix_memlimit.c - a memory cgroup's limit is reported as
 * PR_OUT_OF_MEMORY_ERROR by PR_OpenSharedMemory(), never met by the
 * kernel's OOM killer inside the reservation.
 *
 * The stepping logic runs against a stand-in for the room left (the
 * system-call table's room entry); the real case makes a child cgroup with
 * a limit, moves a child process into it, and creates segments larger and
 * smaller than the room left.
 *
 * Sections: reservation in steps; a real memory cgroup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "runner.h"
#include "sys.h"

#define ML_MIB ((PRUint64)1 << 20)

/* ---- Reservation in steps ---- */

/* The stand-ins: the memory reported at each call, and what was reserved. */
static PRUint64 ml_rooms[8];  /* memory at the nth call, from 0 */
static PRUint64 ml_space;     /* the file system's free space, at every call */
static int ml_room_calls;     /* calls of room so far */
static int ml_no_limit;       /* room reports nothing known */
static int ml_reserve_calls;  /* calls of reserve so far */
static off_t ml_reserved_to;  /* the end of the last range reserved */
static prshm__syscalls ml_real;

static void ml_room(int fd, PRUint64 *space, PRUint64 *memory) {
  int n = ml_room_calls++;
  (void)fd;
  *space = ml_no_limit ? UINT64_MAX : ml_space;
  *memory = ml_no_limit ? UINT64_MAX : ml_rooms[n < 8 ? n : 7];
}

static int ml_reserve(int fd, off_t offset, off_t length) {
  ml_reserve_calls++;
  CHECK_EQ(offset, ml_reserved_to); /* in order, with no gap */
  ml_reserved_to = offset + length;
  return ml_real.reserve(fd, offset, length);
}

static void ml_stub(void) {
  ml_real = prshm__sys;
  prshm__sys.room = ml_room;
  prshm__sys.reserve = ml_reserve;
  ml_room_calls = ml_reserve_calls = 0;
  ml_reserved_to = 0;
  ml_space = 4096 * ML_MIB;
}

TEST(small_segments_are_not_checked) {
  const char *name = t_name("ml-small");
  PRSharedMemory *shm;

  ml_stub();
  ml_rooms[0] = 0; /* no room at all, were it asked */
  shm = PR_OpenSharedMemory(name, 512 * 1024, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  prshm__sys_reset();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(ml_room_calls, 0);
  CHECK_EQ(ml_reserve_calls, 1);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(large_segments_are_reserved_in_checked_steps) {
  const char *name = t_name("ml-steps");
  PRSharedMemory *shm;
  int i;

  ml_stub();
  for (i = 0; i < 8; i++) ml_rooms[i] = 1024 * ML_MIB;
  shm = PR_OpenSharedMemory(name, 200 * ML_MIB, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  prshm__sys_reset();
  CHECK_NOT_NULL(shm);
  /* 64 + 64 + 64 + 8 MiB, the room asked before each. */
  CHECK_EQ(ml_reserve_calls, 4);
  CHECK_EQ(ml_room_calls, 4);
  CHECK_EQ(ml_reserved_to, (off_t)(200 * ML_MIB));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(no_known_limit_reserves_all) {
  const char *name = t_name("ml-nolimit");
  PRSharedMemory *shm;

  ml_stub();
  ml_no_limit = 1;
  shm = PR_OpenSharedMemory(name, 100 * ML_MIB, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  prshm__sys_reset();
  ml_no_limit = 0;
  CHECK_NOT_NULL(shm);
  CHECK_EQ(ml_reserve_calls, 2);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* The room runs out after `steps` steps (others of the cgroup allocate
 * meanwhile): the create fails, leaving nothing. */
static void ml_runs_out_after(int steps) {
  const char *name = t_name("ml-out");
  long fds = t_open_descriptors();
  int i;

  ml_stub();
  for (i = 0; i < 8; i++) ml_rooms[i] = i < steps ? 1024 * ML_MIB : 60 * ML_MIB;
  CHECK(PR_OpenSharedMemory(name, 200 * ML_MIB, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  prshm__sys_reset();
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  CHECK_EQ(PR_GetOSError(), ENOMEM);
  CHECK_EQ(ml_reserve_calls, steps);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(prshm__registry_count(), 0);
}

TEST(no_room_for_the_first_step) { ml_runs_out_after(0); }

TEST(file_system_too_small_fails_before_any_step) {
  /* The kernel checks one reservation against the file system's total
   * size only: the steps must not fill the file system (and the memory
   * behind a tmpfs) before finding out. */
  const char *name = t_name("ml-space");
  int i;

  ml_stub();
  for (i = 0; i < 8; i++) ml_rooms[i] = 4096 * ML_MIB;
  ml_space = 100 * ML_MIB;
  CHECK(PR_OpenSharedMemory(name, 200 * ML_MIB, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  prshm__sys_reset();
  CHECK_ERROR(PR_NO_DEVICE_SPACE_ERROR);
  CHECK_EQ(PR_GetOSError(), ENOSPC);
  CHECK_EQ(ml_reserve_calls, 0);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

TEST(real_room_is_known_here) {
  /* The real figures are read: a file system's free space, and some
   * memory (the machine's, at least, on Linux). */
  PRUint64 space = 0, memory = 0;
  int fd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0) SKIP("no /dev/shm");
  prshm__sys.room(fd, &space, &memory);
  CHECK_EQ(close(fd), 0);
  CHECK(space != UINT64_MAX && space > 0);
#if defined(__linux__)
  CHECK(memory != UINT64_MAX && memory > 0);
#endif
}
TEST(room_runs_out_between_steps) { ml_runs_out_after(2); }

/* ---- A real memory cgroup ---- */

/* The directory of a new cgroup under this process's own, with the memory
 * controller (version 1's hierarchy, or version 2's), or "" if none can be
 * made here. */
static void ml_cgroup_dir(char *dir, size_t size) {
  char buf[4096], *line, *save = NULL;
  FILE *f = fopen("/proc/self/cgroup", "r");
  size_t n;

  dir[0] = '\0';
  if (f == NULL) return;
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
    char *path = strrchr(line, ':');
    if (path == NULL) continue;
    if (strstr(line, ":memory:") != NULL)
      snprintf(dir, size, "/sys/fs/cgroup/memory%s/prshm-test-%ld", path + 1, t_pid());
    else if (strncmp(line, "0::", 3) == 0 && dir[0] == '\0' &&
             access("/sys/fs/cgroup/cgroup.subtree_control", F_OK) == 0)
      snprintf(dir, size, "/sys/fs/cgroup%s/prshm-test-%ld", path + 1, t_pid());
  }
}

static int ml_write(const char *dir, const char *file, const char *value) {
  char path[PATH_MAX + 64];
  int fd, ok;

  snprintf(path, sizeof path, "%s/%s", dir, file);
  fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
  return close(fd) == 0 && ok ? 0 : -1;
}

/* Creates `mib` MiB under `name`; NULL or the handle. */
static PRSharedMemory *ml_create(const char *name, PRUint64 mib) {
  return PR_OpenSharedMemory(name, (PRSize)(mib * ML_MIB), PR_SHM_CREATE | PR_SHM_EXCL, 0600);
}

/* argv: the cgroup's directory. Joins it, then creates segments. */
CHILD(in_cgroup) {
  char pid[32], name[64], name2[64];
  PRSharedMemory *shm, *shm2;
  char *p;

  CHECK_EQ(argc, 1);
  snprintf(pid, sizeof pid, "%ld", t_pid());
  CHECK_EQ(ml_write(argv[0], "cgroup.procs", pid), 0);
  snprintf(name, sizeof name, "/prshm-test-%ld-ml", t_pid());
  snprintf(name2, sizeof name2, "/prshm-test-%ld-ml2", t_pid());
  /* Twice the limit: refused, and this process lives on. */
  CHECK(ml_create(name, 512) == NULL);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* A quarter of it: created, and every page can be written. */
  shm = ml_create(name, 64);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  memset(p, 0x5a, (size_t)(64 * ML_MIB));
  /* More than what is left: refused; what fits: created. */
  CHECK(ml_create(name2, 200) == NULL);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  shm2 = ml_create(name2, 32);
  CHECK_NOT_NULL(shm2);
  CHECK_OK(PR_CloseSharedMemory(shm2));
  CHECK_OK(PR_DeleteSharedMemory(name2));
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
  return 0;
}

TEST(memory_cgroup_limit_is_an_error_code) {
  char dir[PATH_MAX];
  const char *args[] = {dir, NULL};
  int code;

  if (geteuid() != 0) SKIP("needs root, to make a memory cgroup");
  ml_cgroup_dir(dir, sizeof dir);
  if (dir[0] == '\0' || mkdir(dir, 0755) != 0) SKIP("no memory cgroup can be made here");
  if (ml_write(dir, "memory.limit_in_bytes", "268435456") != 0 &&
      ml_write(dir, "memory.max", "268435456") != 0) {
    (void)rmdir(dir);
    SKIP("this cgroup takes no memory limit");
  }
  code = t_wait(t_spawn("in_cgroup", args));
  (void)rmdir(dir);
  if (code == 128 + 9) t_fail(__FILE__, __LINE__, "the child was killed (the OOM killer)");
  CHECK_EQ(code, 0);
}
