/* Real throughput on loopback: pages per second for the event-loop models
 * against our origin server (no think time, 1256-byte pages, 100 pages in
 * flight, no keep-alive), next to ApacheBench's `ab -n 20000 -c 100`
 * against the same server.  Rounds interleave the four, and each figure
 * is the median of its rounds (the best too), since this VM is noisy.
 * Figures and ratios, not assertions. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net_run.h"
#include "core/al_scenario.h"

#define PAGES 20000
#define INFLIGHT 100
#define ROUNDS 5

static const enum al_model models[] = {AL_MODEL_CALLBACK, AL_MODEL_GENERATOR, AL_MODEL_ASYNCIO};

/* ab's "Requests per second", or 0 if ab is missing or failed. */
static double run_ab(int port)
{
	char cmd[256], line[256];
	double rps = 0;

	snprintf(cmd, sizeof cmd, "ab -q -n %d -c %d http://127.0.0.1:%d/ 2>/dev/null", PAGES,
		 INFLIGHT, port);   /* on our CPU, as the crawlers are */
	FILE *p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof line, p))
		if (strncmp(line, "Requests per second:", 20) == 0)
			rps = atof(line + 20);
	return pclose(p) == 0 ? rps : 0;
}

/* The server on one CPU, every client (it inherits ours) on the other:
 * neither takes turns with the other, which makes rounds comparable. */
static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	struct al_scenario sc;
	struct real_net rn;
	char err[512];
	double pps[4][ROUNDS] = {{0}}, cpu[3] = {0};

	al_scenario_default(&sc);
	snprintf(sc.name, sizeof sc.name, "loopback");
	sc.network.rtt_ns = 0;
	sc.network.bandwidth_bps = REAL_LINK_FAST_BPS;   /* loopback's: no link emulator */
	sc.trace = false;
	sc.server.think = AL_DIST_FIXED_AT(0);
	sc.server.page_size = AL_DIST_FIXED_AT(1256);
	sc.workload.pages = PAGES;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		sc.models[m].enabled = false;
		sc.models[m].limit = INFLIGHT;
		sc.models[m].poller = AL_POLL_EPOLL;
	}
	int two = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	if (two)
		pin(1);
	int started = real_net_start(&sc, NULL, &rn, err, sizeof err);
	if (two)
		pin(0);
	if (started != 0) {
		fprintf(stderr, "bench_loopback: %s\n", err);
		real_net_stop(&rn);
		return 1;
	}
	printf("loopback, our origin server: %d pages of 1256 B, no think time, %d in flight, "
	       "no keep-alive (%d rounds%s)\n", PAGES, INFLIGHT, ROUNDS,
	       two ? "; the server on CPU 1, the clients on CPU 0" : "");
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < 3; i++) {
			struct al_report r;
			sc.models[models[i]].enabled = true;
			int rc = real_run_model(&sc, &rn, models[i], &r, err, sizeof err);
			sc.models[models[i]].enabled = false;
			if (rc != 0 || r.pages_ok != PAGES) {
				fprintf(stderr, "bench_loopback: %s: %s (%lld of %d pages)\n",
					al_model_name(models[i]), rc ? err : "pages failed",
					(long long)r.pages_ok, PAGES);
				continue;
			}
			pps[i][round] = (double)r.pages_ok * 1e9 / (double)r.elapsed_ns;
			cpu[i] += (double)r.cpu_busy_ns / (double)r.elapsed_ns / ROUNDS;
		}
		pps[3][round] = run_ab(rn.server_port);
	}
	real_net_stop(&rn);
	double med[4], best[4];
	for (int i = 0; i < 4; i++) {
		qsort(pps[i], ROUNDS, sizeof pps[i][0], by_value);
		med[i] = pps[i][ROUNDS / 2];
		best[i] = pps[i][ROUNDS - 1];
	}
	for (int i = 0; i < 3; i++)
		printf("  %-10s %8.0f pages/s median, %8.0f best  (the crawler busy %.0f %% of "
		       "one core)\n", al_model_name(models[i]), med[i], best[i], 100 * cpu[i]);
	if (med[3] > 0)
		printf("  %-10s %8.0f pages/s median, %8.0f best  (ab -n %d -c %d)\n", "ab", med[3],
		       best[3], PAGES, INFLIGHT);
	else
		printf("  ab         not run (install apache2-utils)\n");
	if (med[0] > 0) {
		printf("  asyncio / callback   %.3f  (target: within 5%%, >= 0.950)\n", med[2] / med[0]);
		printf("  generator / callback %.3f\n", med[1] / med[0]);
	}
	if (med[3] > 0 && med[0] > 0)
		printf("  callback / ab        %.3f  (target: >= 1.000)\n", med[0] / med[3]);
	return 0;
}
