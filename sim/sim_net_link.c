/* The client's link, shared fairly by every response streaming at once:
 * generalized processor sharing kept in virtual time.
 *
 * V is the service each streaming flow has received since the link was
 * last idle, in units of 1/8e9 byte: with k flows on a link of bw bits/s
 * it grows by exactly bw / k units per nanosecond.  A flow's current
 * segment is complete when V reaches its tag (V when it joined, or its
 * previous tag, plus the segment's length), so the flows wait in a heap by
 * tag and the link has one pending event, at the time V reaches the
 * smallest tag.  A join or a leave only changes k: V is re-based to that
 * instant, the heap is touched at one place, the event moved: O(log n),
 * whatever the number of flows.
 *
 * The heap's order is mostly a rotation: a flow whose full segment
 * completes starts its next one with the tag one full segment later, the
 * largest on the link (every other tag is at most one segment ahead of
 * the one that just completed).  So keys go to a FIFO ring, sorted by
 * construction, when they are past its back (those always are, most
 * joins too: V only grows), and to the heap otherwise: O(1) per segment
 * for a flow in the middle of its response, the same order as one heap
 * would give (the next is the smaller of the two fronts).
 *
 * Rounding: between two changes of k, event times are exact ceilings of
 * the fluid model's instant, computed from the last re-basing; a
 * re-basing rounds V down (less than 1/8e9 byte per change). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/al_assert.h"
#include "sim/sim_net_int.h"

#define UNITS 8000000000u            /* per byte: bits * ns per s         */
#define TAG_MAX ((unsigned __int128)1 << 96)

typedef unsigned __int128 u128;

static inline u128 key(u128 tag, uint32_t id)
{
	return tag << 32 | id;
}

static inline u128 key_tag(u128 k) { return k >> 32; }
static inline uint32_t key_id(u128 k) { return (uint32_t)k; }

/* --- the heap: binary, with each flow's place kept in f->hpos; hn
 * entries (k counts them and the ring's live ones) */

static void place(struct sim_net *n, uint32_t i, u128 k)
{
	n->link.heap[i] = k;
	sim_net_flow(n, key_id(k))->hpos = i;
}

static void sift_up(struct sim_net *n, uint32_t i, u128 k)
{
	u128 *h = n->link.heap;

	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (k >= h[p])
			break;
		place(n, i, h[p]);
		i = p;
	}
	place(n, i, k);
}

static void sift_down(struct sim_net *n, uint32_t i, u128 k)
{
	u128 *h = n->link.heap;
	uint32_t len = n->link.hn;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= len)
			break;
		if (c + 1 < len && h[c + 1] < h[c])
			c++;
		if (h[c] >= k)
			break;
		place(n, i, h[c]);
		i = c;
	}
	place(n, i, k);
}

/* Removes heap[i]. */
static void heap_remove(struct sim_net *n, uint32_t i)
{
	struct sim_net_link *l = &n->link;
	u128 last = l->heap[--l->hn];

	sim_net_flow(n, key_id(l->heap[i]))->hpos = SIM_NET_NIL;
	if (i < l->hn) {
		if (i > 0 && last < l->heap[(i - 1) / 2])
			sift_up(n, i, last);
		else
			sift_down(n, i, last);
	}
}

