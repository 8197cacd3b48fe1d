/* The simulated os: the ops table over the simulated kernel (sim_kernel),
 * network (sim_net), selector (sim_sel) and pipes and locks (sim_ipc);
 * the accounting ops (CPU work, busy-polling, memory) are sim_acct.c.
 * A blocking call parks its future on the socket; the network's hooks
 * complete it.  The loop's wait() pops the next event and jumps the
 * virtual clock to it.  Calls made inside a thread's burst take effect at
 * the thread's clock (sim_clock), and cost it a syscall each. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_assert.h"
#include "core/al_http.h"
#include "sim/sim_net_int.h"    /* a recv's common case, inline */
#include "sim/sim_os.h"

#define SIM(os) ((struct sim_os *)(os)->impl)

/* --- clock and timers */

static int64_t sim_now(struct al_os *os)
{
	return sim_clock(SIM(os));
}

static void on_timer(void *arg, int64_t now)
{
	struct al_timer *tm = arg;

	tm->token = 0;
	al_future_set(&tm->fut, now, 0);
}

static void sim_timer_start(struct al_os *os, struct al_timer *tm)
{
	struct sim_os *s = SIM(os);

	tm->token = sim_queue_push(&s->q, tm->at < sim_clock(s) ? sim_clock(s) : tm->at, on_timer, tm);
	if (!tm->token)
		al_future_set(&tm->fut, 0, ENOMEM);
}

static void sim_timer_cancel(struct al_os *os, struct al_timer *tm)
{
	sim_queue_cancel(&SIM(os)->q, tm->token);
	tm->token = 0;
}

static int sim_wait(struct al_os *os)
{
	struct sim_os *s = SIM(os);
	int64_t t;
	sim_fn fn;
	void *arg;

	if (!sim_queue_pop(&s->q, &t, &fn, &arg))
		return 0;
	if (t >= SIM_HORIZON) {
		s->horizon = 1;          /* nothing happens from here on */
		return 0;
	}
	s->now = t;
	s->events++;
	fn(arg, t);
	return 1;
}

/* The network's link may run its next event, at t, at once when this
 * wait would pop it next (sim_net_set_clock): the run's loop goes on
 * (its threads live), t is before the horizon and before everything
 * queued.  It is counted and the clock moves, as sim_wait does. */
static int sim_advance(void *arg, int64_t t)
{
	struct sim_os *s = arg;

	if (s->k.live <= 0 || t >= SIM_HORIZON || !sim_queue_before(&s->q, t))
		return 0;
	s->now = t;
	s->events++;
	return 1;
}

/* --- sockets */

/* The page timeout (workload.timeout): a connection still open that long
 * after its socket was made fails with ETIMEDOUT, whatever it waits on. */
static inline void sock_event(struct sim_os *s, struct sim_sock *k, int64_t now);
static void wake(struct sim_sock *k, int64_t r);

void sim_ttl_fire(struct sim_sock *k, int64_t now)
{
	struct sim_os *s = sim_sock_os(k);

	if (k->flow)
		sim_net_close(&s->net, k->flow, now);
	k->flow = NULL;
	k->connected = 0;
	k->conn_err = ETIMEDOUT;
	wake(k, -ETIMEDOUT);
	sock_event(s, k, now);
}

static int64_t sim_socket(struct al_os *os, int nonblocking)
{
	struct sim_os *s = SIM(os);
	int fd;

	(void)nonblocking;
	sim_syscall(s);
	fd = sim_fd_alloc(s);
	if (fd >= 0 && os->sc->workload.timeout_ns > 0)
		sim_ttl_add(s, sim_sock_at(s, fd), sim_clock(s) + os->sc->workload.timeout_ns);
	return fd;
}

void sim_park(struct sim_sock *k, struct al_future *wait, char *buf, size_t cap)
{
	k->wait = wait;
	wait->parked = &k->wait;
	k->rbuf = buf;
	k->rcap = cap;
}

/* A read with nothing to read yet: a futile call, or a parked one. */
int64_t sim_would_block(struct sim_os *s, struct sim_sock *k, struct al_future *wait,
			   char *buf, size_t cap)
{
	if (!wait) {
		s->futile++;
		return -EAGAIN;
	}
	if (k->wait)
		return al_os_finish(wait, -EBUSY);
	sim_park(k, wait, buf, cap);
	sim_wait_on(s, k, sim_lane(s), AL_ST_RECV, 0);
	return 0;
}

