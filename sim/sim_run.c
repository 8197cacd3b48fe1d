/* One model, one simulated machine, one report row. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_loop.h"
#include "core/al_trace.h"
#include "core/al_units.h"
#include "models/model.h"
#include "sim/sim_os.h"
#include "sim/sim_run.h"

static sim_run_progress_fn progress_fn;
static void *progress_arg;

void sim_run_on_progress(sim_run_progress_fn fn, void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

int sim_run_model(const struct al_scenario *sc, enum al_model m, struct al_report *out,
		  char *err, size_t errlen)
{
	struct al_trace tr;
	int r;

	if (al_trace_init(&tr, sc->trace ? AL_TRACE_RECORD : AL_TRACE_HASH) != 0) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	r = sim_run_model_traced(sc, m, out, &tr, err, errlen);
	al_trace_free(&tr);
	return r;
}

int sim_run_model_traced(const struct al_scenario *sc, enum al_model m,
			 struct al_report *out, struct al_trace *trace, char *err,
			 size_t errlen)
{
	const struct al_model_desc *md = al_model_get(m);
	struct sim_os sim;
	struct sim_thread *main_thread;
	struct al_task main_task;
	struct al_crawl crawl;
	struct al_model_frame *frame;
	struct al_lat_rec lat = {0};
	int r = 0, saved = 0;

	if (errlen > 0)
		err[0] = '\0';           /* no note yet */
	memset(out, 0, sizeof *out);
	out->model = m;
	if (!md) {
		snprintf(err, errlen, "%s: not yet available in the simulator", al_model_name(m));
		errno = ENOSYS;
		return -1;
	}
	if (sim_os_init(&sim, sc, NULL, trace) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* the GIL matters only where the model runs Python threads */
	sim.k.gil = sim.k.gil && sc->models[m].gil;
	main_thread = sim_kernel_thread(&sim.k, -1, al_model_name(m));
	frame = calloc(1, md->frame_size);
	if (!frame || !main_thread || al_lat_init(&lat, sc->workload.pages) != 0) {
		free(frame);
		al_lat_free(&lat);
		sim_os_free(&sim);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	crawl = (struct al_crawl){
		.os = &sim.os, .sc = sc, .cfg = &sc->models[m], .pages = sc->workload.pages,
		.verify = 1, .lat = &lat,
	};
	frame->crawl = &crawl;
	sim.os.loop = &main_thread->loop;
	al_task_start(&main_task, &main_thread->loop, md->main, frame, al_model_name(m));
	/* until the last thread ends: scenario events still queued past the
	 * crawl (a link going down later) do not count */
	/* (a wait may count more than one event: the link's run at once) */
	for (uint64_t tick = 0x40000; sim.k.live > 0 && sim.os.ops->wait(&sim.os);)
		if (progress_fn && sim.events >= tick) {
			tick = (sim.events | 0x3ffff) + 1;
			progress_fn(progress_arg, m, crawl.ok + crawl.failed, crawl.pages);
		}
	al_crawl_note(&crawl, err, errlen);
	if (sim.horizon) {
		/* pages that would end past the horizon never do: they fail,
		 * not as a timeout (none may be set), and the run says why */
		int64_t lost = crawl.pages - crawl.ok - crawl.failed;
		char n[AL_FMT_LEN], t[AL_FMT_LEN];
		crawl.failed += lost;
		crawl.failures[AL_CAUSE_OTHER] += lost;
		size_t have = strlen(err);
		al_fmt_count(n, sizeof n, lost);
		al_fmt_duration(t, sizeof t, SIM_HORIZON);
		/* after the pool's note, if it left one */
		snprintf(err + have, errlen - have, "%sthe simulated clock reached its horizon, "
			 "%s, with %s pages unfinished: they fail (cause other)",
			 have ? "; " : "", t, n);
	} else if (sim.k.live > 0) {
		/* Deadlock: say who waits on what; unfinished pages failed. */
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (f) {
			fprintf(f, "%s: deadlock at %lld ns: every task is blocked and no event "
				"is pending\n", al_model_name(m), (long long)sim.now);
			for (uint32_t i = 0; i < sim.k.nthreads; i++)
				al_loop_report_blocked(&sim.k.threads[i]->loop, f);
			fclose(f);
			snprintf(err, errlen, "%s", buf);
			free(buf);
		}
		int64_t lost = crawl.pages - crawl.ok - crawl.failed;
		crawl.failed += lost;
		crawl.failures[AL_CAUSE_OTHER] += lost;
		r = -1;
		saved = EDEADLK;
	}
	out->elapsed_ns = sim.now;
	out->pages_ok = crawl.ok;
	out->pages_failed = crawl.failed;
	memcpy(out->failures, crawl.failures, sizeof out->failures);
	out->bytes = crawl.bytes;
	out->checksum = crawl.checksum;
	out->syscalls = sim.syscalls;
	out->futile_syscalls = sim.futile;
	out->peak_memory_bytes = sim.k.peak_memory;
	out->cpu_busy_ns = sim.k.cpu_busy;
	/* as getrusage counts them: a thread giving up its core (voluntary)
	 * or preempted (involuntary) */
	out->context_switches = sim.k.voluntary + sim.k.involuntary;
	out->peak_concurrency = crawl.peak_inflight;
	out->events = sim.events;
	out->trace_hash = al_trace_hash(trace);
	atomic_fetch_add(&sim_ff_turns, sim.ff.turns);
	atomic_fetch_add(&sim_ff_cut_turns, sim.ff.cut_turns);
	al_lat_summary(&lat, &out->latency);
	al_lat_free(&lat);
	/* Nothing runs once the queue is done: parked tasks are dropped with
	 * the loop, then what the model's frame owns. */
	sim_os_free(&sim);
	if (md->release)
		md->release(frame);
	free(frame);
	if (r)
		errno = saved;
	return r;
}

/* Trace bytes per page for model m: a run of sc cut to `pages` pages. */
static int64_t trace_per_page(const struct al_scenario *sc, enum al_model m, int64_t pages)
{
	struct al_scenario cut = *sc;
	struct al_report r;
	struct al_trace tr;
	char err[256];
	int64_t bytes = 0;

	cut.workload.pages = pages;
	if (cut.machine.fd_limit > pages + 64)
		cut.machine.fd_limit = (int)(pages + 64);
	if (al_trace_init(&tr, AL_TRACE_RECORD) != 0)
		return 0;
	if (sim_run_model_traced(&cut, m, &r, &tr, err, sizeof err) == 0 || errno == EDEADLK)
		bytes = (int64_t)(tr.n * sizeof(struct al_tr_event) +
				  tr.nlanes * sizeof(struct al_tr_lane));
	al_trace_free(&tr);
	return bytes / pages;
}

int64_t sim_run_footprint(const struct al_scenario *sc, bool keep, struct sim_footprint *fp)
{
	const int64_t cut = 500;
	int64_t most = 0, kept = 0;

	memset(fp, 0, sizeof *fp);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_model_desc *md = al_model_get((enum al_model)m);
		struct sim_footprint f = {.model = (enum al_model)m};

		if (!md || !sc->models[m].enabled)
			continue;
		/* at most a socket per page and a pipe's two ends per worker
		 * at once, past stdio */
		f.fds = sim_os_fd_bytes(sc, sc->workload.pages +
					2 * (int64_t)sc->models[m].workers + 64);
		f.frames = sc->workload.pages * (int64_t)md->per_page;
		/* small runs are measured by running them: only large ones
		 * are worth a cut run first */
		if (sc->trace && sc->workload.pages > 100 * cut)
			f.trace = sc->workload.pages * trace_per_page(sc, (enum al_model)m, cut);
		f.kept = kept;
		if (f.fds + f.frames + f.trace + f.kept > most) {
			most = f.fds + f.frames + f.trace + f.kept;
			*fp = f;
		}
		if (keep)
			kept += f.trace;
	}
	return most;
}

