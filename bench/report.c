/*
 * report.c - what a run prints: statistics over batches, the machine's
 * description, the table of each workload, the subject against each
 * library, and the CSV.
 *
 * Ratios. Every ratio is taken within one process and one run, between a
 * library and its reference (raw POSIX calls, or anonymous memory for
 * first touch) timed in the same process, batch beside batch: the ratio
 * shown is the median of the per-batch ratios lib_b / ref_b, each from two
 * batches that ran side by side, with their quartiles as its spread. The
 * subject (prshm) against another library L is, batch by batch, the
 * subject's ratio over L's ratio; when both run in this process and share
 * the reference, that is simply subject_b / L_b. The CSV also keeps the
 * ratio of the two medians, which agrees within the spread when the run
 * was steady.
 *
 * Sections: statistics; the machine; the header; the CSV; a workload's
 * table; the versus table; the targets.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* ---- Statistics ---- */

static int report_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-quantile of n sorted values, interpolating between neighbours. */
static double report_quantile(const double *sorted, size_t n, double q) {
  double pos = q * (double)(n - 1);
  size_t lo = (size_t)pos;
  double frac = pos - (double)lo;

  if (lo + 1 >= n) return sorted[n - 1];
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

void bench_summarize(const double *v, size_t n, double *scratch, bench_summary *s) {
  memcpy(scratch, v, n * sizeof *v);
  qsort(scratch, n, sizeof *scratch, report_cmp_double);
  s->p25 = report_quantile(scratch, n, 0.25);
  s->p50 = report_quantile(scratch, n, 0.50);
  s->p75 = report_quantile(scratch, n, 0.75);
}

void bench_size_text(size_t size, char *buf, size_t bufsize) {
  if (size % BENCH_GIB == 0)
    (void)snprintf(buf, bufsize, "%zu GiB", size / BENCH_GIB);
  else if (size % BENCH_MIB == 0)
    (void)snprintf(buf, bufsize, "%zu MiB", size / BENCH_MIB);
  else if (size % BENCH_KIB == 0)
    (void)snprintf(buf, bufsize, "%zu KiB", size / BENCH_KIB);
  else
    (void)snprintf(buf, bufsize, "%zu B", size);
}

void bench_ratio_text(double ratio, char *buf, size_t bufsize) {
  (void)snprintf(buf, bufsize, ratio < 10 ? "%.3f" : ratio < 1000 ? "%.1f" : "%.0f", ratio);
}

size_t bench_ref_of(const bench_run *run, size_t p, const char *ref) {
  const bench_part *pt = &run->parts[p];
  size_t q;

  for (q = 0; q < run->nparts; q++) {
    if (run->parts[q].peer != pt->peer || strcmp(run->parts[q].base, ref) != 0) continue;
    if (q != p) return q;
    break;
  }
  if (q == run->nparts || pt->peer == NULL) return BENCH_NONE;
  /* A peer's copy of the reference: against this process's. */
  for (q = 0; q < run->nparts; q++)
    if (run->parts[q].peer == NULL && strcmp(run->parts[q].base, ref) == 0) return q;
  return BENCH_NONE;
}

/* ---- The machine ---- */

/* The machine, as the header and the CSV name it. */
typedef struct report_machine {
  char cpu[128];    /* /proc/cpuinfo's model name, or "unknown CPU" */
  long cpus;        /* CPUs online */
  double ram_gib;   /* physical memory */
  char system[232]; /* uname: system, release, machine */
  char date[32];    /* now, UTC */
  double shm_gib;   /* free space in /dev/shm */
  char thp[32];     /* transparent huge pages for anonymous memory */
  long shmmni;      /* kernel.shmmni, or -1 */
} report_machine;

/* The value after "key:" on the first line of `path` that starts with
 * `key` (whitespace trimmed), or "". */
static void report_proc_value(const char *path, const char *key, char *buf, size_t size) {
  FILE *f = fopen(path, "r");
  char line[512];

  buf[0] = '\0';
  if (f == NULL) return;
  while (fgets(line, sizeof line, f) != NULL) {
    char *v = strchr(line, ':'), *end;
    if (strncmp(line, key, strlen(key)) != 0 || v == NULL) continue;
    for (v++; *v == ' ' || *v == '\t'; v++) continue;
    end = v + strlen(v);
    while (end > v && (end[-1] == '\n' || end[-1] == ' ')) *--end = '\0';
    (void)snprintf(buf, size, "%s", v);
    break;
  }
  fclose(f);
}

/* The word in [brackets] of a sysfs choice file ("always [madvise] never"). */
static void report_sysfs_choice(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "r");
  char line[256], *open, *close;

  (void)snprintf(buf, size, "unknown");
  if (f == NULL) return;
  if (fgets(line, sizeof line, f) != NULL && (open = strchr(line, '[')) != NULL &&
      (close = strchr(open, ']')) != NULL)
    (void)snprintf(buf, size, "%.*s", (int)(close - open - 1), open + 1);
  fclose(f);
}

