/* What the timelines show: one or more runs of one scenario (the simulator's,
 * a real one, or both side by side), each a list of models with the report
 * row and the trace of each.  Plain data: app/ fills it from a run or from
 * a saved file (viz_file.h); the viewer, the PNG and the Perfetto export
 * read it and never run anything.
 *
 * A trace's spans follow from its STATE events: lane L is in state s from
 * an event's t until L's next STATE event (or the end of the run).  Lane 0
 * is the machine: counters live there. */
#ifndef VIZ_RUN_H
#define VIZ_RUN_H

#include <stdint.h>

#include "core/al_report.h"
#include "core/al_scenario.h"
#include "core/al_trace.h"

/* Runs one scene holds: a run and its --net both twin, several files, a
 * run per seed.  The cap is memory's: every run's traces stay whole in
 * memory while the viewer is open, and the scene and each frame (on the
 * stack) keep a track and a section per run and model in fixed arrays;
 * 16 runs of every model is already 160 sections, about 6 px each on a
 * 1080-row picture. */
#define VIZ_MAX_RUNS 16

struct viz_model {
	struct al_report report;     /* report.model says which model */
	struct al_trace trace;       /* RECORD mode; owned */
};

struct viz_run {
	char net[8];                 /* "sim" or "real" */
	char label[64];              /* what a scene of more than two runs calls
	                                it (a file, a seed); "": "run N" */
	struct al_scenario sc;       /* the scenario as run (seed included) */
	int cores;                   /* of the machine it ran on (real: this one's) */
	int nmodels;
	struct viz_model models[AL_MODEL_COUNT];   /* in enum al_model order */
};

/* Frees every model's trace; the run is then empty (nmodels 0). */
void viz_run_free(struct viz_run *run);

/* The end of a model's run: its elapsed time, or its latest event's time if
 * later (ns). */
int64_t viz_model_end(const struct viz_model *m);

#endif
