/* The uring model on the simulated io_uring: exact times on a machine
 * whose costs are zero but the ring's, the syscalls an enter saves, the
 * ring's own contract (queue, enter, ENOENT), and a refused ring failing
 * every page with its cause. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sim/sim_run.h"
#include "core/al_http.h"
#include "core/al_scenario.h"
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

/* k pages at once over the simulator's Linux TCP (tests/test_sim_run.c
 * derives it): connect and request round trips, think, then the response
 * in slow-start rounds on the shared link.  The cases keep to one round. */
static int64_t pages_at_once_ns(const struct al_scenario *sc, int64_t size, int64_t k)
{
	char head[256];
	int64_t total = al_http_header(head, sizeof head, size) + size;

	assert_true(total <= 10 * SIM_MSS);          /* one round: the initial window */
	return 2 * sc->network.rtt_ns + (int64_t)sc->server.think.a +
	       k * total * 8 * 1000000000 / sc->network.bandwidth_bps;
}

/* With no costs at all, uring overlaps every page as asyncio does; with a
 * limit of W, W pages at a time. */
static void test_shape_is_asyncio_s(void **state)
{
	static const struct {
		int64_t pages, limit;
	} cases[] = {{1, 0}, {10, 0}, {7, 3}, {25, 5}};
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t n = cases[i].pages, w = cases[i].limit ? cases[i].limit : n, want = 0;

		fixed(&sc, n, 40 * MS, 7 * MS, 1256, 80000000);
		sc.models[AL_MODEL_URING].limit = cases[i].limit;
		for (int64_t left = n; left > 0; left -= w)
			want += pages_at_once_ns(&sc, 1256, left < w ? left : w);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, want);
		assert_int_equal(r.pages_ok, n);
		assert_int_equal(r.bytes, n * 1256);
		assert_int_equal(r.peak_concurrency, w);
		assert_int_equal(r.futile_syscalls, 0);    /* nothing is tried in vain */
	}
}

/* One page, the ring's costs alone (enter E, op O): four enters stand on
 * the page's path, each carrying one op that matters -- connect, send
 * (its recv rides along, off the path), the recv that sees the end of
 * the stream, close -- so the page takes 4 (E + O) more than for free. */
static void test_one_page_pays_four_enters(void **state)
{
	static const int64_t e[] = {0, 1000, 2600, 110};
	static const int64_t o[] = {0, 10, 65, 40};
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		fixed(&sc, 1, 50 * MS, 5 * MS, 1000, 800000000);  /* one segment */
		sc.machine.costs.uring_enter_ns = e[i];
		sc.machine.costs.uring_op_ns = o[i];
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &r, err, sizeof err), 0);
		assert_int_equal(r.elapsed_ns, pages_at_once_ns(&sc, 1000, 1) + 4 * (e[i] + o[i]));
		assert_int_equal(r.pages_ok, 1);
		/* the thread's CPU: 5 ops (the recv that parked too) and 5
		 * enters: the send completes inside its own enter, which returns
		 * it at once, so the reaper enters once more, empty, to wait for
		 * the recv (off the path: the request is on its way) */
		assert_int_equal(r.cpu_busy_ns, 5 * e[i] + 5 * o[i]);
		assert_int_equal(r.syscalls, 1 + 5 + 2);   /* socket, enters, ring setup + close */
	}
}

/* The ring's set-up and tear-down (uring_setup) is paid once a run, in
 * place of io_uring_setup's syscall price and still counted as that one
 * syscall, however many pages share the ring; asyncio has no ring. */
static void test_ring_setup_is_paid_once(void **state)
{
	static const int64_t pages[] = {1, 10, 300};
	struct al_scenario sc;
	struct al_report base, r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		fixed(&sc, pages[i], 50 * MS, 5 * MS, 1000, 800000000);
		sc.machine.costs.syscall_ns = 300;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &base, err, sizeof err), 0);
		sc.machine.costs.uring_setup_ns = 100000;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok, pages[i]);
		assert_int_equal(r.cpu_busy_ns, base.cpu_busy_ns - 300 + 100000);
		assert_int_equal(r.syscalls, base.syscalls);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
		sc.machine.costs.uring_setup_ns = 0;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &base, err, sizeof err), 0);
		assert_int_equal(r.cpu_busy_ns, base.cpu_busy_ns);
	}
}

/* An op whose page has a deadline carries a linked timeout on the real
 * ring, priced uring_timeout: one page's connect, send and two recvs pay
 * it, its close does not; with no page timeout nothing does, and asyncio
 * never does. */
static void test_linked_timeout_per_op(void **state)
{
	static const int64_t pages[] = {1, 10};
	struct al_scenario sc;
	struct al_report base, r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		fixed(&sc, pages[i], 50 * MS, 5 * MS, 1000, 800000000);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &base, err, sizeof err), 0);
		sc.machine.costs.uring_timeout_ns = 1000;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok, pages[i]);
		assert_int_equal(r.cpu_busy_ns, base.cpu_busy_ns + pages[i] * 4 * 1000);
		if (pages[i] == 1)           /* more pages: the charges spread the enters */
			assert_int_equal(r.syscalls, base.syscalls);
		sc.workload.timeout_ns = 0;          /* no deadline: no link */
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &r, err, sizeof err), 0);
		assert_int_equal(r.cpu_busy_ns, base.cpu_busy_ns);
		/* asyncio, with the deadline: the same with uring_timeout 0 */
		sc.workload.timeout_ns = 30000 * MS;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
		sc.machine.costs.uring_timeout_ns = 0;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &base, err, sizeof err), 0);
		assert_int_equal(r.cpu_busy_ns, base.cpu_busy_ns);
	}
}

