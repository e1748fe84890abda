/*
 * test_sem.c - named semaphores and robust locks, as every system has them:
 * NSPR's calls and error codes, prshm's extensions, bad arguments and
 * handles, names shared with segments, values at their limits, delete,
 * timeouts, and threads. Unix-only and Windows-only behaviour (processes,
 * signals, permissions, faults) is in test_unix_sem*.c and test_win_sem.c.
 *
 * Map: semaphores (values and NSPR's codes; arguments and handles; names
 * and kinds; delete; waits and timeouts; threads), then locks (basics;
 * errors; deaths; threads).
 */
#include "internal.h"
#include "runner.h"

/* The value a new semaphore starts with when the value does not matter. */
#define SEM_ANY 0

static PRSem *sem_create(const char *name, PRUintn value) {
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, value);
  CHECK_NOT_NULL(s);
  return s;
}

static PRUint32 sem_value(PRSem *s) {
  PRUint32 v = 12345;
  CHECK_OK(prshm_sem_getvalue(s, &v));
  return v;
}

/* ====================================================================
 * Semaphores: values and NSPR's codes
 */

TEST(create_wait_post) {
  const char *name = t_name("cwp");
  PRSem *s = sem_create(name, 2);

  CHECK_EQ(sem_value(s), 2);
  CHECK_OK(PR_WaitSemaphore(s));
  CHECK_OK(prshm_sem_trywait(s));
  CHECK_EQ(sem_value(s), 0);
  CHECK_EQ(prshm_sem_trywait(s), PR_FAILURE);
  CHECK_ERROR(PR_WOULD_BLOCK_ERROR);
  CHECK_EQ(sem_value(s), 0);
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(sem_value(s), 2);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_DeleteSemaphore(name));
}

