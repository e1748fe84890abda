/*
 * thread.c (Unix) - frees a thread's error text when the thread exits.
 *
 * The error state itself is C11 thread-local storage; only the heap copy of
 * PR_SetErrorText() needs a destructor, which POSIX gives through a key.
 * The key is created once, race-free, on the first text ever set.
 */
#include <stdlib.h>

#include "internal.h"

static pthread_key_t text_key;
static int text_key_ok;          /* set once, inside pthread_once */
static prshm__once text_key_once = PRSHM__ONCE_INIT;

static void text_key_create(void) {
  text_key_ok = pthread_key_create(&text_key, free) == 0;
}

void prshm__thread_text_owner(void *text) {
  if (text == NULL && !text_key_ok) return;
  prshm__run_once(&text_key_once, text_key_create);
  if (text_key_ok) (void)pthread_setspecific(text_key, text);
}
