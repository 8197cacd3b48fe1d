/* The simulated kernel: cores, threads, processes, context switches, the
 * GIL, and the CPU costs of the cost table.
 *
 * Each simulated thread owns an al_loop: its tasks' futures complete into
 * that loop, whose notify hook tells the kernel the thread has work.  The
 * thread then waits for a core (wake-up latency, run queue, GIL), and runs
 * a *burst*: the loop is drained at the burst's start time while the
 * thread's clock advances by what it costs (context switch, syscalls,
 * coroutine resumes, callback dispatches, CPU work).  Every operation the
 * thread issues takes effect at its own clock, and the core stays busy
 * until the burst's end; so a burst is exact in time although the engine
 * runs it in one step.
 *
 * Scheduling: one FIFO run queue; a free core (lowest index first) takes the
 * first runnable thread allowed to run (python's GIL lets one thread of a
 * process run at a time).  CPU work longer than a time slice (or the GIL's
 * switch interval) is preempted when another thread waits. */
#ifndef SIM_KERNEL_H
#define SIM_KERNEL_H

#include <stdint.h>

#include "core/al_future.h"
#include "core/al_os.h"
#include "core/al_scenario.h"
#include "core/al_trace.h"
#include "sim/sim_queue.h"

enum sim_tstate { SIM_T_BLOCKED, SIM_T_RUNNABLE, SIM_T_RUNNING, SIM_T_DONE };

struct sim_kernel;

struct sim_thread {
	struct al_loop loop;         /* the thread's tasks and ready queue */
	struct sim_kernel *k;
	struct sim_thread *next;     /* run queue link */
	struct al_future *joiner;    /* completed when the thread ends */
	struct al_future *cpu_wait;  /* completed when cpu_left reaches 0 */
	int64_t cpu_left;            /* CPU work still to run, ns */
	int64_t burst_start;
	int64_t debt;                /* ns charged in this burst (switch, syscalls, CPU) */
	uint64_t res0, cb0;          /* loop counters at the burst's start */
	uint64_t clk0;               /* burst_start less res0 and cb0 at their
	                                prices, mod 2^64 (sim__thread_clock) */
	int64_t tasks_seen;          /* loop.tasks at the last burst's end */
	uint32_t id, pid, lane;
	uint32_t cpu_lane;           /* the task whose CPU work it runs: its lane
	                                queues and runs with the thread (0: none) */
	int core;                    /* -1: not on a core */
	uint8_t state;               /* enum sim_tstate */
	uint8_t spinning;            /* 1: asked to spin; 2: spinning on its core */
	uint8_t bg;                  /* another program's (sim_kernel_bg) */
	uint8_t slept;               /* blocked since its last burst */
	uint8_t yielded;             /* its burst ended at a yield (sim_kernel_cpu) */
	uint8_t forked;              /* a fork's new thread, not yet woken: the fork
	                                queues it itself, with no wake-up latency */
	uint8_t by_host;             /* woken by a host program on the cores:
	                                it runs on the waker's CPU (sim_kernel.c) */
	int64_t slept_at;            /* when it last blocked */
	int64_t spin_since;
	int64_t owed;                /* CPU the kernel did for it meanwhile, ns */
	int64_t exit_cost;           /* CPU its process's exit runs when it ends
	                                (a fork's child: sim_fork_split) */
	int64_t stall;               /* off-CPU wait its burst ends in (a fork's
	                                sleep in the kernel: sim_fork_wait_ns) */
	uint8_t stalled;             /* in that wait: work for it waits too */
	int64_t turn_at;             /* when it last got a core */
};

struct sim_process {
	struct sim_thread *gil;      /* the thread holding the GIL, or NULL */
	int threads;                 /* not yet ended */
	int64_t queued;              /* its threads in the run queue */
	int64_t vm;                  /* address space reserved by thread stacks */
	int64_t records;             /* bytes it keeps for the processes it made */
	int64_t held;                /* memory beyond process_memory, freed at
				      * its end: its records, its page tables'
				      * copy of its forker's (sim_kernel_thread) */
	int64_t kids;                /* processes it forked, not yet ended */
	uint32_t parent;             /* its forker's pid, when forked */
	uint32_t lane;
	uint8_t forked;              /* made by a thread's fork: its parent reaps it */
	uint8_t threaded;            /* made a thread: its first paid thread_first */
};

