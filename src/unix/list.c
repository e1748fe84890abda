/*
 * list.c (Unix) - listing the namespace and telling segments in use from
 * orphans (DESIGN 18): prshm_list_open/next/close, prshm_stat and
 * prshm_remove_orphan (prshm_ext.h).
 *
 * A segment is in use while a process holds it open or mapped. Three kinds
 * of evidence are gathered:
 *   - the lock test (portable backend): every prshm handle holds
 *     flock(LOCK_SH) on its descriptor (posix.c), so a fresh descriptor
 *     that obtains LOCK_EX with LOCK_NB proves that no handle is open, in
 *     any process; the kernel drops the locks of a process that dies. The
 *     Linux backend's handles take no lock (it would cost every open a
 *     system call): there only the lease test proves a segment orphaned;
 *   - the lease test (Linux): F_SETLEASE(F_WRLCK) succeeds only when no
 *     other open file of the inode exists, and a mapping keeps its file
 *     open, so it proves (or disproves) at once that nothing anywhere holds
 *     or maps the segment, whatever this process may inspect;
 *   - the process scan (Linux): /proc/PID/maps lists every mapping with the
 *     device and inode of its file, and /proc/PID/fd every descriptor; it
 *     tells who holds a segment, and stands in for the lease test where
 *     that is not possible. Files are matched by device and inode, never by
 *     name alone: a deleted segment and a new one of the same name are
 *     different objects.
 * An entry is orphaned only when the lease test proves it, or (portable
 * backend) when the lock test and a complete scan find nothing. What cannot
 * be checked makes the answer "unknown", which callers must treat as in use.
 *
 * Sections: entries and the namespace directory; the lock and lease tests;
 * the process scan; the listing calls; safe removal.
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

#include "unix.h"

/* Where shm_open() keeps its objects when PRSHM_DIR is not set: a directory
 * on Linux; elsewhere the POSIX namespace cannot be listed. */
#if defined(__linux__)
#define LIST_DEFAULT_DIR "/dev/shm"
#else
#define LIST_DEFAULT_DIR NULL
#endif

/* Temporary files of linux.c's fallback creation path. */
#define LIST_TEMP_PREFIX ".prshm-tmp-"
#define LIST_PATH_SIZE (PATH_MAX + PRSHM__KEY_SIZE + 1)
/* Attempts at opening a file another tool holds a lease on (about 1 s). */
#define LIST_LEASE_ATTEMPTS 64

#define LIST_HELD (PRSHM_HELD_HANDLE | PRSHM_HELD_MAPPED | PRSHM_HELD_OPEN | PRSHM_HELD_FILE)
#define LIST_GAPS (PRSHM_UNCHECKED_LOCK | PRSHM_UNCHECKED_PROCS | PRSHM_UNCHECKED_SOME)

/* The outcome of the lease test. */
typedef enum list_lease {
  LEASE_TAKEN,      /* no other open file exists; the lease is now held */
  LEASE_CONFLICT,   /* another open file (a descriptor, a mapping) exists */
  LEASE_UNAVAILABLE /* the test is not possible here */
} list_lease;

/* One entry as gathered; turned into a prshm_seginfo on demand. */
typedef struct list_entry {
  char key[PRSHM__KEY_SIZE]; /* the file's name in the namespace directory */
  int kind;                  /* PRSHM_KIND_* */
  struct stat st;            /* the file as last seen: identity and details */
  PRUint32 evidence;         /* PRSHM_HELD_*, _FREE_PROVED, _UNCHECKED_* bits */
  PRInt32 processes;         /* processes found holding it */
  long last_pid;             /* the process counted last, so none counts twice */
  int gone;                  /* removed (or replaced by a non-file) since listed */
} list_entry;

/* A listing: a snapshot taken by prshm_list_open(), read by the caller. */
struct prshm_list {
  list_entry *entries; /* sorted by key; owned */
  size_t count;        /* entries in use */
  size_t cap;          /* entries allocated */
  size_t next;         /* the entry prshm_list_next() returns next */
};

