/* The window's bindings as a pure function (viz_window_input.h).
 *
 * Every handler reads the geometry from a frame made from the state just
 * then, changes the view through viz_view.h's operations (which keep the
 * time window and the scroll in range), and says whether the picture
 * changed, so the window redraws only then.  After anything that moves
 * the picture under a still pointer, the hovered span is picked again:
 * the tooltip always describes what is under the pointer now. */
#include "viz/viz_window_int.h"

#include <math.h>
#include <string.h>

#define LANE_MIN 0.001               /* logical px, shift+wheel's bounds */
#define LANE_MAX 64.0
#define STEP_SMALL 0.01              /* of the window's width: , and . */
#define STEP_BIG 0.1                 /* < and > */
#define PAN_KEY 0.1                  /* arrows; shift: half a window */
#define PAN_WHEEL 0.05               /* per horizontal notch */

void viz_window_frame(const struct viz_window_state *st, struct viz_frame *f)
{
	viz_frame_make(f, st->scene, &st->view, st->w, st->h, st->scale);
}

int64_t viz_window_shown_end(const struct viz_window_state *st)
{
	struct viz_frame f;
	int64_t end = 0;

	viz_window_frame(st, &f);
	for (int i = 0; i < f.nsec; i++)
		end = f.sec[i].track->end > end ? f.sec[i].track->end : end;
	if (f.nsec == 0)
		end = st->scene->t_end;
	return end > 0 ? end : 1;
}

/* Clamps time and scroll into range (a pan by nothing does exactly that). */
void viz_window_clamp(struct viz_window_state *st)
{
	struct viz_frame f;

	viz_window_frame(st, &f);
	viz_view_pan(&st->view, &f, 0, 0);
}

/* Fits lanes to the window; keep_time: the time window and the scroll stay. */
static void fit(struct viz_window_state *st, int keep_time)
{
	struct viz_view *v = &st->view;
	int64_t t0 = v->t0, t1 = v->t1;
	double scroll = v->scroll;

	viz_view_fit(v, st->scene, st->w, st->h, st->scale);
	if (keep_time) {
		v->t0 = t0;
		v->t1 = t1;
		v->scroll = scroll;
		viz_window_clamp(st);
	}
	st->fit_lanes = 1;
}

static int same_pick(const struct viz_pick *a, const struct viz_pick *b)
{
	if (!a->valid || !b->valid)
		return a->valid == b->valid;
	return a->section == b->section && a->lane == b->lane && a->lane_end == b->lane_end &&
	       a->span == b->span;
}

static void pick_at(const struct viz_window_state *st, double x, double y, struct viz_pick *k)
{
	struct viz_frame f;

	viz_window_frame(st, &f);
	viz_frame_pick(&f, x * st->scale, y * st->scale, k);
}

/* The hovered span under the pointer now.  While a span is pinned its
 * tooltip stays where the pin was put, so only the hover changes, and that
 * is not drawn: nothing to redraw. */
unsigned viz_window_rehover(struct viz_window_state *st)
{
	struct viz_view *v = &st->view;
	struct viz_pick k = {.span = -1};
	int mx = (int)lround(st->last_x), my = (int)lround(st->last_y), moved;

	if (st->pointer_in && st->drag == VIZ_WDRAG_NONE)
		pick_at(st, st->last_x, st->last_y, &k);
	if (v->pinned.valid) {
		v->hover = k;
		return 0;
	}
	moved = mx != v->mouse_x || my != v->mouse_y;
	v->mouse_x = mx;
	v->mouse_y = my;
	if (same_pick(&k, &v->hover) && !(k.valid && moved))
		return 0;
	v->hover = k;
	return VIZ_WOUT_REDRAW;
}

/* Tab i, fitted to it (its time and its lanes); playback carries on. */
static unsigned set_tab(struct viz_window_state *st, int i)
{
	struct viz_frame f;
	int64_t end;

	viz_window_frame(st, &f);
	if (i < 0 || i >= f.ntabs)
		return 0;
	viz_view_set_tab(&st->view, &f, i);
	fit(st, 0);
	viz_window_default_speed(st);
	end = viz_window_shown_end(st);
	if (st->view.cursor != VIZ_NO_CURSOR && st->view.cursor > end)
		st->view.cursor = end;
	viz_window_rehover(st);
	return VIZ_WOUT_REDRAW;
}

/* The run before or after the one the compare and model tabs show: the
 * same tab of that run (its compare tab from the runs tab), fitted. */
