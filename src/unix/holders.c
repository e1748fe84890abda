/*
 * holders.c (Unix) - proving who holds an object of the namespace: the
 * lock test, the lease test and the process scan.
 *
 * A segment is in use while a process holds it open or mapped. Three kinds
 * of evidence are gathered:
 *   - the lock test (portable backend): every prshm handle holds
 *     flock(LOCK_SH) on its descriptor (posix.c), so a fresh descriptor
 *     that obtains LOCK_EX with LOCK_NB proves that no handle is open, in
 *     any process; the kernel drops the locks of a process that dies. The
 *     Linux backend's handles take no lock (it would cost every open a
 *     system call): there the test does not apply;
 *   - the lease test (Linux): F_SETLEASE(F_WRLCK) succeeds only when no
 *     other open file of the inode exists, and a mapping keeps its file
 *     open, so it proves (or disproves) at once that nothing anywhere holds
 *     or maps the object, whatever this process may inspect;
 *   - the process scan (Linux): /proc/PID/maps lists every mapping with the
 *     device and inode of its file, and /proc/PID/fd every descriptor; it
 *     tells who holds an object, and stands in for the lease test where
 *     that is not possible. Files are matched by device and inode, never by
 *     name alone: a deleted segment and a new one of the same name are
 *     different objects.
 * An object is unheld only when the lease test proves it, or (portable
 * backend) when the lock test and a complete scan find nothing. What cannot
 * be checked makes the answer "unknown", which callers must treat as held.
 *
 * Sections: the lock and lease tests; the process scan; the verdict.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/sysmacros.h>
#endif

#include "list.h"

/* Attempts at opening a file another tool holds a lease on (about 1 s). */
#define HOLDERS_LEASE_ATTEMPTS 64

/* What one process scan looks for, and what it could not see. */
typedef struct holders_scan {
  prshm__list_entry *entries;   /* sorted by key (not owned) */
  size_t count;                 /* number of entries */
  prshm__list_entry **by_inode; /* the same, sorted by inode (owned, during the scan) */
  char real_dir[PATH_MAX];      /* the directory's real path, as /proc shows it */
  size_t real_dir_len;          /* strlen(real_dir) */
  long self_pid;                /* this process */
  int skip_fd;                  /* this process's own probe descriptor, or -1 */
  PRUint32 unchecked;           /* PRSHM_UNCHECKED_PROCS / _SOME, for every entry */
} holders_scan;

/* ------------------------------------------------------------------------
 * The lock and lease tests.
 */

/* Opens the file of `path` without following links and without blocking,
 * read-only, or write-only if that is all this process may do (either
 * kind of descriptor can be locked). -1 with errno. */
int prshm__list_open_probe(const char *path) {
  const int base = O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  int fd, attempt;

  for (attempt = 0; attempt < HOLDERS_LEASE_ATTEMPTS; attempt++) {
    PRSHM__RETRY_EINTR(fd, prshm__sys.open(path, O_RDONLY | base, 0));
    if (fd < 0 && errno == EACCES)
      PRSHM__RETRY_EINTR(fd, prshm__sys.open(path, O_WRONLY | base, 0));
    /* Another tool's lease, held for an instant, fails a non-blocking open. */
    if (fd >= 0 || errno != EWOULDBLOCK) break;
    prshm__unix_pause(attempt < 8 ? 1 : 16);
  }
  return fd;
}

/* Tries LOCK_EX|LOCK_NB on fd: 1 taken, 0 someone holds a lock, -1 the
 * lock cannot be tested (errno set). */
int prshm__list_try_exclusive(int fd) {
  int rv;

  PRSHM__RETRY_EINTR(rv, prshm__sys.flock(fd, LOCK_EX | LOCK_NB));
  if (rv == 0) return 1;
  return errno == EWOULDBLOCK ? 0 : -1;
}

#if defined(__linux__)

/* Whether this process may receive SIGURG: the kernel signals a lease's
 * holder when someone opens the file, and SIGURG is the one signal used
 * here, ignored unless the program asked for it. */
static int holders_sigurg_unused(void) {
  struct sigaction sa;

  if (sigaction(SIGURG, NULL, &sa) != 0 || (sa.sa_flags & SA_SIGINFO) != 0) return 0;
  return sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN;
}

/* Tries to take a write lease on fd; on PRSHM__LEASE_TAKEN, prshm__list_lease_drop()
 * must follow. A write lease is granted only if fd's is the one open file
 * of the inode: no descriptor anywhere else, no mapping (a mapping keeps
 * its file open), in any process. */
