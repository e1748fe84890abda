/*
 * lib_nspr.c - NSPR itself (libnspr4), through the same five calls and
 * flags as lib_prshm.c. It lives in its own binary (main_nspr.c), linked
 * against NSPR and not prshm, since both export these names.
 *
 * NSPR's name is a file path: on Linux it creates a key file there, turns
 * it into a System V key with ftok(), and uses shmget/shmat (NSPR 4.35, as
 * strace shows it):
 *   create  open(O_CREAT) and close of the key file, stat (ftok),
 *           shmget(IPC_CREAT|IPC_EXCL)
 *   open    stat (ftok), shmget
 *   attach  shmat               detach  shmdt
 *   close   (nothing but freeing the handle)
 *   remove  stat (ftok), shmget, shmctl(IPC_RMID), unlink of the key file
 * The key files go in a fresh directory on the tmpfs of /dev/shm (else
 * under $TMPDIR or /tmp), the cheapest file system there is for them, and
 * the directory is removed at the end. Segments count against the
 * system-wide kernel.shmmni, like lib_sysv.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <prerror.h>
#include <prinit.h>
#include <prshm.h>

#include "bench.h"

/* The key files' directory, and room for one path in it. */
static char nspr_dir[256];
static char nspr_path[256 + 64];
static size_t nspr_dirlen;
/* A failure of this table itself (no room for a path), for nspr_error. */
static const char *nspr_own_error;

static const char *nspr_describe(void) {
  static char text[192 + sizeof nspr_dir];

  (void)snprintf(text, sizeof text, "NSPR %s: PR_OpenSharedMemory..., key files in %s",
                 PR_GetVersion(), nspr_dir);
  return text;
}

/* Makes the key files' directory in the first place that allows it. */
static int nspr_init(void) {
  const char *tmp = getenv("TMPDIR");
  const char *bases[3];
  size_t i;

  bases[0] = "/dev/shm";
  bases[1] = tmp != NULL && tmp[0] == '/' ? tmp : "/tmp";
  bases[2] = "/tmp";
  (void)PR_Init(PR_USER_THREAD, PR_PRIORITY_NORMAL, 0);
  for (i = 0; i < 3; i++) {
    int n = snprintf(nspr_dir, sizeof nspr_dir, "%s/prshm-bench-nspr-XXXXXX", bases[i]);
    if (n > 0 && (size_t)n < sizeof nspr_dir && mkdtemp(nspr_dir) != NULL) {
      nspr_dirlen = (size_t)n;
      return 0;
    }
  }
  nspr_own_error = "cannot make a directory for the key files";
  return -1;
}

static void nspr_fini(void) {
  (void)rmdir(nspr_dir);
  (void)PR_Cleanup();
}

/* The key file of `name` ("/prshm-bench-...") in the directory. */
static const char *nspr_key_path(const char *name) {
  size_t len = strlen(name);

  nspr_own_error = NULL;
  if (nspr_dirlen + len + 1 > sizeof nspr_path) {
    nspr_own_error = "name too long";
    return NULL;
  }
  memcpy(nspr_path, nspr_dir, nspr_dirlen);
  memcpy(nspr_path + nspr_dirlen, name, len + 1);
  return nspr_path;
}

static int nspr_store(PRSharedMemory *shm, size_t size, bench_seg *seg) {
  if (shm == NULL) return -1;
  seg->handle = shm;
  seg->size = size;
  return 0;
}

/* Attempts at a create whose System V key is taken (see nspr_create). */
#define NSPR_KEY_ATTEMPTS 8

static int nspr_create(const char *name, size_t size, bench_seg *seg) {
  const char *path = nspr_key_path(name);
  PRSharedMemory *shm = NULL;
  int attempt;

  if (path == NULL) return -1;
  for (attempt = 0; attempt < NSPR_KEY_ATTEMPTS; attempt++) {
    shm = PR_OpenSharedMemory(path, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    if (shm != NULL || PR_GetError() != PR_FILE_EXISTS_ERROR) break;
    /* NSPR's key is ftok() of the key file: 16 bits of its inode number,
     * 8 of its device's. About one key file in 65,536 meets the key of a
     * segment another program holds (other benchmarks on a shared machine
     * leave some), and its create fails as if the name existed. A new key
     * file has another inode, hence another key. */
    (void)unlink(path);
  }
  return nspr_store(shm, size, seg);
}

static int nspr_open(const char *name, size_t size, bench_seg *seg) {
  const char *path = nspr_key_path(name);

  if (path == NULL) return -1;
  return nspr_store(PR_OpenSharedMemory(path, size, 0, 0), size, seg);
}

static void *nspr_attach(bench_seg *seg) { return PR_AttachSharedMemory(seg->handle, 0); }

static int nspr_detach(bench_seg *seg, void *addr) {
  return PR_DetachSharedMemory(seg->handle, addr) == PR_SUCCESS ? 0 : -1;
}

static int nspr_close(bench_seg *seg) {
  return PR_CloseSharedMemory(seg->handle) == PR_SUCCESS ? 0 : -1;
}

static int nspr_remove(const char *name) {
  const char *path = nspr_key_path(name);

  if (path == NULL) return -1;
  return PR_DeleteSharedMemory(path) == PR_SUCCESS ? 0 : -1;
}

static const char *nspr_error(void) {
  static char text[96];

  if (nspr_own_error != NULL) return nspr_own_error;
  (void)snprintf(text, sizeof text, "%s (OS error %ld)", PR_ErrorToName(PR_GetError()),
                 (long)PR_GetOSError());
  return text;
}

const bench_lib bench_lib_nspr = {
    .name = "nspr",
    .describe = nspr_describe,
    .roles = BENCH_ROLE_ALL,
    .init = nspr_init,
    .fini = nspr_fini,
    .capacity = bench_sysv_room,
    .create = nspr_create,
    .open = nspr_open,
    .attach = nspr_attach,
    .detach = nspr_detach,
    .close = nspr_close,
    .remove = nspr_remove,
    .error = nspr_error,
};
