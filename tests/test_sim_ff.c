/* The fast-forward of an event loop's repeated rounds (sim/sim_ff.c) runs
 * at once what would have run one turn at a time: the same run with it
 * off gives the same report, field for field, and the same trace, event
 * for event -- on crawls where it fires many times (big pages, many fds
 * ready at once, more than a batch of them), with what could come between
 * two rounds: a timer or a scenario event landing amid a stretch of reads,
 * loss, select's FD_SETSIZE, a limit's semaphore, several cores, the
 * GIL, the packet emulator on the cores; past the limits a round is
 * watched under, with a truncated recorded trace, on two crawls a fuzz
 * found that each cut bound tells, and on 50 random crawls (seeded: the
 * same every run).  Each case also checks that it fired, so
 * the identity cannot hold for want of anything skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/al_report.h"
#include "core/al_scenario.h"
#include "core/al_trace.h"
#include "sim/sim_ff.h"
#include "sim/sim_run.h"

#define MS 1000000LL
#define KIB 1024LL

/* A crawl of big pages at once: n pages of size bytes. */
static void crawl(struct al_scenario *sc, int64_t n, int64_t size, enum al_tcp tcp)
{
	al_scenario_default(sc);
	sc->network.tcp = tcp;
	sc->network.rtt_ns = 40 * MS;
	sc->network.bandwidth_bps = 1000000000;
	sc->server.page_size = AL_DIST_FIXED_AT((double)size);
	sc->server.backlog = 4096;
	sc->workload.pages = n;
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		sc->models[m].enabled = 0;
}

/* Runs model m of sc with the fast-forward off and on: the reports and
 * traces must match; returns the turns it skipped. */
static int64_t both_ways(const struct al_scenario *sc, enum al_model m)
{
	struct al_report off, on;
	struct al_trace t_off, t_on;
	char err[512];

	assert_int_equal(al_trace_init(&t_off, AL_TRACE_RECORD), 0);
	assert_int_equal(al_trace_init(&t_on, AL_TRACE_RECORD), 0);
	sim_ff_off = 1;
	int64_t before = sim_ff_turns;
	int r_off = sim_run_model_traced(sc, m, &off, &t_off, err, sizeof err);
	assert_int_equal(sim_ff_turns, before);
	sim_ff_off = 0;
	int r_on = sim_run_model_traced(sc, m, &on, &t_on, err, sizeof err);
	int64_t turns = sim_ff_turns - before;

	assert_int_equal(r_on, r_off);
	assert_int_equal(on.elapsed_ns, off.elapsed_ns);
	assert_int_equal(on.cpu_busy_ns, off.cpu_busy_ns);
	assert_int_equal(on.syscalls, off.syscalls);
	assert_int_equal(on.pages_ok, off.pages_ok);
	assert_int_equal(on.bytes, off.bytes);
	assert_int_equal(on.checksum, off.checksum);
	assert_int_equal(on.trace_hash, off.trace_hash);
	assert_memory_equal(&on, &off, sizeof on);     /* every figure, latency too */
	assert_false(t_off.truncated);
	assert_int_equal(t_on.n, t_off.n);
	assert_memory_equal(t_on.ev, t_off.ev, t_off.n * sizeof *t_off.ev);
	assert_int_equal(t_on.nlanes, t_off.nlanes);
	al_trace_free(&t_off);
	al_trace_free(&t_on);
	/* trace off: hashed only (al_trace_repeat's own path) */
	struct al_scenario hashed = *sc;
	hashed.trace = false;
	sim_ff_off = 1;
	assert_int_equal(sim_run_model(&hashed, m, &off, err, sizeof err), r_off);
	sim_ff_off = 0;
	assert_int_equal(sim_run_model(&hashed, m, &on, err, sizeof err), r_on);
	assert_int_equal(on.trace_hash, off.trace_hash);
	assert_memory_equal(&on, &off, sizeof on);
	return turns;
}

/* al_trace_repeat adds what was added between two marks again, shifted,
 * as many al_trace_add would: hashing (its closed form), recording (each
 * event stored again), and truncated (hashing only); rounds of 1 to 9
 * events, repeated 0 to 40 times, then the first half of a round once
 * more, from the mark in its middle. */
