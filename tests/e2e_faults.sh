#!/bin/sh
# Every fault ends each page ok or failed with its cause -- never a hang,
# never a page lost (ok + failed = pages asked) -- and the run exits 1:
# a misbehaving origin server (server.faults: reset, stall past the page
# timeout, short body, corrupt body), connection refused, a full fd table
# (EMFILE), and fork / thread creation failing (RLIMIT_NPROC).
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
here=$(cd "$(dirname "$0")" && pwd)

# model ok failed reset timeout corrupt refused emfile spawn peak, a line each
summary() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for m in d["models"]:
    f = m["failures"]
    print(m["model"], m["pages_ok"], m["pages_failed"], *(f.get(c, 0) for c in
          ("reset", "timeout", "corrupt", "refused", "emfile", "spawn")),
          m["peak_concurrency"] if "real" in sys.argv[2:] else "")' "$@"
}
# every line's ok + failed is $2
all_counted() {
	[ -s "$1" ] && awk -v n="$2" '$2 + $3 != n { bad = 1 } END { exit bad }' "$1"
}

# how many models the registry has (core/al_models.def): `help run` lists them
nmodels=$("$A" help run | awk '/^models /{m=1; next} m && /^  [a-z]/{n++} m && /^$/{exit} END{print n+0}')

# --- the misbehaving server, on both backends: the same pages fail, for
# the same causes, on each
"$A" run --json "$here/scenarios/faults.yaml" >"$T/sim.json" 2>/dev/null
[ $? -eq 1 ]; check "sim: a faulty server makes the run exit 1" $?
"$A" run --net real --json "$here/scenarios/faults.yaml" >"$T/real.json" 2>"$T/err"
[ $? -eq 1 ]; check "real: a faulty server makes the run exit 1" $?
summary "$T/sim.json" >"$T/sim"
summary "$T/real.json" >"$T/real"   # peak concurrency left out: it may differ
[ "$(wc -l <"$T/real")" = "$nmodels" ] && all_counted "$T/real" 40 && all_counted "$T/sim" 40
check "real and sim: all $nmodels models end all 40 pages (ok + failed = 40)" $?
awk '$4 == 0 || $5 == 0 || $6 == 0 { bad = 1 } END { exit bad }' "$T/real"
check "real: every model sees resets, timeouts and corrupt bodies" $?
cmp -s "$T/sim" "$T/real"
same=$?
check "real fails the very pages the simulator does, for the same causes" $same
[ $same -eq 0 ] || { echo "  sim:"; cat "$T/sim"; echo "  real:"; cat "$T/real"; }

# --- each fault alone: its cause
for f in reset:reset stall:timeout short:corrupt corrupt:corrupt; do
	name=${f%%:*}
	cause=${f#*:}
	printf 'name: %s\nnetwork: {rtt: 0 ms, bandwidth: 10 Gbit}\nserver: {think: 1 ms, page_size: 3000 B, faults: {%s: 100 %%}}\nworkload: {pages: 5, timeout: 200 ms}\nmodels: [sync, {name: thread, workers: 5}, nonblocking, asyncio]\n' \
		"$name" "$name" >"$T/$name.yaml"
	"$A" run --net real --json "$T/$name.yaml" >"$T/out" 2>/dev/null
	st=$?
	summary "$T/out" >"$T/s"
	col=$(case $cause in reset) echo 4 ;; timeout) echo 5 ;; corrupt) echo 6 ;; esac)
	[ $st -eq 1 ] && [ "$(wc -l <"$T/s")" = 4 ] &&
		awk -v c="$col" '$2 != 0 || $3 != 5 || $c != 5 { bad = 1 } END { exit bad }' "$T/s"
	check "server $name on every page: each of 5 pages fails as '$cause'" $?
done

# --- nobody listening: refused, every model
"$A" run --target http://127.0.0.1:1/ --json >"$T/out" 2>/dev/null
[ $? -eq 1 ] && summary "$T/out" >"$T/s" && [ "$(wc -l <"$T/s")" = "$nmodels" ] &&
	awk '$3 != 10 || $7 != 10 { bad = 1 } END { exit bad }' "$T/s"
