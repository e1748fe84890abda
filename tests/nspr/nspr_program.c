/*
 * nspr_program.c - a program written the way NSPR programs are, used to
 * test prshm beside NSPR. It includes nspr.h, starts NSPR threads with
 * PR_CreateThread, starts a second process with PR_CreateProcess and shares
 * a segment with it, orders the two with named semaphores (pripcsem.h),
 * installs an error table of its own, and checks every failure through
 * PR_GetError(), PR_GetOSError() and PR_ErrorToName().
 *
 * The test scripts (check-nspr.sh) build it against the companion library
 * in every order of flags they claim, against NSPR alone (then run plainly,
 * and with the companion preloaded), and, with -DWITHOUT_NSPR, against the
 * standalone library (no threads, table or NSPR process calls there).
 *
 *   nspr_program prshm|nspr DIR        DIR: an empty directory of its own;
 *                                      PRSHM_DIR must name DIR/ns
 *   nspr_program child prshm|nspr DIR  (the second process; internal)
 *
 * "prshm" expects prshm's shared memory and semaphores: no file ever
 * appears at a name's path, the segment and the semaphores live in
 * PRSHM_DIR, and misuse gets prshm's error codes where NSPR's differ (or
 * crash, or hang). "nspr" expects NSPR's own: a key file at each path (this
 * is how the tests prove which one they got). Built with -DWITH_PRSHM_EXT
 * it also asks prshm_get_size() and prshm_sem_getvalue(), which only prshm
 * answers (and with -DPRSHM_HEADER_FIRST includes prshm_ext.h before
 * nspr.h).
 * Prints one line and exits 0 when every check holds.
 */
/* prshm's header first or last: either order must bind the same. */
#if defined(WITH_PRSHM_EXT) && defined(PRSHM_HEADER_FIRST)
#include <prshm_ext.h>
#endif
#ifdef WITHOUT_NSPR
#include <prerror.h>
#include <pripcsem.h>
#include <prshm.h>
#include <prtypes.h>
#include <spawn.h>
#include <sys/wait.h>
#else
#include <nspr.h>
#endif
#if defined(WITH_PRSHM_EXT) && !defined(PRSHM_HEADER_FIRST)
#include <prshm_ext.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEG_SIZE 4096
#define THREADS 4
#define ROUNDS 50

/* What the run expects and where it works. */
static PRBool expect_prshm;
static char seg_name[512];  /* DIR/segment: the segment's name */
static char missing[512];   /* DIR/missing: a name that never exists */
static char go_name[512];   /* DIR/go: the semaphore the parent posts for the child */
static char done_name[512]; /* DIR/done: the one the child posts for the parent */
static char ns_dir[512];    /* DIR/ns: PRSHM_DIR */

static int failures;

#define CHECK(cond, what)                                               \
  do {                                                                  \
    if (!(cond)) {                                                      \
      fprintf(stderr, "nspr_program: line %d: %s\n", __LINE__, (what)); \
      failures++;                                                       \
    }                                                                   \
  } while (0)

/* After a call that failed: the thread's error is `code` (named `name` by
 * PR_ErrorToName) with OS error `oserr`, and the error text is gone. */
static void check_error(int line, PRErrorCode code, const char *name, PRInt32 oserr) {
  PRErrorCode got = PR_GetError();
  const char *got_name = PR_ErrorToName(got);

  if (got != code || got_name == NULL || strcmp(got_name, name) != 0 || PR_GetOSError() != oserr ||
      PR_GetErrorTextLength() != 0) {
    fprintf(stderr,
            "nspr_program: line %d: wanted %s (%d) oserr %d; got %s (%d) oserr %d, text %d\n", line,
            name, (int)code, (int)oserr, got_name != NULL ? got_name : "(null)", (int)got,
            (int)PR_GetOSError(), (int)PR_GetErrorTextLength());
    failures++;
  }
}
#define CHECK_ERROR(code, oserr) check_error(__LINE__, code, #code, oserr)

/* After a call that failed: the thread's error is `code` (the OS error is
 * not compared: NSPR's semaphores and prshm's come from different calls). */
static void check_code(int line, PRErrorCode code, const char *name) {
  PRErrorCode got = PR_GetError();

  if (got != code) {
    fprintf(stderr, "nspr_program: line %d: wanted %s (%d); got %s (%d)\n", line, name, (int)code,
            PR_ErrorToName(got) != NULL ? PR_ErrorToName(got) : "(null)", (int)got);
    failures++;
  }
}
#define CHECK_CODE(code) check_code(__LINE__, code, #code)

