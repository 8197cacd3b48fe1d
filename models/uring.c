/* uring: completion-based I/O, the step after asyncio.
 *
 * asyncio asks the kernel "which sockets are ready?" and then makes the
 * calls itself: a syscall per connect, send and recv, and the selector's
 * own per registration.  With io_uring the program hands the kernel the
 * operations themselves, queued in a ring in user space, and one
 * io_uring_enter carries every operation queued since the last one; the
 * kernel answers with completions -- "this recv returned 1256 bytes" --
 * that the loop reaps and hands to the page's coroutine:
 *
 *     fetch(page)   socket(); queue connect, await; queue send + recv,
 *                   await both; queue recv until 0; queue close, await
 *     reaper        enter (submit all, wait for one), then for each
 *                   completion: set its future, and give way
 *
 * Each page is a coroutine as in asyncio, and `limit` caps the pages in
 * flight (that many fetchers, each taking the next page).  A recv in
 * flight holds its buffer until the kernel fills it, so each fetcher owns
 * one (4 KiB): io_uring's provided buffers would share them, and are not
 * used here.  Where the os has no io_uring, or refuses it at run time,
 * every page fails with that cause (al_crawl_note says why): never a
 * quiet fallback to another model. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "core/al_http.h"
#include "models/model.h"

#define REAP_MAX 64

struct co_main;

/* One fetcher: a page at a time. */
struct co_fetch {
	struct al_coro co;
	struct co_main *main;
	int64_t page;
	int fd;
	int n;                       /* the request's length */
	int err;                     /* the page's error, across an await */
	struct al_future op;         /* connect, send, close */
	struct al_future rd;         /* recv */
	struct al_http_resp resp;
	struct al_page_times tm;
	char req[256];               /* the request, until its send completes */
	char buf[4096];              /* where the kernel puts a recv's bytes */
};

struct co_reap {
	struct al_coro co;
	struct co_main *main;
	int i, n;
	struct al_future ready;
	struct al_ring_cqe cqe[REAP_MAX];
};

struct co_main {
	struct al_model_frame m;
	int ring;
	int64_t next;                /* the next page to fetch */
	size_t nfetch;
	int64_t mem;                 /* the buffers' bytes charged to the machine */
	struct al_task *tasks;
	struct co_fetch *frames;
	struct al_future **fs;
	struct al_gather_item *items;
	struct al_gather all;
	struct al_task reap_task;
	struct co_reap reap;
};

/* Queues op on the main frame's ring with fut as its completion's data. */
static int queue(struct co_main *m, struct al_task *t, struct al_future *fut,
		 struct al_ring_op op)
{
	struct al_os *os = m->m.crawl->os;

	al_future_init(fut, t->fut.loop);
	op.data = fut;
	int64_t r = al_ring_queue(os, m->ring, &op);
	return r < 0 ? (int)-r : 0;
}

static int co_fetch(struct al_task *t, void *arg)
{
	struct co_fetch *f = arg;
	struct co_main *m = f->main;
	struct al_crawl *c = m->m.crawl;
	struct al_os *os = c->os;
	int e;

	AL_BEGIN(f);
	while (m->next < c->pages) {
		f->page = m->next++;
		al_crawl_begin(c, &f->tm);
		al_http_resp_init(&f->resp);
		t->err = 0;
		/* a blocking socket: io_uring fails an op on a non-blocking
		 * one with EAGAIN instead of waiting for it */
		f->fd = (int)al_socket(os, 0);
		if (f->fd < 0) {
			t->err = -f->fd;
			goto done;
		}
		if ((e = queue(m, t, &f->op, (struct al_ring_op){.code = AL_RING_CONNECT, .fd = f->fd,
								 .page = f->page})) != 0) {
			t->err = e;
			goto out;
		}
		AL_AWAIT(t, f, &f->op);                          /* connect */
		if (t->err)
			goto out;
		al_crawl_connected(c, &f->tm);
		f->n = al_http_request(f->req, sizeof f->req, c->sc->workload.host, f->page);
		if (f->n < 0) {
			t->err = EMSGSIZE;
			goto out;
		}
		/* the request and the first read in the same enter */
		if ((e = queue(m, t, &f->op, (struct al_ring_op){.code = AL_RING_SEND, .fd = f->fd,
								 .buf = f->req,
								 .len = (size_t)f->n})) != 0) {
			t->err = e;
			goto out;
		}
		if ((e = queue(m, t, &f->rd, (struct al_ring_op){.code = AL_RING_RECV, .fd = f->fd,
								 .buf = f->buf,
								 .len = sizeof f->buf})) != 0) {
			/* the send is queued: its completion must come first */
			f->err = e;
			AL_AWAIT(t, f, &f->op);
			t->err = f->err;
			goto out;
		}
		AL_AWAIT(t, f, &f->op);                          /* send */
		/* the recv is in flight with our buffer: await it whatever the
		 * send said (a failed send makes it fail too) */
		f->err = t->err ? t->err : t->value < f->n ? EIO : 0;
		AL_AWAIT(t, f, &f->rd);                          /* recv */
		if (f->err)
			t->err = f->err;
		while (!t->err && t->value > 0) {
			if (al_crawl_feed(c, &f->tm, f->fd, &f->resp, f->buf, (size_t)t->value) != 0) {
				t->err = EBADMSG;
				break;
			}
			if ((e = queue(m, t, &f->rd, (struct al_ring_op){.code = AL_RING_RECV,
									 .fd = f->fd, .buf = f->buf,
									 .len = sizeof f->buf})) != 0) {
				t->err = e;
				break;
			}
			AL_AWAIT(t, f, &f->rd);                  /* recv */
		}
out:
		f->err = t->err;
		if (queue(m, t, &f->op, (struct al_ring_op){.code = AL_RING_CLOSE, .fd = f->fd}) != 0)
			al_close(os, f->fd);             /* no room in the ring: close it now */
		else
			AL_AWAIT(t, f, &f->op);          /* close */
		t->err = f->err;
done:
		if (al_crawl_end(c, f->page, t->err, &f->resp, &f->tm) == 0)
			al_cpu(os, al_crawl_parse_ns(c, f->resp.body), NULL);
	}
	AL_RETURN(t, f, 0, 0);
	AL_END(t, f);
}

