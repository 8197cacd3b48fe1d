/* process (the article's 3.2): a pool of `workers` processes, each
 * fetching its share of the pages with blocking sockets
 * (ProcessPoolExecutor); results come back to the parent over a pipe.
 *
 * A worker shares nothing with the parent but the pipe: it counts its pages
 * in a crawl of its own and writes a record when a page starts and ends;
 * the parent's accounting reads only the records.  As after a fork, each
 * worker holds both ends of the pipe: it closes the read end at once and
 * the write end when it is done, and the parent closes its write end once
 * the workers are started, so the parent reads until end of file -- until
 * every worker is gone, however long their pages take, and however one of
 * them ended.  Pages are dealt out by
 * stride (worker w takes w, w + W, ...), which for equal pages is what the
 * executor's queue does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/blocking.h"

struct record {
	int64_t page;
	int32_t end;                 /* 0: the page started; 1: it ended */
	int32_t err;
	int64_t bytes;
	uint64_t sum;
	int64_t lat[3];              /* an ok page's connect, ttfb, total */
};

struct co_child {
	struct al_coro co;
	struct al_crawl own;         /* this process's own accounting */
	int rfd, wfd;
	int64_t stride;
	struct record rec;
	struct al_future sent;
	struct co_blocking fetch;
};

static int co_child(struct al_task *t, void *arg)
{
	struct co_child *f = arg;
	struct al_os *os = f->own.os;

	AL_BEGIN(f);
	al_close(os, f->rfd);
	for (; f->fetch.page < f->own.pages; f->fetch.page += f->stride) {
		f->rec = (struct record){.page = f->fetch.page};
		AL_AWAIT_CALL(t, f, &f->sent, al_send, os, f->wfd, &f->rec, sizeof f->rec);
		f->fetch.co.pc = 0;
		AL_CALL(t, f, co_blocking_fetch, &f->fetch);
		f->rec = (struct record){
			.page = f->fetch.page, .end = 1, .err = t->err,
			.bytes = f->fetch.resp.body,
			.sum = al_crawl_sum(&f->own, f->fetch.page, &f->fetch.resp),
		};
		if (!t->err)
			al_page_latency(&f->fetch.tm, f->fetch.ended, f->rec.lat);
		AL_AWAIT_CALL(t, f, &f->sent, al_send, os, f->wfd, &f->rec, sizeof f->rec);
	}
	al_close(os, f->wfd);
	AL_END(t, f);
}

/* Worker i of n, on the results pipe fds, as the parent sets it up. */
static void child_init(struct co_child *ch, const struct al_crawl *c, const int fds[2],
		       int i, int n)
{
	ch->own = (struct al_crawl){
		.os = c->os, .sc = c->sc, .cfg = c->cfg, .pages = c->pages, .verify = c->verify,
	};
	ch->rfd = fds[0];
	ch->wfd = fds[1];
	ch->stride = n;
	ch->fetch = (struct co_blocking){.crawl = &ch->own, .page = i};
}

size_t al_process_worker_size(void)
{
	return sizeof(struct co_child);
}

void al_process_worker_init(void *frame, const struct al_crawl *c, const int fds[2], int i,
			    int n)
{
	child_init(frame, c, fds, i, n);
}

const al_coro_fn al_process_worker = co_child;

struct co_process {
	struct al_model_frame m;
	int fds[2];
	int nworkers, i;
	int64_t ended;
	int64_t *ids;
	struct al_task *tasks;
	struct co_child *children;
	struct al_future io;
	size_t have;
	unsigned char buf[64 * sizeof(struct record)];
};

/* Worker w could not start: its pages fail here, with the cause. */
static void fail_share(struct co_process *f, int w, int err)
{
	struct al_crawl *c = f->m.crawl;

	for (int64_t p = w; p < c->pages; p += f->nworkers) {
		al_crawl_fail(c, p, err);
		f->ended++;
	}
}

