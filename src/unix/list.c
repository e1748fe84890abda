/*
 * list.c (Unix) - listing the namespace: prshm_list_open/next/close,
 * prshm_stat and prshm_stat_native (prshm_ext.h).
 *
 * Every object in the namespace directory is listed, with its kind: a
 * segment, semaphore or lock prshm named (readable or hashed), a temporary
 * file left by a creator, a file another program made (Python's psm_*), or
 * something that is no segment at all (a directory, a FIFO, a link, a file
 * under two names). Each is tested for use by holders.c, and a semaphore's
 * value or a lock's holder is read by its backend; only prshm's own kinds
 * are ever candidates for removal (remove.c).
 *
 * Sections: kinds and entries; reading the directory; the listing calls.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "list.h"

/* A listing: a snapshot taken by prshm_list_open(), read by the caller. */
struct prshm_list {
  prshm__list_entry *entries; /* sorted by key; owned */
  size_t count;               /* entries in use */
  size_t cap;                 /* entries allocated */
  size_t next;                /* the entry prshm_list_next() returns next */
};

/* ------------------------------------------------------------------------
 * Kinds and entries.
 */

const char *prshm__list_dir(void) {
  const prshm__unix_ns *ns = prshm__unix_namespace();

  if (ns->error != 0) {
    prshm__fail(ns->error, 0);
    return NULL;
  }
  if (ns->has_dir) return ns->dir;
  if (PRSHM__LIST_DEFAULT_DIR == NULL) prshm__fail(PR_NOT_IMPLEMENTED_ERROR, 0);
  return PRSHM__LIST_DEFAULT_DIR;
}

/* Whether `fname` is a key prshm makes in this build: 1 readable, 0
 * hashed, -1 not; *kind its kind, *key_at where the key starts. A
 * semaphore's file carries its backend's prefix ("sem." for glibc's POSIX
 * semaphores), and only semaphores' do. */
static int list_key_of(const char *fname, prshm__kind *kind, size_t *key_at) {
  const char *prefix = prshm__sem_impl.file_prefix;
  char name[PRSHM__KEY_SIZE];
  size_t skip = 0;
  int rv;

  if (prefix != NULL && prefix[0] != '\0' && strncmp(fname, prefix, strlen(prefix)) == 0)
    skip = strlen(prefix);
  rv = prshm__name_decode_kind(fname + skip, kind, name, sizeof name);
  if (rv < 0) return -1;
  /* A semaphore's file is named as its backend names it, and nothing else
   * carries that prefix. */
  if (*kind == PRSHM__KIND_SEM ? prefix == NULL || skip != strlen(prefix) : skip != 0) return -1;
  *key_at = skip;
  return rv;
}

PRBool prshm__list_prshm_name(const char *fname) {
  prshm__kind kind;
  size_t key_at;

  if (strncmp(fname, PRSHM__LIST_TEMP_PREFIX, sizeof PRSHM__LIST_TEMP_PREFIX - 1) == 0)
    return PR_TRUE;
  return list_key_of(fname, &kind, &key_at) >= 0;
}

int prshm__list_kind(const char *fname, const struct stat *st, int *object, size_t *key_at) {
  prshm__kind kind;
  int rv;

  *object = PRSHM_OBJECT_SEGMENT;
  *key_at = 0;
  if (!S_ISREG(st->st_mode)) return PRSHM_KIND_OTHER;
  /* A creator's temporary name may share its file with the segment's name
   * (linux.c's link fallback, killed between its two steps): removing the
   * temporary name then gives the segment back its one name. */
  if (strncmp(fname, PRSHM__LIST_TEMP_PREFIX, sizeof PRSHM__LIST_TEMP_PREFIX - 1) == 0)
    return PRSHM_KIND_LEFTOVER;
  /* Two names on one file are never a segment (openers refuse it). */
  if (st->st_nlink > 1) return PRSHM_KIND_OTHER;
  rv = list_key_of(fname, &kind, key_at);
  if (rv < 0) return PRSHM_KIND_FOREIGN;
  *object = kind == PRSHM__KIND_SEM    ? PRSHM_OBJECT_SEMAPHORE
            : kind == PRSHM__KIND_LOCK ? PRSHM_OBJECT_LOCK
                                       : PRSHM_OBJECT_SEGMENT;
  return rv == 1 ? PRSHM_KIND_NAMED : PRSHM_KIND_HASHED;
}

void prshm__list_entry_init(prshm__list_entry *e, const char *fname, const struct stat *st) {
  memset(e, 0, sizeof *e);
  snprintf(e->key, sizeof e->key, "%s", fname);
  e->kind = prshm__list_kind(fname, st, &e->object, &e->key_at);
  e->st = *st;
  e->last_pid = -1;
  e->state.value = -1;
  e->state.lock_state = PRSHM_LOCK_UNKNOWN;
}

