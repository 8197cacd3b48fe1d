/* The simulated kernel's scheduler (sim_kernel.h has the model): the run
 * queue, a thread's bursts on a core, preemption, blocking and stalls, and
 * the CPU work threads are given.  Threads and processes are made and
 * ended in sim_thread.c.  Every state change happens in an engine event
 * (thread ready, core free), never inside another thread's burst, so
 * bursts never nest. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_assert.h"
#include "sim/sim_kernel_int.h"

static void dispatch(struct sim_kernel *k);
static void burst(struct sim_kernel *k, int ci, struct sim_thread *th, int64_t now);

static int64_t clock_of(const struct sim_kernel *k, const struct sim_thread *th)
{
	return sim__thread_clock(k, th);
}

/* --- becoming runnable */

/* The runnable counter: threads in the run queue, waiting for a core or
 * the GIL.  The queue changes only in engine events, at the engine's now. */
static void runq_trace(struct sim_kernel *k)
{
	if (k->runq_len != k->runq_traced) {
		k->runq_traced = k->runq_len;
		al_trace_counter(k->tr, *k->now, AL_CTR_RUNNABLE, k->runq_len);
	}
}

static void enqueue(struct sim_kernel *k, struct sim_thread *th)
{
	th->next = NULL;
	*k->runq_tail = th;
	k->runq_tail = &th->next;
	k->runq_len++;
	k->procs[th->pid].queued++;
	if (th->bg) {
		/* the latest wake-up counts: past the running thread's base
		 * slice, it is the one the kernel checks at once */
		k->bg_queued++;
		k->bg_since = *k->now;
	}
	runq_trace(k);
}

/* What a thread left in the run queue after a dispatch waits for: its
 * process's GIL when a core is free but a sibling holds the GIL, else a
 * core.  (Said when it joins the queue; not revised while it waits.) */
static enum al_state queued_state(const struct sim_kernel *k, const struct sim_thread *th)
{
	const struct sim_thread *owner = k->gil ? k->procs[th->pid].gil : NULL;

	if (!owner || owner == th)
		return AL_ST_RUNNABLE;
	for (int i = 0; i < k->ncores; i++)
		if (!k->cores[i].cur)
			return AL_ST_GIL;
	return AL_ST_RUNNABLE;
}

static void on_ready(void *arg, int64_t now)
{
	struct sim_thread *th = arg;
	struct sim_kernel *k = th->k;

	enqueue(k, th);
	dispatch(k);
	if (th->state == SIM_T_RUNNABLE)
		sim__state(k, th, now, queued_state(k, th));
}

static void make_runnable(struct sim_kernel *k, struct sim_thread *th, int64_t at)
{
	th->state = SIM_T_RUNNABLE;
	if (!sim_queue_push(k->q, at, on_ready, th))
		abort(); /* the queue cannot grow: nothing sane to continue with */
}

/* The thread's loop got work.  If the thread is blocked it wakes up after
 * the wake-up latency; if it is running or runnable, its burst or its turn
 * will find the work. */
static void on_spin_wake(void *arg, int64_t now)
{
	struct sim_thread *th = arg;
	struct sim_kernel *k = th->k;

	th->spinning = 0;
	k->cpu_busy += now - th->spin_since;
	burst(k, th->core, th, now);
}

void sim__notify(struct al_loop *loop)
{
	struct sim_thread *th = loop->owner;
	struct sim_kernel *k = th->k;

	if (th->spinning == 2) {
		/* It never left its core: it sees the result at once. */
		if (!sim_queue_push(k->q, sim_kernel_clock(k), on_spin_wake, th))
			abort();
	} else if (th->spinning == 1) {
		th->spinning = 0;   /* still in its burst: core_free will see it */
	} else if (th->state == SIM_T_BLOCKED && !th->stalled) {
		/* (a stalled thread sees its work when its wait ends) */
		th->by_host = k->waker != NULL;
		/* a fork's child is queued by the fork (wake_up_new_task):
		 * nobody sleeps, so it pays no wake-up latency */
		make_runnable(k, th, sim_kernel_clock(k) + (th->forked ? 0 : k->c->wakeup_ns));
		th->forked = 0;
	}
}

/* --- running */

static void on_core_free(void *arg, int64_t now);

