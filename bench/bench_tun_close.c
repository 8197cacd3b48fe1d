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
 * "One CPU" and "the other" are the first two this process may use
 * (its affinity mask); "unpinned" gives the emulator the whole mask.
 *
 * The question (docs/real.md, "CPU busy of the 10-page loops"): the
 * one-core crawl's close takes 10-30 us where calibrate's takes 7-10:
 * is it the sleep before, or the emulator on the other CPU?  Figures,
 * not assertions; needs root (namespaces) and two CPUs, else skipped. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/al_http.h"
#include "net/net_calib_emu.h"
#include "net/net_ns.h"

#define PAGES 40
#define WARM 5

enum way { SPIN, SLEPT_ONE, SLEPT_APART, SPIN_APART, WAYS };

static const char *const names[WAYS] = {"spin, unpinned", "slept, one CPU", "slept, apart",
					"spin, apart"};
static const int spins[WAYS] = {1, 0, 0, 1}, apart[WAYS] = {-1, 0, 1, 1};

/* The first two CPUs this process may use (a real run's crawler and
 * emulator, apart), and the whole mask, which "unpinned" gives back. */
static int cpu[2];
static cpu_set_t all;

static int unpin(pid_t pid)
{
	return sched_setaffinity(pid, sizeof all, &all);
}

/* one page; the CPU of its socket + connect, send and close in ns[] */
static int page(const struct sockaddr_in *at, const char *req, int len, int spin, int64_t ns[3])
{
	ns[0] = ns[1] = ns[2] = 0;
	return net_calib_tun_page(at, req, len, ns, !spin);
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* the client, in the crawler's namespace (on the first CPU where
 * pinned): the medians of its connects, sends and closes */
struct client_arg {
	int port, spin, pinned;
};

static int client(void *arg, int wfd)
{
	const struct client_arg *a = arg;
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->port)};
	char req[256];
	int64_t v[3][PAGES], ns[3], med[3];
	int len = al_http_request(req, sizeof req, "calib", 1);

	inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
	if (len < 0 || (a->pinned && net_calib_pin_to(0, cpu[0]) != 0))
		return -1;
	for (int i = 0; i < WARM + PAGES; i++) {
		if (page(&at, req, len, a->spin, ns) != 0)
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
	struct client_arg a = {p->port[0], spins[w], apart[w] >= 0};

	if ((apart[w] < 0 ? unpin(p->emu) : net_calib_pin_to(p->emu, cpu[apart[w]])) != 0)
		return -1;
	return net_calib_path_client(p, client, &a, q, 3 * sizeof q[0], EMU_WAIT_MS);
}

int main(void)
{
	struct emu_path p;

	if (sched_getaffinity(0, sizeof all, &all) != 0) {
		printf("bench_tun_close: failed: sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	if (net_calib_two_cpus(cpu) != 0) {
		if (errno != ENODEV) {
			printf("bench_tun_close: failed: sched_getaffinity: %s\n", strerror(errno));
			return 1;
		}
		printf("bench_tun_close: skipped: one CPU\n");
		return 0;
	}
	if (net_calib_path_open(&p, 1000000LL) != 0) {
		printf("bench_tun_close: skipped: no kernel-TCP path here (%s)\n", strerror(errno));
		return 0;
	}
	printf("bench_tun_close: a TUN-path client's calls on its CPU clock, the medians "
	       "of %d pages a way (1 ms round trip), µs\n", PAGES);
	for (int round = 0; round < 2; round++)
		for (int w = 0; w < WAYS; w++) {
			int64_t q[3];
			if (measure(&p, (enum way)w, q) != 0) {
				printf("  %-16s failed: %s\n", names[w], strerror(errno));
				continue;
			}
			printf("  %-16s connect %5.1f  send %5.1f  close %5.1f\n", names[w],
			       (double)q[0] / 1e3, (double)q[1] / 1e3, (double)q[2] / 1e3);
		}
	net_calib_path_close(&p);
	return 0;
}
