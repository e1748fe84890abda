/*
 * soak.c - prshm_soak: many processes hammering a shared set of names.
 *
 *   prshm_soak [-p PROCESSES] [-t SECONDS] [-n NAMES] [-s MAX_SIZE]
 *              [--rss-slack KIB] [-q]
 *
 * PROCESSES workers (default 8) run for SECONDS (default 60), each doing a
 * random mix of create, open, attach, write, verify, detach, close and
 * delete over NAMES shared names (default 16), segments of up to MAX_SIZE
 * bytes (default 65536). Every segment holds a header and numbered,
 * checksummed records; writers update records under a per-record sequence
 * lock in the segment, and readers check every byte they read: a record's
 * checksum, its sequence number against the lock's count of writes, and
 * its contents against the values its writer derives. The run ends with
 * operations per second, errors by code, the count of data mismatches, and
 * each worker's descriptors, mappings, open handles, heap and resident
 * memory before and after; it passes (exit 0) only with no mismatch, no
 * unexpected error and no resource left behind.
 *
 * Expected errors are the outcomes of races between workers and are
 * reported, not failed: PR_FILE_EXISTS_ERROR from an exclusive create and
 * PR_FILE_NOT_FOUND_ERROR from an open or a delete. Any other is a failure.
 *
 * Sections: segment layout; records; the worker's state and operations;
 * resources; the worker; the report; main.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define SOAK_MAGIC 0x6b616f73u /* "soak" */
#define SOAK_PAYLOAD_WORDS 5
#define SOAK_MAX_HANDLES 4     /* handles one worker holds at once */
#define SOAK_MAX_ATTACH 2      /* attachments per handle */
#define SOAK_TRACKED 64        /* records whose sequence a reader follows */
#define SOAK_SPIN_LIMIT 100000 /* tries at a record's lock before giving up */
#define SOAK_ERR_SLOTS 80      /* NSPR codes -6000 .. -5921, and one more */
#define SOAK_MAX_PROCS 256
/* The first NSPR error code: error counters are indexed from it. */
#define SOAK_ERR_BASE PR_OUT_OF_MEMORY_ERROR

/* ------------------------------------------------------------------------
 * Segment layout: a header, then records up to the end.
 */

/* The head of a segment; written by its creator, then published. */
typedef struct soak_head {
  uint32_t magic;         /* SOAK_MAGIC */
  uint32_t records;       /* records that follow */
  uint64_t size;          /* the segment's size, as created */
  uint64_t instance;      /* which creation this is: creator pid and count */
  uint64_t sum;           /* checksum of the four fields above */
  _Atomic uint32_t ready; /* 1 once the fields above are written */
} soak_head;

/* One record. `ver` is its sequence lock: odd while a writer is inside,
 * and twice the number of writes otherwise. */
typedef struct soak_record {
  _Atomic uint64_t ver;                         /* the lock and write count */
  _Atomic uint64_t writer;                      /* who wrote it last */
  _Atomic uint64_t seq;                         /* its write number: ver / 2 */
  _Atomic uint64_t payload[SOAK_PAYLOAD_WORDS]; /* derived from the above */
  _Atomic uint64_t sum;                         /* checksum of all but ver */
} soak_record;

static uint64_t soak_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdu;
}

static uint64_t soak_head_sum(const soak_head *h) {
  return soak_mix(soak_mix(soak_mix(h->magic, h->records), h->size), h->instance);
}

/* The payload word `j` of a record written `seq`-th by `writer`. */
static uint64_t soak_word(uint64_t writer, uint64_t seq, uint64_t index, unsigned j) {
  return soak_mix(soak_mix(soak_mix(writer, seq), index), j);
}

static uint64_t soak_record_sum(uint64_t writer, uint64_t seq, const uint64_t *payload) {
  uint64_t h = soak_mix(writer, seq);
  unsigned j;
  for (j = 0; j < SOAK_PAYLOAD_WORDS; j++) h = soak_mix(h, payload[j]);
  return h;
}

