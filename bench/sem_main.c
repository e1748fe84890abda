/*
 * sem_main.c - prshm_bench_sem: named semaphores and robust locks, prshm
 * beside the references and the peers, in one run.
 *
 *   prshm_bench_sem [--quick] [--budget S] [--only TEXT] [--csv FILE]
 *
 * Workloads, each with its reference, the library whose time every other
 * library's is divided by, batch beside batch:
 *   post+wait      post then wait, uncontended         reference sem_t
 *   ping-pong      a round trip between two processes  reference sem_t
 *   open+close     open an existing semaphore, close   reference posix
 *   create+delete  create, close, delete               reference posix
 *   lock+unlock    lock then unlock, uncontended       reference mutex
 * Each library's batch runs K iterations (K calibrated so that a batch
 * takes about 2 ms), and the libraries take turns batch by batch, in an
 * order that rotates, so that a slow moment of the machine falls on all of
 * them. A ratio is the median of the per-batch ratios lib_b / ref_b, with
 * their quartiles as its spread; the ratio of the medians is in the CSV.
 *
 * Sections: options; the workloads; one library's work; a workload's run;
 * the report; main.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "sem.h"

#define SB_MAX_LIBS 8
#define SB_MAX_BATCHES 1001
#define SB_BATCH_NS 2e6

/* ---- Options ---- */

typedef struct sb_opts {
  int quick;            /* a few batches: checks that it runs */
  double budget_ns;     /* the time each workload's batches take in all */
  const char *only;     /* only the workloads whose name contains it */
  const char *csv_path; /* where to write the CSV, or NULL */
} sb_opts;

static int sb_parse(int argc, char **argv, sb_opts *o) {
  int i;

  memset(o, 0, sizeof *o);
  o->budget_ns = 4e9;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      o->quick = 1;
    } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
      o->budget_ns = atof(argv[++i]) * 1e9;
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      o->only = argv[++i];
    } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
      o->csv_path = argv[++i];
    } else {
      fprintf(stderr, "usage: prshm_bench_sem [--quick] [--budget S] [--only TEXT] [--csv FILE]\n");
      return -1;
    }
  }
  return 0;
}

/* ---- The workloads ---- */

typedef struct sb_workload {
  const char *name; /* as the table shows it */
  unsigned role;    /* SEM_ROLE_* a library needs to take part */
  const char *ref;  /* the reference library's name */
  double target;    /* prshm's ceiling over the reference, or 0 */
} sb_workload;

/* The targets: post+wait within 1.2x a process-shared sem_t, a ping-pong
 * within 1.1x, lock+unlock within 1.5x a robust pthread mutex. Opening and
 * creating have none: they show what names, permissions and atomic
 * creation cost beside sem_open(). */
static const sb_workload sb_workloads[] = {
    {"post+wait", SEM_ROLE_POSTWAIT, "sem_t", 1.2},
    {"ping-pong", SEM_ROLE_PINGPONG, "sem_t", 1.1},
    {"open+close", SEM_ROLE_OPEN, "posix", 0},
    {"create+delete", SEM_ROLE_CREATE, "posix", 0},
    {"lock+unlock", SEM_ROLE_LOCK, "mutex", 1.5},
};

#define SB_NWORKLOADS (sizeof sb_workloads / sizeof sb_workloads[0])

/* ---- One library's work ---- */

/* What one library holds during a workload. */
typedef struct sb_part {
  const sem_lib *lib; /* the library */
  char name[64];      /* its object's name */
  char name2[72];     /* the ping-pong's second semaphore */
  void *obj;          /* its semaphore or lock, kept open during the run */
  void *obj2;         /* the ping-pong's second semaphore */
  pid_t pong;         /* the ping-pong's other process, or 0 */
  int cmd_fd;         /* pipe to it: rounds to play, 0 to end */
  size_t k;           /* iterations per batch */
  double ns[SB_MAX_BATCHES]; /* nanoseconds per iteration, per batch */
} sb_part;

