/* What a 1 ms wake-up costs by what came before it: the thread's CPU
 * clock over a poll that sleeps 1 ms and the recv of the 1,448-byte
 * segment that wakes it, within a train of 1 ms sleeps, right after a
 * sleep of 100 ms, and within a train of 0.1 ms sleeps (every fifth
 * sleep 1 ms).  The waker, a child told each sleep in turn, sends the
 * segment on an AF_UNIX stream after its nanosleep, from the thread's own
 * CPU (as calibrate's wake_* probes) and from another (as the packet
 * emulator wakes a real run's crawler, its CPU halted meanwhile).  The
 * question (docs/real.md, "slow-server's CPU: the hour, and what came
 * before a wake-up"): does a core that sat idle long make the next short
 * wake-ups dearer, as seed's response wake-ups (1.1 ms apart after 170
 * ms idle) against slow-server's (1-3 ms within a train of 0.1-0.3 ms)?
 * And seed's train itself: ten wake-ups, the first after 170 ms, the next
 * nine 1.1 ms apart, each position's median apart (docs/real.md, "CPU
 * busy of the 10-page loops").
 * Figures, not assertions; needs two CPUs for the second waker. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/net_clock.h"

#define SEG 1448
#define REPS 2          /* each case's samples, twice             */
#define TRAIN 40        /* 1 ms wake-ups timed in the 1 ms train  */
#define AFTER 15        /* 100 ms sleeps, each then one 1 ms      */
#define SHORT 200       /* sleeps in the 0.1 ms train: 40 of 1 ms */
#define SEED 10         /* seed's responses: 170 ms, then 9 of 1.1 ms */
#define SEEDS 8         /* such trains a round                        */

struct rig {
	int sv[2];      /* the thread's end, the waker's */
	int ctl[2];     /* sleeps to the waker            */
	pid_t pid;
};

static char seg[SEG];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof s, &s);
}

/* the second CPU the process may use, -1 when there is one */
static int other_cpu(void)
{
	cpu_set_t s;
	int seen = 0;

	if (sched_getaffinity(0, sizeof s, &s) != 0)
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &s) && seen++)
			return i;
	return -1;
}

static void waker(const struct rig *r)
{
	uint32_t us;

	while (read(r->ctl[0], &us, sizeof us) == (ssize_t)sizeof us) {
		struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		if (send(r->sv[1], seg, sizeof seg, 0) != (ssize_t)sizeof seg)
			break;
	}
	_exit(0);
}

static void rig_open(struct rig *r, int here, int there)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->sv) != 0 ||
	    pipe(r->ctl) != 0)
		die("socketpair");
	r->pid = fork();
	if (r->pid < 0)
		die("fork");
	if (r->pid == 0) {
		close(r->ctl[1]);
		close(r->sv[0]);
		if (pin(there) != 0)
			die("pin the waker");
		waker(r);
	}
	close(r->ctl[0]);
	close(r->sv[1]);
	if (pin(here) != 0)
		die("pin");
}

static void rig_close(struct rig *r)
{
	close(r->ctl[1]);
	close(r->sv[0]);
	waitpid(r->pid, NULL, 0);
}

/* one sleep of us, then the segment's recv: the CPU over both, µs */
static double wake(const struct rig *r, uint32_t us)
{
	struct pollfd p = {.fd = r->sv[0], .events = POLLIN};
	char buf[2 * SEG];
	size_t got = 0;

	if (write(r->ctl[1], &us, sizeof us) != (ssize_t)sizeof us)
		die("write");
	int64_t t0 = net_cpu_ns();
	while (got < SEG) {
		if (poll(&p, 1, 5000) != 1)
			die("poll");
		ssize_t n = recv(r->sv[0], buf, SEG - got, 0);
		if (n <= 0)
			die("recv");
		got += (size_t)n;
	}
	return (double)(net_cpu_ns() - t0) / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void quartiles(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	printf("  %-26s %6.1f µs (quartiles %.1f – %.1f, n %d)\n", what, v[n / 2], v[n / 4],
	       v[3 * n / 4], n);
}

static void cases(const struct rig *r)
{
	double train[TRAIN * REPS], after[AFTER * REPS], shorts[SHORT / 5 * REPS];
	int nt = 0, na = 0, ns = 0;

	for (int rep = 0; rep < REPS; rep++) {
		for (int i = 0; i < TRAIN + 5; i++) {   /* five to settle */
			double x = wake(r, 1000);
			if (i >= 5)
				train[nt++] = x;
		}
		for (int i = 0; i < AFTER; i++) {
			wake(r, 100000);
			after[na++] = wake(r, 1000);
		}
		for (int i = 0; i < SHORT; i++) {
			if (i % 5 == 4)
				shorts[ns++] = wake(r, 1000);
			else
				wake(r, 100);
		}
	}
	quartiles("1 ms in a train of 1 ms", train, nt);
	quartiles("1 ms after 100 ms", after, na);
	quartiles("1 ms in a train of 0.1 ms", shorts, ns);
}

/* seed's responses: the median of each position in the train, µs */
static void seed_train(const struct rig *r)
{
	double pos[SEED][SEEDS * REPS];
	int n = 0;

	for (int t = 0; t < SEEDS * REPS; t++, n++)
		for (int i = 0; i < SEED; i++)
			pos[i][n] = wake(r, i == 0 ? 170000 : 1100);
	printf("  seed's ten (170 ms, then 1.1 ms): medians by position, n %d\n   ", n);
	for (int i = 0; i < SEED; i++) {
		qsort(pos[i], (size_t)n, sizeof pos[i][0], cmp);
		printf(" %.1f", pos[i][n / 2]);
	}
	printf(" µs\n");
}

int main(void)
{
	struct rig r;
	cpu_set_t s;
	int here = 0;

	if (sched_getaffinity(0, sizeof s, &s) != 0)
		die("sched_getaffinity");
	while (here < CPU_SETSIZE && !CPU_ISSET(here, &s))
		here++;
	int there = other_cpu();
	printf("bench_wake_train: a segment's recv after a 1 ms sleep, by the sleeps before "
	       "(the thread's CPU clock over poll and recv; %d rounds of each case)\n",
	       REPS);
	rig_open(&r, here, here);
	printf(" waker on the thread's CPU (%d):\n", here);
	cases(&r);
	seed_train(&r);
	rig_close(&r);
	if (there < 0) {
		printf(" waker on another CPU: skipped, one CPU\n");
		return 0;
	}
	rig_open(&r, here, there);
	printf(" waker on another CPU (%d), the thread's halted meanwhile:\n", there);
	cases(&r);
	seed_train(&r);
	rig_close(&r);
	return 0;
}
