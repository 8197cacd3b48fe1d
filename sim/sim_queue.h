/* The simulator's event queue: a 4-ary min-heap keyed by (time, sequence).
 *
 * The sequence number makes the order total: two events at the same
 * virtual time run in the order they were scheduled, on every run and
 * build.  Heap entries are 16 bytes (time, sequence, slot) so four children
 * share a cache line; the callback and its argument live in a slot table,
 * which also gives O(1) cancellation (the entry becomes a tombstone,
 * skipped when it surfaces).
 *
 * A pop leaves a hole at the root instead of sifting at once: a simulation
 * usually schedules an event right after taking one, and that push fills
 * the hole with a single sift-down instead of a sift-down plus a sift-up. */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

typedef void (*sim_fn)(void *arg, int64_t now);

/* (time, sequence, slot) packed into one 128-bit key, time in the high
 * half: one unsigned compare orders by time, then by sequence.  Times are
 * never negative. */
typedef unsigned __int128 sim_qent;

struct sim_slot {
	sim_fn fn;                   /* NULL: free or cancelled */
	void *arg;
	uint32_t gen;                /* bumped on free: stale tokens miss */
	uint32_t next_free;
};

struct sim_queue {
	sim_qent *heap;
	size_t n, cap;
	struct sim_slot *slots;
	uint32_t nslots, slots_cap, free_head;
	uint32_t seq;
	int hole;                    /* heap[0] was popped and not yet refilled */
	size_t live;                 /* scheduled and not cancelled */
};

int sim_queue_init(struct sim_queue *q);
void sim_queue_free(struct sim_queue *q);
/* Schedules fn(arg, t) at time t.  Returns a token for sim_queue_cancel
 * (never 0), or 0 if memory ran out (errno ENOMEM). */
uint64_t sim_queue_push(struct sim_queue *q, int64_t t, sim_fn fn, void *arg);
/* Cancels a scheduled event; a stale or 0 token is ignored. */
void sim_queue_cancel(struct sim_queue *q, uint64_t token);
/* Removes the earliest live event: returns 1 and fills t/fn/arg, or 0 if
 * none is left. */
int sim_queue_pop(struct sim_queue *q, int64_t *t, sim_fn *fn, void **arg);

static inline size_t sim_queue_size(const struct sim_queue *q)
{
	return q->live;
}

#endif
