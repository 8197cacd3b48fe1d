/* The event queue against a sorted reference: total (time, sequence)
 * order, FIFO among equal times, cancellation, sequence renumbering;
 * whether an event pushed now would be the next (sim_queue_before); the
 * reserved event, moved and cleared among the others. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core/al_dist.h"
#include "sim/sim_queue.h"

static void nop(void *arg, int64_t t)
{
	(void)arg;
	(void)t;
}

/* The reserved event's callback: what ran (its pop may give its own
 * callback, or the queue's for it once it joined the others). */
static uintptr_t res_ran;

static void res_cb(void *arg, int64_t t)
{
	(void)t;
	res_ran = (uintptr_t)arg;
}

/* Reference: every event gets a unique id = its push order; expected pop
 * order is by (t, id) among those not cancelled. */
struct ref {
	int64_t t;
	uintptr_t id;
	uint64_t token;
	int cancelled, popped;
};

/* res: the reserved event set or cleared at some steps too. */
static void check_against_reference_res(int n, int ties, uint32_t start_seq, int res)
{
	struct sim_queue q;
	struct al_rng rng;
	struct ref *r = calloc((size_t)n, sizeof *r);
	int pushed = 0, cur = -1;          /* cur: the reserved one's ref */
	int64_t now = 0;

	assert_int_equal(sim_queue_init(&q), 0);
	q.seq = start_seq;
	al_rng_seed(&rng, (uint64_t)n + start_seq);
	while (pushed < n || sim_queue_size(&q) > 0) {
		uint64_t op = al_rng_below(&rng, res ? 12 : 10);
		if (pushed < n && op >= 10) {
			/* the reserved event: moved (a new sequence), or
			 * cleared one time in four */
			if (cur >= 0 && !r[cur].popped)
				r[cur].cancelled = 1;
			cur = -1;
			if (al_rng_below(&rng, 4) == 0) {
				sim_queue_res_clear(&q);
				continue;
			}
			uint64_t span = ties == 1 || (ties == 2 && al_rng_below(&rng, 2)) ? 4 : 1000000;
			int64_t t = now + (int64_t)al_rng_below(&rng, span);
			r[pushed] = (struct ref){.t = t, .id = (uintptr_t)pushed};
			sim_queue_res_set(&q, t, res_cb, (void *)(uintptr_t)pushed);
			assert_true(sim_queue_res_on(&q));
			cur = pushed++;
		} else if (pushed < n && op < 6) {
			/* ties 2: half of them before everything pending (the
			 * front slots), the others anywhere */
			uint64_t span = ties == 1 || (ties == 2 && al_rng_below(&rng, 2)) ? 4 : 1000000;
			int64_t t = now + (int64_t)al_rng_below(&rng, span);
			r[pushed] = (struct ref){.t = t, .id = (uintptr_t)pushed};
			r[pushed].token = sim_queue_push(&q, t, nop, (void *)(uintptr_t)pushed);
			assert_true(r[pushed].token != 0);
			pushed++;
		} else if (op < 7 && pushed > 0) {
			int k = (int)al_rng_below(&rng, (uint64_t)pushed);
			sim_queue_cancel(&q, r[k].token); /* may be stale: ignored */
			if (!r[k].popped && r[k].token)   /* (0: a reserved one's) */
				r[k].cancelled = 1;
		} else {
			int64_t t;
			sim_fn fn;
			void *arg;
			/* sim_queue_before(probe): never yes when a live event
			 * is at or before it; yes when every event ever pushed
			 * and not popped (cancelled ones too) is after it */
			int64_t probe = now + (int64_t)al_rng_below(&rng, 8), live = INT64_MAX,
				all = INT64_MAX;
			for (int i = 0; i < pushed; i++) {
				if (!r[i].popped && r[i].t < all)
					all = r[i].t;
				if (!r[i].popped && !r[i].cancelled && r[i].t < live)
					live = r[i].t;
			}
			if (sim_queue_before(&q, probe))
				assert_true(probe < live);
			else
				assert_false(probe < all);
			if (!sim_queue_pop(&q, &t, &fn, &arg))
				continue;
			res_ran = UINTPTR_MAX;
			fn(arg, t);
			if (res_ran != UINTPTR_MAX) {
				/* the reserved one, and no longer reserved */
				arg = (void *)res_ran;
				assert_int_equal((uintptr_t)arg, (uintptr_t)cur);
				assert_false(sim_queue_res_on(&q));
				cur = -1;
			}
			/* the expected one: earliest (t, id) still waiting */
			int best = -1;
			for (int i = 0; i < pushed; i++)
				if (!r[i].cancelled && !r[i].popped &&
				    (best < 0 || r[i].t < r[best].t))
					best = i;
			assert_true(best >= 0);
			assert_int_equal((uintptr_t)arg, r[best].id);
			assert_int_equal(t, r[best].t);
			assert_true(t >= now);
			r[best].popped = 1;
			now = t;
		}
	}
	for (int i = 0; i < pushed; i++)
		assert_true(r[i].popped || r[i].cancelled);
	sim_queue_free(&q);
	free(r);
}

