/* sim_net's insides, shared by sim_net.c (the owner's calls, the pool,
 * timed events), sim_net_flow.c (a connection's life, the server) and
 * sim_net_link.c (the shared link).  Not for the owner. */
#ifndef SIM_NET_INT_H
#define SIM_NET_INT_H

#include "core/al_http.h"
#include "sim/sim_net.h"

#define SIM_NET_SLAB 4096            /* flows per slab                    */
#define SIM_NET_NIL UINT32_MAX
#define SIM_NET_CTL (UINT32_MAX - 1) /* link fifo: a pure ACK's block (never a
					  flow's id: ids stay below NIL / SLAB slabs) */
#define SIM_NET_RING 0x80000000u     /* hpos: the place is in the link's ring */

/* A flow's life.  The states marked (ev) have exactly one queue event
 * pending, in f->token; the others have none (STREAM is in the link heap). */
enum sim_flow_state {
	FL_FREE,
	FL_SYN,          /* (ev) the SYN is on its way to the server          */
	FL_SYN_WAIT,     /* (ev) SYN lost or dropped: the retry timer         */
	FL_SYN_ACK,      /* (ev) accepted: the SYN-ACK is on its way back     */
	FL_REFUSED,      /* (ev) refused: the RST is on its way back          */
	FL_UNREACH,      /* (ev) the link is down: ENETUNREACH at once        */
	FL_CONNECTED,    /* established, no request yet                       */
	FL_REQUEST,      /* (ev) the request is on its way                    */
	FL_QUEUED,       /* the request waits at the server for a slot        */
	FL_THINK,        /* (ev) the server thinks; then its write returns
			  * (the response fits its send buffer): its slot
			  * frees, and FIRST follows                         */
	FL_WRITING,      /* paced: the server's thread has the write to do
			  * (sim_net_set_writer); sim_net_written ends it    */
	FL_WRITTEN,      /* (ev) paced: the server's CPU has written it then:
			  * its slot frees, and FIRST follows                */
	FL_FIRST,        /* (ev) the server thinks, then its first byte is on
			  * its way to the client's link                     */
	FL_HELD,         /* a stall fault: the server holds the request and
			  * never answers (ends when the client closes)      */
	FL_STREAM,       /* in the link's heap (tcp linux: and its timer, if
			  * set, in f->token)                                */
	FL_STALL,        /* (ev) a segment was lost: the RTO (tcp fluid); tcp
			  * flow: its losses' RTOs, after its transfer       */
	FL_WAIT,         /* (ev) tcp linux: off the link, window used up; its
			  * timer (ACKs or a retransmission) is pending      */
	FL_REQ_FAIL,     /* (ev) tcp linux: every try of the request lost     */
	FL_DONE,         /* every byte arrived, the server closed             */
	FL_FAILED,       /* the connect failed (err)                          */
	FL_BROKEN,       /* established, then failed (err)                    */
};

/* The server's hold on a flow: accepted, its request not in yet (no slot:
 * a client that has not asked takes none); waiting in the FIFO for a slot,
 * its request in; in a slot, being served. */
enum { SRV_NONE, SRV_ACCEPTED, SRV_BACKLOG, SRV_SLOT };

/* tcp flow: f->tries once its response is on the link, when its transfer
 * is two pieces, split where the server's write returns (its slot under
 * max_concurrent frees there: sim_net_tcp_flow.c). */
enum { TFLOW_SPLIT = 1 };

enum {
	FLAG_REQ_IN = 1,             /* the request reached the server        */
	FLAG_NOTIFY = 2,             /* link drop: a hook call is owed        */
	FLAG_NEWS = 4,               /* bytes became readable: tell the owner */
	FLAG_SYNACK_RTX = 8,         /* tcp linux: a SYN-ACK was lost, so the
					server sent it again                */
	FLAG_CUR_NEW = 16,           /* tcp linux: on the link now, a new      */
	FLAG_CUR_RTX = 32,           /* segment or a retransmission (neither:
					not chosen yet)                     */
	FLAG_DROP = 64,              /* tcp linux, link fifo: the segment found
					the queue full                      */
	FLAG_CUR_FIN = 128,          /* tcp linux, link fifo: on the link now,
					the FIN of its own                  */
};

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

