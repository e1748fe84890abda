/*
 * sync.h - what the semaphore and lock front doors (sem.c, lock.c), their
 * backends and the registry share: the OS side of a handle, the backend
 * tables, and read sections.
 *
 * Why read sections. A post or a wait on an uncontended semaphore is one
 * atomic instruction in shared memory (about 7 ns); a lookup that took the
 * registry's mutex, or even an atomic reference count, would double or
 * triple it. So the fast paths find their handle inside a read section
 * instead: the thread marks itself busy in its own record (a plain store
 * to memory no other thread writes), looks the token up with plain loads,
 * works on the mapped object and clears the mark. A close makes the token
 * dead at once, and before it releases the OS object (unmaps it) it waits
 * until every section that may have seen the handle alive has ended (a
 * grace period, as in read-copy-update). The store-then-load order that
 * this needs is made by a process-wide barrier on the closing side where
 * the OS has one (Linux's membarrier), so the fast path pays no fence;
 * elsewhere the fast path fences itself. A section never blocks: a wait
 * that must sleep first takes a real reference on the handle (under the
 * registry's lock) and leaves the section.
 *
 * Sections: the OS side of a handle; the backends; the registry's calls for
 * these kinds; read sections; the OS services they use.
 */
#ifndef PRSHM_SYNC_H
#define PRSHM_SYNC_H

#include <stdatomic.h>

#include "internal.h"
#include "pripcsem.h"

/* A wait's deadline on the monotonic clock, in nanoseconds; this one means
 * none. */
#define PRSHM__FOREVER UINT64_MAX

/* A full memory barrier. ThreadSanitizer models atomic operations but not
 * standalone fences (GCC refuses them under it), so in that build the
 * barrier is a sequentially consistent read-modify-write of a word of its
 * own, which the hardware executes as a full barrier too. */
#if defined(__SANITIZE_THREAD__)
#define PRSHM__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PRSHM__TSAN 1
#endif
#endif
#if defined(PRSHM__TSAN)
extern _Atomic int prshm__fence_word;
#define PRSHM__FENCE() ((void)atomic_fetch_add(&prshm__fence_word, 0))
#else
#define PRSHM__FENCE() atomic_thread_fence(memory_order_seq_cst)
#endif

/* ------------------------------------------------------------------------
 * The OS side of a semaphore or lock handle. Filled by the backend's open;
 * every field but `holder` is immutable afterwards, so the fast paths read
 * them without a lock.
 */
typedef struct prshm__sync {
  uintptr_t os; /* the backend's OS object: a descriptor, a sem_t *, a
                   Windows handle; whatever its close needs */
  void *addr;   /* what the fast operations work on: the shared object as
                   mapped into this process (objects in files), the sem_t *
                   (POSIX semaphores), the kernel object (Windows) */
  PRSize size;  /* bytes mapped at addr */
  void *local;  /* per-handle state private to the backend, or NULL */
  void *mapping; /* the record of addr's mapping, which every handle of the
                    object in this process shares (object.c), or NULL */
  /* Locks: the thread (prshm__os_thread_id) that holds the lock through
   * this handle, or 0. Written by that thread; read by close, after a grace
   * period, to keep the object mapped while a live thread holds it. */
  _Atomic uintptr_t holder;
} prshm__sync;

/* What the listing tells about a semaphore or a lock (prshm_seginfo). */
typedef struct prshm__objstate {
  PRInt64 value;       /* a semaphore's value, or -1 */
  int lock_state;      /* PRSHM_LOCK_* */
  PRInt32 lock_holder; /* the holder's thread id, or 0 */
} prshm__objstate;

/* ------------------------------------------------------------------------
 * The backends: one of each per build, picked by the build like the
 * segment backend. The front door has checked every argument. Functions
 * marked "fast" run inside a read section and never block; the others run
 * outside one, on a handle the caller holds a reference to.
 */

