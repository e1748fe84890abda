/*
 * list.c (Windows) - the listing calls of prshm_ext.h, not available on
 * Windows yet: each checks its arguments as on Unix, then fails with
 * PR_NOT_IMPLEMENTED_ERROR.
 *
 * Listing would mean reading the object directories behind Local\ and
 * Global\ (NtQueryDirectoryObject). Orphans, which the listing exists to
 * find, cannot happen here: Windows destroys a section with the last handle
 * or view of any process, so every segment that exists is in use.
 */
#include <string.h>

#include "internal.h"

prshm_list *prshm_list_open(void) {
  prshm__fail(PR_NOT_IMPLEMENTED_ERROR, ERROR_CALL_NOT_IMPLEMENTED);
  return NULL;
}

/* No listing is ever open, so any list given is not one. */
PRStatus prshm_list_next(prshm_list *list, prshm_seginfo *info) {
  (void)list;
  (void)info;
  return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
}

void prshm_list_close(prshm_list *list) { (void)list; }

PRStatus prshm_stat(const char *name, prshm_seginfo *info) {
  if (info == NULL || name == NULL || name[0] == '\0')
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  if (strnlen(name, PRSHM__NAME_MAX + 1) > PRSHM__NAME_MAX)
    return prshm__fail(PR_NAME_TOO_LONG_ERROR, 0);
  return prshm__fail(PR_NOT_IMPLEMENTED_ERROR, ERROR_CALL_NOT_IMPLEMENTED);
}

PRStatus prshm_stat_native(const char *native, prshm_seginfo *info) {
  if (info == NULL || native == NULL || native[0] == '\0')
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return prshm__fail(PR_NOT_IMPLEMENTED_ERROR, ERROR_CALL_NOT_IMPLEMENTED);
}

PRStatus prshm_stat_object(const char *name, PRIntn object, prshm_seginfo *info) {
  if (object != PRSHM_OBJECT_SEGMENT && object != PRSHM_OBJECT_SEMAPHORE &&
      object != PRSHM_OBJECT_LOCK)
    return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return prshm_stat(name, info);
}

PRStatus prshm_remove_orphan(const prshm_seginfo *info) {
  if (info == NULL) return prshm__fail(PR_INVALID_ARGUMENT_ERROR, 0);
  return prshm__fail(PR_NOT_IMPLEMENTED_ERROR, ERROR_CALL_NOT_IMPLEMENTED);
}
