/* A connection's life and the origin server (docs/network.md).  A flow is
 * a small state machine with at most one queue event pending (f->token),
 * so a close is one cancel; the server is a count of slots in use and a
 * FIFO of flow ids waiting for one.
 *
 * Random draws are the page's own, each keyed by what it is for
 * (al_page_rng: a SYN's loss and way by its try, a segment's loss by its
 * index and try, the request's and the first byte's ways; al_page_draw:
 * think, size, fault), so every model meets the same network for the same
 * page, whatever order its events come in.  Jitter 0 and loss 0 draw
 * nothing. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/al_assert.h"
#include "core/al_http.h"
#include "sim/sim_net_tcp_int.h"

static void arm_flow(struct sim_net *n, struct sim_flow *f, int state, int64_t t)
{
	f->state = (uint8_t)state;
	f->token = sim_net_must_push(n, t, sim_net_on_flow, f);
}

/* --- the path: delays, loss, retransmission timeouts */

/* The jitter an ACK takes that has no draw of its own (sim_net_tcp.c,
 * ack_back) is a typical draw's (al_dist_typical: the clipped draws'
 * mean, a Pareto's median, so that a tail that reaches the cap does not
 * put every such ACK an hour late where a typical draw is milliseconds),
 * within SIM_NET_MAX_DELAY as draw_jitter caps the draws.  Kept, not
 * asked each segment. */
void sim_net_set_jitter(struct sim_net *n)
{
	double m = al_dist_typical(&n->net.jitter), cap = (double)SIM_NET_MAX_DELAY;

	n->jittery = !al_dist_is_zero(&n->net.jitter);
	sim_net_set_drawn(n);
	n->ack_jitter = !(m > 0) ? 0 : m >= cap ? SIM_NET_MAX_DELAY : (int64_t)llround(m);
}

/* The jitter of f's page's draw (what, k): 0, drawing nothing, when the
 * path has none; capped (a pareto tail can reach INT64_MAX). */
static int64_t draw_jitter(struct sim_net *n, const struct sim_flow *f, enum al_net_draw what,
			   uint64_t k)
{
	int64_t x = 0;

	if (n->jittery) {
		struct al_rng r;
		al_page_rng(&r, n->sc->seed, f->page, what, k);
		x = al_dist_draw_i64(&n->net.jitter, &r);
		if (x > SIM_NET_MAX_DELAY)
			x = SIM_NET_MAX_DELAY;
	}
	return x;
}

/* Whether draw `what` is a way from the client to the server. */
static int way_up(enum al_net_draw what)
{
	return what == AL_DRAW_SYN_WAY || what == AL_DRAW_REQUEST_WAY || what == AL_DRAW_ACK_WAY;
}

/* One way for f: the client's half of rtt out, the rest back, so that a
 * round trip without jitter is exactly rtt, plus the draw's jitter. */
int64_t sim_net_oneway(struct sim_net *n, const struct sim_flow *f, enum al_net_draw what,
		       uint64_t k)
{
	int64_t rtt = n->net.rtt_ns;
	int64_t way = way_up(what) ? sim_net_d_up(rtt) : sim_net_d_down(rtt);

	return way + draw_jitter(n, f, what, k);
}

int64_t sim_net_arrive(struct sim_net *n, const struct sim_flow *f, enum al_net_draw what,
		       uint64_t k, int64_t sent, int64_t now)
{
	int64_t at = sent + sim_net_oneway(n, f, what, k);

	return sim_net_ordered(n) ? sim_net_order_at(n, way_up(what), now, sent, at) : at;
}

/* Whether f's page loses draw (what, k). */
int sim_net_lost(struct sim_net *n, const struct sim_flow *f, enum al_net_draw what, uint64_t k)
{
	return al_page_lost(n->sc->seed, f->page, what, k, n->net.loss);
}

/* The timeout after `tries` failures in a row: rto, doubling, capped at
 * TCP_RTO_MAX (or at rto if that is larger). */
