/*
 * test_unix_sem_faults.c - every error path of the semaphore and lock
 * backends, reached through the replaceable system-call table, and a
 * process SIGKILLed at every system call of their create and delete.
 *
 * Map of the file:
 *   1. The injector: a wrapper for every table entry these objects use,
 *      which counts and logs its calls and fails a chosen one with a
 *      chosen error (or, in a victim process, stops before it).
 *   2. The operations swept: creating, opening, closing, deleting, posting
 *      to a waiter, waiting, and a lock's create, acquire and release.
 *   3. The sweep: an operation's calls are counted, then each is failed
 *      with each error in turn (EINTR too); the operation must fail with
 *      that error translated and the raw error kept (or, for EINTR and
 *      for calls whose failure is harmless, succeed), leave no descriptor,
 *      mapping, handle or half-made object behind, and work once the fault
 *      is gone.
 *   4. Specific paths: the process-wide barrier refused (reads fence
 *      themselves), a futex wake that fails, a lock that cannot be made
 *      robust, an object the listing cannot read.
 *   5. Kill points: a child stops before each call of create (semaphore,
 *      lock) and delete, and is SIGKILLed there; the name then holds
 *      nothing or a whole object, never a half-made one, and no opener
 *      waits.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "runner.h"
#include "sys.h"
#include "sync.h"
#include "unix.h"

/* ======================================================================
 * 1. The injector
 */

typedef enum sf_entry {
  SF_OPEN,
  SF_CLOSE,
  SF_FSTAT,
  SF_FCHMOD,
  SF_FTRUNCATE,
  SF_RESERVE,
  SF_FLOCK,
  SF_LINKAT,
  SF_UNLINK,
  SF_RENAME,
  SF_MMAP,
  SF_MUNMAP,
  SF_SHM_OPEN,
  SF_SHM_UNLINK,
  SF_FUTEX,
  SF_SEM_OPEN,
  SF_SEM_CLOSE,
  SF_SEM_UNLINK,
  SF_SEM_WAIT,
  SF_SEM_TRYWAIT,
  SF_SEM_TIMEDWAIT,
  SF_SEM_POST,
  SF_SEM_GETVALUE,
  SF_MUTEX_INIT,
  SF_MUTEX_TRYLOCK,
  SF_MUTEX_LOCK,
  SF_MUTEX_UNLOCK,
  SF_COUNT
} sf_entry;

static const char *const sf_names[SF_COUNT] = {
    "open",          "close",       "fstat",         "fchmod",   "ftruncate",    "reserve",
    "flock",         "linkat",      "unlink",        "rename",   "mmap",         "munmap",
    "shm_open",      "shm_unlink",  "futex",         "sem_open", "sem_close",    "sem_unlink",
    "sem_wait",      "sem_trywait", "sem_timedwait", "sem_post", "sem_getvalue", "mutex_init",
    "mutex_trylock", "mutex_lock",  "mutex_unlock"};

static prshm__syscalls sf_real; /* the table before wrapping */
static int sf_armed;            /* counting the operation's calls now */
static long sf_calls;           /* calls counted so far */
static long sf_fail_at;         /* the call that fails (1-based), or 0 */
static int sf_errno;            /* its error */
static sf_entry sf_log[256];    /* the calls, in order */
static long sf_stop_at;         /* victims: stop before this call, or 0 */
static int sf_report_fd = -1;   /* victims: the pipe to the parent */

/* Whether this call fails; counts it, and stops a victim before it. */
static int sf_hit(sf_entry e) {
  if (!sf_armed) return 0;
  if (sf_calls < (long)(sizeof sf_log / sizeof sf_log[0])) sf_log[sf_calls] = e;
  sf_calls++;
  if (sf_stop_at != 0 && sf_calls == sf_stop_at) {
    /* Tell the parent, which kills this process now. */
    t_send(sf_report_fd, 's');
    for (;;) pause();
  }
  if (sf_calls != sf_fail_at) return 0;
  errno = sf_errno;
  return 1;
}

/* The wrappers: fail with -1 (and errno), NULL, or an error number. */
#define SF_WRAP(entry, field, ret, fail, params, args) \
  static ret sf_##field params { return sf_hit(entry) ? fail : sf_real.field args; }

