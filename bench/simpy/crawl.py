"""The crawl of `make bench`'s SimPy comparison, as a SimPy 3 model.

asyncio-like: every page is fetched at once from t = 0.  A page connects
(one round trip), sends its request (half a round trip to the server),
waits for the server's think time, receives its body at the link's fair
share (processor sharing: n bodies in flight get bandwidth / n each), whose
last byte takes half a round trip more, and is then parsed on the one core
(parse_per_kib per KiB of body).  A simpler model than asynclab's (no TCP
windows, no syscalls, no memory); close enough to compare the speed of
two simulators of the same crawl, which is what it is for.

usage: crawl.py PAGES PAGE_BYTES RTT_S THINK_S BANDWIDTH_BIT_S PARSE_PER_KIB_S
prints one line: pages ok, simulated elapsed (s), wall (s).
"""
import gc
import heapq
import sys
import time

import simpy


class Link:
    """Processor sharing by virtual time: v is the bytes each body in
    flight has received; a body of b bytes started at v ends at v + b,
    whatever arrives meanwhile, so a heap of those ends is enough.  One
    timeout is pending for the earliest end; an arrival, which changes
    everyone's share, schedules a new one and the old one stands down
    (SimPy cannot cancel a timeout)."""

    def __init__(self, env, bytes_per_s):
        self.env = env
        self.rate = bytes_per_s
        self.v = 0.0
        self.t = 0.0
        self.ends = []
        self.seq = 0
        self.gen = 0

    def _advance(self):
        now = self.env.now
        if self.ends:
            self.v += (now - self.t) * self.rate / len(self.ends)
        self.t = now

    def _schedule(self):
        self.gen += 1
        if self.ends:
            dt = (self.ends[0][0] - self.v) * len(self.ends) / self.rate
            gen = self.gen
            self.env.timeout(max(dt, 0.0)).callbacks.append(lambda _e: self._fire(gen))

    def _fire(self, gen):
        if gen != self.gen:
            return
        self._advance()
        ends = self.ends
        while ends and ends[0][0] <= self.v * (1 + 1e-12) + 1e-9:
            heapq.heappop(ends)[2].succeed()
        self._schedule()

    def transfer(self, nbytes):
        self._advance()
        done = self.env.event()
        self.seq += 1
        heapq.heappush(self.ends, (self.v + nbytes, self.seq, done))
        self._schedule()
        return done


def main():
    pages, size = int(sys.argv[1]), int(sys.argv[2])
    rtt, think, bw, parse_kib = (float(a) for a in sys.argv[3:7])
    # A million live generators make CPython's cycle collector rescan
    # them all, again and again; nothing here makes cycles to collect, so
    # it is off, as a SimPy user would turn it off for a large model.
    gc.disable()
    t0 = time.perf_counter()
    env = simpy.Environment()
    link = Link(env, bw / 8)
    parse = parse_kib * size / 1024
    # the one core, FIFO: when it is next free (a simpy.Resource does the
    # same, but its queue of a million waiters costs O(n) a release)
    cpu_free = [0.0]
    done = [0]

    def page():
        yield env.timeout(rtt)              # connect
        yield env.timeout(rtt / 2 + think)  # the request, the server
        yield link.transfer(size)           # the body at its fair share
        yield env.timeout(rtt / 2)          # its last byte arrives
        start = max(env.now, cpu_free[0])
        cpu_free[0] = start + parse
        yield env.timeout(start + parse - env.now)
        done[0] += 1

    for _ in range(pages):
        env.process(page())
    env.run()
    wall = time.perf_counter() - t0
    print(done[0], "%.9f" % env.now, "%.3f" % wall)


if __name__ == "__main__":
    main()
