/*
 * name.c - the name rules: resolving a caller's name and mapping it to the
 * key of its OS object, and back. Pure functions: no system call, no global
 * state, so they are unit-tested and fuzzed on their own.
 *
 * A key is a kind's prefix followed by a body: one of
 *   "prshm." + readable body   the resolved name without its leading '/',
 *                              with '/' written as '+', the bytes
 *                              [A-Za-z0-9._-] as themselves and every other
 *                              byte as %XX (upper-case hex): reversible;
 *   "prshm-" + 22 characters   the first 128 bits of the SHA-256 of the
 *                              resolved name, in base64url, for names whose
 *                              readable key would not fit the OS's limit.
 * for segments; semaphores and locks use "prsem." / "prsem-" and "prlck." /
 * "prlck-" in the same way. The body of a readable key is a prefix code, so
 * two names never give one readable key; the two forms differ in their sixth
 * byte, so a readable key never equals a hashed one; the kinds differ in
 * their first five, so a semaphore and a segment of one name are two OS
 * objects; and no key contains '/', '\\' or NUL, so a key cannot leave the
 * namespace it is looked up in. Every key is printable ASCII without ':' or
 * spaces, which other programs' tools accept (Python's multiprocessing
 * resource tracker among them).
 */
#include <string.h>

#include "internal.h"

/* What a readable key writes for '/'. Not ':', which Python's resource
 * tracker takes as its own separator (it fails on such names), and
 * nothing a shell or a file manager treats specially. */
#define NAME_SEPARATOR '+'

static const char name_hex[] = "0123456789ABCDEF";
/* Each kind's prefixes, readable and hashed, indexed by prshm__kind. */
static const char name_readable[PRSHM__KINDS][PRSHM__KEY_PREFIX_LEN + 1] = {PRSHM__KEY_READABLE,
                                                                            "prsem.", "prlck."};
static const char name_hashed[PRSHM__KINDS][PRSHM__KEY_PREFIX_LEN + 1] = {PRSHM__KEY_HASHED,
                                                                          "prsem-", "prlck-"};
static const char name_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Appends one path component to `out` (length *len, capacity size), or
 * applies it if it is "." or "..". Returns 0, or -1 if it does not fit. */
static int name_push(char *out, size_t *len, size_t size, const char *comp, size_t n) {
  if (n == 0 || (n == 1 && comp[0] == '.')) return 0;
  if (n == 2 && comp[0] == '.' && comp[1] == '.') {
    while (*len > 0 && out[*len - 1] != '/') (*len)--;
    if (*len > 0) (*len)--; /* the '/' before the removed component */
    return 0;
  }
  if (*len + 1 + n + 1 > size) return -1;
  out[(*len)++] = '/';
  memcpy(out + *len, comp, n);
  *len += n;
  return 0;
}

/* Feeds every component of `path` to name_push. */
static int name_push_all(char *out, size_t *len, size_t size, const char *path) {
  while (*path != '\0') {
    const char *end = strchr(path, '/');
    size_t n = end != NULL ? (size_t)(end - path) : strlen(path);
    if (name_push(out, len, size, path, n) != 0) return -1;
    path += n;
    if (*path == '/') path++;
  }
  return 0;
}

long prshm__name_resolve(const char *cwd, const char *name, char *out, size_t outsize) {
  size_t len = 0;

  if (outsize < 2) return -1;
  if (name[0] != '/' && name_push_all(out, &len, outsize, cwd) != 0) return -1;
  if (name_push_all(out, &len, outsize, name) != 0) return -1;
  if (len == 0) out[len++] = '/'; /* the root itself */
  out[len] = '\0';
  return (long)len;
}

/* The bytes a readable key keeps as themselves, [A-Za-z0-9._-], as two
 * 64-bit masks: bytes 0-63 ('-', '.', the digits) and 64-127 (the letters
 * and '_'). 16 bytes rather than a table of 256, because every open
 * encodes its name byte by byte and each line of a table that a name's
 * bytes reach is one more line of memory to fetch after the system call
 * before it. */
