/*
 * memlimit.c (Unix) - how much more can be reserved for a segment: the
 * free space of its file system, and the memory the machine and the
 * process's memory cgroups leave, so that reserving a segment fails with
 * an error code instead of waking the kernel's OOM killer.
 *
 * Reserving a segment charges its pages to the creator's memory cgroup.
 * When a charge passes the cgroup's limit, the kernel reclaims what it can
 * and then, where nothing more can be reclaimed, kills a process of the
 * cgroup: fallocate() never sees an error. So before each step of a
 * reservation, prshm compares the step with the room left: for the
 * process's cgroup and each of its ancestors, the limit less the usage,
 * plus the file cache charged there (which reclaim can give back), the
 * smallest of them. Where nothing is known (no cgroups, no limit, files
 * that cannot be read) there is no limit to respect.
 *
 * Both cgroup versions are read: version 2's memory.max, memory.current and
 * memory.stat, and version 1's memory.limit_in_bytes, memory.usage_in_bytes
 * and memory.stat. Where the cgroup file systems are mounted is read from
 * /proc/self/mountinfo, and the process's cgroup from /proc/self/cgroup,
 * once per process; the numbers at every call.
 *
 * The machine's own room is MemAvailable and SwapFree of /proc/meminfo; the
 * file system's, fstatvfs()'s available blocks.
 *
 * Sections: reading small files; finding the cgroup; the room; elsewhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "unix.h"

#if defined(__linux__)

/* What cgroup limits mean "none" (version 1 writes the largest page
 * multiple of a signed 64-bit number). */
#define MEMLIMIT_NONE ((PRUint64)1 << 62)

/* Where this process's memory cgroup is; found once per process. */
typedef struct memlimit_where {
  int version;         /* 2 or 1; 0 when there is none to read */
  char root[PATH_MAX]; /* the mount point of the cgroup file system */
  size_t root_len;     /* strlen(root) */
  char dir[PATH_MAX];  /* root + the process's cgroup: the innermost */
} memlimit_where;

static memlimit_where memlimit_at;
static prshm__once memlimit_once = PRSHM__ONCE_INIT;

/* ------------------------------------------------------------------------
 * Reading small files.
 */

/* Reads the file at `path` into buf (NUL-terminated); its length, or -1. */
static long memlimit_read(const char *path, char *buf, size_t size) {
  long n = 0;
  ssize_t r;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0) return -1;
  while (n < (long)size - 1 && (r = read(fd, buf + n, size - 1 - (size_t)n)) != 0) {
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      n = -1;
      break;
    }
    n += r;
  }
  (void)close(fd);
  if (n >= 0) buf[n] = '\0';
  return n;
}

/* The number in the file dir/name ("max" is none); 0, or -1. */
static int memlimit_number(const char *dir, const char *name, PRUint64 *out) {
  char path[PATH_MAX + 64], buf[64], *end;

  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
      memlimit_read(path, buf, sizeof buf) <= 0)
    return -1;
  if (strncmp(buf, "max", 3) == 0) {
    *out = MEMLIMIT_NONE;
    return 0;
  }
  errno = 0;
  *out = strtoull(buf, &end, 10);
  return errno == 0 && end != buf ? 0 : -1;
}

/* The file cache charged to the cgroup at dir: active and inactive file
 * pages in its memory.stat (tmpfs pages are not among them). 0 if it
 * cannot be read. */
static PRUint64 memlimit_file_cache(const char *dir) {
  static const char *const keys[] = {"active_file ", "inactive_file "};
  char path[PATH_MAX + 64], buf[8192];
  PRUint64 total = 0;
  size_t i;

  if ((size_t)snprintf(path, sizeof path, "%s/memory.stat", dir) >= sizeof path ||
      memlimit_read(path, buf, sizeof buf) <= 0)
    return 0;
  for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *at = buf;
    /* A key at the start of a line; version 1 also has total_ forms. */
    while ((at = strstr(at, keys[i])) != NULL && at != buf && at[-1] != '\n') at++;
    if (at != NULL) total += strtoull(at + strlen(keys[i]), NULL, 10);
  }
  return total;
}

/* ------------------------------------------------------------------------
 * Finding the cgroup.
 */

/* From a line of /proc/self/mountinfo, the mount point of a cgroup file
 * system: version 2, or version 1 with the memory controller. 2 or 1 and
 * the point written into `point`, or 0. */
static int memlimit_mount(char *line, char *point, size_t size) {
  char *fields[6], *p = line, *sep;
  int i;

  for (i = 0; i < 6 && p != NULL; i++) {
    fields[i] = p;
    p = strchr(p, ' ');
    if (p != NULL) *p++ = '\0';
  }
  /* After the optional fields, " - " and the type, the source, options. */
  sep = p != NULL ? strstr(p, "- ") : NULL;
  if (i < 6 || sep == NULL || strlen(fields[4]) >= size) return 0;
  /* Mounted from inside the cgroup tree (a container): not handled. */
  if (strcmp(fields[3], "/") != 0) return 0;
  snprintf(point, size, "%s", fields[4]);
  if (strncmp(sep, "- cgroup2 ", 10) == 0) return 2;
  if (strncmp(sep, "- cgroup ", 9) == 0 && strstr(sep, ",memory") != NULL) return 1;
  if (strncmp(sep, "- cgroup ", 9) == 0 && strstr(sep, " memory") != NULL) return 1;
  return 0;
}

