/* The fast-forward of an event loop's repeated rounds (al_os_ops.sel_repeat).
 *
 * A loop reading big responses goes the same way over and over.  A round
 * begins with a pass of the kernel (a wait that makes the call), which
 * reports the ready fds; the loop takes them up to its batch at a time,
 * a turn each (a wait that takes the rest of the pass's report makes no
 * call); each reader's callback receives a full chunk of body and
 * registers again, at the back of the ready FIFO, so that the round ends
 * with the FIFO in the order it began with.  A round runs inside one
 * burst of its thread, which sees the world as of the burst's start
 * (sim_kernel.h): no event, timer or other thread comes between two
 * rounds.  So a round that starts from the state the last one started
 * from, with a full chunk left for each reader, is the last one again,
 * shifted in time: the same calls, charges and trace events.
 *
 * The loop asks at the start of each turn; a round ends where the next
 * wait will make a pass.  The round just done is checked against what it
 * started from (the counters, the registrations, nothing queued, opened
 * or allocated), what it left (the ready FIFO holding just the fds it
 * handed out, in that order: as it began, since the round before it
 * ended so) and what it did: every syscall a known one -- its waits, the
 * first of them the pass, the others handing out the rest of the pass's
 * report; recvs that each returned a full chunk of body, one per fd
 * handed out, in that order; registrations for reading on this selector.
 * When it passes and did exactly what the round before it did (the same
 * fds, the same charges, the same trace events at the same offsets), the
 * rounds that surely repeat it -- each reader keeps a byte after them,
 * so the FIFO ends as it is now -- are run at once: the thread's clock,
 * resumes, callbacks and syscalls move by m times a round's, the trace
 * gets m copies of its events (the run's trace hash covers every event),
 * each reader's response gives m chunks in one take, and the model feeds
 * them to its page as from one recv.  Nothing observable differs from
 * running them one by one; tests/test_sim_ff.c runs crawls both ways. */
#include <stdlib.h>

#include "core/al_assert.h"
#include "core/al_mem.h"
#include "sim/sim_ff.h"
#include "sim/sim_os.h"

#define SIM(os) ((struct sim_os *)(os)->impl)

int sim_ff_off;
int64_t sim_ff_max = SIM_FF_MAX, sim_ff_events = SIM_FF_EVENTS;
_Atomic int64_t sim_ff_turns;

static struct al_trace *traced(struct sim_os *s)
{
	struct al_trace *tr = s->os.trace;

	return tr && tr->mode != AL_TRACE_OFF ? tr : NULL;
}

