/* Tasks: the article's Task.step, with cancellation and deadlines.
 *
 * A task is resumed only from its wake callback, which the loop runs: a
 * future's completion never re-enters a coroutine directly. */
#include <errno.h>
#include <stdio.h>

#include "core/al_assert.h"
#include "core/al_loop.h"
#include "core/al_os.h"
#include "core/al_task.h"

static void link_task(struct al_loop *loop, struct al_task *t)
{
	t->prev = NULL;
	t->next = loop->live;
	if (loop->live)
		loop->live->prev = t;
	loop->live = t;
	loop->tasks++;
}

static void unlink_task(struct al_loop *loop, struct al_task *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		loop->live = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	loop->tasks--;
}

int al_loop_report_blocked(struct al_loop *loop, void *out)
{
	int n = 0;

	for (struct al_task *t = loop->live; t; t = t->next) {
		if (!t->waiting)
			continue;
		const char *what = t->timed ? t->deadline->what : t->what;

		fprintf(out, "  task '%s' waits on %s\n", t->name ? t->name : "?",
			what ? what : "a future");
		n++;
	}
	return n;
}

/* A finished task leaves the live list and completes its own future. */
static void finish(struct al_loop *loop, struct al_task *t)
{
	if (t->lane && loop->os)
		al_os_task_end(loop->os, t);
	unlink_task(loop, t);
	al_future_set(&t->fut, t->value, t->err);
}

/* The coroutine's await found its result already there (al_task_await
 * returned AL_AGAIN): the result as the await would have had it. */
static void again(struct al_task *t)
{
	struct al_future *f = t->waiting;

	AL_ASSERT(f != NULL);    /* a coroutine returned 2 of its own */
	t->waiting = NULL;
	if (t->cancel) {
		if (f->state == AL_PENDING && f->parked) {
			*f->parked = NULL;   /* its I/O must not complete it later */
			f->parked = NULL;
		}
		t->cancel = 0;
		t->value = 0;
		t->err = ECANCELED;
		return;
	}
	t->value = f->value;
	t->err = f->err;
}

/* The coroutine returned r, not AL_SUSPENDED: it runs again while its
 * await found the result already there; AL_FINISHED or AL_SUSPENDED. */
static int run_again(struct al_task *t, int r)
{
	while (r == AL_AGAIN) {
		again(t);
		r = t->fn(t, t->frame);
	}
	return r;
}

/* Runs t's coroutine until it suspends or finishes.  The usual return,
 * AL_SUSPENDED, is told from the others by one compare. */
static inline int run(struct al_task *t)
{
	int r = t->fn(t, t->frame);

	if (__builtin_expect(r != AL_SUSPENDED, 0))
		r = run_again(t, r);
	return r;
}

/* One step of t's coroutine, from its wake (al_loop_drain has its own
 * copy of the plain case). */
static void step(struct al_task *t)
{
	struct al_loop *loop = t->fut.loop;
	struct al_task *outer = loop->current;

	loop->current = t;
	loop->resumes++;
	loop->calls--;           /* the drain counted this wake as a call */
	int r = run(t);
	AL_ASSERT(r == AL_SUSPENDED || r == AL_FINISHED);   /* not a stray code */
	loop->current = outer;
	if (__builtin_expect(r == AL_FINISHED, 0))
		finish(loop, t);
}

static void disarm_slow(struct al_task *t)
{
	struct al_timer *tm = t->deadline;

	t->timed = 0;
	t->what = tm->what;
	al_future_remove(&tm->fut, &tm->cb);
	al_timer_cancel(t->fut.loop, tm);
}

/* Inline: every wake passes here, and most awaits have no deadline. */
static inline void disarm_deadline(struct al_task *t)
{
	if (__builtin_expect(t->timed, 0))
		disarm_slow(t);
}

/* The wake fired while a deadline is armed: 1 if the deadline fired too
 * and its callback is still queued, in which case the wake is posted again
 * behind it (it sees the future done and stands down, so its node has left
 * the ready queue before the coroutine can arm the timer again); else the
 * deadline is disarmed and 0.  The future won: its result is the task's
 * now, and `waiting` NULL, so that nothing the callbacks between do to the
 * future (set it again) reaches the task.  The wake posted again is the
 * copying one, as every wake of a task with a deadline armed is: the
 * drain's plain resume does not look at the deadline. */
static int wake_defer(struct al_task *t)
{
	if (t->deadline->fut.state != AL_PENDING) {
		struct al_future *f = t->waiting;

		if (f != NULL && f->state != AL_PENDING) {
			t->value = f->value;
			t->err = f->err;
			t->waiting = NULL;
		}
		t->wake.fn = al__task_wake_copy;
		al_loop_post(t->fut.loop, &t->wake);
		return 1;
	}
	disarm_slow(t);
	return 0;
}

