/* `asynclab sweep`: points of one or two varied keys, each a scenario made
 * with --set's machinery, run on the simulator in -j worker processes.
 * A worker takes every j-th task and sends back its reports over a pipe;
 * the parent files them by task, so what it prints does not depend on
 * which worker was fastest. */
#include "app/sweep.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/outputs.h"
#include "app/progress.h"
#include "report/report.h"
#include "conf/scenario.h"
#include "conf/scenario_walk.h"
#include "sim/sim_run.h"
#include "app/sweep_emit.h"
#include "app/sweep_out.h"
#include "core/al_units.h"
#include "core/al_write.h"

#define MAX_TASKS 100000

/* --- lists */

static int push(struct al_sweep_axis *ax, const char *v, size_t len, const char *arg,
		char *err, size_t errlen)
{
	if (ax->n == AL_SWEEP_MAX_VALUES)
		return al_errf(err, errlen, "--vary %s: more than %d values", arg,
			       AL_SWEEP_MAX_VALUES);
	if (len == 0 || len >= AL_SWEEP_VALUE_LEN)
		return al_errf(err, errlen, "--vary %s: %s value", arg, len ? "too long a" : "an empty");
	memcpy(ax->vals[ax->n], v, len);
	ax->vals[ax->n++][len] = '\0';
	return 0;
}

/* A..B*F or A..B+S: the bounds and an added step in the first unit that
 * reads them all, the values written back exactly in it. */
static int range(struct al_sweep_axis *ax, const char *list, const char *arg, char *err,
		 size_t errlen)
{
	static const struct { enum al_quantity q; enum al_ftype t; } kinds[] = {
		{AL_Q_COUNT, AL_F_COUNT}, {AL_Q_DURATION, AL_F_DURATION},
		{AL_Q_SIZE, AL_F_SIZE}, {AL_Q_BANDWIDTH, AL_F_BANDWIDTH},
		{AL_Q_FREQUENCY, AL_F_FREQUENCY},
	};
	char a[64], b[64], st[64];
	const char *dots = strstr(list, ".."), *op = strpbrk(dots + 2, "*+");
	int64_t lo, hi, step = 0;
	double factor = 0;
	size_t k;

	if (!op || (size_t)(dots - list) >= sizeof a || (size_t)(op - dots - 2) >= sizeof b ||
	    strlen(op + 1) >= sizeof st)
		return al_errf(err, errlen, "--vary %s: a range is A..B*F or A..B+S "
			       "(10..100k*10, 0ms..200ms+50ms)", arg);
	snprintf(a, sizeof a, "%.*s", (int)(dots - list), list);
	snprintf(b, sizeof b, "%.*s", (int)(op - dots - 2), dots + 2);
	snprintf(st, sizeof st, "%s", op + 1);
	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		if (al_parse_quantity(kinds[k].q, a, &lo, NULL, 0) == 0 &&
		    al_parse_quantity(kinds[k].q, b, &hi, NULL, 0) == 0 &&
		    (*op == '*' || al_parse_quantity(kinds[k].q, st, &step, NULL, 0) == 0))
			break;
	if (k == sizeof kinds / sizeof kinds[0])
		return al_errf(err, errlen, "--vary %s: '%s', '%s'%s%s are not values of one "
			       "unit", arg, a, b, *op == '+' ? " and " : "", *op == '+' ? st : "");
	if (*op == '*') {
		char *end;
		factor = strtod(st, &end);
		if (*end || !(factor > 1) || !isfinite(factor))
			return al_errf(err, errlen, "--vary %s: the factor '%s' is not a "
				       "number above 1", arg, st);
	} else if (step <= 0) {
		return al_errf(err, errlen, "--vary %s: the step '%s' is not above 0", arg, st);
	}
	if (hi < lo)
		return al_errf(err, errlen, "--vary %s: the range ends before it starts", arg);
	for (int64_t v = lo; v <= hi;) {
		char buf[AL_SWEEP_VALUE_LEN];

		al_walk_fmt(buf, sizeof buf, kinds[k].t, v);
		if (push(ax, buf, strlen(buf), arg, err, errlen) < 0)
			return -1;
		int64_t next = *op == '*' ? (int64_t)llround((double)v * factor) : v + step;
		if (next <= v || (*op == '*' && (double)v * factor > 9e18))
			break;
		v = next;
	}
	return 0;
}

int al_sweep_axis_parse(const char *arg, struct al_sweep_axis *ax, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '='), *list = eq ? eq + 1 : "";

	memset(ax, 0, sizeof *ax);
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof ax->key)
		return al_errf(err, errlen, "--vary %s: expected KEY=LIST", arg);
	snprintf(ax->key, sizeof ax->key, "%.*s", (int)(eq - arg), arg);
	if ((ax->vals = malloc(AL_SWEEP_MAX_VALUES * sizeof *ax->vals)) == NULL)
		return al_errf(err, errlen, "--vary: out of memory");
	if (strstr(list, ".."))
		return range(ax, list, arg, err, errlen);
	for (const char *p = list;; p += strcspn(p, ",") + 1) {
		if (push(ax, p, strcspn(p, ","), arg, err, errlen) < 0)
			return -1;
		if (p[strcspn(p, ",")] == '\0')
			break;
	}
	return 0;
}

