/* `asynclab run` on the simulator.  A model the simulator does not have yet
 * answers ENOSYS; it is listed as not available, never given a row with
 * made-up numbers. */
#include "app/cmd_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/backend.h"
#include "app/exports.h"
#include "report/report.h"
#include "conf/scenario.h"
#include "net/net_run.h"
#include "sim/sim_run.h"
#include "app/outputs.h"
#include "conf/profile.h"
#include "app/progress.h"
#include "net/net_run_machine.h"
#include "app/repeat.h"
#include "app/run_jobs.h"
#include "net/net_target.h"
#include "viz/viz_run.h"

/* Loads the scenario and applies --seed, --models and --no-trace.
 * Returns 0 or an exit status. */
static int setup(const struct al_cli *cli, struct al_scenario *sc)
{
	char err[512];
	unsigned enabled = 0;

	if (cli->scenario) {
		if (al_scenario_load_file(cli->scenario, sc, err, sizeof err) < 0) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
	} else {
		al_scenario_default(sc);
	}
	if (al_scenario_set(sc, cli->sets, cli->nsets, err, sizeof err) < 0) {
		fprintf(stderr, "asynclab: run: %s\n", err);
		return 2;
	}
	if (cli->seed_set)
		sc->seed = cli->seed;
	if (cli->no_trace)
		sc->trace = false;
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		if (sc->models[m].enabled)
			enabled |= 1u << m;
	if (cli->models) {
		if ((enabled & cli->models) == 0) {
			fprintf(stderr, "asynclab: run: --models names none of the "
				"scenario's models (");
			al_report_model_list(stderr, enabled);
			fprintf(stderr, ")\n");
			return 2;
		}
		unsigned absent = cli->models & ~enabled;
		if (absent && cli->models != (1u << AL_MODEL_COUNT) - 1) {
			fprintf(stderr, "asynclab: run: note: not in this scenario's models, "
				"left out: ");
			al_report_model_list(stderr, absent);
			fputc('\n', stderr);
		}
		for (int m = 0; m < AL_MODEL_COUNT; m++)
			sc->models[m].enabled = (enabled & cli->models & (1u << m)) != 0;
	} else if (enabled == 0) {
		fprintf(stderr, "asynclab: run: the scenario enables no model\n");
		return 2;
	}
	/* the pools: the models that take workers */
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_model_cfg *mc = &sc->models[m];
		int n = al_pool_size(mc->workers, sc->workload.pages);
		if (al_model_takes((enum al_model)m, AL_PARAM_workers) && mc->enabled &&
		    n < mc->workers)
			fprintf(stderr, "asynclab: run: note: %s: workers %d capped to %d, "
				"the pages\n", al_model_name((enum al_model)m), mc->workers, n);
	}
	return 0;
}

/* The progress bar: on a terminal only, and only once a run has taken a
 * second of wall time, so quick runs and pipes see nothing.  The model's
 * place among those run (model of models) and the time it has left, from
 * its own pages so far: a guide, not a figure. */
struct progress {
	struct timespec start;       /* this model's */
	int shown;
	int model, models;           /* 1-based; 0: not counted */
};

