/* The simulator's event queue: a radix heap on time, 256 buckets a byte,
 * ordered by (time, sequence).
 *
 * The sequence number makes the order total: two events at the same
 * virtual time run in the order they were scheduled, on every run and
 * build.  A simulation never schedules before the event it is running, so
 * times only grow past the last one taken; a radix heap uses that: bucket
 * (L, d) holds the events whose highest byte of time differing from the
 * last time taken is byte L, and whose byte L is d.  A pop empties the
 * lowest bucket only, down into lower levels; an event moves at most once
 * a level, by sequential appends, so no step is a cache miss per level as
 * in a heap of a million entries.  Level 0 buckets hold one time each; the
 * one being taken is sorted by sequence once.  (An event scheduled before
 * the last time taken still pops in order: the buckets are rebuilt.)
 *
 * Entries are 32 bytes and carry their callback; a slot per event gives
 * the cancellation token (a generation, odd while the event is live): a cancelled entry
 * stays as a tombstone, skipped when it surfaces, so cancelling is O(1).
 *
 * Most events a crawl schedules are due before everything pending (a
 * link's next segment, a core's end of burst, a selector's collection
 * now): such events wait in a few front slots outside the buckets, in
 * order, and a pop takes the first there, without a bucket's append,
 * moves and scan.  The order is the same (time, then sequence): every
 * front key is below every bucket's.  One slot was not enough: an event
 * at now (a selector's collection) pushed before the link's next segment
 * sent that one to the buckets, and the link's events were half a tcp
 * linux crawl's.
 *
 * The link's event, moved at every join and leave, is one reserved
 * event held apart (sim_queue_res_set): a move is a store with a new
 * sequence number, not a cancel and a push, and leaves no tombstone; a
 * pop weighs it against the front's first.  With no front to weigh it
 * against and a tie in time with the buckets' least, it joins them
 * (spilled) under the same key. */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_mem.h"

typedef void (*sim_fn)(void *arg, int64_t now);

/* (time, sequence, slot) packed into one 128-bit key, time in the high
 * half: one unsigned compare orders by time, then by sequence.  Times are
 * never negative. */
typedef unsigned __int128 sim_qent;

/* An entry carries its callback: a pop reads only the bucket it scans,
 * never a table as large as what is pending (that cache miss was most of
 * a pop with a million pending). */
struct sim_qitem {
	sim_qent key;
	sim_fn fn;
	void *arg;
};

#define SIM_QUEUE_LEVELS 8       /* bytes of a time */
#define SIM_QUEUE_BLOCK 127      /* entries a block: 4 KiB with its header */
#define SIM_QUEUE_FRONT 4        /* front slots, a power of two */

/* A bucket is a FIFO of blocks from the queue's pool: growing never
 * copies (a realloc of a large bucket was 6 % of a 100k-page crawl), and
 * an emptied block goes back to the pool, warm, for the next bucket. */
struct sim_qblock {
	struct sim_qblock *next;     /* full but the bucket's last (its tail) */
	struct sim_qitem v[SIM_QUEUE_BLOCK];
};

/* A bucket's one entry stays in the bucket itself, in a block only once
 * a second comes: most buckets of a crawl hold one time, one entry, and a
 * block a bucket put each pending entry on a 4 KiB block of its own, a
 * cache miss to fill it and one to take it (a third of a pop, 100k pages
 * pending).  A bucket is a cache line. */
struct sim_bucket {
	struct sim_qblock *first, *last;   /* NULL when n < 2 and no block */
	uint32_t n;                  /* entries not yet taken */
	uint16_t hi;                 /* the next one to take, in first */
	uint16_t tail;               /* entries in last: kept here, an append
				      * touches the bucket and its slot, not
				      * the block's header too */
	int64_t tmin;                /* the least time, when n > 0 */
	struct sim_qitem one;        /* the entry, when n == 1 and !first */
};

/* A slot names one scheduled event for sim_queue_cancel: its generation,
 * in the token, odd while the event is live: the push makes it odd, the
 * pop or the cancel even (a bit array apart cost a load and a store more
 * a push and a pop).  A cancelled entry's slot is reused only once the
 * entry surfaces. */
struct sim_queue {
	struct sim_bucket *b;        /* [SIM_QUEUE_LEVELS * 256] */
	struct sim_qblock *pool;     /* free blocks: memory follows the peak pending */
	struct al_arena mem;         /* where blocks are carved: huge pages, */
	struct al_arena *shared;     /* unless the owner's arena: then there */
	uint64_t nonempty[SIM_QUEUE_LEVELS * 4];  /* bit per bucket */
	uint32_t words;              /* bit w: nonempty[w] != 0 */
	/* below every key in the buckets, in key order: a ring of nfront
	 * from fhead (mod SIM_QUEUE_FRONT) */
	struct sim_qitem front[SIM_QUEUE_FRONT];
	uint32_t fhead, nfront;
	int sorted;                  /* the current bucket is in key order */
	int64_t last;                /* the last time taken; every entry is at or after */
	size_t n;                    /* entries, the front and tombstones included */
	uint32_t *gen;               /* per slot: odd while its event is live */
	uint32_t *free;              /* stack of free slots */
	uint32_t nslots, slots_cap, nfree;
	uint32_t seq;
	size_t nlive;                /* scheduled and not cancelled, the
				      * reserved one included */
	/* The reserved event (sim_queue_res_set): one, outside the front
	 * and the buckets, its key ~0 while there is none; res_t its time,
	 * INT64_MAX while none. */
	struct sim_qitem res;
	int64_t res_t;
	uint64_t res_tok;            /* its entry's token once spilled (a pop
				      * with no front to weigh it against) */
};

