/* green when its selector fails: the simulator's os with a sel_wait that
 * fails after a few calls (the ops table copied, one slot replaced), so
 * green threads are parked on the selector when it breaks.  Every parked
 * green thread must be woken with the error: each page ends, failed with
 * that cause, its socket closed, and the run ends without a deadlock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_report.h"
#include "core/al_scenario.h"
#include "models/model.h"
#include "sim/sim_os.h"

#define MS 1000000LL
#define PAGES 24

static struct al_os_ops faulty;
static const struct al_os_ops *sim_ops;   /* the simulator's own */
static int waits, fail_after;     /* sel_wait calls so far; fail from this one on */

static int64_t faulty_sel_wait(struct al_os *os, int sel, struct al_sel_event *out, int max,
			       struct al_future *wait)
{
	if (++waits > fail_after)
		return al_os_finish(wait, -EIO);
	return sim_ops->sel_wait(os, sel, out, max, wait);
}

/* Runs green on PAGES pages over 2 OS threads; sel_wait fails from its
 * (after + 1)-th call.  The crawl's counts in *c, the sockets left open. */
static int run_green(int after, struct al_crawl *c)
{
	struct al_scenario sc;
	struct sim_os sim;
	struct al_task main_task;
	const struct al_model_desc *md = al_model_get(AL_MODEL_GREEN);

	al_scenario_default(&sc);
	memset(&sc.machine.costs, 0, sizeof sc.machine.costs);
	sc.machine.cores = 2;
	sc.workload.pages = PAGES;
	sc.network.rtt_ns = 10 * MS;
	sc.network.jitter = AL_DIST_FIXED_AT(0);
	sc.server.think = AL_DIST_FIXED_AT(MS);
	sc.server.page_size = AL_DIST_FIXED_AT(1000);
	sc.models[AL_MODEL_GREEN].threads = 2;
	waits = 0;
	fail_after = after;
	assert_int_equal(sim_os_init(&sim, &sc, NULL, NULL), 0);
	sim_ops = sim.os.ops;
	faulty = *sim_ops;
	faulty.sel_wait = faulty_sel_wait;
	sim.os.ops = &faulty;
	struct sim_thread *main_thread = sim_kernel_thread(&sim.k, -1, "green");
	struct al_model_frame *frame = calloc(1, md->frame_size);
	assert_non_null(main_thread);
	assert_non_null(frame);
	*c = (struct al_crawl){.os = &sim.os, .sc = &sc, .cfg = &sc.models[AL_MODEL_GREEN],
			       .pages = PAGES, .verify = 1};
	frame->crawl = c;
	sim.os.loop = &main_thread->loop;
	al_task_start(&main_task, &main_thread->loop, md->main, frame, "green");
	while (sim.k.live > 0 && sim.os.ops->wait(&sim.os))
		;
	assert_int_equal(sim.k.live, 0);       /* no deadlock: every thread ended */
	int open = sim.open;
	if (md->release)
		md->release(frame);
	free(frame);
	sim_os_free(&sim);
	c->os = NULL;
	return open;
}

static void test_selector_fine(void **state)
{
	struct al_crawl c;

	(void)state;
	assert_int_equal(run_green(1 << 30, &c), 0);
	assert_int_equal(c.ok, PAGES);
	assert_int_equal(c.failed, 0);
	assert_true(waits > 2);                /* the failing case fails mid-run */
}

static void test_failed_selector_wakes_parked_threads(void **state)
{
	struct al_crawl c;

	(void)state;
	/* each OS thread's first wait finds its green threads parked on
	 * connect; the third wait overall breaks */
	assert_int_equal(run_green(2, &c), 0);
	assert_int_equal(c.ok + c.failed, PAGES);
	assert_true(c.failed > 0);
	assert_int_equal(c.failures[al_cause_from_errno(EIO)], c.failed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_fine),
		cmocka_unit_test(test_failed_selector_wakes_parked_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
