/* The RNG is reproducible and the distributions have their stated shape. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "core/al_dist.h"

static void test_stream_is_fixed(void **state)
{
	struct al_rng a, b;

	(void)state;
	al_rng_seed(&a, 42);
	al_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(al_rng_next(&a), al_rng_next(&b));
	/* The stream itself is part of the format: scenarios replay from it. */
	al_rng_seed(&a, 0);
	assert_int_equal(al_rng_next(&a), 0x99ec5f36cb75f2b4ull);
	al_rng_fork(&a, 42, 1);
	al_rng_fork(&b, 42, 2);
	assert_true(al_rng_next(&a) != al_rng_next(&b));
}

static void test_below_in_range(void **state)
{
	struct al_rng r;
	int seen[7] = {0};

	(void)state;
	al_rng_seed(&r, 7);
	for (int i = 0; i < 7000; i++) {
		uint64_t x = al_rng_below(&r, 7);
		assert_true(x < 7);
		seen[x]++;
	}
	for (int i = 0; i < 7; i++)
		assert_in_range(seen[i], 850, 1150);
}

/* The draws' mean, and al_dist_typical: the mean of the draws as
 * al_dist_draw clips them at 0 (the normal(0, 5) and the uniform that
 * reaches below 0), a Pareto's median (half its draws below it). */
static void test_means(void **state)
{
	static const struct {
		struct al_dist d;
		double mean, tol, min, typical;
	} cases[] = {
		{{AL_DIST_FIXED, 5, 0}, 5, 0, 5, 5},
		{{AL_DIST_UNIFORM, 10, 30}, 20, 0.2, 10, 20},
		{{AL_DIST_UNIFORM, -10, 30}, 11.25, 0.2, 0, 11.25},
		{{AL_DIST_NORMAL, 100, 10}, 100, 0.3, 0, 100},
		{{AL_DIST_NORMAL, 0, 5}, 1.9947114020071635, 0.03, 0, 1.9947114020071635},
		{{AL_DIST_LOGNORMAL, 20, 0.5}, 20 * 1.1331484530668263, 0.3, 0,
		 20 * 1.1331484530668263},
		{{AL_DIST_EXPONENTIAL, 50, 0}, 50, 1.0, 0, 50},
		{{AL_DIST_PARETO, 10, 3}, 15, 0.5, 10, 12.599210498948732},
	};
	struct al_rng r;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double sum = 0, typical = al_dist_typical(&cases[i].d);
		int below = 0;
		al_rng_seed(&r, 1);
		for (int k = 0; k < 200000; k++) {
			double x = al_dist_draw(&cases[i].d, &r);
			assert_true(x >= cases[i].min);
			sum += x;
			below += x < typical;
		}
		double mean = sum / 200000;
		assert_true(fabs(mean - cases[i].mean) <= cases[i].tol);
		assert_true(fabs(typical - cases[i].typical) < 1e-9);
		if (cases[i].d.kind == AL_DIST_PARETO)
			assert_in_range(below, 99000, 101000);
	}
}

static void test_never_negative(void **state)
{
	struct al_dist d = {AL_DIST_NORMAL, 1, 100};
	struct al_rng r;

	(void)state;
	al_rng_seed(&r, 3);
	for (int i = 0; i < 10000; i++)
		assert_true(al_dist_draw_i64(&d, &r) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_is_fixed),
		cmocka_unit_test(test_below_in_range),
		cmocka_unit_test(test_means),
		cmocka_unit_test(test_never_negative),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
