/*
 * registry.c - the table of open handles of every kind, and the tokens
 * that name them.
 *
 * A token is (generation << (IDX_BITS + 3)) | (index << 3) | tag cast to a
 * pointer, where the tag is odd and tells the kind: 5 for a segment, 3 for
 * a semaphore, 7 for a lock. An odd value is never an aligned address, and
 * a slot answers only to the exact token of the handle it holds, whose
 * generation changes at every close and whose tag is its kind's: so NULL,
 * closed, stale, foreign and other-kind pointers are all refused without
 * being dereferenced.
 *
 * A token must never come back: a copy kept after close would then act on
 * whatever handle holds the slot by then. So a slot whose generation has
 * run through all its values is retired, never handed out again. On 64-bit
 * systems a slot has 2^32 generations (no process closes that many handles
 * in one slot); on 32-bit systems, 2^12, and a process can open 2^29 handles
 * in its life before the token space runs out, after which opens fail with
 * PR_INSUFFICIENT_RESOURCES_ERROR.
 *
 * Slots live in chunks that never move and are never freed (sync.h has the
 * layout), so a slot can be read without the lock: the semaphore and lock
 * fast paths do so inside a read section, with plain loads
 * (prshm__registry_peek). The order of the stores below makes that sound:
 * a slot's token is written before the pointer the fast paths use, and
 * they load the pointer first, so a pointer seen with a matching token is
 * that token's own, and a grace period keeps it alive.
 *
 * One mutex, registry.lock, guards every write to the table, every
 * handle's reference count, and every segment handle's list of attached
 * addresses. It is held only for table work, never across a system call,
 * so a slow mmap in one thread does not stall the others. fork() takes it
 * first, so a child never inherits it locked by a thread the child does
 * not have.
 *
 * A closed segment handle's memory is kept, up to REGISTRY_SPARES of them,
 * for the next open: opening and closing a segment then costs no trip to
 * malloc and free, and takes the lock once per call. (Only segment handles:
 * the fast paths of semaphores and locks read theirs without the lock, so
 * those are freed only after a grace period.)
 *
 * Sections: slots; adding; finding and acquiring; releasing and closing;
 * attachments (segments).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sync.h"

#define TOKEN_TAG_BITS PRSHM__TOKEN_TAG_BITS
#define IDX_BITS PRSHM__IDX_BITS
#define GEN_BITS (sizeof(uintptr_t) * 8 - IDX_BITS - TOKEN_TAG_BITS)
#define IDX_LIMIT PRSHM__IDX_LIMIT
#define GEN_MAX (((uintptr_t)1 << GEN_BITS) - 1)

/* Attachments recorded without a heap allocation; most handles have one. */
#define INLINE_ADDRS 2
/* Closed segment handles kept for reuse; beyond these, they go to free(). */
#define REGISTRY_SPARES 16

/* What a segment's open, attach, detach and close use comes first, in 64
 * bytes (on 64-bit systems), so that it spans at most two lines of memory. */
struct prshm__handle {
  prshm__kind kind;                 /* what the handle is; immutable */
  unsigned refs;                    /* callers using the handle now, plus 1 until closed */
  uint32_t naddrs;                  /* entries used in addrs */
  uint32_t addrcap;                 /* entries available in addrs */
  void **addrs;                     /* segments: addresses attached through this handle:
                                       inline_addrs until more are needed, then a heap array */
  void *inline_addrs[INLINE_ADDRS]; /* the first attachments' storage */
  union {
    prshm__seg seg;   /* a segment's OS side; immutable after open */
    prshm__sync sync; /* a semaphore's or lock's (sync.h) */
  } os;
  /* Releases os.sync (semaphores and locks); immutable. */
  PRStatus (*close_sync)(prshm__sync *s);
  prshm__handle *next_spare; /* while a spare: the next spare, or NULL */
};

/* What is left to do, outside the lock, once a handle's last reference is
 * gone: release its OS side, free its heap array of addresses, and free
 * the handle itself unless it became a spare. */
