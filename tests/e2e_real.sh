#!/bin/sh
# The same models on real sockets against our origin server (a child
# process on an ephemeral loopback port): every page arrives and is
# verified byte for byte, the busy-poll burns its CPU, and no server is left
# behind.
A=${ASYNCLAB:-./asynclab}
# how many models the registry has (core/al_models.def): `help run` lists them
nmodels=$("$A" help run | awk '/^models /{m=1; next} m && /^  [a-z]/{n++} m && /^$/{exit} END{print n+0}')
pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}

"$A" run --net real --json >"$out" 2>/dev/null
check "run --net real exits 0 (the seed's network through the link emulator)" $?
n=$(grep -c '"pages_ok": 10,' "$out")
[ "$n" = "$nmodels" ]; check "all $nmodels models: 10 of 10 pages verified each" $?
el() { awk -v m="$1" '$0 ~ "\"model\": \"" m "\"" { f = 1 } f && /"elapsed_ns"/ { gsub(/[^0-9]/, ""); print; exit }' "$out"; }
[ "$(el sync)" -ge 1700000000 ]; check "sync waits out the emulated network: >= 10 x (150 ms + 20 ms think)" $?
[ "$(el thread)" -lt $(( $(el sync) / 4 )) ]; check "threads overlap the pages' waits (< 1/4 of sync)" $?
[ "$(el process)" -lt $(( $(el sync) / 3 )) ]; check "processes overlap them too (< 1/3 of sync)" $?
for m in callback generator asyncio uring; do
	[ "$(el $m)" -lt $(( $(el sync) / 4 )) ]
	st=$?
	check "$m: one thread (libevent, or io_uring for uring) overlaps them (< 1/4 of sync)" $st
	# what it took, when it did not (a loaded machine slows the emulator)
	[ $st -eq 0 ] || echo "  $m took $(el $m) ns, sync $(el sync) ns; load $(cut -d' ' -f1-3 /proc/loadavg)"
done
grep -q '"net": "real"' "$out"; check "the JSON says net real" $?
# per-page latency on CLOCK_MONOTONIC: every model's three figures, in
# order (p50 <= p90 <= p99 <= max), each page's first byte at least a
# round trip and the think time after its start, its end after that
awk '/"latency"/ { n++ } /"(connect|ttfb|total)": \{/ { k = $1 }
     /"p50_ns"|"p90_ns"|"p99_ns"|"max_ns"/ { gsub(/[^0-9]/, "", $2); v = $2 + 0
	if (v < last[k]) bad = 1; last[k] = v
	if (k ~ /ttfb/ && v < 170000000) bad = 1
	if (k ~ /total/ && $1 ~ /max/ && v < tt) bad = 1
	if (k ~ /ttfb/ && $1 ~ /max/) tt = v }
     /"model"/ { delete last }
     END { exit !(n == nm && !bad) }' nm="$nmodels" "$out"
check "latency: each model's connect, ttfb and total percentiles, in order, ttfb >= rtt + think" $?
val() { awk -v m="$1" -v k="$2" '$0 ~ "\"model\": \"" m "\"" { f = 1 } f && $0 ~ "\"" k "\"" { gsub(/[^0-9]/, ""); print; exit }' "$out"; }
[ "$(val nonblocking futile_syscalls)" -gt 10000 ] &&
	[ "$(val nonblocking cpu_busy_ns)" -gt $(( $(val sync cpu_busy_ns) * 10 )) ]
