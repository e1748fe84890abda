/*
 * thread.c (Windows) - the per-thread error text, and what prshm does when
 * a thread exits and when the module that holds it is unloaded.
 *
 * The text is per thread, as the error code (C11 thread-local storage,
 * src/error.c) and GetLastError() are: the fibers of one thread share it,
 * and deleting a fiber frees nothing. A TLS slot (TlsAlloc) holds, for each
 * thread that ever set a text, a small record of its own, which is the only
 * place the text's pointer is kept. The records are also linked in one list,
 * so that an unload can free every thread's text.
 *
 * Thread exit and unload are seen through a TLS callback: the loader calls a
 * module's TLS callbacks, as it calls a DLL's entry point, for each thread
 * that exits and when the module is unloaded, and it does so for an
 * executable as for a DLL. So one mechanism serves prshm.dll and a program
 * or a DLL that links the static library (whose own entry point prshm does
 * not own). The callback lives in this file because every program that uses
 * prshm links it (src/error.c calls it), so the linker always keeps it.
 *
 * Also here: the clock, yielding, thread ids, and the thread-exit hook of
 * read-section records (sync.h), kept in a fiber-local slot whose callback
 * runs when the record's fiber or thread ends. Windows' process-wide
 * barrier (FlushProcessWriteBuffers) is not relied on, since wine's may do
 * nothing: read sections fence themselves here.
 *
 * Sections: the text, thread exit and unload, services of read sections
 * and waits, the TLS callback.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "sync.h"
#include "win.h"

/* One thread's text. Created by the thread's first text; freed at its exit
 * or at unload. */
typedef struct thread_rec {
  struct thread_rec *prev; /* in thread_list; guarded by thread_lock */
  struct thread_rec *next; /* in thread_list; guarded by thread_lock */
  prshm__text *text;       /* the text, or NULL; only its own thread changes it */
} thread_rec;

static DWORD thread_slot;                          /* TlsAlloc's index, once thread_ready */
static atomic_int thread_ready;                    /* 1 once thread_slot exists */
static prshm__once thread_once = PRSHM__ONCE_INIT; /* creates the slot */
static prshm__mutex thread_lock = PRSHM__MUTEX_INIT;
static thread_rec *thread_list; /* every record; guarded by thread_lock */

/* ---- The text ---- */

static void thread_slot_create(void) {
  DWORD slot = prshm__sys.tls_alloc();

  if (slot == TLS_OUT_OF_INDEXES) return;
  thread_slot = slot;
  atomic_store_explicit(&thread_ready, 1, memory_order_release);
}

/* The calling thread's record, or NULL. TlsGetValue() sets the thread's
 * last error to 0, which would hide the OS error of the call that failed
 * from a caller who reads GetLastError(): it is put back. */
static thread_rec *thread_rec_get(void) {
  DWORD err;
  thread_rec *r;

  if (!atomic_load_explicit(&thread_ready, memory_order_acquire)) return NULL;
  err = GetLastError();
  r = TlsGetValue(thread_slot);
  SetLastError(err);
  return r;
}

prshm__text *prshm__thread_text(void) {
  thread_rec *r = thread_rec_get();
  return r != NULL ? r->text : NULL;
}

/* Makes the calling thread's record; NULL if there is no slot or no memory. */
static thread_rec *thread_rec_make(void) {
  thread_rec *r;

  prshm__run_once(&thread_once, thread_slot_create);
  if (!atomic_load_explicit(&thread_ready, memory_order_acquire)) return NULL;
  r = calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  prshm__mutex_lock(&thread_lock);
  r->next = thread_list;
  if (thread_list != NULL) thread_list->prev = r;
  thread_list = r;
  prshm__mutex_unlock(&thread_lock);
  /* A valid index: TlsSetValue() cannot fail. */
  (void)TlsSetValue(thread_slot, r);
  return r;
}

void prshm__thread_set_text(prshm__text *text) {
  thread_rec *r = thread_rec_get();
  prshm__text *old;

  if (r == NULL && text == NULL) return;
  if (r == NULL && (r = thread_rec_make()) == NULL) {
    /* Without a slot or a record a text cannot be kept for this thread: it
     * reads as none, as after PR_SetErrorText(0, NULL). */
    free(text);
    return;
  }
  old = r->text;
  r->text = text;
  free(old);
}

/* ---- Thread exit and unload ---- */

/* Frees the exiting thread's text and record. A call into prshm made later
 * in the same exit (another library's callback) finds no text, never a
 * freed one. */
static void thread_exit(void) {
  thread_rec *r = thread_rec_get();

  if (r == NULL) return;
  (void)TlsSetValue(thread_slot, NULL);
  prshm__mutex_lock(&thread_lock);
  if (r->prev != NULL)
    r->prev->next = r->next;
  else
    thread_list = r->next;
  if (r->next != NULL) r->next->prev = r->prev;
  prshm__mutex_unlock(&thread_lock);
  free(r->text);
  free(r);
}

/* Frees every thread's text and the slot: the module is being unloaded, so
 * no thread runs prshm's code any more, and none will find its record. */
static void thread_unload(void) {
  thread_rec *r, *next;

  if (!atomic_load_explicit(&thread_ready, memory_order_acquire)) return;
  prshm__mutex_lock(&thread_lock);
  r = thread_list;
  thread_list = NULL;
  prshm__mutex_unlock(&thread_lock);
  for (; r != NULL; r = next) {
    next = r->next;
    free(r->text);
    free(r);
  }
  atomic_store(&thread_ready, 0);
  (void)TlsFree(thread_slot);
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

/* The module is being unloaded: its slot of read-section records is not
 * used again. */
static void reader_unload(void) {
  if (reader_slot != FLS_OUT_OF_INDEXES) (void)FlsFree(reader_slot);
}

/* ---- The TLS callback ---- */

/* Called by the loader, as a DLL's entry point is: for each thread that
 * exits, and when the module is loaded and unloaded. */
static void NTAPI thread_tls_callback(PVOID module, DWORD reason, PVOID reserved) {
  (void)module;
  if (reason == DLL_THREAD_DETACH) thread_exit();
  /* reserved is NULL when the module is unloaded (FreeLibrary), and not at
   * process exit, when Windows takes everything back itself. At unload,
   * nothing may be left that calls into the module's code later: the kept
   * segments' thread-pool waits are cancelled (keep.c), and every text is
   * freed. */
  if (reason == DLL_PROCESS_DETACH && reserved == NULL) {
    prshm__win_keep_unload();
    thread_unload();
    reader_unload();
  }
}

/* The loader finds TLS callbacks in a table the C runtime lays out from the
 * sections .CRT$XLA to .CRT$XLZ, in the order of their names; Y puts this
 * one after the runtime's own. */
#ifdef _MSC_VER
#ifdef _M_IX86
#pragma comment(linker, "/INCLUDE:__tls_used")
#pragma comment(linker, "/INCLUDE:_prshm__win_tls_callback_entry")
#else
#pragma comment(linker, "/INCLUDE:_tls_used")
#pragma comment(linker, "/INCLUDE:prshm__win_tls_callback_entry")
#endif
#pragma const_seg(".CRT$XLY")
extern const PIMAGE_TLS_CALLBACK prshm__win_tls_callback_entry;
const PIMAGE_TLS_CALLBACK prshm__win_tls_callback_entry = thread_tls_callback;
#pragma const_seg()
#else
__attribute__((section(".CRT$XLY"),
               used)) static const PIMAGE_TLS_CALLBACK thread_tls_callback_entry =
    thread_tls_callback;
#endif
