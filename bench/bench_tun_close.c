/* What a one-core crawler's close costs on the kernel-TCP path: the
 * thread's CPU clock around close() of a socket whose response it has
 * just read to the server's close, over calibrate's TUN path
 * (net_calib_emu.c: two namespaces, the packet emulator between them,
 * a 1 ms round trip).  Three ways:
 *
 *   spin, unpinned     calibrate's tun_close client: it spins between
 *                      its calls, never sleeps (net_calib_tun.c)
 *   slept, one CPU     the client blocks in poll for the response, as a
 *                      crawler does; client and emulator on one CPU
 *   slept, apart       the same with the emulator pinned to the other
 *                      CPU, as a real run of a one-core scenario pins it
 *                      (net_machine_pin_rest)
 *
 * The question (docs/real.md, "CPU busy of the 10-page loops"): the
 * one-core crawl's close takes 10-30 us where calibrate's takes 7-10:
 * is it the sleep before, or the emulator on the other CPU?  Figures,
 * not assertions; needs root (namespaces) and two CPUs, else skipped. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/al_http.h"
#include "net/net_calib_emu.h"
#include "net/net_calib_int.h"
#include "net/net_clock.h"
#include "net/net_ns.h"

#define PAGES 40
#define WARM 5

enum way { SPIN, SLEPT_ONE, SLEPT_APART, SPIN_APART, WAYS };

static const char *const names[WAYS] = {"spin, unpinned", "slept, one CPU", "slept, apart",
					"spin, apart"};
static const int spins[WAYS] = {1, 0, 0, 1}, apart[WAYS] = {-1, 0, 1, 1};

static int pin(pid_t pid, int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(pid, sizeof s, &s);
}

static int unpin(pid_t pid)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	for (int i = 0; i < 2; i++)
		CPU_SET(i, &s);
	return sched_setaffinity(pid, sizeof s, &s);
}

/* fd ready for events: spinning (poll without a timeout) or blocked */
static int wait_fd(int fd, short events, int spin)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t end = net_mono_ns() + EMU_WAIT_MS * 1000000LL;
	int r;

	do
		r = poll(&p, 1, spin ? 0 : EMU_WAIT_MS);
	while (r == 0 && net_mono_ns() < end);
	return r == 1 && !(p.revents & POLLERR) ? 0 : -1;
}

/* one page; the CPU of its socket + connect, send and close in ns[] */
static int page(const struct sockaddr_in *at, const char *req, int len, int spin, int64_t ns[3])
{
	char buf[4096];
	ssize_t r;
	int64_t t0 = net_cpu_ns();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)at, sizeof *at) != 0 && errno != EINPROGRESS)
		goto fail;
	ns[0] = net_cpu_ns() - t0;
	if (wait_fd(fd, POLLOUT, spin) != 0)
		goto fail;
	t0 = net_cpu_ns();
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		goto fail;
	ns[1] = net_cpu_ns() - t0;
	for (;;) {
		if (wait_fd(fd, POLLIN, spin) != 0)
			goto fail;
		while ((r = recv(fd, buf, sizeof buf, 0)) > 0)
			;
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			goto fail;
	}
	t0 = net_cpu_ns();
	close(fd);
	ns[2] = net_cpu_ns() - t0;
	return 0;
fail:
	close(fd);
	return -1;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* the client, in the crawler's namespace (on CPU 0 where pinned): the
 * medians of its connects, sends and closes */
static int client(int port, int spin, int pinned, int wfd)
{
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char req[256];
	int64_t v[3][PAGES], ns[3], med[3];
	int len = al_http_request(req, sizeof req, "calib", 1);

	inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
	if (len < 0 || (pinned && pin(0, 0) != 0))
		return -1;
	for (int i = 0; i < WARM + PAGES; i++) {
		if (page(&at, req, len, spin, ns) != 0)
			return -1;
		for (int k = 0; i >= WARM && k < 3; k++)
			v[k][i - WARM] = ns[k];
	}
	for (int k = 0; k < 3; k++) {
		qsort(v[k], PAGES, sizeof v[k][0], cmp);
		med[k] = v[k][PAGES / 2];
	}
	return write(wfd, med, sizeof med) == (ssize_t)sizeof med ? 0 : -1;
}

static int measure(struct emu_path *p, enum way w, int64_t q[3])
{
	int pfd[2];

	if ((apart[w] < 0 ? unpin(p->emu) : pin(p->emu, apart[w])) != 0 || pipe(pfd) != 0)
		return -1;
	pid_t cli = fork();
	if (cli == 0) {
		close(pfd[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || net_ns_enter(&p->ns, NET_NS_CLIENT) != 0)
			_exit(1);
		_exit(client(p->port[0], spins[w], apart[w] >= 0, pfd[1]) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	int rc = cli > 0 && net_calib_read_within(pfd[0], q, 3 * sizeof q[0], EMU_WAIT_MS) == 0
			 ? 0 : -1;
	close(pfd[0]);
	if (cli > 0 && net_calib_reap(cli) != 0)
		rc = -1;
	return rc;
}

int main(void)
{
	struct emu_path p;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || net_calib_path_open(&p, 1000000LL) != 0) {
		printf("bench_tun_close: skipped: %s\n",
		       sysconf(_SC_NPROCESSORS_ONLN) < 2 ? "one CPU" : "no kernel-TCP path here");
		return 0;
	}
	printf("bench_tun_close: a TUN-path client's calls on its CPU clock, the medians "
	       "of %d pages a way (1 ms round trip), µs\n", PAGES);
	for (int round = 0; round < 2; round++)
		for (int w = 0; w < WAYS; w++) {
			int64_t q[3];
			if (measure(&p, (enum way)w, q) != 0) {
				printf("  %-16s failed\n", names[w]);
				continue;
			}
			printf("  %-16s connect %5.1f  send %5.1f  close %5.1f\n", names[w],
			       (double)q[0] / 1e3, (double)q[1] / 1e3, (double)q[2] / 1e3);
		}
	net_calib_path_close(&p);
	return 0;
}
