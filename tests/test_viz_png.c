/* The headless picture, checked by pixel: the default scenario (the seed
 * article's experiment, all seven models, simulated, so every time below is
 * exact) is drawn to PNG with no display, loaded back, and at known virtual
 * times each model's lanes must show the colour of the state the model is
 * in then.  The geometry comes from the same frame the drawer used
 * (viz_png_view + viz_frame_make), so "where the layout says" is checked,
 * and every expectation is also checked against the spans themselves.
 *
 * The expected states follow from the models (docs/models.md) and the
 * network (docs/network.md, "Worked example"): RTT 150 ms, think 20 ms,
 * 1256-byte pages over 10 Mbit/s, python costs, one core.  A page alone
 * connects for one RTT (SYN at the server at 75 ms, established at
 * 150 ms), then waits for its reply, whose last byte arrives at
 * 321.06 ms; ten pages at once finish together at ~330.6 ms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "sim/sim_run.h"
#include "viz/viz_draw.h"
#include "viz/viz_palette.h"
#include "viz/viz_png.h"

#define MS 1000000LL
#define US 1000LL

static struct viz_run run;
static char dir[64];

static int setup(void **state)
{
	char err[512];

	(void)state;
	/* no display: the PNG must not need one */
	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	al_scenario_default(&run.sc);
	snprintf(run.net, sizeof run.net, "sim");
	run.cores = run.sc.machine.cores;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct viz_model *vm = &run.models[run.nmodels];

		if (al_trace_init(&vm->trace, AL_TRACE_RECORD) != 0 ||
		    sim_run_model_traced(&run.sc, (enum al_model)m, &vm->report, &vm->trace,
					 err, sizeof err) != 0)
			return -1;
		run.nmodels++;
	}
	snprintf(dir, sizeof dir, "/tmp/test_viz_png.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	(void)state;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
	viz_run_free(&run);
	return 0;
}

static SDL_Surface *load(const char *path, int w, int h)
{
	SDL_Surface *raw = IMG_Load(path), *s;

	if (!raw)
		fail_msg("IMG_Load %s: %s", path, IMG_GetError());
	assert_int_equal(raw->w, w);
	assert_int_equal(raw->h, h);
	s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_FreeSurface(raw);
	assert_non_null(s);
	return s;
}

static uint32_t pixel(const SDL_Surface *s, int x, int y)
{
	assert_true(x >= 0 && x < s->w && y >= 0 && y < s->h);
	return ((const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * s->pitch))[x] | 0xff000000u;
}

static void assert_colour(uint32_t got, struct viz_rgb want, const char *what)
{
	if (got != viz_rgb_argb(want))
		fail_msg("%s: pixel #%06x, expected #%06x", what, got & 0xffffff,
			 viz_rgb_argb(want) & 0xffffff);
}

/* A lane's identity in the trace, "name #ordinal" (the drawn label may
 * say "task #2" for a worker's own task). */
static void lane_id(const struct viz_track *tr, const struct viz_lane *l, char *buf, size_t len)
{
	const struct al_trace *t = &tr->src->trace;

	if (l->ordinal)
		snprintf(buf, len, "%s #%u", t->names[l->name], (unsigned)l->ordinal);
	else
		snprintf(buf, len, "%s", t->names[l->name]);
}

/* A lane of track tr: of kind `kind`, named `label`, or (parent set) the
 * first lane of that kind whose parent is named `parent`. */
static uint32_t find_lane(const struct viz_track *tr, enum al_lane_kind kind, const char *label,
			  const char *parent)
{
	char buf[96];

	for (uint32_t i = 0; i < tr->nlanes; i++) {
		const struct viz_lane *l = &tr->lanes[i];

		if (l->kind != kind)
			continue;
		if (parent) {
			for (uint32_t k = 0; k < i; k++)
				if (tr->lanes[k].id == l->parent) {
					lane_id(tr, &tr->lanes[k], buf, sizeof buf);
					if (strcmp(buf, parent) == 0)
						return i;
				}
			continue;
		}
		lane_id(tr, l, buf, sizeof buf);
		if (strcmp(buf, label) == 0)
			return i;
	}
	fail_msg("no %s lane %s", parent ? "child" : "", parent ? parent : label);
	return 0;
}

