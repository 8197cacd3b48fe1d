/* What a wake-up costs the thread that slept, by the sleep and by the
 * work after it: the cold excess (the thread's CPU clock over the wait
 * and the work, less the same work without the wait) of a few patterns
 * of socket calls after sleeps of 0.1, 1, 3 and 30 ms.  The calibrate
 * probes' rig (net/net_calib_wake.c): the thread and the child that wakes
 * it share one CPU, and the child writes a byte after nanosleep.
 *
 * A pattern is a string of calls: R a recv of a 1,448-byte segment on one
 * connection, r the same on the next of ten connections, S a send of 40
 * bytes on the one connection, s on the next of ten, D a socket, a
 * non-blocking connect and a close (with an RST: no TIME_WAIT piles up).
 * What the peer does (the segments it sends before the wait, its reads,
 * the accepts) is untimed.  Figures, not assertions (docs/costs.md, "The
 * wake-up and the work after it"). */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "net/net_clock.h"

#define REPS 11
#define CONNS 10
#define SEG 1448

struct rig {
	int lfd, sv[2];
	int cfd[CONNS], sfd[CONNS];  /* the client's and the server's ends */
	struct sockaddr_in addr;
};

static const char *const patterns[] = {
	"R", "RRRRRRRRRR", "rrrrrrrrrr", "S", "SSSSSSSSSS", "ssssssssss", "D", "RDS",
	"RDSRDSRDSRDS",
};
static const int sleeps_us[] = {100, 1000, 3000, 30000};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int dial(const struct rig *r)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)&r->addr, sizeof r->addr) != 0 &&
	    errno != EINPROGRESS)
		die("connect");
	return fd;
}

static void recv_all(int fd, size_t len)
{
	char buf[2048];
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf, len - got < sizeof buf ? len - got : sizeof buf, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || errno != EAGAIN)
			die("recv");
	}
}

/* The waker: told a time in microseconds, sleeps it, writes a byte. */
static void waker(int fd)
{
	uint32_t us;

	while (read(fd, &us, sizeof us) == (ssize_t)sizeof us) {
		struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		if (write(fd, "w", 1) != 1)
			break;
	}
	_exit(0);
}

static void rig_open(struct rig *r)
{
	socklen_t len = sizeof r->addr;
	int one = 1;

	memset(&r->addr, 0, sizeof r->addr);
	r->addr.sin_family = AF_INET;
	r->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&r->addr, sizeof r->addr) != 0 ||
	    getsockname(r->lfd, (struct sockaddr *)&r->addr, &len) != 0 || listen(r->lfd, 256) != 0)
		die("listener");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->sv) != 0)
		die("socketpair");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(r->sv[0]);
		waker(r->sv[1]);
	}
	close(r->sv[1]);
	for (int i = 0; i < CONNS; i++) {
		struct pollfd p;
		r->cfd[i] = dial(r);
		r->sfd[i] = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
		p = (struct pollfd){.fd = r->cfd[i], .events = POLLOUT};
		if (r->sfd[i] < 0 || poll(&p, 1, 1000) != 1)
			die("accept");
		setsockopt(r->cfd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(r->sfd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
}

/* One round of pat after a sleep of us (0: none): the thread's CPU time
 * over the wait and the calls, ns. */
static double round_of(struct rig *r, const char *pat, int us)
{
	static const char seg[SEG];
	char buf[SEG] = {0};
	int next = 0, sent = 0, dials = 0, to[CONNS] = {0};

	for (const char *c = pat; *c; c++)   /* the peer's segments, untimed */
		if ((*c == 'R' || *c == 'r') &&
		    send(r->sfd[*c == 'R' ? 0 : next++], seg, SEG, 0) != SEG)
			die("send a segment");
	uint32_t t = (uint32_t)us;
	if (us && write(r->sv[0], &t, sizeof t) != (ssize_t)sizeof t)
		die("arm");
	int64_t t0 = net_cpu_ns();
	if (us) {
		struct pollfd p = {.fd = r->sv[0], .events = POLLIN};
		if (poll(&p, 1, 5000) != 1 || read(r->sv[0], buf, 1) != 1)
			die("wait");
	}
	next = 0;
	for (const char *c = pat; *c; c++) {
		if (*c == 'R' || *c == 'r') {
			recv_all(r->cfd[*c == 'R' ? 0 : next++], SEG);
		} else if (*c == 'S' || *c == 's') {
			int i = *c == 'S' ? 0 : sent++;
			if (send(r->cfd[i], buf, 40, 0) != 40)
				die("send");
			to[i] += 40;
		} else {
			struct linger lg = {1, 0};
			int fd = dial(r);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			close(fd);
			dials++;
		}
	}
	int64_t t1 = net_cpu_ns();
	for (int i = 0; i < dials; i++) {    /* the server's side, untimed */
		int fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; i < CONNS; i++)
		recv_all(r->sfd[i], (size_t)to[i]);
	return (double)(t1 - t0);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

int main(void)
{
	struct rig r;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	if (sched_setaffinity(0, sizeof one, &one) != 0)
		die("sched_setaffinity");   /* the waker inherits the pin */
	rig_open(&r);
	printf("wake-up's cold excess, us (median of %d against %d hot), by the work after it\n",
	       REPS, REPS);
	printf("  %-14s %8s", "pattern", "hot");
	for (size_t s = 0; s < sizeof sleeps_us / sizeof *sleeps_us; s++)
		printf(" %6.1f ms", sleeps_us[s] / 1000.0);
	printf("\n");
	for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++) {
		double hot[REPS], cold[REPS];
		for (int i = 0; i < 3; i++)
			round_of(&r, patterns[p], 0);
		printf("  %-14s", patterns[p]);
		for (size_t s = 0; s < sizeof sleeps_us / sizeof *sleeps_us; s++) {
			for (int i = 0; i < REPS; i++) {   /* interleaved: no drift */
				hot[i] = round_of(&r, patterns[p], 0);
				cold[i] = round_of(&r, patterns[p], sleeps_us[s]);
			}
			double hm = median(hot, REPS);
			if (s == 0)
				printf(" %8.1f", hm / 1000);
			printf(" %9.1f", (median(cold, REPS) - hm) / 1000);
		}
		printf("\n");
		fflush(stdout);
	}
	return 0;
}
