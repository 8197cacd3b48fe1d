/* The window's bindings, without a window: viz_window_handle() is fed
 * synthetic events over the default scenario's scene (the seed article's
 * experiment, simulated: every model, deterministic) and each case checks
 * what the binding promises against the frame geometry the drawer uses —
 * the wheel zooms around the pointer, a drag pans by as much time as the
 * pointer moved, f fits [0, end], playback advances by speed x wall time
 * and stops at the end, tabs, panels, lane selection and the jump, hover,
 * pin and unpin, scrubbing on the axis, resizing, quitting.  Cases run at
 * scale 1 and 2 (high-DPI) where geometry is involved.
 *
 * Every row of the help (viz_keys[]) must be covered by a case here: a key
 * added to the help without a binding and a test fails the last test.
 * The last tests call viz_window_run with no display: it must fail with
 * the message the command prints, not crash or hang. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "sim/sim_run.h"
#include "viz/viz_draw.h"
#include "viz/viz_window.h"
#include "viz/viz_window_input.h"

#define MS 1000000LL
#define W 1200                       /* logical px */
#define H 800

static struct viz_run run;
static struct viz_scene scene;
static struct viz_window_state st;

static int setup(void **state)
{
	char err[512];

	(void)state;
	al_scenario_default(&run.sc);
	snprintf(run.net, sizeof run.net, "sim");
	run.cores = run.sc.machine.cores;
	/* the article's seven: the lane heights and bands below are theirs,
	 * whatever models come after them in the registry */
	for (int m = 0; m <= AL_MODEL_ASYNCIO; m++) {
		struct viz_model *vm = &run.models[run.nmodels];

		if (al_trace_init(&vm->trace, AL_TRACE_RECORD) != 0 ||
		    sim_run_model_traced(&run.sc, (enum al_model)m, &vm->report, &vm->trace,
					 err, sizeof err) != 0)
			return -1;
		vm->report.model = (enum al_model)m;
		run.nmodels++;
	}
	return viz_layout_build(&scene, &run, 1, err, sizeof err);
}

static int teardown(void **state)
{
	(void)state;
	viz_layout_free(&scene);
	viz_run_free(&run);
	return 0;
}

/* --- events */

static void fresh(double scale)
{
	viz_window_state_init(&st, &scene, (int)(W * scale), (int)(H * scale), scale, 0, 0);
}

static unsigned key(int k, unsigned mods)
{
	struct viz_window_ev e = {.kind = VIZ_WEV_KEY, .key = k, .mods = mods};

	return viz_window_handle(&st, &e);
}

static unsigned pointer(enum viz_window_ev_kind kind, double x, double y)
{
	struct viz_window_ev e = {.kind = kind, .x = x, .y = y};

	return viz_window_handle(&st, &e);
}

static unsigned wheel(double x, double y, double dy, unsigned mods)
{
	struct viz_window_ev e = {.kind = VIZ_WEV_WHEEL, .x = x, .y = y, .dy = dy, .mods = mods};

	return viz_window_handle(&st, &e);
}

static unsigned tick_ms(double ms)
{
	struct viz_window_ev e = {.kind = VIZ_WEV_TICK, .dt_ns = (int64_t)(ms * 1e6)};

	return viz_window_handle(&st, &e);
}

static unsigned drag(double x0, double y0, double x1, double y1)
{
	unsigned out = pointer(VIZ_WEV_PRESS, x0, y0);

	out |= pointer(VIZ_WEV_MOTION, (x0 + x1) / 2, (y0 + y1) / 2);
	out |= pointer(VIZ_WEV_MOTION, x1, y1);
	return out | pointer(VIZ_WEV_RELEASE, x1, y1);
}

static unsigned click(double x, double y)
{
	return pointer(VIZ_WEV_PRESS, x, y) | pointer(VIZ_WEV_RELEASE, x, y);
}

/* --- geometry, in logical px */

static struct viz_frame fr(void)
{
	struct viz_frame f;

	viz_window_frame(&st, &f);
	return f;
}

static double lx(const struct viz_frame *f, int64_t t)
{
	return viz_frame_time_x(f, t) / f->scale;
}

/* The time under logical x. */
static int64_t time_at(double x)
{
	struct viz_frame f = fr();

	return viz_frame_x_time(&f, x * f.scale);
}

/* Fitted: the sections fill the plot (the last one's gap may hang below
 * it), with no more than `slack` of it left empty. */