struct expect {
	enum al_model model;
	enum al_lane_kind kind;
	const char *label;           /* the lane's own label ... */
	const char *parent;          /* ... or its parent thread's */
	int64_t t;
	enum al_state state;
	const char *why;
};

/* Checks one expectation on picture img drawn with frame f: the span at t
 * has the state (the trace), t is well inside it at this zoom (the test is
 * meaningful), and the pixel there has the state's colour (the picture). */
static void check(const struct viz_frame *f, const SDL_Surface *img, const struct expect *e)
{
	int sec = viz_frame_section(f, 0, e->model), y0, y1;
	const struct viz_track *tr;
	uint32_t lane;
	long sp;
	double x;
	char what[256];

	snprintf(what, sizeof what, "%s %s at %.3f ms (%s)", al_model_name(e->model),
		 e->label ? e->label : e->parent, (double)e->t / MS, e->why);
	if (sec < 0)
		fail_msg("%s: no section", what);
	tr = f->sec[sec].track;
	lane = find_lane(tr, e->kind, e->label, e->parent);
	sp = viz_layout_span_at(tr, &tr->lanes[lane], e->t);
	if (sp < 0 || tr->spans[sp].state != e->state)
		fail_msg("%s: the trace says %s", what,
			 sp < 0 ? "nothing" : al_state_name((enum al_state)tr->spans[sp].state));
	x = floor(viz_frame_time_x(f, e->t));
	if (viz_frame_time_x(f, tr->spans[sp].t0) > x - 2 || viz_frame_time_x(f, tr->spans[sp].t1) < x + 3)
		fail_msg("%s: too close to the span's edge at this zoom", what);
	assert_int_equal(viz_frame_lane_y(f, sec, lane, &y0, &y1), 0);
	assert_true(y0 >= f->plot.y && y1 <= f->plot.y + f->plot.h);
	assert_colour(pixel(img, (int)x, y0 + (y1 - y0 - 1) / 2), viz_palette[e->state].rgb, what);
}

