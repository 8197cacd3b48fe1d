/* The simulated io_uring: a ring of operations queued in user space and
 * carried into the simulated kernel by one enter.
 *
 * An enter is one syscall (counted once) that costs `uring_enter`, and
 * each operation it carries costs `uring_op` instead of a syscall's
 * `syscall`, `uring_timeout` more where its page has a deadline (the
 * real ring links a timeout to it) and `uring_poll` more where it cannot
 * complete at once (the real ring polls): the operation itself is the
 * socket call the blocking flavour would make (connect, send, recv,
 * close), issued at the enter's instant with a future of the ring's own
 * parked on the socket.  So every rule of the simulated sockets --
 * timeouts, the host's gates, the network's hooks -- holds unchanged, and
 * the op's completion is that future's.
 *
 * The ring's futures belong to a loop of its own (`cq`) that no thread
 * runs: its notify hook moves each completed op to the completion queue at
 * once, at the instant the network completed it, and wakes an enter parked
 * on the ring.  Completions at the same virtual time are reaped together,
 * as one wake-up of the kernel would (the selector's rule, sim_sel.c).
 *
 * The op's trace is drawn on the lane of the task that queued it, not on
 * the loop's that entered it. */
#include <errno.h>
#include <stdlib.h>

#include "sim/sim_os.h"

#define SIM(os) ((struct sim_os *)(os)->impl)
#define SLOTS_PER_CHUNK 256

/* One operation, from its queueing to its reaping.  Slots live in chunks
 * that never move: a socket holds a pointer to a slot's future. */
struct sim_ring_slot {
	struct al_future f;          /* parked on the socket while in flight */
	struct al_cb cb;             /* on f: posts the completion */
	struct sim_ring *r;
	struct al_ring_op op;
	uint32_t lane;               /* the queueing task's trace lane */
	struct sim_ring_slot *next;  /* free list, queue or completion FIFO */
};

struct sim_ring {
	struct sim_os *s;
	int fd;                      /* io_uring_setup's: the ring is an fd */
	struct al_loop cq;           /* where the slots' futures complete */
	struct sim_ring_slot **chunks;
	int nchunks;
	struct sim_ring_slot *free;
	struct sim_ring_slot *sq, **sq_tail;     /* queued, not yet entered */
	struct sim_ring_slot *done, **done_tail; /* completed, not yet reaped */
	int64_t inflight;            /* entered, not completed */
	struct sim_thread *th;       /* whose enter pays the recv copies */
	int entering;                /* inside ring_enter: its burst pays */
	struct al_future *wait;      /* a parked enter */
	struct al_ring_cqe *out;
	int max;
	uint64_t token;              /* its reaping event */
	struct sim_thread *waker;    /* the delivery's that queued it (sim_sel.c's) */
};

static struct sim_ring *ring_of(struct sim_os *s, int ring)
{
	return ring >= 0 && ring < s->nrings ? s->rings[ring] : NULL;
}

static struct sim_ring_slot *slot_of(struct al_cb *cb)
{
	return (struct sim_ring_slot *)(void *)((char *)cb -
						 offsetof(struct sim_ring_slot, cb));
}

/* Up to max completions, oldest first. */
static int reap(struct sim_ring *r, struct al_ring_cqe *out, int max)
{
	int n = 0;

	while (r->done && n < max) {
		struct sim_ring_slot *sl = r->done;
		r->done = sl->next;
		if (!r->done)
			r->done_tail = &r->done;
		out[n++] = (struct al_ring_cqe){.data = sl->op.data,
						.res = sl->f.err ? -sl->f.err : sl->f.value};
		sl->next = r->free;
		r->free = sl;
	}
	return n;
}

static void on_reap(void *arg, int64_t now)
{
	struct sim_ring *r = arg;
	struct al_future *w = r->wait;

	(void)now;
	r->token = 0;
	if (!w)
		return;
	r->wait = NULL;
	/* the delivery that completed the op woke the enter: its waker's */
	r->s->k.waker = r->waker;
	al_os_finish(w, reap(r, r->out, r->max));
	r->s->k.waker = NULL;
}

