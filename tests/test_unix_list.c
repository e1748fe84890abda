/*
 * test_unix_list.c - the listing API (prshm_ext.h): enumerating the
 * namespace, decoding names, telling segments in use from orphans
 * (an open handle marks the segment in use), and removing orphans safely.
 *
 * Most cases move the namespace to a private directory (PRSHM_DIR) so that
 * they see exactly their own segments and never act on anyone else's.
 * Children hold segments in each way a segment can be held (a prshm handle,
 * a mapping without a handle, a plain descriptor, a mapping made without
 * prshm) and wait on a pipe; nothing is ordered by sleeping.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "list.h"
#include "runner.h"
#include "sys.h"
#include "unix.h"

/* ---- A private namespace ---- */

static char ls_dir[64];

/* Removes the private directory and everything in it (at exit, so that a
 * failing check cleans up too). */
static void ls_remove_dir(void) {
  DIR *d;
  struct dirent *e;

  prshm__sys_reset(); /* a failed check may have left a failing call in */
  d = opendir(ls_dir);
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (unlinkat(dirfd(d), e->d_name, 0) != 0) (void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
  }
  closedir(d);
  (void)rmdir(ls_dir);
}

/* Moves this process's namespace (and its children's) to a new directory.
 * Must come before any prshm call: PRSHM_DIR is read once. */
static void ls_private(void) {
  char native[PRSHM_NATIVE_NAME_MAX];

  snprintf(ls_dir, sizeof ls_dir, "/tmp/prshm-list-XXXXXX");
  CHECK(mkdtemp(ls_dir) != NULL);
  CHECK_EQ(chmod(ls_dir, 0777), 0); /* children that drop to nobody use it too */
  atexit(ls_remove_dir);
  CHECK_EQ(setenv(PRSHM_DIR_ENV, ls_dir, 1), 0);
  CHECK_OK(prshm_native_name("/x", native, sizeof native));
  if (strncmp(native, ls_dir, strlen(ls_dir)) != 0)
    SKIP("the namespace was chosen before this test: run it on its own (as CTest does)");
}

/* The path of a file in the private directory. */
static const char *ls_path(const char *file) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", ls_dir, file);
  return path;
}

/* ---- Reading listings ---- */

/* Lists the namespace; returns how many entries there are and copies the
 * one whose native name is `native` (if any) into *found. */
static int ls_find(const char *native, prshm_seginfo *found, int *seen) {
  prshm_list *l = prshm_list_open();
  prshm_seginfo info;
  int n = 0;

  CHECK_NOT_NULL(l);
  *seen = 0;
  while (prshm_list_next(l, &info) == PR_SUCCESS) {
    n++;
    if (native != NULL && strcmp(info.native_name, native) == 0) {
      *found = info;
      (*seen)++;
    }
  }
  CHECK_ERROR(PR_NO_MORE_FILES_ERROR);
  prshm_list_close(l);
  return n;
}

/* The listing's entry for the caller's name `name`; it must be there. */
static prshm_seginfo ls_entry(const char *name) {
  char native[PRSHM_NATIVE_NAME_MAX];
  prshm_seginfo info;
  int seen;

  memset(&info, 0, sizeof info);
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  (void)ls_find(native, &info, &seen);
  CHECK_EQ(seen, 1);
  return info;
}

#define LS_HELD (PRSHM_HELD_HANDLE | PRSHM_HELD_MAPPED | PRSHM_HELD_OPEN | PRSHM_HELD_FILE)
#define LS_GAPS (PRSHM_UNCHECKED_LOCK | PRSHM_UNCHECKED_PROCS | PRSHM_UNCHECKED_SOME)

/* PRSHM_HELD_HANDLE where the backend's handles lock (the portable one)
 * and the entry is held through a handle (`by_handle`); else nothing. */
#define LS_HANDLE(by_handle) \
  ((prshm__unix_handles_lock && (by_handle)) ? (PRUint32)PRSHM_HELD_HANDLE : 0u)

/* The lock test, per backend. The portable backend's handles hold a lock,
 * which the test (possible here: the segments are this process's own)
 * sees while a handle, or a mapping made through one, is held. The Linux
 * backend's hold none: there the test does not apply, is never made, and
 * is not reported as missing either. */
static void ls_check_lock_test(const prshm_seginfo *info, PRBool by_handle) {
  CHECK_EQ(info->evidence & PRSHM_UNCHECKED_LOCK, 0);
  if (prshm__unix_handles_lock)
    CHECK_EQ(info->evidence & PRSHM_HELD_HANDLE, LS_HANDLE(by_handle));
  else
    CHECK_EQ(info->evidence & PRSHM_HELD_HANDLE, 0);
}

/* An entry nothing holds must be orphaned. Where neither the lease test
 * nor a complete scan was possible (not root, and not the owner), it is
 * unknown instead, and the case cannot tell the two apart. */
static void ls_expect_orphan(const prshm_seginfo *info) {
  if ((info->evidence & (LS_HELD | PRSHM_FREE_PROVED)) == 0 && (info->evidence & LS_GAPS) != 0)
    SKIP("neither the lease test nor a complete process scan is possible here");
  CHECK_EQ(info->evidence & LS_HELD, 0);
  CHECK_EQ(info->use, PRSHM_USE_ORPHANED);
  CHECK_EQ(info->processes, 0);
  ls_check_lock_test(info, PR_FALSE);
  /* Without handle locks, only the lease test can prove it. */
  if (!prshm__unix_handles_lock) CHECK((info->evidence & PRSHM_FREE_PROVED) != 0);
}

/* The evidence of the holders only. */
#define LS_HELD_BY(info) ((info).evidence & LS_HELD)

static PRSharedMemory *ls_create(const char *name, PRSize size, PRIntn mode) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, mode);
  CHECK_NOT_NULL(shm);
  return shm;
}

/* ---- Children that hold a segment, and pipes to talk to them ---- */

/* A pipe whose end `child_end` is inherited by the next child. */
static void ls_pipe(int fds[2], int child_end) {
  CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
  CHECK_EQ(fcntl(fds[child_end], F_SETFD, 0), 0);
}

static const char *ls_num(int n, char buf[16]) {
  snprintf(buf, 16, "%d", n);
  return buf;
}

