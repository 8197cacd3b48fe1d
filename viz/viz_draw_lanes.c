/* Lanes, bands, counters and lane labels (viz_draw_int.h).
 *
 * Cost is bounded by the screen, not the trace: only the lanes whose rows
 * are in the plot are visited, only their spans inside the time window
 * (binary search), and each lane comes out as one value per pixel column
 * (viz_layout_lane_columns), merged into runs of equal state and filled
 * as rectangles, one SDL call per colour for the whole frame.  Lanes
 * thinner than a pixel are drawn as bands: per pixel row, the share of
 * each state over the lanes of that row, blended into one colour per
 * column and written straight into a streaming texture (locked, so no
 * copy), since a rectangle per pixel would cost more than the pixel. */
#include "viz/viz_draw_int.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "viz/viz_fmt.h"

static int ensure_scratch(struct viz_paint *p, int ncols)
{
	if (ncols <= p->ncols)
		return 0;
	free(p->cols);
	p->cols = malloc((size_t)ncols);
	p->ncols = p->cols ? ncols : 0;
	for (int i = 0; i < VIZ_WORKERS; i++) {
		free(p->scratch[i].out);
		free(p->scratch[i].work);
		p->scratch[i].out = malloc(3 * (size_t)ncols * sizeof(float));
		p->scratch[i].work = calloc(6 * ((size_t)ncols + 1), sizeof(float)); /* kept zero */
		if (!p->scratch[i].out || !p->scratch[i].work)
			p->ncols = 0;
	}
	return p->ncols ? 0 : -1;
}

static int ensure_band(struct viz_paint *p, int w, int h)
{
	if (p->band && p->band_w >= w && p->band_h >= h)
		return 0;
	if (p->band)
		SDL_DestroyTexture(p->band);
	p->band_w = w > p->band_w ? w : p->band_w;
	p->band_h = h > p->band_h ? h : p->band_h;
	p->band = SDL_CreateTexture(p->r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING,
				    p->band_w, p->band_h);
	if (!p->band) {
		p->band_w = p->band_h = 0;
		return -1;
	}
	SDL_SetTextureBlendMode(p->band, SDL_BLENDMODE_NONE);
	p->band_valid = 0;
	return 0;
}

/* The visible rows [*r0, *r1) of a section's lanes; 0 if none. */
static int visible_rows(const struct viz_frame *f, const struct viz_section *sc, int *r0, int *r1)
{
	int top = f->plot.y, bot = f->plot.y + f->plot.h;

	*r0 = sc->lanes_top > top ? sc->lanes_top : top;
	*r1 = sc->lanes_top + sc->lanes_h < bot ? sc->lanes_top + sc->lanes_h : bot;
	return *r0 < *r1;
}

static int draw_lane_rows(struct viz_paint *p, const struct viz_frame *f0, int si, int r0, int r1)
{
	struct viz_frame fs;
	viz_frame_for_section(&fs, f0, si);
	const struct viz_frame *f = &fs;
	const struct viz_section *sc = &f->sec[si];
	const struct viz_track *tr = sc->track;
	uint32_t a, b, last, dummy;
	int gap = sc->lane_h >= 5 * f->scale ? viz_px(f, 1) : 0;

	if (viz_frame_row_lanes(f, si, r0, &a, &dummy) != 0 ||
	    viz_frame_row_lanes(f, si, r1 - 1, &last, &b) != 0)
		return 0;
	for (uint32_t i = a; i < b; i++) {
		int y0, y1, c = 0;

		viz_frame_lane_y(f, si, i, &y0, &y1);
		y1 -= gap;
		y0 = y0 < r0 ? r0 : y0;
		y1 = y1 > r1 ? r1 : y1;
		if (y0 >= y1)
			continue;
		if ((i & 1) && sc->lane_h >= 4 * f->scale &&
		    viz_rects_add(&p->misc, f->plot.x, y0, f->plot.w, y1 - y0) != 0)
			return -1;
		if (tr->lanes[i].n == 0 && tr->lanes[i].life1 > tr->lanes[i].life0) {
			const struct viz_lane *l = &tr->lanes[i];
			double x0 = viz_frame_time_x(f, l->life0);
			double x1 = viz_frame_time_x(f, l->life1 < f->cursor ? l->life1 : f->cursor);
			int th = (y1 - y0) / 4 > 1 ? (y1 - y0) / 4 : 1;

			x0 = x0 < f->plot.x ? f->plot.x : x0;
			x1 = x1 > f->plot.x + f->plot.w ? f->plot.x + f->plot.w : x1;
			if (x1 > x0 && viz_rects_add(&p->life, (int)x0, y0 + (y1 - y0 - th) / 2,
						     (int)(x1 - x0) > 0 ? (int)(x1 - x0) : 1, th) != 0)
				return -1;
			continue;
		}
		viz_layout_lane_columns(tr, &tr->lanes[i], f->t0, f->ns_per_px, f->plot.w,
					f->cursor, p->cols);
		while (c < f->plot.w) {
			uint8_t s = p->cols[c];
			int e = c + 1;

			while (e < f->plot.w && p->cols[e] == s)
				e++;
			if (s != VIZ_NONE &&
			    viz_rects_add(&p->state[s], f->plot.x + c, y0, e - c, y1 - y0) != 0)
				return -1;
			c = e;
		}
	}
	return 0;
}

