/*
 * lib_prshm_proc.c (Linux backend) - prshm as it creates on a kernel
 * before 6.10 (Debian 12's 6.1) for a process without CAP_DAC_READ_SEARCH:
 * there linkat()'s AT_EMPTY_PATH fails with ENOENT, and prshm links each
 * new segment through /proc/self/fd instead, from then on.
 *
 * This kernel may allow AT_EMPTY_PATH, so the route is chosen by hand, for
 * this library's creations only: prshm__linux_link_route() (the backend's
 * hook for tests and this benchmark) before each create, and back after it,
 * so that the "prshm" rows keep AT_EMPTY_PATH. The calls are then those of
 * such a kernel after its first failure:
 *
 *   create  open(dir, O_TMPFILE), fchmod, fallocate,
 *           linkat(<descriptor of /proc/self/fd>, "N", AT_SYMLINK_FOLLOW)
 *           (the first creation also opens /proc/self/fd, once)
 *   the rest as lib_prshm.c: NSPR's calls, flags and mode.
 */
#include <stdio.h>

#include "bench.h"
#include "prerror.h"
#include "prshm.h"
#include "prshm_ext.h"
#include "unix.h"

static const char *proc_describe(void) {
  return "prshm linking through /proc/self/fd, as before Linux 6.10 without CAP_DAC_READ_SEARCH";
}

static int proc_store(PRSharedMemory *shm, size_t size, bench_seg *seg) {
  if (shm == NULL) return -1;
  seg->handle = shm;
  seg->size = size;
  return 0;
}

static int proc_create(const char *name, size_t size, bench_seg *seg) {
  PRSharedMemory *shm;

  prshm__linux_link_route(PR_TRUE);
  shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  prshm__linux_link_route(PR_FALSE);
  return proc_store(shm, size, seg);
}

static int proc_open(const char *name, size_t size, bench_seg *seg) {
  return proc_store(PR_OpenSharedMemory(name, size, 0, 0), size, seg);
}

static void *proc_attach(bench_seg *seg) { return PR_AttachSharedMemory(seg->handle, 0); }

static int proc_detach(bench_seg *seg, void *addr) {
  return PR_DetachSharedMemory(seg->handle, addr) == PR_SUCCESS ? 0 : -1;
}

static int proc_close(bench_seg *seg) {
  return PR_CloseSharedMemory(seg->handle) == PR_SUCCESS ? 0 : -1;
}

static int proc_remove(const char *name) {
  return PR_DeleteSharedMemory(name) == PR_SUCCESS ? 0 : -1;
}

static const char *proc_error(void) {
  static char text[96];

  (void)snprintf(text, sizeof text, "%s (OS error %ld)", PR_ErrorToName(PR_GetError()),
                 (long)PR_GetOSError());
  return text;
}

const bench_lib bench_lib_prshm_proc = {
    .name = "prshm-proc",
    .describe = proc_describe,
    .roles = BENCH_ROLE_CREATE,
    .create = proc_create,
    .open = proc_open,
    .attach = proc_attach,
    .detach = proc_detach,
    .close = proc_close,
    .remove = proc_remove,
    .error = proc_error,
};