int sim_queue_init(struct sim_queue *q);
void sim_queue_free(struct sim_queue *q);
/* Schedules fn(arg, t) at time t (t >= 0).  Returns a token for
 * sim_queue_cancel (never 0), or 0 if memory ran out (errno ENOMEM). */
uint64_t sim_queue_push(struct sim_queue *q, int64_t t, sim_fn fn, void *arg);
/* 1 if an event at t pushed now would be the next one popped: t is
 * before every entry's time (the reserved one's, and cancelled ones
 * included: the answer may be a needless no, never a wrong yes).  Lets an owner run that event at once,
 * as if pushed and popped, without either. */
static inline int sim_queue_before(struct sim_queue *q, int64_t t);
/* The reserved event: one owner's one pending event, moved often (the
 * link's next segment, sim_net_link.c), kept apart so that a move is a
 * store, not a cancel that leaves a tombstone and a push.  Set at t, it
 * takes its sequence number then, as a push would: the order is the
 * same as pushed (time, then sequence).  Replaces the reserved event
 * if there is one; sim_queue_res_clear cancels it; a pop of it clears
 * it.  Counted in sim_queue_size. */
static inline int sim_queue_res_on(const struct sim_queue *q)
{
	return q->res_t != INT64_MAX;
}
/* (the rare paths: a spilled reserved event's entry cancelled, its
 * count kept; the sequence numbers run out) */
void sim__queue_res_unspill(struct sim_queue *q);
void sim__queue_res_renumber(struct sim_queue *q);
static inline void sim_queue_res_clear(struct sim_queue *q)
{
	if (!sim_queue_res_on(q))
		return;
	if (__builtin_expect(q->res_tok != 0, 0))
		sim__queue_res_unspill(q);
	q->res.key = ~(sim_qent)0;
	q->res_t = INT64_MAX;
	q->nlive--;
}
static inline void sim_queue_res_set(struct sim_queue *q, int64_t t, sim_fn fn, void *arg)
{
	sim_queue_res_clear(q);
	if (__builtin_expect(q->seq == UINT32_MAX, 0))
		sim__queue_res_renumber(q);
	q->res = (struct sim_qitem){(sim_qent)(uint64_t)t << 64 | (sim_qent)q->seq << 32, fn, arg};
	q->res_t = t;
	q->seq++;
	q->nlive++;
}
/* Cancels a scheduled event; a stale or 0 token is ignored. */
void sim_queue_cancel(struct sim_queue *q, uint64_t token);
/* Pops the reserved event held apart (not spilled: its key is set, so
 * it has no entry among the others to cancel); returns 1. */
static inline int sim__queue_res_take(struct sim_queue *q, int64_t *t, sim_fn *fn, void **arg)
{
	*t = q->res_t;
	*fn = q->res.fn;
	*arg = q->res.arg;
	q->res.key = ~(sim_qent)0;
	q->res_t = INT64_MAX;
	q->nlive--;
	return 1;
}
/* sim_queue_pop's path where the front's first is not a live entry
 * before the reserved one. */
int sim__queue_pop(struct sim_queue *q, int64_t *t, sim_fn *fn, void **arg);
/* Removes the earliest live event: returns 1 and fills t/fn/arg, or 0 if
 * none is left.  Inline where the earliest is the front's first and live
 * (two pops in three of a crawl): the call and its saves were a fifth of
 * such a pop. */
static inline int sim_queue_pop(struct sim_queue *q, int64_t *t, sim_fn *fn, void **arg)
{
	if (__builtin_expect(q->nfront != 0, 1)) {
		const struct sim_qitem *it = &q->front[q->fhead % SIM_QUEUE_FRONT];
		uint32_t s = (uint32_t)it->key;

		if ((q->gen[s] & 1) && it->key < q->res.key) {
			q->gen[s]++;                     /* even: not live */
			q->free[q->nfree++] = s;
			*t = (int64_t)(uint64_t)(it->key >> 64);
			*fn = it->fn;
			*arg = it->arg;
			q->fhead++;
			q->nfront--;
			q->n--;
			q->nlive--;
			return 1;
		}
		if (q->res.key < it->key)                /* the reserved one */
			return sim__queue_res_take(q, t, fn, arg);
	}
	return sim__queue_pop(q, t, fn, arg);
}

/* sim_queue_before's path where the front is empty. */
int sim__queue_before(struct sim_queue *q, int64_t t);
/* Inline: a link asks it once a segment it runs at once (sim_os's
 * clock), mostly answered by the front's first. */
static inline int sim_queue_before(struct sim_queue *q, int64_t t)
{
	if (t >= q->res_t)
		return 0;                /* (a tie: after it, as pushed later) */
	if (q->n == 0)
		return 1;
	if (t < q->last)
		return 0;                /* (a rebuild's case: no shortcut) */
	if (q->nfront)
		return t < (int64_t)(uint64_t)(q->front[q->fhead % SIM_QUEUE_FRONT].key >> 64);
	return sim__queue_before(q, t);
}

static inline size_t sim_queue_size(const struct sim_queue *q)
{
	return q->nlive;
}

#endif
