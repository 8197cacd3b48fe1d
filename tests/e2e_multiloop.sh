#!/bin/sh
# multiloop: one asyncio loop per core.  On both backends, 4 loops on a
# 4-core machine fetch and verify every page, each loop a thread of its
# own in the trace; in the simulator (deterministic, so figures may be
# asserted), C10M's rate: eight loops make ~8x one loop's connections per
# second, and under python's GIL no more than one loop's.
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}

cat >"$T/ml.yaml" <<'Y'
name: ml
machine: {profile: c, cores: 4}
network: {rtt: 0 ms, bandwidth: 10 Gbit}
server: {think: 1 ms, page_size: 4 KiB}
workload: {pages: 400}
models: [{name: multiloop, poller: epoll}]
Y
# the loops' thread lanes of the Perfetto trace: "loop #1" ...
loops() {
	python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"] if isinstance(d, dict) else d
print(len({e["args"]["name"] for e in ev if e.get("name") == "thread_name"
           and re.fullmatch(r"loop #[0-9]+", e["args"]["name"])}))' "$1"
}
for net in sim real; do
	"$A" run "$T/ml.yaml" --net $net --json --trace "$T/$net.json" >"$T/$net.out" 2>"$T/$net.err"
	rc=$?
	[ $rc = 0 ] && grep -q '"pages_ok": 400,' "$T/$net.out" && grep -q '"pages_failed": 0,' "$T/$net.out"
	check "$net: 4 loops fetch and verify 400 of 400 pages" $?
	[ "$(loops "$T/$net.json")" = 4 ]; check "$net: 4 loop threads in the trace" $?
done

# C10M's rate, a copy of 20,000 pages: the connections/s line
sed 's/^  pages: 500000$/  pages: 20000/' scenarios/c10m-rate.yaml >"$T/rate.yaml"
rate() { # model, file: "connections/s: asyncio 51,926, multiloop 415,167"
	sed -n 's/^  connections\/s: //p' "$2" | sed 's/, /\n/g' | tr -d ', ' |
		sed -n "s/^$1\([0-9.]*\)\$/\1/p" | cut -d. -f1
}
"$A" run "$T/rate.yaml" --models asyncio,multiloop >"$T/c" 2>&1
a=$(rate asyncio "$T/c") m=$(rate multiloop "$T/c")
[ -n "$a" ] && [ -n "$m" ] && [ "$m" -gt $((7 * a)) ] && [ "$m" -lt $((8 * a + 1)) ]
check "c10m-rate: 8 loops on 8 cores, 7-8x one loop's connections/s ($m against $a)" $?
"$A" run "$T/rate.yaml" --models asyncio,multiloop --set machine.profile=python >"$T/p" 2>&1
a=$(rate asyncio "$T/p") m=$(rate multiloop "$T/p")
[ -n "$a" ] && [ -n "$m" ] && [ "$m" -le "$a" ]
check "c10m-rate under python's GIL: no faster than one loop ($m against $a)" $?

echo "multiloop: $pass passed, $fail failed"
[ $fail -eq 0 ]
