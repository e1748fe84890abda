/*
 * cmd_data.c - the prshm command's create and rm, and cat, dump and write:
 * making and removing segments, and their bytes.
 *
 * Sections: segments (create, rm); contents (cat, dump, write).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* ------------------------------------------------------------------------
 * Segments: create and rm.
 */

int tool_create(const tool_args *a) {
  PRIntn flags = PR_SHM_CREATE | PR_SHM_EXCL;
  PRSharedMemory *shm;
  PRUint64 size;

  if (tool_parse_size(a->pos[1], &size) != 0)
    return tool_usage("%s: not a size: give bytes, like 4096, 64K, 1M or 2GiB", a->pos[1]);
  if (size == 0) return tool_usage("a segment needs a size of at least 1 byte");
  if ((PRUint64)(PRSize)size != size)
    return tool_error(TOOL_EXIT_USAGE, a->pos[0], "%s: too large for this system", a->pos[1]);
  if ((a->given & OPT_SPARSE) != 0) flags |= PRSHM_SPARSE;
  shm = PR_OpenSharedMemory(a->pos[0], (PRSize)size, flags,
                            (a->given & OPT_MODE) != 0 ? a->mode : 0600);
  if (shm == NULL) return tool_fail(a->pos[0], 0);
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) return tool_fail(a->pos[0], 0);
  return 0;
}

int tool_rm(const tool_args *a) {
  const int object = tool_object_option(a);
  int i, rc = 0;

  for (i = 0; i < a->npos; i++) {
    PRStatus st = object == PRSHM_OBJECT_SEMAPHORE ? PR_DeleteSemaphore(a->pos[i])
                  : object == PRSHM_OBJECT_LOCK    ? prshm_lock_delete(a->pos[i])
                                                   : PR_DeleteSharedMemory(a->pos[i]);
    if (st != PR_SUCCESS) {
      int code = tool_fail(a->pos[i], 0);
      if (rc == 0) rc = code;
    }
  }
  return rc;
}

/* ------------------------------------------------------------------------
 * Contents: cat, dump and write.
 */

/* A segment opened and attached for cat, dump or write. */
typedef struct data_map {
  PRSharedMemory *shm; /* the handle */
  unsigned char *p;    /* the attachment */
  PRSize size;         /* its size: the whole segment */
} data_map;

/* Opens the segment of a->pos[0] (a native name with --native) whole and
 * attaches it; 0, or an exit code. */
static int data_attach(const tool_args *a, int readonly, data_map *m) {
  const char *name = a->pos[0];
  const int native = (a->given & OPT_NATIVE) != 0;
  int rc;

  /* Size 0 maps the whole segment, whatever its size. */
  m->shm = native ? prshm_open_native(name, 0, 0) : PR_OpenSharedMemory(name, 0, 0, 0);
  if (m->shm == NULL) return tool_fail(name, native);
  if (prshm_get_size(m->shm, &m->size) == PR_SUCCESS &&
      (m->p = PR_AttachSharedMemory(m->shm, readonly ? PR_SHM_READONLY : 0)) != NULL)
    return 0;
  rc = tool_fail(name, native);
  (void)PR_CloseSharedMemory(m->shm);
  return rc;
}

static int data_detach(const tool_args *a, data_map *m) {
  const int native = (a->given & OPT_NATIVE) != 0;
  int rc = 0;

  if (PR_DetachSharedMemory(m->shm, m->p) != PR_SUCCESS) rc = tool_fail(a->pos[0], native);
  if (PR_CloseSharedMemory(m->shm) != PR_SUCCESS && rc == 0) rc = tool_fail(a->pos[0], native);
  return rc;
}

/* Works out the range [*from, *from + *len) that --offset and --length
 * ask for; 0, or an exit code if it leaves the segment. */
static int data_range(const tool_args *a, const data_map *m, PRSize *from, PRSize *len) {
  const char *name = a->pos[0];

  if (a->offset > m->size)
    return tool_error(TOOL_EXIT_USAGE, name,
                      "offset %llu is past the end of the segment "
                      "(%llu bytes)",
                      (unsigned long long)a->offset, (unsigned long long)m->size);
  *from = (PRSize)a->offset;
  *len = m->size - *from;
  if ((a->given & OPT_LENGTH) != 0) {
    if (a->length > *len)
      return tool_error(TOOL_EXIT_USAGE, name,
                        "offset %llu plus length %llu goes past the end "
                        "of the segment (%llu bytes)",
                        (unsigned long long)a->offset, (unsigned long long)a->length,
                        (unsigned long long)m->size);
    *len = (PRSize)a->length;
  }
  return 0;
}

