#!/bin/sh
# The README's usage block says what `asynclab help` says: for every command
# `asynclab help` lists, the README's line (with its continuation lines)
# names exactly the options `asynclab help COMMAND` lists, and the README
# has no line for a command the program lacks.  Docs drift otherwise: the
# README's `view` once lacked --seed and --size.
# Run from the repository root: ASYNCLAB=./asynclab sh tests/e2e_usage.sh
# (README=FILE checks another file: the self-check below uses it.)
set -u

A=${ASYNCLAB:-./asynclab}
R=${README:-README.md}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

# The code block after "## Usage", one entry per command: a line starting
# "asynclab X" joined with the indented lines continuing it.
awk '/^## Usage/ {u = 1; next}
     u && /^```/ {if (inb) exit; inb = 1; next}
     inb && /^asynclab / {if (cur != "") print cur; cur = $0; next}
     inb && /^[ \t]/ {cur = cur " " $0; next}
     END {if (cur != "") print cur}' "$R" >"$T/usage"
if [ ! -s "$T/usage" ]; then
	ko "$R has a usage block"
	echo "$pass passed, $fail failed"
	exit 1
fi

# The long options a text names, sorted, one a line; --help, which every
# command has, left out.
options() { grep -oE -- '--[a-z][a-z-]*' | grep -vx -- '--help' | sort -u; }

"$A" help >"$T/help" 2>&1 || ko "asynclab help"
cmds=$(awk '/^commands:/ {c = 1; next} c && /^$/ {exit} c {print $1}' "$T/help")
[ -n "$cmds" ] || ko "asynclab help lists its commands"
for c in $cmds; do
	[ "$c" = help ] && continue
	line=$(grep -E "^asynclab $c( |\$)" "$T/usage" | head -1)
	if [ -z "$line" ]; then
		ko "README: no usage line for '$c', which asynclab help lists"
		continue
	fi
	if ! "$A" help "$c" >"$T/h.$c" 2>&1; then
		ko "asynclab help $c"
		continue
	fi
	# the options section: lines that start with two spaces and a dash
	grep -E '^  -' "$T/h.$c" | awk '{print $1; print $2}' | options >"$T/want"
	echo "$line" | options >"$T/got"
	if cmp -s "$T/want" "$T/got"; then
		ok "README's '$c' line names the options of 'asynclab help $c'"
	else
		ko "README's '$c' line and 'asynclab help $c' disagree:"
		diff "$T/want" "$T/got" | sed -n 's/^< /     only in help: /p; s/^> /     only in README: /p'
	fi
done
while read -r _ c _; do
	case "$c" in
	-*) continue ;;
	esac
	echo "$cmds" | grep -qx -- "$c" ||
		ko "README: a usage line for '$c', which asynclab help does not list"
done <"$T/usage"

# `help run` lists the registry's models, the ones completion offers for
# --models, in order; the other e2e scripts count the models from it.
"$A" help run | awk '/^models /{m=1; next} m && /^  [a-z]/{print $1} m && /^$/{exit}' >"$T/listed"
"$A" completion | sed -n "/--models)/{n;s/.*-W '\([^']*\)'.*/\1/p;}" | tr ' ' '\n' | grep . >"$T/offered"
if [ -s "$T/listed" ] && cmp -s "$T/listed" "$T/offered"; then
	ok "help run lists the $(wc -l <"$T/listed") models completion offers"
else
	ko "help run's models and completion's differ:"
	diff "$T/listed" "$T/offered" | sed 's/^/     /'
fi

# The check can fail: a README that lost an option disagrees, and says so.
if [ "${1:-}" != --inner ]; then
	sed 's/ \[--seed N\]//g' "$R" >"$T/README.md"
	if README="$T/README.md" ASYNCLAB="$A" sh "$0" --inner >"$T/inner" 2>&1; then
		ko "a README without --seed passes (the check cannot fail)"
	elif grep -q "only in help: --seed" "$T/inner"; then
		ok "a README without --seed fails, naming it"
	else
		ko "a README without --seed fails, but does not say why"
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
