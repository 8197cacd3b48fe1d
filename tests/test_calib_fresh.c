/* net/net_calib_child.c's never-threaded forker: its children are forks of
 * a process that never made a thread (glibc's SIGRT_1 handler, which the
 * first thread installs, is not in them) even after the caller made one,
 * where the caller's own children inherit it; a child's error, hang or
 * silence comes back as an error, a forker that does not answer is given
 * up, and one stopped or given up answers ECHILD.  Stopping it asks it to
 * quit, so a child of the caller holding its request pipe does not keep it
 * up; a forker gone is EPIPE, not SIGPIPE; and one cannot be started once
 * the process has made a thread.
 * Its own binary: the tests that start a forker run before
 * test_children_never_threaded makes this process's first thread
 * (test_calib's setup runs calibrate, which makes threads). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/net_calib_int.h"

#define SIGRT_1 33               /* glibc's SIGSETXID, hidden from sigaction */

/* the kernel's own sigaction, which shows glibc's internal handlers */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

/* 1 in a process that never made a thread (no SIGRT_1 handler of
 * glibc's: default, or ignored as GNU make leaves it), else 0 */
static int never_threaded(double *ns)
{
	struct kernel_sigaction k = {0};

	if (syscall(SYS_rt_sigaction, SIGRT_1, NULL, &k, sizeof k.mask) != 0)
		return errno;
	*ns = k.handler == SIG_DFL || k.handler == SIG_IGN ? 1 : 0;
	return 0;
}

static void *nothing(void *arg)
{
	return arg;
}

static int fails(double *ns)
{
	(void)ns;
	return EPROTO;
}

static int hangs(double *ns)
{
	(void)ns;
	pause();
	return 0;
}

/* the child stops its parent, the forker, and replies to it */
static int stop_forker(double *ns)
{
	*ns = 0;
	return kill(getppid(), SIGSTOP) == 0 ? 0 : errno;
}

static int silent(double *ns)
{
	(void)ns;
	_exit(0);
}

/* the forker's pid, as its child sees it */
static int parent(double *ns)
{
	*ns = getppid();
	return 0;
}

/* how the forker ended, from its SIGCHLD (net_calib_fresh_stop reaps it) */
static volatile sig_atomic_t forker_pid, forker_code;

static void on_child(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (si->si_pid == forker_pid)
		forker_code = si->si_code;
}

/* Threads: of /proc/self/status, or -1 */
static int live_threads(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* A child of calibrate's (a probe's) alive at stop holds the request
 * pipe's write end: the forker quits at a request, not at an EOF that
 * would not come (the stop reaps a forker it had to kill as well, so
 * how it ended is what tells) */
static void test_stop_with_a_child_holding_the_pipe(void **state)
{
	struct sigaction sa, old;
	double v = -1;

	(void)state;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_child;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &sa, &old), 0);
	assert_int_equal(net_calib_fresh_start(), 0);
	assert_int_equal(net_calib_in_fresh_child(parent, &v, 2000), 0);
	forker_pid = (pid_t)v;
	forker_code = 0;
	pid_t held = fork();
	assert_true(held >= 0);
	if (held == 0) {
		pause();
		_exit(0);
	}
	net_calib_fresh_stop();
	int code = forker_code;
	kill(held, SIGKILL);             /* before an assertion can leave */
	assert_int_equal(waitpid(held, NULL, 0), held);
	assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
	assert_int_equal(code, CLD_EXITED);   /* not CLD_KILLED by the reap */
	/* and stopped, it answers ECHILD */
	v = -1;
	errno = 0;
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &v, 2000), -1);
	assert_int_equal(errno, ECHILD);
	assert_true(v == -1);
}

/* a request to a forker gone: EPIPE, with SIGPIPE at its default (which
 * ends the process) and left as it was */
