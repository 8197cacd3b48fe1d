/* `sweep --emit DIR` and `merge DIR` (sweep_emit.h).
 *
 * The jobs are plain `asynclab run` lines: a point is the scenario with
 * the point's keys set by --set, after the sweep's own --set, and its
 * seed by --seed, which is how the sweep itself makes it (app/sweep.c,
 * point()); run computes the speed-ups among the same models, so each
 * job's CSV row and JSON object are the direct sweep's, figure for
 * figure.  Merge keeps them as text and hands them to the sweep's own
 * writers (sweep_out.h), which only put the varied values around them:
 * no number is parsed and printed again for --csv or --json, so nothing
 * can round; the table and the chart read the CSV's integers. */
#include "app/sweep_emit.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/outputs.h"
#include "report/report.h"
#include "conf/scenario_find.h"
#include "app/sweep_out.h"
#include "core/al_units.h"
#include "core/al_write.h"

#define MAX_TASKS 100000
#define LINE_MAX_LEN 4096

/* s in single quotes for sh: ' becomes '\''. */
static void shq(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++)
		*s == '\'' ? fputs("'\\''", out) : fputc(*s, out);
	fputc('\'', out);
}

struct emit {
	const struct al_cli *cli;
	const char *name;
	const struct al_sweep_axis *ax;
	int nax, nseeds, nmodels;
	uint64_t seed0;
	const enum al_model *models;
	char dir[PATH_MAX];
};

static void models_list(FILE *out, const struct emit *e)
{
	for (int k = 0; k < e->nmodels; k++)
		fprintf(out, "%s%s", k ? "," : "", al_model_name(e->models[k]));
}

static int fill_manifest(FILE *out, void *arg)
{
	const struct emit *e = arg;

	fputs("# asynclab sweep --emit: the sweep, as asynclab merge reads it\n", out);
	fprintf(out, "name %s\n", e->name);
	for (int a = 0; a < e->nax; a++)
		fprintf(out, "vary %s\n", e->cli->vary[a]);
	fprintf(out, "seeds %llu %d\nmodels ", (unsigned long long)e->seed0, e->nseeds);
	models_list(out, e);
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

static int fill_jobs(FILE *out, void *arg)
{
	const struct emit *e = arg;
	int npoints = 1;
	char path[PATH_MAX + 32];

	for (int a = 0; a < e->nax; a++)
		npoints *= e->ax[a].n;
	for (int t = 0; t < npoints * e->nseeds; t++) {
		fputs("asynclab run", out);
		if (e->cli->scenario) {
			snprintf(path, sizeof path, "%s/scenario.yaml", e->dir);
			fputc(' ', out);
			shq(out, path);
		}
		fputs(" --no-trace --models ", out);
		models_list(out, e);
		fprintf(out, " --seed %llu", (unsigned long long)(e->seed0 + (uint64_t)(t % e->nseeds)));
		for (int i = 0; i < e->cli->nsets; i++) {
			fputs(" --set ", out);
			shq(out, e->cli->sets[i]);
		}
		for (int a = 0; a < e->nax; a++) {
			char set[256];
			snprintf(set, sizeof set, "%s=%s", e->ax[a].key,
				 al_sweep_value(e->ax, e->nax, t / e->nseeds, a));
			fputs(" --set ", out);
			shq(out, set);
		}
		snprintf(path, sizeof path, "--json=%s/t%06d.json", e->dir, t);
		fputc(' ', out);
		shq(out, path);
		snprintf(path, sizeof path, "%s/t%06d.csv", e->dir, t);
		fputs(" --csv ", out);
		shq(out, path);
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}

/* The whole file at path, NUL-terminated (free it); NULL with errno. */
static char *read_all(const char *path, size_t *len)
{
	FILE *in = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (in && fseek(in, 0, SEEK_END) == 0 && (n = ftell(in)) >= 0 &&
	    fseek(in, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, in) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
			errno = EIO;
		}
	}
	if (in)
		fclose(in);
	return buf;
}

static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
	size_t n = 0;
	char *buf = read_all(from, &n);
	int rc = -1;

	if (!buf)
		al_errf(err, errlen, "%s: %s", from, strerror(errno ? errno : EIO));
	else if (al_write_text(NULL, to, buf, n, err, errlen) == 0)
		rc = 0;
	free(buf);
	return rc;
}

