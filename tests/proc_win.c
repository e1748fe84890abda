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

#include "proc_win.h"
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

/* NtQueryObject's classes ObjectNameInformation and ObjectTypeInformation,
 * and the status it gives for a value that is not an open handle of this
 * process. */
#define PROC_OBJECT_NAME_INFORMATION 1
#define PROC_OBJECT_TYPE_INFORMATION 2
#define PROC_STATUS_INVALID_HANDLE ((LONG)0xC0000008)

/* Free handle slots in a row after which the scan of this process's handles
 * stops (see proc_scan). */
#define PROC_HANDLE_GAP 1024

typedef LONG(WINAPI *proc_query_object_fn)(HANDLE handle, ULONG what, PVOID buf, ULONG size,
                                           PULONG needed);

/* What NtQueryObject says of a handle's type or name: a UNICODE_STRING
 * first, its characters later in this one buffer. */
typedef union proc_object_info {
  UNICODE_STRING name;  /* the type's or the object's name; Buffer points further in */
  ULONGLONG space[256]; /* room for the rest, 8-byte aligned */
} proc_object_info;

/* One open handle, as proc_scan() shows it to its callback. */
typedef struct proc_handle {
  HANDLE value;               /* the handle */
  const UNICODE_STRING *type; /* its object's type name */
  proc_query_object_fn query; /* NtQueryObject, to ask more */
} proc_handle;

static int proc_same(const UNICODE_STRING *a, const WCHAR *b) {
  size_t n = wcslen(b);
  return a->Length == n * sizeof(WCHAR) && memcmp(a->Buffer, b, a->Length) == 0;
}

/*
 * Calls fn(handle, ctx) for each handle open in this process; -1 if the
 * handles cannot be listed, else 0.
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
 */
static int proc_scan(void (*fn)(const proc_handle *h, void *ctx), void *ctx) {
  proc_query_object_fn query = (proc_query_object_fn)(void (*)(void))GetProcAddress(
      GetModuleHandleW(L"ntdll.dll"), "NtQueryObject");
  proc_object_info info;
  proc_handle h;
  ULONG_PTR value;
  int gap;

  if (query == NULL) return -1;
  h.query = query;
  h.type = &info.name;
  for (value = 4, gap = 0; gap < PROC_HANDLE_GAP; value += 4) {
    ULONG needed = 0;
    LONG status =
        query((HANDLE)value, PROC_OBJECT_TYPE_INFORMATION, &info, (ULONG)sizeof info, &needed);
    if (status == PROC_STATUS_INVALID_HANDLE) {
      gap++;
      continue;
    }
    if (status != 0) return -1;
    gap = 0;
    h.value = (HANDLE)value;
    fn(&h, ctx);
  }
  return 0;
}

static void proc_count_section(const proc_handle *h, void *ctx) {
  if (proc_same(h->type, L"Section")) ++*(long *)ctx;
}

/*
 * Counts this process's section handles: the only kind a segment's
 * handles are, so a leak of prshm's shows here, while the handles that the
 * runtime and wine open and close for themselves (wine, for one, keeps a
 * handle on the object directory after the first named object) do not
 * blur the count. t_win_named_handles() sees prshm's events and mutexes.
 *
 * The handles prshm keeps so that segments live until deleted (one per
 * segment this process created, src/win/keep.c) stand for the segments
 * themselves, as the files in /dev/shm do on Unix, and are not counted; a
 * kept handle that prshm forgot without closing would still show.
 */
long t_open_descriptors(void) {
  long n = 0;

  if (proc_scan(proc_count_section, &n) != 0)
    t_fail(__FILE__, __LINE__, "this process's handles cannot be counted");
  return n - (long)prshm__win_keep_count();
}

/* What t_win_named_handles() looks for and has found. */
typedef struct proc_named {
  WCHAR infix[128]; /* the part of a name to look for */
  long found;       /* handles whose object's name has it */
} proc_named;

static void proc_count_named(const proc_handle *h, void *ctx) {
  proc_named *want = ctx;
  proc_object_info name;
  ULONG needed = 0;
  size_t i, n = wcslen(want->infix), len;

  /* Only objects prshm names: asking a pipe or a file for its name can
   * block. */
  if (!proc_same(h->type, L"Section") && !proc_same(h->type, L"Event") &&
      !proc_same(h->type, L"Mutant"))
    return;
  if (h->query(h->value, PROC_OBJECT_NAME_INFORMATION, &name, (ULONG)sizeof name, &needed) != 0)
    return;
  len = name.name.Length / sizeof(WCHAR);
  for (i = 0; i + n <= len; i++) {
    if (memcmp(name.name.Buffer + i, want->infix, n * sizeof(WCHAR)) == 0) {
      want->found++;
      return;
    }
  }
}

long t_win_named_handles(const char *infix) {
  proc_named want;

  if (MultiByteToWideChar(CP_UTF8, 0, infix, -1, want.infix, 128) == 0)
    t_fail(__FILE__, __LINE__, "infix too long: %s", infix);
  want.found = 0;
  if (proc_scan(proc_count_named, &want) != 0)
    t_fail(__FILE__, __LINE__, "this process's handles cannot be listed");
  return want.found;
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