static int may_run(const struct sim_kernel *k, const struct sim_thread *th)
{
	const struct sim_thread *owner = k->procs[th->pid].gil;

	return !k->gil || owner == NULL || owner == th;
}

static struct sim_thread *take_runnable(struct sim_kernel *k)
{
	/* Every queued thread belongs to one process whose GIL is taken (the
	 * thread pool under the GIL): nobody can run, and that is O(1) to see. */
	if (k->runq && !may_run(k, k->runq) &&
	    k->procs[k->runq->pid].queued == k->runq_len)
		return NULL;
	for (struct sim_thread **p = &k->runq; *p; p = &(*p)->next) {
		struct sim_thread *th = *p;
		if (!may_run(k, th))
			continue;
		*p = th->next;
		if (k->runq_tail == &th->next)
			k->runq_tail = p;
		th->next = NULL;
		k->runq_len--;
		k->procs[th->pid].queued--;
		if (th->bg)
			k->bg_queued--;
		runq_trace(k);
		return th;
	}
	return NULL;
}

/* A thread in the run queue waits either for a core or for the GIL th
 * holds: either way, th yielding lets it run. */
static int others_waiting(const struct sim_kernel *k)
{
	return k->runq != NULL;
}

/* One burst of th on core c starting now: drain its loop, then run CPU
 * work up to a slice; the core is busy until the thread's clock. */
static void burst(struct sim_kernel *k, int ci, struct sim_thread *th, int64_t now)
{
	struct sim_core *c = &k->cores[ci];

	if (!c->cur)
		sim_core_gap_push(c, now);
	th->state = SIM_T_RUNNING;
	th->core = ci;
	th->burst_start = now;
	sim__thread_clk0(k, th);
	th->debt = th->owed;
	th->owed = 0;
	/* A switch costs the thread that comes in: after another thread, or
	 * after it slept (the core ran the idle task meanwhile; the measured
	 * thread_switch is a block and a wake-up, lmbench's way).  After a
	 * sleep the wake-up's charge holds the switch: calibrate's wake_*
	 * probes time the thread's block and its switch back in with the
	 * cold work (a woken half less a hot one that never blocks), so the
	 * thread pays the switch only where it is more than that charge. */
	int64_t sw = 0;
	if ((c->last && c->last != th) || th->slept) {
		int other_proc = c->last && c->last->pid != th->pid;
		sw = other_proc ? k->c->process_switch_ns : k->c->thread_switch_ns;
		if (c->last && c->last != th)
			k->ctx_switches++;
		sim__state(k, th, now, AL_ST_SWITCH);
	}
	int64_t woke = sim_wake_charge(k, th, ci, now);
	th->debt += sw > woke ? sw - woke : 0;
	th->slept = 0;
	th->by_host = 0;
	if (c->cur != th)
		th->turn_at = now;   /* a dispatch, not its turn going on */
	c->cur = th;
	c->last = th;
	if (k->gil)
		k->procs[th->pid].gil = th;
	sim__state(k, th, now + th->debt, AL_ST_RUNNING);
	th->res0 = th->loop.resumes;
	th->cb0 = al_loop_callbacks(&th->loop);
	sim__thread_clk0(k, th);
	k->current = th;
	al_loop_drain(&th->loop);
	if (!th->loop.ready && (th->cpu_left > 0 || th->cpu_wait)) {
		/* CPU work runs a quantum at a time (the GIL's switch interval,
		 * else the time slice): a thread that becomes ready meanwhile is
		 * seen at the next boundary, where on_core_free preempts. */
		int64_t slice = th->cpu_left;
		int64_t quantum = k->gil && k->c->gil_interval_ns ? k->c->gil_interval_ns
								  : k->c->time_slice_ns;
		if (th->bg && k->c->time_slice_ns > 0) {
			/* the host's program keeps the core to the tick after
			 * its base slice (sim_kernel_turn_end), or the next one
			 * when nobody wanted the core at that one */
			int64_t at = clock_of(k, th), tick = k->c->time_slice_ns;
			int64_t end = sim_kernel_turn_end(k, th->turn_at, 0);
			if (end <= at)
				end = (at / tick + 1) * tick;
			quantum = end - at;
		}
		if (quantum > 0 && slice > quantum)
			slice = quantum;
		if (th->bg && k->bg_ran)
			k->bg_ran(k->bg_arg, th, clock_of(k, th), slice);
		if (th->cpu_lane)
			al_trace_state(k->tr, clock_of(k, th), th->cpu_lane, AL_ST_RUNNING, 0);
		th->debt += slice;
		th->cpu_left -= slice;
		if (th->cpu_left == 0 && th->cpu_wait) {
			struct al_future *w = th->cpu_wait;
			th->yielded = slice == 0;
			th->cpu_lane = 0;
			th->cpu_wait = NULL;
			al_future_set(w, 0, 0);  /* resumes the task in the next burst */
		}
	}
	k->current = NULL;
	int64_t end = clock_of(k, th);
	if (th->bg)
		k->bg_busy += end - now;
	else
		k->cpu_busy += end - now;
	if (th->loop.tasks != th->tasks_seen) {
		/* coroutines count against memory too; they cannot fail after the
		 * fact, so this charge may pass the limit (the report shows it) */
		int64_t d = th->loop.tasks - th->tasks_seen;
		th->tasks_seen = th->loop.tasks;
		k->memory += d * k->c->coroutine_memory;
		if (k->memory > k->peak_memory)
			k->peak_memory = k->memory;
	}
	if (!sim_queue_push(k->q, end, on_core_free, c))
		abort();
}

