/*
 * unix.c - the parts of the Unix backends that do not depend on how a
 * segment is created: the PRSHM_DIR namespace, keys, adopting the
 * descriptor of an existing segment, and mapping.
 */
#define _GNU_SOURCE /* renameat2() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/vfs.h>
#endif

#include "unix.h"

/* How long an opener waits, in total, for a tool's exclusive lock to go and
 * for a segment still of size 0 to be sized by its creator. */
#define UNIX_LOCK_WAIT_MS 1000
#define UNIX_SIZE_WAIT_MS 2000

static prshm__unix_ns unix_ns;
static prshm__once unix_ns_once = PRSHM__ONCE_INIT;
/* Set, with release order, once unix_ns is complete: after the first
 * call, prshm__unix_namespace() is one load, with no call into the C
 * library's once-only code. */
static atomic_int unix_ns_ready;

#if defined(__linux__)
/* The magic number of hugetlbfs in statfs()'s f_type (linux/magic.h). */
#define UNIX_HUGETLBFS_MAGIC 0x958458f6ul
/* shm_open()'s objects are files in this directory. */
#define UNIX_SHM_DIR "/dev/shm"

int prshm__sys_fs_info(const char *path, unsigned long *type, unsigned long *page) {
  struct statfs st;

  if (statfs(path, &st) != 0) return -1;
  *type = (unsigned long)st.f_type;
  *page = (unsigned long)st.f_bsize;
  return 0;
}

void prshm__unix_fs_page(const char *dir, prshm__unix_ns *ns) {
  unsigned long type = 0, page = 0;

  ns->page = (PRSize)sysconf(_SC_PAGESIZE);
  /* Unknown: mappings in pages of the system's size, which is right for
   * every file system but hugetlbfs. */
  if (dir == NULL || prshm__sys.fs_info(dir, &type, &page) != 0) return;
  if (type == UNIX_HUGETLBFS_MAGIC && page > ns->page && (page & (page - 1)) == 0) {
    ns->huge = PR_TRUE;
    ns->page = (PRSize)page;
  }
}
#else
#define UNIX_SHM_DIR NULL

int prshm__sys_fs_info(const char *path, unsigned long *type, unsigned long *page) {
  (void)path;
  *type = 0;
  *page = (unsigned long)sysconf(_SC_PAGESIZE);
  return 0;
}

void prshm__unix_fs_page(const char *dir, prshm__unix_ns *ns) {
  (void)dir;
  ns->page = (PRSize)sysconf(_SC_PAGESIZE);
}
#endif

#if defined(__linux__)
/* Files of the namespace (Linux's /dev/shm, or PRSHM_DIR) can be renamed
 * without replacing, whichever backend made them. */
int prshm__sys_rename_noreplace(const char *from, const char *to) {
  return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}
#else
int prshm__sys_rename_noreplace(const char *from, const char *to) {
  (void)from;
  (void)to;
  errno = ENOSYS;
  return -1;
}
#endif

PRSHM__HOT PRSize prshm__unix_round_up(PRSize size, PRSize page) {
  PRSize rounded = (size + page - 1) & ~(page - 1);
  return rounded >= size ? rounded : size;
}

static void unix_ns_init(void) {
  const char *dir = getenv(PRSHM_DIR_ENV);
  size_t len;

  if (dir != NULL) {
    len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    if (dir[0] != '/') {
      unix_ns.error = PR_INVALID_ARGUMENT_ERROR;
    } else if (len >= sizeof unix_ns.dir) {
      unix_ns.error = PR_NAME_TOO_LONG_ERROR;
    } else {
      memcpy(unix_ns.dir, dir, len);
      unix_ns.dir[len == 1 ? 0 : len] = '\0'; /* "/" itself joins as "" + "/" */
      unix_ns.dirlen = len == 1 ? 0 : len;
      unix_ns.has_dir = PR_TRUE;
    }
  }
  if (!unix_ns.has_dir)
    prshm__unix_fs_page(unix_ns.error == 0 ? UNIX_SHM_DIR : NULL, &unix_ns);
  else
    prshm__unix_fs_page(unix_ns.dir[0] != '\0' ? unix_ns.dir : "/", &unix_ns);
  atomic_store_explicit(&unix_ns_ready, 1, memory_order_release);
}

