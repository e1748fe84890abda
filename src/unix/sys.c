/*
 * sys.c (Unix) - the default system-call table: the real calls.
 */
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "sys.h"

/* open(2) and sem_open(3) are variadic; the table wants fixed signatures. */
PRSHM__HOT static int sys_open(const char *path, int flags, mode_t mode) {
  return open(path, flags, mode);
}

static sem_t *sys_sem_open(const char *name, int oflag, mode_t mode, unsigned value) {
  return sem_open(name, oflag, mode, value);
}

/* sem_timedwait() where the system has it (macOS has not). */
#if defined(PRSHM_HAVE_SEM_TIMEDWAIT)
#define SYS_SEM_TIMEDWAIT sem_timedwait
#else
#define SYS_SEM_TIMEDWAIT NULL
#endif

#define SYS_DEFAULTS                                                                          \
  {                                                                                           \
    .open = sys_open, .close = close, .fstat = fstat, .lstat = lstat,                         \
    .fs_info = prshm__sys_fs_info, .fchmod = fchmod, .ftruncate = ftruncate, .pread = pread,  \
    .reserve = prshm__sys_reserve, .room = prshm__sys_room, .flock = flock, .linkat = linkat, \
    .unlink = unlink, .rename_noreplace = prshm__sys_rename_noreplace, .mmap = mmap,          \
    .munmap = munmap, .madvise = prshm__sys_madvise, .getcwd = getcwd, .shm_open = shm_open,  \
    .shm_unlink = shm_unlink, .nanosleep = nanosleep, .clock_gettime = clock_gettime,         \
    .futex = prshm__sys_futex, .membarrier = prshm__sys_membarrier, .sem_open = sys_sem_open, \
    .sem_close = sem_close, .sem_unlink = sem_unlink, .sem_wait = sem_wait,                   \
    .sem_trywait = sem_trywait, .sem_timedwait = SYS_SEM_TIMEDWAIT, .sem_post = sem_post,     \
    .sem_getvalue = sem_getvalue, .mutex_init = prshm__sys_mutex_init,                        \
    .mutex_trylock = prshm__sys_mutex_trylock, .mutex_lock = prshm__sys_mutex_lock,           \
    .mutex_unlock = prshm__sys_mutex_unlock, .mutex_consistent = prshm__sys_mutex_consistent, \
  }

static const prshm__syscalls sys_defaults = SYS_DEFAULTS;

prshm__syscalls prshm__sys PRSHM__LINE_ALIGNED = SYS_DEFAULTS;

void prshm__sys_reset(void) { prshm__sys = sys_defaults; }
