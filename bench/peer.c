/*
 * peer.c - participants wherever they run, and the peer process.
 *
 * NSPR exports the same function names as prshm, so the two cannot share
 * a process. The NSPR benchmark is a binary of its own (main_nspr.c) that
 * the main binary starts beside itself with --serve and drives over a pair
 * of pipes, one request at a time: prepare a workload, calibrate, time one
 * batch, clean up, run one live round. The peer times its own batches with
 * its own clock and sends back nanoseconds per iteration; the main process
 * waits, idle, while the peer works. Its batches thus take their turn in
 * the same rotation as every library of the main process, batch by batch,
 * in the same run. The peer also runs its own copy of the references (raw
 * POSIX calls, anonymous memory), so that NSPR's ratio is taken against a
 * reference timed in NSPR's own process, and the copy's ratio to the main
 * process's reference shows what the crossing of processes costs: nothing,
 * within the noise, when the comparison is sound.
 *
 * The protocol, one line each way; every reply starts with "ok" or "fail"
 * (a failing peer has said why on its standard error, shared with ours):
 *   peer -> main, at start:  "lib NAME ROLES DESCRIPTION" per library, "ready"
 *   prepare W L              "ok"
 *   calibrate W L            "ok NS"
 *   batch W L K              "ok NS"
 *   cleanup W L              "ok"
 *   capacity L N             "ok M WHY"
 *   live L N                 "ok T1 T2 ... TN"
 * W is a workload's index in work.c's table, L a library's index in the
 * peer's list. The peer exits when its standard input closes.
 *
 * Sections: the peer process (main side); participants; serving (peer side).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

/* The peer process, as the main process sees it. */
struct bench_peer {
  pid_t pid;      /* its process id */
  FILE *to;       /* requests, to its standard input */
  FILE *from;     /* replies, from its standard output */
  char *line;     /* the last reply (getline's buffer) */
  size_t cap;     /* bytes allocated for line */
  char tag[16];   /* its subject library's name: "nspr" */
  char path[512]; /* its binary */
};

/* A run has at most one peer. */
static bench_peer peer_one;

/* ---- The peer process (main side) ---- */

/* The default peer binary: `file` beside this program. */
static int peer_default_path(const char *argv0, const char *file, char *buf, size_t size) {
  char self[512];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  const char *slash;

  if (n > 0) {
    self[n] = '\0';
  } else {
    (void)snprintf(self, sizeof self, "%s", argv0);
  }
  slash = strrchr(self, '/');
  if (slash == NULL)
    (void)snprintf(buf, size, "./%s", file);
  else
    (void)snprintf(buf, size, "%.*s/%s", (int)(slash - self), self, file);
  return access(buf, X_OK) == 0 ? 0 : -1;
}

