/*
 * test_unix_sem.c - semaphores and robust locks between live processes, on
 * Unix: ping-pong and counts conserved across processes; processes racing
 * open, create, delete, wait and post; waits under storms of signals, with
 * and without SA_RESTART; delete while another process waits; killed
 * waiters; fork(); permissions (exact modes, other users); names that are
 * keys, never files; 10,000 live semaphores; and robust locks whose
 * holders are SIGKILLed at random moments, each death reported once.
 * Processes wait on pipes or on the semaphores under test, never on time.
 *
 * Map: helpers; processes and counts; signals; delete and death;
 * permissions and names; limits; robust locks across processes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "runner.h"
#include "unix.h"

/* ====================================================================
 * Helpers
 */

static PRSem *us_open(const char *name, PRUintn value) {
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE, 0600, value);
  CHECK_NOT_NULL(s);
  return s;
}

static PRUint32 us_value(PRSem *s) {
  PRUint32 v = 0;
  CHECK_OK(prshm_sem_getvalue(s, &v));
  return v;
}

/* Whether this build's semaphores are files in the namespace (Linux) or
 * the system's named semaphores (the portable build). */
static int us_futex(void) { return strcmp(prshm_backend_name(), "linux") == 0; }

/* The path of the file that holds the object `name` of `kind` (Linux). */
static void us_object_path(const char *name, prshm__kind kind, char *path, size_t size) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  char key[PRSHM__KEY_SIZE];

  CHECK_OK(prshm__name_key(name, kind, key));
  snprintf(path, size, "%s/%s", ns->has_dir ? ns->dir : "/dev/shm", key);
}

/* ====================================================================
 * Processes and counts
 */

#define US_PINGPONG_ROUNDS 20000

/* One side of the ping-pong: waits on `in`, posts to `out`. */
CHILD(pong) {
  PRSem *in, *out;
  int i;

  (void)argc;
  in = PR_OpenSemaphore(argv[0], 0, 0, 0);
  out = PR_OpenSemaphore(argv[1], 0, 0, 0);
  if (in == NULL || out == NULL) return 2;
  for (i = 0; i < US_PINGPONG_ROUNDS; i++) {
    if (PR_WaitSemaphore(in) != PR_SUCCESS) return 3;
    if (PR_PostSemaphore(out) != PR_SUCCESS) return 4;
  }
  return PR_CloseSemaphore(in) == PR_SUCCESS && PR_CloseSemaphore(out) == PR_SUCCESS ? 0 : 5;
}

TEST(pingpong_between_processes) {
  const char *ping = t_name("ping"), *pong = t_name("pong");
  PRSem *a = us_open(ping, 0), *b = us_open(pong, 0);
  const char *args[] = {ping, pong, NULL};
  t_proc child = t_spawn("pong", args);
  int64_t start = t_now_ms();
  int i;

  for (i = 0; i < US_PINGPONG_ROUNDS; i++) {
    CHECK_OK(PR_PostSemaphore(a));
    CHECK_OK(PR_WaitSemaphore(b));
  }
  CHECK_EQ(t_wait(child), 0);
  printf("%d round trips in %lld ms\n", US_PINGPONG_ROUNDS, (long long)(t_now_ms() - start));
  CHECK_EQ(us_value(a), 0);
  CHECK_EQ(us_value(b), 0);
  CHECK_OK(PR_CloseSemaphore(a));
  CHECK_OK(PR_CloseSemaphore(b));
}

#define US_WORKERS 6
#define US_WORK_ROUNDS 5000

/* Posts and waits in equal numbers, mixing every kind of wait. */
CHILD(sem_worker) {
  PRSem *s = PR_OpenSemaphore(argv[0], 0, 0, 0);
  int i;

  (void)argc;
  if (s == NULL) return 2;
  for (i = 0; i < US_WORK_ROUNDS; i++) {
    if (PR_PostSemaphore(s) != PR_SUCCESS) return 3;
    if ((i % 3 == 0 ? PR_WaitSemaphore(s) : prshm_sem_timedwait(s, 60000)) != PR_SUCCESS) return 4;
  }
  return PR_CloseSemaphore(s) == PR_SUCCESS ? 0 : 5;
}

