/* The kernel-TCP path's packet emulator in the simulator (sim/sim_emu.c,
 * sim/sim_host.c): its packets per page, its queue and its passes, each
 * derived by formula from the cost table and checked against the runs,
 * to the nanosecond. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sim/sim_os.h"
#include "tests/sim_host_world.h"

/* The kernel-TCP path's packets per page, as measured on it with no loss
 * (docs/kernel-tcp.md: up + down packets of the emulator's counts for 100
 * pages of 0 B, 4 KiB, 20 KiB, 64 KiB, 10 ms think): 10, 14, 36, 82. */
static void test_emulator_packets_per_page(void **state)
{
	(void)state;
	assert_int_equal(sim_host_emu_packets(response(0)), 10);
	assert_int_equal(sim_host_emu_packets(response(4096)), 14);
	/* past the initial window the FIN rides on the last segment */
	assert_int_equal(sim_host_emu_packets(response(20480)), 37);
	/* past 16 segments the client ACKs every second one */
	assert_int_equal(sim_host_emu_packets(response(65536)), 84);
	/* of which the response's: its segments, and the FIN alone within
	 * the initial window */
	assert_int_equal(sim_host_emu_response(response(4096)), 4);
	assert_int_equal(sim_host_emu_response(response(65536)), 46);
}

/* The packet emulator on a core of its own: one page waits for its
 * connect's packets and its response's, emulator_packet each (the others
 * are carried while it waits anyway), and nobody's CPU pays for them. */
static void test_emulator_holds_the_page(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	int64_t n = SIM_HOST_EMU_CONNECT + sim_host_emu_response(response(1000));

	(void)state;
	fixed(&sc, 1, 1000);
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 100 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, n * 100 * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.context_switches, a.context_switches);
	assert_int_equal(b.checksum, a.checksum);
	/* on the model's one core the emulator's other packets take it too:
	 * the request waits for its packets' work after the connect, the
	 * crawler's reading for the ACKs and FINs after the response */
	sc.machine.host_emulator = AL_HOST_EMU_SHARED;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns,
			 sim_host_emu_packets(response(1000)) * 100 * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
}

/* emulator_per_kib prices the bytes of what the page waits for: its
 * connect's 2 packets and its response's r, each a 52-byte header, the
 * response's own bytes on top.  At 1 ms a KiB (1 us a byte, no price a
 * packet) the page is late by exactly that many us. */
static void test_emulator_prices_bytes(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	int64_t len = response(1000);
	int64_t r = sim_host_emu_response(len);
	int64_t bytes = (SIM_HOST_EMU_CONNECT + r) * 52 + len;

	(void)state;
	fixed(&sc, 1, 1000);
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_ns_per_kib = 1024 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, bytes * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.checksum, a.checksum);
}

/* Why the passes matter to a loop: ten pages connect at once, and the
 * crawler spends 15 us sending each request and ~44 us parsing each
 * response (40 us a KiB).  One pass carries the ten SYNs, then the ten
 * SYN-ACKs 10 us apart; a round trip later the responses come as close,
 * and a pass writes those that have come back to back, 20 us each.  When
 * the loop is done with one, the next is ready: it sleeps no more often
 * than with no emulator at all.  One queue in arrival order put each
 * connect's request packets behind it, 50 us a page: the loop, done
 * sooner, slept before every connection and every response (20
 * switches against 2). */
static void test_passes_batch_the_loop(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 10, 1000);
	sc.network.bandwidth_bps = 1000000000000;
	sc.machine.costs.parse_ns_per_kib = 40 * US;
	sc.machine.costs.send_ns = 15 * US;
	run(&sc, AL_MODEL_CALLBACK, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 10 * US;
	run(&sc, AL_MODEL_CALLBACK, &b);
	assert_int_equal(b.context_switches, a.context_switches);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
}

/* The emulator works in passes (sim/sim_emu.c): a pass takes what has
 * reached it, writes its up packets, then its down ones; what comes
 * meanwhile waits for the next pass.  Two pages connect at once (P = one
 * packet's time): one pass carries both SYNs (2P); each SYN-ACK comes
 * a way after its SYN was written, the first alone in its pass: seen
 * connected at 2P, the second at 3P.  Their requests'
 * packets come half a round trip later, and are carried long before the
 * responses (think 2 ms).  Each response (r = 2 packets) then comes X
 * after its connect, as without the emulator: the first's at 2P + X,
 * alone in its pass, seen at 2P + X + rP = 4P + X.  The second's comes at
 * 3P + X, while that pass writes: it waits for the pass to end (4P + X)
 * and is seen rP later, 6P + X: 6 packets' time in all.  One queue in
 * arrival order (before) had the requests' packets between the two
 * connects: 9. */
