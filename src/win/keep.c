/*
 * keep.c (Windows) - the sections this process keeps alive, and how it lets
 * one go the moment any process deletes it.
 *
 * Windows destroys a section when its last handle closes, while prshm
 * promises that a segment stays until PR_DeleteSharedMemory(). The creating
 * process therefore holds one extra handle per segment it created, allowed
 * only to read the DACL, until the segment is deleted (by any process) or
 * this process exits.
 *
 * A delete in another process must make this one let go at once, without
 * waiting for it to call prshm again: otherwise the memory and the name
 * stay taken for as long as the creator runs. So each kept segment comes
 * with a named event, its key followed by PRSHM__WIN_NOTIFY, which a
 * deleter sets once it has marked the section deleted (win32.c). A wait on
 * it, registered in the process's thread pool (prshm runs no thread of its
 * own), reads the section's DACL and, if it says deleted, closes the kept
 * handle and sets the deleter's event (the key followed by PRSHM__WIN_DONE),
 * so that the deleter returns only once this process has let go. The event
 * is manual-reset and reset before the DACL is read: a set that comes while
 * the callback runs stays set and fires the re-armed wait, so none is lost.
 * If the event or the wait cannot be made, the segment is kept all the same
 * and let go as before the event existed: when this process next opens,
 * creates or deletes the name, or exits.
 *
 * A kept handle is let go only once the DACL of its own section says that
 * it is deleted, never on the word of an event (anyone allowed may set it)
 * or of the name alone (it may belong to a newer segment by then).
 *
 * Ownership. keep_lock guards the table, the list of dead entries and every
 * entry's `busy` flag, and is never held across a call that waits. An entry
 * in the table belongs to the table. A thread that unlinks one (never a busy
 * one) owns it until it puts it back, re-arming its wait, or releases it. A
 * callback never unlinks its entry while it works: it marks it busy, which
 * keeps every other thread's hands off it, and when the section turns out
 * deleted, closes the handles and moves the entry to the dead list. Only a
 * thread outside the pool frees a dead entry, after waiting for its callback
 * to return. So every entry whose wait exists is always in the table or in
 * the dead list, where an unload finds it and waits for its callback: no
 * callback ever runs in the module's code after the unload returns.
 *
 * The table is a hash table with chains, grown as it fills so that the cost
 * per segment stays flat.
 *
 * Sections: the table, releasing, the callback, adding, letting go on a
 * touch, unloading.
 */
#include <stdlib.h>
#include <string.h>

#include "win.h"

/* One kept section. */
typedef struct keep_entry {
  struct keep_entry *next; /* the next entry in the same bucket, or in keep_dead */
  HANDLE section;          /* the handle kept (READ_CONTROL), or NULL once closed */
  HANDLE notify;           /* the event deleters set, or NULL: not watched (or closed) */
  PTP_WAIT wait;           /* the thread-pool wait on `notify`, or NULL */
  PRBool busy;             /* its callback is at work on it: no one else takes it */
  char key[];              /* the key, NUL-terminated; never changes */
} keep_entry;

static prshm__mutex keep_lock = PRSHM__MUTEX_INIT;
static keep_entry **keep_buckets; /* keep_nbuckets chains, or NULL before the first */
static size_t keep_nbuckets;      /* a power of two, or 0 */
static size_t keep_count;         /* entries in the table */
static keep_entry *keep_dead;     /* let go by their callbacks, their waits still to close */
static PRBool keep_unloaded;      /* the table has been emptied for an unload */

/* ---- The table (keep_lock held) ---- */

/* FNV-1a: keys are short and trusted, a fast hash is enough. */
static size_t keep_hash(const char *key) {
  uint32_t h = 2166136261u;

  for (; *key != '\0'; key++) h = (h ^ (unsigned char)*key) * 16777619u;
  return (size_t)h;
}

/* Doubles the buckets (or makes the first ones). PR_FALSE if out of
 * memory; the table still works then, only slower. */
static PRBool keep_grow(void) {
  size_t n = keep_nbuckets != 0 ? keep_nbuckets * 2 : 64, i;
  keep_entry **grown = calloc(n, sizeof *grown);

  if (grown == NULL) return PR_FALSE;
  for (i = 0; i < keep_nbuckets; i++) {
    keep_entry *e = keep_buckets[i], *next;
    for (; e != NULL; e = next) {
      size_t b = keep_hash(e->key) & (n - 1);
      next = e->next;
      e->next = grown[b];
      grown[b] = e;
    }
  }
  free(keep_buckets);
  keep_buckets = grown;
  keep_nbuckets = n;
  return PR_TRUE;
}

/* The link that points at `e`, or NULL if it is not in the table. */
static keep_entry **keep_find_entry(const keep_entry *e) {
  keep_entry **p;

  if (keep_nbuckets == 0) return NULL;
  p = &keep_buckets[keep_hash(e->key) & (keep_nbuckets - 1)];
  for (; *p != NULL; p = &(*p)->next) {
    if (*p == e) return p;
  }
  return NULL;
}

