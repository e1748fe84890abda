/*
 * test_unix_faults.c - every error path of the Unix backends, reached by
 * making system calls fail through the replaceable table prshm__sys.
 *
 * Map of the file:
 *   1. The fault injector: a wrapper for every table entry that counts and
 *      logs its calls, fails chosen ones with a chosen errno, can tamper
 *      with fstat() results, fakes nanosleep() and runs a hook first.
 *   2. Observations: segments, stray temporary files, mappings, counts.
 *   3. What the library promises when a given call fails (expectations).
 *   4. The sweep: for an operation, discover its calls by counting, then
 *      fail each one with each errno (once, and for good), and then a
 *      second call after it; check the code, that nothing is left behind
 *      and that the operation succeeds once the fault is gone.
 *   5. The sweep's tests: here, under PRSHM_DIR, and (Linux) after each
 *      remembered fallback, in children.
 *   6. Specific paths: EINTR retries, the Linux fallbacks, a lost creation
 *      race, a stale temporary name, the bounded waits, fstat() tampering,
 *      getcwd(), mmap(), munmap() and close() failures.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "runner.h"
#include "sys.h"
#include "unix.h"

/* Linux-only flags, 0 where they do not exist (the cases using them skip). */
#ifdef O_TMPFILE
#define FAULT_O_TMPFILE O_TMPFILE
#else
#define FAULT_O_TMPFILE 0
#endif
#ifdef AT_EMPTY_PATH
#define FAULT_AT_EMPTY_PATH AT_EMPTY_PATH
#else
#define FAULT_AT_EMPTY_PATH 0
#endif

/* ======================================================================
 * 1. The fault injector
 */

/* The entries of prshm__sys, in the table's order. */
typedef enum fault_entry {
  FE_OPEN,
  FE_CLOSE,
  FE_FSTAT,
  FE_LSTAT,
  FE_FCHMOD,
  FE_FTRUNCATE,
  FE_RESERVE,
  FE_FLOCK,
  FE_LINKAT,
  FE_UNLINK,
  FE_RENAME,
  FE_MMAP,
  FE_MUNMAP,
  FE_GETCWD,
  FE_SHM_OPEN,
  FE_SHM_UNLINK,
  FE_NANOSLEEP,
  FE_COUNT /* also "any entry" where an entry is asked for */
} fault_entry;

static const char *const fault_entry_names[FE_COUNT] = {
    "open",    "close",  "fstat",    "lstat",      "fchmod",   "ftruncate",
    "reserve", "flock",  "linkat",   "unlink",     "rename",   "mmap",
    "munmap",  "getcwd", "shm_open", "shm_unlink", "nanosleep"};

/* What a call was for, told from its arguments; the library's promises
 * differ between, say, opening an existing segment and creating one. */
typedef enum fault_kind {
  FK_PLAIN,        /* nothing more to tell */
  FK_OPEN_RW,      /* open()/shm_open() of an existing segment, read-write */
  FK_OPEN_RO,      /* the same, read-only (after EACCES) */
  FK_OPEN_TMPFILE, /* Linux: the unnamed file of an atomic creation */
  FK_OPEN_TEMP,    /* Linux: the temporary name of the fallback creation */
  FK_OPEN_CREATE,  /* portable: creating the segment under its own name */
  FK_LINK_EMPTY,   /* Linux: linkat() of the new file by its descriptor */
  FK_LINK_PROC,    /* Linux: linkat() of it through /proc/self/fd */
  FK_LINK_TEMP,    /* Linux: linkat() of the temporary name */
  FK_UNLINK_TEMP,  /* Linux: unlink() of the temporary name */
  FK_COUNT         /* also "any kind" where a kind is asked for */
} fault_kind;

static const char *const fault_kind_names[FK_COUNT] = {
    "",       "existing rw",   "existing ro", "O_TMPFILE", "temp name",
    "create", "AT_EMPTY_PATH", "/proc fd",    "temp name", "temp name"};

/* Every temporary name of the Linux fallback contains this (linux.c's
 * header documents it: `prshm prune` looks for it). */
#define FAULT_TEMP_MARK "/.prshm-tmp-"

/* times: fail every call from nth on. */
#define FAULT_ALWAYS (-1L)
#define FAULT_PLANS 4
/* Enough for 64 open-or-create attempts of about a dozen calls each. */
#define FAULT_LOG_MAX 2048

/* A failure to inject. */
typedef struct fault_plan {
  fault_entry entry; /* the table entry whose calls fail */
  long nth;          /* the first call to fail, counting that entry's calls from 1 */
  long times;        /* how many calls fail from there on, or FAULT_ALWAYS */
  fault_kind kind;   /* only calls of this kind fail; FK_COUNT: any */
  int err;           /* the errno they fail with */
} fault_plan;

/* One call the library made through the table. */
typedef struct fault_call {
  fault_entry entry; /* which entry */
  fault_kind kind;   /* what for */
  long ordinal;      /* its number among that entry's calls, from 1 */
  int failed;        /* the errno injected, or 0 if it went to the real call */
} fault_call;

/* Code run before one call, once, with the call's path arguments (NULL
 * where it has none): a rival process, a probe, a stale file. */
typedef void (*fault_hook_fn)(const char *path, const char *path2);

/* Everything the injector knows. One test thread at a time uses it. */
typedef struct fault_state {
  prshm__syscalls real;          /* the real calls, saved by fault_begin() */
  fault_plan plans[FAULT_PLANS]; /* the failures to inject */
  long plan_hits[FAULT_PLANS];   /* calls each plan has failed so far */
  int nplans;                    /* entries used in plans */
  fault_entry hook_entry;        /* the hook runs before the first call of */
  fault_kind hook_kind;          /*   this entry and kind (FE_/FK_COUNT: any) */
  fault_hook_fn hook;            /* NULL: no hook, or it has run */
  long counts[FE_COUNT];         /* calls of each entry so far */
  fault_call log[FAULT_LOG_MAX]; /* the calls, in order */
  int nlog;                      /* entries used in log */
  PRBool log_full;               /* calls were made past the end of log */
  long size0;                    /* fstat() calls, from the first, that report size 0 */
  long nlink0;                   /* fstat() calls, from the first, that report st_nlink 0 */
  long nlink2;                   /* fstat() calls, from the first, that report st_nlink 2 */
  long fifo;                     /* fstat() calls, from the first, that report a FIFO */
  PRBool fake_sleep;             /* nanosleep() only counts, and returns at once */
  long sleeps;                   /* fake sleeps taken */
  long slept_ms;                 /* the time they asked for, in total */
} fault_state;

static fault_state fault;

/* Counts and logs a call; runs the hook; returns the errno to fail it
 * with, or 0 to make the real call. */
static int fault_take(fault_entry e, fault_kind kind, const char *path, const char *path2) {
  long n = ++fault.counts[e];
  int i, err = 0;

  if (fault.hook != NULL && (fault.hook_entry == FE_COUNT || fault.hook_entry == e) &&
      (fault.hook_kind == FK_COUNT || fault.hook_kind == kind)) {
    fault_hook_fn fn = fault.hook;
    fault.hook = NULL;
    fn(path, path2);
  }
  for (i = 0; i < fault.nplans && err == 0; i++) {
    const fault_plan *p = &fault.plans[i];
    if (p->entry != e || n < p->nth || (p->kind != FK_COUNT && p->kind != kind)) continue;
    if (p->times != FAULT_ALWAYS && fault.plan_hits[i] >= p->times) continue;
    fault.plan_hits[i]++;
    err = p->err;
  }
  if (fault.nlog < FAULT_LOG_MAX) {
    fault_call *c = &fault.log[fault.nlog++];
    c->entry = e;
    c->kind = kind;
    c->ordinal = n;
    c->failed = err;
  } else {
    fault.log_full = PR_TRUE;
  }
  return err;
}

static fault_kind fault_open_kind(const char *path, int flags) {
  if (FAULT_O_TMPFILE != 0 && (flags & FAULT_O_TMPFILE) == FAULT_O_TMPFILE) return FK_OPEN_TMPFILE;
  if ((flags & O_CREAT) != 0)
    return strstr(path, FAULT_TEMP_MARK) != NULL ? FK_OPEN_TEMP : FK_OPEN_CREATE;
  return (flags & O_ACCMODE) == O_RDONLY ? FK_OPEN_RO : FK_OPEN_RW;
}

