/* The measurements that need more than one thread of execution: context
 * switches (a ping-pong over pipes on one CPU), thread creation and what a
 * process's first thread costs more (a process's: net_calib_fork.c), and
 * how long a blocked thread takes to run again (what a worker costs in
 * memory: net_calib_mem.c).  The ping-pong's children run nothing but
 * read, write, close and _exit, which are safe after fork whatever the
 * parent holds.  thread_first's children create threads; they are
 * forked by a forker that never made one (net_calib_child.c), since
 * calibrate's own children would inherit glibc's threaded state and stack
 * cache, and their first thread would skip the SIGRT_1 set-up a model's
 * process pays. */
#include "net/net_calib_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARM 100            /* untimed rounds first: caches, lazy binding */
#define ROUNDS 2000         /* timed ping-pong round trips                */
#define CREATE_N 100        /* threads created + joined per repetition     */
#define WAKE_N 100          /* wake-ups timed per repetition               */
#define READY_MS 5000       /* a worker silent this long never will report */

/* A byte across a pipe; read's 0 (the other end is gone) is EPIPE. */
int net_calib_put1(int fd)
{
	char c = 'x';

	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static int get1(int fd)
{
	char c;
	ssize_t n = read(fd, &c, 1);

	if (n == 0)
		errno = EPIPE;
	return n == 1 ? 0 : -1;
}

/* A forked worker's status byte: 0 when it reported ready ('x'), -1 when
 * it reported a failure, exited without a word or stayed silent READY_MS.
 * EOF alone is no bound: a worker that dies before writing leaves its
 * siblings holding the pipe's write end, so the timeout is the backstop. */
int net_calib_get_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;
	int r;

	while ((r = poll(&p, 1, READY_MS)) < 0 && errno == EINTR)
		;
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		return -1;
	ssize_t n;
	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	if (n == 0 || (n == 1 && c != 'x'))
		errno = EPIPE;
	return n == 1 && c == 'x' ? 0 : -1;
}

/* One write + read of a byte in one thread: the syscall work of one leg of
 * a ping-pong, without the switch.  On the thread's CPU clock, as the
 * one-thread figures are (net_calib.c): what the switch and wake-up
 * figures subtract must not count a neighbour's time, or under load it
 * outgrows them (a wake-up of -2.6 us). */
static int pipe_pair(double *out)
{
	int p[2], rc = 0;
	int64_t t0 = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < WARM + ROUNDS && rc == 0; i++) {
		if (i == WARM)
			t0 = net_cpu_ns();
		rc = net_calib_put1(p[1]) < 0 || get1(p[0]) < 0 ? -1 : 0;
	}
	if (rc == 0)
		*out = (double)(net_cpu_ns() - t0) / ROUNDS;
	close(p[0]);
	close(p[1]);
	return rc;
}

int net_calib_pin(cpu_set_t *saved)
{
	cpu_set_t one;

	if (sched_getaffinity(0, sizeof(*saved), saved) < 0)
		return -1;
	CPU_ZERO(&one);
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, saved)) {
			CPU_SET(i, &one);
			break;
		}
	}
	return sched_setaffinity(0, sizeof(one), &one);
}

void net_calib_unpin(const cpu_set_t *saved)
{
	int e = errno;

	(void)sched_setaffinity(0, sizeof(*saved), saved);
	errno = e;
}

/* The far end of a ping-pong: echoes n bytes from in to out. */
static int echo(int in, int out, long n)
{
	for (long i = 0; i < n; i++)
		if (get1(in) < 0 || net_calib_put1(out) < 0)
			return -1;
	return 0;
}

struct peer {
	int in, out;
};

static void *echo_thread(void *arg)
{
	struct peer *p = arg;

	(void)echo(p->in, p->out, WARM + ROUNDS);
	return NULL;
}

