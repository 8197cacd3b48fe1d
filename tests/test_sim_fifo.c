/* The simulator's link as a FIFO drop-tail queue (network.link fifo,
 * sim_net_fifo.c) and its RTT samples, one per ACK as Linux takes them
 * (sim_net_tcp.c), against times derived here by formula: windows that
 * reach the link together go through it one after the other; a queue of
 * Q packets drops what finds it full; a window's ACKs move srtt and the
 * RTO as tcp_rtt_estimator does, so a window that waited behind others
 * has a longer RTO.  Losses are chosen by searching for a seed whose page
 * draws lose exactly the segments a case wants (al_page_rng). */
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
#include "sim/sim_net_tcp_int.h"

#define MS 1000000LL
#define US 1000LL
#define S 1000000000LL
#define MSS SIM_NET_MSS
#define WIRE (MSS + 52)              /* a full segment with its headers */
#define FIN 52                       /* the server's FIN alone: headers */
#define ACK 52                       /* a pure ACK of the server's: the same */

#include "tests/sim_net_world.h"

/* A FIFO link (the default is the fair one).  No tick: the timers fire
 * at their exact times, which these tests derive to the ns (the timer
 * wheel's rounding: test_sim_tcp.c, test_timers_on_the_wheel). */
static void scenario(int64_t rtt, int64_t think, int64_t body, int64_t bw)
{
	al_scenario_default(&W.sc);
	W.sc.machine.costs.tick_ns = 0;
	assert_int_equal(W.sc.network.link, AL_LINK_FAIR);   /* the default */
	W.sc.network.link = AL_LINK_FIFO;
	W.sc.network.rtt_ns = rtt;
	W.sc.network.bandwidth_bps = bw;
	W.sc.server.think = AL_DIST_FIXED_AT(think);
	W.sc.server.page_size = AL_DIST_FIXED_AT(body);
	W.sc.server.backlog = 1000000;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* n pages of one window each reach the link at once: one after the
 * other, each at the full rate (k-th done after k windows' transfer), not
 * all together at the end as processor sharing has it.  Each window ends
 * with the server's FIN, a packet of its own (the window held the whole
 * response): the page ends when it has come.  The server's ACKs of the 20
 * requests reach the queue first (sent as each request arrived, a way
 * down ago, with the windows): every page waits for them too. */
static void test_windows_in_arrival_order(void **state)
{
	const int n = 20, nseg = 10;
	const int64_t rtt = 10 * MS, tx = WIRE * 800, ftx = FIN * 800;  /* 10 Mbit/s */
	const int64_t atx = ACK * 800;
	int64_t end[20];

	(void)state;
	scenario(rtt, 0, body_for(nseg), 10000000);
	world_run(n, 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(W.c[i].bytes, nseg * MSS);
		end[i] = W.c[i].t_eof;
	}
	qsort(end, (size_t)n, sizeof *end, cmp64);
	for (int k = 0; k < n; k++)
		assert_int_equal(end[k], first_byte(rtt, 0) + n * atx + (k + 1) * (nseg * tx + ftx));
	assert_int_equal(sim_net_stats(&W.net)->lost, 0);
	/* and the ACKs of the clients' FINs, after the last page */
	assert_int_equal(sim_net_stats(&W.net)->acks, 2 * n);
	done();
}

/* A queue of 30 packets, the server's five ACKs of the requests, and five
 * windows of 10 segments and a FIN at once: the ACKs take five places
 * (the emulator's queue counts packets), two windows go whole, the third
 * keeps 3 and loses its last 7 segments and its FIN, the others all 11;
 * every page still ends whole, the first two on time, after the ACKs.
 * Without the ACKs the third would keep 8. */
static void test_drop_tail(void **state)
{
	const int64_t rtt = 10 * MS, tx = WIRE * 800, ftx = FIN * 800, a5 = 5 * ACK * 800;
	int64_t end[5];

	(void)state;
	scenario(rtt, 0, body_for(10), 10000000);
	W.sc.network.queue = 30;
	world_run(5, 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(W.c[i].bytes, 10 * MSS);
		end[i] = W.c[i].t_eof;
	}
	qsort(end, 5, sizeof *end, cmp64);
	assert_int_equal(end[0], first_byte(rtt, 0) + a5 + 10 * tx + ftx);
	assert_int_equal(end[1], first_byte(rtt, 0) + a5 + 20 * tx + 2 * ftx);
	assert_true(end[2] > first_byte(rtt, 0) + a5 + 23 * tx + 2 * ftx + rtt);
	assert_int_equal(sim_net_stats(&W.net)->lost, 8 + 11 + 11);
	assert_int_equal(sim_net_stats(&W.net)->acks_dropped, 0);
	done();
}

/* Two windows of 10 segments and a FIN, the last segment short, at a
 * queue of 20: the second loses its last segment and its FIN together,
 * and the last goes again at its own length, not a full one: the link
 * delivers exactly the pages' bytes. */
static void test_drop_tail_short_last(void **state)
{
	const int64_t body = body_for(10) - 500;
	int64_t sum = 0;

	(void)state;
	scenario(10 * MS, 0, body, 10000000);
	W.sc.network.queue = 20;
	world_run(2, 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(W.c[i].bytes, 10 * MSS - 500);
		sum += W.c[i].bytes;
	}
	assert_true(sim_net_stats(&W.net)->lost > 0);
	assert_int_equal(sim_net_stats(&W.net)->bytes, sum);
	done();
}

/* Linux's tcp_rtt_estimator, written out (µs; srtt8 = 8 srtt, mdev4 = 4
 * mdev): the reference the simulator's RTO must match. */
struct est {
	int64_t srtt8, mdev4, mdev_max, rttvar;
};

static void est_sample(struct est *e, int64_t m, int round)
{
	if (e->srtt8 == 0) {
		e->srtt8 = 8 * m;
		e->mdev4 = 2 * m;
		e->rttvar = e->mdev4 > 200000 ? e->mdev4 : 200000;
		e->mdev_max = e->rttvar;
		return;
	}
	int64_t err = m - e->srtt8 / 8, d;
	e->srtt8 += err;
	if (err < 0) {
		d = -err - e->mdev4 / 4;
		d = d > 0 ? d / 8 : d;
	} else {
		d = err - e->mdev4 / 4;
	}
	e->mdev4 += d;
	if (e->mdev4 > e->mdev_max)
		e->mdev_max = e->mdev4;
	if (e->mdev_max > e->rttvar)
		e->rttvar = e->mdev_max;
	if (round) {
		if (e->mdev_max < e->rttvar)
			e->rttvar -= (e->rttvar - e->mdev_max) / 4;
		e->mdev_max = 200000;
	}
}

static int draw_lost(uint64_t seed, enum al_net_draw what, uint64_t k, double p)
{
	struct al_rng r;

	al_page_rng(&r, seed, 0, what, k);
	return al_rng_unit(&r) < p;
}

/* A seed under which page 0 loses exactly its new segment `lost` of
 * nseg, and nothing else (SYN, SYN-ACK, request, its first retransmission). */
static uint64_t seed_losing(int64_t lost, int64_t nseg, double p)
{
	for (uint64_t seed = 1; seed < 10000000; seed++) {
		int ok = !draw_lost(seed, AL_DRAW_SYN_LOSS, 0, p) &&
			 !draw_lost(seed, AL_DRAW_SYNACK_LOSS, 0, p) &&
			 !draw_lost(seed, AL_DRAW_REQUEST_LOSS, 0, p) &&
			 !draw_lost(seed, AL_DRAW_RTX_LOSS, 0, p);
		for (int64_t s = 0; ok && s < nseg; s++)
			ok = draw_lost(seed, AL_DRAW_SEG_LOSS, (uint64_t)s * 32, p) == (s == lost);
		if (ok)
			return seed;
	}
	fail_msg("no seed loses what the case wants");
	return 0;
}

/* One page of 10 segments on a slow link (1 Mbit/s: a segment every
 * 11.584 ms, with its headers on a FIFO 12.0 ms), its last segment lost.
 * Segment j arrives (j + 1) tx after the window reached the link, so its
 * ACK's sample is rtt + (j + 1) tx; after the nine that arrive, the timer
 * (the probe, 2 srtt + 200 ms with one segment out, or the RTO, srtt +
 * rttvar) runs from the last ACK; the retransmission then takes one tx.
 * One sample per window (the old batch) would give another time.  On the
 * FIFO the server's FIN follows as a packet of its own and arrives: its
 * SACK finds the hole (RACK: a round trip and a quarter after it was
 * lost), long before the timer, all after the server's ACK of the
 * request, which reaches the FIFO with the window and goes first. */
static void test_rtt_sample_per_ack(void **state)
{
	const int64_t rtt = 40 * MS, t0 = first_byte(rtt, 0);

	(void)state;
	for (int link = 0; link < 2; link++) {
		int64_t tx = (link ? WIRE : MSS) * 8000;
		struct est e = {0}, batch = {0};
		est_sample(&e, rtt / US, 0);               /* the handshake */
		batch = e;
		for (int j = 0; j < 9; j++)
			est_sample(&e, (rtt + (j + 1) * tx) / US, j == 0);
		est_sample(&batch, (rtt + tx) / US, 1);
		int64_t pto = 2 * (e.srtt8 / 8) * US + 200 * MS;
		int64_t rto = (e.srtt8 / 8 + e.rttvar) * US, wait = pto < rto ? pto : rto;
		int64_t bpto = 2 * (batch.srtt8 / 8) * US + 200 * MS;
		int64_t brto = (batch.srtt8 / 8 + batch.rttvar) * US;
		assert_true(wait != (bpto < brto ? bpto : brto));
		scenario(rtt, 0, body_for(10), 1000000);
		W.sc.network.link = link ? AL_LINK_FIFO : AL_LINK_FAIR;
		W.sc.network.loss = 0.1;
		W.sc.seed = seed_losing(9, 10, 0.1);
		world_run(1, 0);
		assert_int_equal(W.c[0].bytes, 10 * MSS);
		if (link)
			assert_int_equal(W.c[0].t_eof, t0 + ACK * 8000 + 10 * tx + rtt + rtt / 4 + tx);
		else
			assert_int_equal(W.c[0].t_eof, t0 + 9 * tx + rtt + wait + tx);
		done();
	}
}

/* The same page on a fair link with a fixed jitter j on every way: the
 * handshake's sample is rtt + 2 j (both its ways), and so is each ACK's
 * of the window, its window's way down and its own way up, as Linux's
 * samples, from the server's send to the ACK's return, include them; the
 * timer runs from the last ACK's arrival at the server, j after its d-up.
 * The window reaches the link 4 j late (the handshake's, the request's
 * and the first byte's ways).  Before, the samples had none of the
 * window's jitter: another time. */
static void test_rtt_samples_take_the_jitter(void **state)
{
	const int64_t rtt = 40 * MS, j = 7 * MS, tx = MSS * 8000;
	const int64_t t0 = first_byte(rtt, 0) + 4 * j;
	struct est e = {0};

	(void)state;
	est_sample(&e, (rtt + 2 * j) / US, 0);
	for (int k = 0; k < 9; k++)
		est_sample(&e, (rtt + 2 * j + (k + 1) * tx) / US, k == 0);
	int64_t pto = 2 * (e.srtt8 / 8) * US + 200 * MS;
	int64_t rto = (e.srtt8 / 8 + e.rttvar) * US, wait = pto < rto ? pto : rto;
	scenario(rtt, 0, body_for(10), 1000000);
	W.sc.network.link = AL_LINK_FAIR;
	W.sc.network.jitter = AL_DIST_FIXED_AT(j);
	W.sc.network.loss = 0.1;
	W.sc.seed = seed_losing(9, 10, 0.1);
	world_run(1, 0);
	assert_int_equal(W.c[0].bytes, 10 * MSS);
	assert_int_equal(W.c[0].t_eof, t0 + 9 * tx + rtt / 2 + j + wait + (rtt - rtt / 2) + tx);
	done();
}

/* The same page, no loss, but a queue of 11 packets: the server's ACK of
 * the request (ahead of the window, atx) and its 10 segments go, its FIN
 * (a packet of its own: the window held the whole response) is dropped.  The client has every byte but not the end of the response
 * until the server's timer resends the FIN: the probe's 2 srtt + 200 ms
 * (one packet out) or the RTO, whichever is sooner, after the last ACK
 * reached the server, srtt from the ten ACKs' samples; then the FIN's own
 * link time.  Measured on the kernel-TCP path at C10K: a
 * page whose FIN alone the queue dropped took 420 ms more (median). */
static void test_fin_dropped(void **state)
{
	const int64_t rtt = 40 * MS, t0 = first_byte(rtt, 0), tx = WIRE * 8000, ftx = FIN * 8000;
	const int64_t atx = ACK * 8000;
	struct est e = {0};

	(void)state;
	est_sample(&e, rtt / US, 0);                       /* the handshake */
	for (int j = 0; j < 10; j++)
		est_sample(&e, (rtt + atx + (j + 1) * tx) / US, j == 0);
	int64_t pto = 2 * (e.srtt8 / 8) * US + 200 * MS;
	int64_t rto = (e.srtt8 / 8 + e.rttvar) * US, wait = pto < rto ? pto : rto;
	scenario(rtt, 0, body_for(10), 1000000);
	W.sc.network.queue = 11;
	world_run(1, 0);
	assert_int_equal(W.c[0].bytes, 10 * MSS);
	assert_int_equal(W.c[0].t_eof, t0 + atx + 10 * tx + rtt + wait + ftx);
	const struct sim_net_stats *st = sim_net_stats(&W.net);
	assert_int_equal(st->lost, 1);
	assert_int_equal(st->probes + st->timeouts, 1);
	assert_int_equal(st->segments, 10);
	done();
}

/* The origin server on this machine (machine.host_server, as `run --net
 * both` sets it) writes its responses one after the other, each its price
 * per page: five requests that reach it at once leave it a price apart,
 * and so reach the link; without it, together, behind the server's ACKs
 * of the five requests (which the paced ones find gone). */
static void test_server_paces_responses(void **state)
{
	const int n = 5;
	const int64_t rtt = 10 * MS, price = 100 * US;
	const int64_t tx = WIRE * 8, ftx = FIN * 8;       /* 1 Gbit/s */
	int64_t end[5];

	(void)state;
	for (int host = 0; host < 2; host++) {
		scenario(rtt, 0, body_for(1), 1000000000);
		W.sc.machine.host_server = host;
		W.sc.machine.costs.server_request_ns = price;
		W.sc.machine.costs.server_ns_per_kib = 0;
		world_run(n, 0);
		for (int i = 0; i < n; i++)
			end[i] = W.c[i].t_eof;
		qsort(end, (size_t)n, sizeof *end, cmp64);
		for (int k = 0; k < n; k++)
			assert_int_equal(end[k], first_byte(rtt, 0) + (host ? (k + 1) * price + tx + ftx
									 : n * ACK * 8 + (k + 1) * (tx + ftx)));
		done();
	}
}

/* The server's ACK of a client's FIN reaches the queue a round trip after
 * the client closed (its FIN's way up, the ACK's way down) and takes its
 * link time there like any packet.  Two pages, written a price apart
 * (the paced server): the second page's window reaches the link d after
 * the first page's FIN's ACK, so waits for the rest of it: its end is
 * atx - d later than without the ACK. */
static void test_fin_ack_in_the_queue(void **state)
{
	const int64_t rtt = 10 * MS, tx = WIRE * 8000, ftx = FIN * 8000, atx = ACK * 8000;
	const int64_t d = 100 * US, price = tx + ftx + rtt + d;   /* 1 Mbit/s */
	int64_t end[2];

	(void)state;
	assert_true(d < atx);
	scenario(rtt, 0, body_for(1), 1000000);
	W.sc.machine.host_server = 1;
	W.sc.machine.costs.server_request_ns = price;
	W.sc.machine.costs.server_ns_per_kib = 0;
	world_run(2, 0);
	for (int i = 0; i < 2; i++)
		end[i] = W.c[i].t_eof;
	qsort(end, 2, sizeof *end, cmp64);
	assert_int_equal(end[0], first_byte(rtt, 0) + price + tx + ftx);
	assert_int_equal(end[1], first_byte(rtt, 0) + 2 * price + (atx - d) + tx + ftx);
	assert_int_equal(sim_net_stats(&W.net)->acks, 4);
	done();
}

/* A full queue drops the server's pure ACKs as any packet, and a dropped
 * one costs nothing after: ten requests' ACKs reach a queue of 4 at once
 * (six dropped, with every window behind them), and every page still ends
 * whole, its bytes delivered once. */
static void test_acks_dropped(void **state)
{
	const int n = 10;
	int64_t sum = 0;

	(void)state;
	scenario(10 * MS, 0, body_for(1), 1000000);
	W.sc.network.queue = 4;
	world_run(n, 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(W.c[i].bytes, MSS);
		sum += W.c[i].bytes;
	}
	const struct sim_net_stats *st = sim_net_stats(&W.net);
	assert_int_equal(st->acks_dropped, 6);
	assert_int_equal(st->acks, 2 * n);
	assert_int_equal(st->bytes, sum);
	done();
}

/* Loss, faults, closes, bandwidth and link events on a FIFO: every page
 * accounted for, the same times twice for a seed. */
static uint64_t random_run(uint64_t seed)
{
	const int n = 200;
	uint64_t h;

	scenario(80 * MS, 0, 0, 20000000);
	W.sc.seed = seed;
	W.sc.network.queue = 100;
	W.sc.network.jitter = (struct al_dist){AL_DIST_LOGNORMAL, 2 * MS, 1.0};
	W.sc.network.loss = 0.03;
	W.sc.server.page_size = (struct al_dist){AL_DIST_PARETO, 8000, 1.3};
	W.sc.server.faults[AL_FAULT_RESET] = 0.05;
	W.sc.server.faults[AL_FAULT_STALL] = 0.02;
	const struct { int64_t at; unsigned set; int64_t bw; } ev[] = {
		{1 * S, AL_EV_BANDWIDTH, 0}, {1500 * MS, AL_EV_BANDWIDTH, 5000000},
		{3 * S, AL_EV_LINK_DOWN, 5000000}, {3100 * MS, AL_EV_LINK_UP, 5000000},
	};
	for (size_t i = 0; i < sizeof ev / sizeof *ev; i++) {
		struct al_event_cfg *e = &W.sc.events[W.sc.nevents++];
		e->at_ns = ev[i].at;
		e->set = ev[i].set;
		e->network = W.sc.network;
		e->server = W.sc.server;
		e->network.bandwidth_bps = ev[i].bw;
	}
	world_run(n, 1);
	const struct sim_net_stats *st = sim_net_stats(&W.net);
	assert_true(st->lost > 0 && st->completed > 0);
	for (int i = 0; i < n; i++)
		assert_null(W.c[i].f);
	h = W.hash;
	done();
	return h;
}

static void test_same_seed_and_events(void **state)
{
	(void)state;
	uint64_t a = random_run(7);
	assert_true(random_run(7) == a);
	assert_true(random_run(8) != a);
}

/* The jitter of page's draw (what, k), as the simulator draws it. */
static int64_t jitter_of(int64_t page, enum al_net_draw what, uint64_t k)
{
	struct al_rng r;

	al_page_rng(&r, W.sc.seed, page, what, k);
	return al_dist_draw_i64(&W.sc.network.jitter, &r);
}

/* Thirty connections at once over a FIFO link with a jitter: as the
 * packet emulator lets no packet overtake the one before it, each SYN
 * arrives at the latest of its own way and those of the SYNs before it,
 * and each SYN-ACK, sent as its SYN arrives, likewise: the connections
 * complete in the order they began, each at the largest draw so far.
 * On a fair link each takes its own two ways (which here put some
 * connection before an earlier one). */
static void test_path_keeps_order(void **state)
{
	const int n = 30;
	const int64_t rtt = 80 * MS;
	int64_t up = 0, down = 0, out_of_order = 0;

	(void)state;
	for (int fifo = 1; fifo >= 0; fifo--) {
		scenario(rtt, 0, body_for(1), 20000000);
		if (!fifo)
			W.sc.network.link = AL_LINK_FAIR;
		W.sc.network.jitter = (struct al_dist){AL_DIST_NORMAL, 0, 5 * MS};
		world_run(n, 0);
		up = down = 0;
		for (int i = 0; i < n; i++) {
			int64_t syn = rtt / 2 + jitter_of(i, AL_DRAW_SYN_WAY, 0);
			int64_t own = syn + rtt - rtt / 2 + jitter_of(i, AL_DRAW_SYNACK_WAY, 0);
			up = syn > up ? syn : up;
			int64_t synack = up + rtt - rtt / 2 + jitter_of(i, AL_DRAW_SYNACK_WAY, 0);
			down = synack > down ? synack : down;
			assert_int_equal(W.c[i].t_conn, fifo ? down : own);
			assert_int_equal(W.c[i].bytes, MSS);
			if (i > 0 && own < W.c[i - 1].t_conn)
				out_of_order++;
		}
		done();
	}
	assert_true(out_of_order > 0);
}

/* What an ACK without a draw of its own takes of the jitter: the mean of
 * the draws as they are, clipped at 0 (normal(0, 5 ms): 5 ms / sqrt(2 pi),
 * not the 0 of the unclipped mean), and a Pareto's median, its mean being
 * infinite with a shape of 0.8 (before: an hour, the cap). */
static void test_ack_jitter(void **state)
{
	static const struct {
		struct al_dist d;
		int64_t want;
	} c[] = {
		{{AL_DIST_NORMAL, 0, 5 * MS}, 1994711},
		{{AL_DIST_NORMAL, 3 * MS, 0}, 3 * MS},
		{{AL_DIST_PARETO, 1 * MS, 0.8}, 2378414},    /* 2^(1/0.8) ms */
		{{AL_DIST_PARETO, 1 * MS, 2}, 1414214},
		{{AL_DIST_UNIFORM, -1 * MS, 3 * MS}, 1125000}, /* 3² / (2 * 4) */
		{{AL_DIST_UNIFORM, 2 * MS, 4 * MS}, 3 * MS},
		{{AL_DIST_FIXED, -5 * MS, 0}, 0},
		{{AL_DIST_FIXED, 7 * MS, 0}, 7 * MS},
		{{AL_DIST_EXPONENTIAL, 4 * MS, 0}, 4 * MS},
		{{AL_DIST_LOGNORMAL, 1 * MS, 50}, SIM_NET_MAX_DELAY},
	};
	struct sim_net n;

	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		memset(&n, 0, sizeof n);
		n.net.jitter = c[i].d;
		sim_net_set_jitter(&n);
		assert_int_equal(n.jittery, 1);
		assert_int_equal(n.ack_jitter, c[i].want);
	}
	memset(&n, 0, sizeof n);
	n.net.jitter = AL_DIST_FIXED_AT(0);
	sim_net_set_jitter(&n);
	assert_int_equal(n.jittery, 0);
	assert_int_equal(n.ack_jitter, 0);
}

