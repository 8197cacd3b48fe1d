/* `asynclab run --seeds A..B` (the simulator, one run per seed) and
 * `asynclab run --net real --runs N [--warmup K]` (the same run N times
 * after K discarded ones): per model, the mean, standard deviation, min
 * and max of each figure of the report, as a table or as JSON
 * (docs/repeat.md). */
#ifndef AL_REPEAT_H
#define AL_REPEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/cli.h"
#include "core/al_report.h"

/* The running summary of one figure: Welford's mean and M2, in the order
 * the runs came (so a simulated summary prints the same bytes each time). */
struct al_stat {
	int64_t n;
	double mean, m2, min, max;
};

void al_stat_add(struct al_stat *s, double v);
/* The sample standard deviation (n - 1); 0 for fewer than 2 runs. */
double al_stat_sd(const struct al_stat *s);

/* Runs cli's repetitions of sc (loaded, --set, --models and --seed
 * applied).  Returns the exit status: 0, 1 (a run failed a page or a model
 * could not run), 2 (options that do not go together, said on stderr). */
int al_cmd_repeat(const struct al_cli *cli, struct al_scenario *sc, bool bold);

#endif
