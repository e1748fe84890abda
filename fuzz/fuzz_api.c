/*
 * fuzz_api.c - libFuzzer target for random sequences of the public calls.
 *
 * Each input is a little program: a stream of operations (open, attach,
 * detach, close, delete, write, verify, get_size, native_name) whose
 * arguments come from the following bytes: names from a small pool of this
 * process's own names (aliases of one another included) or built from
 * random bytes under this process's own prefix, sizes from tiny to 2^64-1,
 * random flags and modes, live, closed and forged handles, attached,
 * detached, shifted and random addresses.
 *
 * A model of the segments, handles and attachments predicts every result;
 * a call that succeeds when it must fail, fails with another code, or
 * returns memory whose bytes differ from the model's aborts the run. At the
 * end of every input everything is undone (attachments detached, handles
 * closed, names deleted) and the target checks that nothing is left: no
 * open handle in the registry, no extra descriptor, no mapping of a
 * segment, no segment under any name the input used.
 *
 * Names never leave "/prshm-fuzz-<pid>/" (or the pool's one relative
 * name, also carrying the pid): a random name that resolves elsewhere is
 * skipped, so the fuzzer never touches another program's segments.
 *
 * Sections: model, input reading, names, operations, cleanup, entry point.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define FA_MAX_OPS 96     /* operations per input */
#define FA_MAX_OBJ 64     /* segments one input may create */
#define FA_MAX_NAMES 24   /* distinct resolved names one input may use */
#define FA_MAX_HANDLES 16 /* handles open at once */
#define FA_MAX_ATTACH 32  /* attachments mapped at once */
#define FA_MAX_STALE 16   /* closed tokens and detached addresses kept */
#define FA_WRITES 8       /* writes remembered per segment */
#define FA_HUGE ((PRSize)1 << 40)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- Model ---- */

/* One segment the input created. */
typedef struct fa_obj {
  PRSize size;                  /* its real size */
  int mode;                     /* its permission bits */
  int nwrites;                  /* entries used in off/val */
  int forgot;                   /* a write was dropped: unwritten bytes unknown */
  PRSize off[FA_WRITES];        /* offsets written, the latest value each */
  unsigned char val[FA_WRITES]; /* the byte written at off[i] */
} fa_obj;

/* One resolved name the input used. */
typedef struct fa_name {
  char resolved[PRSHM__RESOLVED_MAX]; /* the name as prshm resolves it */
  char given[PRSHM__NAME_MAX + 1];    /* one spelling of it, to call with */
  int obj;                            /* the segment it names now, or -1 */
} fa_name;

/* One open handle. */
typedef struct fa_handle {
  PRSharedMemory *token; /* what PR_OpenSharedMemory() returned */
  int obj;               /* its segment */
  PRSize size;           /* what its attachments map */
  int writable;          /* read-write attaches allowed */
} fa_handle;

/* One mapping. */
typedef struct fa_attach {
  unsigned char *addr; /* where it is mapped */
  int handle;          /* index into fa_handles, or -1 once that is closed */
  int obj;             /* its segment */
  PRSize size;         /* bytes mapped */
  int rw;              /* attached read-write */
} fa_attach;

static fa_obj fa_objs[FA_MAX_OBJ];
static int fa_nobjs;
static fa_name fa_names[FA_MAX_NAMES];
static int fa_nnames;
static fa_handle fa_handles[FA_MAX_HANDLES];
static int fa_nhandles;
static fa_attach fa_atts[FA_MAX_ATTACH];
static int fa_natts;
static PRSharedMemory *fa_stale[FA_MAX_STALE]; /* closed tokens */
static int fa_nstale;
static void *fa_gone[FA_MAX_STALE]; /* detached addresses */
static int fa_ngone;

/* Fixed per process: the private prefix and the namespace directory. */
static char fa_prefix[64];
static char fa_ns_dir[PATH_MAX + 2]; /* the namespace directory, with a '/' */
static int fa_ready;
static int fa_is_root;

/* Reports a broken expectation and stops the run (libFuzzer saves the
 * input). The names the input used are deleted first, best effort, so a
 * failure leaves no segment behind either. */
