/*
 * pripcsem.h - named semaphores shared between processes: NSPR's API, as
 * prshm implements it.
 *
 * A semaphore is a counter with a name. Waiting takes 1 from it, sleeping
 * while it is 0; posting adds 1 and wakes a waiter. Processes that open the
 * same name share one counter:
 *
 *     PRSem *ready = PR_OpenSemaphore("/myapp/ready", PR_SEM_CREATE, 0600, 0);
 *     PR_WaitSemaphore(ready);            sleeps until another process posts
 *     PR_PostSemaphore(ready);            adds 1, waking one waiter
 *     PR_CloseSemaphore(ready);           forgets the handle
 *     PR_DeleteSemaphore("/myapp/ready"); removes the name
 *
 * This header declares exactly NSPR's API, with NSPR's names, signatures and
 * flag values, so a program written for NSPR compiles and runs unchanged.
 * prshm's additions (a timed wait, a try-wait, the current value, and a
 * robust named lock) are in prshm_ext.h. Every function records the cause of
 * a failure for the calling thread (PR_GetError(), PR_GetOSError(): see
 * prerror.h), is thread-safe, and may be called concurrently on one handle.
 * None is async-signal-safe.
 *
 * Names follow the rules of prshm.h: a name is a key, never a file (1 to
 * 1023 bytes; a name not starting with '/' is relative to the current
 * directory; "a//b", "a/./b" and "a/b" are one name), and two different
 * names never share a semaphore. A semaphore and a segment of the same name
 * are two different objects.
 *
 * Where semaphores live. Linux: a small file in the shared memory namespace
 * (/dev/shm, or PRSHM_DIR), waited on with futexes. Other Unix systems: a
 * POSIX named semaphore (sem_open()). Windows: a named semaphore object in
 * Local\ (or Global\ when the name says so). prshm(7) and docs/semaphores.md
 * list what differs between them (the largest value, chiefly).
 *
 * A semaphore stays until PR_DeleteSemaphore() removes it, even when no
 * process has it open (Windows: until the creating process deletes it or
 * exits, since Windows destroys an object with its last handle).
 */
#ifndef PRSHM_PRIPCSEM_H
#define PRSHM_PRIPCSEM_H

/*
 * Two builds share this header, as they share prshm.h (see there): beside
 * prshm's own prtypes.h in the standalone library's include directory,
 * beside none in the companion's, where NSPR's are found. prshm_link.h
 * binds the program to that directory's library before any declaration.
 */
#include "prshm_link.h"
#include "prtypes.h"

/*
 * NSPR's own pripcsem.h declares this same API, and in the companion's
 * build it may be in the same translation unit (nspr.h includes it). Only
 * one of the two may declare it. If NSPR's came first (its include guard,
 * pripcsem_h___, is set), its declarations stand, renamed like these. If
 * this one comes first, it does what NSPR's does (include NSPR's prio.h)
 * and sets NSPR's guard, so that NSPR's adds nothing.
 */
#if !defined(PRSHM_NSPR) || !defined(pripcsem_h___)
#define pripcsem_h___
#ifdef PRSHM_NSPR
#include "prio.h"
#endif

PR_BEGIN_EXTERN_C

/* An open semaphore. Opaque: only pointers to it are used. */
typedef struct PRSem PRSem;

/* Flags of PR_OpenSemaphore(). */
#define PR_SEM_CREATE 0x1 /* create the semaphore if it does not exist */
#define PR_SEM_EXCL 0x2   /* with PR_SEM_CREATE: fail if it exists */

