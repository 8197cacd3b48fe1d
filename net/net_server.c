/* The origin server on libevent: an evconnlistener for accepts, then one
 * raw non-blocking fd and one struct event per connection, re-armed as the
 * connection moves through its states:
 *
 *   READ --request head--> THINK --timer--> WRITE --last byte--> closed
 *     \--malformed / unknown page--------> WRITE --> LINGER --> closed
 *
 * Raw fds rather than bufferevents: a response is generated straight into
 * one server-wide scratch buffer and sent from there, so a connection costs
 * ~600 bytes and no body is ever held (pages reach 1 GiB).  After a partial
 * send the unsent rest is simply generated again: the bytes are a pure
 * function of (seed, page, offset).
 *
 * max_concurrent follows the simulator (docs/network.md): a connection
 * takes a slot once its request head is complete, and holds it until its
 * response is sent; heads complete while every slot is taken wait in a
 * FIFO, oldest first.  A connection still sending its head holds no slot
 * (a client trickling a byte at a time keeps no one else out), and has
 * NET_SERVER_HEAD_S from its accept to finish it. */
#include "net/net_server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>

#include "core/al_assert.h"
#include "core/al_dist.h"
#include "core/al_http.h"
#include "net/net_req.h"

#define SCRATCH (64 * 1024)
#define LINGER_MAX (64 * 1024)       /* bytes drained after an error reply */
#define EMFILE_PAUSE_MS 100

enum conn_state { C_READ, C_WAIT, C_THINK, C_WRITE, C_LINGER };

static const char resp_400[] =
	"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n"
	"Content-Length: 12\r\n\r\nbad request\n";
static const char resp_404[] =
	"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n"
	"Content-Length: 10\r\n\r\nnot found\n";

/* One connection.  Invariant: ev is initialised and (but in the callback
 * that is changing state, and in WAIT, where nothing is armed) pending for
 * the current state; a connection in THINK or WRITE holds one of the
 * server's slots; one in WAIT is on the server's wait FIFO. */
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

static const struct timeval idle_tv = {NET_SERVER_IDLE_S, 0};
static const struct timeval linger_tv = {2, 0};

enum al_fault net_server_page(const struct al_scenario *sc, int64_t page,
			      int64_t *think_ns, int64_t *len)
{
	return al_page_draw(sc->seed, &sc->server, page, think_ns, len);
}

/* Enables the listener unless accepts are paused (out of fds). */
static void update_listener(struct net_server *s)
{
	int want = !s->paused;

	if (want == s->listening)
		return;
	if (want)
		evconnlistener_enable(s->lev);
	else
		evconnlistener_disable(s->lev);
	s->listening = want;
}

static int slot_free(const struct net_server *s)
{
	int max = s->sc.server.max_concurrent;

	return max <= 0 || s->busy < max;
}

static void respond(struct conn *c);

static void take_slot(struct net_server *s)
{
	if (++s->busy > s->st.peak_busy)
		s->st.peak_busy = s->busy;
}

/* The oldest waiting heads take the free slots.  An answer may end at
 * once (a 404) and free its slot again: the outer admit takes it, no
 * recursion. */
static void admit(struct net_server *s)
{
	if (s->admitting)
		return;
	s->admitting = 1;
	while (s->whead && slot_free(s)) {
		struct conn *c = s->whead;

		s->whead = c->wnext;
		if (!s->whead)
			s->wtail = NULL;
		c->wnext = NULL;
		take_slot(s);
		respond(c);
	}
	s->admitting = 0;
}

static void release_slot(struct conn *c)
{
	struct net_server *s = c->s;

	if (c->state == C_THINK || c->state == C_WRITE) {
		s->busy--;
		admit(s);
	} else if (c->state == C_WAIT) {
		struct conn **p = &s->whead, *prev = NULL;

		while (*p && *p != c) {
			prev = *p;
			p = &(*p)->wnext;
		}
		if (*p)
			*p = c->wnext;
		if (s->wtail == c)
			s->wtail = prev;
	}
}

