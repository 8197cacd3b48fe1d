/* The kernel-TCP path as calibrate's probes build it (net_calib_emu.h):
 * a child makes the two namespaces and becomes the packet emulator, an
 * origin server for each of the emulator probe's page sizes runs in the
 * server's namespace, and clients run in the crawler's; and the waits and
 * clocks the probes read over it.  The emulator's, the server's and the
 * accept's probes (net_calib_emu.c, net_calib_accept.c) and
 * bench/bench_tun_close.c build on it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>

#include "core/al_http.h"
#include "net/net_calib.h"
#include "net/net_calib_emu.h"
#include "net/net_calib_int.h"
#include "net/net_emu.h"
#include "net/net_ns.h"
#include "net/net_server.h"

/* the pages' bodies: the response's header alone (0.06 KiB a packet),
 * C10K's 4 KiB (0.35), 16 KiB (0.6) */
const int net_calib_emu_size[EMU_SIZES] = {0, 4096, 16384};
/* No packet for this long after a batch's client is done: the batch is
 * over (its last FIN and ACK cross the 20 ms round trip, each held
 * 10 ms) */
#define EMU_QUIET_MS 30

static volatile sig_atomic_t emu_stop;

/* The pages of a batch: EMU_PAGES, or what RLIMIT_NOFILE leaves (the
 * client's socket and the server's accepted one a page, each in a process
 * of its own, with a margin), its soft limit raised to the hard one first,
 * as a real run's (net/net_run_net.c); the children inherit it. */
int net_calib_emu_pages(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return EMU_WARM;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)EMU_PAGES + 64)
		return EMU_PAGES;
	return rl.rlim_cur > (rlim_t)EMU_WARM + 64 ? (int)rl.rlim_cur - 64 : EMU_WARM;
}

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
	/* CUBIC, as a real run's server has it (net/net_run_net.c), whatever
	 * the host's default: BBR paces its segments, and the emulator then
	 * reads them a few a wake-up; best effort, as there */
	if (srv && net_server_set_congestion(srv, "cubic") != 0)
		errno = 0;
	if (write(wfd, &port, sizeof port) != (ssize_t)sizeof port || !port)
		_exit(1);
	event_base_dispatch(base);
	_exit(0);
}

static void stop(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	if (net_calib_reap(pid) < 0 && sig != SIGKILL)
		errno = ETIMEDOUT;
}

/* The path of one repetition: the namespaces, the emulator, a server for
 * each size of page. */
void net_calib_path_close(struct emu_path *p)
{
	for (int i = 0; i < EMU_SIZES; i++)
		stop(p->srv[i], SIGKILL);
	stop(p->emu, SIGKILL);
	net_ns_close(&p->ns);
	if (p->sh)
		munmap(p->sh, sizeof *p->sh);
}

