/* `sweep --png FILE`: the sweep's reports as line charts (viz/viz_chart.h).
 * Kept apart from app/sweep.c so that `merge` (which reads results back)
 * draws the same picture from the same arrays. */
#ifndef AL_SWEEP_PNG_H
#define AL_SWEEP_PNG_H

#include <stdbool.h>
#include <stddef.h>

#include "app/sweep.h"
#include "core/al_report.h"
#include "core/al_scenario.h"

/* A sweep's results: tasks (point p, seed s) in order t = p * nseeds + s,
 * the points with the first axis outer; res[t * nmodels + k] is model k's
 * report, ran (same index) 0 where it gave none. */
struct al_sweep_result {
	const char *title;
	const struct al_sweep_axis *ax;
	int nax, nseeds, nmodels;
	const enum al_model *models;
	const struct al_report *res;
	const char *ran;
};

/* Draws r at path ("-": stdout), w x h (0: the chart's own size).  The
 * x axis is the first key, a column per value of the second; with several
 * seeds, the first seed's points.  0, or -1 with err (no prefix). */
int al_sweep_png(const struct al_sweep_result *r, const char *path, int w, int h, char *err,
		 size_t errlen);

#endif
