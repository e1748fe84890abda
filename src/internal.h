/*
 * internal.h - what the parts of libprshm share and nothing outside sees.
 *
 * The library has three layers:
 *   - the front doors (shm.c for segments; sem.c and lock.c for semaphores
 *     and locks, whose own internal header is sync.h): each checks every
 *     argument once, keeps its handles in the one registry (registry.c),
 *     resolves names (name.c) and dispatches;
 *   - one backend (src/unix/linux.c, src/unix/posix.c or src/win/...),
 *     picked by the build, which does the OS work behind a table of
 *     functions and never re-checks arguments;
 *   - the per-OS pieces: error translation, the system-call table, locks.
 * Internal names carry the prefix prshm__; static ones their file's prefix.
 *
 * Sections: limits and kinds; errors; names; the segment backend; the
 * handle registry; the OS layer's thread and process services.
 */
#ifndef PRSHM_INTERNAL_H
#define PRSHM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "prerror.h"
#include "prshm.h"
#include "prshm_ext.h"

#include "os.h" /* per-OS: locks and once-only initialisation */

/* Marks a function of the paths a program takes at every open, attach,
 * detach, close, create and delete. The compiler puts such functions
 * together (GCC and clang: in .text.hot, which the linker gathers), so
 * that those paths run in a few pages of code: where the kernel isolates
 * its page tables without PCID, every system call empties the TLB, and
 * each page touched after it costs a page-table walk (measured: see
 * docs/benchmarks.md, "Where the open path's time goes"). */
#if defined(__GNUC__)
#define PRSHM__HOT __attribute__((hot))
#else
#define PRSHM__HOT
#endif

/* Marks a function off those paths that holds large buffers (a path of
 * PATH_MAX bytes): never inlined into them, so that their calls run on a
 * few pages of stack too, and kept apart from their code. */
#if defined(__GNUC__)
#define PRSHM__COLD __attribute__((cold, noinline))
#else
#define PRSHM__COLD
#endif

/* Starts a variable on a line of memory of its own (64 bytes, x86 and
 * most ARM cores), for state the hot paths read together. */
#if defined(__GNUC__)
#define PRSHM__LINE_ALIGNED __attribute__((aligned(64)))
#else
#define PRSHM__LINE_ALIGNED
#endif

/* The longest name a caller may pass, in bytes (NSPR's own limit). */
#define PRSHM__NAME_MAX 1023

/* A buffer of this size holds any resolved name: a current directory of up
 * to 4096 bytes, a '/', the name and a terminator. */
#define PRSHM__RESOLVED_MAX (4096 + 1 + PRSHM__NAME_MAX + 1)

/* A buffer of this size holds any key (the backend's object name without
 * its namespace), terminator included. */
#define PRSHM__KEY_SIZE 256

/* The bytes the front door keeps free in front of a key it passes to a
 * backend's open (its buffer is PRSHM__KEY_ROOM + PRSHM__KEY_SIZE bytes,
 * the key at PRSHM__KEY_ROOM), so that a backend whose objects are files
 * can write the directory there and open the path in place: no second
 * buffer, no copy of the key. */
#define PRSHM__KEY_ROOM 64

/* The largest size PR_OpenSharedMemory() accepts, to create or to open:
 * PTRDIFF_MAX rounded down to 64 KiB (2^63 - 64 KiB on 64-bit systems,
 * 2^31 - 64 KiB on 32-bit ones). An attachment of it, rounded up to whole
 * pages of any size up to 64 KiB, is still an object whose byte offsets a
 * ptrdiff_t can hold. A larger size fails with PR_FILE_TOO_BIG_ERROR before
 * any system call, on every platform alike, whatever the OS would let
 * through. */
#define PRSHM__SIZE_MAX ((PRSize)PTRDIFF_MAX & ~(PRSize)0xFFFF)

/* Open flags the front door accepts. */
#define PRSHM__OPEN_FLAGS (PR_SHM_CREATE | PR_SHM_EXCL | PRSHM_SPARSE)

