/*
 * lib_apr.c - the Apache Portable Runtime's named shared memory (apr_shm_*),
 * through its public API, as an APR program uses it.
 *
 * APR's model differs from NSPR's in two ways, and the table maps it so:
 *   - Opening and mapping are one call, apr_shm_attach (and apr_shm_create
 *     creates and maps); there is no handle that is open but not mapped.
 *     So `attach` is apr_shm_baseaddr_get, and apr_shm_detach is `detach`.
 *   - A segment lives as long as its creator's handle: apr_shm_destroy
 *     unmaps and removes it in one call, and nothing releases a creator's
 *     handle while keeping the segment. So the creator's `detach` does
 *     nothing (its mapping stays until destroy), its `close` sets the
 *     handle aside, and `remove` destroys it (apr_shm_remove by name is for
 *     a segment created elsewhere). A create cycle is thus apr_shm_create,
 *     apr_shm_baseaddr_get, apr_shm_destroy.
 * Every handle gets a pool of its own (apr_pool_create under one root
 * pool), destroyed when the handle is done, as an APR program would give a
 * request its pool; APR allocates the handle and two names from it.
 *
 * What the calls do in Debian's build (APR_USE_SHMEM_MMAP_SHM, as strace
 * shows it): the name is never a file; it is hashed into a shm_open name
 * "/ShM.<hash1>H<hash2>". apr_shm_create: shm_open(O_CREAT|O_EXCL, 0644),
 * ftruncate to the size plus 8 bytes, mmap, close, and it writes the size
 * into those first 8 bytes (a first touch of page 0); apr_shm_attach:
 * shm_open, read of the 8 bytes, mmap, close; apr_shm_detach: munmap;
 * apr_shm_destroy: munmap, shm_unlink. A 4 KiB segment thus spans two pages.
 */
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <apr_version.h>

#include "bench.h"

/* A handle as the table holds it, allocated from its own pool. */
typedef struct apr_lib_seg {
  apr_pool_t *pool;         /* the handle's pool; destroying it frees all this */
  apr_shm_t *shm;           /* APR's handle */
  int owner;                /* 1 if this process created the segment */
  const char *name;         /* the name (owners only, for remove) */
  struct apr_lib_seg *next; /* the next owner set aside (see apr_lib_close) */
} apr_lib_seg;

/* The root pool, from init to fini. */
static apr_pool_t *apr_lib_root;
/* Creators' handles set aside by close, oldest first, until remove. */
static apr_lib_seg *apr_lib_owners, **apr_lib_owners_tail = &apr_lib_owners;
/* The status of the last failure, for apr_lib_error. */
static apr_status_t apr_lib_status;

static int apr_lib_fail(apr_status_t status) {
  apr_lib_status = status;
  return -1;
}

static const char *apr_lib_describe(void) {
  static char text[128];

  (void)snprintf(text, sizeof text,
                 "APR %s: apr_shm_create/attach/baseaddr_get/detach/destroy, a pool per handle",
                 apr_version_string());
  return text;
}

static int apr_lib_init(void) {
  apr_status_t st = apr_initialize();

  if (st == APR_SUCCESS) st = apr_pool_create(&apr_lib_root, NULL);
  return st == APR_SUCCESS ? 0 : apr_lib_fail(st);
}

/* Makes a handle with a pool of its own. */
static apr_lib_seg *apr_lib_new(void) {
  apr_pool_t *pool;
  apr_lib_seg *s;
  apr_status_t st = apr_pool_create(&pool, apr_lib_root);

  if (st != APR_SUCCESS) {
    (void)apr_lib_fail(st);
    return NULL;
  }
  s = apr_pcalloc(pool, sizeof *s);
  s->pool = pool;
  return s;
}

static int apr_lib_create(const char *name, size_t size, bench_seg *seg) {
  apr_lib_seg *s = apr_lib_new();
  apr_status_t st;

  if (s == NULL) return -1;
  st = apr_shm_create(&s->shm, size, name, s->pool);
  if (st != APR_SUCCESS) {
    apr_pool_destroy(s->pool);
    return apr_lib_fail(st);
  }
  s->owner = 1;
  s->name = apr_pstrdup(s->pool, name);
  seg->handle = s;
  seg->size = size;
  return 0;
}

static int apr_lib_open(const char *name, size_t size, bench_seg *seg) {
  apr_lib_seg *s = apr_lib_new();
  apr_status_t st;

  if (s == NULL) return -1;
  st = apr_shm_attach(&s->shm, name, s->pool);
  if (st != APR_SUCCESS) {
    apr_pool_destroy(s->pool);
    return apr_lib_fail(st);
  }
  seg->handle = s;
  seg->size = size;
  return 0;
}

static void *apr_lib_attach(bench_seg *seg) {
  apr_lib_seg *s = seg->handle;

  return apr_shm_baseaddr_get(s->shm);
}

static int apr_lib_detach(bench_seg *seg, void *addr) {
  apr_lib_seg *s = seg->handle;
  apr_status_t st;

  (void)addr;
  if (s->owner) return 0;
  st = apr_shm_detach(s->shm);
  return st == APR_SUCCESS ? 0 : apr_lib_fail(st);
}

static int apr_lib_close(bench_seg *seg) {
  apr_lib_seg *s = seg->handle;

  if (!s->owner) {
    apr_pool_destroy(s->pool);
    return 0;
  }
  s->next = NULL;
  *apr_lib_owners_tail = s;
  apr_lib_owners_tail = &s->next;
  return 0;
}

/* Takes the owner of `name` off the list; NULL if there is none. The
 * harness removes segments in the order it created them, so the search
 * ends at the first entry. */
static apr_lib_seg *apr_lib_take_owner(const char *name) {
  apr_lib_seg **link, *s;

  for (link = &apr_lib_owners; (s = *link) != NULL; link = &s->next) {
    if (strcmp(s->name, name) != 0) continue;
    *link = s->next;
    if (apr_lib_owners_tail == &s->next) apr_lib_owners_tail = link;
    return s;
  }
  return NULL;
}

static int apr_lib_remove(const char *name) {
  apr_lib_seg *s = apr_lib_take_owner(name);
  apr_status_t st;

  if (s != NULL) {
    st = apr_shm_destroy(s->shm);
    apr_pool_destroy(s->pool);
  } else {
    apr_pool_t *scratch;
    st = apr_pool_create(&scratch, apr_lib_root);
    if (st == APR_SUCCESS) {
      st = apr_shm_remove(name, scratch);
      apr_pool_destroy(scratch);
    }
  }
  return st == APR_SUCCESS ? 0 : apr_lib_fail(st);
}

static void apr_lib_fini(void) {
  apr_lib_seg *s;

  /* Destroying an owner's pool destroys its segment. */
  while ((s = apr_lib_owners) != NULL) {
    apr_lib_owners = s->next;
    apr_pool_destroy(s->pool);
  }
  apr_lib_owners_tail = &apr_lib_owners;
  apr_pool_destroy(apr_lib_root);
  apr_terminate();
}

static const char *apr_lib_error(void) {
  static char text[128];

  return apr_strerror(apr_lib_status, text, sizeof text);
}

const bench_lib bench_lib_apr = {
    .name = "apr",
    .describe = apr_lib_describe,
    .roles = BENCH_ROLE_ALL,
    .init = apr_lib_init,
    .fini = apr_lib_fini,
    .create = apr_lib_create,
    .open = apr_lib_open,
    .attach = apr_lib_attach,
    .detach = apr_lib_detach,
    .close = apr_lib_close,
    .remove = apr_lib_remove,
    .error = apr_lib_error,
};
