/* The origin server, in process: each test starts a server on an ephemeral
 * 127.0.0.1 port with its event loop in a thread, talks to it through plain
 * blocking sockets, then stops the loop (a byte on a pipe) and checks the
 * counters.  Every socket has a receive timeout and every wait a deadline,
 * so a broken server fails a test instead of hanging it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/al_http.h"
#include "core/al_scenario.h"
#include "net/net_server.h"

#define SEED 42
#define RECV_TIMEOUT_S 20

struct fixture {
	struct event_base *base;
	struct net_server *srv;
	struct event *stop_ev;
	int stop[2];                 /* a byte on stop[1] ends the loop */
	pthread_t thread;
	struct al_scenario sc;
	struct net_server_stats st;  /* after fixture_stop */
};

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void *loop_main(void *arg)
{
	struct fixture *f = arg;

	event_base_dispatch(f->base);
	return NULL;
}

/* Small pages of varied sizes, no think time: the defaults of the tests. */
static void scenario(struct al_scenario *sc)
{
	al_scenario_default(sc);
	sc->seed = SEED;
	sc->server.think = AL_DIST_FIXED_AT(0);
	sc->server.page_size = (struct al_dist){AL_DIST_UNIFORM, 100, 200000};
	sc->server.max_concurrent = 0;
}

/* The next fixture's head timeout, ms (0: the server's default). */
static int next_head_ms;

static void fixture_start(struct fixture *f, const struct al_scenario *sc)
{
	memset(f, 0, sizeof *f);
	f->sc = *sc;
	f->base = event_base_new();
	assert_non_null(f->base);
	f->srv = net_server_new(f->base, sc, 0);
	assert_non_null(f->srv);
	if (next_head_ms > 0)
		net_server_set_head_timeout(f->srv, next_head_ms);
	next_head_ms = 0;
	assert_true(net_server_port(f->srv) > 0);
	assert_int_equal(pipe(f->stop), 0);
	f->stop_ev = event_new(f->base, f->stop[0], EV_READ, on_stop, f->base);
	assert_non_null(f->stop_ev);
	assert_int_equal(event_add(f->stop_ev, NULL), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, loop_main, f), 0);
}

static void fixture_stop(struct fixture *f)
{
	assert_int_equal(write(f->stop[1], "x", 1), 1);
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	net_server_stats(f->srv, &f->st);
	net_server_free(f->srv);
	event_free(f->stop_ev);
	event_base_free(f->base);
	close(f->stop[0]);
	close(f->stop[1]);
}

static int dial(int port)
{
	struct sockaddr_in sin;
	struct timeval tv = {RECV_TIMEOUT_S, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

static void send_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);

		assert_true(r > 0);
		buf += r;
		n -= (size_t)r;
	}
}

/* Reads to end of stream into r (and the raw bytes into *raw when raw is
 * not NULL; the caller frees them).  Returns the bytes read. */
static size_t read_resp(int fd, struct al_http_resp *r, char **raw)
{
	char buf[65536];
	size_t total = 0, cap = 0;
	ssize_t n;

	al_http_resp_init(r);
	if (raw)
		*raw = NULL;
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		assert_int_equal(al_http_resp_feed(r, buf, (size_t)n), 0);
		if (raw) {
			if (total + (size_t)n > cap) {
				cap = (total + (size_t)n) * 2;
				*raw = realloc(*raw, cap);
				assert_non_null(*raw);
			}
			memcpy(*raw + total, buf, (size_t)n);
		}
		total += (size_t)n;
	}
	assert_int_equal(n, 0);      /* EOF, not a timeout or a reset */
	return total;
}

/* GET /page: a verified 200 with the length the server promises. */
static void check_page(const struct fixture *f, int64_t page, char **raw)
{
	char req[128];
	struct al_http_resp r;
	int64_t think, len;
	int fd = dial(net_server_port(f->srv));

	send_all(fd, req, (size_t)al_http_request(req, sizeof req, "t", page));
	read_resp(fd, &r, raw);
	close(fd);
	net_server_page(&f->sc, page, &think, &len);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.content_length, len);
	assert_int_equal(al_http_resp_finish(&r), 0);
	assert_true(r.sum == al_page_sum(f->sc.seed, page, len));
}

