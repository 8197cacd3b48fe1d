#!/bin/sh
# Run files saved before format 6 (tests/data/v4-*.alrun, format 4, and
# v5-*.alrun, format 5) open in `view`: a PNG of the asked size, drawn
# headless, and a Perfetto trace that tests/check_perfetto.py accepts;
# `compare` reads their figures.
# tests/test_viz_compat.c checks the figures themselves.
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

for f in "$here"/data/v4-*.alrun "$here"/data/v5-*.alrun; do
	b=$(basename "$f" .alrun)
	v=${b#v}
	"$A" view "$f" --png "$T/$b.png" --size 800x600 --trace "$T/$b.json" >/dev/null 2>"$T/err"
	[ $? -eq 0 ] && [ "$(png_size "$T/$b.png")" = 800x600 ] && [ -s "$T/$b.json" ]
	check "view $b (format ${v%%-*}): an 800x600 PNG and a trace" $?
	if command -v python3 >/dev/null 2>&1; then
		python3 "$here/check_perfetto.py" "$T/$b.json" >/dev/null 2>&1
		check "view $b: check_perfetto.py accepts its trace" $?
	fi
done
# a file against itself: every figure the same
"$A" compare "$here/data/v4-seed.alrun" "$here/data/v4-seed.alrun" >"$T/cmp" 2>&1 &&
	grep -q '^  asyncio ' "$T/cmp" && ! grep -q '[+-][1-9]' "$T/cmp"
check "compare reads a format-4 file's figures" $?
echo "oldruns: $pass passed, $fail failed"
[ $fail -eq 0 ]
