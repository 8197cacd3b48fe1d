/* `asynclab sweep [SCENARIO] --vary KEY=LIST [--vary KEY2=LIST] ...`: the
 * scenario simulated at every point of one or two varied keys (and every
 * seed of --seeds), one row per point and model (docs/sweep.md).
 *
 * LIST is values (`10,100,1k`, each as a scenario file would write it) or
 * a range, `A..B*F` (A, A·F, A·F² ... up to B) or `A..B+S` (A, A+S ...),
 * the bounds and step in the key's unit (`0ms..200ms+50ms`).  Points run
 * in -j processes (default: the cores); the output is the serial run's,
 * byte for byte. */
#ifndef AL_SWEEP_H
#define AL_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "app/cli.h"

#define AL_SWEEP_MAX_VALUES 1000     /* per --vary */
#define AL_SWEEP_VALUE_LEN 48

/* One --vary: the key and its values, as --set would take them. */
struct al_sweep_axis {
	char key[64];
	int n;
	char (*vals)[AL_SWEEP_VALUE_LEN];
};

/* Reads "KEY=LIST" into ax (vals malloc'd: al_sweep_axis_free).  0, or -1
 * with err = "--vary KEY=LIST: why". */
int al_sweep_axis_parse(const char *arg, struct al_sweep_axis *ax, char *err, size_t errlen);
void al_sweep_axis_free(struct al_sweep_axis *ax);

/* The command: 0, 1 (a page failed, a model could not run), 2 (bad input). */
int al_cmd_sweep(const struct al_cli *cli, bool bold);

#endif
