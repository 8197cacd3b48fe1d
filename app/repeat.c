/* Repetitions of a run: --seeds on the simulator, --runs and --warmup on
 * real sockets, each model's figures summarised over the runs.  The runs
 * themselves are the ordinary ones (sim_run_model, real_run_model); this
 * file only loops and sums, and stays out of cmd_run.c's way. */
#include "app/repeat.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/backend.h"
#include "report/json.h"
#include "app/outputs.h"
#include "app/progress.h"
#include "net/net_run_machine.h"
#include "net/net_run.h"
#include "report/report.h"
#include "sim/sim_run.h"
#include "report/table.h"
#include "core/al_units.h"
#include "core/al_write.h"

enum fig_kind { K_NS, K_BYTES, K_COUNT, K_RATIO };

/* A figure of the report: its JSON name (the run's own), where it is. */
struct fig {
	const char *key, *label;
	enum fig_kind kind;
	size_t off;
	bool table;                  /* in the terminal's table too */
};

#define R(m) offsetof(struct al_report, m)
#define LAT(k, p) offsetof(struct al_report, latency.of[k].p)

static const struct fig figs[] = {
	{"elapsed_ns", "elapsed", K_NS, R(elapsed_ns), true},
	{"speedup", "speed-up", K_RATIO, R(speedup), true},
	{"pages_ok", "pages ok", K_COUNT, R(pages_ok), true},
	{"pages_failed", "pages failed", K_COUNT, R(pages_failed), true},
	{"bytes", "bytes", K_BYTES, R(bytes), false},
	{"cpu_busy_ns", "CPU busy", K_NS, R(cpu_busy_ns), true},
	{"context_switches", "ctx switches", K_COUNT, R(context_switches), true},
	{"syscalls", "syscalls", K_COUNT, R(syscalls), false},
	{"futile_syscalls", "futile syscalls", K_COUNT, R(futile_syscalls), false},
	{"peak_memory_bytes", "peak memory", K_BYTES, R(peak_memory_bytes), true},
	{"peak_concurrency", "peak conc.", K_COUNT, R(peak_concurrency), false},
	{"connect_p50_ns", "connect p50", K_NS, LAT(AL_LAT_CONNECT, p50_ns), false},
	{"connect_p99_ns", "connect p99", K_NS, LAT(AL_LAT_CONNECT, p99_ns), false},
	{"ttfb_p50_ns", "ttfb p50", K_NS, LAT(AL_LAT_TTFB, p50_ns), false},
	{"ttfb_p99_ns", "ttfb p99", K_NS, LAT(AL_LAT_TTFB, p99_ns), false},
	{"total_p50_ns", "total p50", K_NS, LAT(AL_LAT_TOTAL, p50_ns), true},
	{"total_p90_ns", "total p90", K_NS, LAT(AL_LAT_TOTAL, p90_ns), false},
	{"total_p99_ns", "total p99", K_NS, LAT(AL_LAT_TOTAL, p99_ns), true},
	{"total_max_ns", "total max", K_NS, LAT(AL_LAT_TOTAL, max_ns), false},
};
#define NFIGS ((int)(sizeof figs / sizeof figs[0]))

static double fig_get(const struct fig *f, const struct al_report *r)
{
	const char *p = (const char *)r + f->off;

	if (f->kind == K_RATIO)
		return *(const double *)(const void *)p;
	return (double)*(const int64_t *)(const void *)p;
}

void al_stat_add(struct al_stat *s, double v)
{
	double d = v - s->mean;

	if (s->n == 0 || v < s->min)
		s->min = v;
	if (s->n == 0 || v > s->max)
		s->max = v;
	s->n++;
	s->mean += d / (double)s->n;
	s->m2 += d * (v - s->mean);
}

double al_stat_sd(const struct al_stat *s)
{
	return s->n < 2 ? 0 : sqrt(s->m2 / (double)(s->n - 1));
}

/* Every model's summary, by enum al_model. */
struct summary {
	struct al_stat st[AL_MODEL_COUNT][NFIGS];
	unsigned ran;                /* models with at least one row */
};

static void take(struct summary *s, const struct al_run_set *rs)
{
	for (int i = 0; i < rs->nrows; i++) {
		const struct al_report *r = &rs->rows[i];
		for (int f = 0; f < NFIGS; f++) {
			double v = fig_get(&figs[f], r);
			/* a speed-up of 0 is "not available" (no sync), not a value */
			if (figs[f].kind != K_RATIO || v > 0)
				al_stat_add(&s->st[r->model][f], v);
		}
		s->ran |= 1u << r->model;
	}
}

