/* The measurements that need more than one thread of execution: context
 * switches (a ping-pong over pipes on one CPU), thread and process
 * creation, resident memory per thread and per process, and how long a
 * blocked thread takes to run again.  Children run nothing but read, write,
 * close and _exit, which are safe after fork whatever the parent holds. */
#include "net/net_calib_int.h"
#include "net/net_machine.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARM 100            /* untimed rounds first: caches, lazy binding */
#define ROUNDS 2000         /* timed ping-pong round trips                */
#define CREATE_N 100        /* threads created + joined per repetition     */
#define FORK_N 20           /* processes forked + reaped per repetition    */
#define MEM_THREADS 64
#define MEM_CHILDREN 10     /* the process model's default pool            */
#define CG_CHILDREN 64      /* workers in the cgroup: its charge moves in 256 KiB
                             * steps per CPU, a few % of 64 workers' */
#define TOUCH 8192          /* a 4 KiB recv buffer and the frames around it */
#define WAKE_N 100          /* wake-ups timed per repetition               */
#define READY_MS 5000       /* a worker silent this long never will report */

/* A byte across a pipe; read's 0 (the other end is gone) is EPIPE. */
static int put1(int fd)
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
static int get_ready(int fd)
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
		rc = put1(p[1]) < 0 || get1(p[0]) < 0 ? -1 : 0;
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
		if (get1(in) < 0 || put1(out) < 0)
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
		if (put1(out) < 0 || get1(in) < 0)
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

int net_calib_process_create(double *out)
{
	int64_t t0 = net_mono_ns();

	for (int i = 0; i < FORK_N; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0)
			return -1;
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				return -1;
	}
	*out = (double)(net_mono_ns() - t0) / FORK_N;
	return 0;
}

/* --- memory ----------------------------------------------------------- */

/* What a worker touches of its stack before it blocks. */
__attribute__((noinline)) static void touch_stack(void)
{
	volatile char buf[TOUCH];

	for (size_t i = 0; i < sizeof(buf); i += 64)
		buf[i] = (char)i;
}

/* Resident bytes of this process (/proc/self/statm, second field). */
static int self_rss(int64_t *bytes)
{
	FILE *f = fopen("/proc/self/statm", "re");
	long long size, res;
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "%lld %lld", &size, &res);
	fclose(f);
	if (n != 2) {
		errno = EPROTO;
		return -1;
	}
	*bytes = res * sysconf(_SC_PAGESIZE);
	return 0;
}

struct parked {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready;
	int release;             /* read end: blocks until the write end closes */
};

static void *park(void *arg)
{
	struct parked *p = arg;
	char c;

	touch_stack();
	pthread_mutex_lock(&p->mu);
	p->ready++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	(void)!read(p->release, &c, 1);
	return NULL;
}

/* The resident memory K parked threads add, divided by K: their touched
 * stacks and glibc's thread descriptors.  The kernel's side (a 16 KiB
 * kernel stack, the task) is not in RSS and not counted. */
int net_calib_thread_memory(double *out)
{
	struct parked p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			   0, -1};
	pthread_t th[MEM_THREADS];
	int fds[2], n, rc = -1, e = 0;
	int64_t before, after = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	p.release = fds[0];
	if (self_rss(&before) < 0)
		goto out;
	for (n = 0; n < MEM_THREADS; n++)
		if ((e = pthread_create(&th[n], NULL, park, &p)) != 0)
			break;
	pthread_mutex_lock(&p.mu);
	while (p.ready < n)
		pthread_cond_wait(&p.cv, &p.mu);
	pthread_mutex_unlock(&p.mu);
	if (n == MEM_THREADS)
		rc = self_rss(&after);
	close(fds[1]);
	fds[1] = -1;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	if (n < MEM_THREADS) {
		errno = e;
		rc = -1;
	} else if (rc == 0 && after <= before) {
		errno = EPROTO;
		rc = -1;
	} else if (rc == 0) {
		*out = (double)(after - before) / MEM_THREADS;
	}
out:
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return rc;
}

/* A child's proportional set size: its private pages plus its share of
 * the pages it still shares with the parent and its siblings. */
static int child_pss(pid_t pid, int64_t *bytes)
{
	char path[64], line[256];
	long long kb = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((f = fopen(path, "re")) == NULL) {
		/* before Linux 4.14: the same lines per mapping */
		snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
		if ((f = fopen(path, "re")) == NULL)
			return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Pss:", 4) == 0) {
			kb += strtoll(line + 4, NULL, 10);
			found = 1;
		}
	fclose(f);
	if (!found || kb <= 0) {
		errno = EPROTO;
		return -1;
	}
	*bytes = kb * 1024;
	return 0;
}

