/* Measuring this machine's costs: the table of figures, the medians, and
 * the measurements that need one thread only (a syscall, a call, a
 * coroutine resume, the selector, the parser).  The ones that start
 * threads and processes are in net_calib_sched.c; the machine's size
 * (cores, clock, memory, fd limit) in net_calib_machine.c.
 *
 * The one-thread figures are timed on the thread's CPU clock: on a shared
 * machine a wall clock also counts the time neighbours ran while this
 * thread was preempted (a 1.2 us syscall measured as 3.3 us under load). */
#include "net/net_calib.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/al_fiber.h"
#include "core/al_http.h"
#include "core/al_loop.h"
#include "core/al_task.h"
#include "net/net_calib_int.h"

#define WARM 1000
#define SYSCALL_N 50000
#define CALL_N 2000000
#define RESUME_ROUNDS 100000
#define RESUME_PLACES 32     /* the coroutine's objects, across a page */
#define SELECT_N 5000
#define IDLE_FDS 1000        /* watched by poll, none ready */
#define POLL_N 100
#define PAGE_BODY (64 * 1024)
#define PAGE_N 64
#define RECV_SIZE 4096       /* the article's recv(4096) */


/* One non-blocking recv on an empty socket: EAGAIN, the cheapest socket
 * syscall there is (the article's busy-poll makes millions of them). */
static int m_syscall(double *out)
{
	int sv[2], rc = 0;
	int64_t t0 = 0;
	char c;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv) < 0)
		return -1;
	for (int i = 0; i < WARM + SYSCALL_N; i++) {
		if (i == WARM)
			t0 = net_cpu_ns();
		if (recv(sv[0], &c, 1, 0) != -1 || errno != EAGAIN) {
			errno = EPROTO;
			rc = -1;
			break;
		}
	}
	if (rc == 0)
		*out = (double)(net_cpu_ns() - t0) / SYSCALL_N;
	close(sv[0]);
	close(sv[1]);
	return rc;
}

static uint64_t sink;

__attribute__((noinline)) static void call_target(uint64_t x)
{
	sink += x;
}

/* volatile: every call loads the pointer, so nothing can be inlined */
static void (*volatile call_ptr)(uint64_t) = call_target;

static int m_callback(double *out)
{
	int64_t t0 = net_cpu_ns();

	for (uint64_t i = 0; i < CALL_N; i++)
		call_ptr(i);
	*out = (double)(net_cpu_ns() - t0) / CALL_N;
	return 0;
}

/* Two tasks handing a future back and forth, as bench/bench_core.c does:
 * each resume is one al_task step through the loop's ready queue. */
struct pong {
	struct al_coro co;
	struct al_future mine;
	struct pong *peer;
	long left;
};

static int pong_fn(struct al_task *t, void *arg)
{
	struct pong *f = arg;

	AL_BEGIN(f);
	while (f->left-- > 0) {
		al_future_init(&f->mine, t->fut.loop);
		al_future_set_leaf(&f->peer->mine, 0, 0);
		AL_AWAIT(t, f, &f->mine);
	}
	al_future_set_leaf(&f->peer->mine, 0, 0);
	AL_END(t, f);
}

struct pingpong {
	struct al_loop loop;
	struct al_task ta, tb;
	struct pong a, b;
};

static int pingpong(struct pingpong *p, long rounds, double *out)
{
	int64_t t0;

	al_loop_init(&p->loop, NULL);
	p->a = (struct pong){.left = rounds, .peer = &p->b};
	p->b = (struct pong){.left = rounds, .peer = &p->a};
	al_future_init(&p->a.mine, &p->loop);
	al_future_init(&p->b.mine, &p->loop);
	al_task_start(&p->ta, &p->loop, pong_fn, &p->a, "ping");
	al_task_start(&p->tb, &p->loop, pong_fn, &p->b, "pong");
	t0 = net_cpu_ns();
	if (al_loop_run(&p->loop) < 0 || p->loop.resumes == 0) {
		errno = EPROTO;
		return -1;
	}
	*out = (double)(net_cpu_ns() - t0) / (double)p->loop.resumes;
	return 0;
}

