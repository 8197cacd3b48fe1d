/* One frame of the timelines (viz_draw.h): the order of the layers and the
 * small parts that need no file of their own (tabs, section headers, the
 * playback cursor and its status, the hovered span's outline, the
 * selected lane).
 *
 * Layers go back to front: background, grid, lanes, counters, labels and
 * headers, the selection, marks, axes, panels, tooltip, help.  Everything
 * in the plot is clipped to it, so a section scrolled half out of view is
 * cut at the plot's edge and never paints over the tabs or the axis. */
#include "viz/viz_draw_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/viz_fmt.h"

static void draw_tabs(struct viz_paint *p, const struct viz_frame *f)
{
	const struct viz_scene *s = f->scene;
	int lh = viz_text_h(p, VIZ_F_SANS);

	viz_fill(p->r, viz_rgb_panel, 0, 0, f->w, f->tabs.h);
	for (int i = 0; i < f->ntabs; i++) {
		const struct viz_rect *q = &f->tab[i].r;
		int on = i == f->active, ty = q->y + (q->h - lh) / 2;

		if (on)
			viz_fill(p->r, viz_rgb_tab, q->x, q->y + viz_px(f, 3), q->w, q->h - viz_px(f, 3));
		viz_text(p, on ? VIZ_F_BOLD : VIZ_F_SANS, q->x + q->w / 2, ty,
			 on ? viz_rgb_text : viz_rgb_dim, VIZ_CENTRE, f->tab[i].name);
	}
	if (s->nruns > 0) {
		const struct al_scenario *sc = &s->runs[0]->sc;
		const struct viz_rect *last = &f->tab[f->ntabs > 0 ? f->ntabs - 1 : 0].r;
		char title[192];

		if (s->nruns > 1 && !s->twins) {     /* the run the tabs show, or all */
			int r = f->view->run >= 0 && f->view->run < s->nruns ? f->view->run : 0;
			char rn[64];

			viz_layout_run_name(s, r, rn, sizeof rn);
			if (f->view->tab == VIZ_TAB_RUNS)
				snprintf(title, sizeof title, "%d runs ([ / ]: one of them)",
					 s->nruns);
			else
				snprintf(title, sizeof title, "run %d of %d: %s · %s · seed %llu",
					 r + 1, s->nruns, rn,
					 s->runs[r]->sc.name[0] ? s->runs[r]->sc.name : "scenario",
					 (unsigned long long)s->runs[r]->sc.seed);
		} else {
			snprintf(title, sizeof title, "%s · %s%s%s · seed %llu",
				 sc->name[0] ? sc->name : "scenario", s->runs[0]->net,
				 s->nruns > 1 ? " + " : "", s->nruns > 1 ? s->runs[1]->net : "",
				 (unsigned long long)sc->seed);
		}
		/* right of the tabs, or not at all */
		if (f->w - viz_px(f, 10) - viz_text_w(p, VIZ_F_SMALL, title) >=
		    (f->ntabs > 0 ? last->x + last->w + viz_px(f, 8) : 0))
			viz_text(p, VIZ_F_SMALL, f->w - viz_px(f, 10),
				 (f->tabs.h - viz_text_h(p, VIZ_F_SMALL)) / 2, viz_rgb_dim, VIZ_RIGHT,
				 title);
	}
}

/* The runs tab: a run's band header, dark across the width, over the
 * sections of its models. */