/* Thirty pages of 20 KiB, 5 % of packets lost, over a FIFO link whose
 * jitter is a Pareto of shape 0.8 (an infinite mean): every page ends
 * within a minute.  With the mean (the cap, an hour) every ACK after a
 * batch's first came an hour late, and the RTO with it. */
static void test_heavy_jitter_acks(void **state)
{
	const int n = 30;

	(void)state;
	scenario(80 * MS, 0, 20 * 1024, 20000000);
	W.sc.network.jitter = (struct al_dist){AL_DIST_PARETO, 1 * MS, 0.8};
	W.sc.network.loss = 0.05;
	W.sc.seed = 1;
	world_run(n, 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(W.c[i].bytes, 20 * 1024 + header_len(20 * 1024));
		assert_in_range(W.c[i].t_eof, 0, 60 * S);
	}
	done();
}

/* Page 0's srtt (µs) after the first and the last event that found its
 * TCP state (taken when its first window arrives). */
static int64_t srtt_seen, srtt_first;

static void watch_srtt(int64_t now)
{
	const struct sim_flow *f = W.c[0].f;

	(void)now;
	if (!f || f->tcp == SIM_NET_NIL)
		return;
	srtt_seen = sim_net_tcp_of(f)->srtt8 / 8;
	if (!srtt_first)
		srtt_first = srtt_seen;
}

