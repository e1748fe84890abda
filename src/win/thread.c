/*
 * thread.c (Windows) - the per-thread error text.
 *
 * The error code and OS error are C11 thread-local storage (src/error.c);
 * the heap copy of PR_SetErrorText() is kept in a fiber-local storage slot,
 * whose callback frees it when its fiber (or thread) ends. The slot's value
 * is the only pointer to the text, so nothing can read it after it is
 * freed. The slot is allocated once, race-free, on the first text ever set.
 */
#include <stdlib.h>

#include "win.h"

static DWORD text_slot = FLS_OUT_OF_INDEXES; /* set once, inside text_once */
static prshm__once text_once = PRSHM__ONCE_INIT;

static void WINAPI text_free(void *text) { free(text); }

static void text_slot_create(void) { text_slot = FlsAlloc(text_free); }

prshm__text *prshm__thread_text(void) {
  prshm__run_once(&text_once, text_slot_create);
  if (text_slot == FLS_OUT_OF_INDEXES) return NULL;
  return FlsGetValue(text_slot);
}

void prshm__thread_set_text(prshm__text *text) {
  prshm__text *old;

  prshm__run_once(&text_once, text_slot_create);
  if (text_slot == FLS_OUT_OF_INDEXES) {
    free(text);
    return;
  }
  old = FlsGetValue(text_slot);
  if (!FlsSetValue(text_slot, text)) {
    free(text);
    return;
  }
  free(old);
}

void prshm__os_at_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void)) {
  /* Windows has no fork(). */
  (void)prepare;
  (void)parent;
  (void)child;
}

void prshm__thread_unload(void) {
  /* Nothing else runs in this DLL any more; the slot is not used again. */
  if (text_slot != FLS_OUT_OF_INDEXES) (void)FlsFree(text_slot);
}
