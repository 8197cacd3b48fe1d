/* The link emulator's path (docs/link.md): a connection's random draws,
 * its delayed byte lists, and the client's link that every response
 * shares.
 *
 * The link carries one segment (up to NET_LINK_MSS bytes) at a time, taken
 * in round robin from the flows that have bytes at it: the real-world
 * stand-in for the simulator's processor sharing, with the same total (K
 * responses of L bytes started together end K·L·8/bandwidth later).  It
 * has one timer and its own clock: a segment starts when the previous one
 * ended (or when its bytes reached an idle link), so a timer that fires
 * late delivers a burst but never lowers the bandwidth.  Each segment
 * that crosses is then lost with probability `loss`, and its flow leaves
 * the link for the RTO, as in the simulator. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/al_assert.h"
#include "core/al_http.h"
#include "net/net_link_int.h"



void net_link_mem(struct net_link *l, int64_t bytes, int64_t held)
{
	l->st.memory += bytes;
	l->st.held += held;
	if (l->st.memory > l->st.peak_memory)
		l->st.peak_memory = l->st.memory;
	if (l->st.held > l->st.peak_held)
		l->st.peak_held = l->st.held;
}

/* --- draws, with the simulator's rules (sim/sim_net_flow.c) */

/* Each draw is the page's own, keyed as the simulator keys it, so a real
 * run through the link loses the very segments a simulated one does. */
static int lost(struct net_link_conn *c, enum al_net_draw what, uint64_t k)
{
	struct al_rng r;

	if (c->l->net.loss <= 0)
		return 0;
	al_page_rng(&r, c->l->seed, c->page, what, k);
	return al_rng_unit(&r) < c->l->net.loss;
}

static int64_t jitter(struct net_link_conn *c, enum al_net_draw what)
{
	const struct al_dist *d = &c->l->net.jitter;
	struct al_rng r;

	if (al_dist_is_zero(d))
		return 0;
	al_page_rng(&r, c->l->seed, c->page, what, 0);
	int64_t x = al_dist_draw_i64(d, &r);
	return x < NET_LINK_MAX_DELAY ? x : NET_LINK_MAX_DELAY;
}

int64_t net_link_page(const char *buf, size_t n)
{
	int64_t page = 0;
	size_t i = 5;

	if (n < 6 || memcmp(buf, "GET /", 5) != 0)
		return -1;
	for (; i < n && buf[i] >= '0' && buf[i] <= '9' && i < 23; i++)
		page = page * 10 + (buf[i] - '0');
	return i < n && buf[i] == ' ' ? page : -1;
}

/* The timeout after `tries` losses in a row: rto doubling, capped at
 * TCP_RTO_MAX (or at rto if that is larger). */
static int64_t rto(const struct net_link *l, int tries)
{
	int64_t r = l->net.rto_ns;

	for (int i = 1; i < tries && r < NET_LINK_RTO_MAX; i++)
		r *= 2;
	if (r > NET_LINK_RTO_MAX && l->net.rto_ns <= NET_LINK_RTO_MAX)
		r = NET_LINK_RTO_MAX;
	return r;
}

/* A SYN lost waits the RTO before the next one is sent; the seventh loss
 * in a row (tcp_syn_retries 6) fails the connect after the last RTO. */
void net_link_draw(struct net_link_conn *c, int64_t page, int64_t now)
{
	struct net_link *l = c->l;
	int64_t rtt = l->net.rtt_ns, delay = 0;
	int tries = 0;

	/* a request that is not ours: a key no page has */
	c->page = page >= 0 ? page : -1 - l->st.accepted;
	while (lost(c, AL_DRAW_SYN_LOSS, (uint64_t)tries)) {
		l->st.syn_lost++;
		delay += rto(l, ++tries);
		if (tries > NET_LINK_SYN_RETRIES) {
			c->syn_fail = 1;
			break;
		}
	}
	c->syn_done = now + delay;
	c->d_up = rtt / 2 + jitter(c, AL_DRAW_REQUEST_WAY);
	c->d_down = rtt - rtt / 2 + jitter(c, AL_DRAW_FIRST_WAY);
}

/* --- byte lists */

int net_link_push(struct net_link_conn *c, struct net_link_chunk **head,
		  struct net_link_chunk **tail, const char *buf, size_t n, int64_t due)
{
	struct net_link_chunk *k = malloc(sizeof *k + n);

	if (!k)
		return -1;
	k->next = NULL;
	k->due = *tail && (*tail)->due > due ? (*tail)->due : due;   /* in order */
	k->len = (uint32_t)n;
	memcpy(k->data, buf, n);
	if (*tail)
		(*tail)->next = k;
	else
		*head = k;
	*tail = k;
	net_link_mem(c->l, (int64_t)(sizeof *k + n), (int64_t)n);
	return 0;
}

void net_link_pop(struct net_link_conn *c, struct net_link_chunk **head,
		  struct net_link_chunk **tail)
{
	struct net_link_chunk *k = *head;

