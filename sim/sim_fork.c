/* What a fork costs the simulated machine beyond process_create: the copy
 * of the records its parent keeps, and the memory it is charged
 * (sim_kernel.h; docs/costs.md, "A process pool's forks"). */
#include "sim/sim_kernel.h"

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

/* A fork's memory beyond process_memory, where the profile prices a
 * pool's records (fork_per_mib > 0; else none, as before issue 11's
 * pool part): the record the forker keeps for the child (child_record,
 * its RssAnon's growth) and the child's copy of the page tables that map
 * the forker's records -- 8 bytes an entry for each 4 KiB page, a 4 KiB
 * page-table page for each 2 MiB, on x86-64 and arm64 with 4 KiB pages.
 * Both are charged to a memory cgroup: a real C10K pool's charge grows
 * 380 KB a live worker where calibrate's probe says 342 KiB
 * (docs/costs.md, "A process pool's forks"). */
#define PTE_SPAN 512     /* bytes mapped per byte of page table */

void sim_fork_memory(const struct sim_kernel *k, int64_t forker, int64_t *kept,
		     int64_t *copied)
{
	*kept = *copied = 0;
	if (forker < 0 || k->c->fork_ns_per_mib <= 0)
		return;
	*kept = k->c->child_record;
	*copied = k->procs[forker].records / PTE_SPAN;
}
