/*
 * fuzz_sem.c - libFuzzer target for random sequences of the semaphore and
 * lock calls (pripcsem.h, and prshm_ext.h's extensions).
 *
 * Each input is a little program: a stream of operations (open, close,
 * delete, post, wait, try-wait, timed wait, get-value of semaphores; open,
 * close, delete, acquire, try-acquire, timed acquire, release of locks)
 * whose arguments come from the following bytes: names from a small pool
 * of this process's own names (aliases of one another included) or built
 * from random bytes under this process's own prefix, random flags, modes
 * and initial values up to 2^32 - 1, and live, closed, forged and
 * other-kind handles (a segment's, a lock's for a semaphore call and the
 * reverse).
 *
 * A model predicts every result: each semaphore's value, each lock's
 * holder (this thread or nobody), what every name designates. A call that
 * succeeds when it must fail, fails with another code, or leaves a value
 * other than the model's aborts the run. The process is one thread, so a
 * wait is made only when the model says it cannot sleep. At the end of
 * every input everything is undone (locks released, handles closed, names
 * deleted) and the target checks that nothing is left: no open handle in
 * the registry, no descriptor or mapping of the namespace, no semaphore or
 * lock under any name the input used.
 *
 * Names never leave "/prshm-fuzzsem-<pid>/" (or the pool's one relative
 * name, also carrying the pid): a random name that resolves elsewhere is
 * skipped, so the fuzzer never touches another program's objects.
 *
 * Sections: model, input, names, handles, semaphore operations, lock
 * operations, cleanup, entry point.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pripcsem.h"

#define FS_MAX_OPS 128    /* operations per input */
#define FS_MAX_OBJ 48     /* semaphores and locks one input may create */
#define FS_MAX_NAMES 16   /* distinct resolved names one input may use */
#define FS_MAX_HANDLES 16 /* handles of each kind open at once */
#define FS_MAX_STALE 16   /* closed tokens kept */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- Model ---- */

enum { FS_SEM = 0, FS_LOCK = 1 };

/* One semaphore or lock the input created. */
typedef struct fs_obj {
  int kind;       /* FS_SEM or FS_LOCK */
  PRUint32 value; /* a semaphore's value */
  int held;       /* a lock: this thread holds it */
} fs_obj;

/* One resolved name the input used. */
typedef struct fs_name {
  char resolved[PRSHM__RESOLVED_MAX]; /* the name as prshm resolves it */
  char given[PRSHM__NAME_MAX + 1];    /* one spelling of it, to call with */
  int obj[2];                         /* its semaphore and lock now, or -1 */
} fs_name;

/* One open handle. */
typedef struct fs_handle {
  void *token; /* what the open returned */
  int obj;     /* its object */
} fs_handle;

static fs_obj fs_objs[FS_MAX_OBJ];
static int fs_nobjs;
static fs_name fs_names[FS_MAX_NAMES];
static int fs_nnames;
static fs_handle fs_handles[2][FS_MAX_HANDLES]; /* [FS_SEM] and [FS_LOCK] */
static int fs_nhandles[2];
static void *fs_stale[FS_MAX_STALE]; /* closed tokens of either kind */
static int fs_nstale;
static PRSharedMemory *fs_segment; /* a segment's handle, of the pool's name "a" */

/* Fixed per process. */
static char fs_prefix[64];
static char fs_ns_dir[PATH_MAX + 2]; /* the namespace directory, with a '/' */
static PRUint32 fs_max;              /* prshm_sem_value_max() */
static int fs_ready;

/* Reports a broken expectation and stops the run (libFuzzer saves the
 * input). The names the input used are deleted first, best effort. */
static _Noreturn void fs_fail(const char *fmt, ...) {
  va_list ap;
  int i;

  fprintf(stderr, "fuzz_sem: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (error %s, os error %d)\n", PR_ErrorToName(PR_GetError()),
          (int)PR_GetOSError());
  for (i = 0; i < fs_nnames; i++) {
    (void)PR_DeleteSemaphore(fs_names[i].given);
    (void)prshm_lock_delete(fs_names[i].given);
  }
  abort();
}

/* A failed call must have failed with `want`. */
static void fs_expect_error(const char *op, PRErrorCode want) {
  if (PR_GetError() != want)
    fs_fail("%s: expected %s, got %s", op, PR_ErrorToName(want), PR_ErrorToName(PR_GetError()));
}

