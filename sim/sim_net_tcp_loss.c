/* Finding the server's lost segments (network.tcp linux, sim_net_tcp.c
 * sends them): a flow's loss state, taken from its pool at its first
 * loss; a lost segment's hole and the server's timer that finds it with
 * nothing after it (the tail loss probe, the RTO); the duplicate ACKs
 * (SACK, RACK) of the segments that arrive after a hole, which find it
 * sooner; and what finding it decides: the window's cut, the recovery,
 * which segments are resent and which wait as a hole of their own. */
#include <stdio.h>
#include <stdlib.h>

#include "sim/sim_net_tcp_int.h"

#define US INT64_C(1000)
#define MS INT64_C(1000000)
#define RTO_MIN SIM_NET_RTO_MIN
#define TLP_MIN (2 * MS)             /* TCP_TIMEOUT_MIN_US (Linux >= 6.6)  */
#define DUPTHRESH 3                  /* tcp_reordering                     */

/* --- the pools: a flow's loss state, taken at its first loss, and its
 * TCP state (taken in sim_net.c at the handshake), both given back here */

struct sim_tcp_loss *sim_net_tcp_loss_get(struct sim_flow *f)
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

/* --- a loss: its hole, and the timer that finds it with nothing after it */

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
	struct sim_tcp_loss *l = sim_net_tcp_loss_get(f);   /* it has one: a loss */
	int64_t base = left_server(n, rtx ? now : f->t);
	int64_t r = sim_net_tcp_rto_jiffies(n, f, f->tries), when;
	int64_t acked = t->last_t + sim_net_d_up(n->net.rtt_ns);
	int kind = TCP_RTO;

	if (t->last_t && acked > base)
		base = acked;
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
	when = sim_net_wheel(n, base, r) + sim_net_d_down(n->net.rtt_ns);
	if (when < now)
		when = now;              /* a FIFO's dropped segment, found late */
	if (l->rtx_t == 0 || when < l->rtx_t) {
		l->rtx_t = when;
		l->kind = (uint8_t)kind;
	}
}

void sim_net_tcp_lose(struct sim_net *n, struct sim_flow *f, int rtx, int last, int fin,
		      int64_t now)
{
	struct sim_tcp_loss *l = sim_net_tcp_loss_get(f);

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
	if (last)
		l->lastlost = 1;
	if (fin)
		l->finlost = 1;
	tail_timer(n, f, rtx, now);
}

/* --- the duplicate ACKs: the segments that arrive after a hole */

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

/* The losses a fast retransmit did not know of are a new hole, lost at
 * late_t.  The arrivals after it have their SACKs on the way: RACK marks
 * it lost by the first (tcp_rack_detect_loss: a segment sent after it
 * was delivered), with no reordering window since the connection is in
 * recovery now (tcp_rack_reo_wnd: 0 in TCP_CA_Recovery and after, until
 * reordering is seen).  With none yet, the next arrival or the tail's
 * timer finds it. */
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
void sim_net_tcp_dupack(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	struct sim_tcp_loss *t = sim_net_tcp_loss_get(f);   /* it has one: a hole */
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

/* --- the finding, and what it decides */

int sim_net_tcp_found(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	struct sim_tcp *t = sim_net_tcp_of(f);
	struct sim_tcp_loss *l = sim_net_tcp_loss_get(f);   /* it has one: rtx_t was set */
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
					    sim_net_tcp_rto_jiffies(n, f, f->tries)) + sim_net_d_down(n->net.rtt_ns);
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
	return 0;
}