static _Noreturn void fa_fail(const char *fmt, ...) {
  va_list ap;
  int i;

  fprintf(stderr, "fuzz_api: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (error %s, os error %d)\n", PR_ErrorToName(PR_GetError()),
          (int)PR_GetOSError());
  for (i = 0; i < fa_nnames; i++) (void)PR_DeleteSharedMemory(fa_names[i].given);
  abort();
}

/* A failed call must have failed with `want`. */
static void fa_expect_error(const char *op, PRErrorCode want) {
  if (PR_GetError() != want) fa_fail("%s: expected %s", op, PR_ErrorToName(want));
}

/* ---- Input reading ---- */

typedef struct fa_in {
  const uint8_t *p; /* next unread byte */
  size_t n;         /* bytes left */
} fa_in;

static unsigned fa_byte(fa_in *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

static uint64_t fa_u64(fa_in *in) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < 8; i++) v = v << 8 | fa_byte(in);
  return v;
}

/* ---- Names ---- */

/* Fills `out` (PRSHM__NAME_MAX + 64 bytes) with a name picked by the input;
 * returns NULL for the NULL name. */
static const char *fa_pick_name(fa_in *in, char *out) {
  unsigned sel = fa_byte(in), i, len;

  switch (sel % 16) {
    case 0:
      return NULL;
    case 1:
      return "";
    case 2:
      (void)snprintf(out, 64, "%s/a", fa_prefix);
      break;
    case 3:
      (void)snprintf(out, 64, "%s//a", fa_prefix);
      break; /* alias of a */
    case 4:
      (void)snprintf(out, 64, "%s/x/../a", fa_prefix);
      break; /* alias of a */
    case 5:
      (void)snprintf(out, 64, "%s/b", fa_prefix);
      break;
    case 6:
      (void)snprintf(out, 64, "%s/./b/", fa_prefix);
      break; /* alias of b */
    case 7:
      (void)snprintf(out, 64, "%s/d%%3A", fa_prefix);
      break; /* not d: */
    case 8:
      (void)snprintf(out, 64, "%s/d:", fa_prefix);
      break;
    case 9:
      (void)snprintf(out, 64, "%s-rel", fa_prefix + 1);
      break; /* relative */
    case 10:
    case 11: /* long: the hashed key, or too long a name */
      len = sel % 16 == 10 ? 300
                           : PRSHM__NAME_MAX + 1 - (unsigned)strlen(fa_prefix) + fa_byte(in) % 3;
      i = (unsigned)snprintf(out, 64, "%s/", fa_prefix);
      memset(out + i, 'L', len);
      out[i + len] = '\0';
      break;
    default: /* random bytes under the prefix */
      len = fa_byte(in) % 200;
      i = (unsigned)snprintf(out, 64, "%s/", fa_prefix);
      while (len-- > 0) {
        unsigned c = fa_byte(in);
        out[i++] = (char)(c != 0 ? c : '/');
      }
      out[i] = '\0';
      break;
  }
  return out;
}

/* The error PR_OpenSharedMemory() and PR_DeleteSharedMemory() give for
 * `name` before any OS work, or 0 if the name is acceptable. */
static PRErrorCode fa_name_error(const char *name) {
  if (name == NULL || name[0] == '\0') return PR_INVALID_ARGUMENT_ERROR;
  if (strlen(name) > PRSHM__NAME_MAX) return PR_NAME_TOO_LONG_ERROR;
  return 0;
}

/* The model's entry for an acceptable name; NULL if it resolves outside
 * this process's names (the operation is then skipped) or the table is
 * full. */
static fa_name *fa_lookup(const char *name) {
  char cwd[PATH_MAX + 1], r[PRSHM__RESOLVED_MAX];
  size_t plen = strlen(fa_prefix);
  int i;

  if (name[0] != '/' && getcwd(cwd, sizeof cwd) == NULL) return NULL;
  if (prshm__name_resolve(name[0] == '/' ? "/" : cwd, name, r, sizeof r) < 0) return NULL;
  if (name[0] == '/' && (strncmp(r, fa_prefix, plen) != 0 || r[plen] != '/')) return NULL;
  for (i = 0; i < fa_nnames; i++)
    if (strcmp(fa_names[i].resolved, r) == 0) return &fa_names[i];
  if (fa_nnames == FA_MAX_NAMES) return NULL;
  strcpy(fa_names[fa_nnames].resolved, r);
  strcpy(fa_names[fa_nnames].given, name);
  fa_names[fa_nnames].obj = -1;
  return &fa_names[fa_nnames++];
}

