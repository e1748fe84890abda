/*
 * test_win_multiproc.c - data crossing between processes on Windows, with
 * children started by CreateProcessW (tests/proc_win.c), and read-only
 * attachments that fault when written.
 */
#include <windows.h>

#include "runner.h"

#define MP_CHILDREN 4
#define MP_ROUNDS 20000

/* The layout of the shared segment in these tests. */
typedef struct mp_shared {
  volatile LONG counter;                  /* incremented by every child */
  volatile LONG turn;                     /* ping-pong: whose turn it is */
  volatile LONG rounds;                   /* ping-pong: rounds played */
  unsigned char slots[MP_CHILDREN][4096]; /* one per child, filled by it */
} mp_shared;

/* Waits until *word == value, polling with a bound of 60 s. */
static int mp_wait_for(volatile LONG *word, LONG value) {
  ULONGLONG deadline = GetTickCount64() + 60000;

  while (InterlockedCompareExchange(word, value, value) != value) {
    if (GetTickCount64() > deadline) return 0;
    SwitchToThread();
  }
  return 1;
}

/* Child argv: name, index. Fills its slot and adds MP_ROUNDS to counter. */
CHILD(fill_and_count) {
  PRSharedMemory *shm;
  mp_shared *s;
  int i, index;

  if (argc != 2) return 2;
  index = atoi(argv[1]);
  shm = PR_OpenSharedMemory(argv[0], sizeof(mp_shared), 0, 0);
  if (shm == NULL || (s = PR_AttachSharedMemory(shm, 0)) == NULL) return 3;
  memset(s->slots[index], 'a' + index, sizeof s->slots[index]);
  for (i = 0; i < MP_ROUNDS; i++) InterlockedIncrement(&s->counter);
  if (PR_DetachSharedMemory(shm, s) != PR_SUCCESS) return 4;
  return PR_CloseSharedMemory(shm) == PR_SUCCESS ? 0 : 5;
}

