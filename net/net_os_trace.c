/* The real os's part of the trace (net_trace.h): the same lanes and
 * states as the simulator records, at real times -- a task's lane made on
 * its first call, its waits around blocking calls, its end. */
#include <errno.h>
#include <stdint.h>

#include "net/net_clock.h"
#include "net/net_os_int.h"
#include "net/net_trace.h"

struct al_task *net_task(struct net_os *n)
{
	struct net_thread *th = net_me(n);

	/* the caller's thread runs the loop it gave net_os_init */
	return (th == &n->main ? n->os.loop : &th->loop)->current;
}

uint32_t net_task_lane(struct net_os *n)
{
	struct net_thread *th = net_me(n);
	struct al_task *t = net_task(n);

	if (!n->log || !t)
		return 0;
	if (t->lane == 0)
		t->lane = net_trace_lane(n->log, net_now(&n->os), AL_LANE_TASK, th->lane,
					 t->name ? t->name : "task",
					 __atomic_add_fetch(&n->counts->tasks, 1, __ATOMIC_RELAXED));
	return t->lane;
}

void net_trace_block(struct net_os *n, enum al_state st)
{
	if (!n->log)
		return;
	uint32_t task = net_task_lane(n);        /* made before now: it comes first */
	int64_t now = net_now(&n->os);
	net_trace_state(n->log, now, task, st, 0);
	net_trace_state(n->log, now, net_me(n)->lane, st == AL_ST_SPIN ? AL_ST_SPIN : AL_ST_WAIT, 0);
}

void net_trace_run(struct net_os *n, int64_t bytes)
{
	if (!n->log)
		return;
	uint32_t task = net_task_lane(n);
	int64_t now = net_now(&n->os);
	net_trace_state(n->log, now, task, AL_ST_RUNNING, bytes);
	net_trace_state(n->log, now, net_me(n)->lane, AL_ST_RUNNING, 0);
}

/* The calling task moved bytes without blocking: running, if it has a lane
 * already (a task that never waited on anything needs none). */
void net_running(struct net_os *n, int64_t bytes)
{
	struct al_task *t = net_task(n);

	if (n->log && t && t->lane)
		net_trace_state(n->log, net_now(&n->os), t->lane, AL_ST_RUNNING, bytes);
}

void net_task_end(struct al_os *os, struct al_task *t)
{
	struct net_os *n = NET(os);

	net_trace_state(n->log, net_now(os), t->lane, AL_ST_DONE, 0);
}

void net_mark(struct al_os *os, const char *what, int64_t value)
{
	struct net_os *n = NET(os);

	if (!n->log)
		return;
	uint32_t lane = net_task_lane(n);        /* made before now: it comes first */

	net_trace_instant(n->log, net_now(os), lane, what, value);
}

void net_count_open(struct net_os *n, int delta)
{
	int64_t open = __atomic_add_fetch(&n->counts->open, delta, __ATOMIC_RELAXED);

	if (n->log)
		net_trace_counter(n->log, net_now(&n->os), AL_CTR_SOCKETS, open);
}

void net_os_trace(struct net_os *n, struct net_trace *log, const char *label)
{
	int64_t now = net_now(&n->os);

	n->log = log;
	n->main.proc_lane = net_trace_lane(log, now, AL_LANE_PROCESS, 0, label, 0);
	n->main.lane = net_trace_lane(log, now, AL_LANE_THREAD, n->main.proc_lane, label, 0);
	net_trace_state(log, now, n->main.lane, AL_ST_RUNNING, 0);
}

void net_os_trace_end(struct net_os *n)
{
	int64_t now = net_now(&n->os);

	net_trace_state(n->log, now, n->main.lane, AL_ST_DONE, 0);
	net_trace_state(n->log, now, n->main.proc_lane, AL_ST_DONE, 0);
}

