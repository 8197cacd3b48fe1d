/* The simulated network against hand-computed times, to the nanosecond:
 * connect = rtt; request to last byte = rtt + think + transfer; N flows
 * together take N times as long; staggered flows share; a server limit
 * serializes; a full backlog refuses or drops (RTO doubling, ETIMEDOUT);
 * loss replayed from the same rng draws; link drop; close in every phase;
 * bandwidth and limit changes; 100k flows; the same seed twice.  The flow
 * TCP (network.tcp flow) against the same formulas: a response is one
 * transfer, readable at its last byte, its losses' RTOs owed after it;
 * a segment lost 16 times, loss with the slot's split, a flow closed or
 * reset while it waits out its RTOs, limit and bandwidth events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_http.h"
#include "core/al_scenario.h"
#include "sim/sim_net.h"

#define MS 1000000LL
#define S 1000000000LL

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

static void note(int64_t t, struct conn *c, int what)
{
	uint64_t x = (uint64_t)t * 31 + (uint64_t)(c - W.c) * 7 + (uint64_t)what;

	W.hash = (W.hash ^ x) * 0x100000001b3ull;
}

static void do_close(struct conn *c, int64_t now)
{
	if (c->f) {
		sim_net_close(&W.net, c->f, now);
		c->f = NULL;
	}
}

static void on_connected(void *ctx, int err, int64_t now)
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
static int feed(struct al_http_resp *r, const char *buf, int64_t n, const struct al_http_span *sp)
{
	if (al_http_resp_feed(r, buf, (size_t)(n - sp->len)) != 0)
		return -1;
	return sp->len > 0 ? al_http_resp_feed_span(r, sp) : 0;
}

static void on_readable(void *ctx, int64_t now)
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

static void start(void *arg, int64_t now)
{
	struct conn *c = arg;

	c->f = sim_net_connect(&W.net, now, c - W.c, c);   /* page i: its own draws */
	assert_non_null(c->f);
	/* Nothing comes back inside the call. */
	assert_int_equal(c->t_conn, -1);
}

static void closer(void *arg, int64_t now)
{
	do_close(arg, now);
	W.queued_after_close = (int64_t)sim_queue_size(&W.q);
}

/* The TCP that scenario() sets: fluid, whose formulas these tests check
 * (test_sim_tcp.c checks the linux one); the flow tests set flow, which
 * shares most of them. */
static enum al_tcp scen_tcp = AL_TCP_FLUID;

/* A scenario with no randomness: fixed delays, fixed sizes, no loss. */
static void scenario(int64_t rtt, int64_t think, int64_t body, int64_t bw)
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

static void event(int64_t at, unsigned set)
{
	struct al_event_cfg *e = &W.sc.events[W.sc.nevents++];

	e->at_ns = at;
	e->set = set;
	e->network = W.sc.network;
	e->server = W.sc.server;
}

/* Sets up n connections starting at `starts` (NULL: all at 0). */
static void world(int n, const int64_t *starts)
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

static void run(void)
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

static void done(void)
{
	for (int i = 0; i < W.nc; i++)
		do_close(&W.c[i], W.now);
	assert_int_equal(sim_net_stats(&W.net)->flows, 0);
	sim_net_free(&W.net);
	sim_queue_free(&W.q);
	W.now = 0;
}

static int64_t header_len(int64_t body)
{
	char h[128];

	return al_http_header(h, sizeof h, body);
}

/* Transfer time of `bytes` alone on the link: the rounding rule. */
static int64_t xfer(int64_t bytes, int64_t bw)
{
	return bw ? (int64_t)(((__int128)bytes * 8000000000 + bw - 1) / bw) : 0;
}

static int64_t rto_n(int64_t rto, int tries)
{
	int64_t r = rto;

	for (int i = 1; i < tries && r < SIM_NET_RTO_MAX; i++)
		r *= 2;
	return r > SIM_NET_RTO_MAX ? SIM_NET_RTO_MAX : r;
}


/* --- one flow alone */

struct single {
	int64_t rtt, think, body, bw, jitter;
};

static const struct single singles[] = {
	{150 * MS, 20 * MS, 1256, 10000000, 0},     /* the article's page      */
	{1000001, 0, 100000, 1000000000, 0},        /* odd rtt, 70 segments    */
	{0, 0, 1, 8000000000, 0},                   /* nothing but the bytes   */
	{150 * MS, 20 * MS, 1256, 0, 0},            /* unlimited bandwidth     */
	{3, 7, 5000, 12345, 0},                     /* slow link, inexact      */
	{100 * MS, 5 * MS, 1 << 20, 100000000, 0},  /* 1 MiB at 100 Mbit       */
	{40 * MS, 1 * MS, 4000, 10000000, 3 * MS},  /* fixed jitter each way   */
};

static void test_single_flow(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++) {
		const struct single *p = &singles[i];
		int64_t total = header_len(p->body) + p->body;
		/* the first byte's arrival: four one-way trips and the think */
		int64_t join = 2 * p->rtt + 4 * p->jitter + p->think;

		scenario(p->rtt, p->think, p->body, p->bw);
		W.sc.network.jitter = AL_DIST_FIXED_AT(p->jitter);
		world(1, NULL);
		run();
		struct conn *c = &W.c[0];
		assert_int_equal(c->conn_err, 0);
		assert_int_equal(c->t_conn, p->rtt + 2 * p->jitter);
		assert_int_equal(c->bytes, total);
		assert_int_equal(c->t_eof, join + xfer(total, p->bw));
		/* The first segment alone: its own transfer time. */
		int64_t first = total < SIM_NET_MSS ? total : SIM_NET_MSS;
		assert_int_equal(c->t_first, join + xfer(first, p->bw));
		if (p->bw)
			assert_int_equal(c->nseg, (total + SIM_NET_MSS - 1) / SIM_NET_MSS);
		assert_int_equal(sim_net_stats(&W.net)->segments,
				 (total + SIM_NET_MSS - 1) / SIM_NET_MSS);
		assert_int_equal(sim_queue_size(&W.q), 0);
		done();
	}
}

