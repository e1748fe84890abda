/*
 * sys.h (Unix) - the table through which libprshm makes every system call.
 *
 * The library calls the OS only through prshm__sys, never directly, so a
 * test can replace any entry with one that fails (ENOSPC, EMFILE, EINTR...)
 * and watch the error path run. The defaults are the real calls. Replacing
 * entries while other threads are inside prshm is the test's business.
 */
#ifndef PRSHM_UNIX_SYS_H
#define PRSHM_UNIX_SYS_H

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "prtypes.h"

typedef struct prshm__syscalls {
  /* The five calls of an open, attach, detach and close, first: together
   * in one line of memory (the table is line-aligned, sys.c). */
  int (*open)(const char *path, int flags, mode_t mode);
  int (*close)(int fd);
  int (*fstat)(int fd, struct stat *st);
  void *(*mmap)(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
  int (*munmap)(void *addr, size_t length);
  int (*lstat)(const char *path, struct stat *st);
  /* The file system of `path`: *type its Linux magic number (0 where
   * there is none), *page its block size. -1 with errno on failure. */
  int (*fs_info)(const char *path, unsigned long *type, unsigned long *page);
  int (*fchmod)(int fd, mode_t mode);
  int (*ftruncate)(int fd, off_t length);
  /* Reads a semaphore's or lock's object for the listing. */
  ssize_t (*pread)(int fd, void *buf, size_t n, off_t offset);
  /* Allocates bytes [offset, offset + length) of the file, growing it to
   * their end: -1 with errno on failure (whatever the OS call reports its
   * errors by). */
  int (*reserve)(int fd, off_t offset, off_t length);
  /* How much more can be reserved in fd's file (memlimit.c): *space, what
   * its file system has free, and *memory, what the machine and the
   * process's memory cgroups leave; UINT64_MAX where it is not known. */
  void (*room)(int fd, PRUint64 *space, PRUint64 *memory);
  int (*flock)(int fd, int operation);
  int (*linkat)(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
  int (*unlink)(const char *path);
  /* Renames `from` to `to` only if `to` does not exist (EEXIST if it
   * does; EINVAL where the file system cannot do that). */
  int (*rename_noreplace)(const char *from, const char *to);
  int (*madvise)(void *addr, size_t length, int advice);
  char *(*getcwd)(char *buf, size_t size);
  int (*shm_open)(const char *name, int flags, mode_t mode);
  int (*shm_unlink)(const char *name);
  int (*nanosleep)(const struct timespec *req, struct timespec *rem);
  int (*clock_gettime)(clockid_t clock, struct timespec *ts);

  /* Semaphores and locks. The Linux-only calls fail with ENOSYS in the
   * portable build (thread_posix.c); a portable call that this system
   * lacks is NULL (sem_timedwait on macOS). */
  /* futex(2) on a shared (not process-private) word: FUTEX_WAIT_BITSET
   * with an absolute CLOCK_MONOTONIC deadline (NULL: none) or FUTEX_WAKE.
   * Returns what the system call does, -1 with errno on failure. */
  long (*futex)(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *deadline);
  /* membarrier(2): cmd is a MEMBARRIER_CMD_*. */
  int (*membarrier)(int cmd);
  /* sem_open(3) with O_CREAT's mode and value (ignored without O_CREAT). */
  sem_t *(*sem_open)(const char *name, int oflag, mode_t mode, unsigned value);
  int (*sem_close)(sem_t *sem);
  int (*sem_unlink)(const char *name);
  int (*sem_wait)(sem_t *sem);
  int (*sem_trywait)(sem_t *sem);
  int (*sem_timedwait)(sem_t *sem, const struct timespec *abs_realtime);
  int (*sem_post)(sem_t *sem);
  int (*sem_getvalue)(sem_t *sem, int *value);
  /* A process-shared, robust, error-checking mutex in shared memory, and
   * its operations; they return an error number, as pthread calls do. */
  int (*mutex_init)(pthread_mutex_t *m);
  int (*mutex_trylock)(pthread_mutex_t *m);
  /* Locks, waiting at most until the absolute CLOCK_MONOTONIC deadline
   * (NULL: no limit). */
  int (*mutex_lock)(pthread_mutex_t *m, const struct timespec *deadline);
  int (*mutex_unlock)(pthread_mutex_t *m);
  int (*mutex_consistent)(pthread_mutex_t *m);
} prshm__syscalls;

/* The live table. Tests may assign entries; prshm__sys_reset() restores. */
extern prshm__syscalls prshm__sys;

/* Puts every entry back to the real call. */
void prshm__sys_reset(void);

/* The backend's way to reserve space (sys_reserve in linux.c or posix.c). */
int prshm__sys_reserve(int fd, off_t offset, off_t length);

/* The default room (memlimit.c). */
void prshm__sys_room(int fd, PRUint64 *space, PRUint64 *memory);

/* The default rename_noreplace (unix.c; ENOSYS where there is none). */
int prshm__sys_rename_noreplace(const char *from, const char *to);

/* The default madvise (proc_link.c; posix.c has none). */
int prshm__sys_madvise(void *addr, size_t length, int advice);

/* The default fs_info (unix.c). */
int prshm__sys_fs_info(const char *path, unsigned long *type, unsigned long *page);

/* The defaults of the Linux-only entries and of the robust mutex (which
 * macOS lacks), from thread_linux.c, or stubs failing with ENOSYS from
 * thread_posix.c. */
long prshm__sys_futex(_Atomic uint32_t *word, int op, uint32_t val,
                      const struct timespec *deadline);
int prshm__sys_membarrier(int cmd);
int prshm__sys_mutex_init(pthread_mutex_t *m);
int prshm__sys_mutex_trylock(pthread_mutex_t *m);
int prshm__sys_mutex_lock(pthread_mutex_t *m, const struct timespec *deadline);
int prshm__sys_mutex_unlock(pthread_mutex_t *m);
int prshm__sys_mutex_consistent(pthread_mutex_t *m);

#endif /* PRSHM_UNIX_SYS_H */
