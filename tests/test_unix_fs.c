/*
 * test_unix_fs.c - segments on file systems other than tmpfs: hugetlbfs
 * (sizes and mappings in huge pages), a read-only mount, and ramfs (no
 * fallocate()). Each real case runs in a child with a private mount of
 * the file system, named by PRSHM_DIR; the rounding logic behind
 * hugetlbfs is unit-tested here always.
 *
 * Sections: rounding and the file system's page; hugetlbfs; read-only
 * mounts; ramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "unix.h"

#define FS_MIB ((PRSize)1 << 20)
/* A child's exit code for "this system cannot give me that file system". */
#define FS_UNAVAILABLE T_SKIP_CODE

/* ---- Rounding and the file system's page ---- */

TEST(round_up_to_pages) {
  const PRSize huge = 2 * FS_MIB;

  CHECK_EQ(prshm__unix_round_up(1, 4096), 4096);
  CHECK_EQ(prshm__unix_round_up(4096, 4096), 4096);
  CHECK_EQ(prshm__unix_round_up(4097, 4096), 8192);
  CHECK_EQ(prshm__unix_round_up(5000, huge), huge);
  CHECK_EQ(prshm__unix_round_up(huge, huge), huge);
  CHECK_EQ(prshm__unix_round_up(huge + 1, huge), 2 * huge);
  /* Past the largest multiple: left as it is, never wrapped to a small
   * length (munmap would then release too little, or nothing). */
  CHECK_EQ(prshm__unix_round_up(SIZE_MAX - 5, huge), SIZE_MAX - 5);
}

/* A stand-in for statfs(): what the next fs_info call reports. */
static unsigned long fs_stub_type, fs_stub_page;
static int fs_stub_err;

static int fs_stub_info(const char *path, unsigned long *type, unsigned long *page) {
  (void)path;
  if (fs_stub_err != 0) {
    errno = fs_stub_err;
    return -1;
  }
  *type = fs_stub_type;
  *page = fs_stub_page;
  return 0;
}

/* What prshm__unix_fs_page() makes of a file system reporting type and
 * page (or failing with err). */
static prshm__unix_ns fs_page_of(unsigned long type, unsigned long page, int err) {
  prshm__unix_ns ns;

  memset(&ns, 0, sizeof ns);
  fs_stub_type = type;
  fs_stub_page = page;
  fs_stub_err = err;
  prshm__sys.fs_info = fs_stub_info;
  prshm__unix_fs_page("/somewhere", &ns);
  prshm__sys_reset();
  return ns;
}

TEST(page_of_the_file_system) {
  const PRSize sys = (PRSize)sysconf(_SC_PAGESIZE);
  prshm__unix_ns ns;

  if (strcmp(prshm_backend_name(), "linux") != 0 && strcmp(prshm_backend_name(), "posix") != 0)
    SKIP("Unix backends only");
  ns = fs_page_of(0x01021994ul /* tmpfs */, 4096, 0);
  CHECK(!ns.huge);
  CHECK_EQ(ns.page, sys);
  /* A large block size alone (ZFS, NFS) must not widen mappings. */
  ns = fs_page_of(0x2fc12fc1ul /* zfs */, 131072, 0);
  CHECK(!ns.huge);
  CHECK_EQ(ns.page, sys);
  ns = fs_page_of(0, 0, EACCES);
  CHECK(!ns.huge);
  CHECK_EQ(ns.page, sys);
#if defined(__linux__)
  ns = fs_page_of(0x958458f6ul /* hugetlbfs */, 2 * FS_MIB, 0);
  CHECK(ns.huge);
  CHECK_EQ(ns.page, 2 * FS_MIB);
  /* Nonsense from the file system is not believed. */
  ns = fs_page_of(0x958458f6ul, 3 * FS_MIB, 0);
  CHECK(!ns.huge);
  CHECK_EQ(ns.page, sys);
#endif
}

/* ---- A child in a private mount ---- */

/* In a child: mounts `fstype` with `opts` on a new directory and points
 * PRSHM_DIR at it (before any prshm call reads it). Exits FS_UNAVAILABLE
 * if the system will not. */
static const char *fs_mount_dir(const char *fstype, const char *opts) {
  static char dir[] = "/tmp/prshm-fs-XXXXXX";

  if (mkdtemp(dir) == NULL) t_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
  if (t_private_mount(fstype, dir, 0, opts) != 0) {
    printf("cannot mount %s on %s: %s\n", fstype, dir, strerror(errno));
    (void)rmdir(dir);
    exit(FS_UNAVAILABLE);
  }
  CHECK_EQ(setenv(PRSHM_DIR_ENV, dir, 1), 0);
  return dir;
}

/* Runs child `child` (argument `arg`, may be NULL) and checks it passed,
 * skipping with `why` if it could not have its file system. */
