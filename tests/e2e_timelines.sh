#!/bin/sh
# Timelines from the command line: --trace writes Chrome Trace Event JSON
# that tests/check_perfetto.py accepts (sim and real runs); --save writes a
# run that `view` reopens and exports to the very same JSON and PNG; --png
# draws a PNG of the asked size; damaged, empty, foreign files are refused
# with a message and exit 2.
A=${ASYNCLAB:-./asynclab}
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
png_size() { # the width and height in a PNG's IHDR
	od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}

# --- the simulator: every model, trace, save and PNG in one run
"$A" run --trace "$T/sim.json" --save "$T/sim.alrun" --png "$T/sim.png" >/dev/null 2>"$T/err"
check "run --trace --save --png exits 0" $?
python3 "$here/check_perfetto.py" "$T/sim.json" >"$T/chk" 2>&1
check "the sim's --trace file is valid Chrome Trace Event JSON ($(cat "$T/chk"))" $?
[ "$(png_size "$T/sim.png")" = 1600x1200 ]; check "--png draws 1600x1200 by default" $?
"$A" run --models thread --trace "$T/gil.json" scenarios/gil-cpu.yaml >/dev/null 2>&1 &&
	python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
c = {}
for e in ev:
    if e["ph"] == "C":
        c[e["name"]] = max(c.get(e["name"], 0), *e["args"].values())
sys.exit(not (c.get("runnable", 0) > 0 and c.get("sockets", 0) == 4 and c.get("memory", 0) > 0))
' "$T/gil.json"
check "counters: runnable threads (the GIL queues them), open sockets, memory" $?
"$A" run --models sync,asyncio --png "$T/small.png" --size 900x500 >/dev/null 2>&1
[ "$(png_size "$T/small.png")" = 900x500 ]; check "--size 900x500" $?
"$A" run --png "$T/bad.png" --size 10x10 >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "640x400" "$T/err" && [ ! -e "$T/bad.png" ]
check "a size below 640x400 is refused before anything runs" $?

# --- round trip: the saved run, reopened, exports the same bytes
"$A" view "$T/sim.alrun" --trace "$T/again.json" --png "$T/again.png" >/dev/null 2>&1
check "view FILE --trace --png exits 0" $?
cmp -s "$T/sim.json" "$T/again.json"; check "view FILE exports the very JSON run --trace wrote" $?
cmp -s "$T/sim.png" "$T/again.png"; check "view FILE draws the very PNG run --png drew" $?
"$A" view "$T/sim.alrun" --models asyncio --trace "$T/one.json" >/dev/null 2>&1 &&
	grep -q '"sim · asyncio"' "$T/one.json" && ! grep -q '"sim · sync"' "$T/one.json"
check "view FILE --models keeps only the models named" $?
"$A" view scenarios/seed.yaml --models sync --trace "$T/scn.json" >/dev/null 2>&1 &&
	python3 "$here/check_perfetto.py" "$T/scn.json" >/dev/null
check "view SCENARIO simulates it first" $?

# --- a real run's trace, and sim next to real in one file
"$A" run --net both --models sync,thread,asyncio --trace "$T/both.json" --save "$T/both.alrun" \
	>/dev/null 2>&1
check "run --net both --trace --save exits 0" $?
python3 "$here/check_perfetto.py" "$T/both.json" >/dev/null 2>&1 &&
	grep -q '"real · thread"' "$T/both.json" && grep -q '"sim · thread"' "$T/both.json"
check "the sim and the real run in one valid trace" $?
"$A" view "$T/both.alrun" --trace "$T/both2.json" >/dev/null 2>&1 && cmp -s "$T/both.json" "$T/both2.json"
check "a saved sim + real run reopens whole" $?

# --- failed pages are marked where they failed, on both backends alike
"$A" run --net both --models thread,asyncio --trace "$T/faults.json" scenarios/faulty-server.yaml \
	>/dev/null 2>&1
python3 -c '
import json, sys, collections
ev = json.load(open(sys.argv[1]))["traceEvents"]
name = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
marks = collections.Counter((name[e["pid"]], e["name"]) for e in ev if e["ph"] == "i")
for m in ("thread", "asyncio"):
    for backend in ("sim", "real"):
        got = {c: marks[(backend + " · " + m, c)] for c in ("reset", "timeout", "corrupt")}
        if got != {"reset": 9, "timeout": 4, "corrupt": 16}:
            sys.exit("%s %s: %s" % (backend, m, got))
' "$T/faults.json" 2>"$T/err"
r=$?; [ $r -eq 0 ] || cat "$T/err"
check "failed pages marked on their lanes, the same on sim and real" $r

