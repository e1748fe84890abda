#!/usr/bin/env bash
# CI stage: the suite built for 32-bit x86 (handle tokens, sizes and file
# offsets of a 32-bit size_t), under qemu where the kernel runs no i386.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/variant-32bit.sh
