/* Internal to the origin server: its connection and server structs,
 * shared by net_server.c (the listener, request heads, slots) and
 * net_server_reply.c (the answer: think, write, linger). */
#ifndef NET_SERVER_INT_H
#define NET_SERVER_INT_H

#include <stdint.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>

#include "net/net_req.h"
#include "net/net_server.h"

#define SCRATCH (64 * 1024)

enum conn_state { C_READ, C_WAIT, C_THINK, C_WRITE, C_LINGER };

/* One connection.  Invariant: ev is initialised and (but in the callback
 * that is changing state) pending for the current state; a connection in THINK or WRITE holds one of the
 * server's slots; one in WAIT is on the server's wait FIFO, watched for
 * its client giving up. */
struct conn {
	struct net_server *s;
	struct conn *prev, *next;    /* every open connection */
	struct conn *wnext;          /* WAIT: the next in the FIFO */
	struct timeval head_by;      /* READ: the head's deadline (monotonic) */
	struct event ev;
	int fd;
	uint8_t state;
	uint8_t nodelay;             /* TCP_NODELAY is set */
	uint8_t fault;               /* enum al_fault: the page's server.faults draw */
	int status;                  /* 200, 400, 404 once known */
	int64_t page;
	const char *head;            /* the response head (hbuf or a constant) */
	int head_len, head_off;
	int64_t body_len, body_off;
	int64_t drained;             /* LINGER: bytes read and dropped */
	char hbuf[96];
	struct net_req req;
};

struct net_server {
	struct event_base *base;
	struct evconnlistener *lev;
	struct event *resume;        /* re-enables accepts after EMFILE */
	struct al_scenario sc;
	int port;
	int busy;                    /* connections holding a slot */
	struct conn *whead, *wtail;  /* complete heads waiting for a slot */
	int admitting;               /* admit() is running */
	struct timeval head_tv;      /* the head's time from accept */
	int listening;               /* the listener is enabled */
	int paused;                  /* accepts paused after EMFILE */
	struct conn *conns;
	struct net_server_stats st;
	char scratch[SCRATCH];
};

/* Closes c (aborted: counted so) and frees it; its slot, if any, goes to
 * the oldest waiting head. */
void net_server_close_conn(struct conn *c, int aborted);
/* Re-arms c's one event for what, with cb and timeout tv (NULL: none). */
void net_server_arm(struct conn *c, int fd, short what, event_callback_fn cb,
		    const struct timeval *tv);
/* c gives up what it holds of the server: its slot, or its place in the
 * FIFO of heads waiting for one. */
void net_server_release(struct conn *c);
/* c's head is complete and c has a slot: answer it (net_server_reply.c). */
void net_server_respond(struct conn *c);

#endif