/* The number a /proc/sys file holds, or -1. */
static long report_proc_number(const char *path) {
  FILE *f = fopen(path, "r");
  long v = -1;

  if (f == NULL) return -1;
  if (fscanf(f, "%ld", &v) != 1) v = -1;
  fclose(f);
  return v;
}

static void report_machine_get(report_machine *m) {
  char text[64];
  struct utsname u;
  struct statvfs sv;
  time_t now = time(NULL);
  struct tm tm;

  memset(m, 0, sizeof *m);
  report_proc_value("/proc/cpuinfo", "model name", m->cpu, sizeof m->cpu);
  if (m->cpu[0] == '\0') (void)snprintf(m->cpu, sizeof m->cpu, "unknown CPU");
  m->cpus = sysconf(_SC_NPROCESSORS_ONLN);
  report_proc_value("/proc/meminfo", "MemTotal", text, sizeof text);
  m->ram_gib = strtod(text, NULL) / (1024.0 * 1024.0);
  if (uname(&u) == 0)
    (void)snprintf(m->system, sizeof m->system, "%s %s %s", u.sysname, u.release, u.machine);
  if (gmtime_r(&now, &tm) != NULL)
    (void)strftime(m->date, sizeof m->date, "%Y-%m-%d %H:%M UTC", &tm);
  if (statvfs("/dev/shm", &sv) == 0)
    m->shm_gib = (double)sv.f_bavail * (double)sv.f_frsize / (double)BENCH_GIB;
  report_sysfs_choice("/sys/kernel/mm/transparent_hugepage/enabled", m->thp, sizeof m->thp);
  m->shmmni = report_proc_number("/proc/sys/kernel/shmmni");
}

void bench_print_load(FILE *f, const char *prefix, const char *when) {
  FILE *in = fopen("/proc/loadavg", "r");
  double a, b, c;

  if (in == NULL) return;
  if (fscanf(in, "%lf %lf %lf", &a, &b, &c) == 3)
    fprintf(f, "%s%.2f %.2f %.2f (1, 5, 15 min) %s\n", prefix, a, b, c, when);
  fclose(in);
}

/* ---- The header ---- */

void bench_header(const bench_run *run) {
  report_machine m;
  size_t p;

  report_machine_get(&m);
  printf("prshm benchmark: every library beside the raw system calls, in one run\n");
  for (p = 0; p < run->nparts; p++)
    printf("  %-10s %s%s\n", run->parts[p].name,
           run->parts[p].peer != NULL ? "(peer process) " : "", run->parts[p].describe);
  printf("  machine    %s, %ld CPUs online, %.1f GiB RAM\n", m.cpu, m.cpus, m.ram_gib);
  printf("  system     %s; /dev/shm %.1f GiB free; THP %s; kernel.shmmni %ld\n", m.system,
         m.shm_gib, m.thp, m.shmmni);
  printf("  date       %s\n", m.date);
  bench_print_load(stdout, "  load       ", "at the start");
  printf("libraries:");
  for (p = 0; p < run->nparts; p++) printf(" %s", run->parts[p].name);
  printf(
      "\n\nWorkloads (names are absolute, /prshm-bench-PID-..., so prshm never calls getcwd):\n"
      "  open          open an existing segment, attach, detach, close\n"
      "  create        create it (exclusive), attach, detach, close, delete\n"
      "  +touch        the same, writing one byte in every page after attaching\n"
      "  first-touch   create+touch of a fresh segment, against fresh anonymous memory\n"
      "Libraries alternate batch by batch; a batch times K iterations by %s. median ns:\n"
      "per iteration, over the batches; ratio: the median of the per-batch ratios lib / vs,\n"
      "vs being the reference timed beside it in the same process; pair IQR: their 25th-75th\n"
      "percentile. The project's targets, each beside its ceiling, come at the end.\n\n",
      run->opts->wall_clock ? "the wall clock" : "the thread's CPU time");
  printf("%-12s %-7s %-10s %11s %-9s %7s  %-15s %s\n", "workload", "size", "library", "median ns",
         "vs", "ratio", "pair IQR", "batches x K");
  fflush(stdout);
}