static int status_of(const struct fixture *f, const char *req, size_t n,
		     int half_close)
{
	struct al_http_resp r;
	int fd = dial(net_server_port(f->srv));

	send_all(fd, req, n);
	if (half_close)
		shutdown(fd, SHUT_WR);
	read_resp(fd, &r, NULL);
	close(fd);
	return r.status;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_page_draws(void **state)
{
	struct al_scenario sc;
	int64_t t1, l1, t2, l2, differ = 0;

	(void)state;
	scenario(&sc);
	for (int64_t p = 0; p < 50; p++) {
		net_server_page(&sc, p, &t1, &l1);
		net_server_page(&sc, p, &t2, &l2);
		assert_true(t1 == t2 && l1 == l2);
		assert_true(l1 >= 100 && l1 <= 200000);
		net_server_page(&sc, p + 1, &t2, &l2);
		differ += l1 != l2;
	}
	assert_true(differ > 40);
	sc.server.page_size = AL_DIST_FIXED_AT(1e12);
	net_server_page(&sc, 3, &t1, &l1);
	assert_int_equal(l1, NET_SERVER_MAX_PAGE);
}

static void test_pages(void **state)
{
	struct al_scenario sc;
	struct fixture f;

	(void)state;
	scenario(&sc);
	fixture_start(&f, &sc);
	check_page(&f, 0, NULL);
	check_page(&f, 7, NULL);
	check_page(&f, 123456789, NULL);
	fixture_stop(&f);
	assert_int_equal(f.st.served, 3);
	assert_int_equal(f.st.accepted, 3);
	assert_int_equal(f.st.open, 0);
}

/* 8 MiB: many partial sends, the rest regenerated each time. */
static void test_large_page(void **state)
{
	struct al_scenario sc;
	struct fixture f;

	(void)state;
	scenario(&sc);
	sc.server.page_size = AL_DIST_FIXED_AT(8 << 20);
	fixture_start(&f, &sc);
	check_page(&f, 2, NULL);
	fixture_stop(&f);
	assert_true(f.st.bytes > 8 << 20);
}

static void test_same_page_twice(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	char *a, *b;
	int64_t think, len;

	(void)state;
	scenario(&sc);
	fixture_start(&f, &sc);
	check_page(&f, 5, &a);
	check_page(&f, 6, &b);   /* something else in between */
	free(b);
	check_page(&f, 5, &b);
	net_server_page(&sc, 5, &think, &len);
	assert_memory_equal(a, b, (size_t)len);
	free(a);
	free(b);
	fixture_stop(&f);
}

static const struct {
	const char *req;
	int status;
} bad_cases[] = {
	{"BLAH\r\n\r\n", 400},
	{"GET /\r\n\r\n", 400},                       /* HTTP/0.9 */
	{"GET / HTTP/1.0 extra\r\n\r\n", 400},
	{"GET  / HTTP/1.0\r\n\r\n", 400},
	{"GET / HTTP/2.0\r\n\r\n", 400},
	{"POST / HTTP/1.0\r\n\r\n", 400},
	{"GET http://127.0.0.1/ HTTP/1.0\r\n\r\n", 400},
	{"GET / HTTP/1.0\r\nNoColon\r\n\r\n", 400},
	{"GET / HTTP/1.0\r\n folded: x\r\n\r\n", 400},
	{"GET /\x01 HTTP/1.0\r\n\r\n", 400},
	{"GET /abc HTTP/1.0\r\n\r\n", 404},
	{"GET /07 HTTP/1.0\r\n\r\n", 404},
	{"GET /1a HTTP/1.0\r\n\r\n", 404},
	{"GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n", 404},
	{"GET /99999999999999999999 HTTP/1.0\r\n\r\n", 404},
	{"GET /0 HTTP/1.1\r\nHost: x\r\nUser-Agent: y\r\n\r\n", 200},
	{"\r\nGET /4 HTTP/1.0\n\n", 200},             /* bare LF, leading CRLF */
};

static void test_bad_requests(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	char big[NET_SERVER_HEAD_MAX + 100];
	int n400 = 0, n404 = 0;

	(void)state;
	scenario(&sc);
	fixture_start(&f, &sc);
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		int st = status_of(&f, bad_cases[i].req,
				   strlen(bad_cases[i].req), 0);

		if (st != bad_cases[i].status)
			fail_msg("case %zu: got %d, want %d", i, st,
				 bad_cases[i].status);
		n400 += st == 400;
		n404 += st == 404;
	}
	/* a head over the limit, then an unfinished head */
	memset(big, 'a', sizeof big);
	memcpy(big, "GET / HTTP/1.0\r\nX: ", 19);
	assert_int_equal(status_of(&f, big, sizeof big, 0), 400);
	assert_int_equal(status_of(&f, "GET / HTTP/1.0\r\n", 16, 1), 400);
	fixture_stop(&f);
	assert_int_equal(f.st.bad_requests, n400 + 2);
	assert_int_equal(f.st.not_found, n404);
}

