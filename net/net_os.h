/* The real `os`: the same ops table as the simulator's, on this machine's
 * sockets, threads, processes and clock.
 *
 * Blocking calls block the calling thread and complete their future before
 * returning; non-blocking calls are real non-blocking syscalls; spin()
 * really busy-polls.  spawn() starts a real pthread (or forks a process)
 * that runs the task on a loop of its own; locks are pthread mutexes;
 * pipes are pipes.  The selector answers -ENOSYS until the libevent loop
 * lands. */
#ifndef NET_OS_H
#define NET_OS_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/al_loop.h"
#include "core/al_os.h"

#define NET_MAX_SPAWN 1024
#define NET_MAX_LOCKS 16

/* A thread's own loop and timers (every thread waits on its own). */
struct net_thread {
	struct al_loop loop;
	struct al_timer *timers[64];
	int ntimers;
	pthread_t tid;
	pid_t pid;                   /* a process: its pid, else 0 */
	int joined;
};

struct net_os {
	struct al_os os;
	struct sockaddr_in addr;     /* the server every page is fetched from */
	int64_t t0;                  /* CLOCK_MONOTONIC at start: now() counts from it */
	int64_t syscalls, futile;    /* updated atomically: threads share them */
	struct net_thread main;      /* the caller's timers */
	struct net_thread *spawned[NET_MAX_SPAWN];
	int nspawned;
	pthread_mutex_t locks[NET_MAX_LOCKS];
	int nlocks;
};

/* A real os fetching pages from addr for scenario sc, on loop. */
void net_os_init(struct net_os *n, const struct al_scenario *sc, struct al_loop *loop,
		 const struct sockaddr_in *addr);
/* Joins what is left and frees the threads' state. */
void net_os_free(struct net_os *n);

#endif