/* Planes of floats (colour differences from the background) to pixels.
 * Blocks of four, so that the compiler's basic-block vectoriser turns
 * each block into a few SSE instructions: the frame's band pixels cost
 * about a nanosecond each instead of four.  A convex mix of colours stays
 * in 0..255 but for rounding, hence the clamps. */
static void pack_row(uint32_t *restrict row, const float *restrict mr, const float *restrict mg,
		     const float *restrict mb, int w, float br, float bg, float bb)
{
	int c = 0;

	for (; c + 4 <= w; c += 4) {
		float r[4], g[4], b[4];
		int ri[4], gi[4], bi[4];

		for (int k = 0; k < 4; k++) {
			r[k] = br + mr[c + k];
			g[k] = bg + mg[c + k];
			b[k] = bb + mb[c + k];
			r[k] = r[k] < 0 ? 0 : r[k] > 255 ? 255 : r[k];
			g[k] = g[k] < 0 ? 0 : g[k] > 255 ? 255 : g[k];
			b[k] = b[k] < 0 ? 0 : b[k] > 255 ? 255 : b[k];
			ri[k] = (int)r[k];
			gi[k] = (int)g[k];
			bi[k] = (int)b[k];
		}
		for (int k = 0; k < 4; k++)
			row[c + k] = 0xff000000u | (uint32_t)ri[k] << 16 | (uint32_t)gi[k] << 8 |
				     (uint32_t)bi[k];
	}
	for (; c < w; c++) {
		float r = br + mr[c], g = bg + mg[c], b = bb + mb[c];

		r = r < 0 ? 0 : r > 255 ? 255 : r;
		g = g < 0 ? 0 : g > 255 ? 255 : g;
		b = b < 0 ? 0 : b > 255 ? 255 : b;
		row[c] = 0xff000000u | (uint32_t)(int)r << 16 | (uint32_t)(int)g << 8 | (uint32_t)(int)b;
	}
}

/* A worker's share of the frame's band rows: of each band section, the
 * rows [r0, r1), written into the locked texture whose first row is `top`.
 * Rows are independent, so several of these run at once. */
struct band_seg {
	int si, r0, r1;
};

struct band_job {
	const struct viz_frame *f;
	struct band_seg seg[VIZ_MAX_SECTIONS];
	int nseg, top;
	uint8_t *tex;
	int pitch;
	const float (*weight)[3];
	float *out, *work;
};

static int band_rows(void *arg)
{
	const struct band_job *j = arg;
	const struct viz_frame *f = j->f;
	const struct viz_rgb bg = viz_rgb_bg;
	float br = bg.r + 0.5f, bgc = bg.g + 0.5f, bb = bg.b + 0.5f;
	int w = f->plot.w;

	for (int k = 0; k < j->nseg; k++) {
		struct viz_frame fs;
		viz_frame_for_section(&fs, f, j->seg[k].si);
		for (int y = j->seg[k].r0; y < j->seg[k].r1; y++) {
			uint32_t *row = (uint32_t *)(j->tex + (size_t)(y - j->top) * j->pitch);
			const float *mr = j->out, *mg = mr + w, *mb = mg + w;
			uint32_t a, b;

			if (viz_frame_row_lanes(f, j->seg[k].si, y, &a, &b) != 0)
				a = b = 0;
			viz_layout_band_mix(f->sec[j->seg[k].si].track, a, b, fs.t0, fs.ns_per_px, w,
					    fs.cursor, j->weight, j->out, j->work);
			pack_row(row, mr, mg, mb, w, br, bgc, bb);
		}
	}
	return 0;
}

