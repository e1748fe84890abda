/*
 * psem.c - the portable semaphore backend: a POSIX named semaphore
 * (sem_open()), what macOS and the BSDs offer for it, built and tested on
 * Linux with PRSHM_PORTABLE=ON.
 *
 * The semaphore is the OS's; prshm adds its names, its handles, and the
 * promises the OS call does not keep by itself:
 *   - creation is the OS's, atomic with its value (O_CREAT|O_EXCL and the
 *     value in one call);
 *   - the name is "/" + the key (at most 31 bytes: macOS's limit for these
 *     names too), in the semaphores' own namespace: PRSHM_DIR does not move
 *     it (a platform limit; prshm(7));
 *   - the permissions are the mode narrowed by the umask: sem_open() has no
 *     way to set them exactly, and changing the process's umask would race
 *     with other threads (a platform limit);
 *   - waits resume after signals (EINTR), and a timed wait uses
 *     sem_timedwait() where it exists; where it does not (macOS), it checks
 *     the value at growing intervals of at most 1 ms (a platform limit);
 *   - the largest value is the system's SEM_VALUE_MAX (32767 on macOS);
 *     larger initial values are refused, and a post at it fails if the
 *     system reports it (EOVERFLOW);
 *   - the value can be read where sem_getvalue() works (not macOS, where
 *     it fails with ENOSYS: PR_NOT_IMPLEMENTED_ERROR).
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "psem.h"

/* "/" + key within 31 bytes, macOS's limit (as for segments). */
#define PSEM_NAME_SIZE 32
/* The longest pause of a timed wait's polling. */
#define PSEM_POLL_MAX_NS 1000000L

#if defined(SEM_VALUE_MAX)
#define PSEM_VALUE_MAX ((PRUint32)SEM_VALUE_MAX)
#else
#define PSEM_VALUE_MAX 32767u /* POSIX's least maximum (_POSIX_SEM_VALUE_MAX) */
#endif

/* The name sem_open() takes: "/" + key. */
static PRStatus psem_name(const char *key, char *name) {
  size_t len = strlen(key);

  /* Keys are at most 30 bytes in this backend (posix.c); checked anyway. */
  if (len + 2 > PSEM_NAME_SIZE) return prshm__fail(PR_NAME_TOO_LONG_ERROR, 0);
  name[0] = '/';
  memcpy(name + 1, key, len + 1);
  return PR_SUCCESS;
}

static PRStatus psem_open(const char *key, PRIntn flags, PRIntn mode, PRUint32 value,
                          prshm__sync *s) {
  char name[PSEM_NAME_SIZE];
  int oflag = 0;
  sem_t *sem;

  if (prshm__unix_namespace()->error != 0) return prshm__fail(prshm__unix_namespace()->error, 0);
  if (psem_name(key, name) != PR_SUCCESS) return PR_FAILURE;
  if ((flags & PR_SEM_CREATE) != 0) oflag |= O_CREAT;
  if ((flags & PR_SEM_CREATE) != 0 && (flags & PR_SEM_EXCL) != 0) oflag |= O_EXCL;
  do {
    sem = prshm__sys.sem_open(name, oflag, (mode_t)mode, value);
  } while (sem == SEM_FAILED && errno == EINTR);
  if (sem == SEM_FAILED) return prshm__fail_os(errno);
  s->os = (uintptr_t)sem;
  s->addr = sem;
  s->size = 0;
  s->local = NULL;
  return PR_SUCCESS;
}

static PRStatus psem_close(prshm__sync *s) {
  /* As close(2): after EINTR the semaphore is released all the same. */
  if (prshm__sys.sem_close(s->addr) != 0 && errno != EINTR) return prshm__fail_os(errno);
  return PR_SUCCESS;
}

static PRStatus psem_remove(const char *key) {
  char name[PSEM_NAME_SIZE];
  int rv;

  if (prshm__unix_namespace()->error != 0) return prshm__fail(prshm__unix_namespace()->error, 0);
  if (psem_name(key, name) != PR_SUCCESS) return PR_FAILURE;
  PRSHM__RETRY_EINTR(rv, prshm__sys.sem_unlink(name));
  if (rv != 0) return prshm__fail_os(errno);
  return PR_SUCCESS;
}