static void test_trace_repeat(void **state)
{
	const struct al_tr_event ev[] = {
		{.t = 5, .value = 4096, .lane = 7, .kind = AL_TR_STATE, .code = 3},
		{.t = 9, .value = 0, .lane = 7, .kind = AL_TR_STATE, .code = 4},
		{.t = 9, .value = 0, .lane = 2, .kind = AL_TR_INSTANT, .name = 1},
		{.t = -1, .value = -3, .lane = 0, .kind = AL_TR_COUNTER, .code = 1},
		{.t = 12, .value = 1, .lane = 9, .kind = AL_TR_STATE, .code = 9},
	};
	enum al_trace_mode modes[] = {AL_TRACE_HASH, AL_TRACE_RECORD, AL_TRACE_RECORD};

	(void)state;
	for (int k = 0; k < 3; k++)
		for (size_t n = 1; n <= 9; n++)
			for (int64_t times = 0; times <= 40; times += 1 + times / 4) {
				struct al_trace a, b;
				struct al_trace_mark from, mid, to;
				assert_int_equal(al_trace_init(&a, modes[k]), 0);
				assert_int_equal(al_trace_init(&b, modes[k]), 0);
				a.truncated = b.truncated = k == 2;
				al_trace_add(&a, 1, 1, AL_TR_STATE, 2, 0, 3);
				al_trace_add(&b, 1, 1, AL_TR_STATE, 2, 0, 3);
				from = mid = al_trace_where(&b);
				/* the round, times + 1 times, then its first half */
				for (int64_t j = 0; j <= times + 1; j++)
					for (size_t i = 0; i < (j <= times ? n : n / 2); i++) {
						const struct al_tr_event *e = &ev[i % 5];
						int64_t t = 100 + (int64_t)i + e->t + j * 17;
						al_trace_add(&a, t, e->lane, (enum al_tr_kind)e->kind,
							     e->code, e->name, e->value + (int64_t)i);
						if (j > 0)
							continue;
						al_trace_add(&b, t, e->lane, (enum al_tr_kind)e->kind,
							     e->code, e->name, e->value + (int64_t)i);
						if (i + 1 == n / 2)
							mid = al_trace_where(&b);
					}
				to = al_trace_where(&b);
				al_trace_repeat(&b, &from, &to, 17, 17, times);
				al_trace_repeat(&b, &from, &mid, 17 * (times + 1), 0, 1);
				assert_int_equal(al_trace_hash(&a), al_trace_hash(&b));
				assert_int_equal(a.count, b.count);
				assert_int_equal(a.n, b.n);
				assert_int_equal(a.n, k == 1 ? a.count : 0);
				if (a.n)
					assert_memory_equal(a.ev, b.ev, a.n * sizeof *a.ev);
				al_trace_free(&a);
				al_trace_free(&b);
			}
}

/* The models on the article's event loop. */
static const enum al_model loops[] = {AL_MODEL_CALLBACK, AL_MODEL_GENERATOR, AL_MODEL_ASYNCIO};

/* Each of them, both ways: each skipped more than min turns. */
static void every_loop(const struct al_scenario *sc, int64_t min)
{
	for (size_t i = 0; i < sizeof loops / sizeof *loops; i++)
		assert_true(both_ways(sc, loops[i]) > min);
}

/* More fds ready at once than a batch of 64: rounds of several turns. */
static void test_flow_many_ready(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 300, 1024 * KIB, AL_TCP_FLOW);
	every_loop(&sc, 1000);
	sc.machine.profile = AL_PROFILE_C;
	al_costs_profile(&sc.machine.costs, AL_PROFILE_C);
	every_loop(&sc, 1000);
}

/* One round seen is enough, and it may be the one whose reads took the
 * header in: pages of 12 KiB, read as three full chunks (the first
 * with the header) and the header's length of body after them, repeat
 * their first round twice.  (Watching two rounds, the first past the
 * header, as before stop 27, found nothing to repeat here.) */