int64_t sim_net_rto(const struct sim_net *n, int tries)
{
	int64_t r = n->net.rto_ns;

	for (int i = 1; i < tries && r < SIM_NET_RTO_MAX; i++)
		r *= 2;
	if (r > SIM_NET_RTO_MAX && n->net.rto_ns <= SIM_NET_RTO_MAX)
		r = SIM_NET_RTO_MAX;
	return r;
}

/* --- the server */

static int slot_free(const struct sim_net *n)
{
	return n->srv.max_concurrent == 0 || n->serving < n->srv.max_concurrent;
}

static void take_slot(struct sim_net *n, struct sim_flow *f)
{
	f->srv = SRV_SLOT;
	if (++n->serving > n->st.peak_serving)
		n->st.peak_serving = n->serving;
}

/* Whether the server's CPU paces its responses onto the link: the origin
 * server runs on this machine (machine.host_server, `run --net both`) and
 * the link is a FIFO with a bottleneck, whose queue sees the pace.  The
 * real one writes its responses one after the other, each write and
 * close its price per page (server_request, server_per_kib): 10,000
 * requests that reach it in one burst leave it spread over 0.2 s, not in
 * the burst.  Elsewhere the server's CPU is the socket's gate's only
 * (sim_host.c): the first-order model, in which a burst of requests is a
 * burst of responses. */
int sim_net_paced(const struct sim_net *n)
{
	return n->sc->machine.host_server && sim_net_fifo_on(n) && n->link.bw;
}

/* The server's CPU for f's response, as calibrate measured it: as the
 * socket's gate prices it (sim_host.c), without the accept, which the
 * server did when the connection was made (its CPU then, there). */
static int64_t pace_ns(const struct sim_net *n, const struct sim_flow *f)
{
	return al_server_page_ns(&n->sc->machine, f->total, 1);
}

/* The server writes f's response at `at` (now or later): its first byte
 * is on its way.  tcp linux: f->t is when (the first window's way,
 * sim_net_tcp_start). */
static void written_at(struct sim_net *n, struct sim_flow *f, int64_t at, int64_t now)
{
	if (n->net.tcp == AL_TCP_LINUX)
		f->t = at;
	arm_flow(n, f, FL_FIRST, sim_net_arrive(n, f, AL_DRAW_FIRST_WAY, 0, at, now));
}

static void serve(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	int64_t think, body;
	int hl;

	/* the page's own draws, as the origin server makes them, and its
	 * header (made once for the pages of one size) */
	f->fault = (uint8_t)al_page_draw(n->sc->seed, &n->srv, f->page, &think, &body);
	hl = sim_net_head(n, body)->len;
	f->head_len = (uint16_t)hl;
	AL_ASSERT(body >= 0 && hl + body <= UINT32_MAX);   /* pages <= 1 GiB */
	f->total = (uint32_t)(hl + body);
	n->st.responses++;
	if (f->fault == AL_FAULT_STALL) {
		f->state = FL_HELD;      /* it keeps its slot, and answers never */
		return;
	}
	/* A server writes its response after thinking, and its slot frees
	 * when the write returns: at once when the response fits its send
	 * buffer, else when the unarrived rest does (sim_net_seg_after).  A
	 * slot only matters under max_concurrent: without one, think and
	 * the first byte's way to the client's link are one event. */
	if (sim_net_paced(n) || (n->srv.max_concurrent > 0 && sim_net_end(f) <= n->srv.sndbuf)) {
		arm_flow(n, f, FL_THINK, now + think);
		return;
	}
	written_at(n, f, now + think, now);
}

/* The server's write of f's response returned at now: its first byte is
 * on its way, and its slot frees when the response fits the send buffer
 * (the write returned). */
static void written(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	written_at(n, f, now, now);
	if (n->srv.max_concurrent > 0 && sim_net_end(f) <= n->srv.sndbuf)
		sim_net_release(n, f, now);
}

