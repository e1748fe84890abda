/*
 * work.c - the workloads, and what one library does in this process: one
 * iteration of a workload, a timed batch of them, the calibration that
 * sizes batches, and one round of the live measurement. The main process
 * calls these for its own libraries; a peer process calls them for its
 * libraries when the main process asks (peer.c).
 *
 * Sections: the workloads; shared helpers; one iteration; calibration and
 * batches; live rounds.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Each of the two calibration passes runs a library for about this long,
 * timing at most BENCH_CALIB_MAX single iterations, at least three unless
 * one iteration alone outlasts the pass. */
#define BENCH_CALIB_NS 5e6
#define BENCH_CALIB_MAX 1024
/* The segment of first touch under --quick: a smoke run must stay fast
 * under sanitizers. */
#define BENCH_QUICK_FIRST_TOUCH (16 * BENCH_MIB)

/* ---- The workloads ---- */

/* The +touch variants show where the time goes, above all the reservation
 * at creation (no SIGBUS, ever) that the raw calls defer to the first
 * touch of each page. First touch compares the cost of a fresh 1 GiB
 * segment's memory with fresh anonymous memory, the cheapest memory there
 * is. */
static const bench_workload work_table[] = {
    {"open", 0, 0, 4 * BENCH_KIB, "raw", BENCH_ROLE_OPEN},
    {"open+touch", 0, 1, 4 * BENCH_KIB, "raw", BENCH_ROLE_OPEN},
    {"open", 0, 0, 64 * BENCH_MIB, "raw", BENCH_ROLE_OPEN},
    {"open+touch", 0, 1, 64 * BENCH_MIB, "raw", BENCH_ROLE_OPEN},
    {"create", 1, 0, 4 * BENCH_KIB, "raw", BENCH_ROLE_CREATE},
    {"create+touch", 1, 1, 4 * BENCH_KIB, "raw", BENCH_ROLE_CREATE},
    {"create", 1, 0, 64 * BENCH_MIB, "raw", BENCH_ROLE_CREATE},
    {"create+touch", 1, 1, 64 * BENCH_MIB, "raw", BENCH_ROLE_CREATE},
    {"first-touch", 1, 1, BENCH_GIB, "anon", BENCH_ROLE_FIRST_TOUCH},
};

size_t bench_nworkloads(void) { return sizeof work_table / sizeof work_table[0]; }

/* The project's targets, and the floors' figures that explain creation.
 * Opening: at most 1.05 times the raw calls. Creating 4 KiB: at most 1.05
 * times the same promise-keeping calls written by hand (lib_floor.c), and
 * at most 1.20 times the raw calls once the creator writes its first page,
 * as every real creator does. The rest has no ceiling: what the promises
 * cost over the raw calls, what the room check of a 64 MiB reservation
 * costs, and the route of kernels before 6.10 against its own calls. */
static const bench_target work_targets[] = {
    {"open", 4 * BENCH_KIB, "prshm", "raw", 1.05, "open cycle over the raw calls"},
    {"open", 64 * BENCH_MIB, "prshm", "raw", 1.05, "open cycle over the raw calls"},
    {"create", 4 * BENCH_KIB, "prshm", "floor", 1.05, "create cycle over its calls by hand"},
    {"create+touch", 4 * BENCH_KIB, "prshm", "raw", 1.20, "create, first page written, over raw"},
    {"create", 4 * BENCH_KIB, "prshm", "raw", 0, "create cycle over the raw calls"},
    {"create", 4 * BENCH_KIB, "mode-step", "raw", 0, "the exact mode (fchmod) alone"},
    {"create", 4 * BENCH_KIB, "reserve-step", "raw", 0, "the reservation (fallocate) alone"},
    {"create", 4 * BENCH_KIB, "atomic-step", "raw", 0, "atomic creation (O_TMPFILE, linkat) alone"},
    {"create", 4 * BENCH_KIB, "floor", "raw", 0, "the three promises' calls over the raw calls"},
    {"create+touch", 4 * BENCH_KIB, "floor", "raw", 0, "the same, first page written"},
    {"create+touch", 4 * BENCH_KIB, "prshm", "floor", 0, "prshm over its calls, page written"},
    {"create", 64 * BENCH_MIB, "prshm", "floor", 0, "64 MiB: room check and own work"},
    {"create", 4 * BENCH_KIB, "prshm-proc", "raw", 0, "before Linux 6.10, over the raw calls"},
    {"create", 4 * BENCH_KIB, "prshm-proc", "floor-proc", 0,
     "the same, over /proc/self/fd/N by hand"},
    {"create", 4 * BENCH_KIB, "floor-proc", "raw", 0, "/proc/self/fd/N by hand, over raw"},
};

