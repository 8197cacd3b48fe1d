/* A real run's trace: the simulator's schema at real times.  Each model on
 * real sockets against the origin server (no link: loopback), then its
 * trace: in time order; the model's process and main thread; worker
 * threads in it, worker processes each with a thread (their lanes merged
 * from the children's writes); the blocking calls as connect / send /
 * recv spans on the tasks that made them; every thread done at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "net/net_run.h"
#include "sim/sim_run.h"
#include "core/al_trace.h"

#define PAGES 6
#define MS INT64_C(1000000)

static struct al_scenario sc;
static struct real_net rn;

static int setup(void **state)
{
	char err[256];

	(void)state;
	al_scenario_default(&sc);
	sc.network.rtt_ns = 0;
	sc.network.bandwidth_bps = INT64_C(100000000000);
	sc.server.think = AL_DIST_FIXED_AT(5 * MS);
	sc.workload.pages = PAGES;
	sc.models[AL_MODEL_PROCESS].workers = 3;
	sc.models[AL_MODEL_THREAD].workers = 3;
	return real_net_start(&sc, NULL, &rn, err, sizeof err);
}

static int teardown(void **state)
{
	(void)state;
	real_net_stop(&rn);
	return 0;
}

struct shape {
	int procs, threads, tasks;   /* lanes of each kind */
	int connect, recv, send, spin, wait, done;   /* state events */
	int ready;                   /* READY events, each after a wait of its lane */
	int ready_bad;               /* READY not after connect, send or recv */
	int named;                   /* connects naming their page (value > 0) */
	int in_order;
	int ended;                   /* every lane ends with done */
};

static struct shape shape_of(const struct al_trace *tr)
{
	struct shape s = {.in_order = 1};

	for (uint32_t i = 1; i < tr->nlanes; i++) {
		s.procs += tr->lanes[i].kind == AL_LANE_PROCESS;
		s.threads += tr->lanes[i].kind == AL_LANE_THREAD;
		s.tasks += tr->lanes[i].kind == AL_LANE_TASK;
	}
	uint8_t *now = calloc(tr->nlanes + 1, 1);   /* 1 + each lane's state */

	assert_non_null(now);
	for (size_t i = 0; i < tr->n; i++) {
		const struct al_tr_event *e = &tr->ev[i];
		if (i > 0 && e->t < tr->ev[i - 1].t)
			s.in_order = 0;
		if (e->kind != AL_TR_STATE)
			continue;
		if (e->code == AL_ST_READY) {
			uint8_t was = e->lane <= tr->nlanes ? now[e->lane] : 0;
			s.ready++;
			s.ready_bad += was != 1 + AL_ST_CONNECT && was != 1 + AL_ST_SEND &&
				       was != 1 + AL_ST_RECV && was != 1 + AL_ST_READY;
		}
		if (e->lane <= tr->nlanes)
			now[e->lane] = (uint8_t)(1 + e->code);
		/* a connect call names its page; the wait for it says 0 */
		s.connect += e->code == AL_ST_CONNECT && e->value == 0;
		s.named += e->code == AL_ST_CONNECT && e->value > 0;
		s.recv += e->code == AL_ST_RECV;
		s.send += e->code == AL_ST_SEND;
		s.spin += e->code == AL_ST_SPIN;
		s.wait += e->code == AL_ST_WAIT;
		s.done += e->code == AL_ST_DONE;
	}
	free(now);
	/* the last state of every lane but the machine's is done */
	s.ended = 1;
	for (uint32_t l = 1; l < tr->nlanes; l++) {
		int last = -1;
		for (size_t i = 0; i < tr->n; i++)
			if (tr->ev[i].kind == AL_TR_STATE && tr->ev[i].lane == l)
				last = tr->ev[i].code;
		if (last != AL_ST_DONE)
			s.ended = 0;
	}
	return s;
}

static void run(enum al_model m, struct al_trace *tr)
{
	struct al_report r;
	char err[256];

	assert_int_equal(al_trace_init(tr, AL_TRACE_RECORD), 0);
	assert_int_equal(real_run_model_traced(&sc, &rn, m, &r, tr, err, sizeof err), 0);
	assert_int_equal(r.pages_ok, PAGES);
	assert_true(r.trace_hash != 0);
	assert_false(tr->truncated);
	/* lane 1: the model's process, named after it; lane 2 its main thread */
	assert_true(tr->nlanes > 2);
	assert_int_equal(tr->lanes[1].kind, AL_LANE_PROCESS);
	assert_string_equal(tr->names[tr->lanes[1].name], al_model_name(m));
	assert_int_equal(tr->lanes[2].kind, AL_LANE_THREAD);
	assert_int_equal(tr->lanes[2].parent, 1);
}

static void test_sync(void **state)
{
	struct al_trace tr;

	(void)state;
	run(AL_MODEL_SYNC, &tr);
	struct shape s = shape_of(&tr);
	assert_true(s.in_order);
	assert_int_equal(s.procs, 1);
	assert_int_equal(s.threads, 1);
	assert_int_equal(s.tasks, 1);
	/* every page: a blocking connect, a send and recv until the close */
	assert_int_equal(s.connect, PAGES);
	assert_int_equal(s.named, PAGES);
	assert_int_equal(s.send, PAGES);
	assert_true(s.recv >= 2 * PAGES);
	/* the first recv of each page waits out the think time */
	int64_t longest = 0, begin = -1;
	uint32_t task = 0;
	for (uint32_t i = 1; i < tr.nlanes; i++)
		if (tr.lanes[i].kind == AL_LANE_TASK)
			task = i;
	for (size_t i = 0; i < tr.n; i++) {
		const struct al_tr_event *e = &tr.ev[i];
		if (e->kind != AL_TR_STATE || e->lane != task)
			continue;
		if (begin >= 0 && e->t - begin > longest)
			longest = e->t - begin;
		begin = e->code == AL_ST_RECV ? e->t : -1;
	}
	assert_true(longest >= 5 * MS);
	assert_true(s.ended);         /* the task, the main thread, the process */
	assert_int_equal(s.done, 3);
	al_trace_free(&tr);
}

