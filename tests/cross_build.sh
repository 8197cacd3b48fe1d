#!/bin/sh
# The same scenario and seed give byte-identical output on every build: the
# -O2 build, the -O1 sanitizer build and a clang build print the same
# --json (trace hashes included) for every scenario (C10M but: too big for
# the sanitizers), and for the test scenarios that fail pages in the ways
# that mark them.  Run after `make`, `make asan` and the clang build.
#   cross_build.sh BUILD BUILD...    the first is the reference
pass=0
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
[ $# -ge 2 ] || set -- build/asynclab build-asan/asynclab

for f in scenarios/*.yaml tests/scenarios/full-fd-table.yaml tests/scenarios/faults.yaml; do
	case $f in */c10m.yaml) continue ;; esac
	"$1" run "$f" --json >"$d/a" 2>/dev/null
	same=1
	for b in "$@"; do
		"$b" run "$f" --json >"$d/b" 2>/dev/null
		if ! [ -s "$d/a" ] || ! cmp -s "$d/a" "$d/b"; then
			same=0
			echo "FAIL $f: $1 and $b differ"
		fi
	done
	if [ $same -eq 1 ]; then
		pass=$((pass + 1))
		echo "ok   $f: same on $# builds"
	else
		fail=$((fail + 1))
	fi
done
echo "cross-build: $pass passed, $fail failed"
[ $fail -eq 0 ]
