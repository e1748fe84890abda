/*
 * live.c - the cost of one more segment when many are live (the project's
 * target: 10,000 live segments in one process, at a flat cost each).
 *
 * In each round, each library in turn creates N segments of 4 KiB
 * (untimed), then opens and attaches segments 1, 2, ..., N, keeping every
 * one open and attached, timing each open+attach on its own; then it
 * detaches, closes and removes them all (untimed). Only one library's
 * segments exist at a time, so libraries that share a system-wide limit
 * (System V's kernel.shmmni: sysv, NSPR) each get all of it. A library
 * that cannot hold N segments (that limit, or descriptors) takes as many
 * as it can, and the table says why.
 *
 * The cost at a point N is the median of the times of the segments just
 * before N (a window of min(N/2, 100)), so that one slow moment of the
 * machine does not count; the mean over all segments keeps amortised costs
 * (tables that double as they fill) in view. Every figure is the median
 * over the rounds; the libraries take turns round by round, in an order
 * rotated every round, and ratios are taken round by round within one
 * process (report.c).
 *
 * Sections: room for descriptors; the plan; rounds; output; bench_live.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness.h"

/* Descriptors kept free for the process's other files. */
#define LIVE_FD_SPARE 64
/* The subject's cost at the last point over its cost at the first: the
 * verdict calls it flat up to this growth. */
#define LIVE_FLAT 1.25
#define LIVE_WINDOW_MAX 100
#define LIVE_MAX_POINTS 16
/* A library that can hold fewer segments than this does not take part. */
#define LIVE_LEAST 100

/* The points of the CSV (and the charts), and the columns of the table. */
static const size_t live_points_all[] = {100, 200, 500, 1000, 2000, 5000, 10000};
static const size_t live_points_shown[] = {100, 1000, 10000};

/* ---- Room for descriptors ---- */

size_t bench_fd_room(size_t want) {
  const rlim_t need = (rlim_t)(want + LIVE_FD_SPARE);
  struct rlimit rl, up;

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
    return want;
  up.rlim_cur = need;
  up.rlim_max = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? need : rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &up) == 0) return want;
  /* Only root may raise the hard limit: go as far as it allows. */
  up.rlim_cur = up.rlim_max = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &up) != 0) up.rlim_cur = rl.rlim_cur;
  return up.rlim_cur > LIVE_FD_SPARE ? (size_t)(up.rlim_cur - LIVE_FD_SPARE) : 0;
}

/* ---- The plan ---- */

/* Everything one live measurement holds; freed by live_free. */
typedef struct live_state {
  size_t n;                       /* the most segments a library holds */
  size_t rounds;                  /* rounds */
  size_t take[BENCH_MAX_PARTS];   /* each participant's segments; 0: not taking part */
  char why[BENCH_MAX_PARTS][160]; /* why a participant takes fewer than n */
  size_t points[LIVE_MAX_POINTS]; /* where costs are read, ascending */
  size_t npoints;                 /* entries in points */
  double *times;                  /* the running round's open+attach times */
  double *vals;                   /* vals[(p * npoints + i) * rounds + r] */
  double *means;                  /* means[p * rounds + r]: mean over all take[p] */
  double *scratch;                /* room for 3 * rounds doubles */
} live_state;

static void live_add_point(live_state *st, size_t at) {
  size_t i, j;

  for (i = 0; i < st->npoints && st->points[i] < at; i++) continue;
  if ((i < st->npoints && st->points[i] == at) || st->npoints == LIVE_MAX_POINTS) return;
  for (j = st->npoints; j > i; j--) st->points[j] = st->points[j - 1];
  st->points[i] = at;
  st->npoints++;
}

/* Who takes part, with how many segments; the points to read. */
static void live_plan(const bench_run *run, live_state *st) {
  size_t p, i;

  for (p = 0; p < run->nparts; p++) {
    st->take[p] = 0;
    if (!(run->parts[p].roles & BENCH_ROLE_LIVE)) continue;
    st->take[p] = bench_part_capacity(run, p, st->n, st->why[p], sizeof st->why[p]);
    if (st->take[p] < LIVE_LEAST) {
      printf("note: %s takes no part in the live measurement: %s\n", run->parts[p].name,
             st->why[p]);
      st->take[p] = 0;
    }
  }
  for (i = 0; i < sizeof live_points_all / sizeof live_points_all[0]; i++)
    if (live_points_all[i] <= st->n) live_add_point(st, live_points_all[i]);
  live_add_point(st, st->n);
  for (p = 0; p < run->nparts; p++)
    if (st->take[p] > 0) live_add_point(st, st->take[p]);
}