/* Where the loop, the tasks and their frames lie moves the figure more
 * than the code does: on an AMD EPYC (family 25) the same binary takes
 * 5.0 to 11.8 ns a resume as the objects move across a page against the
 * stack, most places 6.1.  On this function's stack they lay wherever
 * its frame put them, so a change to the frame moved the figure.  They
 * are put at RESUME_PLACES offsets across a page, and the figure is the
 * median: what a program pays whose tasks lie where its allocator put
 * them. */
static int m_coroutine(double *out)
{
	enum { PAGE = 4096, STEP = PAGE / RESUME_PLACES };
	_Static_assert(sizeof(struct pingpong) + PAGE - STEP <= 2 * PAGE, "the last place fits");
	double ns[RESUME_PLACES];
	char *buf = aligned_alloc(PAGE, 2 * PAGE);
	int rc = 0;

	if (!buf)
		return -1;
	for (int i = 0; i < RESUME_PLACES && rc == 0; i++)
		rc = pingpong((struct pingpong *)(void *)(buf + i * STEP),
			      RESUME_ROUNDS / 2, &ns[i]);
	if (rc == 0)
		*out = net_calib_median(ns, RESUME_PLACES);
	free(buf);
	return rc;
}

/* A green thread's switch (core/al_fiber.h): a fiber yields, its
 * resumer resumes it; each round is two switches. */
static void yielder(void *arg)
{
	struct al_fiber *f = arg;

	for (;;)
		al_fiber_yield(f);
}

static int m_green(double *out)
{
	struct al_fiber f;
	int64_t t0;

	if (al_fiber_init(&f, 16384, yielder, &f) != 0)
		return -1;
	al_fiber_resume(&f);             /* its first run: the stack's first touch */
	t0 = net_cpu_ns();
	for (int i = 0; i < RESUME_ROUNDS; i++)
		al_fiber_resume(&f);
	*out = (double)(net_cpu_ns() - t0) / (2.0 * RESUME_ROUNDS);
	al_fiber_free(&f);
	return 0;
}

/* The article's loop step: register, select, unregister, here with epoll
 * on one socket that is ready. */
static int m_select(double *out)
{
	struct epoll_event ev = {.events = EPOLLIN}, got;
	int sv[2], ep, rc = 0;
	int64_t t0 = 0;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		close(ep);
		return -1;
	}
	ev.data.fd = sv[0];
	if (write(sv[1], "x", 1) != 1)
		rc = -1;
	for (int i = 0; i < WARM + SELECT_N && rc == 0; i++) {
		if (i == WARM)
			t0 = net_cpu_ns();
		if (epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) < 0 ||
		    epoll_wait(ep, &got, 1, 1000) != 1 ||
		    epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL) < 0)
			rc = -1;
	}
	if (rc == 0)
		*out = (double)(net_cpu_ns() - t0) / SELECT_N;
	close(sv[0]);
	close(sv[1]);
	close(ep);
	return rc;
}

static int time_poll(struct pollfd *fds, nfds_t n, double *out)
{
	int64_t t0 = net_cpu_ns();

	for (int i = 0; i < POLL_N; i++)
		if (poll(fds, n, 1000) != 1) {
			if (errno == 0)
				errno = EPROTO;
			return -1;
		}
	*out = (double)(net_cpu_ns() - t0) / POLL_N;
	return 0;
}

