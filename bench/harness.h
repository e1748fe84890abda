/*
 * harness.h - what the parts of the harness share. Libraries under test
 * never include this; they see only bench.h.
 *
 *   bench.c   options, the run's plan, timing one workload, bench_main
 *   work.c    the workloads, and what one library does in this process
 *   peer.c    participants: a library here or in the peer process, the
 *             peer's protocol on both sides
 *   live.c    the live-segments measurement
 *   report.c  statistics, the tables, the CSV, the machine's description
 */
#ifndef PRSHM_BENCH_HARNESS_H
#define PRSHM_BENCH_HARNESS_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

#define BENCH_KIB ((size_t)1024)
#define BENCH_MIB (1024 * BENCH_KIB)
#define BENCH_GIB (1024 * BENCH_MIB)

/* A buffer of this size holds any segment name the harness makes. */
#define BENCH_NAME_SIZE 64
/* The most libraries one binary lists. */
#define BENCH_MAX_LIBS 16
/* The most participants of a run: this binary's libraries and the peer's. */
#define BENCH_MAX_PARTS 20
/* The most targets and floors (work.c's table). */
#define BENCH_MAX_TARGETS 20
/* The most workloads (work.c's table). */
#define BENCH_MAX_WORKLOADS 12
/* No such participant. */
#define BENCH_NONE ((size_t)-1)

/* The command-line options, after parsing. */
typedef struct bench_opts {
  int quick;             /* --quick: a few batches, to check that it runs */
  size_t batches;        /* --batches: batches per workload; 0 = from the time budget */
  size_t iters;          /* --iters: iterations per batch; 0 = calibrated */
  double budget_ns;      /* --budget: the time a workload's batches take in all */
  size_t live;           /* --live: most live segments to measure; 0 skips */
  size_t rounds;         /* --rounds: rounds of the live measurement */
  const char *only;      /* --only: workloads whose name contains it ("=x": is x) */
  size_t only_size;      /* --size: only workloads of this size; 0 = any */
  const char *csv_path;  /* --csv: where to write the CSV, or NULL */
  const char *peer_path; /* --peer: the peer binary; NULL = the default; "" = none */
  const char *peer_name; /* the default peer binary's file name, or NULL */
  const char *exercise;  /* --exercise: run this library's iterations, untimed */
  int serve;             /* --serve: be a peer process (peer.c) */
  int wall_clock;        /* --clock wall: time batches by the wall clock, not CPU time */
} bench_opts;

/* One workload: a sequence of a library's operations on one segment. */
typedef struct bench_workload {
  const char *name; /* as the table shows it */
  int create;       /* 1: create, use, delete; 0: open an existing segment */
  int touch;        /* 1: write one byte in every page after attaching */
  size_t size;      /* the segment's size in bytes */
  const char *ref;  /* the reference library's name: "raw" or "anon" */
  unsigned role;    /* the BENCH_ROLE_* bit a library needs to take part */
} bench_workload;

/* A ratio the project publishes between two participants of this process
 * in one workload, taken batch by batch: a target of the project (a
 * ceiling), or what a floor shows. */
typedef struct bench_target {
  const char *workload; /* the workload's name */
  size_t size;          /* and its size */
  const char *lib;      /* the participant measured */
  const char *ref;      /* the participant it is measured against */
  double ceiling;       /* the project's ceiling for the ratio, or 0: reported only */
  const char *what;     /* what the ratio tells, for the table */
} bench_target;

/* The quartiles of a set of measurements. */
typedef struct bench_summary {
  double p25; /* 25th percentile */
  double p50; /* the median */
  double p75; /* 75th percentile */
} bench_summary;

typedef struct bench_peer bench_peer;

/* A participant of the run: a library in this process or in the peer's. */
typedef struct bench_part {
  char name[32];        /* as shown: the library's name, with "@peer" if
                           this process has a library of that name too */
  char base[16];        /* the library's own name, to find references */
  char describe[192];   /* its line in the header */
  unsigned roles;       /* BENCH_ROLE_* bits */
  int shadow;           /* 1: a peer's copy of a reference of this process */
  const bench_lib *lib; /* the library, if it is in this process */
  bench_peer *peer;     /* else the peer process that runs it */
  size_t remote;        /* then its index in the peer's list */
} bench_part;

/* The subject (prshm) against one participant, in one workload. */
typedef struct bench_vs {
  int valid;          /* 1 when measured */
  double ratio;       /* subject's ratio of medians over q's (see report.c) */
  bench_summary pair; /* quartiles of the quotient batch by batch: the figure */
} bench_vs;

/* Everything one run shares. */
typedef struct bench_run {
  const bench_opts *opts;                            /* the options */
  bench_part parts[BENCH_MAX_PARTS];                 /* the participants, this process's first */
  size_t nparts;                                     /* entries in parts */
  size_t subject;                                    /* prshm's index in parts, or BENCH_NONE */
  FILE *csv;                                         /* the CSV file, or NULL */
  bench_vs vs[BENCH_MAX_WORKLOADS][BENCH_MAX_PARTS]; /* the versus table */
  bench_vs targets[BENCH_MAX_TARGETS];               /* the targets' ratios, by index */
} bench_run;

