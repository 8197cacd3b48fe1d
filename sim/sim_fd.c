/* The simulated machine's fd table: one for the whole machine, the
 * lowest free descriptor first (POSIX), up to machine.fd_limit.  It grows
 * a slab of SIM_FD_SLAB sockets at a time, as fds are used, so its memory
 * follows the run's fds, never the limit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_os.h"

struct sim_sock *sim_sock_of(struct sim_os *s, int fd)
{
	if (fd < 0 || fd >= s->nslabs * SIM_FD_SLAB || !sim_sock_at(s, fd)->used)
		return NULL;
	return sim_sock_at(s, fd);
}

/* The fd table reaches one slab further (and its gates with it). */
static int grow(struct sim_os *s)
{
	struct sim_sock *k = calloc(SIM_FD_SLAB, sizeof *k);
	struct sim_gate *g = s->gates ? calloc(SIM_FD_SLAB, sizeof *g) : NULL;

	if (!k || (s->gates && !g)) {
		free(k);
		free(g);
		return -1;
	}
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
			k->sim = s;
			k->fd = fd;
			k->used = 1;
			k->sel = -1;
			k->ready_next = k->ready_prev = -1;
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
	/* whole slabs as far as n, and the slab pointers for the limit */
	n = (n + SIM_FD_SLAB - 1) / SIM_FD_SLAB * SIM_FD_SLAB;
	return n * per + slabs * ptrs * (int64_t)sizeof(void *);
}
