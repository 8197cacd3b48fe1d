/* A step of the tour (viz_tour.h). */
#include "viz/viz_tour.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "viz/viz_draw.h"
#include "viz/viz_png.h"

#define ZH_PATH "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
#define ZH_SC 2                      /* the collection's "Noto Sans CJK SC" */

void viz_tour_font_en(struct viz_tour_font *f)
{
	f->path = VIZ_FONT_SANS;
	f->index = 0;
}

int viz_tour_font_zh(struct viz_tour_font *f, char *err, size_t errlen)
{
	static char found[600];

	if (access(ZH_PATH, R_OK) == 0) {
		f->path = ZH_PATH;
		f->index = ZH_SC;
		return 0;
	}
	/* elsewhere than Debian's path: fontconfig knows, if anyone does */
	FILE *p = popen("fc-match -f '%{file}\\t%{index}\\t%{family}' "
			"'Noto Sans CJK SC:lang=zh-cn' 2>/dev/null", "r");
	char line[600] = "";
	if (p) {
		if (!fgets(line, sizeof line, p))
			line[0] = '\0';
		pclose(p);
	}
	char *tab = strchr(line, '\t');
	if (tab && strstr(tab, "CJK")) {
		*tab = '\0';
		snprintf(found, sizeof found, "%s", line);
		f->path = found;
		f->index = strtol(tab + 1, NULL, 10);
		return 0;
	}
	snprintf(err, errlen, "no Chinese font: install Debian's fonts-noto-cjk "
		 "(scripts/deps.sh does), which puts %s", ZH_PATH);
	return -1;
}

/* The earliest (or latest) moment the note names in track tr. */
static void find(const struct viz_track *tr, struct viz_tour_note *n)
{
	n->found = 0;
	if (n->state == VIZ_TOUR_FAILED) {
		if (tr->nmarks > 0) {
			n->found = 1;
			n->t = tr->marks[0].t;
			n->lane = tr->marks[0].lane;
		}
		return;
	}
	int64_t len = 0;

	for (uint32_t i = 0; i < tr->nlanes; i++) {
		const struct viz_lane *l = &tr->lanes[i];
		if ((n->kind && l->kind != n->kind - 1) || (n->page && !l->page))
			continue;
		for (uint32_t k = 0; k < l->n; k++) {
			const struct viz_span *s = &tr->spans[l->first + k];
			int64_t t = n->at_end ? s->t1 : s->t0;
			if (s->state != n->state ||
			    (n->after && (k == 0 || tr->spans[l->first + k - 1].state !=
						  n->after - 1)))
				continue;
			if (!n->found || (n->last ? t > n->t : t < n->t) ||
			    (t == n->t && s->t1 - s->t0 > len)) {
				n->found = 1;
				n->t = t;
				n->lane = i;
				len = s->t1 - s->t0;
			}
			if (!n->last)
				break;       /* a lane's later spans are later */
		}
	}
}

static void place(const struct viz_frame *f, struct viz_tour_note *n)
{
	int sec = viz_frame_section(f, 0, n->model), y0, y1;
	struct viz_frame fs;

	if (sec < 0 || viz_frame_lane_y(f, sec, n->lane, &y0, &y1) < 0) {
		n->found = 0;
		return;
	}
	viz_frame_for_section(&fs, f, sec);
	n->x = (int)viz_frame_time_x(&fs, n->t);
	n->y = (y0 + y1) / 2;
	if (n->y < f->plot.y)
		n->y = f->plot.y;
	if (n->y >= f->plot.y + f->plot.h)
		n->y = f->plot.y + f->plot.h - 1;
}

/* The scene, view and frame of a step's timelines, w x h. */
static int frame_of(struct viz_scene *s, struct viz_view *v, struct viz_frame *f,
		    const struct viz_run *run, unsigned models, int w, int h, char *err,
		    size_t errlen)
{
	if (viz_layout_build(s, run, 1, err, errlen) != 0)
		return -1;
	viz_png_view(v, s, w, h, models);
	v->flags &= ~(unsigned)VIZ_SHOW_REPORT;   /* the caption tells the figures */
	viz_view_fit(v, s, w, h, 1);
	viz_frame_make(f, s, v, w, h, 1);
	return 0;
}