/* th, with more to do, gives its core c to the run queue's first. */
static void preempt(struct sim_kernel *k, struct sim_core *c, struct sim_thread *th,
		    int64_t now)
{
	if (!th->bg)
		k->involuntary++;
	c->cur = NULL;
	c->freed_at = now;
	if (k->gil)
		k->procs[th->pid].gil = NULL;
	th->state = SIM_T_RUNNABLE;
	enqueue(k, th);
	dispatch(k);
	if (th->state == SIM_T_RUNNABLE) {
		enum al_state q = queued_state(k, th);

		sim__state(k, th, now, q);
		/* the page being parsed waits with its thread */
		if (th->cpu_lane)
			al_trace_state(k->tr, now, th->cpu_lane, q, 0);
	}
}

/* A stalled thread's wait is over: it queues for a core, its work as it
 * was (no wake-up latency: the waker's, kdamond's, release of the lock
 * is in the measured wait). */
static void on_stall_end(void *arg, int64_t now)
{
	struct sim_thread *th = arg;

	th->stalled = 0;
	make_runnable(th->k, th, now);
}

/* th's burst on c ended in a wait off the CPU (th->stall): a voluntary
 * switch, the core free for others meanwhile, as Linux's state D. */
static void stall(struct sim_kernel *k, struct sim_core *c, struct sim_thread *th,
		  int64_t now)
{
	int64_t d = th->stall;

	th->stall = 0;
	th->yielded = 0;
	c->cur = NULL;
	c->freed_at = now;
	th->core = -1;
	if (k->gil)
		k->procs[th->pid].gil = NULL;
	th->state = SIM_T_BLOCKED;
	th->stalled = 1;
	th->slept = 1;
	th->slept_at = now;
	k->voluntary++;
	sim__state(k, th, now, AL_ST_WAIT);
	if (!sim_queue_push(k->q, now + d, on_stall_end, th))
		abort(); /* the queue cannot grow: nothing sane to continue with */
	dispatch(k);
}