static void test_emulator_works_in_passes(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	int64_t r = sim_host_emu_response(response(1000));

	assert_int_equal(r, 2);

	(void)state;
	fixed(&sc, 2, 1000);
	sc.network.bandwidth_bps = 1000000000000;        /* both arrive at once */
	run(&sc, AL_MODEL_ASYNCIO, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 100 * US;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	/* less the few ns by which the second response trailed the first on
	 * the link without the emulator, a wait the pass now covers */
	int64_t n = SIM_HOST_EMU_CONNECT + 2 * r;
	assert_in_range(b.elapsed_ns - a.elapsed_ns, n * 100 * US - 100, n * 100 * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
}

/* A pass writes every packet due by its start, as the real loop's
 * flush() does (net/net_emu_loop.c).
 * Eighty pages connect at once over a 20 us round trip (10 us a way), P
 * = 10 us a packet; times from when the SYNs reach the emulator.  One
 * pass writes the 80 SYNs, the i-th at (i + 1) P; its SYN-ACK is due a
 * way (1 P) later.  The next pass, at 80 P, writes the 79 due by then:
 * the i-th seen at (80 + i + 1) P, the 40th (the median) at 120 P, a
 * connect of 120 + 1 - 2 = 119 P more than the round trip.  The last
 * SYN-ACK, due at 81 P, waits for the third pass, at 159 P, behind the
 * requests that came meanwhile (the first 78 pages', 2 packets each, up
 * first): seen at 159 + 156 + 1 = 316 P, 315 P more.  Writing 64 a pass
 * at most put only 32 requests ahead of it (209 P). */
static void test_pass_writes_all_due(void **state)
{
	const int64_t p = 10 * US;
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 80, 1000);
	sc.network.rtt_ns = 2 * p;
	sc.server.think = AL_DIST_FIXED_AT(0);
	sc.network.bandwidth_bps = 1000000000000;
	run(&sc, AL_MODEL_ASYNCIO, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = p;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	assert_int_equal(a.latency.of[AL_LAT_CONNECT].max_ns, sc.network.rtt_ns);
	assert_int_equal(b.latency.of[AL_LAT_CONNECT].p50_ns - sc.network.rtt_ns, 119 * p);
	assert_int_equal(b.latency.of[AL_LAT_CONNECT].max_ns - sc.network.rtt_ns, 315 * p);
}

/* The client's answers are chained, and take their turn: one page at a
 * time (sync), P a packet.  A page is seen when its response (its
 * segment, its FIN: 2 P) is written; the client's ACK and FIN (2 P up)
 * reach the emulator d-up later, with the next page's SYN, sent as the
 * page was seen, behind them: the SYN is written at d-up + 3 P.  The
 * server's ACK of the FIN comes d-down after the FIN was written, rtt +
 * 2 P; the SYN-ACK d-down after the SYN, rtt + 3 P, and waits for the
 * ACK's pass: seen at rtt + 4 P.  The first page's connect, with nothing
 * ahead: rtt + 2 P.  Unchained, the server's ACK came at rtt whatever
 * the FIN's wait. */
static void test_answers_take_their_turn(void **state)
{
	const int64_t p = 100 * US;
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 3, 1000);
	sc.network.bandwidth_bps = 1000000000000;
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = p;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(a.latency.of[AL_LAT_CONNECT].max_ns, sc.network.rtt_ns);
	assert_int_equal(b.latency.of[AL_LAT_CONNECT].p50_ns, sc.network.rtt_ns + 4 * p);
	assert_int_equal(b.latency.of[AL_LAT_CONNECT].max_ns, sc.network.rtt_ns + 4 * p);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, (2 + 2) * p + 2 * (4 + 2) * p);
}

/* An answer (a client's ACKs and FIN, a server's ACK) is in the backlog
 * the simulated TCP sees from when it reaches the emulator, not from
 * when the packets it answers were carried: queued earlier, a C10K's
 * answers made every RTT sample and timer of the run hundreds of ms
 * longer (docs/real.md, C10K's event loops, stop 28). */
static void test_answer_in_backlog_when_it_comes(void **state)
{
	struct al_scenario sc;
	struct sim_os *s = calloc(1, sizeof *s);
	int64_t t;
	sim_fn fn;
	void *arg;

	(void)state;
	fixed(&sc, 1, 1000);
	assert_non_null(s);
	s->os.sc = &sc;
	assert_int_equal(sim_queue_init(&s->q), 0);
	sim_emu_push(s, (struct sim_emu_item){.at = 5 * MS, .up = 300 * US, .nup = 2});
	assert_true(sim_emu_backlog(s, 5 * MS - 1) <= 0);
	assert_int_equal(sim_queue_pop(&s->q, &t, &fn, &arg), 1);
	assert_int_equal(t, 5 * MS);
	fn(arg, t);
	assert_int_equal(sim_emu_backlog(s, 5 * MS), 300 * US);
	assert_int_equal(sim_emu_backlog(s, 5 * MS + 100 * US), 200 * US);
	/* a second, reaching it while the first is carried, waits behind:
	 * its pass starts when the first's ends, and the backlog then is
	 * its own work */
	sim_emu_push(s, (struct sim_emu_item){.at = 5 * MS + 100 * US, .down = 50 * US,
					      .ndown = 1});
	assert_int_equal(sim_queue_pop(&s->q, &t, &fn, &arg), 1);
	assert_int_equal(t, 5 * MS + 300 * US);
	fn(arg, t);
	assert_int_equal(sim_emu_backlog(s, 5 * MS + 300 * US), 50 * US);
	assert_int_equal(sim_emu_backlog(s, 5 * MS + 320 * US), 30 * US);
	sim_emu_free(s);
	sim_queue_free(&s->q);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emulator_packets_per_page),
		cmocka_unit_test(test_emulator_holds_the_page),
		cmocka_unit_test(test_emulator_prices_bytes),
		cmocka_unit_test(test_passes_batch_the_loop),
		cmocka_unit_test(test_emulator_works_in_passes),
		cmocka_unit_test(test_pass_writes_all_due),
		cmocka_unit_test(test_answers_take_their_turn),
		cmocka_unit_test(test_answer_in_backlog_when_it_comes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
