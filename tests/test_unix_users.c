/*
 * test_unix_users.c - segments between two users: root creates, and a
 * child that has become "nobody" (uid and gid 65534) uses them.
 *
 * DESIGN 11: the mode is exactly what the creator gave, whatever its umask.
 * DESIGN 12: on open, mode is not an access request: a user allowed only to
 * read opens with any mode and attaches read-only, and a read-write attach
 * is refused. The sticky namespace keeps another user from deleting. Runs
 * only as root (it must change user); skips otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"

#define USERS_NOBODY 65534
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

/* In a child: gives up root for good, becoming uid and gid 65534 with no
 * supplementary groups. */
static void users_become_nobody(void) {
  CHECK_EQ(setgroups(0, NULL), 0);
  CHECK_EQ(setgid(USERS_NOBODY), 0);
  CHECK_EQ(setuid(USERS_NOBODY), 0);
  CHECK_EQ(geteuid(), USERS_NOBODY);
  CHECK(setuid(0) != 0); /* really gone */
}

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
