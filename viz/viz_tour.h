/* One step of `asynclab tour`: a model's timelines (or C10K's compare
 * view) with a caption band under them and notes drawn at the moments
 * that matter.
 *
 * A note is not a pixel position: it names a state and whether its start
 * or its end matters ("the first span of recv, where it starts"), and the
 * step finds the earliest such moment in the run's laid-out trace, then
 * draws a ringed marker there on the lane it happened on (of two at the same
 * moment, the lane whose span is longer: the one a reader can see), with a label
 * joined to it.  So the notes move with the run, and a test can ask where
 * a note went (viz_tour_place) and look for it in the picture.
 *
 * Captions and labels use a font of their own (a CJK one for Chinese:
 * viz_tour_font_zh); the timelines keep the viewer's fonts. */
#ifndef VIZ_TOUR_H
#define VIZ_TOUR_H

#include <stddef.h>
#include <stdint.h>

#include "viz/viz_run.h"
#include "viz/viz_view.h"

#define VIZ_TOUR_FAILED 0xfe         /* a note's state: the first failed page */

struct viz_tour_note {
	enum al_model model;         /* whose section */
	uint8_t state;               /* enum al_state, or VIZ_TOUR_FAILED */
	uint8_t at_end;              /* the span's end, not its start */
	uint8_t kind;                /* 1 + enum al_lane_kind the lane must be;
	                                0: any */
	uint8_t after;               /* 1 + the state the lane left for it; 0: any */
	uint8_t last;                /* the latest such moment, not the earliest */
	uint8_t page;                /* only a lane that fetches a page (a worker's
	                                task, not the parent's pipe) */
	const char *text;            /* the label, UTF-8 */
	/* filled by viz_tour_place: */
	int found;
	int64_t t;                   /* ns */
	uint32_t lane;               /* index in the track's lanes */
	int x, y;                    /* the marker's centre, physical px */
};

struct viz_tour_font {
	const char *path;            /* TrueType or a collection (.ttc) */
	long index;                  /* the face in a collection */
};

#define VIZ_TOUR_BAND 150            /* px under the timelines: the caption */

/* The DejaVu face the viewer uses, and the first Simplified Chinese face of
 * Noto Sans CJK found: at Debian's path (fonts-noto-cjk), else where
 * fontconfig's fc-match says.  Returns 0, or -1 with err saying which
 * package is missing. */
void viz_tour_font_en(struct viz_tour_font *f);
int viz_tour_font_zh(struct viz_tour_font *f, char *err, size_t errlen);

/* The view a step draws of run (models: one model, its tab; several, the
 * compare view of those) in a w x h picture, and where each note goes in
 * it: finds each note's moment and lane, and its position.  A note whose
 * state never occurs keeps found 0.  Returns 0, or -1 with err. */
int viz_tour_place(const struct viz_run *run, unsigned models, int w, int h,
		   struct viz_tour_note *notes, int nnotes, char *err, size_t errlen);

/* Draws the step into a new w x h ARGB8888 surface: the timelines above,
 * the notes on them, then title and caption (wrapped at spaces, or
 * between CJK characters) in the band under them.  The caller frees the
 * surface.  NULL with err when a font cannot be opened or drawing fails:
 * a tour without its words is no tour. */
struct SDL_Surface *viz_tour_draw(const struct viz_run *run, unsigned models, int w, int h,
				  struct viz_tour_note *notes, int nnotes, const char *title,
				  const char *caption, const struct viz_tour_font *font,
				  char *err, size_t errlen);

/* The marker's colour, a magenta no state has (viz_palette.c), so a test
 * can find it. */
#define VIZ_TOUR_MARK_R 0xE0
#define VIZ_TOUR_MARK_G 0x00
#define VIZ_TOUR_MARK_B 0xC0

#endif