typedef struct registry_remains {
  prshm__handle *h; /* a semaphore's or lock's handle, to destroy; a
                       segment's to free, or NULL when kept as a spare */
  PRBool seg_kind;  /* a segment's: seg and heap below are what to release */
  prshm__seg seg;   /* a segment's OS side, to release */
  void **heap;      /* a segment's heap array of addresses, or NULL */
} registry_remains;

prshm__slot prshm__registry_chunk0[PRSHM__CHUNK0];
_Atomic(prshm__slot *) prshm__registry_chunks[PRSHM__CHUNKS];

/* The table's state, together: every open, attach, detach and close reads
 * the lock and most of these, and in one line of memory they cost one
 * fetch after the system call before them, not several. */
static struct {
  prshm__mutex lock;     /* the registry's lock (top of this file) */
  size_t used;           /* slots ever handed out (high mark) */
  size_t free_head;      /* first free slot's index + 1, or 0 */
  size_t open;           /* handles open now */
  prshm__handle *spares; /* closed segment handles kept, linked */
  size_t nspares;        /* entries in spares */
  /* The last generation of a slot before it retires, the first of a new
   * slot, and the number of slots the index may name: constants but for
   * tests (prshm__registry_test_limits). */
  uintptr_t last_gen;
  uintptr_t first_gen;
  size_t idx_limit;
} registry PRSHM__LINE_ALIGNED = {
    PRSHM__MUTEX_INIT, 0, 0, 0, NULL, 0, GEN_MAX, 1, IDX_LIMIT,
};

/* fork(): the child gets the table in a consistent state, and unlocked. */
static void registry_fork_prepare(void) { prshm__mutex_lock(&registry.lock); }
static void registry_fork_release(void) { prshm__mutex_unlock(&registry.lock); }

__attribute__((constructor)) static void registry_init(void) {
  prshm__os_at_fork(registry_fork_prepare, registry_fork_release, registry_fork_release);
}

PRSHM__HOT static uintptr_t registry_token(size_t idx, uintptr_t gen, prshm__kind kind) {
  return gen << (IDX_BITS + TOKEN_TAG_BITS) | (uintptr_t)idx << TOKEN_TAG_BITS |
         prshm__token_tag(kind);
}

/* ---- Slots ---- */

/* The slot of an index below registry.used, whose chunk exists. Lock held. */
PRSHM__HOT static prshm__slot *registry_slot(size_t idx) {
  prshm__slot *slot = prshm__slot_at(idx);

  if (slot == NULL) __builtin_trap(); /* a broken table: stop, never corrupt */
  return slot;
}

/* A slot index for a new handle, making a chunk if needed; SIZE_MAX with
 * the error set if there is none. Lock held. */
PRSHM__HOT static size_t registry_take_slot(void) {
  size_t idx, v;
  unsigned k;

  if (registry.free_head != 0) {
    idx = registry.free_head - 1;
    registry.free_head = registry_slot(idx)->next_free;
    return idx;
  }
  if (registry.used == registry.idx_limit) {
    /* Every token value has been handed out once: none may come back. */
    prshm__fail(PR_INSUFFICIENT_RESOURCES_ERROR, 0);
    return SIZE_MAX;
  }
  idx = registry.used;
  /* The chunk of idx (as prshm__slot_at() finds it); chunk 0 is static. */
  for (k = 0, v = idx + PRSHM__CHUNK0; (v >> (PRSHM__CHUNK0_BITS + k)) > 1; k++) {
  }
  if (k > 0 && atomic_load_explicit(&prshm__registry_chunks[k], memory_order_relaxed) == NULL) {
    prshm__slot *chunk = calloc(PRSHM__CHUNK0 << k, sizeof *chunk);
    if (chunk == NULL) {
      prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
      return SIZE_MAX;
    }
    atomic_store_explicit(&prshm__registry_chunks[k], chunk, memory_order_release);
  }
  registry.used++;
  registry_slot(idx)->gen = registry.first_gen;
  return idx;
}

/* Frees a closed handle's slot for reuse under its next generation, or
 * retires it if its generations are used up. Lock held. */