void al_sweep_axis_free(struct al_sweep_axis *ax)
{
	free(ax->vals);
	ax->vals = NULL;
}

/* --- the points */

struct sweep {
	const struct al_cli *cli;
	const struct al_scenario *base;
	struct al_sweep_axis ax[AL_CLI_MAX_VARY];
	int nax, npoints, nseeds, nmodels, ntasks;
	enum al_model models[AL_MODEL_COUNT];
	struct al_report *res;       /* [task][model] */
	char *ran;                   /* [task][model]: 1 a row, 0 could not run */
	struct al_progress prog;     /* on a terminal */
	int done;                    /* tasks finished */
};

/* Point p's value on axis a. */
static const char *value(const struct sweep *s, int p, int a)
{
	return al_sweep_value(s->ax, s->nax, p, a);
}

/* Task t's scenario: the base, the point's keys, its seed.  0, or -1 with
 * err. */
static int point(const struct sweep *s, int t, struct al_scenario *sc, char *err, size_t errlen)
{
	char sets[AL_CLI_MAX_VARY][128];
	const char *ptr[AL_CLI_MAX_VARY];
	int p = t / s->nseeds;

	*sc = *s->base;
	for (int a = 0; a < s->nax; a++) {
		snprintf(sets[a], sizeof sets[a], "%s=%s", s->ax[a].key, value(s, p, a));
		ptr[a] = sets[a];
	}
	if (al_scenario_set(sc, ptr, s->nax, err, errlen) < 0)
		return -1;
	if (s->cli->seeds_set)
		sc->seed = s->cli->seed_lo + (uint64_t)(t % s->nseeds);
	return 0;
}

/* Runs task t's models into its slots; messages go to stderr. */
static void run_task(struct sweep *s, int t)
{
	struct al_scenario *sc = malloc(sizeof *sc);
	char err[512];

	if (!sc || point(s, t, sc, err, sizeof err) < 0) {
		fprintf(stderr, "asynclab: sweep: %s\n", sc ? err : "out of memory");
		free(sc);
		return;
	}
	for (int k = 0; k < s->nmodels; k++) {
		struct al_report *r = &s->res[t * s->nmodels + k];
		int rc = sim_run_model(sc, s->models[k], r, err, sizeof err);

		if (rc == 0 || errno == EDEADLK) {
			r->model = s->models[k];
			s->ran[t * s->nmodels + k] = 1;
		}
		if (rc != 0)
			fprintf(stderr, "asynclab: sweep: %s: %s\n", al_model_name(s->models[k]),
				err[0] ? err : strerror(errno));
	}
	/* the speed-ups against this point's sync, as run computes them */
	struct al_run_set rs = {.sc = sc, .net = "sim"};
	for (int k = 0; k < s->nmodels; k++)
		if (s->ran[t * s->nmodels + k])
			rs.rows[rs.nrows++] = s->res[t * s->nmodels + k];
	al_run_set_speedups(&rs);
	for (int k = 0, i = 0; k < s->nmodels; k++)
		if (s->ran[t * s->nmodels + k])
			s->res[t * s->nmodels + k].speedup = rs.rows[i++].speedup;
	free(sc);
}

struct record {
	int32_t slot, ran;
	struct al_report r;
};

