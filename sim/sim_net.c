/* The owner's side of sim_net: set-up, the flow pool, the scenario's timed
 * events, and connect / send / recv / close.  A response's bytes are
 * counted, never stored; the owner reads its header as bytes and its body
 * as a span (al_http_span): a body byte is never generated. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_assert.h"
#include "core/al_http.h"
#include "sim/sim_net_tcp_int.h"

void sim_net_account(struct sim_net *n, int64_t delta)
{
	n->st.memory += delta;
	if (n->st.memory > n->st.peak_memory)
		n->st.peak_memory = n->st.memory;
}

const struct sim_net_head *sim_net_head(struct sim_net *n, int64_t body)
{
	if (n->head.body != body) {
		n->head.len = al_http_header(n->head.bytes, sizeof n->head.bytes, body);
		AL_ASSERT(n->head.len > 0);      /* pages <= 1 GiB: 20 digits fit */
		n->head.body = body;
	}
	return &n->head;
}

uint64_t sim_net_must_push(struct sim_net *n, int64_t t, sim_fn fn, void *arg)
{
	uint64_t tok = sim_queue_push(n->q, t, fn, arg);

	if (!tok) {
		fprintf(stderr, "sim_net: out of memory for the event queue\n");
		abort();
	}
	return tok;
}

/* --- the pool: slabs that never move, a free list of ids */

static struct al_arena *sim_net_mem(struct sim_net *n)
{
	return n->shared ? n->shared : &n->slab_mem;
}

static struct sim_flow *flow_alloc(struct sim_net *n)
{
	uint32_t id = n->free_head;

	if (id != SIM_NET_NIL) {
		n->free_head = sim_net_flow(n, id)->next;
	} else {
		if (n->nids == (uint64_t)n->nslabs * SIM_NET_SLAB) {
			if (n->nslabs == n->slabs_cap) {
				uint32_t cap = n->slabs_cap ? 2 * n->slabs_cap : 16;
				if (cap > SIM_NET_NIL / SIM_NET_SLAB)
					goto nomem;   /* ids are 32-bit */
				struct sim_flow **p = realloc(n->slabs, cap * sizeof *p);
				if (!p)
					goto nomem;
				sim_net_account(n, (int64_t)((cap - n->slabs_cap) * sizeof *p));
				n->slabs = p;
				n->slabs_cap = cap;
			}
			struct sim_flow_slab *slab = al_arena_calloc(sim_net_mem(n), 1, sizeof *slab +
								    SIM_NET_SLAB * sizeof slab->f[0]);
			if (!slab)
				goto nomem;
			sim_net_account(n, (int64_t)(sizeof *slab + SIM_NET_SLAB * sizeof slab->f[0]));
			slab->net = n;
			n->slabs[n->nslabs++] = slab->f;
		}
		id = n->nids++;
	}
	struct sim_flow *f = sim_net_flow(n, id);
	*f = (struct sim_flow){
		.id = id, .hpos = SIM_NET_NIL, .prev = SIM_NET_NIL,
		.next = SIM_NET_NIL, .tcp = SIM_NET_NIL,
	};
	return f;
nomem:
	errno = ENOMEM;
	return NULL;
}

/* tcp linux: the TCP pool, as the flows' (one freed, else the next of
 * the slabs, a slab more when they are full: slabs never move). */
void sim_net_tcp_take(struct sim_net *n, struct sim_flow *f)
{
	uint32_t i;

	if (n->tcp_free != SIM_NET_NIL) {
		i = n->tcp_free;
		n->tcp_free = sim_net_tcp_at(n, i)->loss;
	} else {
		if (n->ntcp == n->ntslabs * SIM_NET_SLAB) {
			struct sim_tcp *slab = NULL;
			if (n->ntslabs == n->tslabs_cap) {
				uint32_t cap = n->tslabs_cap ? 2 * n->tslabs_cap : 16;
				struct sim_tcp **p = cap <= SIM_NET_NIL / SIM_NET_SLAB
						     ? realloc(n->tslabs, cap * sizeof *p) : NULL;
				if (!p)
					goto nomem;
				sim_net_account(n, (int64_t)((cap - n->tslabs_cap) * sizeof *p));
				n->tslabs = p;
				n->tslabs_cap = cap;
			}
			slab = al_arena_calloc(sim_net_mem(n), SIM_NET_SLAB, sizeof *slab);
			if (!slab)
				goto nomem;
			sim_net_account(n, (int64_t)(SIM_NET_SLAB * sizeof *slab));
			n->tslabs[n->ntslabs++] = slab;
		}
		i = n->ntcp++;
	}
	*sim_net_tcp_at(n, i) = (struct sim_tcp){.loss = SIM_NET_NIL};
	f->tcp = i;
	return;
nomem:
	/* inside an event: no caller to return it to */
	fprintf(stderr, "sim_net: out of memory for TCP state\n");
	abort();
}

