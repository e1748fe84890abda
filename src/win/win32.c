/*
 * win32.c - the Windows backend: named, committed, pagefile-backed sections.
 *
 * A segment is a section object named "Local\prshm.<name>" (or in Global\,
 * names.c). Its security descriptor comes from the mode and the creator's
 * integrity level and carries the exact size (security.c); its handles are
 * never inheritable.
 *
 * Lifetime. Windows destroys a section with its last handle and view, and
 * removes its name with the last handle, even while views of it remain. So
 * that a segment lives until PR_DeleteSharedMemory() as on Unix, the
 * creating process keeps a handle on it (keep.c) until it is deleted, by
 * any process, or that process exits. PR_DeleteSharedMemory() cannot
 * remove a name from the object namespace; it makes the name unusable
 * instead: it replaces the DACL with one that lets nobody map the section
 * (a tombstone), and the creator, told through an event, lets go of its
 * kept handle before the delete returns. Handles and views that exist keep
 * working; a later open fails with PR_FILE_NOT_FOUND_ERROR; the name is
 * free once no handle is left, and the memory once no view is left either.
 * Until the name is free a create under it fails with PR_FILE_IS_BUSY_ERROR,
 * because Windows cannot give the name to a second section while the first
 * has a handle. A named mutex makes deletes of one name take turns, so that
 * exactly one of them succeeds.
 *
 * Deleting works the same way for semaphores and mutexes (sync.c), which
 * reuse it with their own open call; so does probing a name.
 *
 * Sections of this file: keys and names, probing a name, opening an
 * existing section, creating one, open, delete, mapping, the table.
 */
#include <string.h>

#include "win.h"

/* What an opener asks for: mapping, querying, and reading the DACL (which
 * holds the exact size). A process allowed only to read gets WIN_OPEN_RO. */
#define WIN_OPEN_RW (FILE_MAP_READ | FILE_MAP_WRITE | SECTION_QUERY | READ_CONTROL)
#define WIN_OPEN_RO (FILE_MAP_READ | SECTION_QUERY | READ_CONTROL)

/* Attempts at open-or-create before concluding that other processes keep
 * creating and deleting the name faster than this one can open it. */
#define WIN_OPEN_ATTEMPTS 64

/* WCHARs of the current directory that a relative name can use. */
#define WIN_CWD_WCHARS (PRSHM__WIN_CWD_BYTES - 1)

/* Milliseconds a delete waits for the deletes of the same name before it
 * (each of which waits at most WIN_TOLD_WAIT_MS), and for the creator of
 * the segment to let go of it (a running creator takes microseconds; this
 * bounds the wait for one that is suspended, or stopped in a debugger). */
#define WIN_LOCK_WAIT_MS 5000
#define WIN_TOLD_WAIT_MS 1000

/* ---- Keys and names ---- */

/* The current directory, in UTF-8. */
static PRStatus win_cwd(char *cwd) {
  WCHAR wide[WIN_CWD_WCHARS];
  DWORD n = prshm__sys.get_current_directory(WIN_CWD_WCHARS, wide), err;

  if (n == 0) return prshm__fail_os((PRInt32)GetLastError());
  /* Too small a buffer: n is the size it needs. */
  if (n >= WIN_CWD_WCHARS) return prshm__fail(PR_NAME_TOO_LONG_ERROR, 0);
  if (WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, wide, -1, cwd, PRSHM__WIN_CWD_BYTES, NULL,
                          NULL) != 0)
    return PR_SUCCESS;
  err = GetLastError();
  if (err == ERROR_INSUFFICIENT_BUFFER) return prshm__fail(PR_NAME_TOO_LONG_ERROR, (PRInt32)err);
  return prshm__fail_os((PRInt32)err);
}

static PRStatus win_key(const char *name, prshm__kind kind, char *key) {
  char cwd[PRSHM__WIN_CWD_BYTES];

  cwd[0] = '\0';
  if (prshm__win_name_needs_cwd(name) && win_cwd(cwd) != PR_SUCCESS) return PR_FAILURE;
  if (prshm__win_name_key_kind(cwd, name, kind, key) == 0)
    return prshm__fail(PR_NAME_TOO_LONG_ERROR, 0);
  return PR_SUCCESS;
}

