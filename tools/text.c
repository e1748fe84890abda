/*
 * text.c - the prshm command's messages, and its text for people and for
 * JSON: names are bytes that another user may have chosen, so nothing of a
 * name reaches the terminal that the terminal could take as a command.
 *
 * Sections: characters; text for people; text for JSON; numbers, times and
 * users; messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#else
#include <grp.h>
#include <pwd.h>
#endif

/* Names longer than this are shortened in messages. */
#define TEXT_NAME_SHOWN 100

/* ------------------------------------------------------------------------
 * Characters.
 */

/* The length of the valid UTF-8 sequence at p, or 0 if there is none; its
 * code point in *cp. */
static size_t text_utf8(const unsigned char *p, unsigned long *cp) {
  size_t len, i;

  if (p[0] < 0x80) {
    *cp = p[0];
    return 1;
  }
  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    len = 2;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    len = 3;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    len = 4;
  else
    return 0;
  *cp = p[0] & (0x7fu >> len);
  for (i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0; /* also stops at the terminator */
    *cp = *cp << 6 | (p[i] & 0x3fu);
  }
  /* Overlong forms, surrogates, and code points past U+10FFFF. */
  if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
      (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
    return 0;
  return len;
}

/* Whether a code point may change what a terminal does or shows rather
 * than be shown: C0 and C1 controls and DEL (a C1 control such as U+009B,
 * CSI, starts an escape sequence on many terminals), and the format
 * characters that reorder or break lines (bidirectional overrides,
 * isolates and marks, line and paragraph separators). */
static int text_is_control(unsigned long cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* ------------------------------------------------------------------------
 * Text for people.
 */

void tool_printable(const char *in, char *out, size_t size, size_t max) {
  const unsigned char *p = (const unsigned char *)in;
  size_t n = 0, shown = 0, i;

  while (*p != '\0' && n + 20 < size) {
    unsigned long cp;
    size_t len = text_utf8(p, &cp);
    if (max != 0 && shown >= max) {
      memcpy(out + n, "...", 3);
      n += 3;
      break;
    }
    if (len == 0) len = 1; /* a byte that is not UTF-8: escaped below */
    if (len == 1 && *p >= 0x80) cp = 0x80;
    if (text_is_control(cp)) {
      for (i = 0; i < len; i++) n += (size_t)snprintf(out + n, size - n, "\\x%02x", p[i]);
    } else {
      memcpy(out + n, p, len);
      n += len;
    }
    p += len;
    shown++;
  }
  out[n] = '\0';
}

/* ------------------------------------------------------------------------
 * Text for JSON.
 */

void tool_json_string(const char *s) {
  const unsigned char *p = (const unsigned char *)s;

  putchar('"');
  while (*p != '\0') {
    unsigned long cp;
    size_t len = text_utf8(p, &cp);
    if (len == 0) {
      printf("\\udc%02x", *p++); /* the byte, recoverable */
    } else if (*p == '"' || *p == '\\') {
      printf("\\%c", *p++);
    } else if (text_is_control(cp)) {
      printf("\\u%04lx", cp);
      p += len;
    } else {
      fwrite(p, 1, len, stdout);
      p += len;
    }
  }
  putchar('"');
}

/* ------------------------------------------------------------------------
 * Numbers, times and users.
 */

void tool_human_size(PRUint64 n, char *buf, size_t size) {
  static const char units[] = "KMGTPE";
  double v = (double)n;
  int u = -1;

  if (n < 1024) {
    snprintf(buf, size, "%lluB", (unsigned long long)n);
    return;
  }
  while (v >= 1024 && u < 5) {
    v /= 1024;
    u++;
  }
  snprintf(buf, size, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

void tool_duration(long seconds, char *buf, size_t size) {
  if (seconds < 120)
    snprintf(buf, size, "%lds", seconds);
  else if (seconds < 2 * 3600)
    snprintf(buf, size, "%ldm", seconds / 60);
  else if (seconds < 2 * 86400)
    snprintf(buf, size, "%ldh", seconds / 3600);
  else
    snprintf(buf, size, "%ldd", seconds / 86400);
}

#ifdef _WIN32
static int text_localtime(time_t t, struct tm *tm) { return localtime_s(tm, &t) == 0 ? 0 : -1; }
void tool_user(PRUint32 uid, char *buf, size_t size) { snprintf(buf, size, "%u", uid); }
void tool_group(PRUint32 gid, char *buf, size_t size) { snprintf(buf, size, "%u", gid); }
void tool_process_name(PRInt32 pid, char *buf, size_t size) {
  (void)pid;
  snprintf(buf, size, "?");
}
void tool_binary_stdio(void) {
  (void)_setmode(_fileno(stdin), _O_BINARY);
  (void)_setmode(_fileno(stdout), _O_BINARY);
}
#else
static int text_localtime(time_t t, struct tm *tm) { return localtime_r(&t, tm) ? 0 : -1; }
void tool_user(PRUint32 uid, char *buf, size_t size) {
  const struct passwd *pw = getpwuid((uid_t)uid);
  if (pw != NULL)
    snprintf(buf, size, "%s", pw->pw_name);
  else
    snprintf(buf, size, "%u", uid);
}
void tool_group(PRUint32 gid, char *buf, size_t size) {
  const struct group *gr = getgrgid((gid_t)gid);
  if (gr != NULL)
    snprintf(buf, size, "%s", gr->gr_name);
  else
    snprintf(buf, size, "%u", gid);
}
void tool_process_name(PRInt32 pid, char *buf, size_t size) {
  char path[64], comm[64];
  FILE *f;

  snprintf(buf, size, "?");
  snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
  f = fopen(path, "r");
  if (f == NULL) return;
  if (fgets(comm, sizeof comm, f) != NULL) {
    comm[strcspn(comm, "\n")] = '\0';
    tool_printable(comm, buf, size, 0); /* a process names itself */
  }
  fclose(f);
}
void tool_binary_stdio(void) {}
#endif

void tool_time(PRInt64 t, const char *fmt, char *buf, size_t size) {
  struct tm tm;

  if (text_localtime((time_t)t, &tm) != 0 || strftime(buf, size, fmt, &tm) == 0)
    snprintf(buf, size, "%lld", (long long)t);
}

/* ------------------------------------------------------------------------
 * Messages.
 */

/* Prints "prshm: NAME: " (or "prshm: ") and a formatted message. */
static void text_say(const char *name, const char *fmt, va_list ap) {
  char shown[4 * TEXT_NAME_SHOWN + 32];

  fputs("prshm: ", stderr);
  if (name != NULL) {
    tool_printable(name, shown, sizeof shown, TEXT_NAME_SHOWN);
    fprintf(stderr, "%s: ", shown);
  }
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

int tool_error(int code, const char *name, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  text_say(name, fmt, ap);
  va_end(ap);
  return code;
}

int tool_usage(const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  text_say(NULL, fmt, ap);
  va_end(ap);
  fputs("Try 'prshm --help' for more information.\n", stderr);
  return TOOL_EXIT_USAGE;
}

const char *tool_namespace(void) {
  static char where[PRSHM_NATIVE_NAME_MAX];

  if (prshm_namespace(where, sizeof where) != PR_SUCCESS && where[0] == '\0')
    return "the shared memory namespace";
  return where[0] != '\0' ? where : "the system's shared memory namespace";
}

int tool_fail_namespace(void) {
  char where[PRSHM_NATIVE_NAME_MAX];
  const int set = getenv(PRSHM_DIR_ENV) != NULL;
  const char *by = set ? " (set by " PRSHM_DIR_ENV ")" : "";
  PRErrorCode code;

  if (prshm_namespace(where, sizeof where) == PR_SUCCESS) {
    /* The place is fine: the call failed for another reason. */
    if (PR_GetError() == PR_NOT_IMPLEMENTED_ERROR)
      return tool_error(TOOL_EXIT_FAILURE, NULL,
                        "this system's shared memory namespace cannot be listed; set " PRSHM_DIR_ENV
                        " to keep segments in a directory that can be");
    return tool_error(TOOL_EXIT_FAILURE, where[0] != '\0' ? where : NULL, "%s",
                      PR_ErrorToString(PR_GetError(), PR_LANGUAGE_I_DEFAULT));
  }
  code = PR_GetError();
  switch (code) {
    case PR_INVALID_ARGUMENT_ERROR:
      return tool_error(TOOL_EXIT_USAGE, NULL, PRSHM_DIR_ENV "=%s: must be an absolute path",
                        where);
    case PR_NAME_TOO_LONG_ERROR:
      return tool_error(TOOL_EXIT_USAGE, NULL, PRSHM_DIR_ENV " is longer than a path may be");
    case PR_FILE_NOT_FOUND_ERROR:
      return tool_error(TOOL_EXIT_NOT_FOUND, where, "the namespace directory%s does not exist", by);
    case PR_NOT_DIRECTORY_ERROR:
      return tool_error(TOOL_EXIT_FAILURE, where, "the namespace%s is not a directory", by);
    case PR_NO_ACCESS_RIGHTS_ERROR:
      return tool_error(TOOL_EXIT_NO_PERMISSION, where,
                        "permission denied on the namespace directory%s", by);
    default:
      return tool_error(TOOL_EXIT_FAILURE, where, "the namespace directory%s: %s", by,
                        PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT));
  }
}

/* The exit code for a library error. */
static int text_exit_code(PRErrorCode code) {
  switch (code) {
    case PR_FILE_NOT_FOUND_ERROR:
      return TOOL_EXIT_NOT_FOUND;
    case PR_NO_ACCESS_RIGHTS_ERROR:
      return TOOL_EXIT_NO_PERMISSION;
    case PR_FILE_EXISTS_ERROR:
      return TOOL_EXIT_EXISTS;
    case PR_INVALID_ARGUMENT_ERROR:
    case PR_NAME_TOO_LONG_ERROR:
      return TOOL_EXIT_USAGE;
    default:
      return TOOL_EXIT_FAILURE;
  }
}

/* The cause of a failure about a segment, in the words a user would
 * search for. */
static const char *text_cause(PRErrorCode code, int native) {
  switch (code) {
    case PR_FILE_NOT_FOUND_ERROR:
      return native ? "no such object in the namespace" : "no such segment";
    case PR_FILE_EXISTS_ERROR:
      return "a segment of that name exists already";
    case PR_NO_ACCESS_RIGHTS_ERROR:
      return "permission denied";
    case PR_INVALID_STATE_ERROR:
      return "not a segment: its native name is taken by something else (a directory, a FIFO, "
             "a socket, or a file under two names)";
    case PR_LOOP_ERROR:
      return "not a segment: its native name is a symbolic link, which prshm never follows";
    case PR_FILE_IS_BUSY_ERROR:
      return "busy: another process holds it exclusively, or it is still being created";
    default:
      return PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT);
  }
}

int tool_fail(const char *name, int native) {
  const PRErrorCode code = PR_GetError();
  char where[PRSHM_NATIVE_NAME_MAX];
  size_t len = strlen(name);

  if (len == 0)
    return tool_error(TOOL_EXIT_USAGE, NULL, "\"\": not a valid name: a name must not be empty");
  if (code == PR_NAME_TOO_LONG_ERROR && !native && len > 1023)
    return tool_error(TOOL_EXIT_USAGE, name, "name too long (%lu bytes): at most 1023 bytes",
                      (unsigned long)len);
  if (code == PR_INVALID_ARGUMENT_ERROR && native)
    return tool_error(TOOL_EXIT_USAGE, name,
                      "not a native name of %s: give a name in it, like psm_1a2b or /psm_1a2b",
                      tool_namespace());
  /* A failure that comes from the place, not from the name. */
  if (prshm_namespace(where, sizeof where) != PR_SUCCESS) return tool_fail_namespace();
  return tool_error(text_exit_code(code), name, "%s", text_cause(code, native));
}