/* What each watched fd adds to a poll: one ready socket and n idle ones
 * after it, against the ready one alone, divided by n.  The ready one
 * comes first, as in a busy crawler's loop, where a poll finds something
 * ready among its first fds: the kernel then only asks each of the others
 * whether it is ready, and queues no wait on them (do_poll stops queueing
 * at the first ready fd).  With the ready one last it would queue a wait
 * on every idle fd, as a poll that sleeps does: 1.5-2.5 times as much per
 * fd on this VM, paid by the rare wait that finds nothing ready -- the
 * figure used to be that worst case, and over-charged select-limit's
 * select and poll by half. */
static int m_select_per_fd(double *out)
{
	struct rlimit rl;
	struct pollfd *fds;
	int n = IDLE_FDS, rc = -1, made = 0, ready[2] = {-1, -1};
	double many, one;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 64)
		n = rl.rlim_cur > 164 ? (int)(rl.rlim_cur - 64) & ~1 : 0;
	if (n < 100) {
		errno = EMFILE;
		return -1;
	}
	if ((fds = calloc((size_t)n + 1, sizeof(*fds))) == NULL)
		return -1;
	for (; made < n; made += 2) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			goto out;
		fds[1 + made] = (struct pollfd){.fd = sv[0], .events = POLLIN};
		fds[2 + made] = (struct pollfd){.fd = sv[1], .events = POLLIN};
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ready) < 0 ||
	    write(ready[1], "x", 1) != 1)
		goto out;
	fds[0] = (struct pollfd){.fd = ready[0], .events = POLLIN};
	if (time_poll(fds, (nfds_t)n + 1, &many) < 0 ||
	    time_poll(fds, 1, &one) < 0)
		goto out;
	*out = (many - one) / n;
	rc = 0;
out:
	for (int i = 1; i <= made; i++)
		close(fds[i].fd);
	for (int i = 0; i < 2; i++)
		if (ready[i] >= 0)
			close(ready[i]);
	free(fds);
	return rc;
}

/* The crawler's work on a response: al_http_resp_feed in recv-sized
 * chunks, then the check against al_page_sum; per KiB of body.  A 64 KiB
 * page, so that the per-page part (the header, the finish) is spread. */
static int m_parse(double *out)
{
	struct al_http_resp r;
	char *buf;
	int hdr, rc = 0;
	size_t len;
	int64_t t0;

	if ((buf = malloc(256 + PAGE_BODY)) == NULL)
		return -1;
	hdr = al_http_header(buf, 256, PAGE_BODY);
	al_page_bytes(42, 1, 0, buf + hdr, PAGE_BODY);
	len = (size_t)hdr + PAGE_BODY;
	t0 = net_cpu_ns();
	for (int i = 0; i < PAGE_N && rc == 0; i++) {
		al_http_resp_init(&r);
		for (size_t off = 0; off < len && rc == 0; off += RECV_SIZE)
			rc = al_http_resp_feed(&r, buf + off, len - off < RECV_SIZE ?
					       len - off : RECV_SIZE);
		if (rc == 0 && (al_http_resp_finish(&r) != 0 ||
				r.sum != al_page_sum(42, 1, r.body)))
			rc = -1;
	}
	if (rc == 0)
		*out = (double)(net_cpu_ns() - t0) /
		       (PAGE_N * (PAGE_BODY / 1024.0));
	else
		errno = EPROTO;
	free(buf);
	return rc;
}

/* --- the table -------------------------------------------------------- */

struct fig {
	const char *key;
	size_t off;
	int size;
	int (*measure)(double *out);
};

/* 1: a figure at 0 or under is written 0, "not measured" (a price
 * charged instead of another, where 1 ns would be charged as one; or,
 * tun_apart and green_stack_woken, a price added, a difference that can
 * come out under 0). */
int net_calib_zero_unmeasured(enum net_calib_fig f)
{
	return f == NET_CALIB_TUN_CONNECTION_BUSY || f == NET_CALIB_TUN_SEND_BUSY ||
	       f == NET_CALIB_TUN_CLOSE_BUSY || f == NET_CALIB_TUN_APART ||
	       f == NET_CALIB_GREEN_STACK_WOKEN || f == NET_CALIB_TUN_SERVER_ACCEPT;
}