/* A call's outcome against the model: `ok` is what it returned, `want` 0
 * for success or the error it must give. */
static void fs_check(const char *op, int ok, PRErrorCode want) {
  if (ok && want != 0) fs_fail("%s succeeded, expected %s", op, PR_ErrorToName(want));
  if (!ok && want == 0) fs_fail("%s failed", op);
  if (!ok) fs_expect_error(op, want);
}

/* ---- Input ---- */

typedef struct fs_in {
  const uint8_t *p; /* next unread byte */
  size_t n;         /* bytes left */
} fs_in;

static unsigned fs_byte(fs_in *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

static PRUint32 fs_u32(fs_in *in) {
  PRUint32 v = 0;
  int i;
  for (i = 0; i < 4; i++) v = v << 8 | fs_byte(in);
  return v;
}

/* ---- Names ---- */

/* Fills `out` (PRSHM__NAME_MAX + 64 bytes) with a name picked by the input;
 * returns NULL for the NULL name. */
static const char *fs_pick_name(fs_in *in, char *out) {
  unsigned sel = fs_byte(in), i, len;

  switch (sel % 12) {
    case 0:
      return NULL;
    case 1:
      return "";
    case 2:
    case 3:
      (void)snprintf(out, 64, "%s/a", fs_prefix);
      break;
    case 4:
      (void)snprintf(out, 64, "%s/x/../a", fs_prefix);
      break; /* alias of a */
    case 5:
      (void)snprintf(out, 64, "%s/b", fs_prefix);
      break;
    case 6:
      (void)snprintf(out, 64, "%s/./b/", fs_prefix);
      break; /* alias of b */
    case 7:
      (void)snprintf(out, 64, "%s-rel", fs_prefix + 1);
      break; /* relative */
    case 8:
    case 9: /* long: the hashed key, or too long a name */
      len =
          sel % 12 == 8 ? 300 : PRSHM__NAME_MAX + 1 - (unsigned)strlen(fs_prefix) + fs_byte(in) % 3;
      i = (unsigned)snprintf(out, 64, "%s/", fs_prefix);
      memset(out + i, 'L', len);
      out[i + len] = '\0';
      break;
    default: /* random bytes under the prefix */
      len = fs_byte(in) % 40;
      i = (unsigned)snprintf(out, 64, "%s/", fs_prefix);
      while (len-- > 0) {
        unsigned c = fs_byte(in);
        out[i++] = (char)(c != 0 ? c : '/');
      }
      out[i] = '\0';
      break;
  }
  return out;
}

/* The error every call taking a name gives for `name` before any OS work,
 * or 0 if the name is acceptable. */
static PRErrorCode fs_name_error(const char *name) {
  if (name == NULL || name[0] == '\0') return PR_INVALID_ARGUMENT_ERROR;
  if (strlen(name) > PRSHM__NAME_MAX) return PR_NAME_TOO_LONG_ERROR;
  return 0;
}

/* The model's entry for an acceptable name; NULL if it resolves outside
 * this process's names (the operation is then skipped) or the table is
 * full. */
static fs_name *fs_lookup(const char *name) {
  char cwd[PATH_MAX + 1], r[PRSHM__RESOLVED_MAX];
  size_t plen = strlen(fs_prefix);
  int i;

  if (name[0] != '/' && getcwd(cwd, sizeof cwd) == NULL) return NULL;
  if (prshm__name_resolve(name[0] == '/' ? "/" : cwd, name, r, sizeof r) < 0) return NULL;
  if (name[0] == '/' && (strncmp(r, fs_prefix, plen) != 0 || r[plen] != '/')) return NULL;
  for (i = 0; i < fs_nnames; i++)
    if (strcmp(fs_names[i].resolved, r) == 0) return &fs_names[i];
  if (fs_nnames == FS_MAX_NAMES) return NULL;
  strcpy(fs_names[fs_nnames].resolved, r);
  strcpy(fs_names[fs_nnames].given, name);
  fs_names[fs_nnames].obj[FS_SEM] = fs_names[fs_nnames].obj[FS_LOCK] = -1;
  return &fs_names[fs_nnames++];
}

/* ---- Handles ---- */

/* The live handle of `kind` whose token is `t`, or -1. */
static int fs_find(int kind, void *t) {
  int i;
  for (i = 0; i < fs_nhandles[kind]; i++)
    if (fs_handles[kind][i].token == t) return i;
  return -1;
}

/* A token picked by the input for a call on `kind`: live, closed, forged,
 * NULL, or a live handle of another kind. */
static void *fs_pick_token(fs_in *in, int kind) {
  unsigned sel = fs_byte(in);
  int other = 1 - kind;

  switch (sel % 10) {
    case 0:
      return NULL;
    case 1:
      return fs_nstale > 0 ? fs_stale[fs_byte(in) % (unsigned)fs_nstale] : NULL;
    case 2:
      return (void *)(uintptr_t)((uint64_t)fs_u32(in) << 32 | fs_u32(in)); /* anything */
    case 3: /* well-formed tag, small index and generation */
      return (void *)(((uintptr_t)(fs_byte(in) % 4) << 32) | ((uintptr_t)(fs_byte(in) % 32) << 3) |
                      5u);
    case 4:
      return fs_segment;
    case 5:
      return fs_nhandles[other] > 0
                 ? fs_handles[other][fs_byte(in) % (unsigned)fs_nhandles[other]].token
                 : (void *)&fs_handles[0][0];
    default:
      return fs_nhandles[kind] > 0
                 ? fs_handles[kind][fs_byte(in) % (unsigned)fs_nhandles[kind]].token
                 : NULL;
  }
}

static void fs_remember(void *t) {
  if (fs_nstale == FS_MAX_STALE) {
    memmove(fs_stale, fs_stale + 1, (FS_MAX_STALE - 1) * sizeof *fs_stale);
    fs_nstale--;
  }
  fs_stale[fs_nstale++] = t;
}

static void fs_drop(int kind, int hi) {
  fs_remember(fs_handles[kind][hi].token);
  fs_handles[kind][hi] = fs_handles[kind][--fs_nhandles[kind]];
}

/* Opens (kind FS_SEM: PR_OpenSemaphore, FS_LOCK: prshm_lock_open) with
 * arguments from the input, and checks the outcome. */
static void fs_op_open(fs_in *in, int kind) {
  char buf[PRSHM__NAME_MAX + 64];
  const char *name = fs_pick_name(in, buf);
  unsigned fb = fs_byte(in), mb = fs_byte(in), vb = fs_byte(in);
  int flags = (int)(fb & 0x80 ? fb << 1 : fb & 3);
  int mode = (int)((mb << 8 | fs_byte(in)) & (mb & 0x80 ? 07777u : 0777u));
  static const PRUint32 fixed[] = {0, 1, 2, 0x7ffe, 0x7fff, 0x8000, 0xffff, 0x10000};
  PRUint32 value = vb < 128   ? vb % 4
                   : vb < 192 ? fixed[vb % 8]
                   : vb < 224 ? fs_max - vb % 3 + 1 /* max - 1 .. max + 1 */
                              : fs_u32(in);
  PRErrorCode want = 0;
  fs_name *n = NULL;
  void *t;
  int creates = 0;

  if (fs_name_error(name) == 0 && (n = fs_lookup(name)) == NULL) return;
  if (fs_nhandles[kind] == FS_MAX_HANDLES || fs_nobjs == FS_MAX_OBJ) return;
  if ((flags & ~(PR_SEM_CREATE | PR_SEM_EXCL)) != 0 || (mode & ~0777) != 0 ||
      (kind == FS_SEM && (flags & PR_SEM_CREATE) != 0 && value > fs_max))
    want = PR_INVALID_ARGUMENT_ERROR;
  else if (n == NULL)
    want = fs_name_error(name);
  else if (n->obj[kind] < 0)
    want = (flags & PR_SEM_CREATE) != 0 ? (creates = 1, 0) : PR_FILE_NOT_FOUND_ERROR;
  else if ((flags & PR_SEM_CREATE) != 0 && (flags & PR_SEM_EXCL) != 0)
    want = PR_FILE_EXISTS_ERROR;
  if (kind == FS_SEM)
    t = PR_OpenSemaphore(name, flags, mode, value);
  else
    t = prshm_lock_open(name, flags, mode);
  fs_check(kind == FS_SEM ? "semaphore open" : "lock open", t != NULL, want);
  if (t == NULL) return;
  if (creates) {
    fs_objs[fs_nobjs].kind = kind;
    fs_objs[fs_nobjs].value = value;
    fs_objs[fs_nobjs].held = 0;
    n->obj[kind] = fs_nobjs++;
  }
  fs_handles[kind][fs_nhandles[kind]].token = t;
  fs_handles[kind][fs_nhandles[kind]++].obj = n->obj[kind];
}

static void fs_op_close(fs_in *in, int kind) {
  void *t = fs_pick_token(in, kind);
  int hi = fs_find(kind, t);
  PRStatus rv;

  /* Closing the handle through which this thread holds a lock keeps the
   * lock's object mapped until the process exits (its address is on the
   * thread's robust list; docs/semaphores.md), and every later input would
   * find it mapped: a held lock is released before any of its handles
   * closes (a release through any handle of it will do). */
  if (kind == FS_LOCK && hi >= 0 && fs_objs[fs_handles[FS_LOCK][hi].obj].held) {
    if (prshm_lock_release(t) != PR_SUCCESS) fs_fail("release before the last close failed");
    fs_objs[fs_handles[FS_LOCK][hi].obj].held = 0;
  }
  rv = kind == FS_SEM ? PR_CloseSemaphore(t) : prshm_lock_close(t);

  fs_check("close", rv == PR_SUCCESS, hi >= 0 ? 0 : PR_INVALID_ARGUMENT_ERROR);
  if (hi >= 0) fs_drop(kind, hi);
}

static void fs_op_delete(fs_in *in, int kind) {
  char buf[PRSHM__NAME_MAX + 64];
  const char *name = fs_pick_name(in, buf);
  PRErrorCode e = fs_name_error(name);
  fs_name *n = e == 0 ? fs_lookup(name) : NULL;
  PRStatus rv;

  if (e == 0 && n == NULL) return;
  if (e == 0 && n->obj[kind] < 0) e = PR_FILE_NOT_FOUND_ERROR;
  rv = kind == FS_SEM ? PR_DeleteSemaphore(name) : prshm_lock_delete(name);
  fs_check("delete", rv == PR_SUCCESS, e);
  if (rv == PR_SUCCESS) n->obj[kind] = -1; /* handles keep the object itself */
}

/* ---- Semaphore operations ---- */

/* Checks a semaphore's value through a handle of it. */
static void fs_verify_value(int hi) {
  PRUint32 v = 0;
  const fs_obj *o = &fs_objs[fs_handles[FS_SEM][hi].obj];

  if (prshm_sem_getvalue(fs_handles[FS_SEM][hi].token, &v) != PR_SUCCESS)
    fs_fail("getvalue of an open semaphore failed");
  if (v != o->value) fs_fail("semaphore value %u, expected %u", v, o->value);
}

static void fs_op_post(fs_in *in) {
  void *t = fs_pick_token(in, FS_SEM);
  int hi = fs_find(FS_SEM, t);
  fs_obj *o = hi >= 0 ? &fs_objs[fs_handles[FS_SEM][hi].obj] : NULL;
  PRErrorCode want = o == NULL            ? PR_INVALID_ARGUMENT_ERROR
                     : o->value == fs_max ? PR_RANGE_ERROR
                                          : 0;

  fs_check("post", PR_PostSemaphore(t) == PR_SUCCESS, want);
  if (want == 0) o->value++;
  if (hi >= 0) fs_verify_value(hi);
}

/* One of the waits: 0 PR_WaitSemaphore (made only when it cannot sleep),
 * 1 prshm_sem_trywait, 2 prshm_sem_timedwait with 0 or 1 ms. */
static void fs_op_wait(fs_in *in, int how) {
  void *t = fs_pick_token(in, FS_SEM);
  PRUint32 ms = fs_byte(in) & 1;
  int hi = fs_find(FS_SEM, t);
  fs_obj *o = hi >= 0 ? &fs_objs[fs_handles[FS_SEM][hi].obj] : NULL;
  PRErrorCode want = o == NULL      ? PR_INVALID_ARGUMENT_ERROR
                     : o->value > 0 ? 0
                     : how == 1     ? PR_WOULD_BLOCK_ERROR
                                    : PR_IO_TIMEOUT_ERROR;
  PRStatus rv;

  if (how == 0 && want == PR_IO_TIMEOUT_ERROR) return; /* it would sleep for ever */
  rv = how == 0   ? PR_WaitSemaphore(t)
       : how == 1 ? prshm_sem_trywait(t)
                  : prshm_sem_timedwait(t, ms);
  fs_check("wait", rv == PR_SUCCESS, want);
  if (want == 0) o->value--;
  if (hi >= 0) fs_verify_value(hi);
}

static void fs_op_getvalue(fs_in *in) {
  void *t = fs_pick_token(in, FS_SEM);
  int hi = fs_find(FS_SEM, t), null_out = (fs_byte(in) & 7) == 0;
  PRUint32 v = 0;
  PRStatus rv = prshm_sem_getvalue(t, null_out ? NULL : &v);

  fs_check("getvalue", rv == PR_SUCCESS, hi >= 0 && !null_out ? 0 : PR_INVALID_ARGUMENT_ERROR);
  if (rv == PR_SUCCESS && v != fs_objs[fs_handles[FS_SEM][hi].obj].value)
    fs_fail("getvalue %u, expected %u", v, fs_objs[fs_handles[FS_SEM][hi].obj].value);
}

/* ---- Lock operations ---- */

/* One of the acquires: 0 prshm_lock_acquire (a lock of this thread's is
 * PR_DEADLOCK_ERROR, never a sleep), 1 try, 2 timed with 0 or 1 ms. */
static void fs_op_acquire(fs_in *in, int how) {
  void *t = fs_pick_token(in, FS_LOCK);
  unsigned b = fs_byte(in);
  PRUint32 ms = b & 1;
  int hi = fs_find(FS_LOCK, t), null_died = (b & 6) == 0;
  fs_obj *o = hi >= 0 ? &fs_objs[fs_handles[FS_LOCK][hi].obj] : NULL;
  PRErrorCode want = o == NULL ? PR_INVALID_ARGUMENT_ERROR : o->held ? PR_DEADLOCK_ERROR : 0;
  PRBool died = (PRBool)7;
  PRStatus rv = how == 0   ? prshm_lock_acquire(t, null_died ? NULL : &died)
                : how == 1 ? prshm_lock_tryacquire(t, null_died ? NULL : &died)
                           : prshm_lock_timedacquire(t, ms, null_died ? NULL : &died);

  fs_check("acquire", rv == PR_SUCCESS, want);
  if (!null_died && died != PR_FALSE) fs_fail("acquire told of a death nobody died");
  if (want == 0) o->held = 1;
}

static void fs_op_release(fs_in *in) {
  void *t = fs_pick_token(in, FS_LOCK);
  int hi = fs_find(FS_LOCK, t);
  fs_obj *o = hi >= 0 ? &fs_objs[fs_handles[FS_LOCK][hi].obj] : NULL;
  PRErrorCode want = o == NULL ? PR_INVALID_ARGUMENT_ERROR : !o->held ? PR_INVALID_STATE_ERROR : 0;

  fs_check("release", prshm_lock_release(t) == PR_SUCCESS, want);
  if (want == 0) o->held = 0;
}

/* ---- Cleanup and the checks that nothing is left ---- */

/* The descriptors of this process open on a file of the namespace, the
 * segment's aside. Other descriptors (libFuzzer's) come and go. */
static long fs_count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  char path[64], target[PATH_MAX + 1];
  long n = 0;

  if (d == NULL) fs_fail("cannot list descriptors");
  while ((e = readdir(d)) != NULL) {
    ssize_t len;
    if (e->d_name[0] == '.') continue;
    (void)snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    len = readlink(path, target, sizeof target - 1);
    if (len <= 0) continue;
    target[len] = '\0';
    if (strncmp(target, fs_ns_dir, strlen(fs_ns_dir)) == 0) n++;
  }
  closedir(d);
  return n;
}

