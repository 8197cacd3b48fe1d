/* The kernel's work for TCP connections, and the other programs that share
 * the machine's cores (docs/simulator.md, "The host").
 *
 * The crawler pays, on top of each call's `syscall`: `connection` for a
 * connection's socket + connect + close, `send` for each request it sends
 * (charged in sim_os.c's send), and `recv_per_kib` for the bytes it
 * receives; with machine.host_emulator (the kernel-TCP path)
 * `tun_connection` and `tun_send` instead of the first two, where the
 * profile has them (sim_host_tun), and `tun_connection_busy` and
 * `tun_send_busy` for a packet that finds the emulator awake
 * (sim_host_tun_price, sim_host_tun.c).  With machine.host_server and host_links (what
 * `run --net both` sets, because the real run's origin server and link
 * emulators are processes on the same cores), those programs are threads
 * of processes of their own here, given the CPU their side of each page
 * costs from the same cost table:
 *
 *   the server, per page:  server_request + server_per_kib per KiB
 *                          (server_accept of it when the connection is
 *                          made: on the kernel-TCP path when the
 *                          handshake's ACK reaches the server)
 *              per wake-up: server_wake, when its thread was asleep
 *                          (not with tun_server_request: that holds them)
 *   its link, per page:    relay_request + relay_per_kib per KiB
 *
 * each measured by `asynclab calibrate` on the real server and link
 * (net/net_calib_host.c).  With machine.host_emulator (the kernel-TCP
 * path's packet emulator, which also runs the receiving side's TCP input
 * for every packet it writes), a third queue, of packets:
 *
 *   the emulator, per page: emulator_packet x sim_host_emu_packets()
 *     + emulator_per_kib x the page's bytes and its packets' headers
 *
 * the connect's two (SYN, SYN-ACK) before the crawler sees it connected,
 * then the handshake's ACK, the request and its ACK; the response's
 * segments before the crawler sees the response, then the ACKs and FINs
 * that follow it; on a core of its own (no thread: it takes nobody's
 * CPU) or on the model's (a thread, as the server's).  On a core of its
 * own the connect's and the response's work enter its queue here (emu),
 * the answers that follow them when its passes take them (sim_emu.c's
 * backlog_add): that queue is the backlog the simulated TCP sees.
 * Their work competes for the cores (the run queue), which slows a
 * CPU-bound crawler down; and they are in the data's path: each is a
 * first-come first-served queue of that work, and what the network
 * delivers to a socket (its connect's success, its response) is held back
 * until the link (and the server) have done their part for it -- the
 * socket's gate.  The server's work, and the emulator's when it shares
 * the model's cores, is done when its thread runs it: it takes turns on
 * the core with the crawler as Linux's scheduler gives them
 * (sim_kernel_turn_end), and a turn's responses go out together, for the
 * crawler's next wait to collect.  (A crawler that busy-polls keeps its
 * core here, so then they stay queues that leave out the wait for a
 * core.)  The links' queues and the emulator's on a core of its own leave
 * that wait out, a first-order model.  The model's CPU busy and context switches leave
 * theirs out, as getrusage does. */
#include <stdlib.h>

#include "sim/sim_os.h"

static void on_ran(void *arg, struct sim_thread *th, int64_t at, int64_t ns);
static int64_t server_write(void *arg, void *ctx, int64_t now, int64_t ns);

/* What follows a host item when its program has run it. */
enum { HOST_NONE, HOST_SERVED, HOST_CONN, HOST_DATA, HOST_WRITTEN };

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
	s->srv_p = (struct sim_host_prog){.s = s, .th = s->server};
	s->nlinks = 0;
	for (int i = 0; i < m->host_links && i < (int)(sizeof s->links / sizeof s->links[0]); i++) {
		if (!(s->links[i] = sim_kernel_bg(&s->k, "link emulator")))
			return -1;
		s->nlinks++;
	}
	if (m->host_emulator == AL_HOST_EMU_SHARED &&
	    !(s->emu = sim_kernel_bg(&s->k, "packet emulator")))
		return -1;
	s->emu_p = (struct sim_host_prog){.s = s, .th = s->emu};
	if (m->host_emulator != AL_HOST_EMU_NONE)
		sim_net_set_backlog(&s->net, sim_emu_backlog, s);
	if (s->server)
		sim_net_set_writer(&s->net, server_write, s);
	if (s->server || s->emu) {
		s->k.bg_ran = on_ran;
		s->k.bg_arg = s;
	}
	return 0;
}

