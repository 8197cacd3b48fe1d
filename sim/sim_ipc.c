/* Pipes and locks of the simulated machine: how the process model's
 * workers report back, and the thread model's locked queue. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_assert.h"
#include "sim/sim_os.h"

#define SIM(os) ((struct sim_os *)(os)->impl)

/* --- pipes: what a write puts in, a read takes out, in order; end of
 * file once the write end is closed and everything was read.  As with
 * fork, a process made while a pipe is open holds both its ends: an end
 * closes for good when every process holding it has closed it.
 *
 * The pipe holds SIM_PIPE_BUFS buffers of a page, as Linux's does
 * (fs/pipe.c): a write first tops up the last buffer with the head of its
 * data (its length modulo a page) where that fits, then takes a new
 * buffer per page, and blocks once all are taken; a read that empties a
 * buffer of a full pipe wakes the first writer blocked (an exclusive
 * wait), whose retry runs on its own thread after its wake-up, into new
 * buffers (no top-up after a wait), and which wakes the next one if room
 * is left.  So a write of up to a page is atomic, and small records pack
 * a page each (73 of the process model's 56 bytes: 1,168 in a pipe). */

/* Appends n bytes to p's bytes; there is always room (sim_pipe sized it
 * for a full pipe): what was read is dropped first. */
static void pipe_append(struct sim_pipe_end *p, const char *src, size_t n)
{
	if (p->plen + n > p->pcap) {
		memmove(p->pbuf, p->pbuf + p->poff, p->plen - p->poff);
		p->plen -= p->poff;
		p->poff = 0;
	}
	memcpy(p->pbuf + p->plen, src, n);
	p->plen += n;
}

/* Puts what fits of w's write into p's buffers; fresh: the write has not
 * waited yet, and may top up the last buffer. */
static void pipe_put(struct sim_pipe_end *p, struct sim_pipe_writer *w, int fresh)
{
	size_t head = (w->len - w->done) % SIM_PIPE_PAGE;

	if (fresh && head && p->nbufs > 0) {
		uint16_t *last = &p->bufs[(p->bhead + p->nbufs - 1) % SIM_PIPE_BUFS];
		if (*last + head <= SIM_PIPE_PAGE) {
			pipe_append(p, w->buf + w->done, head);
			*last = (uint16_t)(*last + head);
			w->done += head;
		}
	}
	while (w->done < w->len && p->nbufs < SIM_PIPE_BUFS) {
		size_t n = w->len - w->done;
		if (n > SIM_PIPE_PAGE)
			n = SIM_PIPE_PAGE;
		pipe_append(p, w->buf + w->done, n);
		p->bufs[(p->bhead + p->nbufs++) % SIM_PIPE_BUFS] = (uint16_t)n;
		w->done += n;
	}
}

/* n bytes were read: the buffers they emptied are free. */
static void pipe_take(struct sim_pipe_end *p, size_t n)
{
	while (n > 0 && p->nbufs > 0) {
		uint16_t *b = &p->bufs[p->bhead];
		size_t t = n < *b ? n : *b;
		*b = (uint16_t)(*b - t);
		n -= t;
		if (*b == 0) {
			p->bhead = (p->bhead + 1) % SIM_PIPE_BUFS;
			p->nbufs--;
		}
	}
}

/* w's write is over (r: its count, or -errno): its task resumes. */
static void writer_done(struct sim_pipe_writer *w, int64_t r)
{
	if (w->aprev) {
		*w->aprev = w->anext;
		if (w->anext)
			w->anext->aprev = w->aprev;
	}
	if (w->wait) {
		w->wait->parked = NULL;
		al_os_finish(w->wait, r);
	}
	free(w);
}

/* Wakes the first blocked writer, as Linux's exclusive wait does: its
 * retry runs on its own thread after its wake-up (writer_retry). */
