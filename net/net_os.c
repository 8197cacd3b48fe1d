/* The real os: sockets, spin, threads, processes, locks, timers.  The
 * selector is in net_sel.c.  See net_os.h. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "net/net_clock.h"
#include "net/net_emu_flow.h"
#include "net/net_machine.h"
#include "net/net_os_int.h"
#include "net/net_trace.h"

/* Every fd the table can hold; more than this machine's limit is never
 * needed, and entries cost nothing until touched (calloc of a big block
 * is zero pages). */
#define NET_FD_CAP (1 << 20)

/* The thread running now: whose loop and event_base wait() runs. */
static _Thread_local struct net_thread *current;

struct net_thread *net_me(struct net_os *n)
{
	return current ? current : &n->main;
}

void net_set_current(struct net_thread *t)
{
	current = t;
}

int64_t net_sys(struct net_os *n, int64_t r)
{
	net_count(&n->counts->syscalls);
	if (r < 0 && (errno == EAGAIN || errno == EINPROGRESS))
		net_count(&n->counts->futile);
	return r < 0 ? -errno : r;
}

int64_t net_now(struct al_os *os)
{
	return net_mono_ns() - NET(os)->t0;
}

struct event_base *net_base(struct net_thread *t, int poller)
{
	static const char *const methods[] = {
		[AL_POLL_EPOLL] = "epoll", [AL_POLL_POLL] = "poll", [AL_POLL_SELECT] = "select",
	};

	if (t->base) {
		if (poller >= 0 && poller != t->poller) {
			errno = EBUSY;       /* one poller per thread */
			return NULL;
		}
		return t->base;
	}
	if (poller < 0)
		poller = AL_POLL_EPOLL;
	/* a spawned thread takes a base made before the fd limit, if any */
	struct net_os *n = t->loop.os ? NET(t->loop.os) : NULL;   /* main's: unset */
	if (n && t != &n->main && poller == n->spare_poller) {
		int i = __atomic_fetch_add(&n->spare_next, 1, __ATOMIC_RELAXED);
		if (i < n->nspare) {
			t->base = n->spare[i];
			n->spare[i] = NULL;
			t->poller = poller;
			return t->base;
		}
	}
	/* libevent 2.1 calls exit(1) when its base cannot get the fds it
	 * needs (the poller's, and a socketpair for signals): make sure they
	 * are there, so a full fd table is EMFILE, a page's cause, not the
	 * end of the process */
	int probe[3], k;
	for (k = 0; k < 3; k++)
		if ((probe[k] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
			break;
	int full = k < 3 ? errno : 0;
	while (k > 0)
		close(probe[--k]);
	if (full) {
		errno = full == EMFILE || full == ENFILE ? full : EMFILE;
		return NULL;
	}
	struct event_config *cfg = event_config_new();
	if (!cfg) {
		errno = ENOMEM;
		return NULL;
	}
	for (int m = 0; m < 3; m++)
		if (m != poller)
			event_config_avoid_method(cfg, methods[m]);
	/* each base is driven by one thread only; and the article's loops
	 * unregister and register an fd again between two selects (generator,
	 * asyncio: at every read), which epoll's changelist folds into the
	 * one epoll_ctl it needs at the next pass, or none */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK | EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	errno = 0;
	t->base = event_base_new_with_config(cfg);
	int e = errno;
	event_config_free(cfg);
	if (!t->base) {
		/* epoll_create and the like say why: a full fd table, mostly */
		errno = e == EMFILE || e == ENFILE || e == ENOMEM ? e : ENOSYS;
		return NULL;
	}
	t->poller = poller;
	return t->base;
}

/* --- timers: one libevent timer each, on the thread's base */

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct al_timer *tm = arg;
	struct net_os *n = NET(tm->fut.loop->os);

	(void)fd;
	(void)what;
	event_free((struct event *)(uintptr_t)tm->token);
	tm->token = 0;
	al_future_set(&tm->fut, net_now(&n->os), 0);
}

static void net_timer_start(struct al_os *os, struct al_timer *tm)
{
	struct net_os *n = NET(os);
	struct event_base *base = net_base(net_me(n), -1);
	struct event *ev = base ? evtimer_new(base, on_timer, tm) : NULL;
	struct timeval tv = net_tv(tm->at - net_now(os));

	if (!ev || evtimer_add(ev, &tv) != 0) {
		if (ev)
			event_free(ev);
		al_future_set(&tm->fut, 0, ENOMEM);
		return;
	}
	tm->token = (uint64_t)(uintptr_t)ev;
}

static void net_timer_cancel(struct al_os *os, struct al_timer *tm)
{
	(void)os;
	if (tm->token)
		event_free((struct event *)(uintptr_t)tm->token);
	tm->token = 0;
}

/* One pass of this thread's event_base: timers fire, registered fds
 * report readiness; parked selector waits complete after it. */
static int net_wait(struct al_os *os)
{
	struct net_os *n = NET(os);
	struct net_thread *t = net_me(n);

	if (!t->base)
		return 0;
	net_trace_state(n->log, net_now(os), t->lane, AL_ST_WAIT, 0);
	int r = event_base_loop(t->base, EVLOOP_ONCE);
	net_trace_state(n->log, net_now(os), t->lane, AL_ST_RUNNING, 0);
	if (r != 0)
		return 0;                /* nothing registered: nothing can come */
	net_sel_after_pass(n, t);
	return 1;
}

/* --- sockets */

/* What is left of fd's page timeout: ns > 0, -1 if none, 0 if passed. */
static int64_t time_left(struct net_os *n, int fd)
{
	struct net_fd *k = net_fd_of(n, fd);

	if (!k || !k->deadline)
		return -1;
	if (k->expired)
		return 0;
	int64_t left = k->deadline - net_now(&n->os);
	if (left <= 0) {
		k->expired = 1;
		return 0;
	}
	return left;
}

static int64_t net_socket(struct al_os *os, int nonblocking)
{
	struct net_os *n = NET(os);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
	int64_t r = net_sys(n, fd);

	if (r < 0)
		return r;
	struct net_fd *k = net_fd_of(n, fd);
	if (!k) {                    /* past the table: the limit was raised */
		close(fd);
		return -EMFILE;
	}
	int64_t t = os->sc->workload.timeout_ns, now = net_now(os);
	*k = (struct net_fd){.deadline = t <= 0 ? 0 : t > INT64_MAX - now ? INT64_MAX : now + t,
			     .sock = 1};
	net_count_open(n, 1);
	return fd;
}

/* See net_os_int.h. */
int net_bind_page_port(int fd, int64_t page)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(net_emu_page_port(page))};
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	return bind(fd, (const struct sockaddr *)&a, sizeof a) == 0;
}

