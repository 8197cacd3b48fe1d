#!/bin/sh
# run -j N: the models simulated in parallel processes print exactly what
# a serial run prints -- stdout, stderr (notes in model order), --json,
# --trace and --save files, exit status -- and bad -j values are refused.
# Run from the repository root: ASYNCLAB=./asynclab sh tests/e2e_jobs.sh
set -u

A=${ASYNCLAB:-./asynclab}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

# same NAME J ARGS...: runs ARGS with -j 1 and with -j J, file outputs
# named by @ (replaced by the run's directory); wants every byte equal.
same() {
	name=$1 j=$2
	shift 2
	for run in 1 "$j"; do
		mkdir -p "$T/j$run"
		set -- $(echo "$*" | sed "s|@|$T/j$run|g")
		"$A" run -j "$run" "$@" >"$T/j$run/stdout" 2>"$T/j$run/stderr"
		echo $? >"$T/j$run/status"
		# the file names differ; what was written may not
		sed -i "s|$T/j$run||g" "$T/j$run/stderr"
		set -- $(echo "$*" | sed "s|$T/j$run|@|g")
	done
	if diff -r "$T/j1" "$T/j$j" >"$T/diff"; then
		ok "$name: -j $j is byte-identical to -j 1 ($(ls "$T/j1" | tr '\n' ' ')exit $(cat "$T/j1/status"))"
	else
		ko "$name: -j $j differs from -j 1"
		head -10 "$T/diff" | sed 's/^/     /'
	fi
	rm -rf "$T/j1" "$T/j$j"
}

# the article's seven models, every output file
same "default" 3 --json --trace @/t.json --save @/s.alrun
same "default, the table" 7
# notes from the models' runs (workers capped, pools short) on stderr
same "c10k" 2 scenarios/c10k.yaml
# every model meets the horizon: a note each, pages fail, exit 1
same "horizon" 4 tests/scenarios/horizon.yaml --json

for bad in 0 x 257; do
	"$A" run -j "$bad" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc = 2 ] && head -1 "$T/err" | grep -q -- "^asynclab: --jobs: '$bad'"; then
		ok "-j $bad: exit 2, said on the first line"
	else
		ko "-j $bad: exit $rc, $(head -1 "$T/err")"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
