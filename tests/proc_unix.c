/*
 * proc_unix.c - spawning and waiting for child processes in tests (Unix).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

t_proc t_spawn(const char *child, const char *const *args) {
  t_proc p = {0, 0};
  pid_t pid;

  fflush(NULL);
  pid = fork();
  if (pid < 0) t_fail(__FILE__, __LINE__, "fork failed");
  if (pid == 0) {
    /* execv() takes char *const[]: copies, made in the child only. */
    static char flag[] = "--child";
    char self[4096], *argv[64];
    ssize_t len;
    int n = 0;
    /* The binary's real path: under valgrind, /proc/self/exe itself would
     * name valgrind, while readlink() of it names this test. */
    len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) _exit(126);
    self[len] = '\0';
    argv[n++] = self;
    argv[n++] = flag;
    argv[n++] = strdup(child);
    while (args != NULL && *args != NULL && n < 62) argv[n++] = strdup(*args++);
    argv[n] = NULL;
    execv(self, argv);
    _exit(127);
  }
  p.id = pid;
  return p;
}

int t_wait(t_proc p) {
  int status;
  if (waitpid((pid_t)p.id, &status, 0) < 0) t_fail(__FILE__, __LINE__, "waitpid failed");
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

void t_kill(t_proc p) { (void)kill((pid_t)p.id, SIGKILL); }

long t_open_descriptors(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  long n = 0;

  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1; /* the directory's own descriptor */
}

long t_pid(void) { return (long)getpid(); }

/* A thread's function and argument, carried through pthread's signature. */
typedef struct proc_thread {
  t_thread_fn fn; /* what the thread runs */
  void *arg;      /* its argument */
  int result;     /* its result, read after the join */
} proc_thread;

static void *proc_thread_main(void *p) {
  proc_thread *t = p;
  t->result = t->fn(t->arg);
  return t;
}

t_thread t_thread_start(t_thread_fn fn, void *arg) {
  proc_thread *t = malloc(sizeof *t);
  pthread_t th;
  t_thread out;

  if (t == NULL) t_fail(__FILE__, __LINE__, "out of memory");
  t->fn = fn;
  t->arg = arg;
  if (pthread_create(&th, NULL, proc_thread_main, t) != 0)
    t_fail(__FILE__, __LINE__, "pthread_create failed");
  out.id = (intptr_t)th;
  return out;
}

int t_thread_join(t_thread t) {
  void *p;
  int result;

  if (pthread_join((pthread_t)t.id, &p) != 0) t_fail(__FILE__, __LINE__, "pthread_join failed");
  result = ((proc_thread *)p)->result;
  free(p);
  return result;
}

int64_t t_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void t_sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0) {
  }
}
