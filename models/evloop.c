/* The article's loop(): select, then call each ready fd's callback. */
#include <errno.h>
#include <stddef.h>

#include "models/evloop.h"

void al_waker_ready(struct al_waker *w, unsigned events)
{
	struct al_waker_fut *wf = (struct al_waker_fut *)(void *)((char *)w -
								 offsetof(struct al_waker_fut, w));

	(void)events;
	/* a callback, which keeps registers anyway: the plain call */
	al_future_set(&wf->f, 0, 0);
}

/* sel_repeat's feed: the model's reader. */
static int skip(void *arg, void *data, int fd, size_t n)
{
	struct co_evloop *f = arg;

	return f->skip(f, data, fd, n);
}

int co_evloop(struct al_task *t, void *frame)
{
	struct co_evloop *f = frame;
	struct al_crawl *c = f->crawl;
	struct al_os *os = c->os;

	AL_BEGIN(f);
	AL_YIELD(t, f);     /* let the tasks just created take their first step */
	while (f->left ? *f->left > 0 : c->ok + c->failed < c->pages) {
		if (f->skip)
			al_sel_repeat(os, f->sel, skip, f);
		AL_AWAIT_CALL(t, f, &f->ready, al_sel_wait, os, f->sel, f->ev, 64);
		if (t->err == ENOENT && t->fut.loop->ready) {
			/* nothing registered yet, but tasks are about to run (one
			 * let go of a semaphore): give way and select again */
			AL_YIELD(t, f);
			continue;
		}
		if (t->err)
			break;      /* nothing can wake the tasks left: a deadlock */
		f->n = (int)t->value;
		for (f->i = 0; f->i < f->n; f->i++) {
			struct al_waker *w = f->ev[f->i].data;
			/* callback = key.data; callback(key, mask): one dispatch */
			al_cpu(os, c->sc->machine.costs.callback_ns, NULL);
			w->fn(w, f->ev[f->i].events);
		}
		AL_YIELD(t, f);
	}
	AL_END(t, f);
}
