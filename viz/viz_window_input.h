/* The window's behaviour without the window (viz_window_input.c,
 * viz_window_nav.c): a pure function from (state, input event) to state,
 * so every binding can be tested table-driven with no display.
 * viz_window.c turns SDL events into these and draws the view when the
 * function says something changed.
 *
 * Coordinates in events are logical pixels (SDL's window coordinates);
 * the state keeps the physical size and the scale of the last resize, and
 * builds the frame (viz_frame_make) from them whenever it needs geometry,
 * so a click is tested against the very rectangles that were drawn.
 * Time comes only from TICK events (wall-clock ns since the last one):
 * playback is deterministic given the events. */
#ifndef VIZ_WINDOW_INPUT_H
#define VIZ_WINDOW_INPUT_H

#include <stdint.h>

#include "viz/viz_view.h"

enum viz_window_ev_kind {
	VIZ_WEV_KEY,                 /* key: a character or a VIZ_WKEY_*; mods */
	VIZ_WEV_WHEEL,               /* dy: notches, > 0 away from the user;
	                                dx: horizontal notches; at (x, y); mods */
	VIZ_WEV_PRESS,               /* the left button down at (x, y) */
	VIZ_WEV_MOTION,              /* the pointer at (x, y) */
	VIZ_WEV_RELEASE,             /* the left button up at (x, y) */
	VIZ_WEV_LEAVE,               /* the pointer left the window */
	VIZ_WEV_RESIZE,              /* w x h physical px at scale */
	VIZ_WEV_TICK,                /* dt_ns of wall-clock time went by */
};

/* Keys that are not characters (characters are their ASCII code). */
enum {
	VIZ_WKEY_ESC = 0x100,
	VIZ_WKEY_TAB,
	VIZ_WKEY_RETURN,
	VIZ_WKEY_BACKSPACE,
	VIZ_WKEY_LEFT,
	VIZ_WKEY_RIGHT,
	VIZ_WKEY_UP,
	VIZ_WKEY_DOWN,
	VIZ_WKEY_HOME,
	VIZ_WKEY_END,
	VIZ_WKEY_PGUP,
	VIZ_WKEY_PGDN,
	VIZ_WKEY_F12,
};

enum { VIZ_WMOD_SHIFT = 1, VIZ_WMOD_CTRL = 2 };

struct viz_window_ev {
	enum viz_window_ev_kind kind;
	int key;
	unsigned mods;
	double x, y;                 /* logical px */
	double dx, dy;               /* wheel notches */
	int w, h;                    /* RESIZE: physical px */
	double scale;                /* RESIZE: physical px per logical px */
	int64_t dt_ns;               /* TICK */
};

/* What handling an event asks of the window (a bit set). */
enum {
	VIZ_WOUT_REDRAW = 1,         /* the picture changed */
	VIZ_WOUT_QUIT = 2,
	VIZ_WOUT_SHOT = 4,           /* write the next frame to the screenshot */
};

enum viz_window_drag { VIZ_WDRAG_NONE, VIZ_WDRAG_PLOT, VIZ_WDRAG_GUTTER, VIZ_WDRAG_SCRUB };

/* Invariants: view.t0 < view.t1; w, h >= 1; scale > 0; while playing,
 * view.cursor is a time in [0, the shown tracks' end]. */
struct viz_window_state {
	const struct viz_scene *scene;   /* borrowed */
	struct viz_view view;
	int w, h;                    /* the frame: physical px */
	double scale;
	enum viz_window_drag drag;   /* what the held button does */
	double press_x, press_y;     /* where it went down (logical px) */
	double last_x, last_y;       /* the pointer's last position */
	int pointer_in;              /* the pointer is over the window */
	int moved;                   /* the press became a drag: no click */
	int fit_lanes;               /* lane heights are fit's: a resize refits */
	int user_speed;              /* the speed was chosen: a tab keeps it */
};

#define VIZ_WINDOW_ZOOM_STEP 1.25    /* per wheel notch */
#define VIZ_WINDOW_CLICK_SLOP 4.0    /* logical px a click may move */
#define VIZ_WINDOW_PLAY_SECONDS 10.0 /* the default speed plays this long */

/* The state of a window showing s in w x h physical px at scale: tab `tab`
 * of viz_view_tabs (out of range: compare), models (0: all), fitted. */
void viz_window_state_init(struct viz_window_state *st, const struct viz_scene *s,
			   int w, int h, double scale, int tab, unsigned models);

/* Applies e to st; returns VIZ_WOUT_*.  The bindings are viz_keys[]'s
 * (viz_draw.h), in the order the help lists them. */
unsigned viz_window_handle(struct viz_window_state *st, const struct viz_window_ev *e);

/* The frame st draws (its geometry), for the window and the tests. */
void viz_window_frame(const struct viz_window_state *st, struct viz_frame *f);

/* The end of what the current tab shows (ns): where playback stops. */
int64_t viz_window_shown_end(const struct viz_window_state *st);

#endif