static soak_record *soak_records(void *base) { return (soak_record *)((soak_head *)base + 1); }

static uint32_t soak_capacity(PRSize size) {
  return (uint32_t)((size - sizeof(soak_head)) / sizeof(soak_record));
}

/* ------------------------------------------------------------------------
 * Records: a write under the lock, and a checked read.
 */

/* Between tries at a busy record: the writer inside may be a process that
 * lost its processor, so give it ours now and then. */
static void soak_pause(unsigned spins) {
  if (spins % 64 == 0) (void)sched_yield();
}

/* Writes record `i` once. Returns 0, or -1 if its lock stayed taken. */
static int soak_write_record(soak_record *r, uint64_t i, uint64_t writer) {
  uint64_t v = atomic_load_explicit(&r->ver, memory_order_relaxed), seq, words[SOAK_PAYLOAD_WORDS];
  unsigned spins = 0, j;

  for (;;) {
    if ((v & 1) == 0 && atomic_compare_exchange_weak_explicit(
                            &r->ver, &v, v + 1, memory_order_acquire, memory_order_relaxed))
      break;
    if (++spins == SOAK_SPIN_LIMIT) return -1;
    soak_pause(spins);
    v = atomic_load_explicit(&r->ver, memory_order_relaxed);
  }
  /* Readers that see any of the stores below also see the odd count. */
  atomic_thread_fence(memory_order_release);
  seq = v / 2 + 1;
  for (j = 0; j < SOAK_PAYLOAD_WORDS; j++) {
    words[j] = soak_word(writer, seq, i, j);
    atomic_store_explicit(&r->payload[j], words[j], memory_order_relaxed);
  }
  atomic_store_explicit(&r->writer, writer, memory_order_relaxed);
  atomic_store_explicit(&r->seq, seq, memory_order_relaxed);
  atomic_store_explicit(&r->sum, soak_record_sum(writer, seq, words), memory_order_relaxed);
  atomic_store_explicit(&r->ver, v + 2, memory_order_release);
  return 0;
}

/* The outcome of reading one record. */
typedef enum { READ_OK, READ_BUSY, READ_BAD } soak_read_rv;

