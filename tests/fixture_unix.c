/*
 * fixture_unix.c - what several Unix test files need of the system: a
 * child that becomes another user, and a private mount of a file system.
 * Declared in runner.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
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
