/* sim_net's insides, shared by sim_net.c (connections, server, API) and
 * sim_net_link.c (the shared link).  Not for the owner. */
#ifndef SIM_NET_INT_H
#define SIM_NET_INT_H

#include "sim/sim_net.h"

#define SIM_NET_SLAB 4096            /* flows per slab                    */
#define SIM_NET_NIL UINT32_MAX

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
	FL_THINK,        /* (ev) the server thinks                            */
	FL_FIRST,        /* (ev) the first byte is on its way to the link     */
	FL_STREAM,       /* in the link's heap                                */
	FL_STALL,        /* (ev) a segment was lost: the RTO                  */
	FL_DONE,         /* every byte arrived, the server closed             */
	FL_FAILED,       /* the connect failed (err)                          */
	FL_BROKEN,       /* established, then failed (err)                    */
};

enum { SRV_NONE, SRV_BACKLOG, SRV_SLOT };

enum {
	FLAG_REQ_IN = 1,             /* the request reached the server        */
	FLAG_NOTIFY = 2,             /* link drop: a hook call is owed        */
};

/* 88 bytes on LP64.  Ids (not pointers) link flows, so the order of
 * everything is independent of addresses. */
struct sim_flow {
	struct sim_net *net;
	void *ctx;
	uint64_t token;              /* the pending event, if the state has one */
	int64_t page;
	int64_t total;               /* response bytes; 0 until served          */
	int64_t arrived;             /* bytes that reached the client           */
	int64_t consumed;            /* bytes the owner has read                */
	int64_t t;                   /* when the current SYN was sent           */
	uint32_t id;
	uint32_t hpos;               /* place in the link heap (STREAM)         */
	uint32_t prev, next;         /* backlog FIFO; next: the pool's free list */
	uint16_t head_len;
	uint8_t state, srv, tries, err, flags;
};

static inline struct sim_flow *sim_net_flow(const struct sim_net *n, uint32_t id)
{
	return &n->slabs[id / SIM_NET_SLAB][id % SIM_NET_SLAB];
}

static inline int64_t sim_net_seg_len(const struct sim_flow *f)
{
	int64_t left = f->total - f->arrived;

	return left < SIM_NET_MSS ? left : SIM_NET_MSS;
}

/* sim_net.c: pushes an event that must not fail (aborts if memory ran out:
 * there is no caller to return the error to). */
uint64_t sim_net_must_push(struct sim_net *n, int64_t t, sim_fn fn, void *arg);
/* The current segment arrived (or, with loss, did not): called by the link
 * for a flow it has already removed from its heap (done == 1) or kept with
 * the next segment's tag (done == 0).  Returns 1 if the flow should stay
 * streaming with its next segment. */
int sim_net_segment(struct sim_net *n, struct sim_flow *f, int64_t now);
void sim_net_account(struct sim_net *n, int64_t delta);

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

#endif