static void test_one_round_enough(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 300, 12 * KIB, AL_TCP_FLOW);
	every_loop(&sc, 0);
	crawl(&sc, 300, 12 * KIB, AL_TCP_FLOW);
	sc.nevents = 1;          /* the page size changes as pages stream */
	sc.events[0] = (struct al_event_cfg){.at_ns = 90 * MS, .set = AL_EV_PAGE_SIZE};
	sc.events[0].server = sc.server;
	sc.events[0].server.page_size = AL_DIST_FIXED_AT(16.0 * KIB + 5);
	every_loop(&sc, 0);
}

/* A round's first turns run at once after its repeats, up to the turn
 * of the first reader that would not keep a byte after one more: one a
 * round ahead of the rest, which generator's and asyncio's readers put
 * last in the round (it registered again after the rest were ready;
 * callback's stay registered, and it is first there, so that nothing of
 * the round runs at once).  1,100 pages, each pass's report many batches
 * long, under each poller. */
static void test_part_of_a_round(void **state)
{
	static const enum al_model parts[] = {AL_MODEL_GENERATOR, AL_MODEL_ASYNCIO};
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 1100, 64 * KIB, AL_TCP_FLOW);
	for (int p = 0; p < 3; p++) {
		for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
			sc.models[parts[i]].poller = (enum al_poller)p;
			int64_t before = sim_ff_cut_turns;
			assert_true(both_ways(&sc, parts[i]) > 400);
			assert_true(sim_ff_cut_turns - before >= 20);
		}
	}
}

/* The cut's two bounds, each on a crawl a cut-focused fuzz found, cut
 * down to what still tells: pages of a spread of sizes under a loop
 * whose rounds repeat.  A reader whose unread bytes are a whole number of
 * chunks reads its last in the m-th round and leaves the FIFO: m must
 * stop a round short of it, (unread - 1) / chunk (unread / chunk runs
 * one round too many: the trace differs).  250 callback pages of 110-220
 * KB under flow, with jitter. */
static void test_cut_whole_chunks(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 250, 64 * KIB, AL_TCP_FLOW);
	sc.seed = 797944264;
	sc.network.rtt_ns = 82 * MS;
	sc.network.bandwidth_bps = 10000000000LL;
	sc.network.jitter = (struct al_dist){AL_DIST_UNIFORM, 0, 15 * MS};
	sc.server.page_size = (struct al_dist){AL_DIST_UNIFORM, 112335.5, 224671};
	sc.server.max_concurrent = 456;
	sc.models[AL_MODEL_CALLBACK].enabled = 1;
	sc.models[AL_MODEL_CALLBACK].poller = AL_POLL_EPOLL;
	sc.models[AL_MODEL_CALLBACK].gil = false;
	assert_true(both_ways(&sc, AL_MODEL_CALLBACK) > 500);
}

/* The round after the repeats runs only to the last cut at or before
 * the limiting reader p, wherever p stands in the round (cuts up to p +
 * 1 take a chunk p does not have: the fast-forward's own assertion
 * aborts).  test_part_of_a_round's limiting readers come last; here,
 * 100 asyncio pages of about 1.4 MB (lognormal) under kernel TCP, the
 * server thinking 0-91 ms, they need not. */
static void test_cut_before_the_limit(void **state)
{
	struct al_scenario sc;
	int64_t before = sim_ff_cut_turns;

	(void)state;
	crawl(&sc, 100, 64 * KIB, AL_TCP_LINUX);
	sc.seed = 1368229247;
	sc.network.rtt_ns = 33 * MS;
	sc.network.bandwidth_bps = 10000000000LL;
	sc.server.page_size = (struct al_dist){AL_DIST_LOGNORMAL, 1402640.5, 0.5};
	sc.server.think = (struct al_dist){AL_DIST_UNIFORM, 0, 91 * MS};
	sc.models[AL_MODEL_ASYNCIO].enabled = 1;
	sc.models[AL_MODEL_ASYNCIO].poller = AL_POLL_EPOLL;
	assert_true(both_ways(&sc, AL_MODEL_ASYNCIO) > 100);
	assert_true(sim_ff_cut_turns - before > 0);
}

/* Kernel TCP, with loss: the bytes come a window at a time. */
static void test_linux_tcp_lossy(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 40, 512 * KIB, AL_TCP_LINUX);
	sc.network.loss = 0.01;
	every_loop(&sc, 100);
	sc.network.tcp = AL_TCP_FLOW;
	every_loop(&sc, 100);
}

