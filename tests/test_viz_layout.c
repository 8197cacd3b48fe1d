/* The timelines' layout, level of detail, geometry and labels, on traces
 * written by hand (so each expectation is arithmetic), and the PNG's
 * limits: a 10,000-lane trace drawn as density bands, sizes refused, the
 * file a valid PNG of the asked size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "viz/viz_draw_int.h"
#include "viz/viz_fmt.h"
#include "viz/viz_palette.h"
#include "viz/viz_png.h"

static void one_model_run(struct viz_run *r, enum al_model m, int64_t end)
{
	memset(r, 0, sizeof *r);
	al_scenario_default(&r->sc);
	snprintf(r->net, sizeof r->net, "sim");
	r->nmodels = 1;
	r->models[0].report.model = m;
	r->models[0].report.elapsed_ns = end;
	assert_int_equal(al_trace_init(&r->models[0].trace, AL_TRACE_RECORD), 0);
}

/* A process, its thread, three tasks; events out of time order (as the
 * simulator records a few), an instant state, a lane that ends. */
static void small_run(struct viz_run *r)
{
	struct al_trace *t;
	uint32_t p, th, a, b, c;

	one_model_run(r, AL_MODEL_GENERATOR, 1000);
	t = &r->models[0].trace;
	p = al_trace_lane(t, 0, AL_LANE_PROCESS, 0, "gen", 0);
	th = al_trace_lane(t, 0, AL_LANE_THREAD, p, "gen", 0);
	a = al_trace_lane(t, 0, AL_LANE_TASK, th, "fetch", 1);
	b = al_trace_lane(t, 0, AL_LANE_TASK, th, "fetch", 2);
	al_trace_state(t, 0, th, AL_ST_RUNNING, 0);
	al_trace_state(t, 100, th, AL_ST_WAIT, 0);
	al_trace_state(t, 10, a, AL_ST_CONNECT, 0);
	al_trace_state(t, 300, a, AL_ST_RUNNING, 37);
	al_trace_state(t, 200, b, AL_ST_CONNECT, 0);   /* recorded late, earlier */
	al_trace_state(t, 20, b, AL_ST_CONNECT, 0);
	al_trace_state(t, 310, a, AL_ST_RECV, 0);
	al_trace_state(t, 310, b, AL_ST_RUNNABLE, 0);  /* instant: overridden */
	al_trace_state(t, 310, b, AL_ST_RECV, 0);
	al_trace_state(t, 600, a, AL_ST_DONE, 0);
	c = al_trace_lane(t, 700, AL_LANE_TASK, th, "fetch", 3);
	al_trace_state(t, 700, c, AL_ST_SPIN, 0);
	al_trace_counter(t, 50, AL_CTR_SOCKETS, 2);
	al_trace_counter(t, 5, AL_CTR_SOCKETS, 1);
}