SF_WRAP(SF_OPEN, open, int, -1, (const char *p, int f, mode_t m), (p, f, m))
SF_WRAP(SF_CLOSE, close, int, -1, (int fd), (fd))
SF_WRAP(SF_FSTAT, fstat, int, -1, (int fd, struct stat *st), (fd, st))
SF_WRAP(SF_FCHMOD, fchmod, int, -1, (int fd, mode_t m), (fd, m))
SF_WRAP(SF_FTRUNCATE, ftruncate, int, -1, (int fd, off_t n), (fd, n))
SF_WRAP(SF_RESERVE, reserve, int, -1, (int fd, off_t at, off_t n), (fd, at, n))
SF_WRAP(SF_FLOCK, flock, int, -1, (int fd, int op), (fd, op))
SF_WRAP(SF_LINKAT, linkat, int, -1, (int a, const char *b, int c, const char *d, int e),
        (a, b, c, d, e))
SF_WRAP(SF_UNLINK, unlink, int, -1, (const char *p), (p))
SF_WRAP(SF_RENAME, rename_noreplace, int, -1, (const char *a, const char *b), (a, b))
SF_WRAP(SF_MMAP, mmap, void *, MAP_FAILED, (void *a, size_t n, int p, int f, int fd, off_t o),
        (a, n, p, f, fd, o))
SF_WRAP(SF_MUNMAP, munmap, int, -1, (void *a, size_t n), (a, n))
SF_WRAP(SF_SHM_OPEN, shm_open, int, -1, (const char *n, int f, mode_t m), (n, f, m))
SF_WRAP(SF_SHM_UNLINK, shm_unlink, int, -1, (const char *n), (n))
SF_WRAP(SF_FUTEX, futex, long, -1,
        (_Atomic uint32_t *w, int op, uint32_t v, const struct timespec *t), (w, op, v, t))
SF_WRAP(SF_SEM_OPEN, sem_open, sem_t *, SEM_FAILED, (const char *n, int f, mode_t m, unsigned v),
        (n, f, m, v))
SF_WRAP(SF_SEM_CLOSE, sem_close, int, -1, (sem_t * s), (s))
SF_WRAP(SF_SEM_UNLINK, sem_unlink, int, -1, (const char *n), (n))
SF_WRAP(SF_SEM_WAIT, sem_wait, int, -1, (sem_t * s), (s))
SF_WRAP(SF_SEM_TRYWAIT, sem_trywait, int, -1, (sem_t * s), (s))
SF_WRAP(SF_SEM_TIMEDWAIT, sem_timedwait, int, -1, (sem_t * s, const struct timespec *t), (s, t))
SF_WRAP(SF_SEM_POST, sem_post, int, -1, (sem_t * s), (s))
SF_WRAP(SF_SEM_GETVALUE, sem_getvalue, int, -1, (sem_t * s, int *v), (s, v))
SF_WRAP(SF_MUTEX_INIT, mutex_init, int, sf_errno, (pthread_mutex_t * m), (m))
SF_WRAP(SF_MUTEX_TRYLOCK, mutex_trylock, int, sf_errno, (pthread_mutex_t * m), (m))
SF_WRAP(SF_MUTEX_LOCK, mutex_lock, int, sf_errno, (pthread_mutex_t * m, const struct timespec *t),
        (m, t))
SF_WRAP(SF_MUTEX_UNLOCK, mutex_unlock, int, sf_errno, (pthread_mutex_t * m), (m))

