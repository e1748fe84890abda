/*
 * prshm.h - named shared memory: NSPR's API, as prshm implements it.
 *
 * A segment is a block of memory with a name. Processes that open the same
 * name share its bytes. The calls and their protocol are NSPR's:
 *
 *     PRSharedMemory *shm = PR_OpenSharedMemory("/myapp/state", 4096,
 *                                               PR_SHM_CREATE, 0600);
 *     char *p = PR_AttachSharedMemory(shm, 0);     map it
 *     ... use p[0] .. p[4095] ...
 *     PR_DetachSharedMemory(shm, p);               unmap it
 *     PR_CloseSharedMemory(shm);                   forget the handle
 *     PR_DeleteSharedMemory("/myapp/state");       remove the name
 *
 * This header declares exactly NSPR's API, with NSPR's names, signatures and
 * flag values, so a program written for NSPR compiles and runs unchanged.
 * prshm's additions live in prshm_ext.h. Every function records the cause of
 * a failure for the calling thread: read it with PR_GetError() and
 * PR_GetOSError() (prerror.h). Every function is thread-safe, including
 * concurrent calls on one handle.
 *
 * Names. A name is a key, not a file: prshm never creates, opens or removes
 * a file at the name's path. 1 to 1023 bytes. A name not starting with '/'
 * is taken relative to the current directory at the time of the call, so
 * "data" opened in /srv and in /tmp names two segments, as under NSPR;
 * "a//b", "a/./b" and "a/b" name one segment, and ".." is resolved by
 * removing the component before it. The resolved name maps to one OS
 * object, the segment's native name (prshm_ext.h tells it): two different
 * names never share a segment.
 *
 * Where segments live. Unix: the POSIX shared memory namespace (/dev/shm on
 * Linux), or the directory named by the environment variable PRSHM_DIR,
 * read once at the first call. Windows: named section objects (Local\ by
 * default). See prshm(7).
 */
#ifndef PRSHM_PRSHM_H
#define PRSHM_PRSHM_H

/*
 * Two builds share this header. In the standalone library's include
 * directory (prshm/) it sits beside prshm's own prtypes.h and prerror.h; in
 * the companion's (prshm-nspr/) it has none beside it, and the ones found
 * are NSPR's. prshm_link.h, beside it in both, binds the program to that
 * directory's library (see there); it comes before any declaration.
 */
#include "prshm_link.h"
#include "prtypes.h"

/*
 * NSPR's own prshm.h declares this same API, and in the companion's build it
 * may be in the same translation unit (nspr.h includes it). Only one of the
 * two may declare it: C before C11 rejects a typedef seen twice. If NSPR's
 * came first (its include guard, prshm_h___, is set), its declarations stand,
 * renamed like these. If this one comes first, it does what NSPR's does
 * (include NSPR's prio.h) and marks NSPR's as done, so that it adds nothing.
 */
#if !defined(PRSHM_NSPR) || !defined(prshm_h___)
#ifdef PRSHM_NSPR
#define prshm_h___
#include "prio.h"
#endif

PR_BEGIN_EXTERN_C

/* An open segment. Opaque: only pointers to it are used. */
typedef struct PRSharedMemory PRSharedMemory;

/* Flags of PR_OpenSharedMemory(). */
#define PR_SHM_CREATE 0x1 /* create the segment if it does not exist */
#define PR_SHM_EXCL 0x2   /* with PR_SHM_CREATE: fail if it exists */

/* Flags of PR_AttachSharedMemory(). */
#define PR_SHM_READONLY 0x01 /* map the segment read-only */

