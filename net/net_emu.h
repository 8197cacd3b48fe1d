/* The packet emulator's queue logic: one direction of the scenario's
 * network applied to IP packets (docs/kernel-tcp.md).
 *
 * A packet pushed at time t is lost with probability `loss`; otherwise it
 * propagates for `delay` + a jitter draw, never overtaking the packet before
 * it (per-direction FIFO), then reaches the bottleneck: a drop-tail queue of
 * `queue` packets (the one being sent included) drained at `bandwidth_bps`
 * bits/s.  A bandwidth of 0 is no bottleneck at all (no queue, no drops).
 *
 * Pure: no device, no clock.  The caller says what time it is; events
 * between two calls are replayed in time order, so the result does not
 * depend on how often the caller looks (late pops deliver late, but the
 * queue's decisions are those at the exact virtual times). */
#ifndef NET_EMU_H
#define NET_EMU_H

#include <stddef.h>
#include <stdint.h>

#include <signal.h>
#include <sys/types.h>

#include "core/al_dist.h"
#include "core/al_scenario.h"
#include "net/net_emu_flow.h"

struct net_emu_pkt {
	struct net_emu_pkt *next;
	int64_t at;                  /* propagating: reaches the bottleneck;
					queued: its last bit has left it */
	uint32_t len;
	unsigned char data[];
};

struct net_emu_cfg {
	int64_t delay_ns;            /* fixed one-way delay */
	struct al_dist jitter;       /* added to each packet's delay, ns */
	int64_t bandwidth_bps;       /* bottleneck; 0: unlimited */
	int64_t queue;               /* drop-tail limit, packets (>= 1) */
	double loss;                 /* probability: per packet, or per page
					when the direction has flows */
};

struct net_emu_stats {
	int64_t in;                  /* packets pushed */
	int64_t lost;                /* random loss */
	int64_t dropped;             /* queue full (drop-tail) */
	int64_t out;                 /* packets popped */
	int64_t bytes_out;
	int64_t held;                /* packets held now */
	int64_t peak_queued;         /* most packets at the bottleneck */
};

/* One direction.  The list runs head -> tail in delivery order: first the
 * packets at the bottleneck (head .. last_q), then those propagating
 * (after last_q); both parts are in time order. */
struct net_emu_dir {
	struct net_emu_cfg cfg;
	struct al_rng loss_rng, jitter_rng;
	struct net_emu_pkt *head, *last_q, *tail;
	int64_t last_at;             /* latest arrival at the bottleneck: FIFO */
	int64_t link_free;           /* when the bottleneck is idle again */
	int64_t queued;              /* packets at the bottleneck */
	struct net_emu_stats st;
	/* when set, loss is the simulator's, page by page (net_emu_flow.h):
	 * flows (shared by both directions) decides, up says which way this
	 * is; when NULL, each packet is lost with probability loss */
	struct net_emu_flows *flows;
	int up;
};

/* A packet of len bytes (contents uninitialised), or NULL (ENOMEM). */
struct net_emu_pkt *net_emu_pkt_new(size_t len);
void net_emu_pkt_free(struct net_emu_pkt *p);

/* Sets d up for cfg; draws come from streams (seed, stream) and
 * (seed, stream + 1) of al_rng_fork, so the two directions of one run and
 * runs of two seeds draw differently, and one seed the same.  A loss of 0
 * or a fixed jitter draws nothing.  Loss is per packet until the caller
 * sets d->flows. */
void net_emu_init(struct net_emu_dir *d, const struct net_emu_cfg *cfg, uint64_t seed,
		  uint64_t stream);
/* Frees every packet held. */
void net_emu_free(struct net_emu_dir *d);

/* Takes p (read at time now) into d.  Returns 0 when it is on its way, 1
 * when it was lost (p is freed). */
int net_emu_push(struct net_emu_dir *d, int64_t now, struct net_emu_pkt *p);
/* The next packet due at or before now, or NULL; the caller frees it.
 * Packets the full queue refused on the way are freed and counted. */
struct net_emu_pkt *net_emu_pop(struct net_emu_dir *d, int64_t now);
/* When d next has something to do (INT64_MAX: nothing held): the time to
 * call net_emu_pop again. */
int64_t net_emu_next(const struct net_emu_dir *d);

/* The time the bottleneck takes to send len bytes at bps (rounded up to
 * the ns; 0 when bps is 0). */
int64_t net_emu_tx_ns(int64_t len, int64_t bps);

/* --- the emulator process (net_emu_loop.c) --- */

/* What the emulator did, in memory it shares with whoever started it. */
struct net_emu_shared {
	struct net_emu_stats up;     /* client -> server */
	struct net_emu_stats down;   /* server -> client */
	int64_t cpu_ns;              /* the emulator's own CPU, user + system */
	int64_t cpu_start_ns;        /* cpu_ns when it began to carry packets:
					what its set-up (namespaces) took */
	int64_t wakeups;             /* passes of its loop */
	int64_t write_errors;        /* packets a device refused */
	/* per side (client, server), read from the devices at the end: what
	 * the TUN devices dropped outside the emulator's queue -- tx, a full
	 * device queue (the emulator was not scheduled in time); rx, packets
	 * the namespace's stack refused.  -1: not read. */
	int64_t dev_tx_dropped[2], dev_rx_dropped[2];
	/* loss page by page: what was lost, by enum net_emu_kind */
	int64_t lost_by[NET_EMU_KINDS];
};

/* The two directions of sc's network (docs/kernel-tcp.md): up, delay
 * floor(rtt/2) + jitter, loss, no bottleneck; down, rtt - floor(rtt/2) +
 * jitter, loss, then the client's link: bandwidth with a drop-tail queue
 * of network.queue packets. */
void net_emu_cfgs(const struct al_scenario *sc, struct net_emu_cfg *up,
		  struct net_emu_cfg *down);

/* Times for n packets one read of a device found (net_emu_loop.c's drain):
 * t[i] is on entry the clock at packet i's read, on return the time it is
 * taken to have been sent.  The device was last seen empty at from and the
 * read ended at now; a TUN device does not say when each packet came, so
 * they are spread evenly over [from, now], none later than its own read,
 * none before last (the device's previous packet), in order.  Returns the
 * time given to the last packet (last when n is 0). */
int64_t net_emu_stamps(int64_t from, int64_t now, int64_t last, int64_t *t, int n);

/* The run_delay of /proc/thread-self/schedstat held in b[0..n) (its second
 * figure, ns: how long the thread has waited runnable), or -1 when b does
 * not hold one (empty, garbage, a figure missing or negative). */
int64_t net_emu_run_delay_parse(const char *b, size_t n);

/* When a wait woke the emulator: back, the clock when ppoll returned, less
 * the time it waited for a CPU during the wait (after - before, two
 * run_delay figures; nothing when the figure went down), never before
 * read_at (the devices were empty then) nor after back. */
int64_t net_emu_woken_at(int64_t back, int64_t read_at, int64_t before, int64_t after);

/* Carries packets between the TUN devices tun[0] (the client's side) and
 * tun[1] (the server's) through sc's network, until *stop is set or the
 * parent is no longer parent; draws come from sc->seed.  Keeps *sh up to
 * date.  0 when stopped, -1 with errno when a device failed. */
int net_emu_serve(const int tun[2], const struct al_scenario *sc, struct net_emu_shared *sh,
		  pid_t parent, volatile sig_atomic_t *stop);

#endif
