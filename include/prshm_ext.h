/*
 * prshm_ext.h - prshm's extensions to NSPR's named shared memory API.
 *
 * Nothing here is NSPR's: every name starts with prshm_ or PRSHM_ so that it
 * cannot be taken for an NSPR name, and a program that uses only prshm.h
 * stays source-compatible with NSPR. Errors are reported as in prshm.h,
 * through PR_GetError() and PR_GetOSError().
 */
#ifndef prshm_ext_h___
#define prshm_ext_h___

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
 * namespace fills up, writing a new page raises SIGBUS (Unix) or an access
 * violation (Windows). Ignored when the call opens an existing segment.
 */
#define PRSHM_SPARSE 0x100

/*
 * PRSHM_DIR_ENV - the environment variable that moves the namespace.
 *
 * When PRSHM_DIR is set to an absolute directory (a larger tmpfs, a
 * hugetlbfs mount), segments are files in that directory, mapped shared,
 * with the same semantics as in the default namespace. It is read once, at
 * the first prshm call of the process. Set but not absolute: every open and
 * delete fails with PR_INVALID_ARGUMENT_ERROR. Unix only.
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
 * Returns PR_SUCCESS, or PR_FAILURE with the errors of PR_OpenSharedMemory()
 * for a bad name, PR_INVALID_ARGUMENT_ERROR for a NULL buffer, or
 * PR_BUFFER_OVERFLOW_ERROR if `size` is too small.
 */
NSPR_API(PRStatus) prshm_native_name(const char *name, char *buf, PRSize size);

PR_END_EXTERN_C

#endif /* prshm_ext_h___ */