static void take_records(struct co_process *f)
{
	struct al_crawl *c = f->m.crawl;
	size_t off = 0;
	struct record r;

	for (; f->have - off >= sizeof r; off += sizeof r) {
		memcpy(&r, f->buf + off, sizeof r);
		if (!r.end) {
			al_crawl_begin(c, NULL);
			continue;
		}
		c->inflight--;
		al_crawl_count(c, r.err, r.bytes, r.sum);
		if (!r.err)
			al_lat_add(c->lat, r.page, r.lat[0], r.lat[1], r.lat[2]);
		f->ended++;
	}
	memmove(f->buf, f->buf + off, f->have - off);
	f->have -= off;
}

static void co_process_release(void *frame)
{
	struct co_process *f = frame;

	free(f->children);
	free(f->tasks);
	free(f->ids);
	f->children = NULL;
	f->tasks = NULL;
	f->ids = NULL;
}

static int co_process(struct al_task *t, void *arg)
{
	struct co_process *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;
	int64_t r;

	AL_BEGIN(&f->m);
	f->nworkers = al_pool_size(c->cfg->workers, c->pages);
	f->ids = calloc((size_t)f->nworkers, sizeof *f->ids);
	f->tasks = calloc((size_t)f->nworkers, sizeof *f->tasks);
	f->children = calloc((size_t)f->nworkers, sizeof *f->children);
	r = f->ids && f->tasks && f->children ? al_pipe(os, f->fds) : -ENOMEM;
	if (r < 0) {
		c->failed = c->pages;
		c->failures[al_cause_from_errno((int)-r)] = c->pages;
		goto out;
	}
	if (c->sc->machine.costs.pool_startup_ns > 0) {
		AL_AWAIT_CALL(t, &f->m, &f->io, al_cpu, os, c->sc->machine.costs.pool_startup_ns);
	}
	for (f->i = 0; f->i < f->nworkers; f->i++) {
		struct co_child *ch = &f->children[f->i];
		child_init(ch, c, f->fds, f->i, f->nworkers);
		f->ids[f->i] = al_spawn(os, AL_SPAWN_PROCESS, &f->tasks[f->i], co_child, ch,
					"worker");
		if (f->ids[f->i] < 0) {
			fail_share(f, f->i, (int)-f->ids[f->i]);
			c->spawn_err = (int)-f->ids[f->i];
		} else {
			c->started++;
			/* the fork woke its child: past its turn, the parent
			 * gives the core up here (Linux's wake-up preemption),
			 * and the first workers start their pages while it
			 * forks the others (a yield; nothing on real) */
			AL_AWAIT_CALL(t, &f->m, &f->io, al_cpu, os, 0);
		}
	}
	c->workers = f->nworkers;
	al_close(os, f->fds[1]);                /* the workers hold theirs */
	/* results: [fut.result() for fut in futs], until every worker is gone */
	while (f->ended < c->pages) {
		AL_AWAIT_CALL(t, &f->m, &f->io, al_recv,
			      os, f->fds[0], f->buf + f->have, sizeof f->buf - f->have);
		if (t->err || t->value == 0)
			break;
		f->have += (size_t)t->value;
		take_records(f);
	}
	/* every worker is gone, some pages unreported: a worker died */
	for (; f->ended < c->pages; f->ended++)
		al_crawl_count(c, t->err ? t->err : EOWNERDEAD, 0, 0);
	for (f->i = 0; f->i < f->nworkers; f->i++) {
		if (f->ids[f->i] < 0)
			continue;
		AL_AWAIT_CALL(t, &f->m, &f->io, al_spawn_join, os, f->ids[f->i]);
		if (!t->err && t->value != 0) {
			c->died++;
			c->died_status = (int)t->value;
		}
	}
	al_close(os, f->fds[0]);
out:
	co_process_release(f);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_process = {
	.id = AL_MODEL_PROCESS,
	.main = co_process,
	.release = co_process_release,
	.frame_size = sizeof(struct co_process),
};
