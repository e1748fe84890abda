/*
 * test_unix_layout.c - what a segment is on disk and in the kernel, seen
 * from outside the library.
 *
 * A name is a key, never a file at the caller's path. A segment is an
 * ordinary object in /dev/shm under prshm_native_name(), which shm_open()
 * opens; an overlong name gets a hashed native name. PRSHM_DIR moves the
 * namespace; a relative one is refused. Memory is reserved unless
 * PRSHM_SPARSE. The mode is exact whatever the umask. Descriptors are
 * close-on-exec. An open handle, or a mapping left after its close, marks the
 * segment in use: no write lease can be had on it (the kernel's proof that
 * no other open file of it exists, which tools use on Linux, whatever the
 * backend), and the portable backend's handles also hold a shared flock()
 * (the Linux backend's take none). A creator stopped half-way
 * exposes no name (Linux backend), or one that is never opened (portable
 * backend).
 *
 * The facts hold for both Unix backends unless a test says otherwise; the
 * /dev/shm ones need glibc's Linux layout and skip elsewhere.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "sys.h"
#include "unix.h"

#define LAYOUT_DEV_SHM "/dev/shm"
#define LAYOUT_PATH_MAX 8192

/* ---- Helpers ---- */

static PRBool layout_is_linux_backend(void) { return strcmp(prshm_backend_name(), "linux") == 0; }

/* Skips unless POSIX shared memory lives in /dev/shm (glibc on Linux). */
static void layout_need_dev_shm(void) {
  struct stat st;
  if (stat(LAYOUT_DEV_SHM, &st) != 0 || !S_ISDIR(st.st_mode))
    SKIP("no /dev/shm: shm_open() keeps its objects elsewhere on this system");
  if (getenv(PRSHM_DIR_ENV) != NULL) SKIP("PRSHM_DIR is set: the namespace is not /dev/shm");
}

/* The native name of `name` in this process's namespace. */
static void layout_native(const char *name, char *buf) {
  CHECK_OK(prshm_native_name(name, buf, PRSHM_NATIVE_NAME_MAX));
}

/* The path of `name`'s segment in /dev/shm (default namespace only). */
static void layout_shm_path(const char *name, char *path) {
  char native[PRSHM_NATIVE_NAME_MAX];
  layout_native(name, native);
  CHECK_EQ(native[0], '/');
  snprintf(path, LAYOUT_PATH_MAX, "%s%s", LAYOUT_DEV_SHM, native);
}

/* Whether anything (even a dangling link) exists at path. */
static PRBool layout_exists(const char *path) {
  struct stat st;
  if (lstat(path, &st) == 0) return PR_TRUE;
  CHECK_EQ(errno, ENOENT);
  return PR_FALSE;
}

/* The number of entries in a directory, "." and ".." aside. */
static int layout_count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  CHECK(d != NULL);
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  CHECK_EQ(closedir(d), 0);
  return n;
}

/* The number of entries of `dir` whose name starts with `prefix`. */
static int layout_count_prefixed(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  CHECK(d != NULL);
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
  CHECK_EQ(closedir(d), 0);
  return n;
}

/* A fresh directory under /tmp, for this test only. */
static void layout_tempdir(char *dir, size_t size) {
  snprintf(dir, size, "/tmp/prshm-layout-%ld-XXXXXX", t_pid());
  CHECK(mkdtemp(dir) != NULL);
}

/* Writes `text` as the whole content of a new file at path. */
static void layout_write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  CHECK_INT(fd, >=, 0);
  CHECK_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
  CHECK_EQ(close(fd), 0);
}

/* Checks that the file at path (followed if a link) holds exactly `text`. */
static void layout_check_file(const char *path, const char *text) {
  char buf[256];
  ssize_t n;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  CHECK_INT(fd, >=, 0);
  n = read(fd, buf, sizeof buf - 1);
  CHECK_EQ(close(fd), 0);
  CHECK_INT(n, >=, 0);
  buf[n] = '\0';
  CHECK_STR(buf, text);
}

/* Creates `name` with `size` bytes, writes `text` at its start, closes. */
static void layout_create_with(const char *name, PRSize size, const char *text) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, text);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* stat() of a segment's object in /dev/shm: it needs no permission on the
 * segment itself, so a mode without read bits is seen too. */
static void layout_stat_native(const char *name, struct stat *st) {
  char path[LAYOUT_PATH_MAX];

  layout_shm_path(name, path);
  CHECK_EQ(lstat(path, st), 0);
  CHECK(S_ISREG(st->st_mode));
}

