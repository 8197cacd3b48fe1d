/* The simulator end to end, with fixed delays and sizes: the coroutine
 * crawler proves the core (ten pages overlap their delays: one page's time
 * plus the shared link's transfers), the run is
 * deterministic, and every page ends ok or failed with its cause. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/al_http.h"
#include "core/al_scenario.h"
#include "sim/sim_run.h"
#include "core/al_trace.h"
#include "models/model.h"
#include "sim/sim_os.h"

#define MS 1000000LL
#define SIM_MSS 1448                 /* sim_net.h's SIM_NET_MSS */

static void fixed(struct al_scenario *sc, int64_t pages, int64_t rtt, int64_t think,
		  int64_t size, int64_t bps)
{
	al_scenario_default(sc);
	memset(&sc->machine.costs, 0, sizeof sc->machine.costs); /* no CPU costs */
	sc->workload.pages = pages;
	sc->network.rtt_ns = rtt;
	sc->network.jitter = AL_DIST_FIXED_AT(0);
	sc->network.bandwidth_bps = bps;
	sc->server.think = AL_DIST_FIXED_AT(think);
	sc->server.page_size = AL_DIST_FIXED_AT(size);
}

/* The transfer of one response (header and body) alone on the link.  The
 * tests use bandwidths with a whole number of ns per byte, where the
 * network's times are exact. */
static int64_t transfer_ns(const struct al_scenario *sc, int64_t size)
{
	char head[256];
	int64_t total = al_http_header(head, sizeof head, size) + size;

	return total * 8 * 1000000000 / sc->network.bandwidth_bps;
}

/* k pages at once, network.tcp linux: connect (1 RTT), the request's way,
 * think, the first byte's way, then the response in rounds: an initial
 * window of 10 segments, doubled by slow start each round, the k flows
 * sharing the link; the next round reaches the link one RTT after the
 * round's first segments arrived.  The cases keep each round through the
 * link before its ACKs return (the window, not the link, is the limit), so
 * the formula is exact. */
static int64_t pages_at_once_ns(const struct al_scenario *sc, int64_t size, int64_t k)
{
	char head[256];
	int64_t total = al_http_header(head, sizeof head, size) + size, sent = 0, cwnd = 10;
	int64_t rtt = sc->network.rtt_ns, bps = sc->network.bandwidth_bps;
	int64_t t = 2 * rtt + (int64_t)sc->server.think.a;

	for (;;) {
		int64_t bytes = cwnd * SIM_MSS < total - sent ? cwnd * SIM_MSS : total - sent;
		int64_t round = bps ? k * bytes * 8 * 1000000000 / bps : 0;
		int64_t first = bps ? k * SIM_MSS * 8 * 1000000000 / bps : 0;
		if (sent + bytes == total)
			return t + round;
		assert_true(round <= first + rtt);
		t += first + rtt;
		sent += bytes;
		cwnd *= 2;
	}
}

/* n pages, w at a time, in lock-step rounds. */
static int64_t rounds_ns(const struct al_scenario *sc, int64_t size, int64_t n, int64_t w)
{
	int64_t t = 0;

	for (; n > 0; n -= w)
		t += pages_at_once_ns(sc, size, n < w ? n : w);
	return t;
}

