/*
 * main.c - prshm_bench: prshm beside the raw system calls.
 *
 * The list below is the whole configuration: the reference first, then
 * each library compared with it. A library whose symbols clash with
 * prshm's (NSPR) gets a binary of its own with a list like this one.
 */
#include "bench.h"

int main(int argc, char **argv) {
  static const bench_lib *const libs[] = {&bench_lib_raw, &bench_lib_prshm};

  return bench_main(argc, argv, libs, sizeof libs / sizeof libs[0]);
}
