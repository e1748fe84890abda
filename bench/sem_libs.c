/*
 * sem_libs.c - the C libraries of the semaphore benchmark, each through its
 * own public calls:
 *
 *   sem_t   a process-shared sem_t (sem_init(pshared 1)) in a shared
 *           anonymous mapping: the reference for post+wait and ping-pong;
 *           glibc's futex semaphore, with no name and no handle to check
 *   mutex   a robust, process-shared pthread mutex in a shared anonymous
 *           mapping: the reference for lock+unlock
 *   posix   POSIX named semaphores: sem_open, sem_post, sem_wait,
 *           sem_close, sem_unlink (glibc: a file in /dev/shm, mapped)
 *   prshm   pripcsem.h's five calls, and prshm_ext.h's robust lock
 *   nspr    NSPR 4's pripcsem.h (libnspr4), loaded with dlopen(RTLD_LOCAL)
 *           and called through dlsym(): NSPR exports the same names as
 *           prshm, and this program, linked with prshm and exporting
 *           nothing, keeps the two apart that way. NSPR's names are file
 *           paths (it makes a key file there and System V semaphores from
 *           it), here in a directory of their own on /dev/shm's tmpfs.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pripcsem.h>
#include <prshm_ext.h>

#include "sem.h"

/* ---- sem_t in shared memory ---- */

static const char *semt_describe(void) {
  return "sem_t: sem_init(pshared) in a MAP_SHARED page; sem_post, sem_wait";
}

static void *semt_create(const char *name, unsigned value) {
  sem_t *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

  (void)name;
  if (s == MAP_FAILED) return NULL;
  if (sem_init(s, 1, value) != 0) {
    (void)munmap(s, sizeof *s);
    return NULL;
  }
  return s;
}

static int semt_post(void *s) { return sem_post(s); }
static int semt_wait(void *s) { return sem_wait(s); }

static int semt_close(void *s) {
  (void)sem_destroy(s);
  return munmap(s, sizeof(sem_t));
}

static int semt_remove(const char *name) {
  (void)name;
  return 0;
}

const sem_lib sem_lib_semt = {
    "sem_t",   semt_describe, SEM_ROLE_POSTWAIT | SEM_ROLE_PINGPONG, NULL, semt_create, NULL,
    semt_post, semt_wait,     semt_close, semt_remove,                  NULL, NULL,        NULL,
    NULL,      NULL,
};

/* ---- A robust pthread mutex in shared memory ---- */

static const char *mutex_describe(void) {
  return "mutex: robust, process-shared pthread_mutex_t in a MAP_SHARED page";
}

static void *mutex_create(const char *name) {
  pthread_mutex_t *m =
      mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pthread_mutexattr_t attr;

  (void)name;
  if (m == MAP_FAILED) return NULL;
  if (pthread_mutexattr_init(&attr) != 0 ||
      pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) != 0 ||
      pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) != 0 ||
      pthread_mutex_init(m, &attr) != 0) {
    (void)munmap(m, sizeof *m);
    return NULL;
  }
  (void)pthread_mutexattr_destroy(&attr);
  return m;
}

static int mutex_lock(void *m) {
  int err = pthread_mutex_lock(m);
  if (err == EOWNERDEAD) err = pthread_mutex_consistent(m);
  return err == 0 ? 0 : -1;
}

static int mutex_unlock(void *m) { return pthread_mutex_unlock(m) == 0 ? 0 : -1; }

static int mutex_close(void *m) {
  (void)pthread_mutex_destroy(m);
  return munmap(m, sizeof(pthread_mutex_t));
}

static int mutex_remove(const char *name) {
  (void)name;
  return 0;
}

const sem_lib sem_lib_mutex = {
    "mutex", mutex_describe, SEM_ROLE_LOCK, NULL,        NULL,       NULL,         NULL, NULL,
    NULL,    NULL,           mutex_create,  mutex_lock, mutex_unlock, mutex_close, mutex_remove,
};

/* ---- POSIX named semaphores ---- */

static const char *posix_describe(void) {
  return "posix: sem_open, sem_post, sem_wait, sem_close, sem_unlink";
}

static void *posix_create(const char *name, unsigned value) {
  sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, value);
  return s != SEM_FAILED ? s : NULL;
}

static void *posix_open(const char *name) {
  sem_t *s = sem_open(name, 0);
  return s != SEM_FAILED ? s : NULL;
}

static int posix_post(void *s) { return sem_post(s); }
static int posix_wait(void *s) { return sem_wait(s); }
static int posix_close(void *s) { return sem_close(s); }
static int posix_remove(const char *name) { return sem_unlink(name); }

const sem_lib sem_lib_posix = {
    "posix",    posix_describe,
    SEM_ROLE_POSTWAIT | SEM_ROLE_PINGPONG | SEM_ROLE_OPEN | SEM_ROLE_CREATE,
    NULL,       posix_create,   posix_open, posix_post, posix_wait, posix_close, posix_remove,
    NULL,       NULL,           NULL,       NULL,       NULL,
};

/* ---- prshm ---- */

static const char *prshm_describe(void) {
  static char text[160];
  (void)snprintf(text, sizeof text,
                 "prshm %s (%s): PR_OpenSemaphore ... PR_DeleteSemaphore, prshm_lock_*",
                 prshm_version(), prshm_backend_name());
  return text;
}

static void *prshm_create(const char *name, unsigned value) {
  return PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, value);
}

