/*
 * linux.c - the Linux backend.
 *
 * Segments are files in /dev/shm (where glibc's shm_open() keeps them too,
 * so any program can shm_open() one by its native name) or in PRSHM_DIR.
 *
 * In use (an open handle marks the segment in use): an open handle is an open file description of
 * the segment, which the kernel drops when the process dies and which a tool detects with a write
 * lease (F_SETLEASE succeeds only when no other open file of the segment exists, a mapping
 * included) or in /proc (list.c). That needs no system call here, so unlike the portable backend
 * this one takes no flock(): open costs exactly the calls of a raw shm_open() cycle.
 *
 * Creation is atomic: the file is made unnamed (O_TMPFILE), given its exact
 * mode, its reserved memory and (semaphores and locks, through the opener's
 * init step) its content, and only then linked under its name;
 * linkat() fails if the name exists, so two creators never both win. A
 * process that dies before the link leaves nothing at all. The link is by
 * the descriptor (AT_EMPTY_PATH), or, before Linux 6.10 for a process
 * without CAP_DAC_READ_SEARCH, through /proc/self/fd (proc_link.c, which
 * keeps a descriptor of that directory per process). On file systems
 * without O_TMPFILE, or without /proc when linking by descriptor needs it,
 * the file is made under a hidden temporary name instead and renamed to
 * its name without replacing one (renameat2's RENAME_NOREPLACE), so that
 * it is never under two names; a crash then leaves a ".prshm-tmp-" file,
 * which no key can name and which `prshm prune` removes. Only where the
 * file system cannot rename that way is it linked and the temporary name
 * removed, and a crash between the two leaves the segment under two names
 * until `prshm prune` removes the temporary one (openers refuse a file
 * under two names: see prshm__unix_adopt).
 *
 * The loop that opens or creates a file serves every kind of object
 * (unix.h's prshm__unix_opener): segments are one user of it, the
 * semaphore and lock objects (object.c) the others.
 *
 * Sections: open (existing, or create), create strategies, the open loop,
 * remove, the segment backend's table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "unix.h"

/* Linux allows 255 bytes in a file name. */
#define LINUX_KEY_MAX 255
/* Attempts at open-or-create before concluding that other processes keep
 * creating and deleting the name faster than this one can open it. */
#define LINUX_OPEN_ATTEMPTS 64
#define LINUX_PATH_SIZE (PATH_MAX + PRSHM__KEY_SIZE + 1)
/* The buffer of the usual paths ("/dev/shm/" and a key, or a PRSHM_DIR of
 * some dozens of bytes): a small frame keeps the calls of an open or a
 * create on fewer pages of stack than LINUX_PATH_SIZE would. */
#define LINUX_SHORT_PATH 384

/* Handles take no flock(): see the top of this file. */
const PRBool prshm__unix_handles_lock = PR_FALSE;

/* How a new file gets its name; each step down is taken once, for good. */
enum { LINK_EMPTY_PATH, LINK_PROC_FD, LINK_TEMP_NAME, LINK_TEMP_LINKED };
static atomic_int linux_link_how = LINK_EMPTY_PATH;
static atomic_uint linux_temp_counter;

/* The namespace's directory when PRSHM_DIR is not set. */
#define LINUX_SHM_DIR "/dev/shm"

PRSHM__HOT static const char *linux_dir(void) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  return ns->has_dir ? ns->dir : LINUX_SHM_DIR;
}

PRSHM__HOT static PRStatus linux_key(const char *name, prshm__kind kind, char *key) {
  return prshm__unix_key(name, kind, LINUX_KEY_MAX, key);
}

/* Opens the segment at path read-write, or read-only if that is all this
 * process may do or all the file system allows (mounted read-only). -1
 * with errno if it cannot. */
PRSHM__HOT static int linux_open_existing(const char *path, PRBool *writable) {
  const int base = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
  int fd;

  PRSHM__RETRY_EINTR(fd, prshm__sys.open(path, O_RDWR | base, 0));
  *writable = fd >= 0;
  if (fd < 0 && (errno == EACCES || errno == EROFS))
    PRSHM__RETRY_EINTR(fd, prshm__sys.open(path, O_RDONLY | base, 0));
  return fd;
}

