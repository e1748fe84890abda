/*
 * consumer.c - a program written the way an NSPR program is, built against
 * an installed prshm (by pkg-config, by find_package, and as C++). It must
 * compile unchanged and run: create, attach, write, reopen, read, delete.
 */
#include <prerror.h>
#include <prshm.h>
#include <prtypes.h>
#include <stdio.h>
#include <string.h>

static int report(const char *what) {
  fprintf(stderr, "consumer: %s failed: %s (%d)\n", what, PR_ErrorToName(PR_GetError()),
          (int)PR_GetOSError());
  return 1;
}

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "/prshm-install-consumer";
  PRSharedMemory *w, *r;
  char *pw, *pr;
  PRBool same;
  PRStatus st;

  (void)PR_DeleteSharedMemory(name);
  w = PR_OpenSharedMemory(name, 4096, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
  if (w == NULL) return report("create");
  pw = (char *)PR_AttachSharedMemory(w, 0);
  if (pw == NULL) return report("attach");
  strcpy(pw, "installed prshm works");
  r = PR_OpenSharedMemory(name, 4096, 0, 0600);
  if (r == NULL) return report("open");
  pr = (char *)PR_AttachSharedMemory(r, PR_SHM_READONLY);
  if (pr == NULL) return report("attach read-only");
  same = strcmp(pr, "installed prshm works") == 0 ? PR_TRUE : PR_FALSE;
  st = PR_DetachSharedMemory(r, pr);
  if (st != PR_SUCCESS || PR_CloseSharedMemory(r) != PR_SUCCESS) return report("close reader");
  if (PR_DetachSharedMemory(w, pw) != PR_SUCCESS || PR_CloseSharedMemory(w) != PR_SUCCESS)
    return report("close writer");
  if (PR_DeleteSharedMemory(name) != PR_SUCCESS) return report("delete");
  if (PR_OpenSharedMemory(name, 0, 0, 0) != NULL || PR_GetError() != PR_FILE_NOT_FOUND_ERROR)
    return report("open after delete");
  printf("%s\n", same ? "consumer: ok" : "consumer: data mismatch");
  return same ? 0 : 1;
}