/* Whether this process still maps a semaphore or a lock of the namespace. */
static int fs_maps_object(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[PATH_MAX + 128];
  int found = 0;

  if (f == NULL) return 0;
  while (!found && fgets(line, sizeof line, f) != NULL) found = strstr(line, fs_ns_dir) != NULL;
  fclose(f);
  return found;
}

static void fs_cleanup(void) {
  int i, k;

  /* Release what this thread holds, through any handle of the lock. */
  for (i = 0; i < fs_nhandles[FS_LOCK]; i++) {
    fs_obj *o = &fs_objs[fs_handles[FS_LOCK][i].obj];
    if (o->held) {
      if (prshm_lock_release(fs_handles[FS_LOCK][i].token) != PR_SUCCESS)
        fs_fail("final release failed");
      o->held = 0;
    }
  }
  for (i = 0; i < fs_nhandles[FS_SEM]; i++) fs_verify_value(i);
  for (k = 0; k < 2; k++) {
    while (fs_nhandles[k] > 0) {
      void *t = fs_handles[k][fs_nhandles[k] - 1].token;
      if ((k == FS_SEM ? PR_CloseSemaphore(t) : prshm_lock_close(t)) != PR_SUCCESS)
        fs_fail("final close failed");
      fs_nhandles[k]--;
    }
  }
  for (i = 0; i < fs_nnames; i++) {
    fs_name *n = &fs_names[i];
    if (n->obj[FS_SEM] >= 0 && PR_DeleteSemaphore(n->given) != PR_SUCCESS)
      fs_fail("final delete of semaphore %s failed", n->resolved);
    if (n->obj[FS_LOCK] >= 0 && prshm_lock_delete(n->given) != PR_SUCCESS)
      fs_fail("final delete of lock %s failed", n->resolved);
    if (PR_OpenSemaphore(n->given, 0, 0, 0) != NULL)
      fs_fail("semaphore %s still opens after its delete", n->resolved);
    fs_expect_error("semaphore open after the final delete", PR_FILE_NOT_FOUND_ERROR);
    if (prshm_lock_open(n->given, 0, 0) != NULL)
      fs_fail("lock %s still opens after its delete", n->resolved);
    fs_expect_error("lock open after the final delete", PR_FILE_NOT_FOUND_ERROR);
  }
  if (PR_CloseSharedMemory(fs_segment) != PR_SUCCESS) fs_fail("closing the segment failed");
  if (prshm__registry_count() != 0) fs_fail("%zu handles left open", prshm__registry_count());
  if (fs_count_fds() != 0) fs_fail("%ld descriptors of the namespace left open", fs_count_fds());
  if (fs_maps_object()) fs_fail("a semaphore or lock is still mapped");
  fs_nobjs = fs_nnames = fs_nstale = 0;
}

