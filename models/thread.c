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
	int nworkers, started, spawn_err;
	int64_t *ids;
	struct al_task *tasks;
	struct co_worker *workers;
	struct al_future joined;     /* the pool's startup */
	struct al_threads threads;
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

/* Worker i's frame: the pool's. */
static void *worker_frame(void *ctx, int i)
{
	struct co_thread_main *f = ctx;

	f->workers[i].pool = &f->pool;
	return &f->workers[i];
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
	f->threads = (struct al_threads){.os = os, .n = f->nworkers, .fn = co_worker,
					 .name = "worker", .frame = worker_frame, .ctx = f,
					 .ids = f->ids, .tasks = f->tasks};
	AL_CALL(t, &f->m, al_threads_run, &f->threads);
	f->started = f->threads.started;
	f->spawn_err = f->threads.err;
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