static void sf_wrap(void) {
  prshm__sys_reset();
  sf_real = prshm__sys;
  prshm__sys.open = sf_open;
  prshm__sys.close = sf_close;
  prshm__sys.fstat = sf_fstat;
  prshm__sys.fchmod = sf_fchmod;
  prshm__sys.ftruncate = sf_ftruncate;
  prshm__sys.reserve = sf_reserve;
  prshm__sys.flock = sf_flock;
  prshm__sys.linkat = sf_linkat;
  prshm__sys.unlink = sf_unlink;
  prshm__sys.rename_noreplace = sf_rename_noreplace;
  prshm__sys.mmap = sf_mmap;
  prshm__sys.munmap = sf_munmap;
  prshm__sys.shm_open = sf_shm_open;
  prshm__sys.shm_unlink = sf_shm_unlink;
  prshm__sys.futex = sf_futex;
  prshm__sys.sem_open = sf_sem_open;
  prshm__sys.sem_close = sf_sem_close;
  prshm__sys.sem_unlink = sf_sem_unlink;
  prshm__sys.sem_wait = sf_sem_wait;
  prshm__sys.sem_trywait = sf_sem_trywait;
  if (sf_real.sem_timedwait != NULL) prshm__sys.sem_timedwait = sf_sem_timedwait;
  prshm__sys.sem_post = sf_sem_post;
  prshm__sys.sem_getvalue = sf_sem_getvalue;
  prshm__sys.mutex_init = sf_mutex_init;
  prshm__sys.mutex_trylock = sf_mutex_trylock;
  prshm__sys.mutex_lock = sf_mutex_lock;
  prshm__sys.mutex_unlock = sf_mutex_unlock;
}

/* ======================================================================
 * 2. The operations swept
 */

/* What an operation works on: made by its setup, outside the count. */
typedef struct sf_state {
  const char *name; /* the object's name */
  PRSem *sem;       /* an open semaphore, or NULL */
  prshm_lock *lock; /* an open lock, or NULL */
} sf_state;

typedef struct sf_op {
  const char *what;               /* as the output shows it */
  void (*setup)(sf_state *st);    /* makes what the operation needs */
  PRStatus (*run)(sf_state *st);  /* the operation, counted */
  void (*teardown)(sf_state *st); /* releases what is left */
  PRBool creates;                 /* a failure must leave no object */
} sf_op;

static void sf_none(sf_state *st) { (void)st; }

static void sf_make_sem(sf_state *st) {
  st->sem = PR_OpenSemaphore(st->name, PR_SEM_CREATE | PR_SEM_EXCL, 0640, 1);
  CHECK_NOT_NULL(st->sem);
}

static void sf_make_lock(sf_state *st) {
  st->lock = prshm_lock_open(st->name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0640);
  CHECK_NOT_NULL(st->lock);
}

static void sf_drop(sf_state *st) {
  if (st->sem != NULL) (void)PR_CloseSemaphore(st->sem);
  if (st->lock != NULL) (void)prshm_lock_close(st->lock);
  st->sem = NULL;
  st->lock = NULL;
  t_remove_all(st->name);
}

static PRStatus sf_create_sem(sf_state *st) {
  st->sem = PR_OpenSemaphore(st->name, PR_SEM_CREATE | PR_SEM_EXCL, 0640, 3);
  return st->sem != NULL ? PR_SUCCESS : PR_FAILURE;
}

static PRStatus sf_open_sem(sf_state *st) {
  PRSem *s = PR_OpenSemaphore(st->name, 0, 0, 0);
  if (s == NULL) return PR_FAILURE;
  return PR_CloseSemaphore(s) == PR_SUCCESS ? PR_SUCCESS : PR_FAILURE;
}

static PRStatus sf_close_sem(sf_state *st) {
  PRStatus rv = PR_CloseSemaphore(st->sem);
  st->sem = NULL; /* closed, even when releasing it failed */
  return rv;
}

static PRStatus sf_delete_sem(sf_state *st) { return PR_DeleteSemaphore(st->name); }

static PRStatus sf_post_wait_sem(sf_state *st) {
  PRStatus rv = PR_PostSemaphore(st->sem);
  if (rv == PR_SUCCESS) rv = PR_WaitSemaphore(st->sem);
  if (rv == PR_SUCCESS) rv = PR_WaitSemaphore(st->sem);       /* the setup's 1 */
  if (rv == PR_SUCCESS) rv = prshm_sem_timedwait(st->sem, 1); /* times out */
  if (rv == PR_FAILURE && PR_GetError() == PR_IO_TIMEOUT_ERROR)
    return PR_PostSemaphore(st->sem);        /* back to 1 for the next round */
  return rv == PR_SUCCESS ? PR_FAILURE : rv; /* the timed wait must time out */
}

static PRStatus sf_create_lock(sf_state *st) {
  st->lock = prshm_lock_open(st->name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0640);
  return st->lock != NULL ? PR_SUCCESS : PR_FAILURE;
}

