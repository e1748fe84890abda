/*
 * proc_link.c (Linux) - linking a new, unnamed file into the namespace
 * through /proc/self/fd: the route of a creator on kernels before 6.10
 * (Debian 12's 6.1 among them), where linkat()'s AT_EMPTY_PATH needs
 * CAP_DAC_READ_SEARCH and fails with ENOENT without it (linux.c then steps
 * down to this route, for good).
 *
 * Walking "/proc/self/fd/N" at every creation looks up four components,
 * "self" a symbolic link among them, where AT_EMPTY_PATH looks up none.
 * So the directory /proc/self/fd is opened once, and only N is looked up
 * in it. Measured by the benchmark (three runs, 4 KiB create cycle over
 * the raw calls): the calls by hand walking the whole path 1.59, by
 * AT_EMPTY_PATH 1.45; prshm on this route 1.58, on AT_EMPTY_PATH 1.47.
 * The shorter walk saves about 2 % of the cycle, as much as prshm's own
 * work costs; the rest is the kernel's work on this route.
 *
 * That descriptor names the table of descriptors of the process that
 * opened it. A child made by fork() inherits it, and through it would link
 * whatever file its parent has open under N: another segment, say, under
 * the child's new name. So it is used only by the process that opened it.
 * Which descriptor that is, plus one, is kept in a page that the kernel
 * zeroes in every child (MADV_WIPEONFORK, Linux 4.14), however the child
 * was made: fork(), _Fork(), clone() without CLONE_VM. A child finds zero
 * and opens its own. A fork() handler also closes the inherited copy in the
 * child (after _Fork() or a raw clone(), which run no handlers, that copy
 * stays open until exec: it is close-on-exec). Where no such page can be
 * had, every creation walks the whole path, as before.
 *
 * A program that closes prshm's descriptors breaks its handles too (their
 * numbers could name other files by the next mmap()); prshm trusts it not
 * to. Where that happened all the same, the cheap signs (EBADF: closed;
 * ENOTDIR: the number reused for something else) make this route forget
 * the descriptor, never close it, and walk the whole path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unix.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18 /* the value of <linux/mman.h>, for older C libraries */
#endif

int prshm__sys_madvise(void *addr, size_t length, int advice) {
  return madvise(addr, length, advice);
}

/* The directory whose entries are this process's descriptors. */
#define PROC_FD_DIR "/proc/self/fd"

/* In the page the kernel zeroes in a child: this process's descriptor of
 * PROC_FD_DIR plus one, or 0 when it has none. NULL until the page is made,
 * and for good where it cannot be. */
static atomic_int *proc_mine;
static prshm__once proc_page_once = PRSHM__ONCE_INIT;
/* The descriptor last published in proc_mine, or -1: what the fork handler
 * closes in a child. Ordinary memory, so that the child still has it. */
static atomic_int proc_published = -1;

/* In a child made by fork(): closes the copy of the parent's descriptor. */
static void proc_forked_child(void) {
  int fd = atomic_exchange(&proc_published, -1);

  if (fd >= 0) (void)prshm__sys.close(fd);
}

static void proc_page_make(void) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  void *p = prshm__sys.mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (p == MAP_FAILED) return;
  if (prshm__sys.madvise(p, page, MADV_WIPEONFORK) != 0) {
    /* Before Linux 4.14 (EINVAL): no way to tell a child from its parent
     * without a system call each time. */
    (void)prshm__sys.munmap(p, page);
    return;
  }
  prshm__os_at_fork(NULL, NULL, proc_forked_child);
  proc_mine = p;
}

/* This process's descriptor of PROC_FD_DIR, opened at the first call; -1
 * if there is none to be had (the whole path is then walked). */
PRSHM__HOT static int proc_dir(void) {
  int mine, fd, none = 0;

  prshm__run_once(&proc_page_once, proc_page_make);
  if (proc_mine == NULL) return -1;
  mine = atomic_load_explicit(proc_mine, memory_order_acquire);
  if (mine > 0) return mine - 1;
  PRSHM__RETRY_EINTR(fd, prshm__sys.open(PROC_FD_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC, 0));
  if (fd < 0) return -1;
  if (!atomic_compare_exchange_strong(proc_mine, &none, fd + 1)) {
    /* Another thread opened one first: use that. */
    (void)prshm__sys.close(fd);
    return none - 1;
  }
  atomic_store(&proc_published, fd);
  return fd;
}

/* The descriptor `fd` of PROC_FD_DIR is no longer this library's (closed,
 * or its number reused by the program): forget it, without closing it. */
static void proc_forget(int fd) {
  int mine = fd + 1, published = fd;

  (void)atomic_compare_exchange_strong(proc_mine, &mine, 0);
  (void)atomic_compare_exchange_strong(&proc_published, &published, -1);
}

/* This route failed for good (ENOENT: see linux.c): closes this
 * process's descriptor of PROC_FD_DIR, keeping errno. */
static void proc_drop(int fd) {
  int err = errno;

  proc_forget(fd);
  (void)prshm__sys.close(fd);
  errno = err;
}

PRSHM__HOT int prshm__linux_link_proc(int fd, const char *path) {
  char entry[PRSHM__PROC_ENTRY_SIZE];
  int dir = proc_dir();

  if (dir >= 0) {
    (void)snprintf(entry, sizeof entry, "%d", fd);
    if (prshm__sys.linkat(dir, entry, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) return 0;
    /* ENOENT: /proc cannot name this process's files (its first thread
     * has ended, say); linux.c leaves this route for good, and the
     * descriptor is of no more use. */
    if (errno == ENOENT) proc_drop(dir);
    if (errno != EBADF && errno != ENOTDIR) return -1;
    proc_forget(dir);
  }
  (void)snprintf(entry, sizeof entry, PROC_FD_DIR "/%d", fd);
  return prshm__sys.linkat(AT_FDCWD, entry, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}