/*
 * PR_OpenSemaphore - open the semaphore called `name`, creating it if asked.
 *
 * flags 0: open an existing semaphore. PR_SEM_CREATE: open it, or create it
 * if it does not exist. PR_SEM_CREATE|PR_SEM_EXCL: create it, failing if it
 * exists. (PR_SEM_EXCL without PR_SEM_CREATE is ignored, as under NSPR.)
 *
 * mode and value are used only by a call that creates the semaphore: its
 * permissions, exactly `mode` (the umask does not narrow them; Unix other
 * than Linux: see prshm(7)), and its starting value, 0 to the largest value
 * (PRSHM_SEM_VALUE_MAX, 2147483647, on Linux and Windows; prshm(7) gives the
 * others). A value is never truncated or wrapped. Opening needs permission
 * to read and write the semaphore (both are needed to wait and to post).
 *
 * Creation is atomic: no process ever opens a semaphore that is not yet
 * complete (value and permissions set), no opener waits for a creator, and
 * a creator that dies part-way leaves either nothing or a whole semaphore.
 *
 * Returns a handle, or NULL with the thread's error set to:
 *   PR_INVALID_ARGUMENT_ERROR  name NULL or empty; flags other than
 *                              PR_SEM_CREATE and PR_SEM_EXCL; mode bits
 *                              outside 0777; with PR_SEM_CREATE, a value
 *                              above the largest; PRSHM_DIR set but not
 *                              absolute.
 *   PR_NAME_TOO_LONG_ERROR     name of 1024 bytes or more, or too long once
 *                              resolved against the current directory.
 *   PR_FILE_NOT_FOUND_ERROR    no semaphore has the name and PR_SEM_CREATE is
 *                              not set.
 *   PR_FILE_EXISTS_ERROR       PR_SEM_CREATE|PR_SEM_EXCL and it exists.
 *   PR_NO_ACCESS_RIGHTS_ERROR  it exists and this process may not both read
 *                              and write it; or it may not create it.
 *   PR_INVALID_STATE_ERROR     the native name is taken by something that is
 *                              not a prshm semaphore (or one made by a build
 *                              that cannot share it: see prshm(7)).
 *   PR_NO_DEVICE_SPACE_ERROR, PR_OUT_OF_MEMORY_ERROR,
 *   PR_INSUFFICIENT_RESOURCES_ERROR  no room for another semaphore.
 *   PR_PROC_DESC_TABLE_FULL_ERROR, PR_SYS_DESC_TABLE_FULL_ERROR  no
 *                              descriptor left (briefly needed to open it).
 *   PR_READ_ONLY_FILESYSTEM_ERROR  the namespace is read-only (creating).
 *   PR_FILE_IS_BUSY_ERROR      other processes kept creating and deleting
 *                              the name faster than this call could open it;
 *                              or (Windows) it was deleted but is still open
 *                              somewhere, so the name cannot be reused yet.
 *   PR_UNKNOWN_ERROR           an OS error with no better code
 *                              (PR_GetOSError() tells it).
 */
NSPR_API(PRSem *) PR_OpenSemaphore(const char *name, PRIntn flags, PRIntn mode, PRUintn value);

/*
 * PR_WaitSemaphore - take 1 from the semaphore, sleeping while it is 0.
 *
 * The wait sleeps in the kernel, wakes within microseconds of a post, and is
 * not ended by signals: a signal handler runs and the wait goes on. It ends
 * only when it has taken 1. Deleting the semaphore does not end it either;
 * a post through any open handle still does.
 *
 * Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  sem is not an open semaphore handle (NULL,
 *                              closed, or a handle of another kind).
 *   PR_UNKNOWN_ERROR           the OS failed the wait (PR_GetOSError()).
 */
NSPR_API(PRStatus) PR_WaitSemaphore(PRSem *sem);

/*
 * PR_PostSemaphore - add 1 to the semaphore, waking one waiter if any.
 *
 * Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  sem is not an open semaphore handle.
 *   PR_RANGE_ERROR             the value is already the largest allowed; it
 *                              is left unchanged.
 */
NSPR_API(PRStatus) PR_PostSemaphore(PRSem *sem);

/*
 * PR_CloseSemaphore - forget the handle. The semaphore itself stays (until
 * PR_DeleteSemaphore()). The handle is invalid from now on: using or
 * closing it again fails with PR_INVALID_ARGUMENT_ERROR. A wait already
 * sleeping on it in another thread goes on until it takes 1.
 *
 * Returns PR_SUCCESS, or PR_FAILURE with PR_INVALID_ARGUMENT_ERROR (sem is
 * not an open semaphore handle).
 */
NSPR_API(PRStatus) PR_CloseSemaphore(PRSem *sem);

/*
 * PR_DeleteSemaphore - remove the semaphore called `name`.
 *
 * The name is gone at once: a later open without PR_SEM_CREATE fails with
 * PR_FILE_NOT_FOUND_ERROR and a later create makes a new semaphore. Handles
 * already open keep working on the old one, and its waiters are not woken
 * or failed. (Windows: the name is reusable only once every handle of the
 * old semaphore is closed; until then a create fails with
 * PR_FILE_IS_BUSY_ERROR.)
 *
 * Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  name NULL or empty; PRSHM_DIR not absolute.
 *   PR_NAME_TOO_LONG_ERROR     as for PR_OpenSemaphore().
 *   PR_FILE_NOT_FOUND_ERROR    no semaphore has the name; nothing changes.
 *   PR_NO_ACCESS_RIGHTS_ERROR  this process may not remove it (Unix: the
 *                              namespace directory is sticky and it belongs
 *                              to another user; Windows: not its owner).
 *   PR_UNKNOWN_ERROR           another OS error (PR_GetOSError()).
 */
NSPR_API(PRStatus) PR_DeleteSemaphore(const char *name);

PR_END_EXTERN_C

#endif /* the declarations */
#endif /* PRSHM_PRIPCSEM_H */
