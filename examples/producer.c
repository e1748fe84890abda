/*
 * producer.c - sends a stream of records to consumer.c through a ring
 * buffer in a prshm segment (layout and protocol: ring.h).
 *
 *     producer NAME [COUNT]     create NAME, send COUNT records (100000)
 *     consumer NAME             in another terminal, before or after
 *
 * The producer creates the segment, publishes the records, waits until the
 * consumer has taken the last one, then deletes the segment. Either side
 * gives up after RING_IDLE_TIMEOUT_MS without progress from the other, so
 * both always end by themselves.
 */
#include <stdio.h>
#include <stdlib.h>

#include <prerror.h>
#include <prshm.h>

#include "proc.h"
#include "ring.h"

static void producer_error(const char *call) {
  PRErrorCode code = PR_GetError();
  fprintf(stderr, "producer: %s failed: %s (%s)\n", call,
          PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT), PR_ErrorToName(code));
}

/* Waits until the consumer has consumed at least `want` records, so that
 * the slot of record want + RING_SLOTS - 1 is free. 0, or -1 on timeout. */
static int producer_wait_tail(ring *r, unsigned want) {
  unsigned last = atomic_load_explicit(&r->tail, memory_order_acquire), round = 0;
  int64_t since = ex_now_ms();

  for (;;) {
    unsigned tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    /* The counters wrap: tail has reached want when it is less than half
     * the counter's range past it. */
    if (tail - want < 0x80000000u) return 0;
    if (tail != last) {
      last = tail;
      since = ex_now_ms();
    } else if (ex_now_ms() - since > RING_IDLE_TIMEOUT_MS) {
      return -1;
    }
    ex_pause(round++);
  }
}

/* Publishes records 0 .. count-1, then waits until all are consumed. */
static int producer_send(ring *r, uint64_t count) {
  uint64_t seq;

  atomic_store_explicit(&r->magic, RING_MAGIC, memory_order_release);
  for (seq = 0; seq < count; seq++) {
    unsigned head = (unsigned)seq;
    if (seq >= RING_SLOTS && producer_wait_tail(r, head - RING_SLOTS + 1) != 0) {
      fprintf(stderr, "producer: the consumer stopped taking records (at %llu)\n",
              (unsigned long long)seq);
      return 1;
    }
    ring_fill(&r->slot[seq % RING_SLOTS], seq);
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
  }
  r->total = count;
  atomic_store_explicit(&r->done, 1, memory_order_release);
  if (producer_wait_tail(r, (unsigned)count) != 0) {
    fprintf(stderr, "producer: the consumer did not take the last records\n");
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  PRSharedMemory *shm;
  uint64_t count = 100000;
  int64_t start;
  ring *r;
  int rc = 1;

  if (argc < 2 || argc > 3 || (argc == 3 && (count = strtoull(argv[2], NULL, 10)) == 0)) {
    fprintf(stderr, "usage: producer NAME [COUNT]\n");
    return 2;
  }
  /* A fresh segment (it must not exist yet), zeroed: an empty ring. */
  shm = PR_OpenSharedMemory(argv[1], sizeof(ring), PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (shm == NULL) {
    producer_error("PR_OpenSharedMemory");
    return 1;
  }
  r = PR_AttachSharedMemory(shm, 0);
  if (r == NULL) {
    producer_error("PR_AttachSharedMemory");
    goto close;
  }
  printf("producer: created \"%s\"; sending %llu records\n", argv[1], (unsigned long long)count);
  fflush(stdout);
  start = ex_now_ms();
  rc = producer_send(r, count);
  if (rc == 0)
    printf("producer: all %llu records sent and consumed in %lld ms\n", (unsigned long long)count,
           (long long)(ex_now_ms() - start));
  if (PR_DetachSharedMemory(shm, r) != PR_SUCCESS) {
    producer_error("PR_DetachSharedMemory");
    rc = 1;
  }
close:
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) {
    producer_error("PR_CloseSharedMemory");
    rc = 1;
  }
  if (PR_DeleteSharedMemory(argv[1]) != PR_SUCCESS) {
    producer_error("PR_DeleteSharedMemory");
    rc = 1;
  }
  return rc;
}