check "connection refused: all $nmodels models fail 10 of 10 as 'refused'" $?

# --- a full fd table: machine.fd_limit is the model process's RLIMIT_NOFILE
printf 'name: emfile\nnetwork: {rtt: 0 ms, bandwidth: 10 Gbit}\nserver: {think: 200 ms, page_size: 1000 B}\nmachine: {fd_limit: 40}\nworkload: {pages: 100, timeout: 5 s}\nmodels: [{name: thread, workers: 100}, callback, generator, asyncio]\n' >"$T/emfile.yaml"
"$A" run --net real --json "$T/emfile.yaml" >"$T/out" 2>/dev/null
st=$?
summary "$T/out" >"$T/s"
[ $st -eq 1 ] && [ "$(wc -l <"$T/s")" = 4 ] && all_counted "$T/s" 100 &&
	awk '$8 == 0 || $2 == 0 { bad = 1 } END { exit bad }' "$T/s"
check "fd table full: some pages fail as 'emfile', the others arrive, none lost" $?

# --- fork and thread creation failing: RLIMIT_NPROC, which root ignores,
# so as an unused uid of our own
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v prlimit >/dev/null; then
	mkdir -p "$T/np"
	cp "$A" "$T/np/asynclab"
	chmod 755 "$T" "$T/np" "$T/np/asynclab"
	printf 'name: spawn\nnetwork: {rtt: 0 ms, bandwidth: 10 Gbit}\nserver: {think: 100 ms, page_size: 1000 B}\nworkload: {pages: 40, timeout: 5 s}\nmodels: [{name: process, workers: 40}, {name: thread, workers: 40}]\n' >"$T/np/spawn.yaml"
	chmod 644 "$T/np/spawn.yaml"
	as_other() { # nproc, then the command
		n=$1
		shift
		(cd "$T/np" && setpriv --reuid=54321 --regid=54321 --clear-groups prlimit --nproc="$n" -- "$@")
	}
	as_other 20 ./asynclab run --net real --json spawn.yaml >"$T/out" 2>/dev/null
	st=$?
	summary "$T/out" real >"$T/s"
	[ $st -eq 1 ] && all_counted "$T/s" 40 &&
		awk '$1 == "process" && ($9 == 0 || $2 == 0) { bad = 1 }
		     $1 == "thread" && ($2 != 40 || $10 >= 40) { bad = 1 } END { exit bad }' "$T/s"
	check "fork fails past RLIMIT_NPROC: those workers' pages fail as 'spawn'; the thread pool runs with the threads it got" $?
	# three processes: the run, the server, the model's: no worker at all
	as_other 3 ./asynclab run --net real --json spawn.yaml >"$T/out" 2>/dev/null
	st=$?
	summary "$T/out" >"$T/s"
	[ $st -eq 1 ] && awk '$3 != 40 || $9 != 40 { bad = 1 } END { exit bad }' "$T/s" &&
		[ "$(wc -l <"$T/s")" = 2 ]
	check "no worker can start: every page fails as 'spawn', in both pools" $?
else
	echo "skip (host) fork/thread failure (needs root, setpriv and prlimit to run as an RLIMIT_NPROC-bound uid)"
fi

