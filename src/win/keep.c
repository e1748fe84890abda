/*
 * keep.c (Windows) - the sections this process keeps alive.
 *
 * Windows destroys a section when its last handle closes, while prshm
 * promises that a segment stays until PR_DeleteSharedMemory(). The
 * creating process therefore holds one extra handle per segment it
 * created, allowed only to read the DACL, until the segment is deleted (by
 * any process) or this process exits. This table maps keys to those
 * handles: a hash table with chains, grown as it fills so that the cost per
 * segment stays flat. keep_lock guards every field below; it is never held
 * across a system call.
 *
 * A kept handle is let go only once the DACL of its own section says that
 * it is deleted, never on the word of the name alone: the name may belong
 * to a newer segment by then, which must stay kept.
 */
#include <stdlib.h>
#include <string.h>

#include "win.h"

/* One kept section. */
typedef struct keep_entry {
  struct keep_entry *next; /* the next entry in the same bucket */
  HANDLE section;          /* the handle kept; owned by the table */
  char key[];              /* the key, NUL-terminated */
} keep_entry;

static prshm__mutex keep_lock = PRSHM__MUTEX_INIT;
static keep_entry **keep_buckets; /* keep_nbuckets chains, or NULL before the first */
static size_t keep_nbuckets;      /* a power of two, or 0 */
static size_t keep_count;         /* entries in the table */

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

/* Unlinks the entry of `key` other than `except` and returns it, or NULL.
 * Lock held. */
static keep_entry *keep_take(const char *key, const keep_entry *except) {
  keep_entry **p;

  if (keep_nbuckets == 0) return NULL;
  for (p = &keep_buckets[keep_hash(key) & (keep_nbuckets - 1)]; *p != NULL; p = &(*p)->next) {
    if (*p != except && strcmp((*p)->key, key) == 0) {
      keep_entry *e = *p;
      *p = e->next;
      keep_count--;
      return e;
    }
  }
  return NULL;
}

/* Links an entry in, growing the table first when it is full; PR_FALSE if
 * there is no bucket at all. Lock held. */
static PRBool keep_put(keep_entry *e) {
  size_t b;

  if (keep_count >= keep_nbuckets && !keep_grow() && keep_nbuckets == 0) return PR_FALSE;
  b = keep_hash(e->key) & (keep_nbuckets - 1);
  e->next = keep_buckets[b];
  keep_buckets[b] = e;
  keep_count++;
  return PR_TRUE;
}

static void keep_free(keep_entry *e) {
  if (e == NULL) return;
  (void)prshm__sys.close_handle(e->section);
  free(e);
}

PRStatus prshm__win_keep_add(const char *key, HANDLE section) {
  size_t len = strlen(key);
  keep_entry *e = malloc(sizeof *e + len + 1), *old;

  if (e == NULL) return prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
  /* It keeps the section in existence, and may tell whether it was deleted. */
  if (!prshm__sys.duplicate_handle(section, &e->section, READ_CONTROL)) {
    DWORD err = GetLastError();
    free(e);
    return prshm__fail_os((PRInt32)err);
  }
  memcpy(e->key, key, len + 1);
  prshm__mutex_lock(&keep_lock);
  if (!keep_put(e)) {
    prshm__mutex_unlock(&keep_lock);
    keep_free(e);
    return prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
  }
  /* An entry left for the key (a section that another process deleted,
   * gone since) gives way to the new one. */
  old = keep_take(key, e);
  prshm__mutex_unlock(&keep_lock);
  keep_free(old);
  return PR_SUCCESS;
}

PRBool prshm__win_keep_release_deleted(const char *key) {
  prshm__win_state state = PRSHM__WIN_LIVE;
  PRUint64 size;
  keep_entry *e;

  prshm__mutex_lock(&keep_lock);
  e = keep_take(key, NULL);
  prshm__mutex_unlock(&keep_lock);
  if (e == NULL) return PR_FALSE;
  /* Out of the table meanwhile, so that no other call closes it. */
  if (prshm__win_sd_read(e->section, &state, &size) == PR_SUCCESS && state == PRSHM__WIN_DELETED) {
    keep_free(e);
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