/* Reads record `i` consistently and checks it. *seq gets its write number. */
static soak_read_rv soak_read_record(const soak_record *rc, uint64_t i, uint64_t *seq) {
  soak_record *r = (soak_record *)(uintptr_t)rc;
  uint64_t v1, v2, writer, words[SOAK_PAYLOAD_WORDS], sum;
  unsigned spins, j;

  for (spins = 0; spins < SOAK_SPIN_LIMIT; soak_pause(++spins)) {
    v1 = atomic_load_explicit(&r->ver, memory_order_acquire);
    if ((v1 & 1) != 0) continue;
    writer = atomic_load_explicit(&r->writer, memory_order_relaxed);
    *seq = atomic_load_explicit(&r->seq, memory_order_relaxed);
    for (j = 0; j < SOAK_PAYLOAD_WORDS; j++)
      words[j] = atomic_load_explicit(&r->payload[j], memory_order_relaxed);
    sum = atomic_load_explicit(&r->sum, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    v2 = atomic_load_explicit(&r->ver, memory_order_relaxed);
    if (v1 != v2) continue;
    if (v1 == 0) { /* never written: all zero */
      for (j = 0; j < SOAK_PAYLOAD_WORDS; j++)
        if (words[j] != 0) return READ_BAD;
      return writer == 0 && *seq == 0 && sum == 0 ? READ_OK : READ_BAD;
    }
    if (*seq != v1 / 2 || sum != soak_record_sum(writer, *seq, words)) return READ_BAD;
    for (j = 0; j < SOAK_PAYLOAD_WORDS; j++)
      if (words[j] != soak_word(writer, *seq, i, j)) return READ_BAD;
    return READ_OK;
  }
  return READ_BUSY;
}

/* ------------------------------------------------------------------------
 * The worker's state and operations.
 */

enum { OP_CREATE, OP_OPEN, OP_ATTACH, OP_WRITE, OP_VERIFY, OP_DETACH, OP_CLOSE, OP_DELETE, OP_N };
static const char *const soak_op_names[OP_N] = {"create", "open",   "attach", "write",
                                                "verify", "detach", "close",  "delete"};

/* What one worker counted; lives in memory shared with the parent. */
typedef struct soak_stats {
  uint64_t ops[OP_N];                    /* successful operations */
  uint64_t errors[OP_N][SOAK_ERR_SLOTS]; /* failures by op and code */
  uint64_t unexpected;                   /* failures no race explains */
  uint64_t mismatches;                   /* bytes that were not as written */
  uint64_t records_read;                 /* records checked */
  uint64_t records_written;              /* records written */
  uint64_t busy;                         /* record locks that stayed taken */
  uint64_t unpublished;                  /* attaches to a header not yet ready */
  long before[6], after[6];              /* resources, see soak_measure() */
  int done;                              /* 1 when the worker finished */
} soak_stats;

/* One attachment. */
typedef struct soak_att {
  void *addr;                      /* NULL when the slot is free */
  int rw;                          /* attached read-write */
  uint64_t last_seq[SOAK_TRACKED]; /* write numbers seen, for monotonicity */
} soak_att;

/* One open handle. */
typedef struct soak_slot {
  PRSharedMemory *shm;           /* NULL when the slot is free */
  PRSize size;                   /* what an attachment maps */
  soak_att att[SOAK_MAX_ATTACH]; /* its attachments */
} soak_slot;

/* A worker. */
typedef struct soak_worker {
  int index;                        /* 0 .. processes-1 */
  uint64_t rng;                     /* xorshift state */
  uint64_t writes;                  /* records written, for writer ids */
  uint64_t creates;                 /* segments created, for instance ids */
  int names;                        /* size of the name set */
  PRSize max_size;                  /* largest segment */
  soak_slot slot[SOAK_MAX_HANDLES]; /* open handles */
  soak_stats *st;                   /* counters, shared with the parent */
} soak_worker;

static char soak_prefix[64]; /* "/prshm-soak-<parent pid>-" */

static uint64_t soak_rand(soak_worker *w) {
  w->rng ^= w->rng << 13;
  w->rng ^= w->rng >> 7;
  w->rng ^= w->rng << 17;
  return w->rng;
}

static void soak_name(int i, char *out, size_t size) {
  (void)snprintf(out, size, "%s%d", soak_prefix, i);
}

/* Counts a failure of `op`; expected ones are races, anything else is not. */
static void soak_error(soak_worker *w, int op) {
  PRErrorCode e = PR_GetError();
  long slot = (long)e - SOAK_ERR_BASE;
  int expected = (op == OP_CREATE && e == PR_FILE_EXISTS_ERROR) ||
                 ((op == OP_OPEN || op == OP_DELETE) && e == PR_FILE_NOT_FOUND_ERROR);

  if (slot < 0 || slot >= SOAK_ERR_SLOTS - 1) slot = SOAK_ERR_SLOTS - 1;
  w->st->errors[op][slot]++;
  if (!expected) {
    w->st->unexpected++;
    fprintf(stderr, "soak worker %d: %s failed: %s (os error %d)\n", w->index, soak_op_names[op],
            PR_ErrorToName(e) ? PR_ErrorToName(e) : "?", (int)PR_GetOSError());
  }
}

static void soak_mismatch(soak_worker *w, const char *what, uint64_t i) {
  w->st->mismatches++;
  fprintf(stderr, "soak worker %d: MISMATCH: %s (record %llu)\n", w->index, what,
          (unsigned long long)i);
}

static soak_slot *soak_free_slot(soak_worker *w) {
  int i;
  for (i = 0; i < SOAK_MAX_HANDLES; i++)
    if (w->slot[i].shm == NULL) return &w->slot[i];
  return NULL;
}

static soak_slot *soak_any_slot(soak_worker *w) {
  int i, start = (int)(soak_rand(w) % SOAK_MAX_HANDLES);
  for (i = 0; i < SOAK_MAX_HANDLES; i++)
    if (w->slot[(start + i) % SOAK_MAX_HANDLES].shm != NULL)
      return &w->slot[(start + i) % SOAK_MAX_HANDLES];
  return NULL;
}

/* An attachment of any open handle; rw: only read-write ones. */
static soak_att *soak_any_att(soak_worker *w, int rw, soak_slot **owner) {
  int i, j, start = (int)(soak_rand(w) % SOAK_MAX_HANDLES);
  for (i = 0; i < SOAK_MAX_HANDLES; i++) {
    soak_slot *s = &w->slot[(start + i) % SOAK_MAX_HANDLES];
    for (j = 0; s->shm != NULL && j < SOAK_MAX_ATTACH; j++) {
      if (s->att[j].addr != NULL && (!rw || s->att[j].rw)) {
        *owner = s;
        return &s->att[j];
      }
    }
  }
  return NULL;
}

/* Checks a whole attachment: its header, then every record. */
static void soak_verify(soak_worker *w, soak_slot *s, soak_att *a) {
  soak_head *h = a->addr;
  uint32_t i;
  uint64_t seq;

  if (atomic_load_explicit(&h->ready, memory_order_acquire) == 0) {
    w->st->unpublished++; /* its creator is still writing the header */
    return;
  }
  if (h->magic != SOAK_MAGIC || h->sum != soak_head_sum(h) || h->size != s->size ||
      h->records != soak_capacity((PRSize)h->size)) {
    soak_mismatch(w, "header", 0);
    return;
  }
  for (i = 0; i < soak_capacity(s->size); i++) {
    soak_read_rv rv = soak_read_record(&soak_records(a->addr)[i], i, &seq);
    if (rv == READ_BUSY) {
      w->st->busy++;
      continue;
    }
    w->st->records_read++;
    if (rv == READ_BAD) soak_mismatch(w, "record content", i);
    if (i < SOAK_TRACKED) {
      if (seq < a->last_seq[i]) soak_mismatch(w, "write number went back", i);
      a->last_seq[i] = seq;
    }
  }
  w->st->ops[OP_VERIFY]++;
}

static void soak_attach(soak_worker *w, soak_slot *s, int rw) {
  int j;

  for (j = 0; j < SOAK_MAX_ATTACH && s->att[j].addr != NULL; j++) {
  }
  if (j == SOAK_MAX_ATTACH) return;
  memset(&s->att[j], 0, sizeof s->att[j]);
  s->att[j].addr = PR_AttachSharedMemory(s->shm, rw ? 0 : PR_SHM_READONLY);
  if (s->att[j].addr == NULL) {
    soak_error(w, OP_ATTACH);
    return;
  }
  s->att[j].rw = rw;
  w->st->ops[OP_ATTACH]++;
  soak_verify(w, s, &s->att[j]);
}

static void soak_detach(soak_worker *w, soak_slot *s, soak_att *a) {
  soak_verify(w, s, a);
  if (PR_DetachSharedMemory(s->shm, a->addr) != PR_SUCCESS)
    soak_error(w, OP_DETACH);
  else
    w->st->ops[OP_DETACH]++;
  a->addr = NULL;
}

static void soak_close(soak_worker *w, soak_slot *s) {
  int j;

  for (j = 0; j < SOAK_MAX_ATTACH; j++)
    if (s->att[j].addr != NULL) soak_detach(w, s, &s->att[j]);
  if (PR_CloseSharedMemory(s->shm) != PR_SUCCESS)
    soak_error(w, OP_CLOSE);
  else
    w->st->ops[OP_CLOSE]++;
  s->shm = NULL;
}

/* Creates name `i` exclusively and publishes its header. */
static void soak_create(soak_worker *w, soak_slot *s, const char *name) {
  PRSize min = sizeof(soak_head) + sizeof(soak_record);
  PRSize size = min + (PRSize)(soak_rand(w) % (w->max_size - min + 1));
  soak_head *h;

  s->shm = PR_OpenSharedMemory(name, size, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (s->shm == NULL) {
    soak_error(w, OP_CREATE);
    return;
  }
  w->st->ops[OP_CREATE]++;
  s->size = size;
  h = PR_AttachSharedMemory(s->shm, 0);
  if (h == NULL) {
    soak_error(w, OP_ATTACH);
    return;
  }
  w->st->ops[OP_ATTACH]++;
  h->magic = SOAK_MAGIC;
  h->records = soak_capacity(size);
  h->size = size;
  h->instance = (uint64_t)getpid() << 32 | ++w->creates;
  h->sum = soak_head_sum(h);
  atomic_store_explicit(&h->ready, 1u, memory_order_release);
  memset(&s->att[0], 0, sizeof s->att[0]);
  s->att[0].addr = h;
  s->att[0].rw = 1;
}

/* Opens name `i`, or creates it if it does not exist. */
static void soak_open(soak_worker *w) {
  soak_slot *s = soak_free_slot(w);
  char name[96];

  if (s == NULL) return;
  soak_name((int)(soak_rand(w) % (uint64_t)w->names), name, sizeof name);
  memset(s, 0, sizeof *s);
  s->shm = PR_OpenSharedMemory(name, 0, 0, 0);
  if (s->shm == NULL) {
    soak_error(w, OP_OPEN);
    soak_create(w, s, name);
    return;
  }
  w->st->ops[OP_OPEN]++;
  if (prshm_get_size(s->shm, &s->size) != PR_SUCCESS) soak_mismatch(w, "size of a handle", 0);
  soak_attach(w, s, (int)(soak_rand(w) & 1));
}

static void soak_write(soak_worker *w) {
  soak_slot *s;
  soak_att *a = soak_any_att(w, 1, &s);
  uint32_t n, k;

  if (a == NULL) return;
  n = soak_capacity(s->size);
  for (k = 0; k < 8; k++) {
    uint64_t i = soak_rand(w) % n;
    if (soak_write_record(&soak_records(a->addr)[i], i, (uint64_t)getpid() << 32 | ++w->writes) !=
        0)
      w->st->busy++;
    else
      w->st->records_written++;
  }
  w->st->ops[OP_WRITE]++;
}

static void soak_delete(soak_worker *w) {
  char name[96];

  soak_name((int)(soak_rand(w) % (uint64_t)w->names), name, sizeof name);
  if (PR_DeleteSharedMemory(name) != PR_SUCCESS)
    soak_error(w, OP_DELETE);
  else
    w->st->ops[OP_DELETE]++;
}

/* One random operation. */
static void soak_step(soak_worker *w) {
  unsigned pick = (unsigned)(soak_rand(w) % 100);
  soak_slot *s = soak_any_slot(w);
  soak_att *a;

  if (pick < 20 || s == NULL) {
    soak_open(w);
  } else if (pick < 32) {
    soak_attach(w, s, (int)(soak_rand(w) & 1));
  } else if (pick < 60) {
    soak_write(w);
  } else if (pick < 78) {
    a = soak_any_att(w, 0, &s);
    if (a != NULL) soak_verify(w, s, a);
  } else if (pick < 88) {
    a = soak_any_att(w, 0, &s);
    if (a != NULL) soak_detach(w, s, a);
  } else if (pick < 96) {
    soak_close(w, s);
  } else {
    soak_delete(w);
  }
}

static void soak_release_all(soak_worker *w) {
  int i;
  for (i = 0; i < SOAK_MAX_HANDLES; i++)
    if (w->slot[i].shm != NULL) soak_close(w, &w->slot[i]);
}

/* ------------------------------------------------------------------------
 * Resources: what a worker holds, before and after.
 */

enum { RES_FDS, RES_MAPS, RES_HANDLES, RES_HEAP, RES_RSS_ANON, RES_RSS_SHMEM, RES_N };
static const char *const soak_res_names[RES_N] = {
    "descriptors", "segment mappings", "handles", "heap bytes", "RSS anon KiB", "RSS shmem KiB"};

/* Mappings of files in the namespace: segments this process still maps.
 * (Other mappings come and go with the allocator, more so under the
 * sanitizers, and say nothing about prshm.) */
static long soak_count_segment_maps(void) {
  const char *dir = getenv(PRSHM_DIR_ENV);
  char needle[PATH_MAX + 2], line[PATH_MAX + 256];
  FILE *f = fopen("/proc/self/maps", "r");
  long n = 0;

  if (f == NULL) return -1;
  (void)snprintf(needle, sizeof needle, "%s/", dir != NULL ? dir : "/dev/shm");
  while (fgets(line, sizeof line, f) != NULL) n += strstr(line, needle) != NULL;
  fclose(f);
  return n;
}

static long soak_count_fds(void) {
  long n = 0;
  char path[64];
  int fd;

  /* Probing each number avoids opening a directory, which would count. */
  for (fd = 0; fd < 4096; fd++) {
    (void)snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n += access(path, F_OK) == 0;
  }
  return n;
}

static long soak_status_kib(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t n = strlen(field);

  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, field, n) == 0) v = strtol(line + n, NULL, 10);
  fclose(f);
  return v;
}