/* A child holding a segment, with the pipes that control it. */
typedef struct ls_holder {
  t_proc proc; /* the child */
  int ready;   /* reads 'r' once the child holds the segment */
  int go;      /* a byte written here lets the child exit */
} ls_holder;

/* Starts child `how` on `target` (a caller's name or a file path) and
 * waits until it holds it. */
static ls_holder ls_hold(const char *how, const char *target) {
  int ready[2], go[2];
  char a[16], b[16];
  ls_holder h;
  char c = 0;

  ls_pipe(ready, 1);
  ls_pipe(go, 0);
  {
    const char *args[] = {target, ls_num(ready[1], a), ls_num(go[0], b), NULL};
    h.proc = t_spawn(how, args);
  }
  close(ready[1]);
  close(go[0]);
  h.ready = ready[0];
  h.go = go[1];
  CHECK_EQ(read(h.ready, &c, 1), 1);
  CHECK_EQ(c, 'r');
  return h;
}

/* Lets the child go and checks that it exited cleanly. */
static void ls_release(ls_holder *h) {
  CHECK_EQ(write(h->go, "g", 1), 1);
  CHECK_EQ(t_wait(h->proc), 0);
  close(h->ready);
  close(h->go);
}

/* Kills the child where it stands. */
static void ls_kill(ls_holder *h) {
  t_kill(h->proc);
  CHECK_EQ(t_wait(h->proc), 128 + SIGKILL);
  close(h->ready);
  close(h->go);
}

/* In a child: says "ready", then waits for the word to go. */
static int ls_child_wait(char **argv) {
  int ready = atoi(argv[1]), go = atoi(argv[2]);
  char c;

  if (write(ready, "r", 1) != 1) return 20;
  return read(go, &c, 1) == 1 ? 0 : 21;
}

/* Holds a prshm handle (not attached). */
CHILD(hold_handle) {
  PRSharedMemory *shm;
  int rc;

  if (argc != 3) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL) return 3;
  rc = ls_child_wait(argv);
  return PR_CloseSharedMemory(shm) == PR_SUCCESS ? rc : 4;
}

/* Attaches through prshm, closes the handle, stays attached. */
CHILD(hold_mapping) {
  PRSharedMemory *shm;

  if (argc != 3) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL || PR_AttachSharedMemory(shm, 0) == NULL) return 3;
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) return 4;
  return ls_child_wait(argv);
}

/* A program that is not prshm: maps the file by its path, closes it. */
CHILD(hold_foreign_map) {
  void *p;
  int fd;

  if (argc != 3) return 2;
  fd = open(argv[0], O_RDWR);
  if (fd < 0) return 3;
  p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return 4;
  return ls_child_wait(argv);
}

/* A program that is not prshm: holds a descriptor, maps nothing. */
CHILD(hold_foreign_fd) {
  int fd, rc;

  if (argc != 3) return 2;
  fd = open(argv[0], O_RDONLY);
  if (fd < 0) return 3;
  rc = ls_child_wait(argv);
  close(fd);
  return rc;
}

/* ---- What the listing tells ---- */

