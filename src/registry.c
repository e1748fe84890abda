/*
 * registry.c - the table of open handles, and the tokens that name them.
 *
 * A token is (generation << (IDX_BITS + 3)) | (index << 3) | 5 cast to a
 * pointer. The low bits 101 never occur in an aligned address, the index
 * must name a slot in use, and the generation must match the slot's, which
 * changes at every close: so NULL, closed, stale and foreign pointers are
 * all refused without being dereferenced.
 *
 * A token must never come back: a copy kept after close would then act on
 * whatever handle holds the slot by then. So a slot whose generation has
 * run through all its values is retired, never handed out again. On 64-bit
 * systems a slot has 2^32 generations (no process closes that many handles
 * in one slot); on 32-bit systems, 2^12, and a process can open 2^29 handles
 * in its life before the token space runs out, after which opens fail with
 * PR_INSUFFICIENT_RESOURCES_ERROR.
 *
 * One mutex, registry_lock, guards the slot table, every handle's reference
 * count and closed flag, every handle's list of attached addresses and the
 * spare handles. It is held only for table work, never across a system
 * call, so a slow mmap in one thread does not stall the others. fork()
 * takes it first, so a child never inherits it locked by a thread the
 * child does not have.
 *
 * A closed handle's memory is kept, up to REGISTRY_SPARES of them, for the
 * next open: opening and closing a segment then costs no trip to malloc
 * and free, and every registry call takes the lock exactly once.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define TOKEN_TAG ((uintptr_t)5)
#define TOKEN_TAG_BITS 3
/* Slot index bits: 2^29 handles on 64-bit, 2^17 on 32-bit systems. */
#define IDX_BITS (sizeof(uintptr_t) >= 8 ? 29u : 17u)
#define GEN_BITS (sizeof(uintptr_t) * 8 - IDX_BITS - TOKEN_TAG_BITS)
#define IDX_LIMIT ((size_t)1 << IDX_BITS)
#define GEN_MAX (((uintptr_t)1 << GEN_BITS) - 1)

/* Attachments recorded without a heap allocation; most handles have one. */
#define INLINE_ADDRS 2
/* Closed handles kept for reuse; beyond these, they go back to free(). */
#define REGISTRY_SPARES 16

struct prshm__handle {
  prshm__seg seg;                   /* the OS side; immutable after open, read without lock */
  unsigned refs;                    /* callers using the handle now, plus 1 until closed */
  void **addrs;                     /* addresses attached through this handle: inline_addrs
                                       until more are needed, then a heap array */
  size_t naddrs;                    /* entries used in addrs */
  size_t addrcap;                   /* entries available in addrs */
  void *inline_addrs[INLINE_ADDRS]; /* the first attachments' storage */
  prshm__handle *next_spare;        /* while a spare: the next spare, or NULL */
};

/* What is left to do, outside the lock, once a handle's last reference is
 * gone: release its OS side, free its heap array of addresses, and free
 * the handle itself if it did not become a spare. */
typedef struct registry_remains {
  prshm__seg seg;   /* the OS side to release */
  void **heap;      /* the handle's heap array of addresses, or NULL */
  prshm__handle *h; /* the handle, to free; NULL when kept as a spare */
} registry_remains;

/* One slot of the table. */
typedef struct registry_slot {
  prshm__handle *handle; /* the open handle, or NULL when free */
  uintptr_t gen;         /* goes up whenever the slot is freed; never 0 */
  size_t next_free;      /* the next free slot's index + 1, or 0 */
} registry_slot;

static prshm__mutex registry_lock = PRSHM__MUTEX_INIT;
static registry_slot *registry_slots;  /* growable; guarded by registry_lock */
static size_t registry_cap;            /* slots allocated */
static size_t registry_used;           /* slots ever handed out (high mark) */
static size_t registry_free_head;      /* first free slot's index + 1, or 0 */
static size_t registry_open;           /* handles open now */
static prshm__handle *registry_spares; /* closed handles kept for reuse, linked */
static size_t registry_nspares;        /* entries in registry_spares */
/* The first generation of a new slot, the last one before it retires, and
 * the number of slots the index may name: constants but for tests
 * (prshm__registry_test_limits). */
static uintptr_t registry_first_gen = 1;
static uintptr_t registry_last_gen = GEN_MAX;
static size_t registry_idx_limit = IDX_LIMIT;

/* fork(): the child gets the table in a consistent state, and unlocked. */
static void registry_fork_prepare(void) { prshm__mutex_lock(&registry_lock); }
static void registry_fork_release(void) { prshm__mutex_unlock(&registry_lock); }

__attribute__((constructor)) static void registry_init(void) {
  prshm__os_at_fork(registry_fork_prepare, registry_fork_release, registry_fork_release);
}