/* Unlinks the entry `p` points at and returns it. */
static keep_entry *keep_unlink(keep_entry **p) {
  keep_entry *e = *p;

  *p = e->next;
  keep_count--;
  return e;
}

/* Unlinks the entry of `key` other than `except` and returns it, or NULL.
 * A busy entry is its callback's: it is left alone. */
static keep_entry *keep_take(const char *key, const keep_entry *except) {
  keep_entry **p;

  if (keep_nbuckets == 0) return NULL;
  p = &keep_buckets[keep_hash(key) & (keep_nbuckets - 1)];
  for (; *p != NULL; p = &(*p)->next) {
    if (*p != except && !(*p)->busy && strcmp((*p)->key, key) == 0) return keep_unlink(p);
  }
  return NULL;
}

/* Arms the entry's wait, if it has one. SetThreadpoolWait() only queues
 * it; the callback runs on a pool thread, which takes keep_lock after this
 * thread lets it go. */
static void keep_arm(keep_entry *e) {
  if (e->wait != NULL) SetThreadpoolWait(e->wait, e->notify, NULL);
}

/* Links an entry in, growing the table first when it is full, and arms its
 * wait; PR_FALSE if there is no bucket at all. */
static PRBool keep_put(keep_entry *e) {
  size_t b;

  if (keep_count >= keep_nbuckets && !keep_grow() && keep_nbuckets == 0) return PR_FALSE;
  b = keep_hash(e->key) & (keep_nbuckets - 1);
  e->next = keep_buckets[b];
  keep_buckets[b] = e;
  keep_count++;
  keep_arm(e);
  return PR_TRUE;
}

/* ---- Releasing ---- */

/* Whether the DACL of the entry's own section says it is deleted. */
static PRBool keep_deleted(const keep_entry *e) {
  prshm__win_state state = PRSHM__WIN_LIVE;
  PRUint64 size;

  return prshm__win_sd_read(e->section, &state, &size) == PR_SUCCESS && state == PRSHM__WIN_DELETED;
}

/* Tells a deleter waiting on the key's PRSHM__WIN_DONE event that this
 * process has let go. Nobody may be waiting: failures are ignored. */
static void keep_tell_deleter(const char *key) {
  WCHAR name[PRSHM__KEY_SIZE + 1];
  HANDLE done;

  prshm__win_suffixed(key, PRSHM__WIN_DONE, name);
  done = prshm__sys.open_event(EVENT_MODIFY_STATE, FALSE, name);
  if (done == NULL) return;
  (void)SetEvent(done);
  (void)prshm__sys.close_handle(done);
}

/* Closes the entry's event and kept handle, the event first: once the
 * section's handle is closed the deleter may hear of it, and then this
 * process holds nothing of the segment. */
static void keep_close_handles(keep_entry *e) {
  if (e->notify != NULL) (void)prshm__sys.close_handle(e->notify);
  if (e->section != NULL) (void)prshm__sys.close_handle(e->section);
  e->notify = NULL;
  e->section = NULL;
}

/* Waits for the entry's callback, if one runs, then closes its wait and
 * frees it. Never called on a pool thread of this module's: a callback
 * waiting for itself would never return. `cancel` also drops a callback
 * that is queued but has not started. */
static void keep_free(keep_entry *e, PRBool cancel) {
  if (e->wait != NULL) {
    if (cancel) SetThreadpoolWait(e->wait, NULL, NULL);
    WaitForThreadpoolWaitCallbacks(e->wait, cancel);
    CloseThreadpoolWait(e->wait);
  }
  keep_close_handles(e);
  free(e);
}

/* Releases an entry its caller owns (out of the table) and then, if
 * `tell`, tells a waiting deleter. */
static void keep_release(keep_entry *e, PRBool tell) {
  char key[PRSHM__KEY_SIZE];

  memcpy(key, e->key, strlen(e->key) + 1);
  keep_free(e, PR_TRUE);
  if (tell) keep_tell_deleter(key);
}

/* Frees the entries that their callbacks let go of. */
static void keep_reap(void) {
  keep_entry *e, *next;

  prshm__mutex_lock(&keep_lock);
  e = keep_dead;
  keep_dead = NULL;
  prshm__mutex_unlock(&keep_lock);
  for (; e != NULL; e = next) {
    next = e->next;
    keep_free(e, PR_FALSE);
  }
}

/* ---- The callback ---- */

/* Runs on a pool thread when the entry's event is set: lets the section go
 * if it is deleted, else re-arms. */
