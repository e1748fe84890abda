/*
 * test_win_dll.c - prshm as a DLL: it exports exactly the public API (PR_*
 * and prshm_*, never an internal prshm__ name), works when loaded at run
 * time, beside a static copy in the same process, frees a thread's error
 * text when the thread exits, and can be unloaded while threads hold error
 * texts (freed at once) and while it keeps segments alive (let go, their
 * waits stopped, so nothing calls into the unloaded code): src/win/thread.c's
 * TLS callback.
 *
 * The DLL is found on the search path (WINEPATH under the test suite's
 * wine); where it is not, these tests skip.
 */
#include <windows.h>

#include "runner.h"
#include "win.h"

static HMODULE dll_load(void) {
  HMODULE dll = LoadLibraryW(L"libprshm.dll");
  if (dll == NULL) SKIP("libprshm.dll is not on the search path");
  return dll;
}

/* The names the DLL exports, by walking its export directory. */
static void dll_check_exports(HMODULE dll, int *public_count) {
  const BYTE *base = (const BYTE *)dll;
  const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
  const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(base + dos->e_lfanew);
  const IMAGE_DATA_DIRECTORY *dir = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
  const IMAGE_EXPORT_DIRECTORY *exp;
  const DWORD *names;
  DWORD i;

  CHECK_EQ(dos->e_magic, IMAGE_DOS_SIGNATURE);
  CHECK(dir->VirtualAddress != 0);
  exp = (const IMAGE_EXPORT_DIRECTORY *)(base + dir->VirtualAddress);
  names = (const DWORD *)(base + exp->AddressOfNames);
  *public_count = 0;
  for (i = 0; i < exp->NumberOfNames; i++) {
    const char *name = (const char *)(base + names[i]);
    int ok = strncmp(name, "PR_", 3) == 0 ||
             (strncmp(name, "prshm_", 6) == 0 && strncmp(name, "prshm__", 7) != 0);
    if (!ok) t_fail(__FILE__, __LINE__, "the DLL exports %s", name);
    (*public_count)++;
  }
}

TEST(exports_only_the_public_api) {
  static const char *const api[] = {
      "PR_OpenSharedMemory",   "PR_AttachSharedMemory", "PR_DetachSharedMemory",
      "PR_CloseSharedMemory",  "PR_DeleteSharedMemory", "PR_SetError",
      "PR_GetError",           "PR_GetOSError",         "PR_SetErrorText",
      "PR_GetErrorTextLength", "PR_GetErrorText",       "PR_ErrorToName",
      "PR_ErrorToString",      "prshm_version",         "prshm_backend_name",
      "prshm_get_size",        "prshm_native_name",
  };
  HMODULE dll = dll_load();
  int count = 0;
  size_t i;

  dll_check_exports(dll, &count);
  for (i = 0; i < sizeof api / sizeof api[0]; i++)
    if (GetProcAddress(dll, api[i]) == NULL) t_fail(__FILE__, __LINE__, "%s not exported", api[i]);
  CHECK_INT(count, >=, (int)(sizeof api / sizeof api[0]));
  CHECK(GetProcAddress(dll, "prshm__sys") == NULL);
  CHECK(GetProcAddress(dll, "prshm__backend_impl") == NULL);
  CHECK(FreeLibrary(dll));
}

typedef PRSharedMemory *(*dll_open_fn)(const char *, PRSize, PRIntn, PRIntn);
typedef void *(*dll_attach_fn)(PRSharedMemory *, PRIntn);
typedef PRStatus (*dll_detach_fn)(PRSharedMemory *, void *);
typedef PRStatus (*dll_close_fn)(PRSharedMemory *);
typedef PRStatus (*dll_delete_fn)(const char *);
typedef const char *(*dll_name_fn)(void);

#define DLL_FN(dll, type, name) ((type)(void (*)(void))GetProcAddress(dll, name))

