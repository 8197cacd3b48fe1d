/* The event queue's insides, shared by its two files: sim_queue.c (the
 * radix heap, the front, push and pop) and sim_queue_res.c (the reserved
 * event's rare paths: spilled among the entries, renumbered).  Not for
 * the queue's users: they have sim_queue.h. */
#ifndef SIM_QUEUE_INT_H
#define SIM_QUEUE_INT_H

#include "sim/sim_queue.h"

static inline sim_qent make_key(int64_t t, uint32_t seq, uint32_t slot)
{
	return (sim_qent)(uint64_t)t << 64 | (sim_qent)seq << 32 | slot;
}

static inline int64_t key_time(sim_qent k) { return (int64_t)(uint64_t)(k >> 64); }
static inline uint32_t key_slot(sim_qent k) { return (uint32_t)k; }

/* Out of memory where the queue cannot fail half-way (a pop moving
 * entries, a spill): fatal, as it is in sim_net_must_push. */
_Noreturn void sim__queue_oom(void);

/* Rebuilds the buckets around last = 0, which is below every key: for a
 * key scheduled before the last one taken, and when the 32-bit sequence
 * runs out (renumber: the entries, in order, get 0, 1, 2..., the
 * reserved event's spilled first).  0, or -1 with errno ENOMEM. */
int sim__queue_rebuild(struct sim_queue *q, int renumber);
/* Enters an entry of key `key` (time and sequence; its slot's bits 0)
 * under a slot of its own, as sim_queue_push does: its token, or 0 with
 * errno ENOMEM.  Counted in n; not in the sequence or nlive. */
uint64_t sim__queue_enter(struct sim_queue *q, sim_qent key, sim_fn fn, void *arg);
/* The reserved event held apart becomes an entry under its key
 * (sim_queue_res.c). */
void sim__queue_res_spill(struct sim_queue *q);

#endif
