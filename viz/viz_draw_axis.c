/* The time axis, its grid, and the CPU time view's axis.
 *
 * Ticks fall on multiples of a 1-2-5 step chosen so that two labels are
 * at least ~90 logical pixels apart, whatever the zoom (10 ns to an hour
 * on screen).  The CPU axis reuses the same tick positions and labels each
 * with the time a CPU at the scenario's clock would feel if one cycle took
 * a second (the article's section 2.1): the two rows then read as a
 * conversion table at every zoom. */
#include "viz/viz_draw_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/viz_fmt.h"

int64_t viz_axis_step(const struct viz_frame *f)
{
	double spacing = f->view->flags & VIZ_SHOW_CPU_AXIS ? 110 : 90;

	return viz_fmt_step(spacing * f->scale * f->ns_per_px);
}

/* The first tick at or after t. */
static int64_t first_tick(int64_t t, int64_t step)
{
	int64_t q = t / step * step;

	return q < t ? q + step : q;
}

void viz_draw_grid(struct viz_paint *p, const struct viz_frame *f)
{
	int64_t step = viz_axis_step(f);

	for (int64_t t = first_tick(f->t0, step); t <= f->t1; t += step) {
		int x = (int)floor(viz_frame_time_x(f, t));

		if (x >= f->plot.x && x < f->plot.x + f->plot.w)
			viz_rects_add(&p->misc, x, f->plot.y, viz_px(f, 1), f->plot.h);
	}
	viz_rects_fill(p->r, &p->misc, viz_rgb_grid);
}

/* The CPU of what f shows, in GHz: one rate for every section's run, or
 * 0 when their CPUs differ (one axis would be one run's, wrong for the
 * others).  A scene of one CPU keeps its rate whatever is shown. */
static double shown_ghz(const struct viz_frame *f)
{
	double ghz = f->scene->ghz;

	if (!f->scene->ghz_mixed)
		return ghz;
	for (int i = 0; i < f->nsec; i++) {
		double g = viz_layout_run_ghz(f->scene, f->sec[i].track->run);

		if (i == 0)
			ghz = g;
		else if (g != ghz)
			return 0;
	}
	return ghz;
}

static void draw_ticks(struct viz_paint *p, const struct viz_frame *f, const struct viz_rect *a,
		       int felt)
{
	int64_t step = viz_axis_step(f), lead = step, minor, rel = -1;
	int tick = viz_px(f, 5), lx = f->plot.x + f->plot.w;
	double ghz = shown_ghz(f);

	while (lead >= 10 && lead % 10 == 0)
		lead /= 10;
	minor = step / (lead == 2 ? 4 : 5);   /* 1-2-5 steps: fifths, quarters, fifths */

	viz_fill(p->r, viz_rgb_panel, 0, a->y, f->w, a->h);
	viz_fill(p->r, viz_rgb_dim, a->x, a->y, a->w, viz_px(f, 1));
	if (minor > 0 && minor / f->ns_per_px >= 6 * f->scale)
		for (int64_t t = first_tick(f->t0, minor); t <= f->t1; t += minor) {
			int x = (int)floor(viz_frame_time_x(f, t));

			if (x >= a->x && x < a->x + a->w)
				viz_rects_add(&p->misc, x, a->y, viz_px(f, 1), tick / 2);
		}
	/* Zoomed in far from 0, every felt label would read the same ("12.4
	 * years"): the ticks then say how much felt time each adds to the
	 * first one. */
	if (felt) {
		char a0[64], a1[64];
		int64_t t = first_tick(f->t0, step);

		viz_fmt_felt(a0, sizeof a0, viz_fmt_felt_seconds((double)t, ghz));
		viz_fmt_felt(a1, sizeof a1, viz_fmt_felt_seconds((double)(t + step), ghz));
		rel = strcmp(a0, a1) == 0 ? t : -1;
	}
	for (int64_t t = first_tick(f->t0, step); t <= f->t1; t += step) {
		int x = (int)floor(viz_frame_time_x(f, t));
		char buf[64];
		int w;

		if (x < a->x || x >= a->x + a->w)
			continue;
		viz_rects_add(&p->misc, x, a->y, viz_px(f, 1), tick);
		if (felt && rel >= 0 && t > rel) {
			buf[0] = '+';
			viz_fmt_felt(buf + 1, sizeof buf - 1,
				     viz_fmt_felt_seconds((double)(t - rel), ghz));
		} else if (felt) {
			viz_fmt_felt(buf, sizeof buf, viz_fmt_felt_seconds((double)t, ghz));
		} else {
			viz_fmt_tick(buf, sizeof buf, t, step);
		}
		w = viz_text_w(p, VIZ_F_SMALL, buf);
		/* keep the labels inside the axis; the last one may not fit */
		if (x - w / 2 < a->x)
			viz_text(p, VIZ_F_SMALL, a->x, a->y + tick, viz_rgb_text, VIZ_LEFT, buf);
		else if (x + w / 2 < lx)
			viz_text(p, VIZ_F_SMALL, x, a->y + tick, viz_rgb_text, VIZ_CENTRE, buf);
	}
	viz_rects_fill(p->r, &p->misc, viz_rgb_dim);
}

