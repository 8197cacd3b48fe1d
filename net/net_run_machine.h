/* A real run on the scenario's machine: machine.cores as the CPU affinity
 * of the model's process and everything it starts, machine.memory as the
 * limit of a memory cgroup around them (net/net_machine.h), so that the
 * simulator and the real backend run the same experiment.  What this host
 * cannot give is said in one line before the run (real_machine_notes).
 * docs/real.md, "The scenario's machine", says how each is applied. */
#ifndef REAL_MACHINE_H
#define REAL_MACHINE_H

#include <stddef.h>

#include "core/al_scenario.h"
#include "net/net_machine.h"

/* One model's run: its cgroup, made by the parent before the fork. */
struct real_machine {
	struct net_cgroup cg;        /* none: memory is not limited */
	int64_t base;                /* the cgroup's charge when armed */
	int64_t per_process;         /* what a real process and thread cost: */
	int64_t per_thread;          /* the host profile's figures */
	int64_t per_record;          /* its child_record, where priced */
	int cg_error;                /* errno: the cgroup that should be, not made */
	char cg_why[256];            /* and why, for real_machine_enter's message */
};

/* How many cores a real run of sc has: machine.cores, or this process's
 * CPUs when it may use fewer. */
int real_machine_cores(const struct al_scenario *sc);

/* Whether a real run on this host limits sc's memory for real (a memory
 * cgroup can be made), with why not in why.  Probes once per process. */
int real_machine_memory_limited(char *why, size_t whylen);

/* Whether the pools sc's enabled models would start (al_pool_size of
 * each process and thread model) fit the host's tasks: each is a task
 * (pid_max, threads-max), and a real run must not take the room every
 * other program on the host needs -- a tenth of it, and 1,000 at least,
 * are left.  0, or 2 with the message on stderr (the simulator runs such
 * a pool: --net sim). */
int real_machine_tasks_fit(const struct al_scenario *sc);

/* Prints, once, on stderr, what of sc's machine a real run here cannot
 * apply: more cores than this process may use, a memory limit below this
 * host's memory without a cgroup to enforce it. */
void real_machine_notes(const struct al_scenario *sc);

/* In the parent, before the model's process is forked: makes its cgroup
 * (none where no cgroup can be made: the notes said so).  Where the
 * start-up probe made one but this run's cannot be made, and the limit
 * could bind, the failure is kept for real_machine_enter: the model fails
 * rather than run without the limit it was promised.  host: what a
 * real process and thread cost (this host's profile), NULL: sc's own
 * costs.  Always 0. */
int real_machine_begin(struct real_machine *rm, const struct al_scenario *sc,
		       const struct al_costs *host);

/* In the model's process, first thing: into the cgroup, onto the cores.
 * 0, or an errno value with err set (the cgroup begin could not make). */
int real_machine_enter(struct real_machine *rm, const struct al_scenario *sc, char *err,
		       size_t errlen);

/* In the model's process, set up and about to run the model: the limit
 * goes on now.  The process's own charge at this instant stands for the
 * profile's process_memory (the rest of it is the lab's: its trace log,
 * libevent, the report), so the limit is that charge plus machine.memory
 * minus process_memory, and each worker then has exactly what the
 * simulator gives it.  0, or an errno value with err set (ENOMEM:
 * machine.memory does not hold the model's process itself). */
int real_machine_arm(struct real_machine *rm, const struct al_scenario *sc, char *err,
		     size_t errlen);

/* In the parent, after the model's process is reaped: the cgroup goes,
 * whatever is left in it killed.  Safe on a run without one. */
void real_machine_end(struct real_machine *rm);

#endif
