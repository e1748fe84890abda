#!/usr/bin/env bash
# The 32-bit variant (`scripts/test.sh 32bit`): builds prshm and its suite
# for i386 (gcc -m32, warnings as errors) into build-32 and runs the suite.
# A 32-bit build has a 32-bit size_t, off_t widened to 64 bits and 12-bit
# handle generations: the cases that matter there are sizes, file offsets
# and tokens that must never come back.
#
# Where the kernel cannot run i386 programs (no IA-32 emulation, as on some
# virtual machines), the programs run under qemu-i386, registered with
# binfmt_misc so that tests which start themselves again work too (needs
# root). Under qemu a few cases measure qemu rather than prshm and are left
# out, each for the reason given below.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
dir=build-32

scripts/install-deps.sh build test 32bit

# Can this kernel run an i386 program by itself? (Once qemu is registered,
# the probe would run through it, so a registration means qemu.)
binfmt=/proc/sys/fs/binfmt_misc
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int main(void) { return 0; }\n' >"$probe/p.c"
gcc -m32 "$probe/p.c" -o "$probe/p"
qemu=0
if grep -qs '^enabled' "$binfmt/prshm-i386"; then
  qemu=1
elif ! "$probe/p" 2>/dev/null; then
  scripts/install-deps.sh qemu
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt"
  # ELF, 32-bit, little-endian, executable or shared object, machine i386.
  magic='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00'
  mask='\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
  printf ':prshm-i386:M::%s:%s:%s:F\n' "$magic" "$mask" "$(command -v qemu-i386)" \
    >"$binfmt/register"
  "$probe/p" || { echo "variant-32bit: i386 programs cannot run here" >&2; exit 1; }
  qemu=1
fi
exclude=()
if [ $qemu -eq 1 ]; then
  echo "variant-32bit: this kernel runs no i386 programs; running them under qemu-i386"
  exclude=(
    # qemu's own mappings count against vm.max_map_count and RLIMIT_AS.
    unix_limits.map_count_limit unix_limits.address_space_limit
    # The soak compares each process's resident memory before and after;
    # qemu's translation cache grows it.
    soak.short
    # qemu-user's own locks do not survive fork() in a threaded program;
    # the 64-bit builds run this case.
    unix_threads.fork_while_other_threads_are_inside_prshm
    # qemu-user places every guest mapping itself, at addresses of its own
    # choosing (strace: mmap(0x3f590000, 8192, ..., MAP_SHARED|MAP_FIXED)
    # = EINVAL), never on a huge page's boundary, so hugetlbfs cannot map.
    unix_fs.hugetlbfs_sizes_and_detach
    # qemu-user answers madvise(MADV_WIPEONFORK) with success and does
    # nothing (strace of the case: = 0), so a child made by _Fork() finds
    # its parent's state in a page the kernel would have wiped.
    unix_proclink.underscore_fork_child_links_its_own_file
    # qemu-user has no set_robust_list() (ENOSYS in every thread it starts),
    # so the kernel never releases a robust mutex whose holder died: the
    # cases of a holder's death would wait for good.
    sem.lock_holder_thread_exits unix_sem.lock_holders_killed_at_random
    unix_sem.lock_held_by_a_killed_process unix_sem.each_death_is_reported_exactly_once
  )
fi

cmake -S . -B "$dir" -DPRSHM_WERROR=ON -DCMAKE_C_FLAGS=-m32 -DCMAKE_CXX_FLAGS=-m32 \
  -DPRSHM_TESTS=ON -DPRSHM_EXAMPLES=ON -DPRSHM_BENCH=OFF >/dev/null
cmake --build "$dir" -j"$jobs"
# Label nosan: the install checks build consumers with the host's default
# (64-bit) flags; they run in every other build.
regex=$(IFS='|'; echo "${exclude[*]:-^$}")
ctest --test-dir "$dir" --output-on-failure -j"$jobs" -LE nosan -E "$regex"
