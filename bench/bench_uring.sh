#!/bin/sh
# uring against asyncio on real loopback (no emulated network: rtt 0,
# 10 Gbit, our origin server): syscalls per page and pages per second,
# 3 runs each after one warm-up, the median.  Figures, not assertions: the
# cores are shared, and a busy machine moves the pages/s, not the syscalls.
A=${ASYNCLAB:-./asynclab}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
pages=${URING_BENCH_PAGES:-5000}
printf 'machine: {profile: c}\nnetwork: {rtt: 0 ms, bandwidth: 10 Gbit}\nserver: {think: 0 ms, page_size: 4000 B}\nworkload: {pages: %s}\nmodels: [asyncio, uring]\n' \
	"$pages" >"$d/s.yaml"
for i in 0 1 2 3; do
	"$A" run "$d/s.yaml" --net real --json >"$d/run$i.json" 2>/dev/null || { echo "bench_uring: run $i failed"; exit 1; }
done
val() { awk -v m="$1" -v k="$2" '$0 ~ "\"model\": \"" m "\"" { f = 1 } f && $0 ~ "\"" k "\"" { gsub(/[^0-9]/, ""); print; exit }' "$3"; }
for m in asyncio uring; do
	for i in 1 2 3; do
		printf '%s %s %s\n' "$(val $m elapsed_ns "$d/run$i.json")" "$(val $m syscalls "$d/run$i.json")" \
			"$(val $m pages_ok "$d/run$i.json")"
	done | sort -n | sed -n 2p | awk -v m="$m" -v n="$pages" '{
		printf "bench_uring: %-8s %d pages on loopback: %.2f syscalls/page, %.0f pages/s (median of 3: %.3f s), %d verified\n",
			m, n, $2 / n, n / ($1 / 1e9), $1 / 1e9, $3 }'
done
awk '{ print "bench_uring: load average " $1 " " $2 " " $3 }' /proc/loadavg
