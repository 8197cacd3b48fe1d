/* The server's RTT estimate and RTO as Linux keeps them (network.tcp
 * linux): tcp_rtt_estimator and __tcp_set_rto, in µs as the kernel keeps
 * them (docs/network.md, "RTO").  Apart from sim_net_tcp.c, which feeds
 * it a sample per segment that arrives. */
#include "sim/sim_net_int.h"

#define US INT64_C(1000)
#define RTO_MIN (200 * 1000 * US)    /* TCP_RTO_MIN                        */

int64_t sim_net_tcp_srtt(const struct sim_flow *f)
{
	return US * (int64_t)(f->tcp.srtt8 >> 3);
}

/* Linux's RTO (__tcp_set_rto): srtt plus rttvar, which is never below
 * TCP_RTO_MIN (the floor is on the variance term, not on the sum),
 * doubled per back-off, capped at TCP_RTO_MAX. */
int64_t sim_net_tcp_rto(const struct sim_flow *f, int backoff)
{
	int64_t r = sim_net_tcp_srtt(f) + US * (int64_t)f->tcp.rttvar;

	for (int i = 0; i < backoff && r < SIM_NET_RTO_MAX; i++)
		r *= 2;
	return r < SIM_NET_RTO_MAX ? r : SIM_NET_RTO_MAX;
}

/* An RTT sample r (ns), as tcp_rtt_estimator takes it, in µs (up to 8
 * minutes): srtt moves by 1/8 of the error, mdev by 1/4 (a sample below
 * srtt raises it 8 times less: a falling RTT does not inflate the RTO).
 * rttvar follows mdev up at once, but comes down only once per round
 * trip (`round`: the ACK of the first segment of a window), a quarter of
 * the way to the round's largest mdev, and never below TCP_RTO_MIN.  So
 * a window's ACKs, however many, cannot bring the RTO down within its
 * round trip. */
void sim_net_tcp_sample(struct sim_flow *f, int64_t r, int round)
{
	struct sim_tcp *t = &f->tcp;
	const int64_t lim = (int64_t)UINT32_MAX / 8, min = RTO_MIN / US;
	int64_t m = r / US < 1 ? 1 : r / US > lim ? lim : r / US;
	int64_t srtt8 = t->srtt8, mdev = t->mdev;

	if (srtt8 == 0) {
		/* the first: rto = 3 rtt, at least rtt + TCP_RTO_MIN */
		t->srtt8 = (uint32_t)(m << 3);
		t->mdev = (uint32_t)(m << 1);
		t->rttvar = t->mdev > min ? t->mdev : (uint32_t)min;
		t->mdev_max = t->rttvar;
		return;
	}
	m -= srtt8 >> 3;                 /* the error */
	srtt8 += m;
	if (m < 0) {
		m = -m - (mdev >> 2);
		if (m > 0)
			m >>= 3;
	} else {
		m -= mdev >> 2;
	}
	mdev += m;
	t->srtt8 = (uint32_t)(srtt8 < 1 ? 1 : srtt8);
	t->mdev = (uint32_t)(mdev < 0 ? 0 : mdev);
	if (t->mdev > t->mdev_max) {
		t->mdev_max = t->mdev;
		if (t->mdev_max > t->rttvar)
			t->rttvar = t->mdev_max;
	}
	if (round) {
		if (t->mdev_max < t->rttvar)
			t->rttvar -= (t->rttvar - t->mdev_max) >> 2;
		t->mdev_max = (uint32_t)min;
	}
}
