/* The simulated pipe holds what Linux's does (sim/sim_ipc.c): 16 buffers
 * of a page, small writes packed whole into a page each, so 1,168 of the
 * process model's 56-byte records; the next writer blocks until a read
 * empties a buffer, and its record goes in when it runs; blocked writers
 * go first come first (a read that frees a buffer of a full pipe wakes
 * one, and each woken writer the next while room is left, or when it
 * gave up), a writer that waited takes a buffer of its own, and closing the read end fails the blocked
 * writers with EPIPE.  The process pool's workers, past the
 * 584th, block so on a real machine (docs/costs.md, "A process pool's
 * forks"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/al_scenario.h"
#include "sim/sim_os.h"

#define REC 56                 /* the process model's record */
#define PER_PAGE (4096 / REC)  /* 73 whole records in a page */
#define FULL (16 * PER_PAGE)   /* 1,168 records fill the pipe */

static struct al_scenario sc;
static struct al_loop loop;
static struct sim_os sim;
static int fds[2];
static unsigned char recs[FULL + 8][REC];

static int setup(void **state)
{
	(void)state;
	al_scenario_default(&sc);
	sc.workload.timeout_ns = 0;
	al_loop_init(&loop, NULL);
	if (sim_os_init(&sim, &sc, &loop, NULL) != 0)
		return -1;
	for (int i = 0; i < FULL + 8; i++)
		memset(recs[i], i & 0xff, REC);
	return (int)sim.os.ops->pipe(&sim.os, fds);
}

static int teardown(void **state)
{
	(void)state;
	sim_os_free(&sim);
	return 0;
}

/* Writes record i with future f: 1 if it went in at once, 0 if it waits. */
static int put(int i, struct al_future *f)
{
	al_future_init(f, &loop);
	assert_int_equal(sim.os.ops->send(&sim.os, fds[1], recs[i], REC, f), 0);
	return f->state == AL_DONE;
}

/* Reads up to cap bytes (there are some): how many came. */
static int64_t take(unsigned char *buf, size_t cap)
{
	struct al_future f;

	al_future_init(&f, &loop);
	assert_int_equal(sim.os.ops->recv(&sim.os, fds[0], buf, cap, &f), 0);
	assert_int_equal(f.state, AL_DONE);
	return f.value;
}

static void test_writer_past_capacity_blocks_until_a_read(void **state)
{
	struct al_future f[FULL + 2];
	unsigned char buf[64 * REC];     /* the process model's read */

	(void)state;
	for (int i = 0; i < FULL; i++)
		assert_true(put(i, &f[i]));
	assert_false(put(FULL, &f[FULL]));            /* the 1,169th waits */
	assert_int_equal(f[FULL].state, AL_PENDING);
	/* 64 records leave 9 of the first page's 73: nothing is freed */
	assert_int_equal(take(buf, sizeof buf), (int64_t)sizeof buf);
	assert_int_equal(f[FULL].state, AL_PENDING);
	/* the next read empties the first page: the writer is woken, and
	 * its record goes in when it runs (here: its loop's turn) */
	assert_int_equal(take(buf, sizeof buf), (int64_t)sizeof buf);
	assert_int_equal(f[FULL].state, AL_PENDING);
	al_loop_drain(&loop);
	assert_int_equal(f[FULL].state, AL_DONE);
	assert_int_equal(f[FULL].value, REC);
	/* a fresh write tops up the last buffer, even with 16 taken */
	assert_true(put(FULL + 1, &f[FULL + 1]));
	/* and every record comes out once, in the order written */
	int next = 128;
	for (int64_t n; next < FULL + 2; next += (int)(n / REC)) {
		n = take(buf, sizeof buf);
		assert_int_equal(n % REC, 0);
		for (int64_t j = 0; j < n / REC; j++)
			assert_int_equal(buf[j * REC], (next + j) & 0xff);
	}
	assert_int_equal(next, FULL + 2);
}

