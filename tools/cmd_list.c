/*
 * cmd_list.c - the prshm command's ls and info: every object of the
 * namespace, and all that is known about one, for people and as JSON.
 *
 * Sections: words for an entry; ls; info.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"

/* ------------------------------------------------------------------------
 * Words for an entry.
 */

/* Whether the entry is something a process can hold as a segment. */
static int list_is_segment(const prshm_seginfo *info) { return info->kind != PRSHM_KIND_OTHER; }

const char *tool_state(const prshm_seginfo *info) {
  if (!list_is_segment(info)) return "-";
  switch (info->use) {
    case PRSHM_USE_HELD:
      return "held";
    case PRSHM_USE_UNHELD:
      return "not held";
    default:
      return "unknown";
  }
}

/* The state as JSON says it (null for what is no segment). */
static const char *list_json_state(const prshm_seginfo *info) {
  if (!list_is_segment(info)) return "null";
  switch (info->use) {
    case PRSHM_USE_HELD:
      return "\"held\"";
    case PRSHM_USE_UNHELD:
      return "\"not-held\"";
    default:
      return "\"unknown\"";
  }
}

const char *tool_label(const prshm_seginfo *info) {
  return info->kind == PRSHM_KIND_NAMED ? info->name : info->native_name;
}

void tool_object(const prshm_seginfo *info, char *buf, size_t size) {
  static const char *const locks[] = {"lock", "lock free", "lock held", "lock abandoned"};

  if (info->kind != PRSHM_KIND_NAMED && info->kind != PRSHM_KIND_HASHED) {
    snprintf(buf, size, "-");
  } else if (info->object == PRSHM_OBJECT_SEMAPHORE) {
    if (info->value >= 0)
      snprintf(buf, size, "semaphore %lld", (long long)info->value);
    else
      snprintf(buf, size, "semaphore");
  } else if (info->object == PRSHM_OBJECT_LOCK) {
    snprintf(buf, size, "%s",
             locks[info->lock_state >= 0 && info->lock_state <= 3 ? info->lock_state : 0]);
  } else {
    snprintf(buf, size, "segment");
  }
}

int tool_object_option(const tool_args *a) {
  if ((a->given & OPT_SEMAPHORE) != 0) return PRSHM_OBJECT_SEMAPHORE;
  if ((a->given & OPT_LOCK) != 0) return PRSHM_OBJECT_LOCK;
  return PRSHM_OBJECT_SEGMENT;
}

long tool_age(const prshm_seginfo *info) {
  PRInt64 last = info->ctime > info->mtime ? info->ctime : info->mtime;
  long age = (long)((PRInt64)time(NULL) - last);
  return age > 0 ? age : 0;
}

/* Why: each evidence bit, in words and as JSON names it. */
static const struct {
  PRUint32 bit;     /* an evidence bit */
  const char *text; /* what it means */
  const char *word; /* its name in JSON */
} list_why[] = {
    {PRSHM_HELD_HANDLE, "a prshm handle holds it", "handle"},
    {PRSHM_HELD_MAPPED, "a process maps it", "mapped"},
    {PRSHM_HELD_OPEN, "a process holds a descriptor of it", "open"},
    {PRSHM_HELD_FILE, "the kernel reports it open or mapped", "open-file"},
    {PRSHM_FREE_PROVED, "the kernel reports it neither open nor mapped anywhere", "free-proved"},
    {PRSHM_UNCHECKED_LOCK, "its lock could not be tested", "unchecked-lock"},
    {PRSHM_UNCHECKED_PROCS, "the processes could not be scanned", "unchecked-processes"},
    {PRSHM_UNCHECKED_SOME, "some processes could not be inspected (not root)",
     "unchecked-some-processes"},
    {PRSHM_UNCHECKED_LEASE, "the kernel's lease test was not possible (not the owner)",
     "unchecked-lease"},
};

void tool_explain(const prshm_seginfo *info, char *buf, size_t size) {
  size_t i, n = 0;

  buf[0] = '\0';
  if (!list_is_segment(info)) {
    snprintf(buf, size, "not a segment");
    return;
  }
  for (i = 0; i < sizeof list_why / sizeof list_why[0] && n < size; i++)
    /* What could not be checked matters only when nothing else decided. */
    if ((info->evidence & list_why[i].bit) != 0 &&
        (list_why[i].bit < PRSHM_UNCHECKED_LOCK || info->use == PRSHM_USE_UNKNOWN))
      n += (size_t)snprintf(buf + n, size - n, "%s%s", n > 0 ? "; " : "", list_why[i].text);
  if (n == 0) snprintf(buf, size, "nothing holds it");
}

/* What the NAME column shows for an entry that has no caller's name. */
static const char *list_kind_label(int kind) {
  switch (kind) {
    case PRSHM_KIND_HASHED:
      return "(hashed)";
    case PRSHM_KIND_LEFTOVER:
      return "(leftover)";
    case PRSHM_KIND_FOREIGN:
      return "(not prshm's)";
    default:
      return "(not a segment)";
  }
}

/* ------------------------------------------------------------------------
 * ls.
 */

