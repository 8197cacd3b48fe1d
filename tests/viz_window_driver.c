/* A stand-alone viewer for the window's own tests and `make docs`: it
 * simulates a scenario (or builds the 10,000-lane, 1,000,000-span trace of
 * bench/bench_viz.c), opens viz_window_run on it, and prints what the
 * window measured when it closes.  `asynclab view` does the same through
 * app/; this program exists so the window can be driven and timed on its
 * own, with a screenshot path (the command has no such option).
 *
 *   viz_window_driver [--shot FILE] [--size WxH] [--tab N] [--models LIST]
 *                     [--net sim|both] [--synthetic] [SCENARIO]
 *
 * --net both: the scenario on real sockets too (our origin server on
 * loopback), so the window has a sim | real tab.  Exit status: 0 on a
 * clean quit, 1 if the window failed, 2 on bad arguments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/real_run.h"
#include "app/scenario.h"
#include "app/sim_run.h"
#include "viz/viz_window.h"

static void usage(void)
{
	fprintf(stderr, "usage: viz_window_driver [--shot FILE] [--size WxH] [--tab N] "
		"[--models LIST] [--net sim|both] [--synthetic] [SCENARIO]\n");
	exit(2);
}

/* The report's speed-up: against sync when sync ran and every page came. */
static void speedups(struct viz_run *run)
{
	int64_t base = 0;

	for (int i = 0; i < run->nmodels; i++)
		if (run->models[i].report.model == AL_MODEL_SYNC)
			base = run->models[i].report.elapsed_ns;
	for (int i = 0; i < run->nmodels; i++) {
		struct al_report *r = &run->models[i].report;

		r->speedup = base > 0 && r->elapsed_ns > 0 && r->pages_ok > 0 ?
			     (double)base / (double)r->elapsed_ns : 0;
	}
}

static int run_models(struct viz_run *run, const struct al_scenario *sc, const char *net,
		      unsigned models)
{
	struct real_net rn;
	char err[512];
	int real = strcmp(net, "real") == 0;

	memset(run, 0, sizeof *run);
	run->sc = *sc;
	run->cores = sc->machine.cores;
	snprintf(run->net, sizeof run->net, "%s", net);
	if (real && real_net_start(sc, NULL, &rn, err, sizeof err) != 0) {
		fprintf(stderr, "viz_window_driver: %s\n", err);
		real_net_stop(&rn);
		return -1;
	}
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct viz_model *vm = &run->models[run->nmodels];
		int rc;

		if (!sc->models[m].enabled || (models && !(models & 1u << m)))
			continue;
		if (al_trace_init(&vm->trace, AL_TRACE_RECORD) != 0)
			return -1;
		rc = real ? real_run_model_traced(sc, &rn, (enum al_model)m, &vm->report, &vm->trace,
						  err, sizeof err)
			  : sim_run_model_traced(sc, (enum al_model)m, &vm->report, &vm->trace, err,
						 sizeof err);
		if (rc != 0 && errno != EDEADLK) {
			fprintf(stderr, "viz_window_driver: %s: %s\n", al_model_name((enum al_model)m),
				err);
			al_trace_free(&vm->trace);
			continue;
		}
		vm->report.model = (enum al_model)m;
		run->nmodels++;
	}
	if (real)
		real_net_stop(&rn);
	speedups(run);
	return run->nmodels > 0 ? 0 : -1;
}

/* bench/bench_viz.c's trace: 10,000 lanes, 1,000,000 spans. */
static void synthetic_run(struct viz_run *run)
{
	static const enum al_state st[] = {AL_ST_RUNNING, AL_ST_RUNNABLE, AL_ST_CONNECT,
					   AL_ST_SEND, AL_ST_RECV, AL_ST_WAIT, AL_ST_SPIN};
	struct al_trace *tr;
	uint64_t x = 42;
	uint32_t p, th;
	int64_t end = 0;

	memset(run, 0, sizeof *run);
	al_scenario_default(&run->sc);
	snprintf(run->sc.name, sizeof run->sc.name, "synthetic");
	snprintf(run->net, sizeof run->net, "sim");
	run->nmodels = 1;
	run->models[0].report.model = AL_MODEL_ASYNCIO;
	tr = &run->models[0].trace;
	if (al_trace_init(tr, AL_TRACE_RECORD) != 0)
		exit(1);
	p = al_trace_lane(tr, 0, AL_LANE_PROCESS, 0, "asyncio", 0);
	th = al_trace_lane(tr, 0, AL_LANE_THREAD, p, "asyncio", 0);
	for (uint32_t i = 0; i < 9999; i++) {
		uint32_t lane = i == 0 ? th : al_trace_lane(tr, 0, AL_LANE_TASK, th, "fetch", i);
		int64_t t;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		t = (int64_t)(x >> 33) % 100000000;
		for (int k = 0; k < (i == 0 ? 200 : 100); k++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			al_trace_state(tr, t, lane, st[(x >> 33) % 7], (int64_t)(x >> 40) % 4096);
			t += 10000 + (int64_t)(x >> 20) % 2000000;
		}
		al_trace_state(tr, t, lane, AL_ST_DONE, 0);
		end = t > end ? t : end;
	}
	run->models[0].report.elapsed_ns = end;
	run->models[0].report.pages_ok = 9998;
}

static unsigned parse_models(const char *list)
{
	char buf[256], *save = NULL;
	unsigned set = 0;

	snprintf(buf, sizeof buf, "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int m = al_model_parse(t);

		if (m < 0)
			usage();
		set |= 1u << m;
	}
	return set;
}

int main(int argc, char **argv)
{
	static struct viz_run runs[VIZ_MAX_RUNS];
	struct viz_window_stats stats;
	struct viz_window_opts o = {.stats = &stats};
	struct al_scenario sc;
	const char *path = NULL, *net = "sim";
	char err[512];
	int synthetic = 0, nruns = 1, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--synthetic") == 0) {
			synthetic = 1;
			continue;
		}
		if (a[0] != '-') {
			path = a;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--shot") == 0)
			o.shot = v;
		else if (strcmp(a, "--size") == 0 && sscanf(v, "%dx%d", &o.w, &o.h) == 2)
			;
		else if (strcmp(a, "--tab") == 0)
			o.tab = atoi(v);
		else if (strcmp(a, "--models") == 0)
			o.models = parse_models(v);
		else if (strcmp(a, "--net") == 0 && (!strcmp(v, "sim") || !strcmp(v, "both")))
			net = v;
		else
			usage();
	}
	if (synthetic) {
		synthetic_run(&runs[0]);
	} else {
		if (path ? al_scenario_load_file(path, &sc, err, sizeof err) != 0
			 : (al_scenario_default(&sc), 0)) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		if (run_models(&runs[0], &sc, "sim", o.models) != 0)
			return 1;
		if (strcmp(net, "both") == 0) {
			if (run_models(&runs[1], &sc, "real", o.models) != 0)
				return 1;
			nruns = 2;
		}
	}
	o.title = "asynclab";
	rc = viz_window_run(runs, nruns, &o, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "viz_window_driver: %s\n", err);
	else
		fprintf(stderr, "viz_window_driver: %d frames, %s renderer: frame median %.2f ms, "
			"p95 %.2f ms, max %.2f ms (viz_draw median %.2f ms); %d screenshots\n",
			stats.frames, stats.renderer, stats.frame_ms_median, stats.frame_ms_p95,
			stats.frame_ms_max, stats.draw_ms_median, stats.shots);
	for (int i = 0; i < nruns; i++)
		viz_run_free(&runs[i]);
	return rc != 0;
}