static int fits(double slack)
{
	struct viz_frame f = fr();
	double plot = f.plot.h / f.scale;

	return f.content_h <= plot + 8 + 1 && f.content_h >= plot * (1 - slack);
}

static double plot_mid_y(void)
{
	struct viz_frame f = fr();

	return (f.plot.y + f.plot.h / 2.0) / f.scale;
}

/* A span of section sec wider than 20 px in the current frame: its lane
 * and its index; the point in its middle (logical px). */
static int find_span(int sec, uint32_t *lane, long *span, double *x, double *y)
{
	struct viz_frame f = fr();
	const struct viz_track *tr = f.sec[sec].track;

	for (uint32_t l = 0; l < tr->nlanes; l++)
		for (uint32_t i = 0; i < tr->lanes[l].n; i++) {
			const struct viz_span *sp = &tr->spans[tr->lanes[l].first + i];
			int y0, y1;

			if ((double)(sp->t1 - sp->t0) / f.ns_per_px < 20 * f.scale ||
			    viz_frame_lane_y(&f, sec, l, &y0, &y1) != 0 || y1 - y0 < 2)
				continue;
			*lane = l;
			*span = (long)(tr->lanes[l].first + i);
			*x = lx(&f, sp->t0 + (sp->t1 - sp->t0) / 2);
			*y = (y0 + y1) / 2.0 / f.scale;
			return 1;
		}
	return 0;
}

/* --- the cases */

/* wheel: the time under the pointer stays under it, in and out, at
 * several points and scales; the width changes by the step per notch */
static void test_wheel_zoom_keeps_pointer_time(void **state)
{
	static const struct {
		double scale, xfrac, notches;
	} rows[] = {
		{1, 0.25, 1}, {1, 0.5, 3}, {1, 0.8, 2}, {2, 0.3, 1}, {2, 0.7, 4}, {1, 0.6, -1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct viz_frame f;
		double x, w0;
		int64_t t;

		fresh(rows[i].scale);
		if (rows[i].notches < 0)       /* room to zoom out without clamping */
			wheel(W / 2.0, plot_mid_y(), 4, 0);
		f = fr();
		x = (f.plot.x + rows[i].xfrac * f.plot.w) / f.scale;
		t = time_at(x);
		w0 = (double)(st.view.t1 - st.view.t0);
		assert_true(wheel(x, plot_mid_y(), rows[i].notches, 0) & VIZ_WOUT_REDRAW);
		f = fr();
		assert_true(llabs(time_at(x) - t) <= (int64_t)f.ns_per_px + 2);
		assert_true(fabs((double)(st.view.t1 - st.view.t0) * pow(VIZ_WINDOW_ZOOM_STEP,
			    rows[i].notches) / w0 - 1) < 1e-6);
	}
}

/* drag: N logical px of pointer move the window by N px worth of time,
 * at scale 1 and 2; a press and release in place is a click, not a pan */
static void test_drag_pans_by_pixels(void **state)
{
	static const struct {
		double scale, dx;
	} rows[] = {{1, 50}, {1, -120}, {2, 75}, {2, -33}};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct viz_frame f;
		double y = plot_mid_y(), x;
		int64_t t0;

		fresh(rows[i].scale);
		wheel(W / 2.0, plot_mid_y(), 8, 0);   /* zoomed in: room to pan */
		f = fr();
		x = (f.plot.x + f.plot.w / 2.0) / f.scale;
		t0 = st.view.t0;
		assert_true(drag(x, y, x + rows[i].dx, y) & VIZ_WOUT_REDRAW);
		assert_true(llabs(st.view.t0 - t0 + (int64_t)llround(rows[i].dx * f.scale *
			    f.ns_per_px)) <= 2);
		t0 = st.view.t0;
		click(x, y);
		assert_int_equal(st.view.t0, t0);
	}
}

/* drag up scrolls the lanes up by as much, once they are taller than the
 * window (shift+wheel); the lane under the pointer stays under it */
