/* sim_net's TCP insides (network.tcp linux), shared by sim_net_tcp.c
 * (a response's segments, its window and timer), sim_net_tcp_rtt.c (the
 * RTT estimate, the RTO, the kernel's clock), sim_net_tcp_loss.c (finding
 * the lost segments), and by the files that hand a flow to TCP or take
 * its state: sim_net.c (the pools), sim_net_flow.c (a connection's life),
 * sim_net_fifo.c (the FIFO link).  The rest of the network sees
 * sim_net_int.h, whose segment dispatch calls sim_net_tcp_seg_len and
 * sim_net_tcp_outcome. */
#ifndef SIM_NET_TCP_INT_H
#define SIM_NET_TCP_INT_H

#include "sim/sim_net_int.h"

/* What the server's TCP knows of a response (network.tcp linux,
 * sim_net_tcp.c), in the net's TCP pool: taken when the response's first
 * segment reaches the link (the handshake's RTT sample waits in the flow
 * until then: the request's RTOs need no more) and given back when its
 * last byte arrives or the flow is freed, so that a flow keeps it only
 * while it sends: C10M's ten million flows wait for their program, to
 * send or to read, with none.  Segments are counted, never stored: new segments are
 * sent in order, so the ones waiting at the link are [snd - q, snd); the
 * lost ones are counted (struct sim_tcp_loss); the bytes before the first
 * of them are readable, the rest once every hole is filled.  In flight
 * (the window's use) is q + rq + batch + lost, never stored.
 *
 * What only a loss needs lives apart, in the net's loss pool, taken at a
 * flow's first loss and kept as long as its TCP state (its draws go on
 * counting until the last byte): most flows never lose a segment. */
struct sim_tcp {
	int64_t ack_t;               /* the batch's ACKs bring the next segments
				      * to the link (0: no batch)              */
	int64_t due;                 /* the timer's event: min of ack_t and the
				      * loss's rtx_t                           */
	int64_t last_t;              /* the last segment that arrived (past the
				      * emulator's backlog), its ACK's way up
				      * past d↑ added                           */
	uint32_t srtt8, mdev;        /* tcp_rtt_estimator's, in µs as Linux
				      * keeps them: 8 srtt, 4 mdev             */
	uint32_t mdev_max, rttvar;   /* mdev's largest this round (at least
				      * TCP_RTO_MIN); the RTO's variance term  */
	uint32_t cwnd, ssthresh, cnt; /* segments; cnt: congestion avoidance's
				       * acked segments towards the next one    */
	uint32_t snd;                /* next new segment                         */
	uint32_t q;                  /* new segments waiting at the link         */
	uint32_t batch;              /* arrived, their ACKs on the way (ack_t)   */
	uint32_t seg_t;              /* the first segment sent at f->t: it and
				      * later ones give RTT samples from there
				      * (earlier ones' send times are not kept) */
	uint32_t loss;               /* its struct sim_tcp_loss; SIM_NET_NIL:
				      * none yet (all of it zero); while free:
				      * the TCP pool's free list               */
	uint8_t fin;                 /* link fifo: the server's FIN is a packet
				      * of its own (TCP_FIN_*)                 */
	uint32_t way;                /* an ACKs' batch: the way down of what it
				      * brings past d↓, its jitter and the
				      * path's order (0: none), in ns below
				      * 2^31, above in 2.048 µs units
				      * (way_pack: past the 1 h jitter cap) */
};
/* The server's FIN as a packet of its own, after the response's segments
 * (link fifo, a response within the first window: the server had sent
 * all of it when it closed).  It carries no byte, takes its headers'
 * link time and a place in the queue, and the client sees the end of the
 * response only when it has come (sim_net_tcp.c). */
enum { TCP_FIN_NONE, TCP_FIN_OWED, TCP_FIN_IN };

struct sim_tcp_loss {
	int64_t rtx_t;               /* the lost ones are found (0: none)       */
	int64_t hole_t;              /* when the first hole was lost (RACK)     */
	int64_t fr_t;                /* the dupACKs on their way find the holes
				      * (0: none): kept past a sooner probe    */
	uint32_t rq;                 /* retransmissions waiting at the link;
				      * the pool's free list while free        */
	uint32_t pend;               /* known lost, waiting for the window       */
	uint32_t lost;               /* lost, not yet known to the server        */
	uint32_t rtxn;               /* retransmissions sent: their loss draws  */
	uint32_t known;              /* of lost, those the dupACKs that reach
				      * the server before the finding show      */
	int64_t late_t;              /* the first loss after those (0: none)    */
	int64_t late_next_t;         /* the first arrival after it (0: none)    */
	uint16_t follow;             /* arrived after the hole: dupACKs         */
	uint8_t kind;                /* how rtx_t finds the loss: enum below    */
	uint8_t hole;                /* a segment is missing: later ones wait   */
	uint8_t recovery;            /* the window was cut: 1 fast, 2 an RTO    */
	uint8_t lastlost;            /* the response's last segment is lost     */
	uint8_t finlost;             /* the FIN of its own is lost              */
	uint8_t finprobe;            /* the probe on its way is the FIN         */
};
enum { TCP_FR, TCP_TLP, TCP_RTO };

