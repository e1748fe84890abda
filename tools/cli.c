/*
 * cli.c - the prshm command's command line: options, the command table,
 * help, and main.
 *
 *   prshm ls [--json] [--bytes]                 every object in the namespace
 *   prshm info NAME... [--native] [--json]      objects in detail
 *   prshm create NAME SIZE [--mode M] [--sparse]
 *   prshm rm NAME...
 *   prshm cat NAME [--native] [--offset N] [--length N]
 *   prshm dump NAME [--native] [--offset N] [--length N]
 *   prshm write NAME [--native] [--offset N]    stdin into the segment
 *   prshm prune [--dry-run] [--min-age AGE]     remove segments nothing holds
 *
 * Errors go to stderr as "prshm: NAME: cause"; the exit codes are in
 * tool.h. The manual is docs/man/prshm.1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

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
int tool_parse_size(const char *s, PRUint64 *out) {
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
static int cli_parse_mode(const char *s, PRIntn *out) {
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

/* Parses a duration: digits, then s, m, h or d (seconds if none). */
static int cli_parse_duration(const char *s, long *out) {
  static const struct {
    char unit;    /* the letter */
    long seconds; /* what one of it is */
  } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
  long v = 0, mult = 1;
  size_t i;

  if (*s < '0' || *s > '9') return -1;
  for (; *s >= '0' && *s <= '9'; s++) {
    if (v > (100000000L - (*s - '0')) / 10) return -1; /* over three years */
    v = v * 10 + (*s - '0');
  }
  if (*s != '\0') {
    for (i = 0; i < sizeof units / sizeof units[0] && units[i].unit != *s; i++) {
    }
    if (i == sizeof units / sizeof units[0] || s[1] != '\0') return -1;
    mult = units[i].seconds;
  }
  *out = v * mult;
  return 0;
}

/* The options by name. */
static const struct {
  const char *name; /* after "--" */
  unsigned bit;     /* OPT_* */
  int value;        /* takes a value */
} cli_options[] = {
    {"json", OPT_JSON, 0},       {"bytes", OPT_BYTES, 0},         {"mode", OPT_MODE, 1},
    {"sparse", OPT_SPARSE, 0},   {"offset", OPT_OFFSET, 1},       {"length", OPT_LENGTH, 1},
    {"dry-run", OPT_DRY_RUN, 0}, {"help", OPT_HELP, 0},           {"native", OPT_NATIVE, 0},
    {"min-age", OPT_MIN_AGE, 1}, {"semaphore", OPT_SEMAPHORE, 0}, {"lock", OPT_LOCK, 0},
};

/* Stores the value of option `bit`. Returns 0, or an exit code. */
static int cli_option_value(tool_args *a, unsigned bit, const char *value) {
  if (bit == OPT_MODE && cli_parse_mode(value, &a->mode) != 0)
    return tool_usage("%s: not a mode: give octal permissions up to 0777, like 0640", value);
  if (bit == OPT_OFFSET && tool_parse_size(value, &a->offset) != 0)
    return tool_usage("%s: not an offset: give bytes, like 4096 or 64K", value);
  if (bit == OPT_LENGTH && tool_parse_size(value, &a->length) != 0)
    return tool_usage("%s: not a length: give bytes, like 4096 or 64K", value);
  if (bit == OPT_MIN_AGE && cli_parse_duration(value, &a->min_age) != 0)
    return tool_usage("%s: not an age: give seconds, or a number and s, m, h or d, like 10m",
                      value);
  return 0;
}

/* Parses one option at argv[*i] ("--name", "--name=value", "-h"). */
static int cli_option(const tool_command *c, int argc, char **argv, int *i, tool_args *a) {
  const char *arg = argv[*i], *eq, *value = NULL;
  size_t len, k;

  if (strcmp(arg, "-h") == 0) arg = "--help";
  if (strncmp(arg, "--", 2) != 0) return tool_usage("unknown option '%s'", arg);
  eq = strchr(arg, '=');
  len = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
  for (k = 0; k < sizeof cli_options / sizeof cli_options[0]; k++)
    if (strlen(cli_options[k].name) == len && strncmp(arg + 2, cli_options[k].name, len) == 0)
      break;
  if (k == sizeof cli_options / sizeof cli_options[0] ||
      (cli_options[k].bit & (c->options | OPT_HELP)) == 0)
    return tool_usage("'prshm %s' has no option '%.*s'", c->name, (int)(len + 2), arg);
  if (cli_options[k].value) {
    value = eq != NULL ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    if (value == NULL) return tool_usage("option '--%s' needs a value", cli_options[k].name);
  } else if (eq != NULL) {
    return tool_usage("option '--%s' takes no value", cli_options[k].name);
  }
  a->given |= cli_options[k].bit;
  return value != NULL ? cli_option_value(a, cli_options[k].bit, value) : 0;
}

/* Splits the arguments after the command into options and positional
 * arguments ("--" ends the options). Returns 0, or an exit code. */
