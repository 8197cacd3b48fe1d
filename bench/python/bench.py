"""make bench, the python part: the seven crawlers of bench/python/ against
`asynclab serve` on loopback (bench/python.yaml), each run REPS times, and
the simulator on the same scenario with the profile `asynclab calibrate
--python` wrote (PROFILE) and with the shipped python defaults.  Prints per
model the simulated and measured elapsed time (the median, and the best
run: a neighbour's burst makes a run slower, never faster) and the error
against the median, and the
measured and simulated CPU (user + system of the crawler and of the
children it waited for; the simulation's CPU busy).

    python3 bench.py ASYNCLAB PROFILE [REPS]

Figures, not assertions: exit status 1 only when something could not run
(a crawler failed, a page was wrong, the server did not start)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "..", "python.yaml")
MODELS = [("sync", "sync"), ("process", "process"), ("thread", "thread"),
          ("nonblocking", "nonblocking"), ("callback", "callback"),
          ("generator", "generator"), ("asyncio", "asyncio_way")]
PAGES, SIZE = 10, 20000      # bench/python.yaml's workload and page_size


def die(msg):
    print("bench_python: " + msg, file=sys.stderr)
    sys.exit(1)


def serve(asynclab):
    p = subprocess.Popen([asynclab, "serve", SCENARIO], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    try:
        port = int(line.rsplit(":", 1)[1].split()[0])
    except (IndexError, ValueError):
        p.kill()
        die("asynclab serve did not say where it listens: %r" % line)
    return p, port


def crawl(script, port):
    r = subprocess.run([sys.executable, os.path.join(HERE, script + ".py"),
                        "127.0.0.1", str(port), str(PAGES), str(SIZE)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        die("%s.py failed (exit status %d): %s" % (script, r.returncode,
                                                   (r.stderr or r.stdout).strip()[-300:]))
    return json.loads(r.stdout)


def simulate(asynclab, profile):
    with open(SCENARIO) as f:
        text = f.read()
    if profile:
        text = text.replace("profile: python\n", "profile: %s\n" % os.path.abspath(profile))
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
    try:
        r = subprocess.run([asynclab, "run", "--json", f.name], capture_output=True,
                           text=True, timeout=300)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        die("asynclab run failed: " + r.stderr.strip())
    return {m["model"]: m for m in json.loads(r.stdout)["models"]}


def main():
    if len(sys.argv) < 3:
        die("usage: bench.py ASYNCLAB PROFILE [REPS]")
    asynclab, profile = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    sim = simulate(asynclab, profile)
    shipped = simulate(asynclab, None)
    server, port = serve(asynclab)
    real = {}
    try:
        # the models in turn, REPS rounds: a noisy minute spreads over all
        for _ in range(reps):
            for name, script in MODELS:
                real.setdefault(name, []).append(crawl(script, port))
    finally:
        server.terminate()
        server.wait()
    print("python models: CPython %s (%s) against asynclab serve, %s, median of %d"
          % (sys.version.split()[0], sys.executable, os.path.basename(SCENARIO), reps))
    print("  %-12s %10s %10s %10s %10s %8s %10s %10s %8s" % ("model", "measured", "best",
          "cpu", "sim", "error", "sim cpu", "shipped", "error"))
    worst = (0, "")
    for name, _ in MODELS:
        el = statistics.median(r["elapsed_ns"] for r in real[name])
        best = min(r["elapsed_ns"] for r in real[name])
        cpu = statistics.median(r["cpu_ns"] for r in real[name])
        s, d = sim[name]["elapsed_ns"], shipped[name]["elapsed_ns"]
        e, ed = (s - el) / el * 100, (d - el) / el * 100
        if abs(e) > worst[0]:
            worst = (abs(e), name)
        print("  %-12s %8.1f ms %7.1f ms %7.1f ms %7.1f ms %+7.1f%% %7.1f ms %7.1f ms %+7.1f%%"
              % (name, el / 1e6, best / 1e6, cpu / 1e6, s / 1e6, e,
                 sim[name]["cpu_busy_ns"] / 1e6, d / 1e6, ed))
    print("  largest elapsed error with the measured profile: %.1f %% (%s); target <= 10 %%"
          % worst)


if __name__ == "__main__":
    main()
