/* The simulated kernel: time slices and preemption, context switches, the
 * GIL, threads on several cores, the memory limit.  Timelines are worked
 * out by hand in the comments; the sim must match them to the nanosecond. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/al_scenario.h"
#include "sim/sim_kernel_int.h"
#include "sim/sim_os.h"

#define US 1000LL
#define MS 1000000LL

struct worker {
	struct al_coro co;
	struct sim_os *sim;
	int64_t work;
	int64_t nap;                 /* a sleep before its work (0: none) */
	struct al_future done;
	struct al_timer tm;
	int64_t finished_at;
};

static int worker_fn(struct al_task *t, void *arg)
{
	struct worker *f = arg;
	struct al_os *os = &f->sim->os;

	AL_BEGIN(f);
	if (f->nap)
		AL_AWAIT(t, f, al_sleep_until(t->fut.loop, &f->tm,
					      sim_kernel_clock(&f->sim->k) + f->nap));
	al_future_init(&f->done, t->fut.loop);
	al_cpu(os, f->work, &f->done);
	AL_AWAIT(t, f, &f->done);
	f->finished_at = sim_kernel_clock(&f->sim->k);
	AL_END(t, f);
}

struct boss {
	struct al_coro co;
	struct sim_os *sim;
	int n;
	int64_t ids[8];
	struct al_task tasks[8];
	struct worker w[8];
	struct al_future joined;
	int i;
	int spawn_err;
	int64_t gap_ns;              /* sleep between spawns */
	int yield;                   /* yield after each spawn (a fork's return) */
	enum al_spawn_kind kind;     /* threads, or processes */
	struct al_timer tm;
};

static int boss_fn(struct al_task *t, void *arg)
{
	struct boss *f = arg;
	struct al_os *os = &f->sim->os;

	AL_BEGIN(f);
	for (f->i = 0; f->i < f->n; f->i++) {
		f->ids[f->i] = os->ops->spawn(os, f->kind, &f->tasks[f->i], worker_fn,
					      &f->w[f->i], "worker");
		if (f->ids[f->i] < 0)
			f->spawn_err = (int)-f->ids[f->i];
		if (f->yield)
			AL_AWAIT_CALL(t, f, &f->joined, al_cpu, os, 0);
		if (f->gap_ns)
			AL_AWAIT(t, f, al_sleep_until(t->fut.loop, &f->tm,
						      sim_kernel_clock(&f->sim->k) + f->gap_ns));
	}
	for (f->i = 0; f->i < f->n; f->i++) {
		if (f->ids[f->i] < 0)
			continue;
		al_future_init(&f->joined, t->fut.loop);
		os->ops->join(os, f->ids[f->i], &f->joined);
		AL_AWAIT(t, f, &f->joined);
	}
	AL_END(t, f);
}

static struct al_scenario sc;
static struct sim_os sim;
static struct boss b;
static struct al_task boss_task;

/* A machine where only the costs a test names are non-zero. */
static void machine(int cores)
{
	al_scenario_default(&sc);
	memset(&sc.machine.costs, 0, sizeof sc.machine.costs);
	sc.machine.cores = cores;
	sc.machine.costs.time_slice_ns = 4 * MS;
	sc.machine.costs.thread_switch_ns = 1 * US;
}

static int64_t spawn_gap;
static int64_t worker_nap;
static int spawn_yield;
static enum al_spawn_kind spawn_kind = AL_SPAWN_THREAD;

static void run(int n, int64_t work)
{
	assert_int_equal(sim_os_init(&sim, &sc, NULL, NULL), 0);
	struct sim_thread *main_thread = sim_kernel_thread(&sim.k, -1, "main");
	assert_non_null(main_thread);
	memset(&b, 0, sizeof b);
	b.sim = &sim;
	b.n = n;
	b.gap_ns = spawn_gap;
	b.yield = spawn_yield;
	b.kind = spawn_kind;
	for (int i = 0; i < n; i++)
		b.w[i] = (struct worker){.sim = &sim, .work = work, .nap = worker_nap};
	al_task_start(&boss_task, &main_thread->loop, boss_fn, &b, "boss");
	while (sim.os.ops->wait(&sim.os))
		;
	assert_int_equal(sim.k.live, 0);
}

