/*
 * prshm.c - the prshm command: see and manage named shared memory segments.
 *
 *   prshm ls [--json] [--bytes]                 every segment, in use or not
 *   prshm info NAME... [--json]                 one segment in detail
 *   prshm create NAME SIZE [--mode M] [--sparse]
 *   prshm rm NAME...
 *   prshm cat NAME [--offset N] [--length N]    raw bytes to stdout
 *   prshm dump NAME [--offset N] [--length N]   hex dump
 *   prshm write NAME [--offset N]               stdin into the segment
 *   prshm prune [--dry-run]                     remove orphaned segments
 *
 * It uses only the public API (prshm.h, prerror.h) and its extensions
 * (prshm_ext.h), like any other program. Errors go to stderr as
 * "prshm: NAME: message", with the library's sentence for the error; the
 * exit codes are TOOL_EXIT_* below. The manual is docs/man/prshm.1.
 *
 * Sections: exit codes and messages; text for people and for JSON; the
 * command line; listing (ls, info); segments (create, rm); contents (cat,
 * dump, write); prune; main.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <prerror.h>
#include <prshm.h>
#include <prshm_ext.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#else
#include <grp.h>
#include <pwd.h>
#endif

/* ------------------------------------------------------------------------
 * Exit codes and messages.
 */

enum {
  TOOL_EXIT_OK = 0,            /* success */
  TOOL_EXIT_FAILURE = 1,       /* any failure not listed below */
  TOOL_EXIT_USAGE = 2,         /* bad command line or bad input: unknown
                                  command or option, bad size, offset or
                                  mode, name too long, data past the end */
  TOOL_EXIT_NOT_FOUND = 3,     /* no such segment */
  TOOL_EXIT_NO_PERMISSION = 4, /* permission denied */
  TOOL_EXIT_EXISTS = 5         /* create: the segment exists */
};

/* Names longer than this are shortened in messages and tables. */
#define TOOL_NAME_SHOWN 100