/* One page under a fixed jitter j, none from off_at on (0: never), its
 * srtt watched: the scenario's other settings are the caller's. */
static void run_watched(int64_t j, int64_t off_at)
{
	W.sc.network.jitter = AL_DIST_FIXED_AT(j);
	if (off_at) {
		W.sc.events[0] = (struct al_event_cfg){.at_ns = off_at, .set = AL_EV_JITTER};
		W.sc.events[0].network.jitter = AL_DIST_FIXED_AT(0);
		W.sc.nevents = 1;
	}
	W.watch = watch_srtt;
	srtt_seen = srtt_first = 0;
	world_run(1, 0);
	W.watch = NULL;
}

/* One page of 600 segments over a FIFO link with no bandwidth limit and a
 * fixed jitter j of 7 ms on every way, then none.  The event at 400 ms
 * comes mid-transfer: the samples are rtt + 2 j (both ways), then
 * exactly rtt, and srtt, which moves by an eighth of each sample's error,
 * ends at rtt to the µs; before, every batch after the event kept the
 * last jittered batch's way down (rtt + j).  The event at 160 ms comes
 * between the server's write (141 ms) and its first window's arrival
 * (188 ms, all ten at once): their samples are rtt + j (its way down had
 * the jitter), after the handshake's rtt + 2 j; before, they took none. */
