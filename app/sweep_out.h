/* A sweep's outputs: the table (or its Markdown), --csv, --json and --png,
 * written from one description of the results, so that `sweep` (which
 * runs the points) and `merge` (which reads a sweep --emit's results
 * back) print the same bytes by construction (docs/sweep.md). */
#ifndef AL_SWEEP_OUT_H
#define AL_SWEEP_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/cli.h"
#include "app/sweep.h"
#include "core/al_report.h"
#include "core/al_scenario.h"

/* A sweep's results: tasks (point p, seed s) in order t = p * nseeds + s,
 * the points with the first axis outer, seed seed0 + s; res[t * nmodels
 * + k] is model k's report, ran (same index) 0 where it gave none.
 * csv_figs and json_rows (same index, or NULL): the row's figures as a
 * run's --csv wrote them (al_report_csv_figures) and its object as a
 * run's --json wrote it (al_report_json_row, at depth 2); when given
 * they are written as they are, so that merge copies text and no figure
 * is parsed and printed again. */
struct al_sweep_result {
	const char *title;
	const struct al_sweep_axis *ax;
	int nax, nseeds, nmodels;
	uint64_t seed0;
	const enum al_model *models;
	const struct al_report *res;
	const char *ran;
	char *const *csv_figs;
	char *const *json_rows;
};

/* Point p's value on axis a. */
const char *al_sweep_value(const struct al_sweep_axis *ax, int nax, int p, int a);

/* Writes what cli asks for: the table on stdout (--markdown: as
 * Markdown), or instead --json / --csv - / --png - there; --csv FILE,
 * --json=FILE and --png FILE beside it.  0, or 1 (a file could not be
 * written, said on stderr) or 2 (--png's picture could not be made). */
int al_sweep_outputs(const struct al_cli *cli, const struct al_sweep_result *r, bool bold);

#endif