static void test_ten_pages_take_one_delay(void **state)
{
	static const struct {
		int64_t rtt, think, size, bps;
	} cases[] = {
		{150 * MS, 20 * MS, 1256, 80000000},    /* 100 ns a byte */
		{1 * MS, 0, 4096, 8000000000},          /* 1 ns a byte */
		{300 * MS, 5 * MS, 100000, 800000000},  /* 10 ns a byte */
	};
	struct al_scenario sc;
	struct al_report one, ten;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 1, cases[i].rtt, cases[i].think, cases[i].size, cases[i].bps);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &one, err, sizeof err), 0);
		assert_int_equal(one.elapsed_ns, pages_at_once_ns(&sc, cases[i].size, 1));
		sc.workload.pages = 10;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &ten, err, sizeof err), 0);
		/* Ten at once: the delays overlap, the link is shared. */
		assert_int_equal(ten.elapsed_ns, pages_at_once_ns(&sc, cases[i].size, 10));
		/* The fluid TCP: at the fair share from the first byte. */
		sc.network.tcp = AL_TCP_FLUID;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &ten, err, sizeof err), 0);
		assert_int_equal(ten.elapsed_ns, 2 * cases[i].rtt + cases[i].think +
				 10 * transfer_ns(&sc, cases[i].size));
		assert_int_equal(ten.pages_ok, 10);
		assert_int_equal(ten.pages_failed, 0);
		assert_int_equal(ten.bytes, 10 * cases[i].size);
		assert_int_equal(ten.peak_concurrency, 10);
		/* socket, connect, send, recv until 0, close: at least 5 each */
		assert_true(ten.syscalls >= 50);
	}
}

/* With zero CPU costs: sync and nonblocking take N pages' time (nonblocking
 * with its CPU busy throughout); pools of W threads or processes go in
 * rounds of W pages at once; the event-driven models take all N at once
 * (one page's delays, N transfers on the shared link). */
static void test_model_shapes_are_exact(void **state)
{
	static const struct {
		int64_t pages, workers;
	} cases[] = {{10, 10}, {7, 3}, {1, 4}, {25, 5}};
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, cases[i].pages, 40 * MS, 7 * MS, 20000, 80000000);
		sc.models[AL_MODEL_THREAD].workers = (int)cases[i].workers;
		sc.models[AL_MODEL_PROCESS].workers = (int)cases[i].workers;
		int64_t one = pages_at_once_ns(&sc, 20000, 1);
		int64_t pool = rounds_ns(&sc, 20000, cases[i].pages, cases[i].workers);
		int64_t all = pages_at_once_ns(&sc, 20000, cases[i].pages);

		assert_int_equal(sim_run_model(&sc, AL_MODEL_SYNC, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, cases[i].pages * one);
		assert_int_equal(r.pages_ok, cases[i].pages);
		assert_int_equal(r.peak_concurrency, 1);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_THREAD, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, pool);
		assert_int_equal(r.pages_ok, cases[i].pages);
		assert_int_equal(r.peak_concurrency,
				 cases[i].pages < cases[i].workers ? cases[i].pages : cases[i].workers);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_PROCESS, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, pool);
		assert_int_equal(r.pages_ok, cases[i].pages);
		assert_int_equal(r.peak_concurrency,
				 cases[i].pages < cases[i].workers ? cases[i].pages : cases[i].workers);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_NONBLOCKING, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, cases[i].pages * one);
		assert_int_equal(r.cpu_busy_ns, r.elapsed_ns);   /* it never stops polling */
		assert_true(r.futile_syscalls > 0);
		for (int m = AL_MODEL_CALLBACK; m <= AL_MODEL_ASYNCIO; m++) {
			assert_int_equal(sim_run_model(&sc, m, &r, err, sizeof err), 0);
			assert_int_equal(r.elapsed_ns, all);
			assert_int_equal(r.pages_ok, cases[i].pages);
			assert_int_equal(r.peak_concurrency, cases[i].pages);
		}
		/* asyncio with a semaphore of W: W pages at a time */
		sc.models[AL_MODEL_ASYNCIO].limit = cases[i].workers;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, pool);
		assert_int_equal(r.peak_concurrency,
				 cases[i].pages < cases[i].workers ? cases[i].pages : cases[i].workers);
	}
}

/* green on a zero-cost machine: however many OS threads its green threads
 * are dealt among, every page is in flight at once, as asyncio's (one
 * page's delays, the transfers on the shared link); each green thread
 * holds green_memory (never more than its stack) from its start to its
 * end, and they all start before any ends. */
