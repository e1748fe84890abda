#!/usr/bin/env bash
# Builds prshm and runs its test suite, with warnings as errors.
#
#   scripts/test.sh            the normal build (build/)
#   scripts/test.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/test.sh tsan       ThreadSanitizer
#   scripts/test.sh valgrind   every test under valgrind's memcheck
#   scripts/test.sh portable   the portable POSIX backend (no Linux-only calls)
#   scripts/test.sh builds     build only: Release (-O3) with gcc, and clang, both -Werror
#   scripts/test.sh all        each of the above in turn
#   scripts/test.sh 32bit      built for i386 (-m32), under qemu if the kernel needs it
#   scripts/test.sh windows    cross-built for Windows, run under wine
# Those two live in scripts/variant-NAME.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-default}
jobs=$(nproc 2>/dev/null || echo 2)

# Each variant installs what it runs, and nothing else.
case "$variant" in
  valgrind) scripts/install-deps.sh build test nspr valgrind ;;
  builds) scripts/install-deps.sh build test nspr clang ;;
  default | asan | tsan | portable) scripts/install-deps.sh build test nspr ;;
  all) ;; # each variant in turn installs its own
  *) ;;   # scripts/variant-NAME.sh installs its own
esac

run_build() { # dir, cmake options...
  local dir=$1
  shift
  # The NSPR companion is required here, so that its tests never go missing
  # unnoticed (install-deps.sh installed NSPR above).
  cmake -S . -B "$dir" -DPRSHM_WERROR=ON -DPRSHM_TESTS=ON -DPRSHM_EXAMPLES=ON -DPRSHM_BENCH=ON \
    -DPRSHM_NSPR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
}

case "$variant" in
  default)
    run_build build
    ctest --test-dir build --output-on-failure -j"$jobs"
    ;;
  asan)
    run_build build-asan -DCMAKE_BUILD_TYPE=Debug -DPRSHM_ASAN=ON -DPRSHM_UBSAN=ON
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE nosan
    ;;
  tsan)
    run_build build-tsan -DCMAKE_BUILD_TYPE=Debug -DPRSHM_TSAN=ON -DPRSHM_TEST_TIMEOUT=300
    TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j"$jobs" \
      -LE 'nosan|notsan'
    ;;
  valgrind)
    # Every case runs many times slower under memcheck: a longer timeout.
    run_build build-valgrind -DCMAKE_BUILD_TYPE=Debug -DPRSHM_TEST_TIMEOUT=900
    # Each test, and every child process it starts, under memcheck; any
    # error or definite leak makes valgrind exit 99 and the test fail.
    ctest --test-dir build-valgrind --output-on-failure -j"$jobs" -LE novalgrind \
      --timeout 900 -T memcheck --overwrite MemoryCheckCommand=/usr/bin/valgrind \
      --overwrite "MemoryCheckCommandOptions=--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --trace-children=yes --quiet"
    ;;
  portable)
    run_build build-portable -DPRSHM_PORTABLE=ON
    ctest --test-dir build-portable --output-on-failure -j"$jobs"
    ;;
  builds)
    # Optimisation and another compiler find warnings the other builds miss
    # (-Wmaybe-uninitialized at -O3, clang's own checks).
    run_build build-release -DCMAKE_BUILD_TYPE=Release
    if command -v clang >/dev/null; then
      CC=clang CXX=clang++ run_build build-clang -DCMAKE_BUILD_TYPE=Release
    fi
    ;;
  all)
    for v in default asan tsan valgrind portable builds; do "$0" "$v"; done
    ;;
  *)
    if [ -x "scripts/variant-$variant.sh" ]; then
      exec "scripts/variant-$variant.sh"
    fi
    echo "test.sh: unknown variant '$variant'" >&2
    exit 2
    ;;
esac
