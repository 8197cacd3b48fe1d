/* The simulated network and origin server (docs/network.md): connections
 * with a handshake over a path of rtt plus jitter, a server with an accept
 * backlog and a concurrency limit, and responses that stream over the
 * client's link, shared fairly among every response streaming at once
 * (processor sharing, kept in virtual time: one pending event for the whole
 * link), in segments that may be lost and are then resent after the RTO
 * (network.tcp flow: as one transfer, its losses' RTOs after it).
 *
 * Driven by the owner's event queue; every random draw is its page's own
 * (al_page_draw, al_page_rng), so the same scenario, seed and calls give
 * the same event times, and every model sees the same network per page.  The owner (sim/sim_os.c) calls
 * connect / send / recv / close and hears back through two hooks.  Hooks run
 * only from sim_net's own queue events, never inside a sim_net_* call, and
 * may call any sim_net_* function but sim_net_free (closing the flow
 * included). */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_dist.h"
#include "core/al_http.h"
#include "core/al_mem.h"
#include "core/al_scenario.h"
#include "sim/sim_queue.h"

/* TCP's constants, as Linux has them. */
#define SIM_NET_MSS 1448             /* response segment, bytes           */
#define SIM_NET_SYN_RETRIES 6        /* tcp_syn_retries                   */
#define SIM_NET_DATA_RETRIES 15      /* tcp_retries2                      */
#define SIM_NET_RTO_MAX INT64_C(120000000000) /* TCP_RTO_MAX: 120 s       */
#define SIM_NET_RTO_MIN INT64_C(200000000)    /* TCP_RTO_MIN: 200 ms      */
/* Draws are capped where the scenario schema caps their parameters, so a
 * heavy tail cannot push event times towards overflow. */
#define SIM_NET_MAX_DELAY INT64_C(3600000000000) /* jitter, think: 1 h     */
#define SIM_NET_MAX_PAGE (INT64_C(1) << 30)      /* page size: 1 GiB       */
/* No event is due later (sim_os.h's SIM_HORIZON). */
#define SIM_NET_HORIZON (INT64_MAX / 4)

struct sim_flow;                     /* one connection, owned by sim_net */

struct sim_net_hooks {
	/* The connect that sim_net_connect started has finished: err is 0
	 * (established), ECONNREFUSED (backlog full, overflow refuse),
	 * ETIMEDOUT (every SYN retry lost or dropped) or ENETUNREACH (the
	 * link is down).  Called once per flow. */
	void (*connected)(void *ctx, int err, int64_t now);
	/* sim_net_recv would not block any more: bytes arrived, the
	 * response is complete, or the connection failed.  May come again
	 * before the owner has read. */
	void (*readable)(void *ctx, int64_t now);
};

struct sim_net_stats {
	int64_t connects;            /* sim_net_connect calls                */
	int64_t established;
	int64_t refused;             /* ECONNREFUSED                         */
	int64_t unreachable;         /* ENETUNREACH                          */
	int64_t connect_timeouts;    /* ETIMEDOUT in connect                 */
	int64_t data_timeouts;       /* ETIMEDOUT: a segment lost 16 times   */
	int64_t resets;              /* ECONNRESET by a link drop            */
	int64_t syn_lost;            /* SYNs lost on the way                 */
	int64_t syn_dropped;         /* SYNs dropped by a full backlog       */
	int64_t syn_retries;         /* SYNs sent again                      */
	int64_t requests;            /* requests sent                        */
	int64_t responses;           /* responses the server started        */
	int64_t completed;           /* responses whose last byte arrived    */
	int64_t segments;            /* segments delivered                   */
	int64_t lost;                /* segments lost (each is resent)       */
	int64_t fast_retransmits;    /* tcp linux: losses found by dupACKs   */
	int64_t probes;              /* tcp linux: tail loss probes          */
	int64_t timeouts;            /* tcp linux: RTOs of data              */
	int64_t bytes;               /* response bytes delivered             */
	int64_t acks, acks_dropped;  /* link fifo: the server's pure ACKs
				      * that reached the queue; those it
				      * dropped                              */
	int64_t flows, peak_flows;   /* connections open (not yet closed)    */
	int64_t peak_streaming;      /* responses sharing the link at once   */
	int64_t peak_serving;        /* connections holding a server slot    */
	int64_t peak_backlog;        /* connections waiting for a slot       */
	int64_t memory, peak_memory; /* bytes sim_net has allocated          */
};

