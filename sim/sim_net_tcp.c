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
 * moves srtt as the server's does.  Finding a lost segment, and what
 * that decides, is sim_net_tcp_loss.c's. */
#include <errno.h>

#include "core/al_assert.h"
#include "sim/sim_net_tcp_int.h"

#define US INT64_C(1000)
#define INIT_CWND 10                 /* TCP_INIT_CWND, RFC 6928            */

static void on_timer(void *arg, int64_t now);

/* The path's ways today (sim_net_d_up, sim_net_d_down). */
static int64_t d_up(const struct sim_net *n) { return sim_net_d_up(n->net.rtt_ns); }
static int64_t d_down(const struct sim_net *n) { return sim_net_d_down(n->net.rtt_ns); }

/* The segments of a response that ends at end (sim_net_end). */
static inline uint32_t nseg_to(int64_t end)
{
	return (uint32_t)((end + SIM_NET_MSS - 1) / SIM_NET_MSS);
}

static uint32_t nseg(const struct sim_flow *f)
{
	return nseg_to(sim_net_end(f));
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
	int64_t due = sim_net_tcp_due(n, t);

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
	const struct sim_tcp_loss *lo = sim_net_tcp_loss_of(f);
	uint32_t out = t->q + lo->rq + t->batch + lo->lost;
	uint32_t room = t->cwnd > out ? t->cwnd - out : 0;
	uint32_t r = lo->pend < (room > force ? room : force) ? lo->pend
		     : (room > force ? room : force);
	uint32_t left = nseg(f) > t->snd ? nseg(f) - t->snd : 0, rtx = r;

	if (r) {
		struct sim_tcp_loss *l = sim_net_tcp_loss_get(f);   /* it has one: pend > 0 */
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
		 * start and the tail's timer's (sim_net_tcp_loss.c) */
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
	return f->tcp != SIM_NET_NIL && sim_net_tcp_of(f)->q + sim_net_tcp_loss_of(f)->rq > 0;
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
	if (sim_net_tcp_loss_of(f)->recovery) {
		struct sim_tcp_loss *l = sim_net_tcp_loss_get(f);
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
	if (sim_net_tcp_loss_of(f)->rtx_t && sim_net_tcp_loss_of(f)->rtx_t <= now) {
		if (sim_net_tcp_found(n, f, now) < 0) {
			if (f->state == FL_STREAM)
				sim_net_link_leave(n, f, now);
			sim_net_fail_data(n, f, ETIMEDOUT, now);
			return;
		}
		/* a fast retransmit, a probe, an RTO send one at once */
		more2 = send(f, 1, now, 0, &rtx2);
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

/* f's next segment's length, noted as a retransmission (rtx) or not.
 * Inline, forced: the link asks it of every segment, and GCC made it a
 * call of its own under sim_net_tcp_seg_len's (~15 instructions). */
static inline __attribute__((always_inline)) int64_t seg_len_kind(const struct sim_net *n, struct sim_flow *f, int rtx)
{
	const struct sim_tcp *t = sim_net_tcp_at(n, f->tcp);
	const struct sim_tcp_loss *l = sim_net_tcp_loss_in(n, t);
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
	return seg_len_kind(n, f, sim_net_tcp_loss_in(n, sim_net_tcp_at(n, f->tcp))->rq > 0);
}

int64_t sim_net_tcp_seg_len_kind(struct sim_flow *f, int rtx)
{
	return seg_len_kind(sim_net_of(f), f, rtx);
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
	const struct sim_tcp_loss *lo = sim_net_tcp_loss_in(n, t);
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
		l = sim_net_tcp_loss_get(f);         /* it has one: a retransmission */
		l->rq--;
		if (fin)
			l->finprobe = 0;
		gone = fin ? drop : lost(n, f, AL_DRAW_RTX_LOSS, l->rtxn++) || drop;
	} else {
		t->q--;
		gone = fin ? drop : lost(n, f, AL_DRAW_SEG_LOSS, (uint64_t)s * 32) || drop;
	}
	if (gone) {
		sim_net_tcp_lose(n, f, rtx, !rtx && s == nseg_to(end) - 1, fin, now);
	} else {
		/* (rtx: it had its loss state, which stays where it was) */
		lo = sim_net_tcp_loss_in(n, t);
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
		 * batch: the timers armed from here on (sim_net_tcp_lose) use the
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
			sim_net_tcp_loss_get(f)->lastlost = 0;       /* rtx: it has one */
		if (fin) {
			t->fin = TCP_FIN_IN;
			if (lo->finlost)
				sim_net_tcp_loss_get(f)->finlost = 0;
		}
		if (!lo->hole) {
			f->arrived += len;
			f->flags |= FLAG_NEWS;
			f->tries = 0;
		} else {
			/* a hole: f has its loss state, and keeps it */
			l = sim_net_tcp_loss_get(f);
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
				sim_net_tcp_dupack(n, f, now);
			}
		}
	}
	/* the end of the response: its last byte, and its FIN when that is
	 * a packet of its own */
	if (f->arrived == end && t->fin != TCP_FIN_OWED)
		return SIM_SEG_LAST;
	return t->q + sim_net_tcp_loss_in(n, t)->rq > 0 ? SIM_SEG_MORE : SIM_SEG_IDLE;
}

void sim__net_tcp_after(struct sim_net *n, struct sim_flow *f, int outcome, int64_t now)
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