static void test_time_slices_on_one_core(void **state)
{
	(void)state;
	machine(1);
	/* main spawns A and B (10 ms of CPU each) and joins them.  On one core
	 * with 4 ms slices and 1 us switches:
	 *   A 0.001-4.001, B -8.002, A -12.003, B -16.004, A -18.005 (done),
	 *   B -20.006 (done), main -20.007: 7 switches, 4 of them preemptions. */
	run(2, 10 * MS);
	assert_int_equal(b.w[0].finished_at, 18 * MS + 5 * US);
	assert_int_equal(b.w[1].finished_at, 20 * MS + 6 * US);
	assert_int_equal(sim.now, 20 * MS + 7 * US);
	assert_int_equal(sim.k.ctx_switches, 7);
	assert_int_equal(sim.k.involuntary, 4);
	assert_int_equal(sim.k.cpu_busy, sim.now); /* never idle */
	sim_os_free(&sim);
}

static void test_two_cores_run_in_parallel(void **state)
{
	(void)state;
	machine(2);
	/* A is ready while main still holds core 0: it starts on the idle
	 * core 1 with no switch; B gets core 0 when main blocks in join, after
	 * a switch (1 us).  No slicing: nobody waits. */
	run(2, 10 * MS);
	assert_int_equal(b.w[0].finished_at, 10 * MS);
	assert_int_equal(b.w[1].finished_at, 10 * MS + 1 * US);
	assert_int_equal(sim.k.involuntary, 0);
	sim_os_free(&sim);
}

static void test_gil_serialises_cpu_work(void **state)
{
	(void)state;
	machine(2);
	sc.machine.costs.gil_interval_ns = 5 * MS;
	run(2, 10 * MS);
	/* Two cores, but one GIL: the threads take turns of 5 ms, and the pair
	 * needs twice the time of one. */
	int64_t last = b.w[0].finished_at > b.w[1].finished_at ? b.w[0].finished_at
								 : b.w[1].finished_at;
	assert_true(last >= 20 * MS);
	assert_true(last < 20 * MS + 10 * US);
	/* 5 ms turns: the two finish within one turn of each other, not
	 * one after the other */
	int64_t gap = b.w[0].finished_at - b.w[1].finished_at;
	assert_true(gap <= 5 * MS + 10 * US && gap >= -(5 * MS + 10 * US));
	assert_true(sim.k.involuntary >= 2);
	sim_os_free(&sim);
}

/* B arrives while A is in the middle of its CPU work: under the GIL, A
 * hands over at the next 5 ms boundary instead of running to the end. */
static void test_gil_hands_over_mid_work(void **state)
{
	(void)state;
	machine(2);
	sc.machine.costs.gil_interval_ns = 5 * MS;
	spawn_gap = 1 * MS;
	run(2, 10 * MS);
	spawn_gap = 0;
	/* A 0-5, B 5-10, A 10-15 (done), B 15-20 (done), plus switches */
	assert_true(b.w[0].finished_at < 16 * MS);
	assert_true(b.w[1].finished_at > 19 * MS && b.w[1].finished_at < 21 * MS);
	assert_true(sim.k.involuntary >= 2);
	sim_os_free(&sim);
}

static void test_memory_wall_fails_spawns(void **state)
{
	(void)state;
	machine(1);
	sc.machine.costs.process_memory = 100 * 1024;
	sc.machine.costs.thread_memory = 1024 * 1024;
	sc.machine.memory = 100 * 1024 + 3 * 1024 * 1024; /* room for 3 threads */
	run(5, 1 * MS);
	assert_int_equal(b.spawn_err, ENOMEM);
	assert_true(b.ids[2] >= 0);
	assert_int_equal(b.ids[3], -ENOMEM);
	assert_int_equal(b.ids[4], -ENOMEM);
	assert_int_equal(sim.k.peak_memory, sc.machine.memory);
	assert_int_equal(sim.k.memory, 0); /* everything ended and was released */
	sim_os_free(&sim);
}

/* A pool's forks (issue 11): each fork copies the records the parent
 * keeps for the children it made before, and each child pays its own
 * copy-on-write faults and exit from its first burst. */
