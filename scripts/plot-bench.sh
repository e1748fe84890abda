#!/usr/bin/env bash
# Draws the charts of a benchmark run from its CSV (prshm_bench --csv), with
# gnuplot (Debian: gnuplot-nox), each naming the machine it was measured on:
#
#   scripts/plot-bench.sh [CSV [OUTDIR]]     default: build-bench/results/bench.csv
#
#   ratios.png       each library's time over the raw POSIX calls' in the same
#                    process, per workload, with the interquartile range
#   versus.png       prshm's time over each library's (below 1: prshm faster)
#   live.png         cost of one more open+attach against the live segments
#   first-touch.png  creating and writing every page of a fresh 1 GiB segment,
#                    against fresh anonymous memory
#   create.png       creating 4 KiB, step by step from the raw calls to prshm:
#                    each promise's calls alone, the floor (all of them by
#                    hand), prshm, and the route before Linux 6.10
#   tables.md        the same figures as Markdown tables (no gnuplot needed),
#                    as docs/benchmarks.md shows them, and the targets
#
# The peers' charts and tables leave out the floors, their steps and
# prshm's route before 6.10, which take part in creation only and have
# their own chart and table.
#
# create at 64 MiB is left out of the ratio charts: prshm reserves the 64 MiB
# there and the raw calls nothing (memory is reserved at creation: no SIGBUS), a ratio near a thousand that
# the table reports and docs/benchmarks.md explains.
set -euo pipefail
csv=${1:-build-bench/results/bench.csv}
outdir=${2:-$(dirname "$csv")}
[ -r "$csv" ] || { echo "plot-bench.sh: cannot read $csv" >&2; exit 1; }
mkdir -p "$outdir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- The machine, from the CSV's comment lines ----
meta() { sed -n "s/^# $1: //p" "$csv" | head -n 1; }
load=$(meta load | sed 's/ (1, 5, 15 min).*//')
machine="$(meta cpu) ($(meta cpus) CPUs, $(meta ram_gib) GiB), $(meta system)"
caption="Measured on $machine, $(meta date), load average $load (1, 5, 15 min)"

# The libraries compared (not the references, not a peer's copies of them,
# not the participants of creation alone).
alone='^(floor|floor-proc|prshm-proc|mode-step|reserve-step|atomic-step)$'
libs=$(awk -F, -v alone="$alone" '$1 == "time" && $5 != "raw" && $5 != "anon" && $5 !~ /@/ && $5 !~ alone && !seen[$5]++ {print $5}' "$csv")
[ -n "$libs" ] || { echo "plot-bench.sh: no results in $csv" >&2; exit 1; }
# Whether a peer process ran copies of the references (the crossing column).
crossing=$(awk -F, '$1 == "time" && $5 ~ /@/ && $5 !~ /^nspr/ {print "yes"; exit}' "$csv")

# Each library keeps its colour in every chart.
colour() {
  case "$1" in
    raw) echo '#888888' ;; anon) echo '#bbbbbb' ;; prshm) echo '#7b3294' ;;
    sysv) echo '#1b9e77' ;; apr) echo '#56b4e9' ;; boost) echo '#e69f00' ;;
    nspr) echo '#d55e00' ;; *) echo '#444444' ;;
  esac
}

# size_bytes -> "4 KiB"
size_awk='function size(b) { return b >= 1073741824 ? b / 1073741824 " GiB" : b >= 1048576 ? b / 1048576 " MiB" : b / 1024 " KiB" }'

