/* Futures, Tasks, coroutines, gather, wait-any, cancellation, deadlines
 * and deadlock reports, on a fake os that only keeps timers (the ops
 * table filled in by hand). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/al_assert.h"
#include "core/al_loop.h"
#include "core/al_os.h"
#include "core/al_task.h"

/* --- a fake os: a virtual clock and up to 16 timers */

static struct al_timer *timers[16];
static int64_t fake_time;

static int64_t fake_now(struct al_os *os)
{
	(void)os;
	return fake_time;
}

static void fake_timer_start(struct al_os *os, struct al_timer *tm)
{
	(void)os;
	for (int i = 0; i < 16; i++)
		if (!timers[i]) {
			timers[i] = tm;
			return;
		}
	fail_msg("too many timers");
}

static void fake_timer_cancel(struct al_os *os, struct al_timer *tm)
{
	(void)os;
	for (int i = 0; i < 16; i++)
		if (timers[i] == tm)
			timers[i] = NULL;
}

static int fire_all_due; /* a libevent-like pass: every timer due at once */

static int fake_wait(struct al_os *os)
{
	int best = -1;

	(void)os;
	for (int i = 0; i < 16; i++)
		if (timers[i] && (best < 0 || timers[i]->at < timers[best]->at))
			best = i;
	if (best < 0)
		return 0;
	int64_t at = timers[best]->at;
	fake_time = at;
	for (int i = best; i < 16; i++) {
		struct al_timer *tm = timers[i];
		if (!tm || tm->at != at || (i != best && !fire_all_due))
			continue;
		timers[i] = NULL;
		al_future_set_leaf(&tm->fut, tm->at, 0);
	}
	return 1;
}

static const struct al_os_ops fake_ops = {
	.name = "fake",
	.now = fake_now,
	.timer_start = fake_timer_start,
	.timer_cancel = fake_timer_cancel,
	.wait = fake_wait,
};

static struct al_os fake_os;
static struct al_loop loop;

static int setup(void **state)
{
	(void)state;
	memset(timers, 0, sizeof timers);
	fake_time = 0;
	fire_all_due = 0;
	fake_os = (struct al_os){.ops = &fake_ops, .loop = &loop};
	al_loop_init(&loop, &fake_os);
	return 0;
}

/* --- futures */

static int order[8], norder;

static void record_cb(struct al_cb *cb)
{
	order[norder++] = (int)(intptr_t)cb[1].fn; /* tag stored in a second node */
}