/* --- output */

static void fmt(char *b, size_t n, enum fig_kind k, double v)
{
	switch (k) {
	case K_NS: al_fmt_duration(b, n, (int64_t)llround(v)); break;
	case K_BYTES: al_fmt_bytes(b, n, (int64_t)llround(v)); break;
	case K_RATIO: snprintf(b, n, "%.2f×", v); break;
	case K_COUNT:
		if (v == floor(v))
			al_fmt_count(b, n, (int64_t)v);
		else
			snprintf(b, n, "%.1f", v);
		break;
	}
}

static void print_table(FILE *out, const struct summary *s, bool bold, bool markdown)
{
	char a[AL_FMT_LEN], b[AL_FMT_LEN];

	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct al_table t;

		if (!(s->ran & (1u << m)))
			continue;
		al_table_init(&t, 5, "lrrrr");
		al_table_cell(&t, "%s, %lld runs", al_model_name((enum al_model)m),
			      (long long)s->st[m][0].n);
		al_table_cell(&t, "mean");
		al_table_cell(&t, "± sd");
		al_table_cell(&t, "min");
		al_table_cell(&t, "max");
		for (int f = 0; f < NFIGS; f++) {
			const struct al_stat *st = &s->st[m][f];
			if (!figs[f].table || st->n == 0)
				continue;
			al_table_cell(&t, "%s", figs[f].label);
			fmt(a, sizeof a, figs[f].kind, st->mean);
			al_table_cell(&t, "%s", a);
			fmt(b, sizeof b, figs[f].kind, al_stat_sd(st));
			al_table_cell(&t, "± %s", b);
			fmt(a, sizeof a, figs[f].kind, st->min);
			al_table_cell(&t, "%s", a);
			fmt(a, sizeof a, figs[f].kind, st->max);
			al_table_cell(&t, "%s", a);
		}
		if (markdown)
			al_table_print_markdown(&t, out);
		else
			al_table_print(&t, out, 2, bold);
		fputc('\n', out);
	}
}

/* The CSV: one line per model and figure (a long table, for a
 * spreadsheet's pivot or pandas). */
struct csv_arg {
	const struct al_scenario *sc;
	const char *net;
	const struct summary *s;
};

static int fill_csv(FILE *out, void *arg)
{
	const struct csv_arg *a = arg;

	fputs("scenario,net,model,figure,runs,mean,sd,min,max\n", out);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		if (!(a->s->ran & (1u << m)))
			continue;
		for (int f = 0; f < NFIGS; f++) {
			const struct al_stat *st = &a->s->st[m][f];
			int dec = figs[f].kind == K_RATIO ? 4 : 1;

			al_csv_str(out, a->sc->name);
			fprintf(out, ",%s,%s,%s,%lld", a->net, al_model_name((enum al_model)m),
				figs[f].key, (long long)st->n);
			if (st->n > 0)
				fprintf(out, ",%.*f,%.*f,%.*f,%.*f\n", dec, st->mean, dec,
					al_stat_sd(st), dec == 4 ? 4 : 0, st->min, dec == 4 ? 4 : 0,
					st->max);
			else
				fputs(",,,,\n", out);
		}
	}
	return 0;
}

struct json_arg {
	const struct al_cli *cli;
	const struct al_scenario *sc;
	const char *net;
	const struct summary *s;
};

static void print_json(FILE *out, const struct al_cli *cli, const struct al_scenario *sc,
		       const char *net, const struct summary *s);

static int fill_json(FILE *out, void *arg)
{
	const struct json_arg *a = arg;

	print_json(out, a->cli, a->sc, a->net, a->s);
	return 0;
}