static void CALLBACK keep_on_notify(PTP_CALLBACK_INSTANCE instance, void *context, PTP_WAIT wait,
                                    TP_WAIT_RESULT result) {
  keep_entry *e = context, **p;
  PRBool deleted;

  (void)instance;
  (void)wait;
  (void)result;
  prshm__mutex_lock(&keep_lock);
  p = keep_find_entry(e);
  if (p != NULL) e->busy = PR_TRUE;
  prshm__mutex_unlock(&keep_lock);
  /* Not in the table: a thread owns it for now, and re-arms it (the event
   * is still set, so the wait fires again) or releases it, waiting for this
   * callback first. */
  if (p == NULL) return;
  (void)ResetEvent(e->notify);
  deleted = keep_deleted(e);
  if (deleted) keep_close_handles(e);
  prshm__mutex_lock(&keep_lock);
  e->busy = PR_FALSE;
  /* After an unload took the table, the entry is the unload's, which
   * waits for this callback before it touches the entry. */
  if (!keep_unloaded && deleted) {
    (void)keep_unlink(keep_find_entry(e));
    e->next = keep_dead;
    keep_dead = e;
  } else if (!keep_unloaded) {
    keep_arm(e);
  }
  prshm__mutex_unlock(&keep_lock);
  /* Whoever frees a dead entry waits for this callback first: e->key is
   * still there. */
  if (deleted) keep_tell_deleter(e->key);
}

/* ---- Adding ---- */

/* Makes the entry's event and its wait, or leaves both NULL (the entry is
 * then let go on a touch, as the file's comment says). */
static void keep_watch(keep_entry *e, SECURITY_ATTRIBUTES *event_sa) {
  WCHAR name[PRSHM__KEY_SIZE + 1];

  e->notify = NULL;
  e->wait = NULL;
  prshm__win_suffixed(e->key, PRSHM__WIN_NOTIFY, name);
  /* An event left by an earlier segment of the name (a deleter that has
   * not closed it yet) is opened instead and does as well. */
  e->notify =
      prshm__sys.create_event(event_sa, name, CREATE_EVENT_MANUAL_RESET, PRSHM__WIN_EVENT_RIGHTS);
  if (e->notify == NULL) return;
  e->wait = prshm__sys.create_tp_wait(keep_on_notify, e);
  if (e->wait != NULL) return;
  (void)prshm__sys.close_handle(e->notify);
  e->notify = NULL;
}

PRStatus prshm__win_keep_add(const char *key, HANDLE section, SECURITY_ATTRIBUTES *event_sa) {
  size_t len = strlen(key);
  keep_entry *e = malloc(sizeof *e + len + 1), *old;

  keep_reap();
  if (e == NULL) return prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
  /* It keeps the section in existence, and may tell whether it was deleted. */
  if (!prshm__sys.duplicate_handle(section, &e->section, READ_CONTROL)) {
    DWORD err = GetLastError();
    free(e);
    return prshm__fail_os((PRInt32)err);
  }
  e->busy = PR_FALSE;
  memcpy(e->key, key, len + 1);
  keep_watch(e, event_sa);
  prshm__mutex_lock(&keep_lock);
  if (!keep_put(e)) {
    prshm__mutex_unlock(&keep_lock);
    keep_release(e, PR_FALSE);
    return prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
  }
  /* An entry left for the key gives way to the new one. (Windows gives a
   * name to one section at a time, and the old one holds it while kept, so
   * this happens only where two keys name one directory: Local\ and
   * Global\ in session 0.) */
  old = keep_take(key, e);
  prshm__mutex_unlock(&keep_lock);
  if (old != NULL) keep_release(old, PR_FALSE);
  return PR_SUCCESS;
}

/* ---- Letting go on a touch ---- */

PRBool prshm__win_keep_release_deleted(const char *key, PRBool tell) {
  keep_entry *e;

  keep_reap();
  prshm__mutex_lock(&keep_lock);
  e = keep_take(key, NULL);
  prshm__mutex_unlock(&keep_lock);
  if (e == NULL) return PR_FALSE;
  /* Out of the table meanwhile, so that no other call closes it. */
  if (keep_deleted(e)) {
    keep_release(e, tell);
    return PR_TRUE;
  }
  prshm__mutex_lock(&keep_lock);
  (void)keep_put(e); /* it had its bucket: no allocation can fail here */
  prshm__mutex_unlock(&keep_lock);
  return PR_FALSE;
}

size_t prshm__win_keep_count(void) {
  size_t n;

  prshm__mutex_lock(&keep_lock);
  n = keep_count;
  prshm__mutex_unlock(&keep_lock);
  return n;
}

/* ---- Unloading ---- */

void prshm__win_keep_unload(void) {
  keep_entry **buckets, *dead, *e, *next;
  size_t n, i;

  prshm__mutex_lock(&keep_lock);
  buckets = keep_buckets;
  n = keep_nbuckets;
  dead = keep_dead;
  keep_buckets = NULL;
  keep_nbuckets = 0;
  keep_count = 0;
  keep_dead = NULL;
  keep_unloaded = PR_TRUE;
  prshm__mutex_unlock(&keep_lock);
  /* Every entry whose wait exists is here (busy ones included): freeing
   * each waits for its callback, so none outlives the module's code. */
  for (i = 0; i < n; i++) {
    for (e = buckets[i]; e != NULL; e = next) {
      next = e->next;
      keep_free(e, PR_TRUE);
    }
  }
  free(buckets);
  for (e = dead; e != NULL; e = next) {
    next = e->next;
    keep_free(e, PR_FALSE);
  }
}
