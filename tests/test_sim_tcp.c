/* The simulator's TCP as Linux runs it (network.tcp linux, sim_net_tcp.c)
 * against times derived here by formula: the initial window and slow
 * start in round trips; a lost segment found by duplicate ACKs (a round
 * trip), by RACK (a round trip and a quarter), by the tail loss probe or
 * by the RTO (srtt + max(4 rttvar, 200 ms) from the handshake's sample);
 * lost SYN-ACKs and requests; flows sharing a saturated link; the same
 * seed twice.  Losses are chosen by searching for a seed whose page draws
 * lose exactly the segments a case wants (al_page_rng, as sim_net draws). */
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
#define MSS SIM_NET_MSS
#define NO_LOSS ((uint64_t)-1)

#include "tests/sim_net_world.h"

/* The kernel's tick, the timer wheel's jiffy (machine.costs.tick): 0 in
 * these tests, which pin Linux's timeouts to the ns, but in the wheel's
 * own.  The scheduler's time_slice keeps its default (4 ms): the tick is
 * not it. */
static int64_t tick_ns;

static void scenario(int64_t rtt, int64_t think, int64_t body, int64_t bw)
{
	al_scenario_default(&W.sc);
	W.sc.machine.costs.tick_ns = tick_ns;
	assert_int_equal(W.sc.network.tcp, AL_TCP_LINUX);   /* the default */
	W.sc.network.rtt_ns = rtt;
	W.sc.network.bandwidth_bps = bw;
	W.sc.server.think = AL_DIST_FIXED_AT(think);
	W.sc.server.page_size = AL_DIST_FIXED_AT(body);
	W.sc.server.backlog = 1000000;
}

static void run(int n)
{
	world_run(n, 0);
}

/* Linux's first RTO of the data, from the handshake's sample rtt:
 * srtt = rtt, rttvar = rtt / 2, RTO = srtt + max(4 rttvar, 200 ms). */
static int64_t rto0(int64_t rtt)
{
	return rtt + (4 * (rtt / 2) > 200 * MS ? 4 * (rtt / 2) : 200 * MS);
}

/* --- the initial window and slow start */

static void test_slow_start_rounds(void **state)
{
	static const struct {
		int64_t nseg, rounds;    /* windows of 10, 20, 40 ... segments */
	} cases[] = {{1, 1}, {10, 1}, {11, 2}, {30, 2}, {31, 3}, {70, 3}, {71, 4}};
	static const int64_t rtts[] = {150 * MS, 1000001, 0};

	(void)state;
	for (size_t r = 0; r < sizeof rtts / sizeof *rtts; r++) {
		for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
			int64_t body = body_for(cases[i].nseg);
			scenario(rtts[r], 20 * MS, body, 0);   /* unlimited bandwidth */
			run(1);
			assert_int_equal(W.c[0].bytes, cases[i].nseg * MSS);
			assert_int_equal(W.c[0].t_eof, first_byte(rtts[r], 20 * MS) +
					 (cases[i].rounds - 1) * rtts[r]);
			done();
		}
	}
	/* The brief's example: 20 KB over 150 ms takes a second data round
	 * trip (the fluid model has none); the seed's page (1 segment) none. */
	scenario(150 * MS, 20 * MS, 20 * 1024, 0);
	run(1);
	assert_int_equal(W.c[0].t_eof, 150 * MS + 75 * MS + 20 * MS + 75 * MS + 150 * MS);
	done();
	scenario(150 * MS, 20 * MS, 20 * 1024, 0);
	W.sc.network.tcp = AL_TCP_FLUID;
	run(1);
	assert_int_equal(W.c[0].t_eof, 150 * MS + 75 * MS + 20 * MS + 75 * MS);
	done();
}

/* A window-limited flow on a finite link: each round's first segment
 * arrives one segment's transfer after the round reached the link, its
 * ACK brings the next round one rtt later; the last round ends when its
 * bytes are through.  (80 Mbit/s: exactly 100 ns a byte.) */