static void test_shift_wheel_and_vertical_drag(void **state)
{
	struct viz_frame f;
	uint32_t a, b, a2, b2;
	double y, lh;
	int sec, y0, y1;

	(void)state;
	fresh(1);
	f = fr();
	sec = 1;                              /* the process model's 6th lane */
	assert_int_equal(viz_frame_lane_y(&f, sec, 5, &y0, &y1), 0);
	y = (y0 + y1) / 2.0;
	assert_int_equal(viz_frame_row_lanes(&f, sec, (int)y, &a, &b), 0);
	assert_int_equal(a, 5);
	lh = st.view.lane_h;
	assert_true(wheel(W / 2.0, y, 3, VIZ_WMOD_SHIFT) & VIZ_WOUT_REDRAW);
	assert_true(fabs(st.view.lane_h / lh - pow(VIZ_WINDOW_ZOOM_STEP, 3)) < 1e-9);
	f = fr();
	assert_int_equal(viz_frame_row_lanes(&f, sec, (int)y, &a2, &b2), 0);
	assert_true(a2 == a);                 /* still under the pointer */
	assert_true(f.content_h > f.plot.h);
	st.view.scroll = 0;
	drag(W / 2.0, y, W / 2.0 + 5, y - 40);
	assert_true(fabs(st.view.scroll - 40) < 1e-9);
	drag(300, y, 300, y + 10);            /* the gutter scrolls too */
	assert_true(fabs(st.view.scroll - 30) < 1e-9);
}

/* f: the whole of what is shown, [0, end] (plus fit's 1 %), lanes fitted */
static void test_fit(void **state)
{
	int64_t end;

	(void)state;
	fresh(1);
	end = viz_window_shown_end(&st);
	assert_int_equal(end, scene.t_end);
	wheel(W / 2.0, plot_mid_y(), 5, 0);
	drag(600, plot_mid_y(), 500, plot_mid_y() - 30);
	wheel(600, plot_mid_y(), 2, VIZ_WMOD_SHIFT);
	assert_true(st.view.t0 > 0);
	assert_true(key('f', 0) & VIZ_WOUT_REDRAW);
	assert_int_equal(st.view.t0, 0);
	assert_true(st.view.t1 >= end && st.view.t1 <= end + end / 50);
	assert_true(st.view.scroll == 0);
	assert_true(fits(0.1));
}

/* space plays from the window's left at the default speed (the whole
 * shown in ~10 s, a 1-2-5 value); a tick advances speed x wall time; the
 * window follows; the end stops it; + and - double and halve; , and .
 * step 1 % of the window and pause; backspace clears the cursor */
static void test_playback(void **state)
{
	int64_t end, c, w;
	double speed;

	(void)state;
	fresh(1);
	end = viz_window_shown_end(&st);
	assert_int_equal(st.view.cursor, VIZ_NO_CURSOR);
	assert_int_equal(tick_ms(16), 0);     /* paused: nothing to draw */
	assert_true(key(' ', 0) & VIZ_WOUT_REDRAW);
	assert_true(st.view.playing);
	assert_int_equal(st.view.cursor, 0);
	speed = st.view.speed;
	assert_true(speed > 0 && speed <= end / 10e9 && speed > end / 10e9 / 2.5);
	assert_true(tick_ms(100) & VIZ_WOUT_REDRAW);
	assert_true(llabs(st.view.cursor - (int64_t)(speed * 100 * MS)) <= 1);
	key('+', 0);
	assert_true(st.view.speed == 2 * speed);
	c = st.view.cursor;
	tick_ms(50);
	assert_true(llabs(st.view.cursor - c - (int64_t)(2 * speed * 50 * MS)) <= 1);
	key('-', 0);
	key('-', 0);
	assert_true(st.view.speed == speed / 2);
	/* zoomed in, the window jumps to keep the cursor in it */
	wheel(W / 2.0, plot_mid_y(), 10, 0);
	st.view.cursor = st.view.t1 - 1;
	tick_ms(1000);
	assert_true(st.view.cursor >= st.view.t0 && st.view.cursor <= st.view.t1);
	/* to the end: it stops there */
	for (int i = 0; i < 10000 && st.view.playing; i++)
		tick_ms(1000);
	assert_false(st.view.playing);
	assert_int_equal(st.view.cursor, end);
	assert_int_equal(tick_ms(16), 0);
	key(' ', 0);                          /* again: from the window's left */
	assert_true(st.view.playing && st.view.cursor < end);
	key(' ', 0);
	assert_false(st.view.playing);
	assert_true(st.view.cursor > 0);
	key('f', 0);
	st.view.cursor = c = end / 2;
	w = st.view.t1 - st.view.t0;
	key('.', 0);
	assert_true(llabs(st.view.cursor - c - w / 100) <= 1);
	key(',', 0);
	key(',', 0);
	assert_true(llabs(st.view.cursor - c + w / 100) <= 2);
	key('>', 0);
	assert_true(llabs(st.view.cursor - c - 9 * w / 100) <= 3);
	key(' ', 0);
	key('.', 0);                          /* a step pauses */
	assert_false(st.view.playing);
	key(VIZ_WKEY_BACKSPACE, 0);
	assert_int_equal(st.view.cursor, VIZ_NO_CURSOR);
}