static void wake(struct sim_sock *k, int64_t r)
{
	struct al_future *w = k->wait;

	k->wait = NULL;
	if (w) {
		sim_ready(k, AL_ST_RUNNABLE);   /* its thread wakes up */
		al_os_finish(w, r);
	}
}

/* The socket k, of machine s, changed state: a spinner or a selector may
 * care.  Inline, forced: every segment's delivery. */
static inline __attribute__((always_inline)) void sock_event(struct sim_os *s,
							     struct sim_sock *k, int64_t now)
{
	if (k->sel >= 0)
		sim_sel_changed(s, k);
	struct sim_spin *sp = k->pipe ? NULL : k->spin;
	if (sp && sp->wait && !sp->token)
		sim__spin_event(s, k, sp, now);
}

/* --- the network's hooks: they run from its own events */

/* What the network delivers to a socket: on the kernel-TCP path every
 * packet is the packet emulator's TUN write, which runs the receiving
 * TCP input in its context; where the emulator shares the model's cores,
 * the wake-up it makes runs the crawler on its CPU (sim_kernel.c). */
static struct sim_thread *delivering(struct sim_os *s)
{
	struct sim_thread *was = s->k.waker;

	s->k.waker = s->emu;
	return was;
}

void sim_os_connected(void *ctx, int err, int64_t now)
{
	struct sim_sock *k = ctx;
	struct sim_os *s = sim_sock_os(k);

	if (!err && sim_host_conn_held(s, k, now))
		return;
	/* a packet wakes it (the SYN-ACK, a refusal's RST), unless its own
	 * kernel gave up (SYN retries spent) or had no route */
	int pkt = err == 0 || err == ECONNREFUSED || err == ECONNRESET;
	struct sim_thread *was = pkt ? delivering(s) : s->k.waker;
	k->connected = !err;
	k->conn_err = (uint8_t)err;
	wake(k, err ? -err : 0);
	sock_event(s, k, now);
	s->k.waker = was;
}

/* buf and cap are copied before k->got overwrites a parked recv's.
 * Inline, forced: every recv of a segment. */
static inline __attribute__((always_inline)) int64_t net_recv(struct sim_os *s,
							      struct sim_sock *k,
							      char *buf, size_t cap)
{
	struct al_http_span body;
	int64_t r = sim_net_recv_body(k->flow, cap, &body);

	if (r == 0)
		r = sim_net_recv(&s->net, k->flow, buf, cap, &body);

	if (r < 0)
		return -errno;
	AL_ASSERT(r - body.len <= UINT8_MAX && body.page <= UINT32_MAX &&
		  body.off + body.len <= UINT32_MAX);
	k->got = (struct sim_got){
		.page = (uint32_t)body.page, .off = (uint32_t)body.off, .len = (uint32_t)body.len,
		.head = (uint8_t)(r - body.len), .corrupt = (uint8_t)body.corrupt,
	};
	return r;
}

/* The checker gets the header's bytes from buf and the body as the span
 * the recv kept: O(1) per recv, whatever the page's size. */
static int sim_feed(struct al_os *os, int fd, struct al_http_resp *resp, const void *buf,
		    size_t n)
{
	struct sim_sock *k = sim_sock_of(SIM(os), fd);

	if (!k || k->pipe || n == 0)
		return al_http_resp_feed(resp, buf, n);
	AL_ASSERT(n == (size_t)k->got.head + k->got.len);   /* recv's own count */
	/* no header bytes: feeding none changes nothing (most reads) */
	if (k->got.head && al_http_resp_feed_memo(&SIM(os)->head_memo, resp, buf, k->got.head) != 0)
		return -1;
	if (k->got.len == 0)
		return 0;
	struct al_http_span sp = {
		.page = k->got.page, .off = k->got.off, .len = k->got.len,
		.corrupt = k->got.corrupt,
	};
	return al_http_resp_feed_span(resp, &sp);
}

/* sim_os_readable with a recv parked on k (w): it takes what came.
 * Apart: its inline recv needs registers that the usual delivery, to a
 * selector, paid saves for at every segment. */
