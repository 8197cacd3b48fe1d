/* The simulated network's harness and the checks its fluid and flow TCPs
 * share (test_sim_net_fluid.c, test_sim_net_flow.c): one world whose
 * connections connect, send their request, read (checking every byte
 * with al_http_resp) and close, recording when; a scenario with no
 * randomness, set by scenario() for scen_tcp; the hand-computed times'
 * formulas (xfer, rto_n); and the sharing, faults, bandwidth-event and
 * same-seed checks, which hold for either TCP.  Included once per test
 * binary, after cmocka and its MS and S (ns in a millisecond, a second).
 * tests/sim_net_world.h is the linux and fifo tests' world: simpler
 * connections, no verification. */
#ifndef TESTS_SIM_NET_CHECKS_H
#define TESTS_SIM_NET_CHECKS_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_http.h"
#include "core/al_scenario.h"
#include "sim/sim_net.h"

/* --- the harness: one world, connections that record what they see */

struct conn {
	struct sim_flow *f;
	int64_t start;               /* when it connects                      */
	int64_t close_at;            /* >0: closes then (if still open)       */
	int64_t close_after;         /* >0: closes once it read this much     */
	int64_t t_conn, t_eof, t_err, t_first;
	int conn_err, err, nseg;
	int64_t bytes;
	int64_t body;
	struct al_http_resp resp;
};

static struct {
	struct al_scenario sc;
	struct sim_queue q;
	struct sim_net net;
	struct conn *c;
	int nc;
	int verify;                  /* check every byte with al_http_resp;
	                                2: only feed it (faults)            */
	uint64_t hash;               /* of every (time, conn, what)          */
	int64_t now, events;
	int64_t queued_after_close; /* sim_queue_size right after a close_at */
} W;

static inline void note(int64_t t, struct conn *c, int what)
{
	uint64_t x = (uint64_t)t * 31 + (uint64_t)(c - W.c) * 7 + (uint64_t)what;

	W.hash = (W.hash ^ x) * 0x100000001b3ull;
}

static inline void do_close(struct conn *c, int64_t now)
{
	if (c->f) {
		sim_net_close(&W.net, c->f, now);
		c->f = NULL;
	}
}

static inline void on_connected(void *ctx, int err, int64_t now)
{
	struct conn *c = ctx;

	c->t_conn = now;
	c->conn_err = err;
	note(now, c, 1 + err);
	if (!err) {
		char req[128];
		int len = al_http_request(req, sizeof req, W.sc.workload.host, 0);
		assert_int_equal(sim_net_send(&W.net, c->f, now, len), 0);
	}
}

/* What al_os_feed does on the simulator: the header's bytes, then the
 * body's span. */
static inline int feed(struct al_http_resp *r, const char *buf, int64_t n,
		       const struct al_http_span *sp)
{
	if (al_http_resp_feed(r, buf, (size_t)(n - sp->len)) != 0)
		return -1;
	return sp->len > 0 ? al_http_resp_feed_span(r, sp) : 0;
}

static inline void on_readable(void *ctx, int64_t now)
{
	struct conn *c = ctx;
	char buf[4096];
	int64_t r;

	note(now, c, 1000);
	if (!c->f)
		return;
	c->nseg++;
	struct al_http_span sp;
	for (;;) {
		if (W.verify)
			memset(buf, 0xa5, sizeof buf);
		if ((r = sim_net_recv(&W.net, c->f, W.verify ? buf : NULL, sizeof buf, &sp)) <= 0)
			break;
		if (c->bytes == 0)
			c->t_first = now;
		/* the body is described, never written: buf past the header
		 * holds what it held */
		assert_true(sp.len >= 0 && sp.len <= r && sp.page == c - W.c);
		for (int64_t i = r - sp.len; W.verify && i < r; i++)
			assert_int_equal((unsigned char)buf[i], 0xa5);
		if (W.verify == 1)
			assert_int_equal(feed(&c->resp, buf, r, &sp), 0);
		else if (W.verify == 2)
			feed(&c->resp, buf, r, &sp);
		c->bytes += r;
		if (c->close_after && c->bytes >= c->close_after) {
			do_close(c, now);
			return;
		}
	}
	if (r == 0) {
		c->t_eof = now;
		c->body = sim_net_response_len(c->f) - sim_net_header_len(c->f);
		if (W.verify == 1) {
			assert_int_equal(al_http_resp_finish(&c->resp), 0);
			assert_int_equal(c->resp.body, c->body);
			assert_true(al_http_resp_is_page(&c->resp, W.sc.seed, c - W.c));
		} else if (W.verify == 2) {
			al_http_resp_finish(&c->resp);
		}
		do_close(c, now);
	} else if (errno != EAGAIN) {
		c->err = errno;
		c->t_err = now;
		do_close(c, now);
	}
}

