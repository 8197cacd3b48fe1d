/* View state and frame geometry (viz_view.h).
 *
 * Every size of the chrome is a constant in logical pixels here and is
 * multiplied by the frame's scale once, in viz_frame_make; the drawer
 * takes every rectangle it fills from the frame (text padding aside), so
 * hit tests and tests agree with the picture.  Sections are placed on
 * whole physical rows, and lane i of n starts on row
 * floor(i * lanes_h / n) of its section, in integers, for lanes and bands
 * alike. */
#include "viz/viz_view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz/viz_palette.h"

/* logical px */
#define TAB_H 26
#define LEGEND_H 22
#define GUTTER_W 190
#define RIGHT_PAD 12
#define AXIS_H 26
#define CPU_AXIS_H 22
#define HEADER_H 20
#define BAND_H 22                /* the runs tab: a run's header, over its models */
#define COUNTERS_H 26
#define GAP 8
#define REPORT_ROW 17
#define REPORT_PAD 10
#define TAB_W 92
#define LANE_MAX 16.0
#define LANE_MIN_UNIFORM 5.0

static int lp(const struct viz_frame *f, double v)
{
	return (int)lround(v * f->scale);
}

static int section_extra(unsigned flags)
{
	return HEADER_H + (flags & VIZ_SHOW_COUNTERS ? COUNTERS_H : 0) + GAP;
}

static int pick_tracks(const struct viz_scene *s, const struct viz_view *v,
		       const struct viz_track **out)
{
	int n = 0, run = v->run >= 0 && v->run < s->nruns ? v->run : 0;
	unsigned mask = v->models ? v->models : ~0u;
	enum viz_tab_kind tab = v->tab;

	if ((tab == VIZ_TAB_SIMREAL && !s->twins) || (tab == VIZ_TAB_RUNS && (s->twins || s->nruns < 2)))
		tab = VIZ_TAB_COMPARE;
	if (tab == VIZ_TAB_MODEL) {
		const struct viz_track *t = viz_layout_track(s, run, v->model);

		if (t) {
			out[0] = t;
			return 1;
		}
		tab = VIZ_TAB_COMPARE;
	}
	/* several runs: run-major, so that each run reads as one band (twins
	 * keep sim above real per model, the --net both pictures) */
	for (int r = 0; tab == VIZ_TAB_RUNS && r < s->nruns; r++)
		for (int m = 0; m < AL_MODEL_COUNT; m++) {
			const struct viz_track *t = viz_layout_track(s, r, (enum al_model)m);

			if (t && (mask & 1u << m))
				out[n++] = t;
		}
	for (int m = 0; tab != VIZ_TAB_RUNS && m < AL_MODEL_COUNT; m++) {
		if (!(mask & 1u << m))
			continue;
		for (int r = 0; r < s->nruns; r++) {
			const struct viz_track *t = viz_layout_track(s, r, (enum al_model)m);

			if (t && (tab == VIZ_TAB_SIMREAL || r == run))
				out[n++] = t;
		}
	}
	return n;
}

int viz_view_tabs(const struct viz_scene *s, int run, struct viz_tab_info *out)
{
	int n = 0;

	memset(out, 0, VIZ_MAX_TABS * sizeof *out);
	out[n].kind = VIZ_TAB_COMPARE;
	snprintf(out[n++].name, sizeof out->name, "compare");
	for (int i = 0; i < s->ntracks; i++)
		if (s->tracks[i].run == run) {
			out[n].kind = VIZ_TAB_MODEL;
			out[n].model = s->tracks[i].model;
			snprintf(out[n++].name, sizeof out->name, "%s",
				 al_model_name(s->tracks[i].model));
		}
	if (s->twins) {
		out[n].kind = VIZ_TAB_SIMREAL;
		snprintf(out[n++].name, sizeof out->name, "%s | %s", s->runs[0]->net,
			 s->runs[1]->net);
	} else if (s->nruns > 1) {
		out[n].kind = VIZ_TAB_RUNS;
		snprintf(out[n++].name, sizeof out->name, "%d runs", s->nruns);
	}
	return n;
}

