/*
 * test_unix_proclink.c - the Linux backend's route before Linux 6.10:
 * linking new segments through a descriptor of /proc/self/fd that the
 * process opens once (src/unix/proc_link.c).
 *
 * Each case runs in a child of its own, since the route is taken once per
 * process, for good. The child makes linkat()'s AT_EMPTY_PATH fail with
 * ENOENT, as those kernels do for a process without CAP_DAC_READ_SEARCH,
 * through the system-call table, which also counts the calls that tell the
 * route's ways apart and can fail the route's own calls (the page the
 * kernel wipes in a child, opening the directory).
 *
 * Map: the injector; the cached directory; fork() and _Fork() children
 * (a child must never link through its parent's table of descriptors);
 * the route's own calls failing; a program that closed the descriptor; a
 * namespace in PRSHM_DIR, and the namespace and /proc mounted anew.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "runner.h"
#include "sys.h"

/* ---- The injector ---- */

/* What the cases count and fail. One thread uses it. */
typedef struct pl_state {
  prshm__syscalls real; /* the real calls */
  long empty_path;      /* linkat() with AT_EMPTY_PATH: each fails with ENOENT */
  long by_dir;          /* linkat() of "N" relative to a descriptor, following it */
  long by_path;         /* linkat() of "/proc/self/fd/N" */
  long dir_opens;       /* open() of "/proc/self/fd" */
  int fail_dir_open;    /* errno for the next open of "/proc/self/fd", or 0 */
  int fail_madvise;     /* errno for every madvise(), or 0 */
  int fail_anon_mmap;   /* errno for every anonymous mmap(), or 0 */
} pl_state;

static pl_state pl;

static int pl_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                     int flags) {
  if ((flags & AT_EMPTY_PATH) != 0) {
    pl.empty_path++;
    errno = ENOENT;
    return -1;
  }
  if ((flags & AT_SYMLINK_FOLLOW) != 0 && olddirfd != AT_FDCWD) pl.by_dir++;
  if ((flags & AT_SYMLINK_FOLLOW) != 0 && strncmp(oldpath, "/proc/self/fd/", 14) == 0) pl.by_path++;
  return pl.real.linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}

static int pl_open(const char *path, int flags, mode_t mode) {
  if (strcmp(path, "/proc/self/fd") == 0) {
    pl.dir_opens++;
    if (pl.fail_dir_open != 0) {
      errno = pl.fail_dir_open;
      pl.fail_dir_open = 0;
      return -1;
    }
  }
  return pl.real.open(path, flags, mode);
}

static int pl_madvise(void *addr, size_t length, int advice) {
  if (pl.fail_madvise != 0) {
    errno = pl.fail_madvise;
    return -1;
  }
  return pl.real.madvise(addr, length, advice);
}

static void *pl_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
  if ((flags & MAP_ANONYMOUS) != 0 && pl.fail_anon_mmap != 0) {
    errno = pl.fail_anon_mmap;
    return MAP_FAILED;
  }
  return pl.real.mmap(addr, length, prot, flags, fd, offset);
}

/* Makes this process a creator on a kernel before 6.10, without the
 * capability: AT_EMPTY_PATH fails, and the route counts its calls. */
static void pl_begin(void) {
  memset(&pl, 0, sizeof pl);
  pl.real = prshm__sys;
  prshm__sys.linkat = pl_linkat;
  prshm__sys.open = pl_open;
  prshm__sys.madvise = pl_madvise;
  prshm__sys.mmap = pl_mmap;
}

static PRBool pl_linux(void) { return strcmp(prshm_backend_name(), "linux") == 0; }

/* Runs `child` in a process of its own (the route is process-wide). */
static void pl_in_child(const char *child) {
  if (!pl_linux()) SKIP("the /proc/self/fd route is the Linux backend's");
  CHECK_EQ(t_wait(t_spawn(child, NULL)), 0);
}

/* Creates `name` holding `text`, and checks that opening it by name finds
 * that text: the name is linked to the file this process made. Keeps the
 * handle if `keep`. */
static PRSharedMemory *pl_create(const char *name, const char *text, PRBool keep) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  PRSharedMemory *again;
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_EQ(p[0], 0);
  strcpy(p, text);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  again = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(again);
  p = PR_AttachSharedMemory(again, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, text);
  CHECK_OK(PR_DetachSharedMemory(again, p));
  CHECK_OK(PR_CloseSharedMemory(again));
  if (keep) return shm;
  CHECK_OK(PR_CloseSharedMemory(shm));
  return NULL;
}

