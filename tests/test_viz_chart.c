/* The sweep's charts, checked by pixel: made-up reports (two models, three
 * points, and a second key for two columns) drawn headless, loaded back,
 * and counted: each model's colour must be in the picture, the failure
 * ring's colour only when a point failed, and a model with no report
 * anywhere leaves no trace of its colour.  No display is needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "viz/viz_chart.h"
#include "viz/viz_palette.h"

#define NX 3
#define NCOLS 2
#define NM 2

static const enum al_model models[NM] = {AL_MODEL_THREAD, AL_MODEL_ASYNCIO};
static const char *const xl[NX] = {"10", "100", "1k"};
static const double xs[NX] = {10, 100, 1000};
static const char *const cl[NCOLS] = {"10ms", "100ms"};
static struct al_report rep[NCOLS * NX * NM];
static char ran[NCOLS * NX * NM];

static void fill(int fail_at)
{
	memset(rep, 0, sizeof rep);
	for (int i = 0; i < NCOLS * NX * NM; i++) {
		int x = i / NM % NX, k = i % NM;
		rep[i].model = models[k];
		rep[i].elapsed_ns = (int64_t)(k ? 100 : 300) * 1000000 * (x + 1);
		rep[i].pages_ok = (int64_t)xs[x];
		rep[i].peak_memory_bytes = (int64_t)(1 + k) << 20;
		rep[i].cpu_busy_ns = 1000000 * (x + 1);
		rep[i].latency.pages = rep[i].pages_ok;
		rep[i].latency.of[AL_LAT_TOTAL].p99_ns = 50000000;
		ran[i] = 1;
	}
	if (fail_at >= 0)
		rep[fail_at].pages_failed = 7;
}

/* Pixels of colour c in the PNG at path; with tint, the pixels of c laid
 * at a quarter (alpha 64) over the plot's background instead: a band. */
static long count_as(const char *path, struct viz_rgb c, int tint)
{
	SDL_Surface *raw = IMG_Load(path), *s;
	long n = 0;

	if (!raw)
		fail_msg("IMG_Load %s: %s", path, IMG_GetError());
	s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_FreeSurface(raw);
	assert_non_null(s);
	for (int y = 0; y < s->h; y++)
		for (int x = 0; x < s->w; x++) {
			uint32_t p = ((const uint32_t *)((const uint8_t *)s->pixels +
							 (size_t)y * s->pitch))[x];
			int r = (int)(p >> 16 & 255), g = (int)(p >> 8 & 255), b = (int)(p & 255);
			if (!tint)
				n += (p | 0xff000000u) == viz_rgb_argb(c);
			else
				n += abs(r - (viz_rgb_bg.r + (c.r - viz_rgb_bg.r) * 64 / 255)) <= 3 &&
				     abs(g - (viz_rgb_bg.g + (c.g - viz_rgb_bg.g) * 64 / 255)) <= 3 &&
				     abs(b - (viz_rgb_bg.b + (c.b - viz_rgb_bg.b) * 64 / 255)) <= 3;
		}
	SDL_FreeSurface(s);
	return n;
}

static long count(const char *path, struct viz_rgb c)
{
	return count_as(path, c, 0);
}

static int draw(const char *path)
{
	struct viz_chart c = {
		.title = "test", .xkey = "workload.pages", .nx = NX, .xlabel = xl, .x = xs,
		.colkey = "network.rtt", .ncols = NCOLS, .collabel = cl, .nmodels = NM,
		.models = models, .rep = rep, .ran = ran,
	};
	char err[256];
	int w, h;

	viz_chart_size(&c, &w, &h);
	int rc = viz_chart_png(path, &c, w, h, err, sizeof err);
	if (rc != 0)
		print_error("%s\n", err);
	return rc;
}

