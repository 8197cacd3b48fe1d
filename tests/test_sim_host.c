/* The kernel's TCP costs and the host's other programs in the simulator
 * (sim/sim_host.c): what they add is derived here by formula from the cost
 * table and checked against the runs, to the nanosecond.  The kernel-TCP
 * path's (a packet emulator's) prices are tests/test_sim_host_tun.c; the
 * packet emulator's own tests tests/test_sim_emu.c. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sim/sim_kernel.h"
#include "sim/sim_os.h"

#include "tests/sim_host_world.h"

/* The crawler pays `connection` per page, `send` per request and
 * `recv_per_kib` per KiB it receives, on top of what it paid before,
 * whatever the model. */
/* A per-KiB price over a page, exact and without the product's overflow:
 * the largest page (1 GiB) at the largest price the schema takes (60 s a
 * KiB) is 6.4e19 as one product. */
static void test_per_kib_price(void **state)
{
	const int64_t s60 = INT64_C(60000000000);

	(void)state;
	assert_int_equal(al_per_kib_ns(0, 1000), 0);
	assert_int_equal(al_per_kib_ns(1023, 1024), 1023);
	assert_int_equal(al_per_kib_ns(1500, 785), 1500 * 785 / 1024);
	assert_int_equal(al_per_kib_ns(INT64_C(1) << 30, s60), s60 << 20);
	assert_int_equal(al_per_kib_ns((INT64_C(1) << 30) - 1, s60),
			 (s60 << 20) - s60 / 1024);   /* s60 / 1024 is whole */
}

static void test_connection_and_recv_charged(void **state)
{
	static const enum al_model models[] = {
		AL_MODEL_SYNC, AL_MODEL_THREAD, AL_MODEL_CALLBACK, AL_MODEL_ASYNCIO,
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
		fixed(&sc, 6, 3000);
		run(&sc, models[i], &a);
		sc.machine.costs.connection_ns = 70 * US;
		sc.machine.costs.recv_ns_per_kib = 1024;        /* 1 ns a byte */
		sc.machine.costs.send_ns = 9 * US;
		run(&sc, models[i], &b);
		int64_t want = 6 * (70 * US + 9 * US + response(3000));
		if (b.cpu_busy_ns - a.cpu_busy_ns != want)
			fail_msg("%s: CPU %lld more, want %lld", al_model_name(models[i]),
				 (long long)(b.cpu_busy_ns - a.cpu_busy_ns), (long long)want);
	}
}

/* On a FIFO link the server paces its responses onto the link: its
 * thread's run of the page's price is its write, and the socket's gate
 * does not hold the response for that price a second time.  One page,
 * the server on a core of its own: the response is later by exactly
 * the price (the accept's part at connect, the rest at the write), for
 * every size of page. */
static void test_paced_server_pays_once(void **state)
{
	static const int64_t sizes[] = {0, 1000, 20000};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		paced(&sc, 1, sizes[i]);
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.server_request_ns = 100 * US;
		sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
		run(&sc, AL_MODEL_SYNC, &b);
		int64_t want = 100 * US + response(sizes[i]);
		if (b.elapsed_ns - a.elapsed_ns != want)
			fail_msg("page of %lld: %lld ns later, want %lld", (long long)sizes[i],
				 (long long)(b.elapsed_ns - a.elapsed_ns), (long long)want);
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* A paced server's slot frees when its write returns, not when the pace
 * begins: with one slot, two pages fetched at once are served one after
 * the other, each think + price, so the price delays the second page's
 * response twice (its own, and the first's holding the slot). */
static void test_paced_slot_frees_at_write(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	paced(&sc, 2, 1000);
	sc.server.max_concurrent = 1;
	run(&sc, AL_MODEL_CALLBACK, &a);
	sc.machine.costs.server_request_ns = 500 * US;
	run(&sc, AL_MODEL_CALLBACK, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 2 * 500 * US);
	assert_int_equal(b.checksum, a.checksum);
}

/* The origin server and a link on the cores: the model's CPU and switches
 * stay its own, and one page waits for both programs' work on it. */
static void test_host_programs_hold_the_response(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 1, 1000);
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_server = true;
	sc.machine.host_links = 1;
	sc.machine.costs.server_request_ns = 100 * US;
	sc.machine.costs.relay_request_ns = 200 * US;
	sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
	sc.machine.costs.relay_ns_per_kib = 2048;        /* 2 ns a byte */
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.context_switches, a.context_switches);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 300 * US + 3 * response(1000));
	assert_int_equal(b.checksum, a.checksum);
}

/* The server's accept is charged when the client connects: on a core of
 * its own the response then waits only for the rest of the page's work;
 * on the crawler's one core the accept holds up the request's send. */
