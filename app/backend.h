/* Backends as objects: where a model runs.  One const descriptor per
 * backend -- al_backend_sim (the simulated machine, sim/sim_run.h) and
 * al_backend_real (real sockets against our origin server or a target,
 * net/net_run.h) -- so that `run` runs every model the same way on
 * either, with no branch per backend and per trace.  A backend's state
 * sits behind one pointer: none for the simulator, the caller's struct
 * real_net for real runs (which `run` reads after stop: the path taken,
 * the emulator's counters).  Callers go through the wrappers below. */
#ifndef AL_BACKEND_H
#define AL_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "net/net_run.h"
#include "net/net_target.h"
#include "core/al_report.h"
#include "core/al_scenario.h"
#include "core/al_trace.h"

/* What starting a backend may be told (the real one's: the sim ignores it). */
struct al_backend_opts {
	const struct al_target *target;  /* crawl another server; NULL: ours */
	enum real_path path;             /* how to reach ours */
};

struct al_backend {
	const char *name;            /* "sim", "real": the report's net */
	const char *label;           /* before a model's name in messages */
	bool parallel;               /* models may run at once, each in a process */
	/* Makes ready to run sc's models: 0, or -1 with err (stop is safe
	 * either way). */
	int (*start)(void *state, const struct al_scenario *sc,
		     const struct al_backend_opts *o, char *err, size_t errlen);
	/* Runs model m of sc into out, recording into trace (initialised by
	 * the caller; NULL: not kept).  The contract of sim_run_model and
	 * real_run_model: 0 (err a note or empty), or -1 with errno (EDEADLK:
	 * out still filled) and err. */
	int (*run)(void *state, const struct al_scenario *sc, enum al_model m,
		   struct al_report *out, struct al_trace *trace, char *err, size_t errlen);
	/* After model m's run (r its row, or NULL when it has none): 1 when
	 * the backend itself broke during it (a real run's server, link or
	 * emulator died: r's network failures become 'died', and it says so),
	 * so the models after it cannot run; else 0.  NULL: never breaks. */
	int (*broke)(void *state, enum al_model m, struct al_report *r);
	void (*stop)(void *state);
};

extern const struct al_backend al_backend_sim, al_backend_real;

static inline int al_backend_start(const struct al_backend *be, void *state,
				   const struct al_scenario *sc,
				   const struct al_backend_opts *o, char *err, size_t errlen)
{
	return be->start ? be->start(state, sc, o, err, errlen) : 0;
}

static inline int al_backend_run(const struct al_backend *be, void *state,
				 const struct al_scenario *sc, enum al_model m,
				 struct al_report *out, struct al_trace *trace, char *err,
				 size_t errlen)
{
	return be->run(state, sc, m, out, trace, err, errlen);
}

static inline int al_backend_broke(const struct al_backend *be, void *state, enum al_model m,
				   struct al_report *r)
{
	return be->broke ? be->broke(state, m, r) : 0;
}

static inline void al_backend_stop(const struct al_backend *be, void *state)
{
	if (be->stop)
		be->stop(state);
}

#endif
