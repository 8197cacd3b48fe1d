#!/bin/sh
# `make docs`: screenshots of the timeline window for the README, taken
# through the window itself.  An Xvfb of our own on a free display; the
# window ($ASYNCLAB view SCENARIO, or run --net both --view) opened with
# --shot FILE --size WxH; keys and pointer moves sent with
# xdotool; F12 makes the window write the frame it shows (its own pixels,
# read back from the renderer) to FILE; each lands in $1 (docs/img) under
# the name the README uses.  Exit status 1 if any shot is missing.
set -u
out=${1:-docs/img}
: "${ASYNCLAB:?set ASYNCLAB to the asynclab binary}"
for tool in Xvfb xdotool xwd; do
	command -v $tool >/dev/null 2>&1 || { echo "shots: no $tool (scripts/deps.sh)" >&2; exit 1; }
done
mkdir -p "$out"
. "$(dirname "$0")/xvfb.sh"
xvfb_start || { echo "shots: Xvfb did not start" >&2; exit 1; }
missing=0

# Waits until the window stops changing (two equal dumps in a row).
settle() {
	xwd -id "$win" -silent >"$tmp/a.xwd" 2>/dev/null
	j=0
	while [ $j -lt 50 ]; do
		sleep 0.15
		xwd -id "$win" -silent >"$tmp/b.xwd" 2>/dev/null
		cmp -s "$tmp/a.xwd" "$tmp/b.xwd" && return
		mv "$tmp/b.xwd" "$tmp/a.xwd"
		j=$((j + 1))
	done
}

# open ARGS...: asynclab ARGS with the window, at the screen's corner
open() {
	n=0
	"$ASYNCLAB" "$@" --shot "$tmp/shot-%d.png" --size 1440x900 >"$tmp/viewer.log" 2>&1 &
	viewer=$!
	find_window $viewer 600 ||
		{ echo "shots: no window for $*" >&2; cat "$tmp/viewer.log" >&2; exit 1; }
	xdotool windowmove "$win" 0 0 mousemove --window "$win" 300 12
	settle
}

# snap NAME: F12, and the shot moved to $out/NAME.png
snap() {
	settle
	n=$((n + 1))
	xdotool key F12
	j=0
	while [ ! -s "$tmp/shot-$n.png" ] && [ $j -lt 100 ]; do sleep 0.1; j=$((j + 1)); done
	if [ -s "$tmp/shot-$n.png" ]; then
		mv "$tmp/shot-$n.png" "$out/$1.png"
		echo "  SHOT   $out/$1.png"
	else
		echo "shots: $1: the window wrote no screenshot" >&2
		missing=$((missing + 1))
	fi
}

close() {
	xdotool key q
	wait $viewer
	viewer=""
}

key() { xdotool key "$@"; }
at() { xdotool mousemove --window "$win" "$1" "$2"; }

# The seed article's experiment: every model on one time axis, the report.
open view scenarios/seed.yaml
key r
snap view-compare
# The thread pool at 200 ms of a playback, a span's details pinned.
key 4 t
key space
sleep 1.2
key space
at 560 203
xdotool click 1
at 300 12
snap view-thread-playback
# The process pool's first milliseconds, zoomed: workers forked one by
# one, each waiting for the one CPU; a span's details pinned.
key BackSpace 3 r
at 200 300
xdotool click --repeat 5 --delay 40 4
at 267 236
xdotool click 1
at 300 12
snap view-process-zoom
key Escape question
snap view-help
close

# C10K: 10,000 pages; threads and processes against the event loops,
# lanes merged into density bands.
open view scenarios/c10k.yaml
snap view-c10k
key 6 End Return
snap view-c10k-asyncio-lane
close

# The simulation next to the real run of the same scenario (three models).
open run --net both --models sync,thread,asyncio --view scenarios/seed.yaml
snap view-sim-real
close

# Several runs in one scene: three scenarios, a band each, one time axis.
open view scenarios/seed.yaml scenarios/lossy.yaml scenarios/slow-server.yaml \
	--models sync,asyncio,green
snap view-runs
close

kill $xvfb 2>/dev/null
wait $xvfb 2>/dev/null
xvfb=""
[ $missing -eq 0 ]
