/* `asynclab completion`: a bash completion script, generated from the
 * command line's own tables (al_cli_cmd_name, al_cli_option), so that a
 * new option completes without anyone editing a script.  `make install`
 * installs its output as share/bash-completion/completions/asynclab. */
#ifndef AL_COMPLETION_H
#define AL_COMPLETION_H

#include <stdio.h>

/* Writes the script to out: 0. */
int al_completion_bash(FILE *out);

#endif
