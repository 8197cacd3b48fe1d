#!/bin/sh
# The uring model for real (io_uring through liburing, against our origin
# server on loopback): every page verified, fewer syscalls than asyncio's;
# and where io_uring is refused (ASYNCLAB_URING_REFUSE stands in for a
# kernel without it, a seccomp filter or an old kernel's missing op),
# every page fails, the note says why, exit 1 -- never a fallback.
A=${ASYNCLAB:-./asynclab}
pass=0
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
val() { awk -v m="$1" -v k="$2" '$0 ~ "\"model\": \"" m "\"" { f = 1 } f && $0 ~ "\"" k "\"" { gsub(/[^0-9]/, ""); print; exit }' "$3"; }

printf 'network: {rtt: 0 ms, bandwidth: 10 Gbit}\nserver: {think: 5 ms, page_size: 6000 B}\nworkload: {pages: 200}\nmodels: [asyncio, uring]\n' >"$d/s.yaml"
"$A" run "$d/s.yaml" --net real --json >"$d/out" 2>"$d/err"
check "run --net real: exit 0" $?
[ "$(val uring pages_ok "$d/out")" = 200 ]; check "uring: 200 of 200 pages verified" $?
u=$(val uring syscalls "$d/out")
a=$(val asyncio syscalls "$d/out")
[ -n "$u" ] && [ -n "$a" ] && [ "$u" -lt $((a / 3)) ]
check "uring: fewer syscalls than a third of asyncio's ($u against $a)" $?
[ "$(val uring futile_syscalls "$d/out")" = 0 ]; check "uring: no futile syscall" $?
# a limit: that many fetchers, every page still verified
"$A" run "$d/s.yaml" --net real --models uring --set models.uring.limit=7 --json >"$d/lim" 2>/dev/null
[ "$(val uring pages_ok "$d/lim")" = 200 ] && [ "$(val uring peak_concurrency "$d/lim")" = 7 ]
check "uring limit 7: 200 pages, 7 at a time" $?
# a page timeout the server's think time outlasts: every page times out
printf 'network: {rtt: 0 ms}\nserver: {think: 2 s}\nworkload: {pages: 5, timeout: 200 ms}\nmodels: [uring]\n' >"$d/t.yaml"
"$A" run "$d/t.yaml" --net real --json >"$d/to" 2>/dev/null
[ $? = 1 ] && grep -q '"timeout": 5' "$d/to"; check "uring: the page timeout ends ops in flight (5 timeouts)" $?

for e in ENOSYS EPERM EOPNOTSUPP; do
	ASYNCLAB_URING_REFUSE=$e "$A" run "$d/s.yaml" --net real --models uring --json >"$d/r" 2>"$d/rerr"
	rc=$?
	[ $rc = 1 ] && [ "$(val uring pages_failed "$d/r")" = 200 ] && [ "$(val uring pages_ok "$d/r")" = 0 ] &&
		grep -q "uring: note: io_uring refused (.*): every page failed, no fallback" "$d/rerr"
	check "io_uring refused ($e): every page fails, the note says why, exit 1 (exit $rc)" $?
done
echo "uring: $pass passed, $fail failed"
[ $fail -eq 0 ]
