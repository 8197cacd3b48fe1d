/* Pictures that never mislead (issue 16): each span says whose time it is.
 *
 * The scenarios are built so that the simulator's times follow from a
 * formula (as in test_sim_run.c): no CPU costs but the parsing, no jitter,
 * the fluid TCP, a whole number of ns per byte.  Then every page's last
 * byte arrives at T = 2 RTT + think + k transfers (k pages sharing the
 * link from the first byte), and what a lane shows after T is the CPU's
 * doing, never the network's.  The pictures are drawn headless and read
 * back by pixel, at places the layout says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "sim/sim_run.h"
#include "core/al_http.h"
#include "viz/viz_draw.h"
#include "viz/viz_fmt.h"
#include "viz/viz_perfetto.h"
#include "viz/viz_png.h"

#define MS 1000000LL

static char dir[64];

static int setup(void **state)
{
	(void)state;
	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	snprintf(dir, sizeof dir, "/tmp/test_viz_truth.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof path, "%s/%d.png", dir, i);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

/* pages fetched at once, CPU costs zero but parse_per_kib; 1 ns a byte. */
static void scenario(struct al_scenario *sc, int64_t pages, int64_t parse_per_kib)
{
	al_scenario_default(sc);
	memset(&sc->machine.costs, 0, sizeof sc->machine.costs);
	sc->machine.costs.parse_ns_per_kib = parse_per_kib;
	sc->machine.cores = 4;
	sc->workload.pages = pages;
	sc->network.rtt_ns = 30 * MS;
	sc->network.jitter = AL_DIST_FIXED_AT(0);
	sc->network.bandwidth_bps = 8000000000;
	sc->network.tcp = AL_TCP_FLUID;
	sc->server.think = AL_DIST_FIXED_AT(5 * MS);
	sc->server.page_size = AL_DIST_FIXED_AT(20480);
}

/* When the last byte of every page has arrived (all start together). */
static int64_t last_byte_ns(const struct al_scenario *sc)
{
	char head[256];
	int64_t size = (int64_t)sc->server.page_size.a;
	int64_t total = al_http_header(head, sizeof head, size) + size;

	return 2 * sc->network.rtt_ns + (int64_t)sc->server.think.a +
	       sc->workload.pages * total * 8 * 1000000000 / sc->network.bandwidth_bps;
}

