/* The kernel path's loss, page by page (see net_emu_flow.h).  A
 * connection's entry holds what the simulator's flow counts: SYN tries,
 * request tries, the highest response byte sent (below it, a segment is a
 * retransmission) and the retransmissions so far.  Entries stay until the
 * table is freed (one run: a few dozen bytes per page). */
#include "net/net_emu_flow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct net_emu_flow {
	uint32_t cip, sip;           /* key: client and server address, */
	uint16_t cport, sport;       /* ports (network order as read) */
	uint8_t used;
	uint8_t has_sisn;            /* a SYN-ACK was seen: sisn is known */
	uint8_t has_req;
	uint8_t req_passed;          /* a try of the request was not lost */
	int64_t page;
	uint32_t cisn, sisn;         /* the SYN's and the SYN-ACK's sequence */
	uint32_t high;               /* response bytes sent (from sisn + 1) */
	uint32_t syns;               /* SYNs seen: the next one's try */
	uint32_t reqs;               /* request segments seen */
	uint32_t rtxn;               /* response retransmissions seen */
};

/* The headers a decision needs. */
struct hdr {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;
	const unsigned char *payload;
	size_t plen;
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An IPv4 TCP packet's headers, or -1 (anything else, or truncated). */
static int parse(const unsigned char *p, size_t len, struct hdr *h)
{
	if (len < 20 || p[0] >> 4 != 4 || p[9] != 6)
		return -1;
	size_t ihl = (size_t)(p[0] & 15) * 4, tot = be16(p + 2);
	/* a fragment's later parts carry no TCP header */
	if (ihl < 20 || (be16(p + 6) & 0x1fff) != 0)
		return -1;
	if (tot > len || tot < ihl + 20)
		return -1;
	const unsigned char *t = p + ihl;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || ihl + doff > tot)
		return -1;
	h->saddr = be32(p + 12);
	h->daddr = be32(p + 16);
	h->sport = be16(t);
	h->dport = be16(t + 2);
	h->seq = be32(t + 4);
	h->flags = t[13];
	h->payload = t + doff;
	h->plen = tot - ihl - doff;
	return 0;
}

