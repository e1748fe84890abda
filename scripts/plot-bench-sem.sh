#!/usr/bin/env bash
# Draws the semaphore benchmark's chart from the summary CSV that
# scripts/bench-sem.sh writes: for each workload, each library's time over
# the reference's (median of the runs, with the lowest and highest run as
# the error bar), on a log scale, with prshm's target where it has one.
#
#   scripts/plot-bench-sem.sh SUMMARY.csv OUT.png
set -euo pipefail
csv=$1
png=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
machine=$(sed -n 's/^# machine: //p' "$csv" | head -n 1)

# One data block per library: x (the workload's slot, shifted per
# library), median, low, high.
libs=$(awk -F, '!/^#/ && $1 != "workload" {print $2}' "$csv" | awk '!seen[$0]++')
workloads="post+wait ping-pong open+close create+delete lock+unlock"
nlibs=$(echo "$libs" | wc -l)
i=0
plots=""
for lib in $libs; do
  awk -F, -v lib="$lib" -v i="$i" -v n="$nlibs" -v ws="$workloads" '
    BEGIN { k = split(ws, w, " "); for (j = 1; j <= k; j++) slot[w[j]] = j - 1 }
    !/^#/ && $1 != "workload" && $2 == lib {
      printf "%f %s %s %s\n", slot[$1] + (i - (n - 1) / 2) * 0.8 / n, $5, $6, $7 }' \
    "$csv" >"$tmp/$lib.dat"
  plots="$plots${plots:+, }'$tmp/$lib.dat' using 1:2:3:4 with yerrorbars pt 7 ps 1.2 title '$lib'"
  i=$((i + 1))
done
# prshm's targets as short bars.
awk -F, -v ws="$workloads" '
  BEGIN { k = split(ws, w, " "); for (j = 1; j <= k; j++) slot[w[j]] = j - 1 }
  !/^#/ && $1 != "workload" && $2 == "prshm" && $9 + 0 > 0 {
    printf "%f %s\n%f %s\n\n", slot[$1] - 0.4, $9, slot[$1] + 0.4, $9 }' "$csv" >"$tmp/target.dat"

gnuplot <<EOF
set terminal pngcairo size 1100,600 font ",10" noenhanced
set output '$png'
set bmargin 5
set title "Semaphores and locks: time over the reference (sem_t, posix, or robust mutex), median of runs\n$machine" noenhanced
set logscale y
set ylabel "ratio (log scale; 1 = the reference)"
set xtics ("post+wait\nvs sem_t" 0, "ping-pong\nvs sem_t" 1, "open+close\nvs posix" 2, "create+delete\nvs posix" 3, "lock+unlock\nvs mutex" 4)
set xrange [-0.6:4.6]
set grid ytics
set key outside right
plot $plots, '$tmp/target.dat' using 1:2 with lines lw 2 lc rgb "red" title "prshm target"
EOF
echo "plot-bench-sem.sh: $png"
