/*
 * test_win_threads.c - the per-thread error state with Windows threads
 * (CreateThread) and fibers, PR_GetOSError() as the raw GetLastError()
 * value, error texts freed when their thread exits, and concurrent calls.
 *
 * The error text belongs to the thread, as the error code does: every
 * fiber of a thread sees and replaces one text, deleting a fiber frees
 * nothing, and the thread's exit frees it (src/win/thread.c).
 */
#include <windows.h>

#include "runner.h"
#include "win.h"

#define TH_THREADS 8

/* What one thread is given and reports. */
typedef struct th_arg {
  int index;        /* 0 .. TH_THREADS-1 */
  const char *name; /* a segment every thread uses */
  int failed_line;  /* 0, or the line of the first check that failed */
} th_arg;

#define TH_CHECK(a, cond)                   \
  do {                                      \
    if (!(cond) && (a)->failed_line == 0) { \
      (a)->failed_line = __LINE__;          \
      return 1;                             \
    }                                       \
  } while (0)

static HANDLE th_start(LPTHREAD_START_ROUTINE fn, th_arg *arg) {
  HANDLE h = CreateThread(NULL, 0, fn, arg, 0, NULL);
  CHECK(h != NULL);
  return h;
}

/* Runs fn in TH_THREADS threads at once and checks that all succeeded. */
static void th_run(LPTHREAD_START_ROUTINE fn, const char *name) {
  HANDLE threads[TH_THREADS];
  th_arg args[TH_THREADS];
  int i;

  for (i = 0; i < TH_THREADS; i++) {
    args[i].index = i;
    args[i].name = name;
    args[i].failed_line = 0;
    threads[i] = th_start(fn, &args[i]);
  }
  CHECK_EQ(WaitForMultipleObjects(TH_THREADS, threads, TRUE, 120000), WAIT_OBJECT_0);
  for (i = 0; i < TH_THREADS; i++) {
    if (args[i].failed_line != 0) t_fail(__FILE__, args[i].failed_line, "thread %d failed here", i);
    CloseHandle(threads[i]);
  }
}

static DWORD WINAPI th_own_errors(void *p) {
  th_arg *a = p;
  char text[64], got[64];
  int i;

  for (i = 0; i < 5000; i++) {
    int len = snprintf(text, sizeof text, "thread %d round %d", a->index, i);
    PR_SetError(PR_OUT_OF_MEMORY_ERROR + a->index, 1000 * a->index + i);
    PR_SetErrorText(len, text);
    if (i % 64 == 0) SwitchToThread();
    TH_CHECK(a, PR_GetError() == PR_OUT_OF_MEMORY_ERROR + a->index);
    TH_CHECK(a, PR_GetOSError() == 1000 * a->index + i);
    TH_CHECK(a, PR_GetErrorTextLength() == len);
    TH_CHECK(a, PR_GetErrorText(got) == len && strcmp(got, text) == 0);
  }
  return 0;
}

TEST(each_thread_has_its_own_error) {
  PR_SetError(PR_IO_ERROR, 77);
  th_run(th_own_errors, NULL);
  CHECK_ERROR(PR_IO_ERROR);
  CHECK_EQ(PR_GetOSError(), 77);
  CHECK_EQ(PR_GetErrorTextLength(), 0);
}

/* Half the threads fail to find a segment, half fail to create one that
 * exists: each must see its own failure and raw Windows error. */
