/* A sweep's line charts (viz_chart.h).
 *
 * The picture is a grid: a row per figure, a column per value of the
 * second varied key.  A row shares its y scale across the columns, so
 * the small multiples compare by eye; an axis goes logarithmic when its
 * values span more than a decade, because a cliff (a process pool out of
 * memory) and a flat line (an event loop) differ by orders of magnitude
 * and a linear axis would flatten everything but the cliff.  Text is the
 * timelines' (viz_text.c: the same fonts and cache), the PNG the same
 * headless path (viz_png.c), and nothing here knows about the sweep. */
#include "viz/viz_chart.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>

#include "core/al_units.h"
#include "viz/viz_draw_int.h"
#include "viz/viz_layout.h"
#include "viz/viz_png.h"

#define TITLE_H 26
#define LEGEND_H 24
#define COLHEAD_H 20
#define CELL_W 380
#define CELL_H 190
#define PAD_L 70                     /* room for the y labels */
#define PAD_B 34                     /* the x labels and the key */
#define PAD_T 20                     /* the figure's name */
#define PAD_R 16

enum unit { U_TIME, U_RATE, U_BYTES };

static const struct {
	const char *name;
	enum unit unit;
} figs[VIZ_CHART_FIGS] = {
	{"elapsed", U_TIME}, {"pages/s", U_RATE}, {"peak memory", U_BYTES},
	{"CPU busy", U_TIME}, {"p99 page time", U_TIME},
};

double viz_chart_value(const struct al_report *r, int f)
{
	switch (f) {
	case 0: return (double)r->elapsed_ns;
	case 1: return r->elapsed_ns > 0 ? (double)r->pages_ok * 1e9 / (double)r->elapsed_ns : 0;
	case 2: return (double)r->peak_memory_bytes;
	case 3: return (double)r->cpu_busy_ns;
	case 4: return r->latency.pages ? (double)r->latency.of[AL_LAT_TOTAL].p99_ns : -1;
	default: return -1;
	}
}

const char *viz_chart_fig_name(int f)
{
	return f >= 0 && f < VIZ_CHART_FIGS ? figs[f].name : "?";
}

void viz_chart_size(const struct viz_chart *c, int *w, int *h)
{
	int cols = c->ncols > 0 ? c->ncols : 1;

	*w = cols * CELL_W + 20;
	*h = TITLE_H + LEGEND_H + (c->colkey ? COLHEAD_H : 0) + VIZ_CHART_FIGS * CELL_H + 8;
	if (*w < VIZ_PNG_MIN_W)
		*w = VIZ_PNG_MIN_W;
	if (*w > VIZ_PNG_MAX)
		*w = VIZ_PNG_MAX;
}

/* An axis: [lo, hi] in the data's unit, log or linear. */
struct axis {
	double lo, hi;
	int log;
};

static void axis_fit(struct axis *a, double mn, double mx, int from_zero)
{
	a->log = mn > 0 && mx / mn > 10;
	if (a->log) {
		a->lo = pow(10, floor(log10(mn)));
		a->hi = pow(10, ceil(log10(mx)));
		return;
	}
	a->lo = from_zero ? 0 : mn;
	a->hi = mx > a->lo ? mx : a->lo + 1;
	if (from_zero)
		a->hi *= 1.05;
}

/* v's place on a as a fraction 0 .. 1. */
static double axis_at(const struct axis *a, double v)
{
	if (a->log) {
		if (v < a->lo)
			v = a->lo;
		return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	}
	return (v - a->lo) / (a->hi - a->lo);
}

static void fmt_value(char *buf, size_t n, enum unit u, double v)
{
	if (u == U_TIME)
		al_fmt_duration(buf, n, (int64_t)llround(v));
	else if (u == U_BYTES)
		al_fmt_bytes(buf, n, (int64_t)llround(v));
	else if (v >= 1000 || v == floor(v))
		al_fmt_count(buf, n, (int64_t)llround(v));
	else
		snprintf(buf, n, "%.3g", v);
}

struct chart_ctx {
	SDL_Renderer *r;
	struct viz_paint *p;
	const struct viz_chart *c;
	struct axis xa, ya[VIZ_CHART_FIGS];
};

static int nruns(const struct viz_chart *c)
{
	return c->nruns > 1 ? c->nruns : 1;
}

/* Figure f at slot (col, i, k) over its runs: the mean, min and max of
 * the runs that have it, and whether a page of any run failed.  0 when no
 * run has it (no point). */