static void test_green_is_exact(void **state)
{
	static const struct {
		int64_t pages;
		int threads, cores;
	} cases[] = {{10, 0, 1}, {7, 3, 1}, {25, 4, 2}, {1, 4, 4}, {12, 5, 8}};
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, cases[i].pages, 40 * MS, 7 * MS, 20000, 80000000);
		sc.machine.cores = cases[i].cores;
		sc.models[AL_MODEL_GREEN].threads = cases[i].threads;
		sc.machine.costs.green_memory = 8192;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_GREEN, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, pages_at_once_ns(&sc, 20000, cases[i].pages));
		assert_int_equal(r.pages_ok, cases[i].pages);
		assert_int_equal(r.peak_concurrency, cases[i].pages);
		assert_int_equal(r.peak_memory_bytes, cases[i].pages * 8192);
		/* the charge is capped at the stack itself */
		sc.machine.costs.green_memory = 1 << 20;
		sc.models[AL_MODEL_GREEN].stack = 32768;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_GREEN, &r, err, sizeof err), 0);
		assert_int_equal(r.peak_memory_bytes, cases[i].pages * 32768);
		assert_int_equal(r.elapsed_ns, pages_at_once_ns(&sc, 20000, cases[i].pages));
		/* the only CPU is the switches: a pair per resume, at least
		 * three resumes a page (start, connected, the reply) */
		sc.machine.costs.green_switch_ns = 1000;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_GREEN, &r, err, sizeof err), 0);
		assert_int_equal(r.cpu_busy_ns % 2000, 0);
		assert_true(r.cpu_busy_ns >= 3 * 2000 * cases[i].pages);
		assert_int_equal(r.pages_ok, cases[i].pages);
	}
}

/* green_stack is paid once a green thread, however its green threads are
 * dealt among OS threads: a green thread per page, or L of them with a
 * limit, each crawling several pages on the one stack; on an otherwise
 * zero-cost machine it is the whole CPU. */
static void test_green_stack_is_per_green_thread(void **state)
{
	static const struct {
		int64_t pages, limit;
		int threads, cores;
	} cases[] = {{10, 0, 0, 1}, {25, 0, 4, 2}, {10, 3, 0, 1}, {25, 5, 4, 2}, {7, 10, 2, 2}};
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t pages = cases[i].pages, limit = cases[i].limit;
		int64_t ng = limit > 0 && limit < pages ? limit : pages;

		fixed(&sc, pages, 40 * MS, 7 * MS, 20000, 80000000);
		sc.machine.cores = cases[i].cores;
		sc.models[AL_MODEL_GREEN].threads = cases[i].threads;
		sc.models[AL_MODEL_GREEN].limit = limit;
		sc.machine.costs.green_stack_ns = 13000;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_GREEN, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok, pages);
		assert_int_equal(r.cpu_busy_ns, ng * 13000);
		/* asyncio maps no stacks: the key leaves it alone */
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
		assert_int_equal(r.cpu_busy_ns, 0);
	}
}

/* green_stack_woken is paid by the first green thread to end after its
 * OS thread's wait on the selector, not by every one: a lone green thread
 * crawling every page (limit 1) pays it once, ten whose responses come
 * 2 ms apart (a FIFO link) pay it ten times, ten whose responses all come at the same
 * instant fewer; asyncio maps no stacks. */
static void test_green_stack_woken_is_per_wake_up(void **state)
{
	static const struct {
		int64_t pages, limit, bps;
		int64_t min, max;            /* the charges, in W */
	} cases[] = {
		{5, 1, 80000000, 1, 1},      /* one stack, unmapped once */
		{10, 0, 80000000, 10, 10},   /* FIFO, 20,000 B at 80 Mbit: 2 ms apart */
		{10, 0, 0, 1, 9},            /* an unlimited link: together */
	};
	const int64_t w = 7000;
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, cases[i].pages, 40 * MS, 7 * MS, 20000, cases[i].bps);
		sc.network.link = AL_LINK_FIFO;   /* the responses one after another */
		sc.machine.cores = 1;
		sc.models[AL_MODEL_GREEN].threads = 1;
		sc.models[AL_MODEL_GREEN].limit = cases[i].limit;
		sc.machine.costs.green_stack_woken_ns = w;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_GREEN, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok, cases[i].pages);
		assert_int_equal(r.cpu_busy_ns % w, 0);
		assert_true(r.cpu_busy_ns >= cases[i].min * w);
		assert_true(r.cpu_busy_ns <= cases[i].max * w);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
		assert_int_equal(r.cpu_busy_ns, 0);
	}
}

