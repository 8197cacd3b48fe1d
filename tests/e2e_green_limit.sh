#!/bin/sh
# green with a limit: a pool of L green threads, each crawling its pages
# one after another.  On both backends, 300 pages under limit 12 over 3 OS
# threads are all fetched and verified, never more than 12 in flight; in
# the simulator (deterministic), a copy of C10M's rate: green with 8 x
# 1000 green threads on 8 cores fails no page (without a limit it ran out
# of fds) and makes ~8x one asyncio loop's connections per second.
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
field() { # key, json file: the first model's integer value
	sed -n "s/^ *\"$1\": \([0-9]*\),\$/\1/p" "$2" | head -1
}

cat >"$T/gl.yaml" <<'Y'
name: green-limit
machine: {profile: c, cores: 4}
network: {rtt: 1 ms, bandwidth: 1 Gbit}
server: {think: 1 ms, page_size: 4 KiB}
workload: {pages: 300}
models: [{name: green, threads: 3, limit: 12}]
Y
for net in sim real; do
	"$A" run "$T/gl.yaml" --net $net --json >"$T/$net.out" 2>"$T/$net.err"
	rc=$?
	ok=$(field pages_ok "$T/$net.out") bad=$(field pages_failed "$T/$net.out")
	peak=$(field peak_concurrency "$T/$net.out")
	[ $rc = 0 ] && [ "$ok" = 300 ] && [ "$bad" = 0 ]
	check "$net: limit 12 fetches and verifies 300 of 300 pages (ok $ok, failed $bad)" $?
	[ -n "$peak" ] && [ "$peak" -ge 1 ] && [ "$peak" -le 12 ]
	check "$net: at most 12 pages in flight (peak $peak)" $?
done

# C10M's rate, a copy of 20,000 pages: the connections/s line
sed 's/^  pages: 500000$/  pages: 20000/' scenarios/c10m-rate.yaml >"$T/rate.yaml"
rate() { # model, file: "connections/s: asyncio 51,926, green 418,219"
	sed -n 's/^  connections\/s: //p' "$2" | sed 's/, /\n/g' | tr -d ', ' |
		sed -n "s/^$1\([0-9.]*\)\$/\1/p" | cut -d. -f1
}
"$A" run "$T/rate.yaml" --models asyncio,green >"$T/c" 2>&1
a=$(rate asyncio "$T/c") g=$(rate green "$T/c")
grep -q '^  green .* 20,000 / 0 ' "$T/c"
check "c10m-rate: green fails no page" $?
[ -n "$a" ] && [ -n "$g" ] && [ "$g" -gt $((7 * a)) ] && [ "$g" -lt $((8 * a + 1)) ]
check "c10m-rate: green on 8 cores, 7-8x one loop's connections/s ($g against $a)" $?

echo "green limit: $pass passed, $fail failed"
[ $fail -eq 0 ]
