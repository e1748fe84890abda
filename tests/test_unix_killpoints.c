/*
 * test_unix_killpoints.c - SIGKILL a process at every system call of
 * create, attach, detach, close and delete, and check what it leaves.
 *
 * A child ("victim") runs one operation with the system-call table
 * (prshm__sys) wrapped: each call first counts itself, and at the Nth the
 * child reports to the parent through a pipe and waits there, before the
 * call is made. The parent SIGKILLs it at that instant. A first run with
 * no stop counts the calls; then N goes from 1 to that count, the last
 * point being just after the operation returned. After every kill the
 * parent checks, in its own process, the invariants of atomic creation and of the in-use mark:
 *   - no process ever opens a partially created segment: opening with
 *     flags 0 fails with PR_FILE_NOT_FOUND_ERROR, or gives the segment at
 *     its full size, with its exact mode and its bytes zero (the portable
 *     backend's fallback may leave a size-0 object, which openers refuse);
 *   - data written and published before the kill is intact, read through
 *     the parent's own attachment and through a fresh one;
 *   - whatever the dead process left (a named segment nothing holds, a
 *     temporary file of the fallback create) is reported orphaned by the
 *     listing API and removed by prshm_remove_orphan(), while a segment in
 *     use (the parent's) is reported in use and left alone.
 * Every case prints its kill points ("points: open fchmod ..."), the
 * figures the hardening notes quote. A last case leaves everything the
 * killed creators made in a private PRSHM_DIR and lets `prshm prune` (the
 * command) clear it, next to a segment in use that must survive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"
#include "internal.h"
#include "sys.h"

#define KP_SIZE ((PRSize)65536 + 100) /* not a whole number of pages */
#define KP_MODE 0640
#define KP_MAGIC 0x70727368u /* "prsh": a published segment */
#define KP_RECORDS 1000
#define KP_REPORT_WAIT_MS 120000 /* a child under valgrind is slow */
#define KP_MAX_POINTS 64
/* Every kind of evidence that something holds a segment. */
#define KP_HELD (PRSHM_HELD_HANDLE | PRSHM_HELD_MAPPED | PRSHM_HELD_OPEN | PRSHM_HELD_FILE)

/* What the victim tells the parent: stopped before call n, or done. */
typedef struct kp_msg {
  int done;      /* 1: the operation finished and n is the count */
  long n;        /* the stop point reached, or the number of points */
  char call[16]; /* the call it stopped before ("return": after the op) */
} kp_msg;

/* ------------------------------------------------------------------------
 * Published data: a header and checksummed, numbered records.
 */

/* One record; sum covers seq and value. */
typedef struct kp_record {
  uint64_t seq;   /* its index */
  uint64_t value; /* derived from the seed and seq */
  uint64_t sum;   /* kp_sum(seq, value) */
} kp_record;

/* The head of a published segment. */
typedef struct kp_head {
  uint32_t magic;             /* KP_MAGIC */
  uint32_t records;           /* records that follow */
  uint64_t seed;              /* what the values were derived from */
  _Atomic uint32_t published; /* set last, with release order */
} kp_head;

static uint64_t kp_sum(uint64_t seq, uint64_t value) {
  uint64_t h = 1469598103934665603u;
  h = (h ^ seq) * 1099511628211u;
  return (h ^ value) * 1099511628211u;
}

static void kp_publish(void *p, uint64_t seed) {
  kp_head *h = p;
  kp_record *r = (kp_record *)(h + 1);
  uint32_t i;

  h->magic = KP_MAGIC;
  h->records = KP_RECORDS;
  h->seed = seed;
  for (i = 0; i < KP_RECORDS; i++) {
    r[i].seq = i;
    r[i].value = seed * 31u + i;
    r[i].sum = kp_sum(i, r[i].value);
  }
  atomic_store_explicit(&h->published, 1u, memory_order_release);
}