prshm__list_lease prshm__list_lease_take(int fd) {
  if (!holders_sigurg_unused() || fcntl(fd, F_SETSIG, SIGURG) != 0) return PRSHM__LEASE_UNAVAILABLE;
  if (fcntl(fd, F_SETLEASE, F_WRLCK) == 0) return PRSHM__LEASE_TAKEN;
  return errno == EAGAIN || errno == EBUSY ? PRSHM__LEASE_CONFLICT : PRSHM__LEASE_UNAVAILABLE;
}

void prshm__list_lease_drop(int fd) { (void)fcntl(fd, F_SETLEASE, F_UNLCK); }

/* While an opener waits on the lease, F_GETLEASE reports what the lease is
 * being broken down to; once fs.lease-break-time has passed, the kernel
 * has ended the lease and it reports none. */
PRBool prshm__list_lease_intact(int fd) { return fcntl(fd, F_GETLEASE) == F_WRLCK; }

#else /* no leases */

prshm__list_lease prshm__list_lease_take(int fd) {
  (void)fd;
  return PRSHM__LEASE_UNAVAILABLE;
}

void prshm__list_lease_drop(int fd) { (void)fd; }

PRBool prshm__list_lease_intact(int fd) {
  (void)fd;
  return PR_FALSE;
}

#endif

/* Records the lease test's outcome as evidence; drops a lease taken. */
static void holders_lease_test(int fd, prshm__list_entry *e) {
  switch (prshm__list_lease_take(fd)) {
    case PRSHM__LEASE_TAKEN:
      /* Held for this instant only: openers meeting it wait, and retry. */
      prshm__list_lease_drop(fd);
      e->evidence |= PRSHM_FREE_PROVED;
      break;
    case PRSHM__LEASE_CONFLICT:
      e->evidence |= PRSHM_HELD_FILE;
      break;
    default:
      e->evidence |= PRSHM_UNCHECKED_LEASE;
      break;
  }
}

/* The lock and lease tests of one entry, for listing. The exclusive lock
 * is held only for the instant of the test: prshm's openers that meet it
 * wait briefly and retry (unix.c). The file is re-read through the
 * descriptor, so the entry describes the object that was tested even if
 * the name was replaced since the directory was read. */
void prshm__list_probe(const char *dir, prshm__list_entry *e) {
  char path[PRSHM__LIST_PATH_SIZE];
  struct stat st;
  int fd, held;

  prshm__unix_path(dir, e->key, path);
  fd = prshm__list_open_probe(path);
  if (fd < 0) {
    /* Gone since the directory was read (or a link now): not listed. */
    e->gone = errno == ENOENT || errno == ELOOP;
    e->evidence |= PRSHM_UNCHECKED_LEASE;
    if (prshm__unix_handles_lock) e->evidence |= PRSHM_UNCHECKED_LOCK;
    return;
  }
  if (prshm__sys.fstat(fd, &st) == 0) {
    e->gone = !S_ISREG(st.st_mode);
    e->st = st;
  }
  holders_lease_test(fd, e);
  /* Where handles take no lock (Linux) the lock test does not apply: it
   * is not made, and not reported as missing (prshm__list_use() asks for
   * the lease test's proof there instead). */
  if (prshm__unix_handles_lock && e->object != PRSHM_OBJECT_SEGMENT) {
    /* The handles of semaphores and locks take no such lock, and a
     * portable lock's own flock() must never be taken by a look. */
    e->evidence |= PRSHM_UNCHECKED_LOCK;
  } else if (prshm__unix_handles_lock) {
    held = prshm__list_try_exclusive(fd);
    if (held == 0) e->evidence |= PRSHM_HELD_HANDLE;
    if (held < 0) e->evidence |= PRSHM_UNCHECKED_LOCK;
  }
  (void)prshm__sys.close(fd); /* drops the exclusive lock if it was taken */
}

/* ------------------------------------------------------------------------
 * The process scan. Linux's /proc; elsewhere nothing can be scanned.
 */

/* Counts the process `pid` as holding e, once per process. */
static void holders_mark(prshm__list_entry *e, long pid, PRUint32 how) {
  e->evidence |= how;
  if (e->last_pid != pid) {
    e->last_pid = pid;
    if (e->processes < PRSHM_HOLDERS_MAX) e->pids[e->processes] = (PRInt32)pid;
    e->processes++;
  }
}

#if defined(__linux__)

static int holders_by_inode(const void *a, const void *b) {
  const prshm__list_entry *x = *(const prshm__list_entry *const *)a,
                          *y = *(const prshm__list_entry *const *)b;
  return x->st.st_ino < y->st.st_ino ? -1 : x->st.st_ino > y->st.st_ino;
}