/* ---- Handles and addresses ---- */

/* The live handle whose token is `t`, or -1. */
static int fa_find_handle(PRSharedMemory *t) {
  int i;
  for (i = 0; i < fa_nhandles; i++)
    if (fa_handles[i].token == t) return i;
  return -1;
}

/* A token picked by the input: live, closed, forged or NULL. */
static PRSharedMemory *fa_pick_token(fa_in *in) {
  unsigned sel = fa_byte(in);

  switch (sel % 8) {
    case 0:
      return NULL;
    case 1:
      return fa_nstale > 0 ? fa_stale[fa_byte(in) % (unsigned)fa_nstale] : NULL;
    case 2:
      return (PRSharedMemory *)(uintptr_t)fa_u64(in); /* anything */
    case 3: /* well-formed tag, small index and generation */
      return (PRSharedMemory *)(((uintptr_t)(fa_byte(in) % 4) << 32) |
                                ((uintptr_t)(fa_byte(in) % 32) << 3) | 5u);
    case 4:
      return (PRSharedMemory *)&fa_handles[0]; /* a real address */
    default:
      return fa_nhandles > 0 ? fa_handles[fa_byte(in) % (unsigned)fa_nhandles].token : NULL;
  }
}

/* An address picked by the input: attached, shifted, detached or random. */
static void *fa_pick_addr(fa_in *in) {
  unsigned sel = fa_byte(in);

  switch (sel % 6) {
    case 0:
      return NULL;
    case 1:
      return fa_ngone > 0 ? fa_gone[fa_byte(in) % (unsigned)fa_ngone] : NULL;
    case 2:
      return (void *)(uintptr_t)fa_u64(in);
    case 3:
      return fa_natts > 0 ? fa_atts[fa_byte(in) % (unsigned)fa_natts].addr + 1 : NULL;
    default:
      return fa_natts > 0 ? fa_atts[fa_byte(in) % (unsigned)fa_natts].addr : NULL;
  }
}

static void fa_remember(void **list, int *n, void *v) {
  if (*n == FA_MAX_STALE) {
    memmove(list, list + 1, (FA_MAX_STALE - 1) * sizeof *list);
    (*n)--;
  }
  list[(*n)++] = v;
}

/* ---- Segment contents ---- */

/* The byte the model expects at `off` of `obj`: 0..255, or -1 unknown. */
static int fa_expected_byte(const fa_obj *o, PRSize off) {
  int i;
  for (i = 0; i < o->nwrites; i++)
    if (o->off[i] == off) return o->val[i];
  return o->forgot ? -1 : 0;
}

static void fa_record_write(fa_obj *o, PRSize off, unsigned char v) {
  int i;
  for (i = 0; i < o->nwrites; i++) {
    if (o->off[i] == off) {
      o->val[i] = v;
      return;
    }
  }
  if (o->nwrites == FA_WRITES) {
    memmove(o->off, o->off + 1, (FA_WRITES - 1) * sizeof o->off[0]);
    memmove(o->val, o->val + 1, FA_WRITES - 1);
    o->nwrites--;
    o->forgot = 1;
  }
  o->off[o->nwrites] = off;
  o->val[o->nwrites++] = v;
}

/* Checks what an attachment shows against the model: every remembered
 * write it covers, its first and last byte. */
static void fa_verify(const fa_attach *a) {
  const fa_obj *o = &fa_objs[a->obj];
  PRSize probes[2];
  int i, want;

  for (i = 0; i < o->nwrites; i++)
    if (o->off[i] < a->size && a->addr[o->off[i]] != o->val[i])
      fa_fail("byte %zu of segment %d is %u, wrote %u", (size_t)o->off[i], a->obj,
              a->addr[o->off[i]], o->val[i]);
  probes[0] = 0;
  probes[1] = a->size - 1;
  for (i = 0; i < 2; i++) {
    want = fa_expected_byte(o, probes[i]);
    if (want >= 0 && a->addr[probes[i]] != want)
      fa_fail("byte %zu of segment %d is %u, expected %d", (size_t)probes[i], a->obj,
              a->addr[probes[i]], want);
  }
}

