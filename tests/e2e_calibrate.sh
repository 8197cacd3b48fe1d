#!/bin/sh
# End-to-end checks of `asynclab calibrate` and machine profile files: it
# writes where it is told (--out, $ASYNCLAB_PROFILE, XDG, HOME), a
# scenario naming the profile checks and runs, a corrupt profile is bad
# input with a file:line:col message, and a path that cannot be written
# fails before anything is written.  No timing targets: the figures are
# this machine's, whatever they are.
# Run from the repository root: ASYNCLAB=./asynclab sh tests/e2e_calibrate.sh
set -u

A=${ASYNCLAB:-./asynclab}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; [ -s "$T/err" ] && sed 's/^/     stderr: /' "$T/err" | head -5; }

# Never the real home: every default path lands in $T.
export HOME="$T/home"
unset XDG_CONFIG_HOME ASYNCLAB_PROFILE

# expect NAME STATUS PATTERN -- ARGS...: as in e2e_cli.sh.
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	"$A" "$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		ko "$name (exit $got, wanted $want)"
	elif [ -n "$pat" ] && ! cat "$T/out" "$T/err" | grep -Eq -- "$pat"; then
		ko "$name (no /$pat/ in the output)"
	else
		ok "$name"
	fi
}

expect "calibrate --out" 0 "wrote $T/m\.yaml" -- calibrate --out "$T/m.yaml"
if [ -s "$T/m.yaml" ] && grep -q '^costs:$' "$T/m.yaml" &&
   grep -q '^  syscall: .*# measured$' "$T/m.yaml"; then
	ok "calibrate --out: the profile exists, figures marked measured"
else
	ko "calibrate --out: the profile exists, figures marked measured"
fi
for k in syscall thread_switch process_switch thread_create process_create \
	 thread_memory process_memory coroutine_resume callback select \
	 select_per_fd wakeup parse_per_kib connection recv_per_kib send \
	 wake_100us wake_1ms wake_100ms \
	 server_request server_per_kib relay_request relay_per_kib emulator_packet \
	 server_accept uring_enter uring_op fork_per_mib process_cow process_exit exit_per_mib emulator_per_kib server_wake \
	 wake_remote_1ms green_stack uring_setup uring_timeout uring_poll tun_connection tun_send \
	 tun_server_request tun_server_per_kib wake_segment_1ms tun_connection_busy tun_send_busy thread_first tun_close tun_close_busy wake_sibling_10ms tun_apart green_stack_woken tun_server_accept cores cpu memory fd_limit; do
	if ! grep -Eq "^  $k  +[0-9]" "$T/out"; then
		ko "calibrate: the table has no row for $k"
	fi
done
if grep -q 'c default' "$T/out" && grep -q 'ratio' "$T/out"; then
	ok "calibrate: a table against the c defaults"
else
	ko "calibrate: a table against the c defaults"
fi
# the kernel's TCP work and the host's server and link: written, measured
# (never 0 ns), and loaded back by a scenario naming the profile
# (wake_remote_1ms needs a second CPU to wake from)
remote=wake_remote_1ms
[ "$(nproc)" -gt 1 ] || remote=
for k in connection recv_per_kib send wake_100us wake_segment_1ms wake_1ms wake_100ms wake_sibling_10ms $remote \
	 server_request server_per_kib relay_request relay_per_kib server_accept uring_enter uring_op \
	 fork_per_mib process_cow process_exit green_stack uring_setup uring_timeout uring_poll; do
	if ! grep -Eq "^  $k: [0-9][0-9.]* (ns|us|ms|s) +# measured$" "$T/m.yaml" ||
	   grep -Eq "^  $k: 0 ns" "$T/m.yaml"; then
		ko "calibrate: the profile has no measured $k"
	fi
done
# a child's exit is a part of the forks it is measured in: process_exit
# of process_create's (per repetition the exit is within its fork's CPU,
# so the medians keep the order), exit_per_mib of fork_per_mib's; those
# are each a difference of two series' means over 15 MiB, which noise in
# the fork's side can move by up to a bare fork's CPU over 15, allowed
ns() {  # ns KEY: the profile's duration in ns
	sed -n "s/^  $1: \([0-9.]*\) \([a-z]*\) .*/\1 \2/p" "$T/m.yaml" |
		awk '{ m = $2 == "s" ? 1e9 : $2 == "ms" ? 1e6 : $2 == "us" ? 1e3 : 1
		       printf "%.0f\n", $1 * m }'
}
pc=$(ns process_create) pe=$(ns process_exit) fm=$(ns fork_per_mib) em=$(ns exit_per_mib)
if [ -n "$pc" ] && [ -n "$pe" ] && [ "$pe" -lt "$pc" ]; then
	ok "calibrate: process_exit ($pe ns) under process_create ($pc ns)"
