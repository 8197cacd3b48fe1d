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
	case $f in
	*/c10m.yaml)
		# ten million pages: ~35 s and 8 GiB a model; a sanitized build
		# would need three times the memory of this machine
		if [ -n "${ASYNCLAB_SANITIZED:-}" ]; then
			echo "skip $f under the sanitizers"
			continue
		fi ;;
	esac
	"$A" run "$f" --json >"$d/a" 2>"$d/err"
	rc=$?
	if [ $rc -gt 1 ]; then
		fail=$((fail + 1)); echo "FAIL $f: exit $rc: $(head -3 "$d/err")"; continue
	fi
	# the same run twice: byte-identical.  C10M's is checked on a copy
	# with 100,000 pages (a second full run would be two minutes more)
	same=$f
	case $f in
	*/c10m.yaml)
		same=$d/c10m-small.yaml
		sed 's/^  pages: 10000000$/  pages: 100000/' "$f" >"$same"
		if cmp -s "$f" "$same"; then
			fail=$((fail + 1)); echo "FAIL $f: no 'pages: 10000000' line to scale down"; continue
		fi ;;
	esac
	"$A" run "$same" --json >"$d/b" 2>>"$d/err"
	[ "$same" = "$f" ] && cp "$d/a" "$d/c" || "$A" run "$same" --json >"$d/c" 2>>"$d/err"
	if ! cmp -s "$d/b" "$d/c"; then
		fail=$((fail + 1)); echo "FAIL $same: two runs differ"; continue
	fi
	asked=$("$A" check "$f" | sed -n 's/^workload  \([0-9,]*\) pages.*/\1/p' | tr -d ,)
	bad=$(awk -v asked="$asked" '
		/"pages_ok"/ { gsub(/[^0-9]/, ""); ok = $0 }
		/"pages_failed"/ { gsub(/[^0-9]/, ""); n++; if (ok + $0 != asked) bad++ }
		END { if (n == 0) print "no models"; else if (bad) print bad " models lose pages" }' "$d/a")
	if [ -n "$bad" ] || [ -z "$asked" ]; then
		fail=$((fail + 1)); echo "FAIL $f: ${bad:-no page count}"; continue
	fi
	pass=$((pass + 1))
	echo "ok   $f ($asked pages)"
done

echo "scenarios: $pass passed, $fail failed"
[ $fail -eq 0 ]