/* green with a limit L is a worker pool on a zero-cost machine: L green
 * threads, each crawling its pages one after another, go in rounds of L
 * pages at once, as asyncio's semaphore does, however they are dealt
 * among the OS threads; only L stacks are ever held. */
static void test_green_limit_is_exact(void **state)
{
	static const struct {
		int64_t pages, limit;
		int threads, cores;
	} cases[] = {{10, 3, 0, 1}, {25, 5, 4, 2}, {7, 10, 2, 2}, {12, 4, 3, 8}, {9, 1, 0, 4}};
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t n = cases[i].pages < cases[i].limit ? cases[i].pages : cases[i].limit;

		fixed(&sc, cases[i].pages, 40 * MS, 7 * MS, 20000, 80000000);
		sc.machine.cores = cases[i].cores;
		sc.models[AL_MODEL_GREEN].threads = cases[i].threads;
		sc.models[AL_MODEL_GREEN].limit = cases[i].limit;
		sc.machine.costs.green_memory = 8192;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_GREEN, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, rounds_ns(&sc, 20000, cases[i].pages, cases[i].limit));
		assert_int_equal(r.pages_ok, cases[i].pages);
		assert_int_equal(r.peak_concurrency, n);
		assert_int_equal(r.peak_memory_bytes, n * 8192);
	}
}

/* The process's memory mappings now (lines of /proc/self/maps), or -1. */
static long maps_now(void)
{
	FILE *fp = fopen("/proc/self/maps", "r");
	long n = 0;
	int ch;

	if (!fp)
		return -1;
	while ((ch = getc(fp)) != EOF)
		n += ch == '\n';
	fclose(fp);
	return n;
}

/* The simulator's green threads must not depend on the host's
 * vm.max_map_count.  Rather than 40,000 pages (seconds, half a GiB), the
 * test uses up the host's limit first: it splits one untouched mapping
 * into single pages until only HEADROOM mappings are left, then runs
 * PAGES green threads, which at two mappings a stack would need four
 * times the headroom.  Every page is fetched, twice the same way. */
#define HEADROOM 2000
#define PAGES 4000

static void test_green_past_map_limit(void **state)
{
	struct al_scenario sc;
	struct al_report r[2];
	char err[512];
	long limit = 0, used = maps_now();
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	FILE *fp = fopen("/proc/sys/vm/max_map_count", "r");

	(void)state;
	if (fp) {
		if (fscanf(fp, "%ld", &limit) != 1)
			limit = 0;
		fclose(fp);
	}
	if (limit <= 0 || used < 0 || limit > 1000000 || limit - used < 2 * HEADROOM) {
		printf("skipped: vm.max_map_count %ld, %ld mappings in use: cannot squeeze "
		       "this process's mappings cheaply here\n", limit, used);
		skip();
	}
	/* every other page made inaccessible: a mapping each, none merge */
	size_t fill = (size_t)(limit - used - HEADROOM) | 1;
	char *m = mmap(NULL, fill * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	assert_true(m != MAP_FAILED);
	for (size_t i = 1; i < fill; i += 2)
		assert_int_equal(mprotect(m + i * page, page, PROT_NONE), 0);
	assert_true(maps_now() >= limit - HEADROOM - 10);

	fixed(&sc, PAGES, 10 * MS, 0, 1000, 1000000000);
	sc.server.backlog = PAGES;
	sc.models[AL_MODEL_GREEN].stack = 16384;
	sc.machine.costs.green_memory = 8192;
	for (int k = 0; k < 2; k++) {
		memset(&r[k], 0, sizeof r[k]);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_GREEN, &r[k], err, sizeof err), 0);
	}
	munmap(m, fill * page);
	assert_int_equal(r[0].pages_ok, PAGES);
	assert_int_equal(r[0].peak_concurrency, PAGES);
	assert_int_equal(r[0].peak_memory_bytes, PAGES * 8192);
	assert_memory_equal(&r[0], &r[1], sizeof r[0]);
}