static void wake_writer(struct sim_pipe_end *p)
{
	struct sim_pipe_writer *w;

	while ((w = p->wq)) {
		p->wq = w->next;
		if (!p->wq)
			p->wq_tail = &p->wq;
		if (!w->wait) {          /* it gave up */
			writer_done(w, 0);
			continue;
		}
		al_loop_post(w->wait->loop, &w->cb);
		return;
	}
}

static void block(struct sim_pipe_end *p, struct sim_pipe_writer *w)
{
	w->next = NULL;
	*p->wq_tail = w;
	p->wq_tail = &w->next;
	sim_state(w->s, sim_lane(w->s), AL_ST_SEND, 0);
}

/* A woken writer, on its thread: what fits goes in, in new buffers (no
 * top-up after a wait, as Linux's); all in, it wakes the next writer if
 * room is left, else it blocks again, last. */
static void writer_retry(struct al_cb *cb)
{
	struct sim_pipe_writer *w = AL_CONTAINER_OF(cb, struct sim_pipe_writer, cb);
	struct sim_sock *r = w->rfd >= 0 ? sim_sock_at(w->s, w->rfd) : NULL;

	if (!w->wait) {
		/* it gave up: the wake-up passes to the next, as Linux's
		 * pipe_write does on its error exits */
		if (r && r->pe->nbufs < SIM_PIPE_BUFS)
			wake_writer(r->pe);
		return writer_done(w, 0);
	}
	if (!r)
		return writer_done(w, w->done > 0 ? (int64_t)w->done : -EPIPE);
	size_t before = w->done;
	pipe_put(r->pe, w, 0);
	/* not all in: back in the queue, last, before the read below, whose
	 * freed buffers may then wake it */
	int more = w->done < w->len;
	if (more)
		block(r->pe, w);
	if (w->done > before && r->wait) {
		struct al_future *rw = r->wait;
		r->wait = NULL;
		sim_pipe_read(w->s, r, r->rbuf, r->rcap, rw);
	}
	if (more)
		return;
	if (r->pe->nbufs < SIM_PIPE_BUFS)
		wake_writer(r->pe);
	writer_done(w, (int64_t)w->len);
}

void sim_pipe_end_free(struct sim_pipe_end *p)
{
	while (p->all) {
		struct sim_pipe_writer *w = p->all;
		p->all = w->anext;
		free(w);
	}
	free(p->pbuf);
	free(p);
}

int64_t sim_pipe_read(struct sim_os *s, struct sim_sock *k, char *buf, size_t cap,
			 struct al_future *wait)
{
	struct sim_pipe_end *p = k->pe;
	size_t n = p->plen - p->poff;
	int was_full = p->nbufs == SIM_PIPE_BUFS;

	if (n == 0 && p->peer >= 0)
		return sim_would_block(s, k, wait, buf, cap);
	if (n > cap)
		n = cap;
	memcpy(buf, p->pbuf + p->poff, n);
	p->poff += n;
	pipe_take(p, n);
	if (p->poff == p->plen)
		p->poff = p->plen = 0;
	int64_t r = al_os_finish(wait, (int64_t)n);
	if (was_full && p->nbufs < SIM_PIPE_BUFS)
		wake_writer(p);
	return r;
}

int64_t sim_pipe_write(struct sim_os *s, struct sim_sock *k, const void *buf, size_t len,
			  struct al_future *wait)
{
	struct sim_sock *r = k->pe->peer >= 0 ? sim_sock_at(s, k->pe->peer) : NULL;
	struct sim_pipe_writer me = {.wait = wait, .s = s, .rfd = k->pe->peer,
				     .buf = buf, .len = len};
	int64_t ret = 0;

