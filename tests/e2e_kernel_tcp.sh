#!/bin/sh
# The kernel-TCP path of real runs (docs/kernel-tcp.md): the crawler and
# the origin server in two network namespaces, the packet emulator between
# their TUN devices.  Connect costs its round trip, lost packets are really
# lost and the kernel resends them; where the path cannot run, auto falls
# back to the relay with one line, and --path relay forces it.  Times are
# lower bounds only (delays are never early; the machine may be slow).
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
skip=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
# json FILE EXPR: prints EXPR over the parsed JSON d (python3)
json() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null
}

# --path relay runs everywhere: the fallback
"$A" run --net real --path relay --models asyncio --json >"$T/relay" 2>"$T/err"
check "--path relay: exits 0" $?
[ "$(json "$T/relay" 'd["path"], d["models"][0]["pages_ok"]')" = "relay 10" ]
check "--path relay: the JSON says path relay, 10 pages ok" $?

# a network to emulate but no way to make namespaces: an unmapped user
# namespace may neither make another nor open /dev/net/tun
if unshare -U true 2>/dev/null; then
	unshare -U "$A" run --net real --models asyncio --json >"$T/fb" 2>"$T/err"
	[ $? -eq 0 ] && [ "$(json "$T/fb" 'd["path"]')" = relay ] &&
		[ "$(grep -c "no kernel-TCP path here" "$T/err")" = 1 ]
	check "auto without namespaces: the relay, said in one line on stderr" $?
	unshare -U "$A" run --net real --path kernel-tcp --models asyncio >/dev/null 2>"$T/err"
	[ $? -eq 1 ] && grep -q "the kernel-TCP path cannot run here" "$T/err"
	check "--path kernel-tcp where it cannot run: exit 1, and why" $?
else
	skip=$((skip + 2)); echo "skip (host) the fallback without namespaces (unshare -U is not allowed here)"
fi

"$A" run --net sim --path relay >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "needs --net real or both" "$T/err"
check "--path without a real run is bad input" $?
"$A" run --net real --path tcp >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "not one of auto, kernel-tcp, relay" "$T/err"
check "--path with an unknown value is bad input" $?

# can the kernel path run here at all?
"$A" run --net real --path kernel-tcp --models asyncio --json >"$T/kt" 2>"$T/err"
if grep -q "cannot run here" "$T/err"; then
	echo "skip (host) the kernel-TCP path: $(grep -o 'cannot run here.*' "$T/err")"
	echo "kernel_tcp: $pass passed, $fail failed, the kernel-TCP checks skipped"
	[ $fail -eq 0 ]
	exit
fi
[ "$(json "$T/kt" 'd["path"], d["models"][0]["pages_ok"]')" = "kernel-tcp 10" ]
check "--path kernel-tcp: the JSON says so, 10 seed pages ok, verified" $?
# SYN 75 + SYN-ACK 75 + request 75 + think 20 + response 75 ms at least
[ "$(json "$T/kt" 'int(d["models"][0]["elapsed_ns"] >= 320e6)')" = 1 ]
check "kernel-tcp: a seed page takes at least 320 ms (connect costs its round trip)" $?
[ "$(json "$T/kt" 'int(d["emulator"]["up"]["packets"] >= 30 and d["emulator"]["down"]["packets"] >= 20)')" = 1 ]
check "kernel-tcp: the emulator carried the packets both ways" $?
# the counters that tell a packet's price from its bytes' and wake-ups'
[ "$(json "$T/kt" 'int((e := d["emulator"])["down"]["bytes"] > e["up"]["bytes"] > 0 and e["wakeups"] > 0 and 0 <= e["setup_cpu_ns"] <= e["cpu_ns"])')" = 1 ]
check "kernel-tcp: the emulator counts its bytes, wake-ups and set-up CPU" $?

"$A" run --net real --models asyncio --json >"$T/auto" 2>"$T/err"
[ "$(json "$T/auto" 'd["path"]')" = kernel-tcp ] && ! grep -q "no kernel-TCP" "$T/err"
check "auto takes the kernel-TCP path here, silently" $?

# two runs at once: devices and addresses are per namespace, so no clash
"$A" run --net real --models asyncio --json >"$T/one" 2>/dev/null &
one=$!
"$A" run --net real --models asyncio --json >"$T/two" 2>/dev/null
wait $one
[ "$(json "$T/one" 'd["path"], d["models"][0]["pages_ok"]')" = "kernel-tcp 10" ] &&
	[ "$(json "$T/two" 'd["path"], d["models"][0]["pages_ok"]')" = "kernel-tcp 10" ]
check "two runs at once: both on the kernel-TCP path, 10 pages each" $?

