/* The fast-forward of an event loop's repeated rounds (al_os_ops.sel_repeat).
 *
 * A loop reading big responses goes the same way over and over.  A round
 * begins with a pass of the kernel (a wait that makes the call), which
 * reports the ready fds; the loop takes them up to its batch at a time,
 * a turn each (a wait that takes the rest of the pass's report makes no
 * call); each reader's callback receives a full chunk of body and
 * registers again, at the back of the ready FIFO, so that the round ends
 * with the FIFO in the order it handed the fds out.  A round runs inside
 * one burst of its thread, which sees the world as of the burst's start
 * (sim_kernel.h): no event, timer or other thread comes between two
 * rounds.
 *
 * The loop asks at the start of each turn; a round ends where the next
 * wait will make a pass.  The round just done is checked against what it
 * started from (the counters, the registrations, the trace's lanes and
 * names, nothing queued, opened or allocated), what it left (the ready
 * FIFO holding just the fds it handed out, in that order, each registered
 * for reading with the data it was handed out with) and what it did:
 * every syscall a known one -- its waits, the first of them the pass, the
 * others handing out the rest of the pass's report; recvs that each
 * returned a full chunk, one per fd handed out, in that order, the
 * response's header either behind it or ending in it (body bytes after
 * it in the same chunk); registrations for reading on this selector.
 *
 * Such a round is the next one too, shifted in time, as long as each
 * reader has a full chunk left for it.  What a round does follows from
 * where it starts: the next pass reports the FIFO, the same fds in the
 * same order (nothing else becomes ready inside the burst), each fd's
 * registration dispatches the same callback, and each callback is where
 * it was a round before -- its read's wait, the page not done while a
 * byte of it is unread -- so it makes the same calls with the same
 * arguments: a recv of a full chunk, a registration.  A chunk that took
 * the header in is read, charged and traced as one of body alone (the
 * header is parsed for no charge, and the page's first byte is no
 * event), so the round that read it repeats too, its repeats all
 * body.  A
 * call's charge follows from the call and the selector's counts (nfds,
 * maxfd, the report's length), which the round left as it found them,
 * and its trace events are on the thread's clock, which moves as it did.
 * So the rounds that surely repeat it -- each reader keeps a byte after
 * them, so it is still ready and the FIFO ends as it is now -- are run at
 * once: the thread's clock, resumes, callbacks and syscalls move by m
 * times a round's, the trace gets the round's events m times more (the
 * run's trace hash covers every event), each reader's response gives m
 * chunks in one take, and the model feeds them to its page as from one
 * recv.  Nothing observable differs from running them one by one;
 * tests/test_sim_ff.c runs crawls both ways.  (Until stop 27 a round had
 * to be seen twice, the second compared with the first event by event,
 * before it was repeated: the comparison never failed where both rounds
 * passed, in the tests' crawls or the shipped scenarios, and it cost the
 * readers of a 1 MiB page a round each and the events' copies.) */
#include <stdlib.h>

#include "core/al_assert.h"
#include "core/al_mem.h"
#include "sim/sim_ff.h"
#include "sim/sim_os.h"

#define SIM(os) ((struct sim_os *)(os)->impl)

int sim_ff_off;
int64_t sim_ff_max = SIM_FF_MAX;
_Atomic int64_t sim_ff_turns;

static struct al_trace *traced(struct sim_os *s)
{
	struct al_trace *tr = s->os.trace;

	return tr && tr->mode != AL_TRACE_OFF ? tr : NULL;
}

/* The round under way cannot repeat: stops watching it. */
void sim_ff_spoil(struct sim_os *s)
{
	s->ff.sel = -1;
}

/* A round of sel's loop starts now, on thread th: watch it. */
static void arm(struct sim_os *s, int sel, struct sim_sel *sl, struct sim_thread *th)
{
	struct sim_ff *f = &s->ff;
	struct al_trace *tr = traced(s);

	if (th->loop.ready)
		return;
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
	f->lanes = s->lanes;
	f->open = s->open;
	f->nfds = sl->nfds;
	f->maxfd = sl->maxfd;
	if (tr)
		f->mark = al_trace_where(tr);
	f->known = f->waits = f->reported = f->nrecv = 0;
	f->n = 0;
	f->chunk = 0;
	f->sel = sel;
}

/* 1 if the round just done is one that repeats (the file's head): its
 * fds were noted in f->fd as they were handed out. */
static int repeats(struct sim_os *s, struct sim_sel *sl, struct sim_thread *th)
{
	struct sim_ff *f = &s->ff;
	struct al_trace *tr = traced(s);
	int64_t n = f->n;

	if (f->th != th || f->burst_start != th->burst_start || n <= 0 || f->reported != n ||
	    f->nrecv != n || f->chunk <= 0)
		return 0;
	/* nothing but the known calls; nothing queued, opened, allocated;
	 * no lane made, no name interned (their events would not repeat) */
	if (s->syscalls - f->syscalls != f->known || s->futile != f->futile ||
	    s->k.memory != f->memory || s->q.seq != f->qseq || s->q.nlive != f->qlive ||
	    s->lanes != f->lanes || s->open != f->open || sl->nfds != f->nfds ||
	    sl->maxfd != f->maxfd ||
	    (tr && (tr->nlanes != f->mark.nlanes || tr->nnames != f->mark.nnames)))
		return 0;
	/* the thread has nothing else to do */
	if (th->loop.ready || th->cpu_left || th->cpu_wait || th->stall || th->spinning ||
	    sl->wait)
		return 0;
	/* the FIFO holds the fds in the order they were handed out, each
	 * registered for reading with the data it was handed out with */
	int64_t i = 0;
	for (int fd = sl->ready.head; fd >= 0; fd = sim_sock_at(s, fd)->ready.next, i++) {
		if (i == n || f->fd[i].fd != fd)
			return 0;
		struct sim_sock *k = sim_sock_at(s, fd);
		if (!k->used || k->pipe || !k->flow || k->conn_err || k->wait ||
		    k->sel != sl - s->sels || k->sel_events != AL_EV_READ ||
		    k->sel_data != f->fd[i].data || sim_held(s, k) || sim_net_failed(k->flow))
			return 0;
	}
	return i == n;
}

