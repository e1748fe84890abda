/*
 * plock.c - the portable lock backend, for systems without robust mutexes
 * (macOS; built and tested on Linux with PRSHM_PORTABLE=ON).
 *
 * A lock is a small file in the namespace (object.c) and flock(): an
 * exclusive flock() on the handle's own open file excludes every other
 * open file of it, in any process, and the kernel drops it when the
 * process dies, however it dies. The file holds `held`, set by a holder
 * once it has the flock() and cleared just before it lets go, so a holder
 * that finds it set knows that the previous one died holding the lock.
 *
 * flock() excludes open files, not threads: the threads of a process that
 * share a handle share its open file. So each handle also has in-process
 * state (plock_local): the thread that holds the lock through it, under a
 * mutex, with a condition variable for the threads waiting their turn. A
 * thread that exits holding a lock releases it from its thread-exit hook,
 * leaving `held` set, so the next holder is told, as it would be of a
 * process's death.
 *
 * Platform limits, in prshm(7): locking costs two system calls; a timed
 * acquire polls flock() at growing intervals of at most 1 ms; where the
 * namespace's objects cannot be locked (macOS's shm_open() objects), open
 * fails with PR_OPERATION_NOT_SUPPORTED_ERROR and the lock needs PRSHM_DIR;
 * and a child forked while its parent holds a lock shares the parent's open
 * file, so the lock stays held until both have let go of it or exited.
 *
 * Sections: the object; per-handle state; threads' held locks; the
 * operations; the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "unix.h"

#define PLOCK_FORMAT 0x00030001u
/* The longest pause of a timed acquire's polling, in milliseconds. */
#define PLOCK_POLL_MAX_MS 1

/* ---- The object ---- */

typedef struct plock_obj {
  prshm__objhead head;   /* kind, format and magic (object.c) */
  _Atomic uint32_t held; /* 1 while a holder has it; left 1 by a death */
} plock_obj;

static PRStatus plock_init(void *obj, const void *arg) {
  (void)obj;
  (void)arg;
  return PR_SUCCESS; /* a new file reads as zeros: free, no death */
}

static const prshm__unix_objtype plock_type = {
    PRSHM__KIND_LOCK, PLOCK_FORMAT, 64, PR_TRUE, plock_init,
};

/* ---- Per-handle state ---- */

typedef struct plock_local {
  pthread_mutex_t mu;            /* guards holder */
  pthread_cond_t freed;          /* signalled when holder becomes 0 */
  uintptr_t holder;              /* the thread holding the lock through this handle, or 0 */
  int fd;                        /* the handle's descriptor: its own open file */
  dev_t dev;                     /* the file's identity, to tell that two handles */
  ino_t ino;                     /* of this process name one lock */
  plock_obj *obj;                /* the mapped object */
  struct plock_local *next_held; /* the holder's list of held locks */
} plock_local;

/* ---- Threads' held locks ---- */

/* The locks the calling thread holds, for its exit hook. */
static _Thread_local plock_local *plock_held;
static pthread_key_t plock_key;
static prshm__once plock_key_once = PRSHM__ONCE_INIT;
static int plock_key_ok; /* set inside plock_key_once */

static PRStatus plock_release_fd(plock_local *l, PRBool died);

/* Thread exit: every lock still held is let go, with `held` left set. */
static void plock_thread_exit(void *arg) {
  plock_local *l = arg, *next;

  for (; l != NULL; l = next) {
    next = l->next_held;
    (void)plock_release_fd(l, PR_TRUE);
  }
  plock_held = NULL;
}

static void plock_key_create(void) {
  plock_key_ok = pthread_key_create(&plock_key, plock_thread_exit) == 0;
}

static void plock_push(plock_local *l) {
  l->next_held = plock_held;
  plock_held = l;
  /* Fails only without memory; then the thread's death is found by the
   * next holder after the process exits instead. */
  if (plock_key_ok) (void)pthread_setspecific(plock_key, plock_held);
}

/* Whether the calling thread holds the lock of `l` through any handle: it
 * would wait for itself for ever, since every handle has its own open
 * file. */
static PRBool plock_held_by_self(const plock_local *l) {
  const plock_local *h;

  for (h = plock_held; h != NULL; h = h->next_held)
    if (h->dev == l->dev && h->ino == l->ino) return PR_TRUE;
  return PR_FALSE;
}

static void plock_pop(plock_local *l) {
  plock_local **p;

  for (p = &plock_held; *p != NULL; p = &(*p)->next_held) {
    if (*p == l) {
      *p = l->next_held;
      break;
    }
  }
  if (plock_key_ok) (void)pthread_setspecific(plock_key, plock_held);
}