static void chrome(struct viz_frame *f, const struct viz_scene *s, const struct viz_view *v)
{
	int y, bottom = f->h, x;

	f->tabs = (struct viz_rect){0, 0, f->w, lp(f, TAB_H)};
	y = f->tabs.h;
	memset(f->swatch, 0, sizeof f->swatch);
	if (v->flags & VIZ_SHOW_LEGEND) {
		/* items as wide as the longest label needs (the small font's
		 * glyphs are under 6.5 px), on as many rows as that takes */
		size_t longest = 0;
		int items = AL_ST_DONE, failed = 0;
		for (int i = 0; i < s->ntracks; i++)
			failed |= s->tracks[i].nmarks > 0;
		items += failed;        /* and "page failed", in swatch[AL_ST_DONE] */
		for (int st = 0; st < AL_ST_DONE; st++)
			if (strlen(viz_palette[st].legend) > longest)
				longest = strlen(viz_palette[st].legend);
		int avail = f->w - lp(f, 16), need = lp(f, 12 + 5 + 6.5 * (double)longest + 12);
		int per_row = need > 0 ? avail / need : items;
		per_row = per_row < 1 ? 1 : per_row > items ? items : per_row;
		int rows = (items + per_row - 1) / per_row;
		per_row = (items + rows - 1) / rows;          /* rows evenly filled */
		int iw = avail / per_row;

		iw = iw > lp(f, 130) ? lp(f, 130) : iw;
		f->legend = (struct viz_rect){0, y, f->w, rows * lp(f, LEGEND_H)};
		for (int st = 0; st < items; st++) {
			x = lp(f, 8) + (st % per_row) * iw;
			f->swatch[st] = (struct viz_rect){x, y + (st / per_row) * lp(f, LEGEND_H) +
							  lp(f, 5), lp(f, 12), lp(f, 12)};
		}
		y += f->legend.h;
	} else {
		f->legend = (struct viz_rect){0, y, f->w, 0};
	}
	if (v->flags & VIZ_SHOW_REPORT) {
		int rh = lp(f, (s->ntracks + 1) * REPORT_ROW + REPORT_PAD);

		f->report = (struct viz_rect){0, bottom - rh, f->w, rh};
		bottom -= rh;
	} else {
		f->report = (struct viz_rect){0, bottom, f->w, 0};
	}
	f->gutter = (struct viz_rect){0, y, lp(f, GUTTER_W), 0};
	x = f->gutter.w;
	if (v->flags & VIZ_SHOW_CPU_AXIS) {
		f->cpu_axis = (struct viz_rect){x, bottom - lp(f, CPU_AXIS_H), 0, lp(f, CPU_AXIS_H)};
		bottom -= f->cpu_axis.h;
	} else {
		f->cpu_axis = (struct viz_rect){x, bottom, 0, 0};
	}
	f->axis = (struct viz_rect){x, bottom - lp(f, AXIS_H), 0, lp(f, AXIS_H)};
	bottom -= f->axis.h;
	if (bottom < y + 1)
		bottom = y + 1;
	f->gutter.h = bottom - y;
	f->plot = (struct viz_rect){x, y, f->w - x - lp(f, RIGHT_PAD), bottom - y};
	if (f->plot.w < 1)
		f->plot.w = 1;
	f->axis.w = f->cpu_axis.w = f->plot.w;
}