static void draw_band(struct viz_paint *p, const struct viz_frame *f,
		      const struct viz_section *sc)
{
	const struct viz_scene *s = f->scene;
	const struct viz_run *run = s->runs[sc->track->run];
	int y = sc->top - sc->band_h, lh = viz_text_h(p, VIZ_F_BOLD);
	char rn[64], net[16] = "";

	viz_fill(p->r, viz_rgb_dim, 0, y, f->w, sc->band_h - viz_px(f, 2));
	viz_layout_run_name(s, sc->track->run, rn, sizeof rn);
	if (!strstr(rn, run->net))      /* a file's name: the net is said here */
		snprintf(net, sizeof net, " · %s", run->net);
	viz_textf(p, VIZ_F_BOLD, viz_px(f, 8), y + (sc->band_h - viz_px(f, 2) - lh) / 2,
		  viz_rgb_bg, VIZ_LEFT, "run %d of %d: %s%s · scenario %s, seed %llu", sc->track->run + 1,
		  s->nruns, rn, net, run->sc.name[0] ? run->sc.name : "scenario",
		  (unsigned long long)run->sc.seed);
}

static void draw_headers(struct viz_paint *p, const struct viz_frame *f)
{
	int lh = viz_text_h(p, VIZ_F_BOLD);
	SDL_Rect clip = {0, f->plot.y, f->w, f->plot.h};

	SDL_RenderSetClipRect(p->r, &clip);
	for (int i = 0; i < f->nsec; i++) {
		const struct viz_section *sc = &f->sec[i];
		const struct viz_track *tr = sc->track;
		const struct al_report *rp = &tr->src->report;
		int hh = sc->lanes_top - sc->top, x = viz_px(f, 8), ty = sc->top + (hh - lh) / 2;
		char el[32], ok[32], bad[32], lanes[32], extra[64] = "";

		if (sc->bottom <= f->plot.y || sc->top - sc->band_h >= f->plot.y + f->plot.h)
			continue;
		if (sc->band)
			draw_band(p, f, sc);
		viz_fill(p->r, viz_rgb_panel, 0, sc->top, f->w, hh - viz_px(f, 1));
		x += viz_text(p, VIZ_F_BOLD, x, ty, viz_rgb_text, VIZ_LEFT, al_model_name(tr->model));
		if (f->scene->nruns > 1) {
			char rn[64];

			viz_layout_run_name(f->scene, tr->run, rn, sizeof rn);
			x += viz_textf(p, VIZ_F_BOLD, x, ty, viz_rgb_text, VIZ_LEFT, " (%s)", rn);
		}
		viz_fmt_duration(el, sizeof el, (double)rp->elapsed_ns);
		viz_fmt_count(ok, sizeof ok, rp->pages_ok);
		viz_fmt_count(bad, sizeof bad, rp->pages_failed);
		viz_fmt_count(lanes, sizeof lanes, tr->nlanes);
		if (sc->lanes_h < (int)tr->nlanes)
			snprintf(extra, sizeof extra, ", ~%.0f per pixel row",
				 (double)tr->nlanes / sc->lanes_h);
		/* the speed-up on the right, unless the summary needs the room */
		char sum[320], up[32] = "", scale[48] = "";
		if (sc->k != 1)         /* on its own time scale: say how stretched */
			snprintf(scale, sizeof scale, " · own time scale, %.3g× the axis", 1 / sc->k);
		snprintf(sum, sizeof sum, "%s · %s ok, %s failed · %s lanes%s%s", el, ok, bad, lanes,
			 extra, scale);
		if (rp->speedup > 0)
			snprintf(up, sizeof up, "speed-up %.1f×", rp->speedup);
		x += viz_px(f, 10) + viz_text(p, VIZ_F_SANS, x + viz_px(f, 10), ty, viz_rgb_dim,
					      VIZ_LEFT, sum);
		if (up[0] && x + viz_px(f, 12) <= f->w - viz_px(f, 12) - viz_text_w(p, VIZ_F_SANS, up))
			viz_text(p, VIZ_F_SANS, f->w - viz_px(f, 12), ty, viz_rgb_dim, VIZ_RIGHT, up);
	}
	SDL_RenderSetClipRect(p->r, NULL);
}

