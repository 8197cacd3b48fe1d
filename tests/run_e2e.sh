#!/bin/sh
# run_e2e.sh JOBS SCRIPT...: the end-to-end scripts, JOBS at a time, each
# one's output printed whole and in the order given, as soon as it and
# every script before it have finished; then "e2e: N passed, N failed,
# N checks skipped", and status 1 if any failed.
#
# Most of these scripts wait on real time (servers that think, page
# timeouts, a window's frames), so two at a time nearly halve the suite
# on two cores.  Each one's state is its own: temporary directories,
# ephemeral ports, an Xvfb on a display it chose, processes it started.
#
# A check that cannot run prints "skip (host) why" when this machine
# cannot give it what it needs (root, namespaces, a memory cgroup), else
# "skip why"; under CI=true the latter fails its script (tests/skip.h).
jobs=${1:-1}
[ $# -gt 0 ] && shift
case $jobs in '' | *[!0-9]* | 0) jobs=1 ;; esac
# a script that runs longer than this is stopped and fails, said so
E2E_TIMEOUT=${E2E_TIMEOUT:-900}
export E2E_TIMEOUT
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# A job started with & by a non-interactive shell ignores SIGINT, and so
# would every script under it; and timeout puts each script in a process
# group of its own.  So on Ctrl-C or TERM each script's timeout is sent
# TERM, which it passes to the script (whose own clean-up traps it), then
# the rest of this group; then the directory goes.
stop() {
	trap '' INT TERM
	for f in "$dir"/*.pid; do
		[ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	kill -TERM 0 2>/dev/null
	exit 130
}
trap stop INT TERM

# one script: its output, then its status and seconds, written last
i=0
for t; do
	i=$((i + 1))
	printf '%s %s\n' "$i" "$t"
done | xargs -P "$jobs" -L 1 sh -c '
	t0=$(date +%s)
	timeout -k 10 "$E2E_TIMEOUT" sh "$2" >"$0/$1.out" 2>&1 &
	echo $! >"$0/$1.pid"
	wait $!
	rc=$?
	[ $rc -eq 124 ] && echo "FAIL $2: still running after $E2E_TIMEOUT s, stopped" >>"$0/$1.out"
	echo "$rc $(($(date +%s) - t0))" >"$0/$1.tmp" && mv "$0/$1.tmp" "$0/$1.rc"
' "$dir" &
runner=$!

pass=0
fail=0
skip=0
i=0
for t; do
	i=$((i + 1))
	while [ ! -f "$dir/$i.rc" ]; do
		if ! kill -0 "$runner" 2>/dev/null && [ ! -f "$dir/$i.rc" ]; then
			echo "1 0" >"$dir/$i.rc"
			echo "lost: $t never finished" >>"$dir/$i.out"
		fi
		sleep 0.2
	done
	read -r rc secs <"$dir/$i.rc"
	[ "$rc" = 0 ] && ok=1 || ok=0
	echo "== $t: $secs s"
	cat "$dir/$i.out"
	skip=$((skip + $(grep -c '^skip ' "$dir/$i.out")))
	if [ "$CI" = true ] && grep '^skip ' "$dir/$i.out" | grep -qv '^skip (host) '; then
		echo "FAIL $t: CI=true, and a check skipped for a reason make should have met"
		ok=0
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
wait "$runner" 2>/dev/null
echo "e2e: $pass passed, $fail failed, $skip checks skipped"
[ $fail -eq 0 ]
