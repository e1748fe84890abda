/*
 * unix.h - what the two Unix backends (linux.c and posix.c) share: the
 * namespace directory, keys, opening an existing segment, and mapping.
 * Implemented in unix.c.
 */
#ifndef PRSHM_UNIX_H
#define PRSHM_UNIX_H

#include <limits.h>

#include "internal.h"
#include "sys.h"

/* The namespace as PRSHM_DIR sets it; read once per process. */
typedef struct prshm__unix_ns {
  PRErrorCode error; /* nonzero: PRSHM_DIR is unusable; every call fails so */
  PRBool has_dir;    /* PRSHM_DIR is set: segments are files in dir */
  char dir[PATH_MAX];/* PRSHM_DIR without trailing '/'s, when has_dir */
} prshm__unix_ns;

/* The namespace; never changes after the first call. */
const prshm__unix_ns *prshm__unix_namespace(void);

/* The backend's key function for a key limit of `limit` bytes: resolves a
 * relative name against the current directory. */
PRStatus prshm__unix_key(const char *name, size_t limit, char *key);

/* The backend table's native entry: shm_open()'s name, or the file's path
 * under PRSHM_DIR. */
PRStatus prshm__unix_native(const char *key, char *buf, size_t size);

/* Writes dir + "/" + key into path (PATH_MAX + PRSHM__KEY_SIZE bytes). */
void prshm__unix_path(const char *dir, const char *key, char *path);

/* The outcome of checking a freshly opened descriptor. */
typedef enum prshm__unix_check {
  PRSHM__UNIX_OK,    /* *seg is filled; the descriptor is now the handle's */
  PRSHM__UNIX_RETRY, /* the name was removed meanwhile; fd closed: open again */
  PRSHM__UNIX_FAIL   /* error set; fd closed */
} prshm__unix_check;

/*
 * Checks the descriptor of an existing segment and fills *seg: waits
 * (bounded) while it is still size 0, and checks `size` against its real
 * size (0 takes all). check_nlink: a descriptor whose file has no name left
 * means the segment was removed since it was opened (or locked); report
 * RETRY. Closes fd unless it reports OK.
 */
prshm__unix_check prshm__unix_adopt(int fd, PRBool writable, PRSize size, PRBool check_nlink,
                                    prshm__seg *seg);

/* Whether every open handle of this backend holds a shared flock() on its
 * descriptor (posix.c), so that a tool's exclusive lock proves no handle is
 * open. Linux's backend takes none: there a write lease proves it (list.c).
 * Defined by the backend. */
extern const PRBool prshm__unix_handles_lock;

/* Takes the shared in-use lock on a descriptor (the portable backend's mark
 * of an open handle, DESIGN 18); PR_FAILURE with the error set
 * (PR_FILE_IS_BUSY_ERROR if a tool holds it exclusively for long). */
PRStatus prshm__unix_lock_shared(int fd);

/* Retries a system call while it fails with EINTR. */
#define PRSHM__RETRY_EINTR(rv, call) \
  do {                               \
    (rv) = (call);                   \
  } while ((rv) == -1 && errno == EINTR)

/* The backend table entries both Unix backends share. */
void *prshm__unix_map(const prshm__seg *seg, PRBool readonly);
PRStatus prshm__unix_unmap(void *addr, PRSize size);
PRStatus prshm__unix_close(prshm__seg *seg);

/* Sleeps `ms` milliseconds (for the bounded waits). */
void prshm__unix_pause(long ms);

#endif /* PRSHM_UNIX_H */
