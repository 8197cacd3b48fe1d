/* The link emulator, in process: each test puts the origin server (or a
 * small misbehaving upstream) and the link on one event_base run by a
 * thread, then fetches pages through the link with plain sockets from the
 * test's thread, verifying every byte (al_http_resp, al_page_sum) and
 * timing what the network should cost.  Times are asserted as lower
 * bounds (the VM is noisy), upper bounds only very loosely.  Counters are
 * read with the loop stopped (fixture_pause), so nothing races. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/al_http.h"
#include "core/al_scenario.h"
#include "net/net_link.h"
#include "net/net_server.h"

#define SEED 42
#define MS 1000000.0                 /* ns */
#define RECV_TIMEOUT_S 20

struct fixture {
	struct event_base *base;
	struct net_server *srv;      /* NULL: another upstream */
	struct net_link *link;
	struct event *stop_ev;
	int stop[2];                 /* a byte on stop[1] ends the loop */
	pthread_t thread;
	struct al_scenario sc;
	struct net_link_stats ls;    /* after fixture_pause / fixture_stop */
	struct net_server_stats ss;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	char b;

	(void)what;
	(void)!read(fd, &b, 1);
	event_base_loopbreak(arg);
}

static void *loop_main(void *arg)
{
	event_base_dispatch(((struct fixture *)arg)->base);
	return NULL;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	return sin;
}

/* No delay, no loss, unlimited bandwidth, small pages of varied sizes: a
 * test sets what it measures. */
static void scenario(struct al_scenario *sc)
{
	al_scenario_default(sc);
	sc->seed = SEED;
	sc->network.rtt_ns = 0;
	sc->network.jitter = AL_DIST_FIXED_AT(0);
	sc->network.bandwidth_bps = 0;
	sc->network.loss = 0;
	sc->server.think = AL_DIST_FIXED_AT(0);
	sc->server.page_size = (struct al_dist){AL_DIST_UNIFORM, 100, 20000};
	sc->server.max_concurrent = 0;
}

static void fixture_run(struct fixture *f)
{
	assert_int_equal(event_add(f->stop_ev, NULL), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, loop_main, f), 0);
}

/* The link relays to upstream_port, or to an origin server of its own
 * when that is 0. */
static void fixture_start(struct fixture *f, const struct al_scenario *sc,
			  int upstream_port)
{
	struct sockaddr_in up;

	struct event_config *cfg = event_config_new();

	memset(f, 0, sizeof *f);
	f->sc = *sc;
	/* timerfd timers, as docs/link.md advises: epoll's are milliseconds */
	assert_non_null(cfg);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	f->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	assert_non_null(f->base);
	if (upstream_port == 0) {
		f->srv = net_server_new(f->base, sc, 0);
		assert_non_null(f->srv);
		upstream_port = net_server_port(f->srv);
	}
	up = loopback(upstream_port);
	f->link = net_link_new(f->base, sc, &up, 0);
	assert_non_null(f->link);
	assert_true(net_link_port(f->link) > 0);
	assert_int_equal(pipe(f->stop), 0);
	f->stop_ev = event_new(f->base, f->stop[0], EV_READ, on_stop, f->base);
	assert_non_null(f->stop_ev);
	fixture_run(f);
}

static void fixture_pause(struct fixture *f)
{
	assert_int_equal(write(f->stop[1], "x", 1), 1);
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	net_link_stats(f->link, &f->ls);
	if (f->srv)
		net_server_stats(f->srv, &f->ss);
}

static void fixture_free(struct fixture *f)
{
	net_link_free(f->link);
	net_server_free(f->srv);
	event_free(f->stop_ev);
	event_base_free(f->base);
	close(f->stop[0]);
	close(f->stop[1]);
}

/* Waits (up to 3 s) until the link has `open` connections open; the
 * counters are left in f->ls. */
static void wait_open(struct fixture *f, int64_t open)
{
	double deadline = now_ms() + 3000;

	for (;;) {
		fixture_pause(f);
		if (f->ls.open == open || now_ms() > deadline)
			break;
		fixture_run(f);
		sleep_ms(5);
	}
	fixture_run(f);
	assert_int_equal(f->ls.open, open);
}

