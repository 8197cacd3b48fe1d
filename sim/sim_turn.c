/* Whose turn it is on a core, between the crawler's threads and the
 * host's programs (sim_kernel.h, sim_kernel_turn_end): Linux's EEVDF
 * scheduler reduced to the two facts that set the turns' lengths -- the
 * base slice a thread is protected for, and the tick that checks it. */
#include "sim/sim_kernel.h"

int64_t sim_kernel_base_slice(const struct sim_kernel *k)
{
	/* Linux's default (kernel/sched/fair.c, sysctl_sched_base_slice,
	 * as this VM's 6.18 has it): 0.7 ms x (1 + log2 of the CPUs, at most 8) */
	int n = k->ncores < 8 ? k->ncores : 8, f = 1;

	while (n > 1) {
		n >>= 1;
		f++;
	}
	return INT64_C(700000) * f;
}

int64_t sim_kernel_turn_end(const struct sim_kernel *k, int64_t turn_at, int64_t since)
{
	int64_t e = turn_at + sim_kernel_base_slice(k), tick = k->c->time_slice_ns;
	int64_t at_tick = tick > 0 ? (e + tick - 1) / tick * tick : e;

	/* a wake-up past the base slice is checked at once (the kernel
	 * updates the running thread's deadline then); before it, the
	 * running one is protected until its slice ends (RUN_TO_PARITY) */
	return since > e && since < at_tick ? since : at_tick;
}

int sim_kernel_spinning(const struct sim_kernel *k)
{
	for (int i = 0; i < k->ncores; i++)
		if (k->cores[i].cur && k->cores[i].cur->spinning)
			return 1;
	return 0;
}