/* ---- Operations ---- */

static PRSize fa_pick_size(fa_in *in) {
  static const PRSize fixed[] = {
      0, 1, 4095, 4096, 4097, (PRSize)1 << 20, FA_HUGE, (PRSize)INT64_MAX + 1, SIZE_MAX};
  unsigned sel = fa_byte(in);

  if (sel < 128) return (PRSize)(sel << 8 | fa_byte(in)) + 1; /* 1 .. 32 KiB */
  return fixed[sel % (sizeof fixed / sizeof fixed[0])];
}

/* Whether this process may open a segment of `mode` read-write / at all. */
static int fa_can_write(int mode) { return fa_is_root || (mode & 0200) != 0; }
static int fa_can_read(int mode) { return fa_is_root || (mode & 0400) != 0; }

/* The error open must give, or 0 if it must succeed (opening the existing
 * segment or creating one). *creates is set when it creates. */
static PRErrorCode fa_open_expect(const char *name, const fa_name *n, PRSize size, int flags,
                                  int mode, int *creates) {
  PRErrorCode e;
  const fa_obj *o;

  *creates = 0;
  if ((flags & ~PRSHM__OPEN_FLAGS) != 0 || (mode & ~0777) != 0 ||
      ((flags & PR_SHM_CREATE) != 0 && size == 0))
    return PR_INVALID_ARGUMENT_ERROR;
  if (size > PRSHM__SIZE_MAX) return PR_FILE_TOO_BIG_ERROR;
  if ((e = fa_name_error(name)) != 0) return e;
  if (n->obj < 0) {
    if ((flags & PR_SHM_CREATE) == 0) return PR_FILE_NOT_FOUND_ERROR;
    *creates = 1;
    return 0;
  }
  if ((flags & PR_SHM_CREATE) != 0 && (flags & PR_SHM_EXCL) != 0) return PR_FILE_EXISTS_ERROR;
  o = &fa_objs[n->obj];
  if (!fa_can_read(o->mode)) return PR_NO_ACCESS_RIGHTS_ERROR;
  return size > o->size ? PR_INVALID_ARGUMENT_ERROR : 0;
}

/* A huge create may be refused for want of memory; the model accepts it. */
static int fa_huge_refusal(PRSize size) {
  PRErrorCode e = PR_GetError();
  return size >= FA_HUGE && (e == PR_NO_DEVICE_SPACE_ERROR || e == PR_OUT_OF_MEMORY_ERROR ||
                             e == PR_FILE_TOO_BIG_ERROR);
}

static void fa_op_open(fa_in *in) {
  char buf[PRSHM__NAME_MAX + 64];
  const char *name = fa_pick_name(in, buf);
  PRSize size = fa_pick_size(in);
  unsigned fb = fa_byte(in), mb = fa_byte(in);
  int flags = (int)(fb & 0x80 ? fb << 1 : fb & 3) | (fb & 0x40 ? PRSHM_SPARSE : 0);
  /* Mostly valid modes; with the top bit of the first byte, any 12 bits. */
  int mode = (int)((mb << 8 | fa_byte(in)) & (mb & 0x80 ? 07777u : 0777u));
  fa_name *n = NULL;
  fa_handle *h;
  PRSharedMemory *t;
  PRErrorCode want;
  int creates;

  if (fa_name_error(name) == 0 && (n = fa_lookup(name)) == NULL) return;
  if (fa_nhandles == FA_MAX_HANDLES || fa_nobjs == FA_MAX_OBJ) return;
  if (n == NULL) { /* a bad name: nothing to model */
    if (PR_OpenSharedMemory(name, size, flags, mode) != NULL) fa_fail("open of a bad name");
    want = (flags & ~PRSHM__OPEN_FLAGS) != 0 || (mode & ~0777) != 0 ||
                   ((flags & PR_SHM_CREATE) != 0 && size == 0)
               ? PR_INVALID_ARGUMENT_ERROR
           : size > PRSHM__SIZE_MAX ? PR_FILE_TOO_BIG_ERROR
                                    : fa_name_error(name);
    fa_expect_error("open of a bad name", want);
    return;
  }
  want = fa_open_expect(name, n, size, flags, mode, &creates);
  t = PR_OpenSharedMemory(name, size, flags, mode);
  if (t == NULL) {
    if (want == 0 && creates && fa_huge_refusal(size)) return;
    /* An exclusive create of an existing name with a size no segment can
     * have: the Linux backend sizes the new file before it tries the name,
     * the portable one the other way round. Either refusal is right. */
    if (want == PR_FILE_EXISTS_ERROR && fa_huge_refusal(size)) return;
    if (want == 0) fa_fail("open of %s failed", n->resolved);
    fa_expect_error("open", want);
    return;
  }
  if (want != 0) fa_fail("open of %s succeeded, expected %s", n->resolved, PR_ErrorToName(want));
  h = &fa_handles[fa_nhandles++];
  h->token = t;
  if (creates) {
    fa_obj *o = &fa_objs[fa_nobjs];
    memset(o, 0, sizeof *o);
    o->size = size;
    o->mode = mode;
    n->obj = fa_nobjs++;
  }
  h->obj = n->obj;
  h->size = size != 0 ? size : fa_objs[n->obj].size;
  h->writable = creates || fa_can_write(fa_objs[n->obj].mode);
}