/* The kinds of named object. Every kind has its own key prefix (name.c),
 * so objects of two kinds never share a native name, and its own token tag
 * (registry.c), so a handle of one kind is never taken for another's. */
typedef enum prshm__kind {
  PRSHM__KIND_SEG = 0,  /* a shared memory segment (PRSharedMemory) */
  PRSHM__KIND_SEM = 1,  /* a named semaphore (PRSem) */
  PRSHM__KIND_LOCK = 2, /* a robust named lock (prshm_lock) */
  PRSHM__KINDS = 3      /* the number of kinds */
} prshm__kind;

/* ------------------------------------------------------------------------
 * Errors (error.c, and unix/error.c or win/error.c for the translation).
 * PR_SetError() and the rest are the standalone library's own
 * (error_state.c) or, in the companion library, libnspr4's: prerror.h is
 * whichever of the two the build compiles with.
 */

/* Records `code` and the raw OS error `oserr` for this thread; returns
 * PR_FAILURE so that callers can write `return prshm__fail(...)`. */
PRStatus prshm__fail(PRErrorCode code, PRInt32 oserr);

/* Translates a raw OS error (errno, GetLastError()) to an NSPR code. This
 * is the only place per OS where that happens. */
PRErrorCode prshm__os_error_code(PRInt32 oserr);

/* Records the OS error `oserr`, translated, for this thread; PR_FAILURE. */
PRStatus prshm__fail_os(PRInt32 oserr);

/* An error text as the standalone PR_SetErrorText() keeps it: one heap
 * block holding the length, then the bytes and a terminator. */
typedef struct prshm__text {
  PRInt32 len;  /* bytes in `bytes`, not counting the terminator */
  char bytes[]; /* the text, NUL-terminated */
} prshm__text;

/* Per OS: the calling thread's error text, or NULL. The OS layer keeps the
 * only pointer to it, in per-thread storage that frees it when the thread
 * exits; after that the thread reads NULL, so code that runs later in the
 * thread's exit (another library's thread-specific destructor) never sees
 * freed memory. */
prshm__text *prshm__thread_text(void);

/* Per OS: makes `text` (heap memory from malloc, or NULL) the calling
 * thread's error text, freeing the one it replaces. */
void prshm__thread_set_text(prshm__text *text);

/* ------------------------------------------------------------------------
 * Names (name.c): pure functions, no system calls, fuzzed.
 */

/* The prefixes of every segment key prshm makes: a readable key is
 * PRSHM__KEY_READABLE followed by the encoded name, a hashed key
 * PRSHM__KEY_HASHED followed by 22 base64url characters. Semaphores and
 * locks have prefixes of their own of the same length ("prsem." and
 * "prsem-", "prlck." and "prlck-"). */
#define PRSHM__KEY_READABLE "prshm."
#define PRSHM__KEY_HASHED "prshm-"
#define PRSHM__KEY_PREFIX_LEN 6
#define PRSHM__KEY_HASH_CHARS 22

/*
 * Resolves `name` lexically: a name not starting with '/' is taken relative
 * to `cwd` (an absolute path); empty components and "." are dropped, ".."
 * removes the component before it (never above the root). Writes the result,
 * which starts with '/', into `out`. Returns its length, or -1 if it does not
 * fit in `outsize` bytes.
 */
long prshm__name_resolve(const char *cwd, const char *name, char *out, size_t outsize);

/*
 * Maps a resolved name to its key: the readable form if it fits in `limit`
 * bytes, else the hashed form (which needs 28). Injective: two different
 * resolved names never give one key. Never contains '/', '\\' or a NUL, and
 * is never "." or "..". `out` needs PRSHM__KEY_SIZE bytes and `limit` must be
 * at least 28 and below PRSHM__KEY_SIZE. Returns the key's length.
 */
size_t prshm__name_encode(const char *resolved, size_t limit, char *out);

/* The same for any kind: the key has that kind's prefix. */
size_t prshm__name_encode_kind(const char *resolved, prshm__kind kind, size_t limit, char *out);