/* Below this size a reservation is made in one call, as the kernel checks
 * it: its pages weigh no more than the stack or heap a process grows
 * without thinking. From it on, reservations go in steps of UNIX_STEP,
 * each checked against the room left (the kernel's own check of a
 * reservation is against the file system's total size only, and a cgroup
 * or the machine running out of memory is met with the OOM killer), with
 * UNIX_MARGIN of memory kept for the process itself. */
#define UNIX_UNCHECKED ((PRSize)1 << 20)
#define UNIX_STEP ((PRSize)64 << 20)
#define UNIX_MARGIN ((PRUint64)8 << 20)

PRSHM__HOT int prshm__unix_reserve(int fd, PRSize size) {
  PRSize done = 0;
  PRUint64 space, memory;
  int rv;

  if (size < UNIX_UNCHECKED) {
    PRSHM__RETRY_EINTR(rv, prshm__sys.reserve(fd, 0, (off_t)size));
    return rv;
  }
  while (done < size) {
    PRSize step = size - done < UNIX_STEP ? size - done : UNIX_STEP;
    /* Others allocate too: ask again every step. The whole rest must fit
     * the file system, each step the memory. */
    prshm__sys.room(fd, &space, &memory);
    if (space < (PRUint64)(size - done)) {
      errno = ENOSPC;
      return -1;
    }
    if (memory < (PRUint64)step + UNIX_MARGIN) {
      errno = ENOMEM;
      return -1;
    }
    PRSHM__RETRY_EINTR(rv, prshm__sys.reserve(fd, (off_t)done, (off_t)step));
    if (rv != 0) return -1;
    done += step;
  }
  return 0;
}

off_t prshm__unix_truncate_size(PRSize size) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  /* hugetlbfs sets a file's size by truncation in whole huge pages only. */
  return (off_t)(ns->huge ? prshm__unix_round_up(size, ns->page) : size);
}

PRSHM__HOT const prshm__unix_ns *prshm__unix_namespace(void) {
  if (!atomic_load_explicit(&unix_ns_ready, memory_order_acquire))
    prshm__run_once(&unix_ns_once, unix_ns_init);
  return &unix_ns;
}

/* The key of a name to resolve first: relative, or with an empty, "." or
 * ".." component, or long. Apart from prshm__unix_key so that its buffers
 * (9 KiB of stack) are not on the common path, whose calls then stay on
 * fewer pages of stack. */
PRSHM__COLD static PRStatus unix_key_resolved(const char *name, prshm__kind kind, size_t limit,
                                              char *key) {
  char cwd[PATH_MAX + 1];
  char resolved[PRSHM__RESOLVED_MAX];

  cwd[0] = '\0';
  if (name[0] != '/' && prshm__sys.getcwd(cwd, sizeof cwd) == NULL) {
    int err = errno;
    /* ERANGE: the directory is longer than a path may be. */
    return prshm__fail(err == ERANGE ? PR_NAME_TOO_LONG_ERROR : prshm__os_error_code(err), err);
  }
  if (prshm__name_resolve(cwd, name, resolved, sizeof resolved) < 0)
    return prshm__fail(PR_NAME_TOO_LONG_ERROR, 0);
  (void)prshm__name_encode_kind(resolved, kind, limit, key);
  return PR_SUCCESS;
}

PRSHM__HOT PRStatus prshm__unix_key(const char *name, prshm__kind kind, size_t limit, char *key) {
  /* Most names are absolute and resolved already: one pass makes the key. */
  if (prshm__name_encode_resolved_kind(name, kind, limit, key) != 0) return PR_SUCCESS;
  return unix_key_resolved(name, kind, limit, key);
}

PRStatus prshm__unix_native(const char *key, char *buf, size_t size) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  int n;

  /* An unusable PRSHM_DIR names no namespace: no name in /dev/shm either. */
  if (ns->error != 0) return prshm__fail(ns->error, 0);
  /* shm_open()'s name is "/" + key; under PRSHM_DIR, the file's path. */
  n = snprintf(buf, size, "%s/%s", ns->has_dir ? ns->dir : "", key);
  if (n < 0 || (size_t)n >= size) return prshm__fail(PR_BUFFER_OVERFLOW_ERROR, 0);
  return PR_SUCCESS;
}

