/*
 * test_unix_threads.c - every function is thread-safe, including
 * concurrent calls on one handle (every call is thread-safe), and the error state is per
 * thread under load (errors are per thread).
 *
 * POSIX threads rather than C11 <threads.h>: with glibc 2.36, gcc 12 and
 * clang, ThreadSanitizer crashes in programs that use thrd_create(), and
 * these cases must be TSan-clean. Threads record what they saw; the main
 * thread checks it after joining (a check failing inside a thread would
 * exit while the others still run).
 *
 * Sections: helpers; first calls of a process; one name from many
 * threads; one handle from many threads; per-thread errors; fork while
 * other threads are inside prshm.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "runner.h"

#define THR_MAX 16

/* ---- helpers ---- */

/* What one thread is given and what it reports. */
typedef struct thr_slot {
  int index;                  /* 0 .. count-1 */
  pthread_barrier_t *barrier; /* all threads of the case start together */
  const char *name;           /* the segment name of the case */
  PRSharedMemory *shm;        /* the handle of the case, if one is shared */
  void *addr;                 /* the address of the case, if one is shared */
  int failed_step;            /* 0, or the number of the first step that went wrong */
  PRErrorCode error;          /* PR_GetError() at that step */
  long result;                /* a per-case count or outcome */
} thr_slot;

/* Records the first failure of a thread: step `step`, with its error. */
static void thr_fail(thr_slot *s, int step) {
  if (s->failed_step == 0) {
    s->failed_step = step;
    s->error = PR_GetError();
  }
}

/* Runs `fn` on `count` threads that share one barrier, and joins them. */
static void thr_run(int count, void *(*fn)(void *), thr_slot *slots, const char *name,
                    PRSharedMemory *shm, void *addr) {
  pthread_barrier_t barrier;
  pthread_t t[THR_MAX];
  int i;

  CHECK_INT(count, <=, THR_MAX);
  CHECK_EQ(pthread_barrier_init(&barrier, NULL, (unsigned)count), 0);
  for (i = 0; i < count; i++) {
    memset(&slots[i], 0, sizeof slots[i]);
    slots[i].index = i;
    slots[i].barrier = &barrier;
    slots[i].name = name;
    slots[i].shm = shm;
    slots[i].addr = addr;
  }
  for (i = 0; i < count; i++) CHECK_EQ(pthread_create(&t[i], NULL, fn, &slots[i]), 0);
  for (i = 0; i < count; i++) CHECK_EQ(pthread_join(t[i], NULL), 0);
  (void)pthread_barrier_destroy(&barrier);
}

/* No thread recorded a failure. */
static void thr_check_all_ok(const thr_slot *slots, int count) {
  int i;

  for (i = 0; i < count; i++)
    if (slots[i].failed_step != 0)
      t_fail(__FILE__, __LINE__, "thread %d failed at step %d with %s", i, slots[i].failed_step,
             PR_ErrorToName(slots[i].error) ? PR_ErrorToName(slots[i].error) : "no error");
}

/* The call just made failed with exactly `code`. */
static int thr_error_is(PRErrorCode code) { return PR_GetError() == code; }

/* ---- first calls of a process ---- */

/* Thread body of the first_calls child: each thread's first prshm call
 * happens at the same moment as fifteen others, exercising every
 * once-only initialisation (namespace, text key, creation strategy). */
static void *thr_first_call(void *arg) {
  thr_slot *s = arg;
  char name[128], native[PRSHM_NATIVE_NAME_MAX], text[32];
  PRSharedMemory *shm;
  char *p;

  snprintf(name, sizeof name, "%s-%d", s->name, s->index);
  (void)pthread_barrier_wait(s->barrier);
  switch (s->index % 4) {
    case 1:
      PR_SetErrorText(6, "first!");
      if (PR_GetErrorText(text) != 6 || strcmp(text, "first!") != 0) thr_fail(s, 1);
      break;
    case 2:
      if (prshm_native_name("relative", native, sizeof native) != PR_SUCCESS) thr_fail(s, 2);
      break;
    case 3:
      if (PR_DeleteSharedMemory(name) == PR_SUCCESS || !thr_error_is(PR_FILE_NOT_FOUND_ERROR))
        thr_fail(s, 3);
      break;
    default:
      if (PR_AttachSharedMemory(NULL, 0) != NULL || !thr_error_is(PR_INVALID_ARGUMENT_ERROR))
        thr_fail(s, 4);
      break;
  }
  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (shm == NULL) {
    thr_fail(s, 5);
    return NULL;
  }
  p = PR_AttachSharedMemory(shm, 0);
  if (p == NULL || p[4095] != 0) thr_fail(s, 6);
  if (p != NULL && PR_DetachSharedMemory(shm, p) != PR_SUCCESS) thr_fail(s, 7);
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) thr_fail(s, 8);
  if (PR_DeleteSharedMemory(name) != PR_SUCCESS) thr_fail(s, 9);
  PR_SetErrorText(0, NULL);
  return NULL;
}

