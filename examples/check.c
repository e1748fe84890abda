/*
 * check.c - runs the examples as the test suite's examples.* tests do.
 *
 *     example_check pair PRODUCER CONSUMER COUNT
 *         starts the consumer, then the producer, on a fresh name; both
 *         must exit 0, and the producer must have removed the segment.
 *     example_check reader READER
 *         creates a segment holding a known text, runs the reader on it
 *         and checks what it printed, and that the segment is unchanged.
 *     example_check semaphore SEMAPHORE
 *         starts the README's consumer, then its producer; checks what the
 *         consumer printed and that both names are gone afterwards. The
 *         names are fixed, so the test runs it in a namespace of its own
 *         (PRSHM_DIR).
 *
 * Not an example itself: a test driver, built only with the tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <prerror.h>
#include <pripcsem.h>
#include <prshm.h>

#include "proc.h"

#define CHECK_SEGMENT_SIZE 4096
#define CHECK_OUTPUT_MAX 65536

static int check_fail(const char *what) {
  fprintf(stderr, "example_check: FAIL: %s (last prshm error: %s)\n", what,
          PR_ErrorToName(PR_GetError()) ? PR_ErrorToName(PR_GetError()) : "none");
  return 1;
}

static int check_pair(const char *producer, const char *consumer, const char *count) {
  char name[64];
  const char *cargs[3], *pargs[4];
  ex_proc cp, pp;
  int cstatus, pstatus;

  snprintf(name, sizeof name, "/prshm-example-pair-%ld", ex_pid());
  (void)PR_DeleteSharedMemory(name);
  cargs[0] = consumer, cargs[1] = name, cargs[2] = NULL;
  pargs[0] = producer, pargs[1] = name, pargs[2] = count, pargs[3] = NULL;
  fflush(stdout);
  /* The consumer first: it must wait for the producer's segment. */
  if (ex_spawn(consumer, cargs, NULL, &cp) != 0) return check_fail("cannot start the consumer");
  if (ex_spawn(producer, pargs, NULL, &pp) != 0) {
    /* The consumer gives up by itself once its wait runs out. */
    (void)ex_wait(cp);
    return check_fail("cannot start the producer");
  }
  pstatus = ex_wait(pp);
  cstatus = ex_wait(cp);
  printf("example_check: producer exited %d, consumer exited %d\n", pstatus, cstatus);
  if (pstatus != 0 || cstatus != 0) return check_fail("an example failed");
  if (PR_OpenSharedMemory(name, 0, 0, 0) != NULL || PR_GetError() != PR_FILE_NOT_FOUND_ERROR) {
    (void)PR_DeleteSharedMemory(name);
    return check_fail("the producer left its segment behind");
  }
  return 0;
}

/* Runs the reader on `name` and collects what it prints. Its exit status,
 * or -1 if it could not be run. */
static int check_run_reader(const char *reader, const char *name, char *out, size_t size) {
  const char *args[3];
  ex_proc proc;
  size_t used = 0;
  long n;
  int fd;

  args[0] = reader, args[1] = name, args[2] = NULL;
  fflush(stdout);
  if (ex_spawn(reader, args, &fd, &proc) != 0) return -1;
  while (used + 1 < size && (n = ex_read(fd, out + used, size - 1 - used)) > 0) used += (size_t)n;
  out[used] = '\0';
  ex_close(fd);
  return ex_wait(proc);
}

/* Checks the reader's output against the segment it was given. */
static int check_reader_output(const char *out, const char *text) {
  char expect[128];

  fputs(out, stdout);
  snprintf(expect, sizeof expect, "is %d bytes, attached read-only", CHECK_SEGMENT_SIZE);
  if (strstr(out, expect) == NULL) return check_fail("the reader did not report the size");
  /* The text and its newline, plus the one 0xff byte at the end. */
  snprintf(expect, sizeof expect, "%u of them are not zero", (unsigned)strlen(text) + 2);
  if (strstr(out, expect) == NULL) return check_fail("the reader miscounted the bytes");
  if (strstr(out, text) == NULL) return check_fail("the reader did not print the text");
  return 0;
}

