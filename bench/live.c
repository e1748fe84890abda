/*
 * live.c - the cost of one more segment when many are live (DESIGN.md:
 * "10,000 live segments in one process, with flat cost per segment").
 *
 * Each library first creates N segments of 4 KiB (untimed). In each round
 * it then opens and attaches segments 1, 2, ..., N in turn, keeping every
 * one open and attached, timing each open+attach on its own; then it
 * detaches and closes them all (untimed). The cost at a point N is the
 * median of the times of the segments just before N (a window of
 * min(N/2, 100)), so that one slow moment of the machine does not count;
 * the mean over all N segments keeps the amortised costs (tables that
 * double as they fill) in view. Every figure is the median over the rounds,
 * and the libraries alternate round by round.
 *
 * Sections: room for descriptors; state; one round; output; bench_live.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness.h"

#define LIVE_SIZE ((size_t)4096)
/* Descriptors kept free for the process's other files. */
#define LIVE_FD_SPARE 64
/* A library's cost at the last point over its cost at the first: the
 * verdict calls it flat up to this growth. */
#define LIVE_FLAT 1.25
#define LIVE_WINDOW_MAX 100
#define LIVE_MAX_POINTS 4

static const size_t live_default_points[] = {100, 1000, 10000};

/* ---- Room for descriptors ---- */

/* Raises RLIMIT_NOFILE so that `want` segments can be open at once, as far
 * as the hard limit allows (root may raise that too). Returns how many
 * segments fit, saying so if that is fewer than wanted. */
static size_t live_fd_room(size_t want) {
  const rlim_t need = (rlim_t)(want + LIVE_FD_SPARE);
  struct rlimit rl, up;

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
    return want;
  up.rlim_cur = need;
  up.rlim_max = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? need : rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &up) == 0) return want;
  up.rlim_cur = up.rlim_max = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &up) != 0) up.rlim_cur = rl.rlim_cur;
  up.rlim_cur = up.rlim_cur > LIVE_FD_SPARE ? up.rlim_cur - LIVE_FD_SPARE : 0;
  printf("note: RLIMIT_NOFILE cannot be raised to %llu: measuring %llu live segments, not %zu\n",
         (unsigned long long)need, (unsigned long long)up.rlim_cur, want);
  return (size_t)up.rlim_cur;
}

/* ---- State ---- */

/* Everything one live measurement holds; freed by live_free. */
typedef struct live_state {
  size_t n;                       /* segments per library and round */
  size_t rounds;                  /* rounds */
  size_t points[LIVE_MAX_POINTS]; /* the N at which the cost is read, ascending */
  size_t npoints;                 /* entries in points */
  size_t made[BENCH_MAX_LIBS];    /* segments each library has created so far */
  char (*names)[BENCH_NAME_SIZE]; /* names[l * n + i]: library l's segment i */
  bench_seg *segs;                /* the open segments of the running round */
  void **addrs;                   /* their attachments */
  double *times;                  /* ns of each open+attach of the running round */
  double *vals;                   /* vals[(l * npoints + p) * rounds + r]: cost at points[p] */
  double *means;                  /* means[l * rounds + r]: mean cost over all n */
  double *scratch;                /* room for n + 2 * rounds doubles */
} live_state;

static void live_pick_points(live_state *st) {
  size_t i;

  st->npoints = 0;
  for (i = 0; i < sizeof live_default_points / sizeof live_default_points[0]; i++)
    if (live_default_points[i] <= st->n) st->points[st->npoints++] = live_default_points[i];
  if (st->npoints == 0 || st->points[st->npoints - 1] != st->n) st->points[st->npoints++] = st->n;
}