/*
 * The key of a name that resolving leaves as it is (absolute, without an
 * empty, "." or ".." component or a trailing '/') and short enough that its
 * readable form fits in `limit` bytes whatever its bytes are (6 + 3 times
 * its length): written in one pass over the caller's name, with no copy,
 * and equal to what prshm__name_resolve() then prshm__name_encode() give.
 * Returns the key's length, or 0 for any other name (the root, a name to
 * resolve, a longer one), for which the caller takes that longer way.
 * `out` needs PRSHM__KEY_SIZE bytes, and `limit` is below that.
 */
size_t prshm__name_encode_resolved(const char *name, size_t limit, char *out);

/* The same for any kind: the key has that kind's prefix. */
size_t prshm__name_encode_resolved_kind(const char *name, prshm__kind kind, size_t limit,
                                        char *out);

/*
 * The inverse of prshm__name_encode for readable keys. Returns 1 and writes
 * the resolved name into `out` for a readable key; 0 for a hashed key (the
 * name cannot be recovered; out is left empty); -1 for a string that is not
 * a key prshm makes, or a name that does not fit in `outsize` bytes.
 */
int prshm__name_decode(const char *key, char *out, size_t outsize);

/* The same for a key of any kind, whose kind is written to *kind (which may
 * be NULL) unless the result is -1. prshm__name_decode() accepts only
 * segments' keys. */
int prshm__name_decode_kind(const char *key, prshm__kind *kind, char *out, size_t outsize);

/* The key of a caller's name for an object of `kind`, after the front
 * door's checks (NULL or empty: PR_INVALID_ARGUMENT_ERROR; 1024 bytes or
 * more: PR_NAME_TOO_LONG_ERROR). Every call taking a name goes through it. */
PRStatus prshm__name_key(const char *name, prshm__kind kind, char key[PRSHM__KEY_SIZE]);

/* The key of a native name, after the front door's checks (NULL or empty:
 * PR_INVALID_ARGUMENT_ERROR; PRSHM_NATIVE_NAME_MAX bytes or more:
 * PR_NAME_TOO_LONG_ERROR). */
PRStatus prshm__native_key(const char *native, char key[PRSHM__KEY_SIZE]);

/* SHA-256 of `len` bytes at `data` (sha256.c). */
void prshm__sha256(const void *data, size_t len, unsigned char digest[32]);

/* ------------------------------------------------------------------------
 * Backends.
 */

/* The OS side of an open handle. Set by the backend's open; never changes
 * afterwards, so it is read without a lock. */
typedef struct prshm__seg {
  uintptr_t os;    /* Unix: the file descriptor; Windows: the section handle */
  PRSize size;     /* bytes an attachment maps: exact, not page-rounded */
  PRBool writable; /* opened for writing: read-write attaches are allowed */
} prshm__seg;

/* A backend: the OS work behind the front door, as a table of functions.
 * Every function sets the thread's error itself when it fails. The front
 * door has already checked every argument it passes. */
typedef struct prshm__backend {
  /* The backend's name, as prshm_backend_name() returns it. */
  const char *name;

  /* Writes the key of `name` (1 to PRSHM__NAME_MAX bytes) for an object of
   * `kind` into `key`, which has PRSHM__KEY_SIZE bytes. */
  PRStatus (*key)(const char *name, prshm__kind kind, char *key);

  /* Writes the name by which other programs open the object of `key`. */
  PRStatus (*native)(const char *key, char *buf, size_t size);

  /* Opens or creates the segment of `key` as PR_OpenSharedMemory() says:
   * flags within PRSHM__OPEN_FLAGS, mode within 0777, size > 0 when
   * creating. Fills *seg on success. `key` is PRSHM__KEY_ROOM bytes into
   * its buffer, and the backend may overwrite those bytes in front of it
   * (never the key itself). */
  PRStatus (*open)(char *key, PRSize size, PRIntn flags, PRIntn mode, prshm__seg *seg);

  /* Maps the whole of seg->size; NULL on failure. */
  void *(*map)(const prshm__seg *seg, PRBool readonly);

  /* Unmaps `size` bytes at `addr`, a mapping `map` returned. */
  PRStatus (*unmap)(void *addr, PRSize size);

  /* Releases what `open` acquired. Mappings stay. */
  PRStatus (*close)(prshm__seg *seg);

  /* Removes the name of `key`. */
  PRStatus (*remove)(const char *key);

  /* Writes into `key` (PRSHM__KEY_SIZE bytes) the key of the object whose
   * native name is `native` (not NULL, not empty), refusing a name that is
   * not directly in the namespace. Any object's, not only prshm's. */
  PRStatus (*key_of_native)(const char *native, char *key);

  /* prshm_namespace(): the namespace's place, and whether it is usable. */
  PRStatus (*where)(char *buf, size_t size);
} prshm__backend;

