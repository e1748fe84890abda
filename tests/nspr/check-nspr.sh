#!/usr/bin/env bash
# Builds real NSPR programs (nspr_program.c, base_macros.c) against an
# installed prshm and its companion, in every order of flags the README
# claims, and runs them. Each run proves whose shared memory it got (no file
# at the name's path, the segment in PRSHM_DIR) and whose error state it
# read (NSPR's PR_GetError(), with prshm's codes).
#
#   check-nspr.sh MODE BUILD_DIR SRC_DIR
#
# MODE install (run first; the others use its prefix):
#     installs BUILD_DIR into a scratch prefix beside a copy of NSPR's
#     headers (and an nspr.pc pointing at the copy), and checks that nothing
#     of NSPR's is shadowed or overwritten, and no include guard clashes
#   symbols     which names each library exports, against libnspr4's
#   pkgconfig   pkg-config prshm-nspr, alone and before or after nspr,
#               one call or split, shared and static, C and C++
#   makefile    the README's Makefile, and its flags by hand in every order
#   cmake       find_package(prshm COMPONENTS nspr), targets in both orders
#   preload     a program built against NSPR only, run plainly (NSPR's
#               shared memory) and with LD_PRELOAD=libprshm-nspr.so.0
#   mixing      builds that cannot work stop, with a message naming the fix
#   standalone  the standalone library: the NSPR-free part of the program,
#               also with libnspr4 in the process; base types and macros
#               identical to NSPR's
set -euo pipefail
mode=$1
build=$(cd "$2" && pwd)
src=$(cd "$3" && pwd)
top=$build/nspr-check
prefix=$top/prefix
work=$top/$mode
prog=$src/tests/nspr/nspr_program.c
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig

fail() {
  echo "check-nspr $mode: $*" >&2
  exit 1
}

# ---- Helpers ----

CWARN=(-Wall -Wextra -Werror -pedantic)

# cc_c OUT ARGS...: compiles nspr_program.c as C11, then ARGS.
cc_c() {
  local out=$1
  shift
  cc -std=c11 "${CWARN[@]}" -D_POSIX_C_SOURCE=200809L -o "$work/$out" "$@" \
    -Wl,-rpath,"$prefix/lib"
}
# cc_cxx OUT ARGS...: the same program compiled as C++.
cc_cxx() {
  local out=$1
  shift
  c++ "${CWARN[@]}" -o "$work/$out" "$@" -Wl,-rpath,"$prefix/lib"
}

# run BINARY prshm|nspr [ENV...]: runs it in a fresh directory with
# PRSHM_DIR inside it; it checks everything itself and says ok.
run() {
  local bin=$1 expect=$2
  shift 2
  local dir
  dir=$work/run-$(basename "$bin")
  rm -rf "$dir"
  mkdir -p "$dir/ns"
  env PRSHM_DIR="$dir/ns" "$@" "$bin" "$expect" "$dir" >"$dir.out" 2>&1 ||
    { cat "$dir.out" >&2; fail "$(basename "$bin") ($expect) failed"; }
  grep -q "nspr_program: ok" "$dir.out" || fail "$(basename "$bin"): no ok line"
  rm -rf "$dir"
}

# bound BINARY: it calls the companion's link names (from the shared
# library, or linked in from the static one) and no plain NSPR one.
bound() {
  local syms
  syms=$(nm "$1")
  grep -qE " [UT] prshm_nspr_PR_OpenSharedMemory$" <<<"$syms" ||
    fail "$(basename "$1") does not call prshm_nspr_PR_OpenSharedMemory"
  grep -qE " [UT] prshm_nspr_PR_OpenSemaphore$" <<<"$syms" ||
    fail "$(basename "$1") does not call prshm_nspr_PR_OpenSemaphore"
  if grep -qE " [UT] PR_[A-Za-z]*(SharedMemory|Semaphore)$" <<<"$syms"; then
    fail "$(basename "$1") calls a plain NSPR name: $(grep -E ' [UT] PR_[A-Za-z]*(SharedMemory|Semaphore)$' <<<"$syms")"
  fi
}

