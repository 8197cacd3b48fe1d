/* The timeline window (viz_window.h): SDL's window, renderer and events
 * around the pure bindings of viz_window_input.c and viz_window_nav.c.
 *
 * Events are drained in batches and the frame is drawn once per batch, so
 * a fast drag or a spinning wheel costs one frame, not one per event.
 * While playback runs, the wait is cut to the next 16 ms frame and the
 * wall-clock time since the last tick advances the cursor; otherwise the
 * loop sleeps (half a second at most, so a signal's quit is seen even on
 * a video driver that does not wake for it).  SIGINT and SIGTERM become
 * SDL_QUIT through SDL's own handlers.
 *
 * A screenshot is read back before SDL_RenderPresent: after it, the back
 * buffer's contents are undefined. */
#include "viz/viz_window.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <SDL.h>
#include <SDL_image.h>

#include "viz/viz_draw.h"
#include "viz/viz_layout.h"
#include "viz/viz_png.h"
#include "viz/viz_window_input.h"
#include "viz/viz_x11.h"

#define FRAME_NS 16000000LL          /* playback: a frame every 16 ms */
#define IDLE_WAIT_MS 500
#define NSAMPLES 4096                /* frame times kept for the stats */

struct win {
	const struct viz_window_opts *o;
	SDL_Window *w;
	SDL_Renderer *r;
	struct viz_scene scene;
	int built;
	struct viz_window_state st;
	int nshot;                   /* screenshots written */
	int frames;
	/* rings of the last NSAMPLES frames' times but the first: the whole
	 * frame, and viz_draw's part of it */
	double frame_ms[NSAMPLES], draw_ms[NSAMPLES];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n, double *p95, double *max)
{
	double sorted[NSAMPLES];

	memcpy(sorted, v, (size_t)n * sizeof sorted[0]);
	qsort(sorted, (size_t)n, sizeof sorted[0], cmp_double);
	if (p95)
		*p95 = sorted[n * 95 / 100];
	if (max)
		*max = sorted[n - 1];
	return sorted[n / 2];
}

static void fill_stats(const struct win *g, struct viz_window_stats *s)
{
	SDL_RendererInfo ri;
	int n = g->frames - 1 < NSAMPLES ? g->frames - 1 : NSAMPLES;

	memset(s, 0, sizeof *s);
	s->frames = g->frames;
	s->shots = g->nshot;
	if (g->r && SDL_GetRendererInfo(g->r, &ri) == 0)
		snprintf(s->renderer, sizeof s->renderer, "%s", ri.name);
	if (n <= 0)
		return;
	s->frame_ms_median = median(g->frame_ms, n, &s->frame_ms_p95, &s->frame_ms_max);
	s->draw_ms_median = median(g->draw_ms, n, NULL, NULL);
}

/* The n-th screenshot's path: o->shot with its first "%d" replaced by n
 * (the path is the user's: never a format string).  -1 if it does not fit. */
static int shot_path(const char *pattern, int n, char *buf, size_t len)
{
	const char *d = strstr(pattern, "%d");
	int k = d ? snprintf(buf, len, "%.*s%d%s", (int)(d - pattern), pattern, n, d + 2)
		  : snprintf(buf, len, "%s", pattern);

	return k >= 0 && (size_t)k < len ? 0 : -1;
}

/* The frame on the renderer now, to a PNG that appears whole
 * (viz_png_save).  The window's title says what happened. */
static int save_shot(struct win *g, int w, int h)
{
	char path[1024], title[1200], msg[1200];
	const char *why = NULL;
	SDL_Surface *s = NULL;

	if (shot_path(g->o->shot, g->nshot + 1, path, sizeof path) != 0) {
		snprintf(path, sizeof path, "%.64s...", g->o->shot);
		why = "path too long";
		goto out;
	}
	s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s || SDL_RenderReadPixels(g->r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels,
				       s->pitch) != 0) {
		why = SDL_GetError();
		goto out;
	}
	if (viz_png_save(NULL, path, s, msg, sizeof msg) != 0) {
		/* the message names the path, which the title shows already */
		size_t n = strlen(path);
		why = strncmp(msg, path, n) == 0 && msg[n] == ':' ? msg + n + 2 : msg;
	} else {
		g->nshot++;
	}