/* A stale text, which a failure recorded through PR_SetError() clears. */
static void stale_text(void) { PR_SetErrorText(5, "stale"); }

static PRBool path_exists(const char *path) { return access(path, F_OK) == 0 ? PR_TRUE : PR_FALSE; }

/* The number of entries in the namespace directory. */
static int ns_entries(void) {
  DIR *d = opendir(ns_dir);
  struct dirent *e;
  int n = 0;

  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* ---- An error table of the program's own (NSPR only) ---- */
#ifndef WITHOUT_NSPR
#define MYAPP_ERROR_BASE (-0x2f000)
#define MYAPP_E_WIDGET_BROKEN (MYAPP_ERROR_BASE + 0)
#define MYAPP_E_WIDGET_LOST (MYAPP_ERROR_BASE + 1)
static const struct PRErrorMessage myapp_messages[] = {
    {"MYAPP_E_WIDGET_BROKEN", "The widget is broken"},
    {"MYAPP_E_WIDGET_LOST", "The widget is lost"},
};
static const struct PRErrorTable myapp_table = {myapp_messages, "myapp", MYAPP_ERROR_BASE, 2};

static void check_own_table(void) {
  const char *text;

  PR_SetError(MYAPP_E_WIDGET_LOST, 0);
  CHECK(PR_GetError() == MYAPP_E_WIDGET_LOST, "own code read back");
  CHECK_ERROR(MYAPP_E_WIDGET_LOST, 0);
  text = PR_ErrorToString(MYAPP_E_WIDGET_LOST, PR_LANGUAGE_I_DEFAULT);
  CHECK(text != NULL && strcmp(text, "The widget is lost") == 0, "own code's text");
}
#endif

/* ---- The checks of one process ---- */

/* Which shared memory this is: prshm's never makes a file at the path. */
static void check_which(PRSharedMemory *shm) {
  if (expect_prshm) {
    CHECK(!path_exists(seg_name), "prshm: no file at the name's path");
    CHECK(ns_entries() == 1, "prshm: the segment is in PRSHM_DIR");
  } else {
    CHECK(path_exists(seg_name), "NSPR: its key file at the name's path");
    CHECK(ns_entries() == 0, "NSPR: nothing in PRSHM_DIR");
  }
#ifdef WITH_PRSHM_EXT
  {
    PRSize size = 0;
    CHECK(prshm_get_size(shm, &size) == PR_SUCCESS && size == SEG_SIZE,
          "prshm_get_size() knows the handle");
  }
#else
  (void)shm;
#endif
}

/* Failures both libraries report alike. */
static void check_common_errors(void) {
  stale_text();
  CHECK(PR_OpenSharedMemory(seg_name, SEG_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL,
        "create of an existing segment fails");
  CHECK_ERROR(PR_FILE_EXISTS_ERROR, EEXIST);
  stale_text();
  CHECK(PR_OpenSharedMemory(missing, SEG_SIZE, 0, 0600) == NULL, "open of a missing one fails");
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR, ENOENT);
}

/* Failures where prshm's codes differ from NSPR's, or where NSPR crashes. */
static void check_prshm_errors(PRSharedMemory *shm) {
  static char long_name[1100];
  PRSharedMemory *other;
  char local;

  stale_text();
  CHECK(PR_OpenSharedMemory(missing, 0, PR_SHM_CREATE, 0600) == NULL, "size 0 create fails");
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR, 0);
  stale_text();
  CHECK(PR_OpenSharedMemory(missing, SEG_SIZE, PR_SHM_CREATE, 01600) == NULL,
        "mode bits above 0777 fail");
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR, 0);
  stale_text();
  CHECK(PR_OpenSharedMemory(NULL, SEG_SIZE, 0, 0600) == NULL, "a NULL name fails");
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR, 0);
  memset(long_name, 'n', 1024);
  long_name[0] = '/';
  stale_text();
  CHECK(PR_OpenSharedMemory(long_name, SEG_SIZE, 0, 0600) == NULL, "a 1024-byte name fails");
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR, 0);
  stale_text();
  CHECK(PR_DeleteSharedMemory(missing) == PR_FAILURE, "delete of a missing name fails");
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR, ENOENT);
  CHECK(!path_exists(missing), "delete of a missing name makes no file");
  stale_text();
  CHECK(PR_DetachSharedMemory(shm, &local) == PR_FAILURE, "detach of a foreign address fails");
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR, 0);
  other = PR_OpenSharedMemory(seg_name, SEG_SIZE, 0, 0600);
  CHECK(other != NULL && PR_CloseSharedMemory(other) == PR_SUCCESS, "open and close");
  stale_text();
  CHECK(PR_CloseSharedMemory(other) == PR_FAILURE, "a second close fails");
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR, 0);
}

