/* The path's order (sim_net_order.c) alone, on a bare struct sim_net
 * with a jitter: no link, no flows (test_sim_fifo.c has the path's order
 * in the simulator's runs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/al_dist.h"
#include "sim/sim_net.h"
#include "sim/sim_net_int.h"

/* The path's order (sim_net_order.c), alone: a direction holds a packet
 * back behind the latest arrival of those sent no later than it, and
 * only those, whatever order their ways were drawn in. */
static void test_order_of_sends(void **state)
{
	struct sim_net n;

	(void)state;
	memset(&n, 0, sizeof n);
	n.jittery = n.drawn = 1;      /* a path with a jitter */
	/* an ACKs' batch draws its way down before its segments leave */
	assert_int_equal(sim_net_order_at(&n, 0, 0, 100, 500), 500);
	/* sent before it: not held back by it */
	assert_int_equal(sim_net_order_at(&n, 0, 0, 50, 300), 300);
	assert_int_equal(sim_net_order_at(&n, 0, 0, 60, 250), 300);
	assert_int_equal(sim_net_order_at(&n, 0, 0, 70, 450), 450);
	assert_int_equal(sim_net_order_at(&n, 0, 0, 80, 420), 450);
	/* sent after it: behind it */
	assert_int_equal(sim_net_order_at(&n, 0, 0, 120, 400), 500);
	assert_int_equal(sim_net_order_at(&n, 0, 0, 130, 520), 520);
	/* the other direction is a path of its own */
	assert_int_equal(sim_net_order_at(&n, 1, 0, 140, 200), 200);
	/* what has arrived by now holds nothing back */
	assert_int_equal(sim_net_order_at(&n, 0, 460, 461, 470), 520);
	assert_int_equal(sim_net_order_at(&n, 0, 600, 601, 650), 650);
	/* many in flight, sent in order, each later than the last */
	for (int64_t i = 0; i < 1000; i++)
		assert_int_equal(sim_net_order_at(&n, 1, 700, 700 + i, 900 + 2 * i), 900 + 2 * i);
	assert_int_equal(sim_net_order_at(&n, 1, 700, 1200, 1000), 1900);
	assert_int_equal(sim_net_order_at(&n, 1, 2000, 2001, 2100), 900 + 2 * 999);
	assert_int_equal(sim_net_order_at(&n, 1, 2900, 2901, 2950), 2950);
	sim_net_order_free(&n);
}

/* sim_net_order_at against its definition, by brute force: every packet
 * arrives at the later of its own time and the arrivals of all those
 * sent at its send time or before, in its direction.  Random calls (the
 * clock moving on, sends at now or a little after, ways of 1 to 21),
 * both directions, the reference keeping every arrival.  Among them,
 * packets that overtake two or more sent after them (the array's removal
 * of several covered pairs). */
static void test_order_brute_force(void **state)
{
	enum { N = 20000 };
	static int64_t ps[2][N], pa[2][N];
	int np[2] = {0, 0};
	int64_t now = 0, several = 0;
	struct sim_net n;
	struct al_rng r;

	(void)state;
	memset(&n, 0, sizeof n);
	n.jittery = n.drawn = 1;
	al_rng_seed(&r, 42);
	for (int c = 0; c < N; c++) {
		int up = (int)al_rng_below(&r, 2);
		now += (int64_t)al_rng_below(&r, 3);
		int64_t sent = now + (int64_t)al_rng_below(&r, 6);
		int64_t at = sent + 1 + (int64_t)al_rng_below(&r, 21), want = at;
		int covered = 0;
		for (int k = 0; k < np[up]; k++) {
			if (ps[up][k] <= sent && pa[up][k] > want)
				want = pa[up][k];
			if (ps[up][k] > sent && pa[up][k] > now && pa[up][k] <= at)
				covered++;
		}
		if (want == at && covered >= 2)
			several++;
		assert_int_equal(sim_net_order_at(&n, up, now, sent, at), want);
		ps[up][np[up]] = sent;
		pa[up][np[up]++] = want;
	}
	assert_true(several > 100);
	sim_net_order_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_of_sends),
		cmocka_unit_test(test_order_brute_force),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
