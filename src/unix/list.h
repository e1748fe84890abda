/*
 * list.h (Unix) - what the three parts of the listing share: list.c walks
 * the namespace and answers the listing calls, holders.c proves who holds
 * an object (the lock and lease tests, the scan of /proc), and remove.c
 * removes an object only when nothing holds it.
 */
#ifndef PRSHM_UNIX_LIST_H
#define PRSHM_UNIX_LIST_H

#include "unix.h"

/* Where shm_open() keeps its objects when PRSHM_DIR is not set: a directory
 * on Linux; elsewhere the POSIX namespace cannot be listed. */
#if defined(__linux__)
#define PRSHM__LIST_DEFAULT_DIR "/dev/shm"
#else
#define PRSHM__LIST_DEFAULT_DIR NULL
#endif

/* Temporary files of linux.c's fallback creation path. */
#define PRSHM__LIST_TEMP_PREFIX ".prshm-tmp-"
#define PRSHM__LIST_PATH_SIZE (PATH_MAX + PRSHM__KEY_SIZE + 1)

/* Evidence that something holds an object, and gaps that keep the answer
 * unknown. */
#define PRSHM__LIST_HELD (PRSHM_HELD_HANDLE | PRSHM_HELD_MAPPED | PRSHM_HELD_OPEN | PRSHM_HELD_FILE)
#define PRSHM__LIST_GAPS (PRSHM_UNCHECKED_LOCK | PRSHM_UNCHECKED_PROCS | PRSHM_UNCHECKED_SOME)

/* The outcome of the lease test. */
typedef enum prshm__list_lease {
  PRSHM__LEASE_TAKEN,      /* no other open file exists; the lease is now held */
  PRSHM__LEASE_CONFLICT,   /* another open file (a descriptor, a mapping) exists */
  PRSHM__LEASE_UNAVAILABLE /* the test is not possible here */
} prshm__list_lease;

/* One entry as gathered; turned into a prshm_seginfo on demand. */
typedef struct prshm__list_entry {
  char key[PRSHM__KEY_SIZE];       /* the file's name in the namespace directory */
  int kind;                        /* PRSHM_KIND_* */
  int object;                      /* PRSHM_OBJECT_*: what a prshm entry is */
  size_t key_at;                   /* where its key starts in `key` (after
                                      the semaphore backend's file prefix) */
  prshm__objstate state;           /* a semaphore's or lock's state */
  struct stat st;                  /* the file as last seen: identity and details */
  PRUint32 evidence;               /* PRSHM_HELD_*, _FREE_PROVED, _UNCHECKED_* bits */
  PRInt32 processes;               /* processes found holding it */
  PRInt32 pids[PRSHM_HOLDERS_MAX]; /* the first of them */
  long last_pid;                   /* the process counted last, so none counts twice */
  int gone;                        /* removed (or replaced by a non-file) since listed */
} prshm__list_entry;

/* list.c: the namespace directory, or NULL with the error set. */
const char *prshm__list_dir(void);

/* list.c: the kind of the object called `fname` in the namespace, as
 * `st` (lstat) describes it; *object tells what a prshm entry is (a
 * segment, a semaphore, a lock) and *key_at where its key starts. */
int prshm__list_kind(const char *fname, const struct stat *st, int *object, size_t *key_at);

/* list.c: whether `fname` is a name this build of prshm makes in the
 * namespace: a key of any kind (a semaphore's with its backend's file
 * prefix), or a creator's temporary name. Nothing else is ever removed. */
PRBool prshm__list_prshm_name(const char *fname);

/* list.c: makes *e the entry of the object `fname` described by `st`. */
void prshm__list_entry_init(prshm__list_entry *e, const char *fname, const struct stat *st);

/* holders.c: opens the file of `path` without following links or
 * blocking, read-only, or write-only if that is all this process may do,
 * waiting (bounded) while another tool holds a lease on it. -1 with errno. */
int prshm__list_open_probe(const char *path);

/* holders.c: LOCK_EX|LOCK_NB on fd: 1 taken, 0 someone holds a lock, -1
 * the lock cannot be tested (errno set). */
int prshm__list_try_exclusive(int fd);

/* holders.c: tries to take a write lease on fd, granted only if fd's is the
 * one open file of the inode anywhere (a mapping counts); on TAKEN,
 * prshm__list_lease_drop() must follow. */
prshm__list_lease prshm__list_lease_take(int fd);
void prshm__list_lease_drop(int fd);

/* holders.c: whether a lease taken on fd is still whole: no opener has
 * started to break it (prshm's openers, which do not block, start a break
 * too) and the kernel has not ended it (after fs.lease-break-time). */
PRBool prshm__list_lease_intact(int fd);

/* holders.c: the lock and lease tests of one entry, recorded as its
 * evidence; marks it gone if it no longer exists as a file. */
void prshm__list_probe(const char *dir, prshm__list_entry *e);

/* holders.c: scans every process for mappings and descriptors of
 * entries[0, count), skipping this process's descriptor skip_fd. */
PRStatus prshm__list_check_procs(const char *dir, prshm__list_entry *entries, size_t count,
                                 int skip_fd);

/* holders.c: the verdict (PRSHM_USE_*) from the evidence. */
int prshm__list_use(PRUint32 evidence);

#endif /* PRSHM_UNIX_LIST_H */
