/*
 * thread.c (Windows) - the per-thread error text.
 *
 * The error code and OS error are C11 thread-local storage (src/error.c);
 * the heap copy of PR_SetErrorText() is kept in a fiber-local storage slot,
 * whose callback frees it when its fiber (or thread) ends. The slot's value
 * is the only pointer to the text, so nothing can read it after it is
 * freed. The slot is allocated once, race-free, on the first text ever set.
 *
 * Also here: the clock, yielding, thread ids, and the thread-exit hook of
 * read-section records (sync.h). Windows' process-wide barrier
 * (FlushProcessWriteBuffers) is not relied on, since wine's may do
 * nothing: read sections fence themselves here.
 */
#include <stdlib.h>

#include "sync.h"
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

/* ---- Services of read sections and waits (sync.h) ---- */

static DWORD reader_slot = FLS_OUT_OF_INDEXES; /* set once, inside reader_once */
static prshm__once reader_once = PRSHM__ONCE_INIT;

static void WINAPI reader_exit(void *r) { prshm__read_thread_exit(r); }

static void reader_slot_create(void) { reader_slot = FlsAlloc(reader_exit); }

PRStatus prshm__os_on_thread_exit(prshm__reader *r) {
  prshm__run_once(&reader_once, reader_slot_create);
  if (reader_slot == FLS_OUT_OF_INDEXES || !FlsSetValue(reader_slot, r)) return PR_FAILURE;
  return PR_SUCCESS;
}

PRUint64 prshm__os_now_ns(void) {
  static LARGE_INTEGER freq; /* counts per second; set once, racing harmlessly */
  LARGE_INTEGER now;

  if (freq.QuadPart == 0) (void)QueryPerformanceFrequency(&freq);
  (void)QueryPerformanceCounter(&now);
  return (PRUint64)(now.QuadPart / freq.QuadPart) * 1000000000u +
         (PRUint64)(now.QuadPart % freq.QuadPart) * 1000000000u / (PRUint64)freq.QuadPart;
}

void prshm__os_yield(void) { (void)SwitchToThread(); }

uintptr_t prshm__os_thread_id(void) { return (uintptr_t)GetCurrentThreadId(); }

PRBool prshm__os_thread_alive(uintptr_t id) {
  (void)id;
  return PR_TRUE; /* closing a mutex handle is safe whoever holds it */
}

PRBool prshm__os_barrier_init(void) { return PR_FALSE; }

void prshm__os_barrier(void) { PRSHM__FENCE(); }

void prshm__thread_unload(void) {
  /* Nothing else runs in this DLL any more; the slots are not used again. */
  if (text_slot != FLS_OUT_OF_INDEXES) (void)FlsFree(text_slot);
  if (reader_slot != FLS_OUT_OF_INDEXES) (void)FlsFree(reader_slot);
}
