/* Radix heap on time, a byte a level.  Invariant: an entry at time t is
 * in bucket (L, d), L the highest byte where t differs from `last` (0 if
 * none) and d the byte L of t; so a level-0 bucket holds one time, and
 * bucket (0, byte 0 of last), the current one, holds the time being taken.
 * Buckets are ordered (L, d) as their times are.  When the current bucket
 * is empty, the lowest non-empty bucket's least time becomes `last`, and
 * the bucket's entries move down to the levels below. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_queue.h"
#include "sim/sim_queue_int.h"

int sim_queue_init(struct sim_queue *q)
{
	memset(q, 0, sizeof *q);
	q->b = aligned_alloc(64, SIM_QUEUE_LEVELS * 256 * sizeof *q->b);
	if (q->b)
		memset(q->b, 0, SIM_QUEUE_LEVELS * 256 * sizeof *q->b);
	q->res.key = ~(sim_qent)0;
	q->res_t = INT64_MAX;
	q->slots_cap = 1024;
	q->gen = malloc(q->slots_cap * sizeof *q->gen);
	q->free = malloc(q->slots_cap * sizeof *q->free);
	if (!q->b || !q->gen || !q->free) {
		sim_queue_free(q);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static void bucket_release(struct sim_queue *q, struct sim_bucket *b);

void sim_queue_free(struct sim_queue *q)
{
	al_arena_free(&q->mem);         /* every block, pooled or in a bucket
					 * (a shared arena's owner frees it) */
	free(q->b);
	free(q->gen);
	free(q->free);
	memset(q, 0, sizeof *q);
	q->res.key = ~(sim_qent)0;       /* none reserved */
	q->res_t = INT64_MAX;
}

static inline int is_live(const struct sim_queue *q, uint32_t s)
{
	return (int)(q->gen[s] & 1);
}

/* The bucket of time t: level * 256 + digit. */
static inline unsigned bucket_of(int64_t t, int64_t last)
{
	uint64_t x = (uint64_t)(t ^ last);
	unsigned level = x ? (63u - (unsigned)__builtin_clzll(x)) / 8 : 0;

	return level * 256 + (unsigned)((uint64_t)t >> (8 * level) & 255);
}

static inline void mark(struct sim_queue *q, unsigned i)
{
	q->nonempty[i / 64] |= 1ull << (i % 64);
	q->words |= 1u << (i / 64);
}

static inline void unmark(struct sim_queue *q, unsigned i)
{
	q->nonempty[i / 64] &= ~(1ull << (i % 64));
	if (!q->nonempty[i / 64])
		q->words &= ~(1u << (i / 64));
}

/* --- blocks: a bucket's storage, from the pool */

static struct sim_qblock *block_new(struct sim_queue *q)
{
	struct sim_qblock *k = q->pool;

	if (k)
		q->pool = k->next;
	else if (!(k = al_arena_calloc(q->shared ? q->shared : &q->mem, 1, sizeof *k)))
		return NULL;            /* (malloc's blocks faulted 4 KiB at a time) */
	k->next = NULL;
	return k;
}

static inline void block_free(struct sim_queue *q, struct sim_qblock *k)
{
	k->next = q->pool;
	q->pool = k;
}

/* Empties b: its blocks go back to the pool. */
static void bucket_release(struct sim_queue *q, struct sim_bucket *b)
{
	struct sim_qblock *k = b->first;

	while (k) {
		struct sim_qblock *next = k->next;
		block_free(q, k);
		k = next;
	}
	b->first = b->last = NULL;
	b->n = b->hi = b->tail = 0;
}

/* Entries in k, a block of b's: all but in the last. */
static inline uint32_t block_used(const struct sim_bucket *b, const struct sim_qblock *k)
{
	return k == b->last ? b->tail : SIM_QUEUE_BLOCK;
}

static inline int put(struct sim_queue *q, const struct sim_qitem *it)
{
	int64_t t = key_time(it->key);
	unsigned i = bucket_of(t, q->last);
	struct sim_bucket *b = &q->b[i];
	struct sim_qblock *k = b->last;

	if (b->n == 0) {
		b->one = *it;            /* in the bucket: no block yet */
		b->tmin = t;
		b->n = 1;
		mark(q, i);
		return 0;
	}
	if (!k) {
		/* the second entry: the first moves to a block, ahead */
		if (!(k = block_new(q))) {
			errno = ENOMEM;
			return -1;
		}
		k->v[0] = b->one;
		b->first = b->last = k;
		b->hi = 0;
		b->tail = 1;
	}
	if (b->tail == SIM_QUEUE_BLOCK) {
		if (b->n == UINT32_MAX || !(k = block_new(q))) {
			errno = ENOMEM;
			return -1;
		}
		if (b->last)
			b->last->next = k;
		else
			b->first = k;
		b->last = k;
		b->tail = 0;
	}
	if (b->n == 0 || t < b->tmin)
		b->tmin = t;
	k->v[b->tail++] = *it;
	b->n++;
	mark(q, i);
	return 0;
}