/*
 * PR_OpenSharedMemory - open the segment called `name`, creating it if asked.
 *
 * flags 0: open an existing segment. PR_SHM_CREATE: open it, or create it
 * if it does not exist. PR_SHM_CREATE|PR_SHM_EXCL: create it, failing if it
 * exists. (PR_SHM_EXCL without PR_SHM_CREATE is ignored, as under NSPR.)
 *
 * size: on create, the segment's size in bytes (more than 0). On open, the
 * number of bytes that attaching will map: at most the segment's size; 0
 * maps all of it (an extension: NSPR programs never pass 0).
 *
 * mode: on create, the segment's permissions, exactly `mode` (the umask does
 * not narrow them), set before any other process can see the segment. On
 * open, mode is not an access request: a process allowed only to read opens
 * the segment and can attach it with PR_SHM_READONLY.
 *
 * Creation is atomic: no process ever opens a segment that is not yet fully
 * sized and permissioned, and a process that dies while creating leaves
 * nothing behind under the name. The segment's memory is reserved at
 * creation (Unix: allocated in the namespace's file system), so a full
 * namespace fails here and never raises SIGBUS later; prshm_ext.h has a
 * flag to skip the reservation. A new segment reads as zeros.
 *
 * Returns a handle, or NULL with the thread's error set to:
 *   PR_INVALID_ARGUMENT_ERROR  name NULL or empty; flags other than
 *                              PR_SHM_CREATE, PR_SHM_EXCL and prshm_ext.h's;
 *                              mode bits outside 0777; PR_SHM_CREATE with
 *                              size 0; size larger than the existing
 *                              segment; PRSHM_DIR set but not absolute.
 *   PR_NAME_TOO_LONG_ERROR     name of 1024 bytes or more, or a relative
 *                              name whose current directory cannot be read
 *                              for its length.
 *   PR_FILE_EXISTS_ERROR       PR_SHM_CREATE|PR_SHM_EXCL and it exists.
 *   PR_FILE_NOT_FOUND_ERROR    flags 0 and it does not exist; the
 *                              namespace directory, or the current
 *                              directory of a relative name, does not exist.
 *   PR_NO_ACCESS_RIGHTS_ERROR  the segment's permissions allow this process
 *                              neither to read nor to write; or creating in
 *                              the namespace is not permitted.
 *   PR_NO_DEVICE_SPACE_ERROR   the namespace has no room for `size` bytes.
 *   PR_OUT_OF_MEMORY_ERROR     the system or the process is out of memory.
 *   PR_INSUFFICIENT_RESOURCES_ERROR  the process has used up its handles:
 *                              a handle value is never given out twice, and
 *                              a 32-bit process has 2^29 of them in its
 *                              life (a 64-bit one, more than it can use).
 *   PR_FILE_TOO_BIG_ERROR      size beyond what the system can hold.
 *   PR_PROC_DESC_TABLE_FULL_ERROR / PR_SYS_DESC_TABLE_FULL_ERROR
 *                              no file descriptor left (process / system).
 *   PR_FILE_IS_BUSY_ERROR      another process holds the segment
 *                              exclusively for longer than a bounded wait
 *                              (a tool's lease or lock while it checks or
 *                              removes it), or it is still size 0 after a
 *                              bounded wait (a creator that is not prshm,
 *                              or a portable-backend creator that died).
 *   PR_INVALID_STATE_ERROR     the native name is taken by something that is
 *                              not a segment (a directory, a FIFO).
 *   PR_LOOP_ERROR              the native name is a symbolic link.
 *   PR_READ_ONLY_FILESYSTEM_ERROR  creating on a read-only namespace.
 * and other codes for rarer OS failures, always with PR_GetOSError() giving
 * the raw OS error.
 */
NSPR_API(PRSharedMemory *)
PR_OpenSharedMemory(const char *name, PRSize size, PRIntn flags, PRIntn mode);

/*
 * PR_AttachSharedMemory - map an open segment into this process.
 *
 * Maps the handle's size (see PR_OpenSharedMemory) read-write, or read-only
 * with PR_SHM_READONLY; writing to a read-only attachment faults. Each call
 * maps anew: attaching twice gives two addresses onto the same memory.
 *
 * Returns the address, or NULL with the thread's error set to:
 *   PR_INVALID_ARGUMENT_ERROR  shm is not an open handle (NULL, closed, or
 *                              never returned by PR_OpenSharedMemory);
 *                              flags other than PR_SHM_READONLY.
 *   PR_NO_ACCESS_RIGHTS_ERROR  a read-write attach of a segment this process
 *                              may only read.
 *   PR_OUT_OF_MEMORY_ERROR     no room in the address space, or the
 *                              process's mapping limit is reached.
 */
NSPR_API(void *) PR_AttachSharedMemory(PRSharedMemory *shm, PRIntn flags);

/*
 * PR_DetachSharedMemory - unmap an attachment made through this handle.
 *
 * `addr` must be an address PR_AttachSharedMemory returned for this same
 * handle and that is still attached. Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  shm is not an open handle; addr was not
 *                              attached through shm, or is already detached.
 * or, if the system fails to unmap it (rare), the code of that OS error; the
 * address then stays attached, and a later detach can release it.
 */
NSPR_API(PRStatus) PR_DetachSharedMemory(PRSharedMemory *shm, void *addr);

/*
 * PR_CloseSharedMemory - release a handle.
 *
 * The handle is invalid afterwards; using it again fails with
 * PR_INVALID_ARGUMENT_ERROR. Attachments still attached stay mapped (as
 * under NSPR) until the process exits; detach them first. The segment
 * itself stays until PR_DeleteSharedMemory(). Returns PR_SUCCESS, or
 * PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  shm is not an open handle (NULL, already
 *                              closed, or never returned by
 *                              PR_OpenSharedMemory).
 * or, if the system reports an error closing the OS object (Unix: close()
 * failing with EIO, rare), the code of that error; the handle is released
 * all the same.
 */
NSPR_API(PRStatus) PR_CloseSharedMemory(PRSharedMemory *shm);

/*
 * PR_DeleteSharedMemory - remove the name `name`.
 *
 * The name is gone at once: a later open without PR_SHM_CREATE fails, and a
 * later create makes a fresh, zeroed segment. Handles and attachments that
 * exist keep working on the old memory, which the system frees when the
 * last of them is gone. Windows: see prshm(7) (sections live while a handle
 * is open). Returns PR_SUCCESS, or PR_FAILURE with:
 *   PR_INVALID_ARGUMENT_ERROR  name NULL or empty.
 *   PR_NAME_TOO_LONG_ERROR     name of 1024 bytes or more.
 *   PR_FILE_NOT_FOUND_ERROR    no segment has that name; nothing changes.
 *   PR_NO_ACCESS_RIGHTS_ERROR  this process may not remove it (Unix: the
 *                              namespace is sticky and another user owns it).
 */
NSPR_API(PRStatus) PR_DeleteSharedMemory(const char *name);

PR_END_EXTERN_C

#endif /* the declarations */
#endif /* PRSHM_PRSHM_H */