static void test_spans_and_tree_order(void **state)
{
	struct viz_run r;
	struct viz_scene s;
	const struct viz_track *tr;
	char err[256], label[64];

	(void)state;
	small_run(&r);
	assert_int_equal(viz_layout_build(&s, &r, 1, err, sizeof err), 0);
	tr = viz_layout_track(&s, 0, AL_MODEL_GENERATOR);
	assert_non_null(tr);
	assert_null(viz_layout_track(&s, 0, AL_MODEL_SYNC));
	/* the machine lane has no states: a process, its thread, its tasks */
	assert_int_equal(tr->nlanes, 5);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(tr->lanes[i].id, i + 1);
	assert_int_equal(tr->lanes[0].depth, 0);
	assert_int_equal(tr->lanes[1].depth, 1);
	assert_int_equal(tr->lanes[2].depth, 2);
	viz_layout_lane_label(tr, &tr->lanes[3], label, sizeof label);
	assert_string_equal(label, "fetch #2");
	viz_layout_lane_label(tr, &tr->lanes[0], label, sizeof label);
	assert_string_equal(label, "gen");
	/* the process's own thread is named by its kind, not a second "gen" */
	viz_layout_lane_label(tr, &tr->lanes[1], label, sizeof label);
	assert_string_equal(label, "thread");
	/* thread: running 0-100, wait 100-end */
	assert_int_equal(tr->lanes[1].n, 2);
	assert_int_equal(tr->spans[tr->lanes[1].first + 1].t1, 1000);
	/* fetch #1: connect 10-300, running 300-310 (37 bytes), recv 310-600, done */
	{
		const struct viz_span *sp = &tr->spans[tr->lanes[2].first];

		assert_int_equal(tr->lanes[2].n, 3);
		assert_int_equal(sp[1].state, AL_ST_RUNNING);
		assert_int_equal(sp[1].bytes, 37);
		assert_int_equal(sp[2].t1, 600);
	}
	/* fetch #2, sorted: connect 20-200, connect 200-310, recv 310-end; the
	 * instant runnable at 310 is no span */
	assert_int_equal(tr->lanes[3].n, 3);
	assert_int_equal(tr->spans[tr->lanes[3].first].t0, 20);
	assert_int_equal(tr->spans[tr->lanes[3].first + 2].state, AL_ST_RECV);
	assert_int_equal(viz_layout_span_at(tr, &tr->lanes[3], 309),
			 (long)tr->lanes[3].first + 1);
	assert_int_equal(viz_layout_span_at(tr, &tr->lanes[2], 650), -1);
	/* the process has no spans, and lives as long as its subtree */
	assert_int_equal(tr->lanes[0].n, 0);
	assert_int_equal(tr->lanes[0].life0, 0);
	assert_int_equal(tr->lanes[0].life1, 1000);
	/* counters sorted by time */
	assert_int_equal(tr->ctr[AL_CTR_SOCKETS].n, 2);
	assert_int_equal(viz_layout_counter_at(&tr->ctr[AL_CTR_SOCKETS], 4), 0);
	assert_int_equal(viz_layout_counter_at(&tr->ctr[AL_CTR_SOCKETS], 10), 1);
	assert_int_equal(viz_layout_counter_at(&tr->ctr[AL_CTR_SOCKETS], 60), 2);
	assert_int_equal(tr->ctr[AL_CTR_SOCKETS].max, 2);
	assert_int_equal(s.t_end, 1000);
	viz_layout_free(&s);
	viz_run_free(&r);
}

/* A worker's own thread and task are named by their kind, with their own
 * ordinal when it is not the worker's; other lanes keep their labels. */
static void test_worker_lanes_named_by_kind(void **state)
{
	struct viz_run r;
	struct viz_scene s = {0};
	const struct viz_track *tr;
	struct al_trace *t;
	char err[256], label[64];
	static const char *const want[] = {"pool", "worker #1", "thread", "task #2",
					   "worker #2", "thread #5", "fetch #7",
					   "worker #3", "thread", "task #3"};
	uint32_t pool, w1, w2, w3, th;

	(void)state;
	one_model_run(&r, AL_MODEL_THREAD, 100);
	t = &r.models[0].trace;
	pool = al_trace_lane(t, 0, AL_LANE_PROCESS, 0, "pool", 0);
	w1 = al_trace_lane(t, 0, AL_LANE_PROCESS, pool, "worker", 1);
	th = al_trace_lane(t, 0, AL_LANE_THREAD, w1, "worker", 1);
	al_trace_state(t, 0, al_trace_lane(t, 0, AL_LANE_TASK, th, "worker", 2), AL_ST_RUNNING, 0);
	w2 = al_trace_lane(t, 0, AL_LANE_PROCESS, pool, "worker", 2);
	th = al_trace_lane(t, 0, AL_LANE_THREAD, w2, "worker", 5);
	al_trace_state(t, 0, al_trace_lane(t, 0, AL_LANE_TASK, th, "fetch", 7), AL_ST_RUNNING, 0);
	/* a task numbered as its thread (the real backend counts them apart)
	 * keeps its number */
	w3 = al_trace_lane(t, 0, AL_LANE_PROCESS, pool, "worker", 3);
	th = al_trace_lane(t, 0, AL_LANE_THREAD, w3, "worker", 3);
	al_trace_state(t, 0, al_trace_lane(t, 0, AL_LANE_TASK, th, "worker", 3), AL_ST_RUNNING, 0);
	assert_int_equal(viz_layout_build(&s, &r, 1, err, sizeof err), 0);
	tr = viz_layout_track(&s, 0, AL_MODEL_THREAD);
	assert_non_null(tr);
	assert_int_equal(tr->nlanes, sizeof want / sizeof want[0]);
	for (uint32_t i = 0; i < tr->nlanes; i++) {
		viz_layout_lane_label(tr, &tr->lanes[i], label, sizeof label);
		assert_string_equal(label, want[i]);
	}
	viz_layout_free(&s);
	al_trace_free(t);
}

