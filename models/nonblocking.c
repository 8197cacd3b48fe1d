/* nonblocking (the article's 3.4): one thread, pages one after the other,
 * every call non-blocking and retried until it succeeds.  The retry loop is
 * the os's spin(): the thread keeps its CPU busy polling, which the sim
 * advances analytically (and counts every futile call). */
#include <errno.h>

#include "core/al_http.h"
#include "models/model.h"

struct co_nonblocking {
	struct al_model_frame m;
	int64_t page;
	int fd;
	int n;
	struct al_future spun;
	struct al_http_resp resp;
	struct al_page_times tm;
	char buf[4096];
};

static int co_nonblocking(struct al_task *t, void *arg)
{
	struct co_nonblocking *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;
	int64_t r;

	AL_BEGIN(&f->m);
	for (f->page = 0; f->page < c->pages; f->page++) {
		al_crawl_begin(c, &f->tm);
		al_http_resp_init(&f->resp);
		f->fd = (int)al_socket(os, 1);
		if (f->fd < 0) {
			al_crawl_end(c, f->page, -f->fd, &f->resp, &f->tm);
			continue;
		}
		r = al_connect(os, f->fd, f->page, NULL);
		t->err = r == -EINPROGRESS || r == 0 ? 0 : (int)-r;
		f->n = al_http_request(f->buf, sizeof f->buf, c->sc->workload.host, f->page);
		if (f->n < 0)
			t->err = EMSGSIZE;
		/* while True: try: send(); break; except OSError: pass */
		while (!t->err) {
			r = al_send(os, f->fd, f->buf, (size_t)f->n, NULL);
			if (r >= 0) {        /* it took the request: connected */
				al_crawl_connected(c, &f->tm);
				break;
			}
			if (r != -EAGAIN) {
				t->err = (int)-r;
				break;
			}
			AL_AWAIT_CALL(t, &f->m, &f->spun, al_spin, os, f->fd, AL_EV_WRITE);
		}
		/* the same for every recv(4096), until the server closes */
		while (!t->err) {
			r = al_recv(os, f->fd, f->buf, sizeof f->buf, NULL);
			if (r == 0)
				break;
			if (r > 0) {
				if (al_crawl_feed(c, &f->tm, f->fd, &f->resp, f->buf, (size_t)r) != 0)
					t->err = EBADMSG;
				continue;
			}
			if (r != -EAGAIN) {
				t->err = (int)-r;
				break;
			}
			AL_AWAIT_CALL(t, &f->m, &f->spun, al_spin, os, f->fd, AL_EV_READ);
		}
		al_close(os, f->fd);
		if (al_crawl_end(c, f->page, t->err, &f->resp, &f->tm) == 0 &&
		    al_crawl_parse_ns(c, f->resp.body) > 0) {
			AL_AWAIT_CALL(t, &f->m, &f->spun, al_cpu,
				      os, al_crawl_parse_ns(c, f->resp.body));
		}
		t->err = 0;
	}
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_nonblocking = {
	.id = AL_MODEL_NONBLOCKING,
	.main = co_nonblocking,
	.frame_size = sizeof(struct co_nonblocking),
};
