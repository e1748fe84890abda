/*
 * prshm_ext.h - prshm's extensions to NSPR's named shared memory API.
 *
 * Nothing here is NSPR's: every name starts with prshm_ or PRSHM_ so that it
 * cannot be taken for an NSPR name, and a program that uses only prshm.h
 * stays source-compatible with NSPR. Errors are reported as in prshm.h,
 * through PR_GetError() and PR_GetOSError().
 */
#ifndef PRSHM_PRSHM_EXT_H
#define PRSHM_PRSHM_EXT_H

#include "prshm.h"

PR_BEGIN_EXTERN_C

/* The version of prshm, as a string and as one number (major*10000 +
 * minor*100 + patch). */
#define PRSHM_VERSION "0.1.0"
#define PRSHM_VERSION_NUMBER 100

/*
 * PRSHM_SPARSE - a PR_OpenSharedMemory() flag: do not reserve the memory of
 * a segment this call creates.
 *
 * By default creation reserves every byte, so a full namespace is reported
 * by PR_OpenSharedMemory(). A sparse segment takes memory only as pages are
 * first written, which suits a large segment used thinly; but if the
 * namespace fills up, writing a new page raises SIGBUS. Ignored when the
 * call opens an existing segment. Windows: no effect; sections are always
 * committed at creation.
 */
#define PRSHM_SPARSE 0x100

/*
 * PRSHM_DIR_ENV - the environment variable that moves the namespace.
 *
 * When PRSHM_DIR is set to an absolute directory (a larger tmpfs, a
 * hugetlbfs mount), segments are files in that directory, mapped shared,
 * with the same semantics as in the default namespace. It is read once, at
 * the first prshm call of the process. Set but not absolute: every open,
 * delete and prshm_native_name() fails with PR_INVALID_ARGUMENT_ERROR. Unix
 * only.
 */
#define PRSHM_DIR_ENV "PRSHM_DIR"

/*
 * PRSHM_NATIVE_NAME_MAX - a buffer of this many bytes holds any native name
 * prshm_native_name() writes, with its terminator.
 */
#define PRSHM_NATIVE_NAME_MAX 4352

/* The version string of the library that is running, PRSHM_VERSION at its
 * build. */
NSPR_API(const char *) prshm_version(void);

/* The name of the backend this build uses: "linux", "posix" or "win32". */
NSPR_API(const char *) prshm_backend_name(void);

/*
 * prshm_get_size - the number of bytes an attachment of `shm` maps.
 *
 * This is the size given to PR_OpenSharedMemory(), or the segment's whole
 * size if 0 was given; exact, not rounded to pages. Returns PR_SUCCESS and
 * sets *size, or PR_FAILURE with PR_INVALID_ARGUMENT_ERROR (shm not an open
 * handle, or size NULL).
 */
NSPR_API(PRStatus) prshm_get_size(PRSharedMemory *shm, PRSize *size);

/*
 * prshm_native_name - the OS name of the segment that `name` designates.
 *
 * Other programs open the segment by this name: on Unix, the name to give
 * shm_open() (for example "/prshm.srv:app:state"; Python's
 * multiprocessing.shared_memory takes it without the leading '/'), or,
 * under PRSHM_DIR, the path of the file; on Windows, the section's object
 * name. A relative name is resolved against the current directory now. The
 * segment need not exist. Writes at most `size` bytes including the
 * terminator; PRSHM_NATIVE_NAME_MAX always suffices.
 *
 * Returns PR_SUCCESS, or PR_FAILURE with PR_INVALID_ARGUMENT_ERROR for a
 * NULL buffer or a size of 0, the errors of PR_OpenSharedMemory() for a bad
 * name, or PR_BUFFER_OVERFLOW_ERROR if `size` is too small.
 */
NSPR_API(PRStatus) prshm_native_name(const char *name, char *buf, PRSize size);

