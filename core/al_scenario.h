/* A scenario: everything needed to replay a run (docs/scenarios.md).  Plain data with a default for every field; app/ fills
 * it from YAML, sim/ and net/ read it.  Units are fixed here: times in
 * nanoseconds, sizes in bytes, bandwidth in bits per second, frequency in
 * hertz, probabilities in [0, 1]. */
#ifndef AL_SCENARIO_H
#define AL_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/al_dist.h"
#include "core/al_models.h"  /* enum al_model, struct al_model_cfg */

enum al_profile { AL_PROFILE_PYTHON, AL_PROFILE_C, AL_PROFILE_FILE };

/* bytes x ns_per_kib / 1024, rounded down, without the product's
 * overflow: a 1 GiB page at a 60 s per-KiB price is 6.4e19. */
static inline int64_t al_per_kib_ns(int64_t bytes, int64_t ns_per_kib)
{
	return (bytes >> 10) * ns_per_kib + (bytes & 1023) * ns_per_kib / 1024;
}
enum al_overflow { AL_OVERFLOW_QUEUE, AL_OVERFLOW_REFUSE };
/* The simulator's TCP (docs/network.md): Linux's windows and timers, the
 * fluid model (a response streams at its fair share from its first byte,
 * segment by segment), or the flow model (a response is one transfer at
 * its fair share, readable when its last byte arrives: a page's cost
 * independent of its size). */
enum al_tcp { AL_TCP_LINUX, AL_TCP_FLUID, AL_TCP_FLOW };
/* The simulator's client link (docs/network.md): every response streaming
 * shares it fairly (processor sharing), or its segments wait in one FIFO
 * drop-tail queue of network.queue packets and go in arrival order, as
 * on the kernel-TCP path's emulator (tcp linux only). */
enum al_link { AL_LINK_FAIR, AL_LINK_FIFO };

/* The machine's cost table (docs/costs.md).  A profile fills every field; a
 * scenario's `machine.costs` overrides single ones. */
