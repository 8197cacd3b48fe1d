/* The tour in a window: the steps' pictures, one at a time; → or PgDn or
 * space the next, ← or PgUp the one before, Home / End the first / last,
 * q or Esc quits.  The picture is scaled to the window, its aspect kept. */
#ifndef VIZ_TOUR_WINDOW_H
#define VIZ_TOUR_WINDOW_H

#include <stddef.h>

struct SDL_Surface;

/* Shows pics[0 .. n) until the user quits: 0; -1 with err when there is
 * no display (viz_window_display's message) or SDL fails. */
int viz_tour_window(struct SDL_Surface *const *pics, int n, char *err, size_t errlen);

#endif