static const struct sim_net_hooks hooks = {on_connected, on_readable};

static inline void start(void *arg, int64_t now)
{
	struct conn *c = arg;

	c->f = sim_net_connect(&W.net, now, c - W.c, c);   /* page i: its own draws */
	assert_non_null(c->f);
	/* Nothing comes back inside the call. */
	assert_int_equal(c->t_conn, -1);
}

static inline void closer(void *arg, int64_t now)
{
	do_close(arg, now);
	W.queued_after_close = (int64_t)sim_queue_size(&W.q);
}

/* The TCP that scenario() sets: fluid, whose formulas these tests check
 * (test_sim_tcp.c checks the linux one); test_sim_net_flow.c sets flow,
 * which shares most of them. */
static enum al_tcp scen_tcp = AL_TCP_FLUID;

/* A scenario with no randomness: fixed delays, fixed sizes, no loss. */
static inline void scenario(int64_t rtt, int64_t think, int64_t body, int64_t bw)
{
	al_scenario_default(&W.sc);
	W.sc.network.tcp = scen_tcp;
	W.sc.network.rtt_ns = rtt;
	W.sc.network.jitter = AL_DIST_FIXED_AT(0);
	W.sc.network.bandwidth_bps = bw;
	W.sc.network.loss = 0;
	W.sc.network.rto_ns = S;
	W.sc.server.think = AL_DIST_FIXED_AT(think);
	W.sc.server.page_size = AL_DIST_FIXED_AT(body);
	W.sc.server.backlog = 1000000;
	W.sc.server.max_concurrent = 0;
	W.sc.nevents = 0;
}

static inline void event(int64_t at, unsigned set)
{
	struct al_event_cfg *e = &W.sc.events[W.sc.nevents++];

	e->at_ns = at;
	e->set = set;
	e->network = W.sc.network;
	e->server = W.sc.server;
}

/* Sets up n connections starting at `starts` (NULL: all at 0). */
static inline void world(int n, const int64_t *starts)
{
	free(W.c);
	W.c = calloc((size_t)n, sizeof *W.c);
	assert_non_null(W.c);
	W.nc = n;
	W.hash = 0xcbf29ce484222325ull;
	W.events = 0;
	W.verify = n <= 1000;
	assert_int_equal(sim_queue_init(&W.q), 0);
	assert_int_equal(sim_net_init(&W.net, &W.sc, &W.q, &hooks), 0);
	for (int i = 0; i < n; i++) {
		W.c[i].start = starts ? starts[i] : 0;
		W.c[i].t_conn = W.c[i].t_eof = W.c[i].t_err = -1;
		al_http_resp_init(&W.c[i].resp);
	}
}

static inline void run(void)
{
	int64_t t;
	sim_fn fn;
	void *arg;

	for (int i = 0; i < W.nc; i++) {
		assert_true(sim_queue_push(&W.q, W.c[i].start, start, &W.c[i]) != 0);
		if (W.c[i].close_at)
			assert_true(sim_queue_push(&W.q, W.c[i].close_at, closer, &W.c[i]) != 0);
	}
	while (sim_queue_pop(&W.q, &t, &fn, &arg)) {
		assert_true(t >= W.now || W.events == 0);
		W.now = t;
		W.events++;
		fn(arg, t);
	}
}

static inline void done(void)
{
	for (int i = 0; i < W.nc; i++)
		do_close(&W.c[i], W.now);
	assert_int_equal(sim_net_stats(&W.net)->flows, 0);
	sim_net_free(&W.net);
	sim_queue_free(&W.q);
	W.now = 0;
}

static inline int64_t header_len(int64_t body)
{
	char h[128];

	return al_http_header(h, sizeof h, body);
}

