/* The simulated os under the core: virtual time jumps to events, timers
 * and deadlines run on it, close() disarms a socket's pending event, and a
 * run where every task blocks with nothing pending stops with a report of
 * who waits on what instead of hanging. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/al_scenario.h"
#include "sim/sim_os.h"

static struct al_scenario sc;
static struct al_loop loop;
static struct sim_os sim;

static int setup(void **state)
{
	(void)state;
	al_scenario_default(&sc);
	sc.network.rtt_ns = 100;
	sc.workload.timeout_ns = 0;     /* no page timeout events in the queue */
	al_loop_init(&loop, NULL);
	return sim_os_init(&sim, &sc, &loop, NULL);
}

static int teardown(void **state)
{
	(void)state;
	sim_os_free(&sim);
	return 0;
}

/* Takes a lock, then takes it again: the second wait can never end. */
struct reader {
	struct al_coro co;
	int64_t lk;
	struct al_future got;
	struct al_timer tm;
	int64_t deadline;
	int err;
};

static int reader_fn(struct al_task *t, void *arg)
{
	struct reader *f = arg;
	struct al_os *os = &sim.os;

	AL_BEGIN(f);
	f->lk = os->ops->lock_open(os);
	al_future_init(&f->got, t->fut.loop);
	os->ops->lock(os, f->lk, &f->got);
	AL_AWAIT(t, f, &f->got);
	al_future_init(&f->got, t->fut.loop);
	os->ops->lock(os, f->lk, &f->got);
	if (f->deadline)
		AL_AWAIT_UNTIL(t, f, &f->got, &f->tm, f->deadline);
	else
		AL_AWAIT(t, f, &f->got);
	f->err = t->err;
	/* the given-up wait was unparked: unlock skips it and frees the lock */
	assert_int_equal(os->ops->unlock(os, f->lk), 0);
	assert_int_equal(sim.locks[f->lk].held, 0);
	AL_END(t, f);
}

static void test_deadlock_reports_who_waits(void **state)
{
	struct reader r = {0};
	struct al_task t;
	char buf[256] = "";

	(void)state;
	al_task_start(&t, &loop, reader_fn, &r, "reader");
	assert_int_equal(al_loop_run(&loop), -1);
	assert_int_equal(errno, EDEADLK);
	FILE *f = fmemopen(buf, sizeof buf, "w");
	assert_int_equal(al_loop_report_blocked(&loop, f), 1);
	fclose(f);
	assert_string_equal(buf, "  task 'reader' waits on &f->got\n");
	assert_int_equal(sim.now, 0);
}

static void test_deadline_on_virtual_clock(void **state)
{
	struct reader r = {.deadline = 5000};
	struct al_task t;

	(void)state;
	al_task_start(&t, &loop, reader_fn, &r, "reader");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(r.err, ETIMEDOUT);
	assert_int_equal(sim.now, 5000);
	assert_int_equal(sim.events, 1);
}

static void test_close_disarms_pending_event(void **state)
{
	struct al_os *os = &sim.os;
	struct al_future conn;

	(void)state;
	int fd = (int)os->ops->socket(os, 1);
	assert_int_equal(fd, 3); /* lowest free after stdio */
	al_future_init(&conn, &loop);
	assert_int_equal(os->ops->connect(os, fd, 0, &conn), 0);
	assert_int_equal(sim_queue_size(&sim.q), 1);
	assert_int_equal(os->ops->close(os, fd), 0);
	assert_int_equal(sim_queue_size(&sim.q), 0);
	/* the parked connect learns its socket is gone */
	assert_int_equal(conn.err, ECONNABORTED);
	assert_int_equal(os->ops->close(os, fd), -EBADF);
	assert_int_equal(sim.syscalls, 4);
}

static void test_nonblocking_is_futile_until_ready(void **state)
{
	struct al_os *os = &sim.os;
	char buf[16];

	(void)state;
	int fd = (int)os->ops->socket(os, 1);
	assert_int_equal(os->ops->recv(os, fd, buf, sizeof buf, NULL), -ENOTCONN);
	assert_int_equal(os->ops->connect(os, fd, 0, NULL), -EINPROGRESS);
	assert_int_equal(os->ops->connect(os, fd, 0, NULL), -EALREADY);
	assert_int_equal(os->ops->send(os, fd, "GET", 3, NULL), -EAGAIN);
	assert_int_equal(sim.futile, 2);
	/* Run the clock: after one RTT the socket is connected. */
	while (!sim_sock_ready(sim_sock_at(&sim, fd), AL_EV_WRITE))
		assert_int_equal(os->ops->wait(os), 1);
	assert_int_equal(sim.now, 100);
	assert_int_equal(os->ops->send(os, fd, "GET", 3, NULL), 3);
	assert_int_equal(os->ops->recv(os, fd, buf, sizeof buf, NULL), -EAGAIN);
	assert_int_equal(sim.futile, 3);
	while (!sim_sock_ready(sim_sock_at(&sim, fd), AL_EV_READ))
		assert_int_equal(os->ops->wait(os), 1);
	int64_t n = os->ops->recv(os, fd, buf, sizeof buf, NULL);
	assert_int_equal(n, 16);
	assert_memory_equal(buf, "HTTP/1.0 200 OK\r", 16);
	os->ops->close(os, fd);
	assert_int_equal(os->ops->wait(os), 0); /* closing left nothing behind */
}

