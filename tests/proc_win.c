/*
 * proc_win.c - spawning and waiting for child processes in tests (Windows).
 *
 * A child is this same binary started again with CreateProcessW() as
 * `--child NAME ARGS...`. Handle inheritance is on, as in many real
 * programs: the child gets the test's standard handles, and would get any
 * handle of prshm's that was wrongly inheritable (test_win_handles.c checks
 * that none is).
 */
#include <windows.h>

#include "runner.h"
#include "win.h"

/* The longest command line Windows accepts, in WCHARs. */
#define PROC_CMD_MAX 32768

/* Appends `arg` (UTF-8) to the command line cmd (length *len), quoted so
 * that the C runtime's argument parser gives it back unchanged. */
static void proc_append(WCHAR *cmd, size_t *len, const char *arg) {
  WCHAR wide[4096];
  size_t i, slashes = 0;

  if (MultiByteToWideChar(CP_UTF8, 0, arg, -1, wide, 4096) == 0)
    t_fail(__FILE__, __LINE__, "argument not UTF-8 or too long: %s", arg);
  if (*len + 2 * wcslen(wide) + 4 >= PROC_CMD_MAX) t_fail(__FILE__, __LINE__, "command too long");
  if (*len != 0) cmd[(*len)++] = L' ';
  cmd[(*len)++] = L'"';
  for (i = 0; wide[i] != 0; i++) {
    if (wide[i] == L'\\') {
      slashes++;
    } else {
      /* Backslashes before a quote are doubled, and the quote escaped. */
      if (wide[i] == L'"')
        for (slashes = slashes * 2 + 1; slashes > 0; slashes--) cmd[(*len)++] = L'\\';
      slashes = 0;
    }
    cmd[(*len)++] = wide[i];
  }
  /* Backslashes before the closing quote are doubled too. */
  for (; slashes > 0; slashes--) cmd[(*len)++] = L'\\';
  cmd[(*len)++] = L'"';
  cmd[*len] = 0;
}

t_proc t_spawn(const char *child, const char *const *args) {
  static WCHAR cmd[PROC_CMD_MAX];
  char self[MAX_PATH * 3];
  WCHAR wself[MAX_PATH];
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  t_proc p = {0, 0};
  size_t len = 0;

  fflush(NULL);
  if (GetModuleFileNameW(NULL, wself, MAX_PATH) == 0 ||
      WideCharToMultiByte(CP_UTF8, 0, wself, -1, self, (int)sizeof self, NULL, NULL) == 0)
    t_fail(__FILE__, __LINE__, "GetModuleFileNameW failed: %lu", GetLastError());
  proc_append(cmd, &len, self);
  proc_append(cmd, &len, "--child");
  proc_append(cmd, &len, child);
  while (args != NULL && *args != NULL) proc_append(cmd, &len, *args++);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessW(wself, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    t_fail(__FILE__, __LINE__, "CreateProcessW failed: %lu", GetLastError());
  p.id = (intptr_t)pi.hProcess;
  p.extra = (intptr_t)pi.hThread;
  return p;
}

int t_wait(t_proc p) {
  DWORD code = 0;

  if (WaitForSingleObject((HANDLE)p.id, INFINITE) != WAIT_OBJECT_0 ||
      !GetExitCodeProcess((HANDLE)p.id, &code))
    t_fail(__FILE__, __LINE__, "waiting for a child failed: %lu", GetLastError());
  CloseHandle((HANDLE)p.extra);
  CloseHandle((HANDLE)p.id);
  /* A crash gives an NTSTATUS such as 0xC0000005, negative as an int. */
  return (int)code;
}

void t_kill(t_proc p) { (void)TerminateProcess((HANDLE)p.id, 137); }

/* One entry of SystemExtendedHandleInformation (64). */
typedef struct proc_handle_entry {
  PVOID object;     /* the kernel object */
  ULONG_PTR pid;    /* the process holding the handle */
  ULONG_PTR value;  /* the handle's value in that process */
  ULONG access;     /* granted access */
  USHORT backtrace; /* creator back-trace index */
  USHORT type;      /* object type index */
  ULONG attributes; /* handle attributes */
  ULONG reserved;   /* padding */
} proc_handle_entry;

typedef struct proc_handle_info {
  ULONG_PTR count;              /* entries that follow */
  ULONG_PTR reserved;           /* padding */
  proc_handle_entry handles[1]; /* every handle of the system */
} proc_handle_info;

typedef LONG(WINAPI *proc_query_fn)(ULONG what, PVOID buf, ULONG size, PULONG needed);

/* The system's table of every handle (SystemExtendedHandleInformation), in
 * a heap block to free; NULL if it cannot be read. */
static proc_handle_info *proc_handle_table(void) {
  proc_query_fn query = (proc_query_fn)(void (*)(void))GetProcAddress(
      GetModuleHandleW(L"ntdll.dll"), "NtQuerySystemInformation");
  ULONG size = 1 << 16, needed = 0;
  proc_handle_info *info = NULL;
  LONG status;

  if (query == NULL) return NULL;
  for (;;) {
    free(info);
    info = malloc(size);
    if (info == NULL) return NULL;
    status = query(64, info, size, &needed);
    if (status != (LONG)0xC0000004) break; /* STATUS_INFO_LENGTH_MISMATCH */
    size = needed > size ? needed + 4096 : size * 2;
  }
  if (status == 0) return info;
  free(info);
  return NULL;
}

/*
 * Counts this process's section handles: the only kind prshm opens, so a
 * leak of prshm's shows here, while the handles that the runtime and wine
 * open and close for themselves (wine, for one, keeps a handle on the
 * object directory after the first named object) do not blur the count.
 * The type of a section is learnt from one made for the purpose.
 *
 * The handles prshm keeps so that segments live until deleted (one per
 * segment this process created, src/win/keep.c) stand for the segments
 * themselves, as the files in /dev/shm do on Unix, and are not counted; a
 * kept handle that prshm forgot without closing would still show.
 */
long t_open_descriptors(void) {
  HANDLE probe = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 1, NULL);
  proc_handle_info *info = probe != NULL ? proc_handle_table() : NULL;
  const ULONG_PTR self = (ULONG_PTR)GetCurrentProcessId();
  USHORT type = 0;
  ULONG_PTR i;
  long n = -1;

  if (info != NULL) {
    for (i = 0; i < info->count; i++)
      if (info->handles[i].pid == self && info->handles[i].value == (ULONG_PTR)probe)
        type = info->handles[i].type;
    for (i = 0, n = 0; type != 0 && i < info->count; i++)
      if (info->handles[i].pid == self && info->handles[i].type == type) n++;
    n = type != 0 ? n - 1 - (long)prshm__win_keep_count() : -1;
    free(info);
  }
  if (probe != NULL) CloseHandle(probe);
  if (n < 0) t_fail(__FILE__, __LINE__, "this process's handles cannot be counted");
  return n;
}

long t_pid(void) { return (long)GetCurrentProcessId(); }
