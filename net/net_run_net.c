/* The real backend's network: the origin server in a child process, and
 * between it and the crawler either the kernel-TCP path (net_run_kernel.c)
 * or the relay's link processes; each child gets all the fds the machine
 * allows, holds nothing of ours, and dies with the run. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>

#include "net/net_run_machine.h"
#include "net/net_run.h"
#include "net/net_link.h"
#include "net/net_machine.h"
#include "net/net_server.h"

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static pid_t parent_pid;

/* Every 100 ms: is the parent still there?  (Belt and braces with
 * PR_SET_PDEATHSIG: however the parent dies, no orphan child.) */
static void on_check_parent(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (getppid() != parent_pid)
		event_base_loopbreak(arg);
}

/* What a child process serves: the origin server, or one link emulator
 * process relaying to it. */
struct child_job {
	const struct al_scenario *sc;
	const struct sockaddr_in *upstream;    /* NULL: the origin server */
	const struct net_ns *ns;               /* kernel-tcp: the server's side */
};

/* Tells the parent why the child could not start (-errno up the pipe). */
static void die(int wfd, int e)
{
	char line[32];
	int n = snprintf(line, sizeof line, "%d\n", -(e ? e : EIO));

	if (write(wfd, line, (size_t)n) != n)
		_exit(2);
	_exit(1);
}

/* The child: serve until SIGTERM, or until the parent goes away; its port
 * goes up the pipe (or -errno when it cannot start).  Timers are precise (timerfd): think times and link
 * delays are to the microsecond, not rounded up to epoll's milliseconds. */
static void child_main(const struct child_job *job, int wfd, pid_t parent)
{
	struct net_server *srv = NULL;
	struct net_link *link = NULL;
	char line[32];
	int port = 0;

	parent_pid = parent;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(1);
	(void)prctl(PR_SET_NAME, job->upstream ? "al-link" : "al-server");  /* perf, ps */
	/* the scenario's backlog is the kernel's in a namespace of our own:
	 * 10,000 handshakes in one RTT overflow Linux's 4096 and turn into SYN
	 * cookies and resets, which is not what server.backlog asks for.  Best
	 * effort: a user namespace's root may not see somaxconn (older kernels
	 * hide it), and the kernel then caps the backlog as the host would */
	int backlog = job->sc->server.backlog > NET_SERVER_BACKLOG ? job->sc->server.backlog
								   : NET_SERVER_BACKLOG;
	if (job->ns && net_ns_enter(job->ns, NET_NS_SERVER) != 0)
		die(wfd, errno);
	if (job->ns && net_ns_set_backlog(backlog) != 0)
		errno = 0;
	/* nothing of the parent's but the pipe: the namespaces' fds would keep
	 * the crawler's namespace alive as long as the server */
	if (wfd > 3)
		close_range(3, (unsigned)wfd - 1, 0);
	close_range((unsigned)wfd + 1, ~0U, 0);
	/* the server and the relay's links share the model's cores, as the
	 * simulation of --net both has them (machine.host_server, host_links);
	 * the packet emulator is the network, not the machine, and is left
	 * where the kernel puts it.  Best effort, as for the model */
	if (net_machine_pin(real_machine_cores(job->sc)) < 0)
		errno = 0;
	/* every connection costs the server one fd and a link two: all the
	 * machine allows, whatever the shell's soft limit */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	event_set_log_callback(NULL);
	struct event_config *cfg = event_config_new();
	if (!cfg || event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) != 0)
		die(wfd, ENOMEM);
	errno = 0;
	struct event_base *base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!base)
		die(wfd, errno);
	if (job->upstream) {
		link = net_link_new(base, job->sc, job->upstream, 0);
		port = link ? net_link_port(link) : 0;
	} else if (job->ns) {
		struct sockaddr_in at = {.sin_family = AF_INET};
		inet_pton(AF_INET, NET_NS_SERVER_IP, &at.sin_addr);
		srv = net_server_new_at(base, job->sc, &at, backlog);
		port = srv ? net_server_port(srv) : 0;
		/* the namespace inherits the host's congestion control (BBR on
		 * some hosts: it paces from the first segment), and a namespace
		 * may only pick the host's allowed ones; the listener may pick
		 * any.  The experiment is Linux's default, CUBIC, as the
		 * simulator models it, whatever the host chose: best effort */
		if (srv && net_server_set_congestion(srv, "cubic") != 0)
			errno = 0;
	} else {
		srv = net_server_new(base, job->sc, 0);
		port = srv ? net_server_port(srv) : 0;
	}
	if (!port)
		die(wfd, errno);
	struct event *term = evsignal_new(base, SIGTERM, on_signal, base);
	struct event *watch = term ? event_new(base, -1, EV_PERSIST, on_check_parent, base)
				   : NULL;
	struct timeval every = {0, 100000};
	if (!watch || event_add(term, NULL) != 0 || event_add(watch, &every) != 0)
		die(wfd, errno);
	int n = snprintf(line, sizeof line, "%d\n", port);
	if (write(wfd, line, (size_t)n) != n)
		_exit(1);
	close(wfd);
	event_base_dispatch(base);
	event_free(watch);
	event_free(term);
	net_link_free(link);
	net_server_free(srv);
	event_base_free(base);
	_exit(0);
}

