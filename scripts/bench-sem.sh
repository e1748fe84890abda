#!/usr/bin/env bash
# Builds prshm_bench_sem (Release, build-bench/) and runs it several times,
# as separate processes: named semaphores and robust locks, prshm beside a
# process-shared sem_t, a robust pthread mutex, POSIX named semaphores,
# NSPR and Boost. Each run prints its tables; then every ratio is given as
# the median of the runs' ratios, with the lowest and highest run beside it
# (the machine may be shared: one run can be unlucky, three rarely all are).
#
#   scripts/bench-sem.sh                 3 runs: build-bench/results/sem*
#   scripts/bench-sem.sh --runs 5        more runs
#   scripts/bench-sem.sh --quick         one short run: checks that it runs
#   scripts/bench-sem.sh --reference     3 runs, kept in docs/bench/ as the
#                                        committed reference (sem-*.csv, .txt,
#                                        sem-ratios.png)
# Other options go to prshm_bench_sem (--budget S, --only TEXT).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
out=build-bench/results
base=sem
runs=3
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --reference) out=docs/bench; base=sem-reference; shift ;;
    --quick) runs=1; args+=("--quick"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPRSHM_WERROR=ON -DPRSHM_BENCH=ON \
  -DPRSHM_TESTS=OFF -DPRSHM_EXAMPLES=OFF -DPRSHM_TOOLS=OFF >/dev/null
cmake --build build-bench -j"$jobs" --target prshm_bench_sem >/dev/null
mkdir -p "$out"

: >"$out/$base.txt"
for i in $(seq 1 "$runs"); do
  echo "==== run $i of $runs ====" | tee -a "$out/$base.txt"
  build-bench/bench/prshm_bench_sem --csv "$out/$base-run$i.csv" "${args[@]+"${args[@]}"}" |
    tee -a "$out/$base.txt"
done

# ---- Across the runs: each ratio's median, lowest and highest ----
summary="$out/$base.csv"
{
  grep -h '^# ' "$out/$base-run1.csv"
  echo "workload,library,reference,runs,ratio_median,ratio_low,ratio_high,ns_median,target"
  for i in $(seq 1 "$runs"); do grep -hv '^#\|^workload' "$out/$base-run$i.csv"; done |
    sort -t, -k1,1 -k2,2 -s |
    awk -F, '
      function flush(   n, i, j, t, lo, hi, med, nsmed) {
        if (key == "") return
        n = cnt
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) {
          if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
          if (ns[j] < ns[i]) { t = ns[i]; ns[i] = ns[j]; ns[j] = t }
        }
        med = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
        nsmed = n % 2 ? ns[(n + 1) / 2] : (ns[n / 2] + ns[n / 2 + 1]) / 2
        printf "%s,%d,%.3f,%.3f,%.3f,%.1f,%s\n", key, n, med, r[1], r[n], nsmed, target
      }
      { k = $1 "," $2 "," $3
        if (k != key) { flush(); key = k; cnt = 0; target = $11 }
        cnt++; r[cnt] = $8; ns[cnt] = $5 }
      END { flush() }'
} >"$summary.tmp"
# Workloads in the order the program runs them.
{
  grep '^#\|^workload' "$summary.tmp"
  for w in post+wait ping-pong open+close create+delete lock+unlock; do
    grep "^$w," "$summary.tmp" || true
  done
} >"$summary"
rm -f "$summary.tmp"

echo
echo "Across $runs runs: each library's time over the reference's (median of the runs;"
echo "lowest and highest run), and prshm's target:"
awk -F, '!/^#/ && NR > 1 && $1 != "workload" {
  t = $9 + 0 > 0 ? sprintf("  target %.2f: %s", $9, ($5 <= $9 ? "met" : "MISSED")) : ""
  printf "  %-14s %-6s over %-6s %7.3f (%.3f-%.3f)%s\n", $1, $2, $3, $5, $6, $7, t }' \
  "$summary" | tee -a "$out/$base.txt"

if command -v gnuplot >/dev/null; then
  scripts/plot-bench-sem.sh "$summary" "$out/$base-ratios.png"
else
  echo "bench-sem.sh: gnuplot is not installed: no chart"
fi
