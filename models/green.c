/* green: M:N stackful green threads, the step after asyncio that Go's
 * goroutines and Java's virtual threads took.
 *
 * Each page is fetch(): straight-line blocking-style code, as sync's --
 * socket, connect, send, recv until the end, close -- on a small stack of
 * its own (core/al_fiber.h; `stack` bytes).  Its calls are non-blocking
 * underneath: when one says EAGAIN (or EINPROGRESS), the green thread
 * registers the socket with its OS thread's selector and switches to that
 * thread's scheduler, which runs whoever is ready and, when nobody is,
 * waits on the selector.  The pages are dealt among `threads` OS threads
 * (default: the machine's cores), page p to thread p mod threads, each with
 * its own scheduler and selector, as Go's runtime gives each P its own run
 * queue over one netpoller.
 *
 * `limit` L > 0 makes it a worker pool, as Go code caps its goroutines:
 * L green threads in all, green thread j crawling pages j, j + L, j + 2L,
 * ... one after another, dealt among the OS threads as the pages are (j
 * mod threads).  Stacks then scale with L, not with the pages, and so do
 * the sockets open at once.  limit 0: a green thread per page.
 *
 * What it costs, on both backends: a switch into a green thread and one
 * back per resume (the cost table's green_switch, charged on the
 * simulator), and per green thread its stack's resident pages
 * (green_memory) where asyncio pays a frame of a few hundred bytes, and
 * the CPU of that stack's mapping, faults and unmapping (green_stack,
 * charged as the green thread is made; green_stack_woken more for the
 * first to end after each wait on the selector, whose unmapping finds
 * the kernel's paths cold).  Each
 * green thread draws on a lane of its own (al_task_wear), the scheduler's
 * task running it.
 *
 * Where the stacks come from differs.  A real run gives each green thread
 * its own mapping with a guard page, as real runtimes do, and so meets
 * the host's vm.max_map_count for real (al_crawl_note names it).  On the
 * simulator the stacks come from a pool (al_fiber_pool: a mapping per
 * chunk of many stacks, reused as green threads end), so only the
 * simulated memory (green_memory against the scenario's) decides which
 * pages fail as nomem, never the host's limits: same scenario and seed,
 * same output on every machine.  The pool has no guard pages; it is safe
 * there because what runs on the stacks is fetch() and the simulator's
 * own calls, of bounded depth, a few KiB under the smallest `stack`, and
 * the pool's canary (an untouched page below each stack) aborts loudly if
 * that ever stops being true. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_fiber.h"
#include "core/al_http.h"
#include "models/model.h"

struct sched;

/* A green thread: page `first`, and with a limit every ng-th page after. */
struct gthread {
	struct al_fiber f;
	struct sched *s;
	struct gthread *next;        /* the scheduler's run queue */
	struct al_task_wear lane;    /* its trace lane, while not worn */
	int64_t first;               /* its first page, its index in g */
	int64_t page;                /* the page it crawls now */
	int64_t charged;             /* green_memory charged, to give back */
	int parked;                  /* waiting in park() for its selector */
};

/* One OS thread's scheduler: a stackless task that resumes green threads
 * from its run queue and waits on its selector when the queue is empty. */
struct sched {
	struct al_coro co;
	struct co_green *m;
	struct al_task *task;        /* the task running this scheduler */
	int k, sel;
	int err;                     /* its selector failed: nothing wakes a park */
	int woken;                   /* no green thread ended since its selector's wait slept */
	int slept;                   /* that wait blocked (found nothing ready) */
	int64_t live;                /* green threads not ended */
	struct gthread *head, **tail;
	struct al_future wait;
	int i, n;
	struct al_sel_event ev[64];
};

