/*
 * sem.c - the semaphore front door: NSPR's five calls (pripcsem.h) and
 * prshm's extensions (prshm_ext.h).
 *
 * Every argument is checked here, once; the backend (prshm__sem_impl)
 * does the OS work. Handles are registry tokens of the semaphore kind, so a
 * segment's or a lock's handle is refused like any foreign pointer. Posts
 * and waits that need not sleep run inside a read section (sync.h): no
 * lock, no reference count, no system call. A wait that must sleep takes a
 * reference first, so a close in another thread cannot release the
 * semaphore under it.
 */
#include "sync.h"
#include PRSHM_SYNC_FAST_H

#define SEM_MODE_BITS 0777

PRUint64 prshm__deadline(PRUint32 timeout_ms) {
  if (timeout_ms == PRSHM_NO_TIMEOUT) return PRSHM__FOREVER;
  return prshm__os_now_ns() + (PRUint64)timeout_ms * 1000000u;
}

PRSem *PR_OpenSemaphore(const char *name, PRIntn flags, PRIntn mode, PRUintn value) {
  char key[PRSHM__KEY_SIZE];
  prshm__sync s;
  void *token;

  if ((flags & ~(PR_SEM_CREATE | PR_SEM_EXCL)) != 0 || (mode & ~SEM_MODE_BITS) != 0 ||
      ((flags & PR_SEM_CREATE) != 0 && value > prshm__sem_impl.value_max)) {
    prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
    return NULL;
  }
  if (prshm__name_key(name, PRSHM__KIND_SEM, key) != PR_SUCCESS) return NULL;
  if (prshm__sem_impl.open(key, flags, mode, (PRUint32)value, &s) != PR_SUCCESS) return NULL;
  token = prshm__registry_add_sync(PRSHM__KIND_SEM, &s, prshm__sem_impl.close);
  if (token == NULL) (void)prshm__sem_impl.close(&s);
  return token;
}

PRStatus PR_PostSemaphore(PRSem *sem) {
  prshm__use u;
  void *obj = prshm__use_sem(&u, sem);
  PRStatus rv;

  if (obj == NULL) return PR_FAILURE;
  rv = prshm__sem_post_fast(obj);
  prshm__use_end(&u);
  return rv;
}

/* Takes 1 from `sem` if it can at once: 1 taken, 0 not, -1 error set. */
static inline __attribute__((always_inline)) int sem_try(PRSem *sem) {
  prshm__use u;
  void *obj = prshm__use_sem(&u, sem);
  int got;

  if (obj == NULL) return -1;
  got = prshm__sem_trywait_fast(obj);
  prshm__use_end(&u);
  return got;
}

/* Takes 1 from `sem`, sleeping until `deadline` (the value was 0). */
static __attribute__((noinline)) PRStatus sem_sleep(PRSem *sem, PRUint64 deadline) {
  prshm__handle *h;
  PRStatus rv;

  if (deadline != PRSHM__FOREVER && prshm__os_now_ns() >= deadline)
    return prshm__fail(PR_IO_TIMEOUT_ERROR, 0);
  /* Sleeping: a reference, not a section, keeps the semaphore mapped. If
   * the handle was closed in between, the call fails as if it had been
   * closed before it began. */
  h = prshm__registry_acquire_kind(sem, PRSHM__KIND_SEM);
  if (h == NULL) return PR_FAILURE;
  rv = prshm__sem_impl.wait(prshm__handle_sync(h), deadline);
  prshm__registry_release(h);
  return rv;
}

PRStatus PR_WaitSemaphore(PRSem *sem) {
  int got = sem_try(sem);

  if (got != 0) return got > 0 ? PR_SUCCESS : PR_FAILURE;
  return sem_sleep(sem, PRSHM__FOREVER);
}

PRStatus PR_CloseSemaphore(PRSem *sem) { return prshm__registry_close_kind(sem, PRSHM__KIND_SEM); }

PRStatus PR_DeleteSemaphore(const char *name) {
  char key[PRSHM__KEY_SIZE];

  if (prshm__name_key(name, PRSHM__KIND_SEM, key) != PR_SUCCESS) return PR_FAILURE;
  return prshm__sem_impl.remove(key);
}

/* ---- Extensions (prshm_ext.h) ---- */

PRStatus prshm_sem_trywait(PRSem *sem) {
  int got = sem_try(sem);

  if (got == 0) return prshm__fail(PR_WOULD_BLOCK_ERROR, 0);
  return got > 0 ? PR_SUCCESS : PR_FAILURE;
}

PRStatus prshm_sem_timedwait(PRSem *sem, PRUint32 timeout_ms) {
  /* The deadline is taken before the first try, so that the time a try
   * takes counts. */
  PRUint64 deadline = prshm__deadline(timeout_ms);
  int got = sem_try(sem);

  if (got != 0) return got > 0 ? PR_SUCCESS : PR_FAILURE;
  return sem_sleep(sem, deadline);
}

PRStatus prshm_sem_getvalue(PRSem *sem, PRUint32 *value) {
  prshm__handle *h;
  PRStatus rv;

  if (value == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  /* Not a hot path: a reference, so that the backend sees the whole
   * handle. */
  h = prshm__registry_acquire_kind(sem, PRSHM__KIND_SEM);
  if (h == NULL) return PR_FAILURE;
  rv = prshm__sem_impl.getvalue(prshm__handle_sync(h), value);
  prshm__registry_release(h);
  return rv;
}

PRUint32 prshm_sem_value_max(void) { return prshm__sem_impl.value_max; }