/* TCP state i of the pool (tcp linux), and f's, which it must have:
 * from its handshake to its last byte. */
static inline struct sim_tcp *sim_net_tcp_at(const struct sim_net *n, uint32_t i)
{
	return &n->tslabs[i / SIM_NET_SLAB][i % SIM_NET_SLAB];
}

static inline struct sim_tcp *sim_net_tcp_of(const struct sim_flow *f)
{
	return sim_net_tcp_at(sim_net_of(f), f->tcp);
}

/* sim_net_tcp_seg_len (sim_net_seg_len's tcp linux case), the link
 * saying whether it is a retransmission (link fifo). */
int64_t sim_net_tcp_seg_len_kind(struct sim_flow *f, int rtx);

/* sim_net.c: f takes a TCP state, all zero, from the pool (aborts if
 * memory ran out: it is taken inside an event). */
void sim_net_tcp_take(struct sim_net *n, struct sim_flow *f);

/* sim_net_tcp.c: network.tcp linux */
/* sim_net_tcp_rtt.c: the handshake's RTT sample (the client's SYN to its
 * SYN-ACK), kept in the flow until the response starts. */
void sim_net_tcp_connected(struct sim_flow *f, int64_t sample);
/* The response's first segment reaches the link: f takes its TCP state,
 * the initial window. */
void sim_net_tcp_start(struct sim_net *n, struct sim_flow *f, int64_t now);
/* When the request, sent at now, reaches the server (its lost tries cost
 * their RTOs, from the handshake's sample); -1 if every try is lost
 * (*fail_at: when the client gives up). */
int64_t sim_net_tcp_request(struct sim_net *n, struct sim_flow *f, int64_t now,
			    int64_t *fail_at);
/* sim_net_tcp_rtt.c: an RTT sample r (ns) into f's estimate, `round` if it
 * is the ACK of a window's first segment (rttvar comes down once a round);
 * f's srtt and its RTO after `backoff` timeouts in a row (ns). */
void sim_net_tcp_sample(struct sim_flow *f, int64_t r, int round);
/* An RTT sample r (ns), as tcp_rtt_estimator takes it, in µs (1 µs to 8
 * minutes; that sample again is m * 1000 ns), into a state t (one that no
 * flow holds yet too): srtt moves by 1/8 of the error, mdev by 1/4 (a
 * sample below srtt raises it 8 times less: a falling RTT does not
 * inflate the RTO).  rttvar follows mdev up at once, but comes down only
 * once per round trip (`round`: the ACK of the first segment of a
 * window), a quarter of the way to the round's largest mdev, and never
 * below TCP_RTO_MIN.  So a window's ACKs, however many, cannot bring the
 * RTO down within its round trip.  Inline, here and not in
 * sim_net_tcp_rtt.c: every segment that arrives takes a sample, and the
 * call was ~13 of its ~58 instructions. */
static inline uint32_t sim_net_tcp_sample_us(int64_t r)
{
	const int64_t us = 1000, lim = (int64_t)UINT32_MAX / 8;

	return (uint32_t)(r / us < 1 ? 1 : r / us > lim ? lim : r / us);
}

static inline void sim_net_tcp_sample_into(struct sim_tcp *t, int64_t r, int round)
{
	const int64_t min = SIM_NET_RTO_MIN / 1000;  /* in µs, as the state */
	int64_t m = sim_net_tcp_sample_us(r);
	int64_t srtt8 = t->srtt8, mdev = t->mdev;

	if (srtt8 == 0) {
		/* the first: rto = 3 rtt, at least rtt + TCP_RTO_MIN */
		t->srtt8 = (uint32_t)(m << 3);
		t->mdev = (uint32_t)(m << 1);
		t->rttvar = t->mdev > min ? t->mdev : (uint32_t)min;
		t->mdev_max = t->rttvar;
		return;
	}
	m -= srtt8 >> 3;                 /* the error */
	srtt8 += m;
	if (m < 0) {
		m = -m - (mdev >> 2);
		if (m > 0)
			m >>= 3;
	} else {
		m -= mdev >> 2;
	}
	mdev += m;
	t->srtt8 = (uint32_t)(srtt8 < 1 ? 1 : srtt8);
	t->mdev = (uint32_t)(mdev < 0 ? 0 : mdev);
	if (t->mdev > t->mdev_max) {
		t->mdev_max = t->mdev;
		if (t->mdev_max > t->rttvar)
			t->rttvar = t->mdev_max;
	}
	if (round) {
		if (t->mdev_max < t->rttvar)
			t->rttvar -= (t->rttvar - t->mdev_max) >> 2;
		t->mdev_max = (uint32_t)min;
	}
}

