/* `asynclab serve`: the origin server alone, until SIGINT or SIGTERM. */
#ifndef AL_CMD_SERVE_H
#define AL_CMD_SERVE_H

#include "app/cli.h"

/* Runs cli (cmd AL_CLI_SERVE): loads the scenario (or the default), listens
 * on 127.0.0.1 at --port (0 or none: an ephemeral port), prints
 * "asynclab serve: listening on http://127.0.0.1:PORT (scenario NAME)" on
 * stdout and flushes it -- a parent waits for that line -- then serves until
 * SIGINT or SIGTERM and prints a one-line summary on stderr.  Returns the
 * exit status: 0 after a signal, 1 the port cannot be listened on (in use,
 * privileged) or the loop failed, 2 the scenario does not load. */
int al_cmd_serve(const struct al_cli *cli);

#endif
