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
	assert_int_equal(os->ops->wait(os), 1);
	assert_int_equal(sim.now, 100);
	assert_int_equal(os->ops->send(os, fd, "GET", 3, NULL), 3);
	assert_int_equal(os->ops->recv(os, fd, buf, sizeof buf, NULL), -EAGAIN);
	assert_int_equal(sim.futile, 3);
	assert_int_equal(os->ops->wait(os), 1);
	int64_t n = os->ops->recv(os, fd, buf, sizeof buf, NULL);
	assert_int_equal(n, 16);
	assert_memory_equal(buf, "HTTP/1.0 200 OK\r", 16);
	assert_int_equal(os->ops->wait(os), 0); /* nothing left */
	os->ops->close(os, fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deadlock_reports_who_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_on_virtual_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_disarms_pending_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonblocking_is_futile_until_ready, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