/* The native name is the key itself: "Local\prshm.app+state". */
static PRStatus win_native(const char *key, char *buf, size_t size) {
  size_t len = strlen(key);

  if (len >= size) return prshm__fail(PR_BUFFER_OVERFLOW_ERROR, 0);
  memcpy(buf, key, len + 1);
  return PR_SUCCESS;
}

/* Records the failure of a call that looked a name up. ERROR_INVALID_HANDLE
 * there means the name belongs to an object of another type (an event, a
 * mutex), as EISDIR does on Unix. */
PRStatus prshm__win_fail_name(DWORD err) {
  if (err == ERROR_INVALID_HANDLE) return prshm__fail(PR_INVALID_STATE_ERROR, (PRInt32)err);
  return prshm__fail_os((PRInt32)err);
}
#define win_fail_name prshm__win_fail_name

/* ---- Probing a name this process could not open as asked ---- */

prshm__win_probe_rv prshm__win_probe_opened(HANDLE h, DWORD err) {
  prshm__win_state state;
  PRUint64 size;
  PRStatus rv;

  if (h == NULL) {
    if (err == ERROR_FILE_NOT_FOUND) return PROBE_ABSENT;
    if (err == ERROR_ACCESS_DENIED) return PROBE_HIDDEN;
    (void)win_fail_name(err);
    return PROBE_FAIL;
  }
  rv = prshm__win_sd_read(h, &state, &size);
  (void)prshm__sys.close_handle(h);
  if (rv != PR_SUCCESS) return PROBE_FAIL;
  return state == PRSHM__WIN_DELETED ? PROBE_DELETED : PROBE_PRESENT;
}

static prshm__win_probe_rv win_probe(const WCHAR *wname) {
  HANDLE h = prshm__sys.open_mapping(READ_CONTROL, FALSE, wname);
  return prshm__win_probe_opened(h, h == NULL ? GetLastError() : 0);
}

/* ---- Opening an existing section ---- */

/* The outcome of one step of opening or creating. */
typedef enum win_step {
  WIN_DONE,    /* *seg is filled */
  WIN_FAIL,    /* error set */
  WIN_ABSENT,  /* no segment has the name */
  WIN_DELETED, /* the name belongs to a deleted segment someone still holds */
  WIN_EXISTS,  /* a segment has the name (creating) */
  WIN_RETRY    /* the name changed hands meanwhile: start again */
} win_step;

/* The size of a section prshm did not create: what a view of all of it
 * spans. Windows keeps only the page-rounded size of pagefile sections. */
static PRStatus win_foreign_size(HANDLE h, PRUint64 *size) {
  MEMORY_BASIC_INFORMATION info;
  void *view = prshm__sys.map_view(h, FILE_MAP_READ, 0, 0, 0);
  SIZE_T got;
  DWORD err;

  if (view == NULL) return prshm__fail_os((PRInt32)GetLastError());
  got = prshm__sys.virtual_query(view, &info, sizeof info);
  err = GetLastError();
  (void)prshm__sys.unmap_view(view);
  if (got == 0) return prshm__fail_os((PRInt32)err);
  *size = (PRUint64)info.RegionSize;
  return PR_SUCCESS;
}

/* Checks the handle of an existing section against `size` and fills *seg;
 * closes the handle on failure. */
static win_step win_adopt(HANDLE h, PRBool writable, PRSize size, prshm__seg *seg) {
  prshm__win_state state;
  PRUint64 real = 0;

  if (prshm__win_sd_read(h, &state, &real) != PR_SUCCESS) goto fail;
  if (state == PRSHM__WIN_FOREIGN && win_foreign_size(h, &real) != PR_SUCCESS) goto fail;
  /* A marker (or a foreign section) claiming more than an address space
   * can map is refused as the front door refuses such a size. */
  if (real > (PRUint64)PRSHM__SIZE_MAX) {
    prshm__fail(PR_FILE_TOO_BIG_ERROR, 0);
    goto fail;
  }
  if ((PRUint64)size > real) {
    prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
    goto fail;
  }
  seg->os = (uintptr_t)h;
  seg->size = size != 0 ? size : (PRSize)real;
  seg->writable = writable;
  return WIN_DONE;

fail:
  (void)prshm__sys.close_handle(h);
  return WIN_FAIL;
}