CHILD(first_calls) {
  thr_slot slots[THR_MAX];
  int i;

  if (argc != 1) return 2;
  thr_run(THR_MAX, thr_first_call, slots, argv[0], NULL, NULL);
  for (i = 0; i < THR_MAX; i++)
    if (slots[i].failed_step != 0) {
      fprintf(stderr, "thread %d: step %d, %s\n", i, slots[i].failed_step,
              PR_ErrorToName(slots[i].error) ? PR_ErrorToName(slots[i].error) : "?");
      return 10 + slots[i].failed_step;
    }
  return prshm__registry_count() == 0 ? 0 : 3;
}

TEST(first_calls_race_in_fresh_process) {
  const char *base = t_name("first");
  const char *args[] = {base, NULL};
  char name[128];
  int round, i;

  for (round = 0; round < 4; round++) {
    CHECK_EQ(t_wait(t_spawn("first_calls", args)), 0);
    /* Each child removed its segments. */
    for (i = 0; i < THR_MAX; i++) {
      snprintf(name, sizeof name, "%s-%d", base, i);
      if (PR_DeleteSharedMemory(name) == PR_SUCCESS)
        t_fail(__FILE__, __LINE__, "%s was left behind", name);
    }
  }
}

/* ---- one name from many threads ---- */

#define THR_NAME_THREADS 8
#define THR_NAME_ROUNDS 300
#define THR_NAME_SIZE 4096

/* One iteration of open / attach twice / check / detach / close. */
static int thr_name_cycle(thr_slot *s) {
  PRSharedMemory *shm = PR_OpenSharedMemory(s->name, THR_NAME_SIZE, PR_SHM_CREATE, 0600);
  char *rw, *ro;
  PRSize size = 0;

  if (shm == NULL) return 1;
  rw = PR_AttachSharedMemory(shm, 0);
  ro = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  if (rw == NULL || ro == NULL) return 2;
  /* Each thread writes only its own byte; both mappings show it. */
  rw[s->index] = (char)(s->index + 1);
  if (ro[s->index] != (char)(s->index + 1)) return 3;
  if (prshm_get_size(shm, &size) != PR_SUCCESS || size != THR_NAME_SIZE) return 4;
  if (PR_DetachSharedMemory(shm, ro) != PR_SUCCESS) return 5;
  if (PR_DetachSharedMemory(shm, rw) != PR_SUCCESS) return 6;
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) return 7;
  return 0;
}

static void *thr_name_worker(void *arg) {
  thr_slot *s = arg;
  int round, step;

  (void)pthread_barrier_wait(s->barrier);
  for (round = 0; round < THR_NAME_ROUNDS && s->failed_step == 0; round++) {
    step = thr_name_cycle(s);
    if (step != 0) thr_fail(s, step);
    /* Others may have deleted it first: that, and nothing else. */
    if (round % 3 == s->index % 3 && PR_DeleteSharedMemory(s->name) != PR_SUCCESS &&
        !thr_error_is(PR_FILE_NOT_FOUND_ERROR))
      thr_fail(s, 8);
    if (round % 5 == 0) {
      PRSharedMemory *shm = PR_OpenSharedMemory(s->name, 0, 0, 0);
      if (shm == NULL && !thr_error_is(PR_FILE_NOT_FOUND_ERROR)) thr_fail(s, 9);
      if (shm != NULL && PR_CloseSharedMemory(shm) != PR_SUCCESS) thr_fail(s, 10);
      if (shm != NULL) s->result++;
    }
  }
  return NULL;
}

TEST(one_name_from_many_threads) {
  const char *name = t_name("onename");
  thr_slot slots[THR_NAME_THREADS];
  long fds = t_open_descriptors();

  thr_run(THR_NAME_THREADS, thr_name_worker, slots, name, NULL, NULL);
  thr_check_all_ok(slots, THR_NAME_THREADS);
  CHECK_EQ(prshm__registry_count(), 0);
  CHECK_EQ(t_open_descriptors(), fds);
}