TEST(children_write_the_parent_reads) {
  const char *name = t_name("fill");
  PRSharedMemory *shm =
      PR_OpenSharedMemory(name, sizeof(mp_shared), PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  t_proc kids[MP_CHILDREN];
  char index[MP_CHILDREN][8];
  mp_shared *s;
  int i;
  size_t j;

  CHECK_NOT_NULL(shm);
  s = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(s);
  for (i = 0; i < MP_CHILDREN; i++) {
    const char *args[] = {name, index[i], NULL};
    snprintf(index[i], sizeof index[i], "%d", i);
    kids[i] = t_spawn("fill_and_count", args);
  }
  for (i = 0; i < MP_CHILDREN; i++) CHECK_EQ(t_wait(kids[i]), 0);
  CHECK_EQ(s->counter, MP_CHILDREN * MP_ROUNDS);
  for (i = 0; i < MP_CHILDREN; i++)
    for (j = 0; j < sizeof s->slots[i]; j++) CHECK_EQ(s->slots[i][j], 'a' + i);
  CHECK_OK(PR_DetachSharedMemory(shm, s));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Child argv: name. Plays the odd turns of the ping-pong. */
CHILD(pong) {
  PRSharedMemory *shm;
  mp_shared *s;
  LONG turn;

  if (argc != 1) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL || (s = PR_AttachSharedMemory(shm, 0)) == NULL) return 3;
  for (turn = 1; turn < 200; turn += 2) {
    if (!mp_wait_for(&s->turn, turn)) return 4;
    InterlockedIncrement(&s->rounds);
    InterlockedExchange(&s->turn, turn + 1);
  }
  PR_DetachSharedMemory(shm, s);
  return PR_CloseSharedMemory(shm) == PR_SUCCESS ? 0 : 5;
}

TEST(ping_pong_through_a_status_word) {
  const char *name = t_name("pingpong");
  const char *args[] = {name, NULL};
  PRSharedMemory *shm =
      PR_OpenSharedMemory(name, sizeof(mp_shared), PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  mp_shared *s;
  t_proc child;
  LONG turn;

  CHECK_NOT_NULL(shm);
  s = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(s);
  child = t_spawn("pong", args);
  for (turn = 0; turn < 200; turn += 2) {
    CHECK(mp_wait_for(&s->turn, turn));
    InterlockedIncrement(&s->rounds);
    InterlockedExchange(&s->turn, turn + 1);
  }
  CHECK_EQ(t_wait(child), 0);
  CHECK_EQ(s->rounds, 200);
  CHECK_OK(PR_DetachSharedMemory(shm, s));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

#define MP_FAULT_EXIT 42

static volatile char *mp_target; /* the address the child writes to */

/* Ends the process with MP_FAULT_EXIT for a write fault at mp_target. */
static LONG WINAPI mp_on_fault(EXCEPTION_POINTERS *info) {
  const EXCEPTION_RECORD *r = info->ExceptionRecord;
  if (r->ExceptionCode == EXCEPTION_ACCESS_VIOLATION && r->NumberParameters >= 2 &&
      r->ExceptionInformation[0] == 1 && (void *)r->ExceptionInformation[1] == mp_target)
    ExitProcess(MP_FAULT_EXIT);
  return EXCEPTION_CONTINUE_SEARCH;
}

/* Child argv: name. Attaches read-only and writes: must fault. */
CHILD(write_readonly) {
  PRSharedMemory *shm;

  if (argc != 1) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL || (mp_target = PR_AttachSharedMemory(shm, PR_SHM_READONLY)) == NULL) return 3;
  if (mp_target[0] != 'r') return 4;
  AddVectoredExceptionHandler(1, mp_on_fault);
  mp_target[0] = 'w';
  return 0; /* the write went through */
}

TEST(readonly_attach_faults_on_write) {
  const char *name = t_name("rofault");
  const char *args[] = {name, NULL};
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  p[0] = 'r';
  CHECK_EQ(t_wait(t_spawn("write_readonly", args)), MP_FAULT_EXIT);
  CHECK_EQ(p[0], 'r');
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Child argv: name. Opens a segment it may only read: a read-write attach
 * is refused, a read-only one works. */
CHILD(read_only_user) {
  PRSharedMemory *shm;
  char *p;

  if (argc != 1) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL) return 3;
  if (PR_AttachSharedMemory(shm, 0) != NULL) return 4;
  if (PR_GetError() != PR_NO_ACCESS_RIGHTS_ERROR) return 5;
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  if (p == NULL || strcmp(p, "for reading") != 0) return 6;
  PR_DetachSharedMemory(shm, p);
  return PR_CloseSharedMemory(shm) == PR_SUCCESS ? 0 : 7;
}

TEST(a_reader_opens_and_attaches_read_only) {
  const char *name = t_name("reader");
  const char *args[] = {name, NULL};
  /* 0400: the owner itself may only read. */
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0400);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0); /* the creator's handle may write */
  CHECK_NOT_NULL(p);
  strcpy(p, "for reading");
  CHECK_EQ(t_wait(t_spawn("read_only_user", args)), 0);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Child argv: name. Opens and attaches, then is killed while attached. */
CHILD(attach_and_hang) {
  PRSharedMemory *shm;
  mp_shared *s;

  if (argc != 1) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL || (s = PR_AttachSharedMemory(shm, 0)) == NULL) return 3;
  InterlockedExchange(&s->turn, 1);
  Sleep(INFINITE); /* until killed: the test waits on the status word */
  return 0;
}

TEST(a_killed_child_leaves_the_segment_usable) {
  const char *name = t_name("killed");
  const char *args[] = {name, NULL};
  PRSharedMemory *shm =
      PR_OpenSharedMemory(name, sizeof(mp_shared), PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  mp_shared *s;
  t_proc child;

  CHECK_NOT_NULL(shm);
  s = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(s);
  child = t_spawn("attach_and_hang", args);
  CHECK(mp_wait_for(&s->turn, 1));
  t_kill(child);
  CHECK_EQ(t_wait(child), 137);
  CHECK_OK(PR_DetachSharedMemory(shm, s));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}