/* select refuses fds >= FD_SETSIZE: those pages fail with that cause;
 * poll and epoll take them all. */
static void test_select_limit(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	fixed(&sc, 1500, 10 * MS, 0, 1000, 1000000000);
	for (int p = AL_POLL_EPOLL; p <= AL_POLL_SELECT; p++) {
		sc.models[AL_MODEL_CALLBACK].poller = (enum al_poller)p;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_CALLBACK, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok + r.pages_failed, 1500);
		if (p == AL_POLL_SELECT) {
			/* fds 3..1023 fit: 1021 pages */
			assert_int_equal(r.pages_ok, 1021);
			assert_int_equal(r.failures[AL_CAUSE_FDSETSIZE], 479);
		} else {
			assert_int_equal(r.pages_ok, 1500);
		}
	}
}

/* A server slower than the page timeout: every model fails every page
 * with cause timeout, and loses none. */
static void test_page_timeout(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	fixed(&sc, 12, 10 * MS, 5000 * MS, 1000, 80000000);
	sc.workload.timeout_ns = 2000 * MS;
	sc.models[AL_MODEL_THREAD].workers = 4;
	sc.models[AL_MODEL_PROCESS].workers = 4;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		assert_int_equal(sim_run_model(&sc, m, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok, 0);
		assert_int_equal(r.pages_failed, 12);
		assert_int_equal(r.failures[AL_CAUSE_TIMEOUT], 12);
	}
	/* one page after another: 12 timeouts of 2 s */
	assert_int_equal(sim_run_model(&sc, AL_MODEL_SYNC, &r, err, sizeof err), 0);
	assert_int_equal(r.elapsed_ns, 12 * 2000 * MS);
}

/* Regressions found in review. */

/* Closed fds reused at once (asyncio's semaphore) while still queued as
 * ready in the selector: no page may be lost, no deadlock. */
static void test_fd_reuse_under_limit(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	al_scenario_default(&sc);
	al_costs_profile(&sc.machine.costs, AL_PROFILE_C);
	sc.network.rtt_ns = 10 * MS;
	sc.network.bandwidth_bps = 10000000000;
	sc.server.think = AL_DIST_FIXED_AT(1 * MS);
	sc.server.page_size = AL_DIST_FIXED_AT(10240);
	sc.workload.pages = 5000;
	sc.trace = false;
	for (int p = AL_POLL_EPOLL; p <= AL_POLL_POLL; p++) {
		sc.models[AL_MODEL_ASYNCIO].poller = (enum al_poller)p;
		sc.models[AL_MODEL_ASYNCIO].limit = 250;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok, 5000);
		assert_int_equal(r.peak_concurrency, 250);
	}
}

/* Data arriving within the burst that starts a spin: the first try
 * succeeds; nothing fails with a made-up error. */
static void test_spin_on_a_fast_link(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	al_scenario_default(&sc);
	sc.network.rtt_ns = 1 * MS;
	sc.network.bandwidth_bps = 10000000000;
	sc.server.think = AL_DIST_FIXED_AT(1 * MS);
	sc.server.page_size = AL_DIST_FIXED_AT(65536);
	assert_int_equal(sim_run_model(&sc, AL_MODEL_NONBLOCKING, &r, err, sizeof err), 0);
	assert_int_equal(r.pages_ok, 10);
	assert_true(r.futile_syscalls > 0);
}

