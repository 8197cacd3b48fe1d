/* What every crawler model shares: the job (N pages of the scenario's
 * workload), its accounting, and the table of models.  A model is one
 * coroutine entry written against core/ only; the backend (sim or real)
 * supplies the os it runs on. */
#ifndef MODEL_H
#define MODEL_H

#include <stdint.h>

#include "core/al_http.h"
#include "core/al_latency.h"
#include "core/al_os.h"
#include "core/al_report.h"
#include "core/al_task.h"

/* The crawl in progress: filled by the model, read by the backend. */
struct al_crawl {
	struct al_os *os;
	const struct al_scenario *sc;
	const struct al_model_cfg *cfg;
	int64_t pages;               /* pages asked */
	int64_t ok, failed;
	int64_t failures[AL_CAUSE_COUNT];
	int64_t bytes;               /* body bytes of ok pages */
	uint64_t checksum;           /* sum of the ok pages' al_crawl_sum */
	int64_t inflight, peak_inflight;
	int verify;                  /* check bodies are the pages' (al_http_resp_is_page) */
	/* a pool (process, thread): its workers asked and started, and why
	 * the others could not start (0 0 0: no pool, or every one started) */
	int workers, started, spawn_err;
	/* worker processes that died, and the wait status of the last */
	int died, died_status;
	/* the uring model: why the os refused io_uring (errno), or 0 */
	int ring_err;
	/* the green model: green threads whose stack the host could not map
	 * (a real run past vm.max_map_count), and the last errno */
	int64_t stack_fails;
	int stack_err;
	/* where ok pages' latencies go (core/al_latency.h); NULL: nowhere
	 * (a worker process's own crawl: its records carry them) */
	struct al_lat_rec *lat;
};

/* One page's instants on the os's clock, kept by the model beside the
 * page's response: started, connected, first response byte (-1: not
 * yet).  24 bytes a page in flight; the end is taken when it comes. */
struct al_page_times {
	int64_t begin, connect, first;
};

struct al_model_desc {
	enum al_model id;
	al_coro_fn main;             /* the model's top-level coroutine */
	size_t frame_size;           /* its frame: begins with struct al_model_frame */
	/* Frees what the frame owns (NULL: nothing), whether main finished
	 * or not -- a run cut at the simulator's horizon or deadlocked
	 * leaves main parked.  The runner calls it once the loop and the os
	 * are gone, before freeing the frame; main calls it too when it
	 * ends, so it must leave the frame's pointers NULL. */
	void (*release)(void *frame);
	/* Bytes main allocates per page, all at once (the concurrent models'
	 * tasks and frames); 0: none.  The footprint check uses it. */
	size_t per_page;
};

/* Every model's top-level frame begins with this. */
struct al_model_frame {
	struct al_coro co;
	struct al_crawl *crawl;
};

/* The model's descriptor (its line in core/al_models.def names it), or
 * NULL when m is not a model. */
const struct al_model_desc *al_model_get(enum al_model m);

/* A page starts / ends: err 0 (resp checked) or an errno value.  end
 * returns the page's final err (EBADMSG if the body did not verify).  tm
 * (NULL: not timed) gets the instants; an ok page's latencies go to
 * c->lat. */
void al_crawl_begin(struct al_crawl *c, struct al_page_times *tm);
int al_crawl_end(struct al_crawl *c, int64_t page, int err, struct al_http_resp *resp,
		 struct al_page_times *tm);
/* The model sees the page's connection up (its connect returned, or the
 * socket became writable). */
void al_crawl_connected(struct al_crawl *c, struct al_page_times *tm);
/* al_os_feed of what fd's recv returned, after noting the first byte's
 * instant (al__crawl_feed_first, the page's first bytes).  Inline: a
 * page's every recv, where the call, and the six register saves that
 * the first byte's clock read cost it, were ~25 instructions. */