/* Every band section of the frame, segs[0 .. n): each row's blend costs as
 * much as its lanes' spans (a million in a fitted 10,000-lane trace), so
 * each section's rows are shared among up to VIZ_WORKERS threads, one per
 * CPU; the picture is the same whatever their number.  The texture is
 * locked and uploaded once for all of them: an accelerated renderer would
 * otherwise flush and wait for the GPU (or llvmpipe) before each section's
 * upload into the texture the previous one is still drawn from. */
static int draw_bands(struct viz_paint *p, const struct viz_frame *f, const struct band_seg *segs,
		      int n)
{
	const struct viz_rgb bg = viz_rgb_bg;
	float weight[AL_ST_COUNT][3];
	struct band_job job[VIZ_WORKERS];
	SDL_Thread *th[VIZ_WORKERS] = {NULL};
	struct viz_band_key key;
	SDL_Rect src;
	void *tex;
	int pitch, nw = SDL_GetCPUCount(), top = segs[0].r0, bot = segs[n - 1].r1, rows = 0;

	if (ensure_band(p, f->plot.w, f->plot.h) != 0)
		return -1;
	memset(&key, 0, sizeof key);         /* compared with memcmp: no stray padding */
	key.t0 = f->t0;
	key.t1 = f->t1;
	key.cursor = f->cursor;
	key.plot = f->plot;
	key.n = n;
	for (int k = 0; k < n; k++) {
		const struct viz_section *sc = &f->sec[segs[k].si];

		key.seg[k].track = sc->track;
		key.seg[k].lanes_top = sc->lanes_top;
		key.seg[k].lanes_h = sc->lanes_h;
		key.seg[k].r0 = segs[k].r0;
		key.seg[k].r1 = segs[k].r1;
		key.seg[k].k = sc->k;
	}
	if (p->band_valid && memcmp(&key, &p->band_key, sizeof key) == 0)
		goto copy;
	/* the band mixes each state's colour in by its share, over white */
	for (int s = 0; s < AL_ST_COUNT; s++) {
		weight[s][0] = (float)viz_palette[s].rgb.r - bg.r;
		weight[s][1] = (float)viz_palette[s].rgb.g - bg.g;
		weight[s][2] = (float)viz_palette[s].rgb.b - bg.b;
	}
	weight[AL_ST_DONE][0] = weight[AL_ST_DONE][1] = weight[AL_ST_DONE][2] = 0;
	src = (SDL_Rect){0, top - f->plot.y, f->plot.w, bot - top};
	if (SDL_LockTexture(p->band, &src, &tex, &pitch) != 0)
		return -1;
	for (int k = 0; k < n; k++)
		rows += segs[k].r1 - segs[k].r0;
	nw = nw < 1 ? 1 : nw > VIZ_WORKERS ? VIZ_WORKERS : nw;
	if (rows < 64)
		nw = 1;
	for (int i = 0; i < nw; i++) {
		job[i] = (struct band_job){
			.f = f, .nseg = n, .top = top, .tex = tex, .pitch = pitch,
			.weight = (const float (*)[3])weight,
			.out = p->scratch[i].out, .work = p->scratch[i].work,
		};
		for (int k = 0; k < n; k++) {
			int r0 = segs[k].r0, h = segs[k].r1 - r0;

			job[i].seg[k] = (struct band_seg){segs[k].si, r0 + h * i / nw,
							  r0 + h * (i + 1) / nw};
		}
		if (i > 0)
			th[i] = SDL_CreateThread(band_rows, "viz-band", &job[i]);
	}
	band_rows(&job[0]);
	for (int i = 1; i < nw; i++) {
		if (th[i])
			SDL_WaitThread(th[i], NULL);
		else
			band_rows(&job[i]);          /* no thread: do it here */
	}
	SDL_UnlockTexture(p->band);
	p->band_key = key;
	p->band_valid = 1;
copy:
	for (int k = 0; k < n; k++) {
		SDL_Rect a = {0, segs[k].r0 - f->plot.y, f->plot.w, segs[k].r1 - segs[k].r0};
		SDL_Rect d = {f->plot.x, segs[k].r0, f->plot.w, segs[k].r1 - segs[k].r0};

		if (SDL_RenderCopy(p->r, p->band, &a, &d) != 0)
			return -1;
	}
	return 0;
}

