/* The kernel-TCP path's arithmetic for the host (sim_host.c): how many
 * packets a page makes the packet emulator carry, and what the crawler's
 * connects, sends and closes cost it on the TUN path, by whether their
 * packet finds the emulator awake or asleep (docs/costs.md, "The
 * emulator awake or asleep").  They read the machine and keep the
 * running thread's bursts; the queues and gates are sim_host.c's. */
#include "sim/sim_os.h"

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

/* What a packet at the asleep price pays more where the emulator has a
 * CPU of its own and is asleep there (no pass under way): woken across
 * CPUs by a crawler that slept since its last packet, tun_apart (a
 * one-core scenario's real run pins the two apart).  Not where the TUN
 * path is priced as loopback's (tun 0). */
static int64_t tun_apart(struct sim_os *s, int64_t tun)
{
	int own = s->os.sc->machine.host_emulator == AL_HOST_EMU_OWN;

	return tun && own && sim_clock(s) >= s->emu_pass_end
		       ? s->os.sc->machine.costs.tun_apart_ns : 0;
}

/* sim_host_tun_price's, for a connect's or send's packet, or (fin) a
 * close's: a FIN finds the emulator awake after any packet of the
 * thread's burst, but keeps it awake only for the burst's next closes
 * (close_apart says why). */
static int64_t tun_price(struct sim_os *s, int64_t base, int64_t tun, int64_t busy, int fin)
{
	const struct sim_thread *th = s->k.current;

	if (!sim_host_tun(s))
		return base;
	int64_t asleep = tun ? tun : base;
	if (!th)
		return asleep + tun_apart(s, tun);
	/* the thread's packets between two of its blocks come back to back:
	 * the first wakes the emulator, which is still at them when the next
	 * come.  A block is where the thread stops handing it packets (its
	 * time slept is the emulator's to fall asleep in); a new burst
	 * without one (its core freed and taken again, preemption, a
	 * yield) is not: calibrate's batch client, which measured the busy
	 * price, connects 300 pages without blocking, preempted or not. */
	int same = s->tun_thread == th->id + 1 && s->tun_slept == th->slept_at;
	if (fin) {
		same |= s->tun_close_thread == th->id + 1 && s->tun_close_slept == th->slept_at;
		s->tun_close_thread = th->id + 1;
		s->tun_close_slept = th->slept_at;
	} else {
		s->tun_thread = th->id + 1;
		s->tun_slept = th->slept_at;
	}
	/* an awake emulator spares the packet a wake-up: never dearer (a
	 * noisy profile's busy figure above the asleep one, or none, is the
	 * asleep price), and it is awake: no wake-up across CPUs */
	if (same)
		return busy > 0 && busy < asleep ? busy : asleep;
	return asleep + tun_apart(s, tun);
}

int64_t sim_host_tun_price(struct sim_os *s, int64_t base, int64_t tun, int64_t busy)
{
	return tun_price(s, base, tun, busy, 0);
}

/* 1 when the profile prices a connection's close apart on the kernel-TCP
 * path: both its figures measured, each under the connection's figure it
 * is a part of (a profile where they are not is left as it was: the
 * connect pays the whole).
 *
 * The close pays its part when the crawler closes, the asleep or the
 * awake figure by the rule any packet follows (another packet of the
 * thread's since it last blocked: its connects, sends and closes), but
 * its FIN counts as such a packet for the thread's next closes only:
 * calibrate's asleep client, which measured tun_connection and
 * tun_close, connects its next page right after its close, and that
 * connect's figure is the asleep one. */
static int close_apart(const struct sim_os *s)
{
	const struct al_costs *c = &s->os.sc->machine.costs;

	return sim_host_tun(s) && c->tun_close_ns > 0 && c->tun_close_busy_ns > 0 &&
	       c->tun_close_ns < c->tun_connection_ns &&
	       c->tun_close_busy_ns < c->tun_connection_busy_ns;
}

int64_t sim__host_connect_price(struct sim_os *s)
{
	const struct al_costs *c = &s->os.sc->machine.costs;
	/* the close's part, where measured apart, is the close's to pay */
	int64_t close = close_apart(s), asleep = c->tun_connection_ns - close * c->tun_close_ns,
		busy = c->tun_connection_busy_ns - close * c->tun_close_busy_ns;

	return sim_host_tun_price(s, c->connection_ns, asleep, busy);
}

void sim_host_close(struct sim_os *s, const struct sim_sock *k)
{
	const struct al_costs *c = &s->os.sc->machine.costs;

	/* a socket that connected, or tried: its connect paid the rest */
	if (close_apart(s) && !k->pipe && (k->flow || k->connected || k->conn_err))
		sim_kernel_charge(&s->k, tun_price(s, 0, c->tun_close_ns, c->tun_close_busy_ns, 1));
}