int net_emu_flows_init(struct net_emu_flows *t, uint64_t seed, double loss)
{
	*t = (struct net_emu_flows){.seed = seed, .loss = loss, .cap = 256};
	t->tab = calloc(t->cap, sizeof *t->tab);
	if (!t->tab) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void net_emu_flows_free(struct net_emu_flows *t)
{
	free(t->tab);
	t->tab = NULL;
	t->cap = t->used = 0;
}

static size_t slot(const struct net_emu_flows *t, uint32_t cip, uint32_t sip, uint16_t cport,
		   uint16_t sport)
{
	uint64_t k = ((uint64_t)cip << 32 | sip) * UINT64_C(0x9e3779b97f4a7c15) ^
		     ((uint64_t)cport << 16 | sport) * UINT64_C(0xc2b2ae3d27d4eb4f);
	size_t i = (size_t)(k >> 17) & (t->cap - 1);

	while (t->tab[i].used && !(t->tab[i].cip == cip && t->tab[i].sip == sip &&
				    t->tab[i].cport == cport && t->tab[i].sport == sport))
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* Half full at most: doubles.  0, or -1 when out of memory. */
static int grow(struct net_emu_flows *t)
{
	if (2 * (t->used + 1) <= t->cap)
		return 0;
	struct net_emu_flows n = *t;
	n.cap = t->cap * 2;
	n.tab = calloc(n.cap, sizeof *n.tab);
	if (!n.tab)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->tab[i].used)
			n.tab[slot(&n, t->tab[i].cip, t->tab[i].sip, t->tab[i].cport,
				   t->tab[i].sport)] = t->tab[i];
	free(t->tab);
	*t = n;
	return 0;
}

/* The page in a request line "GET /N ...", or -1. */
static int64_t request_page(const unsigned char *p, size_t len)
{
	int64_t page = 0;
	size_t i = 5, digits = 0;

	if (len < 6 || memcmp(p, "GET /", 5) != 0)
		return -1;
	for (; i < len && p[i] >= '0' && p[i] <= '9' && digits < 18; i++, digits++)
		page = page * 10 + (p[i] - '0');
	return digits > 0 && i < len && p[i] == ' ' ? page : -1;
}

static void draw(const struct net_emu_flows *t, struct net_emu_draw *d, enum net_emu_kind kind,
		 const struct net_emu_flow *f, enum al_net_draw what, uint64_t n)
{
	*d = (struct net_emu_draw){.kind = kind, .page = f->page, .what = what, .n = n};
	d->lost = al_page_lost(t->seed, d->page, what, n, t->loss);
}

/* An uplink packet: a SYN starts (or retries) its connection, a segment
 * with data is the request. */
static void classify_up(struct net_emu_flows *t, const struct hdr *h, struct net_emu_draw *d)
{
	int syn = (h->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN;

	if (!syn && (h->plen == 0 || (h->flags & (TH_SYN | TH_RST))))
		return;                  /* an ACK, a FIN, a RST */
	if (syn && grow(t) != 0)
		return;
	size_t i = slot(t, h->saddr, h->daddr, h->sport, h->dport);
	struct net_emu_flow *f = &t->tab[i];
	if (syn) {
		if (!f->used || f->cisn != h->seq) {
			if (!f->used)
				t->used++;
			*f = (struct net_emu_flow){
				.cip = h->saddr, .sip = h->daddr, .cport = h->sport,
				.sport = h->dport, .used = 1, .cisn = h->seq,
				.page = h->sport >= NET_EMU_PORT_BASE ? h->sport - NET_EMU_PORT_BASE : 0,
			};
		}
		draw(t, d, NET_EMU_SYN, f, AL_DRAW_SYN_LOSS, f->syns++);
		return;
	}
	/* Once a try of the request got through, a copy sent again is the
	 * kernel's own (the response segment carrying its ACK was lost and
	 * the client's RTO fired first): the simulator, whose request is
	 * done once it arrives, has no such try, and no draw for it. */
	if (!f->used || f->req_passed)
		return;
	if (!f->has_req) {
		int64_t p = request_page(h->payload, h->plen);
		if (p >= 0)
			f->page = p;
		f->has_req = 1;
	}
	draw(t, d, NET_EMU_REQUEST, f, AL_DRAW_REQUEST_LOSS, f->reqs++);
	f->req_passed = !d->lost;
}

/* A downlink packet: the SYN-ACK answers the latest SYN try; a segment
 * with data is the response's, new (beyond every byte sent) or sent
 * again. */
static void classify_down(struct net_emu_flows *t, const struct hdr *h, struct net_emu_draw *d)
{
	int synack = (h->flags & (TH_SYN | TH_ACK | TH_RST)) == (TH_SYN | TH_ACK);

	if (!synack && (h->plen == 0 || (h->flags & (TH_SYN | TH_RST))))
		return;
	size_t i = slot(t, h->daddr, h->saddr, h->dport, h->sport);
	struct net_emu_flow *f = &t->tab[i];
	if (!f->used)
		return;
	if (synack) {
		f->sisn = h->seq;
		f->has_sisn = 1;
		/* the server's own SYN-ACK timer and its answer to a SYN retry
		 * both answer the latest try: one draw */
		draw(t, d, NET_EMU_SYNACK, f, AL_DRAW_SYNACK_LOSS, f->syns ? f->syns - 1 : 0);
		return;
	}
	if (!f->has_sisn)
		return;
	uint32_t off = h->seq - f->sisn - 1, end = off + (uint32_t)h->plen;
	if (off >= f->high) {
		f->high = end;
		draw(t, d, NET_EMU_SEG, f, AL_DRAW_SEG_LOSS, (uint64_t)(off / NET_EMU_MSS) * 32);
	} else {
		/* below the highest byte sent (a part of it new: a collapsed
		 * retransmission): sent again */
		if (end > f->high)
			f->high = end;
		draw(t, d, NET_EMU_RTX, f, AL_DRAW_RTX_LOSS, f->rtxn++);
	}
}

void net_emu_flow_classify(struct net_emu_flows *t, int up, const unsigned char *pkt,
			   size_t len, struct net_emu_draw *d)
{
	struct hdr h;

	*d = (struct net_emu_draw){.kind = NET_EMU_OTHER};
	if (parse(pkt, len, &h) == 0) {
		if (up)
			classify_up(t, &h, d);
		else
			classify_down(t, &h, d);
	}
	t->seen[d->kind]++;
}

int net_emu_flow_lost(struct net_emu_flows *t, int up, const unsigned char *pkt, size_t len)
{
	struct net_emu_draw d;

	net_emu_flow_classify(t, up, pkt, len, &d);
	if (!d.lost)
		return 0;
	t->lost[d.kind]++;
	return 1;
}
