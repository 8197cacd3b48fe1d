/* The real selector on libevent: the article's register / select /
 * unregister over an event_base using epoll, poll or select.
 *
 * A registered fd is one persistent libevent event.  Its callback does no
 * work of the model's: it ORs what was seen into the fd's `got` and queues
 * the fd on its selector's ready FIFO.  sel_wait takes what is queued; when
 * nothing is, it parks its future, and the loop's wait() runs a pass of the
 * event_base, after which the parked waits that have something complete.
 * Readiness is level-triggered, as epoll's default: libevent reports a
 * still-ready fd again on the next pass, so a report clears `got`.
 *
 * An fd's registration carries what is left of its page timeout as the
 * event's timeout: when it passes, the fd is marked expired and reported
 * ready for what it was registered for (every wait until it is
 * unregistered), and the call the model makes then fails with ETIMEDOUT. */
#include <errno.h>

#include <event2/event.h>

#include "net/net_clock.h"
#include "net/net_os_int.h"
#include "net/net_trace.h"

#define FD_SETSIZE_REAL 1024         /* select(2)'s: fds at or past it fail */

/* A selector is used by the thread that opened it only; but threads open
 * and close theirs at the same time (multiloop: one per loop), and every
 * pass looks for its own among all of them.  So a slot is claimed with a
 * compare-and-swap of `used` (0 free, 2 being made, 1 open), published by
 * a release store once made, and `owner`, which another thread may read
 * while a closed slot is made again, is read and written atomically. */
enum { SEL_FREE, SEL_OPEN, SEL_MAKING };

static struct net_sel *sel_of(struct net_os *n, int sel)
{
	return sel >= 0 && sel < NET_MAX_SELS &&
	       __atomic_load_n(&n->sels[sel].used, __ATOMIC_ACQUIRE) == SEL_OPEN
		? &n->sels[sel] : NULL;
}

/* The ready FIFO: core/al_fdq.h, linked through the fd table. */
static struct al_fdq_link *ready_link(void *n, int fd)
{
	return &((struct net_os *)n)->fds[fd].ready;
}

static void push_ready(struct net_os *n, struct net_sel *sl, int fd)
{
	al_fdq_push(&sl->ready, fd, ready_link, n);
}

static void unlink_ready(struct net_os *n, struct net_sel *sl, int fd)
{
	al_fdq_unlink(&sl->ready, fd, ready_link, n);
}

/* The registering task waits for this: connecting, sending, a reply
 * (unless it is the loop itself, registering for its callbacks).  Its lane
 * is kept, for on_ready to mark it ready when libevent reports the fd. */
static void trace_wait(struct net_os *n, struct net_sel *sl, struct net_fd *k,
		       unsigned events)
{
	k->lane = 0;
	if (n->log && (net_task(n) != sl->opener || (net_task(n) && net_task(n)->worn))) {
		k->lane = net_task_lane(n);
		net_trace_state(n->log, net_now(&n->os), k->lane, events & AL_EV_WRITE
				? (k->connected ? AL_ST_SEND : AL_ST_CONNECT) : AL_ST_RECV, 0);
	}
}

static void expire(struct net_os *n, struct net_sel *sl, int fd)
{
	struct net_fd *k = &n->fds[fd];

	k->expired = 1;
	if (k->ev)
		event_del(k->ev);
	k->got = k->want;
	push_ready(n, sl, fd);
}

