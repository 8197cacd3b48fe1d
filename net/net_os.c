/* The real os, blocking subset: see net_os.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/net_os.h"

#define NET(os) ((struct net_os *)(os)->impl)

/* The thread running now: whose timers wait() looks at. */
static _Thread_local struct net_thread *current;

static struct net_thread *me(struct net_os *n)
{
	return current ? current : &n->main;
}

static void count(int64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A call's result: through wait if given (already done: the thread
 * blocked inside the call), else returned. */
static int64_t finish(struct al_future *wait, int64_t r)
{
	if (!wait)
		return r;
	al_future_set(wait, r < 0 ? 0 : r, r < 0 ? (int)-r : 0);
	return 0;
}

static int64_t sys(struct net_os *n, int64_t r)
{
	count(&n->syscalls);
	if (r < 0 && (errno == EAGAIN || errno == EINPROGRESS))
		count(&n->futile);
	return r < 0 ? -errno : r;
}

static int64_t net_now(struct al_os *os)
{
	return mono_ns() - NET(os)->t0;
}

static void net_timer_start(struct al_os *os, struct al_timer *tm)
{
	struct net_thread *n = me(NET(os));

	if (n->ntimers == (int)(sizeof n->timers / sizeof n->timers[0])) {
		al_future_set(&tm->fut, 0, ENOMEM);
		return;
	}
	n->timers[n->ntimers++] = tm;
}

static void net_timer_cancel(struct al_os *os, struct al_timer *tm)
{
	struct net_thread *n = me(NET(os));

	for (int i = 0; i < n->ntimers; i++)
		if (n->timers[i] == tm) {
			n->timers[i] = n->timers[--n->ntimers];
			return;
		}
}

/* Nothing external can happen but timers: sleep until the earliest. */
static int net_wait(struct al_os *os)
{
	struct net_thread *n = me(NET(os));
	int best = -1;

	for (int i = 0; i < n->ntimers; i++)
		if (best < 0 || n->timers[i]->at < n->timers[best]->at)
			best = i;
	if (best < 0)
		return 0;
	struct al_timer *tm = n->timers[best];
	n->timers[best] = n->timers[--n->ntimers];
	int64_t left = tm->at - net_now(os);
	if (left > 0) {
		struct timespec ts = {left / 1000000000, left % 1000000000};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	al_future_set(&tm->fut, net_now(os), 0);
	return 1;
}

static int64_t net_socket(struct al_os *os, int nonblocking)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);

	return sys(NET(os), fd);
}

static int64_t net_connect(struct al_os *os, int fd, int64_t page, struct al_future *wait)
{
	struct net_os *n = NET(os);
	int r;

	(void)page;                  /* the path names the page, not the address */
	do
		r = connect(fd, (const struct sockaddr *)&n->addr, sizeof n->addr);
	while (r < 0 && errno == EINTR);
	return finish(wait, sys(n, r));
}

static int64_t net_send(struct al_os *os, int fd, const void *buf, size_t len,
			struct al_future *wait)
{
	struct net_os *n = NET(os);
	size_t done = 0;

	if (!wait)
		return sys(n, send(fd, buf, len, MSG_NOSIGNAL));
	while (done < len) {
		ssize_t r = send(fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);
		if (r < 0 && errno == ENOTSOCK)     /* a pipe */
			r = write(fd, (const char *)buf + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (sys(n, r) < 0)
			return finish(wait, -errno);
		done += (size_t)r;
	}
	return finish(wait, (int64_t)len);
}

/* A blocking read waits at most the scenario's page timeout: a stalled
 * server (or a dead worker holding a pipe) fails the call with ETIMEDOUT
 * instead of hanging the run. */
static int ready_within(struct net_os *n, int fd)
{
	int64_t t = n->os.sc->workload.timeout_ns;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	if (t <= 0)
		return 0;
	do
		r = poll(&p, 1, (int)((t + 999999) / 1000000));
	while (r < 0 && errno == EINTR);
	return r == 0 ? -ETIMEDOUT : 0;
}

static int64_t net_recv(struct al_os *os, int fd, void *buf, size_t cap, struct al_future *wait)
{
	struct net_os *n = NET(os);
	ssize_t r;

	if (wait && ready_within(n, fd) != 0)
		return finish(wait, -ETIMEDOUT);
	do {
		r = recv(fd, buf, cap, 0);
		if (r < 0 && errno == ENOTSOCK)     /* a pipe */
			r = read(fd, buf, cap);
	} while (r < 0 && errno == EINTR && wait);
	return finish(wait, sys(n, r));
}

static int64_t net_close(struct al_os *os, int fd)
{
	return sys(NET(os), close(fd));
}

/* The article's 3.4 loop for real: retry until the socket is ready,
 * counting every futile try. */
static int64_t net_spin(struct al_os *os, int fd, unsigned events, struct al_future *wait)
{
	struct net_os *n = NET(os);
	struct pollfd p = {.fd = fd, .events = (short)((events & AL_EV_READ ? POLLIN : 0) |
						       (events & AL_EV_WRITE ? POLLOUT : 0))};
	int64_t futile = 0;

	for (;;) {
		int r = poll(&p, 1, 0);
		count(&n->syscalls);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return finish(wait, -errno);
		futile++;
		count(&n->futile);
	}
	return finish(wait, futile);
}

static int64_t nosys(void)
{
	return -ENOSYS;
}

static int64_t net_sel_open(struct al_os *os, enum al_poller kind)
{
	(void)os; (void)kind;
	return nosys();
}

static int64_t net_sel_ctl(struct al_os *os, int sel, int fd, unsigned ev, void *data)
{
	(void)os; (void)sel; (void)fd; (void)ev; (void)data;
	return nosys();
}

static int64_t net_sel_wait(struct al_os *os, int sel, struct al_sel_event *out, int max,
			    struct al_future *wait)
{
	(void)os; (void)sel; (void)out; (void)max;
	return finish(wait, nosys());
}

static int64_t net_sel_close(struct al_os *os, int sel)
{
	(void)os; (void)sel;
	return nosys();
}

static void *thread_main(void *arg)
{
	struct net_thread *t = arg;

	current = t;
	al_loop_run(&t->loop);
	return NULL;
}

/* A new thread (or process) runs task on a loop of its own. */
static int64_t net_spawn(struct al_os *os, enum al_spawn_kind kind, struct al_task *task,
			 al_coro_fn fn, void *frame, const char *name)
{
	struct net_os *n = NET(os);
	struct net_thread *t;

	if (n->nspawned == NET_MAX_SPAWN)
		return -EAGAIN;
	t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	al_loop_init(&t->loop, os);
	al_task_start(task, &t->loop, fn, frame, name);
	count(&n->syscalls);
	if (kind == AL_SPAWN_PROCESS) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			int e = errno;
			free(t);
			return -e;
		}
		if (pid == 0) {
			current = t;
			al_loop_run(&t->loop);
			_exit(0);
		}
		t->pid = pid;
	} else {
		int e = pthread_create(&t->tid, NULL, thread_main, t);
		if (e) {
			free(t);
			return -e;
		}
	}
	n->spawned[n->nspawned] = t;
	return n->nspawned++;
}

