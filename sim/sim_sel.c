/* The simulated selector: select, poll and epoll over simulated sockets.
 *
 * The three differ in what a wait costs (select: every fd up to the highest
 * registered; poll: every registered fd; epoll: only the ready ones) and in
 * select's FD_SETSIZE: an fd >= 1024 cannot be registered.  Readiness is
 * level-triggered: a ready, registered fd is reported by every wait until
 * it stops being ready or is unregistered.  Fds that became ready at the
 * same virtual time are collected together, as one kernel wake-up would.
 *
 * A pass of the kernel over the set (a select, poll or epoll_wait call)
 * reports every fd ready at that moment; the loop takes them max at a
 * time, and a wait that finds some of the last pass's left makes no call
 * and costs nothing: select and poll return every ready fd at once, and
 * the real backend's libevent queues what a pass reported and hands it
 * out the same way (net/net_sel.c), as the article's loop handles every
 * event a select() returned before it selects again.  It still counts as
 * a call, as the real backend counts it. */
#include <errno.h>
#include <stdlib.h>

#include "sim/sim_net_int.h"    /* the flow's readiness, inline */
#include "sim/sim_os.h"

#define FD_SETSIZE_SIM 1024
#define SIM(os) ((struct sim_os *)(os)->impl)

static struct sim_sel *sel_of(struct sim_os *s, int sel)
{
	return sel >= 0 && sel < s->nsels && s->sels[sel].used ? &s->sels[sel] : NULL;
}

/* sim_sock_ready_mask and _in, the flow's test inline: a segment's
 * delivery, registration and pass each ask it. */
static inline unsigned sel_ready_mask(const struct sim_os *s, const struct sim_sock *k,
				      unsigned ev)
{
	return sim_sock_ready_mask_by(s, k, ev, sim_net_readable_in);
}

static inline int sel_ready_in(const struct sim_os *s, const struct sim_sock *k, unsigned ev)
{
	return sim_sock_ready_in_by(s, k, ev, sim_net_readable_in);
}

/* The ready FIFO: core/al_fdq.h, linked through the sockets. */
static struct al_fdq_link *ready_link(void *s, int fd)
{
	return &sim_sock_at(s, fd)->ready;
}

/* k is fd's socket: its link is at hand, not looked up again. */
static void push_ready(struct sim_os *s, struct sim_sel *sl, struct sim_sock *k, int fd)
{
	al_fdq_push_link(&sl->ready, fd, &k->ready, ready_link, s);
}

static void unlink_ready(struct sim_os *s, struct sim_sel *sl, struct sim_sock *k)
{
	al_fdq_unlink_link(&sl->ready, &k->ready, ready_link, s);
}

/* What k, queued in selector si, is ready for of what it is registered
 * for: 0 if nothing (no longer ready, or no longer registered). */
static inline unsigned ready_for(const struct sim_os *s, int si, const struct sim_sock *k)
{
	unsigned ev = k->used && k->sel == si ? k->sel_events : 0;

	return ev ? sel_ready_mask(s, k, ev) : 0;
}

/* A pass of the kernel: every queued fd still ready is reported (the ones
 * that are not leave the FIFO), and the first take of its report, in one
 * walk, as nothing changes between the two.  The fds taken are the FIFO's
 * front once the walk has dropped the ones not ready: they go to its tail
 * in the order taken, as collect moves them.  How many the pass reported;
 * *taken, how many were handed out.  Inline, forced: a wait's and a
 * collection's every pass. */
static inline __attribute__((always_inline)) int64_t pass_take(struct sim_os *s,
								struct sim_sel *sl, int si,
								struct al_sel_event *out,
								int max, int *taken)
{
	int64_t rep = 0;
	int n = 0, last = -1;

	for (int fd = sl->ready.head; fd >= 0;) {
		struct sim_sock *k = sim_sock_at(s, fd);
		int next = k->ready.next;
		unsigned got = ready_for(s, si, k);

		if (!got) {
			unlink_ready(s, sl, k);
		} else {
			rep++;
			last = fd;
			if (n < max)
				out[n++] = (struct al_sel_event){.fd = fd, .events = got,
								 .data = k->sel_data};
		}
		fd = next;
	}
	/* the report is all handed out, or its rest stays at the front */
	sl->pass_end = rep > n ? last : -1;
	if (n > 0)
		al_fdq_rotate(&sl->ready, out[n - 1].fd, ready_link, s);
	*taken = n;
	return rep;
}

