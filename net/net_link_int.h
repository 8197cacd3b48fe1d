/* Internal to net/net_link*.c: the relay's structures, shared by the
 * connections (net_link.c) and the path they take (net_link_path.c: the
 * random draws, the delayed byte lists and the shared client link). */
#ifndef NET_LINK_INT_H
#define NET_LINK_INT_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "core/al_dist.h"
#include "net/net_clock.h"
#include "net/net_link.h"

#define NET_LINK_SCRATCH (64 * 1024)

/* Bytes in flight one way, stamped with the time they are due. */
struct net_link_chunk {
	struct net_link_chunk *next;
	int64_t due;                     /* ns, CLOCK_MONOTONIC */
	uint32_t len;
	char data[];
};

/* One relayed connection.  Response bytes are counted from the first:
 * wr <= sent <= at_link <= rd; the list dn holds bytes [wr, rd) and
 * dn_next is its first chunk not yet at the link.  It is on the link's
 * round robin (on_rr) exactly when sent < at_link and it is not stalled.
 * Three struct events (384 of its 632 bytes) and no more: the fds'
 * events are re-armed, the timer is moved to whatever is due next. */
struct net_link_conn {
	struct net_link *l;
	struct net_link_conn *prev, *next;       /* every open connection   */
	struct net_link_conn *rr_prev, *rr_next; /* the link's round robin  */
	struct net_link_conn *dirty;             /* changed by a link pass  */
	struct event ev_c, ev_u, ev_t;           /* client, upstream, timer */
	int64_t page;                    /* its request's page: its draws' key */
	struct net_link_chunk *up, *up_tail;     /* request bytes           */
	struct net_link_chunk *dn, *dn_tail, *dn_next; /* response bytes    */
	int64_t rd, at_link, sent, wr;
	int64_t up_held;                 /* request bytes not yet written    */
	int64_t d_up, d_down;            /* this connection's one-way delays */
	int64_t syn_done;                /* the SYN that gets through leaves */
	int64_t t_link;                  /* its bytes joined the link        */
	int64_t stall_end;               /* a lost segment's RTO ends        */
	int64_t end_due;                 /* the end's time (LINGER: deadline) */
	int64_t timer_at;                /* ev_t's deadline, INT64_MAX: none  */
	uint32_t up_off, dn_off;         /* written bytes of the head chunks  */
	int cfd, ufd;                    /* ufd -1: not open (any more)       */
	uint8_t state, end, tries, stalled, syn_fail, on_rr, in_dirty;
	uint8_t up_blocked, outq_tries;
	short want_c, want_u;            /* what ev_c, ev_u wait for          */
};

struct net_link {
	struct event_base *base;
	struct evconnlistener *lev;
	struct event *resume;            /* re-enables accepts after EMFILE */
	struct event ev_link;            /* the link's one timer            */
	struct sockaddr_in up;
	struct al_network net;
	uint64_t seed;
	int port;
	struct net_link_conn *conns;
	/* The client's link: one segment on it at a time (cur's), the flows
	 * with bytes waiting in round robin, rr_head next. */
	struct net_link_conn *rr_head, *rr_tail, *cur;
	struct net_link_conn *dirty;     /* flows the current pass changed */
	int64_t nrr, cur_len, cur_end;
	int64_t link_t;                  /* the link is free from then      */
	struct net_link_stats st;
	char scratch[NET_LINK_SCRATCH];
};

/* Counts bytes allocated and bytes buffered (negative: released). */
void net_link_mem(struct net_link *l, int64_t bytes, int64_t held);

/* When c's request arrives: its page's draws (al_page_rng: the very ones
 * the simulator makes for that page), in
 * this order, the SYNs' losses (setting syn_done, or syn_fail when all
 * are lost), d-up and d-down. */
void net_link_draw(struct net_link_conn *c, int64_t page, int64_t now);
/* The page a request asks for ("GET /N ..."), or -1. */
int64_t net_link_page(const char *buf, size_t n);

/* Appends n bytes due at `due` (or at the last chunk's time if later) to
 * a list; 0, or -1 when out of memory. */
int net_link_push(struct net_link_conn *c, struct net_link_chunk **head,
		  struct net_link_chunk **tail, const char *buf, size_t n, int64_t due);
/* Frees a list's head chunk. */
void net_link_pop(struct net_link_conn *c, struct net_link_chunk **head,
		  struct net_link_chunk **tail);

/* c has response bytes at the link from t on: with bandwidth 0 they pass
 * at once (loss drawn per segment); else c joins the round robin. */
void net_link_offer(struct net_link_conn *c, int64_t t);
/* c leaves the link (closing): its segment on the link, if any, is cut. */
void net_link_leave(struct net_link_conn *c);
/* The link timer's callback (arg: the net_link). */
void net_link_pass(evutil_socket_t fd, short what, void *arg);

/* In net_link.c: does what is due on c by now and re-arms it; called by
 * the link's pass for every flow it changed.  0: c was freed. */
int net_link_step(struct net_link_conn *c, int64_t now);

#endif