/* A pipe whose end `child_end` children inherit; the other is this
 * process's alone (close-on-exec). */
static void layout_pipe(int fds[2], int child_end) {
  CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
  CHECK_EQ(fcntl(fds[child_end], F_SETFD, 0), 0);
}

static const char *layout_fd_arg(int fd, char *buf) {
  snprintf(buf, 16, "%d", fd);
  return buf;
}

/* Receives one byte; -1 at end of file. */
static int layout_recv(int fd) {
  unsigned char c;
  ssize_t n;
  do {
    n = read(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  return n == 1 ? c : -1;
}

static void layout_send(int fd, char c) {
  ssize_t n;
  do {
    n = write(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  CHECK_EQ(n, 1);
}

/* ---- a name is a key, not a file ---- */

TEST(name_path_is_never_touched) {
  char dir[128], name[192];
  PRSharedMemory *shm;

  layout_tempdir(dir, sizeof dir);
  snprintf(name, sizeof name, "%s/seg", dir);
  (void)PR_DeleteSharedMemory(name);
  layout_create_with(name, 4096, "keyed");
  CHECK_EQ(layout_count_entries(dir), 0);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_EQ(layout_count_entries(dir), 0);
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK_EQ(layout_count_entries(dir), 0);
  /* Deleting what is gone creates nothing either (NSPR made a file). */
  CHECK(PR_DeleteSharedMemory(name) != PR_SUCCESS);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(layout_count_entries(dir), 0);
  CHECK_EQ(rmdir(dir), 0);
}

TEST(symlink_at_name_path_is_not_followed) {
  char dir[128], name[192], target[192], dangling[192], link2[192], got[192];
  ssize_t n;

  layout_tempdir(dir, sizeof dir);
  snprintf(name, sizeof name, "%s/seg", dir);
  snprintf(target, sizeof target, "%s/target", dir);
  snprintf(dangling, sizeof dangling, "%s/absent", dir);
  snprintf(link2, sizeof link2, "%s/seg2", dir);
  layout_write_file(target, "target text");
  CHECK_EQ(symlink(target, name), 0);
  CHECK_EQ(symlink(dangling, link2), 0);
  (void)PR_DeleteSharedMemory(name);
  (void)PR_DeleteSharedMemory(link2);

  layout_create_with(name, 8192, "segment text");
  layout_create_with(link2, 8192, "other text");
  /* The links still point where they did; the target is unchanged and
   * the dangling link's target was not created. */
  n = readlink(name, got, sizeof got - 1);
  CHECK_INT(n, >, 0);
  got[n] = '\0';
  CHECK_STR(got, target);
  layout_check_file(target, "target text");
  CHECK(!layout_exists(dangling));
  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK_OK(PR_DeleteSharedMemory(link2));
  CHECK(layout_exists(name));
  CHECK(layout_exists(link2));
  layout_check_file(target, "target text");
  CHECK_EQ(layout_count_entries(dir), 3);

  CHECK_EQ(unlink(name), 0);
  CHECK_EQ(unlink(link2), 0);
  CHECK_EQ(unlink(target), 0);
  CHECK_EQ(rmdir(dir), 0);
}

TEST(file_at_name_path_is_left_alone) {
  char dir[128], name[192];

  layout_tempdir(dir, sizeof dir);
  snprintf(name, sizeof name, "%s/seg", dir);
  layout_write_file(name, "a file, not a segment");
  (void)PR_DeleteSharedMemory(name);
  /* No segment has the name: delete fails and keeps the file. */
  CHECK(PR_DeleteSharedMemory(name) != PR_SUCCESS);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  layout_check_file(name, "a file, not a segment");
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* A segment of that name is made elsewhere, and deleting it keeps the
   * file too. */
  layout_create_with(name, 4096, "segment");
  layout_check_file(name, "a file, not a segment");
  CHECK_OK(PR_DeleteSharedMemory(name));
  layout_check_file(name, "a file, not a segment");
  CHECK_EQ(unlink(name), 0);
  CHECK_EQ(rmdir(dir), 0);
}

/* ---- an ordinary object under its native name ---- */

TEST(segment_is_in_dev_shm_under_native_name) {
  const char *name = t_name("native");
  char native[PRSHM_NATIVE_NAME_MAX], path[LAYOUT_PATH_MAX];
  struct stat st;
  const char *p;
  int fd;

  layout_need_dev_shm();
  layout_native(name, native);
  /* Short enough to stay readable: the caller's name shows in it. */
  CHECK(strncmp(native, "/prshm.", 7) == 0 || !layout_is_linux_backend());
  CHECK(!layout_is_linux_backend() || strstr(native, "prshm-test-") != NULL);
  layout_shm_path(name, path);
  CHECK(!layout_exists(path));
  layout_create_with(name, 10000, "seen by shm_open");

  CHECK_EQ(lstat(path, &st), 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK_EQ(st.st_size, 10000);
  fd = shm_open(native, O_RDONLY, 0);
  CHECK_INT(fd, >=, 0);
  p = mmap(NULL, 10000, PROT_READ, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED);
  CHECK_STR(p, "seen by shm_open");
  CHECK_EQ(p[9999], 0);
  CHECK_EQ(munmap((void *)(uintptr_t)p, 10000), 0);
  CHECK_EQ(close(fd), 0);

  CHECK_OK(PR_DeleteSharedMemory(name));
  CHECK(!layout_exists(path));
}

TEST(long_name_gets_short_hashed_native_name) {
  char name1[1001], name2[1001];
  char native1[PRSHM_NATIVE_NAME_MAX], native2[PRSHM_NATIVE_NAME_MAX];
  char path1[LAYOUT_PATH_MAX], path2[LAYOUT_PATH_MAX];
  PRSharedMemory *shm;
  char *p;

  layout_need_dev_shm();
  /* Two 1000-byte names that differ only in their last byte. */
  snprintf(name1, sizeof name1, "/prshm-test-%ld-long-", t_pid());
  memset(name1 + strlen(name1), 'x', sizeof name1 - 1 - strlen(name1));
  name1[1000] = '\0';
  memcpy(name2, name1, sizeof name1);
  name2[999] = 'y';
  (void)PR_DeleteSharedMemory(name1);
  (void)PR_DeleteSharedMemory(name2);
  layout_native(name1, native1);
  layout_native(name2, native2);
  CHECK_INT(strlen(native1), <, 255);
  CHECK(strncmp(native1, "/prshm-", 7) == 0);
  CHECK(strcmp(native1, native2) != 0);

  layout_create_with(name1, 4096, "first long");
  layout_create_with(name2, 4096, "second long");
  layout_shm_path(name1, path1);
  layout_shm_path(name2, path2);
  CHECK(layout_exists(path1));
  CHECK(layout_exists(path2));
  shm = PR_OpenSharedMemory(name1, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "first long");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name1));
  CHECK_OK(PR_DeleteSharedMemory(name2));
  CHECK(!layout_exists(path1));
  CHECK(!layout_exists(path2));
}

/* ---- PRSHM_DIR ---- */

#define LAYOUT_DIR_SIZE 20000

/* Runs child `child` (argument: name) with PRSHM_DIR set to `dir`. */
static int layout_run_with_dir(const char *dir, const char *child, const char *name) {
  const char *args[] = {name, NULL};
  int code;

  CHECK_EQ(setenv(PRSHM_DIR_ENV, dir, 1), 0);
  code = t_wait(t_spawn(child, args));
  CHECK_EQ(unsetenv(PRSHM_DIR_ENV), 0);
  return code;
}

TEST(prshm_dir_holds_segments_as_files) {
  const char *name = t_name("dir");
  char dir[128], native[PRSHM_NATIVE_NAME_MAX], file[LAYOUT_PATH_MAX], shm[LAYOUT_PATH_MAX];
  struct stat st;
  char buf[64];
  int fd;

  layout_need_dev_shm();
  layout_tempdir(dir, sizeof dir);
  layout_native(name, native); /* also reads this process's namespace now */
  snprintf(file, sizeof file, "%s%s", dir, native);
  layout_shm_path(name, shm);

  CHECK_EQ(layout_run_with_dir(dir, "dir_create", name), 0);
  CHECK_EQ(layout_count_entries(dir), 1);
  CHECK_EQ(lstat(file, &st), 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK_EQ(st.st_size, LAYOUT_DIR_SIZE);
  CHECK_EQ(st.st_mode & 07777, 0640);
  CHECK(!layout_exists(shm));
  fd = open(file, O_RDONLY | O_CLOEXEC);
  CHECK_INT(fd, >=, 0);
  CHECK_EQ(read(fd, buf, sizeof buf), (long long)sizeof buf);
  CHECK_EQ(close(fd), 0);
  CHECK_STR(buf, "in PRSHM_DIR");
  /* This process's namespace is /dev/shm: the segment is not there. */
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);

  CHECK_EQ(layout_run_with_dir(dir, "dir_open_delete", name), 0);
  CHECK_EQ(layout_count_entries(dir), 0);
  CHECK_EQ(rmdir(dir), 0);
}

CHILD(dir_create) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *dir = getenv(PRSHM_DIR_ENV);
  PRSharedMemory *shm;
  char *p;

  CHECK_EQ(argc, 1);
  CHECK_NOT_NULL(dir);
  layout_native(argv[0], native);
  /* Under PRSHM_DIR the native name is the file's path in it. */
  CHECK(strncmp(native, dir, strlen(dir)) == 0 && native[strlen(dir)] == '/');
  shm = PR_OpenSharedMemory(argv[0], LAYOUT_DIR_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0640);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "in PRSHM_DIR");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  return 0;
}

CHILD(dir_open_delete) {
  PRSharedMemory *shm;
  PRSize size = 0;
  char *p;

  CHECK_EQ(argc, 1);
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, LAYOUT_DIR_SIZE);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "in PRSHM_DIR");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(argv[0]));
  CHECK(PR_OpenSharedMemory(argv[0], 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  return 0;
}

/* Makes, under the new directory `base`, a directory whose path is exactly
 * `len` bytes long (components of at most 200 bytes), written to `dir`. */
static void layout_dir_of_length(const char *base, size_t len, char *dir) {
  size_t n = strlen(base);

  CHECK(len > n + 1);
  memcpy(dir, base, n + 1);
  while (n < len) {
    size_t part = len - n - 1 > 200 ? 200 : len - n - 1;
    /* A last component of one byte would need a '/' and nothing else. */
    if (len - n - 1 - part == 1) part--;
    dir[n] = '/';
    memset(dir + n + 1, 'd', part);
    n += 1 + part;
    dir[n] = '\0';
    CHECK_EQ(mkdir(dir, 0700), 0);
  }
  CHECK_EQ(strlen(dir), len);
}

/* Removes what layout_dir_of_length() made under `base`, and base. */
static void layout_remove_dir_of_length(const char *base, char *dir) {
  size_t n = strlen(base);

  while (strlen(dir) > n) {
    CHECK_EQ(rmdir(dir), 0);
    *strrchr(dir, '/') = '\0';
  }
  CHECK_EQ(rmdir(base), 0);
}

/* An open makes the segment's path in front of its key, in place, when the
 * directory fits in the room the front door leaves there (63 bytes and
 * the '/'), and in a buffer of its own otherwise (up to 383 bytes), or a
 * larger one (longer still): every length works alike, at each edge. */
TEST(prshm_dir_of_every_length_opens_alike) {
  static const size_t lengths[] = {62, 63, 64, 65, 120, 383, 384, 1500, 4000};
  const char *name = t_name("dirlen");
  char base[64], dir[4200];
  size_t i;

  layout_need_dev_shm();
  for (i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
    layout_tempdir(base, sizeof base);
    layout_dir_of_length(base, lengths[i], dir);
    CHECK_EQ(layout_run_with_dir(dir, "dir_create", name), 0);
    CHECK_EQ(layout_count_entries(dir), 1);
    CHECK_EQ(layout_run_with_dir(dir, "dir_open_delete", name), 0);
    CHECK_EQ(layout_count_entries(dir), 0);
    layout_remove_dir_of_length(base, dir);
  }
}

TEST(relative_prshm_dir_is_refused) {
  const char *name = t_name("reldir");
  char shm[LAYOUT_PATH_MAX];

  layout_need_dev_shm();
  layout_shm_path(name, shm);
  CHECK_EQ(layout_run_with_dir("relative/dir", "dir_refused", name), 0);
  CHECK_EQ(layout_run_with_dir("", "dir_refused", name), 0);
  CHECK(!layout_exists(shm));
}

CHILD(dir_refused) {
  char native[PRSHM_NATIVE_NAME_MAX];

  CHECK_EQ(argc, 1);
  /* No native name either: it would name an object where no call goes. */
  CHECK(prshm_native_name(argv[0], native, sizeof native) != PR_SUCCESS);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(argv[0], 4096, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(argv[0], 0, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_DeleteSharedMemory(argv[0]) != PR_SUCCESS);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  return 0;
}

/* ---- reserved memory ---- */

#define LAYOUT_RESERVE_SIZE (4u << 20)

TEST(reserved_segment_has_blocks_sparse_has_none) {
  const char *full = t_name("reserved");
  const char *sparse = t_name("sparse");
  PRSharedMemory *shm;
  struct stat st;

  layout_need_dev_shm();
  shm = PR_OpenSharedMemory(full, LAYOUT_RESERVE_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  layout_stat_native(full, &st);
  CHECK_EQ(st.st_size, LAYOUT_RESERVE_SIZE);
  CHECK_INT((long long)st.st_blocks * 512, >=, LAYOUT_RESERVE_SIZE);
  CHECK_OK(PR_CloseSharedMemory(shm));

  shm = PR_OpenSharedMemory(sparse, LAYOUT_RESERVE_SIZE, PR_SHM_CREATE | PR_SHM_EXCL | PRSHM_SPARSE,
                            0600);
  CHECK_NOT_NULL(shm);
  layout_stat_native(sparse, &st);
  CHECK_EQ(st.st_size, LAYOUT_RESERVE_SIZE);
  /* Nothing, or next to nothing, is allocated. */
  CHECK_INT((long long)st.st_blocks * 512, <, LAYOUT_RESERVE_SIZE / 64);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* ---- the mode, exactly ---- */

TEST(mode_is_exact_whatever_the_umask) {
  static const int modes[] = {0666, 0640, 0604, 0777, 0};
  static const mode_t masks[] = {077, 022, 0777, 0777, 0777};
  size_t i;

  layout_need_dev_shm();
  for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    const char *name = t_name("mode");
    PRSharedMemory *shm;
    struct stat st;
    mode_t old = umask(masks[i]);

    shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, modes[i]);
    (void)umask(old);
    CHECK_NOT_NULL(shm);
    layout_stat_native(name, &st);
    CHECK_EQ(st.st_mode & 07777, modes[i]);
    CHECK_OK(PR_CloseSharedMemory(shm));
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
}

/* ---- close-on-exec ---- */

#define LAYOUT_FD_SCAN 4096

/* Marks in `open_fds` (LAYOUT_FD_SCAN flags) which descriptors are open. */
static void layout_open_fds(unsigned char *open_fds) {
  int fd;
  for (fd = 0; fd < LAYOUT_FD_SCAN; fd++) open_fds[fd] = fcntl(fd, F_GETFD) != -1;
}

TEST(descriptors_are_close_on_exec) {
  const char *name = t_name("cloexec");
  const char *sparse = t_name("cloexec-sparse");
  static unsigned char before[LAYOUT_FD_SCAN], after[LAYOUT_FD_SCAN];
  PRSharedMemory *shm[3];
  char dev[32], ino[32];
  const char *args[3];
  struct stat st;
  int fd, fresh = 0;

  layout_need_dev_shm();
  layout_open_fds(before);
  shm[0] = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm[0]);
  shm[1] = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm[1]);
  shm[2] = PR_OpenSharedMemory(sparse, 4096, PR_SHM_CREATE | PRSHM_SPARSE, 0600);
  CHECK_NOT_NULL(shm[2]);
  layout_open_fds(after);
  for (fd = 0; fd < LAYOUT_FD_SCAN; fd++) {
    if (before[fd] || !after[fd]) continue;
    fresh++;
    CHECK_INT(fcntl(fd, F_GETFD) & FD_CLOEXEC, !=, 0);
  }
  CHECK_INT(fresh, >=, 3);

  /* A program this process runs inherits none of them. */
  layout_stat_native(name, &st);
  snprintf(dev, sizeof dev, "%llu", (unsigned long long)st.st_dev);
  snprintf(ino, sizeof ino, "%llu", (unsigned long long)st.st_ino);
  args[0] = dev;
  args[1] = ino;
  args[2] = NULL;
  CHECK_EQ(t_wait(t_spawn("holds_no_segment", args)), 0);
  layout_stat_native(sparse, &st);
  snprintf(dev, sizeof dev, "%llu", (unsigned long long)st.st_dev);
  snprintf(ino, sizeof ino, "%llu", (unsigned long long)st.st_ino);
  CHECK_EQ(t_wait(t_spawn("holds_no_segment", args)), 0);

  CHECK_OK(PR_CloseSharedMemory(shm[0]));
  CHECK_OK(PR_CloseSharedMemory(shm[1]));
  CHECK_OK(PR_CloseSharedMemory(shm[2]));
}

/* Fails if any open descriptor is the file (device, inode) of argv. */
CHILD(holds_no_segment) {
  unsigned long long dev, ino;
  struct stat st;
  int fd;

  CHECK_EQ(argc, 2);
  dev = strtoull(argv[0], NULL, 10);
  ino = strtoull(argv[1], NULL, 10);
  for (fd = 0; fd < LAYOUT_FD_SCAN; fd++) {
    if (fstat(fd, &st) != 0) continue;
    if ((unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
      t_fail(__FILE__, __LINE__, "descriptor %d is the segment, inherited across exec", fd);
  }
  return 0;
}

/* ---- the in-use mark ---- */

/* Opens the segment of `name` anew (its own open file description). */
static int layout_open_again(const char *name) {
  char native[PRSHM_NATIVE_NAME_MAX];
  int fd;
  layout_native(name, native);
  fd = shm_open(native, O_RDONLY, 0);
  CHECK_INT(fd, >=, 0);
  return fd;
}

/* Whether an exclusive flock() on fd can be had now; releases it. */
static PRBool layout_can_lock_exclusive(int fd) {
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    CHECK_EQ(errno, EWOULDBLOCK);
    return PR_FALSE;
  }
  CHECK_EQ(flock(fd, LOCK_UN), 0);
  return PR_TRUE;
}

/* The same on a descriptor of its own, closed again at once. */
static PRBool layout_can_lock_now(const char *name) {
  int fd = layout_open_again(name);
  PRBool free_now = layout_can_lock_exclusive(fd);
  CHECK_EQ(close(fd), 0);
  return free_now;
}

/* Tries to take a write lease on a fresh descriptor of `name`'s segment,
 * as a tool does (list.c): the kernel grants it only when no other open
 * file of the segment exists anywhere, a mapping included. Returns the
 * descriptor holding the lease, or -1 with errno (EAGAIN: another open
 * file exists). A lease's holder is signalled when someone opens the file:
 * SIGURG, ignored by default, not SIGIO, which would kill this process. */
static int layout_try_lease(const char *name) {
  struct sigaction sa;
  int fd = layout_open_again(name), err;

  CHECK_EQ(sigaction(SIGURG, NULL, &sa), 0);
  CHECK(sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN);
  CHECK_EQ(fcntl(fd, F_SETSIG, SIGURG), 0);
  if (fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
    CHECK_EQ(fcntl(fd, F_GETLEASE), F_WRLCK);
    return fd;
  }
  err = errno;
  CHECK_EQ(close(fd), 0);
  errno = err;
  return -1;
}

static void layout_drop_lease(int fd) {
  CHECK_EQ(fcntl(fd, F_SETLEASE, F_UNLCK), 0);
  CHECK_EQ(close(fd), 0);
}

/* Whether nothing holds the segment now: a write lease can be had (it is
 * released at once), or EAGAIN says another open file of it exists. */
static PRBool layout_lease_free(const char *name) {
  int fd = layout_try_lease(name);
  if (fd < 0) {
    CHECK_EQ(errno, EAGAIN);
    return PR_FALSE;
  }
  layout_drop_lease(fd);
  return PR_TRUE;
}

/* Skips unless this system grants write leases: tried on the segment of
 * `name`, which nothing holds (so EAGAIN is a failure, not a skip). */
static void layout_need_leases(const char *name) {
  int fd = layout_try_lease(name);
  if (fd < 0 && errno != EAGAIN)
    SKIP("no write leases here (fs.leases-enable is 0, or the file system has none)");
  CHECK_INT(fd, >=, 0);
  layout_drop_lease(fd);
}

/* The portable backend's mark: a shared flock() while a handle, or a
 * mapping made through it, lives. */
TEST(open_handle_holds_shared_lock) {
  const char *name = t_name("lock");
  PRSharedMemory *shm, *reader;
  void *p;
  int fd;

  layout_need_dev_shm();
  if (!prshm__unix_handles_lock)
    SKIP("this backend's handles take no flock(): see open_handle_blocks_write_lease");
  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  fd = layout_open_again(name);
  CHECK(!layout_can_lock_exclusive(fd));
  /* Shared with other holders: a second handle opens fine. */
  reader = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(reader);
  CHECK_OK(PR_CloseSharedMemory(reader));
  CHECK(!layout_can_lock_exclusive(fd));
  /* A handle closed while still attached: the mapping keeps the segment
   * in use (the kernel holds the locked descriptor's file for it) until it
   * is unmapped. */
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK(!layout_can_lock_exclusive(fd));
  CHECK_EQ(munmap(p, 4096), 0);
  CHECK(layout_can_lock_exclusive(fd));
  /* Closed without attachments: released at once. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK(!layout_can_lock_exclusive(fd));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK(layout_can_lock_exclusive(fd));

  /* A tool holding it exclusively makes opens fail, after a bounded wait,
   * as busy; once the tool lets go, they succeed. */
  CHECK_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK_EQ(flock(fd, LOCK_UN), 0);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_EQ(close(fd), 0);
}

/* The mark both backends leave on Linux: an open file of the segment,
 * which keeps a tool's write lease from being granted. */
TEST(open_handle_blocks_write_lease) {
  const char *name = t_name("lease");
  PRSharedMemory *shm, *reader;
  void *p;
  int fd;

  layout_need_dev_shm();
  layout_create_with(name, 4096, "leased");
  layout_need_leases(name);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK(!layout_lease_free(name));
  /* Only the portable backend's handles lock; the Linux backend's do not,
   * which spares every open a system call. */
  CHECK_EQ(layout_can_lock_now(name), !prshm__unix_handles_lock);
  /* A second handle, opened and closed, changes nothing. */
  reader = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(reader);
  CHECK_OK(PR_CloseSharedMemory(reader));
  CHECK(!layout_lease_free(name));
  /* A handle closed while still attached: the mapping keeps the handle's
   * open file, so the segment stays in use until it is unmapped. */
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK(!layout_lease_free(name));
  CHECK_EQ(munmap(p, 4096), 0);
  CHECK(layout_lease_free(name));
  /* Attached and detached, then closed: free once closed. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "leased");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK(!layout_lease_free(name));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK(layout_lease_free(name));

  /* A tool holding the lease makes the Linux backend's opens (which do not
   * block) fail, after a bounded wait, as busy; once it lets go, they
   * succeed. The portable backend's shm_open() waits in the kernel for the
   * holder to let go instead, which this one thread cannot do. */
  if (!layout_is_linux_backend()) return;
  fd = layout_try_lease(name);
  CHECK_INT(fd, >=, 0);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  layout_drop_lease(fd);
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* Starts a child that creates `name` and holds it as `how` says (see
 * lock_holder), and returns once it does. */
static t_proc layout_start_holder(const char *name, const char *how, int *to_parent_r,
                                  int *never_w) {
  int to_parent[2], never[2];
  char a1[16], a2[16];
  const char *args[5];
  t_proc child;

  layout_pipe(to_parent, 1);
  layout_pipe(never, 0);
  args[0] = name;
  args[1] = layout_fd_arg(to_parent[1], a1);
  args[2] = layout_fd_arg(never[0], a2);
  args[3] = how;
  args[4] = NULL;
  child = t_spawn("lock_holder", args);
  CHECK_EQ(close(to_parent[1]), 0);
  CHECK_EQ(close(never[0]), 0);
  CHECK_EQ(layout_recv(to_parent[0]), 'H');
  *to_parent_r = to_parent[0];
  *never_w = never[1];
  return child;
}

static void layout_kill_holder(t_proc child, int to_parent_r, int never_w) {
  t_kill(child);
  CHECK_EQ(t_wait(child), 128 + SIGKILL);
  CHECK_EQ(close(never_w), 0);
  CHECK_EQ(close(to_parent_r), 0);
}

TEST(killed_holder_releases_lock) {
  const char *name = t_name("lockkill");
  int to_parent, never, fd;
  t_proc child;

  layout_need_dev_shm();
  if (!prshm__unix_handles_lock)
    SKIP("this backend's handles take no flock(): see killed_holder_releases_lease");
  child = layout_start_holder(name, "handle", &to_parent, &never);
  fd = layout_open_again(name);
  CHECK(!layout_can_lock_exclusive(fd));
  layout_kill_holder(child, to_parent, never);
  CHECK(layout_can_lock_exclusive(fd));
  CHECK_EQ(close(fd), 0);
}

/* The kernel closes a killed process's files and drops its mappings: the
 * lease can be had again. */
static void layout_killed_holder_lease(const char *how) {
  const char *name = t_name(how);
  int to_parent, never;
  t_proc child;

  layout_create_with(name, 4096, "held");
  layout_need_leases(name);
  CHECK_OK(PR_DeleteSharedMemory(name));
  child = layout_start_holder(name, how, &to_parent, &never);
  CHECK(!layout_lease_free(name));
  layout_kill_holder(child, to_parent, never);
  CHECK(layout_lease_free(name));
}

TEST(killed_holder_releases_lease) {
  layout_need_dev_shm();
  layout_killed_holder_lease("handle");
  layout_killed_holder_lease("mapping");
}

/* Creates argv[0] and holds it as argv[3] says: "handle" (open), or
 * "mapping" (attached, then the handle closed). */
CHILD(lock_holder) {
  PRSharedMemory *shm;

  CHECK_EQ(argc, 4);
  shm = PR_OpenSharedMemory(argv[0], 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  if (strcmp(argv[3], "mapping") == 0) {
    CHECK_NOT_NULL(PR_AttachSharedMemory(shm, 0));
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  layout_send(atoi(argv[1]), 'H');
  (void)layout_recv(atoi(argv[2])); /* until killed */
  return 3;
}

/* ---- a creator stopped half-way ---- */

/* The pipes of a child whose system call stops: it reports there, then
 * waits on a pipe nobody writes. Set once, before the call. */
static int layout_stop_report = -1, layout_stop_wait = -1;

_Noreturn static void layout_stop_here(void) {
  layout_send(layout_stop_report, 'S');
  (void)layout_recv(layout_stop_wait); /* until killed */
  _exit(3);
}

static int layout_stop_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                              int flags) {
  (void)olddirfd, (void)oldpath, (void)newdirfd, (void)newpath, (void)flags;
  layout_stop_here();
}

static int layout_stop_reserve(int fd, off_t offset, off_t length) {
  (void)fd, (void)offset, (void)length;
  layout_stop_here();
}

/* Creates argv[0], stopping for good inside the system call argv[3]. */
CHILD(stopped_creator) {
  CHECK_EQ(argc, 4);
  layout_stop_report = atoi(argv[1]);
  layout_stop_wait = atoi(argv[2]);
  if (strcmp(argv[3], "linkat") == 0)
    prshm__sys.linkat = layout_stop_linkat;
  else
    prshm__sys.reserve = layout_stop_reserve;
  (void)PR_OpenSharedMemory(argv[0], 65536, PR_SHM_CREATE | PR_SHM_EXCL, 0644);
  return 4; /* never reached: the call stops */
}

/* Starts a creator that stops in `call`; returns it once it has. */
static t_proc layout_start_stopped_creator(const char *name, const char *call, int *never_w) {
  int report[2], never[2];
  char a1[16], a2[16];
  const char *args[5];
  t_proc child;

  layout_pipe(report, 1);
  layout_pipe(never, 0);
  args[0] = name;
  args[1] = layout_fd_arg(report[1], a1);
  args[2] = layout_fd_arg(never[0], a2);
  args[3] = call;
  args[4] = NULL;
  child = t_spawn("stopped_creator", args);
  CHECK_EQ(close(report[1]), 0);
  CHECK_EQ(close(never[0]), 0);
  CHECK_EQ(layout_recv(report[0]), 'S');
  CHECK_EQ(close(report[0]), 0);
  *never_w = never[1];
  return child;
}

/* Linux: the file is unnamed until complete, so a stopped creator shows
 * nothing, and once killed leaves nothing. */
static void layout_stopped_creator_linux(const char *call) {
  const char *name = t_name(call);
  char path[LAYOUT_PATH_MAX], temp_prefix[64];
  PRSharedMemory *shm;
  t_proc child;
  int never;

  layout_shm_path(name, path);
  child = layout_start_stopped_creator(name, call, &never);
  snprintf(temp_prefix, sizeof temp_prefix, ".prshm-tmp-%ld-", (long)child.id);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK(!layout_exists(path));
  /* The name is free: another process may create it meanwhile. */
  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));

  t_kill(child);
  CHECK_EQ(t_wait(child), 128 + SIGKILL);
  CHECK_EQ(close(never), 0);
  CHECK(!layout_exists(path));
  CHECK_EQ(layout_count_prefixed(LAYOUT_DEV_SHM, temp_prefix), 0);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

TEST(creator_stopped_before_link_exposes_nothing) {
  layout_need_dev_shm();
  if (!layout_is_linux_backend())
    SKIP("the portable backend has no unnamed creation: see portable_stopped_creator_*");
  layout_stopped_creator_linux("linkat");
}

TEST(creator_stopped_while_reserving_exposes_nothing) {
  layout_need_dev_shm();
  if (!layout_is_linux_backend())
    SKIP("the portable backend has no unnamed creation: see portable_stopped_creator_*");
  layout_stopped_creator_linux("reserve");
}

/* Portable: the object is visible at size 0 while its creator works, and
 * opening it waits, bounded, then fails as busy: it is never mapped
 * unsized, before or after the creator dies. */
TEST(portable_stopped_creator_is_never_opened) {
  const char *name = t_name("pstop");
  t_proc child;
  int never;

  if (layout_is_linux_backend())
    SKIP("the Linux backend never shows an unfinished segment: see creator_stopped_*");
  child = layout_start_stopped_creator(name, "reserve", &never);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  CHECK(PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  t_kill(child);
  CHECK_EQ(t_wait(child), 128 + SIGKILL);
  CHECK_EQ(close(never), 0);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_IS_BUSY_ERROR);
  /* What the dead creator left is removed like any segment. */
  CHECK_OK(PR_DeleteSharedMemory(name));
}
