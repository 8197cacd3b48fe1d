/* The simulated selector: select, poll and epoll over simulated sockets.
 *
 * The three differ in what a wait costs (select: every fd up to the highest
 * registered; poll: every registered fd; epoll: only the ready ones) and in
 * select's FD_SETSIZE: an fd >= 1024 cannot be registered.  Readiness is
 * level-triggered: a ready, registered fd is reported by every wait until
 * it stops being ready or is unregistered.  Fds that became ready at the
 * same virtual time are collected together, as one kernel wake-up would. */
#include <errno.h>
#include <stdlib.h>

#include "sim/sim_os.h"

#define FD_SETSIZE_SIM 1024
#define SIM(os) ((struct sim_os *)(os)->impl)

static struct sim_sel *sel_of(struct sim_os *s, int sel)
{
	return sel >= 0 && sel < s->nsels && s->sels[sel].used ? &s->sels[sel] : NULL;
}

/* The ready FIFO: core/al_fdq.h, linked through the sockets. */
static struct al_fdq_link *ready_link(void *s, int fd)
{
	return &sim_sock_at(s, fd)->ready;
}

static void push_ready(struct sim_os *s, struct sim_sel *sl, int fd)
{
	al_fdq_push(&sl->ready, fd, ready_link, s);
}

static void unlink_ready(struct sim_os *s, struct sim_sel *sl, int fd)
{
	al_fdq_unlink(&sl->ready, fd, ready_link, s);
}

/* Takes up to max ready fds from the front of the FIFO, dropping the ones
 * no longer ready or registered on the way.  Reported fds go back at the
 * tail (level-triggered, as epoll re-queues them), so a wait costs O(what
 * it looks at), and an fd that stays ready cannot starve the others. */
static int collect(struct sim_os *s, struct sim_sel *sl, int si, struct al_sel_event *out,
		   int max)
{
	int n = 0;

	while (!al_fdq_empty(&sl->ready) && n < max) {
		int fd = sl->ready.head;
		struct sim_sock *k = sim_sock_at(s, fd);
		unsigned ev = k->used && k->sel == si ? k->sel_events : 0;
		unsigned got = (ev & AL_EV_READ && sim_sock_ready(k, AL_EV_READ) ? AL_EV_READ : 0) |
			       (ev & AL_EV_WRITE && sim_sock_ready(k, AL_EV_WRITE) ? AL_EV_WRITE : 0);

		unlink_ready(s, sl, fd);
		if (got)
			out[n++] = (struct al_sel_event){.fd = fd, .events = got,
							 .data = k->sel_data};
	}
	for (int i = 0; i < n; i++)
		push_ready(s, sl, out[i].fd);
	return n;
}

/* What one wait costs beyond its syscall. */
static int64_t wait_cost(const struct sim_os *s, const struct sim_sel *sl, int nready)
{
	const struct al_costs *c = &s->os.sc->machine.costs;
	int64_t per = sl->kind == AL_POLL_SELECT ? sl->maxfd + 1
		    : sl->kind == AL_POLL_POLL ? sl->nfds : nready;

	return c->select_ns + per * c->select_per_fd_ns;
}

static void on_collect(void *arg, int64_t now)
{
	struct sim_sel *sl = arg;
	struct sim_os *s = sl->s;
	struct al_future *w = sl->wait;

	(void)now;
	sl->token = 0;
	if (!w)
		return;
	int n = collect(s, sl, (int)(sl - s->sels), sl->out, sl->max);
	if (n == 0)
		return;             /* readiness was withdrawn meanwhile */
	sl->wait = NULL;
	/* the delivery that made the fd ready woke the loop: its waker's */
	s->k.waker = sl->waker;
	al_os_finish(w, n);
	s->k.waker = NULL;
}

/* fd is ready and registered: queue it, and wake a parked wait. */
static void became_ready(struct sim_os *s, struct sim_sel *sl, int fd)
{
	sim_ready(sim_sock_at(s, fd), AL_ST_READY);  /* now the loop must see it */
	push_ready(s, sl, fd);
	if (sl->wait && !sl->token) {
		sl->waker = s->k.waker;
		sl->token = sim_queue_push(&s->q, s->now, on_collect, sl);
		if (!sl->token) {
			struct al_future *w = sl->wait;
			sl->wait = NULL;
			al_os_finish(w, -ENOMEM);
		}
	}
}

void sim_sel_changed(struct sim_os *s, int fd)
{
	struct sim_sock *k = sim_sock_at(s, fd);
	struct sim_sel *sl = sel_of(s, k->sel);

	if (sl && sim_sock_ready(k, k->sel_events))
		became_ready(s, sl, fd);
}

static void recompute_maxfd(struct sim_os *s, struct sim_sel *sl, int si)
{
	while (sl->maxfd >= 0 && !(sim_sock_at(s, sl->maxfd)->used && sim_sock_at(s, sl->maxfd)->sel == si))
		sl->maxfd--;
}