static void flow_free(struct sim_net *n, struct sim_flow *f)
{
	sim_net_tcp_release(n, f);
	f->state = FL_FREE;
	f->next = n->free_head;
	n->free_head = f->id;
}

/* --- the link drops: every connection in progress fails.  Two passes, so
 * that the hooks see a consistent network whatever they call. */
static void link_down(struct sim_net *n, int64_t now)
{
	uint32_t nids = n->nids;

	n->down = 1;
	sim_net_link_clear(n);
	sim_net_order_clear(n);
	n->serving = n->idle = n->waiting = 0;
	n->bl_head = n->bl_tail = SIM_NET_NIL;
	for (uint32_t id = 0; id < nids; id++) {
		struct sim_flow *f = sim_net_flow(n, id);
		switch (f->state) {
		case FL_FREE: case FL_UNREACH: case FL_DONE: case FL_FAILED: case FL_BROKEN:
			continue;
		case FL_SYN: case FL_SYN_WAIT: case FL_SYN_ACK: case FL_REFUSED:
			f->state = FL_FAILED;
			f->err = ENETUNREACH;
			break;
		default:
			f->state = FL_BROKEN;
			f->err = ECONNRESET;
		}
		sim_queue_cancel(n->q, f->token);
		f->token = 0;
		f->srv = SRV_NONE;
		f->hpos = f->prev = f->next = SIM_NET_NIL;
		f->flags |= FLAG_NOTIFY;
	}
	for (uint32_t id = 0; id < nids; id++) {
		struct sim_flow *f = sim_net_flow(n, id);
		if (f->state == FL_FREE || !(f->flags & FLAG_NOTIFY))
			continue;
		f->flags &= (uint8_t)~FLAG_NOTIFY;
		if (f->state == FL_FAILED) {
			n->st.unreachable++;
			if (n->hooks.connected)
				n->hooks.connected(f->ctx, f->err, now);
		} else {
			n->st.resets++;
			if (n->hooks.readable)
				n->hooks.readable(f->ctx, now);
		}
	}
}

static void on_timed(void *arg, int64_t now)
{
	struct sim_net_timed *tm = arg;
	struct sim_net *n = tm->net;
	const struct al_event_cfg *e = tm->ev;

	tm->token = 0;
	if (e->set & AL_EV_RTT)
		n->net.rtt_ns = e->network.rtt_ns;
	if (e->set & AL_EV_JITTER) {
		n->net.jitter = e->network.jitter;
		sim_net_set_jitter(n);
	}
	if (e->set & AL_EV_LOSS)
		n->net.loss = e->network.loss;
	if (e->set & AL_EV_THINK)
		n->srv.think = e->server.think;
	if (e->set & AL_EV_PAGE_SIZE)
		n->srv.page_size = e->server.page_size;
	if (e->set & AL_EV_BANDWIDTH) {
		n->net.bandwidth_bps = e->network.bandwidth_bps;
		sim_net_link_set_bw(n, e->network.bandwidth_bps, now);
	}
	if (e->set & AL_EV_MAX_CONCURRENT) {
		n->srv.max_concurrent = e->server.max_concurrent;
		sim_net_admit(n, now);
	}
	if (e->set & AL_EV_LINK_DOWN)
		link_down(n, now);
	if (e->set & AL_EV_LINK_UP)
		n->down = 0;
}

