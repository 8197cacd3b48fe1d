/* The link emulator's connections (docs/link.md): each accepted client is
 * relayed to the upstream server, its request delayed by d-up, its
 * response delayed by d-down and then streamed over the client link that
 * every response shares (net_link_path.c), as docs/network.md models them.
 *
 * A connection is two raw non-blocking fds with one struct event each,
 * re-armed with the interest of the moment, and one timer moved to
 * whatever is due next on it: the SYN-loss wait, request bytes, response
 * bytes reaching the link, the end of an RTO, the end of the response.
 * Every callback ends in net_link_step(), which does what is due in the
 * order of the path and re-arms.
 *
 * Raw fds rather than bufferevents: a socket bufferevent with its two
 * empty evbuffers takes 979 bytes of heap here (libevent 2.1), a pair of
 * them ~2 KiB per connection before any byte is held; this connection is
 * one struct of 632 bytes (x86-64) plus the bytes it holds, so the 9,990
 * connections one process can relay (2 fds each) cost about 6 MiB. */
#include "net/net_link.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/listener.h>

#include "net/net_link_int.h"

#define LINGER_NS INT64_C(2000000000)    /* wait for the client's close */
#define OUTQ_WAIT_NS INT64_C(2000000)    /* re-check before a reset ... */
#define OUTQ_TRIES 250                   /* ... for at most 0.5 s       */
#define EMFILE_PAUSE_MS 100
#define NEVER INT64_MAX

/* REQ: accepted, waiting for the request, whose page keys the draws */
enum { C_REQ, C_SYN, C_CONNECTING, C_OPEN, C_LINGER };
/* How the response ends: EOF (shut the client down), RST (reset it once
 * every byte read is written), FAIL (reset once the bytes that crossed the
 * link are written; the rest is dropped). */
enum { END_NONE, END_EOF, END_RST, END_FAIL };

/* Bytes held in each direction, as allocated (a head chunk is freed once
 * written whole): what NET_LINK_HOLD_MAX caps. */
static int64_t up_held(const struct net_link_conn *c)
{
	return c->up_held + c->up_off;
}

static int64_t dn_held(const struct net_link_conn *c)
{
	return c->rd - c->wr + c->dn_off;
}

/* --- connections */

static void conn_free(struct net_link_conn *c)
{
	struct net_link *l = c->l;

	net_link_leave(c);
	event_del(&c->ev_c);
	event_del(&c->ev_u);
	event_del(&c->ev_t);
	close(c->cfd);
	if (c->ufd >= 0)
		close(c->ufd);
	while (c->up)
		net_link_pop(c, &c->up, &c->up_tail);
	while (c->dn)
		net_link_pop(c, &c->dn, &c->dn_tail);
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	l->st.open--;
	net_link_mem(l, -(int64_t)sizeof *c, 0);
	free(c);
}

static void drop_up(struct net_link_conn *c)
{
	while (c->up)
		net_link_pop(c, &c->up, &c->up_tail);
	c->up_held = 0;
	c->up_off = 0;
	c->up_blocked = 0;
}

static void close_upstream(struct net_link_conn *c)
{
	if (c->ufd >= 0) {
		event_del(&c->ev_u);
		c->want_u = 0;
		close(c->ufd);
		c->ufd = -1;
	}
	drop_up(c);
}

/* The upstream cannot be reached: the client is reset, without a byte,
 * when the SYN's way there and the RST's way back have passed. */
static void refused(struct net_link_conn *c, int64_t now)
{
	close_upstream(c);
	c->state = C_OPEN;
	c->l->st.refused++;
	c->end = END_RST;
	c->end_due = now + c->d_up + c->d_down;
}

static void upstream_connect(struct net_link_conn *c, int64_t now)
{
	int one = 1;

	c->ufd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->ufd < 0) {
		refused(c, now);
		return;
	}
	setsockopt(c->ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->ufd, (const struct sockaddr *)&c->l->up, sizeof c->l->up) == 0)
		c->state = C_OPEN;
	else if (errno == EINPROGRESS)
		c->state = C_CONNECTING;
	else
		refused(c, now);
}