struct co_green {
	struct al_model_frame m;
	int nthreads, started, spawn_err;
	int64_t lock;
	int64_t npages;              /* g's length (release runs without the crawl) */
	int64_t ng;                  /* green threads: the limit, or every page */
	int64_t *ids;
	struct al_task *tasks;
	struct sched *scheds;
	struct gthread *g;           /* every green thread */
	struct al_fiber_pool pool;   /* the simulator's stacks */
	int pooled;                  /* stacks from pool (the simulator) */
	struct al_threads threads;
};

static void enqueue(struct sched *s, struct gthread *g)
{
	g->next = NULL;
	*s->tail = g;
	s->tail = &g->next;
}

/* --- inside a green thread: blocking-style calls over non-blocking ones */

/* Waits until fd is ready for ev: registered with the thread's selector
 * while the green thread sleeps, unregistered when it wakes.  0 or -errno. */
static int64_t park(struct gthread *g, int fd, unsigned ev)
{
	struct al_os *os = g->s->m->m.crawl->os;
	int64_t r;

	if (g->s->err)                   /* a selector that failed wakes nobody */
		return -g->s->err;
	r = al_sel_ctl(os, g->s->sel, fd, ev, g);
	if (r < 0)
		return r;
	g->parked = 1;
	al_fiber_yield(&g->f);
	g->parked = 0;
	al_sel_ctl(os, g->s->sel, fd, 0, NULL);
	return g->s->err ? -g->s->err : 0;
}

/* fetch(page), as blocking_way() reads, with the buffer on its own stack. */
static void fetch_page(struct gthread *g)
{
	struct al_crawl *c = g->s->m->m.crawl;
	struct al_os *os = c->os;
	struct al_http_resp resp;
	struct al_page_times tm;
	char buf[4096];
	int64_t r;
	int fd, n;

	al_crawl_begin(c, &tm);
	al_http_resp_init(&resp);
	fd = (int)al_socket(os, 1);
	if (fd < 0) {
		r = fd;
		goto done;
	}
	r = al_connect(os, fd, g->page, NULL);                 /* connect() */
	if (r == -EINPROGRESS)
		r = park(g, fd, AL_EV_WRITE);
	if (r < 0)
		goto out;
	al_crawl_connected(c, &tm);
	n = al_http_request(buf, sizeof buf, c->sc->workload.host, g->page);
	do
		r = n < 0 ? -EMSGSIZE : al_send(os, fd, buf, (size_t)n, NULL);  /* send() */
	while (r == -EAGAIN && (r = park(g, fd, AL_EV_WRITE)) == 0);
	while (r >= 0) {
		r = al_recv(os, fd, buf, sizeof buf, NULL);      /* recv(4096) */
		if (r == -EAGAIN && (r = park(g, fd, AL_EV_READ)) == 0)
			continue;
		if (r <= 0)
			break;
		if (al_crawl_feed(c, &tm, fd, &resp, buf, (size_t)r) != 0)
			r = -EBADMSG;
	}
out:
	al_close(os, fd);
done:
	/* parsing is the OS thread's CPU work, the scheduler's in between */
	if (al_crawl_end(c, g->page, r < 0 ? (int)-r : 0, &resp, &tm) == 0)
		al_cpu(os, al_crawl_parse_ns(c, resp.body), NULL);
}

/* A green thread's body: its pages, one after another. */
static void fetch(void *arg)
{
	struct gthread *g = arg;
	struct co_green *m = g->s->m;

	for (g->page = g->first; g->page < m->m.crawl->pages; g->page += m->ng)
		fetch_page(g);
}

/* --- the scheduler */

/* Resumes g on its own lane until it parks or ends: a switch in and one
 * back.  An ended green thread gives back its stack. */
