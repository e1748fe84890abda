/*
 * os.h (Unix) - the locks and once-only initialisation the portable code
 * uses, on POSIX threads. src/win/os.h is the Windows twin; the build puts
 * the right directory on the include path.
 */
#ifndef PRSHM_OS_H
#define PRSHM_OS_H

#include <pthread.h>

/* A mutex that needs no run-time initialisation. */
typedef pthread_mutex_t prshm__mutex;
#define PRSHM__MUTEX_INIT PTHREAD_MUTEX_INITIALIZER

static inline void prshm__mutex_lock(prshm__mutex *m) { (void)pthread_mutex_lock(m); }
static inline void prshm__mutex_unlock(prshm__mutex *m) { (void)pthread_mutex_unlock(m); }

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