static int peer_cloexec(int fd) {
  int flags = fcntl(fd, F_GETFD);

  return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* Starts `path --serve` with its standard input and output on pipes. */
static int peer_spawn(bench_peer *pr, const bench_opts *o) {
  char serve[] = "--serve", quick_opt[] = "--quick", clock_opt[] = "--clock", wall[] = "wall";
  char *argv[6] = {pr->path, serve, NULL, NULL, NULL, NULL};
  int n = 2;
  posix_spawn_file_actions_t fa;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, rv = -1, err = 0;

  if (o->quick) argv[n++] = quick_opt;
  if (o->wall_clock) {
    argv[n++] = clock_opt;
    argv[n++] = wall;
  }
  if (pipe(in) != 0 || pipe(out) != 0) goto fail;
  if (peer_cloexec(in[0]) || peer_cloexec(in[1]) || peer_cloexec(out[0]) || peer_cloexec(out[1]))
    goto fail;
  if ((err = posix_spawn_file_actions_init(&fa)) != 0) goto out;
  /* dup2 clears close-on-exec on the copies, and only on them. */
  if ((err = posix_spawn_file_actions_adddup2(&fa, in[0], 0)) == 0 &&
      (err = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) == 0)
    err = posix_spawn(&pr->pid, pr->path, &fa, NULL, argv, environ);
  (void)posix_spawn_file_actions_destroy(&fa);
  if (err != 0) goto out;
  pr->to = fdopen(in[1], "w");
  pr->from = fdopen(out[0], "r");
  if (pr->to != NULL) in[1] = -1;
  if (pr->from != NULL) out[0] = -1;
  if (pr->to == NULL || pr->from == NULL) goto fail;
  rv = 0;
  goto out;
fail:
  err = errno;
out:
  if (in[0] >= 0) (void)close(in[0]);
  if (in[1] >= 0) (void)close(in[1]);
  if (out[0] >= 0) (void)close(out[0]);
  if (out[1] >= 0) (void)close(out[1]);
  if (rv != 0) fprintf(stderr, "bench: cannot start the peer %s: %s\n", pr->path, strerror(err));
  return rv;
}

/* Reads one line from the peer, without its newline; NULL if it is gone. */
static const char *peer_getline(bench_peer *pr) {
  ssize_t n = getline(&pr->line, &pr->cap, pr->from);

  if (n <= 0) {
    if (!bench_stopped) fprintf(stderr, "bench: the peer process (%s) ended\n", pr->tag);
    return NULL;
  }
  if (pr->line[n - 1] == '\n') pr->line[n - 1] = '\0';
  return pr->line;
}

/* Reads one reply. Returns the text after "ok" (after its space), or NULL
 * for "fail" or a peer that is gone. */
static const char *peer_read(bench_peer *pr) {
  const char *line = peer_getline(pr);

  if (line == NULL || strncmp(line, "ok", 2) != 0) return NULL;
  return line[2] == ' ' ? line + 3 : line + 2;
}

/* Sends one request and reads its reply (see peer_read). */
#if defined(__GNUC__)
static const char *peer_call(bench_peer *pr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#endif
static const char *peer_call(bench_peer *pr, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  (void)vfprintf(pr->to, fmt, ap);
  va_end(ap);
  if (fputc('\n', pr->to) == EOF || fflush(pr->to) != 0) {
    if (!bench_stopped) fprintf(stderr, "bench: the peer process (%s) ended\n", pr->tag);
    return NULL;
  }
  return peer_read(pr);
}

/* Adds the library the peer announced in `text` ("NAME ROLES DESCRIPTION"). */
static int peer_add_part(bench_run *run, bench_peer *pr, const char *text) {
  bench_part *pt = &run->parts[run->nparts];
  char base[16];
  unsigned roles;
  int used = 0;

  if (run->nparts >= BENCH_MAX_PARTS || sscanf(text, "%15s %u %n", base, &roles, &used) != 2) {
    fprintf(stderr, "bench: the peer announced a library badly: %s\n", text);
    return -1;
  }
  memset(pt, 0, sizeof *pt);
  (void)snprintf(pt->base, sizeof pt->base, "%s", base);
  (void)snprintf(pt->describe, sizeof pt->describe, "%s", text + used);
  pt->roles = roles;
  pt->peer = pr;
  run->nparts++;
  return 0;
}

/* Is `base` the name of a library of this process? */
static int peer_name_taken(const bench_run *run, const char *base) {
  size_t p;

  for (p = 0; p < run->nparts; p++)
    if (run->parts[p].peer == NULL && strcmp(run->parts[p].base, base) == 0) return 1;
  return 0;
}

/* Reads the peer's announcement; its libraries become participants, named
 * NAME@TAG when this process has a library of that name (the references),
 * TAG being the peer's last library (its subject, "nspr"). */
static int peer_hello(bench_run *run, bench_peer *pr) {
  size_t first = run->nparts, p;
  const char *line;

  for (;;) {
    line = peer_getline(pr);
    if (line == NULL) return -1;
    if (strcmp(line, "ready") == 0) break;
    if (strncmp(line, "lib ", 4) != 0 || peer_add_part(run, pr, line + 4) != 0) return -1;
  }
  if (run->nparts == first) return -1;
  (void)snprintf(pr->tag, sizeof pr->tag, "%s", run->parts[run->nparts - 1].base);
  for (p = first; p < run->nparts; p++) {
    bench_part *pt = &run->parts[p];
    char name[sizeof pt->name];
    pt->remote = p - first;
    pt->shadow = peer_name_taken(run, pt->base);
    (void)snprintf(name, sizeof name, "%s%s%s", pt->base, pt->shadow ? "@" : "",
                   pt->shadow ? pr->tag : "");
    memcpy(pt->name, name, sizeof name);
  }
  return 0;
}

int bench_peer_start(bench_run *run, const char *argv0) {
  const bench_opts *o = run->opts;
  bench_peer *pr = &peer_one;

  memset(pr, 0, sizeof *pr);
  if (o->peer_path != NULL && o->peer_path[0] == '\0') return 0;
  if (o->peer_path != NULL)
    (void)snprintf(pr->path, sizeof pr->path, "%s", o->peer_path);
  else if (o->peer_name == NULL ||
           peer_default_path(argv0, o->peer_name, pr->path, sizeof pr->path) != 0)
    return 0;
  (void)snprintf(pr->tag, sizeof pr->tag, "peer");
  if (peer_spawn(pr, o) != 0) return -1;
  if (peer_hello(run, pr) != 0) {
    fprintf(stderr, "bench: the peer %s did not start as a peer\n", pr->path);
    bench_peer_stop(run);
    return -1;
  }
  return 0;
}

void bench_peer_stop(bench_run *run) {
  bench_peer *pr = &peer_one;
  int status;

  (void)run;
  if (pr->to != NULL) (void)fclose(pr->to);
  if (pr->from != NULL) (void)fclose(pr->from);
  pr->to = pr->from = NULL;
  if (pr->pid > 0) {
    while (waitpid(pr->pid, &status, 0) < 0 && errno == EINTR) continue;
    pr->pid = 0;
  }
  free(pr->line);
  pr->line = NULL;
}

/* ---- Participants ---- */

int bench_part_prepare(const bench_run *run, size_t p, size_t wi) {
  const bench_part *pt = &run->parts[p];
  bench_workload w;

  if (pt->peer != NULL) return peer_call(pt->peer, "prepare %zu %zu", wi, pt->remote) ? 0 : -1;
  bench_workload_get(run->opts, wi, &w);
  return bench_local_prepare(pt->lib, &w, wi);
}

/* Reads one number from a reply. */
static int peer_number(const char *text, double *out) {
  char *end;

  if (text == NULL) return -1;
  *out = strtod(text, &end);
  return end == text ? -1 : 0;
}

int bench_part_calibrate(const bench_run *run, size_t p, size_t wi, double *est) {
  const bench_part *pt = &run->parts[p];
  bench_workload w;

  if (pt->peer != NULL)
    return peer_number(peer_call(pt->peer, "calibrate %zu %zu", wi, pt->remote), est);
  bench_workload_get(run->opts, wi, &w);
  return bench_local_calibrate(run->opts, pt->lib, &w, wi, est);
}

int bench_part_batch(const bench_run *run, size_t p, size_t wi, size_t k, double *ns) {
  const bench_part *pt = &run->parts[p];
  bench_workload w;

  if (pt->peer != NULL)
    return peer_number(peer_call(pt->peer, "batch %zu %zu %zu", wi, pt->remote, k), ns);
  bench_workload_get(run->opts, wi, &w);
  return bench_local_batch(pt->lib, &w, wi, k, ns);
}

void bench_part_cleanup(const bench_run *run, size_t p, size_t wi) {
  const bench_part *pt = &run->parts[p];
  bench_workload w;

  if (pt->peer != NULL) {
    (void)peer_call(pt->peer, "cleanup %zu %zu", wi, pt->remote);
    return;
  }
  bench_workload_get(run->opts, wi, &w);
  bench_local_cleanup(pt->lib, &w, wi);
}

size_t bench_part_capacity(const bench_run *run, size_t p, size_t want, char *why, size_t whysize) {
  const bench_part *pt = &run->parts[p];
  const char *text;
  unsigned long long cap;
  int used = 0;

  if (pt->peer == NULL) return bench_local_capacity(pt->lib, want, why, whysize);
  why[0] = '\0';
  text = peer_call(pt->peer, "capacity %zu %zu", pt->remote, want);
  if (text == NULL || sscanf(text, "%llu %n", &cap, &used) != 1) return 0;
  (void)snprintf(why, whysize, "%s", text + used);
  return cap < want ? (size_t)cap : want;
}

int bench_part_live(const bench_run *run, size_t p, size_t n, double *times) {
  const bench_part *pt = &run->parts[p];
  const char *text;
  char *end;
  size_t i;

  if (pt->peer == NULL) return bench_local_live(pt->lib, n, times);
  text = peer_call(pt->peer, "live %zu %zu", pt->remote, n);
  for (i = 0; text != NULL && i < n; i++) {
    times[i] = strtod(text, &end);
    text = end == text ? NULL : end;
  }
  if (text != NULL) return 0;
  fprintf(stderr, "bench: the peer's live round came back short\n");
  return -1;
}

/* ---- Serving (peer side) ---- */

/* What the peer serves. */
typedef struct peer_server {
  const bench_opts *opts;       /* its options (--quick) */
  const bench_lib *const *libs; /* its libraries */
  size_t nlibs;                 /* entries in libs */
  double *times;                /* room for a live round */
  size_t ntimes;                /* entries in times */
  /* prepared[w][l]: library l holds workload w's segment, to clean up. */
  unsigned char prepared[BENCH_MAX_WORKLOADS][BENCH_MAX_LIBS];
} peer_server;

static void peer_reply_live(peer_server *s, size_t l, size_t n) {
  size_t i;

  if (n > s->ntimes) {
    double *t = realloc(s->times, n * sizeof *t);
    if (t == NULL) {
      fputs("fail\n", stdout);
      return;
    }
    s->times = t;
    s->ntimes = n;
  }
  if (bench_local_live(s->libs[l], n, s->times) != 0) {
    fputs("fail\n", stdout);
    return;
  }
  fputs("ok", stdout);
  for (i = 0; i < n; i++) printf(" %.0f", s->times[i]);
  fputc('\n', stdout);
}

/* Answers one request about workload wi and library l. */
static void peer_serve_workload(peer_server *s, const char *cmd, size_t wi, size_t l, size_t k) {
  bench_workload w;
  double v;

  bench_workload_get(s->opts, wi, &w);
  if (strcmp(cmd, "prepare") == 0) {
    int ok = bench_local_prepare(s->libs[l], &w, wi) == 0;
    s->prepared[wi][l] = (unsigned char)ok;
    puts(ok ? "ok" : "fail");
  } else if (strcmp(cmd, "cleanup") == 0) {
    bench_local_cleanup(s->libs[l], &w, wi);
    s->prepared[wi][l] = 0;
    puts("ok");
  } else if (strcmp(cmd, "calibrate") == 0 &&
             bench_local_calibrate(s->opts, s->libs[l], &w, wi, &v) == 0) {
    printf("ok %.17g\n", v);
  } else if (strcmp(cmd, "batch") == 0 && k > 0 &&
             bench_local_batch(s->libs[l], &w, wi, k, &v) == 0) {
    printf("ok %.17g\n", v);
  } else {
    puts("fail");
  }
}

/* Answers one request line. */
static void peer_serve_line(peer_server *s, const char *line) {
  char cmd[16], why[160];
  size_t a = 0, b = 0, c = 0;
  int n = sscanf(line, "%15s %zu %zu %zu", cmd, &a, &b, &c);

  if (n >= 3 && strcmp(cmd, "capacity") == 0 && a < s->nlibs) {
    size_t cap = bench_local_capacity(s->libs[a], b, why, sizeof why);
    printf("ok %zu %s\n", cap, why);
  } else if (n >= 3 && strcmp(cmd, "live") == 0 && a < s->nlibs && b > 0) {
    peer_reply_live(s, a, b);
  } else if (n >= 3 && a < bench_nworkloads() && b < s->nlibs) {
    peer_serve_workload(s, cmd, a, b, n >= 4 ? c : 0);
  } else {
    fprintf(stderr, "bench: peer: bad request: %s", line);
    puts("fail");
  }
  (void)fflush(stdout);
}

int bench_serve(const bench_opts *o, const bench_lib *const *libs, size_t nlibs) {
  peer_server s;
  char *line = NULL;
  size_t cap = 0, l, wi;
  bench_workload w;

  memset(&s, 0, sizeof s);
  s.opts = o;
  s.libs = libs;
  s.nlibs = nlibs;
  for (l = 0; l < nlibs; l++)
    printf("lib %s %u %s\n", libs[l]->name, libs[l]->roles, libs[l]->describe());
  puts("ready");
  (void)fflush(stdout);
  while (!bench_stopped && getline(&line, &cap, stdin) > 0) peer_serve_line(&s, line);
  for (wi = 0; wi < bench_nworkloads(); wi++) {
    bench_workload_get(o, wi, &w);
    for (l = 0; l < nlibs; l++)
      if (s.prepared[wi][l]) bench_local_cleanup(libs[l], &w, wi);
  }
  free(line);
  free(s.times);
  return bench_stopped ? 130 : 0;
}