int64_t sim_run_mem_available(void)
{
	char line[128];
	long long kib = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return (int64_t)kib * 1024;
}

int sim_run_fits(const struct al_scenario *sc, bool keep, char *msg, size_t len)
{
	struct sim_footprint fp;
	int64_t need = sim_run_footprint(sc, keep, &fp), have = sim_run_mem_available();
	char n[AL_FMT_LEN], h[AL_FMT_LEN], a[AL_FMT_LEN], b[AL_FMT_LEN], c[AL_FMT_LEN],
	     k[AL_FMT_LEN + 64] = "";

	if (have == 0 || need <= have)
		return 0;
	al_fmt_bytes(n, sizeof n, need);
	al_fmt_bytes(h, sizeof h, have);
	al_fmt_bytes(a, sizeof a, fp.fds);
	al_fmt_bytes(b, sizeof b, fp.frames);
	al_fmt_bytes(c, sizeof c, fp.trace);
	if (fp.kept > 0) {
		char kb[AL_FMT_LEN];
		al_fmt_bytes(kb, sizeof kb, fp.kept);
		snprintf(k, sizeof k, "; the earlier models' traces, kept for the outputs, %s", kb);
	}
	snprintf(msg, len, "simulating %s needs at least %s of this machine's memory (the fd "
		 "table %s; tasks and frames %s; the trace %s%s), and "
		 "%s is available: lower machine.fd_limit or workload.pages, or set trace: "
		 "false (--no-trace)", al_model_name(fp.model), n, a, b, c, k, h);
	return 2;
}