static void test_forks_grow_with_records_and_children_pay_cow(void **state)
{
	(void)state;
	machine(1);
	sc.machine.costs.process_create_ns = 100 * US;
	sc.machine.costs.fork_ns_per_mib = 1 * MS;
	sc.machine.costs.child_record = 256 * 1024;     /* 250 us a fork later */
	sc.machine.costs.process_cow_ns = 500 * US;
	spawn_kind = AL_SPAWN_PROCESS;
	run(3, 1 * MS);
	spawn_kind = AL_SPAWN_THREAD;
	/* main's one burst forks P0 (100 us), P1 (100 + 250), P2 (100 + 500):
	 * 1.05 ms; then each child on the one core, 0.5 ms of faults and 1 ms
	 * of work (process_switch is 0 here) */
	assert_int_equal(b.w[0].finished_at, 2550 * US);
	assert_int_equal(b.w[1].finished_at, 4050 * US);
	assert_int_equal(b.w[2].finished_at, 5550 * US);
	assert_int_equal(sim.k.procs[0].records, 3 * 256 * 1024);
	assert_int_equal(sim.k.cpu_busy, 5550 * US);
	sim_os_free(&sim);
}

/* Where a fork's price is paid (issue 11): the child's exit, process_exit
 * and exit_per_mib of the records, runs as the child ends, on from its
 * work, and the fork costs the forker the rest; the CPU adds up to the
 * same as with all of it at the fork (the test above: 5,550 us). */
static void test_children_pay_their_exit_at_their_end(void **state)
{
	(void)state;
	machine(1);
	sc.machine.costs.process_create_ns = 100 * US;
	sc.machine.costs.fork_ns_per_mib = 1 * MS;
	sc.machine.costs.child_record = 256 * 1024;     /* a quarter MiB a fork */
	sc.machine.costs.process_cow_ns = 500 * US;
	sc.machine.costs.process_exit_ns = 60 * US;
	sc.machine.costs.exit_ns_per_mib = 400 * US;
	spawn_kind = AL_SPAWN_PROCESS;
	run(3, 1 * MS);
	spawn_kind = AL_SPAWN_THREAD;
	/* forks: P0 40 us (exit 60), P1 40 + 250 - 100 (exit 60 + 100), P2
	 * 40 + 500 - 200 (exit 60 + 200): main's burst ends at 570 us; each
	 * child then runs 0.5 ms of faults, 1 ms of work and its exit */
	assert_int_equal(b.w[0].finished_at, 2070 * US);
	assert_int_equal(b.w[1].finished_at, 2130 * US + 1500 * US);
	assert_int_equal(b.w[2].finished_at, 3790 * US + 1500 * US);
	assert_int_equal(sim.k.cpu_busy, 5550 * US);
	assert_int_equal(sim.now, 5550 * US);
	sim_os_free(&sim);
}

/* A child that blocks before its work is not done when it blocks: its
 * exit waits for its last work, not its first sleep. */
static void test_a_childs_exit_waits_past_its_sleeps(void **state)
{
	(void)state;
	machine(1);
	sc.machine.costs.thread_switch_ns = 0;          /* a wake's switch */
	sc.machine.costs.process_create_ns = 100 * US;
	sc.machine.costs.process_cow_ns = 500 * US;
	sc.machine.costs.process_exit_ns = 60 * US;
	spawn_kind = AL_SPAWN_PROCESS;
	worker_nap = 10 * US;
	run(1, 1 * MS);
	worker_nap = 0;
	spawn_kind = AL_SPAWN_THREAD;
	/* main forks P0 (40 us) and blocks in the join; P0's first burst pays
	 * its faults (500 us) and blocks at 540 us in its 10 us sleep; it
	 * wakes at 550, runs 1 ms of work to 1,550 us and then its exit, 60 us
	 * more.  An exit run at the sleep would hold the core to 600 us, the
	 * work to 1,600 us, and leave nothing after the work: the same CPU. */
	assert_int_equal(b.w[0].finished_at, 1550 * US);
	assert_int_equal(sim.now, 1610 * US);
	assert_int_equal(sim.k.cpu_busy, 1600 * US);
	sim_os_free(&sim);
}

/* An exit part over its whole is the whole: the child's exit is then all
 * of process_create and fork_per_mib's copy, the fork nothing more. */