/* ---- Semaphores ---- */

/* Which semaphores these are, with the segment and the two semaphores
 * created: prshm's make no file at the path. Linux's live in PRSHM_DIR
 * beside the segment; the portable backend's are POSIX named semaphores,
 * in a namespace of their own that PRSHM_DIR does not move. */
static void check_which_sem(PRSem *go) {
  if (expect_prshm) {
    int n = ns_entries();

    CHECK(!path_exists(go_name) && !path_exists(done_name), "prshm: no file at a semaphore's path");
    CHECK(n == 3 || n == 1, "prshm: the semaphores are in PRSHM_DIR, or none of its own making");
  } else {
    CHECK(path_exists(go_name) && path_exists(done_name), "NSPR: its key files at the paths");
    CHECK(ns_entries() == 0, "NSPR: nothing in PRSHM_DIR");
  }
#ifdef WITH_PRSHM_EXT
  {
    PRUint32 value = 99;
    CHECK(prshm_sem_getvalue(go, &value) == PR_SUCCESS && value == 0,
          "prshm_sem_getvalue() knows the handle");
  }
#else
  (void)go;
#endif
}

/* The failures NSPR's own tests expect, which both libraries report. */
static void check_common_sem_errors(void) {
  CHECK(PR_OpenSemaphore(go_name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0) == NULL,
        "create of an existing semaphore fails");
  CHECK_CODE(PR_FILE_EXISTS_ERROR);
  CHECK(PR_OpenSemaphore(missing, 0, 0600, 0) == NULL, "open of a missing semaphore fails");
  CHECK_CODE(PR_FILE_NOT_FOUND_ERROR);
}

/* Where NSPR crashes (a NULL name, a second close) or hangs (a value of
 * 32768 or more), prshm fails cleanly or works. */
static void check_prshm_sem_errors(void) {
  PRSem *big;

  stale_text();
  CHECK(PR_OpenSemaphore(NULL, PR_SEM_CREATE, 0600, 0) == NULL, "a NULL semaphore name fails");
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR, 0);
  stale_text();
  CHECK(PR_PostSemaphore(NULL) == PR_FAILURE, "a post on NULL fails");
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR, 0);
  big = PR_OpenSemaphore(missing, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 40000);
  CHECK(big != NULL, "a semaphore of value 40000");
#ifdef WITH_PRSHM_EXT
  {
    PRUint32 value = 0;
    CHECK(big != NULL && prshm_sem_getvalue(big, &value) == PR_SUCCESS && value == 40000,
          "value 40000 kept");
  }
#endif
  CHECK(big != NULL && PR_CloseSemaphore(big) == PR_SUCCESS, "close");
  stale_text();
  CHECK(PR_CloseSemaphore(big) == PR_FAILURE, "a second close of a semaphore fails");
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR, 0);
  CHECK(PR_DeleteSemaphore(missing) == PR_SUCCESS, "delete");
  CHECK(!path_exists(missing), "no file at the deleted semaphore's path");
}

/* ---- Threads (NSPR only) ---- */
#ifndef WITHOUT_NSPR
/* One worker's part: its index, and what it found wrong. */
typedef struct worker {
  int index;  /* which slot of the segment it counts in */
  int errors; /* checks that failed in this thread */
} worker;

/* Opens, attaches and counts in its own slot ROUNDS times; between rounds,
 * fails on purpose in a way of its own and checks that its thread's error
 * state holds that failure, whatever the other threads do meanwhile. */
