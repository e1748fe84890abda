/*
 * thread_linux.c - the Linux-only services of the OS layer: the
 * process-wide barrier (membarrier), thread ids (gettid, tgkill), and the
 * defaults of the system-call table's futex, membarrier and robust mutex
 * entries. thread_posix.c is the portable build's twin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sync.h"
#include "sys.h"

long prshm__sys_futex(_Atomic uint32_t *word, int op, uint32_t val,
                      const struct timespec *deadline) {
  /* The bitset op reads its timeout as an absolute deadline, so a wait
   * resumed after a signal never stretches. */
  if (op == FUTEX_WAIT_BITSET)
    return syscall(SYS_futex, word, op, val, deadline, NULL, FUTEX_BITSET_MATCH_ANY);
  return syscall(SYS_futex, word, op, val, deadline, NULL, 0);
}

/* The contended lock of os.h's mutex: marks the word "held with sleepers"
 * and sleeps until it finds it free, then holds it in that state (a
 * sleeper may remain, so its unlock wakes one). A spurious wake or a
 * signal only goes round again. */
void prshm__mutex_wait(prshm__mutex *m) {
  while (atomic_exchange_explicit(&m->word, 2, memory_order_acquire) != 0)
    (void)syscall(SYS_futex, &m->word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
}

void prshm__mutex_wake(prshm__mutex *m) {
  (void)syscall(SYS_futex, &m->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int prshm__sys_membarrier(int cmd) { return (int)syscall(SYS_membarrier, cmd, 0, 0); }

int prshm__sys_mutex_init(pthread_mutex_t *m) {
  pthread_mutexattr_t attr;
  int err = pthread_mutexattr_init(&attr);

  if (err != 0) return err;
  err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (err == 0) err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  if (err == 0) err = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  if (err == 0) err = pthread_mutex_init(m, &attr);
  (void)pthread_mutexattr_destroy(&attr);
  return err;
}

int prshm__sys_mutex_trylock(pthread_mutex_t *m) { return pthread_mutex_trylock(m); }

#if defined(PRSHM__TSAN)
/* ThreadSanitizer (GCC 12's) does not intercept pthread_mutex_clocklock(),
 * so it would not see the mutex taken, and would report its unlock. Its
 * builds wait with pthread_mutex_timedlock() on the realtime clock, the
 * monotonic deadline converted (a jump of the clock can then shorten or
 * lengthen a timed acquire, in those builds only). */
static int linux_timedlock(pthread_mutex_t *m, const struct timespec *deadline) {
  struct timespec now, real;
  long long left;

  (void)clock_gettime(CLOCK_MONOTONIC, &now);
  left =
      (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL + deadline->tv_nsec - now.tv_nsec;
  if (left < 0) left = 0;
  (void)clock_gettime(CLOCK_REALTIME, &real);
  left += real.tv_nsec;
  real.tv_sec += (time_t)(left / 1000000000LL);
  real.tv_nsec = (long)(left % 1000000000LL);
  return pthread_mutex_timedlock(m, &real);
}
#else
static int linux_timedlock(pthread_mutex_t *m, const struct timespec *deadline) {
  return pthread_mutex_clocklock(m, CLOCK_MONOTONIC, deadline);
}
#endif

int prshm__sys_mutex_lock(pthread_mutex_t *m, const struct timespec *deadline) {
  if (deadline == NULL) return pthread_mutex_lock(m);
  return linux_timedlock(m, deadline);
}

int prshm__sys_mutex_unlock(pthread_mutex_t *m) { return pthread_mutex_unlock(m); }

int prshm__sys_mutex_consistent(pthread_mutex_t *m) { return pthread_mutex_consistent(m); }

PRBool prshm__os_barrier_init(void) {
  /* Registration is per address space; it may be refused (old kernels,
   * seccomp filters), and then readers fence themselves. */
  return prshm__sys.membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 ? PR_TRUE : PR_FALSE;
}

void prshm__os_barrier(void) {
  /* Registered when the mode was chosen, so this cannot fail but for a
   * table entry a test replaced; then every thread may not have fenced,
   * and the safe answer is the slow one: a barrier of its own, and the
   * readers' fences from now on. */
  if (prshm__sys.membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) {
    atomic_store(&prshm__read_fence, 1);
    PRSHM__FENCE();
  }
}

/* The calling thread's id, asked of the kernel once: the lock's fast path
 * reads it at every acquire and release. */
static PRSHM__FAST_TLS uintptr_t linux_tid;

uintptr_t prshm__os_thread_id(void) {
  if (linux_tid == 0) linux_tid = (uintptr_t)syscall(SYS_gettid);
  return linux_tid;
}

/* The child of fork() is a new thread with its own id. */
static void linux_tid_forget(void) { linux_tid = 0; }

__attribute__((constructor)) static void linux_thread_init(void) {
  prshm__os_at_fork(NULL, NULL, linux_tid_forget);
}

PRBool prshm__os_thread_alive(uintptr_t id) {
  /* Signal 0 only checks that the thread exists in this process. */
  if (syscall(SYS_tgkill, (long)getpid(), (long)id, 0) == 0) return PR_TRUE;
  return errno == ESRCH ? PR_FALSE : PR_TRUE;
}
