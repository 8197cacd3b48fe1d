#!/bin/sh
# asynclab tour --out DIR: nine numbered pictures and a tour.md that
# embeds each with its caption, in English and in Chinese; bad input is
# exit 2 with one line; in a window (an Xvfb of our own) the arrow keys
# step through the nine.  Cheap: the built-in scenario and C10K simulate
# in about a second.
# Run from the repository root: ASYNCLAB=./asynclab sh tests/e2e_tour.sh
set -u

A=${ASYNCLAB:-./asynclab}
# $tmp, the Xvfb and its clean-up at exit
. "$(dirname "$0")/../scripts/xvfb.sh"
T=$tmp
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
	[ "$n" -ge 9 ] && ok "tour --lang $1 writes $n pictures" || ko "tour --lang $1 writes >= 9 pictures ($n)"
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
	[ "$caps" -ge 9 ] && ok "tour.md ($1) has a timed caption per step" ||
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

# The window: its title says which step is shown.
title() { xdotool getwindowname "$win" 2>/dev/null; }
wait_title() { # text: 0 once the title has it (5 s at most)
	k=0
	while ! title | grep -q "$1" && [ $k -lt 50 ]; do sleep 0.1; k=$((k + 1)); done
	title | grep -q "$1"
}
if ! command -v Xvfb >/dev/null 2>&1 || ! command -v xdotool >/dev/null 2>&1; then
	ko "Xvfb and xdotool (scripts/deps.sh installs them) for the window"
elif ! xvfb_start; then
	ko "Xvfb is up"
else
	[ -n "${ASYNCLAB_SANITIZED:-}" ] &&   # Xlib's dlclose leak: see e2e_view.sh
		export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	"$A" tour >"$T/win.out" 2>&1 &
	viewer=$!
	# the steps are drawn before the window opens: seconds on a busy
	# machine, more under the sanitizers
	if find_window $viewer 900; then
		wait_title "step 1 of 9" && ok "the window opens on step 1" || ko "the window opens on step 1 ($(title))"
		xdotool key --window "$win" Right Right
		wait_title "step 3 of 9" && ok "→ → shows step 3" || ko "→ → shows step 3 ($(title))"
		xdotool key --window "$win" Left
		wait_title "step 2 of 9" && ok "← goes back to step 2" || ko "← goes back to step 2 ($(title))"
		xdotool key --window "$win" End
		wait_title "step 9 of 9" && ok "End shows the last step" || ko "End shows the last step ($(title))"
		xdotool key --window "$win" q 2>/dev/null   # gone before the key's release
		k=0
		while kill -0 $viewer 2>/dev/null && [ $k -lt 50 ]; do sleep 0.1; k=$((k + 1)); done
		if kill -0 $viewer 2>/dev/null; then
			ko "q quits the tour"
		else
			wait $viewer
			[ $? -eq 0 ] && ok "q quits the tour, status 0" || ko "q quits the tour, status 0: $(cat "$T/win.out")"
		fi
		viewer=""
	else
		ko "the tour's window appears: $(cat "$T/win.out")"
	fi
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