static void on_progress(void *arg, enum al_model m, int64_t ended, int64_t pages)
{
	struct progress *p = arg;
	struct timespec now;
	char bar[31], nth[32] = "";

	clock_gettime(CLOCK_MONOTONIC, &now);
	double t = (double)(now.tv_sec - p->start.tv_sec) +
		   (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
	if (!p->shown && t < 1)
		return;
	int fill = pages > 0 ? (int)(ended * 30 / pages) : 0;
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (p->models > 1)
		snprintf(nth, sizeof nth, " (%d/%d)", p->model, p->models);
	fprintf(stderr, "\r\033[K  %s%s [%s] %lld / %lld pages", al_model_name(m), nth, bar,
		(long long)ended, (long long)pages);
	if (ended > 0 && ended < pages) {
		double left = t * (double)(pages - ended) / (double)ended;
		fprintf(stderr, left < 120 ? ", %.0f s left" : ", %.0f min left",
			left < 120 ? left + 0.5 : left / 60 + 0.5);
	}
	p->shown = 1;
}

static void end_progress(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}

/* Runs every enabled model of sc on one backend into rs; with keep, each
 * model's report and trace go there too (for --save, --trace, --png,
 * --view). */
static void run_models(struct al_scenario *sc, const struct al_backend *be, void *state,
		       struct al_run_set *rs, struct progress *prog, struct viz_run *keep,
		       int jobs)
{
	char err[512];
	int dead = 0, enabled = 0;
	struct run_job *pre = NULL;

	for (int m = 0; m < AL_MODEL_COUNT; m++)
		enabled += sc->models[m].enabled;
	/* the simulator's models at once, in processes; whatever they could
	 * not run (no process to be had) runs here, one after the other */
	if (be->parallel && jobs > 1 && enabled > 1 &&
	    (pre = calloc(AL_MODEL_COUNT, sizeof *pre)) != NULL &&
	    run_jobs_sim(sc, keep != NULL, jobs, pre) != 0) {
		free(pre);
		pre = NULL;
	}

	prog->model = 0;
	prog->models = enabled;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct al_report *r = &rs->rows[rs->nrows];
		struct al_trace *tr = keep ? &keep->models[keep->nmodels].trace : NULL;

		if (!sc->models[m].enabled)
			continue;
		if (al_interrupted())           /* Ctrl-C: the models after are not run */
			break;
		prog->model++;
		clock_gettime(CLOCK_MONOTONIC, &prog->start);
		if (dead) {
			rs->broken |= 1u << m;        /* "could not run" */
			continue;
		}
		memset(r, 0, sizeof *r);
		err[0] = '\0';
		errno = 0;
		int ok;
		if (pre && pre[m].done) {
			/* as the run here would have written it, in model order */
			if (pre[m].loglen)
				fwrite(pre[m].log, 1, pre[m].loglen, stderr);
			free(pre[m].log);
			ok = pre[m].ok;
			*r = pre[m].report;
			snprintf(err, sizeof err, "%s", pre[m].err);
			if (tr)
				*tr = pre[m].trace;
			else
				al_trace_free(&pre[m].trace);
			errno = ok ? 0 : pre[m].saved_errno;
		} else if (tr && al_trace_init(tr, sc->trace ? AL_TRACE_RECORD : AL_TRACE_OFF) != 0) {
			ok = 0;
			errno = ENOMEM;
		} else {
			ok = al_backend_run(be, state, sc, (enum al_model)m, r, tr, err,
					    sizeof err) == 0;
		}
		int saved = errno;

		end_progress(prog);
		if (!ok && state && saved == EINTR && al_interrupted()) {
			if (tr)                  /* cut short: no row, no error */
				al_trace_free(tr);
			break;
		}
		/* a model that could not run at all may have met the death too */
		dead = al_backend_broke(be, state, (enum al_model)m,
					ok || saved == EDEADLK ? r : NULL);
		int row = ok || saved == EDEADLK;
		if (ok && err[0])
			fprintf(stderr, "asynclab: run: %s: note: %s\n",
				al_model_name((enum al_model)m), err);
		if (ok) {
			r->model = (enum al_model)m;
			rs->nrows++;
		} else {
			fprintf(stderr, "asynclab: run: %s%s: %s\n", be->label,
				al_model_name((enum al_model)m), err[0] ? err : strerror(saved));
			rs->broken |= 1u << m;
			/* a deadlocked run still reports its pages (the unfinished
			 * ones as failed) */
			if (saved == EDEADLK) {
				r->model = (enum al_model)m;
				rs->nrows++;
			}
		}
		if (keep && row) {
			keep->models[keep->nmodels].report = *r;
			keep->nmodels++;
		} else if (tr) {
			al_trace_free(tr);
		}
	}
	free(pre);
	al_run_set_speedups(rs);
	/* the kept rows get their speed-ups too */
	for (int i = 0; keep && i < keep->nmodels; i++)
		for (int k = 0; k < rs->nrows; k++)
			if (rs->rows[k].model == keep->models[i].report.model)
				keep->models[i].report.speedup = rs->rows[k].speedup;
}

/* Whether paths a and b name one file (b NULL: no). */
static bool same_file(const char *a, const char *b)
{
	struct stat x, y;

	return b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* The simulation a real run is compared with: the real runs are C on this
 * host, so the sim runs this host's machine profile (the calibrated one,
 * else the c defaults) whatever the scenario names, with the limits the
 * real run applies (fd limit, address space), no GIL, and connect at once
 * as over loopback.  Returns 0 or an exit status. */