void sim_host_free(struct sim_os *s)
{
	struct sim_host_prog *p[] = {&s->srv_p, &s->emu_p};

	for (int i = 0; i < 2; i++) {
		free(p[i]->todo.v);
		free(p[i]->done.v);
		p[i]->todo = p[i]->done = (struct sim_host_fifo){0};
	}
	sim_emu_free(s);
}

static int64_t queue(int64_t *busy, int64_t t, int64_t ns);

static void fifo_push(struct sim_host_fifo *f, struct sim_host_item it)
{
	if (f->len == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		struct sim_host_item *v = malloc(cap * sizeof *v);
		if (!v)
			abort(); /* the queue cannot grow: nothing sane to continue with */
		for (size_t i = 0; i < f->len; i++)
			v[i] = f->v[(f->head + i) % f->cap];
		free(f->v);
		f->v = v;
		f->cap = cap;
		f->head = 0;
	}
	f->v[(f->head + f->len++) % f->cap] = it;
}

static struct sim_host_item fifo_pop(struct sim_host_fifo *f)
{
	struct sim_host_item it = f->v[f->head];

	f->head = (f->head + 1) % f->cap;
	f->len--;
	return it;
}

/* ns of program p's work, queued at t, whose queue alone ends at *busy,
 * for k (kind of it; k NULL: for nobody): its thread runs it in turn.
 * What it returns is when the queue, had it the core to itself, would
 * have done it; -1 when the thread's run says when instead (on_ran, then
 * on_done).  Work that reaches the program later than now cannot wait
 * in its thread's FIFO (it would run early), nor can work behind a
 * spinning crawler (see above): those keep the queue's time. */
static int64_t work(struct sim_os *s, struct sim_host_prog *p, int64_t *busy, int64_t t,
		    int64_t ns, struct sim_sock *k, int kind, int64_t len)
{
	struct sim_gate *g = k ? sim_gate_of(s, k) : NULL;
	int64_t at = queue(busy, t, ns);

	if (!p->th || ns <= 0)
		return at;
	/* every piece of the thread's work is in its FIFO, to keep the two
	 * in step */
	int turn = g && t <= s->now && !sim_kernel_spinning(&s->k);
	fifo_push(&p->todo, (struct sim_host_item){
		.k = turn ? k : NULL, .ns = ns, .len = len, .gen = g ? g->gen : 0,
		.kind = (uint8_t)(turn ? kind : HOST_NONE)});
	sim_kernel_bg_work(&s->k, p->th, ns);
	return turn ? -1 : at;
}

/* The server's work of ns for k, and its wake-up's (server_wake) when its
 * thread was asleep as the work reached it: the real server pays that
 * once a return from its wait, however many requests the wait brings
 * (calibrate measures the two apart, net/net_calib_host.c).  Never on a
 * thread that is running or already woken: a burst of pages pays one.
 * Nor where the page is priced by tun_server_request (the kernel-TCP
 * path, measured): that figure is the server's whole CPU over a batch
 * per page, its wake-ups included (net/net_calib_emu.c), so a wake-up
 * charged here would be paid twice. */
static int64_t serve(struct sim_os *s, struct sim_sock *k, int64_t t, int64_t ns, int64_t len,
		     int kind)
{
	const struct al_machine *m = &s->os.sc->machine;
	int64_t wake = m->costs.server_wake_ns;

	if (m->host_emulator != AL_HOST_EMU_NONE && m->costs.tun_server_request_ns > 0)
		wake = 0;
	if (wake > 0 && s->server && s->server->state == SIM_T_BLOCKED)
		ns += wake;
	return work(s, &s->srv_p, &s->server_busy, t, ns, k, kind, len);
}

