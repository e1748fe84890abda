/*
 * fuzz_names.c - libFuzzer target for the name rules of src/name.c.
 *
 * Each input is a current directory and a name (split at the first NUL
 * byte; without one, the whole input is the name and the directory is "/"),
 * and the key limit of a backend. It checks what the rest of the library
 * relies on:
 *   - resolving gives a canonical absolute name (no empty, "." or ".."
 *     component), resolving that again changes nothing, and a relative name
 *     resolves as the directory joined to it would;
 *   - a key fits the limit, starts with one of the two prefixes, holds only
 *     the bytes the encoder writes (so never '/', '\\' or NUL) and is
 *     never "." or "..";
 *   - decoding a readable key gives the resolved name back, a hashed key is
 *     recognised as one, and anything the decoder accepts encodes back to
 *     exactly itself;
 *   - the one-pass key of a resolved name (prshm__name_encode_resolved)
 *     is the key of resolving then encoding, and is taken for every
 *     resolved name short enough;
 *   - injectivity over the inputs seen: a bounded table of recent
 *     (key, resolved name) pairs, kept across inputs, never holds one key
 *     for two different names.
 * Any violation aborts, which libFuzzer reports as a crash with its input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The key limits of the backends: Linux's file names, and macOS's
 * shm_open() names that the portable backend honours everywhere. */
#define FN_LIMIT_LINUX 255
#define FN_LIMIT_POSIX 30
/* The smallest limit prshm__name_encode() accepts: the hashed form. */
#define FN_LIMIT_MIN (PRSHM__KEY_PREFIX_LEN + PRSHM__KEY_HASH_CHARS)
/* Entries in the table of recent (key, name) pairs; a power of two. */
#define FN_SEEN_SLOTS 4096
/* The longest input worth trying: names are at most 1023 bytes, the
 * directory at most 4096. */
#define FN_INPUT_MAX (PRSHM__RESOLVED_MAX + 64)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One remembered pair; both strings are heap copies. */
typedef struct fn_seen {
  char *key;      /* the key, or NULL for an empty slot */
  char *resolved; /* the resolved name that gave it */
} fn_seen;

static fn_seen fn_table[FN_SEEN_SLOTS];

/* Stops the run with a message; libFuzzer saves the input that did it. */
static _Noreturn void fn_fail(const char *what, const char *a, const char *b) {
  fprintf(stderr, "fuzz_names: %s\n  [%s]\n  [%s]\n", what, a != NULL ? a : "", b != NULL ? b : "");
  abort();
}

static uint32_t fn_hash(const char *s) {
  uint32_t h = 2166136261u; /* FNV-1a: spreads keys; not a security need */
  for (; *s != '\0'; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static char *fn_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p == NULL) abort();
  memcpy(p, s, n);
  return p;
}

/* Records (key, resolved), failing if the key was seen with another name.
 * The slot a key hashes to holds its latest pair; a collision of two keys
 * in one slot evicts the older, which keeps the table bounded. */
static void fn_remember(const char *key, const char *resolved) {
  fn_seen *s = &fn_table[fn_hash(key) & (FN_SEEN_SLOTS - 1)];

  if (s->key != NULL && strcmp(s->key, key) == 0) {
    if (strcmp(s->resolved, resolved) != 0) fn_fail("two names share a key", s->resolved, resolved);
    return;
  }
  free(s->key);
  free(s->resolved);
  s->key = fn_strdup(key);
  s->resolved = fn_strdup(resolved);
}

/* The resolved name is canonical: absolute, no empty, "." or ".."
 * component, no trailing '/' (except the root itself). */
static void fn_check_canonical(const char *r, long len) {
  const char *p;

  if (len < 1 || (size_t)len != strlen(r) || r[0] != '/') fn_fail("not absolute", r, NULL);
  if (len > 1 && r[len - 1] == '/') fn_fail("trailing slash", r, NULL);
  for (p = r; *p != '\0'; p++) {
    if (*p != '/') continue;
    if (p[1] == '/') fn_fail("empty component", r, NULL);
    if (p[1] == '.' && (p[2] == '/' || p[2] == '\0')) fn_fail("'.' component", r, NULL);
    if (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0'))
      fn_fail("'..' component", r, NULL);
  }
}

/* Resolving an already resolved name, from any directory, changes nothing. */
static void fn_check_idempotent(const char *cwd, const char *r) {
  static char again[PRSHM__RESOLVED_MAX];

  if (prshm__name_resolve(cwd, r, again, sizeof again) < 0 || strcmp(again, r) != 0)
    fn_fail("resolving a resolved name changed it", r, again);
}

/* A relative name resolves as "cwd/name" does from the root. */
static void fn_check_relative(const char *cwd, const char *name, const char *r) {
  static char joined[2 * FN_INPUT_MAX + 2], viaroot[PRSHM__RESOLVED_MAX];

  if (name[0] == '/') return;
  (void)snprintf(joined, sizeof joined, "%s/%s", cwd, name);
  if (prshm__name_resolve("/", joined, viaroot, sizeof viaroot) < 0 || strcmp(viaroot, r) != 0)
    fn_fail("relative name differs from joined path", r, viaroot);
}

/* The bytes an encoder may write into a key's body. */
static int fn_key_byte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '+' || c == '%';
}

