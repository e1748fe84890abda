/*
 * bench.c - the harness's entry: options, the plan of a run, timing one
 * workload, and bench_main.
 *
 * Method. The machines this runs on are shared and noisy, so no library is
 * ever timed alone: each workload runs in many short batches of K
 * iterations, each batch timed by two reads of the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID, which leaves out the time other processes
 * hold the CPU; CLOCK_MONOTONIC with --clock wall), and the
 * libraries take turns batch by batch (the order rotated at every batch,
 * so none always runs right after another), those of the peer process
 * included (peer.c). A slow spell of the machine then hits neighbouring
 * batches of every library alike. A library's time is the median over its
 * batches of the time per iteration; its ratio is the median of its
 * per-batch ratios to its reference, timed beside it in the same process;
 * the spread is the quartiles of those per-batch ratios (report.c).
 * Speed is never asserted here: the tables report, people judge.
 *
 * Sections: options; one workload; the modes (measure, exercise, serve);
 * bench_main.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* A batch lasts about this long (K is chosen so); short enough that the
 * batches of two libraries see the same machine, long enough that the two
 * clock reads are noise. */
#define BENCH_BATCH_NS 2e6
/* A workload's batches take about this long in all by default, within the
 * bounds below, so that the whole run stays within a few minutes. */
#define BENCH_BUDGET_S 8.0
#define BENCH_MIN_BATCHES 7
#define BENCH_MAX_BATCHES 1001
/* Batches, and live rounds and segments, of --quick. */
#define BENCH_QUICK_BATCHES 3
#define BENCH_QUICK_LIVE 300
#define BENCH_QUICK_ROUNDS 2
/* Defaults of the live measurement (the project asks for 10,000 live segments). */
#define BENCH_LIVE_DEFAULT 10000
#define BENCH_ROUNDS_DEFAULT 9
/* Iterations of --exercise. */
#define BENCH_EXERCISE_ITERS 100
/* An option not given. */
#define BENCH_UNSET ((size_t)-1)

volatile sig_atomic_t bench_stopped;

/* ---- Options ---- */

static void bench_usage(FILE *f) {
  fputs(
      "usage: prshm_bench [options]\n"
      "  --quick          a few short batches: checks that it runs, measures nothing\n"
      "  --budget S       seconds of batches per workload (default 8)\n"
      "  --batches N      batches per workload (default: from the budget, 7-1001)\n"
      "  --iters K        iterations per batch (default: calibrated to ~2 ms a batch)\n"
      "  --only TEXT      only the workloads whose name contains TEXT (open, create,\n"
      "                   touch, first, live); =TEXT: whose name is TEXT\n"
      "  --size SIZE      only the workloads of this size (4K, 64M, 1G)\n"
      "  --live N         most live segments in the live measurement (default 10000,\n"
      "                   0 skips it)\n"
      "  --rounds R       rounds of the live measurement (default 9)\n"
      "  --csv FILE       also write every result to FILE as CSV\n"
      "  --peer PATH      the peer binary to run beside this one (default: the NSPR\n"
      "                   benchmark beside this program, if it was built)\n"
      "  --no-peer        run no peer\n"
      "  --exercise LIB   run --iters iterations (default 100) of the selected workloads\n"
      "                   for library LIB only, untimed: for counting system calls\n"
      "  --clock CLOCK    what times a batch: cpu (default: this thread's CPU time, which\n"
      "                   leaves out the time other processes hold the CPU) or wall\n"
      "See bench/README.md for what each workload measures and how to read the tables.\n",
      f);
}

/* Parses a count for `opt`; 0 is allowed only when zero_ok. */
static int bench_count(const char *opt, const char *text, int zero_ok, size_t *out) {
  char *end;
  unsigned long long v;

  errno = 0;
  v = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || (v == 0 && !zero_ok) ||
      v > (unsigned long long)(BENCH_UNSET / 2)) {
    fprintf(stderr, "bench: %s needs a %s count, not '%s'\n", opt,
            zero_ok ? "non-negative" : "positive", text);
    return -1;
  }
  *out = (size_t)v;
  return 0;
}