/* Reads a semaphore's value or a lock's state, through its backend. */
static void list_describe(const char *dir, prshm__list_entry *e) {
  char path[PRSHM__LIST_PATH_SIZE];
  int fd;

  prshm__unix_path(dir, e->key, path);
  fd = prshm__list_open_probe(path);
  if (e->object == PRSHM_OBJECT_SEMAPHORE)
    prshm__sem_impl.describe(e->key + e->key_at, fd, &e->state);
  else
    prshm__lock_impl.describe(e->key + e->key_at, fd, &e->state);
  if (fd >= 0) (void)prshm__sys.close(fd);
}

/* Tests an entry for use (only files can be held), and reads its state. */
static void list_test(const char *dir, prshm__list_entry *e) {
  if (e->kind == PRSHM_KIND_OTHER) return;
  prshm__list_probe(dir, e);
  if (e->object != PRSHM_OBJECT_SEGMENT && !e->gone) list_describe(dir, e);
}

static int list_by_key(const void *a, const void *b) {
  return strcmp(((const prshm__list_entry *)a)->key, ((const prshm__list_entry *)b)->key);
}

/* Appends an entry for the object `fname`; PR_FAILURE when out of memory. */
static PRStatus list_add(prshm_list *l, const char *fname, const struct stat *st) {
  if (l->count == l->cap) {
    size_t cap = l->cap != 0 ? l->cap * 2 : 16;
    prshm__list_entry *grown = realloc(l->entries, cap * sizeof *grown);
    if (grown == NULL) return prshm__fail(PR_OUT_OF_MEMORY_ERROR, ENOMEM);
    l->entries = grown;
    l->cap = cap;
  }
  prshm__list_entry_init(&l->entries[l->count++], fname, st);
  return PR_SUCCESS;
}

/* ------------------------------------------------------------------------
 * Reading the directory.
 */

/* Keeps one entry per name in a sorted listing. A directory holds a name
 * once, but readdir() on a directory that changes while it is read (tmpfs
 * under heavy creation and removal, seen in CI) may return a name more than
 * once; the snapshot lists each object once all the same. */
static void list_drop_repeats(prshm_list *l) {
  size_t from, to = 1;

  for (from = 1; from < l->count; from++)
    if (strcmp(l->entries[from].key, l->entries[to - 1].key) != 0)
      l->entries[to++] = l->entries[from];
  l->count = to;
}

/* Reads the directory: every object in it but "." and "..". */
static PRStatus list_read_dir(prshm_list *l, const char *dir) {
  DIR *d = opendir(dir[0] != '\0' ? dir : "/");
  struct dirent *de;
  PRStatus rv = PR_SUCCESS;

  if (d == NULL) return prshm__fail_os(errno);
  while (rv == PR_SUCCESS && (de = readdir(d)) != NULL) {
    struct stat st;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
        strlen(de->d_name) >= PRSHM__KEY_SIZE)
      continue;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue; /* removed */
    rv = list_add(l, de->d_name, &st);
  }
  (void)closedir(d);
  if (rv == PR_SUCCESS && l->count > 1) {
    qsort(l->entries, l->count, sizeof *l->entries, list_by_key);
    list_drop_repeats(l);
  }
  return rv;
}

/* ------------------------------------------------------------------------
 * The listing calls.
 */

static void list_fill(const prshm__list_entry *e, prshm_seginfo *info) {
  PRInt32 i;

  memset(info, 0, sizeof *info);
  info->kind = e->kind;
  info->evidence = e->evidence;
  info->use = e->kind == PRSHM_KIND_OTHER ? PRSHM_USE_UNKNOWN : prshm__list_use(e->evidence);
  /* Where the kernel's lease test decided, what could not be checked
   * besides does not matter, and is not reported. */
  if ((e->evidence & (PRSHM_FREE_PROVED | PRSHM_HELD_FILE)) != 0)
    info->evidence &= ~(PRUint32)(PRSHM__LIST_GAPS | PRSHM_UNCHECKED_LEASE);
  info->processes = e->processes;
  for (i = 0; i < e->processes && i < PRSHM_HOLDERS_MAX; i++) info->pids[i] = e->pids[i];
  if (e->kind == PRSHM_KIND_NAMED)
    (void)prshm__name_decode_kind(e->key + e->key_at, NULL, info->name, sizeof info->name);
  /* PRSHM_NATIVE_NAME_MAX holds any directory and key: this cannot fail. */
  (void)prshm__unix_native(e->key, info->native_name, sizeof info->native_name);
  info->size = (PRUint64)e->st.st_size;
  info->mode = (PRUint32)(e->st.st_mode & 07777);
  info->uid = (PRUint32)e->st.st_uid;
  info->gid = (PRUint32)e->st.st_gid;
  info->mtime = (PRInt64)e->st.st_mtime;
  info->ctime = (PRInt64)e->st.st_ctim.tv_sec;
  info->ctime_nsec = (PRInt32)e->st.st_ctim.tv_nsec;
  info->device = (PRUint64)e->st.st_dev;
  info->inode = (PRUint64)e->st.st_ino;
  info->object = e->object;
  info->value = e->state.value;
  info->lock_state = e->state.lock_state;
  info->lock_holder = e->state.lock_holder;
}

