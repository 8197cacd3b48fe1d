/* `asynclab run --latency`: per-page latency percentiles, one row per
 * model and figure, as wrk's "Latency Distribution" lists them; and
 * `--csv`, every figure of a run's rows. */
#include "report/report.h"

#include <string.h>

#include "report/table.h"
#include "core/al_units.h"

void al_report_latency(FILE *out, const struct al_run_set *rs, const char *side, bool bold,
			bool markdown)
{
	static const char *const kinds[AL_LAT_KINDS] = {"connect", "ttfb", "total"};
	struct al_table t;
	char a[AL_FMT_LEN];

	if (rs->nrows == 0)
		return;
	fprintf(out, "  latency per page%s%s (ok pages; from the page's start; "
		"nearest rank):\n\n", side ? ", " : "", side ? side : "");
	al_table_init(&t, 7, "llrrrrr");
	al_table_cell(&t, "model");
	al_table_cell(&t, "%s", "figure");
	al_table_cell(&t, "pages");
	al_table_cell(&t, "p50");
	al_table_cell(&t, "p90");
	al_table_cell(&t, "p99");
	al_table_cell(&t, "max");
	for (int i = 0; i < rs->nrows; i++) {
		const struct al_latency *l = &rs->rows[i].latency;

		for (int k = 0; k < AL_LAT_KINDS; k++) {
			const struct al_pct *p = &l->of[k];
			const int64_t v[4] = {p->p50_ns, p->p90_ns, p->p99_ns, p->max_ns};

			al_table_cell(&t, "%s", k == 0 ? al_model_name(rs->rows[i].model) : "");
			al_table_cell(&t, "%s", kinds[k]);
			al_fmt_count(a, sizeof a, l->pages);
			al_table_cell(&t, "%s", k == 0 ? a : "");
			for (int j = 0; j < 4; j++) {
				if (l->pages > 0)
					al_fmt_duration(a, sizeof a, v[j]);
				al_table_cell(&t, "%s", l->pages > 0 ? a : "—");
			}
		}
	}
	if (markdown)
		al_table_print_markdown(&t, out);
	else
		al_table_print(&t, out, 2, bold);
	fputc('\n', out);
}

/* --- CSV */

void al_csv_str(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void al_report_csv_names(FILE *out)
{
	static const char *const kinds[AL_LAT_KINDS] = {"connect", "ttfb", "total"};
	static const char *const ps[4] = {"p50", "p90", "p99", "max"};

	fputs("elapsed_ns,speedup,pages_ok,pages_failed,bytes,checksum,cpu_busy_ns,"
	      "context_switches,syscalls,futile_syscalls,peak_memory_bytes,"
	      "peak_concurrency,events", out);
	for (int k = 0; k < AL_LAT_KINDS; k++)
		for (int j = 0; j < 4; j++)
			fprintf(out, ",%s_%s_ns", kinds[k], ps[j]);
}

void al_report_csv(FILE *out, const struct al_run_set *rs, bool header)
{
	if (header) {
		fputs("scenario,seed,net,model,", out);
		al_report_csv_names(out);
		fputc('\n', out);
	}
	for (int i = 0; i < rs->nrows; i++) {
		al_csv_str(out, al_run_set_name(rs));
		fprintf(out, ",%llu,%s,%s,", (unsigned long long)rs->sc->seed, rs->net,
			al_model_name(rs->rows[i].model));
		al_report_csv_figures(out, &rs->rows[i]);
		fputc('\n', out);
	}
}

void al_report_csv_figures(FILE *out, const struct al_report *r)
{
	fprintf(out, "%lld,", (long long)r->elapsed_ns);
	if (r->speedup > 0)          /* empty: not available (no sync) */
		fprintf(out, "%.4f", r->speedup);
	fprintf(out, ",%lld,%lld,%lld,%016llx,%lld,%lld,%lld,%lld,%lld,%lld,%llu",
		(long long)r->pages_ok, (long long)r->pages_failed, (long long)r->bytes,
		(unsigned long long)r->checksum, (long long)r->cpu_busy_ns,
		(long long)r->context_switches, (long long)r->syscalls,
		(long long)r->futile_syscalls, (long long)r->peak_memory_bytes,
		(long long)r->peak_concurrency, (unsigned long long)r->events);
	for (int k = 0; k < AL_LAT_KINDS; k++) {
		const struct al_pct *p = &r->latency.of[k];
		fprintf(out, ",%lld,%lld,%lld,%lld", (long long)p->p50_ns, (long long)p->p90_ns,
			(long long)p->p99_ns, (long long)p->max_ns);
	}
}
