/* A core's idle gaps (sim_kernel_int.h): what a thread asleep slept through
 * of its core's halts.  The kernel charges a wake-up's cold work by the
 * longest of them, once per process and core (sim_wake_charge;
 * docs/simulator.md, "Kernel"). */
#include <stdio.h>
#include <stdlib.h>

#include "sim/sim_kernel_int.h"

/* The core starts running at now after sitting idle since freed_at: the
 * gap joins its suffix maxima (a shorter gap before it can never be the
 * longest since any instant again).  A thread woken on another core than
 * it slept on is charged by the gaps of the core it runs on: a
 * first-order model. */
void sim_core_gap_push(struct sim_core *c, int64_t now)
{
	int64_t len = now - c->freed_at;

	if (len <= 0)
		return;
	while (c->ngaps && c->gap_len[c->ngaps - 1] <= len)
		c->ngaps--;
	if (c->ngaps == c->gaps_cap) {
		uint32_t cap = c->gaps_cap ? 2 * c->gaps_cap : 16;
		int64_t *e = cap > c->gaps_cap ? realloc(c->gap_end, cap * sizeof *e) : NULL;
		int64_t *l;
		if (e)
			c->gap_end = e;
		l = e ? realloc(c->gap_len, cap * sizeof *l) : NULL;
		if (!l) {
			/* inside an event: no caller to return it to, and
			 * dropping gaps would make the output the allocator's */
			fprintf(stderr, "sim_kernel: out of memory for a core's idle gaps\n");
			abort();
		}
		c->gap_len = l;
		c->gaps_cap = cap;
	}
	c->gap_end[c->ngaps] = now;
	c->gap_len[c->ngaps++] = len;
}

/* The longest the core sat idle after t: the first gap that ended after
 * t may have begun before it, and counts from t; the next (it began after
 * that one ended, and is the longest of the later ones) counts whole. */
int64_t sim_core_gap_since(const struct sim_core *c, int64_t t)
{
	uint32_t lo = 0, hi = c->ngaps;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (c->gap_end[mid] > t)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == c->ngaps)
		return 0;
	int64_t first = c->gap_end[lo] - t < c->gap_len[lo] ? c->gap_end[lo] - t : c->gap_len[lo];
	int64_t next = lo + 1 < c->ngaps ? c->gap_len[lo + 1] : 0;
	return first > next ? first : next;
}

void sim_core_gaps_free(struct sim_core *c)
{
	free(c->gap_end);
	free(c->gap_len);
	c->gap_end = c->gap_len = NULL;
	c->ngaps = c->gaps_cap = 0;
}

/* What the wake-up after a sleep costs, by how long it slept (the three
 * wake_* figures, docs/costs.md). */

/* log2(x) in 1/1024ths, x >= 1: the exponent, and the mantissa's fraction
 * taken as linear (within 0.09 of log2): integers, so that every host
 * simulates the same. */
static int64_t log2_fix(int64_t x)
{
	int e = 63 - __builtin_clzll((unsigned long long)x);
	int64_t rest = e >= 10 ? (x >> (e - 10)) - 1024 : (x << (10 - e)) - 1024;

	return (int64_t)e * 1024 + rest;
}

/* a at lo or less slept, b at hi or more, along log(time) between */
static int64_t along_log(int64_t a, int64_t b, int64_t lo, int64_t hi, int64_t slept_ns)
{
	if (slept_ns <= lo)
		return a;
	if (slept_ns >= hi)
		return b;
	int64_t f = log2_fix(slept_ns) - log2_fix(lo), span = log2_fix(hi) - log2_fix(lo);
	return a + (b - a) * f / span;
}

int64_t sim_wake_cost(const struct al_costs *c, int64_t slept_ns)
{
	const int64_t us100 = 100000, ms1 = 1000000, ms100 = 100000000;

	if (slept_ns <= 0)
		return 0;
	/* under 1 ms, a line between two figures of one kind of work: the
	 * segment's recv that wakes a thread that soon, after 0.1 ms and
	 * after 1 ms (without the second, wake_1ms's page half: the old
	 * line, which joined two kinds of work) */
	if (slept_ns < ms1 && c->wake_100us_ns > 0)
		return along_log(c->wake_100us_ns,
				 c->wake_segment_1ms_ns > 0 ? c->wake_segment_1ms_ns : c->wake_1ms_ns,
				 us100, ms1, slept_ns);
	return along_log(c->wake_1ms_ns, c->wake_100ms_ns, ms1, ms100, slept_ns);
}

int64_t sim_wake_local(const struct al_costs *c, int64_t cost)
{
	int64_t here = c->wake_1ms_ns, there = c->wake_remote_1ms_ns;

	/* the figures are microseconds: a product of two well under 2^62 */
	if (here <= 0 || there <= here || cost <= 0 || cost > INT64_MAX / here)
		return cost;
	return cost * here / there;
}

/* The charge for a sleep on core ci from since to now: by the longest the
 * core halted meanwhile, never more than the sleep. */
static int64_t sleep_cost(const struct sim_kernel *k, int ci, int64_t since, int64_t now)
{
	int64_t slept = now - since, idle = sim_core_gap_since(&k->cores[ci], since);

	return sim_wake_cost(k->c, idle < slept ? idle : slept);
}

/* The crawler's own threads pay for running cold after a sleep; the
 * host's programs (bg) are charged their measured CPU whole.  What makes
 * a wake-up cold is the core's halt: a core that other threads kept busy
 * while this one slept halted only in the gaps between them, so the
 * charge goes by the longest of those (a pool of hundreds of threads on
 * one core), never by more than the sleep.  And a halt is paid once per
 * process and core: a thread woken after another of its process ran on
 * the core since it slept (a pool woken together by a round trip) finds
 * the process's caches and TLB warm there, and pays only for the gaps
 * after that run, or wake_sibling_10ms where that is more: what the
 * sibling's run left cold of the thread's own (its stack, its socket),
 * never more than its own sleep would cost it without the sibling.  The
 * warm time is kept per core: a pool's threads on two cores each leave
 * their process warm on their own. */
int64_t sim_wake_charge(struct sim_kernel *k, struct sim_thread *th, int ci, int64_t now)
{
	int64_t *warm = &k->warm_at[(size_t)th->pid * (size_t)k->ncores + (size_t)ci];
	int64_t paid = 0;

	if (th->slept && !th->bg) {
		int64_t since = *warm > th->slept_at ? *warm : th->slept_at;
		int64_t cost = sleep_cost(k, ci, since, now);
		if (since > th->slept_at && k->c->wake_sibling_10ms_ns > 0) {
			/* its own stack and socket stay cold: a floor, the
			 * sibling's measured price, up to what its own sleep
			 * would cost it alone */
			int64_t own = sleep_cost(k, ci, th->slept_at, now);
			int64_t least = own < k->c->wake_sibling_10ms_ns ? own
									 : k->c->wake_sibling_10ms_ns;
			if (cost < least)
				cost = least;
		}
		/* woken by a host program on the model's cores: Linux's sync
		 * wake-up runs it on the waker's CPU, and it pays what a
		 * wake-up from there costs of one from another CPU */
		paid = th->by_host ? sim_wake_local(k->c, cost) : cost;
		th->debt += paid;
	}
	*warm = now;
	return paid;
}
