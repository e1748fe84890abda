#!/usr/bin/env bash
# The Windows variant (`scripts/test.sh windows`): cross-builds prshm for
# 64-bit Windows with mingw-w64, warnings as errors, into build-windows;
# checks that the DLL exports the public API and nothing else; and runs the
# whole test suite under wine (the emulator cmake/mingw-w64-x86_64.cmake
# sets; tests/windows.cmake starts one wine server for the run).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
dir=build-windows

scripts/install-deps.sh build windows
cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake -DPRSHM_WERROR=ON \
  -DPRSHM_TESTS=ON -DPRSHM_EXAMPLES=ON \
  >/dev/null
cmake --build "$dir" -j"$jobs"

# Every name in the DLL's export table is PR_* or prshm_* (never an internal
# prshm__ one), and NSPR's calls are all there.
exports=$(x86_64-w64-mingw32-objdump -p "$dir/libprshm.dll" |
  sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/p' | sed -n 's/^[[:space:]]*\[ *[0-9]*\] //p')
bad=$(printf '%s\n' "$exports" | grep -Ev '^(PR_|prshm_[^_])' || true)
if [ -n "$bad" ]; then
  echo "variant-windows: the DLL exports more than the public API:" >&2
  printf '  %s\n' $bad >&2
  exit 1
fi
for fn in PR_OpenSharedMemory PR_AttachSharedMemory PR_DetachSharedMemory \
  PR_CloseSharedMemory PR_DeleteSharedMemory PR_GetError PR_GetOSError; do
  if ! printf '%s\n' "$exports" | grep -qx "$fn"; then
    echo "variant-windows: the DLL does not export $fn" >&2
    exit 1
  fi
done
echo "variant-windows: libprshm.dll exports $(printf '%s\n' "$exports" | wc -l) names, all public"

ctest --test-dir "$dir" --output-on-failure -j"$jobs"