/* 1 if the published data at p is all there and correct. */
static int kp_intact(const void *p, uint64_t seed) {
  const kp_head *h = p;
  const kp_record *r = (const kp_record *)(h + 1);
  uint32_t i;

  if (atomic_load_explicit(&((kp_head *)(uintptr_t)p)->published, memory_order_acquire) != 1u)
    return 0;
  if (h->magic != KP_MAGIC || h->records != KP_RECORDS || h->seed != seed) return 0;
  for (i = 0; i < KP_RECORDS; i++)
    if (r[i].seq != i || r[i].value != seed * 31u + i || r[i].sum != kp_sum(i, r[i].value))
      return 0;
  return 1;
}

/* ------------------------------------------------------------------------
 * The victim: the wrapped system-call table and the operations.
 */

static prshm__syscalls kp_real; /* the table before wrapping */
static int kp_armed;            /* counting the operation's calls now */
static long kp_calls;           /* calls counted so far */
static long kp_stop;            /* stop before this call; 0: never */
static int kp_report_fd = -1;   /* pipe to the parent */
static int kp_hold_fd = -1;     /* pipe the victim waits on */
static int kp_no_tmpfile;       /* refuse O_TMPFILE: the fallback create */

static void kp_send(int done, long n, const char *call) {
  kp_msg m;
  ssize_t w;

  memset(&m, 0, sizeof m);
  m.done = done;
  m.n = n;
  strncpy(m.call, call, sizeof m.call - 1);
  do {
    w = write(kp_report_fd, &m, sizeof m);
  } while (w < 0 && errno == EINTR);
}

/* Every wrapped call passes here first. */
static void kp_point(const char *call) {
  char c;

  if (!kp_armed) return;
  if (++kp_calls != kp_stop) return;
  kp_send(0, kp_calls, call);
  /* Wait for the SIGKILL. End of file means the parent is gone. */
  while (read(kp_hold_fd, &c, 1) < 0 && errno == EINTR) {
  }
  _exit(3);
}

static int kp_open(const char *path, int flags, mode_t mode) {
  kp_point("open");
  if (kp_no_tmpfile && (flags & O_TMPFILE) == O_TMPFILE) {
    errno = EOPNOTSUPP; /* as on a file system without unnamed files */
    return -1;
  }
  return kp_real.open(path, flags, mode);
}
static int kp_close(int fd) {
  kp_point("close");
  return kp_real.close(fd);
}
static int kp_fstat(int fd, struct stat *st) {
  kp_point("fstat");
  return kp_real.fstat(fd, st);
}
static int kp_fchmod(int fd, mode_t m) {
  kp_point("fchmod");
  return kp_real.fchmod(fd, m);
}
static int kp_ftruncate(int fd, off_t n) {
  kp_point("ftruncate");
  return kp_real.ftruncate(fd, n);
}
static int kp_reserve(int fd, off_t at, off_t n) {
  kp_point("reserve");
  return kp_real.reserve(fd, at, n);
}
static int kp_flock(int fd, int op) {
  kp_point("flock");
  return kp_real.flock(fd, op);
}
static int kp_linkat(int ofd, const char *op, int nfd, const char *np, int fl) {
  kp_point("linkat");
  return kp_real.linkat(ofd, op, nfd, np, fl);
}
static int kp_unlink(const char *p) {
  kp_point("unlink");
  return kp_real.unlink(p);
}
static int kp_rename(const char *from, const char *to) {
  kp_point("rename");
  return kp_real.rename_noreplace(from, to);
}
static void *kp_mmap(void *a, size_t n, int prot, int fl, int fd, off_t off) {
  kp_point("mmap");
  return kp_real.mmap(a, n, prot, fl, fd, off);
}
static int kp_munmap(void *a, size_t n) {
  kp_point("munmap");
  return kp_real.munmap(a, n);
}
static char *kp_getcwd(char *b, size_t n) {
  kp_point("getcwd");
  return kp_real.getcwd(b, n);
}
static int kp_shm_open(const char *n, int fl, mode_t m) {
  kp_point("shm_open");
  return kp_real.shm_open(n, fl, m);
}
static int kp_shm_unlink(const char *n) {
  kp_point("shm_unlink");
  return kp_real.shm_unlink(n);
}
static int kp_nanosleep(const struct timespec *r, struct timespec *rem) {
  kp_point("nanosleep");
  return kp_real.nanosleep(r, rem);
}