/* What a denied open or create found under the name: `present` is the
 * answer when a segment this process may not use as asked has it (WIN_FAIL
 * reports PR_NO_ACCESS_RIGHTS_ERROR). A deleted segment that this process
 * holds only to keep it alive is let go at once, which may free the name:
 * then the caller tries again. */
static win_step win_denied(const char *key, const WCHAR *wname, win_step present) {
  switch (win_probe(wname)) {
    case PROBE_DELETED:
      return prshm__win_keep_release_deleted(key, PR_TRUE) ? WIN_RETRY : WIN_DELETED;
    case PROBE_ABSENT:
      return WIN_ABSENT;
    case PROBE_FAIL:
      return WIN_FAIL;
    default:
      break;
  }
  if (present == WIN_FAIL) prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
  return present;
}

static win_step win_open_existing(const char *key, const WCHAR *wname, PRSize size,
                                  prshm__seg *seg) {
  HANDLE h = prshm__sys.open_mapping(WIN_OPEN_RW, FALSE, wname);
  PRBool writable = h != NULL;
  DWORD err;
  win_step rv;

  /* mode is not an access request: a process allowed only to read opens
   * the segment read-only, and only a read-write attach then fails. */
  if (h == NULL && GetLastError() == ERROR_ACCESS_DENIED)
    h = prshm__sys.open_mapping(WIN_OPEN_RO, FALSE, wname);
  if (h != NULL) return win_adopt(h, writable, size, seg);
  err = GetLastError();
  if (err == ERROR_FILE_NOT_FOUND) return WIN_ABSENT;
  if (err != ERROR_ACCESS_DENIED) {
    (void)win_fail_name(err);
    return WIN_FAIL;
  }
  rv = win_denied(key, wname, WIN_FAIL);
  /* Absent now: it went away between the calls; look again. */
  return rv == WIN_ABSENT ? WIN_RETRY : rv;
}

/* ---- Creating a section ---- */

/* Security attributes for a descriptor; handles never inheritable. */
static SECURITY_ATTRIBUTES win_sa(prshm__win_sd *sd) {
  SECURITY_ATTRIBUTES sa;

  sa.nLength = (DWORD)sizeof sa;
  sa.lpSecurityDescriptor = &sd->sd;
  sa.bInheritHandle = FALSE;
  return sa;
}

static win_step win_create(const char *key, const WCHAR *wname, PRSize size, PRIntn mode,
                           prshm__seg *seg) {
  prshm__win_sd sd, esd;
  SECURITY_ATTRIBUTES sa, esa;
  HANDLE h;
  DWORD err;
  win_step rv;

  if (prshm__win_sd_for_mode(&sd, mode, (PRUint64)size) != PR_SUCCESS) return WIN_FAIL;
  sa = win_sa(&sd);
  /* The NOTIFY event is labelled as the section: whoever may delete the
   * segment may set it. */
  prshm__win_sd_event(&esd, sd.level, PRSHM__WIN_EVENT_RIGHTS);
  esa = win_sa(&esd);
  SetLastError(ERROR_SUCCESS);
  /* SEC_COMMIT charges the whole size to the system's commit limit now, so
   * a system short of memory fails here, never at a first touch. The
   * descriptor is part of the creation: nobody sees the section without
   * its permissions and its size. */
  h = prshm__sys.create_mapping(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE | SEC_COMMIT,
                                (DWORD)((PRUint64)size >> 32), (DWORD)size, wname);
  err = GetLastError();
  if (h != NULL && err == ERROR_ALREADY_EXISTS) {
    /* Another process created it first. */
    (void)prshm__sys.close_handle(h);
    return WIN_EXISTS;
  }
  if (h != NULL) {
    if (prshm__win_keep_add(key, h, &esa) != PR_SUCCESS) {
      (void)prshm__sys.close_handle(h);
      return WIN_FAIL;
    }
    seg->os = (uintptr_t)h;
    seg->size = size;
    seg->writable = PR_TRUE;
    return WIN_DONE;
  }
  if (err != ERROR_ACCESS_DENIED) {
    (void)win_fail_name(err);
    return WIN_FAIL;
  }
  /* Denied: the name exists and this process may not have it all, or this
   * process may not create in the namespace (Global\ needs the privilege
   * SeCreateGlobalPrivilege). */
  rv = win_denied(key, wname, WIN_EXISTS);
  if (rv == WIN_ABSENT) {
    prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, (PRInt32)err);
    return WIN_FAIL;
  }
  return rv;
}