static int sb_fail(const sb_part *p, const char *what) {
  fprintf(stderr, "bench: %s: %s failed (%s)\n", p->lib->name, what, strerror(errno));
  return -1;
}

/* The ping-pong's other process: for each command of K, K times waits on
 * the first semaphore and posts the second. */
static void sb_pong(const sb_part *p, int fd) {
  for (;;) {
    uint64_t k, i;
    if (read(fd, &k, sizeof k) != (ssize_t)sizeof k || k == 0) _exit(0);
    for (i = 0; i < k; i++)
      if (p->lib->wait(p->obj) != 0 || p->lib->post(p->obj2) != 0) _exit(1);
  }
}

static int sb_prepare(sb_part *p, const sb_workload *w, size_t wi) {
  const sem_lib *l = p->lib;
  int fds[2];

  (void)snprintf(p->name, sizeof p->name, "/prshm-bench-%ld-%s-w%zu", (long)getpid(), l->name,
                 wi);
  (void)snprintf(p->name2, sizeof p->name2, "%s-b", p->name);
  if (w->role == SEM_ROLE_LOCK) {
    (void)l->lock_remove(p->name);
    p->obj = l->lock_create(p->name);
    return p->obj != NULL ? 0 : sb_fail(p, "lock create");
  }
  (void)l->remove(p->name);
  if (w->role == SEM_ROLE_CREATE) return 0;
  p->obj = l->create(p->name, 0);
  if (p->obj == NULL) return sb_fail(p, "create");
  if (w->role != SEM_ROLE_PINGPONG) return 0;
  (void)l->remove(p->name2);
  p->obj2 = l->create(p->name2, 0);
  if (p->obj2 == NULL) return sb_fail(p, "create");
  if (pipe(fds) != 0) return sb_fail(p, "pipe");
  fflush(NULL);
  p->pong = fork();
  if (p->pong < 0) return sb_fail(p, "fork");
  if (p->pong == 0) {
    close(fds[1]);
    sb_pong(p, fds[0]);
  }
  close(fds[0]);
  p->cmd_fd = fds[1];
  return 0;
}

static void sb_cleanup(sb_part *p, const sb_workload *w) {
  const sem_lib *l = p->lib;

  if (p->pong > 0) {
    uint64_t zero = 0;
    if (write(p->cmd_fd, &zero, sizeof zero) != (ssize_t)sizeof zero) (void)kill(p->pong, SIGKILL);
    (void)waitpid(p->pong, NULL, 0);
    close(p->cmd_fd);
    p->pong = 0;
  }
  if (w->role == SEM_ROLE_LOCK) {
    if (p->obj != NULL) (void)l->lock_close(p->obj);
    (void)l->lock_remove(p->name);
  } else {
    if (p->obj != NULL) (void)l->close(p->obj);
    if (p->obj2 != NULL) (void)l->close(p->obj2);
    (void)l->remove(p->name);
    (void)l->remove(p->name2);
  }
  p->obj = p->obj2 = NULL;
}

/* Runs k iterations of workload w; nanoseconds per iteration, or -1. */
static double sb_batch(sb_part *p, const sb_workload *w, size_t k) {
  const sem_lib *l = p->lib;
  uint64_t start, i, kk = k;

  if (w->role == SEM_ROLE_PINGPONG &&
      write(p->cmd_fd, &kk, sizeof kk) != (ssize_t)sizeof kk)
    return sb_fail(p, "pipe write");
  start = bench_now_ns();
  for (i = 0; i < kk; i++) {
    void *s;
    switch (w->role) {
      case SEM_ROLE_POSTWAIT:
        if (l->post(p->obj) != 0 || l->wait(p->obj) != 0) return sb_fail(p, "post+wait");
        break;
      case SEM_ROLE_PINGPONG:
        if (l->post(p->obj) != 0 || l->wait(p->obj2) != 0) return sb_fail(p, "ping-pong");
        break;
      case SEM_ROLE_OPEN:
        s = l->open(p->name);
        if (s == NULL || l->close(s) != 0) return sb_fail(p, "open+close");
        break;
      case SEM_ROLE_CREATE:
        s = l->create(p->name, 1);
        if (s == NULL || l->close(s) != 0 || l->remove(p->name) != 0)
          return sb_fail(p, "create+delete");
        break;
      default:
        if (l->lock(p->obj) != 0 || l->unlock(p->obj) != 0) return sb_fail(p, "lock+unlock");
        break;
    }
  }
  return (double)(bench_now_ns() - start) / (double)k;
}

