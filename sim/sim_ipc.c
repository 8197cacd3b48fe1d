/* Pipes and locks of the simulated machine: how the process model's
 * workers report back, and the thread model's locked queue. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_os.h"

#define SIM(os) ((struct sim_os *)(os)->impl)

/* --- pipes: what a write puts in, a read takes out, in order; end of
 * file once the write end is closed and everything was read.  As with
 * fork, a process made while a pipe is open holds both its ends: an end
 * closes for good when every process holding it has closed it. */

int64_t sim_pipe_read(struct sim_os *s, struct sim_sock *k, char *buf, size_t cap,
			 struct al_future *wait)
{
	size_t n = k->pe->plen - k->pe->poff;

	if (n == 0 && k->pe->peer >= 0)
		return sim_would_block(s, k, wait, buf, cap);
	if (n > cap)
		n = cap;
	memcpy(buf, k->pe->pbuf + k->pe->poff, n);
	k->pe->poff += n;
	if (k->pe->poff == k->pe->plen)
		k->pe->poff = k->pe->plen = 0;
	return al_os_finish(wait, (int64_t)n);
}

int64_t sim_pipe_write(struct sim_os *s, struct sim_sock *k, const void *buf, size_t len,
			  struct al_future *wait)
{
	struct sim_sock *r = k->pe->peer >= 0 ? sim_sock_at(s, k->pe->peer) : NULL;

	if (!r)
		return al_os_finish(wait, -EPIPE);
	if (r->pe->plen + len > r->pe->pcap) {
		size_t cap = r->pe->pcap ? r->pe->pcap : 256;
		while (cap < r->pe->plen + len)
			cap *= 2;
		char *p = realloc(r->pe->pbuf, cap);
		if (!p)
			return al_os_finish(wait, -ENOMEM);
		r->pe->pbuf = p;
		r->pe->pcap = cap;
	}
	memcpy(r->pe->pbuf + r->pe->plen, buf, len);
	r->pe->plen += len;
	if (r->wait) {
		struct al_future *w = r->wait;
		r->wait = NULL;
		sim_pipe_read(s, r, r->rbuf, r->rcap, w);
	}
	return al_os_finish(wait, (int64_t)len);
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
	free(k->pe->pbuf);
	free(k->pe);
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
