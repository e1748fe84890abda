#!/usr/bin/env bash
# Installs, with apt, every Debian package listed in scripts/deps/*.txt that
# is not installed yet. Each part of the project lists its own needs there.
# Needs root (or sudo) only when something is missing.
#
#   scripts/install-deps.sh              every part's packages (CI)
#   scripts/install-deps.sh build test   only scripts/deps/build.txt and test.txt
set -euo pipefail
cd "$(dirname "$0")/.."

lists=()
for part in "$@"; do lists+=("scripts/deps/$part.txt"); done
[ $# -eq 0 ] && lists=(scripts/deps/*.txt)
wanted=$(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for pkg in $wanted; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