/* Every connection closed, every buffer freed: then stop. */
static void fixture_stop(struct fixture *f)
{
	wait_open(f, 0);
	fixture_pause(f);
	assert_int_equal(f->ls.held, 0);
	assert_int_equal(f->ls.memory, 0);
	fixture_free(f);
}

static int dial(int port)
{
	struct sockaddr_in sin = loopback(port);
	struct timeval tv = {RECV_TIMEOUT_S, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

static void send_request(int fd, int64_t page)
{
	char req[128];
	int n = al_http_request(req, sizeof req, "t", page);

	assert_true(n > 0);
	assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
}

/* One fetch through the link, as the client sees it. */
struct fetch {
	int fd;
	int64_t page;
	double t0, t_first, t_end;   /* ms */
	int64_t bytes;
	int err;                     /* how it ended: 0 EOF, else errno */
	struct al_http_resp r;
};

/* Fetches pages first..first+n-1 at once (all requests sent before any
 * byte is read), reading whatever arrives on any of them. */
static void fetch_all(int port, struct fetch *fs, int n, int64_t first)
{
	struct pollfd *p = calloc((size_t)n, sizeof *p);
	static char buf[65536];
	int left = n;
	double deadline = now_ms() + 30000;

	assert_non_null(p);
	for (int i = 0; i < n; i++) {
		struct fetch *f = &fs[i];

		memset(f, 0, sizeof *f);
		f->page = first + i;
		al_http_resp_init(&f->r);
		f->t0 = now_ms();
		f->fd = dial(port);
		send_request(f->fd, f->page);
		fcntl(f->fd, F_SETFL, O_NONBLOCK);
		p[i].fd = f->fd;
		p[i].events = POLLIN;
	}
	while (left > 0 && now_ms() < deadline) {
		assert_true(poll(p, (nfds_t)n, 1000) >= 0);
		for (int i = 0; i < n; i++) {
			struct fetch *f = &fs[i];
			ssize_t r;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			while ((r = recv(f->fd, buf, sizeof buf, 0)) > 0) {
				if (f->bytes == 0)
					f->t_first = now_ms();
				f->bytes += r;
				assert_int_equal(al_http_resp_feed(&f->r, buf, (size_t)r), 0);
			}
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				continue;
			f->err = r == 0 ? 0 : errno;
			f->t_end = now_ms();
			close(f->fd);
			p[i].fd = -1;
			left--;
		}
	}
	assert_int_equal(left, 0);
	free(p);
}

/* Each fetch ended at EOF with its whole page, byte for byte. */
static int64_t check_pages(const struct al_scenario *sc, struct fetch *fs, int n)
{
	int64_t total = 0;

	for (int i = 0; i < n; i++) {
		int64_t think, len;

		net_server_page(sc, fs[i].page, &think, &len);
		if (fs[i].err)
			fail_msg("page %lld: %s", (long long)fs[i].page, strerror(fs[i].err));
		assert_int_equal(fs[i].r.status, 200);
		assert_int_equal(al_http_resp_finish(&fs[i].r), 0);
		assert_int_equal(fs[i].r.content_length, len);
		assert_true(fs[i].r.sum == al_page_sum(sc->seed, fs[i].page, len));
		total += fs[i].bytes;
	}
	return total;
}

static double last_end(const struct fetch *fs, int n, double *first_end)
{
	double t0 = fs[0].t0, last = 0, first = 1e300;

	for (int i = 0; i < n; i++) {
		if (fs[i].t_end - t0 > last)
			last = fs[i].t_end - t0;
		if (fs[i].t_end - t0 < first)
			first = fs[i].t_end - t0;
	}
	if (first_end)
		*first_end = first;
	return last;
}

/* --- bytes arrive intact, whatever the network */

static const struct {
	const char *name;
	int n;
	double rtt_ms;
	int64_t bw;                  /* bits/s, 0 unlimited */
	double size_min, size_max;   /* body bytes, uniform */
} intact_cases[] = {
	{"one page", 1, 0, 0, 1256, 1256},
	{"one page, 150 ms, 10 Mbit", 1, 150, 10000000, 1256, 1256},
	{"1000 at once, 20 ms, 1 Gbit", 1000, 20, 1000000000, 100, 20000},
	{"1000 at once, 0 ms, unlimited", 1000, 0, 0, 100, 20000},
	/* more than the hold cap: read in turns, EOF only after the last */
	{"300 KiB, 100 ms, unlimited", 1, 100, 0, 300 << 10, 300 << 10},
	{"3 x 1 MiB, 10 ms, 200 Mbit", 3, 10, 200000000, 1 << 20, 1 << 20},
	{"32 MiB, 0 ms, unlimited", 1, 0, 0, 32 << 20, 32 << 20},
};

static void test_intact(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof intact_cases / sizeof intact_cases[0]; k++) {
		struct al_scenario sc;
		struct fixture f;
		int n = intact_cases[k].n;
		struct fetch *fs = calloc((size_t)n, sizeof *fs);
		double ms;
		int64_t total;

		assert_non_null(fs);
		scenario(&sc);
		sc.network.rtt_ns = (int64_t)(intact_cases[k].rtt_ms * MS);
		sc.network.bandwidth_bps = intact_cases[k].bw;
		sc.server.page_size = (struct al_dist){AL_DIST_UNIFORM,
			intact_cases[k].size_min, intact_cases[k].size_max};
		fixture_start(&f, &sc, 0);
		fetch_all(net_link_port(f.link), fs, n, 1);
		ms = last_end(fs, n, NULL);
		total = check_pages(&sc, fs, n);
		wait_open(&f, 0);
		assert_int_equal(f.ls.accepted, n);
		assert_int_equal(f.ls.bytes_down, total);
		assert_true(f.ls.peak_held <= (int64_t)n * (NET_LINK_HOLD_MAX + 4096));
		assert_true(f.ls.segments >= total / NET_LINK_MSS);
		printf("  link %-30s %7.1f ms, %9lld bytes (%3.0f MB/s), peak %4lld open, "
		       "%7lld bytes held, %8lld allocated\n",
		       intact_cases[k].name, ms, (long long)total,
		       (double)total / 1e3 / ms, (long long)f.ls.peak_open,
		       (long long)f.ls.peak_held, (long long)f.ls.peak_memory);
		fixture_stop(&f);
		free(fs);
	}
}

/* --- the delays: a request and its response take at least the rtt plus
 * the jitter both ways (and the think time and the transfer) */

static const struct {
	double rtt_ms;
	struct al_dist jitter;       /* ns */
	double think_ms;
	int64_t bw;
	double min_ms;               /* the least request -> last byte */
} delay_cases[] = {
	{100, AL_DIST_FIXED_AT(0), 0, 0, 100},
	{101, AL_DIST_FIXED_AT(10e6), 0, 0, 121},
	{0, {AL_DIST_UNIFORM, 20e6, 30e6}, 0, 0, 40},
	{150, AL_DIST_FIXED_AT(0), 20, 10000000, 171},   /* the seed's page */
};

static void test_delay(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof delay_cases / sizeof delay_cases[0]; k++) {
		struct al_scenario sc;
		struct fixture f;
		struct fetch fs[3];
		double ms;

		scenario(&sc);
		sc.network.rtt_ns = (int64_t)(delay_cases[k].rtt_ms * MS);
		sc.network.jitter = delay_cases[k].jitter;
		sc.network.bandwidth_bps = delay_cases[k].bw;
		sc.server.think = AL_DIST_FIXED_AT(delay_cases[k].think_ms * MS);
		sc.server.page_size = AL_DIST_FIXED_AT(1256);
		fixture_start(&f, &sc, 0);
		for (int i = 0; i < 3; i++) {
			fetch_all(net_link_port(f.link), &fs[i], 1, i);
			check_pages(&sc, &fs[i], 1);
			ms = fs[i].t_end - fs[i].t0;
			if (ms < delay_cases[k].min_ms || ms > delay_cases[k].min_ms + 2000)
				fail_msg("case %zu: %.1f ms, want at least %.1f", k, ms,
					 delay_cases[k].min_ms);
			assert_true(fs[i].t_first - fs[i].t0 >= delay_cases[k].min_ms - 1.1);
		}
		printf("  link delay rtt %.0f ms: a page in %.1f ms (at least %.1f)\n",
		       delay_cases[k].rtt_ms, ms, delay_cases[k].min_ms);
		fixture_stop(&f);
	}
}