static const struct expect compare_view[] = {
	{AL_MODEL_SYNC, AL_LANE_TASK, NULL, "sync", 75 * MS, AL_ST_CONNECT,
	 "the first page connects for one RTT, until 150 ms"},
	{AL_MODEL_SYNC, AL_LANE_TASK, NULL, "sync", 250 * MS, AL_ST_RECV,
	 "request sent at 150 ms, the reply's last byte at 321.06 ms"},
	{AL_MODEL_SYNC, AL_LANE_TASK, NULL, "sync", 400 * MS, AL_ST_CONNECT,
	 "the second page starts at ~321 ms and connects until ~471 ms"},
	{AL_MODEL_SYNC, AL_LANE_TASK, NULL, "sync", 3100 * MS, AL_ST_RECV,
	 "the tenth page: connected at ~3040 ms, its reply ends at ~3210.6 ms"},
	{AL_MODEL_SYNC, AL_LANE_THREAD, "sync", NULL, 250 * MS, AL_ST_WAIT,
	 "the one thread is blocked while its task waits on the network"},
	{AL_MODEL_PROCESS, AL_LANE_TASK, NULL, "process", 200 * MS, AL_ST_RECV,
	 "the parent, its ten forks of ~3.9 ms done by ~39 ms, reads the workers' pipe"},
	{AL_MODEL_PROCESS, AL_LANE_THREAD, "worker #1", NULL, 20 * MS, AL_ST_WAIT,
	 "worker #1 runs once forked, at ~3.9 ms (the parent's turn is over), and waits"},
	{AL_MODEL_PROCESS, AL_LANE_TASK, NULL, "worker #1", 100 * MS, AL_ST_CONNECT,
	 "worker #1 connects when it first runs, at ~3.9 ms, for one RTT"},
	{AL_MODEL_PROCESS, AL_LANE_TASK, NULL, "worker #1", 300 * MS, AL_ST_RECV,
	 "then waits for its reply until ~325 ms"},
	{AL_MODEL_THREAD, AL_LANE_THREAD, "worker #1", NULL, 100 * MS, AL_ST_WAIT,
	 "a pool thread blocks while its task makes the blocking call"},
	{AL_MODEL_THREAD, AL_LANE_TASK, NULL, "worker #1", 100 * MS, AL_ST_CONNECT,
	 "threads start within 1 ms and all connect for one RTT"},
	{AL_MODEL_THREAD, AL_LANE_TASK, NULL, "worker #1", 250 * MS, AL_ST_RECV,
	 "ten replies share the link and end at ~330 ms"},
	{AL_MODEL_NONBLOCKING, AL_LANE_THREAD, "nonblocking", NULL, 75 * MS, AL_ST_SPIN,
	 "the thread busy-polls connect: the CPU stays busy"},
	{AL_MODEL_NONBLOCKING, AL_LANE_THREAD, "nonblocking", NULL, 2000 * MS, AL_ST_SPIN,
	 "sixth page: still spinning, as slow as sync"},
	{AL_MODEL_NONBLOCKING, AL_LANE_TASK, NULL, "nonblocking", 250 * MS, AL_ST_SPIN,
	 "the task retries recv until the reply is there"},
	{AL_MODEL_CALLBACK, AL_LANE_THREAD, "callback", NULL, 75 * MS, AL_ST_WAIT,
	 "the loop registered all ten connects and waits in select"},
	{AL_MODEL_CALLBACK, AL_LANE_THREAD, "callback", NULL, 250 * MS, AL_ST_WAIT,
	 "all ten pages in flight: select waits until the replies at ~330 ms"},
	{AL_MODEL_CALLBACK, AL_LANE_TASK, "callback #11", NULL, 250 * MS, AL_ST_WAIT,
	 "its one task waits with it (its lane made after the pages')"},
	{AL_MODEL_CALLBACK, AL_LANE_TASK, "page #1", NULL, 75 * MS, AL_ST_CONNECT,
	 "each page's callbacks are drawn on the page's lane: connecting"},
	{AL_MODEL_CALLBACK, AL_LANE_TASK, "page #10", NULL, 250 * MS, AL_ST_RECV,
	 "... then registered for its reply"},
	{AL_MODEL_GENERATOR, AL_LANE_TASK, "fetch #1", NULL, 75 * MS, AL_ST_CONNECT,
	 "every fetch task yields its connect's future at once"},
	{AL_MODEL_GENERATOR, AL_LANE_TASK, "fetch #10", NULL, 250 * MS, AL_ST_RECV,
	 "... and its reply's after 150 ms"},
	{AL_MODEL_GENERATOR, AL_LANE_THREAD, "generator", NULL, 250 * MS, AL_ST_WAIT,
	 "the loop's thread waits while all ten pages are in flight"},
	{AL_MODEL_ASYNCIO, AL_LANE_TASK, "fetch #1", NULL, 75 * MS, AL_ST_CONNECT,
	 "gather starts every fetch; each awaits connect"},
	{AL_MODEL_ASYNCIO, AL_LANE_TASK, "fetch #10", NULL, 250 * MS, AL_ST_RECV,
	 "then read_all awaits the reply"},
	{AL_MODEL_ASYNCIO, AL_LANE_THREAD, "asyncio", NULL, 250 * MS, AL_ST_WAIT,
	 "the loop's thread waits while all ten pages are in flight"},
};

/* Builds the scene and the frame viz_png_write drew. */
static void png_frame(struct viz_scene *s, struct viz_view *v, struct viz_frame *f,
		      const struct viz_run *runs, int nruns, int w, int h, unsigned models)
{
	char err[256];

	assert_int_equal(viz_layout_build(s, runs, nruns, err, sizeof err), 0);
	viz_png_view(v, s, w, h, models);
	viz_frame_make(f, s, v, w, h, 1);
}

