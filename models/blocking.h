/* The article's blocking_way(): one page over a blocking socket, shared by
 * the sync, process and thread models (3.1-3.3). */
#ifndef MODELS_BLOCKING_H
#define MODELS_BLOCKING_H

#include "core/al_http.h"
#include "models/model.h"

struct co_blocking {
	struct al_coro co;
	struct al_crawl *crawl;
	int64_t page;
	int fd;
	int err;
	int64_t parse;
	struct al_future io;
	struct al_http_resp resp;
	struct al_page_times tm;
	int64_t ended;               /* when the page ended (a worker reports it) */
	char buf[4096];
};

/* Fetches f->page with blocking calls and accounts it in f->crawl. */
int co_blocking_fetch(struct al_task *t, void *frame);

#endif
