/* Measuring the kernel's work for TCP connections over loopback, the path
 * a real run's crawler, origin server and link emulators take: a
 * connection's set-up and tear-down on the client, a request sent, and a
 * KiB received.
 * (The server's and the link's side: net_calib_host.c.)  Each figure is what remains after the
 * syscalls' own cost (an EAGAIN recv, as `syscall` measures it, timed in
 * the same repetition): the simulator charges `syscall` per call already,
 * and these are what the kernel does on top.
 *
 * Timed on the thread's CPU clock, whole loops at a time: these are CPU
 * costs, and on loopback a recv may wait for the peer's deferred
 * transmission (wall time the CPU spends elsewhere), which a wall clock
 * would count. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "net/net_calib_int.h"

#define CONN_N 200           /* connections per repetition */
#define CHUNK 4096           /* the crawler's recv(4096) */
#define STREAM (32 * 1024)   /* bytes per round: fits loopback's buffers */
#define STREAM_ROUNDS 64
#define BASE_N 2000          /* EAGAIN recvs timed for the base cost */

/* A difference lost in the noise (the kernel's part smaller than the
 * syscalls' own jitter) is 1 ns, what net_calib_costs makes of it anyway. */
static double floor1(double x)
{
	return x < 1 ? 1 : x;
}

/* The cost of one cheap syscall, now (the base the figures subtract). */
int net_calib_base_syscall(double *out)
{
	int sv[2];
	char c;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	for (int i = 0; i < 100; i++)
		(void)!recv(sv[0], &c, 1, 0);
	int64_t t0 = net_cpu_ns();
	for (int i = 0; i < BASE_N; i++)
		(void)!recv(sv[0], &c, 1, 0);
	*out = (double)(net_cpu_ns() - t0) / BASE_N;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* A listening socket on 127.0.0.1, any port, with room for backlog
 * connections; -1 with errno. */
int net_calib_listener(struct sockaddr_in *addr, int backlog)
{
	socklen_t len = sizeof *addr;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 || listen(fd, backlog) != 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A non-blocking connect, as the crawler's: on loopback the handshake
 * runs inside the call, so it returns 0 or EINPROGRESS already done. */
static int dial(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0 &&
	    errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Accepts and closes up to n connections from lfd's queue (untimed).
 * Not all n need come: a loaded machine may leave a connect's handshake
 * to ksoftirqd, and a socket closed before it ran never queues one.  So
 * the queue is read without blocking, and a straggler waited for at most
 * DRAIN_WAIT_MS. */
#define DRAIN_WAIT_MS 500

void net_calib_drain_accepts(int lfd, int n)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	int fl = fcntl(lfd, F_GETFL);

	if (fl < 0 || fcntl(lfd, F_SETFL, fl | O_NONBLOCK) != 0)
		return;
	for (int got = 0; got < n;) {
		int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (a >= 0) {
			close(a);
			got++;
		} else if (errno != EINTR && errno != ECONNABORTED &&
			   (errno != EAGAIN || poll(&p, 1, DRAIN_WAIT_MS) <= 0)) {
			break;          /* the rest never came, or the queue failed */
		}
	}
	fcntl(lfd, F_SETFL, fl);
}

/* socket + connect + close on the client side, CONN_N times; the server's
 * accept and close are not timed.  Minus three syscalls. */
int net_calib_connection(double *out)
{
	struct sockaddr_in addr;
	double base;
	int64_t spent = 0;
	int lfd = net_calib_listener(&addr, CONN_N + 16), rc = 0;

	if (lfd < 0 || net_calib_base_syscall(&base) != 0)
		goto fail;
	for (int round = 0; round < 2 && rc == 0; round++) {   /* a warm-up round */
		int64_t t0 = net_cpu_ns();
		for (int i = 0; i < CONN_N; i++) {
			int fd = dial(&addr);
			if (fd < 0) {
				rc = -1;
				break;
			}
			close(fd);
		}
		spent = net_cpu_ns() - t0;
		net_calib_drain_accepts(lfd, CONN_N);
	}
	if (rc != 0)
		goto fail;
	close(lfd);
	*out = floor1((double)spent / CONN_N - 3 * base);
	return 0;
fail:
	rc = errno;
	if (lfd >= 0)
		close(lfd);
	errno = rc ? rc : EPROTO;
	return -1;
}

/* One loopback TCP connection: c the client's end, s the server's. */
static int pair(int *c, int *s)
{
	struct sockaddr_in addr;
	int lfd = net_calib_listener(&addr, CONN_N + 16);

	*c = *s = -1;
	if (lfd < 0)
		return -1;
	*c = dial(&addr);
	*s = *c >= 0 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
	int e = errno;
	close(lfd);
	if (*s < 0) {
		if (*c >= 0)
			close(*c);
		errno = e;
		return -1;
	}
	/* both ends blocking: the timed loops move whole buffers */
	fcntl(*c, F_SETFL, 0);
	return 0;
}

static int send_all(int fd, const char *buf, size_t len, int64_t *spent, int64_t *calls)
{
	int64_t t0 = net_cpu_ns();

	for (size_t off = 0; off < len;) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		ssize_t r = send(fd, buf + off, n, MSG_NOSIGNAL);
		if (r <= 0)
			return r == 0 ? (errno = EPIPE, -1) : -1;
		off += (size_t)r;
		(*calls)++;
	}
	*spent += net_cpu_ns() - t0;
	return 0;
}

static int recv_all(int fd, char *buf, size_t len, int64_t *spent, int64_t *calls)
{
	int64_t t0 = net_cpu_ns();

	for (size_t off = 0; off < len;) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		ssize_t r = recv(fd, buf + off, n, 0);
		if (r <= 0)
			return r == 0 ? (errno = EPIPE, -1) : -1;
		off += (size_t)r;
		(*calls)++;
	}
	*spent += net_cpu_ns() - t0;
	return 0;
}