int al_sweep_emit(const struct al_cli *cli, const char *name, const struct al_sweep_axis *ax,
		  int nax,
		  int nseeds, uint64_t seed0, const enum al_model *models, int nmodels,
		  char *err, size_t errlen)
{
	struct emit e = {cli, name, ax, nax, nseeds, nmodels, seed0, models, ""};
	char path[PATH_MAX + 32], why[PATH_MAX + 64];

	if (mkdir(cli->emit_dir, 0777) != 0 && errno != EEXIST)
		return al_errf(err, errlen, "--emit %s: %s", cli->emit_dir, strerror(errno));
	if (!realpath(cli->emit_dir, e.dir))
		return al_errf(err, errlen, "--emit %s: %s", cli->emit_dir, strerror(errno));
	snprintf(path, sizeof path, "%s/scenario.yaml", e.dir);
	/* the file `sweep NAME` found, as run finds it */
	char found[PATH_MAX];
	if (cli->scenario &&
	    copy_file(al_scenario_find(cli->scenario, found, sizeof found), path, why,
		      sizeof why) != 0)
		return al_errf(err, errlen, "--emit %s: %s", cli->emit_dir, why);
	snprintf(path, sizeof path, "%s/sweep.txt", e.dir);
	if (al_write_file(NULL, path, fill_manifest, &e, why, sizeof why) != 0)
		return al_errf(err, errlen, "--emit %s: %s", cli->emit_dir, why);
	snprintf(path, sizeof path, "%s/jobs.txt", e.dir);
	if (al_write_file(NULL, path, fill_jobs, &e, why, sizeof why) != 0)
		return al_errf(err, errlen, "--emit %s: %s", cli->emit_dir, why);
	return 0;
}

/* --- merge */

struct merged {
	char name[256];              /* the scenario's: the chart's title */
	struct al_sweep_axis ax[AL_CLI_MAX_VARY];
	int nax, nseeds, nmodels, ntasks;
	uint64_t seed0;
	enum al_model models[AL_MODEL_COUNT];
	char **figs;                 /* [task][model]: the CSV's figures, as text */
	char **rows;                 /* the same: the JSON's object, as text */
	struct al_report *res;       /* the same, read for the chart */
	char *ran;
};

static int read_manifest(struct merged *m, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], line[LINE_MAX_LEN];
	FILE *f;
	int have_seeds = 0, npoints = 1;

	snprintf(path, sizeof path, "%s/sweep.txt", dir);
	if (!(f = fopen(path, "r")))
		return al_errf(err, errlen, "merge: %s: %s (not a sweep --emit directory?)", path,
			       strerror(errno));
	while (fgets(line, sizeof line, f)) {
		unsigned long long s0;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "name ", 5) == 0) {
			snprintf(m->name, sizeof m->name, "%.200s", line + 5);
		} else if (strncmp(line, "vary ", 5) == 0 && m->nax < AL_CLI_MAX_VARY) {
			if (al_sweep_axis_parse(line + 5, &m->ax[m->nax++], err, errlen) < 0)
				goto bad;
			npoints *= m->ax[m->nax - 1].n;
		} else if (sscanf(line, "seeds %llu %d", &s0, &m->nseeds) == 2) {
			m->seed0 = s0;
			have_seeds = m->nseeds > 0;
		} else if (strncmp(line, "models ", 7) == 0) {
			for (char *p = line + 7, *c; *p; p = c + (*c != '\0')) {
				c = p + strcspn(p, ",");
				char name[32];
				snprintf(name, sizeof name, "%.*s", (int)(c - p), p);
				int md = al_model_parse(name);
				if (md < 0 || m->nmodels == AL_MODEL_COUNT) {
					al_errf(err, errlen, "merge: %s: no model '%s'", path, name);
					goto bad;
				}
				m->models[m->nmodels++] = (enum al_model)md;
			}
		}
	}
	fclose(f);
	if (m->nax == 0 || !have_seeds || m->nmodels == 0 ||
	    (int64_t)npoints * m->nseeds > MAX_TASKS)
		return al_errf(err, errlen, "merge: %s: no vary, seeds or models line", path);
	m->ntasks = npoints * m->nseeds;
	return 0;
