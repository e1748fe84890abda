/*
 * error.c - the per-thread error state and the error-code tables.
 *
 * The code and OS error live in C11 thread-local storage, so reading and
 * setting them costs no lock and no system call. Only the optional error
 * text is heap memory; the OS layer frees it when its thread exits.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "error_table.h"

/* One thread's error state. Touched only by its own thread. */
typedef struct prshm__error_state {
  PRErrorCode code; /* the last failure's code; 0 before any failure */
  PRInt32 oserr;    /* the raw OS error of that failure, or 0 */
  char *text;       /* PR_SetErrorText()'s copy, NUL-terminated, or NULL */
  PRInt32 textlen;  /* bytes in text, not counting the terminator */
} prshm__error_state;

static _Thread_local prshm__error_state error_state;

static void error_drop_text(void) {
  free(error_state.text);
  error_state.text = NULL;
  error_state.textlen = 0;
  prshm__thread_text_owner(NULL);
}

void PR_SetError(PRErrorCode errorCode, PRInt32 oserr) {
  error_state.code = errorCode;
  error_state.oserr = oserr;
  if (error_state.text != NULL) error_drop_text();
}

PRErrorCode PR_GetError(void) { return error_state.code; }

PRInt32 PR_GetOSError(void) { return error_state.oserr; }

void PR_SetErrorText(PRIntn textLength, const char *text) {
  char *copy;

  if (error_state.text != NULL) error_drop_text();
  if (textLength <= 0 || text == NULL) return;
  copy = malloc((size_t)textLength + 1);
  if (copy == NULL) {
    error_state.code = PR_OUT_OF_MEMORY_ERROR;
    error_state.oserr = 0;
    return;
  }
  memcpy(copy, text, (size_t)textLength);
  copy[textLength] = '\0';
  error_state.text = copy;
  error_state.textlen = textLength;
  /* The OS layer frees the copy if the thread exits while holding it. */
  prshm__thread_text_owner(copy);
}

PRInt32 PR_GetErrorTextLength(void) { return error_state.textlen; }

PRInt32 PR_GetErrorText(char *text) {
  if (text == NULL) return 0;
  if (error_state.text == NULL) {
    text[0] = '\0';
    return 0;
  }
  memcpy(text, error_state.text, (size_t)error_state.textlen + 1);
  return error_state.textlen;
}

/* Expands the list into a table of {code, name, sentence}. */
typedef struct prshm__error_entry {
  PRErrorCode code;     /* the value from prerr.h */
  const char *name;     /* the macro's own spelling */
  const char *sentence; /* prshm's English description */
} prshm__error_entry;

#define PRSHM__ERROR_ENTRY(code, sentence) {code, #code, sentence},
static const prshm__error_entry error_entries[] = {PRSHM__ERROR_LIST(PRSHM__ERROR_ENTRY)};
#undef PRSHM__ERROR_ENTRY

#define ERROR_COUNT (sizeof(error_entries) / sizeof(error_entries[0]))

/* The codes are consecutive from PR_OUT_OF_MEMORY_ERROR, so a code is its
 * own index; the checks below hold that at build time. */
_Static_assert(ERROR_COUNT == (size_t)(PR_MAX_ERROR - PR_OUT_OF_MEMORY_ERROR + 1),
               "the error list must have one entry per code");

static const prshm__error_entry *error_find(PRErrorCode code) {
  const prshm__error_entry *e;

  if (code < PR_OUT_OF_MEMORY_ERROR || code > PR_MAX_ERROR) return NULL;
  e = &error_entries[code - PR_OUT_OF_MEMORY_ERROR];
  return e->code == code ? e : NULL;
}

const char *PR_ErrorToName(PRErrorCode code) {
  const prshm__error_entry *e = error_find(code);
  return e != NULL ? e->name : NULL;
}

const char *PR_ErrorToString(PRErrorCode code, PRLanguageCode language) {
  const prshm__error_entry *e = error_find(code);
  (void)language; /* English is the only language */
  return e != NULL ? e->sentence : "Unknown error code";
}

PRStatus prshm__fail(PRErrorCode code, PRInt32 oserr) {
  PR_SetError(code, oserr);
  return PR_FAILURE;
}

PRStatus prshm__fail_os(PRInt32 oserr) {
  PR_SetError(prshm__os_error_code(oserr), oserr);
  return PR_FAILURE;
}