/* The slot's future completed: the op joins the completion queue. */
static void on_complete(struct al_cb *cb)
{
	struct sim_ring_slot *sl = slot_of(cb);
	struct sim_ring *r = sl->r;
	struct sim_os *s = r->s;

	r->inflight--;
	/* its page's lane waits for the loop to come round to it */
	sim_state(s, sl->lane, AL_ST_READY, 0);
	/* a recv completed by the network, not inside the enter: the copy
	 * is the kernel's work for the ring's thread, paid at its next burst */
	if (!r->entering && sl->op.code == AL_RING_RECV && !sl->f.err)
		sim_host_recv(s, r->th, sl->f.value);
	sl->next = NULL;
	*r->done_tail = sl;
	r->done_tail = &sl->next;
	if (r->wait && !r->token) {
		r->waker = s->k.waker;
		r->token = sim_queue_push(&s->q, s->now, on_reap, r);
		if (!r->token) {
			struct al_future *w = r->wait;
			r->wait = NULL;
			al_os_finish(w, -ENOMEM);
		}
	}
}

/* cq's notify: its callbacks run now, not from a thread's loop. */
static void on_cq(struct al_loop *cq)
{
	al_loop_drain(cq);
}

int64_t sim_ring_open(struct al_os *os, int entries)
{
	struct sim_os *s = SIM(os);
	struct sim_ring **p;
	struct sim_ring *r;

	/* io_uring_setup, one syscall: priced as the ring's whole set-up and
	 * tear-down where the profile has that (uring_setup) */
	if (s->os.sc->machine.costs.uring_setup_ns > 0) {
		s->syscalls++;
		sim_kernel_charge(&s->k, s->os.sc->machine.costs.uring_setup_ns);
	} else {
		sim_syscall(s);
	}
	if (entries <= 0)
		return -EINVAL;
	p = realloc(s->rings, (size_t)(s->nrings + 1) * sizeof *p);
	if (!p)
		return -ENOMEM;
	s->rings = p;
	if (!(r = calloc(1, sizeof *r)))
		return -ENOMEM;
	/* it takes an fd, as the real one does: a full table is EMFILE */
	if ((r->fd = sim_fd_alloc(s)) < 0) {
		int e = r->fd;
		free(r);
		return e;
	}
	r->s = s;
	al_loop_init(&r->cq, NULL);
	r->cq.notify = on_cq;
	r->cq.owner = r;
	r->sq_tail = &r->sq;
	r->done_tail = &r->done;
	r->th = s->k.current;
	s->rings[s->nrings] = r;
	return s->nrings++;
}

static struct sim_ring_slot *slot_new(struct sim_ring *r)
{
	if (!r->free) {
		struct sim_ring_slot **c = realloc(r->chunks, (size_t)(r->nchunks + 1) * sizeof *c);
		if (!c)
			return NULL;
		r->chunks = c;
		struct sim_ring_slot *sl = calloc(SLOTS_PER_CHUNK, sizeof *sl);
		if (!sl)
			return NULL;
		r->chunks[r->nchunks++] = sl;
		for (int i = SLOTS_PER_CHUNK - 1; i >= 0; i--) {
			sl[i].r = r;
			sl[i].next = r->free;
			r->free = &sl[i];
		}
	}
	struct sim_ring_slot *sl = r->free;
	r->free = sl->next;
	return sl;
}

int64_t sim_ring_queue(struct al_os *os, int ring, const struct al_ring_op *op)
{
	struct sim_os *s = SIM(os);
	struct sim_ring *r = ring_of(s, ring);
	struct sim_ring_slot *sl;

	if (!r)
		return -EBADF;
	if (!op->data || op->code < AL_RING_CONNECT || op->code > AL_RING_CLOSE)
		return -EINVAL;
	if (!(sl = slot_new(r)))
		return -ENOMEM;
	sl->op = *op;
	sl->lane = sim_lane(s);
	sl->next = NULL;
	*r->sq_tail = sl;
	r->sq_tail = &sl->next;
	return 0;
}