static int fault_open(const char *path, int flags, mode_t mode) {
  int err = fault_take(FE_OPEN, fault_open_kind(path, flags), path, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.open(path, flags, mode);
}

/* Linux (and POSIX leaves it open) frees the descriptor even when close()
 * fails, so an injected failure closes it all the same. */
static int fault_close(int fd) {
  int err = fault_take(FE_CLOSE, FK_PLAIN, NULL, NULL);
  int rv = fault.real.close(fd);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return rv;
}

static int fault_fstat(int fd, struct stat *st) {
  int err = fault_take(FE_FSTAT, FK_PLAIN, NULL, NULL);
  long n = fault.counts[FE_FSTAT];

  if (err != 0) {
    errno = err;
    return -1;
  }
  if (fault.real.fstat(fd, st) != 0) return -1;
  if (fault.size0 == FAULT_ALWAYS || n <= fault.size0) st->st_size = 0;
  if (fault.nlink0 == FAULT_ALWAYS || n <= fault.nlink0) st->st_nlink = 0;
  if (fault.nlink2 == FAULT_ALWAYS || n <= fault.nlink2) st->st_nlink = 2;
  if (fault.fifo == FAULT_ALWAYS || n <= fault.fifo) st->st_mode = (st->st_mode & 07777) | S_IFIFO;
  return 0;
}

static int fault_lstat(const char *path, struct stat *st) {
  int err = fault_take(FE_LSTAT, FK_PLAIN, path, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.lstat(path, st);
}

static int fault_fchmod(int fd, mode_t mode) {
  int err = fault_take(FE_FCHMOD, FK_PLAIN, NULL, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.fchmod(fd, mode);
}

static int fault_ftruncate(int fd, off_t length) {
  int err = fault_take(FE_FTRUNCATE, FK_PLAIN, NULL, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.ftruncate(fd, length);
}

static int fault_reserve(int fd, off_t offset, off_t length) {
  int err = fault_take(FE_RESERVE, FK_PLAIN, NULL, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.reserve(fd, offset, length);
}

static int fault_flock(int fd, int operation) {
  int err = fault_take(FE_FLOCK, FK_PLAIN, NULL, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.flock(fd, operation);
}

static int fault_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                        int flags) {
  fault_kind kind = FK_LINK_TEMP;
  int err;

  if (FAULT_AT_EMPTY_PATH != 0 && (flags & FAULT_AT_EMPTY_PATH) != 0)
    kind = FK_LINK_EMPTY;
  else if ((flags & AT_SYMLINK_FOLLOW) != 0)
    kind = FK_LINK_PROC;
  err = fault_take(FE_LINKAT, kind, oldpath, newpath);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}

static int fault_unlink(const char *path) {
  fault_kind kind = strstr(path, FAULT_TEMP_MARK) != NULL ? FK_UNLINK_TEMP : FK_PLAIN;
  int err = fault_take(FE_UNLINK, kind, path, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.unlink(path);
}

static int fault_rename(const char *from, const char *to) {
  int err = fault_take(FE_RENAME, FK_PLAIN, from, to);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.rename_noreplace(from, to);
}

static void *fault_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
  int err = fault_take(FE_MMAP, FK_PLAIN, NULL, NULL);
  if (err != 0) {
    errno = err;
    return MAP_FAILED;
  }
  return fault.real.mmap(addr, length, prot, flags, fd, offset);
}

/* A failed munmap() leaves the mapping as it was. */
static int fault_munmap(void *addr, size_t length) {
  int err = fault_take(FE_MUNMAP, FK_PLAIN, NULL, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.munmap(addr, length);
}

static char *fault_getcwd(char *buf, size_t size) {
  int err = fault_take(FE_GETCWD, FK_PLAIN, NULL, NULL);
  if (err != 0) {
    errno = err;
    return NULL;
  }
  return fault.real.getcwd(buf, size);
}

static int fault_shm_open(const char *name, int flags, mode_t mode) {
  int err = fault_take(FE_SHM_OPEN, fault_open_kind(name, flags), name, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.shm_open(name, flags, mode);
}

static int fault_shm_unlink(const char *name) {
  int err = fault_take(FE_SHM_UNLINK, FK_PLAIN, name, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return fault.real.shm_unlink(name);
}

static int fault_nanosleep(const struct timespec *req, struct timespec *rem) {
  int err = fault_take(FE_NANOSLEEP, FK_PLAIN, NULL, NULL);
  if (err != 0) {
    errno = err;
    return -1;
  }
  if (!fault.fake_sleep) return fault.real.nanosleep(req, rem);
  fault.sleeps++;
  fault.slept_ms += (long)req->tv_sec * 1000 + req->tv_nsec / 1000000;
  return 0;
}

/* Starts a fresh injection: no plans, no hook, counts and log empty, and
 * every entry of prshm__sys replaced by its counting wrapper. */
static void fault_begin(void) {
  prshm__sys_reset();
  memset(&fault, 0, sizeof fault);
  fault.real = prshm__sys;
  prshm__sys.open = fault_open;
  prshm__sys.close = fault_close;
  prshm__sys.fstat = fault_fstat;
  prshm__sys.lstat = fault_lstat;
  prshm__sys.fchmod = fault_fchmod;
  prshm__sys.ftruncate = fault_ftruncate;
  prshm__sys.reserve = fault_reserve;
  prshm__sys.flock = fault_flock;
  prshm__sys.linkat = fault_linkat;
  prshm__sys.unlink = fault_unlink;
  prshm__sys.rename_noreplace = fault_rename;
  prshm__sys.mmap = fault_mmap;
  prshm__sys.munmap = fault_munmap;
  prshm__sys.getcwd = fault_getcwd;
  prshm__sys.shm_open = fault_shm_open;
  prshm__sys.shm_unlink = fault_shm_unlink;
  prshm__sys.nanosleep = fault_nanosleep;
}

/* Adds a plan: fail `times` calls of `entry` (of `kind` only, unless
 * FK_COUNT) from its nth call on, with `err`. */
static void fault_fail_kind(fault_entry entry, long nth, long times, fault_kind kind, int err) {
  fault_plan *p;

  if (fault.nplans == FAULT_PLANS) t_fail(__FILE__, __LINE__, "too many fault plans");
  p = &fault.plans[fault.nplans++];
  p->entry = entry;
  p->nth = nth;
  p->times = times;
  p->kind = kind;
  p->err = err;
}

static void fault_fail(fault_entry entry, long nth, long times, int err) {
  fault_fail_kind(entry, nth, times, FK_COUNT, err);
}

/* Runs fn before the first call of `entry` and `kind` (FE_COUNT, FK_COUNT:
 * any). */
static void fault_hook_before(fault_entry entry, fault_kind kind, fault_hook_fn fn) {
  fault.hook_entry = entry;
  fault.hook_kind = kind;
  fault.hook = fn;
}

/* Puts the real calls back; the counts and the log stay for checking. */
static void fault_end(void) {
  prshm__sys_reset();
  if (fault.log_full) t_fail(__FILE__, __LINE__, "fault log overflowed");
}

/* Calls logged of `entry` and `kind` (FK_COUNT: any), from log index
 * `from` on. */
static int fault_calls(fault_entry entry, fault_kind kind, int from) {
  int i, n = 0;
  for (i = from; i < fault.nlog; i++)
    if (fault.log[i].entry == entry && (kind == FK_COUNT || fault.log[i].kind == kind)) n++;
  return n;
}

/* The log index of the first call of `entry` and `kind`, or -1. */
static int fault_first(fault_entry entry, fault_kind kind) {
  int i;
  for (i = 0; i < fault.nlog; i++)
    if (fault.log[i].entry == entry && (kind == FK_COUNT || fault.log[i].kind == kind)) return i;
  return -1;
}

/* Prints the log (for a failing case). */
static void fault_print_log(const fault_call *log, int n) {
  int i;
  for (i = 0; i < n; i++)
    fprintf(stderr, "  %2d %s#%ld %s%s%s\n", i, fault_entry_names[log[i].entry], log[i].ordinal,
            fault_kind_names[log[i].kind], log[i].failed != 0 ? " FAILED " : "",
            log[i].failed != 0 ? strerror(log[i].failed) : "");
}

/* ======================================================================
 * 2. Observations (made with the real calls)
 */

static PRBool obs_linux(void) { return strcmp(prshm_backend_name(), "linux") == 0; }

/* The directory the segments are files in, or NULL if there is none to
 * look at (the portable backend on a system without /dev/shm). */
static const char *obs_dir(void) {
  struct stat st;
  const char *dir = getenv(PRSHM_DIR_ENV);

  if (dir != NULL) return dir;
  return stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : NULL;
}

/* Temporary files of this process's pid that were there before it started
 * (left by an earlier process that had the pid): not this process's. */
#define OBS_OLD_MAX 16
static unsigned long obs_old[OBS_OLD_MAX];
static int obs_nold;

static PRBool obs_is_old(unsigned long ino) {
  int i;
  for (i = 0; i < obs_nold; i++)
    if (obs_old[i] == ino) return PR_TRUE;
  return PR_FALSE;
}

/* Counts this process's temporary files in the namespace (the fallback's
 * ".prshm-tmp-PID-N"), removing them if asked; `remember` notes them as
 * old instead. */
static int obs_scan_strays(PRBool remove, PRBool remember) {
  const char *dir = obs_dir();
  char prefix[64], path[PATH_MAX + 256];
  struct dirent *e;
  DIR *d;
  int n = 0;

  if (dir == NULL || (d = opendir(dir)) == NULL) return 0;
  snprintf(prefix, sizeof prefix, "%s%ld-", &FAULT_TEMP_MARK[1], t_pid());
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    if (remember && obs_nold < OBS_OLD_MAX) obs_old[obs_nold++] = (unsigned long)e->d_ino;
    if (obs_is_old((unsigned long)e->d_ino)) continue;
    n++;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (remove) CHECK_EQ(unlink(path), 0);
  }
  closedir(d);
  return n;
}

static int obs_strays(PRBool remove) { return obs_scan_strays(remove, PR_FALSE); }

/* Before any test runs: what is already there is not this process's. */
__attribute__((constructor)) static void obs_note_old_strays(void) {
  (void)obs_scan_strays(PR_FALSE, PR_TRUE);
}

/* Whether a segment has this name. Any answer but "yes" or "not found" is
 * a failure of the test. */
static PRBool obs_exists(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 0, 0, 0);
  if (shm == NULL) {
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
    return PR_FALSE;
  }
  CHECK_OK(PR_CloseSharedMemory(shm));
  return PR_TRUE;
}

/* The path of the segment's file, or "" if it has none to look at. */
static void obs_path(const char *name, char *path, size_t size) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *dir = obs_dir();

  path[0] = '\0';
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  if (getenv(PRSHM_DIR_ENV) != NULL)
    snprintf(path, size, "%s", native);
  else if (dir != NULL)
    snprintf(path, size, "%s%s", dir, native);
}

/* The inode of the segment's file, or 0 if it cannot be looked at. */
static unsigned long obs_ino(const char *name) {
  char path[PATH_MAX + PRSHM_NATIVE_NAME_MAX];
  struct stat st;

  obs_path(name, path, sizeof path);
  if (path[0] == '\0' || stat(path, &st) != 0) return 0;
  return (unsigned long)st.st_ino;
}

/* Mappings of inode `ino` in the namespace in this process, or -1 when they
 * cannot be counted (no /proc, or no inode). */
static long obs_maps(unsigned long ino) {
  const char *dir = obs_dir();
  char line[PATH_MAX + 256];
  unsigned long got;
  long n = 0;
  FILE *f;

  if (ino == 0 || dir == NULL || (f = fopen("/proc/self/maps", "r")) == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "%*s %*s %*s %*s %lu", &got) == 1 && got == ino && strstr(line, dir) != NULL)
      n++;
  fclose(f);
  return n;
}

/* The first bytes of every segment a sweep sets up. */
static const char obs_marker[] = "set up before the fault";

/* Checks that the segment exists and still holds the setup's marker. */
static void obs_check_marker(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 0, 0, 0);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, obs_marker);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Creates the segment `name` of `size` bytes holding the marker; returns
 * its handle, or closes it if keep is false (NULL then). */
static PRSharedMemory *obs_make(const char *name, PRSize size, PRBool keep) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  memcpy(p, obs_marker, sizeof obs_marker);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  if (keep) return shm;
  CHECK_OK(PR_CloseSharedMemory(shm));
  return NULL;
}

/* ======================================================================
 * 3. Expectations: what the library promises when one call fails
 */

/* What an operation does when a call fails. */
typedef enum expect_how {
  EX_FAIL,     /* it fails with `code` and PR_GetOSError() `os_error` */
  EX_OK,       /* it succeeds all the same (a retry, a fallback, an ignored failure) */
  EX_OK_RO,    /* it succeeds, with a handle that may only read */
  EX_OK_STRAY, /* it succeeds, leaving a temporary name it could not remove */
  EX_ELSEWHERE /* not swept: the change is process-wide; tested on its own below */
} expect_how;

typedef struct expectation {
  expect_how how;    /* see expect_how */
  PRErrorCode code;  /* EX_FAIL: the code */
  PRInt32 os_error;  /* EX_FAIL: the raw OS error */
  PRBool may_remain; /* EX_FAIL: what the operation made may remain (its removal failed) */
} expectation;

/* The code prshm documents for a raw errno (prshm.h; written out here so
 * that the translation in src/unix/error.c is checked, not copied). */
static PRErrorCode expect_code(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return PR_NO_DEVICE_SPACE_ERROR;
    case ENOMEM:
      return PR_OUT_OF_MEMORY_ERROR;
    case EMFILE:
      return PR_PROC_DESC_TABLE_FULL_ERROR;
    case ENFILE:
      return PR_SYS_DESC_TABLE_FULL_ERROR;
    case EACCES:
    case EPERM:
      return PR_NO_ACCESS_RIGHTS_ERROR;
    case EROFS:
      return PR_READ_ONLY_FILESYSTEM_ERROR;
    case EIO:
      return PR_IO_ERROR;
    case EFBIG:
      return PR_FILE_TOO_BIG_ERROR;
    case ELOOP:
      return PR_LOOP_ERROR;
    case EINTR:
      return PR_PENDING_INTERRUPT_ERROR;
    case EINVAL:
      return PR_INVALID_ARGUMENT_ERROR;
    case ENOENT:
      return PR_FILE_NOT_FOUND_ERROR;
    case EEXIST:
      return PR_FILE_EXISTS_ERROR;
    case EISDIR:
      return PR_IS_DIRECTORY_ERROR;
    case EWOULDBLOCK:
      return PR_INSUFFICIENT_RESOURCES_ERROR;
    default:
      break;
  }
  return err == EOPNOTSUPP ? PR_OPERATION_NOT_SUPPORTED_ERROR : PR_UNKNOWN_ERROR;
}

static expectation expect_fail(PRErrorCode code, PRInt32 os_error) {
  expectation ex = {EX_FAIL, 0, 0, PR_FALSE};
  ex.code = code;
  ex.os_error = os_error;
  return ex;
}

static expectation expect_is(expect_how how) {
  expectation ex = {EX_OK, 0, 0, PR_FALSE};
  ex.how = how;
  return ex;
}

/* The errnos every call is failed with. */
static const int expect_errnos[] = {ENOSPC, EDQUOT, ENOMEM, EMFILE, ENFILE, EACCES, EPERM,
                                    EROFS,  EIO,    EFBIG,  ELOOP,  EINTR,  EINVAL, EOPNOTSUPP};

/* The errnos that mean something more to one kind of call; 0 ends. */
static const int *expect_extra_errnos(const fault_call *c) {
  static const int getcwd_errs[] = {ERANGE, ENOENT, 0};
  static const int open_rw_errs[] = {ENOENT, EISDIR, EWOULDBLOCK, 0};
  static const int create_errs[] = {EEXIST, 0};
  static const int link_errs[] = {EEXIST, ENOENT, 0};
  static const int rename_errs[] = {EEXIST, ENOSYS, 0};
  static const int flock_errs[] = {EWOULDBLOCK, 0};
  static const int unlink_errs[] = {ENOENT, 0};
  static const int none[] = {0};

  if (c->entry == FE_GETCWD) return getcwd_errs;
  if (c->kind == FK_OPEN_RW) return open_rw_errs;
  if (c->kind == FK_OPEN_TEMP || c->kind == FK_OPEN_CREATE) return create_errs;
  if (c->entry == FE_LINKAT) return link_errs;
  if (c->entry == FE_RENAME) return rename_errs;
  if (c->entry == FE_FLOCK) return flock_errs;
  if (c->entry == FE_UNLINK || c->entry == FE_SHM_UNLINK) return unlink_errs;
  return none;
}

/* What the operation does; defined with the sweep's operations below. */
typedef struct sweep_op sweep_op;
static PRBool sweep_op_creates(const sweep_op *op);
static PRBool sweep_op_excl(const sweep_op *op);
static PRBool sweep_op_exists(const sweep_op *op);
static PRBool sweep_op_closes(const sweep_op *op);

/* What `op` does when call `c` fails with `err`, once or, if `always`,
 * at every later call of the same entry and kind. */
static expectation expect(const sweep_op *op, const fault_call *c, int err, PRBool always) {
  const PRBool create = sweep_op_creates(op), excl = sweep_op_excl(op);
  const fault_entry e = c->entry;
  const fault_kind k = c->kind;

  /* Interrupted opens, sizing and locking are retried (sys.h's contract);
   * close() has freed the descriptor even when interrupted; an
   * interrupted or failed pause only ends the pause early. */
  if (err == EINTR && (e == FE_OPEN || e == FE_SHM_OPEN || e == FE_FTRUNCATE || e == FE_RESERVE ||
                       e == FE_FLOCK || e == FE_CLOSE))
    return expect_is(EX_OK);
  if (e == FE_NANOSLEEP) return expect_is(EX_OK);
  /* Closing a descriptor while cleaning up: nothing to report. */
  if (e == FE_CLOSE && !sweep_op_closes(op)) return expect_is(EX_OK);
  /* The remembered fallbacks change the whole process: tested in children. */
  if (k == FK_OPEN_TMPFILE && (err == EOPNOTSUPP || err == EISDIR)) return expect_is(EX_ELSEWHERE);
  if ((k == FK_LINK_EMPTY || k == FK_LINK_PROC) && err == ENOENT) return expect_is(EX_ELSEWHERE);
  if (e == FE_RENAME && (err == EINVAL || err == ENOSYS)) return expect_is(EX_ELSEWHERE);
  /* Not allowed to write, or a read-only file system: the segment is
   * opened read-only instead (or, if it does not exist, created). */
  if (k == FK_OPEN_RW && (err == EACCES || err == EROFS))
    return expect_is(sweep_op_exists(op) ? EX_OK_RO : EX_OK);
  if (k == FK_OPEN_RW && err == EISDIR) return expect_fail(PR_INVALID_STATE_ERROR, EISDIR);
  /* A tool's lease on the file (list.c) fails a non-blocking open for an
   * instant: wait and open again, a bounded number of times. */
  if (k == FK_OPEN_RW && err == EWOULDBLOCK)
    return always ? expect_fail(PR_FILE_IS_BUSY_ERROR, 0) : expect_is(EX_OK);
  /* Gone between two calls: create it, or open the one another made. An
   * endless race is given up after a bounded number of attempts. */
  if (k == FK_OPEN_RW && err == ENOENT) {
    if (!create) return expect_fail(PR_FILE_NOT_FOUND_ERROR, ENOENT);
    return always && sweep_op_exists(op) ? expect_fail(PR_FILE_IS_BUSY_ERROR, 0) : expect_is(EX_OK);
  }
  if ((k == FK_OPEN_CREATE || e == FE_LINKAT || e == FE_RENAME) && err == EEXIST) {
    if (excl) return expect_fail(PR_FILE_EXISTS_ERROR, EEXIST);
    return always ? expect_fail(PR_FILE_IS_BUSY_ERROR, 0) : expect_is(EX_OK);
  }
  /* A temporary name in use (a stale file of an earlier process with this
   * pid) is skipped for another. */
  if (k == FK_OPEN_TEMP && err == EEXIST)
    return always ? expect_fail(PR_FILE_IS_BUSY_ERROR, EEXIST) : expect_is(EX_OK);
  /* A file system that cannot lock: the descriptor alone marks the use. */
  if (e == FE_FLOCK && err == EOPNOTSUPP) return expect_is(EX_OK);
  /* Held exclusively (by a tool): wait, bounded. */
  if (e == FE_FLOCK && err == EWOULDBLOCK)
    return always ? expect_fail(PR_FILE_IS_BUSY_ERROR, EWOULDBLOCK) : expect_is(EX_OK);
  /* Portable: no way to set the mode or to reserve is not an error. */
  if (!obs_linux() && e == FE_FCHMOD && (err == EINVAL || err == EOPNOTSUPP))
    return expect_is(EX_OK);
  if (!obs_linux() && e == FE_RESERVE && (err == EINVAL || err == EOPNOTSUPP))
    return expect_is(EX_OK);
  /* The segment is complete and named; only its temporary name remains. */
  if (k == FK_UNLINK_TEMP) return expect_is(EX_OK_STRAY);
  if (e == FE_GETCWD && err == ERANGE) return expect_fail(PR_NAME_TOO_LONG_ERROR, ERANGE);
  return expect_fail(expect_code(err), err);
}

/* ======================================================================
 * 4. The sweep
 */

/* Bytes of every segment the sweep makes; its mode when it creates. */
#define SWEEP_SIZE 4096
#define SWEEP_MODE 0640

/* What an operation does. */
typedef enum sweep_what {
  SW_OPEN,
  SW_ATTACH,
  SW_DETACH,
  SW_CLOSE,
  SW_DELETE,
  SW_NATIVE
} sweep_what;

/* What exists before it, each including the ones before. */
typedef enum sweep_before { SB_NOTHING, SB_SEGMENT, SB_HANDLE, SB_ATTACHED } sweep_before;

struct sweep_op {
  const char *label;   /* the test's name for it */
  sweep_what what;     /* which call */
  int flags;           /* PR_OpenSharedMemory() or PR_AttachSharedMemory() flags */
  sweep_before before; /* what the setup makes */
};

static const sweep_op sweep_ops[] = {
    {"create_excl", SW_OPEN, PR_SHM_CREATE | PR_SHM_EXCL, SB_NOTHING},
    {"create_sparse", SW_OPEN, PR_SHM_CREATE | PR_SHM_EXCL | PRSHM_SPARSE, SB_NOTHING},
    {"create_new", SW_OPEN, PR_SHM_CREATE, SB_NOTHING},
    {"create_existing", SW_OPEN, PR_SHM_CREATE, SB_SEGMENT},
    {"open_existing", SW_OPEN, 0, SB_SEGMENT},
    {"attach_rw", SW_ATTACH, 0, SB_HANDLE},
    {"attach_ro", SW_ATTACH, PR_SHM_READONLY, SB_HANDLE},
    {"detach", SW_DETACH, 0, SB_ATTACHED},
    {"close", SW_CLOSE, 0, SB_HANDLE},
    {"delete", SW_DELETE, 0, SB_SEGMENT},
    {"native_name", SW_NATIVE, 0, SB_NOTHING},
};
#define SWEEP_NOPS ((int)(sizeof sweep_ops / sizeof sweep_ops[0]))

static PRBool sweep_op_creates(const sweep_op *op) {
  return op->what == SW_OPEN && (op->flags & PR_SHM_CREATE) != 0;
}
static PRBool sweep_op_excl(const sweep_op *op) {
  return sweep_op_creates(op) && (op->flags & PR_SHM_EXCL) != 0;
}
static PRBool sweep_op_exists(const sweep_op *op) { return op->before >= SB_SEGMENT; }
static PRBool sweep_op_closes(const sweep_op *op) { return op->what == SW_CLOSE; }

static const sweep_op *sweep_find(const char *label) {
  int i;
  for (i = 0; i < SWEEP_NOPS; i++)
    if (strcmp(sweep_ops[i].label, label) == 0) return &sweep_ops[i];
  t_fail(__FILE__, __LINE__, "no operation %s", label);
}

/* One case of the sweep: the operation, its segment and what it did. */
typedef struct sweep_ctx {
  const sweep_op *op;                 /* the operation */
  const char *name;                   /* the segment's name, absolute */
  const char *rel;                    /* the same name relative to "/", the current directory */
  PRSharedMemory *shm;                /* the setup's handle (SB_HANDLE and beyond) */
  void *addr;                         /* the setup's attachment (SB_ATTACHED) */
  PRSharedMemory *got;                /* the handle the operation opened */
  void *got_addr;                     /* the address the operation attached */
  unsigned long ino;                  /* the segment's inode, to count its mappings; 0 unknown */
  long base_fds;                      /* descriptors before the setup */
  long base_handles;                  /* open handles before the setup */
  long fds;                           /* descriptors just before the operation */
  long handles;                       /* open handles just before the operation */
  long maps;                          /* mappings of the segment just before the operation */
  char native[PRSHM_NATIVE_NAME_MAX]; /* what prshm_native_name() wrote */
  char desc[256];                     /* the case, for messages */
} sweep_ctx;

/* Cases run by the sweeps of this process, for the record. */
static long sweep_cases;

/* Fails the test, naming the case and printing its calls. */
_Noreturn static void sweep_fail(const sweep_ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void sweep_fail(const sweep_ctx *c, int line, const char *fmt, ...) {
  char msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "calls of the failing case:\n");
  fault_print_log(fault.log, fault.nlog);
  t_fail(__FILE__, line, "%s %s: %s", c->op->label, c->desc, msg);
}

#define SWEEP_CHECK(c, cond)                                           \
  do {                                                                 \
    if (!(cond)) sweep_fail((c), __LINE__, "CHECK(%s) failed", #cond); \
  } while (0)

#define SWEEP_CHECK_EQ(c, a, b)                                                                \
  do {                                                                                         \
    long long s_a_ = (long long)(a), s_b_ = (long long)(b);                                    \
    if (s_a_ != s_b_) sweep_fail((c), __LINE__, "%s == %s: %lld vs %lld", #a, #b, s_a_, s_b_); \
  } while (0)

/* Makes what the operation needs, with the real calls. */
static void sweep_setup(sweep_ctx *c) {
  c->shm = NULL;
  c->addr = NULL;
  c->got = NULL;
  c->got_addr = NULL;
  c->base_fds = t_open_descriptors();
  c->base_handles = (long)prshm__registry_count();
  if (c->op->before >= SB_SEGMENT)
    c->shm = obs_make(c->name, SWEEP_SIZE, c->op->before >= SB_HANDLE);
  if (c->op->before >= SB_ATTACHED) {
    c->addr = PR_AttachSharedMemory(c->shm, 0);
    CHECK_NOT_NULL(c->addr);
  }
  c->ino = obs_ino(c->name);
  c->fds = t_open_descriptors();
  c->handles = (long)prshm__registry_count();
  c->maps = obs_maps(c->ino);
}

/* Runs the operation; PR_TRUE if it succeeded. */
static PRBool sweep_run(sweep_ctx *c) {
  const sweep_op *op = c->op;

  switch (op->what) {
    case SW_OPEN:
      c->got = PR_OpenSharedMemory(c->rel, SWEEP_SIZE, op->flags, SWEEP_MODE);
      return c->got != NULL;
    case SW_ATTACH:
      c->got_addr = PR_AttachSharedMemory(c->shm, op->flags);
      return c->got_addr != NULL;
    case SW_DETACH:
      if (PR_DetachSharedMemory(c->shm, c->addr) != PR_SUCCESS) return PR_FALSE;
      c->addr = NULL;
      return PR_TRUE;
    case SW_CLOSE:
      return PR_CloseSharedMemory(c->shm) == PR_SUCCESS;
    case SW_DELETE:
      return PR_DeleteSharedMemory(c->rel) == PR_SUCCESS;
    case SW_NATIVE:
      return prshm_native_name(c->rel, c->native, sizeof c->native) == PR_SUCCESS;
  }
  return PR_FALSE;
}

/* The closing operation closed its handle, whatever it reported. */
static void sweep_closed(sweep_ctx *c) {
  if (c->op->what != SW_CLOSE) return;
  SWEEP_CHECK(c, PR_AttachSharedMemory(c->shm, 0) == NULL);
  SWEEP_CHECK_EQ(c, PR_GetError(), PR_INVALID_ARGUMENT_ERROR);
  c->shm = NULL;
}

/* Checks what a successful operation did. */
static void sweep_check_success(sweep_ctx *c, expect_how how) {
  const sweep_op *op = c->op;
  const long closed = op->what == SW_CLOSE ? 1 : 0;
  char expected[PRSHM_NATIVE_NAME_MAX];
  PRSize size = 0;
  char *p;

  SWEEP_CHECK_EQ(c, obs_strays(PR_TRUE), how == EX_OK_STRAY ? 1 : 0);
  switch (op->what) {
    case SW_OPEN:
      SWEEP_CHECK_EQ(c, t_open_descriptors(), c->fds + 1);
      SWEEP_CHECK_EQ(c, prshm__registry_count(), c->handles + 1);
      SWEEP_CHECK(c, prshm_get_size(c->got, &size) == PR_SUCCESS && size == SWEEP_SIZE);
      if (how == EX_OK_RO) {
        SWEEP_CHECK(c, PR_AttachSharedMemory(c->got, 0) == NULL);
        SWEEP_CHECK_EQ(c, PR_GetError(), PR_NO_ACCESS_RIGHTS_ERROR);
      }
      p = PR_AttachSharedMemory(c->got, how == EX_OK_RO ? PR_SHM_READONLY : 0);
      SWEEP_CHECK(c, p != NULL);
      if (sweep_op_exists(op))
        SWEEP_CHECK(c, strcmp(p, obs_marker) == 0);
      else
        SWEEP_CHECK(c, p[0] == 0 && p[SWEEP_SIZE - 1] == 0);
      SWEEP_CHECK(c, PR_DetachSharedMemory(c->got, p) == PR_SUCCESS);
      break;
    case SW_ATTACH:
      if (c->maps >= 0) SWEEP_CHECK_EQ(c, obs_maps(c->ino), c->maps + 1);
      SWEEP_CHECK(c, strcmp(c->got_addr, obs_marker) == 0);
      break;
    case SW_DETACH:
      if (c->maps >= 0) SWEEP_CHECK_EQ(c, obs_maps(c->ino), c->maps - 1);
      break;
    case SW_CLOSE:
    case SW_DELETE:
      break;
    case SW_NATIVE:
      SWEEP_CHECK(c, prshm_native_name(c->name, expected, sizeof expected) == PR_SUCCESS);
      SWEEP_CHECK(c, strcmp(c->native, expected) == 0);
      break;
  }
  if (op->what != SW_OPEN) {
    SWEEP_CHECK_EQ(c, t_open_descriptors(), c->fds - closed);
    SWEEP_CHECK_EQ(c, prshm__registry_count(), c->handles - closed);
  }
  if (op->what == SW_DELETE)
    SWEEP_CHECK(c, !obs_exists(c->name));
  else if (sweep_op_exists(op) || op->what == SW_OPEN)
    SWEEP_CHECK(c, obs_exists(c->name));
  sweep_closed(c);
}

/* Checks that a failed operation changed nothing and left nothing. With
 * may_remain, what it made may remain (removing it failed): it is removed
 * here. */
static void sweep_check_unchanged(sweep_ctx *c, PRBool may_remain) {
  const long closed = c->op->what == SW_CLOSE ? 1 : 0;

  SWEEP_CHECK_EQ(c, t_open_descriptors(), c->fds - closed);
  SWEEP_CHECK_EQ(c, prshm__registry_count(), c->handles - closed);
  if (c->maps >= 0) SWEEP_CHECK_EQ(c, obs_maps(c->ino), c->maps);
  if (may_remain) {
    (void)obs_strays(PR_TRUE);
    if (!sweep_op_exists(c->op)) (void)PR_DeleteSharedMemory(c->name);
  }
  SWEEP_CHECK_EQ(c, obs_strays(PR_FALSE), 0);
  if (sweep_op_exists(c->op))
    obs_check_marker(c->name);
  else
    SWEEP_CHECK(c, !obs_exists(c->name));
  sweep_closed(c);
}

/* Undoes everything, and checks that nothing leaked over the whole case. */
static void sweep_teardown(sweep_ctx *c) {
  if (c->got_addr != NULL) SWEEP_CHECK(c, PR_DetachSharedMemory(c->shm, c->got_addr) == PR_SUCCESS);
  if (c->addr != NULL) SWEEP_CHECK(c, PR_DetachSharedMemory(c->shm, c->addr) == PR_SUCCESS);
  if (c->got != NULL) SWEEP_CHECK(c, PR_CloseSharedMemory(c->got) == PR_SUCCESS);
  if (c->shm != NULL) SWEEP_CHECK(c, PR_CloseSharedMemory(c->shm) == PR_SUCCESS);
  (void)PR_DeleteSharedMemory(c->name);
  if (c->maps >= 0) SWEEP_CHECK_EQ(c, obs_maps(c->ino), 0);
  SWEEP_CHECK_EQ(c, t_open_descriptors(), c->base_fds);
  SWEEP_CHECK_EQ(c, prshm__registry_count(), c->base_handles);
  SWEEP_CHECK_EQ(c, obs_strays(PR_FALSE), 0);
}

/* Runs one case: the operation with `plans` injected must do what `ex`
 * says, leave nothing behind, and succeed once the faults are gone. */
static void sweep_case(sweep_ctx *c, const fault_plan *plans, int nplans, expectation ex) {
  PRErrorCode code;
  PRInt32 oserr;
  PRBool ok;
  int i;

  sweep_cases++;
  sweep_setup(c);
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  for (i = 0; i < nplans; i++) fault.plans[i] = plans[i];
  fault.nplans = nplans;
  ok = sweep_run(c);
  code = PR_GetError();
  oserr = PR_GetOSError();
  fault_end();
  /* A fault that never happened would prove nothing. */
  for (i = 0; i < nplans; i++)
    if (fault.plan_hits[i] == 0) sweep_fail(c, __LINE__, "fault %d was not injected", i);
  if (ex.how == EX_FAIL) {
    if (ok) sweep_fail(c, __LINE__, "succeeded; expected %s", PR_ErrorToName(ex.code));
    if (code != ex.code || oserr != ex.os_error)
      sweep_fail(c, __LINE__, "failed with %s, os error %d; expected %s, os error %d",
                 PR_ErrorToName(code), (int)oserr, PR_ErrorToName(ex.code), (int)ex.os_error);
    sweep_check_unchanged(c, ex.may_remain);
    /* The fault gone, the same operation succeeds (a close has already
     * released its handle). */
    if (c->op->what != SW_CLOSE) {
      if (!sweep_run(c))
        sweep_fail(c, __LINE__, "failed again without faults: %s, os error %d",
                   PR_ErrorToName(PR_GetError()), (int)PR_GetOSError());
      sweep_check_success(c, EX_OK);
    }
  } else {
    if (!ok)
      sweep_fail(c, __LINE__, "failed with %s, os error %d; expected success", PR_ErrorToName(code),
                 (int)oserr);
    sweep_check_success(c, ex.how);
  }
  sweep_teardown(c);
}

/* Fails, as a second fault, each call the library made after `call` failed
 * as `first` says (`after`, from the log of that case): clean-up calls, or
 * the calls of a retry or a fallback. */
static void sweep_second_faults(sweep_ctx *c, const fault_call *call, const fault_plan *first,
                                expectation ex, const fault_call *after, int nafter) {
  static const int second_errnos[] = {EIO, ENOMEM};
  fault_plan plans[2];
  expectation ex2;
  size_t k;
  int j;

  plans[0] = *first;
  for (j = 0; j < nafter; j++) {
    for (k = 0; k < sizeof second_errnos / sizeof second_errnos[0]; k++) {
      plans[1].entry = after[j].entry;
      plans[1].nth = after[j].ordinal;
      plans[1].times = 1;
      plans[1].kind = FK_COUNT;
      plans[1].err = second_errnos[k];
      if (ex.how == EX_FAIL) {
        /* Cleaning up must not change the error; if removing what was
         * made fails, that much may remain. */
        ex2 = ex;
        ex2.may_remain = after[j].entry == FE_UNLINK || after[j].entry == FE_SHM_UNLINK;
      } else {
        ex2 = expect(c->op, &after[j], second_errnos[k], PR_FALSE);
        if (ex2.how == EX_ELSEWHERE) continue;
      }
      snprintf(c->desc, sizeof c->desc, "%s#%ld %s failing %s, then %s#%ld failing %s",
               fault_entry_names[call->entry], call->ordinal, fault_kind_names[call->kind],
               strerror(first->err), fault_entry_names[after[j].entry], after[j].ordinal,
               strerror(second_errnos[k]));
      sweep_case(c, plans, 2, ex2);
    }
  }
}

/* Fails call `call` (of the clean run) with `err`, once and then for good,
 * and each call after the first fault as well. */
static void sweep_call(sweep_ctx *c, const fault_call *call, int err) {
  fault_call after[FAULT_LOG_MAX];
  fault_plan plan;
  expectation ex;
  int always, i, nafter;

  for (always = 0; always < 2; always++) {
    /* A call interrupted for ever is retried for ever. */
    if (always && err == EINTR) continue;
    ex = expect(c->op, call, err, always != 0);
    if (ex.how == EX_ELSEWHERE) continue;
    plan.entry = call->entry;
    plan.nth = call->ordinal;
    plan.times = always ? FAULT_ALWAYS : 1;
    plan.kind = always ? call->kind : FK_COUNT;
    plan.err = err;
    snprintf(c->desc, sizeof c->desc, "%s#%ld %s failing %s%s", fault_entry_names[call->entry],
             call->ordinal, fault_kind_names[call->kind], strerror(err),
             always ? " for good" : " once");
    sweep_case(c, &plan, 1, ex);
    if (always) continue;
    /* The calls made after the fault, in that run. */
    for (i = 0; i < fault.nlog && fault.log[i].failed == 0; i++) {
    }
    nafter = 0;
    for (i++; i < fault.nlog; i++) after[nafter++] = fault.log[i];
    sweep_second_faults(c, call, &plan, ex, after, nafter);
  }
}

/* Sweeps operation `label` on the segment `name`: a clean run discovers
 * its calls, then each is failed with each errno. */
static void sweep_op_run(const char *label, const char *name) {
  static fault_call clean[FAULT_LOG_MAX];
  sweep_ctx c;
  size_t k;
  int i, nclean;
  const int *extra;

  memset(&c, 0, sizeof c);
  c.op = sweep_find(label);
  c.name = name;
  c.rel = name + 1;
  CHECK_EQ(name[0], '/');
  CHECK_EQ(chdir("/"), 0);
  /* A first creation settles any process-wide fallback that this system
   * needs, so that the calls discovered next are the ones every case makes. */
  obs_make(name, SWEEP_SIZE, PR_FALSE);
  CHECK_OK(PR_DeleteSharedMemory(name));
  snprintf(c.desc, sizeof c.desc, "without faults");
  sweep_case(&c, NULL, 0, expect_is(EX_OK));
  nclean = fault.nlog;
  CHECK_INT(nclean, >, 0);
  memcpy(clean, fault.log, (size_t)nclean * sizeof clean[0]);
  for (i = 0; i < nclean; i++) {
    for (k = 0; k < sizeof expect_errnos / sizeof expect_errnos[0]; k++)
      sweep_call(&c, &clean[i], expect_errnos[k]);
    for (extra = expect_extra_errnos(&clean[i]); *extra != 0; extra++)
      sweep_call(&c, &clean[i], *extra);
  }
  printf("%s: %d calls, %ld cases so far\n", label, nclean, sweep_cases);
}

/* Sweeps every operation. */
static void sweep_all(void) {
  int i;
  for (i = 0; i < SWEEP_NOPS; i++) sweep_op_run(sweep_ops[i].label, t_name(sweep_ops[i].label));
}

/* ======================================================================
 * 5. The sweep's tests
 */

TEST(sweep_create_excl) { sweep_op_run("create_excl", t_name("faults")); }
TEST(sweep_create_sparse) { sweep_op_run("create_sparse", t_name("faults")); }
TEST(sweep_create_new) { sweep_op_run("create_new", t_name("faults")); }
TEST(sweep_create_existing) { sweep_op_run("create_existing", t_name("faults")); }
TEST(sweep_open_existing) { sweep_op_run("open_existing", t_name("faults")); }
TEST(sweep_attach_rw) { sweep_op_run("attach_rw", t_name("faults")); }
TEST(sweep_attach_ro) { sweep_op_run("attach_ro", t_name("faults")); }
TEST(sweep_detach) { sweep_op_run("detach", t_name("faults")); }
TEST(sweep_close) { sweep_op_run("close", t_name("faults")); }
TEST(sweep_delete) { sweep_op_run("delete", t_name("faults")); }
TEST(sweep_native_name) { sweep_op_run("native_name", t_name("faults")); }

/* The PRSHM_DIR directory of this process, if it made one. */
static char in_dir_path[PATH_MAX];

/* At exit, even a failing one: empties and removes the directory. */
static void in_dir_remove(void) {
  char path[PATH_MAX + 256];
  struct dirent *e;
  DIR *d = opendir(in_dir_path);

  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof path, "%s/%s", in_dir_path, e->d_name);
    (void)unlink(path);
  }
  closedir(d);
  (void)rmdir(in_dir_path);
}

/* Makes a fresh directory for PRSHM_DIR and sets it, before the first
 * prshm call of this process. */
static void in_dir_begin(void) {
  snprintf(in_dir_path, sizeof in_dir_path, "/tmp/prshm-faults-%ld-XXXXXX", t_pid());
  CHECK_NOT_NULL(mkdtemp(in_dir_path));
  CHECK_EQ(atexit(in_dir_remove), 0);
  CHECK_EQ(setenv(PRSHM_DIR_ENV, in_dir_path, 1), 0);
}

/* Removes the directory: it fails if anything was left in it. */
static void in_dir_end(void) {
  t_cleanup();
  CHECK_EQ(rmdir(in_dir_path), 0);
}

/* Forces this process onto the temporary-name path of the Linux backend:
 * the O_TMPFILE open of one creation reports it unsupported. */
static void force_temp_name_path(void) {
  const char *name = t_name("force");
  PRSharedMemory *shm;

  fault_begin();
  fault_fail_kind(FE_OPEN, 1, 1, FK_OPEN_TMPFILE, EOPNOTSUPP);
  shm = PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TEMP, 0), 1);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* Forces this process onto the /proc/self/fd path of the Linux backend:
 * linkat() with AT_EMPTY_PATH reports ENOENT once. */
