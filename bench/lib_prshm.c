/*
 * lib_prshm.c - prshm through NSPR's five calls, with the flags and modes a
 * program written for NSPR passes: create with PR_SHM_CREATE|PR_SHM_EXCL
 * and 0600, open with flags 0, attach read-write.
 *
 * The harness's names start with '/', so prshm resolves them without
 * reading the current directory (a relative name costs a getcwd() per
 * call, which the raw calls never make).
 */
#include <stdio.h>

#include "bench.h"
#include "prerror.h"
#include "prshm.h"
#include "prshm_ext.h"

static const char *prshm_lib_describe(void) {
  static char text[96];

  (void)snprintf(text, sizeof text, "prshm %s, %s backend, NSPR's API (PR_OpenSharedMemory...)",
                 prshm_version(), prshm_backend_name());
  return text;
}

static int prshm_lib_store(PRSharedMemory *shm, size_t size, bench_seg *seg) {
  if (shm == NULL) return -1;
  seg->handle = shm;
  seg->size = size;
  return 0;
}

static int prshm_lib_create(const char *name, size_t size, bench_seg *seg) {
  return prshm_lib_store(PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600), size,
                         seg);
}

static int prshm_lib_open(const char *name, size_t size, bench_seg *seg) {
  return prshm_lib_store(PR_OpenSharedMemory(name, size, 0, 0), size, seg);
}

static void *prshm_lib_attach(bench_seg *seg) { return PR_AttachSharedMemory(seg->handle, 0); }

static int prshm_lib_detach(bench_seg *seg, void *addr) {
  return PR_DetachSharedMemory(seg->handle, addr) == PR_SUCCESS ? 0 : -1;
}

static int prshm_lib_close(bench_seg *seg) {
  return PR_CloseSharedMemory(seg->handle) == PR_SUCCESS ? 0 : -1;
}

static int prshm_lib_remove(const char *name) {
  return PR_DeleteSharedMemory(name) == PR_SUCCESS ? 0 : -1;
}

static const char *prshm_lib_error(void) {
  static char text[96];

  (void)snprintf(text, sizeof text, "%s (OS error %ld)", PR_ErrorToName(PR_GetError()),
                 (long)PR_GetOSError());
  return text;
}

const bench_lib bench_lib_prshm = {
    .name = "prshm",
    .describe = prshm_lib_describe,
    .roles = BENCH_ROLE_ALL,
    .create = prshm_lib_create,
    .open = prshm_lib_open,
    .attach = prshm_lib_attach,
    .detach = prshm_lib_detach,
    .close = prshm_lib_close,
    .remove = prshm_lib_remove,
    .error = prshm_lib_error,
};
