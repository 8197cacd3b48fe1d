/* What tests/test_sim_host.c, test_sim_host_tun.c and test_sim_emu.c
 * share: a scenario with no CPU costs at all (what a test adds is all
 * there is), run to the end with every page ok, and a response's bytes
 * on the wire.
 * Included after <cmocka.h>. */
#ifndef TESTS_SIM_HOST_WORLD_H
#define TESTS_SIM_HOST_WORLD_H

#include <string.h>

#include "core/al_http.h"
#include "core/al_scenario.h"
#include "sim/sim_run.h"

#define US 1000LL
#define MS (1000 * US)

/* pages of size bytes, no CPU costs at all: what a test adds is all
 * there is */
static inline void fixed(struct al_scenario *sc, int64_t pages, int64_t size)
{
	al_scenario_default(sc);
	memset(&sc->machine.costs, 0, sizeof sc->machine.costs);
	sc->machine.costs.time_slice_ns = 4 * MS;
	sc->workload.pages = pages;
	sc->network.rtt_ns = 10 * MS;
	sc->network.jitter = AL_DIST_FIXED_AT(0);
	sc->network.bandwidth_bps = 1000000000;
	sc->server.think = AL_DIST_FIXED_AT(2 * MS);
	sc->server.page_size = AL_DIST_FIXED_AT(size);
	sc->models[AL_MODEL_THREAD].workers = 4;
	sc->models[AL_MODEL_THREAD].gil = false;
}

/* fixed(), with the origin server pacing its responses onto a FIFO link
 * from a core of its own (the model has the other) */
static inline void paced(struct al_scenario *sc, int64_t pages, int64_t size)
{
	fixed(sc, pages, size);
	sc->machine.cores = 2;
	sc->network.link = AL_LINK_FIFO;
	sc->machine.host_server = true;
}

static inline void run(const struct al_scenario *sc, enum al_model m, struct al_report *r)
{
	char err[256];

	assert_int_equal(sim_run_model(sc, m, r, err, sizeof err), 0);
	assert_int_equal(r->pages_failed, 0);
}

/* One response's bytes on the wire: header and body. */
static inline int64_t response(int64_t size)
{
	char head[256];

	return al_http_header(head, sizeof head, size) + size;
}

#endif