/* See net_os_int.h. */
int net_fresh_socket(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
			       (fl >= 0 && (fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0), 0);

	if (s < 0)
		return -1;
	int r = dup3(s, fd, O_CLOEXEC);
	int e = errno;
	close(s);
	errno = e;
	return r < 0 ? -1 : 0;
}

static int64_t net_connect(struct al_os *os, int fd, int64_t page, struct al_future *wait)
{
	struct net_os *n = NET(os);
	const struct sockaddr_in *a = &n->addr[(page < 0 ? 0 : page) % n->naddr];
	int64_t left = time_left(n, fd);
	int r;

	if (left == 0)
		return al_os_finish(wait, -ETIMEDOUT);
	int bound = n->page_ports && net_bind_page_port(fd, page);
	if (n->log)     /* names the lane by its page, as the simulator's */
		net_trace_state(n->log, net_now(os), net_task_lane(n), AL_ST_CONNECT, page + 1);
	if (wait)
		net_trace_block(n, AL_ST_CONNECT);
	for (;;) {
		if (wait && left > 0) {  /* a blocking connect gives up at the timeout */
			struct timeval tv = net_tv(left);
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		}
		do
			r = connect(fd, (const struct sockaddr *)a, sizeof *a);
		while (r < 0 && errno == EINTR);
		if (!(r < 0 && errno == EADDRNOTAVAIL && bound))
			break;
		bound = 0;
		if (net_fresh_socket(fd) != 0)
			break;
	}
	if (r < 0 && wait && errno == EINPROGRESS)
		errno = ETIMEDOUT;       /* SO_SNDTIMEO ran out */
	int64_t res = net_sys(n, r);
	if (wait)
		net_trace_run(n, 0);
	struct net_fd *k = net_fd_of(n, fd);
	if (k && res == 0)
		k->connected = 1;
	return al_os_finish(wait, res);
}

static int64_t net_send(struct al_os *os, int fd, const void *buf, size_t len,
			struct al_future *wait)
{
	struct net_os *n = NET(os);
	size_t done = 0;

