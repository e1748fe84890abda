/*
 * runner.h - prshm's own small test runner.
 *
 * A test file defines cases with TEST(name) { ... } and, for cases that
 * need other processes, children with CHILD(name) { ... } (argc/argv are
 * the child's extra arguments). The build registers every TEST as one CTest
 * test, run as `test_binary name`. A multi-process case re-runs the same
 * binary with `--child NAME ARGS...` (t_spawn) and waits for it.
 *
 * Checks print both values and stop the test at the first failure. A case
 * that cannot run here calls SKIP("reason"): it exits with code 77, which
 * CTest reports as skipped, with the reason on the output.
 */
#ifndef PRSHM_TEST_RUNNER_H
#define PRSHM_TEST_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prerror.h"
#include "pripcsem.h"
#include "prshm.h"
#include "prshm_ext.h"

typedef void (*t_test_fn)(void);
typedef int (*t_child_fn)(int argc, char **argv);

void t_register_test(const char *name, t_test_fn fn);
void t_register_child(const char *name, t_child_fn fn);

#define TEST(name)                                                                       \
  static void test_##name(void);                                                         \
  __attribute__((constructor)) static void test_register_##name(void) {                  \
    t_register_test(#name, test_##name);                                                 \
  }                                                                                      \
  static void test_##name(void)

/* A child entry point; its return value is the child's exit code. */
#define CHILD(name)                                                                      \
  static int child_##name(int argc, char **argv);                                        \
  __attribute__((constructor)) static void child_register_##name(void) {                 \
    t_register_child(#name, child_##name);                                               \
  }                                                                                      \
  static int child_##name(int argc, char **argv)

#define T_SKIP_CODE 77

/* mingw's "printf" format checks Microsoft's runtime, which lacks %zu; the
 * Windows build uses mingw's C99 printf instead (cmake/mingw-w64-x86_64.cmake
 * sets __USE_MINGW_ANSI_STDIO), so check against that. */
#ifdef __MINGW32__
#define T_PRINTF_FORMAT gnu_printf
#else
#define T_PRINTF_FORMAT printf
#endif

_Noreturn void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(T_PRINTF_FORMAT, 3, 4)));
_Noreturn void t_skip(const char *reason);

#define SKIP(reason) t_skip(reason)

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond)) t_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);                  \
  } while (0)

