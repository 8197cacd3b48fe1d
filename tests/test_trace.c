/* The trace hash sees every field; hash-only mode stores nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/al_trace.h"

static uint64_t run(enum al_trace_mode mode, int tweak, size_t *stored)
{
	struct al_trace tr;

	assert_int_equal(al_trace_init(&tr, mode), 0);
	uint32_t a = al_trace_lane(&tr, 0, AL_LANE_TASK, 0, "fetch", 1);
	uint32_t b = al_trace_lane(&tr, 5, AL_LANE_TASK, 0, "fetch", 2);
	al_trace_state(&tr, 10, a, AL_ST_CONNECT, 0);
	al_trace_state(&tr, 10 + (tweak == 1), b, AL_ST_CONNECT, 0);
	al_trace_state(&tr, 20, a, tweak == 2 ? AL_ST_SEND : AL_ST_RECV, 0);
	al_trace_state(&tr, 30, b, AL_ST_RECV, tweak == 3 ? 4097 : 4096);
	al_trace_counter(&tr, 30, AL_CTR_SOCKETS, 2);
	al_trace_instant(&tr, 40, tweak == 4 ? b : a, al_trace_name(&tr, "page"), 1);
	uint64_t h = al_trace_hash(&tr);
	*stored = tr.n;
	if (mode == AL_TRACE_RECORD) {
		assert_int_equal(tr.nlanes, 3);
		assert_string_equal(tr.names[tr.lanes[b].name], "fetch");
		assert_int_equal(tr.lanes[b].ordinal, 2);
	}
	al_trace_free(&tr);
	return h;
}

static void test_hash_sees_every_field(void **state)
{
	size_t n;

	(void)state;
	uint64_t base = run(AL_TRACE_RECORD, 0, &n);
	assert_int_equal(n, 8);
	assert_int_equal(run(AL_TRACE_RECORD, 0, &n), base);
	for (int tweak = 1; tweak <= 4; tweak++)
		assert_true(run(AL_TRACE_RECORD, tweak, &n) != base);
	assert_int_equal(run(AL_TRACE_HASH, 0, &n), base);
	assert_int_equal(n, 0);
	assert_int_equal(run(AL_TRACE_OFF, 0, &n), 0);
}

static void test_names_interned(void **state)
{
	struct al_trace tr;

	(void)state;
	assert_int_equal(al_trace_init(&tr, AL_TRACE_RECORD), 0);
	uint16_t x = al_trace_name(&tr, "x");
	assert_int_equal(al_trace_name(&tr, "x"), x);
	assert_true(al_trace_name(&tr, "y") != x);
	assert_int_equal(al_trace_name(&tr, ""), 0);
	/* the last one asked is tried first: every order gives the ids the
	 * first asks gave, and a string in a reused buffer is its content */
	uint16_t y = al_trace_name(&tr, "y");
	char buf[4] = "x";
	assert_int_equal(al_trace_name(&tr, buf), x);
	buf[0] = 'y';
	assert_int_equal(al_trace_name(&tr, buf), y);
	buf[0] = 'z';
	uint16_t z = al_trace_name(&tr, buf);
	assert_true(z != x && z != y && z != 0);
	assert_int_equal(al_trace_name(&tr, "y"), y);
	assert_int_equal(al_trace_name(&tr, "z"), z);
	assert_int_equal(al_trace_name(&tr, "x"), x);
	assert_int_equal(al_trace_name(&tr, "x"), x);
	assert_int_equal(al_trace_name(&tr, ""), 0);
	al_trace_free(&tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_sees_every_field),
		cmocka_unit_test(test_names_interned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