static void test_compare_view_states(void **state)
{
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	char path[128], err[256];
	SDL_Surface *img;

	(void)state;
	snprintf(path, sizeof path, "%s/compare.png", dir);
	assert_int_equal(viz_png_write(NULL, path, &run, 1, 1600, 1200, 0, err, sizeof err), 0);
	img = load(path, 1600, 1200);
	png_frame(&s, &v, &f, &run, 1, 1600, 1200, 0);
	/* every model, top to bottom in the order of the article */
	assert_int_equal(f.nsec, AL_MODEL_COUNT);
	for (int i = 0; i < f.nsec; i++) {
		assert_int_equal(f.sec[i].track->model, i);
		if (i > 0)
			assert_true(f.sec[i].top >= f.sec[i - 1].bottom);
		/* the section's header is where the frame put it */
		assert_colour(pixel(img, f.plot.x + f.plot.w / 2, f.sec[i].top + 2), viz_rgb_panel,
			      "section header");
	}
	for (size_t i = 0; i < sizeof compare_view / sizeof compare_view[0]; i++)
		check(&f, img, &compare_view[i]);
	SDL_FreeSurface(img);
	viz_layout_free(&s);
}

static const struct expect process_view[] = {
	{AL_MODEL_PROCESS, AL_LANE_THREAD, "worker #1", NULL, 2 * MS, AL_ST_CREATE,
	 "forking a python worker takes ~3.9 ms (docs/costs.md: a pool of 10, ~39 ms)"},
	{AL_MODEL_PROCESS, AL_LANE_THREAD, "worker #10", NULL, 37 * MS, AL_ST_CREATE,
	 "the tenth worker is forked last, from ~35.1 to ~39 ms"},
	{AL_MODEL_PROCESS, AL_LANE_THREAD, "worker #1", NULL, 20 * MS, AL_ST_WAIT,
	 "forked, it takes the core from the parent at once, connects and waits"},
	{AL_MODEL_PROCESS, AL_LANE_THREAD, "process", NULL, 21500 * US, AL_ST_RUNNING,
	 "the parent forks the next between its workers' turns"},
	{AL_MODEL_PROCESS, AL_LANE_TASK, NULL, "process", 200 * MS, AL_ST_RECV,
	 "the parent reads the workers' pipe until they are gone"},
	{AL_MODEL_PROCESS, AL_LANE_TASK, NULL, "worker #5", 300 * MS, AL_ST_RECV,
	 "every worker waits for its reply"},
};

static void test_one_model(void **state)
{
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	char path[128], err[256];
	SDL_Surface *img;

	(void)state;
	snprintf(path, sizeof path, "%s/process.png", dir);
	assert_int_equal(viz_png_write(NULL, path, &run, 1, 1400, 900, 1u << AL_MODEL_PROCESS,
				       err, sizeof err), 0);
	img = load(path, 1400, 900);
	png_frame(&s, &v, &f, &run, 1, 1400, 900, 1u << AL_MODEL_PROCESS);
	assert_int_equal(f.nsec, 1);
	assert_int_equal(f.sec[0].track->model, AL_MODEL_PROCESS);
	/* the model's own time, not sync's 3.2 s: 370 ms and a margin */
	assert_true(f.t1 >= run.models[AL_MODEL_PROCESS].report.elapsed_ns);
	assert_true(f.t1 < run.models[AL_MODEL_PROCESS].report.elapsed_ns * 11 / 10);
	for (size_t i = 0; i < sizeof process_view / sizeof process_view[0]; i++)
		check(&f, img, &process_view[i]);
	SDL_FreeSurface(img);
	viz_layout_free(&s);
}

/* Draws view v of s on a software renderer; the caller frees the surface. */
static SDL_Surface *draw(struct viz_scene *s, const struct viz_view *v, int w, int h)
{
	SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;

	assert_non_null(r);
	assert_int_equal(viz_draw(r, s, v, w, h, 1), 0);
	assert_int_equal(SDL_RenderFlush(r), 0);
	viz_draw_release(s);
	SDL_DestroyRenderer(r);
	return surf;
}

/* The report's page times: a bar chart per model row, in the model's
 * colour.  The same picture drawn from reports without the histogram
 * differs there, and among the pixels that differ inside the report each
 * model's colour shows. */
