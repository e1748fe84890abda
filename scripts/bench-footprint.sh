#!/usr/bin/env bash
# What one open cycle (open, attach, detach, close of an existing 4 KiB
# segment) touches in user space, prshm beside the raw calls: instructions,
# and distinct 64-byte lines and 4 KiB pages of code and of data. Counted
# by valgrind's lackey over one cycle of bench/footprint.c (the fourth of
# five, so that first-call work is done), in the Release build of
# scripts/bench.sh. Deterministic, unlike a time: docs/benchmarks.md,
# "Where the open path's time goes", says why these counts matter.
#
#   scripts/bench-footprint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build valgrind
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPRSHM_WERROR=ON -DPRSHM_BENCH=ON \
  -DPRSHM_TESTS=OFF -DPRSHM_EXAMPLES=OFF -DPRSHM_TOOLS=OFF >/dev/null
cmake --build build-bench -j"$jobs" --target prshm_footprint >/dev/null
bin=build-bench/bench/prshm_footprint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count MARK < trace: one line of counts for cycle 4 (between marks 4 and 5).
count() {
  awk -v mark="$1" '
    function hexval(d) { return index("0123456789abcdef", d) - 1 }
    # The 64-byte line and the 4 KiB page of a hex address.
    function line(a,  n) { n = length(a); return substr(a, 1, n - 2) "/" int(hexval(substr(a, n - 1, 1)) / 4) }
    function page(a) { return substr(a, 1, length(a) - 3) }
    $1 == "I" || $1 == "L" || $1 == "S" || $1 == "M" {
      split($2, f, ","); a = tolower(f[1]); sub(/^0+/, "", a)
      if ($1 == "I" && a == mark) { cycle++; next }
      if (cycle != 4) next
      if ($1 == "I") { ins++; cl[line(a)] = 1; cp[page(a)] = 1 }
      else { dl[line(a)] = 1; dp[page(a)] = 1 }
    }
    END {
      for (k in cl) ncl++; for (k in cp) ncp++; for (k in dl) ndl++; for (k in dp) ndp++
      printf "%6d %10d %10d %10d %10d\n", ins, ncl, ncp, ndl, ndp
    }'
}

printf '%-6s %6s %10s %10s %10s %10s\n' "" instr "code lines" "code pages" "data lines" "data pages"
for lib in raw prshm; do
  valgrind --tool=lackey --trace-mem=yes --log-file="$tmp/$lib.trace" "$bin" "$lib" 5 >"$tmp/$lib.out"
  mark=$(awk '$1 == "mark" {a = tolower($2); sub(/^0x0*/, "", a); print a}' "$tmp/$lib.out")
  printf '%-6s ' "$lib"
  count "$mark" <"$tmp/$lib.trace"
done
