/* `asynclab view SCENARIO|FILE ...`: the timelines of saved runs (a run
 * file, told by its magic), or of scenarios simulated first, one scene of
 * all of them (at most VIZ_MAX_RUNS runs).  With --png or --trace it
 * exports instead of opening the window, so a saved run can be drawn or
 * sent to Perfetto again. */
#include "app/cmd_view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/outputs.h"
#include "report/report.h"
#include "conf/scenario.h"
#include "sim/sim_run.h"
#include "viz/viz_file.h"

/* The scenario simulated, every enabled model (restricted by --models),
 * with its trace: 0, 1 when a model could not run (said, and the others
 * shown), or 2. */
static int simulate(const struct al_cli *cli, struct viz_run *run)
{
	struct al_scenario sc;
	char err[512];
	int broken = 0;

	if (al_scenario_load_file(cli->scenario, &sc, err, sizeof err) < 0) {
		/* a file named like a run that is not one is a damaged run, not
		 * a scenario with a syntax error */
		size_t n = strlen(cli->scenario);
		if (n > 6 && strcmp(cli->scenario + n - 6, ".alrun") == 0)
			fprintf(stderr, "asynclab: view: %s: not an asynclab run file\n",
				cli->scenario);
		else
			fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (al_scenario_set(&sc, cli->sets, cli->nsets, err, sizeof err) < 0) {
		fprintf(stderr, "asynclab: view: %s\n", err);
		return 2;
	}
	if (cli->seed_set)
		sc.seed = cli->seed;
	if (!sc.trace) {
		fprintf(stderr, "asynclab: view: %s records no trace (trace: false): nothing "
			"to draw\n", cli->scenario);
		return 2;
	}
	al_run_describe(run, "sim", &sc, sc.machine.cores);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct viz_model *vm = &run->models[run->nmodels];
		if (!sc.models[m].enabled || (cli->models && !(cli->models & (1u << m))))
			continue;
		if (al_trace_init(&vm->trace, AL_TRACE_RECORD) != 0) {
			fprintf(stderr, "asynclab: view: out of memory\n");
			return 1;
		}
		int r = sim_run_model_traced(&sc, (enum al_model)m, &vm->report, &vm->trace, err,
					     sizeof err);
		if (r != 0 && errno != EDEADLK) {
			fprintf(stderr, "asynclab: view: %s: %s\n", al_model_name((enum al_model)m),
				err);
			al_trace_free(&vm->trace);
			broken = 1;
			continue;
		}
		vm->report.model = (enum al_model)m;
		run->nmodels++;
	}
	if (run->nmodels == 0) {
		fprintf(stderr, "asynclab: view: no model to show\n");
		return 2;
	}
	/* speed-ups as run's report has them */
	struct al_run_set rs = {.sc = &run->sc, .net = "sim", .nrows = run->nmodels};
	for (int i = 0; i < run->nmodels; i++)
		rs.rows[i] = run->models[i].report;
	al_run_set_speedups(&rs);
	for (int i = 0; i < run->nmodels; i++)
		run->models[i].report.speedup = rs.rows[i].speedup;
	return broken;
}

/* --models on a saved run: the models it does not name leave. */
static void keep_models(struct viz_run *run, unsigned models, unsigned *had)
{
	int k = 0;

	for (int i = 0; i < run->nmodels; i++) {
		*had |= 1u << run->models[i].report.model;
		if (models & (1u << run->models[i].report.model))
			run->models[k++] = run->models[i];
		else
			al_trace_free(&run->models[i].trace);
	}
	run->nmodels = k;
}

/* Whether a file of size 0 has nothing to read: /proc's and /sys's files
 * say 0 and have text. */
static int really_empty(const char *path)
{
	char c;
	FILE *f = fopen(path, "rb");
	int empty = !f || fread(&c, 1, 1, f) == 0;

	if (f)
		fclose(f);
	return empty;
}

/* Why path cannot be viewed, or NULL. */
static const char *unviewable(const char *path)
{
	struct stat st;
	int bad = stat(path, &st) != 0 ? errno : 0;

	return bad ? strerror(bad)
		: S_ISDIR(st.st_mode) ? "a directory, not a run file or a scenario"
		: !S_ISREG(st.st_mode) ? "not a regular file (a run file or a scenario is one)"
		: st.st_size == 0 && really_empty(path) ? "empty" : NULL;
}

