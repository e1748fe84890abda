/*
 * proc_unix.c - spawning and waiting for child processes in tests (Unix).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
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