/* Takes b's next entry (b->n > 0); a block used up goes back to the pool. */
static inline struct sim_qitem take(struct sim_queue *q, struct sim_bucket *b)
{
	struct sim_qblock *k = b->first;

	if (!k) {                        /* the bucket's one entry */
		b->n = 0;
		return b->one;
	}
	struct sim_qitem it = k->v[b->hi++];

	if (--b->n == 0) {
		bucket_release(q, b);
	} else if (b->hi == block_used(b, k)) {
		b->first = k->next;
		b->hi = 0;
		block_free(q, k);
	}
	return it;
}

void sim__queue_oom(void)
{
	fprintf(stderr, "sim_queue: out of memory for the event queue\n");
	abort();
}

/* A pop must not fail half-way through moving entries. */
static inline void put_or_die(struct sim_queue *q, const struct sim_qitem *it)
{
	if (put(q, it) != 0)
		sim__queue_oom();
}

static int cmp_item(const void *a, const void *b)
{
	sim_qent x = ((const struct sim_qitem *)a)->key, y = ((const struct sim_qitem *)b)->key;

	return x < y ? -1 : x > y;
}

int sim__queue_rebuild(struct sim_queue *q, int renumber)
{
	struct sim_qitem *all;
	size_t k = 0;

	if (renumber && q->res.key != ~(sim_qent)0)
		sim__queue_res_spill(q);   /* renumbered with the others */
	if (!(all = malloc((q->n ? q->n : 1) * sizeof *all))) {
		errno = ENOMEM;
		return -1;
	}

	for (int i = 0; i < SIM_QUEUE_LEVELS * 256; i++)
		while (q->b[i].n > 0)
			all[k++] = take(q, &q->b[i]);
	for (; q->nfront > 0; q->nfront--)
		all[k++] = q->front[q->fhead++ % SIM_QUEUE_FRONT];
	memset(q->nonempty, 0, sizeof q->nonempty);
	q->words = 0;
	q->sorted = 0;
	qsort(all, k, sizeof *all, cmp_item);
	q->last = 0;
	for (size_t i = 0; i < k; i++) {
		if (renumber)
			all[i].key = make_key(key_time(all[i].key), (uint32_t)i, key_slot(all[i].key));
		put_or_die(q, &all[i]);
	}
	if (renumber)
		q->seq = (uint32_t)k;
	free(all);
	return 0;
}

