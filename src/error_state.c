/*
 * error_state.c - the standalone library's per-thread error state and its
 * error-code tables: NSPR's error functions, for programs without NSPR.
 * (The companion library leaves this file out: there they are libnspr4's.)
 *
 * The code and OS error live in C11 thread-local storage, so reading and
 * setting them costs no lock and no system call. Only the optional error
 * text is heap memory, kept by the OS layer, which frees it when its thread
 * exits.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "error_table.h"

/* One thread's error code and OS error. Touched only by its own thread.
 * The error text is kept by the OS layer (prshm__thread_text), which frees
 * it with the thread. */
typedef struct prshm__error_state {
  PRErrorCode code; /* the last failure's code; 0 before any failure */
  PRInt32 oserr;    /* the raw OS error of that failure, or 0 */
} prshm__error_state;

static _Thread_local prshm__error_state error_state;

void PR_SetError(PRErrorCode errorCode, PRInt32 oserr) {
  error_state.code = errorCode;
  error_state.oserr = oserr;
  /* A new error makes the old text meaningless. */
  if (prshm__thread_text() != NULL) prshm__thread_set_text(NULL);
}

PRErrorCode PR_GetError(void) { return error_state.code; }

PRInt32 PR_GetOSError(void) { return error_state.oserr; }

void PR_SetErrorText(PRIntn textLength, const char *text) {
  prshm__text *copy;

  if (textLength <= 0 || text == NULL) {
    prshm__thread_set_text(NULL);
    return;
  }
  copy = malloc(sizeof *copy + (size_t)textLength + 1);
  if (copy == NULL) {
    prshm__thread_set_text(NULL);
    error_state.code = PR_OUT_OF_MEMORY_ERROR;
    error_state.oserr = 0;
    return;
  }
  copy->len = textLength;
  memcpy(copy->bytes, text, (size_t)textLength);
  copy->bytes[textLength] = '\0';
  prshm__thread_set_text(copy);
}

PRInt32 PR_GetErrorTextLength(void) {
  const prshm__text *t = prshm__thread_text();
  return t != NULL ? t->len : 0;
}

PRInt32 PR_GetErrorText(char *text) {
  const prshm__text *t = prshm__thread_text();

  if (text == NULL) return 0;
  if (t == NULL) {
    text[0] = '\0';
    return 0;
  }
  memcpy(text, t->bytes, (size_t)t->len + 1);
  return t->len;
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
