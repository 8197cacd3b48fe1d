/* Headless PNG (viz_png.h).
 *
 * SDL_CreateSoftwareRenderer draws into an SDL_Surface we own, which needs
 * no video subsystem: this runs on a machine with no display and no
 * SDL_VIDEODRIVER set.  SDL batches render commands, so the renderer is
 * flushed before the surface is saved.  The PNG is written next to its
 * destination under a unique name and renamed over it, so a reader never
 * sees half a file and a failed write leaves the old one in place. */
#include "viz/viz_png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <SDL.h>
#include <SDL_image.h>

#include "viz/viz_draw.h"

static int check_args(const char *path, const struct viz_run *runs, int nruns, int w, int h,
		      unsigned models, char *err, size_t errlen)
{
	unsigned ran = 0;

	if (!path || !*path || !runs || nruns < 1 || nruns > VIZ_MAX_RUNS) {
		snprintf(err, errlen, "png: nothing to draw (no path or no runs)");
		return -1;
	}
	if (w > VIZ_PNG_MAX || h > VIZ_PNG_MAX) {
		snprintf(err, errlen, "png: %dx%d is too large: at most %d pixels a side",
			 w, h, VIZ_PNG_MAX);
		return -1;
	}
	if (w < VIZ_PNG_MIN_W || h < VIZ_PNG_MIN_H) {
		snprintf(err, errlen, "png: %dx%d is too small: at least %dx%d pixels",
			 w, h, VIZ_PNG_MIN_W, VIZ_PNG_MIN_H);
		return -1;
	}
	if (models >> AL_MODEL_COUNT) {
		snprintf(err, errlen, "png: model set 0x%x names no model", models);
		return -1;
	}
	for (int r = 0; r < nruns; r++)
		for (int i = 0; i < runs[r].nmodels && i < AL_MODEL_COUNT; i++)
			if ((unsigned)runs[r].models[i].report.model < AL_MODEL_COUNT)
				ran |= 1u << runs[r].models[i].report.model;
	if (models && !(models & ran)) {
		snprintf(err, errlen, "png: none of the chosen models ran");
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
	if (s->nruns == 2) {
		v->tab = VIZ_TAB_SIMREAL;
	} else if (one_model(models)) {
		v->tab = VIZ_TAB_MODEL;
		for (int m = 0; m < AL_MODEL_COUNT; m++)
			if (models == 1u << m)
				v->model = (enum al_model)m;
	}
	viz_view_fit(v, s, w, h, 1);
}

int viz_png_write(const char *path, const struct viz_run *runs, int nruns, int w, int h,
		  unsigned models, char *err, size_t errlen)
{
	struct viz_scene scene;
	struct viz_view view;
	SDL_Surface *surf = NULL;
	SDL_Renderer *r = NULL;
	char *tmp = NULL;
	int fd, rc = -1, saved = 0;

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
		snprintf(err, errlen, "png: cannot make a %dx%d surface: %s", w, h, SDL_GetError());
		goto out;
	}
	if (viz_draw(r, &scene, &view, w, h, 1) != 0 || SDL_RenderFlush(r) != 0) {
		snprintf(err, errlen, "png: drawing failed: %s", SDL_GetError());
		errno = EIO;
		goto out;
	}
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		snprintf(err, errlen, "png: out of memory");
		errno = ENOMEM;
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "png: %s: %s", path, strerror(errno));
		goto out;
	}
	fchmod(fd, 0644);                    /* mkstemp's 0600 is for secrets */
	close(fd);
	saved = 1;
	if (IMG_SavePNG(surf, tmp) != 0) {
		snprintf(err, errlen, "png: writing %s: %s", path, IMG_GetError());
		errno = EIO;
		goto out;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "png: %s: %s", path, strerror(errno));
		goto out;
	}
	saved = 0;
	rc = 0;
out:
	if (saved)
		unlink(tmp);
	free(tmp);
	viz_draw_release(&scene);            /* its textures belong to r */
	if (r)
		SDL_DestroyRenderer(r);
	if (surf)
		SDL_FreeSurface(surf);
	viz_layout_free(&scene);
	return rc;
}