static void run(struct sched *s, struct gthread *g)
{
	struct al_os *os = s->m->m.crawl->os;
	int64_t sw = s->m->m.crawl->sc->machine.costs.green_switch_ns;

	al_task_wear(s->task, &g->lane);
	al_cpu(os, sw, NULL);
	int alive = al_fiber_resume(&g->f);
	al_cpu(os, sw, NULL);
	if (!alive) {
		if (s->task->lane)
			al_os_task_end(os, s->task);
		al_fiber_free(&g->f);
		/* the first unmapping after the wait pays the kernel's paths cold */
		if (s->woken)
			al_cpu(os, s->m->m.crawl->sc->machine.costs.green_stack_woken_ns, NULL);
		s->woken = 0;
		if (g->charged)
			al_mem(os, -g->charged);
		g->charged = 0;
		s->live--;
	}
	al_task_unwear(s->task, &g->lane);
}

/* Green thread j's pages, when it cannot be made: they all fail at once,
 * on the scheduler's lane. */
static void fail_pages(struct co_green *m, int64_t j, int err)
{
	for (int64_t p = j; p < m->m.crawl->pages; p += m->ng)
		al_crawl_fail(m->m.crawl, p, err);
}

/* The pages of OS thread k's green threads fail. */
static void fail_thread(struct co_green *m, int64_t k, int err)
{
	for (int64_t j = k; j < m->ng; j += m->nthreads)
		fail_pages(m, j, err);
}

/* Makes s's green threads, runnable. */
static void start_pages(struct sched *s)
{
	struct co_green *m = s->m;
	struct al_crawl *c = m->m.crawl;
	struct al_os *os = c->os;
	int64_t mem = c->sc->machine.costs.green_memory;

	if (mem > c->cfg->stack)
		mem = c->cfg->stack;         /* never more than the whole stack */
	for (int64_t p = s->k; p < m->ng; p += m->nthreads) {
		struct gthread *g = &m->g[p];
		int64_t r = al_mem(os, mem);

		*g = (struct gthread){.s = s, .first = p, .page = p, .lane = {.name = "green"}};
		if (r == 0 && (m->pooled ? al_fiber_init_pooled(&g->f, &m->pool, fetch, g)
				   : al_fiber_init(&g->f, (size_t)c->cfg->stack, fetch, g)) != 0) {
			r = -(errno ? errno : ENOMEM);
			al_mem(os, -mem);
			c->stack_fails++;
			c->stack_err = (int)-r;
		}
		if (r < 0) {
			fail_pages(m, p, (int)-r);
			continue;
		}
		g->charged = mem;
		/* its stack's whole life: mapped, faulted in, unmapped */
		al_cpu(os, c->sc->machine.costs.green_stack_ns, NULL);
		s->live++;
		enqueue(s, g);
	}
}

static int co_sched(struct al_task *t, void *arg)
{
	struct sched *s = arg;
	struct al_crawl *c = s->m->m.crawl;
	struct al_os *os = c->os;
	int64_t r;

	AL_BEGIN(s);
	s->task = t;
	s->tail = &s->head;
	/* selectors are opened one at a time: the real os's table of them
	 * is shared by the process's threads */
	AL_AWAIT_CALL(t, s, &s->wait, al_lock, os, s->m->lock);
	r = al_sel_open(os, c->cfg->poller);
	al_unlock(os, s->m->lock);
	if (r < 0) {
		fail_thread(s->m, s->k, (int)-r);
		AL_RETURN(t, s, 0, 0);
	}
	s->sel = (int)r;
	start_pages(s);
	while (s->live > 0) {
		while (s->head) {
			struct gthread *g = s->head;
			s->head = g->next;
			if (!s->head)
				s->tail = &s->head;
			run(s, g);
		}
		if (s->live == 0 || s->err)
			break;
		/* a wait that finds events ready returns without sleeping: the
		 * stack's unmap after it is no colder than the others' */
		al_future_init(&s->wait, t->fut.loop);
		(void)al_sel_wait(os, s->sel, s->ev, 64, &s->wait);
		s->slept = s->wait.state == AL_PENDING;
		AL_AWAIT(t, s, &s->wait);
		if (t->err) {
			s->woken = 0;
			/* nothing can wake the parked green threads now: each
			 * wakes with the error, and its pages end with it */
			s->err = t->err;
			for (int64_t j = s->k; j < s->m->ng; j += s->m->nthreads)
				if (s->m->g[j].parked)
					enqueue(s, &s->m->g[j]);
			continue;
		}
		s->n = (int)t->value;
		s->woken |= s->slept;
		for (s->i = 0; s->i < s->n; s->i++)
			enqueue(s, s->ev[s->i].data);
	}
	AL_AWAIT_CALL(t, s, &s->wait, al_lock, os, s->m->lock);
	al_sel_close(os, s->sel);
	al_unlock(os, s->m->lock);
	AL_END(t, s);
}

