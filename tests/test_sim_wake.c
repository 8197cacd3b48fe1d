/* The wake-up costs in the simulator (wake_100us, wake_1ms, wake_100ms;
 * sim/sim_kernel.c):
 * the charge by the time slept, and what it adds to a run's CPU, derived
 * here by formula and checked to the nanosecond. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/sim_run.h"
#include "core/al_scenario.h"
#include "sim/sim_kernel_int.h"

#define US 1000LL
#define MS (1000 * US)

/* A core idle 0-50 ms and 60-70 ms: a sleep that began at 49 ms slept
 * through 1 ms of the first gap and all of the second, 10 ms; one that
 * began at 65 ms, 5 ms of the second. */
static void test_gap_since_counts_from_t(void **state)
{
	struct sim_core c;

	(void)state;
	memset(&c, 0, sizeof c);
	c.freed_at = 0;
	sim_core_gap_push(&c, 50 * MS);
	c.freed_at = 60 * MS;
	sim_core_gap_push(&c, 70 * MS);
	assert_int_equal(sim_core_gap_since(&c, 0), 50 * MS);
	assert_int_equal(sim_core_gap_since(&c, 20 * MS), 30 * MS);
	assert_int_equal(sim_core_gap_since(&c, 49 * MS), 10 * MS);
	assert_int_equal(sim_core_gap_since(&c, 65 * MS), 5 * MS);
	assert_int_equal(sim_core_gap_since(&c, 70 * MS), 0);
	sim_core_gaps_free(&c);
}

/* The charge: flat up to 1 ms and from 100 ms, and along log(time) between
 * them -- 10 ms, a decade of the two, is about halfway. */
static void test_cost_by_time_slept(void **state)
{
	struct al_costs c;

	(void)state;
	memset(&c, 0, sizeof c);
	c.wake_1ms_ns = 10 * US;
	c.wake_100ms_ns = 110 * US;
	assert_int_equal(sim_wake_cost(&c, 0), 0);
	assert_int_equal(sim_wake_cost(&c, 1), 10 * US);
	assert_int_equal(sim_wake_cost(&c, 1 * MS), 10 * US);
	assert_int_equal(sim_wake_cost(&c, 100 * MS), 110 * US);
	assert_int_equal(sim_wake_cost(&c, 30000 * MS), 110 * US);
	int64_t mid = sim_wake_cost(&c, 10 * MS);
	if (mid < 55 * US || mid > 65 * US)
		fail_msg("10 ms: %lld ns, want about 60 us", (long long)mid);
	/* never decreasing, never outside the two figures */
	int64_t last = 0;
	for (int64_t t = 1 * MS; t <= 100 * MS; t += 250 * US) {
		int64_t x = sim_wake_cost(&c, t);
		if (x < last || x < 10 * US || x > 110 * US)
			fail_msg("%lld ns slept: %lld after %lld", (long long)t,
				 (long long)x, (long long)last);
		last = x;
	}
	/* a machine whose long sleeps cost less: the same, downwards */
	c.wake_1ms_ns = 50 * US;
	c.wake_100ms_ns = 20 * US;
	assert_true(sim_wake_cost(&c, 10 * MS) < 50 * US &&
		    sim_wake_cost(&c, 10 * MS) > 20 * US);
}

/* With wake_100us measured, the charge goes on below 1 ms: that figure up
 * to 0.1 ms, along log(time) from it to wake_1ms between; unmeasured (0),
 * wake_1ms as before. */
static void test_cost_below_1ms(void **state)
{
	struct al_costs c;

	(void)state;
	memset(&c, 0, sizeof c);
	c.wake_1ms_ns = 40 * US;
	c.wake_100ms_ns = 140 * US;
	assert_int_equal(sim_wake_cost(&c, 50 * US), 40 * US);
	c.wake_100us_ns = 10 * US;
	assert_int_equal(sim_wake_cost(&c, 0), 0);
	assert_int_equal(sim_wake_cost(&c, 1), 10 * US);
	assert_int_equal(sim_wake_cost(&c, 100 * US), 10 * US);
	assert_int_equal(sim_wake_cost(&c, 1 * MS), 40 * US);
	assert_int_equal(sim_wake_cost(&c, 100 * MS), 140 * US);
	int64_t mid = sim_wake_cost(&c, 316 * US);     /* half a decade up */
	if (mid < 22 * US || mid > 28 * US)
		fail_msg("0.316 ms: %lld ns, want about 25 us", (long long)mid);
	int64_t last = 0;
	for (int64_t t = 1; t <= 2 * MS; t += 7 * US) {
		int64_t x = sim_wake_cost(&c, t);
		if (x < last || x < 10 * US || x > 140 * US)
			fail_msg("%lld ns slept: %lld after %lld", (long long)t,
				 (long long)x, (long long)last);
		last = x;
	}
}

