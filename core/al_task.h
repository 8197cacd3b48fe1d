/* Stackless coroutines and Tasks.
 *
 * A coroutine is a C function over an explicit frame, the honest C analogue
 * of a Python generator: its locals live in the frame, its resume point in
 * frame->co.pc, so a suspended coroutine costs the size of its frame and no
 * stack.  The macros turn the function body into a switch on that point:
 *
 *     struct fetch { struct al_coro co; struct al_future done; int fd; };
 *     static int fetch(struct al_task *t, void *arg)
 *     {
 *         struct fetch *f = arg;
 *         AL_BEGIN(f);
 *         AL_AWAIT(t, f, start_connect(f));   // suspends until done
 *         if (t->err) AL_RETURN(t, f, 0, t->err);
 *         ...
 *         AL_END(t, f);
 *     }
 *
 * Rules the macros rely on: locals that must survive an await live in the
 * frame (any AL_AWAIT or AL_CALL: one whose future is already done returns
 * to the task's driver too, which runs the coroutine again from that line;
 * AL_AWAIT_UNTIL falls through); code before AL_BEGIN is pure (it runs
 * again on every such return, at every level of an AL_CALL chain); one
 * AL_AWAIT / AL_CALL per source line (the line number is the
 * resume point); no AL_ macro inside a nested switch.  The awaited
 * expression is evaluated once, when the await starts.
 *
 * A Task drives one coroutine (the article's Task.step): it resumes it, and
 * when the coroutine suspends on a pending future the Task hangs its own
 * callback node on that future.  A Task is a Future (its first member), so
 * other tasks await it.  AL_CALL runs a sub-coroutine inside the same Task,
 * delegating every suspension to it: `yield from`, with no allocation and
 * no scheduling hop.
 *
 * After every AL_AWAIT / AL_CALL, t->err holds the result's error (0, an
 * errno value, ECANCELED if the task was cancelled, ETIMEDOUT if a deadline
 * passed) and t->value its value. */
#ifndef AL_TASK_H
#define AL_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_future.h"

struct al_task;
struct al_timer;

/* What a coroutine returns: AL_AGAIN is an await's whose result is
 * already there (al_task_await); the task's driver runs it again at once. */
enum { AL_FINISHED = 0, AL_SUSPENDED = 1, AL_AGAIN = 2 };

typedef int (*al_coro_fn)(struct al_task *t, void *frame);

struct al_coro {
	int pc;                      /* resume point: 0 start, -1 finished */
};

#define AL_FALLTHROUGH __attribute__((fallthrough))
#define AL_BEGIN(f) switch ((f)->co.pc) { case 0:
#define AL_RETURN(t, f, v, e) do { (t)->value = (v); (t)->err = (e); \
	(f)->co.pc = -1; return AL_FINISHED; } while (0)
#define AL_END(t, f) AL_FALLTHROUGH; default: AL_RETURN(t, f, (t)->value, (t)->err); }

#define AL_AWAIT(t, f, fut) do { (f)->co.pc = __LINE__; \
	return al_task_await((t), (fut), #fut); case __LINE__:; } while (0)

/* As AL_AWAIT, but gives up at virtual/real time `at` (ns) with ETIMEDOUT;
 * tm is a timer in the frame used for the deadline. */
#define AL_AWAIT_UNTIL(t, f, fut, tm, at) do { (f)->co.pc = __LINE__; \
	if (al_task_suspend_until((t), (fut), #fut, (tm), (at))) return AL_SUSPENDED; \
	AL_FALLTHROUGH; case __LINE__:; } while (0)

/* Gives way: the task goes to the back of the ready queue (a bare
 * `yield` in a generator-based event loop). */
#define AL_YIELD(t, f) do { (f)->co.pc = __LINE__; al_task_yield(t); \
	return AL_SUSPENDED; case __LINE__:; } while (0)

/* Runs sub-coroutine fn on frame sub to completion (yield from). */
#define AL_CALL(t, f, fn, sub) do { (sub)->co.pc = 0; (f)->co.pc = __LINE__; \
	AL_FALLTHROUGH; case __LINE__: { int al__r = (fn)((t), (sub)); \
	if (al__r != AL_FINISHED) return al__r; } } while (0)