TEST(named_segment_details) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *name;
  PRSharedMemory *shm;
  prshm_seginfo info;
  struct stat st;
  time_t before = time(NULL);
  int seen;

  ls_private();
  name = t_name("details");
  shm = ls_create(name, 5000, 0640);
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  CHECK_EQ(stat(native, &st), 0);
  CHECK_EQ(ls_find(native, &info, &seen), 1);
  CHECK_EQ(seen, 1);
  CHECK_EQ(info.kind, PRSHM_KIND_NAMED);
  CHECK_STR(info.name, name);
  CHECK_STR(info.native_name, native);
  CHECK_EQ(info.size, 5000);
  CHECK_EQ(info.mode, 0640);
  CHECK_EQ(info.uid, geteuid());
  CHECK_EQ(info.gid, getegid());
  CHECK_INT(info.ctime, >=, before - 1);
  CHECK_INT(info.ctime, <=, time(NULL) + 1);
  CHECK_EQ(info.device, st.st_dev);
  CHECK_EQ(info.inode, st.st_ino);
  /* This process holds it: its handle's descriptor, which the lease test
   * sees as an open file, and (portable backend) the handle's lock. */
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(LS_HELD_BY(info), LS_HANDLE(PR_TRUE) | PRSHM_HELD_OPEN | PRSHM_HELD_FILE);
  ls_check_lock_test(&info, PR_TRUE);
  CHECK_EQ(info.processes, 1);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(end_of_listing_and_bad_arguments) {
  prshm_list *l;
  prshm_seginfo info;

  ls_private();
  l = prshm_list_open();
  CHECK_NOT_NULL(l);
  CHECK(prshm_list_next(l, &info) == PR_FAILURE);
  CHECK_ERROR(PR_NO_MORE_FILES_ERROR);
  CHECK(prshm_list_next(l, &info) == PR_FAILURE);
  CHECK_ERROR(PR_NO_MORE_FILES_ERROR);
  CHECK(prshm_list_next(l, NULL) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_list_next(NULL, &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  prshm_list_close(l);
  prshm_list_close(NULL);
}

TEST(closed_segment_is_orphaned) {
  const char *name;
  prshm_seginfo info;

  ls_private();
  name = t_name("closed");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  info = ls_entry(name);
  ls_expect_orphan(&info);
}

TEST(attached_after_close_is_mapped) {
  const char *name;
  PRSharedMemory *shm;
  prshm_seginfo info;
  void *p;

  ls_private();
  name = t_name("mapped");
  shm = ls_create(name, 4096, 0600);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_OK(PR_CloseSharedMemory(shm));
  info = ls_entry(name);
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  /* The mapping keeps the handle's open file, which the lease test sees,
   * and with it (portable backend) the handle's lock. */
  CHECK_EQ(LS_HELD_BY(info), PRSHM_HELD_MAPPED | LS_HANDLE(PR_TRUE) | PRSHM_HELD_FILE);
  ls_check_lock_test(&info, PR_TRUE);
  CHECK_EQ(info.processes, 1);
  /* The handle is gone, so only unmapping by hand ends the attachment. */
  CHECK_EQ(munmap(p, 4096), 0);
  info = ls_entry(name);
  ls_expect_orphan(&info);
}

TEST(handle_in_child_then_killed) {
  const char *name;
  prshm_seginfo info;
  ls_holder h;

  ls_private();
  name = t_name("killed");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  h = ls_hold("hold_handle", name);
  info = ls_entry(name);
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(LS_HELD_BY(info), LS_HANDLE(PR_TRUE) | PRSHM_HELD_OPEN | PRSHM_HELD_FILE);
  ls_check_lock_test(&info, PR_TRUE);
  CHECK_EQ(info.processes, 1);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  /* The kernel drops a dead process's descriptors (and lock). */
  ls_kill(&h);
  info = ls_entry(name);
  ls_expect_orphan(&info);
  CHECK_OK(prshm_remove_orphan(&info));
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

TEST(mapping_in_child_after_close) {
  const char *name;
  prshm_seginfo info;
  ls_holder h;

  ls_private();
  name = t_name("childmap");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  h = ls_hold("hold_mapping", name);
  info = ls_entry(name);
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(LS_HELD_BY(info), PRSHM_HELD_MAPPED | LS_HANDLE(PR_TRUE) | PRSHM_HELD_FILE);
  ls_check_lock_test(&info, PR_TRUE);
  CHECK_EQ(info.processes, 1);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  ls_release(&h);
  info = ls_entry(name);
  ls_expect_orphan(&info);
}

TEST(mapped_by_a_program_without_prshm) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *name;
  prshm_seginfo info;
  ls_holder h;

  ls_private();
  name = t_name("foreign");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  h = ls_hold("hold_foreign_map", native);
  info = ls_entry(name);
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(LS_HELD_BY(info), PRSHM_HELD_MAPPED | PRSHM_HELD_FILE);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  ls_release(&h);
  info = ls_entry(name);
  ls_expect_orphan(&info);
  CHECK_OK(prshm_remove_orphan(&info));
}

TEST(open_by_a_program_without_prshm) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *name;
  prshm_seginfo info;
  ls_holder h;

  ls_private();
  name = t_name("fd");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  h = ls_hold("hold_foreign_fd", native);
  info = ls_entry(name);
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(LS_HELD_BY(info), PRSHM_HELD_OPEN | PRSHM_HELD_FILE);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  ls_release(&h);
  info = ls_entry(name);
  ls_expect_orphan(&info);
}

TEST(hashed_name_is_listed_as_hashed) {
  char name[400], native[PRSHM_NATIVE_NAME_MAX];
  prshm_seginfo info;
  size_t len;
  int seen;

  ls_private();
  /* Longer than a file name may be: stored under its hash. */
  snprintf(name, sizeof name, "%s-", t_name("hashed"));
  len = strlen(name);
  memset(name + len, 'h', 300);
  name[len + 300] = '\0';
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  CHECK_EQ(ls_find(native, &info, &seen), 1);
  CHECK_EQ(seen, 1);
  CHECK_EQ(info.kind, PRSHM_KIND_HASHED);
  CHECK_STR(info.name, "");
  CHECK_OK(PR_DeleteSharedMemory(name));
}

TEST(names_decode_and_entries_come_sorted) {
  /* Short enough to stay readable under the portable backend's 30 bytes. */
  const char *names[] = {"/zeta", "/al/be", "/s p%", "/caf\xc3\xa9"};
  char prev[PRSHM_NATIVE_NAME_MAX] = "";
  prshm_list *l;
  prshm_seginfo info;
  size_t i;
  int n = 0, found = 0;

  ls_private();
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    CHECK_OK(PR_CloseSharedMemory(ls_create(names[i], 100, 0600)));
  l = prshm_list_open();
  CHECK_NOT_NULL(l);
  while (prshm_list_next(l, &info) == PR_SUCCESS) {
    n++;
    CHECK_INT(strcmp(prev, info.native_name), <, 0);
    strcpy(prev, info.native_name);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) found += strcmp(info.name, names[i]) == 0;
  }
  prshm_list_close(l);
  CHECK_EQ(n, 4);
  CHECK_EQ(found, 4);
  for (i = 0; i < sizeof names / sizeof names[0]; i++) CHECK_OK(PR_DeleteSharedMemory(names[i]));
}

TEST(other_objects_are_listed_as_not_prshms) {
  static const struct {
    const char *file; /* in the namespace */
    int kind;         /* what the listing must call it */
  } objects[] = {{"prshm.bad%zz", PRSHM_KIND_FOREIGN}, {"prshm-short", PRSHM_KIND_FOREIGN},
                 {"psm_1a2b", PRSHM_KIND_FOREIGN},     {"prshm.dir", PRSHM_KIND_OTHER},
                 {"prshm.link", PRSHM_KIND_OTHER},     {"prshm.fifo", PRSHM_KIND_OTHER},
                 {"prshm.twice", PRSHM_KIND_OTHER},    {"prshm.twice2", PRSHM_KIND_OTHER}};
  char twice[128];
  const char *name;
  prshm_seginfo info;
  size_t i;
  int fd, seen;

  ls_private();
  name = t_name("among");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  /* Files prshm did not name, and objects that are no segment at all (a
   * file under two names among them). */
  for (i = 0; i < 3; i++) {
    fd = open(ls_path(objects[i].file), O_CREAT | O_WRONLY, 0600);
    CHECK_INT(fd, >=, 0);
    close(fd);
  }
  CHECK_EQ(mkdir(ls_path("prshm.dir"), 0700), 0);
  CHECK_EQ(symlink("/etc/passwd", ls_path("prshm.link")), 0);
  CHECK_EQ(mkfifo(ls_path("prshm.fifo"), 0600), 0);
  fd = open(ls_path("prshm.twice"), O_CREAT | O_WRONLY, 0600);
  CHECK_INT(fd, >=, 0);
  close(fd);
  snprintf(twice, sizeof twice, "%s", ls_path("prshm.twice"));
  CHECK_EQ(link(twice, ls_path("prshm.twice2")), 0);
  CHECK_EQ(ls_find(NULL, &info, &seen), 1 + (int)(sizeof objects / sizeof objects[0]));
  for (i = 0; i < sizeof objects / sizeof objects[0]; i++) {
    CHECK_EQ(ls_find(ls_path(objects[i].file), &info, &seen), 9);
    CHECK_EQ(seen, 1);
    CHECK_EQ(info.kind, objects[i].kind);
    CHECK_STR(info.name, "");
    if (info.kind == PRSHM_KIND_OTHER) CHECK_EQ(info.use, PRSHM_USE_UNKNOWN);
    /* Never prshm's to remove, whatever holds them. */
    CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  }
  /* Another program's file is tested for use like a segment. */
  CHECK_EQ(ls_find(ls_path("psm_1a2b"), &info, &seen), 9);
  if ((info.evidence & PRSHM_FREE_PROVED) != 0) CHECK_EQ(info.use, PRSHM_USE_UNHELD);
}