/* The libevent callback: note, queue, nothing else. */
static void on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct net_os *n = arg;
	struct net_fd *k = &n->fds[fd];
	struct net_sel *sl = sel_of(n, k->sel - 1);

	if (!sl)
		return;
	if (what & EV_TIMEOUT)
		return expire(n, sl, (int)fd);
	if (k->deadline) {
		/* a persistent event's timeout restarts after each activation;
		 * the page timeout does not */
		int64_t left = k->deadline - net_now(&n->os);
		if (left <= 0)
			return expire(n, sl, (int)fd);
		struct timeval tv = net_tv(left);
		event_add(k->ev, &tv);
	}
	k->got |= ((what & EV_READ) ? AL_EV_READ : 0) | ((what & EV_WRITE) ? AL_EV_WRITE : 0);
	k->got &= k->want;
	if (k->got) {
		/* the loop has just learned the fd is ready; its task runs when
		 * the loop comes round to it: until then it is queueing, not the
		 * network's (the bytes may have come earlier: only the kernel
		 * knows when, and the trace does not claim to) */
		if (n->log && k->lane && !k->ready.queued) {
			net_trace_state(n->log, net_now(&n->os), k->lane, AL_ST_READY, 0);
			k->lane = 0;     /* once a wait: the fd may fire again while
			                    its task runs, which is no wait */
		}
		push_ready(n, sl, (int)fd);
	}
}

/* Takes up to max ready fds from the FIFO's front.  An expired fd stays
 * ready: it goes back at the tail. */
static int collect(struct net_os *n, struct net_sel *sl, struct al_sel_event *out, int max)
{
	int got = 0, requeue = -1;

	while (!al_fdq_empty(&sl->ready) && got < max && sl->ready.head != requeue) {
		int fd = sl->ready.head;
		struct net_fd *k = &n->fds[fd];
		unsigned ev = k->got & k->want;

		unlink_ready(n, sl, fd);
		k->got = 0;
		if (!ev)
			continue;
		out[got++] = (struct al_sel_event){.fd = fd, .events = ev, .data = k->data};
		if (k->expired) {
			k->got = k->want;
			push_ready(n, sl, fd);
			if (requeue < 0)
				requeue = fd;
		}
	}
	return got;
}

