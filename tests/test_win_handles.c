/*
 * test_win_handles.c - prshm's handles on Windows: none is inheritable
 * (NSPR's are, so every child got them), and none leaks.
 */
#include <windows.h>

#include "runner.h"
#include "win.h"

/* The section handle behind a prshm handle. */
static HANDLE handles_os(PRSharedMemory *shm) {
  prshm__handle *h = prshm__registry_acquire(shm);
  HANDLE os;

  CHECK(h != NULL);
  os = (HANDLE)prshm__handle_seg(h)->os;
  prshm__registry_release(h);
  return os;
}

static int handles_inheritable(HANDLE h) {
  DWORD flags = 0;
  CHECK(GetHandleInformation(h, &flags));
  return (flags & HANDLE_FLAG_INHERIT) != 0;
}

TEST(handles_are_not_inheritable) {
  const char *name = t_name("flag");
  PRSharedMemory *a = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600), *b;

  CHECK_NOT_NULL(a);
  b = PR_OpenSharedMemory(name, 64, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK(!handles_inheritable(handles_os(a)));
  CHECK(!handles_inheritable(handles_os(b)));
  CHECK_OK(PR_CloseSharedMemory(b));
  CHECK_OK(PR_CloseSharedMemory(a));
}

/* Maps each handle value in argv[1..] and reports, one bit per value, which
 * of them show the text argv[0] (so were inherited). */
CHILD(probe_handles) {
  int i, seen = 0;

  for (i = 1; i < argc; i++) {
    HANDLE h = (HANDLE)(uintptr_t)strtoull(argv[i], NULL, 10);
    const char *p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    if (p != NULL) {
      if (strcmp(p, argv[0]) == 0) seen |= 1 << (i - 1);
      UnmapViewOfFile(p);
    }
  }
  return seen;
}

TEST(children_inherit_no_handle) {
  const char *name = t_name("child");
  char magic[64], created[32], opened[32], control[32];
  const char *args[] = {magic, control, created, opened, NULL};
  PRSharedMemory *a = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600), *b;
  HANDLE dup;
  char *p;

  CHECK_NOT_NULL(a);
  b = PR_OpenSharedMemory(name, 64, 0, 0);
  CHECK_NOT_NULL(b);
  p = PR_AttachSharedMemory(a, 0);
  CHECK_NOT_NULL(p);
  snprintf(magic, sizeof magic, "inherited-%ld", t_pid());
  strcpy(p, magic);
  /* The control: a handle made inheritable on purpose must get through,
   * or the probe proves nothing. */
  CHECK(DuplicateHandle(GetCurrentProcess(), handles_os(a), GetCurrentProcess(), &dup, 0, TRUE,
                        DUPLICATE_SAME_ACCESS));
  snprintf(control, sizeof control, "%llu", (unsigned long long)(uintptr_t)dup);
  snprintf(created, sizeof created, "%llu", (unsigned long long)(uintptr_t)handles_os(a));
  snprintf(opened, sizeof opened, "%llu", (unsigned long long)(uintptr_t)handles_os(b));
  CHECK_EQ(t_wait(t_spawn("probe_handles", args)), 1);
  CloseHandle(dup);
  CHECK_OK(PR_DetachSharedMemory(a, p));
  CHECK_OK(PR_CloseSharedMemory(b));
  CHECK_OK(PR_CloseSharedMemory(a));
}

TEST(no_handle_leaks) {
  const char *name = t_name("leak");
  long before;
  int i;

  /* A first round, so that whatever the runtime allocates once is there. */
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  before = t_open_descriptors();
  CHECK_INT(before, >=, 0);
  for (i = 0; i < 100; i++) {
    PRSharedMemory *a = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600), *b;
    void *p;
    CHECK_NOT_NULL(a);
    /* One handle, and one that keeps the segment alive until it is
     * deleted (counted apart). */
    CHECK_EQ(t_open_descriptors(), before + 1);
    CHECK_EQ(prshm__win_keep_count(), 1);
    b = PR_OpenSharedMemory(name, 64, 0, 0);
    CHECK_NOT_NULL(b);
    p = PR_AttachSharedMemory(b, 0);
    CHECK_NOT_NULL(p);
    CHECK(PR_OpenSharedMemory(name, 65, 0, 0) == NULL);
    CHECK(PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
    CHECK_OK(PR_DetachSharedMemory(b, p));
    CHECK_OK(PR_CloseSharedMemory(b));
    CHECK_OK(PR_CloseSharedMemory(a));
    CHECK_EQ(t_open_descriptors(), before);
    CHECK_EQ(prshm__win_keep_count(), 1);
    CHECK_OK(PR_DeleteSharedMemory(name));
    CHECK_EQ(prshm__win_keep_count(), 0);
    CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
    CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
    CHECK_EQ(t_open_descriptors(), before);
  }
}