static void test_report_page_times(void **state)
{
	static struct viz_run bare;
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	char a[128], b[128], err[256];
	int found[AL_MODEL_COUNT] = {0};

	(void)state;
	bare = run;                  /* shares the traces: never freed */
	for (int m = 0; m < bare.nmodels; m++) {
		/* the seed's pages take 321-331 ms: [2^28, 2^29) ns */
		assert_true(run.models[m].report.latency.hist[9] > 0);
		memset(bare.models[m].report.latency.hist, 0,
		       sizeof bare.models[m].report.latency.hist);
	}
	snprintf(a, sizeof a, "%s/hist.png", dir);
	snprintf(b, sizeof b, "%s/nohist.png", dir);
	assert_int_equal(viz_png_write(NULL, a, &run, 1, 1600, 1200, 0, err, sizeof err), 0);
	assert_int_equal(viz_png_write(NULL, b, &bare, 1, 1600, 1200, 0, err, sizeof err), 0);
	SDL_Surface *with = load(a, 1600, 1200), *without = load(b, 1600, 1200);
	png_frame(&s, &v, &f, &run, 1, 1600, 1200, 0);
	assert_true(f.report.h > 0);
	for (int y = f.report.y; y < f.report.y + f.report.h; y++)
		for (int x = 0; x < 1600; x++) {
			uint32_t p = pixel(with, x, y);
			if (p == pixel(without, x, y))
				continue;
			for (int m = 0; m < AL_MODEL_COUNT; m++) {
				const struct viz_rgb *c = &viz_model_rgb[m];
				if (p == (0xff000000u | (uint32_t)c->r << 16 | (uint32_t)c->g << 8 | c->b))
					found[m] = 1;
			}
		}
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		if (!found[m])
			fail_msg("no page-time bar in %s's colour", al_model_name((enum al_model)m));
	SDL_FreeSurface(with);
	SDL_FreeSurface(without);
	viz_layout_free(&s);
}

static void test_zoomed_switch_create_and_pick(void **state)
{
	static const struct expect thread_zoom[] = {
		{AL_MODEL_THREAD, AL_LANE_THREAD, "worker #1", NULL, 1500 * US, AL_ST_CREATE,
		 "after the pool's 1.1 ms start-up, a python thread takes 725 µs to create"},
		{AL_MODEL_THREAD, AL_LANE_THREAD, "worker #1", NULL, 5000 * US, AL_ST_RUNNABLE,
		 "then it waits for the core while the main thread creates the others"},
		{AL_MODEL_THREAD, AL_LANE_THREAD, "thread", NULL, 5000 * US, AL_ST_RUNNING,
		 "the main thread creates ten workers"},
	};
	static const struct expect switch_zoom = {
		AL_MODEL_THREAD, AL_LANE_THREAD, "worker #1", NULL, 8334200, AL_ST_SWITCH,
		"at ~8.334 ms the core switches to worker #1 (0.9 µs, python thread switch)"};
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	struct viz_pick k;
	SDL_Surface *img;
	char err[256];
	int y0, y1;

	(void)state;
	assert_int_equal(viz_layout_build(&s, &run, 1, err, sizeof err), 0);
	viz_view_init(&v, &s);
	v.tab = VIZ_TAB_MODEL;
	v.model = AL_MODEL_THREAD;
	viz_view_fit(&v, &s, 1200, 800, 1);
	v.t0 = 0;
	v.t1 = 10000 * US;
	img = draw(&s, &v, 1200, 800);
	viz_frame_make(&f, &s, &v, 1200, 800, 1);
	for (size_t i = 0; i < sizeof thread_zoom / sizeof thread_zoom[0]; i++)
		check(&f, img, &thread_zoom[i]);
	SDL_FreeSurface(img);

	v.t0 = 8333 * US;
	v.t1 = 8336 * US;
	img = draw(&s, &v, 1200, 800);
	viz_frame_make(&f, &s, &v, 1200, 800, 1);
	check(&f, img, &switch_zoom);
	/* the window's hit test finds that very span under the pointer */
	viz_frame_lane_y(&f, 0, find_lane(f.sec[0].track, AL_LANE_THREAD, "worker #1", NULL), &y0, &y1);
	assert_int_equal(viz_frame_pick(&f, viz_frame_time_x(&f, 8334200), y0 + 1, &k), 1);
	assert_int_equal(k.lane, find_lane(f.sec[0].track, AL_LANE_THREAD, "worker #1", NULL));
	assert_true(k.span >= 0);
	assert_int_equal(f.sec[0].track->spans[k.span].state, AL_ST_SWITCH);
	SDL_FreeSurface(img);
	viz_layout_free(&s);
}