/* dragging on the time axis scrubs: the cursor is the time under the
 * pointer, clamped to [0, end]; playback pauses */
static void test_scrub(void **state)
{
	struct viz_frame f;
	double ay, x;

	(void)state;
	fresh(2);
	key(' ', 0);
	f = fr();
	ay = (f.axis.y + f.axis.h / 2.0) / f.scale;
	x = (f.plot.x + f.plot.w * 0.3) / f.scale;
	assert_true(pointer(VIZ_WEV_PRESS, x, ay) & VIZ_WOUT_REDRAW);
	assert_false(st.view.playing);
	assert_true(llabs(st.view.cursor - viz_frame_x_time(&f, x * f.scale)) <= 1);
	pointer(VIZ_WEV_MOTION, x + 100, ay - 200);   /* the drag, not the pointer's row */
	assert_true(llabs(st.view.cursor - viz_frame_x_time(&f, (x + 100) * f.scale)) <= 1);
	pointer(VIZ_WEV_MOTION, f.w, ay);
	assert_int_equal(st.view.cursor, viz_window_shown_end(&st));
	pointer(VIZ_WEV_RELEASE, f.w, ay);
	assert_int_equal(st.view.t0, fr().t0);  /* scrubbing never pans */
}

/* 1 ... 9 pick the tabs, a digit past the last tab nothing; tab and shift+tab cycle;
 * a click on a tab picks it; each tab is fitted to itself */
static void test_tabs(void **state)
{
	struct viz_frame f;

	(void)state;
	fresh(1);
	f = fr();
	assert_int_equal(f.ntabs, 1 + (int)run.nmodels);
	/* the digits reach the first nine tabs; one past the tabs does nothing */
	int digits = f.ntabs < 9 ? f.ntabs : 9;
	for (int i = 0; i < digits; i++) {
		assert_true(key('1' + i, 0) & VIZ_WOUT_REDRAW);
		assert_int_equal(fr().active, i);
		assert_int_equal(st.view.tab, f.tab[i].kind);
		assert_int_equal(st.view.t0, 0);
		assert_true(st.view.t1 >= viz_window_shown_end(&st));
	}
	if (f.ntabs < 9)
		assert_int_equal(key('1' + f.ntabs, 0), 0);
	assert_int_equal(fr().active, digits - 1);
	key('1', 0);
	key(VIZ_WKEY_TAB, VIZ_WMOD_SHIFT);
	assert_int_equal(fr().active, f.ntabs - 1);   /* wraps back */
	key(VIZ_WKEY_TAB, 0);
	assert_int_equal(fr().active, 0);     /* wraps */
	key(VIZ_WKEY_TAB, 0);
	assert_int_equal(fr().active, 1);
	assert_int_equal(st.view.model, AL_MODEL_SYNC);
	key(VIZ_WKEY_TAB, VIZ_WMOD_SHIFT);
	key(VIZ_WKEY_TAB, VIZ_WMOD_SHIFT);
	assert_int_equal(fr().active, f.ntabs - 1);
	f = fr();
	click((f.tab[3].r.x + f.tab[3].r.w / 2.0) / f.scale, f.tab[3].r.h / 2.0 / f.scale);
	assert_int_equal(fr().active, 3);
	assert_int_equal(st.view.model, f.tab[3].model);
}

/* t, r, l, k, ? toggle their panels; fitted lanes refit to the room left;
 * s the compare view's own time scales */
static void test_toggles(void **state)
{
	static const struct {
		int key;
		unsigned flag;
	} rows[] = {{'t', VIZ_SHOW_CPU_AXIS}, {'r', VIZ_SHOW_REPORT}, {'l', VIZ_SHOW_LEGEND},
		    {'k', VIZ_SHOW_COUNTERS}, {'?', VIZ_SHOW_HELP}, {'s', VIZ_OWN_SCALE}};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		unsigned before;

		fresh(1);
		before = st.view.flags;
		assert_true(key(rows[i].key, 0) & VIZ_WOUT_REDRAW);
		assert_int_equal(st.view.flags, before ^ rows[i].flag);
		assert_true(fits(0.1));
		key(rows[i].key, 0);
		assert_int_equal(st.view.flags, before);
	}
}