struct sim_core {
	struct sim_thread *cur;      /* on the core now */
	struct sim_thread *last;     /* the last thread it ran: no switch back to it */
	int64_t freed_at;            /* when it last went free */
	/* the core's idle gaps that a thread asleep may have slept through,
	 * as suffix maxima: ends rising, lengths falling, so that the
	 * longest gap since any instant is one binary search */
	int64_t *gap_end, *gap_len;
	uint32_t ngaps, gaps_cap;
};

struct sim_kernel {
	struct sim_queue *q;
	struct al_os *os;            /* set on every thread's loop */
	const int64_t *now;          /* the engine's clock */
	const struct al_costs *c;
	/* a resume's price with its callback's, and a callback's (c's) */
	uint64_t resume_cb_ns, callback_ns;
	struct al_trace *tr;
	int gil;                     /* python GIL in force */
	int ncores;
	struct sim_core *cores;
	struct sim_thread *runq, **runq_tail;
	int64_t runq_len;
	int64_t runq_traced;         /* the runnable counter's last sample */
	struct sim_thread **threads;
	uint32_t nthreads, threads_cap;
	struct sim_process *procs;
	uint32_t nprocs, procs_cap;
	/* when a thread of process p last began a burst on core c, at
	 * [p * ncores + c] (INT64_MIN: never): its caches and TLB are warm
	 * there from then until the core's next halt (sim_wake_charge) */
	int64_t *warm_at;
	struct sim_thread *current;  /* the thread whose burst is running */
	/* the host's program whose work is waking threads now, if it runs on
	 * the model's cores: the packet emulator, while the network delivers
	 * (sim_os.c's hooks set it) */
	struct sim_thread *waker;
	int64_t live;                /* threads not ended */
	int64_t ctx_switches, involuntary;
	int64_t voluntary;           /* the model's threads blocking, as Linux counts */
	int64_t cpu_busy;            /* the model's threads' CPU (not bg)     */
	int64_t bg_busy;             /* the other programs' CPU               */
	int64_t memory, peak_memory, mem_limit;
	int64_t address_space;       /* per process */
	/* the host's programs (bg) in the run queue, and since when some */
	int64_t bg_queued, bg_since;
	/* told of each slice of CPU work a bg thread gets: it runs ns from
	 * at (sim_host.c finishes its programs' work in that order) */
	void (*bg_ran)(void *arg, struct sim_thread *th, int64_t at, int64_t ns);
	void *bg_arg;
};

int sim_kernel_init(struct sim_kernel *k, const struct al_scenario *sc, struct sim_queue *q,
		    const int64_t *now, struct al_trace *tr);
void sim_kernel_free(struct sim_kernel *k);

/* A new thread in process pid (pid < 0: in a new process), created by the
 * running thread (which pays the creation cost) or by nobody (the program's
 * first thread).  NULL with errno ENOMEM past the memory limit, or EAGAIN
 * when its stack does not fit in the process's address space (what
 * pthread_create says then). */
struct sim_thread *sim_kernel_thread(struct sim_kernel *k, int pid, const char *label);

/* th's clock in its burst: where it began, plus what it has been charged
 * since (debts, resumes and callbacks at the table's prices):
 * burst_start + debt + (resumes - res0) * resume + (callbacks - cb0) *
 * callback, where callbacks = calls + resumes.  Read as clk0 + debt +
 * resumes * (resume + callback) + calls * callback, clk0 the terms fixed
 * in the burst (sim__thread_clk0): the same sum mod 2^64, two loads and
 * three subtractions fewer at each of a page's ~70 reads. */
