/* `asynclab compare A B`: two results -- run files (`run --save`) or the
 * JSON of `run --json` -- and, for each model in both, how B differs from
 * A in % of A: elapsed, pages/s, CPU busy, peak memory, context switches
 * and the p99 of a page's total time.  A run file with both backends
 * (--net both) gives its first. */
#ifndef AL_COMPARE_H
#define AL_COMPARE_H

#include <stdbool.h>

#include "app/cli.h"

/* 0, or 2 (bad input: unreadable, neither kind, no model in common). */
int al_cmd_compare(const struct al_cli *cli, bool bold);

#endif
