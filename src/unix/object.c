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
 */
#include <errno.h>
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

static void object_take(int fd, void *addr, object_ctx *c) {
  c->s->addr = addr;
  c->s->size = c->type->size;
  c->s->local = NULL;
  atomic_init(&c->s->holder, 0);
  if (c->type->keep_fd) {
    c->s->os = (uintptr_t)fd;
  } else {
    c->s->os = (uintptr_t)-1;
    (void)prshm__sys.close(fd);
  }
}

static void object_created(int fd, void *ctx) {
  object_ctx *c = ctx;

  object_take(fd, c->made, c);
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
  void *addr;

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
  addr = object_map(fd, c->type->size);
  if (addr == NULL) goto fail;
  if (object_check(addr, c->type) != PR_SUCCESS) {
    (void)prshm__sys.munmap(addr, c->type->size);
    goto fail;
  }
  object_take(fd, addr, c);
  return PRSHM__UNIX_OK;

fail:
  (void)prshm__sys.close(fd);
  return PRSHM__UNIX_FAIL;
}

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

  if (prshm__sys.munmap(s->addr, s->size) != 0) rv = prshm__fail_os(errno);
  /* On EINTR the descriptor is closed already (see prshm__unix_close). */
  if (s->os != (uintptr_t)-1 && prshm__sys.close((int)s->os) != 0 && errno != EINTR)
    rv = prshm__fail_os(errno);
  return rv;
}
