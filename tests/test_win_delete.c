/*
 * test_win_delete.c - PR_DeleteSharedMemory() on Windows between threads
 * and processes (src/win/win32.c): of deletes racing for one name, exactly
 * one succeeds, and the lock that makes them take turns fails cleanly.
 *
 * Sections: helpers; racing deletes; the delete lock's failures.
 */
#include <windows.h>

#include "proc_win.h"
#include "runner.h"
#include "win.h"

/* ---- Helpers ---- */

/* The wide name of the object that goes with `name`: the segment's native
 * name followed by `suffix` (PRSHM__WIN_LOCK). */
static void del_object_name(const char *name, char suffix, WCHAR *out) {
  char key[PRSHM__KEY_SIZE];
  CHECK_OK(prshm__backend_impl.key(name, key));
  prshm__win_suffixed(key, suffix, out);
}

/* Creates `name` (64 bytes) and closes the handle: the segment is kept by
 * this process alone. */
static void del_create_kept(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

static void del_many_name(char *buf, size_t size, const char *base, int i) {
  snprintf(buf, size, "%s-%d", base, i);
}

/* ---- Racing deletes ---- */

#define DEL_THREADS 4
#define DEL_ROUNDS 300

/* A barrier for the main thread and DEL_THREADS others. */
typedef struct del_barrier {
  SRWLOCK lock;            /* guards the two counters */
  CONDITION_VARIABLE turn; /* signalled when a generation completes */
  int waiting;             /* arrived in this generation */
  int generation;          /* completed generations */
} del_barrier;

static void del_barrier_wait(del_barrier *b) {
  int gen;

  AcquireSRWLockExclusive(&b->lock);
  gen = b->generation;
  if (++b->waiting == DEL_THREADS + 1) {
    b->waiting = 0;
    b->generation++;
    WakeAllConditionVariable(&b->turn);
  } else {
    while (gen == b->generation) SleepConditionVariableSRW(&b->turn, &b->lock, INFINITE, 0);
  }
  ReleaseSRWLockExclusive(&b->lock);
}

/* What the racing threads share. */
typedef struct del_race {
  del_barrier barrier;            /* rounds begin and end together */
  const char *name;               /* the name every thread deletes */
  PRStatus rv[DEL_THREADS];       /* each thread's result this round */
  PRErrorCode error[DEL_THREADS]; /* and its error, if it failed */
} del_race;

static del_race del_shared;

static DWORD WINAPI del_racer(void *arg) {
  int me = (int)(intptr_t)arg, round;

  for (round = 0; round < DEL_ROUNDS; round++) {
    del_barrier_wait(&del_shared.barrier);
    del_shared.rv[me] = PR_DeleteSharedMemory(del_shared.name);
    del_shared.error[me] = PR_GetError();
    del_barrier_wait(&del_shared.barrier);
  }
  return 0;
}

TEST(of_racing_deletes_exactly_one_succeeds) {
  HANDLE threads[DEL_THREADS];
  int i, round;

  InitializeSRWLock(&del_shared.barrier.lock);
  InitializeConditionVariable(&del_shared.barrier.turn);
  del_shared.name = t_name("race");
  for (i = 0; i < DEL_THREADS; i++) {
    threads[i] = CreateThread(NULL, 0, del_racer, (void *)(intptr_t)i, 0, NULL);
    CHECK(threads[i] != NULL);
  }
  for (round = 0; round < DEL_ROUNDS; round++) {
    PRSharedMemory *shm =
        PR_OpenSharedMemory(del_shared.name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    int won = 0;
    CHECK_NOT_NULL(shm);
    CHECK_OK(PR_CloseSharedMemory(shm));
    del_barrier_wait(&del_shared.barrier);
    del_barrier_wait(&del_shared.barrier);
    for (i = 0; i < DEL_THREADS; i++) {
      if (del_shared.rv[i] == PR_SUCCESS)
        won++;
      else if (del_shared.error[i] != PR_FILE_NOT_FOUND_ERROR)
        t_fail(__FILE__, __LINE__, "round %d: a losing delete said %s", round,
               PR_ErrorToName(del_shared.error[i]));
    }
    if (won != 1) t_fail(__FILE__, __LINE__, "round %d: %d deletes succeeded", round, won);
  }
  CHECK_EQ(WaitForMultipleObjects(DEL_THREADS, threads, TRUE, 60000), WAIT_OBJECT_0);
  for (i = 0; i < DEL_THREADS; i++) CloseHandle(threads[i]);
  CHECK_EQ(t_win_named_handles(del_shared.name + 1), 0);
}

#define DEL_PROCS 4
#define DEL_NAMES 100

/* argv: base name, start event. Deletes every one of DEL_NAMES names, in
 * turn, after the start; exits with the number of deletes that succeeded
 * (a failure other than "not found" is 255). */
CHILD(delete_every_name) {
  WCHAR wide[128];
  char name[128];
  HANDLE start;
  int i, won = 0;

  if (argc != 2 || MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, wide, 128) == 0) return 255;
  start = OpenEventW(SYNCHRONIZE, FALSE, wide);
  if (start == NULL || WaitForSingleObject(start, 60000) != WAIT_OBJECT_0) return 255;
  for (i = 0; i < DEL_NAMES; i++) {
    del_many_name(name, sizeof name, argv[0], i);
    if (PR_DeleteSharedMemory(name) == PR_SUCCESS)
      won++;
    else if (PR_GetError() != PR_FILE_NOT_FOUND_ERROR)
      return 255;
  }
  return won;
}

TEST(of_deletes_racing_across_processes_exactly_one_succeeds) {
  const char *base = t_name("procs");
  char start_name[96], name[128];
  const char *args[] = {base, start_name, NULL};
  t_proc kids[DEL_PROCS];
  HANDLE start;
  int i, won = 0;

  snprintf(start_name, sizeof start_name, "Local\\prshm-test-%ld-start", t_pid());
  {
    WCHAR wide[96];
    CHECK(MultiByteToWideChar(CP_UTF8, 0, start_name, -1, wide, 96) != 0);
    start = CreateEventW(NULL, TRUE, FALSE, wide);
    CHECK(start != NULL);
  }
  for (i = 0; i < DEL_NAMES; i++) {
    PRSharedMemory *shm;
    del_many_name(name, sizeof name, base, i);
    shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    CHECK_NOT_NULL(shm);
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  for (i = 0; i < DEL_PROCS; i++) kids[i] = t_spawn("delete_every_name", args);
  CHECK(SetEvent(start));
  for (i = 0; i < DEL_PROCS; i++) {
    int n = t_wait(kids[i]);
    CHECK_INT(n, <=, DEL_NAMES);
    won += n;
  }
  /* Every name was deleted exactly once, whoever did it. */
  CHECK_EQ(won, DEL_NAMES);
  CloseHandle(start);
}

/* ---- The delete lock's failures ---- */

static DWORD del_wait_result; /* what the faked WaitForSingleObject says */

static DWORD del_fake_wait(HANDLE h, DWORD ms) {
  (void)h, (void)ms;
  SetLastError(ERROR_INVALID_HANDLE);
  return del_wait_result;
}

static HANDLE del_no_mutex(SECURITY_ATTRIBUTES *sa, const WCHAR *name, DWORD flags, DWORD access) {
  (void)sa, (void)name, (void)flags, (void)access;
  SetLastError(ERROR_NOT_ENOUGH_MEMORY);
  return NULL;
}

/* The segment `name` is still there, and deletes. */
static void del_check_live(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

TEST(a_delete_that_cannot_take_the_lock_changes_nothing) {
  const char *name = t_name("nolock");
  long handles;

  del_create_kept(name);
  handles = t_win_named_handles(name + 1);
  prshm__sys.create_mutex = del_no_mutex;
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_NOT_ENOUGH_MEMORY);
  prshm__sys_reset();
  /* Held too long by another delete, or the wait failed. */
  prshm__sys.wait_object = del_fake_wait;
  del_wait_result = WAIT_TIMEOUT;
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_TIMEOUT);
  del_wait_result = WAIT_FAILED;
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_BAD_DESCRIPTOR_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_INVALID_HANDLE);
  prshm__sys_reset();
  CHECK_EQ(t_win_named_handles(name + 1), handles);
  del_check_live(name);
}