TEST(processes_conserve_the_count) {
  const char *name = t_name("pconserve");
  PRSem *s = us_open(name, 0);
  const char *args[] = {name, NULL};
  t_proc kids[US_WORKERS];
  int i;

  for (i = 0; i < US_WORKERS; i++) kids[i] = t_spawn("sem_worker", args);
  for (i = 0; i < US_WORKERS; i++) CHECK_EQ(t_wait(kids[i]), 0);
  CHECK_EQ(us_value(s), 0);
  CHECK_OK(PR_CloseSemaphore(s));
}

#define US_RACERS 8
#define US_RACE_ROUNDS 400

/* Opens (or creates), posts, takes, closes, and now and then deletes the
 * name, while the others do the same: every open gives a whole semaphore
 * whose count is this process's own post or another's, never garbage. */
CHILD(racer) {
  const char *name = argv[0];
  int me = atoi(argv[1]), i;

  (void)argc;
  for (i = 0; i < US_RACE_ROUNDS; i++) {
    PRIntn flags = (i + me) % 5 == 0 ? PR_SEM_CREATE | PR_SEM_EXCL : PR_SEM_CREATE;
    PRSem *s = PR_OpenSemaphore(name, flags, 0600, 0);
    PRUint32 v;
    if (s == NULL) {
      if ((flags & PR_SEM_EXCL) != 0 && PR_GetError() == PR_FILE_EXISTS_ERROR) continue;
      fprintf(stderr, "racer %d: open: %s\n", me, PR_ErrorToName(PR_GetError()));
      return 2;
    }
    if (PR_PostSemaphore(s) != PR_SUCCESS) return 3;
    if (prshm_sem_getvalue(s, &v) != PR_SUCCESS || v == 0 || v > US_RACERS) return 4;
    /* Its own post is on this semaphore: the wait cannot sleep for ever. */
    if (prshm_sem_timedwait(s, 60000) != PR_SUCCESS) return 5;
    if (PR_CloseSemaphore(s) != PR_SUCCESS) return 6;
    if ((i + me) % 7 == 0 && PR_DeleteSemaphore(name) != PR_SUCCESS &&
        PR_GetError() != PR_FILE_NOT_FOUND_ERROR)
      return 7;
  }
  return 0;
}

TEST(processes_race_open_create_delete) {
  const char *name = t_name("race");
  char ids[US_RACERS][16];
  t_proc kids[US_RACERS];
  PRSem *s;
  int i;

  for (i = 0; i < US_RACERS; i++) {
    const char *args[3];
    snprintf(ids[i], sizeof ids[i], "%d", i);
    args[0] = name, args[1] = ids[i], args[2] = NULL;
    kids[i] = t_spawn("racer", args);
  }
  for (i = 0; i < US_RACERS; i++) CHECK_EQ(t_wait(kids[i]), 0);
  /* Whatever semaphore is left under the name holds no count. */
  s = PR_OpenSemaphore(name, 0, 0, 0);
  if (s != NULL) {
    CHECK_EQ(us_value(s), 0);
    CHECK_OK(PR_CloseSemaphore(s));
  } else {
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  }
}

/* Waits once on the semaphore, after telling the parent it is about to. */
CHILD(waiter) {
  PRSem *s = PR_OpenSemaphore(argv[0], 0, 0, 0);
  int fd = atoi(argv[1]);

  (void)argc;
  if (s == NULL) return 2;
  t_send(fd, 'w');
  if (PR_WaitSemaphore(s) != PR_SUCCESS) return 3;
  t_send(fd, 'd');
  return 0;
}

/* The wake-up is prompt: measured from the post to the waiter's report. */
TEST(a_post_wakes_a_waiting_process) {
  const char *name = t_name("pwake");
  PRSem *s = us_open(name, 0);
  char fdbuf[16];
  const char *args[3];
  int fds[2];
  t_proc child;
  int64_t posted;

  t_pipe(fds, 1);
  args[0] = name, args[1] = t_fd_arg(fds[1], fdbuf), args[2] = NULL;
  child = t_spawn("waiter", args);
  close(fds[1]);
  CHECK_EQ(t_recv(fds[0]), 'w');
  t_sleep_ms(50); /* let it fall asleep in the kernel */
  posted = t_now_ms();
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(t_recv(fds[0]), 'd');
  printf("woke %lld ms after the post\n", (long long)(t_now_ms() - posted));
  CHECK_INT(t_now_ms() - posted, <, 1000);
  CHECK_EQ(t_wait(child), 0);
  CHECK_EQ(us_value(s), 0);
  close(fds[0]);
  CHECK_OK(PR_CloseSemaphore(s));
}