/* Ordered by use: what every resume and await touches (the future's loop,
 * wake, fn, frame, waiting, deadline, what, the result, cancel) comes
 * first, in the task's first two cache lines; the live list and the names
 * that reports read come after.
 *
 * The result of the last await (value, err) is the task's own future's
 * value and err: a future's result means something only once it is done,
 * and the task's is set only when it finishes, from that same result.  So
 * a task costs no bytes of its own for it (C10M keeps ten million tasks:
 * 128 bytes each on LP64).  The future a task waits on first writes it
 * there as it completes (al_future_set); one that waits behind another
 * callback, or with a deadline armed, copies it at its wake
 * (al__task_wake_copy). */
struct al_task {
	union {
		struct al_future fut;  /* the task's own result: a Task is a Future */
		struct {               /* fut.value and fut.err, by their task names */
			char al__fut_head[offsetof(struct al_future, value)];
			int64_t value; /* result of the last await / call */
			int err;
		};
	};
	struct al_cb wake;           /* our node on the awaited future or the ready queue */
	al_coro_fn fn;
	void *frame;
	struct al_future *waiting;   /* what we wait on; NULL when runnable */
	/* The text of the awaited expression; while a deadline is armed for
	 * the current await (timed), its timer, which keeps the text (a
	 * deadline is rare, and ten million tasks paid 8 bytes each for it) */
	union {
		const char *what;
		struct al_timer *deadline;
	};
	uint32_t lane;               /* trace lane, set by the backend */
	uint8_t cancel;              /* cancellation to deliver at the next await */
	uint8_t worn;                /* running a step for another on that one's
					lane (al_task_wear): a selector's opener
					registering then waits as that one */
	uint8_t timed;               /* deadline, not what, is set */
	const char *name;
	struct al_task *prev, *next; /* the loop's live tasks */
};
_Static_assert(offsetof(struct al_task, value) == offsetof(struct al_task, fut.value) &&
	       offsetof(struct al_task, err) == offsetof(struct al_task, fut.err),
	       "a task's result is its future's");
_Static_assert(offsetof(struct al_task, wake) - AL__WAKE_RESULT == offsetof(struct al_task, value) &&
	       offsetof(struct al_task, value) + sizeof(int64_t) == offsetof(struct al_task, err),
	       "a completing future finds the result's place from the wake node");
_Static_assert(sizeof(void *) != 8 || sizeof(struct al_task) == 128,
	       "a task is two cache lines on LP64");

/* Starts fn(frame) as a task on loop; its first step runs from the loop
 * (deferred, like asyncio's create_task).  name is kept, not copied. */
void al_task_start(struct al_task *t, struct al_loop *loop, al_coro_fn fn,
		   void *frame, const char *name);
/* Requests cancellation: a task waiting on a pending future is woken with
 * ECANCELED; a running or runnable one gets ECANCELED at its next await.
 * Returns 0, or -1 if the task has finished. */
int al_task_cancel(struct al_task *t);

/* A task that runs steps for others -- the callback model's loop, each
 * callback serving one connection -- draws each step on the lane of what
 * it serves: al_task_wear(t, w) swaps the task's lane and name with w's
 * (lane 0 the first time: the backend makes one at the next call, labelled
 * w's name) and al_task_unwear(t, w) swaps them back, keeping w's lane for
 * its next step.  They nest no deeper than one. */
struct al_task_wear {
	uint32_t lane;
	const char *name;
};
static inline void al_task_wear(struct al_task *t, struct al_task_wear *w)
{
	uint32_t lane = t->lane;
	const char *name = t->name;

	t->lane = w->lane;
	t->name = w->name;
	w->lane = lane;
	w->name = name;
	t->worn = 1;
}
static inline void al_task_unwear(struct al_task *t, struct al_task_wear *w)
{
	al_task_wear(t, w);
	t->worn = 0;
}

void al_task_yield(struct al_task *t);