int viz_draw_lanes(struct viz_paint *p, const struct viz_frame *f)
{
	struct band_seg bands[VIZ_MAX_SECTIONS];
	int nb = 0;

	if (ensure_scratch(p, f->plot.w) != 0)
		return -1;
	for (int i = 0; i < f->nsec; i++) {
		const struct viz_section *sc = &f->sec[i];
		int r0, r1;

		if (!visible_rows(f, sc, &r0, &r1))
			continue;
		if (sc->lanes_h < (int)sc->track->nlanes)
			bands[nb++] = (struct band_seg){i, r0, r1};
		else if (draw_lane_rows(p, f, i, r0, r1) != 0)
			return -1;
	}
	if (nb > 0 && draw_bands(p, f, bands, nb) != 0)
		return -1;
	viz_rects_fill(p->r, &p->misc, viz_rgb_stripe);
	viz_rects_fill(p->r, &p->life, viz_rgb_dim);
	for (int s = 0; s < AL_ST_COUNT; s++)
		viz_rects_fill(p->r, &p->state[s], viz_palette[s].rgb);
	return 0;
}

static struct viz_rgb lighten(struct viz_rgb c, float k)
{
	return (struct viz_rgb){(uint8_t)(c.r + (255 - c.r) * k), (uint8_t)(c.g + (255 - c.g) * k),
				(uint8_t)(c.b + (255 - c.b) * k)};
}

/* One counter over the strip: per column the highest value it took there
 * (a spike narrower than a pixel still shows), as a filled area (sockets)
 * or a step line. */