static int point_stat(const struct viz_chart *c, size_t slot, int f, double *mean, double *lo,
		      double *hi, int *failed)
{
	int n = 0;
	double sum = 0;

	*lo = HUGE_VAL;
	*hi = -HUGE_VAL;
	*failed = 0;
	for (int s = 0; s < nruns(c); s++) {
		size_t at = slot * (size_t)nruns(c) + (size_t)s;
		double v = c->ran[at] ? viz_chart_value(&c->rep[at], f) : -1;

		if (c->ran[at] && c->rep[at].pages_failed > 0)
			*failed = 1;
		if (v < 0)
			continue;
		sum += v;
		*lo = fmin(*lo, v);
		*hi = fmax(*hi, v);
		n++;
	}
	*mean = n ? sum / n : -1;
	return n;
}

static double xval(const struct viz_chart *c, int i)
{
	return c->x ? c->x[i] : (double)i;
}

static void thick_line(SDL_Renderer *r, int x0, int y0, int x1, int y1)
{
	SDL_RenderDrawLine(r, x0, y0, x1, y1);
	SDL_RenderDrawLine(r, x0, y0 + 1, x1, y1 + 1);
	SDL_RenderDrawLine(r, x0 + 1, y0, x1 + 1, y1);
}

/* A ring of radius rad around (x, y), two pixels thick: the failed point's
 * mark, and the legend's. */
static void ring(SDL_Renderer *r, int x, int y, int rad)
{
	SDL_Point pt[25];

	SDL_SetRenderDrawColor(r, viz_rgb_fail.r, viz_rgb_fail.g, viz_rgb_fail.b, 255);
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i <= 24; i++) {
			double a = 2 * M_PI * i / 24;
			pt[i].x = x + (int)lround((rad - k) * cos(a));
			pt[i].y = y + (int)lround((rad - k) * sin(a));
		}
		SDL_RenderDrawLines(r, pt, 25);
	}
}

/* The runs' spread from the previous point (x0, its min at ylo0, max at
 * yhi0) to this one, filled a column of pixels at a time in the model's
 * colour, faint, so the lines stay readable over it; a lone point (no
 * previous) gets a bar.  Pixel rows grow downwards: a min is below. */
static void band(SDL_Renderer *r, struct viz_rgb c, int have, int x0, int ylo0, int yhi0, int x1,
		 int ylo1, int yhi1)
{
	SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 64);
	if (!have || x1 <= x0) {
		SDL_RenderFillRect(r, &(SDL_Rect){x1 - 2, yhi1, 5, ylo1 - yhi1 + 1});
	} else {
		for (int x = x0; x < x1; x++) {
			double t = (double)(x - x0) / (x1 - x0);
			int a = (int)lround(yhi0 + t * (yhi1 - yhi0)), b = (int)lround(ylo0 + t * (ylo1 - ylo0));
			SDL_RenderDrawLine(r, x, a, x, b);
		}
	}
	SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
}

static void set_rgb(SDL_Renderer *r, struct viz_rgb c)
{
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
}