/* ====================================================================
 * Signals
 */

static volatile sig_atomic_t us_caught;

static void us_handler(int sig) {
  (void)sig;
  us_caught++;
}

/* Installs a SIGUSR1 handler with or without SA_RESTART, waits (plainly or
 * timed, as argv[2] says) while the parent sends a storm of signals, and
 * reports how it ended. */
CHILD(signalled_waiter) {
  PRSem *s = PR_OpenSemaphore(argv[0], 0, 0, 0);
  int fd = atoi(argv[1]), timed = strcmp(argv[2], "timed") == 0;
  struct sigaction sa;
  PRStatus rv;

  (void)argc;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = us_handler;
  sa.sa_flags = strcmp(argv[3], "restart") == 0 ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  if (s == NULL || sigaction(SIGUSR1, &sa, NULL) != 0) return 2;
  t_send(fd, 'w');
  rv = timed ? prshm_sem_timedwait(s, 60000) : PR_WaitSemaphore(s);
  if (rv != PR_SUCCESS) {
    fprintf(stderr, "wait ended by %s after %d signals\n", PR_ErrorToName(PR_GetError()),
            (int)us_caught);
    return 3;
  }
  printf("waited through %d signals\n", (int)us_caught);
  return us_caught > 0 ? 0 : 4;
}

static void us_signal_storm(const char *how, const char *restart) {
  const char *name = t_name("storm");
  PRSem *s = us_open(name, 0);
  char fdbuf[16];
  const char *args[5];
  int fds[2], i;
  t_proc child;

  t_pipe(fds, 1);
  args[0] = name, args[1] = t_fd_arg(fds[1], fdbuf), args[2] = how, args[3] = restart;
  args[4] = NULL;
  child = t_spawn("signalled_waiter", args);
  close(fds[1]);
  CHECK_EQ(t_recv(fds[0]), 'w');
  for (i = 0; i < 3000; i++) {
    CHECK_EQ(kill((pid_t)child.id, SIGUSR1), 0);
    if (i % 100 == 0) t_sleep_ms(1); /* some land while it sleeps */
  }
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(t_wait(child), 0);
  CHECK_EQ(us_value(s), 0);
  close(fds[0]);
  CHECK_OK(PR_CloseSemaphore(s));
}

TEST(wait_survives_signals_with_restart) { us_signal_storm("plain", "restart"); }
TEST(wait_survives_signals_without_restart) { us_signal_storm("plain", "norestart"); }
TEST(timed_wait_survives_signals_with_restart) { us_signal_storm("timed", "restart"); }
TEST(timed_wait_survives_signals_without_restart) { us_signal_storm("timed", "norestart"); }

/* A timed wait under signals ends at its deadline: neither early (a signal
 * is not a timeout) nor late (signals do not restart the clock). */
static void us_signal_sender(int sig) { (void)sig; }

TEST(timed_wait_keeps_its_deadline_under_signals) {
  PRSem *s = us_open(t_name("stormtime"), 0);
  struct sigaction sa;
  struct itimerval it;
  int64_t start;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = us_signal_sender;
  sigemptyset(&sa.sa_mask);
  CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
  /* A signal every millisecond, to this very thread's process. */
  memset(&it, 0, sizeof it);
  it.it_interval.tv_usec = 1000;
  it.it_value.tv_usec = 1000;
  CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
  start = t_now_ms();
  CHECK_EQ(prshm_sem_timedwait(s, 300), PR_FAILURE);
  CHECK_ERROR(PR_IO_TIMEOUT_ERROR);
  memset(&it, 0, sizeof it);
  CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
  CHECK_INT(t_now_ms() - start, >=, 299);
  CHECK_INT(t_now_ms() - start, <, 5000);
  CHECK_OK(PR_CloseSemaphore(s));
}

/* ====================================================================
 * Delete and death
 */

/* A process waits; the semaphore's name is deleted; the waiter goes on
 * and takes a post made through another handle. */
TEST(delete_while_a_process_waits) {
  const char *name = t_name("delwait");
  PRSem *s = us_open(name, 0);
  char fdbuf[16];
  const char *args[3];
  int fds[2];
  t_proc child;

  t_pipe(fds, 1);
  args[0] = name, args[1] = t_fd_arg(fds[1], fdbuf), args[2] = NULL;
  child = t_spawn("waiter", args);
  close(fds[1]);
  CHECK_EQ(t_recv(fds[0]), 'w');
  t_sleep_ms(20);
  CHECK_OK(PR_DeleteSemaphore(name));
  CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(t_recv(fds[0]), 'd');
  CHECK_EQ(t_wait(child), 0);
  close(fds[0]);
  CHECK_OK(PR_CloseSemaphore(s));
}