/* Gives a new, still unnamed file its mode, its memory and its content. */
PRSHM__HOT static PRStatus linux_prepare(int fd, const prshm__unix_opener *op) {
  int rv;

  if (op->size > (PRSize)INT64_MAX) return prshm__fail(PR_FILE_TOO_BIG_ERROR, EFBIG);
  /* The umask narrowed the mode given to open(); set it exactly. */
  if (prshm__sys.fchmod(fd, (mode_t)op->mode) != 0) return prshm__fail_os(errno);
  if ((op->flags & PRSHM_SPARSE) != 0)
    PRSHM__RETRY_EINTR(rv, prshm__sys.ftruncate(fd, prshm__unix_truncate_size(op->size)));
  else
    rv = prshm__unix_reserve(fd, op->size);
  if (rv != 0) return prshm__fail_os(errno);
  return op->init != NULL ? op->init(fd, op->ctx) : PR_SUCCESS;
}

/* posix_fallocate() is fallocate() where the file system has it, and
 * otherwise (ramfs) writes a byte into every block, which allocates them
 * all the same: either way the memory is the segment's before it has a
 * name. */
PRSHM__HOT int prshm__sys_reserve(int fd, off_t offset, off_t length) {
  int err = posix_fallocate(fd, offset, length);
  if (err == 0) return 0;
  errno = err;
  return -1;
}

/* Links an O_TMPFILE descriptor at path. 0, or -1 with errno; ENOENT from
 * both ways means this system can do neither (no privilege, no /proc). */
PRSHM__HOT static int linux_link_fd(int fd, const char *path) {
  if (atomic_load(&linux_link_how) == LINK_EMPTY_PATH) {
    if (prshm__sys.linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0) return 0;
    if (errno != ENOENT) return -1;
    /* Linking by descriptor needs CAP_DAC_READ_SEARCH before Linux 6.10. */
    atomic_store(&linux_link_how, LINK_PROC_FD);
  }
  return prshm__linux_link_proc(fd, path);
}

void prshm__linux_link_route(PRBool proc) {
  atomic_store(&linux_link_how, proc ? LINK_PROC_FD : LINK_EMPTY_PATH);
}

/* The result of one attempt at creating. */
typedef enum { CREATE_OK, CREATE_EXISTS, CREATE_FAIL, CREATE_UNSUPPORTED } linux_create_rv;

