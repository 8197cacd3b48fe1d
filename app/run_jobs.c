/* Parallel simulation of a scenario's models: fork, a temporary file per
 * child for its result and one for its stderr, read back in model order.
 * The child inherits the scenario by fork, so nothing is parsed twice, and
 * it writes plain structs: parent and child are the same binary. */
#include "app/run_jobs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim_run.h"

int run_jobs_count(int jobs)
{
	long n = jobs > 0 ? jobs : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* --- a trace as bytes: counts, then the arrays, then the names */

static int put_trace(FILE *f, const struct al_trace *tr)
{
	struct al_trace h = *tr;

	h.ev = NULL;
	h.lanes = NULL;
	h.names = NULL;
	/* (an empty array may be a null pointer, which stdio must not see) */
	if (fwrite(&h, sizeof h, 1, f) != 1 ||
	    (tr->n && fwrite(tr->ev, sizeof *tr->ev, tr->n, f) != tr->n) ||
	    (tr->nlanes && fwrite(tr->lanes, sizeof *tr->lanes, tr->nlanes, f) != tr->nlanes))
		return -1;
	for (unsigned i = 0; i < tr->nnames; i++) {
		size_t len = strlen(tr->names[i]);
		if (fwrite(&len, sizeof len, 1, f) != 1 ||
		    (len && fwrite(tr->names[i], 1, len, f) != len))
			return -1;
	}
	return 0;
}

static int get_trace(FILE *f, struct al_trace *tr)
{
	struct al_trace h;

	memset(tr, 0, sizeof *tr);
	if (fread(&h, sizeof h, 1, f) != 1)
		return -1;
	*tr = h;
	tr->ev = NULL;
	tr->lanes = NULL;
	tr->names = NULL;
	tr->nnames = 0;
	tr->cap = h.n;
	tr->lanes_cap = h.nlanes;
	tr->names_cap = h.nnames;
	if ((h.n && !(tr->ev = malloc(h.n * sizeof *tr->ev))) ||
	    (h.nlanes && !(tr->lanes = malloc(h.nlanes * sizeof *tr->lanes))) ||
	    (h.nnames && !(tr->names = calloc(h.nnames, sizeof *tr->names))))
		goto fail;
	if ((h.n && fread(tr->ev, sizeof *tr->ev, h.n, f) != h.n) ||
	    (h.nlanes && fread(tr->lanes, sizeof *tr->lanes, h.nlanes, f) != h.nlanes))
		goto fail;
	for (unsigned i = 0; i < h.nnames; i++) {
		size_t len;
		if (fread(&len, sizeof len, 1, f) != 1 || len > 1u << 20 ||
		    !(tr->names[i] = malloc(len + 1)))
			goto fail;
		tr->nnames++;
		if (len && fread(tr->names[i], 1, len, f) != len)
			goto fail;
		tr->names[i][len] = '\0';
	}
	return 0;
fail:
	al_trace_free(tr);
	return -1;
}

/* --- one child: run model m, write the result, exit */

struct wire {                        /* the fixed part of a result */
	int ok, saved_errno;
	char err[512];
	struct al_report report;
	int has_trace;
};

static void child(const struct al_scenario *sc, enum al_model m, bool trace, FILE *res,
		  FILE *log)
{
	struct wire w;
	struct al_trace tr;

	if (dup2(fileno(log), STDERR_FILENO) < 0)
		_exit(3);
	sim_run_on_progress(NULL, NULL);  /* the bar is the parent's, if any */
	memset(&w, 0, sizeof w);
	errno = 0;
	if (trace && al_trace_init(&tr, sc->trace ? AL_TRACE_RECORD : AL_TRACE_OFF) != 0) {
		w.saved_errno = ENOMEM;
	} else {
		w.ok = (trace ? sim_run_model_traced(sc, m, &w.report, &tr, w.err, sizeof w.err)
			      : sim_run_model(sc, m, &w.report, w.err, sizeof w.err)) == 0;
		w.saved_errno = errno;
		w.has_trace = trace;
	}
	if (fwrite(&w, sizeof w, 1, res) != 1 || (w.has_trace && put_trace(res, &tr) != 0) ||
	    fflush(res) != 0)
		_exit(3);
	_exit(0);
}

static char *slurp(FILE *f, size_t *len)
{
	long n;
	char *p;

	*len = 0;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
		return NULL;
	if (!(p = malloc((size_t)n)))
		return NULL;
	*len = fread(p, 1, (size_t)n, f);
	return p;
}

/* Takes child m's result back once it has exited with status st. */
static void collect(struct run_job *j, enum al_model m, int st, FILE *res, FILE *log)
{
	struct wire w;

	j->done = true;
	j->log = slurp(log, &j->loglen);
	rewind(res);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && fread(&w, sizeof w, 1, res) == 1 &&
	    (!w.has_trace || get_trace(res, &j->trace) == 0)) {
		j->ok = w.ok;
		j->saved_errno = w.saved_errno;
		memcpy(j->err, w.err, sizeof j->err);
		j->err[sizeof j->err - 1] = '\0';
		j->report = w.report;
		return;
	}
	j->ok = 0;
	j->saved_errno = EIO;
	if (WIFSIGNALED(st))
		snprintf(j->err, sizeof j->err, "its simulation's process died (%s)",
			 strsignal(WTERMSIG(st)));
	else
		snprintf(j->err, sizeof j->err, "its simulation's process gave no result");
	(void)m;
}

