/* multiloop on a zero-cost machine (tests/test_sim_run.c's method): with
 * no CPU costs it is asyncio to the nanosecond, however many loops; with
 * a loop's semaphore of L, K loops go in rounds of K x L pages; with CPU
 * work per page, K loops on K cores divide it by K, one core or the GIL
 * serialises it again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sim/sim_run.h"
#include "core/al_http.h"
#include "core/al_scenario.h"

#define MS 1000000LL

static void fixed(struct al_scenario *sc, int64_t pages, int64_t rtt, int64_t think,
		  int64_t size, int64_t bps)
{
	al_scenario_default(sc);
	memset(&sc->machine.costs, 0, sizeof sc->machine.costs); /* no CPU costs */
	sc->workload.pages = pages;
	sc->network.rtt_ns = rtt;
	sc->network.bandwidth_bps = bps;
	sc->network.tcp = AL_TCP_FLUID;
	sc->server.think = AL_DIST_FIXED_AT(think);
	sc->server.page_size = AL_DIST_FIXED_AT(size);
}

/* The fluid TCP: k responses at once share the link from their first byte
 * and end together, after one page's delays and k transfers. */
static int64_t at_once_ns(const struct al_scenario *sc, int64_t k)
{
	char head[256];
	int64_t total = al_http_header(head, sizeof head, sc->server.page_size.a) +
			(int64_t)sc->server.page_size.a;

	return 2 * sc->network.rtt_ns + (int64_t)sc->server.think.a +
	       k * total * 8 * 1000000000 / sc->network.bandwidth_bps;
}

static void run(const struct al_scenario *sc, enum al_model m, struct al_report *r)
{
	char err[512];

	assert_int_equal(sim_run_model(sc, m, r, err, sizeof err), 0);
	assert_int_equal(r->pages_ok, sc->workload.pages);
	assert_int_equal(r->pages_failed, 0);
}

/* No CPU costs: whatever the loops and cores, every page is in flight at
 * once, as under asyncio: one page's delays and N transfers. */
static void test_zero_cost_is_asyncio(void **state)
{
	static const struct {
		int64_t pages, rtt, think, size, bps;
	} cases[] = {
		{24, 40 * MS, 7 * MS, 1000, 80000000},
		{10, 150 * MS, 20 * MS, 1256, 80000000},
		{7, 1 * MS, 0, 4096, 8000000000},
	};
	struct al_scenario sc;
	struct al_report a, r;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, cases[i].pages, cases[i].rtt, cases[i].think, cases[i].size,
		      cases[i].bps);
		sc.machine.cores = 8;
		run(&sc, AL_MODEL_ASYNCIO, &a);
		assert_int_equal(a.elapsed_ns, at_once_ns(&sc, cases[i].pages));
		for (int k = 1; k <= 9; k++) {
			sc.models[AL_MODEL_MULTILOOP].loops = k;
			run(&sc, AL_MODEL_MULTILOOP, &r);
			assert_int_equal(r.elapsed_ns, a.elapsed_ns);
			assert_int_equal(r.bytes, a.bytes);
			assert_int_equal(r.checksum, a.checksum);
			assert_int_equal(r.peak_concurrency, cases[i].pages);
		}
	}
}

/* limit is each loop's semaphore: K loops of L go in rounds of K x L
 * pages at once. */
static void test_limit_is_per_loop(void **state)
{
	static const struct {
		int64_t pages, loops, limit;
	} cases[] = {{24, 3, 2}, {24, 4, 3}, {12, 1, 4}, {30, 5, 1}};
	struct al_scenario sc;
	struct al_report r;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t wave = cases[i].loops * cases[i].limit;

		fixed(&sc, cases[i].pages, 40 * MS, 7 * MS, 1000, 80000000);
		sc.machine.cores = 8;
		sc.models[AL_MODEL_MULTILOOP].loops = (int)cases[i].loops;
		sc.models[AL_MODEL_MULTILOOP].limit = cases[i].limit;
		run(&sc, AL_MODEL_MULTILOOP, &r);
		assert_int_equal(r.elapsed_ns, cases[i].pages / wave * at_once_ns(&sc, wave));
		assert_int_equal(r.peak_concurrency, wave);
	}
}

/* The loops' CPU, each loop's work in one burst (its responses all in
 * at once): the run queue hands loop after loop, in the order they were
 * made, to the core free first -- list scheduling; the last core to finish
 * ends the run.  Loop j's pages are those i < n with i mod k == j. */
static int64_t list_schedule(int64_t n, int k, int cores, int64_t per_page)
{
	int64_t free_at[8] = {0}, end = 0;

	for (int j = 0; j < k; j++) {
		int c = 0;
		for (int i = 1; i < cores; i++)
			if (free_at[i] < free_at[c])
				c = i;
		free_at[c] += (n - j + k - 1) / k * per_page;
		end = free_at[c] > end ? free_at[c] : end;
	}
	return end;
}