static void place_all(const struct viz_scene *s, const struct viz_frame *f,
		      struct viz_tour_note *notes, int nnotes)
{
	for (int i = 0; i < nnotes; i++) {
		const struct viz_track *tr = viz_layout_track(s, 0, notes[i].model);
		notes[i].found = 0;
		if (tr)
			find(tr, &notes[i]);
		if (notes[i].found)
			place(f, &notes[i]);
	}
}

int viz_tour_place(const struct viz_run *run, unsigned models, int w, int h,
		   struct viz_tour_note *notes, int nnotes, char *err, size_t errlen)
{
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;

	if (frame_of(&s, &v, &f, run, models, w, h - VIZ_TOUR_BAND, err, errlen) != 0)
		return -1;
	place_all(&s, &f, notes, nnotes);
	viz_layout_free(&s);
	return 0;
}

/* Blits text at (x, y) top-left in colour c; returns its width. */
static int put_text(SDL_Surface *dst, TTF_Font *font, const char *text, int x, int y,
		    SDL_Color c)
{
	SDL_Surface *t = TTF_RenderUTF8_Blended(font, text, c);
	int w;

	if (!t)
		return -1;
	SDL_Rect r = {x, y, t->w, t->h};
	SDL_BlitSurface(t, NULL, dst, &r);
	w = t->w;
	SDL_FreeSurface(t);
	return w;
}