int run_jobs_sim(const struct al_scenario *sc, bool trace, int jobs,
		 struct run_job out[AL_MODEL_COUNT])
{
	FILE *res[AL_MODEL_COUNT] = {0}, *log[AL_MODEL_COUNT] = {0};
	pid_t pid[AL_MODEL_COUNT] = {0};
	int64_t need[AL_MODEL_COUNT] = {0}, have = sim_run_mem_available(), using = 0;
	int running = 0, started = 0, next = 0;

	memset(out, 0, AL_MODEL_COUNT * sizeof *out);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct al_scenario one = *sc;
		struct sim_footprint fp;
		if (!sc->models[m].enabled)
			continue;
		for (int k = 0; k < AL_MODEL_COUNT; k++)
			one.models[k].enabled = k == m;
		/* the footprint is a floor (sim_run.h): C10M's process peaks at
		 * 1.4 times it; twice it, against three quarters of what is
		 * available, keeps runs that large one at a time */
		need[m] = 2 * sim_run_footprint(&one, false, &fp);
	}
	fflush(NULL);  /* nothing buffered is written twice */
	for (;;) {
		/* start what fits: the jobs, and the memory (one always runs) */
		while (running < jobs) {
			while (next < AL_MODEL_COUNT && !sc->models[next].enabled)
				next++;
			if (next == AL_MODEL_COUNT)
				break;
			if (running > 0 && have > 0 && using + need[next] > have / 4 * 3)
				break;
			int m = next;
			if (!(res[m] = tmpfile()) || !(log[m] = tmpfile()) || (pid[m] = fork()) < 0) {
				/* the retry makes them again: none left open */
				if (res[m])
					fclose(res[m]);
				if (log[m])
					fclose(log[m]);
				res[m] = log[m] = NULL;
				pid[m] = 0;
				if (started == 0)
					goto fail;
				break;   /* fewer at once: the next start retries */
			}
			if (pid[m] == 0)
				child(sc, (enum al_model)m, trace, res[m], log[m]);
			started++;
			running++;
			using += need[m];
			next++;
		}
		if (running == 0)
			break;
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int m = 0; m < AL_MODEL_COUNT; m++)
			if (pid[m] == p && !out[m].done) {
				collect(&out[m], (enum al_model)m, st, res[m], log[m]);
				running--;
				using -= need[m];
			}
	}
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		if (res[m])
			fclose(res[m]);
		if (log[m])
			fclose(log[m]);
	}
	return 0;
fail:
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		if (res[m])
			fclose(res[m]);
		if (log[m])
			fclose(log[m]);
	}
	errno = errno ? errno : ENOMEM;
	return -1;
}
