/* The client's link as one FIFO drop-tail queue (network.link fifo, tcp
 * linux): what the kernel-TCP path's packet emulator is, and a router's
 * or a NIC's queue (docs/network.md, "A FIFO link").
 *
 * Segments are counted, not stored (sim_net_tcp.c), and a flow puts the
 * segments its window allows on the link at one instant, so they are
 * contiguous in the queue: a block (flow, n queued, drop).  The blocks
 * form a ring in arrival order; the head block's segments go one after
 * the other at the full bandwidth, and the link has one pending event,
 * when the segment in service has gone.  Which of its segments a flow
 * sends (a retransmission first) is its TCP's to say when the segment
 * starts, as on the fair link.  Each segment takes its headers' link time
 * too (HDR), as on the real path.  A flow's blocks are chained (its
 * first and last in f->prev and f->next, unused past the backlog), so a
 * flow that leaves mid-queue (closed, failed) costs its own blocks: O(1)
 * per segment and per block.
 *
 * Drop-tail: a block finds the queue holding `queued` segments (the one
 * in service included, as the emulator counts); those past network.queue
 * are dropped.  They are lost to the flow's TCP when the block's last
 * accepted segment has gone (at once if none was accepted), so that the
 * flow's loss machinery (dupACKs, RACK, the probe, the RTO) finds them
 * as it finds any loss.
 *
 * The server's pure ACKs share the queue (the emulator's queue counts
 * packets, whatever their length): the ACK of each request, sent when it
 * arrives (quick-ACK mode, before the application reads it), and of each
 * client's FIN, a one-way trip after the client's close.  Each reaches the
 * queue its way down after it is sent, as the segments do (the emulator
 * delays a packet, then queues it at the bottleneck).  Each is a block
 * of its own (id SIM_NET_CTL), takes a place and its headers' link time,
 * and a full queue drops it; nothing waits for it, so a dropped one costs
 * only what it took. */
#include <stdio.h>
#include <stdlib.h>

#include "core/al_assert.h"
#include "sim/sim_net_tcp_int.h"

/* A segment's IPv4 and TCP headers, with the timestamps option Linux
 * sends: link time the emulator charges too (it counts IP packets). */
#define HDR 52

static void on_fifo(void *arg, int64_t now);
static void on_ack(void *arg, int64_t now);

/* ns to send len bytes at bw bits/s, rounded up (the emulator's rule) */
static int64_t tx_ns(int64_t len, int64_t bw)
{
	return (len * 8 * INT64_C(1000000000) + bw - 1) / bw;
}

static struct sim_net_blk *at(const struct sim_net_fifo *q, uint32_t s)
{
	return &q->blk[s & (q->cap - 1)];
}

static void grow(struct sim_net *n)
{
	struct sim_net_fifo *q = &n->fifo;
	uint32_t cap = q->cap ? 2 * q->cap : 256;
	struct sim_net_blk *b = cap > q->cap && cap <= 0x80000000u ? malloc(cap * sizeof *b) : NULL;

	if (!b) {
		/* inside an event: no caller to return it to */
		fprintf(stderr, "sim_net: out of memory for the link's queue\n");
		abort();
	}
	/* same sequence numbers, places modulo the new capacity */
	for (uint32_t s = q->head; s != q->tail; s++)
		b[s & (cap - 1)] = *at(q, s);
	sim_net_account(n, (int64_t)((cap - q->cap) * sizeof *b));
	free(q->blk);
	q->blk = b;
	q->cap = cap;
}

/* The first block whose flow has not left, or NULL. */
static struct sim_net_blk *front(struct sim_net_fifo *q)
{
	while (q->head != q->tail) {
		struct sim_net_blk *b = at(q, q->head);
		if (b->id == SIM_NET_CTL && b->n == 0) {
			b->id = SIM_NET_NIL;     /* a dropped ACK: nothing to do */
			q->head++;
		} else if (b->id != SIM_NET_NIL) {
			return b;
		} else {
			q->head++;
		}
	}
	return NULL;
}

/* The head block b is done: off the queue, one block fewer for its flow. */
static void pop(struct sim_net *n, struct sim_net_blk *b)
{
	struct sim_flow *f = sim_net_flow(n, b->id);

	AL_ASSERT(f->hpos > 0 && f->prev == n->fifo.head);
	f->prev = b->next;               /* the head block is its first */
	if (--f->hpos == 0) {
		n->fifo.k--;
		f->prev = f->next = SIM_NET_NIL;
	}
	b->id = SIM_NET_NIL;
	n->fifo.head++;
}

static void arm(struct sim_net *n, int64_t due)
{
	struct sim_net_fifo *q = &n->fifo;

	if (q->token && due == q->due)
		return;
	sim_queue_cancel(n->q, q->token);
	q->due = due;
	q->token = sim_net_must_push(n, due, on_fifo, n);
}

