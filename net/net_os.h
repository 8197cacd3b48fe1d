/* The real `os`: the same ops table as the simulator's, on this machine's
 * sockets, threads and clock.
 *
 * This first version runs the models that need no selector and no extra
 * threads or processes (sync, nonblocking): blocking calls block the
 * calling thread and complete their future before returning; non-blocking
 * calls are real non-blocking syscalls; spin() really busy-polls.  The
 * other ops answer -ENOSYS until the libevent loop and spawn land. */
#ifndef NET_OS_H
#define NET_OS_H

#include <netinet/in.h>
#include <stdint.h>

#include "core/al_loop.h"
#include "core/al_os.h"

struct net_timer_slot {
	struct al_timer *tm;
};

struct net_os {
	struct al_os os;
	struct sockaddr_in addr;     /* the server every page is fetched from */
	int64_t t0;                  /* CLOCK_MONOTONIC at start: now() counts from it */
	int64_t syscalls, futile;
	struct al_timer *timers[64]; /* pending sleeps / deadlines */
	int ntimers;
};

/* A real os fetching pages from addr for scenario sc, on loop. */
void net_os_init(struct net_os *n, const struct al_scenario *sc, struct al_loop *loop,
		 const struct sockaddr_in *addr);

#endif
