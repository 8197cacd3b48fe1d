/* Measuring the kernel-TCP path's packet emulator (net_emu_serve): its CPU
 * per IP packet carried, while it is busy, as at C10K, and per KiB of
 * those packets.  The figures include the receiving namespace's TCP
 * input, which a TUN write runs in the writer's context: the emulator's
 * for every packet.
 *
 * A run builds the path as a real run does (docs/kernel-tcp.md): a child
 * makes the two namespaces and becomes the emulator, the origin server
 * runs in the server's namespace, and a client in the crawler's fetches
 * N pages at once, non-blocking, over a 20 ms round trip: the packets of
 * a round trip reach the emulator together and it works through them in
 * batches, as under C10K's load, not one wake-up a packet.  A run gives
 * the emulator's CPU (its getrusage, from the first packet's loop on: the
 * namespaces' set-up is not in it), the packets it carried both ways and
 * their bytes.
 *
 * That CPU is not all per packet: a run also pays about as much as 200
 * packets whatever its size (its first loops, cold caches), and a packet
 * pays for its bytes (2-4 us a KiB here: the TUN read's and write's copies
 * and the checksum).  So one repetition makes three runs -- 100 and 300
 * pages of 4 KiB, 300 of 16 KiB -- and solves for the three: the first two
 * differ in packets (not their size), the last two in the packets' size.
 * Needs namespaces and /dev/net/tun, as the path: where they are refused
 * the figures fail with EPERM (or ENOENT) and the profile keeps the
 * documented defaults. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>

#include "core/al_http.h"
#include "net/net_calib_int.h"
#include "net/net_emu.h"
#include "net/net_ns.h"
#include "net/net_server.h"

#define EMU_PAGES 300        /* fetched at once, at most */
#define EMU_FEW 100          /* the run that tells the run's own cost */
#define EMU_PAGE 4096        /* bytes of body: 3 segments, as C10K's */
#define EMU_BIG 16384        /* 12 segments: the packets' size differs */
#define EMU_RTT_MS 20
#define EMU_WAIT_MS 5000     /* a step silent this long is stuck: no figure */

static volatile sig_atomic_t emu_stop;

static void on_term(int sig)
{
	(void)sig;
	emu_stop = 1;
}

/* The emulator: makes the namespaces, passes them up sock, carries packets
 * until SIGTERM.  Never returns. */
static void emu_main(int sock, pid_t parent, const struct al_scenario *sc,
		     struct net_emu_shared *sh)
{
	struct sigaction sa;
	struct net_ns ns;
	char text[240];
	int tun[2];

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;       /* no SA_RESTART: ppoll returns */
	sigaction(SIGTERM, &sa, NULL);
	if (net_ns_pair_new(&ns, tun, text, sizeof text) != 0) {
		/* errno as text: the parent keeps it for the figure */
		char line[16];
		int len = snprintf(line, sizeof line, "%d", errno);
		(void)!send(sock, line, (size_t)len, MSG_NOSIGNAL);
		_exit(1);
	}
	int fds[3] = {ns.net[NET_NS_CLIENT], ns.net[NET_NS_SERVER], ns.user};
	if (net_ns_send_fds(sock, fds, ns.user >= 0 ? 3 : 2) != 0)
		_exit(1);
	close(sock);
	_exit(net_emu_serve(tun, sc, sh, parent, &emu_stop) == 0 ? 0 : 1);
}

/* The origin server in the server's namespace; its port goes up wfd.
 * Serves until killed. */
static void server_main(const struct net_ns *ns, const struct al_scenario *sc, int wfd)
{
	struct sockaddr_in at = {.sin_family = AF_INET};
	int port = 0;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || net_ns_enter(ns, NET_NS_SERVER) != 0)
		_exit(1);
	event_set_log_callback(NULL);
	struct event_base *base = event_base_new();
	inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
	struct net_server *srv = base ? net_server_new_at(base, sc, &at, 2 * EMU_PAGES) : NULL;
	if (srv)
		port = net_server_port(srv);
	if (write(wfd, &port, sizeof port) != (ssize_t)sizeof port || !port)
		_exit(1);
	event_base_dispatch(base);
	_exit(0);
}

