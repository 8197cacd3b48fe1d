/* `run -j N`: a scenario's models simulated in parallel processes.
 *
 * Each model's simulation is deterministic and shares nothing with the
 * others, so it can run in a child process; the parent takes the results
 * back in model order, with what the child wrote to stderr, and prints
 * them exactly as a serial run does: stdout, --json and --trace files are
 * byte-identical to -j 1.  Real runs are never run this way (they share
 * this machine's sockets and cores, which is what they measure). */
#ifndef RUN_JOBS_H
#define RUN_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/al_report.h"
#include "core/al_scenario.h"
#include "core/al_trace.h"

/* One model's outcome, as sim_run_model gives it. */
struct run_job {
	bool done;                   /* the result below was filled */
	int ok;                      /* sim_run_model returned 0 */
	int saved_errno;             /* its errno, when !ok */
	char err[512];
	struct al_report report;
	struct al_trace trace;       /* with trace: the recorded one (caller frees) */
	char *log;                   /* what the child wrote to stderr (malloc) */
	size_t loglen;
};

/* The number of processes to use for jobs (0: this machine's cores). */
int run_jobs_count(int jobs);

/* Simulates every enabled model of sc, up to `jobs` at once, as many as
 * this machine's available memory holds (twice each model's
 * sim_run_footprint, within three quarters of MemAvailable; one always
 * runs), into out[model].  With trace, each model's trace is recorded (mode as
 * sc->trace says) and handed back.  A child that dies (a signal, or no
 * result) leaves its model with ok 0 and an err saying so.  Returns 0, or
 * -1 with errno if no child could be started at all (then nothing was
 * run: the caller runs serially). */
int run_jobs_sim(const struct al_scenario *sc, bool trace, int jobs,
		 struct run_job out[AL_MODEL_COUNT]);

#endif
