/* The kernel-TCP path of real runs (docs/kernel-tcp.md): a child made for
 * it creates the two network namespaces and their TUN devices, passes the
 * namespaces up to the run (which forks the server into one and each model
 * into the other), and then carries every packet between the devices
 * through the scenario's network (net_emu_serve) until it is stopped. */
#include <errno.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net_run_machine.h"
#include "net/net_run.h"
#include "net/net_emu.h"
#include "net/net_ns.h"

#define EMU_NICE (-10)

static volatile sig_atomic_t emu_stop;

static void on_term(int sig)
{
	(void)sig;
	emu_stop = 1;
}

/* The emulator's process: never returns. */
static void emu_main(const struct al_scenario *sc, int sock, pid_t parent,
		     struct net_emu_shared *sh)
{
	struct net_ns ns;
	struct sigaction sa;
	char text[240];
	int tun[2];

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(1);
	(void)prctl(PR_SET_NAME, "al-emulator");   /* for perf and ps */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;       /* no SA_RESTART: ppoll returns */
	sigaction(SIGTERM, &sa, NULL);
	/* the emulator is the network: late, it delays every packet and TCP
	 * sees spurious timeouts.  Ahead of the crawler and the server where
	 * this is allowed (root); as is, where not */
	if (setpriority(PRIO_PROCESS, 0, EMU_NICE) != 0)
		errno = 0;
	/* and on the cores the model is not pinned to, where the machine has
	 * any: left to the kernel, it was measured taking up to 75 % of the
	 * model's core when another program held the other one, and the
	 * simulation cannot know where the kernel put it.  The simulation of
	 * --net both gives it a core of its own then (machine.host_emulator,
	 * docs/kernel-tcp.md); where there is no spare core it shares the
	 * model's, in both.  Best effort */
	if (net_machine_pin_rest(real_machine_cores(sc)) < 0)
		errno = 0;
	if (net_ns_pair_new(&ns, tun, text, sizeof text) != 0) {
		if (send(sock, text, strlen(text), MSG_NOSIGNAL) < 0)
			_exit(2);
		_exit(1);
	}
	int fds[3] = {ns.net[NET_NS_CLIENT], ns.net[NET_NS_SERVER], ns.user};
	if (net_ns_send_fds(sock, fds, ns.user >= 0 ? 3 : 2) != 0)
		_exit(1);
	close(sock);
	sh->dev_tx_dropped[0] = sh->dev_tx_dropped[1] = -1;
	sh->dev_rx_dropped[0] = sh->dev_rx_dropped[1] = -1;
	int rc = net_emu_serve(tun, sc, sh, parent, &emu_stop);
	/* the devices' own drops, each read in its namespace */
	for (int i = 0; i < 2; i++) {
		int64_t tx, rx;
		if (setns(ns.net[i], CLONE_NEWNET) == 0 && net_ns_dev_drops(&tx, &rx) == 0) {
			sh->dev_tx_dropped[i] = tx;
			sh->dev_rx_dropped[i] = rx;
		}
	}
	_exit(rc == 0 ? 0 : 1);
}

int real_kernel_start(const struct al_scenario *sc, struct real_net *rn, char *err,
		      size_t errlen)
{
	int sv[2], fds[3];
	char text[240] = "";

	rn->emu_shared = mmap(NULL, sizeof *rn->emu_shared, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rn->emu_shared == MAP_FAILED) {
		rn->emu_shared = NULL;
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	fflush(NULL);
	rn->emu = fork();
	if (rn->emu < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		rn->emu = 0;
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (rn->emu == 0) {
		close(sv[0]);
		emu_main(sc, sv[1], parent, rn->emu_shared);
	}
	close(sv[1]);
	struct pollfd p = {.fd = sv[0], .events = POLLIN};
	int n = poll(&p, 1, 5000) == 1 ? net_ns_recv_fds(sv[0], fds, 3, text, sizeof text) : -1;
	close(sv[0]);
	if (n < 2) {
		snprintf(err, errlen, "%s", n == 0 ? text : n < 0 && p.revents == 0
			 ? "the emulator did not start within 5 s" : "the emulator did not start");
		real_child_stop(&rn->emu);
		if (n == 1)
			close(fds[0]);
		return -1;
	}
	rn->ns.net[NET_NS_CLIENT] = fds[0];
	rn->ns.net[NET_NS_SERVER] = fds[1];
	rn->ns.user = n == 3 ? fds[2] : -1;
	rn->has_ns = 1;
	return 0;
}

void real_kernel_stop(struct real_net *rn)
{
	real_child_stop(&rn->emu);
	if (rn->emu_shared) {
		rn->emu_stats = *rn->emu_shared;
		munmap(rn->emu_shared, sizeof *rn->emu_shared);
		rn->emu_shared = NULL;
	}
	if (rn->has_ns)
		net_ns_close(&rn->ns);
	rn->has_ns = 0;
}