typedef struct prshm__sem_backend {
  /* As prshm_backend_name() would say it: "linux-futex", "posix-sem"... */
  const char *name;
  /* The largest value a semaphore can hold here. */
  PRUint32 value_max;
  /* Opens or creates the semaphore of `key` as PR_OpenSemaphore() says:
   * flags within PR_SEM_CREATE | PR_SEM_EXCL, mode within 0777, value at
   * most value_max. Fills *s. */
  PRStatus (*open)(const char *key, PRIntn flags, PRIntn mode, PRUint32 value, prshm__sync *s);
  /* Releases what open acquired. No section can still use it. */
  PRStatus (*close)(prshm__sync *s);
  /* Removes the name of `key`. */
  PRStatus (*remove)(const char *key);
  /* Fast: adds 1, waking a waiter; PR_RANGE_ERROR at value_max. */
  PRStatus (*post)(prshm__sync *s);
  /* Fast: takes 1 if the value is above 0: 1 taken, 0 not, -1 error set. */
  int (*trywait)(prshm__sync *s);
  /* Takes 1, sleeping in the kernel until there is one or `deadline`
   * passes (PR_IO_TIMEOUT_ERROR). Signals never end it. */
  PRStatus (*wait)(prshm__sync *s, PRUint64 deadline);
  /* Fast: the current value. */
  PRStatus (*getvalue)(prshm__sync *s, PRUint32 *value);
  /* How a semaphore appears in the listed namespace: as a file named by
   * its key prefixed with this ("" where the file is the key's: Linux;
   * "sem." for glibc's POSIX semaphores in /dev/shm), or NULL where it
   * does not appear there. */
  const char *file_prefix;
  /* For the listing: reads the state of the semaphore of `key`, whose file
   * is open read-only as `fd` (or -1). Leaves *st as it is if it cannot. */
  void (*describe)(const char *key, int fd, prshm__objstate *st);
} prshm__sem_backend;

typedef struct prshm__lock_backend {
  /* As for semaphores: "linux-robust-mutex", "posix-flock"... */
  const char *name;
  /* Opens or creates the lock of `key` (flags and mode as for a
   * semaphore). Fills *s. */
  PRStatus (*open)(const char *key, PRIntn flags, PRIntn mode, prshm__sync *s);
  /* Releases what open acquired; keeps the object mapped if `holder` says
   * a live thread of this process still holds the lock. */
  PRStatus (*close)(prshm__sync *s);
  /* Removes the name of `key`. */
  PRStatus (*remove)(const char *key);
  /* Fast: acquires the lock if it is free: 1 acquired, 0 held by another
   * thread, -1 error set (PR_DEADLOCK_ERROR: the caller holds it). On 1,
   * *died tells whether the previous holder died holding it. */
  int (*trylock)(prshm__sync *s, PRBool *died);
  /* Acquires it, sleeping until it is free or `deadline` passes. */
  PRStatus (*lock)(prshm__sync *s, PRUint64 deadline, PRBool *died);
  /* Fast: releases it; PR_INVALID_STATE_ERROR if the caller does not hold
   * it. */
  PRStatus (*unlock)(prshm__sync *s);
  /* For the listing, as for semaphores (never takes the lock). */
  void (*describe)(const char *key, int fd, prshm__objstate *st);
} prshm__lock_backend;

/* The backends of this build. */
extern const prshm__sem_backend prshm__sem_impl;
extern const prshm__lock_backend prshm__lock_impl;

/* The fast operations of this build's backends, which the tables above
 * also hold. Each backend also has a header of inline versions (the build
 * names it in PRSHM_SYNC_FAST_H: futex.h, psem.h, winsync.h), which the
 * front doors include: on Linux the hottest paths then make no call at
 * all, which is a fifth of a post's cost. */
PRStatus prshm__sem_post(prshm__sync *s);
int prshm__sem_trywait(prshm__sync *s);
int prshm__lock_trylock(prshm__sync *s, PRBool *died);
PRStatus prshm__lock_unlock(prshm__sync *s);

