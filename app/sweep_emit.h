/* A sweep beyond one machine (docs/sweep.md, "Beyond one machine").
 *
 * `sweep ... --emit DIR` runs nothing: it writes DIR/scenario.yaml (the
 * scenario, copied, so a host needs only DIR), DIR/sweep.txt (the sweep:
 * its --vary lists, seeds and models, for merge) and DIR/jobs.txt, one
 * `asynclab run` command a line, task t writing DIR/tNNNNNN.json and
 * DIR/tNNNNNN.csv.  Any runner runs the lines (GNU parallel, a Slurm
 * array); `asynclab merge DIR` then reads the CSVs back in task order
 * and prints what the direct sweep's --csv prints, byte for byte, or
 * draws its --png. */
#ifndef AL_SWEEP_EMIT_H
#define AL_SWEEP_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "app/cli.h"
#include "app/sweep.h"
#include "core/al_scenario.h"

/* Writes the job list of a checked sweep of the scenario named name:
 * nseeds seeds from seed0 (the scenario's when !cli->seeds_set), the
 * models in order.  0, or -1 with
 * err = "--emit DIR: why". */
int al_sweep_emit(const struct al_cli *cli, const char *name, const struct al_sweep_axis *ax,
		  int nax,
		  int nseeds, uint64_t seed0, const enum al_model *models, int nmodels,
		  char *err, size_t errlen);

/* `asynclab merge DIR` with the outputs of a sweep (the table, --markdown,
 * --csv, --json, --png): 0, 1 (a job's result is missing, or a page
 * failed), 2 (bad input). */
int al_cmd_merge(const struct al_cli *cli, bool bold);

#endif
