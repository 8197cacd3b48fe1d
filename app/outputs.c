/* `run --save / --trace / --png / --view`: the same runs, kept with their
 * traces, written or shown once the report is out. */
#include "app/outputs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/exports.h"
#include "core/al_write.h"
#include "viz/viz_file.h"
#include "viz/viz_perfetto.h"
#include "viz/viz_png.h"
#include "viz/viz_window.h"

/* --png without --size: room for the seven models of the article */
#define PNG_W 1600
#define PNG_H 1200

void al_run_describe(struct viz_run *run, const char *net, const struct al_scenario *sc,
		     int cores)
{
	snprintf(run->net, sizeof run->net, "%s", net);
	run->sc = *sc;
	run->cores = cores;
}

/* path made absolute, links resolved, whether the file exists yet or not
 * (then its directory is resolved): one spelling per file. */
static void canonical(char *path, size_t len)
{
	char buf[PATH_MAX], *slash;
	const char *base;

	if (realpath(path, buf)) {
		snprintf(path, len, "%s", buf);
		return;
	}
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (slash)
		*slash = '\0';
	if (realpath(slash ? (*path ? path : "/") : ".", buf)) {
		size_t nd = strcmp(buf, "/") == 0 ? 0 : strlen(buf), nb = strlen(base);

		if (nd + 1 + nb < len) {
			memmove(path + nd + 1, base, nb + 1);   /* base lies in path */
			memcpy(path, buf, nd);
			path[nd] = '/';
			return;
		}
	}
	if (slash)
		*slash = '/';
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether the output at real (resolved; st when have_st) is one of the
 * files being run or viewed: every one of view's files. */
static int is_input(const struct al_cli *cli, const char *real, const struct stat *st,
		    int have_st)
{
	const char *one = cli->scenario;
	const char *const *files = cli->nfiles > 0 ? cli->files : &one;
	int n = cli->nfiles > 0 ? cli->nfiles : cli->scenario != NULL;

	for (int i = 0; i < n; i++) {
		char in[PATH_MAX];
		struct stat st_in;

		if (!realpath(files[i], in))
			continue;
		if (strcmp(real, in) == 0 ||
		    (have_st && stat(in, &st_in) == 0 && same_file(&st_in, st)))
			return 1;
	}
	return 0;
}

int al_outputs_check(const struct al_cli *cli)
{
	if (cli->png_path && cli->size_set &&
	    (cli->width < VIZ_PNG_MIN_W || cli->height < VIZ_PNG_MIN_H ||
	     cli->width > VIZ_PNG_MAX || cli->height > VIZ_PNG_MAX)) {
		fprintf(stderr, "asynclab: --size %dx%d: a PNG is %dx%d to %dx%d pixels\n",
			cli->width, cli->height, VIZ_PNG_MIN_W, VIZ_PNG_MIN_H, VIZ_PNG_MAX,
			VIZ_PNG_MAX);
		return 2;
	}
	if (al_exports_check(cli) != 0)
		return 2;
	/* every file to write: writable, a regular file or none yet, and each
	 * its own -- not the file being run or viewed, not another output's
	 * ("-" is stdout) */
	const char *csv = cli->csv_path && strcmp(cli->csv_path, "-") ? cli->csv_path : NULL;
	const char *out[] = {cli->save_path, cli->trace_path, cli->png_path, cli->shot_path,
			     cli->json_path, csv};
	const char *opt[] = {"--save", "--trace", "--png", "--shot", "--json", "--csv"};
	enum { NOUT = sizeof out / sizeof out[0] };
	char real[NOUT][PATH_MAX];
	struct stat st_out[NOUT];
	int have_out[NOUT] = {0};
	for (int i = 0; i < NOUT; i++) {
		char why[PATH_MAX + 128], first[PATH_MAX];
		const char *d = out[i] ? strstr(out[i], "%d") : NULL;

		if (!out[i])
			continue;
		/* --shot's first screenshot stands for them all */
		if (d && i == 3 && snprintf(first, sizeof first, "%.*s1%s", (int)(d - out[i]),
					    out[i], d + 2) < (int)sizeof first)
			out[i] = first;
		if (al_write_check(out[i], real[i], sizeof real[i], why, sizeof why) != 0) {
			fprintf(stderr, "asynclab: %s %s\n", opt[i], why);
			return 2;
		}
		canonical(real[i], sizeof real[i]);
		/* one file under two names: the same path, or (hard links) the
		 * same inode */
		have_out[i] = stat(real[i], &st_out[i]) == 0;
		if (is_input(cli, real[i], &st_out[i], have_out[i])) {
			fprintf(stderr, "asynclab: %s %s: %s; write elsewhere\n", opt[i], out[i],
				cli->cmd == AL_CLI_VIEW ? "the file being viewed"
							: "the scenario being run");
			return 2;
		}
		for (int k = 0; k < i; k++)
			if (out[k] && (strcmp(real[k], real[i]) == 0 ||
				       (have_out[k] && have_out[i] &&
					same_file(&st_out[k], &st_out[i])))) {
				fprintf(stderr, "asynclab: %s and %s both write %s\n", opt[k], opt[i],
					out[i]);
				return 2;
			}
	}
	/* a window asked for where none can open: said now, not after the run */
	int window = cli->cmd == AL_CLI_VIEW ? !cli->png_path && !cli->trace_path : cli->view;
	char err[256];
	if (cli->size_set && !cli->png_path && !window) {
		fprintf(stderr, "asynclab: --size is the size of --png's picture or of the window: "
			"give --png FILE or --view\n");
		return 2;
	}
	if (cli->shot_path && !window) {
		fprintf(stderr, "asynclab: --shot is where F12 in the window writes: it needs the "
			"window (%s)\n", cli->cmd == AL_CLI_VIEW ? "view without --png or --trace"
							    : "--view");
		return 2;
	}
	if (window && viz_window_display(err, sizeof err) != 0) {
		fprintf(stderr, "asynclab: %s: %s\n", cli->cmd == AL_CLI_VIEW ? "view" : "--view",
			err);
		return 2;
	}
	return 0;
}

/* The files are written as one set (core/al_write.h): all of them, or,
 * when one cannot be written, none -- never a --save of this run next to
 * a --trace of the last. */
int al_run_outputs(const struct al_cli *cli, const struct viz_run *runs, int nruns)
{
	struct al_write_set set = {0};
	char err[512];
	int w = cli->size_set ? cli->width : PNG_W, h = cli->size_set ? cli->height : PNG_H;
	const char *failed = NULL;

	/* several runs: the picture as tall as their bands need (a PNG does
	 * not scroll), or a note when --size cut them */
	if (cli->png_path && nruns > 1) {
		int fit = viz_png_fit_height(runs, nruns, w, h, 0);

		if (fit > h && !cli->size_set)
			h = fit;
		else if (fit > h)
			fprintf(stderr, "asynclab: note: %s: at %dx%d the later runs are cut off; "
				"--size %dx%d shows them all\n", cli->png_path, w, h, w, fit);
	}

	if (cli->save_path && viz_file_save(&set, cli->save_path, runs, nruns, err, sizeof err))
		failed = "--save";
	else if (cli->trace_path &&
		 viz_perfetto_save(&set, cli->trace_path, runs, nruns, err, sizeof err))
		failed = "--trace";
	/* run --models already chose what ran; view --models chooses among
	 * what was saved */
	else if (cli->png_path &&
		 viz_png_write(&set, cli->png_path, runs, nruns, w, h, 0, err, sizeof err))
		failed = "--png";
	else if (al_write_commit(&set, err, sizeof err))
		failed = "writing";
	if (failed) {
		al_write_abort(&set);
		fprintf(stderr, "asynclab: %s %s\n", failed, err);
		if (strcmp(failed, "writing") != 0 &&
		    (cli->save_path != NULL) + (cli->trace_path != NULL) + (cli->png_path != NULL) > 1)
			fprintf(stderr, "asynclab: none of the outputs written\n");
		return 1;
	}
	if (cli->save_path)
		fprintf(stderr, "asynclab: saved the run to %s (asynclab view %s)\n", cli->save_path,
			cli->save_path);
	if (cli->trace_path)
		fprintf(stderr, "asynclab: wrote %s (open it in ui.perfetto.dev)\n", cli->trace_path);
	if (cli->png_path)
		fprintf(stderr, "asynclab: drew %s (%dx%d)\n", cli->png_path, w, h);
	return cli->view ? al_view_window(cli, runs, nruns) : 0;
}

int al_view_window(const struct al_cli *cli, const struct viz_run *runs, int nruns)
{
	struct viz_window_opts o = {
		.models = cli->cmd == AL_CLI_VIEW ? cli->models : 0,
		.w = cli->size_set ? cli->width : 0, .h = cli->size_set ? cli->height : 0,
		.shot = cli->shot_path,
	};
	char err[512];

	if (viz_window_run(runs, nruns, &o, err, sizeof err) != 0) {
		fprintf(stderr, "asynclab: view: %s\n", err);
		return 1;
	}
	return 0;
}