static void test_jitter_off_samples(void **state)
{
	const int64_t rtt = 80 * MS, j = 7 * MS;
	const int64_t off[2] = {400 * MS, 160 * MS};

	(void)state;
	for (int i = 0; i < 2; i++) {
		scenario(rtt, 0, body_for(600), 0);
		run_watched(j, off[i]);
		assert_int_equal(W.c[0].bytes, 600 * MSS);
		assert_int_equal(srtt_seen, rtt / US);
		if (i == 1) {
			struct est e = {0};
			est_sample(&e, (rtt + 2 * j) / US, 0);
			for (int k = 0; k < 10; k++)
				est_sample(&e, (rtt + j) / US, k == 0);
			assert_int_equal(srtt_first, e.srtt8 / 8);
		}
		done();
	}
}

/* The ways drawn with a jitter hold back what follows them on a FIFO
 * link until they have arrived, whatever the jitter is since (the packet
 * emulator keeps its last arrival), and a link that drops forgets them.
 * Page 0's SYN leaves at 0 with a fixed jitter of 500 ms (arrives at 540
 * ms).  (1) The jitter goes to 0 at 100 ms; page 1's SYN, sent at 150,
 * arrives with it, and its SYN-ACK after page 0's at 580 ms (before: on
 * its own, at 230).  (2) The link drops at 100 ms (page 0 fails) and
 * comes back at 200, the jitter 10 ms from 150: page 1's SYN, sent at
 * 300, is held back by no way of page 0's and connects at 400 ms (before:
 * 590, behind the SYN the link had dropped). */
