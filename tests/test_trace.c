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

/* A word of an event changed by any d != 0 mod 2^64 changes the chain:
 * B is odd.  Swapped events and a shifted tail change it too. */
static void test_one_word_always_changes_it(void **state)
{
	static const uint64_t ds[] = {1, 2, 1ull << 32, 1ull << 63, UINT64_MAX, 0x5555};

	(void)state;
	for (size_t k = 0; k < sizeof ds / sizeof *ds; k++) {
		for (int field = 0; field < 3; field++) {
			struct al_trace a, b;

			assert_int_equal(al_trace_init(&a, AL_TRACE_HASH), 0);
			assert_int_equal(al_trace_init(&b, AL_TRACE_HASH), 0);
			for (int i = 0; i < 50; i++) {
				int64_t t = 1000 * i, v = i * 7;
				uint32_t lane = (uint32_t)i % 5;

				al_trace_add(&a, t, lane, AL_TR_STATE, 2, 0, v);
				if (i == 20 && field == 0)
					t = (int64_t)((uint64_t)t + ds[k]);
				if (i == 20 && field == 1)
					v = (int64_t)((uint64_t)v + ds[k]);
				if (i == 20 && field == 2)
					lane += (uint32_t)ds[k] ? (uint32_t)ds[k] : 1;
				al_trace_add(&b, t, lane, AL_TR_STATE, 2, 0, v);
			}
			assert_true(al_trace_hash(&a) != al_trace_hash(&b));
			al_trace_free(&a);
			al_trace_free(&b);
		}
	}
	/* two events swapped, at every distance; the last k shifted by 1 ns */
	for (int dist = 1; dist < 40; dist++) {
		struct al_trace a, b, c;

		assert_int_equal(al_trace_init(&a, AL_TRACE_HASH), 0);
		assert_int_equal(al_trace_init(&b, AL_TRACE_HASH), 0);
		assert_int_equal(al_trace_init(&c, AL_TRACE_HASH), 0);
		for (int i = 0; i < 50; i++) {
			int j = i == 5 ? 5 + dist : i == 5 + dist ? 5 : i;

			al_trace_add(&a, 10 * i, 1, AL_TR_STATE, 0, 0, 0);
			al_trace_add(&b, 10 * j, 1, AL_TR_STATE, 0, 0, 0);
			al_trace_add(&c, 10 * i + (i >= 50 - dist), 1, AL_TR_STATE, 0, 0, 0);
		}
		assert_true(al_trace_hash(&a) != al_trace_hash(&b));
		assert_true(al_trace_hash(&a) != al_trace_hash(&c));
		al_trace_free(&a);
		al_trace_free(&b);
		al_trace_free(&c);
	}
}

/* Two events 2^14 and 2^22 apart with their names, their states or their
 * values swapped: the term's linear words cancelled there (a name sits at
 * bit 48 of its word, a state at bit 40) before the term mixed them. */
static void test_far_swaps_change_it(void **state)
{
	static const int dists[] = {1 << 14, 1 << 22};

	(void)state;
	for (size_t k = 0; k < sizeof dists / sizeof *dists; k++) {
		for (int field = 0; field < 3; field++) {
			struct al_trace a, b;
			int d = dists[k];

			assert_int_equal(al_trace_init(&a, AL_TRACE_HASH), 0);
			assert_int_equal(al_trace_init(&b, AL_TRACE_HASH), 0);
			for (int i = 0; i <= d; i++) {
				int one = i == 0, two = i == d;
				unsigned code = field == 1 ? (unsigned)(one ? 3 : two ? 5 : 0) : 0;
				uint16_t name = field == 0 ? (uint16_t)(one ? 3 : two ? 5 : 0) : 0;
				int64_t v = field == 2 ? (one ? 3 : two ? 5 : 0) : 0;
				/* b: the same, the two swapped */
				unsigned codeb = field == 1 ? (unsigned)(one ? 5 : two ? 3 : 0) : 0;
				uint16_t nameb = field == 0 ? (uint16_t)(one ? 5 : two ? 3 : 0) : 0;
				int64_t vb = field == 2 ? (one ? 5 : two ? 3 : 0) : 0;

				al_trace_add(&a, 0, 1, AL_TR_STATE, code, name, v);
				al_trace_add(&b, 0, 1, AL_TR_STATE, codeb, nameb, vb);
			}
			assert_true(al_trace_hash(&a) != al_trace_hash(&b));
			al_trace_free(&a);
			al_trace_free(&b);
		}
	}
}