/* The task's wake node fired: the awaited future completed, and handed
 * the task its result as it did (al_future_set) or al__task_wake_copy
 * copied it, or the task was cancelled / timed out / yielded, in which
 * case `waiting` is already NULL and the result set.  The drain below runs
 * the plain case itself, inline: this is the wake with a deadline armed
 * (through al__task_wake_copy), or on another loop's drain. */
void al__task_wake(struct al_cb *cb)
{
	struct al_task *t = AL_CONTAINER_OF(cb, struct al_task, wake);

	if (__builtin_expect(t->timed, 0) && wake_defer(t))
		return;
	t->waiting = NULL;
	step(t);
}

void al__task_wake_copy(struct al_cb *cb)
{
	struct al_task *t = AL_CONTAINER_OF(cb, struct al_task, wake);
	struct al_future *f = t->waiting;

	t->wake.fn = al__task_wake;
	if (f != NULL && f->state != AL_PENDING) {
		t->value = f->value;
		t->err = f->err;
	}
	al__task_wake(cb);
}

/* The loop's drain lives here, beside the task's wake, because most of
 * what it runs are task wakes: a compare and the wake inlined cost less
 * than an indirect call into another unit.  Callbacks may post more;
 * they run in this same pass, in order.  A node leaves the queue with its
 * `next` stale: whoever queues it again (post, on_done, an await) sets it.
 *
 * A plain resume (a task's plain wake, no deadline armed, its own loop:
 * its result is already in it) does not put loop->current back after its
 * step: the next plain resume overwrites it, and everything else --
 * another callback, a wake with a deadline or behind another, a finished
 * task, the drain's end -- puts the outer value back first.  So only the coroutine ever sees
 * current set to its task, as before, and a resume stores one word fewer
 * (a resume is store-bound: some thirty stores in a few nanoseconds).
 * For the same reason a plain resume counts itself once, in resumes, not
 * again in calls (al_loop_callbacks() adds them up). */
uint64_t al_loop_drain(struct al_loop *loop)
{
	struct al_task *outer = loop->current;
	uint64_t n = 0;
	struct al_cb *cb;

	while ((cb = loop->ready) != NULL) {
		loop->ready = cb->next;  /* ready_tail may go stale: see al_loop_splice */
		n++;
		if (__builtin_expect(cb->fn == al__task_wake, 1)) {
			struct al_task *t = AL_CONTAINER_OF(cb, struct al_task, wake);

			/* a deadline armed makes the wake al__task_wake_copy */
			if (__builtin_expect(t->fut.loop == loop, 1)) {
				t->waiting = NULL;
				loop->current = t;
				loop->resumes++;
				if (__builtin_expect(run(t) == AL_FINISHED, 0)) {
					loop->current = outer;
					finish(loop, t);
				}
				continue;
			}
			loop->current = outer;
			loop->calls++;  /* before the call: the sim reads it */
			al__task_wake(cb);
			continue;
		}
		loop->current = outer;
		loop->calls++;
		cb->fn(cb);
	}
	loop->current = outer;
	return n;
}

void al_task_start(struct al_task *t, struct al_loop *loop, al_coro_fn fn,
		   void *frame, const char *name)
{
	al_future_init(&t->fut, loop);
	t->fn = fn;
	t->frame = frame;
	t->waiting = NULL;
	t->timed = 0;
	t->name = name;
	t->what = NULL;
	t->value = 0;
	t->err = 0;
	t->lane = 0;
	t->cancel = 0;
	t->worn = 0;
	t->wake.fn = al__task_wake;
	link_task(loop, t);
	al_loop_post(loop, &t->wake);
}

/* AL_AWAIT_UNTIL's await: 1 if t must suspend (its wake node is now on
 * fut), 0 if the result is already in t->err/value (AL_AWAIT's await and
 * its driver's again(), in one step). */
static int suspend(struct al_task *t, struct al_future *fut, const char *what)
{
	if (al_task_await(t, fut, what) == AL_SUSPENDED)
		return 1;
	again(t);
	return 0;
}

void al_task_yield(struct al_task *t)
{
	t->waiting = NULL;
	t->value = 0;
	t->err = 0;
	al_loop_post(t->fut.loop, &t->wake);
}

void al_task_on_end(struct al_task *t, al_cb_fn fn)
{
	/* the wake that runs this step has left the ready queue, and the
	 * task will not await again: its node is free */
	t->wake.fn = fn;
	al_future_on_done(&t->fut, &t->wake);
}

struct al_task *al_task_of_end(struct al_cb *cb)
{
	return AL_CONTAINER_OF(cb, struct al_task, wake);
}

/* Wakes t, which waits on a pending future, with err instead.  If the
 * backend parked that future (an I/O in flight), it is unparked so the
 * backend never completes a future its waiter has given up. */
