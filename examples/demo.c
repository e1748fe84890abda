/*
 * demo.c - two processes share memory through prshm.
 *
 * The parent creates a named segment and writes a message into it, then
 * starts a second process (this same program, given the segment's name).
 * That process opens the segment by name, reads the message, and writes a
 * reply beside it. The parent waits for it to exit, reads the reply, and
 * removes the segment.
 *
 *     demo                 run the whole demo
 *     demo --child NAME    the second process (started by the demo itself)
 *
 * Only NSPR's API (prshm.h, prerror.h) and one extension (prshm_native_name,
 * to show where the segment lives) are used.
 */
#include <stdio.h>
#include <string.h>

#include <prerror.h>
#include <prshm.h>
#include <prshm_ext.h>

#include "proc.h"

/* What the two processes share: the layout of the segment. */
typedef struct demo_mailbox {
  char message[200]; /* written by the parent before the child starts */
  char reply[200];   /* written by the child before it exits */
} demo_mailbox;

/* Prints why a prshm call failed, in the library's words. */
static void demo_error(const char *who, const char *call) {
  PRErrorCode code = PR_GetError();
  fprintf(stderr, "%s: %s failed: %s (%s, OS error %d)\n", who, call,
          PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT), PR_ErrorToName(code),
          (int)PR_GetOSError());
}

/* The second process: answers the message it finds in the segment. */
static int demo_child(const char *name) {
  char who[32];
  PRSharedMemory *shm;
  demo_mailbox *box;
  int rc = 1;

  snprintf(who, sizeof who, "[child  %ld]", ex_pid());
  /* Flags 0: open a segment that must exist. Size 0 (a prshm extension)
   * would map all of it; asking for our layout's size also checks that
   * the segment is at least that big. */
  shm = PR_OpenSharedMemory(name, sizeof(demo_mailbox), 0, 0);
  if (shm == NULL) {
    demo_error(who, "PR_OpenSharedMemory");
    return 1;
  }
  box = PR_AttachSharedMemory(shm, 0);
  if (box == NULL) {
    demo_error(who, "PR_AttachSharedMemory");
    goto close;
  }
  printf("%s opened \"%s\" by its name and attached it\n", who, name);
  printf("%s read:  \"%s\"\n", who, box->message);
  if (strncmp(box->message, "Hello from process ", 19) != 0) {
    fprintf(stderr, "%s that is not the parent's message\n", who);
    goto detach;
  }
  snprintf(box->reply, sizeof box->reply,
           "Hello back from process %ld: I read your %u-byte message.", ex_pid(),
           (unsigned)strlen(box->message));
  printf("%s wrote: \"%s\"\n", who, box->reply);
  rc = 0;

detach:
  if (PR_DetachSharedMemory(shm, box) != PR_SUCCESS) {
    demo_error(who, "PR_DetachSharedMemory");
    rc = 1;
  }
close:
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) {
    demo_error(who, "PR_CloseSharedMemory");
    rc = 1;
  }
  return rc;
}

/* Starts this program again as the child and returns its exit status. */
static int demo_run_child(const char *argv0, const char *name) {
  char self[4096];
  const char *args[4];
  ex_proc child;

  if (ex_self_path(argv0, self, sizeof self) != 0) {
    fprintf(stderr, "demo: cannot tell this program's own path\n");
    return -1;
  }
  args[0] = self;
  args[1] = "--child";
  args[2] = name;
  args[3] = NULL;
  fflush(stdout); /* so that our lines come out before the child's */
  if (ex_spawn(self, args, NULL, &child) != 0) {
    fprintf(stderr, "demo: cannot start %s\n", self);
    return -1;
  }
  return ex_wait(child);
}

/* The parent's side, between creating the segment and deleting it. */
static int demo_converse(const char *who, const char *argv0, const char *name, demo_mailbox *box) {
  int status;

  snprintf(box->message, sizeof box->message, "Hello from process %ld! Is anybody there?",
           ex_pid());
  printf("%s wrote: \"%s\"\n", who, box->message);
  printf("%s starting a second process, which opens the segment by its name...\n", who);
  status = demo_run_child(argv0, name);
  if (status != 0) {
    fprintf(stderr, "%s the child process failed (exit status %d)\n", who, status);
    return 1;
  }
  printf("%s the child exited with status 0\n", who);
  printf("%s read:  \"%s\"\n", who, box->reply);
  if (strncmp(box->reply, "Hello back from process ", 24) != 0) {
    fprintf(stderr, "%s the reply is not there\n", who);
    return 1;
  }
  return 0;
}

static int demo_parent(const char *argv0) {
  char name[64], native[PRSHM_NATIVE_NAME_MAX], who[32];
  PRSharedMemory *shm;
  demo_mailbox *box;
  int rc = 1;

  snprintf(who, sizeof who, "[parent %ld]", ex_pid());
  /* A name of our own: the pid keeps two demos running at once apart. */
  snprintf(name, sizeof name, "/prshm-demo-%ld", ex_pid());
  printf("prshm demo: two processes share one named segment of memory.\n\n");

  /* Create it (failing if it somehow exists), readable and writable by
   * this user only. It starts out as zeros. */
  shm = PR_OpenSharedMemory(name, sizeof(demo_mailbox), PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (shm == NULL) {
    demo_error(who, "PR_OpenSharedMemory");
    return 1;
  }
  if (prshm_native_name(name, native, sizeof native) != PR_SUCCESS) strcpy(native, "?");
  printf("%s created \"%s\" (%u bytes; other programs can open it as %s)\n", who, name,
         (unsigned)sizeof(demo_mailbox), native);
  box = PR_AttachSharedMemory(shm, 0);
  if (box == NULL) {
    demo_error(who, "PR_AttachSharedMemory");
    goto close;
  }
  rc = demo_converse(who, argv0, name, box);
  if (PR_DetachSharedMemory(shm, box) != PR_SUCCESS) {
    demo_error(who, "PR_DetachSharedMemory");
    rc = 1;
  }
close:
  if (PR_CloseSharedMemory(shm) != PR_SUCCESS) {
    demo_error(who, "PR_CloseSharedMemory");
    rc = 1;
  }
  /* The name goes now; nothing is left behind in the system. */
  if (PR_DeleteSharedMemory(name) != PR_SUCCESS) {
    demo_error(who, "PR_DeleteSharedMemory");
    rc = 1;
  }
  if (rc == 0) printf("%s deleted \"%s\". Both processes saw the same memory.\n", who, name);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--child") == 0) return demo_child(argv[2]);
  if (argc != 1) {
    fprintf(stderr, "usage: demo\n");
    return 2;
  }
  return demo_parent(argv[0]);
}
