/* A sweep's outputs (sweep_out.h).  The table, the CSV and the JSON walk
 * the tasks in order and the models in order, skipping the slots that
 * gave no row; a row is the reports' figures, or the text a run wrote
 * for it when the results came back as files (merge). */
#include "app/sweep_out.h"

#include <stdio.h>
#include <string.h>

#include "report/json.h"
#include "report/report.h"
#include "app/sweep_png.h"
#include "report/table.h"
#include "core/al_units.h"
#include "core/al_write.h"

const char *al_sweep_value(const struct al_sweep_axis *ax, int nax, int p, int a)
{
	int i = p;

	for (int k = nax - 1; k > a; k--)
		i /= ax[k].n;
	return ax[a].vals[i % ax[a].n];
}

static const char *value(const struct al_sweep_result *r, int t, int a)
{
	return al_sweep_value(r->ax, r->nax, t / r->nseeds, a);
}

static void table(const struct al_sweep_result *s, bool bold, bool markdown)
{
	struct al_table tb;
	int ncols = s->nax + (s->nseeds > 1) + 7, rows = 0;
	char a[AL_FMT_LEN], b[AL_FMT_LEN], align[AL_TABLE_MAX_COLS + 1];
	int ntasks = s->nseeds;

	for (int x = 0; x < s->nax; x++)
		ntasks *= s->ax[x].n;
	/* the varied values and the seed, the model, then the figures */
	for (int c = 0; c < ncols; c++)
		align[c] = c == s->nax + (s->nseeds > 1) ? 'l' : 'r';
	align[ncols] = '\0';
	for (int t = 0; t < ntasks; t++)
		for (int k = 0; k < s->nmodels; k++) {
			const struct al_report *r = &s->res[t * s->nmodels + k];
			if (!s->ran[t * s->nmodels + k])
				continue;
			if (rows == 0) {        /* a header every 36 rows: tables are short */
				al_table_init(&tb, ncols, align);
				for (int x = 0; x < s->nax; x++)
					al_table_cell(&tb, "%s", s->ax[x].key);
				if (s->nseeds > 1)
					al_table_cell(&tb, "seed");
				al_table_cell(&tb, "model");
				al_table_cell(&tb, "elapsed");
				al_table_cell(&tb, "pages ok/failed");
				al_table_cell(&tb, "CPU busy");
				al_table_cell(&tb, "peak memory");
				al_table_cell(&tb, "peak conc.");
				al_table_cell(&tb, "total p99");
			}
			for (int x = 0; x < s->nax; x++)
				al_table_cell(&tb, "%s", value(s, t, x));
			if (s->nseeds > 1)
				al_table_cell(&tb, "%llu", (unsigned long long)(s->seed0 +
									(uint64_t)(t % s->nseeds)));
			al_table_cell(&tb, "%s", al_model_name(s->models[k]));
			al_fmt_duration(a, sizeof a, r->elapsed_ns);
			al_table_cell(&tb, "%s", a);
			al_fmt_count(a, sizeof a, r->pages_ok);
			al_fmt_count(b, sizeof b, r->pages_failed);
			al_table_cell(&tb, "%s / %s", a, b);
			al_fmt_duration(a, sizeof a, r->cpu_busy_ns);
			al_table_cell(&tb, "%s", a);
			al_fmt_bytes(a, sizeof a, r->peak_memory_bytes);
			al_table_cell(&tb, "%s", a);
			al_fmt_count(a, sizeof a, r->peak_concurrency);
			al_table_cell(&tb, "%s", a);
			al_fmt_duration(a, sizeof a, r->latency.of[AL_LAT_TOTAL].p99_ns);
			al_table_cell(&tb, "%s", r->latency.pages ? a : "—");
			if (++rows == 36) {
				markdown ? al_table_print_markdown(&tb, stdout)
					 : al_table_print(&tb, stdout, 2, bold);
				rows = 0;
			}
		}
	if (rows > 0)
		markdown ? al_table_print_markdown(&tb, stdout) : al_table_print(&tb, stdout, 2, bold);
}

static int ntasks_of(const struct al_sweep_result *s)
{
	int n = s->nseeds;

	for (int x = 0; x < s->nax; x++)
		n *= s->ax[x].n;
	return n;
}

