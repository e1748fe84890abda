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
  /* The small fields come first, so that an open or a create, which reads
   * them all, touches one page of memory for them and not two. */
  PRErrorCode error;  /* nonzero: PRSHM_DIR is unusable; every call fails so */
  PRBool has_dir;     /* PRSHM_DIR is set: segments are files in dir */
  PRBool huge;        /* the file system is hugetlbfs: a file's size must be
                         a multiple of `page` to be set by truncation */
  PRSize page;        /* the file system's page: what a mapping's length is
                         rounded up to (the huge page size on hugetlbfs) */
  char dir[PATH_MAX]; /* PRSHM_DIR without trailing '/'s, when has_dir */
} prshm__unix_ns;

/* The namespace; never changes after the first call. */
const prshm__unix_ns *prshm__unix_namespace(void);

/* The backend's key function for a key limit of `limit` bytes: resolves a
 * relative name against the current directory. */
PRStatus prshm__unix_key(const char *name, size_t limit, char *key);

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
