#!/usr/bin/env bash
# Installs the build into a scratch prefix and uses the installed prshm
# command and manual from there: --help, --version, every subcommand (in a
# private PRSHM_DIR), and man pages by command and by function name.
# Usage: check-tool-install.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
export PRSHM_DIR=$work/ns
mkdir "$PRSHM_DIR"

cmake --install "$build" --prefix "$prefix" >/dev/null
tool=$prefix/bin/prshm
fail() { echo "tool install check: $*" >&2; exit 1; }

# The installed command finds the installed library by itself.
"$tool" --help | grep -q "usage: prshm COMMAND" || fail "--help"
"$tool" --version | grep -q "^prshm " || fail "--version"
"$tool" create /installed 4K --mode 0640
printf 'from the prefix' | "$tool" write /installed --offset 8
[ "$("$tool" cat /installed --offset 8 --length 15)" = "from the prefix" ] || fail "cat"
"$tool" dump /installed --length 32 | grep -q "|........from the|" || fail "dump"
"$tool" info /installed | grep -q "mode:       0640" || fail "info"
"$tool" ls | grep -q "/installed" || fail "ls"
"$tool" ls --json | grep -q '"name": "/installed"' || fail "ls --json"
"$tool" prune --dry-run | grep -q "would keep /installed" || fail "prune --dry-run keeps a new segment"
"$tool" prune --dry-run --min-age 0 | grep -q "would remove /installed" || fail "prune --dry-run"
"$tool" prune --min-age 0 | grep -q "removed 1 segment not held" || fail "prune"
set +e
"$tool" rm /installed 2>/dev/null
[ $? -eq 3 ] || fail "rm of a removed segment must exit 3"
set -e

for page in man1/prshm.1 man3/PR_OpenSharedMemory.3 man3/PR_GetError.3 man3/prshm_ext.3 \
            man7/prshm.7 man3/PR_AttachSharedMemory.3 man3/PR_ErrorToString.3 \
            man3/prshm_list_open.3 man3/PR_OpenSemaphore.3 man3/PR_WaitSemaphore.3 \
            man3/prshm_sem.3 man3/prshm_sem_timedwait.3 man3/prshm_lock.3 \
            man3/prshm_lock_acquire.3; do
  [ -f "$prefix/share/man/$page" ] || fail "missing after install: share/man/$page"
done
if command -v man >/dev/null; then
  export MANPAGER=cat MANWIDTH=80
  man -M "$prefix/share/man" 1 prshm | grep -Eq "see +and +manage +named +shared +memory" || fail "man prshm"
  man -M "$prefix/share/man" 7 prshm | grep -q "DIFFERENCES FROM NSPR" || fail "man 7 prshm"
  # A function's own name leads to its family's page.
  man -M "$prefix/share/man" 3 PR_AttachSharedMemory | grep -q "PR_OpenSharedMemory" \
    || fail "man PR_AttachSharedMemory"
  man -M "$prefix/share/man" 3 prshm_remove_orphan | grep -q "prshm_list_open" \
    || fail "man prshm_remove_orphan"
  man -M "$prefix/share/man" 3 PR_PostSemaphore | grep -q "PR_OpenSemaphore" \
    || fail "man PR_PostSemaphore"
  man -M "$prefix/share/man" 3 prshm_lock_release | grep -q "owner_died" \
    || fail "man prshm_lock_release"
fi
echo "tool install check: the command and the manual work from the prefix"