static int is_state_colour(uint32_t px)
{
	for (int st = 0; st < AL_ST_DONE; st++)
		if (px == viz_rgb_argb(viz_palette[st].rgb))
			return 1;
	return 0;
}

static void test_playback_cursor(void **state)
{
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	SDL_Surface *img;
	char err[256];
	uint32_t lane;
	int y0, y1;

	(void)state;
	assert_int_equal(viz_layout_build(&s, &run, 1, err, sizeof err), 0);
	viz_view_init(&v, &s);
	v.tab = VIZ_TAB_MODEL;
	v.model = AL_MODEL_SYNC;
	viz_view_fit(&v, &s, 1200, 600, 1);
	v.cursor = 100 * MS;
	img = draw(&s, &v, 1200, 600);
	viz_frame_make(&f, &s, &v, 1200, 600, 1);
	lane = find_lane(f.sec[0].track, AL_LANE_TASK, NULL, "sync");
	viz_frame_lane_y(&f, 0, lane, &y0, &y1);
	/* before the cursor the connect shows; after it, nothing yet */
	assert_colour(pixel(img, (int)viz_frame_time_x(&f, 50 * MS), y0 + 1),
		      viz_palette[AL_ST_CONNECT].rgb, "connect before the cursor");
	assert_false(is_state_colour(pixel(img, (int)viz_frame_time_x(&f, 250 * MS), y0 + 1)));
	assert_colour(pixel(img, (int)floor(viz_frame_time_x(&f, 100 * MS)), y0 + 1),
		      viz_rgb_cursor, "the cursor line");
	SDL_FreeSurface(img);
	viz_layout_free(&s);
}

/* A page that fails is marked where it failed: the sync model on a server
 * that resets every page (each page ends at its reset), a red triangle at
 * each failure's instant on the task's lane, and the legend says so. */
static void test_failures_marked(void **state)
{
	struct viz_run bad = {0};
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	struct viz_model *vm = &bad.models[0];
	char path[128], err[512];
	SDL_Surface *img;
	int sec, y0, y1;

	(void)state;
	al_scenario_default(&bad.sc);
	bad.sc.server.faults[AL_FAULT_RESET] = 1.0;
	snprintf(bad.net, sizeof bad.net, "sim");
	bad.cores = 1;
	assert_int_equal(al_trace_init(&vm->trace, AL_TRACE_RECORD), 0);
	assert_int_equal(sim_run_model_traced(&bad.sc, AL_MODEL_SYNC, &vm->report, &vm->trace,
					      err, sizeof err), 0);
	vm->report.model = AL_MODEL_SYNC;
	bad.nmodels = 1;
	assert_int_equal(vm->report.pages_failed, 10);
	snprintf(path, sizeof path, "%s/failed.png", dir);
	assert_int_equal(viz_png_write(NULL, path, &bad, 1, 1300, 700, 0, err, sizeof err), 0);
	img = load(path, 1300, 700);
	png_frame(&s, &v, &f, &bad, 1, 1300, 700, 0);
	const struct viz_track *tr = f.sec[0].track;
	assert_int_equal(tr->nmarks, 10);
	sec = viz_frame_section(&f, 0, AL_MODEL_SYNC);
	for (size_t k = 0; k < tr->nmarks; k++) {
		const struct viz_mark *m = &tr->marks[k];
		int x = (int)lround(viz_frame_time_x(&f, m->t));

		assert_string_equal(tr->src->trace.names[m->name], "reset");
		assert_true(tr->lanes[m->lane].kind == AL_LANE_TASK);
		assert_true(k == 0 || m->t > tr->marks[k - 1].t);
		assert_int_equal(viz_frame_lane_y(&f, sec, m->lane, &y0, &y1), 0);
		/* just above the tip (near a 16 px lane's bottom), inside the
		 * triangle */
		assert_true(y1 - y0 >= 7);
		assert_colour(pixel(img, x, y1 - 2 - 2), viz_rgb_fail, "a failure's mark");
	}
	assert_true(f.swatch[AL_ST_DONE].w > 0);
	assert_colour(pixel(img, f.swatch[AL_ST_DONE].x + f.swatch[AL_ST_DONE].w / 2,
			    f.swatch[AL_ST_DONE].y + f.swatch[AL_ST_DONE].h - 2 - 2),
		      viz_rgb_fail, "the legend's failure mark");
	SDL_FreeSurface(img);
	viz_layout_free(&s);
	viz_run_free(&bad);
}