/* --json=FILE, --csv FILE: 0, or the exit status of a file not written. */
static int write_files(const struct al_cli *cli, const struct al_scenario *sc, const char *net,
		       const struct summary *s)
{
	struct json_arg ja = {cli, sc, net, s};
	struct csv_arg ca = {sc, net, s};
	char err[512];
	int status = 0, r;

	if (cli->csv_path && strcmp(cli->csv_path, "-") == 0)
		fill_csv(stdout, &ca);
	else if (cli->csv_path &&
		 (r = al_write_file(NULL, cli->csv_path, fill_csv, &ca, err, sizeof err)) != 0) {
		fprintf(stderr, "asynclab: --csv %s\n", err);
		status = r;
	}
	if (cli->json_path &&
	    (r = al_write_file(NULL, cli->json_path, fill_json, &ja, err, sizeof err)) != 0) {
		fprintf(stderr, "asynclab: --json %s\n", err);
		status = r > status ? r : status;
	}
	return status;
}

static void print_json(FILE *out, const struct al_cli *cli, const struct al_scenario *sc,
		       const char *net, const struct summary *s)
{
	struct al_json j;
	char n[24];

	al_json_init(&j, out);
	al_json_begin_object(&j);
	al_json_key(&j, "scenario");
	al_json_str(&j, sc->name[0] ? sc->name : sc->path[0] ? sc->path : "default");
	al_json_key(&j, "net");
	al_json_str(&j, net);
	if (cli->seeds_set) {           /* as strings too: exact above 2^53 */
		al_json_key(&j, "seeds");
		al_json_begin_object(&j);
		al_json_key(&j, "from");
		al_json_u64(&j, cli->seed_lo);
		al_json_key(&j, "to");
		al_json_u64(&j, cli->seed_hi);
		snprintf(n, sizeof n, "%llu", (unsigned long long)cli->seed_lo);
		al_json_key(&j, "from_str");
		al_json_str(&j, n);
		snprintf(n, sizeof n, "%llu", (unsigned long long)cli->seed_hi);
		al_json_key(&j, "to_str");
		al_json_str(&j, n);
		al_json_end_object(&j);
	} else {
		al_json_key(&j, "seed");
		al_json_u64(&j, sc->seed);
		al_json_key(&j, "runs");
		al_json_i64(&j, cli->runs);
		al_json_key(&j, "warmup");
		al_json_i64(&j, cli->warmup);
	}
	al_json_key(&j, "models");
	al_json_begin_array(&j);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		if (!(s->ran & (1u << m)))
			continue;
		al_json_begin_object(&j);
		al_json_key(&j, "model");
		al_json_str(&j, al_model_name((enum al_model)m));
		al_json_key(&j, "runs");
		al_json_i64(&j, s->st[m][0].n);
		for (int f = 0; f < NFIGS; f++) {
			const struct al_stat *st = &s->st[m][f];
			int dec = figs[f].kind == K_RATIO ? 4 : 1;
			al_json_key(&j, figs[f].key);
			if (st->n == 0) {
				al_json_null(&j);
				continue;
			}
			al_json_begin_object(&j);
			al_json_key(&j, "mean");
			al_json_fixed(&j, st->mean, dec);
			al_json_key(&j, "sd");
			al_json_fixed(&j, al_stat_sd(st), dec);
			al_json_key(&j, "min");
			al_json_fixed(&j, st->min, figs[f].kind == K_RATIO ? 4 : 0);
			al_json_key(&j, "max");
			al_json_fixed(&j, st->max, figs[f].kind == K_RATIO ? 4 : 0);
			al_json_end_object(&j);
		}
		al_json_end_object(&j);
	}
	al_json_end_array(&j);
	al_json_end_object(&j);
	al_json_finish(&j);
}

/* Real runs: elapsed that varies more than 10 % of its mean is a noisy
 * machine's, said once per model (as hyperfine warns). */
static void warn_noise(const struct summary *s)
{
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_stat *st = &s->st[m][0];
		double cv = st->mean > 0 ? al_stat_sd(st) / st->mean : 0;

		if ((s->ran & (1u << m)) && cv > 0.10)
			fprintf(stderr, "asynclab: run: warning: %s's elapsed varies by %.0f %% "
				"of its mean over %lld runs (sd/mean > 10 %%): the machine is "
				"busy or the run too short; more --runs, --warmup or a quieter "
				"machine\n", al_model_name((enum al_model)m), cv * 100,
				(long long)st->n);
	}
}

/* --- the runs */

/* Which options do not go with repetitions: 0, or 2 after saying why.
 * kept: the runs --save, --trace, --png and --view would keep (0: none). */