/* ------------------------------------------------------------------------
 * Listing the namespace: which segments exist, and which are orphans.
 *
 * These calls are what the `prshm` command's ls, info and prune use; any
 * program may use them too. A segment is in use while a process holds it
 * open or mapped (see prshm(7)); one that nothing holds is an orphan, left
 * by a process that died or that never deleted it. Three tests tell:
 *   - the lock test (portable backend): every prshm handle holds a shared
 *     advisory lock on its segment (kept while an attachment made through
 *     it stays mapped, even after close), which the kernel drops when the
 *     process dies. Linux's handles take no lock, which would cost every
 *     open a system call: there an open handle is an open file of the
 *     segment, which the lease test sees;
 *   - the lease test (Linux): the kernel grants a write lease on a file only
 *     when no other open file of it exists anywhere, so it sees every
 *     descriptor and every mapping, of any program, in any process, even
 *     ones this process may not inspect. It needs the segment's owner or
 *     CAP_LEASE (root), and a file system with leases (tmpfs has them);
 *   - the process scan (Linux): /proc/PID/maps and /proc/PID/fd of every
 *     process show who maps or holds it, by device and inode.
 * The answer is conservative: a segment is orphaned only when the lease test
 * proves that nothing holds it, or, without the lease test and on the
 * portable backend only, when the lock test and a complete scan of every
 * process both find nothing. On Linux, a segment the lease test cannot be
 * run on (another user's, when not root) is therefore unknown. Where that
 * cannot be established (a process whose records this process may not
 * read, as happens to anyone but root; a system without /proc, such as
 * macOS and the BSDs), it is unknown, and prshm_remove_orphan() refuses it.
 * Without the lease test, processes in other PID namespaces (containers)
 * that share the namespace directory are not seen by the scan.
 *
 * The lease test holds the lease for an instant. A process that opens the
 * segment at that instant waits for it to end (prshm's openers retry); the
 * kernel then signals this process with SIGURG, which is ignored by
 * default. The test is skipped in a process that handles SIGURG.
 *
 * Unix: the namespace is PRSHM_DIR, or /dev/shm on Linux; on other Unix
 * systems the POSIX namespace cannot be listed, so without PRSHM_DIR these
 * calls fail with PR_NOT_IMPLEMENTED_ERROR. Windows: not available yet;
 * every call fails with PR_NOT_IMPLEMENTED_ERROR.
 */

/* A buffer of this many bytes holds any caller's name the listing decodes,
 * with its terminator. */
#define PRSHM_LIST_NAME_MAX 1024

/* What an entry of the listing is (prshm_seginfo.kind). */
#define PRSHM_KIND_NAMED 1    /* a segment whose caller's name is known */
#define PRSHM_KIND_HASHED 2   /* a segment stored under the hash of a name too
                                 long for the system: the name is not known */
#define PRSHM_KIND_LEFTOVER 3 /* a creator's temporary file (".prshm-tmp-*"):
                                 it exists while a process creates a segment
                                 on a file system without unnamed files, and
                                 stays if that process dies; never a segment
                                 anyone can open */

/* Whether an entry is in use (prshm_seginfo.use). */
#define PRSHM_USE_UNKNOWN 0  /* not proved either way: treat as in use */
#define PRSHM_USE_ORPHANED 1 /* nothing holds it: safe to remove */
#define PRSHM_USE_IN_USE 2   /* something holds it */

/* Why (bits of prshm_seginfo.evidence). Any PRSHM_HELD_ bit makes it in
 * use; otherwise PRSHM_FREE_PROVED makes it orphaned; otherwise any of
 * PRSHM_UNCHECKED_LOCK, _PROCS or _SOME makes it unknown. */
#define PRSHM_HELD_HANDLE 0x01      /* the lock test (portable backend only:
                                       Linux handles take no lock): a prshm
                                       handle holds it,
                                       or an attachment made through one */
#define PRSHM_HELD_MAPPED 0x02      /* the scan: a process has it mapped */
#define PRSHM_HELD_OPEN 0x04        /* the scan: a process holds a descriptor */
#define PRSHM_HELD_FILE 0x08        /* the lease test: an open file of it (a
                                       descriptor or a mapping) exists,
                                       perhaps where the scan cannot see */
#define PRSHM_FREE_PROVED 0x10      /* the lease test: no open file of it
                                       exists anywhere */
#define PRSHM_UNCHECKED_LOCK 0x100  /* the lock test was not possible: this
                                       process may not open the segment, the
                                       system cannot lock it, or (Linux) the
                                       backend's handles take no lock */
#define PRSHM_UNCHECKED_PROCS 0x200 /* the processes could not be scanned: no
                                       /proc, or /proc hides processes
                                       (hidepid) from this user */
