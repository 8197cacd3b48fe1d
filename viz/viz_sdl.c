/* SDL2, SDL2_ttf and SDL2_image, loaded when the program first draws.
 *
 * The binary does not link them: with their dependencies (X11, Wayland,
 * PulseAudio, D-Bus, FreeType, HarfBuzz, libtiff...) they are about 70
 * shared objects, whose loading and relocation cost every start about
 * 17 ms (perf: `asynclab --version`), a fifth of a 10,000-page simulated
 * crawl that draws nothing (issue 13).  So each SDL function the code
 * calls (viz_sdl.def) is defined here with the header's own prototype,
 * which the compiler checks, and forwards to the library's; the first call
 * of any of them opens the three libraries and looks every one up, once
 * (pthread_once: the drawing threads may be the first).
 *
 * A library that cannot be opened is this machine's environment, not a
 * caller's error, and no SDL function has a way to say it: the message
 * names the library (scripts/deps.sh installs it) and the program exits 1,
 * as a model that could not run does. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

enum { LIB_SDL, LIB_TTF, LIB_IMG, LIBS };

/* The sonames the -dev packages link against (SDL2's ABI, stable since
 * 2.0.0). */
static const char *const sonames[LIBS] = {
	"libSDL2-2.0.so.0", "libSDL2_ttf-2.0.so.0", "libSDL2_image-2.0.so.0",
};

static struct {
#define X(lib, ret, name, params, args) ret (*name) params;
#define VOID(lib, name, params, args) void (*name) params;
#include "viz/viz_sdl.def"
#undef X
#undef VOID
	int (*SDL_SetError)(const char *fmt, ...);
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *handle[LIBS];

static void *sym(int lib, const char *name)
{
	void *p = dlsym(handle[lib], name);

	if (!p) {
		fprintf(stderr, "asynclab: cannot draw: %s\n", dlerror());
		exit(1);
	}
	return p;
}

static void load(void)
{
	for (int i = 0; i < LIBS; i++) {
		/* global: SDL2_ttf and SDL2_image find SDL2's symbols in it */
		handle[i] = dlopen(sonames[i], RTLD_NOW | RTLD_GLOBAL);
		if (!handle[i]) {
			fprintf(stderr, "asynclab: cannot draw: %s (scripts/deps.sh installs it)\n",
				dlerror());
			exit(1);
		}
	}
#define X(lib, ret, name, params, args) real.name = (ret (*) params)sym(LIB_##lib, #name);
#define VOID(lib, name, params, args) real.name = (void (*) params)sym(LIB_##lib, #name);
#include "viz/viz_sdl.def"
#undef X
#undef VOID
	real.SDL_SetError = (int (*)(const char *, ...))sym(LIB_SDL, "SDL_SetError");
}

#define X(lib, ret, name, params, args) \
	ret name params \
	{ \
		pthread_once(&once, load); \
		return real.name args; \
	}
#define VOID(lib, name, params, args) \
	void name params \
	{ \
		pthread_once(&once, load); \
		real.name args; \
	}
#include "viz/viz_sdl.def"
#undef X
#undef VOID

/* Variadic: formatted here, handed over as one string. */
int SDL_SetError(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_once(&once, load);
	return real.SDL_SetError("%s", msg);
}
