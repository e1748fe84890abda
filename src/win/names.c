/*
 * names.c (Windows) - prshm's name rules (what a name means, how it is
 * resolved, how it becomes a key) read the Windows way. Pure functions: no
 * system call, no global state.
 *
 * A name is read as a path in the Windows way and then follows the rules of
 * name.c: '\' separates components like '/'; a name that starts with a
 * separator is absolute within prshm's namespace (not relative to a drive),
 * so "/app/state" means one segment everywhere, as on Unix; a name that
 * starts with a drive, "X:" followed by a separator or nothing, is absolute
 * as "/X:/..." (X upper-cased); any other name is relative to the current
 * directory, which is read by the same rules ("C:\work" is "/C:/work").
 *
 * A name that starts with "Global\" or "Local\" (letters in any case,
 * written back as Windows spells them) picks that kernel namespace, and the
 * rest of the name is absolute: such a name designates a kernel object,
 * which Windows programs expect to be one object from every directory.
 * Every other name lives in Local\, the session's namespace. The key is the
 * namespace and prshm__name_encode() of the resolved name, which never
 * contains '\', so no name can reach outside the namespace it was given.
 */
#include <string.h>

#include "win.h"

/* Separators of path components on Windows. */
static int names_sep(char c) { return c == '/' || c == '\\'; }

static int names_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* The length of `prefix` if `name` starts with it, ignoring the case of
 * ASCII letters; else 0. */
static size_t names_prefix(const char *name, const char *prefix) {
  size_t i;

  for (i = 0; prefix[i] != '\0'; i++) {
    char a = name[i], b = prefix[i];
    if (a >= 'a' && a <= 'z') a = (char)(a - 'a' + 'A');
    if (b >= 'a' && b <= 'z') b = (char)(b - 'a' + 'A');
    if (a != b) return 0;
  }
  return i;
}

/* Whether `path` starts with a drive: a letter, ':', then a separator or
 * the end. */
static int names_drive(const char *path) {
  return names_letter(path[0]) && path[1] == ':' && (path[2] == '\0' || names_sep(path[2]));
}

/*
 * Writes `path` into `out` (capacity `size`) in the form that
 * prshm__name_resolve() reads: '\' becomes '/', a drive "x:" becomes "/X:",
 * and `absolute` puts a '/' in front. Returns 0, or -1 if it does not fit.
 */
static int names_unixify(const char *path, PRBool absolute, char *out, size_t size) {
  size_t n = 0, len = strlen(path);

  if (len + 3 > size) return -1;
  if (absolute || names_drive(path)) out[n++] = '/';
  if (names_drive(path)) {
    out[n++] = (char)(path[0] >= 'a' ? path[0] - 'a' + 'A' : path[0]);
    path++;
  }
  for (; *path != '\0'; path++) out[n++] = *path == '\\' ? '/' : *path;
  out[n] = '\0';
  return 0;
}

/* The namespace `name` picks and the length of its prefix in `name`. */
static const char *names_namespace(const char *name, size_t *skip) {
  *skip = names_prefix(name, "Global\\");
  if (*skip != 0) return "Global\\";
  *skip = names_prefix(name, "Local\\");
  return "Local\\";
}

PRBool prshm__win_name_needs_cwd(const char *name) {
  size_t skip;

  (void)names_namespace(name, &skip);
  return skip == 0 && !names_sep(name[0]) && !names_drive(name);
}

size_t prshm__win_name_key(const char *cwd, const char *name, char *key) {
  return prshm__win_name_key_kind(cwd, name, PRSHM__KIND_SEG, key);
}

size_t prshm__win_name_key_kind(const char *cwd, const char *name, prshm__kind kind, char *key) {
  char path[PRSHM__NAME_MAX + 3], base[PRSHM__WIN_CWD_BYTES + 2];
  char resolved[PRSHM__RESOLVED_MAX], body[PRSHM__KEY_SIZE];
  size_t skip, nslen, bodylen;
  const char *ns = names_namespace(name, &skip);

  if (names_unixify(name + skip, skip != 0, path, sizeof path) != 0) return 0;
  base[0] = '\0';
  if (path[0] != '/') {
    /* The current directory is absolute; say so even if it has no drive. */
    if (names_unixify(cwd, PR_TRUE, base, sizeof base) != 0) return 0;
  }
  if (prshm__name_resolve(base, path, resolved, sizeof resolved) < 0) return 0;
  bodylen = prshm__name_encode_kind(resolved, kind, PRSHM__WIN_BODY_MAX, body);
  nslen = strlen(ns);
  memcpy(key, ns, nslen);
  memcpy(key + nslen, body, bodylen + 1);
  return nslen + bodylen;
}

PRStatus prshm__win_widen(const char *key, WCHAR *out) {
  /* Keys are ASCII, so this fails only on a broken key. */
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, key, -1, out, PRSHM__KEY_SIZE) == 0)
    return prshm__fail_os((PRInt32)GetLastError());
  return PR_SUCCESS;
}

void prshm__win_suffixed(const char *key, char suffix, WCHAR *out) {
  size_t i;

  /* Keys are ASCII: each byte is its own UTF-16 unit. */
  for (i = 0; key[i] != '\0'; i++) out[i] = (WCHAR)(unsigned char)key[i];
  out[i] = (WCHAR)(unsigned char)suffix;
  out[i + 1] = 0;
}