static void test_one_byte_pieces(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	struct al_http_resp r;
	char req[128];
	int64_t think, len;
	int fd, n;

	(void)state;
	scenario(&sc);
	fixture_start(&f, &sc);
	n = al_http_request(req, sizeof req, "example.com", 3);
	fd = dial(net_server_port(f.srv));
	for (int i = 0; i < n; i++) {
		struct timespec ms = {0, 1000000};

		send_all(fd, req + i, 1);
		nanosleep(&ms, NULL);
	}
	read_resp(fd, &r, NULL);
	close(fd);
	net_server_page(&sc, 3, &think, &len);
	assert_int_equal(al_http_resp_finish(&r), 0);
	assert_true(r.sum == al_page_sum(SEED, 3, len));
	fixture_stop(&f);
}

#define NCONC 200

/* NCONC connections, all requests sent before any response is read. */
static void test_concurrent(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	struct pollfd *pfd = calloc(NCONC, sizeof *pfd);
	struct al_http_resp *r = calloc(NCONC, sizeof *r);
	char req[128], buf[65536];
	int left = NCONC;
	double deadline;

	(void)state;
	assert_true(pfd && r);
	scenario(&sc);
	sc.server.think = AL_DIST_FIXED_AT(5e6);  /* 5 ms: all overlap */
	fixture_start(&f, &sc);
	for (int i = 0; i < NCONC; i++) {
		pfd[i].fd = dial(net_server_port(f.srv));
		pfd[i].events = POLLIN;
		al_http_resp_init(&r[i]);
		send_all(pfd[i].fd, req,
			 (size_t)al_http_request(req, sizeof req, "t", i));
	}
	deadline = now_ms() + 30000;
	while (left > 0 && now_ms() < deadline) {
		assert_true(poll(pfd, NCONC, 1000) >= 0);
		for (int i = 0; i < NCONC; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = recv(pfd[i].fd, buf, sizeof buf, 0);
			assert_true(n >= 0);
			if (n > 0) {
				assert_int_equal(al_http_resp_feed(&r[i], buf, (size_t)n), 0);
				continue;
			}
			close(pfd[i].fd);
			pfd[i].fd = -1;
			left--;
		}
	}
	assert_int_equal(left, 0);
	for (int i = 0; i < NCONC; i++) {
		int64_t think, len;

		net_server_page(&sc, i, &think, &len);
		assert_int_equal(al_http_resp_finish(&r[i]), 0);
		assert_true(r[i].sum == al_page_sum(SEED, i, len));
	}
	fixture_stop(&f);
	assert_int_equal(f.st.served, NCONC);
	assert_true(f.st.peak_open > 1);
	free(pfd);
	free(r);
}

static void test_think_time(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	double t0;

	(void)state;
	scenario(&sc);
	sc.server.think = AL_DIST_FIXED_AT(50e6);
	fixture_start(&f, &sc);
	t0 = now_ms();
	check_page(&f, 1, NULL);
	assert_true(now_ms() - t0 >= 45.0);
	fixture_stop(&f);
}

