/* sim_net's insides, shared by sim_net.c (the owner's calls, the pool,
 * timed events), sim_net_flow.c (a connection's life, the server) and
 * sim_net_link.c (the shared link).  Not for the owner.  TCP's (network.tcp
 * linux: its state, the RTT, the losses) are sim_net_tcp_int.h. */
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

/* Where the server stops sending: all of the response, or the head and
 * half the body for a reset or short fault. */
static inline int64_t sim_net_end(const struct sim_flow *f)
{
	return f->head_len + al_fault_cut((enum al_fault)f->fault, f->total - f->head_len);
}

/* sim_net_tcp.c (network.tcp linux; its insides: sim_net_tcp_int.h):
 * the length of f's next segment, noted as new or a retransmission. */
int64_t sim_net_tcp_seg_len(const struct sim_net *n, struct sim_flow *f);

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
/* (sim_net_tcp.c: tcp linux's) */
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

/* sim_net_flow.c: whether f's packet of draw `what` (its try k) is
 * lost. */
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

/* The span of len body bytes from f's byte off (off at or past the
 * header): sim_net_recv's, and the body's part of a read that began in
 * the header.  A corrupt fault: the byte at half the body is not the
 * page's, flagged. */
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