/* With wake_segment_1ms measured too, the line below 1 ms ends at it, the
 * same work (a segment's recv) at both ends, and wake_1ms (a page half)
 * starts again at 1 ms: a step there, since the two figures time
 * different work.  0: the line to wake_1ms above, unchanged. */
static void test_segment_line_below_1ms(void **state)
{
	struct al_costs c;

	(void)state;
	memset(&c, 0, sizeof c);
	c.wake_100us_ns = 10 * US;
	c.wake_1ms_ns = 40 * US;
	c.wake_100ms_ns = 140 * US;
	int64_t old = sim_wake_cost(&c, 580 * US);
	c.wake_segment_1ms_ns = 16 * US;
	assert_int_equal(sim_wake_cost(&c, 100 * US), 10 * US);
	assert_int_equal(sim_wake_cost(&c, 1 * MS), 40 * US);
	assert_int_equal(sim_wake_cost(&c, 100 * MS), 140 * US);
	/* a segment of a 20 Mbit/s link: 0.58 ms; about 0.76 of the decade */
	int64_t seg = sim_wake_cost(&c, 580 * US);
	if (seg < 14 * US || seg >= 16 * US || old < 30 * US)
		fail_msg("0.58 ms: %lld ns on the segment's line (want 14-16 us), "
			 "%lld on the old one", (long long)seg, (long long)old);
	int64_t last = 0;
	for (int64_t t = 1; t < 1 * MS; t += 7 * US) {
		int64_t x = sim_wake_cost(&c, t);
		if (x < last || x < 10 * US || x > 16 * US)
			fail_msg("%lld ns slept: %lld after %lld", (long long)t,
				 (long long)x, (long long)last);
		last = x;
	}
	/* a figure under wake_100us (noise) still makes a line, falling */
	c.wake_segment_1ms_ns = 8 * US;
	assert_int_equal(sim_wake_cost(&c, 999 * US) >= 8 * US, 1);
	assert_int_equal(sim_wake_cost(&c, 999 * US) < 10 * US, 1);
}

/* pages over a round trip of rtt, no CPU costs at all: what a test adds is
 * all there is */
static void fixed(struct al_scenario *sc, int64_t pages, int64_t rtt)
{
	al_scenario_default(sc);
	memset(&sc->machine.costs, 0, sizeof sc->machine.costs);
	sc->machine.costs.time_slice_ns = 4 * MS;
	sc->workload.pages = pages;
	sc->network.rtt_ns = rtt;
	sc->network.jitter = AL_DIST_FIXED_AT(0);
	sc->network.bandwidth_bps = 1000000000;
	sc->server.think = AL_DIST_FIXED_AT(0);
	sc->server.page_size = AL_DIST_FIXED_AT(1000);
	sc->models[AL_MODEL_THREAD].workers = 3;
	sc->models[AL_MODEL_THREAD].gil = false;
}

static void run(const struct al_scenario *sc, enum al_model m, struct al_report *r)
{
	char err[256];

	assert_int_equal(sim_run_model(sc, m, r, err, sizeof err), 0);
	assert_int_equal(r->pages_failed, 0);
}

/* A blocking crawler sleeps twice a page, for the connect's round trip and
 * for the response's: each wake-up adds its charge to the CPU -- wake_1ms
 * on a 0.5 ms round trip, wake_100ms on a 200 ms one, whatever the other.
 * The threads of a pool do the same, each for its pages, where each has
 * a core of its own; the pool's own waits (the main thread's join, a
 * worker's wait for the page queue) come on top: at most two more. */