/* max_concurrent 1: three pages of 30 ms think take turns. */
static void test_max_concurrent(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	struct al_http_resp r;
	char req[128];
	int fd[3];
	double t0;

	(void)state;
	scenario(&sc);
	sc.server.think = AL_DIST_FIXED_AT(300e6);
	sc.server.max_concurrent = 1;
	fixture_start(&f, &sc);
	t0 = now_ms();
	for (int i = 0; i < 3; i++) {
		fd[i] = dial(net_server_port(f.srv));
		send_all(fd[i], req,
			 (size_t)al_http_request(req, sizeof req, "t", i));
	}
	for (int i = 0; i < 3; i++) {
		read_resp(fd[i], &r, NULL);
		close(fd[i]);
		assert_int_equal(al_http_resp_finish(&r), 0);
	}
	assert_true(now_ms() - t0 >= 850.0);
	fixture_stop(&f);
	/* all three accepted at once (the 300 ms think outlasts the dials);
	 * served one at a time */
	assert_int_equal(f.st.peak_open, 3);
	assert_int_equal(f.st.peak_busy, 1);
}

/* Slowloris: a client trickling its head holds no slot, so with
 * max_concurrent 1 the others are served while it trickles; and the head
 * has a deadline from the accept, however the bytes keep coming. */
static void test_slow_head(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	struct al_http_resp r;
	char req[128], buf[64];

	(void)state;
	scenario(&sc);
	sc.server.max_concurrent = 1;
	next_head_ms = 2000;
	fixture_start(&f, &sc);
	int slow = dial(net_server_port(f.srv));
	send_all(slow, "G", 1);
	for (int i = 0; i < 3; i++) {
		int fd = dial(net_server_port(f.srv));
		send_all(fd, req, (size_t)al_http_request(req, sizeof req, "t", i));
		read_resp(fd, &r, NULL);
		close(fd);
		assert_int_equal(al_http_resp_finish(&r), 0);
	}
	/* a byte every 200 ms, past the 2 s the head has: closed */
	int closed = 0;
	for (int i = 0; i < 50 && !closed; i++) {
		struct timespec nap = {0, 200 * 1000000L};
		nanosleep(&nap, NULL);
		ssize_t got = recv(slow, buf, sizeof buf, MSG_DONTWAIT);
		/* end of stream, or a reset: the server closed it */
		closed = got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
			 send(slow, "E", 1, MSG_NOSIGNAL) < 0;
	}
	assert_true(closed);
	close(slow);
	fixture_stop(&f);
	assert_int_equal(f.st.served, 3);
	assert_int_equal(f.st.head_timeouts, 1);
}

/* A head waiting for a slot whose client gives up leaves the FIFO: the
 * next one is served, and no slot was spent on it. */
static void test_waiting_client_leaves(void **state)
{
	struct al_scenario sc;
	struct fixture f;
	struct al_http_resp r;
	char req[128];
	int fd[3];

	(void)state;
	scenario(&sc);
	sc.server.think = AL_DIST_FIXED_AT(300e6);
	sc.server.max_concurrent = 1;
	fixture_start(&f, &sc);
	for (int i = 0; i < 3; i++) {
		fd[i] = dial(net_server_port(f.srv));
		send_all(fd[i], req, (size_t)al_http_request(req, sizeof req, "t", i));
		if (i == 0) {            /* the first in its slot before the others */
			struct timespec nap = {0, 100 * 1000000L};
			nanosleep(&nap, NULL);
		}
	}
	close(fd[1]);                /* the second gives up while it waits */
	read_resp(fd[0], &r, NULL);
	assert_int_equal(al_http_resp_finish(&r), 0);
	read_resp(fd[2], &r, NULL);
	assert_int_equal(al_http_resp_finish(&r), 0);
	close(fd[0]);
	close(fd[2]);
	fixture_stop(&f);
	assert_int_equal(f.st.served, 2);
	assert_int_equal(f.st.aborted, 1);
	assert_int_equal(f.st.peak_busy, 1);
}