/* The near end: ns per round trip over the timed rounds, turned into one
 * switch.  A round trip is two switches and two writes + reads; a write
 * that wakes a reader and a read that copies a byte cost more than the
 * `syscall` figure's EAGAIN recv, so what is subtracted is the same pipe
 * write + read measured in one thread (lmbench's lat_ctx does the same):
 * switch = (round trip - 2 * pipe_pair) / 2.  Sleeping in read and being
 * woken stays in the switch, as it does in the simulator's. */
static int ping(int out, int in, double *sw)
{
	int64_t t0 = 0;
	double rt, pair;

	for (int i = 0; i < WARM + ROUNDS; i++) {
		if (i == WARM)
			t0 = net_mono_ns();
		if (net_calib_put1(out) < 0 || get1(in) < 0)
			return -1;
	}
	rt = (double)(net_mono_ns() - t0) / ROUNDS;
	if (pipe_pair(&pair) < 0)
		return -1;
	*sw = (rt - 2 * pair) / 2;
	return 0;
}

static void close_pipes(int a[2], int b[2])
{
	int e = errno;

	for (int i = 0; i < 2; i++) {
		if (a[i] >= 0)
			close(a[i]);
		if (b[i] >= 0)
			close(b[i]);
	}
	errno = e;
}

int net_calib_thread_switch(double *out)
{
	int a[2] = {-1, -1}, b[2] = {-1, -1}, rc = -1, e;
	struct peer p;
	pthread_t th;
	cpu_set_t saved;

	if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
		goto out;
	if (net_calib_pin(&saved) < 0)
		goto out;
	p = (struct peer){a[0], b[1]};
	if ((e = pthread_create(&th, NULL, echo_thread, &p)) != 0) {
		errno = e;
		goto out_pin;
	}
	rc = ping(a[1], b[0], out);
	if (rc < 0) {            /* the peer's read gets 0 and it ends */
		close(a[1]);
		a[1] = -1;
	}
	pthread_join(th, NULL);
out_pin:
	net_calib_unpin(&saved);
out:
	close_pipes(a, b);
	return rc;
}

int net_calib_process_switch(double *out)
{
	int a[2] = {-1, -1}, b[2] = {-1, -1}, rc = -1, st;
	cpu_set_t saved;
	pid_t pid;

	if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
		goto out;
	if (net_calib_pin(&saved) < 0)
		goto out;
	if ((pid = fork()) < 0)
		goto out_pin;
	if (pid == 0) {
		close(a[1]);
		close(b[0]);
		_exit(echo(a[0], b[1], WARM + ROUNDS) == 0 ? 0 : 1);
	}
	/* only the child's ends open there: either side's exit ends the other's read */
	close(a[0]);
	close(b[1]);
	a[0] = b[1] = -1;
	rc = ping(a[1], b[0], out);
	close(a[1]);
	a[1] = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
out_pin:
	net_calib_unpin(&saved);
out:
	close_pipes(a, b);
	return rc;
}

static void *noop(void *arg)
{
	return arg;
}

int net_calib_thread_create(double *out)
{
	int64_t t0 = net_mono_ns();

	for (int i = 0; i < CREATE_N; i++) {
		pthread_t t;
		int e = pthread_create(&t, NULL, noop, NULL);

		if (e != 0) {
			errno = e;
			return -1;
		}
		pthread_join(t, NULL);
	}
	*out = (double)(net_mono_ns() - t0) / CREATE_N;
	return 0;
}

/* --- a process's first thread
 *
 * A freshly forked process (as a model's run is: a process of its own)
 * creates and joins its very first thread alone, then POOL_N more, each
 * created before any is joined (as a pool's are), every one writing the
 * first pages of its stack.  The first pays for the process becoming a
 * threaded one (glibc's set-up for threads, among it the handler of
 * its signal for set*id; the kernel's) on top of what the others pay:
 * thread_first is the first's CPU less the mean of the others', the
 * process's CPU clock (all its threads), on one CPU as a 1-core
 * scenario's process runs.  The median of POOL_CHILDREN children, each
 * forked by a process that never made a thread, as a model's process on
 * the real backend is (net_calib_in_fresh_child); -1 with ECHILD where
 * that forker is not running (net_calib_run starts it). */
