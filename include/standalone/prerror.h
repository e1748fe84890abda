/*
 * prerror.h - the per-thread error state of NSPR's API, as the standalone
 * prshm library provides it (its own state, for programs without NSPR; the
 * companion library, prshm-nspr, reports through NSPR's).
 *
 * Every prshm function that fails records two values for the calling thread:
 * a PRErrorCode (one of the PR_*_ERROR codes of prerr.h) naming the cause,
 * and the raw operating-system error behind it (errno on Unix,
 * GetLastError() on Windows; 0 where the failure had no OS error).
 *
 * As in NSPR, a successful call does not clear the state: look at it only
 * after a call has reported failure. Each thread has its own state, so a
 * failure in one thread never changes what another thread reads.
 */
#ifndef PRSHM_PRERROR_H
#define PRSHM_PRERROR_H

#include "prtypes.h"
#include "prerr.h"

PR_BEGIN_EXTERN_C

/* An NSPR error code: one of the PR_*_ERROR values of prerr.h. */
typedef PRInt32 PRErrorCode;

/* The value of the first of NSPR's own codes. */
#define PR_NSPR_ERROR_BASE -6000

/* The language of the sentence PR_ErrorToString() returns. */
typedef PRUint32 PRLanguageCode;
#define PR_LANGUAGE_I_DEFAULT 0 /* the library's default: English */
#define PR_LANGUAGE_EN 1        /* English */

/*
 * PR_SetError - record a failure for the calling thread.
 *
 * Sets the thread's error code to `errorCode` and its OS error to `oserr`,
 * and discards any error text set before (PR_GetErrorTextLength() then
 * returns 0). Never fails.
 */
NSPR_API(void) PR_SetError(PRErrorCode errorCode, PRInt32 oserr);

/*
 * PR_GetError - the error code of the calling thread's last failure.
 *
 * Returns 0 if no failure has been recorded on this thread.
 */
NSPR_API(PRErrorCode) PR_GetError(void);

/*
 * PR_GetOSError - the raw OS error of the calling thread's last failure:
 * errno on Unix, GetLastError() on Windows, or 0 where the failure came
 * from prshm's own checks (a bad argument) rather than from the OS.
 */
NSPR_API(PRInt32) PR_GetOSError(void);

/*
 * PR_SetErrorText - attach a text to the calling thread's error state.
 *
 * Copies `textLength` bytes of `text` (which need not be terminated) and
 * keeps them until the next PR_SetError() or PR_SetErrorText() on this
 * thread. A `textLength` of 0 or less, or a NULL `text`, clears the text.
 * If the copy cannot be allocated the text is cleared and the error code
 * becomes PR_OUT_OF_MEMORY_ERROR. The text is freed when the thread exits.
 */
NSPR_API(void) PR_SetErrorText(PRIntn textLength, const char *text);

/*
 * PR_GetErrorTextLength - the length in bytes of the calling thread's error
 * text, not counting a terminator; 0 when there is none. prshm itself never
 * sets a text: only PR_SetErrorText() does.
 */
NSPR_API(PRInt32) PR_GetErrorTextLength(void);

/*
 * PR_GetErrorText - copy the calling thread's error text into `text`.
 *
 * `text` must have room for PR_GetErrorTextLength() + 1 bytes; the copy is
 * terminated with a NUL byte. Returns the number of bytes copied, not
 * counting the terminator (0 when there is no text, and then text[0] is
 * set to NUL). A NULL `text` copies nothing and returns 0.
 */
NSPR_API(PRInt32) PR_GetErrorText(char *text);

/*
 * PR_ErrorToName - the symbolic name of an error code.
 *
 * PR_ErrorToName(PR_FILE_EXISTS_ERROR) returns "PR_FILE_EXISTS_ERROR".
 * Returns NULL for a code that is not one of prerr.h's. The string is
 * static; do not free it.
 */
NSPR_API(const char *) PR_ErrorToName(PRErrorCode code);

/*
 * PR_ErrorToString - an English sentence describing an error code.
 *
 * Every language code gives English (the only language prshm has). A code
 * that is not one of prerr.h's gives the sentence "Unknown error code".
 * The string is static; do not free it.
 */
NSPR_API(const char *) PR_ErrorToString(PRErrorCode code, PRLanguageCode language);

PR_END_EXTERN_C

#endif /* PRSHM_PRERROR_H */
