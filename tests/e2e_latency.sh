#!/bin/sh
# Per-page latency as a user sees it: `run --latency` adds the percentile
# table, the JSON always has each model's "latency", and the seed
# scenario's figures are in order.
A=${ASYNCLAB:-./asynclab}
# how many models the registry has (core/al_models.def): `help run` lists them
nmodels=$("$A" help run | awk '/^models /{m=1; next} m && /^  [a-z]/{n++} m && /^$/{exit} END{print n+0}')
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

"$A" run --latency >"$d/out" || fail=1
grep -q '^  latency per page (ok pages' "$d/out" || { echo "FAIL --latency: no table"; fail=1; }
n=$(grep -cE '^  [a-z]+ +connect +10 ' "$d/out")
[ "$n" = "$nmodels" ] || { echo "FAIL --latency: $n models with 10 pages' connect, not $nmodels"; fail=1; }
[ "$(grep -cE '^ +(ttfb|total) ' "$d/out")" = $((2 * nmodels)) ] || { echo "FAIL --latency: ttfb/total rows"; fail=1; }
"$A" run >"$d/plain" || fail=1
grep -q 'latency per page' "$d/plain" && { echo "FAIL: the table without --latency"; fail=1; }

"$A" run --json >"$d/json" || fail=1
[ "$(grep -c '"latency": {' "$d/json")" = "$nmodels" ] || { echo "FAIL --json: $nmodels latency objects"; fail=1; }
# sync alone on the seed's network: each page connects in at least the
# round trip, its first byte comes at least a round trip and the think
# time after that, and it ends no sooner (exact figures: test_latency.c)
"$A" run --json --models sync >"$d/z" || fail=1
v() { awk -v k="$1" -v f="$2" '$0 ~ "\"" k "\": \\{" { on = 1 } on && $0 ~ "\"" f "\"" { gsub(/[^0-9]/, ""); print; exit }' "$d/z"; }
c=$(v connect p50_ns) t=$(v ttfb p50_ns) e=$(v total p50_ns)
if [ -z "$c" ] || [ "$c" -lt 150000000 ] || [ "$t" -lt $((c + 170000000)) ] || [ "$e" -lt "$t" ]; then
	echo "FAIL sync: connect $c, ttfb $t, total $e (ns)"
	fail=1
fi

[ $fail -eq 0 ] && echo "e2e_latency: ok"
exit $fail