static void test_port_in_use(void **state)
{
	struct al_scenario sc;
	struct event_base *base = event_base_new();
	struct net_server *a, *b;

	(void)state;
	scenario(&sc);
	assert_non_null(base);
	a = net_server_new(base, &sc, 0);
	assert_non_null(a);
	errno = 0;
	b = net_server_new(base, &sc, net_server_port(a));
	assert_null(b);
	assert_int_equal(errno, EADDRINUSE);
	assert_null(net_server_new(base, &sc, 70000));
	assert_int_equal(errno, EINVAL);
	assert_null(net_server_new(NULL, &sc, 0));
	net_server_free(a);
	net_server_free(NULL);
	event_base_free(base);
}

/* server.faults, each on every page: what a client sees of page 3. */
static void test_faults(void **state)
{
	(void)state;
	for (int kind = 1; kind < AL_FAULT_COUNT; kind++) {
		struct al_scenario sc;
		struct fixture f;
		struct al_http_resp r;
		char req[128], buf[65536];
		int64_t think, len, got = 0;
		ssize_t n;

		scenario(&sc);
		sc.server.page_size = AL_DIST_FIXED_AT(50000);
		sc.server.faults[kind] = 1;
		fixture_start(&f, &sc);
		assert_int_equal(net_server_page(&sc, 3, &think, &len), kind);
		int fd = dial(net_server_port(f.srv));
		if (kind == AL_FAULT_STALL) {
			struct timeval tv = {0, 300000};
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		}
		send_all(fd, req, (size_t)al_http_request(req, sizeof req, "t", 3));
		al_http_resp_init(&r);
		while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
			assert_int_equal(al_http_resp_feed(&r, buf, (size_t)n), 0);
			got += n;
		}
		int err = n < 0 ? errno : 0;
		close(fd);
		fixture_stop(&f);
		switch (kind) {
		case AL_FAULT_RESET:    /* half the body, then a reset */
			assert_int_equal(err, ECONNRESET);
			assert_true(r.body <= len / 2);
			break;
		case AL_FAULT_SHORT:    /* half the body, then a clean close */
			assert_int_equal(err, 0);
			assert_int_equal(r.body, len / 2);
			assert_int_equal(r.content_length, len);
			assert_int_equal(al_http_resp_finish(&r), -1);
			assert_int_equal(errno, EBADMSG);
			break;
		case AL_FAULT_CORRUPT:  /* all of it, but not the page */
			assert_int_equal(err, 0);
			assert_int_equal(r.body, len);
			assert_int_equal(al_http_resp_finish(&r), 0);
			assert_true(r.sum != al_page_sum(sc.seed, 3, len));
			break;
		case AL_FAULT_STALL:    /* nothing, until the client gives up */
			assert_int_equal(err, EAGAIN);
			assert_int_equal(got, 0);
			break;
		}
		assert_int_equal(f.st.faulted, 1);
		assert_int_equal(f.st.served, 0);
	}
}

/* The fault draws: their frequencies, and none without faults. */
static void test_fault_draws(void **state)
{
	struct al_scenario sc;
	int64_t think, len, count[AL_FAULT_COUNT] = {0};

	(void)state;
	scenario(&sc);
	for (int64_t p = 0; p < 1000; p++)
		assert_int_equal(net_server_page(&sc, p, &think, &len), AL_FAULT_NONE);
	sc.server.faults[AL_FAULT_RESET] = 0.1;
	sc.server.faults[AL_FAULT_CORRUPT] = 0.3;
	for (int64_t p = 0; p < 10000; p++)
		count[net_server_page(&sc, p, &think, &len)]++;
	assert_true(count[AL_FAULT_RESET] > 900 && count[AL_FAULT_RESET] < 1100);
	assert_true(count[AL_FAULT_CORRUPT] > 2800 && count[AL_FAULT_CORRUPT] < 3200);
	assert_int_equal(count[AL_FAULT_STALL] + count[AL_FAULT_SHORT], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_draws),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_fault_draws),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_large_page),
		cmocka_unit_test(test_same_page_twice),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_one_byte_pieces),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_think_time),
		cmocka_unit_test(test_max_concurrent),
		cmocka_unit_test(test_slow_head),
		cmocka_unit_test(test_waiting_client_leaves),
		cmocka_unit_test(test_port_in_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