void sim_net_written(struct sim_flow *f, int64_t now)
{
	struct sim_net *n = sim_net_of(f);

	if (f->state != FL_WRITING)
		return;                  /* reset meanwhile (link down): nothing to send */
	written(n, f, now);
}

/* Slots went free: the oldest waiting requests take them. */
void sim_net_admit(struct sim_net *n, int64_t now)
{
	while (n->bl_head != SIM_NET_NIL && slot_free(n)) {
		struct sim_flow *g = sim_net_flow(n, n->bl_head);
		n->bl_head = g->next;
		if (n->bl_head == SIM_NET_NIL)
			n->bl_tail = SIM_NET_NIL;
		else
			sim_net_flow(n, n->bl_head)->prev = SIM_NET_NIL;
		g->next = g->prev = SIM_NET_NIL;
		n->waiting--;
		take_slot(n, g);
		serve(n, g, now);
	}
}

static void enqueue(struct sim_net *n, struct sim_flow *f)
{
	f->srv = SRV_BACKLOG;
	f->prev = n->bl_tail;
	f->next = SIM_NET_NIL;
	if (n->bl_tail == SIM_NET_NIL)
		n->bl_head = f->id;
	else
		sim_net_flow(n, n->bl_tail)->next = f->id;
	n->bl_tail = f->id;
	if (++n->waiting > n->st.peak_backlog)
		n->st.peak_backlog = n->waiting;
}

/* The server is done with f (its write returned, the connection closed or
 * failed, or its last byte arrived). */
void sim_net_release(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	if (f->srv == SRV_ACCEPTED) {
		n->idle--;
		f->srv = SRV_NONE;
	} else if (f->srv == SRV_SLOT) {
		n->serving--;
		f->srv = SRV_NONE;
		sim_net_admit(n, now);
	} else if (f->srv == SRV_BACKLOG) {
		if (f->prev == SIM_NET_NIL)
			n->bl_head = f->next;
		else
			sim_net_flow(n, f->prev)->next = f->next;
		if (f->next == SIM_NET_NIL)
			n->bl_tail = f->prev;
		else
			sim_net_flow(n, f->next)->prev = f->prev;
		f->prev = f->next = SIM_NET_NIL;
		n->waiting--;
		f->srv = SRV_NONE;
	}
}

/* --- a flow's life */

/* A SYN leaves at now: sets f's state and returns when its event is due
 * (the arrival, or the retry timer if it was lost). */
/* When a SYN (or SYN-ACK, RST) sent at now arrives: its way, or at once
 * when connecting is instant (network.handshake false: loopback to the
 * link emulator).  Lost SYNs still cost their RTOs, as the link applies
 * them. */
static int64_t handshake_at(struct sim_net *n, const struct sim_flow *f,
			    enum al_net_draw what, int64_t now)
{
	return n->net.handshake ? sim_net_arrive(n, f, what, f->tries, now, now) : now;
}

int64_t sim_net_syn_out(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	f->t = now;
	if (sim_net_lost(n, f, AL_DRAW_SYN_LOSS, f->tries)) {
		n->st.syn_lost++;
		f->tries++;
		f->state = FL_SYN_WAIT;
		return now + sim_net_rto(n, f->tries);
	}
	f->state = FL_SYN;
	return handshake_at(n, f, AL_DRAW_SYN_WAY, now);
}

/* The client only sees its timer expire (a SYN dropped, a SYN-ACK lost). */
static void syn_again(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	f->tries++;
	int64_t t = f->t + sim_net_rto(n, f->tries);
	arm_flow(n, f, FL_SYN_WAIT, t > now ? t : now);
}