/* Issues one queued op in the simulated kernel, on its task's lane. */
static void issue(struct sim_os *s, struct sim_ring *r, struct sim_ring_slot *sl)
{
	struct al_os *os = &s->os;
	const struct al_ring_op *op = &sl->op;

	al_future_init(&sl->f, &r->cq);
	al_future_on_done(&sl->f, &sl->cb);
	sl->cb.fn = on_complete;
	r->inflight++;
	s->lane_as = sl->lane;
	/* the real ring links a timeout to an op whose page has a deadline:
	 * one more request, its timer armed and cancelled (uring_timeout) */
	int64_t link = os->sc->machine.costs.uring_timeout_ns;
	struct sim_sock *k;
	if (link > 0 && op->code != AL_RING_CLOSE && (k = sim_sock_of(s, op->fd)) &&
	    k->ttl_at > 0)
		sim_kernel_charge(&s->k, link);
	switch (op->code) {
	case AL_RING_CONNECT:
		os->ops->connect(os, op->fd, op->page, &sl->f);
		break;
	case AL_RING_SEND:
		os->ops->send(os, op->fd, op->buf, op->len, &sl->f);
		break;
	case AL_RING_RECV:
		os->ops->recv(os, op->fd, op->buf, op->len, &sl->f);
		break;
	default:
		al_os_finish(&sl->f, os->ops->close(os, op->fd));
		break;
	}
	/* an op its socket cannot complete yet: the real ring arms a poll on
	 * the socket and issues the op again from task work (uring_poll) */
	if (sl->f.state == AL_PENDING)
		sim_kernel_charge(&s->k, os->sc->machine.costs.uring_poll_ns);
	s->lane_as = 0;
}

int64_t sim_ring_enter(struct al_os *os, int ring, struct al_ring_cqe *out, int max,
		       struct al_future *wait)
{
	struct sim_os *s = SIM(os);
	struct sim_ring *r = ring_of(s, ring);

	/* the enter is the one syscall; its ops cost uring_op each instead */
	s->syscalls++;
	sim_kernel_charge(&s->k, os->sc->machine.costs.uring_enter_ns);
	if (!r || max <= 0 || r->wait)
		return al_os_finish(wait, r ? -EINVAL : -EBADF);
	if (s->k.current)
		r->th = s->k.current;
	r->entering = 1;
	s->ring_op = 1;
	while (r->sq) {
		struct sim_ring_slot *sl = r->sq;
		r->sq = sl->next;
		if (!r->sq)
			r->sq_tail = &r->sq;
		issue(s, r, sl);
	}
	s->ring_op = 0;
	r->entering = 0;
	int n = reap(r, out, max);
	if (n > 0)
		return al_os_finish(wait, n);
	if (r->inflight == 0)
		return al_os_finish(wait, -ENOENT);   /* would wait forever */
	if (!wait)
		return 0;
	r->wait = wait;
	r->out = out;
	r->max = max;
	wait->parked = &r->wait;
	sim_state(s, sim_lane(s), AL_ST_WAIT, 0);
	return 0;
}

/* The ring's ops in flight leave their sockets: nothing completes them. */
static void ring_free(struct sim_os *s, struct sim_ring *r)
{
	for (int c = 0; c < r->nchunks; c++)
		for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
			struct al_future *f = &r->chunks[c][i].f;
			if (f->state == AL_PENDING && f->parked)
				*f->parked = NULL;
		}
	if (r->wait) {
		struct al_future *w = r->wait;
		r->wait = NULL;
		al_os_finish(w, -EBADF);
	}
	sim_queue_cancel(&s->q, r->token);
	for (int c = 0; c < r->nchunks; c++)
		free(r->chunks[c]);
	free(r->chunks);
	free(r);
}

int64_t sim_ring_close(struct al_os *os, int ring)
{
	struct sim_os *s = SIM(os);
	struct sim_ring *r = ring_of(s, ring);

	if (!r) {
		sim_syscall(s);
		return -EBADF;
	}
	int fd = r->fd;
	s->rings[ring] = NULL;
	ring_free(s, r);
	return os->ops->close(os, fd);   /* the ring's fd: one syscall */
}

void sim_ring_free_all(struct sim_os *s)
{
	for (int i = 0; i < s->nrings; i++)
		if (s->rings[i])
			ring_free(s, s->rings[i]);
	free(s->rings);
	s->rings = NULL;
	s->nrings = 0;
}