/* The length of the valid UTF-8 sequence at p, or 0 if there is none. */
static size_t tool_utf8_len(const unsigned char *p) {
  size_t len, i;

  if (p[0] < 0x80) return 1;
  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    len = 2;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    len = 3;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    len = 4;
  else
    return 0;
  for (i = 1; i < len; i++)
    if ((p[i] & 0xc0) != 0x80) return 0; /* also stops at the terminator */
  /* Overlong forms, surrogates, and code points past U+10FFFF. */
  if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
      (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
    return 0;
  return len;
}

/* Appends to out (size bytes, always terminated) the bytes of `in` that a
 * terminal can show, and \xNN for the others (control characters and
 * bytes that are not UTF-8), so that a name can never drive the terminal.
 * With max non-zero, shows at most max characters, then "...". */
static void tool_printable(const char *in, char *out, size_t size, size_t max) {
  const unsigned char *p = (const unsigned char *)in;
  size_t n = 0, shown = 0;

  while (*p != '\0' && n + 8 < size) {
    size_t len = tool_utf8_len(p);
    if (max != 0 && shown >= max) {
      memcpy(out + n, "...", 3);
      n += 3;
      break;
    }
    if (len == 0 || *p < 0x20 || *p == 0x7f) {
      n += (size_t)snprintf(out + n, size - n, "\\x%02x", *p);
      p++;
    } else {
      memcpy(out + n, p, len);
      n += len;
      p += len;
    }
    shown++;
  }
  out[n] = '\0';
}

/* Prints "prshm: NAME: " (or "prshm: ") and a formatted message. */
static void tool_say(const char *name, const char *fmt, va_list ap) {
  char shown[4 * TOOL_NAME_SHOWN + 16];

  fputs("prshm: ", stderr);
  if (name != NULL) {
    tool_printable(name, shown, sizeof shown, TOOL_NAME_SHOWN);
    fprintf(stderr, "%s: ", shown);
  }
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

/* Reports a problem the command found itself; returns `code`. */
static int tool_error(int code, const char *name, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  tool_say(name, fmt, ap);
  va_end(ap);
  return code;
}

/* The exit code for a library error. */
static int tool_exit_code(PRErrorCode code) {
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

/* Reports the failure of the last library call about `name`, in the
 * library's words; returns the matching exit code. */
static int tool_fail(const char *name) {
  PRErrorCode code = PR_GetError();
  return tool_error(tool_exit_code(code), name, "%s",
                    PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT));
}

/* Reports a bad command line; returns TOOL_EXIT_USAGE. */
static int tool_usage(const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  tool_say(NULL, fmt, ap);
  va_end(ap);
  fputs("Try 'prshm --help' for more information.\n", stderr);
  return TOOL_EXIT_USAGE;
}

/* ------------------------------------------------------------------------
 * Text for people and for JSON.
 */

/* Writes s as a JSON string. Bytes that are not UTF-8 (names are bytes)
 * become U+FFFD, so that the output is always valid JSON. */
static void tool_json_string(const char *s) {
  const unsigned char *p = (const unsigned char *)s;

  putchar('"');
  while (*p != '\0') {
    size_t len = tool_utf8_len(p);
    if (len == 0) {
      fputs("\\ufffd", stdout);
      p++;
    } else if (*p == '"' || *p == '\\') {
      printf("\\%c", *p++);
    } else if (*p < 0x20) {
      printf("\\u%04x", *p++);
    } else {
      fwrite(p, 1, len, stdout);
      p += len;
    }
  }
  putchar('"');
}

/* A size as people read it: 512B, 4.0K, 64M (powers of 1024). */
static void tool_human_size(PRUint64 n, char *buf, size_t size) {
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

#ifdef _WIN32
static int tool_localtime(time_t t, struct tm *tm) { return localtime_s(tm, &t) == 0 ? 0 : -1; }
static void tool_user(PRUint32 uid, char *buf, size_t size) { snprintf(buf, size, "%u", uid); }
static void tool_group(PRUint32 gid, char *buf, size_t size) { snprintf(buf, size, "%u", gid); }
/* Segments hold bytes: stdin and stdout must not translate line ends. */
static void tool_binary_stdio(void) {
  (void)_setmode(_fileno(stdin), _O_BINARY);
  (void)_setmode(_fileno(stdout), _O_BINARY);
}
#else
static int tool_localtime(time_t t, struct tm *tm) { return localtime_r(&t, tm) ? 0 : -1; }
/* The user's name, or the number when it has none. */
static void tool_user(PRUint32 uid, char *buf, size_t size) {
  const struct passwd *pw = getpwuid((uid_t)uid);
  if (pw != NULL)
    snprintf(buf, size, "%s", pw->pw_name);
  else
    snprintf(buf, size, "%u", uid);
}
static void tool_group(PRUint32 gid, char *buf, size_t size) {
  const struct group *gr = getgrgid((gid_t)gid);
  if (gr != NULL)
    snprintf(buf, size, "%s", gr->gr_name);
  else
    snprintf(buf, size, "%u", gid);
}
static void tool_binary_stdio(void) {}
#endif

/* A time as people read it, in local time. */
static void tool_time(PRInt64 t, const char *fmt, char *buf, size_t size) {
  struct tm tm;

  if (tool_localtime((time_t)t, &tm) != 0 || strftime(buf, size, fmt, &tm) == 0)
    snprintf(buf, size, "%lld", (long long)t);
}

static const char *tool_state(const prshm_seginfo *info) {
  switch (info->use) {
    case PRSHM_USE_IN_USE:
      return "in use";
    case PRSHM_USE_ORPHANED:
      return "orphaned";
    default:
      return "unknown";
  }
}

/* The segment as messages name it: the caller's name, or the native name
 * when the caller's cannot be known. */
static const char *tool_label(const prshm_seginfo *info) {
  return info->kind == PRSHM_KIND_NAMED ? info->name : info->native_name;
}

/* Why the segment is in use, orphaned or unknown, in words. */
static void tool_explain(const prshm_seginfo *info, char *buf, size_t size) {
  static const struct {
    PRUint32 bit;     /* an evidence bit */
    const char *text; /* what it means */
  } why[] = {
      {PRSHM_HELD_HANDLE, "a prshm handle holds it"},
      {PRSHM_HELD_MAPPED, "a process maps it"},
      {PRSHM_HELD_OPEN, "a process holds a descriptor of it"},
      {PRSHM_HELD_FILE, "the kernel reports it open or mapped"},
      {PRSHM_FREE_PROVED, "the kernel reports it neither open nor mapped anywhere"},
      {PRSHM_UNCHECKED_LOCK, "its lock could not be tested (no permission to open it)"},
      {PRSHM_UNCHECKED_PROCS, "the processes could not be scanned"},
      {PRSHM_UNCHECKED_SOME, "some processes could not be inspected"},
      {PRSHM_UNCHECKED_LEASE, "the kernel's lease test was not possible"},
  };
  size_t i, n = 0;

  buf[0] = '\0';
  for (i = 0; i < sizeof why / sizeof why[0] && n < size; i++)
    /* What could not be checked matters only when nothing else decided. */
    if ((info->evidence & why[i].bit) != 0 &&
        (why[i].bit < PRSHM_UNCHECKED_LOCK || info->use == PRSHM_USE_UNKNOWN))
      n += (size_t)snprintf(buf + n, size - n, "%s%s", n > 0 ? "; " : "", why[i].text);
  if (n == 0) snprintf(buf, size, "nothing holds it");
}

/* ------------------------------------------------------------------------
 * The command line.
 */

/* Options, as bits (which commands take which). */
enum {
  OPT_JSON = 1 << 0,    /* --json */
  OPT_BYTES = 1 << 1,   /* --bytes */
  OPT_MODE = 1 << 2,    /* --mode MODE */
  OPT_SPARSE = 1 << 3,  /* --sparse */
  OPT_OFFSET = 1 << 4,  /* --offset N */
  OPT_LENGTH = 1 << 5,  /* --length N */
  OPT_DRY_RUN = 1 << 6, /* --dry-run */
  OPT_HELP = 1 << 7     /* --help, -h */
};

/* What the command line asked for. */
typedef struct tool_args {
  const char **pos; /* positional arguments (after the command) */
  int npos;         /* how many */
  unsigned given;   /* OPT_* bits present */
  PRIntn mode;      /* --mode, when given */
  PRUint64 offset;  /* --offset, when given */
  PRUint64 length;  /* --length, when given */
} tool_args;

/* A subcommand. */
typedef struct tool_command {
  const char *name;               /* as typed */
  int (*run)(const tool_args *a); /* does it; returns the exit code */
  int min_args, max_args;         /* positional arguments (-1: no limit) */
  unsigned options;               /* OPT_* bits it accepts */
  const char *synopsis;           /* its usage line */
} tool_command;

/*
 * Parses a size or offset: decimal digits, then optionally a unit: K, M,
 * G, T (or KiB, MiB, GiB, TiB: powers of 1024), KB, MB, GB, TB (powers of
 * 1000), or B; letters in either case. Returns 0, or -1 if it is not one.
 */
static int tool_parse_size(const char *s, PRUint64 *out) {
  static const char letters[] = "KMGT";
  PRUint64 v = 0, unit = 1;
  const char *p = s;
  int i;

  if (*p < '0' || *p > '9') return -1;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (UINT64_MAX - (PRUint64)(*p - '0')) / 10) return -1;
    v = v * 10 + (PRUint64)(*p - '0');
  }
  if (*p != '\0' && *p != 'b' && *p != 'B') {
    const char *l = strchr(letters, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    PRUint64 base = 1024;
    if (l == NULL) return -1;
    p++;
    if ((p[0] == 'i' || p[0] == 'I') && (p[1] == 'b' || p[1] == 'B')) {
      p += 2;
    } else if (p[0] == 'b' || p[0] == 'B') {
      base = 1000;
      p++;
    }
    for (i = 0; i <= (int)(l - letters); i++) unit *= base;
  } else if (*p != '\0') {
    p++;
  }
  if (*p != '\0' || (v != 0 && unit > UINT64_MAX / v)) return -1;
  *out = v * unit;
  return 0;
}

/* Parses a mode: octal, at most 0777. */
static int tool_parse_mode(const char *s, PRIntn *out) {
  PRIntn m = 0;

  if (*s == '\0' || strlen(s) > 4) return -1;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '7') return -1;
    m = m * 8 + (*s - '0');
  }
  if (m > 0777) return -1;
  *out = m;
  return 0;
}