/* One line of `ls`, formatted. */
typedef struct list_row {
  char state[12];   /* held, not held, unknown, - */
  char type[32];    /* segment, semaphore 3, lock free... (tool_object) */
  char size[24];    /* human or exact */
  char mode[8];     /* 0640 */
  char owner[64];   /* user name or uid */
  char changed[32]; /* ctime */
  char *name;       /* the caller's name, shown safely (owned) */
  char *native;     /* the native name, shown safely (owned) */
} list_row;

/* Formats an entry for the table; 0, or -1 when out of memory. */
static int list_row_fill(const prshm_seginfo *info, int bytes, list_row *r) {
  char shown[4 * PRSHM_NATIVE_NAME_MAX];

  snprintf(r->state, sizeof r->state, "%s", tool_state(info));
  tool_object(info, r->type, sizeof r->type);
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
    snprintf(shown, sizeof shown, "%s", list_kind_label(info->kind));
  r->name = strdup(shown);
  tool_printable(info->native_name, shown, sizeof shown, 0);
  r->native = strdup(shown);
  return r->name != NULL && r->native != NULL ? 0 : -1;
}

/* Prints the rows as a table under a heading. */
static void list_print_table(const list_row *rows, size_t n) {
  int w[7] = {5, 4, 4, 4, 5, 7, 4};
  size_t i;

  for (i = 0; i < n; i++) {
    const char *cells[7] = {rows[i].state, rows[i].type,    rows[i].size, rows[i].mode,
                            rows[i].owner, rows[i].changed, rows[i].name};
    int k;
    for (k = 0; k < 7; k++)
      if ((int)strlen(cells[k]) > w[k]) w[k] = (int)strlen(cells[k]);
  }
  printf("%-*s  %-*s  %*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "STATE", w[1], "TYPE", w[2], "SIZE",
         w[3], "MODE", w[4], "OWNER", w[5], "CHANGED", w[6], "NAME", "NATIVE NAME");
  for (i = 0; i < n; i++)
    printf("%-*s  %-*s  %*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], rows[i].state, w[1], rows[i].type,
           w[2], rows[i].size, w[3], rows[i].mode, w[4], rows[i].owner, w[5], rows[i].changed, w[6],
           rows[i].name, rows[i].native);
}

/* Writes what a prshm entry is, as JSON: "segment", "semaphore" with its
 * value, or "lock" with its state and holder; null for other entries. */
static void list_json_object(const prshm_seginfo *info) {
  static const char *const locks[] = {"unknown", "free", "held", "abandoned"};

  if (info->kind != PRSHM_KIND_NAMED && info->kind != PRSHM_KIND_HASHED) {
    fputs("null", stdout);
  } else if (info->object == PRSHM_OBJECT_SEMAPHORE) {
    if (info->value >= 0)
      printf("\"semaphore\", \"value\": %lld", (long long)info->value);
    else
      fputs("\"semaphore\", \"value\": null", stdout);
  } else if (info->object == PRSHM_OBJECT_LOCK) {
    printf("\"lock\", \"lock\": \"%s\", \"holder_tid\": ",
           locks[info->lock_state >= 0 && info->lock_state <= 3 ? info->lock_state : 0]);
    if (info->lock_holder != 0)
      printf("%d", (int)info->lock_holder);
    else
      fputs("null", stdout);
  } else {
    fputs("\"segment\"", stdout);
  }
}

/* Writes an entry as one JSON object. */
static void list_json_entry(const prshm_seginfo *info) {
  static const char *const kinds[] = {"?", "named", "hashed", "leftover", "foreign", "other"};
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
  printf(", \"kind\": \"%s\", \"object\": ",
         kinds[info->kind >= 1 && info->kind <= 5 ? info->kind : 0]);
  list_json_object(info);
  fputs(", \"native_name\": ", stdout);
  tool_json_string(info->native_name);
  printf(", \"size\": %llu, \"mode\": \"%04o\", \"uid\": %u, \"owner\": ",
         (unsigned long long)info->size, (unsigned)info->mode, (unsigned)info->uid);
  tool_json_string(user);
  printf(", \"gid\": %u, \"group\": ", (unsigned)info->gid);
  tool_json_string(group);
  printf(", \"mtime\": %lld, \"ctime\": %lld, \"state\": %s, \"processes\": %d, \"pids\": [",
         (long long)info->mtime, (long long)info->ctime, list_json_state(info),
         (int)info->processes);
  for (i = 0; i < (size_t)info->processes && i < PRSHM_HOLDERS_MAX; i++)
    printf("%s%d", i > 0 ? ", " : "", (int)info->pids[i]);
  fputs("], \"evidence\": [", stdout);
  for (i = 0; i < sizeof list_why / sizeof list_why[0]; i++) {
    if ((info->evidence & list_why[i].bit) == 0) continue;
    printf("%s\"%s\"", first ? "" : ", ", list_why[i].word);
    first = 0;
  }
  fputs("]}", stdout);
}

/* Reads a whole listing into rows (or prints it as JSON); 0 or an exit
 * code. */