static void test_window_limited_link(void **state)
{
	const int64_t rtt = 40 * MS, ns_per_byte = 100, nseg = 45;   /* 10+20+15 */
	int64_t t;

	(void)state;
	scenario(rtt, 5 * MS, body_for(nseg), 80000000);
	run(1);
	t = first_byte(rtt, 5 * MS);
	t += MSS * ns_per_byte + rtt;            /* round 1: 10 segments */
	t += MSS * ns_per_byte + rtt;            /* round 2: 20 segments */
	t += 15 * MSS * ns_per_byte;             /* round 3: the last 15 */
	assert_int_equal(W.c[0].t_eof, t);
	done();
}

/* N flows on a saturated link: their first windows already fill it for
 * longer than a round trip, so they never wait for ACKs and all end at N
 * transfers after the first byte, as processor sharing has it. */
static void test_saturated_link_shares(void **state)
{
	const int64_t n = 50, nseg = 25, body = body_for(nseg);

	(void)state;
	scenario(10 * MS, 0, body, 10000000);    /* 800 ns a byte */
	run((int)n);
	for (int i = 0; i < n; i++)
		assert_int_equal(W.c[i].t_eof, first_byte(10 * MS, 0) + n * nseg * MSS * 800);
	done();
}

/* Jitter on every way, as the packet emulator draws one for every
 * packet: a fixed jitter j adds j to each of the handshake's two ways,
 * the request's and the first byte's, and then 2 j to each further
 * round trip (its first ACK's way up, the segments' way down).  Before,
 * the rounds after the first had none. */
static void test_jitter_every_round(void **state)
{
	static const struct {
		int64_t nseg, rounds;
	} cases[] = {{10, 1}, {11, 2}, {31, 3}};
	const int64_t rtt = 60 * MS, j = 3 * MS;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		scenario(rtt, 20 * MS, body_for(cases[i].nseg), 0);
		W.sc.network.jitter = AL_DIST_FIXED_AT(j);
		run(1);
		assert_int_equal(W.c[0].bytes, cases[i].nseg * MSS);
		assert_int_equal(W.c[0].t_eof, first_byte(rtt, 20 * MS) + 4 * j +
				 (cases[i].rounds - 1) * (rtt + 2 * j));
		done();
	}
}

/* --- losses, each chosen by a seed that loses exactly those draws */

struct lose {
	uint64_t syn, synack, request;   /* the try lost, or NO_LOSS      */
	uint64_t seg[3];                 /* new segments lost (NO_LOSS: none) */
};

static int draw_lost(uint64_t seed, enum al_net_draw what, uint64_t k, double p)
{
	struct al_rng r;

	al_page_rng(&r, seed, 0, what, k);
	return al_rng_unit(&r) < p;
}

/* A seed under which page 0 loses exactly what `w` says, among its first
 * tries, its nseg segments and its first `rtx` retransmissions. */
static uint64_t seed_for(const struct lose *w, int64_t nseg, int rtx, double p)
{
	for (uint64_t seed = 1; seed < 10000000; seed++) {
		/* each loss on its first try, never on the second */
		int ok = draw_lost(seed, AL_DRAW_SYN_LOSS, 0, p) == (w->syn == 0) &&
			 !draw_lost(seed, AL_DRAW_SYN_LOSS, 1, p) &&
			 draw_lost(seed, AL_DRAW_SYNACK_LOSS, w->syn == 0, p) == (w->synack == 0) &&
			 !draw_lost(seed, AL_DRAW_SYNACK_LOSS, 1, p) &&
			 draw_lost(seed, AL_DRAW_REQUEST_LOSS, 0, p) == (w->request == 0) &&
			 !draw_lost(seed, AL_DRAW_REQUEST_LOSS, 1, p);
		for (int64_t s = 0; ok && s < nseg; s++) {
			int want = s == (int64_t)w->seg[0] || s == (int64_t)w->seg[1] ||
				   s == (int64_t)w->seg[2];
			ok = draw_lost(seed, AL_DRAW_SEG_LOSS, (uint64_t)s * 32, p) == want;
		}
		for (int k = 0; ok && k < rtx; k++)
			ok = !draw_lost(seed, AL_DRAW_RTX_LOSS, (uint64_t)k, p);
		if (ok)
			return seed;
	}
	fail_msg("no seed loses what the case wants");
	return 0;
}