	if (time_left(n, fd) == 0)
		return al_os_finish(wait, -ETIMEDOUT);
	if (!wait) {
		int64_t r = net_sys(n, send(fd, buf, len, MSG_NOSIGNAL));
		if (r >= 0) {
			struct net_fd *k = net_fd_of(n, fd);
			if (k)
				k->connected = 1;
			net_running(n, r);
		}
		return r;
	}
	net_trace_block(n, AL_ST_SEND);
	while (done < len) {
		ssize_t r = send(fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);
		if (r < 0 && errno == ENOTSOCK)     /* a pipe */
			r = write(fd, (const char *)buf + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (net_sys(n, r) < 0) {
			int e = errno;
			net_trace_run(n, (int64_t)done);
			return al_os_finish(wait, -e);
		}
		done += (size_t)r;
	}
	net_trace_run(n, (int64_t)len);
	return al_os_finish(wait, (int64_t)len);
}

/* A blocking read of a socket waits at most what is left of its page
 * timeout: 0 when readable, -ETIMEDOUT when the time ran out.  A pipe has
 * no timeout: its end of file says its writers are gone. */
static int ready_within(struct net_os *n, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int64_t t;

	while ((t = time_left(n, fd)) != 0) {
		if (t < 0)
			return 0;            /* no timeout: block in recv */
		/* poll's int of ms, in slices: timeouts of weeks do not wrap */
		int64_t ms = (t + 999999) / 1000000;
		int r = poll(&p, 1, ms > 86400000 ? 86400000 : (int)ms);
		if (r > 0 || (r < 0 && errno != EINTR))
			return 0;
	}
	return -ETIMEDOUT;
}

static int64_t net_recv(struct al_os *os, int fd, void *buf, size_t cap, struct al_future *wait)
{
	struct net_os *n = NET(os);
	ssize_t r;

	if (!wait && time_left(n, fd) == 0)
		return -ETIMEDOUT;
	if (wait) {
		net_trace_block(n, AL_ST_RECV);
		if (ready_within(n, fd) != 0) {
			net_trace_run(n, 0);
			return al_os_finish(wait, -ETIMEDOUT);
		}
	}
	do {
		r = recv(fd, buf, cap, 0);
		if (r < 0 && errno == ENOTSOCK)     /* a pipe */
			r = read(fd, buf, cap);
	} while (r < 0 && errno == EINTR && wait);
	/* the end of a pipe whose writers the cgroup's OOM killer took (the
	 * process model's workers, past machine.memory): what they did not
	 * report failed for want of memory, as the simulator says */
	struct net_fd *k = net_fd_of(n, fd);
	if (r == 0 && k && !k->sock && net_cgroup_oomed()) {
		r = -1;
		errno = ENOMEM;
	}
	int64_t res = net_sys(n, r);
	if (wait)
		net_trace_run(n, res > 0 ? res : 0);
	else if (res >= 0)
		net_running(n, res);
	return al_os_finish(wait, res);
}

static int64_t net_close(struct al_os *os, int fd)
{
	struct net_os *n = NET(os);
	struct net_fd *k = net_fd_of(n, fd);

	if (k) {
		net_sel_forget(n, fd);
		if (k->sock) {
			net_count_open(n, -1);
			/* what the kernel retransmitted on it: one getsockopt, not
			 * counted as the model's syscall */
			struct tcp_info ti;
			socklen_t len = sizeof ti;
			if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
			    len >= offsetof(struct tcp_info, tcpi_total_retrans) + sizeof(uint32_t))
				__atomic_fetch_add(&n->counts->retransmits,
						   (int64_t)ti.tcpi_total_retrans, __ATOMIC_RELAXED);
		}
		k->deadline = 0;
		k->expired = 0;
		k->sock = 0;
	}
	return net_sys(n, close(fd));
}

/* The article's 3.4 loop for real: retry until the socket is ready,
 * counting every futile try; the page timeout stops it. */
static int64_t net_spin(struct al_os *os, int fd, unsigned events, struct al_future *wait)
{
	struct net_os *n = NET(os);
	struct pollfd p = {.fd = fd, .events = (short)((events & AL_EV_READ ? POLLIN : 0) |
						       (events & AL_EV_WRITE ? POLLOUT : 0))};
	int64_t futile = 0;

	net_trace_block(n, AL_ST_SPIN);
	for (;;) {
		if ((futile & 1023) == 0 && time_left(n, fd) == 0) {
			net_trace_run(n, 0);
			return al_os_finish(wait, -ETIMEDOUT);
		}
		int r = poll(&p, 1, 0);
		if (r > 0)               /* the call the model makes next is the */
			break;           /* one that succeeds: this one is not counted */
		net_count(&n->counts->syscalls);
		if (r < 0 && errno != EINTR) {
			int e = errno;
			net_trace_run(n, 0);
			return al_os_finish(wait, -e);
		}
		futile++;
		net_count(&n->counts->futile);
	}
	net_trace_run(n, 0);
	return al_os_finish(wait, futile);
}

/* The real crawler's work on a page is what it really does (checking it);
 * no extra CPU is burnt to imitate a cost table. */
static int64_t net_cpu(struct al_os *os, int64_t ns, struct al_future *wait)
{
	(void)os; (void)ns;
	return al_os_finish(wait, 0);
}

static int64_t net_mem(struct al_os *os, int64_t delta)
{
	(void)os; (void)delta;
	return 0;
}