# loss: 5 % of the IP packets each way; TCP recovers every page, and the
# crawler's kernel resent what it lost (SYNs, requests)
cat >"$T/lossy.yaml" <<EOF
seed: 5
machine: {profile: c}
network: {rtt: 10 ms, bandwidth: 100 Mbit, loss: 5 %, rto: 200 ms}
server: {think: 1 ms, page_size: 30 KiB}
workload: {pages: 200}
models: [asyncio]
EOF
"$A" run --net real --json "$T/lossy.yaml" >"$T/lossy" 2>"$T/err"
check "5 % loss: exits 0" $?
[ "$(json "$T/lossy" 'd["models"][0]["pages_ok"]')" = 200 ]
check "5 % loss: TCP recovers all 200 pages, verified byte for byte" $?
[ "$(json "$T/lossy" 'int(d["emulator"]["up"]["lost"] > 0 and d["emulator"]["down"]["lost"] > 0)')" = 1 ]
check "5 % loss: the emulator lost packets both ways" $?
[ "$(json "$T/lossy" 'int(d["models"][0]["retransmits"] > 0)')" = 1 ]
check "5 % loss: the crawler's kernel retransmitted (TCP_INFO total_retrans > 0)" $?
# loss is drawn page by page, as the simulator draws it: a second run
# loses the same SYNs, requests and first sendings of segments (SYN-ACKs
# and retransmissions depend on the kernel's timers)
"$A" run --net real --json "$T/lossy.yaml" >"$T/lossy2" 2>"$T/err"
lost='[d["emulator"]["lost_by"][k] for k in ("syn", "request", "segment")]'
[ -n "$(json "$T/lossy" "$lost")" ] && [ "$(json "$T/lossy" "$lost")" = "$(json "$T/lossy2" "$lost")" ]
check "5 % loss: a second run loses the same SYNs, requests, segments ($(json "$T/lossy" "$lost"))" $?
[ "$(json "$T/lossy" 'sum(d["emulator"]["lost_by"].values()) == d["emulator"]["up"]["lost"] + d["emulator"]["down"]["lost"]')" = True ]
check "5 % loss: every packet lost is one of the simulator's draws" $?

# drop-tail: a queue of 4 packets at 2 Mbit/s overflows under 20 pages at once
cat >"$T/queue.yaml" <<EOF
seed: 1
machine: {profile: c}
network: {rtt: 20 ms, bandwidth: 2 Mbit, queue: 4, rto: 200 ms}
server: {think: 0 ms, page_size: 20 KiB}
workload: {pages: 20}
models: [asyncio]
EOF
"$A" run --net real --json "$T/queue.yaml" >"$T/queue" 2>"$T/err"
[ "$(json "$T/queue" 'd["models"][0]["pages_ok"], int(d["emulator"]["down"]["dropped"] > 0), d["emulator"]["down"]["peak_queued"] <= 4')" = "20 1 True" ]
check "network.queue 4: the full queue drops, never holds more, every page still arrives" $?

# --net both: the sim keeps its handshake when the real run pays it too
"$A" run --net both --models asyncio --json >"$T/both" 2>"$T/err"
[ "$(json "$T/both" 'd["real"]["path"], int(d["sim"]["models"][0]["elapsed_ns"] > 300e6)')" = "kernel-tcp 1" ]
check "--net both over kernel-tcp: the simulated half keeps the round trip of connect" $?
# its link: the emulator's FIFO under tcp linux; tcp flow has none, and says so
"$A" run --net both --models asyncio >"$T/both_l" 2>"$T/err" &&
	grep -q "over a FIFO link as the emulator's (the kernel-TCP path)" "$T/both_l"
check "--net both over kernel-tcp, tcp linux: the sim's link is a FIFO, said" $?
"$A" run --net both --models asyncio --set network.tcp=flow >"$T/both_f" 2>"$T/err" &&
	grep -q "over tcp flow's fair link, not a FIFO as the emulator's" "$T/both_f" &&
	! grep -q "over a FIFO link" "$T/both_f"
check "--net both over kernel-tcp, tcp flow: its fair link said, no FIFO claimed" $?

# unprivileged: a user namespace of its own, where the host allows it
if ! command -v setpriv >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
	skip=$((skip + 1)); echo "skip (host) unprivileged kernel-tcp (needs root to drop to another uid, and setpriv)"
else
	# Debian gives /dev/net/tun mode 0666; a host that keeps it 0600 (this
	# VM) is given a 0666 node of its own, bound over it in a mount
	# namespace of the test's alone
	nobody_run() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$A" run --net real \
			--path kernel-tcp --models asyncio --json >"$T/nobody" 2>"$T/err"
	}
	if setpriv --reuid=65534 --regid=65534 --clear-groups sh -c ': </dev/net/tun' 2>/dev/null ||
	   ! command -v unshare >/dev/null 2>&1; then
		nobody_run
	else
		chmod 755 "$T"
		export A T
		unshare -m sh -c 'mknod "$T/tun" c 10 200 && chmod 666 "$T/tun" &&
			mount --bind "$T/tun" /dev/net/tun &&
			setpriv --reuid=65534 --regid=65534 --clear-groups "$A" run --net real \
				--path kernel-tcp --models asyncio --json' >"$T/nobody" 2>"$T/err"
	fi
	if grep -q "cannot run here" "$T/err"; then
		skip=$((skip + 1))
		echo "skip (host) unprivileged kernel-tcp: this host refuses it ($(grep -o 'cannot run here: .*' "$T/err"))"
	else
		[ "$(json "$T/nobody" 'd["path"], d["models"][0]["pages_ok"]')" = "kernel-tcp 10" ]
		check "unprivileged (uid 65534, user namespace): kernel-tcp, 10 pages ok" $?
	fi
fi

echo "kernel_tcp: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