static void lossy(int64_t rtt, int64_t nseg, const struct lose *w)
{
	scenario(rtt, 20 * MS, body_for(nseg), 0);
	W.sc.network.loss = 0.1;
	W.sc.seed = seed_for(w, nseg, 4, 0.1);
	run(1);
	assert_int_equal(W.c[0].bytes, nseg * MSS);
}

#define L(...) {NO_LOSS, NO_LOSS, NO_LOSS, {__VA_ARGS__}}

static void test_fast_retransmit(void **state)
{
	static const int64_t rtts[] = {150 * MS, 30 * MS, 400 * MS};

	(void)state;
	for (size_t i = 0; i < sizeof rtts / sizeof *rtts; i++) {
		int64_t rtt = rtts[i], t0 = first_byte(rtt, 20 * MS);
		/* a middle segment of one window: three dupACKs at once, the
		 * retransmission arrives one round trip later */
		struct lose mid = L(3, NO_LOSS, NO_LOSS);
		lossy(rtt, 10, &mid);
		assert_int_equal(W.c[0].t_eof, t0 + rtt);
		assert_int_equal(sim_net_stats(&W.net)->fast_retransmits, 1);
		assert_int_equal(sim_net_stats(&W.net)->timeouts, 0);
		done();
		/* one segment after it: one dupACK, RACK waits rtt / 4 more */
		struct lose rack = L(8, NO_LOSS, NO_LOSS);
		lossy(rtt, 10, &rack);
		assert_int_equal(W.c[0].t_eof, t0 + rtt + rtt / 4);
		done();
		/* two holes in one window are repaired in the same round trip */
		struct lose two = L(2, 5, NO_LOSS);
		lossy(rtt, 10, &two);
		assert_int_equal(W.c[0].t_eof, t0 + rtt);
		done();
	}
}

/* A loss in the window the ACKs before the hole sent: on a finite link
 * the first window's segments come d apart (80 Mbit/s: d = MSS x 100 ns),
 * so its first ACK brings the next window (segments 10-14) before the
 * third dupACK (segment 6's) finds the hole at 3.  Segment 13 of it is
 * lost before that finding, but after the dupACKs that made it left the
 * client: the fast retransmit resends 3 alone, and 13 is a hole of its
 * own, which RACK marks lost by 14's SACK with no reordering window (the
 * connection is in recovery: tcp_rack_reo_wnd), a round trip after 14
 * arrived.  Before, both were resent at once, 2 d apart. */
static void test_loss_after_the_dupacks(void **state)
{
	const int64_t rtt = 80 * MS, d = MSS * 100, t0 = first_byte(rtt, 20 * MS);
	struct lose w = L(3, 13, NO_LOSS);

	(void)state;
	scenario(rtt, 20 * MS, body_for(15), 80000000);
	W.sc.network.loss = 0.1;
	W.sc.seed = seed_for(&w, 15, 4, 0.1);
	run(1);
	assert_int_equal(W.c[0].bytes, 15 * MSS);
	/* 14 arrives at t0 + d + rtt + 5 d; 13's resend is there d after
	 * a round trip */
	assert_int_equal(W.c[0].t_eof, t0 + 6 * d + rtt + rtt + d);
	assert_int_equal(sim_net_stats(&W.net)->fast_retransmits, 2);
	assert_int_equal(sim_net_stats(&W.net)->timeouts, 0);
	done();
}

