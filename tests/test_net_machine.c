/* The scenario's machine on this host: pinning to N CPUs, a memory cgroup
 * made, entered, limited and removed, the pools' admission refusing what
 * does not fit, and a process past the limit taken by the OOM killer.
 * Each case that changes the process runs in a forked child, so the test
 * process stays as it was.  The cgroup cases skip, saying why, where no
 * memory cgroup can be made (not root, no controller). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>

#include "core/al_os.h"
#include "core/al_scenario.h"
#include "net/net_machine.h"
#include "net/net_os.h"
#include "net/net_trace.h"
#include "tests/skip.h"

#define MIB (INT64_C(1) << 20)
#define KIB (INT64_C(1) << 10)

/* Runs fn in a child; its exit status (0: every check held). */
static int in_child(int (*fn)(void *), void *arg)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	assert_true(pid > 0);
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int pin_one(void *arg)
{
	cpu_set_t set;

	(void)arg;
	if (net_machine_pin(1) != 1 || sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	return CPU_COUNT(&set) == 1 ? 0 : 2;
}

static int pin_many(void *arg)
{
	int have = *(int *)arg;

	/* more than there are: all of them, not an error */
	return net_machine_pin(4096) == have && net_machine_cpus() == have ? 0 : 1;
}

static void test_pin(void **state)
{
	(void)state;
	int have = net_machine_cpus();

	assert_true(have >= 1);
	assert_int_equal(in_child(pin_one, NULL), 0);
	assert_int_equal(in_child(pin_many, &have), 0);
	assert_int_equal(net_machine_pin(0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(net_machine_cpus(), have);   /* the test process as it was */
}

static struct net_cgroup cg;
static char why[256];

static int cgroup_setup(void **state)
{
	(void)state;
	if (net_cgroup_new(&cg, why, sizeof why) != 0)
		cg.version = 0;
	return 0;
}

static int cgroup_teardown(void **state)
{
	(void)state;
	net_cgroup_free(&cg);
	return 0;
}

#define NEED_CGROUP()                                                         \
	do {                                                                  \
		if (!cg.version)                                              \
			AL_SKIP_HOST("no memory cgroup here: %s\n", why);     \
	} while (0)

/* In the cgroup: 3 processes of 1 MiB fit above base, a fourth does not;
 * threads count their own figure. */
static int admit(void *arg)
{
	(void)arg;
	if (net_cgroup_admit(0) != 0)   /* not armed: always room */
		return 1;
	if (net_cgroup_enter(&cg) != 0 || net_cgroup_current() != &cg)
		return 2;
	int64_t base = net_cgroup_usage(&cg);
	if (base < 0 || net_cgroup_limit(&cg, base + 64 * MIB) != 0)
		return 3;
	net_cgroup_budget(base, base + 3 * MIB, MIB, MIB / 2, 0);
	for (int i = 0; i < 3; i++) {
		if (net_cgroup_admit(0) != 0)
			return 4;
		net_cgroup_admitted(0);
	}
	if (net_cgroup_admit(0) == 0 || errno != ENOMEM)
		return 5;
	if (net_cgroup_admit(1) == 0)   /* half a MiB does not fit either */
		return 6;
	net_cgroup_budget(base, base + 3 * MIB + MIB / 2, MIB, MIB / 2, 0);
	for (int i = 0; i < 3; i++)
		net_cgroup_admitted(0);
	if (net_cgroup_admit(1) != 0 || net_cgroup_admit(0) == 0)
		return 7;
	return net_cgroup_oomed() ? 8 : 0;
}

static void test_admit(void **state)
{
	(void)state;
	NEED_CGROUP();
	assert_int_equal(in_child(admit, NULL), 0);
}

/* A process costs as the simulator charges a pool's fork: with a record
 * of 1 MiB its parent keeps per child, the first of 1 MiB costs 2 MiB
 * and the second 2 MiB + 2 KiB, its page tables for the first's record:
 * in 4 MiB + 1 KiB above base it does not fit, where it would without
 * the page tables (and a third of 1 MiB without any record). */
static int admit_records(void *arg)
{
	(void)arg;
	if (net_cgroup_enter(&cg) != 0 || net_cgroup_current() != &cg)
		return 1;
	int64_t base = net_cgroup_usage(&cg);   /* the rule alone: no limit */
	if (base < 0)
		return 2;
	net_cgroup_budget(base, base + 4 * MIB + KIB, MIB, MIB / 2, MIB);
	if (net_cgroup_admit(0) != 0)
		return 3;
	net_cgroup_admitted(0);
	if (net_cgroup_admit(0) == 0 || errno != ENOMEM)
		return 4;
	if (net_cgroup_admit(1) != 0)   /* a thread's half MiB still fits */
		return 5;
	net_cgroup_budget(base, base + 4 * MIB + 2 * KIB, MIB, MIB / 2, MIB);
	net_cgroup_admitted(0);
	if (net_cgroup_admit(0) != 0)   /* exactly its 2 MiB + 2 KiB */
		return 6;
	return net_cgroup_oomed() ? 7 : 0;
}

static void test_admit_records(void **state)
{
	(void)state;
	NEED_CGROUP();
	assert_int_equal(in_child(admit_records, NULL), 0);
}

/* A worker that ends gives back what it was counted but its parent's
 * record, as the simulator's end of a process does: with 3 MiB of room
 * and a record of 1 MiB, the first worker (2 MiB) leaves no room for the
 * second (2 MiB + 2 KiB of page tables) until it ends (net_cgroup_gone
 * in the forked worker), and then its 1 MiB of record stays counted: the
 * second fits in 3 MiB + 2 KiB, not in 3 MiB. */
static int gone(void *arg)
{
	(void)arg;
	if (net_cgroup_enter(&cg) != 0)
		return 1;
	/* the count decides, not the charge: a base well above it, which
	 * what the fork and the sanitizers' pages add does not reach */
	int64_t base = net_cgroup_usage(&cg);
	if (base < 0)
		return 2;
	base += 64 * MIB;
	for (int room = 0; room < 2; room++) {
		net_cgroup_budget(base, base + 3 * MIB + (room ? 2 * KIB : 0), MIB, MIB / 2, MIB);
		if (net_cgroup_admit(0) != 0)
			return 3;
		pid_t pid = fork();
		if (pid == 0) {
			net_cgroup_gone();
			_exit(0);
		}
		if (pid < 0)
			return 4;
		net_cgroup_admitted(0);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			return 5;
		/* the usage has fallen back: the floor decides */
		if ((net_cgroup_admit(0) == 0) != room)
			return 6 + room;
	}
	/* a worker that never said it ended (killed) is counted still */
	net_cgroup_budget(base, base + 3 * MIB + 2 * KIB, MIB, MIB / 2, MIB);
	net_cgroup_admitted(0);
	return net_cgroup_admit(0) == 0 ? 8 : 0;
}

static void test_gone_gives_back(void **state)
{
	(void)state;
	NEED_CGROUP();
	assert_int_equal(in_child(gone, NULL), 0);
}

/* The same through the real os's spawn, where a pool's workers end
 * (net_proc.c): a worker process that returns gives back its count on
 * its way out, so the second fits only with the record's room; without
 * the spawn's net_cgroup_gone it never fits (the review's mutant). */
struct nop {
	struct al_coro co;
};

static int nop_fn(struct al_task *t, void *arg)
{
	struct nop *f = arg;

	AL_BEGIN(f);
	AL_RETURN(t, f, 0, 0);
	AL_END(t, f);
}

static int spawned(void *arg)
{
	static struct al_scenario sc;
	static struct al_task task[2];
	static struct nop frame[2];
	struct al_loop loop;
	struct net_os os;
	struct sockaddr_in nowhere = {.sin_family = AF_INET};
	struct net_trace *log = net_trace_new(1024);
	int room = *(int *)arg;

	if (!log || net_cgroup_enter(&cg) != 0)
		return 1;
	int64_t base = net_cgroup_usage(&cg);
	if (base < 0)
		return 2;
	base += 64 * MIB;
	al_scenario_default(&sc);
	al_loop_init(&loop, NULL);
	if (net_os_init(&os, &sc, &loop, &nowhere, 1) != 0)
		return 3;
	net_os_trace(&os, log, "test");
	net_cgroup_budget(base, base + 3 * MIB + (room ? 2 * KIB : 0), MIB, MIB / 2, MIB);
	if (al_spawn(&os.os, AL_SPAWN_PROCESS, &task[0], nop_fn, &frame[0], "w") < 0)
		return 4;
	int st;
	if (waitpid(os.spawned[0]->pid, &st, 0) != os.spawned[0]->pid || !WIFEXITED(st))
		return 5;
	int64_t second = al_spawn(&os.os, AL_SPAWN_PROCESS, &task[1], nop_fn, &frame[1], "w");
	if (second >= 0)
		waitpid(os.spawned[1]->pid, &st, 0);
	return (second >= 0) == room ? 0 : 6 + room;
}

static void test_spawned_gives_back(void **state)
{
	int room0 = 0, room1 = 1;

	(void)state;
	NEED_CGROUP();
	assert_int_equal(in_child(spawned, &room0), 0);
	assert_int_equal(in_child(spawned, &room1), 0);
}

/* In the cgroup limited to 32 MiB: a child that makes itself the OOM
 * killer's first choice and touches 256 MiB is killed, and counted. */
static int oom(void *arg)
{
	(void)arg;
	if (net_cgroup_enter(&cg) != 0)
		return 1;
	int64_t base = net_cgroup_usage(&cg);
	if (net_cgroup_limit(&cg, base + 32 * MIB) != 0)
		return 2;
	net_cgroup_budget(base, base + 32 * MIB, MIB, MIB, 0);
	pid_t pid = fork();
	if (pid == 0) {
		net_machine_oom_first();
		size_t len = (size_t)(256 * MIB);
		volatile char *p = malloc(len);
		for (size_t i = 0; p && i < len; i += 4096)
			p[i] = 1;      /* volatile: every page really touched */
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 3;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return 4;
	return net_cgroup_oom_kills(&cg) >= 1 && net_cgroup_oomed() ? 0 : 5;
}

static void test_oom(void **state)
{
	(void)state;
	NEED_CGROUP();
	assert_int_equal(in_child(oom, NULL), 0);
}

/* A cgroup is gone after free, whatever is still in it. */
static void test_gone(void **state)
{
	struct net_cgroup c2;
	char w[256];

	(void)state;
	NEED_CGROUP();
	assert_int_equal(net_cgroup_new(&c2, w, sizeof w), 0);
	char dir[sizeof c2.dir];
	memcpy(dir, c2.dir, sizeof dir);
	assert_non_null(strstr(dir, "/asynclab-"));
	int gate[2];
	assert_int_equal(pipe(gate), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (net_cgroup_enter(&c2) != 0)
			_exit(1);
		close(gate[1]);
		(void)!read(gate[0], &c, 1);   /* blocks until killed */
		_exit(0);
	}
	close(gate[0]);
	usleep(100000);
	net_cgroup_free(&c2);           /* kills the child, removes the dir */
	assert_int_equal(c2.version, 0);
	assert_int_equal(access(dir, F_OK), -1);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	close(gate[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_admit_records),
		cmocka_unit_test(test_gone_gives_back),
		cmocka_unit_test(test_spawned_gives_back),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_gone),
	};

	return cmocka_run_group_tests(tests, cgroup_setup, cgroup_teardown);
}