/* The client: pages (<= EMU_PAGES) pages of page bytes at once, each
 * connect, request, read to the server's close.  0 when every page came
 * whole. */
static int fetch_all(int port, int pages, int page)
{
	struct pollfd p[EMU_PAGES];
	int64_t got[EMU_PAGES];
	char req[256], buf[16384];
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int left = pages;
	int64_t end = net_mono_ns() + EMU_WAIT_MS * 1000000LL;

	inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
	for (int i = 0; i < pages; i++) {
		got[i] = -1;                      /* -1: connecting */
		p[i] = (struct pollfd){.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0),
				       .events = POLLOUT};
		if (p[i].fd < 0 || (connect(p[i].fd, (const struct sockaddr *)&at, sizeof at) != 0 &&
				    errno != EINPROGRESS))
			return -1;
	}
	while (left > 0) {
		int64_t ms = (end - net_mono_ns()) / 1000000;
		if (ms <= 0 || poll(p, (nfds_t)pages, (int)ms) < 0)
			return -1;
		for (int i = 0; i < pages; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (got[i] < 0) {
				int n = al_http_request(req, sizeof req, "calib", i + 1);
				if (n < 0 || send(p[i].fd, req, (size_t)n, MSG_NOSIGNAL) != n)
					return -1;
				got[i] = 0;
				p[i].events = POLLIN;
				continue;
			}
			ssize_t r = recv(p[i].fd, buf, sizeof buf, 0);
			if (r > 0) {
				got[i] += r;
			} else if (r == 0) {
				if (got[i] < page)
					return -1;
				close(p[i].fd);
				p[i].fd = -1;
				left--;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
	}
	return 0;
}

/* Reads exactly len bytes from fd within EMU_WAIT_MS: 0 or -1. */
static int read_within(int fd, void *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, EMU_WAIT_MS) != 1)
		return -1;
	return read(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

/* Waits for pid within EMU_WAIT_MS (then kills it): its exit status, or
 * -1. */
static int reap(pid_t pid)
{
	int st = 0;

	for (int ms = 0; ms < EMU_WAIT_MS; ms += 2) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		usleep(2000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return -1;
}

static void stop(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	if (reap(pid) < 0 && sig != SIGKILL)
		errno = ETIMEDOUT;
}

/* What one run of pages pages of page bytes cost the emulator. */
struct emu_run {
	double cpu_ns, packets, kib;
};

static int run(int pages, int page, struct emu_run *r)
{
	struct al_scenario sc;
	struct net_ns ns = {.net = {-1, -1}, .user = -1};
	pid_t emu = 0, srv = 0, cli = 0;
	int sv[2], pfd[2], port = 0, rc = -1, e = EPROTO;

	al_scenario_default(&sc);
	sc.network.rtt_ns = EMU_RTT_MS * 1000000LL;
	sc.network.bandwidth_bps = 0;          /* no bottleneck: the CPU is the figure */
	sc.network.jitter = (struct al_dist){.kind = AL_DIST_FIXED, .a = 0};
	sc.network.loss = 0;
	sc.server.think = (struct al_dist){.kind = AL_DIST_FIXED, .a = 0};
	sc.server.page_size = (struct al_dist){.kind = AL_DIST_FIXED, .a = page};
	struct net_emu_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(sh, 0, sizeof *sh);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		e = errno;
		goto out;
	}
	pid_t parent = getpid();
	if ((emu = fork()) == 0) {
		close(sv[0]);
		emu_main(sv[1], parent, &sc, sh);
	}
	close(sv[1]);
	int fds[3], n = -1;
	struct pollfd pp = {.fd = sv[0], .events = POLLIN};
	if (emu > 0 && poll(&pp, 1, EMU_WAIT_MS) == 1) {
		char text[64];
		n = net_ns_recv_fds(sv[0], fds, 3, text, sizeof text);
		if (n == 0) {                  /* the child's errno, not fds */
			e = atoi(text) > 0 ? atoi(text) : EPROTO;
			n = -1;
		}
	}
	close(sv[0]);
	if (n < 2) {
		if (n == 1)
			close(fds[0]);
		goto out;
	}
	ns.net[NET_NS_CLIENT] = fds[0];
	ns.net[NET_NS_SERVER] = fds[1];
	ns.user = n == 3 ? fds[2] : -1;
	if (pipe(pfd) != 0) {
		e = errno;
		goto out;
	}
	if ((srv = fork()) == 0) {
		close(pfd[0]);
		server_main(&ns, &sc, pfd[1]);
	}
	close(pfd[1]);
	int ok = srv > 0 && read_within(pfd[0], &port, sizeof port) == 0 && port > 0;
	close(pfd[0]);
	if (!ok)
		goto out;
	if ((cli = fork()) == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || net_ns_enter(&ns, NET_NS_CLIENT) != 0)
			_exit(1);
		_exit(fetch_all(port, pages, page) == 0 ? 0 : 1);
	}
	int st = cli > 0 ? reap(cli) : -1;
	cli = 0;
	if (st != 0) {
		e = st < 0 ? ETIMEDOUT : EPROTO;
		goto out;
	}
	stop(srv, SIGKILL);
	srv = 0;
	/* the emulator writes its last figures as it stops */
	stop(emu, SIGTERM);
	emu = 0;
	int64_t packets = sh->up.in + sh->down.in;
	if (packets < pages || sh->cpu_ns <= sh->cpu_start_ns)
		goto out;
	r->cpu_ns = (double)(sh->cpu_ns - sh->cpu_start_ns);
	r->packets = (double)packets;
	r->kib = (double)(sh->up.bytes_out + sh->down.bytes_out) / 1024;
	rc = 0;
out:
	stop(cli, SIGKILL);
	stop(srv, SIGKILL);
	stop(emu, SIGKILL);
	net_ns_close(&ns);
	munmap(sh, sizeof *sh);
	if (rc)
		errno = e;
	return rc;
}