static int list_collect(prshm_list *l, int json, int bytes, list_row **rows, size_t *n) {
  prshm_seginfo info;
  size_t cap = 0;

  while (prshm_list_next(l, &info) == PR_SUCCESS) {
    if (json) {
      fputs(*n == 0 ? "[\n  " : ",\n  ", stdout);
      list_json_entry(&info);
      (*n)++;
      continue;
    }
    if (*n == cap) {
      list_row *grown = realloc(*rows, (cap = cap ? cap * 2 : 32) * sizeof **rows);
      if (grown == NULL) return tool_error(TOOL_EXIT_FAILURE, NULL, "out of memory");
      *rows = grown;
    }
    memset(&(*rows)[*n], 0, sizeof **rows);
    if (list_row_fill(&info, bytes, &(*rows)[(*n)++]) != 0)
      return tool_error(TOOL_EXIT_FAILURE, NULL, "out of memory");
  }
  if (PR_GetError() != PR_NO_MORE_FILES_ERROR) return tool_fail_namespace();
  if (json) fputs(*n == 0 ? "[]\n" : "\n]\n", stdout);
  return 0;
}

int tool_ls(const tool_args *a) {
  const int json = (a->given & OPT_JSON) != 0;
  prshm_list *l = prshm_list_open();
  list_row *rows = NULL;
  size_t n = 0, i;
  int rc;

  if (l == NULL) return tool_fail_namespace();
  rc = list_collect(l, json, (a->given & OPT_BYTES) != 0, &rows, &n);
  prshm_list_close(l);
  if (rc == 0 && !json && n > 0) list_print_table(rows, n);
  if (rc == 0 && !json && n == 0) printf("nothing in %s\n", tool_namespace());
  for (i = 0; i < n && rows != NULL; i++) {
    free(rows[i].name);
    free(rows[i].native);
  }
  free(rows);
  return rc;
}

/* ------------------------------------------------------------------------
 * info.
 */

/* Prints who holds the entry: process ids and command names. */
static void list_print_holders(const prshm_seginfo *info) {
  char comm[64];
  PRInt32 i;

  printf("processes:  %d seen holding it", (int)info->processes);
  for (i = 0; i < info->processes && i < PRSHM_HOLDERS_MAX; i++) {
    tool_process_name(info->pids[i], comm, sizeof comm);
    printf("%s%d (%s)", i == 0 ? ": " : ", ", (int)info->pids[i], comm);
  }
  if (info->processes > PRSHM_HOLDERS_MAX) fputs(", ...", stdout);
  putchar('\n');
}

/* Prints one entry's details for people. */
static void list_info_print(const prshm_seginfo *info) {
  static const char *const kinds[] = {
      "?",
      "segment",
      "segment (name stored hashed)",
      "a creator's leftover temporary file",
      "shared memory another program made (not prshm's)",
      "not a segment (a directory, a FIFO, a link, or a file under two names)"};
  char shown[4 * PRSHM_NATIVE_NAME_MAX], text[512], when[64], user[64], group[64];

  if (info->kind == PRSHM_KIND_NAMED)
    tool_printable(info->name, shown, sizeof shown, 0);
  else if (info->kind == PRSHM_KIND_HASHED)
    snprintf(shown, sizeof shown, "(not known: the name was too long and is stored hashed)");
  else
    snprintf(shown, sizeof shown, "(none)");
  printf("name:       %s\n", shown);
  if (info->object == PRSHM_OBJECT_SEMAPHORE || info->object == PRSHM_OBJECT_LOCK)
    printf("kind:       %s%s\n", info->object == PRSHM_OBJECT_LOCK ? "lock" : "semaphore",
           info->kind == PRSHM_KIND_HASHED ? " (name stored hashed)" : "");
  else
    printf("kind:       %s\n", kinds[info->kind >= 1 && info->kind <= 5 ? info->kind : 0]);
  if (info->kind == PRSHM_KIND_NAMED || info->kind == PRSHM_KIND_HASHED) {
    tool_object(info, text, sizeof text);
    if (info->object == PRSHM_OBJECT_LOCK && info->lock_holder != 0)
      printf("object:     %s (thread %d)\n", text, (int)info->lock_holder);
    else
      printf("object:     %s\n", text);
  }
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
  list_print_holders(info);
}

int tool_info(const tool_args *a) {
  const int json = (a->given & OPT_JSON) != 0, native = (a->given & OPT_NATIVE) != 0;
  int i, rc = 0, shown = 0;
  prshm_seginfo info;

  for (i = 0; i < a->npos; i++) {
    PRStatus st = native ? prshm_stat_native(a->pos[i], &info)
                         : prshm_stat_object(a->pos[i], tool_object_option(a), &info);
    if (st != PR_SUCCESS) {
      int code = tool_fail(a->pos[i], native);
      if (rc == 0) rc = code;
      continue;
    }
    if (json) {
      fputs(shown == 0 ? "[\n  " : ",\n  ", stdout);
      list_json_entry(&info);
    } else {
      if (shown > 0) putchar('\n');
      list_info_print(&info);
    }
    shown++;
  }
  if (json) fputs(shown == 0 ? "[]\n" : "\n]\n", stdout);
  return rc;
}
