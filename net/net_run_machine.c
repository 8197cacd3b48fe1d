/* The scenario's machine on a real run: see net_run_machine.h. */
#include "net/net_run_machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/al_units.h"

int real_machine_cores(const struct al_scenario *sc)
{
	int have = net_machine_cpus();

	return sc->machine.cores < have ? sc->machine.cores : have;
}

int real_machine_memory_limited(char *why, size_t whylen)
{
	static int probed, ok;
	static char said[256];

	if (!probed) {
		struct net_cgroup cg;
		probed = 1;
		ok = net_cgroup_new(&cg, said, sizeof said) == 0;
		net_cgroup_free(&cg);
	}
	if (!ok)
		snprintf(why, whylen, "%s", said);
	return ok;
}

/* This host's memory, or 0 when unknown. */
static int64_t host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (int64_t)pages * size : 0;
}

/* An integer from a /proc file (its first, or after the last '/' of
 * /proc/loadavg's "running/total"), or -1. */
static int64_t proc_int(const char *path, int after_slash)
{
	char buf[256];
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	const char *p = buf;

	if (f)
		fclose(f);
	buf[n] = '\0';
	if (after_slash && !(p = strchr(buf, '/')))
		return -1;
	return n > 0 ? strtoll(p + after_slash, NULL, 10) : -1;
}

int real_machine_tasks_fit(const struct al_scenario *sc)
{
	int64_t pid_max = proc_int("/proc/sys/kernel/pid_max", 0);
	int64_t threads = proc_int("/proc/sys/kernel/threads-max", 0);
	int64_t running = proc_int("/proc/loadavg", 1);
	int64_t cap = threads > 0 && threads < pid_max ? threads : pid_max;

	if (cap <= 0 || running < 0)
		return 0;                       /* not Linux's /proc: nothing known */
	int64_t keep = cap / 10 > 1000 ? cap / 10 : 1000;
	int64_t room = cap - running - keep;
	/* the pools: the models that take workers */
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_model_cfg *mc = &sc->models[m];
		int64_t n = al_pool_size(mc->workers, sc->workload.pages);
		char a[AL_FMT_LEN], b[AL_FMT_LEN], c[AL_FMT_LEN];

		if (!al_model_takes((enum al_model)m, AL_PARAM_workers) || !mc->enabled ||
		    n <= room)
			continue;
		al_fmt_count(a, sizeof a, n);
		al_fmt_count(b, sizeof b, room > 0 ? room : 0);
		al_fmt_count(c, sizeof c, cap);
		fprintf(stderr, "asynclab: run: %s: a pool of %s workers does not fit this host: "
			"room for %s more tasks (%s at most, %lld running, %lld left to the "
			"others); run it in the simulator (--net sim) or with fewer workers\n",
			al_model_name((enum al_model)m), a, b, c, (long long)running, (long long)keep);
		return 2;
	}
	return 0;
}

void real_machine_notes(const struct al_scenario *sc)
{
	static int said;
	char why[256], mem[AL_FMT_LEN];
	int have = net_machine_cpus();

	if (said)
		return;
	said = 1;
	if (sc->machine.cores > have)
		fprintf(stderr, "asynclab: run: note: machine.cores %d, but this process may "
			"run on %d CPU%s: the real runs have %d (the simulation of --net both "
			"too; --net sim assumes %d)\n", sc->machine.cores, have,
			have == 1 ? "" : "s", have, sc->machine.cores);
	int64_t host = host_memory();
	if ((host == 0 || sc->machine.memory < host) && !real_machine_memory_limited(why, sizeof why)) {
		al_fmt_bytes(mem, sizeof mem, sc->machine.memory);
		fprintf(stderr, "asynclab: run: note: machine.memory %s is not applied to the "
			"real runs (%s): only RLIMIT_AS limits them\n", mem, why);
	}
}

int real_machine_begin(struct real_machine *rm, const struct al_scenario *sc,
		       const struct al_costs *host)
{
	char why[256];

	memset(rm, 0, sizeof *rm);
	/* the real processes are C: they cost what this host's profile says
	 * (the calibrated one, else the c defaults), as --net both's
	 * simulation charges them, whatever profile the scenario names */
	const struct al_costs *c = host ? host : &sc->machine.costs;
	rm->per_process = c->process_memory;
	rm->per_thread = c->thread_memory;
	/* a pool's parent's record of each child, where the profile prices
	 * it, as the simulator charges a fork */
	rm->per_record = al_fork_record(c);
	/* the probe made a cgroup, so the notes said nothing and the run is
	 * meant to be limited: without its cgroup (a name clash, too many
	 * cgroups, fds) the model would run unlimited and its result look
	 * sound; it fails instead, with why.  A limit at or above this host's
	 * memory cannot bind: the run goes on without one, as the notes
	 * would say nothing of it either. */
	if (real_machine_memory_limited(why, sizeof why) &&
	    net_cgroup_new(&rm->cg, why, sizeof why) != 0) {
		int e = errno ? errno : EIO;
		int64_t host_mem = host_memory();

		if (host_mem == 0 || sc->machine.memory < host_mem) {
			rm->cg_error = e;
			snprintf(rm->cg_why, sizeof rm->cg_why, "%s", why);
		}
	}
	return 0;
}

int real_machine_enter(struct real_machine *rm, const struct al_scenario *sc, char *err,
		       size_t errlen)
{
	if (rm->cg_error) {
		snprintf(err, errlen, "machine.memory: cannot make the run's cgroup "
			 "(%s): not run without its limit", rm->cg_why);
		return rm->cg_error;
	}
	if (rm->cg.version && net_cgroup_enter(&rm->cg) != 0) {
		int e = errno;
		snprintf(err, errlen, "machine.memory: cannot enter %s: %s", rm->cg.dir,
			 strerror(e));
		return e;
	}
	if (net_machine_pin(real_machine_cores(sc)) < 0) {
		int e = errno;
		snprintf(err, errlen, "machine.cores %d: sched_setaffinity: %s",
			 sc->machine.cores, strerror(e));
		return e;
	}
	return 0;
}

int real_machine_arm(struct real_machine *rm, const struct al_scenario *sc, char *err,
		     size_t errlen)
{
	if (!rm->cg.version)
		return 0;
	int64_t pm = rm->per_process;
	rm->base = net_cgroup_usage(&rm->cg);
	if (rm->base < 0) {
		int e = errno;
		snprintf(err, errlen, "machine.memory: %s: %s", rm->cg.dir, strerror(e));
		return e;
	}
	if (sc->machine.memory < pm) {
		char a[AL_FMT_LEN], b[AL_FMT_LEN];
		al_fmt_bytes(a, sizeof a, sc->machine.memory);
		al_fmt_bytes(b, sizeof b, pm);
		snprintf(err, errlen, "out of memory (machine.memory %s holds no process of "
			 "%s)", a, b);
		return ENOMEM;
	}
	int64_t limit = rm->base + sc->machine.memory - pm;
	if (net_cgroup_limit(&rm->cg, limit) != 0) {
		int e = errno;
		snprintf(err, errlen, "machine.memory: %s: %s", rm->cg.dir, strerror(e));
		return e;
	}
	net_cgroup_budget(rm->base, limit, pm, rm->per_thread, rm->per_record);
	return 0;
}

void real_machine_end(struct real_machine *rm)
{
	net_cgroup_free(&rm->cg);
}
