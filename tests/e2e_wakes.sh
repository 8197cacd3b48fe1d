#!/bin/sh
# scripts/wakes.py on a made-up scheduler trace (perf script's lines, no
# perf needed): each switch-in of a model after a wake-up is put in one
# kind by what its CPU ran before (the idle task, the lab's server,
# another program), one with no wake-up is a resumption, and the bursts
# are timed switch-in to switch-out; a trace with no model is refused.
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ko() { echo "FAIL $*"; fail=1; }
command -v python3 >/dev/null || { echo "skip e2e_wakes: no python3 to run scripts/wakes.py (scripts/deps.sh installs it)"; exit 0; }

sw() {  # cpu time prev_comm prev_pid prev_state next_comm next_pid
	printf '%16s %6s [%03d] %s: sched:sched_switch: prev_comm=%s prev_pid=%s prev_prio=120 prev_state=%s ==> next_comm=%s next_pid=%s next_prio=120\n' \
		"$3" "$4" "$1" "$2" "$3" "$4" "$5" "$6" "$7"
}
wk() {  # cpu time waker_comm waker_pid target_comm target_pid
	printf '%16s %6s [%03d] %s: sched:sched_wakeup: comm=%s pid=%s prio=120 target_cpu=000\n' \
		"$3" "$4" "$1" "$2" "$5" "$6"
}
{
	# halted: woken by an interrupt on its idle CPU, 10 µs on the CPU
	wk 0 1.000000 swapper/0 0 al-sync 100
	sw 0 1.000001 swapper/0 0 R al-sync 100
	sw 0 1.000011 al-sync 100 S swapper/0 0
	# other: the emulator wakes it from CPU 1 while a compiler runs on CPU 0
	wk 1 2.000000 al-emulator 300 al-sync 100
	sw 0 2.000005 "cc1 plus" 555 R al-sync 100
	sw 0 2.000035 al-sync 100 S "cc1 plus" 555
	# lab: after the origin server, 20 µs, preempted, then resumed for 40
	wk 1 3.000000 al-emulator 300 al-sync 100
	sw 0 3.000001 al-server 200 S al-sync 100
	sw 0 3.000021 al-sync 100 R al-server 200
	sw 0 3.000100 al-server 200 S al-sync 100
	sw 0 3.000140 al-sync 100 S swapper/0 0
	# the lab's own processes are not models
	wk 0 4.000000 swapper/0 0 al-server 200
	sw 0 4.000001 swapper/0 0 R al-server 200
	sw 0 4.000500 al-server 200 S swapper/0 0
} >"$d/trace"

python3 scripts/wakes.py - <"$d/trace" >"$d/out" 2>&1 || ko "wakes.py exits 0: $(cat "$d/out")"
want='sync        bursts 0.1 ms: halted 1 (median 10.0 µs, 0.0 ms), lab 1 (median 20.0 µs, 0.0 ms), other 1 (median 30.0 µs, 0.0 ms), resumed 1 (median 40.0 µs, 0.0 ms)'
[ "$(cat "$d/out")" = "$want" ] || ko "the kinds and bursts: got '$(cat "$d/out")', want '$want'"

grep -v al-sync "$d/trace" | python3 scripts/wakes.py - >"$d/out" 2>"$d/err"
[ $? -eq 2 ] && [ "$(wc -l <"$d/err")" -eq 1 ] || ko "a trace with no model: exit 2, one line: $(cat "$d/err")"

[ $fail -eq 0 ] && echo "e2e_wakes: ok"
exit $fail