/* --- server.faults, each on every page, to the nanosecond */

static void test_faults(void **state)
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

/* network.handshake false: connect at once; the request and the answer
 * still take their one-way trips. */
static void test_no_handshake(void **state)
{
	const int64_t body = 1000, bw = 80000000;

	(void)state;
	scenario(10 * MS, 1 * MS, body, bw);
	W.sc.network.handshake = false;
	world(1, NULL);
	run();
	assert_int_equal(W.c[0].t_conn, 0);
	assert_int_equal(W.c[0].t_eof, 10 * MS + 1 * MS + xfer(header_len(body) + body, bw));
	done();
}

/* --- sharing the link */

static void test_flows_together(void **state)
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
static void test_flows_staggered(void **state)
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
static void test_worked_example(void **state)
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

/* --- the server */

static void test_max_concurrent_serializes(void **state)
{
	static const int64_t rtts[] = {0, 10 * MS + 1, 150 * MS};

	(void)state;
	for (size_t i = 0; i < sizeof rtts / sizeof rtts[0]; i++) {
		int64_t rtt = rtts[i];
		scenario(rtt, 7 * MS, 3000, 80000000);
		W.sc.server.max_concurrent = 1;
		W.sc.server.sndbuf = 0;
		int64_t total = header_len(3000) + 3000;
		world(5, NULL);
		run();
		/* The requests are all at the server at rtt + rtt/2; with no
		 * send buffer each connection holds the slot from its think
		 * time until its last byte has arrived. */
		int64_t r = rtt + rtt / 2;
		int64_t down = (rtt - rtt / 2) + xfer(total, 80000000);
		int64_t per = 7 * MS + down;
		for (int j = 0; j < 5; j++) {
			assert_int_equal(W.c[j].t_conn, rtt);
			assert_int_equal(W.c[j].t_eof, r + (j + 1) * per);
		}
		assert_int_equal(sim_net_stats(&W.net)->peak_serving, 1);
		assert_int_equal(sim_net_stats(&W.net)->peak_backlog, 4);
		done();

		/* The default send buffer takes the whole response: the write
		 * returns after the think time, and the next page is served
		 * while this one travels. */
		scenario(rtt, 7 * MS, 3000, 80000000);
		W.sc.server.max_concurrent = 1;
		assert_true(W.sc.server.sndbuf >= total);
		world(5, NULL);
		run();
		for (int j = 0; j < 5; j++)
			assert_int_equal(W.c[j].t_eof, r + (j + 1) * 7 * MS + down);
		assert_int_equal(sim_net_stats(&W.net)->peak_serving, 1);
		done();
	}
}

/* A response larger than the send buffer holds its slot until the rest
 * that has not arrived fits: two 100,000-byte pages, one slot, a buffer
 * of 60,000 bytes and no think time.  Page 0 streams alone (unlimited
 * bandwidth, so each round trip of its window arrives at once); page 1
 * is served at the instant page 0's unarrived rest dropped to 60,000
 * bytes or less, not when page 0's last byte arrived. */
static void test_slot_frees_with_send_buffer(void **state)
{
	(void)state;
	for (int64_t buf = 0; buf <= 60000; buf += 60000) {
		scenario(100 * MS, 0, 100000, 0);
		W.sc.network.tcp = AL_TCP_LINUX;
		W.sc.server.max_concurrent = 1;
		W.sc.server.sndbuf = buf;
		world(2, NULL);
		run();
		assert_int_equal(W.c[0].conn_err, 0);
		assert_int_equal(W.c[1].conn_err, 0);
		/* 100,067 bytes: 70 segments, three rounds of IW10 slow start
		 * (10, 20, 40): page 0's last byte at 150 + 50 + 2 rtt. */
		assert_int_equal(W.c[0].t_eof, 150 * MS + 50 * MS + 2 * 100 * MS);
		if (buf == 0) {
			/* served after page 0 ended: its own three rounds */
			assert_int_equal(W.c[1].t_eof, W.c[0].t_eof + 50 * MS + 2 * 100 * MS);
		} else {
			/* after round 2, 30 segments (43,440 bytes) arrived:
			 * 56,627 left <= 60,000, so page 1 is served as round 2
			 * arrives, at 150 + 50 + 100 ms */
			assert_int_equal(W.c[1].t_eof, 150 * MS + 50 * MS + 100 * MS
							 + 50 * MS + 2 * 100 * MS);
		}
		done();
	}
}

static void test_backlog_refuse(void **state)
{
	(void)state;
	scenario(100 * MS, 10 * S, 100, 10000000);
	W.sc.server.max_concurrent = 1;
	W.sc.server.backlog = 1;
	W.sc.server.overflow = AL_OVERFLOW_REFUSE;
	world(3, NULL);
	run();
	assert_int_equal(W.c[0].conn_err, 0);
	assert_int_equal(W.c[1].conn_err, 0);
	assert_int_equal(W.c[1].t_conn, 100 * MS);
	assert_int_equal(W.c[2].conn_err, ECONNREFUSED);
	assert_int_equal(W.c[2].t_conn, 100 * MS);
	assert_int_equal(sim_net_stats(&W.net)->refused, 1);
	assert_true(W.c[1].t_eof > W.c[0].t_eof);
	done();
}

