#!/usr/bin/env bash
# Puts several separate runs of the benchmark side by side: for every ratio
# the runs published (prshm_bench --csv), its value in each run, the median
# of those values and their range, and whether a claim it supports held in
# every run. A claim that did not is marked, and must not be published.
#
#   scripts/bench-spread.sh RUN1.csv RUN2.csv RUN3.csv... > spread.md
#
# A ratio's value in one run is the median of its per-batch ratios (the
# CSV's `ratio` column), the figure the run's own tables show. Across runs:
#   targets      each target beside its ceiling: "held" when every run's
#                value is at or under it;
#   versus       prshm over each library: "faster" (below 1 in every run),
#                "slower" (above 1 in every run), "either" (1 in the range:
#                no claim either way);
#   time         each library over the raw calls, the same three words.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 RUN.csv RUN.csv [RUN.csv...]" >&2; exit 2; }
for f in "$@"; do [ -r "$f" ] || { echo "bench-spread.sh: cannot read $f" >&2; exit 1; }; done

meta() { sed -n "s/^# $1: //p" "$2" | head -n 1; }
echo "Runs compared: $#, each a separate run of prshm_bench (its own process, its own calibration)."
echo
i=0
for f in "$@"; do
  i=$((i + 1))
  echo "- run $i: $(meta date "$f"), load average $(meta load "$f" | sed 's/ (1, 5, 15 min).*//')" \
    "at the start, $(meta load_end "$f" | sed 's/ (1, 5, 15 min).*//') at the end ($(basename "$f"))"
done
echo
echo "Machine: $(meta cpu "$1") ($(meta cpus "$1") CPUs, $(meta ram_gib "$1") GiB), $(meta system "$1")."
echo

awk -F, -v nruns=$# '
  function size(b) { return b >= 1073741824 ? b / 1073741824 " GiB" : b >= 1048576 ? b / 1048576 " MiB" : b / 1024 " KiB" }
  function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
  # Sorts v[1..n] (insertion: a handful of runs).
  function sortv(n,   i, j, t) { for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t } }
  function median(n) { sortv(n); return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
  # "1.03 (1.02-1.05)" over the runs of key k; leaves the sorted values in v.
  function spread(k,   n, r) { n = 0; for (r = 1; r <= nruns; r++) if ((k, r) in val) v[++n] = val[k, r]; cnt = n; if (n == 0) return "-"; m = median(n); return fmt(m) " (" fmt(v[1]) "-" fmt(v[n]) ")" }
  function side(   ) { return cnt < nruns ? "not in every run" : v[cnt] < 1 ? "faster" : v[1] > 1 ? "slower" : "either" }
  FNR == 1 { run++ }
  /^#/ || $1 == "table" { next }
  $12 == "" { next }
  {
    k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $5 SUBSEP $6
    if (!(k in seen)) { seen[k] = 1; order[++nk] = k; ceil[k] = $16 }
    val[k, run] = $12
  }
  END {
    print "## Targets"
    print ""
    print "| workload | ratio | ceiling | each run | median (range) | verdict |"
    print "|---|---|---|---|---|---|"
    for (i = 1; i <= nk; i++) {
      split(order[i], f, SUBSEP); if (f[1] != "target") continue
      k = order[i]; s = spread(k); each = ""
      for (r = 1; r <= nruns; r++) each = each (r > 1 ? ", " : "") (((k, r) in val) ? fmt(val[k, r]) : "-")
      verdict = ceil[k] == "" ? "-" : cnt < nruns ? "not in every run" : v[cnt] <= ceil[k] + 0 ? "held in every run" : v[1] > ceil[k] + 0 ? "over in every run" : "held in some runs only"
      printf "| %s %s | %s / %s | %s | %s | %s | %s |\n", f[2], size(f[3]), f[4], f[5], ceil[k] == "" ? "-" : ceil[k], each, s, verdict
    }
    print ""
    print "## prshm against each library"
    print ""
    print "prshm'\''s time over the library'\''s (each over the raw calls of its own process), median of"
    print "the runs'\'' values and their range; then which side of 1 every run fell on."
    print ""
    for (i = 1; i <= nk; i++) {
      split(order[i], f, SUBSEP); if (f[1] != "versus") continue
      w = f[2] " " size(f[3]); if (!(w in wseen)) { wseen[w] = 1; W[++nw] = w }
      if (!(f[5] in lseen)) { lseen[f[5]] = 1; L[++nl] = f[5] }
      cell[w, f[5]] = spread(order[i]) " " side()
    }
    printf "| workload |"; for (j = 1; j <= nl; j++) printf " %s |", L[j]; print ""
    printf "|---|"; for (j = 1; j <= nl; j++) printf "---|"; print ""
    for (i = 1; i <= nw; i++) {
      printf "| %s |", W[i]
      for (j = 1; j <= nl; j++) printf " %s |", ((W[i], L[j]) in cell) ? cell[W[i], L[j]] : "-"
      print ""
    }
    print ""
    print "## Each library over its reference"
    print ""
    print "Time over the raw calls (first-touch: over anonymous memory) in the same process."
    print ""
    nw = 0; nl = 0; delete wseen; delete lseen
    for (i = 1; i <= nk; i++) {
      split(order[i], f, SUBSEP); if (f[1] != "time" || f[4] ~ /@/) continue
      w = f[2] " " size(f[3]); if (!(w in wseen)) { wseen[w] = 1; W[++nw] = w }
      if (!(f[4] in lseen)) { lseen[f[4]] = 1; L[++nl] = f[4] }
      tcell[w, f[4]] = spread(order[i])
    }
    printf "| workload |"; for (j = 1; j <= nl; j++) printf " %s |", L[j]; print ""
    printf "|---|"; for (j = 1; j <= nl; j++) printf "---|"; print ""
    for (i = 1; i <= nw; i++) {
      printf "| %s |", W[i]
      for (j = 1; j <= nl; j++) printf " %s |", ((W[i], L[j]) in tcell) ? tcell[W[i], L[j]] : "-"
      print ""
    }
  }' "$@"
