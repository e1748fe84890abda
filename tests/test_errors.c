/*
 * test_errors.c - NSPR's error functions as prshm provides them (prerror.h):
 * the per-thread code, OS error and text (errors are per thread), the name and string
 * tables, and NSPR's rule that success leaves the error alone.
 *
 * Sections: code and OS error; text; tables; success keeps the error;
 * threads (POSIX threads; skipped where there are none).
 */
#include <limits.h>

#include "runner.h"

#ifndef _WIN32
#include <errno.h>
#include <pthread.h>
#endif

/* ---- code and OS error ---- */

TEST(set_and_get) {
  PR_SetError(PR_IO_ERROR, 42);
  CHECK_EQ(PR_GetError(), PR_IO_ERROR);
  CHECK_EQ(PR_GetOSError(), 42);
  PR_SetError(PR_FILE_EXISTS_ERROR, 0);
  CHECK_EQ(PR_GetError(), PR_FILE_EXISTS_ERROR);
  CHECK_EQ(PR_GetOSError(), 0);
  /* Any value is kept as given, known to prerr.h or not. */
  PR_SetError(12345, -7);
  CHECK_EQ(PR_GetError(), 12345);
  CHECK_EQ(PR_GetOSError(), -7);
  PR_SetError(0, 0);
  CHECK_EQ(PR_GetError(), 0);
  CHECK_EQ(PR_GetOSError(), 0);
}