void sim_sel_forget(struct sim_os *s, int fd)
{
	struct sim_sock *k = sim_sock_at(s, fd);
	struct sim_sel *sl = sel_of(s, k->sel);
	int si = k->sel;

	if (!sl)
		return;
	unlink_ready(s, sl, fd);
	k->lane = 0;
	k->sel = -1;
	k->sel_events = 0;
	sl->nfds--;
	if (fd == sl->maxfd)
		recompute_maxfd(s, sl, si);
}

int64_t sim_sel_open(struct al_os *os, enum al_poller kind)
{
	struct sim_os *s = SIM(os);
	struct sim_sel *p;

	sim_syscall(s);
	if (s->nsels >= SIM_SEL_MAX)
		return -EMFILE;          /* a socket could not name it */
	if (!(p = realloc(s->sels, (size_t)(s->nsels + 1) * sizeof *p)))
		return -ENOMEM;
	s->sels = p;
	/* sockets point at selectors by index: the move is harmless */
	struct sim_thread *th = s->k.current;
	s->sels[s->nsels] = (struct sim_sel){
		.kind = kind, .used = 1, .maxfd = -1, .ready = {-1, -1}, .s = s,
		.opener = th ? th->loop.current : s->os.loop ? s->os.loop->current : NULL,
	};
	return s->nsels++;
}

int64_t sim_sel_ctl(struct al_os *os, int sel, int fd, unsigned ev, void *data)
{
	struct sim_os *s = SIM(os);
	struct sim_sel *sl = sel_of(s, sel);
	struct sim_sock *k = sim_sock_of(s, fd);

	/* epoll_ctl is a syscall; select and poll keep their sets in user space */
	if (sl && sl->kind == AL_POLL_EPOLL)
		sim_syscall(s);
	else
		sim_kernel_charge(&s->k, os->sc->machine.costs.callback_ns);
	if (!sl || !k)
		return -EBADF;
	if (ev & ~(unsigned)(AL_EV_READ | AL_EV_WRITE))
		return -EINVAL;          /* a socket keeps these two bits only */
	if (ev == 0) {
		if (k->sel != sel)
			return -ENOENT;
		sim_sel_forget(s, fd);
		return 0;
	}
	if (sl->kind == AL_POLL_SELECT && fd >= FD_SETSIZE_SIM)
		return -EINVAL;
	if (k->sel >= 0 && k->sel != sel)
		return -EEXIST;
	if (k->sel != sel) {
		sl->nfds++;
		if (fd > sl->maxfd)
			sl->maxfd = fd;
	}
	k->sel = sel;
	k->sel_events = ev;
	k->sel_data = data;
	/* the registering task waits for this: connecting, sending, a reply
	 * (unless it is the loop itself, registering for its callbacks: but a
	 * callback on its page's lane waits as that page) */
	struct sim_thread *th = s->k.current;
	const struct al_task *cur = th ? th->loop.current : s->os.loop ? s->os.loop->current : NULL;
	if (cur != sl->opener || (cur && cur->worn)) {
		sim_wait_on(s, k, sim_lane(s), ev & AL_EV_WRITE ? (k->connected ? AL_ST_SEND
										  : AL_ST_CONNECT)
								 : AL_ST_RECV, 0);
	}
	if (sim_sock_ready(k, ev))
		became_ready(s, sl, fd);
	return 0;
}

int64_t sim_sel_wait(struct al_os *os, int sel, struct al_sel_event *out, int max,
		     struct al_future *wait)
{
	struct sim_os *s = SIM(os);
	struct sim_sel *sl = sel_of(s, sel);

	sim_syscall(s);
	if (!sl || max <= 0 || sl->wait)
		return al_os_finish(wait, -EINVAL);
	int n = collect(s, sl, sel, out, max);
	sim_kernel_charge(&s->k, wait_cost(s, sl, n));
	if (n > 0 || !wait)
		return al_os_finish(wait, n);
	if (sl->nfds == 0)
		return al_os_finish(wait, -ENOENT); /* would block forever */
	sl->wait = wait;
	sl->out = out;
	sl->max = max;
	wait->parked = &sl->wait;
	sim_state(s, sim_lane(s), AL_ST_WAIT, 0);
	return 0;
}

int64_t sim_sel_close(struct al_os *os, int sel)
{
	struct sim_os *s = SIM(os);
	struct sim_sel *sl = sel_of(s, sel);

	sim_syscall(s);
	if (!sl)
		return -EBADF;
	for (int fd = 0; fd < s->fd_high && sl->nfds > 0; fd++)
		if (sim_sock_at(s, fd)->used && sim_sock_at(s, fd)->sel == sel)
			sim_sel_forget(s, fd);
	if (sl->wait) {
		struct al_future *w = sl->wait;
		sl->wait = NULL;
		al_os_finish(w, -EBADF);
	}
	sim_queue_cancel(&s->q, sl->token);
	sl->used = 0;
	return 0;
}