/* A waiter SIGKILLed while it sleeps: later posts and waits are right. */
TEST(killed_waiter_leaves_the_count_right) {
  const char *name = t_name("killwait");
  PRSem *s = us_open(name, 0);
  char fdbuf[16];
  const char *args[3];
  int fds[2], i;
  t_proc child;

  t_pipe(fds, 1);
  args[0] = name, args[1] = t_fd_arg(fds[1], fdbuf), args[2] = NULL;
  child = t_spawn("waiter", args);
  close(fds[1]);
  CHECK_EQ(t_recv(fds[0]), 'w');
  t_sleep_ms(20);
  t_kill(child);
  CHECK_EQ(t_wait(child), 128 + SIGKILL);
  close(fds[0]);
  for (i = 0; i < 1000; i++) CHECK_OK(PR_PostSemaphore(s));
  CHECK_EQ(us_value(s), 1000);
  for (i = 0; i < 1000; i++) CHECK_OK(PR_WaitSemaphore(s));
  CHECK_EQ(us_value(s), 0);
  CHECK_OK(PR_CloseSemaphore(s));
}

/* Uses handles inherited across fork(): they work in the child, and the
 * child's close leaves the parent's alone. */
TEST(fork_child_uses_inherited_handles) {
  const char *name = t_name("fork");
  PRSem *s = us_open(name, 0);
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE, 0600);
  pid_t pid;
  int status;

  CHECK_NOT_NULL(lk);
  fflush(NULL);
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    PRBool died = PR_TRUE;
    if (PR_PostSemaphore(s) != PR_SUCCESS || PR_PostSemaphore(s) != PR_SUCCESS) _exit(2);
    if (prshm_lock_acquire(lk, &died) != PR_SUCCESS || died) _exit(3);
    if (prshm_lock_release(lk) != PR_SUCCESS) _exit(4);
    if (PR_CloseSemaphore(s) != PR_SUCCESS || prshm_lock_close(lk) != PR_SUCCESS) _exit(5);
    _exit(0);
  }
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  CHECK_EQ(us_value(s), 2);
  CHECK_OK(PR_WaitSemaphore(s));
  CHECK_OK(prshm_lock_acquire(lk, NULL));
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(prshm_lock_close(lk));
}

/* ====================================================================
 * Permissions and names
 */

/* The mode is exactly what the creator asked for, whatever its umask (the
 * portable backend's semaphores aside: its sem_open() applies the umask, a
 * limit the documentation states). */
TEST(mode_is_exact_despite_the_umask) {
  const char *name = t_name("mode");
  mode_t old = umask(077);
  PRSem *s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0666, 0);
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0646);
  char path[PATH_MAX + PRSHM__KEY_SIZE];
  struct stat st;

  umask(old);
  CHECK_NOT_NULL(s);
  CHECK_NOT_NULL(lk);
  us_object_path(name, PRSHM__KIND_LOCK, path, sizeof path);
  CHECK_EQ(stat(path, &st), 0);
  CHECK_EQ(st.st_mode & 07777, 0646);
  if (us_futex()) {
    us_object_path(name, PRSHM__KIND_SEM, path, sizeof path);
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQ(st.st_mode & 07777, 0666);
  }
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(prshm_lock_close(lk));
}

/* As nobody: each call the test's root-made objects allow, refused. */
CHILD(sem_as_nobody) {
  const char *what = argv[1];
  PRSem *s;

  (void)argc;
  if (t_become_nobody() != 0) return 2;
  if (strcmp(what, "open") == 0) {
    s = PR_OpenSemaphore(argv[0], 0, 0, 0);
    if (s != NULL) return 3;
    return PR_GetError() == PR_NO_ACCESS_RIGHTS_ERROR ? 0 : 4;
  }
  if (strcmp(what, "use") == 0) {
    s = PR_OpenSemaphore(argv[0], 0, 0, 0);
    if (s == NULL || PR_PostSemaphore(s) != PR_SUCCESS || PR_WaitSemaphore(s) != PR_SUCCESS)
      return 5;
    return PR_CloseSemaphore(s) == PR_SUCCESS ? 0 : 6;
  }
  if (strcmp(what, "lock") == 0) {
    prshm_lock *lk = prshm_lock_open(argv[0], 0, 0);
    if (lk != NULL) return 7;
    return PR_GetError() == PR_NO_ACCESS_RIGHTS_ERROR ? 0 : 8;
  }
  /* delete */
  if (PR_DeleteSemaphore(argv[0]) == PR_SUCCESS) return 9;
  return PR_GetError() == PR_NO_ACCESS_RIGHTS_ERROR ? 0 : 10;
}

