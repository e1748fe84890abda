/*
 * footprint.c - what one open cycle touches in user space, for
 * scripts/bench-footprint.sh to count under valgrind's lackey.
 *
 *   prshm_footprint prshm N    N cycles of PR_OpenSharedMemory (open),
 *                              PR_AttachSharedMemory, PR_DetachSharedMemory,
 *                              PR_CloseSharedMemory
 *   prshm_footprint raw N      N cycles of shm_open, fstat, mmap, munmap, close
 *
 * Before each cycle it calls footprint_mark(), whose address it prints
 * first ("mark 0x..."), so that the trace can be cut into cycles. A time
 * says nothing here (lackey runs the program 50 times slower): what counts
 * is which lines of code and data each cycle reaches, since on a kernel
 * that empties the TLB at every system call and whose own work evicts
 * cache lines, each line reached after a system call is likely a miss.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prshm.h"

#define FOOTPRINT_SIZE 4096

/* Marks the start of a cycle in the trace; never inlined or merged. */
void footprint_mark(void);
__attribute__((noinline)) void footprint_mark(void) { __asm__ volatile("" ::: "memory"); }

static int footprint_raw(const char *name) {
  int fd = shm_open(name, O_RDWR, 0);
  struct stat st;
  void *addr;

  if (fd < 0) return -1;
  if (fstat(fd, &st) != 0 || st.st_size < FOOTPRINT_SIZE) {
    (void)close(fd);
    return -1;
  }
  addr = mmap(NULL, FOOTPRINT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED || munmap(addr, FOOTPRINT_SIZE) != 0) {
    (void)close(fd);
    return -1;
  }
  return close(fd);
}

static int footprint_prshm(const char *name) {
  PRSharedMemory *shm = PR_OpenSharedMemory(name, FOOTPRINT_SIZE, 0, 0);
  void *addr;

  if (shm == NULL) return -1;
  addr = PR_AttachSharedMemory(shm, 0);
  if (addr == NULL || PR_DetachSharedMemory(shm, addr) != PR_SUCCESS) {
    (void)PR_CloseSharedMemory(shm);
    return -1;
  }
  return PR_CloseSharedMemory(shm) == PR_SUCCESS ? 0 : -1;
}

int main(int argc, char **argv) {
  char name[64];
  int raw, n, i, fd, rv = 0;

  if (argc != 3 || (strcmp(argv[1], "raw") != 0 && strcmp(argv[1], "prshm") != 0) ||
      (n = atoi(argv[2])) < 1) {
    fprintf(stderr, "usage: prshm_footprint raw|prshm CYCLES\n");
    return 2;
  }
  raw = strcmp(argv[1], "raw") == 0;
  /* A name like the benchmark's: absolute, so prshm never calls getcwd. */
  (void)snprintf(name, sizeof name, "/prshm-footprint-%ld", (long)getpid());
  if (raw) {
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, FOOTPRINT_SIZE) != 0 || close(fd) != 0) return 1;
  } else {
    PRSharedMemory *shm =
        PR_OpenSharedMemory(name, FOOTPRINT_SIZE, PR_SHM_CREATE | PR_SHM_EXCL, 0600);
    if (shm == NULL || PR_CloseSharedMemory(shm) != PR_SUCCESS) return 1;
  }
  printf("mark %p\n", (void *)footprint_mark);
  fflush(stdout);
  for (i = 0; i < n && rv == 0; i++) {
    footprint_mark();
    rv = raw ? footprint_raw(name) : footprint_prshm(name);
  }
  footprint_mark();
  if (raw)
    (void)shm_unlink(name);
  else
    (void)PR_DeleteSharedMemory(name);
  return rv == 0 ? 0 : 1;
}