/* Writes the request bytes that are due to the server. */
static void up_flush(struct net_link_conn *c, int64_t now)
{
	c->up_blocked = 0;
	while (c->up && c->up->due <= now) {
		struct net_link_chunk *k = c->up;
		ssize_t r = send(c->ufd, k->data + c->up_off, k->len - c->up_off,
				 MSG_NOSIGNAL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				c->up_blocked = 1;
			else         /* the server is gone: its read side says how */
				drop_up(c);
			break;
		}
		c->l->st.bytes_up += r;
		c->up_held -= r;
		c->up_off += (uint32_t)r;
		if (c->up_off < k->len) {
			c->up_blocked = 1;
			break;
		}
		c->up_off = 0;
		net_link_pop(c, &c->up, &c->up_tail);
	}
}

/* Writes the bytes that crossed the link to the client.  0: c was freed
 * (the client is gone). */
static int dn_flush(struct net_link_conn *c)
{
	while (c->wr < c->sent) {
		struct net_link_chunk *k = c->dn;
		int64_t n = k->len - c->dn_off;
		ssize_t r;

		if (n > c->sent - c->wr)
			n = c->sent - c->wr;
		r = send(c->cfd, k->data + c->dn_off, (size_t)n, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			c->l->st.aborted++;
			conn_free(c);
			return 0;
		}
		c->l->st.bytes_down += r;
		c->wr += r;
		c->dn_off += (uint32_t)r;
		if (c->dn_off == k->len) {
			c->dn_off = 0;
			net_link_pop(c, &c->dn, &c->dn_tail);
		}
		if (r < n)
			break;
	}
	return 1;
}

/* Every byte due is out: shut the client down, or reset it once the
 * kernel has sent what we wrote (a reset drops the unsent rest).
 * 0: c was freed. */