static PRStatus sf_use_lock(sf_state *st) {
  PRBool died;
  PRStatus rv = prshm_lock_acquire(st->lock, &died);
  if (rv != PR_SUCCESS) return rv;
  return prshm_lock_release(st->lock);
}

static const sf_op sf_ops[] = {
    {"create semaphore", sf_none, sf_create_sem, sf_drop, PR_TRUE},
    {"open semaphore", sf_make_sem, sf_open_sem, sf_drop, PR_FALSE},
    {"close semaphore", sf_make_sem, sf_close_sem, sf_drop, PR_FALSE},
    {"delete semaphore", sf_make_sem, sf_delete_sem, sf_drop, PR_FALSE},
    {"post and wait", sf_make_sem, sf_post_wait_sem, sf_drop, PR_FALSE},
    {"create lock", sf_none, sf_create_lock, sf_drop, PR_TRUE},
    {"acquire and release", sf_make_lock, sf_use_lock, sf_drop, PR_FALSE},
};

/* ======================================================================
 * 3. The sweep
 */

/* Lines of /proc/self/maps: mappings of this process. */
static long sf_mappings(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  long n = 0;
  int c;

  if (f == NULL) return -1;
  while ((c = fgetc(f)) != EOF)
    if (c == '\n') n++;
  fclose(f);
  return n;
}

/* Whether an object of the name exists (any kind of this test's). */
static int sf_exists(const char *name) {
  PRSem *s = PR_OpenSemaphore(name, 0, 0, 0);
  prshm_lock *lk;

  if (s != NULL) {
    (void)PR_CloseSemaphore(s);
    return 1;
  }
  lk = prshm_lock_open(name, 0, 0);
  if (lk != NULL) {
    (void)prshm_lock_close(lk);
    return 1;
  }
  return 0;
}

/* Counts the calls of `op`, logging them. */
static long sf_count(const sf_op *op, sf_state *st) {
  op->setup(st);
  sf_calls = 0;
  sf_fail_at = 0;
  sf_armed = 1;
  CHECK_OK(op->run(st));
  sf_armed = 0;
  op->teardown(st);
  return sf_calls;
}

/* Failures the operation may survive: EINTR (retried, or ending a call
 * that needs no retry), a futex call (a wake that fails leaves the count
 * right; a wait that fails early only loops), a descriptor's close after
 * its object is mapped (the descriptor is gone either way), the fstat() a
 * creator makes to share its new mapping with later opens (sharing is all
 * it costs), and an open refused with EWOULDBLOCK (a tool's lease, waited
 * out). */
static int sf_harmless(const sf_op *op, sf_entry e, int err) {
  if (err == EINTR || e == SF_FUTEX || e == SF_CLOSE) return 1;
  if (op->creates && e == SF_FSTAT) return 1;
  /* "Busy" from a call that does not wait sends the operation to one that
   * does (a try before a sleep). */
  return err == EAGAIN && (e == SF_OPEN || e == SF_SEM_TRYWAIT || e == SF_FLOCK);
}

static void sf_one(const sf_op *op, sf_state *st, long at, int err) {
  long fds, maps;
  size_t handles;
  PRStatus rv;
  sf_entry e;

  op->setup(st);
  fds = t_open_descriptors();
  maps = sf_mappings();
  handles = prshm__registry_count();
  sf_calls = 0;
  sf_fail_at = at;
  sf_errno = err;
  sf_armed = 1;
  rv = op->run(st);
  sf_armed = 0;
  e = sf_log[at - 1];
  if (rv == PR_SUCCESS) {
    if (!sf_harmless(op, e, err) && at <= sf_calls)
      t_fail(__FILE__, __LINE__, "%s: %s failing with %s went unnoticed", op->what, sf_names[e],
             strerror(err));
  } else {
    if (PR_GetError() == 0) t_fail(__FILE__, __LINE__, "%s: no error set", op->what);
    if (e != SF_FUTEX && PR_GetOSError() != err && PR_GetError() != PR_FILE_IS_BUSY_ERROR)
      t_fail(__FILE__, __LINE__, "%s: %s failing with %s: OS error %d kept", op->what, sf_names[e],
             strerror(err), (int)PR_GetOSError());
    if (op->creates && sf_exists(st->name))
      t_fail(__FILE__, __LINE__, "%s: %s failing left an object", op->what, sf_names[e]);
    if (op->creates && prshm__registry_count() != handles)
      t_fail(__FILE__, __LINE__, "%s: a handle leaked", op->what);
  }
  /* A failed munmap leaves its mapping, as it must; anything else none. */
  if (e != SF_MUNMAP && rv != PR_SUCCESS && op->creates && sf_mappings() != maps)
    t_fail(__FILE__, __LINE__, "%s: %s failing leaked a mapping", op->what, sf_names[e]);
  /* A faked close() failure leaves the descriptor open, which a real one
   * (Linux closes it whatever it reports) would not; and a handle made by a
   * creating operation may keep one (the portable lock's). */
  if (t_open_descriptors() != fds && e != SF_CLOSE && !(rv == PR_SUCCESS && op->creates))
    t_fail(__FILE__, __LINE__, "%s: %s failing with %s leaked a descriptor (%ld to %ld)", op->what,
           sf_names[e], strerror(err), fds, t_open_descriptors());
  op->teardown(st);
}