static void test_order_outlives_jitter_not_link(void **state)
{
	const int64_t rtt = 80 * MS;

	(void)state;
	for (int c = 0; c < 2; c++) {
		scenario(rtt, 0, body_for(1), 20000000);
		W.sc.network.jitter = AL_DIST_FIXED_AT(500 * MS);
		struct al_event_cfg *e = W.sc.events;
		if (c == 0) {
			e[0] = (struct al_event_cfg){.at_ns = 100 * MS, .set = AL_EV_JITTER};
			e[0].network.jitter = AL_DIST_FIXED_AT(0);
			W.sc.nevents = 1;
			W.stagger = 150 * MS;
		} else {
			e[0] = (struct al_event_cfg){.at_ns = 100 * MS, .set = AL_EV_LINK_DOWN};
			e[1] = (struct al_event_cfg){.at_ns = 150 * MS, .set = AL_EV_JITTER};
			e[1].network.jitter = AL_DIST_FIXED_AT(10 * MS);
			e[2] = (struct al_event_cfg){.at_ns = 200 * MS, .set = AL_EV_LINK_UP};
			W.sc.nevents = 3;
			W.stagger = 300 * MS;
		}
		world_run(2, 0);
		W.stagger = 0;
		if (c == 0) {
			assert_int_equal(W.c[0].t_conn, 580 * MS);
			assert_int_equal(W.c[1].t_conn, 580 * MS);
		} else {
			assert_int_equal(W.c[0].err, ENETUNREACH);
			assert_int_equal(W.c[1].t_conn, 400 * MS);
		}
		assert_int_equal(W.c[1].bytes, MSS);
		done();
	}
}