static void force_proc_fd_path(void) {
  const char *name = t_name("force");
  PRSharedMemory *shm;

  fault_begin();
  fault_fail_kind(FE_LINKAT, 1, 1, FK_LINK_EMPTY, ENOENT);
  shm = PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault_calls(FE_LINKAT, FK_LINK_PROC, 0), 1);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* Forces this process onto the temporary name linked, then removed: no
 * O_TMPFILE, and renaming without replacing refused (EINVAL) once. */
static void force_temp_link_path(void) {
  const char *name = t_name("force");
  PRSharedMemory *shm;

  force_temp_name_path();
  fault_begin();
  fault_fail(FE_RENAME, 1, 1, EINVAL);
  shm = PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault_calls(FE_LINKAT, FK_LINK_TEMP, 0), 1);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* The sweep of every operation in a child: argv[0] "dir" (under PRSHM_DIR),
 * "temp", "templink" or "proc" (Linux, after that fallback is
 * remembered). */
CHILD(sweep_in) {
  if (argc != 1) return 2;
  if (strcmp(argv[0], "dir") == 0) {
    in_dir_begin();
    sweep_all();
    in_dir_end();
    return 0;
  }
  if (strcmp(argv[0], "temp") == 0)
    force_temp_name_path();
  else if (strcmp(argv[0], "templink") == 0)
    force_temp_link_path();
  else if (strcmp(argv[0], "proc") == 0)
    force_proc_fd_path();
  else
    return 2;
  sweep_all();
  t_cleanup();
  return 0;
}

