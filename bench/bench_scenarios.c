/* Whole-scenario benchmarks: how fast the simulator runs C10K, per model
 * (wall time and simulated events per second).  Figures, not assertions. */
#include <stdio.h>
#include <time.h>

#include "app/scenario.h"
#include "app/sim_run.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench(const char *path, int trace)
{
	struct al_scenario sc;
	struct al_report r;
	char err[1024];

	if (al_scenario_load_file(path, &sc, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	sc.trace = trace;
	printf("%s (%lld pages, trace %s)\n", path, (long long)sc.workload.pages,
	       trace ? "recorded" : "hashed only");
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		if (!sc.models[m].enabled)
			continue;
		double t0 = now_s();
		int rc = sim_run_model(&sc, m, &r, err, sizeof err);
		double dt = now_s() - t0;
		printf("  %-11s wall %7.3f s  %10llu events  %6.2f M events/s  %s\n",
		       al_model_name(m), dt, (unsigned long long)r.events,
		       (double)r.events / dt / 1e6, rc ? err : "");
	}
	return 0;
}

int main(void)
{
	return bench("scenarios/c10k.yaml", 1) | bench("scenarios/c10k.yaml", 0);
}
