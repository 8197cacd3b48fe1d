/* Headless PNG (viz_png.h).
 *
 * SDL_CreateSoftwareRenderer draws into an SDL_Surface we own, which needs
 * no video subsystem: this runs on a machine with no display and no
 * SDL_VIDEODRIVER set.  SDL batches render commands, so the renderer is
 * flushed before the surface is saved.  The PNG is written as run files
 * are (core/al_write.h): whole or not at all, and never over a device. */
#include "viz/viz_png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>

#include "core/al_write.h"
#include "viz/viz_draw.h"

static int check_args(const char *path, const struct viz_run *runs, int nruns, int w, int h,
		      unsigned models, char *err, size_t errlen)
{
	unsigned ran = 0;

	if (!path || !*path || !runs || nruns < 1 || nruns > VIZ_MAX_RUNS) {
		snprintf(err, errlen, "nothing to draw (no path or no runs)");
		return -1;
	}
	if (w > VIZ_PNG_MAX || h > VIZ_PNG_MAX) {
		snprintf(err, errlen, "%s: %dx%d is too large: at most %d pixels a side", path,
			 w, h, VIZ_PNG_MAX);
		return -1;
	}
	if (w < VIZ_PNG_MIN_W || h < VIZ_PNG_MIN_H) {
		snprintf(err, errlen, "%s: %dx%d is too small: at least %dx%d pixels", path,
			 w, h, VIZ_PNG_MIN_W, VIZ_PNG_MIN_H);
		return -1;
	}
	if (models >> AL_MODEL_COUNT) {
		snprintf(err, errlen, "%s: model set 0x%x names no model", path, models);
		return -1;
	}
	for (int r = 0; r < nruns; r++)
		for (int i = 0; i < runs[r].nmodels && i < AL_MODEL_COUNT; i++)
			if ((unsigned)runs[r].models[i].report.model < AL_MODEL_COUNT)
				ran |= 1u << runs[r].models[i].report.model;
	if (models && !(models & ran)) {
		snprintf(err, errlen, "%s: none of the chosen models ran", path);
		return -1;
	}
	return 0;
}

static int one_model(unsigned mask)
{
	return mask && !(mask & (mask - 1));
}

void viz_png_view(struct viz_view *v, const struct viz_scene *s, int w, int h,
		  unsigned models)
{
	viz_view_init(v, s);
	v->flags |= VIZ_SHOW_REPORT;
	v->models = models;
	if (s->twins) {
		v->tab = VIZ_TAB_SIMREAL;
	} else if (s->nruns > 1) {              /* every run, a band each */
		v->tab = VIZ_TAB_RUNS;
	} else if (one_model(models)) {
		v->tab = VIZ_TAB_MODEL;
		for (int m = 0; m < AL_MODEL_COUNT; m++)
			if (models == 1u << m)
				v->model = (enum al_model)m;
	}
	viz_view_fit(v, s, w, h, 1);
	/* a small picture keeps the lanes: the report, then the legend, then
	 * the counters go while the lanes, thinner than they would be, get
	 * under a quarter of it */
	static const unsigned drop[] = {VIZ_SHOW_REPORT, VIZ_SHOW_LEGEND, VIZ_SHOW_COUNTERS};
	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++) {
		struct viz_frame f;

		int lanes = 0;

		viz_frame_make(&f, s, v, w, h, 1);
		for (int k = 0; k < f.nsec; k++)
			lanes += f.sec[k].lanes_h;
		if (lanes * 4 >= h || v->lane_h >= 16)     /* enough, or all they want */
			break;
		v->flags &= ~drop[i];
		viz_view_fit(v, s, w, h, 1);
	}
}

int viz_png_fit_height(const struct viz_run *runs, int nruns, int w, int h, unsigned models)
{
	struct viz_scene scene;
	struct viz_view v;
	char err[256];
	int out = h;

	if (!runs || nruns < 2)
		return h;
	if (viz_layout_build(&scene, runs, nruns, err, sizeof err) != 0)
		return -1;
	/* taller by steps until the last section ends inside the plot (what
	 * viz_png_view drops comes back as it grows) */
	for (out = h; !scene.twins && out < VIZ_PNG_MAX; out += 100) {
		struct viz_frame f;

		viz_png_view(&v, &scene, w, out, models);
		viz_frame_make(&f, &scene, &v, w, out, 1);
		int ok = f.nsec == 0 || f.sec[f.nsec - 1].bottom <= f.plot.y + f.plot.h;

		/* and lanes that show something: 4 px each, or 24 px a section */
		for (int i = 0; ok && i < f.nsec; i++) {
			int64_t want = (int64_t)f.sec[i].track->nlanes * 4;

			ok = f.sec[i].lanes_h >= (want < 24 ? want : 24);
		}
		if (ok)
			break;
	}
	viz_layout_free(&scene);
	return out < VIZ_PNG_MAX ? out : VIZ_PNG_MAX;
}

static int save_png(FILE *out, void *surf)
{
	SDL_RWops *rw = SDL_RWFromFP(out, SDL_FALSE);

	if (!rw || IMG_SavePNG_RW(surf, rw, 1) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int viz_png_save(struct al_write_set *set, const char *path, SDL_Surface *surface, char *err,
		 size_t errlen)
{
	return al_write_file(set, path, save_png, surface, err, errlen) ? -1 : 0;
}

int viz_png_write(struct al_write_set *set, const char *path, const struct viz_run *runs,
		  int nruns, int w, int h, unsigned models, char *err, size_t errlen)
{
	struct viz_scene scene;
	struct viz_view view;
	SDL_Surface *surf = NULL;
	SDL_Renderer *r = NULL;
	int rc = -1;

	if (check_args(path, runs, nruns, w, h, models, err, errlen) != 0) {
		errno = EINVAL;
		return -1;
	}
	if (viz_layout_build(&scene, runs, nruns, err, errlen) != 0)
		return -1;
	viz_png_view(&view, &scene, w, h, models);
	errno = ENOMEM;
	surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!surf || !(r = SDL_CreateSoftwareRenderer(surf))) {
		snprintf(err, errlen, "%s: cannot make a %dx%d surface: %s", path, w, h,
			 SDL_GetError());
		goto out;
	}
	if (viz_draw(r, &scene, &view, w, h, 1) != 0 || SDL_RenderFlush(r) != 0) {
		snprintf(err, errlen, "%s: drawing failed: %s", path, SDL_GetError());
		errno = EIO;
		goto out;
	}
	if (viz_png_save(set, path, surf, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	viz_draw_release(&scene);            /* its textures belong to r */
	if (r)
		SDL_DestroyRenderer(r);
	if (surf)
		SDL_FreeSurface(surf);
	viz_layout_free(&scene);
	return rc;
}