static int grow_slots(struct sim_queue *q)
{
	uint32_t cap = 2 * q->slots_cap;
	uint32_t *g, *f;

	if (q->slots_cap >= UINT32_MAX / 2)
		goto nomem;
	if (!(g = realloc(q->gen, cap * sizeof *g)))
		goto nomem;
	q->gen = g;
	if (!(f = realloc(q->free, cap * sizeof *f)))
		goto nomem;
	q->free = f;
	q->slots_cap = cap;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

/* Whether an entry at t would be due before every entry in the buckets
 * (its sequence is the largest yet, so a tie is not).  The current bucket,
 * once taken, is emptied here as take_min would. */
static inline int before_buckets(struct sim_queue *q, int64_t t)
{
	unsigned c = (unsigned)((uint64_t)q->last & 255);
	struct sim_bucket *b = &q->b[c];

	if (b->n)
		return 0;                /* t >= last, the current bucket's time */
	unmark(q, c);
	if (!q->words)
		return 1;
	unsigned w = (unsigned)__builtin_ctz(q->words);
	return t < q->b[w * 64 + (unsigned)__builtin_ctzll(q->nonempty[w])].tmin;
}

/* The buckets' least time (the front empty, q->n > 0): the current
 * bucket's, once its entries are taken the lowest marked one's. */
static inline int64_t buckets_tmin(struct sim_queue *q)
{
	unsigned c = (unsigned)((uint64_t)q->last & 255);

	if (q->b[c].n)
		return q->last;
	unmark(q, c);
	unsigned w = (unsigned)__builtin_ctz(q->words);
	return q->b[w * 64 + (unsigned)__builtin_ctzll(q->nonempty[w])].tmin;
}

/* The front's i-th entry (from its first). */
static inline struct sim_qitem *front_at(struct sim_queue *q, uint32_t i)
{
	return &q->front[(q->fhead + i) % SIM_QUEUE_FRONT];
}

/* it joins the front (not full) in key order: mostly at its end, as its
 * sequence is the largest yet. */
static inline void front_insert(struct sim_queue *q, const struct sim_qitem *it)
{
	uint32_t i = q->nfront++;

	for (; i > 0 && front_at(q, i - 1)->key > it->key; i--)
		*front_at(q, i) = *front_at(q, i - 1);
	*front_at(q, i) = *it;
}

/* it (at or after last) joins the front or the buckets. */
static inline __attribute__((always_inline)) int insert(struct sim_queue *q, const struct sim_qitem *it)
{
	if (q->nfront && it->key < front_at(q, q->nfront - 1)->key) {
		/* below the front's last: it joins the front, whose last
		 * goes back among the others if the front is full */
		if (q->nfront == SIM_QUEUE_FRONT) {
			if (put(q, front_at(q, q->nfront - 1)) != 0)
				return -1;
			q->nfront--;
		}
		front_insert(q, it);
	} else if (q->nfront < SIM_QUEUE_FRONT && before_buckets(q, key_time(it->key))) {
		front_insert(q, it);
	} else if (put(q, it) != 0) {
		return -1;
	}
	return 0;
}

/* Enters an entry of key `key` (its slot's bits 0) under a slot of its
 * own: returns the slot's token, or 0 if memory ran out (errno ENOMEM).
 * Counted in n; the caller counts the sequence and the live events. */
static inline __attribute__((always_inline)) uint64_t enter(struct sim_queue *q, sim_qent key,
							    sim_fn fn, void *arg)
{
	if (q->nfree == 0 && q->nslots == q->slots_cap && grow_slots(q) != 0)
		return 0;
	uint32_t s = q->nfree ? q->free[q->nfree - 1] : q->nslots;
	struct sim_qitem it = {key | s, fn, arg};
	if (insert(q, &it) != 0)
		return 0;
	if (q->nfree) {
		q->nfree--;
	} else {
		q->nslots++;
		q->gen[s] = 0;
	}
	q->gen[s]++;                     /* odd: live (never 0) */
	q->n++;
	return (uint64_t)q->gen[s] << 32 | s;
}

uint64_t sim__queue_enter(struct sim_queue *q, sim_qent key, sim_fn fn, void *arg)
{
	return enter(q, key, fn, arg);
}

uint64_t sim_queue_push(struct sim_queue *q, int64_t t, sim_fn fn, void *arg)
{
	if (q->seq == UINT32_MAX && sim__queue_rebuild(q, 1) != 0)
		return 0;
	if (t < q->last && sim__queue_rebuild(q, 0) != 0)
		return 0;
	uint64_t tok = enter(q, make_key(t, q->seq, 0), fn, arg);
	if (tok) {
		q->seq++;
		q->nlive++;
	}
	return tok;
}

int sim__queue_before(struct sim_queue *q, int64_t t)
{
	return before_buckets(q, t);
}

void sim_queue_cancel(struct sim_queue *q, uint64_t token)
{
	uint32_t s = (uint32_t)token;

	/* a token's generation is odd: one that matches is live */
	if (token == 0 || s >= q->nslots || q->gen[s] != (uint32_t)(token >> 32))
		return;
	/* The entry stays as a tombstone; the slot is freed when it
	 * surfaces, so the token can never match a reused slot early. */
	q->gen[s]++;
	q->nlive--;
}

/* (sim__queue_res_take out of line: inline at the pop's three places it
 * cost more instructions than the call) */
static __attribute__((noinline)) int res_take(struct sim_queue *q, int64_t *t, sim_fn *fn,
					      void **arg)
{
	return sim__queue_res_take(q, t, fn, arg);
}

/* Makes bucket i (lowest non-empty, i > 255 or i's time after `last`)
 * the current one: its least time becomes `last`, and a bucket above
 * level 0 moves its entries down. */
static void advance(struct sim_queue *q, unsigned i)
{
	struct sim_bucket *b = &q->b[i];

	q->last = b->tmin;
	if (i < 256)
		return;
	unmark(q, i);
	/* all land below level i / 256; each block is free once moved */
	struct sim_qblock *k = b->first;
	if (!k) {
		struct sim_qitem one = b->one;
		b->n = 0;
		put_or_die(q, &one);
		return;
	}
	struct sim_qblock *last = b->last;
	uint32_t tail = b->tail;
	b->first = b->last = NULL;
	b->n = b->hi = b->tail = 0;
	while (k) {
		struct sim_qblock *next = k->next;
		uint32_t used = k == last ? tail : SIM_QUEUE_BLOCK;
		for (uint32_t j = 0; j < used; j++)
			put_or_die(q, &k->v[j]);
		block_free(q, k);
		k = next;
	}
}

/* Sorts the current bucket b by key, across its blocks (moved entries
 * may come out of sequence order; direct pushes do not). */
static void sort_current(struct sim_bucket *b)
{
	struct sim_qitem *all, prev = {0};
	uint32_t m = 0, hi = b->hi, ok = 1;

	if (!b->first)
		return;                  /* one entry, in the bucket */
	for (struct sim_qblock *k = b->first; k && ok; k = k->next, hi = 0)
		for (uint32_t j = hi; j < block_used(b, k) && ok; j++, m++) {
			ok = m == 0 || prev.key < k->v[j].key;
			prev = k->v[j];
		}
	if (ok)
		return;
	if (b->first == b->last) {
		qsort(b->first->v + b->hi, b->n, sizeof *all, cmp_item);
		return;
	}
	if (!(all = malloc(b->n * sizeof *all)))
		sim__queue_oom();
	m = 0;
	hi = b->hi;
	for (struct sim_qblock *k = b->first; k; k = k->next, hi = 0)
		for (uint32_t j = hi; j < block_used(b, k); j++)
			all[m++] = k->v[j];
	qsort(all, m, sizeof *all, cmp_item);
	m = 0;
	hi = b->hi;
	for (struct sim_qblock *k = b->first; k; k = k->next, hi = 0)
		for (uint32_t j = hi; j < block_used(b, k); j++)
			k->v[j] = all[m++];
	free(all);
}

/* The earliest entry, out of the buckets; q->n > 0. */
static struct sim_qitem take_min(struct sim_queue *q)
{
	unsigned c = (unsigned)((uint64_t)q->last & 255);
	struct sim_bucket *b = &q->b[c];

	while (b->n == 0) {
		unmark(q, c);
		unsigned w = (unsigned)__builtin_ctz(q->words);
		unsigned i = w * 64 + (unsigned)__builtin_ctzll(q->nonempty[w]);
		struct sim_bucket *lo = &q->b[i];
		if (lo->n == 1) {
			/* Its one entry is the least: taken where it is, not
			 * moved down into the current bucket first (a block
			 * taken and given back, a mark, a sort's check: most
			 * pops of a crawl, whose times seldom repeat).  The
			 * same entry and the same `last` as advance() gives;
			 * the current bucket is left empty, and direct pushes
			 * keep it in order. */
			q->last = lo->tmin;
			q->sorted = 1;
			q->n--;
			unmark(q, i);
			return take(q, lo);
		}
		advance(q, i);
		c = (unsigned)((uint64_t)q->last & 255);
		b = &q->b[c];
		q->sorted = 0;
	}
	if (!q->sorted) {
		sort_current(b);
		q->sorted = 1;
	}
	q->n--;
	return take(q, b);
}

int sim__queue_pop(struct sim_queue *q, int64_t *t, sim_fn *fn, void **arg)
{
	for (;;) {
		if (q->res.key != ~(sim_qent)0) {
			/* held apart: first when below the front's first (a
			 * tombstone there goes first, and is skipped), or
			 * before the buckets' least time; an entry there
			 * before it goes first; a tie (the order is in the
			 * sequences) makes it join them */
			if (q->nfront) {
				if (q->res.key < front_at(q, 0)->key)
					return res_take(q, t, fn, arg);
			} else if (q->n == 0) {
				return res_take(q, t, fn, arg);
			} else {
				int64_t m = buckets_tmin(q);
				if (q->res_t < m)
					return res_take(q, t, fn, arg);
				if (q->res_t == m)
					sim__queue_res_spill(q);
			}
		}
		if (q->n == 0) {
			/* a cancelled entry may have been after the clock */
			memset(q->nonempty, 0, sizeof q->nonempty);
			q->words = 0;
			q->last = 0;
			q->sorted = 0;
			return 0;
		}
		struct sim_qitem it;
		if (q->nfront) {
			it = q->front[q->fhead++ % SIM_QUEUE_FRONT];
			q->nfront--;
			q->n--;
		} else {
			it = take_min(q);
		}
		uint32_t s = key_slot(it.key);
		int was_live = is_live(q, s);

		q->gen[s] += (uint32_t)was_live;      /* even: not live */
		q->free[q->nfree++] = s;       /* a tombstone's slot too */
		if (!was_live)
			continue;
		*t = key_time(it.key);
		*fn = it.fn;
		*arg = it.arg;
		q->nlive--;
		return 1;
	}
}