/* ---- one handle from many threads ---- */

#define THR_HANDLE_WORKERS 4
#define THR_HANDLE_SIZE 4096
#define THR_HANDLE_MAX_LOOPS 200000
#define THR_CLOSE_AFTER 200
#define THR_WAIT_SECONDS 60

/* The state shared by the workers and the closer of one round. */
typedef struct thr_handle_case {
  PRSharedMemory *shm;                /* the one handle */
  atomic_long calls;                  /* attaches that succeeded, all workers */
  atomic_int closed;                  /* the closer has returned from its close */
  void *leftover[THR_HANDLE_WORKERS]; /* per worker: an address left attached */
} thr_handle_case;

static thr_handle_case thr_hc;

/* Attaches, reads, checks the size and detaches until the handle is gone:
 * every call succeeds or fails with PR_INVALID_ARGUMENT_ERROR, and once a
 * call has failed so, the handle stays refused. */
static void *thr_handle_worker(void *arg) {
  thr_slot *s = arg;
  long loop;

  (void)pthread_barrier_wait(s->barrier);
  for (loop = 0; loop < THR_HANDLE_MAX_LOOPS; loop++) {
    PRSize size = 0;
    volatile char *p = PR_AttachSharedMemory(thr_hc.shm, loop % 2 ? PR_SHM_READONLY : 0);
    if (p == NULL) {
      if (!thr_error_is(PR_INVALID_ARGUMENT_ERROR)) thr_fail(s, 1);
      break;
    }
    atomic_fetch_add(&thr_hc.calls, 1);
    if (p[0] != 'h') thr_fail(s, 2);
    if (prshm_get_size(thr_hc.shm, &size) != PR_SUCCESS) {
      if (!thr_error_is(PR_INVALID_ARGUMENT_ERROR)) thr_fail(s, 3);
    } else if (size != THR_HANDLE_SIZE) {
      thr_fail(s, 4);
    }
    if (PR_DetachSharedMemory(thr_hc.shm, (void *)(uintptr_t)p) != PR_SUCCESS) {
      if (!thr_error_is(PR_INVALID_ARGUMENT_ERROR)) thr_fail(s, 5);
      /* Closed meanwhile: the mapping stays, as after any close. */
      thr_hc.leftover[s->index] = (void *)(uintptr_t)p;
      break;
    }
  }
  /* After the close, everything is refused. */
  if (PR_AttachSharedMemory(thr_hc.shm, 0) != NULL || !thr_error_is(PR_INVALID_ARGUMENT_ERROR))
    thr_fail(s, 6);
  s->result = loop;
  return NULL;
}

/* Seconds since an arbitrary point, for bounded waits. */
static double thr_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits until the workers are busy, then closes the handle under them. */
static void *thr_handle_closer(void *arg) {
  thr_slot *s = arg;
  double deadline;

  (void)pthread_barrier_wait(s->barrier);
  deadline = thr_now() + THR_WAIT_SECONDS;
  while (atomic_load(&thr_hc.calls) < THR_CLOSE_AFTER && thr_now() < deadline) sched_yield();
  if (atomic_load(&thr_hc.calls) < THR_CLOSE_AFTER) thr_fail(s, 1);
  if (PR_CloseSharedMemory(thr_hc.shm) != PR_SUCCESS) thr_fail(s, 2);
  if (PR_CloseSharedMemory(thr_hc.shm) != PR_FAILURE || !thr_error_is(PR_INVALID_ARGUMENT_ERROR))
    thr_fail(s, 3);
  atomic_store(&thr_hc.closed, 1);
  return NULL;
}

/* Worker or closer, by index: the last thread closes. */
static void *thr_handle_role(void *arg) {
  thr_slot *s = arg;
  return s->index == THR_HANDLE_WORKERS ? thr_handle_closer(arg) : thr_handle_worker(arg);
}