static __attribute__((noinline)) void readable_parked(struct sim_os *s, struct sim_sock *k,
						      struct al_future *w, int64_t now)
{
	struct sim_thread *was = delivering(s);
	int64_t r = net_recv(s, k, k->rbuf, k->rcap);

	if (r > 0)
		sim_host_recv(s, sim_kernel_thread_of(w->loop), r);
	if (r != -EAGAIN) {
		k->wait = NULL;
		al_os_finish(w, r);
	}
	sock_event(s, k, now);
	s->k.waker = was;
}

void sim_os_readable(void *ctx, int64_t now)
{
	struct sim_sock *k = ctx;
	struct sim_os *s = sim_sock_os(k);   /* once: a segment's every delivery */
	struct al_future *w = k->wait;

	if (sim_host_hold(s, k, now))
		return;
	if (w) {
		readable_parked(s, k, w, now);
		return;
	}
	struct sim_thread *was = delivering(s);
	sock_event(s, k, now);
	s->k.waker = was;
}

static const struct sim_net_hooks net_hooks = {
	.connected = sim_os_connected,
	.readable = sim_os_readable,
};

static int64_t sim_connect(struct al_os *os, int fd, int64_t page, struct al_future *wait)
{
	struct sim_os *s = SIM(os);
	struct sim_sock *k = sim_sock_of(s, fd);

	sim_syscall(s);
	if (!k || k->pipe)
		return al_os_finish(wait, -EBADF);
	if (k->connected)
		return al_os_finish(wait, -EISCONN);
	if (k->flow)
		return al_os_finish(wait, k->conn_err ? -(int)k->conn_err : -EALREADY);
	k->flow = sim_net_connect(&s->net, sim_clock(s), page, k);
	if (!k->flow)
		return al_os_finish(wait, -ENOMEM);
	sim_host_connect(s, k, page);
	uint32_t lane = sim_lane(s);
	if (!wait) {
		sim_state(s, lane, AL_ST_CONNECT, page + 1);   /* names the lane */
		s->futile++;
		return -EINPROGRESS;
	}
	sim_park(k, wait, NULL, 0);
	sim_wait_on(s, k, lane, AL_ST_CONNECT, page + 1);
	return 0;
}

static int64_t sim_send(struct al_os *os, int fd, const void *buf, size_t len,
			struct al_future *wait)
{
	struct sim_os *s = SIM(os);
	struct sim_sock *k = sim_sock_of(s, fd);

	sim_syscall(s);
	if (!k)
		return al_os_finish(wait, -EBADF);
	if (k->pipe)
		return k->pipe == 2 ? sim_pipe_write(s, k, buf, len, wait)
				    : al_os_finish(wait, -EBADF);
	/* reset while the host held its connect back (sim_host_conn_held):
	 * never connected, but the reset is what send meets (sim_net_send) */
	int reset = !k->connected && !k->conn_err && k->flow && sim_net_failed(k->flow);
	if (!k->connected && !reset) {
		if (k->flow && !k->conn_err && !wait) {   /* still connecting */
			s->futile++;
			return -EAGAIN;
		}
		return al_os_finish(wait, k->conn_err ? -(int)k->conn_err : -ENOTCONN);
	}
	if (sim_net_send(&s->net, k->flow, sim_clock(s), (int64_t)len) != 0)
		return al_os_finish(wait, -errno);
	const struct al_costs *c = &os->sc->machine.costs;
	sim_kernel_charge(&s->k, sim_host_tun_price(s, c->send_ns, c->tun_send_ns,
						    c->tun_send_busy_ns));
	sim_state(s, sim_lane(s), AL_ST_RUNNING, (int64_t)len);
	return al_os_finish(wait, (int64_t)len);
}

/* recv on k, fd's socket (sim_sock_of: NULL if none).  Inline, forced:
 * recv's and sel_del_recv's body. */
static inline __attribute__((always_inline)) int64_t recv_on(struct sim_os *s,
							     struct sim_sock *k, void *buf,
							     size_t cap,
							     struct al_future *wait)
{
	int64_t r;