static void test_callbacks_are_deferred_and_ordered(void **state)
{
	struct al_future f;
	struct al_cb cbs[3][2];

	(void)state;
	norder = 0;
	al_future_init(&f, &loop);
	for (int i = 0; i < 3; i++) {
		cbs[i][0].fn = record_cb;
		cbs[i][1].fn = (al_cb_fn)(intptr_t)(i + 1);
		al_future_on_done(&f, &cbs[i][0]);
	}
	assert_int_equal(al_future_remove(&f, &cbs[1][0]), 1);
	assert_int_equal(al_future_set_leaf(&f, 7, 0), 0);
	assert_int_equal(norder, 0); /* never inside set */
	assert_int_equal(al_future_set_leaf(&f, 8, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(f.value, 7);
	al_loop_drain(&loop);
	assert_int_equal(norder, 2);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 3);
	/* A callback added to a done future still runs from the loop. */
	al_future_on_done(&f, &cbs[1][0]);
	assert_int_equal(norder, 2);
	al_loop_drain(&loop);
	assert_int_equal(norder, 3);
	assert_int_equal(order[2], 2);
}

static void test_cancel_future(void **state)
{
	struct al_future f;

	(void)state;
	al_future_init(&f, &loop);
	assert_int_equal(al_future_cancel(&f), 0);
	assert_int_equal(f.state, AL_CANCELLED);
	assert_int_equal(f.err, ECANCELED);
	assert_int_equal(al_future_cancel(&f), -1);
}

/* --- coroutines: await, nested call (yield from), task as future */

struct leaf {
	struct al_coro co;
	struct al_future *src;
	int64_t add;
};

static int leaf_fn(struct al_task *t, void *arg)
{
	struct leaf *f = arg;

	AL_BEGIN(f);
	AL_AWAIT(t, f, f->src);
	if (t->err)
		AL_RETURN(t, f, 0, t->err);
	AL_RETURN(t, f, t->value + f->add, 0);
	AL_END(t, f);
}

struct mid {
	struct al_coro co;
	struct leaf a, b;
	int64_t sum;
};

static int mid_fn(struct al_task *t, void *arg)
{
	struct mid *f = arg;

	AL_BEGIN(f);
	AL_CALL(t, f, leaf_fn, &f->a);
	f->sum = t->value;
	AL_CALL(t, f, leaf_fn, &f->b);
	if (t->err)
		AL_RETURN(t, f, f->sum, t->err);
	AL_RETURN(t, f, f->sum + t->value, 0);
	AL_END(t, f);
}

struct outer {
	struct al_coro co;
	struct al_task *child;
	int64_t got;
	int err;
};

static int outer_fn(struct al_task *t, void *arg)
{
	struct outer *f = arg;

	AL_BEGIN(f);
	AL_AWAIT(t, f, &f->child->fut); /* a Task is a Future */
	f->got = t->value;
	f->err = t->err;
	AL_END(t, f);
}

static void test_nested_await(void **state)
{
	struct al_future x, y;
	struct mid m = {.a = {.src = &x, .add = 1}, .b = {.src = &y, .add = 10}};
	struct outer o = {0};
	struct al_task tm, to;

	(void)state;
	al_future_init(&x, &loop);
	al_future_init(&y, &loop);
	al_task_start(&tm, &loop, mid_fn, &m, "mid");
	o.child = &tm;
	al_task_start(&to, &loop, outer_fn, &o, "outer");
	al_loop_drain(&loop);
	assert_ptr_equal(tm.waiting, &x);
	assert_int_equal(loop.tasks, 2);
	al_future_set_leaf(&x, 100, 0);
	al_loop_drain(&loop);
	assert_ptr_equal(tm.waiting, &y);
	al_future_set_leaf(&y, 1000, 0);
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(o.got, 101 + 1010);
	assert_int_equal(o.err, 0);
	assert_int_equal(loop.tasks, 0);
}

/* al_task_on_end: a callback on the task's own node, registered in its
 * last step, runs after the ones registered before it, with the task's
 * result, and the task's value and err are its future's. */
struct ender {
	struct al_coro co;
	struct al_future *src;
};
static struct al_task *ended;
static int end_order[2], n_ends;

static void on_end(struct al_cb *cb);

static int ender_fn(struct al_task *t, void *arg)
{
	struct ender *f = arg;

	AL_BEGIN(f);
	AL_AWAIT(t, f, f->src);
	assert_int_equal(t->value, 7);
	assert_int_equal(t->fut.value, 7);  /* the same bytes, while pending */
	assert_int_equal(t->fut.state, AL_PENDING);
	al_task_on_end(t, on_end);
	AL_RETURN(t, f, 42, EPIPE);
	AL_END(t, f);
}

static void on_end(struct al_cb *cb)
{
	ended = al_task_of_end(cb);
	end_order[n_ends++] = 2;
}

static void on_first(struct al_cb *cb)
{
	(void)cb;
	end_order[n_ends++] = 1;
}

static void test_task_on_end(void **state)
{
	struct al_future x;
	struct ender e = {.src = &x};
	struct al_task t;
	struct al_cb first = {.fn = on_first};

	(void)state;
	ended = NULL;
	n_ends = 0;
	al_future_init(&x, &loop);
	al_task_start(&t, &loop, ender_fn, &e, "ender");
	al_future_on_done(&t.fut, &first);
	al_loop_drain(&loop);
	assert_null(ended);
	al_future_set_leaf(&x, 7, 0);
	assert_int_equal(al_loop_run(&loop), 0);
	assert_ptr_equal(ended, &t);
	assert_int_equal(n_ends, 2);
	assert_int_equal(end_order[0], 1);
	assert_int_equal(end_order[1], 2);
	assert_int_equal(t.fut.state, AL_DONE);
	assert_int_equal(t.fut.value, 42);
	assert_int_equal(t.fut.err, EPIPE);
	assert_int_equal(loop.tasks, 0);
}

static void test_error_propagates_as_value(void **state)
{
	struct al_future x, y;
	struct mid m = {.a = {.src = &x}, .b = {.src = &y}};
	struct outer o = {0};
	struct al_task tm, to;

	(void)state;
	al_future_init(&x, &loop);
	al_future_init(&y, &loop);
	al_future_set_leaf(&x, 5, 0);          /* done before the await: no suspend */
	al_future_set_leaf(&y, 0, ECONNRESET);
	al_task_start(&tm, &loop, mid_fn, &m, "mid");
	o.child = &tm;
	al_task_start(&to, &loop, outer_fn, &o, "outer");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(o.err, ECONNRESET);
	assert_int_equal(o.got, 5);
}

/* --- gather and wait-any */

struct gatherer {
	struct al_coro co;
	struct al_future **fs;
	size_t n;
	struct al_gather_item items[4];
	struct al_gather g;
	int any;
	int64_t value;
	int err;
};

static int gather_fn(struct al_task *t, void *arg)
{
	struct gatherer *f = arg;

	AL_BEGIN(f);
	if (f->any)
		AL_AWAIT(t, f, al_wait_any(&f->g, t->fut.loop, f->fs, f->items, f->n));
	else
		AL_AWAIT(t, f, al_gather(&f->g, t->fut.loop, f->fs, f->items, f->n));
	f->value = t->value;
	f->err = t->err;
	AL_END(t, f);
}

static void test_gather_argument_order(void **state)
{
	struct al_future a, b, c;
	struct al_future *fs[] = {&a, &b, &c};
	struct gatherer g = {.fs = fs, .n = 3};
	struct al_task t;

	(void)state;
	al_future_init(&a, &loop);
	al_future_init(&b, &loop);
	al_future_init(&c, &loop);
	al_task_start(&t, &loop, gather_fn, &g, "gather");
	al_loop_drain(&loop);
	/* Complete out of order; the second and third fail. */
	al_future_set_leaf(&c, 3, ETIMEDOUT);
	al_loop_drain(&loop);
	assert_false(al_future_done(&t.fut));
	al_future_set_leaf(&a, 1, 0);
	al_future_set_leaf(&b, 2, ECONNREFUSED);
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(g.value, 2);              /* two failed */
	assert_int_equal(g.err, ECONNREFUSED);     /* first in argument order */
	assert_int_equal(a.value + b.value * 10 + c.value * 100, 321);
}

static void test_wait_any(void **state)
{
	struct al_future a, b;
	struct al_future *fs[] = {&a, &b};
	struct gatherer g = {.fs = fs, .n = 2, .any = 1};
	struct al_task t;

	(void)state;
	al_future_init(&a, &loop);
	al_future_init(&b, &loop);
	al_task_start(&t, &loop, gather_fn, &g, "any");
	al_loop_drain(&loop);
	al_future_set_leaf(&b, 9, 0);
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(g.value, 1);
	assert_null(a.head); /* no longer watched */
}

/* --- cancellation, sleep, deadlines */

struct sleeper {
	struct al_coro co;
	struct al_timer tm, dl;
	struct al_future *wait_on;
	int64_t at, deadline;
	int errs[3];
	int64_t when[3];
};

static int sleeper_fn(struct al_task *t, void *arg)
{
	struct sleeper *f = arg;

	AL_BEGIN(f);
	AL_AWAIT_UNTIL(t, f, f->wait_on, &f->dl, f->deadline);
	f->errs[0] = t->err;
	f->when[0] = fake_time;
	AL_AWAIT(t, f, al_sleep_until(t->fut.loop, &f->tm, f->at));
	f->errs[1] = t->err;
	f->when[1] = fake_time;
	AL_END(t, f);
}

static void test_deadline_expires(void **state)
{
	struct al_future never;
	struct sleeper s = {.wait_on = &never, .deadline = 500, .at = 800};
	struct al_task t;

	(void)state;
	al_future_init(&never, &loop);
	al_task_start(&t, &loop, sleeper_fn, &s, "sleeper");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(s.errs[0], ETIMEDOUT);
	assert_int_equal(s.when[0], 500);
	assert_int_equal(s.errs[1], 0);
	assert_int_equal(s.when[1], 800);
	assert_null(never.head); /* the task left the future's list */
}

static void test_deadline_not_reached(void **state)
{
	struct al_timer early;
	struct sleeper s = {.deadline = 500, .at = 900};
	struct al_task t;

	(void)state;
	s.wait_on = al_sleep_until(&loop, &early, 200);
	al_task_start(&t, &loop, sleeper_fn, &s, "sleeper");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(s.errs[0], 0);
	assert_int_equal(s.when[0], 200);
	assert_int_equal(s.when[1], 900); /* the disarmed deadline never fired */
	for (int i = 0; i < 16; i++)
		assert_null(timers[i]);
}

static void test_cancel_waiting_task(void **state)
{
	struct al_future never;
	struct sleeper s = {.deadline = 1000, .at = 50};
	struct al_task t;

	(void)state;
	al_future_init(&never, &loop);
	s.wait_on = &never;
	al_task_start(&t, &loop, sleeper_fn, &s, "sleeper");
	al_loop_drain(&loop);
	assert_int_equal(al_task_cancel(&t), 0);
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(s.errs[0], ECANCELED);
	assert_int_equal(s.when[0], 0);
	assert_int_equal(s.errs[1], 0);  /* delivered once, at one await */
	assert_int_equal(al_task_cancel(&t), -1);
}

static void test_cancel_runnable_task(void **state)
{
	struct al_future done;
	struct sleeper s = {.deadline = 1000, .at = 50};
	struct al_task t;

	(void)state;
	al_future_init(&done, &loop);
	al_future_set_leaf(&done, 1, 0);
	s.wait_on = &done;
	al_task_start(&t, &loop, sleeper_fn, &s, "sleeper");
	assert_int_equal(al_task_cancel(&t), 0); /* not started yet */
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(s.errs[0], ECANCELED);  /* at the first await */
	assert_int_equal(s.errs[1], 0);
}

static void test_deadlock_is_reported(void **state)
{
	struct al_future never;
	struct al_task t;
	char buf[512] = "";

	(void)state;
	al_future_init(&never, &loop);
	struct leaf l = {.src = &never};
	al_task_start(&t, &loop, leaf_fn, &l, "stuck");
	assert_int_equal(al_loop_run(&loop), -1);
	assert_int_equal(errno, EDEADLK);
	FILE *f = fmemopen(buf, sizeof buf, "w");
	assert_int_equal(al_loop_report_blocked(&loop, f), 1);
	fclose(f);
	assert_string_equal(buf, "  task 'stuck' waits on f->src\n");
}

/* A task awaiting with a deadline armed is reported with the await's
 * text (the task keeps the timer in its place meanwhile), and with the
 * next await's once the deadline has fired. */
static void test_deadline_wait_is_reported(void **state)
{
	struct al_future never;
	struct sleeper s = {.wait_on = &never, .deadline = 500, .at = 800};
	struct al_task t;
	char buf[512] = "";

	(void)state;
	al_future_init(&never, &loop);
	al_task_start(&t, &loop, sleeper_fn, &s, "sleeper");
	al_loop_drain(&loop);            /* suspended until 500 */
	assert_int_equal(t.timed, 1);
	FILE *f = fmemopen(buf, sizeof buf, "w");
	assert_int_equal(al_loop_report_blocked(&loop, f), 1);
	fclose(f);
	assert_string_equal(buf, "  task 'sleeper' waits on f->wait_on\n");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(s.errs[0], ETIMEDOUT);
	assert_int_equal(t.timed, 0);
	assert_string_equal(t.what, "al_sleep_until(t->fut.loop, &f->tm, f->at)");
}

/* A deadline and the awaited future fire in the same pass: the future
 * wins, the deadline's queued callback stands down, and re-arming the same
 * timer right after is safe (no ready-queue corruption, no lost wake). */
struct rearm {
	struct al_coro co;
	struct al_timer sleep, dl;
	int round;
	int errs[3];
	int64_t when[3];
};

static int rearm_fn(struct al_task *t, void *arg)
{
	struct rearm *f = arg;

	AL_BEGIN(f);
	for (f->round = 0; f->round < 3; f->round++) {
		AL_AWAIT_UNTIL(t, f, al_sleep_until(t->fut.loop, &f->sleep, fake_time + 10),
			       &f->dl, fake_time + 10);
		f->errs[f->round] = t->err;
		f->when[f->round] = fake_time;
	}
	AL_END(t, f);
}

static void test_deadline_and_future_in_one_pass(void **state)
{
	struct rearm r = {0};
	struct sleeper other = {.deadline = 1000, .at = 10};
	struct al_future done;
	struct al_task t1, t2;

	(void)state;
	fire_all_due = 1;
	al_future_init(&done, &loop);
	al_future_set_leaf(&done, 0, 0);
	other.wait_on = &done;
	al_task_start(&t1, &loop, rearm_fn, &r, "rearm");
	al_task_start(&t2, &loop, sleeper_fn, &other, "other");
	assert_int_equal(al_loop_run(&loop), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r.errs[i], 0);
		assert_int_equal(r.when[i], 10 * (i + 1));
	}
	assert_int_equal(other.when[1], 10);
}