int net_calib_path_client(const struct emu_path *p, int (*fn)(void *arg, int wfd), void *arg,
			  void *out, size_t len, int ms)
{
	int pfd[2];

	if (pipe(pfd) != 0)
		return -1;
	pid_t cli = fork();
	if (cli < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		errno = e;
		return -1;
	}
	if (cli == 0) {
		close(pfd[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || net_ns_enter(&p->ns, NET_NS_CLIENT) != 0)
			_exit(1);
		_exit(fn(arg, pfd[1]) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	int got = net_calib_read_within(pfd[0], out, len, ms);
	int e = got != 0 && errno == ETIMEDOUT ? ETIMEDOUT : EPROTO;
	close(pfd[0]);
	if (got != 0)
		kill(cli, SIGKILL);            /* no figures: nothing to wait for */
	/* its exit, once they came, a wait of its own */
	int st = net_calib_reap(cli);
	if (got != 0 || st != 0) {
		/* a child that exited 1 or was killed by a signal after its
		 * figures: EPROTO; ETIMEDOUT only when it outlived the wait */
		errno = got != 0 ? e : st < 0 && errno == ETIMEDOUT ? ETIMEDOUT : EPROTO;
		return -1;
	}
	return 0;
}

/* Starts a server of pages of page bytes in p's server namespace: its
 * pid and port in p, at i. */
static int path_server(struct emu_path *p, struct al_scenario *sc, int i, int page)
{
	int pfd[2];

	sc->server.page_size = (struct al_dist){.kind = AL_DIST_FIXED, .a = page};
	if (pipe(pfd) != 0)
		return -1;
	if ((p->srv[i] = fork()) == 0) {
		close(pfd[0]);
		server_main(&p->ns, sc, pfd[1]);
	}
	close(pfd[1]);
	int ok = p->srv[i] > 0 && net_calib_read_within(pfd[0], &p->port[i], sizeof p->port[i], EMU_WAIT_MS) == 0 &&
		 p->port[i] > 0;
	close(pfd[0]);
	if (!ok)
		errno = EPROTO;
	return ok ? 0 : -1;
}

/* Builds p over a round trip of rtt_ns: 0, or -1 with errno (the emulator child's, as EPERM where
 * namespaces are refused) and nothing left running. */
int net_calib_path_open(struct emu_path *p, int64_t rtt_ns)
{
	struct al_scenario sc;
	int sv[2], fds[3], n = -1, e = EPROTO;

	*p = (struct emu_path){.ns = {.net = {-1, -1}, .user = -1}};
	al_scenario_default(&sc);
	sc.network.rtt_ns = rtt_ns;
	sc.network.bandwidth_bps = 0;          /* no bottleneck: the CPU is the figure */
	sc.network.jitter = (struct al_dist){.kind = AL_DIST_FIXED, .a = 0};
	sc.network.loss = 0;
	sc.server.think = (struct al_dist){.kind = AL_DIST_FIXED, .a = 0};
	p->sh = mmap(NULL, sizeof *p->sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	if (p->sh == MAP_FAILED) {
		p->sh = NULL;
		return -1;
	}
	memset(p->sh, 0, sizeof *p->sh);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		e = errno;
		goto fail;
	}
	pid_t parent = getpid();
	if ((p->emu = fork()) == 0) {
		close(sv[0]);
		emu_main(sv[1], parent, &sc, p->sh);
	}
	close(sv[1]);
	struct pollfd pp = {.fd = sv[0], .events = POLLIN};
	if (p->emu > 0 && poll(&pp, 1, EMU_WAIT_MS) == 1) {
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
		goto fail;
	}
	p->ns.net[NET_NS_CLIENT] = fds[0];
	p->ns.net[NET_NS_SERVER] = fds[1];
	p->ns.user = n == 3 ? fds[2] : -1;
	if ((e = clock_getcpuclockid(p->emu, &p->clock)) != 0)
		goto fail;
	for (int i = 0; i < EMU_SIZES; i++) {
		if (path_server(p, &sc, i, net_calib_emu_size[i]) != 0) {
			e = errno;
			goto fail;
		}
		if ((e = clock_getcpuclockid(p->srv[i], &p->srv_clock[i])) != 0)
			goto fail;
	}
	return 0;
fail:
	net_calib_path_close(p);
	*p = (struct emu_path){.ns = {.net = {-1, -1}, .user = -1}};
	errno = e;
	return -1;
}

double net_calib_cpu_on(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0)
		return -1;
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int64_t net_calib_path_packets(const struct emu_path *p)
{
	const volatile struct net_emu_shared *sh = p->sh;

	return sh->up.in + sh->down.in;
}

/* Waits until the emulator has carried no packet for EMU_QUIET_MS: 0, or
 * -1 (ETIMEDOUT) when it never goes quiet. */
int net_calib_path_quiet(const struct emu_path *p)
{
	int64_t now = net_mono_ns(), end = now + EMU_WAIT_MS * 1000000LL, since = now;
	int64_t seen = net_calib_path_packets(p);

	while (now - since < EMU_QUIET_MS * 1000000LL) {
		if (now > end) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(2000);
		int64_t n = net_calib_path_packets(p);
		now = net_mono_ns();
		if (n != seen) {
			seen = n;
			since = now;
		}
	}
	return 0;
}

