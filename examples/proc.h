/*
 * proc.h - the little process handling the examples need: this program's
 * own path, starting a program, waiting for it, and pausing while polling.
 *
 * It is kept apart from the examples so that they show only prshm's API;
 * proc.c holds one version for POSIX systems and one for Windows.
 */
#ifndef PRSHM_EXAMPLE_PROC_H
#define PRSHM_EXAMPLE_PROC_H

#include <stddef.h>
#include <stdint.h>

/* A started process. */
typedef struct ex_proc {
  intptr_t id;     /* POSIX: the pid; Windows: the process handle */
  intptr_t thread; /* Windows: the main thread's handle; unused on POSIX */
} ex_proc;

/* Writes the path of the running program into buf (size bytes); argv0 is
 * the fallback where the system cannot tell. Returns 0, or -1. */
int ex_self_path(const char *argv0, char *buf, size_t size);

/*
 * Starts the program at `path` with the arguments argv (argv[0] first,
 * NULL-terminated). With out_fd non-NULL the program's standard output is
 * a pipe whose reading end is stored there (close it when done); otherwise
 * it shares this process's. Returns 0 and fills *proc, or -1.
 */
int ex_spawn(const char *path, const char *const argv[], int *out_fd, ex_proc *proc);

/* Waits for a started process to end. Returns its exit code, 128 + the
 * signal number if a signal ended it, or -1 if waiting failed. */
int ex_wait(ex_proc proc);

/* Reads from a descriptor ex_spawn returned: like read(2), -1 on error. */
long ex_read(int fd, void *buf, size_t size);

/* Closes a descriptor ex_spawn returned. */
void ex_close(int fd);

/* The id of this process. */
long ex_pid(void);

/* Gives the processor away briefly, for a loop that polls a word in shared
 * memory; `round` counts the rounds polled so far (short pauses first). */
void ex_pause(unsigned round);

/* A clock in milliseconds, for bounding such loops. */
int64_t ex_now_ms(void);

#endif /* PRSHM_EXAMPLE_PROC_H */