static void test_blocking_models_pay_per_wakeup(void **state)
{
	static const struct {
		enum al_model m;
		int64_t rtt, more;
		int cores;
	} cases[] = {
		{AL_MODEL_SYNC, 500 * US, 0, 1},
		{AL_MODEL_SYNC, 200 * MS, 0, 1},
		{AL_MODEL_THREAD, 200 * MS, 2 * 170 * US, 4},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum al_model m = cases[i].m;
		fixed(&sc, 6, cases[i].rtt);
		sc.machine.cores = cases[i].cores;
		run(&sc, m, &a);
		sc.machine.costs.wake_1ms_ns = 30 * US;
		sc.machine.costs.wake_100ms_ns = 170 * US;
		run(&sc, m, &b);
		int64_t each = cases[i].rtt < MS ? 30 * US : 170 * US;
		int64_t want = 6 * 2 * each, extra = b.cpu_busy_ns - a.cpu_busy_ns;
		if (extra < want || extra > want + cases[i].more)
			fail_msg("%s, rtt %lld: CPU %lld more, want %lld", al_model_name(m),
				 (long long)cases[i].rtt, (long long)extra, (long long)want);
		/* the sequential crawler's waits stay where they were; the pool's
		 * threads may take their turns in another order */
		if (m == AL_MODEL_SYNC)
			assert_int_equal(b.context_switches, a.context_switches);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* A halt is paid once per process and core: the threads of a pool that
 * one round trip wakes together on one core find their process warm after
 * the first of them has run, and pay for the core's idle gaps since then
 * (none here: no CPU costs, they run at one instant).  So 3 threads on one
 * core, 6 pages, pay one wake_100ms per round trip of the pool, 2 x 2 of
 * them, and the main thread's join at most one more; a process pool's
 * workers are processes of their own, each cold, 6 x 2.  On two cores the
 * pool's first two threads each wake a core's halt, and the third, on a
 * core its process has run on since, pays none: 2 x 2 x 2 (one warm time
 * for the process, overwritten by the other core, made it 2 x 2 x 3). */
static void test_pool_pays_a_halt_once(void **state)
{
	static const struct {
		enum al_model m;
		int cores;
		int64_t lo, hi;
	} cases[] = {
		{AL_MODEL_THREAD, 1, 2 * 2 * 170 * US, 2 * 2 * 170 * US + 170 * US},
		{AL_MODEL_PROCESS, 1, 6 * 2 * 170 * US, 6 * 2 * 170 * US + 2 * 170 * US},
		{AL_MODEL_THREAD, 2, 2 * 2 * 2 * 170 * US, 2 * 2 * 2 * 170 * US + 170 * US},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 6, 200 * MS);
		sc.models[AL_MODEL_PROCESS].workers = 3;
		sc.machine.cores = cases[i].cores;
		run(&sc, cases[i].m, &a);
		sc.machine.costs.wake_1ms_ns = 30 * US;
		sc.machine.costs.wake_100ms_ns = 170 * US;
		run(&sc, cases[i].m, &b);
		int64_t extra = b.cpu_busy_ns - a.cpu_busy_ns;
		if (extra < cases[i].lo || extra > cases[i].hi)
			fail_msg("%s on %d cores: CPU %lld more, want %lld ... %lld",
				 al_model_name(cases[i].m), cases[i].cores, (long long)extra,
				 (long long)cases[i].lo, (long long)cases[i].hi);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* With wake_sibling_10ms, a pool's thread woken after a sibling warmed
 * its process on the core pays at least that figure, never more than its
 * own sleep's charge.  3 threads on one core, 6 pages: 2 rounds of 2
 * waits each, a round trip's wake-ups at one instant (no CPU costs).
 * After 200 ms each round trip's first thread pays wake_100ms (170 us)
 * and the two after it the floor (50 us); after 0.5 ms their own sleep
 * costs wake_1ms (30 us), under the floor, so all three pay that.  The
 * main thread's join may pay up to a wake_100ms more. */
static void test_pool_sibling_pays_its_floor(void **state)
{
	static const struct {
		int64_t rtt, lo, hi;
	} cases[] = {
		{200 * MS, 4 * (170 + 2 * 50) * US, 4 * (170 + 2 * 50) * US + 170 * US},
		{500 * US, 4 * 3 * 30 * US, 4 * 3 * 30 * US + 30 * US},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 6, cases[i].rtt);
		sc.machine.cores = 1;
		run(&sc, AL_MODEL_THREAD, &a);
		sc.machine.costs.wake_1ms_ns = 30 * US;
		sc.machine.costs.wake_100ms_ns = 170 * US;
		sc.machine.costs.wake_sibling_10ms_ns = 50 * US;
		run(&sc, AL_MODEL_THREAD, &b);
		int64_t extra = b.cpu_busy_ns - a.cpu_busy_ns;
		if (extra < cases[i].lo || extra > cases[i].hi)
			fail_msg("rtt %lld: CPU %lld more, want %lld ... %lld",
				 (long long)cases[i].rtt, (long long)extra,
				 (long long)cases[i].lo, (long long)cases[i].hi);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* The host's origin server on the same core runs its own code, charged
 * its measured CPU whole: the crawler pays as much as without it. */
static void test_host_server_changes_nothing(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 4, 200 * MS);
	sc.machine.host_server = true;
	sc.machine.costs.server_request_ns = 50 * US;
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.costs.wake_1ms_ns = 30 * US;
	sc.machine.costs.wake_100ms_ns = 170 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.cpu_busy_ns - a.cpu_busy_ns, 4 * 2 * 170 * US);
}

/* Where the wake-up comes from: the packet emulator on the model's cores
 * wakes the crawler on its own CPU (Linux's sync wake-up), where a
 * wake-up costs wake_1ms / wake_remote_1ms of one from another CPU; on a
 * core of its own it wakes it from there, at the whole charge.  A blocking
 * crawler's two wake-ups a page, both the emulator's: 170 us each, 68 us
 * (170 x 30 / 75) where they share the core; without wake_remote_1ms, the
 * whole charge everywhere. */
static void test_wake_on_the_wakers_cpu(void **state)
{
	static const struct {
		enum al_host_emu emu;
		int64_t remote, each;
	} cases[] = {
		{AL_HOST_EMU_SHARED, 0, 170 * US},
		{AL_HOST_EMU_SHARED, 75 * US, 68 * US},
		{AL_HOST_EMU_OWN, 75 * US, 170 * US},
		{AL_HOST_EMU_SHARED, 20 * US, 170 * US},    /* no dearer: no share */
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 4, 200 * MS);
		sc.machine.host_emulator = cases[i].emu;
		sc.machine.costs.emulator_packet_ns = 5 * US;
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.wake_1ms_ns = 30 * US;
		sc.machine.costs.wake_100ms_ns = 170 * US;
		sc.machine.costs.wake_remote_1ms_ns = cases[i].remote;
		run(&sc, AL_MODEL_SYNC, &b);
		int64_t extra = b.cpu_busy_ns - a.cpu_busy_ns;
		if (extra != 4 * 2 * cases[i].each)
			fail_msg("case %zu: CPU %lld more, want %lld", i, (long long)extra,
				 (long long)(4 * 2 * cases[i].each));
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* An event loop woken by the emulator on its cores pays the share too:
 * its wait's wake-up reaches it through the selector's collection, or a
 * ring's parked enter through its reaping. */
static void test_loop_woken_on_the_wakers_cpu(void **state)
{
	static const enum al_model loops[] = {AL_MODEL_CALLBACK, AL_MODEL_URING};

	(void)state;
	for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
		struct al_scenario sc;
		struct al_report a, b, c;

		fixed(&sc, 8, 200 * MS);
		sc.machine.host_emulator = AL_HOST_EMU_SHARED;
		sc.machine.costs.emulator_packet_ns = 5 * US;
		run(&sc, loops[i], &a);
		sc.machine.costs.wake_1ms_ns = 30 * US;
		sc.machine.costs.wake_100ms_ns = 170 * US;
		run(&sc, loops[i], &b);
		sc.machine.costs.wake_remote_1ms_ns = 60 * US;
		run(&sc, loops[i], &c);
		int64_t whole = b.cpu_busy_ns - a.cpu_busy_ns, half = c.cpu_busy_ns - a.cpu_busy_ns;
		if (whole <= 0 || half <= 0 || half >= whole)
			fail_msg("%s: wake-ups %lld ns, %lld with the share: want fewer, not none",
				 i ? "uring" : "callback", (long long)whole, (long long)half);
	}
}

/* What makes a wake-up cold is the core's halt: a pool whose threads keep
 * their one core busy (each page's parse is CPU work, far more of it than
 * the round trips leave idle) pays for the idle gaps its threads slept
 * through, not for their sleeps.  Its core idles only while every thread
 * waits on the network at once (here a connect's round trip now and
 * then): less than half of what the sleeps would pay, two a page. */
static void test_busy_core_pays_its_gaps(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	const int workers = 20, pages = 400;

	(void)state;
	fixed(&sc, pages, 2 * MS);
	sc.machine.costs.parse_ns_per_kib = 2 * MS;
	/* think times apart, so that the threads do not move in step */
	sc.server.think = (struct al_dist){AL_DIST_UNIFORM, 0, 4e6};
	sc.models[AL_MODEL_THREAD].workers = workers;
	run(&sc, AL_MODEL_THREAD, &a);
	sc.machine.costs.wake_100us_ns = 10 * US;
	sc.machine.costs.wake_1ms_ns = 30 * US;
	sc.machine.costs.wake_100ms_ns = 170 * US;
	run(&sc, AL_MODEL_THREAD, &b);
	int64_t extra = b.cpu_busy_ns - a.cpu_busy_ns;
	int64_t sleeps = 2 * pages * sim_wake_cost(&sc.machine.costs, 2 * MS);
	if (extra <= 0 || extra > sleeps / 2)
		fail_msg("pool on a busy core: CPU %lld more, want 1 ... %lld (half "
			 "of what its sleeps would pay)", (long long)extra,
			 (long long)(sleeps / 2));
	assert_int_equal(b.checksum, a.checksum);
}

/* An event loop sleeps once per wait that finds nothing ready: with all
 * pages in flight together, it pays per wait, not per page. */
static void test_event_loop_pays_per_wait(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 8, 200 * MS);
	sc.network.bandwidth_bps = 1000000000000;        /* all arrive at once */
	run(&sc, AL_MODEL_CALLBACK, &a);
	sc.machine.costs.wake_1ms_ns = 30 * US;
	sc.machine.costs.wake_100ms_ns = 170 * US;
	run(&sc, AL_MODEL_CALLBACK, &b);
	int64_t extra = b.cpu_busy_ns - a.cpu_busy_ns;
	if (extra <= 0 || extra % (170 * US) != 0 || extra >= 8 * 2 * 170 * US)
		fail_msg("callback: CPU %lld more: want a few whole wake_100ms, fewer than "
			 "two a page", (long long)extra);
}

/* A blocking crawler on a fast link wakes for the connect, for the
 * response, and again for the rest of a page's response as it streams in,
 * well under 0.1 ms later: those short sleeps pay wake_100us, the round
 * trips' wake_100ms; without wake_100us each short one paid wake_1ms. */
static void test_short_sleeps_pay_wake_100us(void **state)
{
	struct al_scenario sc;
	struct al_report a, b, c;

	(void)state;
	fixed(&sc, 4, 200 * MS);
	sc.server.page_size = AL_DIST_FIXED_AT(64 * 1024);  /* 0.5 ms at 1 Gbit/s */
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.costs.wake_1ms_ns = 40 * US;
	sc.machine.costs.wake_100ms_ns = 170 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	sc.machine.costs.wake_100us_ns = 10 * US;
	run(&sc, AL_MODEL_SYNC, &c);
	int64_t long_ones = 4 * 2 * 170 * US;
	int64_t short_old = b.cpu_busy_ns - a.cpu_busy_ns - long_ones;
	int64_t short_new = c.cpu_busy_ns - a.cpu_busy_ns - long_ones;
	/* every short one paid wake_1ms before, wake_100us now (a cheaper
	 * wake-up reads sooner, so the count may differ: a multiple each) */
	if (short_old < 4 * 40 * US || short_old % (40 * US) != 0)
		fail_msg("short wake-ups at wake_1ms: %lld ns", (long long)short_old);
	if (short_new < 4 * 10 * US || short_new % (10 * US) != 0 || short_new >= short_old)
		fail_msg("short wake-ups with wake_100us: %lld ns (%lld before)",
			 (long long)short_new, (long long)short_old);
}

/* A wake-up's charge holds the switch back in: calibrate's wake_* probes
 * time a woken half less a hot one that never blocks, so the block and
 * the switch in are inside the figure.  A blocking crawler that sleeps
 * twice a page pays the larger of thread_switch and the wake-up's charge
 * at each wake-up, not both: with a switch of 5 us, a 30 us wake-up adds
 * 25 us to what the switches alone cost, and a 2 us one adds nothing. */
static void test_wake_holds_the_switch(void **state)
{
	static const struct {
		int64_t wake, add;
	} cases[] = {
		{30 * US, 25 * US},
		{2 * US, 0},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 6, 500 * US);
		sc.machine.costs.thread_switch_ns = 5 * US;
		sc.machine.costs.process_switch_ns = 5 * US;
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.wake_1ms_ns = cases[i].wake;
		sc.machine.costs.wake_100ms_ns = 170 * US;
		run(&sc, AL_MODEL_SYNC, &b);
		assert_int_equal(b.context_switches, a.context_switches);
		assert_int_equal(b.cpu_busy_ns - a.cpu_busy_ns, 6 * 2 * cases[i].add);
	}
}

