/*
 * reader.c - read sections and grace periods (sync.h tells why).
 *
 * Every thread that enters a section has a record in its thread-local
 * storage, kept on one list under readers_lock until the thread exits. A grace period advances the
 * global count prshm__read_gp, makes its store and the dead tokens before it visible to every
 * thread (the process-wide barrier, or a fence that the readers match), and then waits for each
 * record that shows an open section begun under an older count. Sections that begin later see the
 * dead tokens and never reach the object being released. Readers never
 * take readers_lock in a section, so a grace period cannot deadlock with
 * them; it only waits for sections, which never block.
 *
 * fork(): the child has one thread, so every record but the forking
 * thread's is dropped there, and the barrier is registered again for the
 * child's new address space.
 */
#include "sync.h"

PRSHM__FAST_TLS prshm__reader prshm__read_self;
#if defined(PRSHM__TSAN)
_Atomic int prshm__fence_word;
#endif
_Atomic uint64_t prshm__read_gp = PRSHM__READ_NEST + 1;
atomic_int prshm__read_fence;

static prshm__mutex readers_lock = PRSHM__MUTEX_INIT;
static prshm__reader *readers_head; /* every live thread's record; readers_lock */
static size_t readers_count;        /* records on the list; readers_lock */
static int readers_mode_set;        /* the barrier is chosen; readers_lock */

/* Chooses between the process-wide barrier and fencing readers, once,
 * before the first section of the process. Lock held. */
static void reader_choose_mode(void) {
  if (readers_mode_set) return;
  atomic_store(&prshm__read_fence, prshm__os_barrier_init() ? 0 : 1);
  readers_mode_set = 1;
}

static void reader_link(prshm__reader *r) {
  r->next = readers_head;
  r->pprev = &readers_head;
  if (readers_head != NULL) readers_head->pprev = &r->next;
  readers_head = r;
  readers_count++;
}

static void reader_unlink(prshm__reader *r) {
  *r->pprev = r->next;
  if (r->next != NULL) r->next->pprev = r->pprev;
  readers_count--;
}

PRBool prshm__read_register(void) {
  prshm__reader *r = &prshm__read_self;

  if (prshm__os_on_thread_exit(r) != PR_SUCCESS) return PR_FALSE;
  prshm__mutex_lock(&readers_lock);
  reader_choose_mode();
  reader_link(r);
  /* Outside any section, in the current grace period: not 0 any more. */
  atomic_store_explicit(&r->ctr, atomic_load(&prshm__read_gp), memory_order_relaxed);
  prshm__mutex_unlock(&readers_lock);
  return PR_TRUE;
}

void prshm__read_thread_exit(void *arg) {
  prshm__reader *r = arg;

  prshm__mutex_lock(&readers_lock);
  reader_unlink(r);
  /* A later call in this thread's exit (another destructor) registers
   * again. */
  atomic_store_explicit(&r->ctr, 0, memory_order_relaxed);
  prshm__mutex_unlock(&readers_lock);
}

/* Whether `c`, a record's ctr, shows a section that began before the grace
 * period `gp` and may still be open. */
static int reader_blocks(uint64_t c, uint64_t gp) {
  return (c & PRSHM__READ_NEST) != 0 && (c & ~PRSHM__READ_NEST) != gp;
}

void prshm__read_synchronize(void) {
  prshm__reader *self = &prshm__read_self, *r;
  uint64_t gp;

  prshm__mutex_lock(&readers_lock);
  /* No other thread has ever entered a section: nobody to wait for. A
   * thread registering later sees, under this lock, everything done
   * before the call. */
  if (readers_count == 0 || (readers_count == 1 && readers_head == self)) {
    prshm__mutex_unlock(&readers_lock);
    return;
  }
  gp = atomic_load(&prshm__read_gp) + PRSHM__READ_NEST + 1;
  atomic_store(&prshm__read_gp, gp);
  if (atomic_load_explicit(&prshm__read_fence, memory_order_relaxed))
    PRSHM__FENCE();
  else
    prshm__os_barrier();
  for (r = readers_head; r != NULL; r = r->next) {
    if (r == self) continue;
    while (reader_blocks(atomic_load_explicit(&r->ctr, memory_order_acquire), gp))
      prshm__os_yield();
  }
  prshm__mutex_unlock(&readers_lock);
}

/* ---- fork() ---- */

static void reader_fork_prepare(void) { prshm__mutex_lock(&readers_lock); }
static void reader_fork_parent(void) { prshm__mutex_unlock(&readers_lock); }

static void reader_fork_child(void) {
  prshm__reader *self = &prshm__read_self, *r, *next;

  /* The other records are the thread-local storage of threads the child
   * does not have. */
  for (r = readers_head; r != NULL; r = next) {
    next = r->next;
    if (r != self) reader_unlink(r);
  }
  /* A barrier registered for the parent's address space does not carry
   * over to the child's; no other thread exists yet to race with this. */
  if (readers_mode_set) atomic_store(&prshm__read_fence, prshm__os_barrier_init() ? 0 : 1);
  prshm__mutex_unlock(&readers_lock);
}

__attribute__((constructor)) static void reader_init(void) {
  prshm__os_at_fork(reader_fork_prepare, reader_fork_parent, reader_fork_child);
}
