#!/usr/bin/env bash
# Builds prshm and its benchmark in Release (build-bench/) and runs it:
# prshm beside the raw system calls, System V, APR, Boost.Interprocess and
# NSPR, in one run, printed as ratios (docs/benchmarks.md tells how to read
# them). It installs the peers' packages (scripts/deps/bench.txt) first;
# a peer whose package is still missing is left out (configure says which).
#
#   scripts/bench.sh                  the full run (a few minutes): table, CSV, charts
#   scripts/bench.sh --quick          a few batches: checks that it runs
#   scripts/bench.sh --only open      any option of prshm_bench (see --help)
#   scripts/bench.sh --runs 3         three separate runs, and how each ratio spread
#                                     across them (spread.md, scripts/bench-spread.sh)
#   scripts/bench.sh --syscalls       system calls per operation of each library
#   scripts/bench.sh --reference      three full runs, written to docs/bench/ as the
#                                     committed reference (reference-N.csv, .txt,
#                                     spread.md, and the charts of the first run)
#
# Results land in build-bench/results/ (--out DIR to choose): bench.txt (the
# tables), bench.csv, and the charts of scripts/plot-bench.sh when gnuplot
# is installed (with --runs: bench-N.txt, bench-N.csv, spread.md, the charts
# of run 1); --syscalls writes syscalls.md there.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build bench
jobs=$(nproc 2>/dev/null || echo 2)
out=build-bench/results
base=bench
mode=run
runs=
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --syscalls) mode=syscalls; shift ;;
    --reference) out=docs/bench; base=reference; runs=${runs:-3}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
case "${runs:-1}" in
  [1-9] | [1-9][0-9]) ;;
  *) echo "bench.sh: --runs needs a count from 1 to 99, not '$runs'" >&2; exit 2 ;;
esac

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPRSHM_WERROR=ON -DPRSHM_BENCH=ON \
  -DPRSHM_TESTS=OFF -DPRSHM_EXAMPLES=OFF -DPRSHM_TOOLS=OFF | grep 'prshm bench' || true
cmake --build build-bench -j"$jobs" --target prshm_bench >/dev/null
bin=build-bench/bench
mkdir -p "$out"

# ---- System calls per operation: strace -c over N and 2N iterations ----
# Start-up, the segment an open workload prepares and the exit cancel in
# the difference, which leaves the calls of N iterations.
count_calls() { # binary library workload size iterations -> "name calls" lines
  local log
  log=$(mktemp)
  strace -f -c -o "$log" "$1" --exercise "$2" --only "=$3" --size "$4" --iters "$5" >/dev/null
  awk '/^-+ /{sep++; next} sep == 1 && NF >= 5 {print $NF, $4}' "$log"
  rm -f "$log"
}

# The order in which a create cycle makes its calls, to list them so.
call_order="openat open newfstatat fstat stat read lseek fchmod ftruncate fallocate flock linkat
shmget mmap shmat shmdt munmap close shmctl unlink"

per_op() { # binary library workload size -> "total: name n, ..." per iteration
  local n=200
  join -a 1 -a 2 -e 0 -o 0,1.2,2.2 <(count_calls "$@" $n | sort) \
    <(count_calls "$@" $((2 * n)) | sort) |
    awk -v n=$n -v order="$call_order" '
      BEGIN { k = split(order, o, " "); for (i = 1; i <= k; i++) rank[o[i]] = i }
      {d = ($3 - $2) / n; if (d > 0.004) printf "%d %s %.2f\n", ($1 in rank ? rank[$1] : 99), $1, d}' |
    sort -n | cut -d' ' -f2- |
    awk '{v = $2 + 0; t += v; s = s (s == "" ? "" : ", ") $1 (v == 1 ? "" : " " ($2 == int($2) ? int($2) : $2))}
         END {printf "%s: %s", (t == int(t) ? int(t) : sprintf("%.2f", t)), s}'
}

if [ "$mode" = syscalls ]; then
  command -v strace >/dev/null || { echo "bench.sh: strace is not installed" >&2; exit 1; }
  libs=$("$bin/prshm_bench" --quick --live 0 --only =open --size 4K --no-peer |
    sed -n 's/^libraries: //p')
  {
    echo "| library | open, attach, detach, close | create, attach, detach, close, delete |"
    echo "|---|---|---|"
    for lib in $libs; do
      [ "$lib" = anon ] && continue
      # The floors, their steps and prshm's route before Linux 6.10 only create.
      case "$lib" in floor* | *-step | prshm-proc) open_calls=- ;; *) open_calls=$(per_op "$bin/prshm_bench" "$lib" open 4K) ;; esac
      echo "| $lib | $open_calls | $(per_op "$bin/prshm_bench" "$lib" create 4K) |"
    done
  } | tee "$out/syscalls.md"
  echo "bench.sh: system calls per operation (4 KiB; total: calls) in $out/syscalls.md"
  exit 0
fi

# ---- The runs ----
own_csv=1
for arg in "${args[@]+"${args[@]}"}"; do
  case "$arg" in
    --csv) own_csv=0 ;;
    --help | -h) exec "$bin/prshm_bench" --help ;;
  esac
done
if [ -z "$runs" ]; then
  names=("$base")
else
  [ "$own_csv" -eq 1 ] || { echo "bench.sh: --runs writes its own CSVs; leave out --csv" >&2; exit 2; }
  names=()
  for i in $(seq 1 "$runs"); do names+=("$base-$i"); done
fi
# Each run is a process of its own, started afresh: what a rerun is.
for name in "${names[@]}"; do
  csv=()
  [ "$own_csv" -eq 1 ] && csv=(--csv "$out/$name.csv")
  [ ${#names[@]} -gt 1 ] && echo "bench.sh: run $name of ${#names[@]}"
  rc=0
  "$bin/prshm_bench" "${csv[@]+"${csv[@]}"}" "${args[@]+"${args[@]}"}" | tee "$out/$name.txt" || rc=$?
  [ "$rc" -eq 0 ] || exit "$rc"
done
[ "$own_csv" -eq 1 ] || exit 0
if [ ${#names[@]} -gt 1 ]; then
  csvs=()
  for name in "${names[@]}"; do csvs+=("$out/$name.csv"); done
  scripts/bench-spread.sh "${csvs[@]}" >"$out/spread.md"
  echo "bench.sh: each ratio across the ${#names[@]} runs in $out/spread.md"
fi
if command -v gnuplot >/dev/null; then
  scripts/plot-bench.sh "$out/${names[0]}.csv" "$out"
else
  echo "bench.sh: gnuplot is not installed: no charts"
fi
