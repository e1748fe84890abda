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

/* The objects that go with a segment are named by its key followed by one
 * of these characters, none of which a key can hold (after its namespace a
 * key has only letters, digits and the bytes . _ - % + :), so they never
 * meet a segment's name or one another's:
 *   NOTIFY  an event the creator waits on, which a delete sets (keep.c);
 *   DONE    an event a deleter waits on, which the creator sets once it has
 *           let go of the deleted segment;
 *   LOCK    a mutex that a delete holds from reading the DACL until the
 *           creator has let go, so that exactly one delete succeeds. */
#define PRSHM__WIN_NOTIFY '!'
#define PRSHM__WIN_DONE '~'
#define PRSHM__WIN_LOCK '#'

/* Writes the wide name of `key` followed by `suffix` into `out`, which has
 * PRSHM__KEY_SIZE + 1 characters (256 at most, under MAX_PATH). */
void prshm__win_suffixed(const char *key, char suffix, WCHAR *out);

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

/* A self-contained security descriptor: the SIDs and the ACLs live inside
 * it, so it needs no freeing. Filled by prshm__win_sd_*; used by address. */
typedef struct prshm__win_sd {
  SECURITY_DESCRIPTOR sd;                            /* absolute form, into the fields below */
  DWORD user[SECURITY_MAX_SID_SIZE / sizeof(DWORD)]; /* the owner SID, DWORD-aligned */
  DWORD acl[256];                                    /* the DACL and its ACEs */
  DWORD sacl[16];                                    /* the SACL: the mandatory label */
  DWORD level;                                       /* the label's level (an RID of S-1-16) */
} prshm__win_sd;

/* The descriptor of a new section: the owner is the calling thread's user
 * (its effective token's); the DACL gives the owner the owner bits of
 * `mode` and everyone else the other bits (the group bits grant nothing on
 * Windows); then the marker with `size`; and a label at
 * prshm__win_sd_level_for() the token's integrity level. */
PRStatus prshm__win_sd_for_mode(prshm__win_sd *sd, PRIntn mode, PRUint64 size);

/* The integrity level of a section created with `mode` by a token at level
 * `creator`: the creator's, but at most Medium when the mode grants the
 * other class anything (other users run at Medium). */
DWORD prshm__win_sd_level_for(DWORD creator, PRIntn mode);
/* The same for an object of any kind (a semaphore's or a mutex's rights;
 * `size` is 0 for them). */
PRStatus prshm__win_sd_for_kind(prshm__win_sd *sd, prshm__kind kind, PRIntn mode, PRUint64 size);

/* The DACL a deleted section gets: everyone may read the DACL (to learn
 * that it is deleted) and nobody may map it any more. */
PRStatus prshm__win_sd_deleted(prshm__win_sd *sd, PRUint64 size);

/* The descriptor of an object that goes with a segment (its events and its
 * delete lock): a DACL that grants `rights` to everyone, and label `level`,
 * or none if `level` is PRSHM__WIN_NO_LABEL. */
void prshm__win_sd_event(prshm__win_sd *sd, DWORD level, DWORD rights);

/* No label, for prshm__win_sd_event(): not an RID of S-1-16 (Untrusted is
 * 0). */
#define PRSHM__WIN_NO_LABEL ((DWORD)-1)

/* What the objects that go with a segment grant everyone: waiting on them
 * and setting (or releasing) them, nothing else. */
#define PRSHM__WIN_EVENT_RIGHTS (SYNCHRONIZE | EVENT_MODIFY_STATE)
#define PRSHM__WIN_LOCK_RIGHTS (SYNCHRONIZE | MUTEX_MODIFY_STATE)

/* Reads the DACL of `section` (opened with READ_CONTROL): *state, and
 * *size when the marker is there. */
PRStatus prshm__win_sd_read(HANDLE section, prshm__win_state *state, PRUint64 *size);

/* ------------------------------------------------------------------------
 * Sections kept alive (keep.c).
 *
 * Windows destroys a section with its last handle. So that a segment lives
 * until PR_DeleteSharedMemory(), as on Unix, the process that creates one
 * keeps a handle of its own on it (allowed only to read the DACL) until the
 * segment is deleted, by any process, or this process exits. A delete in
 * another process sets the segment's NOTIFY event, and a thread-pool wait
 * lets the handle go at once.
 */

/* Keeps `section` alive under `key` through a duplicate handle, watched
 * through its NOTIFY event, made with `event_sa` (if the event or its wait
 * cannot be made, the segment is kept all the same, unwatched). */
PRStatus prshm__win_keep_add(const char *key, HANDLE section, SECURITY_ATTRIBUTES *event_sa);

/* Closes the handle kept for `key` if its section has been deleted, and
 * then, if `tell`, sets the DONE event of a deleter that may wait for it;
 * PR_TRUE if it did (the name may then be free). PR_FALSE also while the
 * wait's callback is at work on that handle: it lets it go itself if the
 * section is deleted. */
PRBool prshm__win_keep_release_deleted(const char *key, PRBool tell);

/* The number of sections kept alive (for tests). */
size_t prshm__win_keep_count(void);

/* Stops every wait and closes every kept handle: the module is being
 * unloaded, and no callback may run into its code afterwards. The segments
 * then live on only while another handle holds them, as after an exit. */
void prshm__win_keep_unload(void);

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

#endif /* PRSHM_WIN_H */