check "nonblocking burns CPU polling (> 10,000 futile calls, > 10x sync's CPU)" $?
# C10K for real: ten thousand connections open at once through the link
# emulator (two processes of it: each connection costs it two fds) to the
# origin server, every page verified
"$A" run --net real --models asyncio --json scenarios/c10k.yaml >"$out" 2>/dev/null
[ $? -eq 0 ] && grep -q '"pages_ok": 10000,' "$out" && grep -q '"peak_concurrency": 10000,' "$out"
check "C10K: asyncio holds 10,000 connections at once, 10,000 pages verified" $?
# timed events are the simulator's only, for now: refused, not ignored
printf 'name: ev\nevents: [{at: 1 s, server: {think: 1 s}}]\n' >"$out.yaml"
"$A" run --net real "$out.yaml" >/dev/null 2>"$out"
[ $? -eq 2 ] && grep -q "timed events" "$out"; check "a scenario with timed events is refused on real sockets" $?
rm -f "$out.yaml"
# a process pool whose pages take the whole timeout (stalls): the parent
# reads its workers' reports until they are all gone, as the simulator says
printf 'name: st\nnetwork: {rtt: 0 ms, bandwidth: 10 Gbit}\nserver: {think: 2 ms, page_size: 2000 B, faults: {stall: 20 %%}}\nworkload: {pages: 20, timeout: 300 ms}\nmodels: [{name: process, workers: 1}]\n' >"$out.yaml"
"$A" run --json "$out.yaml" 2>/dev/null | grep -E '"pages_(ok|failed)"' >"$out.sim"
"$A" run --net real --json "$out.yaml" 2>/dev/null | grep -E '"pages_(ok|failed)"' >"$out"
cmp -s "$out.sim" "$out" && grep -q '"pages_ok": 17,' "$out"
check "a worker's slow pages do not fail the others (process pool, stalls): real as sim" $?
rm -f "$out.yaml" "$out.sim"
# killed outright in the middle: the server, the link, the model's process
# and its workers all go with it
printf 'name: kill\nnetwork: {rtt: 20 ms}\nserver: {think: 2 s}\nworkload: {pages: 8}\nmodels: [{name: process, workers: 4}]\n' >"$out.kill.yaml"
"$A" run --net real "$out.kill.yaml" >/dev/null 2>&1 &
victim=$!
# until its workers are up (the server, the link, the model's process and
# four workers: 7 at least), 10 s at most: a loaded or sanitized start is slow
i=0
left_before=0
while [ $i -lt 100 ] && [ "$left_before" -lt 7 ]; do
	sleep 0.1
	i=$((i + 1))
	left_before=$(pgrep -f "$out.kill.yaml" | wc -l)
done
kill -KILL $victim
wait $victim 2>/dev/null
sleep 1
left=$(pgrep -f "$out.kill.yaml" | wc -l)
[ "$left_before" -ge 6 ] && [ "$left" = 0 ]
check "kill -9 of a run leaves none of its $left_before processes behind" $?
pkill -KILL -f "$out.kill.yaml" 2>/dev/null
rm -f "$out.kill.yaml"
# the server is a child of the run: after the run, none is left
pgrep -P $$ -f asynclab >/dev/null 2>&1
[ $? -ne 0 ]; check "no server left behind" $?
for p in poll select; do
	"$A" run --net real --models callback,generator,asyncio --json tests/scenarios/real-$p.yaml >"$out" 2>/dev/null
	[ $? -eq 0 ] && [ "$(grep -c '"pages_ok": 20,' "$out")" = 3 ]
	check "the event loops on libevent's $p: 20 of 20 pages each" $?
done

# Ctrl-C (a SIGINT to the run alone) during sync's ~3.5 s: the model under
# way is killed and dropped, the next is not run, the rows of those that
# finished (none) are printed, it is said, exit 130, no process left
cp scenarios/seed.yaml "$out.int.yaml"
"$A" run "$out.int.yaml" --net real --models sync,asyncio >"$out" 2>"$out.err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
sleep 1
[ $rc -eq 130 ] && grep -q 'interrupted: 0 of 2 models finished' "$out.err" &&
	! grep -q '^  asyncio' "$out" && ! pgrep -f "$out.int.yaml" >/dev/null
check "Ctrl-C: the model under way dropped, the rest not run, said, exit 130 ($rc), none left" $?
pkill -KILL -f "$out.int.yaml" 2>/dev/null
rm -f "$out.int.yaml" "$out.err"

echo "real: $pass passed, $fail failed"
[ $fail -eq 0 ]
