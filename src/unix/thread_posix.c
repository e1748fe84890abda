/*
 * thread_posix.c - the portable build's twin of thread_linux.c: no
 * process-wide barrier (read sections fence themselves), thread ids from
 * pthread_self(), and stubs that fail with ENOSYS for the system-call
 * table's Linux-only entries and the robust mutex, which the portable
 * backends do not use (macOS has no robust mutexes).
 */
#include <errno.h>

#include "sync.h"
#include "sys.h"

long prshm__sys_futex(_Atomic uint32_t *word, int op, uint32_t val,
                      const struct timespec *deadline) {
  (void)word;
  (void)op;
  (void)val;
  (void)deadline;
  errno = ENOSYS;
  return -1;
}

int prshm__sys_membarrier(int cmd) {
  (void)cmd;
  errno = ENOSYS;
  return -1;
}

int prshm__sys_mutex_init(pthread_mutex_t *m) {
  (void)m;
  return ENOSYS;
}

int prshm__sys_mutex_trylock(pthread_mutex_t *m) {
  (void)m;
  return ENOSYS;
}

int prshm__sys_mutex_lock(pthread_mutex_t *m, const struct timespec *deadline) {
  (void)m;
  (void)deadline;
  return ENOSYS;
}

int prshm__sys_mutex_unlock(pthread_mutex_t *m) {
  (void)m;
  return ENOSYS;
}

int prshm__sys_mutex_consistent(pthread_mutex_t *m) {
  (void)m;
  return ENOSYS;
}

PRBool prshm__os_barrier_init(void) { return PR_FALSE; }

void prshm__os_barrier(void) { PRSHM__FENCE(); }

/* A thread's pthread_t, as a number. POSIX does not promise that it is a
 * number, but every system this backend targets makes it one (a pointer
 * or an integer), unique among live threads. */
uintptr_t prshm__os_thread_id(void) { return (uintptr_t)pthread_self(); }

/* pthread_kill() on a thread that has ended is undefined, so this build
 * cannot tell; callers then keep what the thread might still use. */
PRBool prshm__os_thread_alive(uintptr_t id) {
  (void)id;
  return PR_TRUE;
}
