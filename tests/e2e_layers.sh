#!/bin/sh
# The layers (docs/README.md, "Layout"): every #include "..." of a folder
# names only the folders its row allows, and the libraries of one layer
# (libyaml, libevent, liburing, SDL) appear only in that layer (and in the
# command, app/, which may include everything).  The table is the rule; the
# Makefile's LAYERS must list exactly its folders, so a new folder cannot
# slip past it.  The check first proves it can fail: a copy of the tree with
# one upward include (core/ including app/) must be refused.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)

# folder: the folders it may include (itself always), bottom up as LAYERS
rules='core:
models:core
sim:core models
net:core models
viz:core
conf:core
report:core net
app:core models sim net viz conf report'
# library header prefix: the folders that may include it
libs='yaml.h:conf app
event2/:net app
event.h:net app
liburing:net app
SDL:viz app'

# Prints every include that breaks a rule under $1, one line each:
# "file:line: includes X (folder may include: ...)".
check() {
	files=
	for dir in $(echo "$rules" | cut -d: -f1); do
		for f in "$1/$dir"/*.c "$1/$dir"/*.h "$1/$dir"/*.def; do
			[ -f "$f" ] && files="$files $f"
		done
	done
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086 # the file names have no spaces
	awk -v root="$1/" -v rules="$rules" -v libs="$libs" '
	BEGIN {
		n = split(rules, r, "\n")
		for (i = 1; i <= n; i++) {
			split(r[i], kv, ":")
			allowed[kv[1]] = kv[2]
			ok[kv[1] "/" kv[1]] = 1
			k = split(kv[2], a, " ")
			for (j = 1; j <= k; j++) ok[kv[1] "/" a[j]] = 1
		}
		m = split(libs, l, "\n")
		for (i = 1; i <= m; i++) {
			split(l[i], kv, ":")
			lib[i] = kv[1]; libdirs[i] = kv[2]
		}
	}
	FNR == 1 {
		file = substr(FILENAME, length(root) + 1)
		dir = substr(file, 1, index(file, "/") - 1)
	}
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		s = $0; sub(/^[^"]*"/, "", s); sub(/".*/, "", s)
		# a name without a folder is the including folder own
		top = index(s, "/") ? substr(s, 1, index(s, "/") - 1) : dir
		if (!((dir "/" top) in ok))
			printf "%s:%d: includes \"%s\" (%s/ may include: %s)\n", file, FNR, s,
			       dir, allowed[dir] == "" ? "libc only" : allowed[dir]
		# a backend loads a model in its runner only: the rest of it
		# is the os a model runs on, and knows no model
		else if (top == "models" && (dir == "sim" || dir == "net") &&
			 file !~ /^(sim\/sim|net\/net)_run[a-z_]*\.c$/ && file != "net/net_calib_mem_run.c")
			printf "%s:%d: includes \"%s\" (only a runner, %s/%s_run*.c, or calibrate'"'"'s pool may)\n",
			       file, FNR, s, dir, dir
	}
	/^[ \t]*#[ \t]*include[ \t]*</ {
		s = $0; sub(/^[^<]*</, "", s); sub(/>.*/, "", s)
		for (i = 1; i <= m; i++)
			if (index(s, lib[i]) == 1 && index(" " libdirs[i] " ", " " dir " ") == 0)
				printf "%s:%d: includes <%s>, a library of %s only\n", file, FNR, s,
				       libdirs[i]
	}' $files
}

pass=0
fail=0

# the rule's folders are the Makefile's layers, in its order
layers=$(sed -n 's/^LAYERS[ \t]*:=[ \t]*//p' "$root/Makefile")
table=$(echo "$rules" | cut -d: -f1 | tr '\n' ' ' | sed 's/ *$//')
if [ "$layers" != "$table" ]; then
	echo "FAIL the Makefile's LAYERS ($layers) are not this test's folders ($table)"
	fail=$((fail + 1))
else
	echo "ok   the Makefile's LAYERS are the rule's folders: $table"
	pass=$((pass + 1))
fi
# every folder of sources is a layer or a known outsider
for d in "$root"/*/; do
	d=${d%/}; d=${d##*/}
	case " $table tests bench scripts docs scenarios " in *" $d "*) continue ;; esac
	if ls "$root/$d"/*.c "$root/$d"/*.h >/dev/null 2>&1; then
		echo "FAIL $d/ holds C sources but is no layer: add it to LAYERS and to this test's rules"
		fail=$((fail + 1))
	fi
done

# a layer is one folder: a subfolder would not be scanned
for dir in $table; do
	for sub in "$root/$dir"/*/; do
		[ -d "$sub" ] || continue
		echo "FAIL ${sub#"$root"/} is a folder inside a layer: this check does not read it"
		fail=$((fail + 1))
	done
done

# the check can fail: an upward include in a copy of core/ and conf/
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/core" "$tmp/conf" "$tmp/sim"
printf '#include "core/al_os.h"\n#include "app/cli.h"\n' > "$tmp/core/bad.c"
printf '#include <event2/event.h>\n#include <yaml.h>\n' > "$tmp/conf/bad.c"
printf '#include "sim_int.h"\n#include "net/net_os.h"\n#include "models/model.h"\n' > "$tmp/sim/bad.h"
printf '#include "models/model.h"\n' > "$tmp/sim/sim_run.c"
printf '#include "models/model.h"\n' > "$tmp/sim/sim_x_run.c"
got=$(check "$tmp" | LC_ALL=C sort)
want=$(LC_ALL=C sort <<'WANT'
core/bad.c:2: includes "app/cli.h" (core/ may include: libc only)
sim/bad.h:2: includes "net/net_os.h" (sim/ may include: core models)
sim/bad.h:3: includes "models/model.h" (only a runner, sim/sim_run*.c, or calibrate's pool may)
sim/sim_x_run.c:1: includes "models/model.h" (only a runner, sim/sim_run*.c, or calibrate's pool may)
conf/bad.c:1: includes <event2/event.h>, a library of net app only
WANT
)
if [ "$got" = "$want" ]; then
	echo "ok   the check refuses an upward include and a library out of its layer"
	pass=$((pass + 1))
else
	echo "FAIL the check did not refuse the planted includes as expected; it said:"
	echo "$got"
	fail=$((fail + 1))
fi

bad=$(check "$root")
if [ -n "$bad" ]; then
	echo "FAIL includes that point up, or a library out of its layer:"
	echo "$bad"
	fail=$((fail + 1))
else
	n=$(cat "$root"/core/*.[ch] "$root"/models/*.[ch] "$root"/sim/*.[ch] "$root"/net/*.[ch] \
		"$root"/viz/*.[ch] "$root"/conf/*.[ch] "$root"/report/*.[ch] "$root"/app/*.[ch] |
		grep -c '^[ 	]*#[ 	]*include')
	echo "ok   $n includes of $(echo "$table" | wc -w) layers point only down"
	pass=$((pass + 1))
fi
echo "layers: $pass passed, $fail failed"
[ $fail -eq 0 ]