/* The link: processor sharing in virtual time.  V (`v0` at `t0`) is the
 * service each streaming flow has received, in units of 1/8e9 byte, so
 * that it grows by exactly bw / k units per nanosecond with k flows.
 * The streaming flows are ordered by the virtual time at which their
 * current segment is complete (tag << 32 | flow id), in two places: `ring`,
 * a FIFO sorted by construction (a key goes there when it is past the
 * back, as a full segment following on from the previous one always is,
 * sim_net_link.c), and `heap` for the others. */
struct sim_net_link {
	int64_t bw;                  /* bits/s; 0: unlimited                 */
	int64_t t0;
	unsigned __int128 v0;
	unsigned __int128 *heap;
	uint32_t k, cap;             /* streaming flows; the heap's capacity */
	uint32_t hn;                 /* the heap's entries                   */
	unsigned __int128 *ring;     /* power-of-two capacity rcap; entries
				      * [rhead, rtail) mod rcap, a left flow's
				      * entry stays until the front (id NIL) */
	uint32_t rhead, rtail, rcap;
	int64_t due;                 /* the link's one pending event's time,
				      * while the queue's reserved event is
				      * on (sim_queue_res_on)              */
};

/* The link as one FIFO drop-tail queue (network.link fifo, tcp linux,
 * sim_net_fifo.c): the segments a flow puts on the link at once are one
 * block, and blocks go in arrival order, each segment at the full
 * bandwidth.  A block holds `n` segments still queued and `drop` that
 * found the queue full (lost when the block's last accepted one has gone),
 * the first `rtx` of all of them retransmissions.  The server's pure ACKs
 * (of a request, of a client's FIN) are blocks of one packet of their own
 * (id SIM_NET_CTL, sim_net_int.h). */
struct sim_net_blk {
	uint32_t id, rtx, n, drop;   /* id NIL: its flow left; CTL: one pure
				      * ACK of the server's, no flow's        */
	uint32_t next;               /* its flow's next block (a sequence
				      * number), if the flow has one          */
};

/* Pure ACKs of one kind on their way to the FIFO's queue: when each
 * reaches it, in order, [head, tail) mod cap, and one event for the
 * first (sim_net_fifo.c). */
struct sim_net_acks {
	int64_t *t;
	uint32_t head, tail, cap;
	uint64_t token;
	struct sim_net *net;
};

struct sim_net_fifo {
	struct sim_net_blk *blk;     /* power-of-two capacity cap; blocks
				      * [head, tail) mod cap               */
	uint32_t head, tail, cap;
	uint32_t queued;             /* segments queued (drop-tail counts)   */
	uint32_t k;                  /* flows with a block queued           */
	int busy;                    /* the head's segment goes at `due`     */
	uint64_t token;              /* the queue's one pending event        */
	int64_t due;
	/* the server's pure ACKs on their way to the queue, by kind */
	struct sim_net_acks ack[2];
};

/* A direction of the path's order (link fifo with a jitter,
 * sim_net_order.c): the (sent, arrival) pairs that can still hold a
 * packet back, both increasing, live from p[first] to p[n - 1] */
struct sim_net_way {
	int64_t sent, at;
};
struct sim_net_order {
	struct sim_net_way *p;
	uint32_t first, n, cap;
};

struct sim_net_timed {           /* a scenario event, scheduled at init  */
	struct sim_net *net;
	const struct al_event_cfg *ev;
	uint64_t token;
};

/* Private: embed it, initialise it with sim_net_init, read it through the
 * functions below.  It must not move after sim_net_init. */