static void fs_run(const char *child, const char *arg, const char *why) {
  const char *args[] = {arg, NULL};
  int code;

  if (geteuid() != 0) SKIP("needs root, to mount a file system in a private namespace");
  code = t_wait(t_spawn(child, args));
  if (code == FS_UNAVAILABLE) SKIP(why);
  if (code >= 128) t_fail(__FILE__, __LINE__, "child killed by signal %d", code - 128);
  CHECK_EQ(code, 0);
}

/* Creates `name` with `size` bytes (flags added to CREATE|EXCL), writes
 * its first and last byte, detaches, closes; then opens it again by size 0
 * and checks both bytes: every step, detach included, must work. */
static void fs_cycle(const char *name, PRSize size, PRIntn flags) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL | flags, 0600);
  PRSize got = 0;
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  p[0] = 'a';
  p[size - 1] = 'z';
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &got));
  CHECK_INT(got, >=, size);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_EQ(p[0], 'a');
  CHECK_EQ(p[size - 1], 'z');
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* ---- hugetlbfs ---- */

#define FS_HUGE_PAGES "/proc/sys/vm/nr_hugepages"

CHILD(huge) {
  const PRSize page = 2 * FS_MIB;
  char name[64];

  (void)argc;
  (void)argv;
  (void)fs_mount_dir("hugetlbfs", "pagesize=2M");
  snprintf(name, sizeof name, "/prshm-test-%ld-huge", t_pid());
  /* Sizes that are not whole huge pages: mapped, detached and reserved in
   * whole pages; a sparse one sized in whole pages. */
  fs_cycle(name, 5000, 0);
  fs_cycle(name, page + 1, 0);
  fs_cycle(name, page, 0);
  fs_cycle(name, 5000, PRSHM_SPARSE);
  return 0;
}

TEST(hugetlbfs_sizes_and_detach) {
  long before = t_read_number(FS_HUGE_PAGES);

  if (before < 0) SKIP("this kernel has no huge pages (/proc/sys/vm/nr_hugepages)");
  if (geteuid() != 0) SKIP("needs root, to mount hugetlbfs");
  /* The case needs four huge pages; set some aside for it if there are
   * none, and give them back after. */
  if (before < 4 && t_write_number(FS_HUGE_PAGES, 4) != 0) SKIP("cannot set huge pages aside");
  if (t_read_number(FS_HUGE_PAGES) < 4) {
    (void)t_write_number(FS_HUGE_PAGES, before);
    SKIP("the kernel set fewer than 4 huge pages aside");
  }
  fs_run("huge", NULL, "this system cannot mount hugetlbfs with 2 MiB pages");
  if (before < 4) CHECK_EQ(t_write_number(FS_HUGE_PAGES, before), 0);
}

/* ---- A read-only mount ---- */

/* Creates a segment holding "kept" in dir's tmpfs, then remounts it
 * read-only. */
static void fs_make_then_freeze(const char *dir, const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0644);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "kept");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_EQ(mount("none", dir, "none", MS_REMOUNT | MS_RDONLY, NULL), 0);
}

/* The owner (and root) open it read-only: reads work, a read-write attach
 * is refused, creating and deleting say the file system is read-only. */
static void fs_use_frozen(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 0, 0, 0);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(p);
  CHECK_STR(p, "kept");
  CHECK(PR_AttachSharedMemory(shm, 0) == NULL);
  CHECK_ERROR(PR_NO_ACCESS_RIGHTS_ERROR);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* With PR_SHM_CREATE, an existing segment is opened all the same. */
  shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0644);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK(PR_OpenSharedMemory("/prshm-test-frozen-new", 4096, PR_SHM_CREATE, 0644) == NULL);
  CHECK_ERROR(PR_READ_ONLY_FILESYSTEM_ERROR);
  CHECK_EQ(PR_DeleteSharedMemory(name), PR_FAILURE);
  CHECK_ERROR(PR_READ_ONLY_FILESYSTEM_ERROR);
}

CHILD(read_only) {
  const char *dir;
  char name[64];

  (void)argc;
  (void)argv;
  dir = fs_mount_dir("tmpfs", "size=1m,mode=1777");
  snprintf(name, sizeof name, "/prshm-test-%ld-frozen", t_pid());
  fs_make_then_freeze(dir, name);
  fs_use_frozen(name);
  /* Another user allowed to read gets the same. */
  CHECK_EQ(t_become_nobody(), 0);
  fs_use_frozen(name);
  return 0;
}

TEST(read_only_mount_opens_read_only) {
  fs_run("read_only", NULL, "this system refuses a private tmpfs");
}

/* ---- ramfs: no fallocate() ---- */

CHILD(ramfs) {
  char name[64];

  (void)argc;
  (void)argv;
  (void)fs_mount_dir("ramfs", "mode=1777");
  snprintf(name, sizeof name, "/prshm-test-%ld-ramfs", t_pid());
  /* Reserved all the same (every page written at creation), and used to
   * its last byte. */
  fs_cycle(name, FS_MIB + 100, 0);
  fs_cycle(name, 4096, PRSHM_SPARSE);
  return 0;
}

TEST(ramfs_creates_and_reserves) { fs_run("ramfs", NULL, "this system refuses a private ramfs"); }
