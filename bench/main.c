/*
 * main.c - prshm_bench: prshm beside the raw system calls and the peers
 * that live with it in one process.
 *
 * The list below is the whole configuration: the references first (raw
 * POSIX calls, anonymous memory), then each library compared with them.
 * A peer whose development package the build did not find is left out
 * (bench/CMakeLists.txt says so at configure time). NSPR, whose symbols
 * clash with prshm's, runs in its own binary (main_nspr.c), which this one
 * starts beside itself (peer.c).
 */
#include "bench.h"

int main(int argc, char **argv) {
  static const bench_lib *const libs[] = {
      &bench_lib_raw,   &bench_lib_anon, &bench_lib_prshm, &bench_lib_sysv,
#ifdef BENCH_HAVE_APR
      &bench_lib_apr,
#endif
#ifdef BENCH_HAVE_BOOST
      &bench_lib_boost,
#endif
  };

#ifdef BENCH_PEER_EXE
  const char *peer = BENCH_PEER_EXE;
#else
  const char *peer = NULL;
#endif

  return bench_main(argc, argv, libs, sizeof libs / sizeof libs[0], peer);
}