/* --- the link is shared: K responses of L bytes started together end
 * no earlier than K·L·8/B, and (fairness, not FIFO) the first of them no
 * earlier than (K-1)·L·8/B, less a tenth of one response's time: the K
 * responses start within a millisecond or so of each other, not at once
 * (more under the sanitizers), and a response alone on the link meanwhile
 * gets ahead.  One response takes 25 ms or more, so the slack is small
 * next to what FIFO would give (the first after one response's time). */

static const struct {
	int k;
	int64_t body;
	int64_t bw;
} share_cases[] = {
	{1, 50000, 8000000},
	{4, 25000, 8000000},
	{8, 50000, 16000000},
};

static void test_bandwidth_shared(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof share_cases / sizeof share_cases[0]; c++) {
		struct al_scenario sc;
		struct fixture f;
		struct fetch fs[8];
		int k = share_cases[c].k;
		char head[128];
		int64_t len = al_http_header(head, sizeof head, share_cases[c].body) +
			      share_cases[c].body;
		double one = (double)len * 8e3 / (double)share_cases[c].bw;  /* ms */
		double first, last;

		scenario(&sc);
		sc.network.bandwidth_bps = share_cases[c].bw;
		sc.server.page_size = AL_DIST_FIXED_AT(share_cases[c].body);
		fixture_start(&f, &sc, 0);
		fetch_all(net_link_port(f.link), fs, k, 0);
		check_pages(&sc, fs, k);
		last = last_end(fs, k, &first);
		printf("  link %d x %lld bytes at %lld bit/s: first %.1f ms, last %.1f ms "
		       "(fluid %.1f ms)\n", k, (long long)len, (long long)share_cases[c].bw,
		       first, last, k * one);
		assert_true(last >= k * one - 0.5);
		assert_true(first >= (k - 1) * one - (0.1 * one > 0.5 ? 0.1 * one : 0.5));
		assert_true(last < k * one + 2000);
		fixture_stop(&f);
		assert_true(f.ls.peak_streaming >= 1);
	}
}