static int us_as_nobody(const char *name, const char *what) {
  const char *args[] = {name, what, NULL};
  return t_wait(t_spawn("sem_as_nobody", args));
}

TEST(opener_without_read_and_write_is_refused) {
  const char *name = t_name("perm");
  PRSem *s;
  prshm_lock *lk;

  if (geteuid() != 0) SKIP("needs root, to run a child as another user (nobody)");
  s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0644, 1);
  lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0644);
  CHECK_NOT_NULL(s);
  CHECK_NOT_NULL(lk);
  /* Read alone is not enough: a wait writes the count. */
  CHECK_EQ(us_as_nobody(name, "open"), 0);
  CHECK_EQ(us_as_nobody(name, "lock"), 0);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_DeleteSemaphore(name));
  s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, 1);
  CHECK_NOT_NULL(s);
  CHECK_EQ(us_as_nobody(name, "open"), 0);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_DeleteSemaphore(name));
  /* Read and write for everyone: nobody uses it, but may not remove it
   * from the sticky namespace (Linux). The portable build's sem_open()
   * narrows the mode by the umask (a documented limit): none, here. */
  {
    mode_t old = umask(0);
    s = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0666, 1);
    umask(old);
  }
  CHECK_NOT_NULL(s);
  CHECK_EQ(us_as_nobody(name, "use"), 0);
  CHECK_EQ(us_value(s), 1);
  if (us_futex()) CHECK_EQ(us_as_nobody(name, "delete"), 0);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(prshm_lock_close(lk));
}

/* NSPR's names are file paths, and it creates a file there; prshm's are
 * keys: nothing appears at the caller's path. */
TEST(names_are_keys_not_files) {
  char path[128];
  PRSem *s;
  struct stat st;

  snprintf(path, sizeof path, "/tmp/prshm-test-%ld-foo.sem", t_pid());
  (void)unlink(path);
  s = us_open(path, 1);
  CHECK(stat(path, &st) != 0);
  CHECK_EQ(errno, ENOENT);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(PR_DeleteSemaphore(path));
}

/* A file of the semaphore's native name that is not a prshm semaphore (or
 * one whose layout this build cannot use) is refused, never misread. */