/* The charge holds a process switch too, and holds it with what it
 * charged.  A blocking crawler with the packet emulator on its core (a
 * host program: another process) sleeps twice a page, 4 pages, 200 ms
 * round trips, and the emulator runs last before each wake-up: the
 * crawler comes back in after another process, so it pays the larger of
 * process_switch (20 us, or 100 us; thread_switch 2 us) and the wake-up's
 * charge, wake_100ms (170 us), of which the emulator's wake-up on the
 * crawler's CPU charges 170 x 30 / 75 = 68 us with wake_remote_1ms 75 us.
 * Over the same run without wake-up figures, each wake-up adds:
 *   whole 170 us, switch 20 us:   170 - 20 = 150 us
 *   whole 170 us, switch 100 us:  170 - 100 = 70 us
 *   68 us, switch 20 us:          68 - 20 = 48 us
 *   68 us, switch 100 us:         nothing (the switch is more) */
static void test_wake_holds_a_process_switch(void **state)
{
	static const struct {
		int64_t remote, process_switch, add;
	} cases[] = {
		{0, 20 * US, 150 * US},
		{0, 100 * US, 70 * US},
		{75 * US, 20 * US, 48 * US},
		{75 * US, 100 * US, 0},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 4, 200 * MS);
		sc.machine.host_emulator = AL_HOST_EMU_SHARED;
		sc.machine.costs.emulator_packet_ns = 5 * US;
		sc.machine.costs.thread_switch_ns = 2 * US;
		sc.machine.costs.process_switch_ns = cases[i].process_switch;
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.wake_1ms_ns = 30 * US;
		sc.machine.costs.wake_100ms_ns = 170 * US;
		sc.machine.costs.wake_remote_1ms_ns = cases[i].remote;
		run(&sc, AL_MODEL_SYNC, &b);
		assert_int_equal(b.context_switches, a.context_switches);
		assert_int_equal(b.checksum, a.checksum);
		int64_t extra = b.cpu_busy_ns - a.cpu_busy_ns;
		if (extra != 4 * 2 * cases[i].add)
			fail_msg("case %zu: CPU %lld more, want %lld", i, (long long)extra,
				 (long long)(4 * 2 * cases[i].add));
	}
}

