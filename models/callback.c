/* callback (the article's 3.5): every page at once in one thread (or at
 * most the model's `limit` at a time, the next one starting as one ends); each
 * Crawler registers its socket with a callback for the next step, and the
 * event loop calls them as the selector reports ready sockets.
 *
 *     fetch()          socket, connect, register(WRITE, connected)
 *     connected()      unregister, send, register(READ, read_response)
 *     read_response()  recv(4096); at the end: unregister, page done
 *
 * Each step runs on its page's own trace lane (al_task_wear): one task
 * runs them all, but the timeline shows ten connections interleave. */
#include <errno.h>
#include <stdlib.h>

#include "core/al_http.h"
#include "models/evloop.h"

struct window;

struct crawler {
	struct al_waker w;           /* w.fn is the next step */
	struct al_crawl *crawl;
	struct al_task *task;        /* the one task running every step */
	struct al_task_wear lane;    /* the page's lane, while not worn */
	struct window *win;
	int sel;
	int fd;                      /* its socket */
	int64_t page;
	struct al_http_resp resp;
	struct al_page_times tm;
};

/* The pages in flight: all at once (the article), or at most `limit`, a
 * new page starting as one ends. */
struct window {
	struct crawler *crawlers;
	char *buf;                   /* the loop's: where recv(4096) reads */
	int64_t next, running, limit;
};

static void start_more(struct window *win);

/* The page's lane has ended (when it has one); the task its own again. */
static void end_lane(struct crawler *cr)
{
	struct al_os *os = cr->crawl->os;

	if (cr->task->lane)
		al_os_task_end(os, cr->task);
	al_task_unwear(cr->task, &cr->lane);
}

/* Ends a page: unregister, close, account; the next page starts once the
 * loop's task has left this page's lane. */
static void done(struct crawler *cr, int err)
{
	struct al_os *os = cr->crawl->os;

	al_sel_ctl(os, cr->sel, cr->fd, 0, NULL);
	al_close(os, cr->fd);
	/* a callback cannot wait: it parses right here, holding up the loop */
	if (al_crawl_end(cr->crawl, cr->page, err, &cr->resp, &cr->tm) == 0)
		al_cpu(os, al_crawl_parse_ns(cr->crawl, cr->resp.body), NULL);
	end_lane(cr);
	cr->win->running--;
	start_more(cr->win);
}

static void read_response(struct al_waker *w, unsigned events)
{
	struct crawler *cr = (struct crawler *)w;
	int64_t n;

	(void)events;
	al_task_wear(cr->task, &cr->lane);
	n = al_recv(cr->crawl->os, cr->fd, cr->win->buf, 4096, NULL);
	if (n < 0 && n != -EAGAIN)
		return done(cr, (int)-n);
	if (n == 0)
		return done(cr, 0);
	if (n > 0 && al_crawl_feed(cr->crawl, &cr->tm, cr->fd, &cr->resp, cr->win->buf, (size_t)n) != 0)
		return done(cr, EBADMSG);
	al_task_unwear(cr->task, &cr->lane);
}

static void connected(struct al_waker *w, unsigned events)
{
	struct crawler *cr = (struct crawler *)w;
	struct al_os *os = cr->crawl->os;
	char req[256];
	int n = al_http_request(req, sizeof req, cr->crawl->sc->workload.host, cr->page);
	int64_t r;

	(void)events;
	al_task_wear(cr->task, &cr->lane);
	al_sel_ctl(os, cr->sel, cr->fd, 0, NULL);
	al_crawl_connected(cr->crawl, &cr->tm);
	r = n < 0 ? -EMSGSIZE : al_send(os, cr->fd, req, (size_t)n, NULL);
	if (r < 0)
		return done(cr, (int)-r);
	w->fn = read_response;
	r = al_sel_ctl(os, cr->sel, cr->fd, AL_EV_READ, w);
	if (r < 0)
		return done(cr, (int)-r);
	al_task_unwear(cr->task, &cr->lane);
}