static void fs_init(void) {
  const char *dir = getenv(PRSHM_DIR_ENV);

  (void)snprintf(fs_prefix, sizeof fs_prefix, "/prshm-fuzzsem-%ld", (long)getpid());
  (void)snprintf(fs_ns_dir, sizeof fs_ns_dir, "%s/", dir != NULL ? dir : "/dev/shm");
  fs_max = prshm_sem_value_max();
  fs_ready = 1;
}

/* Opens a segment of the pool's name "a" for the input (its handle is a
 * token of the wrong kind for every call here), and deletes its name at
 * once, so that nothing is left if the run stops. A semaphore and a lock
 * of the same name are other objects, which the model assumes. */
static void fs_open_segment(void) {
  char name[96];

  (void)snprintf(name, sizeof name, "%s/a", fs_prefix);
  fs_segment = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (fs_segment == NULL) fs_fail("cannot create the segment");
  if (PR_DeleteSharedMemory(name) != PR_SUCCESS) fs_fail("cannot delete the segment");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fs_in in = {data, size};
  int ops = 0;

  if (!fs_ready) fs_init();
  fs_open_segment();
  while (in.n > 0 && ops++ < FS_MAX_OPS) {
    switch (fs_byte(&in) % 16) {
      case 0:
      case 1:
        fs_op_open(&in, FS_SEM);
        break;
      case 2:
        fs_op_close(&in, FS_SEM);
        break;
      case 3:
        fs_op_delete(&in, FS_SEM);
        break;
      case 4:
        fs_op_post(&in);
        break;
      case 5:
        fs_op_wait(&in, 0);
        break;
      case 6:
        fs_op_wait(&in, 1);
        break;
      case 7:
        fs_op_wait(&in, 2);
        break;
      case 8:
        fs_op_getvalue(&in);
        break;
      case 9:
      case 10:
        fs_op_open(&in, FS_LOCK);
        break;
      case 11:
        fs_op_close(&in, FS_LOCK);
        break;
      case 12:
        fs_op_delete(&in, FS_LOCK);
        break;
      case 13:
        fs_op_acquire(&in, fs_byte(&in) % 3);
        break;
      case 14:
        fs_op_release(&in);
        break;
      default: {
        /* Re-read a semaphore's value through each of its handles. */
        int i;
        for (i = 0; i < fs_nhandles[FS_SEM]; i++) fs_verify_value(i);
        break;
      }
    }
  }
  fs_cleanup();
  return 0;
}
