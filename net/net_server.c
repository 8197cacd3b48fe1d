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
 * response is written (its last send() returned: the kernel's send buffer
 * holds the rest, which the simulator's server.sndbuf stands for); heads
 * complete while every slot is taken wait in a
 * FIFO, oldest first.  A connection still sending its head holds no slot
 * (a client trickling a byte at a time keeps no one else out), and has
 * NET_SERVER_HEAD_S from its accept to finish it.
 *
 * This file takes connections and their heads and hands out the slots;
 * net_server_reply.c answers. */
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

#include "net/net_server_int.h"

#define EMFILE_PAUSE_MS 100

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
		net_server_respond(c);
	}
	s->admitting = 0;
}

void net_server_release(struct conn *c)
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

void net_server_close_conn(struct conn *c, int aborted)
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
	net_server_release(c);
	free(c);
}

void net_server_arm(struct conn *c, int fd, short what,
		     event_callback_fn cb, const struct timeval *tv)
{
	event_del(&c->ev);
	event_assign(&c->ev, c->s->base, fd, what, cb, c);
	event_add(&c->ev, tv);
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

/* WAIT: the client's end of stream (or an error) while its head waits
 * for a slot -- it gave up, as the simulator's client does at its page
 * timeout: the connection leaves the FIFO, no slot spent on it.  (A client
 * that half-closes after its request reads the same; HTTP/1.0 crawlers,
 * ours and curl, do not.)  Bytes after the head are dropped. */
static void wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	ssize_t r = recv(fd, c->s->scratch, SCRATCH, 0);

	(void)what;
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		net_server_close_conn(c, 1);
}

/* The head is complete: a slot, or a place in the FIFO. */
static void head_done(struct conn *c)
{
	struct net_server *s = c->s;

	if (slot_free(s) && !s->whead) {
		take_slot(s);
		net_server_respond(c);
		return;
	}
	net_server_arm(c, c->fd, EV_READ | EV_PERSIST, wait_cb, NULL);
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
		net_server_close_conn(c, 1);        /* the head's time is up */
		return;
	}
	r = recv(fd, c->s->scratch, 4096, 0);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			net_server_close_conn(c, 1);
		else
			event_add(&c->ev, &left);    /* the deadline, not a new 60 s */
		return;
	}
	if (r == 0) {
		/* end of stream before the blank line: a 400 if anything came,
		 * else a connection opened and closed (a readiness probe) */
		if (c->req.head_len == 0) {
			net_server_close_conn(c, 1);
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
