#!/bin/sh
# run --net both: the simulator's prediction next to the real run, on this
# host's profile (here a profile file of the test's own, so nothing in the
# user's home counts), connect as on the path the real run took.
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
here=$(cd "$(dirname "$0")" && pwd)
export ASYNCLAB_PROFILE="$here/scenarios/machine.yaml"

"$A" run --net both --models sync,thread,asyncio --json >"$T/out" 2>"$T/err"
check "run --net both --json exits 0" $?
# {"sim": RUN, "real": RUN}: two runs, their own "net", the same models
[ "$(grep -c '"net": "sim"' "$T/out")" = 1 ] && [ "$(grep -c '"net": "real"' "$T/out")" = 1 ] &&
	[ "$(grep -n '"sim":' "$T/out" | cut -d: -f1)" -lt "$(grep -n '"real":' "$T/out" | cut -d: -f1)" ]
check "the JSON holds a sim run, then a real one" $?
[ "$(grep -c '"pages_ok": 10,' "$T/out")" = 6 ]; check "three models, 10 of 10 pages on each side" $?
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert set(d)=={"sim","real"}; assert [m["model"] for m in d["sim"]["models"]]==[m["model"] for m in d["real"]["models"]]' "$T/out" 2>/dev/null
check "it parses as JSON, the same models in the same order" $?

"$A" run --net both --models sync,asyncio >"$T/out" 2>"$T/err"
check "run --net both exits 0" $?
grep -q "sim against real over " "$T/out" && grep -q "elapsed sim" "$T/out" && grep -Eq "^  sync .*[+-][0-9]+\.[0-9] %" "$T/out"
check "the table shows each model's prediction, measure and error" $?
grep -q "calibrated profile, $ASYNCLAB_PROFILE" "$T/out" &&
	{ { grep -q "real over kernel-tcp" "$T/out" && grep -q "connect as the kernel's" "$T/out"; } ||
	  { grep -q "real over relay" "$T/out" && grep -q "connect at once" "$T/out"; }; }
check "it says which profile the sim used, and how connect is simulated on its path" $?
"$A" run --net both --path relay --models sync,asyncio >"$T/out" 2>"$T/err"
grep -q "real over relay" "$T/out" && grep -q "connect at once" "$T/out"
check "through the relay, the sim's connect is instant, as over loopback" $?

cp "$ASYNCLAB_PROFILE" "$T/other.yaml"
"$A" run --net both --models asyncio --set machine.profile="$T/other.yaml" >"$T/out" 2>&1
grep -q "simulates with this host's profile, not the scenario's $T/other.yaml" "$T/out"
check "a scenario's own profile: the sim's is this host's, said so" $?
"$A" run --net both --models asyncio --set machine.profile="$ASYNCLAB_PROFILE" >"$T/out" 2>&1
! grep -q "not the scenario's" "$T/out"; check "the host's own profile named: no such note" $?

ASYNCLAB_PROFILE="$T/none.yaml" "$A" run --net both --models sync >"$T/out" 2>&1
grep -q "the c profile's defaults" "$T/out"; check "without a calibrated profile: the c defaults, said so" $?
printf 'cores: many\n' >"$T/bad.yaml"
ASYNCLAB_PROFILE="$T/bad.yaml" "$A" run --net both --models sync >"$T/out" 2>&1
[ $? -eq 2 ] && grep -q "bad.yaml:1:8:" "$T/out"; check "a broken host profile is bad input, with its position" $?

echo "both: $pass passed, $fail failed"
[ $fail -eq 0 ]