/* ------------------------------------------------------------------------
 * The registry's calls for these kinds (registry.c), and its table's
 * layout, which the fast paths read inline.
 */

/* A token is (generation << (PRSHM__IDX_BITS + 3)) | (index << 3) | tag. */
#define PRSHM__TOKEN_TAG_BITS 3u
/* Slot index bits: 2^29 handles on 64-bit, 2^17 on 32-bit systems. */
#define PRSHM__IDX_BITS (sizeof(uintptr_t) >= 8 ? 29u : 17u)
#define PRSHM__IDX_LIMIT ((size_t)1 << PRSHM__IDX_BITS)
/* Slots live in chunks that never move: chunk k holds PRSHM__CHUNK0 << k
 * slots, and PRSHM__CHUNKS of them cover PRSHM__IDX_LIMIT. Chunk 0 is
 * static, so that most programs' lookups compute its address. */
#define PRSHM__CHUNK0_BITS 10u
#define PRSHM__CHUNK0 ((size_t)1 << PRSHM__CHUNK0_BITS)
#define PRSHM__CHUNKS 20

/* One slot of the handle table. Written under the registry's lock; `fast`
 * and `token` are also read without it, in read sections. */
typedef struct prshm__slot {
  _Atomic uintptr_t token; /* the token of the open handle, or 0 */
  /* A lock handle's prshm__sync, else NULL; and a semaphore handle's addr,
   * else NULL. Stored after the token, with release order. As each is set
   * for one kind only, a matching token and a pointer that is not NULL
   * prove the kind too. */
  _Atomic(prshm__sync *) fast;
  _Atomic(void *) obj;
  _Atomic(prshm__handle *) handle; /* the open handle, or NULL when free */
  uintptr_t gen;                   /* the generation of the next handle; never 0 */
  size_t next_free;                /* the next free slot's index + 1, or 0 */
} prshm__slot;

/* Chunk 0, and the chunks made so far (index 0 unused), published with
 * release order. */
extern prshm__slot prshm__registry_chunk0[PRSHM__CHUNK0];
extern _Atomic(prshm__slot *) prshm__registry_chunks[PRSHM__CHUNKS];

/* The slot `idx`, or NULL if its chunk does not exist yet. */
static inline prshm__slot *prshm__slot_at(size_t idx) {
  unsigned long long v;
  unsigned k;
  prshm__slot *chunk;

  if (__builtin_expect(idx < PRSHM__CHUNK0, 1)) return &prshm__registry_chunk0[idx];
  v = (unsigned long long)idx + PRSHM__CHUNK0;
  /* v's highest bit is bit PRSHM__CHUNK0_BITS + k, for chunk k. */
  k = (unsigned)(63 - __builtin_clzll(v)) - PRSHM__CHUNK0_BITS;
  chunk = atomic_load_explicit(&prshm__registry_chunks[k], memory_order_acquire);
  return chunk != NULL ? &chunk[v - ((unsigned long long)PRSHM__CHUNK0 << k)] : NULL;
}

/* Each kind's tag: odd, so a token is never an aligned address. */
static inline uintptr_t prshm__token_tag(prshm__kind kind) {
  return kind == PRSHM__KIND_SEG ? 5u : kind == PRSHM__KIND_SEM ? 3u : 7u;
}

/* The slot a token names, or NULL if its chunk does not exist. Whether it
 * holds the token's handle is the caller's check. */
static inline prshm__slot *prshm__token_slot(uintptr_t t) {
  return prshm__slot_at((size_t)(t >> PRSHM__TOKEN_TAG_BITS) & (PRSHM__IDX_LIMIT - 1));
}

/* Fast: inside a read section, the OS side of the open lock handle
 * `token`, valid until the section ends; NULL if the token is not one (no
 * error is set). The slot's pointer is loaded before its token: a newer
 * handle in the slot comes with a newer token. */
