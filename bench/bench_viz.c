/* The timelines' frame time, headless: viz_draw plus the software
 * renderer's flush (SDL batches drawing until then), on a 1600 x 1000
 * surface, for the default scenario and for a synthetic trace of 10,000
 * lanes and 1,000,000 spans (fitted: density bands; zoomed in; scrolled
 * with lanes of their own).  The medians are figures, compared with the
 * target of 16 ms a frame (60 frames a second); not assertions.  Other
 * work on the machine shows in them: the CPU column is the process's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL.h>

#include "sim/sim_run.h"
#include "viz/viz_draw.h"

#define W 1600
#define H 1000
#define FRAMES 31
#define TARGET_MS 16.0

static double clock_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Draws FRAMES frames of v after one to warm the text cache; prints the
 * median, the fastest and the slowest, the first (cold) frame, and the
 * median CPU time of the process (every thread: bands are blended by one
 * thread per CPU).  Unless `same`, each frame's window is one nanosecond
 * off the last one's, so the drawer cannot reuse the bands it blended
 * for the frame before (as it does when only a tooltip moved): every
 * frame costs what a zoom, a pan or a playback frame costs. */
static const char *only;                 /* argv[1]: run the cases naming it */

static void bench_frames(const char *what, SDL_Renderer *r, struct viz_scene *s,
			 struct viz_view *v, int same)
{
	double t[FRAMES], cpu[FRAMES], cold, t0, c0;

	if (only && !strstr(what, only))
		return;

	t0 = now_ms();
	if (viz_draw(r, s, v, W, H, 1) != 0 || SDL_RenderFlush(r) != 0) {
		fprintf(stderr, "bench_viz: %s: %s\n", what, SDL_GetError());
		exit(1);
	}
	cold = now_ms() - t0;
	for (int i = 0; i < FRAMES; i++) {
		if (!same) {
			v->t0 += i & 1 ? -1 : 1;
			v->t1 += i & 1 ? -1 : 1;
		}
		t0 = now_ms();
		c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		viz_draw(r, s, v, W, H, 1);
		SDL_RenderFlush(r);
		t[i] = now_ms() - t0;
		cpu[i] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	qsort(t, FRAMES, sizeof t[0], cmp);
	qsort(cpu, FRAMES, sizeof cpu[0], cmp);
	printf("  %-44s %6.2f ms  (%.2f .. %.2f; first %.2f; CPU %.2f ms)  %s\n", what, t[FRAMES / 2],
	       t[0], t[FRAMES - 1], cold, cpu[FRAMES / 2],
	       t[FRAMES / 2] < TARGET_MS ? "under 16 ms" : "OVER 16 ms");
}

static void bench(const char *what, SDL_Renderer *r, struct viz_scene *s, struct viz_view *v)
{
	bench_frames(what, r, s, v, 0);
}

static void default_run(struct viz_run *run)
{
	char err[512];

	memset(run, 0, sizeof *run);
	al_scenario_default(&run->sc);
	snprintf(run->net, sizeof run->net, "sim");
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct viz_model *vm = &run->models[run->nmodels];

		if (al_trace_init(&vm->trace, AL_TRACE_RECORD) != 0 ||
		    sim_run_model_traced(&run->sc, (enum al_model)m, &vm->report, &vm->trace,
					 err, sizeof err) != 0) {
			fprintf(stderr, "bench_viz: %s\n", err);
			exit(1);
		}
		run->nmodels++;
	}
}

/* 10,000 lanes: a process, its thread (200 spans) and 9,998 tasks of 100
 * spans each, 1,000,000 spans in all; states and durations from a fixed
 * LCG, tasks starting staggered over the first 100 ms. */