/* --- the owner's calls */

int sim_net_init(struct sim_net *n, const struct al_scenario *sc, struct sim_queue *q,
		 const struct sim_net_hooks *hooks)
{
	memset(n, 0, sizeof *n);
	n->sc = sc;
	n->q = q;
	if (hooks)
		n->hooks = *hooks;
	n->net = sc->network;
	sim_net_set_jitter(n);
	n->srv = sc->server;
	n->bl_head = n->bl_tail = n->free_head = n->loss_free = n->tcp_free = SIM_NET_NIL;
	n->head.body = -1;
	sim_net_link_init(n);
	for (int i = 0; i < sc->nevents; i++) {
		n->timed[i] = (struct sim_net_timed){.net = n, .ev = &sc->events[i]};
		n->timed[i].token = sim_queue_push(q, sc->events[i].at_ns, on_timed, &n->timed[i]);
		if (!n->timed[i].token) {
			sim_net_free(n);
			errno = ENOMEM;
			return -1;
		}
	}
	return 0;
}

void sim_net_set_backlog(struct sim_net *n, int64_t (*backlog)(void *arg, int64_t now),
			 void *arg)
{
	n->backlog = backlog;
	n->backlog_arg = arg;
}

void sim_net_set_clock(struct sim_net *n, int (*advance)(void *arg, int64_t t), void *arg)
{
	n->advance = advance;
	n->advance_arg = arg;
}

void sim_net_set_writer(struct sim_net *n,
			int64_t (*writer)(void *arg, void *ctx, int64_t now, int64_t ns),
			void *arg)
{
	n->writer = writer;
	n->writer_arg = arg;
}

void sim_net_free(struct sim_net *n)
{
	for (uint32_t id = 0; id < n->nids; id++)
		sim_queue_cancel(n->q, sim_net_flow(n, id)->token);
	for (int i = 0; i < AL_SCENARIO_MAX_EVENTS; i++)
		sim_queue_cancel(n->q, n->timed[i].token);
	sim_net_link_free(n);
	sim_net_order_free(n);
	free(n->loss);
	free(n->tslabs);
	al_arena_free(&n->slab_mem);         /* not the shared one: its owner's */
	free(n->slabs);
	memset(n, 0, sizeof *n);
}

struct sim_flow *sim_net_connect(struct sim_net *n, int64_t now, int64_t page, void *ctx)
{
	struct sim_flow *f = flow_alloc(n);

	if (!f)
		return NULL;
	AL_ASSERT(page >= 0 && page <= UINT32_MAX);   /* the schema's limits */
	f->ctx = ctx;
	f->page = (uint32_t)page;
	f->state = FL_UNREACH;
	int64_t t = n->down ? now : sim_net_syn_out(n, f, now);
	f->token = sim_queue_push(n->q, t, sim_net_on_flow, f);
	if (!f->token) {
		flow_free(n, f);
		errno = ENOMEM;
		return NULL;
	}
	n->st.connects++;
	if (++n->st.flows > n->st.peak_flows)
		n->st.peak_flows = n->st.flows;
	return f;
}

static int connecting(const struct sim_flow *f)
{
	return f->state >= FL_SYN && f->state <= FL_UNREACH;
}

int sim_net_send(struct sim_net *n, struct sim_flow *f, int64_t now, int64_t len)
{
	if (len < 0) {
		errno = EINVAL;
		return -1;
	}
	if (connecting(f) || f->state == FL_FAILED) {
		errno = ENOTCONN;
		return -1;
	}
	if (f->state == FL_BROKEN) {
		errno = f->err;
		return -1;
	}
	if (f->state != FL_CONNECTED)
		return 0;
	int64_t t, fail_at = 0;
	int state = FL_REQUEST;
	/* (the way is drawn once: on an ordered path it takes its place) */
	if (n->net.tcp != AL_TCP_LINUX) {
		t = now + sim_net_oneway(n, f, AL_DRAW_REQUEST_WAY, 0);
	} else if ((t = sim_net_tcp_request(n, f, now, &fail_at)) < 0) {
		t = fail_at;
		state = FL_REQ_FAIL;
	}
	f->token = sim_queue_push(n->q, t, sim_net_on_flow, f);
	if (!f->token) {
		errno = ENOMEM;
		return -1;
	}
	f->state = (uint8_t)state;
	n->st.requests++;
	return 0;
}

