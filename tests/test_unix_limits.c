/*
 * test_unix_limits.c - what prshm does at the system's limits: each limit
 * gives a clear error, leaves nothing behind, and the process stays usable.
 *
 *   descriptors  at RLIMIT_NOFILE, open and create fail with
 *                PR_PROC_DESC_TABLE_FULL_ERROR; closing handles frees room;
 *   mappings     at vm.max_map_count (not changed: the child attaches one
 *                segment until mmap fails), attach fails with
 *                PR_OUT_OF_MEMORY_ERROR; and under a low RLIMIT_AS the
 *                same; detaching frees room;
 *   size         a 1 TiB segment (more than memory) fails to create with
 *                PR_NO_DEVICE_SPACE_ERROR or PR_OUT_OF_MEMORY_ERROR and
 *                leaves no name; with PRSHM_SPARSE it is created;
 *   count        100,000 segments created and closed, listed, and deleted,
 *                with the time each phase took;
 *   full         a full namespace is tested by test_unix_full.c, with a
 *                small tmpfs in a private mount namespace.
 * Every case runs in a child, so that the limits it sets end with it; the
 * child prints its figures (docs/limits.md quotes them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"
#include "internal.h"

#define LIM_SEGMENTS 100000
/* 1 TiB, more than memory; 1 GiB for a 32-bit size_t. */
#define LIM_TIB ((PRSize)1 << (sizeof(PRSize) >= 8 ? 40 : 30))

