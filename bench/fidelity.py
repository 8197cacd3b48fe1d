#!/usr/bin/env python3
"""The fidelity matrix: how well the simulator predicts this machine.

For each scenario, `asynclab run --net both --json` is run RUNS times.  The
simulated half is deterministic (the script checks it is the same every
time); of the real half each figure is the median of the runs.  Printed per
model: elapsed, CPU busy and context switches, simulated and measured, with
the error of the prediction in % of the measure, then a summary against the
targets (elapsed within 10 %, CPU busy within 25 %).  The real CPU busy
moves from run to run on a shared VM by more than the 25 % target (docs/
real.md, "Is the real CPU figure stable?"), so each row also gives the
range of the real runs' CPU and the summary counts the pairs whose range
alone is wider than the target: their error says little either way.  The
same for elapsed, whose real runs spread as widely where the neighbours'
CPU or the emulator's drops pace them (C10K: docs/real.md); the summary
also names the pairs off by more than 10 % whose simulated elapsed lies
inside the real runs' range.  The load average before each run is printed
too.  Figures, not
assertions: the exit status is 0 whatever the errors, 1 only when a run
could not be made or parsed.

    fidelity.py [--runs N] [--md FILE] [--models LIST] SCENARIO...
"""
import argparse
import calendar
import json
import os
import re
import statistics
import subprocess
import sys
import time

FIGURES = (("elapsed", "elapsed_ns", 10.0),
           ("CPU busy", "cpu_busy_ns", 25.0),
           ("switches", "context_switches", None))


def run_both(asynclab, scenario, models):
    cmd = [asynclab, "run", "--net", "both", "--json", scenario]
    if models:
        cmd += ["--models", models]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, check=False)
    # exit 1 is a run in which a page failed: still a result to compare
    if p.returncode not in (0, 1):
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                 p.stderr.strip()))
    return json.loads(p.stdout)


def error_pct(sim, real):
    if real == 0:
        return None if sim != 0 else 0.0
    return (sim - real) / real * 100.0


def fmt_time(ns):
    if ns >= 1e9:
        return "%.3f s" % (ns / 1e9)
    if ns >= 1e6:
        return "%.1f ms" % (ns / 1e6)
    return "%.0f µs" % (ns / 1e3)


def fmt_err(e):
    return "—" if e is None else "%+.0f %%" % e