static inline int64_t sim__thread_clock(const struct sim_kernel *k, const struct sim_thread *th)
{
	return (int64_t)(th->clk0 + (uint64_t)th->debt + th->loop.resumes * k->resume_cb_ns +
			 th->loop.calls * k->callback_ns);
}
/* th's clk0 from its burst_start, res0 and cb0: set where they are. */
static inline void sim__thread_clk0(const struct sim_kernel *k, struct sim_thread *th)
{
	th->clk0 = (uint64_t)th->burst_start - th->res0 * (uint64_t)k->c->coroutine_resume_ns -
		   th->cb0 * k->callback_ns;
}

/* The time of whoever is acting now: the running thread's clock inside a
 * burst, the engine's clock outside.  Inline: the simulator reads it 70
 * times a page (every trace event, every timer), and the call was more
 * than the sum. */
static inline int64_t sim_kernel_clock(const struct sim_kernel *k)
{
	return k->current ? sim__thread_clock(k, k->current) : *k->now;
}
/* Charges ns of CPU to the running thread (no-op outside a burst). */
static inline void sim_kernel_charge(struct sim_kernel *k, int64_t ns)
{
	if (k->current)
		k->current->debt += ns;
}
/* The running thread has ns of CPU work to do; wait completes after it
 * (ns == 0: a yield, completing when the current burst ends, where a
 * thread past its base slice gives the core to one waiting for it, as
 * Linux's wake-up preemption does at the return of a fork that woke its
 * child: sim_kernel_turn_end).  -EINVAL
 * outside a thread, -EBUSY if another task of the thread already waits on
 * CPU work (a thread computes one thing at a time). */
int sim_kernel_cpu(struct sim_kernel *k, int64_t ns, struct al_future *wait);
/* The running thread busy-polls: when its burst ends it keeps its core
 * (spinning, the CPU busy) instead of blocking, until a future of its own
 * completes. */
void sim_kernel_spin(struct sim_kernel *k);
/* wait completes when thread id ends: 0, or -ESRCH / -EBUSY (already joined). */
int sim_kernel_join(struct sim_kernel *k, int64_t id, struct al_future *wait);
/* The simulated thread that owns loop, or NULL (a loop outside them). */
struct sim_thread *sim_kernel_thread_of(const struct al_loop *loop);
/* CPU the kernel spends on th's behalf while th is not running (a
 * parked recv's copy): th pays it at its next burst. */
void sim_kernel_owe(struct sim_kernel *k, struct sim_thread *th, int64_t ns);
/* Another program on the same cores (the origin server, a link emulator):
 * a thread of a process of its own that runs the CPU work given to it and
 * otherwise sleeps; it never ends, holds no memory of the model's, and
 * its CPU and switches are not the model's (bg_busy). */
struct sim_thread *sim_kernel_bg(struct sim_kernel *k, const char *label);
/* Between a bg thread and the crawler's, the core changes hands as
 * Linux's EEVDF scheduler does it (docs/simulator.md, "The host"): the
 * thread on the core keeps it while the other waits until it has run a
 * base slice (sim_kernel_base_slice) and the next tick comes (a tick
 * every time_slice: the CPU-bound slice is the tick when the base slice
 * is shorter), or, for the crawler's thread, at once past its base
 * slice if a host program wakes then (a host program on the core keeps
 * it to the tick: the crawler's wake-up does not preempt it, not
 * modelled); a thread that sleeps gives the core at once.  The crawler's
 * bursts are not cut: it changes hands at their ends. */
int64_t sim_kernel_base_slice(const struct sim_kernel *k);
/* When a thread that got a core at turn_at, with another waiting for it
 * since since, has to give it up (the rule above); >= turn_at. */
int64_t sim_kernel_turn_end(const struct sim_kernel *k, int64_t turn_at, int64_t since);
/* 1 while a thread of the model busy-polls on a core (it keeps it). */
int sim_kernel_spinning(const struct sim_kernel *k);
/* Gives bg thread th ns more CPU work, from now on. */
void sim_kernel_bg_work(struct sim_kernel *k, struct sim_thread *th, int64_t ns);
/* Memory accounting against the machine's limit: 0 or -ENOMEM. */
int sim_kernel_mem(struct sim_kernel *k, int64_t delta);

#endif