static double lim_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A whole ordinary cycle: the process is still usable. */
static void lim_usable(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  char *p;

  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  strcpy(p, "still usable");
  CHECK_STR(p, "still usable");
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

static void lim_run_child(const char *child) {
  int code = t_wait(t_spawn(child, NULL));
  if (code == T_SKIP_CODE) SKIP("the child could not set up this limit here (see its output)");
  CHECK_EQ(code, 0);
}

/* ---- Descriptors ---- */

#define LIM_FD_ROOM 8 /* descriptors above what the process has open */
#define LIM_FD_HANDLES 64

CHILD(fd_limit) {
  PRSharedMemory *h[LIM_FD_HANDLES];
  const char *name = t_name("fdlimit"), *other = t_name("fdlimit-new");
  struct rlimit rl;
  int n = 0, i;

  (void)argc;
  (void)argv;
  CHECK_NOT_NULL(h[n++] = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600));
  /* Only the soft limit: valgrind refuses any change to the hard one. */
  CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  rl.rlim_cur = (rlim_t)(t_open_descriptors() + LIM_FD_ROOM);
  CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
  while (n < LIM_FD_HANDLES && (h[n] = PR_OpenSharedMemory(name, 0, 0, 0)) != NULL) n++;
  CHECK_INT(n, <, LIM_FD_HANDLES);
  CHECK_ERROR(PR_PROC_DESC_TABLE_FULL_ERROR);
  CHECK_EQ(PR_GetOSError(), EMFILE);
  /* Creating needs a descriptor too, and fails the same way, leaving no
   * name behind. */
  CHECK(PR_OpenSharedMemory(other, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_PROC_DESC_TABLE_FULL_ERROR);
  CHECK_EQ(prshm__registry_count(), (size_t)n);
  printf(
      "RLIMIT_NOFILE %ld: %d handles open, then open and create failed with "
      "PR_PROC_DESC_TABLE_FULL_ERROR (EMFILE)\n",
      (long)rl.rlim_cur, n);
  /* Closing two handles makes room for two opens, or one whole cycle. */
  CHECK_OK(PR_CloseSharedMemory(h[--n]));
  CHECK_OK(PR_CloseSharedMemory(h[--n]));
  lim_usable(other);
  CHECK_NOT_NULL(h[n] = PR_OpenSharedMemory(name, 0, 0, 0));
  n++;
  for (i = 0; i < n; i++) CHECK_OK(PR_CloseSharedMemory(h[i]));
  CHECK_EQ(prshm__registry_count(), 0);
  CHECK(PR_OpenSharedMemory(other, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  t_cleanup();
  return 0;
}

TEST(descriptor_limit) { lim_run_child("fd_limit"); }

/* ---- Mappings ---- */

/* Attaches `shm` until attach fails (at most `bound` times); returns the
 * addresses in *out (malloc'd) and their count. */
static long lim_attach_all(PRSharedMemory *shm, long bound, void ***out) {
  void **a = malloc((size_t)bound * sizeof *a);
  long n = 0;

  CHECK_NOT_NULL(a);
  while (n < bound && (a[n] = PR_AttachSharedMemory(shm, PR_SHM_READONLY)) != NULL) n++;
  *out = a;
  return n;
}

static void lim_detach_all(PRSharedMemory *shm, void **a, long n) {
  long i;
  for (i = 0; i < n; i++) CHECK_OK(PR_DetachSharedMemory(shm, a[i]));
  free(a);
}

static long lim_max_map_count(void) {
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  long v = -1;

  if (f == NULL) return -1;
  if (fscanf(f, "%ld", &v) != 1) v = -1;
  fclose(f);
  return v;
}

/* Attaches until the attach fails, checks the error, then checks that a
 * detach makes room for another attach and that the process is usable. */
static void lim_fill_mappings(PRSharedMemory *shm, long bound, const char *what) {
  double t0 = lim_now();
  void **a;
  long n = lim_attach_all(shm, bound, &a);

  CHECK_INT(n, <, bound);
  CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
  CHECK_EQ(PR_GetOSError(), ENOMEM);
  printf(
      "%s: %ld attachments in %.3f s, then attach failed with PR_OUT_OF_MEMORY_ERROR "
      "(ENOMEM)\n",
      what, n, lim_now() - t0);
  t0 = lim_now();
  CHECK_OK(PR_DetachSharedMemory(shm, a[n - 1]));
  CHECK_OK(PR_DetachSharedMemory(shm, a[n - 2]));
  CHECK_NOT_NULL(a[n - 2] = PR_AttachSharedMemory(shm, PR_SHM_READONLY));
  /* One slot still free: enough for another handle's attachment. */
  lim_usable(t_name("maps-usable"));
  lim_detach_all(shm, a, n - 1);
  printf("  detaching all %ld took %.3f s\n", n - 1, lim_now() - t0);
}

CHILD(map_count) {
  const char *name = t_name("mapcount");
  PRSharedMemory *shm;
  long max = lim_max_map_count();

  (void)argc;
  (void)argv;
  if (max <= 0) {
    printf("no /proc/sys/vm/max_map_count\n");
    return T_SKIP_CODE;
  }
  CHECK_NOT_NULL(shm = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600));
  printf("vm.max_map_count is %ld\n", max);
  lim_fill_mappings(shm, max + 1000, "vm.max_map_count");
  CHECK_OK(PR_CloseSharedMemory(shm));
  t_cleanup();
  return 0;
}

TEST(map_count_limit) { lim_run_child("map_count"); }

#define LIM_AS_SEGMENT ((PRSize)1 << 20)
#define LIM_AS_ROOM ((rlim_t)64 << 20)

/* The address space in use now, from /proc/self/statm (in pages). */
static rlim_t lim_vm_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;

  if (f == NULL) return 0;
  if (fscanf(f, "%lu", &pages) != 1) pages = 0;
  fclose(f);
  return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
}

CHILD(address_space) {
  const char *name = t_name("aslimit");
  PRSharedMemory *shm;
  struct rlimit rl;

  (void)argc;
  (void)argv;
  CHECK_NOT_NULL(shm =
                     PR_OpenSharedMemory(name, LIM_AS_SEGMENT, PR_SHM_CREATE | PR_SHM_EXCL, 0600));
  rl.rlim_cur = rl.rlim_max = lim_vm_bytes() + LIM_AS_ROOM;
  CHECK(setrlimit(RLIMIT_AS, &rl) == 0);
  lim_fill_mappings(shm, 1000, "RLIMIT_AS of 64 MiB above use, 1 MiB segment");
  CHECK_OK(PR_CloseSharedMemory(shm));
  t_cleanup();
  return 0;
}

TEST(address_space_limit) { lim_run_child("address_space"); }

/* ---- Size ---- */

TEST(larger_than_memory) {
  const char *name = t_name("tib");
  long fds = t_open_descriptors();
  PRSharedMemory *shm;
  double t0 = lim_now();

  if (sizeof(PRSize) < 8) SKIP("a 32-bit size cannot be larger than this machine's memory");
  shm = PR_OpenSharedMemory(name, LIM_TIB, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK(shm == NULL);
  if (PR_GetError() != PR_OUT_OF_MEMORY_ERROR) CHECK_ERROR(PR_NO_DEVICE_SPACE_ERROR);
  printf("1 TiB create: %s (os error %d) in %.3f s, nothing left\n", PR_ErrorToName(PR_GetError()),
         (int)PR_GetOSError(), lim_now() - t0);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(t_open_descriptors(), fds);
  CHECK_EQ(prshm__registry_count(), 0);
  lim_usable(t_name("tib-usable"));
}

TEST(larger_than_memory_sparse) {
  const char *name = t_name("tib-sparse");
  PRSharedMemory *shm;
  PRSize size = 0;
  char *p;

  /* Sparse: created, and only the pages written take memory. */
  shm = PR_OpenSharedMemory(name, LIM_TIB, PR_SHM_CREATE | PR_SHM_EXCL | PRSHM_SPARSE, 0600);
  CHECK_NOT_NULL(shm);
  CHECK_OK(prshm_get_size(shm, &size));
  CHECK_EQ(size, LIM_TIB);
  p = PR_AttachSharedMemory(shm, 0);
  if (p != NULL) {
    p[LIM_TIB - 1] = 'z';
    CHECK_EQ(p[LIM_TIB - 1], 'z');
    CHECK_EQ(p[LIM_TIB / 2], 0);
    CHECK_OK(PR_DetachSharedMemory(shm, p));
    printf("1 TiB sparse create: created, attached, last byte written\n");
  } else {
    /* Mapping 1 TiB needs that much free address space. */
    CHECK_ERROR(PR_OUT_OF_MEMORY_ERROR);
    printf("1 TiB sparse create: created; attach refused with PR_OUT_OF_MEMORY_ERROR\n");
  }
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
}

/* ---- Count ---- */

/* The names of the count case: short, so 100,000 fit any namespace. */
static void lim_count_name(long i, char *out, size_t size) {
  snprintf(out, size, "/prshm-lim-%ld-%ld", t_pid(), i);
}

/* Whether the namespace has room for n segments of one page each. */
static int lim_room_for(long n, int *reserve) {
  const char *dir = getenv(PRSHM_DIR_ENV);
  struct statvfs vfs;

  if (statvfs(dir != NULL ? dir : "/dev/shm", &vfs) != 0) return 1; /* cannot tell: try */
  if (vfs.f_favail != 0 && vfs.f_favail < (fsfilcnt_t)n + 1000) return 0;
  /* Reserved memory (a page each) only if it takes under a quarter of the
   * free space; otherwise sparse segments, which take none. */
  *reserve = (double)vfs.f_bavail * (double)vfs.f_frsize > 4.0 * (double)n * 4096.0;
  return 1;
}

/* In the count child: where it may, a tmpfs of its own mounted on `dir`
 * (NULL: none) in a private mount namespace becomes the namespace, so that
 * a run killed half-way (a timeout, say) leaves nothing: the mount goes
 * with the child. Elsewhere the case uses the default namespace and
 * cleans up as it goes. */
static void lim_private_namespace(const char *dir) {
  if (dir == NULL || getenv(PRSHM_DIR_ENV) != NULL) return;
  if (t_private_mount("tmpfs", dir, 0, "mode=1777,size=2g,nr_inodes=200000") != 0) return;
  CHECK_EQ(setenv(PRSHM_DIR_ENV, dir, 1), 0);
}

/* Opens `count` of the names at once (as many as descriptors allow), then
 * closes them: the registry and the descriptor table at scale. */
static long lim_hold_many(long count) {
  PRSharedMemory **h = malloc((size_t)count * sizeof *h);
  char name[64];
  long n;

  CHECK_NOT_NULL(h);
  for (n = 0; n < count; n++) {
    lim_count_name(n, name, sizeof name);
    h[n] = PR_OpenSharedMemory(name, 0, 0, 0);
    if (h[n] == NULL) break;
  }
  if (n < count) CHECK_ERROR(PR_PROC_DESC_TABLE_FULL_ERROR);
  CHECK_EQ(prshm__registry_count(), (size_t)n);
  count = n;
  for (n = 0; n < count; n++) CHECK_OK(PR_CloseSharedMemory(h[n]));
  free(h);
  return count;
}

/* How many of the count case's names exist now, by the listing API. */
static long lim_listed(void) {
  char prefix[64];
  prshm_list *l = prshm_list_open();
  prshm_seginfo info;
  long n = 0;

  CHECK_NOT_NULL(l);
  snprintf(prefix, sizeof prefix, "/prshm-lim-%ld-", t_pid());
  while (prshm_list_next(l, &info) == PR_SUCCESS)
    n += strncmp(info.name, prefix, strlen(prefix)) == 0;
  prshm_list_close(l);
  return n;
}

static void lim_count_cleanup(long upto) {
  char name[64];
  long i;
  for (i = 0; i < upto; i++) {
    lim_count_name(i, name, sizeof name);
    (void)PR_DeleteSharedMemory(name);
  }
}

CHILD(count) {
  const int flags = PR_SHM_CREATE | PR_SHM_EXCL;
  struct rlimit rl;
  char name[64];
  int reserve = 1;
  long i, held, listed;
  double t0, t_create, t_hold, t_list, t_delete;
  PRSharedMemory *shm;

  lim_private_namespace(argc == 1 ? argv[0] : NULL);
  if (!lim_room_for(LIM_SEGMENTS, &reserve)) {
    printf("the namespace has fewer than %d free inodes\n", LIM_SEGMENTS + 1000);
    return T_SKIP_CODE;
  }
  /* As many descriptors as allowed, for the part that holds handles. */
  CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  rl.rlim_cur = rl.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &rl);
  CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);

  t0 = lim_now();
  for (i = 0; i < LIM_SEGMENTS; i++) {
    lim_count_name(i, name, sizeof name);
    shm = PR_OpenSharedMemory(name, 4096, flags | (reserve ? 0 : PRSHM_SPARSE), 0600);
    if (shm == NULL) {
      fprintf(stderr, "create %ld failed: %s\n", i, PR_ErrorToName(PR_GetError()));
      lim_count_cleanup(i);
      return 1;
    }
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  t_create = lim_now() - t0;

  t0 = lim_now();
  held = lim_hold_many(LIM_SEGMENTS);
  t_hold = lim_now() - t0;

  t0 = lim_now();
  listed = lim_listed();
  t_list = lim_now() - t0;
  CHECK_EQ(listed, LIM_SEGMENTS);

  t0 = lim_now();
  for (i = 0; i < LIM_SEGMENTS; i++) {
    lim_count_name(i, name, sizeof name);
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
  t_delete = lim_now() - t0;
  CHECK_EQ(lim_listed(), 0);
  lim_usable(t_name("count-usable"));

  printf(
      "%d segments (%s, 4 KiB each): create+close %.2f s (%.1f us each); "
      "%ld held open at once (RLIMIT_NOFILE %ld) %.2f s; listed in %.2f s; "
      "deleted in %.2f s (%.1f us each)\n",
      LIM_SEGMENTS, reserve ? "reserved" : "sparse: little free space", t_create,
      t_create * 1e6 / LIM_SEGMENTS, held, (long)rl.rlim_cur, t_hold, t_list, t_delete,
      t_delete * 1e6 / LIM_SEGMENTS);
  t_cleanup();
  return 0;
}

TEST(hundred_thousand_segments) {
  char dir[] = "/tmp/prshm-lim-XXXXXX";
  const char *args[] = {dir, NULL};
  int code;

  if (geteuid() != 0 || mkdtemp(dir) == NULL) {
    lim_run_child("count");
    return;
  }
  code = t_wait(t_spawn("count", args));
  (void)rmdir(dir);
  if (code == T_SKIP_CODE) SKIP("the child could not set up this limit here (see its output)");
  CHECK_EQ(code, 0);
}