int tool_cat(const tool_args *a) {
  PRSize from = 0, len = 0; /* set by tool_range() when it succeeds */
  data_map m;
  int rc;

  if ((rc = data_attach(a, 1, &m)) != 0) return rc;
  rc = data_range(a, &m, &from, &len);
  if (rc == 0 && (fwrite(m.p + from, 1, len, stdout) != len || fflush(stdout) != 0))
    rc =
        tool_error(TOOL_EXIT_FAILURE, NULL, "cannot write to standard output: %s", strerror(errno));
  return data_detach(a, &m) != 0 && rc == 0 ? TOOL_EXIT_FAILURE : rc;
}

/* Prints one line of a hex dump: offset, 16 bytes in hex, as text. */
static void data_dump_line(PRUint64 offset, const unsigned char *p, size_t n) {
  size_t i;

  printf("%08llx ", (unsigned long long)offset);
  for (i = 0; i < 16; i++) {
    if (i == 8) putchar(' ');
    if (i < n)
      printf(" %02x", p[i]);
    else
      fputs("   ", stdout);
  }
  fputs("  |", stdout);
  for (i = 0; i < n; i++) putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
  fputs("|\n", stdout);
}

int tool_dump(const tool_args *a) {
  PRSize from = 0, len = 0, at; /* set by tool_range() when it succeeds */
  int rc, starred = 0;
  data_map m;

  if ((rc = data_attach(a, 1, &m)) != 0) return rc;
  rc = data_range(a, &m, &from, &len);
  for (at = 0; rc == 0 && at < len; at += 16) {
    size_t n = len - at < 16 ? (size_t)(len - at) : 16;
    /* A line like the one before is shown as one "*", as hexdump -C
     * does, so that a mostly empty segment dumps short. */
    if (at > 0 && n == 16 && memcmp(m.p + from + at, m.p + from + at - 16, 16) == 0) {
      if (!starred) puts("*");
      starred = 1;
      continue;
    }
    starred = 0;
    data_dump_line((PRUint64)(from + at), m.p + from + at, n);
  }
  if (rc == 0) printf("%08llx\n", (unsigned long long)(from + len));
  return data_detach(a, &m) != 0 && rc == 0 ? TOOL_EXIT_FAILURE : rc;
}

/* Reads standard input, but never more than `limit` bytes plus one (which
 * tells that there was more). Returns the buffer (free it) with its
 * length in *got, or NULL if reading failed or memory ran out. */
static unsigned char *data_read_stdin(PRSize limit, PRSize *got) {
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0;

  for (;;) {
    size_t want, r;
    if (n == cap) {
      size_t grown_cap = cap != 0 ? cap * 2 : 65536;
      unsigned char *grown = realloc(buf, grown_cap);
      if (grown == NULL) break;
      buf = grown;
      cap = grown_cap;
    }
    want = cap - n < limit + 1 - n ? cap - n : limit + 1 - n;
    r = fread(buf + n, 1, want, stdin);
    n += r;
    if (r < want || n > limit) {
      if (ferror(stdin)) break;
      *got = n;
      return buf;
    }
  }
  free(buf);
  return NULL;
}

int tool_write(const tool_args *a) {
  unsigned char *data;
  PRSize got = 0;
  data_map m;
  int rc;

  if ((rc = data_attach(a, 0, &m)) != 0) return rc;
  if (a->offset > m.size) {
    rc = tool_error(TOOL_EXIT_USAGE, a->pos[0],
                    "offset %llu is past the end of the segment "
                    "(%llu bytes)",
                    (unsigned long long)a->offset, (unsigned long long)m.size);
  } else if ((data = data_read_stdin(m.size - (PRSize)a->offset, &got)) == NULL) {
    rc = tool_error(TOOL_EXIT_FAILURE, NULL, "cannot read standard input");
  } else {
    /* Nothing is written unless all of it fits. */
    if (got > m.size - (PRSize)a->offset)
      rc = tool_error(TOOL_EXIT_USAGE, a->pos[0],
                      "the input does not fit: more than %llu "
                      "bytes from offset %llu to the end of the segment (%llu bytes); nothing "
                      "was written",
                      (unsigned long long)(m.size - (PRSize)a->offset),
                      (unsigned long long)a->offset, (unsigned long long)m.size);
    else
      memcpy(m.p + (PRSize)a->offset, data, got);
    free(data);
  }
  return data_detach(a, &m) != 0 && rc == 0 ? TOOL_EXIT_FAILURE : rc;
}