int al__crawl_feed_first(struct al_crawl *c, struct al_page_times *tm, int fd,
			 struct al_http_resp *resp, const void *buf, size_t n);
static inline int al_crawl_feed(struct al_crawl *c, struct al_page_times *tm, int fd,
				struct al_http_resp *resp, const void *buf, size_t n)
{
	if (tm->first < 0 && n > 0)
		return al__crawl_feed_first(c, tm, fd, resp, buf, n);
	return al_os_feed(c->os, fd, resp, buf, n);
}
/* What the run counts for a page that ended with resp: verified, the
 * page's al_page_digest (O(1), the same on every backend); else (a target
 * we cannot verify) the sum of the bytes received. */
uint64_t al_crawl_sum(const struct al_crawl *c, int64_t page, const struct al_http_resp *resp);
/* The CPU time parsing a page of `bytes` costs (parse_per_kib); models
 * spend it on the fetching thread, as CPU work, after the page ended. */
int64_t al_crawl_parse_ns(const struct al_crawl *c, int64_t bytes);
/* Counts a page that ended elsewhere (a worker process): no checks. */
void al_crawl_count(struct al_crawl *c, int err, int64_t bytes, uint64_t sum);
/* A page ended at `end`: its connect, ttfb and total, ns from its start. */
void al_page_latency(const struct al_page_times *tm, int64_t end, int64_t out[3]);
/* A page that never ran fails with err: counted, and marked on the
 * timeline (al_crawl_mark); never in flight.  The one way every model
 * fails a page it cannot run. */
void al_crawl_fail(struct al_crawl *c, int64_t page, int err);
/* Marks on the calling task's lane that page failed with err, now (end
 * does it; a model calls it for a page that fails without running). */
void al_crawl_mark(struct al_crawl *c, int64_t page, int err);
/* A pool of the crawling process's OS threads (the thread, green and
 * multiloop models'): thread i runs fn on frame(ctx, i); all are spawned,
 * then all joined.  A sub-coroutine: fill in the fields down to tasks,
 * then AL_CALL(t, frame, al_threads_run, &threads); started and err
 * tell what happened. */
struct al_threads {
	struct al_coro co;
	struct al_os *os;
	int n;                       /* threads asked */
	al_coro_fn fn;
	const char *name;            /* their tasks' name */
	/* thread i's frame, or NULL: it cannot start (ENOMEM) */
	void *(*frame)(void *ctx, int i);
	/* thread i did not start, for err (NULL: nothing to do) */
	void (*failed)(void *ctx, int i, int err);
	void *ctx;
	int64_t *ids;                /* n of them, the caller's: each thread's id or -errno */
	struct al_task *tasks;       /* n of them, the caller's */
	int started;                 /* threads that started */
	int err;                     /* why the last that did not start did not, or 0 */
	int i;
	struct al_future joined;
};
int al_threads_run(struct al_task *t, void *arg);
/* A pool's end: the workers it asked for, those that started, and why the
 * others could not (0: every one started).  If none started, the pages no
 * one took fail with that cause (ENOMEM when none was given). */
void al_crawl_pool_end(struct al_crawl *c, int workers, int started, int spawn_err);
/* The process model's worker (models/process.c), for calibrate's
 * process_memory probe, which forks workers as the model does and weighs
 * them where the pool counts them (net/net_calib_mem_run.c): the size of its
 * frame, the frame set up as the model sets up worker i of n on the
 * results pipe fds for crawl c, and its task. */
size_t al_process_worker_size(void);
void al_process_worker_init(void *frame, const struct al_crawl *c, const int fds[2], int i,
			    int n);
extern const al_coro_fn al_process_worker;
/* A pool that started only some of its workers, or whose workers died,
 * says so, in note (the runner prints it): 1 and the note, or 0 and note
 * untouched.  A thread pool short of threads still crawls every page,
 * with fewer: its speed-up is not the pool's it was asked for. */
int al_crawl_note(const struct al_crawl *c, char *note, size_t len);

#endif
