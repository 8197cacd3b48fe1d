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
import heapq
import sys
import time

import simpy


class Link:
    """Processor sharing by virtual time: v is the bytes each body in
    flight has received; a body of b bytes started at v ends at v + b,
    whatever arrives meanwhile, so a heap of those ends is enough."""

    def __init__(self, env, bytes_per_s):
        self.env = env
        self.rate = bytes_per_s
        self.v = 0.0
        self.t = 0.0
        self.ends = []
        self.seq = 0
        self.wake = env.event()
        env.process(self.run())

    def _advance(self):
        now = self.env.now
        if self.ends:
            self.v += (now - self.t) * self.rate / len(self.ends)
        self.t = now

    def transfer(self, nbytes):
        self._advance()
        done = self.env.event()
        self.seq += 1
        heapq.heappush(self.ends, (self.v + nbytes, self.seq, done))
        if not self.wake.triggered:
            self.wake.succeed()
        return done

    def run(self):
        env = self.env
        while True:
            if not self.ends:
                yield self.wake
                self.wake = env.event()
                continue
            self._advance()
            dt = (self.ends[0][0] - self.v) * len(self.ends) / self.rate
            yield env.timeout(max(dt, 0.0)) | self.wake
            if self.wake.triggered:
                self.wake = env.event()
            self._advance()
            while self.ends and self.ends[0][0] <= self.v * (1 + 1e-12) + 1e-9:
                heapq.heappop(self.ends)[2].succeed()


def main():
    pages, size = int(sys.argv[1]), int(sys.argv[2])
    rtt, think, bw, parse_kib = (float(a) for a in sys.argv[3:7])
    t0 = time.perf_counter()
    env = simpy.Environment()
    link = Link(env, bw / 8)
    cpu = simpy.Resource(env, capacity=1)
    parse = parse_kib * size / 1024
    done = [0]

    def page():
        yield env.timeout(rtt)              # connect
        yield env.timeout(rtt / 2 + think)  # the request, the server
        yield link.transfer(size)           # the body at its fair share
        yield env.timeout(rtt / 2)          # its last byte arrives
        with cpu.request() as req:
            yield req
            yield env.timeout(parse)
        done[0] += 1

    for _ in range(pages):
        env.process(page())
    env.run()
    wall = time.perf_counter() - t0
    print(done[0], "%.9f" % env.now, "%.3f" % wall)


if __name__ == "__main__":
    main()