static void test_exit_part_is_at_most_the_whole(void **state)
{
	struct al_costs c = {0};
	int64_t fork, exit;

	(void)state;
	c.process_create_ns = 100 * US;
	c.fork_ns_per_mib = 1 * MS;
	c.process_exit_ns = 1 * MS;
	c.exit_ns_per_mib = 2 * MS;
	sim_fork_split(&c, 1024 * 1024, &fork, &exit);
	assert_int_equal(fork, 0);
	assert_int_equal(exit, 1100 * US);
	c.process_exit_ns = 0;
	c.exit_ns_per_mib = 0;            /* a shipped profile: all at the fork */
	sim_fork_split(&c, 1024 * 1024, &fork, &exit);
	assert_int_equal(fork, 1100 * US);
	assert_int_equal(exit, 0);
}

/* Threads are not forks: none of the three fork costs applies. */
static void test_threads_pay_no_fork_costs(void **state)
{
	(void)state;
	machine(1);
	sc.machine.costs.fork_ns_per_mib = 1 * MS;
	sc.machine.costs.child_record = 256 * 1024;
	sc.machine.costs.process_cow_ns = 500 * US;
	run(2, 1 * MS);
	assert_int_equal(sim.k.procs[0].records, 0);
	assert_int_equal(sim.k.cpu_busy, 2 * MS + 3 * US); /* work + 3 switches */
	sim_os_free(&sim);
}

/* A process's first thread pays thread_first on top of thread_create,
 * once: the next threads of the process do not, nor do forked children,
 * which make no thread. */
static void test_a_process_pays_for_its_first_thread_once(void **state)
{
	int64_t busy[2][2];

	(void)state;
	for (int kind = 0; kind < 2; kind++) {
		for (int first = 0; first < 2; first++) {
			machine(1);
			sc.machine.costs.thread_create_ns = 100 * US;
			sc.machine.costs.process_create_ns = 100 * US;
			sc.machine.costs.thread_first_ns = first ? 1 * MS : 0;
			spawn_kind = kind ? AL_SPAWN_PROCESS : AL_SPAWN_THREAD;
			run(3, 1 * MS);
			busy[kind][first] = sim.k.cpu_busy;
			assert_int_equal(sim.k.procs[0].threaded, kind ? 0 : 1);
			sim_os_free(&sim);
		}
	}
	spawn_kind = AL_SPAWN_THREAD;
	assert_int_equal(busy[0][1] - busy[0][0], 1 * MS);
	assert_int_equal(busy[1][1], busy[1][0]);
}

/* Linux counts a reaped child's exit as one voluntary switch (its last,
 * in its nvcsw, which the parent's wait adds to RUSAGE_CHILDREN), not a
 * thread's (its counts join its process's before that switch).  On one
 * core main forks or spawns three, blocks in the first join (1), and the
 * three run to their end one after the other: 1 + 3 exits with
 * processes, 1 with threads; nobody is preempted. */
static void test_a_childs_exit_is_a_voluntary_switch(void **state)
{
	(void)state;
	machine(1);
	spawn_kind = AL_SPAWN_PROCESS;
	run(3, 1 * MS);
	spawn_kind = AL_SPAWN_THREAD;
	assert_int_equal(sim.k.voluntary, 1 + 3);
	assert_int_equal(sim.k.involuntary, 0);
	sim_os_free(&sim);
	machine(1);
	run(3, 1 * MS);
	assert_int_equal(sim.k.voluntary, 1);
	assert_int_equal(sim.k.involuntary, 0);
	sim_os_free(&sim);
}

/* A fork wakes its child, and Linux's wake-up preemption hands it the
 * core once the forker has run its base slice (0.7 ms on one core): at
 * the fork's return, the yield the process model makes there.  main
 * forks three children of 0.2 ms of work at 1 ms a fork: P0 runs
 * 1.0-1.2 ms, main forks P1 by 2.2 (its new turn began at 1.2), P1 runs
 * -2.4, P2 -3.6; the burst of old had them at 3.2, 3.4, 3.6 ms.  Forks
 * of 0.2 ms stay within the slice (0.6 ms for three): no preemption. */
