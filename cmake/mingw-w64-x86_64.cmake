# Cross-compiles prshm for 64-bit Windows with mingw-w64 (Debian:
# gcc-mingw-w64-x86-64-win32). Programs the build runs, the test suite
# included, go through wine when it is installed:
#
#   cmake -S . -B build-windows \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
#   cmake --build build-windows && ctest --test-dir build-windows
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(PRSHM_MINGW_PREFIX x86_64-w64-mingw32 CACHE STRING "Prefix of the mingw-w64 tools")
set(CMAKE_C_COMPILER ${PRSHM_MINGW_PREFIX}-gcc)
set(CMAKE_RC_COMPILER ${PRSHM_MINGW_PREFIX}-windres)

# printf and friends as C99 says (%zu, %lld), not as msvcrt.dll does.
set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")

# Headers and libraries come from the mingw-w64 sysroot only; programs
# (cmake's own helpers) from the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${PRSHM_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests and other built programs run under wine (the 64-bit loader), in a
# wine prefix of the build tree's own, quietly, without the crash debugger
# or the helpers wine would start for a desktop; DLLs built here are found
# through WINEPATH. tests/windows.cmake starts one wine server for a whole
# ctest run.
find_program(PRSHM_WINE NAMES wine64 wine PATHS /usr/lib/wine)
if(PRSHM_WINE)
  set(PRSHM_WINE_ENV WINEPREFIX=${CMAKE_BINARY_DIR}/wineprefix WINEDEBUG=-all
      WINEDLLOVERRIDES=winedbg.exe,winemenubuilder.exe,mscoree,mshtml=d
      WINEPATH=${CMAKE_BINARY_DIR})
  set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/env ${PRSHM_WINE_ENV} ${PRSHM_WINE})
endif()
