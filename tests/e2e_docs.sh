#!/bin/sh
# The docs' links land (scripts/doclinks.py): every link between README.md
# and docs/*.md names a file that exists and a heading it has, and no line
# names a scratch path of our VM.  Headings get renamed and removed as the
# docs grow; a reader following the link then lands at the top of a
# 3,000-line file.  The checker's own check first: a tree with each kind of
# fault must fail, each said.
set -u
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
fail=0
ko() { echo "FAIL $*"; fail=1; }
command -v python3 >/dev/null || { echo "skip e2e_docs: no python3 (scripts/deps.sh installs it)"; exit 0; }

mkdir -p "$d/docs"
printf '# Top\n\n## The host'"'"'s programs (`sim.c`)\n\n## Again\n\n## Again\n\n<a id="kept"></a>**Kept.**\n\n```\n# not a heading\n```\n' >"$d/docs/a.md"
printf '[ok](docs/a.md#the-hosts-programs-simc) [ok](docs/a.md#again-1) [ok](docs/a.md#kept) [web](https://x.org/#y)\n\n  ```\n  [code](not/a/link.md)\n  ```\n' >"$d/README.md"
python3 scripts/doclinks.py "$d" >"$d/out" 2>&1 || ko "a clean tree passes: $(cat "$d/out")"
printf '[a](docs/a.md#the-hosts-programs) [b](docs/none.md) [c](docs/a.md#not-a-heading) see /work/x/p.yaml\n' >>"$d/README.md"
python3 scripts/doclinks.py "$d" >"$d/out" 2>&1 && ko "a broken tree fails"
grep -q '^README.md:6: no heading #the-hosts-programs in docs/a.md$' "$d/out" || ko "a slug without its code part is caught: $(cat "$d/out")"
grep -q '^README.md:6: no file docs/none.md$' "$d/out" || ko "a missing file is caught: $(cat "$d/out")"
grep -q '^README.md:6: no heading #not-a-heading in docs/a.md$' "$d/out" || ko "a fenced line is no heading: $(cat "$d/out")"
grep -q '^README.md:6: a scratch path of our VM$' "$d/out" || ko "a scratch path is caught: $(cat "$d/out")"

grep -q 'not/a/link.md' "$d/out" && ko "a link in fenced code is not followed: $(cat "$d/out")"

python3 scripts/doclinks.py . >"$d/out" 2>&1 || ko "our docs' links land: $(cat "$d/out")"
[ $fail -eq 0 ] && echo "e2e_docs: ok"
exit $fail
