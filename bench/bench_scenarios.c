/* Whole-scenario benchmarks.  C10K: the simulator's speed per model (wall
 * time, simulated events per second).  C10M (trace hashed only): wall time
 * and the simulator's own memory per simulated connection, each model in a
 * child process so its peak RSS is its own.  C10M's rate: each model's
 * simulated connections per second on 8 cores, in C and under python's
 * GIL.  Figures, not assertions. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf/scenario.h"
#include "sim/sim_run.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int load(const char *path, struct al_scenario *sc)
{
	char err[1024];

	if (al_scenario_load_file(path, sc, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int bench_speed(const char *path, int trace)
{
	struct al_scenario sc;
	struct al_report r;
	char err[1024];

	if (load(path, &sc))
		return 1;
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

static int bench_memory(const char *path)
{
	struct al_scenario sc;

	if (load(path, &sc))
		return 1;
	printf("%s (%lld pages, trace hashed only; targets: < 120 s, < 1 KiB per "
	       "connection)\n", path, (long long)sc.workload.pages);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		if (!sc.models[m].enabled)
			continue;
		fflush(stdout);
		double t0 = now_s();
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			struct al_report r;
			char err[1024];
			int rc = sim_run_model(&sc, m, &r, err, sizeof err);
			printf("  %-11s %lld ok, %lld failed  ", al_model_name(m),
			       (long long)r.pages_ok, (long long)r.pages_failed);
			fflush(stdout);
			_exit(rc ? 1 : 0);
		}
		int status;
		struct rusage ru;
		if (wait4(pid, &status, 0, &ru) < 0)
			return 1;
		double dt = now_s() - t0;
		double per = (double)ru.ru_maxrss * 1024.0 / (double)sc.workload.pages;
		printf("wall %6.1f s  peak RSS %6.2f GiB  %6.0f B per connection  %s\n", dt,
		       (double)ru.ru_maxrss / (1024.0 * 1024.0), per,
		       !WIFEXITED(status) || WEXITSTATUS(status) ? "(failed)"
		       : dt < 120 && per < 1024 ? "(targets met)" : "(targets MISSED)");
	}
	return 0;
}

/* Connections per second in simulated time (deterministic: the same
 * figures on every machine), and the wall time the simulation took. */
static int bench_rate(const char *path, int python, int64_t pages)
{
	struct al_scenario sc;

	if (load(path, &sc))
		return 1;
	if (pages > 0)
		sc.workload.pages = pages;
	if (python) {
		/* python's costs, the scenario's calibrated connection and
		 * send kept (the kernel's, whatever the language), the TUN
		 * path's with their busy prices */
		struct al_costs c = sc.machine.costs;
		al_costs_profile(&sc.machine.costs, AL_PROFILE_PYTHON);
		sc.machine.costs.connection_ns = c.connection_ns;
		sc.machine.costs.send_ns = c.send_ns;
		sc.machine.costs.tun_connection_ns = c.tun_connection_ns;
		sc.machine.costs.tun_send_ns = c.tun_send_ns;
		sc.machine.costs.tun_connection_busy_ns = c.tun_connection_busy_ns;
		sc.machine.costs.tun_send_busy_ns = c.tun_send_busy_ns;
		sc.machine.costs.tun_close_ns = c.tun_close_ns;
		sc.machine.costs.tun_close_busy_ns = c.tun_close_busy_ns;
		sc.machine.costs.tun_apart_ns = c.tun_apart_ns;
		sc.machine.profile = AL_PROFILE_PYTHON;
		for (int m = 0; m < AL_MODEL_COUNT; m++)
			sc.models[m].gil = true;   /* python's default, as the loader sets it */
	}
	printf("%s (%lld pages, %d cores, %s): connections/s in simulated time\n", path,
	       (long long)sc.workload.pages, sc.machine.cores,
	       python ? "python's costs, the GIL" : "the file's c costs");
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct al_report r;
		char err[1024];

		if (!sc.models[m].enabled)
			continue;
		double t0 = now_s();
		int rc = sim_run_model(&sc, m, &r, err, sizeof err);
		double dt = now_s() - t0;
		double busy = r.elapsed_ns > 0 ? 100.0 * (double)r.cpu_busy_ns /
			      ((double)r.elapsed_ns * sc.machine.cores) : 0;
		printf("  %-11s %9.0f connections/s  elapsed %7.3f s  CPU busy %5.1f %%  "
		       "(simulated in %.1f s)  %s\n", al_model_name(m),
		       r.elapsed_ns > 0 ? (double)r.pages_ok * 1e9 / (double)r.elapsed_ns : 0,
		       (double)r.elapsed_ns / 1e9, busy, dt, rc ? err : "");
	}
	return 0;
}

int main(void)
{
	return bench_speed("scenarios/c10k.yaml", 1) | bench_speed("scenarios/c10k.yaml", 0) |
	       bench_rate("scenarios/c10m-rate.yaml", 0, 0) |
	       bench_rate("scenarios/c10m-rate.yaml", 1, 50000) |
	       bench_memory("scenarios/c10m.yaml");
}
