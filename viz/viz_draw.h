/* Drawing a view of a scene onto an SDL_Renderer: the same code draws the
 * interactive window and the headless PNG (viz_png.h).
 *
 * The picture: tabs naming the models, the legend, per section a header,
 * one lane per process / thread / task coloured by state (viz_palette.h)
 * with its label on the left, indented by depth, a counters strip; under
 * the plot a time axis with 1-2-5 ticks and optionally the CPU time view's
 * axis; optionally the report table, the hovered or pinned span's tooltip,
 * the key overlay.  Positions come from viz_frame_make() (viz_view.h), so
 * a window hit-tests with the very geometry that was drawn.
 *
 * Text is rendered once per (font, colour, string) into a texture cached
 * in the scene (scene->paint), so a frame does not rasterise text again.
 * If a font cannot be opened, everything but the text is still drawn. */
#ifndef VIZ_DRAW_H
#define VIZ_DRAW_H

#include <SDL.h>

#include "viz/viz_layout.h"
#include "viz/viz_palette.h"
#include "viz/viz_view.h"

/* Draws view v of scene s on r, whose output is w x h physical pixels,
 * at `scale` physical pixels per logical pixel (1: normal, 2: high-DPI).
 * Does not call SDL_RenderPresent.  The scene's text cache (scene->paint)
 * belongs to r: drawing with another renderer first releases it, and
 * viz_draw_release() must run before r is destroyed.  Lanes thinner than
 * a pixel are blended by up to four threads (one per CPU), joined before
 * returning.  Returns 0, or -1 if the renderer failed (SDL_GetError()
 * says why); a missing font is not a failure. */
int viz_draw(SDL_Renderer *r, struct viz_scene *s, const struct viz_view *v,
	     int w, int h, double scale);

/* Destroys the scene's cached textures and closes its fonts.  Call it
 * before destroying the renderer that drew the scene (viz_layout_free
 * calls it too).  Safe to call on a scene never drawn. */
void viz_draw_release(struct viz_scene *s);

/* Whether the last viz_draw of s had its fonts (text drawn). */
int viz_draw_has_text(const struct viz_scene *s);

/* The keys the help overlay lists; the window binds these. */
struct viz_key_help {
	const char *keys;
	const char *what;
};
extern const struct viz_key_help viz_keys[];
extern const int viz_nkeys;

#endif