/* --- loss: segments are lost and sent again after the RTO, bytes intact */

static void test_loss(void **state)
{
	static const int64_t bws[] = {0, 100000000};

	(void)state;
	for (size_t k = 0; k < sizeof bws / sizeof bws[0]; k++) {
		struct al_scenario sc;
		struct fixture f;
		struct fetch fs[20];

		scenario(&sc);
		sc.network.loss = 0.3;
		sc.network.rto_ns = (int64_t)(10 * MS);
		sc.network.bandwidth_bps = bws[k];
		sc.server.page_size = (struct al_dist){AL_DIST_UNIFORM, 2000, 6000};
		fixture_start(&f, &sc, 0);
		fetch_all(net_link_port(f.link), fs, 20, 0);
		check_pages(&sc, fs, 20);
		wait_open(&f, 0);
		printf("  link loss 30%%, bandwidth %lld: %lld segments, %lld lost, "
		       "%lld SYNs lost, last page at %.1f ms\n", (long long)bws[k],
		       (long long)f.ls.segments, (long long)f.ls.lost,
		       (long long)f.ls.syn_lost, last_end(fs, 20, NULL));
		assert_true(f.ls.lost > 0);
		assert_true(f.ls.segments >= 20 * 2);
		/* the very losses the simulator draws for these pages: keyed by
		 * (page, SYN try) and (page, segment, try) */
		int64_t want_lost = 0, want_syn = 0;
		for (int64_t p = 0; p < 20; p++) {
			struct al_rng r;
			int64_t think, len;
			char head[128];
			al_page_draw(sc.seed, &sc.server, p, &think, &len);
			int64_t total = al_http_header(head, sizeof head, len) + len;
			for (uint64_t t = 0;; t++, want_syn++) {
				al_page_rng(&r, sc.seed, p, AL_DRAW_SYN_LOSS, t);
				if (!(al_rng_unit(&r) < sc.network.loss))
					break;
			}
			for (int64_t j = 0; j * NET_LINK_MSS < total; j++)
				for (uint64_t t = 0;; t++, want_lost++) {
					al_page_rng(&r, sc.seed, p, AL_DRAW_SEG_LOSS, (uint64_t)j * 32 + t);
					if (!(al_rng_unit(&r) < sc.network.loss))
						break;
				}
		}
		assert_int_equal(f.ls.syn_lost, want_syn);
		assert_int_equal(f.ls.lost, want_lost);
		fixture_stop(&f);
	}
}

