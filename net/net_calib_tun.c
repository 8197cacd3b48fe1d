/* The crawler's side of the kernel-TCP path (tun_connection, tun_send,
 * tun_close, their busy figures, and tun_apart):
 * what its connect, close and send cost it when the far end is reached
 * through the TUN device and the packet emulator, on the path
 * net_calib_emu.c builds. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/al_http.h"
#include "net/net_calib.h"
#include "net/net_calib_emu.h"
#include "net/net_calib_int.h"
#include "net/net_ns.h"

/* On loopback (net_calib_conn.c) both ends of a connection run in the
 * caller: its connect runs the server's SYN-ACK and accept queue, its
 * send the peer's TCP input and wake-up.  On the kernel-TCP path the
 * crawler's packets go into a TUN device, and the far side's work runs
 * where the emulator writes them, in the emulator's context; what comes
 * back (the SYN-ACK, the response) the emulator's TUN write runs through
 * the crawler's TCP input, in the emulator's context too.  What the
 * crawler's call does pay is its own half, and the emulator's wake-up:
 * the emulator sleeps until a packet reaches its TUN device.
 *
 * On this VM that wake-up costs the caller about what loopback's far end
 * did (docs/costs.md, "The kernel-TCP path's connection").
 *
 * So the crawler's share is measured on that path, as a blocking crawler
 * fetches: a client in the crawler's namespace makes TUN_N connections
 * one after another over a TUN_RTT_MS round trip, each socket + connect
 * (timed), a wait for the connection, its request's send (timed), the
 * response read to the server's close (untimed), close (timed); each
 * call so finds the emulator asleep in its wait for the next packet's
 * time.  On the client's CPU clock, minus the syscalls' own cost, as the
 * loopback figures.  The first TUN_WARM connections warm the path and
 * are left out. */
#define TUN_N 50
#define TUN_WARM 10
#define TUN_RTT_MS 1

struct net_calib_emu_client net_calib_client_page(int64_t conn_ns, int64_t close_ns,
						  int64_t send_ns, int n, double base)
{
	return (struct net_calib_emu_client){
		.connection_ns = (double)(conn_ns + close_ns) / n - 3 * base,
		.close_ns = (double)close_ns / n - base, .send_ns = (double)send_ns / n - base};
}

/* Waits, within EMU_WAIT_MS, for one of events on fd: 0 or -1.  It spins
 * (poll without a timeout): a client that slept would run its next call
 * on cold caches, which the wake_* figures price apart.  slept: it
 * blocks in poll instead, as a crawler does (tun_apart). */
static int tun_wait(int fd, short events, int slept)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t end = net_mono_ns() + EMU_WAIT_MS * 1000000LL;
	int r;

	while ((r = poll(&p, 1, slept ? EMU_WAIT_MS : 0)) == 0 && net_mono_ns() < end)
		;
	return r == 1 && !(p.revents & POLLERR) ? 0 : -1;
}

int net_calib_tun_page(const struct sockaddr_in *at, const char *req, int len, int64_t t[3],
		       int slept)
{
	char buf[4096];
	ssize_t r;
	int64_t t0 = net_cpu_ns();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)at, sizeof *at) != 0 && errno != EINPROGRESS)
		goto fail;
	t[0] += net_cpu_ns() - t0;
	if (tun_wait(fd, POLLOUT, slept) != 0)
		goto fail;
	t0 = net_cpu_ns();
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		goto fail;
	t[1] += net_cpu_ns() - t0;
	for (;;) {
		if (tun_wait(fd, POLLIN, slept) != 0)
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
	t[2] += net_cpu_ns() - t0;
	return 0;
fail:
	close(fd);
	return -1;
}

int net_calib_pin_to(pid_t pid, int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(pid, sizeof s, &s);
}