/* arrows, page keys, home and end move the selected lane through every
 * section's lanes and scroll it into the plot; a click on a label selects
 * its lane; enter shows the lane's life with readable lanes, centred */
static void test_lane_selection_and_jump(void **state)
{
	struct viz_frame f;
	long total = 0;
	int y0, y1;

	(void)state;
	fresh(1);
	f = fr();
	for (int i = 0; i < f.nsec; i++)
		total += f.sec[i].track->nlanes;
	assert_false(st.view.selected.valid);
	key(VIZ_WKEY_DOWN, 0);                /* none yet: the first one shown */
	assert_true(st.view.selected.valid);
	assert_int_equal(st.view.selected.section, 0);
	assert_int_equal(st.view.selected.lane, 0);
	key(VIZ_WKEY_DOWN, 0);
	assert_int_equal(st.view.selected.lane, 1);
	for (uint32_t i = 1; i < f.sec[0].track->nlanes; i++)
		key(VIZ_WKEY_DOWN, 0);
	assert_int_equal(st.view.selected.section, 1);   /* into the next section */
	assert_int_equal(st.view.selected.lane, 0);
	key(VIZ_WKEY_UP, 0);
	assert_int_equal(st.view.selected.section, 0);
	assert_int_equal(st.view.selected.lane, f.sec[0].track->nlanes - 1);
	key(VIZ_WKEY_END, 0);
	assert_int_equal(st.view.selected.section, f.nsec - 1);
	assert_int_equal(st.view.selected.lane, f.sec[f.nsec - 1].track->nlanes - 1);
	key(VIZ_WKEY_PGDN, 0);                /* clamped at the last */
	assert_int_equal(st.view.selected.section, f.nsec - 1);
	key(VIZ_WKEY_PGUP, 0);
	assert_true(st.view.selected.section < f.nsec - 1 ||
		    st.view.selected.lane + 1 < f.sec[f.nsec - 1].track->nlanes);
	key(VIZ_WKEY_HOME, 0);
	assert_int_equal(st.view.selected.section, 0);
	assert_int_equal(st.view.selected.lane, 0);
	assert_true(total > 20);
	/* a click on the process model's 4th label */
	f = fr();
	viz_frame_lane_y(&f, 1, 3, &y0, &y1);
	assert_true(click(40, (y0 + y1) / 2.0) & VIZ_WOUT_REDRAW);
	assert_int_equal(st.view.selected.section, 1);
	assert_int_equal(st.view.selected.lane, 3);
	/* enter: lanes readable, the lane's life across the window, centred */
	assert_true(key(VIZ_WKEY_RETURN, 0) & VIZ_WOUT_REDRAW);
	f = fr();
	{
		const struct viz_lane *l = &f.sec[1].track->lanes[3];

		assert_true(st.view.t0 <= l->life0 && st.view.t1 >= l->life1);
		assert_true(st.view.t1 - st.view.t0 < (l->life1 - l->life0) * 11 / 10);
	}
	assert_true(f.sec[1].lane_h >= 12);
	viz_frame_lane_y(&f, 1, 3, &y0, &y1);
	assert_true(y0 >= f.plot.y && y1 <= f.plot.y + f.plot.h);
	/* with many lanes the selection scrolls: down past the plot's bottom */
	wheel(W / 2.0, plot_mid_y(), 6, VIZ_WMOD_SHIFT);
	key(VIZ_WKEY_END, 0);
	f = fr();
	viz_frame_lane_y(&f, st.view.selected.section, st.view.selected.lane, &y0, &y1);
	assert_true(st.view.scroll > 0);
	assert_true(y0 >= f.plot.y && y1 <= f.plot.y + f.plot.h);
}

/* hover picks the span under the pointer (redraw only when it changes);
 * a click pins it, a click on it again unpins, esc unpins, then esc quits
 * (with the help open, esc closes it first); leaving the window un-hovers */
