/* A core's idle gaps (sim_kernel.h): what a thread asleep slept through
 * of its core's halts.  The kernel charges a wake-up's cold work by the
 * longest of them (docs/simulator.md, "Kernel"). */
#include <stdlib.h>
#include <string.h>

#include "sim/sim_kernel.h"

/* The core starts running at now after sitting idle since freed_at: the
 * gap joins its suffix maxima (a shorter gap before it can never be the
 * longest since any instant again).  Out of memory, the oldest half goes:
 * a sleeper that long ago is charged by the gaps left.  A thread woken on
 * another core than it slept on is charged by the gaps of the core it
 * runs on: a first-order model. */
void sim_core_gap_push(struct sim_core *c, int64_t now)
{
	int64_t len = now - c->freed_at;

	if (len <= 0)
		return;
	while (c->ngaps && c->gap_len[c->ngaps - 1] <= len)
		c->ngaps--;
	if (c->ngaps == c->gaps_cap) {
		uint32_t cap = c->gaps_cap ? 2 * c->gaps_cap : 16;
		int64_t *e = realloc(c->gap_end, cap * sizeof *e);
		int64_t *l = e ? realloc(c->gap_len, cap * sizeof *l) : NULL;
		if (e)
			c->gap_end = e;
		if (l) {
			c->gap_len = l;
			c->gaps_cap = cap;
		} else {
			uint32_t half = c->ngaps / 2;
			memmove(c->gap_end, c->gap_end + half, (c->ngaps - half) * sizeof *e);
			memmove(c->gap_len, c->gap_len + half, (c->ngaps - half) * sizeof *l);
			c->ngaps -= half;
		}
		if (c->ngaps == c->gaps_cap)
			return;             /* no room at all: this gap goes uncounted */
	}
	c->gap_end[c->ngaps] = now;
	c->gap_len[c->ngaps++] = len;
}

/* The longest the core sat idle in a gap that ended after t. */
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
	return lo < c->ngaps ? c->gap_len[lo] : 0;
}

void sim_core_gaps_free(struct sim_core *c)
{
	free(c->gap_end);
	free(c->gap_len);
	c->gap_end = c->gap_len = NULL;
	c->ngaps = c->gaps_cap = 0;
}