static int conn_end(struct net_link_conn *c, int64_t now)
{
	struct linger lg = {1, 0};
	int outq = 0;

	if (c->end == END_EOF) {
		close_upstream(c);
		shutdown(c->cfd, SHUT_WR);
		c->state = C_LINGER;
		c->end_due = now + LINGER_NS;
		return 1;
	}
	if (ioctl(c->cfd, TIOCOUTQ, &outq) == 0 && outq > 0 &&
	    c->outq_tries++ < OUTQ_TRIES) {
		c->end_due = now + OUTQ_WAIT_NS;
		return 1;
	}
	setsockopt(c->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	c->l->st.resets++;
	conn_free(c);
	return 0;
}

static void client_cb(evutil_socket_t fd, short what, void *arg);
static void upstream_cb(evutil_socket_t fd, short what, void *arg);

static void rearm(struct net_link_conn *c, struct event *ev, int fd, short *cur,
		  short want, event_callback_fn cb)
{
	if (want == *cur)
		return;
	event_del(ev);
	*cur = want;
	if (!want)
		return;
	event_assign(ev, c->l->base, fd, (short)(want | EV_PERSIST), cb, c);
	event_add(ev, NULL);
}

/* Arms the fds for what c waits for, and its timer for the next thing
 * due on it. */
static void conn_arm(struct net_link_conn *c, int64_t now)
{
	short wc = EV_READ, wu = 0;
	int64_t t = NEVER;

	if (c->state != C_LINGER && up_held(c) >= NET_LINK_HOLD_MAX)
		wc = 0;
	if (c->wr < c->sent)
		wc |= EV_WRITE;
	if (c->state == C_CONNECTING)
		wu = EV_WRITE;
	else if (c->ufd >= 0 && c->state == C_OPEN) {
		if (dn_held(c) < NET_LINK_HOLD_MAX)
			wu |= EV_READ;
		if (c->up_blocked)
			wu |= EV_WRITE;
	}
	rearm(c, &c->ev_c, c->cfd, &c->want_c, wc, client_cb);
	if (c->ufd >= 0)
		rearm(c, &c->ev_u, c->ufd, &c->want_u, wu, upstream_cb);

	if (c->state == C_SYN)
		t = c->syn_done;
	if (c->state == C_OPEN && c->up && !c->up_blocked && c->up->due < t)
		t = c->up->due;
	if (c->dn_next && c->dn_next->due < t)
		t = c->dn_next->due;
	if (c->stalled && c->stall_end < t)
		t = c->stall_end;
	/* an end already due waits for bytes, which other events bring */
	if (c->end && c->end_due > now && c->end_due < t)
		t = c->end_due;
	if (t == c->timer_at)
		return;
	c->timer_at = t;
	if (t == NEVER) {
		event_del(&c->ev_t);
	} else {
		struct timeval tv = net_tv(t - now);

		event_add(&c->ev_t, &tv);
	}
}

/* Does whatever is due on c by now, in the order of the path, then
 * re-arms it.  0: c was freed. */
int net_link_step(struct net_link_conn *c, int64_t now)
{
	if (c->state == C_LINGER) {
		if (now >= c->end_due) {
			conn_free(c);
			return 0;
		}
		conn_arm(c, now);
		return 1;
	}
	if (c->state == C_SYN && now >= c->syn_done) {
		if (c->syn_fail) {   /* every SYN lost: no server, a reset */
			c->l->st.syn_timeouts++;
			c->state = C_OPEN;
			c->end = END_RST;
			c->end_due = now;
			close_upstream(c);
		} else {
			upstream_connect(c, now);
		}
	}
	if (c->state == C_OPEN && c->ufd >= 0)
		up_flush(c, now);
	if (c->dn_next && c->dn_next->due <= now) {
		int64_t t = c->dn_next->due;

		while (c->dn_next && c->dn_next->due <= now) {
			c->at_link += c->dn_next->len;
			c->dn_next = c->dn_next->next;
		}
		net_link_offer(c, t);
	}
	if (c->stalled && now >= c->stall_end) {
		c->stalled = 0;
		if (c->tries > NET_LINK_DATA_RETRIES) {
			c->l->st.data_timeouts++;
			c->end = END_FAIL;
			c->end_due = now;
			close_upstream(c);
		} else {
			net_link_offer(c, c->stall_end);
		}
	}
	if (!dn_flush(c))
		return 0;
	if (c->end && now >= c->end_due &&
	    c->wr == (c->end == END_FAIL ? c->sent : c->rd) && !conn_end(c, now))
		return 0;
	conn_arm(c, now);
	return 1;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_link_conn *c = arg;

	(void)fd;
	(void)what;
	c->timer_at = NEVER;
	net_link_step(c, net_mono_ns());
}

static void client_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_link_conn *c = arg;
	int64_t now = net_mono_ns();

	if (what & EV_READ) {
		size_t room = c->state == C_LINGER ? NET_LINK_SCRATCH
			: (size_t)(NET_LINK_HOLD_MAX - up_held(c));
		ssize_t r = room == 0 ? -2 : recv(fd, c->l->scratch,
			room < NET_LINK_SCRATCH ? room : NET_LINK_SCRATCH, 0);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			r = -2;
		if (r == 0 || r == -1) {     /* the client closed (or failed) */
			if (c->state != C_LINGER)
				c->l->st.aborted++;
			conn_free(c);
			return;
		}
		if (r > 0 && c->state == C_REQ) {
			net_link_draw(c, net_link_page(c->l->scratch, (size_t)r), now);
			c->state = C_SYN;
		}
		if (r > 0 && c->state != C_LINGER && c->end == END_NONE) {
			int64_t t = now > c->syn_done ? now : c->syn_done;

			if (net_link_push(c, &c->up, &c->up_tail, c->l->scratch,
					  (size_t)r, t + c->d_up) < 0) {
				c->l->st.aborted++;      /* out of memory */
				conn_free(c);
				return;
			}
			c->up_held += r;
		}
	}
	net_link_step(c, now);
}