TEST(leftover_temporary_file) {
  char file[64];
  prshm_seginfo info;
  ls_holder h;
  int fd, seen;

  ls_private();
  snprintf(file, sizeof file, ".prshm-tmp-%ld-4242", t_pid());
  fd = open(ls_path(file), O_CREAT | O_EXCL | O_WRONLY, 0600);
  CHECK_INT(fd, >=, 0);
  close(fd);
  /* Held open, as by a creator still at work: in use. */
  h = ls_hold("hold_foreign_fd", ls_path(file));
  CHECK_EQ(ls_find(ls_path(file), &info, &seen), 1);
  CHECK_EQ(seen, 1);
  CHECK_EQ(info.kind, PRSHM_KIND_LEFTOVER);
  CHECK_STR(info.name, "");
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  ls_release(&h);
  /* Its creator gone: an orphan, which prune may remove. */
  CHECK_EQ(ls_find(ls_path(file), &info, &seen), 1);
  ls_expect_orphan(&info);
  CHECK_OK(prshm_remove_orphan(&info));
  CHECK(access(ls_path(file), F_OK) != 0);
}

TEST(leftover_sharing_its_file_with_a_segment) {
  /* A creator on the link fallback killed between its two steps: the
   * segment's file has its name and the temporary one. The segment's name
   * is then no segment (two names), the temporary one a leftover; removing
   * the leftover gives the segment back, data and all. */
  char file[64], native[PRSHM_NATIVE_NAME_MAX];
  const char *name;
  PRSharedMemory *shm;
  prshm_seginfo info;
  char *p;
  int seen;

  ls_private();
  name = t_name("twonames");
  shm = ls_create(name, 4096, 0600);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "kept");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  snprintf(file, sizeof file, ".prshm-tmp-%ld-77", t_pid());
  CHECK_EQ(link(native, ls_path(file)), 0);
  CHECK_EQ(ls_find(native, &info, &seen), 2);
  CHECK_EQ(info.kind, PRSHM_KIND_OTHER);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat(name, &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  (void)ls_find(ls_path(file), &info, &seen);
  CHECK_EQ(seen, 1);
  CHECK_EQ(info.kind, PRSHM_KIND_LEFTOVER);
  ls_expect_orphan(&info);
  CHECK_OK(prshm_remove_orphan(&info));
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "kept");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(default_namespace) {
  const char *name;
  PRSharedMemory *shm;
  prshm_seginfo info;

  if (getenv(PRSHM_DIR_ENV) != NULL) SKIP("PRSHM_DIR is set");
  name = t_name("default");
  shm = ls_create(name, 4096, 0600);
  info = ls_entry(name);
  CHECK_STR(info.name, name);
  CHECK_EQ(info.native_name[0], '/');
  CHECK(strchr(info.native_name + 1, '/') == NULL); /* a shm_open() name */
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(LS_HELD_BY(info), LS_HANDLE(PR_TRUE) | PRSHM_HELD_OPEN | PRSHM_HELD_FILE);
  ls_check_lock_test(&info, PR_TRUE);
  CHECK_EQ(info.processes, 1);
  CHECK_OK(PR_CloseSharedMemory(shm));
  info = ls_entry(name);
  ls_expect_orphan(&info);
}

/* ---- prshm_stat ---- */