/* The link goes down while the host still holds a connection back: the
 * network has it established (no handshake), the socket not yet (its
 * SYN-ACK waits for the packet emulator: sim_host_conn_held).  The reset
 * is what every model meets, at that instant: a busy-poll or a green
 * thread waiting to write must not be told "writable" while send() says
 * EAGAIN (they retried for ever, in one burst), nor a callback fail with
 * that EAGAIN (counted as a spawn failure).  The alarm only turns such a
 * hang into a failure; the runs take milliseconds. */
static void test_reset_while_host_holds_connect(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	al_scenario_default(&sc);
	al_costs_profile(&sc.machine.costs, AL_PROFILE_C);
	sc.machine.host_server = true;
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.network.rtt_ns = 50 * MS;
	sc.network.handshake = false;
	sc.network.bandwidth_bps = 10000000000;
	sc.server.think = AL_DIST_FIXED_AT(1 * MS);
	sc.server.page_size = AL_DIST_FIXED_AT(4096);
	sc.workload.pages = 3;
	sc.trace = false;
	sc.nevents = 2;
	sc.events[0] = (struct al_event_cfg){.at_ns = 5 * MS, .set = AL_EV_LINK_DOWN,
					     .network = sc.network, .server = sc.server};
	sc.events[1] = sc.events[0];
	sc.events[1].at_ns = 6 * MS;
	sc.events[1].set = AL_EV_LINK_UP;
	alarm(60);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		assert_int_equal(sim_run_model(&sc, m, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok, 0);
		assert_int_equal(r.pages_failed, 3);
		/* the first connection reset, those after it unreachable (or
		 * reset too, where they were all open at once) */
		assert_true(r.failures[AL_CAUSE_RESET] >= 1);
		assert_int_equal(r.failures[AL_CAUSE_RESET] + r.failures[AL_CAUSE_UNREACHABLE], 3);
		assert_true(r.elapsed_ns < 6 * MS);   /* all within the link's down time */
	}
	alarm(0);
}

/* A scenario event after the crawl has ended does not stretch it. */
static void test_late_event_not_counted(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	char err[512];

	(void)state;
	al_scenario_default(&sc);
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &a, err, sizeof err), 0);
	sc.nevents = 1;
	sc.events[0] = (struct al_event_cfg){.at_ns = 60000 * MS, .set = AL_EV_RTT,
					     .network = sc.network};
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &b, err, sizeof err), 0);
	assert_int_equal(b.elapsed_ns, a.elapsed_ns);
}

static void test_same_run_same_hash(void **state)
{
	struct al_scenario sc;
	struct al_report a, b, c;
	char err[512];

	(void)state;
	al_scenario_default(&sc);
	sc.workload.pages = 50;
	sc.server.think = (struct al_dist){AL_DIST_LOGNORMAL, 20.0 * MS, 0.8};
	sc.server.page_size = (struct al_dist){AL_DIST_UNIFORM, 1000, 50000};
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &a, err, sizeof err), 0);
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &b, err, sizeof err), 0);
	assert_memory_equal(&a, &b, sizeof a);
	assert_true(a.trace_hash != 0);
	/* Hash-only mode gives the same hash as recording. */
	sc.trace = !sc.trace;
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &c, err, sizeof err), 0);
	assert_int_equal(c.trace_hash, a.trace_hash);
	/* Another seed draws other think times: another run. */
	sc.seed++;
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &c, err, sizeof err), 0);
	assert_true(c.trace_hash != a.trace_hash);
	assert_true(c.elapsed_ns != a.elapsed_ns);
}

static void test_fd_limit_fails_pages_not_run(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	al_scenario_default(&sc);
	sc.workload.pages = 20;
	sc.machine.fd_limit = 8; /* 0-2 are stdio: five sockets fit */
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
	assert_int_equal(r.pages_ok, 5);
	assert_int_equal(r.pages_failed, 15);
	assert_int_equal(r.failures[AL_CAUSE_EMFILE], 15);
	assert_int_equal(r.pages_ok + r.pages_failed, 20);
}

