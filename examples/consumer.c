/*
 * consumer.c - receives the stream of records producer.c sends through a
 * ring buffer in a prshm segment (layout and protocol: ring.h), and checks
 * every one: sequence numbers in order with none missing, checksums, and
 * the payload's exact bytes.
 *
 *     consumer NAME
 *
 * It may start before the producer: it waits (bounded) for the segment to
 * appear. It ends when the producer says the stream is complete, or after
 * RING_IDLE_TIMEOUT_MS without a new record.
 */
#include <stdio.h>

#include <prerror.h>
#include <prshm.h>

#include "proc.h"
#include "ring.h"

static void consumer_error(const char *call) {
  PRErrorCode code = PR_GetError();
  fprintf(stderr, "consumer: %s failed: %s (%s)\n", call,
          PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT), PR_ErrorToName(code));
}

/* Opens the segment, waiting for the producer to create it. */
static PRSharedMemory *consumer_open(const char *name) {
  int64_t start = ex_now_ms();
  unsigned round = 0;

  for (;;) {
    PRSharedMemory *shm = PR_OpenSharedMemory(name, sizeof(ring), 0, 0);
    if (shm != NULL || PR_GetError() != PR_FILE_NOT_FOUND_ERROR) return shm;
    if (ex_now_ms() - start > RING_IDLE_TIMEOUT_MS) return NULL;
    ex_pause(round++);
  }
}

/* Checks record `want` as found in its slot: 0 if it is exactly right. */
static int consumer_check(const ring_record *got, uint64_t want) {
  ring_record expected;

  if (got->seq != want) {
    fprintf(stderr, "consumer: record %llu arrived where %llu was expected\n",
            (unsigned long long)got->seq, (unsigned long long)want);
    return -1;
  }
  if (got->len == 0 || got->len > RING_PAYLOAD_MAX || got->checksum != ring_checksum(got)) {
    fprintf(stderr, "consumer: record %llu fails its checksum\n", (unsigned long long)want);
    return -1;
  }
  ring_fill(&expected, want);
  if (got->len != expected.len || memcmp(got->payload, expected.payload, got->len) != 0) {
    fprintf(stderr, "consumer: record %llu has the wrong payload\n", (unsigned long long)want);
    return -1;
  }
  return 0;
}

/* Takes records until the producer is done. Returns how many, or -1. */
static long long consumer_receive(ring *r) {
  unsigned tail = atomic_load_explicit(&r->tail, memory_order_relaxed), round = 0;
  uint64_t seq = 0;
  int64_t since = ex_now_ms();

  for (;;) {
    unsigned head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head == tail) {
      /* done is set after the last head store, so once done is seen, a
       * head read after it is final. */
      if (atomic_load_explicit(&r->done, memory_order_acquire) != 0 &&
          atomic_load_explicit(&r->head, memory_order_acquire) == tail)
        return (long long)seq;
      if (ex_now_ms() - since > RING_IDLE_TIMEOUT_MS) {
        fprintf(stderr, "consumer: no record for %d ms; giving up\n", RING_IDLE_TIMEOUT_MS);
        return -1;
      }
      ex_pause(round++);
      continue;
    }
    for (; tail != head; tail++, seq++)
      if (consumer_check(&r->slot[seq % RING_SLOTS], seq) != 0) return -1;
    /* The slots are free again. */
    atomic_store_explicit(&r->tail, tail, memory_order_release);
    since = ex_now_ms();
    round = 0;
  }
}

/* Waits for the producer to set the ring up. 0, or -1 on timeout. */
static int consumer_wait_ready(ring *r) {
  int64_t start = ex_now_ms();
  unsigned round = 0;

  while (atomic_load_explicit(&r->magic, memory_order_acquire) != RING_MAGIC) {
    if (ex_now_ms() - start > RING_IDLE_TIMEOUT_MS) return -1;
    ex_pause(round++);
  }
  return 0;
}

int main(int argc, char **argv) {
  PRSharedMemory *shm;
  long long got = -1;
  ring *r;
  int rc = 1;

  if (argc != 2) {
    fprintf(stderr, "usage: consumer NAME\n");
    return 2;
  }
  shm = consumer_open(argv[1]);
  if (shm == NULL) {
    consumer_error("PR_OpenSharedMemory");
    return 1;
  }
  r = PR_AttachSharedMemory(shm, 0);
  if (r == NULL) {
    consumer_error("PR_AttachSharedMemory");
    goto close;
  }
  if (consumer_wait_ready(r) != 0)
    fprintf(stderr, "consumer: \"%s\" never became a ring\n", argv[1]);
  else
    got = consumer_receive(r);
  if (got >= 0 && (uint64_t)got != r->total) {
    fprintf(stderr, "consumer: received %lld records of %llu\n", got, (unsigned long long)r->total);
  } else if (got >= 0) {
    printf("consumer: received %lld records, in order, every checksum and payload correct\n", got);
    rc = 0;
  }
  if (PR_DetachSharedMemory(shm, r) != PR_SUCCESS) {
    consumer_error("PR_DetachSharedMemory");
    rc = 1;
  }
close:
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) {
    consumer_error("PR_CloseSharedMemory");
    rc = 1;
  }
  return rc;
}