static void conn_close(struct conn *c, int aborted)
{
	struct net_server *s = c->s;

	event_del(&c->ev);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->st.open--;
	if (aborted)
		s->st.aborted++;
	release_slot(c);
	free(c);
}

static void conn_arm(struct conn *c, int fd, short what,
		     event_callback_fn cb, const struct timeval *tv)
{
	event_del(&c->ev);
	event_assign(&c->ev, c->s->base, fd, what, cb, c);
	event_add(&c->ev, tv);
}

static void linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	ssize_t r;

	if (what & EV_TIMEOUT) {
		conn_close(c, 0);
		return;
	}
	r = recv(fd, c->s->scratch, SCRATCH, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0 || (c->drained += r) > LINGER_MAX)
		conn_close(c, 0);
}

/* The response is out.  A 200 closes at once; an error reply may have
 * left request bytes unread, and closing over them would send a reset
 * that can destroy the reply in flight: so half-close, drain, then
 * close (a lingering close, as nginx does). */
static void conn_done(struct conn *c)
{
	struct net_server *s = c->s;

	if (c->status == 200 && c->fault != AL_FAULT_NONE) {
		s->st.faulted++;
		if (c->fault == AL_FAULT_RESET) {
			/* close with a linger of 0: an RST, not a FIN */
			struct linger l = {1, 0};
			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
		}
		conn_close(c, 0);
		return;
	}
	if (c->status == 200) {
		s->st.served++;
		conn_close(c, 0);
		return;
	}
	if (c->status == 400)
		s->st.bad_requests++;
	else
		s->st.not_found++;
	release_slot(c);
	c->state = C_LINGER;
	shutdown(c->fd, SHUT_WR);
	conn_arm(c, c->fd, EV_READ | EV_PERSIST, linger_cb, &linger_tv);
}

static void write_cb(evutil_socket_t fd, short what, void *arg);

/* Sends what is left of the response until done or the socket is full.
 * The head and as much body as fits go out in one send. */
static void conn_write(struct conn *c)
{
	struct net_server *s = c->s;

	for (;;) {
		size_t n = 0, take;
		ssize_t r, sent;

		if (c->head_off < c->head_len) {
			n = (size_t)(c->head_len - c->head_off);
			memcpy(s->scratch, c->head + c->head_off, n);
		}
		int64_t end = al_fault_cut((enum al_fault)c->fault, c->body_len);
		take = SCRATCH - n;
		if ((int64_t)take > end - c->body_off)
			take = (size_t)(end - c->body_off);
		al_page_bytes(s->sc.seed, c->page, c->body_off, s->scratch + n, take);
		int64_t bad = c->body_len / 2;
		if (c->fault == AL_FAULT_CORRUPT && bad >= c->body_off &&
		    bad < c->body_off + (int64_t)take)
			s->scratch[n + (size_t)(bad - c->body_off)] ^= 1;
		n += take;
		if (n == 0) {
			conn_done(c);
			return;
		}
		/* A response in one send needs nothing; a longer one must not
		 * have its last segment wait for an ACK (Nagle). */
		if (!c->nodelay && (c->head_off > 0 || c->body_off > 0)) {
			int one = 1;

			setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			c->nodelay = 1;
		}
		r = send(c->fd, s->scratch, n, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(c, 1);    /* EPIPE, ECONNRESET: client gone */
			return;
		}
		s->st.bytes += r;
		sent = r;
		if (c->head_off < c->head_len) {
			int h = c->head_len - c->head_off;

			if (r < h) {
				c->head_off += (int)r;
				r = 0;
			} else {
				c->head_off = c->head_len;
				r -= h;
			}
		}
		c->body_off += r;
		if ((size_t)sent < n)        /* the socket is full: wait */
			break;
	}
	if (c->state != C_WRITE) {
		c->state = C_WRITE;
		conn_arm(c, c->fd, EV_WRITE | EV_PERSIST, write_cb, &idle_tv);
	}
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if (what & EV_TIMEOUT)
		conn_close(c, 1);        /* the client stopped reading */
	else
		conn_write(c);
}

