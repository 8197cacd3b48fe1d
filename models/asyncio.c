/* asyncio: nested coroutines + gather (the article's 4.10-4.12), on the
 * event loop of 3.5.
 *
 *     connect(sock)     register(WRITE); yield from future
 *     read(sock)        register(READ); yield from future; recv(4096)
 *     read_all(sock)    read() until the chunk is empty  (yield from read)
 *     fetch(page)       [semaphore] connect, send, read_all  (yield from each)
 *     main              one Task per page, gather(*tasks), the loop beneath
 *
 * Sub-coroutines run inside their page's Task through AL_CALL, as `yield
 * from` delegates along one generator chain; only fetch() is a Task.  The
 * model's `limit` caps the pages in flight with a semaphore.
 *
 * read() receives when it resumes, in the same scheduling pass as the
 * article's callback would (the same syscall at the same instant), into one
 * buffer per loop that the chunk leaves at once for the parser: a page in
 * flight holds no buffer, which is what lets ten million of them fit.
 *
 * The program may be given a share of the crawl's pages (al_asyncio_share):
 * multiloop runs one per thread, each on its own loop, selector and
 * buffer, its loop counting down its own pages. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/al_assert.h"
#include "core/al_http.h"
#include "core/al_mem.h"
#include "models/asyncio.h"
#include "models/evloop.h"

/* asyncio.Semaphore: a count and a FIFO of waiters. */
struct sem {
	int64_t avail;
	struct al_future **w;
	size_t head, n, cap;
};

/* 1 if acquired at once; 0 if fut was queued; -1 out of memory. */
static int sem_acquire(struct sem *s, struct al_future *fut)
{
	if (s->avail > 0) {
		s->avail--;
		return 1;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct al_future **w = malloc(cap * sizeof *w);
		if (!w)
			return -1;
		for (size_t i = 0; i < s->n; i++)
			w[i] = s->w[(s->head + i) % s->cap];
		free(s->w);
		s->w = w;
		s->cap = cap;
		s->head = 0;
	}
	s->w[(s->head + s->n++) % s->cap] = fut;
	return 0;
}

static void sem_release(struct sem *s)
{
	if (s->n > 0) {
		struct al_future *next = s->w[s->head];
		s->head = (s->head + 1) % s->cap;
		s->n--;
		al_future_set_leaf(next, 0, 0);   /* handed over: avail unchanged */
	} else {
		s->avail++;
	}
}

struct co_main {
	struct al_model_frame m;
	/* its pages: first + stride * i for i < n (stride 0: every page) */
	int64_t first, stride, n;
	int64_t left;                /* not yet ended: the loop runs until 0 */
	struct al_task *tasks;
	struct co_fetch *frames;
	struct al_future all;        /* gather(*tasks) */
	int64_t all_left;            /* tasks gather still waits for */
	struct sem sem;
	struct al_task loop_task;
	struct co_evloop loop;
	char buf[4096];
};

/* The page whose co_wait this is: connect's and read's frames both sit
 * at co_fetch.sub (read's first in co_read_all), so no pointer is kept. */
_Static_assert(offsetof(struct co_read_all, rd) == 0, "read's co_wait at sub");

static struct co_fetch *wait_fetch(struct co_wait *w)
{
	return (struct co_fetch *)(void *)((char *)w - offsetof(struct co_fetch, sub));
}

/* The program whose page t is: its loop's. */
static struct co_main *main_of(const struct al_task *t)
{
	return t->fut.loop->prog;
}

/* connect (ev AL_EV_WRITE) or read (AL_EV_READ), on f: the two
 * coroutines below, so that the frame need not say which.  Inline,
 * forced: each of the two is then its own code, ev a constant, and
 * read, so made small, goes inline into read_all and fetch: a segment's
 * resume of the Task's `yield from` chain is one call, not three. */
static inline __attribute__((always_inline)) int co_wait(struct al_task *t, struct co_wait *f,
						       unsigned ev)
{
	struct co_fetch *page = wait_fetch(f);
	struct al_waker_fut *s = &page->s;
	struct co_main *m = main_of(t);
	struct al_os *os = m->m.crawl->os;
	int sel = m->loop.sel;
	int64_t r = 0;  /* set on every path that reads it; the switch hides that */

	AL_BEGIN(f);
	do {
		al_future_init(&s->f, t->fut.loop);
		s->w.fn = al_waker_ready;
		r = al_sel_ctl(os, sel, page->fd, ev, &s->w);
		if (r < 0)
			AL_RETURN(t, f, 0, (int)-r);
		AL_AWAIT(t, f, &s->f);
		if (ev == AL_EV_WRITE) {
			al_sel_ctl(os, sel, page->fd, 0, NULL);
			break;
		}
		/* unregister, then recv: the pair as one call */
		r = al_sel_del_recv(os, sel, page->fd, m->buf, 4096);
	} while (r == -EAGAIN);
	if (ev == AL_EV_READ)
		AL_RETURN(t, f, r < 0 ? 0 : r, r < 0 ? (int)-r : 0);
	AL_END(t, f);
}

