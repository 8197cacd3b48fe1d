/* The server's TCP as Linux runs it, where it changes elapsed time
 * (network.tcp linux, docs/network.md): an initial window of 10 segments,
 * slow start, congestion avoidance with CUBIC's reduction, the RTO from
 * the measured RTT (RFC 6298, Linux's 200 ms floor), fast retransmit and
 * RACK after duplicate ACKs, the tail loss probe.
 *
 * Cheap by construction: segments are counted, never stored, and ACKs are
 * taken in batches.  A flow is on the link while it has segments there
 * (processor sharing with every other such flow, sim_net_link.c); the ACKs
 * of the segments that arrive are one batch, taken together when the first
 * of them would bring new segments back to the link (it reached the
 * server d↑ after its segment arrived, the new segments reach the link d↓
 * later: one rtt).  So a flow has one timer event per round trip (its
 * ACKs, or finding a loss), whatever its window, and the link's event per
 * segment as before.  When the window's segments arrive close together
 * (the window is the limit) the batch is exact; when they don't, the flow
 * stays on the link anyway and the link sets the pace.  The RTT samples
 * are not batched: each segment that arrives gives one (Linux samples
 * every ACK that acks new data), so a window that waited in a queue
 * moves srtt as the server's does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/al_assert.h"
#include "sim/sim_net_int.h"

#define US INT64_C(1000)
#define MS INT64_C(1000000)
#define INIT_CWND 10                 /* TCP_INIT_CWND, RFC 6928            */
#define RTO_MIN (200 * MS)           /* TCP_RTO_MIN                        */
#define TLP_MIN (2 * MS)             /* TCP_TIMEOUT_MIN_US (Linux >= 6.6)  */
#define DUPTHRESH 3                  /* tcp_reordering                     */

static void on_timer(void *arg, int64_t now);

/* --- the pools: a flow's loss state, taken at its first loss, and its
 * TCP state (taken in sim_net.c at the handshake), both given back here */

static const struct sim_tcp_loss no_loss;

/* f's loss state, all zero (read only) if it never lost a segment or
 * has no TCP state left */
static inline const struct sim_tcp_loss *loss_of(const struct sim_flow *f)
{
	uint32_t i = f->tcp == SIM_NET_NIL ? SIM_NET_NIL : sim_net_tcp_of(f)->loss;

	return i == SIM_NET_NIL ? &no_loss : &sim_net_of(f)->loss[i];
}

/* The same from a TCP state t of net n's: a segment's path looks its
 * state up once, not once a helper (sim_net_of and the pool's slab were
 * a sixth of a tcp linux crawl's segment). */
static inline const struct sim_tcp_loss *loss_in(const struct sim_net *n,
						 const struct sim_tcp *t)
{
	return t->loss == SIM_NET_NIL ? &no_loss : &n->loss[t->loss];
}

/* f's loss state, taken from the pool if it has none.  The pool's array
 * may move: hold the pointer only until the next loss_get. */
static struct sim_tcp_loss *loss_get(struct sim_flow *f)
{
	struct sim_net *n = sim_net_of(f);
	uint32_t i = sim_net_tcp_of(f)->loss;

	if (i != SIM_NET_NIL)
		return &n->loss[i];
	if (n->loss_free != SIM_NET_NIL) {
		i = n->loss_free;
		n->loss_free = n->loss[i].rq;
	} else {
		if (n->nloss == n->loss_cap) {
			uint32_t cap = n->loss_cap ? 2 * n->loss_cap : 256;
			struct sim_tcp_loss *p = cap > n->loss_cap && cap < SIM_NET_NIL
						 ? realloc(n->loss, cap * sizeof *p) : NULL;
			if (!p) {
				/* inside an event: no caller to return it to */
				fprintf(stderr, "sim_net: out of memory for TCP loss state\n");
				abort();
			}
			sim_net_account(n, (int64_t)((cap - n->loss_cap) * sizeof *p));
			n->loss = p;
			n->loss_cap = cap;
		}
		i = n->nloss++;
	}
	n->loss[i] = (struct sim_tcp_loss){0};
	sim_net_tcp_of(f)->loss = i;
	return &n->loss[i];
}

void sim_net_tcp_release(struct sim_net *n, struct sim_flow *f)
{
	uint32_t i;

	if (f->tcp == SIM_NET_NIL)
		return;
	i = sim_net_tcp_of(f)->loss;
	if (i != SIM_NET_NIL) {
		n->loss[i].rq = n->loss_free;
		n->loss_free = i;
	}
	sim_net_tcp_of(f)->loss = n->tcp_free;
	n->tcp_free = f->tcp;
	f->tcp = SIM_NET_NIL;
}