static void test_every_model_runs(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	al_scenario_default(&sc);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		assert_int_equal(sim_run_model(&sc, m, &r, err, sizeof err), 0);
	assert_int_equal(sim_run_model(&sc, AL_MODEL_COUNT, &r, err, sizeof err), -1);
	assert_int_equal(errno, ENOSYS);
}

/* The runnable counter is the run queue: at every instant it equals the
 * number of lanes in the runnable state (waiting for a core or the GIL),
 * and CPU-heavy threads on fewer cores than threads do queue. */
static void sort_by_time(struct al_tr_event *ev, size_t n)
{
	/* insertion sort: stable (recording order among equal times), and
	 * the simulator records only a few events ahead of time */
	for (size_t i = 1; i < n; i++) {
		struct al_tr_event e = ev[i];
		size_t j = i;

		for (; j > 0 && ev[j - 1].t > e.t; j--)
			ev[j] = ev[j - 1];
		ev[j] = e;
	}
}

/* A thread or process lane in the run queue: waiting for a core or the
 * GIL.  A task's "ready: waiting for a core" is its thread's, not one
 * more entry in the queue. */
static int queued(const struct al_trace *tr, uint32_t lane, unsigned st)
{
	return tr->lanes[lane].kind != AL_LANE_TASK && (st == AL_ST_RUNNABLE || st == AL_ST_GIL);
}

static void check_runnable_counter(struct al_scenario *sc, enum al_model m, int64_t want_peak)
{
	struct al_trace tr;
	struct al_report r;
	char err[512];
	int64_t peak = 0, counter = 0, samples = 0;

	assert_int_equal(al_trace_init(&tr, AL_TRACE_RECORD), 0);
	assert_int_equal(sim_run_model_traced(sc, m, &r, &tr, err, sizeof err), 0);
	assert_int_equal(r.pages_ok, sc->workload.pages);
	/* sort a copy by time, recording order kept among equal times */
	struct al_tr_event *ev = malloc(tr.n * sizeof *ev);
	uint8_t *st = calloc(tr.nlanes, 1);
	int64_t runnable = 0;
	assert_non_null(ev);
	assert_non_null(st);
	memcpy(ev, tr.ev, tr.n * sizeof *ev);
	sort_by_time(ev, tr.n);
	memset(st, AL_ST_DONE, tr.nlanes);
	for (size_t i = 0; i < tr.n;) {
		size_t j = i;

		for (; j < tr.n && ev[j].t == ev[i].t; j++) {
			const struct al_tr_event *e = &ev[j];

			if (e->kind == AL_TR_COUNTER && e->code == AL_CTR_RUNNABLE) {
				counter = e->value;
				samples++;
			} else if (e->kind == AL_TR_STATE && e->lane < tr.nlanes) {
				runnable += queued(&tr, e->lane, e->code) -
					    queued(&tr, e->lane, st[e->lane]);
				st[e->lane] = e->code;
			}
		}
		assert_int_equal(counter, runnable);
		peak = counter > peak ? counter : peak;
		i = j;
	}
	assert_true(samples > 0);
	assert_int_equal(peak, want_peak);
	free(ev);
	free(st);
	al_trace_free(&tr);
}

static void test_runnable_counter_is_the_run_queue(void **state)
{
	struct al_scenario sc;

	(void)state;
	/* 8 threads, 8 pages arriving at once, each 10 ms of CPU, one core:
	 * seven wait while one parses */
	fixed(&sc, 8, 10 * MS, 0, 1024, 1000000000);
	sc.machine.cores = 1;
	sc.machine.costs.parse_ns_per_kib = 10 * MS;
	sc.models[AL_MODEL_THREAD].workers = 8;
	sc.models[AL_MODEL_THREAD].gil = false;
	check_runnable_counter(&sc, AL_MODEL_THREAD, 7);
	/* two cores: six wait */
	sc.machine.cores = 2;
	check_runnable_counter(&sc, AL_MODEL_THREAD, 6);
	/* one thread, the event loop: nothing ever waits for a core */
	check_runnable_counter(&sc, AL_MODEL_ASYNCIO, 0);
}

