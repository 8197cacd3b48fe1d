/* The simulated machine's fd table: one for the whole machine, the
 * lowest free descriptor first (POSIX), up to machine.fd_limit.  It grows
 * a slab of SIM_FD_SLAB sockets at a time, as fds are used, so its memory
 * follows the run's fds, never the limit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_os.h"

/* The fd table reaches one slab further (and its gates with it). */
static int grow(struct sim_os *s)
{
	struct sim_gate *g = s->gates ? calloc(SIM_FD_SLAB, sizeof *g) : NULL;
	struct sim_sock_slab *sl = s->gates && !g ? NULL :
		al_arena_calloc(&s->sock_mem, 1, sizeof *sl + SIM_FD_SLAB * sizeof sl->k[0]);
	struct sim_sock *k = sl ? sl->k : NULL;

	if (!sl) {
		free(g);
		return -1;
	}
	sl->sim = s;
	for (int i = 0; i < SIM_FD_SLAB; i++)
		k[i].fd = s->nslabs * SIM_FD_SLAB + i;
	s->socks[s->nslabs] = k;
	if (s->gates)
		s->gates[s->nslabs] = g;
	s->nslabs++;
	return 0;
}

/* A new descriptor: the lowest free one, or -EMFILE / -ENOMEM. */
int sim_fd_alloc(struct sim_os *s)
{
	struct al_os *os = &s->os;

	/* POSIX gives the lowest free descriptor; 0-2 are stdio.  fd_low is
	 * at or below it (close lowers it), so the scan is amortised O(1). */
	for (int fd = s->fd_low; fd < s->nsocks; fd++) {
		if (fd >= s->nslabs * SIM_FD_SLAB && grow(s) != 0)
			return -ENOMEM;
		if (!sim_sock_at(s, fd)->used) {
			s->fd_low = fd + 1;
			if (fd >= s->fd_high)
				s->fd_high = fd + 1;
			struct sim_sock *k = sim_sock_at(s, fd);
			memset(k, 0, sizeof *k);
			k->fd = fd;
			k->used = 1;
			k->sel = -1;
			if (++s->open > s->peak_open)
				s->peak_open = s->open;
			if (sim_kernel_mem(&s->k, os->sc->machine.costs.socket_memory) != 0) {
				k->used = 0;
				s->fd_low = fd;
				s->open--;
				return -ENOMEM;
			}
			al_trace_counter(os->trace, sim_clock(s), AL_CTR_SOCKETS, s->open);
			return fd;
		}
	}
	return -EMFILE;
}

/* --- the page timeouts: a list of sockets by deadline, one event
 *
 * Sockets are made in the order of the clock, so a socket joins at or near
 * the tail (a burst's clock may be a little ahead of another lane's); ties
 * keep the order they were made in.  Only the first socket's deadline is
 * in the queue, moved when it leaves: a socket costs two links and its
 * deadline, not a pending event.  Each timeout still fires as its own
 * event, at its own time. */

static void on_ttl(void *arg, int64_t now);

static void ttl_arm(struct sim_os *s)
{
	sim_queue_cancel(&s->q, s->ttl_token);
	s->ttl_token = 0;
	if (s->ttl_head >= 0)
		s->ttl_token = sim_queue_push(&s->q, sim_sock_at(s, s->ttl_head)->ttl_at, on_ttl, s);
}

static void ttl_unlink(struct sim_os *s, struct sim_sock *k)
{
	if (k->ttl_prev >= 0)
		sim_sock_at(s, k->ttl_prev)->ttl_next = k->ttl_next;
	else
		s->ttl_head = k->ttl_next;
	if (k->ttl_next >= 0)
		sim_sock_at(s, k->ttl_next)->ttl_prev = k->ttl_prev;
	else
		s->ttl_tail = k->ttl_prev;
	k->ttl_at = 0;
	k->ttl_prev = k->ttl_next = -1;
}

static void on_ttl(void *arg, int64_t now)
{
	struct sim_os *s = arg;
	struct sim_sock *k = sim_sock_at(s, s->ttl_head);

	s->ttl_token = 0;
	ttl_unlink(s, k);
	ttl_arm(s);
	sim_ttl_fire(k, now);
}

void sim_ttl_add(struct sim_os *s, struct sim_sock *k, int64_t at)
{
	int p = s->ttl_tail;

	while (p >= 0 && sim_sock_at(s, p)->ttl_at > at)
		p = sim_sock_at(s, p)->ttl_prev;
	k->ttl_at = at;
	k->ttl_prev = p;
	k->ttl_next = p >= 0 ? sim_sock_at(s, p)->ttl_next : s->ttl_head;
	if (k->ttl_next >= 0)
		sim_sock_at(s, k->ttl_next)->ttl_prev = k->fd;
	else
		s->ttl_tail = k->fd;
	if (p >= 0) {
		sim_sock_at(s, p)->ttl_next = k->fd;
	} else {
		s->ttl_head = k->fd;
		ttl_arm(s);
	}
}

void sim_ttl_drop(struct sim_os *s, struct sim_sock *k)
{
	int head = s->ttl_head == k->fd;

	if (k->ttl_at == 0)
		return;
	ttl_unlink(s, k);
	if (head)
		ttl_arm(s);
}

int64_t sim_os_fd_bytes(const struct al_scenario *sc, int64_t fds)
{
	int64_t per = (int64_t)sizeof(struct sim_sock), ptrs = 1;
	int64_t n = fds < sc->machine.fd_limit ? fds : sc->machine.fd_limit;
	int64_t slabs = (sc->machine.fd_limit + SIM_FD_SLAB - 1) / SIM_FD_SLAB;

	if (sc->machine.host_server || sc->machine.host_links > 0 ||
	    sc->machine.host_emulator != AL_HOST_EMU_NONE) {
		per += (int64_t)sizeof(struct sim_gate);
		ptrs = 2;
	}
	/* whole slabs as far as n, and the slab pointers for the limit (a
	 * slab's machine pointer, 8 bytes in 100 KiB, is left out) */
	n = (n + SIM_FD_SLAB - 1) / SIM_FD_SLAB * SIM_FD_SLAB;
	return n * per + slabs * ptrs * (int64_t)sizeof(void *);
}