TEST(argument_failure_has_no_os_error) {
  PR_SetError(PR_IO_ERROR, 77);
  CHECK(PR_OpenSharedMemory(NULL, 16, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_GetOSError(), 0);
}

TEST(os_failure_keeps_raw_errno) {
#ifdef _WIN32
  SKIP("the raw error is GetLastError() there: see the Windows tests");
#else
  const char *name = t_name("enoent");

  PR_SetError(PR_IO_ERROR, 77);
  CHECK(PR_OpenSharedMemory(name, 16, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_GetOSError(), ENOENT);
#endif
}

/* ---- text ---- */

TEST(text_set_get_and_length) {
  char buf[32];

  PR_SetError(PR_IO_ERROR, 3);
  PR_SetErrorText(5, "hello");
  CHECK_EQ(PR_GetErrorTextLength(), 5);
  memset(buf, 'x', sizeof buf);
  CHECK_EQ(PR_GetErrorText(buf), 5);
  CHECK_STR(buf, "hello");
  /* Setting a text leaves the code alone. */
  CHECK_EQ(PR_GetError(), PR_IO_ERROR);
  CHECK_EQ(PR_GetOSError(), 3);
  /* Only textLength bytes are copied; the source need not end there. */
  PR_SetErrorText(3, "abcdef");
  CHECK_EQ(PR_GetErrorTextLength(), 3);
  CHECK_EQ(PR_GetErrorText(buf), 3);
  CHECK_STR(buf, "abc");
  /* Bytes after an embedded NUL are kept. */
  PR_SetErrorText(3, "a\0b");
  CHECK_EQ(PR_GetErrorTextLength(), 3);
  CHECK_EQ(PR_GetErrorText(buf), 3);
  CHECK(memcmp(buf, "a\0b\0", 4) == 0);
  PR_SetErrorText(0, NULL);
}

TEST(text_cleared_by_zero_negative_or_null) {
  char buf[8];

  PR_SetErrorText(2, "hi");
  PR_SetErrorText(0, "hi");
  CHECK_EQ(PR_GetErrorTextLength(), 0);
  PR_SetErrorText(2, "hi");
  PR_SetErrorText(-1, "hi");
  CHECK_EQ(PR_GetErrorTextLength(), 0);
  PR_SetErrorText(2, "hi");
  PR_SetErrorText(2, NULL);
  CHECK_EQ(PR_GetErrorTextLength(), 0);
  memset(buf, 'x', sizeof buf);
  CHECK_EQ(PR_GetErrorText(buf), 0);
  CHECK_EQ(buf[0], '\0');
  CHECK_EQ(PR_GetErrorText(NULL), 0);
}

TEST(text_cleared_by_set_error_and_by_failing_call) {
  PR_SetErrorText(4, "text");
  PR_SetError(PR_IO_ERROR, 0);
  CHECK_EQ(PR_GetErrorTextLength(), 0);
  PR_SetErrorText(4, "text");
  CHECK(PR_AttachSharedMemory(NULL, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_GetErrorTextLength(), 0);
}

TEST(text_long) {
  const int len = 1 << 20;
  char *src = malloc((size_t)len), *dst = malloc((size_t)len + 1);
  int i;

  CHECK_NOT_NULL(src);
  CHECK_NOT_NULL(dst);
  for (i = 0; i < len; i++) src[i] = (char)('a' + i % 26);
  PR_SetErrorText(len, src);
  CHECK_EQ(PR_GetErrorTextLength(), len);
  CHECK_EQ(PR_GetErrorText(dst), len);
  CHECK(memcmp(src, dst, (size_t)len) == 0);
  CHECK_EQ(dst[len], '\0');
  /* Replacing it frees the old copy (the leak checkers see it if not). */
  PR_SetErrorText(3, "end");
  CHECK_EQ(PR_GetErrorTextLength(), 3);
  PR_SetErrorText(0, NULL);
  free(src);
  free(dst);
}

/* ---- tables ---- */

/* Every code, spelled as prerr.h spells it, in numeric order. */
#define ERRORS_ENTRY(code) \
  { code, #code }
static const struct {
  PRErrorCode code; /* the macro's value */
  const char *name; /* the macro's spelling */
} errors_all[] = {
    ERRORS_ENTRY(PR_OUT_OF_MEMORY_ERROR),
    ERRORS_ENTRY(PR_BAD_DESCRIPTOR_ERROR),
    ERRORS_ENTRY(PR_WOULD_BLOCK_ERROR),
    ERRORS_ENTRY(PR_ACCESS_FAULT_ERROR),
    ERRORS_ENTRY(PR_INVALID_METHOD_ERROR),
    ERRORS_ENTRY(PR_ILLEGAL_ACCESS_ERROR),
    ERRORS_ENTRY(PR_UNKNOWN_ERROR),
    ERRORS_ENTRY(PR_PENDING_INTERRUPT_ERROR),
    ERRORS_ENTRY(PR_NOT_IMPLEMENTED_ERROR),
    ERRORS_ENTRY(PR_IO_ERROR),
    ERRORS_ENTRY(PR_IO_TIMEOUT_ERROR),
    ERRORS_ENTRY(PR_IO_PENDING_ERROR),
    ERRORS_ENTRY(PR_DIRECTORY_OPEN_ERROR),
    ERRORS_ENTRY(PR_INVALID_ARGUMENT_ERROR),
    ERRORS_ENTRY(PR_ADDRESS_NOT_AVAILABLE_ERROR),
    ERRORS_ENTRY(PR_ADDRESS_NOT_SUPPORTED_ERROR),
    ERRORS_ENTRY(PR_IS_CONNECTED_ERROR),
    ERRORS_ENTRY(PR_BAD_ADDRESS_ERROR),
    ERRORS_ENTRY(PR_ADDRESS_IN_USE_ERROR),
    ERRORS_ENTRY(PR_CONNECT_REFUSED_ERROR),
    ERRORS_ENTRY(PR_NETWORK_UNREACHABLE_ERROR),
    ERRORS_ENTRY(PR_CONNECT_TIMEOUT_ERROR),
    ERRORS_ENTRY(PR_NOT_CONNECTED_ERROR),
    ERRORS_ENTRY(PR_LOAD_LIBRARY_ERROR),
    ERRORS_ENTRY(PR_UNLOAD_LIBRARY_ERROR),
    ERRORS_ENTRY(PR_FIND_SYMBOL_ERROR),
    ERRORS_ENTRY(PR_INSUFFICIENT_RESOURCES_ERROR),
    ERRORS_ENTRY(PR_DIRECTORY_LOOKUP_ERROR),
    ERRORS_ENTRY(PR_TPD_RANGE_ERROR),
    ERRORS_ENTRY(PR_PROC_DESC_TABLE_FULL_ERROR),
    ERRORS_ENTRY(PR_SYS_DESC_TABLE_FULL_ERROR),
    ERRORS_ENTRY(PR_NOT_SOCKET_ERROR),
    ERRORS_ENTRY(PR_NOT_TCP_SOCKET_ERROR),
    ERRORS_ENTRY(PR_SOCKET_ADDRESS_IS_BOUND_ERROR),
    ERRORS_ENTRY(PR_NO_ACCESS_RIGHTS_ERROR),
    ERRORS_ENTRY(PR_OPERATION_NOT_SUPPORTED_ERROR),
    ERRORS_ENTRY(PR_PROTOCOL_NOT_SUPPORTED_ERROR),
    ERRORS_ENTRY(PR_REMOTE_FILE_ERROR),
    ERRORS_ENTRY(PR_BUFFER_OVERFLOW_ERROR),
    ERRORS_ENTRY(PR_CONNECT_RESET_ERROR),
    ERRORS_ENTRY(PR_RANGE_ERROR),
    ERRORS_ENTRY(PR_DEADLOCK_ERROR),
    ERRORS_ENTRY(PR_FILE_IS_LOCKED_ERROR),
    ERRORS_ENTRY(PR_FILE_TOO_BIG_ERROR),
    ERRORS_ENTRY(PR_NO_DEVICE_SPACE_ERROR),
    ERRORS_ENTRY(PR_PIPE_ERROR),
    ERRORS_ENTRY(PR_NO_SEEK_DEVICE_ERROR),
    ERRORS_ENTRY(PR_IS_DIRECTORY_ERROR),
    ERRORS_ENTRY(PR_LOOP_ERROR),
    ERRORS_ENTRY(PR_NAME_TOO_LONG_ERROR),
    ERRORS_ENTRY(PR_FILE_NOT_FOUND_ERROR),
    ERRORS_ENTRY(PR_NOT_DIRECTORY_ERROR),
    ERRORS_ENTRY(PR_READ_ONLY_FILESYSTEM_ERROR),
    ERRORS_ENTRY(PR_DIRECTORY_NOT_EMPTY_ERROR),
    ERRORS_ENTRY(PR_FILESYSTEM_MOUNTED_ERROR),
    ERRORS_ENTRY(PR_NOT_SAME_DEVICE_ERROR),
    ERRORS_ENTRY(PR_DIRECTORY_CORRUPTED_ERROR),
    ERRORS_ENTRY(PR_FILE_EXISTS_ERROR),
    ERRORS_ENTRY(PR_MAX_DIRECTORY_ENTRIES_ERROR),
    ERRORS_ENTRY(PR_INVALID_DEVICE_STATE_ERROR),
    ERRORS_ENTRY(PR_DEVICE_IS_LOCKED_ERROR),
    ERRORS_ENTRY(PR_NO_MORE_FILES_ERROR),
    ERRORS_ENTRY(PR_END_OF_FILE_ERROR),
    ERRORS_ENTRY(PR_FILE_SEEK_ERROR),
    ERRORS_ENTRY(PR_FILE_IS_BUSY_ERROR),
    ERRORS_ENTRY(PR_OPERATION_ABORTED_ERROR),
    ERRORS_ENTRY(PR_IN_PROGRESS_ERROR),
    ERRORS_ENTRY(PR_ALREADY_INITIATED_ERROR),
    ERRORS_ENTRY(PR_GROUP_EMPTY_ERROR),
    ERRORS_ENTRY(PR_INVALID_STATE_ERROR),
    ERRORS_ENTRY(PR_NETWORK_DOWN_ERROR),
    ERRORS_ENTRY(PR_SOCKET_SHUTDOWN_ERROR),
    ERRORS_ENTRY(PR_CONNECT_ABORTED_ERROR),
    ERRORS_ENTRY(PR_HOST_UNREACHABLE_ERROR),
    ERRORS_ENTRY(PR_LIBRARY_NOT_LOADED_ERROR),
    ERRORS_ENTRY(PR_CALL_ONCE_ERROR),
    ERRORS_ENTRY(PR_MAX_ERROR),
};
#undef ERRORS_ENTRY

#define ERRORS_COUNT (sizeof errors_all / sizeof errors_all[0])

/* Codes that are not NSPR's, around and far from the table. */
static const PRErrorCode errors_unknown[] = {0, -6001, -5923, 12345, 1, -1, INT_MIN, INT_MAX};
#define ERRORS_UNKNOWN_COUNT (sizeof errors_unknown / sizeof errors_unknown[0])

TEST(table_covers_every_code) {
  size_t i;

  /* The reference's 77 codes, consecutive from -6000 to -5924. */
  CHECK_EQ(ERRORS_COUNT, 77);
  for (i = 0; i < ERRORS_COUNT; i++) CHECK_EQ(errors_all[i].code, -6000 + (long)i);
}

TEST(error_to_name_every_code) {
  size_t i;

  for (i = 0; i < ERRORS_COUNT; i++)
    CHECK_STR(PR_ErrorToName(errors_all[i].code), errors_all[i].name);
  for (i = 0; i < ERRORS_UNKNOWN_COUNT; i++) CHECK(PR_ErrorToName(errors_unknown[i]) == NULL);
}

TEST(error_to_string_every_code) {
  static const PRLanguageCode languages[] = {PR_LANGUAGE_I_DEFAULT, PR_LANGUAGE_EN, 99};
  size_t i, j, l;

  for (i = 0; i < ERRORS_COUNT; i++) {
    const char *s = PR_ErrorToString(errors_all[i].code, PR_LANGUAGE_I_DEFAULT);
    CHECK_NOT_NULL(s);
    CHECK_INT(strlen(s), >, 0);
    CHECK(strcmp(s, "Unknown error code") != 0);
    /* English whatever the language asked for. */
    for (l = 0; l < sizeof languages / sizeof languages[0]; l++)
      CHECK_STR(PR_ErrorToString(errors_all[i].code, languages[l]), s);
    /* Each code reads differently from every other. */
    for (j = 0; j < i; j++)
      if (strcmp(s, PR_ErrorToString(errors_all[j].code, PR_LANGUAGE_EN)) == 0)
        t_fail(__FILE__, __LINE__, "%s and %s share \"%s\"", errors_all[i].name, errors_all[j].name,
               s);
  }
  for (i = 0; i < ERRORS_UNKNOWN_COUNT; i++)
    CHECK_STR(PR_ErrorToString(errors_unknown[i], PR_LANGUAGE_EN), "Unknown error code");
}

/* ---- success keeps the error (NSPR's rule) ---- */

TEST(success_does_not_clear_error) {
  const char *name = t_name("keep");
  PRSharedMemory *shm;
  PRSize size;
  char native[PRSHM_NATIVE_NAME_MAX];
  void *p;

  PR_SetError(PR_IO_ERROR, 5);
  PR_SetErrorText(4, "kept");
  shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, 0600);
  CHECK(shm != NULL);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK(p != NULL);
  CHECK(prshm_get_size(shm, &size) == PR_SUCCESS);
  CHECK(prshm_native_name(name, native, sizeof native) == PR_SUCCESS);
  CHECK(PR_DetachSharedMemory(shm, p) == PR_SUCCESS);
  CHECK(PR_CloseSharedMemory(shm) == PR_SUCCESS);
  CHECK(PR_DeleteSharedMemory(name) == PR_SUCCESS);
  CHECK(PR_ErrorToName(PR_IO_ERROR) != NULL);
  CHECK_EQ(PR_GetError(), PR_IO_ERROR);
  CHECK_EQ(PR_GetOSError(), 5);
  CHECK_EQ(PR_GetErrorTextLength(), 4);
  PR_SetErrorText(0, NULL);
}

/* ---- threads ----
 * Every TEST exists on every platform (the build lists them from the
 * source); where there are no POSIX threads they skip. */

#ifndef _WIN32

/* What one thread of a two-thread case did and saw. */
typedef struct errors_thread {
  pthread_barrier_t *barrier; /* shared by both threads */
  PRErrorCode code;           /* the code this thread sets */
  PRInt32 oserr;              /* the OS error this thread sets */
  PRErrorCode seen;           /* PR_GetError() after the other thread set its own */
  PRInt32 seen_oserr;         /* PR_GetOSError() likewise */
  PRErrorCode initial;        /* PR_GetError() before this thread set anything */
  PRInt32 initial_text;       /* PR_GetErrorTextLength() likewise */
} errors_thread;

static void *errors_set_wait_read(void *arg) {
  errors_thread *t = arg;

  t->initial = PR_GetError();
  t->initial_text = PR_GetErrorTextLength();
  PR_SetError(t->code, t->oserr);
  /* Both have set before either reads. */
  (void)pthread_barrier_wait(t->barrier);
  t->seen = PR_GetError();
  t->seen_oserr = PR_GetOSError();
  (void)pthread_barrier_wait(t->barrier);
  return NULL;
}

static void errors_per_thread_codes(void) {
  pthread_barrier_t barrier;
  errors_thread a = {&barrier, PR_IO_ERROR, 11, 0, 0, -1, -1};
  errors_thread b = {&barrier, PR_FILE_EXISTS_ERROR, 22, 0, 0, -1, -1};
  pthread_t ta, tb;

  /* The main thread's state is its own too. */
  PR_SetError(PR_LOOP_ERROR, 33);
  PR_SetErrorText(4, "main");
  CHECK_EQ(pthread_barrier_init(&barrier, NULL, 2), 0);
  CHECK_EQ(pthread_create(&ta, NULL, errors_set_wait_read, &a), 0);
  CHECK_EQ(pthread_create(&tb, NULL, errors_set_wait_read, &b), 0);
  CHECK_EQ(pthread_join(ta, NULL), 0);
  CHECK_EQ(pthread_join(tb, NULL), 0);
  (void)pthread_barrier_destroy(&barrier);
  CHECK_EQ(a.initial, 0);
  CHECK_EQ(b.initial, 0);
  CHECK_EQ(a.initial_text, 0);
  CHECK_EQ(b.initial_text, 0);
  CHECK_EQ(a.seen, PR_IO_ERROR);
  CHECK_EQ(a.seen_oserr, 11);
  CHECK_EQ(b.seen, PR_FILE_EXISTS_ERROR);
  CHECK_EQ(b.seen_oserr, 22);
  CHECK_EQ(PR_GetError(), PR_LOOP_ERROR);
  CHECK_EQ(PR_GetOSError(), 33);
  CHECK_EQ(PR_GetErrorTextLength(), 4);
  PR_SetErrorText(0, NULL);
}

/* Fails a prshm call: opens a name that does not exist. */
static void *errors_fail_open(void *arg) {
  const char *name = arg;
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 16, 0, 0);
  return shm == NULL && PR_GetError() == PR_FILE_NOT_FOUND_ERROR ? arg : NULL;
}

static void errors_failure_in_one_thread(void) {
  const char *name = t_name("other");
  pthread_t t;
  void *ok = NULL;

  PR_SetError(PR_IO_ERROR, 7);
  CHECK_EQ(pthread_create(&t, NULL, errors_fail_open, (void *)(uintptr_t)name), 0);
  CHECK_EQ(pthread_join(t, &ok), 0);
  CHECK(ok != NULL);
  CHECK_EQ(PR_GetError(), PR_IO_ERROR);
  CHECK_EQ(PR_GetOSError(), 7);
}

/* Sets texts and exits still holding one: the thread-exit destructor must
 * free it (LeakSanitizer and valgrind fail the test if not). */
static void *errors_text_and_exit(void *arg) {
  char text[64];
  int i = (int)(intptr_t)arg;
  int n = snprintf(text, sizeof text, "thread %d's error text", i);

  PR_SetErrorText(n, text);
  PR_SetErrorText(n, text); /* replaces: the first copy is freed now */
  PR_SetError(PR_IO_ERROR, i);
  PR_SetErrorText(n, text);
  return PR_GetErrorTextLength() == n ? arg : NULL;
}

static void errors_thread_text_freed(void) {
  pthread_t t[8];
  void *rv;
  intptr_t i;

  for (i = 0; i < 8; i++)
    CHECK_EQ(pthread_create(&t[i], NULL, errors_text_and_exit, (void *)(i + 1)), 0);
  for (i = 0; i < 8; i++) {
    CHECK_EQ(pthread_join(t[i], &rv), 0);
    CHECK(rv == (void *)(i + 1));
  }
  CHECK_EQ(PR_GetErrorTextLength(), 0);
}

/* What another library's thread-specific destructor saw of prshm's error
 * text, running after prshm's own destructor in the thread's exit. */
static pthread_key_t errors_late_key;
static PRInt32 errors_late_len = -1;
static char errors_late_text[16];
static PRErrorCode errors_late_code;

static void errors_late_destructor(void *value) {
  (void)value;
  errors_late_len = PR_GetErrorTextLength();
  (void)PR_GetErrorText(errors_late_text);
  /* Setting a text and failing a call there must neither free the old text
   * again nor leak the new one (the key's destructor runs once more). */
  PR_SetErrorText(4, "late");
  errors_late_code = PR_OpenSharedMemory(t_name("late"), 16, 0, 0) == NULL ? PR_GetError() : 0;
  PR_SetErrorText(4, "last");
}

static void *errors_text_then_exit(void *arg) {
  PR_SetErrorText(5, "early");
  /* This key is made after prshm's (made by the text above), so glibc runs
   * its destructor after prshm's. */
  if (pthread_key_create(&errors_late_key, errors_late_destructor) != 0) return NULL;
  (void)pthread_setspecific(errors_late_key, arg);
  return arg;
}

static void errors_text_in_late_destructor(void) {
  pthread_t t;
  void *rv = NULL;

  CHECK_EQ(pthread_create(&t, NULL, errors_text_then_exit, &errors_late_len), 0);
  CHECK_EQ(pthread_join(t, &rv), 0);
  CHECK(rv != NULL);
  /* Either prshm's text was already freed, and reads as none, or it was
   * still there, whole: never freed memory. */
  if (errors_late_len == 0)
    CHECK_STR(errors_late_text, "");
  else {
    CHECK_EQ(errors_late_len, 5);
    CHECK_STR(errors_late_text, "early");
  }
  CHECK_EQ(errors_late_code, PR_FILE_NOT_FOUND_ERROR);
  (void)pthread_key_delete(errors_late_key);
}

#define ERRORS_THREADED(fn) fn()
#else
#define ERRORS_THREADED(fn) SKIP("POSIX threads only, for now")
#endif

TEST(per_thread_codes) { ERRORS_THREADED(errors_per_thread_codes); }

TEST(failure_in_one_thread_leaves_another_alone) { ERRORS_THREADED(errors_failure_in_one_thread); }

TEST(thread_text_freed_at_exit) { ERRORS_THREADED(errors_thread_text_freed); }

TEST(thread_text_read_after_exit_destructor) { ERRORS_THREADED(errors_text_in_late_destructor); }
