/* The shared trace log (net/net_trace.h): every thread and forked worker of
 * a real run appends to it, and the parent replays it.  A writer can die
 * between claiming a record and writing it (a worker the memory cgroup's
 * OOM killer takes); the replay must skip what it left, not read it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/al_trace.h"
#include "net/net_trace.h"

#define KILLS 200
#define ROOM (1u << 22)

/* A writer that only appends lanes (a record of zeros reads as a lane with
 * no label): until it is killed. */
static void writer(struct net_trace *log)
{
	for (uint32_t i = 0;; i++)
		net_trace_lane(log, (int64_t)i, AL_LANE_THREAD, 0, "worker", i);
}

static void test_killed_writers_leave_nothing_half_written(void **state)
{
	(void)state;
	struct net_trace *log = net_trace_new(ROOM);
	assert_non_null(log);
	for (int k = 0; k < KILLS; k++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			writer(log);
		/* once it writes (a fork can take longer than the wait below on
		 * a loaded machine: at most 2 s, none once the log is full), kill it somewhere in its loop */
		int full = 0;
		size_t before = net_trace_count(log, &full);
		for (int w = 0; w < 20000 && !full && net_trace_count(log, &full) == before;
		     w++) {
			struct timespec tick = {0, 100000};
			nanosleep(&tick, NULL);
		}
		struct timespec ts = {0, 1000 + (k % 7) * 3000};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
	}
	int dropped;
	size_t n = net_trace_count(log, &dropped);
	assert_true(n > 0);

	struct al_trace tr;
	assert_int_equal(al_trace_init(&tr, AL_TRACE_RECORD), 0);
	assert_int_equal(net_trace_replay(log, &tr), 0);
	/* every lane replayed is a whole one, named as its writer named it */
	assert_true(tr.nlanes > 0);
	assert_true(tr.nlanes <= n);
	al_trace_free(&tr);
	net_trace_free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_writers_leave_nothing_half_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