static int grow(struct sim_net *n)
{
	struct sim_net_link *l = &n->link;
	uint32_t cap = l->cap ? 2 * l->cap : 1024;
	u128 *h;

	if (cap <= l->cap || (h = realloc(l->heap, cap * sizeof *h)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	sim_net_account(n, (int64_t)((cap - l->cap) * sizeof *h));
	l->heap = h;
	l->cap = cap;
	return 0;
}

/* The heap holds what it needs: the flows on the link less those in
 * the ring. */
static void heap_push(struct sim_net *n, u128 k)
{
	struct sim_net_link *l = &n->link;

	if (l->hn == l->cap && grow(n) != 0) {
		fprintf(stderr, "sim_net: out of memory for the link's heap\n");
		abort();
	}
	sift_up(n, l->hn++, k);
}

/* --- the ring: a FIFO of keys in increasing order, mostly each a flow's
 * next full segment after the one that completed (the smallest key on the
 * link then, so larger than the ones before it).  A flow that leaves from
 * the middle leaves its entry, its id NIL, until it is the front. */

/* (out of line: a ring doubles a few times a run) */
static __attribute__((noinline)) void ring_grow(struct sim_net *n)
{
	struct sim_net_link *l = &n->link;
	uint32_t cap = l->rcap ? 2 * l->rcap : 1024;
	/* huge pages once large: a 100k-page crawl's ring faulted 1,000
	 * times a page at a time over its doublings */
	u128 *r = cap <= SIM_NET_RING && cap > l->rcap ? al_calloc_huge(cap, sizeof *r) : NULL;

	if (!r) {
		fprintf(stderr, "sim_net: out of memory for the link's ring\n");
		abort();
	}
	/* same sequence numbers, places modulo the new capacity */
	for (uint32_t s = l->rhead; s != l->rtail; s++) {
		u128 e = l->ring[s & (l->rcap - 1)];
		r[s & (cap - 1)] = e;
		if (key_id(e) != SIM_NET_NIL)
			sim_net_flow(n, key_id(e))->hpos = SIM_NET_RING | (s & (cap - 1));
	}
	sim_net_account(n, (int64_t)((cap - l->rcap) * sizeof *r));
	al_free_huge(l->ring);
	l->ring = r;
	l->rcap = cap;
}

/* 1 if k may go to the ring's back: it is larger than every key there (a
 * left flow's entry keeps its tag, its id NIL the largest). */
static int ring_takes(const struct sim_net_link *l, u128 k)
{
	return l->rhead == l->rtail || k > l->ring[(l->rtail - 1) & (l->rcap - 1)];
}

/* Inline: a segment's one step on the link besides its outcome (the
 * call and its saves were a third of it, 117 k a 10k-page crawl). */
static inline void ring_push(struct sim_net *n, u128 k)
{
	struct sim_net_link *l = &n->link;

	AL_ASSERT(ring_takes(l, k));
	if (l->rtail - l->rhead == l->rcap)
		ring_grow(n);
	uint32_t i = l->rtail++ & (l->rcap - 1);
	l->ring[i] = k;
	sim_net_flow(n, key_id(k))->hpos = SIM_NET_RING | i;
}

/* The ring's first live entry, those of flows that left dropped: 1 and
 * its key in *k, or 0 if it holds none. */
static int ring_front(struct sim_net_link *l, u128 *k)
{
	while (l->rhead != l->rtail) {
		u128 e = l->ring[l->rhead & (l->rcap - 1)];
		if (key_id(e) != SIM_NET_NIL) {
			*k = e;
			return 1;
		}
		l->rhead++;
	}
	return 0;
}

/* The streaming flow whose segment completes first (k > 0): its key in
 * *k; 1 if it is the ring's front, 0 the heap's top. */
static inline int first(struct sim_net_link *l, u128 *k)
{
	u128 r;

	if (ring_front(l, &r) && (l->hn == 0 || r < l->heap[0])) {
		*k = r;
		return 1;
	}
	AL_ASSERT(l->hn > 0);
	*k = l->heap[0];
	return 0;
}

/* Takes the first flow (first() said where) off the link's order. */
static void take_first(struct sim_net *n, int inring, struct sim_flow *f)
{
	if (inring) {
		n->link.rhead++;
		f->hpos = SIM_NET_NIL;
	} else {
		heap_remove(n, 0);
	}
}

/* One streaming flow fewer (it is out of the heap and the ring). */
static void drop(struct sim_net_link *l)
{
	if (--l->k == 0)
		l->rhead = l->rtail;     /* only left flows' entries remain */
}

/* --- virtual time */

/* a / b without the 128-bit division's call when it is not needed: in
 * 64 bits when both fit (a segment's units times k), and on x86-64 with
 * one divq when b fits and so does the quotient (V's growth since the
 * last re-basing: ns times bw passes 2^64 after 1.8 s at 10 Gbit/s).  The
 * same quotient either way. */
static inline u128 div128(u128 a, u128 b)
{
	if ((b >> 64) == 0) {
		uint64_t hi = (uint64_t)(a >> 64), lo = (uint64_t)a, d = (uint64_t)b;
		if (hi == 0)
			return lo / d;
#if defined(__x86_64__)
		if (hi < d) {
			uint64_t q, r;
			__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
			return q;
		}
#endif
	}
	return a / b;
}

static u128 vnow(const struct sim_net_link *l, int64_t now)
{
	if (l->k == 0 || l->bw == 0)
		return l->v0;
	return l->v0 + div128((u128)(now - l->t0) * (u128)l->bw, l->k);
}

/* k or bw is about to change at now: V so far becomes the new origin. */
static void rebase(struct sim_net_link *l, int64_t now)
{
	l->v0 = l->k == 0 ? 0 : vnow(l, now);
	l->t0 = now;
}

static void on_link(void *arg, int64_t now);

/* When V reaches tag (the link streams, l->k > 0).  Inline: complete()
 * asks it once a segment. */
static inline int64_t due_at(const struct sim_net_link *l, u128 tag)
{
	if (tag <= l->v0)
		return l->t0;
	u128 d = div128((tag - l->v0) * l->k + (u128)l->bw - 1, (u128)l->bw);
	/* past the simulation's horizon it never comes (sim_os.h) */
	return d < (u128)(SIM_NET_HORIZON - l->t0) ? l->t0 + (int64_t)d : SIM_NET_HORIZON;
}

/* Moves the link's one event to due, when V reaches the smallest tag:
 * the queue's reserved event (sim_queue_res_set), so a move leaves no
 * tombstone to pop and costs no push (60 k moves and pushes, 13 k
 * tombstones, on a 10k-page linux crawl). */
static void arm_due(struct sim_net *n, int64_t now, int64_t due)
{
	struct sim_net_link *l = &n->link;

	AL_ASSERT(due >= now);
	if (sim_queue_res_on(n->q) && due == l->due)
		return;
	l->due = due;
	sim_queue_res_set(n->q, due, on_link, n);
}

/* Moves the link's one event to when V reaches the smallest tag. */
static void arm(struct sim_net *n, int64_t now)
{
	struct sim_net_link *l = &n->link;

	if (l->k == 0 || l->bw == 0) {
		sim_queue_res_clear(n->q);
		return;
	}
	u128 top;
	first(l, &top);
	arm_due(n, now, due_at(l, key_tag(top)));
}

/* Unlimited bandwidth: the whole response (up to a loss) is there at
 * once. */
static void burst(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	int out;

	while ((out = sim_net_seg_outcome(n, f, now)) == SIM_SEG_MORE)
		;
	sim_net_seg_after(n, f, out, now);
}

/* The streaming flows due at now (V has reached their tags), from the
 * first (*ptop, *pin as first() said) on.  Returns when the first one left
 * is due, its key and place in *ptop and *pin (l->k > 0; else 0).  A flow
 * is due when due_at(its tag) <= now: that is its tag <= V(now), as V is
 * a floor and due_at a ceiling, and a re-basing at now (a flow done, or
 * closed by a hook) keeps V(now) (the link's event checked V(now) once,
 * and then each next tag against it: two divisions, where this is one). */
static int64_t complete(struct sim_net *n, int64_t now, u128 *ptop, int *pin)
{
	struct sim_net_link *l = &n->link;
	u128 top = *ptop;
	int inring = *pin;
	int64_t due = 0;

	do {
		struct sim_flow *f = sim_net_flow(n, key_id(top));
		int out = sim_net_seg_outcome(n, f, now);

		if (out == SIM_SEG_MORE) {
			/* The flow stays backlogged: its next tag follows on
			 * from this one, not from V, so rounding V up to the
			 * event's nanosecond costs it nothing.  A full
			 * segment's tag is the largest yet: the ring's back. */
			u128 tag = key_tag(top) + (u128)sim_net_seg_len(n, f) * UNITS, nk;
			AL_ASSERT(tag < TAG_MAX);
			nk = key(tag, f->id);
			if (inring) {
				take_first(n, inring, f);
				if (ring_takes(l, nk))
					ring_push(n, nk);
				else
					heap_push(n, nk);
			} else if (ring_takes(l, nk)) {
				take_first(n, inring, f);
				ring_push(n, nk);
			} else {
				sift_down(n, 0, nk);
			}
		} else {
			rebase(l, now);
			take_first(n, inring, f);
			drop(l);
		}
		/* Last: the hook may close any flow, this one included. */
		sim_net_seg_after(n, f, out, now);
	} while (l->k > 0 && (inring = first(l, &top), (due = due_at(l, key_tag(top))) <= now));
	*ptop = top;
	*pin = inring;
	return l->k > 0 ? due : 0;
}

/* The segments due at now complete.  The event is moved on every change,
 * so it is never early.  The next one runs here too when the owner's clock
 * says it is the queue's next (sim_net_set_clock): as popped, at its
 * time, nothing else between. */
static void on_link(void *arg, int64_t now)
{
	struct sim_net *n = arg;
	struct sim_net_link *l = &n->link;
	u128 top;
	int inring;

	/* (popped, the queue's reserved event is clear) its first flow is
	 * due (checked once, then taken as the loop's first) */
	AL_ASSERT(l->k > 0);
	inring = first(l, &top);
	AL_ASSERT(key_tag(top) <= vnow(l, now));
	for (;;) {
		/* the loop's last look is the first, due then */
		int64_t due = complete(n, now, &top, &inring);
		if (l->k == 0) {
			arm(n, now);
			return;
		}
		/* a hook that moved the link's event (a flow closed) keeps
		 * it pushed */
		if (sim_queue_res_on(n->q) || !n->advance || !n->advance(n->advance_arg, due)) {
			arm_due(n, now, due);
			return;
		}
		now = due;
	}
}

int sim_net_link_init(struct sim_net *n)
{
	n->link = (struct sim_net_link){.bw = n->net.bandwidth_bps};
	return 0;
}

void sim_net_link_free(struct sim_net *n)
{
	sim_net_fifo_free(n);
	if (n->q)
		sim_queue_res_clear(n->q);
	free(n->link.heap);
	al_free_huge(n->link.ring);
	sim_net_account(n, -(int64_t)(n->link.cap * sizeof *n->link.heap));
	sim_net_account(n, -(int64_t)(n->link.rcap * sizeof *n->link.ring));
	n->link = (struct sim_net_link){0};
}

void sim_net_link_join(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	struct sim_net_link *l = &n->link;

	if (l->bw == 0) {
		burst(n, f, now);
		return;
	}
	rebase(l, now);
	u128 tag = l->v0 + (u128)sim_net_seg_len(n, f) * UNITS;
	AL_ASSERT(tag < TAG_MAX);
	f->state = FL_STREAM;
	l->k++;
	/* V only grows, so a join's key is mostly past the ring's back too */
	if (ring_takes(l, key(tag, f->id)))
		ring_push(n, key(tag, f->id));
	else
		heap_push(n, key(tag, f->id));
	if (l->k > n->st.peak_streaming)
		n->st.peak_streaming = l->k;
	arm(n, now);
}

void sim_net_link_leave(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	struct sim_net_link *l = &n->link;

	if (sim_net_fifo_on(n)) {
		sim_net_fifo_leave(n, f, now);
		return;
	}
	rebase(l, now);
	if (f->hpos != SIM_NET_NIL && (f->hpos & SIM_NET_RING)) {
		u128 *e = &l->ring[f->hpos & ~SIM_NET_RING];
		AL_ASSERT(key_id(*e) == f->id);
		*e = key(key_tag(*e), SIM_NET_NIL);
		f->hpos = SIM_NET_NIL;
	} else {
		AL_ASSERT(f->hpos < l->hn && key_id(l->heap[f->hpos]) == f->id);
		heap_remove(n, f->hpos);
	}
	drop(l);
	arm(n, now);
}

void sim_net_link_set_bw(struct sim_net *n, int64_t bw, int64_t now)
{
	struct sim_net_link *l = &n->link;

	if (sim_net_fifo_on(n)) {
		l->bw = bw;
		sim_net_fifo_set_bw(n, now);
		return;
	}
	rebase(l, now);
	l->bw = bw;
	/* Unlimited from now on: whatever is streaming arrives at once, in
	 * tag order. */
	while (bw == 0 && l->k > 0) {
		u128 top;
		int inring = first(l, &top);
		struct sim_flow *f = sim_net_flow(n, key_id(top));
		take_first(n, inring, f);
		drop(l);
		burst(n, f, now);
	}
	arm(n, now);
}

void sim_net_link_clear(struct sim_net *n)
{
	struct sim_net_link *l = &n->link;

	sim_net_fifo_clear(n);
	sim_queue_res_clear(n->q);
	l->k = l->hn = 0;
	l->rhead = l->rtail;
	l->v0 = 0;
}
