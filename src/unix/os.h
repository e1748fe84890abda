/*
 * os.h (Unix) - the locks and once-only initialisation the portable code
 * uses, on POSIX threads. src/win/os.h is the Windows twin; the build puts
 * the right directory on the include path.
 */
#ifndef PRSHM_OS_H
#define PRSHM_OS_H

#include <pthread.h>

#if defined(PRSHM_FUTEX_MUTEX)
#include <stdatomic.h>
#include <stdint.h>

/* A mutex that needs no run-time initialisation: on Linux, one futex word
 * (0 free, 1 held, 2 held with threads asleep on it), whose uncontended
 * lock and unlock are one atomic instruction each, inline. The C library's
 * mutex costs a call into code that checks the mutex's type first, and on
 * a kernel that empties the TLB at every system call, touching the C
 * library's pages for it between the calls of an open costs more again
 * (docs/benchmarks.md, "Where the open path's time goes"). Not robust, not
 * shared between processes, not recursive: the library's own short
 * sections only. */
typedef struct prshm__mutex {
  _Atomic uint32_t word;
} prshm__mutex;
#define PRSHM__MUTEX_INIT \
  { 0 }

/* The contended halves (thread_linux.c). */
void prshm__mutex_wait(prshm__mutex *m);
void prshm__mutex_wake(prshm__mutex *m);

static inline __attribute__((always_inline)) void prshm__mutex_lock(prshm__mutex *m) {
  uint32_t free_word = 0;

  if (!atomic_compare_exchange_strong_explicit(&m->word, &free_word, 1, memory_order_acquire,
                                               memory_order_relaxed))
    prshm__mutex_wait(m);
}

static inline __attribute__((always_inline)) void prshm__mutex_unlock(prshm__mutex *m) {
  if (atomic_exchange_explicit(&m->word, 0, memory_order_release) == 2) prshm__mutex_wake(m);
}
#else
/* A mutex that needs no run-time initialisation. */
typedef pthread_mutex_t prshm__mutex;
#define PRSHM__MUTEX_INIT PTHREAD_MUTEX_INITIALIZER

static inline void prshm__mutex_lock(prshm__mutex *m) { (void)pthread_mutex_lock(m); }
static inline void prshm__mutex_unlock(prshm__mutex *m) { (void)pthread_mutex_unlock(m); }
#endif

/* Runs a function exactly once per process, however many threads race. */
typedef pthread_once_t prshm__once;
#define PRSHM__ONCE_INIT PTHREAD_ONCE_INIT
static inline void prshm__run_once(prshm__once *once, void (*fn)(void)) {
  (void)pthread_once(once, fn);
}

/* Thread-local storage that the fast paths read in one instruction: the
 * initial-exec model, even in the shared library (the few bytes come from
 * the C library's reserve of static TLS when it is loaded with dlopen()). */
#if defined(__GNUC__)
#define PRSHM__FAST_TLS _Thread_local __attribute__((tls_model("initial-exec")))
#else
#define PRSHM__FAST_TLS _Thread_local
#endif

#endif /* PRSHM_OS_H */
