/*
 * sys.c (Windows) - the default system-call table: the real calls.
 *
 * Each entry is a small function of this file rather than the Win32 function
 * itself: the address of a function imported from a DLL is not a constant
 * that every C compiler accepts in a static initialiser, and the wrappers
 * give every entry one plain calling convention.
 */
#include <string.h>

#include "sys.h"

static HANDLE sys_create_mapping(HANDLE file, SECURITY_ATTRIBUTES *sa, DWORD protect,
                                 DWORD size_high, DWORD size_low, const WCHAR *name) {
  return CreateFileMappingW(file, sa, protect, size_high, size_low, name);
}

static HANDLE sys_open_mapping(DWORD access, BOOL inherit, const WCHAR *name) {
  return OpenFileMappingW(access, inherit, name);
}

static void *sys_map_view(HANDLE section, DWORD access, DWORD offset_high, DWORD offset_low,
                          SIZE_T bytes) {
  return MapViewOfFile(section, access, offset_high, offset_low, bytes);
}

static BOOL sys_unmap_view(const void *addr) { return UnmapViewOfFile(addr); }

static BOOL sys_close_handle(HANDLE handle) { return CloseHandle(handle); }

static BOOL sys_duplicate_handle(HANDLE handle, HANDLE *copy, DWORD access) {
  HANDLE self = GetCurrentProcess();
  return DuplicateHandle(self, handle, self, copy, access, FALSE, 0);
}

static BOOL sys_get_token_information(HANDLE token, TOKEN_INFORMATION_CLASS what, void *buf,
                                      DWORD size, DWORD *needed) {
  return GetTokenInformation(token, what, buf, size, needed);
}

static BOOL sys_get_object_security(HANDLE handle, SECURITY_INFORMATION what,
                                    PSECURITY_DESCRIPTOR sd, DWORD size, DWORD *needed) {
  return GetKernelObjectSecurity(handle, what, sd, size, needed);
}

static BOOL sys_set_object_security(HANDLE handle, SECURITY_INFORMATION what,
                                    PSECURITY_DESCRIPTOR sd) {
  return SetKernelObjectSecurity(handle, what, sd);
}

static DWORD sys_get_current_directory(DWORD size, WCHAR *buf) {
  return GetCurrentDirectoryW(size, buf);
}

static SIZE_T sys_virtual_query(const void *addr, MEMORY_BASIC_INFORMATION *info, SIZE_T size) {
  return VirtualQuery(addr, info, size);
}

static HANDLE sys_create_event(SECURITY_ATTRIBUTES *sa, const WCHAR *name, DWORD flags,
                               DWORD access) {
  return CreateEventExW(sa, name, flags, access);
}

static HANDLE sys_open_event(DWORD access, BOOL inherit, const WCHAR *name) {
  return OpenEventW(access, inherit, name);
}

static HANDLE sys_create_mutex(SECURITY_ATTRIBUTES *sa, const WCHAR *name, DWORD flags,
                               DWORD access) {
  return CreateMutexExW(sa, name, flags, access);
}

static DWORD sys_wait_object(HANDLE handle, DWORD milliseconds) {
  return WaitForSingleObject(handle, milliseconds);
}

static PTP_WAIT sys_create_tp_wait(PTP_WAIT_CALLBACK callback, void *context) {
  return CreateThreadpoolWait(callback, context, NULL);
}

static DWORD sys_tls_alloc(void) { return TlsAlloc(); }

/* The largest count of a semaphore: PRSHM_SEM_VALUE_MAX. */
static HANDLE sys_create_semaphore(SECURITY_ATTRIBUTES *sa, LONG initial, const WCHAR *name) {
  return CreateSemaphoreW(sa, initial, 0x7fffffff, name);
}

static HANDLE sys_open_semaphore(DWORD access, BOOL inherit, const WCHAR *name) {
  return OpenSemaphoreW(access, inherit, name);
}

static BOOL sys_release_semaphore(HANDLE sem, LONG count, LONG *previous) {
  return ReleaseSemaphore(sem, count, previous);
}

static HANDLE sys_open_mutex(DWORD access, BOOL inherit, const WCHAR *name) {
  return OpenMutexW(access, inherit, name);
}

static BOOL sys_release_mutex(HANDLE mutex) { return ReleaseMutex(mutex); }

/* ntdll's query calls take a class, a buffer and its exact size; class 0
 * is the basic information: two LONGs for a semaphore (count, maximum), a
 * LONG and two BOOLEANs for a mutex (count, owned by the caller,
 * abandoned), 8 bytes either way. */
typedef LONG(NTAPI *sys_nt_query)(HANDLE, int, void *, ULONG, ULONG *);

static BOOL sys_nt(const char *fn, HANDLE h, LONG *count) {
  LONG info[2] = {0, 0};
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  sys_nt_query query = NULL;
  LONG status;

  if (ntdll != NULL) {
    FARPROC p = GetProcAddress(ntdll, fn);
    /* FARPROC is a function pointer of another type; the conversion goes
     * through memcpy so that no compiler warns about the cast. */
    if (p != NULL) memcpy(&query, &p, sizeof query);
  }
  if (query == NULL) {
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
  }
  status = query(h, 0, info, (ULONG)sizeof info, NULL);
  if (status < 0) {
    /* STATUS_ACCESS_DENIED and the like: the common Win32 value. */
    SetLastError(status == (LONG)0xC0000022 ? ERROR_ACCESS_DENIED : ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  *count = info[0];
  return TRUE;
}

static BOOL sys_query_semaphore(HANDLE sem, LONG *count) {
  return sys_nt("NtQuerySemaphore", sem, count);
}

static BOOL sys_query_mutex(HANDLE mutex, LONG *count) {
  return sys_nt("NtQueryMutant", mutex, count);
}

#define SYS_DEFAULTS                                                                             \
  {                                                                                              \
    sys_create_mapping, sys_open_mapping, sys_map_view, sys_unmap_view, sys_close_handle,        \
        sys_duplicate_handle, sys_get_token_information, sys_get_object_security,                \
        sys_set_object_security, sys_get_current_directory, sys_virtual_query, sys_create_event, \
        sys_open_event, sys_create_mutex, sys_wait_object, sys_create_tp_wait, sys_tls_alloc,    \
        sys_create_semaphore, sys_open_semaphore, sys_release_semaphore, sys_open_mutex,         \
        sys_release_mutex, sys_query_semaphore, sys_query_mutex,                                 \
  }

static const prshm__syscalls sys_defaults = SYS_DEFAULTS;

prshm__syscalls prshm__sys = SYS_DEFAULTS;

void prshm__sys_reset(void) { prshm__sys = sys_defaults; }