/* The options by name. */
static const struct {
  const char *name; /* after "--" */
  unsigned bit;     /* OPT_* */
  int value;        /* takes a value */
} tool_options[] = {
    {"json", OPT_JSON, 0},       {"bytes", OPT_BYTES, 0},   {"mode", OPT_MODE, 1},
    {"sparse", OPT_SPARSE, 0},   {"offset", OPT_OFFSET, 1}, {"length", OPT_LENGTH, 1},
    {"dry-run", OPT_DRY_RUN, 0}, {"help", OPT_HELP, 0},
};

/* Stores the value of option `bit`. Returns 0, or an exit code. */
static int tool_option_value(tool_args *a, unsigned bit, const char *value) {
  if (bit == OPT_MODE && tool_parse_mode(value, &a->mode) != 0)
    return tool_usage("%s: not a mode: give octal permissions up to 0777, like 0640", value);
  if (bit == OPT_OFFSET && tool_parse_size(value, &a->offset) != 0)
    return tool_usage("%s: not an offset: give bytes, like 4096 or 64K", value);
  if (bit == OPT_LENGTH && tool_parse_size(value, &a->length) != 0)
    return tool_usage("%s: not a length: give bytes, like 4096 or 64K", value);
  return 0;
}

/* Parses one option at argv[*i] ("--name", "--name=value", "-h"). */
static int tool_option(const tool_command *c, int argc, char **argv, int *i, tool_args *a) {
  const char *arg = argv[*i], *eq, *value = NULL;
  size_t len, k;

  if (strcmp(arg, "-h") == 0) arg = "--help";
  if (strncmp(arg, "--", 2) != 0) return tool_usage("unknown option '%s'", arg);
  eq = strchr(arg, '=');
  len = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
  for (k = 0; k < sizeof tool_options / sizeof tool_options[0]; k++)
    if (strlen(tool_options[k].name) == len && strncmp(arg + 2, tool_options[k].name, len) == 0)
      break;
  if (k == sizeof tool_options / sizeof tool_options[0] ||
      (tool_options[k].bit & (c->options | OPT_HELP)) == 0)
    return tool_usage("'prshm %s' has no option '%.*s'", c->name, (int)(len + 2), arg);
  if (tool_options[k].value) {
    value = eq != NULL ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    if (value == NULL) return tool_usage("option '--%s' needs a value", tool_options[k].name);
  } else if (eq != NULL) {
    return tool_usage("option '--%s' takes no value", tool_options[k].name);
  }
  a->given |= tool_options[k].bit;
  return value != NULL ? tool_option_value(a, tool_options[k].bit, value) : 0;
}

