/*
 * posix.c - the portable Unix backend, for systems without Linux's calls
 * (macOS, the BSDs), and built and tested on Linux with PRSHM_PORTABLE=ON.
 *
 * Segments live in the POSIX shared memory namespace through shm_open(),
 * or are files in PRSHM_DIR. Keys are at most 30 bytes so that "/" + key
 * fits macOS's 31-byte limit, and a segment is sized by exactly one call
 * (macOS allows ftruncate() only once on a shared memory object).
 *
 * Creation cannot be hidden until complete here: O_CREAT|O_EXCL makes the
 * object visible at size 0 with the umask's narrowing of its mode. So the
 * creator sets the mode exactly, reserves the memory and sizes it last, in
 * one call, and openers wait (bounded) while the size is still 0. A creator
 * that fails removes what it made. The open loop serves every kind of
 * object in files (unix.h's prshm__unix_opener): segments here, and the
 * portable lock's objects (object.c); an object's content is written after
 * its size, and its openers wait (bounded) for that too (object.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unix.h"

/* "/" + key within 31 bytes, macOS's limit. */
#define POSIX_KEY_MAX 30
#define POSIX_OPEN_ATTEMPTS 64
#define POSIX_PATH_SIZE (PATH_MAX + PRSHM__KEY_SIZE + 1)

/* Linux's shm_open() objects are files in /dev/shm, whose link count drops
 * to 0 when they are removed, so an opener can tell that a tool removed
 * the segment while it waited for its lock (list.c). Elsewhere the count
 * of a shared memory object means nothing. */
#if defined(__linux__)
#define POSIX_SHM_IS_FILE PR_TRUE
#else
#define POSIX_SHM_IS_FILE PR_FALSE
#endif

/* Where shared memory objects are files in a directory (Linux's /dev/shm),
 * anything can be planted at a name, a FIFO included, whose open would
 * wait for a writer: open without blocking there. Elsewhere shm_open()
 * objects live in a namespace of their own and take no such flag. */
#if defined(__linux__)
#define POSIX_SHM_OPEN_FLAGS O_NONBLOCK
#define POSIX_SHM_DIR "/dev/shm"
#else
#define POSIX_SHM_OPEN_FLAGS 0
#define POSIX_SHM_DIR NULL
#endif

#if defined(PRSHM_HAVE_POSIX_FALLOCATE)
int prshm__sys_reserve(int fd, off_t offset, off_t length) {
  int err = posix_fallocate(fd, offset, length);
  if (err == 0) return 0;
  errno = err;
  return -1;
}
#else
/* No way to reserve: report it, and the creator sizes without reserving. */
int prshm__sys_reserve(int fd, off_t offset, off_t length) {
  (void)fd;
  (void)offset;
  (void)length;
  errno = EOPNOTSUPP;
  return -1;
}
#endif

/* Not used here: no advice this backend gives. */
int prshm__sys_madvise(void *addr, size_t length, int advice) {
  (void)addr;
  (void)length;
  (void)advice;
  errno = ENOSYS;
  return -1;
}

/* Every handle holds a shared flock(): the in-use mark tools test. */
const PRBool prshm__unix_handles_lock = PR_TRUE;

static PRStatus posix_key(const char *name, prshm__kind kind, char *key) {
  return prshm__unix_key(name, kind, POSIX_KEY_MAX, key);
}

/* Opens `key` in the namespace: shm_open(), or open() in PRSHM_DIR. */
static int posix_ns_open(const char *key, int oflags, mode_t mode) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  char path[POSIX_PATH_SIZE];
  int fd;

  if (ns->has_dir) {
    prshm__unix_path(ns->dir, key, path);
    PRSHM__RETRY_EINTR(fd,
                       prshm__sys.open(path, oflags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, mode));
  } else {
    prshm__unix_path("", key, path);
    PRSHM__RETRY_EINTR(fd, prshm__sys.shm_open(path, oflags | POSIX_SHM_OPEN_FLAGS, mode));
  }
  return fd;
}

/* What can be seen of `key`'s object without opening it. */
typedef enum { SEEN_NOTHING, SEEN_INCOMPLETE, SEEN_COMPLETE } posix_seen;