	sim_syscall(s);
	if (!k)
		return al_os_finish(wait, -EBADF);
	if (k->pipe)
		return k->pipe == 1 ? sim_pipe_read(s, k, buf, cap, wait)
				    : al_os_finish(wait, -EBADF);
	if (k->conn_err)
		return al_os_finish(wait, -(int)k->conn_err);
	if (!k->flow)
		return al_os_finish(wait, -ENOTCONN);
	r = sim_held(s, k) ? -EAGAIN : net_recv(s, k, buf, cap);
	if (__builtin_expect(s->ff.sel >= 0, 0))
		sim_ff_recv(s, k, r, cap);
	if (r >= 0) {
		const struct al_task *t = sim_current_task(s);   /* once, for both */
		sim_running_as(s, t, r);
		if (r > 0) {
			sim_host_recv(s, NULL, r);
			sim_rewait_as(s, t, k);
		}
	}
	if (r != -EAGAIN)
		return al_os_finish(wait, r);
	return sim_would_block(s, k, wait, buf, cap);
}

static int64_t sim_recv(struct al_os *os, int fd, void *buf, size_t cap,
			struct al_future *wait)
{
	struct sim_os *s = SIM(os);

	return recv_on(s, sim_sock_of(s, fd), buf, cap, wait);
}

/* The two calls in one: the socket found once, one call from the model. */
static int64_t sim_sel_del_recv(struct al_os *os, int sel, int fd, void *buf, size_t cap)
{
	struct sim_os *s = SIM(os);
	struct sim_sock *k = sim_sock_of(s, fd);

	sim_sel_del(s, sel, fd, k);
	return recv_on(s, k, buf, cap, NULL);
}

int64_t sim_os_take(struct sim_os *s, struct sim_sock *k, int64_t len)
{
	return net_recv(s, k, NULL, (size_t)len);
}

static int64_t sim_close(struct al_os *os, int fd)
{
	struct sim_os *s = SIM(os);
	struct sim_sock *k = sim_sock_of(s, fd);

	sim_syscall(s);
	if (!k)
		return -EBADF;
	if (k->pipe && sim_pipe_close(s, k))
		return 0;                /* another process still holds it */
	sim_sel_forget(s, fd);
	sim_host_close(s, k);
	/* The network's own clock only moves forward: it learns of the close
	 * at the engine's time, which a burst's clock may be ahead of. */
	if (k->flow)
		sim_net_close(&s->net, k->flow, s->now);
	k->flow = NULL;
	sim_ttl_drop(s, k);
	if (!k->pipe && k->spin)
		sim_queue_cancel(&s->q, k->spin->token);
	if (s->gates) {
		struct sim_gate *g = sim_gate_of(s, k);
		sim_queue_cancel(&s->q, g->token);
		g->token = 0;
	}
	wake(k, -ECONNABORTED);
	if (!k->pipe && k->spin) {
		struct al_future *w = k->spin->wait;
		k->spin->wait = NULL;
		if (w)
			al_os_finish(w, -ECONNABORTED);
		free(k->spin);
		k->spin = NULL;
	}
	k->used = 0;
	if (fd < s->fd_low)
		s->fd_low = fd;
	s->open--;
	sim_kernel_mem(&s->k, -os->sc->machine.costs.socket_memory);
	al_trace_counter(os->trace, sim_clock(s), AL_CTR_SOCKETS, s->open);
	return 0;
}

/* --- threads and processes (pipes and locks: sim_ipc.c) */

static int64_t sim_spawn(struct al_os *os, enum al_spawn_kind kind, struct al_task *task,
			 al_coro_fn fn, void *frame, const char *name)
{
	struct sim_os *s = SIM(os);
	struct sim_thread *parent = s->k.current;
	struct sim_thread *th;

	sim_syscall(s);
	th = sim_kernel_thread(&s->k, kind == AL_SPAWN_PROCESS || !parent ? -1
					: (int)parent->pid, name);
	if (!th)
		return -errno;
	if (kind == AL_SPAWN_PROCESS)
		sim_pipe_fork(s);
	al_task_start(task, &th->loop, fn, frame, name);
	return th->id;
}

static int64_t sim_join(struct al_os *os, int64_t id, struct al_future *wait)
{
	struct sim_os *s = SIM(os);
	int r;

	sim_syscall(s);
	r = sim_kernel_join(&s->k, id, wait);
	if (r < 0)
		return al_os_finish(wait, r);
	if (wait && !al_future_done(wait))
		sim_state(s, sim_lane(s), AL_ST_WAIT, 0);   /* the joiner waits */
	return 0;
}