# ---- tables.md ----
# A cell: "1.06 (1.04-1.13)", the ratio and its interquartile range.
cell_awk='function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
function cell(r, lo, hi) { return r == "" ? "-" : fmt(r) " (" fmt(lo) "-" fmt(hi) ")" }'
{
  echo "$caption."
  echo
  echo "Time of each library over the reference's in the same process (raw POSIX calls; for"
  echo "first-touch, anonymous memory): median of the per-batch ratios (interquartile range)."
  echo "Below 1 is faster."
  if [ -n "$crossing" ]; then
    echo "The last column is the peer process's copy of the reference over this process's:"
    echo "what crossing processes does to a ratio."
  fi
  echo
  awk -F, -v libs="$libs" -v crossing="$crossing" "$size_awk $cell_awk"'
    $1 == "time" {
      key = $2 " " size($3)
      if (!(key in seen)) { seen[key] = 1; keys[++n] = key }
      if ($6 == "") refns[key] = sprintf("%.1f %s", $7 >= 1e6 ? $7 / 1e6 : $7 / 1e3, $7 >= 1e6 ? "ms" : "us") " (" $5 ")"
      else if ($5 ~ /@/ && $5 !~ /^nspr/) cross[key] = cell($12, $13, $14)
      else c[key, $5] = cell($12, $13, $14)
    }
    END {
      nl = split(libs, L, "\n")
      printf "| workload | reference time |"; for (j = 1; j <= nl; j++) printf " %s |", L[j]; print crossing ? " crossing |" : ""
      printf "|---|---|"; for (j = 1; j <= nl; j++) printf "---|"; print crossing ? "---|" : ""
      for (i = 1; i <= n; i++) {
        k = keys[i]; printf "| %s | %s |", k, refns[k]
        for (j = 1; j <= nl; j++) printf " %s |", ((k, L[j]) in c) ? c[k, L[j]] : "-"
        if (crossing) printf " %s |", (k in cross) ? cross[k] : "-"
        print ""
      }
    }' "$csv"
  echo
  echo "prshm against each library: prshm's ratio over the library's ratio, batch by batch"
  echo "(median, interquartile range). Below 1, prshm is faster."
  echo
  awk -F, -v alone="$alone" "$size_awk $cell_awk"'
    $1 == "versus" && $6 !~ alone {
      key = $2 " " size($3)
      if (!(key in seen)) { seen[key] = 1; keys[++n] = key }
      if (!($6 in isl)) { isl[$6] = 1; L[++nl] = $6 }
      c[key, $6] = cell($12, $13, $14)
    }
    END {
      printf "| workload |"; for (j = 1; j <= nl; j++) printf " %s |", L[j]; print ""
      printf "|---|"; for (j = 1; j <= nl; j++) printf "---|"; print ""
      for (i = 1; i <= n; i++) {
        k = keys[i]; printf "| %s |", k
        for (j = 1; j <= nl; j++) printf " %s |", ((k, L[j]) in c) ? c[k, L[j]] : "-"
        print ""
      }
    }' "$csv"
  echo
  echo "Live segments: microseconds to open and attach one more 4 KiB segment while N stay"
  echo "open and attached (median over rounds), and the library's ratio to raw at that N."
  echo
  awk -F, "$cell_awk"'
    $1 == "live" && $4 ~ /^N=/ && $5 !~ /@/ {
      n = substr($4, 3) + 0
      if (!($5 in isl)) { isl[$5] = 1; L[++nl] = $5 }
      if (n > last[$5]) last[$5] = n
      v[$5, n] = sprintf("%.2f", $7 / 1000) ($12 == "" ? "" : " (" fmt($12) "x)")
      if (n > most) most = n
    }
    END {
      split("100 1000 10000", P, " ")
      printf "| library |"; for (j = 1; j <= 3; j++) if (P[j] <= most) printf " N=%s |", P[j]; print " limit |"
      printf "|---|"; for (j = 1; j <= 3; j++) if (P[j] <= most) printf "---|"; print "---|"
      for (i = 1; i <= nl; i++) {
        l = L[i]; printf "| %s |", l
        for (j = 1; j <= 3; j++) if (P[j] <= most) printf " %s |", ((l, P[j]) in v) ? v[l, P[j]] : "-"
        printf " %s |\n", last[l] < most ? last[l] " segments: " v[l, last[l]] : "-"
      }
    }' "$csv"
  echo
  echo "Creating, step by step, and the targets: one participant's time over another's, batch by"
  echo "batch (median, interquartile range), beside the project's ceiling where it sets one."
  echo
  awk -F, "$size_awk $cell_awk"'
    $1 == "target" {
      if (!head++) { print "| workload | ratio | value | ceiling |"; print "|---|---|---|---|" }
      printf "| %s %s | %s / %s | %s | %s |\n", $2, size($3), $5, $6, cell($12, $13, $14), $16 == "" ? "-" : $16
    }' "$csv"
} >"$outdir/tables.md"

