#!/bin/sh
# Starts or stops the wine server that the Windows tests of one ctest run
# share (tests/windows.cmake), in the prefix named by WINEPREFIX:
#   wine-server.sh start WINESERVER WINE   start it for good, set up the prefix
#   wine-server.sh stop WINESERVER         stop it and every wine process
# All output goes to /dev/null: a server that inherited ctest's pipes would
# hold them open, and ctest would wait for it after every test.
set -eu
exec </dev/null >/dev/null 2>&1
case "$1" in
  start)
    mkdir -p "$WINEPREFIX"
    # A running server just becomes persistent; one that is on its way out
    # (an earlier run's) refuses, and is waited for.
    "$2" -p || { "$2" -w; "$2" -p; }
    "$3" wineboot.exe --init
    ;;
  stop)
    "$2" -k || true
    ;;
esac
