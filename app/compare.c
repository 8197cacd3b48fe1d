/* `asynclab compare A B` (compare.h): two results, model by model.
 *
 * A result is a run file (`run --save`) or the JSON of `run --json`.
 * JSON is read with the scenario files' YAML reader: the JSON we write is
 * YAML too (flow style, double-quoted keys), so no second parser is
 * needed.  The figures compared are the table's; a difference is B
 * against A, in % of A. */
#include "app/compare.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/scenario_tree.h"
#include "report/table.h"
#include "core/al_units.h"
#include "viz/viz_file.h"

#define NFIG 6

static const char *const fig_name[NFIG] = {
	"elapsed", "pages/s", "CPU busy", "peak memory", "ctx switches", "total p99",
};

struct side {
	char name[256];
	int n;
	enum al_model model[AL_MODEL_COUNT];
	double fig[AL_MODEL_COUNT][NFIG];
	int64_t failed[AL_MODEL_COUNT];
};

static void put(struct side *s, enum al_model m, int64_t elapsed, int64_t ok, int64_t failed,
		int64_t cpu, int64_t mem, int64_t cs, int64_t p99)
{
	int i = s->n++;

	s->model[i] = m;
	s->fig[i][0] = (double)elapsed;
	s->fig[i][1] = elapsed > 0 ? (double)ok * 1e9 / (double)elapsed : 0;
	s->fig[i][2] = (double)cpu;
	s->fig[i][3] = (double)mem;
	s->fig[i][4] = (double)cs;
	s->fig[i][5] = (double)p99;
	s->failed[i] = failed;
}

static int from_run_file(struct side *s, const char *path, char *err, size_t errlen)
{
	static struct viz_run runs[VIZ_MAX_RUNS];
	int nruns = 0;

	if (viz_file_load(path, runs, VIZ_MAX_RUNS, &nruns, err, errlen) != 0)
		return -1;
	for (int i = 0; i < runs[0].nmodels && s->n < AL_MODEL_COUNT; i++) {
		const struct al_report *r = &runs[0].models[i].report;
		put(s, r->model, r->elapsed_ns, r->pages_ok, r->pages_failed, r->cpu_busy_ns,
		    r->peak_memory_bytes, r->context_switches, r->latency.of[AL_LAT_TOTAL].p99_ns);
	}
	for (int r = 0; r < nruns; r++)
		viz_run_free(&runs[r]);
	return 0;
}

static int64_t num(const struct al_ynode *map, const char *key)
{
	const struct al_ynode *v = map ? al_ynode_get(map, key, NULL) : NULL;

	return v && v->type == AL_YSCALAR ? strtoll(v->str, NULL, 10) : 0;
}

static int from_json(struct side *s, const char *path, const char *text, size_t len,
		     char *err, size_t errlen)
{
	struct al_ynode *root = NULL;
	struct al_yerr ye = {.file = path, .buf = err, .len = errlen, .quiet = true};
	const struct al_ynode *models;

	if (al_ytree_parse(text, len, &root, &ye) != 0)
		return -1;
	models = root && root->type == AL_YMAP ? al_ynode_get(root, "models", NULL) : NULL;
	if (!models || models->type != AL_YSEQ) {
		al_ytree_free(root);
		return al_errf(err, errlen, "%s: neither a run file nor the JSON of run --json "
			       "(no \"models\" list)", path);
	}
	for (size_t i = 0; i < models->nkid && s->n < AL_MODEL_COUNT; i++) {
		const struct al_ynode *m = models->kid[i], *name = al_ynode_get(m, "model", NULL);
		const struct al_ynode *lat = al_ynode_get(m, "latency", NULL);
		const struct al_ynode *tot = lat ? al_ynode_get(lat, "total", NULL) : NULL;
		int md = name && name->type == AL_YSCALAR ? al_model_parse(name->str) : -1;

		if (m->type != AL_YMAP || md < 0)
			continue;
		put(s, (enum al_model)md, num(m, "elapsed_ns"), num(m, "pages_ok"),
		    num(m, "pages_failed"), num(m, "cpu_busy_ns"), num(m, "peak_memory_bytes"),
		    num(m, "context_switches"), num(tot, "p99_ns"));
	}
	al_ytree_free(root);
	if (s->n == 0)
		return al_errf(err, errlen, "%s: no model's figures in its \"models\" list "
			       "(not the JSON of run --json?)", path);
	return 0;
}

static int load(struct side *s, const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	snprintf(s->name, sizeof s->name, "%s", path);
	if (viz_file_is_run(path))
		return from_run_file(s, path, err, errlen);
	if (!(f = fopen(path, "rb")))
		return al_errf(err, errlen, "%s: %s", path, strerror(errno));
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return al_errf(err, errlen, "%s: out of memory", path);
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	rc = from_json(s, path, buf ? buf : "", len, err, errlen);
	free(buf);
	return rc;
}

static void pct(char *buf, size_t n, double a, double b)
{
	if (a == 0 && b == 0)
		snprintf(buf, n, "=");
	else if (a == 0)
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%+.1f %%", (b - a) * 100 / a);
}

int al_cmd_compare(const struct al_cli *cli, bool bold)
{
	static struct side a, b;
	struct al_table tb;
	char err[1024], align[NFIG + 2];
	int rows = 0;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	if (load(&a, cli->scenario, err, sizeof err) != 0 ||
	    load(&b, cli->second, err, sizeof err) != 0) {
		fprintf(stderr, "asynclab: compare: %s\n", err);
		return 2;
	}
	memset(align, 'r', NFIG + 1);
	align[0] = 'l';
	align[NFIG + 1] = '\0';
	al_table_init(&tb, NFIG + 1, align);
	al_table_cell(&tb, "model");
	for (int f = 0; f < NFIG; f++)
		al_table_cell(&tb, "%s", fig_name[f]);
	for (int i = 0; i < a.n; i++)
		for (int j = 0; j < b.n; j++) {
			if (a.model[i] != b.model[j])
				continue;
			al_table_cell(&tb, "%s%s", al_model_name(a.model[i]),
				      a.failed[i] || b.failed[j] ? " (pages failed)" : "");
			for (int f = 0; f < NFIG; f++) {
				char c[32];
				pct(c, sizeof c, a.fig[i][f], b.fig[j][f]);
				al_table_cell(&tb, "%s", c);
			}
			rows++;
		}
	if (rows == 0) {
		fprintf(stderr, "asynclab: compare: %s and %s have no model in common\n", a.name,
			b.name);
		return 2;
	}
	printf("%s against %s, in %% of the first:\n", b.name, a.name);
	cli->markdown ? al_table_print_markdown(&tb, stdout) : al_table_print(&tb, stdout, 2, bold);
	return 0;
}