/* The network's paced server (sim_net_set_writer): the write of ctx's
 * response, ns of the server's CPU at now, is the server's part of the
 * page, done in its thread's turn; the socket's gate then leaves it out.
 * When it is done (-1: on_done calls sim_net_written). */
static int64_t server_write(void *arg, void *ctx, int64_t now, int64_t ns)
{
	struct sim_os *s = arg;
	struct sim_sock *k = ctx;
	struct sim_gate *g = sim_gate_of(s, k);

	if (g)
		g->wrote = 1;
	return serve(s, k, now, ns, 0, HOST_WRITTEN);
}

/* A packet's IP and TCP headers, timestamps included, as the emulator
 * counts its bytes: 20 + 20 + 12. */
#define EMU_HEADER 52

/* The emulator's work for n packets of payload bytes in all. */
static int64_t emu_ns(const struct sim_os *s, int64_t n, int64_t payload)
{
	const struct al_costs *c = &s->os.sc->machine.costs;

	return n * c->emulator_packet_ns +
	       al_per_kib_ns(payload + n * EMU_HEADER, c->emulator_ns_per_kib);
}

/* 1 when the emulator has a core of its own: it works in passes then
 * (sim_emu.c), which say when it has carried a page's packets. */
static int emu_own(const struct sim_os *s)
{
	return s->os.sc->machine.host_emulator == AL_HOST_EMU_OWN;
}

/* n packets of payload bytes in all reach the emulator at t: when it has
 * carried them (k, kind: for whom and what then; -1: its thread's run
 * says when).  On the model's cores its thread takes their CPU there
 * too, in turn.  On a core of its own, when its queue would have: the
 * backlog the simulated TCP sees (its passes say when k sees them). */
static int64_t emu(struct sim_os *s, int64_t t, int64_t n, int64_t payload, struct sim_sock *k,
		   int kind)
{
	int64_t ns = emu_ns(s, n, payload);
	int64_t at = work(s, &s->emu_p, &s->emu_busy, t, ns, k, kind, 0);

	sim_emu_reached(s, t, ns);
	return at;
}

/* An emulator on its own core: the connection is made at now (the
 * network has connected it and the emulator has written its SYN-ACK), and
 * the client answers the SYN-ACK with the handshake's ACK and the
 * request, which reach the emulator half a round trip later, as any
 * answer to down packets (sim_emu.c); the server accepts the connection
 * when they are written (sim_host_accept) and ACKs them (down).  Not
 * from the SYN: a connect that never happens (a SYN the server drops)
 * has no answers, and a retried SYN's come when it is answered. */
static void handshake_answers(struct sim_os *s, int64_t now)
{
	int64_t rtt = s->os.sc->network.rtt_ns;

	sim_emu_push(s, (struct sim_emu_item){
		.at = now + rtt / 2, .up = emu_ns(s, SIM_HOST_EMU_REQUEST - 1, 0),
		.nup = SIM_HOST_EMU_REQUEST - 1, .next_down = emu_ns(s, 1, 0), .next_ndown = 1,
		.accept = 1});
}

/* The server accepts a connection: server_accept (tun_server_accept on
 * the kernel-TCP path, al_server_accept_ns) of its CPU at `at`, in its
 * queue (single-threaded, it answers the pages behind the accepts before
 * them). */
void sim_host_accept(struct sim_os *s, int64_t at)
{
	int64_t ns = al_server_accept_ns(&s->os.sc->machine);

	if (s->server && ns > 0)
		serve(s, NULL, at, ns, 0, HOST_NONE);
}

static void on_accept(void *arg, int64_t now)
{
	sim_host_accept(arg, now);
}

/* The emulator sharing the cores: the handshake's ACK, sent when the
 * client saw its SYN-ACK at t (after the emulator's backlog), reaches the
 * server half a round trip later, which accepts it then (the emulator's
 * queue is not in the ACK's way, the path's half round trip is). */