TEST(stat_by_name) {
  char longname[1100];
  const char *name;
  PRSharedMemory *shm;
  prshm_seginfo info, listed;
  char native[PRSHM_NATIVE_NAME_MAX];

  ls_private();
  name = t_name("stat");
  shm = ls_create(name, 777, 0604);
  CHECK_OK(prshm_stat(name, &info));
  listed = ls_entry(name);
  CHECK_STR(info.name, name);
  CHECK_STR(info.native_name, listed.native_name);
  CHECK_EQ(info.size, 777);
  CHECK_EQ(info.mode, 0604);
  CHECK_EQ(info.inode, listed.inode);
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(info.evidence, listed.evidence);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(prshm_stat(name, &info));
  ls_expect_orphan(&info);

  CHECK(prshm_stat(NULL, &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat("", &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat(name, NULL) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  memset(longname, 'n', 1024);
  longname[1024] = '\0';
  CHECK(prshm_stat(longname, &info) == PR_FAILURE);
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
  CHECK(prshm_stat(t_name("missing"), &info) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* A directory where the segment would be. */
  CHECK_OK(prshm_native_name(t_name("dir"), native, sizeof native));
  CHECK_EQ(mkdir(native, 0700), 0);
  CHECK(prshm_stat(t_name("dir"), &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK_EQ(rmdir(native), 0);
}

/* ---- prshm_remove_orphan ---- */

TEST(remove_refuses_open_handle) {
  const char *name;
  PRSharedMemory *shm;
  prshm_seginfo info;

  ls_private();
  name = t_name("busy");
  shm = ls_create(name, 4096, 0600);
  info = ls_entry(name);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* Still there: a new handle opens it. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(remove_leaves_a_replacement_alone) {
  const char *name;
  prshm_seginfo old, now;

  ls_private();
  name = t_name("replaced");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  old = ls_entry(name);
  /* Deleted and made again: same name, another segment (which may well
   * get the old one's inode number). */
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 8192, 0600)));
  now = ls_entry(name);
  CHECK(prshm_remove_orphan(&old) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_OK(prshm_stat(name, &now));
  /* Gone altogether. */
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(prshm_remove_orphan(&now) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

TEST(remove_refuses_entries_not_of_this_namespace) {
  const char *name;
  prshm_seginfo info;

  ls_private();
  name = t_name("foreigninfo");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  CHECK(prshm_remove_orphan(NULL) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  info = ls_entry(name);
  strcpy(info.native_name, "/etc/passwd");
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  info = ls_entry(name);
  /* A key of this namespace, but named through another directory. */
  snprintf(info.native_name, sizeof info.native_name, "/tmp/%s",
           strrchr(ls_entry(name).native_name, '/') + 1);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  info = ls_entry(name);
  memset(info.native_name, 'x', sizeof info.native_name); /* no terminator */
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_OK(prshm_stat(name, &info));
}

TEST(many_segments) {
  char name[64];
  prshm_seginfo info;
  prshm_list *l;
  int i, n = 0;

  ls_private();
  for (i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "/many/%03d", i);
    CHECK_OK(PR_CloseSharedMemory(ls_create(name, 64, 0600)));
  }
  l = prshm_list_open();
  CHECK_NOT_NULL(l);
  while (prshm_list_next(l, &info) == PR_SUCCESS) {
    snprintf(name, sizeof name, "/many/%03d", n++);
    CHECK_STR(info.name, name);
    ls_expect_orphan(&info);
    CHECK_OK(prshm_remove_orphan(&info));
  }
  prshm_list_close(l);
  CHECK_EQ(n, 300);
  CHECK_EQ(ls_find(NULL, &info, &i), 0);
}

/* ---- An opener racing with a removal ---- */

/* The racing opener: a thread, and what it got. */
static atomic_int ls_race_blocked; /* the opener met the remover's lock or lease */
static atomic_long ls_race_tid;    /* the opener thread's id, once running */
static pthread_t ls_race_thread;
static const char *ls_race_name;
static PRSharedMemory *ls_race_shm;
static prshm__syscalls ls_real;
static atomic_int ls_race_opened; /* the opener's open has returned */
/* Set: the remover, once it has moved the name aside, waits for the
 * opener's open to return before it goes on. */
static int ls_race_hold_after_move;

static void *ls_race_open(void *arg) {
  (void)arg;
  atomic_store(&ls_race_tid, (long)syscall(SYS_gettid));
  ls_race_shm = PR_OpenSharedMemory(ls_race_name, 4096, PR_SHM_CREATE, 0600);
  atomic_store(&ls_race_opened, 1);
  return NULL;
}

/* The opener's non-blocking open fails while the remover holds its lease. */
static int ls_race_sys_open(const char *path, int flags, mode_t mode) {
  int fd = ls_real.open(path, flags, mode);
  if (fd < 0 && errno == EWOULDBLOCK) atomic_store(&ls_race_blocked, 1);
  return fd;
}

/* Likewise through shm_open() (the portable backend, which opens without
 * blocking where objects are files). */
static int ls_race_sys_shm_open(const char *name, int flags, mode_t mode) {
  int fd = ls_real.shm_open(name, flags, mode);
  if (fd < 0 && errno == EWOULDBLOCK) atomic_store(&ls_race_blocked, 1);
  return fd;
}

/* Its shared lock fails while the remover holds the exclusive one. */
static int ls_race_sys_flock(int fd, int op) {
  int rv = ls_real.flock(fd, op);
  if (rv != 0 && errno == EWOULDBLOCK && (op & LOCK_SH) != 0) atomic_store(&ls_race_blocked, 1);
  return rv;
}

/* Whether the opener thread sleeps inside openat(): a blocking open (the
 * portable backend's shm_open) waiting for the remover's lease to go. */
static int ls_race_in_openat(void) {
  char path[64], buf[64];
  long tid = atomic_load(&ls_race_tid);
  FILE *f;
  int in = 0;

  if (tid == 0) return 0;
  snprintf(path, sizeof path, "/proc/self/task/%ld/syscall", tid);
  f = fopen(path, "r");
  if (f == NULL) return 0;
  if (fgets(buf, sizeof buf, f) != NULL) in = atol(buf) == SYS_openat && buf[0] != 'r';
  fclose(f);
  return in;
}

/* Starts the opener thread and waits until it runs into the remover's
 * lease or lock. The flags are polled with a bound: this waits for a
 * state, it does not order by time. Once only. */
static void ls_race_start(void) {
  time_t deadline = time(NULL) + 30;
  static int started;

  if (started++) return;
  CHECK_EQ(pthread_create(&ls_race_thread, NULL, ls_race_open, NULL), 0);
  while (atomic_load(&ls_race_blocked) == 0 && !ls_race_in_openat() && time(NULL) < deadline) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  CHECK(atomic_load(&ls_race_blocked) != 0 || ls_race_in_openat());
}

/* Called by prshm_remove_orphan() as it takes the name away, holding the
 * lease (and, portable backend, the exclusive lock): with a lease, the name
 * is first moved (rename); without one, removed (unlink). */
static int ls_race_sys_rename(const char *from, const char *to) {
  static int moved;
  time_t deadline = time(NULL) + 30;
  int rv;

  ls_race_start();
  rv = ls_real.rename_noreplace(from, to);
  if (rv != 0 || !ls_race_hold_after_move || moved++) return rv;
  /* Polled with a bound: this waits for a state, not for a time. */
  while (atomic_load(&ls_race_opened) == 0 && time(NULL) < deadline) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  CHECK(atomic_load(&ls_race_opened) != 0);
  return rv;
}

static int ls_race_sys_unlink(const char *path) {
  ls_race_start();
  return ls_real.unlink(path);
}

/* Removes the file of inode `ino` left under a temporary name in the
 * namespace's directory; whether there was one. */
static int ls_remove_leftover(ino_t ino) {
  char where[PRSHM_NATIVE_NAME_MAX];
  struct dirent *e;
  struct stat st;
  int found = 0;
  DIR *d;

  CHECK_OK(prshm_namespace(where, sizeof where));
  d = opendir(where);
  CHECK_NOT_NULL(d);
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, PRSHM__LIST_TEMP_PREFIX, strlen(PRSHM__LIST_TEMP_PREFIX)) != 0 ||
        fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_ino != ino)
      continue;
    CHECK_EQ(unlinkat(dirfd(d), e->d_name, 0), 0);
    found = 1;
  }
  closedir(d);
  return found;
}

/* With the lease test (Linux): the opener waiting on the lease has broken
 * it, so the removal is called off and the name kept. The opener then gets
 * the segment, or, if its retry came while the name was moved aside, a
 * new segment under the name; the old one is then left under its
 * temporary name for a later prune (remove.c). Without the lease test
 * (portable backend): the opener waits for the removal, then finds the
 * name gone and creates a new segment, which the name reaches. Either way
 * the opener never keeps a segment no name reaches. Returns whether the
 * name reaches a new segment. */
static int ls_race(void) {
  prshm_seginfo info, now;
  prshm__handle *h;
  struct stat st;
  PRStatus rv;

  ls_race_name = t_name("race");
  CHECK_OK(PR_CloseSharedMemory(ls_create(ls_race_name, 4096, 0600)));
  info = ls_entry(ls_race_name);
  ls_expect_orphan(&info);
  ls_real = prshm__sys;
  prshm__sys.open = ls_race_sys_open;
  prshm__sys.shm_open = ls_race_sys_shm_open;
  prshm__sys.flock = ls_race_sys_flock;
  prshm__sys.rename_noreplace = ls_race_sys_rename;
  prshm__sys.unlink = ls_race_sys_unlink;
  rv = prshm_remove_orphan(&info);
  CHECK_EQ(pthread_join(ls_race_thread, NULL), 0);
  prshm__sys_reset();
  CHECK_NOT_NULL(ls_race_shm);
  h = prshm__registry_acquire(ls_race_shm);
  CHECK_NOT_NULL(h);
  CHECK_EQ(fstat((int)prshm__handle_seg(h)->os, &st), 0);
  prshm__registry_release(h);
  CHECK_INT(st.st_nlink, >=, 1);
  CHECK_OK(prshm_stat(ls_race_name, &now));
  CHECK_EQ(now.inode, st.st_ino);
  if ((info.evidence & PRSHM_FREE_PROVED) != 0) {
    CHECK_EQ(rv, PR_FAILURE);
    CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
    /* The very segment, kept; or a new one, the old left for prune. */
    if (now.inode != info.inode) CHECK(ls_remove_leftover((ino_t)info.inode));
  } else {
    CHECK_OK(rv);
  }
  CHECK_OK(PR_CloseSharedMemory(ls_race_shm));
  return now.inode != info.inode;
}

TEST(opener_racing_removal) {
  ls_private();
  (void)ls_race();
}

TEST(opener_racing_removal_default_namespace) {
  if (getenv(PRSHM_DIR_ENV) != NULL) SKIP("PRSHM_DIR is set");
  (void)ls_race();
}

/* The opener, turned away by the remover's lease, tries again while the
 * remover has the name moved aside: it finds no name and creates a new
 * segment under it. The removal, its lease broken, is called off; the old
 * segment cannot go back under the taken name and is left under its
 * temporary name for prune (which ls_race() checks and removes). Without
 * the lease (portable backend) the old name is simply removed and the
 * opener creates anew all the same. */
TEST(opener_creating_while_name_moved_aside) {
  ls_private();
  ls_race_hold_after_move = 1;
  CHECK(ls_race());
}

/* ---- What cannot be checked is never called orphaned ---- */

/* Calls of ls_flock_unsupported() so far. */
static int ls_flock_calls;

static int ls_flock_unsupported(int fd, int op) {
  (void)fd;
  (void)op;
  ls_flock_calls++;
  errno = ENOLCK;
  return -1;
}

static int ls_open_denied(const char *path, int flags, mode_t mode) {
  (void)path;
  (void)flags;
  (void)mode;
  errno = EACCES;
  return -1;
}

static int ls_unlink_denied(const char *path) {
  (void)path;
  errno = EPERM;
  return -1;
}

static void ls_on_sigurg(int sig) { (void)sig; }

/* A program that handles SIGURG itself: the lease test, whose lease breaks
 * would raise it, is left out. */
static void ls_no_lease_test(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = ls_on_sigurg;
  CHECK_EQ(sigaction(SIGURG, &sa, NULL), 0);
}

TEST(lock_test_impossible) {
  const char *name;
  prshm_seginfo info;

  ls_private();
  name = t_name("nolock");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  prshm__sys.flock = ls_flock_unsupported;
  ls_flock_calls = 0;
  info = ls_entry(name);
  /* Only where handles lock is the test tried at all, and missed; where
   * the lease test decided, what was missed does not matter and is left
   * out. */
  if ((info.evidence & PRSHM_FREE_PROVED) == 0)
    CHECK_EQ((info.evidence & PRSHM_UNCHECKED_LOCK) != 0, prshm__unix_handles_lock);
  else
    CHECK_EQ(info.evidence & PRSHM_UNCHECKED_LOCK, 0);
  CHECK_EQ(ls_flock_calls > 0, prshm__unix_handles_lock);
  if ((info.evidence & PRSHM_FREE_PROVED) == 0) SKIP("no lease test here");
  /* The lease test alone proves it orphaned, and guards the removal. */
  CHECK_EQ(info.use, PRSHM_USE_ORPHANED);
  CHECK_OK(prshm_remove_orphan(&info));
  prshm__sys_reset();
}

TEST(lock_and_lease_tests_impossible_is_unknown) {
  const char *name;
  prshm_seginfo info;

  ls_private();
  ls_no_lease_test();
  name = t_name("nolocknolease");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  prshm__sys.flock = ls_flock_unsupported;
  info = ls_entry(name);
  CHECK_EQ(info.use, PRSHM_USE_UNKNOWN);
  CHECK_EQ((info.evidence & PRSHM_UNCHECKED_LOCK) != 0, prshm__unix_handles_lock);
  CHECK((info.evidence & PRSHM_UNCHECKED_LEASE) != 0);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_OPERATION_NOT_SUPPORTED_ERROR);
  prshm__sys_reset();
  CHECK_OK(prshm_stat(name, &info));
}

/* Without the lease test the scan decides what is held: every holder is
 * still seen. An entry nothing holds is orphaned only where handles lock
 * (portable backend) and every process could be read; on Linux nothing
 * proves it free (a handle is then only a descriptor, which an opener
 * could take between a scan and the removal): unknown, never removed. */
TEST(without_lease_test_the_scan_decides) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *name;
  prshm_seginfo info;
  ls_holder h;

  ls_private();
  ls_no_lease_test();
  name = t_name("nolease");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  h = ls_hold("hold_handle", name);
  info = ls_entry(name);
  CHECK((info.evidence & PRSHM_UNCHECKED_LEASE) != 0);
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(LS_HELD_BY(info), LS_HANDLE(PR_TRUE) | PRSHM_HELD_OPEN);
  ls_check_lock_test(&info, PR_TRUE);
  CHECK_EQ(info.processes, 1);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  ls_release(&h);
  h = ls_hold("hold_foreign_map", native);
  info = ls_entry(name);
  CHECK((info.evidence & PRSHM_UNCHECKED_LEASE) != 0);
  CHECK_EQ(info.use, PRSHM_USE_IN_USE);
  CHECK_EQ(LS_HELD_BY(info), PRSHM_HELD_MAPPED);
  ls_check_lock_test(&info, PR_FALSE);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  ls_release(&h);
  info = ls_entry(name);
  CHECK_EQ(LS_HELD_BY(info), 0);
  ls_check_lock_test(&info, PR_FALSE);
  if (!prshm__unix_handles_lock) {
    CHECK_EQ(info.use, PRSHM_USE_UNKNOWN);
    CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
    CHECK_ERROR(PR_OPERATION_NOT_SUPPORTED_ERROR);
    CHECK_EQ(PR_GetOSError(), ENOLCK);
    CHECK_OK(prshm_stat(name, &info)); /* still there */
  } else if ((info.evidence & PRSHM_UNCHECKED_SOME) != 0) {
    /* Some process here cannot be read: refused, conservatively. */
    CHECK_EQ(info.use, PRSHM_USE_UNKNOWN);
    CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
    CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  } else {
    CHECK_EQ(info.use, PRSHM_USE_ORPHANED);
    CHECK_OK(prshm_remove_orphan(&info));
  }
}

TEST(segment_that_cannot_be_opened_is_unknown) {
  const char *name;
  prshm_seginfo info;

  ls_private();
  name = t_name("noopen");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  prshm__sys.open = ls_open_denied;
  info = ls_entry(name);
  CHECK_EQ(info.use, PRSHM_USE_UNKNOWN);
  CHECK((info.evidence & PRSHM_UNCHECKED_LEASE) != 0);
  CHECK_EQ((info.evidence & PRSHM_UNCHECKED_LOCK) != 0, prshm__unix_handles_lock);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  prshm__sys_reset();
  CHECK_OK(prshm_stat(name, &info));
}

TEST(unlink_failure_is_reported) {
  const char *name;
  prshm_seginfo info;

  ls_private();
  name = t_name("nounlink");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  info = ls_entry(name);
  ls_expect_orphan(&info);
  prshm__sys.unlink = ls_unlink_denied;
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  CHECK_EQ(PR_GetOSError(), EPERM);
  prshm__sys_reset();
  CHECK_OK(prshm_stat(name, &info));
  CHECK_OK(prshm_remove_orphan(&info));
}

/* As a user who cannot read every process's records, nor take a lease on
 * another user's segment, nothing is provably orphaned: the answer is
 * unknown and removal is refused. The portable backend's lock test is
 * possible (the segment may be opened), so the unreadable processes are
 * the reason; on Linux, no lease and no handle lock mean nothing could
 * prove it free. */
CHILD(list_as_nobody) {
  const PRUint32 unchecked = PRSHM_UNCHECKED_SOME | PRSHM_UNCHECKED_LEASE;
  prshm_seginfo info;

  if (argc != 1) return 2;
  if (t_become_nobody() != 0) return 3;
  if (prshm_stat(argv[0], &info) != PR_SUCCESS) return 4;
  if (info.use != PRSHM_USE_UNKNOWN || (info.evidence & unchecked) != unchecked) return 5;
  if ((info.evidence & LS_HELD) != 0) return 6;
  if ((info.evidence & PRSHM_UNCHECKED_LOCK) != 0) return 7; /* possible, or not applying */
  if (prshm_remove_orphan(&info) == PR_SUCCESS) return 8;
  if (prshm__unix_handles_lock) return PR_GetError() == PR_NO_ACCESS_RIGHTS_ERROR ? 0 : 9;
  if (PR_GetError() != PR_OPERATION_NOT_SUPPORTED_ERROR) return 10;
  return PR_GetOSError() == ENOLCK ? 0 : 11;
}

TEST(unreadable_processes_make_it_unknown) {
  const char *name;
  const char *args[2];

  if (geteuid() != 0) SKIP("needs root, to drop to another user");
  ls_private();
  name = t_name("nobody");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0666)));
  args[0] = name;
  args[1] = NULL;
  /* This (root) process is one that nobody may read. */
  CHECK_EQ(t_wait(t_spawn("list_as_nobody", args)), 0);
}