/* With the wake-up costs the run is still a function of its scenario. */
static void test_same_twice(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	al_scenario_default(&sc);
	sc.workload.pages = 30;
	sc.machine.costs.wake_1ms_ns = 25 * US;
	sc.machine.costs.wake_100ms_ns = 140 * US;
	sc.machine.costs.wake_100us_ns = 9 * US;
	sc.network.jitter = AL_DIST_FIXED_AT(3 * MS);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		run(&sc, (enum al_model)m, &a);
		run(&sc, (enum al_model)m, &b);
		assert_memory_equal(&a, &b, sizeof a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_by_time_slept),
		cmocka_unit_test(test_cost_below_1ms),
		cmocka_unit_test(test_segment_line_below_1ms),
		cmocka_unit_test(test_short_sleeps_pay_wake_100us),
		cmocka_unit_test(test_gap_since_counts_from_t),
		cmocka_unit_test(test_busy_core_pays_its_gaps),
		cmocka_unit_test(test_blocking_models_pay_per_wakeup),
		cmocka_unit_test(test_wake_holds_the_switch),
		cmocka_unit_test(test_wake_holds_a_process_switch),
		cmocka_unit_test(test_pool_pays_a_halt_once),
		cmocka_unit_test(test_pool_sibling_pays_its_floor),
		cmocka_unit_test(test_host_server_changes_nothing),
		cmocka_unit_test(test_wake_on_the_wakers_cpu),
		cmocka_unit_test(test_loop_woken_on_the_wakers_cpu),
		cmocka_unit_test(test_event_loop_pays_per_wait),
		cmocka_unit_test(test_same_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
