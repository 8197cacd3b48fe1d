/* The one thing the window asks of Xlib directly: that a late wake-up
 * message SDL sent to a window just closed not end the program
 * (viz_x11.c says why). */
#ifndef VIZ_X11_H
#define VIZ_X11_H

/* Installs, once, an Xlib error handler that forgives BadWindow on
 * SendEvent and hands every other error to the handler it replaces.
 * Call it before SDL starts its video: SDL's X11 driver keeps the handler
 * it finds and restores it when it closes its connections.  Does nothing
 * when libX11 cannot be opened (a Wayland-only machine). */
void viz_x11_forgive_wakeup(void);

#endif