static void PR_CALLBACK worker_main(void *arg) {
  worker *w = (worker *)arg;
  int round;

  for (round = 0; round < ROUNDS; round++) {
    PRSharedMemory *shm = PR_OpenSharedMemory(seg_name, SEG_SIZE, 0, 0600);
    char *p = shm != NULL ? (char *)PR_AttachSharedMemory(shm, 0) : NULL;
    PRErrorCode want;

    if (p == NULL) {
      w->errors++;
      break;
    }
    p[256 + w->index]++;
    if (PR_DetachSharedMemory(shm, p) != PR_SUCCESS || PR_CloseSharedMemory(shm) != PR_SUCCESS)
      w->errors++;
    if (w->index % 2 == 0) {
      (void)PR_OpenSharedMemory(missing, SEG_SIZE, 0, 0600);
      want = PR_FILE_NOT_FOUND_ERROR;
    } else {
      (void)PR_OpenSharedMemory(seg_name, SEG_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
      want = PR_FILE_EXISTS_ERROR;
    }
    if (PR_GetError() != want || PR_ErrorToName(want) == NULL) w->errors++;
  }
}

static void check_threads(const char *base) {
  PRThread *threads[THREADS];
  worker workers[THREADS];
  int i;

  for (i = 0; i < THREADS; i++) {
    workers[i].index = i;
    workers[i].errors = 0;
    threads[i] = PR_CreateThread(PR_USER_THREAD, worker_main, &workers[i], PR_PRIORITY_NORMAL,
                                 PR_GLOBAL_THREAD, PR_JOINABLE_THREAD, 0);
    CHECK(threads[i] != NULL, "PR_CreateThread");
  }
  for (i = 0; i < THREADS; i++) {
    if (threads[i] != NULL) CHECK(PR_JoinThread(threads[i]) == PR_SUCCESS, "PR_JoinThread");
    CHECK(workers[i].errors == 0, "every thread saw its own errors");
    CHECK(base[256 + i] == ROUNDS, "every thread counted in the shared segment");
  }
}
#endif

/* ---- The second process ---- */

/* Runs this program again as "child MODE DIR" and waits for it. */
static int run_child(const char *self, const char *mode, const char *dir) {
  char *argv[5];
#ifdef WITHOUT_NSPR
  extern char **environ;
  pid_t pid;
  int status;
#else
  PRProcess *proc;
  PRInt32 code = -1;
#endif

  argv[0] = (char *)self;
  argv[1] = (char *)"child";
  argv[2] = (char *)mode;
  argv[3] = (char *)dir;
  argv[4] = NULL;
#ifdef WITHOUT_NSPR
  if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0) return -1;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
#else
  proc = PR_CreateProcess(self, argv, NULL, NULL);
  if (proc == NULL || PR_WaitProcess(proc, &code) != PR_SUCCESS) return -1;
  return (int)code;
#endif
}

/* The child: finds the parent's words in the segment, answers beside them. */
static int child_main(void) {
  PRSharedMemory *shm = PR_OpenSharedMemory(seg_name, SEG_SIZE, 0, 0600);
  char *p = shm != NULL ? (char *)PR_AttachSharedMemory(shm, 0) : NULL;
  PRSem *go = PR_OpenSemaphore(go_name, 0, 0600, 0);
  PRSem *done = PR_OpenSemaphore(done_name, 0, 0600, 0);

  CHECK(p != NULL, "child: open and attach the parent's segment");
  CHECK(go != NULL && done != NULL, "child: open the parent's semaphores");
  if (p == NULL || go == NULL || done == NULL) return 1;
  CHECK(PR_WaitSemaphore(go) == PR_SUCCESS, "child: wait for the parent's post");
  CHECK(strcmp(p, "from the parent") == 0, "child: reads what the parent wrote");
  strcpy(p + 64, "from the child");
  CHECK(PR_PostSemaphore(done) == PR_SUCCESS, "child: post for the parent");
  CHECK(PR_CloseSemaphore(go) == PR_SUCCESS && PR_CloseSemaphore(done) == PR_SUCCESS,
        "child: close the semaphores");
  check_common_errors();
  check_common_sem_errors();
  CHECK(PR_DetachSharedMemory(shm, p) == PR_SUCCESS, "child: detach");
  CHECK(PR_CloseSharedMemory(shm) == PR_SUCCESS, "child: close");
  return failures == 0 ? 0 : 1;
}

