/* The kernel-TCP path's packet emulator on a core of its own
 * (machine.host_emulator own), pass by pass, as net/net_emu_loop.c runs:
 * at the top of its loop it takes every packet due by then, writes those
 * going up (to the server's device) and then those going down (to the
 * crawler's), and only then reads and waits again.  What becomes due
 * while it writes waits for the next pass.  Its writes have no cap
 * (flush() writes every packet due), nor its reads but a flood guard's
 * (4096 packets a read, which no scenario nears): it reads both
 * devices whole every 50 us while it writes and after every wait, and
 * gives a backlog times spread since its device was last seen empty, so
 * a packet is due about a delay after it was sent, as here, not when the
 * emulator got to it (real select-limit runs: the time given 16-20 us
 * after the kernel's at the median, 0.4-3.0 ms after at p90, up to 2.1 ms
 * before at p1, docs/real.md; a real C10K run's passes: 99 % under
 * 0.93 ms, `perf record` of its ppoll).
 *
 * So the crawler does not see one page every emulator_packet x the
 * page's packets, evenly, as one queue in arrival order gave it: it
 * sees nothing while a pass writes the server's packets, then the pass's
 * responses back to back, and a loop woken by the first of them finds
 * more ready when it comes back to its wait (docs/simulator.md).
 *
 * The work is in the order it reached the emulator, a heap by (time,
 * arrival); a pass is laid out when it starts, and each item with a kind
 * is done when its down packets are written (sim_host_emu_done). */
#include <stdlib.h>

#include "core/al_mem.h"
#include "sim/sim_os.h"

static int before(const struct sim_emu_item *a, const struct sim_emu_item *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void in_push(struct sim_os *s, struct sim_emu_item it)
{
	if (s->emu_nin == s->emu_capin)
		s->emu_in = al_grow_or_die(s->emu_in, &s->emu_capin, sizeof *s->emu_in);
	size_t i = s->emu_nin++;
	while (i > 0 && before(&it, &s->emu_in[(i - 1) / 2])) {
		s->emu_in[i] = s->emu_in[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->emu_in[i] = it;
}

static struct sim_emu_item in_pop(struct sim_os *s)
{
	struct sim_emu_item top = s->emu_in[0], last = s->emu_in[--s->emu_nin];
	size_t i = 0, n = s->emu_nin;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&s->emu_in[c + 1], &s->emu_in[c]))
			c++;
		if (!before(&s->emu_in[c], &last))
			break;
		s->emu_in[i] = s->emu_in[c];
		i = c;
	}
	if (n > 0)
		s->emu_in[i] = last;
	return top;
}

static void on_pass(void *arg, int64_t now);

/* Work of ns that reached the emulator at `at` (before now), in the
 * backlog's queue (sim_emu_backlog) from then, behind what was there. */
static void backlog_add(struct sim_os *s, int64_t at, int64_t ns)
{
	s->emu_busy = (s->emu_busy > at ? s->emu_busy : at) + ns;
	sim_emu_reached(s, at, ns);
}

/* The next pass starts when the last has ended and work has reached the
 * emulator: one event for it, moved earlier if earlier work comes. */
static void schedule(struct sim_os *s)
{
	if (s->emu_nin == 0)
		return;
	int64_t at = s->emu_in[0].at > s->emu_pass_end ? s->emu_in[0].at : s->emu_pass_end;

	if (s->emu_token) {
		if (s->emu_pass_at <= at)
			return;
		sim_queue_cancel(&s->q, s->emu_token);
	}
	s->emu_pass_at = at;
	if (!(s->emu_token = sim_queue_push(&s->q, at, on_pass, s)))
		abort(); /* the queue cannot grow: nothing sane to continue with */
}

void sim_emu_push(struct sim_os *s, struct sim_emu_item it)
{
	it.seq = s->emu_seq++;
	in_push(s, it);
	schedule(s);
}

/* What answers its packets, written at t, reaches the emulator: the
 * client's answer to down packets (with the server's to that as its own
 * answer) half a round trip later, the server's answer to up packets the
 * other half later.  Each is a later pass's, chained: the server's ACK
 * comes after the client's packets were written, however late. */
static void answer(struct sim_os *s, const struct sim_emu_item *it, int64_t t)
{
	int64_t rtt = s->os.sc->network.rtt_ns, up = rtt / 2, down = rtt - up;

	if (it->next_nup > 0)
		sim_emu_push(s, (struct sim_emu_item){
			.at = t + up, .up = it->next_up, .nup = it->next_nup,
			.next_down = it->next_down, .next_ndown = it->next_ndown});
	else if (it->next_ndown > 0)
		sim_emu_push(s, (struct sim_emu_item){
			.at = t + (it->ndown > 0 ? rtt : down), .down = it->next_down,
			.ndown = it->next_ndown});
}

