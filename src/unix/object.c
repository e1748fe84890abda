/*
 * object.c (Unix) - semaphore and lock objects kept in files: a small file
 * in the namespace, made through the backend's open loop like a segment
 * (so its creation is atomic where a segment's is), mapped shared, and
 * checked by its header before use.
 *
 * A new object is filled before any other process can use it: on Linux
 * before the file gets its name; in the portable backend (which can only
 * create a file under its name, empty) after it is sized, with the header's
 * magic number stored last, and its openers wait (bounded) for the magic
 * as they wait for a segment's size.
 *
 * Every handle of one object in a process shares one mapping (as glibc's
 * sem_open() does): a process-wide table keyed by the file's device and
 * inode counts the handles of each, and the last close unmaps. Opening an
 * object this process has open already then costs no mmap and its close no
 * munmap, and every handle of a lock has the lock at one address. A
 * mapping keeps its file's inode alive, so no new file can get the same
 * number while the entry exists.
 *
 * Sections: the mapping table; creating and adopting; open and close.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "unix.h"

/* How long an opener waits, in total, for a portable creator to finish. */
#define OBJECT_WAIT_MS 2000

/* What the open loop needs to open or create an object. */
typedef struct object_ctx {
  const prshm__unix_objtype *type; /* the object's type */
  const void *arg;                 /* for type->init */
  void *made;                      /* a new object's mapping, until it is taken */
  prshm__sync *s;                  /* filled on success */
  PRBool created;                  /* this call made the object */
} object_ctx;

/* ---- The mapping table ---- */

/* One object mapped into this process. */
typedef struct object_mapping {
  struct object_mapping *next; /* the next entry of its bucket */
  dev_t dev;                   /* the object's file: device */
  ino_t ino;                   /* and inode */
  void *addr;                  /* the mapping; immutable */
  PRSize size;                 /* its length; immutable */
  size_t refs;                 /* handles using it; object_lock */
} object_mapping;

static prshm__mutex object_lock = PRSHM__MUTEX_INIT;
static object_mapping **object_buckets; /* object_nbuckets chains; object_lock */
static size_t object_nbuckets;          /* a power of two, or 0 */
static size_t object_count;             /* entries in the table */

/* fork(): the child gets the table consistent, and its lock free. */
static void object_fork_prepare(void) { prshm__mutex_lock(&object_lock); }
static void object_fork_release(void) { prshm__mutex_unlock(&object_lock); }

__attribute__((constructor)) static void object_init_fork(void) {
  prshm__os_at_fork(object_fork_prepare, object_fork_release, object_fork_release);
}

static size_t object_hash(dev_t dev, ino_t ino) {
  uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15u) ^ (uint64_t)ino;
  return (size_t)(h ^ (h >> 29)) & (object_nbuckets - 1);
}

/* The entry of (dev, ino), or NULL. Lock held. */
static object_mapping *object_find(dev_t dev, ino_t ino) {
  object_mapping *m;

  if (object_nbuckets == 0) return NULL;
  for (m = object_buckets[object_hash(dev, ino)]; m != NULL; m = m->next)
    if (m->dev == dev && m->ino == ino) return m;
  return NULL;
}

/* Doubles the buckets when the table is full; PR_FALSE if there are none
 * and none can be had. Lock held. */
static PRBool object_grow(void) {
  size_t n = object_nbuckets != 0 ? object_nbuckets * 2 : 64, i, old = object_nbuckets;
  object_mapping **grown, **prev = object_buckets;

  if (object_count < object_nbuckets) return PR_TRUE;
  grown = calloc(n, sizeof *grown);
  if (grown == NULL) return object_nbuckets != 0;
  object_buckets = grown;
  object_nbuckets = n;
  for (i = 0; i < old; i++) {
    object_mapping *m = prev[i], *next;
    for (; m != NULL; m = next) {
      size_t b = object_hash(m->dev, m->ino);
      next = m->next;
      m->next = grown[b];
      grown[b] = m;
    }
  }
  free(prev);
  return PR_TRUE;
}

/* Takes a reference on the mapping of (dev, ino): an existing one, else a
 * new one of fd. NULL with the error set. */
