/*
 * win.h - what the files of the Windows backend share: the name rules
 * (names.c), security descriptors (security.c) and the table of sections
 * this process keeps alive (keep.c). win32.c puts them together behind the
 * backend table.
 */
#ifndef PRSHM_WIN_H
#define PRSHM_WIN_H

#include "internal.h"
#include "sys.h"

/* Bytes of a key after its namespace ("Local\" or "Global\"): the longest
 * namespace, the body and the terminator fill PRSHM__KEY_SIZE, so a native
 * name never exceeds 255 characters (Win32 object names stay under
 * MAX_PATH). */
#define PRSHM__WIN_BODY_MAX (PRSHM__KEY_SIZE - 1 - 7)

/* Bytes of the current directory in UTF-8 that a relative name can be
 * resolved against, terminator included (the same bound as on Unix). */
#define PRSHM__WIN_CWD_BYTES 4097

/* ------------------------------------------------------------------------
 * Names (names.c): pure functions, no system calls.
 */

/* Whether resolving `name` needs the current directory. */
PRBool prshm__win_name_needs_cwd(const char *name);

/*
 * Writes the key of `name` into `key` (PRSHM__KEY_SIZE bytes): "Global\" or
 * "Local\" followed by prshm__name_encode() of the resolved name. `cwd` is
 * the current directory in UTF-8, as GetCurrentDirectoryW() gives it, and
 * is read only when prshm__win_name_needs_cwd(name). Returns the key's
 * length, or 0 if the resolved name is too long.
 */
size_t prshm__win_name_key(const char *cwd, const char *name, char *key);

/* The same for an object of any kind: the key has that kind's prefix. */
size_t prshm__win_name_key_kind(const char *cwd, const char *name, prshm__kind kind, char *key);

/* Converts a key to the wide native name the Win32 calls take; `out` has
 * PRSHM__KEY_SIZE characters. */
PRStatus prshm__win_widen(const char *key, WCHAR *out);

/* ------------------------------------------------------------------------
 * Security descriptors (security.c).
 *
 * Every section prshm creates carries, besides the ACEs its mode asks for,
 * one marker ACE that grants nothing to a SID nobody holds:
 * S-1-9-PRSHM__WIN_MARK_MAGIC-state-high-low, where high:low is the exact
 * size the creator asked for (Windows reports only the page-rounded size of
 * a pagefile section) and state tells a live segment from a deleted one.
 */
#define PRSHM__WIN_MARK_MAGIC 0x70727368u /* "prsh" */
#define PRSHM__WIN_MARK_LIVE 1u
#define PRSHM__WIN_MARK_DELETED 2u

/* What the DACL of a section says about it. */
typedef enum prshm__win_state {
  PRSHM__WIN_FOREIGN, /* no marker: a section prshm did not create */
  PRSHM__WIN_LIVE,    /* created by prshm, not deleted */
  PRSHM__WIN_DELETED  /* deleted by PR_DeleteSharedMemory() */
} prshm__win_state;

/* A self-contained security descriptor: the SIDs and the ACL live inside
 * it, so it needs no freeing. Filled by prshm__win_sd_*; used by address. */
typedef struct prshm__win_sd {
  SECURITY_DESCRIPTOR sd;                             /* absolute form, into the fields below */
  DWORD user[SECURITY_MAX_SID_SIZE / sizeof(DWORD)];  /* the owner SID, DWORD-aligned */
  DWORD group[SECURITY_MAX_SID_SIZE / sizeof(DWORD)]; /* the primary group SID */
  DWORD acl[256];                                     /* the DACL and its ACEs */
} prshm__win_sd;

/* The descriptor of a new section: owner and group from the calling
 * thread's token, a DACL from `mode` (owner, group, everyone, in the rwx
 * sense of Unix), and the marker with `size`. */
PRStatus prshm__win_sd_for_mode(prshm__win_sd *sd, PRIntn mode, PRUint64 size);

/* The same for an object of any kind (a semaphore's or a mutex's rights;
 * `size` is 0 for them). */
PRStatus prshm__win_sd_for_kind(prshm__win_sd *sd, prshm__kind kind, PRIntn mode, PRUint64 size);

/* The DACL a deleted section gets: everyone may read the DACL (to learn
 * that it is deleted) and nobody may map it any more. */
PRStatus prshm__win_sd_deleted(prshm__win_sd *sd, PRUint64 size);

/* Reads the DACL of `section` (opened with READ_CONTROL): *state, and
 * *size when the marker is there. */
PRStatus prshm__win_sd_read(HANDLE section, prshm__win_state *state, PRUint64 *size);

/* ------------------------------------------------------------------------
 * Sections kept alive (keep.c).
 *
 * Windows destroys a section with its last handle. So that a segment lives
 * until PR_DeleteSharedMemory(), as on Unix, the process that creates one
 * keeps a handle of its own on it (allowed only to read the DACL) until the
 * segment is deleted or the process exits.
 */

/* Keeps `section` alive under `key` through a duplicate handle. */
PRStatus prshm__win_keep_add(const char *key, HANDLE section);

/* Closes the handle kept for `key` if its section has been deleted;
 * PR_TRUE if it did (the name may then be free). */
PRBool prshm__win_keep_release_deleted(const char *key);

/* The number of sections kept alive (for tests). */
size_t prshm__win_keep_count(void);

/* ------------------------------------------------------------------------
 * Looking names up (win32.c), for every kind of object.
 */

/* Records the failure of a call that looked a name up:
 * PR_INVALID_STATE_ERROR when an object of another type has the name. */
PRStatus prshm__win_fail_name(DWORD err);

/* What an open of a name for READ_CONTROL alone found. */
typedef enum prshm__win_probe_rv {
  PROBE_ABSENT,  /* nothing has the name (any more) */
  PROBE_HIDDEN,  /* something has it; this process may not even read its DACL */
  PROBE_DELETED, /* a deleted object, still held by someone */
  PROBE_PRESENT, /* an object this process may not use as asked */
  PROBE_FAIL     /* error set */
} prshm__win_probe_rv;

/* Classifies the result of that open: `h` (closed here), or NULL and the
 * error it failed with. */
prshm__win_probe_rv prshm__win_probe_opened(HANDLE h, DWORD err);

/* Deletes the object of `key`, which `open` opens (with the access asked,
 * not inheritable): gives it the tombstone DACL, so that nobody can open
 * it any more, and lets go of the handle this process keeps. */
PRStatus prshm__win_remove(const char *key, HANDLE (*open)(DWORD access, const WCHAR *name));

/* ------------------------------------------------------------------------
 * Threads (thread.c).
 */

/* Frees every thread's error text and the slot that holds them, when the
 * DLL is unloaded (dllmain.c). */
void prshm__thread_unload(void);

#endif /* PRSHM_WIN_H */
