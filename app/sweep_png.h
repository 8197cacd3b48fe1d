/* `sweep --png FILE`: the sweep's reports as line charts (viz/viz_chart.h).
 * Kept apart from app/sweep.c so that `merge` (which reads results back)
 * draws the same picture from the same arrays. */
#ifndef AL_SWEEP_PNG_H
#define AL_SWEEP_PNG_H

#include <stdbool.h>
#include <stddef.h>

#include "app/sweep_out.h"

/* Draws r at path ("-": stdout), w x h (0: the chart's own size).  The
 * x axis is the first key, a column per value of the second; with several
 * seeds, each point is their mean, in a band from their min to max.  0, or -1 with err (no prefix). */
int al_sweep_png(const struct al_sweep_result *r, const char *path, int w, int h, char *err,
		 size_t errlen);

#endif