static void check_against_reference(int n, int ties, uint32_t start_seq)
{
	check_against_reference_res(n, ties, start_seq, 0);
}

static void test_order_random(void **state)
{
	(void)state;
	check_against_reference(3000, 0, 0);
}

static void test_order_many_ties(void **state)
{
	(void)state;
	check_against_reference(3000, 1, 0);
}

/* The reserved event among the others, in the same (time, sequence)
 * order as if pushed at each move: taken before the front, after it, from
 * the buckets' ties (where it joins them), through a renumbering. */
static void test_reserved(void **state)
{
	(void)state;
	for (int ties = 0; ties <= 2; ties++) {
		check_against_reference_res(3000, ties, 0, 1);
		check_against_reference_res(3000, ties, UINT32_MAX - 700, 1);
	}
}

/* Directed cases of the reserved event the random ones seldom reach (the
 * review's mutants passed them): whether a push now would come first
 * while the reserved event is held apart (t before it: yes; at or after
 * it: no, it was set first); a renumbering that spills it first, so it
 * still runs before an entry pushed later at its time; the link alone,
 * its reserved event popped from an otherwise empty queue. */
static intptr_t popped(struct sim_queue *q)
{
	int64_t t;
	sim_fn fn;
	void *arg;

	res_ran = 0;
	if (!sim_queue_pop(q, &t, &fn, &arg))
		return -1;
	fn(arg, t);
	return (intptr_t)res_ran;
}

static void test_reserved_directed(void **state)
{
	struct sim_queue q;

	(void)state;
	sim_queue_init(&q);
	sim_queue_res_set(&q, 10, res_cb, (void *)1);
	sim_queue_push(&q, 20, res_cb, (void *)2);
	assert_true(sim_queue_before(&q, 9));
	assert_false(sim_queue_before(&q, 10));
	assert_false(sim_queue_before(&q, 15));
	sim_queue_free(&q);

	sim_queue_init(&q);
	q.seq = UINT32_MAX - 1;
	sim_queue_res_set(&q, 10, res_cb, (void *)1);
	sim_queue_push(&q, 5, res_cb, (void *)2);
	sim_queue_push(&q, 10, res_cb, (void *)3);  /* renumbers first */
	assert_int_equal(popped(&q), 2);
	assert_int_equal(popped(&q), 1);
	assert_int_equal(popped(&q), 3);
	assert_int_equal(popped(&q), -1);
	sim_queue_free(&q);

	sim_queue_init(&q);
	for (int64_t t = 1; t <= 3; t++) {
		sim_queue_res_set(&q, t * 100, res_cb, (void *)(uintptr_t)t);
		assert_int_equal(sim_queue_size(&q), 1);
		assert_int_equal(popped(&q), t);
		assert_int_equal(sim_queue_size(&q), 0);
	}
	assert_int_equal(popped(&q), -1);
	sim_queue_free(&q);
}

static void test_sequence_wraps(void **state)
{
	(void)state;
	/* The 32-bit sequence runs out mid-run: renumbering keeps the order. */
	check_against_reference(3000, 1, UINT32_MAX - 700);
}

/* The front slots: an event due before every other one waits apart; a
 * still earlier one sends the last of them back to the buckets;
 * cancelled, it is a tombstone there too; a rebuild and a renumbering
 * take them along. */
static void test_order_front(void **state)
{
	(void)state;
	check_against_reference(3000, 2, 0);
	check_against_reference(3000, 2, UINT32_MAX - 700);
}

/* A front sent back to the buckets lands behind later events of its own
 * time (larger sequences): the bucket is sorted when it is taken, across
 * its blocks (300 events: three of them). */