/* P ns of CPU a page (its parse), every response in at once: one loop
 * parses N x P after the network's time; K loops on C cores divide it as
 * the run queue deals them to the cores, P x N / K each when K divides N
 * and C divides K.  The CPU busy is N x P however it is divided. */
static void test_cpu_divides_by_cores(void **state)
{
	static const int64_t P = 1 * MS, N = 24;
	struct al_scenario sc;
	struct al_report r;

	(void)state;
	fixed(&sc, N, 40 * MS, 7 * MS, 1000, 80000000);
	sc.machine.costs.parse_ns_per_kib = P;      /* 1000-byte pages: one KiB */
	for (int c = 1; c <= 8; c *= 2) {
		sc.machine.cores = c;
		run(&sc, AL_MODEL_ASYNCIO, &r);
		assert_int_equal(r.elapsed_ns, at_once_ns(&sc, N) + N * P);
		for (int k = 1; k <= 8; k++) {
			sc.models[AL_MODEL_MULTILOOP].loops = k;
			run(&sc, AL_MODEL_MULTILOOP, &r);
			assert_int_equal(r.elapsed_ns, at_once_ns(&sc, N) + list_schedule(N, k, c, P));
			assert_int_equal(r.cpu_busy_ns, N * P);
		}
	}
	/* the even cases, by hand: 8 loops on 8 cores, 3 pages each */
	assert_int_equal(list_schedule(N, 8, 8, P), 3 * P);
	assert_int_equal(list_schedule(N, 8, 2, P), 12 * P);
	assert_int_equal(list_schedule(N, 3, 2, P), 16 * P);
}

/* Python's GIL: the loops are threads of one process, one of them runs
 * Python at a time -- eight loops on eight cores parse no faster than
 * one.  Without it (gil: false) they divide the work by eight. */
static void test_gil_serialises_the_loops(void **state)
{
	static const int64_t P = 1 * MS, N = 24;
	struct al_scenario sc;
	struct al_report r;

	(void)state;
	fixed(&sc, N, 40 * MS, 7 * MS, 1000, 80000000);
	sc.machine.costs.parse_ns_per_kib = P;
	sc.machine.costs.gil_interval_ns = 5 * MS;
	sc.machine.cores = 8;
	sc.models[AL_MODEL_MULTILOOP].loops = 8;
	run(&sc, AL_MODEL_MULTILOOP, &r);
	assert_int_equal(r.elapsed_ns, at_once_ns(&sc, N) + N * P);
	sc.models[AL_MODEL_MULTILOOP].gil = false;
	run(&sc, AL_MODEL_MULTILOOP, &r);
	assert_int_equal(r.elapsed_ns, at_once_ns(&sc, N) + N / 8 * P);
}

/* loops default to the cores, and never exceed the pages: a loop costs a
 * thread (its creation, on the main thread) and a selector. */
static void test_loops_default_to_cores(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 24, 40 * MS, 7 * MS, 1000, 80000000);
	sc.machine.costs.parse_ns_per_kib = 1 * MS;
	sc.machine.cores = 4;
	run(&sc, AL_MODEL_MULTILOOP, &a);               /* loops: 0, the cores */
	sc.models[AL_MODEL_MULTILOOP].loops = 4;
	run(&sc, AL_MODEL_MULTILOOP, &b);
	assert_int_equal(a.elapsed_ns, b.elapsed_ns);
	assert_int_equal(a.trace_hash, b.trace_hash);
	/* 3 pages, 8 loops asked: 3 threads, their creation on the main one */
	fixed(&sc, 3, 40 * MS, 7 * MS, 1000, 80000000);
	sc.machine.cores = 8;
	sc.machine.costs.thread_create_ns = 1 * MS;
	sc.models[AL_MODEL_MULTILOOP].loops = 8;
	run(&sc, AL_MODEL_MULTILOOP, &a);
	assert_int_equal(a.cpu_busy_ns, 3 * MS);
}

/* The same scenario twice: the same bytes, with every cost of the python
 * profile, drawn think times and sizes, eight loops on eight cores. */
static void test_deterministic(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	al_scenario_default(&sc);
	sc.workload.pages = 200;
	sc.machine.cores = 8;
	sc.server.think = (struct al_dist){AL_DIST_LOGNORMAL, 20.0 * MS, 0.8};
	sc.server.page_size = (struct al_dist){AL_DIST_UNIFORM, 1000, 50000};
	sc.models[AL_MODEL_MULTILOOP].gil = false;
	run(&sc, AL_MODEL_MULTILOOP, &a);
	run(&sc, AL_MODEL_MULTILOOP, &b);
	assert_memory_equal(&a, &b, sizeof a);
	assert_true(a.trace_hash != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_cost_is_asyncio),
		cmocka_unit_test(test_limit_is_per_loop),
		cmocka_unit_test(test_cpu_divides_by_cores),
		cmocka_unit_test(test_gil_serialises_the_loops),
		cmocka_unit_test(test_loops_default_to_cores),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