static DWORD WINAPI th_os_errors(void *p) {
  th_arg *a = p;
  char missing[96];
  int i;

  snprintf(missing, sizeof missing, "/prshm-test-%ld-none-%d", t_pid(), a->index);
  for (i = 0; i < 300; i++) {
    if (a->index % 2 == 0) {
      TH_CHECK(a, PR_OpenSharedMemory(missing, 0, 0, 0) == NULL);
      SwitchToThread();
      TH_CHECK(a, PR_GetError() == PR_FILE_NOT_FOUND_ERROR);
      TH_CHECK(a, PR_GetOSError() == ERROR_FILE_NOT_FOUND);
    } else {
      TH_CHECK(a, PR_OpenSharedMemory(a->name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
      SwitchToThread();
      TH_CHECK(a, PR_GetError() == PR_FILE_EXISTS_ERROR);
      TH_CHECK(a, PR_GetOSError() == ERROR_ALREADY_EXISTS);
    }
  }
  return 0;
}

TEST(os_errors_are_raw_and_per_thread) {
  const char *name = t_name("oserr");
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);

  CHECK_NOT_NULL(shm);
  th_run(th_os_errors, name);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

#define TH_TEXT_BYTES (1 << 20)

/* Sets a 1 MiB error text and exits holding it. */
static DWORD WINAPI th_exit_with_text(void *p) {
  char *text = p;
  PR_SetErrorText(TH_TEXT_BYTES, text);
  return PR_GetErrorTextLength() == TH_TEXT_BYTES ? 0 : 1;
}

/* Committed private memory of this process, in bytes: where a 1 MiB heap
 * block lives (the process counters of wine do not show it). */
static long long th_committed(void) {
  MEMORY_BASIC_INFORMATION m;
  const char *p = NULL;
  long long total = 0;

  while (VirtualQuery(p, &m, sizeof m) == sizeof m) {
    if (m.State == MEM_COMMIT && m.Type == MEM_PRIVATE) total += (long long)m.RegionSize;
    p = (const char *)m.BaseAddress + m.RegionSize;
  }
  return total;
}

TEST(error_text_is_freed_when_its_thread_exits) {
  char *text = malloc(TH_TEXT_BYTES);
  long long before = 0;
  int i;

  CHECK(text != NULL);
  memset(text, 't', TH_TEXT_BYTES);
  /* One thread first, so that one-time allocations are behind us. */
  for (i = 0; i < 201; i++) {
    HANDLE h = CreateThread(NULL, 0, th_exit_with_text, text, 0, NULL);
    DWORD code = 1;
    CHECK(h != NULL);
    CHECK_EQ(WaitForSingleObject(h, 60000), WAIT_OBJECT_0);
    CHECK(GetExitCodeThread(h, &code));
    CHECK_EQ(code, 0);
    CloseHandle(h);
    if (i == 0) before = th_committed();
  }
  /* 200 leaked texts would be 200 MiB. */
  CHECK_INT(th_committed(), <, before + 32 * TH_TEXT_BYTES);
  free(text);
}

/* What a fiber of these tests is given and reports. */
typedef struct th_fiber {
  void *back;      /* the fiber to switch back to */
  char seen[64];   /* the text this fiber found */
  int seen_len;    /* its length as PR_GetErrorTextLength() said */
  const char *set; /* the text it sets, or NULL */
} th_fiber;

/* Reads the thread's text, sets its own, and switches back for good. */
static void CALLBACK th_fiber_main(void *arg) {
  th_fiber *f = arg;

  f->seen_len = PR_GetErrorTextLength();
  f->seen[0] = '\0';
  if (f->seen_len < (int)sizeof f->seen) (void)PR_GetErrorText(f->seen);
  if (f->set != NULL) PR_SetErrorText((PRIntn)strlen(f->set), f->set);
  for (;;) SwitchToFiber(f->back);
}

/* Runs a new fiber of this thread until it switches back, then deletes it. */
static void th_run_fiber(void *self, th_fiber *f) {
  void *fiber;

  f->back = self;
  fiber = CreateFiber(0, th_fiber_main, f);
  CHECK(fiber != NULL);
  SwitchToFiber(fiber);
  DeleteFiber(fiber);
}

TEST(error_text_belongs_to_the_thread_not_the_fiber) {
  th_fiber f = {NULL, {0}, 0, "from a fiber"};
  void *self = ConvertThreadToFiber(NULL);
  char got[64];

  CHECK(self != NULL);
  PR_SetErrorText(9, "first one");
  th_run_fiber(self, &f);
  /* The fiber saw the thread's text and replaced it, and deleting the
   * fiber freed nothing: the thread reads the fiber's text. */
  CHECK_EQ(f.seen_len, 9);
  CHECK_STR(f.seen, "first one");
  CHECK_EQ(PR_GetErrorTextLength(), 12);
  CHECK_EQ(PR_GetErrorText(got), 12);
  CHECK_STR(got, "from a fiber");
  /* Replaced once, freed once. */
  PR_SetErrorText(5, "third");
  CHECK_EQ(PR_GetErrorText(got), 5);
  CHECK_STR(got, "third");
  /* A fiber that sets nothing sees it too, and so does a new error's
   * clearing of it. */
  f.set = NULL;
  th_run_fiber(self, &f);
  CHECK_STR(f.seen, "third");
  PR_SetError(PR_IO_ERROR, 0);
  th_run_fiber(self, &f);
  CHECK_EQ(f.seen_len, 0);
  CHECK_EQ(PR_GetErrorTextLength(), 0);
  CHECK(HeapValidate(GetProcessHeap(), 0, NULL));
  CHECK(ConvertFiberToThread());
}

/* In a thread of its own: becomes a fiber, has 20 fibers each set a 1 MiB
 * text and be deleted, and exits still a fiber, holding the last text. */
static DWORD WINAPI th_fibers_then_exit(void *p) {
  th_fiber f = {NULL, {0}, 0, p};
  void *self = ConvertThreadToFiber(NULL);
  int i;

  if (self == NULL) return 1;
  for (i = 0; i < 20; i++) th_run_fiber(self, &f);
  return PR_GetErrorTextLength() == TH_TEXT_BYTES - 1 ? 0 : 2;
}

TEST(error_text_of_a_fiber_thread_is_freed_when_the_thread_exits) {
  char *text = malloc(TH_TEXT_BYTES);
  long long before = 0;
  int i;

  CHECK(text != NULL);
  memset(text, 'f', TH_TEXT_BYTES - 1);
  text[TH_TEXT_BYTES - 1] = '\0';
  for (i = 0; i < 41; i++) {
    HANDLE h = CreateThread(NULL, 0, th_fibers_then_exit, text, 0, NULL);
    DWORD code = 1;
    CHECK(h != NULL);
    CHECK_EQ(WaitForSingleObject(h, 60000), WAIT_OBJECT_0);
    CHECK(GetExitCodeThread(h, &code));
    CHECK_EQ(code, 0);
    CloseHandle(h);
    if (i == 0) before = th_committed();
  }
  /* 40 threads of 20 texts each: 800 MiB, had any text been left behind. */
  CHECK_INT(th_committed(), <, before + 32 * TH_TEXT_BYTES);
  free(text);
}

/* Every thread opens, writes and closes the shared segment, and creates and
 * deletes one of its own, many times over. */
static DWORD WINAPI th_busy(void *p) {
  th_arg *a = p;
  char own[96];
  int i;

  snprintf(own, sizeof own, "/prshm-test-%ld-own-%d", t_pid(), a->index);
  for (i = 0; i < 300; i++) {
    PRSharedMemory *shm = PR_OpenSharedMemory(a->name, 4096, 0, 0), *mine;
    LONG *counter;
    TH_CHECK(a, shm != NULL);
    counter = PR_AttachSharedMemory(shm, 0);
    TH_CHECK(a, counter != NULL);
    InterlockedIncrement(counter);
    TH_CHECK(a, PR_DetachSharedMemory(shm, counter) == PR_SUCCESS);
    TH_CHECK(a, PR_CloseSharedMemory(shm) == PR_SUCCESS);
    mine = PR_OpenSharedMemory(own, 128, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    TH_CHECK(a, mine != NULL);
    TH_CHECK(a, PR_CloseSharedMemory(mine) == PR_SUCCESS);
    TH_CHECK(a, PR_DeleteSharedMemory(own) == PR_SUCCESS);
  }
  return 0;
}

TEST(concurrent_calls_from_windows_threads) {
  const char *name = t_name("busy");
  size_t kept = prshm__win_keep_count();
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  LONG *counter;

  CHECK_NOT_NULL(shm);
  th_run(th_busy, name);
  counter = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(counter);
  CHECK_EQ(*counter, TH_THREADS * 300);
  CHECK_OK(PR_DetachSharedMemory(shm, counter));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_EQ(prshm__registry_count(), 0);
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
}