int64_t net_sel_open(struct al_os *os, enum al_poller kind)
{
	struct net_os *n = NET(os);
	struct net_thread *t = net_me(n);

	net_count(&n->counts->syscalls);
	if (!net_base(t, (int)kind))
		return -errno;
	for (int i = 0; i < NET_MAX_SELS; i++) {
		struct net_sel *sl = &n->sels[i];
		int expect = SEL_FREE;

		if (!__atomic_compare_exchange_n(&sl->used, &expect, SEL_MAKING, 0,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&sl->owner, t, __ATOMIC_RELAXED);
		sl->kind = (int)kind;
		sl->nfds = 0;
		al_fdq_init(&sl->ready);
		sl->wait = NULL;
		sl->out = NULL;
		sl->max = 0;
		sl->lane = 0;
		sl->opener = net_task(n);
		__atomic_store_n(&sl->used, SEL_OPEN, __ATOMIC_RELEASE);
		return i;
	}
	return -EMFILE;
}

/* Out of its selector (the event stays allocated for the next
 * registration). */
static void unregister(struct net_os *n, int fd)
{
	struct net_fd *k = &n->fds[fd];
	struct net_sel *sl = sel_of(n, k->sel - 1);

	if (k->ev)
		event_del(k->ev);
	if (sl) {
		unlink_ready(n, sl, fd);
		sl->nfds--;
	}
	k->sel = 0;
	k->want = k->got = 0;
	k->data = NULL;
}

int64_t net_sel_ctl(struct al_os *os, int sel, int fd, unsigned events, void *data)
{
	struct net_os *n = NET(os);
	struct net_sel *sl = sel_of(n, sel);
	struct net_fd *k = net_fd_of(n, fd);

	/* epoll_ctl is a syscall; select and poll keep their sets in user
	 * space, as the simulator counts them */
	if (sl && sl->kind == AL_POLL_EPOLL)
		net_count(&n->counts->syscalls);
	if (!sl || !k || sl->owner != net_me(n))
		return -EBADF;
	if (events == 0) {
		if (k->sel != sel + 1)
			return -ENOENT;
		unregister(n, fd);
		return 0;
	}
	if (sl->kind == AL_POLL_SELECT && fd >= FD_SETSIZE_REAL)
		return -EINVAL;
	if (k->sel && k->sel != sel + 1)
		return -EEXIST;
	if (k->sel == sel + 1 && k->want == events && !k->expired) {
		k->data = data;          /* the same interest: the event stands */
		trace_wait(n, sl, k, events);   /* but the task waits again */
		return 0;
	}
	if (k->sel == sel + 1)
		unregister(n, fd);
	short what = (short)(EV_PERSIST | ((events & AL_EV_READ) ? EV_READ : 0) |
			     ((events & AL_EV_WRITE) ? EV_WRITE : 0));
	int r = k->ev ? event_assign(k->ev, sl->owner->base, fd, what, on_ready, n)
		      : ((k->ev = event_new(sl->owner->base, fd, what, on_ready, n)) ? 0 : -1);
	if (r != 0)
		return -ENOMEM;
	k->sel = sel + 1;
	k->want = events;
	k->data = data;
	k->got = 0;
	sl->nfds++;
	trace_wait(n, sl, k, events);
	int64_t left = k->deadline ? k->deadline - net_now(os) : -1;
	if (k->expired || (k->deadline && left <= 0)) {
		expire(n, sl, fd);
		return 0;
	}
	struct timeval tv = net_tv(left);
	if (event_add(k->ev, left > 0 ? &tv : NULL) != 0) {
		unregister(n, fd);
		return -ENOMEM;
	}
	return 0;
}

int64_t net_sel_wait(struct al_os *os, int sel, struct al_sel_event *out, int max,
		     struct al_future *wait)
{
	struct net_os *n = NET(os);
	struct net_sel *sl = sel_of(n, sel);

	net_count(&n->counts->syscalls);
	if (!sl || max <= 0 || sl->wait || sl->owner != net_me(n))
		return al_os_finish(wait, -EINVAL);
	int got = collect(n, sl, out, max);
	if (got > 0)
		return al_os_finish(wait, got);
	if (!wait) {                 /* a poll with timeout 0 */
		event_base_loop(sl->owner->base, EVLOOP_NONBLOCK);
		got = collect(n, sl, out, max);
		net_sel_after_pass(n, sl->owner);   /* and the others' waits */
		return got;
	}
	if (sl->nfds == 0)
		return al_os_finish(wait, -ENOENT);  /* would block forever */
	sl->wait = wait;
	sl->out = out;
	sl->max = max;
	wait->parked = &sl->wait;
	sl->lane = net_task_lane(n);             /* made before now: it comes first */
	net_trace_state(n->log, net_now(os), sl->lane, AL_ST_WAIT, 0);
	return 0;
}

void net_sel_after_pass(struct net_os *n, struct net_thread *t)
{
	for (int i = 0; i < NET_MAX_SELS; i++) {
		struct net_sel *sl = &n->sels[i];
		if (__atomic_load_n(&sl->owner, __ATOMIC_RELAXED) != t ||
		    __atomic_load_n(&sl->used, __ATOMIC_ACQUIRE) != SEL_OPEN || !sl->wait)
			continue;
		int got = collect(n, sl, sl->out, sl->max);
		if (got == 0)
			continue;
		struct al_future *w = sl->wait;
		sl->wait = NULL;
		net_trace_state(n->log, net_now(&n->os), sl->lane, AL_ST_RUNNING, 0);
		al_future_set(w, got, 0);  /* its task resumes from the loop */
	}
}

int64_t net_sel_close(struct al_os *os, int sel)
{
	struct net_os *n = NET(os);
	struct net_sel *sl = sel_of(n, sel);

	net_count(&n->counts->syscalls);
	if (!sl)
		return -EBADF;
	for (int fd = 0; fd < n->nfd && sl->nfds > 0; fd++)
		if (n->fds[fd].sel == sel + 1)
			unregister(n, fd);
	if (sl->wait) {
		struct al_future *w = sl->wait;
		sl->wait = NULL;
		al_future_set(w, 0, EBADF);
	}
	__atomic_store_n(&sl->used, SEL_FREE, __ATOMIC_RELEASE);
	return 0;
}

void net_sel_forget(struct net_os *n, int fd)
{
	struct net_fd *k = &n->fds[fd];

	if (k->sel)
		unregister(n, fd);
	if (k->ev)
		event_free(k->ev);
	k->ev = NULL;
}
