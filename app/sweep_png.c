/* `sweep --png` (sweep_png.h): the reports rearranged as the chart reads
 * them, column (second key) by x (first key) by model, and each value of
 * the first key read as a number in its unit, so that 10, 100, 1k sit a
 * decade apart.  Values that are not quantities (a path, a name) are
 * placed evenly, in the order given. */
#include "app/sweep_png.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_units.h"
#include "viz/viz_chart.h"

/* v as a number in the first unit that reads it; -1 if none does. */
static int as_number(const char *v, double *out)
{
	static const enum al_quantity kinds[] = {AL_Q_COUNT, AL_Q_DURATION, AL_Q_SIZE,
						 AL_Q_BANDWIDTH, AL_Q_FREQUENCY};
	int64_t x;

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		if (al_parse_quantity(kinds[k], v, &x, NULL, 0) == 0) {
			*out = (double)x;
			return 0;
		}
	return -1;
}

int al_sweep_png(const struct al_sweep_result *r, const char *path, int w, int h, char *err,
		 size_t errlen)
{
	const struct al_sweep_axis *xa = &r->ax[0], *ca = r->nax > 1 ? &r->ax[1] : NULL;
	int nx = xa->n, ncols = ca ? ca->n : 1, numeric = 1, rc = -1;
	size_t n = (size_t)nx * (size_t)ncols * (size_t)r->nmodels * (size_t)r->nseeds;
	struct al_report *rep = calloc(n, sizeof *rep);
	char *ran = calloc(n, 1);
	double *x = calloc((size_t)nx, sizeof *x);
	const char **xl = calloc((size_t)nx, sizeof *xl), **cl = calloc((size_t)ncols, sizeof *cl);

	if (!rep || !ran || !x || !xl || !cl) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (int i = 0; i < nx; i++) {
		xl[i] = xa->vals[i];
		if (as_number(xa->vals[i], &x[i]) < 0)
			numeric = 0;
	}
	for (int c = 0; c < ncols; c++)
		cl[c] = ca ? ca->vals[c] : "";
	/* the chart's order: column, x, model, then the seeds (its runs) */
	for (int i = 0; i < nx; i++)
		for (int c = 0; c < ncols; c++)
			for (int s = 0; s < r->nseeds; s++) {
				int t = (i * ncols + c) * r->nseeds + s;
				for (int k = 0; k < r->nmodels; k++) {
					size_t to = (((size_t)c * (size_t)nx + (size_t)i) *
						     (size_t)r->nmodels + (size_t)k) *
						    (size_t)r->nseeds + (size_t)s;
					size_t from = (size_t)t * (size_t)r->nmodels + (size_t)k;
					rep[to] = r->res[from];
					ran[to] = r->ran[from];
				}
			}
	struct viz_chart ch = {
		.title = r->title, .xkey = xa->key, .nx = nx, .xlabel = xl,
		.x = numeric ? x : NULL, .colkey = ca ? ca->key : NULL, .ncols = ncols,
		.collabel = cl, .nmodels = r->nmodels, .models = r->models, .rep = rep, .ran = ran,
		.nruns = r->nseeds,
	};
	if (w <= 0 || h <= 0)
		viz_chart_size(&ch, &w, &h);
	rc = viz_chart_png(path, &ch, w, h, err, errlen);
out:
	free(rep);
	free(ran);
	free(x);
	free(xl);
	free(cl);
	return rc;
}