# expect_failure WHAT PATTERN COMMAND...: the command fails, and its output
# contains PATTERN (the fix, or the missing prshm_nspr_ name).
expect_failure() {
  local what=$1 pattern=$2
  shift 2
  if "$@" >"$work/failure.out" 2>&1; then
    fail "$what: built, but must stop"
  fi
  grep -q -- "$pattern" "$work/failure.out" ||
    { cat "$work/failure.out" >&2; fail "$what: stopped without saying '$pattern'"; }
  echo "  stops as it must: $what"
}

# The functions the companion replaces (NSPR's shared memory calls, and any
# added since), from the one list.
replaced() {
  awk '/^#define PRSHM_REPLACED_FUNCTIONS/ {on = 1; next}
       on && /^  X\(/ {f = $0; sub(/^  X\([^,]*, */, "", f); sub(/,.*/, "", f); print f}
       on && !/\\$/ {on = 0}' "$src/include/prshm_names.h"
}

# NSPR as the system has it, not the copy in the prefix.
system_pkg_config() { env -u PKG_CONFIG_PATH pkg-config "$@"; }
nspr_includedir=$(system_pkg_config --variable=includedir nspr 2>/dev/null || true)

# ---- Modes ----

mode_install() {
  rm -rf "$top"
  mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
  if [ -z "$nspr_includedir" ] || [ ! -f "$nspr_includedir/prshm.h" ]; then
    fail "NSPR's headers not found"
  fi
  # A copy of NSPR's development package's headers, found by pkg-config.
  cp -r "$nspr_includedir" "$prefix/include/nspr"
  cat >"$prefix/lib/pkgconfig/nspr.pc" <<EOF
includedir=$prefix/include/nspr
Name: NSPR
Description: NSPR's headers, copied beside prshm for the test
Version: $(system_pkg_config --modversion nspr)
Libs: $(system_pkg_config --libs nspr)
Cflags: -I\${includedir}
EOF
  (cd "$prefix/include/nspr" && find . -type f -exec sha256sum {} + | sort) >"$top/nspr.sums"
  cmake --install "$build" --prefix "$prefix" >/dev/null

  # Nothing of NSPR's overwritten; nothing at the top of include/.
  (cd "$prefix/include/nspr" && find . -type f -exec sha256sum {} + | sort) |
    cmp -s - "$top/nspr.sums" || fail "installing prshm changed NSPR's headers"
  [ -z "$(find "$prefix/include" -maxdepth 1 -type f)" ] || fail "headers at the top of include/"
  local top_dirs
  top_dirs=$(find "$prefix/include" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
  [ "$top_dirs" = "nspr prshm prshm-nspr " ] || fail "include/ holds $top_dirs"
  for f in libprshm.so.0 libprshm.a libprshm-nspr.so.0 libprshm-nspr.a pkgconfig/prshm.pc \
           pkgconfig/prshm-nspr.pc cmake/prshm/prshmConfig.cmake cmake/prshm/prshmNsprTargets.cmake; do
    [ -e "$prefix/lib/$f" ] || fail "missing after install: lib/$f"
  done
  # The companion's directory shares with NSPR's only the names of prshm's
  # API headers that NSPR has too (prshm.h): each stands in for NSPR's and
  # declares the same API. Its other files, and the standalone's base
  # headers, have names of their own or live where NSPR programs never look.
  local shared api
  shared=$(comm -12 <(ls "$prefix/include/prshm-nspr") <(ls "$prefix/include/nspr"))
  api=$(cd "$src/include" && ls -- *.h)
  if [ -z "$shared" ] || [ -n "$(comm -23 <(echo "$shared") <(echo "$api"))" ]; then
    fail "prshm-nspr/ and nspr/ share: $(tr '\n' ' ' <<<"$shared")"
  fi
  # No include guard of prshm's is one of NSPR's: each file's first #ifndef.
  guards() {
    local f
    for f in "$@"; do grep -m1 '^#ifndef ' "$f" | awk '{print $2}'; done | sort -u
  }
  local clash
  clash=$(comm -12 <(guards "$prefix"/include/prshm/*.h "$prefix"/include/prshm-nspr/*.h) \
                   <(guards "$prefix"/include/nspr/*.h))
  [ -z "$clash" ] || fail "include guards shared with NSPR: $clash"
  # pkg-config points into the prefix.
  local flags
  flags=$(pkg-config --cflags prshm)
  grep -q "include/prshm\b" <<<"$flags" || fail "pkg-config prshm: $flags"
  flags=$(pkg-config --cflags prshm-nspr)
  grep -q "/include/prshm-nspr/prshm_link.h" <<<"$flags" || fail "pkg-config prshm-nspr: $flags"
  grep -q "$prefix/include/nspr" <<<"$flags" || fail "prshm-nspr does not require nspr"
  echo "installed beside NSPR's headers in $prefix: nothing shadowed, overwritten or clashing"
}

mode_symbols() {
  local nspr_lib sa comp nspr five n_five
  nspr_lib=$(system_pkg_config --variable=libdir nspr)/libnspr4.so
  [ -e "$nspr_lib" ] || fail "no $nspr_lib"
  defined() { nm -D --defined-only "$1" | awk '$2 ~ /^[TWDBRVi]$/ {print $3}' | sort -u; }
  nspr=$(defined "$nspr_lib")
  sa=$(defined "$prefix/lib/libprshm.so.0")
  comp=$(defined "$prefix/lib/libprshm-nspr.so.0")
  five=$(replaced | sort)
  n_five=$(wc -l <<<"$five")
  [ "$n_five" -ge 5 ] || fail "the list of replaced functions: $five"
  [ -z "$(comm -23 <(echo "$five") <(echo "$nspr"))" ] ||
    fail "PRSHM_REPLACED_FUNCTIONS lists names libnspr4 lacks: $(comm -23 <(echo "$five") <(echo "$nspr"))"
  # A function missing from the lists of include/prshm_names.h keeps its
  # plain name in both libraries: said here, with the fix.
  local fix="list it in include/prshm_names.h"

  # The standalone library shares no name with NSPR: both can be in one
  # process, each with its own error state.
  [ -z "$(comm -12 <(echo "$sa") <(echo "$nspr"))" ] ||
    fail "libprshm exports names of NSPR's: $(comm -12 <(echo "$sa") <(echo "$nspr") | tr '\n' ' ') ($fix)"
  ! grep -qv -e '^prshm_' -e '^$' <<<"$sa" || fail "libprshm exports $(grep -v '^prshm_' <<<"$sa") ($fix)"
  # The companion defines exactly the replaced functions' names of NSPR's,
  # for LD_PRELOAD, and otherwise only prshm_nspr_ names.
  [ "$(comm -12 <(echo "$comp") <(echo "$nspr"))" = "$five" ] ||
    fail "libprshm-nspr's names of NSPR's: $(comm -12 <(echo "$comp") <(echo "$nspr") | tr '\n' ' ') ($fix)"
  ! grep -qv -e '^prshm_nspr_' -e '^$' <<<"$(comm -23 <(echo "$comp") <(echo "$five"))" ||
    fail "libprshm-nspr exports $(comm -23 <(echo "$comp") <(echo "$five") | grep -v '^prshm_nspr_') ($fix)"
  for f in $five; do
    grep -qx "prshm_nspr_$f" <<<"$comp" || fail "libprshm-nspr lacks prshm_nspr_$f"
    grep -qx "prshm_$f" <<<"$sa" || fail "libprshm lacks prshm_$f"
  done
  # Its errors go to libnspr4's state; it needs nothing else of NSPR's.
  local undef
  undef=$(nm -D --undefined-only "$prefix/lib/libprshm-nspr.so.0" | awk '{print $2}' | grep '^PR_' | sort)
  [ "$undef" = "$(printf 'PR_GetError\nPR_GetOSError\nPR_SetError')" ] ||
    fail "libprshm-nspr needs from NSPR: $(tr '\n' ' ' <<<"$undef")"
  grep -q 'NEEDED.*\[libnspr4.so\]' <<<"$(readelf -d "$prefix/lib/libprshm-nspr.so.0")" ||
    fail "libprshm-nspr does not need libnspr4"
  # The static library has nothing to preload: no plain names at all.
  ! grep -q '^PR_' <<<"$(nm --defined-only "$prefix/lib/libprshm-nspr.a" | awk '{print $3}')" ||
    fail "libprshm-nspr.a defines NSPR names"
  echo "symbols: libprshm shares no name with libnspr4; libprshm-nspr shares exactly these $n_five: $(tr '\n' ' ' <<<"$five")"
}

mode_pkgconfig() {
  local ext=(-DWITH_PRSHM_EXT) n=0 lang out
  cp "$prog" "$work/program.cpp"
  for lang in c cxx; do
    local compile=cc_$lang file=$prog
    [ $lang = cxx ] && file=$work/program.cpp
    # One call, each order of the two modules.
    for mods in "prshm-nspr" "nspr prshm-nspr" "prshm-nspr nspr"; do
      out=pc-$lang-$((n += 1))
      # shellcheck disable=SC2046,SC2086
      $compile "$out" "${ext[@]}" "$file" $(pkg-config --cflags --libs $mods)
      bound "$work/$out" && run "$work/$out" prshm
      echo "  ok ($lang): \$(pkg-config --cflags --libs $mods)"
    done
    # Separate calls, NSPR's flags first or last.
    out=pc-$lang-$((n += 1))
    # shellcheck disable=SC2046,SC2086
    $compile "$out" "${ext[@]}" $(pkg-config --cflags nspr) $(pkg-config --cflags prshm-nspr) "$file" \
      $(pkg-config --libs nspr) $(pkg-config --libs prshm-nspr)
    bound "$work/$out" && run "$work/$out" prshm
    echo "  ok ($lang): cflags nspr, cflags prshm-nspr, libs nspr, libs prshm-nspr"
    out=pc-$lang-$((n += 1))
    # shellcheck disable=SC2046,SC2086
    $compile "$out" "${ext[@]}" -DPRSHM_HEADER_FIRST $(pkg-config --cflags prshm-nspr) \
      $(pkg-config --cflags nspr) "$file" $(pkg-config --libs prshm-nspr) $(pkg-config --libs nspr)
    bound "$work/$out" && run "$work/$out" prshm
    echo "  ok ($lang): cflags prshm-nspr, cflags nspr, libs prshm-nspr, libs nspr; prshm_ext.h before nspr.h"
    # The program exactly as written for NSPR: nspr.h only.
    out=pc-$lang-$((n += 1))
    # shellcheck disable=SC2046,SC2086
    $compile "$out" "$file" $(pkg-config --cflags --libs nspr prshm-nspr)
    bound "$work/$out" && run "$work/$out" prshm
    echo "  ok ($lang): a program that includes only nspr.h, \$(pkg-config --cflags --libs nspr prshm-nspr)"
    # The static library, before and after NSPR's libraries.
    out=pc-$lang-$((n += 1))
    # shellcheck disable=SC2046,SC2086
    $compile "$out" "${ext[@]}" $(pkg-config --cflags prshm-nspr) "$file" \
      -L"$prefix/lib" -Wl,-Bstatic -lprshm-nspr -Wl,-Bdynamic $(pkg-config --libs nspr) -pthread
    bound "$work/$out" && run "$work/$out" prshm
    out=pc-$lang-$((n += 1))
    # shellcheck disable=SC2046,SC2086
    $compile "$out" "${ext[@]}" $(pkg-config --cflags prshm-nspr) "$file" $(pkg-config --libs nspr) \
      -L"$prefix/lib" -Wl,-Bstatic -lprshm-nspr -Wl,-Bdynamic -pthread
    bound "$work/$out" && run "$work/$out" prshm
    grep -q "libprshm-nspr" <<<"$(readelf -d "$work/$out")" && fail "$out: not static"
    echo "  ok ($lang): libprshm-nspr.a before and after NSPR's libraries"
  done
  echo "pkg-config: $n builds, every one bound to prshm-nspr, with NSPR's error state"
}

mode_makefile() {
  local n=0 lang inc_ours inc_nspr lib_ours lib_nspr force
  force="-include $prefix/include/prshm-nspr/prshm_link.h"
  inc_ours="-I$prefix/include/prshm-nspr"
  inc_nspr="-I$prefix/include/nspr"
  lib_ours="-L$prefix/lib -lprshm-nspr"
  lib_nspr="-lplds4 -lplc4 -lnspr4"
  # The README's Makefile, as written there.
  make -s -C "$work" -f "$src/tests/nspr/example.mk" PRSHM="$prefix" NSPR_INCLUDE="$prefix/include/nspr" \
    SRC="$prog" LDFLAGS="-Wl,-rpath,$prefix/lib" nspr_program >/dev/null
  bound "$work/nspr_program" && run "$work/nspr_program" prshm
  echo "  ok: the README's Makefile"
  cp "$prog" "$work/program.cpp"
  for lang in c cxx; do
    local compile=cc_$lang file=$prog
    [ $lang = cxx ] && file=$work/program.cpp
    for iorder in ours-first nspr-first; do
      for lorder in ours-first nspr-first; do
        local incs libs out=mk-$lang-$((n += 1))
        incs="$inc_ours $inc_nspr"
        [ $iorder = nspr-first ] && incs="$inc_nspr $inc_ours"
        libs="$lib_ours $lib_nspr"
        [ $lorder = nspr-first ] && libs="$lib_nspr $lib_ours"
        # shellcheck disable=SC2086
        $compile "$out" -DWITH_PRSHM_EXT $force $incs "$file" $libs
        bound "$work/$out" && run "$work/$out" prshm
        echo "  ok ($lang): -include, -I $iorder, -l $lorder"
      done
    done
    # Without -include, a file that includes prshm_ext.h (which only
    # prshm-nspr has) is bound by it, before or after nspr.h, in any order
    # of -I and -l flags.
    for iorder in ours-first nspr-first; do
      for lorder in ours-first nspr-first; do
        for where in after before; do
          local incs libs hdr="" out=mk-$lang-$((n += 1))
          incs="$inc_ours $inc_nspr"
          [ $iorder = nspr-first ] && incs="$inc_nspr $inc_ours"
          libs="$lib_ours $lib_nspr"
          [ $lorder = nspr-first ] && libs="$lib_nspr $lib_ours"
          [ $where = before ] && hdr=-DPRSHM_HEADER_FIRST
          # shellcheck disable=SC2086
          $compile "$out" -DWITH_PRSHM_EXT $hdr $incs "$file" $libs
          bound "$work/$out" && run "$work/$out" prshm
          echo "  ok ($lang): no -include, prshm_ext.h $where nspr.h, -I $iorder, -l $lorder"
        done
      done
    done
  done
  echo "Makefile lines: $((n + 1)) builds, every one bound to prshm-nspr"
}

mode_cmake() {
  local b=$work/build t
  cmake -S "$src/tests/nspr/cmake" -B "$b" -DCMAKE_PREFIX_PATH="$prefix" -DNSPR_PROGRAM="$prog" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" \
    -DCMAKE_BUILD_RPATH="$prefix/lib" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; fail "configure"; }
  cmake --build "$b" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "build"; }
  for lang in c cpp; do
    for t in nspr_first prshm_first alone static unchanged; do
      bound "$b/${t}_$lang" && run "$b/${t}_$lang" prshm
      echo "  ok ($lang): $t"
    done
    run "$b/standalone_$lang" prshm
    echo "  ok ($lang): standalone (prshm::prshm)"
  done
  echo "CMake: find_package(prshm COMPONENTS nspr), 12 programs"
}

mode_preload() {
  local lang lib=$prefix/lib/libprshm-nspr.so.0
  cp "$prog" "$work/program.cpp"
  # Built as for NSPR alone: NSPR's headers and libraries, nothing of
  # prshm's (not even a run path into its prefix).
  # shellcheck disable=SC2046,SC2086
  cc -std=c11 "${CWARN[@]}" -D_POSIX_C_SOURCE=200809L -o "$work/nspr-only-c" "$prog" \
    $(pkg-config --cflags --libs nspr)
  # shellcheck disable=SC2046,SC2086
  c++ "${CWARN[@]}" -o "$work/nspr-only-cxx" "$work/program.cpp" $(pkg-config --cflags --libs nspr)
  for lang in c cxx; do
    local bin=$work/nspr-only-$lang
    local undef
    undef=$(nm -u "$bin")
    grep -q " PR_OpenSharedMemory$" <<<"$undef" || fail "$bin does not call NSPR's names"
    grep -q "prshm" <<<"$undef" && fail "$bin knows prshm"
    grep -q "prshm" <<<"$(readelf -d "$bin")" && fail "$bin knows prshm's prefix"
    run "$bin" nspr
    echo "  ok ($lang): run plainly, it gets NSPR's shared memory (a key file at the path)"
    run "$bin" prshm LD_PRELOAD="$lib"
    echo "  ok ($lang): LD_PRELOAD=$lib gives it prshm's, errors through NSPR's PR_GetError()"
    # The line the README gives, the library found by the loader's search
    # (as when installed in /usr/local/lib).
    run "$bin" prshm LD_LIBRARY_PATH="$prefix/lib" LD_PRELOAD=libprshm-nspr.so.0
    echo "  ok ($lang): LD_PRELOAD=libprshm-nspr.so.0 (found through the library path) too"
  done
}

mode_mixing() {
  printf '#include <prshm.h>\n#include <nspr.h>\nint main(void) { return 0; }\n' >"$work/prshm_first.c"
  printf '#include <nspr.h>\n#include <prshm_ext.h>\nint main(void) { return 0; }\n' >"$work/nspr_first.c"
  # shellcheck disable=SC2046,SC2086
  expect_failure "standalone prshm.h, then nspr.h" "pkg-config --cflags --libs prshm-nspr" \
    cc -c -o "$work/x.o" "$work/prshm_first.c" $(pkg-config --cflags prshm nspr)
  # shellcheck disable=SC2046,SC2086
  expect_failure "nspr.h, then the standalone prshm_ext.h" "pkg-config --cflags --libs prshm-nspr" \
    cc -c -o "$work/x.o" "$work/nspr_first.c" $(pkg-config --cflags nspr prshm)
  # shellcheck disable=SC2046,SC2086
  expect_failure "the standalone's flags and the companion's" "needs only prshm-nspr" \
    cc -c -o "$work/x.o" "$work/prshm_first.c" $(pkg-config --cflags prshm prshm-nspr)
  # shellcheck disable=SC2046,SC2086
  expect_failure "companion headers, standalone library" "prshm_nspr_PR_OpenSharedMemory" \
    cc -o "$work/x" -DWITH_PRSHM_EXT "$prog" $(pkg-config --cflags prshm-nspr) -L"$prefix/lib" -lprshm \
    $(pkg-config --libs nspr)
  # shellcheck disable=SC2046,SC2086
  expect_failure "companion headers, libnspr4 only" "prshm_nspr_PR_OpenSharedMemory" \
    cc -o "$work/x" "$prog" $(pkg-config --cflags prshm-nspr) $(pkg-config --libs nspr)
  # shellcheck disable=SC2046,SC2086
  expect_failure "standalone headers, libprshm-nspr" "prshm_PR_OpenSharedMemory" \
    cc -o "$work/x" -DWITHOUT_NSPR "$prog" $(pkg-config --cflags prshm) -L"$prefix/lib" -lprshm-nspr
  # What the -include is for (the README says so): without it, a file that
  # includes only nspr.h reads NSPR's own prshm.h (nspr.h takes it from its
  # own directory, whatever the -I order) and calls the plain names, which
  # the -l order would then resolve. No header of prshm's is read, so no
  # check can stop it; the -include in every documented build line binds it.
  local undef
  cc -c -o "$work/x.o" -D_POSIX_C_SOURCE=200809L "$prog" -I"$prefix/include/prshm-nspr" \
    -I"$prefix/include/nspr"
  undef=$(nm -u "$work/x.o")
  if ! grep -q " PR_OpenSharedMemory$" <<<"$undef" || grep -q prshm_nspr_ <<<"$undef"; then
    fail "nspr.h alone, no -include: expected the plain names"
  fi
  echo "  as documented: nspr.h alone without the -include calls NSPR's plain names"
}

mode_standalone() {
  local libs n=0
  cp "$prog" "$work/program.cpp"
  for libs in "prshm" "prshm nspr" "nspr prshm"; do
    # --no-as-needed: libnspr4 really is in the process, its PR_GetError too.
    # shellcheck disable=SC2046,SC2086
    cc_c sa-c-$((n += 1)) -DWITHOUT_NSPR -DWITH_PRSHM_EXT "$prog" $(pkg-config --cflags prshm) \
      -Wl,--no-as-needed $(pkg-config --libs $libs)
    run "$work/sa-c-$n" prshm
    # shellcheck disable=SC2046,SC2086
    cc_cxx sa-cxx-$n -DWITHOUT_NSPR -DWITH_PRSHM_EXT "$work/program.cpp" $(pkg-config --cflags prshm) \
      -Wl,--no-as-needed $(pkg-config --libs $libs)
    run "$work/sa-cxx-$n" prshm
    echo "  ok (c, c++): standalone, \$(pkg-config --libs $libs)"
  done
  # The base types and macros: the same types and values as NSPR's own.
  # shellcheck disable=SC2046,SC2086
  cc -std=c11 "${CWARN[@]}" -o "$work/macros-prshm" "$src/tests/nspr/base_macros.c" \
    $(pkg-config --cflags --libs prshm) -Wl,-rpath,"$prefix/lib"
  # shellcheck disable=SC2046,SC2086
  cc -std=c11 "${CWARN[@]}" -o "$work/macros-nspr" "$src/tests/nspr/base_macros.c" \
    $(pkg-config --cflags --libs nspr)
  "$work/macros-prshm" >"$work/macros-prshm.txt"
  "$work/macros-nspr" >"$work/macros-nspr.txt"
  diff "$work/macros-nspr.txt" "$work/macros-prshm.txt" >&2 ||
    fail "the standalone base headers differ from NSPR's (above: < NSPR, > prshm)"
  echo "  ok: $(wc -l <"$work/macros-nspr.txt") base types and macros, same types and values as NSPR's"
}

[ "$mode" = install ] || [ -d "$prefix" ] || fail "run the install mode first"
if [ "$mode" != install ]; then
  rm -rf "$work"
  mkdir -p "$work"
fi
case "$mode" in
  install | symbols | pkgconfig | makefile | cmake | preload | mixing | standalone) "mode_$mode" ;;
  *) fail "unknown mode" ;;
esac
[ "$mode" = install ] || rm -rf "$work"
