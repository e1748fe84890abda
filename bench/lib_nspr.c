/*
 * lib_nspr.c - NSPR itself (libnspr4), through the same five calls and
 * flags as lib_prshm.c, in the same process as prshm.
 *
 * NSPR exports the very names prshm does (PR_OpenSharedMemory, PR_GetError
 * ...), so this program is not linked against it: libnspr4 is loaded at
 * run time with dlopen(RTLD_LOCAL), and its functions are called through
 * the addresses dlsym() gives. This program exports none of prshm's names
 * (it is not built with -rdynamic and links no library that asks for
 * them), so libnspr4's own calls of its functions bind inside libnspr4;
 * the two never see each other's symbols or error state. Each function
 * pointer has the type of NSPR's declaration, written with prshm's types,
 * which have NSPR's sizes and values by design.
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
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "prerror.h"
#include "prshm.h"

/* The library to load: its path, from the build (bench/CMakeLists.txt). */
#ifndef BENCH_NSPR_LIBRARY
#define BENCH_NSPR_LIBRARY "libnspr4.so"
#endif

/* NSPR's PR_Init() arguments a program usually passes: a user thread
 * (PR_USER_THREAD, 0) of normal priority (PR_PRIORITY_NORMAL, 1). */
#define NSPR_USER_THREAD 0
#define NSPR_PRIORITY_NORMAL 1

/* libnspr4's functions this table calls, as dlsym() found them. */
typedef struct nspr_api {
  void *lib;                                                     /* dlopen()'s handle */
  void (*init)(int type, int priority, PRUintn maxptds);         /* PR_Init */
  PRStatus (*cleanup)(void);                                     /* PR_Cleanup */
  const char *(*version)(void);                                  /* PR_GetVersion */
  PRSharedMemory *(*open)(const char *, PRSize, PRIntn, PRIntn); /* PR_OpenSharedMemory */
  void *(*attach)(PRSharedMemory *, PRIntn);                     /* PR_AttachSharedMemory */
  PRStatus (*detach)(PRSharedMemory *, void *);                  /* PR_DetachSharedMemory */
  PRStatus (*close)(PRSharedMemory *);                           /* PR_CloseSharedMemory */
  PRStatus (*remove)(const char *);                              /* PR_DeleteSharedMemory */
  PRErrorCode (*get_error)(void);                                /* PR_GetError */
  PRInt32 (*get_os_error)(void);                                 /* PR_GetOSError */
  const char *(*error_name)(PRErrorCode);                        /* PR_ErrorToName */
} nspr_api;

static nspr_api nspr;

/* The key files' directory, and room for one path in it. */
static char nspr_dir[256];
static char nspr_path[256 + 64];
static size_t nspr_dirlen;
/* A failure of this table itself (no room for a path), for nspr_error. */
static const char *nspr_own_error;

static const char *nspr_describe(void) {
  static char text[192 + sizeof nspr_dir];

  (void)snprintf(text, sizeof text,
                 "NSPR %s (loaded with dlopen, in this process): PR_OpenSharedMemory..., key files "
                 "in %s",
                 nspr.version(), nspr_dir);
  return text;
}

/* Finds `name` in libnspr4 and stores it at `slot` (a function pointer of
 * any type: all have the size and representation of void * on the systems
 * that have dlsym). 0, or -1 with the reason in nspr_own_error. */
static int nspr_find(const char *name, void *slot) {
  void *sym = dlsym(nspr.lib, name);

  if (sym == NULL) {
    nspr_own_error = "a function is missing from libnspr4";
    return -1;
  }
  memcpy(slot, &sym, sizeof sym);
  return 0;
}

/* Loads libnspr4 and finds its functions. */
static int nspr_load(void) {
  nspr.lib = dlopen(BENCH_NSPR_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (nspr.lib == NULL) {
    nspr_own_error = "cannot load " BENCH_NSPR_LIBRARY;
    return -1;
  }
  if (nspr_find("PR_Init", &nspr.init) != 0 || nspr_find("PR_Cleanup", &nspr.cleanup) != 0 ||
      nspr_find("PR_GetVersion", &nspr.version) != 0 ||
      nspr_find("PR_OpenSharedMemory", &nspr.open) != 0 ||
      nspr_find("PR_AttachSharedMemory", &nspr.attach) != 0 ||
      nspr_find("PR_DetachSharedMemory", &nspr.detach) != 0 ||
      nspr_find("PR_CloseSharedMemory", &nspr.close) != 0 ||
      nspr_find("PR_DeleteSharedMemory", &nspr.remove) != 0 ||
      nspr_find("PR_GetError", &nspr.get_error) != 0 ||
      nspr_find("PR_GetOSError", &nspr.get_os_error) != 0 ||
      nspr_find("PR_ErrorToName", &nspr.error_name) != 0)
    return -1;
  return 0;
}

/* Loads NSPR and makes the key files' directory in the first place that
 * allows it. */
static int nspr_init(void) {
  const char *tmp = getenv("TMPDIR");
  const char *bases[3];
  size_t i;

  if (nspr_load() != 0) return -1;
  bases[0] = "/dev/shm";
  bases[1] = tmp != NULL && tmp[0] == '/' ? tmp : "/tmp";
  bases[2] = "/tmp";
  nspr.init(NSPR_USER_THREAD, NSPR_PRIORITY_NORMAL, 0);
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
  (void)nspr.cleanup();
  /* libnspr4 stays loaded: its thread-exit destructors run at exit. */
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
    shm = nspr.open(path, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    if (shm != NULL || nspr.get_error() != PR_FILE_EXISTS_ERROR) break;
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
  return nspr_store(nspr.open(path, size, 0, 0), size, seg);
}

static void *nspr_attach(bench_seg *seg) { return nspr.attach(seg->handle, 0); }

static int nspr_detach(bench_seg *seg, void *addr) {
  return nspr.detach(seg->handle, addr) == PR_SUCCESS ? 0 : -1;
}

static int nspr_close(bench_seg *seg) { return nspr.close(seg->handle) == PR_SUCCESS ? 0 : -1; }

static int nspr_remove(const char *name) {
  const char *path = nspr_key_path(name);

  if (path == NULL) return -1;
  return nspr.remove(path) == PR_SUCCESS ? 0 : -1;
}

static const char *nspr_error(void) {
  static char text[96];

  if (nspr_own_error != NULL) return nspr_own_error;
  (void)snprintf(text, sizeof text, "%s (OS error %ld)", nspr.error_name(nspr.get_error()),
                 (long)nspr.get_os_error());
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