/* A holds the slot for 5 s, B waits in the one-place backlog: C's SYN is
 * dropped at 50 ms and sent again after 1, 2 and 4 s (at 1, 3, 7 s); at
 * 7.05 s B is being served and the backlog has room. */
static void test_backlog_queue_retry(void **state)
{
	(void)state;
	scenario(100 * MS, 5 * S, 100, 1000000000);
	W.sc.server.max_concurrent = 1;
	W.sc.server.backlog = 1;
	world(3, NULL);
	run();
	assert_int_equal(W.c[2].conn_err, 0);
	assert_int_equal(W.c[2].t_conn, 7 * S + 100 * MS);
	assert_int_equal(sim_net_stats(&W.net)->syn_dropped, 3);
	assert_int_equal(sim_net_stats(&W.net)->syn_retries, 3);
	done();

	/* A server that never frees its slot: seven SYNs, then ETIMEDOUT
	 * after 1 + 2 + ... + 64 = 127 RTOs. */
	scenario(100 * MS, 1000 * S, 100, 1000000000);
	W.sc.server.max_concurrent = 1;
	W.sc.server.backlog = 1;
	world(3, NULL);
	run();
	assert_int_equal(W.c[2].conn_err, ETIMEDOUT);
	assert_int_equal(W.c[2].t_conn, 127 * S);
	assert_int_equal(sim_net_stats(&W.net)->syn_retries, 6);
	assert_int_equal(sim_net_stats(&W.net)->connect_timeouts, 1);
	done();
}

static void test_max_concurrent_event(void **state)
{
	(void)state;
	scenario(0, 1 * S, 100, 0);
	W.sc.server.max_concurrent = 1;
	event(300 * MS, AL_EV_MAX_CONCURRENT);
	W.sc.events[0].server.max_concurrent = 3;
	world(4, NULL);
	run();
	assert_int_equal(W.c[0].t_eof, 1 * S);
	assert_int_equal(W.c[1].t_eof, 1300 * MS);
	assert_int_equal(W.c[2].t_eof, 1300 * MS);
	assert_int_equal(W.c[3].t_eof, 2 * S);   /* the slot A gives back */
	done();
}

/* --- loss: the run against a replay of the same rng draws */

/* What the draws of `seed` imply for one flow: the SYN's losses, then one
 * draw per segment sent; a lost segment stalls the flow for the RTO and
 * is sent again (alone on the link, a flow's k-th byte since it joined
 * arrives at join + xfer(k)). */
static void replay(uint64_t seed, double loss, int64_t rtt, int64_t think, int64_t total,
		   int64_t bw, int64_t *t_conn, int64_t *t_eof, int64_t *retx)
{
	struct al_rng rng;
	int64_t sent = 0, arrived = 0, since = 0, t = 0;
	int tries = 0;

	/* page 0's keyed draws, as the network makes them */
	for (;;) {
		al_page_rng(&rng, seed, 0, AL_DRAW_SYN_LOSS, (uint64_t)tries);
		if (!(al_rng_unit(&rng) < loss))
			break;
		sent += rto_n(S, ++tries);
	}
	*t_conn = sent + rtt;
	int64_t join = *t_conn + rtt + think;
	tries = 0;
	*retx = 0;
	while (arrived < total) {
		int64_t len = total - arrived < SIM_NET_MSS ? total - arrived : SIM_NET_MSS;
		t = join + xfer(since + len, bw);
		al_page_rng(&rng, seed, 0, AL_DRAW_SEG_LOSS,
			    (uint64_t)(arrived / SIM_NET_MSS) * 32 + (uint64_t)tries);
		if (al_rng_unit(&rng) < loss) {
			join = t + rto_n(S, ++tries);
			since = 0;
			++*retx;
			continue;
		}
		arrived += len;
		since += len;
		tries = 0;
	}
	*t_eof = t;
}

static void test_loss_replay(void **state)
{
	int64_t syn_lost = 0, all_retx = 0;

	(void)state;
	for (uint64_t run_ = 0; run_ < 16; run_++) {
		int64_t t_conn, t_eof, retx;
		int64_t body = 30000, total = header_len(body) + body;
		uint64_t seed = run_ % 8 + 1;
		int64_t bw = run_ < 8 ? 10000000 : 0;   /* then unlimited */

		scenario(40 * MS, 5 * MS, body, bw);
		W.sc.seed = seed;
		W.sc.network.loss = 0.5;
		world(1, NULL);
		run();
		replay(seed, 0.5, 40 * MS, 5 * MS, total, bw, &t_conn, &t_eof, &retx);
		assert_int_equal(W.c[0].t_conn, t_conn);
		assert_int_equal(W.c[0].t_eof, t_eof);
		assert_int_equal(W.c[0].bytes, total);
		assert_int_equal(sim_net_stats(&W.net)->lost, retx);
		syn_lost += sim_net_stats(&W.net)->syn_lost;
		all_retx += retx;
		/* Each retransmission costs at least one RTO. */
		int64_t lossless = t_conn + 40 * MS + 5 * MS + xfer(total, bw);
		assert_true(W.c[0].t_eof >= lossless + S * retx);
		uint64_t h = W.hash;
		done();

		/* Same seed, same run. */
		world(1, NULL);
		run();
		assert_int_equal(W.c[0].t_eof, t_eof);
		assert_true(W.hash == h);
		done();
	}
	/* The seeds do exercise both kinds of loss. */
	assert_true(syn_lost > 0 && all_retx > 16);
}

