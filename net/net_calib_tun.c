/* The crawler's side of the kernel-TCP path (tun_connection, tun_send,
 * tun_close):
 * what its connect, close and send cost it when the far end is reached
 * through the TUN device and the packet emulator, on the path
 * net_calib_emu.c builds. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
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
 * on cold caches, which the wake_* figures price apart. */
static int tun_wait(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t end = net_mono_ns() + EMU_WAIT_MS * 1000000LL;
	int r;

	while ((r = poll(&p, 1, 0)) == 0 && net_mono_ns() < end)
		;
	return r == 1 && !(p.revents & POLLERR) ? 0 : -1;
}

/* One connection to port: the CPU of its socket + connect, its send and
 * its close added to t[0..2]. */
static int tun_page(const struct sockaddr_in *at, const char *req, int len, int64_t t[3])
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
	if (tun_wait(fd, POLLOUT) != 0)
		goto fail;
	t0 = net_cpu_ns();
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		goto fail;
	t[1] += net_cpu_ns() - t0;
	for (;;) {
		if (tun_wait(fd, POLLIN) != 0)
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

/* The client, in the crawler's namespace: the warm-up's connections,
 * then the measured ones; its figures go up wfd. */
static int tun_client(int port, int wfd)
{
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
		if (tun_page(&at, req, len, t) != 0)
			return -1;
	t[0] = t[1] = t[2] = 0;
	if (net_calib_base_syscall(&base) != 0)
		return -1;
	for (int i = 0; i < TUN_N; i++)
		if (tun_page(&at, req, len, t) != 0)
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
	int pfd[2], rc = -1, e = EPROTO;

	if (net_calib_path_open(&p, TUN_RTT_MS * 1000000LL) != 0)
		return -1;
	if (pipe(pfd) != 0) {
		e = errno;
		net_calib_path_close(&p);
		errno = e;
		return -1;
	}
	pid_t cli = fork();
	if (cli == 0) {
		close(pfd[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || net_ns_enter(&p.ns, NET_NS_CLIENT) != 0)
			_exit(1);
		_exit(tun_client(p.port[0], pfd[1]) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	if (cli > 0 && net_calib_read_within(pfd[0], out, sizeof *out, EMU_WAIT_MS) == 0)
		rc = 0;
	else
		e = cli < 0 ? errno : EPROTO;
	close(pfd[0]);
	if (cli > 0 && net_calib_reap(cli) != 0 && rc == 0) {
		rc = -1;
		e = EPROTO;
	}
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