static void upstream_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_link_conn *c = arg;
	int64_t now = net_mono_ns();

	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof err;

		if (!(what & EV_WRITE))
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err)
			refused(c, now);
		else
			c->state = C_OPEN;
	} else if ((what & EV_READ) && dn_held(c) < NET_LINK_HOLD_MAX) {
		int64_t room = NET_LINK_HOLD_MAX - dn_held(c);
		ssize_t r;

		if (room > NET_LINK_SCRATCH)
			room = NET_LINK_SCRATCH;
		r = recv(fd, c->l->scratch, (size_t)room, 0);

		if (r > 0) {
			if (net_link_push(c, &c->dn, &c->dn_tail, c->l->scratch,
					  (size_t)r, now + c->d_down) == 0) {
				if (!c->dn_next)
					c->dn_next = c->dn_tail;
				c->rd += r;
			} else {     /* out of memory: as if the server reset */
				r = -1;
				errno = ENOMEM;
			}
		}
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			       errno != EINTR)) {
			c->end = r == 0 ? END_EOF : END_RST;
			c->end_due = now + c->d_down;
			close_upstream(c);
		}
	}
	net_link_step(c, now);
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	struct net_link *l = arg;
	struct net_link_conn *c = calloc(1, sizeof *c);
	int64_t now = net_mono_ns();
	int one = 1;

	(void)lev;
	(void)sa;
	(void)salen;
	if (!c) {
		close(fd);
		l->st.aborted++;
		return;
	}
	c->l = l;
	c->cfd = fd;
	c->ufd = -1;
	c->timer_at = NEVER;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->state = C_REQ;
	event_assign(&c->ev_t, l->base, -1, 0, timer_cb, c);
	event_assign(&c->ev_c, l->base, fd, 0, client_cb, c);
	event_assign(&c->ev_u, l->base, -1, 0, upstream_cb, c);
	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	l->conns = c;
	l->st.accepted++;
	if (++l->st.open > l->st.peak_open)
		l->st.peak_open = l->st.open;
	net_link_mem(l, (int64_t)sizeof *c, 0);
	net_link_step(c, now);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evconnlistener_enable(((struct net_link *)arg)->lev);
}

/* Out of fds (EMFILE) keeps the listener readable and would spin: pause
 * accepts briefly.  Other accept errors are the client's. */
static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct net_link *l = arg;
	struct timeval tv = {0, EMFILE_PAUSE_MS * 1000};
	int err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	evconnlistener_disable(lev);
	event_add(l->resume, &tv);
}

struct net_link *net_link_new(struct event_base *base, const struct al_scenario *sc,
			      const struct sockaddr_in *upstream, int port)
{
	struct net_link *l;
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int err;

	if (!base || !sc || !upstream || upstream->sin_family != AF_INET ||
	    port < 0 || port > 65535 || sc->network.rtt_ns < 0 ||
	    sc->network.bandwidth_bps < 0 || sc->network.rto_ns < 0 ||
	    !(sc->network.loss >= 0 && sc->network.loss <= 1)) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->base = base;
	l->up = *upstream;
	l->net = sc->network;
	l->seed = sc->seed;
	evtimer_assign(&l->ev_link, base, net_link_pass, l);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	errno = 0;
	l->lev = evconnlistener_new_bind(base, accept_cb, l,
		LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
		NET_LINK_BACKLOG, (struct sockaddr *)&sin, sizeof sin);
	if (!l->lev) {
		err = errno ? errno : EIO;
		goto fail_listener;
	}
	evconnlistener_set_error_cb(l->lev, accept_error_cb);
	l->resume = evtimer_new(base, resume_cb, l);
	if (!l->resume) {
		err = ENOMEM;
		goto fail_resume;
	}
	if (getsockname(evconnlistener_get_fd(l->lev), (struct sockaddr *)&sin,
			&len) < 0) {
		err = errno;
		goto fail_name;
	}
	l->port = ntohs(sin.sin_port);
	return l;

fail_name:
	event_free(l->resume);
fail_resume:
	evconnlistener_free(l->lev);
fail_listener:
	free(l);
	errno = err;
	return NULL;
}

int net_link_port(const struct net_link *l)
{
	return l->port;
}

void net_link_stats(const struct net_link *l, struct net_link_stats *out)
{
	*out = l->st;
}

void net_link_free(struct net_link *l)
{
	if (!l)
		return;
	evconnlistener_free(l->lev);
	event_free(l->resume);
	while (l->conns)
		conn_free(l->conns);
	event_del(&l->ev_link);
	free(l);
}