static void test_pools(void **state)
{
	struct al_trace tr;

	(void)state;
	/* threads: three worker threads in the model's process */
	run(AL_MODEL_THREAD, &tr);
	struct shape s = shape_of(&tr);
	assert_true(s.in_order);
	assert_int_equal(s.procs, 1);
	assert_int_equal(s.threads, 4);
	for (uint32_t i = 3; i < tr.nlanes; i++)
		if (tr.lanes[i].kind == AL_LANE_THREAD)
			assert_int_equal(tr.lanes[i].parent, 1);
	assert_int_equal(s.connect, PAGES);
	assert_int_equal(s.named, PAGES);
	assert_true(s.ended);
	al_trace_free(&tr);
	/* processes: three workers, each a process with a thread, written by
	 * the children into the shared log */
	run(AL_MODEL_PROCESS, &tr);
	s = shape_of(&tr);
	assert_true(s.in_order);
	assert_int_equal(s.procs, 4);
	assert_int_equal(s.threads, 4);
	assert_int_equal(s.connect, PAGES);
	assert_true(s.ended);
	al_trace_free(&tr);
}

static void test_event_loops(void **state)
{
	static const enum al_model ms[] = {AL_MODEL_NONBLOCKING, AL_MODEL_CALLBACK,
					   AL_MODEL_GENERATOR, AL_MODEL_ASYNCIO};
	struct al_trace tr;

	(void)state;
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		run(ms[i], &tr);
		struct shape s = shape_of(&tr);
		assert_true(s.in_order);
		assert_int_equal(s.procs, 1);
		assert_int_equal(s.threads, 1);
		if (ms[i] == AL_MODEL_NONBLOCKING)
			assert_true(s.spin >= PAGES);     /* it polls, it never waits */
		else
			assert_true(s.wait >= 1);         /* the loop waits on libevent */
		/* a task whose fd libevent reported is ready until it runs: at
		 * least each page's reply, never a lane that was not waiting;
		 * nonblocking has no loop to report anything */
		if (ms[i] == AL_MODEL_NONBLOCKING)
			assert_int_equal(s.ready, 0);
		else
			assert_true(s.ready >= PAGES);
		assert_int_equal(s.ready_bad, 0);
		/* a task per page waits on its registration, connecting first;
		 * callback's pages are callbacks of the loop's task, each drawn
		 * on its page's lane (al_task_wear): as many lanes */
		int tasked = ms[i] != AL_MODEL_NONBLOCKING;
		assert_int_equal(s.connect, tasked ? PAGES : 0);
		assert_int_equal(s.named, PAGES);     /* each names its page */
		assert_true(s.tasks >= (tasked ? PAGES + 1 : 1));
		assert_true(s.ended);
		al_trace_free(&tr);
	}
}

/* The same schema on both backends: for every model, the real trace's
 * lanes are the simulator's -- the same kinds, labels and parents. */
static void test_same_lanes_as_sim(void **state)
{
	(void)state;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct al_trace real, sim;
		struct al_report r;
		char err[256];

		run((enum al_model)m, &real);
		assert_int_equal(al_trace_init(&sim, AL_TRACE_RECORD), 0);
		assert_int_equal(sim_run_model_traced(&sc, (enum al_model)m, &r, &sim, err,
						      sizeof err), 0);
		/* lanes are numbered in creation order, which differs between
		 * backends where threads race: compare them as a multiset */
		assert_int_equal(real.nlanes, sim.nlanes);
		for (uint32_t i = 1; i < sim.nlanes; i++) {
			const struct al_tr_lane *a = &sim.lanes[i];
			int found = 0;
			for (uint32_t j = 1; j < real.nlanes && !found; j++) {
				const struct al_tr_lane *b = &real.lanes[j];
				found = a->kind == b->kind &&
					strcmp(sim.names[a->name], real.names[b->name]) == 0 &&
					sim.lanes[a->parent].kind == real.lanes[b->parent].kind;
			}
			if (!found)
				fail_msg("%s: the simulator's lane %u (%s) has no twin in the real trace",
					 al_model_name((enum al_model)m), i, sim.names[a->name]);
		}
		al_trace_free(&sim);
		al_trace_free(&real);
	}
}

/* trace off: nothing recorded, no hash */
static void test_off(void **state)
{
	struct al_trace tr;
	struct al_report r;
	char err[256];

	(void)state;
	assert_int_equal(al_trace_init(&tr, AL_TRACE_OFF), 0);
	assert_int_equal(real_run_model_traced(&sc, &rn, AL_MODEL_SYNC, &r, &tr, err, sizeof err), 0);
	assert_int_equal(tr.n, 0);
	assert_true(r.trace_hash == 0);
	al_trace_free(&tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_event_loops),
		cmocka_unit_test(test_same_lanes_as_sim),
		cmocka_unit_test(test_off),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
