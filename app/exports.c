/* run's exports: the report on stdout in the form asked, and the files
 * of --json=FILE and --csv FILE. */
#include "app/exports.h"

#include <stdio.h>
#include <string.h>

#include "core/al_write.h"

/* --save -, --trace - or --png -: stdout is the file, the table goes to
 * stderr. */
static bool stdout_is_a_file(const struct al_cli *cli)
{
	const char *f[] = {cli->save_path, cli->trace_path, cli->png_path};

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i] && strcmp(f[i], "-") == 0)
			return true;
	return false;
}

void al_exports_print(const struct al_cli *cli, const struct al_run_set *rs, bool bold)
{
	if (stdout_is_a_file(cli)) {
		al_report_table_as(stderr, rs, false, false);
		return;
	}
	if (cli->json) {
		al_report_json(stdout, rs);
		return;
	}
	if (cli->csv_path && strcmp(cli->csv_path, "-") == 0) {
		al_report_csv(stdout, rs, true);
		return;
	}
	al_report_table_as(stdout, rs, bold, cli->markdown);
	if (cli->latency) {
		fputc('\n', stdout);
		al_report_latency(stdout, rs, NULL, bold, cli->markdown);
	}
}

struct both {
	const struct al_run_set *a, *b;
};

static int fill_json(FILE *out, void *arg)
{
	const struct both *p = arg;

	if (p->b)
		al_report_json_both(out, p->a, p->b);
	else
		al_report_json(out, p->a);
	return 0;
}

static int fill_csv(FILE *out, void *arg)
{
	const struct both *p = arg;

	al_report_csv(out, p->a, true);
	if (p->b)
		al_report_csv(out, p->b, false);
	return 0;
}

int al_exports_write(const struct al_cli *cli, const struct al_run_set *a,
		     const struct al_run_set *b)
{
	struct both p = {a, b};
	char err[512];
	int status = 0, r;

	if (cli->json_path) {
		if ((r = al_write_file(NULL, cli->json_path, fill_json, &p, err, sizeof err)) != 0) {
			fprintf(stderr, "asynclab: --json %s\n", err);
			status = r;
		} else {
			fprintf(stderr, "asynclab: wrote %s\n", cli->json_path);
		}
	}
	if (cli->csv_path && strcmp(cli->csv_path, "-") != 0) {
		if ((r = al_write_file(NULL, cli->csv_path, fill_csv, &p, err, sizeof err)) != 0) {
			fprintf(stderr, "asynclab: --csv %s\n", err);
			status = r > status ? r : status;
		} else {
			fprintf(stderr, "asynclab: wrote %s\n", cli->csv_path);
		}
	}
	return status;
}

int al_exports_check(const struct al_cli *cli)
{
	bool csv_out = cli->csv_path && strcmp(cli->csv_path, "-") == 0;
	const char *why = NULL;

	if (cli->json && csv_out)
		why = "--json and --csv - both print on stdout: write one to a file "
		      "(--json=FILE, --csv FILE)";
	else if (cli->markdown && (cli->json || csv_out))
		why = "--markdown is the table's form: not with --json or --csv - on stdout";
	else if (cli->markdown && cli->net == AL_CLI_NET_BOTH)
		why = "--markdown: --net both's comparison has no Markdown form yet";
	else if (stdout_is_a_file(cli) && (cli->json || csv_out || cli->markdown ||
					    cli->net == AL_CLI_NET_BOTH))
		why = "--save, --trace or --png - writes stdout: not with --json, --csv -, "
		      "--markdown or --net both";
	else if (csv_out && cli->net == AL_CLI_NET_BOTH)
		why = "--csv - with --net both: the comparison stays on stdout; write the "
		      "CSV to a file (--csv FILE)";
	if (!why)
		return 0;
	fprintf(stderr, "asynclab: run: %s\n", why);
	return 2;
}
