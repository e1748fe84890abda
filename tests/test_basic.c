/*
 * test_basic.c - the life of one segment through NSPR's five calls.
 */
#include "runner.h"

TEST(create_attach_write_reopen_read) {
  const char *name = t_name("basic");
  PRSharedMemory *a, *b;
  char *pa, *pb;

  a = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(a);
  pa = PR_AttachSharedMemory(a, 0);
  CHECK_NOT_NULL(pa);
  CHECK_EQ(pa[0], 0);
  CHECK_EQ(pa[4095], 0);
  strcpy(pa, "across handles");

  b = PR_OpenSharedMemory(name, 4096, 0, 0);
  CHECK_NOT_NULL(b);
  pb = PR_AttachSharedMemory(b, PR_SHM_READONLY);
  CHECK_NOT_NULL(pb);
  CHECK(pb != pa);
  CHECK_STR(pb, "across handles");

  CHECK_OK(PR_DetachSharedMemory(b, pb));
  CHECK_OK(PR_CloseSharedMemory(b));
  CHECK_OK(PR_DetachSharedMemory(a, pa));
  CHECK_OK(PR_CloseSharedMemory(a));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(PR_OpenSharedMemory(name, 4096, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

TEST(child_reads_what_parent_wrote) {
  const char *name = t_name("child");
  const char *args[] = {name, NULL};
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, 0600);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "ping");
  CHECK_EQ(t_wait(t_spawn("reply", args)), 0);
  CHECK_STR(p, "pong");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

CHILD(reply) {
  PRSharedMemory *shm;
  char *p;

  if (argc != 1) return 2;
  shm = PR_OpenSharedMemory(argv[0], 64, 0, 0);
  if (shm == NULL) return 3;
  p = PR_AttachSharedMemory(shm, 0);
  if (p == NULL || strcmp(p, "ping") != 0) return 4;
  strcpy(p, "pong");
  if (PR_DetachSharedMemory(shm, p) != PR_SUCCESS) return 5;
  return PR_CloseSharedMemory(shm) == PR_SUCCESS ? 0 : 6;
}