/* Takes up to max of what the last pass reported from the front of the
 * FIFO, dropping the ones no longer ready or registered on the way.
 * Reported fds go back at the tail (level-triggered, as epoll re-queues
 * them): the next pass reports them again if they are still ready, so an
 * fd that stays ready cannot starve the others. */
static int collect(struct sim_os *s, struct sim_sel *sl, int si, struct al_sel_event *out,
		   int max)
{
	int n = 0;

	/* the ones taken stay at the front, in order, till the walk ends */
	for (int fd = sl->ready.head; sl->pass_end >= 0 && n < max;) {
		struct sim_sock *k = sim_sock_at(s, fd);
		int next = k->ready.next;
		unsigned got = ready_for(s, si, k);

		if (fd == sl->pass_end)
			sl->pass_end = -1;
		if (got)
			out[n++] = (struct al_sel_event){.fd = fd, .events = got, .data = k->sel_data};
		else
			unlink_ready(s, sl, k);
		fd = next;
	}
	if (n > 0)
		al_fdq_rotate(&sl->ready, out[n - 1].fd, ready_link, s);
	return n;
}

/* What one pass costs beyond its syscall. */
static int64_t wait_cost(const struct sim_os *s, const struct sim_sel *sl, int64_t nready)
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
	/* the sleeping call wakes and reports every fd ready now */
	int n;
	pass_take(s, sl, (int)(sl - s->sels), sl->out, sl->max, &n);
	if (n == 0)
		return;             /* readiness was withdrawn meanwhile */
	sl->wait = NULL;
	/* the delivery that made the fd ready woke the loop: its waker's */
	s->k.waker = sl->waker;
	al_os_finish(w, n);
	s->k.waker = NULL;
}

/* k (fd) is ready and registered: queue it, and wake a parked wait.
 * Inline, forced: a segment's delivery comes here, and the call with its
 * register saves was ~20 instructions of it. */
static inline __attribute__((always_inline)) void became_ready(struct sim_os *s,
							       struct sim_sel *sl,
							       struct sim_sock *k, int fd)
{
	sim_ready_in(s, k, AL_ST_READY);  /* now the loop must see it */
	if (!k->ready.queued)
		push_ready(s, sl, k, fd);
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

void sim_sel_changed(struct sim_os *s, struct sim_sock *k)
{
	struct sim_sel *sl = sel_of(s, k->sel);

	if (sl && sel_ready_in(s, k, k->sel_events))
		became_ready(s, sl, k, k->fd);
}

static void recompute_maxfd(struct sim_os *s, struct sim_sel *sl, int si)
{
	while (sl->maxfd >= 0 && !(sim_sock_at(s, sl->maxfd)->used && sim_sock_at(s, sl->maxfd)->sel == si))
		sl->maxfd--;
}

/* fd, registered with sl (index si), leaves it. */
static inline void forget(struct sim_os *s, struct sim_sel *sl, int si, struct sim_sock *k,
			  int fd)
{
	if (fd == sl->pass_end)
		sl->pass_end = k->ready.prev;   /* -1: it was the front */
	unlink_ready(s, sl, k);
	k->lane = 0;
	k->sel = -1;
	k->sel_events = 0;
	sl->nfds--;
	if (fd == sl->maxfd)
		recompute_maxfd(s, sl, si);
}

void sim_sel_forget(struct sim_os *s, int fd)
{
	struct sim_sock *k = sim_sock_at(s, fd);
	struct sim_sel *sl = sel_of(s, k->sel);

	if (sl)
		forget(s, sl, k->sel, k, fd);
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
		.kind = kind, .used = 1, .maxfd = -1, .ready = {-1, -1}, .pass_end = -1, .s = s,
		.opener = th ? th->loop.current : s->os.loop ? s->os.loop->current : NULL,
	};
	return s->nsels++;
}

