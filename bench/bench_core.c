/* Core benchmarks: the event queue under the "hold" model at several
 * sizes, and one coroutine resume + await.  Figures, not assertions. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/al_dist.h"
#include "core/al_loop.h"
#include "core/al_task.h"
#include "sim/sim_queue.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t sink;

static void on_event(void *arg, int64_t t)
{
	sink += (uint64_t)t ^ (uintptr_t)arg;
}

/* Hold model: pop the earliest event, schedule one a random delay later
 * (exponential, mean 1 ms), as a simulation does at steady state. */
static double hold(size_t pending, uint64_t ops)
{
	struct sim_queue q;
	struct al_rng rng;
	int64_t t = 0;
	sim_fn fn;
	void *arg;

	if (sim_queue_init(&q) != 0)
		exit(1);
	al_rng_seed(&rng, 1);
	for (size_t i = 0; i < pending; i++)
		sim_queue_push(&q, (int64_t)al_rng_below(&rng, 2000000), on_event, NULL);
	/* Precompute the delays: the figure is the queue's, not the RNG's. */
	enum { NDELAY = 1 << 16 };
	int64_t *delay = malloc(NDELAY * sizeof *delay);
	struct al_dist d = {AL_DIST_EXPONENTIAL, 1e6, 0};
	for (int i = 0; i < NDELAY; i++)
		delay[i] = al_dist_draw_i64(&d, &rng) + 1;
	double t0 = now_s();
	for (uint64_t i = 0; i < ops; i++) {
		sim_queue_pop(&q, &t, &fn, &arg);
		fn(arg, t);
		sim_queue_push(&q, t + delay[i & (NDELAY - 1)], on_event, NULL);
	}
	double dt = now_s() - t0;
	free(delay);
	sim_queue_free(&q);
	return (double)ops / dt;
}

struct pong {
	struct al_coro co;
	struct al_future mine;
	struct pong *peer;
	long left;
};

static int pong_fn(struct al_task *t, void *arg)
{
	struct pong *f = arg;

	AL_BEGIN(f);
	while (f->left-- > 0) {
		al_future_init(&f->mine, t->fut.loop);
		al_future_set(&f->peer->mine, 0, 0);
		AL_AWAIT(t, f, &f->mine);
	}
	al_future_set(&f->peer->mine, 0, 0);
	AL_END(t, f);
}

static double resume_ns(long rounds)
{
	struct al_loop loop;
	struct al_task ta, tb;
	struct pong a = {.left = rounds}, b = {.left = rounds};

	al_loop_init(&loop, NULL);
	a.peer = &b;
	b.peer = &a;
	al_future_init(&a.mine, &loop);
	al_future_init(&b.mine, &loop);
	al_task_start(&ta, &loop, pong_fn, &a, "ping");
	al_task_start(&tb, &loop, pong_fn, &b, "pong");
	double t0 = now_s();
	al_loop_run(&loop);
	double dt = now_s() - t0;
	return dt * 1e9 / (double)loop.resumes;
}

int main(void)
{
	static const size_t sizes[] = {1000, 10000, 100000, 1000000};

	printf("event queue (hold: pop + push, 4-ary heap)\n");
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		double best = 0;
		for (int r = 0; r < 3; r++) {
			double eps = hold(sizes[i], 5000000);
			if (eps > best)
				best = eps;
		}
		printf("  %8zu pending: %6.2f M events/s%s\n", sizes[i], best / 1e6,
		       sizes[i] == 10000 ? (best >= 10e6 ? "   (target >= 10 M/s: met)"
							 : "   (target >= 10 M/s: MISSED)")
					 : "");
	}
	double best = 1e9;
	for (int r = 0; r < 5; r++) {
		double ns = resume_ns(5000000);
		if (ns < best)
			best = ns;
	}
	printf("coroutine resume + await: %.2f ns%s\n", best,
	       best <= 10 ? "   (target <= 10 ns: met)" : "   (target <= 10 ns: MISSED)");
	return sink == 42; /* keep the callback's work */
}
