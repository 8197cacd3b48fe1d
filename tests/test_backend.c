/* The backends as objects (app/backend.h): the simulator's runs every
 * model exactly as sim_run_model does, traced or not; the wrappers of the
 * ops a backend leaves out do nothing and say it did not break; and the
 * descriptors say what `run` relies on (names, labels, which may run
 * models in processes at once).  Real sockets are tests/e2e_real.sh's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "app/backend.h"
#include "sim/sim_run.h"

static void test_sim_backend_runs_as_sim_run(void **state)
{
	struct al_scenario sc;

	(void)state;
	al_scenario_default(&sc);
	sc.workload.pages = 3;
	assert_int_equal(al_backend_start(&al_backend_sim, NULL, &sc, NULL, NULL, 0), 0);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct al_report a, b, c;
		struct al_trace tr;
		char ea[256] = "", eb[256] = "";

		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		memset(&c, 0, sizeof c);
		assert_int_equal(sim_run_model(&sc, (enum al_model)m, &a, ea, sizeof ea), 0);
		assert_int_equal(al_backend_run(&al_backend_sim, NULL, &sc, (enum al_model)m, &b,
						NULL, eb, sizeof eb), 0);
		assert_memory_equal(&a, &b, sizeof a);
		assert_string_equal(ea, eb);
		/* traced: the same figures, and the trace the report's hash says */
		assert_int_equal(al_trace_init(&tr, AL_TRACE_RECORD), 0);
		assert_int_equal(al_backend_run(&al_backend_sim, NULL, &sc, (enum al_model)m, &c,
						&tr, eb, sizeof eb), 0);
		assert_int_equal(c.elapsed_ns, a.elapsed_ns);
		assert_int_equal(c.pages_ok, 3);
		assert_true(c.trace_hash == a.trace_hash);
		assert_true(al_trace_hash(&tr) == c.trace_hash);
		assert_true(tr.n > 0);
		al_trace_free(&tr);
		assert_int_equal(al_backend_broke(&al_backend_sim, NULL, (enum al_model)m, &b), 0);
	}
	al_backend_stop(&al_backend_sim, NULL);
}

static void test_descriptors(void **state)
{
	(void)state;
	assert_string_equal(al_backend_sim.name, "sim");
	assert_string_equal(al_backend_real.name, "real");
	assert_string_equal(al_backend_sim.label, "");
	assert_string_equal(al_backend_real.label, "real: ");
	/* the simulator's models may run in processes at once (run -j);
	 * real runs share one machine and one server: one after the other */
	assert_true(al_backend_sim.parallel);
	assert_false(al_backend_real.parallel);
	assert_non_null(al_backend_sim.run);
	assert_non_null(al_backend_real.run);
	assert_non_null(al_backend_real.start);
	assert_non_null(al_backend_real.stop);
	assert_non_null(al_backend_real.broke);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_backend_runs_as_sim_run),
		cmocka_unit_test(test_descriptors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