/* The report panel reads as `asynclab run` prints: CPU busy is a share of
 * all the cores of the machine the run ran on. */
static void test_report_cells_as_the_terminal(void **state)
{
	struct viz_run r;
	struct viz_scene s = {0};
	char err[256], v[VIZ_REPORT_COLS][80];

	(void)state;
	one_model_run(&r, AL_MODEL_PROCESS, 1000000000);
	r.cores = 4;
	r.models[0].report.cpu_busy_ns = 1000000000;   /* one core's worth */
	r.models[0].report.pages_ok = 40;
	r.models[0].report.speedup = 3.9;
	al_trace_state(&r.models[0].trace, 0,
		       al_trace_lane(&r.models[0].trace, 0, AL_LANE_PROCESS, 0, "p", 0),
		       AL_ST_RUNNING, 0);
	assert_int_equal(viz_layout_build(&s, &r, 1, err, sizeof err), 0);
	viz_report_cells(&s, viz_layout_track(&s, 0, AL_MODEL_PROCESS), v);
	assert_string_equal(v[0], "process");
	assert_string_equal(v[2], "3.9×");
	assert_string_equal(v[3], "40 / 0");
	assert_string_equal(v[4], "25.0 %");
	r.cores = 0;                                    /* unknown: no figure */
	viz_report_cells(&s, viz_layout_track(&s, 0, AL_MODEL_PROCESS), v);
	assert_string_equal(v[4], "–");
	viz_layout_free(&s);
	al_trace_free(&r.models[0].trace);
}

static void test_lane_columns_dominant_state(void **state)
{
	struct viz_run r;
	struct viz_scene s;
	const struct viz_track *tr;
	uint8_t col[10];
	char err[256];

	(void)state;
	small_run(&r);
	assert_int_equal(viz_layout_build(&s, &r, 1, err, sizeof err), 0);
	tr = viz_layout_track(&s, 0, AL_MODEL_GENERATOR);
	/* fetch #1 over columns of 100 ns: [0,100) is 90 % connect; [300,400)
	 * is 10 running, 90 recv; [600,700) nothing (done) */
	viz_layout_lane_columns(tr, &tr->lanes[2], 0, 100, 10, INT64_MAX, col);
	assert_int_equal(col[0], AL_ST_CONNECT);
	assert_int_equal(col[2], AL_ST_CONNECT);
	assert_int_equal(col[3], AL_ST_RECV);
	assert_int_equal(col[5], AL_ST_RECV);
	assert_int_equal(col[6], VIZ_NONE);
	/* fetch #3 exists from 700 on */
	viz_layout_lane_columns(tr, &tr->lanes[4], 0, 100, 10, INT64_MAX, col);
	assert_int_equal(col[6], VIZ_NONE);
	assert_int_equal(col[7], AL_ST_SPIN);
	/* half a column covered: the state wins a tie with nothing */
	viz_layout_lane_columns(tr, &tr->lanes[4], 650, 100, 3, INT64_MAX, col);
	assert_int_equal(col[0], AL_ST_SPIN);
	/* the playback cursor cuts fetch #1's recv: at 360, [300, 400) is 10
	 * running + 50 recv; at 340, 10 + 30 and 60 % nothing */
	viz_layout_lane_columns(tr, &tr->lanes[2], 0, 100, 10, 360, col);
	assert_int_equal(col[3], AL_ST_RECV);
	assert_int_equal(col[4], VIZ_NONE);
	viz_layout_lane_columns(tr, &tr->lanes[2], 0, 100, 10, 340, col);
	assert_int_equal(col[3], VIZ_NONE);
	/* one column wider than the whole lane: the thread's 100 running and
	 * 900 wait in 1100 ns; in 2000 ns nothing (1000) beats wait (900) */
	viz_layout_lane_columns(tr, &tr->lanes[1], 0, 1100, 1, INT64_MAX, col);
	assert_int_equal(col[0], AL_ST_WAIT);
	viz_layout_lane_columns(tr, &tr->lanes[1], 0, 2000, 1, INT64_MAX, col);
	assert_int_equal(col[0], VIZ_NONE);
	viz_layout_free(&s);
	viz_run_free(&r);
}