static void kp_wrap(void) {
  kp_real = prshm__sys;
  prshm__sys.open = kp_open;
  prshm__sys.close = kp_close;
  prshm__sys.fstat = kp_fstat;
  prshm__sys.fchmod = kp_fchmod;
  prshm__sys.ftruncate = kp_ftruncate;
  prshm__sys.reserve = kp_reserve;
  prshm__sys.flock = kp_flock;
  prshm__sys.linkat = kp_linkat;
  prshm__sys.unlink = kp_unlink;
  prshm__sys.rename_noreplace = kp_rename;
  prshm__sys.mmap = kp_mmap;
  prshm__sys.munmap = kp_munmap;
  prshm__sys.getcwd = kp_getcwd;
  prshm__sys.shm_open = kp_shm_open;
  prshm__sys.shm_unlink = kp_shm_unlink;
  prshm__sys.nanosleep = kp_nanosleep;
}

/* The operation under test, with only its own calls counted. Returns 0
 * when it did what it should. */
static int kp_operate(const char *op, const char *name) {
  PRSharedMemory *shm = NULL;
  void *p = NULL;
  int ok;

  if (strcmp(op, "create") == 0 || strcmp(op, "create_tempname") == 0) {
    kp_armed = 1;
    shm = PR_OpenSharedMemory(name, KP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, KP_MODE);
    kp_point("return");
    return shm != NULL ? 0 : 10;
  }
  if (strcmp(op, "publish") == 0) { /* a creator's whole life */
    kp_armed = 1;
    shm = PR_OpenSharedMemory(name, KP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, KP_MODE);
    p = shm != NULL ? PR_AttachSharedMemory(shm, 0) : NULL;
    if (p != NULL) kp_publish(p, 7);
    ok = p != NULL && PR_DetachSharedMemory(shm, p) == PR_SUCCESS &&
         PR_CloseSharedMemory(shm) == PR_SUCCESS;
    kp_point("return");
    return ok ? 0 : 11;
  }
  if (strcmp(op, "delete") == 0) {
    kp_armed = 1;
    ok = PR_DeleteSharedMemory(name) == PR_SUCCESS;
    kp_point("return");
    return ok ? 0 : 12;
  }
  /* The rest work on the parent's segment, opened without counting. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  if (shm == NULL) return 13;
  if (strcmp(op, "attach") == 0) {
    kp_armed = 1;
    p = PR_AttachSharedMemory(shm, 0);
    kp_point("return");
    return p != NULL ? 0 : 14;
  }
  p = PR_AttachSharedMemory(shm, 0);
  if (p == NULL) return 15;
  if (strcmp(op, "detach") == 0) {
    kp_armed = 1;
    ok = PR_DetachSharedMemory(shm, p) == PR_SUCCESS;
  } else if (strcmp(op, "close_attached") == 0) { /* its mapping stays */
    kp_armed = 1;
    ok = PR_CloseSharedMemory(shm) == PR_SUCCESS;
  } else if (strcmp(op, "close") == 0) {
    if (PR_DetachSharedMemory(shm, p) != PR_SUCCESS) return 16;
    kp_armed = 1;
    ok = PR_CloseSharedMemory(shm) == PR_SUCCESS;
  } else {
    return 2;
  }
  kp_point("return");
  return ok ? 0 : 17;
}

/* argv: operation, name, stop point, report fd, hold fd. */
CHILD(victim) {
  int rv;

  if (argc != 5) return 2;
  kp_stop = atol(argv[2]);
  kp_report_fd = atoi(argv[3]);
  kp_hold_fd = atoi(argv[4]);
  kp_no_tmpfile = strcmp(argv[0], "create_tempname") == 0;
  kp_wrap();
  rv = kp_operate(argv[0], argv[1]);
  kp_armed = 0;
  if (rv == 0) kp_send(1, kp_calls, "done");
  return rv;
}

/* ------------------------------------------------------------------------
 * The parent: spawning, killing, and the checks.
 */