static void accept_after_syn_ack(struct sim_os *s, int64_t t)
{
	int64_t rtt = s->os.sc->network.rtt_ns;

	if (s->server && al_server_accept_ns(&s->os.sc->machine) > 0 &&
	    !sim_queue_push(&s->q, t + rtt / 2, on_accept, s))
		abort(); /* the queue cannot grow: nothing sane to continue with */
}

/* When k's connection, established in the network at now, is seen by
 * the crawler: later when the packet emulator had its SYN and SYN-ACK to
 * carry behind others.  Queues that work once per connection. */
static int64_t connected_at(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	struct sim_gate *g = sim_gate_of(s, k);

	if (!g || g->conn)
		return now;
	g->conn = 1;
	/* the server accepts the connection when it is made: that part of
	 * the page's work is its CPU from then.  Over the relay, now (the
	 * link emulator connects over loopback); on the kernel-TCP path
	 * when the handshake's ACK reaches the server, half a round trip
	 * after the client had the SYN-ACK (accept() returns a connection
	 * the kernel has completed): where the page's pieces of work fall
	 * sets the pace of the server's writes in a burst, which a FIFO
	 * link's queue sees (docs/real.md, "select-limit: the server's
	 * accept") */
	if (s->os.sc->machine.host_emulator == AL_HOST_EMU_NONE) {
		sim_host_accept(s, now);
		return now;
	}
	int64_t t = emu(s, now, SIM_HOST_EMU_CONNECT, 0, k, HOST_CONN);
	/* the handshake's ACK, the request, the server's ACK of it: they
	 * follow the connect into the queue, and hold up what comes behind
	 * (the request's ~70 bytes left out of their size: 0.2 us at 3 us
	 * a KiB); in the passes they reach the emulator when they are
	 * sent, and its backlog then (sim_emu.c) */
	if (!emu_own(s)) {
		emu(s, now, SIM_HOST_EMU_REQUEST, 0, NULL, HOST_NONE);
		/* the client sends the ACK when it sees the SYN-ACK, after
		 * the emulator's backlog: at t, or when its thread has run
		 * (on_done) */
		if (t >= 0)
			accept_after_syn_ack(s, t);
		return t;
	}
	/* in its passes (its SYN went in at the connect): seen now if the
	 * emulator has written the SYN-ACK already, else when it does */
	if (g->emu_up) {
		handshake_answers(s, now);
		return now;
	}
	g->net_up = 1;
	return -1;
}

/* Work of ns queued at t on a program whose queue ends at *busy: when it
 * is done. */
static int64_t queue(int64_t *busy, int64_t t, int64_t ns)
{
	*busy = (*busy > t ? *busy : t) + ns;
	return *busy;
}

/* The server's part of a page of len bytes, for k: its request's work
 * less the accept's when that was charged apart (at the connect, or on
 * the kernel-TCP path when the handshake's ACK reached it), and per KiB. */
static int64_t server_ns(const struct sim_os *s, const struct sim_gate *g, int64_t len)
{
	return al_server_page_ns(&s->os.sc->machine, len, g->conn);
}

/* The server has sent k's page of len bytes at t, which the link relays
 * and the packet emulator carries: when the crawler sees it (-1: the
 * emulator's thread says when).  The same work goes to their threads, to
 * take its share of the cores. */