static void sweep_in_child(const char *how) {
  const char *args[] = {how, NULL};
  CHECK_EQ(t_wait(t_spawn("sweep_in", args)), 0);
}

TEST(sweep_under_prshm_dir) { sweep_in_child("dir"); }

TEST(sweep_after_temp_name_fallback) {
  if (!obs_linux()) SKIP("the temporary-name fallback is the Linux backend's");
  sweep_in_child("temp");
}

TEST(sweep_after_temp_link_fallback) {
  if (!obs_linux()) SKIP("the temporary-name fallback is the Linux backend's");
  sweep_in_child("templink");
}

TEST(sweep_after_proc_fd_fallback) {
  if (!obs_linux()) SKIP("the /proc/self/fd fallback is the Linux backend's");
  sweep_in_child("proc");
}

/* ======================================================================
 * 6. Specific paths
 */

/* Counts the calls `label` makes of `entry` when not failing, and when the
 * first of them is interrupted once: the interrupted one is made again. */
static void eintr_retried(const char *label, fault_entry entry, fault_kind kind) {
  sweep_ctx c;
  long clean;
  int first;

  memset(&c, 0, sizeof c);
  c.op = sweep_find(label);
  c.name = t_name("eintr");
  c.rel = c.name + 1;
  CHECK_EQ(chdir("/"), 0);
  snprintf(c.desc, sizeof c.desc, "without faults");
  sweep_case(&c, NULL, 0, expect_is(EX_OK));
  clean = fault_calls(entry, kind, 0);
  first = fault_first(entry, kind);
  CHECK_INT(first, >=, 0);
  {
    fault_plan plan = {entry, 0, 1, FK_COUNT, EINTR};
    plan.nth = fault.log[first].ordinal;
    snprintf(c.desc, sizeof c.desc, "%s interrupted", fault_entry_names[entry]);
    sweep_case(&c, &plan, 1, expect_is(EX_OK));
  }
  CHECK_EQ(fault_calls(entry, kind, 0), clean + 1);
  CHECK_EQ(fault.log[first].failed, EINTR);
  CHECK_EQ(fault.log[first + 1].entry, entry);
  CHECK_EQ(fault.log[first + 1].failed, 0);
}

