/* thread (the article's 3.3): a pool of `workers` threads takes page
 * numbers from a shared queue under a lock (concurrent.futures'
 * ThreadPoolExecutor), each fetching with blocking sockets; the main thread
 * joins them. */
#include <errno.h>
#include <stdlib.h>

#include "models/blocking.h"

struct pool {
	struct al_crawl *crawl;
	int64_t lock;
	int64_t next;                /* the queue: pages not yet taken */
};

struct co_worker {
	struct al_coro co;
	struct pool *pool;
	struct al_future locked;
	int64_t page;
	struct co_blocking fetch;
};

static int co_worker(struct al_task *t, void *arg)
{
	struct co_worker *f = arg;
	struct al_os *os = f->pool->crawl->os;

	AL_BEGIN(f);
	for (;;) {
		AL_AWAIT_CALL(t, f, &f->locked, al_lock, os, f->pool->lock);
		f->page = f->pool->next < f->pool->crawl->pages ? f->pool->next++ : -1;
		al_unlock(os, f->pool->lock);
		if (f->page < 0)
			break;
		f->fetch = (struct co_blocking){.crawl = f->pool->crawl, .page = f->page};
		AL_CALL(t, f, co_blocking_fetch, &f->fetch);
	}
	AL_RETURN(t, f, 0, 0);
	AL_END(t, f);
}

struct co_thread_main {
	struct al_model_frame m;
	struct pool pool;
	int nworkers, started, i, spawn_err;
	int64_t *ids;
	struct al_task *tasks;
	struct co_worker *workers;
	struct al_future joined;
};

static void co_thread_release(void *frame)
{
	struct co_thread_main *f = frame;

	free(f->workers);
	free(f->tasks);
	free(f->ids);
	f->workers = NULL;
	f->tasks = NULL;
	f->ids = NULL;
}

static int co_thread_main(struct al_task *t, void *arg)
{
	struct co_thread_main *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;

	AL_BEGIN(&f->m);
	f->nworkers = al_pool_size(c->cfg->workers, c->pages);
	f->pool = (struct pool){.crawl = c, .lock = al_lock_open(os)};
	f->ids = calloc((size_t)f->nworkers, sizeof *f->ids);
	f->tasks = calloc((size_t)f->nworkers, sizeof *f->tasks);
	f->workers = calloc((size_t)f->nworkers, sizeof *f->workers);
	if (!f->ids || !f->tasks || !f->workers || f->pool.lock < 0)
		goto out;
	/* CPython's first ThreadPoolExecutor imports its module, makes its
	 * queue and lock: paid once, before the first thread */
	if (c->sc->machine.costs.thread_pool_startup_ns > 0) {
		AL_AWAIT_CALL(t, &f->m, &f->joined, al_cpu,
			      os, c->sc->machine.costs.thread_pool_startup_ns);
	}
	for (f->i = 0; f->i < f->nworkers; f->i++) {
		f->workers[f->i].pool = &f->pool;
		f->ids[f->i] = al_spawn(os, AL_SPAWN_THREAD, &f->tasks[f->i], co_worker,
					      &f->workers[f->i], "worker");
		if (f->ids[f->i] >= 0)
			f->started++;
		else
			f->spawn_err = (int)-f->ids[f->i];
	}
	for (f->i = 0; f->i < f->nworkers; f->i++) {
		if (f->ids[f->i] < 0)
			continue;
		AL_AWAIT_CALL(t, &f->m, &f->joined, al_spawn_join, os, f->ids[f->i]);
	}
out:
	/* no worker could start: every page fails, with the reason */
	al_crawl_pool_end(c, f->nworkers, f->started, f->spawn_err);
	co_thread_release(f);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_thread = {
	.id = AL_MODEL_THREAD,
	.main = co_thread_main,
	.frame_size = sizeof(struct co_thread_main),
	.release = co_thread_release,
};