static int refuse(const struct al_cli *cli, bool real, const struct al_scenario *sc, int kept)
{
	const char *why = NULL;

	if (kept > VIZ_MAX_RUNS) {
		fprintf(stderr, "asynclab: run: --save, --trace, --png and --view keep every "
			"run's traces: at most %d runs (%d asked)\n", VIZ_MAX_RUNS, kept);
		return 2;
	}
	if (kept && !sc->trace)
		why = "--save, --trace, --png and --view need the trace, which these runs do "
		      "not record (trace: false, or --no-trace)";
	else if (cli->seeds_set && cli->runs)
		why = "--seeds (simulated runs, one per seed) and --runs (real runs of "
		      "one seed) do not go together";
	else if (cli->seeds_set && cli->seed_set)
		why = "--seeds and --seed do not go together";
	else if (cli->seeds_set && real)
		why = "--seeds: a real run's origin server serves one seed; repeat real "
		      "runs with --runs N";
	else if (cli->runs && !real)
		why = "--runs: the simulator gives the same answer every run; vary its "
		      "seed with --seeds A..B";
	else if (cli->warmup && !cli->runs)
		why = "--warmup K goes with --runs N (real runs)";
	else if (cli->target || cli->net == AL_CLI_NET_BOTH)
		why = "--runs repeats a real run against our origin server: not with "
		      "--target or --net both yet";
	else if (real && sc->nevents > 0)
		why = "the scenario's timed events are not applied on real sockets yet";
	if (!why)
		return 0;
	fprintf(stderr, "asynclab: run: %s\n", why);
	return 2;
}

/* One run of every enabled model into rs, and with keep its traces and
 * rows there too (keep->models[i] is rs->rows[i]); 1 when a model could
 * not run. */
static int run_once(const struct al_scenario *sc, const struct al_backend *be,
		    struct real_net *rn, struct al_run_set *rs, struct viz_run *keep)
{
	char err[512];
	int broken = 0;

	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct al_report *r = &rs->rows[rs->nrows];
		struct al_trace *tr = keep ? &keep->models[keep->nmodels].trace : NULL;

		if (!sc->models[m].enabled)
			continue;
		err[0] = '\0';
		if (tr && al_trace_init(tr, AL_TRACE_RECORD) != 0) {
			fprintf(stderr, "asynclab: run: out of memory\n");
			return -1;
		}
		int rc = al_backend_run(be, rn, sc, (enum al_model)m, r, tr, err, sizeof err);
		if (rc == 0 || errno == EDEADLK) {
			r->model = (enum al_model)m;
			rs->nrows++;
			if (keep)
				keep->nmodels++;
		} else if (tr) {
			al_trace_free(tr);
		}
		if (rc != 0) {
			fprintf(stderr, "asynclab: run: %s%s, seed %llu: %s\n", be->label,
				al_model_name((enum al_model)m), (unsigned long long)sc->seed,
				err[0] ? err : strerror(errno));
			broken = 1;
		}
		if (rn && real_net_dead(rn, err, sizeof err)) {
			fprintf(stderr, "asynclab: run: real: %s: the runs stop here\n", err);
			return -1;
		}
	}
	al_run_set_speedups(rs);
	for (int i = 0; keep && i < keep->nmodels; i++)
		keep->models[i].report = rs->rows[i];
	return broken;
}