static int check_reader(const char *reader) {
  static char out[CHECK_OUTPUT_MAX];
  unsigned char before[CHECK_SEGMENT_SIZE];
  char name[64], text[96];
  PRSharedMemory *shm;
  unsigned char *p;
  int status, rc = 1;

  snprintf(name, sizeof name, "/prshm-example-reader-%ld", ex_pid());
  /* Looked for without its newline, which Windows prints as "\r\n". */
  snprintf(text, sizeof text, "Hello, reader! Process %ld wrote this.", ex_pid());
  (void)PR_DeleteSharedMemory(name);
  shm = PR_OpenSharedMemory(name, CHECK_SEGMENT_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0644);
  if (shm == NULL) return check_fail("cannot create the segment");
  p = PR_AttachSharedMemory(shm, 0);
  if (p == NULL) {
    rc = check_fail("cannot attach the segment");
    goto close;
  }
  memcpy(p, text, strlen(text));
  p[strlen(text)] = '\n';
  p[CHECK_SEGMENT_SIZE - 1] = 0xff;
  memcpy(before, p, sizeof before);
  status = check_run_reader(reader, name, out, sizeof out);
  if (status != 0)
    rc = check_fail("the reader failed");
  else if (memcmp(before, p, sizeof before) != 0)
    rc = check_fail("the segment changed while the reader looked at it");
  else
    rc = check_reader_output(out, text);
  (void)PR_DetachSharedMemory(shm, p);
close:
  (void)PR_CloseSharedMemory(shm);
  (void)PR_DeleteSharedMemory(name);
  return rc;
}

static int check_semaphore(const char *program) {
  static char out[CHECK_OUTPUT_MAX];
  const char *cargs[3], *pargs[3];
  ex_proc cp, pp;
  size_t used = 0;
  long n;
  int fd, cstatus, pstatus;

  /* Names a failed run may have left. */
  (void)PR_DeleteSharedMemory("/demo/msg");
  (void)PR_DeleteSemaphore("/demo/ready");
  cargs[0] = program, cargs[1] = "consume", cargs[2] = NULL;
  pargs[0] = program, pargs[1] = "produce", pargs[2] = NULL;
  fflush(stdout);
  /* The consumer first: it must sleep until the producer posts. */
  if (ex_spawn(program, cargs, &fd, &cp) != 0) return check_fail("cannot start the consumer");
  if (ex_spawn(program, pargs, NULL, &pp) != 0) return check_fail("cannot start the producer");
  pstatus = ex_wait(pp);
  while (used + 1 < sizeof out && (n = ex_read(fd, out + used, sizeof out - 1 - used)) > 0)
    used += (size_t)n;
  out[used] = '\0';
  ex_close(fd);
  cstatus = ex_wait(cp);
  printf("example_check: producer exited %d, consumer exited %d, and printed: %s", pstatus,
         cstatus, out);
  if (pstatus != 0 || cstatus != 0) return check_fail("an example failed");
  if (strstr(out, "hello from the producer") == NULL)
    return check_fail("the consumer did not print the message");
  if (PR_OpenSemaphore("/demo/ready", 0, 0, 0) != NULL || PR_GetError() != PR_FILE_NOT_FOUND_ERROR)
    return check_fail("the consumer left the semaphore behind");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "pair") == 0) return check_pair(argv[2], argv[3], argv[4]);
  if (argc == 3 && strcmp(argv[1], "reader") == 0) return check_reader(argv[2]);
  if (argc == 3 && strcmp(argv[1], "semaphore") == 0) return check_semaphore(argv[2]);
  fprintf(stderr,
          "usage: example_check pair PRODUCER CONSUMER COUNT | reader READER | semaphore PROGRAM\n");
  return 2;
}
