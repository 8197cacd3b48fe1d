#!/bin/sh
# The same scenario and seed give byte-identical output on every build: the
# -O2 build and the -O1 sanitizer build print the same --json for every
# scenario (C10M but: too big for the sanitizers).  Run after `make` and
# `make asan`.
A=${1:-build/asynclab}
B=${2:-build-asan/asynclab}
pass=0
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

for f in scenarios/*.yaml; do
	case $f in */c10m.yaml) continue ;; esac
	"$A" run "$f" --json >"$d/a" 2>/dev/null
	"$B" run "$f" --json >"$d/b" 2>/dev/null
	if [ -s "$d/a" ] && cmp -s "$d/a" "$d/b"; then
		pass=$((pass + 1))
		echo "ok   $f: same on both builds"
	else
		fail=$((fail + 1))
		echo "FAIL $f: the builds differ"
	fi
done
echo "cross-build: $pass passed, $fail failed"
[ $fail -eq 0 ]
