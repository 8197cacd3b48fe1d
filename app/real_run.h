/* Runs models on real sockets against our origin server (net/), started as
 * a child process on an ephemeral loopback port and stopped at the end. */
#ifndef REAL_RUN_H
#define REAL_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "core/al_report.h"
#include "core/al_scenario.h"

struct real_server {
	pid_t pid;
	int port;
};

/* Forks the origin server for sc (the very same scenario, seed included)
 * and waits until it listens.  0, or -1 with err set. */
int real_server_start(const struct al_scenario *sc, struct real_server *srv, char *err,
		      size_t errlen);
/* Stops it (SIGTERM, then SIGKILL after 5 s) and reaps it. */
void real_server_stop(struct real_server *srv);

/* Runs model m against srv and fills out with what was measured: elapsed
 * (CLOCK_MONOTONIC), CPU and context switches (getrusage), syscalls counted
 * by the os, peak RSS.  -1 with errno ENOSYS for models the real backend
 * does not run yet. */
int real_run_model(const struct al_scenario *sc, const struct real_server *srv,
		   enum al_model m, struct al_report *out, char *err, size_t errlen);

#endif
