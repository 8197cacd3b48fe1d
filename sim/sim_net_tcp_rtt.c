/* The server's RTT estimate and RTO as Linux keeps them (network.tcp
 * linux): __tcp_set_rto, in µs as the kernel keeps it (docs/network.md,
 * "RTO"), and the clock its timers run on: jiffies and the timer wheel.
 * Apart from sim_net_tcp.c, which feeds a sample per segment that
 * arrives to tcp_rtt_estimator's counterpart, sim_net_tcp_sample_into
 * (inline in sim_net_tcp_int.h); the handshake's sample and the request's
 * RTOs, before the flow has a TCP state, are here too. */
#include "core/al_assert.h"
#include "sim/sim_net_tcp_int.h"

#define US INT64_C(1000)
#define RTO_MIN SIM_NET_RTO_MIN

int64_t sim_net_tcp_srtt(const struct sim_flow *f)
{
	return US * (int64_t)(sim_net_tcp_of(f)->srtt8 >> 3);
}

int64_t sim_net_tcp_rto(const struct sim_flow *f, int backoff)
{
	return sim_net_tcp_rto_of(sim_net_tcp_of(f), backoff);
}

void sim_net_tcp_sample(struct sim_flow *f, int64_t r, int round)
{
	sim_net_tcp_sample_into(sim_net_tcp_of(f), r, round);
}

/* Linux's RTO (__tcp_set_rto): srtt plus rttvar, which is never below
 * TCP_RTO_MIN (the floor is on the variance term, not on the sum),
 * doubled per back-off, capped at TCP_RTO_MAX. */
int64_t sim_net_tcp_rto_of(const struct sim_tcp *t, int backoff)
{
	int64_t r = US * (int64_t)(t->srtt8 >> 3) + US * (int64_t)t->rttvar;

	for (int i = 0; i < backoff && r < SIM_NET_RTO_MAX; i++)
		r *= 2;
	return r < SIM_NET_RTO_MAX ? r : SIM_NET_RTO_MAX;
}

/* --- the handshake's sample and the request's RTOs */

void sim_net_tcp_connected(struct sim_flow *f, int64_t r)
{
	sim_net_tcp_release(sim_net_of(f), f);
	f->syn_rtt = sim_net_tcp_sample_us(r);
}

int64_t sim_net_tcp_request(struct sim_net *n, struct sim_flow *f, int64_t now,
			    int64_t *fail_at)
{
	int64_t t = now;
	int k = 0;

	/* The RTOs of the handshake's sample alone: no other comes before
	 * the response (none from a retransmission, Karn), so the flow takes
	 * its state only when the response starts. */
	struct sim_tcp h = {.loss = SIM_NET_NIL};

	sim_net_tcp_sample_into(&h, (int64_t)f->syn_rtt * US, 0);
	/* No new ACKs come while the request is unanswered: each RTO
	 * doubles the last (closed form: no event per try). */
	while (sim_net_lost(n, f, AL_DRAW_REQUEST_LOSS, (uint64_t)k)) {
		n->st.lost++;
		t += sim_net_tcp_rto_of(&h, k);
		if (++k > SIM_NET_DATA_RETRIES) {
			*fail_at = t;
			return -1;
		}
	}
	return sim_net_arrive(n, f, AL_DRAW_REQUEST_WAY, (uint64_t)k, t, now);
}

/* --- the kernel's clock: its TCP timers count in jiffies, on a wheel */

/* The kernel's tick, the jiffy its TCP timers count in
 * (machine.costs.tick); 0: none, and "jiffies" below are ns, the exact
 * times. */
static int64_t tick_of(const struct sim_net *n)
{
	return n->sc->machine.costs.tick_ns;
}

/* usecs_to_jiffies: a duration (whole µs, as the kernel keeps them) in
 * jiffies, rounded up. */
int64_t sim_net_jiffies(const struct sim_net *n, int64_t ns)
{
	int64_t tick = tick_of(n);

	return tick > 0 ? (ns + tick - 1) / tick : ns;
}

/* The RTO in jiffies as the kernel arms it: icsk_rto, usecs_to_jiffies of
 * srtt + rttvar at the last sample (capped at TCP_RTO_MAX), shifted left
 * by the back-off, capped again (inet_csk_rto_backoff): rounded, then
 * doubled, not the other way round. */
int64_t sim_net_tcp_rto_jiffies(const struct sim_net *n, const struct sim_flow *f, int backoff)
{
	int64_t max = sim_net_jiffies(n, SIM_NET_RTO_MAX), r = sim_net_jiffies(n, sim_net_tcp_rto(f, 0));

	r = r < max ? r : max;
	for (int i = 0; i < backoff && r < max; i++)
		r *= 2;
	return r < max ? r : max;
}

/* When the server's kernel fires a timer armed at `armed` for `j`
 * jiffies (its RTO and probe timers are the timer wheel's; the tick is
 * machine.costs.tick).  Linux sets the timer's expiry to the jiffy
 * it was armed in plus j, then puts it in the bucket after the one that
 * expiry falls in, a whole bucket of its level later (calc_index,
 * kernel/time/timer.c: (expires >> shift) + 1), so that a timer armed
 * late in its jiffy never fires early: one jiffy later below 63 jiffies,
 * and past them at the next multiple of the level's granularity, 8
 * jiffies a level (calc_wheel_index).  So the timers of many flows armed
 * near each other fire together at one tick (docs/network.md).  No tick:
 * the exact time. */
int64_t sim_net_wheel(const struct sim_net *n, int64_t armed, int64_t j)
{
	int64_t tick = tick_of(n);

	if (tick <= 0)
		return armed + j;
	AL_ASSERT(armed >= 0);
	int64_t e = armed / tick + j, g = 1;
	/* LVL_START(lvl + 1) = 63 << 3 lvl; the wheel has 9 levels */
	for (int lvl = 0; lvl < 8 && j >= 63 * g; lvl++)
		g *= 8;
	return (e / g + 1) * g * tick;
}
