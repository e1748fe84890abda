/*
 * unix.h - what the two Unix backends (linux.c and posix.c) share: the
 * namespace directory, keys, opening an existing segment, and mapping.
 * Implemented in unix.c.
 */
#ifndef PRSHM_UNIX_H
#define PRSHM_UNIX_H

#include <limits.h>

#include "internal.h"
#include "sync.h"
#include "sys.h"

/* The namespace as PRSHM_DIR sets it; read once per process. */
typedef struct prshm__unix_ns {
  /* The small fields come first, so that an open or a create, which reads
   * them all, touches one page of memory for them and not two. */
  PRErrorCode error;  /* nonzero: PRSHM_DIR is unusable; every call fails so */
  PRBool has_dir;     /* PRSHM_DIR is set: segments are files in dir */
  PRBool huge;        /* the file system is hugetlbfs: a file's size must be
                         a multiple of `page` to be set by truncation */
  PRSize page;        /* the file system's page: what a mapping's length is
                         rounded up to (the huge page size on hugetlbfs) */
  size_t dirlen;      /* strlen(dir) */
  char dir[PATH_MAX]; /* PRSHM_DIR without trailing '/'s, when has_dir */
} prshm__unix_ns;

/* The namespace; never changes after the first call. */
const prshm__unix_ns *prshm__unix_namespace(void);

/* The backend's key function for a key limit of `limit` bytes: resolves a
 * relative name against the current directory; the key has `kind`'s
 * prefix. */
PRStatus prshm__unix_key(const char *name, prshm__kind kind, size_t limit, char *key);

/* The backend table's native entry: shm_open()'s name, or the file's path
 * under PRSHM_DIR. */
PRStatus prshm__unix_native(const char *key, char *buf, size_t size);

/* The backend table's key_of_native and where entries (prshm_ext.h's
 * prshm_open_native(), prshm_stat_native() and prshm_namespace()). */
PRStatus prshm__unix_key_of_native(const char *native, char *key);
PRStatus prshm__unix_where(char *buf, size_t size);

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
 * (bounded) while it is still size 0 or, with check_links, under more than
 * one name, and checks `size` against its real size (0 takes all).
 * check_links is for namespaces whose link counts mean something (files):
 * a file under two names is refused as not a segment, and one with no name
 * left was removed since it was opened, which is reported as RETRY. A
 * descriptor opened read-only while the segment was still incomplete is
 * also RETRY, so the caller opens again for writing if the complete
 * segment allows it. Closes fd unless it reports OK.
 */
prshm__unix_check prshm__unix_adopt(int fd, PRBool writable, PRSize size, PRBool check_links,
                                    prshm__seg *seg);

/*
 * Opening or creating the file of a key, for any kind of object: the
 * backend's loop (linux.c or posix.c) tries the existing file first, and
 * creates it (atomically where the system allows) when it is missing and
 * asked to; what the file must hold is the kind's business, told here.
 */
typedef struct prshm__unix_opener {
  PRSize size;        /* bytes a new file gets (reserved unless PRSHM_SPARSE) */
  PRIntn flags;       /* PR_SHM_CREATE, PR_SHM_EXCL (the semaphore flags have
                         the same values) and PRSHM_SPARSE */
  PRIntn mode;        /* a new file's permissions, exactly */
  PRBool mark_in_use; /* the portable backend's handles hold the shared
                         in-use flock (segments); locks, which flock() for
                         themselves, do not */
  /* Takes the descriptor of an existing file, opened read-write or, when
   * this process may not write it, read-only (`writable`): OK keeps it,
   * RETRY and FAIL close it. */
  prshm__unix_check (*adopt)(int fd, PRBool writable, void *ctx);
  /* Fills a new file (sized, with its mode) before any other process can
   * open it; NULL for nothing. A failure removes the file. */
  PRStatus (*init)(int fd, void *ctx);
  /* Takes the descriptor of the file this call created, now under its
   * name. */
  void (*created)(int fd, void *ctx);
  void *ctx; /* passed to the three above */
} prshm__unix_opener;

/* Opens or creates the file of `key` as `op` says (backend's file). Fails
 * with the segment's codes: PR_FILE_NOT_FOUND_ERROR, PR_FILE_EXISTS_ERROR,
 * PR_INVALID_STATE_ERROR for a directory... */
PRStatus prshm__unix_open_file(const char *key, const prshm__unix_opener *op);

/* Removes the file of `key` from the namespace (backend's file). */
PRStatus prshm__unix_remove_file(const char *key);

/* prshm__unix_open_file() for a key with PRSHM__KEY_ROOM bytes of its
 * buffer in front of it, which it may overwrite (backend's file): where
 * the directory fits there, the path is made in place. */
PRStatus prshm__unix_open_file_room(char *key, const prshm__unix_opener *op);

/* The backends' open of a segment: prshm__unix_open_file_room() with the
 * segment's adopt and created steps (unix.c). */
PRStatus prshm__unix_open_segment(char *key, PRSize size, PRIntn flags, PRIntn mode,
                                  prshm__seg *seg);

/* Whether the link count of a descriptor of the namespace tells that its
 * file was removed (backend's file): a file's does; a shared memory
 * object's means nothing outside Linux. */
PRBool prshm__unix_nlink_trusted(void);

/*
 * fstat()s fd until the file is complete: sized (not 0) and, where link
 * counts mean something (check_links), under exactly one name; a file that
 * stays otherwise past a bounded wait is refused (size 0: busy; two names:
 * not prshm's). RETRY if it loses its name meanwhile; FAIL (error set) if
 * it is not a regular file. *waited tells whether it was incomplete at
 * first. Leaves fd open.
 */