/* The same, and a callback behind the task on the future it won
 * initialises and sets the future again before the task's wake, posted
 * again behind the deadline's, runs: the task keeps the result the
 * future had when it won. */
static struct al_future *reset_fut;

static void reset_cb(struct al_cb *cb)
{
	(void)cb;
	al_future_init(reset_fut, &loop);
	al_future_set_leaf(reset_fut, 777, EIO);
}

static void test_deadline_pass_keeps_the_result(void **state)
{
	struct al_timer a;
	struct al_cb cb = {.fn = reset_cb};
	struct sleeper s = {.deadline = 500, .at = 900};
	struct al_task t;

	(void)state;
	fire_all_due = 1;
	s.wait_on = reset_fut = al_sleep_until(&loop, &a, 500);
	al_task_start(&t, &loop, sleeper_fn, &s, "s");
	al_loop_drain(&loop);             /* the task awaits, first on the future */
	al_future_on_done(s.wait_on, &cb);
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(s.errs[0], 0);
	assert_int_equal(s.when[0], 500);
	assert_int_equal(s.when[1], 900);
}

/* A gather whose await timed out is detached, then gathered again. */
struct regather {
	struct al_coro co;
	struct al_future **fs;
	struct al_gather_item items[2];
	struct al_gather g;
	struct al_timer dl;
	int errs[2];
	int64_t when[2];
};

