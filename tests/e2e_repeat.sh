#!/bin/sh
# Repetitions as a user runs them: `run --seeds A..B` summarises one
# simulated run per seed (its mean is the mean of the runs one by one, and
# it prints the same bytes twice), `--runs N --warmup K` real runs, and the
# options that do not go together are refused with exit 2.
A=${ASYNCLAB:-./asynclab}
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ko() { echo "FAIL $*"; fail=1; }

jit='network.jitter={dist: exponential, mean: 10ms}'
"$A" run --seeds 1..4 --models sync --set "$jit" --json >"$d/a" || ko "--seeds exits 0"
"$A" run --seeds 1..4 --models sync --set "$jit" --json >"$d/b" || ko "--seeds again"
cmp -s "$d/a" "$d/b" || ko "--seeds: two summaries differ"
grep -q '"runs": 4,' "$d/a" || ko "--seeds 1..4: 4 runs"
for s in 1 2 3 4; do
	"$A" run --seed $s --models sync --set "$jit" --json |
		sed -n 's/.*"elapsed_ns": \([0-9]*\).*/\1/p'
done >"$d/each"
want=$(awk '{ s += $1 } END { printf "%.1f", s / NR }' "$d/each")
got=$(awk '/"elapsed_ns": \{/ { on = 1 } on && /"mean"/ { gsub(/[^0-9.]/, ""); print; exit }' "$d/a")
[ "$want" = "$got" ] || ko "--seeds: elapsed mean $got, the runs one by one give $want"
min=$(sort -n "$d/each" | head -1)
grep -q "\"min\": $min," "$d/a" || ko "--seeds: elapsed min $min"
sd=$(awk '/"elapsed_ns": \{/ { on = 1 } on && /"sd"/ { gsub(/[^0-9.]/, ""); print; exit }' "$d/a")
[ "$sd" != "0.0" ] || ko "--seeds under jitter: sd 0"
"$A" run --seeds 1..2 --models sync,asyncio >"$d/t" || ko "--seeds table exits 0"
grep -q '^  asyncio, 2 runs' "$d/t" || ko "--seeds: asyncio's table"

for bad in "--runs 3" "--warmup 1" "--seeds 1..3 --net real" "--seeds 1..3 --runs 2" \
	"--seeds 1..17 --png $d/x.png" "--seeds 1..2 --no-trace --png $d/x.png" "--seeds 3..1"; do
	"$A" run $bad >/dev/null 2>"$d/err"
	[ $? -eq 2 ] && [ "$(wc -l <"$d/err")" -le 2 ] || ko "run $bad: not refused in one line, exit 2"
done

# --png, --save (and --trace, --view) keep every run: one picture, a band
# a run, and a file of the runs that view reopens
"$A" run --seeds 1..3 --models sync,asyncio --png "$d/s.png" --save "$d/s.alrun" >"$d/t" \
	2>"$d/err" && grep -q '^  asyncio, 3 runs' "$d/t" && [ -s "$d/s.png" ] ||
	ko "--seeds 1..3 --png --save: $(cat "$d/err")"
"$A" view "$d/s.alrun" --trace "$d/s.json" >/dev/null 2>&1 &&
	[ "$(grep -o '"name":"s.alrun, run [123] · [a-z]*"' "$d/s.json" | sort -u | wc -l)" = 6 ] ||
	ko "--seeds 1..3 --save: view finds 3 runs of 2 models"

# real: one warm-up run discarded, two kept
"$A" run --net real --runs 2 --warmup 1 --models asyncio --set workload.pages=3 --json \
	>"$d/r" 2>"$d/err" || ko "--runs 2 --warmup 1 (real): $(cat "$d/err")"
grep -q '"runs": 2,' "$d/r" && grep -q '"warmup": 1,' "$d/r" || ko "--runs 2 --warmup 1: the JSON"

# Ctrl-C: the summary of the runs that finished, said on stderr, exit
# 130 (200 runs of c10k's thread pool, ~0.2 s each, cannot be over at 1 s)
"$A" run scenarios/c10k.yaml --models thread --seeds 1..200 >"$d/int" 2>"$d/int.err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || ko "Ctrl-C: exit $rc, not 130"
n=$(sed -n 's/^asynclab: run: interrupted: \([0-9]*\) of 200 runs finished.*/\1/p' "$d/int.err")
[ -n "$n" ] && [ "$n" -lt 200 ] && { [ "$n" = 0 ] || grep -q "thread, $n runs" "$d/int"; } ||
	ko "Ctrl-C: not said, or not the summary of the $n runs: $(cat "$d/int.err")"

[ $fail -eq 0 ] && echo "e2e_repeat: ok"
exit $fail
