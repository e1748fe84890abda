/*
 * lib_anon.c - anonymous memory, the floor of first touch: what fresh
 * memory costs when nothing names it, shares it or reserves it.
 *
 *   create  (nothing: there is no name)
 *   attach  mmap(MAP_PRIVATE | MAP_ANONYMOUS)    detach  munmap
 *   close, remove  (nothing)
 *
 * It takes part in first touch only: every page it maps is a fresh page
 * fault on private memory, the cheapest memory there is, against which the
 * shared-memory libraries' first touch of a fresh segment is measured.
 * Transparent huge pages would fold 512 faults into one: the run's header
 * prints the system's setting ("madvise", Debian's default, leaves this
 * mapping on 4 KiB pages, as it leaves the segments).
 */
/* MAP_ANONYMOUS is not in POSIX 2008; glibc shows it by default. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON
#endif

/* The errno of the last failure, for anon_error. */
static int anon_errno;

static const char *anon_describe(void) {
  return "anonymous memory: mmap(MAP_PRIVATE|MAP_ANONYMOUS), munmap (first touch only)";
}

static int anon_create(const char *name, size_t size, bench_seg *seg) {
  (void)name;
  seg->size = size;
  return 0;
}

static void *anon_attach(bench_seg *seg) {
  void *addr = mmap(NULL, seg->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (addr == MAP_FAILED) {
    anon_errno = errno;
    return NULL;
  }
  return addr;
}

static int anon_detach(bench_seg *seg, void *addr) {
  if (munmap(addr, seg->size) == 0) return 0;
  anon_errno = errno;
  return -1;
}

static int anon_close(bench_seg *seg) {
  (void)seg;
  return 0;
}

static int anon_remove(const char *name) {
  (void)name;
  return 0;
}

static const char *anon_error(void) { return strerror(anon_errno); }

const bench_lib bench_lib_anon = {
    .name = "anon",
    .describe = anon_describe,
    .roles = BENCH_ROLE_FIRST_TOUCH,
    .create = anon_create,
    .attach = anon_attach,
    .detach = anon_detach,
    .close = anon_close,
    .remove = anon_remove,
    .error = anon_error,
};
