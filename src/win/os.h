/*
 * os.h (Windows) - the locks and once-only initialisation the portable code
 * uses, on Win32 primitives. The twin of src/unix/os.h; the build puts the
 * right directory on the include path.
 */
#ifndef PRSHM_OS_H
#define PRSHM_OS_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

/* A mutex that needs no run-time initialisation and no destruction: a slim
 * reader/writer lock, always taken exclusively. */
typedef SRWLOCK prshm__mutex;
#define PRSHM__MUTEX_INIT SRWLOCK_INIT

static inline void prshm__mutex_lock(prshm__mutex *m) { AcquireSRWLockExclusive(m); }
static inline void prshm__mutex_unlock(prshm__mutex *m) { ReleaseSRWLockExclusive(m); }

/* Runs a function exactly once per process, however many threads race. */
typedef INIT_ONCE prshm__once;
#define PRSHM__ONCE_INIT INIT_ONCE_STATIC_INIT

/* InitOnceExecuteOnce() wants a callback of its own shape; this carries
 * the caller's plain function through its parameter. */
static inline BOOL CALLBACK prshm__once_trampoline(PINIT_ONCE once, PVOID fn, PVOID *ctx) {
  (void)once;
  (void)ctx;
  (*(void (**)(void))fn)();
  return TRUE;
}

static inline void prshm__run_once(prshm__once *once, void (*fn)(void)) {
  (void)InitOnceExecuteOnce(once, prshm__once_trampoline, (PVOID)&fn, NULL);
}

/* Thread-local storage for the fast paths (mingw emulates it). */
#define PRSHM__FAST_TLS _Thread_local

#endif /* PRSHM_OS_H */
