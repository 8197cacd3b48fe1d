#!/bin/sh
# `asynclab compare A B`: a result against itself is no difference; the
# seed scenario at a third of its RTT differs by what the two JSONs'
# elapsed_ns say, whichever kind of file (JSON, run file) each side is;
# what is neither is bad input, one line, exit 2.
A=${ASYNCLAB:-./asynclab}
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ko() { echo "FAIL $*"; fail=1; }

"$A" run scenarios/seed.yaml --models sync,asyncio --json="$d/a.json" 2>/dev/null >&2 || ko "run a"
"$A" run scenarios/seed.yaml --models sync,asyncio --set network.rtt=50ms \
	--json="$d/b.json" --save "$d/b.alrun" 2>/dev/null >&2 || ko "run b"

"$A" compare "$d/a.json" "$d/a.json" >"$d/same" || ko "compare a a"
[ "$(grep -c '^  *\(sync\|asyncio\)  *+0.0 %  *+0.0 %' "$d/same")" = 2 ] ||
	ko "a against itself: $(cat "$d/same")"

# sync's elapsed: the first elapsed_ns of each JSON
ea=$(grep -m1 '"elapsed_ns"' "$d/a.json" | tr -dc 0-9)
eb=$(grep -m1 '"elapsed_ns"' "$d/b.json" | tr -dc 0-9)
want=$(awk -v a="$ea" -v b="$eb" 'BEGIN { printf "%+.1f %%", (b - a) * 100 / a }')
for b in b.json b.alrun; do
	"$A" compare "$d/a.json" "$d/$b" >"$d/out" || ko "compare a $b"
	grep -q "^  sync  *$want " "$d/out" || ko "$b: sync's elapsed is not $want: $(cat "$d/out")"
done

for bad in scenarios/seed.yaml /nonexistent "$d"; do
	"$A" compare "$d/a.json" "$bad" >"$d/o" 2>"$d/err"
	[ $? -eq 2 ] && [ ! -s "$d/o" ] && [ "$(wc -l <"$d/err")" = 1 ] ||
		ko "compare a $bad: not one line and exit 2: $(cat "$d/err")"
done

[ $fail -eq 0 ] && echo "e2e_compare: ok"
exit $fail