/* A stall fault: the request is never answered.  The connection keeps its
 * slot, with no idle timeout, until the client gives up and closes. */
static void stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	ssize_t r = recv(fd, c->s->scratch, SCRATCH, 0);

	(void)what;
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		c->s->st.faulted++;
		conn_close(c, 0);
	}
}

static void think_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	conn_write(c);               /* it arms WRITE if the socket fills */
}

/* The head is complete: answer it. */
static void respond(struct conn *c)
{
	int64_t page = net_req_page(&c->req), think;
	struct timeval tv;

	event_del(&c->ev);
	c->state = C_THINK;
	if (page < 0) {
		c->status = page == NET_REQ_BAD ? 400 : 404;
		c->head = page == NET_REQ_BAD ? resp_400 : resp_404;
		c->head_len = page == NET_REQ_BAD ? (int)sizeof resp_400 - 1
						  : (int)sizeof resp_404 - 1;
		c->page = 0;
		c->body_len = 0;
		conn_write(c);
		return;
	}
	c->status = 200;
	c->page = page;
	c->fault = (uint8_t)net_server_page(&c->s->sc, page, &think, &c->body_len);
	c->head = c->hbuf;
	c->head_len = al_http_header(c->hbuf, sizeof c->hbuf, c->body_len);
	AL_ASSERT(c->head_len > 0);
	if (c->fault == AL_FAULT_STALL) {
		conn_arm(c, c->fd, EV_READ | EV_PERSIST, stall_cb, NULL);
		return;
	}
	if (think <= 0) {
		conn_write(c);
		return;
	}
	tv.tv_sec = (time_t)(think / 1000000000);
	tv.tv_usec = (suseconds_t)(think % 1000000000 / 1000);
	conn_arm(c, -1, 0, think_cb, &tv);
}

/* What is left of the head's time, or 0 when none is. */
static int head_left(const struct conn *c, struct timeval *left)
{
	struct timespec now;
	int64_t us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = ((int64_t)c->head_by.tv_sec - now.tv_sec) * 1000000 +
	     (c->head_by.tv_usec - now.tv_nsec / 1000);
	if (us <= 0)
		return 0;
	left->tv_sec = (time_t)(us / 1000000);
	left->tv_usec = (suseconds_t)(us % 1000000);
	return 1;
}

/* The head is complete: a slot, or a place in the FIFO. */
static void head_done(struct conn *c)
{
	struct net_server *s = c->s;

	if (slot_free(s) && !s->whead) {
		take_slot(s);
		respond(c);
		return;
	}
	event_del(&c->ev);
	c->state = C_WAIT;
	if (s->wtail)
		s->wtail->wnext = c;
	else
		s->whead = c;
	s->wtail = c;
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct timeval left;
	ssize_t r;

	if ((what & EV_TIMEOUT) || !head_left(c, &left)) {
		c->s->st.head_timeouts++;
		conn_close(c, 1);        /* the head's time is up */
		return;
	}
	r = recv(fd, c->s->scratch, 4096, 0);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(c, 1);
		return;
	}
	if (r == 0) {
		/* end of stream before the blank line: a 400 if anything came,
		 * else a connection opened and closed (a readiness probe) */
		if (c->req.head_len == 0) {
			conn_close(c, 1);
			return;
		}
		c->req.bad = 1;
		c->req.done = 1;
	} else {
		net_req_feed(&c->req, c->s->scratch, (size_t)r, NET_SERVER_HEAD_MAX);
	}
	if (c->req.done)
		head_done(c);
	else
		event_add(&c->ev, &left);    /* the deadline, not a new idle time */
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	struct net_server *s = arg;
	struct conn *c = malloc(sizeof *c);

	(void)lev;
	(void)sa;
	(void)salen;
	if (!c) {
		close(fd);
		s->st.aborted++;
		return;
	}
	memset(c, 0, offsetof(struct conn, req));
	net_req_init(&c->req);
	c->s = s;
	c->fd = fd;
	c->state = C_READ;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->st.accepted++;
	if (++s->st.open > s->st.peak_open)
		s->st.peak_open = s->st.open;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t us = now.tv_nsec / 1000 + s->head_tv.tv_usec;
	c->head_by.tv_sec = now.tv_sec + s->head_tv.tv_sec + (time_t)(us / 1000000);
	c->head_by.tv_usec = (suseconds_t)(us % 1000000);
	event_assign(&c->ev, s->base, fd, EV_READ | EV_PERSIST, read_cb, c);
	event_add(&c->ev, &s->head_tv);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_server *s = arg;

	(void)fd;
	(void)what;
	s->paused = 0;
	update_listener(s);
}