static void sf_sweep(const sf_op *op) {
  static const int errs[] = {EINTR, EACCES, ENOSPC, ENOMEM, EMFILE, EIO, EAGAIN};
  sf_state st = {NULL, NULL, NULL};
  long n, at;
  size_t k;
  char line[1024] = "";

  st.name = t_name("sweep");
  sf_wrap();
  n = sf_count(op, &st);
  for (at = 1; at <= n; at++) {
    strncat(line, sf_names[sf_log[at - 1]], sizeof line - strlen(line) - 2);
    strncat(line, " ", sizeof line - strlen(line) - 1);
  }
  printf("%s: %ld calls: %s\n", op->what, n, line);
  for (at = 1; at <= n; at++) {
    for (k = 0; k < sizeof errs / sizeof errs[0]; k++) sf_one(op, &st, at, errs[k]);
  }
  /* Once the faults are gone, it works. */
  sf_count(op, &st);
  prshm__sys_reset();
}

TEST(sweep_create_semaphore) { sf_sweep(&sf_ops[0]); }
TEST(sweep_open_semaphore) { sf_sweep(&sf_ops[1]); }
TEST(sweep_close_semaphore) { sf_sweep(&sf_ops[2]); }
TEST(sweep_delete_semaphore) { sf_sweep(&sf_ops[3]); }
TEST(sweep_post_and_wait) { sf_sweep(&sf_ops[4]); }
TEST(sweep_create_lock) { sf_sweep(&sf_ops[5]); }
TEST(sweep_acquire_and_release) { sf_sweep(&sf_ops[6]); }

/* ======================================================================
 * 4. Specific paths
 */

static int sf_no_membarrier(int cmd) {
  (void)cmd;
  errno = EPERM;
  return -1;
}

/* What the fence test's threads do: post and wait through handles that the
 * main thread closes and opens again meanwhile. */
static int sf_fence_worker(void *arg) {
  const char *name = *(const char **)arg;
  int i;

  for (i = 0; i < 20000; i++) {
    PRSem *s = PR_OpenSemaphore(name, 0, 0, 0);
    if (s == NULL) return 1;
    if (PR_PostSemaphore(s) != PR_SUCCESS || PR_WaitSemaphore(s) != PR_SUCCESS) return 2;
    if (PR_CloseSemaphore(s) != PR_SUCCESS) return 3;
  }
  return 0;
}

/* A kernel that refuses membarrier (seccomp, old kernels): read sections
 * fence themselves, and closes racing with posts stay safe. In a child, so
 * that the choice is made afresh. */
CHILD(fence_mode) {
  const char *name = argv[0];
  t_thread t[3];
  PRSem *s;
  int i;

  (void)argc;
  prshm__sys.membarrier = sf_no_membarrier;
  s = PR_OpenSemaphore(name, 0, 0, 0);
  if (s == NULL || PR_PostSemaphore(s) != PR_SUCCESS) return 2;
  if (!atomic_load(&prshm__read_fence)) return 3;
  for (i = 0; i < 3; i++) t[i] = t_thread_start(sf_fence_worker, &name);
  for (i = 0; i < 3; i++)
    if (t_thread_join(t[i]) != 0) return 4;
  if (PR_WaitSemaphore(s) != PR_SUCCESS) return 5;
  return PR_CloseSemaphore(s) == PR_SUCCESS ? 0 : 6;
}

