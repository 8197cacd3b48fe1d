/* Measuring what a wake-up costs the thread that slept, beyond the hot
 * figures of the rest of the table (`wake_100us`, `wake_1ms`, `wake_100ms`).
 *
 * Why: the table's switch and syscall figures come from hot loops, but a
 * crawler sleeps for most of a round trip between two bursts of work, and
 * on this project's VM (a PVM guest) perf puts the model process's biggest
 * share in pvm_irq_enable under finish_task_switch: the switch back in
 * after a sleep; and everything the thread then does runs on cold caches
 * and TLB.  The longer it slept the more it pays (docs/costs.md).  The
 * simulator charges the excess per wake-up, by the time slept
 * (sim/sim_kernel.c).
 *
 * How: a page of a blocking crawler, split at its two waits, as the
 * simulator's sync model makes the calls: after the connect's wait, send
 * the request and try to read (EAGAIN: it would block); after the
 * response's wait, read it, close, and open the next connection (socket +
 * non-blocking connect on loopback, where the handshake runs inside the
 * call).  Before each half the thread blocks in poll() until a child
 * process, told the time just before (untimed), sleeps it and writes a
 * byte -- as the link emulator's packet wakes a real crawler.  Both are
 * pinned to one CPU: the write that wakes the crawler runs on its CPU.
 * `wake_sibling_10ms` is a second thread's half, woken 0.2 ms after a
 * first thread of its process ran on the CPU (a pool's sibling; below).
 * `wake_remote_1ms` is the same after 1 ms with the waker on another
 * CPU, where there is one: how much more a wake-up costs from there is
 * what the simulator spares a crawler woken on its waker's CPU
 * (docs/costs.md, "Where the wake-up comes from").  The
 * thread's CPU clock over the waits and the halves, minus the same page
 * run without waiting, per wake-up (medians over pages, in the same
 * repetition).  CPU, not wall time: the sleep itself costs nothing.  The
 * server side (accept, read, answer, close) is untimed.  `wake_100us`
 * times a segment's recv instead of a page half: what a wake-up that
 * short does (net_calib_wake_100us); `wake_segment_1ms` the same recv
 * after 1 ms, the other end of the line the simulator draws below 1 ms. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "net/net_calib_int.h"

#define PAGES 9              /* hot pages, and 0.1 and 1 ms ones, per repetition */

struct wake_rig {
	int lfd;                 /* a listener on 127.0.0.1 */
	int cfd, sfd;            /* the page's connection: client, server */
	int sv[2];               /* the waker's channel: [0] ours, [1] its */
	pid_t waker;             /* the child that wakes us, or -1 */
	struct sockaddr_in addr;
};

static void rig_close(struct wake_rig *r)
{
	int e = errno;
	int fds[] = {r->lfd, r->cfd, r->sfd, r->sv[0], r->sv[1]};

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r->waker > 0)            /* its channel closed: it reads EOF, exits */
		waitpid(r->waker, NULL, 0);
	errno = e;
}

/* cpu: the CPU the waker runs on, or -1 for the thread's own (it
 * inherits the pin). */
static int rig_open(struct wake_rig *r, int cpu)
{
	r->cfd = r->sfd = r->sv[0] = r->sv[1] = -1;
	r->waker = -1;
	r->lfd = net_calib_listener(&r->addr, 64);
	if (r->lfd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->sv) != 0) {
		rig_close(r);
		return -1;
	}
	r->waker = fork();
	if (r->waker == 0) {
		/* the waker: told a time in microseconds, sleeps it, then
		 * writes a byte -- as the link emulator writes the packet that
		 * wakes a crawler */
		uint32_t us;
		if (cpu >= 0) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (sched_setaffinity(0, sizeof one, &one) != 0)
				_exit(1);   /* mute: the probe fails with EPIPE */
		}
		close(r->sv[0]);
		while (read(r->sv[1], &us, sizeof us) == (ssize_t)sizeof us) {
			struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
			if (write(r->sv[1], "w", 1) != 1)
				break;
		}
		_exit(0);
	}
	if (r->waker < 0) {
		rig_close(r);
		return -1;
	}
	close(r->sv[1]);
	r->sv[1] = -1;
	return 0;
}

/* Asks the waker for a byte in us microseconds (untimed: the crawler's
 * peer does this, not the crawler).  0: no sleep at all. */
static int arm(struct wake_rig *r, int us)
{
	uint32_t t = (uint32_t)us;

	return us == 0 || write(r->sv[0], &t, sizeof t) == (ssize_t)sizeof t ? 0 : -1;
}

