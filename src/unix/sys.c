/*
 * sys.c (Unix) - the default system-call table: the real calls.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "sys.h"

/* open(2) is variadic; the table wants a fixed signature. */
PRSHM__HOT static int sys_open(const char *path, int flags, mode_t mode) {
  return open(path, flags, mode);
}

#define SYS_DEFAULTS                                                                          \
  {                                                                                           \
    .open = sys_open, .close = close, .fstat = fstat, .lstat = lstat,                         \
    .fs_info = prshm__sys_fs_info, .fchmod = fchmod, .ftruncate = ftruncate,                  \
    .reserve = prshm__sys_reserve, .room = prshm__sys_room, .flock = flock, .linkat = linkat, \
    .unlink = unlink, .rename_noreplace = prshm__sys_rename_noreplace, .mmap = mmap,          \
    .munmap = munmap, .madvise = prshm__sys_madvise, .getcwd = getcwd, .shm_open = shm_open,  \
    .shm_unlink = shm_unlink, .nanosleep = nanosleep,                                         \
  }

static const prshm__syscalls sys_defaults = SYS_DEFAULTS;

prshm__syscalls prshm__sys = SYS_DEFAULTS;

void prshm__sys_reset(void) { prshm__sys = sys_defaults; }