/* One repetition's three runs solved for cpu = run + packet x packets +
 * per_kib x KiB (see the top of the file). */
static int split(double *packet, double *per_kib)
{
	struct emu_run few, many, big;

	if (run(EMU_FEW, EMU_PAGE, &few) != 0 || run(EMU_PAGES, EMU_PAGE, &many) != 0 ||
	    run(EMU_PAGES, EMU_BIG, &big) != 0)
		return -1;
	if (many.packets <= few.packets || big.kib / big.packets <= many.kib / many.packets) {
		errno = EPROTO;
		return -1;
	}
	/* 100 -> 300 pages: a packet of 4 KiB pages' mix, the run's own
	 * cost left out */
	double m = (many.cpu_ns - few.cpu_ns) / (many.packets - few.packets);
	double fixed = many.cpu_ns - m * many.packets;
	/* 4 -> 16 KiB pages: the same run's cost, bigger packets */
	double mb = (big.cpu_ns - fixed) / big.packets;
	double kib = (big.kib / big.packets) - (many.kib / many.packets);
	*per_kib = (mb - m) / kib;
	if (*per_kib < 1)
		*per_kib = 1;            /* lost in the noise of the difference */
	*packet = m - *per_kib * (many.kib / many.packets);
	if (*packet < 1)
		*packet = 1;
	return 0;
}

int net_calib_emulator_packet(double *out)
{
	double kib;

	return split(out, &kib);
}

int net_calib_emulator_per_kib(double *out)
{
	double packet;

	return split(&packet, out);
}
