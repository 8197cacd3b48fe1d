/* The packet emulator's queue logic (see net_emu.h).  A direction is one
 * singly linked list in delivery order; a packet moves from the
 * propagating part to the bottleneck part by moving one pointer (last_q),
 * so nothing is copied and nothing costs more than O(1) per packet. */
#include "net/net_emu.h"

#include <errno.h>
#include <stdlib.h>

struct net_emu_pkt *net_emu_pkt_new(size_t len)
{
	if (len > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	struct net_emu_pkt *p = malloc(sizeof *p + len);

	if (!p)
		return NULL;
	p->next = NULL;
	p->at = 0;
	p->len = (uint32_t)len;
	return p;
}

void net_emu_pkt_free(struct net_emu_pkt *p)
{
	free(p);
}

void net_emu_init(struct net_emu_dir *d, const struct net_emu_cfg *cfg, uint64_t seed,
		  uint64_t stream)
{
	*d = (struct net_emu_dir){.cfg = *cfg};
	if (d->cfg.queue < 1)
		d->cfg.queue = 1;
	al_rng_fork(&d->loss_rng, seed, stream);
	al_rng_fork(&d->jitter_rng, seed, stream + 1);
}

void net_emu_free(struct net_emu_dir *d)
{
	struct net_emu_pkt *p = d->head;

	while (p) {
		struct net_emu_pkt *n = p->next;
		free(p);
		p = n;
	}
	d->head = d->last_q = d->tail = NULL;
	d->queued = 0;
	d->st.held = 0;
}

int64_t net_emu_tx_ns(int64_t len, int64_t bps)
{
	if (bps <= 0 || len <= 0)
		return 0;
	/* len * 8e9 stays below 2^63 for any len below 1 GB */
	return (len * 8 * INT64_C(1000000000) + bps - 1) / bps;
}

int net_emu_push(struct net_emu_dir *d, int64_t now, struct net_emu_pkt *p)
{
	d->st.in++;
	if (d->cfg.loss > 0 && (d->flows ? net_emu_flow_lost(d->flows, d->up, p->data, p->len)
				 : al_rng_unit(&d->loss_rng) < d->cfg.loss)) {
		d->st.lost++;
		free(p);
		return 1;
	}
	int64_t j = 0;
	if (!al_dist_is_zero(&d->cfg.jitter))
		j = al_dist_draw_i64(&d->cfg.jitter, &d->jitter_rng);
	int64_t at = now + d->cfg.delay_ns + j;
	/* a smaller jitter draw must not let a packet overtake: TCP would see
	 * reordering the simulator never models */
	if (at < d->last_at)
		at = d->last_at;
	d->last_at = at;
	p->at = at;
	p->next = NULL;
	if (d->tail)
		d->tail->next = p;
	else
		d->head = p;
	d->tail = p;
	d->st.held++;
	return 0;
}

/* The first propagating packet (after the bottleneck's part). */
static struct net_emu_pkt *first_moving(const struct net_emu_dir *d)
{
	return d->last_q ? d->last_q->next : d->head;
}

/* The packet after last_q reaches the bottleneck at its time: queued
 * behind the others, or refused when the queue is full (the departures
 * due by then were made first: a packet leaving and one arriving at the
 * same ns do not collide). */
static void admit(struct net_emu_dir *d)
{
	struct net_emu_pkt *p = first_moving(d);
	int64_t bw = d->cfg.bandwidth_bps;

	if (bw > 0 && d->queued >= d->cfg.queue) {
		/* unlink p: it sits right after last_q */
		if (d->last_q)
			d->last_q->next = p->next;
		else
			d->head = p->next;
		if (d->tail == p)
			d->tail = d->last_q;
		d->st.dropped++;
		d->st.held--;
		free(p);
		return;
	}
	int64_t start = p->at > d->link_free ? p->at : d->link_free;
	p->at = start + net_emu_tx_ns(p->len, bw);
	if (bw > 0)
		d->link_free = p->at;
	d->last_q = p;
	d->queued++;
	if (d->queued > d->st.peak_queued)
		d->st.peak_queued = d->queued;
}

struct net_emu_pkt *net_emu_pop(struct net_emu_dir *d, int64_t now)
{
	for (;;) {
		struct net_emu_pkt *m = first_moving(d);
		int64_t arr = m ? m->at : INT64_MAX;
		int64_t dep = d->last_q ? d->head->at : INT64_MAX;

		if (dep <= arr && dep <= now) {
			struct net_emu_pkt *p = d->head;
			d->head = p->next;
			if (d->last_q == p)
				d->last_q = NULL;
			if (d->tail == p)
				d->tail = NULL;
			d->queued--;
			d->st.held--;
			d->st.out++;
			d->st.bytes_out += p->len;
			p->next = NULL;
			return p;
		}
		if (arr > now)
			return NULL;
		admit(d);
	}
}

int64_t net_emu_next(const struct net_emu_dir *d)
{
	const struct net_emu_pkt *m = first_moving(d);
	int64_t arr = m ? m->at : INT64_MAX;
	int64_t dep = d->last_q ? d->head->at : INT64_MAX;

	return dep < arr ? dep : arr;
}