static void soak_measure(long *res) {
  struct mallinfo2 mi;

  res[RES_FDS] = soak_count_fds();
  res[RES_MAPS] = soak_count_segment_maps();
  res[RES_HANDLES] = (long)prshm__registry_count();
  res[RES_RSS_ANON] = soak_status_kib("RssAnon:");
  res[RES_RSS_SHMEM] = soak_status_kib("RssShmem:");
  /* Last: the first fopen() of the process keeps a little memory for good,
   * which must not fall between the two readings. */
  mi = mallinfo2();
  res[RES_HEAP] = (long)mi.uordblks;
}

/* ------------------------------------------------------------------------
 * The worker.
 */

static double soak_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int soak_worker_main(int index, int names, PRSize max_size, double seconds, soak_stats *st) {
  soak_worker w;
  double end;
  int i;

  memset(&w, 0, sizeof w);
  w.index = index;
  w.rng = 0x853c49e6748fea9bu ^ ((uint64_t)getpid() << 16) ^ (uint64_t)index;
  w.names = names;
  w.max_size = max_size;
  w.st = st;
  /* A warm-up does every kind of operation once and lets lazily grown
   * tables (the handle registry) reach their size; what it holds is then
   * released, and the baseline is taken. */
  for (i = 0; i < 400; i++) soak_step(&w);
  soak_release_all(&w);
  soak_measure(st->before);
  end = soak_now() + seconds;
  while (soak_now() < end)
    for (i = 0; i < 64; i++) soak_step(&w);
  soak_release_all(&w);
  soak_measure(st->after);
  st->done = 1;
  return 0;
}

