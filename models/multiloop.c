/* multiloop: one asyncio loop per core, each on an OS thread of its own
 * with its own selector -- what nginx's workers, Node's cluster and
 * servers behind SO_REUSEPORT do once one loop fills its core.
 *
 *     main              spawn `loops` threads, each asyncio's program
 *                       (models/asyncio.c) on its share; join them
 *     loop k            pages k, k + loops, k + 2 loops, ...
 *
 * The pages are dealt as SO_REUSEPORT deals connections: each listener
 * gets a fixed share by a hash (here the page number modulo the loops),
 * decided before any work starts, never rebalanced -- a loop whose pages
 * are slow does not hand them to an idle one.  A shared counter would
 * balance better, but it is a lock or an atomic that every loop takes for
 * every page, which is what one loop per core is built to avoid; and
 * asyncio's program creates all its Tasks up front, so a share known at
 * the start is what it takes.
 *
 * Each loop is a thread of one process: under python's profile the GIL
 * lets one of them run Python at a time, which is why CPython servers
 * fork instead (scenario key `gil: false`: a GIL-free Python, or C).
 * A loop that cannot start (no thread: memory, address space) leaves its
 * share failed with that cause, as a listener that is not there would
 * have its connections refused; the note says how many started. */
#include <errno.h>
#include <stdlib.h>

#include "models/asyncio.h"

struct co_ml_main {
	struct al_model_frame m;
	int nloops, i;
	int64_t *ids;
	struct al_task *tasks;
	struct al_model_frame **loops;   /* asyncio programs' frames */
	struct al_threads threads;
};

static void co_ml_release(void *frame)
{
	struct co_ml_main *f = frame;

	for (int i = 0; f->loops && i < f->nloops; i++) {
		if (!f->loops[i])
			continue;
		al_model_asyncio.release(f->loops[i]);
		free(f->loops[i]);
	}
	free(f->loops);
	free(f->tasks);
	free(f->ids);
	f->loops = NULL;
	f->tasks = NULL;
	f->ids = NULL;
}

/* The loops asked for: the parameter, or one per core; never more than
 * the pages (a loop with no page would be a thread doing nothing). */
static int nloops(const struct al_crawl *c)
{
	return al_pool_size(c->cfg->loops > 0 ? c->cfg->loops : c->sc->machine.cores, c->pages);
}

/* The pages of loop k that did not run: failed with err. */
static void fail_share(struct al_crawl *c, int k, int n, int err)
{
	for (int64_t p = k; p < c->pages; p += n)
		al_crawl_fail(c, p, err);
}

/* Loop k's frame: an asyncio program over its share of the pages. */
static void *loop_frame(void *ctx, int k)
{
	struct co_ml_main *f = ctx;
	struct al_model_frame *lf = calloc(1, al_model_asyncio.frame_size);

	if (lf) {
		f->loops[k] = lf;
		lf->crawl = f->m.crawl;
		al_asyncio_share(lf, k, f->nloops);
	}
	return lf;
}

static void loop_failed(void *ctx, int k, int err)
{
	struct co_ml_main *f = ctx;

	fail_share(f->m.crawl, k, f->nloops, err);
}

static int co_ml_main(struct al_task *t, void *arg)
{
	struct co_ml_main *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;

	AL_BEGIN(&f->m);
	f->nloops = nloops(c);
	c->workers = f->nloops;
	f->ids = calloc((size_t)f->nloops, sizeof *f->ids);
	f->tasks = calloc((size_t)f->nloops, sizeof *f->tasks);
	f->loops = calloc((size_t)f->nloops, sizeof *f->loops);
	if (!f->ids || !f->tasks || !f->loops) {
		c->spawn_err = ENOMEM;
		for (f->i = 0; f->i < f->nloops; f->i++)
			fail_share(c, f->i, f->nloops, ENOMEM);
		goto out;
	}
	f->threads = (struct al_threads){.os = os, .n = f->nloops,
					 .fn = al_model_asyncio.main, .name = "loop",
					 .frame = loop_frame, .failed = loop_failed, .ctx = f,
					 .ids = f->ids, .tasks = f->tasks};
	AL_CALL(t, &f->m, al_threads_run, &f->threads);
	c->started = f->threads.started;
	if (f->threads.err)
		c->spawn_err = f->threads.err;
out:
	co_ml_release(f);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_multiloop = {
	.id = AL_MODEL_MULTILOOP,
	.main = co_ml_main,
	.frame_size = sizeof(struct co_ml_main),
	.release = co_ml_release,
	/* every page is a Task of one of the loops: asyncio's bytes a page */
	.per_page = AL_ASYNCIO_PER_PAGE,
};
