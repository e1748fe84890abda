/*
 * lib_floor.c (Linux) - the floors of creation: the system calls that keep
 * prshm's promises at creation, written by hand, with nothing around them.
 * What prshm costs beyond these is its own work; what these cost beyond
 * the raw calls is the price of the promises.
 *
 *   create  open(dir, O_TMPFILE)        unnamed: nobody can open it yet
 *           fchmod                      the exact mode, whatever the umask
 *           fallocate                   the memory reserved: no SIGBUS later
 *           linkat(AT_EMPTY_PATH)       named only once complete
 *   open    open(O_NOFOLLOW), fstat     (as raw; the floors take part in
 *                                        the create workloads only)
 *   attach  mmap          detach  munmap          close  close
 *   remove  unlink
 *
 * "floor" links by AT_EMPTY_PATH, as prshm does on Linux 6.10 and later
 * (and, before, as root). "floor-proc" links through "/proc/self/fd/N",
 * walking the whole path every time, which is what a process without
 * CAP_DAC_READ_SEARCH must do before 6.10 (Debian 12's 6.1), and what prshm
 * did there until it kept a descriptor of /proc/self/fd.
 *
 * The steps between the raw calls and the floor each add one promise to
 * the raw create (shm_open(O_CREAT|O_EXCL), ftruncate), so that the table
 * of targets gives each promise's cost in the same run:
 *   mode-step     + fchmod                    the exact mode
 *   reserve-step  fallocate, not ftruncate    the memory reserved
 *   atomic-step   open(dir, O_TMPFILE), ftruncate, linkat(AT_EMPTY_PATH)
 *                                             named only once complete
 *
 * A floor reserves a segment in one fallocate() whatever its size. prshm
 * reserves 1 MiB and more in steps of 64 MiB, each after checking the room
 * left in the file system and the memory cgroup, so that a container's
 * limit is an error code and not the OOM killer: the create 64 MiB rows
 * of prshm against "floor" show what that check costs.
 */
/* O_TMPFILE, AT_EMPTY_PATH, fallocate() (APR's flags may define it already). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

/* Where shm_open() keeps its objects, as prshm does by default. */
#define FLOOR_DIR "/dev/shm"
/* A buffer of this size holds FLOOR_DIR and any name the harness makes. */
#define FLOOR_PATH_SIZE 128

/* The errno of the last failure, for floor_error. */
static int floor_errno;

static int floor_fail(void) {
  floor_errno = errno;
  return -1;
}

static const char *floor_describe(void) {
  return "by hand: open(O_TMPFILE), fchmod, fallocate, linkat(AT_EMPTY_PATH); "
         "prshm's calls at creation, nothing else";
}

static const char *mode_step_describe(void) { return "raw create + fchmod: the exact mode alone"; }

static const char *reserve_step_describe(void) {
  return "raw create with fallocate instead of ftruncate: the reservation alone";
}

static const char *atomic_step_describe(void) {
  return "open(O_TMPFILE), ftruncate, linkat(AT_EMPTY_PATH): atomic creation alone";
}

static const char *floor_proc_describe(void) {
  return "by hand: the same, linkat through the whole path /proc/self/fd/N (before Linux 6.10)";
}

static int floor_path(const char *name, char *path) {
  if ((size_t)snprintf(path, FLOOR_PATH_SIZE, "%s%s", FLOOR_DIR, name) >= FLOOR_PATH_SIZE) {
    errno = ENAMETOOLONG;
    return floor_fail();
  }
  return 0;
}

/* Makes the unnamed file, complete: mode and memory. -1 on failure. */
static int floor_unnamed(size_t size) {
  int fd = open(FLOOR_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

  if (fd < 0) return floor_fail();
  if (fchmod(fd, 0600) != 0 || fallocate(fd, 0, 0, (off_t)size) != 0) {
    (void)floor_fail();
    (void)close(fd);
    return -1;
  }
  return fd;
}

/* Names the unnamed file fd at path, one way or the other. */
static int floor_create_with(const char *name, size_t size, int by_proc, bench_seg *seg) {
  char path[FLOOR_PATH_SIZE], proc[64];
  int fd, rv;

  if (floor_path(name, path) != 0) return -1;
  fd = floor_unnamed(size);
  if (fd < 0) return -1;
  if (by_proc) {
    (void)snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    rv = linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
  } else {
    rv = linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH);
  }
  if (rv != 0) {
    (void)floor_fail();
    (void)close(fd);
    return -1;
  }
  seg->id = fd;
  seg->size = size;
  return 0;
}

static int floor_create(const char *name, size_t size, bench_seg *seg) {
  return floor_create_with(name, size, 0, seg);
}

/* The raw create with one promise added: the exact mode (fchmod) or the
 * reservation (fallocate for ftruncate). */
