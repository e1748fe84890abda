/*
 * fixture_unix.c - what several Unix test files need of the system: a
 * child that becomes another user, a private mount of a file system, and
 * reading and setting a kernel tunable (/proc/sys), and pipes between a
 * test and its children. Declared in runner.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "runner.h"

int t_become_nobody(void) {
  if (setgroups(0, NULL) != 0 || setgid(T_NOBODY) != 0 || setuid(T_NOBODY) != 0) return -1;
  /* Root is gone for good only if it cannot be taken back. */
  if (geteuid() != T_NOBODY || setuid(0) == 0) return -1;
  return 0;
}

int t_private_mount(const char *fstype, const char *dir, unsigned long flags, const char *opts) {
  if (unshare(CLONE_NEWNS) != 0) return -1;
  /* Nothing mounted from here on reaches the parent's namespace. */
  /* A type string valgrind can read, though the kernel ignores it here. */
  if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0) return -1;
  return mount("prshm-test", dir, fstype, flags, opts);
}

long t_read_number(const char *path) {
  FILE *f = fopen(path, "r");
  long v = -1;

  if (f == NULL) return -1;
  if (fscanf(f, "%ld", &v) != 1) v = -1;
  fclose(f);
  return v;
}

int t_write_number(const char *path, long value) {
  FILE *f = fopen(path, "w");
  int ok;

  if (f == NULL) return -1;
  ok = fprintf(f, "%ld\n", value) > 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

void t_pipe(int fds[2], int child_end) {
  if (pipe2(fds, O_CLOEXEC) != 0 || fcntl(fds[child_end], F_SETFD, 0) != 0)
    t_fail(__FILE__, __LINE__, "pipe failed");
}

const char *t_fd_arg(int fd, char *buf) {
  snprintf(buf, 16, "%d", fd);
  return buf;
}

void t_send(int fd, char c) {
  ssize_t n;
  do {
    n = write(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) t_fail(__FILE__, __LINE__, "write to a pipe failed");
}

int t_recv(int fd) {
  unsigned char c;
  ssize_t n;
  do {
    n = read(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) t_fail(__FILE__, __LINE__, "read from a pipe failed");
  return n == 0 ? -1 : c;
}
