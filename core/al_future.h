/* Futures, stackless coroutines and Tasks: the article's Future / generator /
 * Task (sections 4.5-4.8) in C.
 *
 * A future is pending, done or cancelled; when it leaves pending it carries a
 * value and an `err` (0 or an errno value: errors are values).  Its done
 * callbacks never run inside al_future_set(): they are moved, in order, to the
 * loop's ready queue and run from al_loop_run(), as asyncio does.
 *
 * Callbacks are intrusive nodes (struct al_cb) owned by whoever waits, so
 * waiting allocates nothing: a Task waits with the node inside it. */
#ifndef AL_FUTURE_H
#define AL_FUTURE_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_loop.h"

enum al_fstate { AL_PENDING = 0, AL_DONE = 1, AL_CANCELLED = 2 };

struct al_future {
	/* Done callbacks, in registration order.  An empty list is head NULL
	 * and tail stale, as the loop's ready queue is: a fresh future costs
	 * one store for its list, and a waiter joining an empty list writes
	 * head without first loading the tail a fresh future has just
	 * stored. */
	struct al_cb *head;
	struct al_cb **tail;     /* last node's next; stale while head is NULL */
	struct al_loop *loop;
	/* Where a backend parked this future (an I/O in flight holds a pointer
	 * to it in *parked).  A waiter that gives up (timeout, cancel) clears
	 * that slot, so the backend never completes a future nobody owns.
	 * Like head and tail, read only while the future is pending. */
	struct al_future **parked;
	int64_t value;
	int err;
	uint8_t state;           /* enum al_fstate */
};

/* Pending future bound to loop.  Its value and err are left unwritten:
 * they mean something only once it is done, and al_future_set writes
 * both. */
static inline void al_future_init(struct al_future *f, struct al_loop *loop)
{
	f->head = NULL;
	f->loop = loop;
	f->parked = NULL;
	f->state = AL_PENDING;
}

/* Sets errno to EINVAL (arg unused): al_future_set's refusal. */
void al__future_refuse(void *arg);

/* A task's wake node runs this (core/al_task.c) when the task was the
 * first to wait on its future.  The future hands such a task its result as
 * it completes, into the AL__WAKE_RESULT bytes before that node (the task's
 * value and err: core/al_task.h asserts it), so its resume copies nothing:
 * the copy, loaded through the task's `waiting` pointer at the resume, was
 * a tenth of one.  A task that waits behind another callback has a wake
 * of another kind, which copies: the set touches its first node only. */
void al__task_wake(struct al_cb *cb);
#define AL__WAKE_RESULT 16

/* al_future_set's and al_future_set_leaf's body.  leaf (a constant): the
 * rare calls go through
 * AL_CALL_KEPT and the splice is al_loop_splice_leaf, for a coroutine,
 * which otherwise calls nothing; else plain calls, cheaper in code that
 * makes calls anyway (the backends' completions, core's own). */
static inline int al__future_set(struct al_future *f, int64_t value, int err,
				 int leaf)
{
	struct al_cb *h = f->head;

	if (f->state != AL_PENDING) {
		if (leaf)
			AL_CALL_KEPT(al__future_refuse, NULL);
		else
			al__future_refuse(NULL);
		return -1;
	}
	f->value = value;
	f->err = err;
	f->state = AL_DONE;
	/* head, tail and parked are left as they were: they mean something
	 * only while the future is pending (every reader checks), and the
	 * three stores were a tenth of a resume. */
	if (h) {
		if (__builtin_expect(h->fn == al__task_wake, 1)) {
			char *res = (char *)h - AL__WAKE_RESULT;
			*(int64_t *)(void *)res = value;
			*(int *)(void *)(res + sizeof(int64_t)) = err;
		}
		if (leaf)
			al_loop_splice_leaf(f->loop, h, f->tail);
		else
			al_loop_splice(f->loop, h, f->tail);
	}
	return 0;
}

/* Completes a pending future with (value, err) and schedules its callbacks.
 * Returns 0, or -1 (EINVAL) if f was not pending: completing twice is
 * refused, not fatal, because a cancelled future may still see its I/O
 * finish.  Plain calls, cheaper where the code calls anyway: a backend's
 * completion (al_os_finish), a done callback's. */
static inline int al_future_set(struct al_future *f, int64_t value, int err)
{
	return al__future_set(f, value, err, 0);
}
/* al_future_set for code that is otherwise a leaf, as al_loop_splice_leaf
 * is al_loop_splice's: its rare calls (the loop's notify hook, errno)
 * keep every register, so a coroutine that completes a future stays a
 * leaf (core/al_kept.h). */
static inline int al_future_set_leaf(struct al_future *f, int64_t value, int err)
{
	return al__future_set(f, value, err, 1);
}
/* Cancels a pending future: state AL_CANCELLED, err ECANCELED, callbacks
 * scheduled.  Returns 0, or -1 if it was not pending. */
int al_future_cancel(struct al_future *f);
/* Adds cb to f's done callbacks; if f is already done, cb is scheduled
 * right away (still deferred). */
void al_future_on_done(struct al_future *f, struct al_cb *cb);
/* Removes cb if it is still waiting on f; returns 1 if removed, else 0. */
int al_future_remove(struct al_future *f, struct al_cb *cb);

static inline int al_future_done(const struct al_future *f)
{
	return f->state != AL_PENDING;
}

#endif