/* ---- The operations ---- */

static PRStatus plock_open(const char *key, PRIntn flags, PRIntn mode, prshm__sync *s) {
  plock_local *l;
  struct stat st;
  PRBool created = PR_FALSE;
  int rv;

  prshm__run_once(&plock_key_once, plock_key_create);
  l = calloc(1, sizeof *l);
  if (l == NULL) return prshm__fail(PR_OUT_OF_MEMORY_ERROR, ENOMEM);
  if (pthread_mutex_init(&l->mu, NULL) != 0) goto fail_free;
  if (pthread_cond_init(&l->freed, NULL) != 0) goto fail_mutex;
  if (prshm__unix_object_open(key, flags, mode, &plock_type, NULL, s, &created) != PR_SUCCESS)
    goto fail_cond;
  /* Can this namespace lock at all? A shared lock, dropped at once, tells
   * before anyone relies on it (a holder's exclusive lock refuses it:
   * that is an answer too). */
  PRSHM__RETRY_EINTR(rv, prshm__sys.flock((int)s->os, LOCK_SH | LOCK_NB));
  if (rv != 0 && errno != EWOULDBLOCK) {
    if (errno == EOPNOTSUPP || errno == ENOTSUP || errno == EINVAL)
      prshm__fail(PR_OPERATION_NOT_SUPPORTED_ERROR, errno);
    else
      prshm__fail_os(errno);
    goto fail_object;
  }
  if (rv == 0 && prshm__sys.flock((int)s->os, LOCK_UN) != 0) {
    prshm__fail_os(errno);
    goto fail_object;
  }
  if (prshm__sys.fstat((int)s->os, &st) != 0) {
    prshm__fail_os(errno);
    goto fail_object;
  }
  l->dev = st.st_dev;
  l->ino = st.st_ino;
  l->fd = (int)s->os;
  l->obj = s->addr;
  s->local = l;
  return PR_SUCCESS;

fail_object:
  (void)prshm__unix_object_close(s);
  /* A lock this call made and cannot use goes with it. */
  if (created) (void)prshm__unix_remove_file(key);
fail_cond:
  (void)pthread_cond_destroy(&l->freed);
fail_mutex:
  (void)pthread_mutex_destroy(&l->mu);
fail_free:
  free(l);
  return PR_FAILURE;
}

static PRStatus plock_close(prshm__sync *s) {
  plock_local *l = s->local;
  uintptr_t holder;

  (void)pthread_mutex_lock(&l->mu);
  holder = l->holder;
  (void)pthread_mutex_unlock(&l->mu);
  /* Still held by a thread that may be alive: its exit hook will use the
   * state. Kept, as on Linux, until the process exits. */
  if (holder != 0) return PR_SUCCESS;
  (void)pthread_cond_destroy(&l->freed);
  (void)pthread_mutex_destroy(&l->mu);
  free(l);
  return prshm__unix_object_close(s);
}

/* Claims the handle for the calling thread, waiting (until `deadline`, if
 * `wait`) while another thread holds it: 1 claimed, 0 busy, -1 error. */
static int plock_claim(plock_local *l, PRBool wait, PRUint64 deadline) {
  const uintptr_t self = prshm__os_thread_id();
  int rv = 1;

  if (plock_held_by_self(l)) {
    prshm__fail(PR_DEADLOCK_ERROR, EDEADLK);
    return -1;
  }
  (void)pthread_mutex_lock(&l->mu);
  while (rv == 1 && l->holder != 0) {
    if (l->holder == self) {
      prshm__fail(PR_DEADLOCK_ERROR, EDEADLK);
      rv = -1;
    } else if (!wait || (deadline != PRSHM__FOREVER && prshm__os_now_ns() >= deadline)) {
      rv = 0;
    } else if (deadline == PRSHM__FOREVER) {
      (void)pthread_cond_wait(&l->freed, &l->mu);
    } else {
      /* The condition variable's clock is the realtime one; a short wait
       * and a look at the monotonic clock keep the deadline exact. */
      struct timespec ts;
      (void)prshm__sys.clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 1000000L;
      if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      (void)pthread_cond_timedwait(&l->freed, &l->mu, &ts);
    }
  }
  if (rv == 1) l->holder = self;
  (void)pthread_mutex_unlock(&l->mu);
  return rv;
}

static void plock_unclaim(plock_local *l) {
  (void)pthread_mutex_lock(&l->mu);
  l->holder = 0;
  (void)pthread_cond_signal(&l->freed);
  (void)pthread_mutex_unlock(&l->mu);
}

