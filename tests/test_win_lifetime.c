/*
 * test_win_lifetime.c - how long a segment and its name live on Windows
 * (src/win/win32.c, docs/windows.md): the creating process keeps a segment
 * alive until it is deleted or that process exits; after that, any handle
 * keeps it, name and all, while a view alone keeps only the memory (Windows
 * removes a name with the last handle, views or not); delete makes the name
 * unusable at once while attachments keep working. Deletes by other
 * processes, and deletes racing one another, are test_win_delete.c's.
 */
#include <windows.h>

#include "proc_win.h"
#include "runner.h"
#include "win.h"

/* A named event for two processes to meet on, unique to the parent. */
static HANDLE life_event(const char *name) {
  WCHAR wide[128];
  HANDLE h;

  CHECK(MultiByteToWideChar(CP_UTF8, 0, name, -1, wide, 128) != 0);
  h = CreateEventW(NULL, TRUE, FALSE, wide);
  CHECK(h != NULL);
  return h;
}

static void life_event_name(char *buf, size_t size, long pid, const char *tag) {
  snprintf(buf, size, "Local\\prshm-test-%ld-%s", pid, tag);
}

/* Waits for an event, bounded: a child that never signals fails the test. */
static int life_wait(HANDLE h) { return WaitForSingleObject(h, 60000) == WAIT_OBJECT_0; }

TEST(segment_stays_after_its_handles_close) {
  const char *name = t_name("stays");
  size_t kept = prshm__win_keep_count();
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  char *p;

  CHECK_NOT_NULL(shm);
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "kept");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* Nothing of the caller's is open: the section lives on as on Unix. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "kept");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_FILE_NOT_FOUND);
}

TEST(delete_hides_the_name_while_attachments_work) {
  const char *name = t_name("hide");
  PRSharedMemory *a, *b, *c;
  char *pa, *pb, *pc;

  a = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(a);
  pa = PR_AttachSharedMemory(a, 0);
  CHECK_NOT_NULL(pa);
  b = PR_OpenSharedMemory(name, 4096, 0, 0);
  CHECK_NOT_NULL(b);
  pb = PR_AttachSharedMemory(b, 0);
  CHECK_NOT_NULL(pb);
  CHECK_OK(PR_DeleteSharedMemory(name));

  /* Gone for openers... */
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* ...still working for the attachments... */
  strcpy(pa, "after delete");
  CHECK_STR(pb, "after delete");
  /* ...and in the way of a creator while they hold it. */
  CHECK(PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK(PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);

  CHECK_OK(PR_CloseSharedMemory(a));
  CHECK_OK(PR_DetachSharedMemory(b, pb));
  CHECK_OK(PR_CloseSharedMemory(b));
  /* One view is left, and no handle. Windows removes a section's name with
   * its last handle, views or not (wine alike): the name is free for a
   * fresh segment, and the view keeps the old memory. */
  c = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(c);
  pc = PR_AttachSharedMemory(c, 0);
  CHECK_NOT_NULL(pc);
  CHECK_EQ(pc[0], 0); /* fresh, zeroed memory */
  strcpy(pc, "new");
  CHECK_STR(pa, "after delete");
  CHECK(UnmapViewOfFile(pa)); /* the last view, of a closed handle: unmap by hand */
  CHECK_OK(PR_DetachSharedMemory(c, pc));
  CHECK_OK(PR_CloseSharedMemory(c));
}

TEST(delete_of_a_missing_name_changes_nothing) {
  const char *name = t_name("missing");
  size_t kept = prshm__win_keep_count();

  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_FILE_NOT_FOUND);
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* Creates argv[0] with "hello" in it, tells argv[1], waits for argv[2],
 * exits without deleting. */
CHILD(create_and_wait) {
  PRSharedMemory *shm;
  char *p;
  WCHAR ready[128], go[128];
  HANDLE hr, hg;

  if (argc != 3) return 2;
  shm = PR_OpenSharedMemory(argv[0], 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (shm == NULL || (p = PR_AttachSharedMemory(shm, 0)) == NULL) return 3;
  strcpy(p, "hello");
  MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, ready, 128);
  MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, go, 128);
  hr = OpenEventW(EVENT_MODIFY_STATE, FALSE, ready);
  hg = OpenEventW(SYNCHRONIZE, FALSE, go);
  if (hr == NULL || hg == NULL || !SetEvent(hr)) return 4;
  return life_wait(hg) ? 0 : 5;
}