/* The path's ways today (sim_net_d_up, sim_net_d_down). */
static int64_t d_up(const struct sim_net *n) { return sim_net_d_up(n->net.rtt_ns); }
static int64_t d_down(const struct sim_net *n) { return sim_net_d_down(n->net.rtt_ns); }

/* When a segment that reached the link at t (at most now) left the
 * server: t less the d-down of the path it took, the path's when it left.
 * An RTT event (sim_net.c's on_timed) changes d-down at once for what
 * leaves after it; a segment sent before it took the delay before it.
 * Today's d-down alone would put a window that reached the link just
 * after a rise (5 ms to 78 ms, say) before the run began, and the
 * server's timer armed there. */
static int64_t left_server(const struct sim_net *n, int64_t t)
{
	for (int i = n->sc->nevents - 1; i >= 0; i--) {
		const struct sim_net_timed *tm = &n->timed[i];

		/* (the events fired, in order; a token: not yet) */
		if (tm->token || !(tm->ev->set & AL_EV_RTT))
			continue;
		int64_t left = t - sim_net_d_down(tm->ev->network.rtt_ns);
		if (left >= tm->ev->at_ns)
			return left;
	}
	return t - sim_net_d_down(n->sc->network.rtt_ns);
}

/* The segments of a response that ends at end (sim_net_end). */
static inline uint32_t nseg_to(int64_t end)
{
	return (uint32_t)((end + SIM_NET_MSS - 1) / SIM_NET_MSS);
}

static uint32_t nseg(const struct sim_flow *f)
{
	return nseg_to(sim_net_end(f));
}

