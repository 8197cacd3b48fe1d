#!/bin/sh
# The fidelity matrix: `run --net both` on every shipped scenario that can
# run for real here (not c10m: ten million sockets) and on the kernel-TCP
# scenario bench/lossy-20k.yaml; per model the simulated and measured
# elapsed, CPU busy and context switches with the error in %, the measure
# being the median of FIDELITY_RUNS real runs (3).  Figures, not
# assertions.  The sim half uses this host's profile: `asynclab calibrate`
# first for a calibrated one.  FIDELITY_SCENARIOS overrides the list;
# FIDELITY_MD=FILE also writes the matrix as Markdown (docs/real.md keeps it).
A=${ASYNCLAB:-./asynclab}
if ! command -v python3 >/dev/null 2>&1; then
	echo "bench_fidelity: skipped: no python3" >&2
	exit 0
fi
list=${FIDELITY_SCENARIOS:-$(ls scenarios/*.yaml | grep -v c10m) bench/lossy-20k.yaml}
# shellcheck disable=SC2086
ASYNCLAB="$A" python3 bench/fidelity.py --runs "${FIDELITY_RUNS:-3}" \
	${FIDELITY_MD:+--md "$FIDELITY_MD"} $list
