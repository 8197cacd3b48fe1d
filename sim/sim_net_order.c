/* The path's order (link fifo with a jitter, docs/network.md "The path's
 * order").  The kernel-TCP path's packet emulator gives every packet its
 * own way (the delay and a jitter draw) but lets none overtake the one
 * sent before it in its direction, whatever its connection
 * (net/net_emu.c: a packet arrives at the later of its own time and the
 * last one's).  So a burst of a hundred SYNs, requests or windows
 * arrives at the largest draw so far, not at each one's own, and in the
 * order it was sent: the pages' first windows reach the bottleneck's
 * queue in the order their servers wrote them.
 *
 * Ways are drawn when a packet is sent (a SYN, a request, a window's
 * first byte) or a little before (an ACKs' batch: the way of what it
 * brings is drawn when its first ACK leaves the client), so a direction
 * keeps the (sent, arrival) pairs that can still hold a packet back, in
 * the order sent: a packet sent at s arrives no sooner than the latest
 * arrival of those sent at s or before.  Pairs that arrive by now can
 * hold nothing back (every way is drawn at or before its send, and ends
 * after it) and are dropped; a pair that another one sent no later and
 * arriving no sooner covers is never kept.  Both times therefore
 * increase along the array: a lookup is a binary search, and the array
 * holds what is in flight, at most. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_net_int.h"

/* The first pair of o sent after s (o->n: none). */
static uint32_t after(const struct sim_net_order *o, int64_t s)
{
	uint32_t lo = o->first, hi = o->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (o->p[mid].sent <= s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A full array: the pairs dropped at its front give their room back, or
 * it grows. */
static void make_room(struct sim_net *n, struct sim_net_order *o)
{
	if (o->first > 0) {
		memmove(o->p, o->p + o->first, (o->n - o->first) * sizeof *o->p);
		o->n -= o->first;
		o->first = 0;
	}
	if (o->n < o->cap)
		return;
	uint32_t cap = o->cap ? 2 * o->cap : 64;
	struct sim_net_way *p = cap > o->cap ? realloc(o->p, cap * sizeof *p) : NULL;
	if (!p) {
		/* inside an event: no caller to return it to */
		fprintf(stderr, "sim_net: out of memory for the path's order\n");
		abort();
	}
	sim_net_account(n, (int64_t)((cap - o->cap) * sizeof *p));
	o->p = p;
	o->cap = cap;
}

/* Drops o's pairs that arrive by now; whether any is left. */
static int in_flight(struct sim_net_order *o, int64_t now)
{
	while (o->first < o->n && o->p[o->first].at <= now)
		o->first++;
	return o->first < o->n;
}

int64_t sim_net_order_at(struct sim_net *n, int up, int64_t now, int64_t sent, int64_t at)
{
	struct sim_net_order *o = &n->order[up ? 1 : 0];

	/* The jitter went to 0 (sim_net_set_jitter): the ways drawn before
	 * still hold back what follows them, until they have arrived; a way
	 * with no pair in flight before it cannot be held back, nor, its
	 * delay the same as those after it, hold them back. */
	if (!in_flight(o, now) && !n->jittery) {
		if (!in_flight(&n->order[up ? 0 : 1], now))
			sim_net_set_drawn(n);   /* to 0 */
		return at;
	}
	uint32_t i = after(o, sent);
	if (i > o->first && o->p[i - 1].at >= at)
		return o->p[i - 1].at;   /* behind one sent before it */
	/* it holds back those sent after it that would arrive no later */
	uint32_t j = i;
	while (j < o->n && o->p[j].at <= at)
		j++;
	if (j == i) {
		if (o->n == o->cap) {
			make_room(n, o);
			i = after(o, sent);
			j = i;
		}
		memmove(o->p + i + 1, o->p + i, (o->n - i) * sizeof *o->p);
		o->n++;
	} else if (j > i + 1) {
		memmove(o->p + i + 1, o->p + j, (o->n - j) * sizeof *o->p);
		o->n -= j - i - 1;
	}
	o->p[i] = (struct sim_net_way){sent, at};
	return at;
}

void sim_net_order_clear(struct sim_net *n)
{
	for (int d = 0; d < 2; d++)
		n->order[d].first = n->order[d].n = 0;
	sim_net_set_drawn(n);
}

void sim_net_order_free(struct sim_net *n)
{
	for (int d = 0; d < 2; d++)
		free(n->order[d].p);
}