/* Starts a page; 0 if it ended at once (failed), 1 if it is under way. */
static int fetch(struct crawler *cr)
{
	struct al_os *os = cr->crawl->os;
	int64_t r;

	al_task_wear(cr->task, &cr->lane);
	al_crawl_begin(cr->crawl, &cr->tm);
	al_http_resp_init(&cr->resp);
	cr->fd = (int)al_socket(os, 1);
	if (cr->fd < 0) {
		al_crawl_end(cr->crawl, cr->page, -cr->fd, &cr->resp, &cr->tm);
		end_lane(cr);
		return 0;
	}
	r = al_connect(os, cr->fd, cr->page, NULL);
	if (r == -EINPROGRESS || r == 0) {
		cr->w.fn = connected;
		r = al_sel_ctl(os, cr->sel, cr->fd, AL_EV_WRITE, &cr->w);
	}
	if (r < 0) {      /* refused at once, or select's FD_SETSIZE */
		al_close(os, cr->fd);
		al_crawl_end(cr->crawl, cr->page, (int)-r, &cr->resp, &cr->tm);
		end_lane(cr);
		return 0;
	}
	al_task_unwear(cr->task, &cr->lane);
	return 1;
}

static void start_more(struct window *win)
{
	while (win->running < win->limit && win->next < win->crawlers->crawl->pages) {
		win->running++;
		if (!fetch(&win->crawlers[win->next++]))
			win->running--;
	}
}

/* The loop ran turns of this page's reads at once: n more bytes of body,
 * fed as read_response would have fed its chunks (in one span). */
static int skip_read(struct co_evloop *lp, struct al_waker *w, int fd, size_t n)
{
	struct crawler *cr = (struct crawler *)w;

	(void)lp;
	(void)fd;
	return al_crawl_feed(cr->crawl, &cr->tm, cr->fd, &cr->resp, cr->win->buf, n);
}

struct co_callback {
	struct al_model_frame m;
	struct crawler *crawlers;
	struct window win;
	struct co_evloop loop;
	char buf[4096];              /* callbacks run one at a time: one buffer */
};

static void co_callback_release(void *frame)
{
	struct co_callback *f = frame;

	free(f->crawlers);
	f->crawlers = NULL;
}

static int co_callback(struct al_task *t, void *arg)
{
	struct co_callback *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;
	int64_t sel;

	AL_BEGIN(&f->m);
	sel = al_sel_open(os, c->cfg->poller);
	f->crawlers = calloc((size_t)c->pages, sizeof *f->crawlers);
	if (sel < 0 || !f->crawlers) {
		c->failed = c->pages;
		c->failures[al_cause_from_errno(sel < 0 ? (int)-sel : ENOMEM)] = c->pages;
		co_callback_release(f);
		AL_RETURN(t, &f->m, 0, 0);
	}
	f->win = (struct window){.crawlers = f->crawlers, .buf = f->buf,
				 .limit = c->cfg->limit > 0 ? c->cfg->limit : c->pages};
	for (int64_t i = 0; i < c->pages; i++) {
		struct crawler *cr = &f->crawlers[i];
		cr->crawl = c;
		cr->task = t;
		cr->lane = (struct al_task_wear){.name = "page"};
		cr->win = &f->win;
		cr->sel = (int)sel;
		cr->page = i;
	}
	start_more(&f->win);
	f->loop = (struct co_evloop){.crawl = c, .skip = skip_read, .sel = (int)sel};
	AL_CALL(t, &f->m, co_evloop, &f->loop);
	al_sel_close(os, f->loop.sel);
	co_callback_release(f);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_callback = {
	.id = AL_MODEL_CALLBACK,
	.main = co_callback,
	.frame_size = sizeof(struct co_callback),
	.release = co_callback_release,
	.per_page = sizeof(struct crawler),
};
