/*
 * robust.c - the Linux lock backend: a process-shared, robust,
 * error-checking pthread mutex in a small shared file (object.c).
 *
 * The C library and the kernel keep the promise of robustness together:
 * every thread registers a list of the robust mutexes it holds with the
 * kernel (set_robust_list), and when the thread dies, however it dies, the
 * kernel marks each of them "owner died" and wakes a waiter, which then
 * gets EOWNERDEAD. Only the C library may register that list (a thread has
 * one), which is why this backend uses its mutex rather than a futex word
 * of its own. prshm hides the POSIX protocol (lock.c): EOWNERDEAD becomes a
 * success with the news in *owner_died, and pthread_mutex_consistent() is
 * called at once, so the mutex never becomes unrecoverable.
 *
 * The mutex's layout belongs to the C library and the word size, so the
 * object's format number includes both: a process whose layout differs
 * (a 32-bit program, musl) refuses the object (PR_INVALID_STATE_ERROR)
 * instead of misreading it.
 *
 * The object also records the thread that holds the lock (the kernel's
 * thread id; stale after a death until the next holder writes its own), so
 * that a release by a thread that does not hold it is refused before the
 * mutex is touched, and an acquire by the holder, through any handle, is a
 * deadlock reported rather than slept through.
 *
 * While a thread holds the mutex, its address is on that thread's robust
 * list, which the C library and the kernel read: the mapping must then
 * stay, even if the handle is closed. Close therefore leaves the object
 * mapped when a live thread of this process holds the lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "unix.h"

/* The layout's identity: word size, mutex size, C library. */
#if defined(__GLIBC__)
#define ROBUST_LIBC 1u
#else
#define ROBUST_LIBC 2u
#endif
#define ROBUST_FORMAT                                                         \
  (0x03000000u | ROBUST_LIBC << 16 | (uint32_t)sizeof(pthread_mutex_t) << 4 | \
   (uint32_t)sizeof(void *))

typedef struct robust_lock {
  prshm__objhead head;    /* kind, format and magic (object.c) */
  pthread_mutex_t m;      /* process-shared, robust, error-checking */
  _Atomic uint32_t owner; /* the holder's thread id; written by the holder */
} robust_lock;

/* A lock object's size: the header and the mutex, in whole cache lines. */
#define ROBUST_SIZE ((sizeof(robust_lock) + 63) / 64 * 64)

static PRStatus robust_init(void *obj, const void *arg) {
  robust_lock *l = obj;
  int err = prshm__sys.mutex_init(&l->m);

  (void)arg;
  /* ENOTSUP: this system has no robust mutexes (no robust list in the
   * kernel, or an emulator without it). */
  if (err != 0) return prshm__fail_os(err);
  return PR_SUCCESS;
}

static const prshm__unix_objtype robust_type = {
    PRSHM__KIND_LOCK, ROBUST_FORMAT, ROBUST_SIZE, PR_FALSE, robust_init,
};

static PRStatus robust_open(const char *key, PRIntn flags, PRIntn mode, prshm__sync *s) {
  return prshm__unix_object_open(key, flags, mode, &robust_type, NULL, s, NULL);
}

static PRStatus robust_close(prshm__sync *s) {
  robust_lock *l = s->addr;
  uint32_t owner = atomic_load_explicit(&l->owner, memory_order_relaxed);

  /* Held by a live thread of this process (a thread id of another process
   * is not one of ours): its robust list points into the mapping, which
   * therefore stays until the process exits (see lock.c). */
  if (owner != 0 && prshm__os_thread_alive(owner)) return PR_SUCCESS;
  return prshm__unix_object_close(s);
}

/* What a pthread lock call's result means: 1 acquired, -1 error set. */
static int robust_result(robust_lock *l, int err, PRBool *died) {
  *died = PR_FALSE;
  switch (err) {
    case 0:
      atomic_store_explicit(&l->owner, (uint32_t)prshm__os_thread_id(), memory_order_relaxed);
      return 1;
    case EOWNERDEAD:
      /* At once, so that the mutex never becomes unrecoverable; if this
       * thread dies before the caller learns of the death, the kernel marks
       * the mutex again and the next holder is told. */
      (void)prshm__sys.mutex_consistent(&l->m);
      atomic_store_explicit(&l->owner, (uint32_t)prshm__os_thread_id(), memory_order_relaxed);
      *died = PR_TRUE;
      return 1;
    case EDEADLK:
      prshm__fail(PR_DEADLOCK_ERROR, err);
      return -1;
    case ETIMEDOUT:
      prshm__fail(PR_IO_TIMEOUT_ERROR, err);
      return -1;
    case ENOTRECOVERABLE:
      /* Only a program that is not prshm can leave it so (unlocking after
       * EOWNERDEAD without making it consistent). */
      prshm__fail(PR_INVALID_STATE_ERROR, err);
      return -1;
    default:
      prshm__fail_os(err);
      return -1;
  }
}