/* The byte length of the UTF-8 character at s (1 for a stray byte). */
static size_t u8len(const char *s)
{
	unsigned char c = (unsigned char)*s;

	return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Draws text wrapped to width w from (x, y): a line breaks at a space, or
 * before any character of three or more bytes (CJK: no spaces there). */
static void put_wrapped(SDL_Surface *dst, TTF_Font *font, const char *text, int x, int y,
			int w, int ymax, SDL_Color c)
{
	char line[1024];
	int skip = TTF_FontLineSkip(font);

	while (*text && y + skip <= ymax) {
		size_t fit = 0, i = 0;       /* bytes that fit; bytes scanned */
		while (text[i] && i < sizeof line - 8) {
			size_t k = u8len(text + i), j = i + k;
			if (k < 3 && text[i] != ' ')   /* a word goes whole */
				while (text[j] && text[j] != ' ' && u8len(text + j) < 3 &&
				       j < sizeof line - 8)
					j++;
			memcpy(line, text, j);
			line[j] = '\0';
			int lw = 0;
			TTF_SizeUTF8(font, line, &lw, NULL);
			if (lw > w && fit > 0)
				break;
			fit = i = j;
		}
		memcpy(line, text, fit);
		line[fit] = '\0';
		put_text(dst, font, line, x, y, c);
		text += fit;
		while (*text == ' ')
			text++;
		y += skip;
	}
}

static void ring(SDL_Renderer *r, int cx, int cy, int rad)
{
	for (int dy = -rad; dy <= rad; dy++)
		for (int dx = -rad; dx <= rad; dx++) {
			int d = dx * dx + dy * dy;
			if (d <= rad * rad && d >= (rad - 3) * (rad - 3))
				SDL_RenderDrawPoint(r, cx + dx, cy + dy);
		}
}

/* The notes on the timelines: a ring at each moment, a line up to its
 * label, labels stacked from the plot's top so that none hides another. */
static void draw_notes(SDL_Surface *surf, SDL_Renderer *r, const struct viz_frame *f,
		       const struct viz_tour_note *notes, int nnotes, TTF_Font *font)
{
	SDL_Color ink = {0x20, 0x20, 0x20, 0xff};
	int skip = TTF_FontLineSkip(font), row = 0;

	for (int i = 0; i < nnotes; i++) {
		const struct viz_tour_note *n = &notes[i];
		int tw = 0, ly = f->plot.y + 6 + row * (skip + 8);
		if (!n->found)
			continue;
		row++;
		TTF_SizeUTF8(font, n->text, &tw, NULL);
		int lx = n->x + 14;
		if (lx + tw + 8 > f->plot.x + f->plot.w)
			lx = n->x - 14 - tw;
		if (lx < f->plot.x)
			lx = f->plot.x;
		SDL_SetRenderDrawColor(r, VIZ_TOUR_MARK_R, VIZ_TOUR_MARK_G, VIZ_TOUR_MARK_B, 0xff);
		SDL_RenderDrawLine(r, n->x, n->y - 8, n->x, ly + skip / 2);
		SDL_RenderDrawLine(r, n->x + 1, n->y - 8, n->x + 1, ly + skip / 2);
		SDL_RenderDrawLine(r, n->x, ly + skip / 2, lx, ly + skip / 2);
		ring(r, n->x, n->y, 8);
		SDL_Rect box = {lx - 4, ly - 1, tw + 8, skip + 2};
		SDL_SetRenderDrawColor(r, 0xff, 0xff, 0xff, 0xff);
		SDL_RenderFillRect(r, &box);
		SDL_SetRenderDrawColor(r, VIZ_TOUR_MARK_R, VIZ_TOUR_MARK_G, VIZ_TOUR_MARK_B, 0xff);
		SDL_RenderDrawRect(r, &box);
		SDL_RenderFlush(r);
		put_text(surf, font, n->text, lx, ly, ink);
	}
}

SDL_Surface *viz_tour_draw(const struct viz_run *run, unsigned models, int w, int h,
			   struct viz_tour_note *notes, int nnotes, const char *title,
			   const char *caption, const struct viz_tour_font *font, char *err,
			   size_t errlen)
{
	struct viz_scene s;
	struct viz_view v;
	struct viz_frame f;
	SDL_Surface *surf = NULL, *out = NULL;
	SDL_Renderer *r = NULL;
	TTF_Font *ft = NULL, *fc = NULL, *fb = NULL;
	int ttf = 0;
	int ph = h - VIZ_TOUR_BAND;

	if (w < VIZ_PNG_MIN_W || ph < VIZ_PNG_MIN_H) {
		snprintf(err, errlen, "a tour step needs at least %dx%d pixels", VIZ_PNG_MIN_W,
			 VIZ_PNG_MIN_H + VIZ_TOUR_BAND);
		return NULL;
	}
	if (frame_of(&s, &v, &f, run, models, w, ph, err, errlen) != 0)
		return NULL;
	place_all(&s, &f, notes, nnotes);
	if (TTF_Init() != 0) {        /* counted: the viewer's paint has its own */
		snprintf(err, errlen, "cannot start the font renderer: %s", TTF_GetError());
		goto out;
	}
	ttf = 1;
	ft = TTF_OpenFontIndex(font->path, 13, font->index);
	fc = TTF_OpenFontIndex(font->path, 15, font->index);
	fb = TTF_OpenFontIndex(font->path, 19, font->index);
	if (!ft || !fc || !fb) {
		snprintf(err, errlen, "%s: cannot open the font: %s", font->path, TTF_GetError());
		goto out;
	}
	TTF_SetFontStyle(fb, TTF_STYLE_BOLD);
	surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!surf || !(r = SDL_CreateSoftwareRenderer(surf))) {
		snprintf(err, errlen, "cannot make a %dx%d surface: %s", w, h, SDL_GetError());
		goto out;
	}
	SDL_SetRenderDrawColor(r, 0xff, 0xff, 0xff, 0xff);
	SDL_RenderClear(r);
	SDL_Rect pic = {0, 0, w, ph};
	SDL_RenderSetViewport(r, &pic);
	if (viz_draw(r, &s, &v, w, ph, 1) != 0 || SDL_RenderFlush(r) != 0) {
		snprintf(err, errlen, "drawing failed: %s", SDL_GetError());
		goto out;
	}
	draw_notes(surf, r, &f, notes, nnotes, ft);
	SDL_RenderSetViewport(r, NULL);
	SDL_SetRenderDrawColor(r, 0x60, 0x60, 0x60, 0xff);
	SDL_RenderDrawLine(r, 0, ph, w, ph);
	SDL_RenderFlush(r);
	SDL_Color ink = {0x10, 0x10, 0x10, 0xff};
	put_text(surf, fb, title, 16, ph + 10, ink);
	put_wrapped(surf, fc, caption, 16, ph + 14 + TTF_FontLineSkip(fb), w - 32, h - 4, ink);
	out = surf;
	surf = NULL;
out:
	viz_draw_release(&s);
	if (r)
		SDL_DestroyRenderer(r);
	if (surf)
		SDL_FreeSurface(surf);
	if (ft)
		TTF_CloseFont(ft);
	if (fc)
		TTF_CloseFont(fc);
	if (fb)
		TTF_CloseFont(fb);
	if (ttf)
		TTF_Quit();
	viz_layout_free(&s);
	return out;
}