#define PRSHM_UNCHECKED_SOME 0x400  /* some processes' records could not be
                                       read (other users', when not root) */
#define PRSHM_UNCHECKED_LEASE 0x800 /* the lease test was not possible: not
                                       the owner and no CAP_LEASE, no leases
                                       on this file system or system, or
                                       SIGURG is handled in this process */

/* One entry of the listing. */
typedef struct prshm_seginfo {
  PRIntn kind;        /* PRSHM_KIND_* */
  PRIntn use;         /* PRSHM_USE_UNKNOWN, _ORPHANED or _IN_USE */
  PRUint32 evidence;  /* PRSHM_HELD_*, _FREE_PROVED, _UNCHECKED_* bits: why */
  PRInt32 processes;  /* processes seen mapping it or holding it open */
  char name[PRSHM_LIST_NAME_MAX];          /* the caller's resolved name
                                              ("/srv/app/state") when kind is
                                              PRSHM_KIND_NAMED; else "" */
  char native_name[PRSHM_NATIVE_NAME_MAX]; /* as prshm_native_name() tells:
                                              the shm_open() name, or the
                                              file's path under PRSHM_DIR */
  PRUint64 size;      /* bytes, exact */
  PRUint32 mode;      /* permission bits (07777) */
  PRUint32 uid;       /* owner */
  PRUint32 gid;       /* group */
  PRInt64 mtime;      /* last modification, seconds since 1970 (UTC) */
  PRInt64 ctime;      /* last change of size, mode or name: for a segment
                         prshm created, its creation unless changed since */
  PRInt32 ctime_nsec; /* nanoseconds of ctime */
  PRUint64 device;    /* with inode, ctime and size: which object this is, */
  PRUint64 inode;     /* so that prshm_remove_orphan() never removes another */
} prshm_seginfo;

/* An open listing. Opaque. */
typedef struct prshm_list prshm_list;

/*
 * prshm_list_open - takes a snapshot of the namespace.
 *
 * Reads every prshm entry of the namespace (segments prshm named, readable
 * or hashed, and leftover temporary files; other files are not listed),
 * tests each for use, and returns the listing, to be read with
 * prshm_list_next() and released with prshm_list_close(). The snapshot
 * does not change afterwards. Entries come sorted by native name.
 *
 * Returns the listing, or NULL with the thread's error set to:
 *   PR_FILE_NOT_FOUND_ERROR    the namespace directory does not exist.
 *   PR_NO_ACCESS_RIGHTS_ERROR  it may not be read.
 *   PR_INVALID_ARGUMENT_ERROR  PRSHM_DIR is set but not absolute.
 *   PR_OUT_OF_MEMORY_ERROR     not enough memory for the snapshot.
 *   PR_NOT_IMPLEMENTED_ERROR   this system's namespace cannot be listed
 *                              (Unix other than Linux without PRSHM_DIR;
 *                              Windows).
 */
NSPR_API(prshm_list *) prshm_list_open(void);

/*
 * prshm_list_next - the next entry of a listing.
 *
 * Fills *info and returns PR_SUCCESS, or returns PR_FAILURE with
 * PR_NO_MORE_FILES_ERROR after the last entry (and on every call after
 * that), or PR_INVALID_ARGUMENT_ERROR if list or info is NULL.
 */
NSPR_API(PRStatus) prshm_list_next(prshm_list *list, prshm_seginfo *info);

/* prshm_list_close - releases a listing. NULL is ignored. */
NSPR_API(void) prshm_list_close(prshm_list *list);

/*
 * prshm_stat - what the listing would tell about the segment `name`.
 *
 * `name` is a caller's name, as given to PR_OpenSharedMemory(). Fills *info
 * (use included) and returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  name NULL or empty, info NULL; PRSHM_DIR
 *                              set but not absolute.
 *   PR_NAME_TOO_LONG_ERROR     name of 1024 bytes or more.
 *   PR_FILE_NOT_FOUND_ERROR    no segment has that name.
 *   PR_INVALID_STATE_ERROR     the native name is taken by something that is
 *                              not a segment (a directory, a FIFO, a
 *                              symbolic link).
 *   PR_NOT_IMPLEMENTED_ERROR   as for prshm_list_open().
 */
NSPR_API(PRStatus) prshm_stat(const char *name, prshm_seginfo *info);

/*
 * prshm_remove_orphan - removes the segment `info` describes, only if it is
 * still that same segment and nothing holds it.
 *
 * `info` comes from prshm_list_next() or prshm_stat(). "The same" means the
 * same device and inode, and the change time and size it had (file systems
 * reuse inode numbers, so a segment deleted and made again can get the old
 * one). Everything is checked again, under an exclusive lock that makes
 * prshm's openers wait, and, on Linux, under a write lease that makes every
 * other opener wait, until the name is gone: an opener racing with the
 * removal then finds the name gone and creates a new segment (or fails to
 * find one), and never keeps one that is no longer reachable by name.
 * Without the lease test, a program that is not prshm and maps the segment
 * in the instant between the check and the removal keeps its mapping (the
 * memory lives while mapped); only the name is gone.
 *
 * Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  info NULL, or not an entry of this namespace.
 *   PR_FILE_NOT_FOUND_ERROR    the segment is gone, or its name now holds a
 *                              different segment (which is left alone).
 *   PR_FILE_IS_BUSY_ERROR      it is in use (a handle, a mapping, or an open
 *                              descriptor).
 *   PR_NO_ACCESS_RIGHTS_ERROR  this process may not check it completely (it
 *                              may not open the segment, or read some
 *                              process's records) or may not remove it.
 *   PR_OPERATION_NOT_SUPPORTED_ERROR  this system cannot tell whether it is
 *                              in use (no lease test and no /proc, /proc
 *                              hiding processes, or no locks).
 *   PR_NOT_IMPLEMENTED_ERROR   as for prshm_list_open().
 */
NSPR_API(PRStatus) prshm_remove_orphan(const prshm_seginfo *info);

PR_END_EXTERN_C

#endif /* PRSHM_PRSHM_EXT_H */
