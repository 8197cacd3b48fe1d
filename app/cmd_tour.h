/* `asynclab tour` (README.md, "A guided tour"; docs/tour.md). */
#ifndef APP_CMD_TOUR_H
#define APP_CMD_TOUR_H

#include "app/cli.h"

/* Simulates the built-in scenario under each model and C10K, then shows
 * the steps in a window, or with --out DIR writes DIR/NN-name.png and
 * DIR/tour.md.  Returns the exit status (2: bad input, such as --lang zh
 * without a CJK font). */
int al_cmd_tour(const struct al_cli *cli);

#endif
