/*
 * lock.c - the robust named lock's front door (prshm_ext.h).
 *
 * The contract, chosen against what users of other robust locks trip on:
 *   - success always means "you hold the lock", failure always means "you
 *     do not". POSIX reports a dead holder as the error EOWNERDEAD and
 *     Windows as WAIT_ABANDONED while the caller does hold the lock, so
 *     code that checks "!= 0" leaks it; here the news comes through a
 *     separate flag (*owner_died) on a successful call;
 *   - there is no "consistent" step. A POSIX robust mutex whose EOWNERDEAD
 *     is not followed by pthread_mutex_consistent() becomes unusable for
 *     every process, for good; prshm's lock is usable again as soon as it
 *     is released, whatever the caller did about the news;
 *   - each death is reported once, to the one caller that acquires the
 *     lock next; a thread that exits holding the lock counts as dead, as
 *     on both systems;
 *   - a thread that locks a lock it holds gets PR_DEADLOCK_ERROR (never a
 *     hang, never Windows' silent recursion), and releasing a lock the
 *     calling thread does not hold is PR_INVALID_STATE_ERROR.
 * Handles are registry tokens of the lock kind; fast paths run in read
 * sections as for semaphores (sync.h).
 */
#include "sync.h"
#include PRSHM_SYNC_FAST_H

#define LOCK_MODE_BITS 0777
#define LOCK_OPEN_FLAGS (PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL)

prshm_lock *prshm_lock_open(const char *name, PRIntn flags, PRIntn mode) {
  char key[PRSHM__KEY_SIZE];
  prshm__sync s;
  void *token;

  if ((flags & ~LOCK_OPEN_FLAGS) != 0 || (mode & ~LOCK_MODE_BITS) != 0) {
    prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
    return NULL;
  }
  if (prshm__name_key(name, PRSHM__KIND_LOCK, key) != PR_SUCCESS) return NULL;
  if (prshm__lock_impl.open(key, flags, mode, &s) != PR_SUCCESS) return NULL;
  token = prshm__registry_add_sync(PRSHM__KIND_LOCK, &s, prshm__lock_impl.close);
  if (token == NULL) (void)prshm__lock_impl.close(&s);
  return token;
}

PRStatus prshm_lock_close(prshm_lock *lock) {
  return prshm__registry_close_kind(lock, PRSHM__KIND_LOCK);
}

PRStatus prshm_lock_delete(const char *name) {
  char key[PRSHM__KEY_SIZE];

  if (prshm__name_key(name, PRSHM__KIND_LOCK, key) != PR_SUCCESS) return PR_FAILURE;
  return prshm__lock_impl.remove(key);
}

/* Records that the calling thread holds the lock through `s`. */
static void lock_held(prshm__sync *s, PRBool died, PRBool *owner_died) {
  atomic_store_explicit(&s->holder, prshm__os_thread_id(), memory_order_relaxed);
  if (owner_died != NULL) *owner_died = died;
}

/* Acquires `lock`: at once if it is free, else sleeping until `deadline`.
 * `busy` is the error when it cannot be had in time. */
static PRStatus lock_take(prshm_lock *lock, PRUint64 deadline, PRErrorCode busy,
                          PRBool *owner_died) {
  prshm__use u;
  prshm__sync *s;
  prshm__handle *h;
  PRBool died = PR_FALSE;
  int got;
  PRStatus rv;

  if (owner_died != NULL) *owner_died = PR_FALSE;
  s = prshm__use_lock(&u, lock);
  if (s == NULL) return PR_FAILURE;
  got = prshm__lock_trylock_fast(s, &died);
  if (got > 0) lock_held(s, died, owner_died);
  prshm__use_end(&u);
  if (got != 0) return got > 0 ? PR_SUCCESS : PR_FAILURE;
  if (deadline != PRSHM__FOREVER && prshm__os_now_ns() >= deadline) return prshm__fail(busy, 0);
  /* Sleeping: a reference keeps the lock's object mapped meanwhile. */
  h = prshm__registry_acquire_kind(lock, PRSHM__KIND_LOCK);
  if (h == NULL) return PR_FAILURE;
  rv = prshm__lock_impl.lock(prshm__handle_sync(h), deadline, &died);
  if (rv == PR_SUCCESS) lock_held(prshm__handle_sync(h), died, owner_died);
  prshm__registry_release(h);
  return rv;
}

PRStatus prshm_lock_acquire(prshm_lock *lock, PRBool *owner_died) {
  return lock_take(lock, PRSHM__FOREVER, PR_IO_TIMEOUT_ERROR, owner_died);
}

PRStatus prshm_lock_tryacquire(prshm_lock *lock, PRBool *owner_died) {
  return lock_take(lock, 0, PR_WOULD_BLOCK_ERROR, owner_died);
}

PRStatus prshm_lock_timedacquire(prshm_lock *lock, PRUint32 timeout_ms, PRBool *owner_died) {
  return lock_take(lock, prshm__deadline(timeout_ms), PR_IO_TIMEOUT_ERROR, owner_died);
}

PRStatus prshm_lock_release(prshm_lock *lock) {
  prshm__use u;
  prshm__sync *s = prshm__use_lock(&u, lock);
  uintptr_t self;
  PRBool mine;
  PRStatus rv;

  if (s == NULL) return PR_FAILURE;
  /* The record is cleared while the lock is still held, so no other thread
   * can have taken the lock and written its own record meanwhile; only the
   * holder writes it, so a release by another thread leaves it alone. */
  self = prshm__os_thread_id();
  mine = atomic_load_explicit(&s->holder, memory_order_relaxed) == self;
  if (mine) atomic_store_explicit(&s->holder, 0, memory_order_relaxed);
  rv = prshm__lock_unlock_fast(s);
  if (rv != PR_SUCCESS && mine) atomic_store_explicit(&s->holder, self, memory_order_relaxed);
  prshm__use_end(&u);
  return rv;
}