# ---- The charts ----
command -v gnuplot >/dev/null || { echo "plot-bench.sh: gnuplot is not installed: tables.md only" >&2; exit 1; }
# Enhanced text would read "x86_64" as a subscript.
caption=${caption//_/\\\\_}
terminal="pngcairo size 1200,620 font 'DejaVu Sans,11'"
echo 'set terminal' | gnuplot 2>&1 | grep -q pngcairo || terminal="png size 1200,620"

# A table of `table` rows (ratio and its IQR) per workload and library, one
# line per workload, as gnuplot's histogram reads it.
ratio_table() { # table-name reference-column-value -> data on stdout
  awk -F, -v table="$1" -v libs="$libs" "$size_awk"'
    $1 == table && $3 != 67108864 || $1 == table && $2 != "create" {
      if ($2 == "first-touch" && table == "time") next
      key = $2 " " $3
      if (!(key in order)) { order[key] = ++n; keys[n] = key; label[n] = $2 "\\n" size($3) }
      lib = table == "time" ? $5 : $6
      r[key, lib] = $12; lo[key, lib] = $13; hi[key, lib] = $14
    }
    END {
      nl = split(libs, L, "\n")
      for (i = 1; i <= n; i++) {
        printf "\"%s\"", label[i]
        for (j = 1; j <= nl; j++) {
          k = keys[i] SUBSEP L[j]
          if (k in r && r[k] != "") printf " %s %s %s", r[k], lo[k], hi[k]; else printf " NaN NaN NaN"
        }
        printf "\n"
      }
    }' "$csv"
}

# The plot clause of a histogram with one series per library.
series() { # data-file -> "plot" arguments
  local i=0 clause=""
  for lib in $libs; do
    local c=$((2 + 3 * i))
    clause+="${clause:+, }'$1' using $c:$((c + 1)):$((c + 2))$([ $i -eq 0 ] && echo ':xtic(1)')"
    clause+=" lc rgb '$(colour "$lib")' title '$lib'"
    i=$((i + 1))
  done
  echo "$clause"
}

# The style of the bar charts; `groups` is the number of bars' groups.
histogram_style() { # groups
  echo "set style data histogram; set style histogram errorbars gap 1.5 lw 1;
set style fill solid 0.85 border -1; set boxwidth 0.9; set key top left horizontal;
set grid ytics lc rgb '#dddddd'; set xtics scale 0 font ',10'; set yrange [0:*];
set bmargin 4; set xrange [-0.6:$1 - 0.4];"
}

# ---- ratios.png ----
ratio_table time >"$tmp/ratios.dat"
gnuplot <<EOF
set terminal $terminal
set output '$outdir/ratios.png'
$(histogram_style "$(wc -l <"$tmp/ratios.dat")")
set title "Time of each library over the raw POSIX calls' in the same process (1 = raw; lower is faster)\n{/*0.8 $caption}"
set ylabel 'time / raw time (median; bar: interquartile range)'
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#333333' dt 2
plot $(series "$tmp/ratios.dat")
EOF

# ---- versus.png ----
libs_saved=$libs
libs=$(awk -F, -v alone="$alone" '$1 == "versus" && $6 != "anon" && $6 !~ alone && !seen[$6]++ {print $6}' "$csv")
if [ -n "$libs" ]; then
  ratio_table versus >"$tmp/versus.dat"
  gnuplot <<EOF
set terminal $terminal
set output '$outdir/versus.png'
$(histogram_style "$(wc -l <"$tmp/versus.dat")")
set title "prshm's time over each library's, per workload (below 1: prshm is faster)\n{/*0.8 $caption}"
set ylabel 'prshm / library (median; bar: interquartile range)'
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#333333' dt 2
plot $(series "$tmp/versus.dat")
EOF
fi
libs=$libs_saved

# ---- live.png ----
plot=""
most=$(awk -F, '$1 == "live" && $4 ~ /^N=/ {n = substr($4, 3) + 0; if (n > m) m = n} END {print m + 0}' "$csv")
for lib in raw $libs; do
  awk -F, -v lib="$lib" '$1 == "live" && $5 == lib && $4 ~ /^N=/ {
      sub(/^N=/, "", $4); print $4, $7 / 1000, $8 / 1000, $9 / 1000 }' "$csv" | sort -n >"$tmp/live-$lib.dat"
  [ -s "$tmp/live-$lib.dat" ] || continue
  last=$(tail -n 1 "$tmp/live-$lib.dat" | cut -d' ' -f1)
  title=$lib
  [ "$last" -lt "$most" ] && title="$lib (its limit: $last)"
  plot+="${plot:+, }'$tmp/live-$lib.dat' using 1:2:3:4 with yerrorlines lw 2 pt 7"
  plot+=" lc rgb '$(colour "$lib")' title '$title'"