TEST(membarrier_refused_sections_fence_themselves) {
  const char *name = t_name("fence");
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0);
  const char *args[] = {name, NULL};
  PRUint32 v;

  CHECK_NOT_NULL(s);
  CHECK_EQ(t_wait(t_spawn("fence_mode", args)), 0);
  CHECK_OK(prshm_sem_getvalue(s, &v));
  CHECK_EQ(v, 0);
  CHECK_OK(PR_CloseSemaphore(s));
}

/* A lock the system cannot make robust (ENOTSUP from the C library, as
 * under an emulator without robust lists) is refused at creation, and
 * nothing is left under the name. */
static int sf_no_robust(pthread_mutex_t *m) {
  (void)m;
  return ENOTSUP;
}

TEST(lock_that_cannot_be_robust_is_refused) {
  const char *name = t_name("norobust");

  if (strcmp(prshm_backend_name(), "linux") != 0) SKIP("the portable lock uses flock()");
  prshm__sys.mutex_init = sf_no_robust;
  CHECK(prshm_lock_open(name, PRSHM_LOCK_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_OPERATION_NOT_SUPPORTED_ERROR);
  prshm__sys_reset();
  CHECK(prshm_lock_open(name, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* The listing reads a semaphore's or lock's object to tell its value or
 * state; when that read fails, the entry is still listed, with the value
 * and state unknown, and nothing else changes. */
static ssize_t sf_pread_fails(int fd, void *buf, size_t n, off_t offset) {
  (void)fd, (void)buf, (void)n, (void)offset;
  errno = EIO;
  return -1;
}

TEST(listing_survives_unreadable_objects) {
  const char *name = t_name("unreadable");
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 2);
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  prshm_seginfo info;
  PRStatus rv;

  CHECK_NOT_NULL(s);
  CHECK_NOT_NULL(lk);
  prshm__sys.pread = sf_pread_fails;
  rv = prshm_stat_object(name, PRSHM_OBJECT_SEMAPHORE, &info);
  if (rv == PR_SUCCESS) {
    CHECK_EQ(info.object, PRSHM_OBJECT_SEMAPHORE);
    /* The portable backend's POSIX semaphores are read with sem_getvalue(). */
    CHECK_EQ(info.value, strcmp(prshm_backend_name(), "linux") == 0 ? -1 : 2);
  } else {
    CHECK_ERROR(PR_NOT_IMPLEMENTED_ERROR); /* portable, under PRSHM_DIR */
  }
  CHECK_OK(prshm_stat_object(name, PRSHM_OBJECT_LOCK, &info));
  CHECK_EQ(info.object, PRSHM_OBJECT_LOCK);
  CHECK_EQ(info.lock_state, PRSHM_LOCK_UNKNOWN);
  CHECK_EQ(info.lock_holder, 0);
  prshm__sys_reset();
  CHECK_OK(prshm_stat_object(name, PRSHM_OBJECT_LOCK, &info));
  CHECK_EQ(info.lock_state, PRSHM_LOCK_FREE);
  CHECK_OK(prshm_sem_trywait(s));
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(prshm_lock_close(lk));
  CHECK_OK(PR_DeleteSemaphore(name));
  CHECK_OK(prshm_lock_delete(name));
}

/* ======================================================================
 * 5. Kill points
 */

/* Runs `op` ("sem", "lock", "delete") on the name, stopping before call
 * `at` (0: never) and reporting there; exits 0 when done. */
CHILD(victim) {
  const char *op = argv[0], *name = argv[1];
  PRStatus rv;

  (void)argc;
  sf_report_fd = atoi(argv[3]);
  sf_stop_at = atol(argv[2]);
  sf_wrap();
  sf_calls = 0;
  sf_armed = 1;
  if (strcmp(op, "sem") == 0)
    rv = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0640, 7) != NULL ? PR_SUCCESS
                                                                              : PR_FAILURE;
  else if (strcmp(op, "lock") == 0)
    rv = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0640) != NULL ? PR_SUCCESS
                                                                                  : PR_FAILURE;
  else
    rv = PR_DeleteSemaphore(name);
  sf_armed = 0;
  if (rv != PR_SUCCESS) return 2;
  printf("calls: %ld\n", sf_calls);
  t_send(sf_report_fd, 'd');
  return 0;
}

/* Whether this build creates locks atomically: Linux does; the portable
 * lock is made under its name and then filled (a documented limit). */
static int sf_atomic_locks(void) { return strcmp(prshm_backend_name(), "linux") == 0; }

/* The name holds nothing or a whole object: opening it never waits for a
 * creator, never finds a half-made one. (The portable lock: an opener of a
 * lock whose creator died before filling it waits at most 2 s, then is
 * refused with PR_FILE_IS_BUSY_ERROR, and delete clears the name.) */
static void sf_check_whole(const char *op, const char *name) {
  int64_t start = t_now_ms();

  if (strcmp(op, "lock") == 0) {
    prshm_lock *lk = prshm_lock_open(name, 0, 0);
    if (lk == NULL && !sf_atomic_locks() && PR_GetError() == PR_FILE_IS_BUSY_ERROR) {
      CHECK_INT(t_now_ms() - start, <, 5000);
      CHECK_OK(prshm_lock_delete(name));
      return;
    }
    if (lk != NULL) {
      PRBool died = PR_TRUE;
      CHECK_OK(prshm_lock_tryacquire(lk, &died));
      CHECK_EQ(died, PR_FALSE);
      CHECK_OK(prshm_lock_release(lk));
      CHECK_OK(prshm_lock_close(lk));
    } else {
      CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
    }
  } else {
    PRSem *s = PR_OpenSemaphore(name, 0, 0, 0);
    if (s != NULL) {
      PRUint32 v;
      CHECK_OK(prshm_sem_getvalue(s, &v));
      CHECK_EQ(v, 7);
      CHECK_OK(PR_CloseSemaphore(s));
    } else {
      CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
    }
  }
  CHECK_INT(t_now_ms() - start, <, 1000); /* nobody waited for a creator */
}

/* Temporary files the killed creator `pid` left (the fallback create
 * names them after its pid, so other tests' files, in the shared
 * namespace, are not counted). */
static int sf_leftovers(long pid) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  DIR *d = opendir(ns->has_dir ? ns->dir : "/dev/shm");
  struct dirent *e;
  char prefix[64];
  int n = 0;

  if (d == NULL) return 0;
  snprintf(prefix, sizeof prefix, ".prshm-tmp-%ld-", pid);
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
  closedir(d);
  return n;
}