struct al_costs {
	int64_t syscall_ns;          /* one socket syscall                    */
	int64_t thread_switch_ns;    /* context switch between threads        */
	int64_t process_switch_ns;   /* context switch between processes      */
	int64_t thread_create_ns;    /* a pool's thread, create to join      */
	int64_t process_create_ns;   /* fork + exit + wait                    */
	int64_t pool_startup_ns;     /* a worker pool's fixed start-up cost    */
	int64_t thread_pool_startup_ns; /* the same for a pool of threads      */
	int64_t thread_memory;       /* resident bytes per thread              */
	int64_t thread_stack;        /* virtual bytes reserved per thread      */
	int64_t process_memory;      /* resident bytes per process             */
	int64_t coroutine_memory;    /* bytes per coroutine / task             */
	int64_t socket_memory;       /* kernel + user bytes per open socket    */
	int64_t coroutine_resume_ns; /* resume a suspended coroutine           */
	int64_t callback_ns;         /* dispatch one callback                  */
	int64_t select_ns;           /* register + select + unregister         */
	int64_t select_per_fd_ns;    /* select/poll cost per watched fd        */
	int64_t time_slice_ns;       /* scheduler slice for CPU-bound threads  */
	int64_t wakeup_ns;           /* blocked -> running latency             */
	int64_t gil_interval_ns;     /* python: GIL switch interval (0: none)  */
	int64_t parse_ns_per_kib;    /* CPU work to handle 1 KiB of response   */
	/* The kernel's work for a TCP connection, beyond the syscalls' own
	 * `syscall` each.  0 in the built-in profiles: calibrate measures
	 * them (docs/costs.md). */
	int64_t connection_ns;       /* socket + connect + close, client side  */
	int64_t recv_ns_per_kib;     /* recv: per KiB copied out of the kernel */
	int64_t send_ns;             /* a request's send on loopback: the peer's
	                                TCP input and wake-up run in it      */
	/* A blocked thread's first burst after it slept, in place of its
	 * switch where it is more (the probe's woken half holds the switch): the wake-up and the work after it run on cold caches
	 * and TLB (docs/costs.md).  Charged by the time it slept: wake_100us
	 * up to 0.1 ms, wake_segment_1ms (else wake_1ms) just under 1 ms,
	 * wake_1ms from 1 ms, wake_100ms from 100 ms, between them along
	 * log(time); wake_100us 0 (not measured): wake_1ms up to 1 ms. */
	int64_t wake_1ms_ns;         /* after a sleep of 1 ms                  */
	int64_t wake_100ms_ns;       /* after a sleep of 100 ms or more        */
	/* The other programs a real run puts on the cores (machine.host_*):
	 * their CPU per page and per KiB of response. */
	int64_t server_request_ns;   /* the origin server, per page            */
	int64_t server_ns_per_kib;   /* the origin server, per KiB             */
	int64_t relay_request_ns;    /* a link emulator, per page              */
	int64_t relay_ns_per_kib;    /* a link emulator, per KiB               */
	/* The kernel-TCP path's packet emulator (machine.host_emulator): its
	 * CPU per IP packet carried, the receiving namespace's TCP input
	 * included (a TUN write runs it in the writer's context). */
	int64_t emulator_packet_ns;
	/* ... and per KiB of those packets' bytes (IP headers included), the
	 * copies and checksums the TUN reads and writes pay for.  0: not
	 * split, emulator_packet prices a packet whatever its size. */
	int64_t emulator_ns_per_kib;
	/* The part of server_request the origin server spends when a client
	 * connects (accept, registration; measured as a connection that asks
	 * for nothing), charged then (on the kernel-TCP path when the
	 * handshake's ACK reaches the server), the rest at the response. */
	int64_t server_accept_ns;
	/* The origin server's CPU per wake-up, charged when its thread was
	 * asleep as work reached it (the loop's return from its wait, cold
	 * caches): a client fetching one page at a time wakes it each page,
	 * one with many in flight hands it several a wake-up.  0: not split,
	 * server_request (and server_accept) price the wake-up in. */
	int64_t server_wake_ns;
	/* The wake-up's charge after a sleep of 0.1 ms or less (see wake_1ms
	 * above): a thread woken packet by packet, as an event loop with
	 * many pages in flight is, sleeps that little between most wakes. */
	int64_t wake_100us_ns;
	/* The green model's threads (docs/costs.md): switching from one
	 * green thread to its scheduler or back, and the resident bytes of a
	 * green thread (its stack's touched pages). */
	int64_t green_switch_ns;
	int64_t green_memory;
	/* Completion-based I/O (the uring model): one io_uring_enter, its
	 * syscall included, and each operation it carries beyond the socket
	 * work the figures above price (connection, send, recv_per_kib). */
	int64_t uring_enter_ns;
	int64_t uring_op_ns;
	/* The linked timeout a real uring op carries while its page has a
	 * deadline (IORING_OP_LINK_TIMEOUT): its request, its hrtimer armed
	 * and cancelled, its own completion; per op that carries one. */
	int64_t uring_timeout_ns;
	/* An op that finds its socket not ready: the poll the ring arms on
	 * it and the task work that issues it again, beyond an op that
	 * completes at once; per op that waits. */
	int64_t uring_poll_ns;
	/* A process pool's fork as perf shows it (docs/costs.md): the
	 * forking process's CPU per MiB of the records it keeps resident per
	 * child (`child_record` bytes for each process it created), which
	 * every later fork copies the page tables of; and a new process's own
	 * CPU beyond its work (copy-on-write faults, first calls, exit). */
	int64_t fork_ns_per_mib;
	int64_t child_record;
	int64_t process_cow_ns;
	/* Where a forked process's exit is paid: its teardown (exit_mmap
	 * unmapping what it shared with its forker, its task freed) runs on
	 * its own CPU when it ends, not in the fork (docs/costs.md, "A
	 * process's exit").  process_exit is that part of process_create,
	 * exit_per_mib that part of fork_per_mib (the page tables of the
	 * forker's records, torn down); the fork is charged what is left of
	 * each.  0 and 0: all at the fork, as before. */
	int64_t process_exit_ns;
	int64_t exit_ns_per_mib;
	/* wake_1ms's probe with its waker on another CPU: the wake_* figures
	 * are taken with the waker on the thread's own.  A crawler woken by
	 * the packet emulator on its own cores runs on the emulator's CPU
	 * (Linux's sync wake-up); the simulator charges that wake-up the
	 * wake_* charge times wake_1ms over this, every other the whole
	 * charge.  That share is empirical: the wake_* figures match runs
	 * woken from the other CPU, though their probe's waker is local;
	 * why is not settled (docs/costs.md, "Where the wake-up comes
	 * from").  0: not measured, every wake-up pays the whole charge. */
	int64_t wake_remote_1ms_ns;
	/* A green thread's stack, its whole life (docs/costs.md): mapped
	 * with its guard page, its touched pages faulted in, unmapped when
	 * it ends.  Charged when the green thread is made.  0: not modelled. */
	int64_t green_stack_ns;
	/* What a green thread's stack's unmapping costs more when it is its
	 * OS thread's first since that thread woke from its selector: the
	 * kernel's unmapping paths cold after the sleep, where green_stack's
	 * probe unmaps 200 in a row (docs/costs.md, "The stack unmapped
	 * after a wake-up").  Charged as such a green thread ends.  0: not
	 * measured, nothing more. */
	int64_t green_stack_woken_ns;
	/* An io_uring's set-up and tear-down, as the uring model's run makes
	 * its ring (io_uring_setup and the ring's mappings, the opcode probe,
	 * the unmapping and close).  Charged at the ring's setup, in place of
	 * its syscall's price; the close is still charged as a syscall, so
	 * one syscall's price is counted twice, inside the figure's noise.
	 * 0: a plain syscall. */
	int64_t uring_setup_ns;
	/* A fork's wait off the CPU (state D) by the forking process's live
	 * children, where something walks the reverse maps of the pages
	 * they share with it and holds the lock fork takes (DAMON on this
	 * project's VM: docs/costs.md, "A fork's wait"): the mean wait with
	 * 3,000 and with 6,000 live children, on the line through both
	 * beyond (never below 0).  0 and 0: no wait. */
	int64_t fork_wait_3k_ns;
	int64_t fork_wait_6k_ns;
	/* connection and send as the crawler pays them on the kernel-TCP
	 * path (machine.host_emulator): its packets go into a TUN device,
	 * and the far end's work, which loopback runs in the caller, runs in
	 * the packet emulator's context (docs/costs.md, "The kernel-TCP
	 * path's connection").  Used instead of connection and send when
	 * host_emulator is not none; 0: not measured, those are used. */
	int64_t tun_connection_ns;
	int64_t tun_send_ns;
	/* The same two when the packet finds the emulator already awake:
	 * another packet the crawler's thread handed it since the thread
	 * last blocked woke it, and this one pays no wake-up of it
	 * (docs/costs.md, "The emulator awake or asleep").  Used for such a
	 * packet instead of tun_connection and tun_send, where less than
	 * they; 0: not measured, those are used. */
	int64_t tun_connection_busy_ns;
	int64_t tun_send_busy_ns;
	/* server_request and server_per_kib as the origin server pays them
	 * on the kernel-TCP path: its segments go into a TUN device, and the
	 * crawler's TCP input, which loopback runs in the server's write and
	 * close, and its own input of the requests and ACKs, run in the
	 * packet emulator's context (docs/costs.md, "The origin server on
	 * the kernel-TCP path").  Used instead of those two when
	 * host_emulator is not none; 0: not measured, those are used. */
	int64_t tun_server_request_ns;
	int64_t tun_server_ns_per_kib;
	/* server_accept as the origin server pays it on the kernel-TCP path
	 * (its part of tun_server_request when a connection is accepted),
	 * where tun_server_request is used; 0: not measured, server_accept
	 * (measured over loopback) is used. */
	int64_t tun_server_accept_ns;
	/* The kernel's tick, CONFIG_HZ's jiffy (4 ms at HZ=250, this VM's):
	 * the server's TCP timers count in it and fire on the timer wheel's
	 * ticks (docs/network.md).  Not the scheduler's time_slice, which
	 * only happens to be the same here.  0: no tick, exact times. */
	int64_t tick_ns;
	/* wake_100us's probe after a sleep of 1 ms: a segment's recv, not
	 * wake_1ms's page half.  Below 1 ms the charge goes along log(time)
	 * from wake_100us to this, so that one kind of work is priced at
	 * both ends (a thread asleep under 1 ms is woken by a segment of a
	 * response in flight; docs/costs.md, "The wake-up after a sleep").
	 * 0: not measured, wake_1ms is that end, as before. */
	int64_t wake_segment_1ms_ns;
	/* What a process's first thread costs beyond thread_create: glibc
	 * and the kernel making a single-threaded process a threaded one
	 * (docs/costs.md, "A pool's threads").  Charged once per process, at
	 * the first thread it creates; 0: nothing more. */
	int64_t thread_first_ns;
	/* The close's part of tun_connection and of tun_connection_busy:
	 * the close (its FIN into the TUN device) is paid when the crawler
	 * closes, at the price the emulator asleep or awake then says, and
	 * the connect pays the rest (docs/costs.md, "The close's part").
	 * Both 0 (not measured): the connect pays the whole, as before. */
	int64_t tun_close_ns;
	int64_t tun_close_busy_ns;
	/* The wake-up of a thread woken 0.2 ms after a sibling of its
	 * process woke from the same 10 ms sleep and ran on the same core:
	 * what the sibling's run leaves cold of its own (its stack, its
	 * socket).  A wake-up that finds its process warm on the core pays
	 * at least this, never more than its own sleep's charge would be
	 * without the sibling (docs/costs.md, "A pool's siblings").  0: not
	 * measured, the halt since the sibling's run alone, as before. */
	int64_t wake_sibling_10ms_ns;
	/* What a TUN packet of the crawler's (a connect's SYN, a send, a
	 * close's FIN) costs it more at the asleep price when the packet
	 * emulator runs on a CPU of its own (host_emulator own: a one-core
	 * scenario's real run pins it to the other CPU) and the crawler slept
	 * since its last packet: the packet wakes an emulator asleep on the
	 * other CPU (docs/costs.md, "The emulator on the other CPU").  0: not
	 * measured, nothing more. */
	int64_t tun_apart_ns;
};

