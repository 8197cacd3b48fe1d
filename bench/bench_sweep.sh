#!/bin/sh
# sweep -j: a 100-point sweep of the seed scenario (workload.pages
# 100..10000+100, every model) serial and on 2 processes; the wall times,
# their ratio (the target: <= 0.6 on 2 idle cores) and whether the
# two CSVs are the same bytes.  Figures, not assertions: a busy machine
# shares its cores with the sweep.
A=${ASYNCLAB:-./asynclab}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
now() { date +%s.%N; }
t0=$(now)
"$A" sweep scenarios/seed.yaml --vary workload.pages=100..10000+100 -j 1 --csv "$d/1.csv" >/dev/null
t1=$(now)
"$A" sweep scenarios/seed.yaml --vary workload.pages=100..10000+100 -j 2 --csv "$d/2.csv" >/dev/null
t2=$(now)
same=no
cmp -s "$d/1.csv" "$d/2.csv" && same=yes
awk -v a="$t0" -v b="$t1" -v c="$t2" -v same="$same" 'BEGIN {
	printf "bench_sweep: 100 points: -j 1 %.2f s, -j 2 %.2f s, ratio %.2f (target <= 0.60 on 2 idle cores); same CSV: %s\n",
		b - a, c - b, (c - b) / (b - a), same }'
awk '{ print "bench_sweep: load average " $1 " " $2 " " $3 }' /proc/loadavg