static void fa_op_attach(fa_in *in) {
  PRSharedMemory *t = fa_pick_token(in);
  unsigned fb = fa_byte(in);
  int flags = (int)(fb & 0x80 ? fb : fb & PR_SHM_READONLY);
  int hi = fa_find_handle(t);
  PRErrorCode want = 0;
  fa_attach *a;
  void *addr;

  if (fa_natts == FA_MAX_ATTACH) return;
  if ((flags & ~PR_SHM_READONLY) != 0 || hi < 0)
    want = PR_INVALID_ARGUMENT_ERROR;
  else if ((flags & PR_SHM_READONLY) == 0 && !fa_handles[hi].writable)
    want = PR_NO_ACCESS_RIGHTS_ERROR;
  addr = PR_AttachSharedMemory(t, flags);
  if (addr == NULL) {
    if (want == 0 && fa_handles[hi].size >= FA_HUGE && PR_GetError() == PR_OUT_OF_MEMORY_ERROR)
      return;
    if (want == 0) fa_fail("attach failed");
    fa_expect_error("attach", want);
    return;
  }
  if (want != 0) fa_fail("attach succeeded, expected %s", PR_ErrorToName(want));
  a = &fa_atts[fa_natts++];
  a->addr = addr;
  a->handle = hi;
  a->obj = fa_handles[hi].obj;
  a->size = fa_handles[hi].size;
  a->rw = (flags & PR_SHM_READONLY) == 0;
  fa_verify(a);
}

static void fa_drop_att(int i) { fa_atts[i] = fa_atts[--fa_natts]; }

static void fa_op_detach(fa_in *in) {
  PRSharedMemory *t = fa_pick_token(in);
  void *addr = fa_pick_addr(in);
  int hi = fa_find_handle(t), i, match = -1;

  for (i = 0; hi >= 0 && i < fa_natts; i++)
    if (fa_atts[i].handle == hi && fa_atts[i].addr == addr) match = i;
  if (PR_DetachSharedMemory(t, addr) != PR_SUCCESS) {
    if (match >= 0) fa_fail("detach of an attached address failed");
    fa_expect_error("detach", PR_INVALID_ARGUMENT_ERROR);
    return;
  }
  if (match < 0) fa_fail("detach of %p succeeded though not attached through that handle", addr);
  fa_remember(fa_gone, &fa_ngone, addr);
  fa_drop_att(match);
}

static void fa_close_handle(int hi) {
  int i;

  for (i = 0; i < fa_natts; i++) {
    /* Close leaves attachments mapped: they stay, now unreachable through
     * the API, and the cleanup unmaps them itself. */
    if (fa_atts[i].handle == hi)
      fa_atts[i].handle = -1;
    else if (fa_atts[i].handle == fa_nhandles - 1)
      fa_atts[i].handle = hi;
  }
  fa_remember((void **)fa_stale, &fa_nstale, fa_handles[hi].token);
  fa_handles[hi] = fa_handles[--fa_nhandles];
}

