/*
 * test_api.c - every argument check and documented error of prshm.h and
 * prshm_ext.h, and the behaviour the library promises for one process:
 * names (decisions 2, 3, 4), sizes (10), modes (11), misuse of handles and
 * addresses (14), close and delete (17), native names (6).
 *
 * Every case opens its handles between api_begin() and api_end(), which
 * check that the registry is empty again and that no descriptor leaked.
 *
 * Sections: helpers; names; open flags, modes and sizes; handles; attach
 * and detach; close and delete; version and backend; native names;
 * relative names (Unix).
 */
#include <limits.h>

#include "internal.h"
#include "runner.h"

#ifndef _WIN32
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#define API_NAME_MAX 1023

/* ---- helpers ---- */

static long api_fds;

/* Records the descriptors open before the case's handles. */
static void api_begin(void) {
  CHECK_EQ(prshm__registry_count(), 0);
  api_fds = t_open_descriptors();
}

/* Every handle of the case is closed and nothing leaked. */
static void api_end(void) {
  CHECK_EQ(prshm__registry_count(), 0);
  CHECK_EQ(t_open_descriptors(), api_fds);
}

/* Creates `name` exclusively with `size` bytes and attaches it. */
static PRSharedMemory *api_create(const char *name, PRSize size, char **addr) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600);

  CHECK_NOT_NULL(shm);
  if (addr != NULL) {
    *addr = PR_AttachSharedMemory(shm, 0);
    CHECK_NOT_NULL(*addr);
  }
  return shm;
}

/* Detaches `addr` (if any) and closes `shm`, both of which must work. */
static void api_release(PRSharedMemory *shm, void *addr) {
  if (addr != NULL) CHECK_OK(PR_DetachSharedMemory(shm, addr));
  CHECK_OK(PR_CloseSharedMemory(shm));
}

/* The segment called `name` does not exist. */
static void api_check_absent(const char *name) {
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
}

/* The size a handle maps. */
static PRSize api_size(PRSharedMemory *shm) {
  PRSize size = 0;
  CHECK_OK(prshm_get_size(shm, &size));
  return size;
}

/* A fresh name of exactly `len` bytes (absolute, unique to this process),
 * in a static buffer. The caller deletes the segment if it creates one. */
static const char *api_long_name(size_t len, char tail) {
  static char buf[4096];
  const char *base = t_name("long");
  size_t blen = strlen(base);

  CHECK_INT(len, <, sizeof buf);
  CHECK_INT(len, >, blen + 1);
  memcpy(buf, base, blen);
  buf[blen] = '-';
  memset(buf + blen + 1, 'n', len - blen - 1);
  buf[len - 1] = tail;
  buf[len] = '\0';
  return buf;
}

/* The length of the mapping that starts at `addr`, from /proc/self/maps;
 * -1 where the system has no such file. */
static long api_mapped_length(const void *addr) {
#ifdef _WIN32
  /* Under wine this would read the host's maps; test_win_sizes.c checks. */
  (void)addr;
  return -1;
#else
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long long start, end;
  long len = 0;

  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "%llx-%llx", &start, &end) == 2 && start == (uintptr_t)addr)
      len = (long)(end - start);
  fclose(f);
  return len;
#endif
}

/* The handle's attachment `addr` maps `size` bytes, rounded to pages. */
static void api_check_mapped(const void *addr, PRSize size) {
  long len = api_mapped_length(addr), page = 4096;

#ifndef _WIN32
  page = sysconf(_SC_PAGESIZE);
#endif
  if (len < 0) return; /* cannot tell here */
  CHECK_EQ(len, ((long)size + page - 1) / page * page);
}

/* ---- names (names of 1 to 1023 bytes) ---- */

TEST(null_and_empty_names) {
  char buf[PRSHM_NATIVE_NAME_MAX];

  api_begin();
  CHECK(PR_OpenSharedMemory(NULL, 64, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory("", 64, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(NULL, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DeleteSharedMemory(NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DeleteSharedMemory(""), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_native_name(NULL, buf, sizeof buf), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_native_name("", buf, sizeof buf), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  api_end();
}

TEST(name_of_1023_bytes_works) {
  char native[PRSHM_NATIVE_NAME_MAX];
  const char *name = api_long_name(API_NAME_MAX, 'z');
  PRSharedMemory *a, *b;
  char *pa, *pb;

  api_begin();
  CHECK_EQ(strlen(name), API_NAME_MAX);
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  (void)PR_DeleteSharedMemory(name);
  a = api_create(name, 100, &pa);
  strcpy(pa, "long");
  b = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(b);
  pb = PR_AttachSharedMemory(b, PR_SHM_READONLY);
  CHECK_NOT_NULL(pb);
  CHECK_STR(pb, "long");
  api_release(b, pb);
  api_release(a, pa);
  CHECK_OK(PR_DeleteSharedMemory(name));
  api_check_absent(name);
  api_end();
}

TEST(name_of_1024_bytes_or_more_fails) {
  static const size_t lengths[] = {API_NAME_MAX + 1, API_NAME_MAX + 2, 2048, 4000};
  char native[PRSHM_NATIVE_NAME_MAX];
  size_t i;

  api_begin();
  for (i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
    const char *name = api_long_name(lengths[i], 'z');
    CHECK(PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, 0600) == NULL);
    CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
    CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
    CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
    CHECK_EQ(PR_DeleteSharedMemory(name), PR_FAILURE);
    CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
    CHECK_EQ(prshm_native_name(name, native, sizeof native), PR_FAILURE);
    CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
  }
  api_end();
}

TEST(names_differing_only_past_255_bytes_are_two_segments) {
  /* Both are hashed: the hash covers the whole name (the native name is an injective function of the name). */
  char first[API_NAME_MAX + 1];
  const char *second;
  PRSharedMemory *a, *b;
  char *pa, *pb;

  api_begin();
  strcpy(first, api_long_name(API_NAME_MAX, 'x'));
  second = api_long_name(API_NAME_MAX, 'y');
  (void)PR_DeleteSharedMemory(first);
  (void)PR_DeleteSharedMemory(second);
  a = api_create(first, 64, &pa);
  b = api_create(second, 64, &pb);
  pa[0] = 'a';
  CHECK_EQ(pb[0], 0);
  api_release(a, pa);
  api_release(b, pb);
  CHECK_OK(PR_DeleteSharedMemory(first));
  CHECK_OK(PR_DeleteSharedMemory(second));
  api_end();
}

/* ---- open: flags, modes, sizes (sizes on create and open; the mode is exact; misuse is an error, never a crash) ---- */

TEST(unknown_open_flags) {
  static const PRIntn flags[] = {0x4, 0x8, 0x10, 0x80, 0x200, 0x1000, 0x10000, INT_MIN, -1};
  const char *name = t_name("flags");
  size_t i;

  api_begin();
  for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    CHECK(PR_OpenSharedMemory(name, 64, flags[i] | PR_SHM_CREATE, 0600) == NULL);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
    CHECK(PR_OpenSharedMemory(name, 64, flags[i], 0600) == NULL);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  }
  /* Refused before anything was made. */
  api_check_absent(name);
  api_end();
}

TEST(mode_bits_outside_0777) {
  /* NSPR passes these into kernel flags: 01000 acts as IPC_CREAT, 04000 as
   * SHM_HUGETLB, 010000 makes read-write attaches read-only. */
  static const PRIntn modes[] = {01000, 02000, 04000, 07777, 010000, 0100000, 01600, -1, INT_MIN};
  const char *name = t_name("mode");
  PRSharedMemory *shm;
  size_t i;

  api_begin();
  for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    CHECK(PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, modes[i]) == NULL);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  }
  api_check_absent(name);
  /* The same on an existing segment: never a different meaning. */
  shm = api_create(name, 64, NULL);
  for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    CHECK(PR_OpenSharedMemory(name, 64, 0, modes[i]) == NULL);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  }
  api_release(shm, NULL);
  api_end();
}

