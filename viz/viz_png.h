/* The timelines as a PNG file, drawn headless: the same drawing code as the
 * window (viz_draw.h) on SDL's software renderer over a plain surface, so
 * no display, no video driver and no SDL_Init are needed. */
#ifndef VIZ_PNG_H
#define VIZ_PNG_H

#include <stddef.h>

#include "viz/viz_run.h"
#include "viz/viz_view.h"

#define VIZ_PNG_MIN_W 640
#define VIZ_PNG_MIN_H 400
#define VIZ_PNG_MAX 16384            /* pixels a side */

/* Draws runs[0 .. nruns) into a w x h PNG at path.  models: a bit set of
 * enum al_model (0: all).  One chosen model: that model's tab; several:
 * the compare view of those, stacked on one time axis; with twins (a sim
 * and a real run), each chosen model's sim section above its real one;
 * with other runs, the runs tab: run after run, a band each.  The picture is
 * fitted to the size, with the legend, the counters and the report table.
 * The file appears whole or not at all (a temporary file in the same
 * directory, renamed).  Returns 0, or -1 with errno set and a message in
 * err: EINVAL (size out of VIZ_PNG_MIN_W x VIZ_PNG_MIN_H ..
 * VIZ_PNG_MAX, no such model, no runs), ENOMEM, or EIO (drawing or
 * writing failed). */
/* The view viz_png_write draws of scene s at w x h (scale 1): what a test
 * needs to know where the picture put each lane. */
void viz_png_view(struct viz_view *v, const struct viz_scene *s, int w, int h,
		  unsigned models);

/* The height, h or more (at most VIZ_PNG_MAX), at which a w-wide PNG of
 * runs shows every section of the runs tab (several runs, not twins: a
 * PNG cannot scroll, and their bands' headers alone outgrow a default
 * picture); h itself for one run or twins, whose lanes are fitted.  Lays
 * the runs out once (as viz_png_write does); -1 if that fails. */
int viz_png_fit_height(const struct viz_run *runs, int nruns, int w, int h, unsigned models);

/* viz_png_write (above): with set NULL the file is in place on return,
 * else staged in set (core/al_write.h). */
struct al_write_set;
int viz_png_write(struct al_write_set *set, const char *path, const struct viz_run *runs,
		  int nruns, int w, int h, unsigned models, char *err, size_t errlen);

/* Saves surface as a PNG at path, all or nothing (core/al_write.h), at
 * once or staged in set as viz_png_write: 0, or -1 with err = "PATH:
 * why".  The window's screenshots go through it. */
struct SDL_Surface;
int viz_png_save(struct al_write_set *set, const char *path, struct SDL_Surface *surface,
		 char *err, size_t errlen);

#endif
