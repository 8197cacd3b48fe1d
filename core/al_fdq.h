/* A selector's ready queue: a FIFO of file descriptors, doubly linked by
 * fd through links that live in the backend's own per-fd state (sim's
 * sockets, net's fd table), so an fd leaves it in O(1) when it is
 * unregistered or closed, and a reused fd is never still linked.  Both
 * backends' selectors use it; neither allocates.
 *
 * The backend says where fd's link is with `at` (a function of its own,
 * given ctx); the functions are inline, so a constant `at` costs no call. */
#ifndef AL_FDQ_H
#define AL_FDQ_H

#include <stdint.h>

/* One fd's place in a queue.  All zero: not queued. */
struct al_fdq_link {
	int next, prev;              /* fds, -1 ends; only while queued */
	uint8_t queued;
};

struct al_fdq {
	int head, tail;              /* fds, -1: empty */
};

typedef struct al_fdq_link *(*al_fdq_at_fn)(void *ctx, int fd);

static inline void al_fdq_init(struct al_fdq *q)
{
	q->head = q->tail = -1;
}

static inline int al_fdq_empty(const struct al_fdq *q)
{
	return q->head < 0;
}

/* fd, whose link k is (at(ctx, fd): the caller has it), joins the tail;
 * a no-op if it is queued already. */
static inline void al_fdq_push_link(struct al_fdq *q, int fd, struct al_fdq_link *k,
				    al_fdq_at_fn at, void *ctx)
{
	if (k->queued)
		return;
	k->queued = 1;
	k->next = -1;
	k->prev = q->tail;
	if (q->tail >= 0)
		at(ctx, q->tail)->next = fd;
	else
		q->head = fd;
	q->tail = fd;
}

/* fd joins the tail; a no-op if it is queued already. */
static inline void al_fdq_push(struct al_fdq *q, int fd, al_fdq_at_fn at, void *ctx)
{
	al_fdq_push_link(q, fd, at(ctx, fd), at, ctx);
}

/* fd, whose link k is, leaves the queue wherever it is; a no-op if it is
 * not queued. */
static inline void al_fdq_unlink_link(struct al_fdq *q, struct al_fdq_link *k,
				      al_fdq_at_fn at, void *ctx)
{
	if (!k->queued)
		return;
	if (k->prev >= 0)
		at(ctx, k->prev)->next = k->next;
	else
		q->head = k->next;
	if (k->next >= 0)
		at(ctx, k->next)->prev = k->prev;
	else
		q->tail = k->prev;
	k->next = k->prev = -1;
	k->queued = 0;
}

/* fd leaves the queue wherever it is; a no-op if it is not queued. */
static inline void al_fdq_unlink(struct al_fdq *q, int fd, al_fdq_at_fn at, void *ctx)
{
	al_fdq_unlink_link(q, at(ctx, fd), at, ctx);
}

/* The queue's front, as far as fd (queued), moves to its tail in the
 * order it was in, the rest coming first: as unlinking those fds one by
 * one and pushing them again would leave it, in O(1). */
static inline void al_fdq_rotate(struct al_fdq *q, int fd, al_fdq_at_fn at, void *ctx)
{
	struct al_fdq_link *last = at(ctx, fd);
	int rest = last->next, first = q->head;

	if (rest < 0)
		return;                  /* fd is the tail: nothing follows */
	at(ctx, rest)->prev = -1;
	at(ctx, q->tail)->next = first;
	at(ctx, first)->prev = q->tail;
	last->next = -1;
	q->head = rest;
	q->tail = fd;
}

#endif