PRSHM__HOT static void registry_free_slot(size_t idx) {
  prshm__slot *slot = registry_slot(idx);

  atomic_store_explicit(&slot->handle, NULL, memory_order_relaxed);
  atomic_store_explicit(&slot->fast, NULL, memory_order_relaxed);
  atomic_store_explicit(&slot->obj, NULL, memory_order_relaxed);
  /* Every copy of the old token is stale from here on. */
  atomic_store_explicit(&slot->token, 0, memory_order_relaxed);
  if (slot->gen >= registry.last_gen) return; /* retired: off every list */
  slot->gen++;
  slot->next_free = registry.free_head;
  registry.free_head = idx + 1;
}

void prshm__registry_test_limits(uintptr_t first_gen, uintptr_t last_gen, size_t slots) {
  prshm__mutex_lock(&registry.lock);
  registry.first_gen = first_gen != 0 ? first_gen : 1;
  registry.last_gen = last_gen != 0 && last_gen <= GEN_MAX ? last_gen : GEN_MAX;
  registry.idx_limit = slots != 0 && slots <= IDX_LIMIT ? slots : IDX_LIMIT;
  prshm__mutex_unlock(&registry.lock);
}

/* ---- Adding ---- */

/* Keeps a segment handle no one uses any more as a spare, if there is
 * room; PR_TRUE if it was kept. Lock held. */
PRSHM__HOT static PRBool registry_keep_spare(prshm__handle *h) {
  if (registry.nspares == REGISTRY_SPARES) return PR_FALSE;
  h->next_spare = registry.spares;
  registry.spares = h;
  registry.nspares++;
  return PR_TRUE;
}

/* A spare segment handle, or NULL if there is none. Lock held. */
PRSHM__HOT static prshm__handle *registry_take_spare(void) {
  prshm__handle *h = registry.spares;

  if (h != NULL) {
    registry.spares = h->next_spare;
    registry.nspares--;
  }
  return h;
}

/* Registers `h` (refs 1); its token, or 0 with the error set. Lock held. */
PRSHM__HOT static uintptr_t registry_add_locked(prshm__handle *h) {
  uintptr_t token = 0;
  size_t idx;

  h->refs = 1;
  h->addrs = h->inline_addrs;
  h->addrcap = INLINE_ADDRS;
  idx = registry_take_slot();
  if (idx != SIZE_MAX) {
    prshm__slot *slot = registry_slot(idx);
    token = registry_token(idx, slot->gen, h->kind);
    atomic_store_explicit(&slot->handle, h, memory_order_relaxed);
    atomic_store_explicit(&slot->token, token, memory_order_relaxed);
    /* After the token, released: a fast path that sees them sees it. */
    if (h->kind == PRSHM__KIND_SEM)
      atomic_store_explicit(&slot->obj, h->os.sync.addr, memory_order_release);
    else if (h->kind == PRSHM__KIND_LOCK)
      atomic_store_explicit(&slot->fast, &h->os.sync, memory_order_release);
    registry.open++;
  }
  return token;
}

/* Registers `h` (refs 1); its token, or 0 with the error set (h freed). */
static uintptr_t registry_add(prshm__handle *h) {
  uintptr_t token;

  prshm__mutex_lock(&registry.lock);
  token = registry_add_locked(h);
  prshm__mutex_unlock(&registry.lock);
  if (token == 0) free(h); /* registry_take_slot() set the error */
  return token;
}

PRSHM__HOT PRSharedMemory *prshm__registry_add(const prshm__seg *seg) {
  prshm__handle *h;
  uintptr_t token;

  prshm__mutex_lock(&registry.lock);
  h = registry_take_spare();
  if (h == NULL) {
    /* No spare: allocate without holding the lock. */
    prshm__mutex_unlock(&registry.lock);
    h = malloc(sizeof *h);
    if (h == NULL) {
      prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
      return NULL;
    }
    prshm__mutex_lock(&registry.lock);
  }
  /* Every field a segment's handle uses, and no more: a spare's memory
   * is not touched beyond them. */
  h->kind = PRSHM__KIND_SEG;
  h->naddrs = 0;
  h->os.seg = *seg;
  h->close_sync = NULL;
  h->next_spare = NULL;
  token = registry_add_locked(h);
  /* No slot (registry_take_slot() set the error): keep or free it. */
  if (token == 0 && registry_keep_spare(h)) h = NULL;
  prshm__mutex_unlock(&registry.lock);
  if (token == 0) free(h);
  return (PRSharedMemory *)token;
}