/* One victim run: what it reported and how it ended. */
typedef struct kp_run {
  kp_msg msg; /* the report */
  long pid;   /* the victim's pid (for its temporary files' names) */
} kp_run;

/* Runs the victim to stop point `stop` (0: to the end) and, if it
 * stopped, kills it there. */
static kp_run kp_victim(const char *op, const char *name, long stop) {
  char sstop[32], sr[16], sh[16];
  const char *args[6];
  int rp[2], hp[2], status;
  struct pollfd pfd;
  ssize_t got;
  kp_run run;
  t_proc p;

  memset(&run, 0, sizeof run);
  CHECK(pipe(rp) == 0 && pipe(hp) == 0);
  /* The parent's ends must not reach the victim, or its wait on the hold
   * pipe would never see the end of file. */
  CHECK(fcntl(rp[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(hp[1], F_SETFD, FD_CLOEXEC) == 0);
  snprintf(sstop, sizeof sstop, "%ld", stop);
  snprintf(sr, sizeof sr, "%d", rp[1]);
  snprintf(sh, sizeof sh, "%d", hp[0]);
  args[0] = op;
  args[1] = name;
  args[2] = sstop;
  args[3] = sr;
  args[4] = sh;
  args[5] = NULL;
  p = t_spawn("victim", args);
  run.pid = (long)p.id;
  close(rp[1]);
  close(hp[0]);
  pfd.fd = rp[0];
  pfd.events = POLLIN;
  CHECK_INT(poll(&pfd, 1, KP_REPORT_WAIT_MS), ==, 1);
  got = read(rp[0], &run.msg, sizeof run.msg);
  if (got != (ssize_t)sizeof run.msg) {
    status = t_wait(p);
    t_fail(__FILE__, __LINE__, "%s stop %ld: no report (exit %d)", op, stop, status);
  }
  if (!run.msg.done) t_kill(p);
  status = t_wait(p);
  CHECK_EQ(status, run.msg.done ? 0 : 128 + SIGKILL);
  close(rp[0]);
  close(hp[1]);
  return run;
}

/* Whether the listing's process scan is complete here, so that "unknown"
 * is a failure rather than an honest answer. Set by kp_isolate(). */
static int kp_judging;

/*
 * Makes the listing able to judge. Without the lease test (the portable
 * backend), orphans are told by scanning every process's records, which
 * needs root; and some container runtimes hide their own init from root
 * (its /proc/1/maps cannot be read), which makes every answer "unknown".
 * (On Linux the lease test, open to root and to the segments' owner,
 * decides without the scan.) Then, if allowed, the test continues in a child
 * that is process 1 of a new PID namespace with its own /proc: it and the
 * victims it starts are all the processes the scan sees, and all that can
 * hold the test's segments (which carry this process's pid in their names).
 * The original process waits and exits with the child's status.
 */
static void kp_isolate(void) {
  int fd, status;
  pid_t pid;

  if (geteuid() != 0) return; /* not root: "unknown" is the right answer */
  fd = open("/proc/1/maps", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    kp_judging = 1;
    return;
  }
  if (unshare(CLONE_NEWNS | CLONE_NEWPID) != 0) return;
  fflush(NULL);
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    /* Mounts made here must not reach the rest of the system. */
    CHECK(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0);
    CHECK(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0);
    kp_judging = 1;
    return;
  }
  CHECK(waitpid(pid, &status, 0) == pid);
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* Whether this entry's verdict must be definite. An unknown verdict is
 * accepted only where the scan cannot be complete, and even then nothing
 * may have been seen holding the segment. */
static int kp_can_judge(const prshm_seginfo *info) {
  if (kp_judging || (info->evidence & PRSHM_FREE_PROVED) != 0) return 1;
  CHECK_EQ(info->evidence & KP_HELD, 0);
  return info->use != PRSHM_USE_UNKNOWN;
}

/* The segment `name` is not there, or is whole, zeroed and orphaned (or,
 * in the portable fallback, still of size 0 and refused by openers); then
 * it is removed through the listing API. Returns 0 if it was not there, 1
 * if whole, 2 if of size 0. */
static int kp_check_created(const char *name, int published) {
  prshm_seginfo info;
  PRSharedMemory *shm;
  PRSize size = 0;
  unsigned char *p;
  size_t i;
  int found = 1;

  if (prshm_stat(name, &info) != PR_SUCCESS) {
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
    CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
    return 0;
  }
  if (kp_can_judge(&info) && info.use != PRSHM_USE_ORPHANED)
    t_fail(__FILE__, __LINE__, "%s left by a dead creator: use %d, evidence %#x, %d processes",
           name, info.use, (unsigned)info.evidence, (int)info.processes);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  if (info.size == 0 && strcmp(prshm_backend_name(), "posix") == 0) {
    /* The portable fallback's creator died before sizing it: openers wait
     * for the size, then refuse it. It is never opened half-made. */
    CHECK(shm == NULL);
    CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
    found = 2;
  } else {
    CHECK_NOT_NULL(shm);
    CHECK_OK(prshm_get_size(shm, &size));
    CHECK_EQ(size, KP_SIZE);
    CHECK_EQ(info.size, KP_SIZE);
    CHECK_EQ(info.mode & 07777, KP_MODE);
    p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
    CHECK_NOT_NULL(p);
    if (published && ((kp_head *)(void *)p)->published != 0) {
      CHECK(kp_intact(p, 7));
    } else if (!published) {
      for (i = 0; i < size; i++)
        if (p[i] != 0) t_fail(__FILE__, __LINE__, "byte %zu of a new segment is %d", i, p[i]);
    }
    CHECK_OK(PR_DetachSharedMemory(shm, p));
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  CHECK_OK(prshm_stat(name, &info));
  if (kp_can_judge(&info)) {
    CHECK_EQ(info.use, PRSHM_USE_ORPHANED);
    CHECK_OK(prshm_remove_orphan(&info));
  } else {
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
  CHECK(prshm_stat(name, &info) != PR_SUCCESS);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  return found;
}

/* Temporary files the victim `pid` left (the fallback create): each must
 * be orphaned, and is removed. Returns how many there were. */
static int kp_check_leftovers(long pid) {
  char needle[64];
  prshm_list *l = prshm_list_open();
  prshm_seginfo info;
  int found = 0;

  CHECK_NOT_NULL(l);
  snprintf(needle, sizeof needle, "/.prshm-tmp-%ld-", pid);
  while (prshm_list_next(l, &info) == PR_SUCCESS) {
    if (info.kind != PRSHM_KIND_LEFTOVER || strstr(info.native_name, needle) == NULL) continue;
    found++;
    if (kp_can_judge(&info)) {
      CHECK_EQ(info.use, PRSHM_USE_ORPHANED);
      CHECK_OK(prshm_remove_orphan(&info));
    } else {
      CHECK(unlink(info.native_name) == 0);
    }
    CHECK(access(info.native_name, F_OK) != 0);
  }
  CHECK_ERROR(PR_NO_MORE_FILES_ERROR);
  prshm_list_close(l);
  return found;
}

/* A segment the parent created, published and holds attached. */
typedef struct kp_held {
  PRSharedMemory *shm; /* the parent's handle */
  void *p;             /* the parent's attachment */
} kp_held;

static kp_held kp_hold(const char *name) {
  kp_held h;

  (void)PR_DeleteSharedMemory(name);
  h.shm = PR_OpenSharedMemory(name, KP_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, KP_MODE);
  CHECK_NOT_NULL(h.shm);
  h.p = PR_AttachSharedMemory(h.shm, 0);
  CHECK_NOT_NULL(h.p);
  kp_publish(h.p, 42);
  return h;
}

/* After the victim died: the parent's data is intact through its own
 * attachment and a fresh one, the segment (if still named) is reported
 * in use and refused by prshm_remove_orphan(). `may_be_gone`: the victim
 * was deleting it. */
static void kp_check_held(const char *name, kp_held h, int may_be_gone) {
  prshm_seginfo info;
  PRSharedMemory *shm;
  void *p;

  CHECK(kp_intact(h.p, 42));
  if (prshm_stat(name, &info) != PR_SUCCESS) {
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
    CHECK(may_be_gone);
  } else {
    CHECK_EQ(info.use, PRSHM_USE_IN_USE);
    CHECK(info.evidence & KP_HELD);
    CHECK(prshm_remove_orphan(&info) != PR_SUCCESS);
    CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
    shm = PR_OpenSharedMemory(name, 0, 0, 0);
    CHECK_NOT_NULL(shm);
    p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
    CHECK_NOT_NULL(p);
    CHECK(kp_intact(p, 42));
    CHECK_OK(PR_DetachSharedMemory(shm, p));
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  CHECK(kp_intact(h.p, 42));
  CHECK_OK(PR_DetachSharedMemory(h.shm, h.p));
  CHECK_OK(PR_CloseSharedMemory(h.shm));
  (void)PR_DeleteSharedMemory(name);
}

/* The entries of a directory, "." and ".." aside. */
static int kp_count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  CHECK_NOT_NULL(d);
  while ((e = readdir(d)) != NULL) n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

/* Counts the points of `op`, then kills a victim at each. */
static void kp_sweep(const char *op, const char *name) {
  const int creates = strncmp(op, "create", 6) == 0 || strcmp(op, "publish") == 0;
  char points[KP_MAX_POINTS * 17] = "";
  long n, total;
  int whole = 0, size0 = 0, leftovers = 0, found;
  kp_held h = {NULL, NULL};
  kp_run run;

  kp_isolate();
  if (!creates) h = kp_hold(name);
  run = kp_victim(op, name, 0);
  CHECK(run.msg.done);
  total = run.msg.n;
  CHECK_INT(total, >=, 2);
  CHECK_INT(total, <=, KP_MAX_POINTS);
  if (creates)
    CHECK_EQ(kp_check_created(name, strcmp(op, "publish") == 0), 1);
  else
    kp_check_held(name, h, strcmp(op, "delete") == 0);

  for (n = 1; n <= total; n++) {
    if (!creates) h = kp_hold(name);
    run = kp_victim(op, name, n);
    if (run.msg.done) { /* the calls varied: this run ended first */
      strcat(points, " (done)");
    } else {
      CHECK_EQ(run.msg.n, n);
      strcat(points, " ");
      strcat(points, run.msg.call);
    }
    if (creates) {
      found = kp_check_created(name, strcmp(op, "publish") == 0);
      whole += found == 1;
      size0 += found == 2;
    } else
      kp_check_held(name, h, strcmp(op, "delete") == 0);
    /* Temporary files are looked for only in a private namespace: in the
     * shared one another test's (whose pid in its own PID namespace may
     * be this victim's) could be taken for this victim's. */
    if (getenv(PRSHM_DIR_ENV) != NULL) leftovers += kp_check_leftovers(run.pid);
  }
  printf("%s (%s backend): %ld kill points:%s\n", op, prshm_backend_name(), total, points);
  printf("  orphans judged %s\n", kp_judging ? "definitely (lease test or complete scan)"
                                             : "as unknown (incomplete process scan)");
  if (creates)
    printf(
        "  left after the kill: %d whole segments, %d of size 0 (refused by openers), %d "
        "temporary files; all orphaned and removed\n",
        whole, size0, leftovers);
  CHECK_EQ(prshm__registry_count(), 0);
}

TEST(create) { kp_sweep("create", t_name("kp-create")); }

/* argv: operation, the private namespace directory (PRSHM_DIR names it).
 * Sweeps there, and checks that nothing is left. */
CHILD(sweep_in_dir) {
  if (argc != 2) return 2;
  kp_sweep(argv[0], "/kp-in-dir");
  CHECK_EQ(kp_count_entries(argv[1]), 0);
  return 0;
}

/* Runs child `child` with a fresh directory on /dev/shm's tmpfs as PRSHM_DIR
 * (the same file system as the default namespace, so the same ways of
 * creating apply), and removes the directory after. */
static void kp_in_private_dir(const char *child, const char *op) {
  char dir[64];
  const char *args[3];
  int code;

  snprintf(dir, sizeof dir, "/dev/shm/prshm-kp-%ld", t_pid());
  CHECK_EQ(mkdir(dir, 0700), 0);
  args[0] = op != NULL ? op : dir;
  args[1] = op != NULL ? dir : NULL;
  args[2] = NULL;
  CHECK_EQ(setenv(PRSHM_DIR_ENV, dir, 1), 0);
  code = t_wait(t_spawn(child, args));
  CHECK_EQ(unsetenv(PRSHM_DIR_ENV), 0);
  if (code != 0) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)system(cmd);
  }
  CHECK_EQ(code, 0);
  CHECK_EQ(rmdir(dir), 0);
}

TEST(create_tempname) {
  /* linux.c's fallback for file systems without O_TMPFILE; the portable
   * backend has no such path. Its temporary files are named by pid, so
   * the sweep runs in a namespace of its own. */
  if (strcmp(prshm_backend_name(), "linux") != 0) SKIP("the Linux backend's fallback only");
  kp_in_private_dir("sweep_in_dir", "create_tempname");
}

TEST(publish) { kp_sweep("publish", t_name("kp-publish")); }

TEST(attach) { kp_sweep("attach", t_name("kp-attach")); }

TEST(detach) { kp_sweep("detach", t_name("kp-detach")); }

TEST(close) { kp_sweep("close", t_name("kp-close")); }

TEST(close_attached) { kp_sweep("close_attached", t_name("kp-closeatt")); }

TEST(delete) { kp_sweep("delete", t_name("kp-delete")); }

/* ------------------------------------------------------------------------
 * `prshm prune` after kills, in a private namespace.
 */

#ifndef PRSHM_TOOL_PATH
#define PRSHM_TOOL_PATH ""
#endif

/* Runs `prshm prune` with its output to /dev/null; its exit code. */
static int kp_prune(void) {
  pid_t pid;
  int status;

  fflush(NULL);
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (getenv("KP_VERBOSE") == NULL && (null < 0 || dup2(null, 1) < 0)) _exit(126);
    /* Everything here was made moments ago: no age guard. */
    execl(PRSHM_TOOL_PATH, "prshm", "prune", "--min-age", "0", (char *)NULL);
    _exit(127);
  }
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Kills a creator at every point of `op`, each under its own name, and
 * leaves whatever it made. Returns the number of points. */
static long kp_kill_everywhere(const char *op) {
  char name[96];
  kp_run run;
  long n, total;

  snprintf(name, sizeof name, "/kp-prune-%s-count", op);
  run = kp_victim(op, name, 0);
  CHECK(run.msg.done);
  total = run.msg.n;
  for (n = 1; n <= total; n++) {
    snprintf(name, sizeof name, "/kp-prune-%s-%ld", op, n);
    (void)kp_victim(op, name, n);
  }
  return total;
}

/* argv: the private namespace directory, which PRSHM_DIR names. */
CHILD(prune_world) {
  const char *held_name = "/kp-prune-held";
  kp_held h;
  long points = 0;
  int before;

  if (argc != 1) return 2;
  kp_isolate(); /* prune must be able to judge: see kp_isolate() */
  h = kp_hold(held_name);
  points += kp_kill_everywhere("create");
  points += kp_kill_everywhere("publish");
  if (strcmp(prshm_backend_name(), "linux") == 0) points += kp_kill_everywhere("create_tempname");
  before = kp_count_entries(argv[0]);
  CHECK_EQ(kp_prune(), 0);
  /* Only the segment in use is left, and it is intact: the temporary-name
   * path renames a complete file to its name, so no kill leaves a file
   * under two names. */
  CHECK_EQ(kp_count_entries(argv[0]), 1);
  kp_check_held(held_name, h, 0);
  printf(
      "prshm prune after %ld kill points: removed %d leftovers (orphaned segments and "
      "temporary files), kept the 1 in use\n",
      points, before - 1);
  return 0;
}

TEST(prune_after_kills) {
  if (PRSHM_TOOL_PATH[0] == '\0') SKIP("the prshm command is not built (PRSHM_TOOLS=OFF)");
  kp_in_private_dir("prune_world", NULL);
}