static void draw_series(struct viz_paint *p, const struct viz_frame *f, const struct viz_series *c,
			int top, int h, int filled, int64_t until)
{
	int64_t cur = viz_layout_counter_at(c, f->t0);
	size_t lo = 0, hi = c->n;
	int py = -1, bottom = top + h;

	while (lo < hi) {                     /* first sample after t0 */
		size_t mid = lo + (hi - lo) / 2;

		if (c->t[mid] <= f->t0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int col = 0; col < f->plot.w; col++) {
		double tc0 = f->t0 + col * f->ns_per_px, tc1 = tc0 + f->ns_per_px;
		int64_t vmax = cur;
		int y;

		if (tc0 >= (double)until)
			break;
		for (; lo < c->n && (double)c->t[lo] < tc1 && c->t[lo] < until; lo++) {
			cur = c->v[lo];
			vmax = cur > vmax ? cur : vmax;
		}
		y = bottom - (int)((double)(vmax < 0 ? 0 : vmax) * (h - 1) / (double)c->max + 0.5);
		if (filled)
			viz_rects_add(&p->misc, f->plot.x + col, y, 1, bottom - y);
		else if (py < 0)
			viz_rects_add(&p->misc, f->plot.x + col, y - 1, 1, viz_px(f, 1) + 1);
		else
			viz_rects_add(&p->misc, f->plot.x + col, (y < py ? y : py) - 1, 1,
				      abs(y - py) + viz_px(f, 1) + 1);
		py = y;
	}
}

/* Rows of a triangle pointing down, its tip at (x, y), half-width s. */
static void triangle(struct viz_rects *a, int x, int y, int s)
{
	for (int i = 0; i <= s; i++)
		viz_rects_add(a, x - (s - i), y - s + i, 2 * (s - i) + 1, 1);
}

/* Where pages failed: a red triangle pointing down at the instant, on the
 * lane of the task whose page it was (outlined, so it reads on any
 * state's colour); during playback only those that have happened. */
void viz_draw_fail_mark(struct viz_paint *p, const struct viz_frame *f, int x, int y)
{
	int s = viz_px(f, 4);

	triangle(&p->life, x, y + 1, s + 1);
	triangle(&p->misc, x, y, s - 1);
	viz_rects_fill(p->r, &p->life, viz_rgb_bg);
	viz_rects_fill(p->r, &p->misc, viz_rgb_fail);
}

void viz_draw_failures(struct viz_paint *p, const struct viz_frame *f)
{
	int s = viz_px(f, 4), nlabels = 0;
	SDL_Rect plot = {f->plot.x, f->plot.y, f->plot.w, f->plot.h};
	/* marks that fall on one place: how many, by it (the first 256) */
	struct label {
		int x, y;
		int n;
	} labels[256];

	p->misc.n = 0;
	p->life.n = 0;
	const struct viz_frame *f0 = f;
	for (int i = 0; i < f0->nsec; i++) {
		struct viz_frame fs;
		viz_frame_for_section(&fs, f0, i);
		f = &fs;
		const struct viz_track *tr = f->sec[i].track;
		size_t lo = 0, hi = tr->nmarks;

		/* the first mark at or after the view's start */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (tr->marks[mid].t < f->t0)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* a cluster: marks on one row, each within a triangle's width of
		 * the one before; labelled with its count at its right end */
		int px = INT_MIN, py = INT_MIN, count = 0;

		for (size_t k = lo;; k++) {
			int end = k >= tr->nmarks || tr->marks[k].t > f->t1 ||
				  tr->marks[k].t > f->cursor;
			int y0 = 0, y1 = 0, x = 0, y = INT_MIN;

			if (!end) {
				x = (int)lround(viz_frame_time_x(f, tr->marks[k].t));
				if (viz_frame_lane_y(f, i, tr->marks[k].lane, &y0, &y1) < 0 ||
				    y1 <= f->plot.y || y0 >= f->plot.y + f->plot.h)
					continue;
				/* inside a lane tall enough, tip near its bottom */
				y = y1 - y0 >= s + 3 ? y1 - 2 : (y0 + y1) / 2;
			}
			if (!end && y == py && x - px <= 2 * s) {
				count++;
			} else {
				/* two or three overlapping triangles read as such */
				if (count >= 5 && nlabels < (int)(sizeof labels / sizeof labels[0]))
					labels[nlabels++] = (struct label){px + s + 2, py - s - 3, count};
				count = 1;
			}
			if (end)
				break;
			if (x != px || y != py) {
				triangle(&p->life, x, y + 1, s + 1);       /* the outline */
				triangle(&p->misc, x, y, s - 1);
			}
			px = x;
			py = y;
		}
	}
	f = f0;
	SDL_RenderSetClipRect(p->r, &plot);
	viz_rects_fill(p->r, &p->life, viz_rgb_bg);
	viz_rects_fill(p->r, &p->misc, viz_rgb_fail);
	for (int k = 0; k < nlabels; k++) {
		char n[32], text[40];
		int w, h = viz_text_h(p, VIZ_F_SMALL);

		viz_fmt_count(n, sizeof n, labels[k].n);
		snprintf(text, sizeof text, "×%s", n);
		w = viz_text_w(p, VIZ_F_SMALL, text);
		if (w > 0)                      /* on white, to read over any lane */
			viz_fill(p->r, viz_rgb_bg, labels[k].x - 1, labels[k].y, w + 2, h);
		viz_text(p, VIZ_F_SMALL, labels[k].x, labels[k].y, viz_rgb_fail, VIZ_LEFT, text);
	}
	SDL_RenderSetClipRect(p->r, NULL);
}

void viz_draw_counters(struct viz_paint *p, const struct viz_frame *f)
{
	static const int order[] = {AL_CTR_SOCKETS, AL_CTR_RUNNABLE, AL_CTR_MEMORY};
	SDL_Rect plot = {f->plot.x, f->plot.y, f->plot.w, f->plot.h};
	SDL_Rect gutter = {0, f->plot.y, f->gutter.w - viz_px(f, 4), f->plot.h};

	for (int i = 0; i < f->nsec; i++) {
		const struct viz_section *sc = &f->sec[i];
		int x = viz_px(f, 8), y;

		if (sc->ctr_h <= 0 || sc->ctr_top + sc->ctr_h <= f->plot.y ||
		    sc->ctr_top >= f->plot.y + f->plot.h)
			continue;
		SDL_RenderSetClipRect(p->r, &plot);
		viz_fill(p->r, viz_rgb_stripe, f->plot.x, sc->ctr_top, f->plot.w, sc->ctr_h - viz_px(f, 2));
		y = sc->ctr_top + viz_px(f, 1);
		for (int k = 0; k < (int)(sizeof order / sizeof order[0]); k++) {
			const struct viz_series *c = &sc->track->ctr[order[k]];
			char val[32], lab[64];
			int64_t shown;
			int lw;

			if (c->n == 0 || c->max <= 0)
				continue;
			SDL_RenderSetClipRect(p->r, &plot);
			struct viz_frame fs;
			viz_frame_for_section(&fs, f, i);
			draw_series(p, &fs, c, sc->ctr_top + viz_px(f, 2), sc->ctr_h - viz_px(f, 5),
				    order[k] == AL_CTR_SOCKETS,
				    fs.cursor < sc->track->end ? fs.cursor : sc->track->end);
			viz_rects_fill(p->r, &p->misc, order[k] == AL_CTR_SOCKETS ?
				       lighten(viz_counter_rgb[order[k]], 0.6f) :
				       viz_counter_rgb[order[k]]);
			/* the peak; during playback, the value at the cursor */
			shown = f->cursor == VIZ_NO_CURSOR ? c->max : viz_layout_counter_at(c, f->cursor);
			if (order[k] == AL_CTR_MEMORY)
				viz_fmt_bytes(val, sizeof val, (double)shown);
			else
				viz_fmt_count(val, sizeof val, shown);
			snprintf(lab, sizeof lab, "%s %s", al_counter_name((enum al_counter)order[k]), val);
			lw = viz_text_w(p, VIZ_F_SMALL, lab);
			if (x + lw > f->gutter.w - viz_px(f, 4)) {
				x = viz_px(f, 8);
				y += viz_text_h(p, VIZ_F_SMALL);
			}
			SDL_RenderSetClipRect(p->r, &gutter);
			x += viz_text(p, VIZ_F_SMALL, x, y, viz_counter_rgb[order[k]], VIZ_LEFT, lab) +
			     viz_px(f, 8);
		}
	}
}

/* Lane labels.  A lane thinner than a line of text cannot have a label
 * each; labels are then placed by depth, top-level lanes first, wherever
 * the rows a label would cover are still free.  A parent's subtree follows
 * it, so a process's label, drawn from its first row down, stands for its
 * threads and tasks beneath it. */
void viz_draw_labels(struct viz_paint *p, const struct viz_frame *f)
{
	int lh = viz_text_h(p, VIZ_F_SANS);

	if (lh <= 0 || f->plot.h <= 0)
		return;
	if (p->nocc < f->plot.h) {
		uint8_t *o = realloc(p->occ, (size_t)f->plot.h);

		if (!o)
			return;
		p->occ = o;
		p->nocc = f->plot.h;
	}
	for (int i = 0; i < f->nsec; i++) {
		const struct viz_section *sc = &f->sec[i];
		const struct viz_track *tr = sc->track;
		int r0, r1, maxd = 0;
		uint32_t a, b, dummy;
		SDL_Rect clip;
		char buf[96];

		if (!visible_rows(f, sc, &r0, &r1) || viz_frame_row_lanes(f, i, r0, &a, &dummy) != 0 ||
		    viz_frame_row_lanes(f, i, r1 - 1, &dummy, &b) != 0)
			continue;
		clip = (SDL_Rect){0, r0, f->gutter.w - viz_px(f, 6), r1 - r0};
		SDL_RenderSetClipRect(p->r, &clip);
		memset(p->occ + (r0 - f->plot.y), 0, (size_t)(r1 - r0));
		for (uint32_t k = a; k < b; k++)
			maxd = tr->lanes[k].depth > maxd ? tr->lanes[k].depth : maxd;
		maxd = maxd > 8 ? 8 : maxd;
		for (int d = 0; d <= maxd; d++)
			for (uint32_t k = a; k < b; k++) {
				const struct viz_lane *l = &tr->lanes[k];
				int y0, y1, ty, free_rows = 1;

				if (l->depth != d && !(d == maxd && l->depth > maxd))
					continue;
				viz_frame_lane_y(f, i, k, &y0, &y1);
				ty = y1 - y0 >= lh ? y0 + (y1 - y0 - lh) / 2 : y0;
				if (ty + lh > sc->lanes_top + sc->lanes_h)
					ty = sc->lanes_top + sc->lanes_h - lh;
				if (ty < sc->lanes_top)
					ty = sc->lanes_top;
				for (int y = ty; y < ty + lh && free_rows; y++)
					if (y >= r0 && y < r1 && p->occ[y - f->plot.y])
						free_rows = 0;
				if (!free_rows)
					continue;
				for (int y = ty; y < ty + lh; y++)
					if (y >= r0 && y < r1)
						p->occ[y - f->plot.y] = 1;
				viz_layout_lane_label(tr, l, buf, sizeof buf);
				viz_text(p, l->kind == AL_LANE_PROCESS ? VIZ_F_BOLD : VIZ_F_SANS,
					 viz_px(f, 8 + 12 * (l->depth < 8 ? l->depth : 8)), ty,
					 l->kind == AL_LANE_TASK ? viz_rgb_dim : viz_rgb_text, VIZ_LEFT, buf);
			}
	}
	SDL_RenderSetClipRect(p->r, NULL);
}