/* ------------------------------------------------------------------------
 * The report.
 */

/* Sums the workers' counters into total; returns 1 if every worker's
 * resources came back to their baseline. Resident anonymous memory must be
 * the same too (within slack_kib), except where a memory checker replaced
 * malloc (mallinfo2() then sees no heap at all): ASan, TSan and valgrind
 * grow their own tables as they go, and check for leaks themselves. */
static int soak_sum(soak_stats *all, int procs, soak_stats *total, long slack_kib) {
  int p, op, k, same = 1;

  memset(total, 0, sizeof *total);
  for (p = 0; p < procs; p++) {
    soak_stats *s = &all[p];
    for (op = 0; op < OP_N; op++) {
      total->ops[op] += s->ops[op];
      for (k = 0; k < SOAK_ERR_SLOTS; k++) total->errors[op][k] += s->errors[op][k];
    }
    total->unexpected += s->unexpected;
    total->mismatches += s->mismatches;
    total->records_read += s->records_read;
    total->records_written += s->records_written;
    total->busy += s->busy;
    total->unpublished += s->unpublished;
    for (k = 0; k < RES_N; k++) {
      if (k == RES_RSS_ANON) {
        int checker = s->before[RES_HEAP] == 0 && s->after[RES_HEAP] == 0;
        if (!checker && s->after[k] > s->before[k] + slack_kib) same = 0;
      } else if (s->after[k] != s->before[k] || s->after[k] < 0) {
        same = 0;
      }
    }
  }
  return same;
}

