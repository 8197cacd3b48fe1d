/* What `run` writes besides its report: --save (a run file), --trace
 * (Perfetto JSON), --png (the timelines, headless), --view (the window). */
#ifndef APP_OUTPUTS_H
#define APP_OUTPUTS_H

#include "app/cli.h"
#include "viz/viz_run.h"

/* Fills run's description: its backend, the scenario as run, the cores of
 * the machine it ran on. */
void al_run_describe(struct viz_run *run, const char *net, const struct al_scenario *sc,
		     int cores);

/* Checks what the outputs can check before anything runs (the --png
 * size, a display for the window): 0, or 2 with a message. */
int al_outputs_check(const struct al_cli *cli);

/* Writes every output cli asks for from runs[0..nruns): 0, or 1 when one
 * could not be written (said on stderr). */
int al_run_outputs(const struct al_cli *cli, const struct viz_run *runs, int nruns);

/* The timeline window on runs (--view, `view`): returns the exit status,
 * 0, or 1 with a message when the window could not open or draw (no
 * display is found earlier, by al_outputs_check). */
int al_view_window(const struct al_cli *cli, const struct viz_run *runs, int nruns);

#endif
