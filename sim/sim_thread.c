/* The simulated kernel's threads and processes (sim_kernel.h): made, with
 * their creation's price, memory and trace lanes (a fork's costs are
 * sim_fork.c's), the host's programs among them, ended, and joined.  The
 * machine's memory is counted here too, as threads and sockets take and
 * give it back. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/sim_kernel_int.h"

int sim_kernel_mem(struct sim_kernel *k, int64_t delta)
{
	if (delta > 0 && k->memory + delta > k->mem_limit)
		return -ENOMEM;
	k->memory += delta;
	if (k->memory > k->peak_memory)
		k->peak_memory = k->memory;
	al_trace_counter(k->tr, sim_kernel_clock(k), AL_CTR_MEMORY, k->memory);
	return 0;
}

void sim__thread_end(struct sim_kernel *k, struct sim_thread *th, int64_t now)
{
	th->state = SIM_T_DONE;
	sim__state(k, th, now, AL_ST_DONE);
	k->live--;
	k->procs[th->pid].threads--;
	/* A forked process's last thread switches out for good, and Linux
	 * counts that switch in its nvcsw, which the parent's wait adds to
	 * RUSAGE_CHILDREN: one voluntary switch per reaped child.  Not so for
	 * a thread, whose counts join its process's before that switch
	 * (docs/simulator.md, context switches). */
	if (k->procs[th->pid].threads == 0 && k->procs[th->pid].forked) {
		k->voluntary++;
		k->procs[k->procs[th->pid].parent].kids--;
	}
	k->procs[th->pid].vm -= k->c->thread_stack;
	sim_kernel_mem(k, -(k->procs[th->pid].threads == 0
			    ? k->c->process_memory + k->procs[th->pid].held
			    : k->c->thread_memory));
	if (th->joiner) {
		struct al_future *w = th->joiner;
		th->joiner = NULL;
		al_future_set(w, 0, 0);
	}
}

struct sim_thread *sim_kernel_thread(struct sim_kernel *k, int pid, const char *label)
{
	int newproc = pid < 0;
	int64_t cost = newproc ? k->c->process_create_ns : k->c->thread_create_ns;
	int64_t mem = newproc ? k->c->process_memory : k->c->thread_memory;
	/* a model's process making its first thread pays for becoming a
	 * threaded one; the runner's threads are made from outside any */
	int first = !newproc && k->current && !k->procs[pid].threaded;

	if (first)
		cost += k->c->thread_first_ns;
	/* the process forking: a pool's parent copies the page tables of
	 * what it keeps per child so far */
	int64_t forker = newproc && k->current ? (int64_t)k->current->pid : -1;

	int64_t kept, copied;

	int64_t stall = 0, exit_cost = 0;

	if (forker >= 0) {
		int64_t fork;

		/* the fork, less its child's exit, which the child runs as it
		 * ends (sim_fork_split) */
		sim_fork_split(k->c, k->procs[forker].records, &fork, &exit_cost);
		cost += fork - k->c->process_create_ns;
		stall = sim_fork_wait_ns(k->c, k->procs[forker].kids);
	}
	sim_fork_memory(k, forker, &kept, &copied);
	mem += kept + copied;