static void soak_print_errors(const soak_stats *t) {
  int op, k, any = 0;

  printf("errors by code:");
  for (op = 0; op < OP_N; op++) {
    for (k = 0; k < SOAK_ERR_SLOTS; k++) {
      const char *name = PR_ErrorToName(SOAK_ERR_BASE + k);
      if (t->errors[op][k] == 0) continue;
      printf("%s %s %s %llu", any ? "," : "", soak_op_names[op], name ? name : "(other)",
             (unsigned long long)t->errors[op][k]);
      any = 1;
    }
  }
  printf("%s\n", any ? "" : " none");
}

static void soak_print_resources(const soak_stats *all, int procs) {
  int p, k;

  printf("resources per worker, before -> after:\n");
  for (p = 0; p < procs; p++) {
    printf("  worker %d:", p);
    for (k = 0; k < RES_N; k++)
      printf(" %s %ld -> %ld%s", soak_res_names[k], all[p].before[k], all[p].after[k],
             k + 1 < RES_N ? "," : "\n");
  }
}

static int soak_report(soak_stats *all, int procs, double seconds, long slack_kib, int quiet) {
  soak_stats t;
  uint64_t total = 0;
  int op, same = soak_sum(all, procs, &t, slack_kib), finished = 1, p;

  for (p = 0; p < procs; p++) finished &= all[p].done;
  for (op = 0; op < OP_N; op++) total += t.ops[op];
  printf("operations: %llu in %.1f s (%.0f/s):", (unsigned long long)total, seconds,
         (double)total / seconds);
  for (op = 0; op < OP_N; op++)
    printf(" %s %llu%s", soak_op_names[op], (unsigned long long)t.ops[op],
           op + 1 < OP_N ? "," : "\n");
  printf(
      "records: %llu read and checked, %llu written; %llu lock waits given up; %llu "
      "headers not yet published when attached\n",
      (unsigned long long)t.records_read, (unsigned long long)t.records_written,
      (unsigned long long)t.busy, (unsigned long long)t.unpublished);
  soak_print_errors(&t);
  printf("unexpected errors: %llu\n", (unsigned long long)t.unexpected);
  printf("data mismatches: %llu\n", (unsigned long long)t.mismatches);
  if (!quiet || !same)
    soak_print_resources(all, procs);
  else
    printf(
        "resources of worker 0, before -> after: descriptors %ld -> %ld, segment mappings %ld -> "
        "%ld, heap bytes %ld -> %ld, RSS anon KiB %ld -> %ld\n",
        all[0].before[RES_FDS], all[0].after[RES_FDS], all[0].before[RES_MAPS],
        all[0].after[RES_MAPS], all[0].before[RES_HEAP], all[0].after[RES_HEAP],
        all[0].before[RES_RSS_ANON], all[0].after[RES_RSS_ANON]);
  printf("resources back to baseline: %s\n", same ? "yes" : "NO");
  if (!finished) printf("a worker did not finish\n");
  return t.mismatches == 0 && t.unexpected == 0 && same && finished && total > 0;
}