/* Loss turns total mid-response: 16 losses in a row (15 retransmissions),
 * each stall one RTO longer (1 ... 64 s, then 120 s), then ETIMEDOUT. */
static void test_data_timeout(void **state)
{
	(void)state;
	scenario(0, 0, 10 * SIM_NET_MSS, 80000000);
	event(1, AL_EV_LOSS);
	W.sc.events[0].network.loss = 1.0;
	world(1, NULL);
	run();
	int64_t seg = xfer(SIM_NET_MSS, 80000000), t = seg;
	for (int i = 1; i <= SIM_NET_DATA_RETRIES + 1; i++)
		t += rto_n(S, i) + (i <= SIM_NET_DATA_RETRIES ? seg : 0);
	assert_int_equal(W.c[0].err, ETIMEDOUT);
	assert_int_equal(W.c[0].t_err, t);
	assert_int_equal(W.c[0].bytes, 0);
	assert_int_equal(sim_net_stats(&W.net)->lost, SIM_NET_DATA_RETRIES + 1);
	assert_int_equal(sim_net_stats(&W.net)->data_timeouts, 1);
	done();
}

/* --- the link drops */

static void test_link_down(void **state)
{
	/* A streams at 1 s; E waits in the backlog; B's SYN is on its way;
	 * C connects while the link is down; D after it is back. */
	static const int64_t starts[] = {0, 970 * MS, 1500 * MS, 2500 * MS, 500 * MS};

	(void)state;
	scenario(100 * MS, 0, 10000000, 10000000);
	W.sc.server.max_concurrent = 1;
	event(1 * S, AL_EV_LINK_DOWN);
	event(2 * S, AL_EV_LINK_UP);
	world(5, starts);
	run();
	int64_t total = header_len(10000000) + 10000000;
	assert_int_equal(W.c[0].err, ECONNRESET);
	assert_int_equal(W.c[0].t_err, 1 * S);
	assert_true(W.c[0].bytes > 0 && W.c[0].bytes < total);
	assert_int_equal(W.c[4].conn_err, 0);
	assert_int_equal(W.c[4].err, ECONNRESET);
	assert_int_equal(W.c[1].conn_err, ENETUNREACH);
	assert_int_equal(W.c[1].t_conn, 1 * S);
	assert_int_equal(W.c[2].conn_err, ENETUNREACH);
	assert_int_equal(W.c[2].t_conn, 1500 * MS);
	/* D is served at once: the drop gave A's slot back. */
	assert_int_equal(W.c[3].conn_err, 0);
	assert_int_equal(W.c[3].t_eof, 2500 * MS + 200 * MS + xfer(total, 10000000));
	assert_int_equal(sim_net_stats(&W.net)->resets, 2);
	assert_int_equal(sim_net_stats(&W.net)->unreachable, 2);
	done();
}

/* --- close in every phase */

static void test_close_phases(void **state)
{
	/* rtt 100 ms, think 50 ms: SYN in flight, SYN-ACK in flight, request
	 * in flight, think, first byte in flight, streaming, done. */
	static const int64_t at[] = {1, 30 * MS, 70 * MS, 120 * MS, 170 * MS, 220 * MS,
				     300 * MS, 5 * S};

	(void)state;
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		scenario(100 * MS, 50 * MS, 100000, 10000000);
		event(1000 * S, AL_EV_LOSS);   /* one event stays pending */
		world(1, NULL);
		assert_int_equal(sim_queue_size(&W.q), 1);
		W.c[0].close_at = at[i];
		run();
		assert_int_equal(W.queued_after_close, 1);
		assert_int_equal(sim_net_stats(&W.net)->flows, 0);
		done();
	}

	/* Stalled after a loss: closing cancels the RTO. */
	scenario(0, 0, 100000, 80000000);
	event(10, AL_EV_LOSS);
	W.sc.events[0].network.loss = 1.0;
	world(1, NULL);
	W.c[0].close_at = 500 * MS;
	run();
	assert_int_equal(W.queued_after_close, 0);
	assert_int_equal(sim_net_stats(&W.net)->lost, 1);
	assert_int_equal(W.now, 500 * MS);
	assert_int_equal(W.c[0].t_err, -1);
	done();
}

/* A and B share; A closes at J + 2 ms (having had 200 ns per byte): B has
 * the link alone from then on. */
static void test_close_gives_back(void **state)
{
	(void)state;
	scenario(20 * MS, 0, 100000, 80000000);
	int64_t total = header_len(100000) + 100000, j = 40 * MS;
	world(2, NULL);
	W.c[0].close_at = j + 2 * MS;
	run();
	assert_int_equal(W.c[0].t_eof, -1);
	assert_int_equal(W.c[1].t_eof, j + 2 * MS + 100 * (total - 2 * MS / 200));
	done();

	/* The server: closing the served connection admits the next; closing
	 * a waiting one frees its backlog place. */
	scenario(20 * MS, 1 * S, 100, 0);
	W.sc.server.max_concurrent = 1;
	W.sc.server.backlog = 1;
	int64_t starts[4] = {0, 0, 300 * MS, 400 * MS};
	world(4, starts);
	W.c[0].close_at = 200 * MS;          /* B is served from 200 ms */
	W.c[2].close_at = 350 * MS;          /* C waited, then left     */
	run();
	assert_int_equal(W.c[1].t_eof, 200 * MS + 1 * S + 10 * MS);
	assert_int_equal(W.c[3].conn_err, 0);
	assert_int_equal(W.c[3].t_conn, 420 * MS);
	assert_int_equal(sim_net_stats(&W.net)->syn_dropped, 0);
	done();
}