static void sf_kill_sweep(const char *op) {
  const char *name = t_name("kill");
  long at, points = 0;
  int leftovers = 0;

  for (at = 1;; at++) {
    char atbuf[24], fdbuf[16];
    const char *args[5];
    int fds[2], c;
    t_proc kid;

    if (strcmp(op, "delete") == 0) {
      PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0640, 7);
      CHECK_NOT_NULL(s);
      CHECK_OK(PR_CloseSemaphore(s));
    }
    t_pipe(fds, 1);
    snprintf(atbuf, sizeof atbuf, "%ld", at);
    args[0] = op, args[1] = name, args[2] = atbuf, args[3] = t_fd_arg(fds[1], fdbuf);
    args[4] = NULL;
    kid = t_spawn("victim", args);
    close(fds[1]);
    c = t_recv(fds[0]);
    close(fds[0]);
    if (c == 'd') {
      CHECK_EQ(t_wait(kid), 0);
      sf_check_whole(op, name);
      break;
    }
    CHECK_EQ(c, 's');
    t_kill(kid);
    CHECK_EQ(t_wait(kid), 128 + SIGKILL);
    leftovers += sf_leftovers((long)kid.id);
    points++;
    sf_check_whole(op, name);
    t_remove_all(name);
  }
  printf("%s: killed at each of %ld points; the name held nothing or a whole object\n", op, points);
  CHECK(points > 0);
  CHECK_EQ(leftovers, 0);
}

TEST(kill_at_every_call_of_semaphore_create) { sf_kill_sweep("sem"); }
TEST(kill_at_every_call_of_lock_create) { sf_kill_sweep("lock"); }
TEST(kill_at_every_call_of_delete) { sf_kill_sweep("delete"); }
