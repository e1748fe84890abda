#!/usr/bin/env bash
# CI stage: the Windows build (mingw-w64, warnings as errors) and its test
# suite under wine.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/variant-windows.sh