done
if [ -n "$plot" ]; then
  gnuplot <<EOF
set terminal $terminal
set output '$outdir/live.png'
set title "Cost of opening and attaching one more 4 KiB segment while N stay open and attached\n{/*0.8 $caption}"
set logscale x
set xlabel 'segments open and attached (N)'
set ylabel 'microseconds per open+attach (median of rounds; bar: IQR)'
set yrange [0:*]
set grid lc rgb '#dddddd'
set key bottom center horizontal
plot $plot
EOF
fi

# ---- first-touch.png ----
# The reference (anon) first, then the others in the CSV's order.
awk -F, "$size_awk"'$1 == "time" && $2 == "first-touch" && $5 !~ /@/ {
    line = sprintf("\"%s\" %s %s %s %s", $5, $7 / 1e6, $8 / 1e6, $9 / 1e6, ($12 == "" ? 1 : $12))
    if ($5 == "anon") print line; else rest = rest line "\n"
    sz = size($3); if ($9 / 1e6 > top) top = $9 / 1e6 }
    END { printf "%s", rest; print sz, top * 1.12 > "'"$tmp"'/first-touch.size" }' "$csv" >"$tmp/first-touch.dat"
if [ -s "$tmp/first-touch.dat" ]; then
  read -r size unit top <"$tmp/first-touch.size"
  size="$size $unit"
  # Each bar in its library's colour (column 6, as a number).
  while read -r name rest; do
    lib=${name//\"/}
    c=$(colour "$lib")
    echo "$name $rest $((16#${c#\#}))"
  done <"$tmp/first-touch.dat" >"$tmp/first-touch.col"
  gnuplot <<EOF
set terminal $terminal
set output '$outdir/first-touch.png'
$(histogram_style "$(wc -l <"$tmp/first-touch.dat")")
set yrange [0:$top]
set key off
set title "Create a $size segment and write every page, against fresh anonymous memory (anon)\n{/*0.8 $caption}"
set ylabel 'milliseconds (median; bar: interquartile range)'
set style fill solid 0.85 border -1
set xtics scale 0
plot '$tmp/first-touch.col' using 0:2:3:4:(0.55):6:xtic(1) with boxerrorbars lc rgb variable, \
     '' using 0:4:(sprintf('%.2fx', \$5)) with labels offset 0,1 notitle
EOF
fi
# ---- create.png ----
# Creating 4 KiB, untouched and with its first page written: each
# participant of creation over the raw calls, in the order of the steps.
awk -F, '$1 == "time" && $2 ~ /^create/ && $3 == 4096 && $6 != "" {
    r[$2, $5] = $12; lo[$2, $5] = $13; hi[$2, $5] = $14 }
  END {
    n = split("mode-step reserve-step atomic-step floor prshm floor-proc prshm-proc", P, " ")
    for (i = 1; i <= n; i++) {
      if (!(("create", P[i]) in r)) continue
      printf "\"%s\"", P[i]
      for (w = 1; w <= 2; w++) {
        k = (w == 1 ? "create" : "create+touch") SUBSEP P[i]
        if (k in r) printf " %s %s %s", r[k], lo[k], hi[k]; else printf " NaN NaN NaN"
      }
      printf "\n"
    }
  }' "$csv" >"$tmp/create.dat"
if [ -s "$tmp/create.dat" ]; then
  gnuplot <<EOF
set terminal $terminal
set output '$outdir/create.png'
$(histogram_style "$(wc -l <"$tmp/create.dat")")
set title "Creating 4 KiB, step by step: each participant's time over the raw calls' (1 = raw)\n{/*0.8 $caption}"
set ylabel 'time / raw time (median; bar: interquartile range)'
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#333333' dt 2
plot '$tmp/create.dat' using 2:3:4:xtic(1) lc rgb '#7b3294' title 'create, untouched', \
     '' using 5:6:7 lc rgb '#e69f00' title 'create, first page written'
EOF
fi
echo "plot-bench.sh: in $outdir: $(cd "$outdir" && ls ratios.png versus.png live.png first-touch.png create.png tables.md 2>/dev/null | tr '\n' ' ')"