_Static_assert(sizeof work_targets / sizeof work_targets[0] <= BENCH_MAX_TARGETS,
               "BENCH_MAX_TARGETS must hold every target");

size_t bench_ntargets(void) { return sizeof work_targets / sizeof work_targets[0]; }

const bench_target *bench_target_get(size_t index) { return &work_targets[index]; }

void bench_workload_get(const bench_opts *o, size_t index, bench_workload *w) {
  *w = work_table[index];
  if (o->quick && w->role == BENCH_ROLE_FIRST_TOUCH) w->size = BENCH_QUICK_FIRST_TOUCH;
}

/* The bytes MemAvailable says the system can give without swapping, or
 * (size_t)-1 where /proc/meminfo does not tell. */
static size_t work_mem_available(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[128];
  unsigned long long kib;
  size_t avail = (size_t)-1;

  if (f == NULL) return avail;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) avail = (size_t)(kib * 1024);
  fclose(f);
  return avail;
}

int bench_workload_fits(const bench_workload *w, size_t nlibs, char *why, size_t whysize) {
  /* An open workload keeps one segment per library; a create workload
   * holds one at a time. Twice that, for what the system needs besides. */
  const size_t need = 2 * w->size * (w->create ? 1 : nlibs);
  size_t mem = work_mem_available(), shm = (size_t)-1;
  struct statvfs sv;

  if (statvfs("/dev/shm", &sv) == 0) shm = (size_t)sv.f_bavail * (size_t)sv.f_frsize;
  if (need <= mem && need <= shm) return 1;
  (void)snprintf(why, whysize, "needs %zu MiB, and %s has %zu MiB free", need / BENCH_MIB,
                 need > shm ? "/dev/shm" : "memory", (need > shm ? shm : mem) / BENCH_MIB);
  return 0;
}

/* ---- Shared helpers ---- */