/* Splits the arguments after the command into options and positional
 * arguments ("--" ends the options). Returns 0, or an exit code. */
static int tool_parse(const tool_command *c, int argc, char **argv, tool_args *a) {
  int i, only_args = 0, rc;

  for (i = 0; i < argc; i++) {
    if (!only_args && strcmp(argv[i], "--") == 0) {
      only_args = 1;
    } else if (!only_args && argv[i][0] == '-' && argv[i][1] != '\0') {
      if ((rc = tool_option(c, argc, argv, &i, a)) != 0) return rc;
    } else {
      a->pos[a->npos++] = argv[i];
    }
  }
  if ((a->given & OPT_HELP) != 0) return 0;
  if (a->npos < c->min_args || (c->max_args >= 0 && a->npos > c->max_args))
    return tool_usage("usage: prshm %s", c->synopsis);
  return 0;
}

/* ------------------------------------------------------------------------
 * Listing: ls and info.
 */

/* One line of `ls`, formatted. */
typedef struct tool_row {
  char state[12];   /* in use, orphaned, unknown */
  char size[24];    /* human or exact */
  char mode[8];     /* 0640 */
  char owner[64];   /* user name or uid */
  char changed[32]; /* ctime */
  char *name;       /* the caller's name, shown safely (owned) */
  char *native;     /* the native name, shown safely (owned) */
} tool_row;

/* Formats an entry for the table; 0, or -1 when out of memory. */
static int tool_row_fill(const prshm_seginfo *info, int bytes, tool_row *r) {
  char shown[4 * PRSHM_NATIVE_NAME_MAX];

  snprintf(r->state, sizeof r->state, "%s", tool_state(info));
  if (bytes)
    snprintf(r->size, sizeof r->size, "%llu", (unsigned long long)info->size);
  else
    tool_human_size(info->size, r->size, sizeof r->size);
  snprintf(r->mode, sizeof r->mode, "%04o", (unsigned)info->mode);
  tool_user(info->uid, r->owner, sizeof r->owner);
  tool_time(info->ctime, "%Y-%m-%d %H:%M", r->changed, sizeof r->changed);
  if (info->kind == PRSHM_KIND_NAMED)
    tool_printable(info->name, shown, sizeof shown, 0);
  else
    snprintf(shown, sizeof shown, info->kind == PRSHM_KIND_HASHED ? "(hashed)" : "(leftover)");
  r->name = strdup(shown);
  tool_printable(info->native_name, shown, sizeof shown, 0);
  r->native = strdup(shown);
  return r->name != NULL && r->native != NULL ? 0 : -1;
}

/* Prints the rows as a table under a heading. */
static void tool_print_table(const tool_row *rows, size_t n) {
  int w[6] = {5, 4, 4, 5, 7, 4};
  size_t i;

  for (i = 0; i < n; i++) {
    const char *cells[6] = {rows[i].state, rows[i].size,    rows[i].mode,
                            rows[i].owner, rows[i].changed, rows[i].name};
    int k;
    for (k = 0; k < 6; k++)
      if ((int)strlen(cells[k]) > w[k]) w[k] = (int)strlen(cells[k]);
  }
  printf("%-*s  %*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "STATE", w[1], "SIZE", w[2], "MODE", w[3],
         "OWNER", w[4], "CHANGED", w[5], "NAME", "NATIVE NAME");
  for (i = 0; i < n; i++)
    printf("%-*s  %*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], rows[i].state, w[1], rows[i].size, w[2],
           rows[i].mode, w[3], rows[i].owner, w[4], rows[i].changed, w[5], rows[i].name,
           rows[i].native);
}