static void test_legend_shows_every_state(void **state)
{
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	char path[128], err[256];
	SDL_Surface *img;

	(void)state;
	/* tall enough that the picture keeps its legend with every model
	 * (viz_png_view drops it from small ones) */
	snprintf(path, sizeof path, "%s/legend.png", dir);
	assert_int_equal(viz_png_write(NULL, path, &run, 1, 1300, 1000, 0, err, sizeof err), 0);
	img = load(path, 1300, 1000);
	png_frame(&s, &v, &f, &run, 1, 1300, 1000, 0);
	for (int st = 0; st < AL_ST_DONE; st++) {
		const struct viz_rect *q = &f.swatch[st];

		assert_true(q->w > 0);
		assert_colour(pixel(img, q->x + q->w / 2, q->y + q->h / 2), viz_palette[st].rgb,
			      al_state_name((enum al_state)st));
		/* and no two states share a colour, nor one the background's */
		assert_true(viz_rgb_argb(viz_palette[st].rgb) != viz_rgb_argb(viz_rgb_bg));
		for (int o = 0; o < st; o++)
			assert_true(viz_rgb_argb(viz_palette[st].rgb) != viz_rgb_argb(viz_palette[o].rgb));
	}
	assert_int_equal(f.swatch[AL_ST_DONE].w, 0);
	SDL_FreeSurface(img);
	viz_layout_free(&s);
}

static void test_without_fonts_lanes_still_drawn(void **state)
{
	static const struct expect e = {AL_MODEL_SYNC, AL_LANE_TASK, NULL, "sync", 75 * MS,
					AL_ST_CONNECT, "no fonts"};
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	SDL_Surface *img;
	char err[256];

	(void)state;
	assert_int_equal(viz_layout_build(&s, &run, 1, err, sizeof err), 0);
	s.font_sans = "/nonexistent/DejaVuSans.ttf";
	viz_view_init(&v, &s);
	v.flags |= VIZ_SHOW_REPORT | VIZ_SHOW_HELP | VIZ_SHOW_CPU_AXIS;
	viz_view_fit(&v, &s, 1200, 900, 1);
	img = draw(&s, &v, 1200, 900);        /* asserts viz_draw returned 0 */
	assert_false(viz_draw_has_text(&s));
	viz_frame_make(&f, &s, &v, 1200, 900, 1);
	check(&f, img, &e);
	SDL_FreeSurface(img);
	viz_layout_free(&s);
}

/* The sim is deterministic and so is the drawing: the same bytes twice. */
static void test_same_picture_every_time(void **state)
{
	char a[128], b[128], err[256];
	FILE *fa, *fb;
	int ca, cb;
	long n = 0;

	(void)state;
	snprintf(a, sizeof a, "%s/a.png", dir);
	snprintf(b, sizeof b, "%s/b.png", dir);
	assert_int_equal(viz_png_write(NULL, a, &run, 1, 900, 600, 0, err, sizeof err), 0);
	assert_int_equal(viz_png_write(NULL, b, &run, 1, 900, 600, 0, err, sizeof err), 0);
	fa = fopen(a, "rb");
	fb = fopen(b, "rb");
	assert_non_null(fa);
	assert_non_null(fb);
	do {
		ca = fgetc(fa);
		cb = fgetc(fb);
		assert_int_equal(ca, cb);
		n++;
	} while (ca != EOF);
	assert_true(n > 1000);
	fclose(fa);
	fclose(fb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_view_states),
		cmocka_unit_test(test_one_model),
		cmocka_unit_test(test_report_page_times),
		cmocka_unit_test(test_zoomed_switch_create_and_pick),
		cmocka_unit_test(test_playback_cursor),
		cmocka_unit_test(test_legend_shows_every_state),
		cmocka_unit_test(test_failures_marked),
		cmocka_unit_test(test_without_fonts_lanes_still_drawn),
		cmocka_unit_test(test_same_picture_every_time),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