bad:
	fclose(f);
	return -1;
}

/* The figures of a run --csv row, "scenario,seed,net,model,FIGURES": the
 * model and where FIGURES start; NULL when the row is not one. */
static char *row_figures(char *row, char **model)
{
	char *p = row;

	if (*p == '"') {             /* a quoted scenario name, "" inside */
		for (p++; *p && !(*p == '"' && p[1] != '"'); p += *p == '"' ? 2 : 1)
			;
		if (*p++ != '"')
			return NULL;
	} else {
		p += strcspn(p, ",");
	}
	for (int f = 0; f < 3; f++) {  /* to the model */
		if (*p != ',')
			return NULL;
		if (f == 2)
			*model = p + 1;
		p += 1 + strcspn(p + 1, ",");
	}
	if (*p != ',')
		return NULL;
	*p = '\0';
	return p + 1;
}

/* FIGURES (al_report_csv_names' order) into r, for the chart. */
static void parse_figures(const char *s, struct al_report *r)
{
	int64_t v[13 + 4 * AL_LAT_KINDS] = {0};
	char *end;

	for (size_t i = 0; i < sizeof v / sizeof v[0] && *s; i++) {
		v[i] = i == 5 ? (int64_t)strtoull(s, &end, 16) : strtoll(s, &end, 10);
		s = end + strcspn(end, ",");
		s += *s == ',';
	}
	r->elapsed_ns = v[0];
	r->pages_ok = v[2];
	r->pages_failed = v[3];
	r->bytes = v[4];
	r->checksum = (uint64_t)v[5];
	r->cpu_busy_ns = v[6];
	r->context_switches = v[7];
	r->syscalls = v[8];
	r->futile_syscalls = v[9];
	r->peak_memory_bytes = v[10];
	r->peak_concurrency = v[11];
	r->events = (uint64_t)v[12];
	r->latency.pages = r->pages_ok;
	for (int k = 0; k < AL_LAT_KINDS; k++) {
		r->latency.of[k].p50_ns = v[13 + 4 * k];
		r->latency.of[k].p90_ns = v[14 + 4 * k];
		r->latency.of[k].p99_ns = v[15 + 4 * k];
		r->latency.of[k].max_ns = v[16 + 4 * k];
	}
}

/* Task t's results: 0, or -1 (said) when its file is missing or short. */
static int read_task(struct merged *m, const char *dir, int t)
{
	char path[PATH_MAX + 32], line[LINE_MAX_LEN];
	FILE *f;
	int rows = 0;

	snprintf(path, sizeof path, "%s/t%06d.csv", dir, t);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "asynclab: merge: %s: %s (line %d of jobs.txt not run?)\n", path,
			strerror(errno), t + 1);
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char *model = NULL, *figs;
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "scenario,", 9) == 0 || !(figs = row_figures(line, &model)))
			continue;
		for (int k = 0; k < m->nmodels; k++) {
			size_t at = (size_t)t * (size_t)m->nmodels + (size_t)k;
			if (strcmp(model, al_model_name(m->models[k])) != 0 || m->ran[at])
				continue;
			if (!(m->figs[at] = strdup(figs)))
				break;
			m->ran[at] = 1;
			m->res[at].model = m->models[k];
			parse_figures(figs, &m->res[at]);
			rows++;
		}
	}
	fclose(f);
	if (rows < m->nmodels)
		fprintf(stderr, "asynclab: merge: %s: %d of %d models\n", path, rows, m->nmodels);
	return rows < m->nmodels ? -1 : 0;
}