/* The backend of this build. */
extern const prshm__backend prshm__backend_impl;

/* ------------------------------------------------------------------------
 * The handle registry (registry.c).
 *
 * A handle pointer handed to callers (PRSharedMemory, PRSem, prshm_lock)
 * is a token, never the address of anything: it encodes a slot index, that
 * slot's generation and the handle's kind, so a closed, stale, foreign or
 * other-kind pointer is recognised without being dereferenced and never
 * reaches another handle. Segments use the calls below; semaphores and
 * locks the ones in sync.h, on the same table.
 */

typedef struct prshm__handle prshm__handle;

/* Registers a newly opened segment; returns its token, or NULL with
 * PR_OUT_OF_MEMORY_ERROR set (the caller still owns *seg). */
PRSharedMemory *prshm__registry_add(const prshm__seg *seg);

/* Looks up a segment token and takes a reference on its handle so that a
 * concurrent close cannot free it; NULL with PR_INVALID_ARGUMENT_ERROR if
 * the token is not an open segment handle. Every successful acquire is
 * paired with a release. */
prshm__handle *prshm__registry_acquire(PRSharedMemory *token);

/* The same for a token of any kind. */
prshm__handle *prshm__registry_acquire_kind(const void *token, prshm__kind kind);

/* Drops a reference; the last one after a close releases the OS object. */
void prshm__registry_release(prshm__handle *h);

/* The OS side of a segment handle acquired above. */
const prshm__seg *prshm__handle_seg(const prshm__handle *h);

/* Records that `addr` is attached through `h` and releases `h`, under one
 * lock. PR_FAILURE with PR_OUT_OF_MEMORY_ERROR if the record cannot grow
 * (the handle is released all the same). */
PRStatus prshm__registry_attached(prshm__handle *h, void *addr);

/* If `addr` is attached through the open handle `token`, forgets it and sets
 * *size to the length to unmap: PR_SUCCESS. Otherwise PR_FAILURE with
 * PR_INVALID_ARGUMENT_ERROR. Unmapping needs no reference on the handle. */
PRStatus prshm__registry_detach(PRSharedMemory *token, void *addr, PRSize *size);

/* Closes a segment token: it is invalid from now on. The segment is
 * released now, or by the last call still using it. */
PRStatus prshm__registry_close(PRSharedMemory *token);

/* The same for a token of any kind. */
PRStatus prshm__registry_close_kind(const void *token, prshm__kind kind);

/* The number of open handles of every kind (for tests of leaks). */
size_t prshm__registry_count(void);

/* For tests: new slots start at generation first_gen, a slot retires after
 * generation last_gen, and at most `slots` slots exist; 0 restores each
 * default. Only before any handle is opened. */
void prshm__registry_test_limits(uintptr_t first_gen, uintptr_t last_gen, size_t slots);

/* ------------------------------------------------------------------------
 * The OS layer's thread and process services (unix/thread.c, win/thread.c).
 */

/* Per OS: has prepare() run in the thread that calls fork() before the
 * fork, parent() after it in the parent and child() in the child, so locks
 * can be taken across it. Does nothing where there is no fork(). */
void prshm__os_at_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

#endif /* PRSHM_INTERNAL_H */
