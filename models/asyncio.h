/* asyncio (models/asyncio.c) as a part of other models: one asyncio
 * program -- its loop, selector, read buffer, a Task per page, gather --
 * run on a share of the crawl's pages.  Its frame, main and release are
 * al_model_asyncio's; only the share is set here.  A page's frame is
 * declared here for its size, which multiloop's descriptor needs too;
 * nothing but asyncio.c touches its fields. */
#ifndef MODELS_ASYNCIO_H
#define MODELS_ASYNCIO_H

#include <stdint.h>

#include "core/al_http.h"
#include "models/evloop.h"
#include "models/model.h"

/* connect and read: register, await the future the loop completes,
 * unregister; read then receives (again if the wake-up was spurious).
 * The frame is always its page's co_fetch.sub (a read's at the start of
 * co_read_all, as connect's is), so the socket, the selector and the
 * response are found from there, not stored per page; which of the two
 * it is, is the coroutine's (co_connect, co_read), not the frame's. */
struct co_wait {
	struct al_coro co;
};

struct co_read_all {
	struct co_wait rd;           /* first: at co_fetch.sub, like conn */
	struct al_coro co;
};

struct co_main;

/* A page's frame holds only what differs from page to page: what every
 * page shares (the crawl, the semaphore, the buffer, the selector) is the
 * main frame's, found from the page's loop (al_loop.prog), and the page
 * is the frame's place in main's array. */
struct co_fetch {
	struct al_coro co;
	int fd;                      /* its socket */
	union {                      /* 4-aligned, 8 bytes: co, fd and it fill
				      * the frame's first 16 */
		struct co_wait conn;
		struct co_read_all all;
	} sub;
	struct al_waker_fut s;       /* s.f is also the semaphore's turn: it is
				      * awaited before the socket exists (the
				      * loop's selector is main's: every byte
				      * of a page counts ten million times) */
	struct al_http_resp resp;
	struct al_page_times tm;
};

/* What the program allocates per page: its Task and its frame (gather's
 * node is the Task's own, once it ends: al_task_on_end). */
#define AL_ASYNCIO_PER_PAGE (sizeof(struct al_task) + sizeof(struct co_fetch))

extern const struct al_model_desc al_model_asyncio;

/* Before al_model_asyncio.main starts on frame (zeroed, frame_size bytes,
 * its crawl set): the program fetches pages first, first + stride, ...
 * below the crawl's pages, not all of them.  stride >= 1, first >= 0. */
void al_asyncio_share(void *frame, int64_t first, int64_t stride);

#endif
