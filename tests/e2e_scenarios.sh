#!/bin/sh
# Every scenario in scenarios/: it validates, it runs (exit 0, or 1 when
# pages failed), the same run twice gives byte-identical JSON (C10M's: a
# copy with fewer pages), and in every model pages ok + failed = pages
# asked.
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

for f in scenarios/*.yaml; do
	# run: the scenario; same: what runs twice to compare.  C10M's is a
	# copy with 100,000 pages: the whole file (ten million pages, a minute
	# or more, 8 GiB a model and three times that sanitized) runs in
	# `make bench` (bench/bench_scenarios.c: its pages ok and failed, wall
	# and bytes per connection), not in every CI run.
	run=$f same=$f note=
	case $f in
	*/c10m.yaml)
		run=$d/c10m-small.yaml same=$run note=", a copy of the file's 10,000,000; the whole in make bench"
		sed 's/^  pages: 10000000$/  pages: 100000/' "$f" >"$run"
		if cmp -s "$f" "$run"; then
			fail=$((fail + 1)); echo "FAIL $f: no 'pages: 10000000' line to scale down"; continue
		fi ;;
	*/c10m-rate.yaml)
		# half a million pages take ~20 s a run here: a copy of 50,000,
		# the same rates (the loops are CPU-bound from the start)
		run=$d/c10m-rate-small.yaml same=$run note=", a copy of the file's 500,000"
		sed 's/^  pages: 500000$/  pages: 50000/' "$f" >"$run"
		if cmp -s "$f" "$run"; then
			fail=$((fail + 1)); echo "FAIL $f: no 'pages: 500000' line to scale down"; continue
		fi ;;
	esac
	"$A" run "$run" --json >"$d/a" 2>"$d/err"
	rc=$?
	if [ $rc -gt 1 ]; then
		fail=$((fail + 1)); echo "FAIL $run: exit $rc: $(head -3 "$d/err")"; continue
	fi
	if [ "$same" = "$run" ]; then
		cp "$d/a" "$d/b"
	else
		"$A" run "$same" --json >"$d/b" 2>>"$d/err"
	fi
	"$A" run "$same" --json >"$d/c" 2>>"$d/err"
	if ! cmp -s "$d/b" "$d/c"; then
		fail=$((fail + 1)); echo "FAIL $same: two runs differ"; continue
	fi
	asked=$("$A" check "$run" | sed -n 's/^workload  \([0-9,]*\) pages.*/\1/p' | tr -d ,)
	bad=$(awk -v asked="$asked" '
		/"pages_ok"/ { gsub(/[^0-9]/, ""); ok = $0 }
		/"pages_failed"/ { gsub(/[^0-9]/, ""); n++; if (ok + $0 != asked) bad++ }
		END { if (n == 0) print "no models"; else if (bad) print bad " models lose pages" }' "$d/a")
	if [ -n "$bad" ] || [ -z "$asked" ]; then
		fail=$((fail + 1)); echo "FAIL $f: ${bad:-no page count}"; continue
	fi
	pass=$((pass + 1))
	echo "ok   $f ($asked pages$note)"
done

echo "scenarios: $pass passed, $fail failed"
[ $fail -eq 0 ]