static int live_alloc(const bench_run *run, live_state *st) {
  const size_t nl = run->nlibs, n = st->n, r = st->rounds;
  size_t l, i;

  st->names = calloc(nl * n, sizeof *st->names);
  st->segs = calloc(n, sizeof *st->segs);
  st->addrs = calloc(n, sizeof *st->addrs);
  st->times = calloc(n, sizeof *st->times);
  st->vals = calloc(nl * st->npoints * r, sizeof *st->vals);
  st->means = calloc(nl * r, sizeof *st->means);
  st->scratch = calloc(n + 2 * r, sizeof *st->scratch);
  if (st->names == NULL || st->segs == NULL || st->addrs == NULL || st->times == NULL ||
      st->vals == NULL || st->means == NULL || st->scratch == NULL) {
    fprintf(stderr, "bench: out of memory for %zu live segments\n", n);
    return -1;
  }
  for (l = 0; l < nl; l++)
    for (i = 0; i < n; i++) bench_name(st->names[l * n + i], run->libs[l], "live", i);
  return 0;
}

/* Removes every segment the libraries created, then frees the state. */
static void live_free(const bench_run *run, live_state *st) {
  size_t l, i;

  for (l = 0; l < run->nlibs; l++)
    for (i = 0; i < st->made[l]; i++) (void)run->libs[l]->remove(st->names[l * st->n + i]);
  free(st->names);
  free(st->segs);
  free(st->addrs);
  free(st->times);
  free(st->vals);
  free(st->means);
  free(st->scratch);
}

/* Creates library l's n segments, closing each at once. */
static int live_create_all(const bench_run *run, live_state *st, size_t l) {
  const bench_lib *lib = run->libs[l];
  size_t i;

  for (i = 0; i < st->n && !bench_stopped; i++) {
    const char *name = st->names[l * st->n + i];
    bench_seg seg;
    if (lib->create(name, LIVE_SIZE, &seg) != 0) return bench_failed(lib, "create", name);
    st->made[l] = i + 1;
    if (lib->close(&seg) != 0) return bench_failed(lib, "close", name);
  }
  return 0;
}

/* ---- One round ---- */

/* Detaches and closes the first `count` segments of the round. */
static int live_release(const bench_lib *lib, live_state *st, const char (*names)[BENCH_NAME_SIZE],
                        size_t count) {
  int rv = 0;
  size_t i;

  for (i = 0; i < count; i++) {
    if (lib->detach(&st->segs[i], st->addrs[i]) != 0 && rv == 0)
      rv = bench_failed(lib, "detach", names[i]);
    if (lib->close(&st->segs[i]) != 0 && rv == 0) rv = bench_failed(lib, "close", names[i]);
  }
  return rv;
}

/* Opens and attaches library l's segments one by one, timing each; then
 * releases them all and records round r's figures. */
static int live_round(const bench_run *run, live_state *st, size_t l, size_t r) {
  const bench_lib *lib = run->libs[l];
  const char(*names)[BENCH_NAME_SIZE] = (const char(*)[BENCH_NAME_SIZE])(st->names + l * st->n);
  double total = 0;
  size_t i, p;
  int rv = 0;

  for (i = 0; i < st->n && !bench_stopped; i++) {
    uint64_t start = bench_now_ns();
    if (lib->open(names[i], LIVE_SIZE, &st->segs[i]) != 0) {
      rv = bench_failed(lib, "open", names[i]);
      break;
    }
    st->addrs[i] = lib->attach(&st->segs[i]);
    st->times[i] = (double)(bench_now_ns() - start);
    if (st->addrs[i] == NULL) {
      rv = bench_failed(lib, "attach", names[i]);
      (void)lib->close(&st->segs[i]);
      break;
    }
    total += st->times[i];
  }
  if (live_release(lib, st, names, i) != 0) rv = -1;
  if (rv != 0 || bench_stopped) return rv;
  for (p = 0; p < st->npoints; p++) {
    size_t at = st->points[p], w = at / 2 < LIVE_WINDOW_MAX ? at / 2 : LIVE_WINDOW_MAX;
    bench_summary s;
    if (w == 0) w = 1;
    bench_summarize(st->times + at - w, w, st->scratch, &s);
    st->vals[(l * st->npoints + p) * st->rounds + r] = s.p50;
  }
  st->means[l * st->rounds + r] = total / (double)st->n;
  return 0;
}

/* ---- Output ---- */

/* Summarizes the series v[l * stride .. + rounds) of every library at one
 * point: table cells into med[], CSV rows. */