/* One chart: figure f in column col, in the rectangle (x, y, w, h). */
static void cell(struct chart_ctx *cx, int f, int col, int x, int y, int w, int h)
{
	const struct viz_chart *c = cx->c;
	const struct axis *ya = &cx->ya[f];
	SDL_Rect plot = {x + PAD_L, y + PAD_T, w - PAD_L - PAD_R, h - PAD_T - PAD_B};
	char buf[AL_FMT_LEN + 8];

	viz_text(cx->p, VIZ_F_BOLD, plot.x, y + 2, viz_rgb_text, VIZ_LEFT, figs[f].name);
	if (ya->log)
		viz_text(cx->p, VIZ_F_SMALL, plot.x + plot.w, y + 4, viz_rgb_dim, VIZ_RIGHT,
			 "log scale");
	viz_fill(cx->r, viz_rgb_bg, plot.x, plot.y, plot.w, plot.h);
	/* y ticks: decades on a log axis, a 1-2-5 step on a linear one */
	double t0 = ya->log ? ya->lo : 0, raw = (ya->hi - ya->lo) / 4;
	/* bytes step in KiB, MiB, GiB, so that the labels read round */
	double base = figs[f].unit == U_BYTES && raw >= 512 ?
		      pow(1024, floor(log(raw * 2) / log(1024))) : 1;
	double mag = pow(10, floor(log10(raw / base))) * base, q = raw / mag;
	double step = (q <= 1 ? 1 : q <= 2 ? 2 : q <= 5 ? 5 : 10) * mag;
	for (double t = t0; t <= ya->hi * 1.0001; t = ya->log ? t * 10 : t + step) {
		int ty = plot.y + plot.h - (int)lround(axis_at(ya, t) * (plot.h - 1));

		viz_fill(cx->r, viz_rgb_grid, plot.x, ty, plot.w, 1);
		fmt_value(buf, sizeof buf, figs[f].unit, t);
		viz_text(cx->p, VIZ_F_SMALL, plot.x - 4, ty - 6, viz_rgb_dim, VIZ_RIGHT, buf);
		if (ya->hi <= ya->lo)
			break;
	}
	/* x ticks at the values themselves, at most eight labelled */
	int every = (c->nx + 7) / 8, px[VIZ_CHART_MAX_X];
	for (int i = 0; i < c->nx; i++) {
		double at = c->nx == 1 && !c->x ? 0.5 : axis_at(&cx->xa, xval(c, i));
		px[i] = plot.x + (int)lround(at * (plot.w - 1));
		viz_fill(cx->r, viz_rgb_dim, px[i], plot.y + plot.h, 1, 4);
		if (i % every == 0)
			viz_text(cx->p, VIZ_F_SMALL, px[i], plot.y + plot.h + 4, viz_rgb_dim,
				 VIZ_CENTRE, c->xlabel[i]);
	}
	viz_text(cx->p, VIZ_F_SMALL, plot.x + plot.w, plot.y + plot.h + 18, viz_rgb_text,
		 VIZ_RIGHT, c->xkey);
	viz_outline(cx->r, viz_rgb_dim, plot.x, plot.y, plot.w, plot.h, 1);
	/* the runs' bands, the lines, then the points, then the failures'
	 * rings on top */
	for (int pass = 0; pass < 4; pass++)
		for (int k = 0; k < c->nmodels; k++) {
			int have = 0, lx = 0, ly = 0, llo = 0, lhi = 0;
			struct viz_rgb rgb = viz_model_rgb[c->models[k]];

			if (pass == 0 && nruns(c) == 1)
				continue;
			set_rgb(cx->r, rgb);
			for (int i = 0; i < c->nx; i++) {
				size_t slot = ((size_t)col * (size_t)c->nx + (size_t)i) *
					      (size_t)c->nmodels + (size_t)k;
				double v, lo, hi;
				int failed;

				if (!point_stat(c, slot, f, &v, &lo, &hi, &failed)) {
					have = 0;
					continue;
				}
				int yy = plot.y + plot.h - 1 - (int)lround(axis_at(ya, v) * (plot.h - 1));
				int ylo = plot.y + plot.h - 1 - (int)lround(axis_at(ya, lo) * (plot.h - 1));
				int yhi = plot.y + plot.h - 1 - (int)lround(axis_at(ya, hi) * (plot.h - 1));
				if (pass == 0)
					band(cx->r, rgb, have, lx, llo, lhi, px[i], ylo, yhi);
				else if (pass == 1 && have)
					thick_line(cx->r, lx, ly, px[i], yy);
				else if (pass == 2)
					viz_fill(cx->r, rgb, px[i] - 2, yy - 2, 5, 5);
				else if (pass == 3 && failed)
					ring(cx->r, px[i], yy, 7);
				have = 1;
				lx = px[i];
				ly = yy;
				llo = ylo;
				lhi = yhi;
			}
		}
}

static int any_failed(const struct viz_chart *c)
{
	size_t n = (size_t)c->ncols * (size_t)c->nx * (size_t)c->nmodels * (size_t)nruns(c);

	for (size_t i = 0; i < n; i++)
		if (c->ran[i] && c->rep[i].pages_failed > 0)
			return 1;
	return 0;
}