/* Reads until the end: the bytes, and errno of the end (0: EOF). */
static int64_t drain(int fd, int *err)
{
	char buf[8192];
	int64_t total = 0;
	ssize_t r;

	while ((r = recv(fd, buf, sizeof buf, 0)) > 0)
		total += r;
	*err = r == 0 ? 0 : errno;
	return total;
}

/* Every SYN lost (loss 100 %): seven of them, RTOs 1+2+...+64 ms, then the
 * client is reset without a byte, and the server never hears of it. */
static void test_syn_loss(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	double t0;
	int fd, err;

	(void)state;
	scenario(&sc);
	sc.network.loss = 1.0;
	sc.network.rto_ns = (int64_t)(1 * MS);
	fixture_start(&f, &sc, 0);
	t0 = now_ms();
	fd = dial(net_link_port(f.link));
	send_request(fd, 1);
	assert_int_equal(drain(fd, &err), 0);
	assert_true(now_ms() - t0 >= 127);
	assert_int_equal(err, ECONNRESET);
	close(fd);
	wait_open(&f, 0);
	assert_int_equal(f.ls.syn_lost, NET_LINK_SYN_RETRIES + 1);
	assert_int_equal(f.ls.syn_timeouts, 1);
	assert_int_equal(f.ls.resets, 1);
	fixture_stop(&f);
	assert_int_equal(f.ss.accepted, 0);
}

/* Loss 90 %, rto 1 µs: one after the other, connections fail at connect
 * (seven SYNs lost) or in the middle (a segment lost sixteen times), or
 * get through.  A failed one is reset after the bytes that crossed the
 * link, a prefix of its page; every byte written by the link is read. */
static void test_retries_exhausted(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	int64_t got = 0, whole = 0, cut = 0;

	(void)state;
	scenario(&sc);
	sc.network.loss = 0.9;
	sc.network.rto_ns = 1000;
	sc.server.page_size = AL_DIST_FIXED_AT(20000);
	fixture_start(&f, &sc, 0);
	for (int i = 0; i < 10; i++) {
		struct fetch fs;

		fetch_all(net_link_port(f.link), &fs, 1, i);
		got += fs.bytes;
		if (fs.err == 0) {
			check_pages(&sc, &fs, 1);
			whole++;
		} else {
			assert_int_equal(fs.err, ECONNRESET);
			assert_int_equal(al_http_resp_finish(&fs.r), -1);
			cut++;
		}
	}
	wait_open(&f, 0);
	printf("  link loss 90%%: %lld whole, %lld reset (%lld at connect, %lld in the "
	       "response), %lld segments lost\n", (long long)whole, (long long)cut,
	       (long long)f.ls.syn_timeouts, (long long)f.ls.data_timeouts,
	       (long long)f.ls.lost);
	assert_true(f.ls.data_timeouts > 0);
	assert_int_equal(f.ls.syn_timeouts + f.ls.data_timeouts, cut);
	assert_int_equal(f.ls.resets, cut);
	assert_int_equal(f.ls.bytes_down, got);
	fixture_stop(&f);
}

/* --- an upstream that resets after some bytes */

struct rst_upstream {
	int lfd, port;
	int64_t nbytes;
	pthread_t thread;
};