/* The flock() is ours: records the holding and tells of a death. */
static void plock_took(plock_local *l, PRBool *died) {
  *died = atomic_exchange(&l->obj->held, 1) != 0 ? PR_TRUE : PR_FALSE;
  plock_push(l);
}

/* Lets go of the flock() and the claim; `died` leaves `held` set. If the
 * flock() cannot be let go, nothing changes (the error is set). */
static PRStatus plock_release_fd(plock_local *l, PRBool died) {
  int rv;

  if (!died) atomic_store(&l->obj->held, 0);
  PRSHM__RETRY_EINTR(rv, prshm__sys.flock(l->fd, LOCK_UN));
  if (rv != 0) {
    int err = errno;
    atomic_store(&l->obj->held, 1);
    return prshm__fail_os(err);
  }
  plock_unclaim(l);
  return PR_SUCCESS;
}

int prshm__lock_trylock(prshm__sync *s, PRBool *died) {
  plock_local *l = s->local;
  int got = plock_claim(l, PR_FALSE, 0), rv;

  if (got != 1) return got;
  PRSHM__RETRY_EINTR(rv, prshm__sys.flock(l->fd, LOCK_EX | LOCK_NB));
  if (rv != 0) {
    int err = errno;
    plock_unclaim(l);
    if (err == EWOULDBLOCK) return 0;
    prshm__fail_os(err);
    return -1;
  }
  plock_took(l, died);
  return 1;
}

/* Takes the flock() by polling until `deadline`: 0, or -1 with errno. */
static int plock_poll(int fd, PRUint64 deadline) {
  long step = 1;

  for (;;) {
    int rv;
    PRSHM__RETRY_EINTR(rv, prshm__sys.flock(fd, LOCK_EX | LOCK_NB));
    if (rv == 0 || errno != EWOULDBLOCK) return rv;
    if (prshm__os_now_ns() >= deadline) {
      errno = ETIMEDOUT;
      return -1;
    }
    prshm__unix_pause(step < PLOCK_POLL_MAX_MS ? step : PLOCK_POLL_MAX_MS);
    step *= 2;
  }
}

static PRStatus plock_lock(prshm__sync *s, PRUint64 deadline, PRBool *died) {
  plock_local *l = s->local;
  int got = plock_claim(l, PR_TRUE, deadline), rv;

  if (got == 0) return prshm__fail(PR_IO_TIMEOUT_ERROR, ETIMEDOUT);
  if (got < 0) return PR_FAILURE;
  if (deadline == PRSHM__FOREVER)
    PRSHM__RETRY_EINTR(rv, prshm__sys.flock(l->fd, LOCK_EX));
  else
    rv = plock_poll(l->fd, deadline);
  if (rv != 0) {
    int err = errno;
    plock_unclaim(l);
    if (err == ETIMEDOUT) return prshm__fail(PR_IO_TIMEOUT_ERROR, err);
    return prshm__fail_os(err);
  }
  plock_took(l, died);
  return PR_SUCCESS;
}

PRStatus prshm__lock_unlock(prshm__sync *s) {
  plock_local *l = s->local;
  uintptr_t holder;

  (void)pthread_mutex_lock(&l->mu);
  holder = l->holder;
  (void)pthread_mutex_unlock(&l->mu);
  /* Only the holder changes `holder` while it holds the lock. */
  if (holder != prshm__os_thread_id()) return prshm__fail(PR_INVALID_STATE_ERROR, EPERM);
  if (plock_release_fd(l, PR_FALSE) != PR_SUCCESS) return PR_FAILURE;
  plock_pop(l);
  return PR_SUCCESS;
}

/* Reads the lock's record through fd: held (or abandoned: that cannot be
 * told without taking the lock, which the listing never does) or free. */
static void plock_describe(const char *key, int fd, prshm__objstate *st) {
  plock_obj o;

  (void)key;
  if (fd < 0 || prshm__sys.pread(fd, &o, sizeof o, 0) != (ssize_t)sizeof o) return;
  if (atomic_load(&o.head.magic) != PRSHM__OBJ_MAGIC || o.head.kind != PRSHM__KIND_LOCK ||
      o.head.format != PLOCK_FORMAT)
    return;
  st->lock_state = atomic_load(&o.held) != 0 ? PRSHM_LOCK_HELD : PRSHM_LOCK_FREE;
}

const prshm__lock_backend prshm__lock_impl = {
    "posix-flock",       plock_open, plock_close,        prshm__unix_remove_file,
    prshm__lock_trylock, plock_lock, prshm__lock_unlock, plock_describe,
};
