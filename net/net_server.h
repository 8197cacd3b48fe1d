/* The origin server: the project's own HTTP/1.0 server on libevent, serving
 * deterministic pages with the scenario's think time and page size
 * (docs/server.md).
 *
 * `GET /` is page 0 and `GET /N` page N.  Page N waits its think time, then
 * answers al_http_header(len) and al_page_bytes(seed, N, ...), and closes:
 * the close ends the body.  Think and length are drawn from an al_rng forked
 * from (seed, N), so a page is the same whatever the order of arrival;
 * net_server_page() computes them for a client that wants to know in
 * advance.  Bodies are generated while they are sent, never held whole.
 *
 * The server lives on the caller's event_base and is driven by it: every
 * function here must be called from the thread that runs that base (or
 * while it is not running). */
#ifndef NET_SERVER_H
#define NET_SERVER_H

#include <stdint.h>
#include <netinet/in.h>

#include "core/al_http.h"
#include "core/al_scenario.h"

struct event_base;
struct net_server;

/* Longest request head (request line + headers) read: longer is a 400. */
#define NET_SERVER_HEAD_MAX 8192
/* The accept queue asked of the kernel (the sim's `server.backlog` models a
 * server's accept queue; the real one is always this deep). */
#define NET_SERVER_BACKLOG 4096
/* Caps on one page's draws (al_page_draw). */
#define NET_SERVER_MAX_PAGE AL_PAGE_MAX_LEN
#define NET_SERVER_MAX_THINK AL_PAGE_MAX_THINK
/* A connection idle this long (client not reading the response) is
 * closed. */
#define NET_SERVER_IDLE_S 60
/* The whole request head must arrive within this of the accept, however
 * it trickles in (nginx's client_header_timeout, and its default): a
 * client sending a byte now and then cannot hold the connection longer. */
#define NET_SERVER_HEAD_S 60

struct net_server_stats {
	int64_t accepted;            /* connections taken from the listener   */
	int64_t served;              /* 200 responses written completely      */
	int64_t faulted;             /* responses spoilt by server.faults     */
	int64_t bad_requests;        /* 400s sent                             */
	int64_t not_found;           /* 404s sent                             */
	int64_t aborted;             /* closed early: client gone, idle, error */
	int64_t bytes;               /* response bytes written (all statuses) */
	int64_t open;                /* connections open now                  */
	int64_t peak_open;           /* most connections open at once         */
	int64_t peak_busy;           /* most holding a slot at once           */
	int64_t head_timeouts;       /* closed: the head not complete in time */
};

/* Listens on 127.0.0.1:port (0: an ephemeral port, see net_server_port)
 * with SO_REUSEADDR and a backlog of NET_SERVER_BACKLOG, serving the pages
 * of scenario sc (copied: sc need not outlive the call).  Returns NULL with
 * errno set on failure: EINVAL (no base or sc, port outside 0-65535),
 * EADDRINUSE (port taken), EACCES (privileged port), ENOMEM, or whatever
 * socket/bind/listen said. */
struct net_server *net_server_new(struct event_base *base,
				  const struct al_scenario *sc, int port);
/* The same on address at with a listen backlog of backlog (the kernel-TCP
 * path's server listens on its namespace's TUN address, with the
 * scenario's backlog).  EINVAL also for a NULL at. */
struct net_server *net_server_new_at(struct event_base *base, const struct al_scenario *sc,
				     const struct sockaddr_in *at, int backlog);
/* The congestion control of the connections s accepts from now on
 * (TCP_CONGESTION on the listener, which they inherit): "cubic", say.
 * 0, or -1 with errno (ENOENT: no such algorithm; EPERM: one the caller
 * may not choose). */
int net_server_set_congestion(struct net_server *s, const char *name);
/* The port actually listened on. */
int net_server_port(const struct net_server *s);
/* A snapshot of the counters. */
void net_server_stats(const struct net_server *s, struct net_server_stats *out);
/* The time a connection has from its accept to complete its request head
 * (NET_SERVER_HEAD_S by default; tests shorten it).  ms > 0. */
void net_server_set_head_timeout(struct net_server *s, int ms);
/* Stops listening and closes every connection, responses in flight
 * included, then frees s.  NULL is allowed. */
void net_server_free(struct net_server *s);

/* Page `page`'s think time (ns), body length (bytes) and fault under sc,
 * as the server draws them: a pure function of (sc->seed, sc->server,
 * page), al_page_draw's. */
enum al_fault net_server_page(const struct al_scenario *sc, int64_t page,
			      int64_t *think_ns, int64_t *len);

#endif