/* What a half waits for before its work (nap): nothing (a hot page's),
 * or the waker's byte, asked for already (arm). */
enum { HOT, WOKEN };

/* Blocks until the waker's byte comes (5 s at most), and reads it;
 * nothing if hot. */
static int nap(struct wake_rig *r, int wait)
{
	struct pollfd p = {.fd = r->sv[0], .events = POLLIN};
	char b;

	if (wait == HOT)
		return 0;
	if (poll(&p, 1, 5000) == 1 && read(r->sv[0], &b, 1) == 1)
		return 0;
	if (errno == 0)
		errno = EPIPE;           /* the waker is gone, or mute */
	return -1;
}

/* Closes the page's connection, if any, and opens the next (the client's
 * side timed, the server's accept not: it runs after). */
static int redial(struct wake_rig *r)
{
	if (r->cfd >= 0)
		close(r->cfd);
	r->cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->cfd < 0)
		return -1;
	if (connect(r->cfd, (const struct sockaddr *)&r->addr, sizeof r->addr) != 0 &&
	    errno != EINPROGRESS)
		return -1;
	return 0;
}

/* The next connection, both sides: redial, and the server's accept. */
static int dial(struct wake_rig *r)
{
	if (redial(r) != 0)
		return -1;
	r->sfd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
	return r->sfd < 0 ? -1 : 0;
}

static const char request[] = "GET /0 HTTP/1.0\r\nHost: example.com\r\n\r\n";

/* One half of a page, after the waker's byte (WOKEN) or not (HOT): the
 * thread's CPU over the wait and the work, or -1 with errno.  first: the
 * half after the connect's wait (send the request, a recv that would
 * block), else the response's (read it, close, open the next
 * connection). */
static double half(struct wake_rig *r, int first, int wait)
{
	char buf[256];
	int64_t t0 = net_cpu_ns();

	if (nap(r, wait) != 0)
		return -1;
	if (first) {
		if (send(r->cfd, request, sizeof request - 1, MSG_NOSIGNAL) !=
		    (ssize_t)(sizeof request - 1))
			return -1;
		(void)!recv(r->cfd, buf, sizeof buf, 0);        /* EAGAIN */
	} else if (recv(r->cfd, buf, sizeof buf, 0) != 1 || redial(r) != 0) {
		return -1;
	}
	return (double)(net_cpu_ns() - t0);
}

/* The server's side after a half (untimed): after the first it reads
 * the request and answers, after the second it accepts the next
 * connection. */
static int serve(struct wake_rig *r, int first)
{
	char buf[256];

	if (first)
		return r->sfd >= 0 && (recv(r->sfd, buf, sizeof buf, 0) < 0 ||
				       send(r->sfd, "x", 1, 0) != 1) ? -1 : 0;
	if (r->sfd >= 0)
		close(r->sfd);
	r->sfd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
	return r->sfd < 0 ? -1 : 0;
}

/* One page with sleeps of us before each half: the thread's CPU time per
 * half, or -1 with errno. */
static double page(struct wake_rig *r, int us)
{
	int wait = us ? WOKEN : HOT;
	double a, b;

	if (arm(r, us) != 0 || (a = half(r, 1, wait)) < 0 || serve(r, 1) != 0 ||
	    arm(r, us) != 0 || (b = half(r, 0, wait)) < 0 || serve(r, 0) != 0)
		return -1;
	return (a + b) / 2;
}

/* One segment's wake-up: a recv of what the server sent before the
 * sleep (a segment's worth), after a sleep of us; the thread's CPU time
 * over the wait and the recv, or -1 with errno. */
static double segment(struct wake_rig *r, int us)
{
	static const char seg[1448];
	char buf[2048];

	/* the server's segment, untimed: it waits in the crawler's socket */
	if (send(r->sfd, seg, sizeof seg, MSG_NOSIGNAL) != (ssize_t)sizeof seg || arm(r, us) != 0)
		return -1;
	int64_t t0 = net_cpu_ns();
	if (nap(r, us ? WOKEN : HOT) != 0)
		return -1;
	ssize_t got = 0;
	while (got < (ssize_t)sizeof seg) {
		ssize_t n = recv(r->cfd, buf, sizeof buf, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		if (n > 0)
			got += n;
	}
	return (double)(net_cpu_ns() - t0);
}

/* The CPU a waker from another CPU runs on: the second of those the
 * process may use (net_calib_pin keeps the thread on the first), or -1
 * on a machine that gives it one. */
static int other_cpu(const cpu_set_t *allowed)
{
	int seen = 0;

	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, allowed) && seen++)
			return i;
	return -1;
}

