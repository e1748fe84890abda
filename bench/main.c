/*
 * main.c - prshm_bench: prshm beside the raw system calls and the peers
 * that live with it in one process.
 *
 * The list below is the whole configuration: the references first (raw
 * POSIX calls, anonymous memory), then each library compared with them.
 * A peer whose development package the build did not find is left out
 * (bench/CMakeLists.txt says so at configure time). NSPR, whose symbols
 * clash with prshm's, is loaded at run time (lib_nspr.c). The floors of
 * creation and their steps (lib_floor.c) and prshm's route before Linux
 * 6.10 (lib_prshm_proc.c) take part in the create workloads only.
 */
#include "bench.h"

int main(int argc, char **argv) {
  static const bench_lib *const libs[] = {
      &bench_lib_raw,        &bench_lib_anon,         &bench_lib_prshm,       &bench_lib_sysv,
#ifdef BENCH_HAVE_APR
      &bench_lib_apr,
#endif
#ifdef BENCH_HAVE_BOOST
      &bench_lib_boost,
#endif
#ifdef BENCH_HAVE_NSPR
      &bench_lib_nspr,
#endif
#ifdef BENCH_HAVE_FLOOR
      &bench_lib_mode_step,  &bench_lib_reserve_step, &bench_lib_atomic_step, &bench_lib_floor,
#endif
#ifdef BENCH_HAVE_PRSHM_PROC
      &bench_lib_prshm_proc,
#endif
#ifdef BENCH_HAVE_FLOOR
      &bench_lib_floor_proc,
#endif
  };

  return bench_main(argc, argv, libs, sizeof libs / sizeof libs[0], NULL);
}