/* What one process scan looks for, and what it could not see. */
typedef struct list_scan {
  list_entry *entries;     /* sorted by key (not owned) */
  size_t count;            /* number of entries */
  list_entry **by_inode;   /* the same, sorted by inode (owned, during the scan) */
  char real_dir[PATH_MAX]; /* the directory's real path, as /proc shows it */
  size_t real_dir_len;     /* strlen(real_dir) */
  long self_pid;           /* this process */
  int skip_fd;             /* this process's own probe descriptor, or -1 */
  PRUint32 unchecked;      /* PRSHM_UNCHECKED_PROCS / _SOME, for every entry */
} list_scan;

/* ------------------------------------------------------------------------
 * Entries and the namespace directory.
 */

/* The namespace directory, or NULL with the error set. */
static const char *list_dir(void) {
  const prshm__unix_ns *ns = prshm__unix_namespace();

  if (ns->error != 0) {
    prshm__fail(ns->error, 0);
    return NULL;
  }
  if (ns->has_dir) return ns->dir;
  if (LIST_DEFAULT_DIR == NULL) prshm__fail(PR_NOT_IMPLEMENTED_ERROR, 0);
  return LIST_DEFAULT_DIR;
}

/* The kind of a directory entry's name, or 0 if it is none of prshm's. */
static int list_kind(const char *fname) {
  char name[PRSHM__KEY_SIZE];

  if (strncmp(fname, LIST_TEMP_PREFIX, sizeof LIST_TEMP_PREFIX - 1) == 0)
    return strlen(fname) < PRSHM__KEY_SIZE ? PRSHM_KIND_LEFTOVER : 0;
  switch (prshm__name_decode(fname, name, sizeof name)) {
    case 1:
      return PRSHM_KIND_NAMED;
    case 0:
      return PRSHM_KIND_HASHED;
    default:
      return 0;
  }
}

static int list_by_key(const void *a, const void *b) {
  return strcmp(((const list_entry *)a)->key, ((const list_entry *)b)->key);
}

/* Appends an entry for the file `fname`; PR_FAILURE when out of memory. */
static PRStatus list_add(prshm_list *l, const char *fname, int kind, const struct stat *st) {
  list_entry *e;

  if (l->count == l->cap) {
    size_t cap = l->cap != 0 ? l->cap * 2 : 16;
    list_entry *grown = realloc(l->entries, cap * sizeof *grown);
    if (grown == NULL) return prshm__fail(PR_OUT_OF_MEMORY_ERROR, ENOMEM);
    l->entries = grown;
    l->cap = cap;
  }
  e = &l->entries[l->count++];
  memset(e, 0, sizeof *e);
  strcpy(e->key, fname); /* list_kind() checked its length */
  e->kind = kind;
  e->st = *st;
  e->last_pid = -1;
  return PR_SUCCESS;
}

/* Keeps one entry per name in a sorted listing. A directory holds a name
 * once, but readdir() on a directory that changes while it is read (tmpfs
 * under heavy creation and removal, seen in CI) may return a name more than
 * once; the snapshot lists each segment once all the same. */
static void list_drop_repeats(prshm_list *l) {
  size_t from, to = 1;

  for (from = 1; from < l->count; from++)
    if (strcmp(l->entries[from].key, l->entries[to - 1].key) != 0)
      l->entries[to++] = l->entries[from];
  l->count = to;
}

/* Reads the directory: every regular file named as prshm names them.
 * Symbolic links and other objects are never prshm's and are skipped. */
static PRStatus list_read_dir(prshm_list *l, const char *dir) {
  DIR *d = opendir(dir[0] != '\0' ? dir : "/");
  struct dirent *de;
  PRStatus rv = PR_SUCCESS;

  if (d == NULL) return prshm__fail_os(errno);
  while (rv == PR_SUCCESS && (de = readdir(d)) != NULL) {
    int kind = list_kind(de->d_name);
    struct stat st;
    if (kind == 0) continue;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
      continue; /* removed since readdir, or not a segment */
    rv = list_add(l, de->d_name, kind, &st);
  }
  (void)closedir(d);
  if (rv == PR_SUCCESS && l->count > 1) {
    qsort(l->entries, l->count, sizeof *l->entries, list_by_key);
    list_drop_repeats(l);
  }
  return rv;
}