prshm__unix_check prshm__unix_stat_complete(int fd, PRBool check_links, struct stat *st,
                                            PRBool *waited);

/* ------------------------------------------------------------------------
 * Semaphore and lock objects in files (object.c): a small file in the
 * namespace, mapped shared, that starts with this header.
 */

/* "PRSO": the header of a complete object. Stored last when it is made. */
#define PRSHM__OBJ_MAGIC 0x4f535250u

typedef struct prshm__objhead {
  _Atomic uint32_t magic; /* PRSHM__OBJ_MAGIC once the object is complete */
  uint32_t kind;          /* PRSHM__KIND_SEM or PRSHM__KIND_LOCK */
  uint32_t format;        /* the layout after the header (the type's) */
  uint32_t reserved;      /* 0 */
} prshm__objhead;

/* One type of object: its size and layout, and how a new one is filled. */
typedef struct prshm__unix_objtype {
  prshm__kind kind; /* written into the header */
  uint32_t format;  /* the layout: objects of another format are refused */
  PRSize size;      /* bytes of the file, header included */
  PRBool keep_fd;   /* the handle keeps the descriptor (the portable lock
                       locks it); else it is closed once the file is mapped */
  /* Fills a new object, mapped at `obj` (zeroed, header not yet written);
   * `arg` comes from prshm__unix_object_open(). */
  PRStatus (*init)(void *obj, const void *arg);
} prshm__unix_objtype;

/* Opens or creates the object of `key` (flags PR_SEM_CREATE, PR_SEM_EXCL;
 * exact mode): s->addr is its mapping, s->size its size, s->os its
 * descriptor or -1; *created (if not NULL) tells whether this call made
 * it. Opening needs read and write permission (PR_NO_ACCESS_RIGHTS_ERROR).
 * A file of another kind, size or format is PR_INVALID_STATE_ERROR. */
PRStatus prshm__unix_object_open(const char *key, PRIntn flags, PRIntn mode,
                                 const prshm__unix_objtype *type, const void *arg, prshm__sync *s,
                                 PRBool *created);

/* Unmaps the object and closes its descriptor, if kept. */
PRStatus prshm__unix_object_close(prshm__sync *s);

/* Whether every open handle of this backend holds a shared flock() on its
 * descriptor (posix.c), so that a tool's exclusive lock proves no handle is
 * open. Linux's backend takes none: there a write lease proves it (list.c).
 * Defined by the backend. */
extern const PRBool prshm__unix_handles_lock;

/* Takes the shared in-use lock on a descriptor (the portable backend's mark
 * of an open handle); PR_FAILURE with the error set
 * (PR_FILE_IS_BUSY_ERROR if a tool holds it exclusively for long). */
PRStatus prshm__unix_lock_shared(int fd);

/* Retries a system call while it fails with EINTR. */
#define PRSHM__RETRY_EINTR(rv, call) \
  do {                               \
    (rv) = (call);                   \
  } while ((rv) == -1 && errno == EINTR)

/* `size` rounded up to a multiple of `page` (a power of two), or `size`
 * itself if that would overflow. */
PRSize prshm__unix_round_up(PRSize size, PRSize page);

/* Fills in ns->huge and ns->page for the file system at `dir` (NULL: no
 * directory to ask; the system's page size). Linux tells hugetlbfs apart;
 * elsewhere mappings follow the system's page size. */
void prshm__unix_fs_page(const char *dir, prshm__unix_ns *ns);

/* The length to give ftruncate() for a sparse segment of `size` bytes:
 * `size`, or on hugetlbfs `size` rounded up to whole huge pages (the only
 * sizes it can set that way). size is at most INT64_MAX. */
off_t prshm__unix_truncate_size(PRSize size);

/* Reserves the memory of a new segment of `size` bytes (at most
 * INT64_MAX) in fd's file, in steps, each only if the process's memory
 * cgroups leave room for it (memlimit.c): a cgroup's limit is reported as
 * ENOMEM instead of waking the kernel's OOM killer. Interrupted steps are
 * made again. 0, or -1 with errno. */
int prshm__unix_reserve(int fd, PRSize size);

/* The backend table entries both Unix backends share. */
void *prshm__unix_map(const prshm__seg *seg, PRBool readonly);
PRStatus prshm__unix_unmap(void *addr, PRSize size);
PRStatus prshm__unix_close(prshm__seg *seg);

/* Sleeps `ms` milliseconds (for the bounded waits). */
void prshm__unix_pause(long ms);

/* Linux backend only (proc_link.c): links the unnamed file of descriptor
 * fd at `path` through /proc/self/fd, as linkat(AT_SYMLINK_FOLLOW) of
 * "/proc/self/fd/FD" does, walking only "FD" from a descriptor of that
 * directory this process opened once. 0, or -1 with errno. */
int prshm__linux_link_proc(int fd, const char *path);

/* Bytes that hold "/proc/self/fd/" and any descriptor's number. */
#define PRSHM__PROC_ENTRY_SIZE 64

/* Linux backend only (linux.c), for the benchmark and the tests: with
 * `proc` true, new segments are linked through /proc/self/fd from now on,
 * as they are on kernels before 6.10 for a process without
 * CAP_DAC_READ_SEARCH once AT_EMPTY_PATH has failed there; with `proc`
 * false, by AT_EMPTY_PATH again. Not while another thread creates. */
void prshm__linux_link_route(PRBool proc);

#endif /* PRSHM_UNIX_H */
