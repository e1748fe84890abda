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
#include <winternl.h>

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

/* NtQueryObject's class ObjectTypeInformation, and the status it gives for
 * a value that is not an open handle of this process. */
#define PROC_OBJECT_TYPE_INFORMATION 2
#define PROC_STATUS_INVALID_HANDLE ((LONG)0xC0000008)

/* Free handle slots in a row after which the scan of this process's handles
 * stops (see t_open_descriptors). */
#define PROC_HANDLE_GAP 1024

typedef LONG(WINAPI *proc_query_object_fn)(HANDLE handle, ULONG what, PVOID buf, ULONG size,
                                           PULONG needed);

/* What NtQueryObject says of a handle's type: the type's name first, then
 * counters, then the name's characters, all in this one buffer. */
typedef union proc_type_info {
  UNICODE_STRING name; /* the type's name; its Buffer points further in */
  ULONGLONG space[64]; /* room for the rest, 8-byte aligned */
} proc_type_info;

/* Whether `handle` is open (1) or not (0) in this process, and whether its
 * type is named `type` (*same); -1 if the question fails otherwise. */
static int proc_handle_type(proc_query_object_fn query, HANDLE handle, const UNICODE_STRING *type,
                            int *same) {
  proc_type_info info;
  ULONG needed = 0;
  LONG status = query(handle, PROC_OBJECT_TYPE_INFORMATION, &info, (ULONG)sizeof info, &needed);

  if (status == PROC_STATUS_INVALID_HANDLE) return 0;
  if (status != 0) return -1;
  *same =
      info.name.Length == type->Length && memcmp(info.name.Buffer, type->Buffer, type->Length) == 0;
  return 1;
}

/*
 * Counts this process's section handles: the only kind prshm opens, so a
 * leak of prshm's shows here, while the handles that the runtime and wine
 * open and close for themselves (wine, for one, keeps a handle on the
 * object directory after the first named object) do not blur the count.
 * The type of a section is learnt from one made for the purpose.
 *
 * Only this process is asked: handle values (multiples of 4) are tried in
 * turn, each with NtQueryObject. Nothing tells where the table ends (and
 * wine's GetProcessHandleCount says 0), so the scan stops after
 * PROC_HANDLE_GAP free slots in a row. A new handle takes a free slot at or
 * below the table's high-water mark, so that many free slots below a live
 * handle need a process that once held over 1024 more handles than it
 * holds now; no test comes near (the most, 200 segments open at once, is
 * api.many_handles_open_and_close_leave_nothing).
 *
 * The system's table of every handle (NtQuerySystemInformation's
 * SystemExtendedHandleInformation) would be one call, but wine 8's server
 * crashes on it whenever another process has no handle yet (a process
 * starting, such as a test that ctest -j2 starts beside this one): its loop
 * over a table compares an unsigned index with the table's last index, -1
 * when empty, and runs off the end. Every process of that server is then
 * left without one, and one blocked in a wait hangs until ctest's timeout
 * (docs/windows.md).
 *
 * The handles prshm keeps so that segments live until deleted (one per
 * segment this process created, src/win/keep.c) stand for the segments
 * themselves, as the files in /dev/shm do on Unix, and are not counted; a
 * kept handle that prshm forgot without closing would still show.
 */
long t_open_descriptors(void) {
  proc_query_object_fn query = (proc_query_object_fn)(void (*)(void))GetProcAddress(
      GetModuleHandleW(L"ntdll.dll"), "NtQueryObject");
  HANDLE probe = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 1, NULL);
  WCHAR chars[64];
  UNICODE_STRING type = {0, 0, chars};
  proc_type_info info;
  ULONG needed = 0;
  ULONG_PTR value;
  int gap, open = 0, same = 0;
  long n = -1;

  if (query == NULL || probe == NULL) goto done;
  if (query(probe, PROC_OBJECT_TYPE_INFORMATION, &info, (ULONG)sizeof info, &needed) != 0 ||
      info.name.Length == 0 || info.name.Length > sizeof chars)
    goto done;
  memcpy(chars, info.name.Buffer, info.name.Length);
  type.Length = type.MaximumLength = info.name.Length;
  n = 0;
  for (value = 4, gap = 0; gap < PROC_HANDLE_GAP; value += 4) {
    open = proc_handle_type(query, (HANDLE)value, &type, &same);
    if (open < 0) break;
    gap = open ? 0 : gap + 1;
    if (open && same) n++;
  }
  /* Neither the probe nor the kept handles count. */
  n = open >= 0 ? n - 1 - (long)prshm__win_keep_count() : -1;

done:
  if (probe != NULL) CloseHandle(probe);
  if (n < 0) t_fail(__FILE__, __LINE__, "this process's handles cannot be counted");
  return n;
}

long t_pid(void) { return (long)GetCurrentProcessId(); }

/* A thread's function and argument, carried through Windows' signature. */
typedef struct proc_thread {
  t_thread_fn fn; /* what the thread runs */
  void *arg;      /* its argument */
  int result;     /* its result, read after the join */
} proc_thread;

static DWORD WINAPI proc_thread_main(LPVOID p) {
  proc_thread *t = p;
  t->result = t->fn(t->arg);
  return 0;
}

/* The thread's record, kept beside its handle until the join. */
static proc_thread *proc_threads[256];
static HANDLE proc_thread_handles[256];

t_thread t_thread_start(t_thread_fn fn, void *arg) {
  proc_thread *t = malloc(sizeof *t);
  t_thread out;
  HANDLE h;
  int i;

  if (t == NULL) t_fail(__FILE__, __LINE__, "out of memory");
  t->fn = fn;
  t->arg = arg;
  h = CreateThread(NULL, 0, proc_thread_main, t, 0, NULL);
  if (h == NULL) t_fail(__FILE__, __LINE__, "CreateThread failed");
  for (i = 0; i < 256 && proc_threads[i] != NULL; i++) {
  }
  if (i == 256) t_fail(__FILE__, __LINE__, "too many threads");
  proc_threads[i] = t;
  proc_thread_handles[i] = h;
  out.id = (intptr_t)h;
  return out;
}

int t_thread_join(t_thread t) {
  int i, result;

  for (i = 0; i < 256 && proc_thread_handles[i] != (HANDLE)t.id; i++) {
  }
  if (i == 256) t_fail(__FILE__, __LINE__, "no such thread");
  if (WaitForSingleObject((HANDLE)t.id, INFINITE) != WAIT_OBJECT_0)
    t_fail(__FILE__, __LINE__, "waiting for a thread failed");
  (void)CloseHandle((HANDLE)t.id);
  result = proc_threads[i]->result;
  free(proc_threads[i]);
  proc_threads[i] = NULL;
  proc_thread_handles[i] = NULL;
  return result;
}

int64_t t_now_ms(void) { return (int64_t)GetTickCount64(); }

void t_sleep_ms(long ms) { Sleep((DWORD)ms); }
