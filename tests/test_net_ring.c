/* The real os's ring (net/net_ring.c) against the kernel's io_uring, on
 * loopback: what liburing is handed.  This binary defines
 * io_uring_submit and io_uring_submit_and_wait itself; net_ring.o links
 * to these, which note every SQE handed to the kernel (and each linked
 * timeout's timespec as the kernel reads it, at submission) before
 * calling liburing's own -- and can make one submit short, as the kernel
 * does when an SQE it refuses ends the batch.  Skips where io_uring is
 * refused (say why). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <liburing.h>

#include "core/al_scenario.h"
#include "net/net_os.h"

#define MS INT64_C(1000000)
#define SEEN_MAX 64

/* --- the submit wrappers */
struct seen {
	uint8_t opcode, flags;
	int64_t ts_ns;               /* a link timeout's, as the kernel reads it */
};
static struct seen seen[SEEN_MAX];
static int nseen;
static unsigned leave;               /* the next submit leaves this many queued */

static void note(struct io_uring *ring, unsigned from, unsigned to)
{
	for (unsigned i = from; i != to && nseen < SEEN_MAX; i++) {
		const struct io_uring_sqe *e = &ring->sq.sqes[i & ring->sq.ring_mask];
		struct seen *s = &seen[nseen++];
		*s = (struct seen){.opcode = e->opcode, .flags = e->flags, .ts_ns = -1};
		if (e->opcode == IORING_OP_LINK_TIMEOUT) {
			const struct __kernel_timespec *ts = (const void *)(uintptr_t)e->addr;
			s->ts_ns = ts->tv_sec * 1000000000 + ts->tv_nsec;
		}
	}
}

static void *real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "test_net_ring: no %s in liburing\n", name);
		abort();
	}
	return f;
}

int io_uring_submit(struct io_uring *ring)
{
	int (*f)(struct io_uring *);
	void *p = real("io_uring_submit");
	unsigned tail = ring->sq.sqe_tail;

	memcpy(&f, &p, sizeof f);
	/* liburing hands the kernel the SQEs up to sqe_tail: a lower one
	 * for this call keeps the rest queued, as a short submit does */
	if (leave > 0 && leave <= tail - ring->sq.sqe_head)
		ring->sq.sqe_tail = tail - leave;
	leave = 0;
	note(ring, ring->sq.sqe_head, ring->sq.sqe_tail);
	int rc = f(ring);
	ring->sq.sqe_tail = tail;
	return rc;
}

int io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)
{
	int (*f)(struct io_uring *, unsigned);
	void *p = real("io_uring_submit_and_wait");

	memcpy(&f, &p, sizeof f);
	note(ring, ring->sq.sqe_head, ring->sq.sqe_tail);
	return f(ring, wait_nr);
}

/* --- the os */
static struct al_scenario sc;
static struct al_loop loop;
static struct net_os n;
static struct al_os *os;
static int lfd = -1;                 /* a listener nobody accepts from */
static int ring = -1;

static int setup(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;

	(void)state;
	al_scenario_default(&sc);
	sc.workload.timeout_ns = 0;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	al_loop_init(&loop, NULL);
	if (net_os_init(&n, &sc, &loop, &a, 1) != 0)
		return -1;
	os = &n.os;
	nseen = 0;
	leave = 0;
	ring = -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (ring >= 0)
		os->ops->ring_close(os, ring);
	net_os_free(&n);
	close(lfd);
	return 0;
}

/* A ring of `entries`, or the test skips saying why. */
static void open_ring(int entries)
{
	int64_t r = os->ops->ring_open(os, entries);

	if (r < 0) {
		printf("skip (host) io_uring refused: %s\n", strerror((int)-r));
		skip();
	}
	ring = (int)r;
}

/* A connected socket of the os whose page timeout is t ns (0: none). */
static int connected(int64_t t)
{
	sc.workload.timeout_ns = t;
	int fd = (int)os->ops->socket(os, 0);
	assert_true(fd >= 0);
	assert_int_equal(os->ops->connect(os, fd, 0, NULL), 0);
	sc.workload.timeout_ns = 0;
	return fd;
}

static void queue(int code, int fd, int64_t page, void *buf, size_t len, void *data)
{
	struct al_ring_op op = {.code = code, .fd = fd, .page = page, .buf = buf,
				.len = len, .data = data};
	assert_int_equal(os->ops->ring_queue(os, ring, &op), 0);
}

/* A short submit keeps the linked timeouts of what it left queued: a
 * later op's timeout must not take their timespec. */