int prshm__lock_trylock(prshm__sync *s, PRBool *died) {
  robust_lock *l = s->addr;
  int err = prshm__sys.mutex_trylock(&l->m);

  if (err == EBUSY) {
    /* The C library says EBUSY also to the holder itself. */
    if (atomic_load_explicit(&l->owner, memory_order_relaxed) ==
        (uint32_t)prshm__os_thread_id()) {
      prshm__fail(PR_DEADLOCK_ERROR, EDEADLK);
      return -1;
    }
    return 0;
  }
  return robust_result(l, err, died);
}

static PRStatus robust_lock_wait(prshm__sync *s, PRUint64 deadline, PRBool *died) {
  robust_lock *l = s->addr;
  struct timespec ts, *tp = NULL;

  if (deadline != PRSHM__FOREVER) {
    ts.tv_sec = (time_t)(deadline / 1000000000u);
    ts.tv_nsec = (long)(deadline % 1000000000u);
    tp = &ts;
  }
  return robust_result(l, prshm__sys.mutex_lock(&l->m, tp), died) > 0 ? PR_SUCCESS : PR_FAILURE;
}

PRStatus prshm__lock_unlock(prshm__sync *s) {
  robust_lock *l = s->addr;
  const uint32_t self = (uint32_t)prshm__os_thread_id();
  int err;

  /* Not the holder: refused before the mutex is touched. (A stale record
   * naming this thread's id, left by a dead holder, goes on to the mutex,
   * which refuses with EPERM.) */
  if (atomic_load_explicit(&l->owner, memory_order_relaxed) != self)
    return prshm__fail(PR_INVALID_STATE_ERROR, EPERM);
  atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
  err = prshm__sys.mutex_unlock(&l->m);
  if (err == 0) return PR_SUCCESS;
  atomic_store_explicit(&l->owner, self, memory_order_relaxed);
  if (err == EPERM) return prshm__fail(PR_INVALID_STATE_ERROR, err);
  return prshm__fail_os(err);
}

/* Whether the thread `tid` (of any process in this PID namespace) has
 * ended: its /proc entry is gone, or shows a zombie (dead, not yet reaped
 * by its parent). When unsure, it has not. */
static PRBool robust_thread_gone(uint32_t tid) {
  char path[48], line[256];
  const char *close_paren;
  FILE *f;

  (void)snprintf(path, sizeof path, "/proc/%u/stat", (unsigned)tid);
  f = fopen(path, "r");
  if (f == NULL) return errno == ENOENT ? PR_TRUE : PR_FALSE;
  line[0] = '\0';
  if (fgets(line, sizeof line, f) == NULL) line[0] = '\0';
  (void)fclose(f);
  /* "TID (COMM) STATE ...": the command may hold anything, ')' included. */
  close_paren = strrchr(line, ')');
  return close_paren != NULL && (close_paren[2] == 'Z' || close_paren[2] == 'X') ? PR_TRUE
                                                                                 : PR_FALSE;
}

/* Reads the lock through fd: free, held by a live thread, or abandoned. */
static void robust_describe(const char *key, int fd, prshm__objstate *st) {
  robust_lock l;
  uint32_t owner;

  (void)key;
  if (fd < 0 || prshm__sys.pread(fd, &l, sizeof l, 0) != (ssize_t)sizeof l) return;
  if (atomic_load(&l.head.magic) != PRSHM__OBJ_MAGIC || l.head.kind != PRSHM__KIND_LOCK ||
      l.head.format != ROBUST_FORMAT)
    return;
  owner = atomic_load(&l.owner);
  if (owner == 0) {
    st->lock_state = PRSHM_LOCK_FREE;
    return;
  }
  st->lock_holder = (PRInt32)owner;
  st->lock_state = robust_thread_gone(owner) ? PRSHM_LOCK_ABANDONED : PRSHM_LOCK_HELD;
}

const prshm__lock_backend prshm__lock_impl = {
    "linux-robust-mutex", robust_open,      robust_close,       prshm__unix_remove_file,
    prshm__lock_trylock,  robust_lock_wait, prshm__lock_unlock, robust_describe,
};