static void test_tail_loss(void **state)
{
	static const int64_t rtts[] = {150 * MS, 20 * MS, 300 * MS};

	(void)state;
	for (size_t i = 0; i < sizeof rtts / sizeof *rtts; i++) {
		int64_t rtt = rtts[i], t0 = first_byte(rtt, 20 * MS);
		/* one segment out: the probe waits 2 srtt + 200 ms, the RTO
		 * srtt + max(2 srtt, 200 ms): whichever is first, from the
		 * last ACK (d-up after the others arrived) */
		int64_t one = 2 * rtt + 200 * MS < rto0(rtt) ? 2 * rtt + 200 * MS : rto0(rtt);
		struct lose last = L(9, NO_LOSS, NO_LOSS);
		lossy(rtt, 10, &last);
		assert_int_equal(W.c[0].t_eof, t0 + rtt + one);
		done();
		/* the whole response one segment, lost: from its send */
		struct lose only = L(0, NO_LOSS, NO_LOSS);
		lossy(rtt, 1, &only);
		assert_int_equal(W.c[0].t_eof, t0 + one);
		done();
		/* the last two: the probe (2 srtt + 2 ms) resends the last,
		 * its SACK shows the other lost, resent a round trip later */
		int64_t two = 2 * rtt + 2 * MS < rto0(rtt) ? 2 * rtt + 2 * MS : rto0(rtt);
		struct lose tail2 = L(8, 9, NO_LOSS);
		lossy(rtt, 10, &tail2);
		assert_int_equal(W.c[0].t_eof, t0 + rtt + two + rtt);
		done();
	}
}

/* The server's probe and RTO timers are the timer wheel's: the expiry
 * is the jiffy the timer was armed in plus the timeout in whole jiffies,
 * and it fires a bucket later (kernel/time/timer.c, calc_index): one
 * jiffy below 63 of them, past them at the next multiple of 8 jiffies.
 * Never early: armed on a tick, the timer still fires one jiffy after
 * its timeout.  The only segment lost: the timer from its send (t0 -
 * d-down), the resend arriving d-down after it fires.  At 20 ms, sent at
 * 50 ms (jiffy 12 of 4 ms), the timeout is 220 ms (55 jiffies): 12 + 55
 * + 1 = jiffy 68, 272 ms.  At 24 ms, sent at 56 ms, on the tick of jiffy
 * 14: 224 ms (56 jiffies), jiffy 71, 284 ms, not 280.  At 150 ms, sent
 * at 245 ms (jiffy 61), 450 ms is 113 jiffies: 174 is at level 1, it
 * fires at 176, 704 ms (a multiple of 32 ms). */
static void test_timers_on_the_wheel(void **state)
{
	static const struct {
		int64_t rtt, sent, fired;
	} cases[] = {{20 * MS, 50 * MS, 272 * MS},
		     {24 * MS, 56 * MS, 284 * MS},
		     {150 * MS, 245 * MS, 704 * MS}};

	(void)state;
	tick_ns = 4 * MS;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t rtt = cases[i].rtt, t0 = first_byte(rtt, 20 * MS);
		int64_t down = rtt - rtt / 2;
		assert_int_equal(t0 - down, cases[i].sent);
		struct lose only = L(0, NO_LOSS, NO_LOSS);
		lossy(rtt, 1, &only);
		assert_int_equal(W.c[0].t_eof - down, cases[i].fired);
		done();
	}
}

/* The path's delay grows between a window and the next (a queue
 * building up, the emulator's backlog here): the last two segments of
 * the first window are lost, the second window's segments arrive and
 * their SACKs are on their way when the probe fires (2 srtt + 2 ms from
 * the last ACK, srtt the first window's).  The probe resends one; the
 * SACKs show the other lost when they reach the server, as RACK marks it
 * (a round trip behind the backlog after they arrived), not the RTO. */
static void test_probe_before_sacks(void **state)
{
	const int64_t rtt = 100 * MS, b = 200 * MS, t0 = first_byte(rtt, 20 * MS);
	struct lose tail2 = L(8, 9, NO_LOSS);

	(void)state;
	W.backlog = b;
	W.backlog_from = t0 + rtt / 2;
	lossy(rtt, 15, &tail2);
	/* the second window arrives at t0 + rtt; its SACKs find the hole
	 * a round trip and the backlog later */
	assert_int_equal(W.c[0].t_eof, t0 + rtt + rtt + b);
	assert_int_equal(sim_net_stats(&W.net)->probes, 1);
	assert_int_equal(sim_net_stats(&W.net)->timeouts, 0);
	done();
}