struct sim_net {
	const struct al_scenario *sc;
	struct sim_queue *q;
	struct sim_net_hooks hooks;
	struct al_network net;       /* current values: events change them   */
	int jittery;                 /* net.jitter is not the constant 0     */
	int drawn;                   /* ways are drawn: jittery, or pairs of
				      * the path's order still in flight
				      * (sim_net_set_drawn)                  */
	int64_t ack_jitter;          /* what an ACK without a draw of its own
				      * takes of it (ns, sim_net_set_jitter)  */
	struct al_server srv;
	int down;                    /* the link is down                     */
	struct sim_net_link link;
	struct sim_net_fifo fifo;
	struct sim_net_order order[2];   /* the path's order: down, up */
	/* server: slots in use; connections accepted whose request has not
	 * arrived; those whose request has, waiting for a slot, as a FIFO of
	 * flow ids (the backlog) */
	int64_t serving, idle, waiting;
	uint32_t bl_head, bl_tail;
	/* machine.host_server on a FIFO link: when the server's CPU has
	 * written the responses due so far (sim_net_flow.c) */
	int64_t srv_free;
	/* The packet emulator's backlog at now, in the path of every packet
	 * (sim_net_set_backlog); NULL: none */
	int64_t (*backlog)(void *arg, int64_t now);
	void *backlog_arg;
	/* Who runs the server's writes when it paces them (sim_net_set_writer);
	 * NULL: the server's CPU alone, srv_free */
	int64_t (*writer)(void *arg, void *ctx, int64_t now, int64_t ns);
	void *writer_arg;
	/* May the link's next event run at once, at t (sim_net_set_clock)?
	 * NULL: never */
	int (*advance)(void *arg, int64_t t);
	void *advance_arg;
	/* flow pool: slabs of SIM_NET_SLAB flows, ids index them */
	struct sim_flow **slabs;
	uint32_t nslabs, slabs_cap, nids, free_head;
	struct al_arena slab_mem;        /* where the slabs are carved, */
	struct al_arena *shared;         /* unless the owner's arena: then there */
	/* The last response header made (sim_net_head): pages of one size
	 * share it, made once, not twice a page */
	struct sim_net_head {
		int64_t body;            /* its Content-Length; -1: none yet */
		int len;
		char bytes[128];
	} head;
	/* tcp linux: the loss states of the flows that lost a segment,
	 * indexed by f->tcp.loss, with a free list */
	struct sim_tcp_loss *loss;
	uint32_t nloss, loss_cap, loss_free;
	/* tcp linux: the TCP states of the flows between their handshake
	 * and their last byte, in slabs of SIM_NET_SLAB from slab_mem (they
	 * never move), indexed by f->tcp, with a free list */
	struct sim_tcp **tslabs;
	uint32_t ntslabs, tslabs_cap, ntcp, tcp_free;
	struct sim_net_timed timed[AL_SCENARIO_MAX_EVENTS];
	struct sim_net_stats st;
};

/* Sets up the network and server of scenario sc, which must outlive n, and
 * schedules sc's timed events on q.  Returns 0, or -1 with errno ENOMEM. */
int sim_net_init(struct sim_net *n, const struct al_scenario *sc, struct sim_queue *q,
		 const struct sim_net_hooks *hooks);
/* The time a packet reaching the network's path at now waits for the
 * kernel-TCP path's packet emulator to get to it (machine.host_emulator:
 * sim_host.c says it), on the way down and up alike: what the server's
 * TCP measures in its RTT samples, and the ACKs' lateness.  NULL (the
 * default): nothing waits. */
void sim_net_set_backlog(struct sim_net *n, int64_t (*backlog)(void *arg, int64_t now),
			 void *arg);
/* Where the origin server paces its responses (machine.host_server on a
 * FIFO link): writer(arg, ctx, now, ns) takes the write of ctx's flow's
 * response, ns of the server's CPU, at now, and returns when it is done
 * (>= now), or -1 when it calls sim_net_written then (the server's
 * thread runs it in its turn: sim_host.c).  NULL (the default): the
 * server's CPU is a FIFO of its own. */