#define NAME_PLAIN_LOW ((UINT64_C(1) << '-') | (UINT64_C(1) << '.') | (UINT64_C(0x3FF) << '0'))
#define NAME_PLAIN_HIGH                                                \
  ((UINT64_C(0x3FFFFFF) << ('A' - 64)) | (UINT64_C(1) << ('_' - 64)) | \
   (UINT64_C(0x3FFFFFF) << ('a' - 64)))

static const uint64_t name_plain_masks[2] = {NAME_PLAIN_LOW, NAME_PLAIN_HIGH};

static int name_plain(unsigned char c) {
  return c < 128 && ((name_plain_masks[c >> 6] >> (c & 63)) & 1) != 0;
}

/* Writes the readable key of `resolved` (which starts with '/') into out,
 * in one pass; returns its length, or 0 as soon as it would pass `limit`
 * bytes (out then holds a partial key, which the caller overwrites). */
static size_t name_encode_readable(const char *resolved, prshm__kind kind, size_t limit,
                                   char *out) {
  const unsigned char *p = (const unsigned char *)resolved + 1;
  size_t n = PRSHM__KEY_PREFIX_LEN;

  memcpy(out, name_readable[kind], PRSHM__KEY_PREFIX_LEN);
  for (; *p != '\0'; p++) {
    if (name_plain(*p) || *p == '/') {
      if (n + 1 > limit) return 0;
      out[n++] = *p == '/' ? NAME_SEPARATOR : (char)*p;
    } else {
      if (n + 3 > limit) return 0;
      out[n++] = '%';
      out[n++] = name_hex[*p >> 4];
      out[n++] = name_hex[*p & 15];
    }
  }
  out[n] = '\0';
  return n;
}

static size_t name_encode_hashed(const char *resolved, prshm__kind kind, char *out) {
  unsigned char d[32];
  size_t n = PRSHM__KEY_PREFIX_LEN, bit;

  prshm__sha256(resolved, strlen(resolved), d);
  memcpy(out, name_hashed[kind], PRSHM__KEY_PREFIX_LEN);
  /* 22 six-bit digits carry the first 132 bits of the digest. */
  for (bit = 0; bit < 6 * PRSHM__KEY_HASH_CHARS; bit += 6) {
    size_t byte = bit / 8, shift = bit % 8;
    unsigned v = (unsigned)d[byte] << 8 | d[byte + 1];
    out[n++] = name_b64[(v >> (10 - shift)) & 63];
  }
  out[n] = '\0';
  return n;
}

size_t prshm__name_encode_kind(const char *resolved, prshm__kind kind, size_t limit, char *out) {
  size_t n = name_encode_readable(resolved, kind, limit, out);
  return n != 0 ? n : name_encode_hashed(resolved, kind, out);
}

size_t prshm__name_encode(const char *resolved, size_t limit, char *out) {
  return prshm__name_encode_kind(resolved, PRSHM__KIND_SEG, limit, out);
}

/* Whether the component that starts at p (just after a '/') is one that
 * resolving removes or changes: empty (a doubled or trailing '/'), "." or
 * "..". */
PRSHM__HOT static int name_component_resolves(const unsigned char *p) {
  if (p[0] == '\0' || p[0] == '/') return 1;
  if (p[0] != '.') return 0;
  if (p[1] == '\0' || p[1] == '/') return 1;
  return p[1] == '.' && (p[2] == '\0' || p[2] == '/');
}

PRSHM__HOT size_t prshm__name_encode_resolved_kind(const char *name, prshm__kind kind, size_t limit,
                                                   char *out) {
  const unsigned char *p = (const unsigned char *)name;
  char *o = out + PRSHM__KEY_PREFIX_LEN;

  /* A byte takes at most three in the key, so a name this short always
   * fits in its readable form, and the loop needs no bound checks. */
  if (*p != '/' || PRSHM__KEY_PREFIX_LEN + 3 * strlen(name) > limit) return 0;
  memcpy(out, name_readable[kind], PRSHM__KEY_PREFIX_LEN);
  /* p is at a '/' at the top of each turn: one component per turn. */
  for (;;) {
    if (name_component_resolves(++p)) return 0;
    for (;; p++) {
      if (name_plain(*p)) {
        *o++ = (char)*p;
      } else if (*p == '/') {
        break;
      } else if (*p == '\0') {
        *o = '\0';
        return (size_t)(o - out);
      } else {
        *o++ = '%';
        *o++ = name_hex[*p >> 4];
        *o++ = name_hex[*p & 15];
      }
    }
    *o++ = NAME_SEPARATOR;
  }
}

