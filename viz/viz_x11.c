/* SDL 2.26's X11 driver (and every SDL2 since) wakes a thread asleep in
 * SDL_WaitEvent by sending a client message to the program's own window
 * over a second connection to the X server (X11_SendWakeupEvent).  It
 * does so for any event queued during the wait: the key press of 'q'
 * too, which the program answers by destroying the window on the first
 * connection.  The server may read the destruction before the message,
 * since the two connections are not ordered; it then answers the
 * message with BadWindow, which Xlib reads when SDL closes the second
 * connection, and Xlib's default handler prints it and exits with
 * status 1: a clean quit turned into a failure (CI, stop 24: tests/
 * e2e_tour.sh, "q quits the tour", under the sanitizers' load).
 *
 * The message woke nobody that still needed waking, so that error, and
 * only that one, is dropped; every other goes to the handler SDL would
 * have found.  libX11 is opened as SDL opens it (by its soname, at run
 * time: viz_sdl.c says why the binary links neither), so both share the
 * one process-wide handler. */
#include <dlfcn.h>

#include <X11/Xlib.h>
#include <X11/Xproto.h>

#include "viz/viz_x11.h"

typedef int (*x_error_fn)(Display *, XErrorEvent *);

static x_error_fn next;

static int forgive(Display *d, XErrorEvent *e)
{
	if (e->error_code == BadWindow && e->request_code == X_SendEvent)
		return 0;
	return next ? next(d, e) : 0;
}

void viz_x11_forgive_wakeup(void)
{
	static int done;
	x_error_fn (*set)(x_error_fn);
	void *lib;

	if (done)
		return;
	done = 1;
	lib = dlopen("libX11.so.6", RTLD_NOW | RTLD_LOCAL);   /* kept open */
	if (!lib)
		return;
	set = (x_error_fn (*)(x_error_fn))dlsym(lib, "XSetErrorHandler");
	if (set)
		next = set(forgive);
}