TEST(eintr_retried_open_existing) {
  eintr_retried("open_existing", obs_linux() ? FE_OPEN : FE_SHM_OPEN, FK_OPEN_RW);
}

TEST(eintr_retried_open_create) {
  if (obs_linux())
    eintr_retried("create_excl", FE_OPEN, FK_OPEN_TMPFILE);
  else
    eintr_retried("create_excl", FE_SHM_OPEN, FK_OPEN_CREATE);
}

TEST(eintr_retried_reserve) { eintr_retried("create_excl", FE_RESERVE, FK_COUNT); }
TEST(eintr_retried_ftruncate) { eintr_retried("create_sparse", FE_FTRUNCATE, FK_COUNT); }

/* The in-use flock() is the portable backend's alone (an open handle marks the segment in use): the
 * Linux backend's handles take none, which flock_only_where_handles_lock
 * checks; these cases of its lock skip there. */
static void need_handle_lock(void) {
  if (!prshm__unix_handles_lock)
    SKIP("this backend's handles take no flock() (a tool's write lease sees them instead)");
}

TEST(eintr_retried_flock_on_open) {
  need_handle_lock();
  eintr_retried("open_existing", FE_FLOCK, FK_COUNT);
}

TEST(eintr_retried_flock_on_create) {
  need_handle_lock();
  eintr_retried("create_excl", FE_FLOCK, FK_COUNT);
}