int net_calib_two_cpus(int cpu[2])
{
	cpu_set_t s;
	int seen = 0;

	if (sched_getaffinity(0, sizeof s, &s) != 0)
		return -1;
	for (int i = 0; i < CPU_SETSIZE && seen < 2; i++)
		if (CPU_ISSET(i, &s))
			cpu[seen++] = i;
	if (seen < 2) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

/* The client, in the crawler's namespace (arg: the server's port): the
 * warm-up's connections, then the measured ones; its figures go up
 * wfd. */
static int tun_client(void *arg, int wfd)
{
	int port = *(const int *)arg;
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct net_calib_emu_client fig;
	int64_t t[3] = {0, 0, 0};
	char req[256];
	double base;
	int len = al_http_request(req, sizeof req, "calib", 1);

	inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
	if (len < 0)
		return -1;
	for (int i = 0; i < TUN_WARM; i++)
		if (net_calib_tun_page(&at, req, len, t, 0) != 0)
			return -1;
	t[0] = t[1] = t[2] = 0;
	if (net_calib_base_syscall(&base) != 0)
		return -1;
	for (int i = 0; i < TUN_N; i++)
		if (net_calib_tun_page(&at, req, len, t, 0) != 0)
			return -1;
	/* socket + connect + close, as `connection`, and the close's part;
	 * a send */
	fig = net_calib_client_page(t[0], t[2], t[1], TUN_N, base);
	return write(wfd, &fig, sizeof fig) == (ssize_t)sizeof fig ? 0 : -1;
}

/* One repetition: the path, the client's two figures. */
static int tun_measure(struct net_calib_emu_client *out)
{
	struct emu_path p;
	int rc, e;

	if (net_calib_path_open(&p, TUN_RTT_MS * 1000000LL) != 0)
		return -1;
	rc = net_calib_path_client(&p, tun_client, &p.port[0], out, sizeof *out, EMU_WAIT_MS);
	e = errno;
	net_calib_path_close(&p);
	errno = e;
	return rc;
}

int net_calib_tun_connection(double *out)
{
	struct net_calib_emu_client f;

	if (tun_measure(&f) != 0)
		return -1;
	*out = f.connection_ns < 1 ? 1 : f.connection_ns;
	return 0;
}

int net_calib_tun_send(double *out)
{
	struct net_calib_emu_client f;

	if (tun_measure(&f) != 0)
		return -1;
	*out = f.send_ns < 1 ? 1 : f.send_ns;
	return 0;
}

int net_calib_tun_close(double *out)
{
	struct net_calib_emu_client f;

	if (tun_measure(&f) != 0)
		return -1;
	*out = f.close_ns < 1 ? 1 : f.close_ns;
	return 0;
}

/* tun_apart.  A one-core scenario's real run pins its crawler to one CPU
 * and the packet emulator to the other (net_machine_pin_rest); the
 * crawler sleeps in its loop until the emulator's packets wake it, and
 * each packet it sends then into the TUN device wakes the emulator, asleep
 * on the other CPU.  That costs its send and its close 13-17 us more than
 * with both on one CPU, and the spinning client above pays about the
 * one-CPU price (bench/bench_tun_close.c; docs/costs.md, "The emulator on
 * the other CPU").  So a client that blocks in poll between its calls,
 * pinned to the first CPU the process may use, fetches pages with the
 * emulator pinned to that CPU, then to the second, in alternate rounds;
 * the figure is the mean of its send's and its close's median
 * differences (its connect's varies too much to time alone). */
#define APART_N 20           /* pages a round, after APART_WARM       */
#define APART_WARM 3
#define APART_ROUNDS 2       /* of each way                           */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The client of one round, on cpu: each page's send and close CPU, in
 * v[0..APART_N) and v[APART_N..2 APART_N), up wfd. */
struct apart_arg {
	int port, cpu;
};

static int apart_client(void *arg, int wfd)
{
	const struct apart_arg *a = arg;
	int port = a->port, cpu = a->cpu;
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char req[256];
	int64_t v[2 * APART_N];
	int len = al_http_request(req, sizeof req, "calib", 1);

	inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
	if (len < 0 || net_calib_pin_to(0, cpu) != 0)
		return -1;
	for (int i = 0; i < APART_WARM + APART_N; i++) {
		int64_t t[3] = {0, 0, 0};
		if (net_calib_tun_page(&at, req, len, t, 1) != 0)
			return -1;
		if (i >= APART_WARM) {
			v[i - APART_WARM] = t[1];
			v[APART_N + i - APART_WARM] = t[2];
		}
	}
	return write(wfd, v, sizeof v) == (ssize_t)sizeof v ? 0 : -1;
}

/* One round on p: the emulator pinned to emu_cpu, the client to cpu;
 * the pages' sends and closes in v. */
static int apart_round(struct emu_path *p, int cpu, int emu_cpu, int64_t v[2 * APART_N])
{
	struct apart_arg a = {p->port[0], cpu};

	if (net_calib_pin_to(p->emu, emu_cpu) != 0)
		return -1;
	return net_calib_path_client(p, apart_client, &a, v, 2 * APART_N * sizeof v[0],
				     EMU_WAIT_MS);
}

/* The median of n, sorted in place. */
static int64_t median(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], cmp_i64);
	return v[n / 2];
}

int net_calib_tun_apart(double *out)
{
	/* [way][round][sends, then closes] */
	int64_t v[2][APART_ROUNDS][2 * APART_N];
	int64_t send[2][APART_ROUNDS * APART_N], close_[2][APART_ROUNDS * APART_N];
	int cpu[2], e;
	struct emu_path p;

	if (net_calib_two_cpus(cpu) != 0)
		return -1;           /* ENODEV, one CPU: no emulator on another */
	if (net_calib_path_open(&p, TUN_RTT_MS * 1000000LL) != 0)
		return -1;
	for (int r = 0; r < APART_ROUNDS; r++)
		for (int w = 0; w < 2; w++)
			if (apart_round(&p, cpu[0], cpu[w], v[w][r]) != 0) {
				e = errno;
				net_calib_path_close(&p);
				errno = e;
				return -1;
			}
	net_calib_path_close(&p);
	for (int w = 0; w < 2; w++)
		for (int r = 0; r < APART_ROUNDS; r++)
			for (int i = 0; i < APART_N; i++) {
				send[w][r * APART_N + i] = v[w][r][i];
				close_[w][r * APART_N + i] = v[w][r][APART_N + i];
			}
	int n = APART_ROUNDS * APART_N;
	*out = ((double)(median(send[1], n) - median(send[0], n)) +
		(double)(median(close_[1], n) - median(close_[0], n))) / 2;
	return 0;
}