static void live_point(const bench_run *run, live_state *st, const double *v, size_t stride,
                       const char *point, size_t samples, double *med) {
  double *ratios = st->scratch + st->rounds;
  bench_summary pairs;
  bench_row row = {"live", LIVE_SIZE, point, NULL, {0, 0, 0}, st->rounds, samples, 0, NULL, 0};
  size_t l, r;

  for (l = 0; l < run->nlibs; l++) {
    row.lib = run->libs[l]->name;
    bench_summarize(v + l * stride, st->rounds, st->scratch, &row.ns);
    med[l] = row.ns.p50;
    if (l > 0) {
      for (r = 0; r < st->rounds; r++) ratios[r] = v[l * stride + r] / v[r];
      bench_summarize(ratios, st->rounds, st->scratch, &pairs);
      row.ratio = med[l] / med[0];
      row.pairs = &pairs;
    }
    bench_csv_row(run, &row);
  }
}

static void live_print(const bench_run *run, live_state *st) {
  double med[LIVE_MAX_POINTS + 1][BENCH_MAX_LIBS];
  char point[32];
  size_t l, p, last = st->npoints - 1;

  for (p = 0; p < st->npoints; p++) {
    (void)snprintf(point, sizeof point, "N=%zu", st->points[p]);
    live_point(run, st, st->vals + p * st->rounds, st->npoints * st->rounds, point,
               st->points[p] / 2 < LIVE_WINDOW_MAX ? st->points[p] / 2 : LIVE_WINDOW_MAX, med[p]);
  }
  live_point(run, st, st->means, st->rounds, "mean", st->n, med[st->npoints]);
  printf(
      "\nLive segments: open+attach one more 4 KiB segment while the others stay open and\n"
      "attached. ns: median of the segments just before N, median of %zu rounds; mean: over\n"
      "all %zu segments. Libraries alternate round by round.\n%-10s",
      st->rounds, st->n, "library");
  for (p = 0; p < st->npoints; p++) {
    (void)snprintf(point, sizeof point, "N=%zu ns", st->points[p]);
    printf(" %12s", point);
  }
  printf(" %8s %10s\n", "growth", "mean ns");
  for (l = 0; l < run->nlibs; l++) {
    printf("%-10s", run->libs[l]->name);
    for (p = 0; p < st->npoints; p++) printf(" %12.0f", med[p][l]);
    printf(" %7.2fx %10.0f\n", med[last][l] / med[0][l], med[st->npoints][l]);
  }
  for (l = 1; l < run->nlibs; l++) {
    (void)snprintf(point, sizeof point, "%s/%s", run->libs[l]->name, run->libs[0]->name);
    printf("%-10s", point);
    for (p = 0; p < st->npoints; p++) printf(" %12.3f", med[p][l] / med[p][0]);
    printf(" %8s %10.3f\n", "", med[st->npoints][l] / med[st->npoints][0]);
  }
  for (l = 1; l < run->nlibs && last > 0; l++) {
    double growth = med[last][l] / med[0][l];
    printf(
        "verdict: %s's cost at N=%zu is %.2fx its cost at N=%zu (%s: %.2fx): %s "
        "(criterion: at most %.2fx)\n",
        run->libs[l]->name, st->points[last], growth, st->points[0], run->libs[0]->name,
        med[last][0] / med[0][0], growth <= LIVE_FLAT ? "flat" : "grows", LIVE_FLAT);
  }
  fflush(stdout);
}

/* ---- bench_live ---- */

int bench_live(const bench_run *run) {
  live_state st;
  size_t l, r, j;
  int rv = -1;

  memset(&st, 0, sizeof st);
  st.n = live_fd_room(run->opts->live);
  st.rounds = run->opts->rounds;
  if (st.n == 0) return 0;
  live_pick_points(&st);
  if (live_alloc(run, &st) != 0) goto out;
  for (l = 0; l < run->nlibs; l++)
    if (live_create_all(run, &st, l) != 0) goto out;
  for (r = 0; r < st.rounds; r++)
    for (j = 0; j < run->nlibs; j++)
      if (bench_stopped || live_round(run, &st, (r + j) % run->nlibs, r) != 0) goto out;
  live_print(run, &st);
  rv = 0;

out:
  live_free(run, &st);
  return bench_stopped ? 0 : rv;
}
