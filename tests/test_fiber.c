/* Fibers (core/al_fiber.h): a switch there and back, many fibers taking
 * turns, a fiber that ends, the stack's size and its guard page; pools of
 * stacks: a few mappings for many fibers, reuse, the canary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/al_fiber.h"

/* --- there and back: each yield hands a value out, each resume one in */

struct pingpong {
	struct al_fiber f;
	int in, out;
	int steps;
};

static void pingpong(void *arg)
{
	struct pingpong *p = arg;

	for (int i = 0; i < 3; i++) {
		p->out = p->in * 10 + i;     /* what the resumer sees next */
		p->steps++;
		al_fiber_yield(&p->f);
	}
}

static void test_switch_and_back(void **state)
{
	struct pingpong p = {0};

	(void)state;
	assert_int_equal(al_fiber_init(&p.f, 16384, pingpong, &p), 0);
	assert_int_equal(p.steps, 0);        /* nothing runs before the first resume */
	for (int i = 0; i < 3; i++) {
		p.in = i + 1;
		assert_int_equal(al_fiber_resume(&p.f), 1);
		assert_int_equal(p.out, (i + 1) * 10 + i);
		assert_int_equal(p.steps, i + 1);
	}
	assert_int_equal(al_fiber_resume(&p.f), 0);     /* the loop ended: fn returned */
	assert_true(p.f.done);
	al_fiber_free(&p.f);
	al_fiber_free(&p.f);                 /* idempotent */
}

/* --- many fibers taking turns keep their own locals */

#define MANY 500

struct worker {
	struct al_fiber f;
	int id;
	int64_t sum;
	int *order, *pos;
};

static void worker(void *arg)
{
	struct worker *w = arg;
	int64_t local = w->id;               /* lives on this fiber's stack */

	for (int round = 0; round < 4; round++) {
		w->order[(*w->pos)++] = w->id;
		local += round * 1000;
		al_fiber_yield(&w->f);
	}
	w->sum = local;
}

static void test_many_fibers(void **state)
{
	static struct worker ws[MANY];
	static int order[MANY * 4];
	int pos = 0, live = MANY;

	(void)state;
	for (int i = 0; i < MANY; i++) {
		ws[i] = (struct worker){.id = i, .order = order, .pos = &pos};
		assert_int_equal(al_fiber_init(&ws[i].f, 8192, worker, &ws[i]), 0);
	}
	while (live > 0)
		for (int i = 0; i < MANY; i++)
			if (!ws[i].f.done && al_fiber_resume(&ws[i].f) == 0)
				live--;
	/* round robin: fiber i ran i-th in every round */
	for (int k = 0; k < MANY * 4; k++)
		assert_int_equal(order[k], k % MANY);
	for (int i = 0; i < MANY; i++) {
		assert_true(ws[i].sum == i + 6000);
		al_fiber_free(&ws[i].f);
	}
}

/* --- a fiber that ends at once, and one dropped unfinished */

static int ran;

static void at_once(void *arg)
{
	(void)arg;
	ran++;
}

static void forever(void *arg)
{
	struct al_fiber *f = arg;
	char buf[512];

	memset(buf, 1, sizeof buf);      /* frames on the stack when it is dropped */
	for (;;)
		al_fiber_yield(f);
}

static void test_fiber_ends(void **state)
{
	struct al_fiber f, g;

	(void)state;
	ran = 0;
	assert_int_equal(al_fiber_init(&f, 16384, at_once, NULL), 0);
	assert_int_equal(al_fiber_resume(&f), 0);
	assert_int_equal(ran, 1);
	assert_true(f.done);
	al_fiber_free(&f);
	assert_int_equal(al_fiber_init(&g, 16384, forever, &g), 0);
	assert_int_equal(al_fiber_resume(&g), 1);
	assert_int_equal(al_fiber_resume(&g), 1);
	al_fiber_free(&g);                  /* a run cut short: dropped, nothing runs */
	assert_null(g.map);
}

/* --- the stack's size: rounded to pages, all of it usable, guarded */

struct deep {
	struct al_fiber f;
	size_t use;
	uintptr_t lo, hi;                /* an address range the fiber touched */
};

static void use_stack(void *arg)
{
	struct deep *d = arg;
	char marker;
	/* touch `use` bytes below this frame, one page at a time */
	volatile char *p = &marker;

	d->hi = (uintptr_t)&marker;
	for (size_t off = 0; off < d->use; off += 512)
		p[-(ptrdiff_t)off] = 1;
	d->lo = (uintptr_t)(p - d->use + 512);
}