static void test_front_sent_back(void **state)
{
	struct sim_queue q;
	int64_t t;
	sim_fn fn;
	void *arg;

	(void)state;
	assert_int_equal(sim_queue_init(&q), 0);
	sim_queue_push(&q, 10, nop, (void *)0);            /* the front */
	for (uintptr_t i = 1; i <= 300; i++)
		sim_queue_push(&q, 10, nop, (void *)i);    /* after it */
	sim_queue_push(&q, 5, nop, (void *)999);           /* sends it back */
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 1);
	assert_int_equal(t, 5);
	for (uintptr_t i = 0; i <= 300; i++) {
		assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 1);
		assert_int_equal(t, 10);
		assert_int_equal((uintptr_t)arg, i);
	}
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 0);
	sim_queue_free(&q);
}

/* The front's slots (SIM_QUEUE_FRONT, 4): each earlier push joins them
 * in order, the last going back to the buckets when they are full; one
 * after them all goes to the buckets; a tie in time stays behind the
 * earlier push; a cancelled front entry is skipped. */
static void test_front_slots(void **state)
{
	static const int64_t pushes[] = {50, 40, 30, 20, 10, 25, 35, 10, 30};
	static const uintptr_t want[] = {4, 7, 3, 5, 8, 6, 1, 0};   /* 2 cancelled */
	struct sim_queue q;
	uint64_t tok[9];
	int64_t t;
	sim_fn fn;
	void *arg;

	(void)state;
	assert_int_equal(SIM_QUEUE_FRONT, 4);
	assert_int_equal(sim_queue_init(&q), 0);
	for (uintptr_t i = 0; i < 9; i++)
		tok[i] = sim_queue_push(&q, pushes[i], nop, (void *)i);
	sim_queue_cancel(&q, tok[2]);
	assert_int_equal(sim_queue_before(&q, 9), 1);
	assert_int_equal(sim_queue_before(&q, 10), 0);
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 1);
		assert_int_equal((uintptr_t)arg, want[i]);
		assert_int_equal(t, pushes[want[i]]);
	}
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 0);
	sim_queue_free(&q);
}

static void test_empty_and_stale(void **state)
{
	struct sim_queue q;
	int64_t t;
	sim_fn fn;
	void *arg;

	(void)state;
	assert_int_equal(sim_queue_init(&q), 0);
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 0);
	uint64_t a = sim_queue_push(&q, 5, nop, NULL);
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 1);
	uint64_t b = sim_queue_push(&q, 6, nop, NULL); /* reuses a's slot */
	sim_queue_cancel(&q, a);                      /* stale: must not hit b */
	sim_queue_cancel(&q, 0);
	assert_int_equal(sim_queue_size(&q), 1);
	sim_queue_cancel(&q, b);
	assert_int_equal(sim_queue_size(&q), 0);
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 0);
	sim_queue_free(&q);
}

/* Times only grow in a simulation, and the queue relies on it; an event
 * scheduled before the last one taken, or after a cancelled last entry
 * emptied the queue, must still come out in (time, sequence) order. */
static void test_before_last_taken(void **state)
{
	struct sim_queue q;
	int64_t t;
	sim_fn fn;
	void *arg;

	(void)state;
	assert_int_equal(sim_queue_init(&q), 0);
	sim_queue_push(&q, 1000, nop, (void *)1);
	uint64_t late = sim_queue_push(&q, 900000, nop, (void *)2);
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 1);
	assert_int_equal(t, 1000);
	sim_queue_cancel(&q, late);
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 0); /* took the tombstone */
	sim_queue_push(&q, 2000, nop, (void *)3);                /* before it */
	sim_queue_push(&q, 70000, nop, (void *)4);
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 1);
	assert_int_equal(t, 2000);
	sim_queue_push(&q, 500, nop, (void *)5);                 /* before 2000 */
	sim_queue_push(&q, 500, nop, (void *)6);
	sim_queue_push(&q, 70000, nop, (void *)7);
	static const uintptr_t want[] = {5, 6, 4, 7};
	static const int64_t want_t[] = {500, 500, 70000, 70000};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 1);
		assert_int_equal((uintptr_t)arg, want[i]);
		assert_int_equal(t, want_t[i]);
	}
	assert_int_equal(sim_queue_pop(&q, &t, &fn, &arg), 0);
	sim_queue_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_random),
		cmocka_unit_test(test_order_many_ties),
		cmocka_unit_test(test_sequence_wraps),
		cmocka_unit_test(test_order_front),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_reserved_directed),
		cmocka_unit_test(test_front_sent_back),
		cmocka_unit_test(test_front_slots),
		cmocka_unit_test(test_empty_and_stale),
		cmocka_unit_test(test_before_last_taken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