int al_cmd_repeat(const struct al_cli *cli, struct al_scenario *sc, bool bold)
{
	bool real = cli->net != AL_CLI_NET_SIM || cli->target;
	struct real_net rn;
	struct summary *s;
	char err[512];
	int status, total, failed = 0;
	/* --save, --trace, --png, --view: every run kept (warm-ups aside),
	 * one scene of them, a run a band (docs/timelines.md) */
	bool keep = cli->save_path || cli->trace_path || cli->png_path || cli->view;
	int kept = !keep ? 0 : cli->seeds_set ? (int)(cli->seed_hi - cli->seed_lo + 1) : cli->runs;
	struct viz_run *runs = NULL;
	int nkept = 0;

	if ((status = refuse(cli, real, sc, kept)) != 0 || (status = al_outputs_check(cli)) != 0)
		return status;
	if (!real && sim_run_fits(sc, keep, err, sizeof err) != 0) {
		fprintf(stderr, "asynclab: run: %s\n", err);
		return 2;
	}
	if (real && (status = real_machine_tasks_fit(sc)) != 0)
		return status;
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (keep && (runs = calloc((size_t)kept, sizeof *runs)) == NULL)) {
		fprintf(stderr, "asynclab: run: out of memory\n");
		free(s);
		return 1;
	}
	if (real) {
		enum real_path want = cli->path == AL_CLI_PATH_KERNEL ? REAL_PATH_KERNEL :
				      cli->path == AL_CLI_PATH_RELAY ? REAL_PATH_RELAY : REAL_PATH_AUTO;
		real_machine_notes(sc);
		if (real_net_start_path(sc, NULL, want, &rn, err, sizeof err) != 0) {
			fprintf(stderr, "asynclab: run: %s\n", err);
			real_net_stop(&rn);
			free(s);
			free(runs);
			return 1;
		}
		if (rn.fallback[0])
			fprintf(stderr, "asynclab: run: note: no kernel-TCP path here (%s): "
				"relaying through the userspace link emulator\n", rn.fallback);
	}
	total = cli->seeds_set ? (int)(cli->seed_hi - cli->seed_lo + 1) : cli->warmup + cli->runs;
	struct al_progress prog;
	int done = 0;
	al_interrupt_catch();
	al_progress_start(&prog, "run", "runs", total);
	for (int i = 0; i < total && !al_interrupted(); i++) {
		struct al_run_set rs = {.sc = sc, .net = real ? "real" : "sim"};

		struct viz_run *vr = NULL;

		if (cli->seeds_set)
			sc->seed = cli->seed_lo + (uint64_t)i;
		if (runs && i >= (cli->seeds_set ? 0 : cli->warmup)) {
			vr = &runs[nkept++];
			al_run_describe(vr, real ? "real" : "sim", sc,
					real ? real_machine_cores(sc) : sc->machine.cores);
			if (cli->seeds_set)
				snprintf(vr->label, sizeof vr->label, "seed %llu",
					 (unsigned long long)sc->seed);
			else
				snprintf(vr->label, sizeof vr->label, "run %d", nkept);
		}
		al_progress_step(&prog, i);
		int b = run_once(sc, real ? &al_backend_real : &al_backend_sim, real ? &rn : NULL,
				 &rs, vr);
		/* a run Ctrl-C cut short (its helpers got it too) is not one */
		if (al_interrupted())
			break;
		if (b < 0) {
			failed = 1;
			break;
		}
		done++;
		failed |= b || al_run_set_failed(&rs);
		if (i >= (cli->seeds_set ? 0 : cli->warmup))
			take(s, &rs);
	}
	al_progress_end(&prog);
	if (al_interrupted())           /* Ctrl-C: the summary of what finished, 130 */
		fprintf(stderr, "asynclab: run: interrupted: %d of %d runs finished, their "
			"summary below\n", done, total);
	if (real)
		real_net_stop(&rn);
	bool csv_out = cli->csv_path && strcmp(cli->csv_path, "-") == 0;
	if (cli->json) {
		print_json(stdout, cli, sc, real ? "real" : "sim", s);
	} else if (!csv_out) {
		char pages[AL_FMT_LEN];
		al_fmt_count(pages, sizeof pages, sc->workload.pages);
		if (cli->seeds_set)
			printf("asynclab run: scenario %s, %s, seeds %llu..%llu (%d runs), %s "
			       "pages\n\n", sc->name, real ? "real" : "sim",
			       (unsigned long long)cli->seed_lo, (unsigned long long)cli->seed_hi,
			       total, pages);
		else
			printf("asynclab run: scenario %s, real, seed %llu, %d runs after %d "
			       "warm-up, %s pages\n\n", sc->name, (unsigned long long)sc->seed,
			       cli->runs, cli->warmup, pages);
		print_table(stdout, s, bold, cli->markdown);
		printf("  mean ± sample standard deviation over the runs; every figure in "
		       "--json.\n");
	}
	int w = write_files(cli, sc, real ? "real" : "sim", s);
	if (real)
		warn_noise(s);
	free(s);
	/* runs Ctrl-C cut short are not drawn nor saved, as run's */
	if (runs && !al_interrupted() && nkept > 0) {
		int o = al_run_outputs(cli, runs, nkept);
		if (o > w)
			w = o;
	}
	for (int i = 0; i < nkept; i++)
		viz_run_free(&runs[i]);
	free(runs);
	if (al_interrupted())
		return AL_EXIT_INTERRUPTED;
	return w > (failed ? 1 : 0) ? w : failed ? 1 : 0;
}