/* Sizes p's batches to about SB_BATCH_NS: k doubles until a batch takes a
 * quarter of that, then is scaled. */
static int sb_calibrate(sb_part *p, const sb_workload *w, int quick) {
  size_t k = 1;
  double ns;

  for (;;) {
    ns = sb_batch(p, w, k);
    if (ns < 0) return -1;
    if (ns * (double)k >= SB_BATCH_NS / 4 || k >= ((size_t)1 << 24)) break;
    k *= 2;
  }
  k = (size_t)(SB_BATCH_NS / ns);
  p->k = quick ? 1 : (k > 0 ? k : 1);
  return 0;
}

/* ---- A workload's run ---- */

static FILE *sb_csv;

static void sb_report(const sb_workload *w, sb_part *parts, size_t n, size_t ref, size_t batches) {
  static double v[SB_MAX_BATCHES], scratch[SB_MAX_BATCHES];
  bench_summary ns_ref;
  size_t i, b;

  printf("\n%s: %zu batches; ratios are each library's time over %s's, batch by batch\n",
         w->name, batches, w->ref);
  printf("  %-8s %12s %22s   %s\n", "library", "ns/iter", "ratio (p25-p75)", "iters/batch");
  bench_summarize(parts[ref].ns, batches, scratch, &ns_ref);
  for (i = 0; i < n; i++) {
    const int subject = strcmp(parts[i].lib->name, "prshm") == 0;
    bench_summary ns, ratio;
    bench_summarize(parts[i].ns, batches, scratch, &ns);
    for (b = 0; b < batches; b++) v[b] = parts[i].ns[b] / parts[ref].ns[b];
    bench_summarize(v, batches, scratch, &ratio);
    printf("  %-8s %12.1f %8.3f (%.3f-%.3f)   %zu%s\n", parts[i].lib->name, ns.p50, ratio.p50,
           ratio.p25, ratio.p75, parts[i].k,
           subject && w->target > 0 ? (ratio.p50 <= w->target ? "   target met" : "   target missed")
                                    : "");
    if (sb_csv != NULL)
      fprintf(sb_csv, "%s,%s,%s,%.2f,%.2f,%.2f,%.4f,%.4f,%.4f,%.4f,%.2f,%zu,%zu\n", w->name,
              parts[i].lib->name, w->ref, ns.p25, ns.p50, ns.p75, ratio.p25, ratio.p50, ratio.p75,
              ns.p50 / ns_ref.p50, subject ? w->target : 0.0, batches, parts[i].k);
  }
  if (w->target > 0) printf("  target: prshm at most %.2fx %s\n", w->target, w->ref);
}

