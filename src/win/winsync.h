/*
 * winsync.h - the Windows semaphore's fast operations, inline, for the
 * front door (sem.c) and sync.c: the kernel object's own calls. The lock's
 * fast operations are calls into sync.c.
 */
#ifndef PRSHM_WINSYNC_H
#define PRSHM_WINSYNC_H

#include "sync.h"
#include "win.h"

/* Adds 1 to the semaphore whose handle is `obj`. */
static inline PRStatus prshm__sem_post_fast(void *obj) {
  DWORD err;

  if (prshm__sys.release_semaphore((HANDLE)obj, 1, NULL)) return PR_SUCCESS;
  err = GetLastError();
  if (err == ERROR_TOO_MANY_POSTS) return prshm__fail(PR_RANGE_ERROR, (PRInt32)err);
  return prshm__fail_os((PRInt32)err);
}

/* Takes 1 if it can: 1, 0, or -1 (error set). */
static inline int prshm__sem_trywait_fast(void *obj) {
  DWORD rv = prshm__sys.wait_object((HANDLE)obj, 0);

  if (rv == WAIT_OBJECT_0) return 1;
  if (rv == WAIT_TIMEOUT) return 0;
  prshm__fail_os((PRInt32)GetLastError());
  return -1;
}

#define prshm__lock_trylock_fast prshm__lock_trylock
#define prshm__lock_unlock_fast prshm__lock_unlock

#endif /* PRSHM_WINSYNC_H */
