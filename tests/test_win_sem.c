/*
 * test_win_sem.c - semaphores and robust locks on Windows: between
 * processes, an abandoned mutex (the holder's process terminated) reported
 * once, delete and the name's reuse, permissions from the mode, handles
 * that are not inherited, names in Global\ and Local\, and every failure of
 * the calls they make, through the system-call table.
 *
 * Map: processes; delete; security and names; faults.
 */
#include <windows.h>

#include "internal.h"
#include "runner.h"
#include "sync.h"
#include "sys.h"
#include "win.h"

static PRUint32 ws_value(PRSem *s) {
  PRUint32 v = 0;
  CHECK_OK(prshm_sem_getvalue(s, &v));
  return v;
}

/* The Windows handle behind a prshm handle of `kind`. */
static HANDLE ws_handle(const void *token, prshm__kind kind) {
  prshm__handle *h = prshm__registry_acquire_kind(token, kind);
  HANDLE os;

  CHECK_NOT_NULL(h);
  os = (HANDLE)prshm__handle_sync(h)->os;
  prshm__registry_release(h);
  return os;
}

/* ====================================================================
 * Processes
 */

/* Takes `argv[1]` counts from the semaphore, then posts the other one. */
CHILD(ws_taker) {
  PRSem *s = PR_OpenSemaphore(argv[0], 0, 0, 0), *done = PR_OpenSemaphore(argv[2], 0, 0, 0);
  int n = atoi(argv[1]), i;

  (void)argc;
  if (s == NULL || done == NULL) return 2;
  for (i = 0; i < n; i++)
    if (PR_WaitSemaphore(s) != PR_SUCCESS) return 3;
  if (PR_PostSemaphore(done) != PR_SUCCESS) return 4;
  return PR_CloseSemaphore(s) == PR_SUCCESS && PR_CloseSemaphore(done) == PR_SUCCESS ? 0 : 5;
}

TEST(counts_cross_processes) {
  const char *name = t_name("wsx"), *done = t_name("wsx-done");
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0);
  PRSem *d = PR_OpenSemaphore(done, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0);
  const char *args[] = {name, "500", done, NULL};
  t_proc kid;
  int i;

  CHECK_NOT_NULL(s);
  CHECK_NOT_NULL(d);
  kid = t_spawn("ws_taker", args);
  for (i = 0; i < 500; i++) CHECK_OK(PR_PostSemaphore(s));
  CHECK_OK(PR_WaitSemaphore(d));
  CHECK_EQ(t_wait(kid), 0);
  CHECK_EQ(ws_value(s), 0);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_CloseSemaphore(d));
}

/* Acquires the lock, posts `argv[1]`, and waits to be terminated. */
CHILD(ws_holder) {
  prshm_lock *lk = prshm_lock_open(argv[0], 0, 0);
  PRSem *held = PR_OpenSemaphore(argv[1], 0, 0, 0);

  (void)argc;
  if (lk == NULL || held == NULL || prshm_lock_acquire(lk, NULL) != PR_SUCCESS) return 2;
  if (PR_PostSemaphore(held) != PR_SUCCESS) return 3;
  Sleep(INFINITE);
  return 4;
}

/* Windows calls the mutex of a terminated holder abandoned: the next
 * acquire gets it and is told, once. */
TEST(abandoned_lock_is_reported_once) {
  const char *name = t_name("wsab"), *held = t_name("wsab-held");
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  PRSem *h = PR_OpenSemaphore(held, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0);
  const char *args[] = {name, held, NULL};
  PRBool died = PR_FALSE;
  t_proc kid;

  CHECK_NOT_NULL(lk);
  CHECK_NOT_NULL(h);
  kid = t_spawn("ws_holder", args);
  CHECK_OK(PR_WaitSemaphore(h));
  CHECK_EQ(prshm_lock_tryacquire(lk, NULL), PR_FAILURE);
  CHECK_ERROR(PR_WOULD_BLOCK_ERROR);
  t_kill(kid);
  (void)t_wait(kid);
  CHECK_OK(prshm_lock_timedacquire(lk, 60000, &died));
  CHECK_EQ(died, PR_TRUE);
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(prshm_lock_acquire(lk, &died));
  CHECK_EQ(died, PR_FALSE);
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(prshm_lock_close(lk));
  CHECK_OK(PR_CloseSemaphore(h));
}

/* ====================================================================
 * Delete
 */

/* Windows cannot take a name from an object: delete makes the old one
 * unreachable, and the name is free once its last handle is closed. */
TEST(delete_then_reuse_the_name) {
  const char *name = t_name("wsdel");
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 2), *again;

  CHECK_NOT_NULL(s);
  CHECK_OK(PR_DeleteSemaphore(name));
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE, 0600, 5) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(PR_DeleteSemaphore(name), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* The open handle still works. */
  CHECK_OK(PR_WaitSemaphore(s));
  CHECK_EQ(ws_value(s), 1);
  CHECK_OK(PR_CloseSemaphore(s));
  again = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 5);
  CHECK_NOT_NULL(again);
  CHECK_EQ(ws_value(again), 5);
  CHECK_OK(PR_CloseSemaphore(again));
}

