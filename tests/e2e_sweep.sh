#!/bin/sh
# `asynclab sweep` as the issue asks: seed.yaml at 10, 100 and 1000 pages
# under sync and asyncio is 6 rows; a CSV column per varied key, then
# model, seed and the JSON's figures; -j 2 prints what -j 1 prints; a bad
# list or value is refused with exit 2 before anything runs.
A=${ASYNCLAB:-./asynclab}
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ko() { echo "FAIL $*"; fail=1; }

"$A" sweep scenarios/seed.yaml --vary workload.pages=10,100,1000 --models sync,asyncio \
	--csv "$d/s.csv" >"$d/table" 2>/dev/null || ko "sweep exits 0"
[ "$(wc -l <"$d/s.csv")" = 7 ] || ko "6 rows and a header, not $(wc -l <"$d/s.csv")"
head -1 "$d/s.csv" | grep -q '^workload.pages,model,seed,elapsed_ns,speedup,' || ko "the CSV header"
[ "$(grep -c '^  *1000  *asyncio ' "$d/table")" = 1 ] || ko "the table's 1000-page asyncio row"
# each row is what run says at that point
e=$("$A" run scenarios/seed.yaml --models asyncio --set workload.pages=100 --csv - |
	awk -F, 'NR == 2 { print $5 }')
grep -q "^100,asyncio,42,$e," "$d/s.csv" || ko "the 100-page asyncio row is not run's ($e)"

# two keys, a range each, seeds, in parallel: the serial output, byte for byte
set -- --vary workload.pages=10..1000*10 --vary network.rtt=0ms..100ms+50ms --seeds 1..2 \
	--models thread,callback --set 'network.jitter={dist: uniform, min: 0ms, max: 10ms}'
"$A" sweep "$@" -j 1 --csv - >"$d/j1" || ko "sweep -j 1"
"$A" sweep "$@" -j 2 --csv - >"$d/j2" || ko "sweep -j 2"
cmp -s "$d/j1" "$d/j2" || ko "-j 2 differs from -j 1"
[ "$(wc -l <"$d/j1")" = 37 ] || ko "3 x 3 points x 2 seeds x 2 models: 36 rows"
"$A" sweep "$@" --json >"$d/json" || ko "sweep --json"
[ "$(grep -c '"values": {' "$d/json")" = 18 ] || ko "--json: 18 points"

# --png: a PNG file, and on stdout instead of the table
"$A" sweep scenarios/seed.yaml --vary workload.pages=10,100 --models sync,asyncio \
	--png "$d/s.png" >/dev/null || ko "sweep --png"
[ "$(head -c 4 "$d/s.png" | od -An -c | tr -d ' ')" = "211PNG" ] || ko "--png: not a PNG"
"$A" sweep scenarios/seed.yaml --vary workload.pages=10 --models sync --png - >"$d/o.png" ||
	ko "sweep --png -"
[ "$(head -c 4 "$d/o.png" | od -An -c | tr -d ' ')" = "211PNG" ] || ko "--png -: not a PNG"

# Ctrl-C (here a SIGINT to the sweep alone: it passes it to its workers):
# what finished is printed, said on stderr, exit 130.  2,000 runs of
# C10K's event loop, ~10 ms each here (3 ms at 2,000 pages, whose 500
# runs once ended before the signal), cannot be over a second in.
"$A" sweep scenarios/c10k.yaml --vary workload.pages=10k --seeds 1..2000 --models asyncio -j 2 \
	>"$d/int" 2>"$d/int.err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || ko "Ctrl-C: exit $rc, not 130"
n=$(grep -c ' asyncio ' "$d/int")
grep -q "^asynclab: sweep: interrupted: $n of 2000 points finished" "$d/int.err" ||
	ko "Ctrl-C: not said, or not the $n rows printed: $(cat "$d/int.err")"
[ "$n" -lt 2000 ] || ko "Ctrl-C: every point ran"

for bad in "--vary workload.pages=10,0" "--vary network.rtt=1ms..5ms*1" \
	"--vary network.rtt=1ms..2s+0ms" "--vary workload.pagez=1,2" "" "--vary a=1 --vary b=2 --vary c=3"; do
	"$A" sweep $bad >"$d/o" 2>"$d/err"
	[ $? -eq 2 ] && [ ! -s "$d/o" ] && [ "$(wc -l <"$d/err")" -le 2 ] ||
		ko "sweep $bad: not refused in one line with exit 2: $(cat "$d/err")"
done

[ $fail -eq 0 ] && echo "e2e_sweep: ok"
exit $fail
