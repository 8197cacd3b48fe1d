/* What a fork costs the simulated machine beyond process_create: the copy
 * of the records its parent keeps, and the memory it is charged
 * (sim_kernel_int.h; docs/costs.md, "A process pool's forks"). */
#include "sim/sim_kernel_int.h"

/* What a fork copies of what its parent keeps per child: fork_per_mib a
 * MiB of records.  The schema lets both be large (a TiB a child, 60 s a
 * MiB), so the product saturates at an hour rather than overflow: a
 * clock that ran backwards would be worse than one that says "forever". */
#define FORK_COPY_MAX (INT64_C(3600) * 1000000000)

int64_t sim_fork_copy_ns(int64_t records, int64_t ns_per_mib)
{
	int64_t kib = records / 1024;

	if (ns_per_mib <= 0 || kib <= 0)
		return 0;
	if (kib > FORK_COPY_MAX / ns_per_mib * 1024)
		return FORK_COPY_MAX;
	return kib / 1024 * ns_per_mib + kib % 1024 * ns_per_mib / 1024;
}

/* Where a fork's price is paid.  process_create and fork_per_mib are
 * measured as a fork, its child's exit and the wait, both sides; the
 * exit's part runs in the child when it ends: exit_mmap tearing down
 * what it shared with its forker, whose page tables grow with the
 * forker's records (docs/costs.md, "A process's exit").  A pool whose
 * workers all end after its last fork, as C10K's do, runs those exits
 * then, not between its forks.  Each exit part is at most its whole: a
 * profile that says more charges the whole to the exit, the fork none. */
void sim_fork_split(const struct al_costs *c, int64_t records, int64_t *fork,
		    int64_t *exit)
{
	int64_t fixed = c->process_exit_ns < c->process_create_ns ? c->process_exit_ns
								  : c->process_create_ns;
	int64_t per_mib = c->exit_ns_per_mib < c->fork_ns_per_mib ? c->exit_ns_per_mib
								  : c->fork_ns_per_mib;

	if (fixed < 0)
		fixed = 0;
	if (per_mib < 0)
		per_mib = 0;
	int64_t copy = sim_fork_copy_ns(records, c->fork_ns_per_mib);
	int64_t undo = sim_fork_copy_ns(records, per_mib);

	*exit = fixed + undo;
	*fork = c->process_create_ns - fixed + copy - undo;
}

/* A fork's wait off the CPU by the forker's live children.  On this
 * project's VM a fork sleeps in state D (anon_vma_clone, from dup_mmap)
 * while DAMON's kdamond walks the reverse maps of pages the forker shares
 * with its children, whose length is the children; the mean wait grows
 * with them, from nothing below a few thousand (docs/costs.md, "A fork's
 * wait").  calibrate --fork-wait measures it at 3,000 and 6,000 live
 * children; between and beyond, the line through both, never below 0
 * (below its zero the walks are too short to be met), and never falling.  Saturating, as a
 * fork's copy is: a million children are as many as the line needs. */
#define WAIT_LIVE_MAX 1000000

int64_t sim_fork_wait_ns(const struct al_costs *c, int64_t live)
{
	int64_t w3 = c->fork_wait_3k_ns, w6 = c->fork_wait_6k_ns;

	if (w3 <= 0 && w6 <= 0)
		return 0;
	if (live > WAIT_LIVE_MAX)
		live = WAIT_LIVE_MAX;
	/* |w6 - w3| <= 60 s (the schema's bound), live < 10^6: no overflow.
	 * A line that does not rise (the probe's noise: a long stretch in
	 * the 3,000 batch) is read as no growth past 3,000; below 3,000 the
	 * wait is at most the line from nothing to fork_wait_3k, so a shallow
	 * line does not charge a pool of ten nearly fork_wait_3k a fork. */
	int64_t w = w6 > w3 ? w3 + (live - 3000) * (w6 - w3) / 3000 : w3;
	if (live < 3000 && w > live * w3 / 3000)
		w = live * w3 / 3000;    /* a shallow line: never w3 at no child */

	if (w <= 0)
		return 0;
	return w > FORK_COPY_MAX ? FORK_COPY_MAX : w;
}

/* A fork's memory beyond process_memory, where the profile prices a
 * pool's records (al_fork_record; else none, as before issue 11's
 * pool part): the record the forker keeps for the child (child_record,
 * its RssAnon's growth) and the child's copy of the page tables that map
 * the forker's records (al_fork_page_tables, which the real run's
 * admission counts too).  Both are charged to a memory cgroup: a real
 * C10K pool's charge grows 380 KB a live worker where calibrate's probe
 * says 342 KiB (docs/costs.md, "A process pool's forks"). */

void sim_fork_memory(const struct sim_kernel *k, int64_t forker, int64_t *kept,
		     int64_t *copied)
{
	int64_t record = forker < 0 ? 0 : al_fork_record(k->c);

	*kept = record;
	*copied = record ? al_fork_page_tables(k->procs[forker].records) : 0;
}