/* Writes an entry as one JSON object. */
static void tool_json_entry(const prshm_seginfo *info) {
  static const char *const kinds[] = {"?", "named", "hashed", "leftover"};
  static const struct {
    PRUint32 bit;     /* an evidence bit */
    const char *word; /* its name in JSON */
  } ev[] = {{PRSHM_HELD_HANDLE, "handle"},
            {PRSHM_HELD_MAPPED, "mapped"},
            {PRSHM_HELD_OPEN, "open"},
            {PRSHM_HELD_FILE, "open-file"},
            {PRSHM_FREE_PROVED, "free-proved"},
            {PRSHM_UNCHECKED_LOCK, "unchecked-lock"},
            {PRSHM_UNCHECKED_PROCS, "unchecked-processes"},
            {PRSHM_UNCHECKED_SOME, "unchecked-some-processes"},
            {PRSHM_UNCHECKED_LEASE, "unchecked-lease"}};
  char user[64], group[64];
  size_t i;
  int first = 1;

  tool_user(info->uid, user, sizeof user);
  tool_group(info->gid, group, sizeof group);
  fputs("{\"name\": ", stdout);
  if (info->kind == PRSHM_KIND_NAMED)
    tool_json_string(info->name);
  else
    fputs("null", stdout);
  printf(", \"kind\": \"%s\", \"native_name\": ",
         kinds[info->kind >= 1 && info->kind <= 3 ? info->kind : 0]);
  tool_json_string(info->native_name);
  printf(", \"size\": %llu, \"mode\": \"%04o\", \"uid\": %u, \"owner\": ",
         (unsigned long long)info->size, (unsigned)info->mode, (unsigned)info->uid);
  tool_json_string(user);
  printf(", \"gid\": %u, \"group\": ", (unsigned)info->gid);
  tool_json_string(group);
  printf(
      ", \"mtime\": %lld, \"ctime\": %lld, \"state\": \"%s\", \"processes\": %d, "
      "\"evidence\": [",
      (long long)info->mtime, (long long)info->ctime,
      info->use == PRSHM_USE_IN_USE ? "in-use" : tool_state(info), (int)info->processes);
  for (i = 0; i < sizeof ev / sizeof ev[0]; i++) {
    if ((info->evidence & ev[i].bit) == 0) continue;
    printf("%s\"%s\"", first ? "" : ", ", ev[i].word);
    first = 0;
  }
  fputs("]}", stdout);
}

/* The namespace as messages name it. */
static const char *tool_namespace(void) {
  const char *dir = getenv(PRSHM_DIR_ENV);
  return dir != NULL ? dir : "the shared memory namespace";
}

/* Reads a whole listing into rows (or prints it as JSON); 0 or an exit
 * code. */
static int tool_ls_collect(prshm_list *l, int json, int bytes, tool_row **rows, size_t *n) {
  prshm_seginfo info;
  size_t cap = 0;

  while (prshm_list_next(l, &info) == PR_SUCCESS) {
    if (json) {
      fputs(*n == 0 ? "[\n  " : ",\n  ", stdout);
      tool_json_entry(&info);
      (*n)++;
      continue;
    }
    if (*n == cap) {
      tool_row *grown = realloc(*rows, (cap = cap ? cap * 2 : 32) * sizeof **rows);
      if (grown == NULL) return tool_error(TOOL_EXIT_FAILURE, NULL, "out of memory");
      *rows = grown;
    }
    memset(&(*rows)[*n], 0, sizeof **rows);
    if (tool_row_fill(&info, bytes, &(*rows)[(*n)++]) != 0)
      return tool_error(TOOL_EXIT_FAILURE, NULL, "out of memory");
  }
  if (PR_GetError() != PR_NO_MORE_FILES_ERROR) return tool_fail(tool_namespace());
  if (json) fputs(*n == 0 ? "[]\n" : "\n]\n", stdout);
  return 0;
}

static int tool_ls(const tool_args *a) {
  prshm_list *l = prshm_list_open();
  tool_row *rows = NULL;
  size_t n = 0, i;
  int rc;

  if (l == NULL) return tool_fail(tool_namespace());
  rc = tool_ls_collect(l, (a->given & OPT_JSON) != 0, (a->given & OPT_BYTES) != 0, &rows, &n);
  prshm_list_close(l);
  if (rc == 0 && (a->given & OPT_JSON) == 0 && n > 0) tool_print_table(rows, n);
  for (i = 0; i < n && rows != NULL; i++) {
    free(rows[i].name);
    free(rows[i].native);
  }
  free(rows);
  return rc;
}

