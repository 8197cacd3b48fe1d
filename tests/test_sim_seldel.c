/* sel_del_recv, asyncio's reader's one call: the simulator's is the two
 * calls it stands for, sel_ctl(sel, fd, 0) then recv(fd) -- each case of
 * the table runs on twin simulators set up alike, one making the one call
 * and one the two, and every effect must agree: the result, the syscalls
 * and futile tries counted, the CPU charged (the thread's clock), the
 * selector's and socket's state, the bytes read and the trace's hash.
 * Where a backend leaves the op NULL (the real one), al_sel_del_recv must
 * make exactly those two calls, in that order: a fake ops table shows it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/al_scenario.h"
#include "core/al_trace.h"
#include "sim/sim_os.h"

#define CAP 4096
#define DATA 1                   /* a table's recv result: any count > 0 */
#define FD_NONE 40               /* an fd no socket ever had */
#define SEL_NONE 9               /* a selector never opened */

enum sel_arg { SEL_OK, SEL_BAD };
/* The fd as the call finds it: registered with the selector named, with
 * the other one, with none, closed after its registration, never open. */
enum fd_arg { FD_REG, FD_OTHER, FD_UNREG, FD_CLOSED, FD_NEVER };
/* The socket: a response's bytes there, none yet (connected, request
 * sent), read to its end, reset after its bytes were read, or never
 * connected. */
enum sock_arg { SK_DATA, SK_EMPTY, SK_EOF, SK_RESET, SK_FRESH };

struct seldel_case {
	const char *name;
	enum al_poller kind;
	enum sel_arg sel;
	enum fd_arg fd;
	enum sock_arg sock;
	int64_t ctl;                 /* the unregistration's own result */
	int64_t recv;                /* recv's: the op's (DATA: > 0) */
};

static const struct seldel_case cases[] = {
	{"epoll, data", AL_POLL_EPOLL, SEL_OK, FD_REG, SK_DATA, 0, DATA},
	{"epoll, nothing yet", AL_POLL_EPOLL, SEL_OK, FD_REG, SK_EMPTY, 0, -EAGAIN},
	{"epoll, end of stream", AL_POLL_EPOLL, SEL_OK, FD_REG, SK_EOF, 0, 0},
	{"epoll, reset", AL_POLL_EPOLL, SEL_OK, FD_REG, SK_RESET, 0, -ECONNRESET},
	{"epoll, not connected", AL_POLL_EPOLL, SEL_OK, FD_REG, SK_FRESH, 0, -ENOTCONN},
	{"poll, data", AL_POLL_POLL, SEL_OK, FD_REG, SK_DATA, 0, DATA},
	{"poll, nothing yet", AL_POLL_POLL, SEL_OK, FD_REG, SK_EMPTY, 0, -EAGAIN},
	{"poll, end of stream", AL_POLL_POLL, SEL_OK, FD_REG, SK_EOF, 0, 0},
	{"poll, reset", AL_POLL_POLL, SEL_OK, FD_REG, SK_RESET, 0, -ECONNRESET},
	{"select, data", AL_POLL_SELECT, SEL_OK, FD_REG, SK_DATA, 0, DATA},
	{"select, nothing yet", AL_POLL_SELECT, SEL_OK, FD_REG, SK_EMPTY, 0, -EAGAIN},
	{"bad selector, data", AL_POLL_EPOLL, SEL_BAD, FD_REG, SK_DATA, -EBADF, DATA},
	{"bad selector, nothing yet", AL_POLL_POLL, SEL_BAD, FD_REG, SK_EMPTY, -EBADF, -EAGAIN},
	{"bad selector, reset", AL_POLL_EPOLL, SEL_BAD, FD_REG, SK_RESET, -EBADF, -ECONNRESET},
	{"unregistered, data", AL_POLL_EPOLL, SEL_OK, FD_UNREG, SK_DATA, -ENOENT, DATA},
	{"unregistered, nothing yet", AL_POLL_POLL, SEL_OK, FD_UNREG, SK_EMPTY, -ENOENT, -EAGAIN},
	{"unregistered, end of stream", AL_POLL_EPOLL, SEL_OK, FD_UNREG, SK_EOF, -ENOENT, 0},
	{"other selector's, data", AL_POLL_EPOLL, SEL_OK, FD_OTHER, SK_DATA, -ENOENT, DATA},
	{"other selector's, nothing yet", AL_POLL_POLL, SEL_OK, FD_OTHER, SK_EMPTY, -ENOENT,
	 -EAGAIN},
	{"closed, epoll", AL_POLL_EPOLL, SEL_OK, FD_CLOSED, SK_DATA, -EBADF, -EBADF},
	{"closed, poll", AL_POLL_POLL, SEL_OK, FD_CLOSED, SK_EMPTY, -EBADF, -EBADF},
	{"never open, epoll", AL_POLL_EPOLL, SEL_OK, FD_NEVER, SK_DATA, -EBADF, -EBADF},
	{"never open, bad selector", AL_POLL_POLL, SEL_BAD, FD_NEVER, SK_DATA, -EBADF, -EBADF},
};

