/* The origin server's answers (see net_server.c): a page's think time, then
 * its head and body written as the socket takes them, generated straight
 * into the server's scratch buffer; an error reply's lingering close; a
 * stalled page never answered. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "core/al_assert.h"
#include "core/al_dist.h"
#include "core/al_http.h"
#include "net/net_server_int.h"

#define LINGER_MAX (64 * 1024)       /* bytes drained after an error reply */

static const char resp_400[] =
	"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n"
	"Content-Length: 12\r\n\r\nbad request\n";
static const char resp_404[] =
	"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n"
	"Content-Length: 10\r\n\r\nnot found\n";

static const struct timeval idle_tv = {NET_SERVER_IDLE_S, 0};
static const struct timeval linger_tv = {2, 0};

static void linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	ssize_t r;

	if (what & EV_TIMEOUT) {
		net_server_close_conn(c, 0);
		return;
	}
	r = recv(fd, c->s->scratch, SCRATCH, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0 || (c->drained += r) > LINGER_MAX)
		net_server_close_conn(c, 0);
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
		net_server_close_conn(c, 0);
		return;
	}
	if (c->status == 200) {
		s->st.served++;
		net_server_close_conn(c, 0);
		return;
	}
	if (c->status == 400)
		s->st.bad_requests++;
	else
		s->st.not_found++;
	net_server_release(c);
	c->state = C_LINGER;
	shutdown(c->fd, SHUT_WR);
	net_server_arm(c, c->fd, EV_READ | EV_PERSIST, linger_cb, &linger_tv);
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
			net_server_close_conn(c, 1);    /* EPIPE, ECONNRESET: client gone */
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
		net_server_arm(c, c->fd, EV_WRITE | EV_PERSIST, write_cb, &idle_tv);
	}
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if (what & EV_TIMEOUT)
		net_server_close_conn(c, 1);        /* the client stopped reading */
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
		net_server_close_conn(c, 0);
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
void net_server_respond(struct conn *c)
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
		net_server_arm(c, c->fd, EV_READ | EV_PERSIST, stall_cb, NULL);
		return;
	}
	if (think <= 0) {
		conn_write(c);
		return;
	}
	tv.tv_sec = (time_t)(think / 1000000000);
	tv.tv_usec = (suseconds_t)(think % 1000000000 / 1000);
	net_server_arm(c, -1, 0, think_cb, &tv);
}
