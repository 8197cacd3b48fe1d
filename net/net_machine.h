/* The scenario's machine, applied to a real run: machine.cores as CPU
 * affinity, machine.memory as a memory cgroup around the model's process
 * tree (docs/real.md, "The scenario's machine").
 *
 * A cgroup is made per model run, under the cgroup this process is in,
 * named asynclab-PID-N, and removed when the run ends; one left behind by
 * a run that was killed is removed by the next run that makes one (its PID
 * is gone).  Version 2 (memory.max) where this process's cgroup is on the
 * unified hierarchy with the memory controller delegated; else version 1
 * (memory.limit_in_bytes, memsw too where swap is accounted, swappiness 0);
 * else none, and the run says so. */
#ifndef NET_MACHINE_H
#define NET_MACHINE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Writes text to a kernel file (/proc/sys, a cgroup's) in one write.
 * 0, or -1 with errno (EIO: a short write). */
int net_machine_write(const char *path, const char *text);

/* How many CPUs this process may run on (its affinity mask), at least 1. */
int net_machine_cpus(void);

/* Pins the calling process (and what it forks or spawns later) to the first
 * `cores` CPUs of its affinity mask, or to all of them when it has fewer.
 * Returns how many it is pinned to, or -1 with errno. */
int net_machine_pin(int cores);

/* Pins the calling process to the CPUs of its affinity mask after the
 * first `skip` (those net_machine_pin(skip) gives a model): the cores the
 * model does not have.  Returns how many; 0 when there are none, and the
 * process is then left as it was; -1 with errno. */
int net_machine_pin_rest(int skip);

/* A memory cgroup made for one run; all zero is none. */
struct net_cgroup {
	int version;                 /* 1 or 2; 0: none */
	char dir[PATH_MAX];          /* its directory */
};

/* Makes a memory cgroup under this process's own, with no limit yet.
 * Returns 0, or -1 with why (one line: the version tried and what failed)
 * and cg left as none. */
int net_cgroup_new(struct net_cgroup *cg, char *why, size_t whylen);

/* Moves the calling process into cg (its children follow).  0 or -1 with
 * errno. */
int net_cgroup_enter(const struct net_cgroup *cg);

/* Bytes charged to cg now, or -1 with errno. */
int64_t net_cgroup_usage(const struct net_cgroup *cg);

/* Sets cg's limit to bytes (and swap to none past it).  0, or -1 with
 * errno (EBUSY: more is charged already). */
int net_cgroup_limit(const struct net_cgroup *cg, int64_t bytes);

/* How many processes cg's OOM killer has killed so far (0 when the kernel
 * does not say). */
int64_t net_cgroup_oom_kills(const struct net_cgroup *cg);

/* Removes cg: kills what is still in it, waits for it to empty (up to 2 s)
 * and removes the directory.  Safe on none; cg is none after. */
void net_cgroup_free(struct net_cgroup *cg);

/* The pools' admission, the simulator's rule (sim_kernel_mem) on the real
 * cgroup: once armed with the charge of the model's process (base), the
 * limit, and what each process and each thread costs (the profile's
 * process_memory and thread_memory), a fork or a thread is refused with
 * ENOMEM unless the cgroup has room for it -- room counted on its real
 * charge or on base + the cost of each process and thread started so far,
 * whichever is more (a worker just started has not grown to its size
 * yet).  A process costs as the simulator charges it: per_process, plus,
 * where record > 0 (the profile prices a pool's records, child_record),
 * the record its parent keeps and the page tables it copies of the
 * records of the processes before it (al_fork_page_tables); a worker
 * that ends gives that back but the record (net_cgroup_gone), as the
 * simulator's end of a process does (sim_thread.c).  The kernel
 * enforces the limit itself for whatever this misses: its OOM killer.
 * Process wide, in the cgroup's process; its pools are started from one
 * thread. */
void net_cgroup_budget(int64_t base, int64_t limit, int64_t per_process, int64_t per_thread,
		       int64_t record);
/* 0: a process (thread: 0) or a thread (1) may be started; -1 with errno
 * ENOMEM: it would not fit.  Always 0 outside an armed cgroup. */
int net_cgroup_admit(int thread);
/* One admitted was started: it counts from now. */
void net_cgroup_admitted(int thread);
/* Called by a forked worker as it ends (not one killed): what it was
 * counted, its parent's record aside, no longer is.  Nothing outside an
 * armed cgroup. */
void net_cgroup_gone(void);
/* Whether the OOM killer of the cgroup this process entered has killed a
 * process since it was armed. */
int net_cgroup_oomed(void);

/* Makes the calling process the OOM killer's first choice: a worker of the
 * process pool, so that when the cgroup is full a worker dies and its
 * pages fail, not the model's process, whose death would lose the whole
 * run's report. */
void net_machine_oom_first(void);

/* The cgroup the calling process entered with net_cgroup_enter (process
 * wide: a cgroup is a process's), or NULL. */
const struct net_cgroup *net_cgroup_current(void);

#endif