static int parent_main(const char *self, const char *mode, const char *dir) {
  PRSharedMemory *shm;
  PRSem *go, *done;
  char *p;

  CHECK(!path_exists(seg_name) && ns_entries() == 0, "a fresh directory");
#ifndef WITHOUT_NSPR
  CHECK(PR_ErrorInstallTable(&myapp_table) == 0, "PR_ErrorInstallTable");
  check_own_table();
#endif
  shm = PR_OpenSharedMemory(seg_name, SEG_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  p = shm != NULL ? (char *)PR_AttachSharedMemory(shm, 0) : NULL;
  CHECK(p != NULL, "create and attach");
  if (p == NULL) return 1;
  strcpy(p, "from the parent");
  check_which(shm);
  go = PR_OpenSemaphore(go_name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0);
  done = PR_OpenSemaphore(done_name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 0);
  CHECK(go != NULL && done != NULL, "create the semaphores");
  if (go == NULL || done == NULL) return 1;
  check_which_sem(go);
  check_common_errors();
  check_common_sem_errors();
  if (expect_prshm) check_prshm_errors(shm);
  if (expect_prshm) check_prshm_sem_errors();
#ifndef WITHOUT_NSPR
  check_threads(p);
  check_own_table(); /* prshm's failures left the program's table alone */
#endif
  /* The child waits for this post before it reads; the parent waits for
   * the child's before it reads the answer. */
  CHECK(PR_PostSemaphore(go) == PR_SUCCESS, "post for the child");
  CHECK(run_child(self, mode, dir) == 0, "the second process");
  CHECK(PR_WaitSemaphore(done) == PR_SUCCESS, "wait for the child's post");
  CHECK(strcmp(p + 64, "from the child") == 0, "the second process's answer");
  CHECK(PR_CloseSemaphore(go) == PR_SUCCESS && PR_CloseSemaphore(done) == PR_SUCCESS,
        "close the semaphores");
  CHECK(PR_DeleteSemaphore(go_name) == PR_SUCCESS && PR_DeleteSemaphore(done_name) == PR_SUCCESS,
        "delete the semaphores");
  CHECK(PR_OpenSemaphore(go_name, 0, 0, 0) == NULL, "a semaphore is gone after delete");
  CHECK_CODE(PR_FILE_NOT_FOUND_ERROR);
  CHECK(PR_DetachSharedMemory(shm, p) == PR_SUCCESS, "detach");
  CHECK(PR_CloseSharedMemory(shm) == PR_SUCCESS, "close");
  CHECK(PR_DeleteSharedMemory(seg_name) == PR_SUCCESS, "delete");
  CHECK(PR_OpenSharedMemory(seg_name, SEG_SIZE, 0, 0600) == NULL, "gone after delete");
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR, ENOENT);
  CHECK(!path_exists(seg_name) && ns_entries() == 0, "nothing left behind");
  return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  PRBool child = argc == 4 && strcmp(argv[1], "child") == 0 ? PR_TRUE : PR_FALSE;
  const char *mode = child ? argv[2] : argc == 3 ? argv[1] : "";
  const char *dir = child ? argv[3] : argc == 3 ? argv[2] : "";
  const char *env = getenv("PRSHM_DIR");
  int status;

  if (strcmp(mode, "prshm") != 0 && strcmp(mode, "nspr") != 0) {
    fprintf(stderr, "usage: nspr_program prshm|nspr DIR\n");
    return 2;
  }
  expect_prshm = strcmp(mode, "prshm") == 0 ? PR_TRUE : PR_FALSE;
  (void)snprintf(seg_name, sizeof seg_name, "%s/segment", dir);
  (void)snprintf(missing, sizeof missing, "%s/missing", dir);
  (void)snprintf(go_name, sizeof go_name, "%s/go", dir);
  (void)snprintf(done_name, sizeof done_name, "%s/done", dir);
  (void)snprintf(ns_dir, sizeof ns_dir, "%s/ns", dir);
  if (env == NULL || strcmp(env, ns_dir) != 0) {
    fprintf(stderr, "nspr_program: PRSHM_DIR must be %s\n", ns_dir);
    return 2;
  }
#ifndef WITHOUT_NSPR
  PR_Init(PR_USER_THREAD, PR_PRIORITY_NORMAL, 0);
#endif
  status = child ? child_main() : parent_main(argv[0], mode, dir);
#ifndef WITHOUT_NSPR
  (void)PR_Cleanup();
#endif
  if (!child && status == 0)
    printf("nspr_program: ok, %s shared memory and semaphores, errors through %s\n",
           expect_prshm ? "prshm's" : "NSPR's",
#ifdef WITHOUT_NSPR
           "the standalone library's state");
#else
           "NSPR's PR_GetError()");
#endif
  return status;
}