	if (!r)
		return al_os_finish(wait, -EPIPE);
	/* even behind blocked writers, a write may top up the last buffer,
	 * as Linux's does */
	pipe_put(r->pe, &me, 1);
	if (me.done == len) {
		ret = al_os_finish(wait, (int64_t)len);
	} else if (!wait) {
		if (me.done == 0)
			s->futile++;
		ret = me.done > 0 ? (int64_t)me.done : -EAGAIN;
	} else {
		struct sim_pipe_writer *w = malloc(sizeof *w);
		if (!w) {
			ret = al_os_finish(wait, me.done > 0 ? (int64_t)me.done : -ENOMEM);
		} else {
			*w = me;
			w->cb = (struct al_cb){.fn = writer_retry};
			w->anext = r->pe->all;
			w->aprev = &r->pe->all;
			if (w->anext)
				w->anext->aprev = &w->anext;
			r->pe->all = w;
			wait->parked = &w->wait;
			block(r->pe, w);
		}
	}
	if (me.done > 0 && r->wait) {
		struct al_future *w = r->wait;
		r->wait = NULL;
		sim_pipe_read(s, r, r->rbuf, r->rcap, w);
	}
	return ret;
}

static void forget_end(struct sim_os *s, int fd)
{
	for (int i = 0; i < s->npipe_ends; i++)
		if (s->pipe_ends[i] == fd) {
			s->pipe_ends[i] = s->pipe_ends[--s->npipe_ends];
			return;
		}
}

void sim_pipe_fork(struct sim_os *s)
{
	for (int i = 0; i < s->npipe_ends; i++)
		sim_sock_at(s, s->pipe_ends[i])->pe->refs++;
}

int sim_pipe_close(struct sim_os *s, struct sim_sock *k)
{
	if (--k->pe->refs > 0)
		return 1;
	forget_end(s, k->fd);
	struct sim_sock *o = k->pe->peer >= 0 ? sim_sock_at(s, k->pe->peer) : NULL;

	if (o)
		o->pe->peer = -1;
	if (o && k->pipe == 2 && o->wait) {   /* the reader sees end of file */
		struct al_future *w = o->wait;
		o->wait = NULL;
		sim_pipe_read(s, o, o->rbuf, o->rcap, w);
	}
	if (k->pipe == 1) {                    /* blocked writers: EPIPE */
		while (k->pe->wq) {
			struct sim_pipe_writer *w = k->pe->wq;
			k->pe->wq = w->next;
			writer_done(w, w->done > 0 ? (int64_t)w->done : -EPIPE);
		}
		/* the woken ones find the end gone when they run */
		for (struct sim_pipe_writer *w = k->pe->all; w; w = w->anext) {
			w->aprev = NULL;
			w->rfd = -1;
		}
		k->pe->all = NULL;
	}
	sim_pipe_end_free(k->pe);
	k->pe = NULL;
	return 0;
}


int64_t sim_pipe(struct al_os *os, int fds[2])
{
	struct sim_os *s = SIM(os);
	int r, w;

	sim_syscall(s);
	r = sim_fd_alloc(s);
	if (r < 0)
		return r;
	w = sim_fd_alloc(s);
	if (w < 0) {
		os->ops->close(os, r);
		return w;
	}
	if (s->npipe_ends + 2 > s->pipe_ends_cap) {
		int cap = s->pipe_ends_cap ? 2 * s->pipe_ends_cap : 8;
		int *p = realloc(s->pipe_ends, (size_t)cap * sizeof *p);
		if (!p) {
			os->ops->close(os, w);
			os->ops->close(os, r);
			return -ENOMEM;
		}
		s->pipe_ends = p;
		s->pipe_ends_cap = cap;
	}
	struct sim_pipe_end *re = calloc(1, sizeof *re), *we = calloc(1, sizeof *we);
	if (!re || !we) {
		free(re);
		free(we);
		os->ops->close(os, w);
		os->ops->close(os, r);
		return -ENOMEM;
	}
	*re = (struct sim_pipe_end){.peer = w, .refs = 1};
	re->wq_tail = &re->wq;
	/* room for a full pipe, never more (pipe_append) */
	re->pcap = SIM_PIPE_BUFS * SIM_PIPE_PAGE;
	re->pbuf = malloc(re->pcap);
	if (!re->pbuf) {
		free(re);
		free(we);
		os->ops->close(os, w);
		os->ops->close(os, r);
		return -ENOMEM;
	}
	*we = (struct sim_pipe_end){.peer = r, .refs = 1};
	sim_sock_at(s, r)->pipe = 1;
	sim_sock_at(s, r)->pe = re;
	sim_sock_at(s, w)->pipe = 2;
	sim_sock_at(s, w)->pe = we;
	s->pipe_ends[s->npipe_ends++] = r;
	s->pipe_ends[s->npipe_ends++] = w;
	fds[0] = r;
	fds[1] = w;
	return 0;
}

