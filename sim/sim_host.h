/* The other programs on the model's cores (machine.host_server,
 * host_links, host_emulator: docs/simulator.md): the origin server, the
 * link emulators and the kernel-TCP path's packet emulator, whose work
 * competes for the cores and holds a response back until it is done
 * (sim_host.c, the emulator's passes on a core of its own: sim_emu.c).
 * What the machine (struct sim_os, sim_os.h) keeps of them, and their
 * calls; the inline tests a segment makes (sim_host_tun, sim_host_hold,
 * sim_held, sim_gate_of, sim_host_recv) read the machine, and are in
 * sim_os.h. */
#ifndef SIM_HOST_H
#define SIM_HOST_H

#include <stddef.h>
#include <stdint.h>

struct sim_os;
struct sim_sock;
struct sim_thread;

/* A socket's passage through the host's server and link (sim_host.c); a
 * table of them exists only when the machine has those programs, so that
 * ten million simulated sockets cost nothing more without them. */
struct sim_gate {
	int64_t page;                /* the page its connection fetches */
	int64_t at;                  /* its response passes them then */
	uint64_t token;              /* the event at `at`, or 0 */
	uint32_t gen;                /* its connections so far: the server's
				      * work outlives a closed socket */
	uint8_t body;                /* the response's work is queued */
	uint8_t wrote;               /* the server's part of it was its
				      * paced write (sim_net_set_writer) */
	uint8_t conn;                /* the connect's packets are queued */
	/* an emulator on its own core: the connection is seen when both
	 * the network has made it and the emulator has written its SYN-ACK;
	 * which of them came first */
	uint8_t net_up, emu_up;
};

/* A piece of a host program's work, in the order its thread runs it
 * (sim_host.c): ns to run, and for whom -- k (its gate's gen), what
 * follows when it is done (kind), the response's len -- or nobody (k
 * NULL: an accept, ACKs). */
struct sim_host_item {
	struct sim_sock *k;
	int64_t ns, len;
	uint32_t gen;
	uint8_t kind;
};

/* Work for the packet emulator on a core of its own (sim_emu.c): up
 * (towards the server) and down (towards the crawler) ns of its packets,
 * which reached it at `at`; for k (its gate's gen) what follows when the
 * down packets are written (kind, sim_host.c), and the work its packets
 * cause then (next_up, next_down: the client's answer to them). */
struct sim_emu_item {
	int64_t at;
	uint64_t seq;
	struct sim_sock *k;
	int64_t up, down, next_up, next_down;
	int64_t nup, ndown;          /* packets, each way */
	int64_t next_nup, next_ndown;
	uint32_t gen;
	uint8_t kind;
	/* a SYN: its down packets (the SYN-ACK, of this kind) are the
	 * server's answer, d-down after it is written up, in a later pass */
	uint8_t syn;
	/* the handshake's ACK is among its up packets: the server accepts
	 * the connection when they are written (sim_host_accept) */
	uint8_t accept;
};
struct sim_host_fifo {
	struct sim_host_item *v;
	size_t cap, head, len;
};

/* A host program on the model's cores whose work is done when its
 * thread runs it: what it has to run (the first item ran for `ran`
 * already), and what it ran whose event is still to come. */
struct sim_host_prog {
	struct sim_os *s;
	struct sim_thread *th;
	struct sim_host_fifo todo, done;
	int64_t ran;
};

/* The kernel's TCP work and the other programs' (sim_host.c; the
 * packet counts and TUN prices: sim_host_tun.c). */
/* Starts the origin server and link emulators the machine names. 0 or -1. */
int sim_host_init(struct sim_os *s);
void sim_host_free(struct sim_os *s);
/* What the running thread's packet costs it, connection or send: base,
 * the loopback figure, with no emulator; on the kernel-TCP path busy
 * (when not 0, and less than the other) if another of its packets
 * reached the emulator since the thread last blocked, which woke the
 * emulator, else tun (base where tun is 0): the packet wakes it (docs/costs.md, "The emulator
 * awake or asleep"). */
int64_t sim_host_tun_price(struct sim_os *s, int64_t base, int64_t tun, int64_t busy);
/* A connection for k's page begins (connect): the caller's socket +
 * connect + close (less the close's part where the profile prices it
 * apart: tun_close, tun_close_busy), the server's and the link's side of
 * it. */
void sim_host_connect(struct sim_os *s, struct sim_sock *k, int64_t page);
/* k is closed: the close's part of its connection, where priced apart,
 * at the price its FIN finds the emulator at (sim_host_tun_price). */
void sim_host_close(struct sim_os *s, const struct sim_sock *k);
/* 1 when k's connection, established in the network at now, is seen by
 * the crawler later (the packet emulator has its SYN and SYN-ACK to carry
 * behind others, machine.host_emulator): an event then calls
 * sim_os_connected.  Queues that work once per connection. */
int sim_host_conn_held(struct sim_os *s, struct sim_sock *k, int64_t now);
/* The IP packets the kernel-TCP path carries for one page whose response
 * is resp bytes (header included), as Linux sends them without loss
 * (docs/kernel-tcp.md, "In the simulation"): SIM_HOST_EMU_CONNECT for the
 * connect (SYN, SYN-ACK), SIM_HOST_EMU_REQUEST after it (the handshake's
 * ACK, the request, the server's ACK of it), sim_host_emu_response() of
 * the response (its segments and the server's FIN), the rest after it. */
#define SIM_HOST_EMU_CONNECT 2
#define SIM_HOST_EMU_REQUEST 3
int64_t sim_host_emu_packets(int64_t resp);
int64_t sim_host_emu_response(int64_t resp);
/* The packet emulator on a core of its own, pass by pass (sim_emu.c):
 * it carries `it` when it has, and a pass ends in sim_host_emu_done for
 * each item with a kind.  A pass takes every item that reached it by its
 * start, writes their up packets, then their down ones (as
 * net/net_emu_loop.c flushes one device, then the other). */
void sim_emu_push(struct sim_os *s, struct sim_emu_item it);
void sim_emu_free(struct sim_os *s);
/* The emulator's backlog as the simulated TCP sees it (sim_emu.c; its
 * sim_net_set_backlog hook, arg the sim_os): work that reaches the
 * emulator at `at` and keeps it busy to `end` is queued with
 * sim_emu_due; the backlog at now counts only what has reached it.  On
 * a core of its own the answers (items with no kind) enter it when a
 * pass takes them, from when they reached the emulator. */
void sim_emu_due(struct sim_os *s, int64_t at, int64_t end);
/* Work of ns reached the emulator at t, its queue (emu_busy) already
 * taking it: counted (emu_work), and in the backlog from t, at once if t
 * is not later than now (sim_host.c's emu, a pass's answers). */
void sim_emu_reached(struct sim_os *s, int64_t t, int64_t ns);
int64_t sim_emu_backlog(void *arg, int64_t now);
void sim_host_emu_done(struct sim_os *s, const struct sim_emu_item *it, int64_t at);
/* The server accepts a connection at `at` (server_accept of its CPU):
 * on the kernel-TCP path when the handshake's ACK reaches it (a pass
 * that writes an item with `accept`). */
void sim_host_accept(struct sim_os *s, int64_t at);
/* 1 when what the network delivers to k at now must wait for the server,
 * the link and the packet emulator to have done their work (its gate is
 * then in the future): an event at the gate calls sim_os_readable. */
int sim__host_hold(struct sim_os *s, struct sim_sock *k, int64_t now);
/* What the running thread's connect costs it (sim_host_connect): its
 * packet's price, less the close's part where priced apart. */
int64_t sim__host_connect_price(struct sim_os *s);

#endif
