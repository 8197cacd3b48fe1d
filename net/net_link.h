/* The link emulator: a relay on loopback between the crawler and the
 * origin server that applies the scenario's network (rtt, jitter,
 * bandwidth, loss, rto) in userspace, as the simulator models it
 * (docs/network.md), since kernel netem is not available here.  What it
 * reproduces and what it cannot is in docs/link.md.
 *
 * The relay lives on the caller's event_base and is driven by it: every
 * function here must be called from the thread that runs that base (or
 * while it is not running). */
#ifndef NET_LINK_H
#define NET_LINK_H

#include <netinet/in.h>
#include <stdint.h>

#include "core/al_scenario.h"

struct event_base;
struct net_link;

#define NET_LINK_BACKLOG 4096        /* the accept queue asked of the kernel */
#define NET_LINK_MSS 1448            /* a response segment, as the sim's     */
/* Response bytes one connection may hold (read from the server, not yet
 * written to the client) before the relay stops reading from the server,
 * and request bytes before it stops reading from the client. */
#define NET_LINK_HOLD_MAX (256 * 1024)
#define NET_LINK_SYN_RETRIES 6       /* tcp_syn_retries, as the sim's        */
#define NET_LINK_DATA_RETRIES 15     /* tcp_retries2, as the sim's           */
#define NET_LINK_RTO_MAX INT64_C(120000000000)    /* TCP_RTO_MAX: 120 s      */
#define NET_LINK_MAX_DELAY INT64_C(3600000000000) /* a jitter draw's cap: 1 h */

struct net_link_stats {
	int64_t accepted;            /* connections taken from the listener    */
	int64_t open;                /* connections open now                   */
	int64_t peak_open;           /* most open at once                      */
	int64_t bytes_up;            /* request bytes written to the server    */
	int64_t bytes_down;          /* response bytes written to clients      */
	int64_t segments;            /* response segments that crossed the link */
	int64_t lost;                /* response segments lost (each resent)   */
	int64_t syn_lost;            /* SYN loss draws that lost               */
	int64_t resets;              /* clients reset (server reset, refused,
	                                retries exhausted)                     */
	int64_t refused;             /* upstream connects that failed          */
	int64_t syn_timeouts;        /* every SYN lost: the client reset       */
	int64_t data_timeouts;       /* a segment's retries exhausted: reset   */
	int64_t aborted;             /* clients gone before the end            */
	int64_t peak_streaming;      /* most responses on the link at once     */
	int64_t held;                /* bytes buffered now (both directions)   */
	int64_t peak_held;
	int64_t memory;              /* bytes allocated now: connections and
	                                buffers, the relay's own struct aside  */
	int64_t peak_memory;
};

/* Listens on 127.0.0.1:port (0: an ephemeral port, see net_link_port) with
 * SO_REUSEADDR and a backlog of NET_LINK_BACKLOG, and relays each accepted
 * connection to `upstream` through a non-blocking connect, applying
 * sc->network with random draws seeded from sc->seed (both copied: sc and
 * upstream need not outlive the call).  sc->events are not applied.
 * Returns NULL with errno set on failure: EINVAL (no base, sc or upstream,
 * upstream not AF_INET, port outside 0-65535, a negative rtt, bandwidth or
 * rto, loss outside [0, 1]), EADDRINUSE, EACCES, ENOMEM, or whatever
 * socket/bind/listen said.  Timers are as precise as the base's: one made
 * with EVENT_BASE_FLAG_PRECISE_TIMER keeps delays to the microsecond,
 * epoll's default rounds each up to the millisecond. */
struct net_link *net_link_new(struct event_base *base, const struct al_scenario *sc,
			      const struct sockaddr_in *upstream, int port);
/* The port actually listened on. */
int net_link_port(const struct net_link *l);
/* A snapshot of the counters. */
void net_link_stats(const struct net_link *l, struct net_link_stats *out);
/* Stops listening, closes every connection (bytes still delayed are
 * dropped) and frees l.  NULL is allowed. */
void net_link_free(struct net_link *l);

#endif
