/* What the timelines show of a scene, and where: the view state a window
 * changes (zoom, pan, hover, pin, playback, tabs, panels) and the geometry
 * of one frame drawn from it.
 *
 * The view is plain data in logical pixels and nanoseconds; a frame
 * (viz_frame_make) turns it into physical pixels for one window size and
 * high-DPI scale: the rectangles of the chrome, the sections stacked in the
 * plot (one per track: a header, its lanes, its counters strip), and the
 * time <-> x mapping.  Drawing, hit-testing and the tests all read the same
 * frame, so what is drawn is where the geometry says.
 *
 * Vertical level of detail: a section's lanes are `lane_h` logical pixels
 * each, the section capped at `section_max`; when a lane comes out thinner
 * than one physical pixel, lane i is drawn in the pixel row floor(i * lh)
 * of its section, so a row shows a band of several lanes. */
#ifndef VIZ_VIEW_H
#define VIZ_VIEW_H

#include <stdint.h>

#include "viz/viz_layout.h"

#define VIZ_NO_CURSOR INT64_MAX

enum viz_tab_kind {
	VIZ_TAB_COMPARE,             /* every model of one run, stacked */
	VIZ_TAB_MODEL,               /* one model of one run */
	VIZ_TAB_SIMREAL,             /* twins (viz_scene): each model's sim
	                                section above its real one */
	VIZ_TAB_RUNS,                /* other scenes of several runs: run after
	                                run, each a band of its models, on one
	                                time axis */
};

enum {
	VIZ_SHOW_LEGEND = 1 << 0,
	VIZ_SHOW_REPORT = 1 << 1,    /* the report table under the axis */
	VIZ_SHOW_HELP = 1 << 2,      /* the key overlay */
	VIZ_SHOW_CPU_AXIS = 1 << 3,  /* the article's CPU time view: 1 cycle = 1 s */
	VIZ_SHOW_COUNTERS = 1 << 4,  /* a counters strip under each section */
	VIZ_OWN_SCALE = 1 << 5,      /* compare and runs tabs: each section on
	                                its own time scale, its run across the
	                                whole width */
};

/* A point of the picture: a section, a lane (or the band [lane, lane_end)
 * drawn on one pixel row) and the span under it (-1: none). */
struct viz_pick {
	int valid;
	int section;
	uint32_t lane, lane_end;     /* indices in the track's lanes */
	long span;                   /* index in the track's spans, or -1 */
};

struct viz_view {
	int64_t t0, t1;              /* the time window, ns: t0 < t1 */
	double scroll;               /* logical px the stack is scrolled up */
	double lane_h;               /* logical px per lane */
	double section_max;          /* logical px cap of a section's lanes; 0: none */
	enum viz_tab_kind tab;
	int run;                     /* compare and model tabs: which run */
	enum al_model model;         /* the model tab's model */
	unsigned models;             /* compare, sim|real: bit set of models, 0: all */
	struct viz_pick hover, pinned; /* the tooltip shows pinned, else hover */
	int mouse_x, mouse_y;        /* logical px: where the tooltip goes */
	int64_t cursor;              /* playback: only what happened before it
	                                shows; VIZ_NO_CURSOR: everything */
	unsigned flags;              /* VIZ_SHOW_* */
	/* What only a window sets (zero: nothing drawn, as in a PNG). */
	struct viz_pick selected;    /* the lane the keyboard moves: highlighted,
	                                its label drawn whatever the lane height */
	double speed;                /* playback: virtual ns per wall-clock ns,
	                                shown by the axis while the cursor is on */
	int playing;
};

struct viz_rect {
	int x, y, w, h;
};

struct viz_section {
	const struct viz_track *track;
	int band;                    /* runs tab: the first section of its run,
	                                under the run's band header, which
	                                takes the band_h rows above top */
	int band_h;
	int top;                     /* physical px: the header's top */
	int lanes_top;               /* lane 0's top row */
	int lanes_h;                 /* rows of all its lanes */
	double lane_h;               /* physical px per lane; < 1: bands */
	int ctr_top, ctr_h;          /* the counters strip (ctr_h 0: none) */
	int bottom;                  /* first row after it */
	double k;                    /* its time scale: its time t is drawn where
	                                the frame's t / k is (1; with
	                                VIZ_OWN_SCALE, its end / the extent's) */
};

struct viz_tab_info {
	enum viz_tab_kind kind;
	enum al_model model;         /* VIZ_TAB_MODEL */
	char name[24];
	struct viz_rect r;           /* physical px, once in a frame */
};