static int fill_csv(FILE *out, void *arg)
{
	const struct al_sweep_result *s = arg;

	for (int x = 0; x < s->nax; x++)
		fprintf(out, "%s,", s->ax[x].key);
	fputs("model,seed,", out);
	al_report_csv_names(out);
	fputc('\n', out);
	for (int t = 0; t < ntasks_of(s); t++)
		for (int k = 0; k < s->nmodels; k++) {
			size_t at = (size_t)t * (size_t)s->nmodels + (size_t)k;
			if (!s->ran[at])
				continue;
			for (int x = 0; x < s->nax; x++) {
				al_csv_str(out, value(s, t, x));
				fputc(',', out);
			}
			fprintf(out, "%s,%llu,", al_model_name(s->models[k]),
				(unsigned long long)(s->seed0 + (uint64_t)(t % s->nseeds)));
			if (s->csv_figs)
				fputs(s->csv_figs[at], out);
			else
				al_report_csv_figures(out, &s->res[at]);
			fputc('\n', out);
		}
	return 0;
}

static int fill_json(FILE *out, void *arg)
{
	const struct al_sweep_result *s = arg;
	struct al_json j;

	al_json_init(&j, out);
	al_json_begin_object(&j);
	al_json_key(&j, "scenario");
	al_json_str(&j, s->title);
	al_json_key(&j, "vary");
	al_json_begin_array(&j);
	for (int x = 0; x < s->nax; x++)
		al_json_str(&j, s->ax[x].key);
	al_json_end_array(&j);
	al_json_key(&j, "points");
	al_json_begin_array(&j);
	for (int t = 0; t < ntasks_of(s); t++) {
		al_json_begin_object(&j);
		al_json_key(&j, "values");
		al_json_begin_object(&j);
		for (int x = 0; x < s->nax; x++) {
			al_json_key(&j, s->ax[x].key);
			al_json_str(&j, value(s, t, x));
		}
		al_json_end_object(&j);
		al_json_key(&j, "seed");
		al_json_u64(&j, s->seed0 + (uint64_t)(t % s->nseeds));
		al_json_key(&j, "models");
		al_json_begin_array(&j);
		for (int k = 0; k < s->nmodels; k++) {
			size_t at = (size_t)t * (size_t)s->nmodels + (size_t)k;
			if (!s->ran[at])
				continue;
			if (s->json_rows)
				al_json_raw(&j, s->json_rows[at], 2);
			else
				al_report_json_row(&j, &s->res[at], false);
		}
		al_json_end_array(&j);
		al_json_end_object(&j);
	}
	al_json_end_array(&j);
	al_json_end_object(&j);
	al_json_finish(&j);
	return 0;
}

int al_sweep_outputs(const struct al_cli *cli, const struct al_sweep_result *r, bool bold)
{
	bool csv_out = cli->csv_path && strcmp(cli->csv_path, "-") == 0;
	bool png_out = cli->png_path && strcmp(cli->png_path, "-") == 0;
	struct al_sweep_result copy = *r;   /* the writers take a void * */
	char err[512];
	int status = 0, w;

	if (png_out)
		;                       /* stdout is the picture */
	else if (cli->json)
		fill_json(stdout, &copy);
	else if (csv_out)
		fill_csv(stdout, &copy);
	else
		table(r, bold, cli->markdown);
	if (cli->csv_path && !csv_out &&
	    (w = al_write_file(NULL, cli->csv_path, fill_csv, &copy, err, sizeof err)) != 0) {
		fprintf(stderr, "asynclab: --csv %s\n", err);
		status = w > status ? w : status;
	}
	if (cli->json_path &&
	    (w = al_write_file(NULL, cli->json_path, fill_json, &copy, err, sizeof err)) != 0) {
		fprintf(stderr, "asynclab: --json %s\n", err);
		status = w > status ? w : status;
	}
	if (cli->png_path && al_sweep_png(r, cli->png_path, cli->size_set ? cli->width : 0,
					  cli->size_set ? cli->height : 0, err, sizeof err) != 0) {
		fprintf(stderr, "asynclab: --png %s\n", err);
		status = 2;
	}
	return status;
}