/* ------------------------------------------------------------------------
 * main: options, the workers, the final cleanup.
 */

typedef struct soak_opts {
  int procs;       /* -p */
  double seconds;  /* -t */
  int names;       /* -n */
  PRSize max_size; /* -s */
  long slack_kib;  /* --rss-slack */
  int quiet;       /* -q: only the summary */
} soak_opts;

static int soak_usage(void) {
  fprintf(stderr,
          "usage: prshm_soak [-p PROCESSES] [-t SECONDS] [-n NAMES] [-s MAX_SIZE] "
          "[--rss-slack KIB] [-q]\n");
  return 2;
}

static int soak_parse(int argc, char **argv, soak_opts *o) {
  int i;

  o->procs = 8;
  o->seconds = 60;
  o->names = 16;
  o->max_size = 65536;
  o->slack_kib = 0;
  o->quiet = 0;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "-q") == 0) {
      o->quiet = 1;
      continue;
    }
    if (v == NULL) return -1;
    if (strcmp(a, "-p") == 0)
      o->procs = atoi(v);
    else if (strcmp(a, "-t") == 0)
      o->seconds = atof(v);
    else if (strcmp(a, "-n") == 0)
      o->names = atoi(v);
    else if (strcmp(a, "-s") == 0)
      o->max_size = (PRSize)strtoull(v, NULL, 10);
    else if (strcmp(a, "--rss-slack") == 0)
      o->slack_kib = atol(v);
    else
      return -1;
    i++;
  }
  if (o->procs < 1 || o->procs > SOAK_MAX_PROCS || o->seconds <= 0 || o->names < 1 ||
      o->max_size < sizeof(soak_head) + sizeof(soak_record) || o->slack_kib < 0)
    return -1;
  return 0;
}

