#!/bin/sh
# `--set KEY=VALUE` as a user types it: on run, check and view, through the
# scenario file's messages (naming the option) with exit status 2, and a
# value that reaches the run.
A=${ASYNCLAB:-./asynclab}
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

bad() {   # bad "expected stderr" args...
	want=$1
	shift
	"$A" "$@" >"$d/out" 2>"$d/err"
	rc=$?
	if [ $rc -ne 2 ] || [ "$(head -n 1 "$d/err")" != "$want" ] || [ -s "$d/out" ]; then
		echo "FAIL $*: exit $rc"
		echo "  want: $want"
		echo "  got:  $(cat "$d/err")"
		fail=1
	fi
}

bad "asynclab: run: --set network.rtt=5 parsecs: unknown duration unit 'parsecs' (use ns, us, ms, s, min, h)" \
	run --set "network.rtt=5 parsecs"
bad "asynclab: check: --set workload.pages=0: must be at least 1 (got 0)" \
	check scenarios/seed.yaml --set workload.pages=0
bad "asynclab: view: --set models.thred.workers=3: unknown model 'thred' (did you mean 'thread'?)" \
	view scenarios/seed.yaml --set models.thred.workers=3 --png "$d/x.png"
bad "asynclab: --set: 'network.rtt' is not KEY=VALUE (as in network.rtt=50ms)" \
	run --set network.rtt

# check shows the value; a later --set wins
"$A" check scenarios/seed.yaml --set network.rtt=1ms --set=network.rtt=2ms \
	--set workload.pages=10k >"$d/out" || fail=1
grep -q '^network   rtt 2 ms' "$d/out" || { echo "FAIL check: rtt not set"; fail=1; }
grep -q '^workload  10,000 pages' "$d/out" || { echo "FAIL check: pages not set"; fail=1; }

# the run takes it: sync's 10 pages at 150 ms and at 15 ms
"$A" run --models sync --json >"$d/a.json" || fail=1
"$A" run --models sync --json --set network.rtt=15ms >"$d/b.json" || fail=1
ea=$(sed -n 's/.*"elapsed_ns": *\([0-9]*\).*/\1/p' "$d/a.json")
eb=$(sed -n 's/.*"elapsed_ns": *\([0-9]*\).*/\1/p' "$d/b.json")
# two round trips a page fewer: 10 x 2 x 135 ms = 2.7 s less
if [ -z "$ea" ] || [ -z "$eb" ] || [ $((ea - eb)) -ne 2700000000 ]; then
	echo "FAIL run --set network.rtt=15ms: elapsed $ea -> $eb, not 2.7 s less"
	fail=1
fi

# a saved run keeps its scenario
"$A" run --models sync --save "$d/r.alrun" >/dev/null 2>&1 || fail=1
bad "asynclab: view: $d/r.alrun: --set: a saved run keeps the scenario it ran; --set is for a scenario" \
	view "$d/r.alrun" --set network.rtt=1ms --png "$d/y.png"

[ $fail -eq 0 ] && echo "e2e_set: ok"
exit $fail
