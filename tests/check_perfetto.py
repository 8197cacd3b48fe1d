#!/usr/bin/env python3
"""Checks a Chrome Trace Event JSON file as `asynclab run --trace` writes it
(viz/viz_perfetto.h): the object form with displayTimeUnit "ns"; the fields
each phase needs; complete events (X) that nest on every (pid, tid), never
overlapping partly; every async begin (b) closed by its end (e) with the
same cat, id and tid, later in the file and not earlier in time; thread_name
and thread_sort_index for every tid, process_name and process_sort_index
for every pid; ts and dur as numbers with exactly three decimals that equal
args.ns / 1000 and args.dur_ns / 1000 where those are given.

    check_perfetto.py FILE.json
    check_perfetto.py --self-test     # the checker catches each broken rule

Exit status 0 when all holds (a summary on stdout), 1 with one message per
problem on stderr (at most 20), 2 when the file cannot be read or parsed.
Python 3 standard library only.
"""
import json
import sys
from decimal import Decimal

PHASES = {"X", "b", "e", "C", "M", "i"}
METADATA = {"process_name", "process_sort_index", "thread_name", "thread_sort_index"}


class Number(str):
    """A JSON number with a fraction, kept as its text."""


def micros_to_ns(v):
    """The integer nanoseconds a ts/dur stands for, or None if malformed."""
    if isinstance(v, Number):
        if "e" in v.lower():
            return None
        _, _, frac = v.partition(".")
        if len(frac) != 3:
            return None
        ns = Decimal(v) * 1000
        return int(ns) if ns == ns.to_integral_value() else None
    return None


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check(events):
    problems = []
    say = problems.append
    threads, sorted_threads, procs, sorted_procs = set(), set(), set(), set()
    used_tids, used_pids = set(), set()
    slices = {}          # (pid, tid) -> [(start, end, index)]
    open_async = {}      # (pid, cat, id) -> (tid, ts, name, index)
    counts = {}

    for i, ev in enumerate(events):
        where = "event %d" % i
        if not isinstance(ev, dict):
            say("%s: not an object" % where)
            continue
        ph = ev.get("ph")
        counts[ph] = counts.get(ph, 0) + 1
        if ph not in PHASES:
            say("%s: unexpected ph %r" % (where, ph))
            continue
        if not isinstance(ev.get("name"), str):
            say("%s: no name" % where)
        if not is_int(ev.get("pid")):
            say("%s: pid is not an integer" % where)
            continue
        pid, tid = ev["pid"], ev.get("tid")
        if ph != "C" and not is_int(tid):
            say("%s: tid is not an integer" % where)
            continue
        args = ev.get("args", {})
        if not isinstance(args, dict):
            say("%s: args is not an object" % where)
            continue
        if ph == "M":
            name = ev.get("name")
            if name not in METADATA:
                say("%s: unknown metadata %r" % (where, name))
            elif name.endswith("_name") and not isinstance(args.get("name"), str):
                say("%s: %s without a name" % (where, name))
            elif name.endswith("_sort_index") and not is_int(args.get("sort_index")):
                say("%s: %s without an integer sort_index" % (where, name))
            {"process_name": procs, "process_sort_index": sorted_procs,
             "thread_name": threads, "thread_sort_index": sorted_threads}.get(
                name, set()).add(pid if name.startswith("process") else (pid, tid))
            continue
        used_pids.add(pid)
        if is_int(tid):
            used_tids.add((pid, tid))
        start = micros_to_ns(ev.get("ts"))
        if start is None:
            say("%s: ts %r is not microseconds with at most three decimals"
                % (where, ev.get("ts")))
            continue
        if "ns" in args and args["ns"] != start:
            say("%s: ts %s is not args.ns %r / 1000" % (where, ev["ts"], args["ns"]))
        if ph in ("X", "b", "e") and not isinstance(ev.get("cat"), str):
            say("%s: no cat" % where)
        if ph == "X":
            dur = micros_to_ns(ev.get("dur"))
            if dur is None or dur < 0:
                say("%s: dur %r is not a duration in microseconds" % (where, ev.get("dur")))
                continue
            if "dur_ns" in args and args["dur_ns"] != dur:
                say("%s: dur %s is not args.dur_ns %r / 1000" % (where, ev["dur"], args["dur_ns"]))
            slices.setdefault((pid, tid), []).append((start, start + dur, i))
        elif ph in ("b", "e"):
            if not isinstance(ev.get("id"), (str, int)):
                say("%s: async event without an id" % where)
                continue
            key = (pid, ev.get("cat"), ev["id"])
            if ph == "b":
                if key in open_async:
                    say("%s: async id %r reused while open (event %d)"
                        % (where, ev["id"], open_async[key][3]))
                open_async[key] = (tid, start, ev.get("name"), i)
            else:
                begin = open_async.pop(key, None)
                if begin is None:
                    say("%s: async end %r without a begin" % (where, ev["id"]))
                elif begin[0] != tid:
                    say("%s: async end on tid %r, its begin on %r" % (where, tid, begin[0]))
                elif start < begin[1]:
                    say("%s: async end before its begin" % where)
                elif begin[2] != ev.get("name"):
                    say("%s: async end named %r, its begin %r" % (where, ev.get("name"), begin[2]))
        elif ph == "C":
            if not args or not all(isinstance(v, (int, Number)) and not isinstance(v, bool)
                                   for v in args.values()):
                say("%s: counter without numeric args" % where)
        elif ph == "i" and ev.get("s", "t") not in ("t", "p", "g"):
            say("%s: instant with scope %r" % (where, ev.get("s")))

    for key, (tid, _, name, i) in sorted(open_async.items(), key=lambda kv: kv[1][3]):
        say("event %d: async begin %r (%s) never ends" % (i, key[2], name))
    for (pid, tid), spans in sorted(slices.items()):
        # by start, the longer first: a stack of the enclosing slices
        spans.sort(key=lambda s: (s[0], -s[1]))
        stack = []
        for start, end, i in spans:
            while stack and stack[-1][1] <= start:
                stack.pop()
            if stack and end > stack[-1][1]:
                say("event %d: X on pid %d tid %d overlaps event %d partly"
                    % (i, pid, tid, stack[-1][2]))
            stack.append((start, end, i))
    for pid, tid in sorted(used_tids | threads | sorted_threads):
        if (pid, tid) not in threads:
            say("pid %d tid %d: no thread_name" % (pid, tid))
        if (pid, tid) not in sorted_threads:
            say("pid %d tid %d: no thread_sort_index" % (pid, tid))
    for pid in sorted(used_pids | procs):
        if pid not in procs:
            say("pid %d: no process_name" % pid)
        if pid not in sorted_procs:
            say("pid %d: no process_sort_index" % pid)
    return problems, counts, len(procs), len(threads)