prshm_list *prshm_list_open(void) {
  const char *dir = prshm__list_dir();
  prshm_list *l;
  size_t i;

  if (dir == NULL) return NULL;
  l = calloc(1, sizeof *l);
  if (l == NULL) {
    prshm__fail(PR_OUT_OF_MEMORY_ERROR, ENOMEM);
    return NULL;
  }
  if (list_read_dir(l, dir) != PR_SUCCESS) goto fail;
  for (i = 0; i < l->count; i++) list_test(dir, &l->entries[i]);
  if (prshm__list_check_procs(dir, l->entries, l->count, -1) != PR_SUCCESS) goto fail;
  return l;

fail:
  prshm_list_close(l);
  return NULL;
}

PRStatus prshm_list_next(prshm_list *list, prshm_seginfo *info) {
  if (list == NULL || info == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  while (list->next < list->count && list->entries[list->next].gone) list->next++;
  if (list->next >= list->count) return prshm__fail(PR_NO_MORE_FILES_ERROR, 0);
  list_fill(&list->entries[list->next++], info);
  return PR_SUCCESS;
}

void prshm_list_close(prshm_list *list) {
  if (list == NULL) return;
  free(list->entries);
  free(list);
}

/* Fills *info for the object `key` of the namespace. `segment`: the caller
 * asked for a segment, so anything else is refused. */
static PRStatus list_stat_key(const char *key, PRBool segment, prshm_seginfo *info) {
  char path[PRSHM__LIST_PATH_SIZE];
  const char *dir = prshm__list_dir();
  prshm__list_entry e;
  struct stat st;

  if (dir == NULL) return PR_FAILURE;
  prshm__unix_path(dir, key, path);
  if (prshm__sys.lstat(path, &st) != 0) return prshm__fail_os(errno);
  prshm__list_entry_init(&e, key, &st);
  /* Not a file, or a file under more than one name: not a segment. */
  if (segment && e.kind == PRSHM_KIND_OTHER) return prshm__fail(PR_INVALID_STATE_ERROR, 0);
  list_test(dir, &e);
  if (e.gone) return prshm__fail(PR_FILE_NOT_FOUND_ERROR, ENOENT);
  if (e.kind != PRSHM_KIND_OTHER && prshm__list_check_procs(dir, &e, 1, -1) != PR_SUCCESS)
    return PR_FAILURE;
  list_fill(&e, info);
  return PR_SUCCESS;
}

PRStatus prshm_stat(const char *name, prshm_seginfo *info) {
  char key[PRSHM__KEY_SIZE];

  if (info == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  if (prshm__name_key(name, PRSHM__KIND_SEG, key) != PR_SUCCESS) return PR_FAILURE;
  return list_stat_key(key, PR_TRUE, info);
}

PRStatus prshm_stat_object(const char *name, PRIntn object, prshm_seginfo *info) {
  const char *prefix = "";
  char key[PRSHM__KEY_SIZE], fname[PRSHM__KEY_SIZE + 8];
  prshm__kind kind;

  if (object == PRSHM_OBJECT_SEGMENT) return prshm_stat(name, info);
  if (info == NULL || (object != PRSHM_OBJECT_SEMAPHORE && object != PRSHM_OBJECT_LOCK))
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  kind = object == PRSHM_OBJECT_SEMAPHORE ? PRSHM__KIND_SEM : PRSHM__KIND_LOCK;
  if (kind == PRSHM__KIND_SEM) {
    prefix = prshm__sem_impl.file_prefix;
    /* POSIX named semaphores are in the system's namespace, not PRSHM_DIR. */
    if (prefix == NULL || (prefix[0] != '\0' && prshm__unix_namespace()->has_dir))
      return prshm__fail(PR_NOT_IMPLEMENTED_ERROR, 0);
  }
  if (prshm__name_key(name, kind, key) != PR_SUCCESS) return PR_FAILURE;
  (void)snprintf(fname, sizeof fname, "%s%s", prefix, key);
  if (list_stat_key(fname, PR_TRUE, info) != PR_SUCCESS) return PR_FAILURE;
  /* A file of the name that is not this build's object of that kind. */
  if (info->object != object) return prshm__fail(PR_INVALID_STATE_ERROR, 0);
  return PR_SUCCESS;
}

PRStatus prshm_stat_native(const char *native, prshm_seginfo *info) {
  char key[PRSHM__KEY_SIZE];

  if (info == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  if (prshm__native_key(native, key) != PR_SUCCESS) return PR_FAILURE;
  return list_stat_key(key, PR_FALSE, info);
}