uint64_t bench_now_ns(void) {
  struct timespec ts;

  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_batch_wall_clock;

/* The CPU time of the calling thread counts what the thread runs, in user
 * space and in the kernel on its behalf, and not the time it waits while
 * other processes have the CPU: on a machine shared with other work, that
 * waiting is most of the noise of a wall clock (reading this clock is a
 * system call where the wall clock's is not, which is nothing beside a
 * batch of about 2 ms). */
uint64_t bench_batch_ns(void) {
  struct timespec ts;

  (void)clock_gettime(bench_batch_wall_clock ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_name(char *buf, const bench_lib *lib, const char *tag, size_t index) {
  /* Absolute, so that prshm resolves it without reading the current
   * directory, as the raw calls do. */
  (void)snprintf(buf, BENCH_NAME_SIZE, "/prshm-bench-%ld-%s-%s-%zu", (long)getpid(), lib->name, tag,
                 index);
}

int bench_failed(const bench_lib *lib, const char *op, const char *name) {
  fprintf(stderr, "bench: %s: %s of %s failed: %s\n", lib->name, op, name, lib->error());
  return -1;
}

/* The segment a library uses in workload wi (the same in every call). */
static void work_segment_name(char *buf, const bench_lib *lib, size_t wi) {
  char tag[16];

  (void)snprintf(tag, sizeof tag, "w%zu", wi);
  bench_name(buf, lib, tag, 0);
}

static size_t work_page(void) {
  static size_t page;

  if (page == 0) page = (size_t)sysconf(_SC_PAGESIZE);
  return page;
}

static void work_touch(void *addr, size_t size) {
  volatile unsigned char *p = addr;
  const size_t page = work_page();
  size_t off;

  for (off = 0; off < size; off += page) p[off] = 1;
}

/* ---- One iteration ---- */

/* One iteration of `w` for `lib` on the segment `name`. On failure it says
 * why and leaves no segment behind that the iteration created. */
static int work_iteration(const bench_lib *lib, const bench_workload *w, const char *name) {
  bench_seg seg;
  void *addr;

  if ((w->create ? lib->create(name, w->size, &seg) : lib->open(name, w->size, &seg)) != 0)
    return bench_failed(lib, w->create ? "create" : "open", name);
  addr = lib->attach(&seg);
  if (addr == NULL) {
    (void)bench_failed(lib, "attach", name);
    goto close;
  }
  if (w->touch) work_touch(addr, w->size);
  if (lib->detach(&seg, addr) != 0) {
    (void)bench_failed(lib, "detach", name);
    goto close;
  }
  if (lib->close(&seg) != 0) {
    (void)bench_failed(lib, "close", name);
    goto remove;
  }
  if (w->create && lib->remove(name) != 0) return bench_failed(lib, "remove", name);
  return 0;

close:
  (void)lib->close(&seg);
remove:
  if (w->create) (void)lib->remove(name);
  return -1;
}

/* Creates the segment an open workload opens, every page written once, as
 * a segment in use would be (so that no library's first touch is counted).
 * bench_local_cleanup removes it. */
int bench_local_prepare(const bench_lib *lib, const bench_workload *w, size_t wi) {
  char name[BENCH_NAME_SIZE];
  bench_seg seg;
  void *addr;
  int rv = 0;

  if (w->create) return 0;
  work_segment_name(name, lib, wi);
  if (lib->create(name, w->size, &seg) != 0) return bench_failed(lib, "create", name);
  addr = lib->attach(&seg);
  if (addr == NULL) {
    rv = bench_failed(lib, "attach", name);
    goto close;
  }
  work_touch(addr, w->size);
  if (lib->detach(&seg, addr) != 0) rv = bench_failed(lib, "detach", name);
close:
  if (lib->close(&seg) != 0 && rv == 0) rv = bench_failed(lib, "close", name);
  if (rv != 0) (void)lib->remove(name);
  return rv;
}

void bench_local_cleanup(const bench_lib *lib, const bench_workload *w, size_t wi) {
  char name[BENCH_NAME_SIZE];

  /* Segments of open workloads persist between iterations; those of create
   * workloads are gone after each one, even a failed one. */
  if (w->create) return;
  work_segment_name(name, lib, wi);
  (void)lib->remove(name);
}

/* ---- Calibration and batches ---- */

/* Times single iterations for about BENCH_CALIB_NS; the median is the
 * estimate, so that a preemption during calibration does not shrink K. */
static int work_estimate(const bench_opts *o, const bench_lib *lib, const bench_workload *w,
                         const char *name, double *est) {
  const size_t least = o->quick ? 1 : 3;
  double times[BENCH_CALIB_MAX], scratch[BENCH_CALIB_MAX];
  uint64_t start = bench_now_ns(), t = start;
  bench_summary s;
  size_t n = 0;

  for (;;) {
    uint64_t t0 = t;
    if (bench_stopped) return -1;
    if (work_iteration(lib, w, name) != 0) return -1;
    t = bench_now_ns();
    times[n++] = (double)(t - t0);
    if (n >= BENCH_CALIB_MAX || o->quick) break;
    if ((double)(t - start) >= BENCH_CALIB_NS && (n >= least || times[0] >= BENCH_CALIB_NS)) break;
  }
  bench_summarize(times, n, scratch, &s);
  *est = s.p50;
  return 0;
}

/* A warm-up (the first calls of a workload are slower: caches, lazily
 * made kernel and library state), then the estimate that sizes batches.
 * An iteration that outlasts a calibration pass alone (first touch of
 * 1 GiB) makes batches of one iteration anyway: the warm-up then serves as
 * the estimate. */
int bench_local_calibrate(const bench_opts *o, const bench_lib *lib, const bench_workload *w,
                          size_t wi, double *est) {
  char name[BENCH_NAME_SIZE];

  work_segment_name(name, lib, wi);
  if (work_estimate(o, lib, w, name, est) != 0) return -1;
  if (o->quick || *est >= BENCH_CALIB_NS) return 0;
  return work_estimate(o, lib, w, name, est);
}

int bench_local_batch(const bench_lib *lib, const bench_workload *w, size_t wi, size_t k,
                      double *ns) {
  char name[BENCH_NAME_SIZE];
  uint64_t start;
  size_t i;

  work_segment_name(name, lib, wi);
  start = bench_batch_ns();
  for (i = 0; i < k; i++)
    if (work_iteration(lib, w, name) != 0) return -1;
  *ns = (double)(bench_batch_ns() - start) / (double)k;
  return 0;
}

/* ---- Live rounds ---- */

size_t bench_local_capacity(const bench_lib *lib, size_t want, char *why, size_t whysize) {
  size_t room = bench_fd_room(want), cap;

  why[0] = '\0';
  if (room < want)
    (void)snprintf(why, whysize, "RLIMIT_NOFILE's hard limit leaves room for %zu descriptors",
                   room);
  if (lib->capacity == NULL) return room;
  cap = lib->capacity(why, whysize);
  return cap < room ? cap : room;
}

/* What one live round holds; freed by work_live_free. */
typedef struct work_live {
  char (*names)[BENCH_NAME_SIZE]; /* the segments' names */
  bench_seg *segs;                /* the open segments */
  void **addrs;                   /* their attachments */
  size_t made;                    /* segments created so far */
  size_t opened;                  /* segments opened and attached so far */
} work_live;

/* Detaches, closes and removes whatever the round holds; frees it. */
static int work_live_free(const bench_lib *lib, work_live *st) {
  int rv = 0;
  size_t i;

  for (i = 0; i < st->opened; i++) {
    if (lib->detach(&st->segs[i], st->addrs[i]) != 0 && rv == 0)
      rv = bench_failed(lib, "detach", st->names[i]);
    if (lib->close(&st->segs[i]) != 0 && rv == 0) rv = bench_failed(lib, "close", st->names[i]);
  }
  for (i = 0; i < st->made; i++)
    if (lib->remove(st->names[i]) != 0 && rv == 0) rv = bench_failed(lib, "remove", st->names[i]);
  free(st->names);
  free(st->segs);
  free(st->addrs);
  return rv;
}

/* Creates the n segments of a round, closing each at once (untimed). */
static int work_live_create(const bench_lib *lib, work_live *st, size_t n) {
  size_t i;

  for (i = 0; i < n && !bench_stopped; i++) {
    bench_seg seg;
    bench_name(st->names[i], lib, "live", i);
    if (lib->create(st->names[i], 4 * BENCH_KIB, &seg) != 0)
      return bench_failed(lib, "create", st->names[i]);
    st->made = i + 1;
    if (lib->close(&seg) != 0) return bench_failed(lib, "close", st->names[i]);
  }
  return 0;
}

/* Opens and attaches the segments one by one, keeping each, timing each. */
static int work_live_open(const bench_lib *lib, work_live *st, size_t n, double *times) {
  size_t i;

  for (i = 0; i < n && !bench_stopped; i++) {
    uint64_t start = bench_now_ns();
    if (lib->open(st->names[i], 4 * BENCH_KIB, &st->segs[i]) != 0)
      return bench_failed(lib, "open", st->names[i]);
    st->addrs[i] = lib->attach(&st->segs[i]);
    times[i] = (double)(bench_now_ns() - start);
    if (st->addrs[i] == NULL) {
      (void)bench_failed(lib, "attach", st->names[i]);
      (void)lib->close(&st->segs[i]);
      return -1;
    }
    st->opened = i + 1;
  }
  return 0;
}

int bench_local_live(const bench_lib *lib, size_t n, double *times) {
  work_live st = {NULL, NULL, NULL, 0, 0};
  int rv = -1;

  st.names = calloc(n, sizeof *st.names);
  st.segs = calloc(n, sizeof *st.segs);
  st.addrs = calloc(n, sizeof *st.addrs);
  if (st.names == NULL || st.segs == NULL || st.addrs == NULL) {
    fprintf(stderr, "bench: out of memory for %zu live segments\n", n);
    goto out;
  }
  if (work_live_create(lib, &st, n) != 0 || work_live_open(lib, &st, n, times) != 0) goto out;
  rv = bench_stopped ? -1 : 0;
out:
  if (work_live_free(lib, &st) != 0) rv = -1;
  return rv;
}
