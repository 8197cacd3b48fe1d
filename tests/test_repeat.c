/* Repetitions (app/repeat.c): the running mean and sample standard
 * deviation against values worked out by hand, and the order of the runs
 * not mattering beyond rounding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "app/repeat.h"

static void test_stat(void **state)
{
	/* 2 4 4 4 5 5 7 9: mean 5, squares about it 32, sample sd sqrt(32/7) */
	static const double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
	struct al_stat s = {0}, r = {0};

	(void)state;
	assert_true(al_stat_sd(&s) == 0);
	for (int i = 0; i < 8; i++)
		al_stat_add(&s, v[i]);
	for (int i = 7; i >= 0; i--)
		al_stat_add(&r, v[i]);
	assert_int_equal(s.n, 8);
	assert_true(fabs(s.mean - 5) < 1e-12);
	assert_true(fabs(al_stat_sd(&s) - sqrt(32.0 / 7)) < 1e-12);
	assert_true(s.min == 2 && s.max == 9);
	assert_true(fabs(r.mean - s.mean) < 1e-12 && fabs(al_stat_sd(&r) - al_stat_sd(&s)) < 1e-12);
	/* one run: its value, no spread */
	struct al_stat one = {0};
	al_stat_add(&one, 3.25e9);
	assert_true(one.mean == 3.25e9 && al_stat_sd(&one) == 0 && one.min == one.max);
	/* large nanosecond values keep their precision */
	struct al_stat big = {0};
	al_stat_add(&big, 4000000001.0);
	al_stat_add(&big, 4000000003.0);
	assert_true(fabs(big.mean - 4000000002.0) < 1e-6);
	assert_true(fabs(al_stat_sd(&big) - sqrt(2.0)) < 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