/* The shares of three states at once: one-hot weights. */
static void shares(const struct viz_track *tr, uint32_t a, uint32_t b, int64_t t0, double npc,
		   int ncols, const int st[3], float *out)
{
	float weight[AL_ST_COUNT][3] = {{0}}, work[6 * 9] = {0};

	assert_true(ncols <= 8);
	for (int k = 0; k < 3; k++)
		weight[st[k]][k] = 1;
	viz_layout_band_mix(tr, a, b, t0, npc, ncols, INT64_MAX, (const float (*)[3])weight, out, work);
	for (int i = 0; i < 6 * 9; i++)
		assert_true(work[i] == 0);           /* left zero for the next row */
}

static void test_band_shares(void **state)
{
	static const int cs[3] = {AL_ST_CONNECT, AL_ST_RECV, AL_ST_SPIN};
	static const int rw[3] = {AL_ST_RUNNING, AL_ST_WAIT, AL_ST_RUNNABLE};
	struct viz_run r;
	struct viz_scene s;
	const struct viz_track *tr;
	float out[3 * 4];
	char err[256];

	(void)state;
	small_run(&r);
	assert_int_equal(viz_layout_build(&s, &r, 1, err, sizeof err), 0);
	tr = viz_layout_track(&s, 0, AL_MODEL_GENERATOR);
	/* the three tasks over 4 columns of 250 ns; out[k * 4 + c] is state
	 * st[k]'s share of column c */
	shares(tr, 2, 5, 0, 250, 4, cs, out);
	/* column 0: fetch #1 connect 240, fetch #2 connect 230, fetch #3 none */
	assert_float_equal(out[0 * 4 + 0], 470.0 / 750, 1e-5);
	assert_float_equal(out[1 * 4 + 0], 0, 1e-6);
	/* column 3 [750, 1000): fetch #2 recv 250, fetch #3 spin 250 */
	assert_float_equal(out[1 * 4 + 3], 1.0 / 3, 1e-5);
	assert_float_equal(out[2 * 4 + 3], 1.0 / 3, 1e-5);
	/* column 1 [250, 500): fetch #1 connect 50 + running 10 + recv 190,
	 * fetch #2 connect 60 + recv 190: nothing waits, nothing is runnable
	 * (the instant at 310 is no span) */
	shares(tr, 2, 5, 0, 250, 4, rw, out);
	assert_float_equal(out[0 * 4 + 1], 10.0 / 750, 1e-5);
	assert_float_equal(out[1 * 4 + 1], 0, 1e-6);
	assert_float_equal(out[2 * 4 + 1], 0, 1e-6);
	shares(tr, 2, 5, 0, 250, 4, cs, out);
	assert_float_equal(out[0 * 4 + 1], 110.0 / 750, 1e-5);
	assert_float_equal(out[1 * 4 + 1], 380.0 / 750, 1e-5);
	/* the thread alone, one wide column: 100 running, 900 wait of 2000 */
	shares(tr, 1, 2, 0, 2000, 1, rw, out);
	assert_float_equal(out[0], 0.05, 1e-6);      /* planes of one column */
	assert_float_equal(out[1], 0.45, 1e-6);
	viz_layout_free(&s);
	viz_run_free(&r);
}