out:
	SDL_FreeSurface(s);
	snprintf(title, sizeof title, "%.100s — %s %.900s%s%.100s",
		 g->o->title ? g->o->title : "asynclab", why ? "screenshot failed:" : "saved",
		 path, why ? ": " : "", why ? why : "");
	SDL_SetWindowTitle(g->w, title);
	return why ? -1 : 0;
}

static int draw(struct win *g, int shot)
{
	int64_t t0 = now_ns(), t1;

	if (viz_draw(g->r, &g->scene, &g->st.view, g->st.w, g->st.h, g->st.scale) != 0)
		return -1;
	t1 = now_ns();
	if (shot && g->o->shot) {
		save_shot(g, g->st.w, g->st.h);
		t0 += now_ns() - t1;         /* the PNG is not the frame's time */
	}
	SDL_RenderPresent(g->r);
	if (g->frames++ > 0) {           /* the first fills the text cache */
		int k = (g->frames - 2) % NSAMPLES;

		g->frame_ms[k] = (double)(now_ns() - t0) / 1e6;
		g->draw_ms[k] = (double)(t1 - t0) / 1e6;
	}
	return 0;
}

static void output_size(struct win *g, int *pw, int *ph, double *scale)
{
	int ww, wh;

	SDL_GetWindowSize(g->w, &ww, &wh);
	if (SDL_GetRendererOutputSize(g->r, pw, ph) != 0 || *pw <= 0 || *ph <= 0) {
		*pw = ww;
		*ph = wh;
	}
	*scale = ww > 0 ? (double)*pw / ww : 1;
}

static unsigned mods(void)
{
	SDL_Keymod m = SDL_GetModState();

	return (m & KMOD_SHIFT ? VIZ_WMOD_SHIFT : 0u) | (m & KMOD_CTRL ? VIZ_WMOD_CTRL : 0u);
}

/* Keys that are not text: characters come as SDL_TEXTINPUT, so that '?'
 * and '+' are what the keyboard layout says they are. */
static int special_key(SDL_Keycode k)
{
	switch (k) {
	case SDLK_ESCAPE: return VIZ_WKEY_ESC;
	case SDLK_TAB: return VIZ_WKEY_TAB;
	case SDLK_RETURN: case SDLK_KP_ENTER: return VIZ_WKEY_RETURN;
	case SDLK_BACKSPACE: return VIZ_WKEY_BACKSPACE;
	case SDLK_LEFT: return VIZ_WKEY_LEFT;
	case SDLK_RIGHT: return VIZ_WKEY_RIGHT;
	case SDLK_UP: return VIZ_WKEY_UP;
	case SDLK_DOWN: return VIZ_WKEY_DOWN;
	case SDLK_HOME: return VIZ_WKEY_HOME;
	case SDLK_END: return VIZ_WKEY_END;
	case SDLK_PAGEUP: return VIZ_WKEY_PGUP;
	case SDLK_PAGEDOWN: return VIZ_WKEY_PGDN;
	case SDLK_F12: return VIZ_WKEY_F12;
	default: return 0;
	}
}

