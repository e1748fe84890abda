/*
 * test_unix_security.c - the claims of SECURITY.md that no other test backs:
 * what a hostile process or user can and cannot do to prshm's segments.
 *
 *   planted objects   a symbolic link, a FIFO or a directory put at a
 *                     segment's native name (the namespace is world-writable)
 *                     is never followed, never blocks, never opened as a
 *                     segment, and a link's target is never touched;
 *   traversal         names full of "..", "%2F", '\\' and ':' never reach
 *                     outside the namespace, in /dev/shm or in PRSHM_DIR;
 *   aliasing          spellings resolve to one segment exactly when they
 *                     are the same lexical path;
 *   squatting         a name taken first by someone else is refused by
 *                     PR_SHM_EXCL, and shows its owner in prshm_stat();
 *   hostile sharer    a process that can write a segment can shrink it so
 *                     that other mappers get SIGBUS (prshm cannot prevent
 *                     it; a read-only descriptor cannot); a process that
 *                     can open it can hold an exclusive flock(): on Linux
 *                     that means nothing to prshm; on the portable backend,
 *                     taken while no prshm process holds the segment, it
 *                     makes new opens fail with PR_FILE_IS_BUSY_ERROR.
 * SECURITY.md lists these with the tests of the other files that back the
 * rest (test_unix_users.c, test_unix_layout.c, test_names.c, test_api.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define SEC_SIZE 8192
#define SEC_NOBODY T_NOBODY

/* The path of the file behind `name` in the namespace. */
static void sec_path(const char *name, char *path, size_t size) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *dir = getenv(PRSHM_DIR_ENV);

  CHECK_OK(prshm_native_name(name, native, sizeof native));
  /* Under PRSHM_DIR the native name is the path; else a shm_open() name. */
  snprintf(path, size, "%s%s", dir != NULL ? "" : "/dev/shm", native);
}

static void sec_write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  CHECK_INT(fd, >=, 0);
  CHECK_EQ(write(fd, text, strlen(text)), (long)strlen(text));
  CHECK_EQ(close(fd), 0);
}

/* The file at path holds exactly `text`, with mode 0600. */
static void sec_check_file(const char *path, const char *text) {
  char buf[256];
  struct stat st;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  CHECK_INT(fd, >=, 0);
  n = read(fd, buf, sizeof buf - 1);
  CHECK_INT(n, >=, 0);
  buf[n] = '\0';
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(close(fd), 0);
  CHECK_STR(buf, text);
  CHECK_EQ(st.st_mode & 07777, 0600);
}

/* Creates `name` and writes `text` at its start. */
static void sec_create(const char *name, int mode, const char *text) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, SEC_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, mode);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, text);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* The text at the start of segment `name`. */
static void sec_check_segment(const char *name, const char *text) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 0, 0, 0);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, text);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* ------------------------------------------------------------------------
 * Objects planted at a native name.
 */

/* The open failed with `want`; but glibc's shm_open() reports a directory
 * as EINVAL, which the portable backend (without PRSHM_DIR) passes on as
 * PR_INVALID_ARGUMENT_ERROR. */
static void sec_check_open_error(PRErrorCode want) {
  if (want == PR_INVALID_STATE_ERROR && strcmp(prshm_backend_name(), "posix") == 0 &&
      getenv(PRSHM_DIR_ENV) == NULL && PR_GetError() == PR_INVALID_ARGUMENT_ERROR &&
      PR_GetOSError() == EINVAL)
    return;
  CHECK_ERROR(want);
}