void sim_net_set_writer(struct sim_net *n,
			int64_t (*writer)(void *arg, void *ctx, int64_t now, int64_t ns),
			void *arg);
/* The owner's clock, for the link's events: advance(arg, t) returns 1
 * when the link's next event, due at t, would be the queue's next one
 * popped and the owner has run it so (its clock is t, it counted the
 * event), 0 when the link must push it (it does nothing then).  A
 * segment completes every microsecond or so on a busy link, each an event
 * that found nothing else due first: run at once, the same events in the
 * same order, none pushed and popped.  NULL (the default): every one is
 * pushed. */
void sim_net_set_clock(struct sim_net *n, int (*advance)(void *arg, int64_t t), void *arg);
/* 1 when the server paces its responses (a writer's, or its own FIFO's):
 * machine.host_server on a FIFO link with a bandwidth. */
int sim_net_paced(const struct sim_net *n);
/* The write a writer returned -1 for is done at now: the response goes
 * onto the link, unless the flow was reset meanwhile (link down). */
void sim_net_written(struct sim_flow *f, int64_t now);
/* Cancels every pending event of n on q and frees every flow. */
void sim_net_free(struct sim_net *n);

/* Starts connecting to the server for page `page` (the peer's address; the
 * server serves that page's body); ctx is handed to the hooks.  The result
 * arrives through hooks->connected.  Returns the flow, or NULL with errno
 * ENOMEM.  The flow lives until sim_net_close, whatever happens to it. */
struct sim_flow *sim_net_connect(struct sim_net *n, int64_t now, int64_t page, void *ctx);
/* Sends the request (len bytes; its size does not change its timing).
 * Only the first send on a flow is the request; later ones are accepted
 * and ignored, as an HTTP/1.0 server ignores what follows a request.
 * Returns 0, or -1 with errno ENOTCONN (not established, or the connect
 * failed), ECONNRESET / ETIMEDOUT (the connection failed since), ENOMEM. */
int sim_net_send(struct sim_net *n, struct sim_flow *f, int64_t now, int64_t len);
/* Reads up to cap bytes of the response: the header's (al_http_header)
 * are written at the start of buf, the body's are not written but
 * described in *body (a span of the page: its length is 0 when they were
 * all header), in O(1) whatever the count; buf or body NULL discards
 * them.  Returns the count (> 0), 0 at the end of the response (the server has
 * closed and every byte was read) or if cap is 0, or -1 with errno EAGAIN
 * (nothing yet, or still connecting), ECONNRESET / ETIMEDOUT (failed:
 * bytes that arrived before the failure are still returned first),
 * ENOTCONN (the connect failed). */
int64_t sim_net_recv(struct sim_net *n, struct sim_flow *f, void *buf, size_t cap,
		     struct al_http_span *body);
/* Bytes that arrived and were not read yet. */
int64_t sim_net_unread(const struct sim_flow *f);
/* 1 if sim_net_recv would not return EAGAIN. */
int sim_net_readable(const struct sim_flow *f);
/* 1 once the connect failed or the connection was reset (link down,
 * losses): no more of the response comes. */
int sim_net_failed(const struct sim_flow *f);
/* 1 once the connect has finished, successfully or not. */
int sim_net_writable(const struct sim_flow *f);
/* The response's length (header + body) once the server started it, 0
 * before; and its header's part. */
int64_t sim_net_response_len(const struct sim_flow *f);
int64_t sim_net_header_len(const struct sim_flow *f);
/* Closes the flow at any point: its events are cancelled, its server slot
 * or backlog place freed, its share of the link given back; f is invalid
 * afterwards. */
void sim_net_close(struct sim_net *n, struct sim_flow *f, int64_t now);

static inline const struct sim_net_stats *sim_net_stats(const struct sim_net *n)
{
	return &n->st;
}

/* sizeof(struct sim_flow), for reports of memory per connection. */
size_t sim_net_flow_size(void);

#endif
