/*
 * bench.h - the benchmark's harness, and the table a library under test
 * fills in.
 *
 * A library under test is one bench_lib: six operations on named segments
 * (create, open, attach, detach, close, remove) behind function pointers.
 * A benchmark binary lists its libraries, the reference first (the raw
 * system calls, lib_raw.c), and hands the list to bench_main(), which times
 * every workload for every library in one run and prints each library's
 * times as ratios to the reference. Adding a library is writing one such
 * table and adding it to a binary's list (main.c); a library whose symbols
 * clash with prshm's (NSPR has the same function names) gets a binary of
 * its own, with its own main listing the reference and that library.
 */
#ifndef PRSHM_BENCH_H
#define PRSHM_BENCH_H

#include <stddef.h>

/* One open segment as a library under test holds it. The harness never
 * looks inside; it only passes it between that library's own functions. */
typedef struct bench_seg {
  void *handle; /* the library's handle (a PRSharedMemory *, ...), if any */
  long id;      /* the library's descriptor or identifier (fd, shmid), if any */
  size_t size;  /* bytes an attachment maps */
} bench_seg;

/*
 * A library under test. Every name the harness passes starts with '/',
 * holds only [A-Za-z0-9/-], is at most 63 bytes and is unique per library
 * and segment in this run (it carries the process id and the library's
 * name); a library that needs another kind of name (a file path, a System V
 * key) derives it from this one. Functions that can fail return 0 (or an
 * address) on success and -1 (or NULL) on failure; `error` then describes
 * the failure. Every function is called from one thread only.
 */
typedef struct bench_lib {
  /* Shown in the table and the CSV: "raw", "prshm". */
  const char *name;
  /* One line for the run's header: what exactly is measured (version,
   * backend, the calls made). */
  const char *(*describe)(void);
  /* Prepares the library once per process (NULL if it needs nothing). */
  int (*init)(void);
  /* Undoes init (NULL if it needs nothing). */
  void (*fini)(void);
  /* Creates segment `name` of `size` bytes, failing if it exists, and
   * opens it for reading and writing into *seg. */
  int (*create)(const char *name, size_t size, bench_seg *seg);
  /* Opens the existing segment `name` to map its first `size` bytes. */
  int (*open)(const char *name, size_t size, bench_seg *seg);
  /* Maps seg->size bytes read-write; NULL on failure. */
  void *(*attach)(bench_seg *seg);
  /* Unmaps an address attach returned. */
  int (*detach)(bench_seg *seg, void *addr);
  /* Releases what create or open acquired. */
  int (*close)(bench_seg *seg);
  /* Removes the name `name`. */
  int (*remove)(const char *name);
  /* Describes the failure of the call just made, for a message. */
  const char *(*error)(void);
} bench_lib;

/* The libraries this project ships tables for. */
extern const bench_lib bench_lib_raw;   /* the raw system calls (lib_raw.c) */
extern const bench_lib bench_lib_prshm; /* prshm (lib_prshm.c) */

/*
 * Parses the options in argv (see bench/README.md or --help), runs every
 * workload for libs[0] (the reference) and each other library, prints the
 * tables and returns the process's exit code: 0 when every measurement
 * completed, 1 when an operation failed, 2 for bad options, 130 when
 * interrupted. nlibs is at least 2.
 */
int bench_main(int argc, char **argv, const bench_lib *const *libs, size_t nlibs);

#endif /* PRSHM_BENCH_H */