static void co_green_release(void *frame)
{
	struct co_green *f = frame;

	/* green threads cut short (the simulator's horizon, a deadlock):
	 * their stacks go, nothing on them runs */
	for (int64_t p = 0; f->g && p < f->npages; p++)
		al_fiber_free(&f->g[p].f);
	al_fiber_pool_free(&f->pool);
	free(f->g);
	free(f->scheds);
	free(f->tasks);
	free(f->ids);
	f->g = NULL;
	f->scheds = NULL;
	f->tasks = NULL;
	f->ids = NULL;
}

/* OS thread k's frame: its scheduler. */
static void *sched_frame(void *ctx, int k)
{
	struct co_green *f = ctx;

	f->scheds[k] = (struct sched){.m = f, .k = k};
	return &f->scheds[k];
}

/* No OS thread for its pages: they fail. */
static void sched_failed(void *ctx, int k, int err)
{
	fail_thread(ctx, k, err);
}

static int co_green(struct al_task *t, void *arg)
{
	struct co_green *f = arg;
	struct al_crawl *c = f->m.crawl;
	struct al_os *os = c->os;

	AL_BEGIN(&f->m);
	f->ng = c->cfg->limit > 0 && c->cfg->limit < c->pages ? c->cfg->limit : c->pages;
	f->nthreads = al_pool_size(c->cfg->threads > 0 ? c->cfg->threads : c->sc->machine.cores,
				   f->ng);
	f->lock = al_lock_open(os);
	f->ids = calloc((size_t)f->nthreads, sizeof *f->ids);
	f->tasks = calloc((size_t)f->nthreads, sizeof *f->tasks);
	f->scheds = calloc((size_t)f->nthreads, sizeof *f->scheds);
	f->g = calloc((size_t)f->ng, sizeof *f->g);
	f->npages = f->g ? f->ng : 0;
	/* the simulator runs every green thread on this one host thread */
	f->pooled = al_os_has(os, AL_OS_CAP_ONE_HOST_THREAD);
	if (f->pooled && al_fiber_pool_init(&f->pool, (size_t)c->cfg->stack) != 0)
		f->spawn_err = EINVAL;
	if (f->spawn_err || !f->ids || !f->tasks || !f->scheds || !f->g || f->lock < 0) {
		if (!f->spawn_err)
			f->spawn_err = f->lock < 0 ? (int)-f->lock : ENOMEM;
		goto out;
	}
	f->threads = (struct al_threads){.os = os, .n = f->nthreads, .fn = co_sched,
					 .name = "scheduler", .frame = sched_frame,
					 .failed = sched_failed, .ctx = f, .ids = f->ids,
					 .tasks = f->tasks};
	AL_CALL(t, &f->m, al_threads_run, &f->threads);
	f->started = f->threads.started;
	f->spawn_err = f->threads.err;
out:
	al_crawl_pool_end(c, f->nthreads, f->started, f->spawn_err);
	co_green_release(f);
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_green = {
	.id = AL_MODEL_GREEN,
	.main = co_green,
	.frame_size = sizeof(struct co_green),
	.release = co_green_release,
	/* a green thread, and the two pages of stack it touches */
	.per_page = sizeof(struct gthread) + 8192,
};
