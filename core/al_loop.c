/* The event loop: ready FIFO + backend wait.  The ready queue is an
 * intrusive singly linked list with a tail pointer: post and splice are
 * O(1) and allocate nothing. */
#include <errno.h>

#include "core/al_loop.h"
#include "core/al_os.h"

void al_loop_init(struct al_loop *loop, struct al_os *os)
{
	loop->ready = NULL;
	loop->ready_tail = &loop->ready;
	loop->os = os;
	loop->current = NULL;
	loop->live = NULL;
	loop->tasks = 0;
	loop->resumes = 0;
	loop->calls = 0;
	loop->notify = NULL;
	loop->owner = NULL;
	loop->prog = NULL;
}

/* al_loop_drain() is in al_task.c, beside the task wake it inlines. */

int al_loop_run(struct al_loop *loop)
{
	for (;;) {
		al_loop_drain(loop);
		if (loop->tasks == 0)
			return 0;
		if (loop->os == NULL || !loop->os->ops->wait(loop->os)) {
			if (loop->ready)
				continue;
			errno = EDEADLK;
			return -1;
		}
	}
}