/* A flow that leaves from the link's ring (its entry stays there, dead)
 * gives its share back at once, and a flow that takes its id later
 * streams as any other.  At 1000 ns a byte: A and B share from J; A
 * leaves at J + 2 ms (1000 bytes each); B alone until C, started after
 * that with A's id, joins at J + 43 ms (B has 42000 bytes); they share
 * until B ends, then C's last 42000 bytes are alone. */
static void test_ring_leave_and_reuse(void **state)
{
	(void)state;
	scenario(20 * MS, 0, 100000, 8000000);
	int64_t total = header_len(100000) + 100000, j = 40 * MS;
	int64_t starts[3] = {0, 0, j + 3 * MS};
	world(3, starts);
	W.c[0].close_at = j + 2 * MS;
	run();
	int64_t b_end = j + 43 * MS + 2000 * (total - 42000);
	assert_int_equal(W.c[0].t_eof, -1);
	assert_int_equal(W.c[1].t_eof, b_end);
	assert_int_equal(W.c[2].t_eof, b_end + 42 * MS);
	assert_int_equal(W.c[2].bytes, total);
	assert_int_equal(sim_net_stats(&W.net)->peak_streaming, 2);
	done();
}

/* The readable hook closes its flow mid-stream; the others go on. */
static void test_close_in_hook(void **state)
{
	(void)state;
	scenario(0, 0, 50000, 80000000);
	int64_t total = header_len(50000) + 50000;
	world(3, NULL);
	W.c[1].close_after = 5000;
	run();
	assert_true(W.c[1].bytes >= 5000 && W.c[1].bytes < total);
	assert_int_equal(W.c[0].bytes, total);
	assert_int_equal(W.c[2].bytes, total);
	/* Work conserving: the link carried 2 totals and B's 4 segments. */
	assert_int_equal(W.c[2].t_eof, xfer(2 * total + 4 * SIM_NET_MSS, 80000000));
	done();
}

/* --- bandwidth changes mid-response */

static void test_bandwidth_event(void **state)
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

static uint64_t random_run(uint64_t seed, int n)
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

static void test_same_seed(void **state)
{
	(void)state;
	uint64_t a = random_run(7, 300);
	uint64_t b = random_run(7, 300);
	uint64_t c = random_run(8, 300);
	assert_true(a == b);
	assert_true(a != c);
}

static void test_100k_flows(void **state)
{
	(void)state;
	int n = 100000;
	scenario(10 * MS, 1 * MS, 3000, 1000000000);
	W.sc.network.jitter = (struct al_dist){AL_DIST_UNIFORM, 0, 1 * MS};
	world(n, NULL);
	run();
	int64_t total = header_len(3000) + 3000, last = 0;
	for (int i = 0; i < n; i++) {
		assert_int_equal(W.c[i].bytes, total);
		if (W.c[i].t_eof > last)
			last = W.c[i].t_eof;
	}
	const struct sim_net_stats *st = sim_net_stats(&W.net);
	assert_int_equal(st->completed, n);
	assert_true(last >= xfer((int64_t)n * total, 1000000000));
	printf("sim_net: sizeof(struct sim_flow) = %zu; peak %lld bytes for %d flows "
	       "(%.1f per flow); %lld events\n", sim_net_flow_size(),
	       (long long)st->peak_memory, n, (double)st->peak_memory / n,
	       (long long)W.events);
	/* 72, and struct sim_tcp's 72 from the TCP pool only while a flow
	 * sends (Linux's RTT estimator keeps mdev and its round's largest
	 * beside srtt and rttvar): these flows share the link, and some
	 * 28,000 of them hold one at the peak (seven slabs: 95 B a flow;
	 * 177 when every flow kept its state).  The loss state is apart,
	 * and these flows lose nothing */
	assert_true(sim_net_flow_size() <= 72);
	assert_true(st->peak_memory / n <= 104);
	done();
}

/* What a page costs the simulator beyond its segments does not grow with
 * its size: a reader waiting on the flow (this harness reads at every
 * hook) observes each segment's arrival, so it is owed one event per
 * segment, and the link takes no more (issue 13: a 1 MiB page's ~725
 * segments are its floor, docs/simulator.md).  Counted, not timed. */
static void test_events_per_segment(void **state)
{
	static const int64_t bodies[] = {1024, 20000, 1 << 20};
	int64_t base = -1;

	(void)state;
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		int64_t total = header_len(bodies[i]) + bodies[i];
		int64_t segs = (total + SIM_NET_MSS - 1) / SIM_NET_MSS;

		scenario(150 * MS, 50 * MS, bodies[i], 10000000000);
		world(1, NULL);
		run();
		assert_int_equal(W.c[0].bytes, total);
		assert_int_equal(sim_net_stats(&W.net)->segments, segs);
		assert_int_equal(W.c[0].nseg, segs);      /* each one observed */
		if (base < 0)
			base = W.events - segs;
		assert_int_equal(W.events - segs, base);
		done();
	}
}


/* --- network.tcp flow: a response is one transfer */

/* The flow tests' TCP, set before and put back after each, whatever its
 * asserts did. */
static int flow_setup(void **state)
{
	(void)state;
	scen_tcp = AL_TCP_FLOW;
	return 0;
}

static int flow_teardown(void **state)
{
	(void)state;
	scen_tcp = AL_TCP_FLUID;
	return 0;
}

