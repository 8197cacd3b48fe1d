#!/bin/sh
# End-to-end checks of `asynclab calibrate --python`: with python3 it
# writes a profile with every python figure marked measured, that `check`
# accepts and a run loads (the GIL on, as CPython's); without a python3
# (ASYNCLAB_PYTHON naming none, or a program that is not one) it says so in
# one line, exits 1 and writes nothing.  No timing targets: the figures
# are this machine's CPython's, whatever they are.  Bounded: the probes
# take ~5-30 s depending on the machine's load; a probe stops at 2 min.
# Run from the repository root: ASYNCLAB=./asynclab sh tests/e2e_calibrate_py.sh
set -u

A=${ASYNCLAB:-./asynclab}
# how many models the registry has (core/al_models.def): `help run` lists them
nmodels=$("$A" help run | awk '/^models /{m=1; next} m && /^  [a-z]/{n++} m && /^$/{exit} END{print n+0}')
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; [ -s "$T/err" ] && sed 's/^/     stderr: /' "$T/err" | head -5; }

export HOME="$T/home"
unset XDG_CONFIG_HOME ASYNCLAB_PROFILE

# without a python3: one line, exit 1, no file
ASYNCLAB_PYTHON="$T/no-python" "$A" calibrate --python --out "$T/none.yaml" >"$T/out" 2>"$T/err"
if [ $? -eq 1 ] && [ ! -e "$T/none.yaml" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
   grep -q "cannot run '$T/no-python'" "$T/err"; then
	ok "no python3: one line, exit 1, nothing written"
else
	ko "no python3: one line, exit 1, nothing written"
fi
ASYNCLAB_PYTHON=false "$A" calibrate --python --out "$T/none.yaml" >"$T/out" 2>"$T/err"
if [ $? -eq 1 ] && [ ! -e "$T/none.yaml" ] && grep -q "failed (exit status 1)" "$T/err"; then
	ok "a python3 that fails: exit 1, nothing written"
else
	ko "a python3 that fails: exit 1, nothing written"
fi

PY=${ASYNCLAB_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "skip calibrate --python with a real python3: none here (scripts/deps.sh installs Debian's)"
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit
fi

# one repetition a figure: these checks are of the file, not of the figures' spread
ASYNCLAB_PYTHON=$PY timeout 300 "$A" calibrate --python --reps 1 --out "$T/py.yaml" >"$T/out" 2>"$T/err"
if [ $? -eq 0 ] && [ -s "$T/py.yaml" ] && grep -q "wrote $T/py.yaml" "$T/out"; then
	ok "calibrate --python --out writes the profile"
else
	ko "calibrate --python --out writes the profile"
fi
for k in syscall thread_create process_create pool_startup thread_pool_startup thread_memory \
	 process_memory coroutine_resume callback select gil_interval parse_per_kib; do
	grep -q "^  $k: [0-9].*# measured$" "$T/py.yaml" || ko "the profile's $k is not measured"
	grep -Eq "^  $k  +[0-9]" "$T/out" || ko "the table has no row for $k"
done
grep -q '^  thread_switch: .*# python default$' "$T/py.yaml" &&
	ok "unmeasured figures are marked python default" ||
	ko "unmeasured figures are marked python default"

# a scenario naming it checks and runs, with the GIL on
printf 'name: p\nmachine: {profile: py.yaml}\nnetwork: {rtt: 1 ms}\nserver: {think: 1 ms}\nworkload: {pages: 4}\nmodels: all\n' >"$T/s.yaml"
if "$A" check "$T/s.yaml" >"$T/out" 2>"$T/err" && grep -q "profile file py.yaml" "$T/out" &&
   grep -q "thread (10 workers, gil)" "$T/out"; then
	ok "check accepts it, and the GIL is on"
else
	ko "check accepts it, and the GIL is on"
fi
if "$A" run --json "$T/s.yaml" >"$T/out" 2>"$T/err" &&
   [ "$(grep -c '"pages_ok": 4' "$T/out")" -eq "$nmodels" ]; then
	ok "a run loads it: every model, every page"
else
	ko "a run loads it: every model, every page"
fi
# the pool's CPU, its parent's and its workers' (which the pool reaped),
# is in the head: a worker's share of it is at least a millisecond (a
# fork's copy-on-write faults, its page) where a probe that lost its
# workers' rusage would say 0
wc=$(tr '\n' ' ' <"$T/py.yaml" | sed -n "s/.*the 10 workers' \([0-9]*\)\.[0-9] ms.*/\1/p")
if [ -n "$wc" ] && [ "$wc" -ge 10 ]; then
	ok "the head has the pool's CPU, its workers' included"
else
	ko "the head has the pool's CPU, its workers' included (workers: '$wc' ms)"
fi
# the pool's cost is the measured one: process is slower than thread by
# about pool_startup + 4 process_create (the pool of 10 is capped at the 4
# pages; at least their sum's half)
pc=$(sed -n 's/^  process_create: \([0-9]*\) ns.*/\1/p' "$T/py.yaml")
ps=$(sed -n 's/^  pool_startup: \([0-9]*\) ns.*/\1/p' "$T/py.yaml")
ep=$(tr -d ' \n' <"$T/out" | grep -o '"model":"process","elapsed_ns":[0-9]*' | grep -o '[0-9]*$')
et=$(tr -d ' \n' <"$T/out" | grep -o '"model":"thread","elapsed_ns":[0-9]*' | grep -o '[0-9]*$')
if [ -n "$pc" ] && [ -n "$ps" ] && [ -n "$ep" ] && [ -n "$et" ] &&
   [ $((ep - et)) -ge $(((ps + 4 * pc) / 2)) ]; then
	ok "the process model pays the measured pool"
else
	ko "the process model pays the measured pool (process $ep, thread $et, startup $ps, create $pc)"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
