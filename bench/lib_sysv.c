/*
 * lib_sysv.c - the System V floor: shmget and shmat called directly, as a
 * careful program would, with a key computed from the name.
 *
 *   create  shmget(key, size, IPC_CREAT | IPC_EXCL | 0600)
 *   open    shmget(key, size, 0)   (the kernel refuses a size larger than
 *                                   the segment's: no separate check)
 *   attach  shmat                  detach  shmdt
 *   close   (nothing: System V has no descriptor)
 *   remove  shmget(key, 0, 0), shmctl(IPC_RMID)
 *
 * The key is a 32-bit FNV-1a hash of the name: no system call, where
 * ftok() (NSPR's and APR's way) needs a file to stat and keeps only 24 bits
 * of it. Segments count against the system-wide kernel.shmmni (4096 by
 * default), shared with every other program, which caps the live
 * measurement (capacity below).
 */
/* SHM_INFO, which tells how many identifiers are in use, is Linux's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "bench.h"

/* System V identifiers left for other programs when the live measurement
 * takes what the system has. */
#define SYSV_SPARE 64

/* The errno of the last failure, for sysv_error. */
static int sysv_errno;

static int sysv_fail(void) {
  sysv_errno = errno;
  return -1;
}

static key_t sysv_key(const char *name) {
  uint32_t h = 2166136261u;

  for (; *name != '\0'; name++) h = (h ^ (unsigned char)*name) * 16777619u;
  /* Never IPC_PRIVATE (0), which would make a new segment at every call. */
  return (key_t)(h == 0 ? 1 : h & 0x7fffffff);
}

static const char *sysv_describe(void) {
  return "System V shmget/shmat/shmdt/shmctl(IPC_RMID), key hashed from the name";
}

#ifdef SHM_INFO
static long sysv_proc_number(const char *path) {
  FILE *f = fopen(path, "r");
  long v = -1;

  if (f == NULL) return -1;
  if (fscanf(f, "%ld", &v) != 1) v = -1;
  fclose(f);
  return v;
}
#endif

size_t bench_sysv_room(char *why, size_t whysize) {
#ifdef SHM_INFO
  long shmmni = sysv_proc_number("/proc/sys/kernel/shmmni");
  struct shm_info info;
  long room;

  if (shmmni < 0 || shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) < 0) {
    (void)snprintf(why, whysize, "kernel.shmmni is unknown");
    return 0;
  }
  room = shmmni - (long)info.used_ids - SYSV_SPARE;
  (void)snprintf(why, whysize, "kernel.shmmni is %ld, %d in use, %d left spare", shmmni,
                 info.used_ids, SYSV_SPARE);
  return room > 0 ? (size_t)room : 0;
#else
  (void)snprintf(why, whysize, "this system's System V segment limit is unknown");
  return 0;
#endif
}

static int sysv_create(const char *name, size_t size, bench_seg *seg) {
  int id = shmget(sysv_key(name), size, IPC_CREAT | IPC_EXCL | 0600);

  if (id < 0) return sysv_fail();
  seg->id = id;
  seg->size = size;
  return 0;
}

static int sysv_open(const char *name, size_t size, bench_seg *seg) {
  int id = shmget(sysv_key(name), size, 0);

  if (id < 0) return sysv_fail();
  seg->id = id;
  seg->size = size;
  return 0;
}

static void *sysv_attach(bench_seg *seg) {
  void *addr = shmat((int)seg->id, NULL, 0);

  if (addr == (void *)-1) {
    (void)sysv_fail();
    return NULL;
  }
  return addr;
}

static int sysv_detach(bench_seg *seg, void *addr) {
  (void)seg;
  return shmdt(addr) == 0 ? 0 : sysv_fail();
}

static int sysv_close(bench_seg *seg) {
  (void)seg;
  return 0;
}

static int sysv_remove(const char *name) {
  int id = shmget(sysv_key(name), 0, 0);

  if (id < 0 || shmctl(id, IPC_RMID, NULL) != 0) return sysv_fail();
  return 0;
}

static const char *sysv_error(void) { return strerror(sysv_errno); }

const bench_lib bench_lib_sysv = {
    .name = "sysv",
    .describe = sysv_describe,
    .roles = BENCH_ROLE_ALL,
    .capacity = bench_sysv_room,
    .create = sysv_create,
    .open = sysv_open,
    .attach = sysv_attach,
    .detach = sysv_detach,
    .close = sysv_close,
    .remove = sysv_remove,
    .error = sysv_error,
};
