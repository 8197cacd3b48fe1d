/* al_post: a completion handed from one thread to another's loop, on both
 * backends.  The main task arms a post, spawns a worker thread that works,
 * then posts its result, and awaits the post while the worker runs; then
 * joins it.  On the simulator the instant is exact and the same on every
 * run; on the real backend the worker is a real pthread that posts while
 * main sleeps in its selector, and main must wake with the value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/al_scenario.h"
#include "net/net_os.h"
#include "sim/sim_os.h"

#define MS INT64_C(1000000)

struct worker {
	struct al_coro co;
	struct al_os *os;
	struct al_post *post;
	struct al_future done;
	int64_t posted;              /* al_post's result */
	int64_t again;               /* a second post of the same arm */
};

struct boss {
	struct al_coro co;
	struct al_os *os;
	struct al_post post;
	struct al_task wtask;
	struct worker w;
	int64_t armed, id;
	int64_t value, at;           /* what the post brought, when */
	int err;
	struct al_future joined;
};

static int worker_fn(struct al_task *t, void *arg)
{
	struct worker *w = arg;

	AL_BEGIN(w);
	AL_AWAIT_CALL(t, w, &w->done, al_cpu, w->os, 5 * MS);   /* sim: 5 ms of CPU */
	if (!al_os_has(w->os, AL_OS_CAP_ONE_HOST_THREAD)) {
		struct timespec ts = {0, 20 * MS};                 /* real: main sleeps */
		nanosleep(&ts, NULL);
	}
	w->posted = al_post(w->os, w->post, 42, 0);
	w->again = al_post(w->os, w->post, 43, 0);
	AL_RETURN(t, w, 0, 0);
	AL_END(t, w);
}

static int boss_fn(struct al_task *t, void *arg)
{
	struct boss *b = arg;

	AL_BEGIN(b);
	b->armed = al_post_arm(b->os, &b->post, t->fut.loop);
	if (b->armed < 0)
		AL_RETURN(t, b, 0, 0);
	b->w = (struct worker){.os = b->os, .post = &b->post};
	b->id = al_spawn(b->os, AL_SPAWN_THREAD, &b->wtask, worker_fn, &b->w, "worker");
	if (b->id < 0)
		AL_RETURN(t, b, 0, 0);
	AL_AWAIT(t, b, &b->post.done);
	b->value = t->value;
	b->err = t->err;
	b->at = al_now(b->os);
	AL_AWAIT_CALL(t, b, &b->joined, al_spawn_join, b->os, b->id);
	AL_RETURN(t, b, 0, 0);
	AL_END(t, b);
}

static void check(const struct boss *b)
{
	assert_int_equal(b->armed, 0);
	assert_true(b->id >= 0);
	assert_int_equal(b->value, 42);
	assert_int_equal(b->err, 0);
	assert_int_equal(b->w.posted, 0);
	assert_int_equal(b->w.again, -EINVAL);    /* one post per arm */
}

/* Simulated: returns when main woke with the post. */
static int64_t sim_once(struct boss *b)
{
	struct al_scenario sc;
	struct sim_os sim;
	struct al_task main_task;

	al_scenario_default(&sc);
	memset(&sc.machine.costs, 0, sizeof sc.machine.costs);
	sc.machine.cores = 2;
	sc.machine.costs.syscall_ns = 1000;
	sc.machine.costs.wakeup_ns = 50000;
	assert_int_equal(sim_os_init(&sim, &sc, NULL, NULL), 0);
	struct sim_thread *main_thread = sim_kernel_thread(&sim.k, -1, "main");
	assert_non_null(main_thread);
	sim.os.loop = &main_thread->loop;
	*b = (struct boss){.os = &sim.os};
	al_task_start(&main_task, &main_thread->loop, boss_fn, b, "boss");
	while (sim.k.live > 0 && sim.os.ops->wait(&sim.os))
		;
	assert_int_equal(sim.k.live, 0);
	sim_os_free(&sim);
	return b->at;
}

