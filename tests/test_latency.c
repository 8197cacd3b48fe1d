/* Per-page latencies (core/al_latency.c and the models' stamps): the
 * nearest-rank percentiles exact on small runs and within 1/1024 above on
 * large ones; and on a machine with no CPU costs, every model's connect,
 * time to first byte and total exact to the nanosecond, derived by
 * formula as tests/test_sim_run.c derives elapsed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/scenario.h"
#include "sim/sim_run.h"
#include "core/al_http.h"
#include "core/al_latency.h"

#define MS 1000000LL
#define SIM_MSS 1448                 /* sim_net.h's SIM_NET_MSS */

static void test_nearest_rank(void **state)
{
	struct al_lat_rec r;
	struct al_latency l;

	(void)state;
	/* 100 pages, values 1..100 ns in a shuffled order: p = the p-th */
	assert_int_equal(al_lat_init(&r, 100), 0);
	for (int64_t i = 0; i < 100; i++) {
		int64_t v = (i * 37) % 100 + 1;
		al_lat_add(&r, i, v, 2 * v, 3 * v);
	}
	al_lat_summary(&r, &l);
	assert_int_equal(l.pages, 100);
	assert_int_equal(l.of[AL_LAT_CONNECT].p50_ns, 50);
	assert_int_equal(l.of[AL_LAT_CONNECT].p90_ns, 90);
	assert_int_equal(l.of[AL_LAT_CONNECT].p99_ns, 99);
	assert_int_equal(l.of[AL_LAT_CONNECT].max_ns, 100);
	assert_int_equal(l.of[AL_LAT_TTFB].p90_ns, 180);
	assert_int_equal(l.of[AL_LAT_TOTAL].max_ns, 300);
	al_lat_free(&r);
	/* 10 pages of which 3 never ended ok: p50 of 7 is the 4th, p90 and
	 * p99 the 7th */
	assert_int_equal(al_lat_init(&r, 10), 0);
	for (int64_t i = 0; i < 7; i++)
		al_lat_add(&r, i, 10 * (7 - i), 0, 0);
	al_lat_summary(&r, &l);
	assert_int_equal(l.pages, 7);
	assert_int_equal(l.of[AL_LAT_CONNECT].p50_ns, 40);
	assert_int_equal(l.of[AL_LAT_CONNECT].p90_ns, 70);
	assert_int_equal(l.of[AL_LAT_CONNECT].p99_ns, 70);
	al_lat_free(&r);
	/* none: all zero */
	assert_int_equal(al_lat_init(&r, 5), 0);
	al_lat_summary(&r, &l);
	assert_int_equal(l.pages, 0);
	assert_int_equal(l.of[AL_LAT_TOTAL].max_ns, 0);
	al_lat_free(&r);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Many samples, spread over six bytes and with ties, some pages without
 * one: the summary's selection gives the nearest ranks a plain qsort
 * gives. */
static void test_many_ranks(void **state)
{
	enum { N = 20000 };
	static int64_t ref[3][N];
	struct al_lat_rec r;
	struct al_latency l;
	uint64_t x = 12345;
	int64_t n = 0;

	(void)state;
	assert_int_equal(al_lat_init(&r, N), 0);
	for (int64_t i = 0; i < N; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		if (x >> 60 == 0)
			continue;                /* no sample for this page */
		int64_t v = (int64_t)(x >> 19) >> (x >> 58 & 15);  /* 2^45 down */
		int64_t vs[3] = {v, v / 3 + 7, (int64_t)(x >> 40) % 1000};  /* ties */
		al_lat_add(&r, i, vs[0], vs[1], vs[2]);
		for (int k = 0; k < 3; k++)
			ref[k][n] = vs[k];
		n++;
	}
	assert_true(n > N / 2 && n < N);
	al_lat_summary(&r, &l);
	assert_int_equal(l.pages, n);
	for (int k = 0; k < 3; k++) {
		qsort(ref[k], (size_t)n, sizeof ref[k][0], cmp64);
		assert_int_equal(l.of[k].p50_ns, ref[k][(50 * n + 99) / 100 - 1]);
		assert_int_equal(l.of[k].p90_ns, ref[k][(90 * n + 99) / 100 - 1]);
		assert_int_equal(l.of[k].p99_ns, ref[k][(99 * n + 99) / 100 - 1]);
		assert_int_equal(l.of[k].max_ns, ref[k][n - 1]);
		/* the samples left in front (partitioned at the ranks, in
		 * some order), the rest -1 */
		qsort(r.exact[k], (size_t)n, sizeof r.exact[k][0], cmp64);
		for (int64_t i = 0; i < n; i++)
			assert_int_equal(r.exact[k][i], ref[k][i]);
		assert_int_equal(r.exact[k][N - 1], -1);
	}
	al_lat_free(&r);
}

/* The orders a quickselect may trip on -- sorted, reversed, all equal,
 * two values, an organ pipe -- and sizes around its insertion sort's:
 * the nearest ranks and the max a qsort gives. */
static void test_select_orders(void **state)
{
	static const int64_t sizes[] = {1, 2, 3, 16, 17, 18, 100, 1001, 5000};
	static int64_t ref[5000];

	(void)state;
	for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
		for (int order = 0; order < 5; order++) {
			int64_t n = sizes[si];
			struct al_lat_rec r;
			struct al_latency l;
			assert_int_equal(al_lat_init(&r, n), 0);
			for (int64_t i = 0; i < n; i++) {
				int64_t v = order == 0 ? i : order == 1 ? n - i : order == 2 ? 7
					  : order == 3 ? i % 2 : (i < n / 2 ? i : n - i);
				al_lat_add(&r, i, v, v * 3, v + 1000);
				ref[i] = v;
			}
			al_lat_summary(&r, &l);
			qsort(ref, (size_t)n, sizeof ref[0], cmp64);
			assert_int_equal(l.pages, n);
			assert_int_equal(l.of[0].p50_ns, ref[(50 * n + 99) / 100 - 1]);
			assert_int_equal(l.of[0].p90_ns, ref[(90 * n + 99) / 100 - 1]);
			assert_int_equal(l.of[0].p99_ns, ref[(99 * n + 99) / 100 - 1]);
			assert_int_equal(l.of[0].max_ns, ref[n - 1]);
			assert_int_equal(l.of[1].p90_ns, 3 * ref[(90 * n + 99) / 100 - 1]);
			assert_int_equal(l.of[2].p99_ns, 1000 + ref[(99 * n + 99) / 100 - 1]);
			assert_int_equal(l.of[2].max_ns, 1000 + ref[n - 1]);
			al_lat_free(&r);
		}
}

static void test_buckets(void **state)
{
	static const int64_t vs[] = {0, 1, 2047, 2048, 2049, 4095, 4096, 150011142,
				     (int64_t)1 << 40, INT64_MAX};
	(void)state;
	for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
		int64_t b = al_lat_bucket(vs[i]), top = al_lat_bucket_top(b);
		assert_true(top >= vs[i]);
		assert_true(top - vs[i] <= vs[i] / 1024);   /* 0.1 % */
		if (vs[i] < 2048)
			assert_int_equal(top, vs[i]);     /* small values exact */
		if (vs[i] > 0)
			assert_true(al_lat_bucket(vs[i] - 1) <= b);
	}
}