static void test_blocked_writers_first_come_first_and_epipe(void **state)
{
	struct al_future f[FULL + 3];
	unsigned char buf[PER_PAGE * REC];

	(void)state;
	for (int i = 0; i < FULL; i++)
		assert_true(put(i, &f[i]));
	for (int i = FULL; i < FULL + 3; i++)
		assert_false(put(i, &f[i]));
	/* a page freed: one buffer, the first writer's; it takes it, the
	 * pipe is full again, and the next writer sleeps on */
	assert_int_equal(take(buf, sizeof buf), (int64_t)sizeof buf);
	al_loop_drain(&loop);
	assert_int_equal(f[FULL].state, AL_DONE);
	assert_int_equal(f[FULL + 1].state, AL_PENDING);
	assert_int_equal(take(buf, sizeof buf), (int64_t)sizeof buf);
	al_loop_drain(&loop);
	assert_int_equal(f[FULL + 1].state, AL_DONE);
	assert_int_equal(f[FULL + 2].state, AL_PENDING);
	/* nobody will read: the last writer learns so */
	assert_int_equal(sim.os.ops->close(&sim.os, fds[0]), 0);
	assert_int_equal(f[FULL + 2].state, AL_DONE);
	assert_int_equal(f[FULL + 2].err, EPIPE);
}

/* A woken writer with more than a pipe's worth left fills the pipe and
 * waits again, queued before it feeds the parked reader, whose read then
 * frees buffers of a full pipe and wakes it: here the reader drains the
 * pipe before the woken writer runs, so it is parked at every retry. */
static int64_t read_until_parked(struct al_future *r, unsigned char *buf, size_t cap)
{
	int64_t got = 0;

	for (;;) {
		al_future_init(r, &loop);
		assert_int_equal(sim.os.ops->recv(&sim.os, fds[0], buf, cap, r), 0);
		if (r->state != AL_DONE)
			return got;
		got += r->value;
	}
}

static void test_long_write_goes_on_after_its_wake_up(void **state)
{
	static char big[200000];
	static unsigned char buf[8192];
	struct al_future f[FULL], w, r;
	int64_t got;

	(void)state;
	for (int i = 0; i < FULL; i++)
		assert_true(put(i, &f[i]));
	al_future_init(&w, &loop);
	assert_int_equal(sim.os.ops->send(&sim.os, fds[1], big, sizeof big, &w), 0);
	assert_int_equal(w.state, AL_PENDING);
	got = read_until_parked(&r, buf, sizeof buf);
	for (int i = 0; i < 1000 && w.state != AL_DONE; i++) {
		al_loop_drain(&loop);                  /* the woken writer runs */
		assert_int_equal(r.state, AL_DONE);    /* and feeds the reader */
		got += r.value + read_until_parked(&r, buf, sizeof buf);
	}
	assert_int_equal(w.state, AL_DONE);
	assert_int_equal(w.value, (int64_t)sizeof big);
	/* the writer closes: the parked reader sees end of file */
	assert_int_equal(sim.os.ops->close(&sim.os, fds[1]), 0);
	al_loop_drain(&loop);
	assert_int_equal(r.state, AL_DONE);
	assert_int_equal(r.value, 0);
	assert_int_equal(got, (int64_t)(FULL * REC + sizeof big));
}

/* A woken writer that gave up (its task's deadline: the backend's parked
 * slot cleared, as al_task's interrupt does) passes its wake-up on: the
 * writer behind it goes in. */
static void test_writer_that_gave_up_wakes_the_next(void **state)
{
	struct al_future f[FULL + 2];
	unsigned char buf[PER_PAGE * REC];

	(void)state;
	for (int i = 0; i < FULL; i++)
		assert_true(put(i, &f[i]));
	assert_false(put(FULL, &f[FULL]));
	assert_false(put(FULL + 1, &f[FULL + 1]));
	assert_int_equal(take(buf, sizeof buf), (int64_t)sizeof buf);   /* a page */
	*f[FULL].parked = NULL;                 /* the first gives up */
	f[FULL].parked = NULL;
	al_loop_drain(&loop);
	assert_int_equal(f[FULL].state, AL_PENDING);   /* nobody finishes it */
	assert_int_equal(f[FULL + 1].state, AL_DONE);
	assert_int_equal(f[FULL + 1].value, REC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writer_past_capacity_blocks_until_a_read,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocked_writers_first_come_first_and_epipe,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_write_goes_on_after_its_wake_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_that_gave_up_wakes_the_next,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
