/* The tour's pictures, checked by pixel: a note is drawn at the instant
 * the run's trace says, on the lane it says, and Chinese captions draw
 * glyphs, not the font's missing-glyph box.  The run is the built-in
 * scenario's sync model, simulated (exact times). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "app/outputs.h"
#include "conf/scenario.h"
#include "sim/sim_run.h"
#include "tests/skip.h"
#include "viz/viz_tour.h"

#define W 1200
#define H 800

static struct viz_run run;

static int setup(void **state)
{
	struct al_scenario sc;
	char err[256];
	struct viz_model *vm = &run.models[0];

	(void)state;
	al_scenario_default(&sc);
	al_run_describe(&run, "sim", &sc, sc.machine.cores);
	if (al_trace_init(&vm->trace, AL_TRACE_RECORD) != 0 ||
	    sim_run_model_traced(&sc, AL_MODEL_SYNC, &vm->report, &vm->trace, err, sizeof err))
		return -1;
	vm->report.model = AL_MODEL_SYNC;
	run.nmodels = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	viz_run_free(&run);
	return 0;
}

/* The first CONNECT and RECV states in the raw trace: the moments the
 * notes must find. */
static int64_t first_state(enum al_state st)
{
	const struct al_trace *tr = &run.models[0].trace;

	for (size_t i = 0; i < tr->n; i++)
		if (tr->ev[i].kind == AL_TR_STATE && tr->ev[i].code == st)
			return tr->ev[i].t;
	return -1;
}

static int is_mark(SDL_Surface *s, int x, int y)
{
	uint32_t px = ((uint32_t *)s->pixels)[y * (s->pitch / 4) + x];
	uint8_t r, g, b;

	SDL_GetRGB(px, s->format, &r, &g, &b);
	return r == VIZ_TOUR_MARK_R && g == VIZ_TOUR_MARK_G && b == VIZ_TOUR_MARK_B;
}

static void note_at_the_traces_instant(void **state)
{
	struct viz_tour_note n[2] = {
		{.model = AL_MODEL_SYNC, .state = AL_ST_CONNECT, .text = "first SYN"},
		{.model = AL_MODEL_SYNC, .state = AL_ST_RECV, .text = "recv"},
	};
	struct viz_tour_font f;
	char err[256];

	(void)state;
	viz_tour_font_en(&f);
	SDL_Surface *s = viz_tour_draw(&run, 1u << AL_MODEL_SYNC, W, H, n, 2, "t", "c", &f, err,
				       sizeof err);
	assert_non_null(s);
	for (int i = 0; i < 2; i++) {
		assert_true(n[i].found);
		assert_int_equal(n[i].t, first_state(i ? AL_ST_RECV : AL_ST_CONNECT));
	}
	/* recv comes one RTT after the SYN: its note is right of the first */
	assert_true(n[1].x > n[0].x + 20);
	/* the ring (radius 8, 3 px thick) around each note's moment: its
	 * left and right edges at the lane's centre row */
	for (int i = 0; i < 2; i++) {
		assert_true(is_mark(s, n[i].x + 7, n[i].y));
		assert_true(is_mark(s, n[i].x - 7, n[i].y));
		assert_false(is_mark(s, n[i].x + 30, n[i].y + 1));
	}
	SDL_FreeSurface(s);
}

static void absent_state_draws_nothing(void **state)
{
	struct viz_tour_note n = {.model = AL_MODEL_SYNC, .state = AL_ST_SPIN, .text = "spin"};
	char err[256];

	(void)state;
	assert_int_equal(viz_tour_place(&run, 1u << AL_MODEL_SYNC, W, H, &n, 1, err,
					sizeof err), 0);
	assert_false(n.found);          /* sync never spins */
}

/* The pixels of one glyph drawn alone, as a mask. */
static int glyph_mask(TTF_Font *f, const char *s, uint8_t *mask, int w, int h)
{
	SDL_Color black = {0, 0, 0, 255};
	SDL_Surface *g = TTF_RenderUTF8_Blended(f, s, black);
	SDL_Surface *c = g ? SDL_ConvertSurfaceFormat(g, SDL_PIXELFORMAT_ARGB8888, 0) : NULL;
	int ink = 0;

	memset(mask, 0, (size_t)(w * h));
	for (int y = 0; c && y < c->h && y < h; y++)
		for (int x = 0; x < c->w && x < w; x++) {
			uint32_t px = ((uint32_t *)c->pixels)[y * (c->pitch / 4) + x];
			mask[y * w + x] = (px >> 24) > 128;
			ink += mask[y * w + x];
		}
	SDL_FreeSurface(g);
	SDL_FreeSurface(c);
	return ink;
}

static void zh_draws_glyphs_not_boxes(void **state)
{
	struct viz_tour_font f;
	char err[256];
	static uint8_t a[64 * 64], b[64 * 64], box[64 * 64];

	(void)state;
	if (viz_tour_font_zh(&f, err, sizeof err) != 0)
		AL_SKIP("%s", err);
	assert_int_equal(TTF_Init(), 0);
	TTF_Font *ft = TTF_OpenFontIndex(f.path, 32, f.index);
	assert_non_null(ft);
	/* a character no font has (a private-use code point): the box */
	int nbox = glyph_mask(ft, "\xf3\xb0\x80\x80", box, 64, 64);
	int na = glyph_mask(ft, "网", a, 64, 64);
	int nb = glyph_mask(ft, "络", b, 64, 64);
	assert_true(TTF_GlyphIsProvided32(ft, 0x7F51));   /* 网 */
	assert_true(na > 20 && nb > 20);
	/* two different characters draw differently, and neither is the box */
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(a, box, sizeof a);
	(void)nbox;
	TTF_CloseFont(ft);
	TTF_Quit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(note_at_the_traces_instant),
		cmocka_unit_test(absent_state_draws_nothing),
		cmocka_unit_test(zh_draws_glyphs_not_boxes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
