/*
 * sys.h (Windows) - the table through which libprshm makes every Win32 call
 * that can fail.
 *
 * The library calls these only through prshm__sys, never directly, so a
 * test can replace any entry with one that fails (SetLastError() and the
 * call's failure value) and watch the error path run. The defaults are the
 * real calls. Replacing entries while other threads are inside prshm is the
 * test's business. Calls that cannot fail on valid arguments (building a
 * security descriptor in memory, GetLastError) are made directly.
 */
#ifndef PRSHM_WIN_SYS_H
#define PRSHM_WIN_SYS_H

#include "os.h"

typedef struct prshm__syscalls {
  /* CreateFileMappingW() and OpenFileMappingW(). */
  HANDLE (*create_mapping)(HANDLE file, SECURITY_ATTRIBUTES *sa, DWORD protect,
                           DWORD size_high, DWORD size_low, const WCHAR *name);
  HANDLE (*open_mapping)(DWORD access, BOOL inherit, const WCHAR *name);
  /* MapViewOfFile() and UnmapViewOfFile(). */
  void *(*map_view)(HANDLE section, DWORD access, DWORD offset_high, DWORD offset_low,
                    SIZE_T bytes);
  BOOL (*unmap_view)(const void *addr);
  BOOL (*close_handle)(HANDLE handle);
  /* DuplicateHandle() within this process, with the access given. */
  BOOL (*duplicate_handle)(HANDLE handle, HANDLE *copy, DWORD access);
  BOOL (*get_token_information)(HANDLE token, TOKEN_INFORMATION_CLASS what, void *buf,
                                DWORD size, DWORD *needed);
  /* GetKernelObjectSecurity() and SetKernelObjectSecurity(). */
  BOOL (*get_object_security)(HANDLE handle, SECURITY_INFORMATION what,
                              PSECURITY_DESCRIPTOR sd, DWORD size, DWORD *needed);
  BOOL (*set_object_security)(HANDLE handle, SECURITY_INFORMATION what,
                              PSECURITY_DESCRIPTOR sd);
  /* GetCurrentDirectoryW(). */
  DWORD (*get_current_directory)(DWORD size, WCHAR *buf);
  SIZE_T (*virtual_query)(const void *addr, MEMORY_BASIC_INFORMATION *info, SIZE_T size);
  /* CreateEventExW(), OpenEventW() and CreateMutexExW(). */
  HANDLE (*create_event)(SECURITY_ATTRIBUTES *sa, const WCHAR *name, DWORD flags, DWORD access);
  HANDLE (*open_event)(DWORD access, BOOL inherit, const WCHAR *name);
  HANDLE (*create_mutex)(SECURITY_ATTRIBUTES *sa, const WCHAR *name, DWORD flags, DWORD access);
  /* WaitForSingleObject(). */
  DWORD (*wait_object)(HANDLE handle, DWORD milliseconds);
  /* CreateThreadpoolWait() in the process's default pool. */
  PTP_WAIT (*create_tp_wait)(PTP_WAIT_CALLBACK callback, void *context);
  /* TlsAlloc(). */
  DWORD (*tls_alloc)(void);

  /* Semaphores and locks (CreateMutexExW() above serves both). */
  /* CreateSemaphoreW() with the largest count prshm allows, and
   * OpenSemaphoreW(). */
  HANDLE (*create_semaphore)(SECURITY_ATTRIBUTES *sa, LONG initial, const WCHAR *name);
  HANDLE (*open_semaphore)(DWORD access, BOOL inherit, const WCHAR *name);
  BOOL (*release_semaphore)(HANDLE sem, LONG count, LONG *previous);
  /* OpenMutexW() and ReleaseMutex(). */
  HANDLE (*open_mutex)(DWORD access, BOOL inherit, const WCHAR *name);
  BOOL (*release_mutex)(HANDLE mutex);
  /* NtQuerySemaphore() and NtQueryMutant() from ntdll: the semaphore's
   * count; the mutex's count (1 free, 0 held, below 0 held recursively).
   * FALSE with the error set (ERROR_CALL_NOT_IMPLEMENTED where ntdll lacks
   * them). */
  BOOL (*query_semaphore)(HANDLE sem, LONG *count);
  BOOL (*query_mutex)(HANDLE mutex, LONG *count);
} prshm__syscalls;

/* The live table. Tests may assign entries; prshm__sys_reset() restores. */
extern prshm__syscalls prshm__sys;

/* Puts every entry back to the real call. */
void prshm__sys_reset(void);

#endif /* PRSHM_WIN_SYS_H */