/* al_trace_repeat's closed form (hash-only) against the events added one
 * by one: a round of 1 to 9 events, then it again 0 to 300 times and
 * some powers of 2 and their neighbours, offsets and steps negative,
 * zero and near the ends of int64 (the times wrap mod 2^64, as the
 * hash's words do). */
static void test_repeat_composes(void **state)
{
	static const int64_t ats[] = {0, 7, -123456789, INT64_MAX - 1000, INT64_MIN + 3};
	static const int64_t steps[] = {0, 1, 17, -5, 1ll << 40, INT64_MAX / 3};
	static const int64_t big[] = {511, 512, 513, 1023, 1024, 4097};
	struct al_tr_event ev[9];
	uint64_t x = 1;

	(void)state;
	for (size_t i = 0; i < 9; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		ev[i] = (struct al_tr_event){
			.t = (int64_t)(x >> 40) - (1 << 22), .value = i % 3 ? (int64_t)x : 0,
			.lane = (uint32_t)(x >> 13), .kind = (uint8_t)(i % 4),
			.code = (uint8_t)(x >> 7), .name = (uint16_t)(x >> 29),
		};
	}
	for (size_t n = 1; n <= 9; n++)
	for (size_t ia = 0; ia < sizeof ats / sizeof *ats; ia++)
	for (size_t is = 0; is < sizeof steps / sizeof *steps; is++) {
		struct al_trace one;
		uint64_t at = (uint64_t)ats[ia], step = (uint64_t)steps[is];

		assert_int_equal(al_trace_init(&one, AL_TRACE_HASH), 0);
		al_trace_add(&one, 3, 1, AL_TR_STATE, 1, 0, -1);
		for (int64_t m = 0; m <= 300 || (n == 3 && m <= 4097); m++) {
			/* round m, one event at a time */
			uint64_t a = at + (uint64_t)m * step;
			for (size_t i = 0; i < n; i++)
				al_trace_add(&one, (int64_t)(a + (uint64_t)ev[i].t), ev[i].lane,
					     (enum al_tr_kind)ev[i].kind, ev[i].code, ev[i].name,
					     ev[i].value);
			int check = m <= 300;
			for (size_t k = 0; k < sizeof big / sizeof *big; k++)
				check |= m == big[k];
			if (!check)
				continue;
			/* round 0, then it m times more */
			struct al_trace rep;
			assert_int_equal(al_trace_init(&rep, AL_TRACE_HASH), 0);
			al_trace_add(&rep, 3, 1, AL_TR_STATE, 1, 0, -1);
			struct al_trace_mark from = al_trace_where(&rep);
			for (size_t i = 0; i < n; i++)
				al_trace_add(&rep, (int64_t)(at + (uint64_t)ev[i].t), ev[i].lane,
					     (enum al_tr_kind)ev[i].kind, ev[i].code, ev[i].name,
					     ev[i].value);
			struct al_trace_mark to = al_trace_where(&rep);
			al_trace_repeat(&rep, &from, &to, (int64_t)step, (int64_t)step, m);
			assert_true(rep.hash == one.hash);
			assert_true(rep.count == one.count);
			al_trace_free(&rep);
		}
		al_trace_free(&one);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_sees_every_field),
		cmocka_unit_test(test_one_word_always_changes_it),
		cmocka_unit_test(test_far_swaps_change_it),
		cmocka_unit_test(test_repeat_composes),
		cmocka_unit_test(test_names_interned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