static int live_alloc(const bench_run *run, live_state *st) {
  const size_t np = run->nparts, r = st->rounds;

  st->times = calloc(st->n, sizeof *st->times);
  st->vals = calloc(np * st->npoints * r, sizeof *st->vals);
  st->means = calloc(np * r, sizeof *st->means);
  st->scratch = calloc(3 * r, sizeof *st->scratch);
  if (st->times == NULL || st->vals == NULL || st->means == NULL || st->scratch == NULL) {
    fprintf(stderr, "bench: out of memory for %zu live segments\n", st->n);
    return -1;
  }
  return 0;
}

static void live_free(live_state *st) {
  free(st->times);
  free(st->vals);
  free(st->means);
  free(st->scratch);
}

/* ---- Rounds ---- */

/* Runs round r of participant p and records its figures. */
static int live_round(const bench_run *run, live_state *st, size_t p, size_t r) {
  const size_t n = st->take[p];
  double total = 0, *scratch;
  size_t i;

  if (bench_part_live(run, p, n, st->times) != 0) return -1;
  scratch = malloc(LIVE_WINDOW_MAX * sizeof *scratch);
  if (scratch == NULL) return -1;
  for (i = 0; i < n; i++) total += st->times[i];
  for (i = 0; i < st->npoints && st->points[i] <= n; i++) {
    size_t at = st->points[i], w = at / 2 < LIVE_WINDOW_MAX ? at / 2 : LIVE_WINDOW_MAX;
    bench_summary s;
    if (w == 0) w = 1;
    bench_summarize(st->times + at - w, w, scratch, &s);
    st->vals[(p * st->npoints + i) * st->rounds + r] = s.p50;
  }
  st->means[p * st->rounds + r] = total / (double)n;
  free(scratch);
  return 0;
}

/* ---- Output ---- */

/* Participant p's values at point i over the rounds, or NULL if it has none. */
static const double *live_series(const live_state *st, size_t p, size_t i) {
  if (p == BENCH_NONE || st->take[p] == 0) return NULL;
  if (i == st->npoints) return st->means + p * st->rounds;
  return st->points[i] <= st->take[p] ? st->vals + (p * st->npoints + i) * st->rounds : NULL;
}

/* The series of p's reference `ref` at point i, or NULL. Means are compared
 * only between libraries that held as many segments. */
static const double *live_ref_series(const live_state *st, size_t p, size_t ref, size_t i) {
  if (ref == BENCH_NONE || (i == st->npoints && st->take[ref] != st->take[p])) return NULL;
  return live_series(st, ref, i);
}

/* x_r / ref_r round by round (1 without a reference), into out. */
static void live_norm(const live_state *st, const double *x, const double *ref, double *out) {
  size_t r;

  for (r = 0; r < st->rounds; r++) out[r] = ref != NULL ? x[r] / ref[r] : 1;
}

/* The median over the rounds of a series; 1 for a missing series (no
 * reference: a ratio of 1). */
static double live_median(live_state *st, const double *v) {
  bench_summary s;

  if (v == NULL) return 1;
  bench_summarize(v, st->rounds, st->scratch + 2 * st->rounds, &s);
  return s.p50;
}

/* The subject against participant p at point i: (s / s's raw) over (p /
 * p's raw), round by round, as a CSV row. Returns the median. */
