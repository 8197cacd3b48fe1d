/* The tour's window (viz_tour_window.h).  The steps are drawn once, before
 * the window opens, so stepping costs a texture upload, nothing more. */
#include "viz/viz_tour_window.h"

#include <stdio.h>

#include <SDL.h>

#include "viz/viz_window.h"
#include "viz/viz_x11.h"

/* Shows step i: the title says which, the picture fits the window. */
static int show(SDL_Window *w, SDL_Renderer *r, SDL_Surface *const *pics, int n, int i)
{
	char title[64];
	int ow, oh;
	SDL_Texture *t = SDL_CreateTextureFromSurface(r, pics[i]);

	if (!t)
		return -1;
	snprintf(title, sizeof title, "asynclab tour: step %d of %d (← →)", i + 1, n);
	SDL_SetWindowTitle(w, title);
	SDL_GetRendererOutputSize(r, &ow, &oh);
	double k = (double)ow / pics[i]->w < (double)oh / pics[i]->h ?
		(double)ow / pics[i]->w : (double)oh / pics[i]->h;
	SDL_Rect dst = {(ow - (int)(pics[i]->w * k)) / 2, (oh - (int)(pics[i]->h * k)) / 2,
			(int)(pics[i]->w * k), (int)(pics[i]->h * k)};
	SDL_SetRenderDrawColor(r, 0xff, 0xff, 0xff, 0xff);
	SDL_RenderClear(r);
	SDL_RenderCopy(r, t, NULL, &dst);
	SDL_RenderPresent(r);
	SDL_DestroyTexture(t);
	return 0;
}

int viz_tour_window(SDL_Surface *const *pics, int n, char *err, size_t errlen)
{
	SDL_Window *w = NULL;
	SDL_Renderer *r = NULL;
	int rc = -1, i = 0;

	if (n < 1 || viz_window_display(err, errlen) != 0) {
		if (n < 1)
			snprintf(err, errlen, "no step to show");
		return -1;
	}
	viz_x11_forgive_wakeup();
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		snprintf(err, errlen, "cannot start SDL's video: %s", SDL_GetError());
		return -1;
	}
	/* hidden until it has its renderer, as the viewer's (viz_window.c):
	 * an OpenGL renderer makes SDL recreate the window, and one shown
	 * before would vanish under whoever found it */
	w = SDL_CreateWindow("asynclab tour", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
			     pics[0]->w, pics[0]->h,
			     SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI | SDL_WINDOW_HIDDEN);
	if (w)
		r = SDL_CreateRenderer(w, -1, 0);
	if (!w || !r) {
		snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
		goto out;
	}
	SDL_ShowWindow(w);
	if (show(w, r, pics, n, i) != 0)
		goto fail;
	for (;;) {
		SDL_Event e;
		int j = i;
		if (!SDL_WaitEvent(&e))
			goto fail;
		if (e.type == SDL_QUIT)
			break;
		if (e.type == SDL_KEYDOWN) {
			SDL_Keycode k = e.key.keysym.sym;
			if (k == SDLK_q || k == SDLK_ESCAPE)
				break;
			if (k == SDLK_RIGHT || k == SDLK_PAGEDOWN || k == SDLK_SPACE)
				j = i + 1 < n ? i + 1 : i;
			else if (k == SDLK_LEFT || k == SDLK_PAGEUP)
				j = i > 0 ? i - 1 : 0;
			else if (k == SDLK_HOME)
				j = 0;
			else if (k == SDLK_END)
				j = n - 1;
		}
		if (j != i || e.type == SDL_WINDOWEVENT) {
			i = j;
			if (show(w, r, pics, n, i) != 0)
				goto fail;
		}
	}
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "drawing failed: %s", SDL_GetError());
out:
	if (r)
		SDL_DestroyRenderer(r);
	if (w)
		SDL_DestroyWindow(w);
	SDL_QuitSubSystem(SDL_INIT_VIDEO);
	return rc;
}