/* Transfer time of `bytes` alone on the link: the rounding rule. */
static inline int64_t xfer(int64_t bytes, int64_t bw)
{
	return bw ? (int64_t)(((__int128)bytes * 8000000000 + bw - 1) / bw) : 0;
}

static inline int64_t rto_n(int64_t rto, int tries)
{
	int64_t r = rto;

	for (int i = 1; i < tries && r < SIM_NET_RTO_MAX; i++)
		r *= 2;
	return r > SIM_NET_RTO_MAX ? SIM_NET_RTO_MAX : r;
}


/* --- the checks both TCPs pass (test_sim_net_flow.c's test_flow_shares
 * and test_flow_same_seed run them under flow) */

/* --- server.faults, each on every page, to the nanosecond */

static inline void test_faults(void **state)
{
	const int64_t body = 10000, bw = 80000000;  /* 100 ns per byte */
	const int64_t hl = header_len(body);

	(void)state;
	for (int f = 1; f < AL_FAULT_COUNT; f++) {
		scenario(10 * MS, 1 * MS, body, bw);
		W.sc.server.faults[f] = 1;
		world(1, NULL);
		W.verify = 2;
		run();
		struct conn *c = &W.c[0];
		int64_t first = 2 * 10 * MS + 1 * MS;     /* connect, request, think, back */
		switch (f) {
		case AL_FAULT_RESET:    /* half the body, then the reset */
			assert_int_equal(c->bytes, hl + body / 2);
			assert_int_equal(c->err, ECONNRESET);
			assert_int_equal(c->t_err, first + xfer(hl + body / 2, bw));
			break;
		case AL_FAULT_SHORT:    /* half the body, then the close */
			assert_int_equal(c->bytes, hl + body / 2);
			assert_int_equal(c->err, 0);
			assert_int_equal(c->t_eof, first + xfer(hl + body / 2, bw));
			assert_int_equal(c->resp.body, body / 2);
			break;
		case AL_FAULT_CORRUPT:  /* all of it, one byte wrong */
			assert_int_equal(c->bytes, hl + body);
			assert_int_equal(c->resp.body, body);
			assert_false(al_http_resp_is_page(&c->resp, W.sc.seed, 0));
			break;
		case AL_FAULT_STALL:    /* nothing ever, the slot held */
			assert_int_equal(c->bytes, 0);
			assert_int_equal(c->t_eof, -1);
			assert_int_equal(c->err, 0);
			assert_int_equal(sim_queue_size(&W.q), 0);
			break;
		}
		done();
	}
}

/* --- sharing the link */

static inline void test_flows_together(void **state)
{
	static const int ns[] = {1, 2, 3, 10, 64};

	(void)state;
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		int n = ns[i];
		/* 80 Mbit/s: 100 ns per byte, so every figure is exact. */
		scenario(20 * MS, 3 * MS, 9000, 80000000);
		int64_t total = header_len(9000) + 9000;
		world(n, NULL);
		run();
		for (int j = 0; j < n; j++) {
			assert_int_equal(W.c[j].t_eof, 40 * MS + 3 * MS + n * xfer(total, 80000000));
			assert_int_equal(W.c[j].bytes, total);
		}
		assert_int_equal(sim_net_stats(&W.net)->peak_streaming, n);
		done();
	}
}

struct stagger {
	int64_t off;                 /* B starts this much later */
	int64_t body_a, body_b;
};

static const struct stagger staggers[] = {
	{0, 9000, 9000},
	{100, 9000, 9000},
	{50000, 9000, 9000},
	{300000, 4000, 20000},
	{2 * MS, 9000, 9000},        /* A is done before B arrives */
};

/* A joins the link at J; B at J + off.  At 100 ns per byte alone and 200
 * shared: A is done at J + 200 * a - off, and B (if it has more left) at
 * J + 100 * (a + b): the link never idles. */
