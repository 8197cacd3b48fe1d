#!/bin/sh
# How well the python profile predicts CPython: `asynclab calibrate
# --python` measures this machine's CPython, then the article's seven
# crawlers in CPython (bench/python/) crawl `asynclab serve` on loopback
# (bench/python.yaml), each the median of 3 runs, and the simulator runs
# the same scenario with the profile just measured and with the shipped
# python defaults.  Figures, not assertions; docs/costs.md keeps them.
A=${ASYNCLAB:-./asynclab}
PY=${ASYNCLAB_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "bench_python: skipped: no python3 (scripts/deps.sh installs Debian's)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ASYNCLAB_PYTHON=$PY "$A" calibrate --python --out "$tmp/python.yaml" || exit 1
echo
"$PY" bench/python/bench.py "$A" "$tmp/python.yaml" 3