static void *rst_main(void *arg)
{
	struct rst_upstream *u = arg;
	struct linger lg = {1, 0};
	char buf[4096];
	size_t got = 0;
	int fd = accept(u->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	while (got < 4 || memcmp(buf + got - 4, "\r\n\r\n", 4) != 0) {
		ssize_t r = recv(fd, buf + got, sizeof buf - got, 0);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	memset(buf, 'x', sizeof buf);
	for (int64_t left = u->nbytes; left > 0;) {
		ssize_t r = send(fd, buf, left < (int64_t)sizeof buf ? (size_t)left : sizeof buf,
				 MSG_NOSIGNAL);

		if (r <= 0)
			break;
		left -= r;
	}
	/* A reset drops what the kernel has not sent yet: wait (2 s at most)
	 * until the link's side has acknowledged every byte, so that "the
	 * bytes, then the reset" is what the link is given. */
	for (int i = 0, q = 1; i < 2000 && ioctl(fd, SIOCOUTQ, &q) == 0 && q > 0; i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	return NULL;
}

/* A socket bound to a loopback port; listening (with a thread that serves
 * one reset) or not (connects to it are refused). */
static void upstream_open(struct rst_upstream *u, int listening, int64_t nbytes)
{
	struct sockaddr_in sin = loopback(0);
	socklen_t len = sizeof sin;

	memset(u, 0, sizeof *u);
	u->nbytes = nbytes;
	u->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(u->lfd >= 0);
	assert_int_equal(bind(u->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(u->lfd, (struct sockaddr *)&sin, &len), 0);
	u->port = ntohs(sin.sin_port);
	if (listening) {
		assert_int_equal(listen(u->lfd, 16), 0);
		assert_int_equal(pthread_create(&u->thread, NULL, rst_main, u), 0);
	}
}

static void test_server_reset(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	struct rst_upstream u;
	double t0, ms;
	int fd, err;

	(void)state;
	upstream_open(&u, 1, 20000);
	scenario(&sc);
	sc.network.rtt_ns = (int64_t)(50 * MS);
	sc.network.bandwidth_bps = 8000000;          /* 20 ms for the bytes */
	fixture_start(&f, &sc, u.port);
	t0 = now_ms();
	fd = dial(net_link_port(f.link));
	send_request(fd, 1);
	assert_int_equal(drain(fd, &err), 20000);    /* every byte, then ... */
	ms = now_ms() - t0;
	assert_int_equal(err, ECONNRESET);           /* ... the reset */
	assert_true(ms >= 70);
	close(fd);
	assert_int_equal(pthread_join(u.thread, NULL), 0);
	close(u.lfd);
	wait_open(&f, 0);
	assert_int_equal(f.ls.resets, 1);
	assert_int_equal(f.ls.bytes_down, 20000);
	fixture_stop(&f);
}

/* The upstream refuses: the client is reset without a byte, one rtt
 * after the (instant) connect, as the simulator's ECONNREFUSED comes. */
static void test_refused(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	struct rst_upstream u;
	double t0;
	int fd, err;

	(void)state;
	upstream_open(&u, 0, 0);
	scenario(&sc);
	sc.network.rtt_ns = (int64_t)(60 * MS);
	fixture_start(&f, &sc, u.port);
	t0 = now_ms();
	fd = dial(net_link_port(f.link));
	send_request(fd, 1);
	assert_int_equal(drain(fd, &err), 0);
	assert_true(now_ms() - t0 >= 60);
	assert_int_equal(err, ECONNRESET);
	close(fd);
	wait_open(&f, 0);
	assert_int_equal(f.ls.refused, 1);
	assert_int_equal(f.ls.resets, 1);
	fixture_stop(&f);
	close(u.lfd);
}

/* --- a client that closes early frees its connection at once */

enum { BEFORE_REQUEST, SERVER_THINKING, MID_RESPONSE };

static void test_client_closes(void **state)
{
	static const int phases[] = {BEFORE_REQUEST, SERVER_THINKING, MID_RESPONSE};

	(void)state;
	for (size_t k = 0; k < sizeof phases / sizeof phases[0]; k++) {
		struct al_scenario sc;
		struct fixture f;
		char buf[1000];
		int fd;

		scenario(&sc);
		sc.network.rtt_ns = (int64_t)(10 * MS);
		sc.network.bandwidth_bps = 1000000;      /* 100 KB: 0.8 s */
		sc.server.page_size = AL_DIST_FIXED_AT(100000);
		if (phases[k] == SERVER_THINKING)
			sc.server.think = AL_DIST_FIXED_AT(5000 * MS);
		fixture_start(&f, &sc, 0);
		fd = dial(net_link_port(f.link));
		if (phases[k] != BEFORE_REQUEST)
			send_request(fd, 1);
		if (phases[k] == SERVER_THINKING)
			sleep_ms(30);                    /* the request is at the server */
		if (phases[k] == MID_RESPONSE)
			assert_int_equal(recv(fd, buf, sizeof buf, MSG_WAITALL), (ssize_t)sizeof buf);
		wait_open(&f, 1);
		if (phases[k] == SERVER_THINKING) {  /* nothing held: the struct */
			printf("  link one connection, nothing buffered: %lld bytes\n",
			       (long long)f.ls.memory);
			assert_int_equal(f.ls.held, 0);
			assert_true(f.ls.memory > 0 && f.ls.memory <= 1024);
		}
		close(fd);
		wait_open(&f, 0);
		assert_int_equal(f.ls.aborted, 1);
		if (phases[k] == MID_RESPONSE)
			assert_true(f.ls.bytes_down < 100000);
		fixture_stop(&f);
	}
}

/* --- net_link_free with connections in every state: no fd, no byte leaks
 * (make asan checks the memory) */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_free_open(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	int fds[30], before = count_fds();

	(void)state;
	scenario(&sc);
	sc.network.rtt_ns = (int64_t)(400 * MS);
	sc.network.bandwidth_bps = 1000000;
	sc.server.page_size = AL_DIST_FIXED_AT(200000);
	fixture_start(&f, &sc, 0);
	for (int i = 0; i < 20; i++) {               /* streaming by the end */
		fds[i] = dial(net_link_port(f.link));
		send_request(fds[i], i);
	}
	sleep_ms(450);
	for (int i = 20; i < 30; i++) {              /* requests on their way */
		fds[i] = dial(net_link_port(f.link));
		send_request(fds[i], i);
	}
	wait_open(&f, 30);
	fixture_pause(&f);
	assert_true(f.ls.held > 0);
	assert_true(f.ls.peak_streaming > 1);
	fixture_free(&f);
	for (int i = 0; i < 30; i++)
		close(fds[i]);
	assert_int_equal(count_fds(), before);
}

static void test_errors(void **state)
{
	struct al_scenario sc;
	struct event_base *base = event_base_new();
	struct sockaddr_in up = loopback(1);
	struct net_link *a;

	(void)state;
	scenario(&sc);
	assert_non_null(base);
	a = net_link_new(base, &sc, &up, 0);
	assert_non_null(a);
	errno = 0;
	assert_null(net_link_new(base, &sc, &up, net_link_port(a)));
	assert_int_equal(errno, EADDRINUSE);
	assert_null(net_link_new(base, &sc, &up, 70000));
	assert_int_equal(errno, EINVAL);
	assert_null(net_link_new(NULL, &sc, &up, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(net_link_new(base, &sc, NULL, 0));
	assert_int_equal(errno, EINVAL);
	sc.network.loss = 1.5;
	assert_null(net_link_new(base, &sc, &up, 0));
	assert_int_equal(errno, EINVAL);
	sc.network.loss = 0;
	sc.network.bandwidth_bps = -1;
	assert_null(net_link_new(base, &sc, &up, 0));
	assert_int_equal(errno, EINVAL);
	sc.network.bandwidth_bps = 0;
	up.sin_family = AF_UNIX;
	assert_null(net_link_new(base, &sc, &up, 0));
	assert_int_equal(errno, EINVAL);
	net_link_free(a);
	net_link_free(NULL);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_bandwidth_shared),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_syn_loss),
		cmocka_unit_test(test_retries_exhausted),
		cmocka_unit_test(test_server_reset),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_client_closes),
		cmocka_unit_test(test_free_open),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
