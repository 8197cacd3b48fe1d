#!/bin/sh
# asynclab tour --out DIR: eight numbered pictures and a tour.md that
# embeds each with its caption, in English and in Chinese; bad input is
# exit 2 with one line.  Cheap: the built-in scenario and C10K simulate in
# about a second.
# Run from the repository root: ASYNCLAB=./asynclab sh tests/e2e_tour.sh
set -u

A=${ASYNCLAB:-./asynclab}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

tour() { # lang dir
	if ! "$A" tour --out "$2" --lang "$1" 2>"$T/err.$1"; then
		ko "tour --lang $1 runs: $(cat "$T/err.$1")"
		return
	fi
	n=$(ls "$2"/[0-9][0-9]-*.png 2>/dev/null | wc -l)
	[ "$n" -ge 8 ] && ok "tour --lang $1 writes $n pictures" || ko "tour --lang $1 writes >= 8 pictures ($n)"
	bad=0
	for p in "$2"/[0-9][0-9]-*.png; do
		b=$(basename "$p")
		head -c 8 "$p" | od -An -c | grep -q 'P   N   G' || bad=1
		grep -q "](${b})" "$2/tour.md" || bad=1
	done
	[ $bad -eq 0 ] && ok "tour.md ($1) embeds every picture, each a PNG" ||
		ko "tour.md ($1) embeds every picture, each a PNG"
	# a caption under each picture, with a figure the run gave
	caps=$(grep -c '[0-9] *m\{0,1\}s\b' "$2/tour.md")
	[ "$caps" -ge 8 ] && ok "tour.md ($1) has a timed caption per step" ||
		ko "tour.md ($1) has a timed caption per step ($caps)"
}

tour en "$T/en"
zh_font=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
if [ -e "$zh_font" ] || [ "${CI:-}" = true ]; then
	tour zh "$T/zh"
	grep -q '同步阻塞' "$T/zh/tour.md" && ok "tour.md (zh) is in Chinese" ||
		ko "tour.md (zh) is in Chinese"
else
	echo "skip: tour --lang zh: no $zh_font (scripts/deps.sh installs fonts-noto-cjk)"
fi

"$A" tour --lang fr >/dev/null 2>"$T/e1"; s=$?
[ $s -eq 2 ] && [ "$(wc -l <"$T/e1")" -le 2 ] && grep -q "lang" "$T/e1" &&
	ok "tour --lang fr: exit 2, says why" || ko "tour --lang fr: exit 2 ($s)"
: >"$T/file"
"$A" tour --out "$T/file" >/dev/null 2>"$T/e2"; s=$?
[ $s -eq 2 ] && grep -q "not a directory" "$T/e2" && ok "tour --out FILE: exit 2" ||
	ko "tour --out FILE: exit 2 ($s)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