static unsigned next_run(struct viz_window_state *st, int dir)
{
	struct viz_frame f;
	int n = st->scene->nruns;

	if (n < 2)
		return 0;
	st->view.run = ((st->view.run + dir) % n + n) % n;
	if (st->view.tab == VIZ_TAB_RUNS || st->view.tab == VIZ_TAB_SIMREAL ||
	    !viz_layout_track(st->scene, st->view.run, st->view.model))
		st->view.tab = VIZ_TAB_COMPARE;
	viz_window_frame(st, &f);
	return set_tab(st, f.active);
}

static unsigned next_tab(struct viz_window_state *st, int dir)
{
	struct viz_frame f;

	viz_window_frame(st, &f);
	return set_tab(st, ((f.active + dir) % f.ntabs + f.ntabs) % f.ntabs);
}

/* Taller or thinner lanes (capped sections in proportion), the lane under
 * the pointer staying under it. */
static unsigned lanes_scale(struct viz_window_state *st, double k, double y)
{
	struct viz_view *v = &st->view;
	struct viz_frame f;
	uint32_t a = 0, b;
	int sec = -1, y0 = 0, y1, ny0;
	double lh = v->lane_h * k;

	viz_window_frame(st, &f);
	for (int i = 0; i < f.nsec && sec < 0; i++)
		if (viz_frame_row_lanes(&f, i, (int)(y * st->scale), &a, &b) == 0)
			sec = i;
	if (sec >= 0)
		viz_frame_lane_y(&f, sec, a, &y0, &y1);
	lh = lh < LANE_MIN ? LANE_MIN : lh > LANE_MAX ? LANE_MAX : lh;
	k = lh / v->lane_h;
	v->lane_h = lh;
	v->section_max *= k;
	st->fit_lanes = 0;
	viz_window_frame(st, &f);
	if (sec >= 0 && viz_frame_lane_y(&f, sec, a, &ny0, &y1) >= 0)
		v->scroll += (ny0 - y0) / f.scale;
	viz_window_clamp(st);
	viz_window_rehover(st);
	return VIZ_WOUT_REDRAW;
}

static unsigned wheel(struct viz_window_state *st, const struct viz_window_ev *e)
{
	struct viz_frame f;
	double x = e->x * st->scale;
	int64_t at;

	st->last_x = e->x;
	st->last_y = e->y;
	if (e->mods & VIZ_WMOD_SHIFT)
		return e->dy != 0 ? lanes_scale(st, pow(VIZ_WINDOW_ZOOM_STEP, e->dy), e->y) : 0;
	viz_window_frame(st, &f);
	if (e->dx != 0)
		viz_view_pan(&st->view, &f, -e->dx * PAN_WHEEL * f.plot.w / f.scale, 0);
	if (e->dy != 0) {
		viz_window_frame(st, &f);
		at = x >= f.plot.x && x < f.plot.x + f.plot.w ? viz_frame_x_time(&f, x)
							    : (f.t0 + f.t1) / 2;
		viz_view_zoom(&st->view, st->scene, at, pow(VIZ_WINDOW_ZOOM_STEP, e->dy));
	}
	viz_window_rehover(st);
	return VIZ_WOUT_REDRAW;
}