static int regather_fn(struct al_task *t, void *arg)
{
	struct regather *f = arg;

	AL_BEGIN(f);
	AL_AWAIT_UNTIL(t, f, al_gather(&f->g, t->fut.loop, f->fs, f->items, 2), &f->dl, 10);
	f->errs[0] = t->err;
	f->when[0] = fake_time;
	al_gather_detach(&f->g);
	AL_AWAIT(t, f, al_gather(&f->g, t->fut.loop, f->fs, f->items, 2));
	f->errs[1] = t->err;
	f->when[1] = fake_time;
	AL_END(t, f);
}

static void test_gather_detach_after_timeout(void **state)
{
	struct al_timer a, b;
	struct al_future *fs[] = {al_sleep_until(&loop, &a, 100), al_sleep_until(&loop, &b, 150)};
	struct regather g = {.fs = fs};
	struct al_task t;

	(void)state;
	al_task_start(&t, &loop, regather_fn, &g, "regather");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(g.errs[0], ETIMEDOUT);
	assert_int_equal(g.when[0], 10);
	assert_int_equal(g.errs[1], 0);
	assert_int_equal(g.when[1], 150); /* both, not the first twice */
}

/* A parked I/O is unparked when its waiter gives up. */
static void test_timeout_unparks(void **state)
{
	struct al_future io, *slot;
	struct sleeper s = {.deadline = 50, .at = 60};
	struct al_task t;

	(void)state;
	al_future_init(&io, &loop);
	slot = &io;
	io.parked = &slot;      /* as a backend holding it would */
	s.wait_on = &io;
	al_task_start(&t, &loop, sleeper_fn, &s, "sleeper");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(s.errs[0], ETIMEDOUT);
	assert_null(slot);
	assert_null(io.parked);
}