/* Forks a child for job; its port comes up a pipe.  0 or -1. */
static int start_child(const struct child_job *job, pid_t *pid, int *port, char *err,
		       size_t errlen)
{
	const char *what = job->upstream ? "link emulator" : "origin server";
	int fds[2];
	char buf[32] = "";

	if (pipe(fds) != 0) {
		snprintf(err, errlen, "%s: pipe: %s", what, strerror(errno));
		return -1;
	}
	pid_t parent = getpid();

	fflush(NULL);
	*pid = fork();
	if (*pid < 0) {
		snprintf(err, errlen, "%s: fork: %s", what, strerror(errno));
		*pid = 0;
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (*pid == 0) {
		close(fds[0]);
		child_main(job, fds[1], parent);
	}
	close(fds[1]);
	struct pollfd p = {.fd = fds[0], .events = POLLIN};
	ssize_t n = poll(&p, 1, 5000) == 1 ? read(fds[0], buf, sizeof buf - 1) : -1;
	close(fds[0]);
	*port = n > 0 ? atoi(buf) : 0;
	if (*port < 0) {
		snprintf(err, errlen, "%s: could not start: %s", what, strerror(-*port));
		return -1;
	}
	if (*port == 0) {
		snprintf(err, errlen, n >= 0 ? "%s: could not start" : "%s: did not start within 5 s",
			 what);
		return -1;
	}
	return 0;
}

static struct sockaddr_in loopback(int port)
{
	return (struct sockaddr_in){
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
}

int real_net_emulated(const struct al_network *net)
{
	return net->rtt_ns > 0 || net->loss > 0 || net->bandwidth_bps < REAL_LINK_FAST_BPS ||
	       !al_dist_is_zero(&net->jitter);
}

/* A link process's own fds: stdio, its listener, libevent's base. */
#define LINK_OWN_FDS 16

/* How many link processes: each connection costs one of them two fds, and
 * a process has this machine's fd limit; pages are dealt round-robin.
 * 0 when the fd limit leaves a link no room for a connection. */
static int links_needed(const struct al_scenario *sc, int64_t *fds_out)
{
	struct rlimit rl;
	int64_t fds = 20000;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY)
		fds = (int64_t)rl.rlim_max;
	*fds_out = fds;
	int64_t per = (fds - LINK_OWN_FDS) / 2;
	if (per < 1)
		return 0;
	int64_t k = (sc->workload.pages + per - 1) / per;
	return k < 1 ? 1 : k > NET_MAX_ADDRS ? NET_MAX_ADDRS : (int)k;
}

int real_net_start(const struct al_scenario *sc, const struct al_target *target,
		   struct real_net *rn, char *err, size_t errlen)
{
	return real_net_start_path(sc, target, REAL_PATH_AUTO, rn, err, errlen);
}

/* The kernel-TCP path: the emulator and its namespaces, then the server in
 * its namespace, on the TUN address.  0, or -1 with err set. */
static int start_kernel(const struct al_scenario *sc, struct real_net *rn, char *err,
			size_t errlen)
{
	if (real_kernel_start(sc, rn, err, errlen) != 0)
		return -1;
	struct child_job job = {.sc = sc, .ns = &rn->ns};
	if (start_child(&job, &rn->server, &rn->server_port, err, errlen) != 0)
		return -1;
	rn->addr[0] = (struct sockaddr_in){
		.sin_family = AF_INET, .sin_port = htons((uint16_t)rn->server_port),
	};
	inet_pton(AF_INET, NET_NS_SERVER_IP, &rn->addr[0].sin_addr);
	rn->naddr = 1;
	rn->path = "kernel-tcp";
	return 0;
}

int real_net_start_path(const struct al_scenario *sc, const struct al_target *target,
			enum real_path want, struct real_net *rn, char *err, size_t errlen)
{
	struct sockaddr_in up;

	memset(rn, 0, sizeof *rn);
	rn->ns = (struct net_ns){.net = {-1, -1}, .user = -1};
	int emulated = real_net_emulated(&sc->network);
	if (!target && (want == REAL_PATH_KERNEL || (want == REAL_PATH_AUTO && emulated))) {
		rn->verify = 1;
		if (start_kernel(sc, rn, err, errlen) == 0)
			return 0;
		if (want == REAL_PATH_KERNEL) {
			char why[sizeof rn->fallback];
			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errlen, "the kernel-TCP path cannot run here: %s", why);
			return -1;
		}
		snprintf(rn->fallback, sizeof rn->fallback, "%s", err);
		real_child_stop(&rn->server);
		real_kernel_stop(rn);
	}
	if (target) {
		up = target->addr;
		rn->path = "target";
	} else {
		struct child_job job = {.sc = sc};
		rn->verify = 1;
		if (start_child(&job, &rn->server, &rn->server_port, err, errlen) != 0)
			return -1;
		up = loopback(rn->server_port);
	}
	/* another server's network is the real one: nothing is emulated */
	if (target || !emulated) {
		rn->addr[0] = up;
		rn->naddr = 1;
		if (!target)
			rn->path = "loopback";
		return 0;
	}
	rn->path = "relay";
	/* the link's bandwidth is shared: each process gets its share */
	struct al_scenario part = *sc;
	int64_t fds;
	rn->nlinks = links_needed(sc, &fds);
	if (rn->nlinks == 0) {
		snprintf(err, errlen, "this process's fd limit, %lld, leaves the link emulator "
			 "no room for a connection (it needs %d): raise it (ulimit -n)",
			 (long long)fds, LINK_OWN_FDS + 2);
		errno = EMFILE;
		return -1;
	}
	part.network.bandwidth_bps = sc->network.bandwidth_bps / rn->nlinks;
	for (int i = 0; i < rn->nlinks; i++) {
		struct child_job job = {.sc = &part, .upstream = &up};
		int port;
		if (start_child(&job, &rn->links[i], &port, err, errlen) != 0)
			return -1;
		rn->addr[rn->naddr++] = loopback(port);
	}
	return 0;
}

void real_child_stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

/* Whether *pid has ended: 1, reaped, with what said of it. */
static int ended(pid_t *pid, const char *who, char *what, size_t len)
{
	int st;

	if (*pid <= 0 || waitpid(*pid, &st, WNOHANG) != *pid)
		return 0;
	if (WIFSIGNALED(st))
		snprintf(what, len, "%s (pid %ld) died (killed by signal %d, %s)", who,
			 (long)*pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(what, len, "%s (pid %ld) died (exit status %d)", who, (long)*pid,
			 WEXITSTATUS(st));
	*pid = 0;
	return 1;
}

int real_net_dead(struct real_net *rn, char *what, size_t len)
{
	if (ended(&rn->server, "the origin server", what, len) ||
	    ended(&rn->emu, "the packet emulator", what, len))
		return 1;
	for (int i = 0; i < rn->nlinks; i++)
		if (ended(&rn->links[i], "a link emulator", what, len))
			return 1;
	return 0;
}

void real_net_stop(struct real_net *rn)
{
	for (int i = 0; i < rn->nlinks; i++)
		real_child_stop(&rn->links[i]);
	real_child_stop(&rn->server);
	real_kernel_stop(rn);
}