PRSHM__HOT static linux_create_rv linux_create_tmpfile(const char *path,
                                                       const prshm__unix_opener *op, int *out) {
  int fd;

  PRSHM__RETRY_EINTR(fd, prshm__sys.open(linux_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd < 0) {
    if (errno == EOPNOTSUPP || errno == EISDIR) return CREATE_UNSUPPORTED;
    prshm__fail_os(errno);
    return CREATE_FAIL;
  }
  if (linux_prepare(fd, op) != PR_SUCCESS) goto fail;
  if (linux_link_fd(fd, path) != 0) {
    int err = errno;
    (void)prshm__sys.close(fd);
    if (err == EEXIST) return CREATE_EXISTS;
    if (err == ENOENT && atomic_load(&linux_link_how) == LINK_PROC_FD) return CREATE_UNSUPPORTED;
    prshm__fail_os(err);
    return CREATE_FAIL;
  }
  *out = fd;
  return CREATE_OK;

fail:
  (void)prshm__sys.close(fd);
  return CREATE_FAIL;
}

/* Creates a new file under a temporary name, written into temp
 * (LINUX_PATH_SIZE bytes). A name already taken, left by a crashed process
 * that had this pid, is passed over for the next. -1 with errno if none. */
static int linux_temp_open(char *temp) {
  int attempt, fd = -1;

  for (attempt = 0; attempt < LINUX_OPEN_ATTEMPTS; attempt++) {
    (void)snprintf(temp, LINUX_PATH_SIZE, "%s/.prshm-tmp-%ld-%u", linux_dir(), (long)getpid(),
                   atomic_fetch_add(&linux_temp_counter, 1u));
    PRSHM__RETRY_EINTR(
        fd, prshm__sys.open(temp, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd >= 0 || errno != EEXIST) break;
  }
  return fd;
}

/* Gives the complete file at `temp` the name `path`, never replacing a
 * name that exists. 0, or -1 with errno (EEXIST: the name exists). */
static int linux_publish_temp(const char *temp, const char *path) {
  if (atomic_load(&linux_link_how) != LINK_TEMP_LINKED) {
    if (prshm__sys.rename_noreplace(temp, path) == 0) return 0;
    /* EINVAL: this file system cannot rename without replacing. */
    if (errno != EINVAL && errno != ENOSYS) return -1;
    atomic_store(&linux_link_how, LINK_TEMP_LINKED);
  }
  if (prshm__sys.linkat(AT_FDCWD, temp, AT_FDCWD, path, 0) != 0) return -1;
  (void)prshm__sys.unlink(temp);
  return 0;
}

PRSHM__COLD static linux_create_rv linux_create_tempname(const char *path,
                                                         const prshm__unix_opener *op, int *out) {
  char temp[LINUX_PATH_SIZE];
  int fd, err;

  fd = linux_temp_open(temp);
  if (fd < 0) {
    /* Temporary names all taken do not mean that the segment exists. */
    if (errno == EEXIST)
      prshm__fail(PR_FILE_IS_BUSY_ERROR, EEXIST);
    else
      prshm__fail_os(errno);
    return CREATE_FAIL;
  }
  if (linux_prepare(fd, op) != PR_SUCCESS) goto fail;
  if (linux_publish_temp(temp, path) != 0) {
    err = errno;
    (void)prshm__sys.unlink(temp);
    (void)prshm__sys.close(fd);
    if (err == EEXIST) return CREATE_EXISTS;
    prshm__fail_os(err);
    return CREATE_FAIL;
  }
  *out = fd;
  return CREATE_OK;

fail:
  (void)prshm__sys.unlink(temp);
  (void)prshm__sys.close(fd);
  return CREATE_FAIL;
}

PRSHM__HOT static linux_create_rv linux_create(const char *path, const prshm__unix_opener *op,
                                               int *out) {
  linux_create_rv rv = CREATE_UNSUPPORTED;

  if (atomic_load(&linux_link_how) < LINK_TEMP_NAME) {
    rv = linux_create_tmpfile(path, op, out);
    if (rv == CREATE_UNSUPPORTED) atomic_store(&linux_link_how, LINK_TEMP_NAME);
  }
  if (rv == CREATE_UNSUPPORTED) rv = linux_create_tempname(path, op, out);
  return rv;
}

/* ---- The open loop ---- */

/* Opens or creates the object at `path` (see prshm__unix_open_file). */
PRSHM__HOT static PRStatus linux_open_path(const char *path, const prshm__unix_opener *op) {
  const PRBool create = (op->flags & PR_SHM_CREATE) != 0;
  const PRBool excl = create && (op->flags & PR_SHM_EXCL) != 0;
  int attempt, fd;

  for (attempt = 0; attempt < LINUX_OPEN_ATTEMPTS; attempt++) {
    if (!excl) {
      PRBool writable;
      fd = linux_open_existing(path, &writable);
      if (fd >= 0) {
        prshm__unix_check rv = op->adopt(fd, writable, op->ctx);
        if (rv == PRSHM__UNIX_RETRY) continue;
        return rv == PRSHM__UNIX_OK ? PR_SUCCESS : PR_FAILURE;
      }
      /* A tool checking whether the segment is in use holds a lease on it
       * for an instant (list.c), which fails this non-blocking open. */
      if (errno == EWOULDBLOCK) {
        prshm__unix_pause(attempt < 8 ? 1 : 16);
        continue;
      }
      /* A directory, or a socket (ENXIO): not a segment. */
      if (errno == EISDIR || errno == ENXIO) return prshm__fail(PR_INVALID_STATE_ERROR, errno);
      if (errno != ENOENT || !create) return prshm__fail_os(errno);
    }
    switch (linux_create(path, op, &fd)) {
      case CREATE_OK:
        op->created(fd, op->ctx);
        return PR_SUCCESS;
      case CREATE_EXISTS:
        if (excl) return prshm__fail(PR_FILE_EXISTS_ERROR, EEXIST);
        break; /* another process created it first: open theirs */
      default:
        return PR_FAILURE;
    }
  }
  return prshm__fail(PR_FILE_IS_BUSY_ERROR, 0);
}

/* Writes the path of `key` into `path`, of LINUX_SHORT_PATH bytes; 0 if it
 * does not fit there (a long PRSHM_DIR). */
PRSHM__HOT static int linux_short_path(const char *key, char *path) {
  const char *dir = linux_dir();

  if (strlen(dir) + 1 + strlen(key) >= LINUX_SHORT_PATH) return 0;
  prshm__unix_path(dir, key, path);
  return 1;
}

/* prshm__unix_open_file for a path longer than LINUX_SHORT_PATH bytes. */
PRSHM__COLD static PRStatus linux_open_long(const char *key, const prshm__unix_opener *op) {
  char path[LINUX_PATH_SIZE];

  prshm__unix_path(linux_dir(), key, path);
  return linux_open_path(path, op);
}

PRSHM__HOT PRStatus prshm__unix_open_file(const char *key, const prshm__unix_opener *op) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  char path[LINUX_SHORT_PATH];

  if (ns->error != 0) return prshm__fail(ns->error, 0);
  if (!linux_short_path(key, path)) return linux_open_long(key, op);
  return linux_open_path(path, op);
}

PRSHM__HOT PRStatus prshm__unix_open_file_room(char *key, const prshm__unix_opener *op) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  const char *dir = ns->has_dir ? ns->dir : LINUX_SHM_DIR;
  const size_t dlen = ns->has_dir ? ns->dirlen : sizeof LINUX_SHM_DIR - 1;
  char *path;

  if (ns->error != 0) return prshm__fail(ns->error, 0);
  /* A long PRSHM_DIR does not fit in front of the key: copy both. */
  if (dlen + 1 > PRSHM__KEY_ROOM) return prshm__unix_open_file(key, op);
  path = key - dlen - 1;
  memcpy(path, dir, dlen);
  path[dlen] = '/';
  return linux_open_path(path, op);
}

