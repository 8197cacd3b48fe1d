/* 4-ary heap with hole sifting: an element moves by copying its parents or
 * children over it and is written once, at its final place. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_queue.h"

#define NIL UINT32_MAX

int sim_queue_init(struct sim_queue *q)
{
	memset(q, 0, sizeof *q);
	q->free_head = NIL;
	q->cap = 1024;
	q->heap = malloc(q->cap * sizeof *q->heap);
	q->slots_cap = 1024;
	q->slots = malloc(q->slots_cap * sizeof *q->slots);
	if (!q->heap || !q->slots) {
		sim_queue_free(q);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void sim_queue_free(struct sim_queue *q)
{
	free(q->heap);
	free(q->slots);
	memset(q, 0, sizeof *q);
}

static inline sim_qent make_ent(int64_t t, uint32_t seq, uint32_t slot)
{
	return (sim_qent)(uint64_t)t << 64 | (sim_qent)seq << 32 | slot;
}

static inline int64_t ent_t(sim_qent e) { return (int64_t)(uint64_t)(e >> 64); }
static inline uint32_t ent_slot(sim_qent e) { return (uint32_t)e; }

static void sift_up(sim_qent *h, size_t i, sim_qent e)
{
	while (i > 0) {
		size_t p = (i - 1) / 4;
		if (e >= h[p])
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

static void sift_down(sim_qent *h, size_t n, size_t i, sim_qent e)
{
	for (;;) {
		size_t c = 4 * i + 1;
		size_t best;

		if (c + 3 < n) {
			/* Full family: a branch-free tournament. */
			size_t a = h[c + 1] < h[c] ? c + 1 : c;
			size_t b = h[c + 3] < h[c + 2] ? c + 3 : c + 2;
			best = h[b] < h[a] ? b : a;
		} else if (c < n) {
			best = c;
			for (size_t k = c + 1; k < n; k++)
				if (h[k] < h[best])
					best = k;
		} else {
			break;
		}
		if (h[best] >= e)
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = e;
}

static int cmp_ent(const void *a, const void *b)
{
	sim_qent x = *(const sim_qent *)a, y = *(const sim_qent *)b;

	return x < y ? -1 : x > y;
}

/* The 32-bit sequence ran out: renumber in order.  A sorted array is a
 * valid heap, and ties keep their relative order. */
static void fill_hole(struct sim_queue *q)
{
	q->hole = 0;
	q->n--;
	if (q->n > 0)
		sift_down(q->heap, q->n, 0, q->heap[q->n]);
}

static void renumber(struct sim_queue *q)
{
	if (q->hole)
		fill_hole(q);
	qsort(q->heap, q->n, sizeof *q->heap, cmp_ent);
	for (size_t i = 0; i < q->n; i++)
		q->heap[i] = make_ent(ent_t(q->heap[i]), (uint32_t)i, ent_slot(q->heap[i]));
	q->seq = (uint32_t)q->n;
}

uint64_t sim_queue_push(struct sim_queue *q, int64_t t, sim_fn fn, void *arg)
{
	if (q->n == q->cap) {
		sim_qent *h = realloc(q->heap, 2 * q->cap * sizeof *h);
		if (!h)
			goto nomem;
		q->heap = h;
		q->cap *= 2;
	}
	uint32_t s = q->free_head;
	if (s != NIL) {
		q->free_head = q->slots[s].next_free;
	} else {
		if (q->nslots == q->slots_cap) {
			if (q->slots_cap >= NIL / 2)
				goto nomem;
			struct sim_slot *p = realloc(q->slots, 2 * q->slots_cap * sizeof *p);
			if (!p)
				goto nomem;
			q->slots = p;
			q->slots_cap *= 2;
		}
		s = q->nslots++;
		q->slots[s].gen = 1;
	}
	q->slots[s].fn = fn;
	q->slots[s].arg = arg;
	if (q->seq == UINT32_MAX)
		renumber(q);
	sim_qent e = make_ent(t, q->seq++, s);
	if (q->hole) {
		q->hole = 0;
		sift_down(q->heap, q->n, 0, e);
	} else {
		sift_up(q->heap, q->n++, e);
	}
	q->live++;
	return (uint64_t)q->slots[s].gen << 32 | s;
nomem:
	errno = ENOMEM;
	return 0;
}

static void free_slot(struct sim_queue *q, uint32_t s)
{
	q->slots[s].fn = NULL;
	q->slots[s].gen++;
	if (q->slots[s].gen == 0)
		q->slots[s].gen = 1;
	q->slots[s].next_free = q->free_head;
	q->free_head = s;
}

void sim_queue_cancel(struct sim_queue *q, uint64_t token)
{
	uint32_t s = (uint32_t)token;

	if (token == 0 || s >= q->nslots || q->slots[s].gen != (uint32_t)(token >> 32) ||
	    q->slots[s].fn == NULL)
		return;
	/* The heap entry stays as a tombstone; the slot is freed when it
	 * surfaces, so the token can never match a reused slot early. */
	q->slots[s].fn = NULL;
	q->slots[s].gen++;
	if (q->slots[s].gen == 0)
		q->slots[s].gen = 1;
	q->live--;
}

int sim_queue_pop(struct sim_queue *q, int64_t *t, sim_fn *fn, void **arg)
{
	for (;;) {
		if (q->hole)
			fill_hole(q);
		if (q->n == 0)
			return 0;
		sim_qent top = q->heap[0];
		uint32_t s = ent_slot(top);
		struct sim_slot *sl = &q->slots[s];

		q->hole = 1;
		if (sl->fn == NULL) {          /* tombstone */
			sl->next_free = q->free_head;
			q->free_head = s;
			continue;
		}
		*t = ent_t(top);
		*fn = sl->fn;
		*arg = sl->arg;
		free_slot(q, s);
		q->live--;
		return 1;
	}
}
