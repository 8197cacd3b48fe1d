/* Measuring the other programs a real run puts on the crawler's cores: the
 * origin server (net_server) and a link emulator (net_link), each in a
 * child process as net/net_run.c starts them, fetched from by a blocking
 * client in this process.  What a figure counts is the child's CPU (user +
 * system, its own getrusage) between its start and the last response:
 * libevent, the kernel's TCP work on its side, its timers.
 *
 * Per page: pages of 0 bytes; per KiB: pages of 64 KiB, minus the per-page
 * figure, over the KiB; the server's accept: connections that ask for
 * nothing, held open while the server is stopped (the part of a page it
 * spends when a client connects: accept, its registration).  The link runs a fast network (100 us of RTT,
 * 1 Gbit/s), so that its per-segment work (pacing, delay timers) is in the
 * figure but waiting is short.
 *
 * The server's CPU is not all per page: each return from its wait costs
 * it too (the switch in, cold caches), and a client fetching one page at
 * a time wakes it at least once a page, where one with many pages in
 * flight hands it several a wake-up.  So the server's figures come from
 * two runs of 100 pages, one at a time and all at once, and the child
 * also reports its wake-ups (getrusage's voluntary switches: each is a
 * wait that blocked); cpu = page x pages + wake x wake-ups solved for
 * the two gives server_wake, and server_request and server_accept
 * without it. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>

#include "core/al_http.h"
#include "net/net_calib_int.h"
#include "net/net_clock.h"
#include "net/net_link.h"
#include "net/net_server.h"

#define SMALL_N 100          /* 0-byte pages per repetition */
#define BIG_N 20             /* 64 KiB pages per repetition */
#define BIG (64 * 1024)
#define CTL_MS 5000          /* a child silent this long is stuck: no figure */
#define ACCEPT_WAIT_US 20000 /* for the server to accept what is connected */
#define CHILD_FIGS 2         /* what a child reports: CPU ns, wake-ups */

struct child {
	pid_t pid;
	int ctl;                 /* socketpair: port up, "stop" down, CPU up */
	int port;
};

static int64_t ru_ns(const struct rusage *r)
{
	return ((int64_t)r->ru_utime.tv_sec + r->ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)r->ru_utime.tv_usec + r->ru_stime.tv_usec) * 1000;
}

struct child_run {
	struct event_base *base;
	int ctl;
	struct rusage r0;
};

/* "stop": the CPU spent since the start goes up, and the waits that
 * blocked (voluntary switches: this one's own wake-up for "stop" is one
 * of them), and the loop ends. */
static void on_ctl(evutil_socket_t fd, short what, void *arg)
{
	struct child_run *c = arg;
	struct rusage r1;
	char b;

	(void)what;
	(void)!read(fd, &b, 1);
	getrusage(RUSAGE_SELF, &r1);
	int64_t fig[CHILD_FIGS] = {ru_ns(&r1) - ru_ns(&c->r0),
				   (int64_t)(r1.ru_nvcsw - c->r0.ru_nvcsw) - 1};
	(void)!write(c->ctl, fig, sizeof fig);
	event_base_loopbreak(c->base);
}

static void child_main(const struct al_scenario *sc, const struct sockaddr_in *up, int ctl)
{
	struct child_run c = {.ctl = ctl};
	struct event_config *cfg = event_config_new();
	int port = 0;

	event_set_log_callback(NULL);
	if (cfg && event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) == 0)
		c.base = event_base_new_with_config(cfg);
	if (c.base) {
		if (up) {
			struct net_link *l = net_link_new(c.base, sc, up, 0);
			port = l ? net_link_port(l) : 0;
		} else {
			struct net_server *s = net_server_new(c.base, sc, 0);
			port = s ? net_server_port(s) : 0;
		}
	}
	struct event *ev = port ? event_new(c.base, ctl, EV_READ, on_ctl, &c) : NULL;
	if (!ev || event_add(ev, NULL) != 0)
		port = 0;
	getrusage(RUSAGE_SELF, &c.r0);
	if (write(ctl, &port, sizeof port) != (ssize_t)sizeof port || !port)
		_exit(1);
	event_base_dispatch(c.base);
	_exit(0);   /* the server's and link's memory goes with the process */
}

/* Exactly len bytes from a child's control socket within CTL_MS: 0, or -1
 * with errno (ETIMEDOUT; EPROTO when the child closed it).  A child stuck
 * in its start-up or its loop must fail the figure, not hang calibrate. */