static object_mapping *object_ref(int fd, dev_t dev, ino_t ino, PRSize size) {
  object_mapping *m, *fresh;
  void *addr;

  prshm__mutex_lock(&object_lock);
  m = object_find(dev, ino);
  if (m != NULL) m->refs++;
  prshm__mutex_unlock(&object_lock);
  if (m != NULL) return m;
  /* Mapped without the lock, which is never held across a system call. */
  fresh = malloc(sizeof *fresh);
  if (fresh == NULL) {
    prshm__fail(PR_OUT_OF_MEMORY_ERROR, ENOMEM);
    return NULL;
  }
  addr = prshm__sys.mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    prshm__fail_os(errno);
    free(fresh);
    return NULL;
  }
  fresh->dev = dev;
  fresh->ino = ino;
  fresh->addr = addr;
  fresh->size = size;
  fresh->refs = 1;
  prshm__mutex_lock(&object_lock);
  m = object_find(dev, ino);
  if (m != NULL) {
    m->refs++; /* another thread mapped it meanwhile: share theirs */
  } else if (object_grow()) {
    size_t b = object_hash(dev, ino);
    fresh->next = object_buckets[b];
    object_buckets[b] = fresh;
    object_count++;
  } else {
    fresh->next = NULL; /* no memory for a table: this handle's alone */
  }
  prshm__mutex_unlock(&object_lock);
  if (m != NULL) {
    (void)prshm__sys.munmap(addr, size);
    free(fresh);
    return m;
  }
  return fresh;
}

/* Drops a reference; the last one unmaps. */
static PRStatus object_unref(object_mapping *m) {
  PRStatus rv = PR_SUCCESS;
  size_t refs;

  prshm__mutex_lock(&object_lock);
  refs = --m->refs;
  if (refs == 0 && object_nbuckets != 0) {
    object_mapping **p = &object_buckets[object_hash(m->dev, m->ino)];
    while (*p != NULL && *p != m) p = &(*p)->next;
    if (*p == m) {
      *p = m->next;
      object_count--;
    }
  }
  prshm__mutex_unlock(&object_lock);
  if (refs != 0) return PR_SUCCESS;
  if (prshm__sys.munmap(m->addr, m->size) != 0) rv = prshm__fail_os(errno);
  free(m);
  return rv;
}

/* ---- Creating and adopting ---- */

static void *object_map(int fd, PRSize size) {
  void *addr = prshm__sys.mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

  if (addr == MAP_FAILED) {
    prshm__fail_os(errno);
    return NULL;
  }
  return addr;
}

/* Fills the new file's object, keeping the mapping for the handle. */
static PRStatus object_init(int fd, void *ctx) {
  object_ctx *c = ctx;
  prshm__objhead *head;

  /* An earlier attempt lost the race for the name: its file is gone. */
  if (c->made != NULL) (void)prshm__sys.munmap(c->made, c->type->size);
  c->made = object_map(fd, c->type->size);
  if (c->made == NULL) return PR_FAILURE;
  if (c->type->init(c->made, c->arg) != PR_SUCCESS) return PR_FAILURE;
  head = c->made;
  head->kind = (uint32_t)c->type->kind;
  head->format = c->type->format;
  /* Last: an opener that sees the magic sees everything before it. */
  atomic_store_explicit(&head->magic, PRSHM__OBJ_MAGIC, memory_order_release);
  return PR_SUCCESS;
}

/* Fills the handle: the object at `addr`, whose table entry is `m` (NULL:
 * a mapping of this handle's alone). */
static void object_take(int fd, void *addr, object_mapping *m, object_ctx *c) {
  c->s->addr = addr;
  c->s->size = c->type->size;
  c->s->local = NULL;
  c->s->mapping = m;
  atomic_init(&c->s->holder, 0);
  if (c->type->keep_fd) {
    c->s->os = (uintptr_t)fd;
  } else {
    c->s->os = (uintptr_t)-1;
    (void)prshm__sys.close(fd);
  }
}

/* Enters a new object's mapping in the table, so that this process's later
 * opens share it; NULL (the mapping stays the handle's alone) if it cannot
 * be, which costs sharing only. */
static object_mapping *object_enter(int fd, void *addr, PRSize size) {
  object_mapping *m, *found;
  struct stat st;

  if (prshm__sys.fstat(fd, &st) != 0 || (m = malloc(sizeof *m)) == NULL) return NULL;
  m->dev = st.st_dev;
  m->ino = st.st_ino;
  m->addr = addr;
  m->size = size;
  m->refs = 1;
  prshm__mutex_lock(&object_lock);
  /* Another thread opened the new object first: its entry stays its own. */
  found = object_find(st.st_dev, st.st_ino);
  if (found == NULL && object_grow()) {
    size_t b = object_hash(m->dev, m->ino);
    m->next = object_buckets[b];
    object_buckets[b] = m;
    object_count++;
  } else {
    free(m);
    m = NULL;
  }
  prshm__mutex_unlock(&object_lock);
  return m;
}