void *prshm__registry_add_sync(prshm__kind kind, const prshm__sync *s,
                               PRStatus (*close)(prshm__sync *s)) {
  prshm__handle *h = calloc(1, sizeof *h);

  if (h == NULL) {
    prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
    return NULL;
  }
  h->kind = kind;
  h->os.sync.os = s->os;
  h->os.sync.addr = s->addr;
  h->os.sync.size = s->size;
  h->os.sync.local = s->local;
  h->os.sync.mapping = s->mapping;
  atomic_init(&h->os.sync.holder, 0);
  h->close_sync = close;
  return (void *)registry_add(h);
}

/* ---- Finding and acquiring ---- */

/* The handle of the open handle `token` of `kind` and its slot index, or
 * NULL. Lock held. */
PRSHM__HOT static prshm__handle *registry_lookup(const void *token, prshm__kind kind,
                                                 size_t *idx_out) {
  uintptr_t t = (uintptr_t)token;
  size_t idx = (size_t)(t >> TOKEN_TAG_BITS) & (IDX_LIMIT - 1);
  prshm__slot *slot;

  if ((t & ((1u << TOKEN_TAG_BITS) - 1)) != prshm__token_tag(kind) || idx >= registry.used)
    return NULL;
  slot = registry_slot(idx);
  if (atomic_load_explicit(&slot->token, memory_order_relaxed) != t) return NULL;
  *idx_out = idx;
  return atomic_load_explicit(&slot->handle, memory_order_relaxed);
}

PRSHM__HOT prshm__handle *prshm__registry_acquire_kind(const void *token, prshm__kind kind) {
  prshm__handle *h;
  size_t idx;

  prshm__mutex_lock(&registry.lock);
  h = registry_lookup(token, kind, &idx);
  if (h != NULL) h->refs++;
  prshm__mutex_unlock(&registry.lock);
  if (h == NULL) prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return h;
}

PRSHM__HOT prshm__handle *prshm__registry_acquire(PRSharedMemory *token) {
  return prshm__registry_acquire_kind(token, PRSHM__KIND_SEG);
}

PRSHM__HOT const prshm__seg *prshm__handle_seg(const prshm__handle *h) { return &h->os.seg; }

prshm__sync *prshm__handle_sync(prshm__handle *h) { return &h->os.sync; }

/* ---- Releasing and closing ---- */

/* Retires a handle whose last reference is gone; *r says what remains to
 * do without the lock. A segment handle's OS side and addresses are copied
 * out and the handle becomes a spare if there is room. Lock held. */
PRSHM__HOT static void registry_retire(prshm__handle *h, registry_remains *r) {
  r->h = h;
  r->seg_kind = h->kind == PRSHM__KIND_SEG;
  if (!r->seg_kind) return;
  r->seg = h->os.seg;
  r->heap = h->addrs != h->inline_addrs ? h->addrs : NULL;
  /* A spare may be reused once the lock is let go: never touched after. */
  if (registry_keep_spare(h)) r->h = NULL;
}

/* Does, without the lock, what registry_retire() left to do. */
PRSHM__HOT static PRStatus registry_finish(registry_remains *r) {
  prshm__handle *h = r->h;
  PRStatus rv;

  if (r->seg_kind) {
    rv = prshm__backend_impl.close(&r->seg);
    /* Usually both NULL (inline addresses, a spare kept): no call then. */
    if (r->heap != NULL) free(r->heap);
    if (h != NULL) free(h);
    return rv;
  }
  /* A fast path may have found the handle just before it closed. */
  prshm__read_synchronize();
  rv = h->close_sync(&h->os.sync);
  if (h->addrs != h->inline_addrs) free(h->addrs);
  free(h);
  return rv;
}