static int sb_run(const sb_opts *o, const sb_workload *w, size_t wi, const sem_lib *const *libs,
                  size_t nlibs) {
  static sb_part parts[SB_MAX_LIBS];
  size_t n = 0, ref = SIZE_MAX, i, b, batches;
  double per_round = 0;
  int rc = 0;

  for (i = 0; i < nlibs; i++) {
    if ((libs[i]->roles & w->role) == 0) continue;
    memset(&parts[n], 0, sizeof parts[n]);
    parts[n].lib = libs[i];
    if (strcmp(libs[i]->name, w->ref) == 0) ref = n;
    n++;
  }
  if (ref == SIZE_MAX) return 0;
  for (i = 0; i < n && rc == 0; i++) rc = sb_prepare(&parts[i], w, wi);
  for (i = 0; i < n && rc == 0; i++) {
    rc = sb_calibrate(&parts[i], w, o->quick);
    per_round += SB_BATCH_NS;
  }
  batches = o->quick ? 3 : (size_t)(o->budget_ns / per_round);
  if (batches < 11) batches = 11;
  if (batches > SB_MAX_BATCHES) batches = SB_MAX_BATCHES;
  if (o->quick) batches = 3;
  for (b = 0; b < batches && rc == 0; b++) {
    for (i = 0; i < n && rc == 0; i++) {
      size_t p = (i + b) % n; /* the order rotates */
      parts[p].ns[b] = sb_batch(&parts[p], w, parts[p].k);
      if (parts[p].ns[b] < 0) rc = -1;
    }
  }
  for (i = 0; i < n; i++) sb_cleanup(&parts[i], w);
  if (rc == 0) sb_report(w, parts, n, ref, batches);
  return rc;
}

/* ---- main ---- */

static void sb_header(const sem_lib *const *libs, size_t nlibs) {
  struct utsname u;
  char model[128] = "?", line[256];
  FILE *f = fopen("/proc/cpuinfo", "r");
  double load[3] = {0, 0, 0};
  time_t now = time(NULL);
  size_t i;

  if (f != NULL) {
    while (fgets(line, sizeof line, f) != NULL)
      if (sscanf(line, "model name : %127[^\n]", model) == 1) break;
    fclose(f);
  }
  (void)uname(&u);
  (void)getloadavg(load, 3);
  printf("prshm_bench_sem: semaphores and locks, %s", ctime(&now));
  printf("machine: %s, %ld CPUs, %s %s; load %.2f %.2f %.2f\n", model,
         sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, load[0], load[1], load[2]);
  for (i = 0; i < nlibs; i++) printf("  %s\n", libs[i]->describe());
  if (sb_csv != NULL) {
    fprintf(sb_csv, "# machine: %s, %ld CPUs, %s %s\n# date: %s", model,
            sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, ctime(&now));
    fprintf(sb_csv,
            "workload,library,reference,ns_p25,ns_p50,ns_p75,ratio_p25,ratio_p50,ratio_p75,"
            "ratio_of_medians,target,batches,iters\n");
  }
}

int main(int argc, char **argv) {
  const sem_lib *all[] = {&sem_lib_semt, &sem_lib_mutex, &sem_lib_posix, &sem_lib_prshm,
                          &sem_lib_nspr,
#ifdef BENCH_HAVE_BOOST
                          &sem_lib_boost,
#endif
  };
  const sem_lib *libs[SB_MAX_LIBS];
  size_t nlibs = 0, i;
  sb_opts o;
  int rc = 0;

  if (sb_parse(argc, argv, &o) != 0) return 2;
  for (i = 0; i < sizeof all / sizeof all[0]; i++) {
    if (all[i]->init != NULL && all[i]->init() != 0) {
      printf("(%s left out: it could not be loaded)\n", all[i]->name);
      continue;
    }
    libs[nlibs++] = all[i];
  }
  if (o.csv_path != NULL && (sb_csv = fopen(o.csv_path, "w")) == NULL) {
    perror(o.csv_path);
    return 2;
  }
  sb_header(libs, nlibs);
  for (i = 0; i < SB_NWORKLOADS && rc == 0; i++) {
    if (o.only != NULL && strstr(sb_workloads[i].name, o.only) == NULL) continue;
    rc = sb_run(&o, &sb_workloads[i], i, libs, nlibs);
  }
  if (sb_csv != NULL) fclose(sb_csv);
  return rc == 0 ? 0 : 1;
}
