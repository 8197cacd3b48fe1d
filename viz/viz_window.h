/* The interactive timeline window (SDL2): the scene of one or two runs
 * drawn by viz_draw, with zoom, pan, fit, lane selection, hover and pin,
 * playback, tabs and panels.  What each input does is
 * viz_window_input.h's (a pure function, tested without a display); this
 * file owns the window, the renderer and the event loop.
 *
 * The loop sleeps in SDL_WaitEventTimeout and draws only when an event
 * changed the picture or playback runs (then at most one frame per
 * 16 ms), so an idle window costs no CPU. */
#ifndef VIZ_WINDOW_H
#define VIZ_WINDOW_H

#include <stddef.h>

#include "viz/viz_run.h"

/* What the window measured, filled in when viz_window_run returns. */
struct viz_window_stats {
	int frames;                  /* drawn and presented */
	/* wall-clock ms, the first frame (text cache cold) aside: the whole
	 * frame (viz_draw + SDL_RenderPresent), and viz_draw's part; with an
	 * accelerated renderer, most of the drawing happens in the present */
	double frame_ms_median, frame_ms_p95, frame_ms_max;
	double draw_ms_median;
	int shots;                   /* screenshots written */
	char renderer[32];           /* SDL's name for the renderer used */
};

struct viz_window_opts {
	int w, h;                    /* logical px; 0: 90 % of the screen, at
	                                most 1600 x 1000 */
	unsigned models;             /* bit set of enum al_model; 0: all */
	int tab;                     /* 1 + an index in viz_view_tabs() (1: the
	                                compare tab); 0: as viz_png_write chooses
	                                (sim | real for two runs, a model's tab
	                                when models names one, else compare) */
	const char *shot;            /* F12 writes the frame there as a PNG
	                                ("%d" in it: numbered from 1); NULL: F12
	                                does nothing */
	const char *title;           /* NULL: "asynclab" */
	struct viz_window_stats *stats;  /* NULL: not wanted */
};

/* Opens a resizable, high-DPI-aware window on runs[0 .. nruns)
 * (1 <= nruns <= VIZ_MAX_RUNS; borrowed, unchanged), and returns when the
 * user quits (q, Esc, the window's close button, SIGINT or SIGTERM): 0.
 * o may be NULL (every default).  Returns -1 with a message in err when
 * there is no display ("no display: set DISPLAY, or use --png"), SDL
 * cannot make the window or renderer or draw, the arguments are bad, or
 * memory runs out.  A screenshot that cannot be
 * written is not an error: the window's title says why.  A renderer with
 * hardware acceleration is preferred; SDL's software renderer is the
 * fallback. */
int viz_window_run(const struct viz_run *runs, int nruns, const struct viz_window_opts *o,
		   char *err, size_t errlen);

/* Whether a window could open at all, from the environment alone (a
 * display named, or a video driver chosen): 0, or -1 with the message
 * viz_window_run would give.  Cheap: a command asks before it runs. */
int viz_window_display(char *err, size_t errlen);

#endif
