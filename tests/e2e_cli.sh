#!/bin/sh
# End-to-end checks of the asynclab command: help, version, errors and their
# exit statuses, scenario checking, deterministic JSON, the time view, and
# the features this version refuses rather than pretends.
# Run from the repository root: ASYNCLAB=./asynclab sh tests/e2e_cli.sh
set -u

A=${ASYNCLAB:-./asynclab}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; [ -s "$T/err" ] && sed 's/^/     stderr: /' "$T/err" | head -5; }

# expect NAME STATUS PATTERN -- ARGS...: runs asynclab ARGS, wants exit status
# STATUS and, unless PATTERN is empty, PATTERN (grep -E) in stdout + stderr.
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	"$A" "$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		ko "$name (exit $got, wanted $want)"
	elif [ -n "$pat" ] && ! cat "$T/out" "$T/err" | grep -Eq -- "$pat"; then
		ko "$name (no /$pat/ in the output)"
	else
		ok "$name"
	fi
}

expect "--help" 0 "usage: asynclab COMMAND" -- --help
expect "-h" 0 "usage: asynclab COMMAND" -- -h
expect "--version" 0 "^asynclab 0\.1\.0$" -- --version
expect "help run" 0 "usage: asynclab run" -- help run
for c in run check view serve calibrate timeview; do
	expect "$c --help" 0 "usage: asynclab $c" -- "$c" --help
done
expect "no command" 2 "usage: asynclab" --
expect "unknown command" 2 "unknown command 'frobnicate'" -- frobnicate
expect "unknown command: hint" 2 "try 'asynclab --help'" -- frobnicate
expect "unknown command: suggestion" 2 "did you mean 'run'" -- rnu
expect "unknown option" 2 "unknown option '--frobnicate'" -- --frobnicate
expect "unknown run option" 2 "unknown option '--bogus'" -- run --bogus
expect "missing value" 2 "needs a value" -- run --seed
expect "bad seed" 2 "--seed" -- run --seed -1
expect "bad --net" 2 "--net" -- run --net carrier-pigeon
expect "bad --size" 2 "--size" -- run --size 800
expect "run --models bogus" 2 "unknown model 'bogus'" -- run --models bogus
expect "run --models typo" 2 "did you mean 'asyncio'" -- run --models asynco

# One line per failure, no stack of messages.
"$A" run --bogus >"$T/out" 2>"$T/err"
if [ "$(wc -l <"$T/err")" -eq 2 ] && [ ! -s "$T/out" ]; then
	ok "error: one message line and one hint on stderr"
else
	ko "error: one message line and one hint on stderr"
fi

expect "check seed.yaml" 0 "" -- check scenarios/seed.yaml
expect "check a missing file" 2 "^$T/nope\.yaml:1:1: " -- check "$T/nope.yaml"
expect "check without SCENARIO" 2 "missing SCENARIO" -- check

# run: the table, and JSON that is byte-identical run after run.
expect "run" 0 "CPU time view: at" -- run
"$A" run --json >"$T/a.json" 2>/dev/null
s1=$?
"$A" run --json >"$T/b.json" 2>/dev/null
s2=$?
if [ "$s1" -le 1 ] && [ "$s1" -eq "$s2" ] && [ -s "$T/a.json" ] &&
   cmp -s "$T/a.json" "$T/b.json"; then
	ok "run --json twice: byte-identical"
else
	ko "run --json twice: byte-identical (exit $s1, $s2)"
fi
if grep -q '"trace_hash": "[0-9a-f]\{16\}"' "$T/a.json" &&
   grep -q '"models": \[' "$T/a.json"; then
	ok "run --json: trace_hash and models"
else
	ko "run --json: trace_hash and models"
fi
"$A" run --json --seed 7 >"$T/c.json" 2>/dev/null
if grep -q '"seed": 7,' "$T/c.json" && grep -q '"seed_str": "7",' "$T/c.json"; then
	ok "run --seed overrides the seed"
