/* The real os under the core: libevent's selector reports what is ready
 * (level-triggered, for each poller), a task resumes from the loop and
 * never inside a libevent callback, the page timeout reaches a registered
 * fd, a blocking read and a spin, and timers fire.  Real sockets on
 * loopback; only lower bounds on time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/al_scenario.h"
#include "net/net_os.h"

#define MS INT64_C(1000000)

static struct al_scenario sc;
static struct al_loop loop;
static struct net_os n;
static struct al_os *os;
static int lfd = -1;                 /* a listener nobody accepts from */

static int setup(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;

	(void)state;
	al_scenario_default(&sc);
	sc.workload.timeout_ns = 0;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	al_loop_init(&loop, NULL);
	if (net_os_init(&n, &sc, &loop, &a, 1) != 0)
		return -1;
	os = &n.os;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	net_os_free(&n);
	close(lfd);
	return 0;
}

/* A connected pair through the os: c is the os's socket, s the peer. */
static void pair(int *c, int *s)
{
	*c = (int)os->ops->socket(os, 1);
	assert_true(*c >= 0);
	int64_t r = os->ops->connect(os, *c, 0, NULL);
	assert_true(r == 0 || r == -EINPROGRESS);
	*s = accept(lfd, NULL, NULL);
	assert_true(*s >= 0);
}

/* Is event_base_loop (libevent's, exported) on the stack?  A task must
 * never resume inside it. */
static int inside_libevent_loop(void)
{
	void *frames[64];
	int k = backtrace(frames, 64);

	for (int i = 0; i < k; i++) {
		Dl_info d;
		if (dladdr(frames[i], &d) && d.dli_sname && strcmp(d.dli_sname, "event_base_loop") == 0)
			return 1;
	}
	return 0;
}

static void probe_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = inside_libevent_loop();
}

/* One task: wait for the selector, note what came and where it ran. */
struct waiter {
	struct al_coro co;
	int sel, n;
	int err;
	int inside_callback;         /* resumed inside a libevent callback? */
	struct al_future f;
	struct al_sel_event ev[8];
};

static int waiter_fn(struct al_task *t, void *arg)
{
	struct waiter *w = arg;

	AL_BEGIN(w);
	al_future_init(&w->f, t->fut.loop);
	os->ops->sel_wait(os, w->sel, w->ev, 8, &w->f);
	AL_AWAIT(t, w, &w->f);
	w->inside_callback = inside_libevent_loop();
	w->err = t->err;
	w->n = (int)t->value;
	AL_END(t, w);
}

static void run_wait(struct waiter *w, int sel)
{
	struct al_task t;

	*w = (struct waiter){.sel = sel};
	al_task_start(&t, &loop, waiter_fn, w, "waiter");
	assert_int_equal(al_loop_run(&loop), 0);
}

static void test_select_reports_ready(void **state)
{
	static const int pollers[] = {AL_POLL_EPOLL};
	int c, s, tag;
	struct waiter w;

	(void)state;
	for (size_t i = 0; i < sizeof pollers / sizeof pollers[0]; i++) {
		int sel = (int)os->ops->sel_open(os, (enum al_poller)pollers[i]);
		assert_true(sel >= 0);
		pair(&c, &s);
		/* nothing registered: a wait would block forever */
		run_wait(&w, sel);
		assert_int_equal(w.err, ENOENT);
		assert_int_equal(os->ops->sel_ctl(os, sel, c, AL_EV_READ, &tag), 0);
		assert_int_equal(os->ops->sel_ctl(os, sel, c, AL_EV_READ, &tag), 0);
		assert_int_equal(write(s, "abc", 3), 3);
		/* a real loop runs every turn: no sel_repeat, nothing skipped */
		assert_null(os->ops->sel_repeat);
		assert_int_equal(al_sel_repeat(os, sel, NULL, NULL), 0);
		/* the probe sees a libevent callback for what it is */
		int probed = 0;
		struct event *probe = event_new(n.main.base, -1, 0, probe_cb, &probed);
		event_active(probe, EV_READ, 0);
		run_wait(&w, sel);
		event_free(probe);
		assert_int_equal(probed, 1);
		assert_int_equal(w.err, 0);
		assert_int_equal(w.n, 1);
		assert_int_equal(w.ev[0].fd, c);
		assert_int_equal(w.ev[0].events, AL_EV_READ);
		assert_ptr_equal(w.ev[0].data, &tag);
		assert_false(w.inside_callback);
		/* level-triggered: still unread, so reported again */
		run_wait(&w, sel);
		assert_int_equal(w.n, 1);
		/* read, and it is not */
		char buf[8];
		assert_int_equal(os->ops->recv(os, c, buf, sizeof buf, NULL), 3);
		assert_int_equal(os->ops->recv(os, c, buf, sizeof buf, NULL), -EAGAIN);
		/* writable too when asked */
		assert_int_equal(os->ops->sel_ctl(os, sel, c, AL_EV_READ | AL_EV_WRITE, &tag), 0);
		run_wait(&w, sel);
		assert_int_equal(w.n, 1);
		assert_int_equal(w.ev[0].events, AL_EV_WRITE);
		/* unregistered: gone; unregistering twice is ENOENT */
		assert_int_equal(os->ops->sel_ctl(os, sel, c, 0, NULL), 0);
		assert_int_equal(os->ops->sel_ctl(os, sel, c, 0, NULL), -ENOENT);
		run_wait(&w, sel);
		assert_int_equal(w.err, ENOENT);
		/* an fd belongs to one selector */
		int other = (int)os->ops->sel_open(os, (enum al_poller)pollers[i]);
		assert_int_equal(os->ops->sel_ctl(os, sel, c, AL_EV_READ, NULL), 0);
		assert_int_equal(os->ops->sel_ctl(os, other, c, AL_EV_READ, NULL), -EEXIST);
		assert_int_equal(os->ops->sel_ctl(os, 99, c, AL_EV_READ, NULL), -EBADF);
		/* closing the fd takes it out of its selector */
		assert_int_equal(os->ops->close(os, c), 0);
		run_wait(&w, sel);
		assert_int_equal(w.err, ENOENT);
		os->ops->sel_close(os, other);
		os->ops->sel_close(os, sel);
		close(s);
	}
}

