/* tun_server_accept: what the origin server spends on a connection it
 * accepts on the kernel-TCP path, measured on calibrate's path
 * (net/net_calib_emu.h: the namespaces, the packet emulator, the
 * servers).  A client in the crawler's namespace connects a batch of
 * sockets at once and asks for nothing; once every one is connected, the
 * emulator has gone quiet (the handshakes' ACKs written) and the server
 * has gone to sleep with its CPU clock still (an accept sends no packet:
 * a server kept off the CPU by other load may still be accepting after
 * the emulator's quiet), the server's CPU clock over the batch, over
 * its connections, is the figure: accept(), the connection's
 * registration, the wake-ups that brought them (as tun_server_request
 * holds its own).  The handshakes' TCP input runs where the emulator
 * writes the packets, not in the server, as in a real run.  A warm-up
 * batch first (cold caches), left out.
 *
 * Why apart from server_accept (loopback): the simulator charges the
 * accept when the handshake's ACK reaches the server and the rest of
 * tun_server_request at the write; in a burst the server writes its
 * responses at that rest's pace, which a FIFO link's queue sees
 * (docs/real.md, "select-limit: the server's accept"). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "net/net_calib.h"
#include "net/net_calib_emu.h"
#include "net/net_calib_int.h"
#include "net/net_clock.h"

#define ACCEPT_WARM 50       /* the warm-up's connections, left out */
#define ACCEPT_STILL_MS 30   /* the server asleep, its CPU still this long */

/* 1 when pid sleeps in a wait (/proc's state S), 0 when not, -1 when
 * its state cannot be read. */
static int asleep(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *st = strrchr(buf, ')');   /* after the command's name */
	if (!st || st[1] != ' ' || !st[2])
		return -1;
	return st[2] == 'S';
}

/* Waits until the server (pid, its CPU clock) has been asleep with its
 * clock still for ACCEPT_STILL_MS: it has accepted every connection
 * whose ACK reached it.  0, or -1 with errno (ETIMEDOUT: not within
 * EMU_WAIT_MS; EPROTO: its clock or state unreadable). */
static int server_still(pid_t pid, clockid_t clock)
{
	int64_t now = net_mono_ns(), end = now + EMU_WAIT_MS * 1000000LL, since = now;
	double seen = net_calib_cpu_on(clock);

	for (;;) {
		int a = asleep(pid);
		if (seen < 0 || a < 0) {
			errno = EPROTO;
			return -1;
		}
		if (!a)
			since = now;
		if (now - since >= ACCEPT_STILL_MS * 1000000LL)
			return 0;
		if (now > end) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(2000);
		double c = net_calib_cpu_on(clock);
		now = net_mono_ns();
		if (c != seen) {
			seen = c;
			since = now;
		}
	}
}

/* The client: n connections to port at once, then one byte up wfd when
 * every one is connected; then it waits to be killed, holding them. */
static int connect_all(int port, int n, int wfd)
{
	struct pollfd *p = calloc((size_t)n, sizeof *p);
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int left = n;
	int64_t end = net_mono_ns() + EMU_WAIT_MS * 1000000LL;

	if (!p)
		return -1;
	inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
	for (int i = 0; i < n; i++) {
		p[i] = (struct pollfd){.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0),
				       .events = POLLOUT};
		if (p[i].fd < 0 || (connect(p[i].fd, (const struct sockaddr *)&at, sizeof at) != 0 &&
				    errno != EINPROGRESS))
			return -1;
	}
	while (left > 0) {
		int64_t ms = (end - net_mono_ns()) / 1000000;
		if (ms <= 0 || poll(p, (nfds_t)n, (int)ms) < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			int err = 0;
			socklen_t len = sizeof err;
			if ((p[i].revents & (POLLERR | POLLHUP)) ||
			    getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err)
				return -1;
			p[i].events = 0;           /* connected: no more to see */
			left--;
		}
	}
	char c = 1;
	if (write(wfd, &c, 1) != 1)
		return -1;
	for (;;)
		pause();
}

/* One batch of n connections to server 0 of p: the server's CPU over
 * it into *ns.  Call it with the emulator quiet. */
static int batch(const struct emu_path *p, int n, double *ns)
{
	double s0 = net_calib_cpu_on(p->srv_clock[0]);
	int pfd[2];
	char c;

	if (pipe(pfd) != 0)
		return -1;
	pid_t cli = fork();
	if (cli == 0) {
		close(pfd[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || net_ns_enter(&p->ns, NET_NS_CLIENT) != 0)
			_exit(1);
		_exit(connect_all(p->port[0], n, pfd[1]) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	int got = cli > 0 ? net_calib_read_within(pfd[0], &c, 1, 2 * EMU_WAIT_MS) : -1;
	int e = got != 0 && errno == ETIMEDOUT ? ETIMEDOUT : EPROTO;
	close(pfd[0]);
	/* connected: the server accepts as the ACKs reach it, the emulator
	 * quiet after the last, the server once it has run them all */
	int q = got == 0 ? net_calib_path_quiet(p) : -1;
	if (q == 0)
		q = server_still(p->srv[0], p->srv_clock[0]);
	if (got == 0 && q != 0)
		e = errno;
	double s1 = net_calib_cpu_on(p->srv_clock[0]);
	if (cli > 0) {
		kill(cli, SIGKILL);            /* its sockets close with it */
		net_calib_reap(cli);
	}
	if (got != 0 || q != 0) {
		errno = e;
		return -1;
	}
	if (s0 < 0 || s1 <= s0) {
		errno = EPROTO;
		return -1;
	}
	*ns = s1 - s0;
	/* the closes' packets, and the server's reads of them, before the
	 * next batch */
	return net_calib_path_quiet(p);
}

int net_calib_tun_server_accept(double *out)
{
	struct emu_path p;
	double warm, ns;
	int n = net_calib_emu_pages();

	if (net_calib_path_open(&p, EMU_RTT_MS * 1000000LL) != 0)
		return -1;
	int rc = net_calib_path_quiet(&p) != 0 || batch(&p, ACCEPT_WARM, &warm) != 0 ||
		 batch(&p, n, &ns) != 0 ? -1 : 0;
	int e = errno;
	net_calib_path_close(&p);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	*out = ns / n;
	return 0;
}
