/* generator (the article's 4.4-4.8): a Future, a generator-style fetch()
 * that yields it, and a Task per page (at most the model's `limit` at once,
 * if it has one) that resumes fetch() when the
 * Future's result is set; the event loop of 3.5 sets the results.
 *
 *     fetch():  connect; f = Future(); register(WRITE, on_connected)
 *               yield f; unregister; send
 *               loop: f = Future(); register(READ, on_readable)
 *                     chunk = yield f; unregister; until chunk is empty
 *
 * The chunk is received when fetch() resumes -- in the same scheduling
 * pass, the same syscall at the same instant as the article's on_readable
 * -- into one buffer per loop, so a suspended page holds no buffer. */
#include <errno.h>
#include <stdlib.h>

#include "core/al_assert.h"
#include "core/al_http.h"
#include "core/al_mem.h"
#include "models/evloop.h"

struct gen_window;

struct gen_fetch {
	struct al_coro co;
	struct al_crawl *crawl;
	struct gen_window *win;
	int sel;
	int fd;                      /* its socket */
	int64_t page;
	struct al_waker_fut s;       /* its socket's waker, and its future */
	struct al_http_resp resp;
	struct al_page_times tm;
	char *buf;                   /* the loop's, shared by every page */
};

/* The pages in flight: all at once (the article), or at most `limit`, the
 * next page's Task starting as one ends. */
struct gen_window {
	struct al_task *tasks;
	struct gen_fetch *frames;
	struct al_loop *loop;
	int64_t next, pages;
};

static int gen_fetch(struct al_task *t, void *arg);

static void start_next(struct gen_window *w)
{
	if (w->next < w->pages) {
		al_task_start(&w->tasks[w->next], w->loop, gen_fetch, &w->frames[w->next], "fetch");
		w->next++;
	}
}

static int gen_fetch(struct al_task *t, void *arg)
{
	struct gen_fetch *f = arg;
	struct al_os *os = f->crawl->os;
	char req[256];
	int64_t r;
	int n;

	AL_BEGIN(f);
	al_crawl_begin(f->crawl, &f->tm);
	al_http_resp_init(&f->resp);
	f->s.w = (struct al_waker){0};
	f->fd = (int)al_socket(os, 1);
	if (f->fd < 0) {
		al_crawl_end(f->crawl, f->page, -f->fd, &f->resp, &f->tm);
		start_next(f->win);
		AL_RETURN(t, f, 0, -f->fd);
	}
	r = al_connect(os, f->fd, f->page, NULL);
	al_future_init(&f->s.f, t->fut.loop);
	f->s.w.fn = al_waker_ready;
	if (r == -EINPROGRESS || r == 0)
		r = al_sel_ctl(os, f->sel, f->fd, AL_EV_WRITE, &f->s.w);
	if (r < 0) {
		t->err = (int)-r;
		goto out;
	}
	AL_AWAIT(t, f, &f->s.f);
	al_sel_ctl(os, f->sel, f->fd, 0, NULL);
	if (t->err)
		goto out;
	al_crawl_connected(f->crawl, &f->tm);
	n = al_http_request(req, sizeof req, f->crawl->sc->workload.host, f->page);
	r = n < 0 ? -EMSGSIZE : al_send(os, f->fd, req, (size_t)n, NULL);
	if (r < 0) {
		t->err = (int)-r;
		goto out;
	}
	for (;;) {
		al_future_init(&f->s.f, t->fut.loop);
		f->s.w.fn = al_waker_ready;
		r = al_sel_ctl(os, f->sel, f->fd, AL_EV_READ, &f->s.w);
		if (r < 0) {
			t->err = (int)-r;
			break;
		}
		AL_AWAIT(t, f, &f->s.f);          /* chunk = yield f */
		al_sel_ctl(os, f->sel, f->fd, 0, NULL);
		r = al_recv(os, f->fd, f->buf, 4096, NULL);
		if (r == -EAGAIN)
			continue;               /* a spurious wake-up */
		if (r <= 0) {
			t->err = (int)-r;
			break;
		}
		if (al_crawl_feed(f->crawl, &f->tm, f->fd, &f->resp, f->buf, (size_t)r) != 0) {
			t->err = EBADMSG;
			break;
		}
	}
out:
	al_close(os, f->fd);
	/* parsing is CPU work the loop's thread does now: no other page's
	 * coroutine runs meanwhile (that is what an event loop is) */
	if (al_crawl_end(f->crawl, f->page, t->err, &f->resp, &f->tm) == 0)
		al_cpu(os, al_crawl_parse_ns(f->crawl, f->resp.body), NULL);
	start_next(f->win);
	AL_RETURN(t, f, 0, t->err);
	AL_END(t, f);
}

/* The loop ran turns of this page's reads at once: n more bytes of body,
 * fed as its chunks would have been (in one span). */
static int skip_read(struct co_evloop *lp, struct al_waker *w, int fd, size_t n)
{
	struct gen_fetch *f = AL_CONTAINER_OF(AL_CONTAINER_OF(w, struct al_waker_fut, w),
					      struct gen_fetch, s);

	(void)lp;
	(void)fd;
	return al_crawl_feed(f->crawl, &f->tm, f->fd, &f->resp, f->buf, n);
}

struct co_generator {
	struct al_model_frame m;
	struct al_task *tasks;
	struct gen_fetch *frames;
	struct gen_window win;
	struct co_evloop loop;
	char buf[4096];
};

static void co_generator_release(void *frame)
{
	struct co_generator *f = frame;

	al_free_huge(f->frames);
	al_free_huge(f->tasks);
	f->frames = NULL;
	f->tasks = NULL;
}

static int co_generator(struct al_task *t, void *arg)
{
	struct co_generator *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;
	int64_t sel;

	AL_BEGIN(&f->m);
	sel = al_sel_open(os, c->cfg->poller);
	f->tasks = al_calloc_huge((size_t)c->pages, sizeof *f->tasks);
	f->frames = al_calloc_huge((size_t)c->pages, sizeof *f->frames);
	if (sel < 0 || !f->tasks || !f->frames) {
		c->failed = c->pages;
		c->failures[al_cause_from_errno(sel < 0 ? (int)-sel : ENOMEM)] = c->pages;
		goto out;
	}
	f->win = (struct gen_window){.tasks = f->tasks, .frames = f->frames,
				     .loop = t->fut.loop, .pages = c->pages};
	for (int64_t i = 0; i < c->pages; i++)
		f->frames[i] = (struct gen_fetch){.crawl = c, .win = &f->win, .sel = (int)sel,
						  .page = i, .buf = f->buf};
	for (int64_t i = 0; i < c->pages && (c->cfg->limit <= 0 || i < c->cfg->limit); i++)
		start_next(&f->win);
	f->loop = (struct co_evloop){.crawl = c, .skip = skip_read, .sel = (int)sel};
	AL_CALL(t, &f->m, co_evloop, &f->loop);
	al_sel_close(os, f->loop.sel);
	for (int64_t i = 0; i < f->win.next; i++)
		if (!al_future_done(&f->tasks[i].fut))
			AL_RETURN(t, &f->m, 0, EDEADLK); /* still parked: the runner frees */
out:
	co_generator_release(f);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_generator = {
	.id = AL_MODEL_GENERATOR,
	.main = co_generator,
	.frame_size = sizeof(struct co_generator),
	.release = co_generator_release,
	.per_page = sizeof(struct al_task) + sizeof(struct gen_fetch),
};