static void synthetic_run(struct viz_run *run)
{
	static const enum al_state st[] = {AL_ST_RUNNING, AL_ST_RUNNABLE, AL_ST_CONNECT,
					   AL_ST_SEND, AL_ST_RECV, AL_ST_WAIT, AL_ST_SPIN};
	struct al_trace *tr;
	uint64_t x = 42;
	uint32_t p, th;
	int64_t end = 0;

	memset(run, 0, sizeof *run);
	al_scenario_default(&run->sc);
	snprintf(run->sc.name, sizeof run->sc.name, "synthetic");
	snprintf(run->net, sizeof run->net, "sim");
	run->nmodels = 1;
	run->models[0].report.model = AL_MODEL_ASYNCIO;
	tr = &run->models[0].trace;
	if (al_trace_init(tr, AL_TRACE_RECORD) != 0)
		exit(1);
	p = al_trace_lane(tr, 0, AL_LANE_PROCESS, 0, "asyncio", 0);
	th = al_trace_lane(tr, 0, AL_LANE_THREAD, p, "asyncio", 0);
	for (uint32_t i = 0; i < 9999; i++) {
		uint32_t lane = i == 0 ? th : al_trace_lane(tr, 0, AL_LANE_TASK, th, "fetch", i);
		int nspans = i == 0 ? 200 : 100;
		int64_t t;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		t = (int64_t)(x >> 33) % 100000000;
		for (int k = 0; k < nspans; k++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			al_trace_state(tr, t, lane, st[(x >> 33) % 7], (int64_t)(x >> 40) % 4096);
			t += 10000 + (int64_t)(x >> 20) % 2000000;
		}
		al_trace_state(tr, t, lane, AL_ST_DONE, 0);
		end = t > end ? t : end;
	}
	run->models[0].report.elapsed_ns = end;
	run->models[0].report.pages_ok = 9998;
}

int main(int argc, char **argv)
{
	static struct viz_run def, syn;
	struct viz_scene s;
	struct viz_view v;
	SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
	SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
	char err[256];
	double t0;

	if (!r) {
		fprintf(stderr, "bench_viz: %s\n", SDL_GetError());
		return 1;
	}
	only = argc > 1 ? argv[1] : NULL;
	printf("viz: frame time of viz_draw, software renderer, %dx%d, median of %d frames "
	       "(target: under %.0f ms)\n", W, H, FRAMES, TARGET_MS);
	default_run(&def);
	if (viz_layout_build(&s, &def, 1, err, sizeof err) != 0)
		return 1;
	viz_view_init(&v, &s);
	v.flags |= VIZ_SHOW_REPORT;
	viz_view_fit(&v, &s, W, H, 1);
	bench("default scenario, compare view, fitted", r, &s, &v);
	v.tab = VIZ_TAB_MODEL;
	v.model = AL_MODEL_PROCESS;
	viz_view_fit(&v, &s, W, H, 1);
	v.flags |= VIZ_SHOW_CPU_AXIS;
	v.cursor = 200000000;
	v.hover = (struct viz_pick){1, 0, 4, 5, (long)s.tracks[1].lanes[4].first, };
	v.mouse_x = 600;
	v.mouse_y = 300;
	bench("default scenario, process, cursor + tooltip", r, &s, &v);
	viz_layout_free(&s);

	synthetic_run(&syn);
	t0 = now_ms();
	if (viz_layout_build(&s, &syn, 1, err, sizeof err) != 0) {
		fprintf(stderr, "bench_viz: %s\n", err);
		return 1;
	}
	printf("  layout of %u lanes, %zu spans: %.0f ms (once per scene)\n", s.nlanes, s.nspans,
	       now_ms() - t0);
	viz_view_init(&v, &s);
	viz_view_fit(&v, &s, W, H, 1);
	bench("10k lanes / 1M spans, fitted (bands)", r, &s, &v);
	v.hover = (struct viz_pick){1, 0, 0, 1, -1};
	v.mouse_x = 600;
	v.mouse_y = 300;
	bench_frames("10k lanes / 1M spans, fitted, tooltip moved", r, &s, &v, 1);
	v.hover.valid = 0;
	viz_view_zoom(&v, &s, (v.t0 + v.t1) / 2, 10);
	bench("10k lanes / 1M spans, zoomed 10x (bands)", r, &s, &v);
	viz_view_fit(&v, &s, W, H, 1);
	v.lane_h = 16;
	v.section_max = 0;
	v.scroll = 5000 * 16;
	bench("10k lanes / 1M spans, 16 px lanes, scrolled", r, &s, &v);
	viz_layout_free(&s);

	SDL_DestroyRenderer(r);
	SDL_FreeSurface(surf);
	viz_run_free(&def);
	viz_run_free(&syn);
	return 0;
}