/* A semaphore lives until it is deleted, not until its last handle goes
 * (the creating process keeps one). */
TEST(semaphore_outlives_its_handles) {
  const char *name = t_name("wskeep");
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 4);
  size_t kept = prshm__win_keep_count();

  CHECK_NOT_NULL(s);
  CHECK_OK(PR_CloseSemaphore(s));
  s = PR_OpenSemaphore(name, 0, 0, 0);
  CHECK_NOT_NULL(s);
  CHECK_EQ(ws_value(s), 4);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_DeleteSemaphore(name));
  CHECK_EQ(prshm__win_keep_count(), kept - 1);
}

/* ====================================================================
 * Security and names
 */

/* Read alone (0400) is not enough to use a semaphore or a lock, even for
 * their owner: waiting writes the count. */
TEST(read_only_mode_refuses_use) {
  const char *name = t_name("wsro");
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0400, 1);
  prshm_lock *lk;

  /* The creator's own handle has every right it asked for at creation. */
  CHECK_NOT_NULL(s);
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0400);
  CHECK_NOT_NULL(lk);
  CHECK(prshm_lock_open(name, 0, 0) == NULL);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  CHECK_OK(prshm_lock_close(lk));
  CHECK_OK(PR_CloseSemaphore(s));
}

TEST(handles_are_not_inherited) {
  const char *name = t_name("wsinh");
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0);
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  DWORD flags = 0;

  CHECK_NOT_NULL(s);
  CHECK_NOT_NULL(lk);
  CHECK(GetHandleInformation(ws_handle(s, PRSHM__KIND_SEM), &flags));
  CHECK_EQ(flags & HANDLE_FLAG_INHERIT, 0);
  CHECK(GetHandleInformation(ws_handle(lk, PRSHM__KIND_LOCK), &flags));
  CHECK_EQ(flags & HANDLE_FLAG_INHERIT, 0);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(prshm_lock_close(lk));
}

/* Keys have their kind's prefix, after the namespace the name picks. */
TEST(native_names_have_the_kinds_prefix) {
  char key[PRSHM__KEY_SIZE];

  CHECK(prshm__win_name_key_kind("C:\\x", "/app/ready", PRSHM__KIND_SEM, key) > 0);
  CHECK_STR(key, "Local\\prsem.app+ready");
  CHECK(prshm__win_name_key_kind("C:\\x", "Global\\app\\lock", PRSHM__KIND_LOCK, key) > 0);
  CHECK_STR(key, "Global\\prlck.app+lock");
  CHECK(prshm__win_name_key_kind("C:\\x", "/app/ready", PRSHM__KIND_SEG, key) > 0);
  CHECK_STR(key, "Local\\prshm.app+ready");
}

/* Another program's object of another type under the native name. */
TEST(other_type_under_the_name_is_refused) {
  const char *name = t_name("wsev");
  char key[PRSHM__KEY_SIZE];
  WCHAR wname[PRSHM__KEY_SIZE];
  HANDLE ev;

  CHECK_OK(prshm__backend_impl.key(name, PRSHM__KIND_SEM, key));
  CHECK_OK(prshm__win_widen(key, wname));
  ev = CreateEventW(NULL, TRUE, FALSE, wname);
  CHECK(ev != NULL);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE, 0600, 0) == NULL);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK(CloseHandle(ev));
}

/* ====================================================================
 * Faults
 */

static prshm__syscalls wf_real; /* the real table */
static int wf_calls;            /* calls of the faked entry */
static int wf_fail_at;          /* the failing call (1-based); 0: every one */
static DWORD wf_error;          /* its error */

static int wf_fails(void) {
  wf_calls++;
  if (wf_fail_at != 0 && wf_calls != wf_fail_at) return 0;
  SetLastError(wf_error);
  return 1;
}

static HANDLE wf_create_semaphore(SECURITY_ATTRIBUTES *sa, LONG v, const WCHAR *n) {
  return wf_fails() ? NULL : wf_real.create_semaphore(sa, v, n);
}
static HANDLE wf_open_semaphore(DWORD a, BOOL i, const WCHAR *n) {
  return wf_fails() ? NULL : wf_real.open_semaphore(a, i, n);
}
static BOOL wf_release_semaphore(HANDLE h, LONG c, LONG *p) {
  return wf_fails() ? FALSE : wf_real.release_semaphore(h, c, p);
}
static HANDLE wf_create_mutex(SECURITY_ATTRIBUTES *sa, const WCHAR *n, DWORD f, DWORD a) {
  return wf_fails() ? NULL : wf_real.create_mutex(sa, n, f, a);
}
static BOOL wf_release_mutex(HANDLE h) { return wf_fails() ? FALSE : wf_real.release_mutex(h); }
static DWORD wf_wait(HANDLE h, DWORD ms) {
  return wf_fails() ? WAIT_FAILED : wf_real.wait_object(h, ms);
}
static BOOL wf_query_semaphore(HANDLE h, LONG *c) {
  return wf_fails() ? FALSE : wf_real.query_semaphore(h, c);
}
static BOOL wf_duplicate_handle(HANDLE h, HANDLE *c, DWORD a) {
  return wf_fails() ? FALSE : wf_real.duplicate_handle(h, c, a);
}