static const struct al_os_ops net_ops = {
	.name = "real",
	.caps = AL_OS_CAP_RING,
	.now = net_now,
	.timer_start = net_timer_start,
	.timer_cancel = net_timer_cancel,
	.wait = net_wait,
	.socket = net_socket,
	.connect = net_connect,
	.send = net_send,
	.recv = net_recv,
	.close = net_close,
	.sel_open = net_sel_open,
	.sel_ctl = net_sel_ctl,
	.sel_wait = net_sel_wait,
	.sel_close = net_sel_close,
	.spawn = net_spawn,
	.join = net_join,
	.pipe = net_pipe,
	.lock_open = net_lock_open,
	.lock = net_lock,
	.unlock = net_unlock,
	.post_arm = net_post_arm,
	.post = net_post,
	.ring_open = net_ring_open,
	.ring_queue = net_ring_queue,
	.ring_enter = net_ring_enter,
	.ring_close = net_ring_close,
};

static const struct al_os_acct net_acct = {
	.cpu = net_cpu,
	.spin = net_spin,
	.mem = net_mem,
};

static const struct al_os_hooks net_hooks = {
	.task_end = net_task_end,
	.mark = net_mark,
};

void net_os_free(struct net_os *n)
{
	for (int i = 0; i < n->nspawned; i++) {
		if (!n->spawned[i]->joined)
			net_reap(n, n->spawned[i]);
		free(n->spawned[i]);
	}
	free(n->spawned);
	n->spawned = NULL;
	n->nspawned = n->spawned_cap = 0;
	net_ring_free_all(n);
	for (int i = 0; i < NET_MAX_SELS; i++)
		if (n->sels[i].used)
			net_sel_close(&n->os, i);
	/* registrations left by fds the model did not close, on this thread's
	 * base (the models register nothing from spawned threads, whose bases
	 * are gone) */
	for (int fd = 0; n->fds && fd < n->nfd; fd++)
		if (n->fds[fd].ev && event_get_base(n->fds[fd].ev) == n->main.base)
			net_sel_forget(n, fd);
	net_thread_end(&n->main);
	for (int i = 0; i < n->nspare; i++)
		if (n->spare[i])
			event_base_free(n->spare[i]);
	n->nspare = 0;
	for (int i = 0; i < n->nlocks; i++)
		pthread_mutex_destroy(&n->locks[i]);
	n->nlocks = 0;
	free(n->fds);
	n->fds = NULL;
	if (n->counts)
		munmap(n->counts, sizeof *n->counts);
	n->counts = NULL;
}

/* libevent's own messages ("[warn] epoll_create: Too many open files"):
 * the calls that fail return their errors to the models, which count them
 * as causes; nothing is printed behind the report's back. */
static void quiet(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

int net_os_init(struct net_os *n, const struct al_scenario *sc, struct al_loop *loop,
		const struct sockaddr_in *addr, int naddr)
{
	struct rlimit rl;

	event_set_log_callback(quiet);
	memset(n, 0, sizeof *n);
	if (naddr < 1 || naddr > NET_MAX_ADDRS) {
		errno = EINVAL;
		return -1;
	}
	current = NULL;
	memcpy(n->addr, addr, (size_t)naddr * sizeof *addr);
	n->naddr = naddr;
	n->nfd = NET_FD_CAP;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max < (rlim_t)NET_FD_CAP)
		n->nfd = (int)rl.rlim_max;
	n->fds = calloc((size_t)n->nfd, sizeof *n->fds);
	n->counts = mmap(NULL, sizeof *n->counts, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!n->fds || n->counts == MAP_FAILED) {
		n->counts = n->counts == MAP_FAILED ? NULL : n->counts;
		net_os_free(n);
		errno = ENOMEM;
		return -1;
	}
	n->t0 = net_mono_ns();
	n->os = (struct al_os){.ops = &net_ops, .acct = &net_acct, .hooks = &net_hooks,
			       .loop = loop, .sc = sc, .impl = n};
	loop->os = &n->os;
	return 0;
}

int net_os_base_now(struct net_os *n, int poller)
{
	if (!net_base(&n->main, poller))
		return -1;
	/* and its mailbox for posts (a thread's join comes through it): the
	 * lab's fd, not the crawler's */
	(void)net_post_mailbox(&n->main);
	return 0;
}

int net_os_spare_bases(struct net_os *n, int poller, int count)
{
	struct net_thread t = {.loop.os = &n->os};

	if (poller < 0)
		poller = AL_POLL_EPOLL;
	n->spare_poller = -1;            /* net_base below makes new ones */
	while (n->nspare < count && n->nspare < NET_MAX_SELS) {
		t.base = NULL;
		if (!net_base(&t, poller))
			break;
		n->spare[n->nspare++] = t.base;
	}
	n->spare_poller = poller;
	return n->nspare;
}
