/* The event loop: a FIFO of ready callbacks in front of a backend (the
 * `os`) that supplies time and external events.
 *
 * al_loop_run() alternates between draining the ready queue and asking the
 * backend to wait for the next external event (sim: pop the event queue and
 * jump the virtual clock; real: one pass of libevent).  It returns when no
 * task is left, or when tasks are left but nothing can ever wake them. */
#ifndef AL_LOOP_H
#define AL_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_kept.h"

struct al_os;
struct al_task;
struct al_cb;

typedef void (*al_cb_fn)(struct al_cb *cb);

/* A deferred call.  `next` links it either into one future's callback list
 * or into the loop's ready queue, never both. */
struct al_cb {
	struct al_cb *next;
	al_cb_fn fn;
};

struct al_loop {
	struct al_cb *ready;         /* FIFO of callbacks due now */
	struct al_cb **ready_tail;   /* last node's next; stale while ready is NULL */
	struct al_os *os;            /* backend; NULL: ready queue only */
	struct al_task *current;     /* the task being resumed, or NULL */
	struct al_task *live;        /* unfinished tasks, newest first */
	int64_t tasks;               /* tasks not yet finished */
	uint64_t resumes;            /* coroutine resumes, for reports */
	uint64_t calls;              /* callbacks dispatched that were not a
					resume: al_loop_callbacks() is all */
	/* Called when the ready queue goes from empty to not empty: how the
	 * simulator learns that a blocked thread has work (NULL: nobody).
	 * al_future_set_leaf calls it through AL_CALL_KEPT: a static variable
	 * read or written by the hook, or by anything it runs (a ring's
	 * completion loop), and by code that completes futures, is
	 * volatile or has its address taken (core/al_kept.h). */
	void (*notify)(struct al_loop *loop);
	void *owner;                 /* the notify hook's data */
	/* The program whose tasks run here, for them to find what they share
	 * (asyncio's main frame) with no pointer a task: NULL unless a
	 * program sets it (one program a loop). */
	void *prog;
};

void al_loop_init(struct al_loop *loop, struct al_os *os);

/* Callbacks dispatched so far, a task's wake that resumed it included;
 * counted before each runs (the simulator charges CPU by it). */
static inline uint64_t al_loop_callbacks(const struct al_loop *loop)
{
	return loop->calls + loop->resumes;
}

/* The two stores of a splice into an empty queue.  An empty queue is
 * written at its head, not through ready_tail: the drain then leaves
 * ready_tail stale when it takes the last node, and the next resume's
 * store does not wait for the load of a pointer the drain has just
 * written (a resume's longest chain). */
static inline void al__loop_first(struct al_loop *loop, struct al_cb *head,
				  struct al_cb **tail)
{
	loop->ready_tail = tail;
	/* two stores, not one of 16 bytes: GCC pairs them in a vector
	 * register, and the drain's 8-byte load of `ready` then waits for it
	 * (measured: 6.3 -> 8.8 ns a resume) */
	__asm__("" : "+m"(loop->ready_tail));
	loop->ready = head;
}

/* Moves a whole callback list [head, *tail) to the end of the ready
 * queue; the notify hook is called if the queue was empty. */
static inline void al_loop_splice(struct al_loop *loop, struct al_cb *head,
				  struct al_cb **tail)
{
	if (loop->ready == NULL) {
		al__loop_first(loop, head, tail);
		if (loop->notify)
			loop->notify(loop);
		return;
	}
	*loop->ready_tail = head;
	loop->ready_tail = tail;
}

/* al_loop_splice for code that is otherwise a leaf: a coroutine that
 * completes a future (al_future_set_leaf).  An empty queue with no hook, a
 * resume's usual case, is told by one test of both words, and the hook
 * is called through AL_CALL_KEPT, so that the coroutine pushes no
 * register (core/al_kept.h).  The two pay only together: 5.08 -> 4.9 ns
 * a resume, where the one test with a plain call read 5.96 and the stub
 * with the two tests 5.12-5.20.  Elsewhere the plain splice is cheaper:
 * the stub saves nine registers, a second test comes before a hook. */
static inline void al_loop_splice_leaf(struct al_loop *loop, struct al_cb *head,
				       struct al_cb **tail)
{
	if (((uintptr_t)loop->ready | (uintptr_t)loop->notify) == 0) {
		al__loop_first(loop, head, tail);
	} else if (loop->ready == NULL) {
		al__loop_first(loop, head, tail);
		AL_CALL_KEPT(loop->notify, loop);
	} else {
		*loop->ready_tail = head;
		loop->ready_tail = tail;
	}
}

/* Schedules cb to run from the loop, after everything already scheduled. */
static inline void al_loop_post(struct al_loop *loop, struct al_cb *cb)
{
	cb->next = NULL;
	al_loop_splice(loop, cb, &cb->next);
}

/* Runs ready callbacks until the queue is empty; returns how many ran. */
uint64_t al_loop_drain(struct al_loop *loop);
/* Runs until every task has finished: returns 0.  Returns -1 with errno
 * EDEADLK if tasks remain and neither the ready queue nor the backend has
 * anything left that could wake them (al_loop_report_blocked() says who
 * waits on what). */
int al_loop_run(struct al_loop *loop);

#endif