static int64_t relay(struct sim_os *s, struct sim_sock *k, int64_t page, int64_t t, int64_t len)
{
	const struct al_costs *c = &s->os.sc->machine.costs;

	if (s->nlinks) {
		int i = (int)((page < 0 ? 0 : page) % s->nlinks);
		int64_t ns = c->relay_request_ns + al_per_kib_ns(len, c->relay_ns_per_kib);
		t = queue(&s->link_busy[i], t, ns);
		sim_kernel_bg_work(&s->k, s->links[i], ns);
	}
	if (s->os.sc->machine.host_emulator != AL_HOST_EMU_NONE) {
		int64_t data = sim_host_emu_response(len);
		int64_t after = sim_host_emu_packets(len) - SIM_HOST_EMU_CONNECT -
				SIM_HOST_EMU_REQUEST - data;
		/* the response's segments before the crawler sees it; the
		 * ACKs and FINs after it, behind it in the queue (in the
		 * passes, the answers' own: the client's half a round trip
		 * after the response is written, the server's ACK half a
		 * round trip after the client's FIN is) */
		int64_t at = emu(s, t, data, len, k, HOST_DATA);
		if (emu_own(s)) {
			/* in its passes: the response down; the client's ACKs
			 * and FIN answer it (up), the server's ACK of the FIN
			 * (down) */
			struct sim_gate *g = sim_gate_of(s, k);
			sim_emu_push(s, (struct sim_emu_item){
				.at = t, .k = k, .gen = g ? g->gen : 0,
				.kind = HOST_DATA, .down = emu_ns(s, data, len), .ndown = data,
				.next_up = emu_ns(s, after - 1, 0), .next_down = emu_ns(s, 1, 0),
				.next_nup = after - 1, .next_ndown = 1});
			t = -1;
		} else {
			emu(s, at < 0 ? t : at, after, 0, NULL, HOST_NONE);
			t = at;
		}
	}
	return t;
}

static void on_gate(void *arg, int64_t now);

/* A host program ran a piece of work for a socket: what follows. */
static void on_done(void *arg, int64_t now)
{
	struct sim_host_prog *p = arg;
	struct sim_os *s = p->s;
	struct sim_host_item it = fifo_pop(&p->done);
	struct sim_gate *g = sim_gate_of(s, it.k);

	if (!g || g->gen != it.gen || !it.k->flow)
		return;      /* closed meanwhile: nobody waits for it */
	if (it.kind == HOST_CONN) {
		/* the emulator wrote the SYN-ACK: seen now if the network has
		 * made the connection, else when it does (connected_at) */
		if (emu_own(s)) {
			if (!g->net_up) {
				g->emu_up = 1;
				return;
			}
			handshake_answers(s, now);
		} else {
			accept_after_syn_ack(s, now);
		}
		sim_os_connected(it.k, 0, now);
		return;
	}
	if (it.kind == HOST_WRITTEN) {
		sim_net_written(it.k->flow, now);
		return;
	}
	/* the server has sent the response: the rest of its way; or the
	 * emulator has carried it (HOST_DATA) */
	g->at = it.kind == HOST_SERVED ? relay(s, it.k, g->page, now, it.len) : now;
	if (g->at < 0) {
		g->at = INT64_MAX;   /* the emulator's turn says when */
	} else if (g->at > now) {
		if (!(g->token = sim_queue_push(&s->q, g->at, on_gate, it.k)))
			abort(); /* the queue cannot grow: nothing sane to continue with */
	} else {
		on_gate(it.k, now);
	}
}

/* The emulator on a core of its own has written its down packets at
 * at: what follows, then. */
void sim_host_emu_done(struct sim_os *s, const struct sim_emu_item *it, int64_t at)
{
	fifo_push(&s->emu_p.done, (struct sim_host_item){
		.k = it->k, .gen = it->gen, .kind = it->kind});
	if (!sim_queue_push(&s->q, at, on_done, &s->emu_p))
		abort(); /* the queue cannot grow: nothing sane to continue with */
}

/* A host program's thread runs ns of its work from at: the pieces it
 * ends are done then, in order. */
static void on_ran(void *arg, struct sim_thread *th, int64_t at, int64_t ns)
{
	struct sim_os *s = arg;
	struct sim_host_prog *p = th == s->server ? &s->srv_p : th == s->emu ? &s->emu_p : NULL;

	while (p && ns > 0 && p->todo.len > 0) {
		struct sim_host_item *it = &p->todo.v[p->todo.head];
		int64_t need = it->ns - p->ran;
		if (need > ns) {
			p->ran += ns;
			return;
		}
		at += need;
		ns -= need;
		p->ran = 0;
		struct sim_host_item done = fifo_pop(&p->todo);
		if (!done.k)
			continue;
		fifo_push(&p->done, done);
		if (!sim_queue_push(&s->q, at, on_done, p))
			abort(); /* the queue cannot grow: nothing sane to continue with */
	}
}