static int64_t net_join(struct al_os *os, int64_t id, struct al_future *wait)
{
	struct net_os *n = NET(os);
	struct net_thread *t = id >= 0 && id < n->nspawned ? n->spawned[id] : NULL;

	if (!t || t->joined)
		return finish(wait, -ESRCH);
	count(&n->syscalls);
	if (t->pid)
		waitpid(t->pid, NULL, 0);
	else
		pthread_join(t->tid, NULL);
	t->joined = 1;
	return finish(wait, 0);
}

static int64_t net_pipe(struct al_os *os, int fds[2])
{
	return sys(NET(os), pipe2(fds, O_CLOEXEC));
}

static int64_t net_lock_open(struct al_os *os)
{
	struct net_os *n = NET(os);

	if (n->nlocks == NET_MAX_LOCKS)
		return -ENOMEM;
	pthread_mutex_init(&n->locks[n->nlocks], NULL);
	return n->nlocks++;
}

static int64_t net_lock(struct al_os *os, int64_t lk, struct al_future *wait)
{
	struct net_os *n = NET(os);

	if (lk < 0 || lk >= n->nlocks)
		return finish(wait, -EINVAL);
	pthread_mutex_lock(&n->locks[lk]);
	return finish(wait, 0);
}

static int64_t net_unlock(struct al_os *os, int64_t lk)
{
	struct net_os *n = NET(os);

	if (lk < 0 || lk >= n->nlocks)
		return -EINVAL;
	return -pthread_mutex_unlock(&n->locks[lk]);
}

/* The real crawler's work on a page is what it really does (checking it);
 * no extra CPU is burnt to imitate a cost table. */
static int64_t net_cpu(struct al_os *os, int64_t ns, struct al_future *wait)
{
	(void)os; (void)ns;
	return finish(wait, 0);
}

static int64_t net_mem(struct al_os *os, int64_t delta)
{
	(void)os; (void)delta;
	return 0;
}

static const struct al_os_ops net_ops = {
	.name = "real",
	.now = net_now,
	.timer_start = net_timer_start,
	.timer_cancel = net_timer_cancel,
	.wait = net_wait,
	.socket = net_socket,
	.connect = net_connect,
	.send = net_send,
	.recv = net_recv,
	.close = net_close,
	.spin = net_spin,
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
	.cpu = net_cpu,
	.mem = net_mem,
};

void net_os_free(struct net_os *n)
{
	for (int i = 0; i < n->nspawned; i++) {
		struct net_thread *t = n->spawned[i];
		if (!t->joined) {
			if (t->pid)
				waitpid(t->pid, NULL, 0);
			else
				pthread_join(t->tid, NULL);
		}
		free(t);
	}
	for (int i = 0; i < n->nlocks; i++)
		pthread_mutex_destroy(&n->locks[i]);
	n->nspawned = n->nlocks = 0;
}

void net_os_init(struct net_os *n, const struct al_scenario *sc, struct al_loop *loop,
		 const struct sockaddr_in *addr)
{
	memset(n, 0, sizeof *n);
	current = NULL;
	n->addr = *addr;
	n->t0 = mono_ns();
	n->os = (struct al_os){.ops = &net_ops, .loop = loop, .sc = sc, .impl = n};
	loop->os = &n->os;
}
