#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a
# bounded time, one after the other.
#
#   scripts/fuzz.sh            60 s per target (what CI runs)
#   scripts/fuzz.sh 3600       the long run: an hour per target
#   scripts/fuzz.sh 300 fuzz_api   one target only
#
# Each target starts from its seed corpus (fuzz/corpus/<target>/, in git,
# never written to) and from what earlier runs found (build-fuzz/corpus/,
# kept between runs). A failure leaves the input that caused it in
# build-fuzz/artifacts/ and fails the script; re-run that input with
#   build-fuzz/fuzz/<target> build-fuzz/artifacts/<file>
# The summary gives, per target, the executions and libFuzzer's coverage
# counters (cov: code edges reached, ft: features). Environment:
#   PRSHM_FUZZ_BUILD   build directory (default build-fuzz)
#   PRSHM_FUZZ_JOBS    compile jobs (default: number of CPUs)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_names fuzz_api fuzz_sem)
build=${PRSHM_FUZZ_BUILD:-build-fuzz}
jobs=${PRSHM_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

case "$seconds" in
  '' | *[!0-9]*) echo "fuzz.sh: seconds must be a number, got '$seconds'" >&2; exit 2 ;;
esac

scripts/install-deps.sh build fuzz
# Only the library and the fuzz targets: the rest of the tree is built and
# tested by scripts/test.sh.
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRSHM_WERROR=ON \
  -DPRSHM_FUZZ=ON -DPRSHM_ASAN=ON -DPRSHM_UBSAN=ON -DPRSHM_TESTS=OFF -DPRSHM_BENCH=OFF \
  -DPRSHM_EXAMPLES=OFF -DPRSHM_TOOLS=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

# Longest inputs: a name with its directory can reach ~5 KiB; an API
# program needs no more than its operation limit uses.
max_len() { case "$1" in fuzz_names) echo 5200 ;; *) echo 2048 ;; esac; }

mkdir -p "$build/artifacts"
summary=()
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  log="$build/artifacts/$t.log"
  echo "== $t: ${seconds} s"
  set +e
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/fuzz/$t" "$build/corpus/$t" "fuzz/corpus/$t" -max_total_time="$seconds" \
    -timeout=20 -rss_limit_mb=2048 -max_len="$(max_len "$t")" -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$t-" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '(DONE|pulse|NEW|REDUCE|INITED) +cov:' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  line="$t: ${runs:-?} executions in ${seconds} s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
  if [ $rc -ne 0 ]; then
    line="$line: FAILED (exit $rc, log $log)"
    grep -E '^(fuzz_|==[0-9]+==|SUMMARY|artifact_prefix|Test unit)' "$log" | head -20 >&2 || true
    status=1
  fi
  echo "$line"
  summary+=("$line")
done
echo
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $status