	if (!newproc && k->procs[pid].vm + k->c->thread_stack > k->address_space) {
		errno = EAGAIN;
		return NULL;
	}
	if (sim_kernel_mem(k, mem) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (k->nthreads == k->threads_cap || (newproc && k->nprocs == k->procs_cap)) {
		uint32_t tc = k->threads_cap ? 2 * k->threads_cap : 16;
		uint32_t pc = k->procs_cap ? 2 * k->procs_cap : 16;
		struct sim_thread **t = realloc(k->threads, tc * sizeof *t);
		if (t) {
			k->threads = t;
			k->threads_cap = tc;
		}
		/* a process's warm time on each core: grown first, so that
		 * procs_cap never counts rows it lacks */
		int64_t *w = realloc(k->warm_at, (size_t)pc * (size_t)k->ncores * sizeof *w);
		struct sim_process *p = NULL;
		if (w) {
			k->warm_at = w;
			p = realloc(k->procs, pc * sizeof *p);
		}
		if (p) {
			k->procs = p;
			k->procs_cap = pc;
		}
		if (!t || !p)
			goto nomem;
	}
	struct sim_thread *th = calloc(1, sizeof *th);
	if (!th)
		goto nomem;
	int64_t at = sim_kernel_clock(k);
	sim_kernel_charge(k, cost);
	if (newproc) {
		pid = (int)k->nprocs++;
		k->procs[pid] = (struct sim_process){.forked = forker >= 0};
		for (int i = 0; i < k->ncores; i++)   /* never ran there */
			k->warm_at[(size_t)pid * (size_t)k->ncores + (size_t)i] = INT64_MIN;
		k->procs[pid].lane = al_trace_lane(k->tr, at, AL_LANE_PROCESS, 0, label,
						   (uint32_t)pid);
	}
	k->procs[pid].threads++;
	if (first)
		k->procs[pid].threaded = 1;
	k->procs[pid].vm += k->c->thread_stack;
	if (forker >= 0) {       /* saturating: records only price a fork */
		k->procs[forker].records = k->procs[forker].records > INT64_MAX - k->c->child_record
			? INT64_MAX : k->procs[forker].records + k->c->child_record;
		k->procs[forker].held += kept;
		k->procs[forker].kids++;
		k->procs[pid].held = copied;
		k->procs[pid].parent = (uint32_t)forker;
		/* the fork returns after its wait off the CPU: at its burst's
		 * end (on_core_free), the forker sleeps that long */
		k->current->stall += stall;
	}
	th->k = k;
	th->id = k->nthreads;
	th->pid = (uint32_t)pid;
	th->core = -1;
	th->state = SIM_T_BLOCKED;
	/* a forked process pays its copy-on-write faults and exit on its
	 * own CPU, from its first burst; the runner's processes and the
	 * host's programs are made from outside any thread: not forks */
	th->owed = forker >= 0 ? k->c->process_cow_ns : 0;
	th->exit_cost = exit_cost;
	th->forked = forker >= 0;
	th->lane = al_trace_lane(k->tr, at, AL_LANE_THREAD, k->procs[pid].lane, label, th->id);
	al_loop_init(&th->loop, k->os);
	th->loop.notify = sim__notify;
	th->loop.owner = th;
	sim__state(k, th, at, AL_ST_CREATE);
	k->threads[k->nthreads++] = th;
	k->live++;
	return th;
nomem:
	sim_kernel_mem(k, -mem);
	errno = ENOMEM;
	return NULL;
}

struct sim_thread *sim_kernel_thread_of(const struct al_loop *loop)
{
	return loop && loop->notify == sim__notify ? loop->owner : NULL;
}

struct sim_thread *sim_kernel_bg(struct sim_kernel *k, const char *label)
{
	/* The process and thread exist; their memory is another program's,
	 * and they stay out of the model's trace. */
	int64_t lim = k->mem_limit, mem = k->memory, peak = k->peak_memory;
	struct al_trace *tr = k->tr;
	k->mem_limit = INT64_MAX;
	k->tr = NULL;
	struct sim_thread *th = sim_kernel_thread(k, -1, label);
	k->mem_limit = lim;
	k->memory = mem;
	k->peak_memory = peak;
	k->tr = tr;
	if (!th)
		return NULL;
	th->bg = 1;
	k->live--;               /* the run does not wait for it */
	return th;
}

int sim_kernel_join(struct sim_kernel *k, int64_t id, struct al_future *wait)
{
	if (id < 0 || id >= k->nthreads)
		return -ESRCH;
	struct sim_thread *th = k->threads[id];
	if (th->state == SIM_T_DONE)
		return al_future_set(wait, 0, 0), 0;
	if (th->joiner)
		return -EBUSY;
	th->joiner = wait;
	wait->parked = &th->joiner;
	return 0;
}