static void object_created(int fd, void *ctx) {
  object_ctx *c = ctx;

  object_take(fd, c->made, object_enter(fd, c->made, c->type->size), c);
  c->made = NULL;
  c->created = PR_TRUE;
}

/* Waits (bounded) for a portable creator to finish the object at `head`:
 * PR_SUCCESS once it is complete, else the error set. */
static PRStatus object_wait_complete(const prshm__objhead *head) {
  long waited = 0, step = 1;

  while (atomic_load_explicit(&head->magic, memory_order_acquire) == 0) {
    if (waited >= OBJECT_WAIT_MS) return prshm__fail(PR_FILE_IS_BUSY_ERROR, 0);
    prshm__unix_pause(step);
    waited += step;
    if (step < 64) step *= 2;
  }
  return PR_SUCCESS;
}

static PRStatus object_check(const prshm__objhead *head, const prshm__unix_objtype *type) {
  if (object_wait_complete(head) != PR_SUCCESS) return PR_FAILURE;
  if (atomic_load_explicit(&head->magic, memory_order_acquire) != PRSHM__OBJ_MAGIC ||
      head->kind != (uint32_t)type->kind || head->format != type->format)
    return prshm__fail(PR_INVALID_STATE_ERROR, 0);
  return PR_SUCCESS;
}

static prshm__unix_check object_adopt(int fd, PRBool writable, void *ctx) {
  object_ctx *c = ctx;
  struct stat st;
  prshm__unix_check rv;
  PRBool waited;
  object_mapping *m;

  rv = prshm__unix_stat_complete(fd, prshm__unix_nlink_trusted(), &st, &waited);
  /* Opened read-only while a portable creator was still at work: its mode
   * may have been narrower than asked until then. Open again. */
  if (rv == PRSHM__UNIX_OK && waited && !writable) rv = PRSHM__UNIX_RETRY;
  if (rv == PRSHM__UNIX_RETRY) {
    (void)prshm__sys.close(fd);
    return rv;
  }
  if (rv == PRSHM__UNIX_FAIL) goto fail;
  /* Waiting and posting both write: read-only access is no access. */
  if (!writable) {
    prshm__fail(PR_NO_ACCESS_RIGHTS_ERROR, EACCES);
    goto fail;
  }
  if ((uint64_t)st.st_size != (uint64_t)c->type->size) {
    prshm__fail(PR_INVALID_STATE_ERROR, 0);
    goto fail;
  }
  m = object_ref(fd, st.st_dev, st.st_ino, c->type->size);
  if (m == NULL) goto fail;
  if (object_check(m->addr, c->type) != PR_SUCCESS) {
    (void)object_unref(m);
    goto fail;
  }
  object_take(fd, m->addr, m, c);
  return PRSHM__UNIX_OK;

fail:
  (void)prshm__sys.close(fd);
  return PRSHM__UNIX_FAIL;
}

/* ---- Open and close ---- */

PRStatus prshm__unix_object_open(const char *key, PRIntn flags, PRIntn mode,
                                 const prshm__unix_objtype *type, const void *arg, prshm__sync *s,
                                 PRBool *created) {
  object_ctx c;
  prshm__unix_opener op;
  PRStatus rv;

  c.type = type;
  c.arg = arg;
  c.made = NULL;
  c.s = s;
  c.created = PR_FALSE;
  op.size = type->size;
  op.flags = flags & (PR_SEM_CREATE | PR_SEM_EXCL);
  op.mode = mode;
  op.mark_in_use = PR_FALSE;
  op.adopt = object_adopt;
  op.init = object_init;
  op.created = object_created;
  op.ctx = &c;
  rv = prshm__unix_open_file(key, &op);
  /* A new object that never got its name (its file is gone). */
  if (c.made != NULL) (void)prshm__sys.munmap(c.made, type->size);
  if (created != NULL) *created = c.created;
  return rv;
}

PRStatus prshm__unix_object_close(prshm__sync *s) {
  PRStatus rv = PR_SUCCESS;

  if (s->mapping != NULL)
    rv = object_unref(s->mapping);
  else if (prshm__sys.munmap(s->addr, s->size) != 0)
    rv = prshm__fail_os(errno);
  /* On EINTR the descriptor is closed already (see prshm__unix_close). */
  if (s->os != (uintptr_t)-1 && prshm__sys.close((int)s->os) != 0 && errno != EINTR)
    rv = prshm__fail_os(errno);
  return rv;
}