TEST(missing_namespace_directory) {
  CHECK_EQ(setenv(PRSHM_DIR_ENV, "/nonexistent/prshm-list-test", 1), 0);
  CHECK(prshm_list_open() == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

TEST(relative_namespace_directory) {
  prshm_seginfo info;

  CHECK_EQ(setenv(PRSHM_DIR_ENV, "relative/dir", 1), 0);
  CHECK(prshm_list_open() == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat("/x", &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
}

/* ---- A removal stalled past the kernel's lease-break time ---- */

/* A program that opens without O_NONBLOCK (Python's shared_memory does)
 * waits on the remover's lease; after fs.lease-break-time the kernel ends
 * the lease and lets it in. */
static const char *ls_stall_path;
static atomic_int ls_stall_opened;
static int ls_stall_fd = -1;
static pthread_t ls_stall_thread;

static void *ls_stall_open(void *arg) {
  (void)arg;
  ls_stall_fd = open(ls_stall_path, O_RDWR | O_CLOEXEC);
  atomic_store(&ls_stall_opened, 1);
  return NULL;
}

/* The remover stalls (stopped, or on a loaded machine) while it holds the
 * lease, just before it takes the name: the blocking opener gets in. */
static void ls_stall(void) {
  time_t deadline = time(NULL) + 60;
  static int started;

  if (started++) return;
  CHECK_EQ(pthread_create(&ls_stall_thread, NULL, ls_stall_open, NULL), 0);
  while (!atomic_load(&ls_stall_opened) && time(NULL) < deadline) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  CHECK(atomic_load(&ls_stall_opened));
}

static int ls_stall_rename(const char *from, const char *to) {
  ls_stall();
  return ls_real.rename_noreplace(from, to);
}

static int ls_stall_unlink(const char *path) {
  ls_stall();
  return ls_real.unlink(path);
}

TEST(removal_stalled_past_lease_break_is_called_off) {
  static char path[PRSHM_NATIVE_NAME_MAX];
  const char *knob = "/proc/sys/fs/lease-break-time";
  long before = t_read_number(knob);
  prshm_seginfo info, now;
  struct stat st;
  const char *name;
  PRStatus rv;

  if (before < 0 || geteuid() != 0) SKIP("needs root, to shorten fs.lease-break-time");
  ls_private();
  name = t_name("stall");
  CHECK_OK(PR_CloseSharedMemory(ls_create(name, 4096, 0600)));
  info = ls_entry(name);
  if ((info.evidence & PRSHM_FREE_PROVED) == 0) SKIP("no lease test here");
  CHECK_OK(prshm_native_name(name, path, sizeof path));
  ls_stall_path = path;
  /* One second instead of 45: the stall the case stands for is longer
   * than the system's break time, whatever it is. */
  CHECK_EQ(t_write_number(knob, 1), 0);
  ls_real = prshm__sys;
  prshm__sys.rename_noreplace = ls_stall_rename;
  prshm__sys.unlink = ls_stall_unlink;
  rv = prshm_remove_orphan(&info);
  prshm__sys_reset();
  CHECK_EQ(t_write_number(knob, before), 0);
  CHECK_EQ(pthread_join(ls_stall_thread, NULL), 0);
  /* The opener got in: the removal must not have happened, nor be
   * reported; the name still reaches the opener's segment. */
  CHECK_INT(ls_stall_fd, >=, 0);
  CHECK_EQ(rv, PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(fstat(ls_stall_fd, &st), 0);
  CHECK_EQ(st.st_nlink, 1);
  CHECK_OK(prshm_stat(name, &now));
  CHECK_EQ(now.inode, st.st_ino);
  CHECK_EQ(close(ls_stall_fd), 0);
}

/* ---- Other programs' objects, by native name ---- */

TEST(native_names_reach_any_object) {
  char big[300], where[PRSHM_NATIVE_NAME_MAX];
  const char *foreign = "psm_test_native";
  PRSharedMemory *shm;
  prshm_seginfo info;
  PRSize size = 0;
  char *p;
  int fd;

  ls_private();
  fd = open(ls_path(foreign), O_CREAT | O_EXCL | O_RDWR, 0600);
  CHECK_INT(fd, >=, 0);
  CHECK_EQ(write(fd, "abc", 3), 3);
  CHECK_EQ(ftruncate(fd, 100), 0);
  close(fd);
  CHECK_OK(prshm_stat_native(foreign, &info));
  CHECK_EQ(info.kind, PRSHM_KIND_FOREIGN);
  CHECK_EQ(info.size, 100);
  CHECK_OK(prshm_stat_native(ls_path(foreign), &info)); /* the path under PRSHM_DIR */
  shm = prshm_open_native(foreign, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, 100);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_EQ(memcmp(p, "abc", 3), 0);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* Every check of an open applies, and nothing is ever created. */
  CHECK(prshm_open_native(foreign, 101, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_open_native(foreign, 0, PR_SHM_CREATE) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_open_native("psm_absent", 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK(access(ls_path("psm_absent"), F_OK) != 0);
  CHECK_EQ(mkfifo(ls_path("psm_fifo"), 0600), 0);
  CHECK(prshm_open_native("psm_fifo", 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK_EQ(symlink("/etc/passwd", ls_path("psm_link")), 0);
  CHECK(prshm_open_native("psm_link", 0, 0) == NULL);
  CHECK_ERROR(PR_LOOP_ERROR);
  /* Names that are not directly in the namespace. */
  CHECK(prshm_open_native(NULL, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat_native("", &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat_native(foreign, NULL) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat_native("a/b", &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat_native("..", &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat_native("/etc/passwd", &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  CHECK(prshm_stat_native(big, &info) == PR_FAILURE);
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
  /* The namespace itself. */
  CHECK_OK(prshm_namespace(where, sizeof where));
  CHECK_STR(where, ls_dir);
  CHECK_EQ(prshm_namespace(where, 3), PR_FAILURE);
  CHECK_ERROR(PR_BUFFER_OVERFLOW_ERROR);
  CHECK_EQ(prshm_namespace(NULL, 10), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_namespace(where, 0), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
}

/* argv: what to set PRSHM_DIR to, and the error prshm_namespace() gives. */
CHILD(namespace_error) {
  char where[PRSHM_NATIVE_NAME_MAX];

  if (argc != 2) return 2;
  if (setenv(PRSHM_DIR_ENV, argv[0], 1) != 0) return 3;
  if (prshm_namespace(where, sizeof where) != PR_FAILURE) return 4;
  if (PR_GetError() != (PRErrorCode)atol(argv[1])) return 5;
  return strcmp(where, argv[0]) == 0 ? 0 : 6;
}

TEST(unusable_namespace_is_named) {
  char code[3][16];
  const char *missing[] = {"/nonexistent/prshm", code[0], NULL};
  const char *relative[] = {"relative/dir", code[1], NULL};
  const char *file[] = {"/etc/passwd", code[2], NULL};

  snprintf(code[0], sizeof code[0], "%ld", (long)PR_FILE_NOT_FOUND_ERROR);
  snprintf(code[1], sizeof code[1], "%ld", (long)PR_INVALID_ARGUMENT_ERROR);
  snprintf(code[2], sizeof code[2], "%ld", (long)PR_NOT_DIRECTORY_ERROR);
  CHECK_EQ(t_wait(t_spawn("namespace_error", missing)), 0);
  CHECK_EQ(t_wait(t_spawn("namespace_error", relative)), 0);
  CHECK_EQ(t_wait(t_spawn("namespace_error", file)), 0);
}
