/*
 * harness.h - what the parts of the harness (bench.c, live.c) share.
 * Libraries under test never include this; they see only bench.h.
 */
#ifndef PRSHM_BENCH_HARNESS_H
#define PRSHM_BENCH_HARNESS_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

/* A buffer of this size holds any segment name the harness makes. */
#define BENCH_NAME_SIZE 64

/* The most libraries one binary compares, the reference included. */
#define BENCH_MAX_LIBS 8

/* The command-line options, after parsing. */
typedef struct bench_opts {
  int quick;            /* --quick: a few batches, to check that it runs */
  size_t batches;       /* --batches: batches per workload; 0 = from the time budget */
  size_t iters;         /* --iters: iterations per batch; 0 = calibrated */
  size_t live;          /* --live: most live segments to measure; 0 skips */
  size_t rounds;        /* --rounds: rounds of the live measurement */
  const char *only;     /* --only: run the workloads whose name contains this */
  const char *csv_path; /* --csv: where to write the CSV, or NULL */
} bench_opts;

/* What every part of one run shares; fixed once bench_main has set it up. */
typedef struct bench_run {
  const bench_opts *opts;       /* the options */
  const bench_lib *const *libs; /* the libraries; libs[0] is the reference */
  size_t nlibs;                 /* entries in libs, 2 to BENCH_MAX_LIBS */
  FILE *csv;                    /* the CSV file, or NULL */
  size_t page;                  /* the system's page size */
} bench_run;

/* The quartiles of a set of measurements. */
typedef struct bench_summary {
  double p25; /* 25th percentile */
  double p50; /* the median */
  double p75; /* 75th percentile */
} bench_summary;

/* One result: a library's times in one workload (a CSV row). */
typedef struct bench_row {
  const char *workload;       /* "open", "create+touch", "live" */
  size_t size;                /* segment size in bytes */
  const char *point;          /* where in a series ("N=1000"), or "" */
  const char *lib;            /* the library's name */
  bench_summary ns;           /* nanoseconds per iteration over the batches */
  size_t batches;             /* batches (or rounds) measured */
  size_t iters;               /* iterations (or samples) per batch */
  double ratio;               /* median / the reference's median; 0 for the reference */
  const bench_summary *pairs; /* per-batch ratios to the reference, or NULL */
  double target;              /* the ceiling DESIGN.md sets for ratio, or 0 */
} bench_row;

/* Set by SIGINT and SIGTERM: stop measuring, clean up, exit 130. */
extern volatile sig_atomic_t bench_stopped;

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* Writes the name of segment `index` of the series `tag` for `lib`. */
void bench_name(char *buf, const bench_lib *lib, const char *tag, size_t index);

/* Reports that `op` on `name` failed in `lib`; returns -1. */
int bench_failed(const bench_lib *lib, const char *op, const char *name);

/* The quartiles of n >= 1 values; `scratch` has room for n doubles. */
void bench_summarize(const double *v, size_t n, double *scratch, bench_summary *s);

/* Appends one row to the CSV, if there is one. */
void bench_csv_row(const bench_run *run, const bench_row *row);

/* The live-segments measurement (live.c): 0, or -1 after a failure. */
int bench_live(const bench_run *run);

#endif /* PRSHM_BENCH_HARNESS_H */
