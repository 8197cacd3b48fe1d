/* The packet emulator's queue logic (net/net_emu.c) on a fake clock: each
 * case pushes packets at given times and checks when each comes out (or
 * that it was dropped), the times derived by hand from the model in
 * net_emu.h, not from the code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "net/net_emu.h"

#define MS INT64_C(1000000)
#define US INT64_C(1000)
#define NOPE (-1)                    /* expected: never comes out */
#define MAXP 16

struct emu_case {
	const char *name;
	struct net_emu_cfg cfg;
	int n;
	int64_t push_at[MAXP];           /* ns, non-decreasing */
	uint32_t len[MAXP];
	int64_t out_at[MAXP];            /* when packet i is due, or NOPE */
	int64_t dropped;
};

#define FIXED0 AL_DIST_FIXED_AT(0)

static const struct emu_case cases[] = {
	{"delay only: each packet d later, in order",
	 {.delay_ns = 75 * MS, .jitter = FIXED0, .queue = 1000}, 3,
	 {0, 1 * MS, 1 * MS}, {1500, 52, 1500},
	 {75 * MS, 76 * MS, 76 * MS}, 0},
	/* 1500 bytes at 12 Mbit/s: 1 ms each; they reach the link at 10 ms
	 * and leave back to back */
	{"bandwidth: serialised back to back after the delay",
	 {.delay_ns = 10 * MS, .jitter = FIXED0, .bandwidth_bps = 12000000, .queue = 1000}, 3,
	 {0, 0, 0}, {1500, 1500, 1500},
	 {11 * MS, 12 * MS, 13 * MS}, 0},
	/* a gap: the link is idle when the third arrives */
	{"bandwidth: an idle link sends at once",
	 {.delay_ns = 0, .jitter = FIXED0, .bandwidth_bps = 12000000, .queue = 1000}, 3,
	 {0, 0, 5 * MS}, {1500, 750, 1500},
	 {1 * MS, 1500 * US, 6 * MS}, 0},
	/* queue of 2: packets 0 (sending) and 1 (waiting) fill it; 2 and 3
	 * are refused; at 1 ms packet 0 leaves, so 4 (arriving at 1 ms) fits */
	{"drop-tail: a full queue refuses, a departure makes room",
	 {.delay_ns = 0, .jitter = FIXED0, .bandwidth_bps = 12000000, .queue = 2}, 5,
	 {0, 0, 0, 0, 1 * MS}, {1500, 1500, 1500, 1500, 1500},
	 {1 * MS, 2 * MS, NOPE, NOPE, 3 * MS}, 2},
	/* jitter uniform 0..50 ms draws differently per packet, but no packet
	 * overtakes: out times never decrease (checked below for every case) */
	{"jitter keeps FIFO order",
	 {.delay_ns = 5 * MS, .jitter = {AL_DIST_UNIFORM, 0, 50 * MS}, .queue = 1000}, 8,
	 {0, 0, 0, 0, 0, 0, 0, 0}, {100, 100, 100, 100, 100, 100, 100, 100},
	 {0}, 0},
	{"bandwidth 0: unlimited, no queue limit",
	 {.delay_ns = 1 * MS, .jitter = FIXED0, .bandwidth_bps = 0, .queue = 1}, 3,
	 {0, 0, 0}, {1500, 1500, 1500},
	 {1 * MS, 1 * MS, 1 * MS}, 0},
};

static void run_case(const struct emu_case *c)
{
	struct net_emu_dir d;
	struct net_emu_pkt *got[MAXP] = {0};
	int64_t when[MAXP];

	net_emu_init(&d, &c->cfg, 7, 0);
	for (int i = 0; i < c->n; i++) {
		struct net_emu_pkt *p = net_emu_pkt_new(c->len[i]);
		assert_non_null(p);
		memset(p->data, i, c->len[i]);
		assert_int_equal(net_emu_push(&d, c->push_at[i], p), 0);
	}
	/* step the fake clock to each next event, as the emulator's loop does */
	int k = 0;
	int64_t now = 0;
	while (net_emu_next(&d) != INT64_MAX) {
		int64_t next = net_emu_next(&d);
		now = next > now ? next : now;
		struct net_emu_pkt *p;
		while ((p = net_emu_pop(&d, now)) != NULL) {
			assert_true(k < c->n);
			when[k] = p->at;
			got[k++] = p;
		}
	}
	assert_int_equal(d.st.dropped, c->dropped);
	assert_int_equal(d.st.held, 0);
	assert_int_equal(k + c->dropped, c->n);
	int j = 0;
	for (int i = 0; i < c->n; i++) {
		if (c->cfg.jitter.kind != AL_DIST_FIXED) {
			assert_true(got[i]->data[0] == i);   /* FIFO */
			if (i > 0)
				assert_true(when[i] >= when[i - 1]);
			assert_true(when[i] >= c->push_at[i] + c->cfg.delay_ns);
			continue;
		}
		if (c->out_at[i] == NOPE)
			continue;
		assert_true(j < k);
		assert_int_equal(got[j]->data[0], i);
		assert_int_equal(when[j], c->out_at[i]);
		j++;
	}
	for (int i = 0; i < k; i++)
		net_emu_pkt_free(got[i]);
	net_emu_free(&d);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("  %s\n", cases[i].name);
		run_case(&cases[i]);
	}
}

