/* network.tcp flow: a response as one transfer (docs/network.md, "The flow
 * model").
 *
 * The link is the fluid model's, processor sharing in virtual time
 * (sim_net_link.c), but a flow puts its whole response on it as one piece
 * instead of segment by segment: the piece is complete when V reaches its
 * tag, so a page costs the link one join and one completion, O(log flows)
 * whatever its size.  Its bytes become readable together, when the last
 * one would have arrived.
 *
 * Two things split the piece or delay it, each in O(1) events:
 * - a server slot under max_concurrent frees when its write returns,
 *   when only sndbuf bytes are left to arrive: the piece up to there is
 *   one, the rest another (the first readable at once).  Whether it
 *   splits is decided once, when the transfer starts (TFLOW_SPLIT): the
 *   link charged a piece's length when it joined, and the bytes that
 *   arrive at its end must be the same, whatever max_concurrent event
 *   comes between.  Fluid frees a slot at its write's return whatever
 *   the limit; so does flow when the limit was on at the start, and
 *   at its last byte otherwise (a limit set mid-transfer counts the
 *   flow until then);
 * - loss: each segment's loss draws are the fluid model's (segment s's
 *   try k is draw s * 32 + k), all made when the response reaches the
 *   link, O(segments) draws and no event; the RTOs they cost, rto
 *   doubling per try as fluid stalls, are added up and owed after the
 *   transfer, one event.  A segment lost 16 times ends the connection
 *   with ETIMEDOUT, once the bytes before it are in.
 * What that leaves out: slow start, queues, a lost segment's own place
 * in time (its RTOs come after the transfer, not amid it, and the flow
 * keeps its share meanwhile), and the loss rate's changes during a
 * transfer (its draws use the rate when it started). */
#include <errno.h>

#include "core/al_assert.h"
#include "sim/sim_net_int.h"

static int64_t segs(int64_t bytes)
{
	return (bytes + SIM_NET_MSS - 1) / SIM_NET_MSS;
}

/* len more bytes reached the client. */
static void arrive(struct sim_net *n, struct sim_flow *f, int64_t len)
{
	if (len <= 0)
		return;
	n->st.segments += segs(f->arrived + len) - segs(f->arrived);
	n->st.bytes += len;
	f->arrived += (uint32_t)len;
	f->flags |= FLAG_NEWS;
}

void sim_net_tflow_stall(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	f->state = FL_STALL;
	f->token = sim_net_must_push(n, f->t < SIM_NET_HORIZON - now ? now + f->t : SIM_NET_HORIZON,
				     sim_net_on_flow, f);
}

int64_t sim_net_tflow_chunk(const struct sim_flow *f)
{
	const struct sim_net *n = sim_net_of(f);
	int64_t ret = sim_net_end(f) - n->srv.sndbuf;   /* the server's write returns */

	if (f->tries == TFLOW_SPLIT && f->srv == SRV_SLOT && ret > f->arrived && ret < f->upto)
		return ret - f->arrived;
	return f->upto - f->arrived;
}

void sim_net_tflow_start(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	int64_t end = sim_net_end(f), upto = end, stall = 0;

	if (n->net.loss > 0) {
		for (int64_t s = f->arrived / SIM_NET_MSS; s * SIM_NET_MSS < end; s++) {
			int k = 0;
			while (sim_net_lost(n, f, AL_DRAW_SEG_LOSS, (uint64_t)s * 32 + (uint64_t)k)) {
				int64_t r = sim_net_rto(n, ++k);
				n->st.lost++;
				stall = r < SIM_NET_HORIZON - stall ? stall + r : SIM_NET_HORIZON;
				if (k > SIM_NET_DATA_RETRIES) {
					upto = s * SIM_NET_MSS;
					goto drawn;
				}
			}
		}
	}
drawn:
	f->t = stall;
	f->upto = (uint32_t)upto;
	/* the split, once: the limit now, not at the piece's end */
	f->tries = f->srv == SRV_SLOT && n->srv.max_concurrent > 0 ? TFLOW_SPLIT : 0;
	if (upto == f->arrived)
		sim_net_tflow_stall(n, f, now);   /* its first segment never arrives */
	else
		sim_net_link_join(n, f, now);
}

int sim_net_tflow_outcome(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	int64_t len = sim_net_tflow_chunk(f);

	(void)now;
	/* the last piece's bytes wait for the losses' RTOs */
	if (f->arrived + len == f->upto && (f->t > 0 || f->upto < sim_net_end(f)))
		return SIM_SEG_LOST;
	arrive(n, f, len);
	return f->arrived == sim_net_end(f) ? SIM_SEG_LAST : SIM_SEG_MORE;
}

void sim_net_tflow_stalled(struct sim_net *n, struct sim_flow *f, int64_t now)
{
	f->t = 0;
	arrive(n, f, (int64_t)f->upto - f->arrived);
	if (f->upto < sim_net_end(f)) {
		/* its readable hook is the failure's; the bytes before the
		 * lost segment are read first */
		f->flags &= (uint8_t)~FLAG_NEWS;
		sim_net_fail_data(n, f, ETIMEDOUT, now);
		return;
	}
	sim_net_seg_after(n, f, SIM_SEG_LAST, now);
}
