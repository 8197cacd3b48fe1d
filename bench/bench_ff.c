/* Issue 13's page sizes: the crawl of bench/simpy/bench.py (asyncio, rtt
 * 150 ms, think 50 ms, 10 Gbit/s, trace hashed only), 20,000 pages of
 * 1 KiB and of 1 MiB, with the fast-forward of repeated loop rounds
 * (sim/sim_ff.c) on and off: the wall, the 1 MiB / 1 KiB ratio (target
 * 1.5x), the loop turns run at once.  Then the other loops, and kernel
 * TCP on fewer pages (its segments' events, not the loop, set its cost).
 * Each figure the best of 3 runs.  Figures, not assertions. */
#include <stdio.h>
#include <time.h>

#include "conf/scenario.h"
#include "sim/sim_os.h"
#include "sim/sim_run.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int crawl(struct al_scenario *sc, long pages, long size, const char *tcp)
{
	char text[1024], err[1024];
	int n = snprintf(text, sizeof text,
		"name: simpy-crawl\nseed: 1\n"
		"machine: {profile: c, memory: 1 TiB, address_space: 1 TiB, fd_limit: %ld}\n"
		"network: {rtt: 150 ms, bandwidth: 10 Gbit, tcp: %s}\n"
		"server: {think: 50 ms, page_size: %ld B, backlog: %ld}\n"
		"workload: {pages: %ld}\n"
		"models: [{name: callback}, {name: generator}, {name: asyncio}]\n"
		"trace: false\n", pages + 100, tcp, size, pages, pages);

	if (al_scenario_load_string("crawl", text, (size_t)n, sc, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* The best wall of 3 runs of model m, and the turns the last one skipped. */
static double run(const struct al_scenario *sc, enum al_model m, int ff, int64_t *turns)
{
	struct al_report r;
	char err[1024];
	double best = 1e30;

	sim_ff_off = !ff;
	for (int i = 0; i < 3; i++) {
		int64_t before = sim_ff_turns;
		double t0 = now_s();
		if (sim_run_model(sc, m, &r, err, sizeof err) != 0)
			fprintf(stderr, "  %s: %s\n", al_model_name(m), err);
		double dt = now_s() - t0;
		if (dt < best)
			best = dt;
		*turns = sim_ff_turns - before;
	}
	sim_ff_off = 0;
	return best;
}

static int sizes(long pages, const char *tcp, enum al_model m)
{
	struct al_scenario small, big;
	int64_t t_small, t_big, t_off;

	if (crawl(&small, pages, 1024, tcp) || crawl(&big, pages, 1048576, tcp))
		return 1;
	double w_small = run(&small, m, 1, &t_small);
	double w_big = run(&big, m, 1, &t_big);
	double w_off = run(&big, m, 0, &t_off);
	printf("  %-9s tcp %-5s %6ld pages: 1 KiB %.3f s, 1 MiB %.3f s (%.2fx; fast-forward off"
	       " %.3f s, %.1fx), turns run at once %lld\n", al_model_name(m), tcp, pages, w_small,
	       w_big, w_big / w_small, w_off, w_off / w_small, (long long)t_big);
	return 0;
}

int main(void)
{
	printf("1 MiB vs 1 KiB pages, the SimPy bench's crawl (best of 3):\n");
	return sizes(20000, "flow", AL_MODEL_ASYNCIO) | sizes(20000, "flow", AL_MODEL_GENERATOR) |
	       sizes(20000, "flow", AL_MODEL_CALLBACK) | sizes(2000, "linux", AL_MODEL_ASYNCIO);
}