/* ---- Open ---- */

static PRStatus win_open(char *key, PRSize size, PRIntn flags, PRIntn mode, prshm__seg *seg) {
  const PRBool create = (flags & PR_SHM_CREATE) != 0;
  const PRBool excl = create && (flags & PR_SHM_EXCL) != 0;
  WCHAR wname[PRSHM__KEY_SIZE];
  int attempt;

  /* PRSHM_SPARSE is not needed: a committed section takes physical pages
   * only as they are touched; the commit charge is what makes it safe. */
  if (prshm__win_widen(key, wname) != PR_SUCCESS) return PR_FAILURE;
  for (attempt = 0; attempt < WIN_OPEN_ATTEMPTS; attempt++) {
    win_step rv = excl ? WIN_ABSENT : win_open_existing(key, wname, size, seg);
    if (rv == WIN_ABSENT && create) rv = win_create(key, wname, size, mode, seg);
    switch (rv) {
      case WIN_DONE:
        return PR_SUCCESS;
      case WIN_FAIL:
        return PR_FAILURE;
      case WIN_ABSENT:
        return prshm__fail(PR_FILE_NOT_FOUND_ERROR, ERROR_FILE_NOT_FOUND);
      case WIN_DELETED:
        /* Deleted: gone for an opener, still in the way of a creator. */
        return prshm__fail(create ? PR_FILE_IS_BUSY_ERROR : PR_FILE_NOT_FOUND_ERROR,
                           ERROR_ACCESS_DENIED);
      case WIN_EXISTS:
        if (excl) return prshm__fail(PR_FILE_EXISTS_ERROR, ERROR_ALREADY_EXISTS);
        break; /* created by another process meanwhile: open theirs */
      case WIN_RETRY:
        break;
    }
  }
  return prshm__fail(PR_FILE_IS_BUSY_ERROR, 0);
}

/* ---- Delete ---- */

/* Why an object could not be opened for deleting. */
static PRStatus win_remove_denied(const char *key, const WCHAR *wname, DWORD err,
                                  HANDLE (*open)(DWORD access, const WCHAR *name)) {
  HANDLE h;

  if (err == ERROR_FILE_NOT_FOUND) return prshm__fail(PR_FILE_NOT_FOUND_ERROR, (PRInt32)err);
  if (err != ERROR_ACCESS_DENIED) return win_fail_name(err);
  h = open(READ_CONTROL, wname);
  switch (prshm__win_probe_opened(h, h == NULL ? GetLastError() : 0)) {
    case PROBE_DELETED:
      (void)prshm__win_keep_release_deleted(key, PR_TRUE);
      return prshm__fail(PR_FILE_NOT_FOUND_ERROR, (PRInt32)err);
    case PROBE_ABSENT:
      return prshm__fail(PR_FILE_NOT_FOUND_ERROR, ERROR_FILE_NOT_FOUND);
    case PROBE_FAIL:
      return PR_FAILURE;
    default:
      return prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, (PRInt32)err);
  }
}

/* Takes the name's delete lock, a named mutex (the key followed by
 * PRSHM__WIN_LOCK): without it two deletes could both read a live DACL and
 * both write the tombstone, and both report success. A mutex whose holder
 * died is handed on (WAIT_ABANDONED), so a crash never blocks deletes.
 * Returns the mutex, held, or NULL with the error set. */