/* The pinned (else hovered) span's outline, and the playback cursor's line. */
static void draw_marks(struct viz_paint *p, const struct viz_frame *f)
{
	const struct viz_pick *k = f->view->pinned.valid ? &f->view->pinned : &f->view->hover;
	SDL_Rect clip = {f->plot.x, f->plot.y, f->plot.w, f->plot.h};

	SDL_RenderSetClipRect(p->r, &clip);
	if (k->valid && k->section >= 0 && k->section < f->nsec && k->span >= 0 &&
	    (size_t)k->span < f->sec[k->section].track->nspans) {
		const struct viz_span *sp = &f->sec[k->section].track->spans[k->span];
		int y0, y1, x0, x1, t = viz_px(f, 2);
		struct viz_frame fs;

		viz_frame_for_section(&fs, f, k->section);
		if (viz_frame_lane_y(f, k->section, k->lane, &y0, &y1) >= 0) {
			x0 = (int)floor(viz_frame_time_x(&fs, sp->t0));
			/* during playback, only as much of it as has happened */
			x1 = (int)ceil(viz_frame_time_x(&fs, sp->t1 < fs.cursor ? sp->t1 : fs.cursor));
			if (x1 - x0 < 3 * t) {            /* keep a tiny span findable */
				x0 -= t;
				x1 = x0 + 3 * t;
			}
			viz_outline(p->r, viz_rgb_bg, x0 - t, y0 - t, x1 - x0 + 2 * t,
				      y1 - y0 + 2 * t, t / 2 > 0 ? t / 2 : 1);
			viz_outline(p->r, viz_rgb_mark, x0 - t / 2, y0 - t / 2, x1 - x0 + t,
				      y1 - y0 + t, t);
		}
	}
	if (f->cursor != VIZ_NO_CURSOR && f->cursor >= f->t0 && f->cursor <= f->t1) {
		int x = (int)floor(viz_frame_time_x(f, f->cursor));

		viz_fill(p->r, viz_rgb_cursor, x, f->plot.y, viz_px(f, 2), f->plot.h);
	}
	SDL_RenderSetClipRect(p->r, NULL);
}

/* The selected lane: a line above and below it across the plot, and its
 * label on a highlight in the gutter, drawn over the others so that it
 * reads even where lanes are thinner than text. */
static void draw_selection(struct viz_paint *p, const struct viz_frame *f)
{
	const struct viz_pick *k = &f->view->selected;
	const struct viz_track *tr;
	const struct viz_lane *l;
	int y0, y1, lh = viz_text_h(p, VIZ_F_BOLD), t = viz_px(f, 1), ty, d;
	SDL_Rect clip = {0, f->plot.y, f->w, f->plot.h};
	char buf[96];

	if (!k->valid || k->section < 0 || k->section >= f->nsec ||
	    k->lane >= f->sec[k->section].track->nlanes ||
	    viz_frame_lane_y(f, k->section, k->lane, &y0, &y1) < 0 ||
	    y1 <= f->plot.y || y0 >= f->plot.y + f->plot.h)
		return;
	tr = f->sec[k->section].track;
	l = &tr->lanes[k->lane];
	SDL_RenderSetClipRect(p->r, &clip);
	viz_fill(p->r, viz_rgb_accent, f->plot.x, y0 - t, f->plot.w, t);
	viz_fill(p->r, viz_rgb_accent, f->plot.x, y1, f->plot.w, t);
	lh = lh > 0 ? lh : y1 - y0;
	ty = (y0 + y1 - lh) / 2;
	ty = ty + lh > f->plot.y + f->plot.h ? f->plot.y + f->plot.h - lh : ty;
	ty = ty < f->plot.y ? f->plot.y : ty;
	viz_fill(p->r, viz_rgb_select, 0, ty, f->gutter.w - viz_px(f, 4), lh);
	viz_fill(p->r, viz_rgb_accent, 0, ty, viz_px(f, 3), lh);
	d = l->depth < 8 ? l->depth : 8;
	viz_layout_lane_label(tr, l, buf, sizeof buf);
	viz_text(p, VIZ_F_BOLD, viz_px(f, 8 + 12 * d), ty, viz_rgb_text, VIZ_LEFT, buf);
	SDL_RenderSetClipRect(p->r, NULL);
}