static void fa_op_close(fa_in *in) {
  PRSharedMemory *t = fa_pick_token(in);
  int hi = fa_find_handle(t);

  if (PR_CloseSharedMemory(t) != PR_SUCCESS) {
    if (hi >= 0) fa_fail("close of an open handle failed");
    fa_expect_error("close", PR_INVALID_ARGUMENT_ERROR);
    return;
  }
  if (hi < 0) fa_fail("close of a token that is not open succeeded");
  fa_close_handle(hi);
}

static void fa_op_delete(fa_in *in) {
  char buf[PRSHM__NAME_MAX + 64];
  const char *name = fa_pick_name(in, buf);
  PRErrorCode e = fa_name_error(name);
  fa_name *n = e == 0 ? fa_lookup(name) : NULL;

  if (e == 0 && n == NULL) return;
  if (e == 0 && n->obj < 0) e = PR_FILE_NOT_FOUND_ERROR;
  if (PR_DeleteSharedMemory(name) != PR_SUCCESS) {
    if (e == 0) fa_fail("delete of %s failed", n->resolved);
    fa_expect_error("delete", e);
    return;
  }
  if (e != 0) fa_fail("delete succeeded, expected %s", PR_ErrorToName(e));
  n->obj = -1; /* attachments and handles keep the segment itself */
}

static void fa_op_write(fa_in *in) {
  unsigned sel = fa_byte(in);
  fa_attach *a;
  PRSize off;
  unsigned char v;
  int k;

  if (fa_natts == 0) return;
  a = &fa_atts[sel % (unsigned)fa_natts];
  off = (PRSize)(fa_u64(in) % a->size);
  v = (unsigned char)fa_byte(in);
  if (!a->rw) return;
  /* Writes go to the segment: every mapping of it must see them. */
  a->addr[off] = v;
  fa_record_write(&fa_objs[a->obj], off, v);
  for (k = 0; k < fa_natts; k++)
    if (fa_atts[k].obj == a->obj) fa_verify(&fa_atts[k]);
}

static void fa_op_get_size(fa_in *in) {
  PRSharedMemory *t = fa_pick_token(in);
  int hi = fa_find_handle(t), null_out = (fa_byte(in) & 7) == 0;
  PRSize s = 0;

  if (prshm_get_size(t, null_out ? NULL : &s) != PR_SUCCESS) {
    if (hi >= 0 && !null_out) fa_fail("get_size of an open handle failed");
    fa_expect_error("get_size", PR_INVALID_ARGUMENT_ERROR);
    return;
  }
  if (hi < 0 || null_out) fa_fail("get_size succeeded on a bad argument");
  if (s != fa_handles[hi].size) fa_fail("get_size %zu, expected %zu", s, fa_handles[hi].size);
}

static void fa_op_native_name(fa_in *in) {
  static const PRSize sizes[] = {0, 1, 8, 40, 300, PRSHM_NATIVE_NAME_MAX};
  char nbuf[PRSHM__NAME_MAX + 64], out[PRSHM_NATIVE_NAME_MAX];
  const char *name = fa_pick_name(in, nbuf);
  unsigned sel = fa_byte(in);
  PRSize size = sizes[sel % (sizeof sizes / sizeof sizes[0])];
  char *buf = (sel & 0x80) != 0 ? NULL : out;
  PRErrorCode e = buf == NULL ? PR_INVALID_ARGUMENT_ERROR : fa_name_error(name);

  memset(out, 0x7f, sizeof out);
  if (prshm_native_name(name, buf, size) != PR_SUCCESS) {
    /* A size of 0 may be refused as an argument before the name is looked
     * at, or as too small after; the header allows both readings. */
    if (size == 0 && buf != NULL && PR_GetError() == PR_INVALID_ARGUMENT_ERROR) return;
    /* A valid name fails only for want of room. */
    fa_expect_error("native_name", e != 0 ? e : PR_BUFFER_OVERFLOW_ERROR);
    return;
  }
  if (e != 0) fa_fail("native_name succeeded, expected %s", PR_ErrorToName(e));
  if (memchr(out, '\0', size) == NULL) fa_fail("native name not terminated in its buffer");
  /* A shm_open() name is "/" + key: one '/' and nothing to climb with. */
  if (getenv(PRSHM_DIR_ENV) == NULL && (out[0] != '/' || strchr(out + 1, '/') != NULL))
    fa_fail("native name %s leaves the namespace", out);
}

