/* The os's accounting ops (struct al_os_acct): CPU work on the calling
 * thread's core, a busy-poll advanced in closed form, memory charged to
 * the machine. */
#include <errno.h>
#include <stdlib.h>

#include "sim/sim_os.h"

#define SIM(os) ((struct sim_os *)(os)->impl)

/* One retry of a busy-poll loop: a non-blocking syscall (at least 1 ns). */
static int64_t spin_period(const struct sim_os *s)
{
	int64_t c = s->os.sc->machine.costs.syscall_ns;

	return c > 0 ? c : 1;
}

/* --- busy-polling (the article's 3.4), advanced analytically
 *
 * A thread spinning from time s retries a non-blocking call every c ns (one
 * syscall each).  If the socket becomes ready at R, the retries at s, s+c,
 * ... up to the last one before R fail: j = ceil((R - s) / c) futile calls,
 * and the call at s + j*c (the model's own, after spin returns) succeeds.
 * Iterating those calls one by one gives the same times and counts
 * (tests/test_sim_os.c proves it on a small case). */

static void on_spin_done(void *arg, int64_t now)
{
	struct sim_spin *sp = ((struct sim_sock *)arg)->spin;
	struct al_future *w = sp->wait;

	(void)now;
	sp->token = 0;
	sp->wait = NULL;
	if (w)
		al_os_finish(w, sp->futile);
}

void sim__spin_event(struct sim_os *s, struct sim_sock *k, struct sim_spin *sp, int64_t now)
{
	if (!sim_sock_ready_in(s, k, sp->events))
		return;
	int64_t c = spin_period(s);
	/* A burst sees the network as of its start, so the socket may have
	 * become ready before the spin began on the thread's clock: then the
	 * first try succeeds (j = 0). */
	int64_t j = now > sp->start ? (now - sp->start + c - 1) / c : 0;
	int64_t done = sp->start + j * c;
	s->syscalls += j;
	s->futile += j;
	sp->futile = j;
	sp->token = sim_queue_push(&s->q, done > now ? done : now, on_spin_done, k);
}

static int64_t sim_spin(struct al_os *os, int fd, unsigned events, struct al_future *wait)
{
	struct sim_os *s = SIM(os);
	struct sim_sock *k = sim_sock_of(s, fd);

	if (!wait || !s->k.current)
		return al_os_finish(wait, -EINVAL);
	if (!k)
		return al_os_finish(wait, -EBADF);
	if (sim_sock_ready(k, events))
		return al_os_finish(wait, 0);
	if (k->pipe)                 /* a pipe never spins: k->pe is not k->spin */
		return al_os_finish(wait, -ENOTCONN);
	if (k->spin && k->spin->wait)
		return al_os_finish(wait, -EBUSY);
	if (!k->flow || k->conn_err)
		return al_os_finish(wait, k->conn_err ? -(int)k->conn_err : -ENOTCONN);
	if (!k->spin && !(k->spin = calloc(1, sizeof *k->spin)))
		return al_os_finish(wait, -ENOMEM);
	k->spin->wait = wait;
	wait->parked = &k->spin->wait;
	k->spin->start = sim_clock(s);
	k->spin->events = events;
	sim_kernel_spin(&s->k);
	sim_state(s, sim_lane(s), AL_ST_SPIN, 0);
	return 0;
}

static void on_future(void *arg, int64_t now)
{
	al_future_set(arg, now, 0);
}

/* CPU work runs on the calling thread's core (outside any thread, in unit
 * tests, it simply takes its time). */
static int64_t sim_cpu(struct al_os *os, int64_t ns, struct al_future *wait)
{
	struct sim_os *s = SIM(os);

	if (ns < 0)
		return al_os_finish(wait, -EINVAL);
	if (!wait) {
		sim_kernel_charge(&s->k, ns);
		return 0;
	}
	if (s->k.current) {
		int r = sim_kernel_cpu(&s->k, ns, wait);
		if (r == 0 && ns > 0)    /* a yield is no work of its own */
			s->k.current->cpu_lane = sim_lane_of_caller(s);
		return r < 0 ? al_os_finish(wait, r) : 0;
	}
	if (!sim_queue_push(&s->q, s->now + ns, on_future, wait))
		return al_os_finish(wait, -ENOMEM);
	return 0;
}

static int64_t sim_mem(struct al_os *os, int64_t delta)
{
	return sim_kernel_mem(&SIM(os)->k, delta);
}

const struct al_os_acct sim_os_acct = {
	.cpu = sim_cpu,
	.spin = sim_spin,
	.mem = sim_mem,
};