/* the other tests' path, even after a failed backlog test */
static int no_backlog(void **state)
{
	(void)state;
	W.backlog = 0;
	W.backlog_from = 0;
	return 0;
}

/* the other tests' exact times, even after a failed wheel test */
static int no_tick(void **state)
{
	(void)state;
	tick_ns = 0;
	return 0;
}

/* A packet emulator B behind (machine.host_emulator) is in the server's
 * path: its handshake's sample is rtt + B, so are its ACKs' (the segments
 * reach the client when they did, their ACKs come B later), and its
 * timers run from those: the cases above, with rtt + B for the round
 * trip the server sees.  RACK's reordering window stays rtt / 4. */
static void test_backlog_in_path(void **state)
{
	const int64_t rtt = 50 * MS, t0 = first_byte(rtt, 20 * MS);
	static const int64_t backlogs[] = {30 * MS, 120 * MS};

	(void)state;
	for (size_t i = 0; i < sizeof backlogs / sizeof *backlogs; i++) {
		int64_t b = backlogs[i], r = rtt + b;
		int64_t one = 2 * r + 200 * MS < rto0(r) ? 2 * r + 200 * MS : rto0(r);
		/* which segment of how many is lost, and when the page ends:
		 * three dupACKs, the retransmission a round trip later; one
		 * dupACK, RACK; the only segment, the probe or the RTO from
		 * its send, from the handshake's sample rtt + B; the last,
		 * from the last ACK, B later than without */
		const struct {
			int seg, nseg;
			int64_t end;
		} cases[] = {{3, 10, t0 + r}, {8, 10, t0 + r + rtt / 4}, {0, 1, t0 + one},
			     {9, 10, t0 + r + one}};
		W.backlog = b;
		for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
			struct lose l = L(cases[k].seg, NO_LOSS, NO_LOSS);
			lossy(rtt, cases[k].nseg, &l);
			assert_int_equal(W.c[0].t_eof, cases[k].end);
			done();
		}
	}
	W.backlog = 0;
}

static void test_handshake_and_request_loss(void **state)
{
	const int64_t rtt = 150 * MS, t0 = first_byte(rtt, 20 * MS);

	(void)state;
	/* a lost SYN-ACK costs what a lost SYN does: the client's rto */
	struct lose synack = {NO_LOSS, 0, NO_LOSS, {NO_LOSS, NO_LOSS, NO_LOSS}};
	lossy(rtt, 1, &synack);
	assert_int_equal(W.c[0].t_eof, S + t0);
	done();
	struct lose syn = {0, NO_LOSS, NO_LOSS, {NO_LOSS, NO_LOSS, NO_LOSS}};
	lossy(rtt, 1, &syn);
	assert_int_equal(W.c[0].t_eof, S + t0);
	done();
	/* ... but the server, having sent its SYN-ACK twice more (its timer
	 * and the answer to the retried SYN), starts from one segment: 15
	 * segments take rounds of 1, 2, 4, 8; after a lost SYN, of 10, 5 */
	lossy(rtt, 15, &synack);
	assert_int_equal(W.c[0].t_eof, S + t0 + 3 * rtt);
	done();
	lossy(rtt, 15, &syn);
	assert_int_equal(W.c[0].t_eof, S + t0 + rtt);
	done();
	/* a lost request: the client's RTO from its handshake sample */
	struct lose req = {NO_LOSS, NO_LOSS, 0, {NO_LOSS, NO_LOSS, NO_LOSS}};
	lossy(rtt, 1, &req);
	assert_int_equal(W.c[0].t_eof, t0 + rto0(rtt));
	done();
}

/* Every data segment lost (loss becomes 1 once the request is at the
 * server): the probe, then the RTO doubling (capped at 120 s) until
 * tcp_retries2 (15) back-offs have passed; then ETIMEDOUT. */
