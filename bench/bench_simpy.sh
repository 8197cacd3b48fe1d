#!/bin/sh
# asynclab against SimPy 3 (Debian's python3-simpy3, scripts/deps.sh) on
# the same crawl: bench/simpy/bench.py says which.  Figures, not
# assertions.  BENCH_SIMPY_PAGES and BENCH_SIMPY_SIZES (comma-separated)
# override the page counts and sizes, for a quick look.
A=${ASYNCLAB:-./asynclab}
PY=/usr/bin/python3
if ! "$PY" -c 'import simpy' 2>/dev/null; then
	echo "bench_simpy: skipped: no SimPy for $PY (scripts/deps.sh installs python3-simpy3)"
	exit 0
fi
exec "$PY" bench/simpy/bench.py "$A" "${BENCH_SIMPY_PAGES:-10000,100000,1000000}" \
	"${BENCH_SIMPY_SIZES:-1024,20000,1048576}"
