#!/usr/bin/env bash
# Builds prshm in Release (build-bench/) and runs the benchmark: prshm
# beside the raw system calls, in one run, printed as ratios. Options go to
# the benchmark (see bench/README.md), e.g.
#
#   scripts/bench.sh                  the full run (about a minute)
#   scripts/bench.sh --only open      only the open workloads
#   scripts/bench.sh --quick          a few batches: checks that it runs
#
# The CSV of the run lands in build-bench/bench.csv unless --csv is given.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPRSHM_WERROR=ON -DPRSHM_BENCH=ON \
  -DPRSHM_TESTS=OFF -DPRSHM_EXAMPLES=OFF -DPRSHM_TOOLS=OFF >/dev/null
cmake --build build-bench -j"$jobs" --target prshm_bench >/dev/null

csv=(--csv build-bench/bench.csv)
for arg in "$@"; do
  [ "$arg" = "--csv" ] && csv=()
done
exec build-bench/bench/prshm_bench "${csv[@]}" "$@"
