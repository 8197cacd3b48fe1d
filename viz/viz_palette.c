/* The colour table (viz_palette.h).  Hex values are Okabe-Ito's; the
 * counters use Paul Tol's "bright" scheme so that they are not mistaken
 * for lane states. */
#include "viz/viz_palette.h"

const struct viz_state_style viz_palette[AL_ST_COUNT] = {
	[AL_ST_RUNNING] = {{0x00, 0x9e, 0x73}, "running", "running on a CPU", "CPU"},
	[AL_ST_RUNNABLE] = {{0xf0, 0xe4, 0x42}, "ready: core", "ready: waiting for a core", "queueing"},
	[AL_ST_CONNECT] = {{0x56, 0xb4, 0xe9}, "connect", "blocked on connect", "network"},
	[AL_ST_SEND] = {{0xcc, 0x79, 0xa7}, "send", "blocked on send", "network"},
	[AL_ST_RECV] = {{0x00, 0x72, 0xb2}, "recv", "blocked on recv", "network"},
	[AL_ST_SPIN] = {{0xd5, 0x5e, 0x00}, "spinning", "busy-polling a socket", "CPU"},
	[AL_ST_SWITCH] = {{0x00, 0x00, 0x00}, "ctx switch", "context switch", "CPU"},
	[AL_ST_CREATE] = {{0xe6, 0x9f, 0x00}, "creating", "being created", "CPU"},
	[AL_ST_WAIT] = {{0xbb, 0xbb, 0xbb}, "blocked",
			"blocked (select, join, lock, sleep, or its task's call)", NULL},
	[AL_ST_READY] = {{0xee, 0xdd, 0x88}, "ready: loop",
			 "ready: bytes arrived, waiting for the loop", "queueing"},
	[AL_ST_GIL] = {{0x99, 0x99, 0x33}, "ready: GIL", "ready: waiting for the GIL", "queueing"},
	[AL_ST_DONE] = {{0xff, 0xff, 0xff}, "done", "done", NULL},
};

const struct viz_rgb viz_counter_rgb[AL_CTR_COUNT] = {
	[AL_CTR_RUNNABLE] = {0xcc, 0xbb, 0x44},
	[AL_CTR_SOCKETS] = {0x44, 0x77, 0xaa},
	[AL_CTR_MEMORY] = {0xaa, 0x33, 0x77},
};

_Static_assert(AL_MODEL_COUNT <= VIZ_MODEL_COLOURS, "a colour for every model");
const struct viz_rgb viz_model_rgb[VIZ_MODEL_COLOURS] = {
	[AL_MODEL_SYNC] = {0x00, 0x00, 0x00},
	[AL_MODEL_PROCESS] = {0xd5, 0x5e, 0x00},
	[AL_MODEL_THREAD] = {0xe6, 0x9f, 0x00},
	[AL_MODEL_NONBLOCKING] = {0xcc, 0x79, 0xa7},
	[AL_MODEL_CALLBACK] = {0x56, 0xb4, 0xe9},
	[AL_MODEL_GENERATOR] = {0x00, 0x9e, 0x73},
	[AL_MODEL_ASYNCIO] = {0x00, 0x72, 0xb2},
	/* the spares, in the order models are added: Paul Tol's and
	 * Tableau's darker hues, apart from the seven and the chrome */
	[7] = {0x8c, 0x56, 0x4b},        /* brown   */
	[8] = {0x33, 0x22, 0x88},        /* indigo  */
	[9] = {0xee, 0x33, 0x77},        /* magenta */
	[10] = {0x80, 0x80, 0x00},       /* olive   */
	[11] = {0x99, 0x99, 0x99},       /* grey    */
};

const struct viz_rgb viz_rgb_bg = {0xff, 0xff, 0xff};
const struct viz_rgb viz_rgb_stripe = {0xf5, 0xf6, 0xf7};
const struct viz_rgb viz_rgb_panel = {0xe9, 0xec, 0xef};
const struct viz_rgb viz_rgb_tab = {0xff, 0xff, 0xff};
const struct viz_rgb viz_rgb_text = {0x21, 0x25, 0x29};
const struct viz_rgb viz_rgb_dim = {0x6c, 0x75, 0x7d};
const struct viz_rgb viz_rgb_grid = {0xe3, 0xe5, 0xe8};
const struct viz_rgb viz_rgb_cursor = {0xe0, 0x10, 0x10};
const struct viz_rgb viz_rgb_mark = {0x00, 0x00, 0x00};
const struct viz_rgb viz_rgb_fail = {0xd6, 0x1e, 0x1e};
const struct viz_rgb viz_rgb_select = {0xd6, 0xe6, 0xfa};
const struct viz_rgb viz_rgb_accent = {0x1f, 0x5f, 0xbf};
const struct viz_rgb viz_rgb_event = {0x88, 0x22, 0x55};
