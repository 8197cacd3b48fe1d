/* `asynclab run --latency`: per-page latency percentiles, one row per
 * model and figure, as wrk's "Latency Distribution" lists them. */
#include "app/report.h"

#include "app/table.h"
#include "core/al_units.h"

void al_report_latency(FILE *out, const struct al_run_set *rs, const char *side, bool bold)
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
	al_table_print(&t, out, 2, bold);
	fputc('\n', out);
}
