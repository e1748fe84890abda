/*
 * lib_raw.c - the reference: the raw POSIX calls a careful program makes
 * without any library, the sequences prshm is measured against.
 *
 *   create  shm_open(O_CREAT|O_EXCL), ftruncate   (memory comes at first touch)
 *   open    shm_open, fstat (to check the size before mapping)
 *   attach  mmap          detach  munmap          close  close
 *   remove  shm_unlink
 *
 * The names the harness passes ("/prshm-bench-...") are shm_open() names
 * as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

/* The errno of the last failure, for raw_error. */
static int raw_errno;

static int raw_fail(void) {
  raw_errno = errno;
  return -1;
}

static const char *raw_describe(void) {
  return "POSIX shm_open/ftruncate/fstat/mmap/munmap/close/shm_unlink, called directly";
}

static int raw_create(const char *name, size_t size, bench_seg *seg) {
  int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

  if (fd < 0) return raw_fail();
  if (ftruncate(fd, (off_t)size) != 0) {
    (void)raw_fail();
    (void)close(fd);
    (void)shm_unlink(name);
    return -1;
  }
  seg->id = fd;
  seg->size = size;
  return 0;
}

static int raw_open(const char *name, size_t size, bench_seg *seg) {
  int fd = shm_open(name, O_RDWR, 0);
  struct stat st;

  if (fd < 0) return raw_fail();
  /* Mapping past the end of the object would fault at first touch. */
  if (fstat(fd, &st) != 0 || (st.st_size < 0 || (size_t)st.st_size < size)) {
    if (errno == 0 || st.st_size >= 0) errno = EINVAL;
    (void)raw_fail();
    (void)close(fd);
    return -1;
  }
  seg->id = fd;
  seg->size = size;
  return 0;
}

static void *raw_attach(bench_seg *seg) {
  void *addr = mmap(NULL, seg->size, PROT_READ | PROT_WRITE, MAP_SHARED, (int)seg->id, 0);

  if (addr == MAP_FAILED) {
    (void)raw_fail();
    return NULL;
  }
  return addr;
}

static int raw_detach(bench_seg *seg, void *addr) {
  return munmap(addr, seg->size) == 0 ? 0 : raw_fail();
}

static int raw_close(bench_seg *seg) { return close((int)seg->id) == 0 ? 0 : raw_fail(); }

static int raw_remove(const char *name) { return shm_unlink(name) == 0 ? 0 : raw_fail(); }

static const char *raw_error(void) { return strerror(raw_errno); }

const bench_lib bench_lib_raw = {
    .name = "raw",
    .describe = raw_describe,
    .roles = BENCH_ROLE_ALL,
    .create = raw_create,
    .open = raw_open,
    .attach = raw_attach,
    .detach = raw_detach,
    .close = raw_close,
    .remove = raw_remove,
    .error = raw_error,
};