static void test_a_fork_past_its_slice_yields_to_its_child(void **state)
{
	(void)state;
	machine(1);
	sc.machine.costs.process_create_ns = 1 * MS;
	spawn_kind = AL_SPAWN_PROCESS;
	spawn_yield = 1;
	run(3, 200 * US);
	assert_int_equal(b.w[0].finished_at, 1200 * US);
	assert_int_equal(b.w[1].finished_at, 2400 * US);
	assert_int_equal(b.w[2].finished_at, 3600 * US);
	assert_int_equal(sim.k.involuntary, 3);
	sim_os_free(&sim);
	machine(1);
	sc.machine.costs.process_create_ns = 200 * US;
	run(3, 200 * US);
	spawn_kind = AL_SPAWN_THREAD;
	spawn_yield = 0;
	assert_int_equal(b.w[0].finished_at, 800 * US);
	assert_int_equal(b.w[2].finished_at, 1200 * US);
	assert_int_equal(sim.k.involuntary, 0);
	sim_os_free(&sim);
}

/* A fork's wait off the CPU (fork_wait_3k, fork_wait_6k: here 1 ms a
 * live child) is the forker's sleep, the core free for others.  One core,
 * forks of 0.1 ms and a yield after each, as the process model makes
 * them: P0 forked 0-0.1 with none alive (no wait); P1 0.1-0.2 with P0
 * alive: main asleep to 1.2 while P0 runs 0.2-0.6 and P1 0.6-1.0; P2
 * 1.2-1.3 with none alive (the ended do not count: no wait); main blocks
 * in P2's join while P2 runs 1.3-1.7.  Without the wait: forks to 0.3,
 * the children one after the other to 1.5.  The same CPU either way. */
static void test_a_forks_wait_frees_the_core(void **state)
{
	(void)state;
	for (int wait = 1; wait >= 0; wait--) {
		machine(1);
		sc.machine.costs.process_create_ns = 100 * US;
		sc.machine.costs.fork_wait_3k_ns = wait * 3000 * MS;
		sc.machine.costs.fork_wait_6k_ns = wait * 6000 * MS;
		spawn_kind = AL_SPAWN_PROCESS;
		spawn_yield = 1;
		run(3, 400 * US);
		spawn_kind = AL_SPAWN_THREAD;
		spawn_yield = 0;
		assert_int_equal(b.w[0].finished_at, wait ? 600 * US : 700 * US);
		assert_int_equal(b.w[1].finished_at, wait ? 1000 * US : 1100 * US);
		assert_int_equal(b.w[2].finished_at, wait ? 1700 * US : 1500 * US);
		assert_int_equal(sim.now, wait ? 1700 * US : 1500 * US);
		assert_int_equal(sim.k.cpu_busy, 1500 * US);
		/* a sleep in fork and one in a join, or one in a join; three
		 * exits */
		assert_int_equal(sim.k.voluntary, wait ? 2 + 3 : 1 + 3);
		assert_int_equal(sim.k.procs[0].kids, 0);
		sim_os_free(&sim);
	}
}

/* The wait by live children: the line through the two figures, 0 below
 * its zero, an hour at most (the schema's 60 s figures, a million
 * children). */
static void test_fork_wait_by_live_children(void **state)
{
	(void)state;
	struct al_costs c;

	memset(&c, 0, sizeof c);
	assert_int_equal(sim_fork_wait_ns(&c, 6000), 0);
	c.fork_wait_3k_ns = 395 * US;
	c.fork_wait_6k_ns = 2030 * US;
	assert_int_equal(sim_fork_wait_ns(&c, 0), 0);
	assert_int_equal(sim_fork_wait_ns(&c, 2275), 0);   /* -125 ns */
	assert_int_equal(sim_fork_wait_ns(&c, 2276), 420);
	assert_int_equal(sim_fork_wait_ns(&c, 3000), 395 * US);
	assert_int_equal(sim_fork_wait_ns(&c, 6000), 2030 * US);
	assert_int_equal(sim_fork_wait_ns(&c, 9000), 3665 * US);
	c.fork_wait_3k_ns = 0;
	c.fork_wait_6k_ns = 60 * INT64_C(1000000000);
	assert_int_equal(sim_fork_wait_ns(&c, INT64_MAX), 3600 * INT64_C(1000000000));
	/* a wait falling with children (noise): no growth past 3,000, and
	 * never more for fewer children */
	c.fork_wait_3k_ns = 2 * MS;
	c.fork_wait_6k_ns = 1 * MS;
	assert_int_equal(sim_fork_wait_ns(&c, 9000), 2 * MS);
	assert_int_equal(sim_fork_wait_ns(&c, 3000), 2 * MS);
	assert_int_equal(sim_fork_wait_ns(&c, 1500), 1 * MS);
	assert_int_equal(sim_fork_wait_ns(&c, 0), 0);
	/* a line rising by 1 ns: still nothing at no child */
	c.fork_wait_6k_ns = 2 * MS + 1;
	assert_int_equal(sim_fork_wait_ns(&c, 0), 0);
	assert_int_equal(sim_fork_wait_ns(&c, 1500), 1 * MS);
	assert_int_equal(sim_fork_wait_ns(&c, 6000), 2 * MS + 1);
}