/* STREAM bytes a round, sent in CHUNK-sized sends and received in
 * CHUNK-sized recvs by the same thread (both fit the socket buffers, so
 * nothing blocks for long); the recvs are timed.  Per KiB, minus the
 * calls. */
static int stream(double *out)
{
	static char buf[STREAM];
	double base;
	int64_t spent = 0, calls = 0, junk = 0, jcalls = 0;
	int c, s, rc = 0;

	if (net_calib_base_syscall(&base) != 0 || pair(&c, &s) != 0)
		return -1;
	memset(buf, 'x', sizeof buf);
	for (int round = 0; round < 4 + STREAM_ROUNDS && rc == 0; round++) {
		if (round == 4)
			spent = calls = 0;   /* the first rounds warm up */
		rc = send_all(s, buf, STREAM, &junk, &jcalls);
		if (rc == 0)
			rc = recv_all(c, buf, STREAM, &spent, &calls);
	}
	int e = errno;
	close(c);
	close(s);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	*out = floor1(((double)spent - (double)calls * base) /
		      (STREAM_ROUNDS * (STREAM / 1024.0)));
	return 0;
}

int net_calib_recv_per_kib(double *out)
{
	return stream(out);
}


/* A request (64 bytes) sent over loopback TCP to a peer process blocked in
 * recv, as the crawler's GET reaches the link or the server: on loopback
 * the send runs the receiver's TCP input and wakes it, in the sender's
 * context.  The peer answers a byte, which this side reads untimed, so
 * that the peer is asleep again before the next send.  Minus a syscall. */
#define SEND_N 500

int net_calib_send(double *out)
{
	char req[64], b;
	double base;
	int64_t spent = 0;
	int c, s, rc = 0;

	memset(req, 'G', sizeof req);
	if (net_calib_base_syscall(&base) != 0 || pair(&c, &s) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(c);
		close(s);
		return -1;
	}
	if (pid == 0) {
		char buf[256];
		close(c);
		while (recv(s, buf, sizeof buf, 0) > 0)
			if (send(s, "k", 1, MSG_NOSIGNAL) != 1)
				break;
		_exit(0);
	}
	close(s);
	for (int i = 0; i < 50 + SEND_N && rc == 0; i++) {
		/* let the peer go to sleep in recv (it has nothing else to do) */
		struct timespec nap = {0, 20000};
		nanosleep(&nap, NULL);
		int64_t t0 = net_cpu_ns();
		if (send(c, req, sizeof req, MSG_NOSIGNAL) != (ssize_t)sizeof req)
			rc = -1;
		if (i >= 50)
			spent += net_cpu_ns() - t0;
		if (rc == 0 && recv(c, &b, 1, 0) != 1)
			rc = -1;
	}
	int e = errno;
	close(c);
	waitpid(pid, NULL, 0);
	if (rc != 0) {
		errno = e ? e : EPIPE;
		return -1;
	}
	*out = floor1((double)spent / SEND_N - base);
	return 0;
}