/* 72 bytes on LP64 (struct sim_tcp's 72 apart, in the pool; its net
 * its slab's, sim_net_of).  Ids (not pointers) link
 * flows, so the order of everything is independent of addresses.  Pages
 * and byte counts are 32-bit: the scenario's limits keep a page's index
 * under 10^8 and a response under 1 GiB and its header. */
struct sim_flow {
	void *ctx;
	uint64_t token;              /* the pending event, if the state has one */
	int64_t t;                   /* when the current SYN was sent; tcp flow,
				      * once served: its losses' RTOs, in ns;
				      * tcp linux, once written: when, then
				      * when its latest window left the server
				      * plus d↓ (sim_net_tcp.c)                 */
	uint32_t page;
	uint32_t total;              /* response bytes; 0 until served          */
	uint32_t arrived;            /* bytes that reached the client           */
	uint32_t consumed;           /* bytes the owner has read                */
	uint32_t id;
	uint32_t hpos;               /* place in the link's heap, or its ring
				      * (SIM_NET_RING bit; STREAM); link fifo:
				      * its blocks in the queue                */
	uint32_t prev, next;         /* backlog FIFO; next: the pool's free list;
				      * on a FIFO link (hpos > 0 there): its
				      * first and last blocks' sequence      */
	uint16_t head_len;
	uint8_t state, srv;
	uint8_t tries;               /* the SYN's, then (fluid, linux) the
				      * segment's; tcp flow, once on the link:
				      * TFLOW_SPLIT or 0                        */
	uint8_t err, flags;
	uint8_t fault;               /* enum al_fault, drawn when served        */
	uint32_t tcp;                /* network.tcp linux: its struct sim_tcp in
				      * the net's pool; SIM_NET_NIL: none      */
	union {
		uint32_t syn_rtt;    /* tcp linux: the handshake's RTT sample,
				      * in µs, until the request takes a state */
		uint32_t upto;       /* tcp flow, once served: where its bytes
				      * stop (sim_net_end, or a segment lost
				      * 16 times: ETIMEDOUT once they are in) */
	};
};

static inline struct sim_flow *sim_net_flow(const struct sim_net *n, uint32_t id)
{
	return &n->slabs[id / SIM_NET_SLAB][id % SIM_NET_SLAB];
}

/* A slab of flows: its net, then its flows (n->slabs[i] points at f).  A
 * flow finds its slab by its id, its net there: ten million flows keep
 * no pointer each. */
struct sim_flow_slab {
	struct sim_net *net;
	struct sim_flow f[];
};

static inline struct sim_net *sim_net_of(const struct sim_flow *f)
{
	const struct sim_flow *first = f - f->id % SIM_NET_SLAB;

	return ((const struct sim_flow_slab *)(const void *)
		((const char *)first - offsetof(struct sim_flow_slab, f)))->net;
}

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

/* Where the server stops sending: all of the response, or the head and
 * half the body for a reset or short fault. */
static inline int64_t sim_net_end(const struct sim_flow *f)
{
	return f->head_len + al_fault_cut((enum al_fault)f->fault, f->total - f->head_len);
}

int64_t sim_net_tcp_seg_len(const struct sim_net *n, struct sim_flow *f);
/* The same, the link saying whether it is a retransmission (link fifo). */
int64_t sim_net_tcp_seg_len_kind(struct sim_flow *f, int rtx);

/* sim_net_tcp_flow.c (network.tcp flow; its functions are sim_net_tflow_*,
 * apart from sim_net_flow.c's, a connection's): the bytes f's transfer puts on
 * the link as one piece from f->arrived: up to where the server's write
 * returns (its slot frees), or up to f->upto. */
int64_t sim_net_tflow_chunk(const struct sim_flow *f);

/* The length of the segment f sends next on the link (the link calls it
 * when the segment starts; tcp linux notes which one it is; tcp flow's
 * "segment" is its transfer's piece). */
