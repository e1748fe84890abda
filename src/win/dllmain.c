/*
 * dllmain.c (Windows, DLL only) - what prshm.dll does when it is unloaded.
 *
 * The error text of a thread is freed by a fiber-local storage callback in
 * this DLL (thread.c). After FreeLibrary() that code is gone, and a thread
 * that still held a text would call into nothing when it exits. Freeing the
 * slot at unload runs the callback for every thread's text now, while the
 * code is there. In the same way, the thread-pool waits that watch the
 * segments this DLL keeps (keep.c) would call into nothing: they are
 * stopped, and the segments let go, as an exit would. The static library
 * has no DllMain: an executable's code outlives its threads.
 */
#include "win.h"

BOOL WINAPI DllMain(HINSTANCE dll, DWORD reason, LPVOID reserved);

BOOL WINAPI DllMain(HINSTANCE dll, DWORD reason, LPVOID reserved) {
  (void)dll;
  /* reserved is NULL for FreeLibrary(); at process exit nothing is owed. */
  if (reason == DLL_PROCESS_DETACH && reserved == NULL) {
    prshm__win_keep_unload();
    prshm__thread_unload();
  }
  return TRUE;
}
