/* A sweep's line charts (`asynclab sweep --png`), drawn headless as the
 * timelines' PNG is (viz_png.h): elapsed, pages/s, peak memory, CPU busy
 * and the p99 of a page's total time, one chart per figure, against the
 * first varied key, one line per model in its colour (viz_model_rgb); a
 * second varied key gives a column of charts per value (small multiples).
 * An axis is logarithmic when its values span more than a decade; a point
 * where a page failed is circled in viz_rgb_fail.  Several runs a point
 * (a sweep's --seeds) give their mean and a min-max band. */
#ifndef VIZ_CHART_H
#define VIZ_CHART_H

#include <stddef.h>

#include "core/al_report.h"
#include "core/al_scenario.h"

#define VIZ_CHART_FIGS 5             /* elapsed, pages/s, memory, CPU, p99 */
#define VIZ_CHART_MAX_X 1000         /* values of the x key */

/* What to draw: rep[((col * nx + i) * nmodels + k) * nruns + s] is model
 * k's report of run s (a seed) at the i-th value of the x key in column
 * col; ran (same index) 0 means the run gave no report there.  A point is
 * the mean of its runs' reports; with nruns > 1 a band in the model's
 * colour spans their min to max, and the point is ringed when a page of
 * any run failed.  nruns 0 is one run.  x[i]: the value as a
 * number, in the key's unit; NULL when the values are not numbers (they
 * are then spaced evenly, in order).  Strings are borrowed. */
struct viz_chart {
	const char *title;
	const char *xkey;
	int nx;
	const char *const *xlabel;
	const double *x;
	const char *colkey;          /* the second key, or NULL: one column */
	int ncols;
	const char *const *collabel;
	int nmodels;
	const enum al_model *models;
	const struct al_report *rep;
	const char *ran;
	int nruns;
};

/* The figure f (0 .. VIZ_CHART_FIGS) of r as a chart plots it, and its
 * name; -1 when r has none (a p99 with no ok page). */
double viz_chart_value(const struct al_report *r, int f);
const char *viz_chart_fig_name(int f);

/* The picture's size when none is asked for: room for the columns. */
void viz_chart_size(const struct viz_chart *c, int *w, int *h);

/* Draws c into a w x h PNG at path ("-": standard output), all or nothing
 * as viz_png_write.  0, or -1 with err = "PATH: why" and errno EINVAL (a
 * size out of VIZ_PNG_MIN_W x VIZ_PNG_MIN_H .. VIZ_PNG_MAX, nothing to
 * draw), ENOMEM or EIO. */
int viz_chart_png(const char *path, const struct viz_chart *c, int w, int h, char *err,
		  size_t errlen);

#endif