TEST(every_mode_within_0777_is_accepted) {
  const char *name = t_name("modes");
  PRIntn mode;

  api_begin();
  for (mode = 0; mode <= 0777; mode += 0111) {
    PRSharedMemory *shm = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, mode);
    CHECK_NOT_NULL(shm);
    api_release(shm, NULL);
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
  api_end();
}

TEST(create_with_size_zero) {
  const char *name = t_name("zero");
  PRSharedMemory *shm;

  api_begin();
  CHECK(PR_OpenSharedMemory(name, 0, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(name, 0, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(name, 0, PR_SHM_CREATE | PRSHM_SPARSE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  api_check_absent(name);
  /* Even when the segment exists: the documented check needs no lookup. */
  shm = api_create(name, 64, NULL);
  CHECK(PR_OpenSharedMemory(name, 0, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  api_release(shm, NULL);
  api_end();
}

TEST(excl_on_existing) {
  const char *name = t_name("excl");
  PRSharedMemory *shm;
  char *p;

  api_begin();
  shm = api_create(name, 64, &p);
  p[0] = 'k';
  CHECK(PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_EXISTS_ERROR);
  /* The existing segment is untouched. */
  CHECK_EQ(p[0], 'k');
  api_release(shm, p);
  api_end();
}

TEST(open_missing) {
  const char *name = t_name("missing");

  api_begin();
  CHECK(PR_OpenSharedMemory(name, 64, 0, 0) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0600) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* Opening does not create. */
  api_check_absent(name);
  api_end();
}

TEST(excl_without_create_is_ignored) {
  const char *name = t_name("exclonly");
  PRSharedMemory *a, *b;
  char *pa, *pb;

  api_begin();
  /* On a missing name it opens, which fails: it does not create. */
  CHECK(PR_OpenSharedMemory(name, 64, PR_SHM_EXCL, 0600) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  a = api_create(name, 64, &pa);
  /* On an existing one it opens it, without complaining that it exists. */
  b = PR_OpenSharedMemory(name, 64, PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(b);
  pb = PR_AttachSharedMemory(b, 0);
  CHECK_NOT_NULL(pb);
  pa[0] = 'e';
  CHECK_EQ(pb[0], 'e');
  api_release(b, pb);
  api_release(a, pa);
  api_end();
}

TEST(create_opens_existing) {
  const char *name = t_name("reopen");
  PRSharedMemory *a, *b;
  char *pa, *pb;

  api_begin();
  a = api_create(name, 4096, &pa);
  strcpy(pa, "first");
  b = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(b);
  pb = PR_AttachSharedMemory(b, 0);
  CHECK_NOT_NULL(pb);
  CHECK_STR(pb, "first");
  api_release(b, pb);
  api_release(a, pa);
  api_end();
}

TEST(sizes_on_open) {
  const char *name = t_name("size");
  PRSharedMemory *a, *b;
  char *pa, *pb;

  api_begin();
  a = api_create(name, 5000, &pa);
  CHECK_EQ(api_size(a), 5000);
  pa[4999] = 'e';
  pa[99] = 'h';
  /* Larger than the segment: never a mapping past its end. */
  CHECK(PR_OpenSharedMemory(name, 5001, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(name, 8192, 0, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_OpenSharedMemory(name, 5001, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  /* Exactly its size, and 0 for all of it: the exact size, not pages. */
  b = PR_OpenSharedMemory(name, 5000, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_EQ(api_size(b), 5000);
  api_release(b, NULL);
  b = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_EQ(api_size(b), 5000);
  pb = PR_AttachSharedMemory(b, PR_SHM_READONLY);
  CHECK_NOT_NULL(pb);
  CHECK_EQ(pb[4999], 'e');
  api_check_mapped(pb, 5000);
  api_release(b, pb);
  /* Smaller maps that much, on the same memory. */
  b = PR_OpenSharedMemory(name, 100, PR_SHM_CREATE, 0600);
  CHECK_NOT_NULL(b);
  CHECK_EQ(api_size(b), 100);
  pb = PR_AttachSharedMemory(b, 0);
  CHECK_NOT_NULL(pb);
  CHECK_EQ(pb[99], 'h');
  api_check_mapped(pb, 100);
  pb[0] = 's';
  CHECK_EQ(pa[0], 's');
  api_release(b, pb);
  b = PR_OpenSharedMemory(name, 1, 0, 0);
  CHECK_NOT_NULL(b);
  CHECK_EQ(api_size(b), 1);
  api_release(b, NULL);
  api_release(a, pa);
  api_end();
}

TEST(sizes_no_address_space_can_map_are_refused) {
  static const PRSize huge[] = {PRSHM__SIZE_MAX + 1, PRSHM__SIZE_MAX + 4096, (PRSize)PTRDIFF_MAX,
                                (PRSize)PTRDIFF_MAX + 1, SIZE_MAX};
  static const int flags[] = {PR_SHM_CREATE | PR_SHM_EXCL, PR_SHM_CREATE,
                              PR_SHM_CREATE | PR_SHM_EXCL | PRSHM_SPARSE, 0};
  const char *name = t_name("toobig"), *edge = t_name("edge");
  PRSharedMemory *shm;
  size_t i, j;

  api_begin();
  /* Refused by prshm itself (no OS error), to create or to open, whether
   * or not the segment exists, and nothing is left behind. */
  for (i = 0; i < sizeof huge / sizeof huge[0]; i++) {
    for (j = 0; j < sizeof flags / sizeof flags[0]; j++) {
      CHECK(PR_OpenSharedMemory(name, huge[i], flags[j], 0600) == NULL);
      CHECK_ERROR(PR_FILE_TOO_BIG_ERROR);
      CHECK_EQ(PR_GetOSError(), 0);
    }
  }
  api_check_absent(name);
  shm = api_create(name, 64, NULL);
  for (i = 0; i < sizeof huge / sizeof huge[0]; i++) {
    CHECK(PR_OpenSharedMemory(name, huge[i], 0, 0) == NULL);
    CHECK_ERROR(PR_FILE_TOO_BIG_ERROR);
    CHECK(PR_OpenSharedMemory(name, huge[i], PR_SHM_CREATE, 0600) == NULL);
    CHECK_ERROR(PR_FILE_TOO_BIG_ERROR);
  }
  api_release(shm, NULL);
  CHECK_OK(PR_DeleteSharedMemory(name));
  /* The limit itself is the system's to judge: a sparse create of it may
   * work (a file of that size on tmpfs), or fail with the OS's reason. */
  shm =
      PR_OpenSharedMemory(edge, PRSHM__SIZE_MAX, PR_SHM_CREATE | PR_SHM_EXCL | PRSHM_SPARSE, 0600);
  if (shm == NULL) {
    CHECK(PR_GetOSError() != 0);
  } else {
    CHECK_EQ(api_size(shm), PRSHM__SIZE_MAX);
    api_release(shm, NULL);
    CHECK_OK(PR_DeleteSharedMemory(edge));
  }
  api_end();
}

TEST(created_size_is_exact_and_zeroed) {
  static const PRSize sizes[] = {1, 7, 4095, 4096, 4097, 5000, 65537};
  const char *name = t_name("exact");
  size_t i, j;

  api_begin();
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    char *p;
    PRSharedMemory *shm = api_create(name, sizes[i], &p);
    CHECK_EQ(api_size(shm), sizes[i]);
    for (j = 0; j < sizes[i]; j++) CHECK_EQ(p[j], 0);
    p[sizes[i] - 1] = 1;
    api_release(shm, p);
    CHECK_OK(PR_DeleteSharedMemory(name));
  }
  api_end();
}

TEST(sparse_flag_accepted) {
  const char *name = t_name("sparse");
  PRSharedMemory *a, *b;
  char *pa, *pb;

  api_begin();
  a = PR_OpenSharedMemory(name, 1 << 20, PR_SHM_CREATE | PR_SHM_EXCL | PRSHM_SPARSE, 0600);
  CHECK_NOT_NULL(a);
  CHECK_EQ(api_size(a), 1 << 20);
  pa = PR_AttachSharedMemory(a, 0);
  CHECK_NOT_NULL(pa);
  CHECK_EQ(pa[0], 0);
  CHECK_EQ(pa[(1 << 20) - 1], 0);
  pa[12345] = 'q';
  /* On an existing segment it is ignored. */
  b = PR_OpenSharedMemory(name, 0, PRSHM_SPARSE, 0);
  CHECK_NOT_NULL(b);
  CHECK_EQ(api_size(b), 1 << 20);
  pb = PR_AttachSharedMemory(b, PR_SHM_READONLY);
  CHECK_NOT_NULL(pb);
  CHECK_EQ(pb[12345], 'q');
  api_release(b, pb);
  b = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE | PRSHM_SPARSE, 0600);
  CHECK_NOT_NULL(b);
  CHECK_EQ(api_size(b), 64);
  api_release(b, NULL);
  api_release(a, pa);
  api_end();
}

/* ---- handles (misuse is an error, never a crash) ---- */

/* Every call that takes a handle refuses `shm`, without crashing. */
static void api_check_refused(PRSharedMemory *shm) {
  PRSize size = 12345;
  char local;

  CHECK(PR_AttachSharedMemory(shm, 0) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK(PR_AttachSharedMemory(shm, PR_SHM_READONLY) == NULL);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DetachSharedMemory(shm, &local), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DetachSharedMemory(shm, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_get_size(shm, &size), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(size, 12345);
  CHECK_EQ(PR_CloseSharedMemory(shm), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
}

/* The handle still works: its attachment reads `c` and it attaches anew. */
static void api_check_alive(PRSharedMemory *shm, const char *addr, char c) {
  char *again;

  CHECK_EQ(addr[0], c);
  again = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(again);
  CHECK_EQ(again[0], c);
  CHECK_OK(PR_DetachSharedMemory(shm, again));
}

TEST(null_handle) {
  api_begin();
  api_check_refused(NULL);
  api_end();
}

TEST(closed_and_double_closed_handle) {
  const char *name = t_name("closed");
  PRSharedMemory *shm;

  api_begin();
  shm = api_create(name, 64, NULL);
  CHECK_OK(PR_CloseSharedMemory(shm));
  api_check_refused(shm);
  CHECK_EQ(PR_CloseSharedMemory(shm), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  api_end();
}

TEST(foreign_handles) {
  /* A local struct's address, small and odd integers, and pointers that
   * look like heap memory: none is a handle, and a real one is unharmed. */
  struct {
    long words[64]; /* room enough for anything a handle might hold */
  } local;
  const char *name = t_name("foreign");
  PRSharedMemory *real;
  char *p;

  api_begin();
  memset(&local, 0xA5, sizeof local);
  real = api_create(name, 64, &p);
  p[0] = 'r';
  api_check_refused((PRSharedMemory *)(void *)&local);
  api_check_refused((PRSharedMemory *)(uintptr_t)1);
  api_check_refused((PRSharedMemory *)(uintptr_t)5);
  api_check_refused((PRSharedMemory *)(uintptr_t)0x12345);
  api_check_refused((PRSharedMemory *)(uintptr_t)0xdeadbeef);
  api_check_refused((PRSharedMemory *)UINTPTR_MAX);
  api_check_refused((PRSharedMemory *)(void *)p);
  api_check_refused((PRSharedMemory *)(uintptr_t)name);
  CHECK_EQ(local.words[0], (long)(~0UL / 255 * 0xA5));
  api_check_alive(real, p, 'r');
  api_release(real, p);
  api_end();
}

TEST(handle_with_any_one_bit_changed_is_refused) {
  const char *name = t_name("bits");
  PRSharedMemory *real;
  char *p;
  unsigned bit;

  api_begin();
  real = api_create(name, 64, &p);
  p[0] = 'b';
  for (bit = 0; bit < sizeof(uintptr_t) * 8; bit++)
    api_check_refused((PRSharedMemory *)((uintptr_t)real ^ (uintptr_t)1 << bit));
  api_check_alive(real, p, 'b');
  api_release(real, p);
  api_end();
}

/* A generator of pseudo-random pointer values, fixed seed. */
static uint64_t api_rng = 0x2545f4914f6cdd1du;

static uintptr_t api_random_word(void) {
  api_rng ^= api_rng << 13;
  api_rng ^= api_rng >> 7;
  api_rng ^= api_rng << 17;
  return (uintptr_t)api_rng;
}

TEST(random_integers_are_not_handles) {
  PRSharedMemory *real[4];
  char *p[4];
  int i, k;

  api_begin();
  for (k = 0; k < 4; k++) {
    char tag[8];
    snprintf(tag, sizeof tag, "r%d", k);
    real[k] = api_create(t_name(tag), 64, &p[k]);
    p[k][0] = (char)('0' + k);
  }
  for (i = 0; i < 20000; i++) {
    uintptr_t w = api_random_word();
    PRSize size;
    /* Small words too, and words that keep the low bits of a real one. */
    if (i % 3 == 1) w &= 0xffff;
    if (i % 3 == 2) w = (w & ~(uintptr_t)0xff) | ((uintptr_t)real[i % 4] & 0xff);
    for (k = 0; k < 4; k++)
      if (w == (uintptr_t)real[k]) w ^= 0x100;
    CHECK_EQ(prshm_get_size((PRSharedMemory *)w, &size), PR_FAILURE);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
    CHECK(PR_AttachSharedMemory((PRSharedMemory *)w, 0) == NULL);
    CHECK_EQ(PR_CloseSharedMemory((PRSharedMemory *)w), PR_FAILURE);
  }
  for (k = 0; k < 4; k++) {
    api_check_alive(real[k], p[k], (char)('0' + k));
    api_release(real[k], p[k]);
  }
  api_end();
}

TEST(stale_handle_never_reaches_the_new_one) {
  const char *one = t_name("stale1"), *two = t_name("stale2");
  PRSharedMemory *old, *fresh;
  char *p;
  int round;

  api_begin();
  for (round = 0; round < 100; round++) {
    old = api_create(one, 64, NULL);
    CHECK_OK(PR_CloseSharedMemory(old));
    /* The next handle may well reuse the slot the old one had. */
    fresh = api_create(two, 64, &p);
    p[0] = 'f';
    api_check_refused(old);
    api_check_alive(fresh, p, 'f');
    CHECK_EQ(api_size(fresh), 64);
    api_release(fresh, p);
    CHECK_OK(PR_DeleteSharedMemory(one));
    CHECK_OK(PR_DeleteSharedMemory(two));
  }
  api_end();
}

TEST(closed_handle_never_valid_again) {
  /* More open/close cycles through one slot than a 32-bit build's token
   * has generations (4,096): the first handle's token must never come
   * back, or a close through a stale copy would close a live handle. */
  const char *name = t_name("cycles");
  PRSharedMemory *first, *shm;
  int round;

  api_begin();
  first = api_create(name, 64, NULL);
  CHECK_OK(PR_CloseSharedMemory(first));
  for (round = 0; round < 5000; round++) {
    shm = PR_OpenSharedMemory(name, 0, 0, 0);
    CHECK_NOT_NULL(shm);
    CHECK(shm != first);
    CHECK_EQ(PR_CloseSharedMemory(first), PR_FAILURE);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
    CHECK_EQ(api_size(shm), 64);
    CHECK_OK(PR_CloseSharedMemory(shm));
  }
  CHECK_OK(PR_DeleteSharedMemory(name));
  api_end();
}

TEST(slot_retires_after_its_last_generation) {
  /* On 64-bit a slot has 2^32 generations; the registry is told to start
   * a new slot two short of the end, as if it had cycled that long. */
  const uintptr_t last = sizeof(uintptr_t) >= 8 ? (uintptr_t)0xffffffffu : (uintptr_t)4095;
  const char *name = t_name("retire");
  PRSharedMemory *seen[3], *shm;
  int i, j;

  prshm__registry_test_limits(last - 1, 0, 0);
  api_begin();
  CHECK_OK(PR_CloseSharedMemory(api_create(name, 64, NULL)));
  for (i = 0; i < 3; i++) {
    seen[i] = PR_OpenSharedMemory(name, 0, 0, 0);
    CHECK_NOT_NULL(seen[i]);
    for (j = 0; j < i; j++) {
      CHECK(seen[i] != seen[j]);
      CHECK_EQ(PR_CloseSharedMemory(seen[j]), PR_FAILURE);
      CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
    }
    CHECK_OK(PR_CloseSharedMemory(seen[i]));
  }
  /* The first slot retired; a fresh one serves, and old tokens stay dead. */
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  for (j = 0; j < 3; j++) CHECK(shm != seen[j]);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK_OK(PR_DeleteSharedMemory(name));
  api_end();
}

TEST(token_space_used_up_fails_cleanly) {
  /* Two slots of one generation each: the third open has no token that
   * was never used, and fails without leaking the segment's descriptor. */
  const char *name = t_name("tokens");
  PRSharedMemory *shm;

  prshm__registry_test_limits(1, 1, 2);
  api_begin();
  CHECK_OK(PR_CloseSharedMemory(api_create(name, 64, NULL)));
  shm = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  CHECK_OK(PR_CloseSharedMemory(shm));
  CHECK(PR_OpenSharedMemory(name, 0, 0, 0) == NULL);
  CHECK_ERROR(PR_INSUFFICIENT_RESOURCES_ERROR);
  CHECK(PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_INSUFFICIENT_RESOURCES_ERROR);
  CHECK_OK(PR_DeleteSharedMemory(name));
  api_end();
}

TEST(leftover_of_closed_handle_is_not_the_new_handles) {
  /* A closed handle's attachment stays mapped; a handle opened after it,
   * perhaps in the same slot, never takes it for its own. */
  const char *one = t_name("left1"), *two = t_name("left2");
  PRSharedMemory *old, *fresh;
  char *po, *pf;

  api_begin();
  old = api_create(one, 64, &po);
  po[0] = 'o';
  CHECK_OK(PR_CloseSharedMemory(old));
  fresh = api_create(two, 64, &pf);
  CHECK_EQ(PR_DetachSharedMemory(fresh, po), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DetachSharedMemory(old, po), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(po[0], 'o');
  api_release(fresh, pf);
  api_end();
}

TEST(get_size_null_pointer) {
  const char *name = t_name("getsize");
  PRSharedMemory *shm;

  api_begin();
  shm = api_create(name, 64, NULL);
  CHECK_EQ(prshm_get_size(shm, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_get_size(NULL, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(api_size(shm), 64);
  api_release(shm, NULL);
  api_end();
}

/* ---- attach and detach (misuse is an error, never a crash) ---- */

TEST(attach_flags_other_than_readonly) {
  static const PRIntn flags[] = {0x2, 0x4, 0x3, 0x80, 0x100, 0x10000, INT_MIN, -1};
  const char *name = t_name("aflags");
  PRSharedMemory *shm;
  size_t i;

  api_begin();
  shm = api_create(name, 64, NULL);
  for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    CHECK(PR_AttachSharedMemory(shm, flags[i]) == NULL);
    CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  }
  api_release(shm, NULL);
  api_end();
}

TEST(attach_twice_two_addresses_same_memory) {
  const char *name = t_name("twice");
  PRSharedMemory *shm;
  char *a, *b, *ro;

  api_begin();
  shm = api_create(name, 4096, &a);
  b = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(b);
  ro = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(ro);
  CHECK(a != b && b != ro && a != ro);
  strcpy(a, "via a");
  CHECK_STR(b, "via a");
  CHECK_STR(ro, "via a");
  strcpy(b + 100, "via b");
  CHECK_STR(a + 100, "via b");
  /* Detaching one leaves the others. */
  CHECK_OK(PR_DetachSharedMemory(shm, a));
  CHECK_STR(b, "via a");
  CHECK_STR(ro + 100, "via b");
  CHECK_OK(PR_DetachSharedMemory(shm, ro));
  api_release(shm, b);
  api_end();
}

TEST(detach_of_address_not_attached_by_this_handle) {
  const char *name = t_name("detach");
  PRSharedMemory *a, *b;
  char *pa, *pb, local[8];

  api_begin();
  a = api_create(name, 4096, &pa);
  b = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(b);
  pb = PR_AttachSharedMemory(b, 0);
  CHECK_NOT_NULL(pb);
  pa[0] = 'a';
  /* Another handle's address, on the same segment. */
  CHECK_EQ(PR_DetachSharedMemory(b, pa), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DetachSharedMemory(a, pb), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  /* NULL, an address inside the attachment, one that is not mapped. */
  CHECK_EQ(PR_DetachSharedMemory(a, NULL), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DetachSharedMemory(a, pa + 1), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DetachSharedMemory(a, pa + 4096), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(PR_DetachSharedMemory(a, local), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  /* Both real attachments still work, and still detach. */
  pa[1] = 'A';
  CHECK_EQ(pb[0], 'a');
  CHECK_EQ(pb[1], 'A');
  pb[2] = 'B';
  CHECK_EQ(pa[2], 'B');
  api_release(b, pb);
  CHECK_EQ(pa[2], 'B');
  api_release(a, pa);
  api_end();
}

TEST(detach_twice) {
  const char *name = t_name("detach2");
  PRSharedMemory *shm;
  char *p, *q;

  api_begin();
  shm = api_create(name, 64, &p);
  q = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(q);
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_EQ(PR_DetachSharedMemory(shm, p), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  q[0] = 'q';
  CHECK_EQ(q[0], 'q');
  api_release(shm, q);
  api_end();
}

TEST(same_address_attached_again_detaches_once_per_attach) {
  /* After a detach the system may hand the same address out again: the
   * new attachment is then detachable once, not twice. */
  const char *name = t_name("reuse");
  PRSharedMemory *shm;
  char *p, *q;
  int round;

  api_begin();
  shm = api_create(name, 64, &p);
  for (round = 0; round < 20; round++) {
    CHECK_OK(PR_DetachSharedMemory(shm, p));
    q = PR_AttachSharedMemory(shm, 0);
    CHECK_NOT_NULL(q);
    p = q;
  }
  CHECK_OK(PR_DetachSharedMemory(shm, p));
  CHECK_EQ(PR_DetachSharedMemory(shm, p), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  api_release(shm, NULL);
  api_end();
}

TEST(readonly_attach_reads) {
  const char *name = t_name("roread");
  PRSharedMemory *shm;
  char *rw, *ro;

  api_begin();
  shm = api_create(name, 64, &rw);
  ro = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(ro);
  strcpy(rw, "seen");
  CHECK_STR(ro, "seen");
  CHECK_OK(PR_DetachSharedMemory(shm, ro));
  api_release(shm, rw);
  api_end();
}

/* Attaches read-only, reads, then writes: the write must kill it. */
CHILD(write_readonly) {
  PRSharedMemory *shm;
  volatile char *p;

  if (argc != 1) return 2;
  shm = PR_OpenSharedMemory(argv[0], 0, 0, 0);
  if (shm == NULL) return 3;
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  if (p == NULL) return 4;
  if (p[0] != 'r') return 5;
    /* Die of the signal itself, not of a sanitizer's report of it. */
#ifndef _WIN32
  (void)signal(SIGSEGV, SIG_DFL);
  (void)signal(SIGBUS, SIG_DFL);
#endif
  p[0] = 'w';
  return 0; /* the write went through: the attachment was writable */
}

TEST(readonly_attach_faults_on_write) {
#ifdef _WIN32
  SKIP("Unix signals; the Windows tests check access violations");
#else
  const char *name = t_name("rowrite");
  const char *args[] = {name, NULL};
  PRSharedMemory *shm;
  char *p;

  api_begin();
  shm = api_create(name, 64, &p);
  p[0] = 'r';
  CHECK_EQ(t_wait(t_spawn("write_readonly", args)), 128 + SIGSEGV);
  CHECK_EQ(p[0], 'r');
  api_release(shm, p);
  api_end();
#endif
}

/* ---- close and delete (close leaves attachments; delete removes the name at once) ---- */

TEST(close_leaves_attachments_mapped) {
  const char *name = t_name("closemap");
  PRSharedMemory *shm, *again;
  char *p, *ro, *q;

  api_begin();
  shm = api_create(name, 8192, &p);
  ro = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  CHECK_NOT_NULL(ro);
  strcpy(p, "before close");
  CHECK_OK(PR_CloseSharedMemory(shm));
  /* Still mapped, readable and writable, and still the segment. */
  CHECK_STR(p, "before close");
  CHECK_STR(ro, "before close");
  p[8191] = 'z';
  CHECK_EQ(ro[8191], 'z');
  again = PR_OpenSharedMemory(name, 0, 0, 0);
  CHECK_NOT_NULL(again);
  q = PR_AttachSharedMemory(again, 0);
  CHECK_NOT_NULL(q);
  CHECK_STR(q, "before close");
  strcpy(q, "after close");
  CHECK_STR(p, "after close");
  /* The closed handle cannot detach them: they stay until exit. */
  CHECK_EQ(PR_DetachSharedMemory(shm, p), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  api_release(again, q);
  CHECK_STR(ro, "after close");
  api_end();
}

TEST(delete_keeps_attachments_and_next_create_is_fresh) {
  const char *name = t_name("delete");
  PRSharedMemory *old, *fresh;
  char *po, *pf, *again;

#ifdef _WIN32
  SKIP("the name stays taken while the deleted segment is held: test_win_lifetime.c");
#endif
  api_begin();
  old = api_create(name, 4096, &po);
  strcpy(po, "old memory");
  CHECK_OK(PR_DeleteSharedMemory(name));
  /* The name is gone at once. */
  api_check_absent(name);
  CHECK_EQ(PR_DeleteSharedMemory(name), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* The attachment and the handle keep working on the old memory. */
  CHECK_STR(po, "old memory");
  po[100] = 'x';
  again = PR_AttachSharedMemory(old, 0);
  CHECK_NOT_NULL(again);
  CHECK_STR(again, "old memory");
  CHECK_EQ(again[100], 'x');
  CHECK_EQ(api_size(old), 4096);
  /* A new create gets fresh zeroed memory, apart from the old. */
  fresh = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(fresh);
  pf = PR_AttachSharedMemory(fresh, 0);
  CHECK_NOT_NULL(pf);
  CHECK_EQ(pf[0], 0);
  CHECK_EQ(pf[100], 0);
  strcpy(pf, "new memory");
  CHECK_STR(po, "old memory");
  CHECK_OK(PR_DetachSharedMemory(old, again));
  api_release(old, po);
  api_release(fresh, pf);
  CHECK_OK(PR_DeleteSharedMemory(name));
  api_end();
}

TEST(delete_missing_changes_nothing) {
  const char *name = t_name("delmiss"), *other = t_name("delother");
  PRSharedMemory *shm;
  char *p;

  api_begin();
  shm = api_create(other, 64, &p);
  p[0] = 'o';
  CHECK_EQ(PR_DeleteSharedMemory(name), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* Nothing was made under the name (NSPR leaves a file there). */
  api_check_absent(name);
  CHECK_EQ(PR_DeleteSharedMemory(name), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  api_release(shm, p);
  shm = PR_OpenSharedMemory(other, 0, 0, 0);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_EQ(p[0], 'o');
  api_release(shm, p);
  api_end();
}

TEST(many_handles_open_and_close_leave_nothing) {
  const char *name = t_name("many");
  PRSharedMemory *h[200];
  void *p[200];
  int i;

  api_begin();
  for (i = 0; i < 200; i++) {
    h[i] = PR_OpenSharedMemory(name, 64, PR_SHM_CREATE, 0600);
    CHECK_NOT_NULL(h[i]);
    p[i] = PR_AttachSharedMemory(h[i], 0);
    CHECK_NOT_NULL(p[i]);
  }
  CHECK_EQ(prshm__registry_count(), 200);
  /* Close in an order unlike the opening one. */
  for (i = 0; i < 200; i += 2) api_release(h[i], p[i]);
  for (i = 199; i > 0; i -= 2) api_release(h[i], p[i]);
  api_end();
}

/* ---- version and backend (prshm_ext.h) ---- */

TEST(version_and_backend) {
  const char *backend = prshm_backend_name();

  CHECK_STR(prshm_version(), PRSHM_VERSION);
  CHECK_NOT_NULL(backend);
  CHECK(strcmp(backend, "linux") == 0 || strcmp(backend, "posix") == 0 ||
        strcmp(backend, "win32") == 0);
}

/* ---- native names (the native name is an injective function of the name; segments are ordinary objects of the system) ---- */

TEST(native_name_buffer) {
  const char *name = t_name("native");
  char full[PRSHM_NATIVE_NAME_MAX], small[PRSHM_NATIVE_NAME_MAX];
  size_t len;

  api_begin();
  CHECK_OK(prshm_native_name(name, full, sizeof full));
  len = strlen(full);
  CHECK_INT(len, >, 0);
  /* Exactly enough room, then one byte less, then none. */
  memset(small, 'x', sizeof small);
  CHECK_OK(prshm_native_name(name, small, len + 1));
  CHECK_STR(small, full);
  CHECK_EQ(prshm_native_name(name, small, len), PR_FAILURE);
  CHECK_ERROR(PR_BUFFER_OVERFLOW_ERROR);
  CHECK_EQ(prshm_native_name(name, small, 1), PR_FAILURE);
  CHECK_ERROR(PR_BUFFER_OVERFLOW_ERROR);
  /* No room at all is documented as a bad argument, and writes nothing. */
  memset(small, 'x', sizeof small);
  CHECK_EQ(prshm_native_name(name, small, 0), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(small[0], 'x');
  CHECK_EQ(prshm_native_name(name, NULL, sizeof full), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  CHECK_EQ(prshm_native_name(name, NULL, 0), PR_FAILURE);
  CHECK_ERROR(PR_INVALID_ARGUMENT_ERROR);
  /* The segment need not exist, and asking does not create it. */
  api_check_absent(name);
  api_end();
}

TEST(native_name_forms) {
  char a[PRSHM_NATIVE_NAME_MAX], b[PRSHM_NATIVE_NAME_MAX];
  const char *longest = api_long_name(API_NAME_MAX, 'q');

  api_begin();
  if (getenv(PRSHM_DIR_ENV) != NULL) SKIP("PRSHM_DIR set: native names are paths");
  if (strcmp(prshm_backend_name(), "win32") == 0) SKIP("Unix native names");
  /* prshm_ext.h's example: readable and reversible where it fits. */
  CHECK_OK(prshm_native_name("/srv/app/state", a, sizeof a));
  CHECK_STR(a, "/prshm.srv+app+state");
  /* Equivalent spellings, one name. */
  CHECK_OK(prshm_native_name("//srv/./app//state/", b, sizeof b));
  CHECK_STR(b, a);
  CHECK_OK(prshm_native_name("/srv/x/../app/state", b, sizeof b));
  CHECK_STR(b, a);
  /* Too long to read: a hash, of the fixed length. */
  CHECK_OK(prshm_native_name(longest, a, sizeof a));
  CHECK(strncmp(a, "/prshm-", 7) == 0);
  CHECK_EQ(strlen(a), 1 + 28);
  CHECK(strchr(a + 1, '/') == NULL);
  api_end();
}

TEST(native_name_never_leaves_the_namespace) {
  static const char *const hostile[] = {"/../../etc/passwd",
                                        "../../../../../../dev/shm/../../etc/shadow",
                                        "/a\\..\\..\\b",
                                        "/%2F..%2F..%2Fetc",
                                        "/.prshm-tmp-1-2",
                                        "/prshm.x",
                                        "/prshm-AAAAAAAAAAAAAAAAAAAAAA",
                                        "/..",
                                        "/.",
                                        "/",
                                        "\\",
                                        ".."};
  char native[PRSHM_NATIVE_NAME_MAX];
  size_t i;

  api_begin();
  if (getenv(PRSHM_DIR_ENV) != NULL) SKIP("PRSHM_DIR set: native names are paths");
  if (strcmp(prshm_backend_name(), "win32") == 0) SKIP("Unix native names");
  for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    CHECK_OK(prshm_native_name(hostile[i], native, sizeof native));
    /* "/" + key: one '/', first, and a key that cannot climb. */
    if (native[0] != '/' || strchr(native + 1, '/') != NULL || strchr(native, '\\') != NULL ||
        strncmp(native + 1, "prshm", 5) != 0 || strcmp(native + 1, "..") == 0)
      t_fail(__FILE__, __LINE__, "\"%s\" -> %s", hostile[i], native);
  }
  api_end();
}

TEST(native_name_opens_the_segment) {
#ifdef _WIN32
  SKIP("shm_open() is Unix");
#else
  const char *name = t_name("nativeopen");
  char native[PRSHM_NATIVE_NAME_MAX];
  PRSharedMemory *shm;
  char *p, *q;
  int fd;

  api_begin();
  shm = api_create(name, 4096, &p);
  strcpy(p, "native");
  CHECK_OK(prshm_native_name(name, native, sizeof native));
  if (getenv(PRSHM_DIR_ENV) != NULL)
    fd = open(native, O_RDWR | O_CLOEXEC);
  else
    fd = shm_open(native, O_RDWR, 0);
  CHECK_INT(fd, >=, 0);
  q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(q != MAP_FAILED);
  CHECK_EQ(close(fd), 0);
  CHECK_STR(q, "native");
  strcpy(q, "back");
  CHECK_STR(p, "back");
  CHECK_EQ(munmap(q, 4096), 0);
  api_release(shm, p);
  api_end();
#endif
}

/* ---- relative names (relative names resolve against the current directory), Unix ---- */

#ifndef _WIN32

#define API_DIR_SIZE 512

/* Makes a fresh directory under /tmp and enters it; its path, as the
 * system spells it (as getcwd() gives it, /tmp being perhaps a link), in
 * `dir` (API_DIR_SIZE bytes). */
static void api_mkdtemp(char *dir) {
  strcpy(dir, "/tmp/prshm-apitests-XXXXXX");
  CHECK_NOT_NULL(mkdtemp(dir));
  CHECK_EQ(chdir(dir), 0);
  CHECK_NOT_NULL(getcwd(dir, API_DIR_SIZE));
}

/* The native names of `a` and `b`, resolved now, are (not) the same. */
static void api_check_same_native(const char *a, const char *b, int same) {
  char na[PRSHM_NATIVE_NAME_MAX], nb[PRSHM_NATIVE_NAME_MAX];

  CHECK_OK(prshm_native_name(a, na, sizeof na));
  CHECK_OK(prshm_native_name(b, nb, sizeof nb));
  if ((strcmp(na, nb) == 0) != same)
    t_fail(__FILE__, __LINE__, "\"%s\" -> %s and \"%s\" -> %s", a, na, b, nb);
}

static void api_relative_spellings(void) {
  char dir[API_DIR_SIZE], abs[API_DIR_SIZE + 64], tag[64];
  PRSharedMemory *a, *b, *c;
  char *pa, *pb, *pc;

  api_mkdtemp(dir);
  snprintf(tag, sizeof tag, "rel-%ld/b", t_pid());
  snprintf(abs, sizeof abs, "%s/%s", dir, tag);
  a = PR_OpenSharedMemory(tag, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(a);
  pa = PR_AttachSharedMemory(a, 0);
  CHECK_NOT_NULL(pa);
  pa[0] = 'r';
  /* "rel-N//b", "rel-N/./b" and the absolute path are the same segment. */
  snprintf(tag, sizeof tag, "rel-%ld//b", t_pid());
  b = PR_OpenSharedMemory(tag, 0, 0, 0);
  CHECK_NOT_NULL(b);
  pb = PR_AttachSharedMemory(b, 0);
  CHECK_NOT_NULL(pb);
  snprintf(tag, sizeof tag, "./rel-%ld/./b", t_pid());
  c = PR_OpenSharedMemory(tag, 0, 0, 0);
  CHECK_NOT_NULL(c);
  pc = PR_AttachSharedMemory(c, 0);
  CHECK_NOT_NULL(pc);
  CHECK_EQ(pb[0], 'r');
  CHECK_EQ(pc[0], 'r');
  api_check_same_native(tag, abs, 1);
  api_release(b, pb);
  api_release(c, pc);
  api_release(a, pa);
  CHECK_OK(PR_DeleteSharedMemory(abs));
  api_check_absent(tag);
  /* The name is a key, not a file (a name is a key, never a file): nothing was made in dir. */
  CHECK_EQ(rmdir(dir), 0);
}

static void api_name_is_not_a_file(void) {
  char dir[API_DIR_SIZE], content[16];
  PRSharedMemory *shm;
  char *p;
  FILE *f;

  api_mkdtemp(dir);
  f = fopen("plain", "w");
  CHECK_NOT_NULL(f);
  CHECK_INT(fputs("file", f), >=, 0);
  CHECK_EQ(fclose(f), 0);
  CHECK_EQ(symlink("plain", "link"), 0);
  /* Segments under the names of a file and of a link to it. */
  shm = PR_OpenSharedMemory("plain", 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  p = PR_AttachSharedMemory(shm, 0);
  CHECK_NOT_NULL(p);
  CHECK_EQ(p[0], 0);
  strcpy(p, "segment");
  api_release(shm, p);
  shm = PR_OpenSharedMemory("link", 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(shm);
  api_release(shm, NULL);
  CHECK_OK(PR_DeleteSharedMemory("plain"));
  CHECK_OK(PR_DeleteSharedMemory("link"));
  /* The file and the link are as they were. */
  f = fopen("link", "r");
  CHECK_NOT_NULL(f);
  memset(content, 0, sizeof content);
  CHECK_EQ(fread(content, 1, sizeof content - 1, f), 4);
  CHECK_EQ(fclose(f), 0);
  CHECK_STR(content, "file");
  CHECK_EQ(unlink("link"), 0);
  CHECK_EQ(unlink("plain"), 0);
  /* Deleting never touches a file either. */
  CHECK_EQ(PR_DeleteSharedMemory("plain"), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(chdir("/"), 0);
  CHECK_EQ(rmdir(dir), 0);
}

static void api_relative_two_directories(void) {
  char one[API_DIR_SIZE], two[API_DIR_SIZE], tag[64];
  char abs1[API_DIR_SIZE + 64], abs2[API_DIR_SIZE + 64];
  PRSharedMemory *a, *b;
  char *pa, *pb;

  api_mkdtemp(one);
  api_mkdtemp(two);
  snprintf(tag, sizeof tag, "x-%ld", t_pid());
  snprintf(abs1, sizeof abs1, "%s/%s", one, tag);
  snprintf(abs2, sizeof abs2, "%s/%s", two, tag);
  CHECK_EQ(chdir(one), 0);
  a = PR_OpenSharedMemory(tag, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(a);
  pa = PR_AttachSharedMemory(a, 0);
  CHECK_NOT_NULL(pa);
  pa[0] = '1';
  CHECK_EQ(chdir(two), 0);
  /* The same spelling elsewhere is another segment: EXCL succeeds. */
  b = PR_OpenSharedMemory(tag, 64, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  CHECK_NOT_NULL(b);
  pb = PR_AttachSharedMemory(b, 0);
  CHECK_NOT_NULL(pb);
  CHECK_EQ(pb[0], 0);
  pb[0] = '2';
  CHECK_EQ(pa[0], '1');
  api_check_same_native(tag, abs2, 1);
  api_check_same_native(tag, abs1, 0);
  /* The handle keeps its segment whatever the directory is now. */
  CHECK_OK(PR_DeleteSharedMemory(tag));
  api_check_absent(abs2);
  CHECK_EQ(chdir(one), 0);
  CHECK_OK(PR_DeleteSharedMemory(tag));
  api_check_absent(abs1);
  api_release(a, pa);
  api_release(b, pb);
  CHECK_EQ(rmdir(one), 0);
  CHECK_EQ(rmdir(two), 0);
}

static void api_relative_dotdot(void) {
  char dir[API_DIR_SIZE], parent[API_DIR_SIZE], sub[API_DIR_SIZE + 8], link[API_DIR_SIZE + 16];
  char abs[API_DIR_SIZE + 32];
  char *slash;

  api_mkdtemp(dir);
  strcpy(parent, dir);
  slash = strrchr(parent, '/');
  CHECK_NOT_NULL(slash);
  *slash = '\0';
  snprintf(sub, sizeof sub, "%s/sub", dir);
  CHECK_EQ(mkdir(sub, 0700), 0);
  CHECK_EQ(chdir(sub), 0);
  /* "../q" from dir/sub is dir/q; "../../q" is the parent's q. */
  snprintf(abs, sizeof abs, "%s/q", dir);
  api_check_same_native("../q", abs, 1);
  snprintf(abs, sizeof abs, "%s/q", parent[0] != '\0' ? parent : "");
  api_check_same_native("../../q", abs, 1);
  /* Lexical: a missing directory, and a symbolic link to "/", are just
   * components that ".." removes, whatever the filesystem holds. */
  snprintf(link, sizeof link, "%s/up", sub);
  CHECK_EQ(symlink("/", link), 0);
  snprintf(abs, sizeof abs, "%s/q", sub);
  api_check_same_native("up/../q", abs, 1);
  api_check_same_native("nowhere/../q", abs, 1);
  api_check_same_native("up/../q", "/q", 0);
  /* Far above the root stays at the root. */
  api_check_same_native("../../../../../../../../../../q", "/q", 1);
  CHECK_EQ(unlink(link), 0);
  CHECK_EQ(chdir("/"), 0);
  CHECK_EQ(rmdir(sub), 0);
  CHECK_EQ(rmdir(dir), 0);
}

static void api_relative_removed_directory(void) {
  char dir[API_DIR_SIZE], native[PRSHM_NATIVE_NAME_MAX];

  api_mkdtemp(dir);
  CHECK_EQ(rmdir(dir), 0);
  CHECK(PR_OpenSharedMemory("gone", 64, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(PR_DeleteSharedMemory("gone"), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  CHECK_EQ(prshm_native_name("gone", native, sizeof native), PR_FAILURE);
  CHECK_ERROR(PR_FILE_NOT_FOUND_ERROR);
  /* Absolute names do not need the directory. */
  CHECK_OK(prshm_native_name("/gone", native, sizeof native));
  CHECK_EQ(chdir("/"), 0);
}

/* Depth and component length of a directory longer than a path may be. */
#define API_DEEP_LEVELS 24
#define API_DEEP_COMPONENT 200

static void api_relative_too_deep(void) {
  char dir[API_DIR_SIZE], component[API_DEEP_COMPONENT + 1], native[PRSHM_NATIVE_NAME_MAX];
  int level;

  api_mkdtemp(dir);
  memset(component, 'd', API_DEEP_COMPONENT);
  component[API_DEEP_COMPONENT] = '\0';
  /* Relative steps: the whole path exceeds PATH_MAX, each step does not. */
  for (level = 0; level < API_DEEP_LEVELS; level++) {
    CHECK_EQ(mkdir(component, 0700), 0);
    CHECK_EQ(chdir(component), 0);
  }
  CHECK(PR_OpenSharedMemory("deep", 64, PR_SHM_CREATE, 0600) == NULL);
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
  CHECK_EQ(PR_DeleteSharedMemory("deep"), PR_FAILURE);
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
  CHECK_EQ(prshm_native_name("deep", native, sizeof native), PR_FAILURE);
  CHECK_ERROR(PR_NAME_TOO_LONG_ERROR);
  /* Absolute names do not depend on the directory. */
  CHECK_OK(prshm_native_name("/deep", native, sizeof native));
  for (level = 0; level < API_DEEP_LEVELS; level++) {
    CHECK_EQ(chdir(".."), 0);
    CHECK_EQ(rmdir(component), 0);
  }
  CHECK_EQ(chdir("/"), 0);
  CHECK_EQ(rmdir(dir), 0);
}

#define API_UNIX(fn) fn()
#else
#define API_UNIX(fn) SKIP("chdir() and mkdtemp() are Unix")
#endif

TEST(relative_spellings_are_one_segment) {
  api_begin();
  API_UNIX(api_relative_spellings);
  api_end();
}

TEST(name_is_not_a_file) {
  api_begin();
  API_UNIX(api_name_is_not_a_file);
  api_end();
}

TEST(relative_name_in_two_directories_is_two_segments) {
  api_begin();
  API_UNIX(api_relative_two_directories);
  api_end();
}

TEST(relative_dotdot_resolves_lexically) {
  api_begin();
  API_UNIX(api_relative_dotdot);
  api_end();
}

TEST(relative_name_in_removed_directory) {
  api_begin();
  API_UNIX(api_relative_removed_directory);
  api_end();
}

TEST(relative_name_in_too_deep_directory) {
  api_begin();
  API_UNIX(api_relative_too_deep);
  api_end();
}