static void test_data_timeout(void **state)
{
	const int64_t rtt = 100 * MS, t0 = first_byte(rtt, 0);
	int64_t t, r = rto0(rtt);

	(void)state;
	scenario(rtt, 0, 5000, 0);                    /* 4 segments */
	struct al_event_cfg *e = &W.sc.events[W.sc.nevents++];
	e->at_ns = 160 * MS;
	e->set = AL_EV_LOSS;
	e->network = W.sc.network;
	e->network.loss = 1;
	run(1);
	assert_int_equal(W.c[0].err, ETIMEDOUT);
	assert_int_equal(W.c[0].bytes, 0);
	assert_int_equal(sim_net_stats(&W.net)->data_timeouts, 1);
	assert_int_equal(sim_net_stats(&W.net)->probes, 1);
	/* the probe: 2 srtt + 2 ms after the window's send (t0 - d-down),
	 * reaching the link d-down later; then RTOs from each resend */
	t = t0 + 2 * rtt + 2 * MS;
	for (int k = 0; k <= SIM_NET_DATA_RETRIES; k++) {
		t += r;
		r = 2 * r < SIM_NET_RTO_MAX ? 2 * r : SIM_NET_RTO_MAX;
	}
	assert_int_equal(W.c[0].t_err, t);
	done();
}

/* Linux's timer wheel, as test_timers_on_the_wheel pins it: armed at
 * `armed` (ns) for j jiffies of `tick`, the timer fires at the bucket
 * after its expiry's, 8 times coarser a level past 63 jiffies. */
static int64_t fires_at(int64_t armed, int64_t j, int64_t tick)
{
	int64_t e = armed / tick + j, g = 1;

	while (j >= 63 * g)
		g *= 8;
	return (e / g + 1) * g * tick;
}

/* The timers in jiffies, as the kernel counts them (HZ=250): at 106 ms
 * the RTO is 318 ms, 80 jiffies (usecs_to_jiffies rounds up), and its
 * back-offs shift the jiffies: 160, 320, ... (not 636 ms, 159 jiffies);
 * capped at 120 s, 30,000 jiffies.  The probe: 2 srtt + 2 ms = 214 ms,
 * 54 jiffies.  Every data segment lost, as test_data_timeout: the probe
 * from the window's send, then each RTO from the last one's firing. */
static void test_backoff_in_jiffies(void **state)
{
	const int64_t rtt = 106 * MS, down = rtt / 2, sent = first_byte(rtt, 0) - down;
	int64_t t, rto = 80, max = 30000;

	(void)state;
	tick_ns = 4 * MS;
	scenario(rtt, 0, 5000, 0);                    /* 4 segments */
	struct al_event_cfg *e = &W.sc.events[W.sc.nevents++];
	e->at_ns = 160 * MS;
	e->set = AL_EV_LOSS;
	e->network = W.sc.network;
	e->network.loss = 1;
	run(1);
	assert_int_equal(W.c[0].err, ETIMEDOUT);
	assert_int_equal(sim_net_stats(&W.net)->probes, 1);
	t = fires_at(sent, 54, tick_ns);
	for (int k = 0; k <= SIM_NET_DATA_RETRIES; k++) {
		int64_t j = k < 20 && rto << k < max ? rto << k : max;
		t = fires_at(t, j, tick_ns);
	}
	assert_int_equal(W.c[0].t_err, t + down);
	done();
}

static void add_event(int64_t at, unsigned set, int64_t bw, int64_t rtt, double loss)
{
	struct al_event_cfg *e = &W.sc.events[W.sc.nevents++];

	e->at_ns = at;
	e->set = set;
	e->network = W.sc.network;
	e->server = W.sc.server;
	e->network.bandwidth_bps = bw;
	e->network.rtt_ns = rtt;
	e->network.loss = loss;
}

/* A random lossy scenario with every kind of change under way: faults,
 * closes at any point, the bandwidth unlimited for a while, the rtt and
 * the loss changing, the link dropping.  Run twice: the same times, to
 * the nanosecond; every connection accounted for. */