static void test_server_accepts_at_connect(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 1, 1000);
	sc.machine.cores = 2;
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_server = true;
	sc.machine.costs.server_request_ns = 100 * US;
	sc.machine.costs.server_accept_ns = 30 * US;
	sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 70 * US + response(1000));
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	/* an accept dearer than the page leaves the response nothing to wait */
	sc.machine.costs.server_accept_ns = 150 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, response(1000));
	/* one core: the crawler's send waits for the accept to run */
	sc.machine.cores = 1;
	sc.machine.costs.server_accept_ns = 30 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	sc.machine.host_server = false;
	run(&sc, AL_MODEL_SYNC, &a);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 100 * US + response(1000));
}

/* server_wake is charged when the server's thread was asleep as work
 * reached it, never when it was already woken: three pages one after
 * another (sync) wake it three times; three pages whose responses reach
 * it at the same instant (asyncio) once, the later two joining the
 * woken thread.  The server has a core of its own: the responses wait
 * for exactly its work. */
static void test_server_wakes_when_asleep(void **state)
{
	static const struct {
		enum al_model m;
		int64_t wakes;
	} runs[] = {{AL_MODEL_SYNC, 3}, {AL_MODEL_ASYNCIO, 1}};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		fixed(&sc, 3, 1000);
		sc.machine.cores = 2;
		sc.machine.host_server = true;
		sc.machine.costs.server_request_ns = 100 * US;
		run(&sc, runs[i].m, &a);
		sc.machine.costs.server_wake_ns = 40 * US;
		run(&sc, runs[i].m, &b);
		if (b.elapsed_ns - a.elapsed_ns != runs[i].wakes * 40 * US)
			fail_msg("%s: %lld ns later, want %lld wake-ups' %lld",
				 al_model_name(runs[i].m), (long long)(b.elapsed_ns - a.elapsed_ns),
				 (long long)runs[i].wakes,
				 (long long)(runs[i].wakes * 40 * US));
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* Pages queue at the link: the second of two pages arriving at once waits
 * for the link's work on the first too. */
static void test_link_is_a_queue(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 2, 1000);
	sc.network.bandwidth_bps = 1000000000000;        /* both arrive at once */
	run(&sc, AL_MODEL_ASYNCIO, &a);
	sc.machine.host_links = 1;
	sc.machine.costs.relay_request_ns = 300 * US;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 2 * 300 * US);
	/* two links share the pages, but on one core they take turns */
	sc.machine.host_links = 2;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 2 * 300 * US);
	/* on two cores each page waits for its own link only */
	sc.machine.cores = 2;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	sc.machine.host_links = 0;
	run(&sc, AL_MODEL_ASYNCIO, &a);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 300 * US);
}

/* Linux's EEVDF between the crawler and a host's program: a thread keeps
 * the core to the tick after its base slice (0.7 ms x (1 + log2 CPUs), 8
 * CPUs at most), or past that slice until the other wakes. */
static void test_turn_end(void **state)
{
	struct al_costs c = {.time_slice_ns = 4 * MS};
	struct sim_kernel k = {.ncores = 1, .c = &c};

	(void)state;
	assert_int_equal(sim_kernel_base_slice(&k), 700 * US);
	assert_int_equal(sim_kernel_turn_end(&k, 1 * MS, 0), 4 * MS);
	/* a wake-up within the slice waits for the tick, one past it not */
	assert_int_equal(sim_kernel_turn_end(&k, 1 * MS, 1500 * US), 4 * MS);
	assert_int_equal(sim_kernel_turn_end(&k, 1 * MS, 2 * MS), 2 * MS);
	assert_int_equal(sim_kernel_turn_end(&k, 3500 * US, 0), 8 * MS);
	k.ncores = 2;
	assert_int_equal(sim_kernel_base_slice(&k), 1400 * US);
	assert_int_equal(sim_kernel_turn_end(&k, 3 * MS, 0), 8 * MS);
	k.ncores = 64;
	assert_int_equal(sim_kernel_base_slice(&k), 2800 * US);
}

/* The server runs a page's work when it has the core.  Two pages 200 us
 * apart (the server thinks on one at a time), the crawler 500 us on
 * each, the server S = 100 us: the first's S runs at once (the crawler
 * sleeps); the second arrives while the crawler computes the first, and
 * its S waits for the crawler to give up the core (its wait finds
 * nothing: it sleeps) -- both pages' S are on the one core's path.  A
 * server whose queue ignored the core (before) had the second's done
 * while the crawler computed: +S only. */
static void test_server_waits_for_its_turn(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 2, 500);
	sc.server.max_concurrent = 1;
	sc.server.think = AL_DIST_FIXED_AT(200 * US);
	sc.machine.cores = 1;
	sc.machine.costs.parse_ns_per_kib = 500 * US;   /* a page is < 1 KiB */
	run(&sc, AL_MODEL_CALLBACK, &a);
	sc.machine.host_server = true;
	sc.machine.costs.server_request_ns = 100 * US;
	run(&sc, AL_MODEL_CALLBACK, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 2 * 100 * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	/* the crawler slept once more, for the second page's work */
	assert_int_equal(b.context_switches - a.context_switches, 1);
}