/* The pool's parent inside cg: forks CG_CHILDREN workers that each touch
 * their stack, open a TCP socket and block; the growth of the cgroup's
 * charge over CG_CHILDREN goes up wfd, or -1 when a worker failed or went
 * silent (get_ready).  Never returns. */
static void cg_pool(const struct net_cgroup *cg, int wfd)
{
	int ready[2], release[2], n;
	double per = -1;

	if (net_cgroup_enter(cg) != 0 || pipe2(ready, O_CLOEXEC) < 0 ||
	    pipe2(release, O_CLOEXEC) < 0)
		goto out;
	int64_t before = net_cgroup_usage(cg);
	for (n = 0; n < CG_CHILDREN; n++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			char c;

			close(ready[0]);
			close(release[1]);
			touch_stack();
			int s = socket(AF_INET, SOCK_STREAM, 0);
			char st = s < 0 ? 'f' : 'x';

			/* a failure is said too: the parent must not wait
			 * for a byte that never comes */
			_exit(write(ready[1], &st, 1) != 1 || s < 0 ||
			      read(release[0], &c, 1) < 0);
		}
	}
	close(ready[1]);
	close(release[0]);
	int ok = n == CG_CHILDREN;
	for (int i = 0; i < n && ok; i++)
		ok = get_ready(ready[0]) == 0;
	int64_t after = net_cgroup_usage(cg);
	if (ok && before >= 0 && after > before)
		per = (double)(after - before) / CG_CHILDREN;
	close(release[1]);
	while (wait(NULL) > 0 || errno == EINTR)
		;
out:
	_exit(write(wfd, &per, sizeof per) == (ssize_t)sizeof per ? 0 : 1);
}

/* What a forked worker adds to a memory cgroup's charge (net_machine.h),
 * its pool's parent inside the cgroup as the model's process is: the
 * kernel's side included (page tables, the task, its kernel stack, the
 * socket), which is most of it and what a cgroup's limit counts.  -1 with
 * errno ENOTSUP where no cgroup can be made. */
static int process_memory_cgroup(double *out)
{
	struct net_cgroup cg;
	char why[256];
	int fds[2], st;
	double per = -1;

	if (net_cgroup_new(&cg, why, sizeof why) != 0) {
		errno = ENOTSUP;
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		net_cgroup_free(&cg);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		cg_pool(&cg, fds[1]);
	}
	close(fds[1]);
	if (pid > 0) {
		if (read(fds[0], &per, sizeof per) != (ssize_t)sizeof per)
			per = -1;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	close(fds[0]);
	net_cgroup_free(&cg);
	if (per <= 0) {
		errno = EIO;
		return -1;
	}
	*out = per;
	return 0;
}

/* Where a memory cgroup can be made (root, cgroup v1 or a delegated v2):
 * what a worker adds to its charge (process_memory_cgroup), the figure a
 * real run's memory limit meets.  Elsewhere, a pool of MEM_CHILDREN forked
 * workers, each touching its stack and then blocked: the median child's
 * PSS, user pages only.  RSS would count every page a child shares with
 * its parent as its own, ten times over for a pool of ten. */
int net_calib_process_memory(double *out)
{
	if (process_memory_cgroup(out) == 0)
		return 0;
	int ready[2], release[2], n, rc = -1, e = 0;
	pid_t pid[MEM_CHILDREN];
	double pss[MEM_CHILDREN];

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(release, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	for (n = 0; n < MEM_CHILDREN; n++) {
		if ((pid[n] = fork()) < 0) {
			e = errno;
			break;
		}
		if (pid[n] == 0) {
			char c;

			close(ready[0]);
			close(release[1]);
			touch_stack();
			_exit(put1(ready[1]) < 0 || read(release[0], &c, 1) < 0);
		}
	}
	close(ready[1]);
	close(release[0]);
	rc = n == MEM_CHILDREN ? 0 : -1;
	for (int i = 0; i < n && rc == 0; i++)
		if ((rc = get_ready(ready[0])) < 0)
			e = errno;
	for (int i = 0; i < n && rc == 0; i++) {
		int64_t b = 0;

		if ((rc = child_pss(pid[i], &b)) < 0)
			e = errno;
		pss[i] = (double)b;
	}
	close(release[1]);
	close(ready[0]);
	for (int i = 0; i < n; i++) {
		int st;

		while (waitpid(pid[i], &st, 0) < 0 && errno == EINTR)
			;
	}
	if (rc < 0) {
		errno = e;
		return -1;
	}
	*out = net_calib_median(pss, MEM_CHILDREN);
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
		if (put1(a[1]) < 0 || read(b[0], &t1, sizeof(t1)) != (ssize_t)sizeof(t1))
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
