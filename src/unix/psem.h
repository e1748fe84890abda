/*
 * psem.h - the portable semaphore's fast operations, inline, for the front
 * door (sem.c) and psem.c: a POSIX named semaphore's own calls. The lock's
 * fast operations are calls into plock.c.
 */
#ifndef PRSHM_PSEM_H
#define PRSHM_PSEM_H

#include <errno.h>

#include "unix.h"

/* Adds 1 to the sem_t at `obj`; PR_RANGE_ERROR at the system's maximum. */
static inline PRStatus prshm__sem_post_fast(void *obj) {
  if (prshm__sys.sem_post(obj) == 0) return PR_SUCCESS;
  if (errno == EOVERFLOW) return prshm__fail(PR_RANGE_ERROR, errno);
  return prshm__fail_os(errno);
}

/* Takes 1 from the sem_t at `obj` if it can: 1, 0, or -1 (error set). */
static inline int prshm__sem_trywait_fast(void *obj) {
  int rv;

  PRSHM__RETRY_EINTR(rv, prshm__sys.sem_trywait(obj));
  if (rv == 0) return 1;
  if (errno == EAGAIN) return 0;
  prshm__fail_os(errno);
  return -1;
}

#define prshm__lock_trylock_fast prshm__lock_trylock
#define prshm__lock_unlock_fast prshm__lock_unlock

#endif /* PRSHM_PSEM_H */