static HANDLE win_lock(const char *key) {
  WCHAR name[PRSHM__KEY_SIZE + 1];
  prshm__win_sd sd;
  SECURITY_ATTRIBUTES sa;
  HANDLE m;
  DWORD rv, err;

  /* No label of prshm's: Windows treats the mutex as Medium (or labels it
   * with the level of a creator below Medium), so that the owner's deletes
   * from every level that may delete the segment meet on one lock. */
  prshm__win_sd_event(&sd, PRSHM__WIN_NO_LABEL, PRSHM__WIN_LOCK_RIGHTS);
  sa = win_sa(&sd);
  prshm__win_suffixed(key, PRSHM__WIN_LOCK, name);
  m = prshm__sys.create_mutex(&sa, name, 0, PRSHM__WIN_LOCK_RIGHTS);
  if (m == NULL) {
    (void)win_fail_name(GetLastError());
    return NULL;
  }
  rv = prshm__sys.wait_object(m, WIN_LOCK_WAIT_MS);
  if (rv == WAIT_OBJECT_0 || rv == WAIT_ABANDONED) return m;
  err = rv == WAIT_TIMEOUT ? ERROR_TIMEOUT : GetLastError();
  (void)prshm__sys.close_handle(m);
  if (rv == WAIT_TIMEOUT)
    prshm__fail(PR_FILE_IS_BUSY_ERROR, (PRInt32)err);
  else
    prshm__fail_os((PRInt32)err);
  return NULL;
}

static void win_unlock(HANDLE lock) {
  (void)ReleaseMutex(lock);
  (void)prshm__sys.close_handle(lock);
}

/* Tells the creator of a segment just marked deleted, if it is running and
 * watching (its NOTIFY event exists), to let go of it, and waits until it
 * has (its answer is the DONE event), at most WIN_TOLD_WAIT_MS: when the
 * delete returns, the creator no longer holds the name. Best effort: the
 * delete has succeeded whatever happens here, and a creator that is not
 * told lets go when it next uses the name, or exits.
 *
 * DONE is made before NOTIFY is opened: a creator that lets go on its own
 * meanwhile (it touched the name) closes NOTIFY before it answers, so
 * either NOTIFY is gone, and there is nobody to wait for, or the answer
 * finds DONE. */
static void win_tell_creator(const char *key) {
  WCHAR name[PRSHM__KEY_SIZE + 1];
  prshm__win_sd sd;
  SECURITY_ATTRIBUTES sa;
  HANDLE notify, done;

  /* Labelled Low, so that a creator at any level may set it. */
  prshm__win_sd_event(&sd, SECURITY_MANDATORY_LOW_RID, PRSHM__WIN_EVENT_RIGHTS);
  sa = win_sa(&sd);
  prshm__win_suffixed(key, PRSHM__WIN_DONE, name);
  done = prshm__sys.create_event(&sa, name, CREATE_EVENT_MANUAL_RESET, PRSHM__WIN_EVENT_RIGHTS);
  /* Left set by an earlier delete whose creator answered late. */
  if (done != NULL && GetLastError() == ERROR_ALREADY_EXISTS) (void)ResetEvent(done);
  prshm__win_suffixed(key, PRSHM__WIN_NOTIFY, name);
  notify = prshm__sys.open_event(EVENT_MODIFY_STATE, FALSE, name);
  if (notify != NULL) {
    (void)SetEvent(notify);
    (void)prshm__sys.close_handle(notify);
    /* Without DONE the creator is told all the same, and not waited for. */
    if (done != NULL) (void)prshm__sys.wait_object(done, WIN_TOLD_WAIT_MS);
  }
  if (done != NULL) (void)prshm__sys.close_handle(done);
}