TEST(one_handle_closed_while_attaching) {
  const char *name = t_name("onehandle");
  thr_slot slots[THR_HANDLE_WORKERS + 1];
  long fds = t_open_descriptors();
  int round, i;
  char *p;

  for (round = 0; round < 10; round++) {
    memset(&thr_hc, 0, sizeof thr_hc);
    thr_hc.shm = PR_OpenSharedMemory(name, THR_HANDLE_SIZE, PR_SHM_CREATE, 0600);
    CHECK_NOT_NULL(thr_hc.shm);
    p = PR_AttachSharedMemory(thr_hc.shm, 0);
    CHECK_NOT_NULL(p);
    p[0] = 'h';
    CHECK_OK(PR_DetachSharedMemory(thr_hc.shm, p));
    thr_run(THR_HANDLE_WORKERS + 1, thr_handle_role, slots, name, NULL, NULL);
    thr_check_all_ok(slots, THR_HANDLE_WORKERS + 1);
    CHECK_EQ(atomic_load(&thr_hc.closed), 1);
    /* No worker ran out its loops: each stopped because of the close. */
    for (i = 0; i < THR_HANDLE_WORKERS; i++) CHECK_INT(slots[i].result, <, THR_HANDLE_MAX_LOOPS);
    /* The closed handle's leftovers are still the segment; then unmap. */
    for (i = 0; i < THR_HANDLE_WORKERS; i++) {
      if (thr_hc.leftover[i] == NULL) continue;
      CHECK_EQ(((char *)thr_hc.leftover[i])[0], 'h');
      CHECK_EQ(munmap(thr_hc.leftover[i], THR_HANDLE_SIZE), 0);
    }
    CHECK_EQ(prshm__registry_count(), 0);
    CHECK_EQ(t_open_descriptors(), fds);
  }
}

static void *thr_close_same(void *arg) {
  thr_slot *s = arg;

  (void)pthread_barrier_wait(s->barrier);
  if (PR_CloseSharedMemory(s->shm) == PR_SUCCESS)
    s->result = 1;
  else if (!thr_error_is(PR_INVALID_ARGUMENT_ERROR))
    thr_fail(s, 1);
  return NULL;
}

static void *thr_detach_same(void *arg) {
  thr_slot *s = arg;

  (void)pthread_barrier_wait(s->barrier);
  if (PR_DetachSharedMemory(s->shm, s->addr) == PR_SUCCESS)
    s->result = 1;
  else if (!thr_error_is(PR_INVALID_ARGUMENT_ERROR))
    thr_fail(s, 1);
  return NULL;
}

/* The number of threads that reported success. */
static long thr_successes(const thr_slot *slots, int count) {
  long n = 0;
  int i;

  for (i = 0; i < count; i++) n += slots[i].result;
  return n;
}

TEST(one_handle_closed_by_many_at_once) {
  const char *name = t_name("closemany");
  thr_slot slots[8];
  long fds = t_open_descriptors();
  int round;

  for (round = 0; round < 50; round++) {
    PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, 0600);
    CHECK_NOT_NULL(shm);
    thr_run(8, thr_close_same, slots, name, shm, NULL);
    thr_check_all_ok(slots, 8);
    CHECK_EQ(thr_successes(slots, 8), 1);
    CHECK_EQ(prshm__registry_count(), 0);
  }
  CHECK_EQ(t_open_descriptors(), fds);
}

