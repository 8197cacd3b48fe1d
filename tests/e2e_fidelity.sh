#!/bin/sh
# bench/fidelity.py against a stand-in asynclab (no real run: seconds):
# the real figure is the median of the runs, each row gives the range of
# the real CPU busy and elapsed, the summary counts the pairs whose real
# runs alone spread wider than the 25 % (CPU) and 10 % (elapsed) targets
# and names those off by more than 10 % whose simulated elapsed is inside
# the real range, and a simulated half that differs between runs
# (determinism broken) fails the matrix.
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ko() { echo "FAIL $*"; fail=1; }
command -v python3 >/dev/null || { echo "skip e2e_fidelity: no python3 to run bench/fidelity.py (scripts/deps.sh installs it)"; exit 0; }

# The stand-in answers `run --net both --json`: sync's real CPU is 1, 2 and
# 3 ms on the three calls (±50 % of its median), asyncio's 11.5, 13.0 and
# 10.0 ms (±13 %: wide for elapsed, not for CPU, so the elapsed count
# cannot be the CPU's); sync's real elapsed 0.80, 0.85 and 1.20 s (median
# 0.85: the simulated 1 s is +18 %, inside the range), asyncio's 100 ms
# each time; thread's simulated 150 ms is +50 % off a steady real 100 ms,
# outside its range, so not named; the simulated half is the same every
# time unless $d/drift exists.
cat >"$d/asynclab" <<STUB
#!/bin/sh
n=\$(cat "$d/n" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$d/n"
simcpu=2000000; [ -e "$d/drift" ] && simcpu=\$((simcpu + n))
row() { printf '{"model": "%s", "elapsed_ns": %s, "cpu_busy_ns": %s, "context_switches": 10, "pages_failed": 0}' "\$1" "\$2" "\$3"; }
printf '{"sim": {"models": [%s, %s, %s]}, "real": {"path": "kernel-tcp", "models": [%s, %s, %s]}}\n' \
	"\$(row sync 1000000000 \$simcpu)" "\$(row asyncio 100000000 10000000)" "\$(row thread 150000000 5000000)" \
	"\$(row sync \$(case \$n in 1) echo 800000000;; 2) echo 850000000;; *) echo 1200000000;; esac) \$((n * 1000000)))" "\$(row asyncio 100000000 \$((10000000 + (n % 3) * 1500000)))" \
	"\$(row thread 100000000 5000000)"
STUB
chmod +x "$d/asynclab"

ASYNCLAB="$d/asynclab" python3 bench/fidelity.py --runs 3 --md "$d/m.md" x.yaml >"$d/out" 2>&1 ||
	ko "fidelity exits 0: $(cat "$d/out")"
grep -q '^  sync .* 2.0 ms .* 1.0 ms – 3.0 ms  *800.0 ms – 1.200 s$' "$d/out" || ko "sync: real CPU the median 2.0 ms, range 1.0 – 3.0 ms, elapsed 0.8 – 1.2 s: $(grep sync "$d/out")"
grep -q '^  sync  *1.000 s  *850.0 ms  *+18 %' "$d/out" || ko "sync: real elapsed the median: $(grep sync "$d/out")"
grep -q '^  asyncio .* 10.0 ms – 13.0 ms  *100.0 ms – 100.0 ms$' "$d/out" || ko "asyncio: range 10.0 – 13.0 ms: $(grep asyncio "$d/out")"
grep -q 'CPU busy spread .* wider than ±25 % of the median: 1 of 3 pairs' "$d/out" || ko "one pair of three spreads wider than 25 %"
grep -q 'elapsed spread .* wider than ±10 % of the median: 1 of 3 pairs' "$d/out" || ko "one pair of three spreads wider than 10 % (asyncio's CPU does not count)"
grep -q "^fidelity: elapsed off by more than 10 % but inside the real runs' range: 1 pair (x.yaml sync)$" "$d/out" || ko "sync's simulated elapsed is named: $(cat "$d/out")"
grep -q '^fidelity: load average before the real runs: ' "$d/out" || [ ! -r /proc/loadavg ] || ko "the load average is printed"
grep -q '| CPU real range | elapsed real range |' "$d/m.md" || ko "the Markdown has the range columns"

# the profile's wake-up figures and the share they give a wake-up on the
# emulator's CPU (wake_1ms / wake_remote_1ms), the CPU rows' main lever
printf '# `asynclab calibrate` on 2001-02-03 04:05 UTC (Linux)\ncosts:\n  wake_1ms: 24287 ns                # measured\n  wake_100ms: 100.1 us  # measured\n  wake_remote_1ms: 26 us\n' >"$d/p.yaml"
ASYNCLAB_PROFILE="$d/p.yaml" ASYNCLAB="$d/asynclab" python3 bench/fidelity.py --runs 1 x.yaml >"$d/out" 2>&1
grep -q "^fidelity: profile $d/p.yaml (calibrated 2001-02-03 04:05 UTC, [0-9]* min before the first real run): wake_1ms 24.3 µs, wake_remote_1ms 26.0 µs, wake_100ms 100.1 µs; a wake-up on the emulator's CPU pays 0.93 of it$" "$d/out" ||
	ko "the profile's wake-up figures: $(grep profile "$d/out")"
printf 'costs:\n  wake_1ms: 30 us\n  wake_remote_1ms: 20 us\n' >"$d/p.yaml"
ASYNCLAB_PROFILE="$d/p.yaml" ASYNCLAB="$d/asynclab" python3 bench/fidelity.py --runs 1 x.yaml >"$d/out" 2>&1
grep -q "pays 1.00 of it$" "$d/out" || ko "a remote figure under the local one: the whole charge: $(grep profile "$d/out")"
printf 'costs:\n  wake_1ms: 24us\n  wake_100ms: "100 µs"\n  tun_apart: 10.8 us\n' >"$d/p.yaml"
ASYNCLAB_PROFILE="$d/p.yaml" ASYNCLAB="$d/asynclab" python3 bench/fidelity.py --runs 1 x.yaml >"$d/out" 2>&1
grep -q ": wake_1ms 24.0 µs, wake_100ms 100.0 µs, tun_apart 10.8 µs; a wake-up on the emulator's CPU pays ? of it$" "$d/out" ||
	ko "figures as asynclab reads them (24us, quoted), tun_apart, and no share without the remote figure: $(grep profile "$d/out")"
ASYNCLAB_PROFILE= XDG_CONFIG_HOME=rel HOME="$d" ASYNCLAB="$d/asynclab" python3 bench/fidelity.py --runs 1 x.yaml >"$d/out" 2>&1
grep -q "^fidelity: profile $d/.config/asynclab/machine.yaml" "$d/out" || ko "a relative XDG_CONFIG_HOME is not asynclab's: $(grep profile "$d/out")"
ASYNCLAB_PROFILE="$d/none.yaml" ASYNCLAB="$d/asynclab" python3 bench/fidelity.py --runs 1 x.yaml >"$d/out" 2>&1
grep -q "^fidelity: profile $d/none.yaml: no wake-up figures" "$d/out" || ko "no profile: said: $(grep profile "$d/out")"

# a model whose real half could not run in a run: the others' median, and
# a row left out when it never ran, said, not a stopped matrix
cat >"$d/gone" <<STUB
#!/bin/sh
n=\$(cat "$d/n" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$d/n"
row() { printf '{"model": "%s", "elapsed_ns": %s, "cpu_busy_ns": %s, "context_switches": 10, "pages_failed": 0}' "\$1" "\$2" "\$3"; }
real="\$(row sync 1000000000 \$((n * 1000000)))"; [ \$n -eq 2 ] || real="\$real, \$(row thread 100000000 5000000)"
printf '{"sim": {"models": [%s, %s, %s]}, "real": {"path": "kernel-tcp", "models": [%s]}}\n' \
	"\$(row sync 1000000000 2000000)" "\$(row thread 100000000 5000000)" "\$(row process 100000000 5000000)" "\$real"
STUB
chmod +x "$d/gone"; rm -f "$d/n"
ASYNCLAB="$d/gone" python3 bench/fidelity.py --runs 3 x.yaml >"$d/out" 2>&1 || ko "a model missing from a real run does not stop the matrix: $(cat "$d/out")"
grep -q '^fidelity: x.yaml thread: no real row in 1 of its 3 runs .*; the median of the others$' "$d/out" || ko "thread's missing run said: $(cat "$d/out")"
grep -q '^  thread .* 5.0 ms – 5.0 ms' "$d/out" || ko "thread's row from its two runs: $(grep thread "$d/out")"
grep -q '^fidelity: x.yaml process: no real row in 3 of its 3 runs .*; left out$' "$d/out" || ko "process's absence said: $(cat "$d/out")"
grep -q '^  process ' "$d/out" && ko "process has no row: $(grep process "$d/out")"

rm -f "$d/n"; touch "$d/drift"
ASYNCLAB="$d/asynclab" python3 bench/fidelity.py --runs 2 x.yaml >"$d/out" 2>&1 &&
	ko "a simulated half that differs between runs is refused"
grep -q 'differs between runs' "$d/out" || ko "says why: $(cat "$d/out")"

[ $fail -eq 0 ] && echo "e2e_fidelity: ok"
exit $fail