static int co_connect(struct al_task *t, void *arg)
{
	return co_wait(t, arg, AL_EV_WRITE);
}

static int co_read(struct al_task *t, void *arg)
{
	return co_wait(t, arg, AL_EV_READ);
}

static int feed(struct co_main *m, struct al_http_resp *resp, int fd, const void *buf,
		size_t n);

static int co_read_all(struct al_task *t, void *arg)
{
	struct co_read_all *f = arg;
	struct co_fetch *page = wait_fetch(&f->rd);
	struct co_main *m = main_of(t);

	AL_BEGIN(f);
	for (;;) {
		AL_CALL(t, f, co_read, &f->rd);          /* chunk = yield from read() */
		if (t->err || t->value == 0)
			break;
		if (feed(m, &page->resp, page->fd, m->buf, (size_t)t->value) != 0)
			AL_RETURN(t, f, 0, EBADMSG);
	}
	AL_END(t, f);
}

/* The response's bytes, timed: the reader knows only the response, whose
 * co_fetch holds the page's instants (no pointers per page for them). */
static int feed(struct co_main *m, struct al_http_resp *resp, int fd, const void *buf,
		size_t n)
{
	struct co_fetch *f = (struct co_fetch *)(void *)((char *)resp -
							 offsetof(struct co_fetch, resp));

	return al_crawl_feed(m->m.crawl, &f->tm, fd, resp, buf, n);
}

/* The loop ran turns of this page's read at once: n more bytes of body,
 * fed as the chunks read_all would have fed (in one span). */
static int skip_read(struct co_evloop *lp, struct al_waker *w, int fd, size_t n)
{
	struct co_main *m = AL_CONTAINER_OF(lp, struct co_main, loop);
	struct co_fetch *page = AL_CONTAINER_OF(AL_CONTAINER_OF(w, struct al_waker_fut, w),
						struct co_fetch, s);

	(void)fd;
	return feed(m, &page->resp, page->fd, m->buf, n);
}

static void on_page_done(struct al_cb *cb);

/* f's page, and main's semaphore if the pages in flight are limited:
 * asked where used, not at every resume (a page's every segment resumes
 * its Task, which only passes read_all's result on). */
static int64_t page_of(const struct co_main *m, const struct co_fetch *f)
{
	return m->first + m->stride * (f - m->frames);
}

static struct sem *sem_of(struct co_main *m)
{
	return m->m.crawl->cfg->limit > 0 ? &m->sem : NULL;
}

static int co_fetch(struct al_task *t, void *arg)
{
	struct co_fetch *f = arg;
	struct co_main *m = main_of(t);
	struct al_crawl *crawl = m->m.crawl;
	struct al_os *os = crawl->os;
	struct sem *sem;
	char req[256];
	int64_t r;
	int n;

	AL_BEGIN(f);
	sem = sem_of(m);
	if (sem) {
		al_future_init(&f->s.f, t->fut.loop);
		n = sem_acquire(sem, &f->s.f);
		if (n < 0)
			t->err = ENOMEM;
		else if (n == 0)
			AL_AWAIT(t, f, &f->s.f);        /* async with sem: */
		if (t->err) {
			al_crawl_fail(crawl, page_of(m, f), t->err);
			al_task_on_end(t, on_page_done);
			AL_RETURN(t, f, 0, t->err);
		}
	}
	al_crawl_begin(crawl, &f->tm);
	al_http_resp_init(&f->resp);
	f->s.w = (struct al_waker){0};
	f->fd = (int)al_socket(os, 1);
	if (f->fd < 0) {
		t->err = -f->fd;
		goto done;
	}
	r = al_connect(os, f->fd, page_of(m, f), NULL);
	if (r != -EINPROGRESS && r < 0) {
		t->err = (int)-r;
		goto out;
	}
	f->sub.conn = (struct co_wait){0};
	AL_CALL(t, f, co_connect, &f->sub.conn);               /* yield from connect() */
	if (t->err)
		goto out;
	al_crawl_connected(crawl, &f->tm);
	n = al_http_request(req, sizeof req, crawl->sc->workload.host, page_of(m, f));
	r = n < 0 ? -EMSGSIZE : al_send(os, f->fd, req, (size_t)n, NULL);
	if (r < 0) {
		t->err = (int)-r;
		goto out;
	}
	f->sub.all = (struct co_read_all){0};
	AL_CALL(t, f, co_read_all, &f->sub.all);            /* yield from read_all() */
out:
	al_close(os, f->fd);
done:
	/* parsing is CPU work the loop's thread does now: no other page's
	 * coroutine runs meanwhile (that is what an event loop is) */
	if (al_crawl_end(crawl, page_of(m, f), t->err, &f->resp, &f->tm) == 0)
		al_cpu(os, al_crawl_parse_ns(crawl, f->resp.body), NULL);
	m->left--;
	sem = sem_of(m);
	if (sem)
		sem_release(sem);
	al_task_on_end(t, on_page_done);
	AL_RETURN(t, f, 0, t->err);
	AL_END(t, f);
}

