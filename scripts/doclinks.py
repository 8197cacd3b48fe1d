#!/usr/bin/env python3
"""Every link between our Markdown files lands: the file exists and the
#anchor is one of its headings (GitHub's slug: lower case, punctuation
dropped, spaces to hyphens, -1, -2 for repeats) or an <a id> in it.  And
no line names a scratch path of the VM the figures were measured on
(/work/..., a profile under /tmp), which a reader cannot open.

    python3 scripts/doclinks.py [ROOT]     # ROOT/README.md and ROOT/docs/*.md

Prints each broken link as FILE:LINE: why, and exits 1 if there is one."""
import glob
import os
import re
import sys


def slug(heading):
    h = heading.strip().lower().replace("`", "")
    h = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", h)
    return re.sub(r"[^\w\- ]", "", h).replace(" ", "-")


def anchors(path):
    """The anchors a file offers, its fenced code left out."""
    out, seen, fence = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if line.lstrip().startswith("```"):
            fence = not fence
        if fence:
            continue
        out.update(re.findall(r'<a (?:id|name)="([^"]+)"', line))
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else "%s-%d" % (s, n))
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    files = sorted(glob.glob(os.path.join(root, "docs", "*.md")))
    files.append(os.path.join(root, "README.md"))
    known = {os.path.abspath(f): anchors(f) for f in files}
    bad = 0
    for f in files:
        name = os.path.relpath(f, root)
        fence = False
        for i, line in enumerate(open(f, encoding="utf-8"), 1):
            if line.lstrip().startswith("```"):
                fence = not fence
            for target in [] if fence else re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"[a-z]+:", target):
                    continue
                path, _, frag = target.partition("#")
                dest = os.path.abspath(os.path.join(os.path.dirname(f), path)
                                       if path else f)
                if path and not os.path.exists(dest):
                    print("%s:%d: no file %s" % (name, i, path))
                    bad += 1
                elif frag and dest in known and frag not in known[dest]:
                    print("%s:%d: no heading #%s in %s" %
                          (name, i, frag, os.path.relpath(dest, root)))
                    bad += 1
            if re.search(r"/work/|/tmp/p\d", line):
                print("%s:%d: a scratch path of our VM" % (name, i))
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