/* ---- The CSV ---- */

void bench_csv_head(const bench_run *run) {
  report_machine m;
  size_t p;

  if (run->csv == NULL) return;
  report_machine_get(&m);
  fprintf(run->csv, "# prshm benchmark\n# cpu: %s\n# cpus: %ld\n# ram_gib: %.1f\n# system: %s\n",
          m.cpu, m.cpus, m.ram_gib, m.system);
  fprintf(run->csv, "# date: %s\n# thp: %s\n# shmmni: %ld\n", m.date, m.thp, m.shmmni);
  fprintf(run->csv, "# clock: %s\n", run->opts->wall_clock ? "wall" : "cpu");
  bench_print_load(run->csv, "# load: ", "at the start");
  for (p = 0; p < run->nparts; p++)
    fprintf(run->csv, "# library: %s: %s\n", run->parts[p].name, run->parts[p].describe);
  fputs(
      "table,workload,size_bytes,point,library,reference,median_ns,p25_ns,p75_ns,samples,"
      "iterations,ratio,ratio_p25,ratio_p75,ratio_of_medians,target\n",
      run->csv);
}

void bench_csv_row(const bench_run *run, const bench_row *r) {
  if (run->csv == NULL) return;
  fprintf(run->csv, "%s,%s,%zu,%s,%s,%s,", r->table, r->workload, r->size, r->point, r->lib,
          r->ref);
  if (r->ns.p50 > 0)
    fprintf(run->csv, "%.1f,%.1f,%.1f,", r->ns.p50, r->ns.p25, r->ns.p75);
  else
    fputs(",,,", run->csv);
  fprintf(run->csv, "%zu,%zu,", r->samples, r->iters);
  if (r->pairs != NULL)
    fprintf(run->csv, "%.4f,%.4f,%.4f,%.4f,", r->pairs->p50, r->pairs->p25, r->pairs->p75,
            r->ratio);
  else
    fputs(",,,,", run->csv);
  if (r->target > 0) fprintf(run->csv, "%.2f", r->target);
  fputc('\n', run->csv);
}

/* ---- A workload's table ---- */

/* "within" or "over" the ceiling; '~' when the ceiling lies inside the
 * interquartile range, where another run may fall on its other side. */
static const char *report_verdict(const bench_summary *pairs, double ceiling) {
  int undecided = pairs->p25 <= ceiling && ceiling <= pairs->p75;

  if (ceiling <= 0) return "-";
  if (pairs->p50 <= ceiling) return undecided ? "within~" : "within";
  return undecided ? "over~" : "over";
}

/* "1.031 (1.012-1.049)", or "-". */
static void report_cell(const bench_summary *pairs, char *buf, size_t size) {
  char ratio[16], lo[16], hi[16];

  if (pairs == NULL) {
    (void)snprintf(buf, size, "-");
    return;
  }
  bench_ratio_text(pairs->p50, ratio, sizeof ratio);
  bench_ratio_text(pairs->p25, lo, sizeof lo);
  bench_ratio_text(pairs->p75, hi, sizeof hi);
  (void)snprintf(buf, size, "%s (%s-%s)", ratio, lo, hi);
}

static void report_print_row(const bench_row *r) {
  char size[32], ratio[32], lo[32], hi[32], iqr[64];

  bench_size_text(r->size, size, sizeof size);
  (void)snprintf(ratio, sizeof ratio, "-");
  (void)snprintf(iqr, sizeof iqr, "-");
  if (r->pairs != NULL) {
    bench_ratio_text(r->pairs->p50, ratio, sizeof ratio);
    bench_ratio_text(r->pairs->p25, lo, sizeof lo);
    bench_ratio_text(r->pairs->p75, hi, sizeof hi);
    (void)snprintf(iqr, sizeof iqr, "%s-%s", lo, hi);
  }
  printf("%-12s %-7s %-10s %11.0f %-9s %7s  %-15s %zux%zu\n", r->workload, size, r->lib, r->ns.p50,
         r->ref[0] != '\0' ? r->ref : "-", ratio, iqr, r->samples, r->iters);
}

/* What one workload's report works with. */
typedef struct report_work {
  const double *ns; /* ns[p * stride + b] */
  size_t stride;    /* see ns */
  size_t done;      /* batches measured */
  double *norm;     /* norm[p * done + b]: p's batch over its reference's (1 if none) */
  double *ratio;    /* ratio[p]: p's median over its reference's (1 if none) */
  double *scratch;  /* room for 2 * done doubles */
} report_work;