# --- tiny fd limits: the same pages fail as emfile on both backends (the
# lab's own fds, libevent's, are not the crawler's), never libevent's own
# exit; a host limit too small for the link emulator is said at once
printf 'machine: {fd_limit: 4}\nnetwork: {rtt: 0 ms}\nserver: {think: 50 ms}\nworkload: {pages: 3}\n' >"$T/fd4.yaml"
"$A" run "$T/fd4.yaml" --net real --path relay --json >"$T/real4" 2>"$T/err"
st=$?
"$A" run "$T/fd4.yaml" --json >"$T/sim4" 2>/dev/null
summary "$T/real4" >"$T/s4r"
summary "$T/sim4" >"$T/s4s"
[ $st -eq 1 ] && [ "$(wc -l <"$T/s4r")" = "$nmodels" ] && cmp -s "$T/s4r" "$T/s4s" && ! grep -q '\[err\]\|\[warn\]' "$T/err"
same=$?
check "fd_limit 4: every model runs for real and fails the simulator's pages as emfile" $same
# what differed, when it did (status, then model ok failed reset timeout
# corrupt refused emfile spawn, a line each, then libevent's complaints)
[ $same -eq 0 ] || { echo "  status $st; sim:"; cat "$T/s4s"; echo "  real:"; cat "$T/s4r"
	grep '\[err\]\|\[warn\]' "$T/err"; }
if command -v prlimit >/dev/null 2>&1; then
	prlimit --nofile=60:60 "$A" run --net real --path relay --models sync,asyncio --json >"$T/out" 2>/dev/null
	st=$?
	summary "$T/out" >"$T/s"
	[ $st -eq 0 ] && awk '$2 != 10 { bad = 1 } END { exit bad }' "$T/s"
	check "a hard fd limit of 60: the link emulator still carries every page" $?
	prlimit --nofile=16:16 "$A" run --net real --path relay --models sync >"$T/out" 2>"$T/err"
	st=$?
	[ $st -eq 1 ] && grep -q "fd limit, 16, leaves the link emulator no room" "$T/err"
	check "a hard fd limit of 16: said, not a run of reset pages" $?
fi

# --- deaths in the run's own processes: said, and counted as 'died', never
# as the network's doing
# children PID: the pids whose parent is PID
children() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '; }
printf 'network: {rtt: 0 ms}\nserver: {think: 300 ms}\nworkload: {pages: 30}\nmodels: [{name: process, workers: 3}]\n' \
	>"$T/die.yaml"
"$A" run "$T/die.yaml" --net real --path relay --json >"$T/out" 2>"$T/err" &
run=$!
workers=""
i=0
while [ $i -lt 100 ] && [ "$(echo "$workers" | wc -w)" -lt 3 ]; do
	sleep 0.1
	i=$((i + 1))
	for c in $(children $run); do
		w=$(children "$c")
		[ -n "$w" ] && workers=$w
	done
done
sleep 0.5
kill -9 $(echo "$workers" | head -2) 2>/dev/null
wait $run
st=$?
summary "$T/out" >"$T/s"
died=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["models"][0]["failures"].get("died", 0))' "$T/out" 2>/dev/null)
[ $st -eq 1 ] && all_counted "$T/s" 30 && [ "${died:-0}" -gt 0 ] &&
	grep -q "process: note: 2 of its workers died (the last: killed by signal 9" "$T/err"
check "two workers killed: said with the signal, their pages failed as 'died'" $?

printf 'network: {rtt: 0 ms}\nserver: {think: 100 ms}\nworkload: {pages: 30}\nmodels: [sync, asyncio]\n' \
	>"$T/die2.yaml"
"$A" run "$T/die2.yaml" --net real --path relay --json >"$T/out" 2>"$T/err" &
run=$!
sleep 1
# the run's listening children: the origin server and the links
for c in $(children $run); do
	ss -ltnpH 2>/dev/null | grep -q "pid=$c," && kill -9 "$c"
done
wait $run
st=$?
[ $st -eq 1 ] && grep -q "real: .* died (killed by signal 9, Killed) during sync's run: [0-9]* of its failed pages (refused, reset, timeout and the like) are counted as 'died'" "$T/err" &&
	[ "$(python3 -c 'import json,sys; ms=json.load(open(sys.argv[1]))["models"]; print(len(ms), ms[0]["failures"].get("died", 0) > 0)' "$T/out")" = "1 True" ]
check "the origin server killed: said, its pages 'died', the models after it not run" $?

echo "faults: $pass passed, $fail failed"
[ $fail -eq 0 ]
