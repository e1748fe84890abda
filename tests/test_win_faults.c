/*
 * test_win_faults.c - every error path of the Windows backend, reached
 * through the replaceable system-call table (src/win/sys.h): a faked entry
 * fails its n-th call with a chosen GetLastError() value and passes the
 * others to the real call. Each case checks the error reported, the raw
 * error kept, and that nothing was left behind (no section, no handle, no
 * kept segment).
 */
#include <windows.h>

#include "runner.h"
#include "sys.h"
#include "win.h"

static prshm__syscalls f_real; /* the real table, saved by f_begin() */
static int f_calls;            /* calls of the faked entry so far */
static int f_fail_at;          /* the call that fails (1-based); 0: every call */
static DWORD f_error;          /* what GetLastError() says then */

/* Whether this call of the faked entry fails; sets the error if so. */
static int f_fails(void) {
  f_calls++;
  if (f_fail_at != 0 && f_calls != f_fail_at) return 0;
  SetLastError(f_error);
  return 1;
}

static HANDLE f_create_mapping(HANDLE file, SECURITY_ATTRIBUTES *sa, DWORD protect, DWORD hi,
                               DWORD lo, const WCHAR *name) {
  return f_fails() ? NULL : f_real.create_mapping(file, sa, protect, hi, lo, name);
}
static HANDLE f_open_mapping(DWORD access, BOOL inherit, const WCHAR *name) {
  return f_fails() ? NULL : f_real.open_mapping(access, inherit, name);
}
static void *f_map_view(HANDLE h, DWORD access, DWORD hi, DWORD lo, SIZE_T bytes) {
  return f_fails() ? NULL : f_real.map_view(h, access, hi, lo, bytes);
}
static BOOL f_unmap_view(const void *addr) { return f_fails() ? FALSE : f_real.unmap_view(addr); }
static BOOL f_close_handle(HANDLE h) { return f_fails() ? FALSE : f_real.close_handle(h); }
static BOOL f_duplicate_handle(HANDLE h, HANDLE *copy, DWORD access) {
  return f_fails() ? FALSE : f_real.duplicate_handle(h, copy, access);
}
static BOOL f_get_token_information(HANDLE t, TOKEN_INFORMATION_CLASS what, void *buf, DWORD size,
                                    DWORD *needed) {
  return f_fails() ? FALSE : f_real.get_token_information(t, what, buf, size, needed);
}
static BOOL f_get_object_security(HANDLE h, SECURITY_INFORMATION what, PSECURITY_DESCRIPTOR sd,
                                  DWORD size, DWORD *needed) {
  if (!f_fails()) return f_real.get_object_security(h, what, sd, size, needed);
  *needed = 8192; /* as asked for, in the ERROR_INSUFFICIENT_BUFFER cases */
  return FALSE;
}
static BOOL f_set_object_security(HANDLE h, SECURITY_INFORMATION what, PSECURITY_DESCRIPTOR sd) {
  return f_fails() ? FALSE : f_real.set_object_security(h, what, sd);
}
static DWORD f_get_current_directory(DWORD size, WCHAR *buf) {
  return f_fails() ? 0 : f_real.get_current_directory(size, buf);
}
static SIZE_T f_virtual_query(const void *addr, MEMORY_BASIC_INFORMATION *info, SIZE_T size) {
  return f_fails() ? 0 : f_real.virtual_query(addr, info, size);
}

/* Counts of what could be left behind, taken before a case. */
typedef struct f_state {
  long handles; /* this process's handles */
  size_t kept;  /* segments kept alive */
  size_t open;  /* prshm handles open */
} f_state;

static f_state f_begin(int fail_at, DWORD error) {
  f_state s;
  prshm__sys_reset();
  f_real = prshm__sys;
  f_calls = 0;
  f_fail_at = fail_at;
  f_error = error;
  s.handles = t_open_descriptors();
  s.kept = prshm__win_keep_count();
  s.open = prshm__registry_count();
  return s;
}

/* Restores the table and checks that nothing was left behind. */
static void f_end(f_state s) {
  prshm__sys_reset();
  CHECK_EQ(t_open_descriptors(), s.handles);
  CHECK_EQ(prshm__win_keep_count(), s.kept);
  CHECK_EQ(prshm__registry_count(), s.open);
}

