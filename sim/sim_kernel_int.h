/* The simulated kernel's insides, shared by its files: sim_kernel.c (the
 * run queue, bursts, cores), sim_thread.c (threads and processes made,
 * ended, joined), sim_idle.c (a core's idle gaps and the wake-up's price
 * by them) and sim_fork.c (what a fork costs).  Not for the kernel's
 * users (sim_os.c, sim_host.c, ...): they have sim_kernel.h. */
#ifndef SIM_KERNEL_INT_H
#define SIM_KERNEL_INT_H

#include "sim/sim_kernel.h"

/* th's state in the trace from t, when it has a lane there (a host's
 * program has none). */
static inline void sim__state(struct sim_kernel *k, struct sim_thread *th, int64_t t,
			      enum al_state st)
{
	if (th->lane)
		al_trace_state(k->tr, t, th->lane, st, 0);
}

/* Every thread's loop's notify hook (sim_kernel.c): work for th makes it
 * runnable after the wake-up latency, or its burst finds it. */
void sim__notify(struct al_loop *loop);
/* th's loop has no task left: it ends at now, its memory freed and its
 * joiner told (sim_thread.c). */
void sim__thread_end(struct sim_kernel *k, struct sim_thread *th, int64_t now);

/* The core starts running at now after sitting idle since its freed_at:
 * that gap is kept while it may still be the longest since some instant
 * (sim/sim_idle.c). */
void sim_core_gap_push(struct sim_core *c, int64_t now);
/* The longest the core sat idle after t (a gap that began before t counts
 * from t); 0 for none. */
int64_t sim_core_gap_since(const struct sim_core *c, int64_t t);
void sim_core_gaps_free(struct sim_core *c);
/* The CPU a thread pays beyond the table's other costs when it runs again
 * after blocking slept_ns (the kernel passes the longest its core sat idle
 * meanwhile, when other threads kept it busy part of that time:
 * docs/simulator.md): 0 for 0; wake_100us up to 0.1 ms, then along
 * log(slept_ns) towards wake_segment_1ms (a segment's recv after 1 ms;
 * wake_1ms where it is 0), wake_1ms from 1 ms, wake_100ms from 100 ms,
 * along log(slept_ns) between those two; with wake_100us 0 (a profile
 * that did not measure it), wake_1ms up to 1 ms (docs/costs.md).
 * Charged at the first burst after every block of the crawler's
 * threads. */
int64_t sim_wake_cost(const struct al_costs *c, int64_t slept_ns);
/* That charge, cost, for a thread woken from its own CPU rather than
 * another: times wake_1ms over wake_remote_1ms (calibrate's probe woken
 * both ways), when both are measured and the remote one is the dearer;
 * else cost.  An empirical share: the wake_* figures themselves match
 * runs woken from the other CPU (docs/costs.md). */
int64_t sim_wake_local(const struct al_costs *c, int64_t cost);
/* What th pays for running cold as it gets core ci at now: after a sleep,
 * a crawler's thread pays sim_wake_cost of the core's longest halt since
 * it, or since its process last ran on the core, if later (sim_idle.c);
 * and the process is warm on ci from now.  Returns what it charged. */
int64_t sim_wake_charge(struct sim_kernel *k, struct sim_thread *th, int ci, int64_t now);
/* A fork's wait off the CPU with `live` children of the forker alive
 * (fork_wait_3k, fork_wait_6k: the line through both, never below 0). */
int64_t sim_fork_wait_ns(const struct al_costs *c, int64_t live);
/* A fork's copy of the records its parent keeps: records bytes at
 * ns_per_mib a MiB, saturating at an hour (sim/sim_fork.c). */
int64_t sim_fork_copy_ns(int64_t records, int64_t ns_per_mib);
/* A fork with the forker keeping `records` bytes: the CPU its child's
 * exit runs at the child's end (process_exit, exit_per_mib), and what the
 * forker's fork costs (process_create and the records' copy less that),
 * which add up to what the fork cost with both 0. */
void sim_fork_split(const struct al_costs *c, int64_t records, int64_t *fork,
		    int64_t *exit);
/* A fork's memory beyond process_memory, by forker (-1: none): what the
 * forker keeps for the child, and the child's page tables. */
void sim_fork_memory(const struct sim_kernel *k, int64_t forker, int64_t *kept,
		     int64_t *copied);

#endif
