/* The simulated network's flow TCP (network.tcp flow) against the fluid
 * TCP's formulas: a response is one transfer, readable at its last byte,
 * its losses' RTOs owed after it; the checks both pass
 * (sim_net_checks.h); a segment lost 16 times, loss with the slot's
 * split, a flow closed or reset while it waits out its RTOs, limit and
 * bandwidth events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "core/al_http.h"
#include "core/al_scenario.h"
#include "sim/sim_net.h"

#define MS 1000000LL
#define S 1000000000LL

#include "tests/sim_net_checks.h"

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

/* A corrupt response small enough that one recv reads its header and
 * its body's wrong byte (the flow's one transfer, a 4096 B buffer): the
 * span of a read that begins in the header says corrupt, and the page
 * fails its check; the same page whole passes it. */
static void test_flow_corrupt_in_head_read(void **state)
{
	const int64_t body = 3000, bw = 80000000;
	const int64_t hl = header_len(body);

	(void)state;
	assert_true(hl + body <= 4096);
	for (int fault = 0; fault < 2; fault++) {
		scenario(10 * MS, 1 * MS, body, bw);
		W.sc.server.faults[AL_FAULT_CORRUPT] = fault;
		world(1, NULL);
		W.verify = 2;
		run();
		struct conn *c = &W.c[0];
		assert_int_equal(c->bytes, hl + body);
		assert_int_equal(c->nseg, 1);
		assert_int_equal(c->resp.body, body);
		assert_int_equal(al_http_resp_is_page(&c->resp, W.sc.seed, 0), !fault);
		done();
	}
}

static void test_flow_same_seed(void **state)
{
	(void)state;
	check_same_seed();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
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
		cmocka_unit_test_setup_teardown(test_flow_corrupt_in_head_read, flow_setup,
						flow_teardown),
		cmocka_unit_test_setup_teardown(test_flow_same_seed, flow_setup, flow_teardown),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	free(W.c);
	return r;
}
