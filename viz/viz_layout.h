/* The timelines' data, laid out once per scene: from one or more runs
 * (viz_run.h), per run and model a track — its lanes in tree order (a
 * process, its threads, their tasks), each lane's spans in an array sorted
 * by time, the counter series — and the time extent of everything.
 *
 * Building costs one pass over each trace plus a sort of each lane's
 * events (real traces are only roughly time-ordered); drawing a frame then
 * never touches the trace again.  The spans of a lane are contiguous, so
 * the visible ones are found by binary search, and the two level-of-detail
 * reducers below turn them into one value per pixel column: the dominant
 * state of one lane, or the share of each state over a band of lanes that
 * share a pixel row.  Geometry (where a lane is on screen) is viz_view.h's. */
#ifndef VIZ_LAYOUT_H
#define VIZ_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_trace.h"
#include "viz/viz_run.h"

/* A column no span covers most of (the lane does not exist there, or is
 * done): not an enum al_state. */
#define VIZ_NONE 0xff

/* The lane is in `state` over [t0, t1) (ns); bytes: what the state moved
 * (a running span that sent or received; saturates at UINT32_MAX).
 * Invariant: t0 < t1, and a lane's spans are sorted and never overlap. */
struct viz_span {
	int64_t t0, t1;
	uint32_t bytes;
	uint8_t state;               /* enum al_state, never AL_ST_DONE */
};

struct viz_lane {
	uint32_t id;                 /* the trace's lane id */
	uint32_t parent;             /* the trace's id of the parent lane */
	uint32_t ordinal;
	uint16_t name;               /* in the track's trace name table */
	uint8_t kind;                /* enum al_lane_kind */
	uint8_t depth;               /* 0: a top-level lane */
	uint32_t page;               /* a task lane: 1 + the one page its connects
					fetch (it is named by it); 0: none, or
					several */
	uint32_t first, n;           /* its spans: track->spans[first .. first+n) */
	int64_t life0, life1;        /* from the first to the last span of the lane
	                                and its subtree (a process without states
	                                of its own lives as long as its threads) */
};

/* A counter's samples, sorted by time: the value is v[i] from t[i] on. */
struct viz_series {
	int64_t *t, *v;
	size_t n;
	int64_t max;
};

/* An instant on a lane: a page that failed, with its cause. */
struct viz_mark {
	int64_t t;
	int64_t value;               /* the page */
	uint32_t lane;               /* index in the track's lanes */
	uint16_t name;               /* in the track's trace name table */
};

struct viz_track {
	int run;                     /* index in the scene's runs */
	enum al_model model;
	const struct viz_model *src; /* the report row and the trace (names) */
	struct viz_lane *lanes;      /* tree order: depth-first, children by id */
	uint32_t nlanes;
	struct viz_span *spans;      /* every lane's, lane after lane */
	size_t nspans;
	struct viz_series ctr[AL_CTR_COUNT];
	struct viz_mark *marks;      /* by time; on lanes the track shows */
	size_t nmarks;
	int64_t end;                 /* viz_model_end(): spans end by then */
};

struct viz_paint;                    /* the drawer's cache: viz_draw.h */

struct viz_scene {
	int nruns;
	const struct viz_run *runs[VIZ_MAX_RUNS];   /* borrowed: outlive the scene */
	int ntracks;
	struct viz_track tracks[VIZ_MAX_RUNS * AL_MODEL_COUNT]; /* run by run,
	                                                   models in enum order */
	int64_t t_end;               /* the extent is [0, t_end] ns */
	double ghz;                  /* run 0's machine.hz / 1e9 (CPU time view) */
	int twins;                   /* two runs of different nets (a --net both
	                                run): the sim | real tab; other scenes
	                                of several runs get the runs tab */
	int ghz_mixed;               /* some run's machine.hz is not run 0's */
	int events_mixed;            /* some run's timed events are not run 0's:
	                                no one place on a shared axis */
	uint32_t nlanes;             /* totals over every track */
	size_t nspans;
	const char *font_sans;       /* TrueType files; a missing one: no text */
	const char *font_mono;
	struct viz_paint *paint;     /* owned by viz_draw; NULL until drawn */
};

#define VIZ_FONT_SANS "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define VIZ_FONT_MONO "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

/* Builds the scene of runs[0 .. nruns) (1 <= nruns <= VIZ_MAX_RUNS).  The
 * runs are borrowed and must not change while the scene lives.  Returns 0,
 * or -1 with errno EINVAL (bad arguments) or ENOMEM and a message in err. */
int viz_layout_build(struct viz_scene *s, const struct viz_run *runs, int nruns,
		     char *err, size_t errlen);
/* Frees what build allocated, and the drawer's cache (viz_draw_release():
 * call it while the renderer that drew the scene still exists). */
void viz_layout_free(struct viz_scene *s);

/* The track of model m in run `run`, or NULL if that run did not run it. */
const struct viz_track *viz_layout_track(const struct viz_scene *s, int run,
					 enum al_model m);
/* Run `run`'s CPU in GHz, for the CPU time view (1 when it says none). */
double viz_layout_run_ghz(const struct viz_scene *s, int run);
/* How run `run` is named in headers, rows and tooltips: its net ("sim",
 * "real") in a scene of one run or of twins; else its label, or "run N". */
void viz_layout_run_name(const struct viz_scene *s, int run, char *buf, size_t len);
/* A lane's label: "fetch #12", or the bare name when the ordinal is 0. */
void viz_layout_lane_label(const struct viz_track *tr, const struct viz_lane *l,
			   char *buf, size_t len);
/* The index (in tr->spans) of the lane's first span ending after t: where
 * a window starting at t begins.  l->first + l->n if none. */
size_t viz_layout_span_from(const struct viz_track *tr, const struct viz_lane *l,
			    int64_t t);
/* The span covering t, as an index in tr->spans, or -1. */
long viz_layout_span_at(const struct viz_track *tr, const struct viz_lane *l,
			int64_t t);
/* The counter's value at t (0 before its first sample). */
int64_t viz_layout_counter_at(const struct viz_series *c, int64_t t);

/* Level of detail for one lane: column c covers
 * [t0 + c * ns_per_col, t0 + (c + 1) * ns_per_col); out[c] gets the state
 * that covers most of it, or VIZ_NONE when more of it is covered by
 * nothing.  Spans are cut at `until` (the playback cursor; INT64_MAX: no
 * cut).  O(visible spans + ncols). */
void viz_layout_lane_columns(const struct viz_track *tr, const struct viz_lane *l,
			     int64_t t0, double ns_per_col, int ncols, int64_t until,
			     uint8_t *out);

/* Level of detail for a band of lanes sharing a pixel row: lanes
 * tr->lanes[a .. b).  Over the same columns, the share of the band's
 * lane-time that each state takes (at most 1 in all; the rest is nothing),
 * projected on a 3-vector per state:
 *   out[k * ncols + c] = sum over states s of share_s(c) * weight[s][k]
 * so the drawer passes colour differences and gets the blended colour,
 * and a test passes one-hot vectors and gets the shares.  out: 3 planes
 * of ncols floats, all written.  work: 6 * (ncols + 1) floats, zero on entry and
 * left zero.  Cost: O(visible spans of the band + ncols), whatever the
 * number of states. */
void viz_layout_band_mix(const struct viz_track *tr, uint32_t a, uint32_t b,
			 int64_t t0, double ns_per_col, int ncols, int64_t until,
			 const float weight[AL_ST_COUNT][3], float *out, float *work);

#endif
