/*
 * dllmain.c (Windows, DLL only) - prshm.dll's entry point, which has
 * nothing to do.
 *
 * What the DLL must do when a thread exits (free its error text) and when
 * it is unloaded (free every thread's text; stop the thread-pool waits of
 * the segments it keeps, whose callbacks would otherwise run into unloaded
 * code) is done by the TLS callback of thread.c. The loader calls a
 * module's TLS callbacks exactly when it calls a DLL's entry point, and it
 * calls them in a program too, so the same code serves the DLL and the
 * static library, which has no entry point of its own; doing it here as
 * well would do it twice.
 */
#include "win.h"

BOOL WINAPI DllMain(HINSTANCE dll, DWORD reason, LPVOID reserved);

BOOL WINAPI DllMain(HINSTANCE dll, DWORD reason, LPVOID reserved) {
  (void)dll;
  (void)reason;
  (void)reserved;
  return TRUE;
}