PRStatus prshm__unix_key_of_native(const char *native, char *key) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  const char *file = native;
  size_t dlen;

  if (ns->error != 0) return prshm__fail(ns->error, 0);
  /* A path under PRSHM_DIR, or shm_open()'s "/name". */
  dlen = ns->has_dir ? strlen(ns->dir) : 0;
  if (native[0] == '/' &&
      (!ns->has_dir || (strncmp(native, ns->dir, dlen) == 0 && native[dlen] == '/')))
    file = native + dlen + 1;
  if (file[0] == '\0' || strchr(file, '/') != NULL || strcmp(file, ".") == 0 ||
      strcmp(file, "..") == 0)
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  if (strlen(file) >= PRSHM__KEY_SIZE) return prshm__fail(PR_NAME_TOO_LONG_ERROR, 0);
  strcpy(key, file);
  return PR_SUCCESS;
}

PRStatus prshm__unix_where(char *buf, size_t size) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  const char *dir = ns->has_dir ? (ns->dir[0] != '\0' ? ns->dir : "/") : UNIX_SHM_DIR;
  struct stat st;

  if (ns->error != 0) {
    /* Show what was set, so that messages can quote it. */
    const char *set = getenv(PRSHM_DIR_ENV);
    (void)snprintf(buf, size, "%s", set != NULL ? set : "");
    return prshm__fail(ns->error, 0);
  }
  if (dir == NULL) dir = "";
  if ((size_t)snprintf(buf, size, "%s", dir) >= size)
    return prshm__fail(PR_BUFFER_OVERFLOW_ERROR, 0);
  if (dir[0] == '\0') return PR_SUCCESS; /* a namespace that is not a directory */
  if (stat(dir, &st) != 0) return prshm__fail_os(errno);
  if (!S_ISDIR(st.st_mode)) return prshm__fail(PR_NOT_DIRECTORY_ERROR, ENOTDIR);
  if (access(dir, X_OK) != 0) return prshm__fail_os(errno);
  return PR_SUCCESS;
}

PRSHM__HOT void prshm__unix_path(const char *dir, const char *key, char *path) {
  size_t dlen = strlen(dir), klen = strlen(key);

  memcpy(path, dir, dlen);
  path[dlen] = '/';
  memcpy(path + dlen + 1, key, klen + 1);
}