/* A fixed jitter j of 3 s (a multiple of 2.048 µs, the unit of a batch's
 * way past 2^31 ns) on every way: every sample, the second window's too
 * (of 10, 20, 40 segments), is rtt + 2 j, and so is srtt, to the µs.
 * Before, the way was an int32 of ns, clamped at 2.147 s: the second
 * window's samples lacked 0.85 s. */
static void test_way_of_seconds(void **state)
{
	const int64_t rtt = 80 * MS, j = 1464844 * 2048LL;

	(void)state;
	scenario(rtt, 0, body_for(70), 0);
	run_watched(j, 0);
	assert_int_equal(W.c[0].bytes, 70 * MSS);
	assert_int_equal(srtt_first, (rtt + 2 * j) / US);
	assert_int_equal(srtt_seen, (rtt + 2 * j) / US);
	done();
}

/* A batch that brings nothing puts no packet in the path's order.  Page
 * 0, one window of 10 segments at 1 Mbit/s (12 ms each) and a fixed
 * jitter of 50 ms, loses its segment 3: its window is all sent (the FIN
 * with it), so segment 4's ACK batch (the segment at the client at 420
 * ms: the first byte's 360, five segments) brings nothing until the loss
 * is found.  The jitter goes to 0 at 430 ms.  Page 1's SYN, sent at 440
 * ms, arrives behind that ACK (its way up: 510 ms), and its SYN-ACK 40
 * ms later.  Before, the batch's way down, drawn from 510 ms to 600, held
 * the SYN-ACK back to then, a packet the emulator never carried. */