/* The median of n rounds of work (page, segment) after sleeps of us,
 * minus the median of PAGES hot ones, per wake-up; at least 1 ns (a
 * difference lost in the noise).  remote: the waker on another CPU; -1
 * with ENODEV where the process has only one (the profile keeps 0: no
 * share). */
static int wake(int us, int n, int remote, double (*work)(struct wake_rig *, int), double *out)
{
	struct wake_rig r;
	double hot[PAGES], cold[PAGES];
	cpu_set_t saved;
	int rc = -1;

	if (net_calib_pin(&saved) != 0)
		return -1;
	int cpu = remote ? other_cpu(&saved) : -1;
	if (remote && cpu < 0) {
		/* one CPU: a remote waker is a local one, not worth writing */
		net_calib_unpin(&saved);
		errno = ENODEV;
		return -1;
	}
	if (rig_open(&r, cpu) != 0) {
		net_calib_unpin(&saved);
		return -1;
	}
	if (dial(&r) != 0)
		goto out;
	for (int i = 0; i < 3; i++)          /* untimed: warm the path */
		if (work(&r, 0) < 0)
			goto out;
	for (int i = 0; i < PAGES; i++)
		if ((hot[i] = work(&r, 0)) < 0)
			goto out;
	for (int i = 0; i < n; i++)
		if ((cold[i] = work(&r, us)) < 0)
			goto out;
	double x = net_calib_median(cold, n) - net_calib_median(hot, PAGES);
	*out = x < 1 ? 1 : x;
	rc = 0;
out:
	rig_close(&r);
	net_calib_unpin(&saved);
	return rc;
}

/* A thread woken packet by packet: an event loop with many pages in
 * flight sleeps about this little between most of its wake-ups (the
 * simulator's slow-server.yaml: 890 of its 1,102), and what it does then
 * is a recv of the segment that woke it, not a page's half: the cold
 * work after the wake-up grows with the work (docs/costs.md), so the
 * probe does that.  The waker's nanosleep overshoots by the timer slack
 * (50 us): what counts is that the sleep is well under a millisecond.
 * The median of PAGES segments after the sleep less that of PAGES hot
 * ones, on the thread's own CPU. */
int net_calib_wake_100us(double *out)
{
	return wake(100, PAGES, 0, segment, out);
}

/* wake_100us's segment after 1 ms.  The cold work grows with the work
 * after the wake-up, so a page half after 1 ms (wake_1ms) costs two to
 * three times a segment's recv after 1 ms: the simulator's line from
 * wake_100us to wake_1ms joined the two, and charged a thread woken
 * segment by segment a few hundred µs apart (lossy.yaml's 20 Mbit/s
 * link: 0.58 ms a segment) nearly a page half's wake-up each time. */
int net_calib_wake_segment_1ms(double *out)
{
	return wake(1000, PAGES, 0, segment, out);
}

int net_calib_wake_1ms(double *out)
{
	return wake(1000, PAGES, 0, page, out);
}

/* The same after 1 ms, woken from another CPU (from the thread's own on
 * a machine that gives the process one). */
int net_calib_wake_remote_1ms(double *out)
{
	return wake(1000, PAGES, 1, page, out);
}

/* One page per repetition: calibrate's median of 5 is over five pages,
 * a second in all. */
int net_calib_wake_100ms(double *out)
{
	return wake(100000, 1, 0, page, out);
}

/* A pool's sibling: wake_1ms's page half for a thread woken 0.2 ms after
 * another thread of its process woke on the same CPU from the same
 * sleep, 10 ms, and ran its own half there.  The simulator had such a
 * thread pay only for the core's halt since its sibling ran (the
 * process's caches and TLB warm there): ~10 us against ~45 for the first
 * on gil-cpu.yaml's pool, whose real threads woke together cost half a
 * first one's or more (perf sched; docs/costs.md, "A pool's siblings").
 * What the sibling's run does not warm is the thread's own: its stack,
 * its socket.  Two threads, each with its own connection and waker,
 * pinned to one CPU: per half the first asks both wakers at once (its
 * own for 10 ms, the sibling's 0.2 ms later; untimed), then each times
 * its half on its own CPU clock.  The figure: the sibling's median page
 * less the hot page's, as wake_1ms's.  (Scratch runs: after 1, 10 and
 * 30 ms the sibling's figure stayed at 17-27 us while the first's went
 * 29 -> 80-115 us; a waker that touched 64 KiB-2 MiB before its write
 * did not move it.) */
#define SIB_SLEEP_US 10000
#define SIB_GAP_US 200
#define SIB_PAGES (2 * PAGES)   /* tried; a page whose order broke does not count */
#define SIB_LEAST 3             /* pages that must count */