#define COST(m) offsetof(struct al_costs, m)
_Static_assert(NET_CALIB_COUNT <= 64, "net_calib.measured: one bit a figure");

static const struct fig figs[NET_CALIB_COUNT] = {
	[NET_CALIB_SYSCALL] = {"syscall", COST(syscall_ns), 0, m_syscall},
	[NET_CALIB_THREAD_SWITCH] = {"thread_switch", COST(thread_switch_ns),
		0, net_calib_thread_switch},
	[NET_CALIB_PROCESS_SWITCH] = {"process_switch",
		COST(process_switch_ns), 0, net_calib_process_switch},
	[NET_CALIB_THREAD_CREATE] = {"thread_create", COST(thread_create_ns),
		0, net_calib_thread_create},
	[NET_CALIB_PROCESS_CREATE] = {"process_create",
		COST(process_create_ns), 0, net_calib_process_create},
	[NET_CALIB_THREAD_MEMORY] = {"thread_memory", COST(thread_memory), 1,
		net_calib_thread_memory},
	[NET_CALIB_PROCESS_MEMORY] = {"process_memory", COST(process_memory),
		1, net_calib_process_memory},
	[NET_CALIB_COROUTINE_RESUME] = {"coroutine_resume",
		COST(coroutine_resume_ns), 0, m_coroutine},
	[NET_CALIB_CALLBACK] = {"callback", COST(callback_ns), 0, m_callback},
	[NET_CALIB_SELECT] = {"select", COST(select_ns), 0, m_select},
	[NET_CALIB_SELECT_PER_FD] = {"select_per_fd", COST(select_per_fd_ns),
		0, m_select_per_fd},
	[NET_CALIB_WAKEUP] = {"wakeup", COST(wakeup_ns), 0, net_calib_wakeup},
	[NET_CALIB_PARSE_PER_KIB] = {"parse_per_kib", COST(parse_ns_per_kib),
		0, m_parse},
	[NET_CALIB_CONNECTION] = {"connection", COST(connection_ns), 0,
		net_calib_connection},
	[NET_CALIB_RECV_PER_KIB] = {"recv_per_kib", COST(recv_ns_per_kib), 0,
		net_calib_recv_per_kib},
	[NET_CALIB_SEND] = {"send", COST(send_ns), 0, net_calib_send},
	[NET_CALIB_WAKE_1MS] = {"wake_1ms", COST(wake_1ms_ns), 0,
		net_calib_wake_1ms},
	[NET_CALIB_WAKE_100MS] = {"wake_100ms", COST(wake_100ms_ns), 0,
		net_calib_wake_100ms},
	[NET_CALIB_SERVER_REQUEST] = {"server_request", COST(server_request_ns),
		0, net_calib_server_request},
	[NET_CALIB_SERVER_PER_KIB] = {"server_per_kib", COST(server_ns_per_kib),
		0, net_calib_server_per_kib},
	[NET_CALIB_RELAY_REQUEST] = {"relay_request", COST(relay_request_ns),
		0, net_calib_relay_request},
	[NET_CALIB_RELAY_PER_KIB] = {"relay_per_kib", COST(relay_ns_per_kib),
		0, net_calib_relay_per_kib},
	[NET_CALIB_EMULATOR_PACKET] = {"emulator_packet", COST(emulator_packet_ns),
		0, net_calib_emulator_packet},
	[NET_CALIB_SERVER_ACCEPT] = {"server_accept", COST(server_accept_ns),
		0, net_calib_server_accept},
	[NET_CALIB_WAKE_100US] = {"wake_100us", COST(wake_100us_ns), 0,
		net_calib_wake_100us},
	[NET_CALIB_GREEN_SWITCH] = {"green_switch", COST(green_switch_ns), 0, m_green},
	[NET_CALIB_URING_ENTER] = {"uring_enter", COST(uring_enter_ns), 0,
		net_calib_uring_enter},
	[NET_CALIB_URING_OP] = {"uring_op", COST(uring_op_ns), 0, net_calib_uring_op},
	[NET_CALIB_FORK_PER_MIB] = {"fork_per_mib", COST(fork_ns_per_mib), 0,
		net_calib_fork_per_mib},
	[NET_CALIB_PROCESS_COW] = {"process_cow", COST(process_cow_ns), 0,
		net_calib_process_cow},
	[NET_CALIB_EMULATOR_PER_KIB] = {"emulator_per_kib",
		COST(emulator_ns_per_kib), 0, net_calib_emulator_per_kib},
	[NET_CALIB_SERVER_WAKE] = {"server_wake", COST(server_wake_ns), 0,
		net_calib_server_wake},
	[NET_CALIB_WAKE_REMOTE_1MS] = {"wake_remote_1ms", COST(wake_remote_1ms_ns), 0,
		net_calib_wake_remote_1ms},
	[NET_CALIB_GREEN_STACK] = {"green_stack", COST(green_stack_ns), 0,
		net_calib_green_stack},
	[NET_CALIB_URING_SETUP] = {"uring_setup", COST(uring_setup_ns), 0,
		net_calib_uring_setup},
	[NET_CALIB_TUN_CONNECTION] = {"tun_connection", COST(tun_connection_ns), 0,
		net_calib_tun_connection},
	[NET_CALIB_TUN_SEND] = {"tun_send", COST(tun_send_ns), 0, net_calib_tun_send},
	[NET_CALIB_URING_TIMEOUT] = {"uring_timeout", COST(uring_timeout_ns), 0,
		net_calib_uring_timeout},
	[NET_CALIB_URING_POLL] = {"uring_poll", COST(uring_poll_ns), 0, net_calib_uring_poll},
	[NET_CALIB_TUN_SERVER_REQUEST] = {"tun_server_request", COST(tun_server_request_ns), 0,
		net_calib_tun_server_request},
	[NET_CALIB_TUN_SERVER_PER_KIB] = {"tun_server_per_kib", COST(tun_server_ns_per_kib), 0,
		net_calib_tun_server_per_kib},
	[NET_CALIB_WAKE_SEGMENT_1MS] = {"wake_segment_1ms", COST(wake_segment_1ms_ns), 0,
		net_calib_wake_segment_1ms},
	[NET_CALIB_TUN_CONNECTION_BUSY] = {"tun_connection_busy", COST(tun_connection_busy_ns), 0,
		net_calib_tun_connection_busy},
	[NET_CALIB_TUN_SEND_BUSY] = {"tun_send_busy", COST(tun_send_busy_ns), 0,
		net_calib_tun_send_busy},
	[NET_CALIB_THREAD_FIRST] = {"thread_first", COST(thread_first_ns), 0,
		net_calib_thread_first},
	[NET_CALIB_TUN_CLOSE] = {"tun_close", COST(tun_close_ns), 0, net_calib_tun_close},
	[NET_CALIB_TUN_CLOSE_BUSY] = {"tun_close_busy", COST(tun_close_busy_ns), 0,
		net_calib_tun_close_busy},
	[NET_CALIB_WAKE_SIBLING_10MS] = {"wake_sibling_10ms", COST(wake_sibling_10ms_ns), 0,
		net_calib_wake_sibling_10ms},
	[NET_CALIB_TUN_APART] = {"tun_apart", COST(tun_apart_ns), 0, net_calib_tun_apart},
	[NET_CALIB_GREEN_STACK_WOKEN] = {"green_stack_woken", COST(green_stack_woken_ns), 0,
		net_calib_green_stack_woken},
	[NET_CALIB_PROCESS_EXIT] = {"process_exit", COST(process_exit_ns), 0,
		net_calib_process_exit},
	[NET_CALIB_EXIT_PER_MIB] = {"exit_per_mib", COST(exit_ns_per_mib), 0,
		net_calib_exit_per_mib},
	[NET_CALIB_TUN_SERVER_ACCEPT] = {"tun_server_accept", COST(tun_server_accept_ns), 0,
		net_calib_tun_server_accept},
};

