#!/bin/sh
# `asynclab serve` as a user (or `run --net real`) drives it: start on a
# free port and read the port from the listening line, fetch pages with
# curl, get a 404, stop it with SIGTERM (exit 0 within 5 s, port free
# again), and refuse a port already in use (exit 1).  Only 127.0.0.1 is
# ever contacted; every server started is killed on exit.
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
T=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

# start NAME ARGS...: starts a server in the background; sets SPID, and
# SPORT once its listening line appears (empty if it never does in 10 s).
start() {
	name=$1
	shift
	"$A" serve "$@" >"$T/$name.out" 2>"$T/$name.err" &
	SPID=$!
	PIDS="$PIDS $SPID"
	SPORT=""
	i=0
	while [ $i -lt 100 ]; do
		SPORT=$(sed -n 's|^asynclab serve: listening on http://127\.0\.0\.1:\([0-9][0-9]*\) (scenario .*)$|\1|p' "$T/$name.out")
		[ -n "$SPORT" ] && return 0
		kill -0 "$SPID" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# stop PID: SIGTERM, then waits up to 5 s; sets RC (or 124 on timeout).
stop() {
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		RC=124
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
	else
		wait "$1"
		RC=$?
	fi
}

# fetch PATH: sets CODE, LEN (Content-Length) and BYTES (body bytes).
fetch() {
	CODE=$(curl -s --max-time 10 -D "$T/h" -o "$T/b" -w '%{http_code}' \
		"http://127.0.0.1:$SPORT$1")
	LEN=$(tr -d '\r' <"$T/h" | sed -n 's/^Content-Length: //p')
	BYTES=$(wc -c <"$T/b" | tr -d ' ')
}

if start main --port 0 scenarios/seed.yaml; then
	ok "serve --port 0: listening on port $SPORT"
else
	ko "serve --port 0: no listening line: $(cat "$T/main.out" "$T/main.err")"
	echo "$pass passed, $fail failed"
	exit 1
fi
MAIN=$SPID
PORT=$SPORT
grep -q '(scenario seed)' "$T/main.out" && ok "listening line names the scenario" \
	|| ko "listening line names the scenario: $(cat "$T/main.out")"

for path in / /3; do
	fetch "$path"
	if [ "$CODE" = 200 ] && [ "$LEN" = 1256 ] && [ "$BYTES" = "$LEN" ]; then
		ok "GET $path: 200, $BYTES bytes = Content-Length"
	else
		ko "GET $path: status $CODE, Content-Length '$LEN', $BYTES bytes"
	fi
done
cp "$T/b" "$T/b3"
fetch /3
cmp -s "$T/b" "$T/b3" && ok "GET /3 twice: the same bytes" || ko "GET /3 twice differs"
fetch /nope
[ "$CODE" = 404 ] && ok "GET /nope: 404" || ko "GET /nope: status $CODE"
grep -q '^Content-Type: text/plain' "$T/h" && ok "Content-Type text/plain" \
	|| ko "Content-Type: $(cat "$T/h")"

# A second server on the same port must fail, clearly, with exit 1.
"$A" serve --port "$PORT" scenarios/seed.yaml >"$T/dup.out" 2>"$T/dup.err" &
DUP=$!
PIDS="$PIDS $DUP"
i=0
while kill -0 "$DUP" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$DUP" 2>/dev/null; then
	kill -KILL "$DUP"
	ko "serve on a port in use: still running"
else
	wait "$DUP"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "port $PORT is already in use" "$T/dup.err" \
	   && [ ! -s "$T/dup.out" ]; then
		ok "serve on a port in use: exit 1, '$(cat "$T/dup.err")'"
	else
		ko "serve on a port in use: exit $rc: $(cat "$T/dup.err")"
	fi
fi

"$A" serve --port 65536 >/dev/null 2>"$T/bad.err"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--port" "$T/bad.err" && ok "serve --port 65536: exit 2" \
	|| ko "serve --port 65536: exit $rc: $(cat "$T/bad.err")"
"$A" serve "$T/missing.yaml" >/dev/null 2>"$T/bad.err"
rc=$?
[ $rc -eq 2 ] && ok "serve on a missing scenario: exit 2" \
	|| ko "serve on a missing scenario: exit $rc: $(cat "$T/bad.err")"

# Slowloris: with max_concurrent 1, a client trickling its head a byte
# every 2 s holds no slot; curl gets three pages within 15 s each.
printf 'server: {think: 0 ms, max_concurrent: 1}\n' >"$T/one.yaml"
if ! command -v python3 >/dev/null 2>&1; then
	echo "skip slowloris (no python3 for the trickling client; scripts/deps.sh installs it)"
elif start one --port 0 "$T/one.yaml"; then
	python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.send(b"G")
open(sys.argv[2], "w").write("connected\n")
for b in b"ET /1 HTTP/1.0\r\n":
    time.sleep(2)
    s.send(bytes([b]))
' "$SPORT" "$T/trickle" >/dev/null 2>&1 &
	TRICKLE=$!
	PIDS="$PIDS $TRICKLE"
	i=0
	while [ ! -s "$T/trickle" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	got=0
	for p in 1 2 3; do
		curl -s --max-time 15 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SPORT/$p" \
			>"$T/code" 2>/dev/null && [ "$(cat "$T/code")" = 200 ] && got=$((got + 1))
	done
	# the trickling client still there, its head still coming
	kill -0 "$TRICKLE" 2>/dev/null && [ -s "$T/trickle" ]
	alive=$?
	kill "$TRICKLE" 2>/dev/null
	[ $got -eq 3 ] && [ $alive -eq 0 ] && ok "max_concurrent 1, a head trickling in: curl gets 3 pages" \
		|| ko "max_concurrent 1, a head trickling in: curl got $got of 3 pages (trickler connected and alive: $alive)"
	stop "$SPID"
else
	ko "serve max_concurrent 1: did not start: $(cat "$T/one.err")"
fi

stop "$MAIN"
if [ "$RC" -eq 0 ]; then
	ok "SIGTERM: exit 0 within 5 s"
else
	ko "SIGTERM: exit $RC"
fi
grep -q '^asynclab serve: stopped: .* 3 pages served' "$T/main.err" \
	&& ok "summary on stderr: $(cat "$T/main.err")" \
	|| ko "summary on stderr: $(cat "$T/main.err")"

# The port is free again: a new server takes it.
if start again --port "$PORT" && [ "$SPORT" = "$PORT" ]; then
	ok "port $PORT free after shutdown"
	stop "$SPID"
	[ "$RC" -eq 0 ] || ko "second server: exit $RC"
else
	ko "port $PORT not free after shutdown: $(cat "$T/again.err")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