PRStatus prshm__sem_post(prshm__sync *s) { return prshm__sem_post_fast(s->addr); }

int prshm__sem_trywait(prshm__sync *s) { return prshm__sem_trywait_fast(s->addr); }

/* The realtime clock's time at the monotonic `deadline`: what
 * sem_timedwait() takes. */
static void psem_realtime(PRUint64 deadline, struct timespec *ts) {
  PRUint64 now = prshm__os_now_ns(), left = deadline > now ? deadline - now : 0, ns;

  (void)prshm__sys.clock_gettime(CLOCK_REALTIME, ts);
  ns = (PRUint64)ts->tv_nsec + left % 1000000000u;
  ts->tv_sec += (time_t)(left / 1000000000u + ns / 1000000000u);
  ts->tv_nsec = (long)(ns % 1000000000u);
}

/* A timed wait without sem_timedwait(): tries at growing intervals. */
static PRStatus psem_poll(prshm__sync *s, PRUint64 deadline) {
  long step = 1000; /* nanoseconds */

  for (;;) {
    struct timespec ts;
    int got = prshm__sem_trywait_fast(s->addr);
    PRUint64 now;
    if (got != 0) return got > 0 ? PR_SUCCESS : PR_FAILURE;
    now = prshm__os_now_ns();
    if (now >= deadline) return prshm__fail(PR_IO_TIMEOUT_ERROR, ETIMEDOUT);
    ts.tv_sec = 0;
    ts.tv_nsec = deadline - now < (PRUint64)step ? (long)(deadline - now) : step;
    (void)prshm__sys.nanosleep(&ts, NULL);
    if (step < PSEM_POLL_MAX_NS) step *= 2;
  }
}

static PRStatus psem_wait(prshm__sync *s, PRUint64 deadline) {
  int rv;

  if (deadline == PRSHM__FOREVER) {
    PRSHM__RETRY_EINTR(rv, prshm__sys.sem_wait(s->addr));
    return rv == 0 ? PR_SUCCESS : prshm__fail_os(errno);
  }
  if (prshm__sys.sem_timedwait == NULL) return psem_poll(s, deadline);
  for (;;) {
    struct timespec ts;
    /* Recomputed after a signal: the deadline is on the monotonic clock. */
    psem_realtime(deadline, &ts);
    if (prshm__sys.sem_timedwait(s->addr, &ts) == 0) return PR_SUCCESS;
    if (errno == ETIMEDOUT) {
      /* The realtime clock may have jumped: only the monotonic one ends
       * the wait. */
      if (prshm__os_now_ns() >= deadline) return prshm__fail(PR_IO_TIMEOUT_ERROR, errno);
    } else if (errno != EINTR) {
      return prshm__fail_os(errno);
    }
  }
}

static PRStatus psem_getvalue(prshm__sync *s, PRUint32 *value) {
  int v, rv;

  PRSHM__RETRY_EINTR(rv, prshm__sys.sem_getvalue(s->addr, &v));
  if (rv != 0) return prshm__fail_os(errno);
  /* Some systems report waiters as a negative value: none is available. */
  *value = v > 0 ? (PRUint32)v : 0;
  return PR_SUCCESS;
}

/* Opens the semaphore by name (its file is glibc's, whose layout is not
 * prshm's to read) and asks its value. */
static void psem_describe(const char *key, int fd, prshm__objstate *st) {
  char name[PSEM_NAME_SIZE];
  sem_t *sem;
  int v;

  (void)fd;
  if (psem_name(key, name) != PR_SUCCESS) return;
  sem = prshm__sys.sem_open(name, 0, 0, 0);
  if (sem == SEM_FAILED) return;
  if (prshm__sys.sem_getvalue(sem, &v) == 0) st->value = v > 0 ? v : 0;
  (void)prshm__sys.sem_close(sem);
}

const prshm__sem_backend prshm__sem_impl = {
    "posix-sem",        PSEM_VALUE_MAX, psem_open,     psem_close, psem_remove,   prshm__sem_post,
    prshm__sem_trywait, psem_wait,      psem_getvalue, "sem.",     psem_describe,
};