static void test_hover_pin_and_esc(void **state)
{
	uint32_t lane;
	long span;
	double x, y;

	(void)state;
	fresh(1);
	assert_true(find_span(0, &lane, &span, &x, &y));
	assert_true(pointer(VIZ_WEV_MOTION, x, y) & VIZ_WOUT_REDRAW);
	assert_true(st.view.hover.valid);
	assert_int_equal(st.view.hover.span, span);
	assert_int_equal(st.view.hover.lane, lane);
	assert_int_equal(st.view.mouse_x, (int)lround(x));
	pointer(VIZ_WEV_MOTION, 20, 10);      /* the tab bar: nothing */
	assert_false(st.view.hover.valid);
	assert_int_equal(pointer(VIZ_WEV_MOTION, 21, 10), 0);  /* nothing changed */
	click(x, y);
	assert_true(st.view.pinned.valid);
	assert_int_equal(st.view.pinned.span, span);
	assert_int_equal(pointer(VIZ_WEV_MOTION, x + 200, y + 100), 0); /* pinned: stays */
	click(x, y);
	assert_false(st.view.pinned.valid);
	click(x, y);
	assert_true(st.view.pinned.valid);
	assert_true(key(VIZ_WKEY_ESC, 0) & VIZ_WOUT_REDRAW);
	assert_false(st.view.pinned.valid);
	key('?', 0);
	assert_int_equal(key(VIZ_WKEY_ESC, 0) & VIZ_WOUT_QUIT, 0);
	assert_false(st.view.flags & VIZ_SHOW_HELP);
	pointer(VIZ_WEV_MOTION, x, y);
	assert_true(pointer(VIZ_WEV_LEAVE, 0, 0) & VIZ_WOUT_REDRAW);
	assert_false(st.view.hover.valid);
	assert_true(key(VIZ_WKEY_ESC, 0) & VIZ_WOUT_QUIT);
	assert_true(key('q', 0) & VIZ_WOUT_QUIT);
	assert_true(key(VIZ_WKEY_F12, 0) & VIZ_WOUT_SHOT);
	assert_int_equal(key('x', 0), 0);     /* unbound */
}

/* the arrows pan by a tenth of the window, shift by half */
static void test_arrow_pan(void **state)
{
	int64_t t0, w;

	(void)state;
	fresh(1);
	wheel(W / 2.0, plot_mid_y(), 8, 0);
	t0 = st.view.t0;
	w = st.view.t1 - st.view.t0;
	key(VIZ_WKEY_RIGHT, 0);
	assert_true(llabs(st.view.t0 - t0 - w / 10) <= w / 1000 + 2);
	key(VIZ_WKEY_LEFT, VIZ_WMOD_SHIFT);
	assert_true(llabs(st.view.t0 - t0 + 4 * w / 10) <= w / 1000 + 2);
}

/* a resize refits fitted lanes and keeps the time window; high-DPI doubles
 * every pixel but shows the same */
static void test_resize(void **state)
{
	struct viz_window_ev e = {.kind = VIZ_WEV_RESIZE, .w = 1600, .h = 1000, .scale = 1};
	int64_t t0, t1;

	(void)state;
	fresh(1);
	wheel(W / 3.0, plot_mid_y(), 2, 0);
	t0 = st.view.t0;
	t1 = st.view.t1;
	assert_true(viz_window_handle(&st, &e) & VIZ_WOUT_REDRAW);
	assert_int_equal(st.w, 1600);
	assert_int_equal(st.view.t0, t0);
	assert_int_equal(st.view.t1, t1);
	assert_true(fits(0.1));
	e = (struct viz_window_ev){.kind = VIZ_WEV_RESIZE, .w = 3200, .h = 2000, .scale = 2};
	viz_window_handle(&st, &e);
	assert_true(fits(0.1));
	e.w = 0;
	assert_int_equal(viz_window_handle(&st, &e), 0);
}

/* the initial tab: by index, or as the PNG chooses for one model */
static void test_initial_tab(void **state)
{
	(void)state;
	viz_window_state_init(&st, &scene, W, H, 1, 3, 0);
	assert_int_equal(fr().active, 2);
	viz_window_state_init(&st, &scene, W, H, 1, 0, 1u << AL_MODEL_ASYNCIO);
	assert_int_equal(st.view.tab, VIZ_TAB_MODEL);
	assert_int_equal(st.view.model, AL_MODEL_ASYNCIO);
	assert_int_equal(viz_window_shown_end(&st), viz_layout_track(&scene, 0,
			 AL_MODEL_ASYNCIO)->end);
	viz_window_state_init(&st, &scene, W, H, 1, 0, 1u << AL_MODEL_SYNC | 1u << AL_MODEL_THREAD);
	assert_int_equal(st.view.tab, VIZ_TAB_COMPARE);
	assert_int_equal(fr().nsec, 2);
}