/* Where the packet emulator of a real run's kernel-TCP path runs, for the
 * simulation of --net both (docs/kernel-tcp.md). */
enum al_host_emu {
	AL_HOST_EMU_NONE,            /* no emulator: nothing to model          */
	AL_HOST_EMU_OWN,             /* on cores the model does not have       */
	AL_HOST_EMU_SHARED,          /* on the model's cores, competing        */
};

struct al_machine {
	enum al_profile profile;
	char profile_file[256];      /* when profile == AL_PROFILE_FILE        */
	int cores;
	int64_t hz;
	int64_t memory;              /* bytes                                  */
	int64_t address_space;       /* virtual bytes per process (stacks)     */
	int fd_limit;
	/* Other processes on these cores (run --net both sets them: the
	 * origin server and the link emulators run on the crawler's machine).
	 * Their CPU, from the cost table, competes for the cores; it is not
	 * the model's CPU busy. */
	bool host_server;            /* the origin server: one process         */
	int host_links;              /* link emulator processes (0: none)      */
	enum al_host_emu host_emulator; /* the packet emulator, and where      */
	struct al_costs costs;
};

/* The origin server's accept of a connection on machine m: on the
 * kernel-TCP path (host_emulator) tun_server_accept where it and
 * tun_server_request are measured, else server_accept. */