/* Page timeouts falling amid the stretches of reads (pages ready at
 * spread times: the bursts that read them run past the deadlines of
 * others), and a scenario event changing the bandwidth while pages
 * stream. */
static void test_timer_and_event_mid_stretch(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 200, 256 * KIB, AL_TCP_FLOW);
	sc.server.think = (struct al_dist){AL_DIST_UNIFORM, 10 * MS, 1000 * MS};
	sc.workload.timeout_ns = 700 * MS;
	sc.nevents = 1;
	sc.events[0] = (struct al_event_cfg){.at_ns = 500 * MS, .set = AL_EV_BANDWIDTH};
	sc.events[0].network = sc.network;
	sc.events[0].network.bandwidth_bps = 500000000;
	every_loop(&sc, 100);
}

/* select past FD_SETSIZE fails its pages; poll pays per registered fd. */
static void test_pollers(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 1100, 64 * KIB, AL_TCP_FLOW);
	for (size_t i = 0; i < sizeof loops / sizeof *loops; i++)
		sc.models[loops[i]].poller = AL_POLL_SELECT;
	every_loop(&sc, 100);
	for (size_t i = 0; i < sizeof loops / sizeof *loops; i++)
		sc.models[loops[i]].poller = AL_POLL_POLL;
	every_loop(&sc, 100);
}

/* A limit's semaphore: pages start as others end, amid the reads. */
static void test_limit(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 100, 256 * KIB, AL_TCP_FLOW);
	for (size_t i = 0; i < sizeof loops / sizeof *loops; i++)
		sc.models[loops[i]].limit = 7;
	every_loop(&sc, 100);
}

/* Several cores under the GIL (the python profile), a loop per core, the
 * origin server on the cores, the packet emulator sharing them. */
static void test_cores_and_threads(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 200, 256 * KIB, AL_TCP_FLOW);
	sc.machine.cores = 4;
	every_loop(&sc, 100);
	assert_true(both_ways(&sc, AL_MODEL_MULTILOOP) > 100);
	sc.machine.host_server = true;       /* its work gates the responses */
	every_loop(&sc, 100);
	/* the packet emulator on the cores: under flow, where the rounds
	 * repeat (kernel TCP's windows leave none to skip here) */
	sc.machine.host_emulator = AL_HOST_EMU_SHARED;
	assert_true(both_ways(&sc, AL_MODEL_ASYNCIO) > 100);
}

/* Pages that fit in one recv leave no round that repeats (no reader
 * gets a full chunk): nothing is skipped, on any loop.  (The models off
 * the event loop, thread and uring, never ask: no test of them could
 * fail.) */
static void test_small_pages_untouched(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 300, 1 * KIB, AL_TCP_FLOW);
	for (size_t i = 0; i < sizeof loops / sizeof *loops; i++)
		assert_int_equal(both_ways(&sc, loops[i]), 0);
}

/* Past the limit a round is watched under -- more fds reported than
 * sim_ff_max -- the round is not repeated: none at 0, fewer with a limit
 * some rounds pass, and the run is the same either way. */
static void test_limits(void **state)
{
	struct al_scenario sc;

	(void)state;
	crawl(&sc, 300, 1024 * KIB, AL_TCP_FLOW);
	int64_t all = both_ways(&sc, AL_MODEL_ASYNCIO);
	assert_true(all > 1000);
	sim_ff_max = 0;
	assert_int_equal(both_ways(&sc, AL_MODEL_ASYNCIO), 0);
	sim_ff_max = 8;
	int64_t some = both_ways(&sc, AL_MODEL_ASYNCIO);
	assert_true(some > 0 && some < all);
	sim_ff_max = SIM_FF_MAX;
}

static int limits_back(void **state)
{
	(void)state;
	sim_ff_max = SIM_FF_MAX;
	sim_ff_off = 0;
	return 0;
}

/* A recorded trace whose storage ran out (truncated: it keeps hashing,
 * stores nothing more) hashes the skipped rounds as the run with the
 * fast-forward off does, and as an untruncated one. */