/* A lone response: its last byte at rtt + think + size / bw after the
 * request (connect: one rtt more), all of it readable then, in one hook;
 * the events it costs do not grow with its size. */
static void test_flow_single(void **state)
{
	static const int64_t bodies[] = {1024, 20000, 1 << 20, 100000000};
	int64_t base = -1;

	(void)state;
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		int64_t total = header_len(bodies[i]) + bodies[i];
		int64_t bw = 10000000000;

		scenario(150 * MS, 50 * MS, bodies[i], bw);
		world(1, NULL);
		run();
		struct conn *c = &W.c[0];
		assert_int_equal(c->bytes, total);
		assert_int_equal(c->t_eof, 2 * 150 * MS + 50 * MS + xfer(total, bw));
		assert_int_equal(c->t_first, c->t_eof);
		assert_int_equal(c->nseg, 1);
		assert_int_equal(sim_net_stats(&W.net)->segments,
				 (total + SIM_NET_MSS - 1) / SIM_NET_MSS);
		assert_int_equal(sim_net_stats(&W.net)->bytes, total);
		if (base < 0)
			base = W.events;
		assert_int_equal(W.events, base);
		done();
	}
}

/* The fluid model's sharing formulas hold for whole transfers: n equal
 * flows end together at n times one's transfer; staggered ones share; a
 * flow that leaves (done) speeds up the other; the worked example; the
 * faults' cut responses; a bandwidth event while the piece is on the
 * link (the rest at the new rate). */
static void test_flow_shares(void **state)
{
	test_flows_together(state);
	test_flows_staggered(state);
	test_worked_example(state);
	test_faults(state);
	test_bandwidth_event(state);     /* the piece on the link re-based */
}

/* A flow closed mid-transfer gives its share back at once: two equal
 * flows at 100 ns a byte alone, B closed when each has half its bytes,
 * A's other half alone: A ends at J + 100 a + 50 a. */
static void test_flow_close_speeds_up(void **state)
{
	(void)state;
	scenario(20 * MS, 3 * MS, 9000, 80000000);
	int64_t a = header_len(9000) + 9000, j = 2 * 20 * MS + 3 * MS;
	world(2, NULL);
	W.c[1].close_at = j + 100 * a;
	run();
	assert_int_equal(W.c[0].t_eof, j + 150 * a);
	assert_int_equal(W.c[0].bytes, a);
	assert_int_equal(W.c[1].bytes, 0);       /* nothing readable before the end */
	done();
}

/* A server slot under max_concurrent frees when its write returns, when
 * sndbuf bytes are left to arrive: the transfer is two pieces, the first
 * readable at once, and the next request is served then. */
static void test_flow_slot_frees(void **state)
{
	(void)state;
	scenario(100 * MS, 0, 100000, 80000000);  /* 100 ns a byte */
	W.sc.server.max_concurrent = 1;
	W.sc.server.sndbuf = 60000;
	int64_t total = header_len(100000) + 100000, j = 200 * MS;
	world(2, NULL);
	run();
	int64_t freed = j + 100 * (total - 60000);
	assert_int_equal(W.c[0].t_eof, j + 100 * total);
	assert_int_equal(W.c[0].nseg, 2);
	assert_int_equal(W.c[1].t_eof, freed + 50 * MS + 100 * total);
	assert_int_equal(W.c[1].nseg, 2);
	done();
}

/* A max_concurrent event while the first piece is on the link changes
 * nothing of the transfer: the split was decided when it started, so the
 * bytes that arrive at the piece's end are the ones its link time was
 * charged for.  10 MiB at 100 ns a byte, sndbuf 5 MiB, the limit turned
 * on (0 -> 1: one piece, its slot kept to the last byte) or off (1 -> 0:
 * two, the first readable where the write returns) at 0.5 s: the last
 * byte at the lone transfer's time either way, and at fluid's. */
static void test_flow_limit_event(void **state)
{
	static const int limits[][2] = {{0, 1}, {1, 0}};
	int64_t body = 10 << 20, sndbuf = 5 << 20;

	(void)state;
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		int64_t total = header_len(body) + body, j = 200 * MS, eof[2];

		for (int m = 0; m < 2; m++) {
			scen_tcp = m ? AL_TCP_FLOW : AL_TCP_FLUID;
			scenario(100 * MS, 0, body, 80000000);
			W.sc.server.sndbuf = sndbuf;
			W.sc.server.max_concurrent = limits[i][0];
			event(500 * MS, AL_EV_MAX_CONCURRENT);
			W.sc.events[0].server.max_concurrent = limits[i][1];
			world(1, NULL);
			run();
			assert_int_equal(W.c[0].bytes, total);
			eof[m] = W.c[0].t_eof;
			if (m) {
				assert_int_equal(W.c[0].nseg, limits[i][0] ? 2 : 1);
				assert_int_equal(W.c[0].t_first,
						 limits[i][0] ? j + 100 * (total - sndbuf) : eof[m]);
			}
			done();
		}
		assert_int_equal(eof[1], j + 100 * total);
		assert_int_equal(eof[1], eof[0]);
	}
}

/* Loss: the fluid model's draws, the same segments lost, each loss's RTO
 * (doubling per try) added up and owed after the transfer. */
