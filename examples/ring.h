/*
 * ring.h - the layout that producer.c and consumer.c share: a ring of
 * fixed-size records in one prshm segment, with one writer and one reader.
 *
 * The producer owns `head` (records published so far) and the consumer
 * owns `tail` (records consumed so far); each only reads the other's
 * counter. A record's slot is filled before `head` moves past it (release),
 * and the consumer reads `head` (acquire) before the slot, so it never sees
 * a half-written record; likewise the producer reuses a slot only after
 * `tail` has moved past it. The counters are 32-bit and wrap around: only
 * their difference (at most RING_SLOTS) matters.
 *
 * The counters are C11 atomics in shared memory, which works between
 * processes when they are lock-free (checked below): the hardware, not a
 * per-process lock, makes them atomic.
 */
#ifndef PRSHM_EXAMPLE_RING_H
#define PRSHM_EXAMPLE_RING_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the ring needs lock-free atomic ints");

#define RING_MAGIC 0x52494e47u /* "RING": the producer has set the ring up */
#define RING_SLOTS 64u         /* records in flight at most */
#define RING_PAYLOAD_MAX 52u   /* bytes of payload a record carries at most */

/* Seconds without progress after which either side gives up. */
#define RING_IDLE_TIMEOUT_MS 60000

/* One record. */
typedef struct ring_record {
  uint64_t seq;                            /* 0, 1, 2, ... in order */
  uint32_t len;                            /* payload bytes used, 1..RING_PAYLOAD_MAX */
  uint32_t checksum;                       /* ring_checksum() of seq and payload */
  unsigned char payload[RING_PAYLOAD_MAX]; /* ring_fill() of seq */
} ring_record;

/* The whole segment. A new segment is all zeros: counters 0, not ready. */
typedef struct ring {
  atomic_uint magic;            /* RING_MAGIC once the producer is ready */
  atomic_uint head;             /* records published; producer writes */
  atomic_uint tail;             /* records consumed; consumer writes */
  atomic_uint done;             /* 1 when the producer has published all */
  uint64_t total;               /* records in the stream; set before done */
  ring_record slot[RING_SLOTS]; /* record n lives in slot[n % RING_SLOTS] */
} ring;

/* FNV-1a over the sequence number and the payload: a torn or misplaced
 * record fails it. */
static inline uint32_t ring_checksum(const ring_record *r) {
  uint32_t h = 2166136261u;
  unsigned char seq[8];
  uint32_t i;

  for (i = 0; i < 8; i++) seq[i] = (unsigned char)(r->seq >> (8 * i));
  for (i = 0; i < 8; i++) h = (h ^ seq[i]) * 16777619u;
  for (i = 0; i < r->len && i < RING_PAYLOAD_MAX; i++) h = (h ^ r->payload[i]) * 16777619u;
  return h;
}

/* The payload of record `seq`: its length varies and its bytes are
 * pseudo-random, so that both sides can tell exactly what to expect. */
static inline void ring_fill(ring_record *r, uint64_t seq) {
  uint64_t x = seq * 0x9E3779B97F4A7C15u + 1;
  uint32_t i;

  r->seq = seq;
  r->len = (uint32_t)(seq % RING_PAYLOAD_MAX) + 1;
  for (i = 0; i < RING_PAYLOAD_MAX; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->payload[i] = i < r->len ? (unsigned char)x : 0;
  }
  r->checksum = ring_checksum(r);
}

#endif /* PRSHM_EXAMPLE_RING_H */
