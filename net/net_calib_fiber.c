/* What a green thread's stack costs a real run (issue 11, docs/costs.md
 * "The new models' set-up"): the green model's real backend maps each
 * green thread a stack of its own with a guard page, its first run
 * faults in the pages it touches, and the stack is unmapped as the green
 * thread ends.  None of that is a switch (green_switch) or memory
 * (green_memory); this file measures its CPU (green_stack), and what an
 * unmap right after a page's end on loopback costs more
 * (green_stack_woken). */
#include "net/net_calib_int.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "core/al_fiber.h"

/* A green thread's stack, its whole life, as the green model's real run
 * has it: al_fiber_init's mapping and guard page (mmap, mprotect), the
 * pages its first run touches, al_fiber_free's munmap.  A real crawl of
 * 1,000 pages takes 2.0 page faults a green thread more than asyncio's
 * (perf stat -e page-faults): fetch()'s 4 KiB buffer and the frames
 * around it, two pages from the top; the toucher's frame does the same.
 * Made GREEN_BATCH at a time and freed after, as a crawl's green threads
 * all start before the first ends.  Its two switches (green_switch's)
 * are in it: 20 ns of several µs. */
#define GREEN_BATCH 200
#define GREEN_STACK 65536            /* the model's default `stack` */

static void toucher(void *arg)
{
	volatile char buf[6144];         /* with the frames: two pages */

	(void)arg;
	for (size_t i = 0; i < sizeof buf; i += 1024)
		buf[i] = 0;
	buf[sizeof buf - 1] = 0;
}

int net_calib_green_stack(double *out)
{
	static struct al_fiber f[GREEN_BATCH];
	int64_t t0 = 0;

	for (int round = 0; round < 3; round++) {   /* the first to warm up */
		if (round == 1)
			t0 = net_cpu_ns();
		for (int i = 0; i < GREEN_BATCH; i++)
			if (al_fiber_init(&f[i], GREEN_STACK, toucher, NULL) != 0) {
				int e = errno;
				while (i-- > 0)
					al_fiber_free(&f[i]);
				errno = e;
				return -1;
			}
		for (int i = 0; i < GREEN_BATCH; i++)
			al_fiber_resume(&f[i]);
		for (int i = 0; i < GREEN_BATCH; i++)
			al_fiber_free(&f[i]);
	}
	*out = (double)(net_cpu_ns() - t0) / (2.0 * GREEN_BATCH);
	return 0;
}

/* green_stack_woken.  A crawl's green thread ends right after its page's
 * response woke the OS thread from its selector (fetch()'s last recv and
 * close, then al_fiber_free's munmap), where green_stack's batch unmaps
 * 200 stacks back to back.  A real seed run's munmap takes 10.6-18.5 us
 * a stack on the thread's CPU clock against 4-5 in a row (docs/costs.md,
 * "The stack unmapped after a wake-up").  What comes before it in a crawl
 * is a sleep and then the page's end in the kernel: the response's recv
 * and the socket's close.  A sleep alone leaves the unmap as cold as the
 * neighbours running meanwhile made it (8.3-15 us, minute to minute); the
 * page's end before it gives 10.4-13.6 us in the same minutes, as the
 * real run's 11.3-15.2.  So: stacks made and run as above, half freed one
 * at a time each after a page's end on loopback (page_end: a connection,
 * its response, a 1 ms sleep, the response read and the socket closed;
 * untimed), the other half back to back after one untimed, as
 * green_stack's batch frees them; the difference of the two medians. */
#define WOKEN_STACKS 20
#define WOKEN_SLEEP_MS 1
#define WOKEN_REPLY 1448             /* a segment's worth of response */

/* A page's end as the crawler's last burst has it, before its green
 * thread ends: the connection made, the request sent and answered (the
 * server's side on lfd in this thread, as calibrate's other loopback
 * probes), a sleep, then the response read to its end and the socket
 * closed.  0, or -1 with errno. */
static int page_end(int lfd, const struct sockaddr_in *addr)
{
	static const char reply[WOKEN_REPLY];
	static const char request[] = "GET /0 HTTP/1.0\r\n\r\n";
	static const struct timeval second = {.tv_sec = 1};
	char buf[4096];
	ssize_t n = -1;
	int rc = -1, s = -1, e;
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (c < 0)
		return -1;
	if (connect(c, (const struct sockaddr *)addr, sizeof *addr) != 0 &&
	    errno != EINPROGRESS)
		goto out;
	/* a loaded machine may leave the handshake to ksoftirqd: a second */
	if (poll(&(struct pollfd){.fd = lfd, .events = POLLIN}, 1, 1000) != 1) {
		errno = ETIMEDOUT;
		goto out;
	}
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	/* the accepted socket blocks: its waits too given a second */
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof second) != 0 ||
	    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &second, sizeof second) != 0)
		goto out;
	if (send(c, request, sizeof request - 1, MSG_NOSIGNAL) < 0 ||
	    (n = recv(s, buf, sizeof buf, 0)) <= 0 ||
	    (n = send(s, reply, sizeof reply, MSG_NOSIGNAL)) != (ssize_t)sizeof reply) {
		if (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK)
			errno = n == 0 ? EPIPE : ETIMEDOUT;   /* closed; or a wait's end */
		goto out;
	}
	close(s);
	s = -1;
	poll(NULL, 0, WOKEN_SLEEP_MS);
	for (;;) {
		n = recv(c, buf, sizeof buf, 0);
		if (n == 0)
			break;
		if (n < 0 && errno != EAGAIN)
			goto out;
		if (n < 0 && poll(&(struct pollfd){.fd = c, .events = POLLIN}, 1, 1000) != 1) {
			errno = ETIMEDOUT;
			goto out;
		}
	}
	rc = 0;
out:
	e = errno;
	if (s >= 0)
		close(s);
	close(c);
	errno = e;
	return rc;
}

int net_calib_green_stack_woken(double *out)
{
	static struct al_fiber f[2 * WOKEN_STACKS + 1];
	double woken[WOKEN_STACKS], warm[WOKEN_STACKS];
	struct sockaddr_in addr;
	int n = 2 * WOKEN_STACKS + 1, rc = -1;
	int lfd = net_calib_listener(&addr, 16);

	if (lfd < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (al_fiber_init(&f[i], GREEN_STACK, toucher, NULL) != 0) {
			int e = errno;
			while (i-- > 0)
				al_fiber_free(&f[i]);
			close(lfd);
			errno = e;
			return -1;
		}
		al_fiber_resume(&f[i]);
	}
	int i = 0;
	for (; i < WOKEN_STACKS; i++) {
		if (page_end(lfd, &addr) != 0)
			break;
		int64_t t0 = net_cpu_ns();
		al_fiber_free(&f[i]);
		woken[i] = (double)(net_cpu_ns() - t0);
	}
	if (i == WOKEN_STACKS) {
		al_fiber_free(&f[i++]);           /* the batch's paths warm */
		for (int j = 0; j < WOKEN_STACKS; j++, i++) {
			int64_t t0 = net_cpu_ns();
			al_fiber_free(&f[i]);
			warm[j] = (double)(net_cpu_ns() - t0);
		}
		*out = net_calib_median(woken, WOKEN_STACKS) -
		       net_calib_median(warm, WOKEN_STACKS);
		rc = 0;
	}
	int e = errno;
	for (; i < n; i++)                        /* a page that failed: the rest go */
		al_fiber_free(&f[i]);
	close(lfd);
	errno = e;
	return rc;
}