PRSHM__HOT static uintptr_t registry_token(size_t idx, uintptr_t gen) {
  return gen << (IDX_BITS + TOKEN_TAG_BITS) | (uintptr_t)idx << TOKEN_TAG_BITS | TOKEN_TAG;
}

/* A slot index for a new handle, growing the table; SIZE_MAX with the error
 * set if there is none. Called with registry_lock held. */
PRSHM__HOT static size_t registry_take_slot(void) {
  size_t idx;

  if (registry_free_head != 0) {
    idx = registry_free_head - 1;
    registry_free_head = registry_slots[idx].next_free;
    return idx;
  }
  if (registry_used == registry_idx_limit) {
    /* Every token value has been handed out once: none may come back. */
    prshm__fail(PR_INSUFFICIENT_RESOURCES_ERROR, 0);
    return SIZE_MAX;
  }
  if (registry_used == registry_cap) {
    size_t cap = registry_cap != 0 ? registry_cap * 2 : 64;
    registry_slot *grown;
    if (cap > registry_idx_limit) cap = registry_idx_limit;
    grown = realloc(registry_slots, cap * sizeof *grown);
    if (grown == NULL) {
      prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
      return SIZE_MAX;
    }
    registry_slots = grown;
    registry_cap = cap;
  }
  idx = registry_used++;
  registry_slots[idx].gen = registry_first_gen;
  return idx;
}

/* Frees a closed handle's slot for reuse under its next generation, or
 * retires it if its generations are used up. Called with the lock held. */
PRSHM__HOT static void registry_free_slot(size_t idx) {
  registry_slot *slot = &registry_slots[idx];

  slot->handle = NULL;
  if (slot->gen >= registry_last_gen) return; /* retired: off every list */
  /* A new generation makes every copy of the old token stale. */
  slot->gen++;
  slot->next_free = registry_free_head;
  registry_free_head = idx + 1;
}

void prshm__registry_test_limits(uintptr_t first_gen, uintptr_t last_gen, size_t slots) {
  prshm__mutex_lock(&registry_lock);
  registry_first_gen = first_gen != 0 ? first_gen : 1;
  registry_last_gen = last_gen != 0 && last_gen <= GEN_MAX ? last_gen : GEN_MAX;
  registry_idx_limit = slots != 0 && slots <= IDX_LIMIT ? slots : IDX_LIMIT;
  prshm__mutex_unlock(&registry_lock);
}

/* Keeps a handle no one uses any more as a spare, if there is room; 1 if
 * it was kept. Called with registry_lock held. */
PRSHM__HOT static int registry_keep_spare(prshm__handle *h) {
  if (registry_nspares == REGISTRY_SPARES) return 0;
  h->next_spare = registry_spares;
  registry_spares = h;
  registry_nspares++;
  return 1;
}

/* A spare handle, or NULL if there is none. Called with the lock held. */
PRSHM__HOT static prshm__handle *registry_take_spare(void) {
  prshm__handle *h = registry_spares;

  if (h != NULL) {
    registry_spares = h->next_spare;
    registry_nspares--;
  }
  return h;
}

PRSHM__HOT PRSharedMemory *prshm__registry_add(const prshm__seg *seg) {
  prshm__handle *h;
  size_t idx;
  uintptr_t token = 0;

  prshm__mutex_lock(&registry_lock);
  h = registry_take_spare();
  if (h == NULL) {
    /* No spare: allocate without holding the lock. */
    prshm__mutex_unlock(&registry_lock);
    h = malloc(sizeof *h);
    if (h == NULL) {
      prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
      return NULL;
    }
    prshm__mutex_lock(&registry_lock);
  }
  idx = registry_take_slot();
  if (idx != SIZE_MAX) {
    memset(h, 0, sizeof *h);
    h->seg = *seg;
    h->refs = 1;
    h->addrs = h->inline_addrs;
    h->addrcap = INLINE_ADDRS;
    registry_slots[idx].handle = h;
    registry_open++;
    token = registry_token(idx, registry_slots[idx].gen);
  } else if (registry_keep_spare(h)) {
    h = NULL; /* registry_take_slot() set the error */
  }
  prshm__mutex_unlock(&registry_lock);
  if (idx == SIZE_MAX) {
    free(h);
    return NULL;
  }
  return (PRSharedMemory *)token;
}

/* The slot index of a live token, or SIZE_MAX. Called with the lock held. */
PRSHM__HOT static size_t registry_find(PRSharedMemory *token) {
  uintptr_t t = (uintptr_t)token;
  size_t idx = (size_t)((t >> TOKEN_TAG_BITS) & (IDX_LIMIT - 1));

  if ((t & ((1u << TOKEN_TAG_BITS) - 1)) != TOKEN_TAG || idx >= registry_used) return SIZE_MAX;
  if (registry_slots[idx].handle == NULL) return SIZE_MAX;
  if (registry_token(idx, registry_slots[idx].gen) != t) return SIZE_MAX;
  return idx;
}

