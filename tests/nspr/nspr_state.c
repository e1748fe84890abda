/*
 * nspr_state.c - the companion library (libprshm-nspr) inside the suite, so
 * that its code runs under AddressSanitizer, ThreadSanitizer and valgrind
 * with the rest: built with the companion's headers (NSPR's prtypes.h and
 * prerror.h) and linked with its static library and libnspr4. Every
 * failure inside prshm must be in NSPR's own error state, per thread, and
 * nothing of NSPR's may change otherwise.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include <prerror.h>
#include <prinit.h>
#include <prthread.h>

#include "runner.h"

#ifndef PRSHM_NSPR
#error "built with the standalone headers; this test is for the companion"
#endif

/* A failure of prshm's is what NSPR's PR_GetError() and PR_GetOSError()
 * read, by NSPR's PR_ErrorToName(), and it clears NSPR's error text as
 * NSPR's own failures do. */
TEST(failure_is_in_nspr_state) {
  const char *name = t_name("state");

  PR_SetErrorText(5, "stale");
  CHECK(PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 01000) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_GetOSError(), 0);
  CHECK_EQ(PR_GetErrorTextLength(), 0);
  CHECK_STR(PR_ErrorToName(PR_GetError()), "PR_INVALID_ARGUMENT_ERROR");
  CHECK(PR_OpenSharedMemory(name, 4096, 0, 0600) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_GetOSError(), ENOENT);
  CHECK_STR(PR_ErrorToName(PR_GetError()), "PR_FILE_NOT_FOUND_ERROR");
  /* NSPR's sentence, not prshm's: the table is NSPR's. */
  CHECK(PR_ErrorToString(PR_FILE_NOT_FOUND_ERROR, PR_LANGUAGE_I_DEFAULT) != NULL);
  CHECK(PR_DeleteSharedMemory(name) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* A table the program installs stays readable around prshm's failures. */
#define OWN_BASE (-0x2f100)
static const struct PRErrorMessage own_messages[] = {{"OWN_E_ONE", "the first own error"}};
static const struct PRErrorTable own_table = {own_messages, "own", OWN_BASE, 1};

TEST(own_error_table_survives) {
  CHECK_EQ(PR_ErrorInstallTable(&own_table), 0);
  CHECK(PR_AttachSharedMemory(NULL, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  PR_SetError(OWN_BASE, 7);
  CHECK_EQ(PR_GetError(), OWN_BASE);
  CHECK_EQ(PR_GetOSError(), 7);
  CHECK_STR(PR_ErrorToName(OWN_BASE), "OWN_E_ONE");
  CHECK_STR(PR_ErrorToString(OWN_BASE, PR_LANGUAGE_I_DEFAULT), "the first own error");
  CHECK_STR(PR_ErrorToName(PR_FILE_EXISTS_ERROR), "PR_FILE_EXISTS_ERROR");
}

/* A segment is prshm's: the extensions know the handle; two handles share
 * the memory. */
TEST(segment_is_prshm) {
  const char *name = t_name("seg");
  PRSharedMemory *a, *b;
  PRSize size = 0;
  char *pa, *pb;

  a = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(a);
  CHECK_OK(prshm_get_size(a, &size));
  CHECK_EQ(size, 4096);
  b = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(b);
  pa = (char *)PR_AttachSharedMemory(a, 0);
  pb = (char *)PR_AttachSharedMemory(b, PR_SHM_READONLY);
  CHECK_NOT_NULL(pa);
  CHECK_NOT_NULL(pb);
  strcpy(pa, "companion");
  CHECK_STR(pb, "companion");
  CHECK_OK(PR_DetachSharedMemory(b, pb));
  CHECK_OK(PR_DetachSharedMemory(a, pa));
  CHECK_OK(PR_CloseSharedMemory(b));
  CHECK_OK(PR_CloseSharedMemory(a));
  CHECK(PR_CloseSharedMemory(a) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* A semaphore is prshm's: the extensions know the handle, values NSPR
 * cannot hold are kept, and misuse fails into NSPR's error state where
 * NSPR's own semaphores crash. */
TEST(semaphore_is_prshm) {
  const char *name = t_name("sem");
  PRSem *a, *b;
  PRUint32 value = 0;

  a = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 40000);
  CHECK_NOT_NULL(a);
  b = PR_OpenSemaphore(name, 0, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_OK(prshm_sem_getvalue(b, &value));
  CHECK_EQ(value, 40000);
  CHECK_OK(PR_WaitSemaphore(b));
  CHECK_OK(PR_PostSemaphore(a));
  CHECK_OK(PR_PostSemaphore(a));
  CHECK_OK(prshm_sem_getvalue(a, &value));
  CHECK_EQ(value, 40001);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  CHECK_STR(PR_ErrorToName(PR_GetError()), "PR_FILE_EXISTS_ERROR");
  CHECK(PR_WaitSemaphore(NULL) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_OK(PR_CloseSemaphore(b));
  CHECK(PR_PostSemaphore(b) == PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_OK(PR_CloseSemaphore(a));
  CHECK_OK(PR_DeleteSemaphore(name));
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_GetOSError(), ENOENT);
}

/* The robust lock through the companion: its failures are NSPR's too. */
TEST(lock_is_prshm) {
  const char *name = t_name("lock");
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  PRBool died = PR_TRUE;

  CHECK_NOT_NULL(lk);
  CHECK_OK(prshm_lock_acquire(lk, &died));
  CHECK(!died);
  CHECK(prshm_lock_tryacquire(lk, &died) == PR_FAILURE);
  CHECK_ERROR(PR_DEADLOCK_ERROR); /* the holder itself */
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(prshm_lock_close(lk));
  CHECK_OK(prshm_lock_delete(name));
  CHECK(prshm_lock_delete(name) == PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* ---- Threads: NSPR's and plain POSIX threads, each failing its own way ---- */

#define ROUNDS 200

/* One thread's part. */
typedef struct worker {
  const char *name; /* an existing segment */
  int kind;         /* which failure this thread makes */
  int wrong;        /* rounds where its own error was not what it made */
} worker;

static void work(worker *w) {
  int i;

  for (i = 0; i < ROUNDS; i++) {
    PRErrorCode want;
    PRSharedMemory *shm = PR_OpenSharedMemory(w->name, 0, 0, 0);

    if (shm == NULL || PR_CloseSharedMemory(shm) != PR_SUCCESS) w->wrong++;
    switch (w->kind) {
      case 0:
        (void)PR_OpenSharedMemory(w->name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
        want = PR_FILE_EXISTS_ERROR;
        break;
      case 1:
        (void)PR_OpenSharedMemory(NULL, 64, 0, 0);
        want = PR_INVALID_ARGUMENT_ERROR;
        break;
      default:
        (void)PR_OpenSharedMemory(w->name, 1 << 20, 0, 0);
        want = PR_INVALID_ARGUMENT_ERROR;
        break;
    }
    if (PR_GetError() != want) w->wrong++;
  }
}

static void PR_CALLBACK nspr_thread_main(void *arg) { work((worker *)arg); }

static void *posix_thread_main(void *arg) {
  work((worker *)arg);
  return NULL;
}

TEST(threads_keep_their_own_errors) {
  const char *name = t_name("threads");
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  worker workers[4];
  PRThread *nspr_threads[2];
  pthread_t posix_threads[2];
  int i;

  CHECK_NOT_NULL(shm);
  for (i = 0; i < 4; i++) {
    workers[i].name = name;
    workers[i].kind = i % 3;
    workers[i].wrong = 0;
  }
  for (i = 0; i < 2; i++) {
    nspr_threads[i] = PR_CreateThread(PR_USER_THREAD, nspr_thread_main, &workers[i],
                                      PR_PRIORITY_NORMAL, PR_GLOBAL_THREAD, PR_JOINABLE_THREAD, 0);
    CHECK_NOT_NULL(nspr_threads[i]);
    CHECK_EQ(pthread_create(&posix_threads[i], NULL, posix_thread_main, &workers[2 + i]), 0);
  }
  for (i = 0; i < 2; i++) {
    CHECK_OK(PR_JoinThread(nspr_threads[i]));
    CHECK_EQ(pthread_join(posix_threads[i], NULL), 0);
  }
  for (i = 0; i < 4; i++) CHECK_EQ(workers[i].wrong, 0);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* ---- Two processes ---- */

CHILD(write_answer) {
  PRSharedMemory *shm;
  char *p;

  if (argc < 1) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  p = shm != NULL ? (char *)PR_AttachSharedMemory(shm, 0) : NULL;
  if (p == NULL || strcmp(p, "question") != 0) return 1;
  strcpy(p + 64, "answer");
  /* The child's failures are in its own NSPR error state too. */
  if (PR_OpenSharedMemory(argv[0], 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600) != NULL ||
      PR_GetError() != PR_FILE_EXISTS_ERROR || PR_GetOSError() != EEXIST)
    return 3;
  if (PR_DetachSharedMemory(shm, p) != PR_SUCCESS || PR_CloseSharedMemory(shm) != PR_SUCCESS)
    return 4;
  return 0;
}

TEST(second_process_shares) {
  const char *name = t_name("procs");
  const char *args[2];
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  char *p;

  CHECK_NOT_NULL(shm);
  p = (char *)PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "question");
  args[0] = name;
  args[1] = NULL;
  CHECK_EQ(t_wait(t_spawn("write_answer", args)), 0);
  CHECK_STR(p + 64, "answer");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}