else
	ko "calibrate: process_exit ($pe ns) under process_create ($pc ns)"
fi
if [ -n "$fm" ] && [ -n "$em" ] && [ "$em" -le $((fm + pc / 15)) ]; then
	ok "calibrate: exit_per_mib ($em ns) at most fork_per_mib ($fm ns) + process_create / 15"
else
	ko "calibrate: exit_per_mib ($em ns) at most fork_per_mib ($fm ns) + process_create / 15"
fi
# a fork's wait by live children is opt-in (calibrate --fork-wait: 6,000
# processes, too many for a test): without it 0, and the profile says so
if grep -Eq "^  fork_wait_3k: 0 ns +# c default$" "$T/m.yaml" &&
   grep -Eq "^  fork_wait_6k: 0 ns +# c default$" "$T/m.yaml" &&
   grep -q "^# fork_wait_3k, fork_wait_6k: not measured (calibrate --fork-wait" "$T/m.yaml"; then
	ok "calibrate: fork_wait_3k and fork_wait_6k 0 without --fork-wait, and why"
else
	ko "calibrate: fork_wait_3k and fork_wait_6k 0 without --fork-wait, and why"
fi
# the packet emulator needs namespaces: measured where they can be made,
# else the documented default, and the profile says why
if grep -Eq "^  emulator_packet: [0-9][0-9.]* (ns|us) +# measured$" "$T/m.yaml"; then
	ok "calibrate: the packet emulator's CPU per packet, measured"
elif grep -Eq "^  emulator_packet: 9 us +# c default$" "$T/m.yaml" &&
     grep -q "^# emulator_packet could not be measured" "$T/m.yaml"; then
	ok "calibrate: emulator_packet not measurable here: the default, and why"
else
	ko "calibrate: the profile has neither a measured emulator_packet nor why not"
fi
printf 'machine: {profile: m.yaml}\nworkload: {pages: 3}\n' >"$T/s.yaml"
expect "a scenario loads the new keys from the profile" 0 "relay_per_kib" -- check "$T/s.yaml"
expect "a scenario loads the wake-up costs from the profile" 0 "wake_100ms" -- check "$T/s.yaml"
printf 'cores: 1\nhost_links: 2\n' >"$T/bad.yaml"
printf 'machine: {profile: bad.yaml}\n' >"$T/sb.yaml"
expect "host_links is refused in a profile" 2 "unknown key 'host_links'" -- check "$T/sb.yaml"
printf 'cores: 1\nhost_emulator: own\n' >"$T/bad.yaml"
expect "host_emulator is refused in a profile" 2 "unknown key 'host_emulator'" -- check "$T/sb.yaml"

# Where it writes: one repetition a figure is enough to see the file land.
ASYNCLAB_PROFILE="$T/p.yaml" "$A" calibrate --reps 1 >"$T/out" 2>"$T/err"
if [ $? -eq 0 ] && [ -s "$T/p.yaml" ] && grep -q "wrote $T/p.yaml" "$T/out" &&
   grep -q "1 repetition each" "$T/out"; then
	ok "ASYNCLAB_PROFILE: calibrate writes there"
else
	ko "ASYNCLAB_PROFILE: calibrate writes there"
fi
XDG_CONFIG_HOME="$T/xdg" "$A" calibrate --reps 1 >"$T/out" 2>"$T/err"
if [ $? -eq 0 ] && [ -s "$T/xdg/asynclab/machine.yaml" ]; then
	ok "XDG_CONFIG_HOME: calibrate creates asynclab/machine.yaml"
else
	ko "XDG_CONFIG_HOME: calibrate creates asynclab/machine.yaml"
fi
"$A" calibrate --reps 1 >"$T/out" 2>"$T/err"
if [ $? -eq 0 ] && [ -s "$HOME/.config/asynclab/machine.yaml" ]; then
	ok "HOME: calibrate creates .config/asynclab/machine.yaml"
else
	ko "HOME: calibrate creates .config/asynclab/machine.yaml"
fi
if [ -n "$(find "$T" -name '*.tmp.*')" ]; then
	ko "no temporary file left behind"