/* What a registration's call costs, and the fast-forward's note of it:
 * epoll_ctl is a syscall; select and poll keep their sets in user space. */
static inline void ctl_charge(struct sim_os *s, const struct sim_sel *sl, int sel,
			      unsigned ev)
{
	if (sl && sl->kind == AL_POLL_EPOLL)
		sim_syscall(s);
	else
		sim_kernel_charge(&s->k, s->os.sc->machine.costs.callback_ns);
	if (__builtin_expect(s->ff.sel >= 0, 0))
		sim_ff_ctl(s, sel, ev, sl && sl->kind == AL_POLL_EPOLL);
}

/* sel_ctl's unregistration (ev 0): a loop's every turn makes one. */
int64_t sim_sel_del(struct sim_os *s, int sel, int fd, struct sim_sock *k)
{
	struct sim_sel *sl = sel_of(s, sel);

	ctl_charge(s, sl, sel, 0);
	if (!sl || !k)
		return -EBADF;
	if (k->sel != sel)
		return -ENOENT;
	forget(s, sl, sel, k, fd);
	return 0;
}

/* sel_ctl's registration (ev != 0). */
static __attribute__((noinline)) int64_t sel_add(struct sim_os *s, int sel, int fd,
						 unsigned ev, void *data)
{
	struct sim_sel *sl = sel_of(s, sel);
	struct sim_sock *k = sim_sock_of(s, fd);

	ctl_charge(s, sl, sel, ev);
	if (!sl || !k)
		return -EBADF;
	if (ev & ~(unsigned)(AL_EV_READ | AL_EV_WRITE))
		return -EINVAL;          /* a socket keeps these two bits only */
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
	struct al_task *cur = sim_current_task(s);
	if (cur != sl->opener || (cur && cur->worn)) {
		sim_wait_on(s, k, sim_lane_for(s, cur), ev & AL_EV_WRITE ? (k->connected ? AL_ST_SEND
											  : AL_ST_CONNECT)
									 : AL_ST_RECV, 0);
	}
	if (sel_ready_in(s, k, ev))
		became_ready(s, sl, k, fd);
	return 0;
}

/* Two calls apart, each saving only the registers its path needs: the
 * test and a jump here, where one body saved six at every call. */
int64_t sim_sel_ctl(struct al_os *os, int sel, int fd, unsigned ev, void *data)
{
	struct sim_os *s = SIM(os);

	return ev == 0 ? sim_sel_del(s, sel, fd, sim_sock_of(s, fd))
		       : sel_add(s, sel, fd, ev, data);
}

int64_t sim_sel_wait(struct al_os *os, int sel, struct al_sel_event *out, int max,
		     struct al_future *wait)
{
	struct sim_os *s = SIM(os);
	struct sim_sel *sl = sel_of(s, sel);

	if (!sl || max <= 0 || sl->wait) {
		sim_syscall(s);
		sim_ff_spoil(s);
		return al_os_finish(wait, -EINVAL);
	}
	/* the last pass's report first: no call */
	int n = collect(s, sl, sel, out, max);
	if (n > 0) {
		s->syscalls++;
		if (__builtin_expect(s->ff.sel >= 0, 0))
			sim_ff_waited(s, sel, 0, 0, out, n);
		return al_os_finish(wait, n);
	}
	sim_syscall(s);
	int64_t rep = pass_take(s, sl, sel, out, max, &n);
	sim_kernel_charge(&s->k, wait_cost(s, sl, rep));
	if (__builtin_expect(s->ff.sel >= 0, 0))
		sim_ff_waited(s, sel, 1, rep, out, n);
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
	sim_ff_closed(s, sel);
	sl->used = 0;
	return 0;
}
