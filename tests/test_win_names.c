/*
 * test_win_names.c - the name rules on Windows: the Local\ namespace by
 * default, a caller's Global\ or Local\ kept, '\' as a separator, drives and
 * the current directory, hashing of long names, and that no name reaches
 * outside the namespace it was given.
 */
#include <windows.h>

#include "runner.h"
#include "win.h"

/* The native name of `name`, in a static buffer. */
static const char *names_native(const char *name) {
  static char buf[PRSHM_NATIVE_NAME_MAX];
  CHECK_OK(prshm_native_name(name, buf, sizeof buf));
  return buf;
}

/* Whether a section of native name `native` exists (and may be read). */
static int names_object_exists(const char *native) {
  WCHAR wide[PRSHM__KEY_SIZE];
  HANDLE h;

  CHECK(MultiByteToWideChar(CP_UTF8, 0, native, -1, wide, PRSHM__KEY_SIZE) != 0);
  h = OpenFileMappingW(FILE_MAP_READ, FALSE, wide);
  if (h == NULL) {
    CHECK_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    return 0;
  }
  CloseHandle(h);
  return 1;
}

/* A native name has one namespace and one backslash, right after it. */
static void names_check_contained(const char *name) {
  const char *native = names_native(name);
  const char *body = strchr(native, '\\');

  CHECK(strncmp(native, "Local\\prshm", 11) == 0 || strncmp(native, "Global\\prshm", 12) == 0);
  CHECK_NOT_NULL(body);
  CHECK(strchr(body + 1, '\\') == NULL);
  CHECK(strchr(native, '/') == NULL);
  CHECK_INT(strlen(native), <=, 255);
}

TEST(default_namespace_is_local) {
  const char *name = t_name("local");
  char expect[128];
  PRSharedMemory *shm;

  snprintf(expect, sizeof expect, "Local\\prshm.prshm-test-%ld-local", t_pid());
  CHECK_STR(names_native(name), expect);
  CHECK(!names_object_exists(expect));
  shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  CHECK(names_object_exists(expect));
  /* Local\ is where Windows puts a name without a prefix, too. */
  CHECK(names_object_exists(expect + strlen("Local\\")));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(!names_object_exists(expect));
}