static void run_one(struct viz_run *run, const struct al_scenario *sc, enum al_model m)
{
	char err[512];
	struct viz_model *vm = &run->models[0];

	memset(run, 0, sizeof *run);
	run->sc = *sc;
	snprintf(run->net, sizeof run->net, "sim");
	run->cores = sc->machine.cores;
	assert_int_equal(al_trace_init(&vm->trace, AL_TRACE_RECORD), 0);
	assert_int_equal(sim_run_model_traced(&run->sc, m, &vm->report, &vm->trace, err,
					      sizeof err), 0);
	assert_int_equal(vm->report.pages_ok + vm->report.pages_failed, sc->workload.pages);
	run->nmodels = 1;
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

/* The colour drawn at time t in the middle of lane i of the frame's first
 * section. */
static uint32_t pixel_at(const SDL_Surface *img, const struct viz_frame *f, uint32_t i, int64_t t)
{
	int y0, y1, x = (int)viz_frame_time_x(f, t);

	assert_int_equal(viz_frame_lane_y(f, 0, i, &y0, &y1), 0);
	int y = y0 + (y1 - y0 - 1) / 2;
	assert_true(x >= 0 && x < img->w && y >= 0 && y < img->h);
	return ((const uint32_t *)((const uint8_t *)img->pixels + (size_t)y * img->pitch))[x] |
	       0xff000000u;
}

static void assert_state_drawn(const SDL_Surface *img, const struct viz_frame *f, uint32_t i,
			       int64_t t, enum al_state st, const char *what)
{
	const struct viz_track *tr = f->sec[0].track;
	long sp = viz_layout_span_at(tr, &tr->lanes[i], t);
	uint32_t px = pixel_at(img, f, i, t), want = viz_rgb_argb(viz_palette[st].rgb);

	if (sp < 0 || tr->spans[sp].state != st)
		fail_msg("%s: the layout says %s", what,
			 sp < 0 ? "nothing" : al_state_name((enum al_state)tr->spans[sp].state));
	if (px != want)
		fail_msg("%s: pixel #%06x, expected %s #%06x", what, px & 0xffffff,
			 al_state_name(st), want & 0xffffff);
}

/* Writes run's only model to a PNG and loads it back with its frame. */
static SDL_Surface *picture(const struct viz_run *run, struct viz_scene *s,
			    struct viz_frame *f, struct viz_view *v, int n)
{
	char path[128], err[256];

	snprintf(path, sizeof path, "%s/%d.png", dir, n);
	assert_int_equal(viz_png_write(NULL, path, run, 1, 1600, 1200, 0, err, sizeof err), 0);
	assert_int_equal(viz_layout_build(s, run, 1, err, sizeof err), 0);
	viz_png_view(v, s, 1600, 1200, 0);
	viz_frame_make(f, s, v, 1600, 1200, 1);
	return load(path, 1600, 1200);
}

/* gil-cpu's lesson for asyncio: 40 pages whose bytes are all there at T,
 * parsed one after the other on the loop's thread, 40 ms each.  A lane is
 * in recv only until its bytes arrived (T at the latest), then "ready:
 * waiting for the loop" until the loop comes to it: recv summed over the
 * lanes is 40 (T - RTT) at most, not the 32 s that waiting for the loop
 * adds (40 ms x (0 + 1 + ... + 39) = 31.2 s). */
static void test_ready_is_not_recv(void **state)
{
	struct al_scenario sc;
	struct viz_run run;
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	int64_t recv = 0, ready = 0, last_ready_end = 0;
	uint32_t last = 0;

	(void)state;
	scenario(&sc, 40, 2 * MS);
	run_one(&run, &sc, AL_MODEL_ASYNCIO);
	assert_int_equal(run.models[0].report.pages_ok, 40);
	const struct al_trace *tr = &run.models[0].trace;
	int64_t T = last_byte_ns(&sc);
	struct { int64_t t; uint8_t st; } *open = calloc(tr->nlanes, sizeof *open);

	assert_non_null(open);
	for (size_t i = 0; i < tr->n; i++) {
		const struct al_tr_event *e = &tr->ev[i];

		if (e->kind != AL_TR_STATE || strcmp(tr->names[tr->lanes[e->lane].name], "fetch"))
			continue;
		if (open[e->lane].st == AL_ST_RECV + 1) {
			recv += e->t - open[e->lane].t;
			if (e->t > T)
				fail_msg("fetch #%u in recv until %.3f ms, its bytes were all "
					 "there at %.3f ms", tr->lanes[e->lane].ordinal,
					 (double)e->t / MS, (double)T / MS);
		}
		if (open[e->lane].st == AL_ST_READY + 1) {
			ready += e->t - open[e->lane].t;
			if (e->t > last_ready_end) {
				last_ready_end = e->t;
				last = e->lane;
			}
		}
		open[e->lane].t = e->t;
		open[e->lane].st = (uint8_t)(e->code + 1);
	}
	free(open);
	assert_true(recv > 0);
	assert_true(recv <= 40 * (T - sc.network.rtt_ns));
	assert_true(ready >= 31200 * MS - 40 * (T - sc.network.rtt_ns));
	/* the last page parsed waits for the loop ~39 x 40 ms */
	assert_true(last_ready_end >= T + 39 * 40 * MS);

	/* drawn: that page's lane is recv's colour while its bytes come, the
	 * ready colour while the loop parses the others */
	SDL_Surface *img = picture(&run, &s, &f, &v, 0);
	uint32_t li = UINT32_MAX;
	for (uint32_t i = 0; i < f.sec[0].track->nlanes; i++)
		if (f.sec[0].track->lanes[i].id == last)
			li = i;
	assert_true(li != UINT32_MAX);
	assert_state_drawn(img, &f, li, sc.network.rtt_ns + (T - sc.network.rtt_ns) / 2,
			   AL_ST_RECV, "the last page parsed, while its bytes come");
	assert_state_drawn(img, &f, li, T + 20 * 40 * MS, AL_ST_READY,
			   "the last page parsed, its bytes there, the loop parsing others");
	SDL_FreeSurface(img);
	viz_layout_free(&s);
	viz_run_free(&run);
}

/* The callback model (the article's 3.5): one task runs every callback,
 * but each page's are drawn on a lane of the page's own.  Ten pages at
 * once, with parsing: ten lanes, each connecting for one RTT, in recv
 * until its bytes arrive (T), then parsed one after the other by the
 * loop; the last one parsed waits (ready) while the loop parses others. */
static void test_callback_lane_per_connection(void **state)
{
	struct al_scenario sc;
	struct viz_run run;
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	uint32_t pages[16];
	int n = 0;

	(void)state;
	scenario(&sc, 10, 2 * MS);
	run_one(&run, &sc, AL_MODEL_CALLBACK);
	assert_int_equal(run.models[0].report.pages_ok, 10);
	int64_t T = last_byte_ns(&sc);
	SDL_Surface *img = picture(&run, &s, &f, &v, 1);
	const struct viz_track *tr = f.sec[0].track;

	for (uint32_t i = 0; i < tr->nlanes; i++)
		if (tr->lanes[i].kind == AL_LANE_TASK &&
		    strcmp(run.models[0].trace.names[tr->lanes[i].name], "page") == 0) {
			assert_true(n < 16);
			pages[n++] = i;
		}
	assert_int_equal(n, 10);
	for (int i = 0; i < n; i++) {
		assert_state_drawn(img, &f, pages[i], sc.network.rtt_ns / 2, AL_ST_CONNECT,
				   "a page's lane while it connects");
		assert_state_drawn(img, &f, pages[i], sc.network.rtt_ns + (T - sc.network.rtt_ns) / 2,
				   AL_ST_RECV, "a page's lane while its reply comes");
	}
	/* one page is parsed last: until T + 9 x 40 ms it waits for the loop */
	int waiting = 0;
	for (int i = 0; i < n; i++) {
		long sp = viz_layout_span_at(tr, &tr->lanes[pages[i]], T + 8 * 40 * MS + 20 * MS);
		if (sp >= 0 && tr->spans[sp].state == AL_ST_READY) {
			assert_state_drawn(img, &f, pages[i], T + 8 * 40 * MS + 20 * MS,
					   AL_ST_READY, "the last page parsed");
			waiting++;
		}
	}
	assert_int_equal(waiting, 1);
	SDL_FreeSurface(img);
	viz_layout_free(&s);
	viz_run_free(&run);
}

static uint32_t pixel_xy(const SDL_Surface *img, int x, int y)
{
	assert_true(x >= 0 && x < img->w && y >= 0 && y < img->h);
	return ((const uint32_t *)((const uint8_t *)img->pixels + (size_t)y * img->pitch))[x] |
	       0xff000000u;
}

/* A timed event (the server slows down at 40 ms, the link goes down at
 * 70 ms): a marker on the axis and a dashed line across the plot at its
 * time, in the picture; a global instant, named by what changed, in the
 * Perfetto file. */
static void test_event_marked_at_its_time(void **state)
{
	struct al_scenario sc;
	struct viz_run run;
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	uint32_t want = viz_rgb_argb(viz_rgb_event);

	(void)state;
	scenario(&sc, 4, 0);
	sc.nevents = 2;
	sc.events[0] = (struct al_event_cfg){.at_ns = 40 * MS, .set = AL_EV_THINK,
					     .server = sc.server};
	sc.events[0].server.think = AL_DIST_FIXED_AT(200 * MS);
	sc.events[1] = (struct al_event_cfg){.at_ns = 70 * MS, .set = AL_EV_LINK_DOWN};
	run_one(&run, &sc, AL_MODEL_ASYNCIO);
	/* the pages fail when the link drops, on their reply, before 200 ms */
	SDL_Surface *img = picture(&run, &s, &f, &v, 2);
	for (int i = 0; i < 2; i++) {
		int64_t at = sc.events[i].at_ns;
		int x = (int)floor(viz_frame_time_x(&f, at)), dash = 3; /* 7 px markers, at scale 1 */
		int y = f.plot.y + f.plot.h - f.plot.h / 4;

		y -= (y - f.plot.y) % (2 * dash);          /* where a dash starts */
		assert_true(at > f.t0 && at < f.t1);
		if (pixel_xy(img, x, f.axis.y + 2) != want)
			fail_msg("no marker on the axis at %lld ms", (long long)(at / MS));
		if (pixel_xy(img, x, y) != want || pixel_xy(img, x, y + 2 * dash) != want)
			fail_msg("no line across the plot at %lld ms", (long long)(at / MS));
		/* and nowhere else: a few pixels to the side, no marker */
		if (pixel_xy(img, x + 6, y) == want)
			fail_msg("the line at %lld ms is not where its time is", (long long)(at / MS));
	}
	SDL_FreeSurface(img);
	viz_layout_free(&s);

	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(viz_perfetto_write(out, &run, 1), 0);
	fclose(out);
	assert_non_null(strstr(buf, "{\"name\":\"think 200 ms\",\"cat\":\"scenario\","
				    "\"ph\":\"i\",\"s\":\"g\""));
	assert_non_null(strstr(buf, "{\"name\":\"link down\",\"cat\":\"scenario\","
				    "\"ph\":\"i\",\"s\":\"g\""));
	assert_non_null(strstr(buf, "\"ts\":70000.000,\"args\":{\"ns\":70000000}"));
	free(buf);
	viz_run_free(&run);
}

/* Lanes named by page: a task that connects for one page only is that
 * page's lane ("page 7", pages counted from 0 as the server's paths: /,
 * /1 ... /7), on every model where a task serves one page; a pool's
 * worker task fetching several keeps its own name. */
static void test_lanes_named_by_page(void **state)
{
	static const enum al_model ms[] = {AL_MODEL_CALLBACK, AL_MODEL_GENERATOR,
					   AL_MODEL_ASYNCIO, AL_MODEL_THREAD};
	struct al_scenario sc;
	struct viz_run run;
	struct viz_scene s;
	char err[256], buf[64];

	(void)state;
	for (size_t m = 0; m < sizeof ms / sizeof ms[0]; m++) {
		unsigned seen = 0;
		int others = 0;

		scenario(&sc, 10, 0);
		sc.models[AL_MODEL_THREAD].workers = 5;     /* two pages each */
		run_one(&run, &sc, ms[m]);
		assert_int_equal(viz_layout_build(&s, &run, 1, err, sizeof err), 0);
		const struct viz_track *tr = &s.tracks[0];
		for (uint32_t i = 0; i < tr->nlanes; i++) {
			unsigned page;
			char end;

			if (tr->lanes[i].kind != AL_LANE_TASK)
				continue;
			viz_layout_lane_label(tr, &tr->lanes[i], buf, sizeof buf);
			if (sscanf(buf, "page %u%c", &page, &end) == 1 && page < 10) {
				assert_false(seen & 1u << page);
				seen |= 1u << page;
			} else {
				others++;
			}
		}
		if (ms[m] == AL_MODEL_THREAD) {
			assert_int_equal(seen, 0);
			assert_true(others >= 5);
		} else {
			assert_int_equal(seen, 0x3ff);      /* pages 0 .. 9, once each */
			assert_int_equal(others, 1);        /* and the loop's own task */
		}
		viz_layout_free(&s);
		viz_run_free(&run);
	}
}

/* Threads under the GIL: 4 threads on 4 cores parse 4 pages that arrive
 * together, 40 ms of CPU each, handing the GIL over every 5 ms.  The
 * pages' lanes are running only while their thread holds the GIL: 160 ms
 * in all, not the ~4 x 160 ms that parsing takes from start to end; the
 * rest of the parse they wait for the GIL, and the picture shows it. */
static void test_gil_wait_on_the_page(void **state)
{
	struct al_scenario sc;
	struct viz_run run;
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	int64_t running = 0, gil = 0, gil_at = -1;
	uint32_t gil_lane = 0;

	(void)state;
	scenario(&sc, 4, 2 * MS);
	sc.machine.costs.gil_interval_ns = 5 * MS;
	sc.models[AL_MODEL_THREAD].workers = 4;
	sc.models[AL_MODEL_THREAD].gil = true;
	run_one(&run, &sc, AL_MODEL_THREAD);
	assert_int_equal(run.models[0].report.pages_ok, 4);
	const struct al_trace *tr = &run.models[0].trace;
	int64_t T = last_byte_ns(&sc);
	struct { int64_t t; uint8_t st; } *open = calloc(tr->nlanes, sizeof *open);

	assert_non_null(open);
	for (size_t i = 0; i < tr->n; i++) {
		const struct al_tr_event *e = &tr->ev[i];

		if (e->kind != AL_TR_STATE || tr->lanes[e->lane].kind != AL_LANE_TASK)
			continue;
		if (open[e->lane].st == AL_ST_RUNNING + 1 && open[e->lane].t >= T)
			running += e->t - open[e->lane].t;
		if (open[e->lane].st == AL_ST_GIL + 1) {
			gil += e->t - open[e->lane].t;
			if (gil_at < 0 && e->t - open[e->lane].t > 2 * MS) {
				gil_at = open[e->lane].t + (e->t - open[e->lane].t) / 2;
				gil_lane = e->lane;
			}
		}
		open[e->lane].t = e->t;
		open[e->lane].st = (uint8_t)(e->code + 1);
	}
	free(open);
	/* the four parses, and the last page's lane open till the run's end */
	assert_true(running >= 4 * 40 * MS);
	assert_true(running <= 4 * 40 * MS + 10 * MS);
	assert_true(gil >= 3 * 4 * 40 * MS / 2);       /* each waits for the others */
	assert_true(gil_at > T);

	SDL_Surface *img = picture(&run, &s, &f, &v, 3);
	uint32_t li = UINT32_MAX;
	for (uint32_t i = 0; i < f.sec[0].track->nlanes; i++)
		if (f.sec[0].track->lanes[i].id == gil_lane)
			li = i;
	assert_true(li != UINT32_MAX);
	assert_state_drawn(img, &f, li, gil_at, AL_ST_GIL, "a page waiting for the GIL");
	SDL_FreeSurface(img);
	viz_layout_free(&s);
	viz_run_free(&run);
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

/* The article's experiment in the compare view: sync's 3.2 s squeezes
 * asyncio's 331 ms into a tenth of the width.  With its own time scale
 * (VIZ_OWN_SCALE, the window's `s`), asyncio's run fills the width: half
 * way across, its first page is in recv (165 ms: connected at 150 ms, its
 * reply ends at ~321 ms), where on sync's scale (1.6 s) it had ended. */
static void test_compare_own_time_scale(void **state)
{
	struct viz_run run;
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	char err[512];
	static const enum al_model ms[] = {AL_MODEL_SYNC, AL_MODEL_ASYNCIO};

	(void)state;
	memset(&run, 0, sizeof run);
	al_scenario_default(&run.sc);
	snprintf(run.net, sizeof run.net, "sim");
	run.cores = run.sc.machine.cores;
	for (int i = 0; i < 2; i++) {
		struct viz_model *vm = &run.models[run.nmodels++];
		assert_int_equal(al_trace_init(&vm->trace, AL_TRACE_RECORD), 0);
		assert_int_equal(sim_run_model_traced(&run.sc, ms[i], &vm->report, &vm->trace, err,
						      sizeof err), 0);
	}
	assert_int_equal(viz_layout_build(&s, &run, 1, err, sizeof err), 0);
	viz_png_view(&v, &s, 1600, 1200, 0);
	for (int own = 0; own < 2; own++) {
		v.flags = own ? v.flags | VIZ_OWN_SCALE : v.flags & ~(unsigned)VIZ_OWN_SCALE;
		SDL_Surface *img = draw(&s, &v, 1600, 1200);
		viz_frame_make(&f, &s, &v, 1600, 1200, 1);
		int sec = viz_frame_section(&f, 0, AL_MODEL_ASYNCIO);
		assert_true(sec >= 0);
		assert_int_equal(f.own_scale, own);
		const struct viz_track *tr = f.sec[sec].track;
		uint32_t lane = UINT32_MAX;
		char buf[64];
		for (uint32_t i = 0; i < tr->nlanes && lane == UINT32_MAX; i++) {
			viz_layout_lane_label(tr, &tr->lanes[i], buf, sizeof buf);
			if (strcmp(buf, "page 0") == 0)
				lane = i;
		}
		assert_true(lane != UINT32_MAX);
		int y0, y1, x = f.plot.x + f.plot.w / 2;
		assert_int_equal(viz_frame_lane_y(&f, sec, lane, &y0, &y1), 0);
		uint32_t px = pixel_xy(img, x, (y0 + y1) / 2);
		uint32_t recv = viz_rgb_argb(viz_palette[AL_ST_RECV].rgb);
		if (own) {
			assert_true(f.sec[sec].k < 0.11 && f.sec[sec].k > 0.10);  /* 331 / 3210 ms */
			if (px != recv)
				fail_msg("own scale: page 0 at mid-width is #%06x, not recv's",
					 px & 0xffffff);
			/* and the hit test agrees with the picture */
			struct viz_pick k;
			assert_int_equal(viz_frame_pick(&f, x, (y0 + y1) / 2, &k), 1);
			assert_true(k.span >= 0);
			assert_int_equal(tr->spans[k.span].state, AL_ST_RECV);
		} else {
			assert_true(px != recv);   /* on sync's scale it ended at 331 ms */
		}
		SDL_FreeSurface(img);
	}
	viz_layout_free(&s);
	viz_run_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_is_not_recv),
		cmocka_unit_test(test_callback_lane_per_connection),
		cmocka_unit_test(test_event_marked_at_its_time),
		cmocka_unit_test(test_lanes_named_by_page),
		cmocka_unit_test(test_compare_own_time_scale),
		cmocka_unit_test(test_gil_wait_on_the_page),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
