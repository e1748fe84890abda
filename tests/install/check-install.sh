#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a
# consumer program against it three ways: pkg-config (C), pkg-config (C++)
# and CMake's find_package(prshm). Usage: check-install.sh BUILD_DIR SRC_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
# The headers go into a directory of their own (include/prshm/), so that
# -I$prefix/include shadows nothing, NSPR's headers included.
for f in prshm.h prerror.h prerr.h prtypes.h prshm_ext.h prshm_link.h prshm_names.h; do
  [ -e "$prefix/include/prshm/$f" ] || { echo "missing after install: include/prshm/$f"; exit 1; }
done
for f in lib/pkgconfig/prshm.pc lib/cmake/prshm/prshmConfig.cmake; do
  [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
stray=$(find "$prefix/include" -maxdepth 1 -type f)
[ -z "$stray" ] || { echo "headers at the top of include/: $stray"; exit 1; }
ls "$prefix"/lib/libprshm.so.0 "$prefix"/lib/libprshm.a >/dev/null

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
name=/prshm-install-$$
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -pedantic -o "$work/by-pkgconfig" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags --libs prshm) -Wl,-rpath,"$prefix/lib"
"$work/by-pkgconfig" "$name-a"

# The headers must compile unchanged as C++, as NSPR's do.
if command -v c++ >/dev/null; then
  cp "$src/tests/install/consumer.c" "$work/consumer.cpp"
  # shellcheck disable=SC2046
  c++ -Wall -Wextra -Werror -pedantic -o "$work/by-cxx" "$work/consumer.cpp" \
    $(pkg-config --cflags --libs prshm) -Wl,-rpath,"$prefix/lib"
  "$work/by-cxx" "$name-b"
fi

cmake -S "$src/tests/install" -B "$work/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer-build" >/dev/null
LD_LIBRARY_PATH=$prefix/lib "$work/consumer-build/consumer" "$name-c"
"$work/consumer-build/consumer_static" "$name-d"
echo "install check: pkg-config, C++ and find_package builds all ran"
