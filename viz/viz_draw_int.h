/* Internal to viz_draw*.c and viz_text.c: the drawer's cache and the
 * helpers the drawing files share.  Not for the window: viz_draw.h is. */
#ifndef VIZ_DRAW_INT_H
#define VIZ_DRAW_INT_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "viz/viz_draw.h"

#define VIZ_WORKERS 4                /* threads blending bands */

enum viz_font { VIZ_F_SANS, VIZ_F_BOLD, VIZ_F_SMALL, VIZ_F_MONO, VIZ_NFONTS };
enum viz_align { VIZ_LEFT, VIZ_CENTRE, VIZ_RIGHT };

struct viz_text_entry {
	char *s;                     /* NULL: free slot */
	uint64_t hash;
	uint32_t argb;
	uint8_t font;
	SDL_Texture *tex;
	int w, h;
};

/* A growing array of rectangles, filled with one colour in one call. */
struct viz_rects {
	SDL_Rect *r;
	size_t n, cap;
};

struct viz_paint {
	SDL_Renderer *r;
	double scale;                /* the fonts' */
	int ttf;                     /* TTF_Init succeeded (to balance TTF_Quit) */
	TTF_Font *font[VIZ_NFONTS];
	int line_h[VIZ_NFONTS];
	struct viz_text_entry *tab;  /* open addressing, cap a power of two */
	size_t cap, n;
	uint8_t *cols;               /* level-of-detail scratch, per column */
	struct {
		float *out, *work;   /* viz_layout_band_mix's, one per worker */
	} scratch[VIZ_WORKERS];
	int ncols;
	SDL_Texture *band;           /* band pixels, streamed */
	int band_w, band_h;
	/* what the band texture holds now: a frame whose bands are the same
	 * (a hover, a tooltip, a key that changes nothing in the lanes) draws
	 * them again without blending or uploading a pixel */
	int band_valid;
	struct viz_band_key {
		int64_t t0, t1, cursor;
		struct viz_rect plot;
		int n;
		struct {
			const struct viz_track *track;
			int lanes_top, lanes_h, r0, r1;
			double k;
		} seg[VIZ_MAX_SECTIONS];
	} band_key;
	uint8_t *occ;                /* label placement: rows taken, per plot row */
	int nocc;
	struct viz_rects state[AL_ST_COUNT];
	struct viz_rects misc;
	struct viz_rects life;       /* lifetimes of lanes with no state of their own */
};

/* Text (viz_text.c).  The paint of s for renderer r at scale, made or
 * remade as needed; NULL if out of memory. */
struct viz_paint *viz_paint_get(struct viz_scene *s, SDL_Renderer *r, double scale);
void viz_paint_free(struct viz_paint *p);
/* Draws s with its top-left (align LEFT), top-centre or top-right at (x, y);
 * returns its width in pixels (0 without fonts). */
int viz_text(struct viz_paint *p, int font, int x, int y, struct viz_rgb c, int align,
	     const char *s);
int viz_textf(struct viz_paint *p, int font, int x, int y, struct viz_rgb c, int align,
	      const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int viz_text_w(struct viz_paint *p, int font, const char *s);
int viz_text_h(const struct viz_paint *p, int font);

/* Shapes. */
void viz_fill(SDL_Renderer *r, struct viz_rgb c, int x, int y, int w, int h);
void viz_outline(SDL_Renderer *r, struct viz_rgb c, int x, int y, int w, int h, int t);
int viz_rects_add(struct viz_rects *a, int x, int y, int w, int h);
void viz_rects_fill(SDL_Renderer *r, struct viz_rects *a, struct viz_rgb c);

/* The parts of a frame (viz_draw_lanes.c, viz_draw_axis.c, viz_draw_panel.c). */
int viz_draw_lanes(struct viz_paint *p, const struct viz_frame *f);
void viz_draw_counters(struct viz_paint *p, const struct viz_frame *f);
void viz_draw_labels(struct viz_paint *p, const struct viz_frame *f);
void viz_draw_grid(struct viz_paint *p, const struct viz_frame *f);
void viz_draw_axes(struct viz_paint *p, const struct viz_frame *f);
/* The scenario's timed events (its first run's): a line across the plot
 * at each one's time, a marker on the axis, a label at the plot's top. */
void viz_draw_events(struct viz_paint *p, const struct viz_frame *f);
void viz_draw_legend(struct viz_paint *p, const struct viz_frame *f);
void viz_draw_report(struct viz_paint *p, const struct viz_frame *f);
void viz_draw_failures(struct viz_paint *p, const struct viz_frame *f);
/* One failure mark, its tip at (x, y): the legend's. */
void viz_draw_fail_mark(struct viz_paint *p, const struct viz_frame *f, int x, int y);
/* The report table's cells for track t's row, as `asynclab run` prints
 * them (CPU busy: a share of all the cores of the machine it ran on). */
#define VIZ_REPORT_COLS 9
void viz_report_cells(const struct viz_scene *s, const struct viz_track *t,
		      char v[VIZ_REPORT_COLS][80]);
void viz_draw_tooltip(struct viz_paint *p, const struct viz_frame *f);
void viz_draw_help(struct viz_paint *p, const struct viz_frame *f);

/* The tick step of frame f's time axis, ns. */
int64_t viz_axis_step(const struct viz_frame *f);
/* logical to physical px */
static inline int viz_px(const struct viz_frame *f, double v)
{
	return (int)(v * f->scale + 0.5);
}

#endif
