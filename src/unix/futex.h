/*
 * futex.h - the Linux semaphore's object layout and its fast operations,
 * inline, for the front door (sem.c) and for futex.c. The lock's fast
 * operations are calls into robust.c (the C library's mutex is a call in
 * any case).
 */
#ifndef PRSHM_FUTEX_H
#define PRSHM_FUTEX_H

#include <errno.h>

#include "unix.h"

/* The layout after the header; the format number names it. */
#define PRSHM__FUTEX_SEM_FORMAT 0x00010001u

typedef struct prshm__futex_sem {
  prshm__objhead head;      /* kind, format and magic (object.c) */
  _Atomic uint32_t value;   /* the count; the futex word */
  _Atomic uint32_t waiters; /* threads in the wait that found 0 */
} prshm__futex_sem;

/* Wakes one waiter of `f` (futex.c). */
void prshm__futex_sem_wake(prshm__futex_sem *f);

static inline __attribute__((always_inline)) PRStatus prshm__sem_post_fast(void *obj) {
  prshm__futex_sem *f = obj;
  uint32_t v = atomic_load_explicit(&f->value, memory_order_relaxed);

  do {
    if (__builtin_expect(v >= PRSHM_SEM_VALUE_MAX, 0))
      return prshm__fail(PR_RANGE_ERROR, EOVERFLOW);
  } while (!atomic_compare_exchange_weak(&f->value, &v, v + 1));
  /* Sequentially consistent with the waiter's count: see futex.c. */
  if (__builtin_expect(atomic_load(&f->waiters) != 0, 0)) prshm__futex_sem_wake(f);
  return PR_SUCCESS;
}

static inline __attribute__((always_inline)) int prshm__sem_trywait_fast(void *obj) {
  prshm__futex_sem *f = obj;
  uint32_t v = atomic_load_explicit(&f->value, memory_order_relaxed);

  while (v != 0)
    if (atomic_compare_exchange_weak_explicit(&f->value, &v, v - 1, memory_order_acquire,
                                              memory_order_relaxed))
      return 1;
  return 0;
}

#define prshm__lock_trylock_fast prshm__lock_trylock
#define prshm__lock_unlock_fast prshm__lock_unlock

#endif /* PRSHM_FUTEX_H */
