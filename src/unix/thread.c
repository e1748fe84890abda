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
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

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
