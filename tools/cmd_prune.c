/*
 * cmd_prune.c - the prshm command's prune: removes prshm's segments that no
 * process holds, never one that is held, whose use cannot be told, that is
 * not prshm's, or that was created or changed within --min-age (a segment
 * made with `prshm create` for later use is not held by anyone either).
 * A creator's leftover temporary file is never for later use: it goes
 * whatever its age.
 */
#include <stdio.h>

#include "tool.h"

/* Tallies of a prune. */
typedef struct prune_tally {
  int removed; /* removed (or, with --dry-run, that would be) */
  int held;    /* kept: held */
  int unknown; /* kept: could not be checked */
  int recent;  /* kept: changed within --min-age */
  int rc;      /* the first failure's exit code, or 0 */
} prune_tally;

/* Removes one entry nothing holds, or says what would be removed. */
static void prune_one(const prshm_seginfo *info, int dry_run, prune_tally *t) {
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
    /* Something opened it since it was listed, or while it was being
     * removed: it is kept, whole. */
    printf("kept %s: a process opened it meanwhile\n", shown);
    t->held++;
  } else if (PR_GetError() != PR_FILE_NOT_FOUND_ERROR) { /* gone already: fine */
    int code = tool_fail(tool_label(info), 0);
    if (t->rc == 0) t->rc = code;
  }
}

/* Decides about one entry of the listing. */
static void prune_entry(const prshm_seginfo *info, const tool_args *a, prune_tally *t) {
  const int dry_run = (a->given & OPT_DRY_RUN) != 0;
  char why[512], shown[4 * PRSHM_NATIVE_NAME_MAX], native[4 * PRSHM_NATIVE_NAME_MAX], age[32];
  long old;

  /* Another program's objects, and what is no segment, are not prshm's to
   * remove. */
  if (info->kind == PRSHM_KIND_FOREIGN || info->kind == PRSHM_KIND_OTHER) return;
  if (info->use == PRSHM_USE_HELD) {
    t->held++;
    return;
  }
  if (info->use != PRSHM_USE_UNHELD) {
    /* Never removed: it might be held. Say why it could not be told. */
    tool_explain(info, why, sizeof why);
    (void)tool_error(0, tool_label(info), "kept: cannot tell whether a process holds it (%s)", why);
    t->unknown++;
    return;
  }
  old = tool_age(info);
  if (info->kind != PRSHM_KIND_LEFTOVER && old < a->min_age) {
    if (dry_run) {
      tool_printable(tool_label(info), shown, sizeof shown, 0);
      tool_printable(info->native_name, native, sizeof native, 0);
      tool_duration(old, age, sizeof age);
      printf("would keep %s (%s): not held, but changed %s ago (less than --min-age)\n", shown,
             native, age);
    }
    t->recent++;
    return;
  }
  prune_one(info, dry_run, t);
}

int tool_prune(const tool_args *a) {
  const int dry_run = (a->given & OPT_DRY_RUN) != 0;
  prshm_list *l = prshm_list_open();
  prune_tally t = {0, 0, 0, 0, 0};
  prshm_seginfo info;
  char age[32];

  if (l == NULL) return tool_fail_namespace();
  tool_duration(a->min_age, age, sizeof age);
  if (dry_run) printf("segments not held and unchanged for %s (--min-age) would go\n", age);
  while (prshm_list_next(l, &info) == PR_SUCCESS) prune_entry(&info, a, &t);
  if (PR_GetError() != PR_NO_MORE_FILES_ERROR && t.rc == 0) t.rc = tool_fail_namespace();
  prshm_list_close(l);
  printf(
      "%s %d segment%s not held; kept %d held, %d that could not be checked and %d changed "
      "within %s\n",
      dry_run ? "would remove" : "removed", t.removed, t.removed == 1 ? "" : "s", t.held, t.unknown,
      t.recent, age);
  return t.rc;
}