#define POOL_N 10           /* the threads after the first: seed's pool   */
#define POOL_TOUCH 8192     /* bytes of its stack each thread writes      */
#define POOL_CHILDREN 15    /* fresh processes per repetition             */
#define POOL_WAIT_MS 10000  /* a child's figure, at the most              */

static void *toucher(void *arg)
{
	volatile char buf[POOL_TOUCH];

	for (size_t i = 0; i < sizeof buf; i += 512)
		buf[i] = (char)i;
	return buf[0] ? arg : NULL;
}

static int64_t process_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* In the child: the first thread's extra CPU into *ns; 0, or the errno
 * of what failed. */
static int first_extra(double *ns)
{
	pthread_t t[POOL_N];
	cpu_set_t saved;
	int n = 0, e;

	if (net_calib_pin(&saved) != 0)
		return errno;
	int64_t t0 = process_cpu_ns();
	if ((e = pthread_create(&t[0], NULL, toucher, NULL)) != 0)
		return e;
	pthread_join(t[0], NULL);
	int64_t t1 = process_cpu_ns();
	while (n < POOL_N && (e = pthread_create(&t[n], NULL, toucher, NULL)) == 0)
		n++;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	*ns = (double)(t1 - t0) - (double)(process_cpu_ns() - t1) / POOL_N;
	return e;
}

int net_calib_thread_first(double *out)
{
	double v[POOL_CHILDREN];

	for (int i = 0; i < POOL_CHILDREN; i++)
		if (net_calib_in_fresh_child(first_extra, &v[i], POOL_WAIT_MS) != 0)
			return -1;
	double m = net_calib_median(v, POOL_CHILDREN);
	*out = m > 0 ? m : 0;        /* a first no dearer than the others: 0 */
	return 0;
}

/* --- wake-up ---------------------------------------------------------- */

struct waker {
	int in, out;
};

/* Blocks in read; when woken, sends back when it ran. */
static void *wake_reader(void *arg)
{
	struct waker *w = arg;

	for (int i = 0; i < WAKE_N; i++) {
		int64_t t;

		if (get1(w->in) < 0)
			break;
		t = net_mono_ns();
		if (write(w->out, &t, sizeof(t)) != (ssize_t)sizeof(t))
			break;
	}
	return NULL;
}

/* The time from a write to the blocked reader running, minus a pipe write
 * + read (the syscall work on either side of the wake-up), median of
 * WAKE_N.  Not pinned: the reader is woken wherever the scheduler puts it,
 * as a crawler's thread is when its data arrives.  The writer sleeps
 * before each write so that the reader is asleep in read, not on its way. */
int net_calib_wakeup(double *out)
{
	int a[2] = {-1, -1}, b[2] = {-1, -1}, rc = -1, e, n = 0;
	struct timespec nap = {0, 50000};
	struct waker w;
	double lat[WAKE_N], pair;
	pthread_t th;

	if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
		goto out;
	w = (struct waker){a[0], b[1]};
	if ((e = pthread_create(&th, NULL, wake_reader, &w)) != 0) {
		errno = e;
		goto out;
	}
	for (; n < WAKE_N; n++) {
		int64_t t0, t1;

		nanosleep(&nap, NULL);
		t0 = net_mono_ns();
		if (net_calib_put1(a[1]) < 0 || read(b[0], &t1, sizeof(t1)) != (ssize_t)sizeof(t1))
			break;
		lat[n] = (double)(t1 - t0);
	}
	close(a[1]);             /* a reader still waiting gets 0 and ends */
	a[1] = -1;
	pthread_join(th, NULL);
	if (n == WAKE_N && pipe_pair(&pair) == 0) {
		*out = net_calib_median(lat, WAKE_N) - pair;
		rc = 0;
	} else if (n < WAKE_N) {
		errno = EPIPE;
	}
out:
	close_pipes(a, b);
	return rc;
}