/* NSPR's own tests expect these two codes (semaerr.c, semaerr1.c). */
TEST(nspr_error_codes) {
  const char *name = t_name("nspr");
  PRSem *s;

  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  s = sem_create(name, 1);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 1) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_DeleteSemaphore(name));
  CHECK_EQ(PR_DeleteSemaphore(name), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* Mode and value belong to the call that creates: an open of an existing
 * semaphore, with PR_SEM_CREATE or not, keeps its value. */
TEST(open_existing_keeps_value) {
  const char *name = t_name("keep");
  PRSem *a = sem_create(name, 3), *b, *c;

  b = PR_OpenSemaphore(name, PR_SEM_CREATE, 0600, 9);
  CHECK_NOT_NULL(b);
  c = PR_OpenSemaphore(name, 0, 0, 0);
  CHECK_NOT_NULL(c);
  CHECK_EQ(sem_value(b), 3);
  CHECK_OK(PR_WaitSemaphore(b));
  CHECK_EQ(sem_value(a), 2);
  CHECK_EQ(sem_value(c), 2);
  CHECK_OK(PR_CloseSemaphore(a));
  CHECK_OK(PR_CloseSemaphore(b));
  CHECK_OK(PR_CloseSemaphore(c));
}

/* As under NSPR, PR_SEM_EXCL without PR_SEM_CREATE is ignored. */
TEST(excl_without_create_is_ignored) {
  const char *name = t_name("exclonly");
  PRSem *a, *b;

  CHECK(PR_OpenSemaphore(name, PR_SEM_EXCL, 0600, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  a = sem_create(name, 0);
  b = PR_OpenSemaphore(name, PR_SEM_EXCL, 0600, 0);
  CHECK_NOT_NULL(b);
  CHECK_OK(PR_CloseSemaphore(b));
  CHECK_OK(PR_CloseSemaphore(a));
}

/* NSPR truncates values to 16 bits: these hang its creator, or come out
 * as 0 or 1. prshm keeps each exactly, and refuses more than its maximum
 * without creating anything. */
TEST(values_are_never_truncated) {
  static const PRUintn values[] = {0, 1, 32767, 32768, 40000, 65535, 65536, 65537, 100000};
  const PRUint32 max = prshm_sem_value_max();
  const char *name = t_name("values");
  size_t i;

  for (i = 0; i < sizeof values / sizeof values[0]; i++) {
    PRSem *s;
    if (values[i] > max) continue; /* a system with a small maximum (macOS) */
    s = sem_create(name, values[i]);
    CHECK_EQ(sem_value(s), values[i]);
    CHECK_OK(PR_CloseSemaphore(s));
    CHECK_OK(PR_DeleteSemaphore(name));
  }
  CHECK(max >= 32767);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE, 0600, max + 1u) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* At the maximum a post fails and changes nothing; below it, it works. */
TEST(post_at_the_maximum) {
  const PRUint32 max = prshm_sem_value_max();
  const char *name = t_name("max");
  PRSem *s = sem_create(name, max);

  CHECK_EQ(sem_value(s), max);
  CHECK_EQ(PR_PostSemaphore(s), PR_FAILURE);
  CHECK_ERROR(PR_RANGE_ERROR);
  CHECK_EQ(sem_value(s), max);
  CHECK_OK(PR_WaitSemaphore(s));
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(sem_value(s), max);
  CHECK_OK(PR_CloseSemaphore(s));
}

TEST(largest_value_is_documented) {
  /* Linux and Windows keep 2^31 - 1; the portable backend what the system
   * allows (at least POSIX's 32767). */
  if (strcmp(prshm_backend_name(), "posix") == 0)
    CHECK(prshm_sem_value_max() >= 32767);
  else
    CHECK_EQ(prshm_sem_value_max(), PRSHM_SEM_VALUE_MAX);
}

/* ====================================================================
 * Semaphores: arguments and handles
 */

TEST(bad_open_arguments) {
  char long_name[1100];
  const char *name = t_name("badargs");

  memset(long_name, 'a', sizeof long_name - 1);
  long_name[0] = '/';
  long_name[sizeof long_name - 1] = '\0';
  CHECK(PR_OpenSemaphore(NULL, PR_SEM_CREATE, 0600, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSemaphore("", PR_SEM_CREATE, 0600, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSemaphore(long_name, PR_SEM_CREATE, 0600, 0) == NULL);
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE | 0x4, 0600, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSemaphore(name, 0x104, 0600, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE, 01600, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE, -1, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  /* Nothing was created by any of them. */
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_DeleteSemaphore(NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DeleteSemaphore(""), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DeleteSemaphore(long_name), PR_FAILURE);
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
}

/* Every call on a handle that is not an open semaphore handle. */
static void sem_check_refused(PRSem *bad) {
  PRUint32 v;

  CHECK_EQ(PR_WaitSemaphore(bad), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_PostSemaphore(bad), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_sem_trywait(bad), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_sem_timedwait(bad, 10), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_sem_getvalue(bad, &v), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_CloseSemaphore(bad), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
}

TEST(bad_handles_are_refused) {
  const char *name = t_name("badh");
  PRSem *s = sem_create(name, 1), *closed = sem_create(t_name("badh2"), 1);
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600);
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE, 0600);
  int on_stack = 0;
  PRUint32 v;

  CHECK_NOT_NULL(shm);
  CHECK_NOT_NULL(lk);
  CHECK_OK(PR_CloseSemaphore(closed));
  sem_check_refused(NULL);
  sem_check_refused(closed);
  sem_check_refused((PRSem *)&on_stack);
  sem_check_refused((PRSem *)(uintptr_t)1);
  sem_check_refused((PRSem *)(uintptr_t)-1);
  /* Handles of the other kinds, and a semaphore's handle for them. */
  sem_check_refused((PRSem *)shm);
  sem_check_refused((PRSem *)lk);
  CHECK(PR_AttachSharedMemory((PRSharedMemory *)s, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_CloseSharedMemory((PRSharedMemory *)s), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_lock_acquire((prshm_lock *)s, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_lock_close((prshm_lock *)s), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_sem_getvalue(s, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  /* All of it left the good handles alone. */
  CHECK_EQ(sem_value(s), 1);
  CHECK_OK(prshm_sem_getvalue(s, &v));
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(prshm_lock_close(lk));
  /* Closed twice: refused, not a double free. */
  sem_check_refused(s);
}

/* A token never comes back: a closed handle stays refused however many
 * handles are opened after it. */
TEST(closed_handle_stays_refused) {
  const char *name = t_name("stale");
  PRSem *first = sem_create(name, 0), *s;
  int i;

  CHECK_OK(PR_CloseSemaphore(first));
  for (i = 0; i < 1000; i++) {
    s = PR_OpenSemaphore(name, 0, 0, 0);
    CHECK_NOT_NULL(s);
    CHECK(s != first);
    CHECK_EQ(PR_PostSemaphore(first), PR_FAILURE);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
    CHECK_OK(PR_CloseSemaphore(s));
  }
}

/* ====================================================================
 * Semaphores: names and kinds
 */

/* A segment, a semaphore and a lock of one name are three objects. */
TEST(kinds_are_separate_objects) {
  const char *name = t_name("kinds");
  PRSem *s;
  PRSharedMemory *shm;
  prshm_lock *lk;
  char seg_native[PRSHM_NATIVE_NAME_MAX];

  s = sem_create(name, 5);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK(prshm_lock_open(name, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  CHECK_NOT_NULL(lk);
  CHECK_OK(prshm_native_name(name, seg_native, sizeof seg_native));
  /* Deleting one leaves the others. */
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK_EQ(sem_value(s), 5);
  CHECK_OK(PR_CloseSemaphore(s));
  s = PR_OpenSemaphore(name, 0, 0, 0);
  CHECK_NOT_NULL(s);
  CHECK_OK(prshm_lock_acquire(lk, NULL));
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(PR_DeleteSemaphore(name));
  CHECK_OK(prshm_lock_close(lk));
  lk = prshm_lock_open(name, 0, 0);
  CHECK_NOT_NULL(lk);
  CHECK_OK(prshm_lock_close(lk));
  CHECK_OK(prshm_lock_delete(name));
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* "a//b", "a/./b" and "a/b" name one semaphore, as they name one segment. */
TEST(equivalent_names_share_a_semaphore) {
  char base[96], alt[112];
  PRSem *a, *b;

  snprintf(base, sizeof base, "%s/x", t_name("eq"));
  snprintf(alt, sizeof alt, "%s", base);
  /* "/prshm-test-PID-eq/x" -> "/prshm-test-PID-eq//./x" */
  snprintf(alt + strlen(alt) - 2, sizeof alt - strlen(alt) + 2, "//./x");
  a = sem_create(base, 4);
  b = PR_OpenSemaphore(alt, 0, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_OK(PR_WaitSemaphore(b));
  CHECK_EQ(sem_value(a), 3);
  CHECK_OK(PR_CloseSemaphore(a));
  CHECK_OK(PR_CloseSemaphore(b));
  CHECK_OK(PR_DeleteSemaphore(alt));
  CHECK(PR_OpenSemaphore(base, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* ====================================================================
 * Semaphores: delete
 */

TEST(delete_leaves_open_handles_working) {
  const char *name = t_name("del");
  PRSem *s = sem_create(name, 1), *fresh;

  CHECK_OK(PR_DeleteSemaphore(name));
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_DeleteSemaphore(name), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* The handle still works on the old semaphore. */
  CHECK_OK(PR_WaitSemaphore(s));
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(sem_value(s), 2);
  CHECK_OK(PR_CloseSemaphore(s));
  /* Once no handle is left, the name is free for a new semaphore (on
   * Windows too). */
  fresh = sem_create(name, 7);
  CHECK_EQ(sem_value(fresh), 7);
  CHECK_OK(PR_CloseSemaphore(fresh));
}

/* ====================================================================
 * Semaphores: waits and timeouts
 */

TEST(timed_wait_times_out) {
  const char *name = t_name("timed");
  PRSem *s = sem_create(name, 0);
  int64_t start;

  start = t_now_ms();
  CHECK_EQ(prshm_sem_timedwait(s, 0), PR_FAILURE);
  CHECK_ERROR(PR_IO_TIMEOUT_ERROR);
  CHECK_INT(t_now_ms() - start, <, 1000);
  start = t_now_ms();
  CHECK_EQ(prshm_sem_timedwait(s, 100), PR_FAILURE);
  CHECK_ERROR(PR_IO_TIMEOUT_ERROR);
  CHECK_INT(t_now_ms() - start, >=, 99);
  CHECK_INT(t_now_ms() - start, <, 5000);
  CHECK_EQ(sem_value(s), 0);
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_OK(prshm_sem_timedwait(s, 0));
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_OK(prshm_sem_timedwait(s, PRSHM_NO_TIMEOUT));
  CHECK_EQ(sem_value(s), 0);
  CHECK_OK(PR_CloseSemaphore(s));
}

/* What a waiting thread is given and reports. */
typedef struct sem_waiter {
  PRSem *sem;        /* the handle it waits on */
  PRUint32 timeout;  /* PRSHM_NO_TIMEOUT: PR_WaitSemaphore() */
  PRSem *started;    /* posted just before it waits, or NULL */
  PRStatus rv;       /* the wait's result */
  PRErrorCode error; /* its error, if it failed */
} sem_waiter;

static int sem_wait_thread(void *arg) {
  sem_waiter *w = arg;

  if (w->started != NULL && PR_PostSemaphore(w->started) != PR_SUCCESS) return 1;
  if (w->timeout == PRSHM_NO_TIMEOUT)
    w->rv = PR_WaitSemaphore(w->sem);
  else
    w->rv = prshm_sem_timedwait(w->sem, w->timeout);
  w->error = w->rv == PR_SUCCESS ? 0 : PR_GetError();
  return 0;
}

TEST(a_post_wakes_a_waiting_thread) {
  PRSem *s = sem_create(t_name("wake"), 0), *started = sem_create(t_name("wake-go"), 0);
  sem_waiter w = {s, PRSHM_NO_TIMEOUT, NULL, PR_FAILURE, 0};
  t_thread t;

  w.started = started;
  t = t_thread_start(sem_wait_thread, &w);
  CHECK_OK(PR_WaitSemaphore(started));
  /* Most likely asleep by now; a post works either way. */
  t_sleep_ms(20);
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(t_thread_join(t), 0);
  CHECK_OK(w.rv);
  CHECK_EQ(sem_value(s), 0);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_CloseSemaphore(started));
}

/* A handle closed while another thread waits on it: the wait goes on and
 * ends with a post through another handle. */
TEST(close_while_another_thread_waits) {
  const char *name = t_name("closewait");
  PRSem *s = sem_create(name, 0), *other = PR_OpenSemaphore(name, 0, 0, 0);
  PRSem *started = sem_create(t_name("closewait-go"), 0);
  sem_waiter w = {s, PRSHM_NO_TIMEOUT, NULL, PR_FAILURE, 0};
  t_thread t;

  CHECK_NOT_NULL(other);
  w.started = started;
  t = t_thread_start(sem_wait_thread, &w);
  CHECK_OK(PR_WaitSemaphore(started));
  t_sleep_ms(20);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_EQ(PR_PostSemaphore(s), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_OK(PR_PostSemaphore(other));
  CHECK_EQ(t_thread_join(t), 0);
  /* It either slept through the close and took the post, or began after
   * the close and was refused; never anything else. */
  if (w.rv != PR_SUCCESS) {
    CHECK_EQ(w.error, PR_INVALID_ARGUMENT_ERROR);
    CHECK_OK(PR_WaitSemaphore(other));
  }
  CHECK_EQ(sem_value(other), 0);
  CHECK_OK(PR_CloseSemaphore(other));
  CHECK_OK(PR_CloseSemaphore(started));
}

/* A timed wait that a post ends before its time. */
TEST(timed_wait_ends_with_a_post) {
  PRSem *s = sem_create(t_name("timedpost"), 0), *started = sem_create(t_name("timedpost-go"), 0);
  sem_waiter w = {s, 60000, NULL, PR_FAILURE, 0};
  t_thread t;
  int64_t start = t_now_ms();

  w.started = started;
  t = t_thread_start(sem_wait_thread, &w);
  CHECK_OK(PR_WaitSemaphore(started));
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(t_thread_join(t), 0);
  CHECK_OK(w.rv);
  CHECK_INT(t_now_ms() - start, <, 30000);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_CloseSemaphore(started));
}

/* ====================================================================
 * Semaphores: threads
 */

#define SEM_THREADS 8
#define SEM_ROUNDS 20000

/* One thread of the conservation test. */
typedef struct sem_worker {
  const char *name; /* the semaphore, opened by each thread itself */
  PRSem *shared;    /* a handle every thread also uses */
  int index;        /* 0 .. SEM_THREADS-1 */
} sem_worker;

/* Posts and waits in equal numbers, on its own handle and the shared one,
 * with try-waits and timed waits mixed in. */
static int sem_worker_main(void *arg) {
  sem_worker *w = arg;
  PRSem *own = PR_OpenSemaphore(w->name, 0, 0, 0);
  int i;

  if (own == NULL) return 1;
  for (i = 0; i < SEM_ROUNDS; i++) {
    PRSem *a = (i + w->index) % 2 ? own : w->shared, *b = a == own ? w->shared : own;
    if (PR_PostSemaphore(a) != PR_SUCCESS) return 2;
    switch (i % 3) {
      case 0:
        if (PR_WaitSemaphore(b) != PR_SUCCESS) return 3;
        break;
      case 1:
        while (prshm_sem_trywait(b) != PR_SUCCESS)
          if (PR_GetError() != PR_WOULD_BLOCK_ERROR) return 4;
        break;
      default:
        if (prshm_sem_timedwait(b, PRSHM_NO_TIMEOUT) != PR_SUCCESS) return 5;
        break;
    }
  }
  return PR_CloseSemaphore(own) == PR_SUCCESS ? 0 : 6;
}

TEST(threads_conserve_the_count) {
  const char *name = t_name("conserve");
  PRSem *s = sem_create(name, 0);
  sem_worker w[SEM_THREADS];
  t_thread t[SEM_THREADS];
  int i;

  for (i = 0; i < SEM_THREADS; i++) {
    w[i].name = name;
    w[i].shared = s;
    w[i].index = i;
    t[i] = t_thread_start(sem_worker_main, &w[i]);
  }
  for (i = 0; i < SEM_THREADS; i++) CHECK_EQ(t_thread_join(t[i]), 0);
  CHECK_EQ(sem_value(s), 0);
  CHECK_EQ(prshm__registry_count(), 1);
  CHECK_OK(PR_CloseSemaphore(s));
}

/* Threads opening and closing handles while others post and wait through
 * their own: the registry's table grows and slots are reused under the
 * fast paths. */
static int sem_churn_main(void *arg) {
  const char *name = *(const char **)arg;
  int i;

  for (i = 0; i < 2000; i++) {
    PRSem *s = PR_OpenSemaphore(name, 0, 0, 0);
    if (s == NULL) return 1;
    if (PR_PostSemaphore(s) != PR_SUCCESS || PR_WaitSemaphore(s) != PR_SUCCESS) return 2;
    if (PR_CloseSemaphore(s) != PR_SUCCESS) return 3;
    if (PR_PostSemaphore(s) == PR_SUCCESS) return 4; /* closed */
  }
  return 0;
}

TEST(threads_open_and_close_while_others_post) {
  const char *name = t_name("churn");
  PRSem *s = sem_create(name, 0);
  t_thread t[4];
  int i;

  for (i = 0; i < 4; i++) t[i] = t_thread_start(sem_churn_main, &name);
  for (i = 0; i < 4; i++) CHECK_EQ(t_thread_join(t[i]), 0);
  CHECK_EQ(sem_value(s), 0);
  CHECK_OK(PR_CloseSemaphore(s));
}

/* ====================================================================
 * Locks: basics
 */

static prshm_lock *lock_create(const char *name) {
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  CHECK_NOT_NULL(lk);
  return lk;
}

TEST(lock_acquire_release) {
  const char *name = t_name("lock");
  prshm_lock *lk = lock_create(name), *again;
  PRBool died = PR_TRUE;

  CHECK_OK(prshm_lock_acquire(lk, &died));
  CHECK_EQ(died, PR_FALSE);
  CHECK_OK(prshm_lock_release(lk));
  died = PR_TRUE;
  CHECK_OK(prshm_lock_tryacquire(lk, &died));
  CHECK_EQ(died, PR_FALSE);
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(prshm_lock_timedacquire(lk, 100, NULL));
  CHECK_OK(prshm_lock_release(lk));
  again = prshm_lock_open(name, PRSHM_LOCK_CREATE, 0600);
  CHECK_NOT_NULL(again);
  CHECK(prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  CHECK_OK(prshm_lock_close(again));
  CHECK_OK(prshm_lock_close(lk));
  CHECK_OK(prshm_lock_delete(name));
  CHECK(prshm_lock_open(name, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(prshm_lock_delete(name), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* ====================================================================
 * Locks: errors
 */

TEST(lock_misuse) {
  const char *name = t_name("lockmis");
  prshm_lock *lk = lock_create(name), *second = prshm_lock_open(name, 0, 0), *closed;
  PRBool died = PR_TRUE;

  CHECK_NOT_NULL(second);
  /* Releasing what the thread does not hold. */
  CHECK_EQ(prshm_lock_release(lk), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  /* Acquiring what it holds, through the same handle or another. */
  CHECK_OK(prshm_lock_acquire(lk, &died));
  CHECK_EQ(prshm_lock_acquire(lk, &died), PR_FAILURE);
  CHECK_ERROR(PR_DEADLOCK_ERROR);
  CHECK_EQ(died, PR_FALSE);
  CHECK_EQ(prshm_lock_tryacquire(lk, NULL), PR_FAILURE);
  CHECK_ERROR(PR_DEADLOCK_ERROR);
  CHECK_EQ(prshm_lock_timedacquire(lk, 10, NULL), PR_FAILURE);
  CHECK_ERROR(PR_DEADLOCK_ERROR);
  CHECK_EQ(prshm_lock_acquire(second, NULL), PR_FAILURE);
  CHECK(PR_GetError() == PR_DEADLOCK_ERROR || PR_GetError() == PR_WOULD_BLOCK_ERROR);
  /* Still held exactly once. */
  CHECK_OK(prshm_lock_release(lk));
  CHECK_EQ(prshm_lock_release(lk), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK_OK(prshm_lock_tryacquire(second, NULL));
  CHECK_OK(prshm_lock_release(second));
  /* Bad arguments and handles. */
  CHECK(prshm_lock_open(NULL, PRSHM_LOCK_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_lock_open(name, 0x8, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(prshm_lock_open(name, PRSHM_LOCK_CREATE, 02600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  closed = prshm_lock_open(name, 0, 0);
  CHECK_NOT_NULL(closed);
  CHECK_OK(prshm_lock_close(closed));
  CHECK_EQ(prshm_lock_acquire(closed, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_lock_release(closed), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_lock_close(closed), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_lock_acquire(NULL, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_lock_delete(NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_OK(prshm_lock_close(second));
  CHECK_OK(prshm_lock_close(lk));
}

/* What a thread does with a lock, and reports. */
typedef struct lock_job {
  prshm_lock *lock; /* the handle it uses */
  int what;         /* LOCK_JOB_* */
  PRStatus rv;      /* the call's result */
  PRErrorCode error; /* its error, if it failed */
  PRBool died;      /* what it was told */
} lock_job;

#define LOCK_JOB_TRY 0        /* try-acquire, release if acquired */
#define LOCK_JOB_TIMED 1      /* acquire within 100 ms, release if acquired */
#define LOCK_JOB_HOLD_EXIT 2  /* acquire and exit holding it */
#define LOCK_JOB_RELEASE 3    /* release (without holding) */

static int lock_job_main(void *arg) {
  lock_job *j = arg;

  j->died = PR_FALSE;
  switch (j->what) {
    case LOCK_JOB_TRY:
      j->rv = prshm_lock_tryacquire(j->lock, &j->died);
      break;
    case LOCK_JOB_TIMED:
      j->rv = prshm_lock_timedacquire(j->lock, 100, &j->died);
      break;
    case LOCK_JOB_HOLD_EXIT:
      j->rv = prshm_lock_acquire(j->lock, &j->died);
      return 0;
    default:
      j->rv = prshm_lock_release(j->lock);
      j->error = j->rv == PR_SUCCESS ? 0 : PR_GetError();
      return 0;
  }
  j->error = j->rv == PR_SUCCESS ? 0 : PR_GetError();
  if (j->rv == PR_SUCCESS && prshm_lock_release(j->lock) != PR_SUCCESS) return 1;
  return 0;
}

static lock_job lock_run(prshm_lock *lk, int what) {
  lock_job j = {NULL, 0, PR_FAILURE, 0, PR_FALSE};
  j.lock = lk;
  j.what = what;
  CHECK_EQ(t_thread_join(t_thread_start(lock_job_main, &j)), 0);
  return j;
}

TEST(lock_excludes_other_threads) {
  const char *name = t_name("lockex");
  prshm_lock *lk = lock_create(name), *other = prshm_lock_open(name, 0, 0);
  lock_job j;
  int64_t start;

  CHECK_NOT_NULL(other);
  CHECK_OK(prshm_lock_acquire(lk, NULL));
  j = lock_run(lk, LOCK_JOB_TRY);
  CHECK_EQ(j.rv, PR_FAILURE);
  CHECK_EQ(j.error, PR_WOULD_BLOCK_ERROR);
  j = lock_run(other, LOCK_JOB_TRY);
  CHECK_EQ(j.rv, PR_FAILURE);
  CHECK_EQ(j.error, PR_WOULD_BLOCK_ERROR);
  start = t_now_ms();
  j = lock_run(lk, LOCK_JOB_TIMED);
  CHECK_EQ(j.rv, PR_FAILURE);
  CHECK_EQ(j.error, PR_IO_TIMEOUT_ERROR);
  CHECK_INT(t_now_ms() - start, >=, 99);
  j = lock_run(other, LOCK_JOB_TIMED);
  CHECK_EQ(j.error, PR_IO_TIMEOUT_ERROR);
  /* Another thread may not release it. */
  j = lock_run(lk, LOCK_JOB_RELEASE);
  CHECK_EQ(j.rv, PR_FAILURE);
  CHECK_EQ(j.error, PR_INVALID_STATE_ERROR);
  CHECK_OK(prshm_lock_release(lk));
  j = lock_run(other, LOCK_JOB_TRY);
  CHECK_OK(j.rv);
  CHECK_EQ(j.died, PR_FALSE);
  CHECK_OK(prshm_lock_close(other));
  CHECK_OK(prshm_lock_close(lk));
}

/* ====================================================================
 * Locks: deaths
 */

/* A thread that exits holding the lock is a holder that died: the next
 * acquire is told, once. */
TEST(lock_holder_thread_exits) {
  const char *name = t_name("lockexit");
  prshm_lock *lk = lock_create(name), *other = prshm_lock_open(name, 0, 0);
  lock_job j;
  PRBool died = PR_FALSE;

  CHECK_NOT_NULL(other);
  j = lock_run(other, LOCK_JOB_HOLD_EXIT);
  CHECK_OK(j.rv);
  CHECK_OK(prshm_lock_acquire(lk, &died));
  CHECK_EQ(died, PR_TRUE);
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(prshm_lock_acquire(lk, &died));
  CHECK_EQ(died, PR_FALSE);
  CHECK_OK(prshm_lock_release(lk));
  /* The same through the handle the dead thread used. */
  j = lock_run(lk, LOCK_JOB_HOLD_EXIT);
  CHECK_OK(j.rv);
  j = lock_run(lk, LOCK_JOB_TRY);
  CHECK_OK(j.rv);
  CHECK_EQ(j.died, PR_TRUE);
  j = lock_run(lk, LOCK_JOB_TRY);
  CHECK_OK(j.rv);
  CHECK_EQ(j.died, PR_FALSE);
  CHECK_OK(prshm_lock_close(other));
  CHECK_OK(prshm_lock_close(lk));
}

/* ====================================================================
 * Locks: threads
 */

#define LOCK_THREADS 6
#define LOCK_ROUNDS 5000

/* What the lock guards in the contention test: updated in two steps, so
 * a lock that let two threads in would be seen. */
typedef struct lock_guarded {
  const char *name;        /* the lock, opened by each thread itself */
  volatile long a, b;      /* always equal outside the lock */
  volatile int broken;     /* set if they were seen unequal */
} lock_guarded;

static int lock_contend_main(void *arg) {
  lock_guarded *g = arg;
  prshm_lock *lk = prshm_lock_open(g->name, 0, 0);
  int i;

  if (lk == NULL) return 1;
  for (i = 0; i < LOCK_ROUNDS; i++) {
    PRBool died = PR_TRUE;
    PRStatus rv = i % 2 ? prshm_lock_acquire(lk, &died) : prshm_lock_timedacquire(lk, 60000, &died);
    if (rv != PR_SUCCESS || died) return 2;
    if (g->a != g->b) g->broken = 1;
    g->a = g->a + 1;
    g->b = g->b + 1;
    if (prshm_lock_release(lk) != PR_SUCCESS) return 3;
  }
  return prshm_lock_close(lk) == PR_SUCCESS ? 0 : 4;
}

TEST(lock_threads_contend) {
  lock_guarded g;
  prshm_lock *lk;
  t_thread t[LOCK_THREADS];
  int i;

  g.name = t_name("lockcont");
  g.a = g.b = 0;
  g.broken = 0;
  lk = lock_create(g.name);
  for (i = 0; i < LOCK_THREADS; i++) t[i] = t_thread_start(lock_contend_main, &g);
  for (i = 0; i < LOCK_THREADS; i++) CHECK_EQ(t_thread_join(t[i]), 0);
  CHECK_EQ(g.broken, 0);
  CHECK_EQ(g.a, (long)LOCK_THREADS * LOCK_ROUNDS);
  CHECK_OK(prshm_lock_close(lk));
}