static int inside(const struct viz_rect *r, double x, double y)
{
	return r->w > 0 && r->h > 0 && x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

static unsigned press(struct viz_window_state *st, double x, double y)
{
	struct viz_frame f;
	double px = x * st->scale, py = y * st->scale;

	viz_window_frame(st, &f);
	st->press_x = st->last_x = x;
	st->press_y = st->last_y = y;
	st->moved = 0;
	if (inside(&f.axis, px, py) || inside(&f.cpu_axis, px, py)) {
		st->drag = VIZ_WDRAG_SCRUB;
		st->view.playing = 0;
		return viz_window_set_cursor(st, viz_frame_x_time(&f, px));
	}
	st->drag = inside(&f.plot, px, py) ? VIZ_WDRAG_PLOT
		 : inside(&f.gutter, px, py) ? VIZ_WDRAG_GUTTER : VIZ_WDRAG_NONE;
	return viz_window_rehover(st);
}

/* A click on a span pins it (on the pinned one, or on nothing: unpins);
 * either way its lane becomes the selected one. */
static unsigned click_plot(struct viz_window_state *st, double x, double y)
{
	struct viz_view *v = &st->view;
	struct viz_pick k;

	pick_at(st, x, y, &k);
	if (k.valid)
		v->selected = (struct viz_pick){1, k.section, k.lane, k.lane + 1, -1};
	if (k.valid && k.span >= 0 && !(v->pinned.valid && same_pick(&k, &v->pinned))) {
		v->pinned = k;
		v->mouse_x = (int)lround(x);
		v->mouse_y = (int)lround(y);
	} else {
		v->pinned.valid = 0;
		viz_window_rehover(st);
	}
	return VIZ_WOUT_REDRAW;
}

static unsigned click_gutter(struct viz_window_state *st, double y)
{
	struct viz_frame f;
	uint32_t a, b;

	viz_window_frame(st, &f);
	for (int i = 0; i < f.nsec; i++)
		if (viz_frame_row_lanes(&f, i, (int)(y * st->scale), &a, &b) == 0) {
			st->view.selected = (struct viz_pick){1, i, a, a + 1, -1};
			return VIZ_WOUT_REDRAW;
		}
	return 0;
}

static unsigned motion(struct viz_window_state *st, double x, double y)
{
	struct viz_frame f;
	double dx = x - st->last_x, dy = y - st->last_y;

	st->pointer_in = 1;
	st->last_x = x;
	st->last_y = y;
	if (fabs(x - st->press_x) + fabs(y - st->press_y) > VIZ_WINDOW_CLICK_SLOP)
		st->moved = 1;
	viz_window_frame(st, &f);
	switch (st->drag) {
	case VIZ_WDRAG_SCRUB:
		return viz_window_set_cursor(st, viz_frame_x_time(&f, x * st->scale));
	case VIZ_WDRAG_PLOT:
	case VIZ_WDRAG_GUTTER:
		if (dx == 0 && dy == 0)
			return 0;
		viz_view_pan(&st->view, &f, st->drag == VIZ_WDRAG_PLOT ? dx : 0, dy);
		return VIZ_WOUT_REDRAW;
	case VIZ_WDRAG_NONE:
		break;
	}
	return viz_window_rehover(st);
}

static unsigned release(struct viz_window_state *st, double x, double y)
{
	enum viz_window_drag d = st->drag;
	unsigned out = motion(st, x, y);
	struct viz_frame f;
	int tab;

	st->drag = VIZ_WDRAG_NONE;
	if (!st->moved) {
		viz_window_frame(st, &f);
		tab = viz_frame_tab_at(&f, (int)(x * st->scale), (int)(y * st->scale));
		if (d == VIZ_WDRAG_PLOT)
			out |= click_plot(st, x, y);
		else if (d == VIZ_WDRAG_GUTTER)
			out |= click_gutter(st, y);
		else if (tab >= 0 && tab != f.active)
			out |= set_tab(st, tab);
	}
	return out | viz_window_rehover(st);
}

static unsigned toggle(struct viz_window_state *st, unsigned flag)
{
	st->view.flags ^= flag;
	/* the panels take height from the plot: fitted lanes refit */
	if (st->fit_lanes && (flag & (VIZ_SHOW_REPORT | VIZ_SHOW_LEGEND | VIZ_SHOW_CPU_AXIS |
				      VIZ_SHOW_COUNTERS)))
		fit(st, 1);
	else
		viz_window_clamp(st);
	viz_window_rehover(st);
	return VIZ_WOUT_REDRAW;
}

static unsigned pan_key(struct viz_window_state *st, double frac)
{
	struct viz_frame f;

	viz_window_frame(st, &f);
	viz_view_pan(&st->view, &f, -frac * f.plot.w / f.scale, 0);
	viz_window_rehover(st);
	return VIZ_WOUT_REDRAW;
}

static unsigned key(struct viz_window_state *st, int k, unsigned mods)
{
	struct viz_view *v = &st->view;
	int shift = !!(mods & VIZ_WMOD_SHIFT);

	switch (k) {
	case 'q':
		return VIZ_WOUT_QUIT;
	case VIZ_WKEY_ESC:              /* closes what is open first */
		if (v->flags & VIZ_SHOW_HELP)
			return toggle(st, VIZ_SHOW_HELP);
		if (v->pinned.valid) {
			v->pinned.valid = 0;
			viz_window_rehover(st);
			return VIZ_WOUT_REDRAW;
		}
		return VIZ_WOUT_QUIT;
	case '?':
		return toggle(st, VIZ_SHOW_HELP);
	case 'f':
		fit(st, 0);
		viz_window_rehover(st);
		return VIZ_WOUT_REDRAW;
	case VIZ_WKEY_TAB:
		return next_tab(st, shift ? -1 : 1);
	case '[': case ']':
		return next_run(st, k == '[' ? -1 : 1);
	case ' ':
		return viz_window_play_pause(st);
	case '+': case '=':
		return viz_window_set_speed(st, 2);
	case '-': case '_':
		return viz_window_set_speed(st, 0.5);
	case '.': case '>':
		return viz_window_step(st, k == '.' ? STEP_SMALL : STEP_BIG);
	case ',': case '<':
		return viz_window_step(st, k == ',' ? -STEP_SMALL : -STEP_BIG);
	case VIZ_WKEY_BACKSPACE:
		v->cursor = VIZ_NO_CURSOR;
		v->playing = 0;
		viz_window_rehover(st);
		return VIZ_WOUT_REDRAW;
	case VIZ_WKEY_LEFT:
	case VIZ_WKEY_RIGHT:
		return pan_key(st, (k == VIZ_WKEY_LEFT ? -1 : 1) * (shift ? 0.5 : PAN_KEY));
	case VIZ_WKEY_UP: case VIZ_WKEY_DOWN: case VIZ_WKEY_PGUP: case VIZ_WKEY_PGDN:
	case VIZ_WKEY_HOME: case VIZ_WKEY_END:
		return viz_window_move_selection(st, k);
	case VIZ_WKEY_RETURN:
		return viz_window_jump(st);
	case 't':
		return toggle(st, VIZ_SHOW_CPU_AXIS);
	case 'r':
		return toggle(st, VIZ_SHOW_REPORT);
	case 'l':
		return toggle(st, VIZ_SHOW_LEGEND);
	case 'k':
		return toggle(st, VIZ_SHOW_COUNTERS);
	case 's':
		return toggle(st, VIZ_OWN_SCALE);
	case VIZ_WKEY_F12:
		return VIZ_WOUT_SHOT;
	default:
		if (k >= '1' && k <= '9')
			return set_tab(st, k - '1');
		return 0;
	}
}

unsigned viz_window_handle(struct viz_window_state *st, const struct viz_window_ev *e)
{
	switch (e->kind) {
	case VIZ_WEV_KEY:
		return key(st, e->key, e->mods);
	case VIZ_WEV_WHEEL:
		st->pointer_in = 1;
		return wheel(st, e);
	case VIZ_WEV_PRESS:
		st->pointer_in = 1;
		return press(st, e->x, e->y);
	case VIZ_WEV_MOTION:
		return motion(st, e->x, e->y);
	case VIZ_WEV_RELEASE:
		return release(st, e->x, e->y);
	case VIZ_WEV_LEAVE:
		st->pointer_in = 0;
		return viz_window_rehover(st);
	case VIZ_WEV_RESIZE:
		if (e->w < 1 || e->h < 1 || !(e->scale > 0))
			return 0;
		st->w = e->w;
		st->h = e->h;
		st->scale = e->scale;
		if (st->fit_lanes)
			fit(st, 1);
		else
			viz_window_clamp(st);
		viz_window_rehover(st);
		return VIZ_WOUT_REDRAW;
	case VIZ_WEV_TICK:
		return viz_window_tick(st, e->dt_ns);
	}
	return 0;
}

void viz_window_state_init(struct viz_window_state *st, const struct viz_scene *s,
			   int w, int h, double scale, int tab, unsigned models)
{
	struct viz_view *v = &st->view;
	struct viz_frame f;

	memset(st, 0, sizeof *st);
	st->scene = s;
	st->w = w > 1 ? w : 1;
	st->h = h > 1 ? h : 1;
	st->scale = scale > 0 ? scale : 1;
	viz_view_init(v, s);
	v->models = models;
	viz_window_frame(st, &f);
	if (tab > 0 && tab <= f.ntabs) {
		viz_view_set_tab(v, &f, tab - 1);
	} else if (s->twins) {                   /* as the PNG chooses */
		v->tab = VIZ_TAB_SIMREAL;
	} else if (s->nruns > 1) {
		v->tab = VIZ_TAB_RUNS;
	} else if (models && !(models & (models - 1))) {
		for (int i = 0; i < f.ntabs; i++)
			if (f.tab[i].kind == VIZ_TAB_MODEL && models == 1u << f.tab[i].model)
				viz_view_set_tab(v, &f, i);
	}
	fit(st, 0);
	viz_window_default_speed(st);
}