# --- bad files: a message, exit 2, never a crash
size=$(wc -c <"$T/sim.alrun")
head -c $((size / 2)) "$T/sim.alrun" >"$T/cut.alrun"
"$A" view "$T/cut.alrun" --trace "$T/x.json" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "truncated" "$T/err"; check "a truncated run file: 'truncated', exit 2" $?
cp "$T/sim.alrun" "$T/flip.alrun"
printf 'X' | dd of="$T/flip.alrun" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$A" view "$T/flip.alrun" --trace "$T/x.json" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "corrupt" "$T/err"; check "a corrupt run file: 'corrupt', exit 2" $?
: >"$T/empty.alrun"
"$A" view "$T/empty.alrun" --trace "$T/x.json" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "empty" "$T/err"; check "an empty file: 'empty', exit 2" $?
cp "$T/sim.png" "$T/foreign.alrun"
"$A" view "$T/foreign.alrun" --trace "$T/x.json" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "not an asynclab run file" "$T/err"; check "a foreign file: 'not an asynclab run file', exit 2" $?
head -c 5 "$T/sim.alrun" >"$T/cut5.run"
"$A" view "$T/cut5.run" --trace "$T/x.json" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "truncated" "$T/err"; check "a file cut inside the magic: 'truncated', exit 2" $?
[ ! -e "$T/x.json" ]; check "a refused file writes nothing" $?

# --- where outputs go: checked before the run, never over a device
mkfifo "$T/fifo"
"$A" run --models sync --png "$T/fifo" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && [ -p "$T/fifo" ] && grep -q "a FIFO, not a file to write" "$T/err" && [ ! -s "$T/out" ]
check "--png onto a FIFO: refused before the run, the FIFO left alone, exit 2" $?
"$A" run --models sync --trace "$T/no/such/dir/x.json" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "cannot create: No such file or directory" "$T/err" && [ ! -s "$T/out" ]
check "--trace into a missing directory: refused before the run, exit 2" $?
cp "$T/sim.png" "$T/target.png" && ln -s target.png "$T/link.png"
"$A" run --models sync --png "$T/link.png" >/dev/null 2>&1
[ -L "$T/link.png" ] && ! cmp -s "$T/sim.png" "$T/target.png"
check "--png through a symbolic link: the link stays, the file it names is written" $?
mkdir "$T/sticky" && chmod 1777 "$T/sticky" && cp "$T/sim.png" "$T/victim.png" &&
	ln -s ../victim.png "$T/sticky/l.png"
"$A" run --models sync --png "$T/sticky/l.png" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "sticky world-writable directory" "$T/err" && [ -L "$T/sticky/l.png" ] &&
	cmp -s "$T/sim.png" "$T/victim.png"
check "--png through a link in a sticky world-writable directory: refused, exit 2" $?
cp "$T/sim.png" "$T/ro.png" && chmod 0444 "$T/ro.png"
"$A" run --models sync --save "$T/ro-ok.alrun" --png "$T/ro.png" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "read-only (mode 0444)" "$T/err" && cmp -s "$T/sim.png" "$T/ro.png" &&
	[ ! -e "$T/ro-ok.alrun" ]
check "--png onto a read-only file: refused, nothing written, exit 2" $?
cp "$T/sim.png" "$T/m600.png" && chmod 0600 "$T/m600.png"
"$A" run --models sync --png "$T/m600.png" >/dev/null 2>&1
[ "$(stat -c %a "$T/m600.png")" = 600 ] && ! cmp -s "$T/sim.png" "$T/m600.png"
check "--png over a file: written, its mode kept" $?
"$A" run --models sync --save "$T/same" --trace "$T/./same" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "both write" "$T/err" && [ ! -e "$T/same" ]
check "two outputs to one file: refused, exit 2" $?
cp "$T/sim.alrun" "$T/keep.alrun"
"$A" view "$T/keep.alrun" --png "$T/keep.alrun" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "the file being viewed" "$T/err" && cmp -s "$T/sim.alrun" "$T/keep.alrun"
check "view FILE --png FILE: refused, the run file kept" $?

"$A" view "$T/fifo" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "not a regular file" "$T/err"; check "view FIFO: 'not a regular file', exit 2" $?

"$A" run --models sync --size 800x600 >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "give --png FILE or --view" "$T/err" && [ ! -s "$T/out" ]
check "--size with nothing to size: refused, exit 2" $?

# --- what a saved run cannot do
"$A" view "$T/sim.alrun" --seed 5 --png "$T/x.png" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "keeps the seed" "$T/err" && [ ! -e "$T/x.png" ]
check "view FILE --seed: refused (a saved run keeps its seed), exit 2" $?
"$A" run --models sync --save "$T/sync.alrun" >/dev/null 2>&1
"$A" view "$T/sync.alrun" --models asyncio --png "$T/x.png" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "none of the models asked; it has: sync" "$T/err" && [ ! -e "$T/x.png" ]
check "view FILE --models with none of its models: refused, exit 2" $?
env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$A" run --view --models thread scenarios/c10k.yaml \
	>"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "no display" "$T/err" && [ ! -s "$T/out" ]
check "run --view with no display: refused before it runs, exit 2" $?

echo "timelines: $pass passed, $fail failed"
[ $fail -eq 0 ]