	*head = k->next;
	if (!*head)
		*tail = NULL;
	net_link_mem(c->l, -(int64_t)(sizeof *k + k->len), -(int64_t)k->len);
	free(k);
}

/* --- the client's link */

static void kick(struct net_link *l)
{
	static const struct timeval zero = {0, 0};

	event_add(&l->ev_link, &zero);
}

static void rr_remove(struct net_link *l, struct net_link_conn *c)
{
	if (!c->on_rr)
		return;
	if (c->rr_prev)
		c->rr_prev->rr_next = c->rr_next;
	else
		l->rr_head = c->rr_next;
	if (c->rr_next)
		c->rr_next->rr_prev = c->rr_prev;
	else
		l->rr_tail = c->rr_prev;
	c->rr_prev = c->rr_next = NULL;
	c->on_rr = 0;
	l->nrr--;
}

static void rr_append(struct net_link *l, struct net_link_conn *c)
{
	c->rr_prev = l->rr_tail;
	c->rr_next = NULL;
	if (l->rr_tail)
		l->rr_tail->rr_next = c;
	else
		l->rr_head = c;
	l->rr_tail = c;
	c->on_rr = 1;
	if (++l->nrr > l->st.peak_streaming)
		l->st.peak_streaming = l->nrr;
}

/* A segment of c's crossed the link at t: lost (c stalls for the RTO and
 * sends it again after) or arrived.  Returns whether it arrived. */
static int seg_outcome(struct net_link_conn *c, int64_t len, int64_t t)
{
	struct net_link *l = c->l;

	if (lost(c, AL_DRAW_SEG_LOSS, (uint64_t)(c->sent / NET_LINK_MSS) * 32 + c->tries)) {
		l->st.lost++;
		c->tries++;
		c->stalled = 1;
		c->stall_end = t + rto(l, c->tries);
		rr_remove(l, c);
		return 0;
	}
	l->st.segments++;
	c->sent += len;
	c->tries = 0;
	return 1;
}

void net_link_offer(struct net_link_conn *c, int64_t t)
{
	struct net_link *l = c->l;

	if (c->stalled || c->on_rr || c->sent == c->at_link)
		return;
	if (l->net.bandwidth_bps == 0) {
		if (l->net.loss <= 0) {
			int64_t n = c->at_link - c->sent;

			l->st.segments += (n + NET_LINK_MSS - 1) / NET_LINK_MSS;
			c->sent = c->at_link;
		}
		while (c->sent < c->at_link) {
			int64_t len = c->at_link - c->sent;

			if (!seg_outcome(c, len < NET_LINK_MSS ? len : NET_LINK_MSS, t))
				break;
		}
		return;
	}
	c->t_link = t;
	rr_append(l, c);
	if (!l->cur)
		kick(l);
}

void net_link_leave(struct net_link_conn *c)
{
	struct net_link *l = c->l;

	rr_remove(l, c);
	if (l->cur == c) {           /* the link is free from now */
		int64_t now = net_mono_ns();

		l->cur = NULL;
		l->link_t = now < l->cur_end ? now : l->cur_end;
		kick(l);
	}
}

static void mark_dirty(struct net_link *l, struct net_link_conn *c)
{
	if (c->in_dirty)
		return;
	c->in_dirty = 1;
	c->dirty = l->dirty;
	l->dirty = c;
}

/* Ends the segments due by now, one after the other on the link's clock,
 * starting the next in round robin each time; then lets every flow that
 * changed write to its client (which may free it: the list is popped
 * first, and only the popped flow can be freed). */
void net_link_pass(evutil_socket_t fd, short what, void *arg)
{
	struct net_link *l = arg;
	int64_t now = net_mono_ns(), bw = l->net.bandwidth_bps;

	(void)fd;
	(void)what;
	AL_ASSERT(bw > 0 || !l->rr_head);
	for (;;) {
		struct net_link_conn *c = l->cur;
		int64_t len, start;

		if (c) {
			if (l->cur_end > now)
				break;
			l->cur = NULL;
			l->link_t = l->cur_end;
			if (seg_outcome(c, l->cur_len, l->cur_end) &&
			    c->sent == c->at_link)
				rr_remove(l, c);
			mark_dirty(l, c);
			continue;
		}
		if (!(c = l->rr_head))
			break;
		len = c->at_link - c->sent;
		if (len > NET_LINK_MSS)
			len = NET_LINK_MSS;
		start = l->link_t > c->t_link ? l->link_t : c->t_link;
		l->cur = c;
		l->cur_len = len;
		l->cur_end = start + (len * 8000000000 + bw - 1) / bw;
		if (c->rr_next) {            /* to the back of the round */
			rr_remove(l, c);
			rr_append(l, c);
		}
	}
	if (l->cur) {
		struct timeval tv = net_tv(l->cur_end - now);

		event_add(&l->ev_link, &tv);
	}
	while (l->dirty) {
		struct net_link_conn *c = l->dirty;

		l->dirty = c->dirty;
		c->in_dirty = 0;
		net_link_step(c, now);
	}
}