static const struct fig *fig_of(enum net_calib_fig f)
{
	if ((unsigned)f >= NET_CALIB_COUNT)
		abort();             /* a programmer error */
	return &figs[f];
}

const char *net_calib_key(enum net_calib_fig f)
{
	return fig_of(f)->key;
}

size_t net_calib_offset(enum net_calib_fig f)
{
	return fig_of(f)->off;
}

int net_calib_is_size(enum net_calib_fig f)
{
	return fig_of(f)->size;
}

int net_calib_measure(enum net_calib_fig f, double *out)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	int rc, e;

	/* a peer that died early must make a write fail with EPIPE, not
	 * kill the process */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	errno = 0;
	rc = fig_of(f)->measure(out);
	e = errno;
	sigaction(SIGPIPE, &old, NULL);
	errno = e;
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double net_calib_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void net_calib_kept_clear(struct net_calib_kept *k)
{
	k->n = k->next = 0;
}

void net_calib_keep(struct net_calib_kept *k, double v)
{
	if (k->n == NET_CALIB_MAX_REPS)
		net_calib_kept_clear(k);
	k->v[k->n++] = v;
}

int net_calib_kept_take(struct net_calib_kept *k, double *out)
{
	if (k->next == k->n)
		return 0;
	*out = k->v[k->next++];
	if (k->next == k->n)
		net_calib_kept_clear(k);           /* the series is read */
	return 1;
}