/* The call failed with `code` and kept `oserr` raw. */
#define F_CHECK_FAILED(code, oserr)     \
  do {                                  \
    CHECK_ERROR(code);                  \
    CHECK_EQ(PR_GetOSError(), (oserr)); \
  } while (0)

static void f_check_absent(const char *name) {
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

static PRSharedMemory *f_create(const char *name) {
  return PR_OpenSharedMemory(name, 100, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
}

TEST(create_fails_for_lack_of_commit) {
  const char *name = t_name("commit");
  f_state s = f_begin(1, ERROR_COMMITMENT_LIMIT);

  prshm__sys.create_mapping = f_create_mapping;
  CHECK(f_create(name) == NULL);
  F_CHECK_FAILED(PR_OUT_OF_MEMORY_ERROR, ERROR_COMMITMENT_LIMIT);
  f_end(s);
  f_check_absent(name);
}

TEST(create_denied_in_the_namespace) {
  const char *name = t_name("denied");
  f_state s = f_begin(0, ERROR_ACCESS_DENIED);

  /* As Global\ without SeCreateGlobalPrivilege: denied, and nothing there. */
  prshm__sys.create_mapping = f_create_mapping;
  CHECK(f_create(name) == NULL);
  F_CHECK_FAILED(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
  CHECK(PR_OpenSharedMemory(name, 100, PR_SHM_CREATE, 0600) == NULL);
  F_CHECK_FAILED(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
  f_end(s);
  f_check_absent(name);
}

TEST(name_held_by_another_kind_of_object) {
  const char *name = t_name("event");
  char native[PRSHM_NATIVE_NAME_MAX];
  WCHAR wide[PRSHM__KEY_SIZE];
  f_state s = f_begin(0, 0);
  HANDLE event;

  CHECK_OK(prshm_native_name(name, native, sizeof native));
  CHECK(MultiByteToWideChar(CP_UTF8, 0, native, -1, wide, PRSHM__KEY_SIZE) != 0);
  event = CreateEventW(NULL, FALSE, FALSE, wide);
  CHECK(event != NULL); /* not a section: not counted by t_open_descriptors() */
  CHECK(f_create(name) == NULL);
  F_CHECK_FAILED(PR_INVALID_STATE_ERROR, ERROR_INVALID_HANDLE);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  F_CHECK_FAILED(PR_INVALID_STATE_ERROR, ERROR_INVALID_HANDLE);
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  F_CHECK_FAILED(PR_INVALID_STATE_ERROR, ERROR_INVALID_HANDLE);
  f_end(s);
  CloseHandle(event);
}

TEST(keeping_the_segment_alive_fails) {
  const char *name = t_name("keep");
  f_state s = f_begin(1, ERROR_NO_SYSTEM_RESOURCES);

  prshm__sys.duplicate_handle = f_duplicate_handle;
  CHECK(f_create(name) == NULL);
  F_CHECK_FAILED(PR_INSUFFICIENT_RESOURCES_ERROR, ERROR_NO_SYSTEM_RESOURCES);
  f_end(s);
  /* The section went with the handle: the create left nothing. */
  f_check_absent(name);
}

TEST(reading_the_token_fails) {
  int call;

  for (call = 1; call <= 2; call++) { /* TokenUser, then TokenIntegrityLevel */
    const char *name = t_name("token");
    f_state s = f_begin(call, ERROR_ACCESS_DENIED);
    prshm__sys.get_token_information = f_get_token_information;
    CHECK(f_create(name) == NULL);
    F_CHECK_FAILED(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
    CHECK_EQ(f_calls, call);
    f_end(s);
    f_check_absent(name);
  }
}

TEST(reading_the_descriptor_fails_on_open) {
  const char *name = t_name("readsd");
  PRSharedMemory *shm = f_create(name);
  f_state s;

  CHECK_NOT_NULL(shm);
  s = f_begin(1, ERROR_NOT_ENOUGH_MEMORY);
  prshm__sys.get_object_security = f_get_object_security;
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  F_CHECK_FAILED(PR_OUT_OF_MEMORY_ERROR, ERROR_NOT_ENOUGH_MEMORY);
  /* Asked for more room twice: the descriptor keeps growing. */
  f_begin(0, ERROR_INSUFFICIENT_BUFFER);
  prshm__sys.get_object_security = f_get_object_security;
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  F_CHECK_FAILED(PR_OUT_OF_MEMORY_ERROR, ERROR_INSUFFICIENT_BUFFER);
  CHECK_EQ(f_calls, 2);
  f_end(s);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(large_descriptor_is_read_from_the_heap) {
  const char *name = t_name("bigsd");
  PRSharedMemory *shm = f_create(name), *b;
  PRSize size = 0;
  f_state s;

  CHECK_NOT_NULL(shm);
  s = f_begin(1, ERROR_INSUFFICIENT_BUFFER);
  prshm__sys.get_object_security = f_get_object_security;
  b = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_EQ(f_calls, 2);
  CHECK_OK(prshm_get_size(b, &size));
  CHECK_EQ(size, 100);
  CHECK_OK(PR_CloseSharedMemory(b));
  f_end(s);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(opening_fails) {
  static const struct {
    DWORD oserr;      /* what OpenFileMappingW says */
    PRErrorCode code; /* what prshm reports */
  } cases[] = {
      {ERROR_NOT_ENOUGH_MEMORY, PR_OUT_OF_MEMORY_ERROR},
      {ERROR_TOO_MANY_OPEN_FILES, PR_PROC_DESC_TABLE_FULL_ERROR},
      {ERROR_NO_SYSTEM_RESOURCES, PR_INSUFFICIENT_RESOURCES_ERROR},
      {ERROR_PATH_NOT_FOUND, PR_FILE_NOT_FOUND_ERROR},
      {ERROR_INVALID_NAME, PR_INVALID_ARGUMENT_ERROR},
      {ERROR_GEN_FAILURE, PR_UNKNOWN_ERROR},
  };
  const char *name = t_name("open");
  PRSharedMemory *shm = f_create(name);
  size_t i;

  CHECK_NOT_NULL(shm);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    f_state s = f_begin(1, cases[i].oserr);
    prshm__sys.open_mapping = f_open_mapping;
    CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
    F_CHECK_FAILED(cases[i].code, (PRInt32)cases[i].oserr);
    /* Opening to delete fails the same way. */
    f_calls = 0;
    CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
    F_CHECK_FAILED(cases[i].code, (PRInt32)cases[i].oserr);
    f_end(s);
  }
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(probing_a_denied_name_fails) {
  const char *name = t_name("probe");
  PRSharedMemory *shm = f_create(name);
  f_state s;

  CHECK_NOT_NULL(shm);
  /* Read-write and read-only opens denied, then the probe itself fails. */
  s = f_begin(0, ERROR_ACCESS_DENIED);
  prshm__sys.open_mapping = f_open_mapping;
  f_fail_at = 0;
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  F_CHECK_FAILED(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
  CHECK_EQ(f_calls, 3);
  f_end(s);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Denies the first two opens (read-write, read-only); the probe finds
 * nothing (as if the segment went away); the rest are real. */
static HANDLE f_vanish_open(DWORD access, BOOL inherit, const WCHAR *name) {
  f_calls++;
  if (f_calls <= 2) {
    SetLastError(ERROR_ACCESS_DENIED);
    return NULL;
  }
  if (f_calls == 3) {
    SetLastError(ERROR_FILE_NOT_FOUND);
    return NULL;
  }
  return f_real.open_mapping(access, inherit, name);
}

TEST(a_name_that_changes_hands_is_looked_up_again) {
  const char *name = t_name("again");
  PRSharedMemory *shm = f_create(name), *b;
  f_state s;

  CHECK_NOT_NULL(shm);
  s = f_begin(0, 0);
  prshm__sys.open_mapping = f_vanish_open;
  b = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_EQ(f_calls, 4);
  CHECK_OK(PR_CloseSharedMemory(b));
  f_end(s);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

static HANDLE f_rival; /* the "other process's" handle */

/* Creates the section for real, as a rival process would, keeps a handle
 * as that rival, and answers as CreateFileMappingW does for a name that
 * exists. */
static HANDLE f_rival_create(HANDLE file, SECURITY_ATTRIBUTES *sa, DWORD protect, DWORD hi,
                             DWORD lo, const WCHAR *name) {
  HANDLE h = f_real.create_mapping(file, sa, protect, hi, lo, name);
  f_calls++;
  if (h != NULL && f_rival == NULL)
    CHECK(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &f_rival, 0, FALSE,
                          DUPLICATE_SAME_ACCESS));
  SetLastError(ERROR_ALREADY_EXISTS);
  return h;
}

TEST(another_creator_wins_the_race) {
  const char *name = t_name("race");
  PRSharedMemory *shm;
  f_state s = f_begin(0, 0);
  PRSize size = 0;

  prshm__sys.create_mapping = f_rival_create;
  f_rival = NULL;
  shm = PR_OpenSharedMemory(name, 100, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK(shm == NULL);
  F_CHECK_FAILED(PR_FILE_EXISTS_ERROR, ERROR_ALREADY_EXISTS);
  CHECK(f_rival != NULL);
  /* Without EXCL, this process opens the rival's segment; it created
   * nothing, so it keeps nothing alive. */
  shm = PR_OpenSharedMemory(name, 100, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, 100);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CloseHandle(f_rival);
  f_end(s);
  f_check_absent(name);
}

/* The name is never there to open and always there when creating. */
static HANDLE f_never_open(DWORD access, BOOL inherit, const WCHAR *name) {
  (void)access, (void)inherit, (void)name;
  SetLastError(ERROR_FILE_NOT_FOUND);
  return NULL;
}

TEST(open_or_create_gives_up_after_a_bound) {
  const char *name = t_name("bound");
  f_state s = f_begin(0, 0);

  f_rival = NULL;
  prshm__sys.create_mapping = f_rival_create;
  prshm__sys.open_mapping = f_never_open;
  CHECK(PR_OpenSharedMemory(name, 100, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(f_calls, 64);
  CHECK(f_rival != NULL);
  CloseHandle(f_rival);
  f_end(s);
  f_check_absent(name);
}

TEST(deleting_fails_and_changes_nothing) {
  const char *name = t_name("delete");
  PRSharedMemory *shm = f_create(name);
  f_state s;

  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  s = f_begin(1, ERROR_ACCESS_DENIED);
  prshm__sys.set_object_security = f_set_object_security;
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  F_CHECK_FAILED(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
  f_begin(1, ERROR_NOT_ENOUGH_MEMORY);
  prshm__sys.get_object_security = f_get_object_security;
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  F_CHECK_FAILED(PR_OUT_OF_MEMORY_ERROR, ERROR_NOT_ENOUGH_MEMORY);
  f_end(s);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

TEST(mapping_and_unmapping_fail) {
  const char *name = t_name("map");
  PRSharedMemory *shm = f_create(name);
  f_state s;
  void *p;

  CHECK_NOT_NULL(shm);
  s = f_begin(1, ERROR_NOT_ENOUGH_MEMORY);
  prshm__sys.map_view = f_map_view;
  CHECK(PR_AttachSharedMemory(shm, 0) == NULL);
  F_CHECK_FAILED(PR_OUT_OF_MEMORY_ERROR, ERROR_NOT_ENOUGH_MEMORY);
  p = PR_AttachSharedMemory(shm, 0); /* the next call is real */
  CHECK_NOT_NULL(p);
  f_begin(1, ERROR_INVALID_ADDRESS);
  prshm__sys.unmap_view = f_unmap_view;
  CHECK(PR_DetachSharedMemory(shm, p) == PR_FAILURE);
  F_CHECK_FAILED(PR_INVALID_ARGUMENT_ERROR, ERROR_INVALID_ADDRESS);
  /* Still attached: the next detach, real, unmaps it. */
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK(PR_DetachSharedMemory(shm, p) == PR_FAILURE);
  F_CHECK_FAILED(PR_INVALID_ARGUMENT_ERROR, 0);
  f_end(s);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

TEST(closing_fails) {
  const char *name = t_name("close");
  PRSharedMemory *shm = f_create(name);
  prshm__handle *h;
  HANDLE os;
  f_state s;

  CHECK_NOT_NULL(shm);
  h = prshm__registry_acquire(shm);
  CHECK(h != NULL);
  os = (HANDLE)prshm__handle_seg(h)->os;
  prshm__registry_release(h);
  s = f_begin(1, ERROR_INVALID_HANDLE);
  prshm__sys.close_handle = f_close_handle;
  CHECK(PR_CloseSharedMemory(shm) == PR_FAILURE);
  F_CHECK_FAILED(PR_BAD_DESCRIPTOR_ERROR, ERROR_INVALID_HANDLE);
  /* The token is spent whatever the OS said. */
  CHECK(PR_CloseSharedMemory(shm) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  prshm__sys_reset();
  CHECK(CloseHandle(os));
  s.handles--;
  s.open--;
  f_end(s);
}

TEST(foreign_sizes_cannot_be_measured) {
  const char *name = t_name("foreign");
  char native[PRSHM_NATIVE_NAME_MAX];
  WCHAR wide[PRSHM__KEY_SIZE];
  HANDLE h;
  f_state s;

  CHECK_OK(prshm_native_name(name, native, sizeof native));
  CHECK(MultiByteToWideChar(CP_UTF8, 0, native, -1, wide, PRSHM__KEY_SIZE) != 0);
  h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100, wide);
  CHECK(h != NULL);
  s = f_begin(1, ERROR_NOT_ENOUGH_MEMORY);
  prshm__sys.map_view = f_map_view;
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  F_CHECK_FAILED(PR_OUT_OF_MEMORY_ERROR, ERROR_NOT_ENOUGH_MEMORY);
  f_begin(1, ERROR_INVALID_PARAMETER);
  prshm__sys.virtual_query = f_virtual_query;
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  F_CHECK_FAILED(PR_INVALID_ARGUMENT_ERROR, ERROR_INVALID_PARAMETER);
  f_end(s);
  CloseHandle(h);
}

static const WCHAR *f_directory; /* what the faked GetCurrentDirectoryW says */

static DWORD f_fixed_directory(DWORD size, WCHAR *buf) {
  size_t len = wcslen(f_directory);
  f_calls++;
  if (len + 1 > size) return (DWORD)(len + 1);
  memcpy(buf, f_directory, (len + 1) * sizeof(WCHAR));
  return (DWORD)len;
}

TEST(current_directory_fails_for_relative_names_only) {
  static WCHAR euros[5000];
  char absolute[96], native[PRSHM_NATIVE_NAME_MAX];
  PRSharedMemory *shm;
  f_state s;
  size_t i;

  /* Once for real first: what the runtime sets up on first use is not a
   * leak of this test's calls. */
  snprintf(absolute, sizeof absolute, "/prshm-test-%ld-abs", t_pid());
  CHECK_OK(prshm_native_name("x", native, sizeof native));
  shm = PR_OpenSharedMemory(absolute, 100, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(absolute));
  s = f_begin(0, ERROR_ACCESS_DENIED);
  prshm__sys.get_current_directory = f_get_current_directory;
  CHECK(PR_OpenSharedMemory("relative", 100, PR_SHM_CREATE, 0600) == NULL);
  F_CHECK_FAILED(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
  CHECK(PR_DeleteSharedMemory("relative") == PR_FAILURE);
  F_CHECK_FAILED(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
  CHECK_EQ(f_calls, 2);
  /* Absolute names never ask. */
  shm = PR_OpenSharedMemory(absolute, 100, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(absolute));
  CHECK_EQ(f_calls, 2);

  prshm__sys.get_current_directory = f_fixed_directory;
  /* Longer than the buffer prshm offers. */
  for (i = 0; i < sizeof euros / sizeof euros[0] - 1; i++) euros[i] = i < 3 ? L"C:\\"[i] : L'd';
  f_directory = euros;
  CHECK(PR_OpenSharedMemory("x", 100, 0, 0) == NULL);
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
  /* Short in UTF-16, too long in UTF-8: 2000 euro signs are 6000 bytes. */
  for (i = 3; i < 2003; i++) euros[i] = 0x20AC;
  euros[2003] = 0;
  CHECK(PR_OpenSharedMemory("x", 100, 0, 0) == NULL);
  F_CHECK_FAILED(PR_NAME_TOO_LONG_ERROR, ERROR_INSUFFICIENT_BUFFER);
  /* Not UTF-16 at all: a lone surrogate. */
  f_directory = L"C:\\bad\xD800";
  CHECK(PR_OpenSharedMemory("x", 100, 0, 0) == NULL);
  F_CHECK_FAILED(PR_INVALID_ARGUMENT_ERROR, ERROR_NO_UNICODE_TRANSLATION);
  /* And a good one is used as it is. */
  f_directory = L"c:\\Some\\Where";
  CHECK_OK(prshm_native_name("x", native, sizeof native));
  CHECK_STR(native, "Local\\prshm.C%3A+Some+Where+x");
  f_end(s);
}

TEST(native_name_needs_room) {
  char buf[16];

  CHECK(prshm_native_name("/abcd", buf, sizeof buf) == PR_FAILURE);
  CHECK_ERROR(PR_BUFFER_OVERFLOW_ERROR);
  CHECK_OK(prshm_native_name("/abc", buf, sizeof buf));
  CHECK_STR(buf, "Local\\prshm.abc");
}

TEST(listing_is_not_available) {
  prshm_seginfo info;

  CHECK(prshm_list_open() == NULL);
  CHECK_ERROR(PR_NOT_IMPLEMENTED_ERROR);
  CHECK(prshm_list_next(NULL, &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  prshm_list_close(NULL);
  CHECK(prshm_stat("/x", &info) == PR_FAILURE);
  CHECK_ERROR(PR_NOT_IMPLEMENTED_ERROR);
  CHECK(prshm_stat("", &info) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_stat("/x", NULL) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_remove_orphan(&info) == PR_FAILURE);
  CHECK_ERROR(PR_NOT_IMPLEMENTED_ERROR);
  CHECK(prshm_remove_orphan(NULL) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
}

static DWORD f_no_slot(void) {
  SetLastError(ERROR_NOT_ENOUGH_MEMORY);
  return TLS_OUT_OF_INDEXES;
}

TEST(no_slot_for_error_texts_keeps_none) {
  char got[16] = "unchanged";

  /* The slot is made with the first text of the process: this one. */
  prshm__sys.tls_alloc = f_no_slot;
  PR_SetErrorText(5, "lost!");
  prshm__sys_reset();
  CHECK_EQ(PR_GetErrorTextLength(), 0);
  CHECK_EQ(PR_GetErrorText(got), 0);
  CHECK_STR(got, "");
  /* Made once: the process goes on without texts, and without leaks. */
  PR_SetErrorText(5, "again");
  CHECK_EQ(PR_GetErrorTextLength(), 0);
  PR_SetError(PR_IO_ERROR, 7);
  CHECK_ERROR(PR_IO_ERROR);
}

TEST(windows_errors_translate_in_one_place) {
  static const struct {
    DWORD oserr;      /* a GetLastError() value */
    PRErrorCode code; /* its NSPR code */
  } map[] = {
      {ERROR_FILE_NOT_FOUND, PR_FILE_NOT_FOUND_ERROR},
      {ERROR_ALREADY_EXISTS, PR_FILE_EXISTS_ERROR},
      {ERROR_ACCESS_DENIED, PR_NO_ACCESS_RIGHTS_ERROR},
      {ERROR_PRIVILEGE_NOT_HELD, PR_NO_ACCESS_RIGHTS_ERROR},
      {ERROR_COMMITMENT_LIMIT, PR_OUT_OF_MEMORY_ERROR},
      {ERROR_NOT_ENOUGH_MEMORY, PR_OUT_OF_MEMORY_ERROR},
      {ERROR_DISK_FULL, PR_NO_DEVICE_SPACE_ERROR},
      {ERROR_TOO_MANY_OPEN_FILES, PR_PROC_DESC_TABLE_FULL_ERROR},
      {ERROR_INVALID_HANDLE, PR_BAD_DESCRIPTOR_ERROR},
      {ERROR_INVALID_PARAMETER, PR_INVALID_ARGUMENT_ERROR},
      {ERROR_FILENAME_EXCED_RANGE, PR_NAME_TOO_LONG_ERROR},
      {ERROR_INSUFFICIENT_BUFFER, PR_BUFFER_OVERFLOW_ERROR},
      {ERROR_WRITE_PROTECT, PR_READ_ONLY_FILESYSTEM_ERROR},
      {ERROR_NOACCESS, PR_ACCESS_FAULT_ERROR},
      {ERROR_CALL_NOT_IMPLEMENTED, PR_NOT_IMPLEMENTED_ERROR},
      {0x7FFFFFFF, PR_UNKNOWN_ERROR},
  };
  size_t i;

  for (i = 0; i < sizeof map / sizeof map[0]; i++) {
    CHECK(prshm__fail_os((PRInt32)map[i].oserr) == PR_FAILURE);
    F_CHECK_FAILED(map[i].code, (PRInt32)map[i].oserr);
  }
}
