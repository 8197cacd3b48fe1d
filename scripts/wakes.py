#!/usr/bin/env python3
"""How a real run's crawler was woken, and what each burst after it cost.

Reads the scheduler's trace of a real run (docs/real.md, "CPU busy: is
the real figure stable, and what does it count?"):

    perf record -e sched:sched_switch -e sched:sched_wakeup -a -o sched.data -- \\
        asynclab run --net real SCENARIO --models sync,callback --no-trace
    scripts/wakes.py sched.data        # or: perf script ... | scripts/wakes.py -

The model's processes are the ones named al-MODEL (net/net_run.c names
them; al-emulator, al-server and al-link are the lab's).  For each model,
every switch-in after a wake-up is put in one kind by what the CPU ran
just before it:

  halted   the idle task: the core had halted, and the wake-up came as an
           interrupt (on this VM, through the hypervisor)
  lab      the lab's own server, emulator or link on that core
  other    another program: on a shared machine, other sessions' work
  resumed  a switch-in with no wake-up before it (it had been preempted)

and the burst that follows (switch-in to switch-out, the time on the CPU)
is summed per kind.  Wall time on the CPU, not getrusage: the sum of a
model's bursts came to 60-106 % of its CPU busy in the runs of
docs/real.md (what interrupts and exits add inside a burst is in both).
"""
import collections
import re
import statistics
import subprocess
import sys

LAB = ("al-emulator", "al-server", "al-link")
LINE = re.compile(r"\s*(.*?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:(sched_\w+):\s+(.*)")
SWITCH = re.compile(r"prev_comm=(.*?) prev_pid=(\d+) .*prev_state=(\S+) ==> "
                    r"next_comm=(.*?) next_pid=(\d+)")
WAKEUP = re.compile(r"comm=(.*?) pid=(\d+) ")


def is_model(comm):
    return comm.startswith("al-") and comm not in LAB


def analyse(lines):
    """{model: {kind: [burst seconds]}} from `perf script` lines."""
    names = {}                  # pid -> the name it last switched in as
    woken = set()               # model pids woken and not yet switched in
    running = {}                # cpu -> (pid, t_in, kind)
    out = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        cpu, t, event, rest = int(m.group(3)), float(m.group(4)), m.group(5), m.group(6)
        if event == "sched_wakeup":
            w = WAKEUP.search(rest)
            if w and is_model(w.group(1)):
                woken.add(int(w.group(2)))
            continue
        if event != "sched_switch":
            continue
        s = SWITCH.search(rest)
        if not s:
            continue
        prev_comm, prev, next_comm, nxt = s.group(1), int(s.group(2)), s.group(4), int(s.group(5))
        was = running.pop(cpu, None)
        if was and was[0] == prev:
            out[names[prev]][was[2]].append(t - was[1])
        if is_model(next_comm):
            names[nxt] = next_comm[3:]
            if nxt in woken:
                woken.discard(nxt)
                kind = ("halted" if prev == 0 else "lab" if prev_comm in LAB else "other")
            else:
                kind = "resumed"
            running[cpu] = (nxt, t, kind)
    return out


def report(out):
    rows = []
    for model in sorted(out):
        kinds = out[model]
        total = sum(sum(v) for v in kinds.values())
        parts = []
        for kind in ("halted", "lab", "other", "resumed"):
            v = kinds.get(kind)
            if v:
                parts.append("%s %d (median %.1f µs, %.1f ms)" %
                             (kind, len(v), statistics.median(v) * 1e6, sum(v) * 1e3))
        rows.append("%-11s bursts %.1f ms: %s" % (model, total * 1e3, ", ".join(parts)))
    return rows


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().split("\n\n")[0] + "\n\nusage: wakes.py PERF_DATA | -",
              file=sys.stderr)
        return 2
    if argv[1] == "-":
        lines = sys.stdin
    else:
        try:
            p = subprocess.run(["perf", "script", "-i", argv[1], "-F",
                                "comm,tid,cpu,time,event,trace"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, check=False)
        except OSError as e:
            print("wakes: cannot run perf: %s" % e, file=sys.stderr)
            return 2
        if p.returncode != 0:
            print("wakes: perf script -i %s: %s" % (argv[1], p.stderr.strip().splitlines()[-1:]),
                  file=sys.stderr)
            return 2
        lines = p.stdout.splitlines()
    rows = report(analyse(lines))
    if not rows:
        print("wakes: no al-MODEL process in the trace (recorded with -a, "
              "sched_switch and sched_wakeup?)", file=sys.stderr)
        return 2
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