static void *prshm_open(const char *name) { return PR_OpenSemaphore(name, 0, 0, 0); }
static int prshm_post(void *s) { return PR_PostSemaphore(s) == PR_SUCCESS ? 0 : -1; }
static int prshm_wait(void *s) { return PR_WaitSemaphore(s) == PR_SUCCESS ? 0 : -1; }
static int prshm_close(void *s) { return PR_CloseSemaphore(s) == PR_SUCCESS ? 0 : -1; }
static int prshm_remove(const char *name) {
  return PR_DeleteSemaphore(name) == PR_SUCCESS ? 0 : -1;
}

static void *prshm_lock_create(const char *name) {
  return prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
}

static int prshm_do_lock(void *l) { return prshm_lock_acquire(l, NULL) == PR_SUCCESS ? 0 : -1; }
static int prshm_unlock(void *l) { return prshm_lock_release(l) == PR_SUCCESS ? 0 : -1; }
static int prshm_lock_drop(void *l) { return prshm_lock_close(l) == PR_SUCCESS ? 0 : -1; }
static int prshm_lock_remove(const char *name) {
  return prshm_lock_delete(name) == PR_SUCCESS ? 0 : -1;
}

const sem_lib sem_lib_prshm = {
    "prshm",
    prshm_describe,
    SEM_ROLE_POSTWAIT | SEM_ROLE_PINGPONG | SEM_ROLE_OPEN | SEM_ROLE_CREATE | SEM_ROLE_LOCK,
    NULL,
    prshm_create,
    prshm_open,
    prshm_post,
    prshm_wait,
    prshm_close,
    prshm_remove,
    prshm_lock_create,
    prshm_do_lock,
    prshm_unlock,
    prshm_lock_drop,
    prshm_lock_remove,
};

/* ---- NSPR, through dlopen() ---- */

/* NSPR's five calls, as dlsym() finds them in libnspr4. */
static struct {
  void *lib;                                               /* dlopen's handle */
  void *(*open)(const char *name, int flags, int mode, unsigned value); /* PR_OpenSemaphore */
  int (*wait)(void *sem);                                  /* PR_WaitSemaphore */
  int (*post)(void *sem);                                  /* PR_PostSemaphore */
  int (*close)(void *sem);                                 /* PR_CloseSemaphore */
  int (*remove)(const char *name);                         /* PR_DeleteSemaphore */
  char dir[64];                                            /* the key files' directory */
} nspr;

/* A symbol of libnspr4 as a function pointer of the type of *fn. */
static int nspr_sym(const char *name, void *fn, size_t size) {
  void *p = dlsym(nspr.lib, name);
  if (p == NULL) return -1;
  memcpy(fn, &p, size); /* object to function pointer, without a cast */
  return 0;
}

static void nspr_remove_dir(void) { (void)rmdir(nspr.dir); }

static int nspr_init(void) {
  nspr.lib = dlopen("libnspr4.so", RTLD_NOW | RTLD_LOCAL);
  if (nspr.lib == NULL) return -1;
  if (nspr_sym("PR_OpenSemaphore", &nspr.open, sizeof nspr.open) != 0 ||
      nspr_sym("PR_WaitSemaphore", &nspr.wait, sizeof nspr.wait) != 0 ||
      nspr_sym("PR_PostSemaphore", &nspr.post, sizeof nspr.post) != 0 ||
      nspr_sym("PR_CloseSemaphore", &nspr.close, sizeof nspr.close) != 0 ||
      nspr_sym("PR_DeleteSemaphore", &nspr.remove, sizeof nspr.remove) != 0)
    return -1;
  (void)snprintf(nspr.dir, sizeof nspr.dir, "/dev/shm/prshm-bench-nspr-%ld-XXXXXX",
                 (long)getpid());
  if (mkdtemp(nspr.dir) == NULL) return -1;
  (void)atexit(nspr_remove_dir);
  return 0;
}

static const char *nspr_describe(void) {
  return "nspr: libnspr4 (dlopen): PR_OpenSemaphore ... PR_DeleteSemaphore (System V)";
}

/* NSPR's name for `name`: a key file in its directory. */
static const char *nspr_path(const char *name) {
  static char path[160];
  const char *base = strrchr(name, '/');
  (void)snprintf(path, sizeof path, "%s/%s", nspr.dir, base != NULL ? base + 1 : name);
  return path;
}

static void *nspr_create(const char *name, unsigned value) {
  /* NSPR's values are 16-bit: the benchmark's are 0 and 1. */
  return nspr.open(nspr_path(name), PR_SEM_CREATE | PR_SEM_EXCL, 0600, value);
}

static void *nspr_open(const char *name) { return nspr.open(nspr_path(name), 0, 0, 0); }
static int nspr_post(void *s) { return nspr.post(s) == PR_SUCCESS ? 0 : -1; }
static int nspr_wait(void *s) { return nspr.wait(s) == PR_SUCCESS ? 0 : -1; }
static int nspr_close(void *s) { return nspr.close(s) == PR_SUCCESS ? 0 : -1; }
static int nspr_remove(const char *name) {
  return nspr.remove(nspr_path(name)) == PR_SUCCESS ? 0 : -1;
}

const sem_lib sem_lib_nspr = {
    "nspr",     nspr_describe,
    SEM_ROLE_POSTWAIT | SEM_ROLE_PINGPONG | SEM_ROLE_OPEN | SEM_ROLE_CREATE,
    nspr_init,  nspr_create,   nspr_open, nspr_post, nspr_wait, nspr_close, nspr_remove,
    NULL,       NULL,          NULL,      NULL,      NULL,
};