else
	ko "run --seed overrides the seed"
fi
if command -v python3 >/dev/null 2>&1; then
	if python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/a.json" 2>/dev/null; then
		ok "run --json: valid JSON"
	else
		ko "run --json: valid JSON"
	fi
else
	echo "skip run --json: valid JSON (no python3 to parse it; scripts/deps.sh installs it)"
fi

# a machine too small for the crawler itself is refused at check; a thread
# pool short of threads says it ran with fewer
printf 'machine: {memory: 1 MiB}\n' >"$T/tiny.yaml"
expect "machine.memory below the crawler's own process" 2 \
	"machine.memory: 1 MiB cannot hold the crawler's own process" -- check "$T/tiny.yaml"
printf 'machine: {address_space: 48 MiB}\nmodels: [{name: thread, workers: 10}]\n' >"$T/short.yaml"
expect "a thread pool short of threads says so" 0 \
	"thread: note: 5 of its 10 workers started \(Resource temporarily unavailable\): it ran with 5" \
	-- run "$T/short.yaml"

# a file that says it is empty (size 0) but is not, as /proc's are: read
expect "view /proc/self/status: read, not called empty" 2 \
	"^/proc/self/status:1:1: unknown key 'Name'" -- view /proc/self/status --png "$T/x.png"

# --target: bad URLs are bad input; a server that is not there fails every
# page, each with its cause
expect "run --target https" 2 "https is not supported" -- run --target https://127.0.0.1/
printf 'workload: {pages: 2, timeout: 0 s}\n' >"$T/t0.yaml"
expect "run --target with no page timeout" 2 "never closes would hold the run forever" \
	-- run "$T/t0.yaml" --target http://127.0.0.1:9/
expect "run --target with a path" 2 "give the server's root" -- run --target http://127.0.0.1:8080/x
expect "run --target bad port" 2 "port 70000 is not in 1-65535" -- run --target http://127.0.0.1:70000/
expect "run --target unresolvable" 2 "cannot resolve" -- run --target http://no-such-host.invalid/
expect "run --target --net sim" 2 "needs --net real" -- run --net sim --target http://127.0.0.1/
expect "run --target nobody listening" 1 "10 refused" -- run --models sync,asyncio --target http://127.0.0.1:1/

# how many models the registry has (core/al_models.def): `help run` lists them
nmodels=$("$A" help run | awk '/^models /{m=1; next} m && /^  [a-z]/{n++} m && /^$/{exit} END{print n+0}')
# the simulator's horizon: pages of centuries fail, nothing overflows; they
# fail as other, with a note, not as a timeout none was set for, and the
# models' parked tasks are freed (the sanitizers' build checks it)
"$A" run tests/scenarios/horizon.yaml --json >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(grep -c 'reached its horizon, .* 2 pages unfinished' "$T/err")" = "$nmodels" ] &&
   [ "$(grep -c '"other": 2' "$T/out")" = "$nmodels" ] && ! grep -q '"timeout": [1-9]' "$T/out"; then
	ok "run: pages past the horizon fail as other, a note each, exit 1"
else
	ko "run: pages past the horizon fail as other, a note each, exit 1 (exit $rc)"
fi

# timeview: the article's section 2.1
expect "timeview" 0 "years" -- timeview
expect "timeview: 1 s at 2.6 GHz" 0 "82\.4 years" -- timeview
expect "timeview --ghz 1" 0 "1 GHz" -- timeview --ghz 1
expect "timeview --ghz 0" 2 "--ghz" -- timeview --ghz 0
expect "timeview --ghz 101" 2 "--ghz" -- timeview --ghz 101

# The window needs a display: without one, a clear message (tests/e2e_view.sh
# drives the window itself under Xvfb)
DISPLAY= WAYLAND_DISPLAY= expect "view with no display" 1 "no display" -- view scenarios/seed.yaml

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