void viz_frame_make(struct viz_frame *f, const struct viz_scene *s,
		    const struct viz_view *v, int w, int h, double scale)
{
	const struct viz_track *tr[VIZ_MAX_SECTIONS];
	int n, y;
	double content = 0;

	memset(f, 0, sizeof *f);
	f->scene = s;
	f->view = v;
	f->w = w > 1 ? w : 1;
	f->h = h > 1 ? h : 1;
	f->scale = scale > 0 ? scale : 1;
	chrome(f, s, v);
	f->ntabs = viz_view_tabs(s, v->run >= 0 && v->run < s->nruns ? v->run : 0, f->tab);
	f->active = 0;
	for (int i = 0; i < f->ntabs; i++) {
		f->tab[i].r = (struct viz_rect){lp(f, 8 + i * TAB_W), 0, lp(f, TAB_W - 4), f->tabs.h};
		if (f->tab[i].kind == v->tab &&
		    (v->tab != VIZ_TAB_MODEL || f->tab[i].model == v->model))
			f->active = i;
	}
	f->t0 = v->t0;
	f->t1 = v->t1 > v->t0 ? v->t1 : v->t0 + 1;
	f->ns_per_px = (double)(f->t1 - f->t0) / f->plot.w;
	f->cursor = v->cursor;
	n = pick_tracks(s, v, tr);
	y = f->plot.y - (int)lround(v->scroll * f->scale);
	int bands = v->tab == VIZ_TAB_RUNS && s->nruns > 1 && !s->twins;
	for (int i = 0; i < n; i++) {
		struct viz_section *sc = &f->sec[f->nsec++];
		double lanes = tr[i]->nlanes * v->lane_h;

		if (v->section_max > 0 && lanes > v->section_max)
			lanes = v->section_max;
		sc->track = tr[i];
		if (bands && (i == 0 || tr[i]->run != tr[i - 1]->run)) {
			sc->band = 1;
			sc->band_h = lp(f, BAND_H);
			y += sc->band_h;
			content += BAND_H;
		}
		sc->top = y;
		sc->lanes_top = y + lp(f, HEADER_H);
		sc->lanes_h = (int)lround(lanes * f->scale);
		if (tr[i]->nlanes > 0 && sc->lanes_h < 1)
			sc->lanes_h = 1;
		sc->lane_h = tr[i]->nlanes ? (double)sc->lanes_h / tr[i]->nlanes : 0;
		sc->ctr_top = sc->lanes_top + sc->lanes_h;
		sc->ctr_h = v->flags & VIZ_SHOW_COUNTERS ? lp(f, COUNTERS_H) : 0;
		sc->bottom = sc->ctr_top + sc->ctr_h;
		sc->k = 1;
		if (v->flags & VIZ_OWN_SCALE &&
		    (v->tab == VIZ_TAB_COMPARE || (v->tab == VIZ_TAB_RUNS && !s->twins)) &&
		    tr[i]->end > 0 &&
		    s->t_end > 0 && tr[i]->end < s->t_end) {
			sc->k = (double)tr[i]->end / (double)s->t_end;
			f->own_scale = 1;
		}
		y = sc->bottom + lp(f, GAP);
		content += section_extra(v->flags) + lanes;
	}
	f->content_h = content;
}