void sim_host_connect(struct sim_os *s, struct sim_sock *k, int64_t page)
{
	struct sim_gate *g = sim_gate_of(s, k);

	sim_kernel_charge(&s->k, sim__host_connect_price(s));
	if (g)
		*g = (struct sim_gate){.page = page, .gen = g->gen + 1};
	if (!g || !emu_own(s))
		return;
	/* an emulator on its own core: the SYN reaches it now and goes up
	 * the link's half a round trip; the server's SYN-ACK comes down
	 * after it is written (sim_emu.c).  The client's answers to it come
	 * when the connection is made (handshake_answers).  A lost SYN's
	 * retry is not carried again. */
	int64_t rtt = s->os.sc->network.rtt_ns;
	sim_emu_push(s, (struct sim_emu_item){
		.at = sim_clock(s) + rtt / 2, .k = k, .gen = g->gen, .kind = HOST_CONN, .syn = 1,
		.up = emu_ns(s, 1, 0), .down = emu_ns(s, 1, 0), .nup = 1, .ndown = 1});
}

/* 1 when what the network delivers to k at now must wait for the server,
 * the link and the packet emulator to have done their work. */
static int gated(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	struct sim_gate *g = sim_gate_of(s, k);

	if (!g)
		return 0;
	/* The response's first bytes: the page's whole work on the server
	 * and the link is queued then, per page and per KiB -- a page passes
	 * them in one piece, a first-order model of their streaming (the
	 * per-page part, accept and connect, happens earlier for real, but
	 * a FIFO holding it from the connects would hold every response
	 * behind every connect).  A paced server's work is its write
	 * (server_write): a flow that failed before it was written (link
	 * down while it was thought over or queued) cost it nothing here. */
	if (!g->body && k->flow && sim_net_readable(k->flow)) {
		int64_t len = sim_net_response_len(k->flow), t = now;
		int unwritten = sim_net_paced(&s->net) && sim_net_failed(k->flow);
		g->body = 1;
		if (s->server && !g->wrote && !unwritten &&
		    (t = serve(s, k, now, server_ns(s, g, len), len, HOST_SERVED)) < 0) {
			g->at = INT64_MAX;   /* on_done says when */
			return 1;
		}
		if ((t = relay(s, k, g->page, t, len)) < 0) {
			g->at = INT64_MAX;   /* on_done says when */
			return 1;
		}
		if (t > g->at)
			g->at = t;
	}
	return g->at > now;
}

/* The gate passed: what the network delivered meanwhile is seen now. */
static void on_gate(void *arg, int64_t now)
{
	struct sim_sock *k = arg;
	struct sim_gate *g = sim_gate_of(sim_sock_os(k), k);

	if (g)
		g->token = 0;
	if (k->flow && !k->conn_err && sim_net_readable(k->flow))
		sim_os_readable(k, now);
}

int sim__host_hold(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	if (!gated(s, k, now))
		return 0;
	struct sim_gate *g = sim_gate_of(s, k);
	if (!g)
		return 0;
	if (g->at == INT64_MAX)
		return 1;            /* on a program's turn: on_done goes on */
	if (!g->token && !(g->token = sim_queue_push(&s->q, g->at, on_gate, k)))
		abort(); /* the queue cannot grow: nothing sane to continue with */
	return 1;
}

/* The packet emulator has carried the connect's packets. */
static void on_conn_gate(void *arg, int64_t now)
{
	struct sim_sock *k = arg;
	struct sim_gate *g = sim_gate_of(sim_sock_os(k), k);

	if (g)
		g->token = 0;
	sim_os_connected(k, 0, now);
}

int sim_host_conn_held(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	int64_t at = connected_at(s, k, now);
	struct sim_gate *g = sim_gate_of(s, k);

	if (at < 0)
		return 1;            /* the emulator's turn: on_done connects it */
	if (!g || at <= now)
		return 0;
	if (!(g->token = sim_queue_push(&s->q, at, on_conn_gate, k)))
		abort(); /* the queue cannot grow: nothing sane to continue with */
	return 1;
}