/* Each row's y range over every column; the x range over the values. */
static void fit(struct chart_ctx *cx)
{
	const struct viz_chart *c = cx->c;
	double mn = HUGE_VAL, mx = -HUGE_VAL;

	for (int i = 0; i < c->nx; i++) {
		mn = fmin(mn, xval(c, i));
		mx = fmax(mx, xval(c, i));
	}
	axis_fit(&cx->xa, mn, mx, 0);
	if (!c->x)
		cx->xa.log = 0, cx->xa.lo = mn, cx->xa.hi = mx > mn ? mx : mn + 1;
	if (cx->xa.log)         /* the values are the ends, not the decades */
		cx->xa.lo = mn, cx->xa.hi = mx;
	for (int f = 0; f < VIZ_CHART_FIGS; f++) {
		double lo = HUGE_VAL, hi = 0;

		/* every run's value, so that the bands fit too */
		size_t n = (size_t)c->ncols * (size_t)c->nx * (size_t)c->nmodels * (size_t)nruns(c);
		for (size_t i = 0; i < n; i++) {
			double v = c->ran[i] ? viz_chart_value(&c->rep[i], f) : -1;
			if (v > 0)
				lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
		axis_fit(&cx->ya[f], isfinite(lo) ? lo : 0, hi, 1);
	}
}

static void legend(struct chart_ctx *cx, int x, int y)
{
	const struct viz_chart *c = cx->c;

	for (int k = 0; k < c->nmodels; k++) {
		viz_fill(cx->r, viz_model_rgb[c->models[k]], x, y + 6, 22, 3);
		viz_fill(cx->r, viz_model_rgb[c->models[k]], x + 9, y + 5, 5, 5);
		x += 28;
		x += viz_text(cx->p, VIZ_F_SANS, x, y, viz_rgb_text, VIZ_LEFT,
			      al_model_name(c->models[k])) + 18;
	}
	if (any_failed(c)) {
		ring(cx->r, x + 8, y + 8, 7);
		x += 20 + viz_text(cx->p, VIZ_F_SANS, x + 20, y, viz_rgb_text, VIZ_LEFT,
				   "a page failed") + 18;
	}
	if (nruns(c) > 1) {
		band(cx->r, viz_rgb_text, 1, x, y + 15, y + 1, x + 22, y + 15, y + 1);
		viz_textf(cx->p, VIZ_F_SANS, x + 28, y, viz_rgb_text, VIZ_LEFT,
			  "the mean of %d runs; shaded: their min to max", nruns(c));
	}
}

static void draw(struct chart_ctx *cx, int w, int h)
{
	const struct viz_chart *c = cx->c;
	int top = TITLE_H + LEGEND_H + (c->colkey ? COLHEAD_H : 0);
	int cw = (w - 20) / c->ncols, ch = (h - top - 8) / VIZ_CHART_FIGS;

	viz_fill(cx->r, viz_rgb_panel, 0, 0, w, h);
	viz_text(cx->p, VIZ_F_BOLD, 10, 6, viz_rgb_text, VIZ_LEFT, c->title ? c->title : "sweep");
	legend(cx, 10, TITLE_H + 2);
	fit(cx);
	for (int col = 0; col < c->ncols; col++) {
		int x = 10 + col * cw;
		if (c->colkey)
			viz_textf(cx->p, VIZ_F_BOLD, x + cw / 2, TITLE_H + LEGEND_H + 2, viz_rgb_text,
				  VIZ_CENTRE, "%s = %s", c->colkey, c->collabel[col]);
		for (int f = 0; f < VIZ_CHART_FIGS; f++)
			cell(cx, f, col, x, top + f * ch, cw, ch);
	}
}

static int save_png(SDL_Surface *surf, const char *path, char *err, size_t errlen)
{
	if (strcmp(path, "-") != 0)
		return viz_png_save(NULL, path, surf, err, errlen);
	/* standard output: no temporary file to rename, so a failure shows */
	SDL_RWops *rw = SDL_RWFromFP(stdout, SDL_FALSE);
	if (!rw || IMG_SavePNG_RW(surf, rw, 1) != 0 || fflush(stdout) != 0) {
		snprintf(err, errlen, "-: cannot write the PNG to standard output");
		errno = EIO;
		return -1;
	}
	return 0;
}

int viz_chart_png(const char *path, const struct viz_chart *c, int w, int h, char *err,
		  size_t errlen)
{
	struct viz_scene scene;
	SDL_Surface *surf = NULL;
	SDL_Renderer *r = NULL;
	int rc = -1;

	if (!path || !*path || !c || c->nx < 1 || c->nx > VIZ_CHART_MAX_X || c->ncols < 1 || c->nmodels < 1 ||
	    (c->colkey && !c->collabel)) {
		snprintf(err, errlen, "%s: nothing to draw", path ? path : "(no path)");
		errno = EINVAL;
		return -1;
	}
	if (w < VIZ_PNG_MIN_W || h < VIZ_PNG_MIN_H || w > VIZ_PNG_MAX || h > VIZ_PNG_MAX) {
		snprintf(err, errlen, "%s: %dx%d: a PNG is %dx%d to %dx%d pixels", path, w, h,
			 VIZ_PNG_MIN_W, VIZ_PNG_MIN_H, VIZ_PNG_MAX, VIZ_PNG_MAX);
		errno = EINVAL;
		return -1;
	}
	memset(&scene, 0, sizeof scene);
	scene.font_sans = VIZ_FONT_SANS;
	scene.font_mono = VIZ_FONT_MONO;
	errno = ENOMEM;
	surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!surf || !(r = SDL_CreateSoftwareRenderer(surf))) {
		snprintf(err, errlen, "%s: cannot make a %dx%d surface: %s", path, w, h,
			 SDL_GetError());
		goto out;
	}
	struct chart_ctx cx = {.r = r, .c = c, .p = viz_paint_get(&scene, r, 1)};
	if (!cx.p) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	draw(&cx, w, h);
	if (SDL_RenderFlush(r) != 0) {
		snprintf(err, errlen, "%s: drawing failed: %s", path, SDL_GetError());
		errno = EIO;
		goto out;
	}
	rc = save_png(surf, path, err, errlen);
out:
	viz_draw_release(&scene);
	if (r)
		SDL_DestroyRenderer(r);
	if (surf)
		SDL_FreeSurface(surf);
	return rc;
}
