# Sourced by tests/e2e_view.sh and scripts/shots.sh: a temporary directory
# ($tmp), an Xvfb of our own on a free display, and the clean-up of both
# and of the viewer ($viewer) at exit.
tmp=$(mktemp -d)
xvfb=""
viewer=""
cleanup() {
	[ -n "$viewer" ] && kill "$viewer" 2>/dev/null
	[ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# xvfb_start: Xvfb chooses a free display itself and writes its number
# when it is up; DISPLAY is then that display, and nothing else is one.
# -noreset: an X server resets when its last client leaves, and a viewer
# that connects during the reset (the one after a viewer that quit; slow
# on a loaded machine) is told "x11 not available".
# 0 once it is up, 1 if it did not come up within 10 s.
xvfb_start() {
	Xvfb -displayfd 3 -noreset -screen 0 1600x1000x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
	xvfb=$!
	i=0
	while [ ! -s "$tmp/display" ] && [ $i -lt 100 ] && kill -0 $xvfb 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$tmp/display" ] || return 1
	DISPLAY=:$(head -n 1 "$tmp/display")
	export DISPLAY
	unset WAYLAND_DISPLAY SDL_VIDEODRIVER
	# no session bus on this display: said plainly, so that libdbus does
	# not try to autolaunch one from inside SDL_Init (and leak when it fails)
	DBUS_SESSION_BUS_ADDRESS=${DBUS_SESSION_BUS_ADDRESS:-disabled:}
	export DBUS_SESSION_BUS_ADDRESS
}

# find_window PID TRIES: $win, PID's mapped window named asynclab* (not one
# SDL is still making), looked for every 0.1 s while PID lives; 0 if found.
# PID's own (SDL sets _NET_WM_PID): the server may still show the window
# of a viewer that has just exited, and a signal meant for the next one
# must not be sent while that one is still starting.
find_window() {
	win=""
	j=0
	while [ -z "$win" ] && [ $j -lt "$2" ] && kill -0 "$1" 2>/dev/null; do
		win=$(xdotool search --all --pid "$1" --onlyvisible --name '^asynclab' 2>/dev/null | head -n 1)
		[ -n "$win" ] || sleep 0.1
		j=$((j + 1))
	done
	[ -n "$win" ]
}