/* Prints one segment's details for people. */
static void tool_info_print(const prshm_seginfo *info) {
  char shown[4 * PRSHM_NATIVE_NAME_MAX], text[512], when[64], user[64], group[64];

  if (info->kind == PRSHM_KIND_NAMED)
    tool_printable(info->name, shown, sizeof shown, 0);
  else
    snprintf(shown, sizeof shown, "(not known: the name was too long and is stored hashed)");
  printf("name:       %s\n", shown);
  tool_printable(info->native_name, shown, sizeof shown, 0);
  printf("native:     %s\n", shown);
  tool_human_size(info->size, text, sizeof text);
  printf("size:       %llu bytes (%s)\n", (unsigned long long)info->size, text);
  tool_user(info->uid, user, sizeof user);
  tool_group(info->gid, group, sizeof group);
  printf("mode:       %04o\nowner:      %s (uid %u)\ngroup:      %s (gid %u)\n",
         (unsigned)info->mode, user, (unsigned)info->uid, group, (unsigned)info->gid);
  tool_time(info->ctime, "%Y-%m-%d %H:%M:%S %z", when, sizeof when);
  printf("changed:    %s\n", when);
  tool_time(info->mtime, "%Y-%m-%d %H:%M:%S %z", when, sizeof when);
  printf("modified:   %s\n", when);
  tool_explain(info, text, sizeof text);
  printf("state:      %s: %s\n", tool_state(info), text);
  printf("processes:  %d seen holding it\n", (int)info->processes);
}

static int tool_info(const tool_args *a) {
  int i, rc = 0, shown = 0, json = (a->given & OPT_JSON) != 0;
  prshm_seginfo info;

  for (i = 0; i < a->npos; i++) {
    if (prshm_stat(a->pos[i], &info) != PR_SUCCESS) {
      int code = tool_fail(a->pos[i]);
      if (rc == 0) rc = code;
      continue;
    }
    if (json) {
      fputs(shown == 0 ? "[\n  " : ",\n  ", stdout);
      tool_json_entry(&info);
    } else {
      if (shown > 0) putchar('\n');
      tool_info_print(&info);
    }
    shown++;
  }
  if (json) fputs(shown == 0 ? "[]\n" : "\n]\n", stdout);
  return rc;
}

/* ------------------------------------------------------------------------
 * Segments: create and rm.
 */

static int tool_create(const tool_args *a) {
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
  if (shm == NULL) return tool_fail(a->pos[0]);
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) return tool_fail(a->pos[0]);
  return 0;
}

static int tool_rm(const tool_args *a) {
  int i, rc = 0;

  for (i = 0; i < a->npos; i++) {
    if (PR_DeleteSharedMemory(a->pos[i]) != PR_SUCCESS) {
      int code = tool_fail(a->pos[i]);
      if (rc == 0) rc = code;
    }
  }
  return rc;
}

/* ------------------------------------------------------------------------
 * Contents: cat, dump and write.
 */

/* A segment opened and attached for cat, dump or write. */
typedef struct tool_map {
  PRSharedMemory *shm; /* the handle */
  unsigned char *p;    /* the attachment */
  PRSize size;         /* its size: the whole segment */
} tool_map;

/* Opens `name` whole and attaches it; 0, or an exit code. */
static int tool_attach(const char *name, int readonly, tool_map *m) {
  int rc;

  /* Size 0 maps the whole segment, whatever its size. */
  m->shm = PR_OpenSharedMemory(name, 0, 0, 0);
  if (m->shm == NULL) return tool_fail(name);
  if (prshm_get_size(m->shm, &m->size) == PR_SUCCESS &&
      (m->p = PR_AttachSharedMemory(m->shm, readonly ? PR_SHM_READONLY : 0)) != NULL)
    return 0;
  rc = tool_fail(name);
  (void)PR_CloseSharedMemory(m->shm);
  return rc;
}

static int tool_detach(const char *name, tool_map *m) {
  int rc = 0;

  if (PR_DetachSharedMemory(m->shm, m->p) != PR_SUCCESS) rc = tool_fail(name);
  if (PR_CloseSharedMemory(m->shm) != PR_SUCCESS && rc == 0) rc = tool_fail(name);
  return rc;
}

/* Works out the range [*from, *from + *len) that --offset and --length
 * ask for; 0, or an exit code if it leaves the segment. */