/* The flock() calls operation `label` makes, in a clean run. */
static long flock_calls_of(const char *label, const char *name) {
  sweep_ctx c;

  memset(&c, 0, sizeof c);
  c.op = sweep_find(label);
  c.name = name;
  c.rel = name + 1;
  CHECK_EQ(chdir("/"), 0);
  snprintf(c.desc, sizeof c.desc, "without faults");
  sweep_case(&c, NULL, 0, expect_is(EX_OK));
  return fault_calls(FE_FLOCK, FK_COUNT, 0);
}

/* Every open and create of the portable backend takes the in-use lock
 * once; the Linux backend's take none, so that opening costs exactly the
 * calls of a raw shm_open() cycle; nothing else ever locks. */
TEST(flock_only_where_handles_lock) {
  const char *name = t_name("flocks");
  int i;

  CHECK_EQ(prshm__unix_handles_lock, !obs_linux());
  for (i = 0; i < SWEEP_NOPS; i++) {
    const sweep_op *op = &sweep_ops[i];
    long expected = prshm__unix_handles_lock && op->what == SW_OPEN ? 1 : 0;
    long got = flock_calls_of(op->label, name);
    if (got != expected)
      t_fail(__FILE__, __LINE__, "%s: %ld flock() calls, expected %ld", op->label, got, expected);
  }
  if (obs_linux()) {
    /* Opening an existing segment by its absolute name: its open() and the
     * fstat() that reads its size, nothing more. */
    PRSharedMemory *shm;
    obs_make(name, SWEEP_SIZE, PR_FALSE);
    fault_begin();
    shm = PR_OpenSharedMemory(name, 0, 0, 0);
    fault_end();
    CHECK_NOT_NULL(shm);
    if (fault.nlog != 2) fault_print_log(fault.log, fault.nlog);
    CHECK_EQ(fault.nlog, 2);
    CHECK_EQ(fault.log[0].entry, FE_OPEN);
    CHECK_EQ(fault.log[0].kind, FK_OPEN_RW);
    CHECK_EQ(fault.log[1].entry, FE_FSTAT);
    CHECK_OK(PR_CloseSharedMemory(shm));
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
}

/* Bounds of a bounded wait, in total requested sleep: long enough to let a
 * tool's check or a creator's sizing finish, short enough that a caller is
 * never stalled for long. */
#define WAIT_MIN_MS 250
#define WAIT_MAX_MS 5000

static void check_wait_bounded(void) {
  CHECK_INT(fault.sleeps, >, 1);
  CHECK_INT(fault.slept_ms, >=, WAIT_MIN_MS);
  CHECK_INT(fault.slept_ms, <=, WAIT_MAX_MS);
}

/* A tool holds the segment exclusively for ever: the opener gives up. */
TEST(flock_busy_forever_on_open) {
  const char *name = t_name("busy");
  long fds;

  need_handle_lock();
  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fds = t_open_descriptors();
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault_fail(FE_FLOCK, 1, FAULT_ALWAYS, EWOULDBLOCK);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  fault_end();
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(PR_GetOSError(), EWOULDBLOCK);
  check_wait_bounded();
  CHECK_EQ(fault_calls(FE_NANOSLEEP, FK_COUNT, 0), fault.sleeps);
  CHECK_EQ(fault_calls(FE_FLOCK, FK_COUNT, 0), fault.sleeps + 1);
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(prshm__registry_count(), 0);
  obs_check_marker(name);
}

/* The same while creating: nothing is left under the name. */
TEST(flock_busy_forever_on_create) {
  const char *name = t_name("busy");
  long fds = t_open_descriptors();

  need_handle_lock();
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault_fail(FE_FLOCK, 1, FAULT_ALWAYS, EWOULDBLOCK);
  CHECK(PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  fault_end();
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(PR_GetOSError(), EWOULDBLOCK);
  check_wait_bounded();
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK(!obs_exists(name));
  CHECK_EQ(obs_strays(PR_FALSE), 0);
}

/* Held for a moment: the opener waits and succeeds; an interrupted pause
 * is resumed. */
TEST(flock_busy_briefly_then_free) {
  const char *name = t_name("busy");
  PRSharedMemory *shm;

  need_handle_lock();
  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault_fail(FE_FLOCK, 1, 3, EWOULDBLOCK);
  fault_fail(FE_NANOSLEEP, 2, 1, EINTR);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault_calls(FE_FLOCK, FK_COUNT, 0), 4);
  CHECK_EQ(fault.sleeps, 3);
  CHECK_EQ(fault_calls(FE_NANOSLEEP, FK_COUNT, 0), 4);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* The entry through which an existing segment is opened here. */
static fault_entry lease_opener(void) {
  return obs_linux() || getenv(PRSHM_DIR_ENV) != NULL ? FE_OPEN : FE_SHM_OPEN;
}

/* A tool's write lease (list.c) fails a non-blocking open with
 * EWOULDBLOCK; held for ever, the opener gives up after a bounded wait,
 * holding nothing. (The portable backend's shm_open() does not use
 * O_NONBLOCK and waits in the kernel instead, but takes the same path if
 * the system reports it.) */
TEST(lease_busy_forever_on_open) {
  const char *name = t_name("lease");
  long fds;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fds = t_open_descriptors();
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault_fail_kind(lease_opener(), 1, FAULT_ALWAYS, FK_OPEN_RW, EWOULDBLOCK);
  CHECK(PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE, 0600) == NULL);
  fault_end();
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(PR_GetOSError(), 0);
  check_wait_bounded();
  CHECK_INT(fault_calls(lease_opener(), FK_OPEN_RW, 0), >, 1);
  CHECK_EQ(fault_calls(FE_FSTAT, FK_COUNT, 0), 0);
  CHECK_EQ(fault_calls(lease_opener(), FK_OPEN_TMPFILE, 0), 0);
  CHECK_EQ(fault_calls(lease_opener(), FK_OPEN_CREATE, 0), 0);
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(prshm__registry_count(), 0);
  obs_check_marker(name);
}

/* Held for a moment: the opener waits and opens the segment (never
 * creating another in its place). */
TEST(lease_busy_briefly_then_free) {
  const char *name = t_name("lease");
  PRSharedMemory *shm;
  char *p;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault_fail_kind(lease_opener(), 1, 3, FK_OPEN_RW, EWOULDBLOCK);
  shm = PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE, 0600);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault_calls(lease_opener(), FK_OPEN_RW, 0), 4);
  CHECK_EQ(fault.sleeps, 3);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, obs_marker);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* A segment still of size 0 (its creator is sizing it) is waited for. */
TEST(size_zero_briefly_then_sized) {
  const char *name = t_name("sizing");
  PRSharedMemory *shm;
  PRSize size = 0;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault.size0 = 3;
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault.sleeps, 3);
  CHECK_EQ(fault_calls(FE_FSTAT, FK_COUNT, 0), 4);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, SWEEP_SIZE);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* A segment that stays at size 0 (its creator died, or is not prshm) is
 * reported busy after a bounded wait, and never mapped. */
TEST(size_zero_forever_is_busy) {
  const char *name = t_name("sizing");
  long fds;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fds = t_open_descriptors();
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault.size0 = FAULT_ALWAYS;
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  fault_end();
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(PR_GetOSError(), 0);
  check_wait_bounded();
  CHECK_EQ(fault_calls(FE_MMAP, FK_COUNT, 0), 0);
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(prshm__registry_count(), 0);
}

/* A segment under two names for an instant (linux.c's temporary-name
 * creation links the final name before it removes the temporary one) is
 * waited for like one not yet sized. */
TEST(second_name_briefly_is_waited_for) {
  const char *name = t_name("links");
  PRSharedMemory *shm;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault.nlink2 = 2;
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault.sleeps, 2);
  CHECK_EQ(fault_calls(FE_FSTAT, FK_COUNT, 0), 3);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* A file that stays under two names (a hard link) is not a segment: two
 * names must never share memory. Refused after the bounded wait, holding
 * nothing, and never mapped. */
TEST(second_name_forever_is_not_a_segment) {
  const char *name = t_name("links");
  long fds;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fds = t_open_descriptors();
  fault_begin();
  fault.fake_sleep = PR_TRUE;
  fault.nlink2 = FAULT_ALWAYS;
  CHECK(PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE, 0600) == NULL);
  fault_end();
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK_EQ(PR_GetOSError(), EMLINK);
  check_wait_bounded();
  CHECK_EQ(fault_calls(FE_MMAP, FK_COUNT, 0), 0);
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(prshm__registry_count(), 0);
}

/* Deleted between open and lock (fstat() says no name is left): the
 * opener lets go of that descriptor and opens the name again. */
static void nlink_zero_once(void) {
  const char *name = t_name("nlink");
  fault_entry opener = obs_linux() || getenv(PRSHM_DIR_ENV) != NULL ? FE_OPEN : FE_SHM_OPEN;
  PRSharedMemory *shm;
  long fds;
  int first_close;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fds = t_open_descriptors();
  fault_begin();
  fault.nlink0 = 1;
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault_calls(opener, FK_OPEN_RW, 0), 2);
  first_close = fault_first(FE_CLOSE, FK_COUNT);
  CHECK_INT(first_close, >, fault_first(FE_FSTAT, FK_COUNT));
  CHECK_EQ(fault_calls(opener, FK_OPEN_RW, first_close), 1);
  CHECK_EQ(t_open_descriptors(), fds + 1);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_EQ(t_open_descriptors(), fds);
}