/* A pass of the kernel reports every fd ready then, and the waits after
 * it hand those out before any that became ready since: a wait that
 * finds some of the last pass's left makes no pass (sim_sel.c), as
 * libevent's queue and the article's loop over one select()'s events. */
static void test_waits_take_the_last_pass_first(void **state)
{
	struct al_os *os = &sim.os;
	struct al_sel_event ev[4];
	int fd[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		fd[i] = (int)os->ops->socket(os, 1);
		assert_int_equal(os->ops->connect(os, fd[i], 0, NULL), -EINPROGRESS);
	}
	while (!sim_sock_ready(sim_sock_at(&sim, fd[3]), AL_EV_WRITE))
		assert_int_equal(os->ops->wait(os), 1);
	int sel = (int)al_sel_open(os, AL_POLL_POLL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(al_sel_ctl(os, sel, fd[i], AL_EV_WRITE, NULL), 0);
	/* the pass reports three; the wait takes two */
	assert_int_equal(al_sel_wait(os, sel, ev, 2, NULL), 2);
	assert_int_equal(ev[0].fd, fd[0]);
	assert_int_equal(ev[1].fd, fd[1]);
	/* ready since the pass: after the pass's third */
	assert_int_equal(al_sel_ctl(os, sel, fd[3], AL_EV_WRITE, NULL), 0);
	assert_int_equal(al_sel_wait(os, sel, ev, 4, NULL), 1);
	assert_int_equal(ev[0].fd, fd[2]);
	/* a new pass: all four, still ready (level-triggered) */
	assert_int_equal(al_sel_wait(os, sel, ev, 4, NULL), 4);
	/* an fd of the pass unregistered before it is taken is not */
	assert_int_equal(al_sel_wait(os, sel, ev, 1, NULL), 1);
	assert_int_equal(al_sel_ctl(os, sel, fd[ev[0].fd == fd[3] ? 0 : 3], 0, NULL), 0);
	assert_int_equal(al_sel_wait(os, sel, ev, 4, NULL), 2);
	assert_int_equal(sim.syscalls, 4 + 4 + 1 + 5);
	for (int i = 0; i < 4; i++)
		os->ops->close(os, fd[i]);
	os->ops->sel_close(os, sel);
}

/* Busy-polling one page: spin() (analytic) against retrying each call
 * with a yield between tries (iterated), on a simulated thread. */
struct poller {
	struct al_coro co;
	int iterate;
	int fd;
	int64_t r, bytes, got_at;
	char buf[4096];
	struct al_future f;
};

static int poll_step(struct al_task *t, struct poller *p, unsigned ev)
{
	(void)t;
	al_future_init(&p->f, t->fut.loop);
	if (p->iterate)
		return (int)al_cpu(&sim.os, 0, &p->f);  /* a yield */
	return (int)al_spin(&sim.os, p->fd, ev, &p->f);
}

static int poller_fn(struct al_task *t, void *arg)
{
	struct poller *p = arg;
	struct al_os *os = &sim.os;

	AL_BEGIN(p);
	p->fd = (int)os->ops->socket(os, 1);
	os->ops->connect(os, p->fd, 0, NULL);
	while ((p->r = os->ops->send(os, p->fd, "GET / HTTP/1.0\r\n\r\n", 18, NULL)) == -EAGAIN) {
		poll_step(t, p, AL_EV_WRITE);
		AL_AWAIT(t, p, &p->f);
	}
	for (;;) {
		p->r = os->ops->recv(os, p->fd, p->buf, sizeof p->buf, NULL);
		if (p->r == 0)
			break;
		if (p->r > 0) {
			p->bytes += p->r;
			continue;
		}
		poll_step(t, p, AL_EV_READ);
		AL_AWAIT(t, p, &p->f);
	}
	p->got_at = sim_kernel_clock(&sim.k);
	os->ops->close(os, p->fd);
	AL_END(t, p);
}

static void test_spin_equals_iterating(void **state)
{
	static const int64_t periods[] = {7, 13, 900};
	struct poller p[2];
	int64_t syscalls[2], futile[2], busy[2];
	struct al_task t;

	(void)state;
	for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
		for (int it = 0; it < 2; it++) {
			teardown(NULL);
			al_scenario_default(&sc);
			memset(&sc.machine.costs, 0, sizeof sc.machine.costs);
			sc.machine.costs.syscall_ns = periods[i];
			sc.network.rtt_ns = 100003;
			sc.server.think = AL_DIST_FIXED_AT(20011);
			al_loop_init(&loop, NULL);
			assert_int_equal(sim_os_init(&sim, &sc, NULL, NULL), 0);
			struct sim_thread *th = sim_kernel_thread(&sim.k, -1, "poller");
			p[it] = (struct poller){.iterate = it};
			al_task_start(&t, &th->loop, poller_fn, &p[it], "poller");
			while (sim.os.ops->wait(&sim.os))
				;
			syscalls[it] = sim.syscalls;
			futile[it] = sim.futile;
			busy[it] = sim.k.cpu_busy;
		}
		assert_int_equal(p[0].bytes, p[1].bytes);
		assert_int_equal(p[0].got_at, p[1].got_at);
		assert_int_equal(syscalls[0], syscalls[1]);
		assert_int_equal(futile[0], futile[1]);
		assert_int_equal(busy[0], busy[1]);
		assert_true(futile[0] > 2 * 100003 / periods[i] - 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deadlock_reports_who_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_on_virtual_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_disarms_pending_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonblocking_is_futile_until_ready, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_spin_equals_iterating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waits_take_the_last_pass_first, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
