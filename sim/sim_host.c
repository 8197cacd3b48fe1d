/* The kernel's work for TCP connections, and the other programs that share
 * the machine's cores (docs/simulator.md, "The host").
 *
 * The crawler pays, on top of each call's `syscall`: `connection` for a
 * connection's socket + connect + close, `send` for each request it sends
 * (charged in sim_os.c's send), and `recv_per_kib` for the bytes it
 * receives.  With machine.host_server and host_links (what
 * `run --net both` sets, because the real run's origin server and link
 * emulators are processes on the same cores), those programs are threads
 * of processes of their own here, given the CPU their side of each page
 * costs from the same cost table:
 *
 *   the server, per page:  server_request + server_per_kib per KiB
 *                          (server_accept of it when the client connects)
 *   its link, per page:    relay_request + relay_per_kib per KiB
 *
 * each measured by `asynclab calibrate` on the real server and link
 * (net/net_calib_host.c).  With machine.host_emulator (the kernel-TCP
 * path's packet emulator, which also runs the receiving side's TCP input
 * for every packet it writes), a third queue, of packets:
 *
 *   the emulator, per page: emulator_packet x sim_host_emu_packets()
 *
 * the connect's two (SYN, SYN-ACK) before the crawler sees it connected,
 * then the handshake's ACK, the request and its ACK; the response's
 * segments before the crawler sees the response, then the ACKs and FINs
 * that follow it; on a core of its own (no thread: it takes nobody's
 * CPU) or on the model's (a thread, as the server's).
 * Their work competes for the cores (the run queue), which slows a
 * CPU-bound crawler down; and they are in the data's path: each is a
 * first-come first-served queue of that work, and what the network
 * delivers to a socket (its connect's success, its response) is held back
 * until the link (and the server) have done their part for it -- the
 * socket's gate.  The queues' times leave out the wait for a core (the
 * threads above have it), a first-order model.  The model's CPU busy and
 * context switches leave theirs out, as getrusage does. */
#include <stdlib.h>

#include "sim/sim_os.h"

int sim_host_init(struct sim_os *s)
{
	const struct al_machine *m = &s->os.sc->machine;

	if (!m->host_server && m->host_links <= 0 && m->host_emulator == AL_HOST_EMU_NONE)
		return 0;
	/* slabs of gates, beside the sockets' (sim_os.c grows both) */
	if (!(s->gates = calloc((size_t)sim_os_slabs(s), sizeof *s->gates)))
		return -1;
	for (int i = 0; i < s->nslabs; i++)
		if (!(s->gates[i] = calloc(SIM_FD_SLAB, sizeof *s->gates[i])))
			return -1;
	if (m->host_server && !(s->server = sim_kernel_bg(&s->k, "origin server")))
		return -1;
	s->nlinks = 0;
	for (int i = 0; i < m->host_links && i < (int)(sizeof s->links / sizeof s->links[0]); i++) {
		if (!(s->links[i] = sim_kernel_bg(&s->k, "link emulator")))
			return -1;
		s->nlinks++;
	}
	if (m->host_emulator == AL_HOST_EMU_SHARED &&
	    !(s->emu = sim_kernel_bg(&s->k, "packet emulator")))
		return -1;
	return 0;
}

static int64_t queue(int64_t *busy, int64_t t, int64_t ns);

/* The response's segments, and the client's ACKs of them. */
static int64_t segments(int64_t resp, int64_t *acks)
{
	/* a response always has its header */
	int64_t seg = resp <= SIM_NET_MSS ? 1 : (resp + SIM_NET_MSS - 1) / SIM_NET_MSS;

	/* the client ACKs each of the first TCP_MAX_QUICKACKS (16) segments
	 * at once (quick-ack mode, from the first data), then every second */
	*acks = seg <= 16 ? seg : 16 + (seg - 16 + 1) / 2;
	return seg;
}

int64_t sim_host_emu_response(int64_t resp)
{
	int64_t acks, seg = segments(resp, &acks);

	/* a response within the initial window (10 segments) is all sent
	 * before the server closes: its FIN goes alone; a longer one's FIN
	 * rides on its last segment, still queued then */
	return seg + (seg <= 10);
}

int64_t sim_host_emu_packets(int64_t resp)
{
	int64_t acks;

	segments(resp, &acks);
	return SIM_HOST_EMU_CONNECT + SIM_HOST_EMU_REQUEST + sim_host_emu_response(resp) +
	       acks + 2;                  /* the client's FIN, the server's ACK */
}

/* n packets reach the emulator at t: when it has carried them.  On the
 * model's cores its thread takes their CPU there too. */
static int64_t emu(struct sim_os *s, int64_t t, int64_t n)
{
	int64_t ns = n * s->os.sc->machine.costs.emulator_packet_ns;

	if (s->emu)
		sim_kernel_bg_work(&s->k, s->emu, ns);
	return queue(&s->emu_busy, t, ns);
}

/* When k's connection, established in the network at now, is seen by
 * the crawler: later when the packet emulator had its SYN and SYN-ACK to
 * carry behind others.  Queues that work once per connection. */