static void test_labels(void **state)
{
	static const struct {
		int64_t t, step;
		const char *want;
	} ticks[] = {
		{0, 50000000, "0"}, {150000000, 50000000, "150 ms"},
		{1200000000, 200000000, "1.2 s"}, {1500, 500, "1.5 µs"},
		{321050000, 10000, "321.05 ms"}, {2000000000, 500000000, "2 s"},
		{40, 10, "40 ns"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++) {
		viz_fmt_tick(buf, sizeof buf, ticks[i].t, ticks[i].step);
		assert_string_equal(buf, ticks[i].want);
	}
	assert_int_equal(viz_fmt_step(90), 100);
	assert_int_equal(viz_fmt_step(101), 200);
	assert_int_equal(viz_fmt_step(201), 500);
	assert_int_equal(viz_fmt_step(4e8), 500000000);
	viz_fmt_duration(buf, sizeof buf, 1058400);
	assert_string_equal(buf, "1.06 ms");
	viz_fmt_duration(buf, sizeof buf, 900);
	assert_string_equal(buf, "900 ns");
	viz_fmt_duration(buf, sizeof buf, 3210584000.0);
	assert_string_equal(buf, "3.21 s");
	/* the article's 1 s of blocking at 2.6 GHz (docs/timeview.md) */
	viz_fmt_felt(buf, sizeof buf, viz_fmt_felt_seconds(1e9, 2.6));
	assert_string_equal(buf, "82.4 years");
	viz_fmt_felt(buf, sizeof buf, viz_fmt_felt_seconds(1, 2.6));
	assert_string_equal(buf, "2.6 s");
	viz_fmt_felt(buf, sizeof buf, viz_fmt_felt_seconds(100, 2.6));
	assert_string_equal(buf, "4.3 min");
	viz_fmt_felt(buf, sizeof buf, viz_fmt_felt_seconds(300e9, 2.6));
	assert_string_equal(buf, "24.7 millennia");
	viz_fmt_felt(buf, sizeof buf, 59.97);
	assert_string_equal(buf, "1 min");
	viz_fmt_bytes(buf, sizeof buf, 142606336);
	assert_string_equal(buf, "136 MiB");
	viz_fmt_count(buf, sizeof buf, 3567380);
	assert_string_equal(buf, "3,567,380");
}

/* 2 + ntasks lanes: a process, a thread (waiting), tasks; even task ids
 * run then wait, odd ones recv then wait, the switch at T / 2. */
#define T 1000000000LL
static void many_lanes(struct viz_run *r, uint32_t ntasks)
{
	struct al_trace *t;
	uint32_t p, th;

	one_model_run(r, AL_MODEL_GENERATOR, T);
	t = &r->models[0].trace;
	p = al_trace_lane(t, 0, AL_LANE_PROCESS, 0, "gen", 0);
	th = al_trace_lane(t, 0, AL_LANE_THREAD, p, "gen", 0);
	al_trace_state(t, 0, th, AL_ST_WAIT, 0);
	for (uint32_t i = 0; i < ntasks; i++) {
		uint32_t l = al_trace_lane(t, 0, AL_LANE_TASK, th, "fetch", i + 1);

		al_trace_state(t, 0, l, l % 2 ? AL_ST_RECV : AL_ST_RUNNING, 0);
		al_trace_state(t, T / 2, l, AL_ST_WAIT, 0);
	}
	assert_false(t->truncated);
}

static uint32_t pixel(const SDL_Surface *s, int x, int y)
{
	return ((const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * s->pitch))[x];
}

static void near_colour(uint32_t got, double r, double g, double b)
{
	double gr = got >> 16 & 0xff, gg = got >> 8 & 0xff, gb = got & 0xff;

	if (gr < r - 2 || gr > r + 2 || gg < g - 2 || gg > g + 2 || gb < b - 2 || gb > b + 2)
		fail_msg("pixel #%06x, expected about (%.0f, %.0f, %.0f)", got & 0xffffff, r, g, b);
}

static void test_ten_thousand_lanes_as_bands(void **state)
{
	static struct viz_run r;
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	char path[] = "/tmp/test_viz_bands.XXXXXX", file[64], err[256];
	SDL_Surface *raw, *img;
	const struct viz_section *sc;
	int y0, y1, checked = 0;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof file, "%s/bands.png", path);
	many_lanes(&r, 9998);
	assert_int_equal(viz_png_write(NULL, file, &r, 1, 1200, 800, 0, err, sizeof err), 0);
	raw = IMG_Load(file);
	assert_non_null(raw);
	img = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
	assert_non_null(img);
	assert_int_equal(viz_layout_build(&s, &r, 1, err, sizeof err), 0);
	viz_png_view(&v, &s, 1200, 800, 0);
	viz_frame_make(&f, &s, &v, 1200, 800, 1);
	assert_int_equal(s.nlanes, 10000);
	sc = &f.sec[0];
	/* merged: fewer rows than lanes, all inside the plot */
	assert_true(sc->lanes_h < 10000 && sc->lanes_h > 100);
	assert_true(sc->lanes_top + sc->lanes_h <= f.plot.y + f.plot.h);
	assert_int_equal(viz_frame_lane_y(&f, 0, 5000, &y0, &y1), 1);
	assert_int_equal(y1 - y0, 1);
	/* every row shows several lanes, each lane on exactly one row, and the
	 * colour of a row is the share of each state over its lanes */
	for (int y = sc->lanes_top; y < sc->lanes_top + sc->lanes_h; y++) {
		uint32_t a, b;
		double run = 0, recv = 0, wait = 0;
		double n, x1 = viz_frame_time_x(&f, T / 4), x2 = viz_frame_time_x(&f, 3 * T / 4);
		const struct viz_rgb bg0 = viz_rgb_bg, cr0 = viz_palette[AL_ST_RUNNING].rgb,
				     cv0 = viz_palette[AL_ST_RECV].rgb, cw0 = viz_palette[AL_ST_WAIT].rgb;
		const struct {
			double r, g, b;
		} bg = {bg0.r, bg0.g, bg0.b}, cr = {cr0.r, cr0.g, cr0.b}, cv = {cv0.r, cv0.g, cv0.b},
		  cw = {cw0.r, cw0.g, cw0.b};

		assert_int_equal(viz_frame_row_lanes(&f, 0, y, &a, &b), 0);
		assert_true(b - a >= 2);
		assert_int_equal(viz_frame_lane_y(&f, 0, a, &y0, &y1), 1);
		assert_int_equal(y0, y);
		assert_int_equal(viz_frame_lane_y(&f, 0, b - 1, &y0, &y1), 1);
		assert_int_equal(y0, y);
		for (uint32_t i = a; i < b; i++) {
			uint32_t id = sc->track->lanes[i].id;

			if (id == 2)
				wait++;
			else if (id > 2)
				*(id % 2 ? &recv : &run) += 1;
		}
		n = b - a;
		if (y % 37 != 0)
			continue;
		near_colour(pixel(img, (int)x1, y),
			    bg.r + (run * (cr.r - bg.r) + recv * (cv.r - bg.r) + wait * (cw.r - bg.r)) / n,
			    bg.g + (run * (cr.g - bg.g) + recv * (cv.g - bg.g) + wait * (cw.g - bg.g)) / n,
			    bg.b + (run * (cr.b - bg.b) + recv * (cv.b - bg.b) + wait * (cw.b - bg.b)) / n);
		near_colour(pixel(img, (int)x2, y),
			    bg.r + (run + recv + wait) * (cw.r - bg.r) / n,
			    bg.g + (run + recv + wait) * (cw.g - bg.g) / n,
			    bg.b + (run + recv + wait) * (cw.b - bg.b) / n);
		checked++;
	}
	assert_true(checked > 5);
	SDL_FreeSurface(raw);
	SDL_FreeSurface(img);
	viz_layout_free(&s);
	viz_run_free(&r);
	unlink(file);
	rmdir(path);
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_sizes_refused(void **state)
{
	static const int bad[][2] = {
		{16385, 600}, {800, 16385}, {100000, 100000}, {639, 600}, {800, 399},
		{0, 0}, {-5, 600},
	};
	struct viz_run r;
	char path[] = "/tmp/test_viz_sizes.XXXXXX", file[64], err[256];

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof file, "%s/x.png", path);
	small_run(&r);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		errno = 0;
		assert_int_equal(viz_png_write(NULL, file, &r, 1, bad[i][0], bad[i][1], 0, err, sizeof err), -1);
		assert_int_equal(errno, EINVAL);
		assert_true(strstr(err, bad[i][0] > 16384 || bad[i][1] > 16384 ? "at most 16384" :
				   "at least 640x400") != NULL);
	}
	/* a model that names nothing, or one that did not run */
	assert_int_equal(viz_png_write(NULL, file, &r, 1, 800, 600, 1u << AL_MODEL_COUNT, err, sizeof err), -1);
	assert_int_equal(viz_png_write(NULL, file, &r, 1, 800, 600, 1u << AL_MODEL_SYNC, err, sizeof err), -1);
	assert_non_null(strstr(err, "none of the chosen models"));
	assert_int_equal(viz_png_write(NULL, file, &r, 0, 800, 600, 0, err, sizeof err), -1);
	assert_int_equal(dir_entries(path), 0);      /* nothing written, no temp left */
	/* the largest side allowed */
	assert_int_equal(viz_png_write(NULL, file, &r, 1, 16384, 400, 0, err, sizeof err), 0);
	assert_int_equal(dir_entries(path), 1);
	unlink(file);
	rmdir(path);
	viz_run_free(&r);
}

