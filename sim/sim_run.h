/* Runs one model of a scenario on the simulated machine: the glue between
 * models/ and sim/, the one file of sim/ that includes models/. */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/al_report.h"
#include "core/al_scenario.h"
#include "core/al_trace.h"

/* What a simulation of sc's enabled models needs of this machine's memory,
 * at least, while the model that needs most runs: its fd table (as far
 * as its pages and workers can fill it), the tasks and frames it makes per page,
 * and, with the trace on, its records -- per page as a run of the same
 * scenario cut to 500 pages records them -- plus, when keep (run's
 * --save, --trace, --png, --view keep every model's trace), the traces of
 * the models run before it.  Other structures follow the pages in flight
 * and are left out. */
struct sim_footprint {
	enum al_model model;         /* the model that needs most */
	int64_t fds, frames, trace;  /* bytes */
	int64_t kept;                /* the earlier models' traces, kept */
};
int64_t sim_run_footprint(const struct al_scenario *sc, bool keep, struct sim_footprint *fp);

/* Whether that fits this machine's available memory (/proc/meminfo's
 * MemAvailable): 0; or 2 with a message in msg saying what it needs,
 * part by part, and what to change. */
/* The host's MemAvailable in bytes, or 0 when unknown. */
int64_t sim_run_mem_available(void);
int sim_run_fits(const struct al_scenario *sc, bool keep, char *msg, size_t len);

/* Runs model m of sc on a fresh simulated machine and fills out.  trace:
 * where to record (NULL: hash only when sc->trace is off, as the report
 * still carries trace_hash).  Returns 0 on success (pages may still have
 * failed: see out->pages_failed); -1 with errno ENOSYS if the model is not
 * implemented yet, EDEADLK if every task blocked with nothing pending (err
 * says who waits on what; the unfinished pages count as failed), or
 * ENOMEM.  A run that returns 0 may leave a note in err (a pool short of
 * workers: al_crawl_note; the clock reached its horizon: the unfinished
 * pages failed, cause other); else err is empty. */
int sim_run_model(const struct al_scenario *sc, enum al_model m, struct al_report *out,
		  char *err, size_t errlen);
int sim_run_model_traced(const struct al_scenario *sc, enum al_model m,
			 struct al_report *out, struct al_trace *trace, char *err,
			 size_t errlen);

/* Progress of the model running: called every few hundred thousand
 * events with the pages ended so far (for a progress bar); NULL: none. */
typedef void (*sim_run_progress_fn)(void *arg, enum al_model m, int64_t ended,
				    int64_t pages);
void sim_run_on_progress(sim_run_progress_fn fn, void *arg);

#endif