/* Locks: uncontended lock and unlock stay in user space (a futex's fast
 * path); contention costs a syscall and hands the lock over in FIFO order. */
int64_t sim_lock_open(struct al_os *os)
{
	struct sim_os *s = SIM(os);
	struct sim_lock *p = realloc(s->locks, (size_t)(s->nlocks + 1) * sizeof *p);

	if (!p)
		return -ENOMEM;
	s->locks = p;
	s->locks[s->nlocks] = (struct sim_lock){0};
	return s->nlocks++;
}

int64_t sim_lock(struct al_os *os, int64_t lk, struct al_future *wait)
{
	struct sim_os *s = SIM(os);
	struct sim_lock *l = lk >= 0 && lk < s->nlocks ? &s->locks[lk] : NULL;

	if (!l || !wait)
		return al_os_finish(wait, -EINVAL);
	if (!l->held) {
		l->held = 1;
		return al_os_finish(wait, 0);
	}
	sim_syscall(s);
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct al_future **w = malloc(cap * sizeof *w);
		if (!w)
			return al_os_finish(wait, -ENOMEM);
		for (size_t i = 0; i < l->n; i++) {
			w[i] = l->w[(l->head + i) % l->cap];
			if (w[i])
				w[i]->parked = &w[i];
		}
		free(l->w);
		l->w = w;
		l->cap = cap;
		l->head = 0;
	}
	struct al_future **slot = &l->w[(l->head + l->n++) % l->cap];
	*slot = wait;
	wait->parked = slot;
	sim_state(s, sim_lane(s), AL_ST_WAIT, 0);
	return 0;
}

int64_t sim_unlock(struct al_os *os, int64_t lk)
{
	struct sim_os *s = SIM(os);
	struct sim_lock *l = lk >= 0 && lk < s->nlocks ? &s->locks[lk] : NULL;

	if (!l || !l->held)
		return -EPERM;
	while (l->n > 0) {
		struct al_future *next = l->w[l->head];
		l->head = (l->head + 1) % l->cap;
		l->n--;
		if (!next)
			continue;   /* that waiter gave up */
		sim_syscall(s); /* futex wake */
		al_os_finish(next, 0);  /* the lock passes to it, still held */
		return 0;
	}
	l->held = 0;
	return 0;
}


/* Completions between threads: arming is user space (the receiver's loop
 * waits on the future as on any other); a post is an eventfd write, one
 * syscall for the poster, and the receiver, if it sleeps, wakes after the
 * kernel's wake-up latency, as from a futex. */
int64_t sim_post_arm(struct al_os *os, struct al_post *p, struct al_loop *loop)
{
	(void)os;
	al_future_init(&p->done, loop);
	p->next = NULL;
	p->owner = loop;
	return 0;
}

int64_t sim_post(struct al_os *os, struct al_post *p, int64_t value, int err)
{
	if (!p->owner)
		return -EINVAL;
	p->owner = NULL;
	p->value = value;
	p->err = err;
	sim_syscall(SIM(os));
	al_future_set(&p->done, value, err);
	return 0;
}
