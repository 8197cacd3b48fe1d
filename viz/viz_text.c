/* The drawer's cache: fonts, text textures, scratch buffers (viz_draw_int.h).
 *
 * Rasterising a string with FreeType costs tens of microseconds; a frame
 * shows a few hundred strings, most of them the same as in the frame
 * before.  So each (font, colour, string) is rendered once into a texture
 * and kept in an open-addressing table; when the table fills up (a long
 * pan through labels never seen again) it is emptied at once rather than
 * aged entry by entry: refilling costs one slow frame.  Fonts are opened
 * at the frame's scale, so high-DPI text is crisp, and reopened when the
 * scale changes. */
#include "viz/viz_draw_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_CAP 4096                /* slots; flushed at 3/4 full */

static const struct {
	int which;                   /* 0 sans, 1 mono */
	int pt;                      /* logical size */
	int style;
} font_spec[VIZ_NFONTS] = {
	[VIZ_F_SANS] = {0, 12, TTF_STYLE_NORMAL},
	[VIZ_F_BOLD] = {0, 12, TTF_STYLE_BOLD},
	[VIZ_F_SMALL] = {0, 10, TTF_STYLE_NORMAL},
	[VIZ_F_MONO] = {1, 11, TTF_STYLE_NORMAL},
};

static void flush_text(struct viz_paint *p)
{
	for (size_t i = 0; i < p->cap; i++)
		if (p->tab[i].s) {
			free(p->tab[i].s);
			SDL_DestroyTexture(p->tab[i].tex);
		}
	memset(p->tab, 0, p->cap * sizeof *p->tab);
	p->n = 0;
}

static void close_fonts(struct viz_paint *p)
{
	for (int i = 0; i < VIZ_NFONTS; i++) {
		if (p->font[i])
			TTF_CloseFont(p->font[i]);
		p->font[i] = NULL;
		p->line_h[i] = 0;
	}
}

static void open_fonts(struct viz_paint *p, const struct viz_scene *s, double scale)
{
	p->scale = scale;
	if (!p->ttf)
		return;
	for (int i = 0; i < VIZ_NFONTS; i++) {
		const char *path = font_spec[i].which ? s->font_mono : s->font_sans;
		int pt = (int)(font_spec[i].pt * scale + 0.5);

		p->font[i] = path ? TTF_OpenFont(path, pt > 1 ? pt : 1) : NULL;
		if (!p->font[i]) {
			close_fonts(p);      /* all or nothing: no half-labelled picture */
			return;
		}
		TTF_SetFontStyle(p->font[i], font_spec[i].style);
		TTF_SetFontHinting(p->font[i], TTF_HINTING_LIGHT);
		p->line_h[i] = TTF_FontLineSkip(p->font[i]);
	}
}

void viz_paint_free(struct viz_paint *p)
{
	if (!p)
		return;
	if (p->tab)
		flush_text(p);
	free(p->tab);
	close_fonts(p);
	if (p->ttf)
		TTF_Quit();
	if (p->band)
		SDL_DestroyTexture(p->band);
	free(p->cols);
	free(p->occ);
	for (int i = 0; i < VIZ_WORKERS; i++) {
		free(p->scratch[i].out);
		free(p->scratch[i].work);
	}
	for (int i = 0; i < AL_ST_COUNT; i++)
		free(p->state[i].r);
	free(p->misc.r);
	free(p->life.r);
	free(p);
}

void viz_draw_release(struct viz_scene *s)
{
	viz_paint_free(s->paint);
	s->paint = NULL;
}

int viz_draw_has_text(const struct viz_scene *s)
{
	return s->paint && s->paint->font[0];
}

struct viz_paint *viz_paint_get(struct viz_scene *s, SDL_Renderer *r, double scale)
{
	struct viz_paint *p = s->paint;

	if (p && p->r != r)
		viz_draw_release(s);
	p = s->paint;
	if (p) {
		if (p->scale != scale) {
			flush_text(p);
			close_fonts(p);
			open_fonts(p, s, scale);
		}
		return p;
	}
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->tab = calloc(TEXT_CAP, sizeof *p->tab);
	if (!p->tab) {
		free(p);
		return NULL;
	}
	p->cap = TEXT_CAP;
	p->r = r;
	p->ttf = TTF_Init() == 0;
	open_fonts(p, s, scale);
	s->paint = p;
	return p;
}