/* Whether the clock is looked at late or often, the queue decides the
 * same: a burst into a small queue, popped once at the end vs stepped. */
static void test_late_look_same_decisions(void **state)
{
	(void)state;
	struct net_emu_cfg cfg = {.delay_ns = 2 * MS, .jitter = FIXED0,
				  .bandwidth_bps = 12000000, .queue = 3};
	int64_t out[2][40];
	int nout[2] = {0, 0};

	for (int mode = 0; mode < 2; mode++) {
		struct net_emu_dir d;
		net_emu_init(&d, &cfg, 1, 0);
		for (int i = 0; i < 40; i++) {
			struct net_emu_pkt *p = net_emu_pkt_new(1500);
			assert_non_null(p);
			assert_int_equal(net_emu_push(&d, i * 500 * US, p), 0);
			if (mode == 0) {
				struct net_emu_pkt *q;
				while ((q = net_emu_pop(&d, i * 500 * US)) != NULL) {
					out[0][nout[0]++] = q->at;
					net_emu_pkt_free(q);
				}
			}
		}
		struct net_emu_pkt *q;
		while ((q = net_emu_pop(&d, INT64_MAX - 1)) != NULL) {
			out[mode][nout[mode]++] = q->at;
			net_emu_pkt_free(q);
		}
		/* 2 packets arrive per ms, 1 leaves: the queue of 3 fills and
		 * about half are dropped */
		assert_true(d.st.dropped > 10);
		assert_int_equal(d.st.dropped + nout[mode], 40);
		net_emu_free(&d);
	}
	assert_int_equal(nout[0], nout[1]);
	for (int i = 0; i < nout[0]; i++)
		assert_int_equal(out[0][i], out[1][i]);
}

/* Loss: about loss * n packets lost, the same ones for the same seed,
 * other ones for another seed; loss 0 loses none. */
static void test_loss_counts(void **state)
{
	(void)state;
	struct { double loss; uint64_t seed; int64_t lo, hi; } t[] = {
		{0.0, 1, 0, 0}, {0.05, 1, 400, 600}, {0.5, 2, 4800, 5200}, {1.0, 3, 10000, 10000},
	};
	for (size_t c = 0; c < sizeof t / sizeof t[0]; c++) {
		struct net_emu_cfg cfg = {.jitter = FIXED0, .queue = 1000, .loss = t[c].loss};
		unsigned char lost[2][10000];
		for (int run = 0; run < 2; run++) {
			struct net_emu_dir d;
			net_emu_init(&d, &cfg, t[c].seed, 0);
			for (int i = 0; i < 10000; i++) {
				struct net_emu_pkt *p = net_emu_pkt_new(40);
				assert_non_null(p);
				lost[run][i] = (unsigned char)net_emu_push(&d, i, p);
				struct net_emu_pkt *q = net_emu_pop(&d, i);
				assert_true(lost[run][i] ? q == NULL : q != NULL);
				net_emu_pkt_free(q);
			}
			assert_true(d.st.lost >= t[c].lo && d.st.lost <= t[c].hi);
			net_emu_free(&d);
		}
		assert_memory_equal(lost[0], lost[1], sizeof lost[0]);
	}
	/* another stream (the other direction) loses other packets */
	struct net_emu_cfg cfg = {.jitter = FIXED0, .queue = 1000, .loss = 0.5};
	struct net_emu_dir a, b;
	int differ = 0;
	net_emu_init(&a, &cfg, 9, 0);
	net_emu_init(&b, &cfg, 9, 2);
	for (int i = 0; i < 64; i++) {
		struct net_emu_pkt *p = net_emu_pkt_new(1), *q = net_emu_pkt_new(1);
		assert_true(p && q);
		differ += net_emu_push(&a, 0, p) != net_emu_push(&b, 0, q);
	}
	assert_true(differ > 0);
	net_emu_free(&a);
	net_emu_free(&b);
}

static void test_tx_time(void **state)
{
	(void)state;
	assert_int_equal(net_emu_tx_ns(1500, 12000000), 1 * MS);
	assert_int_equal(net_emu_tx_ns(1, 3), 2666666667);   /* rounded up */
	assert_int_equal(net_emu_tx_ns(1500, 0), 0);
	assert_int_equal(net_emu_tx_ns(1375, 10000000), 1100 * US);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_late_look_same_decisions),
		cmocka_unit_test(test_loss_counts),
		cmocka_unit_test(test_tx_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
