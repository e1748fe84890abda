/*
 * test_win_delete.c - PR_DeleteSharedMemory() on Windows between processes
 * and threads (src/win/win32.c, src/win/keep.c): a delete anywhere makes
 * the creator let go of the segment it keeps before the delete returns,
 * without the creator's help, so memory and name come back at once; the
 * creator trusts only the section's DACL, never the event alone; a creator
 * that cannot be told lets go on its next touch of the name, or at exit;
 * and of deletes racing for one name, exactly one succeeds.
 *
 * Sections: helpers; a delete by another process; creators that are not
 * told; racing deletes; the delete lock's failures.
 */
#include <windows.h>
#include <aclapi.h>

#include "proc_win.h"
#include "runner.h"
#include "win.h"

/* ---- Helpers ---- */

/* The wide name of the object that goes with `name`: the segment's native
 * name followed by `suffix` (PRSHM__WIN_NOTIFY, _DONE or _LOCK). */
static void del_object_name(const char *name, char suffix, WCHAR *out) {
  char key[PRSHM__KEY_SIZE];
  CHECK_OK(prshm__backend_impl.key(name, PRSHM__KIND_SEG, key));
  prshm__win_suffixed(key, suffix, out);
}

static prshm__syscalls del_real; /* the table before a test changed it */

static HANDLE del_no_event(SECURITY_ATTRIBUTES *sa, const WCHAR *name, DWORD flags, DWORD access) {
  (void)sa, (void)name, (void)flags, (void)access;
  SetLastError(ERROR_NOT_ENOUGH_MEMORY);
  return NULL;
}

static PTP_WAIT del_no_wait(PTP_WAIT_CALLBACK callback, void *context) {
  (void)callback, (void)context;
  SetLastError(ERROR_NOT_ENOUGH_MEMORY);
  return NULL;
}

/* Creates `name` (64 bytes) and closes the handle: the segment is kept by
 * this process alone. `unwatched` 1 makes its NOTIFY event fail, 2 its
 * thread-pool wait, as a system out of resources would: the segment is
 * then kept unwatched. */