PRSHM__HOT prshm__handle *prshm__registry_acquire(PRSharedMemory *token) {
  prshm__handle *h = NULL;
  size_t idx;

  prshm__mutex_lock(&registry_lock);
  idx = registry_find(token);
  if (idx != SIZE_MAX) {
    h = registry_slots[idx].handle;
    h->refs++;
  }
  prshm__mutex_unlock(&registry_lock);
  if (h == NULL) prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return h;
}

/* Retires a handle whose last reference is gone: it becomes a spare (or
 * is left to free), and *r says what remains to do. Called with the lock
 * held. */
PRSHM__HOT static void registry_retire(prshm__handle *h, registry_remains *r) {
  r->seg = h->seg;
  r->heap = h->addrs != h->inline_addrs ? h->addrs : NULL;
  r->h = registry_keep_spare(h) ? NULL : h;
}

/* Does, without the lock, what registry_retire left to do. */
PRSHM__HOT static PRStatus registry_finish(registry_remains *r) {
  PRStatus rv = prshm__backend_impl.close(&r->seg);
  free(r->heap);
  free(r->h);
  return rv;
}

PRSHM__HOT void prshm__registry_release(prshm__handle *h) {
  registry_remains r;
  unsigned refs;

  prshm__mutex_lock(&registry_lock);
  refs = --h->refs;
  if (refs == 0) registry_retire(h, &r);
  prshm__mutex_unlock(&registry_lock);
  if (refs == 0) (void)registry_finish(&r);
}

PRSHM__HOT const prshm__seg *prshm__handle_seg(const prshm__handle *h) { return &h->seg; }

/* Makes room for one more address; PR_FAILURE if memory runs out. Called
 * with registry_lock held. */
static PRStatus registry_grow_addrs(prshm__handle *h) {
  size_t cap = h->addrcap * 2;
  void **grown;

  if (h->addrs == h->inline_addrs) {
    grown = malloc(cap * sizeof *grown);
    if (grown != NULL) memcpy(grown, h->inline_addrs, sizeof h->inline_addrs);
  } else {
    grown = realloc(h->addrs, cap * sizeof *grown);
  }
  if (grown == NULL) return PR_FAILURE;
  h->addrs = grown;
  h->addrcap = cap;
  return PR_SUCCESS;
}

PRSHM__HOT PRStatus prshm__registry_attached(prshm__handle *h, void *addr) {
  PRStatus rv = PR_SUCCESS;
  registry_remains r;
  unsigned refs;

  prshm__mutex_lock(&registry_lock);
  if (h->naddrs == h->addrcap) rv = registry_grow_addrs(h);
  if (rv == PR_SUCCESS) h->addrs[h->naddrs++] = addr;
  refs = --h->refs;
  if (refs == 0) registry_retire(h, &r);
  prshm__mutex_unlock(&registry_lock);
  if (refs == 0) (void)registry_finish(&r);
  if (rv != PR_SUCCESS) prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
  return rv;
}

PRSHM__HOT PRStatus prshm__registry_detach(PRSharedMemory *token, void *addr, PRSize *size) {
  prshm__handle *h = NULL;
  PRBool found = PR_FALSE;
  size_t idx, i;

  prshm__mutex_lock(&registry_lock);
  idx = registry_find(token);
  if (idx != SIZE_MAX) {
    h = registry_slots[idx].handle;
    for (i = 0; i < h->naddrs; i++) {
      if (h->addrs[i] == addr) {
        h->addrs[i] = h->addrs[--h->naddrs];
        *size = h->seg.size;
        found = PR_TRUE;
        break;
      }
    }
  }
  prshm__mutex_unlock(&registry_lock);
  if (!found) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return PR_SUCCESS;
}

PRSHM__HOT PRStatus prshm__registry_close(PRSharedMemory *token) {
  prshm__handle *h = NULL;
  registry_remains r;
  unsigned refs = 1;
  size_t idx;

  prshm__mutex_lock(&registry_lock);
  idx = registry_find(token);
  if (idx != SIZE_MAX) {
    h = registry_slots[idx].handle;
    registry_free_slot(idx);
    registry_open--;
    refs = --h->refs;
    if (refs == 0) registry_retire(h, &r);
  }
  prshm__mutex_unlock(&registry_lock);
  if (h == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  /* A call still using the handle releases it when it finishes. */
  return refs == 0 ? registry_finish(&r) : PR_SUCCESS;
}

size_t prshm__registry_count(void) {
  size_t n;

  prshm__mutex_lock(&registry_lock);
  n = registry_open;
  prshm__mutex_unlock(&registry_lock);
  return n;
}