static int host_scenario(const struct al_scenario *sc, bool target, struct al_scenario *out,
			 char *note, size_t notelen)
{
	struct al_machine m;
	char err[512];
	int r = al_profile_host(&m, err, sizeof err);

	if (r < 0) {
		fprintf(stderr, "asynclab: run: this host's profile: %s\n", err);
		return 2;
	}
	*out = *sc;
	m.fd_limit = sc->machine.fd_limit;
	m.address_space = sc->machine.address_space;
	/* the machine the real run had: the scenario's cores (as many as this
	 * host gives) and its memory (a cgroup: net/net_run_machine.h) */
	m.cores = real_machine_cores(sc);
	m.memory = sc->machine.memory;
	out->machine = m;
	for (int k = 0; k < AL_MODEL_COUNT; k++)
		out->models[k].gil = false;       /* C: no model has a GIL */
	if (!target) {
		out->network.handshake = false;
		/* the link emulator streams and stalls as the fluid model
		 * does (docs/link.md): compare like with like */
		out->network.tcp = AL_TCP_FLUID;
	}
	if (sc->machine.profile == AL_PROFILE_FILE && !same_file(sc->machine.profile_file,
								 r == 1 ? m.profile_file : NULL))
		fprintf(stderr, "asynclab: run: note: --net both simulates with this host's "
			"profile, not the scenario's %s, whose machine the real runs have: "
			"ASYNCLAB_PROFILE=%s simulates with it\n",
			sc->machine.profile_file, sc->machine.profile_file);
	if (r == 1)
		snprintf(note, notelen, "sim: this host's calibrated profile, %s", m.profile_file);
	else
		snprintf(note, notelen, "sim: the c profile's defaults (no calibrated profile: "
			 "asynclab calibrate writes one)");
	return 0;
}

/* What a real run of sc does not do that its file asks for: said, once,
 * before the run, so nobody reads the figures as the scenario's. */
static void real_notes(const struct al_scenario *sc)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    (rlim_t)sc->machine.fd_limit > rl.rlim_max)
		fprintf(stderr, "asynclab: run: note: machine.fd_limit %d is above this "
			"machine's hard limit, %llu: the real runs have %llu\n",
			sc->machine.fd_limit, (unsigned long long)rl.rlim_max,
			(unsigned long long)rl.rlim_max);
	real_machine_notes(sc);
	if (sc->machine.profile == AL_PROFILE_PYTHON)
		fprintf(stderr, "asynclab: run: note: the real runs are C: the scenario's "
			"python costs (the GIL, parse_per_kib) are the simulator's only\n");
}