static uint64_t text_hash(int font, uint32_t argb, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)font ^ (uint64_t)argb << 8;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static struct viz_text_entry *text_get(struct viz_paint *p, int font, struct viz_rgb c,
				       const char *s)
{
	uint32_t argb = viz_rgb_argb(c);
	uint64_t h = text_hash(font, argb, s);
	size_t i = (size_t)h & (p->cap - 1);
	struct viz_text_entry *e;
	SDL_Surface *surf;
	SDL_Color col = {c.r, c.g, c.b, 255};

	if (font < 0 || font >= VIZ_NFONTS || !p->font[font] || !*s)
		return NULL;
	for (; p->tab[i].s; i = (i + 1) & (p->cap - 1)) {
		e = &p->tab[i];
		if (e->hash == h && e->font == font && e->argb == argb && strcmp(e->s, s) == 0)
			return e;
	}
	if (p->n >= p->cap / 4 * 3) {
		flush_text(p);
		i = (size_t)h & (p->cap - 1);
	}
	surf = TTF_RenderUTF8_Blended(p->font[font], s, col);
	if (!surf)
		return NULL;
	e = &p->tab[i];
	e->tex = SDL_CreateTextureFromSurface(p->r, surf);
	e->w = surf->w;
	e->h = surf->h;
	SDL_FreeSurface(surf);
	if (!e->tex)
		return NULL;
	e->s = strdup(s);
	if (!e->s) {
		SDL_DestroyTexture(e->tex);
		e->tex = NULL;
		return NULL;
	}
	SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
	e->hash = h;
	e->font = (uint8_t)font;
	e->argb = argb;
	p->n++;
	return e;
}

int viz_text(struct viz_paint *p, int font, int x, int y, struct viz_rgb c, int align,
	     const char *s)
{
	struct viz_text_entry *e = text_get(p, font, c, s);
	SDL_Rect d;

	if (!e)
		return 0;
	d = (SDL_Rect){align == VIZ_CENTRE ? x - e->w / 2 : align == VIZ_RIGHT ? x - e->w : x,
		       y, e->w, e->h};
	SDL_RenderCopy(p->r, e->tex, NULL, &d);
	return e->w;
}

int viz_textf(struct viz_paint *p, int font, int x, int y, struct viz_rgb c, int align,
	      const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return viz_text(p, font, x, y, c, align, buf);
}

int viz_text_w(struct viz_paint *p, int font, const char *s)
{
	int w = 0;

	if (font < 0 || font >= VIZ_NFONTS || !p->font[font] || !*s)
		return 0;
	TTF_SizeUTF8(p->font[font], s, &w, NULL);
	return w;
}

int viz_text_h(const struct viz_paint *p, int font)
{
	return font >= 0 && font < VIZ_NFONTS ? p->line_h[font] : 0;
}

void viz_fill(SDL_Renderer *r, struct viz_rgb c, int x, int y, int w, int h)
{
	SDL_Rect q = {x, y, w, h};

	if (w <= 0 || h <= 0)
		return;
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
	SDL_RenderFillRect(r, &q);
}

void viz_outline(SDL_Renderer *r, struct viz_rgb c, int x, int y, int w, int h, int t)
{
	viz_fill(r, c, x, y, w, t);
	viz_fill(r, c, x, y + h - t, w, t);
	viz_fill(r, c, x, y, t, h);
	viz_fill(r, c, x + w - t, y, t, h);
}

int viz_rects_add(struct viz_rects *a, int x, int y, int w, int h)
{
	if (w <= 0 || h <= 0)
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		SDL_Rect *q = realloc(a->r, cap * sizeof *q);

		if (!q)
			return -1;
		a->r = q;
		a->cap = cap;
	}
	a->r[a->n++] = (SDL_Rect){x, y, w, h};
	return 0;
}

void viz_rects_fill(SDL_Renderer *r, struct viz_rects *a, struct viz_rgb c)
{
	if (a->n > 0) {
		SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
		/* SDL takes an int count */
		for (size_t i = 0; i < a->n; i += 1 << 20)
			SDL_RenderFillRects(r, a->r + i,
					    (int)(a->n - i < (1u << 20) ? a->n - i : 1u << 20));
	}
	a->n = 0;
}