static void syn_arrives(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	/* tcp linux: the SYN-ACK may be lost too.  The server keeps the
	 * half-open connection in its SYN queue, not the accept backlog, and
	 * answers the client's next SYN; both timers are rto, so the client's
	 * retry is what counts. */
	if (n->net.tcp == AL_TCP_LINUX && sim_net_lost(n, f, AL_DRAW_SYNACK_LOSS, f->tries)) {
		n->st.syn_lost++;
		f->flags |= FLAG_SYNACK_RTX;
		syn_again(n, f, now);
		return;
	}
	/* accepted while the server holds fewer than max_concurrent + backlog
	 * connections (unlimited: always); its slot waits for its request */
	int64_t max = n->srv.max_concurrent;
	if (max == 0 || n->serving + n->idle + n->waiting < max + n->srv.backlog) {
		f->srv = SRV_ACCEPTED;
		n->idle++;
	} else if (n->srv.overflow == AL_OVERFLOW_REFUSE) {
		arm_flow(n, f, FL_REFUSED, handshake_at(n, f, AL_DRAW_SYNACK_WAY, now));
		return;
	} else {
		n->st.syn_dropped++;
		syn_again(n, f, now);
		return;
	}
	arm_flow(n, f, FL_SYN_ACK, handshake_at(n, f, AL_DRAW_SYNACK_WAY, now));
}

static void fail_connect(struct sim_net *n, struct sim_flow *f, int err, int64_t now)
{
	sim_net_release(n, f, now);
	f->state = FL_FAILED;
	f->err = (uint8_t)err;
	if (err == ECONNREFUSED)
		n->st.refused++;
	else if (err == ENETUNREACH)
		n->st.unreachable++;
	else
		n->st.connect_timeouts++;
	if (n->hooks.connected)
		n->hooks.connected(f->ctx, err, now);
}

void sim_net_fail_data(struct sim_net *n, struct sim_flow *f, int err, int64_t now)
{
	sim_net_release(n, f, now);
	f->state = FL_BROKEN;
	f->err = (uint8_t)err;
	if (err == ECONNRESET)
		n->st.resets++;
	else
		n->st.data_timeouts++;
	if (n->hooks.readable)
		n->hooks.readable(f->ctx, now);
}

void sim_net_on_flow(void *arg, int64_t now)
{
	struct sim_flow *f = arg;
	struct sim_net *n = sim_net_of(f);

	f->token = 0;
	switch (f->state) {
	case FL_SYN:
		syn_arrives(n, f, now);
		break;
	case FL_SYN_WAIT:
		if (f->tries > SIM_NET_SYN_RETRIES) {
			fail_connect(n, f, ETIMEDOUT, now);
			break;
		}
		n->st.syn_retries++;
		f->token = sim_net_must_push(n, sim_net_syn_out(n, f, now), sim_net_on_flow, f);
		break;
	case FL_SYN_ACK:
		/* the server's sample: its SYN-ACK's round trip, the
		 * emulator's backlog in it */
		sim_net_tcp_connected(f, (n->net.handshake ? now - f->t : n->net.rtt_ns) +
				      sim_net_backlog(n, now));
		f->state = FL_CONNECTED;
		f->tries = 0;
		n->st.established++;
		if (n->hooks.connected)
			n->hooks.connected(f->ctx, 0, now);
		break;
	case FL_REFUSED:
		fail_connect(n, f, ECONNREFUSED, now);
		break;
	case FL_UNREACH:
		fail_connect(n, f, ENETUNREACH, now);
		break;
	case FL_REQUEST:
		f->flags |= FLAG_REQ_IN;
		/* its ACK, at once (the connection is in quick-ACK mode),
		 * reaches the link's queue its way down later */
		sim_net_fifo_ack_at(n, SIM_ACK_REQUEST, now + n->net.rtt_ns - n->net.rtt_ns / 2);
		if (f->srv == SRV_ACCEPTED) {
			n->idle--;
			f->srv = SRV_NONE;
		}
		if (slot_free(n)) {
			take_slot(n, f);
			serve(n, f, now);
		} else {
			enqueue(n, f);
			f->state = FL_QUEUED;
		}
		break;
	case FL_THINK: {
		/* paced: the server writes it when its CPU gets to it -- its
		 * thread's turn (the writer), else when it has written the
		 * ones due before, first come first served */
		if (!sim_net_paced(n)) {
			written(n, f, now);
			break;
		}
		int64_t p = pace_ns(n, f), t;
		if (n->writer) {
			t = n->writer(n->writer_arg, f->ctx, now, p);
			if (t < 0) {
				f->state = FL_WRITING;
				break;
			}
		} else {
			int64_t from = n->srv_free > now ? n->srv_free : now;
			t = p < SIM_NET_HORIZON - from ? from + p : SIM_NET_HORIZON;
			n->srv_free = t;
		}
		if (t > now)
			arm_flow(n, f, FL_WRITTEN, t);
		else
			written(n, f, now);
		break;
	}
	case FL_WRITTEN:
		written(n, f, now);
		break;
	case FL_FIRST:
		if (n->net.tcp == AL_TCP_LINUX)
			sim_net_tcp_start(n, f, now);
		else if (n->net.tcp == AL_TCP_FLOW)
			sim_net_tflow_start(n, f, now);
		else
			sim_net_link_join(n, f, now);
		break;
	case FL_REQ_FAIL:
		sim_net_fail_data(n, f, ETIMEDOUT, now);
		break;
	case FL_STALL:
		if (n->net.tcp == AL_TCP_FLOW)
			sim_net_tflow_stalled(n, f, now);
		else if (f->tries > SIM_NET_DATA_RETRIES)
			sim_net_fail_data(n, f, ETIMEDOUT, now);
		else
			sim_net_link_join(n, f, now);
		break;
	default:
		fprintf(stderr, "sim_net: event for flow %u in state %d\n", f->id, f->state);
		abort();
	}
}