/* Parses a size: a count of bytes, or of K, M or G (KiB, MiB, GiB). */
static int bench_size(const char *text, size_t *out) {
  char *end;
  unsigned long long v;
  size_t unit = 1;

  errno = 0;
  v = strtoull(text, &end, 10);
  if (errno != 0 || end == text || text[0] == '-' || v == 0 || v > (1ull << 40)) goto bad;
  switch (*end) {
    case '\0':
      break;
    case 'K':
      unit = BENCH_KIB;
      break;
    case 'M':
      unit = BENCH_MIB;
      break;
    case 'G':
      unit = BENCH_GIB;
      break;
    default:
      goto bad;
  }
  if (*end != '\0' && end[1] != '\0' && strcmp(end + 1, "iB") != 0) goto bad;
  *out = (size_t)v * unit;
  return 0;
bad:
  fprintf(stderr, "bench: --size needs a size such as 4K, 64M or 1G, not '%s'\n", text);
  return -1;
}

static int bench_seconds(const char *text, double *ns) {
  char *end;
  double v = strtod(text, &end);

  if (end == text || *end != '\0' || !(v > 0) || v > 86400) {
    fprintf(stderr, "bench: --budget needs a positive number of seconds, not '%s'\n", text);
    return -1;
  }
  *ns = v * 1e9;
  return 0;
}

/* Takes the value of an option that has one. 0, or -1 if `opt` is unknown
 * or its value is bad. */
static int bench_option(const char *opt, const char *value, bench_opts *o) {
  if (strcmp(opt, "--batches") == 0) return bench_count(opt, value, 0, &o->batches);
  if (strcmp(opt, "--iters") == 0) return bench_count(opt, value, 0, &o->iters);
  if (strcmp(opt, "--live") == 0) return bench_count(opt, value, 1, &o->live);
  if (strcmp(opt, "--rounds") == 0) return bench_count(opt, value, 0, &o->rounds);
  if (strcmp(opt, "--budget") == 0) return bench_seconds(value, &o->budget_ns);
  if (strcmp(opt, "--size") == 0) return bench_size(value, &o->only_size);
  if (strcmp(opt, "--only") == 0) {
    o->only = value;
  } else if (strcmp(opt, "--csv") == 0) {
    o->csv_path = value;
  } else if (strcmp(opt, "--peer") == 0) {
    o->peer_path = value;
  } else if (strcmp(opt, "--exercise") == 0) {
    o->exercise = value;
  } else if (strcmp(opt, "--clock") == 0) {
    if (strcmp(value, "cpu") != 0 && strcmp(value, "wall") != 0) {
      fprintf(stderr, "bench: --clock takes cpu or wall, not '%s'\n", value);
      return -1;
    }
    o->wall_clock = strcmp(value, "wall") == 0;
  } else {
    fprintf(stderr, "bench: unknown option %s\n", opt);
    return -1;
  }
  return 0;
}

/* The options that take no value; 1 if `arg` is one. */
static int bench_flag(const char *arg, bench_opts *o) {
  if (strcmp(arg, "--quick") == 0)
    o->quick = 1;
  else if (strcmp(arg, "--serve") == 0)
    o->serve = 1;
  else if (strcmp(arg, "--no-peer") == 0)
    o->peer_path = "";
  else
    return 0;
  return 1;
}

/* Fills *o from argv. Returns -1 to go on, or an exit code: 0 after
 * --help, 2 for a bad command line. */