static inline void test_flows_staggered(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof staggers / sizeof staggers[0]; i++) {
		const struct stagger *p = &staggers[i];
		int64_t starts[2] = {0, p->off};
		int64_t j = 2 * 20 * MS + 3 * MS;

		scenario(20 * MS, 3 * MS, p->body_a, 80000000);
		if (p->body_b != p->body_a) {
			/* A's server draws its size at 30 ms, B's later. */
			event(30 * MS + 1, AL_EV_PAGE_SIZE);
			W.sc.events[0].server.page_size = AL_DIST_FIXED_AT(p->body_b);
		}
		world(2, starts);
		run();
		int64_t a = header_len(p->body_a) + p->body_a;
		int64_t b = header_len(p->body_b) + p->body_b;
		assert_int_equal(W.c[0].bytes, a);
		assert_int_equal(W.c[1].bytes, b);
		if (p->off >= 100 * a) {
			assert_int_equal(W.c[0].t_eof, j + 100 * a);
			assert_int_equal(W.c[1].t_eof, j + p->off + 100 * b);
		} else {
			assert_int_equal(W.c[0].t_eof, j + 200 * a - p->off);
			assert_int_equal(W.c[1].t_eof, j + 100 * (a + b));
		}
		done();
	}
}

/* docs/network.md's worked example, the article's experiment. */
static inline void test_worked_example(void **state)
{
	static const int64_t apart[] = {0, 500000};

	(void)state;
	scenario(150 * MS, 20 * MS, 1256, 10000000);
	world(1, NULL);
	run();
	assert_int_equal(W.c[0].t_eof, 321058400);
	done();
	world(10, NULL);
	run();
	for (int i = 0; i < 10; i++)
		assert_int_equal(W.c[i].t_eof, 330584000);
	done();
	world(2, apart);
	run();
	assert_int_equal(W.c[0].t_eof, 321616800);
	assert_int_equal(W.c[1].t_eof, 322116800);
	done();
}

/* --- bandwidth changes mid-response */

static inline void test_bandwidth_event(void **state)
{
	static const int64_t bws[] = {160000000, 40000000, 0};

	(void)state;
	for (size_t i = 0; i < sizeof bws / sizeof bws[0]; i++) {
		scenario(0, 0, 100000, 80000000);
		int64_t total = header_len(100000) + 100000;
		event(3 * MS, AL_EV_BANDWIDTH);
		W.sc.events[0].network.bandwidth_bps = bws[i];
		world(1, NULL);
		run();
		int64_t left = total - 3 * MS / 100;
		assert_int_equal(W.c[0].t_eof, 3 * MS + xfer(left, bws[i]));
		done();
	}
}

/* --- determinism and scale */

static inline uint64_t random_run(uint64_t seed, int n)
{
	scenario(80 * MS, 0, 0, 50000000);
	W.sc.seed = seed;
	W.sc.network.jitter = (struct al_dist){AL_DIST_LOGNORMAL, 2 * MS, 1.0};
	W.sc.network.loss = 0.02;
	W.sc.server.think = (struct al_dist){AL_DIST_EXPONENTIAL, 20 * MS, 0};
	W.sc.server.page_size = (struct al_dist){AL_DIST_PARETO, 4000, 1.5};
	W.sc.server.max_concurrent = 50;
	W.sc.server.backlog = 60;
	int64_t *starts = calloc((size_t)n, sizeof *starts);
	assert_non_null(starts);
	for (int i = 0; i < n; i++)
		starts[i] = (int64_t)i * 997 * 1000;
	world(n, starts);
	free(starts);
	run();
	/* Every connection ends, one way or the other; every byte that
	 * arrived was checked against the page. */
	int64_t eofs = 0;
	for (int i = 0; i < n; i++) {
		assert_true(W.c[i].t_eof >= 0 || W.c[i].conn_err || W.c[i].err);
		eofs += W.c[i].t_eof >= 0;
	}
	assert_int_equal(sim_net_stats(&W.net)->completed, eofs);
	assert_true(sim_net_stats(&W.net)->lost > 0 && eofs > n / 2);
	uint64_t h = W.hash ^ (uint64_t)W.now;
	done();
	return h;
}

/* Jitter, loss, heavy-tailed sizes, a server limit: the same seed gives
 * the same run, another seed another. */
static inline void check_same_seed(void)
{
	uint64_t a = random_run(7, 300);
	uint64_t b = random_run(7, 300);
	uint64_t c = random_run(8, 300);
	assert_true(a == b);
	assert_true(a != c);
}

#endif
