#!/bin/sh
# run's exports: --csv FILE|- (a header, one line per model, the JSON's
# figures by name), --markdown (the table in Markdown), --json=FILE (the
# JSON in a file, the table on stdout) and --json=- (as --json); two
# things on stdout at once are refused.
A=${ASYNCLAB:-./asynclab}
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ko() { echo "FAIL $*"; fail=1; }

"$A" run --models sync,thread,asyncio --json >"$d/json" || ko "--json"
"$A" run --models sync,thread,asyncio --csv - >"$d/csv" || ko "--csv -"
[ "$(wc -l <"$d/csv")" = 4 ] || ko "--csv -: a header and 3 lines"
head -1 "$d/csv" | grep -q '^scenario,seed,net,model,elapsed_ns,speedup,pages_ok,.*,total_max_ns$' ||
	ko "--csv: the header"
# the CSV's elapsed_ns and total_p99_ns are the JSON's, model by model
col() { head -1 "$d/csv" | tr , '\n' | grep -n "^$1\$" | cut -d: -f1; }
ce=$(col elapsed_ns) cp=$(col total_p99_ns)
for m in sync thread asyncio; do
	je=$(awk -v m="$m" '$0 ~ "\"model\": \"" m "\"" { f = 1 } f && /"elapsed_ns"/ { gsub(/[^0-9]/, ""); print; exit }' "$d/json")
	jp=$(awk -v m="$m" '$0 ~ "\"model\": \"" m "\"" { f = 1 } f && /"total": \{/ { t = 1 } t && /"p99_ns"/ { sub(/.*: /, ""); gsub(/[^0-9]/, ""); print; exit }' "$d/json")
	cv=$(awk -F, -v m="$m" -v c="$ce" '$4 == m { print $c }' "$d/csv")
	cq=$(awk -F, -v m="$m" -v c="$cp" '$4 == m { print $c }' "$d/csv")
	[ -n "$je" ] && [ "$je" = "$cv" ] && [ "$jp" = "$cq" ] ||
		ko "--csv $m: elapsed $cv, p99 $cq; the JSON's $je, $jp"
done

"$A" run --models sync,asyncio --markdown >"$d/md" || ko "--markdown"
grep -q '^| model | elapsed | speed-up |' "$d/md" && grep -q '^| :-- | --: ' "$d/md" &&
	[ "$(grep -c '^| \(sync\|asyncio\) |' "$d/md")" = 2 ] || ko "--markdown: the table"

"$A" run --models sync --json=- >"$d/j2" || ko "--json=-"
"$A" run --models sync --json >"$d/j3" || ko "--json"
cmp -s "$d/j2" "$d/j3" || ko "--json=- differs from --json"
"$A" run --models sync --json="$d/out.json" --csv "$d/out.csv" >"$d/table" 2>/dev/null || ko "--json=FILE"
cmp -s "$d/out.json" "$d/j3" || ko "--json=FILE differs from --json"
grep -q '^  model ' "$d/table" || ko "--json=FILE: the table on stdout"
[ "$(wc -l <"$d/out.csv")" = 2 ] || ko "--csv FILE"

for bad in "--json --csv -" "--markdown --json" "--csv $d/out.csv --json=$d/out.csv" \
	"--csv /proc/version"; do
	"$A" run --models sync $bad >"$d/o" 2>"$d/err"
	[ $? -eq 2 ] && [ ! -s "$d/o" ] || ko "run $bad: not refused with exit 2: $(cat "$d/err")"
done

# "-" is stdout for --trace and --png too; the table then goes to stderr
"$A" run scenarios/seed.yaml --models sync --trace - 2>"$d/tbl" | head -c 15 >"$d/tr"
[ "$(cat "$d/tr")" = '{"displayTimeUn' ] || ko "--trace -: not the trace on stdout"
grep -q ' sync ' "$d/tbl" || ko "--trace -: the table is not on stderr"
[ "$("$A" run scenarios/seed.yaml --models sync --png - 2>/dev/null | head -c 4 | od -An -c |
	tr -d ' ')" = "211PNG" ] || ko "--png -: not a PNG on stdout"
"$A" run scenarios/seed.yaml --models sync --png - --trace - >/dev/null 2>&1
[ $? -eq 2 ] || ko "--png - --trace -: two files on stdout, not refused"
[ ! -e ./- ] || ko "a file named - was written"

[ $fail -eq 0 ] && echo "e2e_exports: ok"
exit $fail