/* loop->current is the task only while its coroutine runs: a plain
 * callback that runs between two resumes in one drain sees NULL (the
 * drain puts it back lazily after a plain resume), and every wake and
 * callback is counted. */
struct seer {
	struct al_coro co;
	struct al_future mine;
	struct al_cb poke;          /* a plain callback posted from each step */
	const struct al_task *saw[3];
	int nsaw;
	const struct al_task *poke_saw[2];
	int poked;
};

static void poke_cb(struct al_cb *cb)
{
	struct seer *f = AL_CONTAINER_OF(cb, struct seer, poke);

	f->poke_saw[f->poked++] = loop.current;
	al_future_set_leaf(&f->mine, 5, 0);
}

static int seer_fn(struct al_task *t, void *arg)
{
	struct seer *f = arg;

	AL_BEGIN(f);
	f->saw[f->nsaw++] = loop.current;   /* the first step: from al_task_start */
	al_future_init(&f->mine, &loop);
	al_loop_post(&loop, &f->poke);
	AL_AWAIT(t, f, &f->mine);
	f->saw[f->nsaw++] = loop.current;   /* a plain resume */
	al_future_init(&f->mine, &loop);
	al_loop_post(&loop, &f->poke);
	AL_AWAIT(t, f, &f->mine);
	f->saw[f->nsaw++] = loop.current;
	AL_END(t, f);
}