static unsigned on_event(struct win *g, const SDL_Event *e)
{
	struct viz_window_ev ev = {.kind = VIZ_WEV_KEY, .mods = mods()};
	unsigned out = 0;
	int x, y;

	switch (e->type) {
	case SDL_QUIT:
		return VIZ_WOUT_QUIT;
	case SDL_KEYDOWN:
		if (!(ev.key = special_key(e->key.keysym.sym)))
			return 0;
		break;
	case SDL_TEXTINPUT:
		/* one event per character; only ASCII is bound */
		for (const char *c = e->text.text; *c; c++)
			if ((unsigned char)*c < 0x80) {
				ev.key = *c;
				out |= viz_window_handle(&g->st, &ev);
			}
		return out;
	case SDL_MOUSEWHEEL:
		SDL_GetMouseState(&x, &y);
		ev.kind = VIZ_WEV_WHEEL;
		ev.x = x;
		ev.y = y;
		ev.dx = (double)e->wheel.preciseX;
		ev.dy = (double)e->wheel.preciseY;
		if (e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED) {
			ev.dx = -ev.dx;
			ev.dy = -ev.dy;
		}
		break;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		if (e->button.button != SDL_BUTTON_LEFT)
			return 0;
		ev.kind = e->type == SDL_MOUSEBUTTONDOWN ? VIZ_WEV_PRESS : VIZ_WEV_RELEASE;
		ev.x = e->button.x;
		ev.y = e->button.y;
		break;
	case SDL_MOUSEMOTION:
		ev.kind = VIZ_WEV_MOTION;
		ev.x = e->motion.x;
		ev.y = e->motion.y;
		break;
	case SDL_WINDOWEVENT:
		switch (e->window.event) {
		case SDL_WINDOWEVENT_CLOSE:
			return VIZ_WOUT_QUIT;
		case SDL_WINDOWEVENT_LEAVE:
			ev.kind = VIZ_WEV_LEAVE;
			break;
		case SDL_WINDOWEVENT_SIZE_CHANGED:
		case SDL_WINDOWEVENT_DISPLAY_CHANGED:   /* another DPI, maybe */
			ev.kind = VIZ_WEV_RESIZE;
			output_size(g, &ev.w, &ev.h, &ev.scale);
			break;
		case SDL_WINDOWEVENT_EXPOSED:
			return VIZ_WOUT_REDRAW;
		default:
			return 0;
		}
		break;
	case SDL_RENDER_DEVICE_RESET:        /* every texture is gone */
	case SDL_RENDER_TARGETS_RESET:       /* their contents may be */
		viz_draw_release(&g->scene);
		return VIZ_WOUT_REDRAW;
	default:
		return 0;
	}
	return viz_window_handle(&g->st, &ev);
}

static int loop(struct win *g)
{
	unsigned out = VIZ_WOUT_REDRAW;
	int64_t last_tick = now_ns();
	int was_playing = 0;
	SDL_Event e;

	for (;;) {
		int shot = 0, timeout = IDLE_WAIT_MS;

		if (out & VIZ_WOUT_QUIT)
			return 0;
		if (out & VIZ_WOUT_SHOT)
			shot = 1;
		if (out & (VIZ_WOUT_REDRAW | VIZ_WOUT_SHOT)) {
			if (draw(g, shot) != 0)
				return -1;
		}
		out = 0;
		if (g->st.view.playing) {
			int64_t left = FRAME_NS - (now_ns() - last_tick);

			timeout = left > 0 ? (int)(left / 1000000) : 0;
		}
		if (SDL_WaitEventTimeout(&e, timeout)) {
			out |= on_event(g, &e);
			while (!(out & VIZ_WOUT_QUIT) && SDL_PollEvent(&e))
				out |= on_event(g, &e);
		}
		/* playback's clock starts when it does, not at the last idle tick */
		if (g->st.view.playing && !was_playing)
			last_tick = now_ns();
		was_playing = g->st.view.playing;
		if (g->st.view.playing && now_ns() - last_tick >= FRAME_NS) {
			int64_t t = now_ns();
			struct viz_window_ev tick = {.kind = VIZ_WEV_TICK, .dt_ns = t - last_tick};

			last_tick = t;
			out |= viz_window_handle(&g->st, &tick);
		}
	}
}

static void default_size(int *w, int *h)
{
	SDL_Rect b;

	if (SDL_GetDisplayUsableBounds(0, &b) != 0 || b.w <= 0 || b.h <= 0)
		b = (SDL_Rect){0, 0, 1280, 800};
	*w = b.w * 9 / 10 < 1600 ? b.w * 9 / 10 : 1600;
	*h = b.h * 9 / 10 < 1000 ? b.h * 9 / 10 : 1000;
	*w = *w < 640 ? 640 : *w;
	*h = *h < 400 ? 400 : *h;
}

