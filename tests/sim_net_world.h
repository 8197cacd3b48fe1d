/* The world the simulated network's TCP tests share (test_sim_tcp.c,
 * test_sim_fifo.c): connections that connect, send their request, read
 * to the end and close, driven by one event queue, with a hash of every
 * hook call; each test sets W.sc (its own scenario()) and then
 * world_run()s.  Included once per test binary, after its MS (ns in a
 * millisecond) and MSS (SIM_NET_MSS).  tests/sim_net_checks.h is the
 * fluid and flow tests' world: connections that check every byte. */
#ifndef TESTS_SIM_NET_WORLD_H
#define TESTS_SIM_NET_WORLD_H

#include <errno.h>
#include <stdlib.h>

#include "core/al_http.h"
#include "core/al_scenario.h"
#include "sim/sim_net.h"

struct conn {
	struct sim_flow *f;
	int64_t t_conn, t_eof, t_err, bytes, total;
	int err;
};

static struct {
	struct al_scenario sc;
	struct sim_queue q;
	struct sim_net net;
	struct conn *c;
	int nc;
	uint64_t hash;
	int64_t backlog;             /* the packet emulator's, fixed (ns)    */
	int64_t backlog_from;        /* ... from then on (0 before it)       */
	int fuse;                    /* the link's events may run at once
					(sim_net_set_clock)                  */
	int64_t events, fused;       /* events run; of them, at once          */
	int64_t stagger;             /* connection i starts at i * stagger    */
	void (*watch)(int64_t now);  /* called after every event (NULL: none) */
} W;

static inline void note(int64_t t, int64_t i, int what)
{
	W.hash = (W.hash ^ ((uint64_t)t * 31 + (uint64_t)i * 7 + (uint64_t)what)) *
		 0x100000001b3ull;
}

static inline void on_connected(void *ctx, int err, int64_t now)
{
	struct conn *c = ctx;

	note(now, c - W.c, 1 + err);
	if (!err) {
		c->t_conn = now;
		assert_int_equal(sim_net_send(&W.net, c->f, now, 40), 0);
		return;
	}
	c->err = err;
	c->t_err = now;
	sim_net_close(&W.net, c->f, now);
	c->f = NULL;
}

static inline void on_readable(void *ctx, int64_t now)
{
	struct conn *c = ctx;
	int64_t r;

	note(now, c - W.c, 1000);
	while ((r = sim_net_recv(&W.net, c->f, NULL, 1 << 20, NULL)) > 0)
		c->bytes += r;
	if (r == 0 || errno != EAGAIN) {
		if (r == 0) {
			c->t_eof = now;
			c->total = sim_net_response_len(c->f);
		} else {
			c->err = errno;
			c->t_err = now;
		}
		sim_net_close(&W.net, c->f, now);
		c->f = NULL;
	}
}

static const struct sim_net_hooks hooks = {on_connected, on_readable};

static inline void start(void *arg, int64_t now)
{
	struct conn *c = arg;

	c->f = sim_net_connect(&W.net, now, c - W.c, c);
	assert_non_null(c->f);
}

/* Closes a connection, if still open. */
static inline void closer(void *arg, int64_t now)
{
	struct conn *c = arg;

	if (c->f) {
		sim_net_close(&W.net, c->f, now);
		c->f = NULL;
	}
}

/* A packet emulator W.backlog behind at every instant from
 * W.backlog_from on, not at all before. */
static inline int64_t fixed_backlog(void *arg, int64_t now)
{
	(void)arg;
	return now >= W.backlog_from ? W.backlog : 0;
}

/* The clock of a run with W.fuse: the link's next event runs at once
 * when the queue would pop it next. */
static inline int world_advance(void *arg, int64_t t)
{
	(void)arg;
	if (!sim_queue_before(&W.q, t))
		return 0;
	W.events++;
	W.fused++;
	return 1;
}

/* Runs n connections, the i-th starting at i * W.stagger (all at 0 by
 * default); with closes, every fifth is closed at a time of its own
 * (1 ms to 4 s). */
static inline void world_run(int n, int closes)
{
	int64_t t;
	sim_fn fn;
	void *arg;

	W.c = calloc((size_t)n, sizeof *W.c);
	assert_non_null(W.c);
	W.nc = n;
	W.hash = 0xcbf29ce484222325ull;
	W.events = W.fused = 0;
	assert_int_equal(sim_queue_init(&W.q), 0);
	assert_int_equal(sim_net_init(&W.net, &W.sc, &W.q, &hooks), 0);
	if (W.backlog)
		sim_net_set_backlog(&W.net, fixed_backlog, NULL);
	if (W.fuse)
		sim_net_set_clock(&W.net, world_advance, NULL);
	for (int i = 0; i < n; i++) {
		W.c[i].t_eof = W.c[i].t_err = -1;
		assert_true(sim_queue_push(&W.q, i * W.stagger, start, &W.c[i]) != 0);
		if (closes && i % 5 == 0)
			assert_true(sim_queue_push(&W.q, 1 * MS + (int64_t)i * 13331 * 1000,
						   closer, &W.c[i]) != 0);
	}
	while (sim_queue_pop(&W.q, &t, &fn, &arg)) {
		W.events++;
		fn(arg, t);
		if (W.watch)
			W.watch(t);
	}
}

static inline void done(void)
{
	for (int i = 0; i < W.nc; i++)
		if (W.c[i].f)
			sim_net_close(&W.net, W.c[i].f, 0);
	assert_int_equal(sim_net_stats(&W.net)->flows, 0);
	sim_net_free(&W.net);
	sim_queue_free(&W.q);
	free(W.c);
	W.c = NULL;
}

static inline int64_t header_len(int64_t body)
{
	char h[128];

	return al_http_header(h, sizeof h, body);
}

/* The body whose response (header + body) is exactly nseg full segments. */
static inline int64_t body_for(int64_t nseg)
{
	int64_t b = nseg * MSS - 60;

	while (b + header_len(b) != nseg * MSS)
		b += nseg * MSS - (b + header_len(b));
	return b;
}

/* The first byte reaches the client's link: connect (rtt), the request's
 * way (rtt / 2), think, the first segment's way (the rest of rtt). */
static inline int64_t first_byte(int64_t rtt, int64_t think)
{
	return 2 * rtt + think;
}

#endif
