/*
 * bench.h - the benchmark's harness, and the table a library under test
 * fills in.
 *
 * A library under test is one bench_lib: six operations on named segments
 * (create, open, attach, detach, close, remove) behind function pointers.
 * A benchmark binary lists its libraries, the references first (the raw
 * system calls, lib_raw.c, and anonymous memory, lib_anon.c), and hands the
 * list to bench_main(), which times every workload for every library in one
 * run and prints each library's times as ratios to the reference measured
 * in the same process. Adding a library is writing one such table and
 * adding it to a binary's list (main.c). A library whose symbols clash with
 * prshm's (NSPR has the same function names) gets a binary of its own
 * (main_nspr.c), which the main binary runs beside itself as a peer process
 * and drives batch by batch, so that its batches take turns with everyone
 * else's in the same run (peer.c).
 */
#ifndef PRSHM_BENCH_H
#define PRSHM_BENCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One open segment as a library under test holds it. The harness never
 * looks inside; it only passes it between that library's own functions. */
typedef struct bench_seg {
  void *handle; /* the library's handle (a PRSharedMemory *, ...), if any */
  long id;      /* the library's descriptor or identifier (fd, shmid), if any */
  size_t size;  /* bytes an attachment maps */
} bench_seg;

/* The workloads a library takes part in (bench_lib.roles). */
#define BENCH_ROLE_OPEN 0x1u        /* open an existing segment, attach, ... */
#define BENCH_ROLE_CREATE 0x2u      /* create, attach, ..., delete */
#define BENCH_ROLE_FIRST_TOUCH 0x4u /* create 1 GiB and write every page */
#define BENCH_ROLE_LIVE 0x8u        /* thousands of segments open at once */
#define BENCH_ROLE_ALL 0xfu

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
  /* Shown in the table and the CSV: "raw", "prshm". At most 15 bytes. */
  const char *name;
  /* One line for the run's header: what exactly is measured (version,
   * backend, the calls made). */
  const char *(*describe)(void);
  /* BENCH_ROLE_* bits: the workloads it takes part in. */
  unsigned roles;
  /* Prepares the library once per process (NULL if it needs nothing). */
  int (*init)(void);
  /* Undoes init (NULL if it needs nothing). */
  void (*fini)(void);
  /* How many 4 KiB segments it can hold at once beyond what the process's
   * descriptors allow, writing why into `why` (NULL: no such limit). */
  size_t (*capacity)(char *why, size_t whysize);
  /* Creates segment `name` of `size` bytes, failing if it exists, and
   * opens it for reading and writing into *seg. */
  int (*create)(const char *name, size_t size, bench_seg *seg);
  /* Opens the existing segment `name` to map its first `size` bytes (NULL
   * for a library without named segments: anonymous memory). */
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

/* The libraries this project ships tables for. Each peer's table exists
 * only in a build that found the peer's development package. */
extern const bench_lib bench_lib_raw;        /* POSIX shm_open and mmap (lib_raw.c) */
extern const bench_lib bench_lib_anon;       /* anonymous memory, the floor of first touch */
extern const bench_lib bench_lib_sysv;       /* System V shmget and shmat (lib_sysv.c) */
extern const bench_lib bench_lib_prshm;      /* prshm (lib_prshm.c) */
extern const bench_lib bench_lib_apr;        /* APR's apr_shm_* (lib_apr.c) */
extern const bench_lib bench_lib_boost;      /* Boost.Interprocess (lib_boost.cpp) */
extern const bench_lib bench_lib_nspr;       /* NSPR itself, loaded at run time (lib_nspr.c) */
extern const bench_lib bench_lib_floor;      /* creation's promises by hand (lib_floor.c, Linux) */
extern const bench_lib bench_lib_floor_proc; /* the same through /proc/self/fd/N */
extern const bench_lib bench_lib_mode_step;    /* the raw create + fchmod (lib_floor.c) */
extern const bench_lib bench_lib_reserve_step; /* the raw create reserving (lib_floor.c) */
extern const bench_lib bench_lib_atomic_step;  /* the raw create made atomic (lib_floor.c) */
extern const bench_lib bench_lib_prshm_proc; /* prshm as before Linux 6.10 (lib_prshm_proc.c) */

/* The System V segments this system has left for one library (kernel.shmmni
 * less those in use and a margin), saying so in `why`: the capacity of the
 * libraries built on System V (lib_sysv.c). */
size_t bench_sysv_room(char *why, size_t whysize);

/*
 * Parses the options in argv (see bench/README.md or --help), runs every
 * workload for every library (and for a peer binary's, see peer.c), prints
 * the tables and returns the process's exit code: 0 when every measurement
 * completed, 1 when an operation failed, 2 for bad options, 130 when
 * interrupted. libs starts with bench_lib_raw; nlibs is 2 to 16. `peer` is
 * the file name of the peer binary that runs beside this one by default,
 * looked for in this program's directory (NULL: none).
 */
int bench_main(int argc, char **argv, const bench_lib *const *libs, size_t nlibs, const char *peer);

#ifdef __cplusplus
}
#endif

#endif /* PRSHM_BENCH_H */
