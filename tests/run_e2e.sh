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
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

# one script: its output, then its status and seconds, written last
i=0
for t; do
	i=$((i + 1))
	printf '%s %s\n' "$i" "$t"
done | xargs -P "$jobs" -L 1 sh -c '
	t0=$(date +%s)
	if sh "$2" >"$0/$1.out" 2>&1; then rc=0; else rc=1; fi
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