static inline int64_t sim_net_seg_len(const struct sim_net *n, struct sim_flow *f)
{
	int64_t left;

	if (n->net.tcp == AL_TCP_LINUX)
		return sim_net_tcp_seg_len(n, f);
	if (n->net.tcp == AL_TCP_FLOW)
		return sim_net_tflow_chunk(f);
	left = sim_net_end(f) - f->arrived;
	return left < SIM_NET_MSS ? left : SIM_NET_MSS;
}

/* sim_net_flow.c: the event of every flow state marked (ev) above */
void sim_net_on_flow(void *arg, int64_t now);
/* The timeout after `tries` failures in a row: rto, doubling, capped. */
int64_t sim_net_rto(const struct sim_net *n, int tries);
/* sim_net_tcp_flow.c: f's first byte reaches the link (tcp flow): its
 * losses are drawn, and its transfer starts. */
void sim_net_tflow_start(struct sim_net *n, struct sim_flow *f, int64_t now);
/* A transfer's piece is on the link's far side: its outcome, as
 * sim_net_seg_outcome's (LOST: the losses' RTOs are still owed). */
int sim_net_tflow_outcome(struct sim_net *n, struct sim_flow *f, int64_t now);
/* The losses' RTOs have passed (FL_STALL): the rest arrives, or the
 * connection times out. */
void sim_net_tflow_stalled(struct sim_net *n, struct sim_flow *f, int64_t now);
/* The losses' RTOs are owed (after a LOST outcome, or a first segment
 * that never arrives): their event, FL_STALL. */
void sim_net_tflow_stall(struct sim_net *n, struct sim_flow *f, int64_t now);
/* The packet emulator's backlog at now (sim_net_set_backlog): 0 without
 * one. */
static inline int64_t sim_net_backlog(const struct sim_net *n, int64_t now)
{
	int64_t w = n->backlog ? n->backlog(n->backlog_arg, now) : 0;

	return w > 0 ? w : 0;
}
/* A round trip of rtt split in its two ways: the way up (client to
 * server) is its half, rounded down, the way down the rest, so that the
 * two add up to rtt exactly. */
static inline int64_t sim_net_d_up(int64_t rtt) { return rtt / 2; }
static inline int64_t sim_net_d_down(int64_t rtt) { return rtt - rtt / 2; }
/* n->drawn: whether n's ways are drawn, each its own delay: the path has
 * a jitter, or ways drawn with one are still in flight in the path's
 * order (sim_net_order.c) after it went to 0.  Without, every way is
 * its half of the rtt (sim_net_d_up, sim_net_d_down).  Set where the
 * jitter or the pairs in flight change (sim_net_set_jitter,
 * sim_net_order_at, sim_net_order_clear). */
static inline void sim_net_set_drawn(struct sim_net *n)
{
	n->drawn = n->jittery || n->order[0].first < n->order[0].n ||
		   n->order[1].first < n->order[1].n;
}
/* n->net.jitter changed (or was set): n->jittery, n->drawn and
 * n->ack_jitter. */
void sim_net_set_jitter(struct sim_net *n);
/* A one-way delay of f's, draw `what` (its try k): client to server (the
 * SYN, the request, an ACK) or back. */
int64_t sim_net_oneway(struct sim_net *n, const struct sim_flow *f, enum al_net_draw what,
		       uint64_t k);
/* When f's packet of draw `what` (its try k), sent at `sent` (at least
 * now), arrives: sent plus its one-way delay, and on an ordered path
 * (sim_net_ordered) not before those sent before it that way. */
int64_t sim_net_arrive(struct sim_net *n, const struct sim_flow *f, enum al_net_draw what,
		       uint64_t k, int64_t sent, int64_t now);
/* sim_net_order.c: the path's order.  When a packet sent at `sent` on
 * the way up (up) or down, due at `at`, arrives in it: at, or the latest
 * arrival of those sent before it, which it joins (sim_net_ordered says
 * whether n keeps it).  Without a jitter it keeps nothing new once the
 * pairs in flight have arrived, and clears n->drawn. */
