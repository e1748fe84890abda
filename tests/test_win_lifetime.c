/*
 * test_win_lifetime.c - how long a segment lives on Windows, and what
 * PR_DeleteSharedMemory() does there (src/win/win32.c, docs/windows.md):
 * the creating process keeps a segment alive until it deletes it or exits;
 * delete makes the name unusable at once while attachments keep working,
 * and the name is free again when the last handle and view are gone.
 */
#include <windows.h>

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

/* Whether this runs under wine, which exports its version from ntdll. */
static int life_under_wine(void) {
  return GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != NULL;
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
  /* One view is left. Windows keeps a section, name and all, while a view
   * of it exists; wine frees the name with the last handle. */
  c = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600);
  if (life_under_wine()) {
    CHECK_NOT_NULL(c);
    CHECK_OK(PR_CloseSharedMemory(c));
    CHECK_OK(PR_DeleteSharedMemory(name));
  } else {
    CHECK(c == NULL);
    CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  }
  CHECK_STR(pa, "after delete");
  CHECK(UnmapViewOfFile(pa)); /* the last view, of a closed handle: unmap by hand */
  c = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(c);
  pc = PR_AttachSharedMemory(c, 0);
  CHECK_NOT_NULL(pc);
  CHECK_EQ(pc[0], 0); /* fresh, zeroed memory */
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
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "old");
  CHECK_EQ(t_wait(t_spawn("delete_it", args)), 0);
  /* The creator still holds it open: the name stays taken. Seeing the
   * deletion, prshm has let go of the handle it kept. */
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  CHECK(PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(prshm__win_keep_count(), kept);
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
}

TEST(opening_a_deleted_name_lets_go_of_the_kept_handle) {
  const char *name = t_name("letgo");
  const char *args[] = {name, NULL};
  size_t kept = prshm__win_keep_count();
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);

  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_EQ(t_wait(t_spawn("delete_it", args)), 0);
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(prshm__win_keep_count(), kept);
  /* And the memory went with it: the name is free. */
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_GetOSError(), ERROR_FILE_NOT_FOUND);
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
}

TEST(a_kept_handle_goes_only_with_its_own_deleted_section) {
  const char *name = t_name("own");
  const char *args[] = {name, NULL};
  char key[PRSHM__KEY_SIZE];
  size_t kept = prshm__win_keep_count();
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);

  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(prshm__backend_impl.key(name, PRSHM__KIND_SEG, key));
  /* Live: asking to let it go changes nothing. */
  CHECK(!prshm__win_keep_release_deleted(key));
  CHECK_EQ(prshm__win_keep_count(), kept + 1);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* Deleted by another process: now it goes. */
  CHECK_EQ(t_wait(t_spawn("delete_it", args)), 0);
  CHECK(prshm__win_keep_release_deleted(key));
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK(!prshm__win_keep_release_deleted(key));
}
