/*
 * test_names.c - the name rules on their own (src/name.c, src/sha256.c):
 * SHA-256 against published vectors, lexical resolution, and the key
 * encoding the name rules rest on (readable where it fits,
 * hashed otherwise, injective, never leaving the namespace, reversible).
 *
 * Sections: SHA-256; resolve; encode and decode; injectivity; decode of
 * foreign strings; randomised round trips; the one-pass key of a resolved
 * name.
 */
#include "internal.h"
#include "runner.h"

/* The limits the two Unix backends pass (Linux file names; "/" + key
 * within macOS's 31 bytes). */
#define NAMES_LINUX_LIMIT 255
#define NAMES_PORTABLE_LIMIT 30
#define NAMES_HASHED_LEN (PRSHM__KEY_PREFIX_LEN + PRSHM__KEY_HASH_CHARS)

/* ---- SHA-256 ---- */

/* Hex of a digest, for comparing with published vectors. */
static void names_hex(const unsigned char d[32], char out[65]) {
  static const char digits[] = "0123456789abcdef";
  int i;

  for (i = 0; i < 32; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[64] = '\0';
}

static void names_check_sha(const void *data, size_t len, const char *expected) {
  unsigned char d[32];
  char hex[65];

  prshm__sha256(data, len, d);
  names_hex(d, hex);
  CHECK_STR(hex, expected);
}

/* FIPS 180-4 example messages (one block, two blocks, empty). */
TEST(sha256_standard_vectors) {
  names_check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  names_check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  names_check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  names_check_sha(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
      "klmnopqrlmnopqrsmnopqrstnopqrstu",
      112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* Lengths around the padding boundaries (55/56 bytes: the length field
 * fits in the last block or not; 63/64, 119/120 likewise), checked against
 * coreutils' sha256sum. */
TEST(sha256_padding_boundaries) {
  static const struct {
    size_t len;         /* that many 'a' bytes */
    const char *digest; /* sha256sum's answer */
  } cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  char a[128];
  size_t i;

  memset(a, 'a', sizeof a);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
    names_check_sha(a, cases[i].len, cases[i].digest);
}

TEST(sha256_million_a) {
  const size_t len = 1000000;
  char *a = malloc(len);

  CHECK_NOT_NULL(a);
  memset(a, 'a', len);
  names_check_sha(a, len, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(a);
}

/* ---- resolve ---- */

/* Resolves `name` against `cwd` and checks the result and its length. */
static void names_check_resolve(const char *cwd, const char *name, const char *expected) {
  char out[PRSHM__RESOLVED_MAX];
  long n = prshm__name_resolve(cwd, name, out, sizeof out);

  CHECK_STR(out, expected);
  CHECK_EQ(n, (long)strlen(expected));
}

TEST(resolve_relative_and_absolute) {
  names_check_resolve("/home/u", "x", "/home/u/x");
  names_check_resolve("/home/u", "a/b", "/home/u/a/b");
  names_check_resolve("/home/u", "/abs", "/abs");
  names_check_resolve("/", "x", "/x");
  names_check_resolve("/a//b/", "c", "/a/b/c");
  names_check_resolve("/home/u", ".", "/home/u");
  names_check_resolve("/home/u", "./x", "/home/u/x");
  names_check_resolve("/home/u", "...", "/home/u/...");
  names_check_resolve("/home/u", ".x/..y", "/home/u/.x/..y");
}

TEST(resolve_empty_and_dot_components) {
  names_check_resolve("/", "a//b", "/a/b");
  names_check_resolve("/", "a/./b", "/a/b");
  names_check_resolve("/", "a/b", "/a/b");
  names_check_resolve("/", "//a///b//", "/a/b");
  names_check_resolve("/", "/./a/././b/.", "/a/b");
}

TEST(resolve_dotdot_and_above_root) {
  names_check_resolve("/", "/a/b/../c", "/a/c");
  names_check_resolve("/", "/a/b/c/../../d", "/a/d");
  names_check_resolve("/home/u", "../v", "/home/v");
  names_check_resolve("/home/u", "../../../../x", "/x");
  names_check_resolve("/", "/..", "/");
  names_check_resolve("/", "/../..", "/");
  names_check_resolve("/", "/../x", "/x");
  names_check_resolve("/", "/a/..", "/");
  names_check_resolve("/", "/a/../", "/");
  /* Lexical: "nonexistent/.." is nothing, whatever the filesystem holds. */
  names_check_resolve("/srv", "nonexistent/../x", "/srv/x");
}

TEST(resolve_trailing_slash_and_root) {
  names_check_resolve("/", "/a/", "/a");
  names_check_resolve("/home", "a/", "/home/a");
  names_check_resolve("/home", "/", "/");
  names_check_resolve("/", "/", "/");
  names_check_resolve("/", "///", "/");
  names_check_resolve("/home/u", "/.", "/");
}

TEST(resolve_buffer_too_small) {
  char out[16];

  /* "/ab" needs 4 bytes with its terminator. */
  CHECK_EQ(prshm__name_resolve("/", "ab", out, 4), 3);
  CHECK_STR(out, "/ab");
  CHECK_EQ(prshm__name_resolve("/", "ab", out, 3), -1);
  CHECK_EQ(prshm__name_resolve("/x/y", "ab", out, 7), -1);
  CHECK_EQ(prshm__name_resolve("/x/y", "ab", out, 8), 7);
  CHECK_STR(out, "/x/y/ab");
  /* The root needs 2 bytes; fewer can hold nothing. */
  CHECK_EQ(prshm__name_resolve("/", "/", out, 2), 1);
  CHECK_STR(out, "/");
  CHECK_EQ(prshm__name_resolve("/", "/", out, 1), -1);
  CHECK_EQ(prshm__name_resolve("/", "/", out, 0), -1);
}

TEST(resolve_longest_inputs_fit) {
  /* A 4096-byte directory and a 1023-byte name fit PRSHM__RESOLVED_MAX. */
  static char cwd[4097], name[PRSHM__NAME_MAX + 1], out[PRSHM__RESOLVED_MAX];
  long n;

  memset(cwd, 'd', sizeof cwd - 1);
  cwd[0] = '/';
  memset(name, 'n', sizeof name - 1);
  n = prshm__name_resolve(cwd, name, out, sizeof out);
  CHECK_EQ(n, 4096 + 1 + PRSHM__NAME_MAX);
  CHECK_EQ(out[4096], '/');
  CHECK_EQ(out[n - 1], 'n');
}

/* ---- encode and decode ---- */

/* Checks what every key must satisfy (the native name is an injective function of the name): the returned length is
 * the string's, within `limit`, one of the two forms, and nothing in it
 * can step outside the namespace. */
static void names_check_key(const char *key, size_t len, size_t limit) {
  CHECK_EQ(len, strlen(key));
  CHECK_INT(len, <=, limit);
  CHECK(strchr(key, '/') == NULL);
  CHECK(strchr(key, '\\') == NULL);
  CHECK(strcmp(key, ".") != 0 && strcmp(key, "..") != 0);
  CHECK(strncmp(key, PRSHM__KEY_READABLE, PRSHM__KEY_PREFIX_LEN) == 0 ||
        strncmp(key, PRSHM__KEY_HASHED, PRSHM__KEY_PREFIX_LEN) == 0);
}

/* Encodes `resolved`, checks the key, and returns whether it is readable. */
static int names_encode(const char *resolved, size_t limit, char key[PRSHM__KEY_SIZE]) {
  size_t len = prshm__name_encode(resolved, limit, key);

  names_check_key(key, len, limit);
  return strncmp(key, PRSHM__KEY_READABLE, PRSHM__KEY_PREFIX_LEN) == 0;
}

/* A readable key decodes back to exactly the resolved name. */
static void names_check_round_trip(const char *resolved, size_t limit) {
  char key[PRSHM__KEY_SIZE], back[PRSHM__RESOLVED_MAX];

  CHECK(names_encode(resolved, limit, key));
  CHECK_EQ(prshm__name_decode(key, back, sizeof back), 1);
  CHECK_STR(back, resolved);
}

TEST(encode_documented_readable_form) {
  char key[PRSHM__KEY_SIZE];

  /* The example of prshm_ext.h: "/srv/app/state" is "prshm.srv+app+state". */
  CHECK(names_encode("/srv/app/state", NAMES_LINUX_LIMIT, key));
  CHECK_STR(key, "prshm.srv+app+state");
  CHECK(names_encode("/a b%", NAMES_LINUX_LIMIT, key));
  CHECK_STR(key, "prshm.a%20b%25");
  CHECK(names_encode("/", NAMES_LINUX_LIMIT, key));
  CHECK_STR(key, "prshm.");
  names_check_round_trip("/", NAMES_LINUX_LIMIT);
}

TEST(encode_every_byte_round_trips) {
  char resolved[8], key[PRSHM__KEY_SIZE], back[PRSHM__RESOLVED_MAX];
  int c;

  for (c = 1; c < 256; c++) {
    /* "/x" c "y": canonical for every byte, '/' and '.' included. */
    resolved[0] = '/';
    resolved[1] = 'x';
    resolved[2] = (char)c;
    resolved[3] = 'y';
    resolved[4] = '\0';
    CHECK(names_encode(resolved, NAMES_LINUX_LIMIT, key));
    CHECK_EQ(prshm__name_decode(key, back, sizeof back), 1);
    if (strcmp(back, resolved) != 0) t_fail(__FILE__, __LINE__, "byte %d: key %s", c, key);
  }
}

TEST(encode_every_byte_in_one_name) {
  /* One name holding every byte 1..255 (its readable key would be far too
   * long, so it is hashed) and the same in slices short enough to read. */
  char resolved[300], key[PRSHM__KEY_SIZE];
  size_t n = 0;
  int c;

  resolved[n++] = '/';
  for (c = 1; c < 256; c++)
    if (c != '/') resolved[n++] = (char)c;
  resolved[n] = '\0';
  CHECK(!names_encode(resolved, NAMES_LINUX_LIMIT, key));
  for (c = 1; c < 256; c += 40) {
    int k;
    n = 0;
    resolved[n++] = '/';
    for (k = c; k < c + 40 && k < 256; k++)
      if (k != '/') resolved[n++] = (char)k;
    resolved[n] = '\0';
    names_check_round_trip(resolved, NAMES_LINUX_LIMIT);
  }
}

/* A resolved name of `body` plain bytes after the '/', optionally ending
 * in one byte that is escaped (3 bytes in the key). */
static void names_make(char *out, size_t body, int escaped_tail) {
  out[0] = '/';
  memset(out + 1, 'k', body);
  if (escaped_tail) out[body] = ' ';
  out[body + 1] = '\0';
}

static void names_check_form_at_limit(size_t limit) {
  char resolved[PRSHM__KEY_SIZE + 8], key[PRSHM__KEY_SIZE];
  size_t fit = limit - PRSHM__KEY_PREFIX_LEN; /* the body bytes that fit */

  names_make(resolved, fit, 0);
  names_check_round_trip(resolved, limit);
  names_make(resolved, fit + 1, 0);
  CHECK(!names_encode(resolved, limit, key));
  /* An escaped byte counts three: the same byte count no longer fits. */
  names_make(resolved, fit, 1);
  CHECK(!names_encode(resolved, limit, key));
  names_make(resolved, fit - 2, 1);
  names_check_round_trip(resolved, limit);
}

TEST(keys_are_printable_ascii_without_colon) {
  /* Other programs' tools take native names: Python's resource tracker
   * splits its messages at ':' and encodes them as ASCII. */
  char name[8], resolved[PRSHM__RESOLVED_MAX], key[PRSHM__KEY_SIZE];
  const char *p;
  int c;

  for (c = 1; c < 256; c++) {
    snprintf(name, sizeof name, "/a%cb/c", c);
    CHECK(prshm__name_resolve("/", name, resolved, sizeof resolved) > 0);
    (void)prshm__name_encode(resolved, 255, key);
    for (p = key; *p != '\0'; p++)
      if (*p == ':' || *p <= ' ' || *p > '~')
        t_fail(__FILE__, __LINE__, "byte %d gives key %s", c, key);
  }
}

TEST(encode_readable_or_hashed_by_limit) {
  char key[PRSHM__KEY_SIZE];
  char resolved[64];

  names_check_form_at_limit(NAMES_LINUX_LIMIT);
  names_check_form_at_limit(NAMES_PORTABLE_LIMIT);
  names_check_form_at_limit(NAMES_HASHED_LEN);
  /* 40 bytes: readable under Linux's limit, hashed under the portable. */
  names_make(resolved, 40, 0);
  names_check_round_trip(resolved, NAMES_LINUX_LIMIT);
  CHECK(!names_encode(resolved, NAMES_PORTABLE_LIMIT, key));
}

/* The 22 base64url digits of the first 132 bits of `d`, computed here bit
 * by bit, independently of name.c's arithmetic. */
static void names_b64_prefix(const unsigned char d[32], char out[PRSHM__KEY_HASH_CHARS + 1]) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int i, b;

  for (i = 0; i < PRSHM__KEY_HASH_CHARS; i++) {
    int v = 0;
    for (b = 0; b < 6; b++) {
      int bit = 6 * i + b;
      v = v << 1 | ((d[bit / 8] >> (7 - bit % 8)) & 1);
    }
    out[i] = alphabet[v];
  }
  out[PRSHM__KEY_HASH_CHARS] = '\0';
}

TEST(encode_hashed_form_is_sha256_of_whole_name) {
  char resolved[PRSHM__NAME_MAX + 2], key[PRSHM__KEY_SIZE], back[64];
  char expected[PRSHM__KEY_HASH_CHARS + 1];
  unsigned char d[32];

  names_make(resolved, PRSHM__NAME_MAX, 0);
  CHECK(!names_encode(resolved, NAMES_LINUX_LIMIT, key));
  CHECK_EQ(strlen(key), 28);
  CHECK_EQ(NAMES_HASHED_LEN, 28);
  prshm__sha256(resolved, strlen(resolved), d);
  names_b64_prefix(d, expected);
  CHECK(strncmp(key, "prshm-", 6) == 0);
  CHECK_STR(key + 6, expected);
  /* A hashed key is recognised as one, but names nothing recoverable. */
  strcpy(back, "junk");
  CHECK_EQ(prshm__name_decode(key, back, sizeof back), 0);
  CHECK_STR(back, "");
}

/* ---- injectivity ---- */

/* Two different resolved names give two different keys, at each limit. */
static void names_check_distinct(const char *a, const char *b) {
  static const size_t limits[] = {NAMES_LINUX_LIMIT, NAMES_PORTABLE_LIMIT, NAMES_HASHED_LEN};
  char ka[PRSHM__KEY_SIZE], kb[PRSHM__KEY_SIZE];
  size_t i;

  CHECK(strcmp(a, b) != 0);
  for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    (void)names_encode(a, limits[i], ka);
    (void)names_encode(b, limits[i], kb);
    if (strcmp(ka, kb) == 0)
      t_fail(__FILE__, __LINE__, "\"%s\" and \"%s\" share key %s at limit %zu", a, b, ka,
             limits[i]);
  }
}

TEST(injective_where_naive_escaping_confuses) {
  names_check_distinct("/a:b", "/a/b");
  names_check_distinct("/a%2Fb", "/a/b");
  names_check_distinct("/a%3Ab", "/a:b");
  names_check_distinct("/a+b", "/a/b");
  names_check_distinct("/a%2Bb", "/a+b");
  names_check_distinct("/a%", "/a%25");
  names_check_distinct("/a%25", "/a%2525");
  names_check_distinct("/a.b", "/a/b");
  names_check_distinct("/a_b", "/a/b");
  names_check_distinct("/A", "/a");
  names_check_distinct("/prshm-x", "/prshm.x");
  names_check_distinct("/a\\b", "/a/b");
  names_check_distinct("/a\\b", "/a%5Cb");
}

TEST(injective_one_byte_apart) {
  char a[64], b[64];
  size_t pos;
  int c;

  strcpy(a, "/segment/name/of/some/length");
  for (pos = 1; a[pos] != '\0'; pos++) {
    for (c = 1; c < 256; c += 7) {
      strcpy(b, a);
      if ((char)c == a[pos] || c == '/' || a[pos] == '/') continue;
      b[pos] = (char)c;
      names_check_distinct(a, b);
    }
  }
}

TEST(injective_long_names_differing_at_the_end) {
  static char a[PRSHM__NAME_MAX + 2], b[PRSHM__NAME_MAX + 2];
  char ka[PRSHM__KEY_SIZE], kb[PRSHM__KEY_SIZE];
  size_t len;

  for (len = 200; len <= PRSHM__NAME_MAX; len += 137) {
    names_make(a, len, 0);
    names_make(b, len, 0);
    b[len] = 'j';
    names_check_distinct(a, b);
    /* One name a prefix of the other. */
    names_make(b, len - 1, 0);
    names_check_distinct(a, b);
  }
  names_make(a, PRSHM__NAME_MAX, 0);
  names_make(b, PRSHM__NAME_MAX, 0);
  b[PRSHM__NAME_MAX] = 'j';
  CHECK(!names_encode(a, NAMES_LINUX_LIMIT, ka));
  CHECK(!names_encode(b, NAMES_LINUX_LIMIT, kb));
  CHECK(strcmp(ka, kb) != 0);
}

/* ---- decode of strings the encoder never writes ---- */

static void names_check_rejected(const char *key) {
  char out[PRSHM__RESOLVED_MAX];

  out[0] = 'x';
  if (prshm__name_decode(key, out, sizeof out) != -1)
    t_fail(__FILE__, __LINE__, "decode accepted \"%s\" as \"%s\"", key, out);
}

TEST(decode_rejects_non_canonical_and_foreign) {
  names_check_rejected("prshm.%41");   /* 'A' needs no escape */
  names_check_rejected("prshm.%2F");   /* '/' is written '+' */
  names_check_rejected("prshm.%2f");   /* lower-case hex */
  names_check_rejected("prshm.%00");   /* NUL is never in a name */
  names_check_rejected("prshm.a::b");  /* empty component */
  names_check_rejected("prshm.+a");    /* would resolve "//a" */
  names_check_rejected("prshm.a:");    /* trailing '/' */
  names_check_rejected("prshm.a:.:b"); /* "." component */
  names_check_rejected("prshm.a:..");  /* ".." component */
  names_check_rejected("prshm..");     /* "/." */
  names_check_rejected("prshm.a b");   /* a raw byte that needs escaping */
  names_check_rejected("prshm.%zz");
  names_check_rejected("prshm.%4");
  names_check_rejected("prshm.a%");
  names_check_rejected("prshm-short");
  names_check_rejected("prshm-AAAAAAAAAAAAAAAAAAAAA");   /* 21 digits */
  names_check_rejected("prshm-AAAAAAAAAAAAAAAAAAAAAAA"); /* 23 digits */
  names_check_rejected("prshm-AAAAAAAAAAAAAAAAAAAAA+");  /* not base64url */
  names_check_rejected("prshm");
  names_check_rejected("prshm:a");
  names_check_rejected("");
  names_check_rejected("other");
  names_check_rejected(".prshm-tmp-12-3");
}

TEST(decode_accepts_what_encode_writes_and_checks_room) {
  char out[8];

  CHECK_EQ(prshm__name_decode("prshm-AAAAAAAAAAAAAAAAAAAAAA", out, sizeof out), 0);
  CHECK_EQ(prshm__name_decode("prshm.a+b", out, sizeof out), 1);
  CHECK_STR(out, "/a/b");
  /* "/abcdefg" needs 9 bytes. */
  CHECK_EQ(prshm__name_decode("prshm.abcdefg", out, sizeof out), -1);
  CHECK_EQ(prshm__name_decode("prshm.abcdef", out, sizeof out), 1);
  CHECK_STR(out, "/abcdef");
  CHECK_EQ(prshm__name_decode("prshm.a", out, 1), -1);
}

TEST(decode_rejects_overlong_readable_key) {
  char key[PRSHM__KEY_SIZE + 8], out[PRSHM__RESOLVED_MAX];

  memcpy(key, "prshm.", 6);
  memset(key + 6, 'k', sizeof key - 7);
  key[sizeof key - 1] = '\0';
  CHECK_EQ(prshm__name_decode(key, out, sizeof out), -1);
}

/* ---- randomised ---- */

/* A small fixed-seed generator (xorshift64*), so every run is the same. */
static uint64_t names_rng = 0x9e3779b97f4a7c15u;

static unsigned names_rand(unsigned n) {
  names_rng ^= names_rng >> 12;
  names_rng ^= names_rng << 25;
  names_rng ^= names_rng >> 27;
  return (unsigned)((names_rng * 0x2545f4914f6cdd1dU) >> 33) % n;
}

/* A random caller's name: mostly path-like bytes and the characters that
 * escaping must keep apart, sometimes any byte. */
static void names_random(char *out, size_t max) {
  static const char pick[] = "ab/./..%:_-A%2F%25";
  size_t len = 1 + names_rand((unsigned)max), i;

  for (i = 0; i < len; i++) {
    unsigned r = names_rand(10);
    out[i] = r < 7 ? pick[names_rand(sizeof pick - 1)] : (char)(1 + names_rand(255));
  }
  out[len] = '\0';
}

/* One generated name: its resolved form and its key. */
typedef struct names_pair {
  char resolved[64];         /* resolved against "/" */
  char key[PRSHM__KEY_SIZE]; /* its key at the limit under test */
} names_pair;

static int names_pair_cmp(const void *a, const void *b) {
  return strcmp(((const names_pair *)a)->key, ((const names_pair *)b)->key);
}

/* Round-trips every readable key and checks that sorted keys that are
 * equal come from equal resolved names. */
static void names_random_run(size_t limit, int count) {
  names_pair *pairs = calloc((size_t)count, sizeof *pairs);
  char name[40], back[PRSHM__RESOLVED_MAX];
  int i, readable = 0, hashed = 0;

  CHECK_NOT_NULL(pairs);
  for (i = 0; i < count; i++) {
    names_random(name, sizeof name - 1);
    CHECK_INT(prshm__name_resolve("/", name, pairs[i].resolved, sizeof pairs[i].resolved), >, 0);
    if (names_encode(pairs[i].resolved, limit, pairs[i].key)) {
      readable++;
      CHECK_EQ(prshm__name_decode(pairs[i].key, back, sizeof back), 1);
      CHECK_STR(back, pairs[i].resolved);
    } else {
      hashed++;
      CHECK_EQ(prshm__name_decode(pairs[i].key, back, sizeof back), 0);
    }
  }
  /* Both forms must have been exercised for the run to mean anything. */
  CHECK_INT(readable, >, count / 20);
  CHECK_INT(hashed, >, count / 20);
  qsort(pairs, (size_t)count, sizeof *pairs, names_pair_cmp);
  for (i = 1; i < count; i++)
    if (strcmp(pairs[i - 1].key, pairs[i].key) == 0 &&
        strcmp(pairs[i - 1].resolved, pairs[i].resolved) != 0)
      t_fail(__FILE__, __LINE__, "key %s for two names", pairs[i].key);
  free(pairs);
}

TEST(random_names_round_trip_and_stay_distinct) {
  names_rng = 0x9e3779b97f4a7c15u;
  names_random_run(NAMES_PORTABLE_LIMIT, 4000);
  names_random_run(NAMES_LINUX_LIMIT / 4, 4000);
}

/* ---- The one-pass key of a resolved name ---- */

/* The one-pass key of `name` is either none (0) or exactly the key that
 * resolving then encoding gives; `expect_fast` says which it must be. */
static void names_check_fast(const char *name, size_t limit, int expect_fast) {
  char fast[PRSHM__KEY_SIZE], slow[PRSHM__KEY_SIZE], resolved[PRSHM__RESOLVED_MAX];
  size_t n = prshm__name_encode_resolved(name, limit, fast);

  if (!expect_fast) {
    if (n != 0) t_fail(__FILE__, __LINE__, "one pass took \"%s\" (limit %zu)", name, limit);
    return;
  }
  if (n == 0) t_fail(__FILE__, __LINE__, "one pass refused \"%s\" (limit %zu)", name, limit);
  CHECK_INT(prshm__name_resolve("/", name, resolved, sizeof resolved), >, 0);
  CHECK_STR(resolved, name);
  CHECK_EQ(n, prshm__name_encode(resolved, limit, slow));
  CHECK_STR(fast, slow);
}

TEST(one_pass_key_of_resolved_names) {
  names_check_fast("/a", NAMES_LINUX_LIMIT, 1);
  names_check_fast("/srv/app/state", NAMES_LINUX_LIMIT, 1);
  names_check_fast("/a b%/c:d/\x01\xff", NAMES_LINUX_LIMIT, 1);
  names_check_fast("/.x/..y/.../x.", NAMES_LINUX_LIMIT, 1);
  names_check_fast("/a+b/-_.", NAMES_LINUX_LIMIT, 1);
  names_check_fast("/abcdefg", NAMES_PORTABLE_LIMIT, 1);
}

TEST(one_pass_refuses_names_to_resolve) {
  static const char *const names[] = {
      "a",   "a/b",   "/",     "//",      "/a/",    "/a//b", "//a",   "/.",     "/./a", "/a/.",
      "/..", "/a/..", "/../a", "/a/../b", "/a/./b", "./a",   "/a/b/", "/a/.//", "",
  };
  size_t i;

  for (i = 0; i < sizeof names / sizeof names[0]; i++) {
    names_check_fast(names[i], NAMES_LINUX_LIMIT, 0);
    names_check_fast(names[i], NAMES_PORTABLE_LIMIT, 0);
  }
}

/* Only names whose readable key surely fits (6 + 3 bytes a byte): longer
 * ones take the long way, readable or hashed, never a different key. */
TEST(one_pass_only_where_the_key_surely_fits) {
  char name[PRSHM__NAME_MAX + 1];
  size_t len, limit;

  for (limit = 28; limit <= NAMES_LINUX_LIMIT; limit += 227) {
    for (len = 2; len < 120; len++) {
      memset(name, 'x', len);
      name[0] = '/';
      name[len] = '\0';
      names_check_fast(name, limit, PRSHM__KEY_PREFIX_LEN + 3 * len <= limit);
      name[len / 2] = '\x80';
      names_check_fast(name, limit, PRSHM__KEY_PREFIX_LEN + 3 * len <= limit);
    }
  }
}