static void test_flow_loss(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		int64_t body = 30000, total = header_len(body) + body, bw = 10000000;
		int64_t stall = 0, lost = 0, fluid_lost;

		scen_tcp = AL_TCP_FLUID;
		scenario(40 * MS, 5 * MS, body, bw);
		W.sc.seed = seed;
		W.sc.network.loss = 0.3;
		world(1, NULL);
		run();
		fluid_lost = sim_net_stats(&W.net)->lost;
		done();

		scen_tcp = AL_TCP_FLOW;
		scenario(40 * MS, 5 * MS, body, bw);
		W.sc.seed = seed;
		W.sc.network.loss = 0.3;
		world(1, NULL);
		run();
		for (int64_t s = 0; s * SIM_NET_MSS < total; s++)
			for (int k = 0; al_page_lost(seed, 0, AL_DRAW_SEG_LOSS,
						     (uint64_t)s * 32 + (uint64_t)k, 0.3); k++) {
				stall += rto_n(S, k + 1);
				lost++;
			}
		struct conn *c = &W.c[0];
		assert_int_equal(c->bytes, total);
		assert_int_equal(c->t_eof, c->t_conn + 40 * MS + 5 * MS + xfer(total, bw) + stall);
		assert_int_equal(sim_net_stats(&W.net)->lost, lost);
		assert_int_equal(lost, fluid_lost);
		assert_true(lost > 0);
		assert_int_equal(c->nseg, 1);
		uint64_t h = W.hash;
		done();

		/* the same seed, the same run */
		world(1, NULL);
		run();
		assert_true(W.hash == h);
		done();
	}
}

/* Loss turns total after the SYN: the first segment lost 16 times, so no
 * byte arrives, and ETIMEDOUT when its RTOs (1 ... 64 s, then 120 s) have
 * passed after the first byte reached the link, at 2 rtt. */
static void test_flow_data_timeout(void **state)
{
	(void)state;
	scenario(10 * MS, 0, 10 * SIM_NET_MSS, 80000000);
	event(1, AL_EV_LOSS);
	W.sc.events[0].network.loss = 1.0;
	world(1, NULL);
	run();
	int64_t t = 20 * MS;
	for (int i = 1; i <= SIM_NET_DATA_RETRIES + 1; i++)
		t += rto_n(S, i);
	assert_int_equal(W.c[0].err, ETIMEDOUT);
	assert_int_equal(W.c[0].t_err, t);
	assert_int_equal(W.c[0].bytes, 0);
	assert_int_equal(sim_net_stats(&W.net)->lost, SIM_NET_DATA_RETRIES + 1);
	assert_int_equal(sim_net_stats(&W.net)->data_timeouts, 1);
	done();
}

/* What page `page`'s loss draws at `loss` cost a flow response of `total`
 * bytes: the RTOs of every loss, added up, in *stall, the losses in
 * *lost; returns where its bytes stop (total, or the start of a segment
 * lost 16 times: ETIMEDOUT once its RTOs have passed). */
static int64_t flow_draws(uint64_t seed, uint32_t page, int64_t total, double loss,
			  int64_t *stall, int64_t *lost)
{
	*stall = *lost = 0;
	for (int64_t s = 0; s * SIM_NET_MSS < total; s++)
		for (int k = 0; al_page_lost(seed, page, AL_DRAW_SEG_LOSS,
					     (uint64_t)s * 32 + (uint64_t)k, loss); k++) {
			*stall += rto_n(S, k + 1);
			++*lost;
			if (k + 1 > SIM_NET_DATA_RETRIES)
				return s * SIM_NET_MSS;
		}
	return total;
}

/* A segment past the first lost 16 times: the bytes before it and the
 * error come together, when the transfer up to it and every loss's RTOs
 * (those of the segments before it too) have passed. */
static void test_flow_partial_timeout(void **state)
{
	int64_t body = 20 * SIM_NET_MSS, total = header_len(body) + body, j = 20 * MS;
	int64_t stall, lost, upto = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed < 100; seed++) {
		upto = flow_draws(seed, 0, total, 0.9, &stall, &lost);
		if (upto > 0 && upto < total)
			break;
	}
	assert_true(seed < 100);
	scenario(10 * MS, 0, body, 80000000);
	W.sc.seed = seed;
	event(1, AL_EV_LOSS);                  /* the handshake's draws lose nothing */
	W.sc.events[0].network.loss = 0.9;
	world(1, NULL);
	run();
	assert_int_equal(W.c[0].err, ETIMEDOUT);
	assert_int_equal(W.c[0].t_err, j + 100 * upto + stall);
	assert_int_equal(W.c[0].bytes, upto);
	assert_int_equal(W.c[0].nseg, 1);      /* one hook: the bytes, then the error */
	assert_int_equal(sim_net_stats(&W.net)->lost, lost);
	assert_int_equal(sim_net_stats(&W.net)->bytes, upto);
	assert_int_equal(sim_net_stats(&W.net)->data_timeouts, 1);
	done();
}

/* Loss and the slot's split together: the first piece is readable when it
 * arrives, the losses' RTOs (the first piece's too) are owed after the
 * last, and the next request is served at the write's return. */
static void test_flow_loss_split(void **state)
{
	int64_t body = 100000, total = header_len(body) + body, sndbuf = 60000, j = 200 * MS;
	int64_t all = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 4; seed++) {
		int64_t stall[2], lost[2], freed = j + 100 * (total - sndbuf);

		for (uint32_t p = 0; p < 2; p++)
			assert_int_equal(flow_draws(seed, p, total, 0.05, &stall[p], &lost[p]),
					 total);
		scenario(100 * MS, 0, body, 80000000);
		W.sc.seed = seed;
		W.sc.server.max_concurrent = 1;
		W.sc.server.sndbuf = sndbuf;
		event(1, AL_EV_LOSS);
		W.sc.events[0].network.loss = 0.05;
		world(2, NULL);
		run();
		assert_int_equal(W.c[0].t_first, freed);
		assert_int_equal(W.c[0].t_eof, j + 100 * total + stall[0]);
		assert_int_equal(W.c[0].nseg, 2);
		assert_int_equal(W.c[1].t_first, freed + 50 * MS + 100 * (total - sndbuf));
		assert_int_equal(W.c[1].t_eof, freed + 50 * MS + 100 * total + stall[1]);
		assert_int_equal(sim_net_stats(&W.net)->lost, lost[0] + lost[1]);
		all += lost[0] + lost[1];
		done();
	}
	assert_true(all > 0);
}

