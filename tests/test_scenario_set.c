/* `--set KEY=VALUE` (conf/scenario_set.c): values land where a file's would,
 * messages name the option, a failed set leaves the scenario alone, and on
 * a machine with no CPU costs a --set value changes elapsed exactly as the
 * formula says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "conf/scenario.h"
#include "sim/sim_run.h"
#include "core/al_http.h"

#define MS 1000000LL
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int set(struct al_scenario *sc, const char *const *sets, int n, char *err,
	       size_t errlen)
{
	return al_scenario_set(sc, sets, n, err, errlen);
}

static void test_values_land(void **state)
{
	static const char *const sets[] = {
		"network.rtt=50ms", "workload.pages=10k", "models.thread.workers=50",
		"machine.costs.connection=1 ms", "server.think={dist: uniform, min: 1ms, max: 3ms}",
		"network.rtt=60ms",          /* the later option wins */
		"models.asyncio.limit=7", "seed=9", "models=[sync, thread]",
	};
	struct al_scenario sc;
	char err[256];

	(void)state;
	al_scenario_default(&sc);
	assert_int_equal(set(&sc, sets, N(sets), err, sizeof err), 0);
	assert_int_equal(sc.network.rtt_ns, 60 * MS);
	assert_int_equal(sc.workload.pages, 10000);
	assert_int_equal(sc.models[AL_MODEL_THREAD].workers, 50);
	assert_int_equal(sc.machine.costs.connection_ns, 1 * MS);
	assert_int_equal(sc.server.think.kind, AL_DIST_UNIFORM);
	assert_int_equal(sc.models[AL_MODEL_ASYNCIO].limit, 7);
	assert_int_equal(sc.seed, 9);
	assert_true(sc.models[AL_MODEL_SYNC].enabled);
	assert_true(sc.models[AL_MODEL_THREAD].enabled);
	assert_false(sc.models[AL_MODEL_ASYNCIO].enabled);
	/* none: nothing changes */
	assert_int_equal(set(&sc, NULL, 0, err, sizeof err), 0);
}

static void test_messages(void **state)
{
	static const struct {
		const char *set, *want;
	} cases[] = {
		{"network.rtt=5 parsecs", "--set network.rtt=5 parsecs: unknown duration unit "
		 "'parsecs' (use ns, us, ms, s, min, h)"},
		{"network.rt=5ms", "--set network.rt=5ms: unknown key 'rt' in network "
		 "(did you mean 'rtt'?)"},
		{"models.thred.workers=5", "--set models.thred.workers=5: unknown model "
		 "'thred' (did you mean 'thread'?)"},
		{"models.thread.workers=0", "--set models.thread.workers=0: must be at "
		 "least 1 (got 0)"},
		{"network..rtt=1ms", "--set network..rtt=1ms: 'network..rtt' is not a key "
		 "path like network.rtt"},
		{"=1", "--set =1: expected KEY=VALUE, as in network.rtt=50ms"},
		{"machine.memory=1KiB", "--set machine.memory=1KiB: must be at least 1 MiB "
		 "(got 1 KiB)"},
		{"network=5ms", "--set network=5ms: expected a mapping of keys, not a value"},
	};
	struct al_scenario sc, before;
	char err[256];

	(void)state;
	al_scenario_default(&sc);
	before = sc;
	for (int i = 0; i < N(cases); i++) {
		const char *const sets[] = {"network.rtt=1ms", cases[i].set};

		assert_int_equal(set(&sc, sets, 2, err, sizeof err), -1);
		assert_string_equal(err, cases[i].want);
		/* the first option's value is not applied either */
		assert_memory_equal(&sc, &before, sizeof sc);
	}
}

/* One page over the fluid TCP with no CPU costs: connect and request take
 * a round trip each, then the think time and the transfer on the link. */
static int64_t page_ns(int64_t rtt, int64_t think, int64_t size, int64_t bps, int k)
{
	char head[256];
	int64_t total = al_http_header(head, sizeof head, size) + size;

	return 2 * rtt + think + k * total * 8 * 1000000000 / bps;
}

static void test_elapsed_by_formula(void **state)
{
	static const char *const sets[] = {
		"network.tcp=fluid", "network.jitter=0ms", "network.bandwidth=80 Mbit",
		"server.think=7ms", "server.page_size=20000 B", "network.rtt=40ms",
		"workload.pages=7", "models.thread.workers=3",
	};
	struct al_scenario sc;
	struct al_report r;
	char err[256];

	(void)state;
	al_scenario_default(&sc);
	memset(&sc.machine.costs, 0, sizeof sc.machine.costs);
	assert_int_equal(set(&sc, sets, N(sets), err, sizeof err), 0);
	/* sync: 7 pages one after the other */
	assert_int_equal(sim_run_model(&sc, AL_MODEL_SYNC, &r, err, sizeof err), 0);
	assert_int_equal(r.elapsed_ns, 7 * page_ns(40 * MS, 7 * MS, 20000, 80000000, 1));
	/* 3 threads: rounds of 3, 3 and 1 pages sharing the link */
	assert_int_equal(sim_run_model(&sc, AL_MODEL_THREAD, &r, err, sizeof err), 0);
	assert_int_equal(r.elapsed_ns, 2 * page_ns(40 * MS, 7 * MS, 20000, 80000000, 3) +
			 page_ns(40 * MS, 7 * MS, 20000, 80000000, 1));
	/* a second set moves it as the formula says */
	static const char *const more[] = {"network.rtt=10ms", "models.thread.workers=7"};
	assert_int_equal(set(&sc, more, N(more), err, sizeof err), 0);
	assert_int_equal(sim_run_model(&sc, AL_MODEL_THREAD, &r, err, sizeof err), 0);
	assert_int_equal(r.elapsed_ns, page_ns(10 * MS, 7 * MS, 20000, 80000000, 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_land),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_elapsed_by_formula),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