/* This process's descriptor of its own /proc/<pid>/fd, or -1. */
static int pl_find_dir_fd(void) {
  char want[64], link[256], path[300];
  struct dirent *e;
  DIR *d = opendir("/proc/self/fd");
  int found = -1;

  CHECK_NOT_NULL(d);
  snprintf(want, sizeof want, "/proc/%ld/fd", t_pid());
  while ((e = readdir(d)) != NULL) {
    ssize_t n;
    if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    n = readlink(path, link, sizeof link - 1);
    if (n <= 0) continue;
    link[n] = '\0';
    if (strcmp(link, want) == 0) found = atoi(e->d_name);
  }
  closedir(d);
  return found;
}

/* ---- The cached directory ---- */

/* Every creation after the first failure of AT_EMPTY_PATH goes through one
 * descriptor of /proc/self/fd, opened once; the segments are the files
 * made, and nothing is left open but that descriptor. */
CHILD(dir_opened_once) {
  long fds = t_open_descriptors();
  int i;

  (void)argc;
  (void)argv;
  pl_begin();
  for (i = 0; i < 5; i++) {
    char text[32];
    const char *name = t_name(i % 2 == 0 ? "even" : "odd");
    snprintf(text, sizeof text, "segment %d", i);
    (void)pl_create(name, text, PR_FALSE);
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
  CHECK_EQ(pl.empty_path, 1);
  CHECK_EQ(pl.dir_opens, 1);
  CHECK_EQ(pl.by_dir, 5);
  CHECK_EQ(pl.by_path, 0);
  CHECK_EQ(t_open_descriptors(), fds + 1);
  CHECK_INT(pl_find_dir_fd(), >=, 0);
  t_cleanup();
  return 0;
}

TEST(proc_route_opens_the_directory_once) { pl_in_child("dir_opened_once"); }

/* ---- Children ---- */

/* How the child of pl_forked_child is made. */
typedef enum { PL_FORK, PL_UNDERSCORE_FORK } pl_fork_how;

static pid_t pl_fork(pl_fork_how how) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  if (how == PL_UNDERSCORE_FORK) return _Fork();
#else
  if (how == PL_UNDERSCORE_FORK) t_skip("_Fork() needs glibc 2.34");
#endif
  return fork();
}

/* The child's side: waits until the parent holds a segment open under a
 * new descriptor, then creates `mine`. Its unnamed file takes the lowest
 * free descriptor, the very number the parent's new one has; had the
 * child kept its parent's descriptor of /proc/<parent>/fd, it would have
 * linked the parent's segment under its own name. */