TEST(works_when_loaded_at_run_time) {
  const char *name = t_name("dll");
  HMODULE dll = dll_load();
  dll_open_fn open = DLL_FN(dll, dll_open_fn, "PR_OpenSharedMemory");
  dll_attach_fn attach = DLL_FN(dll, dll_attach_fn, "PR_AttachSharedMemory");
  dll_detach_fn detach = DLL_FN(dll, dll_detach_fn, "PR_DetachSharedMemory");
  dll_close_fn close = DLL_FN(dll, dll_close_fn, "PR_CloseSharedMemory");
  dll_delete_fn del = DLL_FN(dll, dll_delete_fn, "PR_DeleteSharedMemory");
  dll_name_fn backend = DLL_FN(dll, dll_name_fn, "prshm_backend_name");
  PRSharedMemory *shm, *mine;
  char *p, *q;

  CHECK(open && attach && detach && close && del && backend);
  CHECK_STR(backend(), "win32");
  /* The DLL's segment and this program's static copy meet by name. */
  shm = open(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK(shm != NULL);
  p = attach(shm, 0);
  CHECK(p != NULL);
  strcpy(p, "from the dll");
  mine = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(mine);
  q = PR_AttachSharedMemory(mine, PR_SHM_READONLY);
  CHECK_NOT_NULL(q);
  CHECK_STR(q, "from the dll");
  CHECK_OK(PR_DetachSharedMemory(mine, q));
  CHECK_OK(PR_CloseSharedMemory(mine));
  /* Handles are the library's own: this copy does not know the DLL's. */
  CHECK(PR_CloseSharedMemory(shm) == PR_FAILURE);
  CHECK_EQ(detach(shm, p), PR_SUCCESS);
  CHECK_EQ(close(shm), PR_SUCCESS);
  CHECK_EQ(del(name), PR_SUCCESS);
  /* A segment the DLL keeps, deleted through this program's copy: the DLL
   * lets go before the delete returns, so the name is free at once. */
  shm = open(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK(shm != NULL);
  CHECK_EQ(close(shm), PR_SUCCESS);
  CHECK_OK(PR_DeleteSharedMemory(name));
  mine = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(mine);
  CHECK_OK(PR_CloseSharedMemory(mine));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(FreeLibrary(dll));
}

typedef void (*dll_set_text_fn)(PRIntn, const char *);

static dll_set_text_fn dll_set_text; /* the DLL's PR_SetErrorText */
static HANDLE dll_ready, dll_go;     /* the holder thread's meeting points */

/* Sets an error text through the DLL, then holds it until told to exit. */
static DWORD WINAPI dll_holder(void *arg) {
  (void)arg;
  dll_set_text(5, "held!");
  SetEvent(dll_ready);
  return WaitForSingleObject(dll_go, 60000) == WAIT_OBJECT_0 ? 7 : 8;
}

TEST(unloads_while_a_thread_holds_an_error_text) {
  HMODULE dll = dll_load();
  DWORD code = 0;
  HANDLE thread;

  dll_set_text = DLL_FN(dll, dll_set_text_fn, "PR_SetErrorText");
  CHECK(dll_set_text != NULL);
  dll_ready = CreateEventW(NULL, TRUE, FALSE, NULL);
  dll_go = CreateEventW(NULL, TRUE, FALSE, NULL);
  CHECK(dll_ready != NULL && dll_go != NULL);
  thread = CreateThread(NULL, 0, dll_holder, NULL, 0, NULL);
  CHECK(thread != NULL);
  CHECK_EQ(WaitForSingleObject(dll_ready, 60000), WAIT_OBJECT_0);
  CHECK(FreeLibrary(dll));
  CHECK(GetModuleHandleW(L"libprshm.dll") == NULL);
  /* Had the text's destructor been left for the thread's exit, the exit
   * would call into the unloaded DLL and the process would crash here. */
  CHECK(SetEvent(dll_go));
  CHECK_EQ(WaitForSingleObject(thread, 60000), WAIT_OBJECT_0);
  CHECK(GetExitCodeThread(thread, &code));
  CHECK_EQ(code, 7);
  CloseHandle(thread);
  CloseHandle(dll_ready);
  CloseHandle(dll_go);
}

/* Committed private memory of this process, in bytes: where a 1 MiB heap
 * block lives (the process counters of wine do not show it). */
static long long dll_committed(void) {
  MEMORY_BASIC_INFORMATION m;
  const char *p = NULL;
  long long total = 0;

  while (VirtualQuery(p, &m, sizeof m) == sizeof m) {
    if (m.State == MEM_COMMIT && m.Type == MEM_PRIVATE) total += (long long)m.RegionSize;
    p = (const char *)m.BaseAddress + m.RegionSize;
  }
  return total;
}

#define DLL_HOLDERS 4
#define DLL_TEXT_BYTES (1 << 20)

static char *dll_big_text;   /* DLL_TEXT_BYTES of text for the holders */
static HANDLE dll_set_count; /* a semaphore: one release per holder that set its text */

/* Sets a 1 MiB error text through the DLL, then waits to be let go. */
static DWORD WINAPI dll_big_holder(void *arg) {
  (void)arg;
  dll_set_text(DLL_TEXT_BYTES, dll_big_text);
  ReleaseSemaphore(dll_set_count, 1, NULL);
  return WaitForSingleObject(dll_go, 60000) == WAIT_OBJECT_0 ? 7 : 8;
}

TEST(unload_frees_every_threads_error_text) {
  HMODULE dll = dll_load();
  HANDLE threads[DLL_HOLDERS];
  long long held;
  DWORD code = 0;
  int i;

  dll_set_text = DLL_FN(dll, dll_set_text_fn, "PR_SetErrorText");
  CHECK(dll_set_text != NULL);
  dll_big_text = malloc(DLL_TEXT_BYTES);
  CHECK(dll_big_text != NULL);
  memset(dll_big_text, 'u', DLL_TEXT_BYTES);
  dll_set_count = CreateSemaphoreW(NULL, 0, DLL_HOLDERS, NULL);
  dll_go = CreateEventW(NULL, TRUE, FALSE, NULL);
  CHECK(dll_set_count != NULL && dll_go != NULL);
  for (i = 0; i < DLL_HOLDERS; i++) {
    threads[i] = CreateThread(NULL, 0, dll_big_holder, NULL, 0, NULL);
    CHECK(threads[i] != NULL);
  }
  for (i = 0; i < DLL_HOLDERS; i++)
    CHECK_EQ(WaitForSingleObject(dll_set_count, 60000), WAIT_OBJECT_0);
  held = dll_committed();
  CHECK(FreeLibrary(dll));
  /* Every living thread's text went with the DLL. */
  CHECK_INT(dll_committed(), <=, held - (DLL_HOLDERS - 1) * (long long)DLL_TEXT_BYTES);
  CHECK(SetEvent(dll_go));
  for (i = 0; i < DLL_HOLDERS; i++) {
    CHECK_EQ(WaitForSingleObject(threads[i], 60000), WAIT_OBJECT_0);
    CHECK(GetExitCodeThread(threads[i], &code));
    CHECK_EQ(code, 7);
    CloseHandle(threads[i]);
  }
  CloseHandle(dll_set_count);
  CloseHandle(dll_go);
  free(dll_big_text);
}

/* Sets a 1 MiB error text through the DLL and exits at once. */
static DWORD WINAPI dll_set_and_exit(void *arg) {
  (void)arg;
  dll_set_text(DLL_TEXT_BYTES, dll_big_text);
  return 0;
}

TEST(a_threads_exit_frees_its_error_text_in_the_dll) {
  HMODULE dll = dll_load();
  long long before = 0;
  int i;

  dll_set_text = DLL_FN(dll, dll_set_text_fn, "PR_SetErrorText");
  CHECK(dll_set_text != NULL);
  dll_big_text = malloc(DLL_TEXT_BYTES);
  CHECK(dll_big_text != NULL);
  memset(dll_big_text, 'x', DLL_TEXT_BYTES);
  /* One thread after another, each leaving 1 MiB of text in the DLL's
   * record for it: the DLL's TLS callback frees it as the thread exits. */
  for (i = 0; i < 41; i++) {
    HANDLE h = CreateThread(NULL, 0, dll_set_and_exit, NULL, 0, NULL);
    CHECK(h != NULL);
    CHECK_EQ(WaitForSingleObject(h, 60000), WAIT_OBJECT_0);
    CloseHandle(h);
    if (i == 0) before = dll_committed();
  }
  /* 40 MiB more, had any thread's text been left behind. */
  CHECK_INT(dll_committed(), <, before + 32 * (long long)DLL_TEXT_BYTES);
  CHECK(FreeLibrary(dll));
  free(dll_big_text);
}

static HANDLE dll_fired; /* set by dll_on_notify */

static void CALLBACK dll_on_notify(PTP_CALLBACK_INSTANCE instance, void *context, PTP_WAIT wait,
                                   TP_WAIT_RESULT result) {
  (void)instance, (void)context, (void)wait, (void)result;
  SetEvent(dll_fired);
}

/* The NOTIFY event of `name`, opened here to set it by hand. */
static HANDLE dll_notify(const char *name) {
  char key[PRSHM__KEY_SIZE];
  WCHAR wide[PRSHM__KEY_SIZE + 1];
  HANDLE h;

  CHECK_OK(prshm__backend_impl.key(name, PRSHM__KIND_SEG, key));
  prshm__win_suffixed(key, PRSHM__WIN_NOTIFY, wide);
  h = OpenEventW(EVENT_MODIFY_STATE | SYNCHRONIZE, FALSE, wide);
  CHECK(h != NULL);
  return h;
}

TEST(unload_lets_kept_segments_go_and_stops_their_waits) {
  const char *alone = t_name("unalone"), *held = t_name("unheld");
  HMODULE dll = dll_load();
  dll_open_fn open = DLL_FN(dll, dll_open_fn, "PR_OpenSharedMemory");
  dll_close_fn close = DLL_FN(dll, dll_close_fn, "PR_CloseSharedMemory");
  PRSharedMemory *shm, *mine;
  HANDLE notify[2];
  PTP_WAIT wait;

  CHECK(open && close);
  /* Two segments the DLL keeps; this program holds one of them open. */
  shm = open(alone, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK(shm != NULL);
  CHECK_EQ(close(shm), PR_SUCCESS);
  shm = open(held, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK(shm != NULL);
  CHECK_EQ(close(shm), PR_SUCCESS);
  mine = PR_OpenSharedMemory(held, 0, 0, 0);
  CHECK_NOT_NULL(mine);
  notify[0] = dll_notify(alone);
  notify[1] = dll_notify(held);
  CHECK(FreeLibrary(dll));
  CHECK(GetModuleHandleW(L"libprshm.dll") == NULL);
  /* The DLL let go of both, as its process's exit would have: the one
   * nobody else held is gone, the other lives on in this program. */
  CHECK(PR_OpenSharedMemory(alone, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  shm = PR_OpenSharedMemory(held, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* Setting the events the DLL waited on runs nothing of it: a wait left
   * armed would call into unloaded code and end the process here. Another
   * wait on the same event shows the pool has seen it set. */
  dll_fired = CreateEventW(NULL, TRUE, FALSE, NULL);
  CHECK(dll_fired != NULL);
  wait = CreateThreadpoolWait(dll_on_notify, NULL, NULL);
  CHECK(wait != NULL);
  SetThreadpoolWait(wait, notify[0], NULL);
  CHECK(SetEvent(notify[1]));
  CHECK(SetEvent(notify[0]));
  CHECK_EQ(WaitForSingleObject(dll_fired, 60000), WAIT_OBJECT_0);
  WaitForThreadpoolWaitCallbacks(wait, FALSE);
  CloseThreadpoolWait(wait);
  CloseHandle(dll_fired);
  CloseHandle(notify[0]);
  CloseHandle(notify[1]);
  CHECK_OK(PR_CloseSharedMemory(mine));
}