static void test_dead_forker_is_epipe(void **state)
{
	struct sigaction dfl, old, now;
	sigset_t mask, pending;
	siginfo_t si;
	double v = -1;

	(void)state;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	assert_int_equal(sigaction(SIGPIPE, &dfl, &old), 0);
	assert_int_equal(net_calib_fresh_start(), 0);
	assert_int_equal(net_calib_in_fresh_child(parent, &v, 2000), 0);
	pid_t forker = (pid_t)v;
	assert_int_equal(kill(forker, SIGKILL), 0);
	/* dead (its pipe ends closed), left for the stop to reap */
	assert_int_equal(waitid(P_PID, (id_t)forker, &si, WEXITED | WNOWAIT), 0);
	errno = 0;
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &v, 2000), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGPIPE));
	assert_int_equal(sigpending(&pending), 0);
	assert_false(sigismember(&pending, SIGPIPE));
	assert_int_equal(sigaction(SIGPIPE, &old, &now), 0);
	assert_true(now.sa_handler == SIG_DFL);
	/* given up: reaped, and ECHILD from now on */
	assert_int_equal(waitpid(forker, NULL, WNOHANG), -1);
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &v, 2000), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_children_never_threaded(void **state)
{
	pthread_t t;
	double fresh = -1, mine = -1;

	(void)state;
	assert_int_equal(net_calib_fresh_start(), 0);
	/* this process becomes a threaded one after the forker started */
	assert_int_equal(pthread_create(&t, NULL, nothing, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &fresh, 2000), 0);
	assert_int_equal(net_calib_in_child(never_threaded, &mine, 2000), 0);
	assert_true(fresh == 1);
	assert_true(mine == 0);         /* the probe tells the two apart */
	assert_int_equal(net_calib_fresh_start(), 0);   /* still the same one */
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &fresh, 2000), 0);
	assert_true(fresh == 1);
}

static void test_errors_come_back(void **state)
{
	double v = -1;

	(void)state;
	errno = 0;
	assert_int_equal(net_calib_in_fresh_child(fails, &v, 2000), -1);
	assert_int_equal(errno, EPROTO);
	/* a child that ends without its reply: the forker says so */
	assert_int_equal(net_calib_in_fresh_child(silent, &v, 2000), -1);
	assert_int_equal(errno, EPIPE);
	assert_true(v == -1);
	/* and it still answers */
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &v, 2000), 0);
	assert_true(v == 1);
}

/* net_calib_reap tells an exit's status from a signal's death (EPROTO),
 * which is not the wait's end (ETIMEDOUT). */
static void test_reap_tells_a_signal(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(3);
	assert_int_equal(net_calib_reap(pid), 3);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	errno = 0;
	assert_int_equal(net_calib_reap(pid), -1);
	assert_int_equal(errno, EPROTO);
}

static void test_hang_is_killed(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(net_calib_in_fresh_child(hangs, &v, 200), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &v, 2000), 0);
	assert_true(v == 1);
}

/* a forker that does not answer (stopped) is given up, not waited on */
static void test_stuck_forker_stopped(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(net_calib_fresh_start(), 0);
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &v, 2000), 0);
	/* the child stops the forker, as a debugger would, before the
	 * forker can pass its reply on: given up 2 s past the limit */
	errno = 0;
	assert_int_equal(net_calib_in_fresh_child(stop_forker, &v, 100), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &v, 2000), -1);
	assert_int_equal(errno, ECHILD);
	net_calib_fresh_stop();          /* stopped already: nothing to do */
}

/* after this process's thread has ended (Threads: 1 again), glibc's
 * set-up stays: a forker started now would fork threaded children */
static void test_threaded_start_refused(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(live_threads(), 1);
	errno = 0;
	assert_int_equal(net_calib_fresh_start(), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(net_calib_in_fresh_child(never_threaded, &v, 2000), -1);
	assert_int_equal(errno, ECHILD);
	assert_true(v == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* before this process makes a thread */
		cmocka_unit_test(test_stop_with_a_child_holding_the_pipe),
		cmocka_unit_test(test_dead_forker_is_epipe),
		/* makes one */
		cmocka_unit_test(test_children_never_threaded),
		cmocka_unit_test(test_errors_come_back),
		cmocka_unit_test(test_reap_tells_a_signal),
		cmocka_unit_test(test_hang_is_killed),
		cmocka_unit_test(test_stuck_forker_stopped),
		cmocka_unit_test(test_threaded_start_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
