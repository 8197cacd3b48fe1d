#!/bin/sh
# The timeline window, driven for real: an Xvfb of our own on a free
# display, `asynclab view` on the seed scenario, input synthesised with
# xdotool (the X server sees it as a real mouse and keyboard), and the
# window read back with xwd before and after each action: each must change
# what is drawn (and, on three run files, [ and ] too).  Then q must end
# the viewer, status 0, within a few seconds; so must SIGINT; with no
# display, view must say so and fail; and nothing we started may be left
# running.
#
# ASYNCLAB_VIEW replaces "$ASYNCLAB view" (another viewer command,
# to try the window without the command; a wrapper must exec the viewer:
# its window is found by the PID started here).  Skipped, and said so, only when
# Xvfb, xdotool or xwd is missing: scripts/deps.sh installs them.
A=${ASYNCLAB:-./asynclab}
VIEW=${ASYNCLAB_VIEW:-"$A view"}
pass=0
fail=0

check() { # name, condition result; returns the result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
	[ "$2" = 0 ]
}
# after a window that did not come: whether the viewer still runs, and
# what it said (a failure that names its cause can be mended)
said() { # PID FILE
	if kill -0 "$1" 2>/dev/null; then echo "     (the viewer is still running)"; else echo "     (the viewer has ended)"; fi
	sed -n '1,8s/^/     | /p' "$2"
}

for tool in Xvfb xdotool xwd; do
	if ! command -v $tool >/dev/null 2>&1; then
		# make installs them (scripts/deps.sh): their absence is a
		# broken set-up, not a pass
		echo "FAIL no $tool: the window cannot be tested (scripts/deps.sh installs xvfb, xdotool, x11-apps)"
		echo "view: 0 passed, 1 failed"
		exit 1
	fi
done

. "$(dirname "$0")/../scripts/xvfb.sh"
xvfb_start; check "Xvfb is up on a free display" $?
# Under the sanitizers: Xlib, which SDL loads with dlopen and unloads in
# SDL_Quit, leaves a few hundred bytes that LeakSanitizer then finds in an
# unknown module, so they cannot be suppressed by name: leak checking is
# off for the viewer (ASan's and UBSan's other checks stay on).
if [ -n "${ASYNCLAB_SANITIZED:-}" ]; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	export ASAN_OPTIONS
fi

capture() { # FILE: a dump of the window
	xwd -id "$win" -silent >"$1" 2>/dev/null
}
# $tmp/base.xwd: the window once it stops changing (drawing is done), as
# two equal dumps in a row
settle() {
	capture "$tmp/base.xwd"
	j=0
	while [ $j -lt 50 ]; do
		sleep 0.1
		capture "$tmp/now.xwd"
		cmp -s "$tmp/base.xwd" "$tmp/now.xwd" && return
		mv "$tmp/now.xwd" "$tmp/base.xwd"
		j=$((j + 1))
	done
}
# 0 once the window differs from $tmp/base.xwd (within 5 s), else 1
changed() {
	j=0
	while [ $j -lt 50 ]; do
		sleep 0.1
		capture "$tmp/now.xwd"
		cmp -s "$tmp/base.xwd" "$tmp/now.xwd" || return 0
		j=$((j + 1))
	done
	return 1
}
# act NAME COMMAND...: the window must change, then settle again
act() {
	name=$1
	shift
	"$@" >/dev/null 2>&1
	changed
	check "$name changes what is drawn" $?
	settle
}
u32() { # big-endian CARD32 at offset $2 of file $1
	od -An -tu1 -j"$2" -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'
}
pixel() { # file x y -> the pixel's 4 bytes in hex (32 bits per pixel)
	off=$(( $(u32 "$1" 0) + $(u32 "$1" 76) * 12 + $3 * $(u32 "$1" 48) + $2 * 4 ))
	od -An -tx1 -j$off -N4 "$1" | tr -d ' '
}
# 0 if process $1 ends within 10 s with status 0 (a quit is seen within
# half a second idle; the rest is room for a loaded machine's sanitized
# build)
exits_cleanly() {
	j=0
	while kill -0 "$1" 2>/dev/null && [ $j -lt 100 ]; do sleep 0.1; j=$((j + 1)); done
	if kill -0 "$1" 2>/dev/null; then return 1; fi
	wait "$1"
}