static void test_valid_png_of_the_asked_size(void **state)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	struct viz_run r;
	char path[] = "/tmp/test_viz_valid.XXXXXX", file[64], err[256];
	unsigned char head[8];
	SDL_Surface *img;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof file, "%s/v.png", path);
	small_run(&r);
	/* an existing file is replaced whole */
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs("not a png", fp);
	fclose(fp);
	assert_int_equal(viz_png_write(NULL, file, &r, 1, 1001, 433, 0, err, sizeof err), 0);
	fp = fopen(file, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(head, 1, 8, fp), 8);
	fclose(fp);
	assert_memory_equal(head, sig, 8);
	img = IMG_Load(file);
	assert_non_null(img);
	assert_int_equal(img->w, 1001);
	assert_int_equal(img->h, 433);
	SDL_FreeSurface(img);
	assert_int_equal(dir_entries(path), 1);
	/* into a directory that does not exist: an error, not a crash */
	assert_int_equal(viz_png_write(NULL, "/nonexistent/dir/x.png", &r, 1, 800, 600, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/x.png"));
	unlink(file);
	rmdir(path);
	viz_run_free(&r);
}

static void test_view_zoom_pan_tabs(void **state)
{
	struct viz_run r[2];
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	struct viz_tab_info tabs[VIZ_MAX_TABS];
	char err[256];
	double x;

	(void)state;
	small_run(&r[0]);
	small_run(&r[1]);
	snprintf(r[1].net, sizeof r[1].net, "real");
	assert_int_equal(viz_layout_build(&s, r, 2, err, sizeof err), 0);
	assert_int_equal(viz_view_tabs(&s, 0, tabs), 3);
	assert_string_equal(tabs[0].name, "compare");
	assert_string_equal(tabs[1].name, "generator");
	assert_string_equal(tabs[2].name, "sim | real");
	viz_view_init(&v, &s);
	viz_view_fit(&v, &s, 2000, 1400, 2);
	viz_frame_make(&f, &s, &v, 2000, 1400, 2);
	assert_int_equal(f.nsec, 1);                 /* compare: run 0 */
	viz_view_set_tab(&v, &f, 2);
	viz_frame_make(&f, &s, &v, 2000, 1400, 2);
	assert_int_equal(f.nsec, 2);                 /* sim above real */
	assert_int_equal(f.sec[0].track->run, 0);
	assert_int_equal(f.sec[1].track->run, 1);
	assert_int_equal(viz_frame_tab_at(&f, f.tab[2].r.x + 1, 1), 2);
	/* zooming keeps the time under the pointer where it is */
	x = viz_frame_time_x(&f, 300);
	viz_view_zoom(&v, &s, 300, 4);
	viz_frame_make(&f, &s, &v, 2000, 1400, 2);
	assert_true(viz_frame_time_x(&f, 300) > x - 1 && viz_frame_time_x(&f, 300) < x + 1);
	assert_true(v.t1 - v.t0 < 300);
	/* a drag to the left shows later times: 300 moves left by the drag */
	viz_view_pan(&v, &f, -50, 0);
	viz_frame_make(&f, &s, &v, 2000, 1400, 2);
	/* (50 logical px at scale 2; time moves in whole ns, 6 px of it here) */
	assert_true(viz_frame_time_x(&f, 300) < x - 94 && viz_frame_time_x(&f, 300) > x - 106);
	viz_layout_free(&s);
	viz_run_free(&r[0]);
	viz_run_free(&r[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans_and_tree_order),
		cmocka_unit_test(test_worker_lanes_named_by_kind),
		cmocka_unit_test(test_report_cells_as_the_terminal),
		cmocka_unit_test(test_lane_columns_dominant_state),
		cmocka_unit_test(test_band_shares),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_ten_thousand_lanes_as_bands),
		cmocka_unit_test(test_sizes_refused),
		cmocka_unit_test(test_valid_png_of_the_asked_size),
		cmocka_unit_test(test_view_zoom_pan_tabs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