/* Several runs (the seed's run, borrowed n times: a scene only reads its
 * runs): twins open on sim | real; other scenes on the runs tab, one band
 * per run, run after run; [ and ] walk the runs in the compare and model
 * tabs, wrapping, and leave the runs tab for the compare tab. */
static void test_runs(void **state)
{
	struct viz_run many[5];
	struct viz_scene ms;
	struct viz_frame f;
	char err[256];

	(void)state;
	for (int i = 0; i < 5; i++) {
		many[i] = run;
		snprintf(many[i].label, sizeof many[i].label, "file %d", i);
	}
	snprintf(many[1].net, sizeof many[1].net, "real");
	assert_int_equal(viz_layout_build(&ms, many, 2, err, sizeof err), 0);
	assert_true(ms.twins);
	viz_window_state_init(&st, &ms, W, H, 1, 0, 0);
	assert_int_equal(st.view.tab, VIZ_TAB_SIMREAL);
	viz_layout_free(&ms);
	snprintf(many[1].net, sizeof many[1].net, "sim");
	for (int n = 2; n <= 5; n += 3) {            /* two of one net, and five */
		assert_int_equal(viz_layout_build(&ms, many, n, err, sizeof err), 0);
		assert_false(ms.twins);
		/* tall enough for every section's chrome: fitted, everything,
		 * the bands' headers included, fills the plot */
		viz_window_state_init(&st, &ms, W, 3 * H, 1, 0, 0);
		assert_int_equal(st.view.tab, VIZ_TAB_RUNS);
		f = fr();
		/* (each section's lanes round to whole rows: half a row each) */
		if (n == 2)
			assert_true(f.sec[f.nsec - 1].bottom <= f.plot.y + f.plot.h + f.nsec / 2 &&
				    f.sec[f.nsec - 1].bottom > f.plot.y + f.plot.h - 20);
		assert_int_equal(f.tab[f.active].kind, VIZ_TAB_RUNS);
		assert_int_equal(f.nsec, n * run.nmodels);
		int bands = 0;
		for (int i = 0; i < f.nsec; i++) {
			assert_int_equal(f.sec[i].track->run, i / run.nmodels);
			assert_int_equal(f.sec[i].band, i % run.nmodels == 0);
			bands += f.sec[i].band;
			if (i > 0)
				assert_true(f.sec[i].top - f.sec[i].band_h >= f.sec[i - 1].bottom);
		}
		assert_int_equal(bands, n);
		assert_true(key(']', 0) & VIZ_WOUT_REDRAW);
		assert_int_equal(st.view.tab, VIZ_TAB_COMPARE);
		assert_int_equal(st.view.run, 1);
		f = fr();
		assert_int_equal(f.nsec, run.nmodels);
		for (int i = 0; i < f.nsec; i++)
			assert_int_equal(f.sec[i].track->run, 1);
		key('[', 0);
		key('[', 0);
		assert_int_equal(st.view.run, n - 1);        /* wraps */
		key('3', 0);                                 /* a model tab */
		assert_int_equal(st.view.tab, VIZ_TAB_MODEL);
		enum al_model m = st.view.model;
		key(']', 0);
		assert_int_equal(st.view.run, 0);
		assert_int_equal(st.view.tab, VIZ_TAB_MODEL);
		assert_int_equal(st.view.model, m);
		f = fr();
		assert_int_equal(f.nsec, 1);
		assert_int_equal(f.sec[0].track->run, 0);
		viz_layout_free(&ms);
	}
	/* one run: nothing to walk */
	fresh(1);
	assert_int_equal(key(']', 0), 0);
	/* past the cap: refused, said */
	struct viz_run *lots = calloc(VIZ_MAX_RUNS + 1, sizeof *lots);
	assert_non_null(lots);
	assert_int_equal(viz_layout_build(&ms, lots, VIZ_MAX_RUNS + 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "runs (1 to 16)"));
	free(lots);
}

/* Paused, then panned past the cursor: the window shows a time nothing
 * has happened in yet, so no lane, thin (a density band) or not, may show
 * a state.  (A cursor left of the window once sent the band blender to
 * negative columns, out of its buffers.) */