/* Above AL_LAT_EXACT_MAX pages: the histogram's percentiles are at most
 * 1/1024 above the nearest rank's, never below; max exact. */
static void test_histogram(void **state)
{
	int64_t n = AL_LAT_EXACT_MAX + 1000;
	struct al_lat_rec r;
	struct al_latency l;

	(void)state;
	assert_int_equal(al_lat_init(&r, n), 0);
	assert_null(r.exact[0]);
	for (int64_t i = 0; i < n; i++) {      /* values 1 ms + 1000 * (1..n) ns */
		int64_t v = MS + 1000 * ((i * 7919) % n + 1);
		al_lat_add(&r, i, v, v, v);
	}
	al_lat_summary(&r, &l);
	assert_int_equal(l.pages, n);
	const int ps[3] = {50, 90, 99};
	const int64_t got[3] = {l.of[0].p50_ns, l.of[0].p90_ns, l.of[0].p99_ns};
	for (int j = 0; j < 3; j++) {
		int64_t want = MS + 1000 * ((ps[j] * n + 99) / 100);
		assert_true(got[j] >= want);
		assert_true(got[j] - want <= want / 1024);
	}
	assert_int_equal(l.of[0].max_ns, MS + 1000 * n);
	al_lat_free(&r);
}

/* The report's page-time histogram: a bucket per power of two from 2^20
 * ns, counted exactly from the samples in both modes.  The same totals
 * under and over AL_LAT_EXACT_MAX give the same counts, and each count is
 * the number of totals in its bucket's range, worked out here by hand. */