static void test_truncated_trace(void **state)
{
	struct al_scenario sc;
	struct al_report off, on, whole;
	struct al_trace t_off, t_on;
	char err[512];

	(void)state;
	crawl(&sc, 100, 1024 * KIB, AL_TCP_FLOW);
	assert_int_equal(al_trace_init(&t_off, AL_TRACE_RECORD), 0);
	assert_int_equal(al_trace_init(&t_on, AL_TRACE_RECORD), 0);
	t_off.truncated = t_on.truncated = 1;
	sim_ff_off = 1;
	int r_off = sim_run_model_traced(&sc, AL_MODEL_ASYNCIO, &off, &t_off, err, sizeof err);
	sim_ff_off = 0;
	int64_t before = sim_ff_turns;
	int r_on = sim_run_model_traced(&sc, AL_MODEL_ASYNCIO, &on, &t_on, err, sizeof err);
	assert_true(sim_ff_turns - before > 100);
	assert_int_equal(r_on, r_off);
	assert_memory_equal(&on, &off, sizeof on);
	assert_int_equal(t_on.count, t_off.count);
	assert_int_equal(t_on.n, 0);
	assert_int_equal(t_off.n, 0);
	uint64_t count = t_on.count;
	al_trace_free(&t_off);
	al_trace_free(&t_on);
	assert_int_equal(al_trace_init(&t_on, AL_TRACE_RECORD), 0);
	assert_int_equal(sim_run_model_traced(&sc, AL_MODEL_ASYNCIO, &whole, &t_on, err,
					      sizeof err), r_on);
	assert_false(t_on.truncated);
	assert_int_equal(t_on.count, count);
	assert_int_equal(t_on.n, count);
	assert_int_equal(whole.trace_hash, on.trace_hash);
	al_trace_free(&t_on);
}

/* Random crawls (a seeded generator: the same 50 every run), each both
 * ways on a loop model: network, server, faults, scenario events, machine,
 * poller, limit, GIL.  Enough of them must fire for the identity to mean
 * anything. */
static uint64_t fuzz_state = 0x5eed0f0ff0f0ff5ull;

static int64_t pick(int64_t lo, int64_t hi)
{
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 7;
	fuzz_state ^= fuzz_state << 17;
	return lo + (int64_t)(fuzz_state % (uint64_t)(hi - lo + 1));
}

