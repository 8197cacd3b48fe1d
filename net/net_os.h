/* The real `os`: the same ops table as the simulator's, on this machine's
 * sockets, threads, processes, clock and a libevent event_base.
 *
 * Blocking calls block the calling thread and complete their future before
 * returning; non-blocking calls are real non-blocking syscalls; spin()
 * really busy-polls.  spawn() starts a real pthread (or forks a process)
 * that runs the task on a loop of its own; locks are pthread mutexes;
 * pipes are pipes.
 *
 * The selector is libevent's (epoll, poll or select, as the scenario's
 * poller says): a registered fd is a persistent libevent event whose
 * callback only records readiness.  The loop's wait() runs one pass of the
 * thread's event_base; a selector wait parked meanwhile is completed after
 * the pass, and its task resumes from the loop's ready queue -- never
 * inside a libevent callback.
 *
 * The page timeout (workload.timeout) counts from a socket's creation, as
 * in the simulator: a blocking call waits at most what is left of it, a
 * spin stops at it, and a registered fd is reported ready when it passes;
 * every call on the socket after that fails with ETIMEDOUT. */
#ifndef NET_OS_H
#define NET_OS_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/al_fdq.h"
#include "core/al_loop.h"
#include "core/al_os.h"

#define NET_MAX_LOCKS 16
#define NET_MAX_SELS 64             /* multiloop: one a loop, up to 64 */
#define NET_MAX_ADDRS 16
#define NET_MAX_RINGS 4

struct event_base;
struct net_fd;
struct net_ring;
struct net_trace;

/* A thread's (or worker process's) own loop and event_base: every thread
 * waits on its own.  The base is made on first use. */
struct net_thread {
	struct al_loop loop;
	struct event_base *base;
	int poller;                  /* the base's enum al_poller */
	pthread_t tid;
	pid_t pid;                   /* a process: its pid, else 0 */
	int joined;
	int status;                  /* a process: its wait status once reaped */
	uint32_t lane, proc_lane;    /* trace lanes: the thread, its process */
	/* what it runs, started on its loop from inside it */
	struct al_task *task;
	al_coro_fn fn;
	void *frame;
	const char *name;
	/* completions posted to this thread (net_post): a lock-free stack
	 * any thread pushes on, then writes post_fd, an eventfd that
	 * post_ev watches while `armed` posts are awaited */
	struct al_post *posts;
	struct event *post_ev;
	int post_fd;
	int armed;
	/* a spawned thread's join (net_join): its joiner's post, which the
	 * thread posts as it ends, or net_proc.c's `ended` once it has */
	struct al_post *join_post;
	struct al_post joinp;
	struct al_cb join_cb;        /* on joinp.done: reap, complete join_wait */
	struct al_future *join_wait;
	uint32_t join_lane;          /* the joining task's trace lane */
};

/* Counted by every thread and every forked worker: kept in memory shared
 * with the workers, updated atomically. */
struct net_counts {
	int64_t syscalls;
	int64_t futile;              /* EAGAIN / EINPROGRESS, futile polls */
	int64_t worker_rss;          /* sum of the reaped workers' peak RSS, bytes */
	int64_t open;                /* sockets open, for the trace's counter */
	uint32_t tasks;              /* task lanes made: their ordinals */
	int64_t retransmits;         /* TCP_INFO's tcpi_total_retrans, summed
	                                over the sockets closed */
};

/* A selector: the fds registered with it, and readiness not yet reported. */
struct net_sel {
	struct net_thread *owner;    /* whose event_base it lives on */
	int kind;                    /* enum al_poller */
	int used;
	int nfds;                    /* registered */
	struct al_fdq ready;         /* ready fds, linked through net_fd */
	struct al_future *wait;      /* a parked sel_wait, or NULL */
	struct al_sel_event *out;
	int max;
	uint32_t lane;               /* the parked waiter's trace lane */
	const struct al_task *opener;  /* the loop's task: its registrations
	                                  are its callbacks', not its waits */
};

struct net_os {
	struct al_os os;
	/* Where page p is fetched from: addr[p % naddr] (the origin server,
	 * or the link emulator's processes, one port each). */
	struct sockaddr_in addr[NET_MAX_ADDRS];
	int naddr;
	/* the kernel path with loss: page p's socket connects from port
	 * net_emu_page_port(p), so the packet emulator knows its page from
	 * the SYN on (net/net_emu_flow.h) */
	int page_ports;
	int64_t t0;                  /* CLOCK_MONOTONIC at start: now() counts from it */
	struct net_counts *counts;   /* shared with forked workers */
	struct net_fd *fds;          /* per fd, up to nfd */
	int nfd;
	struct net_thread main;      /* the caller's thread */
	struct net_thread **spawned;
	int nspawned, spawned_cap;
	pthread_mutex_t locks[NET_MAX_LOCKS];
	int nlocks;
	struct net_sel sels[NET_MAX_SELS];
	struct net_ring *rings[NET_MAX_RINGS];   /* io_uring (net_ring.c) */
	struct net_trace *log;       /* where the trace goes, or NULL */
	/* bases made before the fd limit for threads the model will spawn
	 * with selectors of their own (net_os_spare_bases): the first
	 * spawned threads to need one take them, in turn */
	struct event_base *spare[NET_MAX_SELS];
	int nspare, spare_poller;
	int spare_next;              /* taken so far (atomic) */
};

/* A real os fetching pages from addr[0..naddr-1] for scenario sc, on loop.
 * 0, or -1 with errno (ENOMEM; EINVAL for naddr outside 1..NET_MAX_ADDRS). */
int net_os_init(struct net_os *n, const struct al_scenario *sc, struct al_loop *loop,
		const struct sockaddr_in *addr, int naddr);
/* Makes the calling thread's libevent base now, with poller (-1: the
 * default), rather than at its first use, and its mailbox for posts (the
 * eventfd its threads' joins come through): a real run makes them before
 * it applies the scenario's fd limit, so their fds are the lab's, not the
 * crawler's.  0, or -1 with errno. */
int net_os_base_now(struct net_os *n, int poller);
/* Makes up to count (at most NET_MAX_SELS) more bases with poller now,
 * for spawned threads that will open selectors (a model that spreads its
 * loop over threads): their fds, as the main thread's, are the lab's, made
 * before the fd limit.  Returns how many were made. */
int net_os_spare_bases(struct net_os *n, int poller, int count);
/* Joins what is left and frees everything. */
void net_os_free(struct net_os *n);

/* Records the run into log (net/net_trace.h), shared with the workers the
 * model forks: a process lane and its main thread's, labelled label (a
 * string literal), running from now on.  net_os_trace_end() marks them
 * done. */
void net_os_trace(struct net_os *n, struct net_trace *log, const char *label);
void net_os_trace_end(struct net_os *n);

#endif