static uint64_t random_run(uint64_t seed, int events)
{
	const int n = 300;
	uint64_t h;

	scenario(80 * MS, 0, 0, 20000000);
	W.sc.seed = seed;
	W.sc.network.jitter = (struct al_dist){AL_DIST_LOGNORMAL, 2 * MS, 1.0};
	W.sc.network.loss = 0.03;
	W.sc.server.think = (struct al_dist){AL_DIST_EXPONENTIAL, 20 * MS, 0};
	W.sc.server.page_size = (struct al_dist){AL_DIST_PARETO, 8000, 1.3};
	W.sc.server.max_concurrent = 40;
	if (events) {
		W.sc.server.faults[AL_FAULT_RESET] = 0.05;
		W.sc.server.faults[AL_FAULT_SHORT] = 0.05;
		W.sc.server.faults[AL_FAULT_STALL] = 0.02;
		add_event(1 * S, AL_EV_BANDWIDTH, 0, 0, 0);
		add_event(1500 * MS, AL_EV_BANDWIDTH, 5000000, 0, 0);
		add_event(2 * S, AL_EV_RTT | AL_EV_LOSS, 0, 300 * MS, 0.2);
		add_event(3 * S, AL_EV_LINK_DOWN, 0, 0, 0);
		add_event(3100 * MS, AL_EV_LINK_UP | AL_EV_RTT | AL_EV_LOSS, 0, 30 * MS, 0.01);
	}
	W.c = NULL;
	world_run(n, events);
	const struct sim_net_stats *st = sim_net_stats(&W.net);
	assert_true(st->lost > 0);
	assert_true(st->fast_retransmits + st->probes + st->timeouts > 0);
	/* none hangs: each ended (end, error, or closed) once the queue ran dry */
	for (int i = 0; i < n; i++)
		assert_null(W.c[i].f);
	if (!events)
		assert_int_equal(st->completed + st->data_timeouts + st->connect_timeouts, n);
	h = W.hash;
	done();
	return h;
}

static void test_same_seed(void **state)
{
	(void)state;
	for (int ev = 0; ev < 2; ev++) {
		uint64_t a = random_run(7, ev);
		assert_true(random_run(7, ev) == a);
		assert_true(random_run(8, ev) != a);
	}
}

/* A world of ties: no jitter, no loss, no think, a segment's time on
 * the link a round 1 us (MSS bytes at MSS * 8 Mbit/s), a 2 us rtt and
 * connections started a round time apart, so the link's next event often
 * falls at the very time of one already queued (a connect, a request's
 * arrival), whose hook call is in the hash.  Pushed, the link's event
 * would pop after that one; run at once, it must too: sim_queue_before
 * says yes only when strictly before (with <= these runs differ). */
static uint64_t tied_run(int64_t stagger, int64_t body, int n)
{
	uint64_t h;

	scenario(2000, 0, body, (int64_t)MSS * 8 * 1000000);
	W.sc.network.jitter = AL_DIST_FIXED_AT(0);
	W.stagger = stagger;
	world_run(n, 0);
	W.stagger = 0;
	assert_int_equal(sim_net_stats(&W.net)->completed, n);
	h = W.hash;
	done();
	return h;
}

/* The link's events run at once when the queue would pop them next
 * (sim_net_set_clock): every hook call at the same time, and in the same
 * order, as when each is pushed and popped, the same events run, in a
 * world of ties and in random ones with loss, faults, bandwidth changes
 * (unlimited for a while), closes and the link dropping; and many events
 * did run at once. */
static void test_link_events_at_once(void **state)
{
	static const struct {
		int64_t stagger, body;
		int n;
	} tied[] = {{7000, 10 * MSS, 10}, {7000, 40 * MSS, 20},
		    {100000, 100 * MSS, 10}};

	(void)state;
	for (size_t i = 0; i < sizeof tied / sizeof *tied; i++) {
		uint64_t pushed = tied_run(tied[i].stagger, tied[i].body, tied[i].n);
		int64_t events = W.events;
		assert_int_equal(W.fused, 0);
		W.fuse = 1;
		assert_true(tied_run(tied[i].stagger, tied[i].body, tied[i].n) == pushed);
		W.fuse = 0;
		assert_int_equal(W.events, events);
		assert_true(W.fused > events / 10);
	}
	for (uint64_t seed = 7; seed <= 9; seed++) {
		for (int ev = 0; ev < 2; ev++) {
			uint64_t popped = random_run(seed, ev);
			int64_t events = W.events;
			assert_int_equal(W.fused, 0);
			W.fuse = 1;
			assert_true(random_run(seed, ev) == popped);
			W.fuse = 0;
			assert_int_equal(W.events, events);
			assert_true(W.fused > events / 5);   /* 1/4 to 1/2 here */
		}
	}
}

