#!/bin/sh
# What `make install` lays out, laid out by hand (the test must not run
# make): the binary in PREFIX/bin finds a scenario by name in
# PREFIX/share/asynclab/scenarios from any folder; the bash completion it
# writes from its option table parses and completes; the man page renders.
A=${ASYNCLAB:-./asynclab}
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ko() { echo "FAIL $*"; fail=1; }

mkdir -p "$d/usr/bin" "$d/usr/share/asynclab/scenarios"
cp "$A" "$d/usr/bin/asynclab"
cp scenarios/*.yaml "$d/usr/share/asynclab/scenarios/"
(cd / && "$d/usr/bin/asynclab" check c10k) >"$d/out" 2>&1 ||
	ko "check c10k from /: $(cat "$d/out")"
grep -q "$d/usr/bin/../share/asynclab/scenarios/c10k.yaml" "$d/out" ||
	ko "check c10k: not the installed scenario: $(head -1 "$d/out")"
(cd / && "$d/usr/bin/asynclab" check nonesuch) >/dev/null 2>&1
[ $? -eq 2 ] || ko "check nonesuch: not exit 2"

"$A" completion >"$d/comp" || ko "asynclab completion"
if command -v bash >/dev/null; then
	bash -n "$d/comp" || ko "the completion script does not parse"
	got=$(bash -c '. "$1"; COMP_WORDS=(asynclab sweep --va); COMP_CWORD=2; _asynclab
		echo "${COMPREPLY[*]}"; COMP_WORDS=(asynclab run --models asy); COMP_CWORD=3
		_asynclab; echo "${COMPREPLY[*]}"' sh "$d/comp" | tr '\n' ' ')
	[ "$got" = "--vary asyncio " ] || ko "completion: '$got', not '--vary asyncio '"
else
	echo "skip (host) the completion's run: no bash"
fi
if command -v man >/dev/null; then
	MANWIDTH=80 man -l docs/man/asynclab.1 2>"$d/err" | grep -q 'asynclab sweep' &&
		[ ! -s "$d/err" ] || ko "the man page: $(cat "$d/err")"
else
	echo "skip (host) the man page's rendering: no man"
fi

[ $fail -eq 0 ] && echo "e2e_install: ok"
exit $fail