/* Task t's JSON objects, for the slots its CSV filled: a run --json
 * writes each model's object at depth 2, from a line "    {" to a line
 * "    }", its model on the line after.  A slot with no object is left
 * out of every output, as a missing result.  0, or -1 (said). */
static int read_rows(struct merged *m, const char *dir, int t)
{
	char path[PATH_MAX + 32];
	size_t len = 0;
	char *text;
	int missing = 0;

	snprintf(path, sizeof path, "%s/t%06d.json", dir, t);
	text = read_all(path, &len);
	for (char *p = text ? strstr(text, "\n    {\n") : NULL; p; p = strstr(p, "\n    {\n")) {
		char *end = strstr(p + 1, "\n    }"), name[32];

		if (!end || sscanf(p + 7, " \"model\": \"%31[^\"]\"", name) != 1)
			break;
		end += 6;               /* past the closing brace */
		for (int k = 0; k < m->nmodels; k++) {
			size_t at = (size_t)t * (size_t)m->nmodels + (size_t)k;
			if (strcmp(name, al_model_name(m->models[k])) != 0 || !m->ran[at] ||
			    m->rows[at])
				continue;
			/* from the brace: the writer puts the indentation */
			if ((m->rows[at] = malloc((size_t)(end - p))) != NULL)
				snprintf(m->rows[at], (size_t)(end - p - 4), "%s", p + 5);
		}
		p = end;
	}
	for (int k = 0; k < m->nmodels; k++) {
		size_t at = (size_t)t * (size_t)m->nmodels + (size_t)k;
		if (m->ran[at] && !m->rows[at]) {
			m->ran[at] = 0;
			missing++;
		}
	}
	if (missing)
		fprintf(stderr, "asynclab: merge: %s: %s (line %d of jobs.txt not run?)\n", path,
			text ? "a model's object is missing" : strerror(errno), t + 1);
	free(text);
	return missing ? -1 : 0;
}

int al_cmd_merge(const struct al_cli *cli, bool bold)
{
	struct merged m = {0};
	char err[PATH_MAX + 256];
	int status = 2;
	size_t n;

	if (al_outputs_check(cli) != 0)
		return 2;
	if (read_manifest(&m, cli->scenario, err, sizeof err) < 0) {
		fprintf(stderr, "asynclab: %s\n", err);
		goto out;
	}
	n = (size_t)m.ntasks * (size_t)m.nmodels;
	m.figs = calloc(n, sizeof *m.figs);
	m.rows = calloc(n, sizeof *m.rows);
	m.res = calloc(n, sizeof *m.res);
	m.ran = calloc(n, 1);
	if (!m.figs || !m.rows || !m.res || !m.ran) {
		fprintf(stderr, "asynclab: merge: out of memory\n");
		status = 1;
		goto out;
	}
	status = 0;
	for (int t = 0; t < m.ntasks; t++)
		if (read_task(&m, cli->scenario, t) < 0 || read_rows(&m, cli->scenario, t) < 0)
			status = 1;
	for (size_t i = 0; i < n; i++)
		if (m.ran[i] && m.res[i].pages_failed > 0)
			status = 1;
	struct al_sweep_result sr = {m.name[0] ? m.name : cli->scenario, m.ax, m.nax, m.nseeds,
				     m.nmodels, m.seed0, m.models, m.res, m.ran, m.figs, m.rows};
	int w = al_sweep_outputs(cli, &sr, bold);
	status = w > status ? w : status;
out:
	for (size_t i = 0; m.figs && i < (size_t)m.ntasks * (size_t)m.nmodels; i++) {
		free(m.figs[i]);
		free(m.rows ? m.rows[i] : NULL);
	}
	free(m.figs);
	free(m.rows);
	free(m.res);
	free(m.ran);
	for (int a = 0; a < m.nax; a++)
		al_sweep_axis_free(&m.ax[a]);
	return status;
}
