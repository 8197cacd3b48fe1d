/* Help texts (`asynclab --help`, `asynclab help CMD`, `asynclab CMD --help`). */
#ifndef AL_USAGE_H
#define AL_USAGE_H

#include <stdio.h>

#include "app/cli.h"

/* Prints the general help (cmd AL_CLI_NONE or AL_CLI_HELP) or one command's
 * help to out. */
void al_usage_print(FILE *out, enum al_cli_cmd cmd);

#endif
