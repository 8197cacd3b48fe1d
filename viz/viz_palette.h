/* The timelines' colours, in one table: a colour per state (what the
 * legend shows and the tests read back from the pixels), per counter, and
 * the chrome.  The state colours are Okabe and Ito's palette ("Color
 * Universal Design", 2008), chosen to stay distinct under the common forms
 * of colour blindness, plus a neutral grey for "waiting on anything else"
 * so that the idle time reads as background-like and the interesting
 * states stand out. */
#ifndef VIZ_PALETTE_H
#define VIZ_PALETTE_H

#include <stdint.h>

#include "core/al_scenario.h"
#include "core/al_trace.h"

struct viz_rgb {
	uint8_t r, g, b;
};

struct viz_state_style {
	struct viz_rgb rgb;
	const char *legend;          /* short: the legend's label */
	const char *what;            /* long: the tooltip's */
	const char *time;            /* whose time it is: the network's, queueing
					or the CPU's (the tooltip says), or NULL */
};

/* Indexed by enum al_state; AL_ST_DONE is never drawn (the lane ended). */
extern const struct viz_state_style viz_palette[AL_ST_COUNT];
/* Indexed by enum al_counter. */
extern const struct viz_rgb viz_counter_rgb[AL_CTR_COUNT];

/* Indexed by enum al_model: a sweep's lines (viz_chart.h), the report's
 * bars.  Okabe-Ito's hues for the article's seven, then spares a model
 * added to core/al_models.def takes by its place, so that a new model
 * needs no colour of its own (a static assert says when they run out). */
#define VIZ_MODEL_COLOURS 12
extern const struct viz_rgb viz_model_rgb[VIZ_MODEL_COLOURS];

/* The chrome. */
extern const struct viz_rgb viz_rgb_bg;        /* the plot, and empty lanes */
extern const struct viz_rgb viz_rgb_stripe;    /* every other lane's background */
extern const struct viz_rgb viz_rgb_panel;     /* tabs, headers, axis, report */
extern const struct viz_rgb viz_rgb_tab;       /* the active tab */
extern const struct viz_rgb viz_rgb_text;
extern const struct viz_rgb viz_rgb_dim;       /* secondary text, ticks */
extern const struct viz_rgb viz_rgb_grid;
extern const struct viz_rgb viz_rgb_cursor;    /* the playback cursor */
extern const struct viz_rgb viz_rgb_mark;      /* hovered / pinned outline */
extern const struct viz_rgb viz_rgb_fail;      /* a page that failed */
extern const struct viz_rgb viz_rgb_select;    /* the selected lane's highlight */
extern const struct viz_rgb viz_rgb_accent;    /* and its edge */
extern const struct viz_rgb viz_rgb_event;     /* a timed scenario event's marker */

/* 0xAARRGGBB, opaque. */
static inline uint32_t viz_rgb_argb(struct viz_rgb c)
{
	return 0xff000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

#endif