static void test_stack_size_honoured(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct deep d = {.use = 0};

	(void)state;
	errno = 0;
	assert_int_equal(al_fiber_init(&d.f, AL_FIBER_STACK_MIN - 1, use_stack, &d), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(al_fiber_init(&d.f, 4096, NULL, &d), -1);

	/* 5000 bytes ask for two pages; the fiber may use nearly all of them */
	assert_int_equal(al_fiber_init(&d.f, 5000, use_stack, &d), 0);
	assert_true(d.f.stack_size == 2 * page);
	assert_true(d.f.map_size == 3 * page);
	d.use = d.f.stack_size - 1024;       /* leave the frames above a little */
	assert_int_equal(al_fiber_resume(&d.f), 0);
	uintptr_t lo = (uintptr_t)d.f.map + page, hi = (uintptr_t)d.f.map + d.f.map_size;
	assert_true(d.lo >= lo && d.hi < hi); /* on its own stack, above the guard */
	al_fiber_free(&d.f);
}

static void overflow(void *arg)
{
	struct al_fiber *f = arg;
	char marker;
	volatile char *p = &marker;

	/* one page past the bottom of the usable stack: the guard page */
	p[-(ptrdiff_t)(f->stack_size + 64)] = 1;
}

static void test_overflow_hits_guard(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct al_fiber f;
		/* cmocka's handler (and the sanitizer's) would catch it */
		signal(SIGSEGV, SIG_DFL);
		if (al_fiber_init(&f, 8192, overflow, &f) != 0)
			_exit(3);
		al_fiber_resume(&f);
		_exit(0);                    /* the write went somewhere: a failure */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
}

/* --- pools: many stacks in few mappings, reused, a canary below each */

static long maps_now(void)
{
	FILE *fp = fopen("/proc/self/maps", "r");
	long n = 0;
	int ch;

	if (!fp)
		return -1;
	while ((ch = getc(fp)) != EOF)
		n += ch == '\n';
	fclose(fp);
	return n;
}

#define POOLED 3000

/* Mappings a pool of POOLED stacks may add: its chunk, and what malloc
 * and a sanitizer's allocator and shadow map meanwhile.  Under ASan that
 * part depends on the address-space layout (which adjacent regions
 * merge): 5 to 20 seen, with the libraries the binary links.  Guarded
 * stacks would be 2 x POOLED either way. */
#if defined(__SANITIZE_ADDRESS__)
#define MAPS_SLACK 64
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAPS_SLACK 64
#endif
#endif
#ifndef MAPS_SLACK
#define MAPS_SLACK 16
#endif

static void test_pool_maps_few(void **state)
{
	static struct worker ws[POOLED];
	static int order[POOLED * 4];
	struct al_fiber_pool pool;
	int pos = 0, live = POOLED;
	long before = maps_now();

	(void)state;
	if (before < 0) {
		printf("skipped: no /proc/self/maps to count mappings in\n");
		skip();
	}
	errno = 0;
	assert_int_equal(al_fiber_pool_init(&pool, AL_FIBER_STACK_MIN - 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(al_fiber_pool_init(&pool, 16384), 0);
	for (int i = 0; i < POOLED; i++) {
		ws[i] = (struct worker){.id = i, .order = order, .pos = &pos};
		assert_int_equal(al_fiber_init_pooled(&ws[i].f, &pool, worker, &ws[i]), 0);
		assert_true(ws[i].f.stack_size == 16384);
	}
	/* 3000 stacks of 16 KiB (+ a gap page): a chunk of 64 MiB, where
	 * guarded stacks would be 6000 mappings; a few more may come from
	 * malloc and the sanitizer's (MAPS_SLACK) */
	long grown = maps_now() - before;
	assert_true(pool.nchunks == 1);
	printf("mappings: %ld more for %d pooled stacks\n", grown, POOLED);
	assert_true(grown <= MAPS_SLACK);
	while (live > 0)
		for (int i = 0; i < POOLED; i++)
			if (!ws[i].f.done && al_fiber_resume(&ws[i].f) == 0)
				live--;
	for (int i = 0; i < POOLED; i++)
		assert_true(ws[i].sum == i + 6000);
	/* a freed stack is the next one handed out */
	void *stack = ws[7].f.map;
	al_fiber_free(&ws[7].f);
	assert_int_equal(pool.live, POOLED - 1);
	assert_int_equal(al_fiber_init_pooled(&ws[7].f, &pool, at_once, NULL), 0);
	assert_ptr_equal(ws[7].f.map, stack);
	for (int i = 0; i < POOLED; i++)
		al_fiber_free(&ws[i].f);
	assert_int_equal(pool.live, 0);
	assert_true(pool.nchunks == 1);      /* no new chunk for a reused stack */
	al_fiber_pool_free(&pool);
	al_fiber_pool_free(&pool);           /* idempotent */
	assert_true(maps_now() - before <= MAPS_SLACK);

	/* the same count of guarded stacks: a mapping or more each (the
	 * count above can tell them apart) */
	static struct al_fiber own[500];
	before = maps_now();
	for (int i = 0; i < 500; i++)
		assert_int_equal(al_fiber_init(&own[i], 16384, at_once, NULL), 0);
	assert_true(maps_now() - before >= 500);
	for (int i = 0; i < 500; i++)
		al_fiber_free(&own[i]);
}

/* a fiber that writes below its stack, as an overflow would */
static void stomp(void *arg)
{
	struct al_fiber *f = arg;

	memset((char *)f->map - 64, 0x55, 16);
}

static void test_pool_canary_aborts(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct al_fiber_pool pool;
		struct al_fiber f;
		int null = open("/dev/null", O_WRONLY);

		signal(SIGABRT, SIG_DFL);
		if (null >= 0)
			dup2(null, 2);       /* the message is expected */
		if (al_fiber_pool_init(&pool, 16384) != 0 ||
		    al_fiber_init_pooled(&f, &pool, stomp, &f) != 0)
			_exit(3);
		al_fiber_resume(&f);
		al_fiber_free(&f);           /* the check */
		_exit(0);                    /* the stomp went unseen: a failure */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_and_back),
		cmocka_unit_test(test_many_fibers),
		cmocka_unit_test(test_fiber_ends),
		cmocka_unit_test(test_stack_size_honoured),
		cmocka_unit_test(test_overflow_hits_guard),
		cmocka_unit_test(test_pool_maps_few),
		cmocka_unit_test(test_pool_canary_aborts),
	};

	printf("fiber backend: %s\n", al_fiber_backend());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