struct sibling {
	struct wake_rig r;
	int done[2];            /* the sibling's "half timed" to the first */
	double cost[SIB_PAGES];
	int64_t woke[2 * SIB_PAGES];   /* when each timed half of the sibling's ended */
	int err;
};

/* The sibling: each half, block in its waker's wait, time the half,
 * serve, say so. */
static void *sibling_run(void *arg)
{
	struct sibling *s = arg;

	for (int i = 0; i < 2 * SIB_PAGES; i++) {
		double c = half(&s->r, i % 2 == 0, WOKEN);
		s->woke[i] = net_mono_ns();
		if (c < 0 || serve(&s->r, i % 2 == 0) != 0) {
			s->err = errno ? errno : EIO;
			(void)!write(s->done[1], "e", 1);
			return NULL;
		}
		s->cost[i / 2] = i % 2 ? s->cost[i / 2] + c / 2 : c / 2;
		if (write(s->done[1], "x", 1) != 1) {
			s->err = errno ? errno : EIO;
			(void)!write(s->done[1], "e", 1);  /* else the first times out */
			return NULL;
		}
	}
	return NULL;
}

/* Sleeps us microseconds (untimed: the sibling meanwhile reaches its
 * wait, so that the first thread's wake-up finds none of its process
 * run since it slept). */
static void settle(int us)
{
	struct timespec ts = {0, (long)us * 1000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int net_calib_wake_sibling_10ms(double *out)
{
	struct wake_rig r;
	struct sibling s = {.done = {-1, -1}};
	double hot[PAGES];
	int64_t served[2 * SIB_PAGES];
	cpu_set_t saved;
	pthread_t tid;
	int rc = -1, started = 0, e;
	char b;

	if (net_calib_pin(&saved) != 0)
		return -1;
	if (rig_open(&r, -1) != 0)
		goto unpin;
	if (rig_open(&s.r, -1) != 0)
		goto close_r;
	if (pipe2(s.done, O_CLOEXEC) != 0 || dial(&r) != 0 || dial(&s.r) != 0)
		goto out;
	for (int i = 0; i < 3; i++)          /* untimed: warm the path */
		if (page(&r, 0) < 0 || page(&s.r, 0) < 0)
			goto out;
	for (int i = 0; i < PAGES; i++)
		if ((hot[i] = page(&r, 0)) < 0)
			goto out;
	if ((e = pthread_create(&tid, NULL, sibling_run, &s)) != 0) {
		errno = e;
		goto out;
	}
	started = 1;
	for (int i = 0; i < 2 * SIB_PAGES; i++) {
		settle(100);
		if (arm(&r, SIB_SLEEP_US) != 0 || arm(&s.r, SIB_SLEEP_US + SIB_GAP_US) != 0)
			goto out;
		if (half(&r, i % 2 == 0, WOKEN) < 0 || serve(&r, i % 2 == 0) != 0)
			goto out;
		served[i] = net_mono_ns();
		if (net_calib_read_within(s.done[0], &b, 1, 5000) != 0)
			goto out;
		if (b != 'x') {
			errno = s.err;
			goto out;
		}
	}
	rc = 0;
out:
	e = errno;
	if (started) {
		if (rc != 0) {
			/* the sibling may wait for a byte: its waker's socket
			 * shut ends that wait with an error (a close would not) */
			shutdown(s.r.sv[0], SHUT_RDWR);
		}
		pthread_join(tid, NULL);
	}
	if (rc == 0) {
		/* a page counts when, in both its halves, the sibling's timed
		 * half ended after the first had served its own: else the
		 * sibling woke first (a loaded machine), and what it paid is
		 * not a sibling's */
		double kept[SIB_PAGES];
		int n = 0;
		for (int p = 0; p < SIB_PAGES; p++)
			if (s.woke[2 * p] > served[2 * p] && s.woke[2 * p + 1] > served[2 * p + 1])
				kept[n++] = s.cost[p];
		if (n < SIB_LEAST) {
			rc = NET_CALIB_TOO_LOADED;   /* the order did not hold */
			e = EAGAIN;
		} else {
			double x = net_calib_median(kept, n) - net_calib_median(hot, PAGES);
			*out = x < 1 ? 1 : x;
		}
	}
	if (s.done[0] >= 0)
		close(s.done[0]);
	if (s.done[1] >= 0)
		close(s.done[1]);
	rig_close(&s.r);
	errno = e;
close_r:
	rig_close(&r);
unpin:
	net_calib_unpin(&saved);
	return rc;
}