static void fn_check_key(const char *r, const char *key, size_t klen, size_t limit) {
  size_t i;

  if (klen != strlen(key) || klen > limit || klen < PRSHM__KEY_PREFIX_LEN)
    fn_fail("key length out of bounds", r, key);
  if (strcmp(key, ".") == 0 || strcmp(key, "..") == 0) fn_fail("key is a dot name", r, key);
  if (strncmp(key, PRSHM__KEY_READABLE, PRSHM__KEY_PREFIX_LEN) != 0 &&
      strncmp(key, PRSHM__KEY_HASHED, PRSHM__KEY_PREFIX_LEN) != 0)
    fn_fail("key without a prshm prefix", r, key);
  for (i = 0; i < klen; i++)
    if (!fn_key_byte((unsigned char)key[i])) fn_fail("key holds a byte it must not", r, key);
}

/* Decoding gives the name back (readable) or says "hashed". */
static void fn_check_decode(const char *r, const char *key) {
  static char back[PRSHM__RESOLVED_MAX];
  int d = prshm__name_decode(key, back, sizeof back);

  if (strncmp(key, PRSHM__KEY_READABLE, PRSHM__KEY_PREFIX_LEN) == 0) {
    if (d != 1 || strcmp(back, r) != 0) fn_fail("readable key does not decode back", r, back);
  } else if (d != 0 || back[0] != '\0') {
    fn_fail("hashed key not recognised", r, key);
  }
}

/* Whatever the decoder accepts is a key the encoder writes: raw input taken
 * as a key decodes to a name that encodes to that very key. */
static void fn_check_raw_key(const char *raw) {
  static char name[PRSHM__RESOLVED_MAX];
  char key[PRSHM__KEY_SIZE];
  int d = prshm__name_decode(raw, name, sizeof name);

  if (d == 1) {
    (void)prshm__name_encode(name, FN_LIMIT_LINUX, key);
    if (strcmp(key, raw) != 0) fn_fail("decoder accepted a key the encoder never writes", raw, key);
  } else if (d == 0) {
    if (strlen(raw) != PRSHM__KEY_PREFIX_LEN + PRSHM__KEY_HASH_CHARS)
      fn_fail("decoder accepted a malformed hashed key", raw, NULL);
  } else if (d != -1 || name[0] != '\0') {
    fn_fail("decoder failed but left output", raw, name);
  }
}

/* The one-pass key of the caller's name, where it takes one, is the key
 * of resolving then encoding; and it takes every resolved name short
 * enough (6 + 3 bytes a byte). */
static void fn_check_one_pass(const char *name, const char *r, size_t limit) {
  char fast[PRSHM__KEY_SIZE], slow[PRSHM__KEY_SIZE];
  size_t n = prshm__name_encode_resolved(name, limit, fast);

  if (n == 0) {
    if (strcmp(name, r) == 0 && strcmp(r, "/") != 0 &&
        PRSHM__KEY_PREFIX_LEN + 3 * strlen(r) <= limit)
      fn_fail("one pass refused a resolved name", name, r);
    return;
  }
  if (strcmp(name, r) != 0) fn_fail("one pass took a name to resolve", name, r);
  if (n != prshm__name_encode(r, limit, slow) || strcmp(fast, slow) != 0)
    fn_fail("one pass gave another key", fast, slow);
}

/* Encodes r under `limit` and checks the key against every rule. */
static void fn_check_encode(const char *r, size_t limit) {
  char key[PRSHM__KEY_SIZE];
  size_t klen;

  memset(key, 0x7f, sizeof key); /* so an unterminated key shows */
  klen = prshm__name_encode(r, limit, key);
  fn_check_key(r, key, klen, limit);
  fn_check_decode(r, key);
  fn_remember(key, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char buf[FN_INPUT_MAX + 3], resolved[PRSHM__RESOLVED_MAX];
  static char big[2 * FN_INPUT_MAX + 4];
  const char *cwd = "/", *name;
  size_t limit;
  long len;

  if (size < 1 || size > FN_INPUT_MAX) return 0;
  /* The first byte picks the key limit; the rest is "cwd\0name" or "name". */
  limit = FN_LIMIT_MIN + data[0] % (FN_LIMIT_LINUX - FN_LIMIT_MIN + 1);
  buf[0] = '/';
  memcpy(buf + 1, data + 1, size - 1);
  buf[size] = '\0';
  name = buf + 1;
  if (memchr(buf, '\0', size) != buf + size) {
    cwd = buf; /* the directory, made absolute by the '/' in front */
    name = buf + strlen(buf) + 1;
  }
  fn_check_raw_key(buf + 1);
  len = prshm__name_resolve(cwd, name, resolved, sizeof resolved);
  if (len < 0) {
    /* Too long for the library's buffer; a buffer as long as the whole
     * input plus separators always suffices, so that must work. */
    if (prshm__name_resolve(cwd, name, big, sizeof big) < 0)
      fn_fail("resolve failed with room to spare", cwd, name);
    return 0;
  }
  fn_check_canonical(resolved, len);
  fn_check_idempotent(cwd, resolved);
  fn_check_relative(cwd, name, resolved);
  fn_check_encode(resolved, limit);
  fn_check_encode(resolved, FN_LIMIT_LINUX);
  fn_check_encode(resolved, FN_LIMIT_POSIX);
  fn_check_one_pass(name, resolved, limit);
  fn_check_one_pass(resolved, resolved, limit);
  return 0;
}