static void random_crawl(struct al_scenario *sc, enum al_model *m)
{
	static const int64_t bws[] = {10000000, 100000000, 1000000000, 10000000000LL};
	static const int64_t sizes[] = {3 * 4 * KIB, 8 * 4 * KIB + 17, 64 * KIB, 300000,
					1024 * KIB, 2048 * KIB};
	static const unsigned sets[] = {AL_EV_BANDWIDTH, AL_EV_RTT, AL_EV_LOSS, AL_EV_LINK_DOWN,
					AL_EV_LINK_UP, AL_EV_PAGE_SIZE, AL_EV_MAX_CONCURRENT,
					AL_EV_THINK};
	static const enum al_model models[] = {AL_MODEL_CALLBACK, AL_MODEL_GENERATOR,
					       AL_MODEL_ASYNCIO, AL_MODEL_MULTILOOP};
	double size = (double)sizes[pick(0, 5)];

	crawl(sc, pick(2, 150), 64 * KIB, (enum al_tcp)pick(0, 2));
	sc->seed = (uint64_t)pick(1, INT32_MAX);
	if (sc->network.tcp == AL_TCP_LINUX && pick(0, 3) == 0)
		sc->network.link = AL_LINK_FIFO;
	sc->network.rtt_ns = pick(1, 100) * MS;
	if (pick(0, 2) == 0)
		sc->network.jitter = (struct al_dist){AL_DIST_UNIFORM, 0, (double)(pick(0, 20) * MS)};
	sc->network.bandwidth_bps = bws[pick(0, 3)];
	if (pick(0, 3) == 0)
		sc->network.loss = (double)pick(1, 30) / 1000.0;
	switch (pick(0, 3)) {
	case 0: sc->server.page_size = AL_DIST_FIXED_AT(size); break;
	case 1: sc->server.page_size = (struct al_dist){AL_DIST_UNIFORM, 1000, size}; break;
	case 2: sc->server.page_size = (struct al_dist){AL_DIST_LOGNORMAL, size / 4, 1.0}; break;
	default: sc->server.page_size = AL_DIST_FIXED_AT((double)(4 * KIB * pick(3, 40))); break;
	}
	sc->server.backlog = (int)pick(16, 4096);
	if (pick(0, 3) == 0)
		sc->server.max_concurrent = (int)pick(1, 50);
	if (pick(0, 3) == 0)
		sc->server.overflow = AL_OVERFLOW_REFUSE;
	if (pick(0, 3) == 0)
		sc->server.sndbuf = pick(1, 64) * 4 * KIB;
	if (pick(0, 2) == 0)
		sc->server.think = (struct al_dist){AL_DIST_UNIFORM, 0, (double)(pick(1, 500) * MS)};
	if (pick(0, 2) == 0)
		for (int f = 1; f < AL_FAULT_COUNT; f++)
			sc->server.faults[f] = (double)pick(0, 10) / 100.0;
	if (pick(0, 2) == 0)
		sc->workload.timeout_ns = pick(50, 3000) * MS;
	sc->machine.cores = (int)pick(1, 8);
	if (pick(0, 4) == 0)
		sc->machine.memory = pick(20, 400) * 1024 * KIB;
	if (pick(0, 1)) {
		sc->machine.profile = AL_PROFILE_C;
		al_costs_profile(&sc->machine.costs, AL_PROFILE_C);
	}
	sc->machine.host_server = pick(0, 3) == 0;
	if (pick(0, 4) == 0)
		sc->machine.host_links = (int)pick(1, 2);
	if (pick(0, 4) == 0)
		sc->machine.host_emulator = (enum al_host_emu)pick(1, 2);
	if (pick(0, 5) == 0)
		sc->machine.fd_limit = (int)pick(20, 2000);
	sc->nevents = pick(0, 2) == 0 ? (int)pick(1, 4) : 0;
	int64_t at = 0;
	for (int e = 0; e < sc->nevents; e++) {
		struct al_event_cfg *ev = &sc->events[e];
		at += pick(1, 1000) * MS;    /* in order of time */
		*ev = (struct al_event_cfg){.at_ns = at, .set = sets[pick(0, 7)]};
		ev->network = sc->network;
		ev->server = sc->server;
		ev->network.bandwidth_bps = bws[pick(0, 3)];
		ev->network.rtt_ns = pick(1, 200) * MS;
		ev->network.loss = (double)pick(0, 50) / 1000.0;
		ev->server.max_concurrent = (int)pick(1, 20);
		ev->server.page_size = AL_DIST_FIXED_AT((double)sizes[pick(0, 5)]);
	}
	*m = models[pick(0, 3)];
	sc->models[*m].enabled = 1;
	sc->models[*m].poller = (enum al_poller)pick(0, 2);
	if (pick(0, 2) == 0)
		sc->models[*m].limit = pick(1, 50);
	if (*m == AL_MODEL_MULTILOOP)
		sc->models[*m].loops = (int)pick(0, 8);
	if (pick(0, 3) == 0)
		sc->models[*m].gil = false;
}

static void test_random_crawls(void **state)
{
	int fired = 0;

	(void)state;
	for (int i = 0; i < 50; i++) {
		struct al_scenario sc;
		enum al_model m;
		random_crawl(&sc, &m);
		fired += both_ways(&sc, m) > 0;
	}
	assert_true(fired >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_repeat),
		cmocka_unit_test(test_flow_many_ready),
		cmocka_unit_test(test_one_round_enough),
		cmocka_unit_test(test_part_of_a_round),
		cmocka_unit_test(test_cut_whole_chunks),
		cmocka_unit_test(test_cut_before_the_limit),
		cmocka_unit_test(test_linux_tcp_lossy),
		cmocka_unit_test(test_timer_and_event_mid_stretch),
		cmocka_unit_test(test_pollers),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_cores_and_threads),
		cmocka_unit_test(test_small_pages_untouched),
		cmocka_unit_test_teardown(test_limits, limits_back),
		cmocka_unit_test_teardown(test_truncated_trace, limits_back),
		cmocka_unit_test(test_random_crawls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