/* ... and if that keeps happening, gives up after a bounded number of
 * attempts, holding nothing. */
static void nlink_zero_forever(void) {
  const char *name = t_name("nlink");
  fault_entry opener = obs_linux() || getenv(PRSHM_DIR_ENV) != NULL ? FE_OPEN : FE_SHM_OPEN;
  long fds;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fds = t_open_descriptors();
  fault_begin();
  fault.nlink0 = FAULT_ALWAYS;
  CHECK(PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE, 0600) == NULL);
  fault_end();
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_INT(fault_calls(opener, FK_OPEN_RW, 0), >, 1);
  CHECK_EQ(fault_calls(opener, FK_OPEN_RW, 0), fault_calls(FE_CLOSE, FK_COUNT, 0));
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(prshm__registry_count(), 0);
  obs_check_marker(name);
}

/* Runs an nlink case. On Linux shm_open() objects are files in /dev/shm,
 * whose link count both backends trust; elsewhere they have no link count
 * to trust, so the portable backend checks it only under PRSHM_DIR: run it
 * there. */
CHILD(nlink_in_dir) {
  if (argc != 1) return 2;
  in_dir_begin();
  if (strcmp(argv[0], "once") == 0)
    nlink_zero_once();
  else
    nlink_zero_forever();
  in_dir_end();
  return 0;
}

static void nlink_case(const char *which, void (*fn)(void)) {
  const char *args[] = {which, NULL};
#if defined(__linux__)
  (void)args;
  fn();
#else
  CHECK_EQ(t_wait(t_spawn("nlink_in_dir", args)), 0);
#endif
}

TEST(nlink_zero_reopens) { nlink_case("once", nlink_zero_once); }
TEST(nlink_zero_forever_is_busy) { nlink_case("forever", nlink_zero_forever); }
TEST(nlink_zero_under_prshm_dir) {
  const char *once[] = {"once", NULL}, *forever[] = {"forever", NULL};
  CHECK_EQ(t_wait(t_spawn("nlink_in_dir", once)), 0);
  CHECK_EQ(t_wait(t_spawn("nlink_in_dir", forever)), 0);
}

/* The name is taken by something that is not a segment (a FIFO made by
 * another program): PR_INVALID_STATE_ERROR, and nothing is held. */
TEST(fstat_not_regular_is_invalid_state) {
  const char *name = t_name("fifo");
  long fds;

  obs_make(name, SWEEP_SIZE, PR_FALSE);
  fds = t_open_descriptors();
  fault_begin();
  fault.fifo = FAULT_ALWAYS;
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  fault_end();
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK_EQ(fault_calls(FE_MMAP, FK_COUNT, 0), 0);
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(prshm__registry_count(), 0);
  obs_check_marker(name);
}

/* The default reserve entry reports its failures by errno, whatever the
 * OS call reports them by (posix_fallocate() returns its error). */
TEST(sys_reserve_reports_errno) {
  int fds[2];

  errno = 0;
  CHECK_EQ(prshm__sys_reserve(-1, 0, SWEEP_SIZE), -1);
  CHECK_EQ(errno, EBADF);
  CHECK_EQ(pipe(fds), 0);
  errno = 0;
  CHECK_EQ(prshm__sys_reserve(fds[1], 0, SWEEP_SIZE), -1);
  CHECK_EQ(errno, ESPIPE);
  CHECK_EQ(close(fds[0]), 0);
  CHECK_EQ(close(fds[1]), 0);
}

/* getcwd() failing for a relative name fails open, delete and
 * prshm_native_name() alike, with `code`. */
static void getcwd_fails(int err, PRErrorCode code) {
  const char *name = t_name("cwd");
  char buf[PRSHM_NATIVE_NAME_MAX];
  long fds = t_open_descriptors();

  CHECK_EQ(chdir("/"), 0);
  fault_begin();
  fault_fail(FE_GETCWD, 1, FAULT_ALWAYS, err);
  CHECK(PR_OpenSharedMemory(name + 1, SWEEP_SIZE, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(code);
  CHECK_EQ(PR_GetOSError(), err);
  CHECK(PR_DeleteSharedMemory(name + 1) == PR_FAILURE);
  CHECK_ERROR(code);
  CHECK_EQ(PR_GetOSError(), err);
  CHECK(prshm_native_name(name + 1, buf, sizeof buf) == PR_FAILURE);
  CHECK_ERROR(code);
  CHECK_EQ(PR_GetOSError(), err);
  /* Absolute names do not need the current directory. */
  CHECK_OK(prshm_native_name(name, buf, sizeof buf));
  fault_end();
  CHECK_EQ(fault.nlog, 3);
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK(!obs_exists(name));
}

TEST(getcwd_erange_is_name_too_long) { getcwd_fails(ERANGE, PR_NAME_TOO_LONG_ERROR); }
TEST(getcwd_enoent_is_file_not_found) { getcwd_fails(ENOENT, PR_FILE_NOT_FOUND_ERROR); }
TEST(getcwd_eacces_is_no_access) { getcwd_fails(EACCES, PR_NO_ACCESS_RIGHTS_ERROR); }

/* No room to map: the attach fails, and the handle stays fully usable. */
TEST(mmap_enomem_keeps_handle_usable) {
  const char *name = t_name("mmap");
  PRSharedMemory *shm = obs_make(name, SWEEP_SIZE, PR_TRUE);
  unsigned long ino = obs_ino(name);
  long maps = obs_maps(ino);
  char *p;

  fault_begin();
  fault_fail(FE_MMAP, 1, 1, ENOMEM);
  CHECK(PR_AttachSharedMemory(shm, 0) == NULL);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  CHECK_EQ(PR_GetOSError(), ENOMEM);
  CHECK_EQ(obs_maps(ino), maps);
  p = PR_AttachSharedMemory(shm, 0);
  fault_end();
  CHECK_NOT_NULL(p);
  CHECK_STR(p, obs_marker);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* munmap() failing leaves the memory mapped: the detach reports it, and
 * the address stays attached so that a later detach can release it. */
TEST(munmap_failure_keeps_attachment) {
  const char *name = t_name("munmap");
  PRSharedMemory *shm = obs_make(name, SWEEP_SIZE, PR_TRUE);
  unsigned long ino = obs_ino(name);
  char *p = PR_AttachSharedMemory(shm, 0);
  long maps;

  CHECK_NOT_NULL(p);
  maps = obs_maps(ino);
  fault_begin();
  fault_fail(FE_MUNMAP, 1, 1, ENOMEM);
  CHECK(PR_DetachSharedMemory(shm, p) == PR_FAILURE);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  CHECK_EQ(PR_GetOSError(), ENOMEM);
  fault_end();
  CHECK_EQ(obs_maps(ino), maps);
  CHECK_STR(p, obs_marker);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  if (maps >= 0) CHECK_EQ(obs_maps(ino), maps - 1);
  CHECK(PR_DetachSharedMemory(shm, p) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* close() reporting an I/O error: the handle is released all the same
 * (the descriptor is gone), and the error is reported. */
TEST(close_eio_reports_and_releases) {
  const char *name = t_name("close");
  PRSharedMemory *shm = obs_make(name, SWEEP_SIZE, PR_TRUE);
  long fds = t_open_descriptors();
  size_t handles = prshm__registry_count();

  fault_begin();
  fault_fail(FE_CLOSE, 1, 1, EIO);
  CHECK(PR_CloseSharedMemory(shm) == PR_FAILURE);
  fault_end();
  CHECK_ERROR(PR_IO_ERROR);
  CHECK_EQ(PR_GetOSError(), EIO);
  CHECK_EQ(t_open_descriptors(), fds - 1);
  CHECK_EQ(prshm__registry_count(), handles - 1);
  CHECK(PR_CloseSharedMemory(shm) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
}

/* close() interrupted: the descriptor is closed; not retried (it could
 * close another thread's new descriptor); success. */
TEST(close_eintr_is_success) {
  const char *name = t_name("close");
  PRSharedMemory *shm = obs_make(name, SWEEP_SIZE, PR_TRUE);
  long fds = t_open_descriptors();

  fault_begin();
  fault_fail(FE_CLOSE, 1, 1, EINTR);
  CHECK_OK(PR_CloseSharedMemory(shm));
  fault_end();
  CHECK_EQ(fault_calls(FE_CLOSE, FK_COUNT, 0), 1);
  CHECK_EQ(t_open_descriptors(), fds - 1);
  CHECK_EQ(prshm__registry_count(), 0);
}

/* Portable: a system that cannot reserve sizes the segment with
 * ftruncate() instead. */
TEST(portable_reserve_unsupported_sizes_by_ftruncate) {
  const char *name = t_name("reserve");
  PRSharedMemory *shm;
  PRSize size = 0;

  if (obs_linux()) SKIP("the Linux backend reports a failed reservation (sweep_create_excl)");
  fault_begin();
  fault_fail(FE_RESERVE, 1, 1, EOPNOTSUPP);
  shm = PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  fault_end();
  CHECK_NOT_NULL(shm);
  CHECK_EQ(fault_calls(FE_FTRUNCATE, FK_COUNT, 0), 1);
  CHECK_INT(fault_first(FE_FTRUNCATE, FK_COUNT), >, fault_first(FE_RESERVE, FK_COUNT));
  CHECK_OK(PR_CloseSharedMemory(shm));
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, SWEEP_SIZE);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* ---- Linux: the remembered fallbacks, each in a fresh child ---- */

/* The size and mode a fallback creation must have given its file before
 * it gets its name. */
static char atomic_target[PATH_MAX + PRSHM_NATIVE_NAME_MAX];
static int atomic_probed;

/* Runs just before the temporary name is linked under the segment's name:
 * the name must not exist yet, and the file must be complete. */
static void atomic_probe(const char *temp, const char *path) {
  struct stat st;

  CHECK_STR(path, atomic_target);
  CHECK(stat(path, &st) != 0 && errno == ENOENT);
  CHECK_EQ(stat(temp, &st), 0);
  CHECK_EQ(st.st_size, SWEEP_SIZE);
  CHECK_EQ(st.st_mode & 0777, SWEEP_MODE);
  CHECK_INT((long long)st.st_blocks * 512, >=, SWEEP_SIZE);
  atomic_probed++;
}

/* Creates `name` in the current mode and checks it is complete. */
static void create_and_check(const char *name) {
  PRSharedMemory *shm =
      PR_OpenSharedMemory(name, SWEEP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, SWEEP_MODE);
  PRSize size = 0;

  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, SWEEP_SIZE);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* O_TMPFILE unsupported (argv[0]: "EOPNOTSUPP" or "EISDIR"): the creation
 * falls back to a temporary name, still atomically, and the next creation
 * goes there at once. */
CHILD(tmpfile_unsupported) {
  const char *name = t_name("tmpfile"), *name2 = t_name("tmpfile2");
  int err;

  if (argc != 1) return 2;
  err = strcmp(argv[0], "EISDIR") == 0 ? EISDIR : EOPNOTSUPP;
  obs_path(name, atomic_target, sizeof atomic_target);
  fault_begin();
  fault_fail_kind(FE_OPEN, 1, 1, FK_OPEN_TMPFILE, err);
  fault_hook_before(FE_RENAME, FK_COUNT, atomic_probe);
  create_and_check(name);
  fault_end();
  CHECK_EQ(atomic_probed, 1);
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TMPFILE, 0), 1);
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TEMP, 0), 1);
  /* Renamed, never linked: the file is never under two names. */
  CHECK_EQ(fault_calls(FE_RENAME, FK_COUNT, 0), 1);
  CHECK_EQ(fault_calls(FE_LINKAT, FK_COUNT, 0), 0);
  CHECK_EQ(fault_calls(FE_UNLINK, FK_UNLINK_TEMP, 0), 0);
  CHECK_EQ(obs_strays(PR_FALSE), 0);
  /* Remembered: no O_TMPFILE attempt any more. */
  obs_path(name2, atomic_target, sizeof atomic_target);
  fault_begin();
  fault_hook_before(FE_RENAME, FK_COUNT, atomic_probe);
  create_and_check(name2);
  fault_end();
  CHECK_EQ(atomic_probed, 2);
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TMPFILE, 0), 0);
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TEMP, 0), 1);
  CHECK_EQ(obs_strays(PR_FALSE), 0);
  t_cleanup();
  return 0;
}

