/*
 * futex.c - the Linux semaphore backend: a counter in a small shared file
 * (object.c), waited on with futexes.
 *
 * The object holds two 32-bit words: `value`, the count and the futex word,
 * and `waiters`, the threads that are blocked or about to block. A post
 * adds 1 to value and wakes one waiter if `waiters` is not 0; a wait takes
 * 1 if value is above 0, else counts itself in `waiters` and sleeps while
 * value is 0. Both sides use sequentially consistent operations, so of a
 * post that sees no waiter and a waiter that then sleeps, the waiter's
 * futex call sees the new value and does not sleep: no wake-up is lost.
 * A waiter woken takes 1 before it looks at its deadline, so a wake-up is
 * never spent on a waiter that then leaves. Neither word is ever more
 * than PRSHM_SEM_VALUE_MAX, and nothing wraps.
 *
 * The words are 32-bit and the file has no pointers, so 32- and 64-bit
 * processes share a semaphore. The futex is shared (not process-private):
 * the kernel keys it by the file and offset, so every mapping meets.
 *
 * A waiter killed while blocked stays counted in `waiters`; later posts
 * then make a futex system call that wakes nobody, which costs time (about
 * a microsecond) but never a wrong count.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <unistd.h>

#include "futex.h"

typedef prshm__futex_sem futex_sem;

static PRStatus futex_sem_init(void *obj, const void *arg) {
  futex_sem *f = obj;

  atomic_store_explicit(&f->value, *(const PRUint32 *)arg, memory_order_relaxed);
  atomic_store_explicit(&f->waiters, 0, memory_order_relaxed);
  return PR_SUCCESS;
}

static const prshm__unix_objtype futex_sem_type = {
    PRSHM__KIND_SEM, PRSHM__FUTEX_SEM_FORMAT, 64, PR_FALSE, futex_sem_init,
};

static PRStatus futex_sem_open(const char *key, PRIntn flags, PRIntn mode, PRUint32 value,
                               prshm__sync *s) {
  return prshm__unix_object_open(key, flags, mode, &futex_sem_type, &value, s, NULL);
}

void prshm__futex_sem_wake(prshm__futex_sem *f) {
  /* A wake that fails (it cannot, on a valid mapping) leaves the waiter to
   * the next post; the count is right either way. */
  (void)prshm__sys.futex(&f->value, FUTEX_WAKE, 1, NULL);
}

PRStatus prshm__sem_post(prshm__sync *s) { return prshm__sem_post_fast(s->addr); }

int prshm__sem_trywait(prshm__sync *s) { return prshm__sem_trywait_fast(s->addr); }
static PRStatus futex_sem_wait(prshm__sync *s, PRUint64 deadline) {
  futex_sem *f = s->addr;
  struct timespec ts, *tp = NULL;
  PRBool expired = PR_FALSE;
  PRStatus rv;

  if (deadline != PRSHM__FOREVER) {
    ts.tv_sec = (time_t)(deadline / 1000000000u);
    ts.tv_nsec = (long)(deadline % 1000000000u);
    tp = &ts;
  }
  atomic_fetch_add(&f->waiters, 1);
  for (;;) {
    if (prshm__sem_trywait(s)) {
      rv = PR_SUCCESS;
      break;
    }
    if (expired) {
      rv = prshm__fail(PR_IO_TIMEOUT_ERROR, ETIMEDOUT);
      break;
    }
    /* Sleeps only while the value is still 0; a post since the check above
     * makes it return at once (EAGAIN). The deadline is absolute, so a
     * signal (EINTR) costs a new call, never a longer wait. */
    if (prshm__sys.futex(&f->value, FUTEX_WAIT_BITSET, 0, tp) == 0) continue;
    if (errno == ETIMEDOUT && tp != NULL) {
      expired = PR_TRUE; /* one more look at the value, then give up */
    } else if (errno != EINTR && errno != EAGAIN) {
      rv = prshm__fail_os(errno);
      break;
    }
  }
  atomic_fetch_sub(&f->waiters, 1);
  return rv;
}

/* Reads the object through fd: its value, if it is one of this format. */
static void futex_sem_describe(const char *key, int fd, prshm__objstate *st) {
  futex_sem f;

  (void)key;
  if (fd < 0 || prshm__sys.pread(fd, &f, sizeof f, 0) != (ssize_t)sizeof f) return;
  if (atomic_load(&f.head.magic) != PRSHM__OBJ_MAGIC || f.head.kind != PRSHM__KIND_SEM ||
      f.head.format != PRSHM__FUTEX_SEM_FORMAT)
    return;
  st->value = atomic_load(&f.value);
}

static PRStatus futex_sem_getvalue(prshm__sync *s, PRUint32 *value) {
  futex_sem *f = s->addr;

  *value = atomic_load_explicit(&f->value, memory_order_relaxed);
  return PR_SUCCESS;
}

const prshm__sem_backend prshm__sem_impl = {
    "linux-futex",           PRSHM_SEM_VALUE_MAX,
    futex_sem_open,          prshm__unix_object_close,
    prshm__unix_remove_file, prshm__sem_post,
    prshm__sem_trywait,      futex_sem_wait,
    futex_sem_getvalue,      "",
    futex_sem_describe,
};