static void interrupt(struct al_task *t, int err)
{
	struct al_future *f = t->waiting;

	al_future_remove(f, &t->wake);
	if (f->parked) {
		*f->parked = NULL;
		f->parked = NULL;
	}
	t->waiting = NULL;
	t->value = 0;
	t->err = err;
	disarm_deadline(t);
	al_loop_post(t->fut.loop, &t->wake);
}

static void on_deadline(struct al_cb *cb)
{
	struct al_timer *tm = AL_CONTAINER_OF(cb, struct al_timer, cb);
	struct al_task *t = tm->task;

	if (!t->timed || t->deadline != tm)
		return;                 /* disarmed after it fired: stale */
	t->timed = 0;
	t->what = tm->what;
	if (t->waiting && t->waiting->state == AL_PENDING)
		interrupt(t, ETIMEDOUT);
	/* else the future won; its wake (re-posted behind us) takes it */
}

int al_task_suspend_until(struct al_task *t, struct al_future *fut, const char *what,
			  struct al_timer *tm, int64_t at)
{
	if (!suspend(t, fut, what))
		return 0;
	tm->task = t;
	tm->cb.fn = on_deadline;
	al_sleep_until(t->fut.loop, tm, at);
	al_future_on_done(&tm->fut, &tm->cb);
	tm->what = t->what;          /* what suspend set */
	t->deadline = tm;
	t->timed = 1;
	/* so the drain's plain resume, which does not look at the deadline,
	 * never takes this wake; the future hands it no result either */
	t->wake.fn = al__task_wake_copy;
	return 1;
}

int al_task_cancel(struct al_task *t)
{
	if (t->fut.state != AL_PENDING) {
		errno = EINVAL;
		return -1;
	}
	if (t->waiting && t->waiting->state == AL_PENDING)
		interrupt(t, ECANCELED);
	else
		t->cancel = 1;
	return 0;
}

struct al_future *al_sleep_until(struct al_loop *loop, struct al_timer *tm, int64_t at)
{
	al_future_init(&tm->fut, loop);
	tm->at = at;
	tm->token = 0;
	AL_ASSERT(loop->os != NULL);
	loop->os->ops->timer_start(loop->os, tm);
	return &tm->fut;
}

void al_timer_cancel(struct al_loop *loop, struct al_timer *tm)
{
	if (tm->fut.state == AL_PENDING && loop->os)
		loop->os->ops->timer_cancel(loop->os, tm);
}

/* --- gather and wait-any */

void al_gather_detach(struct al_gather *g)
{
	for (size_t i = 0; i < g->n; i++)
		al_future_remove(g->fs[i], &g->items[i].cb);
}

static void gather_done(struct al_gather *g)
{
	int err = 0;
	int64_t failed = 0;

	for (size_t i = 0; i < g->n; i++) {
		if (g->fs[i]->err) {
			if (!failed)
				err = g->fs[i]->err;
			failed++;
		}
	}
	al_future_set(&g->fut, failed, err);
}

static void on_gather_item(struct al_cb *cb)
{
	struct al_gather *g = AL_CONTAINER_OF(cb, struct al_gather_item, cb)->g;

	if (--g->left == 0)
		gather_done(g);
}

static void on_any_item(struct al_cb *cb)
{
	struct al_gather_item *it = AL_CONTAINER_OF(cb, struct al_gather_item, cb);
	struct al_gather *g = it->g;
	size_t idx = (size_t)(it - g->items);

	if (g->fut.state != AL_PENDING)
		return;
	for (size_t i = 0; i < g->n; i++)
		if (i != idx)
			al_future_remove(g->fs[i], &g->items[i].cb);
	al_future_set(&g->fut, (int64_t)idx, g->fs[idx]->err);
}

static struct al_future *watch(struct al_gather *g, struct al_loop *loop,
			       struct al_future **fs, struct al_gather_item *items,
			       size_t n, al_cb_fn fn)
{
	al_future_init(&g->fut, loop);
	g->fs = fs;
	g->items = items;
	g->n = n;
	g->left = n;
	if (n == 0) {
		/* nothing to wait for: gather is done, wait-any can never be */
		al_future_set(&g->fut, 0, fn == on_any_item ? EINVAL : 0);
		return &g->fut;
	}
	for (size_t i = 0; i < n; i++) {
		items[i].g = g;
		items[i].cb.fn = fn;
		al_future_on_done(fs[i], &items[i].cb);
	}
	return &g->fut;
}

struct al_future *al_gather(struct al_gather *g, struct al_loop *loop,
			    struct al_future **fs, struct al_gather_item *items, size_t n)
{
	return watch(g, loop, fs, items, n, on_gather_item);
}

struct al_future *al_wait_any(struct al_gather *g, struct al_loop *loop,
			      struct al_future **fs, struct al_gather_item *items, size_t n)
{
	return watch(g, loop, fs, items, n, on_any_item);
}