/* Looks at `key`'s object where the namespace is a directory: a regular
 * file of size 0 is still being created. Elsewhere it cannot be told
 * without opening it (SEEN_NOTHING). */
static posix_seen posix_ns_look(const char *key) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  const char *dir = ns->has_dir ? ns->dir : POSIX_SHM_DIR;
  char path[POSIX_PATH_SIZE];
  struct stat st;

  if (dir == NULL) return SEEN_NOTHING;
  prshm__unix_path(dir, key, path);
  if (prshm__sys.lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) return SEEN_NOTHING;
  return st.st_size == 0 ? SEEN_INCOMPLETE : SEEN_COMPLETE;
}

static int posix_ns_unlink(const char *key) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  char path[POSIX_PATH_SIZE];

  prshm__unix_path(ns->has_dir ? ns->dir : "", key, path);
  return ns->has_dir ? prshm__sys.unlink(path) : prshm__sys.shm_unlink(path);
}

/* Mode, lock, then memory and size in one call, then content. */
static PRStatus posix_prepare(int fd, const prshm__unix_opener *op) {
  int rv = -1;

  if (op->size > (PRSize)INT64_MAX) return prshm__fail(PR_FILE_TOO_BIG_ERROR, EFBIG);
  if (prshm__sys.fchmod(fd, (mode_t)op->mode) != 0 && errno != EINVAL && errno != EOPNOTSUPP &&
      errno != ENOTSUP)
    return prshm__fail_os(errno);
  if (op->mark_in_use && prshm__unix_lock_shared(fd) != PR_SUCCESS) return PR_FAILURE;
  if ((op->flags & PRSHM_SPARSE) == 0) {
    rv = prshm__unix_reserve(fd, op->size);
    if (rv != 0 && errno != EOPNOTSUPP && errno != ENOTSUP && errno != EINVAL)
      return prshm__fail_os(errno);
  }
  if (rv != 0)
    PRSHM__RETRY_EINTR(rv, prshm__sys.ftruncate(fd, prshm__unix_truncate_size(op->size)));
  if (rv != 0) return prshm__fail_os(errno);
  return op->init != NULL ? op->init(fd, op->ctx) : PR_SUCCESS;
}

/* Creates the file: 1 created, 0 it exists, -1 failed (error set). */
static int posix_create(const char *key, const prshm__unix_opener *op, int *out) {
  int fd = posix_ns_open(key, O_RDWR | O_CREAT | O_EXCL, (mode_t)op->mode);

  if (fd < 0) {
    if (errno == EEXIST) return 0;
    prshm__fail_os(errno);
    return -1;
  }
  if (posix_prepare(fd, op) != PR_SUCCESS) {
    (void)posix_ns_unlink(key);
    (void)prshm__sys.close(fd);
    return -1;
  }
  *out = fd;
  return 1;
}

/* What one attempt at opening an existing file came to. */
typedef enum { EXISTING_OK, EXISTING_FAIL, EXISTING_ABSENT, EXISTING_AGAIN } posix_existing_rv;

/* Opens the existing file of `key`: read-write, or read-only if that is
 * all this process may do (or all a read-only file system allows), and
 * hands it to the opener's adopt step. ABSENT with errno ENOENT if there
 * is none; AGAIN if it should be tried again after a pause (a tool holds it
 * for an instant, or its creator is still at work). *rechecked: a refusal
 * was already tried once more because the creator seemed to finish in
 * between. */
