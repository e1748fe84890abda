/*
 * prshm_ext.h - prshm's extensions to NSPR's named shared memory and named
 * semaphore APIs.
 *
 * Nothing here is NSPR's: every name starts with prshm_ or PRSHM_ so that it
 * cannot be taken for an NSPR name, and a program that uses only prshm.h
 * and pripcsem.h stays source-compatible with NSPR. Errors are reported as
 * in those headers, through PR_GetError() and PR_GetOSError().
 *
 * Sections: version and backend; segments; semaphores (timed wait,
 * try-wait, value); the robust named lock; listing the namespace.
 */
#ifndef PRSHM_PRSHM_EXT_H
#define PRSHM_PRSHM_EXT_H

#include "pripcsem.h"
#include "prshm.h"

PR_BEGIN_EXTERN_C

/* The version of prshm, as a string and as one number (major*10000 +
 * minor*100 + patch). */
#define PRSHM_VERSION "0.2.0"
#define PRSHM_VERSION_NUMBER 200

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
 * shm_open() (for example "/prshm.srv+app+state"; Python's
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

/*
 * prshm_open_native - opens an existing segment by its native name, such as
 * one another program made (Python's multiprocessing.shared_memory makes
 * "/psm_1a2b"). `native` is as for prshm_stat_native(); size and the
 * handle it returns are as for PR_OpenSharedMemory() (0 maps the whole
 * segment), and every check of an open applies: a regular file under one
 * name, never a link, a FIFO or a directory. flags must be 0: prshm never
 * creates an object under a name it did not make.
 *
 * Returns a handle, or NULL with the errors of PR_OpenSharedMemory() for an
 * existing segment, and PR_INVALID_ARGUMENT_ERROR for flags other than 0 or
 * a name not of this namespace; PR_NOT_IMPLEMENTED_ERROR on Windows.
 */
NSPR_API(PRSharedMemory *) prshm_open_native(const char *native, PRSize size, PRIntn flags);

/*
 * prshm_namespace - where segments live, and whether that place is usable.
 *
 * Writes the namespace directory (PRSHM_DIR, or /dev/shm on Linux; "" where
 * the system's namespace is not a directory, as on macOS) into buf, and
 * returns PR_SUCCESS if it can hold segments, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  buf NULL or size 0; PRSHM_DIR set but not an
 *                              absolute path (buf then holds PRSHM_DIR).
 *   PR_NAME_TOO_LONG_ERROR     PRSHM_DIR longer than a path may be.
 *   PR_FILE_NOT_FOUND_ERROR    the directory does not exist.
 *   PR_NOT_DIRECTORY_ERROR     it is not a directory.
 *   PR_NO_ACCESS_RIGHTS_ERROR  this process may not look into it.
 *   PR_BUFFER_OVERFLOW_ERROR   buf is too small (PRSHM_NATIVE_NAME_MAX
 *                              always suffices).
 * Programs use it to tell a problem with the place from one with a name.
 * Windows: "Local\" and PR_SUCCESS.
 */
NSPR_API(PRStatus) prshm_namespace(char *buf, PRSize size);

/* ------------------------------------------------------------------------
 * Semaphores: what NSPR's API lacks (pripcsem.h has the rest).
 */

/* The largest value a semaphore holds on Linux and Windows (2^31 - 1).
 * prshm_sem_value_max() tells the running system's: on other Unix systems
 * it is the OS's SEM_VALUE_MAX (32767 on macOS). */
#define PRSHM_SEM_VALUE_MAX 2147483647u

/* A timeout that never expires, for the timed calls below. */
#define PRSHM_NO_TIMEOUT 0xffffffffu

/* prshm_sem_value_max - the largest value a semaphore can hold here: an
 * initial value above it is PR_INVALID_ARGUMENT_ERROR, and a post at it is
 * PR_RANGE_ERROR. */
NSPR_API(PRUint32) prshm_sem_value_max(void);

/*
 * prshm_sem_trywait - take 1 from the semaphore if it is above 0, without
 * waiting.
 *
 * Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_WOULD_BLOCK_ERROR       the value is 0; nothing changes.
 *   PR_INVALID_ARGUMENT_ERROR  sem is not an open semaphore handle.
 */
NSPR_API(PRStatus) prshm_sem_trywait(PRSem *sem);

/*
 * prshm_sem_timedwait - take 1 from the semaphore, waiting at most
 * `timeout_ms` milliseconds.
 *
 * The time is measured on the monotonic clock (setting the system's clock
 * changes nothing), from the call, and signals neither end the wait nor
 * extend it. 0 does not wait at all (like prshm_sem_trywait(), with the
 * timeout's error); PRSHM_NO_TIMEOUT waits like PR_WaitSemaphore(). On
 * systems without a timed semaphore wait (macOS), a timed wait checks the
 * value at growing intervals of at most 1 ms instead of sleeping until a
 * post (prshm(7)).
 *
 * Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_IO_TIMEOUT_ERROR        the time ran out with the value still 0.
 *   PR_INVALID_ARGUMENT_ERROR  sem is not an open semaphore handle.
 *   PR_UNKNOWN_ERROR           the OS failed the wait (PR_GetOSError()).
 */
NSPR_API(PRStatus) prshm_sem_timedwait(PRSem *sem, PRUint32 timeout_ms);

/*
 * prshm_sem_getvalue - the semaphore's value now (which other processes
 * may change the next instant).
 *
 * Returns PR_SUCCESS and sets *value, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  sem is not an open semaphore handle, or value
 *                              is NULL.
 *   PR_NOT_IMPLEMENTED_ERROR   the system cannot tell (macOS).
 */
NSPR_API(PRStatus) prshm_sem_getvalue(PRSem *sem, PRUint32 *value);

/* ------------------------------------------------------------------------
 * The robust named lock.
 *
 * A lock with a name, shared by every process that opens the name, held by
 * one thread at a time. It is robust: when the thread that holds it dies
 * (its process is killed or crashes, or the thread exits) without
 * releasing it, the lock is never left held for good. The next thread to
 * acquire it gets it, and is told that the previous holder died, so that it
 * can check and repair the data the lock guards:
 *
 *     prshm_lock *lk = prshm_lock_open("/myapp/table", PRSHM_LOCK_CREATE, 0600);
 *     PRBool died;
 *     if (prshm_lock_acquire(lk, &died) == PR_SUCCESS) {
 *       if (died) repair_table(table);     the last writer may have stopped
 *       update_table(table);               half-way through
 *       prshm_lock_release(lk);
 *     }
 *
 * Design, after what users of other robust locks trip on:
 *   - success always means the caller holds the lock, failure that it does
 *     not. (POSIX reports a dead holder as the error EOWNERDEAD, Windows as
 *     WAIT_ABANDONED, while the caller does hold the lock; code that treats
 *     every non-zero result as failure then never releases it.) The news
 *     comes through *owner_died instead, which may be NULL for a caller
 *     whose data needs no repair.
 *   - there is no step to mark the data repaired. (A POSIX robust mutex
 *     whose EOWNERDEAD is not followed by pthread_mutex_consistent() is
 *     unusable for every process from then on.) The lock works normally
 *     after a death, whatever the caller does about it.
 *   - each death is reported exactly once, to the next thread that
 *     acquires the lock, in whatever process.
 *   - a thread that acquires a lock it already holds gets
 *     PR_DEADLOCK_ERROR, on every system (Windows' mutexes would count it
 *     as recursion); releasing a lock the calling thread does not hold is
 *     PR_INVALID_STATE_ERROR, and changes nothing.
 *   - waits are on the monotonic clock, and signals never end them.
 * Closing a handle does not release the lock. A thread that closes the
 * handle through which it holds the lock keeps holding it until it exits
 * (then the next holder is told), and the lock's small object stays mapped
 * in the process until the process exits, even if the lock is then
 * released through another handle. Release before closing.
 *
 * Names follow the rules of segments and semaphores; a lock, a semaphore
 * and a segment of the same name are three objects. Linux: a small file in
 * the namespace holding a process-shared robust mutex (every process using
 * a lock must use the same C library and word size, which prshm checks).
 * Other Unix systems: a file in the namespace and flock(); locking costs
 * two system calls, a timed acquire polls at growing intervals of at most
 * 1 ms, and where the namespace cannot be locked (macOS's shm_open()
 * objects) the lock needs PRSHM_DIR. Windows: a named mutex object. See
 * prshm(7).
 */

/* An open lock. Opaque. */
typedef struct prshm_lock prshm_lock;

/* Flags of prshm_lock_open(): as for PR_OpenSemaphore(). */
#define PRSHM_LOCK_CREATE 0x1 /* create the lock if it does not exist */
#define PRSHM_LOCK_EXCL 0x2   /* with PRSHM_LOCK_CREATE: fail if it exists */

/*
 * prshm_lock_open - open the lock called `name`, creating it if asked.
 *
 * Flags and mode as for PR_OpenSemaphore(): mode is used only by a call
 * that creates the lock (exactly those permissions), and opening needs
 * permission to read and write it. Creation is atomic. A new lock is free.
 *
 * Returns a handle, or NULL with the errors of PR_OpenSemaphore() (the
 * value's aside), and:
 *   PR_OPERATION_NOT_SUPPORTED_ERROR  the namespace cannot be locked
 *                              (macOS without PRSHM_DIR).
 */
NSPR_API(prshm_lock *) prshm_lock_open(const char *name, PRIntn flags, PRIntn mode);

/*
 * prshm_lock_close - forget the handle. It does not release the lock (see
 * above). Returns PR_SUCCESS, or PR_FAILURE with PR_INVALID_ARGUMENT_ERROR
 * (lock is not an open lock handle).
 */
NSPR_API(PRStatus) prshm_lock_close(prshm_lock *lock);

/*
 * prshm_lock_delete - remove the lock called `name`, as
 * PR_DeleteSemaphore() removes a semaphore: the name is gone at once; open
 * handles keep working on the old lock, and its holder and waiters are
 * left alone. Returns PR_SUCCESS, or PR_FAILURE with the errors of
 * PR_DeleteSemaphore().
 */
NSPR_API(PRStatus) prshm_lock_delete(const char *name);

/*
 * prshm_lock_acquire - acquire the lock, sleeping while another thread
 * holds it.
 *
 * On success the calling thread holds the lock, and *owner_died (unless
 * owner_died is NULL) is PR_TRUE if the previous holder died holding it:
 * the data it guards may be half-updated. Otherwise PR_FALSE.
 *
 * Returns PR_SUCCESS, or PR_FAILURE (the lock is not held) with:
 *   PR_INVALID_ARGUMENT_ERROR  lock is not an open lock handle.
 *   PR_DEADLOCK_ERROR          the calling thread holds it already.
 *   PR_UNKNOWN_ERROR           the OS failed (PR_GetOSError()).
 */
NSPR_API(PRStatus) prshm_lock_acquire(prshm_lock *lock, PRBool *owner_died);

/*
 * prshm_lock_tryacquire - acquire the lock if it is free, without waiting.
 * As prshm_lock_acquire(), and fails with PR_WOULD_BLOCK_ERROR if another
 * thread holds it.
 */
NSPR_API(PRStatus) prshm_lock_tryacquire(prshm_lock *lock, PRBool *owner_died);

/*
 * prshm_lock_timedacquire - acquire the lock, waiting at most
 * `timeout_ms` milliseconds (PRSHM_NO_TIMEOUT: no limit; measured as for
 * prshm_sem_timedwait()). As prshm_lock_acquire(), and fails with
 * PR_IO_TIMEOUT_ERROR if another thread still holds it when the time is up.
 */
NSPR_API(PRStatus) prshm_lock_timedacquire(prshm_lock *lock, PRUint32 timeout_ms,
                                           PRBool *owner_died);

/*
 * prshm_lock_release - release the lock, which the calling thread holds.
 *
 * Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  lock is not an open lock handle.
 *   PR_INVALID_STATE_ERROR     the calling thread does not hold it; nothing
 *                              changes.
 */
NSPR_API(PRStatus) prshm_lock_release(prshm_lock *lock);

/* ------------------------------------------------------------------------
 * Listing the namespace: what is there, and whether anything holds it.
 *
 * These calls are what the `prshm` command's ls, info and prune use; any
 * program may use them too. The listing shows every object of the
 * namespace, with its kind: prshm's segments, and also other programs'
 * shared memory and anything else found there, which prshm never removes.
 * A segment is held while a process holds it open or mapped (see
 * prshm(7)); one that nothing holds was left by a process that died, or
 * was made to stay (like NSPR's, a segment lasts until it is deleted).
 * Three tests tell:
 *   - the lock test (portable backend): every prshm handle holds a shared
 *     advisory lock on its segment (kept while an attachment made through
 *     it stays mapped, even after close), which the kernel drops when the
 *     process dies. Linux's handles take no lock, which would cost every
 *     open a system call: there the test does not apply, and an open handle
 *     is an open file of the segment, which the lease test sees;
 *   - the lease test (Linux): the kernel grants a write lease on a file only
 *     when no other open file of it exists anywhere, so it sees every
 *     descriptor and every mapping, of any program, in any process, even
 *     ones this process may not inspect. It needs the segment's owner or
 *     CAP_LEASE (root), and a file system with leases (tmpfs has them);
 *   - the process scan (Linux): /proc/PID/maps and /proc/PID/fd of every
 *     process show who maps or holds it, by device and inode.
 * The answer is conservative: a segment is unheld only when the lease test
 * proves that nothing holds it, or, on the portable backend, when the lock
 * test and a complete scan of every process both find nothing. On Linux, a
 * segment the lease test cannot be run on (another user's, when not root)
 * is therefore unknown; so is one where a scan cannot be complete (a
 * process whose records this process may not read, as happens to anyone
 * but root; a system without /proc, such as macOS and the BSDs).
 * prshm_remove_orphan() refuses what is unknown. Without the lease test,
 * processes in other PID namespaces (containers) that share the namespace
 * directory are not seen by the scan.
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

/* What an entry of the listing is (prshm_seginfo.kind). The listing shows
 * every object of the namespace; only the first three are prshm's, and
 * only those are ever removed by prshm_remove_orphan(). */
#define PRSHM_KIND_NAMED 1 /* a segment whose caller's name is known */
#define PRSHM_KIND_HASHED                            \
  2 /* a segment stored under the hash of a name too \
       long for the system: the name is not known */
#define PRSHM_KIND_LEFTOVER                         \
  3 /* a creator's temporary file (".prshm-tmp-*"): \
       it exists while a process creates a segment  \
       on a file system without unnamed files, and  \
       stays if that process dies; never a segment  \
       anyone can open */
#define PRSHM_KIND_FOREIGN                          \
  4 /* a file prshm did not name: another program's \
       shared memory (Python's "psm_*", glibc's     \
       "sem.*"); prshm_open_native() opens it */
#define PRSHM_KIND_OTHER                          \
  5 /* not a segment at all: a directory, a FIFO, \
       a socket, a symbolic link, or a file under \
       more than one name (a hard link), which    \
       prshm never takes for a segment */

/* Whether anything holds an entry (prshm_seginfo.use). */
#define PRSHM_USE_UNKNOWN 0 /* not proved either way: treat it as held */
#define PRSHM_USE_UNHELD 1  /* no process holds it open or mapped */
#define PRSHM_USE_HELD 2    /* a process holds it open or mapped */
/* The names of 0.1, kept for programs written against it. */
#define PRSHM_USE_ORPHANED PRSHM_USE_UNHELD
#define PRSHM_USE_IN_USE PRSHM_USE_HELD

/* The number of holders' process ids an entry records. */
#define PRSHM_HOLDERS_MAX 8

/* Why (bits of prshm_seginfo.evidence). Any PRSHM_HELD_ bit makes it held;
 * otherwise PRSHM_FREE_PROVED makes it unheld; otherwise it is unknown,
 * and the PRSHM_UNCHECKED_ bits say what could not be checked. Where the
 * lease test decided, the UNCHECKED bits are left out: they did not
 * matter. */
#define PRSHM_HELD_HANDLE                                                \
  0x01                         /* the lock test (portable backend only): \
                                  a prshm handle holds it, or an         \
                                  attachment made through one */
#define PRSHM_HELD_MAPPED 0x02 /* the scan: a process has it mapped */
#define PRSHM_HELD_OPEN 0x04   /* the scan: a process holds a descriptor */
#define PRSHM_HELD_FILE                         \
  0x08 /* the lease test: an open file of it (a \
          descriptor or a mapping) exists,      \
          perhaps where the scan cannot see */
#define PRSHM_FREE_PROVED                    \
  0x10 /* the lease test: no open file of it \
          exists anywhere */
#define PRSHM_UNCHECKED_LOCK                    \
  0x100 /* the lock test (portable backend) was \
           not possible: this process may not   \
           open the segment, or the system      \
           cannot lock it */
#define PRSHM_UNCHECKED_PROCS                     \
  0x200 /* the processes could not be scanned: no \
           /proc, or /proc hides processes        \
           (hidepid) from this user */
#define PRSHM_UNCHECKED_SOME                    \
  0x400 /* some processes' records could not be \
           read (other users', when not root) */
#define PRSHM_UNCHECKED_LEASE                    \
  0x800 /* the lease test was not possible: not  \
           the owner and no CAP_LEASE, no leases \
           on this file system or system, or     \
           SIGURG is handled in this process */

/* One entry of the listing. */
typedef struct prshm_seginfo {
  PRIntn kind;                             /* PRSHM_KIND_* */
  PRIntn use;                              /* PRSHM_USE_UNKNOWN, _ORPHANED or _IN_USE */
  PRUint32 evidence;                       /* PRSHM_HELD_*, _FREE_PROVED, _UNCHECKED_* bits: why */
  PRInt32 processes;                       /* processes seen mapping it or holding it open */
  PRInt32 pids[PRSHM_HOLDERS_MAX];         /* the first of them (processes of them;
                                              the scan sees a segment's creator too,
                                              whose descriptor the system shows as
                                              "#inode (deleted)") */
  char name[PRSHM_LIST_NAME_MAX];          /* the caller's resolved name
                                              ("/srv/app/state") when kind is
                                              PRSHM_KIND_NAMED; else "" */
  char native_name[PRSHM_NATIVE_NAME_MAX]; /* as prshm_native_name() tells:
                                              the shm_open() name, or the
                                              file's path under PRSHM_DIR */
  PRUint64 size;                           /* bytes, exact */
  PRUint32 mode;                           /* permission bits (07777) */
  PRUint32 uid;                            /* owner */
  PRUint32 gid;                            /* group */
  PRInt64 mtime;                           /* last modification, seconds since 1970 (UTC) */
  PRInt64 ctime;                           /* last change of size, mode or name: for a segment
                                              prshm created, its creation unless changed since */
  PRInt32 ctime_nsec;                      /* nanoseconds of ctime */
  PRUint64 device;                         /* with inode, ctime and size: which object this is, */
  PRUint64 inode;                          /* so that prshm_remove_orphan() never removes another */
  /* What a prshm entry (kind NAMED or HASHED) is, and its state when
   * listed. Other entries have PRSHM_OBJECT_SEGMENT, -1, PRSHM_LOCK_UNKNOWN
   * and 0. */
  PRIntn object;       /* PRSHM_OBJECT_SEGMENT, _SEMAPHORE or _LOCK */
  PRInt64 value;       /* a semaphore's value, or -1 if it could not be read */
  PRIntn lock_state;   /* a lock's: PRSHM_LOCK_FREE, _HELD, _ABANDONED, _UNKNOWN */
  PRInt32 lock_holder; /* its holder's thread id (Linux), or 0 if not known */
} prshm_seginfo;

/* What a prshm entry is (prshm_seginfo.object). */
#define PRSHM_OBJECT_SEGMENT 0   /* a segment (PR_OpenSharedMemory) */
#define PRSHM_OBJECT_SEMAPHORE 1 /* a named semaphore (PR_OpenSemaphore) */
#define PRSHM_OBJECT_LOCK 2      /* a robust named lock (prshm_lock_open) */

/* A lock's state (prshm_seginfo.lock_state), as found when listed. */
/* HELD: a thread holds it, or (portable backend, which cannot tell them
 * apart without taking the lock, which the listing never does) held it and
 * died. ABANDONED: its holder died holding it (Linux), and the next thread
 * to acquire it will be told. */
#define PRSHM_LOCK_UNKNOWN 0   /* not read, or not a lock */
#define PRSHM_LOCK_FREE 1      /* nobody holds it */
#define PRSHM_LOCK_HELD 2      /* a thread holds it */
#define PRSHM_LOCK_ABANDONED 3 /* its holder died holding it */

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
 * prshm_stat_object - the same for the semaphore or lock `name`: object is
 * PRSHM_OBJECT_SEGMENT (what prshm_stat() does), PRSHM_OBJECT_SEMAPHORE or
 * PRSHM_OBJECT_LOCK. Fails as prshm_stat() does (PR_FILE_NOT_FOUND_ERROR:
 * no object of that kind has the name), and with PR_INVALID_ARGUMENT_ERROR
 * for another value of object, and PR_NOT_IMPLEMENTED_ERROR where this
 * system's semaphores are not in the listed namespace (the portable
 * backend's, which are POSIX named semaphores, except on Linux without
 * PRSHM_DIR, where glibc keeps them in /dev/shm).
 */