static void test_page_time_hist(void **state)
{
	int64_t big = AL_LAT_EXACT_MAX + 1, want[AL_LAT_HIST] = {0};
	struct al_lat_rec small, large;
	struct al_latency ls, ll;

	(void)state;
	assert_int_equal(al_lat_hist_bucket(0), 0);
	assert_int_equal(al_lat_hist_bucket((1 << 20) - 1), 0);
	assert_int_equal(al_lat_hist_bucket(1 << 20), 1);
	assert_int_equal(al_lat_hist_bucket((1 << 21) - 1), 1);
	assert_int_equal(al_lat_hist_bucket(1 << 21), 2);
	assert_int_equal(al_lat_hist_bucket(INT64_MAX), AL_LAT_HIST - 1);
	assert_int_equal(al_lat_init(&small, 1000), 0);
	assert_int_equal(al_lat_init(&large, big), 0);
	for (int64_t i = 0; i < 1000; i++) {
		/* 0.5 ms to about 8 s, spread over the powers of two */
		int64_t v = (int64_t)500000 << (i % 14), b = 0;
		v += i * 977;
		for (int64_t t = 1 << 20; b < AL_LAT_HIST - 1 && v >= t; t <<= 1)
			b++;
		want[b]++;
		al_lat_add(&small, i, v / 2, v / 2, v);
		al_lat_add(&large, i, v / 2, v / 2, v);
	}
	al_lat_summary(&small, &ls);
	al_lat_summary(&large, &ll);
	for (int k = 0; k < AL_LAT_HIST; k++) {
		assert_int_equal(ls.hist[k], want[k]);
		assert_int_equal(ll.hist[k], want[k]);
	}
	al_lat_free(&small);
	al_lat_free(&large);
}

/* --- the models, on a machine with no CPU costs, the fluid TCP */

static void zero_cost(struct al_scenario *sc, int64_t pages)
{
	al_scenario_default(sc);
	memset(&sc->machine.costs, 0, sizeof sc->machine.costs);
	sc->workload.pages = pages;
	sc->network.rtt_ns = 40 * MS;
	sc->network.jitter = AL_DIST_FIXED_AT(0);
	sc->network.bandwidth_bps = 80000000;             /* 100 ns a byte */
	sc->network.tcp = AL_TCP_FLUID;
	sc->server.think = AL_DIST_FIXED_AT(7 * MS);
	sc->server.page_size = AL_DIST_FIXED_AT(20000);
}

/* k pages sharing the link from the same start: connect is one round
 * trip; the request's round trip and the think time later, the first
 * segment reaches the crawler at its share of the link, the whole
 * response at k times its own transfer. */
struct fig {
	int64_t connect, ttfb, total;
};

static struct fig page_fig(const struct al_scenario *sc, int64_t think, int64_t k)
{
	char head[256];
	int64_t size = (int64_t)sc->server.page_size.a;
	int64_t bytes = al_http_header(head, sizeof head, size) + size;
	int64_t ns_byte = 8 * 1000000000LL / sc->network.bandwidth_bps;
	int64_t rtt = sc->network.rtt_ns;

	return (struct fig){rtt, 2 * rtt + think + k * SIM_MSS * ns_byte,
			    2 * rtt + think + k * bytes * ns_byte};
}

static void assert_pct(const struct al_pct *p, int64_t p50, int64_t p90, int64_t p99,
		       int64_t max)
{
	assert_int_equal(p->p50_ns, p50);
	assert_int_equal(p->p90_ns, p90);
	assert_int_equal(p->p99_ns, p99);
	assert_int_equal(p->max_ns, max);
}

