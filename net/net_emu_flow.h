/* The kernel path's loss, page by page (docs/kernel-tcp.md, "Loss").
 *
 * The simulator keys each loss draw by (seed, page, what, n)
 * (al_page_lost): a SYN by its try, a SYN-ACK by the try it answers, the
 * request by its try, a response segment by its index (index * 32), a
 * retransmission by the flow's count of them; it never loses a pure ACK,
 * a FIN or a RST.  The packet emulator makes the same draws: it reads the
 * IPv4/TCP headers of each packet, keeps per connection (4-tuple) the
 * counters the simulator keeps per flow, and asks al_page_lost the same
 * question.  So for a seed both halves lose the same SYNs, requests and
 * segments of the same pages, and what differs is the kernel's TCP
 * against the simulator's model of it.
 *
 * Which page a connection is: the crawler binds its source port to the
 * page (net_emu_page_port, when net_os.page_ports is set) so the SYN
 * already says it; the request line ("GET /N ") says it again and wins.
 *
 * Pure: no device, no clock; tests/test_net_emu_flow.c feeds it
 * synthetic packets. */
#ifndef NET_EMU_FLOW_H
#define NET_EMU_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_http.h"

/* Ports 1024..65535 carry pages: page p connects from
 * NET_EMU_PORT_BASE + p % NET_EMU_PORTS (pages further apart than that
 * share a port, and the request line tells them apart). */
#define NET_EMU_PORT_BASE 1024
#define NET_EMU_PORTS (65536 - NET_EMU_PORT_BASE)
/* The response's segment: the simulator's SIM_NET_MSS, the kernel's MSS
 * with timestamps at the TUN devices' MTU 1500 (1500 - 20 - 20 - 12). */
#define NET_EMU_MSS 1448

static inline uint16_t net_emu_page_port(int64_t page)
{
	return (uint16_t)(NET_EMU_PORT_BASE + (page < 0 ? 0 : page % NET_EMU_PORTS));
}

/* What a packet is to the simulator. */
enum net_emu_kind {
	NET_EMU_OTHER,               /* never lost: ACK, FIN, RST, not TCP/IPv4,
					a connection whose SYN was not seen */
	NET_EMU_SYN,
	NET_EMU_SYNACK,
	NET_EMU_REQUEST,
	NET_EMU_SEG,                 /* a response segment's first sending */
	NET_EMU_RTX,                 /* a response segment sent again */
	NET_EMU_KINDS
};

/* The draw a packet gets (kind NET_EMU_OTHER: none). */
struct net_emu_draw {
	enum net_emu_kind kind;
	int64_t page;
	enum al_net_draw what;
	uint64_t n;
	int lost;                    /* al_page_lost's answer */
};

struct net_emu_flow;

struct net_emu_flows {
	uint64_t seed;
	double loss;
	struct net_emu_flow *tab;    /* open addressing, cap a power of 2 */
	size_t cap, used;
	int64_t seen[NET_EMU_KINDS], lost[NET_EMU_KINDS];
};

/* An empty table drawing from seed at probability loss.  0, or -1
 * (ENOMEM). */
int net_emu_flows_init(struct net_emu_flows *t, uint64_t seed, double loss);
void net_emu_flows_free(struct net_emu_flows *t);

/* What the packet pkt (len bytes, an IP packet) going up (client to
 * server: up != 0) or down is, its draw and whether that draw is lost;
 * counts it (a SYN, a request, a retransmission move their connection's
 * counters on).  A request sent again after one of its tries got through
 * is NET_EMU_OTHER: the simulator has no such try.  A connection
 * starts at a SYN (a SYN with another ISN on the same 4-tuple is a new
 * connection).  Without memory for a new connection its packets are
 * NET_EMU_OTHER. */
void net_emu_flow_classify(struct net_emu_flows *t, int up, const unsigned char *pkt,
			   size_t len, struct net_emu_draw *d);
/* Classifies pkt and says whether it is lost (1) or not (0). */
int net_emu_flow_lost(struct net_emu_flows *t, int up, const unsigned char *pkt, size_t len);

#endif