static int ctl_read(int fd, void *buf, size_t len)
{
	int64_t end = net_mono_ns() + CTL_MS * 1000000LL;
	size_t got = 0;

	while (got < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = (end - net_mono_ns()) / 1000000;
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = ETIMEDOUT;
		if (r <= 0)
			return -1;
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EPROTO;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int child_start(const struct al_scenario *sc, const struct sockaddr_in *up,
		       struct child *ch)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	ch->pid = fork();
	if (ch->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (ch->pid == 0) {
		close(sv[0]);
		child_main(sc, up, sv[1]);
	}
	close(sv[1]);
	ch->ctl = sv[0];
	if (ctl_read(ch->ctl, &ch->port, sizeof ch->port) != 0 || ch->port <= 0) {
		int e = ch->port <= 0 && errno != ETIMEDOUT ? EPROTO : errno;

		kill(ch->pid, SIGKILL);
		while (waitpid(ch->pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(ch->ctl);
		errno = e;
		return -1;
	}
	return 0;
}

/* Stops the child; its CPU since it started serving in fig[0], its
 * wake-ups in fig[1]. */
static int child_stop(struct child *ch, int64_t fig[CHILD_FIGS])
{
	char b = 's';
	int rc = 0, e = 0;

	if (write(ch->ctl, &b, 1) != 1 ||
	    ctl_read(ch->ctl, fig, CHILD_FIGS * sizeof *fig) != 0) {
		rc = -1;
		e = errno == ETIMEDOUT ? ETIMEDOUT : EPROTO;
		kill(ch->pid, SIGKILL);
	}
	while (waitpid(ch->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(ch->ctl);
	if (rc)
		errno = e;
	return rc;
}

static struct sockaddr_in loopback(int port)
{
	return (struct sockaddr_in){
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
}

/* One page, as the sync crawler fetches it: connect, request, read to the
 * server's close.  Returns the bytes read, or -1. */
static int64_t fetch(const struct sockaddr_in *a, int64_t page)
{
	char req[256], buf[16384];
	int64_t got = 0;
	ssize_t r;
	int n = al_http_request(req, sizeof req, "calib", page);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* a server that stops answering fails the figure, as a child does */
	struct timeval tv = {.tv_sec = CTL_MS / 1000};

	if (fd < 0)
		return -1;
	if (n < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    connect(fd, (const struct sockaddr *)a, sizeof *a) != 0 ||
	    send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return -1;
	}
	while ((r = recv(fd, buf, sizeof buf, 0)) > 0 || (r < 0 && errno == EINTR))
		got += r > 0 ? r : 0;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		errno = ETIMEDOUT;
	close(fd);
	return r < 0 ? -1 : got;
}

/* n pages at once, as a crawler with n in flight: n connections made
 * and their requests sent before the first response is read, then each
 * read to the server's close.  0, or -1 when a page came short. */
static int fetch_all(const struct sockaddr_in *a, int64_t first, int n)
{
	char req[256], buf[16384];
	int fd[SMALL_N], nfd = 0, rc = 0;
	struct timeval tv = {.tv_sec = CTL_MS / 1000};

	for (; nfd < n && nfd < SMALL_N && rc == 0; nfd++) {
		int len = al_http_request(req, sizeof req, "calib", first + nfd);

		fd[nfd] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd[nfd] < 0 || len < 0 ||
		    setsockopt(fd[nfd], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
		    connect(fd[nfd], (const struct sockaddr *)a, sizeof *a) != 0 ||
		    send(fd[nfd], req, (size_t)len, MSG_NOSIGNAL) != len)
			rc = -1;
	}
	for (int i = 0; i < nfd; i++) {
		ssize_t r = 0;

		while (rc == 0 && ((r = recv(fd[i], buf, sizeof buf, 0)) > 0 ||
				   (r < 0 && errno == EINTR)))
			;
		if (rc == 0 && r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			rc = -1;
		}
		if (fd[i] >= 0)
			close(fd[i]);
	}
	return rc;
}

/* A connection that asks for nothing and stays open: the server accepts
 * it and waits for its request.  Its fd, or -1. */
static int knock(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)a, sizeof *a) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* What a run of the server or link cost it: CPU and wake-ups. */
struct host_run {
	double cpu_ns, wakes;
	int n;
};

/* A run of a server (link == 0) or of a link in front of one, n pages of
 * `size` bytes each, one at a time, or all at once (batch); size < 0:
 * connections that ask for no page (the server's accept, read of the
 * end, close). */
static int host_run(int link, int64_t size, int n, int batch, struct host_run *out)
{
	struct al_scenario sc;
	struct child srv, lnk;
	int64_t spent[CHILD_FIGS] = {0}, junk[CHILD_FIGS];
	int rc = 0;

	al_scenario_default(&sc);
	sc.server.think = (struct al_dist){.kind = AL_DIST_FIXED, .a = 0};
	sc.server.page_size = (struct al_dist){.kind = AL_DIST_FIXED,
					       .a = (double)(size < 0 ? 0 : size)};
	sc.network.rtt_ns = 100000;
	sc.network.bandwidth_bps = 1000000000;
	sc.network.jitter = (struct al_dist){.kind = AL_DIST_FIXED, .a = 0};
	sc.network.loss = 0;
	if (child_start(&sc, NULL, &srv) != 0)
		return -1;
	struct sockaddr_in up = loopback(srv.port), at = up;
	if (link) {
		if (child_start(&sc, &up, &lnk) != 0) {
			child_stop(&srv, junk);
			return -1;
		}
		at = loopback(lnk.port);
	}
	int held[SMALL_N], nheld = 0;
	if (batch && size >= 0 && fetch_all(&at, 1, n) != 0)
		rc = -1;
	for (int i = 0; i < n && rc == 0 && !(batch && size >= 0); i++) {
		if (size >= 0 && fetch(&at, i + 1) < size)
			rc = -1;
		if (size < 0 && nheld < SMALL_N && (held[nheld++] = knock(&at)) < 0)
			rc = -1;
	}
	/* the server accepts what the kernel has already connected: give its
	 * loop the time to, then stop it with the connections still open */
	if (size < 0 && rc == 0)
		usleep(ACCEPT_WAIT_US);
	int e = rc ? errno : 0;
	if (link && child_stop(&lnk, spent) != 0) {
		rc = -1;
		e = e ? e : errno;
	}
	if (child_stop(&srv, link ? junk : spent) != 0) {
		rc = -1;
		e = e ? e : errno;
	}
	for (int i = 0; i < nheld; i++)
		if (held[i] >= 0)
			close(held[i]);
	if (rc != 0) {
		errno = e ? e : EPROTO;
		return -1;
	}
	*out = (struct host_run){.cpu_ns = (double)spent[0], .wakes = (double)spent[1], .n = n};
	return 0;
}

/* The CPU per page of a run one page at a time, wake-ups included. */
static int per_page(int link, int64_t size, int n, double *out)
{
	struct host_run r;

	if (host_run(link, size, n, 0, &r) != 0)
		return -1;
	*out = r.cpu_ns / n;
	return 0;
}

/* The server's 0-byte pages one at a time and all at once, solved for
 * cpu = page x pages + wake x wake-ups (see the top of the file).  Where
 * the two runs' wake-ups hardly differ (a server that woke a page in
 * both) the split is not to be had: wake 1 ns (measured, and lost in
 * the noise, as the per-KiB figures write it), the page's CPU whole. */
static int split(double *page, double *wake)
{
	struct host_run one, all;

	if (host_run(0, 0, SMALL_N, 0, &one) != 0 || host_run(0, 0, SMALL_N, 1, &all) != 0)
		return -1;
	*wake = 1;
	if (one.wakes - all.wakes >= SMALL_N / 4)
		*wake = (one.cpu_ns - all.cpu_ns) / (one.wakes - all.wakes);
	if (*wake < 1)
		*wake = 1;           /* lost in the noise of the difference */
	*page = (one.cpu_ns - *wake * one.wakes) / SMALL_N;
	if (*page < 1) {
		*page = 1;
		*wake = (one.cpu_ns - SMALL_N) / (one.wakes > 1 ? one.wakes : 1);
	}
	return 0;
}

int net_calib_server_request(double *out)
{
	double wake;

	return split(out, &wake);
}

int net_calib_server_wake(double *out)
{
	double page;

	return split(&page, out);
}

int net_calib_server_accept(double *out)
{
	double page, wake;
	struct host_run r;

	if (split(&page, &wake) != 0 || host_run(0, -1, SMALL_N, 0, &r) != 0)
		return -1;
	*out = (r.cpu_ns - wake * r.wakes) / SMALL_N;
	if (*out < 1)
		*out = 1;
	return 0;
}

int net_calib_relay_request(double *out)
{
	return per_page(1, 0, SMALL_N, out);
}

static int per_kib(int link, double *out)
{
	double small, big;

	if (per_page(link, 0, SMALL_N, &small) != 0 || per_page(link, BIG, BIG_N, &big) != 0)
		return -1;
	*out = (big - small) / (BIG / 1024.0);
	if (*out < 1)
		*out = 1;    /* lost in the noise of the difference */
	return 0;
}

int net_calib_server_per_kib(double *out)
{
	return per_kib(0, out);
}

int net_calib_relay_per_kib(double *out)
{
	return per_kib(1, out);
}
