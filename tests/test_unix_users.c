/*
 * test_unix_users.c - segments between two users: root creates, and a
 * child that has become "nobody" (uid and gid 65534) uses them.
 *
 * the mode is exactly what the creator gave, whatever its umask.
 * on open, mode is not an access request: a user allowed only to
 * read opens with any mode and attaches read-only, and a read-write attach
 * is refused. The sticky namespace keeps another user from deleting. What
 * another user plants at a native name (a hard link, a FIFO) is never
 * taken for a segment, and another user opening a segment while its
 * creator is still at work waits for it. Runs only as root (it must change
 * user); skips otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "sys.h"

#define USERS_NOBODY T_NOBODY
#define USERS_SIZE 4096

static void users_need_root(void) {
  if (geteuid() != 0) SKIP("needs root, to run a child as another user (nobody)");
}

/* Creates `name` under umask 077 with `mode`, writing `text` into it. */
static void users_create(const char *name, int mode, const char *text) {
  mode_t old = umask(077);
  PRSharedMemory *shm = PR_OpenSharedMemory(name, USERS_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, mode);
  char *p;

  (void)umask(old);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, text);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Runs child `child` with `name` as nobody; returns its exit code. */
static int users_run_as_nobody(const char *child, const char *name) {
  const char *args[] = {name, NULL};
  return t_wait(t_spawn(child, args));
}

/* Checks that the segment `name` still reads `text` from this process. */
static void users_check_text(const char *name, const char *text) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 0, 0, 0);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, text);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* In a child: gives up root for good. */
static void users_become_nobody(void) { CHECK_EQ(t_become_nobody(), 0); }

TEST(private_segment_refuses_other_user) {
  const char *name = t_name("u0600");

  users_need_root();
  users_create(name, 0600, "root only");
  CHECK_EQ(users_run_as_nobody("open_refused", name), 0);
  users_check_text(name, "root only");
}