static void linux_child(const char *child, const char *arg) {
  const char *args[] = {arg, NULL};
  if (!obs_linux()) SKIP("a fallback of the Linux backend");
  CHECK_EQ(t_wait(t_spawn(child, arg != NULL ? args : NULL)), 0);
}

TEST(tmpfile_eopnotsupp_falls_back_to_temp_name) {
  linux_child("tmpfile_unsupported", "EOPNOTSUPP");
}
TEST(tmpfile_eisdir_falls_back_to_temp_name) { linux_child("tmpfile_unsupported", "EISDIR"); }

/* linkat(AT_EMPTY_PATH) not permitted (ENOENT): /proc/self/fd is used,
 * now and for every later creation. */
CHILD(link_empty_path_enoent) {
  const char *name = t_name("link"), *name2 = t_name("link2");

  (void)argc;
  (void)argv;

  fault_begin();
  fault_fail_kind(FE_LINKAT, 1, 1, FK_LINK_EMPTY, ENOENT);
  create_and_check(name);
  fault_end();
  CHECK_EQ(fault_calls(FE_LINKAT, FK_LINK_EMPTY, 0), 1);
  CHECK_EQ(fault_calls(FE_LINKAT, FK_LINK_PROC, 0), 1);
  CHECK_INT(fault_first(FE_LINKAT, FK_LINK_PROC), >, fault_first(FE_LINKAT, FK_LINK_EMPTY));
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TEMP, 0), 0);
  fault_begin();
  create_and_check(name2);
  fault_end();
  CHECK_EQ(fault_calls(FE_LINKAT, FK_LINK_EMPTY, 0), 0);
  CHECK_EQ(fault_calls(FE_LINKAT, FK_LINK_PROC, 0), 1);
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TMPFILE, 0), 1);
  CHECK_EQ(obs_strays(PR_FALSE), 0);
  t_cleanup();
  return 0;
}

TEST(link_empty_path_enoent_uses_proc_fd) { linux_child("link_empty_path_enoent", NULL); }

/* Neither way of linking a descriptor works (no privilege, no /proc): the
 * unnamed file is dropped and the temporary name used, from then on. */
CHILD(link_proc_fd_enoent) {
  const char *name = t_name("link"), *name2 = t_name("link2");
  long fds = t_open_descriptors();

  (void)argc;
  (void)argv;

  obs_path(name, atomic_target, sizeof atomic_target);
  fault_begin();
  fault_fail_kind(FE_LINKAT, 1, 1, FK_LINK_EMPTY, ENOENT);
  fault_fail_kind(FE_LINKAT, 1, 1, FK_LINK_PROC, ENOENT);
  fault_hook_before(FE_RENAME, FK_COUNT, atomic_probe);
  create_and_check(name);
  fault_end();
  CHECK_EQ(atomic_probed, 1);
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TMPFILE, 0), 1);
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TEMP, 0), 1);
  CHECK_EQ(fault_calls(FE_RENAME, FK_COUNT, 0), 1);
  /* The unnamed file's descriptor was closed before the fallback. */
  CHECK_INT(fault_first(FE_CLOSE, FK_COUNT), <, fault_first(FE_OPEN, FK_OPEN_TEMP));
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(obs_strays(PR_FALSE), 0);
  fault_begin();
  create_and_check(name2);
  fault_end();
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TMPFILE, 0), 0);
  CHECK_EQ(fault_calls(FE_RENAME, FK_COUNT, 0), 1);
  CHECK_EQ(fault_calls(FE_LINKAT, FK_COUNT, 0), 0);
  CHECK_EQ(obs_strays(PR_FALSE), 0);
  t_cleanup();
  return 0;
}

TEST(link_proc_fd_enoent_uses_temp_name) { linux_child("link_proc_fd_enoent", NULL); }

/* A file system that cannot rename without replacing (EINVAL): the
 * temporary name is linked under the segment's name and then removed,
 * from then on. */
CHILD(rename_noreplace_unsupported) {
  const char *name = t_name("rename"), *name2 = t_name("rename2");

  (void)argc;
  (void)argv;
  force_temp_name_path();
  obs_path(name, atomic_target, sizeof atomic_target);
  fault_begin();
  fault_fail(FE_RENAME, 1, 1, EINVAL);
  fault_hook_before(FE_LINKAT, FK_LINK_TEMP, atomic_probe);
  create_and_check(name);
  fault_end();
  CHECK_EQ(atomic_probed, 1);
  CHECK_EQ(fault_calls(FE_RENAME, FK_COUNT, 0), 1);
  CHECK_EQ(fault_calls(FE_LINKAT, FK_LINK_TEMP, 0), 1);
  CHECK_INT(fault_first(FE_UNLINK, FK_UNLINK_TEMP), >, fault_first(FE_LINKAT, FK_LINK_TEMP));
  CHECK_EQ(obs_strays(PR_FALSE), 0);
  fault_begin();
  create_and_check(name2);
  fault_end();
  CHECK_EQ(fault_calls(FE_RENAME, FK_COUNT, 0), 0);
  CHECK_EQ(fault_calls(FE_LINKAT, FK_LINK_TEMP, 0), 1);
  CHECK_EQ(obs_strays(PR_FALSE), 0);
  t_cleanup();
  return 0;
}

TEST(rename_unsupported_links_the_temp_name) { linux_child("rename_noreplace_unsupported", NULL); }

/* ---- Losing the creation race to another process ---- */

/* The segment's name, for the rival; whether creation takes the temporary
 * name (whose last step is a rename, not a link). */
static const char *race_name;
static PRBool race_temp_path;

/* Another process creates the segment, with "rival" in it. */
CHILD(rival) {
  PRSharedMemory *shm;
  char *p;

  if (argc != 1) return 2;
  shm = PR_OpenSharedMemory(argv[0], SWEEP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (shm == NULL) return 3;
  p = PR_AttachSharedMemory(shm, 0);
  if (p == NULL) return 4;
  strcpy(p, "rival");
  if (PR_DetachSharedMemory(shm, p) != PR_SUCCESS) return 5;
  return PR_CloseSharedMemory(shm) == PR_SUCCESS ? 0 : 6;
}

/* Runs just before this process gives the segment its name: the rival
 * gets there first. */
static void race_rival(const char *path, const char *path2) {
  const char *args[] = {race_name, NULL};
  (void)path;
  (void)path2;
  CHECK_EQ(t_wait(t_spawn("rival", args)), 0);
}

/* Loses the race with `flags`: CREATE opens the winner's segment,
 * CREATE|EXCL fails with PR_FILE_EXISTS_ERROR; nothing of this process's
 * attempt remains. */
static void race_lost(int flags) {
  const char *name = t_name("race");
  PRSharedMemory *shm;
  long fds = t_open_descriptors();
  char *p;

  race_name = name;
  fault_begin();
  if (obs_linux())
    fault_hook_before(race_temp_path ? FE_RENAME : FE_LINKAT, FK_COUNT, race_rival);
  else
    fault_hook_before(FE_COUNT, FK_OPEN_CREATE, race_rival);
  shm = PR_OpenSharedMemory(name, SWEEP_SIZE, flags, 0600);
  fault_end();
  CHECK(fault.hook == NULL);
  CHECK_EQ(obs_strays(PR_FALSE), 0);
  if ((flags & PR_SHM_EXCL) != 0) {
    CHECK(shm == NULL);
    CHECK_ERROR(PR_FILE_EXISTS_ERROR);
    CHECK_EQ(PR_GetOSError(), EEXIST);
    CHECK_EQ(t_open_descriptors(), fds);
    shm = PR_OpenSharedMemory(name, 0, 0, 0);
  }
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "rival");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_EQ(t_open_descriptors(), fds);
}

TEST(race_lost_create_opens_winner) { race_lost(PR_SHM_CREATE); }
TEST(race_lost_create_excl_fails_exists) { race_lost(PR_SHM_CREATE | PR_SHM_EXCL); }

CHILD(race_in_temp_name_path) {
  (void)argc;
  (void)argv;
  force_temp_name_path();
  race_temp_path = PR_TRUE;
  race_lost(PR_SHM_CREATE);
  race_lost(PR_SHM_CREATE | PR_SHM_EXCL);
  CHECK_EQ(fault_calls(FE_RENAME, FK_COUNT, 0), 1);
  t_cleanup();
  return 0;
}

TEST(race_lost_in_temp_name_path) { linux_child("race_in_temp_name_path", NULL); }

/* ---- Linux: a stale temporary name ---- */

/* Runs just before the temporary file is created: a file of that name is
 * already there (left by a crashed process that had this pid). */
static char stale_path[PATH_MAX + 64];

/* At exit, even a failing one: removes the stale file. */
static void stale_remove(void) { (void)unlink(stale_path); }

static void stale_make(const char *temp, const char *unused) {
  int fd;
  (void)unused;
  snprintf(stale_path, sizeof stale_path, "%s", temp);
  CHECK_EQ(atexit(stale_remove), 0);
  fd = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  CHECK_INT(fd, >=, 0);
  CHECK_EQ(close(fd), 0);
}

CHILD(stale_temp_name) {
  const char *name = t_name("stale");

  (void)argc;
  (void)argv;

  force_temp_name_path();
  fault_begin();
  fault_hook_before(FE_OPEN, FK_OPEN_TEMP, stale_make);
  create_and_check(name);
  fault_end();
  CHECK_EQ(fault_calls(FE_OPEN, FK_OPEN_TEMP, 0), 2);
  /* The stale file is left for `prshm prune`; nothing else remains. */
  CHECK_EQ(obs_strays(PR_FALSE), 1);
  CHECK_EQ(unlink(stale_path), 0);
  t_cleanup();
  return 0;
}

TEST(stale_temp_name_is_skipped) { linux_child("stale_temp_name", NULL); }