void prshm__unix_pause(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (prshm__sys.nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

PRStatus prshm__unix_lock_shared(int fd) {
  long waited = 0, step = 1;
  int rv;

  for (;;) {
    PRSHM__RETRY_EINTR(rv, prshm__sys.flock(fd, LOCK_SH | LOCK_NB));
    if (rv == 0) return PR_SUCCESS;
    /* Systems whose shared memory cannot be locked are marked in use by
     * their descriptors alone. */
    if (errno == EOPNOTSUPP || errno == ENOTSUP) return PR_SUCCESS;
    if (errno != EWOULDBLOCK) return prshm__fail_os(errno);
    /* A tool holds the segment exclusively while it checks and removes
     * it; that takes microseconds. Anything longer is reported. */
    if (waited >= UNIX_LOCK_WAIT_MS) return prshm__fail(PR_FILE_IS_BUSY_ERROR, EWOULDBLOCK);
    prshm__unix_pause(step);
    waited += step;
    if (step < 64) step *= 2;
  }
}

/* fstat()s fd until the segment is complete: sized (not 0) and, where link
 * counts mean something (check_links), under exactly one name. A creator
 * that is not prshm, or the portable backend's, sizes it an instant after
 * making it; linux.c's temporary-name path has it under two names for an
 * instant. Anything that stays that way past a bounded wait is refused: a
 * file of size 0 as busy, a file with more than one name (a hard link,
 * planted or made by hand) as not a segment, for two names must never share
 * memory. RETRY if the file loses its name meanwhile (removed since it was
 * opened). *waited tells whether it was incomplete at first. */
PRSHM__HOT prshm__unix_check prshm__unix_stat_complete(int fd, PRBool check_links, struct stat *st,
                                                       PRBool *waited) {
  long slept = 0, step = 1;

  *waited = PR_FALSE;
  for (;;) {
    if (prshm__sys.fstat(fd, st) != 0) {
      prshm__fail_os(errno);
      return PRSHM__UNIX_FAIL;
    }
    if (!S_ISREG(st->st_mode)) {
      prshm__fail(PR_INVALID_STATE_ERROR, 0);
      return PRSHM__UNIX_FAIL;
    }
    if (check_links && st->st_nlink == 0) return PRSHM__UNIX_RETRY;
    if (st->st_size > 0 && (!check_links || st->st_nlink == 1)) return PRSHM__UNIX_OK;
    if (slept >= UNIX_SIZE_WAIT_MS) {
      if (st->st_size > 0)
        prshm__fail(PR_INVALID_STATE_ERROR, EMLINK);
      else
        prshm__fail(PR_FILE_IS_BUSY_ERROR, 0);
      return PRSHM__UNIX_FAIL;
    }
    *waited = PR_TRUE;
    prshm__unix_pause(step);
    slept += step;
    if (step < 64) step *= 2;
  }
}

PRSHM__HOT prshm__unix_check prshm__unix_adopt(int fd, PRBool writable, PRSize size,
                                               PRBool check_links, prshm__seg *seg) {
  struct stat st;
  prshm__unix_check rv;
  PRBool waited;

  rv = prshm__unix_stat_complete(fd, check_links, &st, &waited);
  /* Opened read-only while its creator was still at work: the mode may
   * have been narrower than the creator asked for until then (the portable
   * backend's creation). Open again, now that it is complete. */
  if (rv == PRSHM__UNIX_OK && waited && !writable) rv = PRSHM__UNIX_RETRY;
  if (rv == PRSHM__UNIX_RETRY) {
    (void)prshm__sys.close(fd);
    return rv;
  }
  if (rv == PRSHM__UNIX_FAIL) goto fail;
  if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
    prshm__fail(PR_FILE_TOO_BIG_ERROR, 0);
    goto fail;
  }
  if (size > (PRSize)st.st_size) {
    prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
    goto fail;
  }
  seg->os = (uintptr_t)fd;
  seg->size = size != 0 ? size : (PRSize)st.st_size;
  seg->writable = writable;
  return PRSHM__UNIX_OK;

fail:
  (void)prshm__sys.close(fd);
  return PRSHM__UNIX_FAIL;
}

/* What the open loop needs to open or create a segment. */
typedef struct unix_seg_ctx {
  PRSize size;     /* as given to PR_OpenSharedMemory() */
  prshm__seg *seg; /* filled on success */
} unix_seg_ctx;

PRSHM__HOT static prshm__unix_check unix_seg_adopt(int fd, PRBool writable, void *ctx) {
  unix_seg_ctx *c = ctx;
  return prshm__unix_adopt(fd, writable, c->size, prshm__unix_nlink_trusted(), c->seg);
}

PRSHM__HOT static void unix_seg_created(int fd, void *ctx) {
  unix_seg_ctx *c = ctx;
  c->seg->os = (uintptr_t)fd;
  c->seg->size = c->size;
  c->seg->writable = PR_TRUE;
}

PRSHM__HOT PRStatus prshm__unix_open_segment(char *key, PRSize size, PRIntn flags, PRIntn mode,
                                             prshm__seg *seg) {
  unix_seg_ctx c;
  prshm__unix_opener op;

  c.size = size;
  c.seg = seg;
  op.size = size;
  op.flags = flags;
  op.mode = mode;
  /* Where handles hold a shared flock() as the in-use mark (posix.c). */
  op.mark_in_use = prshm__unix_handles_lock;
  op.adopt = unix_seg_adopt;
  op.init = NULL;
  op.created = unix_seg_created;
  op.ctx = &c;
  return prshm__unix_open_file_room(key, &op);
}

PRSHM__HOT void *prshm__unix_map(const prshm__seg *seg, PRBool readonly) {
  int prot = readonly ? PROT_READ : PROT_READ | PROT_WRITE;
  void *addr;

  if (!readonly && !seg->writable) {
    prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, EACCES);
    return NULL;
  }
  addr = prshm__sys.mmap(NULL, seg->size, prot, MAP_SHARED, (int)seg->os, 0);
  if (addr == MAP_FAILED) {
    prshm__fail_os(errno);
    return NULL;
  }
  return addr;
}

PRSHM__HOT PRStatus prshm__unix_unmap(void *addr, PRSize size) {
  /* The kernel maps whole pages of the file system, and hugetlbfs refuses
   * to unmap less than a whole huge page. */
  size = prshm__unix_round_up(size, prshm__unix_namespace()->page);
  if (prshm__sys.munmap(addr, size) != 0) return prshm__fail_os(errno);
  return PR_SUCCESS;
}

PRSHM__HOT PRStatus prshm__unix_close(prshm__seg *seg) {
  /* On EINTR the descriptor is already closed (Linux, and POSIX leaves it
   * unspecified): retrying could close another thread's new descriptor. */
  if (prshm__sys.close((int)seg->os) != 0 && errno != EINTR) return prshm__fail_os(errno);
  return PR_SUCCESS;
}
