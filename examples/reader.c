/*
 * reader.c - looks into a segment without being able to change it.
 *
 *     reader NAME
 *
 * Opens an existing segment and attaches it with PR_SHM_READONLY: the
 * pages are mapped read-only, so a stray write would fault rather than
 * change what other processes see. This is also all a process may do with
 * a segment whose permissions let it only read (say a 0644 segment of
 * another user): prshm opens it, and a read-only attach works.
 *
 * It prints the segment's size, the text at its start (up to the first zero
 * byte, with unprintable bytes escaped) and how many bytes are not zero.
 */
#include <stdio.h>

#include <prerror.h>
#include <prshm.h>
#include <prshm_ext.h>

static void reader_error(const char *name, const char *call) {
  PRErrorCode code = PR_GetError();
  fprintf(stderr, "reader: %s: %s failed: %s (%s)\n", name, call,
          PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT), PR_ErrorToName(code));
}

/* Prints the text at the start of the segment, escaping what a terminal
 * should not be sent. */
static void reader_print_text(const unsigned char *p, PRSize size) {
  PRSize i;

  for (i = 0; i < size && p[i] != 0; i++) {
    if (p[i] == '\n' || (p[i] >= 0x20 && p[i] < 0x7f))
      putchar(p[i]);
    else
      printf("\\x%02x", p[i]);
  }
  printf("%s", i > 0 && p[i - 1] == '\n' ? "" : "\n");
  printf("reader: that text is %lu bytes long", (unsigned long)i);
  printf(i == size ? " (it fills the segment)\n" : "\n");
}

static void reader_show(const char *name, const unsigned char *p, PRSize size) {
  PRSize i, nonzero = 0;

  for (i = 0; i < size; i++) nonzero += p[i] != 0;
  printf("reader: \"%s\" is %lu bytes, attached read-only\n", name, (unsigned long)size);
  printf("reader: %lu of them are not zero; the text at the start:\n", (unsigned long)nonzero);
  reader_print_text(p, size);
}

int main(int argc, char **argv) {
  PRSharedMemory *shm;
  unsigned char *p;
  PRSize size;
  int rc = 1;

  if (argc != 2) {
    fprintf(stderr, "usage: reader NAME\n");
    return 2;
  }
  /* Flags 0: the segment must exist. Size 0 (a prshm extension) maps all
   * of it; prshm_get_size() then tells how much that is. Mode 0: on open,
   * the mode is not an access request. */
  shm = PR_OpenSharedMemory(argv[1], 0, 0, 0);
  if (shm == NULL) {
    reader_error(argv[1], "PR_OpenSharedMemory");
    return 1;
  }
  if (prshm_get_size(shm, &size) != PR_SUCCESS) {
    reader_error(argv[1], "prshm_get_size");
    goto close;
  }
  p = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  if (p == NULL) {
    reader_error(argv[1], "PR_AttachSharedMemory");
    goto close;
  }
  reader_show(argv[1], p, size);
  rc = 0;
  if (PR_DetachSharedMemory(shm, p) != PR_SUCCESS) {
    reader_error(argv[1], "PR_DetachSharedMemory");
    rc = 1;
  }
close:
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) {
    reader_error(argv[1], "PR_CloseSharedMemory");
    rc = 1;
  }
  return rc;
}
