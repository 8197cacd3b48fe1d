/* Navigation in time and through lanes (viz_window_int.h): playback --
 * the cursor, its speed, its steps, the window following it -- and the
 * selected lane, moved as one list over the sections and jumped to.
 *
 * Playback's speed is virtual ns per wall-clock ns.  Unless the user chose
 * one, it is the round (1-2-5) value that plays what the tab shows in
 * about VIZ_WINDOW_PLAY_SECONDS, so a 3 s run and a 300 ms one both take
 * seconds to watch, not minutes or an instant. */
#include "viz/viz_window_int.h"

#include <math.h>

#define READABLE_LANE 16.0           /* logical px: what a jump makes a lane */
#define SPEED_MIN 1e-9               /* virtual ns per wall-clock ns */
#define SPEED_MAX 1e6
#define FOLLOW_LEAD 0.05             /* the cursor re-enters this far in */

/* The 1-2-5 value at or below x (> 0). */
static double floor125(double x)
{
	double p = pow(10, floor(log10(x))), m = x / p;

	return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/* Unless the user chose one: the whole of what is shown plays in about
 * VIZ_WINDOW_PLAY_SECONDS, at a round speed. */
void viz_window_default_speed(struct viz_window_state *st)
{
	double s;

	if (st->user_speed)
		return;
	s = floor125((double)viz_window_shown_end(st) / (VIZ_WINDOW_PLAY_SECONDS * 1e9));
	st->view.speed = s < SPEED_MIN ? SPEED_MIN : s > SPEED_MAX ? SPEED_MAX : s;
}

/* The playback cursor back in the window when it left it: the window
 * jumps so the cursor is FOLLOW_LEAD in from the left. */
static void follow(struct viz_window_state *st)
{
	struct viz_view *v = &st->view;
	int64_t w = v->t1 - v->t0;

	if (v->cursor == VIZ_NO_CURSOR || (v->cursor >= v->t0 && v->cursor <= v->t1))
		return;
	v->t0 = v->cursor - (int64_t)(w * FOLLOW_LEAD);
	v->t1 = v->t0 + w;
	viz_window_clamp(st);
}

unsigned viz_window_set_cursor(struct viz_window_state *st, int64_t t)
{
	int64_t end = viz_window_shown_end(st);

	st->view.cursor = t < 0 ? 0 : t > end ? end : t;
	follow(st);
	viz_window_rehover(st);
	return VIZ_WOUT_REDRAW;
}

unsigned viz_window_play_pause(struct viz_window_state *st)
{
	struct viz_view *v = &st->view;
	int64_t end = viz_window_shown_end(st);

	if (v->playing) {
		v->playing = 0;
		return VIZ_WOUT_REDRAW;
	}
	/* from the left of the window, or from 0: and again from there when
	 * the last play ran to the end */
	if (v->cursor == VIZ_NO_CURSOR || v->cursor >= end)
		v->cursor = v->t0 > 0 && v->t0 < end ? v->t0 : 0;
	if (v->speed <= 0)
		viz_window_default_speed(st);
	v->playing = 1;
	return viz_window_set_cursor(st, v->cursor);
}

unsigned viz_window_tick(struct viz_window_state *st, int64_t dt_ns)
{
	struct viz_view *v = &st->view;
	int64_t end = viz_window_shown_end(st), d;

	if (!v->playing || dt_ns <= 0)
		return 0;
	/* at least a nanosecond a tick: a slow speed still moves */
	d = (int64_t)llround(v->speed * (double)dt_ns);
	v->cursor += d > 0 ? d : 1;
	if (v->cursor >= end) {
		v->cursor = end;
		v->playing = 0;
	}
	return viz_window_set_cursor(st, v->cursor);
}

unsigned viz_window_step(struct viz_window_state *st, double frac)
{
	struct viz_view *v = &st->view;
	int64_t d = (int64_t)llround((double)(v->t1 - v->t0) * frac), end = viz_window_shown_end(st);

	if (d == 0)
		d = frac > 0 ? 1 : -1;
	if (v->cursor == VIZ_NO_CURSOR)
		v->cursor = frac > 0 ? (v->t0 > 0 ? v->t0 : 0) : (v->t1 < end ? v->t1 : end);
	v->playing = 0;
	return viz_window_set_cursor(st, v->cursor + d);
}

unsigned viz_window_set_speed(struct viz_window_state *st, double k)
{
	double s = (st->view.speed > 0 ? st->view.speed : 1) * k;

	st->view.speed = s < SPEED_MIN ? SPEED_MIN : s > SPEED_MAX ? SPEED_MAX : s;
	st->user_speed = 1;
	return VIZ_WOUT_REDRAW;
}

/* Lanes as one list over the sections, top to bottom: selection moves in it. */
static long lane_total(const struct viz_frame *f)
{
	long n = 0;

	for (int i = 0; i < f->nsec; i++)
		n += f->sec[i].track->nlanes;
	return n;
}

static long sel_index(const struct viz_frame *f, const struct viz_pick *k)
{
	long n = 0;

	if (!k->valid || k->section < 0 || k->section >= f->nsec)
		return -1;
	for (int i = 0; i < k->section; i++)
		n += f->sec[i].track->nlanes;
	return n + k->lane;
}

static unsigned select_lane(struct viz_window_state *st, long g)
{
	struct viz_frame f;
	long total;
	int sec = 0;

	viz_window_frame(st, &f);
	total = lane_total(&f);
	if (total == 0)
		return 0;
	g = g < 0 ? 0 : g >= total ? total - 1 : g;
	while (g >= (long)f.sec[sec].track->nlanes)
		g -= f.sec[sec++].track->nlanes;
	st->view.selected = (struct viz_pick){1, sec, (uint32_t)g, (uint32_t)g + 1, -1};
	viz_view_show_lane(&st->view, &f, sec, (uint32_t)g);
	viz_window_rehover(st);
	return VIZ_WOUT_REDRAW;
}

/* The first lane with a row in the plot: where the keyboard starts. */
static long first_visible(const struct viz_frame *f)
{
	uint32_t a, b;

	for (int i = 0, n = 0; i < f->nsec; n += f->sec[i++].track->nlanes)
		for (int y = f->plot.y; y < f->plot.y + f->plot.h; y++)
			if (viz_frame_row_lanes(f, i, y, &a, &b) == 0)
				return n + a;
	return 0;
}

unsigned viz_window_move_selection(struct viz_window_state *st, int key)
{
	struct viz_frame f;
	long g, page = 1;

	viz_window_frame(st, &f);
	g = sel_index(&f, &st->view.selected);
	if (g >= 0) {
		double lh = f.sec[st->view.selected.section].lane_h;

		page = lh > 0 ? (long)(f.plot.h / lh) - 1 : 1;
		page = page > 1 ? page : 1;
	}
	if (key == VIZ_WKEY_HOME)
		return select_lane(st, 0);
	if (key == VIZ_WKEY_END)
		return select_lane(st, lane_total(&f) - 1);
	if (g < 0)
		return select_lane(st, first_visible(&f));
	return select_lane(st, g + (key == VIZ_WKEY_UP ? -1 : key == VIZ_WKEY_DOWN ? 1 :
				    key == VIZ_WKEY_PGUP ? -page : page));
}

/* Return: the selected lane's life fills the window, its lanes readable,
 * the lane in the middle of the plot. */
unsigned viz_window_jump(struct viz_window_state *st)
{
	struct viz_view *v = &st->view;
	struct viz_frame f;
	const struct viz_lane *l;
	int y0, y1;

	viz_window_frame(st, &f);
	if (!v->selected.valid || v->selected.section >= f.nsec)
		return 0;
	l = &f.sec[v->selected.section].track->lanes[v->selected.lane];
	if (l->life1 > l->life0) {
		int64_t m = (l->life1 - l->life0) / 50 + 1;

		v->t0 = l->life0 - m;
		v->t1 = l->life1 + m;
	}
	if (f.sec[v->selected.section].lane_h < READABLE_LANE * st->scale * 0.75) {
		v->lane_h = READABLE_LANE;
		v->section_max = 0;
		st->fit_lanes = 0;
	}
	viz_window_frame(st, &f);
	if (viz_frame_lane_y(&f, v->selected.section, v->selected.lane, &y0, &y1) >= 0)
		v->scroll += ((y0 + y1) / 2.0 - (f.plot.y + f.plot.h / 2.0)) / f.scale;
	viz_window_clamp(st);
	viz_window_rehover(st);
	return VIZ_WOUT_REDRAW;
}