/* What one variant did: during the call(s), and once the run is over. */
struct outcome {
	int done;
	int64_t ctl, r;
	int64_t took, debt, syscalls, futile;            /* during the call(s) */
	int64_t total_syscalls, total_futile, cpu_busy, now, events;
	int64_t nfds, other_nfds, k_sel, k_lane;
	uint64_t hash, count;
	struct sim_got got;
	char buf[CAP];
};

static struct al_scenario sc;
static struct al_loop loop;
static struct al_trace trace;
static struct sim_os sim;

/* The reader, a task on a simulated thread (so that every charge lands on
 * its clock): registers fd as the case says, then makes the call(s). */
struct reader {
	struct al_coro co;
	const struct seldel_case *c;
	int fused, sel, other, fd;
	struct outcome *o;
};

static int reader_fn(struct al_task *t, void *arg)
{
	struct reader *f = arg;
	struct al_os *os = &sim.os;
	struct outcome *o = f->o;
	struct sim_thread *th = sim.k.current;
	int64_t t0, d0, s0, f0;
	int sel;

	AL_BEGIN(f);
	if (f->c->fd == FD_REG || f->c->fd == FD_CLOSED)
		assert_int_equal(al_sel_ctl(os, f->sel, f->fd, AL_EV_READ, t), 0);
	if (f->c->fd == FD_OTHER)
		assert_int_equal(al_sel_ctl(os, f->other, f->fd, AL_EV_READ, t), 0);
	if (f->c->fd == FD_CLOSED)
		assert_int_equal(al_close(os, f->fd), 0);
	sel = f->c->sel == SEL_BAD ? SEL_NONE : f->sel;
	t0 = sim_clock(&sim);
	d0 = th->debt;
	s0 = sim.syscalls;
	f0 = sim.futile;
	if (f->fused) {
		o->r = al_sel_del_recv(os, sel, f->fd, o->buf, CAP);
	} else {
		o->ctl = al_sel_ctl(os, sel, f->fd, 0, NULL);
		o->r = al_recv(os, f->fd, o->buf, CAP, NULL);
	}
	o->took = sim_clock(&sim) - t0;
	o->debt = th->debt - d0;
	o->syscalls = sim.syscalls - s0;
	o->futile = sim.futile - f0;
	o->done = 1;
	AL_END(t, f);
}

/* Runs the clock until fd's socket is ready for ev. */
static void run_until(int fd, unsigned ev)
{
	while (!sim_sock_ready(sim_sock_at(&sim, fd), ev))
		assert_int_equal(sim.os.ops->wait(&sim.os), 1);
}

/* A simulator in the case's state: its two selectors and the fd. */
static void world_up(const struct seldel_case *c, int *sel, int *other, int *fd)
{
	struct al_os *os = &sim.os;
	int64_t r;

	al_scenario_default(&sc);
	sc.network.rtt_ns = 100003;
	sc.workload.timeout_ns = 0;
	sc.machine.costs.syscall_ns = 1009;   /* apart, so a swap shows */
	sc.machine.costs.callback_ns = 307;
	sc.machine.costs.recv_ns_per_kib = 53;
	if (c->sock == SK_RESET)
		sc.server.faults[AL_FAULT_RESET] = 1.0;
	assert_int_equal(al_trace_init(&trace, AL_TRACE_HASH), 0);
	al_loop_init(&loop, NULL);
	assert_int_equal(sim_os_init(&sim, &sc, &loop, &trace), 0);
	*sel = (int)al_sel_open(os, c->kind);
	*other = (int)al_sel_open(os, c->kind);
	assert_true(*sel >= 0 && *other >= 0 && *other != SEL_NONE);
	if (c->fd == FD_NEVER) {
		*fd = FD_NONE;
		return;
	}
	*fd = (int)al_socket(os, 1);
	assert_true(*fd >= 0 && *fd != FD_NONE);
	if (c->sock == SK_FRESH)
		return;
	assert_int_equal(al_connect(os, *fd, 0, NULL), -EINPROGRESS);
	run_until(*fd, AL_EV_WRITE);
	assert_int_equal(al_send(os, *fd, "GET / HTTP/1.0\r\n\r\n", 18, NULL), 18);
	if (c->sock == SK_EMPTY)
		return;
	run_until(*fd, AL_EV_READ);
	if (c->sock == SK_DATA)
		return;
	/* read it all, outside any thread: the same in both twins */
	char buf[CAP];
	while ((r = al_recv(os, *fd, buf, sizeof buf, NULL)) > 0 || r == -EAGAIN) {
		if (r == -EAGAIN)
			run_until(*fd, AL_EV_READ);
	}
	assert_int_equal(r, c->sock == SK_EOF ? 0 : -ECONNRESET);
}