static int tool_range(const tool_args *a, const tool_map *m, PRSize *from, PRSize *len) {
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

static int tool_cat(const tool_args *a) {
  PRSize from = 0, len = 0; /* set by tool_range() when it succeeds */
  tool_map m;
  int rc;

  if ((rc = tool_attach(a->pos[0], 1, &m)) != 0) return rc;
  rc = tool_range(a, &m, &from, &len);
  if (rc == 0 && (fwrite(m.p + from, 1, len, stdout) != len || fflush(stdout) != 0))
    rc =
        tool_error(TOOL_EXIT_FAILURE, NULL, "cannot write to standard output: %s", strerror(errno));
  return tool_detach(a->pos[0], &m) != 0 && rc == 0 ? TOOL_EXIT_FAILURE : rc;
}

/* Prints one line of a hex dump: offset, 16 bytes in hex, as text. */
static void tool_dump_line(PRUint64 offset, const unsigned char *p, size_t n) {
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

static int tool_dump(const tool_args *a) {
  PRSize from = 0, len = 0, at; /* set by tool_range() when it succeeds */
  int rc, starred = 0;
  tool_map m;

  if ((rc = tool_attach(a->pos[0], 1, &m)) != 0) return rc;
  rc = tool_range(a, &m, &from, &len);
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
    tool_dump_line((PRUint64)(from + at), m.p + from + at, n);
  }
  if (rc == 0) printf("%08llx\n", (unsigned long long)(from + len));
  return tool_detach(a->pos[0], &m) != 0 && rc == 0 ? TOOL_EXIT_FAILURE : rc;
}

/* Reads standard input, but never more than `limit` bytes plus one (which
 * tells that there was more). Returns the buffer (free it) with its
 * length in *got, or NULL if reading failed or memory ran out. */
static unsigned char *tool_read_stdin(PRSize limit, PRSize *got) {
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

static int tool_write(const tool_args *a) {
  unsigned char *data;
  PRSize got = 0;
  tool_map m;
  int rc;

  if ((rc = tool_attach(a->pos[0], 0, &m)) != 0) return rc;
  if (a->offset > m.size) {
    rc = tool_error(TOOL_EXIT_USAGE, a->pos[0],
                    "offset %llu is past the end of the segment "
                    "(%llu bytes)",
                    (unsigned long long)a->offset, (unsigned long long)m.size);
  } else if ((data = tool_read_stdin(m.size - (PRSize)a->offset, &got)) == NULL) {
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
  return tool_detach(a->pos[0], &m) != 0 && rc == 0 ? TOOL_EXIT_FAILURE : rc;
}

/* ------------------------------------------------------------------------
 * prune.
 */

/* Tallies of a prune. */
typedef struct tool_tally {
  int removed; /* orphans removed (or, with --dry-run, that would be) */
  int in_use;  /* kept: in use */
  int unknown; /* kept: could not be checked */
  int rc;      /* the first failure's exit code, or 0 */
} tool_tally;

/* Removes one orphan, or says what would be removed. */
static void tool_prune_one(const prshm_seginfo *info, int dry_run, tool_tally *t) {
  char shown[4 * PRSHM_NATIVE_NAME_MAX], native[4 * PRSHM_NATIVE_NAME_MAX];

  tool_printable(tool_label(info), shown, sizeof shown, 0);
  tool_printable(info->native_name, native, sizeof native, 0);
  if (dry_run) {
    printf("would remove %s (%s)\n", shown, native);
    t->removed++;
  } else if (prshm_remove_orphan(info) == PR_SUCCESS) {
    printf("removed %s (%s)\n", shown, native);
    t->removed++;
  } else if (PR_GetError() == PR_FILE_IS_BUSY_ERROR) {
    printf("kept %s: it came into use\n", shown); /* since it was listed */
    t->in_use++;
  } else if (PR_GetError() != PR_FILE_NOT_FOUND_ERROR) { /* gone already: fine */
    int code = tool_fail(tool_label(info));
    if (t->rc == 0) t->rc = code;
  }
}

static int tool_prune(const tool_args *a) {
  const int dry_run = (a->given & OPT_DRY_RUN) != 0;
  prshm_list *l = prshm_list_open();
  tool_tally t = {0, 0, 0, 0};
  prshm_seginfo info;
  char why[512];

  if (l == NULL) return tool_fail(tool_namespace());
  while (prshm_list_next(l, &info) == PR_SUCCESS) {
    if (info.use == PRSHM_USE_ORPHANED) {
      tool_prune_one(&info, dry_run, &t);
    } else if (info.use == PRSHM_USE_IN_USE) {
      t.in_use++;
    } else {
      /* Never removed: it might be in use. Say why it could not be told. */
      tool_explain(&info, why, sizeof why);
      (void)tool_error(0, tool_label(&info), "kept: cannot tell whether it is in use (%s)", why);
      t.unknown++;
    }
  }
  if (PR_GetError() != PR_NO_MORE_FILES_ERROR && t.rc == 0) t.rc = tool_fail(tool_namespace());
  prshm_list_close(l);
  printf("%s %d orphaned segment%s; kept %d in use and %d that could not be checked\n",
         dry_run ? "would remove" : "removed", t.removed, t.removed == 1 ? "" : "s", t.in_use,
         t.unknown);
  return t.rc;
}

/* ------------------------------------------------------------------------
 * main.
 */

static const tool_command tool_commands[] = {
    {"ls", tool_ls, 0, 0, OPT_JSON | OPT_BYTES, "ls [--json] [--bytes]"},
    {"info", tool_info, 1, -1, OPT_JSON, "info NAME... [--json]"},
    {"create", tool_create, 2, 2, OPT_MODE | OPT_SPARSE,
     "create NAME SIZE [--mode MODE] [--sparse]"},
    {"rm", tool_rm, 1, -1, 0, "rm NAME..."},
    {"cat", tool_cat, 1, 1, OPT_OFFSET | OPT_LENGTH, "cat NAME [--offset N] [--length N]"},
    {"dump", tool_dump, 1, 1, OPT_OFFSET | OPT_LENGTH, "dump NAME [--offset N] [--length N]"},
    {"write", tool_write, 1, 1, OPT_OFFSET, "write NAME [--offset N] < DATA"},
    {"prune", tool_prune, 0, 0, OPT_DRY_RUN, "prune [--dry-run]"},
};

static void tool_help(void) {
  size_t i;

  puts("prshm - see and manage named shared memory segments (prshm, NSPR's API)\n");
  puts("usage: prshm COMMAND [ARGUMENTS]\n       prshm --help | --version\n\ncommands:");
  for (i = 0; i < sizeof tool_commands / sizeof tool_commands[0]; i++)
    printf("  prshm %s\n", tool_commands[i].synopsis);
  puts(
      "\n"
      "  ls      list every segment: state (in use, orphaned, unknown), size, mode,\n"
      "          owner, change time, name and native name\n"
      "  info    all that is known about the named segments\n"
      "  create  create a segment (mode 0600 unless --mode; memory reserved unless\n"
      "          --sparse)\n"
      "  rm      delete segments by name\n"
      "  cat     write a segment's bytes to standard output\n"
      "  dump    show a segment's bytes in hex\n"
      "  write   copy standard input into a segment, at --offset (default 0); refuses,\n"
      "          writing nothing, if it does not fit\n"
      "  prune   remove orphaned segments (never one in use or not known to be unused)\n"
      "\n"
      "NAME is a segment's name as programs pass it to PR_OpenSharedMemory(); a\n"
      "relative name is resolved against the current directory. Sizes and offsets\n"
      "are bytes, or with a unit: K, M, G, T (powers of 1024; also KiB...), or KB,\n"
      "MB, GB, TB (powers of 1000). The namespace is " PRSHM_DIR_ENV
      " if set, else the\n"
      "system's (/dev/shm on Linux).\n"
      "\n"
      "exit status: 0 success, 1 failure, 2 bad usage or input, 3 not found,\n"
      "4 permission denied, 5 already exists. See prshm(1).");
}

int main(int argc, char **argv) {
  tool_args a;
  size_t i;
  int rc;

  tool_binary_stdio();
  if (argc < 2) return tool_usage("no command given");
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    tool_help();
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("prshm %s (library %s, %s backend)\n", PRSHM_VERSION, prshm_version(),
           prshm_backend_name());
    return 0;
  }
  for (i = 0; i < sizeof tool_commands / sizeof tool_commands[0]; i++)
    if (strcmp(argv[1], tool_commands[i].name) == 0) break;
  if (i == sizeof tool_commands / sizeof tool_commands[0])
    return tool_usage("unknown command '%s'", argv[1]);
  memset(&a, 0, sizeof a);
  a.pos = calloc((size_t)argc, sizeof *a.pos);
  if (a.pos == NULL) return tool_error(TOOL_EXIT_FAILURE, NULL, "out of memory");
  rc = tool_parse(&tool_commands[i], argc - 2, argv + 2, &a);
  if (rc == 0 && (a.given & OPT_HELP) != 0) {
    printf("usage: prshm %s\n", tool_commands[i].synopsis);
  } else if (rc == 0) {
    rc = tool_commands[i].run(&a);
  }
  free(a.pos);
  if (fflush(stdout) != 0 && rc == 0) rc = TOOL_EXIT_FAILURE;
  return rc;
}