/* accept failed: out of fds (EMFILE) keeps the listener readable and would
 * spin, so pause accepts briefly; other errors are the client's. */
static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct net_server *s = arg;
	struct timeval tv = {0, EMFILE_PAUSE_MS * 1000};
	int err = EVUTIL_SOCKET_ERROR();

	(void)lev;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	s->paused = 1;
	update_listener(s);
	event_add(s->resume, &tv);
}

struct net_server *net_server_new(struct event_base *base,
				  const struct al_scenario *sc, int port)
{
	if (port < 0 || port > 65535) {
		errno = EINVAL;
		return NULL;
	}
	struct sockaddr_in at = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	return net_server_new_at(base, sc, &at, NET_SERVER_BACKLOG);
}

struct net_server *net_server_new_at(struct event_base *base, const struct al_scenario *sc,
				     const struct sockaddr_in *at, int backlog)
{
	struct net_server *s;
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int err;

	if (!base || !sc || !at) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->base = base;
	s->sc = *sc;
	s->head_tv = (struct timeval){NET_SERVER_HEAD_S, 0};
	sin = *at;
	errno = 0;
	s->lev = evconnlistener_new_bind(base, accept_cb, s,
		LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
		backlog, (struct sockaddr *)&sin, sizeof sin);
	if (!s->lev) {
		err = errno ? errno : EIO;
		goto fail_listener;
	}
	s->listening = 1;
	evconnlistener_set_error_cb(s->lev, accept_error_cb);
	s->resume = evtimer_new(base, resume_cb, s);
	if (!s->resume) {
		err = ENOMEM;
		goto fail_resume;
	}
	if (getsockname(evconnlistener_get_fd(s->lev), (struct sockaddr *)&sin,
			&len) < 0) {
		err = errno;
		goto fail_name;
	}
	s->port = ntohs(sin.sin_port);
	update_listener(s);
	return s;

fail_name:
	event_free(s->resume);
fail_resume:
	evconnlistener_free(s->lev);
fail_listener:
	free(s);
	errno = err;
	return NULL;
}

int net_server_set_congestion(struct net_server *s, const char *name)
{
	return setsockopt(evconnlistener_get_fd(s->lev), IPPROTO_TCP, TCP_CONGESTION, name,
			  (socklen_t)strlen(name));
}

int net_server_port(const struct net_server *s)
{
	return s->port;
}

void net_server_stats(const struct net_server *s, struct net_server_stats *out)
{
	*out = s->st;
}

void net_server_set_head_timeout(struct net_server *s, int ms)
{
	s->head_tv = (struct timeval){ms / 1000, (suseconds_t)(ms % 1000) * 1000};
}

void net_server_free(struct net_server *s)
{
	if (!s)
		return;
	evconnlistener_free(s->lev);
	event_free(s->resume);
	while (s->conns) {
		struct conn *c = s->conns;

		s->conns = c->next;
		event_del(&c->ev);
		close(c->fd);
		free(c);
	}
	free(s);
}
