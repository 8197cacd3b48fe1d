/* Internal to viz_window_input.c and viz_window_nav.c: the handlers one
 * file calls in the other.  Each returns VIZ_WOUT_* like
 * viz_window_handle(), whose contract they share. */
#ifndef VIZ_WINDOW_INT_H
#define VIZ_WINDOW_INT_H

#include "viz/viz_window_input.h"

/* viz_window_input.c: time and scroll back into range; the hovered span
 * picked again under the still pointer. */
void viz_window_clamp(struct viz_window_state *st);
unsigned viz_window_rehover(struct viz_window_state *st);

/* viz_window_nav.c: playback */
void viz_window_default_speed(struct viz_window_state *st);
unsigned viz_window_set_cursor(struct viz_window_state *st, int64_t t);
unsigned viz_window_play_pause(struct viz_window_state *st);
unsigned viz_window_tick(struct viz_window_state *st, int64_t dt_ns);
unsigned viz_window_step(struct viz_window_state *st, double frac);
unsigned viz_window_set_speed(struct viz_window_state *st, double k);
/* and the selected lane: key is one of VIZ_WKEY_UP, DOWN, PGUP, PGDN,
 * HOME, END */
unsigned viz_window_move_selection(struct viz_window_state *st, int key);
unsigned viz_window_jump(struct viz_window_state *st);

#endif