static int bench_parse(int argc, char **argv, bench_opts *o) {
  int i;

  memset(o, 0, sizeof *o);
  o->live = o->rounds = BENCH_UNSET;
  o->budget_ns = BENCH_BUDGET_S * 1e9;
  for (i = 1; i < argc; i++) {
    if (bench_flag(argv[i], o)) continue;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      bench_usage(stdout);
      return 0;
    }
    if (i + 1 >= argc || strncmp(argv[i], "--", 2) != 0) {
      fprintf(stderr, "bench: unknown option or missing value: %s\n", argv[i]);
      bench_usage(stderr);
      return 2;
    }
    if (bench_option(argv[i], argv[i + 1], o) != 0) {
      bench_usage(stderr);
      return 2;
    }
    i++;
  }
  if (o->live == BENCH_UNSET) o->live = o->quick ? BENCH_QUICK_LIVE : BENCH_LIVE_DEFAULT;
  if (o->rounds == BENCH_UNSET) o->rounds = o->quick ? BENCH_QUICK_ROUNDS : BENCH_ROUNDS_DEFAULT;
  return -1;
}

/* Does --only (and --size) select a workload of this name and size? */
static int bench_selected(const bench_opts *o, const char *name, size_t size) {
  if (o->only_size != 0 && size != o->only_size) return 0;
  if (o->only == NULL) return 1;
  if (o->only[0] == '=') return strcmp(name, o->only + 1) == 0;
  return strstr(name, o->only) != NULL;
}

/* ---- One workload ---- */

/* The timings of one workload. */
typedef struct bench_timing {
  int take[BENCH_MAX_PARTS];    /* 1 for each participant taking part */
  size_t list[BENCH_MAX_PARTS]; /* their indices, in turn order */
  size_t n;                     /* entries in list */
  size_t iters;                 /* K, iterations per batch */
  size_t batches;               /* batches planned */
  size_t done;                  /* batches every participant has completed */
  double *ns;                   /* ns[p * batches + b]: p's ns per iteration in batch b */
} bench_timing;

/* Chooses K and the number of batches from the estimates, unless the
 * options fix them. */
static void bench_plan(const bench_opts *o, const double *est, bench_timing *tm) {
  double slowest = 0, sum = 0, k, b;
  size_t j;

  for (j = 0; j < tm->n; j++) {
    if (est[j] > slowest) slowest = est[j];
    sum += est[j];
  }
  k = BENCH_BATCH_NS / (slowest >= 1 ? slowest : 1);
  tm->iters = o->iters != 0 ? o->iters : o->quick || k < 1 ? 1 : (size_t)k;
  b = o->budget_ns / ((double)tm->iters * (sum > 0 ? sum : 1));
  if (b < BENCH_MIN_BATCHES) b = BENCH_MIN_BATCHES;
  if (b > BENCH_MAX_BATCHES) b = BENCH_MAX_BATCHES;
  tm->batches = o->batches != 0 ? o->batches : o->quick ? BENCH_QUICK_BATCHES : (size_t)b;
}

/* The batches, the participants taking turns; stops early if interrupted. */
static int bench_batches(const bench_run *run, size_t wi, bench_timing *tm) {
  size_t b, j;

  for (b = 0; b < tm->batches && !bench_stopped; b++) {
    for (j = 0; j < tm->n; j++) {
      size_t p = tm->list[(b + j) % tm->n];
      if (bench_part_batch(run, p, wi, tm->iters, &tm->ns[p * tm->batches + b]) != 0) return -1;
    }
    tm->done = b + 1;
  }
  return 0;
}

