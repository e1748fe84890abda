/*
 * sys.c (Unix) - the default system-call table: the real calls.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sys.h"

/* open(2) is variadic; the table wants a fixed signature. */
static int sys_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }

#define SYS_DEFAULTS                                                                  \
  {                                                                                   \
    sys_open, close, fstat, fchmod, ftruncate, prshm__sys_reserve, flock, linkat,     \
        unlink, mmap, munmap, getcwd, shm_open, shm_unlink, nanosleep,                \
  }

static const prshm__syscalls sys_defaults = SYS_DEFAULTS;

prshm__syscalls prshm__sys = SYS_DEFAULTS;

void prshm__sys_reset(void) { prshm__sys = sys_defaults; }