/* The RTT rises while a lost segment is on the link: the server armed
 * its timer when the segment left it, d-down before it reached the link
 * under the path's old delay, not the new one's (which would put it
 * before the run began: 10 ms to 400 ms here, at 1 Mbit/s the segment
 * 12 ms on the link).  The resend comes the new d-down after the timer
 * fires on the wheel: RTO 210 ms, 53 jiffies of 4 ms.  (Found by a
 * random crawl that aborted: the wheel's time armed below 0.) */
static void test_rtt_rise_while_lost(void **state)
{
	const int64_t rtt = 10 * MS, t0 = first_byte(rtt, 20 * MS);
	struct lose only = L(0, NO_LOSS, NO_LOSS);

	(void)state;
	tick_ns = 4 * MS;
	scenario(rtt, 20 * MS, body_for(1), 1000000);
	W.sc.network.loss = 0.1;
	W.sc.seed = seed_for(&only, 1, 4, 0.1);
	add_event(t0 + 1 * MS, AL_EV_RTT, 1000000, 400 * MS, 0.1);
	run(1);
	assert_int_equal(W.c[0].bytes, MSS);
	assert_int_equal(sim_net_stats(&W.net)->timeouts, 1);
	/* sent at 35 ms (jiffy 8): fires at jiffy 62, 248 ms; the resend
	 * reaches the link 200 ms later, and takes 11.584 ms on it */
	assert_int_equal(W.c[0].t_eof, fires_at(t0 - rtt / 2, 53, tick_ns) + 200 * MS +
				       MSS * 8 * S / 1000000);
	done();
}

/* Heavy loss over many seeds, on a shared finite link: every page ends,
 * whole (every byte, in order: the count matches) or timed out. */
static void test_heavy_loss(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 12; seed++) {
		scenario(60 * MS, 0, 0, seed % 3 ? 8000000 : 0);
		W.sc.seed = seed;
		W.sc.network.jitter = (struct al_dist){AL_DIST_UNIFORM, 0, 10 * MS};
		W.sc.network.loss = 0.05 * (double)(seed % 4 + 1);
		W.sc.server.page_size = (struct al_dist){AL_DIST_PARETO, 3000, 1.2};
		run(60);
		const struct sim_net_stats *st = sim_net_stats(&W.net);
		for (int i = 0; i < 60; i++) {
			assert_null(W.c[i].f);
			if (W.c[i].t_eof >= 0)
				assert_int_equal(W.c[i].bytes, W.c[i].total);
			else
				assert_int_equal(W.c[i].err, ETIMEDOUT);
		}
		assert_int_equal(st->completed + st->data_timeouts + st->connect_timeouts, 60);
		assert_true(st->lost > 0 && st->fast_retransmits > 0 && st->completed > 0);
		done();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_start_rounds),
		cmocka_unit_test(test_window_limited_link),
		cmocka_unit_test(test_saturated_link_shares),
		cmocka_unit_test(test_jitter_every_round),
		cmocka_unit_test(test_fast_retransmit),
		cmocka_unit_test(test_loss_after_the_dupacks),
		cmocka_unit_test(test_tail_loss),
		cmocka_unit_test_teardown(test_timers_on_the_wheel, no_tick),
		cmocka_unit_test(test_backlog_in_path),
		cmocka_unit_test_teardown(test_probe_before_sacks, no_backlog),
		cmocka_unit_test(test_handshake_and_request_loss),
		cmocka_unit_test(test_data_timeout),
		cmocka_unit_test_teardown(test_backoff_in_jiffies, no_tick),
		cmocka_unit_test(test_same_seed),
		cmocka_unit_test(test_link_events_at_once),
		cmocka_unit_test(test_heavy_loss),
		cmocka_unit_test_teardown(test_rtt_rise_while_lost, no_tick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