static void test_colours_and_failures(void **state)
{
	char path[] = "/tmp/test_viz_chart.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	fill(-1);
	assert_int_equal(draw(path), 0);
	for (int k = 0; k < NM; k++)
		assert_true(count(path, viz_model_rgb[models[k]]) > 100);
	long all = count(path, viz_model_rgb[AL_MODEL_ASYNCIO]);
	assert_int_equal(count(path, viz_rgb_fail), 0);
	assert_int_equal(count(path, viz_model_rgb[AL_MODEL_PROCESS]), 0);

	fill(NM * 1 + 1);               /* asyncio at the second point, first column */
	assert_int_equal(draw(path), 0);
	long ringed = count(path, viz_rgb_fail);
	assert_true(ringed > 20);

	/* a model that never ran: its colour in the legend only (a swatch of
	 * 22 x 3 and a 5 x 5 dot), the other's lines stay */
	fill(-1);
	for (int i = 0; i < NCOLS * NX * NM; i++)
		if (i % NM == 1)
			ran[i] = 0;
	assert_int_equal(draw(path), 0);
	long none = count(path, viz_model_rgb[AL_MODEL_ASYNCIO]);
	assert_true(none > 0 && none <= 22 * 3 + 5 * 5);
	assert_true(all > 4 * none);
	assert_true(count(path, viz_model_rgb[AL_MODEL_THREAD]) > 100);
	unlink(path);
}

/* Two runs a point (a sweep's --seeds): the mean's line in the model's
 * colour, a faint band from the min to the max where the runs differ and
 * none where they agree, and a ring when a page of either run failed. */
static void test_runs_band(void **state)
{
	static struct al_report rep2[NCOLS * NX * NM * 2];
	static char ran2[NCOLS * NX * NM * 2];
	char path[] = "/tmp/test_viz_chart.XXXXXX", err[256];
	int fd = mkstemp(path), w, h;
	struct viz_chart c = {
		.title = "runs", .xkey = "workload.pages", .nx = NX, .xlabel = xl, .x = xs,
		.colkey = "network.rtt", .ncols = NCOLS, .collabel = cl, .nmodels = NM,
		.models = models, .rep = rep2, .ran = ran2, .nruns = 2,
	};
	struct viz_rgb tint = viz_model_rgb[AL_MODEL_ASYNCIO];

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	viz_chart_size(&c, &w, &h);
	for (int spread = 0; spread < 2; spread++) {
		fill(-1);
		for (int i = 0; i < NCOLS * NX * NM; i++)
			for (int s = 0; s < 2; s++) {
				rep2[2 * i + s] = rep[i];
				ran2[2 * i + s] = 1;
				/* the second run 4x slower, CPU and p99 too */
				if (spread && s == 1 && i % NM == 1) {
					rep2[2 * i + s].elapsed_ns *= 4;
					rep2[2 * i + s].cpu_busy_ns *= 4;
					rep2[2 * i + s].latency.of[AL_LAT_TOTAL].p99_ns *= 4;
				}
			}
		assert_int_equal(viz_chart_png(path, &c, w, h, err, sizeof err), 0);
		long banded = count_as(path, tint, 1);
		assert_true(count(path, tint) > 100);
		if (spread)
			assert_true(banded > 2000);
		else
			assert_true(banded < 300);  /* the zero-width bands' lines */
	}
	assert_int_equal(count(path, viz_rgb_fail), 0);
	rep2[2 * (NM + 1) + 1].pages_failed = 3;   /* the second run only */
	assert_int_equal(viz_chart_png(path, &c, w, h, err, sizeof err), 0);
	assert_true(count(path, viz_rgb_fail) > 20);
	unlink(path);
}

static void test_bad_size(void **state)
{
	struct viz_chart c = {.nx = NX, .xlabel = xl, .ncols = 1, .nmodels = NM,
			      .models = models, .rep = rep, .ran = ran, .xkey = "k"};
	char err[256];

	(void)state;
	fill(-1);
	assert_int_equal(viz_chart_png("/tmp/never.png", &c, 10, 10, err, sizeof err), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "10x10"));
	c.nx = 0;
	assert_int_equal(viz_chart_png("/tmp/never.png", &c, 800, 800, err, sizeof err), -1);
	assert_int_equal(access("/tmp/never.png", F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colours_and_failures),
		cmocka_unit_test(test_runs_band),
		cmocka_unit_test(test_bad_size),
	};

	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