/* The loop: one enter submits what the fetchers queued and reaps what
 * completed; each completion resumes its fetcher (one dispatch each). */
static int co_reap(struct al_task *t, void *arg)
{
	struct co_reap *f = arg;
	struct co_main *m = f->main;
	struct al_crawl *c = m->m.crawl;
	struct al_os *os = c->os;

	AL_BEGIN(f);
	AL_YIELD(t, f);     /* let the fetchers queue their first ops */
	while (c->ok + c->failed < c->pages) {
		AL_AWAIT_CALL(t, f, &f->ready, al_ring_enter, os, m->ring, f->cqe, REAP_MAX);
		if (t->err == ENOENT && t->fut.loop->ready) {
			AL_YIELD(t, f);          /* fetchers about to queue: enter again */
			continue;
		}
		if (t->err)
			break;          /* nothing in flight can wake the fetchers left */
		f->n = (int)t->value;
		for (f->i = 0; f->i < f->n; f->i++) {
			const struct al_ring_cqe *q = &f->cqe[f->i];
			al_cpu(os, c->sc->machine.costs.callback_ns, NULL);
			al_future_set_leaf(q->data, q->res < 0 ? 0 : q->res,
				      q->res < 0 ? (int)-q->res : 0);
		}
		AL_YIELD(t, f);
	}
	AL_END(t, f);
}

static void co_main_release(void *frame)
{
	struct co_main *f = frame;

	free(f->items);
	free(f->fs);
	free(f->frames);
	free(f->tasks);
	f->items = NULL;
	f->fs = NULL;
	f->frames = NULL;
	f->tasks = NULL;
}

/* Every page fails with err, none having run. */
static void fail_all(struct al_crawl *c, int err)
{
	for (int64_t p = 0; p < c->pages; p++)
		al_crawl_fail(c, p, err);
}

static int co_main(struct al_task *t, void *arg)
{
	struct co_main *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;
	int64_t limit = c->cfg->limit;
	int64_t r;

	AL_BEGIN(&f->m);
	f->nfetch = (size_t)(limit > 0 && limit < c->pages ? limit : c->pages);
	/* two ops in flight per fetcher at most (a send and its recv) */
	r = al_ring_open(os, f->nfetch > INT_MAX / 2 ? INT_MAX : (int)(2 * f->nfetch));
	if (r < 0) {
		c->ring_err = (int)-r;
		fail_all(c, (int)-r);
		goto out;
	}
	f->ring = (int)r;
	f->tasks = calloc(f->nfetch, sizeof *f->tasks);
	f->frames = calloc(f->nfetch, sizeof *f->frames);
	f->fs = calloc(f->nfetch, sizeof *f->fs);
	f->items = calloc(f->nfetch, sizeof *f->items);
	if (!f->tasks || !f->frames || !f->fs || !f->items) {
		al_ring_close(os, f->ring);
		fail_all(c, ENOMEM);
		goto out;
	}
	/* the recv buffers are memory the kernel writes into: the machine's
	 * (the simulator charges them; the real os's RSS has them) */
	f->mem = (int64_t)(f->nfetch * sizeof f->frames->buf);
	if (al_mem(os, f->mem) < 0) {
		f->mem = 0;
		al_ring_close(os, f->ring);
		fail_all(c, ENOMEM);
		goto out;
	}
	f->reap = (struct co_reap){.main = f};
	for (size_t i = 0; i < f->nfetch; i++) {
		f->frames[i].main = f;
		al_task_start(&f->tasks[i], t->fut.loop, co_fetch, &f->frames[i], "fetch");
		f->fs[i] = &f->tasks[i].fut;
	}
	al_task_start(&f->reap_task, t->fut.loop, co_reap, &f->reap, "loop");
	AL_AWAIT(t, &f->m, al_gather(&f->all, t->fut.loop, f->fs, f->items, f->nfetch));
	AL_AWAIT(t, &f->m, &f->reap_task.fut);
	al_ring_close(os, f->ring);
	al_mem(os, -f->mem);
out:
	co_main_release(f);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_uring = {
	.id = AL_MODEL_URING,
	.main = co_main,
	.frame_size = sizeof(struct co_main),
	.release = co_main_release,
	.per_page = sizeof(struct al_task) + sizeof(struct co_fetch) + sizeof(struct al_future *) +
		    sizeof(struct al_gather_item),
};