NSPR_API(PRStatus) prshm_stat_object(const char *name, PRIntn object, prshm_seginfo *info);

/*
 * prshm_stat_native - what the listing would tell about the object whose
 * native name is `native`: any object of the namespace, prshm's or not
 * (Python's "psm_1a2b" say). On Unix `native` is a name as shm_open()
 * takes it ("/psm_1a2b"), the bare file name ("psm_1a2b"), or under
 * PRSHM_DIR the file's path; it must name an object directly in the
 * namespace. Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  native or info NULL, native empty, or not a
 *                              name in this namespace ("a/b", "..", a path
 *                              outside PRSHM_DIR).
 *   PR_NAME_TOO_LONG_ERROR     a file name longer than the system allows.
 *   PR_FILE_NOT_FOUND_ERROR    nothing has that name.
 *   PR_NOT_IMPLEMENTED_ERROR   as for prshm_list_open().
 */
NSPR_API(PRStatus) prshm_stat_native(const char *native, prshm_seginfo *info);

/*
 * prshm_remove_orphan - removes the segment `info` describes, only if it is
 * still that same segment and nothing holds it.
 *
 * `info` comes from prshm_list_next() or prshm_stat(), and is one of
 * prshm's kinds (a segment, or a creator's leftover): other programs'
 * objects are never removed. "The same" means the same device and inode,
 * and the change time and size it had (file systems reuse inode numbers,
 * so a segment deleted and made again can get the old one). Everything is
 * checked again, under an exclusive lock that makes prshm's openers wait,
 * and, on Linux, under a write lease that makes every other opener wait:
 * the name is first moved to a temporary name, and removed only if no
 * opener has started to wait on the lease meanwhile (however long this
 * process was stopped: once the kernel ends a lease after
 * fs.lease-break-time, that shows too). Otherwise the name is put back and
 * the removal fails with PR_FILE_IS_BUSY_ERROR: an opener never keeps a
 * segment that is no longer reachable by name. Without the lease test (the
 * portable backend), a program that is not prshm and maps the segment in
 * the instant between the check and the removal keeps its mapping (the
 * memory lives while mapped); only the name is gone.
 *
 * Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  info NULL, not an entry of this namespace,
 *                              or not prshm's (PRSHM_KIND_FOREIGN, _OTHER).
 *   PR_FILE_NOT_FOUND_ERROR    the segment is gone, or its name now holds a
 *                              different segment (which is left alone).
 *   PR_FILE_IS_BUSY_ERROR      it is held (a handle, a mapping, or an open
 *                              descriptor), or a process opened it while
 *                              it was being removed (it is kept, whole).
 *   PR_INVALID_STATE_ERROR     its name is now one of two names of a file.
 *   PR_NO_ACCESS_RIGHTS_ERROR  this process may not check it completely (it
 *                              may not open the segment, or read some
 *                              process's records) or may not remove it.
 *   PR_OPERATION_NOT_SUPPORTED_ERROR  this system cannot tell whether it is
 *                              held (no lease test and no /proc, /proc
 *                              hiding processes, or no locks).
 *   PR_NOT_IMPLEMENTED_ERROR   as for prshm_list_open().
 */
NSPR_API(PRStatus) prshm_remove_orphan(const prshm_seginfo *info);

PR_END_EXTERN_C

#endif /* PRSHM_PRSHM_EXT_H */