static void assert_all(const struct al_latency *l, struct fig f)
{
	assert_pct(&l->of[AL_LAT_CONNECT], f.connect, f.connect, f.connect, f.connect);
	assert_pct(&l->of[AL_LAT_TTFB], f.ttfb, f.ttfb, f.ttfb, f.ttfb);
	assert_pct(&l->of[AL_LAT_TOTAL], f.total, f.total, f.total, f.total);
}

/* One page at a time (sync, nonblocking): every page alone on the link. */
static void test_one_at_a_time(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	zero_cost(&sc, 10);
	for (int m = AL_MODEL_SYNC; m <= AL_MODEL_NONBLOCKING; m += AL_MODEL_NONBLOCKING) {
		assert_int_equal(sim_run_model(&sc, (enum al_model)m, &r, err, sizeof err), 0);
		assert_int_equal(r.latency.pages, 10);
		assert_all(&r.latency, page_fig(&sc, 7 * MS, 1));
	}
}

/* Every page at once (the event loops): all share the link. */
static void test_all_at_once(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	zero_cost(&sc, 10);
	for (int m = AL_MODEL_CALLBACK; m <= AL_MODEL_ASYNCIO; m++) {
		assert_int_equal(sim_run_model(&sc, (enum al_model)m, &r, err, sizeof err), 0);
		assert_all(&r.latency, page_fig(&sc, 7 * MS, 10));
	}
}

/* Pools of 3 on 7 pages (thread, process: its workers' records carry the
 * figures; asyncio with a semaphore of 3): rounds of 3, 3 and 1 pages, each
 * page timed from its own start, so six of the 3-round's figures and one
 * alone: the nearest ranks are all the 3-round's. */
static void test_pools(void **state)
{
	static const enum al_model pools[] = {AL_MODEL_THREAD, AL_MODEL_PROCESS,
					      AL_MODEL_ASYNCIO};
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	zero_cost(&sc, 7);
	sc.models[AL_MODEL_THREAD].workers = 3;
	sc.models[AL_MODEL_PROCESS].workers = 3;
	sc.models[AL_MODEL_ASYNCIO].limit = 3;
	for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
		assert_int_equal(sim_run_model(&sc, pools[i], &r, err, sizeof err), 0);
		assert_int_equal(r.latency.pages, 7);
		assert_all(&r.latency, page_fig(&sc, 7 * MS, 3));
	}
}

/* Two kinds of page in one run: the server's think time drops from 7 ms
 * to 1 ms while sync's 5th page connects (a scenario event), so 4 pages
 * take the slow figures and 6 the fast: p50 (the 5th of 10) is fast, p90
 * (the 9th) and p99 (the 10th) slow. */
static void test_two_kinds(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512], ev[128];
	const char *sets[] = {ev};

	(void)state;
	zero_cost(&sc, 10);
	struct fig slow = page_fig(&sc, 7 * MS, 1), fast = page_fig(&sc, 1 * MS, 1);
	/* 4 slow pages, then half a round trip: the 5th page is connecting */
	snprintf(ev, sizeof ev, "events=[{at: %lldns, server: {think: 1ms}}]",
		 (long long)(4 * slow.total + sc.network.rtt_ns / 2));
	assert_int_equal(al_scenario_set(&sc, sets, 1, err, sizeof err), 0);
	assert_int_equal(sim_run_model(&sc, AL_MODEL_SYNC, &r, err, sizeof err), 0);
	assert_int_equal(r.elapsed_ns, 4 * slow.total + 6 * fast.total);
	assert_pct(&r.latency.of[AL_LAT_CONNECT], slow.connect, slow.connect, slow.connect,
		   slow.connect);
	assert_pct(&r.latency.of[AL_LAT_TTFB], fast.ttfb, slow.ttfb, slow.ttfb, slow.ttfb);
	assert_pct(&r.latency.of[AL_LAT_TOTAL], fast.total, slow.total, slow.total, slow.total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nearest_rank),
		cmocka_unit_test(test_many_ranks),
		cmocka_unit_test(test_select_orders),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_page_time_hist),
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_all_at_once),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_two_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
