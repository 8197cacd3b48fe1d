/* The trace hash's cost (core/al_trace.h): an event added in hash-only
 * mode, as every simulated run without a trace adds them, and a round of
 * events repeated by al_trace_repeat, as the simulator's fast-forward
 * adds them (sim/sim_ff.c), per event it stands for.  CPU time, the best
 * of 5.  Figures, not assertions. */
#include <stdio.h>
#include <time.h>

#include "core/al_trace.h"

#define ROUND 12                     /* events a round: 4 reads of 3 */

/* CPU time of this process: the wall counts other programs' turns. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint64_t sink;     /* keeps the hashes computed */

/* ns an event added one by one: a lane's states, times rising, a value
 * on one in three as a read's bytes. */
static double add(uint64_t events)
{
	struct al_trace tr;
	double t0;

	if (al_trace_init(&tr, AL_TRACE_HASH) != 0)
		return -1;
	t0 = now_s();
	for (uint64_t i = 0; i < events; i++)
		al_trace_add(&tr, (int64_t)(i * 1370), (uint32_t)(i & 63) + 1, AL_TR_STATE,
			     (unsigned)(i % 3), 0, i % 3 == 0 ? 65536 : 0);
	double s = now_s() - t0;

	sink += al_trace_hash(&tr);
	al_trace_free(&tr);
	return s * 1e9 / (double)events;
}

/* Adds `calls` rounds of ROUND events, each followed by `times` more at
 * once (none if times is 0); its CPU time. */
static double rounds(int64_t times, int calls)
{
	struct al_trace tr;

	if (al_trace_init(&tr, AL_TRACE_HASH) != 0)
		return -1;
	double t0 = now_s();
	for (int c = 0; c < calls; c++) {
		struct al_trace_mark from = al_trace_where(&tr);
		for (int i = 0; i < ROUND; i++)
			al_trace_add(&tr, (int64_t)c * 1000000000 + 400 * i, (uint32_t)i / 3 + 1,
				     AL_TR_STATE, (unsigned)(i % 3), 0, i % 3 == 0 ? 65536 : 0);
		struct al_trace_mark to = al_trace_where(&tr);
		if (times)
			al_trace_repeat(&tr, &from, &to, 5000, 5000, times);
	}
	double s = now_s() - t0;
	sink += al_trace_hash(&tr);
	al_trace_free(&tr);
	return s;
}

/* ns an event of `times` rounds of ROUND events, repeated at once after
 * the one added (whose cost is taken off). */
static double repeat(int64_t times, int calls)
{
	double with = rounds(times, calls), without = rounds(0, calls);

	if (with < 0 || without < 0)
		return -1;
	return (with - without) * 1e9 / ((double)calls * (double)times * ROUND);
}

static double best(double a, double b)
{
	return b >= 0 && (a < 0 || b < a) ? b : a;
}

int main(void)
{
	static const int64_t times[] = {1, 4, 64, 1024};
	double ns = -1;

	for (int k = 0; k < 5; k++)
		ns = best(ns, add(20000000));
	printf("trace hash, hash-only: %.2f ns an event added\n", ns);
	printf("al_trace_repeat of a round of %d events (ns an event it stands for)\n", ROUND);
	for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
		ns = -1;
		for (int k = 0; k < 5; k++)
			ns = best(ns, repeat(times[i], (int)(4000000 / times[i] / ROUND) + 1));
		printf("  %5lld rounds at once: %8.3f ns\n", (long long)times[i], ns);
	}
	return 0;
}
