/* The simulated network's fluid TCP (network.tcp fluid, the harness's
 * default) against hand-computed times, to the nanosecond: connect = rtt;
 * request to last byte = rtt + think + transfer; N flows together take N
 * times as long; staggered flows share; a server limit serializes; a full
 * backlog refuses or drops (RTO doubling, ETIMEDOUT); loss replayed from
 * the same rng draws; link drop; close in every phase; bandwidth and
 * limit changes; 100k flows; the same seed twice.  The checks the flow
 * TCP passes too are in sim_net_checks.h. */
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

#include "tests/sim_net_checks.h"

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

static void test_same_seed(void **state)
{
	(void)state;
	check_same_seed();
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
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	free(W.c);
	return r;
}