static int64_t connected_at(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	struct sim_gate *g = sim_gate_of(s, k);

	const struct al_costs *c = &s->os.sc->machine.costs;

	if (!g || g->conn)
		return now;
	g->conn = 1;
	/* the server accepts the connection now: that part of the page's
	 * work is its CPU from here, and its queue's (single-threaded, it
	 * answers the pages behind the accepts before them) */
	if (s->server && c->server_accept_ns > 0) {
		queue(&s->server_busy, now, c->server_accept_ns);
		sim_kernel_bg_work(&s->k, s->server, c->server_accept_ns);
	}
	if (s->os.sc->machine.host_emulator == AL_HOST_EMU_NONE)
		return now;
	int64_t t = emu(s, now, SIM_HOST_EMU_CONNECT);
	/* the handshake's ACK, the request, the server's ACK of it: they
	 * follow the connect into the queue, and hold up what comes behind */
	emu(s, now, SIM_HOST_EMU_REQUEST);
	return t;
}

/* Work of ns queued at t on a program whose queue ends at *busy: when it
 * is done. */
static int64_t queue(int64_t *busy, int64_t t, int64_t ns)
{
	*busy = (*busy > t ? *busy : t) + ns;
	return *busy;
}

/* The server sends a page the link then relays: when both are done.  The
 * same work goes to their threads, to take its share of the cores. */
static int64_t pass(struct sim_os *s, int64_t page, int64_t t, int64_t server_ns,
		    int64_t link_ns)
{
	if (s->server) {
		t = queue(&s->server_busy, t, server_ns);
		sim_kernel_bg_work(&s->k, s->server, server_ns);
	}
	if (s->nlinks) {
		int i = (int)((page < 0 ? 0 : page) % s->nlinks);
		t = queue(&s->link_busy[i], t, link_ns);
		sim_kernel_bg_work(&s->k, s->links[i], link_ns);
	}
	return t;
}

void sim_host_connect(struct sim_os *s, struct sim_sock *k, int64_t page)
{
	const struct al_costs *c = &s->os.sc->machine.costs;

	struct sim_gate *g = sim_gate_of(s, k);

	sim_kernel_charge(&s->k, c->connection_ns);
	if (g)
		*g = (struct sim_gate){.page = page};
}

/* 1 when what the network delivers to k at now must wait for the server,
 * the link and the packet emulator to have done their work. */
static int gated(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	const struct al_costs *c = &s->os.sc->machine.costs;

	struct sim_gate *g = sim_gate_of(s, k);

	if (!g)
		return 0;
	/* The response's first bytes: the page's whole work on the server
	 * and the link is queued then, per page and per KiB -- a page passes
	 * them in one piece, a first-order model of their streaming (the
	 * per-page part, accept and connect, happens earlier for real, but
	 * a FIFO holding it from the connects would hold every response
	 * behind every connect). */
	if (!g->body && k->flow && sim_net_readable(k->flow)) {
		int64_t len = sim_net_response_len(k->flow);
		/* the server's accept was charged at connect */
		int64_t rest = c->server_request_ns > c->server_accept_ns ?
			       c->server_request_ns - c->server_accept_ns : 0;
		if (!g->conn)
			rest = c->server_request_ns;
		int64_t t = pass(s, g->page, now,
				 rest + len * c->server_ns_per_kib / 1024,
				 c->relay_request_ns + len * c->relay_ns_per_kib / 1024);
		if (s->os.sc->machine.host_emulator != AL_HOST_EMU_NONE) {
			int64_t data = sim_host_emu_response(len);
			int64_t after = sim_host_emu_packets(len) - SIM_HOST_EMU_CONNECT -
					SIM_HOST_EMU_REQUEST - data;
			/* the response's segments before the crawler sees it;
			 * the ACKs and FINs after it, behind it in the queue */
			t = emu(s, t, data);
			emu(s, t, after);
		}
		g->body = 1;
		if (t > g->at)
			g->at = t;
	}
	return g->at > now;
}

/* The gate passed: what the network delivered meanwhile is seen now. */
static void on_gate(void *arg, int64_t now)
{
	struct sim_sock *k = arg;
	struct sim_gate *g = sim_gate_of(k->sim, k);

	if (g)
		g->token = 0;
	if (k->flow && !k->conn_err && sim_net_readable(k->flow))
		sim_os_readable(k, now);
}

int sim_host_hold(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	if (!gated(s, k, now))
		return 0;
	struct sim_gate *g = sim_gate_of(s, k);
	if (!g)
		return 0;
	if (!g->token && !(g->token = sim_queue_push(&s->q, g->at, on_gate, k)))
		abort(); /* the queue cannot grow: nothing sane to continue with */
	return 1;
}

/* The packet emulator has carried the connect's packets. */
static void on_conn_gate(void *arg, int64_t now)
{
	struct sim_sock *k = arg;
	struct sim_gate *g = sim_gate_of(k->sim, k);

	if (g)
		g->token = 0;
	sim_os_connected(k, 0, now);
}

int sim_host_conn_held(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	int64_t at = connected_at(s, k, now);
	struct sim_gate *g = sim_gate_of(s, k);

	if (!g || at <= now)
		return 0;
	if (!(g->token = sim_queue_push(&s->q, at, on_conn_gate, k)))
		abort(); /* the queue cannot grow: nothing sane to continue with */
	return 1;
}

void sim_host_recv(struct sim_os *s, struct sim_thread *th, int64_t bytes)
{
	const struct al_costs *c = &s->os.sc->machine.costs;

	if (bytes <= 0)
		return;
	int64_t copy = bytes * c->recv_ns_per_kib / 1024;
	if (th)
		sim_kernel_owe(&s->k, th, copy);
	else
		sim_kernel_charge(&s->k, copy);
}
