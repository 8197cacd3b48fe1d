/* Real throughput on loopback: pages per second for the event-loop models
 * against our origin server (no think time, 1256-byte pages, 100 pages in
 * flight, no keep-alive), next to ApacheBench's `ab -n 20000 -c 100`
 * against the same server.  The best of a few rounds each, since this VM
 * is noisy.  Figures and ratios, not assertions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/real_run.h"
#include "core/al_scenario.h"

#define PAGES 20000
#define INFLIGHT 100
#define ROUNDS 3

static const enum al_model models[] = {AL_MODEL_CALLBACK, AL_MODEL_GENERATOR, AL_MODEL_ASYNCIO};

/* ab's "Requests per second", or 0 if ab is missing or failed. */
static double run_ab(int port)
{
	char cmd[256], line[256];
	double rps = 0;

	snprintf(cmd, sizeof cmd, "ab -q -n %d -c %d http://127.0.0.1:%d/ 2>/dev/null", PAGES,
		 INFLIGHT, port);
	FILE *p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof line, p))
		if (strncmp(line, "Requests per second:", 20) == 0)
			rps = atof(line + 20);
	return pclose(p) == 0 ? rps : 0;
}

int main(void)
{
	struct al_scenario sc;
	struct real_net rn;
	char err[512];
	double best[3] = {0}, cpu[3] = {0}, ab = 0;

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
	if (real_net_start(&sc, NULL, &rn, err, sizeof err) != 0) {
		fprintf(stderr, "bench_loopback: %s\n", err);
		real_net_stop(&rn);
		return 1;
	}
	printf("loopback, our origin server: %d pages of 1256 B, no think time, %d in flight, "
	       "no keep-alive (best of %d)\n", PAGES, INFLIGHT, ROUNDS);
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
			double pps = (double)r.pages_ok * 1e9 / (double)r.elapsed_ns;
			if (pps > best[i]) {
				best[i] = pps;
				cpu[i] = (double)r.cpu_busy_ns / (double)r.elapsed_ns;
			}
		}
		double a = run_ab(rn.server_port);
		if (a > ab)
			ab = a;
	}
	real_net_stop(&rn);
	for (int i = 0; i < 3; i++)
		printf("  %-10s %8.0f pages/s  (the crawler busy %.0f %% of one core)\n",
		       al_model_name(models[i]), best[i], 100 * cpu[i]);
	if (ab > 0)
		printf("  %-10s %8.0f pages/s  (ab -n %d -c %d)\n", "ab", ab, PAGES, INFLIGHT);
	else
		printf("  ab         not run (install apache2-utils)\n");
	if (best[0] > 0) {
		printf("  asyncio / callback   %.3f  (target: within 5%%, >= 0.950)\n", best[2] / best[0]);
		printf("  generator / callback %.3f\n", best[1] / best[0]);
	}
	if (ab > 0 && best[0] > 0)
		printf("  callback / ab        %.3f  (target: >= 1.000)\n", best[0] / ab);
	return 0;
}