void viz_draw_axes(struct viz_paint *p, const struct viz_frame *f)
{
	char ghz[32];

	draw_ticks(p, f, &f->axis, 0);
	viz_text(p, VIZ_F_SMALL, viz_px(f, 8), f->axis.y + viz_px(f, 5), viz_rgb_dim, VIZ_LEFT,
		 f->own_scale ? "time: the longest run's" : "time");
	if (f->own_scale)
		viz_text(p, VIZ_F_SMALL, f->plot.x + f->plot.w / 2, f->axis.y + f->axis.h -
			 viz_text_h(p, VIZ_F_SMALL), viz_rgb_accent, VIZ_CENTRE,
			 "each model on its own time scale: its run fills the width (s: one scale)");
	if (f->cpu_axis.h > 0 && shown_ghz(f) > 0) {
		draw_ticks(p, f, &f->cpu_axis, 1);
		snprintf(ghz, sizeof ghz, "%.3g", shown_ghz(f));
		viz_textf(p, VIZ_F_SMALL, viz_px(f, 8), f->cpu_axis.y + viz_px(f, 5), viz_rgb_dim,
			  VIZ_LEFT, "felt by a %s GHz CPU", ghz);
	} else if (f->cpu_axis.h > 0) {
		viz_text(p, VIZ_F_SMALL, viz_px(f, 8), f->cpu_axis.y + viz_px(f, 5), viz_rgb_dim,
			 VIZ_LEFT, "CPU time: these runs' CPUs differ, so no one axis; each run's "
			 "compare tab ([ / ]) has its own");
	}
}

void viz_draw_events(struct viz_paint *p, const struct viz_frame *f)
{
	/* runs whose events differ: no one scenario time to mark */
	const struct al_scenario *sc = f->scene->nruns > 0 && !f->scene->events_mixed ?
				       &f->scene->runs[0]->sc : NULL;
	int lh = viz_text_h(p, VIZ_F_SMALL), pad = viz_px(f, 3), mk = viz_px(f, 7);

	/* on own time scales a scenario time has no one place */
	for (int i = 0; sc && !f->own_scale && i < sc->nevents && i < AL_SCENARIO_MAX_EVENTS; i++) {
		const struct al_event_cfg *e = &sc->events[i];
		int x = (int)floor(viz_frame_time_x(f, e->at_ns));
		char what[160], buf[224], at[48];

		if (e->at_ns < f->t0 || e->at_ns > f->t1 || x < f->plot.x ||
		    x >= f->plot.x + f->plot.w)
			continue;
		/* dashed, so the lanes under it still read */
		int dash = mk / 2 > 0 ? mk / 2 : 1, end = f->plot.y + f->plot.h;
		for (int y = f->plot.y; y < end; y += 2 * dash)
			viz_fill(p->r, viz_rgb_event, x, y, viz_px(f, 1), y + dash < end ? dash : end - y);
		viz_fill(p->r, viz_rgb_event, x - mk / 2, f->axis.y, mk, mk);
		viz_fmt_event(what, sizeof what, e);
		viz_fmt_duration(at, sizeof at, (double)e->at_ns);
		snprintf(buf, sizeof buf, "%s: %s", at, what);
		if (lh <= 0)
			continue;
		int w = viz_text_w(p, VIZ_F_SMALL, buf) + 2 * pad;
		int y = f->plot.y + (i % 3) * (lh + pad);
		int lx = x + w < f->plot.x + f->plot.w ? x : x - w;

		viz_fill(p->r, viz_rgb_event, lx, y, w, lh);
		viz_text(p, VIZ_F_SMALL, lx + pad, y, viz_rgb_bg, VIZ_LEFT, buf);
	}
}