/* Prepares, calibrates, times and reports workload number wi. */
static int bench_measure(bench_run *run, size_t wi, const bench_workload *w) {
  bench_timing tm;
  double est[BENCH_MAX_PARTS];
  char why[128];
  size_t j, prepared = 0;
  int rv = -1;

  memset(&tm, 0, sizeof tm);
  for (j = 0; j < run->nparts; j++) {
    const bench_part *pt = &run->parts[j];
    /* A peer's copy of a reference is there for its own process's ratios. */
    tm.take[j] = (pt->roles & w->role) != 0 && (!pt->shadow || strcmp(pt->base, w->ref) == 0);
    if (tm.take[j]) tm.list[tm.n++] = j;
  }
  if (!bench_workload_fits(w, tm.n, why, sizeof why)) {
    char size[32];
    bench_size_text(w->size, size, sizeof size);
    printf("%-12s %-7s skipped: %s\n", w->name, size, why);
    return 0;
  }
  for (; prepared < tm.n; prepared++)
    if (bench_part_prepare(run, tm.list[prepared], wi) != 0) goto cleanup;
  for (j = 0; j < tm.n; j++)
    if (bench_part_calibrate(run, tm.list[j], wi, &est[j]) != 0) goto cleanup;
  bench_plan(run->opts, est, &tm);
  tm.ns = calloc(run->nparts * tm.batches, sizeof *tm.ns);
  if (tm.ns == NULL) {
    fprintf(stderr, "bench: out of memory\n");
    goto cleanup;
  }
  if (bench_batches(run, wi, &tm) != 0) goto cleanup;
  rv = tm.done > 0 ? bench_report_workload(run, wi, tm.take, tm.ns, tm.batches, tm.done, tm.iters)
                   : 0;
cleanup:
  free(tm.ns);
  while (prepared > 0) bench_part_cleanup(run, tm.list[--prepared], wi);
  return rv;
}

/* Every selected workload, then the live measurement. *ran counts them. */
static int bench_all(bench_run *run, size_t *ran) {
  size_t wi;

  for (wi = 0; wi < bench_nworkloads() && !bench_stopped; wi++) {
    bench_workload w;
    bench_workload_get(run->opts, wi, &w);
    if (!bench_selected(run->opts, w.name, w.size)) continue;
    if (bench_measure(run, wi, &w) != 0) return -1;
    ++*ran;
  }
  if (run->opts->live == 0 || !bench_selected(run->opts, "live", 4 * BENCH_KIB) || bench_stopped)
    return 0;
  ++*ran;
  return bench_live(run);
}

/* ---- The modes ---- */

/* The participants of this process; the subject is prshm, if listed. */
static void bench_local_parts(bench_run *run, const bench_lib *const *libs, size_t nlibs) {
  size_t l;

  run->subject = BENCH_NONE;
  for (l = 0; l < nlibs; l++) {
    bench_part *pt = &run->parts[run->nparts++];
    (void)snprintf(pt->name, sizeof pt->name, "%s", libs[l]->name);
    (void)snprintf(pt->base, sizeof pt->base, "%s", libs[l]->name);
    (void)snprintf(pt->describe, sizeof pt->describe, "%s", libs[l]->describe());
    pt->roles = libs[l]->roles;
    pt->lib = libs[l];
    if (strcmp(libs[l]->name, "prshm") == 0) run->subject = l;
  }
}

static FILE *bench_open_csv(const char *path) {
  FILE *f = fopen(path, "w");

  if (f == NULL) {
    fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
    return NULL;
  }
  /* The peer process need not inherit it. */
  (void)fcntl(fileno(f), F_SETFD, FD_CLOEXEC);
  return f;
}

/* The measuring run: the header, every workload, the tables. The exit
 * code (see bench_main). */
static int bench_measure_all(bench_run *run, const char *argv0) {
  const bench_opts *o = run->opts;
  size_t ran = 0;
  int rv = 1;

  if (bench_peer_start(run, argv0) != 0) return 1;
  if (o->csv_path != NULL && (run->csv = bench_open_csv(o->csv_path)) == NULL) goto out;
  bench_header(run);
  bench_csv_head(run);
  if (bench_all(run, &ran) != 0) goto out;
  bench_report_versus(run);
  bench_report_targets(run);
  rv = 0;
out:
  bench_peer_stop(run);
  if (run->csv != NULL) {
    bench_print_load(run->csv, "# load_end: ", "at the end");
    if (fclose(run->csv) != 0 && rv == 0) {
      fprintf(stderr, "bench: writing %s failed\n", o->csv_path);
      rv = 1;
    }
  }
  if (bench_stopped) return 130;
  if (rv != 0) return rv;
  if (ran == 0) {
    fprintf(stderr, "bench: nothing matches --only %s\n", o->only);
    return 2;
  }
  printf("\n");
  bench_print_load(stdout, "load ", "at the end");
  printf("bench: done, %zu measurement%s complete\n", ran, ran == 1 ? "" : "s");
  return 0;
}