def self_test():
    """The checker refuses what it should: each case breaks one rule."""
    def meta(pid, tid):
        return [{"name": "process_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": "p"}},
                {"name": "process_sort_index", "ph": "M", "pid": pid, "tid": tid,
                 "args": {"sort_index": 1}},
                {"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": "t"}},
                {"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid,
                 "args": {"sort_index": 0}}]

    def x(ts, dur, tid=1, ns=None):
        ev = {"name": "running", "cat": "state", "ph": "X", "pid": 1, "tid": tid,
              "ts": Number(ts), "dur": Number(dur)}
        if ns is not None:
            ev["args"] = {"ns": ns}
        return ev

    def ab(ph, ts, id_="0x1", tid=1, cat="wait"):
        return {"name": "recv", "cat": cat, "ph": ph, "pid": 1, "tid": tid, "ts": Number(ts),
                "id": id_}
    good = meta(1, 1) + [x("0.000", "10.000"), x("1.000", "2.000"), x("10.000", "1.000"),
                         ab("b", "0.000"), ab("e", "5.000")]
    cases = {
        "partial overlap": [x("0.000", "10.000"), x("5.000", "10.000")],
        "four decimals": [x("0.0001", "1.000")],
        "two decimals": [x("0.00", "1.000")],
        "an integer dur": [{"name": "running", "cat": "state", "ph": "X", "pid": 1, "tid": 1,
                            "ts": Number("0.000"), "dur": 1}],
        "ts is not args.ns": [x("1.000", "1.000", ns=999)],
        "b without e": [ab("b", "0.000")],
        "e without b": [ab("e", "0.000")],
        "e on another tid": [ab("b", "0.000"), ab("e", "1.000", tid=2)] + meta(1, 2),
        "e with another cat": [ab("b", "0.000"), ab("e", "1.000", cat="x")],
        "e before b": [ab("b", "2.000"), ab("e", "1.000")],
        "no thread_name": [x("0.000", "1.000", tid=7)],
        "unknown ph": [{"name": "n", "ph": "Q", "pid": 1, "tid": 1}],
    }
    failed = 0
    if check(good)[0]:
        print("self-test: a good trace refused: %s" % check(good)[0], file=sys.stderr)
        failed += 1
    for what, extra in cases.items():
        if not check(meta(1, 1) + extra)[0]:
            print("self-test: %s not caught" % what, file=sys.stderr)
            failed += 1
    print("self-test: %d of %d cases right" % (len(cases) + 1 - failed, len(cases) + 1))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print("usage: check_perfetto.py FILE.json | --self-test", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, parse_float=Number)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        print("check_perfetto: %s: %s" % (path, e), file=sys.stderr)
        return 2
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        print("check_perfetto: %s: not the object form with traceEvents" % path, file=sys.stderr)
        return 1
    problems = []
    if doc.get("displayTimeUnit") != "ns":
        problems.append("displayTimeUnit is not \"ns\"")
    more, counts, nprocs, nthreads = check(doc["traceEvents"])
    problems += more
    for p in problems[:20]:
        print("check_perfetto: %s: %s" % (path, p), file=sys.stderr)
    if len(problems) > 20:
        print("check_perfetto: %s: ... %d problems in all" % (path, len(problems)), file=sys.stderr)
    if problems:
        return 1
    print("%s: ok: %d events (%s), %d processes, %d threads" % (
        path, len(doc["traceEvents"]),
        " ".join("%s %d" % kv for kv in sorted(counts.items())), nprocs, nthreads))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
