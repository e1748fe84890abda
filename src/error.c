/*
 * error.c - how the library records a failure, in both builds.
 *
 * Every failure goes through PR_SetError(). Whose PR_SetError that is, the
 * build decides through the headers it compiles with: the standalone
 * library's own (error_state.c, with its per-thread state and tables), or,
 * in the companion library, libnspr4's, so that PR_GetError() and
 * PR_GetOSError() of NSPR report prshm's failures.
 */
#include "internal.h"

PRStatus prshm__fail(PRErrorCode code, PRInt32 oserr) {
  PR_SetError(code, oserr);
  return PR_FAILURE;
}

PRStatus prshm__fail_os(PRInt32 oserr) {
  PR_SetError(prshm__os_error_code(oserr), oserr);
  return PR_FAILURE;
}