/* This process's cgroup path for `version` from /proc/self/cgroup. */
static int memlimit_self(int version, char *path, size_t size) {
  char buf[4096], *line, *save = NULL;

  if (memlimit_read("/proc/self/cgroup", buf, sizeof buf) <= 0) return -1;
  for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
    char *ctrl = strchr(line, ':'), *where = ctrl != NULL ? strchr(ctrl + 1, ':') : NULL;
    if (where == NULL) continue;
    *where++ = '\0';
    ctrl++;
    if ((version == 2 && strcmp(line, "0") == 0 && *ctrl == '\0') ||
        (version == 1 && (strcmp(ctrl, "memory") == 0 || strstr(ctrl, "memory,") == ctrl ||
                          strstr(ctrl, ",memory") != NULL))) {
      snprintf(path, size, "%s", where);
      return 0;
    }
  }
  return -1;
}

static void memlimit_find(void) {
  char *line = NULL, point[PATH_MAX], self[PATH_MAX], best[PATH_MAX];
  size_t cap = 0;
  int version = 0, v;
  FILE *f = fopen("/proc/self/mountinfo", "re");

  if (f == NULL) return;
  /* Version 1's memory controller wins: where both are mounted (hybrid),
   * version 2 has no controllers. */
  while (getline(&line, &cap, f) > 0)
    if ((v = memlimit_mount(line, point, sizeof point)) != 0 && (version == 0 || v == 1)) {
      version = v;
      memcpy(best, point, sizeof best);
    }
  free(line);
  (void)fclose(f);
  if (version == 0 || memlimit_self(version, self, sizeof self) != 0) return;
  if ((size_t)snprintf(memlimit_at.dir, sizeof memlimit_at.dir, "%s%s", best, self) >=
      sizeof memlimit_at.dir)
    return;
  snprintf(memlimit_at.root, sizeof memlimit_at.root, "%s", best);
  memlimit_at.root_len = strlen(best);
  memlimit_at.version = version;
}

/* ------------------------------------------------------------------------
 * The room.
 */

/* The room the cgroup at dir leaves; 0, or -1 if it has no limit. */
static int memlimit_room_at(const char *dir, int version, PRUint64 *room) {
  PRUint64 limit, usage, cache;
  const int v2 = version == 2;

  if (memlimit_number(dir, v2 ? "memory.max" : "memory.limit_in_bytes", &limit) != 0 ||
      limit >= MEMLIMIT_NONE ||
      memlimit_number(dir, v2 ? "memory.current" : "memory.usage_in_bytes", &usage) != 0)
    return -1;
  cache = memlimit_file_cache(dir);
  *room = usage >= limit ? 0 : limit - usage;
  *room += cache < usage ? cache : usage;
  return 0;
}

/* The room the process's cgroups leave: the tightest of the cgroup and
 * each ancestor up to the root. UINT64_MAX where none has a limit. */
static PRUint64 memlimit_cgroups(void) {
  char dir[PATH_MAX];
  PRUint64 here, room = UINT64_MAX;
  size_t len;

  prshm__run_once(&memlimit_once, memlimit_find);
  if (memlimit_at.version == 0) return room;
  memcpy(dir, memlimit_at.dir, sizeof dir);
  for (;;) {
    if (memlimit_room_at(dir, memlimit_at.version, &here) == 0 && here < room) room = here;
    len = strlen(dir);
    if (len <= memlimit_at.root_len) break;
    while (len > memlimit_at.root_len && dir[len - 1] != '/') len--;
    dir[len > memlimit_at.root_len ? len - 1 : len] = '\0';
  }
  return room;
}

/* The machine's room: the memory the kernel estimates it can give without
 * swapping (MemAvailable), and the free swap, where shared memory pages
 * can go. UINT64_MAX if /proc/meminfo cannot be read. */
static PRUint64 memlimit_machine(void) {
  static const char *const keys[] = {"MemAvailable:", "SwapFree:"};
  char buf[4096];
  PRUint64 total = 0;
  size_t i;

  if (memlimit_read("/proc/meminfo", buf, sizeof buf) <= 0) return UINT64_MAX;
  for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *at = strstr(buf, keys[i]);
    if (at == NULL) return UINT64_MAX;                        /* a kernel too old to estimate */
    total += strtoull(at + strlen(keys[i]), NULL, 10) * 1024; /* kB */
  }
  return total;
}

void prshm__sys_room(int fd, PRUint64 *space, PRUint64 *memory) {
  struct statvfs st;
  PRUint64 machine = memlimit_machine();

  *space = UINT64_MAX;
  /* No blocks at all: a file system without a size (ramfs, hugetlbfs and
   * tmpfs mounted without one), which memory alone limits. */
  if (fstatvfs(fd, &st) == 0 && st.f_frsize != 0 && st.f_blocks != 0)
    *space = (PRUint64)st.f_bavail * (PRUint64)st.f_frsize;
  *memory = memlimit_cgroups();
  if (machine < *memory) *memory = machine;
}

#else /* no cgroups, no /proc/meminfo */

void prshm__sys_room(int fd, PRUint64 *space, PRUint64 *memory) {
  struct statvfs st;

  *space = UINT64_MAX;
  *memory = UINT64_MAX;
  /* No blocks at all: a file system without a size (ramfs, hugetlbfs and
   * tmpfs mounted without one), which memory alone limits. */
  if (fstatvfs(fd, &st) == 0 && st.f_frsize != 0 && st.f_blocks != 0)
    *space = (PRUint64)st.f_bavail * (PRUint64)st.f_frsize;
}

#endif
