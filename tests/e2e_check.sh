#!/bin/sh
# `asynclab check` as a user runs it: every file in tests/scenarios/bad/
# names on its first line ("# expect: ...") the exact message it must get;
# the command must print that on stderr, nothing on stdout, and exit 2.
# Every scenario in scenarios/ must pass with exit 0.
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
out=$(mktemp)
errf=$(mktemp)
trap 'rm -f "$out" "$errf"' EXIT

for f in tests/scenarios/bad/*.yaml; do
	want=$(sed -n '1s/^# expect: //p' "$f")
	"$A" check "$f" >"$out" 2>"$errf"
	rc=$?
	got=$(cat "$errf")
	if [ $rc -eq 2 ] && [ "$got" = "$want" ] && [ ! -s "$out" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $f: exit $rc"
		echo "  want: $want"
		echo "  got:  $got"
	fi
done

for f in scenarios/*.yaml; do
	if "$A" check "$f" >"$out" 2>"$errf" && grep -q '^scenario' "$out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $f: does not validate: $(cat "$errf")"
	fi
done

# Whole-file problems: a missing file, a directory, an empty file.
d=$(mktemp -d)
: >"$d/empty.yaml"
for case in "missing.yaml|cannot open: No such file or directory" \
	    ".|is a directory" "empty.yaml|empty scenario"; do
	name=${case%%|*}
	msg=${case#*|}
	"$A" check "$d/$name" >"$out" 2>"$errf"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(cat "$errf")" = "$d/$name:1:1: $msg" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL check $name: exit $rc: $(cat "$errf")"
	fi
done

# What the simulator cannot hold on this machine is refused at check, with
# what it would need, part by part; the same scenario that fits runs.
printf 'workload: {pages: 100_000_000}\nmodels: [asyncio]\n' >"$d/huge.yaml"
avail=$(awk '/^MemAvailable:/ { print int($2 / 1048576) }' /proc/meminfo)
if [ "${avail:-0}" -ge 70 ]; then
	echo "skip (host) a scenario too large for memory: this machine has ${avail} GiB available, more than 100 million pages of asyncio need"
else
"$A" check "$d/huge.yaml" >"$out" 2>"$errf"
rc=$?
if [ $rc -eq 2 ] && grep -q "simulating asyncio needs at least .* GiB of this machine's memory (the fd table .*; tasks and frames .*; the trace .*), and .* is available" "$errf"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL check: 100 million pages of asyncio: exit $rc: $(cat "$errf")"
fi
"$A" run "$d/huge.yaml" >"$out" 2>"$errf"
rc=$?
if [ $rc -eq 2 ] && grep -q "^asynclab: run: simulating asyncio needs at least" "$errf" && [ ! -s "$out" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL run: 100 million pages of asyncio: exit $rc: $(cat "$errf")"
fi
fi
rm -rf "$d"

echo "check: $pass passed, $fail failed"
[ $fail -eq 0 ]