/* ------------------------------------------------------------------------
 * The lock and lease tests.
 */

/* Opens the file of `path` without following links and without blocking,
 * read-only, or write-only if that is all this process may do (either
 * kind of descriptor can be locked). -1 with errno. */
static int list_open_probe(const char *path) {
  const int base = O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  int fd, attempt;

  for (attempt = 0; attempt < LIST_LEASE_ATTEMPTS; attempt++) {
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
static int list_try_exclusive(int fd) {
  int rv;

  PRSHM__RETRY_EINTR(rv, prshm__sys.flock(fd, LOCK_EX | LOCK_NB));
  if (rv == 0) return 1;
  return errno == EWOULDBLOCK ? 0 : -1;
}

#if defined(__linux__)

/* Whether this process may receive SIGURG: the kernel signals a lease's
 * holder when someone opens the file, and SIGURG is the one signal used
 * here, ignored unless the program asked for it. */
static int list_sigurg_unused(void) {
  struct sigaction sa;

  if (sigaction(SIGURG, NULL, &sa) != 0 || (sa.sa_flags & SA_SIGINFO) != 0) return 0;
  return sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN;
}

/* Tries to take a write lease on fd; on LEASE_TAKEN, list_lease_drop()
 * must follow. A write lease is granted only if fd's is the one open file
 * of the inode: no descriptor anywhere else, no mapping (a mapping keeps
 * its file open), in any process. */
static list_lease list_lease_take(int fd) {
  if (!list_sigurg_unused() || fcntl(fd, F_SETSIG, SIGURG) != 0) return LEASE_UNAVAILABLE;
  if (fcntl(fd, F_SETLEASE, F_WRLCK) == 0) return LEASE_TAKEN;
  return errno == EAGAIN || errno == EBUSY ? LEASE_CONFLICT : LEASE_UNAVAILABLE;
}

static void list_lease_drop(int fd) { (void)fcntl(fd, F_SETLEASE, F_UNLCK); }

#else /* no leases */

static list_lease list_lease_take(int fd) {
  (void)fd;
  return LEASE_UNAVAILABLE;
}

static void list_lease_drop(int fd) { (void)fd; }

#endif

/* Records the lease test's outcome as evidence; drops a lease taken. */
static void list_lease_test(int fd, list_entry *e) {
  switch (list_lease_take(fd)) {
    case LEASE_TAKEN:
      /* Held for this instant only: openers meeting it wait, and retry. */
      list_lease_drop(fd);
      e->evidence |= PRSHM_FREE_PROVED;
      break;
    case LEASE_CONFLICT:
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
static void list_probe(const char *dir, list_entry *e) {
  char path[LIST_PATH_SIZE];
  struct stat st;
  int fd, held;

  prshm__unix_path(dir, e->key, path);
  fd = list_open_probe(path);
  if (fd < 0) {
    /* Gone since the directory was read (or a link now): not listed. */
    e->gone = errno == ENOENT || errno == ELOOP;
    e->evidence |= PRSHM_UNCHECKED_LOCK | PRSHM_UNCHECKED_LEASE;
    return;
  }
  if (prshm__sys.fstat(fd, &st) == 0) {
    e->gone = !S_ISREG(st.st_mode);
    e->st = st;
  }
  list_lease_test(fd, e);
  /* Where handles take no lock (Linux), the lock test proves nothing: it
   * is "not possible", so only the lease can prove a segment orphaned. */
  held = prshm__unix_handles_lock ? list_try_exclusive(fd) : -1;
  if (held == 0) e->evidence |= PRSHM_HELD_HANDLE;
  if (held < 0) e->evidence |= PRSHM_UNCHECKED_LOCK;
  (void)prshm__sys.close(fd); /* drops the exclusive lock if it was taken */
}

/* ------------------------------------------------------------------------
 * The process scan. Linux's /proc; elsewhere nothing can be scanned.
 */

/* Counts the process `pid` as holding e, once per process. */
static void list_mark(list_entry *e, long pid, PRUint32 how) {
  e->evidence |= how;
  if (e->last_pid != pid) {
    e->last_pid = pid;
    e->processes++;
  }
}

#if defined(__linux__)

static int list_by_inode(const void *a, const void *b) {
  const list_entry *x = *(const list_entry *const *)a, *y = *(const list_entry *const *)b;
  return x->st.st_ino < y->st.st_ino ? -1 : x->st.st_ino > y->st.st_ino;
}

/* The index in by_inode of the first entry with inode `ino` (or of where
 * it would be). */
static size_t list_first_inode(const list_scan *s, unsigned long long ino) {
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
static int list_is_path(const list_scan *s, const char *path, const list_entry *e) {
  return strncmp(path, s->real_dir, s->real_dir_len) == 0 && path[s->real_dir_len] == '/' &&
         strcmp(path + s->real_dir_len + 1, e->key) == 0;
}

/* Matches one line of /proc/PID/maps ("start-end perms offset major:minor
 * inode path") against the entries. The device must match too; where it
 * does not (some file systems show another device number in maps than in
 * stat), the same inode under the entry's own path is still taken as a
 * mapping: a false match only keeps a segment, never removes one. */
static void list_match_maps_line(list_scan *s, char *line, long pid) {
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
  for (i = list_first_inode(s, ino);
       i < s->count && (unsigned long long)s->by_inode[i]->st.st_ino == ino; i++) {
    list_entry *e = s->by_inode[i];
    if ((major(e->st.st_dev) == major_no && minor(e->st.st_dev) == minor_no) ||
        list_is_path(s, path, e))
      list_mark(e, pid, PRSHM_HELD_MAPPED);
  }
}

/* 0 scanned; -1 this process may not read it; 1 it is gone (exited). */
static int list_scan_maps(list_scan *s, long pid) {
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
  while (getline(&line, &cap, f) > 0) list_match_maps_line(s, line, pid);
  free(line);
  (void)fclose(f);
  return 0;
}

/* Matches one descriptor of a process. Its link must lead into the
 * namespace directory (a segment made unnamed and linked later shows as
 * "DIR/#inode (deleted)" to its creator, so the name is not compared);
 * only then is the file itself (device and inode) read, so that no other
 * file system, a hung network one say, is ever touched. */
static void list_match_fd(list_scan *s, int fd_dir, const char *fd_name, long pid) {
  char target[LIST_PATH_SIZE];
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
  for (i = list_first_inode(s, (unsigned long long)st.st_ino);
       i < s->count && s->by_inode[i]->st.st_ino == st.st_ino; i++)
    if (s->by_inode[i]->st.st_dev == st.st_dev) list_mark(s->by_inode[i], pid, PRSHM_HELD_OPEN);
}

/* 0 scanned; -1 this process may not read it; 1 it is gone. */
static int list_scan_fds(list_scan *s, long pid) {
  char path[64];
  struct dirent *de;
  DIR *d;

  (void)snprintf(path, sizeof path, "/proc/%ld/fd", pid);
  d = opendir(path);
  if (d == NULL) return errno == EACCES || errno == EPERM ? -1 : 1;
  while ((de = readdir(d)) != NULL)
    if (de->d_name[0] != '.') list_match_fd(s, dirfd(d), de->d_name, pid);
  (void)closedir(d);
  return 0;
}

/* Whether /proc hides processes from this process (hidepid=2 and up, for
 * anyone but root): the scan would then miss them without any error. */
static int list_procs_hidden(void) {
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
static void list_scan_each_proc(list_scan *s) {
  struct dirent *de;
  DIR *proc;

  if (list_procs_hidden() || (proc = opendir("/proc")) == NULL) {
    s->unchecked |= PRSHM_UNCHECKED_PROCS;
    return;
  }
  while ((de = readdir(proc)) != NULL) {
    char *end;
    long pid = strtol(de->d_name, &end, 10);
    if (de->d_name[0] < '1' || de->d_name[0] > '9' || *end != '\0') continue;
    if (list_scan_maps(s, pid) < 0 || list_scan_fds(s, pid) < 0)
      s->unchecked |= PRSHM_UNCHECKED_SOME;
  }
  (void)closedir(proc);
}

/* Scans every process for mappings and descriptors of the entries. */
static PRStatus list_scan_procs(list_scan *s) {
  size_t i;

  s->by_inode = malloc(s->count * sizeof *s->by_inode);
  if (s->by_inode == NULL) return prshm__fail(PR_OUT_OF_MEMORY_ERROR, ENOMEM);
  for (i = 0; i < s->count; i++) s->by_inode[i] = &s->entries[i];
  qsort(s->by_inode, s->count, sizeof *s->by_inode, list_by_inode);
  list_scan_each_proc(s);
  free(s->by_inode);
  s->by_inode = NULL;
  return PR_SUCCESS;
}

#else /* no /proc */

static PRStatus list_scan_procs(list_scan *s) {
  s->unchecked |= PRSHM_UNCHECKED_PROCS;
  return PR_SUCCESS;
}

#endif

/* Runs the process scan over entries [0, count) of `entries`, skipping the
 * descriptor skip_fd of this process, and records what it finds. */
static PRStatus list_check_procs(const char *dir, list_entry *entries, size_t count, int skip_fd) {
  list_scan s;
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
  if (list_scan_procs(&s) != PR_SUCCESS) return PR_FAILURE;
  for (i = 0; i < count; i++) entries[i].evidence |= s.unchecked;
  return PR_SUCCESS;
}

/* The verdict from the evidence: any holder makes it in use; the lease
 * test's proof makes it orphaned; otherwise any gap makes it unknown. */
static int list_use(PRUint32 evidence) {
  if ((evidence & LIST_HELD) != 0) return PRSHM_USE_IN_USE;
  if ((evidence & PRSHM_FREE_PROVED) != 0 || (evidence & LIST_GAPS) == 0) return PRSHM_USE_ORPHANED;
  return PRSHM_USE_UNKNOWN;
}

/* ------------------------------------------------------------------------
 * The listing calls.
 */

static void list_fill(const list_entry *e, prshm_seginfo *info) {
  memset(info, 0, sizeof *info);
  info->kind = e->kind;
  info->evidence = e->evidence;
  info->use = list_use(e->evidence);
  info->processes = e->processes;
  if (e->kind == PRSHM_KIND_NAMED) (void)prshm__name_decode(e->key, info->name, sizeof info->name);
  /* PRSHM_NATIVE_NAME_MAX holds any directory and key: this cannot fail. */
  (void)prshm__unix_native(e->key, info->native_name, sizeof info->native_name);
  info->size = (PRUint64)e->st.st_size;
  info->mode = (PRUint32)(e->st.st_mode & 07777);
  info->uid = (PRUint32)e->st.st_uid;
  info->gid = (PRUint32)e->st.st_gid;
  info->mtime = (PRInt64)e->st.st_mtime;
  info->ctime = (PRInt64)e->st.st_ctim.tv_sec;
  info->ctime_nsec = (PRInt32)e->st.st_ctim.tv_nsec;
  info->device = (PRUint64)e->st.st_dev;
  info->inode = (PRUint64)e->st.st_ino;
}

prshm_list *prshm_list_open(void) {
  const char *dir = list_dir();
  prshm_list *l;
  size_t i;

  if (dir == NULL) return NULL;
  l = calloc(1, sizeof *l);
  if (l == NULL) {
    prshm__fail(PR_OUT_OF_MEMORY_ERROR, ENOMEM);
    return NULL;
  }
  if (list_read_dir(l, dir) != PR_SUCCESS) goto fail;
  for (i = 0; i < l->count; i++) list_probe(dir, &l->entries[i]);
  if (list_check_procs(dir, l->entries, l->count, -1) != PR_SUCCESS) goto fail;
  return l;

fail:
  prshm_list_close(l);
  return NULL;
}

PRStatus prshm_list_next(prshm_list *list, prshm_seginfo *info) {
  if (list == NULL || info == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  while (list->next < list->count && list->entries[list->next].gone) list->next++;
  if (list->next >= list->count) return prshm__fail(PR_NO_MORE_FILES_ERROR, 0);
  list_fill(&list->entries[list->next++], info);
  return PR_SUCCESS;
}

void prshm_list_close(prshm_list *list) {
  if (list == NULL) return;
  free(list->entries);
  free(list);
}

PRStatus prshm_stat(const char *name, prshm_seginfo *info) {
  char key[PRSHM__KEY_SIZE], path[LIST_PATH_SIZE];
  const char *dir;
  list_entry e;
  struct stat st;

  if (info == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  if (prshm__name_key(name, key) != PR_SUCCESS) return PR_FAILURE;
  dir = list_dir();
  if (dir == NULL) return PR_FAILURE;
  prshm__unix_path(dir, key, path);
  if (lstat(path, &st) != 0) return prshm__fail_os(errno);
  /* Not a file, or a file under more than one name: not a segment. */
  if (!S_ISREG(st.st_mode) || st.st_nlink > 1) return prshm__fail(PR_INVALID_STATE_ERROR, 0);
  memset(&e, 0, sizeof e);
  strcpy(e.key, key);
  e.kind = list_kind(key);
  e.st = st;
  e.last_pid = -1;
  list_probe(dir, &e);
  if (e.gone) return prshm__fail(PR_FILE_NOT_FOUND_ERROR, ENOENT);
  if (list_check_procs(dir, &e, 1, -1) != PR_SUCCESS) return PR_FAILURE;
  list_fill(&e, info);
  return PR_SUCCESS;
}

/* ------------------------------------------------------------------------
 * Safe removal.
 */

/* Finds the key of `info` and checks that it belongs to this namespace:
 * its native name must be exactly the one this namespace gives the key. */
static PRStatus list_info_key(const prshm_seginfo *info, char key[PRSHM__KEY_SIZE]) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *slash;

  if (info == NULL || memchr(info->native_name, '\0', sizeof info->native_name) == NULL)
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  slash = strrchr(info->native_name, '/');
  if (slash == NULL || strlen(slash + 1) >= PRSHM__KEY_SIZE || list_kind(slash + 1) == 0)
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  strcpy(key, slash + 1);
  if (prshm__unix_native(key, native, sizeof native) != PR_SUCCESS ||
      strcmp(native, info->native_name) != 0)
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return PR_SUCCESS;
}

/* Whether the file fd designates is the object `info` describes. The inode
 * alone is not enough: file systems reuse inode numbers at once. */
static int list_same_object(const struct stat *st, const prshm_seginfo *info) {
  return S_ISREG(st->st_mode) && (PRUint64)st->st_dev == info->device &&
         (PRUint64)st->st_ino == info->inode && (PRInt64)st->st_ctim.tv_sec == info->ctime &&
         (PRInt32)st->st_ctim.tv_nsec == info->ctime_nsec && (PRUint64)st->st_size == info->size;
}

/* The error for evidence that forbids removal. */
static PRStatus list_refuse(PRUint32 evidence) {
  if ((evidence & LIST_HELD) != 0) return prshm__fail(PR_FILE_IS_BUSY_ERROR, 0);
  if ((evidence & (PRSHM_UNCHECKED_SOME | PRSHM_UNCHECKED_LOCK)) != 0)
    return prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, 0);
  return prshm__fail(PR_OPERATION_NOT_SUPPORTED_ERROR, 0);
}

/* Without the lease test: proves that nothing holds the segment from the
 * lock (taken: `locked`) and a complete scan of every process. */
static PRStatus list_check_without_lease(const char *dir, int fd, int locked, list_entry *e) {
  /* Mappings and descriptors made without a handle are not excluded by
   * the lock; the scan sees them (all but our own probe descriptor). A
   * holder it finds makes the segment busy even where, without the lock
   * (Linux's handles take none), nothing could prove it free. */
  if (list_check_procs(dir, e, 1, fd) != PR_SUCCESS) return PR_FAILURE;
  if ((e->evidence & LIST_HELD) != 0) return list_refuse(e->evidence);
  if (!locked) return prshm__fail(PR_OPERATION_NOT_SUPPORTED_ERROR, ENOLCK);
  if ((e->evidence & LIST_GAPS) != 0) return list_refuse(e->evidence);
  return PR_SUCCESS;
}

/* Checks that nothing holds the segment of fd; with the lease taken, sets
 * *leased (list_lease_drop() must follow). */
static PRStatus list_check_unheld(const char *dir, int fd, list_entry *e, int *leased) {
  /* Without handle locks (Linux) only the lease can prove it: no fallback
   * to a scan, which an opener could race between scan and unlink. */
  int locked = prshm__unix_handles_lock ? list_try_exclusive(fd) : -1;

  if (locked == 0) return prshm__fail(PR_FILE_IS_BUSY_ERROR, EWOULDBLOCK);
  switch (list_lease_take(fd)) {
    case LEASE_TAKEN:
      *leased = 1;
      return PR_SUCCESS;
    case LEASE_CONFLICT:
      return prshm__fail(PR_FILE_IS_BUSY_ERROR, EAGAIN);
    default:
      return list_check_without_lease(dir, fd, locked > 0, e);
  }
}

/*
 * The sequence, and why each step is there:
 *  1. open the file and check (fstat) that it is the object listed, not a
 *     newer one under the same name;
 *  2. take LOCK_EX|LOCK_NB: failing means a prshm handle is open. Holding
 *     it keeps prshm's openers from adopting the segment until we are done:
 *     they take LOCK_SH with LOCK_NB and retry, bounded, and after locking
 *     re-check st_nlink, so an opener racing with us either finds the
 *     segment deleted and opens or creates it again, or makes us fail here;
 *  3. take a write lease (Linux): granted only if no other open file of it
 *     exists anywhere (a mapping keeps its file open), it proves that
 *     nothing holds the segment; and while it is held every open() of the
 *     file waits (prshm's, which do not block, retry), so nothing can start
 *     holding it before the name is gone. Where leases are not possible,
 *     scan every process instead, and refuse if any cannot be read;
 *  4. check that the name still refers to the object we hold;
 *  5. unlink; 6. drop the lease and close, which lets waiting openers on:
 *     they find the object nameless, or the name gone.
 * The one window left is between 4 and 5: a program that deletes the name
 * and creates another segment under it in those microseconds would lose
 * its new segment's name. prshm's creators never replace a name that
 * exists, so this needs a deletion by someone else at that instant.
 */
PRStatus prshm_remove_orphan(const prshm_seginfo *info) {
  char key[PRSHM__KEY_SIZE], path[LIST_PATH_SIZE];
  const char *dir;
  list_entry e;
  struct stat now;
  PRStatus rv = PR_FAILURE;
  int fd, leased = 0;

  if (list_info_key(info, key) != PR_SUCCESS) return PR_FAILURE;
  dir = list_dir();
  if (dir == NULL) return PR_FAILURE;
  prshm__unix_path(dir, key, path);
  fd = list_open_probe(path);
  if (fd < 0) /* a link where the segment was is not the segment: gone */
    return prshm__fail_os(errno == ELOOP ? ENOENT : errno);
  memset(&e, 0, sizeof e);
  strcpy(e.key, key);
  e.kind = list_kind(key);
  e.last_pid = -1;
  if (prshm__sys.fstat(fd, &e.st) != 0) {
    prshm__fail_os(errno);
    goto close;
  }
  if (!list_same_object(&e.st, info)) {
    prshm__fail(PR_FILE_NOT_FOUND_ERROR, ENOENT);
    goto close;
  }
  if (list_check_unheld(dir, fd, &e, &leased) != PR_SUCCESS) goto unlease;
  if (lstat(path, &now) != 0 || now.st_dev != e.st.st_dev || now.st_ino != e.st.st_ino) {
    prshm__fail(PR_FILE_NOT_FOUND_ERROR, ENOENT);
    goto unlease;
  }
  if (prshm__sys.unlink(path) != 0) {
    prshm__fail_os(errno);
    goto unlease;
  }
  rv = PR_SUCCESS;

unlease:
  if (leased) list_lease_drop(fd);
close:
  (void)prshm__sys.close(fd);
  return rv;
}