int al_cmd_run(const struct al_cli *cli, bool bold)
{
	struct progress prog = {0};
	struct real_net rn;
	struct al_target target;
	struct al_scenario sc, sim_sc;
	struct al_run_set rs, ss;
	char err[512], note[600] = "";
	int status;

	status = setup(cli, &sc);
	if (status)
		return status;
	/* --seeds, --runs: many runs summarised (app/repeat.c) */
	if (cli->seeds_set || cli->runs || cli->warmup)
		return al_cmd_repeat(cli, &sc, bold);
	/* --save, --trace, --png, --view: every model's trace is kept */
	bool keep = cli->save_path || cli->trace_path || cli->png_path || cli->view;
	if ((status = al_outputs_check(cli)) != 0)
		return status;
	if (keep && !sc.trace) {
		fprintf(stderr, "asynclab: run: %s needs the trace, which this run does not "
			"record (trace: false, or --no-trace)\n",
			cli->save_path ? "--save" : cli->trace_path ? "--trace" :
			cli->png_path ? "--png" : "--view");
		return 2;
	}
	enum al_cli_net net = cli->net;
	if (cli->target) {
		if (cli->net_set && net == AL_CLI_NET_SIM) {
			fprintf(stderr, "asynclab: run: --target crawls a real server: it "
				"needs --net real (the default with --target) or both\n");
			return 2;
		}
		if (!cli->net_set)
			net = AL_CLI_NET_REAL;
		if (al_target_parse(cli->target, &target, err, sizeof err) != 0) {
			fprintf(stderr, "asynclab: run: %s\n", err);
			return 2;
		}
		/* the Host header names the target */
		snprintf(sc.workload.host, sizeof sc.workload.host, "%s", target.host);
		/* the simulator refuses a stall without a timeout; another
		 * server may stall any page */
		if (sc.workload.timeout_ns == 0) {
			fprintf(stderr, "asynclab: run: --target with workload.timeout 0 s: "
				"a server that never closes would hold the run forever; give "
				"a page timeout (the default is 30 s)\n");
			return 2;
		}
	}
	bool real = net != AL_CLI_NET_SIM;
	/* where the run asked for runs; --net both then simulates it too */
	const struct al_backend *be = real ? &al_backend_real : &al_backend_sim;
	void *state = real ? &rn : NULL;
	if (cli->path_set && !real) {
		fprintf(stderr, "asynclab: run: --path chooses how a real run reaches "
			"the server: it needs --net real or both\n");
		return 2;
	}
	if (cli->target && cli->path != AL_CLI_PATH_AUTO) {
		fprintf(stderr, "asynclab: run: --path %s --target: another server is "
			"reached over the real network, nothing is emulated\n",
			cli->path == AL_CLI_PATH_KERNEL ? "kernel-tcp" : "relay");
		return 2;
	}
	if (net == AL_CLI_NET_BOTH && cli->target) {
		fprintf(stderr, "asynclab: run: --net both --target: the simulator cannot "
			"know another server's network and pages; compare with our origin "
			"server (no --target)\n");
		return 2;
	}
	if (real && sc.nevents > 0) {
		fprintf(stderr, "asynclab: run: --net %s: the scenario's timed events "
			"(events:, %d) are not applied on real sockets yet: run it on the "
			"simulator\n", net == AL_CLI_NET_BOTH ? "both" : "real", sc.nevents);
		return 2;
	}
	if (real && (status = real_machine_tasks_fit(&sc)) != 0)
		return status;
	if (net == AL_CLI_NET_BOTH) {
		status = host_scenario(&sc, cli->target != NULL, &sim_sc, note, sizeof note);
		if (status)
			return status;
	}
	/* what the simulator cannot hold here is refused now, not left to
	 * the OOM killer */
	if (!real || net == AL_CLI_NET_BOTH) {
		char msg[512];
		if (sim_run_fits(real ? &sim_sc : &sc, keep, msg, sizeof msg) != 0) {
			fprintf(stderr, "asynclab: run: %s\n", msg);
			return 2;
		}
	}
	if (real)
		real_notes(&sc);
	memset(&rs, 0, sizeof rs);
	rs.sc = &sc;
	rs.net = be->name;
	if (real) {
		rs.target = cli->target;
		rs.cores = real_machine_cores(&sc);
		enum real_path want = cli->path == AL_CLI_PATH_KERNEL ? REAL_PATH_KERNEL :
				      cli->path == AL_CLI_PATH_RELAY ? REAL_PATH_RELAY : REAL_PATH_AUTO;
		/* Ctrl-C from here on stops the model under way and prints the
		 * rows of those that finished; the origin server and the links
		 * inherit the catch, so that they serve until the end */
		al_interrupt_catch();
		struct al_backend_opts opts = {cli->target ? &target : NULL, want};
		if (al_backend_start(be, state, &sc, &opts, err, sizeof err) != 0) {
			fprintf(stderr, "asynclab: run: %s\n", err);
			al_backend_stop(be, state);
			return 1;
		}
		if (rn.fallback[0])
			fprintf(stderr, "asynclab: run: note: no kernel-TCP path here (%s): "
				"relaying through the userspace link emulator\n", rn.fallback);
		rs.path = rn.path;
		/* through the kernel-TCP path connect costs its round trip, as in
		 * the simulator; only the relay's loopback connect is instant */
		if (net == AL_CLI_NET_BOTH && strcmp(rn.path, "kernel-tcp") == 0) {
			sim_sc.network.handshake = sc.network.handshake;
			sim_sc.network.tcp = sc.network.tcp;
			/* the emulator is one drop-tail FIFO of packets: the
			 * simulation's link is the same (docs/network.md) */
			sim_sc.network.link = AL_LINK_FIFO;
		}
		/* the origin server and the links run on this machine's cores:
		 * the simulation has them compete for its cores too */
		if (net == AL_CLI_NET_BOTH) {
			sim_sc.machine.host_server = rn.server > 0;
			sim_sc.machine.host_links = rn.nlinks;
			/* the packet emulator carries every packet, on the cores
			 * the model does not have where there are any
			 * (net/net_run_kernel.c pins it there) */
			if (strcmp(rn.path, "kernel-tcp") == 0)
				sim_sc.machine.host_emulator =
					net_machine_cpus() > real_machine_cores(&sc)
						? AL_HOST_EMU_OWN : AL_HOST_EMU_SHARED;
		}
	}
	/* the runs the outputs draw: sim then real for --net both */
	struct viz_run *runs = keep ? calloc(VIZ_MAX_RUNS, sizeof *runs) : NULL;
	if (keep && !runs) {
		fprintf(stderr, "asynclab: run: out of memory\n");
		al_backend_stop(be, state);
		return 1;
	}
	int nruns = !keep ? 0 : net == AL_CLI_NET_BOTH ? 2 : 1;
	struct viz_run *vreal = keep ? &runs[nruns - 1] : NULL;
	struct viz_run *vsim = keep && net != AL_CLI_NET_REAL ? &runs[0] : NULL;
	if (isatty(STDERR_FILENO)) {
		sim_run_on_progress(on_progress, &prog);
		real_run_on_progress(on_progress, &prog);
	}
	int jobs = run_jobs_count(cli->jobs);
	run_models(&sc, be, state, &rs, &prog, real ? vreal : vsim, jobs);
	real_run_on_progress(NULL, NULL);
	al_backend_stop(be, state);
	if (real) {
		if (rn.path && strcmp(rn.path, "kernel-tcp") == 0)
			rs.emu = &rn.emu_stats;
		al_interrupt_release();
	}
	bool cut = al_interrupted();
	if (cut) {                      /* Ctrl-C: what finished, then 130 */
		fprintf(stderr, "asynclab: run: interrupted: %d of %d models finished, their "
			"rows below%s\n", rs.nrows, prog.models,
			net == AL_CLI_NET_BOTH ? " (real; the simulation is not run)" : "");
		net = AL_CLI_NET_REAL;
	}
	if (net == AL_CLI_NET_BOTH) {
		memset(&ss, 0, sizeof ss);
		ss.sc = &sim_sc;
		ss.net = "sim";
		run_models(&sim_sc, &al_backend_sim, NULL, &ss, &prog, vsim, jobs);
	}
	sim_run_on_progress(NULL, NULL);
	if (vsim)
		al_run_describe(vsim, "sim", net == AL_CLI_NET_BOTH ? &sim_sc : &sc,
				 (net == AL_CLI_NET_BOTH ? &sim_sc : &sc)->machine.cores);
	if (real && vreal)
		al_run_describe(vreal, "real", &sc, rs.cores);
	if (net == AL_CLI_NET_BOTH) {
		if (cli->json) {
			al_report_json_both(stdout, &ss, &rs);
		} else {
			al_report_compare(stdout, &ss, &rs, bold);
			if (cli->latency) {
				fputc('\n', stdout);
				al_report_latency(stdout, &ss, "sim", bold, false);
				al_report_latency(stdout, &rs, "real", bold, false);
			}
			/* link: fifo is tcp linux's only (sim_net_fifo_on):
			 * fluid and flow share the link fairly instead */
			int kt = strcmp(rs.path, "kernel-tcp") == 0;
			const char *emu =
				sim_sc.machine.host_emulator == AL_HOST_EMU_OWN ?
				"; the packet emulator on a core of its own" :
				sim_sc.machine.host_emulator == AL_HOST_EMU_SHARED ?
				"; the packet emulator on the model's cores" : "";
			if (kt && sim_sc.network.tcp != AL_TCP_LINUX)
				printf("  %s; connect as the kernel's (the kernel-TCP path), over "
				       "tcp %s's fair link, not a FIFO as the emulator's%s.\n",
				       note, al_tcp_name(sim_sc.network.tcp), emu);
			else
				printf("  %s; connect %s%s.\n", note,
				       kt ? "as the kernel's, over a FIFO link as the emulator's "
					    "(the kernel-TCP path)" :
				       sim_sc.network.handshake ? "takes a round trip" :
				       "at once, as over loopback to the link emulator", emu);
		}
		status = rs.broken || ss.broken || al_run_set_failed(&rs) ||
			 al_run_set_failed(&ss) ? 1 : 0;
		int w = al_exports_write(cli, &ss, &rs);
		if (w > status)
			status = w;
	} else {
		al_exports_print(cli, &rs, bold);
		status = rs.broken || al_run_set_failed(&rs) ? 1 : 0;
		int w = al_exports_write(cli, &rs, NULL);
		if (w > status)
			status = w;
	}
	if (keep) {
		/* a run cut short is not drawn nor saved: the table says it all */
		int o = cut ? 0 : al_run_outputs(cli, runs, nruns);
		if (o > status)
			status = o;
		for (int i = 0; i < nruns; i++)
			viz_run_free(&runs[i]);
		free(runs);
	}
	return cut ? AL_EXIT_INTERRUPTED : status;
}
