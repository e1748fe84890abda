#!/usr/bin/env bash
# Builds prshm and runs its demo: two processes share a named segment (the
# first one writes, the second reads and replies). See examples/demo.c.
#
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh build # the compiler and cmake; not the other parts' packages
# Quiet when all goes well; the whole output when something does not.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { cmake -S . -B build -DPRSHM_EXAMPLES=ON && cmake --build build -j"$jobs" --target demo; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "demo.sh: the build failed (output above)" >&2
  exit 1
fi
echo
build/examples/demo
