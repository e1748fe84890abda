#!/bin/sh
# Starts or stops the wine server that the Windows tests of one ctest run
# share (tests/windows.cmake), in the prefix named by WINEPREFIX:
#   wine-server.sh start WINESERVER WINE   start it for good, boot the prefix
#   wine-server.sh stop WINESERVER         stop it and every wine process;
#                                          fail if it died during the run
# Starting sends all output to /dev/null: a server that inherited ctest's
# pipes would hold them open, and ctest would wait for it after every test.
set -eu
pidfile=$WINEPREFIX/prshm-wineserver.pid

# The pids of this prefix's wine servers, or of all its wine programs and
# servers (read from /proc; none where there is no /proc).
prefix_pids() { # servers|wine
  for dir in /proc/[0-9]*; do
    if [ "$1" = servers ]; then
      case "$(cat "$dir/comm" 2>/dev/null)" in wineserver*) ;; *) continue ;; esac
    else
      exe=$(readlink "$dir/exe" 2>/dev/null || true)
      case "${exe##*/}" in wine*) ;; *) continue ;; esac
    fi
    if tr '\0' '\n' <"$dir/environ" 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX"; then
      echo "${dir#/proc/}"
    fi
  done
}

case "$1" in
  start)
    exec </dev/null >/dev/null 2>&1
    mkdir -p "$WINEPREFIX"
    rm -f "$pidfile"
    # A running server just becomes persistent; one that is on its way out
    # (an earlier run's) refuses, and is waited for.
    "$2" -p || { "$2" -w; "$2" -p; }
    # The first program of a new server boots the prefix (creating it if
    # need be: wineboot --init, which starts services.exe) and waits for the
    # boot to finish before it runs, so when this no-op ends the prefix is
    # up. Running wineboot --init here instead would boot a second time and
    # leave a second services.exe starting up while the first tests run.
    "$3" cmd.exe /c exit
    # Which server this is, so that stop can tell whether it lasted.
    prefix_pids servers >"$pidfile"
    ;;
  stop)
    pid=$(cat "$pidfile" 2>/dev/null || true)
    rm -f "$pidfile"
    lost=
    for p in $pid; do
      kill -0 "$p" 2>/dev/null && case "$(cat "/proc/$p/comm" 2>/dev/null)" in
        wineserver*) continue ;;
      esac
      lost=$p
    done
    "$2" -k >/dev/null 2>&1 || true
    # A process whose server died never learns it if it was waiting for the
    # server (it holds both ends of the pipe it waits on), and -k cannot
    # reach it: end what is left of this prefix.
    for p in $(prefix_pids wine); do
      kill -9 "$p" 2>/dev/null || true
    done
    if [ -n "$lost" ]; then
      echo "wine-server.sh: the wine server of this run (pid $lost) died before the end of the" \
        "run; a test that was waiting on it then hangs until its timeout, and tests that" \
        "followed ran on servers that wine started on demand (see docs/windows.md)" >&2
      exit 1
    fi
    ;;
esac