/* The largest figures the schema takes saturate a fork's copy at an hour
 * instead of overflowing (a clock running backwards, UB under asan). */
static void test_fork_cost_saturates(void **state)
{
	(void)state;
	machine(1);
	sc.machine.costs.fork_ns_per_mib = 60 * INT64_C(1000000000);
	sc.machine.costs.child_record = INT64_C(1) << 40;   /* a TiB a child */
	sc.machine.memory = INT64_MAX;      /* the records are memory too */
	spawn_kind = AL_SPAWN_PROCESS;
	run(3, 1 * MS);
	spawn_kind = AL_SPAWN_THREAD;
	/* P0 copies nothing; P1 and P2 an hour each; then 1 ms each */
	assert_int_equal(b.w[2].finished_at, 7200 * INT64_C(1000000000) + 3 * MS);
	assert_int_equal(sim.k.procs[0].records, 3 * (INT64_C(1) << 40));
	sim_os_free(&sim);
}

/* A pool's records are memory (issue 11): with fork_per_mib priced, a
 * fork charges the forker's record for the child and the child's copy of
 * the page tables mapping the forker's records (1/512 of them), and each
 * is freed at its process's end.  Without it (the shipped profiles), a
 * fork charges process_memory alone, as before. */
static void test_forks_charge_records_and_page_tables(void **state)
{
	(void)state;
	for (int priced = 1; priced >= 0; priced--) {
		machine(1);
		sc.machine.costs.process_memory = 100 * 1024;
		sc.machine.costs.fork_ns_per_mib = priced;
		sc.machine.costs.child_record = 1024 * 1024;
		/* main, then P0 with its 1 MiB record, then P1, which also copies
		 * the page tables of main's first MiB of records (2 KiB); P2
		 * would copy 4 KiB: 2 KiB too many */
		sc.machine.memory = 100 * 1024 + 2 * (100 * 1024 + 1024 * 1024) + 2 * 1024;
		spawn_kind = AL_SPAWN_PROCESS;
		run(3, 1 * MS);
		spawn_kind = AL_SPAWN_THREAD;
		assert_true(b.ids[0] >= 0);
		assert_true(b.ids[1] >= 0);
		if (priced) {
			assert_int_equal(b.ids[2], -ENOMEM);
			assert_int_equal(sim.k.peak_memory, sc.machine.memory);
		} else {
			assert_true(b.ids[2] >= 0);
			assert_int_equal(sim.k.peak_memory, 4 * 100 * 1024);
		}
		assert_int_equal(sim.k.memory, 0); /* everything ended and was released */
		sim_os_free(&sim);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_slices_on_one_core),
		cmocka_unit_test(test_two_cores_run_in_parallel),
		cmocka_unit_test(test_gil_serialises_cpu_work),
		cmocka_unit_test(test_gil_hands_over_mid_work),
		cmocka_unit_test(test_memory_wall_fails_spawns),
		cmocka_unit_test(test_forks_grow_with_records_and_children_pay_cow),
		cmocka_unit_test(test_children_pay_their_exit_at_their_end),
		cmocka_unit_test(test_a_childs_exit_waits_past_its_sleeps),
		cmocka_unit_test(test_exit_part_is_at_most_the_whole),
		cmocka_unit_test(test_threads_pay_no_fork_costs),
		cmocka_unit_test(test_a_process_pays_for_its_first_thread_once),
		cmocka_unit_test(test_a_childs_exit_is_a_voluntary_switch),
		cmocka_unit_test(test_a_fork_past_its_slice_yields_to_its_child),
		cmocka_unit_test(test_fork_cost_saturates),
		cmocka_unit_test(test_a_forks_wait_frees_the_core),
		cmocka_unit_test(test_fork_wait_by_live_children),
		cmocka_unit_test(test_forks_charge_records_and_page_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