static int pl_child_side(int from_parent, const char *mine, long inherited_fds, PRBool handlers) {
  PRSharedMemory *shm;
  char go, *p;

  /* fork() ran prshm's handler, which closed the copy of the parent's
   * descriptor of /proc/self/fd; _Fork() ran none. */
  if (t_open_descriptors() != (handlers ? inherited_fds - 1 : inherited_fds)) return 10;
  if (read(from_parent, &go, 1) != 1) return 11;
  shm = PR_OpenSharedMemory(mine, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (shm == NULL) return 12;
  p = PR_AttachSharedMemory(shm, 0);
  if (p == NULL) return 13;
  /* A fresh segment: zeroed, not the parent's "theirs". */
  if (p[0] != 0) return 14;
  strcpy(p, "child");
  (void)PR_DetachSharedMemory(shm, p);
  (void)PR_CloseSharedMemory(shm);
  return 0;
}

/* The parent has taken the route (its descriptor of /proc/self/fd is
 * open); its child creates a segment while the parent holds a segment open
 * under the number the child's new file gets. */
static void pl_forked_child(pl_fork_how how) {
  const char *first = t_name("first"), *mine = t_name("mine");
  PRSharedMemory *held;
  int to_child[2], status;
  long fds;
  pid_t pid;
  char *p;

  pl_begin();
  (void)pl_create(first, "first", PR_FALSE);
  CHECK_EQ(pl.dir_opens, 1);
  CHECK_EQ(pipe(to_child), 0);
  fds = t_open_descriptors();
  fflush(NULL);
  pid = pl_fork(how);
  CHECK_INT(pid, >=, 0);
  if (pid == 0) {
    close(to_child[1]);
    _exit(pl_child_side(to_child[0], mine, fds - 1, how == PL_FORK));
  }
  close(to_child[0]);
  held = PR_OpenSharedMemory(first, 0, 0, 0);
  CHECK_NOT_NULL(held);
  p = PR_AttachSharedMemory(held, 0);
  CHECK_NOT_NULL(p);
  CHECK_EQ(write(to_child[1], "g", 1), 1);
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  /* The parent's segment is untouched, the child's is its own. */
  CHECK_STR(p, "first");
  CHECK_OK(PR_DetachSharedMemory(held, p));
  CHECK_OK(PR_CloseSharedMemory(held));
  held = PR_OpenSharedMemory(mine, 0, 0, 0);
  CHECK_NOT_NULL(held);
  p = PR_AttachSharedMemory(held, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "child");
  CHECK_OK(PR_DetachSharedMemory(held, p));
  CHECK_OK(PR_CloseSharedMemory(held));
  close(to_child[1]);
  t_cleanup();
}

CHILD(fork_child) {
  (void)argc;
  (void)argv;
  pl_forked_child(PL_FORK);
  return 0;
}

CHILD(underscore_fork_child) {
  (void)argc;
  (void)argv;
  pl_forked_child(PL_UNDERSCORE_FORK);
  return 0;
}

TEST(fork_child_links_its_own_file) { pl_in_child("fork_child"); }
TEST(underscore_fork_child_links_its_own_file) { pl_in_child("underscore_fork_child"); }

/* ---- The route's own calls failing ---- */

/* No page that a child would find wiped (a kernel before 4.14: madvise()
 * refuses MADV_WIPEONFORK; or no memory for it): every creation walks the
 * whole path, as it did before the descriptor was kept. */
CHILD(no_wipe_page) {
  int i;

  (void)argc;
  pl_begin();
  if (strcmp(argv[0], "madvise") == 0)
    pl.fail_madvise = EINVAL;
  else
    pl.fail_anon_mmap = ENOMEM;
  for (i = 0; i < 3; i++) {
    const char *name = t_name("whole");
    (void)pl_create(name, "whole path", PR_FALSE);
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
  CHECK_EQ(pl.dir_opens, 0);
  CHECK_EQ(pl.by_dir, 0);
  CHECK_EQ(pl.by_path, 3);
  CHECK_EQ(pl_find_dir_fd(), -1);
  t_cleanup();
  return 0;
}

static void pl_in_child_arg(const char *child, const char *arg) {
  const char *args[] = {arg, NULL};
  if (!pl_linux()) SKIP("the /proc/self/fd route is the Linux backend's");
  CHECK_EQ(t_wait(t_spawn(child, args)), 0);
}

TEST(madvise_refused_walks_the_whole_path) { pl_in_child_arg("no_wipe_page", "madvise"); }
TEST(no_memory_for_the_page_walks_the_whole_path) { pl_in_child_arg("no_wipe_page", "mmap"); }

/* The directory cannot be opened (no descriptor left): that creation walks
 * the whole path; the next one opens the directory. */
CHILD(dir_open_fails_once) {
  const char *a = t_name("a"), *b = t_name("b");

  (void)argc;
  (void)argv;
  pl_begin();
  pl.fail_dir_open = EMFILE;
  (void)pl_create(a, "a", PR_FALSE);
  CHECK_EQ(pl.dir_opens, 1);
  CHECK_EQ(pl.by_path, 1);
  CHECK_EQ(pl.by_dir, 0);
  CHECK_EQ(pl_find_dir_fd(), -1);
  (void)pl_create(b, "b", PR_FALSE);
  CHECK_EQ(pl.dir_opens, 2);
  CHECK_EQ(pl.by_dir, 1);
  CHECK_INT(pl_find_dir_fd(), >=, 0);
  t_cleanup();
  return 0;
}

TEST(dir_open_failing_walks_the_whole_path_once) { pl_in_child("dir_open_fails_once"); }

/* ---- A program that closed prshm's descriptor ---- */

/* The program closed the descriptor (EBADF), or reused its number for a
 * file (ENOTDIR): that creation walks the whole path and forgets the
 * number without closing what is there now; the next opens the directory
 * anew. */
CHILD(dir_fd_taken) {
  const char *a = t_name("a"), *b = t_name("b"), *c = t_name("c");
  struct stat before, after;
  int fd, other = -1;

  (void)argc;
  pl_begin();
  (void)pl_create(a, "a", PR_FALSE);
  fd = pl_find_dir_fd();
  CHECK_INT(fd, >=, 0);
  CHECK_EQ(close(fd), 0);
  if (strcmp(argv[0], "reused") == 0) {
    other = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK_INT(other, >=, 0);
    CHECK_EQ(dup2(other, fd), fd);
    CHECK_EQ(fstat(fd, &before), 0);
  }
  (void)pl_create(b, "b", PR_FALSE);
  CHECK_EQ(pl.by_path, 1);
  CHECK_EQ(pl.dir_opens, 1);
  if (other >= 0) {
    /* The program's file is still open under its number, untouched. */
    CHECK_EQ(fstat(fd, &after), 0);
    CHECK_EQ(after.st_ino, before.st_ino);
    CHECK_EQ(after.st_dev, before.st_dev);
  }
  (void)pl_create(c, "c", PR_FALSE);
  CHECK_EQ(pl.dir_opens, 2);
  /* a's, b's attempt that found the number taken, and c's. */
  CHECK_EQ(pl.by_dir, 3);
  t_cleanup();
  return 0;
}

TEST(closed_dir_fd_walks_the_whole_path) { pl_in_child_arg("dir_fd_taken", "closed"); }
TEST(reused_dir_fd_is_left_alone) { pl_in_child_arg("dir_fd_taken", "reused"); }

/* ---- A namespace elsewhere, and file systems mounted anew ---- */

/* The descriptor names /proc/<pid>/fd, nothing of the namespace: a
 * namespace in PRSHM_DIR (a tmpfs of its own), a fresh tmpfs mounted over
 * that directory after the descriptor was opened, and a fresh /proc
 * mounted over /proc all leave it right. Each creation makes its file in
 * the namespace mounted now and links that very file: pl_create() reads
 * the text back by name; the segment made before the tmpfs was covered is
 * no longer found. As root only, in a private copy of the mounts. */
CHILD(remounted) {
  static char dir[] = "/tmp/prshm-proclink-XXXXXX";
  const char *a, *b, *c;
  int code = 0;

  (void)argc;
  (void)argv;
  if (mkdtemp(dir) == NULL) return 20;
  if (t_private_mount("tmpfs", dir, 0, "mode=1777") != 0) {
    (void)rmdir(dir);
    return 77;
  }
  /* Before any prshm call reads it (t_name() deletes). */
  CHECK_EQ(setenv(PRSHM_DIR_ENV, dir, 1), 0);
  a = t_name("a");
  b = t_name("b");
  c = t_name("c");
  pl_begin();
  (void)pl_create(a, "in the first tmpfs", PR_FALSE);
  CHECK_EQ(pl.dir_opens, 1);
  CHECK_EQ(pl.by_dir, 1);
  /* A new tmpfs over the namespace's directory. */
  if (mount("prshm-test", dir, "tmpfs", 0, "mode=1777") != 0) code = 77;
  if (code == 0) {
    CHECK(PR_OpenSharedMemory(a, 0, 0, 0) == NULL);
    CHECK_EQ(PR_GetError(), PR_FILE_NOT_FOUND_ERROR);
    (void)pl_create(b, "in the second tmpfs", PR_FALSE);
    CHECK_EQ(pl.dir_opens, 1);
    CHECK_EQ(pl.by_dir, 2);
    /* A new /proc over /proc: the descriptor still names this
     * process's descriptors. */
    if (mount("proc", "/proc", "proc", 0, NULL) != 0) code = 77;
  }
  if (code == 0) {
    (void)pl_create(c, "after /proc was mounted again", PR_FALSE);
    CHECK_EQ(pl.dir_opens, 1);
    CHECK_EQ(pl.by_dir, 3);
    CHECK_EQ(pl.by_path, 0);
    CHECK_INT(pl_find_dir_fd(), >=, 0);
    CHECK_OK(PR_DeleteSharedMemory(b));
    CHECK_OK(PR_DeleteSharedMemory(c));
    (void)umount2("/proc", MNT_DETACH);
  }
  (void)umount2(dir, MNT_DETACH);
  (void)umount2(dir, MNT_DETACH);
  (void)rmdir(dir);
  return code;
}

TEST(namespace_and_proc_mounted_anew_keep_the_route_right) {
  int code;

  if (!pl_linux()) SKIP("the /proc/self/fd route is the Linux backend's");
  if (geteuid() != 0) SKIP("needs root, to mount file systems in a private namespace");
  code = t_wait(t_spawn("remounted", NULL));
  if (code == 77) SKIP("this system will not mount a tmpfs or /proc in a private namespace");
  CHECK_EQ(code, 0);
}