/* gather(*tasks), as al_gather does it (value: how many failed; err: the
 * first failure's, in the pages' order), but with no array of futures nor
 * of nodes: a page registers its Task's end as it ends, on the Task's own
 * node (al_task_on_end), the only done callback its future ever has, so
 * it runs where gather's would; the frame finds main, whose tasks are in
 * the pages' order.  No bytes a page, where gather's arrays took 32. */
static void on_page_done(struct al_cb *cb)
{
	struct al_task *t = al_task_of_end(cb);
	struct co_main *m = main_of(t);
	int64_t failed = 0;
	int err = 0;

	if (--m->all_left > 0)
		return;
	for (int64_t i = 0; i < m->n; i++) {
		if (m->tasks[i].fut.err) {
			if (!failed)
				err = m->tasks[i].fut.err;
			failed++;
		}
	}
	al_future_set(&m->all, failed, err);
}

static struct al_future *gather_pages(struct co_main *m, struct al_loop *loop)
{
	al_future_init(&m->all, loop);
	m->all_left = m->n;
	if (m->n == 0)
		al_future_set(&m->all, 0, 0);
	return &m->all;
}

static void co_main_release(void *frame)
{
	struct co_main *f = frame;

	free(f->sem.w);
	al_free_huge(f->frames);
	al_free_huge(f->tasks);
	f->sem.w = NULL;
	f->frames = NULL;
	f->tasks = NULL;
}

static int co_main(struct al_task *t, void *arg)
{
	struct co_main *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;
	size_t n;
	int64_t sel;

	AL_BEGIN(&f->m);
	if (f->stride == 0) {
		f->first = 0;
		f->stride = 1;
	}
	f->n = f->first < c->pages ? (c->pages - f->first + f->stride - 1) / f->stride : 0;
	f->left = f->n;
	n = (size_t)f->n;
	sel = al_sel_open(os, c->cfg->poller);
	f->tasks = al_calloc_huge(n, sizeof *f->tasks);
	f->frames = al_calloc_huge(n, sizeof *f->frames);
	if (sel < 0 || !f->tasks || !f->frames) {
		/* its pages, counted as other loops may be counting theirs */
		for (size_t i = 0; i < n; i++)
			al_crawl_count(c, sel < 0 ? (int)-sel : ENOMEM, 0, 0);
		if (sel >= 0)
			al_sel_close(os, (int)sel);
		goto out;
	}
	f->sem.avail = c->cfg->limit;
	/* before the fetches: they read the selector from it */
	f->loop = (struct co_evloop){.crawl = c, .left = &f->left, .skip = skip_read,
				     .sel = (int)sel};
	/* the pages find main from their loop; their frames are calloc's
	 * zeroes until their first step */
	t->fut.loop->prog = f;
	for (size_t i = 0; i < n; i++)
		al_task_start(&f->tasks[i], t->fut.loop, co_fetch, &f->frames[i], "fetch");
	al_task_start(&f->loop_task, t->fut.loop, co_evloop, &f->loop, "loop");
	AL_AWAIT(t, &f->m, gather_pages(f, t->fut.loop));
	AL_AWAIT(t, &f->m, &f->loop_task.fut);
	al_sel_close(os, f->loop.sel);
out:
	co_main_release(f);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

void al_asyncio_share(void *frame, int64_t first, int64_t stride)
{
	struct co_main *f = frame;

	f->first = first;
	f->stride = stride;
}

const struct al_model_desc al_model_asyncio = {
	.id = AL_MODEL_ASYNCIO,
	.main = co_main,
	.frame_size = sizeof(struct co_main),
	.release = co_main_release,
	.per_page = AL_ASYNCIO_PER_PAGE,
};
