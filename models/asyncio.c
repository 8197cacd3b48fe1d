/* asyncio: nested coroutines + gather (the article's 4.10-4.12).
 *
 *     connect(sock)     awaits the connection
 *     read(sock)        awaits one recv of at most 4096 bytes
 *     read_all(sock)    read() until end of stream  (yield from read)
 *     fetch(page)       connect, send, read_all     (yield from each)
 *     main              one Task per page, then gather(*tasks)
 *
 * Sub-coroutines run inside their page's Task through AL_CALL, exactly as
 * `yield from` delegates inside one generator chain; only fetch() is a
 * Task of its own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_http.h"
#include "models/model.h"

struct co_connect {
	struct al_coro co;
	struct al_os *os;
	int fd;
	int64_t page;
	struct al_future done;
};

static int co_connect(struct al_task *t, void *arg)
{
	struct co_connect *f = arg;

	AL_BEGIN(f);
	al_future_init(&f->done, t->fut.loop);
	f->os->ops->connect(f->os, f->fd, f->page, &f->done);
	AL_AWAIT(t, f, &f->done);
	AL_END(t, f);
}

struct co_read {
	struct al_coro co;
	struct al_os *os;
	int fd;
	char *buf;
	struct al_future done;
};

static int co_read(struct al_task *t, void *arg)
{
	struct co_read *f = arg;

	AL_BEGIN(f);
	al_future_init(&f->done, t->fut.loop);
	f->os->ops->recv(f->os, f->fd, f->buf, 4096, &f->done);
	AL_AWAIT(t, f, &f->done);
	AL_END(t, f);
}

struct co_read_all {
	struct al_coro co;
	struct co_read rd;
	struct al_http_resp *resp;
};

static int co_read_all(struct al_task *t, void *arg)
{
	struct co_read_all *f = arg;

	AL_BEGIN(f);
	for (;;) {
		AL_CALL(t, f, co_read, &f->rd);
		if (t->err || t->value == 0)
			break;
		if (al_http_resp_feed(f->resp, f->rd.buf, (size_t)t->value) != 0)
			AL_RETURN(t, f, 0, EBADMSG);
	}
	AL_END(t, f);
}

struct co_fetch {
	struct al_coro co;
	struct al_crawl *crawl;
	int64_t page;
	int fd;
	struct al_future sent;
	union {
		struct co_connect conn;
		struct co_read_all all;
	} sub;
	struct al_http_resp resp;
	char buf[4096];
};

static int co_fetch(struct al_task *t, void *arg)
{
	struct co_fetch *f = arg;
	struct al_os *os = f->crawl->os;
	int n;

	AL_BEGIN(f);
	al_crawl_begin(f->crawl);
	al_http_resp_init(&f->resp);
	f->fd = (int)os->ops->socket(os, 0);
	if (f->fd < 0) {
		al_crawl_end(f->crawl, f->page, -f->fd, &f->resp);
		AL_RETURN(t, f, 0, -f->fd);
	}
	f->sub.conn = (struct co_connect){.os = os, .fd = f->fd, .page = f->page};
	AL_CALL(t, f, co_connect, &f->sub.conn);
	if (t->err)
		goto out;
	n = al_http_request(f->buf, sizeof f->buf, f->crawl->sc->workload.host, f->page);
	if (n < 0) {
		t->err = EMSGSIZE;
		goto out;
	}
	al_future_init(&f->sent, t->fut.loop);
	os->ops->send(os, f->fd, f->buf, (size_t)n, &f->sent);
	AL_AWAIT(t, f, &f->sent);
	if (t->err)
		goto out;
	f->sub.all = (struct co_read_all){
		.rd = {.os = os, .fd = f->fd, .buf = f->buf}, .resp = &f->resp,
	};
	AL_CALL(t, f, co_read_all, &f->sub.all);
out:
	os->ops->close(os, f->fd);
	al_crawl_end(f->crawl, f->page, t->err, &f->resp);
	AL_END(t, f);
}

struct co_main {
	struct al_model_frame m;
	struct al_task *tasks;
	struct co_fetch *frames;
	struct al_future **fs;
	struct al_gather_item *items;
	struct al_gather all;
};

static int co_main(struct al_task *t, void *arg)
{
	struct co_main *f = arg;
	struct al_crawl *c = f->m.crawl;
	size_t n = (size_t)c->pages;

	AL_BEGIN(&f->m);
	f->tasks = calloc(n, sizeof *f->tasks);
	f->frames = calloc(n, sizeof *f->frames);
	f->fs = calloc(n, sizeof *f->fs);
	f->items = calloc(n, sizeof *f->items);
	if (!f->tasks || !f->frames || !f->fs || !f->items) {
		c->failed = c->pages;
		c->failures[AL_CAUSE_NOMEM] = c->pages;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		f->frames[i].crawl = c;
		f->frames[i].page = (int64_t)i;
		al_task_start(&f->tasks[i], t->fut.loop, co_fetch, &f->frames[i], "fetch");
		f->fs[i] = &f->tasks[i].fut;
	}
	AL_AWAIT(t, &f->m, al_gather(&f->all, t->fut.loop, f->fs, f->items, n));
out:
	free(f->items);
	free(f->fs);
	free(f->frames);
	free(f->tasks);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_asyncio = {
	.id = AL_MODEL_ASYNCIO,
	.main = co_main,
	.frame_size = sizeof(struct co_main),
};