/* --exercise: iterations of one library, untimed, for strace. */
static int bench_exercise(const bench_opts *o, const bench_lib *const *libs, size_t nlibs) {
  const size_t iters = o->iters != 0 ? o->iters : BENCH_EXERCISE_ITERS;
  const bench_lib *lib = NULL;
  size_t l, wi;
  double ns;

  for (l = 0; l < nlibs; l++)
    if (strcmp(libs[l]->name, o->exercise) == 0) lib = libs[l];
  if (lib == NULL) {
    fprintf(stderr, "bench: no library %s in this binary\n", o->exercise);
    return 2;
  }
  for (wi = 0; wi < bench_nworkloads() && !bench_stopped; wi++) {
    bench_workload w;
    int rv;
    bench_workload_get(o, wi, &w);
    if (!bench_selected(o, w.name, w.size) || !(lib->roles & w.role)) continue;
    if (bench_local_prepare(lib, &w, wi) != 0) return 1;
    rv = bench_local_batch(lib, &w, wi, iters, &ns);
    bench_local_cleanup(lib, &w, wi);
    if (rv != 0) return 1;
  }
  return bench_stopped ? 130 : 0;
}

/* ---- bench_main ---- */

static void bench_on_signal(int sig) {
  (void)sig;
  bench_stopped = 1;
}

static void bench_catch_signals(void) {
  struct sigaction sa;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = bench_on_signal;
  (void)sigemptyset(&sa.sa_mask);
  (void)sigaction(SIGINT, &sa, NULL);
  (void)sigaction(SIGTERM, &sa, NULL);
  /* A peer that dies makes its pipe fail a write; that is reported, not fatal. */
  sa.sa_handler = SIG_IGN;
  (void)sigaction(SIGPIPE, &sa, NULL);
}

int bench_main(int argc, char **argv, const bench_lib *const *libs, size_t nlibs,
               const char *peer) {
  bench_opts opts;
  bench_run run;
  size_t inited = 0;
  int rv = bench_parse(argc, argv, &opts);

  if (rv >= 0) return rv;
  if (nlibs < 2 || nlibs > BENCH_MAX_LIBS) {
    fprintf(stderr, "bench: %zu libraries; a binary lists 2 to %d\n", nlibs, BENCH_MAX_LIBS);
    return 2;
  }
  opts.peer_name = peer;
  bench_batch_wall_clock = opts.wall_clock;
  memset(&run, 0, sizeof run);
  run.opts = &opts;
  bench_catch_signals();
  for (; inited < nlibs; inited++) {
    if (libs[inited]->init != NULL && libs[inited]->init() != 0) {
      fprintf(stderr, "bench: %s: init failed: %s\n", libs[inited]->name, libs[inited]->error());
      rv = 1;
      goto fini;
    }
  }
  if (opts.serve)
    rv = bench_serve(&opts, libs, nlibs);
  else if (opts.exercise != NULL)
    rv = bench_exercise(&opts, libs, nlibs);
  else {
    bench_local_parts(&run, libs, nlibs);
    rv = bench_measure_all(&run, argv[0]);
  }
fini:
  while (inited > 0)
    if (libs[--inited]->fini != NULL) libs[inited]->fini();
  if (bench_stopped && !opts.serve) fprintf(stderr, "bench: interrupted\n");
  return rv;
}