/* The next segment starts at now, unless one is in service: the head's
 * next accepted one, or its drops at once. */
static void start(struct sim_net *n, int64_t now)
{
	struct sim_net_fifo *q = &n->fifo;
	struct sim_net_blk *b;

	if (q->busy || n->link.bw == 0)
		return;                  /* bw 0: set_bw empties the queue */
	if ((b = front(q)) == NULL) {
		sim_queue_cancel(n->q, q->token);
		q->token = 0;
		return;
	}
	if (b->n == 0) {
		arm(n, now);
		return;
	}
	q->busy = 1;
	if (b->id == SIM_NET_CTL)
		arm(n, now + tx_ns(HDR, n->link.bw));
	else
		arm(n, now + tx_ns(HDR + sim_net_tcp_seg_len_kind(sim_net_flow(n, b->id), b->rtx > 0),
				   n->link.bw));
}

static void on_fifo(void *arg, int64_t now)
{
	struct sim_net *n = arg;
	struct sim_net_fifo *q = &n->fifo;
	struct sim_net_blk *b = front(q);
	struct sim_flow *f;
	int out;

	q->token = 0;
	AL_ASSERT(b != NULL);
	if (b->id == SIM_NET_CTL) {
		/* a pure ACK has gone (front skips the dropped ones) */
		AL_ASSERT(q->busy && b->n == 1);
		q->busy = 0;
		q->queued--;
		b->id = SIM_NET_NIL;
		q->head++;
		start(n, now);
		return;
	}
	f = sim_net_flow(n, b->id);
	if (q->busy) {
		/* the head's segment has gone through */
		q->busy = 0;
		b->n--;
		q->queued--;
	} else {
		/* one the queue dropped: lost, its TCP finds it as any loss */
		AL_ASSERT(b->n == 0 && b->drop > 0);
		b->drop--;
		sim_net_tcp_seg_len_kind(f, b->rtx > 0);  /* notes which it was */
		f->flags |= FLAG_DROP;
	}
	if (b->rtx)
		b->rtx--;
	if (b->n == 0 && b->drop == 0)
		pop(n, b);
	out = sim_net_seg_outcome(n, f, now);
	/* its blocks hold exactly the segments its TCP has at the link */
	AL_ASSERT((out == SIM_SEG_MORE) == (f->hpos > 0));
	/* Last: the hook may close any flow, this one included (its blocks
	 * then leave the queue). */
	sim_net_seg_after(n, f, out, now);
	start(n, now);
}

void sim_net_fifo_add(struct sim_net *n, struct sim_flow *f, uint32_t rtx, uint32_t segs,
		      int64_t now)
{
	struct sim_net_fifo *q = &n->fifo;
	uint32_t limit = (uint32_t)(n->net.queue > 0 ? n->net.queue : 1), room, s;

	AL_ASSERT(segs > 0);
	if (n->link.bw == 0) {
		/* unlimited: no queue, the segments are there at once */
		if (f->state != FL_STREAM)
			sim_net_link_join(n, f, now);
		return;
	}
	if (f->state != FL_STREAM) {
		f->state = FL_STREAM;
		f->hpos = 0;
	}
	if (q->tail - q->head == q->cap)
		grow(n);
	room = q->queued < limit ? limit - q->queued : 0;
	room = room < segs ? room : segs;
	s = q->tail++;
	*at(q, s) = (struct sim_net_blk){.id = f->id, .rtx = rtx, .n = room,
					 .drop = segs - room, .next = SIM_NET_NIL};
	if (f->hpos++ == 0) {
		f->prev = s;
		if (++q->k > n->st.peak_streaming)
			n->st.peak_streaming = q->k;
	} else {
		at(q, f->next)->next = s;
	}
	f->next = s;
	q->queued += room;
	start(n, now);
}

void sim_net_fifo_ack(struct sim_net *n, int64_t now)
{
	struct sim_net_fifo *q = &n->fifo;
	uint32_t limit = (uint32_t)(n->net.queue > 0 ? n->net.queue : 1), in;

	if (n->link.bw == 0 || n->down)
		return;                  /* no queue; or no link to take it */
	if (q->tail - q->head == q->cap)
		grow(n);
	in = q->queued < limit;
	n->st.acks++;
	n->st.acks_dropped += !in;
	*at(q, q->tail++) = (struct sim_net_blk){.id = SIM_NET_CTL, .n = in, .drop = !in,
						 .next = SIM_NET_NIL};
	q->queued += in;
	start(n, now);
}