#define VIZ_MAX_SECTIONS (VIZ_MAX_RUNS * AL_MODEL_COUNT)
#define VIZ_MAX_TABS (AL_MODEL_COUNT + 2)

struct viz_frame {
	const struct viz_scene *scene;
	const struct viz_view *view;
	int w, h;                    /* physical px */
	double scale;
	struct viz_rect tabs, legend, gutter, plot, axis, cpu_axis, report;
	struct viz_rect swatch[AL_ST_COUNT];   /* the legend's colour boxes
	                                          (w 0: not shown); DONE's is
	                                          "page failed", when a page
	                                          did */
	int ntabs, active;
	struct viz_tab_info tab[VIZ_MAX_TABS];
	int64_t t0, t1;
	double ns_per_px;            /* physical px */
	int64_t cursor;
	int nsec;
	struct viz_section sec[VIZ_MAX_SECTIONS];
	double content_h;            /* logical px of the whole stack */
	int own_scale;               /* some section's k is not 1: the axis's
	                                times are the longest run's */
};

/* A view of s: the compare tab of run 0, the whole extent, legend and
 * counters on, lanes 16 px.  Call viz_view_fit() for a window size. */
void viz_view_init(struct viz_view *v, const struct viz_scene *s);
/* The whole extent in time, and every section in the height: lanes up to
 * 16 px, evenly thinner if that does not fit, then big sections capped so
 * that small ones keep readable lanes.  Scroll 0. */
void viz_view_fit(struct viz_view *v, const struct viz_scene *s, int w, int h,
		  double scale);
/* Zooms time by factor (> 1: in) keeping `at` where it is on screen; the
 * window stays inside the extent's neighbourhood and at least 10 ns wide. */
void viz_view_zoom(struct viz_view *v, const struct viz_scene *s, int64_t at,
		   double factor);
/* Pans by a drag of (dx, dy) logical px in frame f (time and scroll). */
void viz_view_pan(struct viz_view *v, const struct viz_frame *f, double dx, double dy);
/* Scrolls so that lane `lane` of section `sec` of f is in the plot. */
void viz_view_show_lane(struct viz_view *v, const struct viz_frame *f, int sec,
			uint32_t lane);
/* Switches to tab i of f (0 .. f->ntabs): scroll 0, nothing hovered,
 * pinned or selected (lane indices are the old tab's). */
void viz_view_set_tab(struct viz_view *v, const struct viz_frame *f, int i);
/* The tabs a scene offers in run `run`: "compare", one per model, and
 * "sim | real" for twins, "N runs" for other scenes of several runs.
 * Returns how many (<= VIZ_MAX_TABS). */
int viz_view_tabs(const struct viz_scene *s, int run, struct viz_tab_info *out);

/* The frame of view v over s in a w x h physical-pixel target at `scale`
 * physical px per logical px.  Borrows s and v. */
void viz_frame_make(struct viz_frame *f, const struct viz_scene *s,
		    const struct viz_view *v, int w, int h, double scale);
/* f as section sec sees it: its t0, t1, ns_per_px and cursor in the
 * section's own time (the same as f's unless its k is not 1), so that
 * per-section drawing and hit-testing use f's functions unchanged. */
void viz_frame_for_section(struct viz_frame *out, const struct viz_frame *f, int sec);
/* x (physical px, fractional) of time t; and the time at x. */
double viz_frame_time_x(const struct viz_frame *f, int64_t t);
int64_t viz_frame_x_time(const struct viz_frame *f, double x);
/* The section showing model m of run `run`, or -1. */
int viz_frame_section(const struct viz_frame *f, int run, enum al_model m);
/* The pixel rows [*y0, *y1) lane `lane` of section `sec` is drawn on (may
 * lie outside the plot: clip with f->plot).  Returns 0 for a lane of its
 * own, 1 when it shares its row with other lanes (a band), -1 if no such
 * lane. */
int viz_frame_lane_y(const struct viz_frame *f, int sec, uint32_t lane, int *y0, int *y1);
/* The lanes [*a, *b) drawn on pixel row y of section sec; -1 if none. */
int viz_frame_row_lanes(const struct viz_frame *f, int sec, int y, uint32_t *a, uint32_t *b);
/* What is at (x, y) physical px: fills out (valid 0 when off every lane)
 * and returns out->valid. */
int viz_frame_pick(const struct viz_frame *f, double x, double y, struct viz_pick *out);
/* The tab at (x, y), or -1. */
int viz_frame_tab_at(const struct viz_frame *f, int x, int y);

#endif