/* An op its socket cannot complete at once costs uring_poll more (the
 * real ring polls the socket and issues the op again from task work):
 * one page's connect and its first recv wait; its send, the recv of the
 * end of the stream and its close do not.  asyncio never pays it. */
static void test_waiting_op_pays_its_poll(void **state)
{
	static const int64_t pages[] = {1, 10};
	struct al_scenario sc;
	struct al_report base, r;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		fixed(&sc, pages[i], 50 * MS, 5 * MS, 1000, 800000000);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &base, err, sizeof err), 0);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
		int64_t asyncio = r.cpu_busy_ns;
		sc.machine.costs.uring_poll_ns = 1000;
		assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &r, err, sizeof err), 0);
		assert_int_equal(r.pages_ok, pages[i]);
		assert_int_equal(r.cpu_busy_ns, base.cpu_busy_ns + pages[i] * 2 * 1000);
		assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &r, err, sizeof err), 0);
		assert_int_equal(r.cpu_busy_ns, asyncio);
	}
}

/* The syscalls: a socket per page, and enters shared by the pages -- the
 * ring's setup and close besides; asyncio makes several per page. */
static void test_enters_are_shared(void **state)
{
	struct al_scenario sc;
	struct al_report u, a;
	char err[512];

	(void)state;
	fixed(&sc, 1000, 40 * MS, 7 * MS, 1256, 8000000000);
	assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &u, err, sizeof err), 0);
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &a, err, sizeof err), 0);
	assert_int_equal(u.pages_ok, 1000);
	/* one page alone makes 4 enters (above); 1000 at once share them */
	assert_true(u.syscalls >= 1000 + 2 + 4);
	assert_true(u.syscalls < 1000 + 2 + 4 * 1000 / 10);
	assert_true(a.syscalls >= 5 * 1000);
	assert_int_equal(u.elapsed_ns, a.elapsed_ns);    /* no costs: the same shape */
}

/* The ring alone, on the os: queue is free, enter reaps what completed,
 * -ENOENT when nothing is queued nor in flight, bad ids are EBADF. */
static void test_ring_contract(void **state)
{
	struct al_scenario sc;
	struct sim_os s;
	struct al_loop loop;
	struct al_ring_cqe cqe[4];
	struct al_future w;
	int tag;

	(void)state;
	fixed(&sc, 1, 10 * MS, 0, 1000, 8000000000);
	sc.machine.costs.syscall_ns = 100;
	sc.machine.costs.uring_enter_ns = 300;
	sc.machine.costs.uring_op_ns = 7;
	al_loop_init(&loop, NULL);
	assert_int_equal(sim_os_init(&s, &sc, &loop, NULL), 0);
	struct al_os *os = &s.os;
	int64_t ring = os->ops->ring_open(os, 8);
	assert_true(ring >= 0);
	assert_int_equal(os->ops->ring_enter(os, (int)ring, cqe, 4, NULL), -ENOENT);
	int64_t fd = os->ops->socket(os, 0);
	assert_true(fd >= 0);
	int64_t calls = s.syscalls;
	/* a close queued costs nothing until the enter carries it */
	struct al_ring_op op = {.code = AL_RING_CLOSE, .fd = (int)fd, .data = &tag};
	assert_int_equal(os->ops->ring_queue(os, (int)ring, &op), 0);
	assert_int_equal(s.syscalls, calls);
	al_future_init(&w, &loop);
	assert_int_equal(os->ops->ring_enter(os, (int)ring, cqe, 4, &w), 0);
	assert_true(al_future_done(&w));
	assert_int_equal(w.err, 0);
	assert_int_equal(w.value, 1);
	assert_ptr_equal(cqe[0].data, &tag);
	assert_int_equal(cqe[0].res, 0);
	assert_int_equal(s.syscalls, calls + 1);        /* one enter, whatever it carried */
	op.data = NULL;
	assert_int_equal(os->ops->ring_queue(os, (int)ring, &op), -EINVAL);
	op = (struct al_ring_op){.code = 9, .fd = 3, .data = &tag};
	assert_int_equal(os->ops->ring_queue(os, (int)ring, &op), -EINVAL);
	assert_int_equal(os->ops->ring_queue(os, 7, &op), -EBADF);
	assert_int_equal(os->ops->ring_enter(os, (int)ring, cqe, 0, NULL), -EINVAL);
	assert_int_equal(os->ops->ring_close(os, (int)ring), 0);
	assert_int_equal(os->ops->ring_close(os, (int)ring), -EBADF);
	sim_os_free(&s);
}

/* Buffers the machine cannot hold: every page fails with that cause. */
static void test_no_memory_for_buffers_fails_every_page(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[512];

	(void)state;
	fixed(&sc, 6, 10 * MS, 0, 1000, 8000000000);
	sc.machine.costs.uring_enter_ns = 0;
	assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &r, err, sizeof err), 0);
	assert_int_equal(r.pages_ok, 6);
	/* the simulator's memory limit refuses the fetchers' buffers: every
	 * page fails for want of memory, none half-done */
	sc.machine.memory = 4096;
	assert_int_equal(sim_run_model(&sc, AL_MODEL_URING, &r, err, sizeof err), 0);
	assert_int_equal(r.pages_ok, 0);
	assert_int_equal(r.failures[AL_CAUSE_NOMEM], 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_is_asyncio_s),
		cmocka_unit_test(test_one_page_pays_four_enters),
		cmocka_unit_test(test_ring_setup_is_paid_once),
		cmocka_unit_test(test_linked_timeout_per_op),
		cmocka_unit_test(test_waiting_op_pays_its_poll),
		cmocka_unit_test(test_enters_are_shared),
		cmocka_unit_test(test_ring_contract),
		cmocka_unit_test(test_no_memory_for_buffers_fails_every_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
