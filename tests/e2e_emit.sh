#!/bin/sh
# A sweep beyond one machine: `sweep --emit DIR` writes the job list, GNU
# parallel runs it (here on this host, two at a time, as it would across
# hosts with --sshloginfile), and `merge DIR` gives every output of the
# direct sweep -- the table, --markdown, --csv, --json, --png -- byte for
# byte; a missing result is said and exits 1; a directory that is not a
# sweep's is bad input.
A=${ASYNCLAB:-./asynclab}
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ko() { echo "FAIL $*"; fail=1; }

if ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
	echo "skip e2e_emit: no GNU parallel (scripts/deps.sh installs Debian's parallel)"
	exit 0
fi
# the job lines call asynclab by name, as on a host that installed it
mkdir "$d/bin" && ln -s "$(cd "$(dirname "$A")" && pwd)/$(basename "$A")" "$d/bin/asynclab"

set -- scenarios/seed.yaml --vary workload.pages=10..100*10 --vary network.rtt=0ms..100ms+50ms \
	--seeds 1..2 --models thread,callback \
	--set 'network.jitter={dist: uniform, min: 0ms, max: 10ms}'
"$A" sweep "$@" --csv "$d/direct.csv" --json="$d/direct.json" --png "$d/direct.png" \
	>"$d/direct.txt" || ko "the direct sweep"
"$A" sweep "$@" --markdown >"$d/direct.md" || ko "the direct sweep, --markdown"
"$A" sweep "$@" --emit "$d/jobs" >/dev/null || ko "sweep --emit"
[ "$(wc -l <"$d/jobs/jobs.txt")" = 12 ] || ko "2 x 3 points x 2 seeds: 12 jobs"
PATH="$d/bin:$PATH" parallel --will-cite -j 2 <"$d/jobs/jobs.txt" >/dev/null 2>&1 ||
	ko "parallel ran the jobs with failures"
"$A" merge "$d/jobs" --csv "$d/merged.csv" --json="$d/merged.json" --png "$d/merged.png" \
	>"$d/merged.txt" || ko "merge exits 0"
"$A" merge "$d/jobs" --markdown >"$d/merged.md" || ko "merge --markdown exits 0"
for f in csv json png txt md; do
	cmp -s "$d/direct.$f" "$d/merged.$f" || ko "the merged $f is not the direct one"
done
"$A" merge "$d/jobs" --json | cmp -s - "$d/direct.json" || ko "merge --json on stdout"
"$A" merge "$d/jobs" --csv - | cmp -s - "$d/direct.csv" || ko "merge --csv - on stdout"

rm "$d/jobs/t000004.csv" "$d/jobs/t000007.json"
"$A" merge "$d/jobs" --csv - >"$d/o" 2>"$d/err"
[ $? -eq 1 ] && grep -q 't000004.csv' "$d/err" && grep -q 't000007.json' "$d/err" ||
	ko "a missing result: not said, or not exit 1"
[ "$(wc -l <"$d/o")" = 21 ] || ko "two missing results: the other 20 rows and the header"
"$A" merge "$d" >/dev/null 2>"$d/err"
[ $? -eq 2 ] && [ "$(wc -l <"$d/err")" = 1 ] || ko "merge of no sweep: not one line, exit 2"

# a scenario by its name, as run takes it; the outputs belong to merge
"$A" sweep seed --vary workload.pages=10,20 --emit "$d/byname" >/dev/null 2>"$d/err" &&
	cmp -s scenarios/seed.yaml "$d/byname/scenario.yaml" || ko "sweep NAME --emit: $(cat "$d/err")"
"$A" sweep seed --vary workload.pages=10 --emit "$d/x" --png "$d/x.png" 2>"$d/err"
[ $? -eq 2 ] && [ "$(wc -l <"$d/err")" = 1 ] && [ ! -e "$d/x" ] ||
	ko "--emit with --png: not refused in one line, exit 2"

[ $fail -eq 0 ] && echo "e2e_emit: ok"
exit $fail
