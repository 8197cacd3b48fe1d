/* The two backends' descriptors (app/backend.h): thin, as the runners
 * they call do the work (sim/sim_run.c, net/net_run.c, net/net_run_net.c),
 * and the adapter that hands the real runner what it may not include. */
#include "app/backend.h"

#include <stdio.h>

#include "app/progress.h"
#include "conf/profile.h"
#include "sim/sim_run.h"

static int sim_run(void *state, const struct al_scenario *sc, enum al_model m,
		   struct al_report *out, struct al_trace *trace, char *err, size_t errlen)
{
	(void)state;
	return trace ? sim_run_model_traced(sc, m, out, trace, err, errlen)
		     : sim_run_model(sc, m, out, err, errlen);
}

const struct al_backend al_backend_sim = {
	.name = "sim",
	.label = "",
	.parallel = true,
	.run = sim_run,
};

static int real_start(void *state, const struct al_scenario *sc,
		      const struct al_backend_opts *o, char *err, size_t errlen)
{
	return real_net_start_path(sc, o->target, o->path, state, err, errlen);
}

static int real_run(void *state, const struct al_scenario *sc, enum al_model m,
		    struct al_report *out, struct al_trace *trace, char *err, size_t errlen)
{
	/* the runner (net/) may not include the command's Ctrl-C flag nor
	 * the profile loader: they are handed down */
	static const struct real_run_hooks hooks = {
		.interrupted = al_interrupted,
		.host = al_profile_host,
	};

	real_run_set_hooks(&hooks);
	return trace ? real_run_model_traced(sc, state, m, out, trace, err, errlen)
		     : real_run_model(sc, state, m, out, err, errlen);
}

/* If one of the run's own processes died (the origin server, a link, the
 * emulator), its pages did not fail for the network: they are counted as
 * 'died', and it says so. */
static int real_broke(void *state, enum al_model m, struct al_report *r)
{
	static const enum al_cause netlike[] = {
		AL_CAUSE_REFUSED, AL_CAUSE_RESET, AL_CAUSE_TIMEOUT, AL_CAUSE_UNREACHABLE,
		AL_CAUSE_CORRUPT, AL_CAUSE_STATUS, AL_CAUSE_OTHER,
	};
	char what[256];
	int64_t moved = 0;

	if (!real_net_dead(state, what, sizeof what))
		return 0;
	for (size_t i = 0; r && i < sizeof netlike / sizeof netlike[0]; i++) {
		moved += r->failures[netlike[i]];
		r->failures[AL_CAUSE_DIED] += r->failures[netlike[i]];
		r->failures[netlike[i]] = 0;
	}
	fprintf(stderr, "asynclab: run: real: %s during %s's run: %lld of its failed pages "
		"(refused, reset, timeout and the like) are counted as 'died', not as the "
		"network's doing; the models after it are not run\n", what, al_model_name(m),
		(long long)moved);
	return 1;
}

static void real_stop(void *state)
{
	real_net_stop(state);
}

const struct al_backend al_backend_real = {
	.name = "real",
	.label = "real: ",
	.parallel = false,
	.start = real_start,
	.run = real_run,
	.broke = real_broke,
	.stop = real_stop,
};