static void world_down(void)
{
	sim_os_free(&sim);
	al_trace_free(&trace);
}

static void run_variant(const struct seldel_case *c, int fused, struct outcome *o)
{
	struct reader rd = {.c = c, .fused = fused, .o = o};
	struct al_task t;

	memset(o, 0, sizeof *o);
	memset(o->buf, 0x5a, sizeof o->buf);
	world_up(c, &rd.sel, &rd.other, &rd.fd);
	struct sim_thread *th = sim_kernel_thread(&sim.k, -1, "reader");
	assert_non_null(th);
	al_task_start(&t, &th->loop, reader_fn, &rd, "reader");
	while (sim.os.ops->wait(&sim.os))
		;
	assert_true(o->done);
	o->total_syscalls = sim.syscalls;
	o->total_futile = sim.futile;
	o->cpu_busy = sim.k.cpu_busy;
	o->now = sim.now;
	o->events = sim.events;
	o->nfds = sim.sels[rd.sel].nfds;
	o->other_nfds = sim.sels[rd.other].nfds;
	struct sim_sock *k = sim_sock_of(&sim, rd.fd);
	o->k_sel = k ? k->sel : -2;
	o->k_lane = k ? (int64_t)k->lane : -2;
	if (k && o->r > 0)
		o->got = k->got;
	o->hash = al_trace_hash(&trace);
	o->count = trace.count;
	world_down();
}

static int same(const char *name, const char *what, int64_t fused, int64_t two)
{
	if (fused == two)
		return 1;
	print_error("%s: %s: sel_del_recv %lld, sel_ctl + recv %lld\n", name, what,
		    (long long)fused, (long long)two);
	return 0;
}

static void test_equals_the_two_calls(void **state)
{
	static struct outcome o[2];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct seldel_case *c = &cases[i];
		int ok = 1;

		run_variant(c, 1, &o[1]);
		run_variant(c, 0, &o[0]);
		/* the case is what it says: the two calls' own results */
		ok &= same(c->name, "table's unregistration", c->ctl, o[0].ctl);
		if (c->recv == DATA)
			ok &= same(c->name, "table's recv > 0", 1, o[0].r > 0);
		else
			ok &= same(c->name, "table's recv", c->recv, o[0].r);
		ok &= same(c->name, "result", o[1].r, o[0].r);
		ok &= same(c->name, "clock during the call", o[1].took, o[0].took);
		ok &= same(c->name, "CPU charged during the call", o[1].debt, o[0].debt);
		ok &= same(c->name, "syscalls during the call", o[1].syscalls, o[0].syscalls);
		ok &= same(c->name, "futile during the call", o[1].futile, o[0].futile);
		ok &= same(c->name, "syscalls", o[1].total_syscalls, o[0].total_syscalls);
		ok &= same(c->name, "futile", o[1].total_futile, o[0].total_futile);
		ok &= same(c->name, "cpu busy", o[1].cpu_busy, o[0].cpu_busy);
		ok &= same(c->name, "end time", o[1].now, o[0].now);
		ok &= same(c->name, "events", o[1].events, o[0].events);
		ok &= same(c->name, "selector's fds", o[1].nfds, o[0].nfds);
		ok &= same(c->name, "other selector's fds", o[1].other_nfds, o[0].other_nfds);
		ok &= same(c->name, "socket's selector", o[1].k_sel, o[0].k_sel);
		ok &= same(c->name, "socket's waiting lane", o[1].k_lane, o[0].k_lane);
		ok &= same(c->name, "trace events", (int64_t)o[1].count, (int64_t)o[0].count);
		ok &= same(c->name, "trace hash", o[1].hash == o[0].hash, 1);
		ok &= same(c->name, "bytes read", !memcmp(o[1].buf, o[0].buf, CAP), 1);
		ok &= same(c->name, "body span", !memcmp(&o[1].got, &o[0].got, sizeof o[0].got), 1);
		/* a call that charged nothing could not tell a charge skipped */
		ok &= same(c->name, "the call costs time", o[0].took > 0, 1);
		assert_true(ok);
	}
}

