/* sync (the article's 3.1): one thread fetches the pages one after the
 * other with blocking sockets. */
#include "models/blocking.h"

struct co_sync {
	struct al_model_frame m;
	int64_t page;
	struct co_blocking fetch;
};

static int co_sync(struct al_task *t, void *arg)
{
	struct co_sync *f = arg;

	AL_BEGIN(&f->m);
	for (f->page = 0; f->page < f->m.crawl->pages; f->page++) {
		f->fetch = (struct co_blocking){.crawl = f->m.crawl, .page = f->page};
		AL_CALL(t, &f->m, co_blocking_fetch, &f->fetch);
	}
	AL_RETURN(t, &f->m, 0, 0);
	AL_END(t, &f->m);
}

const struct al_model_desc al_model_sync = {
	.id = AL_MODEL_SYNC,
	.main = co_sync,
	.frame_size = sizeof(struct co_sync),
};