static double live_versus_row(const bench_run *run, live_state *st, size_t i, size_t p,
                              const char *point) {
  const size_t s = run->subject, rr = st->rounds;
  const double *sv = live_series(st, s, i), *v = live_series(st, p, i);
  const double *srv = live_ref_series(st, s, bench_ref_of(run, s, "raw"), i);
  const double *rv = live_ref_series(st, p, bench_ref_of(run, p, "raw"), i);
  double *a = st->scratch, *b = st->scratch + rr;
  bench_summary q;
  bench_row row = {.table = "live-versus",
                   .workload = "live",
                   .size = 4 * BENCH_KIB,
                   .point = point,
                   .lib = run->parts[s].name,
                   .ref = run->parts[p].name,
                   .samples = rr,
                   .pairs = &q};
  size_t r;

  live_norm(st, sv, srv, a);
  live_norm(st, v, rv, b);
  for (r = 0; r < rr; r++) b[r] = a[r] / b[r];
  bench_summarize(b, rr, st->scratch + 2 * rr, &q);
  row.ratio =
      (live_median(st, sv) / live_median(st, srv)) / (live_median(st, v) / live_median(st, rv));
  bench_csv_row(run, &row);
  return q.p50;
}

/* The CSV rows of point i (npoints: the mean) for every participant, and
 * the subject against each. med[p] receives each participant's median,
 * vs[p] the subject against it (0: none). */
static void live_point_rows(const bench_run *run, live_state *st, size_t i, double *med,
                            double *vs) {
  const size_t rr = st->rounds;
  char point[32];
  size_t p;

  if (i == st->npoints)
    (void)snprintf(point, sizeof point, "mean");
  else
    (void)snprintf(point, sizeof point, "N=%zu", st->points[i]);
  for (p = 0; p < run->nparts; p++) {
    const double *v = live_series(st, p, i), *rv;
    size_t ref = bench_ref_of(run, p, "raw");
    bench_summary pairs;
    bench_row row = {.table = "live",
                     .workload = "live",
                     .size = 4 * BENCH_KIB,
                     .point = point,
                     .lib = run->parts[p].name,
                     .ref = "",
                     .samples = rr};
    med[p] = vs[p] = 0;
    if (v == NULL) continue;
    if (i == st->npoints)
      row.iters = st->take[p];
    else
      row.iters = st->points[i] / 2 < LIVE_WINDOW_MAX ? st->points[i] / 2 : LIVE_WINDOW_MAX;
    bench_summarize(v, rr, st->scratch + 2 * rr, &row.ns);
    med[p] = row.ns.p50;
    rv = live_ref_series(st, p, ref, i);
    if (rv != NULL) {
      live_norm(st, v, rv, st->scratch);
      bench_summarize(st->scratch, rr, st->scratch + 2 * rr, &pairs);
      row.ref = run->parts[ref].name;
      row.ratio = row.ns.p50 / live_median(st, rv);
      row.pairs = &pairs;
    }
    bench_csv_row(run, &row);
    if (live_series(st, run->subject, i) != NULL && p != run->subject && !run->parts[p].shadow &&
        (i < st->npoints || st->take[p] == st->take[run->subject]))
      vs[p] = live_versus_row(run, st, i, p, point);
  }
}

/* The table's columns: the shown points up to n, and n itself. */
static size_t live_columns(const live_state *st, size_t *cols) {
  size_t i, j, nc = 0;

  for (j = 0; j < sizeof live_points_shown / sizeof live_points_shown[0]; j++)
    for (i = 0; i < st->npoints; i++)
      if (st->points[i] == live_points_shown[j]) cols[nc++] = i;
  for (i = 0; i < st->npoints; i++)
    if (st->points[i] == st->n && (nc == 0 || cols[nc - 1] != i)) cols[nc++] = i;
  return nc;
}

/* The last point at which p has a value. */
static size_t live_last(const live_state *st, size_t p) {
  size_t i = 0;

  while (i + 1 < st->npoints && st->points[i + 1] <= st->take[p]) i++;
  return i;
}

