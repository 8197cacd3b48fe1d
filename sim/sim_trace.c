/* The simulated os's part of the trace: each task's lane, made on its
 * first call, the states the calls put it in, and the marks of failed
 * pages (net_os_trace.c is the real backend's). */
#include "sim/sim_os.h"

#define SIM(os) ((struct sim_os *)(os)->impl)

/* Task t's first lane (sim_lane_for's slow path, once a task). */
uint32_t sim__lane_new(struct sim_os *s, struct al_task *t)
{
	struct sim_thread *th = s->k.current;

	t->lane = al_trace_lane(s->os.trace, sim_clock(s), AL_LANE_TASK, th ? th->lane : 0,
				t->name ? t->name : "task", ++s->lanes);
	return t->lane;
}

uint32_t sim_lane_of_caller(const struct sim_os *s)
{
	const struct al_task *t = sim_current_task(s);

	return t && s->os.trace ? t->lane : 0;
}

void sim__rewait(struct sim_os *s, const struct al_task *t, struct sim_sock *k)
{
	if (!t->lane || k->sel < 0 || !(k->sel_events & AL_EV_READ))
		return;
	if (sim_sock_ready(k, AL_EV_READ)) {
		sim_state(s, t->lane, AL_ST_READY, 0);  /* more is there already */
	} else {
		sim_wait_on(s, k, t->lane, AL_ST_RECV, 0);
	}
}

void sim_mark(struct al_os *os, const char *what, int64_t value)
{
	struct sim_os *s = SIM(os);
	struct al_trace *tr = os->trace;

	if (!tr || tr->mode == AL_TRACE_OFF)
		return;
	/* one after the other, not as arguments (whose order C leaves open):
	 * a lane made here interns its label before the mark's name, on every
	 * compiler, so the names' ids and the hash are the same everywhere */
	uint32_t lane = sim_lane(s);
	uint16_t name = al_trace_name(tr, what);

	al_trace_instant(tr, sim_clock(s), lane, name, value);
}

void sim_task_end(struct al_os *os, struct al_task *t)
{
	sim_state(SIM(os), t->lane, AL_ST_DONE, 0);
}