def load_average():
    """The 1-minute load average, or None where /proc is not Linux's."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def spread_pct(values):
    """Half the range of values in % of their median: the +/- band the
    real runs alone fill."""
    mid = statistics.median(values)
    if mid == 0:
        return 0.0
    return (max(values) - min(values)) / 2.0 / mid * 100.0


def matrix(asynclab, scenario, runs, models, loads):
    sims, reals = [], []
    path = None
    for _ in range(runs):
        loads.append(load_average())
        both = run_both(asynclab, scenario, models)
        sims.append(both["sim"]["models"])
        reals.append({m["model"]: m for m in both["real"]["models"]})
        path = both["real"].get("path", path)
    for s in sims[1:]:
        if s != sims[0]:
            raise RuntimeError(scenario + ": the simulated half differs "
                               "between runs (determinism)")
    rows = []
    for m in sims[0]:
        name = m["model"]
        ran = [r for r in reals if name in r]
        if len(ran) < len(reals):
            print("fidelity: %s %s: no real row in %d of its %d runs (the "
                  "model could not run)%s" % (scenario, name, len(reals) - len(ran),
                  len(reals), "; left out" if not ran else
                  "; the median of the others"), file=sys.stderr)
        if not ran:
            continue
        row = {"model": name}
        for label, key, _ in FIGURES:
            real = statistics.median(r[name][key] for r in ran)
            row[key] = (m[key], real, error_pct(m[key], real))
        cpus = [r[name]["cpu_busy_ns"] for r in ran]
        row["cpu_range"] = (min(cpus), max(cpus), spread_pct(cpus))
        els = [r[name]["elapsed_ns"] for r in ran]
        row["elapsed_range"] = (min(els), max(els), spread_pct(els))
        row["failed"] = (m["pages_failed"],
                         statistics.median(r[name]["pages_failed"] for r in ran))
        rows.append(row)
    return path, rows


UNITS = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}
WAKE_KEYS = ("wake_1ms", "wake_remote_1ms", "wake_100ms")
SHOWN_KEYS = WAKE_KEYS + ("tun_apart",)


def profile_path():
    """The profile --net both simulates with (app/cmd_run.c, conf/profile.c)."""
    if os.environ.get("ASYNCLAB_PROFILE"):
        return os.environ["ASYNCLAB_PROFILE"]
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = xdg if xdg.startswith("/") else os.path.join(
        os.path.expanduser("~"), ".config")
    return os.path.join(base, "asynclab", "machine.yaml")


def profile_wake(path):
    """The profile's wake-up figures in ns, those it has: {key: ns}, and
    when calibrate wrote it ("when": seconds since the epoch, UTC) where
    its header says."""
    got = {}
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"# `asynclab calibrate` on (\d{4}-\d\d-\d\d \d\d:\d\d) UTC",
                             line)
                if m:
                    got["when"] = calendar.timegm(
                        time.strptime(m.group(1), "%Y-%m-%d %H:%M"))
                m = re.match(r"\s*(\w+)\s*:\s*[\"']?([0-9.]+)\s*(ns|us|µs|ms|s)\b",
                             line)
                if m and m.group(1) in SHOWN_KEYS:
                    got[m.group(1)] = float(m.group(2)) * UNITS[m.group(3)]
    except (OSError, ValueError):
        return {}
    return got


def wake_line(path, w, start):
    """What the profile charges a wake-up, for the reader of the CPU rows:
    most of a blocking model's simulated CPU on faulty-server and gil-cpu
    (the wake-up after ~20 ms, between wake_1ms and wake_100ms), times
    wake_1ms / wake_remote_1ms where the emulator shares the model's
    cores (sim_wake_local); calibrate's two probes put that share
    anywhere from 0.26 to 0.93 within minutes on this VM (docs/real.md,
    "CPU busy: the wake-up share, calibrate by calibrate")."""
    if "when" in w:
        path += " (calibrated %s UTC, %.0f min before the first real run)" % (
            time.strftime("%Y-%m-%d %H:%M", time.gmtime(w["when"])),
            (start - w["when"]) / 60.0)
    if not any(k in w for k in WAKE_KEYS):
        return "fidelity: profile %s: no wake-up figures (c defaults?)" % path
    out = ", ".join("%s %.1f µs" % (k, w[k] / 1e3) for k in SHOWN_KEYS if k in w)
    if "wake_1ms" in w and "wake_remote_1ms" in w:
        here, there = w["wake_1ms"], w["wake_remote_1ms"]
        share = "%.2f" % (here / there if 0 < here < there else 1.0)
    else:
        share = "?"  # the simulation's defaults fill in what is missing
    return ("fidelity: profile %s: %s; a wake-up on the emulator's CPU pays "
            "%s of it" % (path, out, share))


def table(scenario, path, rows):
    head = ["model", "elapsed sim", "real", "err", "CPU sim", "real", "err",
            "switches sim", "real", "err", "failed sim/real", "CPU real range",
            "elapsed real range"]
    lines = []
    for r in rows:
        e, c, s = r["elapsed_ns"], r["cpu_busy_ns"], r["context_switches"]
        lines.append([r["model"], fmt_time(e[0]), fmt_time(e[1]), fmt_err(e[2]),
                      fmt_time(c[0]), fmt_time(c[1]), fmt_err(c[2]),
                      "%d" % s[0], "%d" % s[1], fmt_err(s[2]),
                      "%d/%d" % (r["failed"][0], r["failed"][1]),
                      "%s – %s" % (fmt_time(r["cpu_range"][0]),
                                   fmt_time(r["cpu_range"][1])),
                      "%s – %s" % (fmt_time(r["elapsed_range"][0]),
                                   fmt_time(r["elapsed_range"][1]))])
    title = "%s (real path: %s)" % (scenario, path or "—")
    return title, head, lines


def print_text(title, head, lines):
    w = [max(len(head[i]), *(len(l[i]) for l in lines)) for i in range(len(head))]
    print(title)
    print("  " + "  ".join(h.rjust(w[i]) if i else h.ljust(w[i])
                           for i, h in enumerate(head)))
    for l in lines:
        print("  " + "  ".join(c.rjust(w[i]) if i else c.ljust(w[i])
                               for i, c in enumerate(l)))
    print()


def md(title, head, lines):
    out = ["**%s**" % title, "", "| " + " | ".join(head) + " |",
           "|" + "---|" * len(head)]
    out += ["| " + " | ".join(l) + " |" for l in lines]
    return "\n".join(out) + "\n\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--md", help="also write the matrix as Markdown here")
    ap.add_argument("--models")
    ap.add_argument("scenarios", nargs="+")
    a = ap.parse_args()
    asynclab = os.environ.get("ASYNCLAB", "./asynclab")
    doc, within, total = [], {10.0: 0, 25.0: 0}, {10.0: 0, 25.0: 0}
    worst = {}
    loads, wide, wide_el, pairs, inside = [], 0, 0, 0, []
    start = time.time()
    for sc in a.scenarios:
        try:
            first = len(loads)
            path, rows = matrix(asynclab, sc, a.runs, a.models, loads)
        except (RuntimeError, ValueError, KeyError) as e:
            print("fidelity: %s" % e, file=sys.stderr)
            return 1
        title, head, lines = table(sc, path, rows)
        mine = [l for l in loads[first:] if l is not None]
        if mine:
            title = title[:-1] + ", load %.2f … %.2f)" % (min(mine), max(mine))
        print_text(title, head, lines)
        doc.append(md(title, head, lines))
        for r in rows:
            wide += r["cpu_range"][2] > 25.0
            wide_el += r["elapsed_range"][2] > 10.0
            pairs += 1
            lo, hi, _ = r["elapsed_range"]
            err = r["elapsed_ns"][2]
            if err is not None and abs(err) > 10.0 and lo <= r["elapsed_ns"][0] <= hi:
                inside.append("%s %s" % (sc, r["model"]))
            for label, key, target in FIGURES:
                err = r[key][2]
                if target is None or err is None:
                    continue
                total[target] += 1
                within[target] += abs(err) <= target
                if abs(err) > abs(worst.get(label, (0, ""))[0]):
                    worst[label] = (err, "%s %s" % (sc, r["model"]))
    for label, key, target in FIGURES:
        if target is None:
            continue
        w = worst.get(label, (0.0, "—"))
        print("fidelity: %s within %g %%: %d of %d (worst %+.0f %%, %s)" %
              (label, target, within[target], total[target], w[0], w[1]))
    print("fidelity: real CPU busy spread over its %d runs wider than ±25 %% "
          "of the median: %d of %d pairs" % (a.runs, wide, pairs))
    print("fidelity: real elapsed spread over its %d runs wider than ±10 %% "
          "of the median: %d of %d pairs" % (a.runs, wide_el, pairs))
    print("fidelity: elapsed off by more than 10 %% but inside the real runs' "
          "range: %d pair%s%s" % (len(inside), "" if len(inside) == 1 else "s",
                                   (" (" + ", ".join(inside) + ")")
                                 if inside else ""))
    prof = profile_path()
    line = wake_line(prof, profile_wake(prof), start)
    print(line)
    doc.append(line[len("fidelity: "):] + "\n\n")
    known = [l for l in loads if l is not None]
    if known:
        print("fidelity: load average before the real runs: %.2f … %.2f" %
              (min(known), max(known)))
    if a.md:
        with open(a.md, "w") as f:
            f.write("".join(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
