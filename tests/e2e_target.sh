#!/bin/sh
# --target against another HTTP server: nginx on loopback, on a port and
# a configuration of this test's own, serving files named /, /1 ... /9.
# Every model fetches every page; the sizes add up; integrity checks are
# off (the bodies are not ours), and a missing page fails as 'status'.
A=${ASYNCLAB:-./asynclab}
# how many models the registry has (core/al_models.def): `help run` lists them
nmodels=$("$A" help run | awk '/^models /{m=1; next} m && /^  [a-z]/{n++} m && /^$/{exit} END{print n+0}')
pass=0
fail=0
T=$(mktemp -d)
check() { # name, condition result
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
NGINX=/usr/sbin/nginx
[ -x "$NGINX" ] || sh "$(dirname "$0")/../scripts/deps.sh" >&2
if [ ! -x "$NGINX" ]; then
	echo "FAIL nginx is not installed and could not be (scripts/deps.sh)"
	echo "target: 0 passed, 1 failed"
	exit 1
fi

# a free port: bind 0, read it back
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo 18080)
mkdir -p "$T/www" "$T/tmp"
total=0
for i in 0 1 2 3 4 5 6 7 8 9; do
	n=$((1000 + 337 * i))
	head -c "$n" /dev/zero | tr '\0' 'x' >"$T/www/$i"
	total=$((total + n))
done
mv "$T/www/0" "$T/www/index.html"
cat >"$T/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
user root;
pid $T/nginx.pid;
error_log $T/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T/tmp;
	proxy_temp_path $T/tmp;
	fastcgi_temp_path $T/tmp;
	uwsgi_temp_path $T/tmp;
	scgi_temp_path $T/tmp;
	keepalive_timeout 0;
	server {
		listen 127.0.0.1:$port;
		root $T/www;
		index index.html;
	}
}
EOF
"$NGINX" -p "$T" -c "$T/nginx.conf" 2>"$T/nginx.err" &
ng=$!
trap 'kill $ng 2>/dev/null; wait $ng 2>/dev/null; rm -rf "$T"' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
	sleep 0.1
done

"$A" run --target "http://127.0.0.1:$port/" --json >"$T/out" 2>"$T/err"
check "run --target nginx exits 0" $?
[ "$(grep -c '"pages_ok": 10,' "$T/out")" = "$nmodels" ]; check "all $nmodels models fetch 10 of 10 pages from nginx" $?
[ "$(grep -c "\"bytes\": $total," "$T/out")" = "$nmodels" ]; check "each reports the $total bytes nginx served" $?
grep -q "\"target\": \"http://127.0.0.1:$port/\"" "$T/out"; check "the JSON names the target" $?

# 20 pages where nginx has 10: the other ten are 404s
printf 'name: more\nworkload: {pages: 20}\nmodels: [sync, asyncio]\n' >"$T/more.yaml"
"$A" run --target "http://127.0.0.1:$port/" "$T/more.yaml" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && grep -q "10 status" "$T/out"
check "pages nginx does not have fail as 'status', exit 1" $?

kill "$ng" 2>/dev/null
wait "$ng" 2>/dev/null
"$A" run --target "http://127.0.0.1:$port/" --models asyncio >"$T/out" 2>&1
[ $? -eq 1 ] && grep -q "10 refused" "$T/out"; check "nginx gone: every page refused, exit 1" $?

echo "target: $pass passed, $fail failed"
[ $fail -eq 0 ]