else
	ok "no temporary file left behind"
fi

# A scenario naming the profile, relative to the scenario's directory,
# with an override of its own.
mkdir "$T/sc"
cp "$T/m.yaml" "$T/sc/machine.yaml"
printf 'machine:\n  profile: machine.yaml\n  costs: {syscall: 5 us}\nworkload: {pages: 3}\n' \
	>"$T/sc/s.yaml"
cores=$(sed -n 's/^cores: //p' "$T/m.yaml")
expect "check shows the profile" 0 \
	"^machine   profile file machine\.yaml \($T/sc/machine\.yaml\), $cores core" \
	-- check "$T/sc/s.yaml"
expect "check: the scenario's costs override the profile's" 0 \
	"^costs .* syscall 5 µs" -- check "$T/sc/s.yaml"
expect "run --models sync with the profile" 0 "sync .* 3 / 0" \
	-- run "$T/sc/s.yaml" --models sync

# A corrupt profile is bad input, reported in the profile's own file.
printf 'cores: 2\ncosts:\n  syscall: fast\n' >"$T/sc/machine.yaml"
expect "run: corrupt profile exits 2" 2 \
	"^$T/sc/machine\.yaml:3:12: costs\.syscall: 'fast' is not a number" \
	-- run "$T/sc/s.yaml" --models sync
expect "check: corrupt profile exits 2" 2 "^$T/sc/machine\.yaml:3:12: " \
	-- check "$T/sc/s.yaml"
rm "$T/sc/machine.yaml"
expect "run: missing profile exits 2" 2 \
	"^$T/sc/s\.yaml:2:12: machine\.profile: cannot open '$T/sc/machine\.yaml': No such file or directory" \
	-- run "$T/sc/s.yaml" --models sync

# Paths that cannot be written fail at once, and write nothing; paths that
# must not be written (a device, a FIFO, a directory) are bad input.
expect "--out in a missing directory exits 1" 1 \
	"cannot write $T/nodir/m\.yaml: cannot create: No such file or directory" \
	-- calibrate --out "$T/nodir/m.yaml"
if [ -e "$T/nodir" ] || grep -q 'wrote' "$T/out"; then
	ko "--out in a missing directory: nothing written"
else
	ok "--out in a missing directory: nothing written"
fi
expect "--out under a file exits 1" 1 "cannot write $T/m\.yaml/x\.yaml: .*Not a directory" \
	-- calibrate --out "$T/m.yaml/x.yaml"
expect "--out a directory exits 2" 2 "cannot write $T/sc: a directory, not a file to write" \
	-- calibrate --out "$T/sc"
if [ "$(ls "$T/sc")" = "s.yaml" ]; then
	ok "--out a directory: nothing written into it"
else
	ko "--out a directory: nothing written into it"
fi
mkfifo "$T/fifo"
expect "--out a FIFO exits 2" 2 "cannot write $T/fifo: a FIFO, not a file to write" \
	-- calibrate --out "$T/fifo"
if [ -p "$T/fifo" ]; then ok "--out a FIFO: still a FIFO"; else ko "--out a FIFO: still a FIFO"; fi
expect "--out a device exits 2" 2 "cannot write /dev/null: a character device" \
	-- calibrate --out /dev/null
if [ -c /dev/null ]; then ok "--out a device: still a device"; else ko "--out a device: still a device"; fi
printf 'cores: 1\n' >"$T/ro.yaml"
chmod 0444 "$T/ro.yaml"
expect "--out a read-only file exits 2" 2 "read-only \(mode 0444\); not replaced" \
	-- calibrate --out "$T/ro.yaml"
expect "--python --out a FIFO exits 2" 2 "a FIFO, not a file to write" \
	-- calibrate --python --out "$T/fifo"
HOME= "$A" calibrate >"$T/out" 2>"$T/err"
if [ $? -eq 1 ] && grep -q 'nowhere to write the profile' "$T/err"; then
	ok "no HOME, XDG_CONFIG_HOME or ASYNCLAB_PROFILE: exit 1"
else
	ko "no HOME, XDG_CONFIG_HOME or ASYNCLAB_PROFILE: exit 1"
fi
expect "--reps 0 exits 2" 2 "--reps: '0' is not a count of repetitions \(1-15\)" -- calibrate --reps 0
expect "--reps 16 exits 2" 2 "--reps: '16' is not a count" -- calibrate --reps 16
expect "calibrate with an argument" 2 "unexpected argument" -- calibrate x

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