/* One result (a CSV row, a table row). */
typedef struct bench_row {
  const char *table;          /* "time", "versus", "live", "live-versus" */
  const char *workload;       /* "open", "create+touch", "live" */
  size_t size;                /* segment size in bytes */
  const char *point;          /* where in a series ("N=1000"), or "" */
  const char *lib;            /* the participant's name */
  const char *ref;            /* what the ratio is taken against, or "" */
  bench_summary ns;           /* nanoseconds per iteration over the samples */
  size_t samples;             /* batches (or rounds) measured */
  size_t iters;               /* iterations per batch (or segments per window) */
  double ratio;               /* ratio of medians: ns median over ref's */
  const bench_summary *pairs; /* quartiles of the per-sample ratios (the
                                 figure shown is their median), or NULL */
  double target;              /* the project's ceiling for ratio, or 0 */
} bench_row;

/* Set by SIGINT and SIGTERM: stop measuring, clean up, exit 130. */
extern volatile sig_atomic_t bench_stopped;

/* The clock that times batches (--clock): the CPU time of this thread by
 * default, CLOCK_MONOTONIC with --clock wall. Set once, before any batch. */
extern int bench_batch_wall_clock;

/* ---- work.c ---- */

size_t bench_nworkloads(void);
/* The targets and floors, and target `index` of them. */
size_t bench_ntargets(void);
const bench_target *bench_target_get(size_t index);
/* Workload `index` as this run measures it (--quick shrinks first touch). */
void bench_workload_get(const bench_opts *o, size_t index, bench_workload *w);
/* Whether the system has room for `w` with nlibs libraries taking part; if
 * not, why. */
int bench_workload_fits(const bench_workload *w, size_t nlibs, char *why, size_t whysize);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);
/* The batch clock's reading in nanoseconds (see bench_batch_wall_clock). */
uint64_t bench_batch_ns(void);
/* Writes the name of segment `index` of the series `tag` for `lib`. */
void bench_name(char *buf, const bench_lib *lib, const char *tag, size_t index);
/* Reports that `op` on `name` failed in `lib`; returns -1. */
int bench_failed(const bench_lib *lib, const char *op, const char *name);
/* What a library does in this process, for workload number wi: */
int bench_local_prepare(const bench_lib *lib, const bench_workload *w, size_t wi);
int bench_local_calibrate(const bench_opts *o, const bench_lib *lib, const bench_workload *w,
                          size_t wi, double *est);
int bench_local_batch(const bench_lib *lib, const bench_workload *w, size_t wi, size_t k,
                      double *ns);
void bench_local_cleanup(const bench_lib *lib, const bench_workload *w, size_t wi);
/* How many live segments it can hold, at most `want`, and why. */
size_t bench_local_capacity(const bench_lib *lib, size_t want, char *why, size_t whysize);
/* One live round: creates n segments, times the open+attach of each while
 * all stay open (times[i]), releases and removes them. */
int bench_local_live(const bench_lib *lib, size_t n, double *times);

/* ---- peer.c ---- */

/* Starts the peer binary (--peer, else opts->peer_name in argv0's
 * directory), if there is one, and appends its libraries to run->parts.
 * 0, or -1 after a failure it has reported. */
int bench_peer_start(bench_run *run, const char *argv0);
/* Ends the peer process. */
void bench_peer_stop(bench_run *run);
/* Is this process a peer: answers the main process's requests until it
 * closes the pipe. Returns the exit code. */
int bench_serve(const bench_opts *o, const bench_lib *const *libs, size_t nlibs);
/* The operations of work.c, for participant p wherever it runs. */
int bench_part_prepare(const bench_run *run, size_t p, size_t wi);
int bench_part_calibrate(const bench_run *run, size_t p, size_t wi, double *est);
int bench_part_batch(const bench_run *run, size_t p, size_t wi, size_t k, double *ns);
void bench_part_cleanup(const bench_run *run, size_t p, size_t wi);
size_t bench_part_capacity(const bench_run *run, size_t p, size_t want, char *why, size_t whysize);
int bench_part_live(const bench_run *run, size_t p, size_t n, double *times);

/* ---- live.c ---- */

/* Raises RLIMIT_NOFILE so that `want` segments can be open at once, as far
 * as the hard limit allows; returns how many fit. */
size_t bench_fd_room(size_t want);
/* The live-segments measurement: 0, or -1 after a failure. */
int bench_live(bench_run *run);

/* ---- report.c ---- */

/* The quartiles of n >= 1 values; `scratch` has room for n doubles. */
void bench_summarize(const double *v, size_t n, double *scratch, bench_summary *s);
/* "4 KiB", "64 MiB". */
void bench_size_text(size_t size, char *buf, size_t bufsize);
/* A ratio in 7 characters or fewer, however large. */
void bench_ratio_text(double ratio, char *buf, size_t bufsize);
/* The participant whose name is `ref` in p's process: p's reference. For a
 * peer's copy of the reference itself, this process's; else BENCH_NONE. */
size_t bench_ref_of(const bench_run *run, size_t p, const char *ref);
/* Appends one row to the CSV, if there is one. */
void bench_csv_row(const bench_run *run, const bench_row *row);
/* The header: libraries, machine, method, the table's head. */
void bench_header(const bench_run *run);
/* The machine's description as comment lines at the head of the CSV. */
void bench_csv_head(const bench_run *run);
/* Prints the load averages, with `when`. */
void bench_print_load(FILE *f, const char *prefix, const char *when);
/*
 * Reports workload wi from ns[p * stride + b] (b < done) for every
 * participant p with take[p] set: a table row and a CSV row each, and
 * fills run->vs[wi].
 */
int bench_report_workload(bench_run *run, size_t wi, const int *take, const double *ns,
                          size_t stride, size_t done, size_t iters);
/* The table of the subject against each participant, over every workload. */
void bench_report_versus(const bench_run *run);
/* The targets and floors measured, each against its ceiling. */
void bench_report_targets(const bench_run *run);

#endif /* PRSHM_BENCH_HARNESS_H */