static int step_create_raw(const char *name, size_t size, int mode, int reserve, bench_seg *seg) {
  char path[FLOOR_PATH_SIZE];
  int fd;

  if (floor_path(name, path) != 0) return -1;
  fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return floor_fail();
  if ((mode && fchmod(fd, 0600) != 0) ||
      (reserve ? fallocate(fd, 0, 0, (off_t)size) : ftruncate(fd, (off_t)size)) != 0) {
    (void)floor_fail();
    (void)close(fd);
    (void)unlink(path);
    return -1;
  }
  seg->id = fd;
  seg->size = size;
  return 0;
}

static int mode_step_create(const char *name, size_t size, bench_seg *seg) {
  return step_create_raw(name, size, 1, 0, seg);
}

static int reserve_step_create(const char *name, size_t size, bench_seg *seg) {
  return step_create_raw(name, size, 0, 1, seg);
}

/* Atomic creation alone: unnamed, sized, then named; no fchmod, no
 * reservation. */
static int atomic_step_create(const char *name, size_t size, bench_seg *seg) {
  char path[FLOOR_PATH_SIZE];
  int fd;

  if (floor_path(name, path) != 0) return -1;
  fd = open(FLOOR_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return floor_fail();
  if (ftruncate(fd, (off_t)size) != 0 || linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) != 0) {
    (void)floor_fail();
    (void)close(fd);
    return -1;
  }
  seg->id = fd;
  seg->size = size;
  return 0;
}

static int floor_proc_create(const char *name, size_t size, bench_seg *seg) {
  return floor_create_with(name, size, 1, seg);
}

static int floor_open(const char *name, size_t size, bench_seg *seg) {
  char path[FLOOR_PATH_SIZE];
  struct stat st;
  int fd;

  if (floor_path(name, path) != 0) return -1;
  fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return floor_fail();
  if (fstat(fd, &st) != 0 || st.st_size < 0 || (size_t)st.st_size < size) {
    if (errno == 0 || st.st_size >= 0) errno = EINVAL;
    (void)floor_fail();
    (void)close(fd);
    return -1;
  }
  seg->id = fd;
  seg->size = size;
  return 0;
}

static void *floor_attach(bench_seg *seg) {
  void *addr = mmap(NULL, seg->size, PROT_READ | PROT_WRITE, MAP_SHARED, (int)seg->id, 0);

  if (addr == MAP_FAILED) {
    (void)floor_fail();
    return NULL;
  }
  return addr;
}

static int floor_detach(bench_seg *seg, void *addr) {
  return munmap(addr, seg->size) == 0 ? 0 : floor_fail();
}

static int floor_close(bench_seg *seg) { return close((int)seg->id) == 0 ? 0 : floor_fail(); }

static int floor_remove(const char *name) {
  char path[FLOOR_PATH_SIZE];

  if (floor_path(name, path) != 0) return -1;
  return unlink(path) == 0 ? 0 : floor_fail();
}

static const char *floor_error(void) { return strerror(floor_errno); }

const bench_lib bench_lib_floor = {
    .name = "floor",
    .describe = floor_describe,
    .roles = BENCH_ROLE_CREATE,
    .create = floor_create,
    .open = floor_open,
    .attach = floor_attach,
    .detach = floor_detach,
    .close = floor_close,
    .remove = floor_remove,
    .error = floor_error,
};

const bench_lib bench_lib_floor_proc = {
    .name = "floor-proc",
    .describe = floor_proc_describe,
    .roles = BENCH_ROLE_CREATE,
    .create = floor_proc_create,
    .open = floor_open,
    .attach = floor_attach,
    .detach = floor_detach,
    .close = floor_close,
    .remove = floor_remove,
    .error = floor_error,
};

const bench_lib bench_lib_mode_step = {
    .name = "mode-step",
    .describe = mode_step_describe,
    .roles = BENCH_ROLE_CREATE,
    .create = mode_step_create,
    .open = floor_open,
    .attach = floor_attach,
    .detach = floor_detach,
    .close = floor_close,
    .remove = floor_remove,
    .error = floor_error,
};

const bench_lib bench_lib_reserve_step = {
    .name = "reserve-step",
    .describe = reserve_step_describe,
    .roles = BENCH_ROLE_CREATE,
    .create = reserve_step_create,
    .open = floor_open,
    .attach = floor_attach,
    .detach = floor_detach,
    .close = floor_close,
    .remove = floor_remove,
    .error = floor_error,
};

const bench_lib bench_lib_atomic_step = {
    .name = "atomic-step",
    .describe = atomic_step_describe,
    .roles = BENCH_ROLE_CREATE,
    .create = atomic_step_create,
    .open = floor_open,
    .attach = floor_attach,
    .detach = floor_detach,
    .close = floor_close,
    .remove = floor_remove,
    .error = floor_error,
};