static void test_current_only_inside_the_step(void **state)
{
	struct seer a = {.poke.fn = poke_cb}, b = {.poke.fn = poke_cb};
	struct al_task ta, tb;

	(void)state;
	al_task_start(&ta, &loop, seer_fn, &a, "a");
	uint64_t before = al_loop_callbacks(&loop);
	al_loop_drain(&loop);     /* step, poke, step, poke, step */
	assert_int_equal(a.nsaw, 3);
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(a.saw[i], &ta);
	assert_int_equal(a.poked, 2);
	assert_null(a.poke_saw[0]);
	assert_null(a.poke_saw[1]);   /* not the task whose step posted it */
	assert_null(loop.current);
	assert_int_equal(al_loop_callbacks(&loop) - before, 5);
	assert_int_equal(loop.resumes, 3);
	/* two tasks interleaved: every poke between two steps sees NULL */
	al_task_start(&ta, &loop, seer_fn, &(struct seer){.poke.fn = poke_cb}, "a2");
	al_task_start(&tb, &loop, seer_fn, &b, "b");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_null(b.poke_saw[0]);
	assert_null(b.poke_saw[1]);
	assert_ptr_equal(b.saw[2], &tb);
}

/* An await whose future is already done continues with its result in the
 * same step, also inside a sub-coroutine and many times over (its driver
 * runs it again at once: no resume counted, no stack used per await), and
 * a cancellation due is delivered there.  The done awaits come after a
 * wake, so the drain's own resume (not step) is the driver. */
struct sum_sub {
	struct al_coro co;
	struct al_future *src;
	int i;
	int64_t sum;
};