static void test_post_sim(void **state)
{
	struct boss b[2];

	(void)state;
	int64_t at = sim_once(&b[0]);
	check(&b[0]);
	/* the worker's 5 ms of CPU, its post's syscall, main's wake-up */
	assert_true(at >= 5 * MS + 1000 + 50000);
	assert_int_equal(sim_once(&b[1]), at);     /* deterministic */
}

static void test_post_real(void **state)
{
	struct al_scenario sc;
	struct al_loop loop;
	struct net_os n;
	struct boss b;
	struct al_task main_task;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons(9)};    /* never connected to */

	(void)state;
	al_scenario_default(&sc);
	al_loop_init(&loop, NULL);
	assert_int_equal(net_os_init(&n, &sc, &loop, &a, 1), 0);
	b = (struct boss){.os = &n.os};
	al_task_start(&main_task, &loop, boss_fn, &b, "boss");
	al_loop_run(&loop);
	check(&b);
	assert_true(al_future_done(&main_task.fut));
	net_os_free(&n);
}

/* A crowd: many threads post to one loop at once, over and over.  A post
 * whose eventfd write the loop read before taking the stack would stay
 * there with nothing to wake the loop: the run would hang, and the alarm
 * ends it as a failure instead. */
#define CROWD 16
#define ROUNDS 100

struct poster {
	struct al_coro co;
	struct al_os *os;
	struct al_post *post;
	int64_t value;
};

struct crowd {
	struct al_coro co;
	struct al_os *os;
	struct al_post post[CROWD];
	struct al_task task[CROWD];
	struct poster p[CROWD];
	struct al_future joined;
	int64_t id[CROWD], sum;
	int i, got, failed;
};

static int poster_fn(struct al_task *t, void *arg)
{
	struct poster *p = arg;

	AL_BEGIN(p);
	if (al_post(p->os, p->post, p->value, 0) != 0)
		AL_RETURN(t, p, -1, EINVAL);
	AL_RETURN(t, p, 0, 0);
	AL_END(t, p);
}

static int crowd_fn(struct al_task *t, void *arg)
{
	struct crowd *c = arg;

	AL_BEGIN(c);
	for (c->i = 0; c->i < CROWD; c->i++) {
		c->p[c->i] = (struct poster){.os = c->os, .post = &c->post[c->i], .value = c->i + 1};
		if (al_post_arm(c->os, &c->post[c->i], t->fut.loop) != 0)
			c->failed++;
	}
	for (c->i = 0; c->i < CROWD; c->i++)
		c->id[c->i] = al_spawn(c->os, AL_SPAWN_THREAD, &c->task[c->i], poster_fn,
				       &c->p[c->i], "poster");
	for (c->i = 0; c->i < CROWD; c->i++) {
		AL_AWAIT(t, c, &c->post[c->i].done);
		c->sum += t->value;
		c->got++;
	}
	for (c->i = 0; c->i < CROWD; c->i++) {
		if (c->id[c->i] < 0) {
			c->failed++;
			continue;
		}
		AL_AWAIT_CALL(t, c, &c->joined, al_spawn_join, c->os, c->id[c->i]);
	}
	AL_RETURN(t, c, 0, 0);
	AL_END(t, c);
}

static void test_post_real_crowd(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons(9)};
	static struct crowd c;

	(void)state;
	alarm(120);
	for (int r = 0; r < ROUNDS; r++) {
		struct al_scenario sc;
		struct al_loop loop;
		struct net_os n;
		struct al_task main_task;

		al_scenario_default(&sc);
		al_loop_init(&loop, NULL);
		assert_int_equal(net_os_init(&n, &sc, &loop, &a, 1), 0);
		c = (struct crowd){.os = &n.os};
		al_task_start(&main_task, &loop, crowd_fn, &c, "crowd");
		al_loop_run(&loop);
		assert_true(al_future_done(&main_task.fut));
		assert_int_equal(c.failed, 0);
		assert_int_equal(c.got, CROWD);
		assert_int_equal(c.sum, CROWD * (CROWD + 1) / 2);
		net_os_free(&n);
	}
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_sim),
		cmocka_unit_test(test_post_real),
		cmocka_unit_test(test_post_real_crowd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
