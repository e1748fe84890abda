/*
 * semaphore.c - the README's example: a producer and a consumer sharing a
 * segment and a semaphore. The consumer may start first: it sleeps until
 * the producer posts, and then removes both names.
 *
 *     semaphore consume &      in one process (or terminal)
 *     semaphore produce        in another
 *
 * The lines between the README markers are the README's, word for word (a
 * test compares them); the rest checks each call, as a program of yours
 * would.
 */
#include <stdio.h>
#include <string.h>

#include <prerror.h>
#include <pripcsem.h>
#include <prshm.h>

static int semaphore_failed(const char *what) {
  fprintf(stderr, "semaphore: %s failed: %s\n", what, PR_ErrorToName(PR_GetError()));
  return 1;
}

static int semaphore_produce(void) {
  /* README begin: producer */
  PRSharedMemory *shm = PR_OpenSharedMemory("/demo/msg", 4096, PR_SHM_CREATE, 0600);
  PRSem *ready = PR_OpenSemaphore("/demo/ready", PR_SEM_CREATE, 0600, 0);
  char *msg = PR_AttachSharedMemory(shm, 0);
  strcpy(msg, "hello from the producer"); /* write the data first, */
  PR_PostSemaphore(ready);                /* then say that it is there */
  /* README end */
  if (shm == NULL || ready == NULL || msg == NULL) return semaphore_failed("opening");
  if (PR_DetachSharedMemory(shm, msg) != PR_SUCCESS || PR_CloseSharedMemory(shm) != PR_SUCCESS ||
      PR_CloseSemaphore(ready) != PR_SUCCESS)
    return semaphore_failed("closing");
  return 0;
}

static int semaphore_consume(void) {
  /* README begin: consumer */
  PRSharedMemory *shm = PR_OpenSharedMemory("/demo/msg", 4096, PR_SHM_CREATE, 0600);
  PRSem *ready = PR_OpenSemaphore("/demo/ready", PR_SEM_CREATE, 0600, 0);
  char *msg = PR_AttachSharedMemory(shm, PR_SHM_READONLY);
  PR_WaitSemaphore(ready); /* sleeps until the producer posts */
  printf("%s\n", msg);
  /* README end */
  if (shm == NULL || ready == NULL || msg == NULL) return semaphore_failed("opening");
  if (PR_DetachSharedMemory(shm, msg) != PR_SUCCESS || PR_CloseSharedMemory(shm) != PR_SUCCESS ||
      PR_CloseSemaphore(ready) != PR_SUCCESS)
    return semaphore_failed("closing");
  /* The last one out removes the names. */
  if (PR_DeleteSharedMemory("/demo/msg") != PR_SUCCESS ||
      PR_DeleteSemaphore("/demo/ready") != PR_SUCCESS)
    return semaphore_failed("deleting");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "produce") == 0) return semaphore_produce();
  if (argc == 2 && strcmp(argv[1], "consume") == 0) return semaphore_consume();
  fprintf(stderr, "usage: semaphore produce|consume\n");
  return 2;
}
