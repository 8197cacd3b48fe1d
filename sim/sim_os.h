/* The simulated machine behind the `os` ops table: a virtual clock driven
 * by the event queue, a socket table, and (for now) a network of fixed
 * delays: connect takes one RTT; a request reaches the server after half an
 * RTT, the server thinks, and the whole response is there half an RTT plus
 * its transfer time (size / bandwidth) later.  The cost model of cores,
 * syscalls and switches, bandwidth sharing, jitter and loss come with the
 * models (docs/ says which figures are modelled). */
#ifndef SIM_OS_H
#define SIM_OS_H

#include <stdint.h>

#include "core/al_dist.h"
#include "core/al_loop.h"
#include "core/al_os.h"
#include "core/al_trace.h"
#include "sim/sim_kernel.h"
#include "sim/sim_queue.h"

struct sim_os;

struct sim_sock {
	struct sim_os *sim;
	uint8_t used, connected, arrived;
	int64_t page;
	int64_t head_len, total;     /* response header, header + body */
	int64_t delivered;
	uint64_t token;              /* the one pending event, if any */
	struct al_future *wait;      /* parked blocking call */
	struct al_future *spin;      /* parked busy-poll */
	uint64_t spin_token;         /* its completion event */
	int64_t spin_start;
	unsigned spin_events;
	char *rbuf;
	size_t rcap;
};

/* A mutex: the holder, and a FIFO of futures waiting for it. */
struct sim_lock {
	int held;
	struct al_future **w;
	size_t head, n, cap;
};

struct sim_os {
	struct al_os os;
	struct sim_queue q;
	int64_t now;
	uint64_t events;
	struct al_rng rng;
	struct sim_sock *socks;
	int nsocks;                  /* table size: the fd limit */
	int fd_low;                  /* no free fd below this */
	int open, peak_open;
	int64_t syscalls, futile;
	uint32_t lanes;              /* task lanes created */
	struct sim_lock *locks;
	int64_t nlocks;
	struct sim_kernel k;         /* cores, threads, costs */
};

/* Sets up a simulated machine for scenario sc; trace may be NULL.  loop,
 * if not NULL, is a loop outside any simulated thread (unit tests) that
 * gets this os.  Simulated threads come from sim_kernel_thread() on s->k.
 * Returns 0, or -1 with errno ENOMEM. */
int sim_os_init(struct sim_os *s, const struct al_scenario *sc, struct al_loop *loop,
		struct al_trace *trace);
void sim_os_free(struct sim_os *s);

#endif