/* Removes the name at `path`. */
PRSHM__HOT static PRStatus linux_remove_path(const char *path) {
  if (prshm__sys.unlink(path) != 0) return prshm__fail_os(errno);
  return PR_SUCCESS;
}

/* prshm__unix_remove_file for a path longer than LINUX_SHORT_PATH bytes. */
PRSHM__COLD static PRStatus linux_remove_long(const char *key) {
  char path[LINUX_PATH_SIZE];

  prshm__unix_path(linux_dir(), key, path);
  return linux_remove_path(path);
}

PRSHM__HOT PRStatus prshm__unix_remove_file(const char *key) {
  const prshm__unix_ns *ns = prshm__unix_namespace();
  char path[LINUX_SHORT_PATH];

  if (ns->error != 0) return prshm__fail(ns->error, 0);
  if (!linux_short_path(key, path)) return linux_remove_long(key);
  return linux_remove_path(path);
}

PRBool prshm__unix_nlink_trusted(void) { return PR_TRUE; }

/* ---- The segment backend ---- */

const prshm__backend prshm__backend_impl = {
    "linux",
    linux_key,
    prshm__unix_native,
    prshm__unix_open_segment,
    prshm__unix_map,
    prshm__unix_unmap,
    prshm__unix_close,
    prshm__unix_remove_file,
    prshm__unix_key_of_native,
    prshm__unix_where,
};