static posix_existing_rv posix_open_existing(const char *key, const prshm__unix_opener *op,
                                             PRBool *rechecked) {
  PRBool writable = PR_TRUE;
  prshm__unix_check rv;
  int fd;

  fd = posix_ns_open(key, O_RDWR, 0);
  if (fd < 0 && (errno == EACCES || errno == EROFS)) {
    writable = PR_FALSE;
    fd = posix_ns_open(key, O_RDONLY, 0);
    /* Until its creator has set the mode, a new segment is open to no one
     * but its creator (the umask narrowed it): wait for it like for a
     * segment not yet sized, where that can be seen. If it looks complete
     * now, the creator may have finished since the refusal: try once
     * more before believing it. */
    if (fd < 0 && errno == EACCES) {
      const posix_seen seen = posix_ns_look(key);
      if (seen == SEEN_INCOMPLETE) return EXISTING_AGAIN;
      if (seen == SEEN_COMPLETE && !*rechecked) {
        *rechecked = PR_TRUE;
        return EXISTING_AGAIN;
      }
      errno = EACCES;
    }
  }
  if (fd < 0) {
    /* A tool checking whether the segment is in use holds a lease on it
     * for an instant (list.c), which fails a non-blocking open. */
    if (errno == EWOULDBLOCK) return EXISTING_AGAIN;
    if (errno == ENOENT) return EXISTING_ABSENT;
    /* A directory, or a socket (ENXIO): not a segment. */
    if (errno == EISDIR || errno == ENXIO)
      prshm__fail(PR_INVALID_STATE_ERROR, errno);
    else
      prshm__fail_os(errno);
    return EXISTING_FAIL;
  }
  if (op->mark_in_use && prshm__unix_lock_shared(fd) != PR_SUCCESS) {
    (void)prshm__sys.close(fd);
    return EXISTING_FAIL;
  }
  rv = op->adopt(fd, writable, op->ctx);
  if (rv == PRSHM__UNIX_RETRY) return EXISTING_AGAIN;
  return rv == PRSHM__UNIX_OK ? EXISTING_OK : EXISTING_FAIL;
}

PRStatus prshm__unix_open_file(const char *key, const prshm__unix_opener *op) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  const PRBool create = (op->flags & PR_SHM_CREATE) != 0;
  const PRBool excl = create && (op->flags & PR_SHM_EXCL) != 0;
  PRBool rechecked = PR_FALSE;
  int attempt, fd;

  if (ns->error != 0) return prshm__fail(ns->error, 0);
  for (attempt = 0; attempt < POSIX_OPEN_ATTEMPTS; attempt++) {
    if (!excl) {
      switch (posix_open_existing(key, op, &rechecked)) {
        case EXISTING_OK:
          return PR_SUCCESS;
        case EXISTING_FAIL:
          return PR_FAILURE;
        case EXISTING_AGAIN:
          prshm__unix_pause(attempt < 8 ? 1 : 16);
          continue;
        default: /* absent */
          if (!create) return prshm__fail_os(ENOENT);
          break;
      }
    }
    switch (posix_create(key, op, &fd)) {
      case 1:
        op->created(fd, op->ctx);
        return PR_SUCCESS;
      case 0:
        if (excl) return prshm__fail(PR_FILE_EXISTS_ERROR, EEXIST);
        break;
      default:
        return PR_FAILURE;
    }
  }
  return prshm__fail(PR_FILE_IS_BUSY_ERROR, 0);
}

/* shm_open() takes the key itself as its name: no room needed. */
PRStatus prshm__unix_open_file_room(char *key, const prshm__unix_opener *op) {
  return prshm__unix_open_file(key, op);
}

PRStatus prshm__unix_remove_file(const char *key) {
  const prshm__unix_ns *ns = prshm__unix_namespace();

  if (ns->error != 0) return prshm__fail(ns->error, 0);
  if (posix_ns_unlink(key) != 0) return prshm__fail_os(errno);
  return PR_SUCCESS;
}

/* Whether a descriptor's link count can be trusted to tell that its file
 * was removed: files can, shared memory objects only where they are files
 * (POSIX_SHM_IS_FILE). */
PRBool prshm__unix_nlink_trusted(void) {
  return prshm__unix_namespace()->has_dir || POSIX_SHM_IS_FILE;
}

/* ---- The segment backend ---- */

const prshm__backend prshm__backend_impl = {
    "posix",
    posix_key,
    prshm__unix_native,
    prshm__unix_open_segment,
    prshm__unix_map,
    prshm__unix_unmap,
    prshm__unix_close,
    prshm__unix_remove_file,
    prshm__unix_key_of_native,
    prshm__unix_where,
};