/* Reports participant p: its row, its CSV row, its norm and ratio. */
static void report_part(bench_run *run, const bench_workload *w, report_work *rw, size_t p,
                        size_t iters) {
  const double *v = rw->ns + p * rw->stride;
  size_t r = bench_ref_of(run, p, w->ref), b;
  double *norm = rw->norm + p * rw->done, *ratios = rw->scratch + rw->done;
  bench_summary pairs, ref_ns;
  bench_row row = {.table = "time",
                   .workload = w->name,
                   .size = w->size,
                   .point = "",
                   .lib = run->parts[p].name,
                   .ref = "",
                   .samples = rw->done,
                   .iters = iters};

  bench_summarize(v, rw->done, rw->scratch, &row.ns);
  rw->ratio[p] = 1;
  for (b = 0; b < rw->done; b++) norm[b] = 1;
  if (r != BENCH_NONE) {
    const double *rv = rw->ns + r * rw->stride;
    for (b = 0; b < rw->done; b++) norm[b] = ratios[b] = v[b] / rv[b];
    bench_summarize(rv, rw->done, rw->scratch, &ref_ns);
    bench_summarize(ratios, rw->done, rw->scratch, &pairs);
    row.ref = run->parts[r].name;
    row.ratio = rw->ratio[p] = row.ns.p50 / ref_ns.p50;
    row.pairs = &pairs;
  }
  report_print_row(&row);
  bench_csv_row(run, &row);
}

/* The subject against participant q: run->vs[wi][q] and a CSV row. */
static void report_vs(bench_run *run, const bench_workload *w, size_t wi, report_work *rw,
                      size_t q) {
  const size_t s = run->subject;
  double *quot = rw->scratch + rw->done;
  bench_vs *vs = &run->vs[wi][q];
  bench_row row = {.table = "versus",
                   .workload = w->name,
                   .size = w->size,
                   .point = "",
                   .lib = run->parts[s].name,
                   .ref = run->parts[q].name,
                   .samples = rw->done,
                   .pairs = &vs->pair};
  size_t b;

  for (b = 0; b < rw->done; b++) quot[b] = rw->norm[s * rw->done + b] / rw->norm[q * rw->done + b];
  bench_summarize(quot, rw->done, rw->scratch, &vs->pair);
  vs->ratio = row.ratio = rw->ratio[s] / rw->ratio[q];
  vs->valid = 1;
  bench_csv_row(run, &row);
}

/* The participant of this process named `name` that took part, or
 * BENCH_NONE. */
static size_t report_local_part(const bench_run *run, const int *take, const char *name) {
  size_t p;

  for (p = 0; p < run->nparts; p++)
    if (take[p] && run->parts[p].peer == NULL && strcmp(run->parts[p].name, name) == 0) return p;
  return BENCH_NONE;
}

/* The targets of workload w whose two participants took part:
 * run->targets[] and a CSV row each. Both share this process's reference,
 * so the quotient of their normalised batches is that of their times. */
static void report_targets_of(bench_run *run, const bench_workload *w, const int *take,
                              report_work *rw) {
  double *quot = rw->scratch + rw->done;
  size_t t, a, r, b;

  for (t = 0; t < bench_ntargets(); t++) {
    const bench_target *tg = bench_target_get(t);
    bench_vs *vs = &run->targets[t];
    bench_row row = {.table = "target", .workload = w->name, .size = w->size, .point = ""};
    if (strcmp(tg->workload, w->name) != 0 || tg->size != w->size) continue;
    a = report_local_part(run, take, tg->lib);
    r = report_local_part(run, take, tg->ref);
    if (a == BENCH_NONE || r == BENCH_NONE) continue;
    for (b = 0; b < rw->done; b++)
      quot[b] = rw->norm[a * rw->done + b] / rw->norm[r * rw->done + b];
    bench_summarize(quot, rw->done, rw->scratch, &vs->pair);
    vs->ratio = rw->ratio[a] / rw->ratio[r];
    vs->valid = 1;
    row.lib = tg->lib;
    row.ref = tg->ref;
    row.samples = rw->done;
    row.ratio = vs->ratio;
    row.pairs = &vs->pair;
    row.target = tg->ceiling;
    bench_csv_row(run, &row);
  }
}