TEST(segment_ends_with_its_creator_unless_held) {
  const char *name = t_name("creator");
  char ready[96], go[96];
  const char *args[] = {name, ready, go, NULL};
  HANDLE hr, hg;
  t_proc child;
  PRSharedMemory *held;
  char *p;

  life_event_name(ready, sizeof ready, t_pid(), "ready");
  life_event_name(go, sizeof go, t_pid(), "go");
  hr = life_event(ready);
  hg = life_event(go);

  /* Not held by anyone else: gone with the process that created it. */
  SetEvent(hg);
  CHECK_EQ(t_wait(t_spawn("create_and_wait", args)), 0);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);

  /* Held: it outlives its creator, for as long as it is held. */
  ResetEvent(hg);
  ResetEvent(hr);
  child = t_spawn("create_and_wait", args);
  CHECK(life_wait(hr));
  held = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(held);
  SetEvent(hg);
  CHECK_EQ(t_wait(child), 0);
  p = PR_AttachSharedMemory(held, 0);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "hello");
  CHECK_OK(PR_DetachSharedMemory(held, p));
  CHECK_OK(PR_CloseSharedMemory(held));
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CloseHandle(hr);
  CloseHandle(hg);
}

TEST(a_view_alone_keeps_the_memory_not_the_name) {
  const char *name = t_name("view");
  char ready[96], go[96];
  const char *args[] = {name, ready, go, NULL};
  HANDLE hr, hg;
  t_proc child;
  PRSharedMemory *held;
  char *p, *q;

  life_event_name(ready, sizeof ready, t_pid(), "vready");
  life_event_name(go, sizeof go, t_pid(), "vgo");
  hr = life_event(ready);
  hg = life_event(go);
  child = t_spawn("create_and_wait", args);
  CHECK(life_wait(hr));
  held = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(held);
  p = PR_AttachSharedMemory(held, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  /* Only a view is left here, then the creator exits. */
  CHECK_OK(PR_CloseSharedMemory(held));
  SetEvent(hg);
  CHECK_EQ(t_wait(child), 0);
  /* The name went with the last handle, on Windows as under wine: gone for
   * an opener, free for a creator, who gets fresh memory... */
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  held = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(held);
  q = PR_AttachSharedMemory(held, 0);
  CHECK_NOT_NULL(q);
  CHECK_EQ(q[0], 0);
  /* ...while the view still shows the old segment's bytes. */
  CHECK_STR(p, "hello");
  CHECK(UnmapViewOfFile(p)); /* of a closed handle: unmapped by hand */
  CHECK_OK(PR_DetachSharedMemory(held, q));
  CHECK_OK(PR_CloseSharedMemory(held));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CloseHandle(hr);
  CloseHandle(hg);
}

TEST(delete_twice_and_recreate_in_a_loop) {
  const char *name = t_name("loop");
  size_t kept = prshm__win_keep_count();
  long handles = t_open_descriptors();
  int i;

  for (i = 0; i < 200; i++) {
    PRSharedMemory *shm = PR_OpenSharedMemory(name, 256, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    int *p;
    CHECK_NOT_NULL(shm);
    p = PR_AttachSharedMemory(shm, 0);
    CHECK_NOT_NULL(p);
    CHECK_EQ(*p, 0);
    *p = i + 1;
    CHECK_OK(PR_DetachSharedMemory(shm, p));
    CHECK_OK(PR_CloseSharedMemory(shm));
    CHECK_OK(PR_DeleteSharedMemory(name));
    CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  }
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK_EQ(t_open_descriptors(), handles);
  /* Nor is any handle left on the events and locks that go with it. */
  CHECK_EQ(t_win_named_handles(name + 1), 0);
}