int64_t sim_net_order_at(struct sim_net *n, int up, int64_t now, int64_t sent, int64_t at);
/* Forgets every pair in flight (the link dropped them). */
void sim_net_order_clear(struct sim_net *n);
void sim_net_order_free(struct sim_net *n);
/* A SYN leaves at now: sets f's state (SYN or SYN_WAIT) and returns when
 * its event is due. */
int64_t sim_net_syn_out(struct sim_net *n, struct sim_flow *f, int64_t now);
/* Slots went free: the oldest waiting connections take them. */
void sim_net_admit(struct sim_net *n, int64_t now);
/* The server is done with f: its slot or backlog place is freed. */
void sim_net_release(struct sim_net *n, struct sim_flow *f, int64_t now);

/* sim_net.c: pushes an event that must not fail (aborts if memory ran out:
 * inside an event there is no caller to return the error to). */
uint64_t sim_net_must_push(struct sim_net *n, int64_t t, sim_fn fn, void *arg);
void sim_net_account(struct sim_net *n, int64_t delta);
/* The header of a response with a body of `body` bytes (al_http_header):
 * n->head, made again only when body differs from the last one's. */
const struct sim_net_head *sim_net_head(struct sim_net *n, int64_t body);

/* A segment's fate, in two steps so that the link can mend its heap in
 * between: the outcome (draws the loss, counts the bytes), then what
 * follows (stall, done, hooks), which may re-enter sim_net. */
enum { SIM_SEG_MORE, SIM_SEG_LAST, SIM_SEG_LOST, SIM_SEG_IDLE };
/* MORE: f has another segment to send on the link; LAST: every byte has
 * arrived; LOST (fluid): its segment was lost; IDLE (linux): its window is
 * used up, it leaves the link. */
int sim__net_seg_outcome(struct sim_net *n, struct sim_flow *f, int64_t now);
int sim_net_tcp_outcome(struct sim_net *n, struct sim_flow *f, int64_t now);
static inline int sim_net_seg_outcome(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	/* Linux TCP knows which segment is on the link (noted when it was
	 * put there); asking for the length again would note it anew.  Its
	 * call made here: the link's every segment, not a call more. */
	if (n->net.tcp == AL_TCP_LINUX)
		return sim_net_tcp_outcome(n, f, now);
	return sim__net_seg_outcome(n, f, now);
}
/* Tells the owner if bytes became readable since (FLAG_NEWS). */
void sim_net_seg_after(struct sim_net *n, struct sim_flow *f, int outcome, int64_t now);
void sim_net_fail_data(struct sim_net *n, struct sim_flow *f, int err, int64_t now);

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

/* sim_net_tcp.c's, here after the loss state it reads:
 * sim__net_tcp_after, inline where it changes nothing: a segment after
 * which more are on the link leaves the timer where it was unless its due
 * time moved (90 k of a 10k-page crawl's 140 k segments), and the call
 * with its saves was half of what those cost.  The due time is
 * sim_net_tcp.c's min_due of the ACKs' and the loss's. */