static void test_cursor_left_of_window(void **state)
{
	static const struct {
		double notches;              /* shift+wheel: lanes thinner */
	} rows[] = {{0}, {-12}};
	SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
	SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;

	(void)state;
	assert_non_null(r);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct viz_frame f;
		int bands = 0, bad = 0;

		fresh(1);
		if (rows[i].notches)
			wheel(W / 2.0, plot_mid_y(), rows[i].notches, VIZ_WMOD_SHIFT);
		key(' ', 0);
		tick_ms(100);
		key(' ', 0);
		wheel(W / 2.0, plot_mid_y(), 6, 0);
		st.view.t0 = st.view.cursor + 37 * MS;   /* off the grid's ticks */
		st.view.t1 = st.view.t0 + 100 * MS;
		f = fr();
		assert_true(f.cursor < f.t0);
		for (int k = 0; k < f.nsec; k++)
			bands += f.sec[k].lanes_h < (int)f.sec[k].track->nlanes;
		assert_true(rows[i].notches == 0 ? bands == 0 : bands > 0);
		assert_int_equal(viz_draw(r, &scene, &st.view, W, H, 1), 0);
		SDL_RenderFlush(r);
		for (int y = f.plot.y; y < f.plot.y + f.plot.h; y++)
			for (int x = f.plot.x; x < f.plot.x + f.plot.w; x++) {
				uint32_t px = ((const uint32_t *)((const uint8_t *)surf->pixels +
						(size_t)y * surf->pitch))[x] | 0xff000000u;

				for (int s = 0; s < AL_ST_DONE; s++)
					bad += px == viz_rgb_argb(viz_palette[s].rgb);
			}
		assert_int_equal(bad, 0);
	}
	viz_draw_release(&scene);
	SDL_DestroyRenderer(r);
	SDL_FreeSurface(surf);
}

/* Every help row is one a case above covers: the rows' keys, verbatim. */
static const char *const covered[] = {
	"wheel", "shift+wheel", "drag", "← / → (shift: more)", "f",
	"↑ / ↓, pgup / pgdn", "home / end", "click a label", "enter", "hover", "click",
	"space", "+ / -", ". / , (> / <: more)", "drag on the time axis", "backspace",
	"1 … 9, tab (shift: back)", "[ / ]", "click a tab", "t", "r", "l", "k", "s", "f12", "?",
	"esc", "q",
};

static void test_help_lists_the_bindings(void **state)
{
	size_t n = sizeof covered / sizeof covered[0];

	(void)state;
	assert_int_equal(viz_nkeys, (int)n);
	for (int i = 0; i < viz_nkeys; i++) {
		int found = 0;

		for (size_t k = 0; k < n && !found; k++)
			found = strcmp(viz_keys[i].keys, covered[k]) == 0;
		if (!found)
			fail_msg("help row \"%s\" has no test here", viz_keys[i].keys);
	}
}

/* No display: an error with the command's message, at once. */
static void test_no_display(void **state)
{
	static const char *const displays[] = {NULL, ":4095"};
	char err[256];

	(void)state;
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("SDL_VIDEODRIVER");
	/* SDL_Init asks D-Bus for the session bus; with none, libdbus tries
	 * to autolaunch one and leaks on that failure (LeakSanitizer sees it):
	 * no session bus, said plainly */
	setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:", 0);
	for (size_t i = 0; i < sizeof displays / sizeof displays[0]; i++) {
		if (displays[i])
			setenv("DISPLAY", displays[i], 1);
		else
			unsetenv("DISPLAY");
		err[0] = 0;
		assert_int_equal(viz_window_run(&run, 1, NULL, err, sizeof err), -1);
		assert_non_null(strstr(err, "no display: set DISPLAY, or use --png"));
	}
	assert_int_equal(viz_window_run(&run, 0, NULL, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wheel_zoom_keeps_pointer_time),
		cmocka_unit_test(test_drag_pans_by_pixels),
		cmocka_unit_test(test_shift_wheel_and_vertical_drag),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_playback),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_toggles),
		cmocka_unit_test(test_lane_selection_and_jump),
		cmocka_unit_test(test_hover_pin_and_esc),
		cmocka_unit_test(test_arrow_pan),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_initial_tab),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_cursor_left_of_window),
		cmocka_unit_test(test_help_lists_the_bindings),
		cmocka_unit_test(test_no_display),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
