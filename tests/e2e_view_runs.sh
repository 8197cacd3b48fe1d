#!/bin/sh
# `view A B C ...`: any number of runs in one picture (docs/timelines.md,
# "Several runs").  3 and 5 runs drawn headless: a PNG of the asked size,
# the same bytes twice, not the picture of one of them alone; a --net both
# file among them; a Perfetto trace naming each run by its file; every
# run file and scenario counted against the 16-run cap, refused past it
# with exit 2 and one line; a bad file among good ones named.  The window's
# [ and ] are tests/test_viz_window.c's (test_runs).
A=${ASYNCLAB:-./asynclab}
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
png_size() { # the width and height in a PNG's IHDR
	od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}
unset DISPLAY WAYLAND_DISPLAY

# three saved runs of the seed scenario, three seeds (a few ms each)
for s in 1 2 3; do
	"$A" run --models sync,asyncio --seed $s --save "$T/s$s.alrun" >/dev/null 2>&1
done
[ -s "$T/s1.alrun" ] && [ -s "$T/s2.alrun" ] && [ -s "$T/s3.alrun" ]
check "three runs saved" $?

three="$T/s1.alrun $T/s2.alrun $T/s3.alrun"
# shellcheck disable=SC2086
"$A" view $three --png "$T/three.png" --size 1200x900 >/dev/null 2>"$T/err"
[ $? -eq 0 ] && [ "$(png_size "$T/three.png")" = 1200x900 ]
check "view of 3 runs: a 1200x900 PNG, status 0" $?
# shellcheck disable=SC2086
"$A" view $three --png "$T/again.png" --size 1200x900 >/dev/null 2>&1
cmp -s "$T/three.png" "$T/again.png"
check "3 runs: the same bytes twice" $?
"$A" view "$T/s1.alrun" --png "$T/one.png" --size 1200x900 >/dev/null 2>&1
! cmp -s "$T/three.png" "$T/one.png"
check "3 runs: not the picture of the first alone" $?

# five: a --net both file (sim and real; process and callback), two saved
# runs (sync and asyncio), a scenario simulated here (--models picks in
# each, noting what a file lacks)
"$A" view "$here/data/v4-both.alrun" "$T/s1.alrun" "$T/s2.alrun" scenarios/seed.yaml \
	--models sync,asyncio,process,callback --png "$T/five.png" --trace "$T/five.json" >/dev/null 2>"$T/err"
st=$?
h=$(png_size "$T/five.png")
[ $st -eq 0 ] && [ "${h%x*}" = 1600 ] && [ "${h#*x}" -ge 1200 ] &&
	[ "$(grep -c "note: .* has no" "$T/err")" = 3 ]
check "view of 5 runs (a sim+real file, 2 saved, 1 scenario): a PNG, status 0" $?
if command -v python3 >/dev/null 2>&1; then
	python3 "$here/check_perfetto.py" "$T/five.json" >/dev/null 2>&1
	check "5 runs: check_perfetto.py accepts the trace" $?
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = sorted(e["args"]["name"] for e in d["traceEvents"] if e.get("name") == "process_name")
want = sorted(["v4-both.alrun, sim · process", "v4-both.alrun, sim · callback",
               "v4-both.alrun, real · process", "v4-both.alrun, real · callback",
               "s1.alrun · sync", "s1.alrun · asyncio", "s2.alrun · sync",
               "s2.alrun · asyncio", "seed.yaml · sync", "seed.yaml · asyncio",
               "seed.yaml · process", "seed.yaml · callback"])
sys.exit(names != want)' "$T/five.json"
	check "5 runs: each run named by its file in the trace, 12 processes" $?
fi
# a --net both file alone keeps its sim | real picture: one file, twins
"$A" view "$here/data/v4-both.alrun" --png "$T/both.png" >/dev/null 2>&1
check "a --net both file alone still draws" $?

# the cap: 16 runs, a file counting its runs
set --
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do set -- "$@" "$T/s1.alrun"; done
"$A" view "$@" --png "$T/x.png" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && [ "$(wc -l <"$T/err")" -le 2 ] && grep -q "at most 16 runs" "$T/err" &&
	[ ! -e "$T/x.png" ]
check "17 files: exit 2, 'at most 16 runs', nothing drawn" $?
set --
for i in 1 2 3 4 5 6 7 8; do set -- "$@" "$here/data/v4-both.alrun"; done
"$A" view "$@" "$T/s1.alrun" --png "$T/x.png" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "s1.alrun: at most 16 runs" "$T/err" && [ ! -e "$T/x.png" ]
check "8 two-run files then one more: exit 2, the file past the cap named" $?
set --
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do set -- "$@" "$T/s1.alrun"; done
"$A" view "$@" --png "$T/x.png" --size 640x400 >/dev/null 2>"$T/err"
[ $? -eq 0 ] && [ "$(png_size "$T/x.png")" = 640x400 ] &&
	grep -q "later runs are cut off; --size 640x[0-9]* shows them all" "$T/err"
check "16 runs at --size 640x400: drawn, with a note of the size that shows all" $?
"$A" view "$@" --png "$T/x.png" >/dev/null 2>&1
h=$(png_size "$T/x.png")
[ "${h%x*}" = 1600 ] && [ "${h#*x}" -gt 1200 ] && [ "${h#*x}" -le 16384 ]
check "16 runs, no --size: a picture taller than the default ($h): a PNG does not scroll" $?

# a bad file among good ones: named, exit 2, nothing drawn
: >"$T/empty.alrun"
"$A" view "$T/s1.alrun" "$T/empty.alrun" "$T/s2.alrun" --png "$T/y.png" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "empty.alrun: empty" "$T/err" && [ ! -e "$T/y.png" ]
check "an empty file among 3: exit 2, named, nothing drawn" $?
cp "$T/s2.alrun" "$T/keep.alrun"
"$A" view "$T/s1.alrun" "$T/s2.alrun" --png "$T/s2.alrun" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "the file being viewed" "$T/err" && cmp -s "$T/s2.alrun" "$T/keep.alrun"
check "--png over the second file viewed: refused, the file intact" $?
"$A" view "$T/s1.alrun" "$T/s2.alrun" --seed 3 --png "$T/y.png" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q -- "--seed" "$T/err"
check "--seed with saved runs: refused, exit 2" $?

echo "view_runs: $pass passed, $fail failed"
[ $fail -eq 0 ]