static inline void sim_net_tcp_after(struct sim_net *n, struct sim_flow *f, int outcome,
				     int64_t now)
{
	if (outcome == SIM_SEG_MORE && f->token) {
		const struct sim_tcp *t = sim_net_tcp_at(n, f->tcp);
		int64_t a = t->ack_t, b = sim_net_tcp_loss_in(n, t)->rtx_t;

		if ((a == 0 ? b : b == 0 ? a : a < b ? a : b) == t->due)
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
/* Whether the SYN-ACK of try k is lost. */
int sim_net_lost(struct sim_net *n, const struct sim_flow *f, enum al_net_draw what,
		 uint64_t k);

/* sim_net_fifo.c: the link as one FIFO drop-tail queue (network.link
 * fifo), for tcp linux only: fluid flows have no segments to queue. */
static inline int sim_net_fifo_on(const struct sim_net *n)
{
	return n->net.link == AL_LINK_FIFO && n->net.tcp == AL_TCP_LINUX;
}

/* Whether n's ways keep the path's order (sim_net_order.c): a FIFO link
 * (the packet emulator's) and ways drawn (n->drawn); without, equal
 * delays keep it anyway.  A path with drawn ways but no FIFO keeps none. */
static inline int sim_net_ordered(const struct sim_net *n)
{
	return n->drawn && sim_net_fifo_on(n);
}
/* f puts segs more segments on the link at now (sim_net_tcp.c's send),
 * the first rtx of them retransmissions: one block at the queue's tail,
 * those past network.queue dropped. */
void sim_net_fifo_add(struct sim_net *n, struct sim_flow *f, uint32_t rtx, uint32_t segs,
		      int64_t now);
/* A pure ACK of the server's reaches the queue now (ack), or at `at`
 * (ack_at; kind: SIM_ACK_REQUEST, SIM_ACK_FIN, each in order of `at`):
 * one packet of headers alone, no flow's, dropped by a full queue as any
 * other (and then lost at no cost: it carried nothing). */
enum { SIM_ACK_REQUEST, SIM_ACK_FIN };
void sim_net_fifo_ack(struct sim_net *n, int64_t now);
/* Queues the server's pure ACK of `kind` to reach the queue at `at`;
 * nothing where there is no FIFO queue (another TCP or link, no
 * bandwidth) or the link is down. */
void sim_net_fifo_ack_at(struct sim_net *n, int kind, int64_t at);
/* As sim_net_link_leave, set_bw, clear and free (which call them when the
 * link is a FIFO). */
void sim_net_fifo_leave(struct sim_net *n, struct sim_flow *f, int64_t now);
void sim_net_fifo_set_bw(struct sim_net *n, int64_t now);
void sim_net_fifo_clear(struct sim_net *n);
void sim_net_fifo_free(struct sim_net *n);

/* sim_net_link.c */
int sim_net_link_init(struct sim_net *n);
void sim_net_link_free(struct sim_net *n);
/* f starts (or resumes) sending its current segment at now. */
void sim_net_link_join(struct sim_net *n, struct sim_flow *f, int64_t now);
/* f stops streaming (closed or reset) without its segment arriving. */
void sim_net_link_leave(struct sim_net *n, struct sim_flow *f, int64_t now);
/* The bandwidth changes at now. */
void sim_net_link_set_bw(struct sim_net *n, int64_t bw, int64_t now);
/* Every streaming flow leaves (the link drops); their states are the
 * caller's to set. */
void sim_net_link_clear(struct sim_net *n);

/* sim_net_readable, inline: the selector (sim_sel.c) asks it three times
 * a segment, where the call with its spills was ~15 instructions. */
static inline int sim_net_readable_in(const struct sim_flow *f)
{
	return f->arrived > f->consumed || f->state == FL_DONE || f->state == FL_FAILED ||
	       f->state == FL_BROKEN;
}

/* The span of len body bytes from f's byte off (off past the header):
 * sim_net_recv's, a corrupt fault's byte at half the body flagged. */
static inline void sim_net_body_span(const struct sim_flow *f, int64_t off, int64_t len,
				     struct al_http_span *body)
{
	int64_t bad = (f->total - f->head_len) / 2;

	*body = (struct al_http_span){.page = f->page, .off = off - f->head_len, .len = len};
	if (f->fault == AL_FAULT_CORRUPT && bad >= body->off && bad < body->off + len)
		body->corrupt = 1;
}

/* sim_net_recv's common case, inline where the simulator's recv is (a
 * call a segment): f's body bytes, its header read, up to cap > 0 of
 * them, their span in *body; 0 (nothing done) in any other case, which
 * sim_net_recv answers. */
static inline int64_t sim_net_recv_body(struct sim_flow *f, size_t cap,
					struct al_http_span *body)
{
	int64_t off = f->consumed, avail = f->arrived - off;

	if (f->state == FL_FAILED || avail <= 0 || cap == 0 || off < f->head_len)
		return 0;
	int64_t len = avail < (int64_t)cap ? avail : (int64_t)cap;

	sim_net_body_span(f, off, len, body);
	f->consumed += len;
	return len;
}

#endif