static const struct al_os_ops sim_ops = {
	.name = "sim",
	.caps = AL_OS_CAP_RING | AL_OS_CAP_ONE_HOST_THREAD,
	.now = sim_now,
	.timer_start = sim_timer_start,
	.timer_cancel = sim_timer_cancel,
	.wait = sim_wait,
	.socket = sim_socket,
	.connect = sim_connect,
	.send = sim_send,
	.recv = sim_recv,
	.close = sim_close,
	.sel_open = sim_sel_open,
	.sel_ctl = sim_sel_ctl,
	.sel_wait = sim_sel_wait,
	.sel_close = sim_sel_close,
	.sel_repeat = sim_sel_repeat,
	.sel_del_recv = sim_sel_del_recv,
	.spawn = sim_spawn,
	.join = sim_join,
	.pipe = sim_pipe,
	.lock_open = sim_lock_open,
	.lock = sim_lock,
	.unlock = sim_unlock,
	.post_arm = sim_post_arm,
	.post = sim_post,
	.ring_open = sim_ring_open,
	.ring_queue = sim_ring_queue,
	.ring_enter = sim_ring_enter,
	.ring_close = sim_ring_close,
};

static const struct al_os_hooks sim_hooks = {
	.task_end = sim_task_end,
	.mark = sim_mark,
	.feed = sim_feed,
};

int sim_os_init(struct sim_os *s, const struct al_scenario *sc, struct al_loop *loop,
		struct al_trace *trace)
{
	memset(s, 0, sizeof *s);
	if (sim_queue_init(&s->q) != 0)
		return -1;
	s->q.shared = &s->sock_mem;
	s->nsocks = sc->machine.fd_limit;
	s->fd_low = 3;
	s->ttl_head = s->ttl_tail = -1;
	s->socks = calloc((size_t)sim_os_slabs(s), sizeof *s->socks);
	if (!s->socks) {
		sim_queue_free(&s->q);
		errno = ENOMEM;
		return -1;
	}
	if (sim_kernel_init(&s->k, sc, &s->q, &s->now, trace) != 0) {
		free(s->socks);
		sim_queue_free(&s->q);
		al_arena_free(&s->sock_mem);
		return -1;
	}
	if (sim_net_init(&s->net, sc, &s->q, &net_hooks) != 0) {
		sim_kernel_free(&s->k);
		free(s->socks);
		sim_queue_free(&s->q);
		al_arena_free(&s->sock_mem);
		return -1;
	}
	s->net.shared = &s->sock_mem;
	sim_net_set_clock(&s->net, sim_advance, s);
	s->os = (struct al_os){
		.ops = &sim_ops, .acct = &sim_os_acct, .hooks = &sim_hooks,
		.loop = loop, .trace = trace, .sc = sc, .impl = s,
	};
	s->k.os = &s->os;
	s->ff.sel = -1;
	if (loop)
		loop->os = &s->os;
	if (sim_host_init(s) != 0) {
		sim_os_free(s);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void sim_os_free(struct sim_os *s)
{
	sim_ff_free(s);
	for (int i = 0; s->gates && i < s->nslabs; i++)
		free(s->gates[i]);
	free(s->gates);
	sim_host_free(s);
	sim_ring_free_all(s);
	free(s->sels);
	free(s->pipe_ends);
	/* pipes still open at the end */
	for (int fd = 0; s->socks && fd < s->fd_high; fd++) {
		struct sim_sock *k = sim_sock_at(s, fd);
		if (k->pipe && k->pe) {
			sim_pipe_end_free(k->pe);
		} else if (!k->pipe) {
			free(k->spin);
		}
	}
	for (int64_t i = 0; i < s->nlocks; i++)
		free(s->locks[i].w);
	free(s->locks);
	sim_kernel_free(&s->k);
	free(s->socks);
	sim_net_free(&s->net);
	sim_queue_free(&s->q);
	al_arena_free(&s->sock_mem);         /* the sockets', flows' and blocks' slabs:
					      * last, sim_net_free reads its flows */
}