/* Every way in must refuse what sits at the native name of `name`. */
static void sec_refuse_planted(const char *name, PRErrorCode on_open) {
  prshm_seginfo info;

  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  sec_check_open_error(on_open);
  CHECK(PR_OpenSharedMemory(name, SEC_SIZE, PR_SHM_CREATE, 0600) == NULL);
  sec_check_open_error(on_open);
  CHECK(PR_OpenSharedMemory(name, SEC_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  CHECK(prshm_stat(name, &info) != PR_SUCCESS);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
}

TEST(symlink_at_native_name_is_not_followed) {
  const char *name = t_name("sec-link");
  char path[PRSHM_NATIVE_NAME_MAX + 16], target[64];
  struct stat st;

  snprintf(target, sizeof target, "/tmp/prshm-sec-%ld-victim", t_pid());
  sec_write_file(target, "victim's file");
  sec_path(name, path, sizeof path);
  CHECK_EQ(symlink(target, path), 0);
  sec_refuse_planted(name, PR_LOOP_ERROR);
  sec_check_file(target, "victim's file");
  /* Delete removes the link itself, never what it points to. */
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(lstat(path, &st) != 0);
  sec_check_file(target, "victim's file");
  /* A dangling link: its target is never created. */
  CHECK_EQ(unlink(target), 0);
  CHECK_EQ(symlink(target, path), 0);
  sec_refuse_planted(name, PR_LOOP_ERROR);
  CHECK(access(target, F_OK) != 0);
  CHECK_EQ(unlink(path), 0);
}

TEST(fifo_at_native_name_never_blocks) {
  const char *name = t_name("sec-fifo");
  char path[PRSHM_NATIVE_NAME_MAX + 16];

  sec_path(name, path, sizeof path);
  CHECK_EQ(mkfifo(path, 0666), 0);
  /* Opening a FIFO would wait for a writer; a hang here ends in SIGALRM. */
  alarm(60);
  sec_refuse_planted(name, PR_INVALID_STATE_ERROR);
  alarm(0);
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(access(path, F_OK) != 0);
}

TEST(socket_at_native_name_is_refused) {
  const char *name = t_name("sec-sock");
  char path[PRSHM_NATIVE_NAME_MAX + 16];
  struct sockaddr_un addr;
  int fd;

  sec_path(name, path, sizeof path);
  if (strlen(path) >= sizeof addr.sun_path) SKIP("the namespace path is too long for a socket");
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK_INT(fd, >=, 0);
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  strcpy(addr.sun_path, path);
  CHECK_EQ(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
  /* The same answer from open and from prshm_stat(): not a segment. */
  sec_refuse_planted(name, PR_INVALID_STATE_ERROR);
  CHECK_EQ(close(fd), 0);
  CHECK_OK(PR_DeleteSharedMemory(name));
}

TEST(directory_at_native_name_is_refused) {
  const char *name = t_name("sec-dir");
  char path[PRSHM_NATIVE_NAME_MAX + 16];

  sec_path(name, path, sizeof path);
  CHECK_EQ(mkdir(path, 0700), 0);
  sec_refuse_planted(name, PR_INVALID_STATE_ERROR);
  CHECK(PR_DeleteSharedMemory(name) != PR_SUCCESS); /* and it stays a directory */
  CHECK_EQ(rmdir(path), 0);
}

/* ------------------------------------------------------------------------
 * Traversal and aliasing through names.
 */

/* Creates each of `names`, checks its native name stays in the namespace
 * and nothing appears at `escape` (where a naive mapping would have
 * written), then deletes it. */
static void sec_traverse(const char *const *names, const char *escape) {
  char native[PRSHM_NATIVE_NAME_MAX], path[PRSHM_NATIVE_NAME_MAX + 16];
  const char *dir = getenv(PRSHM_DIR_ENV), *key;
  struct stat st;
  int i;

  for (i = 0; names[i] != NULL; i++) {
    (void)PR_DeleteSharedMemory(names[i]);
    sec_create(names[i], 0600, names[i]);
    CHECK_OK(prshm_native_name(names[i], native, sizeof native));
    if (dir != NULL) {
      CHECK_INT(strncmp(native, dir, strlen(dir)), ==, 0);
      key = native + strlen(dir);
    } else {
      key = native;
    }
    CHECK_EQ(key[0], '/');
    CHECK(strchr(key + 1, '/') == NULL);
    CHECK(strcmp(key + 1, ".") != 0 && strcmp(key + 1, "..") != 0);
    sec_path(names[i], path, sizeof path);
    CHECK_EQ(lstat(path, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(access(escape, F_OK) != 0);
    sec_check_segment(names[i], names[i]);
    CHECK_OK(PR_DeleteSharedMemory(names[i]));
  }
}

/* How a traversal attempt would spell a path to reach `escape` (an
 * absolute path): climbing above the root, through the namespace's own
 * directory, relatively, and with the separators of other systems or of
 * prshm's own encoding. */
static const char *const sec_patterns[] = {"/../../../../..%s",
                                           "/dev/shm/../../..%s",
                                           "/a/b/../../../../..%s",
                                           "../../../../../../../../../..%s",
                                           "/..%%2F..%%2F..%%2F%s",
                                           "/..\\..\\..\\%s",
                                           "/:..:..:%s",
                                           NULL};
#define SEC_NPATTERNS 7

static void sec_traversal(const char *escape) {
  char n[SEC_NPATTERNS][192];
  const char *names[SEC_NPATTERNS + 1];
  int i;

  for (i = 0; sec_patterns[i] != NULL; i++) {
    snprintf(n[i], sizeof n[i], sec_patterns[i], escape);
    names[i] = n[i];
  }
  names[i] = NULL;
  sec_traverse(names, escape);
}

TEST(traversal_names_stay_in_the_namespace) {
  char escape[64];

  snprintf(escape, sizeof escape, "/tmp/prshm-sec-%ld-escape", t_pid());
  sec_traversal(escape);
}

/* argv: the escape path. Runs with PRSHM_DIR set by the parent. */
CHILD(traverse_in_dir) {
  if (argc != 1) return 2;
  sec_traversal(argv[0]);
  return 0;
}

/* Files in a directory, "." and ".." aside. */
static int sec_count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  CHECK_NOT_NULL(d);
  while ((e = readdir(d)) != NULL) n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

TEST(traversal_names_stay_in_prshm_dir) {
  char top[64], ns[96], escape[128];
  const char *args[2];

  snprintf(top, sizeof top, "/tmp/prshm-sec-%ld-top", t_pid());
  snprintf(ns, sizeof ns, "%s/ns", top);
  snprintf(escape, sizeof escape, "%s/escape", top);
  CHECK_EQ(mkdir(top, 0700), 0);
  CHECK_EQ(mkdir(ns, 0700), 0);
  args[0] = escape;
  args[1] = NULL;
  CHECK_EQ(setenv(PRSHM_DIR_ENV, ns, 1), 0);
  CHECK_EQ(t_wait(t_spawn("traverse_in_dir", args)), 0);
  CHECK_EQ(unsetenv(PRSHM_DIR_ENV), 0);
  /* Everything was made and removed inside ns; nothing beside it. */
  CHECK_EQ(sec_count_entries(ns), 0);
  CHECK_EQ(sec_count_entries(top), 1);
  CHECK_EQ(rmdir(ns), 0);
  CHECK_EQ(rmdir(top), 0);
}

TEST(aliasing_only_for_the_same_lexical_path) {
  const char *base = t_name("sec-alias");
  /* Each row is one segment, under every spelling in it; no two rows
   * share one, though naive escaping would merge several. */
  static const char *const groups[][5] = {
      {"/a/b", "//a/./b/", "/a/x/../b", "/a/b/.", "/a/b/c/.."},
      {"/a:b", NULL},
      {"/a%2Fb", NULL},
      {"/a%2fb", NULL},
      {"/a\\b", NULL},
      {"/A/b", NULL},
      {"/a/b ", NULL},
  };
  const int ngroups = (int)(sizeof groups / sizeof groups[0]);
  char names[7][5][128], text[16];
  int g, k;

  for (g = 0; g < ngroups; g++)
    for (k = 0; k < 5 && groups[g][k] != NULL; k++)
      snprintf(names[g][k], sizeof names[g][k], "%s%s", base, groups[g][k]);
  for (g = 0; g < ngroups; g++) {
    snprintf(text, sizeof text, "row %d", g);
    sec_create(names[g][0], 0600, text);
  }
  for (g = 0; g < ngroups; g++) {
    snprintf(text, sizeof text, "row %d", g);
    for (k = 0; k < 5 && groups[g][k] != NULL; k++) sec_check_segment(names[g][k], text);
  }
  CHECK(PR_OpenSharedMemory(names[0][4], SEC_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  for (g = 0; g < ngroups; g++) CHECK_OK(PR_DeleteSharedMemory(names[g][0]));
  for (g = 0; g < ngroups; g++) {
    CHECK(PR_OpenSharedMemory(names[g][0], 0, 0, 0) == NULL);
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  }
}

/* ------------------------------------------------------------------------
 * Squatting: someone else took the name first.
 */

/* argv: name. Creates it world-writable with "squatted" in it, as nobody
 * when started as root. */
CHILD(squat) {
  if (argc != 1) return 2;
  if (geteuid() == 0) CHECK_EQ(t_become_nobody(), 0);
  sec_create(argv[0], 0666, "squatted");
  return 0;
}

TEST(squatted_name_is_refused_by_excl) {
  const char *name = t_name("sec-squat");
  const char *args[] = {name, NULL};
  PRSharedMemory *shm;
  prshm_seginfo info;
  char *p;

  CHECK_EQ(t_wait(t_spawn("squat", args)), 0);
  /* The defence: an exclusive create refuses a name that exists. */
  CHECK(PR_OpenSharedMemory(name, SEC_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  /* The risk: without PR_SHM_EXCL the squatter's segment is opened, and
   * its owner is what tells it apart. */
  shm = PR_OpenSharedMemory(name, SEC_SIZE, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "squatted");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(prshm_stat(name, &info));
  CHECK_EQ(info.mode, 0666);
  CHECK_EQ(info.uid, geteuid() == 0 ? SEC_NOBODY : geteuid());
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* ------------------------------------------------------------------------
 * A hostile process sharing the segment.
 */

/* Forks a child that reads byte `off` of p; its exit code: 0 read fine,
 * 7 (SIGBUS) the read faulted. */
static int sec_touch_in_child(const volatile char *p, size_t off) {
  int status;
  pid_t pid;

  fflush(NULL);
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    /* Its own handler, so that sanitizers' handlers do not report it. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    (void)sigaction(SIGBUS, &sa, NULL);
    (void)p[off];
    _exit(0);
  }
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status)) return WTERMSIG(status);
  CHECK(WIFEXITED(status));
  return WEXITSTATUS(status) == 0 ? 0 : 100 + WEXITSTATUS(status);
}

TEST(writer_can_shrink_segment_and_mappers_get_sigbus) {
  const char *name = t_name("sec-shrink");
  char path[PRSHM_NATIVE_NAME_MAX + 16];
  PRSharedMemory *shm;
  char *p;
  int fd;

  sec_create(name, 0600, "data");
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_EQ(sec_touch_in_child(p, SEC_SIZE - 1), 0);
  sec_path(name, path, sizeof path);
  /* A read-only descriptor cannot change the size. */
  fd = open(path, O_RDONLY | O_CLOEXEC);
  CHECK_INT(fd, >=, 0);
  CHECK(ftruncate(fd, 0) != 0);
  CHECK_EQ(close(fd), 0);
  CHECK_EQ(sec_touch_in_child(p, SEC_SIZE - 1), 0);
  /* A writer can: every page past the new end now faults, in every
   * process that maps it. prshm cannot prevent this (SECURITY.md). */
  fd = open(path, O_RDWR | O_CLOEXEC);
  CHECK_INT(fd, >=, 0);
  CHECK_EQ(ftruncate(fd, 1), 0);
  CHECK_EQ(sec_touch_in_child(p, 0), 0);
  CHECK_EQ(sec_touch_in_child(p, SEC_SIZE - 1), SIGBUS);
  /* New openers asking for the old size are refused, not mapped past the
   * end. */
  CHECK(PR_OpenSharedMemory(name, SEC_SIZE, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  /* Shrunk to nothing, it looks like a segment still being created: new
   * openers wait for it to be sized (about two seconds), then give up. */
  CHECK_EQ(ftruncate(fd, 0), 0);
  CHECK_EQ(close(fd), 0);
  CHECK_EQ(sec_touch_in_child(p, 0), SIGBUS);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* argv: name, report fd, hold fd. Opens the segment's file read-only and
 * tries to take an exclusive lock on it; reports 'L' (locked: then holds
 * it until the parent closes the hold pipe) or 'N' (a handle is open). */
CHILD(hold_lock) {
  char path[PRSHM_NATIVE_NAME_MAX + 16], c;
  int fd, rfd, hfd;

  if (argc != 3) return 2;
  rfd = atoi(argv[1]);
  hfd = atoi(argv[2]);
  sec_path(argv[0], path, sizeof path);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 3;
  c = flock(fd, LOCK_EX | LOCK_NB) == 0 ? 'L' : errno == EWOULDBLOCK ? 'N' : '?';
  if (write(rfd, &c, 1) != 1) return 4;
  while (read(hfd, &c, 1) < 0 && errno == EINTR) {
  }
  return 0;
}

/* A hostile process holding its lock, and the pipes to it. */
typedef struct sec_locker {
  t_proc proc; /* the child */
  int report;  /* its report pipe (read end) */
  int hold;    /* its hold pipe (write end): closing it lets it go */
  char got;    /* what it reported */
} sec_locker;

static sec_locker sec_lock_start(const char *name) {
  char sr[16], sh[16];
  const char *args[4];
  int rp[2], hp[2];
  sec_locker l;

  CHECK(pipe(rp) == 0 && pipe(hp) == 0);
  CHECK(fcntl(rp[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(hp[1], F_SETFD, FD_CLOEXEC) == 0);
  snprintf(sr, sizeof sr, "%d", rp[1]);
  snprintf(sh, sizeof sh, "%d", hp[0]);
  args[0] = name;
  args[1] = sr;
  args[2] = sh;
  args[3] = NULL;
  l.proc = t_spawn("hold_lock", args);
  close(rp[1]);
  close(hp[0]);
  l.report = rp[0];
  l.hold = hp[1];
  CHECK_EQ(read(l.report, &l.got, 1), 1);
  return l;
}

static void sec_lock_stop(sec_locker l) {
  close(l.hold);
  CHECK_EQ(t_wait(l.proc), 0);
  close(l.report);
}

/* Linux: handles take no lock, so another process's flock() is nothing to
 * prshm. */
static void sec_lock_linux(const char *name, PRSharedMemory *shm) {
  PRSharedMemory *other;
  sec_locker l = sec_lock_start(name);

  CHECK_EQ(l.got, 'L'); /* even while a handle is open */
  other = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(other);
  CHECK_OK(PR_CloseSharedMemory(other));
  sec_lock_stop(l);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Portable backend: every handle holds a shared flock(), and openers wait
 * (bounded) for a tool's exclusive one. */
static void sec_lock_portable(const char *name, PRSharedMemory *shm, char *p) {
  PRSharedMemory *other;
  sec_locker l;

  /* While a handle is open its shared lock keeps the exclusive one out;
   * and so does an attachment after its handle is closed (the mapping
   * keeps the locked descriptor's file open). */
  l = sec_lock_start(name);
  CHECK_EQ(l.got, 'N');
  sec_lock_stop(l);
  CHECK_OK(PR_CloseSharedMemory(shm));
  l = sec_lock_start(name);
  CHECK_EQ(l.got, 'N');
  sec_lock_stop(l);
  CHECK_EQ(munmap(p, SEC_SIZE), 0); /* closed, so no handle can detach it */
  /* Once nothing holds it, a process that may read the segment can take
   * the lock and keep it: new opens wait a moment, then give up. */
  l = sec_lock_start(name);
  CHECK_EQ(l.got, 'L');
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  /* The lock goes with the process. */
  sec_lock_stop(l);
  other = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(other);
  CHECK_OK(PR_CloseSharedMemory(other));
}

TEST(reader_lock_blocks_new_opens_only_on_portable_backend_when_unheld) {
  const char *name = t_name("sec-lock");
  PRSharedMemory *shm;
  char *p;

  sec_create(name, 0644, "data");
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  if (strcmp(prshm_backend_name(), "linux") == 0) {
    sec_lock_linux(name, shm);
    CHECK_EQ(munmap(p, SEC_SIZE), 0);
  } else {
    sec_lock_portable(name, shm, p);
  }
  CHECK_OK(PR_DeleteSharedMemory(name));
}