/* A pass from now: every item that has reached the emulator, their up
 * packets, then their down ones, each in the order they came. */
static void on_pass(void *arg, int64_t now)
{
	struct sim_os *s = arg;
	size_t n = 0;
	int64_t t = now;

	s->emu_token = 0;
	while (s->emu_nin > 0 && s->emu_in[0].at <= now) {
		/* every item due: the real flush() writes all it has */
		if (n == s->emu_cappass)
			s->emu_pass = al_grow_or_die(s->emu_pass, &s->emu_cappass,
						     sizeof *s->emu_pass);
		s->emu_pass[n++] = in_pop(s);
	}
	int64_t end = now, rtt = s->os.sc->network.rtt_ns;
	for (size_t i = 0; i < n; i++) {
		const struct sim_emu_item *it = &s->emu_pass[i];
		end += it->up + (it->syn ? 0 : it->down);
		/* an answer (no kind) is in the backlog the simulated TCP
		 * sees from when it reached the emulator, not before */
		if (!it->kind)
			backlog_add(s, it->at, it->up + it->down);
	}
	s->emu_pass_end = end;
	for (size_t i = 0; i < n; i++) {
		const struct sim_emu_item *it = &s->emu_pass[i];
		t += it->up;
		/* the server's accept from the ACK's write, its CPU taken
		 * in its thread from now: the network has the request at
		 * the server without the emulator's up backlog, and an
		 * accept queued at t would come after that page's write */
		if (it->accept)
			sim_host_accept(s, t);
		if (it->syn) {
			/* the server answers the SYN: its SYN-ACK comes back */
			struct sim_emu_item r = *it;
			r.at = t + (rtt - rtt / 2);
			r.up = r.nup = 0;
			r.syn = 0;
			sim_emu_push(s, r);
		} else if (it->ndown == 0) {
			answer(s, it, t);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct sim_emu_item *it = &s->emu_pass[i];
		if (it->syn)
			continue;
		t += it->down;
		if (it->kind)
			sim_host_emu_done(s, it, t);
		if (it->ndown > 0)
			answer(s, it, t);
	}
	schedule(s);
}

void sim_emu_free(struct sim_os *s)
{
	free(s->emu_in);
	free(s->emu_pass);
	free(s->emu_due);
	s->emu_in = s->emu_pass = NULL;
	s->emu_due = NULL;
	s->emu_nin = s->emu_capin = s->emu_cappass = 0;
	s->emu_ndue = s->emu_capdue = 0;
}

/* --- the backlog the simulated TCP sees (any emulator: own or shared) */

void sim_emu_reached(struct sim_os *s, int64_t t, int64_t ns)
{
	s->emu_work += ns;
	/* its end is the queue's; in the backlog from t */
	if (t > s->now)
		sim_emu_due(s, t, s->emu_busy);
	else if (s->emu_busy > s->emu_seen)
		s->emu_seen = s->emu_busy;
}

/* The work queued for the emulator at a later time than now, in a heap
 * by that time: it is in the emulator's backlog only from then. */
void sim_emu_due(struct sim_os *s, int64_t at, int64_t end)
{
	if (s->emu_ndue == s->emu_capdue)
		s->emu_due = al_grow_or_die(s->emu_due, &s->emu_capdue, sizeof *s->emu_due);
	size_t i = s->emu_ndue++;
	while (i > 0 && s->emu_due[(i - 1) / 2].at > at) {
		s->emu_due[i] = s->emu_due[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->emu_due[i] = (struct sim_host_due){at, end};
}

static struct sim_host_due due_pop(struct sim_os *s)
{
	struct sim_host_due top = s->emu_due[0], last = s->emu_due[--s->emu_ndue];
	size_t i = 0, n = s->emu_ndue;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && s->emu_due[c + 1].at < s->emu_due[c].at)
			c++;
		if (s->emu_due[c].at >= last.at)
			break;
		s->emu_due[i] = s->emu_due[c];
		i = c;
	}
	if (n > 0)
		s->emu_due[i] = last;
	return top;
}

/* The packet emulator's backlog at now: how long a packet reaching it
 * now waits behind the packets that reached it before (its queue's own
 * time, the same FIFO that holds the crawler's sockets).  Work queued for
 * a later time (a link's relay of a page not yet through it) is not yet
 * there, nor is the idle time before it.  In the path of every packet the
 * simulated TCP sends, as the real emulator's is. */
int64_t sim_emu_backlog(void *arg, int64_t now)
{
	struct sim_os *s = arg;

	while (s->emu_ndue > 0 && s->emu_due[0].at <= now) {
		struct sim_host_due d = due_pop(s);
		if (d.end > s->emu_seen)
			s->emu_seen = d.end;
	}
	return s->emu_seen - now;
}