int64_t sim_net_tcp_rto_of(const struct sim_tcp *t, int backoff);
int64_t sim_net_tcp_srtt(const struct sim_flow *f);
int64_t sim_net_tcp_rto(const struct sim_flow *f, int backoff);
/* The kernel's clock (machine.costs.tick; 0: exact ns), sim_net_tcp_rtt.c:
 * a duration in jiffies, rounded up (usecs_to_jiffies); f's RTO in
 * jiffies after `backoff` timeouts, as the kernel arms it; and when a
 * timer armed at `armed` for j jiffies fires on the timer wheel. */
int64_t sim_net_jiffies(const struct sim_net *n, int64_t ns);
int64_t sim_net_tcp_rto_jiffies(const struct sim_net *n, const struct sim_flow *f, int backoff);
int64_t sim_net_wheel(const struct sim_net *n, int64_t armed, int64_t j);
/* After an outcome: the timer, the state; before the owner's hook
 * (sim_net_tcp_after, inline below, calls it where there is work). */
void sim__net_tcp_after(struct sim_net *n, struct sim_flow *f, int outcome, int64_t now);

/* sim_net_tcp_loss.c: finding tcp linux's lost segments.  A flow's loss
 * state, all zero (read only) if it never lost a segment or has no TCP
 * state left: t's, of net n's (a segment's path looks its state up once:
 * sim_net_of and the pool's slab in every helper were a sixth of a tcp
 * linux crawl's segment), and f's. */
static inline const struct sim_tcp_loss *sim_net_tcp_no_loss(void)
{
	/* in the header, not one file's: the compiler sees that it is all
	 * zero, and a segment's path reads none of it */
	static const struct sim_tcp_loss none;

	return &none;
}

static inline const struct sim_tcp_loss *sim_net_tcp_loss_in(const struct sim_net *n,
							     const struct sim_tcp *t)
{
	return t->loss == SIM_NET_NIL ? sim_net_tcp_no_loss() : &n->loss[t->loss];
}

static inline const struct sim_tcp_loss *sim_net_tcp_loss_of(const struct sim_flow *f)
{
	return f->tcp == SIM_NET_NIL ? sim_net_tcp_no_loss()
				     : sim_net_tcp_loss_in(sim_net_of(f), sim_net_tcp_of(f));
}

/* When t's timer is due, one event for both: the earlier of its batch's
 * ACKs and the finding of its loss, 0 when neither is pending (each is 0
 * when it is not). */
static inline int64_t sim_net_tcp_due(const struct sim_net *n, const struct sim_tcp *t)
{
	int64_t a = t->ack_t, b = sim_net_tcp_loss_in(n, t)->rtx_t;

	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* sim_net_tcp.c's, here after the loss state it reads:
 * sim__net_tcp_after, inline where it changes nothing: a segment after
 * which more are on the link leaves the timer where it was unless its due
 * time moved (90 k of a 10k-page crawl's 140 k segments), and the call
 * with its saves was half of what those cost. */
static inline void sim_net_tcp_after(struct sim_net *n, struct sim_flow *f, int outcome,
				     int64_t now)
{
	if (outcome == SIM_SEG_MORE && f->token) {
		const struct sim_tcp *t = sim_net_tcp_at(n, f->tcp);

		if (sim_net_tcp_due(n, t) == t->due)
			return;
	}
	sim__net_tcp_after(n, f, outcome, now);
}
/* f's loss state, taken from the pool if it has none (aborts if memory
 * ran out: inside an event).  The pool's array may move: hold the
 * pointer only until the next call. */
struct sim_tcp_loss *sim_net_tcp_loss_get(struct sim_flow *f);
/* f's TCP state and its loss state, if any, go back to their pools (its
 * last byte arrived, or it is freed). */
void sim_net_tcp_release(struct sim_net *n, struct sim_flow *f);
/* f's segment (a retransmission: rtx; the response's last: last; the FIN
 * of its own: fin) is lost at now: a new hole or one more in it, and the
 * server's timer that finds it if nothing after it does (the probe, the
 * RTO). */
void sim_net_tcp_lose(struct sim_net *n, struct sim_flow *f, int rtx, int last, int fin,
		      int64_t now);
/* A segment of f's arrived at now after its hole: a duplicate ACK, which
 * may find the hole sooner (RACK, the third dupACK). */
void sim_net_tcp_dupack(struct sim_net *n, struct sim_flow *f, int64_t now);
/* f's lost segments are found at now (its loss's rtx_t): by duplicate
 * ACKs / RACK (fast retransmit), the tail loss probe, or the RTO.  Cuts
 * the window, and marks the segments to resend (the caller sends them,
 * at least one whatever the window); returns 0, or -1 if the connection
 * times out. */
int sim_net_tcp_found(struct sim_net *n, struct sim_flow *f, int64_t now);

#endif