/* Run file `path` into runs[0 .. *n), at most max: 0, or 2 after saying why. */
static int load_saved(const struct al_cli *cli, const char *path, struct viz_run *runs,
		      int max, int *n)
{
	char err[512];
	int status = 0;

	if (viz_file_load(path, runs, max, n, err, sizeof err) != 0) {
		fprintf(stderr, "asynclab: view: %s\n", err);
		return 2;
	}
	if (cli->seed_set) {
		fprintf(stderr, "asynclab: view: %s: --seed: a saved run keeps the seed it "
			"ran with (%llu); --seed is for a scenario\n", path,
			(unsigned long long)runs[0].sc.seed);
		status = 2;
	}
	if (cli->nsets > 0) {
		fprintf(stderr, "asynclab: view: %s: --set: a saved run keeps the scenario "
			"it ran; --set is for a scenario\n", path);
		status = 2;
	}
	unsigned had = 0;
	int left = 0;
	for (int i = 0; cli->models && i < *n; i++) {
		keep_models(&runs[i], cli->models, &had);
		left += runs[i].nmodels;
	}
	if (status == 0 && cli->models && left == 0) {
		fprintf(stderr, "asynclab: view: %s has none of the models asked; it has: ", path);
		al_report_model_list(stderr, had);
		fputc('\n', stderr);
		status = 2;
	} else if (status == 0 && cli->models && (cli->models & ~had)) {
		fprintf(stderr, "asynclab: view: note: %s has no ", path);
		al_report_model_list(stderr, cli->models & ~had);
		fprintf(stderr, "; it has: ");
		al_report_model_list(stderr, had);
		fputc('\n', stderr);
	}
	return status;
}

/* What a scene of several runs calls each run of a file: the file's
 * name, and, when the file holds more than one, the run's net (sim, real)
 * or, runs of one net (a file of repetitions), its number. */
static void label_runs(const char *path, struct viz_run *runs, int n)
{
	const char *base = strrchr(path, '/');

	int one_net = 1;

	base = base && base[1] ? base + 1 : path;
	for (int i = 1; i < n; i++)
		one_net &= strcmp(runs[i].net, runs[0].net) == 0;
	for (int i = 0; i < n; i++)
		if (n == 1)
			snprintf(runs[i].label, sizeof runs[i].label, "%.60s", base);
		else if (one_net)       /* a file of repetitions: --seeds, --runs */
			snprintf(runs[i].label, sizeof runs[i].label, "%.40s, run %d", base, i + 1);
		else
			snprintf(runs[i].label, sizeof runs[i].label, "%.50s, %s", base,
				 runs[i].net);
}

_Static_assert(AL_CLI_MAX_FILES <= VIZ_MAX_RUNS, "a file is at least one run");

int al_cmd_view(const struct al_cli *cli)
{
	struct viz_run *runs = calloc(VIZ_MAX_RUNS, sizeof *runs);
	int nruns = 0, status = 0;
	const char *one = cli->scenario;
	const char *const *files = cli->nfiles > 0 ? cli->files : &one;
	int nfiles = cli->nfiles > 0 ? cli->nfiles : 1;

	if (!runs) {
		fprintf(stderr, "asynclab: view: out of memory\n");
		return 1;
	}
	for (int i = 0; i < nfiles; i++) {
		const char *why = unviewable(files[i]);

		if (why) {
			fprintf(stderr, "asynclab: view: %s: %s\n", files[i], why);
			free(runs);
			return 2;
		}
	}
	if ((status = al_outputs_check(cli)) != 0) {
		free(runs);
		return status;
	}
	/* file after file, each adding its runs: a run file its one or two, a
	 * scenario one simulated; past VIZ_MAX_RUNS runs, said and refused */
	for (int i = 0; i < nfiles && status < 2; i++) {
		int n = 0, st;

		if (nruns == VIZ_MAX_RUNS) {
			fprintf(stderr, "asynclab: view: %s: at most %d runs at once (each is "
				"held in memory whole), and the files before it hold them\n",
				files[i], VIZ_MAX_RUNS);
			status = 2;
			break;
		}
		if (viz_file_is_run(files[i])) {
			st = load_saved(cli, files[i], &runs[nruns], VIZ_MAX_RUNS - nruns, &n);
		} else {
			struct al_cli one_cli = *cli;

			one_cli.scenario = files[i];
			st = simulate(&one_cli, &runs[nruns]);
			n = st < 2 ? 1 : 0;
			if (st == 2)        /* simulate() keeps what it ran until freed */
				viz_run_free(&runs[nruns]);
		}
		label_runs(files[i], &runs[nruns], n);
		nruns += n;
		if (st > status)
			status = st;
	}
	if (status < 2) {
		int o = cli->png_path || cli->trace_path ? al_run_outputs(cli, runs, nruns)
							: al_view_window(cli, runs, nruns);
		if (o > status)
			status = o;
	}
	for (int i = 0; i < nruns; i++)
		viz_run_free(&runs[i]);
	free(runs);
	return status;
}