CHILD(open_refused) {
  CHECK_EQ(argc, 1);
  users_become_nobody();
  CHECK(PR_OpenSharedMemory(argv[0], 0, 0, 0) == NULL);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  CHECK(PR_OpenSharedMemory(argv[0], USERS_SIZE, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  return 0;
}

TEST(readable_segment_opens_read_only_for_other_user) {
  const char *name = t_name("u0644");

  users_need_root();
  users_create(name, 0644, "readable by all");
  CHECK_EQ(users_run_as_nobody("read_only_user", name), 0);
  users_check_text(name, "readable by all");
}

CHILD(read_only_user) {
  static const int modes[] = {0644, 0600, 0666, 0};
  size_t i;

  CHECK_EQ(argc, 1);
  users_become_nobody();
  /* Whatever mode the opener passes, it is not an access request. */
  for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    PRSharedMemory *shm = PR_OpenSharedMemory(argv[0], USERS_SIZE, 0, modes[i]);
    PRSize size = 0;
    char *p;

    CHECK_NOT_NULL(shm);
    CHECK_OK(prshm_get_size(shm, &size));
    CHECK_EQ(size, USERS_SIZE);
    p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
    CHECK_NOT_NULL(p);
    CHECK_STR(p, "readable by all");
    CHECK_EQ(p[USERS_SIZE - 1], 0);
    CHECK(PR_AttachSharedMemory(shm, 0) == NULL);
    CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
    CHECK_OK(PR_DetachSharedMemory(shm, p));
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  /* Open-or-create of an existing segment opens it the same way. */
  {
    PRSharedMemory *shm = PR_OpenSharedMemory(argv[0], USERS_SIZE, PR_SHM_CREATE, 0666);
    CHECK_NOT_NULL(shm);
    CHECK(PR_AttachSharedMemory(shm, 0) == NULL);
    CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  return 0;
}

TEST(shared_segment_is_writable_by_other_user_despite_umask) {
  const char *name = t_name("u0666");

  users_need_root();
  users_create(name, 0666, "from root");
  CHECK_EQ(users_run_as_nobody("writer_user", name), 0);
  users_check_text(name, "from nobody");
}

CHILD(writer_user) {
  PRSharedMemory *shm;
  char *p;

  CHECK_EQ(argc, 1);
  users_become_nobody();
  shm = PR_OpenSharedMemory(argv[0], USERS_SIZE, 0, 0600);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "from root");
  strcpy(p, "from nobody");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  return 0;
}

TEST(other_user_cannot_delete) {
  const char *name = t_name("udel");

  users_need_root();
  users_create(name, 0666, "stays");
  CHECK_EQ(users_run_as_nobody("delete_refused", name), 0);
  users_check_text(name, "stays");
  CHECK_OK(PR_DeleteSharedMemory(name));
}

CHILD(delete_refused) {
  CHECK_EQ(argc, 1);
  users_become_nobody();
  CHECK(PR_DeleteSharedMemory(argv[0]) != PR_SUCCESS);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  return 0;
}

/* ---- Objects another user plants at a native name ---- */

/* The path of `name`'s native object (a file in /dev/shm or PRSHM_DIR). */
static void users_path(const char *name, char *path, size_t size) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *dir = getenv(PRSHM_DIR_ENV);

  CHECK_OK(prshm_native_name(name, native, sizeof native));
  snprintf(path, size, "%s%s", dir != NULL ? "" : "/dev/shm", native);
}

/* argv: the path of a public segment's file, and a path to link it at. */
CHILD(plant_link) {
  CHECK_EQ(argc, 2);
  users_become_nobody();
  CHECK_EQ(link(argv[0], argv[1]), 0);
  return 0;
}

TEST(hard_link_by_other_user_never_aliases) {
  /* Another user hard-links root's world-writable segment under the native
   * name root is about to create: root must not get the public memory. */
  const char *pub = t_name("u-public"), *secret = t_name("u-secret");
  char pub_path[PRSHM_NATIVE_NAME_MAX + 16], secret_path[PRSHM_NATIVE_NAME_MAX + 16];
  const char *args[] = {pub_path, secret_path, NULL};
  prshm_seginfo info;
  PRSharedMemory *shm;

  users_need_root();
  users_create(pub, 0666, "public");
  users_path(pub, pub_path, sizeof pub_path);
  users_path(secret, secret_path, sizeof secret_path);
  CHECK_EQ(t_wait(t_spawn("plant_link", args)), 0);
  CHECK(PR_OpenSharedMemory(secret, USERS_SIZE, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK_EQ(prshm_stat(secret, &info), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  /* While the link stays, the public name is not a segment either. */
  CHECK(PR_OpenSharedMemory(pub, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  /* Deleting the planted name removes the link; both names work again,
   * each on its own memory. */
  CHECK_OK(PR_DeleteSharedMemory(secret));
  users_check_text(pub, "public");
  shm = PR_OpenSharedMemory(secret, USERS_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  users_check_text(pub, "public");
}

/* argv: name. As nobody, opening it must not block on what is there. */
CHILD(open_planted_fifo) {
  CHECK_EQ(argc, 1);
  users_become_nobody();
  (void)alarm(30); /* a blocked open ends the child with SIGALRM */
  CHECK(PR_OpenSharedMemory(argv[0], 0, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  CHECK(PR_OpenSharedMemory(argv[0], USERS_SIZE, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_STATE_ERROR);
  return 0;
}

TEST(fifo_planted_for_other_user_never_blocks) {
  /* A FIFO nobody may write: the read-write open is refused, and the
   * read-only one must not wait for a writer. */
  const char *name = t_name("u-fifo");
  char path[PRSHM_NATIVE_NAME_MAX + 16];
  int code;

  users_need_root();
  users_path(name, path, sizeof path);
  CHECK_EQ(mkfifo(path, 0444), 0);
  CHECK_EQ(chmod(path, 0444), 0); /* whatever the umask */
  code = users_run_as_nobody("open_planted_fifo", name);
  CHECK_EQ(unlink(path), 0);
  if (code == 128 + SIGALRM) t_fail(__FILE__, __LINE__, "the opener blocked on the FIFO");
  CHECK_EQ(code, 0);
}

/* ---- Another user opening while the creator is still at work ---- */

/* Pipe ends the two children of the next case were given. */
static int users_notify_fd = -1, users_wait_fd = -1;
static prshm__syscalls users_real;

/* The creator stops before it sets the mode: it says so, and waits. */
static int users_stalled_fchmod(int fd, mode_t mode) {
  char c = 'S';
  if (users_wait_fd >= 0) {
    CHECK_EQ(write(users_notify_fd, &c, 1), 1);
    CHECK_EQ(read(users_wait_fd, &c, 1), 1);
    users_wait_fd = -1;
  }
  return users_real.fchmod(fd, mode);
}

/* The opener says when it first finds the segment incomplete. */
static int users_noted_lstat(const char *path, struct stat *st) {
  char c = 'L';
  if (users_notify_fd >= 0 && write(users_notify_fd, &c, 1) == 1) users_notify_fd = -1;
  return users_real.lstat(path, st);
}

/* argv: name, notify fd, wait fd. Creates name 0666 under umask 077. */
CHILD(stalled_creator) {
  PRSharedMemory *shm;

  CHECK_EQ(argc, 3);
  users_notify_fd = atoi(argv[1]);
  users_wait_fd = atoi(argv[2]);
  users_real = prshm__sys;
  prshm__sys.fchmod = users_stalled_fchmod;
  (void)umask(077);
  shm = PR_OpenSharedMemory(argv[0], USERS_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0666);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  return 0;
}

/* argv: name, notify fd. As nobody, opens it for writing. */
CHILD(early_opener) {
  PRSharedMemory *shm;
  PRSize size = 0;
  char *p, c = 'E';

  CHECK_EQ(argc, 2);
  users_become_nobody();
  users_notify_fd = atoi(argv[1]);
  users_real = prshm__sys;
  prshm__sys.lstat = users_noted_lstat;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  /* Never found it incomplete: say so now, so the parent goes on. */
  if (users_notify_fd >= 0) CHECK_EQ(write(users_notify_fd, &c, 1), 1);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, USERS_SIZE);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  return 0;
}

TEST(other_user_waits_for_a_portable_creator) {
  /* The portable backend's new segment is visible before its creator sets
   * the exact mode: an opener must wait for it, not be refused. */
  const char *name = t_name("u-early");
  char creator_out[16], creator_in[16], opener_out[16], c;
  int to_parent[2], to_creator[2], from_opener[2];
  const char *cargs[] = {name, creator_out, creator_in, NULL};
  const char *oargs[] = {name, opener_out, NULL};
  t_proc creator, opener;

  users_need_root();
  if (strcmp(prshm_backend_name(), "posix") != 0)
    SKIP("the Linux backend names a segment only once it is complete");
  CHECK_EQ(pipe(to_parent), 0);
  CHECK_EQ(pipe(to_creator), 0);
  CHECK_EQ(pipe(from_opener), 0);
  snprintf(creator_out, sizeof creator_out, "%d", to_parent[1]);
  snprintf(creator_in, sizeof creator_in, "%d", to_creator[0]);
  snprintf(opener_out, sizeof opener_out, "%d", from_opener[1]);
  creator = t_spawn("stalled_creator", cargs);
  CHECK_EQ(read(to_parent[0], &c, 1), 1); /* it stopped before fchmod() */
  opener = t_spawn("early_opener", oargs);
  CHECK_EQ(read(from_opener[0], &c, 1), 1); /* it met the incomplete segment */
  CHECK_EQ(write(to_creator[1], "go", 1), 1);
  CHECK_EQ(t_wait(creator), 0);
  CHECK_EQ(t_wait(opener), 0);
  CHECK_EQ(c, 'L');
  CHECK_OK(PR_DeleteSharedMemory(name));
}