PRSHM__HOT void prshm__registry_release(prshm__handle *h) {
  registry_remains r;
  unsigned refs;

  prshm__mutex_lock(&registry.lock);
  refs = --h->refs;
  if (refs == 0) registry_retire(h, &r);
  prshm__mutex_unlock(&registry.lock);
  if (refs == 0) (void)registry_finish(&r);
}

PRSHM__HOT PRStatus prshm__registry_close_kind(const void *token, prshm__kind kind) {
  prshm__handle *h;
  registry_remains r;
  unsigned refs = 1;
  size_t idx;

  prshm__mutex_lock(&registry.lock);
  h = registry_lookup(token, kind, &idx);
  if (h != NULL) {
    registry_free_slot(idx);
    registry.open--;
    refs = --h->refs;
    if (refs == 0) registry_retire(h, &r);
  }
  prshm__mutex_unlock(&registry.lock);
  if (h == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  /* A call still using the handle releases it when it finishes. */
  return refs == 0 ? registry_finish(&r) : PR_SUCCESS;
}

PRSHM__HOT PRStatus prshm__registry_close(PRSharedMemory *token) {
  return prshm__registry_close_kind(token, PRSHM__KIND_SEG);
}

size_t prshm__registry_count(void) {
  size_t n;

  prshm__mutex_lock(&registry.lock);
  n = registry.open;
  prshm__mutex_unlock(&registry.lock);
  return n;
}

/* ---- Attachments (segments) ---- */

/* Makes room for one more address; PR_FAILURE if memory runs out. Lock
 * held. */
static PRStatus registry_grow_addrs(prshm__handle *h) {
  size_t cap = (size_t)h->addrcap * 2;
  void **grown;

  /* Never reached (a process has far fewer mappings), but never wraps. */
  if (cap > UINT32_MAX) return PR_FAILURE;
  if (h->addrs == h->inline_addrs) {
    grown = malloc(cap * sizeof *grown);
    if (grown != NULL) memcpy(grown, h->inline_addrs, sizeof h->inline_addrs);
  } else {
    grown = realloc(h->addrs, cap * sizeof *grown);
  }
  if (grown == NULL) return PR_FAILURE;
  h->addrs = grown;
  h->addrcap = (uint32_t)cap;
  return PR_SUCCESS;
}

PRSHM__HOT PRStatus prshm__registry_attached(prshm__handle *h, void *addr) {
  PRStatus rv = PR_SUCCESS;
  registry_remains r;
  unsigned refs;

  prshm__mutex_lock(&registry.lock);
  if (h->naddrs == h->addrcap) rv = registry_grow_addrs(h);
  if (rv == PR_SUCCESS) h->addrs[h->naddrs++] = addr;
  refs = --h->refs;
  if (refs == 0) registry_retire(h, &r);
  prshm__mutex_unlock(&registry.lock);
  if (refs == 0) (void)registry_finish(&r);
  if (rv != PR_SUCCESS) prshm__fail(PR_OUT_OF_MEMORY_ERROR, 0);
  return rv;
}

PRSHM__HOT PRStatus prshm__registry_detach(PRSharedMemory *token, void *addr, PRSize *size) {
  prshm__handle *h;
  PRBool found = PR_FALSE;
  size_t idx, i;

  prshm__mutex_lock(&registry.lock);
  h = registry_lookup(token, PRSHM__KIND_SEG, &idx);
  if (h != NULL) {
    for (i = 0; i < h->naddrs; i++) {
      if (h->addrs[i] == addr) {
        h->addrs[i] = h->addrs[--h->naddrs];
        *size = h->os.seg.size;
        found = PR_TRUE;
        break;
      }
    }
  }
  prshm__mutex_unlock(&registry.lock);
  if (!found) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return PR_SUCCESS;
}
