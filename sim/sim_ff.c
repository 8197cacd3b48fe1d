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
 * arguments: a recv of a full chunk, a registration.  A call's charge
 * follows from the call and the selector's counts (nfds, maxfd, the
 * report's length), which the round left as it found them, and its trace
 * events are on the thread's clock, which moves as it did.  A chunk that
 * took the header in is read, charged and traced as one of body alone
 * (the header is parsed for no charge, and the page's first byte is no
 * event), so the round that read it repeats too, its repeats all body.
 * So the rounds that surely repeat it -- each reader keeps a byte after
 * them, so it is still ready and the FIFO ends as it is now -- are run at
 * once: the thread's clock, resumes, callbacks and syscalls move by m
 * times a round's, the trace gets the round's events m times more (the
 * run's trace hash covers every event), each reader's response gives m
 * chunks in one take, and the model feeds them to its page as from one
 * recv.  The round after them goes the same way as far as the first
 * reader that would not keep a byte after it (one a round ahead of the
 * rest, whose page began earlier; m may be 0): the readers before it
 * have a full chunk for it.  Where each of the round's turns after the
 * first started (a cut: the thread's counters and the trace's mark) is
 * noted, so that its turns up to the last cut at or before that reader
 * run at once too, and the selector is left as that turn found it: the
 * fds read at the FIFO's tail, the rest of the pass's report to hand
 * out.  Nothing observable differs from running them one by one;
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
_Atomic int64_t sim_ff_turns, sim_ff_cut_turns;

static struct al_trace *traced(struct sim_os *s)
{
	struct al_trace *tr = s->os.trace;

	return tr && tr->mode != AL_TRACE_OFF ? tr : NULL;
}

/* Room for n items of size sz in *p (capacity *cap), kept from round to
 * round, so it grows a few times a run at most (to n, or twice what it
 * was if that is more: what a pass reports comes whole): 0, or -1. */
static int grow(void **p, int64_t *cap, int64_t n, size_t sz)
{
	if (n <= *cap)
		return 0;
	int64_t c = *cap < 32 ? 64 : 2 * *cap;
	if (c < n)
		c = n;
	void *q = al_realloc_huge(*p, (size_t)*cap, (size_t)c, sz);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* A watched round read less than a chunk of a response with more of it
 * to come: its bytes trickle in (a segment a recv, as a tcp linux page's
 * do), and the next rounds would too.  They go unwatched, more of them
 * each time (SIM_FF_BACKOFF at most) till a round repeats.  Any round may
 * go unwatched: the fast-forward runs only repeats of a round it saw, so
 * one it skips runs a turn at a time, exactly as with it off. */
static void back_off(struct sim_ff *f)
{
	f->skip = f->backoff;
	if (f->backoff < SIM_FF_BACKOFF)
		f->backoff = f->backoff ? 2 * f->backoff : 1;
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
	f->n = f->ncuts = 0;
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

static struct al_fdq_link *ready_link(void *s, int fd)
{
	return &sim_sock_at(s, fd)->ready;
}

/* Runs m more of the round just done at once, from now, then the turns
 * of one more before cut c (NULL: none); the model is fed. */
static void forward(struct sim_os *s, struct sim_sel *sl, struct sim_thread *th, int64_t m,
		    const struct sim_ff_cut *c, al_sel_feed_fn feed, void *arg)
{
	struct sim_ff *f = &s->ff;
	struct al_trace *tr = traced(s);
	int64_t len = sim_clock(s) - f->clock;

	if (tr) {
		struct al_trace_mark now = al_trace_where(tr);
		al_trace_repeat(tr, &f->mark, &now, len, len, m);
		if (c)
			al_trace_repeat(tr, &f->mark, &c->mark, (m + 1) * len, 0, 1);
	}
	th->debt += m * (th->debt - f->debt) + (c ? c->debt - f->debt : 0);
	th->loop.resumes += (uint64_t)m * (th->loop.resumes - f->resumes) +
			    (c ? c->resumes - f->resumes : 0);
	th->loop.calls += (uint64_t)m * (th->loop.calls - f->calls) + (c ? c->calls - f->calls : 0);
	s->syscalls += m * (s->syscalls - f->syscalls) + (c ? c->syscalls - f->syscalls : 0);
	for (int64_t i = 0; i < f->n; i++) {
		int64_t bytes = (m + (c && i < c->n)) * f->chunk;
		if (bytes == 0)
			continue;       /* past the cut, with no round repeated */
		int64_t got = sim_os_take(s, sim_sock_at(s, f->fd[i].fd), bytes);
		AL_ASSERT(got == bytes);
		int fed = feed(arg, f->fd[i].data, f->fd[i].fd, (size_t)bytes);
		AL_ASSERT(fed == 0);
	}
	f->turns += m * f->waits + (c ? c->waits : 0);
	f->cut_turns += c ? c->waits : 0;
	if (c) {
		/* as the cut found it: the fds read before it at the FIFO's
		 * tail, the pass's report still being handed out */
		al_fdq_rotate(&sl->ready, f->fd[c->n - 1].fd, ready_link, s);
		sl->pass_end = c->pass_end;
	}
}

/* A turn of the watched round after its first starts: where it stands,
 * if the turns before it left nothing else to do (cuts end at the first
 * that did). */
static void cut(struct sim_os *s, struct sim_sel *sl, struct sim_thread *th)
{
	struct sim_ff *f = &s->ff;
	struct al_trace *tr = traced(s);

	if (f->ncuts < 0)
		return;
	if (th != f->th || th->burst_start != f->burst_start || th->loop.ready ||
	    f->nrecv != f->n || f->n <= 0 || sl->ready.head < 0 ||
	    grow((void **)&f->cuts, &f->cuts_cap, f->ncuts + 1, sizeof *f->cuts)) {
		f->ncuts = -1;
		return;
	}
	f->cuts[f->ncuts++] = (struct sim_ff_cut){
		.n = f->n, .waits = f->waits, .debt = th->debt, .syscalls = s->syscalls,
		.resumes = th->loop.resumes, .calls = th->loop.calls,
		.mark = tr ? al_trace_where(tr) : (struct al_trace_mark){0},
		.head = sl->ready.head, .pass_end = sl->pass_end,
	};
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
	if (sl->pass_end >= 0) {
		/* amid a round: the next wait hands out more */
		if (f->sel == sel)
			cut(s, sl, th);
		return 0;
	}
	if (sl->ready.head < 0) {
		/* the round's pass finds nothing queued, so it reports nothing:
		 * its wait parks or fails, which spoils the round at once
		 * (sim_ff_waited), nor could the last round repeat (its fds
		 * would be queued).  Not watched: a page read a segment at a
		 * time parks for most of its turns. */
		f->sel = -1;
		return 0;
	}
	if (f->sel == sel && repeats(s, sl, th)) {
		f->backoff = 0;
		/* m rounds: each reader keeps a byte after them, so it is
		 * still ready and the FIFO ends as it is.  Then the round after
		 * them (m may be 0) runs its turns as far as the last cut at
		 * or before the first reader (at p) that would not keep one
		 * after it: the readers before p have a full chunk for it. */
		int64_t p = 0;
		m = INT64_MAX;
		for (int64_t i = 0; i < f->n; i++) {
			int64_t mi = (sim_net_unread(sim_sock_at(s, f->fd[i].fd)->flow) - 1) /
				     f->chunk;
			if (mi < m) {
				m = mi;
				p = i;
			}
		}
		const struct sim_ff_cut *c = NULL;
		for (int64_t j = 0; j < f->ncuts && f->cuts[j].n <= p; j++)
			c = &f->cuts[j];
		if (c && (c->pass_end != f->fd[f->n - 1].fd || c->head != f->fd[c->n].fd))
			c = NULL;    /* not as the round's order says: never seen */
		if (m > 0 || c) {
			forward(s, sl, th, m, c, feed, arg);
			if (c) {
				f->sel = -1;
				return m * f->chunk;    /* amid a round now */
			}
		}
	}
	f->sel = -1;
	if (f->skip > 0)
		f->skip--;
	else
		arm(s, sel, sl, th);
	return m > 0 ? m * f->chunk : 0;
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
	    f->n + n > f->reported ||
	    grow((void **)&f->fd, &f->fd_cap, f->reported, sizeof *f->fd)) {
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

/* k's recv just took every byte that had arrived (less than it asked
 * for), and its response has more to come. */
static int trickles(const struct sim_sock *k)
{
	int64_t total = sim_net_response_len(k->flow);

	return total == 0 || k->got.off + k->got.len < total - sim_net_header_len(k->flow);
}

void sim_ff_recv(struct sim_os *s, const struct sim_sock *k, int64_t r, size_t cap)
{
	struct sim_ff *f = &s->ff;

	f->known++;
	/* a full chunk; header bytes only with body after them: the
	 * reader's next recv has none */
	if (f->nrecv >= f->n || f->fd[f->nrecv].fd != k->fd || r <= 0 || (size_t)r != cap ||
	    (k->got.head && !k->got.len) || (f->chunk && f->chunk != r)) {
		if (r > 0 && (size_t)r < cap && trickles(k))
			back_off(f);
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
	al_free_huge(f->cuts);
	f->fd = NULL;
	f->cuts = NULL;
	f->n = f->fd_cap = f->ncuts = f->cuts_cap = 0;
}