static void test_short_submit_keeps_timeouts(void **state)
{
	static char buf[2][16];
	static int tag[8];

	(void)state;
	open_ring(4);
	int x = (int)os->ops->socket(os, 0), y = (int)os->ops->socket(os, 0);
	int a = connected(50 * MS), c = connected(60000 * MS);
	assert_true(x >= 0 && y >= 0);
	/* two closes (no timeout), a's recv + its timeout: the SQ is full */
	queue(AL_RING_CLOSE, x, 0, NULL, 0, &tag[0]);
	queue(AL_RING_CLOSE, y, 0, NULL, 0, &tag[1]);
	queue(AL_RING_RECV, a, 0, buf[0], sizeof buf[0], &tag[2]);
	/* c's recv makes room: the kernel takes the two closes only */
	leave = 2;
	queue(AL_RING_RECV, c, 0, buf[1], sizeof buf[1], &tag[3]);
	assert_int_equal(nseen, 2);
	/* the SQ is full again and the kernel takes nothing: no room */
	leave = 4;
	struct al_ring_op op = {.code = AL_RING_CLOSE, .fd = x, .data = &tag[4]};
	assert_int_equal(os->ops->ring_queue(os, ring, &op), -EBUSY);
	struct al_ring_cqe none[1];
	assert_int_equal(os->ops->ring_enter(os, ring, none, 0, NULL), -EINVAL);
	/* an enter submits the rest: a's timeout is still a's */
	struct al_ring_cqe out[8];
	assert_true(os->ops->ring_enter(os, ring, out, 8, NULL) >= 0);
	assert_int_equal(nseen, 6);
	assert_int_equal(seen[2].opcode, IORING_OP_RECV);
	assert_true(seen[2].flags & IOSQE_IO_LINK);
	assert_int_equal(seen[3].opcode, IORING_OP_LINK_TIMEOUT);
	assert_true(seen[3].ts_ns > 0 && seen[3].ts_ns <= 50 * MS);
	assert_int_equal(seen[5].opcode, IORING_OP_LINK_TIMEOUT);
	assert_true(seen[5].ts_ns > 50 * MS);
	os->ops->close(os, a);
	os->ops->close(os, c);
}

/* The k-th test's page: its port (1024 + page) below the kernel's
 * ephemeral ports, and one per process, to clash with nobody's. */
static int64_t free_page(int k)
{
	return 20000 + getpid() % 3000 + 3000 * k;
}

/* A connect from its page's port keeps its address for a retry: a ring
 * closed while it is in flight frees that (LeakSanitizer, `make asan`,
 * sees the leak otherwise). */
static void test_close_frees_bound_connects(void **state)
{
	static int tag;
	struct sockaddr_in a;
	socklen_t len = sizeof a;

	(void)state;
	open_ring(4);
	n.page_ports = 1;
	int64_t page = free_page(0);
	int fd = (int)os->ops->socket(os, 0);
	assert_true(fd >= 0);
	queue(AL_RING_CONNECT, fd, page, NULL, 0, &tag);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(ntohs(a.sin_port), 1024 + page);     /* it was bound */
	/* closed before an enter: loopback would complete it at once */
	assert_int_equal(os->ops->ring_close(os, ring), 0);
	ring = -1;
	os->ops->close(os, fd);
}

/* Enters (without waiting) until tag's completion is there: its res. */
static int64_t until_done(void *tag)
{
	struct al_ring_cqe out[8];

	for (int i = 0; i < 5000; i++) {
		int64_t got = os->ops->ring_enter(os, ring, out, 8, NULL);
		assert_true(got >= 0);
		for (int k = 0; k < got; k++)
			if (out[k].data == tag)
				return out[k].res;
		usleep(1000);
	}
	fail_msg("no completion for the op in 5000 enters");
	return 0;
}

/* A socket of the os (page timeout t) whose connect from page's port
 * finds that 4-tuple in use (a connection the os made before, still
 * open: *busy), so the kernel says EADDRNOTAVAIL and the ring tries again
 * unbound. */
static int clashing(int64_t page, int64_t t, int *busy)
{
	n.page_ports = 1;
	*busy = (int)os->ops->socket(os, 0);
	assert_true(*busy >= 0);
	assert_int_equal(os->ops->connect(os, *busy, page, NULL), 0);
	sc.workload.timeout_ns = t;
	int fd = (int)os->ops->socket(os, 0);
	sc.workload.timeout_ns = 0;
	assert_true(fd >= 0);
	return fd;
}

/* The retry after EADDRNOTAVAIL keeps the page's timeout (as net_connect
 * does): it goes to the kernel linked to a timeout of what is left. */
static void test_retry_keeps_the_timeout(void **state)
{
	static int tag;
	int busy;

	(void)state;
	open_ring(8);
	int64_t page = free_page(1);
	int fd = clashing(page, 60000 * MS, &busy);
	queue(AL_RING_CONNECT, fd, page, NULL, 0, &tag);
	assert_int_equal(until_done(&tag), 0);
	/* the first try, then the retry: each a connect + its timeout */
	assert_int_equal(nseen, 4);
	for (int i = 0; i < 4; i += 2) {
		assert_int_equal(seen[i].opcode, IORING_OP_CONNECT);
		assert_true(seen[i].flags & IOSQE_IO_LINK);
		assert_int_equal(seen[i + 1].opcode, IORING_OP_LINK_TIMEOUT);
		assert_true(seen[i + 1].ts_ns > 0 && seen[i + 1].ts_ns <= 60000 * MS);
	}
	assert_true(seen[3].ts_ns <= seen[1].ts_ns);
	os->ops->close(os, fd);
	os->ops->close(os, busy);
}

/* ... and a page whose time is up by then ends -ETIMEDOUT, not retried. */
static void test_retry_after_the_timeout(void **state)
{
	static int tag;
	int busy;

	(void)state;
	open_ring(8);
	int64_t page = free_page(2);
	int fd = clashing(page, 20 * MS, &busy);
	queue(AL_RING_CONNECT, fd, page, NULL, 0, &tag);
	usleep(40000);                       /* the page's 20 ms pass */
	assert_int_equal(until_done(&tag), -ETIMEDOUT);
	assert_int_equal(nseen, 2);          /* the first try only */
	os->ops->close(os, fd);
	os->ops->close(os, busy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_short_submit_keeps_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_frees_bound_connects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_keeps_the_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_the_timeout, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
