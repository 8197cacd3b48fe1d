/* blocking_way(): socket, connect, send, then recv(4096) until the server
 * closes.  Each call blocks its thread; that is the whole point. */
#include <errno.h>

#include "models/blocking.h"

int co_blocking_fetch(struct al_task *t, void *arg)
{
	struct co_blocking *f = arg;
	struct al_os *os = f->crawl->os;
	int n;

	AL_BEGIN(f);
	al_crawl_begin(f->crawl, &f->tm);
	al_http_resp_init(&f->resp);
	f->fd = (int)al_socket(os, 0);
	if (f->fd < 0) {
		al_crawl_end(f->crawl, f->page, -f->fd, &f->resp, &f->tm);
		AL_RETURN(t, f, 0, -f->fd);
	}
	AL_AWAIT_CALL(t, f, &f->io, al_connect, os, f->fd, f->page);
	if (t->err)
		goto out;
	al_crawl_connected(f->crawl, &f->tm);
	n = al_http_request(f->buf, sizeof f->buf, f->crawl->sc->workload.host, f->page);
	if (n < 0) {
		t->err = EMSGSIZE;
		goto out;
	}
	AL_AWAIT_CALL(t, f, &f->io, al_send, os, f->fd, f->buf, (size_t)n);
	while (!t->err) {
		AL_AWAIT_CALL(t, f, &f->io, al_recv, os, f->fd, f->buf, sizeof f->buf);
		if (t->err || t->value == 0)
			break;
		if (al_crawl_feed(f->crawl, &f->tm, f->fd, &f->resp, f->buf, (size_t)t->value) != 0)
			t->err = EBADMSG;
	}
out:
	al_close(os, f->fd);
	f->err = al_crawl_end(f->crawl, f->page, t->err, &f->resp, &f->tm);
	f->ended = al_now(os);
	f->parse = f->err ? 0 : al_crawl_parse_ns(f->crawl, f->resp.body);
	if (f->parse > 0) {             /* then the crawler parses the page */
		AL_AWAIT_CALL(t, f, &f->io, al_cpu, os, f->parse);
	}
	AL_RETURN(t, f, 0, f->err);
	AL_END(t, f);
}