static void on_core_free(void *arg, int64_t now)
{
	struct sim_core *c = arg;
	struct sim_thread *th = c->cur;
	struct sim_kernel *k = th->k;
	int ci = (int)(c - k->cores);

	if (th->stall > 0 && !th->bg && !th->spinning) {
		stall(k, c, th, now);
		return;
	}
	if (th->exit_cost > 0 && !th->bg && th->loop.tasks == 0 && !th->loop.ready &&
	    th->cpu_left == 0) {
		/* a forked process's thread is done: its process's exit runs
		 * now, on from its last work as a real exit is (a slice at a
		 * time, then preemptible; a process model's workers have one
		 * thread) */
		th->cpu_left = th->exit_cost;
		th->exit_cost = 0;
		burst(k, ci, th, now);   /* straight on: no yield between */
		return;
	}
	if (th->loop.ready || th->cpu_left > 0) {
		/* More work: go on, unless a slice of CPU work ended and another
		 * thread waits (preemption), or a host's program waits and
		 * this thread's turn is over (sim_kernel_turn_end), or it
		 * yielded past its turn with a thread waiting (a fork's
		 * return: the child it woke, or those woken before). */
		int yielded = th->yielded;

		th->yielded = 0;
		if ((th->cpu_left > 0 && !th->loop.ready && others_waiting(k)) ||
		    (!th->bg && k->bg_queued > 0 &&
		     now >= sim_kernel_turn_end(k, th->turn_at, k->bg_since)) ||
		    (yielded && others_waiting(k) &&
		     now >= sim_kernel_turn_end(k, th->turn_at, now))) {
			preempt(k, c, th, now);
			return;
		}
		burst(k, ci, th, now);
		return;
	}
	if (th->spinning) {
		/* Busy-polling: the core stays taken, and so does the GIL. */
		th->spinning = 2;
		th->spin_since = now;
		sim__state(k, th, now, AL_ST_SPIN);
		return;
	}
	c->cur = NULL;
	c->freed_at = now;
	th->core = -1;
	if (k->gil)
		k->procs[th->pid].gil = NULL; /* blocking releases the GIL */
	if (th->loop.tasks == 0 && !th->bg) {
		sim__thread_end(k, th, now);
	} else {
		/* Linux's voluntary switch: the thread gives up its core */
		th->state = SIM_T_BLOCKED;
		th->slept = 1;
		th->slept_at = now;
		if (!th->bg)
			k->voluntary++;
		sim__state(k, th, now, AL_ST_WAIT);
	}
	dispatch(k);
}

/* Gives every free core the first runnable thread allowed to run. */
static void dispatch(struct sim_kernel *k)
{
	AL_ASSERT(k->current == NULL);
	for (int i = 0; i < k->ncores && k->runq; i++) {
		if (k->cores[i].cur)
			continue;
		struct sim_thread *th = take_runnable(k);
		if (!th)
			return;
		burst(k, i, th, *k->now);
	}
}

/* --- CPU work and debts */

void sim_kernel_owe(struct sim_kernel *k, struct sim_thread *th, int64_t ns)
{
	if (!th)
		return;
	if (th == k->current)
		th->debt += ns;
	else if (th->state != SIM_T_DONE)
		th->owed += ns;
}

void sim_kernel_bg_work(struct sim_kernel *k, struct sim_thread *th, int64_t ns)
{
	if (!th || ns <= 0)
		return;
	th->cpu_left += ns;
	if (th->state == SIM_T_BLOCKED)
		make_runnable(k, th, sim_kernel_clock(k));
}

int sim_kernel_cpu(struct sim_kernel *k, int64_t ns, struct al_future *wait)
{
	struct sim_thread *th = k->current;

	if (!th || ns < 0)
		return -EINVAL;
	if (th->cpu_wait || th->cpu_left > 0)
		return -EBUSY;      /* one thread does one piece of CPU work at a time */
	th->cpu_left = ns;
	th->cpu_wait = wait;
	wait->parked = &th->cpu_wait;
	return 0;
}

void sim_kernel_spin(struct sim_kernel *k)
{
	if (k->current)
		k->current->spinning = 1;
}

int sim_kernel_init(struct sim_kernel *k, const struct al_scenario *sc, struct sim_queue *q,
		    const int64_t *now, struct al_trace *tr)
{
	memset(k, 0, sizeof *k);
	k->q = q;
	k->now = now;
	k->c = &sc->machine.costs;
	k->resume_cb_ns = (uint64_t)k->c->coroutine_resume_ns + (uint64_t)k->c->callback_ns;
	k->callback_ns = (uint64_t)k->c->callback_ns;
	k->tr = tr;
	k->ncores = sc->machine.cores;
	k->mem_limit = sc->machine.memory;
	k->address_space = sc->machine.address_space;
	k->runq_tail = &k->runq;
	/* the GIL exists when any model asks for it and the profile has one */
	k->gil = sc->machine.costs.gil_interval_ns > 0;
	k->cores = calloc((size_t)k->ncores, sizeof *k->cores);
	if (!k->cores) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void sim_kernel_free(struct sim_kernel *k)
{
	for (uint32_t i = 0; i < k->nthreads; i++)
		free(k->threads[i]);
	free(k->threads);
	free(k->procs);
	free(k->warm_at);
	for (int i = 0; i < k->ncores; i++)
		sim_core_gaps_free(&k->cores[i]);
	free(k->cores);
	memset(k, 0, sizeof *k);
}