TEST(foreign_file_under_the_name_is_refused) {
  const char *name = t_name("foreign");
  char path[PATH_MAX + PRSHM__KEY_SIZE];
  char junk[64];
  int fd;

  if (!us_futex()) SKIP("the portable build's semaphores are not files");
  us_object_path(name, PRSHM__KIND_SEM, path, sizeof path);
  memset(junk, 0x5a, sizeof junk);
  fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
  close(fd);
  CHECK(PR_OpenSemaphore(name, PR_SEM_CREATE, 0600, 0) == NULL);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  /* The same size and a header of the lock kind. */
  CHECK_OK(PR_DeleteSemaphore(name));
  us_object_path(name, PRSHM__KIND_LOCK, path, sizeof path);
  fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, junk, 16), 16);
  close(fd);
  CHECK(prshm_lock_open(name, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
}

/* ====================================================================
 * Limits
 */

#define US_LIVE 10000

/* 10,000 semaphores open at once in one process, each working, with flat
 * cost: open and post+wait times of the last thousand compared with the
 * first thousand's. */
TEST(ten_thousand_live_semaphores) {
  static PRSem *sems[US_LIVE];
  char name[96];
  long fds_before = t_open_descriptors();
  int64_t t0, t1 = 0, t2;
  struct rlimit rl;
  int i;

  /* The portable build's sem_open() may keep a descriptor per semaphore. */
  if (!us_futex() && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < US_LIVE + 100) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
  t0 = t_now_ms();
  for (i = 0; i < US_LIVE; i++) {
    snprintf(name, sizeof name, "/prshm-test-%ld-live/%d", t_pid(), i);
    sems[i] = PR_OpenSemaphore(name, PR_SEM_CREATE | PR_SEM_EXCL, 0600, (PRUintn)i % 3);
    CHECK_NOT_NULL(sems[i]);
    if (i == 999) t1 = t_now_ms();
  }
  t2 = t_now_ms();
  printf("created 10,000: first 1,000 in %lld ms, all in %lld ms\n", (long long)(t1 - t0),
         (long long)(t2 - t0));
  if (us_futex()) CHECK_EQ(t_open_descriptors(), fds_before); /* none kept */
  for (i = 0; i < US_LIVE; i++) {
    CHECK_EQ(us_value(sems[i]), (PRUint32)i % 3);
    CHECK_OK(PR_PostSemaphore(sems[i]));
    CHECK_OK(PR_WaitSemaphore(sems[i]));
  }
  CHECK_EQ(prshm__registry_count(), US_LIVE);
  for (i = 0; i < US_LIVE; i++) {
    snprintf(name, sizeof name, "/prshm-test-%ld-live/%d", t_pid(), i);
    CHECK_OK(PR_CloseSemaphore(sems[i]));
    CHECK_OK(PR_DeleteSemaphore(name));
  }
  CHECK_EQ(prshm__registry_count(), 0);
  CHECK_EQ(t_open_descriptors(), fds_before);
}

/* ====================================================================
 * Robust locks across processes
 */

/* The shared record of the kill test: what holders did and were told. */
typedef struct us_record {
  volatile long holder;  /* the pid inside the critical section, or 0 */
  volatile long entries; /* critical sections entered */
  volatile long reports; /* acquires told that the previous holder died */
  volatile long bogus;   /* reports with a live holder on record */
  volatile long a, b;    /* updated in two steps inside; equal outside */
} us_record;

/* Locks and unlocks in a loop, keeping the record, until killed. */
CHILD(lock_holder) {
  prshm_lock *lk = prshm_lock_open(argv[0], 0, 0);
  us_record *r;
  int fd = open(argv[1], O_RDWR);

  (void)argc;
  if (lk == NULL || fd < 0) return 2;
  r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (r == MAP_FAILED) return 3;
  for (;;) {
    PRBool died;
    if (prshm_lock_acquire(lk, &died) != PR_SUCCESS) return 4;
    if (died) {
      r->reports++;
      /* Repair: the dead holder may have left a != b. */
      r->b = r->a;
    } else if (r->a != r->b) {
      r->bogus++; /* torn data without a report */
    }
    r->holder = getpid();
    r->entries++;
    r->a++;
    r->b++;
    r->holder = 0;
    if (prshm_lock_release(lk) != PR_SUCCESS) return 5;
  }
}

TEST(lock_holders_killed_at_random) {
  const char *name = t_name("killlock");
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  char file[128];
  us_record *r;
  int fd, round, kills_holding = 0;
  t_proc kids[3];
  long reports_before;
  PRBool died;

  CHECK_NOT_NULL(lk);
  snprintf(file, sizeof file, "/tmp/prshm-test-%ld-record", t_pid());
  fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(ftruncate(fd, 4096), 0);
  r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(r != MAP_FAILED);
  {
    const char *args[] = {name, file, NULL};
    int i;
    for (i = 0; i < 3; i++) kids[i] = t_spawn("lock_holder", args);
    for (round = 0; round < 60; round++) {
      int v = round % 3;
      long held_before;
      /* Let it run a while, then kill it wherever it is. */
      while (r->entries < (round + 1) * 200L) t_sleep_ms(1);
      t_sleep_ms(round % 5);
      held_before = r->holder;
      t_kill(kids[v]);
      CHECK_EQ(t_wait(kids[v]), 128 + SIGKILL);
      if (held_before == (long)kids[v].id) kills_holding++;
      kids[v] = t_spawn("lock_holder", args);
    }
    /* Stop everyone, then take the lock: at most one death is still
     * unreported (the last killed may have held it). */
    for (i = 0; i < 3; i++) {
      t_kill(kids[i]);
      CHECK_EQ(t_wait(kids[i]), 128 + SIGKILL);
    }
  }
  CHECK_OK(prshm_lock_acquire(lk, &died));
  if (died) {
    r->reports++;
    r->b = r->a;
  }
  CHECK_OK(prshm_lock_release(lk));
  printf("%ld entries, 63 kills (%d seen inside the critical section), %ld deaths reported\n",
         r->entries, kills_holding, r->reports);
  CHECK_EQ(r->bogus, 0);
  /* Every death inside the critical section was reported... */
  CHECK_INT(r->reports, >=, kills_holding);
  /* ...and no report came without a death (63 processes were killed). */
  CHECK_INT(r->reports, <=, 63);
  /* Exactly once: with every holder gone, no more reports. */
  reports_before = r->reports;
  CHECK_OK(prshm_lock_acquire(lk, &died));
  CHECK_EQ(died, PR_FALSE);
  CHECK_OK(prshm_lock_release(lk));
  CHECK_EQ(r->reports, reports_before);
  munmap(r, 4096);
  close(fd);
  unlink(file);
  CHECK_OK(prshm_lock_close(lk));
}

/* Holds the lock and tells the parent, then waits to be killed. */
CHILD(lock_and_stay) {
  prshm_lock *lk = prshm_lock_open(argv[0], 0, 0);
  int fd = atoi(argv[1]);

  (void)argc;
  if (lk == NULL || prshm_lock_acquire(lk, NULL) != PR_SUCCESS) return 2;
  t_send(fd, 'h');
  for (;;) pause();
}

/* A process killed holding the lock: a waiter in another process gets it,
 * told; the next acquire is not. */
TEST(lock_held_by_a_killed_process) {
  const char *name = t_name("killheld");
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  char fdbuf[16];
  const char *args[3];
  int fds[2];
  t_proc child;
  PRBool died = PR_FALSE;

  CHECK_NOT_NULL(lk);
  t_pipe(fds, 1);
  args[0] = name, args[1] = t_fd_arg(fds[1], fdbuf), args[2] = NULL;
  child = t_spawn("lock_and_stay", args);
  close(fds[1]);
  CHECK_EQ(t_recv(fds[0]), 'h');
  CHECK_EQ(prshm_lock_tryacquire(lk, NULL), PR_FAILURE);
  CHECK_ERROR(PR_WOULD_BLOCK_ERROR);
  CHECK_EQ(prshm_lock_timedacquire(lk, 50, NULL), PR_FAILURE);
  CHECK_ERROR(PR_IO_TIMEOUT_ERROR);
  t_kill(child);
  CHECK_EQ(t_wait(child), 128 + SIGKILL);
  CHECK_OK(prshm_lock_timedacquire(lk, 60000, &died));
  CHECK_EQ(died, PR_TRUE);
  CHECK_OK(prshm_lock_release(lk));
  CHECK_OK(prshm_lock_acquire(lk, &died));
  CHECK_EQ(died, PR_FALSE);
  CHECK_OK(prshm_lock_release(lk));
  close(fds[0]);
  CHECK_OK(prshm_lock_close(lk));
}

/* Under valgrind starting a process takes seconds: the case kills up to
 * US_EXACT_ROUNDS holders, stopping after US_EXACT_SECONDS once it has
 * killed US_EXACT_MIN. */
#define US_EXACT_ROUNDS 40
#define US_EXACT_SECONDS 20
#define US_EXACT_MIN 8

/* One holder at a time, killed at a random moment: the parent's acquire
 * then tells exactly whether it died holding the lock, and a second
 * acquire is never told again. Over the rounds both outcomes occur. */
TEST(each_death_is_reported_exactly_once) {
  const char *name = t_name("exactonce");
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  char file[128];
  us_record *r;
  int fd, round, held = 0, free_ = 0;
  struct timespec start;

  CHECK_NOT_NULL(lk);
  CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &start), 0);
  snprintf(file, sizeof file, "/tmp/prshm-test-%ld-exact", t_pid());
  fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(ftruncate(fd, 4096), 0);
  r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(r != MAP_FAILED);
  for (round = 0; round < US_EXACT_ROUNDS; round++) {
    const char *args[] = {name, file, NULL};
    long entries = r->entries;
    t_proc kid;
    PRBool died = PR_FALSE;
    struct timespec now;

    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &now), 0);
    if (round >= US_EXACT_MIN && now.tv_sec - start.tv_sec >= US_EXACT_SECONDS) break;
    kid = t_spawn("lock_holder", args);
    while (r->entries < entries + 50 + round * 37) sched_yield();
    t_kill(kid);
    CHECK_EQ(t_wait(kid), 128 + SIGKILL);
    CHECK_OK(prshm_lock_acquire(lk, &died));
    if (died) {
      held++;
      r->b = r->a; /* repaired */
    } else {
      free_++;
      CHECK_EQ(r->a, r->b); /* released cleanly: nothing torn */
    }
    CHECK_OK(prshm_lock_release(lk));
    CHECK_OK(prshm_lock_acquire(lk, &died));
    CHECK_EQ(died, PR_FALSE); /* never twice */
    CHECK_OK(prshm_lock_release(lk));
  }
  printf("%d holders killed: %d died holding the lock (each reported once), %d had released it\n",
         round, held, free_);
  CHECK_EQ(r->bogus, 0);
  /* The holders' own reports: none, since the parent took each one. */
  CHECK_EQ(r->reports, 0);
  munmap(r, 4096);
  close(fd);
  unlink(file);
  CHECK_OK(prshm_lock_close(lk));
}