/* With the server and links the run is still a function of its scenario. */
static void test_same_twice(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	al_scenario_default(&sc);
	sc.workload.pages = 50;
	sc.machine.cores = 2;
	sc.machine.host_server = true;
	sc.machine.host_links = 2;
	sc.machine.host_emulator = AL_HOST_EMU_SHARED;
	sc.machine.costs.emulator_packet_ns = 9 * US;
	sc.machine.costs.connection_ns = 20 * US;
	sc.machine.costs.recv_ns_per_kib = 400;
	sc.machine.costs.send_ns = 30 * US;
	sc.machine.costs.server_request_ns = 40 * US;
	sc.machine.costs.server_accept_ns = 18 * US;
	sc.machine.costs.relay_request_ns = 170 * US;
	sc.machine.costs.server_ns_per_kib = 1100;
	sc.machine.costs.relay_ns_per_kib = 5000;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		if (m == AL_MODEL_NONBLOCKING)
			continue;    /* spins through 50 pages of 300 ms: slow, same path */
		run(&sc, (enum al_model)m, &a);
		run(&sc, (enum al_model)m, &b);
		assert_memory_equal(&a, &b, sizeof a);
		assert_true(a.trace_hash != 0);
	}
}

/* A link that drops while the paced server's write of a page is queued
 * behind its thread's turn: the write's end finds the flow reset and
 * sends nothing (the run once aborted there).  The crawler, kept busy
 * by its parse, holds the server's thread off the second core past the
 * drop; every page ends, ok or failed. */
static void test_paced_write_after_link_down(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[256];

	(void)state;
	paced(&sc, 50, 8192);
	sc.network.bandwidth_bps = 100000000;
	sc.server.think = AL_DIST_FIXED_AT(1 * MS);
	sc.machine.costs.server_request_ns = 5 * MS;
	sc.machine.costs.server_ns_per_kib = 1 * MS;
	sc.machine.costs.parse_ns_per_kib = 10 * MS;
	sc.nevents = 2;
	sc.events[0] = (struct al_event_cfg){.at_ns = 333 * MS, .set = AL_EV_LINK_DOWN};
	sc.events[1] = (struct al_event_cfg){.at_ns = 400 * MS, .set = AL_EV_LINK_UP};
	assert_int_equal(sim_run_model(&sc, AL_MODEL_CALLBACK, &r, err, sizeof err), 0);
	assert_true(r.pages_failed > 0);
	assert_int_equal(r.pages_ok + r.pages_failed, 50);
}

/* A paced server's page whose link drops while the server thinks it
 * over was never written: its reset reaches the crawler as soon without
 * a server price as with one (the server's work is its write's alone,
 * not the gate's).  One page: the request reaches the server at 15 ms,
 * its think ends at 17; the link drops at 16. */
static void test_paced_unwritten_costs_nothing(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	char err[256];

	(void)state;
	paced(&sc, 1, 1000);
	sc.nevents = 2;
	sc.events[0] = (struct al_event_cfg){.at_ns = 16 * MS, .set = AL_EV_LINK_DOWN};
	sc.events[1] = (struct al_event_cfg){.at_ns = 100 * MS, .set = AL_EV_LINK_UP};
	assert_int_equal(sim_run_model(&sc, AL_MODEL_SYNC, &a, err, sizeof err), 0);
	sc.machine.costs.server_request_ns = 500 * US;
	sc.machine.costs.server_ns_per_kib = 1024;
	assert_int_equal(sim_run_model(&sc, AL_MODEL_SYNC, &b, err, sizeof err), 0);
	assert_int_equal(a.pages_failed, 1);
	assert_int_equal(b.pages_failed, 1);
	assert_int_equal(b.elapsed_ns, a.elapsed_ns);
}

/* A paced server's write is the page's price less the accept, which it
 * paid at connect (on its own core, long before the request): one page
 * of a sync crawler is later by exactly server_request - server_accept
 * and the per-KiB part than with no server price at all. */
static void test_paced_write_less_accept(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	paced(&sc, 1, 1000);
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.costs.server_accept_ns = 40 * US;
	sc.machine.costs.server_request_ns = 100 * US;
	sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 60 * US + response(1000));
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.checksum, a.checksum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_kib_price),
		cmocka_unit_test(test_connection_and_recv_charged),
		cmocka_unit_test(test_host_programs_hold_the_response),
		cmocka_unit_test(test_link_is_a_queue),
		cmocka_unit_test(test_server_accepts_at_connect),
		cmocka_unit_test(test_server_wakes_when_asleep),
		cmocka_unit_test(test_paced_server_pays_once),
		cmocka_unit_test(test_paced_slot_frees_at_write),
		cmocka_unit_test(test_paced_write_after_link_down),
		cmocka_unit_test(test_paced_unwritten_costs_nothing),
		cmocka_unit_test(test_paced_write_less_accept),
		cmocka_unit_test(test_turn_end),
		cmocka_unit_test(test_server_waits_for_its_turn),
		cmocka_unit_test(test_same_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
