/* `asynclab run`: load the scenario, run each enabled model, report. */
#ifndef AL_CMD_RUN_H
#define AL_CMD_RUN_H

#include <stdbool.h>

#include "app/cli.h"

/* Runs cli (cmd AL_CLI_RUN) and
 * prints the report to stdout, messages to stderr.  Returns the exit status:
 * 0 every page ok, 1 a page failed or a model's run errored, 2 bad input
 * (the scenario does not load, --models selects nothing, or only models
 * this version does not have were asked for).  bold: table header in bold. */
int al_cmd_run(const struct al_cli *cli, bool bold);

#endif
