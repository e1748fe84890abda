/*
 * thread.c (Windows) - frees a thread's error text when the thread exits.
 *
 * The error state itself is C11 thread-local storage (src/error.c); only
 * the heap copy of PR_SetErrorText() needs a destructor, which Windows
 * gives through fiber-local storage: a slot's callback runs when a thread
 * that holds a value in it exits. The slot is allocated once, race-free, on
 * the first text ever set.
 */
#include <stdlib.h>

#include "win.h"

static DWORD text_slot = FLS_OUT_OF_INDEXES; /* set once, inside text_once */
static prshm__once text_once = PRSHM__ONCE_INIT;

static void WINAPI text_free(void *text) { free(text); }

static void text_slot_create(void) { text_slot = FlsAlloc(text_free); }

void prshm__thread_text_owner(void *text) {
  prshm__run_once(&text_once, text_slot_create);
  if (text_slot != FLS_OUT_OF_INDEXES) (void)FlsSetValue(text_slot, text);
}

void prshm__thread_unload(void) {
  /* Nothing else runs in this DLL any more; the slot is not used again. */
  if (text_slot != FLS_OUT_OF_INDEXES) (void)FlsFree(text_slot);
}