static inline prshm__sync *prshm__registry_peek_lock(const void *token) {
  uintptr_t t = (uintptr_t)token;
  prshm__slot *slot = prshm__token_slot(t);
  prshm__sync *s;

  if (__builtin_expect(slot == NULL, 0)) return NULL;
  s = atomic_load_explicit(&slot->fast, memory_order_acquire);
  if (__builtin_expect(atomic_load_explicit(&slot->token, memory_order_relaxed) != t, 0))
    return NULL;
  return s;
}

/* The same for an open semaphore handle: its addr, or NULL. */
static inline void *prshm__registry_peek_sem(const void *token) {
  uintptr_t t = (uintptr_t)token;
  prshm__slot *slot = prshm__token_slot(t);
  void *obj;

  if (__builtin_expect(slot == NULL, 0)) return NULL;
  obj = atomic_load_explicit(&slot->obj, memory_order_acquire);
  if (__builtin_expect(atomic_load_explicit(&slot->token, memory_order_relaxed) != t, 0))
    return NULL;
  return obj;
}

/* Registers a newly opened semaphore or lock; returns its token, or NULL
 * with the error set (the caller still owns *s). `close` is what releases
 * the OS side once the handle is closed and no section can still see it. */
void *prshm__registry_add_sync(prshm__kind kind, const prshm__sync *s,
                               PRStatus (*close)(prshm__sync *s));

/* The OS side of a handle acquired with prshm__registry_acquire_kind(). */
prshm__sync *prshm__handle_sync(prshm__handle *h);

/* ------------------------------------------------------------------------
 * Read sections (reader.c).
 */

/* A thread's record, in its thread-local storage. Only its own thread
 * writes ctr; grace periods read it. */
typedef struct prshm__reader {
  /* 0 before the thread's first section; then the grace-period count the
   * outermost open section began in (a multiple of PRSHM__READ_NEST + 1,
   * never 0) plus its nesting depth in the low bits. */
  _Atomic uint64_t ctr;
  struct prshm__reader *next;   /* the list of all records; readers_lock */
  struct prshm__reader **pprev; /* the pointer to this record in the list */
} prshm__reader;

/* The low bits of ctr count nested sections (a signal handler may nest). */
#define PRSHM__READ_NEST ((uint64_t)0xffff)

/* The calling thread's record. Static TLS, so that it is reached in one
 * instruction. */
extern PRSHM__FAST_TLS prshm__reader prshm__read_self;
/* The current grace-period count: a multiple of PRSHM__READ_NEST + 1. */
extern _Atomic uint64_t prshm__read_gp;
/* 1 when the OS has no process-wide barrier: sections fence themselves. */
extern atomic_int prshm__read_fence;

/* Puts the calling thread's record on the list: PR_FALSE if the thread's
 * exit cannot be hooked (then it has no sections, only the slow path). */
PRBool prshm__read_register(void);

/* Enters a read section: PR_TRUE, or PR_FALSE if this thread cannot have a
 * record. Pair PR_TRUE with prshm__read_end(). */
static inline __attribute__((always_inline)) PRBool prshm__read_begin(void) {
  uint64_t c = atomic_load_explicit(&prshm__read_self.ctr, memory_order_relaxed);

  if (__builtin_expect(c == 0, 0)) {
    if (!prshm__read_register()) return PR_FALSE;
    c = atomic_load_explicit(&prshm__read_self.ctr, memory_order_relaxed);
  }
  if (__builtin_expect((c & PRSHM__READ_NEST) == 0, 1))
    c = atomic_load_explicit(&prshm__read_gp, memory_order_relaxed) | 1;
  else
    c++;
  atomic_store_explicit(&prshm__read_self.ctr, c, memory_order_relaxed);
  /* The store above must be seen before the loads of the section: by a
   * grace period's process-wide barrier, or by a fence of our own. */
  if (__builtin_expect(atomic_load_explicit(&prshm__read_fence, memory_order_relaxed), 0))
    PRSHM__FENCE();
  else
    atomic_signal_fence(memory_order_seq_cst);
  return PR_TRUE;
}