/* The response's bytes [off, off + len), off in the header (recv_head):
 * the header's into buf, the body's described in *body -- never
 * generated, whatever its length. */
static void deliver(struct sim_net *n, const struct sim_flow *f, int64_t off, char *buf,
		    int64_t len, struct al_http_span *body)
{
	const struct sim_net_head *h = sim_net_head(n, f->total - f->head_len);
	int64_t i = f->head_len - off < len ? f->head_len - off : len;

	if (buf)
		memcpy(buf, h->bytes + off, (size_t)i);
	/* the rest is the body's, from its first byte (none, if the header
	 * took all of len) */
	sim_net_body_span(f, f->head_len, len - i, body);
}

/* sim_net_recv's len bytes while some of the header is still to read:
 * out of line, its copy and the header's lookup (calls) the only ones a
 * recv makes, so that the body's recvs (all but a page's first) save no
 * register for them. */
static __attribute__((noinline)) int64_t recv_head(struct sim_net *n, struct sim_flow *f,
						   void *buf, int64_t len,
						   struct al_http_span *body)
{
	struct al_http_span sp;

	/* written where it goes: a copy from the stack read 16 bytes
	 * that two 8-byte stores had just written, which cannot be
	 * forwarded (half of this function's time in perf) */
	deliver(n, f, f->consumed, buf, len, body ? body : &sp);
	f->consumed += len;
	return len;
}

int64_t sim_net_recv(struct sim_net *n, struct sim_flow *f, void *buf, size_t cap,
		     struct al_http_span *body)
{
	int64_t avail = f->arrived - f->consumed;

	if (body)
		*body = (struct al_http_span){.page = f->page};
	if (f->state == FL_FAILED) {
		errno = ENOTCONN;
		return -1;
	}
	if (avail > 0 && cap > 0) {
		int64_t len = avail < (int64_t)cap ? avail : (int64_t)cap;
		int64_t off = f->consumed;

		if (off < f->head_len)
			return recv_head(n, f, buf, len, body);
		/* the body's bytes only: deliver's part for them */
		if (body)
			sim_net_body_span(f, off, len, body);
		f->consumed += len;
		return len;
	}
	if (f->state == FL_BROKEN) {
		errno = f->err;
		return -1;
	}
	if (f->state == FL_DONE || cap == 0)
		return 0;
	errno = EAGAIN;
	return -1;
}

int64_t sim_net_unread(const struct sim_flow *f)
{
	return (int64_t)f->arrived - f->consumed;
}

int sim_net_readable(const struct sim_flow *f)
{
	return sim_net_readable_in(f);
}

int sim_net_failed(const struct sim_flow *f)
{
	return f->state == FL_FAILED || f->state == FL_BROKEN;
}

int sim_net_writable(const struct sim_flow *f)
{
	return !connecting(f);
}

int64_t sim_net_response_len(const struct sim_flow *f)
{
	return f->total;
}

int64_t sim_net_header_len(const struct sim_flow *f)
{
	return f->head_len;
}

void sim_net_close(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	AL_ASSERT(sim_net_of(f) == n && f->state != FL_FREE);
	sim_queue_cancel(n->q, f->token);
	f->token = 0;
	if (f->state == FL_STREAM)
		sim_net_link_leave(n, f, now);
	/* After the whole response the server has closed: the client's FIN
	 * reaches it a way up later, and its ACK the link's queue a way down
	 * after that (link fifo, sim_net_fifo.c).  Closed earlier, it answers
	 * with a reset, which is left out; closed while the link is down, its
	 * FIN is lost with the link. */
	if (f->state == FL_DONE)
		sim_net_fifo_ack_at(n, SIM_ACK_FIN, now + n->net.rtt_ns);
	sim_net_release(n, f, now);
	n->st.flows--;
	flow_free(n, f);
}

size_t sim_net_flow_size(void)
{
	return sizeof(struct sim_flow);
}