static void test_no_phantom_way(void **state)
{
	const int64_t rtt = 80 * MS;

	(void)state;
	scenario(rtt, 0, body_for(10), 1000000);
	W.sc.network.jitter = AL_DIST_FIXED_AT(50 * MS);
	W.sc.network.loss = 0.1;
	W.sc.seed = seed_losing(3, 10, 0.1);
	W.sc.events[0] = (struct al_event_cfg){.at_ns = 430 * MS, .set = AL_EV_JITTER};
	W.sc.events[0].network.jitter = AL_DIST_FIXED_AT(0);
	W.sc.nevents = 1;
	W.stagger = 440 * MS;
	world_run(2, 0);
	W.stagger = 0;
	assert_int_equal(W.c[0].bytes, 10 * MSS);
	assert_int_equal(W.c[1].t_conn, 510 * MS + rtt / 2);
	done();
}

/* RTT samples on an ordered path.  One page of 10 segments at 1 Mbit/s
 * (12 ms each) over a FIFO link, a fixed jitter of 50 ms until 375 ms,
 * then none.  The window reaches the link at 360 ms (written at 310 ms
 * past d-down: f->t), segment k at the client at 372 + 12 k.  Segment
 * 0's ACK, sent with the jitter, reaches the server at 462 ms; those of
 * segments 1 to 4, sent after it without one, would come at 424 to 460
 * but arrive behind it, at 462; from segment 5 on each at its own.  So
 * the samples (the ACK's arrival less d-up, less f->t, plus rtt) are
 * 192 ms five times, then 202, 214, 226, 238, 250; srtt after them,
 * from the handshake's 180, as tcp_rtt_estimator has it (before: the
 * order ended with the jitter, and segments 1 to 4 gave 154 to 190). */
