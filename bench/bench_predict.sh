#!/bin/sh
# How well the simulator predicts this machine: `run --net both` on the
# seed scenario, on slow-server (heavy-tailed think times, a server that
# serves 20 at once) and on a small lossy path (bench/lossy-small.yaml: the
# link loses the segments the simulator does), every model.  Prints the comparison tables and the
# largest elapsed-time error.  Figures, not assertions.  The sim half uses
# this host's profile: run `asynclab calibrate` first for a calibrated one.
A=${ASYNCLAB:-./asynclab}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for s in scenarios/seed.yaml scenarios/slow-server.yaml bench/lossy-small.yaml; do
	"$A" run --net both "$s"
	"$A" run --net both --json "$s" >"$out" 2>/dev/null
	# elapsed_ns come in model order, the sim's list then the real one's
	awk -v s="$s" '
		/"sim":/ { side = "sim" }
		/"real":/ { side = "real" }
		/"model":/ { m = $2; gsub(/[",]/, "", m) }
		/"elapsed_ns":/ { v = $2; gsub(/,/, "", v); t[side, m] = v; names[m] = 1 }
		END {
			worst = 0
			for (m in names) {
				if (t["real", m] <= 0) continue
				e = (t["sim", m] - t["real", m]) / t["real", m] * 100
				if (e < 0) e = -e
				if (e > worst) { worst = e; wm = m }
			}
			printf "  %s: largest elapsed error %.1f %% (%s); target <= 15 %%\n\n", s, worst, wm
		}' "$out"
done
