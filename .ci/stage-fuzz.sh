#!/usr/bin/env bash
# CI stage: each libFuzzer target for 60 s (two minutes in all) with
# ASan+UBSan; any crash, leak or broken expectation fails CI. The long run
# is `scripts/fuzz.sh 3600` (an hour per target).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fuzz.sh 60