static void del_create_kept(const char *name, int unwatched) {
  PRSharedMemory *shm;

  del_real = prshm__sys;
  if (unwatched == 1) prshm__sys.create_event = del_no_event;
  if (unwatched == 2) prshm__sys.create_tp_wait = del_no_wait;
  shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  prshm__sys_reset();
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Microseconds since an arbitrary start. */
static double del_now_us(void) {
  LARGE_INTEGER t, f;
  QueryPerformanceCounter(&t);
  QueryPerformanceFrequency(&f);
  return (double)t.QuadPart * 1e6 / (double)f.QuadPart;
}

/* ---- A delete by another process ---- */

CHILD(delete_it) {
  if (argc != 1) return 2;
  return PR_DeleteSharedMemory(argv[0]) == PR_SUCCESS ? 0 : 3;
}

TEST(another_process_deletes_the_creators_segment) {
  const char *name = t_name("other");
  const char *args[] = {name, NULL};
  size_t kept = prshm__win_keep_count();
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  char *p;

  CHECK_NOT_NULL(shm);
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "old");
  CHECK_EQ(t_wait(t_spawn("delete_it", args)), 0);
  /* This process let go of the handle it kept before the child's delete
   * returned, without a call of its own into prshm. */
  CHECK_EQ(prshm__win_keep_count(), kept);
  /* Its own handle still holds the name: a create is refused, and the
   * attachment works on the old memory. */
  CHECK(PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_STR(p, "old");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* Its last handle gone, the name is free for a fresh segment. */
  shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_EQ(p[0], 0);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK_EQ(t_win_named_handles(name + 1), 0);
}

#define DEL_MANY 50
#define DEL_MANY_SIZE ((PRSize)1 << 20)

static void del_many_name(char *buf, size_t size, const char *base, int i) {
  snprintf(buf, size, "%s-%d", base, i);
}

static int del_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* argv: base name. Deletes DEL_MANY segments that another process created,
 * creating each again at once, fresh, and deleting it again; prints how
 * long each delete took. */
CHILD(delete_and_recreate_many) {
  double took[DEL_MANY];
  char name[128];
  int i;

  if (argc != 1) return 2;
  for (i = 0; i < DEL_MANY; i++) {
    PRSharedMemory *shm;
    unsigned char *p;
    double t0;
    del_many_name(name, sizeof name, argv[0], i);
    t0 = del_now_us();
    if (PR_DeleteSharedMemory(name) != PR_SUCCESS) return 3;
    took[i] = del_now_us() - t0;
    /* The creator holds nothing of it any more: the name is free. */
    shm = PR_OpenSharedMemory(name, DEL_MANY_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    if (shm == NULL) {
      printf("create %d after the delete: %s\n", i, PR_ErrorToName(PR_GetError()));
      return 4;
    }
    p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
    if (p == NULL || p[0] != 0 || p[DEL_MANY_SIZE - 1] != 0) return 5;
    if (PR_DetachSharedMemory(shm, p) != PR_SUCCESS || PR_CloseSharedMemory(shm) != PR_SUCCESS ||
        PR_DeleteSharedMemory(name) != PR_SUCCESS)
      return 6;
  }
  qsort(took, DEL_MANY, sizeof took[0], del_cmp);
  printf(
      "%d deletes of another process's segments, each followed by a fresh create: delete took "
      "min %.0f us, median %.0f us, max %.0f us\n",
      DEL_MANY, took[0], took[DEL_MANY / 2], took[DEL_MANY - 1]);
  return 0;
}

TEST(another_process_deletes_and_creates_again_at_once) {
  const char *base = t_name("many");
  const char *args[] = {base, NULL};
  size_t kept = prshm__win_keep_count();
  char name[128];
  int i;

  for (i = 0; i < DEL_MANY; i++) {
    PRSharedMemory *shm;
    unsigned char *p;
    del_many_name(name, sizeof name, base, i);
    shm = PR_OpenSharedMemory(name, DEL_MANY_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    CHECK_NOT_NULL(shm);
    p = PR_AttachSharedMemory(shm, 0);
    CHECK_NOT_NULL(p);
    memset(p, 0xA5, DEL_MANY_SIZE);
    CHECK_OK(PR_DetachSharedMemory(shm, p));
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  CHECK_EQ(prshm__win_keep_count(), kept + DEL_MANY);
  /* This process makes no prshm call while the child works. */
  CHECK_EQ(t_wait(t_spawn("delete_and_recreate_many", args)), 0);
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK_EQ(t_win_named_handles(base + 1), 0);
  for (i = 0; i < DEL_MANY; i++) {
    del_many_name(name, sizeof name, base, i);
    CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  }
}

TEST(a_signal_without_a_delete_changes_nothing) {
  const char *name = t_name("spurious");
  const char *args[] = {name, NULL};
  size_t kept = prshm__win_keep_count();
  WCHAR ename[PRSHM__KEY_SIZE + 1];
  PRSharedMemory *shm;
  HANDLE notify;
  int i;

  del_create_kept(name, 0);
  del_object_name(name, PRSHM__WIN_NOTIFY, ename);
  notify = OpenEventW(EVENT_MODIFY_STATE | SYNCHRONIZE, FALSE, ename);
  CHECK(notify != NULL);
  /* Anyone allowed may set the event: the creator looks at the DACL, finds
   * the segment live, resets the event and keeps it. */
  CHECK(SetEvent(notify));
  for (i = 0; i < 10000 && WaitForSingleObject(notify, 0) == WAIT_OBJECT_0; i++) Sleep(1);
  CHECK_EQ(WaitForSingleObject(notify, 0), WAIT_TIMEOUT);
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CloseHandle(notify);
  /* And it still watches: a real delete by another process is seen, and
   * let go of before that delete returns. */
  CHECK_EQ(t_wait(t_spawn("delete_it", args)), 0);
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK_EQ(t_win_named_handles(name + 1), 0);
}

/* ---- Creators that are not told ---- */

static void del_let_go_on_touch(int unwatched) {
  const char *name = t_name(unwatched == 1 ? "noevent" : "nowait");
  const char *args[] = {name, NULL};
  char key[PRSHM__KEY_SIZE];
  size_t kept = prshm__win_keep_count();
  PRSharedMemory *shm;

  del_create_kept(name, unwatched);
  /* Nothing but the section is left of the failed watch. */
  CHECK_EQ(t_win_named_handles(name + 1), 1);
  CHECK_OK(prshm__backend_impl.key(name, PRSHM__KIND_SEG, key));
  /* Live: asking to let it go changes nothing. */
  CHECK(!prshm__win_keep_release_deleted(key, PR_TRUE));
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* Deleted by another process, which could not tell this one. */
  CHECK_EQ(t_wait(t_spawn("delete_it", args)), 0);
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  /* The next touch of the name lets it go, and the memory with it. */
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK(!prshm__win_keep_release_deleted(key, PR_TRUE));
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_FILE_NOT_FOUND);
  CHECK_EQ(t_win_named_handles(name + 1), 0);
}

TEST(a_creator_without_its_event_lets_go_on_the_next_touch) { del_let_go_on_touch(1); }

TEST(a_creator_without_its_wait_lets_go_on_the_next_touch) { del_let_go_on_touch(2); }

/* argv: name. Deletes it and prints how long that took. */
CHILD(delete_and_time) {
  double t0;
  PRStatus rv;

  if (argc != 1) return 2;
  t0 = del_now_us();
  rv = PR_DeleteSharedMemory(argv[0]);
  printf("delete took %.0f ms\n", (del_now_us() - t0) / 1000);
  return rv == PR_SUCCESS && del_now_us() - t0 >= 900e3 && del_now_us() - t0 < 5e6 ? 0 : 3;
}

TEST(a_creator_that_does_not_answer_delays_a_delete_by_a_second) {
  const char *name = t_name("silent");
  const char *args[] = {name, NULL};
  WCHAR ename[PRSHM__KEY_SIZE + 1];
  size_t kept = prshm__win_keep_count();
  HANDLE notify, done;

  /* A creator that has its event but never answers, as one that is
   * suspended: the delete waits for it a second at most, then succeeds. */
  del_create_kept(name, 2);
  del_object_name(name, PRSHM__WIN_NOTIFY, ename);
  notify = CreateEventW(NULL, TRUE, FALSE, ename);
  CHECK(notify != NULL);
  /* The answer of an earlier delete, left set: the deleter resets it
   * rather than take it for its own answer. */
  del_object_name(name, PRSHM__WIN_DONE, ename);
  done = CreateEventW(NULL, TRUE, TRUE, ename);
  CHECK(done != NULL);
  CHECK_EQ(t_wait(t_spawn("delete_and_time", args)), 0);
  CHECK_EQ(WaitForSingleObject(notify, 0), WAIT_OBJECT_0);
  CloseHandle(notify);
  CloseHandle(done);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(prshm__win_keep_count(), kept);
}

/* The integrity level of the object `h` (opened with READ_CONTROL), after
 * checking that its label refuses everything to lower levels. */
static DWORD del_label(HANDLE h) {
  PSECURITY_DESCRIPTOR sd = NULL;
  SYSTEM_MANDATORY_LABEL_ACE *ace;
  PACL sacl = NULL;
  BOOL present = FALSE, defaulted;
  DWORD level;
  PSID sid;

  CHECK_EQ(
      GetSecurityInfo(h, SE_KERNEL_OBJECT, LABEL_SECURITY_INFORMATION, NULL, NULL, NULL, NULL, &sd),
      ERROR_SUCCESS);
  CHECK(GetSecurityDescriptorSacl(sd, &present, &sacl, &defaulted));
  CHECK(present && sacl != NULL);
  CHECK_EQ(sacl->AceCount, 1);
  CHECK(GetAce(sacl, 0, (void **)&ace));
  CHECK_EQ(ace->Header.AceType, SYSTEM_MANDATORY_LABEL_ACE_TYPE);
  CHECK_EQ(ace->Mask, SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | SYSTEM_MANDATORY_LABEL_NO_READ_UP |
                          SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP);
  sid = (PSID)&ace->SidStart;
  CHECK_EQ(*GetSidSubAuthorityCount(sid), 1);
  level = *GetSidSubAuthority(sid, 0);
  LocalFree(sd);
  return level;
}

/* argv: name, ready event. Creates the segment, closes it, says so, and
 * exits once it has let go of it (bounded). */
CHILD(create_and_wait_to_let_go) {
  PRSharedMemory *shm;
  WCHAR wide[128];
  HANDLE ready;
  int i;

  if (argc != 2 || MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, wide, 128) == 0) return 2;
  shm = PR_OpenSharedMemory(argv[0], 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (shm == NULL || PR_CloseSharedMemory(shm) != PR_SUCCESS) return 3;
  ready = OpenEventW(EVENT_MODIFY_STATE, FALSE, wide);
  if (ready == NULL || !SetEvent(ready)) return 4;
  for (i = 0; i < 60000 && prshm__win_keep_count() != 0; i++) Sleep(1);
  return prshm__win_keep_count() == 0 ? 0 : 5;
}

TEST(a_deleter_that_cannot_wait_still_tells_the_creator) {
  const char *name = t_name("nodone");
  char ready_name[96];
  const char *args[] = {name, ready_name, NULL};
  WCHAR wide[96];
  HANDLE ready;
  t_proc child;

  snprintf(ready_name, sizeof ready_name, "Local\\prshm-test-%ld-ready", t_pid());
  CHECK(MultiByteToWideChar(CP_UTF8, 0, ready_name, -1, wide, 96) != 0);
  ready = CreateEventW(NULL, TRUE, FALSE, wide);
  CHECK(ready != NULL);
  child = t_spawn("create_and_wait_to_let_go", args);
  CHECK_EQ(WaitForSingleObject(ready, 60000), WAIT_OBJECT_0);
  /* No event to wait on for the answer: the delete tells and returns. */
  prshm__sys.create_event = del_no_event;
  CHECK_OK(PR_DeleteSharedMemory(name));
  prshm__sys_reset();
  CHECK_EQ(t_wait(child), 0);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CloseHandle(ready);
}

/* Checks that the DACL of `h` (opened with READ_CONTROL) has one ACE, which
 * allows everyone `rights` and nothing more. */
static void del_check_dacl(HANDLE h, DWORD rights) {
  SID_IDENTIFIER_AUTHORITY world = {SECURITY_WORLD_SID_AUTHORITY};
  PSECURITY_DESCRIPTOR sd = NULL;
  ACCESS_ALLOWED_ACE *ace;
  PACL dacl = NULL;
  PSID everyone;

  CHECK(AllocateAndInitializeSid(&world, 1, SECURITY_WORLD_RID, 0, 0, 0, 0, 0, 0, 0, &everyone));
  CHECK_EQ(
      GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd),
      ERROR_SUCCESS);
  CHECK(dacl != NULL);
  CHECK_EQ(dacl->AceCount, 1);
  CHECK(GetAce(dacl, 0, (void **)&ace));
  CHECK_EQ(ace->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
  CHECK_EQ(ace->Mask, rights);
  CHECK(EqualSid((PSID)&ace->SidStart, everyone));
  LocalFree(sd);
  FreeSid(everyone);
}

/* Whether the object of `h` (opened with READ_CONTROL) has no label. */
static int del_unlabelled(HANDLE h) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PACL sacl = NULL;
  BOOL present = FALSE, defaulted;
  int none;

  CHECK_EQ(
      GetSecurityInfo(h, SE_KERNEL_OBJECT, LABEL_SECURITY_INFORMATION, NULL, NULL, NULL, NULL, &sd),
      ERROR_SUCCESS);
  CHECK(GetSecurityDescriptorSacl(sd, &present, &sacl, &defaulted));
  none = !present || sacl == NULL || sacl->AceCount == 0;
  LocalFree(sd);
  return none;
}

static WCHAR del_done_name[PRSHM__KEY_SIZE + 1]; /* the DONE event to read */
static WCHAR del_lock_name[PRSHM__KEY_SIZE + 1]; /* the LOCK mutex to read */
static DWORD del_done_level;                     /* the label found on DONE, or 0 */
static int del_lock_seen;                        /* LOCK was read while held */

/* The delete's waits, which read the descriptors of the DONE event and the
 * LOCK mutex when they exist: the first wait is for the lock, which then
 * exists, and the second for the creator's answer, while DONE exists. */
static DWORD del_wait_reading(HANDLE h, DWORD ms) {
  HANDLE done = OpenEventW(READ_CONTROL, FALSE, del_done_name);
  HANDLE lock = OpenMutexW(READ_CONTROL, FALSE, del_lock_name);

  if (done != NULL) {
    del_done_level = del_label(done);
    del_check_dacl(done, SYNCHRONIZE | EVENT_MODIFY_STATE);
    CloseHandle(done);
  }
  if (lock != NULL) {
    del_check_dacl(lock, SYNCHRONIZE | MUTEX_MODIFY_STATE);
    CHECK(del_unlabelled(lock));
    del_lock_seen = 1;
    CloseHandle(lock);
  }
  return del_real.wait_object(h, ms);
}

TEST(the_events_and_lock_of_a_segment_let_everyone_only_wait_and_set) {
  const char *name = t_name("companions");
  char ready_name[96];
  const char *args[] = {name, ready_name, NULL};
  WCHAR wide[96], ename[PRSHM__KEY_SIZE + 1];
  HANDLE ready, notify;
  t_proc child;

  /* The creator's event (labelled as the segment:
   * win_security.descriptor_for_each_mode) allows anyone nothing but
   * waiting and setting, so that a deleter of the owner at any level that
   * may delete (an elevated one included, whose default DACL would admit
   * only the Administrators) can set it. */
  del_create_kept(name, 0);
  del_object_name(name, PRSHM__WIN_NOTIFY, ename);
  notify = OpenEventW(READ_CONTROL, FALSE, ename);
  CHECK(notify != NULL);
  del_check_dacl(notify, SYNCHRONIZE | EVENT_MODIFY_STATE);
  CloseHandle(notify);
  CHECK_OK(PR_DeleteSharedMemory(name));

  /* The deleter's answer event and its lock, read during a delete whose
   * creator is another process, which answers. */
  snprintf(ready_name, sizeof ready_name, "Local\\prshm-test-%ld-lready", t_pid());
  CHECK(MultiByteToWideChar(CP_UTF8, 0, ready_name, -1, wide, 96) != 0);
  ready = CreateEventW(NULL, TRUE, FALSE, wide);
  CHECK(ready != NULL);
  child = t_spawn("create_and_wait_to_let_go", args);
  CHECK_EQ(WaitForSingleObject(ready, 60000), WAIT_OBJECT_0);
  del_object_name(name, PRSHM__WIN_DONE, del_done_name);
  del_object_name(name, PRSHM__WIN_LOCK, del_lock_name);
  del_real = prshm__sys;
  del_done_level = 0;
  del_lock_seen = 0;
  prshm__sys.wait_object = del_wait_reading;
  CHECK_OK(PR_DeleteSharedMemory(name));
  prshm__sys_reset();
  CHECK(del_lock_seen);
  /* Low, whatever the deleter's level: a creator at any level may answer
   * (the creator's answer, set on it, ended the child). */
  CHECK_EQ(del_done_level, SECURITY_MANDATORY_LOW_RID);
  CHECK_EQ(t_wait(child), 0);
  CloseHandle(ready);
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
  size_t kept = prshm__win_keep_count();
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
  CHECK_EQ(prshm__win_keep_count(), kept);
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

  del_create_kept(name, 0);
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

  del_create_kept(name, 0);
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

  del_create_kept(name, 0);
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