/* The same on poll and select, in a fresh os each (one poller per
 * thread's event_base); select refuses fds past FD_SETSIZE. */
static void test_poll_and_select(void **state)
{
	static const enum al_poller pollers[] = {AL_POLL_POLL, AL_POLL_SELECT};
	int c, s;
	struct waiter w;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		teardown(NULL);
		assert_int_equal(setup(NULL), 0);
		int sel = (int)os->ops->sel_open(os, pollers[i]);
		assert_true(sel >= 0);
		pair(&c, &s);
		assert_int_equal(os->ops->sel_ctl(os, sel, c, AL_EV_READ, NULL), 0);
		assert_int_equal(write(s, "x", 1), 1);
		run_wait(&w, sel);
		assert_int_equal(w.n, 1);
		assert_int_equal(w.ev[0].fd, c);
		assert_false(w.inside_callback);
		int high = dup2(c, 1500);
		assert_int_equal(high, 1500);
		assert_int_equal(os->ops->sel_ctl(os, sel, high, AL_EV_READ, NULL),
				 pollers[i] == AL_POLL_SELECT ? -EINVAL : 0);
		os->ops->close(os, high);
		os->ops->close(os, c);
		os->ops->sel_close(os, sel);
		close(s);
		/* the thread's base has its poller: another one is refused */
		assert_int_equal(os->ops->sel_open(os, AL_POLL_EPOLL), -EBUSY);
	}
}

/* The page timeout counts from socket(): a registered fd whose peer never
 * answers is reported when it passes, and every call then fails. */
static void test_timeout_reaches_registered_fd(void **state)
{
	int c, s;
	struct waiter w;
	char buf[8];

	(void)state;
	sc.workload.timeout_ns = 60 * MS;
	int sel = (int)os->ops->sel_open(os, AL_POLL_EPOLL);
	int64_t t0 = os->ops->now(os);
	pair(&c, &s);
	assert_int_equal(os->ops->sel_ctl(os, sel, c, AL_EV_READ, NULL), 0);
	run_wait(&w, sel);
	assert_int_equal(w.n, 1);
	assert_true(os->ops->now(os) - t0 >= 60 * MS);
	assert_int_equal(os->ops->recv(os, c, buf, sizeof buf, NULL), -ETIMEDOUT);
	assert_int_equal(os->ops->send(os, c, "x", 1, NULL), -ETIMEDOUT);
	/* expired stays ready (level-triggered), re-registering too */
	run_wait(&w, sel);
	assert_int_equal(w.n, 1);
	assert_int_equal(os->ops->sel_ctl(os, sel, c, AL_EV_WRITE, NULL), 0);
	run_wait(&w, sel);
	assert_int_equal(w.n, 1);
	os->ops->close(os, c);
	os->ops->sel_close(os, sel);
	close(s);
	sc.workload.timeout_ns = 0;
}

/* A blocking read and a spin give up at the timeout too. */
static void test_timeout_blocking_and_spin(void **state)
{
	struct al_future f;
	char buf[8];

	(void)state;
	sc.workload.timeout_ns = 40 * MS;
	for (int k = 0; k < 2; k++) {
		int c = (int)os->ops->socket(os, k);
		int64_t t0 = os->ops->now(os);
		al_future_init(&f, &loop);
		os->ops->connect(os, c, 0, k ? NULL : &f);
		int s = accept(lfd, NULL, NULL);
		al_future_init(&f, &loop);
		if (k == 0)
			os->ops->recv(os, c, buf, sizeof buf, &f);
		else
			al_spin(os, c, AL_EV_READ, &f);
		assert_true(al_future_done(&f));
		assert_int_equal(f.err, ETIMEDOUT);
		assert_true(os->ops->now(os) - t0 >= 40 * MS);
		os->ops->close(os, c);
		close(s);
	}
	sc.workload.timeout_ns = 0;
	al_loop_drain(&loop);
}

/* Timers are libevent timers on the thread's base. */
struct sleeper {
	struct al_coro co;
	struct al_timer tm;
	int64_t woke;
};

static int sleeper_fn(struct al_task *t, void *arg)
{
	struct sleeper *f = arg;

	AL_BEGIN(f);
	AL_AWAIT(t, f, al_sleep_until(t->fut.loop, &f->tm, os->ops->now(os) + 30 * MS));
	f->woke = os->ops->now(os);
	AL_END(t, f);
}

static void test_timer(void **state)
{
	struct sleeper f = {0};
	struct al_task t;

	(void)state;
	int64_t t0 = os->ops->now(os);
	al_task_start(&t, &loop, sleeper_fn, &f, "sleeper");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_true(f.woke - t0 >= 30 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select_reports_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_and_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_reaches_registered_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_blocking_and_spin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