/* Playback's state and speed, next to the axis's name. */
static void draw_play_status(struct viz_paint *p, const struct viz_frame *f)
{
	const struct viz_view *v = f->view;
	int x = viz_px(f, 8) + viz_text_w(p, VIZ_F_SMALL, "time") + viz_px(f, 10);

	if (v->cursor == VIZ_NO_CURSOR || v->speed <= 0)
		return;
	viz_textf(p, VIZ_F_SMALL, x, f->axis.y + viz_px(f, 5), v->playing ? viz_rgb_cursor :
		  viz_rgb_dim, VIZ_LEFT, "%s %g× real time", v->playing ? "▶" : "‖", v->speed);
}

/* The cursor's time, on the axis (over its ticks). */
static void draw_cursor_label(struct viz_paint *p, const struct viz_frame *f)
{
	if (f->cursor != VIZ_NO_CURSOR && f->cursor >= f->t0 && f->cursor <= f->t1) {
		char buf[48];
		int x = (int)floor(viz_frame_time_x(f, f->cursor));

		int w, h = viz_text_h(p, VIZ_F_SMALL), y;

		viz_fmt_tick(buf, sizeof buf, f->cursor, viz_axis_step(f) / 100 > 0 ?
			     viz_axis_step(f) / 100 : 1);
		w = viz_text_w(p, VIZ_F_SMALL, buf) + viz_px(f, 8);
		h = h > 0 ? h : viz_px(f, 4);
		y = f->axis.y + f->axis.h - h;
		viz_fill(p->r, viz_rgb_cursor, x - w / 2, y, w, h);
		viz_text(p, VIZ_F_SMALL, x, y, viz_rgb_bg, VIZ_CENTRE, buf);
	}
}

int viz_draw(SDL_Renderer *r, struct viz_scene *s, const struct viz_view *v,
	     int w, int h, double scale)
{
	struct viz_paint *p;
	struct viz_frame f;
	SDL_Rect clip;
	int rc;

	if (!r || !s || !v || w <= 0 || h <= 0) {
		SDL_SetError("viz_draw: bad arguments");
		errno = EINVAL;
		return -1;
	}
	p = viz_paint_get(s, r, scale > 0 ? scale : 1);
	if (!p) {
		SDL_SetError("viz_draw: out of memory");
		errno = ENOMEM;
		return -1;
	}
	viz_frame_make(&f, s, v, w, h, scale);
	SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
	SDL_RenderSetClipRect(r, NULL);
	SDL_SetRenderDrawColor(r, viz_rgb_bg.r, viz_rgb_bg.g, viz_rgb_bg.b, 255);
	if (SDL_RenderClear(r) != 0)
		return -1;
	draw_tabs(p, &f);
	viz_draw_legend(p, &f);
	clip = (SDL_Rect){f.plot.x, f.plot.y, f.plot.w, f.plot.h};
	SDL_RenderSetClipRect(r, &clip);
	viz_draw_grid(p, &f);
	rc = viz_draw_lanes(p, &f);
	viz_draw_counters(p, &f);
	SDL_RenderSetClipRect(r, NULL);
	draw_headers(p, &f);
	viz_draw_labels(p, &f);
	draw_selection(p, &f);
	viz_draw_failures(p, &f);
	draw_marks(p, &f);
	viz_draw_axes(p, &f);
	viz_draw_events(p, &f);
	draw_play_status(p, &f);
	draw_cursor_label(p, &f);
	viz_draw_report(p, &f);
	viz_draw_tooltip(p, &f);
	viz_draw_help(p, &f);
	SDL_RenderSetClipRect(r, NULL);
	return rc;
}
