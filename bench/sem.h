/*
 * sem.h - the semaphore and lock benchmark (prshm_bench_sem): the table a
 * library under test fills in.
 *
 * A library takes part in the workloads whose role bits it sets: an
 * uncontended post+wait, a ping-pong between two processes, opening and
 * closing an existing semaphore, creating and deleting one, and locking
 * and unlocking a lock. Every function returns 0 (or a handle) on success
 * and -1 (or NULL) on failure. Handles survive fork(): the ping-pong's
 * second process is a fork of the first, which uses the handles it
 * inherited, as a program that forks its workers does.
 */
#ifndef PRSHM_BENCH_SEM_H
#define PRSHM_BENCH_SEM_H

#ifdef __cplusplus
extern "C" {
#endif

/* The workloads a library takes part in (sem_lib.roles). */
#define SEM_ROLE_POSTWAIT 0x01u /* post then wait, uncontended */
#define SEM_ROLE_PINGPONG 0x02u /* a round trip between two processes */
#define SEM_ROLE_OPEN 0x04u     /* open an existing semaphore, close it */
#define SEM_ROLE_CREATE 0x08u   /* create a semaphore, close it, delete it */
#define SEM_ROLE_LOCK 0x10u     /* lock then unlock, uncontended */

/* A library under test. Names are "/prshm-bench-PID-LIB-N", at most 63
 * bytes of [A-Za-z0-9/-]; a library that needs another form (a file path)
 * derives it. */
typedef struct sem_lib {
  const char *name;             /* as the tables show it: at most 15 bytes */
  const char *(*describe)(void); /* one line for the header */
  unsigned roles;               /* SEM_ROLE_* bits */
  int (*init)(void);            /* once per process, or NULL */
  /* Semaphores: create (failing if it exists) with `value`, open one that
   * exists, post, wait, close, delete. */
  void *(*create)(const char *name, unsigned value);
  void *(*open)(const char *name);
  int (*post)(void *sem);
  int (*wait)(void *sem);
  int (*close)(void *sem);
  int (*remove)(const char *name);
  /* Locks: create, lock, unlock, close, delete. */
  void *(*lock_create)(const char *name);
  int (*lock)(void *lock);
  int (*unlock)(void *lock);
  int (*lock_close)(void *lock);
  int (*lock_remove)(const char *name);
} sem_lib;

/* The libraries (sem_libs.c, sem_boost.cpp). The references: a
 * process-shared sem_t and a robust process-shared pthread mutex in shared
 * memory, and POSIX named semaphores for opening and creating. */
extern const sem_lib sem_lib_semt;
extern const sem_lib sem_lib_mutex;
extern const sem_lib sem_lib_posix;
extern const sem_lib sem_lib_prshm;
extern const sem_lib sem_lib_nspr;  /* dlopen()ed: see sem_libs.c */
extern const sem_lib sem_lib_boost; /* when Boost's headers are there */

#ifdef __cplusplus
}
#endif

#endif /* PRSHM_BENCH_SEM_H */