int net_calib_run(struct net_calib *c, int reps)
{
	int64_t t0 = net_mono_ns();
	double v[NET_CALIB_MAX_REPS];
	int ok = 0;

	memset(c, 0, sizeof(*c));
	/* before a probe makes a thread: thread_first's children (a forker
	 * that cannot start fails that figure alone, ECHILD) */
	(void)net_calib_fresh_start();
	net_calib_emu_reset();
	net_calib_fork_reset();
	net_calib_machine(c);
	if (reps <= 0)
		reps = NET_CALIB_REPS;
	if (reps > NET_CALIB_MAX_REPS)
		reps = NET_CALIB_MAX_REPS;
	c->reps = reps;
	for (int f = 0; f < NET_CALIB_COUNT; f++) {
		int k = 0, busy = 0;

		/* a probe too loaded to tell (an order that did not hold): a
		 * moment later may tell, so a few more tries; any other
		 * failure gives the figure up */
		while (k < reps) {
			int rc = net_calib_measure((enum net_calib_fig)f, &v[k]);

			if (rc == 0)
				k++;
			else if (rc != NET_CALIB_TOO_LOADED || ++busy > NET_CALIB_BUSY_TRIES)
				break;
		}
		if (k < reps) {
			c->err[f] = errno ? errno : EPROTO;
			continue;
		}
		c->value[f] = net_calib_median(v, k);
		c->measured |= (uint64_t)1 << f;
		ok++;
	}
	net_calib_fresh_stop();
	c->elapsed_ns = net_mono_ns() - t0;
	return ok;
}

void net_calib_costs(const struct net_calib *c, struct al_costs *costs)
{
	for (int f = 0; f < NET_CALIB_COUNT; f++) {
		double x = c->value[f];
		int64_t v;

		if (!(c->measured & ((uint64_t)1 << f)))
			continue;
		if (net_calib_zero_unmeasured(f) && !(x > 0))
			v = 0;
		else
			v = x < 1 ? 1 : x > 1e15 ? (int64_t)1e15 : (int64_t)llround(x);
		memcpy((char *)costs + figs[f].off, &v, sizeof(v));
	}
}