# shellcheck disable=SC2086
$VIEW scenarios/seed.yaml >"$tmp/view.out" 2>&1 &
viewer=$!
find_window $viewer 300; check "the viewer opens a window" $? || said $viewer "$tmp/view.out"
if [ -n "$win" ]; then
	# at the screen's corner, so that every pixel of it can be read back
	xdotool windowmove "$win" 0 0
	xdotool mousemove --window "$win" 700 400
	xdotool windowfocus "$win" 2>/dev/null
	settle
	[ "$(u32 "$tmp/base.xwd" 16)" -ge 640 ]
	check "the window is drawn ($(u32 "$tmp/base.xwd" 16) px wide)" $?
	# idle, the viewer sleeps: under 5 % of a CPU over 2 s (clock ticks)
	cpu() { awk '{ print $14 + $15 }' /proc/$viewer/stat 2>/dev/null || echo 0; }
	c0=$(cpu)
	sleep 2
	c1=$(cpu)
	[ $((c1 - c0)) -le $(( $(getconf CLK_TCK) / 10 )) ]
	check "idle: no busy loop ($((c1 - c0)) ticks of CPU in 2 s)" $?
	act "zoom (wheel over the lanes)" xdotool click --repeat 3 --delay 50 4
	act "pan (drag)" sh -c 'xdotool mousedown 1; for k in 1 2 3 4 5; do xdotool mousemove_relative -- -40 0; sleep 0.03; done; xdotool mouseup 1'
	act "fit (f)" xdotool key f
	xdotool mousemove --window "$win" 300 12      # the tab bar: no tooltip
	settle
	act "hover (a tooltip)" xdotool mousemove --window "$win" 700 78   # sync's lane: the first model's, whatever their number
	act "playback (space)" sh -c 'xdotool key space; sleep 0.5'
	xdotool key space                             # pause: a still picture again
	settle
	# back, not forward: under load the playback may have reached the
	# run's end, where a step forward has nowhere to go
	act "step (,)" xdotool key comma
	act "tab switch (2)" xdotool key 2
	act "tab switch (Tab)" xdotool key Tab
	act "tab switch (a click on a tab)" xdotool mousemove --window "$win" 420 12 click 1
	act "help (?)" xdotool key question
	act "esc closes the help" xdotool key Escape
	kill -0 $viewer 2>/dev/null; check "esc with the help open does not quit" $?
	act "the report panel (r)" xdotool key r
	act "lane selection (Down)" xdotool key Down
	act "resize" xdotool windowsize "$win" 1560 960
	[ "$(u32 "$tmp/base.xwd" 16)" = 1560 ] && [ "$(u32 "$tmp/base.xwd" 20)" = 960 ] &&
		[ "$(pixel "$tmp/base.xwd" 1550 950)" != 00000000 ]
	check "resize: the whole new area is drawn" $?
	xdotool key q
	exits_cleanly $viewer; check "q quits, status 0, within 10 s" $?
	viewer=""
fi
[ -n "$viewer" ] && { kill $viewer 2>/dev/null; viewer=""; }

# Several runs (docs/timelines.md): the runs tab, then ] and [ walk the
# runs in the compare tab
saved=0
for s in 1 2 3; do
	"$A" run --models sync,asyncio --seed $s --save "$tmp/s$s.alrun" >"$tmp/run.out" 2>&1 ||
		{ saved=1; sed -n '1,4s/^/     | /p' "$tmp/run.out"; }
done
check "three runs saved" $saved
# shellcheck disable=SC2086
$VIEW "$tmp/s1.alrun" "$tmp/s2.alrun" "$tmp/s3.alrun" >"$tmp/view.out" 2>&1 &
viewer=$!
find_window $viewer 300; check "three runs: the viewer opens a window" $? || said $viewer "$tmp/view.out"
if [ -n "$win" ]; then
	xdotool windowmove "$win" 0 0
	xdotool mousemove --window "$win" 300 12
	xdotool windowfocus "$win" 2>/dev/null
	settle
	act "the next run (])" xdotool key bracketright
	act "the run before ([)" xdotool key bracketleft
	xdotool key q
	exits_cleanly $viewer; check "three runs: q quits, status 0, within 10 s" $?
	viewer=""
fi
[ -n "$viewer" ] && { kill $viewer 2>/dev/null; viewer=""; }

# SIGINT and SIGTERM are clean quits too.  A shell without job control
# starts background commands with SIGINT ignored (and SDL then leaves it
# so, as it should): env gives the viewer the default back, as a
# terminal's ^C would find it.
for sig in INT TERM; do
	# shellcheck disable=SC2086
	env --default-signal=INT $VIEW scenarios/seed.yaml >"$tmp/view.out" 2>&1 &
	viewer=$!
	find_window $viewer 300; check "SIG$sig: the viewer opens a window" $? || said $viewer "$tmp/view.out"
	sleep 0.5
	kill -$sig $viewer 2>/dev/null
	exits_cleanly $viewer; check "SIG$sig quits, status 0, within 10 s" $?
	viewer=""
done

# no display: an error that says so, not a hang
# shellcheck disable=SC2086
env -u DISPLAY $VIEW scenarios/seed.yaml >"$tmp/out" 2>&1 &
nodisp=$!
j=0
while kill -0 $nodisp 2>/dev/null && [ $j -lt 100 ]; do sleep 0.1; j=$((j + 1)); done
if kill -0 $nodisp 2>/dev/null; then
	kill $nodisp; wait $nodisp; st=0
else
	wait $nodisp; st=$?
fi
[ $st -ne 0 ] && grep -q "no display" "$tmp/out"; check "no display: fails and says so" $?

kill $xvfb 2>/dev/null
wait $xvfb 2>/dev/null
! kill -0 $xvfb 2>/dev/null; check "no Xvfb left running" $?
xvfb=""
left=$(pgrep -f "scenarios/seed.yaml" -P $$ 2>/dev/null | wc -l)
[ "$left" = 0 ]; check "no viewer left running" $?

echo "view: $pass passed, $fail failed"
[ $fail -eq 0 ]