/* Marks the section of `h` deleted, under the name's delete lock. */
static PRStatus win_mark_deleted(const char *key, HANDLE h) {
  prshm__win_sd sd;
  prshm__win_state state;
  PRUint64 size = 0;

  if (prshm__win_sd_read(h, &state, &size) != PR_SUCCESS) return PR_FAILURE;
  if (state == PRSHM__WIN_DELETED) {
    /* Another delete won: this process may still keep it. */
    (void)prshm__win_keep_release_deleted(key, PR_TRUE);
    return prshm__fail(PR_FILE_NOT_FOUND_ERROR, ERROR_FILE_NOT_FOUND);
  }
  (void)prshm__win_sd_deleted(&sd, size);
  if (!prshm__sys.set_object_security(h, DACL_SECURITY_INFORMATION, &sd.sd))
    return prshm__fail_os((PRInt32)GetLastError());
  return PR_SUCCESS;
}

PRStatus prshm__win_remove(const char *key, HANDLE (*open)(DWORD access, const WCHAR *name)) {
  WCHAR wname[PRSHM__KEY_SIZE];
  HANDLE h, lock;
  PRStatus rv;

  if (prshm__win_widen(key, wname) != PR_SUCCESS) return PR_FAILURE;
  /* Only the owner may change the DACL (Windows grants it implicitly), as
   * only the owner may remove a segment from Unix's sticky /dev/shm. */
  h = open(WRITE_DAC | READ_CONTROL, wname);
  if (h == NULL) return win_remove_denied(key, wname, GetLastError(), open);
  lock = win_lock(key);
  if (lock == NULL) goto close_section;
  rv = win_mark_deleted(key, h);
  /* This handle goes first, so that the creator's letting go frees the
   * name when nobody else holds it. */
  (void)prshm__sys.close_handle(h);
  /* The name is unusable for everyone now; the memory goes with the last
   * handle or view anyone still has once the creator lets go. */
  if (rv == PR_SUCCESS && !prshm__win_keep_release_deleted(key, PR_FALSE)) win_tell_creator(key);
  win_unlock(lock);
  return rv;

close_section:
  (void)prshm__sys.close_handle(h);
  return PR_FAILURE;
}

static HANDLE win_open_section(DWORD access, const WCHAR *name) {
  return prshm__sys.open_mapping(access, FALSE, name);
}

static PRStatus win_remove(const char *key) { return prshm__win_remove(key, win_open_section); }

/* ---- Mapping ---- */

static void *win_map(const prshm__seg *seg, PRBool readonly) {
  void *addr;

  if (!readonly && !seg->writable) {
    prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, ERROR_ACCESS_DENIED);
    return NULL;
  }
  /* FILE_MAP_WRITE maps read-write. */
  addr = prshm__sys.map_view((HANDLE)seg->os, readonly ? FILE_MAP_READ : FILE_MAP_WRITE, 0, 0,
                             seg->size);
  if (addr == NULL) prshm__fail_os((PRInt32)GetLastError());
  return addr;
}

static PRStatus win_unmap(void *addr, PRSize size) {
  (void)size; /* a view is unmapped whole */
  if (!prshm__sys.unmap_view(addr)) return prshm__fail_os((PRInt32)GetLastError());
  return PR_SUCCESS;
}

static PRStatus win_close(prshm__seg *seg) {
  if (!prshm__sys.close_handle((HANDLE)seg->os)) return prshm__fail_os((PRInt32)GetLastError());
  return PR_SUCCESS;
}

/* Opening or listing other programs' objects by their native names is not
 * available on Windows yet. */
static PRStatus win_key_of_native(const char *native, char *key) {
  (void)native;
  (void)key;
  return prshm__fail(PR_NOT_IMPLEMENTED_ERROR, ERROR_CALL_NOT_IMPLEMENTED);
}

/* Segments live in Local\ unless their name says Global\. */
static PRStatus win_where(char *buf, size_t size) {
  if (size < sizeof "Local\\") return prshm__fail(PR_BUFFER_OVERFLOW_ERROR, 0);
  memcpy(buf, "Local\\", sizeof "Local\\");
  return PR_SUCCESS;
}

const prshm__backend prshm__backend_impl = {
    "win32",   win_key,   win_native, win_open,          win_map,
    win_unmap, win_close, win_remove, win_key_of_native, win_where,
};
