/* The event loop the article builds in 3.5 and reuses in 4.x: a selector,
 * callbacks registered with each fd, and `while not stopped: for each ready
 * event: callback()`.  callback uses it with plain callbacks; generator and
 * asyncio register wakers that complete a Future. */
#ifndef MODELS_EVLOOP_H
#define MODELS_EVLOOP_H

#include "models/model.h"

/* What a selector registration points at: a callback, and its state
 * around it (the page's, whose fd it is: no copy here).  What every page
 * shares (the os, the loop's read buffer) is the model's to find, not
 * kept here: a page in flight holds one of these. */
struct al_waker {
	void (*fn)(struct al_waker *w, unsigned events);
};

/* A waker and the future al_waker_ready completes, side by side: the
 * waker finds its future by its place, so it keeps no pointer to it (a
 * page in flight holds one: C10M, 8 bytes ten million times). */
struct al_waker_fut {
	struct al_waker w;
	struct al_future f;
};

/* Completes w's future with 0: the socket is ready (writable: connected;
 * readable: data, end of stream or an error).  w must be the w of a
 * struct al_waker_fut. */
void al_waker_ready(struct al_waker *w, unsigned events);

/* The loop itself, as a coroutine: runs until every page of crawl has
 * ended (or, with `left` set, until *left is 0: the pages of one loop
 * among several, which its own tasks count down), dispatching ready
 * events to their wakers, and gives way after each batch so the tasks
 * they woke can run.  With `skip` set, a run of identical turns of bulk
 * reads may be run at once, as the backend finds them (al_sel_repeat):
 * the same charges, the same instants.  Not in O(1): m rounds skipped
 * still cost O(fds) to take and feed their bytes.  Their trace events,
 * n a round, are not hashed one by one: the hash of all m rounds comes
 * in closed form from the hash chain (al_trace_repeat), O(log n + log
 * m); only a recorded trace stores every one of them again, O(m x n). */
struct co_evloop {
	struct al_coro co;
	struct al_crawl *crawl;
	const int64_t *left;         /* NULL: the whole crawl's pages */
	/* The model's reader, told that the page of fd, whose waker is w,
	 * got n more bytes of body without being called: the turns that
	 * would have called it for them were run at once (al_sel_repeat).
	 * It feeds them as from one recv; 0, or -1 (a bug: a span's feed
	 * cannot fail).  NULL: every turn runs. */
	int (*skip)(struct co_evloop *lp, struct al_waker *w, int fd, size_t n);
	int sel;
	int i, n;
	struct al_future ready;
	struct al_sel_event ev[64];
};
int co_evloop(struct al_task *t, void *frame);

#endif