/* ---- Cleanup and the checks that nothing is left ---- */

/* The descriptors of this process open on a file of the namespace: named
 * segments, deleted ones, and unnamed files of an unfinished create. Other
 * descriptors (libFuzzer's symbolizer pipes) come and go on their own. */
static long fa_count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  char path[64], target[PATH_MAX + 1];
  long n = 0;

  if (d == NULL) fa_fail("cannot list descriptors");
  while ((e = readdir(d)) != NULL) {
    ssize_t len;
    if (e->d_name[0] == '.') continue;
    (void)snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    len = readlink(path, target, sizeof target - 1);
    if (len <= 0) continue;
    target[len] = '\0';
    if (strncmp(target, fa_ns_dir, strlen(fa_ns_dir)) == 0) n++;
  }
  closedir(d);
  return n;
}

/* Whether this process still maps any segment of the namespace. */
static int fa_maps_segment(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[PATH_MAX + 128];
  int found = 0;

  if (f == NULL) return 0;
  while (!found && fgets(line, sizeof line, f) != NULL) found = strstr(line, fa_ns_dir) != NULL;
  fclose(f);
  return found;
}

static void fa_cleanup(void) {
  int i;

  while (fa_natts > 0) {
    fa_attach *a = &fa_atts[fa_natts - 1];
    fa_verify(a);
    if (a->handle >= 0) {
      if (PR_DetachSharedMemory(fa_handles[a->handle].token, a->addr) != PR_SUCCESS)
        fa_fail("final detach failed");
    } else if (munmap(a->addr, a->size) != 0) {
      fa_fail("unmapping an attachment left by close failed");
    }
    fa_natts--;
  }
  while (fa_nhandles > 0) {
    if (PR_CloseSharedMemory(fa_handles[fa_nhandles - 1].token) != PR_SUCCESS)
      fa_fail("final close failed");
    fa_nhandles--;
  }
  for (i = 0; i < fa_nnames; i++) {
    if (fa_names[i].obj >= 0 && PR_DeleteSharedMemory(fa_names[i].given) != PR_SUCCESS)
      fa_fail("final delete of %s failed", fa_names[i].resolved);
    if (PR_OpenSharedMemory(fa_names[i].given, 0, 0, 0) != NULL)
      fa_fail("%s still opens after its delete", fa_names[i].resolved);
    fa_expect_error("open after the final delete", PR_FILE_NOT_FOUND_ERROR);
  }
  if (prshm__registry_count() != 0) fa_fail("%zu handles left open", prshm__registry_count());
  if (fa_count_fds() != 0) fa_fail("%ld descriptors of segments left open", fa_count_fds());
  if (fa_maps_segment()) fa_fail("a segment is still mapped");
  fa_nobjs = fa_nnames = fa_nstale = fa_ngone = 0;
}

static void fa_init(void) {
  const char *dir = getenv(PRSHM_DIR_ENV);

  (void)snprintf(fa_prefix, sizeof fa_prefix, "/prshm-fuzz-%ld", (long)getpid());
  (void)snprintf(fa_ns_dir, sizeof fa_ns_dir, "%s/", dir != NULL ? dir : "/dev/shm");
  fa_is_root = geteuid() == 0;
  fa_ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fa_in in = {data, size};
  int ops = 0;

  if (!fa_ready) fa_init();
  while (in.n > 0 && ops++ < FA_MAX_OPS) {
    switch (fa_byte(&in) % 10) {
      case 0:
        fa_op_open(&in);
        break;
      case 1:
        fa_op_open(&in);
        break; /* opening is what everything needs */
      case 2:
        fa_op_attach(&in);
        break;
      case 3:
        fa_op_detach(&in);
        break;
      case 4:
        fa_op_close(&in);
        break;
      case 5:
        fa_op_delete(&in);
        break;
      case 6:
        fa_op_write(&in);
        break;
      case 7: {
        unsigned sel = fa_byte(&in);
        if (fa_natts > 0) fa_verify(&fa_atts[sel % (unsigned)fa_natts]);
        break;
      }
      case 8:
        fa_op_get_size(&in);
        break;
      default:
        fa_op_native_name(&in);
        break;
    }
  }
  fa_cleanup();
  return 0;
}
