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
rm -rf "$d"

echo "check: $pass passed, $fail failed"
[ $fail -eq 0 ]