TEST(one_address_detached_by_many_at_once) {
  const char *name = t_name("detachmany");
  thr_slot slots[8];
  PRSharedMemory *shm;
  int round;
  char *p, *keep;

  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(shm);
  keep = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(keep);
  for (round = 0; round < 50; round++) {
    p = PR_AttachSharedMemory(shm, 0);
    CHECK_NOT_NULL(p);
    thr_run(8, thr_detach_same, slots, name, shm, p);
    thr_check_all_ok(slots, 8);
    CHECK_EQ(thr_successes(slots, 8), 1);
    /* The other attachment was not unmapped by a second detach. */
    keep[round] = 'k';
    CHECK_EQ(keep[round], 'k');
  }
  CHECK_OK(PR_DetachSharedMemory(shm, keep));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

#define THR_ATTACH_EACH 32

/* Attaches THR_ATTACH_EACH times through the shared handle, checks the
 * addresses are live, then detaches them all. */
static void *thr_attach_many(void *arg) {
  thr_slot *s = arg;
  char *p[THR_ATTACH_EACH];
  int i;

  (void)pthread_barrier_wait(s->barrier);
  for (i = 0; i < THR_ATTACH_EACH; i++) {
    p[i] = PR_AttachSharedMemory(s->shm, i % 2 ? PR_SHM_READONLY : 0);
    if (p[i] == NULL) {
      thr_fail(s, 1);
      return NULL;
    }
  }
  for (i = 0; i < THR_ATTACH_EACH; i++) {
    if (p[i][s->index] != (char)('a' + s->index)) thr_fail(s, 2);
    if (PR_DetachSharedMemory(s->shm, p[i]) != PR_SUCCESS) thr_fail(s, 3);
  }
  return NULL;
}

TEST(one_handle_attached_by_many_at_once) {
  const char *name = t_name("attachmany");
  thr_slot slots[8];
  PRSharedMemory *shm;
  char *p;
  int i;

  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  for (i = 0; i < 8; i++) p[i] = (char)('a' + i);
  thr_run(8, thr_attach_many, slots, name, shm, NULL);
  thr_check_all_ok(slots, 8);
  /* Every one of them was recorded and detached: only p is left. */
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_EQ(PR_DetachSharedMemory(shm, p), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* ---- per-thread errors under load ---- */

#define THR_ERR_THREADS 8
#define THR_ERR_ROUNDS 2000

/* A name of 1024 bytes, filled in by the main thread before the workers
 * start and only read by them. */
static char thr_too_long[PRSHM__NAME_MAX + 2];

/* Makes a prshm call fail in the way thread `index` is assigned; returns
 * the code it must have set and, in *oserr, the OS error. */
static PRErrorCode thr_fail_call(const thr_slot *s, PRInt32 *oserr) {
  char missing[128];

  switch (s->index % 4) {
    case 0:
      snprintf(missing, sizeof missing, "%s-missing-%d", s->name, s->index);
      (void)PR_OpenSharedMemory(missing, 16, 0, 0);
      *oserr = ENOENT;
      return PR_FILE_NOT_FOUND_ERROR;
    case 1:
      (void)PR_AttachSharedMemory(NULL, 0);
      *oserr = 0;
      return PR_INVALID_ARGUMENT_ERROR;
    case 2:
      (void)PR_DeleteSharedMemory(thr_too_long);
      *oserr = 0;
      return PR_NAME_TOO_LONG_ERROR;
    default:
      (void)PR_OpenSharedMemory(s->name, 16, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
      *oserr = EEXIST;
      return PR_FILE_EXISTS_ERROR;
  }
}

static void *thr_error_worker(void *arg) {
  thr_slot *s = arg;
  const PRErrorCode mine = PR_OUT_OF_MEMORY_ERROR + s->index;
  char text[32], back[32];
  int round, n = snprintf(text, sizeof text, "thread %d", s->index);

  if (PR_GetError() != 0 || PR_GetOSError() != 0) thr_fail(s, 1);
  (void)pthread_barrier_wait(s->barrier);
  for (round = 0; round < THR_ERR_ROUNDS && s->failed_step == 0; round++) {
    PRInt32 oserr = -1;
    PRErrorCode expected;
    PR_SetError(mine, s->index + round);
    PR_SetErrorText(n, text);
    expected = thr_fail_call(s, &oserr);
    if (PR_GetError() != expected || PR_GetOSError() != oserr) thr_fail(s, 2);
    if (PR_GetErrorTextLength() != 0) thr_fail(s, 3);
    PR_SetError(mine, s->index + round);
    PR_SetErrorText(n, text);
    sched_yield();
    if (PR_GetError() != mine || PR_GetOSError() != s->index + round) thr_fail(s, 4);
    if (PR_GetErrorText(back) != n || strcmp(back, text) != 0) thr_fail(s, 5);
  }
  return NULL;
}

TEST(per_thread_errors_under_load) {
  const char *name = t_name("errors");
  thr_slot slots[THR_ERR_THREADS];
  PRSharedMemory *shm;

  memset(thr_too_long, 'L', sizeof thr_too_long - 1);
  shm = PR_OpenSharedMemory(name, 16, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(shm);
  PR_SetError(PR_IO_ERROR, 99);
  thr_run(THR_ERR_THREADS, thr_error_worker, slots, name, NULL, NULL);
  thr_check_all_ok(slots, THR_ERR_THREADS);
  /* The main thread's state was never touched by the workers. */
  CHECK_EQ(PR_GetError(), PR_IO_ERROR);
  CHECK_EQ(PR_GetOSError(), 99);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* ---- fork while other threads are inside prshm ---- */

#define THR_FORK_THREADS 2
#define THR_FORK_ROUNDS 1000
/* Under sanitizers and valgrind a fork() takes tens of milliseconds: the
 * case forks for at most this long, and at least THR_FORK_MIN times. */
#define THR_FORK_SECONDS 15
#define THR_FORK_MIN 100

static atomic_int thr_fork_stop;

/* Keeps the registry busy: its lock is taken and dropped all the time. */
static void *thr_fork_churn(void *arg) {
  thr_slot *s = arg;
  PRSize size;

  (void)pthread_barrier_wait(s->barrier);
  while (!atomic_load(&thr_fork_stop)) {
    PRSharedMemory *shm = PR_OpenSharedMemory(s->name, 0, 0, 0);
    if (shm == NULL || PR_CloseSharedMemory(shm) != PR_SUCCESS) thr_fail(s, 1);
    if (prshm_get_size(s->shm, &size) != PR_SUCCESS) thr_fail(s, 2);
  }
  return NULL;
}

/* The child of a fork: uses the handle it inherited and opens a new one.
 * A lock left held by a thread the child does not have would hang it: the
 * alarm then kills it, and the parent sees the signal. */
static int thr_fork_child(const thr_slot *s) {
  PRSharedMemory *shm;
  PRSize size = 0;
  char *p;

  (void)alarm(20);
  if (prshm_get_size(s->shm, &size) != PR_SUCCESS || size != 4096) return 1;
  shm = PR_OpenSharedMemory(s->name, 0, 0, 0);
  if (shm == NULL) return 2;
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  if (p == NULL || p[0] != 'F') return 3;
  if (PR_DetachSharedMemory(shm, p) != PR_SUCCESS) return 4;
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) return 5;
  return 0;
}

TEST(fork_while_other_threads_are_inside_prshm) {
  const char *name = t_name("fork");
  pthread_barrier_t barrier;
  thr_slot slots[THR_FORK_THREADS];
  pthread_t threads[THR_FORK_THREADS];
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  struct timespec start;
  char *p;
  int i, round, status;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  p[0] = 'F';
  CHECK_EQ(pthread_barrier_init(&barrier, NULL, THR_FORK_THREADS + 1), 0);
  for (i = 0; i < THR_FORK_THREADS; i++) {
    memset(&slots[i], 0, sizeof slots[i]);
    slots[i].index = i;
    slots[i].barrier = &barrier;
    slots[i].name = name;
    slots[i].shm = shm;
    CHECK_EQ(pthread_create(&threads[i], NULL, thr_fork_churn, &slots[i]), 0);
  }
  (void)pthread_barrier_wait(&barrier);
  CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &start), 0);
  for (round = 0; round < THR_FORK_ROUNDS; round++) {
    struct timespec now;
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &now), 0);
    if (round >= THR_FORK_MIN && now.tv_sec - start.tv_sec >= THR_FORK_SECONDS) break;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(thr_fork_child(&slots[0]));
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      t_fail(__FILE__, __LINE__, "fork %d: child %s %d", round,
             WIFEXITED(status) ? "exited with" : "killed by signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  }
  printf("%d forks, every child used its handles\n", round);
  atomic_store(&thr_fork_stop, 1);
  for (i = 0; i < THR_FORK_THREADS; i++) {
    CHECK_EQ(pthread_join(threads[i], NULL), 0);
    CHECK_EQ(slots[i].failed_step, 0);
  }
  (void)pthread_barrier_destroy(&barrier);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* ---- The library's own mutex (os.h) ---- */

#define THR_MUTEX_THREADS 4
#define THR_MUTEX_ROUNDS 200000

static prshm__mutex thr_mutex = PRSHM__MUTEX_INIT;
static unsigned long thr_mutex_count; /* guarded by thr_mutex, plain on purpose */

static void *thr_mutex_add(void *arg) {
  int i;

  (void)arg;
  for (i = 0; i < THR_MUTEX_ROUNDS; i++) {
    prshm__mutex_lock(&thr_mutex);
    thr_mutex_count++;
    /* Now and then held across a yield, so that others queue behind it
     * and sleep: the contended lock and the wake on unlock run too. */
    if (i % 1000 == 0) (void)sched_yield();
    prshm__mutex_unlock(&thr_mutex);
  }
  return NULL;
}

/* More threads than CPUs take the mutex that guards the handle table:
 * no increment is lost, and no thread is left asleep (each joins). */
TEST(library_mutex_excludes_and_wakes) {
  pthread_t threads[THR_MUTEX_THREADS];
  int i;

  for (i = 0; i < THR_MUTEX_THREADS; i++)
    CHECK_EQ(pthread_create(&threads[i], NULL, thr_mutex_add, NULL), 0);
  for (i = 0; i < THR_MUTEX_THREADS; i++) CHECK_EQ(pthread_join(threads[i], NULL), 0);
  CHECK_EQ(thr_mutex_count, (unsigned long)THR_MUTEX_THREADS * THR_MUTEX_ROUNDS);
}
