/*
 * test_unix_full.c - a full namespace is reported by PR_OpenSharedMemory(),
 * never by SIGBUS (memory is reserved at creation: no SIGBUS).
 *
 * A child makes a private mount namespace and mounts a 1 MiB tmpfs on
 * /dev/shm (or on a directory it then names in PRSHM_DIR), so
 * the real /dev/shm is never filled. There, a 4 MiB create fails cleanly
 * and leaves nothing, a 512 KiB one is reserved and can be written to its
 * last byte, and the create that no longer fits fails cleanly; a sparse
 * segment (the documented opt-out) is created beyond the space. Runs only
 * as root where mount namespaces are allowed; skips otherwise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include "runner.h"

#define FULL_SPACE "size=1m,mode=1777"
#define FULL_KIB 1024u
#define FULL_BIG (4096u * FULL_KIB)
#define FULL_PART (512u * FULL_KIB)
/* A child's exit code for "this system will not let me mount". */
#define FULL_NO_MOUNT T_SKIP_CODE

static void full_need_root(void) {
  if (geteuid() != 0) SKIP("needs root, to mount a small tmpfs in a private namespace");
}

/* Checks the exit code of a child: it ended normally and passed; skips if
 * it could not make its mount namespace. */
static void full_check_child(int code) {
  if (code == FULL_NO_MOUNT) SKIP("this system refuses a private mount namespace or tmpfs");
  if (code >= 128)
    t_fail(__FILE__, __LINE__, "child killed by signal %d (SIGBUS is 7)", code - 128);
  CHECK_EQ(code, 0);
}

/* In a child: a private copy of the mounts, with a 1 MiB tmpfs on `dir`.
 * Exits with FULL_NO_MOUNT if the system does not allow it. */
static void full_mount_tiny_tmpfs(const char *dir) {
  if (t_private_mount("tmpfs", dir, 0, FULL_SPACE) != 0) {
    printf("cannot mount a tmpfs on %s: %s\n", dir, strerror(errno));
    exit(FULL_NO_MOUNT);
  }
}

/* Entries in `dir`, "." and ".." aside. */
static int full_count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  CHECK(d != NULL);
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  CHECK_EQ(closedir(d), 0);
  return n;
}

/* A name for this process's segment `tag`. */
static const char *full_name(char *buf, const char *tag) {
  snprintf(buf, 96, "/prshm-test-%ld-full-%s", t_pid(), tag);
  return buf;
}

/* Creating `name` with `size` bytes fails for want of space. */
static void full_check_no_space(const char *name, PRSize size) {
  PRErrorCode e;

  CHECK(PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  e = PR_GetError();
  if (e != PR_NO_DEVICE_SPACE_ERROR && e != PR_OUT_OF_MEMORY_ERROR)
    t_fail(__FILE__, __LINE__, "create of %zu bytes failed with %s, not for want of space",
           (size_t)size, PR_ErrorToName(e));
  printf("create of %zu bytes in a full namespace: %s\n", (size_t)size, PR_ErrorToName(e));
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* Creates `name` with FULL_PART bytes and writes every byte. */
static void full_create_and_fill(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, FULL_PART, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  unsigned char *p;
  size_t i;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  memset(p, 0xa5, FULL_PART);
  for (i = 0; i < FULL_PART; i += 4096) CHECK_EQ(p[i], 0xa5);
  CHECK_EQ(p[FULL_PART - 1], 0xa5);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* The whole story, in a process whose namespace is the empty 1 MiB tmpfs
 * `dir`. */
static void full_exercise(const char *dir) {
  char big[96], sparse[96], a[96], b[96], c[96];
  PRSharedMemory *shm;
  PRSize size = 0;

  CHECK_EQ(full_count_entries(dir), 0);
  full_check_no_space(full_name(big, "big"), FULL_BIG);
  CHECK_EQ(full_count_entries(dir), 0);

  /* The opt-out: a sparse segment larger than the space is created (its
   * pages are never touched here: that would be the SIGBUS it allows). */
  shm = PR_OpenSharedMemory(full_name(sparse, "sparse"), FULL_BIG,
                            PR_SHM_CREATE | PR_SHM_EXCL | PRSHM_SPARSE, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, FULL_BIG);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_EQ(full_count_entries(dir), 1);
  CHECK_OK(PR_DeleteSharedMemory(sparse));
  CHECK_EQ(full_count_entries(dir), 0);

  /* Half the space: reserved, so every byte can be written. Then the other
   * half; then nothing fits and the create fails cleanly. */
  full_create_and_fill(full_name(a, "a"));
  CHECK_EQ(full_count_entries(dir), 1);
  full_create_and_fill(full_name(b, "b"));
  CHECK_EQ(full_count_entries(dir), 2);
  full_check_no_space(full_name(c, "c"), FULL_PART);
  CHECK_EQ(full_count_entries(dir), 2);

  CHECK_OK(PR_DeleteSharedMemory(a));
  CHECK_OK(PR_DeleteSharedMemory(b));
  CHECK_EQ(full_count_entries(dir), 0);
}

TEST(full_dev_shm_fails_create_cleanly) {
  full_need_root();
  full_check_child(t_wait(t_spawn("in_tiny_dev_shm", NULL)));
}

CHILD(in_tiny_dev_shm) {
  (void)argc, (void)argv;
  full_mount_tiny_tmpfs("/dev/shm");
  full_exercise("/dev/shm");
  return 0;
}

TEST(full_prshm_dir_fails_create_cleanly) {
  char dir[96];
  const char *args[2];
  int code;

  full_need_root();
  snprintf(dir, sizeof dir, "/tmp/prshm-full-%ld-XXXXXX", t_pid());
  CHECK(mkdtemp(dir) != NULL);
  args[0] = dir;
  args[1] = NULL;
  /* The child's mount vanishes with its namespace; the directory stays
   * here, empty, to be removed whatever the outcome. */
  code = t_wait(t_spawn("mount_tiny_dir", args));
  CHECK_EQ(rmdir(dir), 0);
  full_check_child(code);
}

/* Mounts the tiny tmpfs on argv[0], then runs the exercise in a new
 * program with PRSHM_DIR naming it (PRSHM_DIR is read once per process). */
CHILD(mount_tiny_dir) {
  const char *args[2];
  int code;

  CHECK_EQ(argc, 1);
  full_mount_tiny_tmpfs(argv[0]);
  CHECK_EQ(setenv(PRSHM_DIR_ENV, argv[0], 1), 0);
  args[0] = argv[0];
  args[1] = NULL;
  code = t_wait(t_spawn("in_tiny_dir", args));
  if (code >= 128) printf("in_tiny_dir killed by signal %d\n", code - 128);
  return code == FULL_NO_MOUNT ? 1 : code;
}

CHILD(in_tiny_dir) {
  CHECK_EQ(argc, 1);
  CHECK_STR(getenv(PRSHM_DIR_ENV), argv[0]);
  full_exercise(argv[0]);
  return 0;
}
