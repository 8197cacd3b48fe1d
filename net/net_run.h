/* Runs models on real sockets (net/): against our origin server, started
 * as a child process on an ephemeral loopback port and stopped at the end,
 * or against any HTTP server (--target). */
#ifndef REAL_RUN_H
#define REAL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "net/net_target.h"
#include "core/al_report.h"
#include "core/al_scenario.h"
#include "net/net_emu.h"
#include "net/net_ns.h"
#include "net/net_os.h"

/* How a real run reaches our origin server through the scenario's network
 * (docs/kernel-tcp.md). */
enum real_path {
	REAL_PATH_AUTO,              /* kernel-tcp where the host allows, else relay */
	REAL_PATH_KERNEL,            /* namespaces + TUN + packet emulator */
	REAL_PATH_RELAY,             /* the userspace link emulator on loopback */
};

/* What the crawler connects to, and the processes behind it. */
struct real_net {
	pid_t server;                /* our origin server, or 0 (--target) */
	int server_port;
	pid_t links[NET_MAX_ADDRS];  /* the link emulator's processes */
	int nlinks;
	struct sockaddr_in addr[NET_MAX_ADDRS];  /* page p: addr[p % naddr] */
	int naddr;
	int verify;                  /* our server: check every byte */
	/* which path ran: "kernel-tcp", "relay", "loopback" (no network to
	 * emulate) or "target" (another server's real network) */
	const char *path;
	char fallback[300];          /* auto: why kernel-tcp could not run, or "" */
	pid_t emu;                   /* kernel-tcp: the packet emulator */
	struct net_ns ns;            /* kernel-tcp: client and server namespaces */
	int has_ns;
	struct net_emu_shared *emu_shared;   /* the emulator's live counters */
	struct net_emu_shared emu_stats;     /* their last values, once stopped */
};

/* Bandwidth from which a network is taken as loopback's own. */
#define REAL_LINK_FAST_BPS INT64_C(10000000000)   /* 10 Gbit/s */

/* Whether a real run needs the link emulator for this network: any rtt,
 * jitter or loss, or a bandwidth below REAL_LINK_FAST_BPS.  Otherwise the
 * crawler talks to the server straight over loopback. */
int real_net_emulated(const struct al_network *net);

/* Starts what a real run of sc crawls: our origin server (the very same
 * scenario, seed included), or, with target, nothing but the address; and,
 * for our server, between it and the crawler the link emulator when the
 * network needs one
 * (docs/link.md): as many processes as the fd limit asks for, each on its
 * own port with its share of the bandwidth, page p going through link
 * p % nlinks.  0, or -1 with err set; real_net_stop() is safe either way. */
int real_net_start(const struct al_scenario *sc, const struct al_target *target,
		   struct real_net *rn, char *err, size_t errlen);
/* The same on the path asked for.  AUTO (real_net_start's): kernel-tcp
 * when the network is emulated and the host allows namespaces and TUN,
 * else the relay, with rn->fallback saying why.  KERNEL: kernel-tcp even
 * for loopback's network, or -1 with err set.  RELAY: as before this path
 * existed.  With target, the path is "target" whatever is asked. */
int real_net_start_path(const struct al_scenario *sc, const struct al_target *target,
			enum real_path want, struct real_net *rn, char *err, size_t errlen);
/* Stops the children (SIGTERM, then SIGKILL after 5 s) and reaps them. */
void real_net_stop(struct real_net *rn);
/* Whether one of rn's children (the origin server, a link, the packet
 * emulator) has died: 1 with what[] = "the origin server (pid N) died
 * (killed by signal 9, Killed)", reaped, its pid 0; else 0. */
int real_net_dead(struct real_net *rn, char *what, size_t len);

/* Runs model m against rn, in a process of its own, and fills out with
 * what was measured: elapsed (CLOCK_MONOTONIC), CPU and context switches
 * (getrusage, workers included), syscalls counted by the os, peak RSS.
 * 0, or -1 with errno and err set (EDEADLK: out is still filled).  On 0,
 * err holds a note or is empty (a pool that started only some of its
 * workers: al_crawl_note). */
int real_run_model(const struct al_scenario *sc, const struct real_net *rn,
		   enum al_model m, struct al_report *out, char *err, size_t errlen);
/* The same, recording the run into trace (initialised by the caller; its
 * mode says whether to record) in the simulator's schema at real times:
 * the model's process and threads, forked workers, tasks; out->trace_hash
 * is its hash. */
struct al_trace;
int real_run_model_traced(const struct al_scenario *sc, const struct real_net *rn,
			  enum al_model m, struct al_report *out, struct al_trace *trace,
			  char *err, size_t errlen);

/* Calls fn(arg, m, pages ended, pages) while a model's process runs, every
 * 200 ms (for a progress line); NULL: none.  Meanwhile Ctrl-C
 * (real_run_hooks' interrupted) kills the model's process: its run
 * returns -1 with errno EINTR. */
typedef void (*real_run_progress_fn)(void *arg, enum al_model m, int64_t ended, int64_t pages);
void real_run_on_progress(real_run_progress_fn fn, void *arg);

/* What the runner asks of the command above it, which net/ may not
 * include: the command's Ctrl-C flag (app/progress.h) and this host's
 * profile (conf/profile.h).  app/backend.c hands them down before each
 * run; a field left NULL (a caller that sets none): never interrupted,
 * and the scenario's own costs. */
struct real_run_hooks {
	/* Whether Ctrl-C came (al_interrupted): the model's process is
	 * killed, and its run returns -1 with errno EINTR. */
	bool (*interrupted)(void);
	/* This host's machine, al_profile_host's contract (>= 0: m filled;
	 * -1: err): the real processes are C, so a process and a thread
	 * cost its process_memory and thread_memory, whatever profile the
	 * scenario names (real_machine_begin). */
	int (*host)(struct al_machine *m, char *err, size_t errlen);
};
void real_run_set_hooks(const struct real_run_hooks *h);

/* Internal to net/net_run*.c. */
/* Stops a child (SIGTERM, then SIGKILL after 5 s) and reaps it; *pid = 0. */
void real_child_stop(pid_t *pid);
/* Starts the packet emulator and the namespaces (rn->ns, rn->emu).  0, or
 * -1 with err set (real_kernel_stop cleans up either way). */
int real_kernel_start(const struct al_scenario *sc, struct real_net *rn, char *err,
		      size_t errlen);
void real_kernel_stop(struct real_net *rn);

#endif