static int sum_sub_fn(struct al_task *t, void *arg)
{
	struct sum_sub *f = arg;

	AL_BEGIN(f);
	for (f->i = 0; f->i < 100000; f->i++) {
		AL_AWAIT(t, f, f->src);
		f->sum += t->value;
	}
	AL_END(t, f);
}

struct sum_main {
	struct al_coro co;
	struct sum_sub sub;
	struct al_future gate;           /* pending at first: the task sleeps */
	struct al_cb opener;             /* open_gate, posted */
	int err_after;
	int64_t value_after;
};

static int sum_main_fn(struct al_task *t, void *arg)
{
	struct sum_main *f = arg;

	AL_BEGIN(f);
	AL_AWAIT(t, f, &f->gate);        /* woken: the drain's own resume runs */
	AL_CALL(t, f, sum_sub_fn, &f->sub);
	al_task_cancel(t);               /* running: due at the next await */
	AL_AWAIT(t, f, f->sub.src);      /* done, but the cancellation wins */
	f->err_after = t->err;
	f->value_after = t->value;
	AL_AWAIT(t, f, f->sub.src);
	AL_RETURN(t, f, t->value, t->err);
	AL_END(t, f);
}

/* A posted callback that opens sum_main's gate. */
static void open_gate(struct al_cb *cb)
{
	struct sum_main *m = AL_CONTAINER_OF(cb, struct sum_main, opener);

	al_future_set_leaf(&m->gate, 1, 0);
}

/* A cancellation due when an await starts on a future a backend has
 * parked (an I/O in flight): ECANCELED, and the I/O's pointer to the
 * future is cleared, as a timeout clears it. */
struct parked_main {
	struct al_coro co;
	struct al_future io;
};

static int parked_fn(struct al_task *t, void *arg)
{
	struct parked_main *f = arg;

	AL_BEGIN(f);
	al_task_cancel(t);
	AL_AWAIT(t, f, &f->io);
	AL_END(t, f);
}

static void test_cancel_unparks(void **state)
{
	struct parked_main m = {0};
	struct al_future *slot = &m.io;  /* the backend's */
	struct al_task t;

	(void)state;
	al_future_init(&m.io, &loop);
	m.io.parked = &slot;
	al_task_start(&t, &loop, parked_fn, &m, "parked");
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(t.fut.err, ECANCELED);
	assert_null(slot);
	assert_null(m.io.parked);
}

/* A completing future hands its result to the task waiting first on it;
 * a task waiting behind another callback, or behind a task, takes it at
 * its wake.  Each task first awaits a done future whose result (99,
 * EBADF) stays in it if the second result never arrives. */
struct taker {
	struct al_coro co;
	struct al_future pre;
	struct al_future *f, *g;
	int64_t v[2];
	int e[2];
};

static int taker_fn(struct al_task *t, void *arg)
{
	struct taker *x = arg;

	AL_BEGIN(x);
	AL_AWAIT(t, x, &x->pre);
	AL_AWAIT(t, x, x->f);
	x->v[0] = t->value;
	x->e[0] = t->err;
	if (x->g) {
		AL_AWAIT(t, x, x->g);
		x->v[1] = t->value;
		x->e[1] = t->err;
	}
	AL_END(t, x);
}

static void noop_cb(struct al_cb *cb)
{
	(void)cb;
}

static void taker_start(struct taker *x, struct al_task *t, struct al_future *f,
			struct al_future *g)
{
	*x = (struct taker){.f = f, .g = g};
	al_future_init(&x->pre, &loop);
	al_future_set_leaf(&x->pre, 99, EBADF);
	al_task_start(t, &loop, taker_fn, x, "taker");
}