static void test_samples_in_the_order(void **state)
{
	const int64_t rtt = 80 * MS;
	static const int64_t m[10] = {192, 192, 192, 192, 192, 202, 214, 226, 238, 250};
	struct est e = {0};

	(void)state;
	est_sample(&e, 180000, 0);
	for (int k = 0; k < 10; k++)
		est_sample(&e, m[k] * 1000, k == 0);
	scenario(rtt, 0, body_for(10), 1000000);
	run_watched(50 * MS, 375 * MS);
	assert_int_equal(W.c[0].bytes, 10 * MSS);
	assert_int_equal(srtt_seen, e.srtt8 / 8);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_in_arrival_order),
		cmocka_unit_test(test_drop_tail),
		cmocka_unit_test(test_drop_tail_short_last),
		cmocka_unit_test(test_rtt_sample_per_ack),
		cmocka_unit_test(test_rtt_samples_take_the_jitter),
		cmocka_unit_test(test_fin_dropped),
		cmocka_unit_test(test_server_paces_responses),
		cmocka_unit_test(test_fin_ack_in_the_queue),
		cmocka_unit_test(test_acks_dropped),
		cmocka_unit_test(test_same_seed_and_events),
		cmocka_unit_test(test_path_keeps_order),
		cmocka_unit_test(test_ack_jitter),
		cmocka_unit_test(test_heavy_jitter_acks),
		cmocka_unit_test(test_jitter_off_samples),
		cmocka_unit_test(test_order_outlives_jitter_not_link),
		cmocka_unit_test(test_way_of_seconds),
		cmocka_unit_test(test_no_phantom_way),
		cmocka_unit_test(test_samples_in_the_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
