/*
 * tool.h - what the parts of the prshm command share.
 *
 *   cli.c         the command line: options, the command table, help, main
 *   text.c        messages, and text for people and for JSON
 *   cmd_list.c    ls and info
 *   cmd_data.c    create, rm, cat, dump and write
 *   cmd_prune.c   prune
 *
 * The command uses only the public API (prshm.h, prerror.h) and its
 * extensions (prshm_ext.h), like any other program.
 */
#ifndef PRSHM_TOOL_H
#define PRSHM_TOOL_H

#include <stdarg.h>
#include <stddef.h>

#include <prerror.h>
#include <prshm.h>
#include <prshm_ext.h>

/* Exit codes (prshm(1) lists them). */
enum {
  TOOL_EXIT_OK = 0,            /* success */
  TOOL_EXIT_FAILURE = 1,       /* any failure not listed below */
  TOOL_EXIT_USAGE = 2,         /* bad command line or bad input: unknown
                                  command or option, bad size, offset or
                                  mode, bad name, data past the end */
  TOOL_EXIT_NOT_FOUND = 3,     /* no such segment, or no such namespace */
  TOOL_EXIT_NO_PERMISSION = 4, /* permission denied */
  TOOL_EXIT_EXISTS = 5         /* create: the segment exists */
};

/* Options, as bits (which commands take which). */
enum {
  OPT_JSON = 1 << 0,       /* --json */
  OPT_BYTES = 1 << 1,      /* --bytes */
  OPT_MODE = 1 << 2,       /* --mode MODE */
  OPT_SPARSE = 1 << 3,     /* --sparse */
  OPT_OFFSET = 1 << 4,     /* --offset N */
  OPT_LENGTH = 1 << 5,     /* --length N */
  OPT_DRY_RUN = 1 << 6,    /* --dry-run */
  OPT_HELP = 1 << 7,       /* --help, -h */
  OPT_NATIVE = 1 << 8,     /* --native: names are native names */
  OPT_MIN_AGE = 1 << 9,    /* --min-age DURATION */
  OPT_SEMAPHORE = 1 << 10, /* --semaphore: names are semaphores' */
  OPT_LOCK = 1 << 11       /* --lock: names are locks' */
};

/* The default of prune's --min-age, in seconds, and as the help says it. */
#define TOOL_MIN_AGE_DEFAULT 600
#define TOOL_MIN_AGE_TEXT "10m"

/* What the command line asked for. */
typedef struct tool_args {
  const char **pos; /* positional arguments (after the command) */
  int npos;         /* how many */
  unsigned given;   /* OPT_* bits present */
  PRIntn mode;      /* --mode, when given */
  PRUint64 offset;  /* --offset, when given */
  PRUint64 length;  /* --length, when given */
  long min_age;     /* --min-age in seconds, or the default */
} tool_args;

/* ---- text.c: messages ---- */

/* Reports a problem about `name` (NULL: none) as "prshm: NAME: message";
 * returns `code`. */
int tool_error(int code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports the failure of the last library call about the segment `name`
 * (native: a native name) in words that name the cause: the namespace
 * when it is unusable, the name when it is not a valid one, else the
 * library's sentence. Returns the matching exit code. */
int tool_fail(const char *name, int native);

/* Reports a failure about the namespace itself (the last call failed):
 * names the directory and says what is wrong with it. */
int tool_fail_namespace(void);

/* Reports a bad command line; returns TOOL_EXIT_USAGE. */
int tool_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The namespace as messages name it (PRSHM_DIR, or the system's). */
const char *tool_namespace(void);

/* ---- text.c: text for people and for JSON ---- */

/* Writes into out (size bytes, always terminated) the bytes of `in` that a
 * terminal shows as text, and \xNN for every other byte: C0 and C1
 * controls (as bytes or as UTF-8), bidirectional and line-breaking format
 * characters, and bytes that are not UTF-8. With max non-zero, shows at
 * most max characters, then "...". */
void tool_printable(const char *in, char *out, size_t size, size_t max);

/* Writes s as a JSON string: UTF-8 as itself (controls and format
 * characters as \uXXXX), and each byte that is not UTF-8 as \udcNN (a
 * lone surrogate, as Python's "surrogateescape" reads it back), so that the
 * exact bytes can always be recovered. */
void tool_json_string(const char *s);

/* A size as people read it: 512B, 4.0K, 64M (powers of 1024). */
void tool_human_size(PRUint64 n, char *buf, size_t size);

/* A time as people read it, in local time, in strftime's `fmt`. */
void tool_time(PRInt64 t, const char *fmt, char *buf, size_t size);

/* A duration as people read it: 45s, 12m, 3h, 2d. */
void tool_duration(long seconds, char *buf, size_t size);

/* The user or group of an id, by name where it has one. */
void tool_user(PRUint32 uid, char *buf, size_t size);
void tool_group(PRUint32 gid, char *buf, size_t size);

/* The command name of process `pid` (Linux's /proc), or "?". */
void tool_process_name(PRInt32 pid, char *buf, size_t size);

/* Segments hold bytes: stdin and stdout must not translate line ends. */
void tool_binary_stdio(void);

/* ---- cmd_list.c: words for entries, shared with prune ---- */

/* The state of an entry in words: "held", "not held", "unknown", or "-"
 * for what is no segment. */
const char *tool_state(const prshm_seginfo *info);

/* The entry as messages name it: the caller's name, or the native name. */
const char *tool_label(const prshm_seginfo *info);

/* Why the entry is held, not held or unknown, in words. */
void tool_explain(const prshm_seginfo *info, char *buf, size_t size);

/* Seconds since the entry was last created, changed or written. */
long tool_age(const prshm_seginfo *info);

/* What the entry is, in a word or three: "segment", "semaphore 3",
 * "lock free", "lock held", "lock abandoned". */
void tool_object(const prshm_seginfo *info, char *buf, size_t size);

/* The object kind (PRSHM_OBJECT_*) that --semaphore or --lock ask for. */
int tool_object_option(const tool_args *a);

/* ---- the commands ---- */

int tool_ls(const tool_args *a);
int tool_info(const tool_args *a);
int tool_create(const tool_args *a);
int tool_rm(const tool_args *a);
int tool_cat(const tool_args *a);
int tool_dump(const tool_args *a);
int tool_write(const tool_args *a);
int tool_prune(const tool_args *a);

/* Parses a size or offset (decimal, with an optional unit); 0 or -1. */
int tool_parse_size(const char *s, PRUint64 *out);

#endif /* PRSHM_TOOL_H */