/* A flow waiting out its losses' RTOs (FL_STALL), its bytes not yet
 * readable, its slot held (a server whose write returns at the last
 * byte): closed, it gives the slot to the next request at once; the link
 * down resets it then, with nothing to read. */
static void test_flow_stalled_close_down(void **state)
{
	int64_t body = 30000, total = header_len(body) + body, j = 200 * MS;
	int64_t stall[2], lost[2];
	uint64_t seed;

	(void)state;
	for (seed = 1; seed < 100; seed++)
		if (flow_draws(seed, 0, total, 0.3, &stall[0], &lost[0]) == total &&
		    flow_draws(seed, 1, total, 0.3, &stall[1], &lost[1]) == total &&
		    stall[0] > 0)
			break;
	assert_true(seed < 100);
	int64_t mid = j + 100 * total + stall[0] / 2;

	for (int down = 0; down < 2; down++) {
		scenario(100 * MS, 0, body, 80000000);
		W.sc.seed = seed;
		W.sc.server.max_concurrent = 1;
		W.sc.server.sndbuf = 0;          /* the write returns at the end */
		event(1, AL_EV_LOSS);
		W.sc.events[0].network.loss = 0.3;
		if (down)
			event(mid, AL_EV_LINK_DOWN);
		world(down ? 1 : 2, NULL);
		W.c[0].close_at = down ? 0 : mid;
		run();
		assert_int_equal(W.c[0].bytes, 0);
		assert_int_equal(W.c[0].t_eof, -1);
		if (down) {
			assert_int_equal(W.c[0].err, ECONNRESET);
			assert_int_equal(W.c[0].t_err, mid);
		} else {
			assert_int_equal(W.c[1].t_eof, mid + 50 * MS + 100 * total + stall[1]);
		}
		done();
	}
}

/* Jitter, loss, heavy-tailed sizes, a server limit: the same seed gives
 * the same run, another seed another. */
static void test_flow_same_seed(void **state)
{
	(void)state;
	uint64_t a = random_run(7, 300);
	uint64_t b = random_run(7, 300);
	uint64_t c = random_run(8, 300);
	assert_true(a == b);
	assert_true(a != c);
}

/* A pareto tail is capped at the schema's limit (1 h of think). */
static void test_heavy_tail_capped(void **state)
{
	(void)state;
	scenario(10 * MS, 0, 100, 0);
	W.sc.server.think = (struct al_dist){AL_DIST_PARETO, 1 * MS, 0.0001};
	world(1, NULL);
	run();
	assert_int_equal(W.c[0].t_eof, 20 * MS + SIM_NET_MAX_DELAY);
	done();
}

/* --- the owner's calls: errors as values */

static void test_api_errors(void **state)
{
	char buf[16];

	(void)state;
	scenario(100 * MS, 0, 100, 0);
	world(0, NULL);
	struct sim_flow *f = sim_net_connect(&W.net, 0, 3, NULL);
	assert_non_null(f);
	assert_int_equal(sim_net_send(&W.net, f, 0, 10), -1);
	assert_int_equal(errno, ENOTCONN);
	assert_int_equal(sim_net_recv(&W.net, f, buf, sizeof buf, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	assert_false(sim_net_writable(f));
	assert_false(sim_net_readable(f));
	assert_int_equal(sim_net_response_len(f), 0);
	assert_int_equal(sim_queue_size(&W.q), 1);
	sim_net_close(&W.net, f, 0);
	assert_int_equal(sim_queue_size(&W.q), 0);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_flow),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_no_handshake),
		cmocka_unit_test(test_flows_together),
		cmocka_unit_test(test_flows_staggered),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_max_concurrent_serializes),
		cmocka_unit_test(test_slot_frees_with_send_buffer),
		cmocka_unit_test(test_backlog_refuse),
		cmocka_unit_test(test_backlog_queue_retry),
		cmocka_unit_test(test_max_concurrent_event),
		cmocka_unit_test(test_loss_replay),
		cmocka_unit_test(test_data_timeout),
		cmocka_unit_test(test_link_down),
		cmocka_unit_test(test_close_phases),
		cmocka_unit_test(test_close_gives_back),
		cmocka_unit_test(test_ring_leave_and_reuse),
		cmocka_unit_test(test_close_in_hook),
		cmocka_unit_test(test_bandwidth_event),
		cmocka_unit_test(test_same_seed),
		cmocka_unit_test(test_100k_flows),
		cmocka_unit_test(test_events_per_segment),
		cmocka_unit_test(test_heavy_tail_capped),
		cmocka_unit_test(test_api_errors),
		cmocka_unit_test_setup_teardown(test_flow_single, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_shares, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_close_speeds_up, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_slot_frees, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_limit_event, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_loss, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_data_timeout, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_partial_timeout, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_loss_split, flow_setup, flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_stalled_close_down, flow_setup,
						flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_same_seed, flow_setup, flow_teardown),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	free(W.c);
	return r;
}