static int open_window(struct win *g, char *err, size_t errlen)
{
	const struct viz_window_opts *o = g->o;
	int w = o->w, h = o->h;

	if (w <= 0 || h <= 0)
		default_size(&w, &h);
	/* hidden until it has its renderer: an OpenGL renderer makes SDL
	 * recreate the window, and a window shown before would vanish */
	g->w = SDL_CreateWindow(o->title ? o->title : "asynclab", SDL_WINDOWPOS_CENTERED,
				SDL_WINDOWPOS_CENTERED, w, h,
				SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI | SDL_WINDOW_HIDDEN);
	if (!g->w) {
		snprintf(err, errlen, "window: %s", SDL_GetError());
		return -1;
	}
	SDL_SetWindowMinimumSize(g->w, 320, 200);
	/* no vsync: frames are drawn only when needed, and paced by the loop */
	g->r = SDL_CreateRenderer(g->w, -1, SDL_RENDERER_ACCELERATED);
	if (!g->r)
		g->r = SDL_CreateRenderer(g->w, -1, SDL_RENDERER_SOFTWARE);
	if (!g->r) {
		snprintf(err, errlen, "window: no renderer: %s", SDL_GetError());
		return -1;
	}
	SDL_ShowWindow(g->w);
	return 0;
}

/* Unless the user named a video driver, only a display will do: SDL would
 * otherwise fall back to its offscreen driver and open a window nobody
 * sees, or wait for a display server that is not there.  NULL: the user's
 * choice; "": none. */
static const char *video_driver(void)
{
	return getenv("SDL_VIDEODRIVER") ? NULL
	     : getenv("WAYLAND_DISPLAY") ? (getenv("DISPLAY") ? "x11,wayland" : "wayland")
	     : getenv("DISPLAY") ? "x11" : "";
}

int viz_window_display(char *err, size_t errlen)
{
	const char *driver = video_driver();

	if (driver && !*driver) {
		snprintf(err, errlen, "no display: set DISPLAY, or use --png");
		return -1;
	}
	return 0;
}

int viz_window_run(const struct viz_run *runs, int nruns, const struct viz_window_opts *o,
		   char *err, size_t errlen)
{
	static const struct viz_window_opts defaults;
	const char *driver;
	struct win *g;
	int pw, ph, rc = -1, video = 0;
	double scale;

	if (!runs || nruns < 1 || nruns > VIZ_MAX_RUNS) {
		snprintf(err, errlen, "window: nothing to show");
		errno = EINVAL;
		return -1;
	}
	if (viz_window_display(err, errlen) != 0)
		return -1;
	driver = video_driver();
	g = calloc(1, sizeof *g);
	if (!g) {
		snprintf(err, errlen, "window: out of memory");
		return -1;
	}
	g->o = o ? o : &defaults;
	SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
	SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
	if (driver)
		SDL_SetHint(SDL_HINT_VIDEODRIVER, driver);
	viz_x11_forgive_wakeup();
	video = SDL_InitSubSystem(SDL_INIT_VIDEO) == 0;
	if (driver)
		SDL_ResetHint(SDL_HINT_VIDEODRIVER);
	if (!video) {
		snprintf(err, errlen, "no display: set DISPLAY, or use --png (%s)", SDL_GetError());
		goto out;
	}
	if (viz_layout_build(&g->scene, runs, nruns, err, errlen) != 0)
		goto out;
	g->built = 1;
	if (open_window(g, err, errlen) != 0)
		goto out;
	output_size(g, &pw, &ph, &scale);
	viz_window_state_init(&g->st, &g->scene, pw, ph, scale, g->o->tab, g->o->models);
	SDL_StartTextInput();
	rc = loop(g);
	if (rc != 0)
		snprintf(err, errlen, "window: drawing failed: %s", SDL_GetError());
out:
	if (g->o->stats)
		fill_stats(g, g->o->stats);
	if (g->built) {
		viz_draw_release(&g->scene);     /* its textures are the renderer's */
	}
	if (g->r)
		SDL_DestroyRenderer(g->r);
	if (g->w)
		SDL_DestroyWindow(g->w);
	if (g->built)
		viz_layout_free(&g->scene);
	if (video) {
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		if (SDL_WasInit(SDL_INIT_EVERYTHING) == 0)
			SDL_Quit();
	}
	free(g);
	return rc;
}
