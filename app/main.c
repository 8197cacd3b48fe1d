/* asynclab: the command.  Parses the arguments, then hands over to one
 * command; every path ends in one of three exit statuses (0 ok, 1 a run
 * failed, 2 bad input), as README.md says. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/cmd_calibrate.h"
#include "app/cmd_run.h"
#include "app/cmd_view.h"
#include "app/cmd_serve.h"
#include "app/cmd_tour.h"
#include "conf/scenario.h"
#include "sim/sim_run.h"
#include "app/sweep.h"
#include "app/sweep_emit.h"
#include "app/compare.h"
#include "app/completion.h"
#include "report/timeview.h"
#include "app/usage.h"

enum { EXIT_OK = 0, EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

/* Bold headers only on a terminal, and never when NO_COLOR is set
 * (https://no-color.org). */
static bool want_bold(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && !(nc && nc[0]);
}

static int check(const struct al_cli *cli)
{
	const char *path = cli->scenario;
	struct al_scenario sc;
	char err[512];

	if (al_scenario_load_file(path, &sc, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BAD_INPUT;
	}
	if (al_scenario_set(&sc, cli->sets, cli->nsets, err, sizeof err) < 0) {
		fprintf(stderr, "asynclab: check: %s\n", err);
		return EXIT_BAD_INPUT;
	}
	al_scenario_summary(stdout, &sc);
	/* what the simulator cannot hold here is refused now, not left to
	 * the OOM killer */
	if (sim_run_fits(&sc, false, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		return EXIT_BAD_INPUT;
	}
	return EXIT_OK;
}

static int dispatch(const struct al_cli *cli)
{
	switch (cli->cmd) {
	case AL_CLI_HELP:
		al_usage_print(stdout, cli->help_on);
		return EXIT_OK;
	case AL_CLI_VERSION:
		printf("asynclab %s\n", AL_VERSION);
		return EXIT_OK;
	case AL_CLI_RUN:
		return al_cmd_run(cli, want_bold());
	case AL_CLI_CHECK:
		return check(cli);
	case AL_CLI_SERVE:
		return al_cmd_serve(cli);
	case AL_CLI_CALIBRATE:
		return al_cmd_calibrate(cli, want_bold());
	case AL_CLI_TIMEVIEW:
		al_timeview_print(stdout, cli->ghz, want_bold());
		return EXIT_OK;
	case AL_CLI_VIEW:
		return al_cmd_view(cli);
	case AL_CLI_SWEEP:
		return al_cmd_sweep(cli, want_bold());
	case AL_CLI_TOUR:
		return al_cmd_tour(cli);
	case AL_CLI_MERGE:
		return al_cmd_merge(cli, want_bold());
	case AL_CLI_COMPARE:
		return al_cmd_compare(cli, want_bold());
	case AL_CLI_COMPLETION:
		return al_completion_bash(stdout);
	default:
		return EXIT_BAD_INPUT;
	}
}

int main(int argc, char **argv)
{
	struct al_cli cli;
	char err[512];
	int status;

	if (argc < 2) {
		al_usage_print(stderr, AL_CLI_NONE);
		return EXIT_BAD_INPUT;
	}
	if (al_cli_parse(argc, argv, &cli, err, sizeof err) < 0) {
		const char *name = al_cli_cmd_name(cli.cmd);

		fprintf(stderr, "asynclab: %s\n", err);
		if (name)
			fprintf(stderr, "try 'asynclab %s --help'\n", name);
		else
			fprintf(stderr, "try 'asynclab --help'\n");
		return EXIT_BAD_INPUT;
	}
	status = dispatch(&cli);
	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("asynclab: writing the output");
		return status ? status : EXIT_RUN_FAILED;
	}
	return status;
}
