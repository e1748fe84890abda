/*
 * main_nspr.c - prshm_bench_nspr: NSPR beside its own copy of the
 * references, linked against NSPR and not prshm (both export the same
 * names). prshm_bench starts it with --serve and drives it batch by batch,
 * so that its ratios come from the same run as everyone else's (peer.c);
 * run alone, it prints the same tables for NSPR and the references.
 */
#include "bench.h"

int main(int argc, char **argv) {
  static const bench_lib *const libs[] = {&bench_lib_raw, &bench_lib_anon, &bench_lib_nspr};

  return bench_main(argc, argv, libs, sizeof libs / sizeof libs[0], NULL);
}
