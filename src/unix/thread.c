/*
 * thread.c (Unix) - the per-thread error text, and keeping the library's
 * locks sound across fork().
 *
 * The error code and OS error are C11 thread-local storage (error.c); the
 * heap copy of PR_SetErrorText() lives in a POSIX thread-specific key whose
 * destructor frees it at thread exit. The key's value is the only pointer
 * to the text: POSIX clears it before the destructor runs, so a destructor
 * of another key that runs later and reads the error text finds none,
 * instead of the freed copy. The key is created once, race-free, on the
 * first text ever set.
 *
 * Also here: the clock, yielding, and the thread-exit hook of read-section
 * records (sync.h). The Linux-only services are in thread_linux.c, their
 * portable twins in thread_posix.c.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "sync.h"
#include "sys.h"

static pthread_key_t text_key;
static atomic_int text_key_ok; /* 1 once text_key exists; set inside text_key_once */
static prshm__once text_key_once = PRSHM__ONCE_INIT;

static void text_key_create(void) {
  if (pthread_key_create(&text_key, free) == 0) atomic_store(&text_key_ok, 1);
}

prshm__text *prshm__thread_text(void) {
  /* No key yet: no thread has ever had a text. */
  if (!atomic_load_explicit(&text_key_ok, memory_order_acquire)) return NULL;
  return pthread_getspecific(text_key);
}

void prshm__thread_set_text(prshm__text *text) {
  prshm__text *old;

  if (text == NULL && !atomic_load_explicit(&text_key_ok, memory_order_acquire)) return;
  prshm__run_once(&text_key_once, text_key_create);
  if (!atomic_load(&text_key_ok)) {
    /* No key could be made: a text cannot be kept for this thread. */
    free(text);
    return;
  }
  old = pthread_getspecific(text_key);
  if (pthread_setspecific(text_key, text) != 0) {
    free(text);
    return;
  }
  free(old);
}

void prshm__os_at_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void)) {
  /* Fails only without memory at load time; then a fork() while another
   * thread is inside prshm could leave the child's lock held. */
  (void)pthread_atfork(prepare, parent, child);
}

/* ---- Services of read sections and waits (sync.h) ---- */

static pthread_key_t reader_key;
static atomic_int reader_key_ok; /* 1 once reader_key exists */
static prshm__once reader_key_once = PRSHM__ONCE_INIT;

static void reader_key_create(void) {
  if (pthread_key_create(&reader_key, prshm__read_thread_exit) == 0) atomic_store(&reader_key_ok, 1);
}

PRStatus prshm__os_on_thread_exit(prshm__reader *r) {
  prshm__run_once(&reader_key_once, reader_key_create);
  if (!atomic_load(&reader_key_ok) || pthread_setspecific(reader_key, r) != 0) return PR_FAILURE;
  return PR_SUCCESS;
}

PRUint64 prshm__os_now_ns(void) {
  struct timespec ts;

  /* CLOCK_MONOTONIC cannot fail on a system that has it; a test's
   * replacement that fails reads as the epoch, which only shortens waits. */
  if (prshm__sys.clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (PRUint64)ts.tv_sec * 1000000000u + (PRUint64)ts.tv_nsec;
}

void prshm__os_yield(void) { (void)sched_yield(); }
