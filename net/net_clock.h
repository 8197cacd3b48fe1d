/* The real backend's clock: CLOCK_MONOTONIC in ns, and ns as the timeval
 * libevent takes (rounded up: a timer never fires early). */
#ifndef NET_CLOCK_H
#define NET_CLOCK_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

static inline int64_t net_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The calling thread's CPU time in ns: what calibrate times single-thread
 * work with, so that being preempted by a neighbour is not counted. */
static inline int64_t net_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline struct timeval net_tv(int64_t ns)
{
	if (ns < 0)
		ns = 0;
	ns += 999;
	return (struct timeval){(time_t)(ns / 1000000000), (suseconds_t)(ns % 1000000000 / 1000)};
}

#endif