static inline int64_t al_server_accept_ns(const struct al_machine *m)
{
	const struct al_costs *c = &m->costs;

	if (m->host_emulator != AL_HOST_EMU_NONE && c->tun_server_request_ns > 0 &&
	    c->tun_server_accept_ns > 0)
		return c->tun_server_accept_ns;
	return c->server_accept_ns;
}

/* The origin server's CPU for a response of len bytes (header included)
 * on machine m: server_request and server_per_kib, or on the kernel-TCP
 * path (host_emulator) tun_server_request and tun_server_per_kib where
 * measured; less the accept (al_server_accept_ns) when the connection's
 * accept was charged apart (accepted), as both figures hold it. */
static inline int64_t al_server_page_ns(const struct al_machine *m, int64_t len, int accepted)
{
	const struct al_costs *c = &m->costs;
	int tun = m->host_emulator != AL_HOST_EMU_NONE;
	int64_t req = tun && c->tun_server_request_ns > 0 ? c->tun_server_request_ns :
		      c->server_request_ns;
	int64_t kib = tun && c->tun_server_ns_per_kib > 0 ? c->tun_server_ns_per_kib :
		      c->server_ns_per_kib;
	int64_t acc = al_server_accept_ns(m);

	if (accepted)
		req = req > acc ? req - acc : 0;
	return req + al_per_kib_ns(len, kib);
}

struct al_network {
	int64_t rtt_ns;
	struct al_dist jitter;       /* added to each one-way delay, ns        */
	int64_t bandwidth_bps;       /* bits per second of the client's link   */
	double loss;                 /* per-segment loss probability           */
	int64_t rto_ns;              /* initial retransmission timeout         */
	bool handshake;              /* connect takes a round trip; false: at
	                                once, as on loopback (link emulator) */
	enum al_tcp tcp;             /* the simulator's TCP: linux or fluid    */
	int queue;                   /* the client's link's drop-tail queue,
	                                packets (real runs' kernel-TCP path;
	                                the simulator's with link fifo)   */
	enum al_link link;           /* the simulator's link: fair or fifo     */
};

