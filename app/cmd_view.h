/* `asynclab view SCENARIO|FILE` (README.md, "Usage"). */
#ifndef APP_CMD_VIEW_H
#define APP_CMD_VIEW_H

#include "app/cli.h"

/* Opens the timelines of a run file or of a scenario simulated first; with
 * --png / --trace, exports them instead.  Returns the exit status. */
int al_cmd_view(const struct al_cli *cli);

#endif