TEST(a_lock_name_held_by_another_kind_of_object_refuses_deletes) {
  const char *name = t_name("lockname");
  WCHAR lname[PRSHM__KEY_SIZE + 1];
  HANDLE squatter;

  del_create_kept(name);
  del_object_name(name, PRSHM__WIN_LOCK, lname);
  squatter = CreateEventW(NULL, TRUE, FALSE, lname);
  CHECK(squatter != NULL);
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_INVALID_HANDLE);
  CloseHandle(squatter);
  del_check_live(name);
}

/* Takes the delete lock of the name `arg` and exits holding it. */
static DWORD WINAPI del_abandon(void *arg) {
  HANDLE m = CreateMutexW(NULL, TRUE, arg);
  return m != NULL && GetLastError() != ERROR_ALREADY_EXISTS ? 0 : 1;
}

TEST(a_lock_whose_holder_died_is_taken_over) {
  const char *name = t_name("abandoned");
  WCHAR lname[PRSHM__KEY_SIZE + 1];
  HANDLE thread;
  DWORD code = 1;

  del_create_kept(name);
  del_object_name(name, PRSHM__WIN_LOCK, lname);
  /* The thread's handle stays open, so the mutex outlives its holder. */
  thread = CreateThread(NULL, 0, del_abandon, lname, 0, NULL);
  CHECK(thread != NULL);
  CHECK_EQ(WaitForSingleObject(thread, 60000), WAIT_OBJECT_0);
  CHECK(GetExitCodeThread(thread, &code));
  CHECK_EQ(code, 0);
  CloseHandle(thread);
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}