/* Deletes every name of the set; returns how many were there. */
static int soak_delete_all(int names) {
  char name[96];
  int i, n = 0;

  for (i = 0; i < names; i++) {
    soak_name(i, name, sizeof name);
    n += PR_DeleteSharedMemory(name) == PR_SUCCESS;
  }
  return n;
}

/* 1 if no name of the set opens any more. */
static int soak_all_gone(int names) {
  char name[96];
  int i;

  for (i = 0; i < names; i++) {
    soak_name(i, name, sizeof name);
    if (PR_OpenSharedMemory(name, 0, 0, 0) != NULL || PR_GetError() != PR_FILE_NOT_FOUND_ERROR)
      return 0;
  }
  return 1;
}

static int soak_run(const soak_opts *o, soak_stats *all) {
  pid_t pids[SOAK_MAX_PROCS];
  int p, status, ok = 1;

  fflush(NULL);
  for (p = 0; p < o->procs; p++) {
    pids[p] = fork();
    if (pids[p] < 0) {
      perror("fork");
      return 0;
    }
    if (pids[p] == 0) _exit(soak_worker_main(p, o->names, o->max_size, o->seconds, &all[p]));
  }
  for (p = 0; p < o->procs; p++) {
    if (waitpid(pids[p], &status, 0) != pids[p] || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "soak: worker %d ended badly (status %#x)\n", p, status);
      ok = 0;
    }
  }
  return ok;
}

int main(int argc, char **argv) {
  soak_opts o;
  soak_stats *all;
  double start, took;
  int ok, left;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (soak_parse(argc, argv, &o) != 0) return soak_usage();
  (void)snprintf(soak_prefix, sizeof soak_prefix, "/prshm-soak-%ld-", (long)getpid());
  all = mmap(NULL, (size_t)o.procs * sizeof *all, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (all == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  printf("prshm soak: %d processes, %.1f s, %d names, segments up to %zu bytes, %s backend\n",
         o.procs, o.seconds, o.names, (size_t)o.max_size, prshm_backend_name());
  (void)soak_delete_all(o.names);
  start = soak_now();
  ok = soak_run(&o, all);
  took = soak_now() - start;
  ok = soak_report(all, o.procs, took, o.slack_kib, o.quiet) && ok;
  left = soak_delete_all(o.names);
  printf("segments left at the end (deleted now): %d of %d names\n", left, o.names);
  ok = soak_all_gone(o.names) && ok;
  printf("result: %s\n", ok ? "PASS" : "FAIL");
  munmap(all, (size_t)o.procs * sizeof *all);
  return ok ? 0 : 1;
}