#define CHECK_INT(a, op, b)                                                              \
  do {                                                                                   \
    long long t_a_ = (long long)(a), t_b_ = (long long)(b);                              \
    if (!(t_a_ op t_b_))                                                                 \
      t_fail(__FILE__, __LINE__, "%s %s %s: %lld vs %lld", #a, #op, #b, t_a_, t_b_);     \
  } while (0)

#define CHECK_EQ(a, b) CHECK_INT(a, ==, b)

#define CHECK_STR(a, b)                                                                  \
  do {                                                                                   \
    const char *t_a_ = (a), *t_b_ = (b);                                                 \
    if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0)                         \
      t_fail(__FILE__, __LINE__, "%s == %s: \"%s\" vs \"%s\"", #a, #b,                   \
             t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");                            \
  } while (0)

/* The last call failed with `code`: checks PR_GetError() and prints names. */
#define CHECK_ERROR(code)                                                                \
  do {                                                                                   \
    PRErrorCode t_e_ = PR_GetError();                                                    \
    if (t_e_ != (code))                                                                  \
      t_fail(__FILE__, __LINE__, "error %s (%d), expected %s (os error %d)",             \
             PR_ErrorToName(t_e_) ? PR_ErrorToName(t_e_) : "?", (int)t_e_, #code,         \
             (int)PR_GetOSError());                                                      \
  } while (0)

/* A call that must succeed: prints the error if it did not. */
#define CHECK_OK(status)                                                                 \
  do {                                                                                   \
    if ((status) != PR_SUCCESS)                                                          \
      t_fail(__FILE__, __LINE__, "%s failed: %s (os error %d)", #status,                 \
             PR_ErrorToName(PR_GetError()), (int)PR_GetOSError());                       \
  } while (0)

#define CHECK_NOT_NULL(p)                                                                \
  do {                                                                                   \
    if ((p) == NULL)                                                                     \
      t_fail(__FILE__, __LINE__, "%s is NULL: %s (os error %d)", #p,                     \
             PR_ErrorToName(PR_GetError()), (int)PR_GetOSError());                       \
  } while (0)

/* A name unique to this process and `tag` ("/prshm-test-<pid>-<tag>"), in a
 * static table (64 per test). The segment, semaphore and lock of that name
 * are removed now, and again when the test ends, whatever happens. */
const char *t_name(const char *tag);

/* Removes the segment, the semaphore and the lock called `name`. */
void t_remove_all(const char *name);

/* Removes every object t_name() gave out in this process. */
void t_cleanup(void);

/* Processes (proc_unix.c / proc_win.c). */
typedef struct t_proc {
  intptr_t id;    /* Unix: pid; Windows: process handle */
  intptr_t extra; /* Windows: thread handle; unused on Unix */
} t_proc;

/* Starts this binary again as `--child child args...` (args NULL-ended). */
t_proc t_spawn(const char *child, const char *const *args);
/* Waits for a spawned child; its exit code, or 128 + signal number. */
int t_wait(t_proc p);
/* Kills a spawned child at once. */
void t_kill(t_proc p);
/* Open file descriptors (Unix) or handles (Windows) of this process. */
long t_open_descriptors(void);
/* The pid of this process, as a number for names. */
long t_pid(void);

/* Threads and time (proc_unix.c / proc_win.c), for the tests that run on
 * every system. A check that fails in a thread ends the whole test. */
typedef struct t_thread {
  intptr_t id; /* Unix: a pthread_t's bits; Windows: the thread handle */
} t_thread;
typedef int (*t_thread_fn)(void *arg);
/* Starts fn(arg) in a new thread. */
t_thread t_thread_start(t_thread_fn fn, void *arg);
/* Waits for the thread; its function's result. */
int t_thread_join(t_thread t);
/* The monotonic clock, in milliseconds. */
int64_t t_now_ms(void);
/* Sleeps `ms` milliseconds: only to let time pass (a timeout, a thread
 * that should be asleep), never to order events. */
void t_sleep_ms(long ms);

/* Unix fixtures (fixture_unix.c). */
#ifndef _WIN32
/* The user and group "nobody". */
#define T_NOBODY 65534
/* In a child running as root: becomes uid and gid T_NOBODY with no
 * supplementary groups, for good. 0, or -1 if it could not. */
int t_become_nobody(void);
/* In a child running as root: a private copy of the mounts, in which a
 * file system of `fstype` (mount(2)'s flags and options) is mounted on the
 * existing directory `dir`. 0, or -1 with errno if the system does not
 * allow it (callers skip then). */
int t_private_mount(const char *fstype, const char *dir, unsigned long flags, const char *opts);
/* The number in a file such as /proc/sys/vm/nr_hugepages, or -1; and
 * writing one there (0, or -1). */
long t_read_number(const char *path);
int t_write_number(const char *path, long value);
/* Makes a pipe whose end `child_end` (0 read, 1 write) is inherited by the
 * children spawned next, and whose other end is close-on-exec, so that only
 * this process holds it and its exit or close is seen as end of file. */
void t_pipe(int fds[2], int child_end);
/* Writes the number `fd` into `buf` (16 bytes), for a child's argument. */
const char *t_fd_arg(int fd, char *buf);
/* Sends one byte. */
void t_send(int fd, char c);
/* Receives one byte; -1 at end of file (the other side closed or died). */
int t_recv(int fd);
#endif

#endif /* PRSHM_TEST_RUNNER_H */