void sim_net_fifo_ack_at(struct sim_net *n, int kind, int64_t t)
{
	struct sim_net_acks *a = &n->fifo.ack[kind];

	if (!sim_net_fifo_on(n) || n->link.bw == 0 || n->down)
		return;                  /* no FIFO queue; or no link to carry it */
	a->net = n;
	if (a->tail - a->head == a->cap) {
		uint32_t cap = a->cap ? 2 * a->cap : 256;
		int64_t *p = cap > a->cap && cap <= 0x80000000u ? malloc(cap * sizeof *p) : NULL;
		if (!p) {
			/* inside an event: no caller to return it to */
			fprintf(stderr, "sim_net: out of memory for the server's ACKs\n");
			abort();
		}
		for (uint32_t s = a->head; s != a->tail; s++)
			p[s & (cap - 1)] = a->t[s & (a->cap - 1)];
		sim_net_account(n, (int64_t)((cap - a->cap) * sizeof *p));
		free(a->t);
		a->t = p;
		a->cap = cap;
	}
	/* in order: an RTT event may shorten the way of the later ones */
	if (a->tail != a->head && t < a->t[(a->tail - 1) & (a->cap - 1)])
		t = a->t[(a->tail - 1) & (a->cap - 1)];
	a->t[a->tail++ & (a->cap - 1)] = t;
	if (!a->token)
		a->token = sim_net_must_push(n, t, on_ack, a);
}

static void on_ack(void *arg, int64_t now)
{
	struct sim_net_acks *a = arg;
	struct sim_net *n = a->net;

	a->token = 0;
	while (a->head != a->tail && a->t[a->head & (a->cap - 1)] <= now) {
		a->head++;
		sim_net_fifo_ack(n, now);
	}
	if (a->head != a->tail)
		a->token = sim_net_must_push(n, a->t[a->head & (a->cap - 1)], on_ack, a);
}

/* f's blocks leave the queue, its segments with them. */
static void drop_blocks(struct sim_net_fifo *q, struct sim_flow *f)
{
	for (uint32_t s = f->prev; f->hpos > 0; f->hpos--) {
		struct sim_net_blk *b = at(q, s);
		AL_ASSERT(b->id == f->id);
		q->queued -= b->n;
		b->id = SIM_NET_NIL;
		s = b->next;
	}
	f->prev = f->next = SIM_NET_NIL;
}

void sim_net_fifo_leave(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	struct sim_net_fifo *q = &n->fifo;
	struct sim_net_blk *b = front(q);

	if (b && b->id == f->id && q->busy) {
		/* its segment in service goes no further */
		sim_queue_cancel(n->q, q->token);
		q->token = 0;
		q->busy = 0;
	}
	drop_blocks(q, f);
	q->k--;
	start(n, now);
}

void sim_net_fifo_set_bw(struct sim_net *n, int64_t now)
{
	struct sim_net_fifo *q = &n->fifo;
	struct sim_net_blk *b;

	/* The segment in service keeps its time; the next go at the new
	 * rate.  Unlimited from now on: every queued flow's segments are
	 * there at once (drops included: the queue is gone), in queue order. */
	if (n->link.bw != 0)
		return;
	sim_queue_cancel(n->q, q->token);
	q->token = 0;
	q->busy = 0;
	while ((b = front(q)) != NULL) {
		if (b->id == SIM_NET_CTL) {
			b->id = SIM_NET_NIL;     /* the ACK is there at once */
			q->head++;
			continue;
		}
		struct sim_flow *f = sim_net_flow(n, b->id);
		drop_blocks(q, f);           /* its other blocks leave with it */
		q->k--;
		f->state = FL_WAIT;
		sim_net_link_join(n, f, now);   /* bw 0: a burst */
	}
	q->queued = 0;
}

void sim_net_fifo_clear(struct sim_net *n)
{
	struct sim_net_fifo *q = &n->fifo;

	sim_queue_cancel(n->q, q->token);
	q->token = 0;
	for (uint32_t s = q->head; s != q->tail; s++)
		if (at(q, s)->id != SIM_NET_NIL && at(q, s)->id != SIM_NET_CTL) {
			struct sim_flow *f = sim_net_flow(n, at(q, s)->id);
			f->hpos = 0;
			f->prev = f->next = SIM_NET_NIL;
		}
	q->head = q->tail = 0;
	q->queued = q->k = 0;
	q->busy = 0;
	/* the link is down: the ACKs on their way are lost with it */
	for (int i = 0; i < 2; i++) {
		sim_queue_cancel(n->q, q->ack[i].token);
		q->ack[i].token = 0;
		q->ack[i].head = q->ack[i].tail = 0;
	}
}

void sim_net_fifo_free(struct sim_net *n)
{
	struct sim_net_fifo *q = &n->fifo;

	sim_queue_cancel(n->q, q->token);
	free(q->blk);
	sim_net_account(n, -(int64_t)(q->cap * sizeof *q->blk));
	for (int i = 0; i < 2; i++) {
		sim_queue_cancel(n->q, q->ack[i].token);
		free(q->ack[i].t);
		sim_net_account(n, -(int64_t)(q->ack[i].cap * sizeof *q->ack[i].t));
	}
	*q = (struct sim_net_fifo){0};
}