/* --- the wrapper's fallback, on a fake ops table */

struct fake_call {
	char op;                     /* 'c' sel_ctl, 'r' recv, 'f' sel_del_recv */
	int sel, fd;
	unsigned ev;
	const void *data, *buf;
	size_t cap;
	const struct al_future *wait;
};

static struct fake_call calls[4];
static int ncalls;
static int64_t ctl_says, recv_says;

static struct fake_call *logged(char op)
{
	assert_true(ncalls < 4);
	calls[ncalls] = (struct fake_call){.op = op, .sel = -1, .fd = -1};
	return &calls[ncalls++];
}

static int64_t fake_sel_ctl(struct al_os *os, int sel, int fd, unsigned ev, void *data)
{
	struct fake_call *c = logged('c');

	(void)os;
	c->sel = sel;
	c->fd = fd;
	c->ev = ev;
	c->data = data;
	return ctl_says;
}

static int64_t fake_recv(struct al_os *os, int fd, void *buf, size_t cap,
			 struct al_future *wait)
{
	struct fake_call *c = logged('r');

	(void)os;
	c->fd = fd;
	c->buf = buf;
	c->cap = cap;
	c->wait = wait;
	return recv_says;
}

static int64_t fake_sel_del_recv(struct al_os *os, int sel, int fd, void *buf, size_t cap)
{
	struct fake_call *c = logged('f');

	(void)os;
	c->sel = sel;
	c->fd = fd;
	c->buf = buf;
	c->cap = cap;
	return recv_says;
}

static const struct al_os_ops fallback_ops = {
	.name = "fake",
	.sel_ctl = fake_sel_ctl,
	.recv = fake_recv,
};

static const struct al_os_ops fused_ops = {
	.name = "fake-fused",
	.sel_ctl = fake_sel_ctl,
	.recv = fake_recv,
	.sel_del_recv = fake_sel_del_recv,
};

/* What the two calls answer; the wrapper gives recv's, whatever the
 * unregistration's. */
static const struct { int64_t ctl, recv; } answers[] = {
	{0, 17}, {0, -EAGAIN}, {0, 0}, {0, -ECONNRESET}, {-EBADF, 5},
	{-ENOENT, -EAGAIN}, {-EBADF, -EBADF}, {-ENOENT, 0},
};

static void test_null_makes_the_two_calls(void **state)
{
	struct al_os os = {.ops = &fallback_ops};
	char buf[8];

	(void)state;
	for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
		ncalls = 0;
		ctl_says = answers[i].ctl;
		recv_says = answers[i].recv;
		assert_int_equal(al_sel_del_recv(&os, 2, 7, buf, sizeof buf), answers[i].recv);
		assert_int_equal(ncalls, 2);
		assert_int_equal(calls[0].op, 'c');     /* the unregistration first */
		assert_int_equal(calls[0].sel, 2);
		assert_int_equal(calls[0].fd, 7);
		assert_int_equal(calls[0].ev, 0);
		assert_null(calls[0].data);
		assert_int_equal(calls[1].op, 'r');     /* then the read */
		assert_int_equal(calls[1].fd, 7);
		assert_ptr_equal(calls[1].buf, buf);
		assert_int_equal(calls[1].cap, sizeof buf);
		assert_null(calls[1].wait);             /* never parks */
	}
}

static void test_op_is_the_one_call(void **state)
{
	struct al_os os = {.ops = &fused_ops};
	char buf[8];

	(void)state;
	for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
		ncalls = 0;
		ctl_says = answers[i].ctl;
		recv_says = answers[i].recv;
		assert_int_equal(al_sel_del_recv(&os, 3, 9, buf, sizeof buf), answers[i].recv);
		assert_int_equal(ncalls, 1);
		assert_int_equal(calls[0].op, 'f');
		assert_int_equal(calls[0].sel, 3);
		assert_int_equal(calls[0].fd, 9);
		assert_ptr_equal(calls[0].buf, buf);
		assert_int_equal(calls[0].cap, sizeof buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equals_the_two_calls),
		cmocka_unit_test(test_null_makes_the_two_calls),
		cmocka_unit_test(test_op_is_the_one_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