static int write_all(int fd, const void *buf, size_t n)
{
	for (const char *p = buf; n > 0;) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The worker processes: each takes tasks w, w + jobs, ... and writes a
 * record per slot; the parent reads them as they come.  0, or -1 when a
 * worker could not start or died (said). */
static int run_parallel(struct sweep *s, int jobs)
{
	pid_t pid[AL_CLI_MAX_JOBS];
	struct pollfd pf[AL_CLI_MAX_JOBS];
	struct record rec;
	int open_fds = 0, bad = 0;

	fflush(NULL);
	/* every slot, so that a worker that could not start leaves none
	 * unset for poll, read and waitpid below (poll skips fd -1) */
	for (int w = 0; w < jobs; w++) {
		pid[w] = -1;
		pf[w] = (struct pollfd){.fd = -1};
	}
	for (int w = 0; w < jobs; w++) {
		int fds[2] = {-1, -1};

		if (pipe(fds) < 0 || (pid[w] = fork()) < 0) {
			int e = errno;
			if (fds[0] >= 0) {
				close(fds[0]);
				close(fds[1]);
			}
			fprintf(stderr, "asynclab: sweep: -j: cannot start worker %d: %s\n", w,
				strerror(e));
			pid[w] = -1;
			bad = 1;
			break;
		}
		if (pid[w] == 0) {
			close(fds[0]);
			for (int i = 0; i < w; i++)
				if (pf[i].fd >= 0)
					close(pf[i].fd);
			for (int t = w; t < s->ntasks && !al_interrupted(); t += jobs) {
				run_task(s, t);
				for (int k = 0; k < s->nmodels; k++) {
					rec = (struct record){t * s->nmodels + k,
							      s->ran[t * s->nmodels + k],
							      s->res[t * s->nmodels + k]};
					if (write_all(fds[1], &rec, sizeof rec) < 0)
						_exit(3);
				}
			}
			_exit(0);
		}
		close(fds[1]);
		pf[w] = (struct pollfd){.fd = fds[0], .events = POLLIN};
		open_fds++;
	}
	/* a record may come in pieces: each worker's are gathered apart */
	static unsigned char buf[AL_CLI_MAX_JOBS][sizeof(struct record)];
	size_t have[AL_CLI_MAX_JOBS] = {0};
	int told = 0;
	while (open_fds > 0) {
		/* Ctrl-C reaches the workers from a terminal; a kill of the
		 * parent alone is passed on, so they stop after their run */
		if (al_interrupted() && !told++)
			for (int w = 0; w < jobs; w++)
				if (pid[w] > 0)
					kill(pid[w], SIGINT);
		if (poll(pf, (nfds_t)jobs, -1) < 0) {
			if (errno == EINTR)
				continue;
			/* no way to read them: stop the workers, which would
			 * otherwise block on a full pipe, before waiting */
			fprintf(stderr, "asynclab: sweep: poll: %s\n", strerror(errno));
			for (int w = 0; w < jobs; w++) {
				if (pid[w] > 0)
					kill(pid[w], SIGTERM);
				if (pf[w].fd >= 0)
					close(pf[w].fd);
				pf[w].fd = -1;
			}
			bad = 1;
			break;
		}
		for (int w = 0; w < jobs; w++) {
			if (pf[w].fd < 0 || !(pf[w].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(pf[w].fd, buf[w] + have[w], sizeof rec - have[w]);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pf[w].fd);
				pf[w].fd = -1;
				open_fds--;
				continue;
			}
			have[w] += (size_t)n;
			if (have[w] < sizeof rec)
				continue;
			memcpy(&rec, buf[w], sizeof rec);
			have[w] = 0;
			if (rec.slot >= 0 && rec.slot < s->ntasks * s->nmodels) {
				s->res[rec.slot] = rec.r;
				s->ran[rec.slot] = (char)rec.ran;
				if (rec.slot % s->nmodels == s->nmodels - 1)
					al_progress_step(&s->prog, ++s->done);
			}
		}
	}
	for (int w = 0; w < jobs; w++) {
		int st;
		if (pid[w] > 0 && waitpid(pid[w], &st, 0) == pid[w] &&
		    !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			fprintf(stderr, "asynclab: sweep: worker %d died (%s %d): its points are "
				"missing\n", w, WIFSIGNALED(st) ? "signal" : "exit status",
				WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* --- the command */

static int setup(struct sweep *s, struct al_scenario *base, char *err, size_t errlen)
{
	const struct al_cli *cli = s->cli;

	if (cli->nvary == 0)
		return al_errf(err, errlen, "sweep: give at least one --vary KEY=LIST "
			       "(as in --vary workload.pages=10,100,1000)");
	if (cli->scenario) {
		if (al_scenario_load_file(cli->scenario, base, err, errlen) < 0)
			return -1;
	} else {
		al_scenario_default(base);
	}
	if (al_scenario_set(base, cli->sets, cli->nsets, err, errlen) < 0)
		return -1;
	if (cli->seed_set)
		base->seed = cli->seed;
	base->trace = false;            /* a sweep keeps figures, not timelines */
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		if (base->models[m].enabled && (!cli->models || (cli->models & (1u << m))))
			s->models[s->nmodels++] = (enum al_model)m;
	if (s->nmodels == 0)
		return al_errf(err, errlen, "sweep: no model to run (the scenario's models "
			       "and --models have none in common)");
	s->npoints = 1;
	for (int a = 0; a < cli->nvary; a++) {
		int r = al_sweep_axis_parse(cli->vary[a], &s->ax[a], err, errlen);
		s->nax++;                  /* freed by the caller, even half read */
		if (r < 0)
			return -1;
		s->npoints *= s->ax[a].n;
	}
	s->nseeds = cli->seeds_set ? (int)(cli->seed_hi - cli->seed_lo + 1) : 1;
	if ((int64_t)s->npoints * s->nseeds > MAX_TASKS)
		return al_errf(err, errlen, "sweep: %d points x %d seeds is more than %d runs",
			       s->npoints, s->nseeds, MAX_TASKS);
	s->ntasks = s->npoints * s->nseeds;
	/* every point checked before anything runs: a bad value is bad input */
	for (int p = 0; p < s->npoints; p++) {
		struct al_scenario *sc = malloc(sizeof *sc);
		char msg[512];
		int bad = !sc || point(s, p * s->nseeds, sc, err, errlen) < 0;

		/* the value came from --vary: its message says so */
		if (bad && sc && strncmp(err, "--set ", 6) == 0) {
			char tmp[512];
			snprintf(tmp, sizeof tmp, "%s", err + 6);
			al_errf(err, errlen, "sweep: --vary %s", tmp);
		}

		if (!bad && sim_run_fits(sc, false, msg, sizeof msg) != 0) {
			al_errf(err, errlen, "sweep: at %s=%s: %s", s->ax[0].key, value(s, p, 0), msg);
			bad = 1;
		}
		free(sc);
		if (bad)
			return -1;
	}
	return 0;
}

int al_cmd_sweep(const struct al_cli *cli, bool bold)
{
	struct sweep s = {.cli = cli};
	struct al_scenario *base = malloc(sizeof *base);
	char err[512];
	int status = 2;

	s.base = base;
	if (!base) {
		fprintf(stderr, "asynclab: sweep: out of memory\n");
		return 1;
	}
	if (al_outputs_check(cli) != 0)
		goto out;
	if (setup(&s, base, err, sizeof err) < 0) {
		fprintf(stderr, strncmp(err, "sweep: ", 7) == 0 || strncmp(err, "--", 2) == 0 ?
			"asynclab: %s\n" : "%s\n", err);
		goto out;
	}
	if (cli->emit_dir && (cli->csv_path || cli->json || cli->json_path || cli->png_path ||
			      cli->markdown)) {
		fprintf(stderr, "asynclab: sweep: --emit writes the job list and runs nothing: "
			"ask merge DIR for the --csv, --json, --markdown or --png\n");
		goto out;
	}
	if (cli->emit_dir) {           /* the job list, for other machines to run */
		uint64_t seed0 = cli->seeds_set ? cli->seed_lo : base->seed;
		status = al_sweep_emit(cli, base->name, s.ax, s.nax, s.nseeds, seed0, s.models, s.nmodels,
				       err, sizeof err) ? 2 : 0;
		if (status)
			fprintf(stderr, "asynclab: %s\n", err);
		else
			printf("%s/jobs.txt: %d runs; then asynclab merge %s\n", cli->emit_dir,
			       s.ntasks, cli->emit_dir);
		goto out;
	}
	s.res = calloc((size_t)s.ntasks * (size_t)s.nmodels, sizeof *s.res);
	s.ran = calloc((size_t)s.ntasks * (size_t)s.nmodels, 1);
	if (!s.res || !s.ran) {
		fprintf(stderr, "asynclab: sweep: out of memory\n");
		status = 1;
		goto out;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int jobs = cli->jobs ? cli->jobs : cores > 0 ? (int)cores : 1;
	if (jobs > AL_CLI_MAX_JOBS)     /* the workers' tables' size */
		jobs = AL_CLI_MAX_JOBS;
	if (jobs > s.ntasks)
		jobs = s.ntasks;
	status = 0;
	al_interrupt_catch();
	al_progress_start(&s.prog, "sweep", "points", s.ntasks);
	if (jobs <= 1) {
		for (int t = 0; t < s.ntasks && !al_interrupted(); t++) {
			run_task(&s, t);
			al_progress_step(&s.prog, ++s.done);
		}
	} else if (run_parallel(&s, jobs) < 0 && !al_interrupted()) {
		status = 1;
	}
	al_progress_end(&s.prog);
	if (al_interrupted())           /* Ctrl-C: what finished, then 130 */
		fprintf(stderr, "asynclab: sweep: interrupted: %d of %d points finished, "
			"their rows below\n", s.done, s.ntasks);
	for (int i = 0; i < s.ntasks * s.nmodels; i++)
		if (!al_interrupted() && (!s.ran[i] || s.res[i].pages_failed > 0))
			status = 1;
	struct al_sweep_result sr = {base->name, s.ax, s.nax, s.nseeds, s.nmodels,
				     cli->seeds_set ? cli->seed_lo : base->seed, s.models, s.res,
				     s.ran, NULL, NULL};
	int w = al_sweep_outputs(cli, &sr, bold);
	status = w > status ? w : status;
	if (al_interrupted())
		status = AL_EXIT_INTERRUPTED;
out:
	for (int a = 0; a < s.nax; a++)
		al_sweep_axis_free(&s.ax[a]);
	free(s.res);
	free(s.ran);
	free(base);
	return status;
}