static void live_print(const bench_run *run, live_state *st, double (*med)[BENCH_MAX_PARTS]) {
  size_t cols[LIVE_MAX_POINTS], nc = live_columns(st, cols), c, p;
  char head[32];

  printf(
      "\nLive segments: open+attach one more 4 KiB segment while the others stay open and\n"
      "attached. ns: median of the segments just before N, median of %zu rounds; mean: over\n"
      "all segments; growth: the cost at the library's last N over its cost at N=%zu.\n"
      "prshm/X rows: prshm's ratio to raw over X's ratio to its own process's raw, median of\n"
      "the rounds.\n%-10s",
      st->rounds, st->points[0], "library");
  for (c = 0; c < nc; c++) {
    (void)snprintf(head, sizeof head, "N=%zu ns", st->points[cols[c]]);
    printf(" %11s", head);
  }
  printf(" %8s %9s  %s\n", "growth", "mean ns", "limit");
  for (p = 0; p < run->nparts; p++) {
    size_t last = live_last(st, p);
    if (st->take[p] == 0) continue;
    printf("%-10s", run->parts[p].name);
    for (c = 0; c < nc; c++) {
      if (med[cols[c]][p] > 0)
        printf(" %11.0f", med[cols[c]][p]);
      else
        printf(" %11s", "-");
    }
    printf(" %7.2fx %9.0f", med[last][p] / med[0][p], med[st->npoints][p]);
    if (st->take[p] < st->n)
      printf("  %zu segments (N=%zu: %.0f ns): %s", st->take[p], st->take[p], med[last][p],
             st->why[p]);
    printf("\n");
  }
}

/* The subject's rows against each library, and its verdict. */
static void live_print_versus(const bench_run *run, live_state *st, double (*med)[BENCH_MAX_PARTS],
                              double (*vs)[BENCH_MAX_PARTS]) {
  size_t cols[LIVE_MAX_POINTS], nc = live_columns(st, cols), c, p, s = run->subject, last;
  char head[2 * sizeof run->parts[0].name + 2];

  if (s == BENCH_NONE || st->take[s] == 0) return;
  for (p = 0; p < run->nparts; p++) {
    if (p == s || st->take[p] == 0 || run->parts[p].shadow) continue;
    (void)snprintf(head, sizeof head, "%s/%s", run->parts[s].name, run->parts[p].name);
    printf("%-10s", head);
    for (c = 0; c < nc; c++) {
      if (vs[cols[c]][p] > 0)
        printf(" %11.3f", vs[cols[c]][p]);
      else
        printf(" %11s", "-");
    }
    if (vs[st->npoints][p] > 0)
      printf(" %8s %9.3f\n", "", vs[st->npoints][p]);
    else
      printf(" %8s %9s\n", "", "-");
  }
  last = live_last(st, s);
  printf("verdict: %s's cost at N=%zu is %.2fx its cost at N=%zu: %s (criterion: at most %.2fx)\n",
         run->parts[s].name, st->points[last], med[last][s] / med[0][s], st->points[0],
         med[last][s] / med[0][s] <= LIVE_FLAT ? "flat" : "grows", LIVE_FLAT);
}

/* ---- bench_live ---- */

int bench_live(bench_run *run) {
  double med[LIVE_MAX_POINTS + 1][BENCH_MAX_PARTS], vs[LIVE_MAX_POINTS + 1][BENCH_MAX_PARTS];
  size_t list[BENCH_MAX_PARTS], np = 0, r, j, i, p;
  live_state st;
  int rv = -1;

  memset(&st, 0, sizeof st);
  st.n = bench_fd_room(run->opts->live);
  st.rounds = run->opts->rounds;
  if (st.n < run->opts->live)
    printf("note: RLIMIT_NOFILE's hard limit leaves room for %zu live segments, not %zu\n", st.n,
           run->opts->live);
  if (st.n < LIVE_LEAST) return 0;
  live_plan(run, &st);
  for (p = 0; p < run->nparts; p++)
    if (st.take[p] > 0) list[np++] = p;
  if (np == 0 || live_alloc(run, &st) != 0) goto out;
  for (r = 0; r < st.rounds; r++)
    for (j = 0; j < np; j++)
      if (bench_stopped || live_round(run, &st, list[(r + j) % np], r) != 0) goto out;
  for (i = 0; i <= st.npoints; i++) live_point_rows(run, &st, i, med[i], vs[i]);
  live_print(run, &st, med);
  live_print_versus(run, &st, med, vs);
  fflush(stdout);
  rv = 0;
out:
  live_free(&st);
  return bench_stopped ? 0 : rv;
}