static void wf_begin(int fail_at, DWORD error) {
  prshm__sys_reset();
  wf_real = prshm__sys;
  wf_calls = 0;
  wf_fail_at = fail_at;
  wf_error = error;
}

TEST(create_failures) {
  const char *name = t_name("wfc");
  long handles = t_open_descriptors();
  size_t kept = prshm__win_keep_count();

  wf_begin(0, ERROR_NOT_ENOUGH_MEMORY);
  prshm__sys.create_semaphore = wf_create_semaphore;
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0) == NULL);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_NOT_ENOUGH_MEMORY);
  wf_begin(0, ERROR_NO_SYSTEM_RESOURCES);
  prshm__sys.create_mutex = wf_create_mutex;
  CHECK(prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_INSUFFICIENT_RESOURCES_ERROR);
  /* Keeping the new object alive fails: it is closed, and gone. */
  wf_begin(0, ERROR_NOT_ENOUGH_MEMORY);
  prshm__sys.duplicate_handle = wf_duplicate_handle;
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0) == NULL);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  wf_begin(0, ERROR_ACCESS_DENIED);
  prshm__sys.open_semaphore = wf_open_semaphore;
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  prshm__sys_reset();
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(t_open_descriptors(), handles);
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK_EQ(prshm__registry_count(), 0);
}

TEST(use_failures) {
  const char *name = t_name("wfu");
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 1);
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  PRUint32 v;

  CHECK_NOT_NULL(s);
  CHECK_NOT_NULL(lk);
  wf_begin(0, ERROR_INVALID_HANDLE);
  prshm__sys.release_semaphore = wf_release_semaphore;
  CHECK_EQ(PR_PostSemaphore(s), PR_FAILURE);
  CHECK_ERROR(PR_BAD_DESCRIPTOR_ERROR);
  wf_begin(0, ERROR_TOO_MANY_POSTS);
  prshm__sys.release_semaphore = wf_release_semaphore;
  CHECK_EQ(PR_PostSemaphore(s), PR_FAILURE);
  CHECK_ERROR(PR_RANGE_ERROR);
  wf_begin(0, ERROR_INVALID_HANDLE);
  prshm__sys.wait_object = wf_wait;
  CHECK_EQ(PR_WaitSemaphore(s), PR_FAILURE);
  CHECK_ERROR(PR_BAD_DESCRIPTOR_ERROR);
  CHECK_EQ(prshm_lock_acquire(lk, NULL), PR_FAILURE);
  CHECK_ERROR(PR_BAD_DESCRIPTOR_ERROR);
  /* A try that finds nothing and a wait that then fails. */
  prshm__sys_reset();
  CHECK_OK(PR_WaitSemaphore(s));
  wf_begin(2, ERROR_INVALID_HANDLE);
  prshm__sys.wait_object = wf_wait;
  CHECK_EQ(prshm_sem_timedwait(s, 1000), PR_FAILURE);
  CHECK_ERROR(PR_BAD_DESCRIPTOR_ERROR);
  wf_begin(0, ERROR_CALL_NOT_IMPLEMENTED);
  prshm__sys.query_semaphore = wf_query_semaphore;
  CHECK_EQ(prshm_sem_getvalue(s, &v), PR_FAILURE);
  CHECK_ERROR(PR_NOT_IMPLEMENTED_ERROR);
  prshm__sys_reset();
  CHECK_OK(prshm_lock_acquire(lk, NULL));
  wf_begin(0, ERROR_INVALID_HANDLE);
  prshm__sys.release_mutex = wf_release_mutex;
  CHECK_EQ(prshm_lock_release(lk), PR_FAILURE);
  CHECK_ERROR(PR_BAD_DESCRIPTOR_ERROR);
  prshm__sys_reset();
  /* A failed release changed nothing: the lock is still held, and its
   * holder may release it. */
  CHECK_EQ(prshm_lock_acquire(lk, NULL), PR_FAILURE);
  CHECK_ERROR(PR_DEADLOCK_ERROR);
  CHECK_OK(prshm_lock_release(lk));
  CHECK_EQ(ws_value(s), 0);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(prshm_lock_close(lk));
}