TEST(global_prefix_is_kept) {
  char name[96], expect[128], local[128];
  PRSharedMemory *shm;

  /* Wine does not ask for SeCreateGlobalPrivilege; Windows does, outside
   * session 0, and then this creation fails with PR_NO_ACCESS_RIGHTS_ERROR. */
  snprintf(name, sizeof name, "Global\\prshm-test-%ld-global", t_pid());
  snprintf(expect, sizeof expect, "Global\\prshm.prshm-test-%ld-global", t_pid());
  snprintf(local, sizeof local, "Local\\prshm.prshm-test-%ld-global", t_pid());
  CHECK_STR(names_native(name), expect);
  (void)PR_DeleteSharedMemory(name);
  shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (shm == NULL && PR_GetError() == PR_NO_ACCESS_RIGHTS_ERROR)
    SKIP("this session may not create global objects");
  CHECK_NOT_NULL(shm);
  CHECK(names_object_exists(expect));
  CHECK(!names_object_exists(expect + strlen("Global\\")));
  CHECK(!names_object_exists(local)); /* the same body in Local\ is another object */
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

TEST(local_prefix_names_the_default_namespace) {
  char local[96];
  const char *plain = t_name("same");
  PRSharedMemory *a, *b;

  snprintf(local, sizeof local, "Local\\prshm-test-%ld-same", t_pid());
  a = PR_OpenSharedMemory(plain, 16, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(a);
  /* "Local\x" is "/x": one segment. */
  CHECK(PR_OpenSharedMemory(local, 16, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  b = PR_OpenSharedMemory(local, 16, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_OK(PR_CloseSharedMemory(b));
  CHECK_OK(PR_CloseSharedMemory(a));
}

TEST(prefixes_are_read_in_any_case) {
  CHECK_STR(names_native("global\\abc"), "Global\\prshm.abc");
  CHECK_STR(names_native("GLOBAL\\abc"), "Global\\prshm.abc");
  CHECK_STR(names_native("local\\abc"), "Local\\prshm.abc");
  /* Only the two prefixes, and only with '\': the rest are names. */
  CHECK_STR(names_native("/Global\\abc"), "Local\\prshm.Global+abc");
  CHECK(strncmp(names_native("Global/abc"), "Local\\prshm.", 12) == 0);
  CHECK(strstr(names_native("Global/abc"), "+Global+abc") != NULL);
}

TEST(backslash_separates_like_slash) {
  CHECK_STR(names_native("/a\\b"), "Local\\prshm.a+b");
  CHECK_STR(names_native("\\a\\b"), "Local\\prshm.a+b");
  CHECK_STR(names_native("\\\\a\\\\.\\b\\"), "Local\\prshm.a+b");
  CHECK_STR(names_native("/a/x/..\\b"), "Local\\prshm.a+b");
}

TEST(no_name_leaves_its_namespace) {
  static const char *const names[] = {
      "Global\\..\\..\\x",  "Local\\..\\Global\\x",
      "..\\..\\Global\\x",  "\\BaseNamedObjects\\x",
      "Session\\1\\x",      "Global\\Global\\x",
      "Local\\Global\\x",   "\\\\?\\GLOBALROOT\\x",
      "Global\\\\Local\\x", "x\\..\\..\\..\\..\\Local\\y",
      "Global\\",           "Local\\",
      "\\??\\C:\\x",        "Global\\C:\\..\\..\\..\\x",
  };
  size_t i;

  for (i = 0; i < sizeof names / sizeof names[0]; i++) names_check_contained(names[i]);
  CHECK_STR(names_native("Global\\..\\..\\x"), "Global\\prshm.x");
  CHECK_STR(names_native("Local\\Global\\x"), "Local\\prshm.Global+x");
  CHECK_STR(names_native("Global\\"), "Global\\prshm.");
}

TEST(escape_attempt_creates_inside_the_namespace) {
  char name[128], native[128];
  PRSharedMemory *shm;

  snprintf(name, sizeof name, "\\..\\..\\BaseNamedObjects\\prshm-test-%ld-esc", t_pid());
  snprintf(native, sizeof native, "Local\\prshm.BaseNamedObjects+prshm-test-%ld-esc", t_pid());
  (void)PR_DeleteSharedMemory(name);
  shm = PR_OpenSharedMemory(name, 16, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  CHECK(names_object_exists(native));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

TEST(drives_are_absolute) {
  CHECK_STR(names_native("c:\\tmp\\x"), "Local\\prshm.C%3A+tmp+x");
  CHECK_STR(names_native("C:/tmp/x"), "Local\\prshm.C%3A+tmp+x");
  CHECK_STR(names_native("C:"), "Local\\prshm.C%3A");
  /* "C:x" is not a drive path here: a relative name. */
  CHECK(strcmp(names_native("C:x"), "Local\\prshm.C%3Ax") != 0);
}

/* Runs `check` in a fresh directory `leaf` under the temporary directory,
 * then returns to where it was. */
static void names_in_dir(const WCHAR *leaf, WCHAR *made) {
  WCHAR tmp[MAX_PATH];

  CHECK(GetTempPathW(MAX_PATH, tmp) != 0);
  CHECK(swprintf(made, MAX_PATH, L"%lsprshm-%ld-%ls", tmp, t_pid(), leaf) > 0);
  CHECK(CreateDirectoryW(made, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
  CHECK(SetCurrentDirectoryW(made));
}

TEST(relative_names_follow_the_current_directory) {
  WCHAR old[MAX_PATH], one[MAX_PATH], two[MAX_PATH];
  char a[PRSHM_NATIVE_NAME_MAX], b[PRSHM_NATIVE_NAME_MAX], abs_name[MAX_PATH * 3];
  PRSharedMemory *shm;

  CHECK(GetCurrentDirectoryW(MAX_PATH, old) != 0);
  names_in_dir(L"one", one);
  strcpy(a, names_native("rel"));
  /* The same name, absolute: the directory in UTF-8, then the name. */
  CHECK(WideCharToMultiByte(CP_UTF8, 0, one, -1, abs_name, (int)sizeof abs_name, NULL, NULL));
  strcat(abs_name, "\\rel");
  CHECK_STR(names_native(abs_name), a);
  (void)PR_DeleteSharedMemory("rel");
  shm = PR_OpenSharedMemory("rel", 16, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  names_in_dir(L"two", two);
  strcpy(b, names_native("rel"));
  CHECK(strcmp(a, b) != 0);
  CHECK(PR_OpenSharedMemory("rel", 16, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK(SetCurrentDirectoryW(one));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory("rel"));
  CHECK(SetCurrentDirectoryW(old));
  CHECK(RemoveDirectoryW(one));
  CHECK(RemoveDirectoryW(two));
}

TEST(non_ascii_directories_and_names) {
  WCHAR old[MAX_PATH], dir[MAX_PATH];
  const char *native;

  CHECK(GetCurrentDirectoryW(MAX_PATH, old) != 0);
  names_in_dir(L"caf\x00e9", dir); /* "café" */
  native = names_native("r\xc3\xa9sum\xc3\xa9");
  CHECK(strstr(native, "caf%C3%A9+r%C3%A9sum%C3%A9") != NULL);
  CHECK(SetCurrentDirectoryW(old));
  CHECK(RemoveDirectoryW(dir));
}

TEST(long_names_are_hashed_and_distinct) {
  char a[PRSHM__NAME_MAX + 1], b[PRSHM__NAME_MAX + 1];
  char na[PRSHM_NATIVE_NAME_MAX];

  memset(a, 'x', PRSHM__NAME_MAX);
  a[0] = '/';
  a[PRSHM__NAME_MAX] = '\0';
  strcpy(b, a);
  b[PRSHM__NAME_MAX - 1] = 'y';
  strcpy(na, names_native(a));
  CHECK_EQ(strlen(na), strlen("Local\\prshm-") + PRSHM__KEY_HASH_CHARS);
  CHECK(strncmp(na, "Local\\prshm-", 12) == 0);
  CHECK(strcmp(na, names_native(b)) != 0);
  /* The longest readable name still fits, with Global\ in front. */
  memset(a + 1, 'z', PRSHM__WIN_BODY_MAX - 6);
  a[1 + PRSHM__WIN_BODY_MAX - 6] = '\0';
  a[0] = '/';
  strcpy(na, names_native(a));
  CHECK_EQ(strlen(na), strlen("Local\\") + PRSHM__WIN_BODY_MAX);
  CHECK(strncmp(na, "Local\\prshm.", 12) == 0);
  a[1 + PRSHM__WIN_BODY_MAX - 6] = 'z';
  a[2 + PRSHM__WIN_BODY_MAX - 6] = '\0';
  CHECK(strncmp(names_native(a), "Local\\prshm-", 12) == 0);
}

/* The pure rule, with current directories this process cannot have. */
TEST(pure_rule_reads_directories_the_windows_way) {
  char key[PRSHM__KEY_SIZE];

  CHECK(prshm__win_name_key("c:\\Work\\Dir", "x", key) > 0);
  CHECK_STR(key, "Local\\prshm.C%3A+Work+Dir+x");
  CHECK(prshm__win_name_key("\\\\server\\share\\d", "..\\x", key) > 0);
  CHECK_STR(key, "Local\\prshm.server+share+x");
  CHECK(prshm__win_name_key("C:\\", "..\\..\\x", key) > 0);
  CHECK_STR(key, "Local\\prshm.x");
  CHECK(prshm__win_name_needs_cwd("x"));
  CHECK(prshm__win_name_needs_cwd("C:x"));
  CHECK(!prshm__win_name_needs_cwd("\\x"));
  CHECK(!prshm__win_name_needs_cwd("D:\\x"));
  CHECK(!prshm__win_name_needs_cwd("Global\\x"));
  /* A directory too long to resolve against. */
  {
    static char cwd[PRSHM__WIN_CWD_BYTES + 8];
    memset(cwd, 'd', sizeof cwd - 1);
    cwd[0] = 'C';
    cwd[1] = ':';
    cwd[2] = '\\';
    cwd[sizeof cwd - 1] = '\0';
    CHECK_EQ(prshm__win_name_key(cwd, "x", key), 0);
  }
}