static int cli_parse(const tool_command *c, int argc, char **argv, tool_args *a) {
  int i, only_args = 0, rc;

  for (i = 0; i < argc; i++) {
    if (!only_args && strcmp(argv[i], "--") == 0) {
      only_args = 1;
    } else if (!only_args && argv[i][0] == '-' && argv[i][1] != '\0') {
      if ((rc = cli_option(c, argc, argv, &i, a)) != 0) return rc;
    } else {
      a->pos[a->npos++] = argv[i];
    }
  }
  if ((a->given & OPT_HELP) != 0) return 0;
  if (((a->given & OPT_NATIVE) != 0) + ((a->given & OPT_SEMAPHORE) != 0) +
          ((a->given & OPT_LOCK) != 0) >
      1)
    return tool_usage("give at most one of --native, --semaphore and --lock");
  if (a->npos < c->min_args || (c->max_args >= 0 && a->npos > c->max_args))
    return tool_usage("usage: prshm %s", c->synopsis);
  return 0;
}

static const tool_command cli_commands[] = {
    {"ls", tool_ls, 0, 0, OPT_JSON | OPT_BYTES, "ls [--json] [--bytes]"},
    {"info", tool_info, 1, -1, OPT_JSON | OPT_NATIVE | OPT_SEMAPHORE | OPT_LOCK,
     "info NAME... [--native | --semaphore | --lock] [--json]"},
    {"create", tool_create, 2, 2, OPT_MODE | OPT_SPARSE,
     "create NAME SIZE [--mode MODE] [--sparse]"},
    {"rm", tool_rm, 1, -1, OPT_SEMAPHORE | OPT_LOCK, "rm NAME... [--semaphore | --lock]"},
    {"cat", tool_cat, 1, 1, OPT_OFFSET | OPT_LENGTH | OPT_NATIVE,
     "cat NAME [--native] [--offset N] [--length N]"},
    {"dump", tool_dump, 1, 1, OPT_OFFSET | OPT_LENGTH | OPT_NATIVE,
     "dump NAME [--native] [--offset N] [--length N]"},
    {"write", tool_write, 1, 1, OPT_OFFSET | OPT_NATIVE,
     "write NAME [--native] [--offset N] < DATA"},
    {"prune", tool_prune, 0, 0, OPT_DRY_RUN | OPT_MIN_AGE, "prune [--dry-run] [--min-age AGE]"},
};

static void cli_help(void) {
  size_t i;

  puts("prshm - see and manage named shared memory (prshm, NSPR's API)\n");
  puts("usage: prshm COMMAND [ARGUMENTS]\n       prshm --help | --version\n\ncommands:");
  for (i = 0; i < sizeof cli_commands / sizeof cli_commands[0]; i++)
    printf("  prshm %s\n", cli_commands[i].synopsis);
  puts(
      "\n"
      "  ls      list every object in the namespace: whether a process holds it (held,\n"
      "          not held, unknown), size, mode, owner, change time, name, native name;\n"
      "          objects prshm did not make are shown too, marked\n"
      "  info    all that is known about the named segments, and who holds them\n"
      "  create  create a segment (mode 0600 unless --mode; memory reserved unless\n"
      "          --sparse); it stays until removed\n"
      "  rm      delete segments by name\n"
      "  cat     write a segment's bytes to standard output\n"
      "  dump    show a segment's bytes in hex\n"
      "  write   copy standard input into a segment, at --offset (default 0); refuses,\n"
      "          writing nothing, if it does not fit\n"
      "  prune   remove prshm's segments that no process holds and that nothing has\n"
      "          changed for --min-age (default " TOOL_MIN_AGE_TEXT
      "); never one held, unknown, or not\n"
      "          prshm's\n"
      "\n"
      "NAME is a segment's name as programs pass it to PR_OpenSharedMemory(); a\n"
      "relative name is resolved against the current directory. With --native, NAME\n"
      "is a native name in the namespace instead (Python's psm_1a2b, say). Sizes and\n"
      "offsets are bytes, or with a unit: K, M, G, T (powers of 1024; also KiB...),\n"
      "or KB, MB, GB, TB (powers of 1000); ages are seconds, or with s, m, h or d.\n"
      "The namespace is " PRSHM_DIR_ENV
      " if set, else the system's (/dev/shm on Linux).\n"
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
    cli_help();
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("prshm %s (library %s, %s backend)\n", PRSHM_VERSION, prshm_version(),
           prshm_backend_name());
    return 0;
  }
  for (i = 0; i < sizeof cli_commands / sizeof cli_commands[0]; i++)
    if (strcmp(argv[1], cli_commands[i].name) == 0) break;
  if (i == sizeof cli_commands / sizeof cli_commands[0])
    return tool_usage("unknown command '%s'", argv[1]);
  memset(&a, 0, sizeof a);
  a.min_age = TOOL_MIN_AGE_DEFAULT;
  a.pos = calloc((size_t)argc, sizeof *a.pos);
  if (a.pos == NULL) return tool_error(TOOL_EXIT_FAILURE, NULL, "out of memory");
  rc = cli_parse(&cli_commands[i], argc - 2, argv + 2, &a);
  if (rc == 0 && (a.given & OPT_HELP) != 0) {
    printf("usage: prshm %s\n", cli_commands[i].synopsis);
  } else if (rc == 0) {
    rc = cli_commands[i].run(&a);
  }
  free(a.pos);
  if (fflush(stdout) != 0 && rc == 0) rc = TOOL_EXIT_FAILURE;
  return rc;
}