size_t prshm__name_encode_resolved(const char *name, size_t limit, char *out) {
  return prshm__name_encode_resolved_kind(name, PRSHM__KIND_SEG, limit, out);
}

static int name_hex_value(char c) {
  const char *p = c != '\0' ? strchr(name_hex, c) : NULL;
  return p != NULL ? (int)(p - name_hex) : -1;
}

/* Decodes a readable body; -1 if it is not one the encoder writes. */
static int name_decode_body(const char *body, char *out, size_t outsize) {
  size_t n = 0;

  out[n++] = '/';
  for (; *body != '\0'; body++) {
    int c = (unsigned char)*body;
    if (c == NAME_SEPARATOR) {
      c = '/';
    } else if (c == '%') {
      int hi = name_hex_value(body[1]), lo = hi >= 0 ? name_hex_value(body[2]) : -1;
      if (lo < 0) return -1;
      c = hi << 4 | lo;
      /* Only bytes the encoder escapes may appear escaped. */
      if (c == 0 || c == '/' || name_plain((unsigned char)c)) return -1;
      body += 2;
    } else if (!name_plain((unsigned char)c)) {
      return -1;
    }
    if (n + 1 >= outsize) return -1;
    out[n++] = (char)c;
  }
  out[n] = '\0';
  return 1;
}

/* The kind whose readable (*hashed 0) or hashed (*hashed 1) prefix starts
 * `key`, or -1. */
static int name_prefix_kind(const char *key, int *hashed) {
  int k;

  for (k = 0; k < PRSHM__KINDS; k++) {
    if (strncmp(key, name_readable[k], PRSHM__KEY_PREFIX_LEN) == 0) {
      *hashed = 0;
      return k;
    }
    if (strncmp(key, name_hashed[k], PRSHM__KEY_PREFIX_LEN) == 0) {
      *hashed = 1;
      return k;
    }
  }
  return -1;
}

int prshm__name_decode_kind(const char *key, prshm__kind *kind, char *out, size_t outsize) {
  int k, hashed = 0;
  size_t i;

  if (outsize < 2) return -1;
  out[0] = '\0';
  k = name_prefix_kind(key, &hashed);
  if (k < 0) return -1;
  if (kind != NULL) *kind = (prshm__kind)k;
  if (!hashed) {
    char canon[PRSHM__KEY_SIZE];
    /* A readable key has at most PRSHM__KEY_SIZE bytes, so its name does
     * too; and it must be one the encoder writes: resolved already. */
    if (strlen(key) >= PRSHM__KEY_SIZE ||
        name_decode_body(key + PRSHM__KEY_PREFIX_LEN, out, outsize) < 0 ||
        prshm__name_resolve("/", out, canon, sizeof canon) < 0 || strcmp(canon, out) != 0) {
      out[0] = '\0';
      return -1;
    }
    return 1;
  }
  for (i = 0; i < PRSHM__KEY_HASH_CHARS; i++) {
    char c = key[PRSHM__KEY_PREFIX_LEN + i];
    if (c == '\0' || strchr(name_b64, c) == NULL) return -1;
  }
  return key[PRSHM__KEY_PREFIX_LEN + PRSHM__KEY_HASH_CHARS] == '\0' ? 0 : -1;
}

int prshm__name_decode(const char *key, char *out, size_t outsize) {
  prshm__kind kind = PRSHM__KIND_SEG;
  int rv = prshm__name_decode_kind(key, &kind, out, outsize);

  /* Only segments' keys: another kind's is not a segment's key. */
  if (rv >= 0 && kind != PRSHM__KIND_SEG) {
    if (outsize > 0) out[0] = '\0';
    return -1;
  }
  return rv;
}