static int64_t min_due(int64_t a, int64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* --- the timer: one event for the batch's ACKs and for finding a loss */

/* The timer's event moves to due (0: none). */
static void rearm(struct sim_net *n, struct sim_flow *f, struct sim_tcp *t, int64_t due)
{
	sim_queue_cancel(n->q, f->token);
	f->token = 0;
	t->due = due;
	if (due)
		f->token = sim_net_must_push(n, due, on_timer, f);
}

/* (inline: after every segment, its timer mostly stays as it was) */
static inline void arm(struct sim_net *n, struct sim_flow *f)
{
	struct sim_tcp *t = sim_net_tcp_at(n, f->tcp);
	int64_t due = min_due(t->ack_t, loss_in(n, t)->rtx_t);

	if (!f->token || due != t->due)
		rearm(n, f, t, due);
}

/* Puts segments on the link as the window allows: known-lost ones first,
 * at least `force` of them whatever the window (a fast retransmit, a
 * probe, an RTO send one at once), then new ones, which took `way` past
 * d↓ to get there (their jitter and the path's order).  Returns how many
 * it put there, the retransmissions among them (first) in *nrtx. */
static uint32_t send(struct sim_flow *f, uint32_t force, int64_t now, int64_t way,
		     uint32_t *nrtx)
{
	struct sim_tcp *t = sim_net_tcp_of(f);
	const struct sim_tcp_loss *lo = loss_of(f);
	uint32_t out = t->q + lo->rq + t->batch + lo->lost;
	uint32_t room = t->cwnd > out ? t->cwnd - out : 0;
	uint32_t r = lo->pend < (room > force ? room : force) ? lo->pend
		     : (room > force ? room : force);
	uint32_t left = nseg(f) > t->snd ? nseg(f) - t->snd : 0, rtx = r;

	if (r) {
		struct sim_tcp_loss *l = loss_get(f);   /* it has one: pend > 0 */
		l->pend -= r;
		l->rq += r;
	}
	room = room > r ? room - r : 0;
	r = room < left ? room : left;
	/* the FIN of its own goes right after the last segment, whatever
	 * the window (tcp_cwnd_test lets a lone FIN past it) */
	if (t->fin != TCP_FIN_NONE && t->snd + r == nseg(f))
		r++;
	if (r) {
		/* when these left the server, plus d↓: the RTT samples'
		 * start and the tail's timer's (left_server) */
		f->t = now - way;
		t->seg_t = t->snd;
	}
	t->snd += r;
	t->q += r;
	*nrtx = rtx;
	return rtx + r;
}

/* Whether f has segments at the link. */
static int at_link(const struct sim_flow *f)
{
	return f->tcp != SIM_NET_NIL && sim_net_tcp_of(f)->q + loss_of(f)->rq > 0;
}

void sim_net_tcp_start(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	/* A server that sent its SYN-ACK more than once starts from one
	 * segment (tcp_init_transfer, RFC 5681's loss of the SYN).  One lost
	 * SYN-ACK is two retransmissions: the answer to the client's retried
	 * SYN and the server's own SYN-ACK timer, both 1 s on (measured on
	 * the kernel-TCP path: 1, 2, 4, 8 segments per round trip after).
	 * The flow takes its state now, as the handshake left it. */
	if (f->tcp == SIM_NET_NIL) {
		sim_net_tcp_take(n, f);
		sim_net_tcp_sample(f, (int64_t)f->syn_rtt * US, 0);
	}
	struct sim_tcp *t = sim_net_tcp_of(f);
	t->cwnd = f->flags & FLAG_SYNACK_RTX ? 1 : INIT_CWND;
	t->ssthresh = UINT32_MAX;
	/* HTTP/1.0: the server closes after its write.  When the window held
	 * the whole response, every segment had gone and the FIN is a packet
	 * of its own, which a FIFO's queue may drop as any other; past the
	 * window it rides on the last segment (tcp_send_fin). */
	t->fin = sim_net_fifo_on(n) && n->link.bw && f->fault == AL_FAULT_NONE &&
		 nseg(f) <= t->cwnd ? TCP_FIN_OWED : TCP_FIN_NONE;
	/* f->t is when the server wrote it (sim_net_flow.c): the first
	 * window's way past d↓, drawn then, whether the path still has a
	 * jitter or not (0 on a path that had none) */
	int64_t way = now - f->t - d_down(n);
	uint32_t rtx, r = send(f, 0, now, way, &rtx);
	if (sim_net_fifo_on(n))
		sim_net_fifo_add(n, f, rtx, r, now);
	else
		sim_net_link_join(n, f, now);
}

/* The batch's ACKs reach the server: the window moves and grows. */
static void acks(struct sim_flow *f)
{
	struct sim_tcp *t = sim_net_tcp_of(f);
	uint32_t acked = t->batch;

	t->batch = 0;
	t->ack_t = 0;
	if (loss_of(f)->recovery) {
		struct sim_tcp_loss *l = loss_get(f);
		/* it ends once the holes are filled */
		int fast = l->recovery == 1;
		if (!l->hole)
			l->recovery = 0;
		/* no growth in fast recovery (PRR brings the window down
		 * to ssthresh, here at once); after an RTO, slow start
		 * from 1 (the Loss state) */
		if (fast)
			return;
	}
	if (t->cwnd < t->ssthresh) {
		/* slow start, by the segments acked (RFC 3465, as Linux) */
		uint32_t g = t->ssthresh - t->cwnd < acked ? t->ssthresh - t->cwnd : acked;
		t->cwnd += g;
		acked -= g;
	}
	if (t->cwnd >= t->ssthresh) {
		/* congestion avoidance: one segment per window acked (Reno's
		 * growth; CUBIC's concave/convex curve is not modelled) */
		t->cnt += acked;
		while (t->cnt >= t->cwnd) {
			t->cnt -= t->cwnd;
			t->cwnd++;
		}
	}
}

/* The losses a fast retransmit did not know of are a new hole, lost at
 * late_t.  The arrivals after it have their SACKs on the way: RACK marks
 * it lost by the first (tcp_rack_detect_loss: a segment sent after it
 * was delivered), with no reordering window since the connection is in
 * recovery now (tcp_rack_reo_wnd: 0 in TCP_CA_Recovery and after, until
 * reordering is seen).  With none yet, the next arrival or the tail's
 * timer finds it. */
/* when, not before what f's ACK batch brings: it was sent before, and
 * the emulator's FIFO lets no packet overtake another (the batch's round
 * has its jitter, round_at). */
static int64_t behind_batch(const struct sim_net *n, const struct sim_flow *f, int64_t when)
{
	int64_t batch = sim_net_tcp_at(n, f->tcp)->ack_t;

	return when < batch ? batch : when;
}

/* A fast retransmit found at when: the loss's timer, unless a timer
 * finds it sooner. */
static void fast_rtx_at(struct sim_tcp_loss *l, int64_t when)
{
	if (l->rtx_t == 0 || when < l->rtx_t) {
		l->rtx_t = when;
		l->kind = TCP_FR;
	}
}

static void late_hole(struct sim_net *n, struct sim_flow *f, struct sim_tcp_loss *l, int64_t now)
{
	l->hole_t = l->late_t;
	l->follow = 0;
	l->fr_t = 0;
	if (!l->late_next_t)
		return;
	int64_t when = l->late_next_t + n->net.rtt_ns + sim_net_backlog(n, now);
	when = behind_batch(n, f, when < now ? now : when);
	l->follow = 1;
	l->fr_t = when;
	fast_rtx_at(l, when);
}

/* A batch's way in struct sim_tcp's 32 bits: to the ns below 2^31 ns
 * (2.1 s: every jitter but a heavy tail's), above in units of 2^11 ns,
 * rounded, up to 4398 s (a jitter is capped at 1 h, SIM_NET_MAX_DELAY;
 * the path's order and an RTT come on top).  Never below 0: the way down
 * is drawn from the ACK's arrival with the d↓ it takes off. */
#define WAY_BIG (UINT32_C(1) << 31)
static inline uint32_t way_pack(int64_t way)
{
	if (way < (int64_t)WAY_BIG)
		return way > 0 ? (uint32_t)way : 0;
	int64_t u = (way + 1024) >> 11;
	return WAY_BIG | (uint32_t)(u < (int64_t)WAY_BIG - 1 ? u : (int64_t)WAY_BIG - 1);
}

static inline int64_t way_unpack(uint32_t w)
{
	return w & WAY_BIG ? (int64_t)(w & ~WAY_BIG) << 11 : (int64_t)w;
}

/* The lost segments are found: by duplicate ACKs / RACK (fast
 * retransmit), the tail loss probe, or the RTO.  Returns how many
 * segments it put on the link (*nrtx of them retransmissions), or -1 if
 * the connection times out. */
static int found(struct sim_net *n, struct sim_flow *f, int64_t now, uint32_t *nrtx)
{
	struct sim_tcp *t = sim_net_tcp_of(f);
	struct sim_tcp_loss *l = loss_get(f);   /* it has one: rtx_t was set */
	l->rtx_t = 0;
	if (l->kind != TCP_TLP)
		l->fr_t = 0;             /* the dupACKs' finding, made now */
	if (l->kind == TCP_RTO) {
		if (++f->tries > SIM_NET_DATA_RETRIES)
			return -1;
		n->st.timeouts++;
	}
	if (l->kind != TCP_TLP && !l->recovery) {
		/* CUBIC's multiplicative decrease: 717/1024 */
		uint32_t s = (uint32_t)((uint64_t)t->cwnd * 717 / 1024);
		t->ssthresh = s > 2 ? s : 2;
		t->cwnd = t->ssthresh;
		t->cnt = 0;
		l->recovery = 1;
	}
	if (l->kind == TCP_RTO) {
		t->cwnd = 1;
		l->recovery = 2;
	}
	if (l->kind == TCP_FR)
		n->st.fast_retransmits++;
	else if (l->kind == TCP_TLP)
		n->st.probes++;
	/* the probe is the last packet sent: the FIN, when it is lost */
	if (l->kind == TCP_TLP && l->finlost)
		l->finprobe = 1;
	if (l->kind == TCP_TLP && l->lost > 1) {
		/* the probe is the last segment; its SACK shows the others
		 * lost (dupack), or the RTO finds them.  Segments that
		 * arrived after the hole before the probe fired have their
		 * SACKs on the way: the server's RACK marks the rest lost
		 * when they come, as it would have without the probe (a
		 * window that waited in a FIFO's queue behind the hole) */
		int64_t rto = sim_net_wheel(n, left_server(n, now),
					    sim_net_tcp_rto_jiffies(n, f, f->tries)) + d_down(n);
		l->pend++;
		l->lost--;
		l->rtx_t = l->fr_t >= now && l->fr_t < rto ? l->fr_t : rto;
		l->kind = l->rtx_t == rto ? TCP_RTO : TCP_FR;
	} else if (l->kind == TCP_FR && l->known && l->known < l->lost) {
		/* the dupACKs show the losses before the one that found
		 * them; a segment lost after it (the window sent on the
		 * ACKs before the hole) is not known yet: a hole of its own */
		l->pend += l->known;
		l->lost -= l->known;
		late_hole(n, f, l, now);
	} else {
		l->pend += l->lost;
		l->lost = 0;
	}
	l->known = 0;
	l->late_t = l->late_next_t = 0;
	return (int)send(f, 1, now, 0, nrtx);
}

static void on_timer(void *arg, int64_t now)
{
	struct sim_flow *f = arg;
	struct sim_net *n = sim_net_of(f);
	struct sim_tcp *t = sim_net_tcp_of(f);
	/* what the ACKs sent, then what finding a loss did: two blocks on
	 * a FIFO link, in that order (the cumulative ACKs come before the
	 * duplicate ones that find the loss) */
	uint32_t more = 0, rtx = 0, more2 = 0, rtx2 = 0;

	f->token = 0;
	t->due = 0;
	if (t->ack_t && t->ack_t <= now) {
		acks(f);
		more = send(f, 0, now, way_unpack(t->way), &rtx);
	}
	if (loss_of(f)->rtx_t && loss_of(f)->rtx_t <= now) {
		int r = found(n, f, now, &rtx2);
		if (r < 0) {
			if (f->state == FL_STREAM)
				sim_net_link_leave(n, f, now);
			sim_net_fail_data(n, f, ETIMEDOUT, now);
			return;
		}
		more2 = (uint32_t)r;
	}
	arm(n, f);
	AL_ASSERT(at_link(f) || f->state != FL_WAIT || f->token);
	/* last: joining may deliver at once (unlimited bandwidth) and call
	 * the owner's hook, which may close f.  A FIFO link queues what was
	 * sent behind everything queued before it; a fair one only needs
	 * to know f has segments again. */
	if (sim_net_fifo_on(n) && n->link.bw) {
		if (more)
			sim_net_fifo_add(n, f, rtx, more, now);
		if (more2 && f->state != FL_FREE)
			sim_net_fifo_add(n, f, rtx2, more2, now);
	} else if (at_link(f) && f->state == FL_WAIT) {
		sim_net_link_join(n, f, now);
	}
}

/* --- the link's side: a segment of f completes */

/* Whether the retransmission (rtx) or new packet the flow of t and l
 * (its response ending at end) sends next is its FIN of its own: the
 * packet after the last segment; a retransmission when the FIN is lost
 * and it is the probe, or the last lost one left (Linux resends in order,
 * the FIN last). */
static int is_fin(const struct sim_tcp *t, const struct sim_tcp_loss *l, int64_t end, int rtx)
{
	if (t->fin == TCP_FIN_NONE)
		return 0;
	if (!rtx)
		return t->snd - t->q == nseg_to(end);
	return l->finlost && (l->finprobe || l->rq + l->pend + l->lost == 1);
}

/* The length of the retransmission (rtx) or new segment the flow of t
 * and l, whose response ends at end, sends next; 0 for the FIN. */
static int64_t len_of(const struct sim_tcp *t, const struct sim_tcp_loss *l, int64_t end,
		      int rtx, int fin)
{
	int64_t at;

	if (fin)
		return 0;
	if (rtx) {
		/* the last segment's retransmission is its own length */
		if (l->lastlost && l->rq + l->pend + l->lost == 1)
			at = (int64_t)(nseg_to(end) - 1) * SIM_NET_MSS;
		else
			return SIM_NET_MSS < end ? SIM_NET_MSS : end;
	} else {
		at = (int64_t)(t->snd - t->q) * SIM_NET_MSS;
	}
	return end - at < SIM_NET_MSS ? end - at : SIM_NET_MSS;
}

/* f's next segment's length, noted as a retransmission (rtx) or not. */
static int64_t seg_len_kind(const struct sim_net *n, struct sim_flow *f, int rtx)
{
	const struct sim_tcp *t = sim_net_tcp_at(n, f->tcp);
	const struct sim_tcp_loss *l = loss_in(n, t);
	int64_t end = sim_net_end(f);
	int fin = is_fin(t, l, end, rtx);

	f->flags = (uint8_t)((f->flags & ~(FLAG_CUR_NEW | FLAG_CUR_RTX | FLAG_CUR_FIN)) |
			     (rtx ? FLAG_CUR_RTX : FLAG_CUR_NEW) | (fin ? FLAG_CUR_FIN : 0));
	return len_of(t, l, end, rtx, fin);
}

/* Retransmissions go first (a FIFO link says which: the one its block
 * holds).  Which one is on the link is noted, so that a retransmission
 * queued while a new segment is on its way does not take that segment's
 * place. */
int64_t sim_net_tcp_seg_len(const struct sim_net *n, struct sim_flow *f)
{
	return seg_len_kind(n, f, loss_in(n, sim_net_tcp_at(n, f->tcp))->rq > 0);
}

int64_t sim_net_tcp_seg_len_kind(struct sim_flow *f, int rtx)
{
	return seg_len_kind(sim_net_of(f), f, rtx);
}

/* A segment is lost with nothing after it yet: the server's timer, armed
 * at its last ACK or at the segment's send (a new segment: when its window
 * reached the link, less d↓; a retransmission: when it would have
 * arrived, less d↓), finds it.  The probe comes after 2
 * srtt plus 2 ms (plus TCP_RTO_MIN instead if one segment is out, for the
 * client's delayed ACK), the sum in jiffies (tcp_schedule_loss_probe
 * since Linux 6.6; before, 2 srtt in jiffies plus 2 jiffies), but never
 * after the RTO; in recovery only the RTO. */
static void tail_timer(struct sim_net *n, struct sim_flow *f, int rtx, int64_t now)
{
	struct sim_tcp *t = sim_net_tcp_of(f);
	struct sim_tcp_loss *l = loss_get(f);   /* it has one: a loss */
	int64_t base = left_server(n, rtx ? now : f->t), r = sim_net_tcp_rto_jiffies(n, f, f->tries), when;
	int kind = TCP_RTO;

	if (t->last_t && t->last_t + d_up(n) > base)
		base = t->last_t + d_up(n);
	/* one probe per tail: not for a retransmission, not in recovery */
	if (!rtx && f->tries == 0 && !l->recovery) {
		uint32_t out = t->q + l->rq + l->lost;
		/* srtt_us >> 2: the kernel's 8 srtt, a quarter */
		int64_t pto = sim_net_jiffies(n, US * (int64_t)(t->srtt8 >> 2) +
					    (out == 1 ? RTO_MIN : TLP_MIN));
		if (pto < r) {
			r = pto;
			kind = TCP_TLP;
		}
	}
	when = sim_net_wheel(n, base, r) + d_down(n);
	if (when < now)
		when = now;              /* a FIFO's dropped segment, found late */
	if (l->rtx_t == 0 || when < l->rtx_t) {
		l->rtx_t = when;
		l->kind = (uint8_t)kind;
	}
}

/* A segment arrived after the hole: a duplicate ACK (with SACK).  RACK
 * marks the hole lost once a round trip and a quarter (its reordering
 * window, min_rtt / 4) have passed since the hole was sent, at the first
 * dupACK at the earliest (no window in recovery: a hole after one that
 * was found); the third (tcp_reordering) at once.  The retransmission
 * reaches the link a round trip after the dupACK's segment arrived, the
 * emulator's backlog then included, and not before the segments that the
 * ACKs' batch brings.  The losses so far are what the finding knows if
 * this dupACK reaches the server before it; a loss after the last such
 * dupACK is late (late_hole). */
static void dupack(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	struct sim_tcp_loss *t = loss_get(f);   /* it has one: a hole */
	/* the round trip, behind the emulator's backlog; RACK's window is
	 * a quarter of the path's own (min_rtt) out of recovery */
	int64_t rtt = n->net.rtt_ns + sim_net_backlog(n, now), when = 0;
	/* none in recovery (tcp_rack_reo_wnd: 0 from TCP_CA_Recovery on,
	 * no reordering seen) */
	int64_t win = t->recovery ? 0 : n->net.rtt_ns / 4;

	if (t->follow < UINT16_MAX)
		t->follow++;
	if (t->follow == 1)
		when = t->hole_t + rtt + win > now + rtt ? t->hole_t + rtt + win : now + rtt;
	else if (t->follow == DUPTHRESH)
		when = now + rtt;
	if (when)
		when = behind_batch(n, f, when);
	if (when && (t->fr_t == 0 || when < t->fr_t))
		t->fr_t = when;
	/* its SACK reaches the server before the finding: the losses so
	 * far are known there; otherwise it follows the late ones */
	int64_t due = t->fr_t > t->rtx_t ? t->fr_t : t->rtx_t;
	if (when || now + rtt <= due) {
		t->known = t->lost;
		t->late_t = t->late_next_t = 0;
	} else if (t->late_t && !t->late_next_t) {
		t->late_next_t = now;
	}
	if (when)
		fast_rtx_at(t, when);
}

/* When the segments a batch's first ACK brings reach the link, that ACK
 * leaving the client at sent: the way up of the ACK and the way down of
 * what it brings, a draw each, as the packet emulator draws one for every
 * packet (the window's first way is the page's, AL_DRAW_FIRST_WAY), each
 * in the path's order (sim_net_arrive).  Not modelled: the later segments
 * of a window take the largest draw so far in the emulator, here the
 * window's one.  The batch is named by what was sent before it (new
 * segments, retransmissions); a round trip and no draw on a path whose
 * ways are not drawn (!n->drawn: no jitter, no drawn way in flight).  A batch
 * that brings nothing (every new segment sent, no known loss to resend:
 * !brings) has its way down drawn but not in the path's order, where it
 * would hold back what other flows send after it as a packet would. */
static int64_t round_at(struct sim_net *n, const struct sim_flow *f, struct sim_tcp *t,
			const struct sim_tcp_loss *lo, int brings, int64_t sent, int64_t now,
			int64_t *back)
{
	if (!n->drawn) {
		t->way = 0;              /* not the last jittered batch's */
		*back = sent;
		return sent + n->net.rtt_ns;
	}
	uint64_t k = (uint64_t)t->snd << 32 | lo->rtxn;
	int64_t up = sim_net_arrive(n, f, AL_DRAW_ACK_WAY, k, sent, now);
	int64_t at = brings ? sim_net_arrive(n, f, AL_DRAW_ROUND_WAY, k, up, now)
			    : up + sim_net_oneway(n, f, AL_DRAW_ROUND_WAY, k);
	int64_t way = at - up - d_down(n);
	t->way = way_pack(way);
	*back = up - d_up(n);
	return at;
}

/* When the ACK of a segment that arrived at now, sent at `sent`, reaches
 * the server, less d↑: at once, or on a path with a jitter n->ack_jitter
 * later (the clipped draws' mean; a Pareto's median: sim_net_set_jitter;
 * it has no draw of its own: a batch's first ACK has,
 * round_at), and on an ordered path not before those sent before it. */
static inline int64_t ack_back(struct sim_net *n, int64_t sent, int64_t now)
{
	if (!n->drawn)
		return sent;
	int64_t at = sent + d_up(n) + n->ack_jitter;

	return (sim_net_ordered(n) ? sim_net_order_at(n, 1, now, sent, at) : at) - d_up(n);
}

/* sim_net_lost, which draws nothing on a path that loses nothing: the
 * call is not made then (most crawls; a segment's every call counts). */
static inline int lost(struct sim_net *n, const struct sim_flow *f, enum al_net_draw what,
		       uint64_t k)
{
	return n->net.loss > 0 && sim_net_lost(n, f, what, k);
}

int sim_net_tcp_outcome(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	struct sim_tcp *t = sim_net_tcp_at(n, f->tcp);
	const struct sim_tcp_loss *lo = loss_in(n, t);
	int noted = (f->flags & (FLAG_CUR_NEW | FLAG_CUR_RTX)) != 0;
	int64_t end = sim_net_end(f);
	int rtx = noted ? (f->flags & FLAG_CUR_RTX) != 0 : lo->rq > 0;
	int fin = noted ? (f->flags & FLAG_CUR_FIN) != 0 : is_fin(t, lo, end, rtx);
	int64_t len = len_of(t, lo, end, rtx, fin);
	uint32_t s = t->snd - t->q;      /* the new segment, if not rtx */
	struct sim_tcp_loss *l;
	int gone;

	int drop = (f->flags & FLAG_DROP) != 0;

	f->flags &= (uint8_t)~(FLAG_CUR_NEW | FLAG_CUR_RTX | FLAG_DROP | FLAG_CUR_FIN);
	/* a segment the FIFO's queue dropped still takes its draw, as the
	 * emulator draws a packet's loss before it reaches the queue; the
	 * emulator draws none for a FIN (no byte), the queue may drop it */
	if (rtx) {
		l = loss_get(f);         /* it has one: a retransmission */
		l->rq--;
		if (fin)
			l->finprobe = 0;
		gone = fin ? drop : lost(n, f, AL_DRAW_RTX_LOSS, l->rtxn++) || drop;
	} else {
		t->q--;
		gone = fin ? drop : lost(n, f, AL_DRAW_SEG_LOSS, (uint64_t)s * 32) || drop;
	}
	if (gone) {
		l = loss_get(f);
		n->st.lost++;
		/* A new hole: the first, or one after every earlier loss was
		 * found (say during their recovery).  Segments arriving after
		 * it were sent after it (the link keeps a flow's order), so
		 * RACK finds it by them, a retransmission among them, as it
		 * found the first: not only the RTO. */
		if (!l->hole || l->lost == 0) {
			l->hole = 1;
			l->hole_t = now;
			l->follow = 0;
			l->fr_t = 0;
			l->known = 0;
			l->late_t = l->late_next_t = 0;
		} else if (l->known == l->lost && !l->late_t) {
			l->late_t = now;         /* after what the dupACKs showed */
		}
		l->lost++;
		if (!rtx && s == nseg_to(end) - 1)
			l->lastlost = 1;
		if (fin)
			l->finlost = 1;
		tail_timer(n, f, rtx, now);
	} else {
		/* (rtx: it had its loss state, which stays where it was) */
		lo = loss_in(n, t);
		/* the packet emulator's backlog (machine.host_emulator):
		 * the segment reaches the client, and its ACK the server,
		 * that much later, so the ACKs' batch, the RTT sample and
		 * the timers armed from the last ACK include it */
		int64_t w = sim_net_backlog(n, now), back = -1;
		if (!fin) {
			n->st.segments++;
			n->st.bytes += len;
		}
		/* (what it sends new: its segments, and its FIN when that
		 * is a packet of its own) */
		int all = t->snd == nseg_to(end) + (t->fin != TCP_FIN_NONE);
		if (all && !lo->hole && t->batch == 0) {
			/* Everything is sent and nothing is missing: the ACKs
			 * can bring nothing new, and need no event (what is
			 * left out is cwnd's growth). */
		} else if (t->batch++ == 0) {
			t->ack_t = round_at(n, f, t, lo, !all || lo->pend, now + w, now, &back);
		}
		/* Its ACK's RTT sample, as Linux takes one from every ACK
		 * that acks new data: from when its window left the server
		 * (f->t less d-down) to when the ACK, sent behind the
		 * emulator's backlog (w), reaches the server (back, less
		 * d-up): the ways' jitter and the path's order in it.  Taken now, not with the
		 * batch: the timers armed from here on (tail_timer) use the
		 * srtt of the ACKs up to this one, as the server's would.
		 * None for a retransmission (Karn); a new segment gives one
		 * while a loss is repaired too, as Linux's SACKs and
		 * timestamps do; none for a segment sent before f->t (its
		 * send time is not kept). */
		if (back < 0)
			back = ack_back(n, now + w, now);
		if (!rtx && s >= t->seg_t)
			sim_net_tcp_sample_into(t, back - f->t + n->net.rtt_ns, s == t->seg_t);
		t->last_t = back;
		if (rtx && lo->lastlost && lo->rq + lo->pend + lo->lost == 0)
			loss_get(f)->lastlost = 0;       /* rtx: it has one */
		if (fin) {
			t->fin = TCP_FIN_IN;
			if (lo->finlost)
				loss_get(f)->finlost = 0;
		}
		if (!lo->hole) {
			f->arrived += len;
			f->flags |= FLAG_NEWS;
			f->tries = 0;
		} else {
			/* a hole: f has its loss state, and keeps it */
			l = loss_get(f);
			if (l->lost + l->pend + l->rq == 0) {
				/* every hole filled: what arrived after them
				 * is readable at once */
				int64_t upto = (int64_t)(t->snd - t->q) * SIM_NET_MSS;
				f->arrived = upto < end ? upto : end;
				f->flags |= FLAG_NEWS;
				f->tries = 0;
				l->hole = 0;
				l->follow = 0;
			} else if (l->lost > 0) {
				dupack(n, f, now);
			}
		}
	}
	/* the end of the response: its last byte, and its FIN when that is
	 * a packet of its own */
	if (f->arrived == end && t->fin != TCP_FIN_OWED)
		return SIM_SEG_LAST;
	return t->q + loss_in(n, t)->rq > 0 ? SIM_SEG_MORE : SIM_SEG_IDLE;
}

void sim_net_tcp_after(struct sim_net *n, struct sim_flow *f, int outcome, int64_t now)
{
	(void)now;
	if (outcome == SIM_SEG_LAST) {
		/* the rest of the ACKs change nothing the client sees: the
		 * state goes back to the pool, with its loss state (no draw
		 * follows the last byte) */
		sim_queue_cancel(n->q, f->token);
		f->token = 0;
		sim_net_tcp_release(n, f);
		return;
	}
	if (outcome == SIM_SEG_IDLE)
		f->state = FL_WAIT;
	arm(n, f);
	AL_ASSERT(outcome != SIM_SEG_IDLE || f->token);
}