/* Only in the step that finishes t (its coroutine returns AL_FINISHED
 * next): fn runs when t's own future completes, from the loop like any
 * done callback, after those registered before it -- on t's wake node,
 * which a finished task never uses again, so the callback costs its
 * owner no node (C10M's gather: 16 bytes a page).  In fn,
 * al_task_of_end(cb) is t. */
void al_task_on_end(struct al_task *t, al_cb_fn fn);
struct al_task *al_task_of_end(struct al_cb *cb);

/* The wake of a task that waited behind another callback (al_future_set
 * hands the result to the first only) or with a deadline armed (the
 * drain's plain resume does not look at deadlines): it copies the result,
 * then puts the plain wake back.  While a deadline is armed the wake is
 * this one, never the plain wake. */
void al__task_wake_copy(struct al_cb *cb);

/* The await behind AL_AWAIT.  AL_SUSPENDED: t's wake node is on fut.
 * AL_AGAIN: fut is already done, or a cancellation is due; fut is left
 * in t->waiting, and the task's driver puts the result in t->value/err
 * (ECANCELED for the cancellation) and runs the coroutine again, from
 * the await's line, before anything else.
 *
 * It calls nothing: a call anywhere in a coroutine, even on a path never
 * taken, makes the compiler keep its locals in callee-saved registers,
 * pushed and popped on every resume, and an await is in every
 * coroutine.  Its rare paths return to the driver instead. */
static inline int al_task_await(struct al_task *t, struct al_future *fut,
				const char *what)
{
	if (__builtin_expect(t->cancel == 0 && fut->state == AL_PENDING, 1)) {
		t->waiting = fut;
		t->what = what;
		t->wake.next = NULL;
		if (__builtin_expect(fut->head == NULL, 1)) {
			fut->head = &t->wake;
		} else {
			/* not first: the set will not hand it the result */
			t->wake.fn = al__task_wake_copy;
			*fut->tail = &t->wake;
		}
		fut->tail = &t->wake.next;
		return AL_SUSPENDED;
	}
	t->waiting = fut;
	return AL_AGAIN;
}
int al_task_suspend_until(struct al_task *t, struct al_future *fut, const char *what,
			  struct al_timer *tm, int64_t at);

/* A timer: its future completes (value = time) at `at` on the loop's
 * backend clock.  `token` belongs to the backend. */
struct al_timer {
	struct al_future fut;
	struct al_cb cb;             /* deadline: wakes the task */
	struct al_task *task;
	const char *what;            /* deadline: the await's text, meanwhile */
	int64_t at;
	uint64_t token;
};

/* Arms tm to complete at time `at` and returns its future. */
struct al_future *al_sleep_until(struct al_loop *loop, struct al_timer *tm, int64_t at);
/* Disarms a pending timer (it will never complete).  Idempotent. */
void al_timer_cancel(struct al_loop *loop, struct al_timer *tm);

/* gather: completes when every future has; value = number that failed,
 * err = the first failure's err in argument order (0 if none).  Each
 * future's own result stays in it: results in argument order. */
struct al_gather_item {
	struct al_cb cb;
	struct al_gather *g;
};
struct al_gather {
	struct al_future fut;
	struct al_future **fs;
	struct al_gather_item *items;
	size_t n, left;
};
struct al_future *al_gather(struct al_gather *g, struct al_loop *loop,
			    struct al_future **fs, struct al_gather_item *items, size_t n);

/* wait-any: completes when the first of fs completes; value = its index,
 * err = its err.  The others are left running and no longer watched. */
struct al_future *al_wait_any(struct al_gather *g, struct al_loop *loop,
			      struct al_future **fs, struct al_gather_item *items, size_t n);
/* Stops watching the futures of a gather / wait-any that will not be
 * awaited to the end (its await timed out or was cancelled): required
 * before g or items are freed or reused. */
void al_gather_detach(struct al_gather *g);

/* Writes one line per live task that waits ("name waits on what") to out
 * (a FILE *); returns how many. */
int al_loop_report_blocked(struct al_loop *loop, void *out);

#endif