/* The index in by_inode of the first entry with inode `ino` (or of where
 * it would be). */
static size_t holders_first_inode(const holders_scan *s, unsigned long long ino) {
  size_t lo = 0, hi = s->count;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if ((unsigned long long)s->by_inode[mid]->st.st_ino < ino)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Whether `path` (as /proc shows it) is the entry's own path. */
static int holders_is_path(const holders_scan *s, const char *path, const prshm__list_entry *e) {
  return strncmp(path, s->real_dir, s->real_dir_len) == 0 && path[s->real_dir_len] == '/' &&
         strcmp(path + s->real_dir_len + 1, e->key) == 0;
}

/* Matches one line of /proc/PID/maps ("start-end perms offset major:minor
 * inode path") against the entries. The device must match too; where it
 * does not (some file systems show another device number in maps than in
 * stat), the same inode under the entry's own path is still taken as a
 * mapping: a false match only keeps a segment, never removes one. */
static void holders_match_maps_line(holders_scan *s, char *line, long pid) {
  unsigned major_no, minor_no;
  unsigned long long ino;
  size_t i;
  int off = 0;
  char *path, *nl;

  if (sscanf(line, "%*s %*s %*s %x:%x %llu %n", &major_no, &minor_no, &ino, &off) < 3 || ino == 0 ||
      off == 0)
    return;
  path = line + off;
  nl = strchr(path, '\n');
  if (nl != NULL) *nl = '\0';
  for (i = holders_first_inode(s, ino);
       i < s->count && (unsigned long long)s->by_inode[i]->st.st_ino == ino; i++) {
    prshm__list_entry *e = s->by_inode[i];
    if ((major(e->st.st_dev) == major_no && minor(e->st.st_dev) == minor_no) ||
        holders_is_path(s, path, e))
      holders_mark(e, pid, PRSHM_HELD_MAPPED);
  }
}

/* 0 scanned; -1 this process may not read it; 1 it is gone (exited). */
static int holders_scan_maps(holders_scan *s, long pid) {
  char path[64], *line = NULL;
  size_t cap = 0;
  FILE *f;
  int fd;

  (void)snprintf(path, sizeof path, "/proc/%ld/maps", pid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == EACCES || errno == EPERM ? -1 : 1;
  f = fdopen(fd, "r");
  if (f == NULL) {
    (void)close(fd);
    return 1;
  }
  while (getline(&line, &cap, f) > 0) holders_match_maps_line(s, line, pid);
  free(line);
  (void)fclose(f);
  return 0;
}

/* Matches one descriptor of a process. Its link must lead into the
 * namespace directory (a segment made unnamed and linked later shows as
 * "DIR/#inode (deleted)" to its creator, so the name is not compared);
 * only then is the file itself (device and inode) read, so that no other
 * file system, a hung network one say, is ever touched. */
static void holders_match_fd(holders_scan *s, int fd_dir, const char *fd_name, long pid) {
  char target[PRSHM__LIST_PATH_SIZE];
  struct stat st;
  ssize_t n;
  size_t i;

  if (pid == s->self_pid && atoi(fd_name) == s->skip_fd) return;
  n = readlinkat(fd_dir, fd_name, target, sizeof target - 1);
  if (n <= 0 || (size_t)n <= s->real_dir_len + 1) return;
  target[n] = '\0';
  if (strncmp(target, s->real_dir, s->real_dir_len) != 0 || target[s->real_dir_len] != '/' ||
      strchr(target + s->real_dir_len + 1, '/') != NULL || fstatat(fd_dir, fd_name, &st, 0) != 0)
    return;
  for (i = holders_first_inode(s, (unsigned long long)st.st_ino);
       i < s->count && s->by_inode[i]->st.st_ino == st.st_ino; i++)
    if (s->by_inode[i]->st.st_dev == st.st_dev) holders_mark(s->by_inode[i], pid, PRSHM_HELD_OPEN);
}

/* 0 scanned; -1 this process may not read it; 1 it is gone. */
static int holders_scan_fds(holders_scan *s, long pid) {
  char path[64];
  struct dirent *de;
  DIR *d;

  (void)snprintf(path, sizeof path, "/proc/%ld/fd", pid);
  d = opendir(path);
  if (d == NULL) return errno == EACCES || errno == EPERM ? -1 : 1;
  while ((de = readdir(d)) != NULL)
    if (de->d_name[0] != '.') holders_match_fd(s, dirfd(d), de->d_name, pid);
  (void)closedir(d);
  return 0;
}

/* Whether /proc hides processes from this process (hidepid=2 and up, for
 * anyone but root): the scan would then miss them without any error. */
static int holders_procs_hidden(void) {
  char *line = NULL;
  size_t cap = 0;
  int hidden = 0;
  FILE *f;

  if (access("/proc/1", F_OK) != 0) return 1; /* every PID namespace has a 1 */
  if (geteuid() == 0) return 0;
  f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL) return 1;
  while (!hidden && getline(&line, &cap, f) > 0) {
    const char *opts = strstr(line, " - proc ");
    if (strstr(line, " /proc ") == NULL || opts == NULL) continue;
    hidden = strstr(opts, "hidepid=2") != NULL || strstr(opts, "hidepid=4") != NULL ||
             strstr(opts, "hidepid=invisible") != NULL ||
             strstr(opts, "hidepid=ptraceable") != NULL;
  }
  free(line);
  (void)fclose(f);
  return hidden;
}

/* Reads every process's records. */
static void holders_scan_each_proc(holders_scan *s) {
  struct dirent *de;
  DIR *proc;

  if (holders_procs_hidden() || (proc = opendir("/proc")) == NULL) {
    s->unchecked |= PRSHM_UNCHECKED_PROCS;
    return;
  }
  while ((de = readdir(proc)) != NULL) {
    char *end;
    long pid = strtol(de->d_name, &end, 10);
    if (de->d_name[0] < '1' || de->d_name[0] > '9' || *end != '\0') continue;
    if (holders_scan_maps(s, pid) < 0 || holders_scan_fds(s, pid) < 0)
      s->unchecked |= PRSHM_UNCHECKED_SOME;
  }
  (void)closedir(proc);
}

/* Scans every process for mappings and descriptors of the entries. */
static PRStatus holders_scan_procs(holders_scan *s) {
  size_t i;

  s->by_inode = malloc(s->count * sizeof *s->by_inode);
  if (s->by_inode == NULL) return prshm__fail(PR_OUT_OF_MEMORY_ERROR, ENOMEM);
  for (i = 0; i < s->count; i++) s->by_inode[i] = &s->entries[i];
  qsort(s->by_inode, s->count, sizeof *s->by_inode, holders_by_inode);
  holders_scan_each_proc(s);
  free(s->by_inode);
  s->by_inode = NULL;
  return PR_SUCCESS;
}

#else /* no /proc */

static PRStatus holders_scan_procs(holders_scan *s) {
  s->unchecked |= PRSHM_UNCHECKED_PROCS;
  return PR_SUCCESS;
}

#endif

/* Runs the process scan over entries [0, count) of `entries`, skipping the
 * descriptor skip_fd of this process, and records what it finds. */
PRStatus prshm__list_check_procs(const char *dir, prshm__list_entry *entries, size_t count,
                                 int skip_fd) {
  holders_scan s;
  size_t i;

  memset(&s, 0, sizeof s);
  s.entries = entries;
  s.count = count;
  s.self_pid = (long)getpid();
  s.skip_fd = skip_fd;
  if (count == 0) return PR_SUCCESS;
  /* /proc shows resolved paths: PRSHM_DIR may pass through a link. */
  if (realpath(dir[0] != '\0' ? dir : "/", s.real_dir) == NULL) {
    (void)snprintf(s.real_dir, sizeof s.real_dir, "%s", dir);
  } else if (strcmp(s.real_dir, "/") == 0) {
    s.real_dir[0] = '\0'; /* so that real_dir + "/" + key is the path */
  }
  s.real_dir_len = strlen(s.real_dir);
  if (holders_scan_procs(&s) != PR_SUCCESS) return PR_FAILURE;
  for (i = 0; i < count; i++) entries[i].evidence |= s.unchecked;
  return PR_SUCCESS;
}

/* ------------------------------------------------------------------------
 * The verdict.
 */

/* The verdict from the evidence: any holder makes it in use; the lease
 * test's proof makes it orphaned; otherwise any gap makes it unknown. */
int prshm__list_use(PRUint32 evidence) {
  if ((evidence & PRSHM__LIST_HELD) != 0) return PRSHM_USE_HELD;
  if ((evidence & PRSHM_FREE_PROVED) != 0) return PRSHM_USE_UNHELD;
  /* Without the lease's proof: where every handle holds a lock (portable
   * backend), the lock test and a complete scan prove it; where handles
   * hold none (Linux), a handle is only a descriptor, and nothing short of
   * the lease proves that none is open. */
  if (prshm__unix_handles_lock && (evidence & PRSHM__LIST_GAPS) == 0) return PRSHM_USE_UNHELD;
  return PRSHM_USE_UNKNOWN;
}