void viz_view_init(struct viz_view *v, const struct viz_scene *s)
{
	memset(v, 0, sizeof *v);
	v->t0 = 0;
	v->t1 = s->t_end;
	v->lane_h = LANE_MAX;
	v->tab = VIZ_TAB_COMPARE;
	v->model = s->ntracks ? s->tracks[0].model : AL_MODEL_SYNC;
	v->hover.span = v->pinned.span = v->selected.span = -1;
	v->cursor = VIZ_NO_CURSOR;
	v->flags = VIZ_SHOW_LEGEND | VIZ_SHOW_COUNTERS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void viz_view_fit(struct viz_view *v, const struct viz_scene *s, int w, int h, double scale)
{
	struct viz_frame f;
	double avail, total = 0, size[VIZ_MAX_SECTIONS];

	v->t0 = 0;
	v->t1 = s->t_end;
	v->scroll = 0;
	v->section_max = 0;
	v->lane_h = LANE_MAX;
	viz_frame_make(&f, s, v, w, h, scale);
	/* the time of what is shown: one fast model gets the whole width */
	v->t1 = 1;
	for (int i = 0; i < f.nsec; i++)
		if (f.sec[i].track->end > v->t1)
			v->t1 = f.sec[i].track->end;
	v->t1 += v->t1 / 100;
	avail = f.plot.h / f.scale - f.nsec * section_extra(v->flags) + GAP;
	for (int i = 0; i < f.nsec; i++)
		avail -= f.sec[i].band ? BAND_H : 0;
	if (avail < f.nsec)
		avail = f.nsec;
	for (int i = 0; i < f.nsec; i++)
		total += f.sec[i].track->nlanes;
	if (total == 0 || total * LANE_MAX <= avail)
		return;
	v->lane_h = avail / total;
	if (v->lane_h >= LANE_MIN_UNIFORM || f.nsec == 1)
		return;
	/* Water-filling: lanes of LANE_MIN_UNIFORM, and the largest
	 * sections capped at the level where everything fits. */
	v->lane_h = LANE_MIN_UNIFORM;
	for (int i = 0; i < f.nsec; i++)
		size[i] = f.sec[i].track->nlanes * LANE_MIN_UNIFORM;
	qsort(size, (size_t)f.nsec, sizeof size[0], cmp_double);
	for (int i = 0; i < f.nsec; i++) {
		double share = avail / (f.nsec - i);

		if (size[i] > share) {
			v->section_max = share;
			break;
		}
		avail -= size[i];
	}
	if (v->section_max > 0 && v->section_max < 1)
		v->section_max = 1;
}

static void clamp_time(struct viz_view *v, const struct viz_scene *s)
{
	int64_t ext = s->t_end, margin = ext / 20, w = v->t1 - v->t0;

	if (w < 10)
		w = 10;
	if (w > ext + 2 * margin)
		w = ext + 2 * margin;
	if (v->t0 < -margin)
		v->t0 = -margin;
	if (v->t0 + w > ext + margin)
		v->t0 = ext + margin - w;
	v->t1 = v->t0 + w;
}

void viz_view_zoom(struct viz_view *v, const struct viz_scene *s, int64_t at, double factor)
{
	double w = (double)(v->t1 - v->t0) / (factor > 0 ? factor : 1);

	v->t0 = at - (int64_t)llround((double)(at - v->t0) / (factor > 0 ? factor : 1));
	v->t1 = v->t0 + (int64_t)llround(w);
	clamp_time(v, s);
}

static void clamp_scroll(struct viz_view *v, const struct viz_frame *f)
{
	double max = f->content_h - f->plot.h / f->scale;

	if (v->scroll > max)
		v->scroll = max;
	if (v->scroll < 0)
		v->scroll = 0;
}

void viz_view_pan(struct viz_view *v, const struct viz_frame *f, double dx, double dy)
{
	int64_t dt = (int64_t)llround(-dx * f->scale * f->ns_per_px);

	v->t0 += dt;
	v->t1 += dt;
	clamp_time(v, f->scene);
	v->scroll -= dy;
	clamp_scroll(v, f);
}

void viz_view_show_lane(struct viz_view *v, const struct viz_frame *f, int sec, uint32_t lane)
{
	int y0, y1;

	if (viz_frame_lane_y(f, sec, lane, &y0, &y1) < 0)
		return;
	if (y0 < f->plot.y)
		v->scroll -= (f->plot.y - y0) / f->scale + HEADER_H;
	else if (y1 > f->plot.y + f->plot.h)
		v->scroll += (y1 - f->plot.y - f->plot.h) / f->scale + GAP;
	clamp_scroll(v, f);
}

void viz_view_set_tab(struct viz_view *v, const struct viz_frame *f, int i)
{
	if (i < 0 || i >= f->ntabs)
		return;
	v->tab = f->tab[i].kind;
	if (v->tab == VIZ_TAB_MODEL)
		v->model = f->tab[i].model;
	v->scroll = 0;
	v->hover.valid = v->pinned.valid = v->selected.valid = 0;
}

void viz_frame_for_section(struct viz_frame *out, const struct viz_frame *f, int sec)
{
	double k = sec >= 0 && sec < f->nsec ? f->sec[sec].k : 1;

	*out = *f;
	if (k == 1)
		return;
	out->t0 = (int64_t)llround((double)f->t0 * k);
	out->t1 = (int64_t)llround((double)f->t1 * k);
	if (out->t1 <= out->t0)
		out->t1 = out->t0 + 1;
	out->ns_per_px = f->ns_per_px * k;
	if (f->cursor != VIZ_NO_CURSOR)
		out->cursor = (int64_t)llround((double)f->cursor * k);
}

double viz_frame_time_x(const struct viz_frame *f, int64_t t)
{
	return f->plot.x + (double)(t - f->t0) / f->ns_per_px;
}

int64_t viz_frame_x_time(const struct viz_frame *f, double x)
{
	return f->t0 + (int64_t)llround((x - f->plot.x) * f->ns_per_px);
}

int viz_frame_section(const struct viz_frame *f, int run, enum al_model m)
{
	for (int i = 0; i < f->nsec; i++)
		if (f->sec[i].track->run == run && f->sec[i].track->model == m)
			return i;
	return -1;
}

/* Lane i's first row in its section: floor(i * lanes_h / n), in integers
 * so that lanes and bands agree to the row. */
static int lane_row(const struct viz_section *sc, uint32_t i)
{
	return (int)((uint64_t)i * (uint64_t)sc->lanes_h / sc->track->nlanes);
}

/* The first lane whose first row is at least r: ceil(r * n / lanes_h). */
static uint32_t first_lane_of_row(const struct viz_section *sc, int r)
{
	uint64_t n = sc->track->nlanes, h = (uint64_t)sc->lanes_h;

	return (uint32_t)(((uint64_t)r * n + h - 1) / h);
}

int viz_frame_lane_y(const struct viz_frame *f, int sec, uint32_t lane, int *y0, int *y1)
{
	const struct viz_section *sc;
	int r0, r1;

	if (sec < 0 || sec >= f->nsec || lane >= f->sec[sec].track->nlanes)
		return -1;
	sc = &f->sec[sec];
	r0 = lane_row(sc, lane);
	r1 = lane_row(sc, lane + 1);
	*y0 = sc->lanes_top + r0;
	*y1 = sc->lanes_top + (r1 > r0 ? r1 : r0 + 1);
	return sc->lanes_h < (int)sc->track->nlanes ? 1 : 0;
}

int viz_frame_row_lanes(const struct viz_frame *f, int sec, int y, uint32_t *a, uint32_t *b)
{
	const struct viz_section *sc;
	uint32_t n;
	int r;

	if (sec < 0 || sec >= f->nsec)
		return -1;
	sc = &f->sec[sec];
	n = sc->track->nlanes;
	r = y - sc->lanes_top;
	if (n == 0 || r < 0 || r >= sc->lanes_h)
		return -1;
	*a = first_lane_of_row(sc, r);
	if (*a >= n || lane_row(sc, *a) > r)  /* r is inside the lane before */
		(*a)--;
	*b = first_lane_of_row(sc, r + 1);
	if (*b <= *a)
		*b = *a + 1;
	return 0;
}

int viz_frame_pick(const struct viz_frame *f, double x, double y, struct viz_pick *out)
{
	memset(out, 0, sizeof *out);
	out->span = -1;
	if (x < f->plot.x || x >= f->plot.x + f->plot.w || y < f->plot.y ||
	    y >= f->plot.y + f->plot.h)
		return 0;
	for (int i = 0; i < f->nsec; i++) {
		const struct viz_section *sc = &f->sec[i];
		const struct viz_track *tr = sc->track;
		uint32_t a, b;
		int64_t t, slack;
		size_t k;

		if (viz_frame_row_lanes(f, i, (int)floor(y), &a, &b) != 0)
			continue;
		out->valid = 1;
		out->section = i;
		out->lane = a;
		out->lane_end = b;
		if (b - a != 1)
			return 1;
		/* the span under x, or one within two pixels of it: spans
		 * shorter than a pixel can still be pointed at */
		struct viz_frame fs;
		viz_frame_for_section(&fs, f, i);
		f = &fs;
		t = viz_frame_x_time(f, x);
		slack = (int64_t)(2 * f->scale * f->ns_per_px);
		k = viz_layout_span_from(tr, &tr->lanes[a], t - slack);
		if (k < (size_t)tr->lanes[a].first + tr->lanes[a].n && tr->spans[k].t0 <= t + slack &&
		    tr->spans[k].t0 < f->cursor) {
			long at = viz_layout_span_at(tr, &tr->lanes[a], t);

			out->span = at >= 0 && tr->spans[at].t0 < f->cursor ? at : (long)k;
		}
		return 1;
	}
	return 0;
}

int viz_frame_tab_at(const struct viz_frame *f, int x, int y)
{
	for (int i = 0; i < f->ntabs; i++) {
		const struct viz_rect *r = &f->tab[i].r;

		if (x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h)
			return i;
	}
	return -1;
}