/* sim_net_seg_outcome's other models (linux's is its inline call). */
int sim__net_seg_outcome(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	int64_t len;

	if (n->net.tcp == AL_TCP_FLOW)
		return sim_net_tflow_outcome(n, f, now);
	len = sim_net_seg_len(n, f);
	if (sim_net_lost(n, f, AL_DRAW_SEG_LOSS, (uint64_t)(f->arrived / SIM_NET_MSS) * 32 + f->tries)) {
		n->st.lost++;
		return SIM_SEG_LOST;
	}
	f->arrived += len;
	f->flags |= FLAG_NEWS;
	f->tries = 0;
	n->st.segments++;
	n->st.bytes += len;
	return f->arrived == sim_net_end(f) ? SIM_SEG_LAST : SIM_SEG_MORE;
}

void sim_net_seg_after(struct sim_net *n, struct sim_flow *f, int outcome, int64_t now)
{
	int news = f->flags & FLAG_NEWS;

	f->flags &= (uint8_t)~FLAG_NEWS;
	if (n->net.tcp == AL_TCP_LINUX)
		sim_net_tcp_after(n, f, outcome, now);
	if (outcome == SIM_SEG_LAST && f->fault == AL_FAULT_RESET) {
		sim_net_fail_data(n, f, ECONNRESET, now);   /* its readable hook is ours */
		return;
	}
	if (outcome == SIM_SEG_LAST) {
		/* HTTP/1.0: the server closes after its last byte (a short
		 * fault: before it). */
		f->state = FL_DONE;
		n->st.completed++;
		sim_net_release(n, f, now);
	} else if (outcome == SIM_SEG_LOST && n->net.tcp == AL_TCP_FLOW) {
		sim_net_tflow_stall(n, f, now);
	} else if (outcome == SIM_SEG_LOST) {
		f->tries++;
		arm_flow(n, f, FL_STALL, now + sim_net_rto(n, f->tries));
	} else if (f->srv == SRV_SLOT && sim_net_end(f) - f->arrived <= n->srv.sndbuf) {
		sim_net_release(n, f, now);   /* the server's write returned */
	}
	if (news && n->hooks.readable)
		n->hooks.readable(f->ctx, now);
}