/* Runs m more of the round just done at once, from now; the model is fed. */
static void forward(struct sim_os *s, struct sim_thread *th, int64_t m, al_sel_feed_fn feed,
		    void *arg)
{
	struct sim_ff *f = &s->ff;
	struct al_trace *tr = traced(s);
	int64_t len = sim_clock(s) - f->clock, bytes = m * f->chunk;

	if (tr)
		al_trace_repeat(tr, &f->mark, len, m);
	th->debt += m * (th->debt - f->debt);
	th->loop.resumes += (uint64_t)m * (th->loop.resumes - f->resumes);
	th->loop.calls += (uint64_t)m * (th->loop.calls - f->calls);
	s->syscalls += m * (s->syscalls - f->syscalls);
	for (int64_t i = 0; i < f->n; i++) {
		int64_t got = sim_os_take(s, sim_sock_at(s, f->fd[i].fd), bytes);
		AL_ASSERT(got == bytes);
		int fed = feed(arg, f->fd[i].data, f->fd[i].fd, (size_t)bytes);
		AL_ASSERT(fed == 0);
	}
	f->turns += m * f->waits;
}

int64_t sim_sel_repeat(struct al_os *os, int sel, al_sel_feed_fn feed, void *arg)
{
	struct sim_os *s = SIM(os);
	struct sim_ff *f = &s->ff;
	struct sim_sel *sl = sel >= 0 && sel < s->nsels && s->sels[sel].used ? &s->sels[sel] : NULL;
	struct sim_thread *th = s->k.current;
	int64_t m = 0;

	if (sim_ff_off || !sl || !th) {
		f->sel = -1;
		return 0;
	}
	if (sl->pass_end >= 0)
		return 0;           /* amid a round: the next wait hands out more */
	if (f->sel == sel && repeats(s, sl, th)) {
		/* each reader keeps a byte after them: still ready, the FIFO
		 * ends as it is */
		m = INT64_MAX;
		for (int64_t i = 0; i < f->n; i++) {
			int64_t mi = (sim_net_unread(sim_sock_at(s, f->fd[i].fd)->flow) - 1) /
				     f->chunk;
			if (mi < m)
				m = mi;
		}
		if (m > 0)
			forward(s, th, m, feed, arg);
	}
	f->sel = -1;
	arm(s, sel, sl, th);
	return m > 0 ? m * f->chunk : 0;
}

/* Room for n fds in f->fd: kept from round to round, so it grows a few
 * times a run at most. */
static int room(struct sim_ff *f, int64_t n)
{
	if (n <= f->fd_cap)
		return 0;
	int64_t c = f->fd_cap ? f->fd_cap : 64;
	while (c < n)
		c *= 2;
	void *q = al_realloc_huge(f->fd, (size_t)f->fd_cap, (size_t)c, sizeof *f->fd);
	if (!q)
		return -1;
	f->fd = q;
	f->fd_cap = c;
	return 0;
}

void sim_ff_waited(struct sim_os *s, int sel, int pass, int64_t reported,
		   const struct al_sel_event *out, int n)
{
	struct sim_ff *f = &s->ff;

	f->known++;          /* both count as a call: the collecting one is free */
	if (pass)
		f->reported = reported;
	/* the pass first, then the rest of its report; room for all of it
	 * at the pass */
	if (sel != f->sel || pass != (f->waits++ == 0) || n <= 0 || f->reported > sim_ff_max ||
	    f->n + n > f->reported || room(f, f->reported)) {
		sim_ff_spoil(s);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (out[i].events != AL_EV_READ) {
			sim_ff_spoil(s);
			return;
		}
		f->fd[f->n++] = (struct sim_ff_fd){.fd = out[i].fd, .data = out[i].data};
	}
}

void sim_ff_recv(struct sim_os *s, const struct sim_sock *k, int64_t r, size_t cap)
{
	struct sim_ff *f = &s->ff;

	f->known++;
	/* a full chunk; header bytes only with body after them: the
	 * reader's next recv has none */
	if (f->nrecv >= f->n || f->fd[f->nrecv].fd != k->fd || r <= 0 || (size_t)r != cap ||
	    (k->got.head && !k->got.len) || (f->chunk && f->chunk != r)) {
		sim_ff_spoil(s);
		return;
	}
	f->chunk = r;
	f->nrecv++;
}

void sim_ff_closed(struct sim_os *s, int sel)
{
	if (s->ff.sel == sel)
		s->ff.sel = -1;
}

void sim_ff_free(struct sim_os *s)
{
	struct sim_ff *f = &s->ff;

	f->sel = -1;
	al_free_huge(f->fd);
	f->fd = NULL;
	f->n = f->fd_cap = 0;
}