/* The footprint: the fd table and the frames from the structures' sizes,
 * exactly; the trace from a cut run, for large runs with the trace on. */
static void test_footprint(void **state)
{
	struct al_scenario sc;
	struct sim_footprint fp;
	const struct al_model_desc *md = al_model_get(AL_MODEL_ASYNCIO);

	(void)state;
	al_scenario_default(&sc);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		sc.models[m].enabled = m == AL_MODEL_ASYNCIO;
	sc.workload.pages = 1000;
	sc.machine.fd_limit = 5000;
	int64_t need = sim_run_footprint(&sc, false, &fp);
	assert_int_equal(fp.model, AL_MODEL_ASYNCIO);
	/* the table as far as 1000 pages (and no workers) can fill it */
	assert_int_equal(fp.fds, sim_os_fd_bytes(&sc, 1000 + 2 * sc.models[AL_MODEL_ASYNCIO].workers + 64));
	assert_true(fp.fds < 5000 * (int64_t)sizeof(struct sim_sock));
	/* at most the limit, in whole slabs (5 of 1024 sockets), and the
	 * slab pointers */
	assert_int_equal(sim_os_fd_bytes(&sc, 1000000),
			 5 * SIM_FD_SLAB * (int64_t)sizeof(struct sim_sock) + 5 * (int64_t)sizeof(void *));
	assert_int_equal(sim_os_fd_bytes(&sc, 1), SIM_FD_SLAB * (int64_t)sizeof(struct sim_sock) +
			 5 * (int64_t)sizeof(void *));
	assert_int_equal(fp.frames, 1000 * (int64_t)md->per_page);
	assert_int_equal(fp.trace, 0);          /* small: measured by running it */
	assert_int_equal(need, fp.fds + fp.frames);

	sc.workload.pages = 1000000;
	need = sim_run_footprint(&sc, false, &fp);
	assert_true(fp.trace > 1000000 * (int64_t)sizeof(struct al_tr_event));
	int64_t trace = fp.trace;
	/* kept for run's outputs: the traces of the models before it too */
	sc.models[AL_MODEL_SYNC].enabled = true;
	struct sim_footprint sync;
	sc.models[AL_MODEL_ASYNCIO].enabled = false;
	sim_run_footprint(&sc, false, &sync);
	sc.models[AL_MODEL_ASYNCIO].enabled = true;
	assert_int_equal(sim_run_footprint(&sc, true, &fp), need + sync.trace);
	assert_int_equal(fp.kept, sync.trace);
	sc.models[AL_MODEL_SYNC].enabled = false;
	sc.trace = false;
	assert_int_equal(sim_run_footprint(&sc, false, &fp), need - trace);
	assert_int_equal(fp.trace, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ten_pages_take_one_delay),
		cmocka_unit_test(test_model_shapes_are_exact),
		cmocka_unit_test(test_green_is_exact),
		cmocka_unit_test(test_green_limit_is_exact),
		cmocka_unit_test(test_green_stack_is_per_green_thread),
		cmocka_unit_test(test_green_stack_woken_is_per_wake_up),
		cmocka_unit_test(test_green_past_map_limit),
		cmocka_unit_test(test_select_limit),
		cmocka_unit_test(test_page_timeout),
		cmocka_unit_test(test_fd_reuse_under_limit),
		cmocka_unit_test(test_spin_on_a_fast_link),
		cmocka_unit_test(test_reset_while_host_holds_connect),
		cmocka_unit_test(test_late_event_not_counted),
		cmocka_unit_test(test_same_run_same_hash),
		cmocka_unit_test(test_fd_limit_fails_pages_not_run),
		cmocka_unit_test(test_every_model_runs),
		cmocka_unit_test(test_runnable_counter_is_the_run_queue),
		cmocka_unit_test(test_footprint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