/* Room for n items of size sz in *p (capacity *cap); 0, or -1. */
static int room(void **p, int64_t *cap, int64_t n, size_t sz)
{
	if (n <= *cap)
		return 0;
	int64_t c = *cap ? *cap : 64;
	while (c < n)
		c *= 2;
	void *q = al_realloc_huge(*p, (size_t)*cap, (size_t)c, sz);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* The round under way cannot repeat: no need to grab its events. */
void sim_ff_spoil(struct sim_os *s)
{
	s->ff.bad = 1;
	if (s->os.trace)
		s->os.trace->grabbing = 0;
}

/* Stops watching, and grabbing the trace's events. */
static void disarm(struct sim_os *s)
{
	struct al_trace *tr = s->os.trace;

	s->ff.sel = -1;
	if (tr)
		tr->grabbing = 0;
}

/* Lets go of the trace's grab buffer (up to SIM_FF_EVENTS events): a
 * trace kept after the run (--save, --view) does not carry it. */
static void release(struct sim_os *s)
{
	struct al_trace *tr = s->os.trace;

	disarm(s);
	if (!tr)
		return;
	al_free_huge(tr->grab);
	tr->grab = NULL;
	tr->grab_n = tr->grab_cap = tr->grab_max = 0;
	tr->grab_lost = 0;
}

/* A round of sel's loop starts now, on thread th: watch it. */
static void arm(struct sim_os *s, int sel, struct sim_sel *sl, struct sim_thread *th)
{
	struct sim_ff *f = &s->ff;
	struct al_trace *tr = traced(s);

	if (th->loop.ready) {
		f->have_last = 0;
		return;
	}
	f->th = th;
	f->burst_start = th->burst_start;
	f->clock = sim_clock(s);
	f->debt = th->debt;
	f->syscalls = s->syscalls;
	f->futile = s->futile;
	f->memory = s->k.memory;
	f->resumes = th->loop.resumes;
	f->calls = th->loop.calls;
	f->qseq = s->q.seq;
	f->qlive = s->q.nlive;
	f->open = s->open;
	f->nfds = sl->nfds;
	f->maxfd = sl->maxfd;
	f->bad = 0;
	f->known = f->waits = f->reported = f->nrecv = 0;
	f->now.n = 0;
	f->chunk = 0;
	if (tr) {
		tr->grab_n = 0;
		tr->grab_max = (size_t)sim_ff_events;
		tr->grab_lost = 0;
		tr->grabbing = 1;
	}
	f->sel = sel;
}

/* The round just done, if it is one that may repeat: f->now completed
 * (its fds were filled in as they were handed out); 0 if not. */
static int summarise(struct sim_os *s, struct sim_sel *sl, struct sim_thread *th)
{
	struct sim_ff *f = &s->ff;
	struct sim_ff_round *r = &f->now;
	struct al_trace *tr = traced(s);
	int64_t n = r->n;

	if (f->bad || f->th != th || f->burst_start != th->burst_start || n <= 0 ||
	    f->reported != n || f->nrecv != n || f->chunk <= 0 ||
	    (tr && tr->grab_lost))
		return 0;
	/* nothing but the known calls; nothing queued, opened, allocated */
	if (s->syscalls - f->syscalls != f->known || s->futile != f->futile ||
	    s->k.memory != f->memory || s->q.seq != f->qseq || s->q.nlive != f->qlive ||
	    s->open != f->open || sl->nfds != f->nfds || sl->maxfd != f->maxfd)
		return 0;
	/* the thread has nothing else to do, now as then */
	if (th->loop.ready || th->cpu_left || th->cpu_wait || th->stall || th->spinning ||
	    sl->wait)
		return 0;
	/* the FIFO holds the fds in the order they were handed out: the
	 * order it began with, the round before having ended so too (and
	 * the first round compared is not repeated, only its follower) */
	int64_t i = 0;
	for (int fd = sl->ready.head; fd >= 0; fd = sim_sock_at(s, fd)->ready.next, i++) {
		if (i == n || r->fd[i].fd != fd)
			return 0;
		struct sim_sock *k = sim_sock_at(s, fd);
		if (!k->used || k->pipe || !k->flow || k->conn_err || k->wait ||
		    k->sel != sl - s->sels || k->sel_events != AL_EV_READ ||
		    k->sel_data != r->fd[i].data || sim_held(s, k) || sim_net_failed(k->flow))
			return 0;
	}
	if (i != n)
		return 0;
	r->chunk = f->chunk;
	r->debt = th->debt - f->debt;
	r->syscalls = s->syscalls - f->syscalls;
	r->resumes = th->loop.resumes - f->resumes;
	r->calls = th->loop.calls - f->calls;
	r->len = sim_clock(s) - f->clock;
	r->nev = 0;
	if (tr) {
		int64_t cap = (int64_t)r->ev_cap;
		if (room((void **)&r->ev, &cap, (int64_t)tr->grab_n, sizeof *r->ev))
			return 0;
		r->ev_cap = (size_t)cap;
		for (size_t e = 0; e < tr->grab_n; e++) {
			r->ev[e] = tr->grab[e];
			r->ev[e].t -= f->clock;
		}
		r->nev = tr->grab_n;
	}
	return 1;
}

static int same_round(const struct sim_ff_round *a, const struct sim_ff_round *b)
{
	if (a->n != b->n || a->chunk != b->chunk || a->debt != b->debt ||
	    a->syscalls != b->syscalls || a->resumes != b->resumes || a->calls != b->calls ||
	    a->len != b->len || a->nev != b->nev)
		return 0;
	for (int64_t i = 0; i < a->n; i++)
		if (a->fd[i].fd != b->fd[i].fd || a->fd[i].data != b->fd[i].data)
			return 0;
	for (size_t i = 0; i < a->nev; i++) {
		const struct al_tr_event *x = &a->ev[i], *y = &b->ev[i];
		if (x->t != y->t || x->value != y->value || x->lane != y->lane ||
		    x->kind != y->kind || x->code != y->code || x->name != y->name)
			return 0;
	}
	return 1;
}

/* Runs m more of round r at once, from now; the model is fed. */
static void forward(struct sim_os *s, struct sim_thread *th, const struct sim_ff_round *r,
		    int64_t m, al_sel_feed_fn feed, void *arg)
{
	struct al_trace *tr = traced(s);
	int64_t at = sim_clock(s), bytes = m * r->chunk;

	if (tr)
		al_trace_repeat(tr, r->ev, r->nev, at, r->len, m);
	th->debt += m * r->debt;
	th->loop.resumes += (uint64_t)m * r->resumes;
	th->loop.calls += (uint64_t)m * r->calls;
	s->syscalls += m * r->syscalls;
	for (int64_t i = 0; i < r->n; i++) {
		int64_t got = sim_os_take(s, sim_sock_at(s, r->fd[i].fd), bytes);
		AL_ASSERT(got == bytes);
		int fed = feed(arg, r->fd[i].data, r->fd[i].fd, (size_t)bytes);
		AL_ASSERT(fed == 0);
	}
	s->ff.turns += m * (s->ff.waits);
}

int64_t sim_sel_repeat(struct al_os *os, int sel, al_sel_feed_fn feed, void *arg)
{
	struct sim_os *s = SIM(os);
	struct sim_ff *f = &s->ff;
	struct sim_sel *sl = sel >= 0 && sel < s->nsels && s->sels[sel].used ? &s->sels[sel] : NULL;
	struct sim_thread *th = s->k.current;
	int64_t m = INT64_MAX;

	if (sim_ff_off || !sl || !th) {
		disarm(s);
		f->have_last = 0;
		return 0;
	}
	if (sl->pass_end >= 0) {
		/* amid a round: the next wait hands out more of the pass's report */
		if (f->sel != sel)
			f->have_last = 0;
		return 0;
	}
	int watched = f->sel == sel;
	disarm(s);
	if (!watched || !summarise(s, sl, th)) {
		f->have_last = 0;
		arm(s, sel, sl, th);
		return 0;
	}
	if (f->have_last && same_round(&f->now, &f->last)) {
		/* each reader keeps a byte after them: still ready, the FIFO
		 * ends as it is */
		for (int64_t i = 0; i < f->now.n; i++) {
			int64_t mi = (sim_net_unread(sim_sock_at(s, f->now.fd[i].fd)->flow) - 1) /
				     f->now.chunk;
			if (mi < m)
				m = mi;
		}
	} else {
		m = 0;
	}
	if (m > 0)
		forward(s, th, &f->now, m, feed, arg);
	/* the round just done is the last one now */
	struct sim_ff_round t = f->last;
	f->last = f->now;
	f->now = t;
	f->have_last = 1;
	arm(s, sel, sl, th);
	return m > 0 ? m * f->last.chunk : 0;
}

void sim_ff_waited(struct sim_os *s, int sel, int pass, int64_t reported,
		   const struct al_sel_event *out, int n)
{
	struct sim_ff *f = &s->ff;
	struct sim_ff_round *r = &f->now;

	f->known++;          /* both count as a call: the collecting one is free */
	if (pass)
		f->reported = reported;
	if (sel != f->sel || pass != (f->waits++ == 0) || n <= 0 || f->reported > sim_ff_max ||
	    r->n + n > f->reported || room((void **)&r->fd, &r->fd_cap, r->n + n, sizeof *r->fd)) {
		sim_ff_spoil(s);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (out[i].events != AL_EV_READ)
			sim_ff_spoil(s);
		r->fd[r->n++] = (struct sim_ff_fd){.fd = out[i].fd, .data = out[i].data};
	}
}

void sim_ff_recv(struct sim_os *s, const struct sim_sock *k, int64_t r, size_t cap)
{
	struct sim_ff *f = &s->ff;

	f->known++;
	if (f->nrecv >= f->now.n || f->now.fd[f->nrecv].fd != k->fd || r <= 0 ||
	    (size_t)r != cap || k->got.head || (f->chunk && f->chunk != r)) {
		sim_ff_spoil(s);
		return;
	}
	f->chunk = r;
	f->nrecv++;
}

void sim_ff_closed(struct sim_os *s, int sel)
{
	if (s->ff.sel != sel)
		return;
	release(s);
	s->ff.have_last = 0;
}

void sim_ff_free(struct sim_os *s)
{
	struct sim_ff *f = &s->ff;

	release(s);
	al_free_huge(f->now.fd);
	al_free_huge(f->now.ev);
	al_free_huge(f->last.fd);
	al_free_huge(f->last.ev);
	f->now = f->last = (struct sim_ff_round){0};
}