/* Leaves the section: everything read in it happens before a grace period
 * that sees it left. */
static inline __attribute__((always_inline)) void prshm__read_end(void) {
  uint64_t c = atomic_load_explicit(&prshm__read_self.ctr, memory_order_relaxed);
  atomic_store_explicit(&prshm__read_self.ctr, c - 1, memory_order_release);
}

/* A use of a handle by a fast path: inside a read section (h NULL), or,
 * when this thread cannot have a record, with a reference taken under the
 * registry's lock, which is slower but equally safe. */
typedef struct prshm__use {
  prshm__handle *h; /* the reference taken instead of a section, or NULL */
} prshm__use;

/* Finds the open lock handle `token` for a fast path: its OS side, or
 * NULL with PR_INVALID_ARGUMENT_ERROR set. Pair a non-NULL result with
 * prshm__use_end(). */
static inline __attribute__((always_inline)) prshm__sync *prshm__use_lock(prshm__use *u,
                                                                          const void *token) {
  prshm__sync *s;

  u->h = NULL;
  if (__builtin_expect(!prshm__read_begin(), 0)) {
    u->h = prshm__registry_acquire_kind(token, PRSHM__KIND_LOCK);
    return u->h != NULL ? prshm__handle_sync(u->h) : NULL;
  }
  s = prshm__registry_peek_lock(token);
  if (__builtin_expect(s == NULL, 0)) {
    prshm__read_end();
    (void)prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  }
  return s;
}

/* The same for an open semaphore handle: its addr. */
static inline __attribute__((always_inline)) void *prshm__use_sem(prshm__use *u,
                                                                  const void *token) {
  void *obj;

  u->h = NULL;
  if (__builtin_expect(!prshm__read_begin(), 0)) {
    u->h = prshm__registry_acquire_kind(token, PRSHM__KIND_SEM);
    return u->h != NULL ? prshm__handle_sync(u->h)->addr : NULL;
  }
  obj = prshm__registry_peek_sem(token);
  if (__builtin_expect(obj == NULL, 0)) {
    prshm__read_end();
    (void)prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  }
  return obj;
}

static inline __attribute__((always_inline)) void prshm__use_end(prshm__use *u) {
  if (__builtin_expect(u->h == NULL, 1))
    prshm__read_end();
  else
    prshm__registry_release(u->h);
}

/* Waits until every read section that began before the call has ended.
 * Must not be called inside a section. */
void prshm__read_synchronize(void);

/* The thread that owns `r` is exiting: forgets and frees its record. */
void prshm__read_thread_exit(void *r);

/* ------------------------------------------------------------------------
 * OS services (unix/thread.c and unix/barrier_*.c, win/thread.c).
 */

/* The monotonic clock, in nanoseconds. */
PRUint64 prshm__os_now_ns(void);

/* A deadline `timeout_ms` milliseconds from now, or PRSHM__FOREVER for
 * PRSHM_NO_TIMEOUT. */
PRUint64 prshm__deadline(PRUint32 timeout_ms);

/* Lets other threads run. */
void prshm__os_yield(void);

/* A number for the calling thread, never 0, unique among live threads of
 * the process (Linux: the kernel's thread id). */
uintptr_t prshm__os_thread_id(void);

/* Whether the thread `id` (a prshm__os_thread_id) of this process is alive
 * (when unsure: PR_TRUE). */
PRBool prshm__os_thread_alive(uintptr_t id);

/* Prepares the process-wide barrier: PR_FALSE if this system has none. */
PRBool prshm__os_barrier_init(void);

/* Makes every thread of the process execute a full memory barrier. */
void prshm__os_barrier(void);

/* Arranges for prshm__read_thread_exit(r) to run when the calling thread
 * exits, before its thread-local storage goes; PR_FAILURE if it cannot be
 * arranged. */
PRStatus prshm__os_on_thread_exit(prshm__reader *r);

#endif /* PRSHM_SYNC_H */
