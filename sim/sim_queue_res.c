/* The reserved event's rare paths (sim_queue.h, sim_queue_res_set): held
 * apart, it is weighed against the front's first at each pop; where a pop
 * has no front to weigh it against and it ties the buckets' least time,
 * or the sequence numbers run out, it becomes an entry among the others
 * (spilled), and stays the reserved event: a move or a clear cancels that
 * entry. */
#include "sim/sim_queue.h"
#include "sim/sim_queue_int.h"

/* A spilled reserved event's entry, popped: the reserved event is
 * clear, and its owner's callback runs. */
static void res_fire(void *arg, int64_t now)
{
	struct sim_queue *q = arg;
	sim_fn fn = q->res.fn;
	void *a = q->res.arg;

	q->res_tok = 0;
	q->res_t = INT64_MAX;
	fn(a, now);
}

/* The reserved event becomes an entry as a push makes them, its key
 * (time, sequence) kept.  Its sequence may be below others' at its time,
 * unlike a push's: the current bucket's order is checked again.  It
 * stays the reserved event (res_t, res_tok; nlive counted it): a move or
 * a clear cancels the entry, its pop runs res_fire. */
void sim__queue_res_spill(struct sim_queue *q)
{
	if (q->res_t < q->last && sim__queue_rebuild(q, 0) != 0)
		sim__queue_oom();
	sim_qent key = q->res.key;

	q->res.key = ~(sim_qent)0;
	q->res_tok = sim__queue_enter(q, key >> 32 << 32, res_fire, q);
	if (!q->res_tok)
		sim__queue_oom();
	q->sorted = 0;
}

void sim__queue_res_unspill(struct sim_queue *q)
{
	sim_queue_cancel(q, q->res_tok);     /* nlive less */
	q->res_tok = 0;
	q->nlive++;
}

void sim__queue_res_renumber(struct sim_queue *q)
{
	if (sim__queue_rebuild(q, 1) != 0)
		sim__queue_oom();
}