/* ====================================================================
 * The listing
 */

/* What the listing tells of a semaphore and a lock: what each is, the
 * value, the lock's state and holder, and whether a process holds them
 * open; and an unheld one is removed by prshm_remove_orphan(). */
TEST(listing_tells_value_state_and_use) {
  const char *name = t_name("list");
  PRSem *s = us_open(name, 6);
  prshm_lock *lk = prshm_lock_open(name, PRSHM_LOCK_CREATE | PRSHM_LOCK_EXCL, 0600);
  prshm_seginfo info;
  PRStatus rv;

  CHECK_NOT_NULL(lk);
  rv = prshm_stat_object(name, PRSHM_OBJECT_SEMAPHORE, &info);
  if (rv != PR_SUCCESS && PR_GetError() == PR_NOT_IMPLEMENTED_ERROR)
    SKIP("this build's semaphores are not in the listed namespace");
  CHECK_OK(rv);
  CHECK_EQ(info.kind, PRSHM_KIND_NAMED);
  CHECK_EQ(info.object, PRSHM_OBJECT_SEMAPHORE);
  CHECK_EQ(info.value, 6);
  CHECK_STR(info.name, name);
  CHECK_EQ(info.use, PRSHM_USE_HELD);
  CHECK_OK(prshm_stat_object(name, PRSHM_OBJECT_LOCK, &info));
  CHECK_EQ(info.object, PRSHM_OBJECT_LOCK);
  CHECK_EQ(info.lock_state, PRSHM_LOCK_FREE);
  CHECK_OK(prshm_lock_acquire(lk, NULL));
  CHECK_OK(prshm_stat_object(name, PRSHM_OBJECT_LOCK, &info));
  CHECK_EQ(info.lock_state, PRSHM_LOCK_HELD);
  if (us_futex()) CHECK_EQ(info.lock_holder, (PRInt32)prshm__os_thread_id());
  CHECK_OK(prshm_lock_release(lk));
  /* Nothing holds it any more: the listing proves it (as root, or its
   * owner) and it may be removed as an orphan. */
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_OK(prshm_stat_object(name, PRSHM_OBJECT_SEMAPHORE, &info));
  if (info.use == PRSHM_USE_UNHELD) {
    CHECK_OK(prshm_remove_orphan(&info));
    CHECK(PR_OpenSemaphore(name, 0, 0, 0) == NULL);
    CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  }
  /* A held lock is never removed. */
  CHECK_OK(prshm_stat_object(name, PRSHM_OBJECT_LOCK, &info));
  CHECK_EQ(info.use, PRSHM_USE_HELD);
  CHECK_EQ(prshm_remove_orphan(&info), PR_FAILURE);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_OK(prshm_lock_close(lk));
  /* Errors. */
  CHECK_EQ(prshm_stat_object(name, 7, &info), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_stat_object(name, PRSHM_OBJECT_LOCK, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_stat_object(t_name("nolist"), PRSHM_OBJECT_SEMAPHORE, &info), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* The whole listing has our semaphore, as a semaphore. */
TEST(listing_includes_semaphores) {
  const char *name = t_name("listall");
  PRSem *s = us_open(name, 2);
  prshm_list *l = prshm_list_open();
  prshm_seginfo info;
  int found = 0;

  CHECK_NOT_NULL(l);
  while (prshm_list_next(l, &info) == PR_SUCCESS)
    if (info.kind == PRSHM_KIND_NAMED && strcmp(info.name, name) == 0) {
      CHECK_EQ(info.object, PRSHM_OBJECT_SEMAPHORE);
      CHECK_EQ(info.value, 2);
      found++;
    }
  prshm_list_close(l);
  CHECK_OK(PR_CloseSemaphore(s));
  CHECK_EQ(found, 1);
}