static void test_waiters_behind_get_the_result(void **state)
{
	struct al_future f, g;
	struct al_cb first = {.fn = noop_cb};
	struct taker a, b;
	struct al_task ta, tb;

	(void)state;
	al_future_init(&f, &loop);
	al_future_init(&g, &loop);
	al_future_on_done(&f, &first);
	taker_start(&a, &ta, &f, NULL);
	taker_start(&b, &tb, &f, &g);
	al_loop_drain(&loop);            /* both wait on f, behind `first` */
	al_future_set_leaf(&f, 7, ENOENT);
	al_loop_drain(&loop);            /* b now waits on g, first there */
	assert_int_equal(a.v[0], 7);
	assert_int_equal(a.e[0], ENOENT);
	assert_int_equal(b.v[0], 7);
	assert_int_equal(b.e[0], ENOENT);
	al_future_set_leaf(&g, 8, 0);
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(b.v[1], 8);
	assert_int_equal(b.e[1], 0);
}

/* The first waiter cancelled: the one behind it is first now, and still
 * gets the result. */
static void test_waiter_behind_a_cancelled_one(void **state)
{
	struct al_future f;
	struct taker a, b;
	struct al_task ta, tb;

	(void)state;
	al_future_init(&f, &loop);
	taker_start(&a, &ta, &f, NULL);
	taker_start(&b, &tb, &f, NULL);
	al_loop_drain(&loop);
	assert_int_equal(al_task_cancel(&ta), 0);
	al_loop_drain(&loop);
	assert_int_equal(a.v[0], 0);
	assert_int_equal(a.e[0], ECANCELED);
	al_future_set_leaf(&f, 5, 0);
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(b.v[0], 5);
	assert_int_equal(b.e[0], 0);
}

static void test_await_done_future(void **state)
{
	struct al_future done;
	struct sum_main m = {0};
	struct al_task t;

	(void)state;
	al_future_init(&done, &loop);
	al_future_set_leaf(&done, 3, 0);
	al_future_init(&m.gate, &loop);
	m.sub.src = &done;
	al_task_start(&t, &loop, sum_main_fn, &m, "sum");
	m.opener.fn = open_gate;
	al_loop_post(&loop, &m.opener);  /* after the task's first step */
	uint64_t resumes = loop.resumes;
	assert_int_equal(al_loop_run(&loop), 0);
	assert_int_equal(m.sub.sum, 300000);
	assert_int_equal(loop.resumes - resumes, 2);   /* the first step, the wake */
	assert_int_equal(m.err_after, ECANCELED);
	assert_int_equal(m.value_after, 0);
	assert_int_equal(t.fut.state, AL_DONE);
	assert_int_equal(t.fut.value, 3);
	assert_int_equal(t.fut.err, 0);
	assert_null(t.waiting);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_callbacks_are_deferred_and_ordered, setup),
		cmocka_unit_test_setup(test_cancel_future, setup),
		cmocka_unit_test_setup(test_nested_await, setup),
		cmocka_unit_test_setup(test_task_on_end, setup),
		cmocka_unit_test_setup(test_error_propagates_as_value, setup),
		cmocka_unit_test_setup(test_gather_argument_order, setup),
		cmocka_unit_test_setup(test_wait_any, setup),
		cmocka_unit_test_setup(test_deadline_expires, setup),
		cmocka_unit_test_setup(test_deadline_wait_is_reported, setup),
		cmocka_unit_test_setup(test_deadline_not_reached, setup),
		cmocka_unit_test_setup(test_cancel_waiting_task, setup),
		cmocka_unit_test_setup(test_cancel_runnable_task, setup),
		cmocka_unit_test_setup(test_deadlock_is_reported, setup),
		cmocka_unit_test_setup(test_deadline_and_future_in_one_pass, setup),
		cmocka_unit_test_setup(test_deadline_pass_keeps_the_result, setup),
		cmocka_unit_test_setup(test_gather_detach_after_timeout, setup),
		cmocka_unit_test_setup(test_timeout_unparks, setup),
		cmocka_unit_test_setup(test_current_only_inside_the_step, setup),
		cmocka_unit_test_setup(test_await_done_future, setup),
		cmocka_unit_test_setup(test_cancel_unparks, setup),
		cmocka_unit_test_setup(test_waiters_behind_get_the_result, setup),
		cmocka_unit_test_setup(test_waiter_behind_a_cancelled_one, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