/* What the server does wrong with a page (server.faults): each page draws
 * one, from its own stream (al_page_draw), so the simulator and the origin
 * server fault the same pages.  RESET and SHORT send the head and half the
 * body, then reset or close; STALL never answers; CORRUPT changes the body
 * byte at half its length. */
enum al_fault {
	AL_FAULT_NONE,
	AL_FAULT_RESET,
	AL_FAULT_STALL,
	AL_FAULT_SHORT,
	AL_FAULT_CORRUPT,
	AL_FAULT_COUNT
};

struct al_server {
	struct al_dist think;        /* ns before the first response byte      */
	struct al_dist page_size;    /* bytes of the response body             */
	int backlog;                 /* accept queue length                    */
	int max_concurrent;          /* 0: unlimited                           */
	enum al_overflow overflow;   /* past backlog: queue or refuse          */
	int64_t sndbuf;              /* bytes a write hands its kernel at once:
	                                a slot is held until the response's
	                                unarrived rest fits; 0: until its last
	                                byte arrived                          */
	double faults[AL_FAULT_COUNT]; /* per page, each fault's probability
	                                  ([AL_FAULT_NONE] unused)            */
};

struct al_workload {
	int64_t pages;
	char host[128];
	int port;
	int64_t timeout_ns;          /* per page; 0: none                      */
};

/* A timed change: from `at` on, the fields flagged in `set` take the values
 * given in `network` / `server`. */
enum {
	AL_EV_RTT = 1 << 0,
	AL_EV_JITTER = 1 << 1,
	AL_EV_BANDWIDTH = 1 << 2,
	AL_EV_LOSS = 1 << 3,
	AL_EV_THINK = 1 << 4,
	AL_EV_PAGE_SIZE = 1 << 5,
	AL_EV_MAX_CONCURRENT = 1 << 6,
	AL_EV_LINK_DOWN = 1 << 7,    /* the link drops: connections reset      */
	AL_EV_LINK_UP = 1 << 8,
};

struct al_event_cfg {
	int64_t at_ns;
	unsigned set;
	struct al_network network;
	struct al_server server;
};

#define AL_SCENARIO_MAX_EVENTS 64

struct al_scenario {
	char name[64];
	char path[256];              /* where it was loaded from ("" built-in) */
	uint64_t seed;
	struct al_machine machine;
	struct al_network network;
	struct al_server server;
	struct al_workload workload;
	struct al_model_cfg models[AL_MODEL_COUNT];
	int nevents;
	struct al_event_cfg events[AL_SCENARIO_MAX_EVENTS];
	bool trace;                  /* record the trace (off for huge runs)    */
};

/* The built-in default: the article's experiment (10 pages, python profile,
 * one core, every model). */
void al_scenario_default(struct al_scenario *sc);

/* A pool's size: workers, but never more than the pages (a worker with no
 * page would cost a process or a thread and do nothing), and at least 1.
 * The one rule both backends' pools follow. */
int al_pool_size(int workers, int64_t pages);
/* A forked process's page tables for what its parent keeps for the
 * children before it (records bytes resident): 8 bytes an entry for each
 * 4 KiB page, a 4 KiB page-table page for each 2 MiB, on x86-64 and
 * arm64 with 4 KiB pages.  Charged to a memory cgroup with the child.
 * The one figure both backends' pools count it by. */
int64_t al_fork_page_tables(int64_t records);
/* The record a pool's parent keeps of each child it forks, where the
 * profile prices a pool's records (fork_per_mib > 0: child_record), else
 * 0.  A fork adds it to the memory charge, with the child's page tables
 * of the records before it (al_fork_page_tables) where it is not 0.  The
 * one rule both backends' pools follow: the simulator's fork
 * (sim_fork_memory), the real run's admission (net_cgroup_budget). */
int64_t al_fork_record(const struct al_costs *c);
/* Fills a cost table with a profile's defaults (docs/costs.md). */
void al_costs_profile(struct al_costs *c, enum al_profile profile);

/* "python", "c", "file". */
const char *al_profile_name(enum al_profile p);
/* "reset", "stall", "short", "corrupt" ("none" for AL_FAULT_NONE). */
const char *al_fault_name(enum al_fault f);
/* "queue", "refuse". */
const char *al_overflow_name(enum al_overflow o);
const char *al_tcp_name(enum al_tcp t);
/* "fair", "fifo". */
const char *al_link_name(enum al_link l);

#endif
