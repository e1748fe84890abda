/*
 * test_win_sizes.c - sizes on Windows: an opener learns the exact size the
 * creator asked for (Windows itself keeps only the page-rounded size of a
 * pagefile section), a larger size is refused, size 0 maps the real size,
 * and the memory is committed when the segment is created.
 */
#include <windows.h>

#include "runner.h"
#include "win.h"

static PRSize sizes_of(PRSharedMemory *shm) {
  PRSize size = 0;
  CHECK_OK(prshm_get_size(shm, &size));
  return size;
}

TEST(opener_learns_the_exact_size) {
  const char *name = t_name("exact");
  PRSharedMemory *a = PR_OpenSharedMemory(name, 100, PR_SHM_CREATE | PR_SHM_EXCL, 0600), *b;

  CHECK_NOT_NULL(a);
  CHECK_EQ(sizes_of(a), 100);
  b = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_EQ(sizes_of(b), 100);
  CHECK_OK(PR_CloseSharedMemory(b));
  CHECK(PR_OpenSharedMemory(name, 101, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  b = PR_OpenSharedMemory(name, 100, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_EQ(sizes_of(b), 100);
  CHECK_OK(PR_CloseSharedMemory(b));
  b = PR_OpenSharedMemory(name, 7, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(b);
  CHECK_EQ(sizes_of(b), 7);
  CHECK_OK(PR_CloseSharedMemory(b));
  CHECK_OK(PR_CloseSharedMemory(a));
}

/* Opens argv[0] with size 0 and with argv[1] + 1, and writes what it
 * learnt into the segment. */
CHILD(report_size) {
  PRSharedMemory *shm;
  char *p;
  PRSize size = 0;

  if (argc != 2) return 2;
  if (PR_OpenSharedMemory(argv[0], (PRSize)atol(argv[1]) + 1, 0, 0) != NULL) return 3;
  if (PR_GetError() != PR_INVALID_ARGUMENT_ERROR) return 4;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL || prshm_get_size(shm, &size) != PR_SUCCESS) return 5;
  p = PR_AttachSharedMemory(shm, 0);
  if (p == NULL) return 6;
  snprintf(p, size, "%zu", size);
  PR_DetachSharedMemory(shm, p);
  return PR_CloseSharedMemory(shm) == PR_SUCCESS ? 0 : 7;
}

TEST(another_process_learns_the_exact_size) {
  static const PRSize sizes[] = {10, 4095, 4097, 65537};
  size_t i;

  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    const char *name = t_name("child");
    char arg[32], expect[32];
    const char *args[] = {name, arg, NULL};
    PRSharedMemory *shm = PR_OpenSharedMemory(name, sizes[i], PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    char *p;
    CHECK_NOT_NULL(shm);
    snprintf(arg, sizeof arg, "%zu", sizes[i]);
    CHECK_EQ(t_wait(t_spawn("report_size", args)), 0);
    p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
    CHECK_NOT_NULL(p);
    snprintf(expect, sizeof expect, "%zu", sizes[i]);
    CHECK_STR(p, expect);
    CHECK_OK(PR_DetachSharedMemory(shm, p));
    CHECK_OK(PR_CloseSharedMemory(shm));
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
}

TEST(foreign_sections_have_their_page_rounded_size) {
  const char *name = t_name("foreign");
  char native[PRSHM_NATIVE_NAME_MAX];
  WCHAR wide[PRSHM__KEY_SIZE];
  SYSTEM_INFO si;
  PRSharedMemory *shm;
  HANDLE h;

  /* Made by a program that is not prshm: no exact size to find. */
  GetSystemInfo(&si);
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  CHECK(MultiByteToWideChar(CP_UTF8, 0, native, -1, wide, PRSHM__KEY_SIZE) != 0);
  h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100, wide);
  CHECK(h != NULL);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_EQ(sizes_of(shm), si.dwPageSize);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK(PR_OpenSharedMemory(name, si.dwPageSize + 1, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CloseHandle(h);
}

TEST(a_marker_claiming_more_than_can_be_mapped_is_refused) {
  static const PRUint64 claims[] = {(PRUint64)PRSHM__SIZE_MAX + 1, (PRUint64)PTRDIFF_MAX + 1,
                                    0xFFFFFFFFFFFFFFFFull};
  const char *name = t_name("claim");
  char native[PRSHM_NATIVE_NAME_MAX];
  WCHAR wide[PRSHM__KEY_SIZE];
  size_t i;

  CHECK_OK(prshm_native_name(name, native, sizeof native));
  CHECK(MultiByteToWideChar(CP_UTF8, 0, native, -1, wide, PRSHM__KEY_SIZE) != 0);
  for (i = 0; i < sizeof claims / sizeof claims[0]; i++) {
    prshm__win_sd sd;
    SECURITY_ATTRIBUTES sa = {sizeof sa, &sd.sd, FALSE};
    HANDLE h;
    /* One page, whose marker (written as prshm writes it) says more. */
    CHECK_OK(prshm__win_sd_for_mode(&sd, 0600, claims[i]));
    h = CreateFileMappingW(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, wide);
    CHECK(h != NULL);
    CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
    CHECK_ERROR(PR_FILE_TOO_BIG_ERROR);
    CHECK(PR_OpenSharedMemory(name, 100, 0, 0) == NULL);
    CHECK_ERROR(PR_FILE_TOO_BIG_ERROR);
    CloseHandle(h);
  }
}

TEST(memory_is_committed_at_creation) {
  const char *name = t_name("commit");
  const PRSize size = 3 * 65536 + 5;
  PRSharedMemory *shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  MEMORY_BASIC_INFORMATION info;
  char *p, *q;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  /* Committed from the start, untouched: a SEC_RESERVE section would show
   * MEM_RESERVE here and fault on first touch. */
  CHECK_EQ(VirtualQuery(p, &info, sizeof info), sizeof info);
  CHECK_EQ(info.State, MEM_COMMIT);
  CHECK_EQ(info.Type, MEM_MAPPED);
  CHECK_EQ(info.Protect, PAGE_READWRITE);
  CHECK_INT(info.RegionSize, >=, size);
  p[size - 1] = 1;
  q = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(q);
  CHECK_EQ(VirtualQuery(q, &info, sizeof info), sizeof info);
  CHECK_EQ(info.Protect, PAGE_READONLY);
  CHECK_EQ(q[size - 1], 1);
  CHECK_OK(PR_DetachSharedMemory(shm, q));
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(too_large_fails_at_creation_and_leaves_nothing) {
  const char *name = t_name("huge");
  size_t kept = prshm__win_keep_count();
  long handles = t_open_descriptors();

  /* 64 TiB: more than any commit limit. */
  CHECK(PR_OpenSharedMemory(name, (PRSize)1 << 46, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  CHECK(PR_GetOSError() == ERROR_NOT_ENOUGH_MEMORY || PR_GetOSError() == ERROR_COMMITMENT_LIMIT);
  CHECK_EQ(prshm__win_keep_count(), kept);
  CHECK_EQ(t_open_descriptors(), handles);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

TEST(create_needs_a_size) {
  const char *name = t_name("zero");

  CHECK(PR_OpenSharedMemory(name, 0, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}