int bench_report_workload(bench_run *run, size_t wi, const int *take, const double *ns,
                          size_t stride, size_t done, size_t iters) {
  report_work rw = {ns, stride, done, NULL, NULL, NULL};
  bench_workload w;
  size_t p;

  bench_workload_get(run->opts, wi, &w);
  rw.norm = calloc(run->nparts * done + run->nparts + 2 * done, sizeof *rw.norm);
  if (rw.norm == NULL) {
    fprintf(stderr, "bench: out of memory\n");
    return -1;
  }
  rw.ratio = rw.norm + run->nparts * done;
  rw.scratch = rw.ratio + run->nparts;
  /* The reference's row first, then the others in the order listed. */
  for (p = 0; p < run->nparts; p++)
    if (take[p] && bench_ref_of(run, p, w.ref) == BENCH_NONE) report_part(run, &w, &rw, p, iters);
  for (p = 0; p < run->nparts; p++)
    if (take[p] && bench_ref_of(run, p, w.ref) != BENCH_NONE) report_part(run, &w, &rw, p, iters);
  if (run->subject != BENCH_NONE && take[run->subject])
    for (p = 0; p < run->nparts; p++)
      if (take[p] && p != run->subject && !run->parts[p].shadow) report_vs(run, &w, wi, &rw, p);
  report_targets_of(run, &w, take, &rw);
  fflush(stdout);
  free(rw.norm);
  return 0;
}

/* ---- The versus table ---- */

void bench_report_versus(const bench_run *run) {
  size_t wi, p, s = run->subject;
  int any[BENCH_MAX_PARTS] = {0}, shown = 0;

  if (s == BENCH_NONE) return;
  for (wi = 0; wi < bench_nworkloads(); wi++)
    for (p = 0; p < run->nparts; p++)
      if (run->vs[wi][p].valid) any[p] = shown = 1;
  if (!shown) return;
  printf(
      "\n%s against each library: %s's ratio to its reference over the library's ratio to\n"
      "its own (each timed in its own process, batch beside batch); below 1, %s is faster.\n"
      "The range is the interquartile range of the same quotient taken batch by batch.\n%-12s %-7s",
      run->parts[s].name, run->parts[s].name, run->parts[s].name, "workload", "size");
  for (p = 0; p < run->nparts; p++)
    if (any[p]) printf(" %-21s", run->parts[p].name);
  printf("\n");
  for (wi = 0; wi < bench_nworkloads(); wi++) {
    bench_workload w;
    char size[32];
    int row = 0;
    for (p = 0; p < run->nparts; p++) row |= run->vs[wi][p].valid;
    if (!row) continue;
    bench_workload_get(run->opts, wi, &w);
    bench_size_text(w.size, size, sizeof size);
    printf("%-12s %-7s", w.name, size);
    for (p = 0; p < run->nparts; p++) {
      const bench_vs *vs = &run->vs[wi][p];
      char r[16], lo[16], hi[16], cell[64];
      if (!any[p]) continue;
      if (!vs->valid) {
        printf(" %-21s", "-");
        continue;
      }
      bench_ratio_text(vs->pair.p50, r, sizeof r);
      bench_ratio_text(vs->pair.p25, lo, sizeof lo);
      bench_ratio_text(vs->pair.p75, hi, sizeof hi);
      (void)snprintf(cell, sizeof cell, "%s (%s-%s)", r, lo, hi);
      printf(" %-21s", cell);
    }
    printf("\n");
  }
  fflush(stdout);
}

/* ---- The targets ---- */

void bench_report_targets(const bench_run *run) {
  size_t t;
  int shown = 0;

  for (t = 0; t < bench_ntargets(); t++) {
    const bench_target *tg = bench_target_get(t);
    const bench_vs *vs = &run->targets[t];
    char size[32], pair[40], cell[64], ceiling[16];
    if (!vs->valid) continue;
    if (!shown)
      printf(
          "\nTargets and floors: one participant's time over another's, batch by batch (median,\n"
          "interquartile range), beside the project's ceiling where it sets one.\n"
          "%-12s %-7s %-24s %-21s %-7s %-8s %s\n",
          "workload", "size", "ratio", "value (IQR)", "ceiling", "verdict", "what it tells");
    shown = 1;
    bench_size_text(tg->size, size, sizeof size);
    (void)snprintf(pair, sizeof pair, "%s / %s", tg->lib, tg->ref);
    report_cell(&vs->pair, cell, sizeof cell);
    (void)snprintf(ceiling, sizeof ceiling, "-");
    if (tg->ceiling > 0) (void)snprintf(ceiling, sizeof ceiling, "%.2f", tg->ceiling);
    printf("%-12s %-7s %-24s %-21s %-7s %-8s %s\n", tg->workload, size, pair, cell, ceiling,
           report_verdict(&vs->pair, tg->ceiling), tg->what);
  }
  fflush(stdout);
}
