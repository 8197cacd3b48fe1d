/* Futures: completion moves the callback list to the loop's ready queue in
 * one splice, so completing a future costs O(1) whatever waits on it. */
#include <errno.h>

#include "core/al_assert.h"
#include "core/al_future.h"

void al__future_refuse(void *arg)
{
	(void)arg;
	errno = EINVAL;
}

int al_future_cancel(struct al_future *f)
{
	if (al_future_set(f, 0, ECANCELED) != 0)
		return -1;
	f->state = AL_CANCELLED;
	return 0;
}

void al_future_on_done(struct al_future *f, struct al_cb *cb)
{
	cb->next = NULL;
	if (f->state != AL_PENDING) {
		al_loop_post(f->loop, cb);
		return;
	}
	if (f->head == NULL)
		f->head = cb;
	else
		*f->tail = cb;
	f->tail = &cb->next;
}

int al_future_remove(struct al_future *f, struct al_cb *cb)
{
	if (f->state != AL_PENDING)
		return 0;
	for (struct al_cb **p = &f->head; *p; p = &(*p)->next) {
		if (*p == cb) {
			*p = cb->next;
			if (f->tail == &cb->next)
				f->tail = p;
			cb->next = NULL;
			return 1;
		}
	}
	return 0;
}
