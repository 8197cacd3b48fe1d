/* The `os`: the machine that models program against, one ops table per
 * backend (sim/sim_os.c, net/net_os.c), chosen at run time.
 *
 * Calls that can block take `struct al_future *wait`:
 *   - wait == NULL: the non-blocking flavour.  The call returns at once with
 *     a result >= 0, or -EAGAIN / -EINPROGRESS (a "futile" syscall), or
 *     another -errno.
 *   - wait != NULL: the blocking flavour.  The call returns 0 and the result
 *     arrives in *wait (value >= 0, or err).  In sim, awaiting it blocks the
 *     simulated thread; in real, the real thread blocks inside the call and
 *     *wait is already done when it returns (but for join of a thread:
 *     its end is posted to the joiner's loop, al_post).  Validation errors (a bad fd)
 *     come back through *wait too, so model code has one error path.
 *
 * Every call is a syscall for the counters; in sim its CPU cost is charged
 * to the calling thread, which pays it before its next await completes.
 * Results that are counts of bytes or ids are int64_t; errors are -errno. */
#ifndef AL_OS_H
#define AL_OS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/al_future.h"
#include "core/al_http.h"
#include "core/al_scenario.h"
#include "core/al_task.h"

struct al_os;
struct al_trace;

enum { AL_EV_READ = 1, AL_EV_WRITE = 2 };
enum al_spawn_kind { AL_SPAWN_THREAD, AL_SPAWN_PROCESS };

struct al_sel_event {
	int fd;
	unsigned events;             /* AL_EV_READ | AL_EV_WRITE */
	void *data;                  /* what was registered with the fd */
};

/* sel_repeat's: fd, registered with data, got n more bytes. */
typedef int (*al_sel_feed_fn)(void *arg, void *data, int fd, size_t n);

/* Completion-based I/O (io_uring): an operation is queued in user space,
 * no syscall; one ring_enter submits every queued operation at once and
 * reaps their completions.  Each completion gives back the op's `data`
 * and its result: a count of bytes (send, recv: 0 at end of stream), 0
 * (connect, close), or -errno.  The page timeout applies to connect,
 * send and recv as to their blocking flavours (-ETIMEDOUT). */
enum al_ring_code { AL_RING_CONNECT, AL_RING_SEND, AL_RING_RECV, AL_RING_CLOSE };

struct al_ring_op {
	int code;                    /* enum al_ring_code */
	int fd;
	int64_t page;                /* connect: the page whose server it is */
	void *buf;                   /* send: the bytes; recv: where they go */
	size_t len;                  /* send: how many; recv: at most */
	void *data;                  /* given back by the completion, not NULL */
};

struct al_ring_cqe {
	void *data;
	int64_t res;                 /* >= 0, or -errno */
};

/* A completion handed from one thread to another's loop, as libuv's
 * uv_async_send hands work back to its loop: the receiving thread arms
 * it (al_post_arm), any thread posts it once (al_post), and `done`
 * completes with the posted result on the receiver's loop, on the
 * receiver's own thread -- so a pool's worker can hand a result to a
 * thread that waits on other things at the same time. */
struct al_post {
	struct al_future done;       /* what the receiver awaits */
	int64_t value;               /* as posted, for done */
	int err;
	struct al_post *next;        /* the backend's: its mailbox */
	void *owner;                 /* the backend's: the receiving thread */
};

/* What an os can do beyond the system calls every backend has
 * (al_os_ops.caps). */
enum {
	/* ring_open .. ring_close are there (io_uring) */
	AL_OS_CAP_RING = 1u << 0,
	/* Every task, of every simulated thread and process, runs on the one
	 * host thread that calls wait(), and the host's own limits (its
	 * mappings, its memory) must not show in the results: the simulator.
	 * Without it each spawned thread is a real one. */
	AL_OS_CAP_ONE_HOST_THREAD = 1u << 1,
};

/* The system calls: what a program asks of its kernel.  Every backend
 * fills every slot, except the ring's four where caps lacks AL_OS_CAP_RING,
 * sel_repeat, which may be NULL (no turns are ever run at once), and
 * sel_del_recv (NULL: its two calls).
 * Models call them through the al_* wrappers below, never by hand. */
struct al_os_ops {
	const char *name;            /* "sim", "real" */
	unsigned caps;               /* AL_OS_CAP_* */

	/* --- clock, timers, and the loop's wait for external events */
	int64_t (*now)(struct al_os *os);                       /* ns */
	void (*timer_start)(struct al_os *os, struct al_timer *tm);
	void (*timer_cancel)(struct al_os *os, struct al_timer *tm);
	/* Processes external events until at least one callback is ready.
	 * Returns 1 if it made progress, 0 if nothing is pending anywhere. */
	int (*wait)(struct al_os *os);

	/* --- sockets: page `page` of the workload is the peer's address */
	int64_t (*socket)(struct al_os *os, int nonblocking);  /* fd or -EMFILE/-ENOMEM */
	int64_t (*connect)(struct al_os *os, int fd, int64_t page, struct al_future *wait);
	int64_t (*send)(struct al_os *os, int fd, const void *buf, size_t len,
			struct al_future *wait);
	/* At most cap bytes (the article reads 4096); 0 at end of stream. */
	int64_t (*recv)(struct al_os *os, int fd, void *buf, size_t cap,
			struct al_future *wait);
	int64_t (*close)(struct al_os *os, int fd);

	/* --- selector (select / poll / epoll, as the scenario names) */
	int64_t (*sel_open)(struct al_os *os, enum al_poller kind);
	/* events == 0 unregisters.  -EBADF, -EINVAL (select: fd >= FD_SETSIZE). */
	int64_t (*sel_ctl)(struct al_os *os, int sel, int fd, unsigned events, void *data);
	/* Waits for ready fds; value = how many were written to out. */
	int64_t (*sel_wait)(struct al_os *os, int sel, struct al_sel_event *out, int max,
			    struct al_future *wait);
	int64_t (*sel_close)(struct al_os *os, int sel);
	/* The loop is starting a turn.  If the turns since the last pass
	 * of the kernel (the last wait that made a call) will repeat
	 * exactly -- each fd that pass reported read for a full chunk of its
	 * response's body and registered for reading again, nothing else
	 * done -- a backend may run some repeats at once: it charges them
	 * as they would have been, takes their bytes from each fd's response
	 * and calls feed(arg, the fd's registered data, fd, those bytes) for
	 * each (the model feeds them to the fd's page as from one recv; 0,
	 * or -1: a bug), and returns how many bytes each got; else 0.
	 * Optional: NULL (the real backend) runs every turn. */
	int64_t (*sel_repeat)(struct al_os *os, int sel, al_sel_feed_fn feed, void *arg);
	/* An event loop's reader, its fd ready: sel_ctl(sel, fd, 0, NULL),
	 * then recv(fd, buf, cap, NULL), in one call -- the same two
	 * syscalls, with their costs, counts and effects, as the two calls
	 * make; recv's result (the unregistration's is dropped, as the
	 * reader drops it).  Optional: NULL makes the two calls. */
	int64_t (*sel_del_recv)(struct al_os *os, int sel, int fd, void *buf, size_t cap);

	/* --- threads and processes: run fn(frame) as a new task in a new
	 * thread / process; id or -EAGAIN / -ENOMEM. */
	int64_t (*spawn)(struct al_os *os, enum al_spawn_kind kind, struct al_task *task,
			 al_coro_fn fn, void *frame, const char *name);
	/* Waits for a spawned thread or process to end: value 0, or for a
	 * process that died (killed, or an exit status other than 0) its
	 * wait(2) status. */
	int64_t (*join)(struct al_os *os, int64_t id, struct al_future *wait);
	int64_t (*pipe)(struct al_os *os, int fds[2]);
	/* A mutex shared by the threads of one process (the thread model's
	 * locked queue): lock_open gives its id. */
	int64_t (*lock_open)(struct al_os *os);
	int64_t (*lock)(struct al_os *os, int64_t lk, struct al_future *wait);
	int64_t (*unlock)(struct al_os *os, int64_t lk);
	/* Completions between threads (struct al_post).  post_arm, on the
	 * receiving thread: p->done is initialised on loop, which waits for
	 * it from now on; 0, or -errno (ENOMEM, EMFILE: the real backend's
	 * eventfd).  post, on any thread, once per arm: p->done completes
	 * with value and err on the receiver's loop; 0, or -EINVAL (not
	 * armed).  Thread-safe on the real backend (a lock-free mailbox and
	 * an eventfd the receiver's selector watches); on the simulator the
	 * poster pays a syscall and the receiver wakes as from a futex, at
	 * the same instant on every run. */
	int64_t (*post_arm)(struct al_os *os, struct al_post *p, struct al_loop *loop);
	int64_t (*post)(struct al_os *os, struct al_post *p, int64_t value, int err);

	/* --- completion-based I/O: only with AL_OS_CAP_RING.  ring_open: a
	 * ring for `entries` operations in flight at once; its id, or -errno
	 * where io_uring is refused (ENOSYS: not in this kernel; EPERM:
	 * forbidden, a seccomp filter or kernel.io_uring_disabled;
	 * EOPNOTSUPP: an op above is not supported; ENOMEM, EMFILE).  Never a
	 * silent fallback. */
	int64_t (*ring_open)(struct al_os *os, int entries);
	/* Queues op (copied): no syscall, unless the real ring's SQ is
	 * full and it submits what is queued first.  0, or -EBADF (no such
	 * ring), -EINVAL (a bad code, data NULL), -ENOMEM; on the real ring
	 * also that submit's -errno (io_uring_enter's: -EAGAIN, -EBUSY ...)
	 * and -EBUSY when the kernel took too few to make room (an enter
	 * submits the rest; queue again after it). */
	int64_t (*ring_queue)(struct al_os *os, int ring, const struct al_ring_op *op);
	/* One io_uring_enter: submits every queued op, then waits until at
	 * least one completion is there (without blocking when wait is NULL)
	 * and takes up to max of them into out; value = how many.  -ENOENT:
	 * nothing queued nor in flight (it would wait forever); -EBADF;
	 * -EINVAL: max <= 0, or (the simulator's) an enter while another
	 * one on this ring waits; the real ring's io_uring_enter -errno when
	 * no completion was there to take. */
	int64_t (*ring_enter)(struct al_os *os, int ring, struct al_ring_cqe *out, int max,
			      struct al_future *wait);
	/* Closes the ring; ops still in flight are cancelled, their
	 * completions dropped. */
	int64_t (*ring_close)(struct al_os *os, int ring);
};

/* What the program costs the machine, beyond its calls: time on a core
 * and memory.  The simulator charges them to its virtual machine; the real
 * backend mostly lets the real machine pay (its cpu burns nothing, its mem
 * counts nothing).  Every slot filled. */
struct al_os_acct {
	/* CPU work (ns of this machine's time).  With wait == NULL it is done
	 * now, inside the current step (a callback parsing a page); with a
	 * future, the thread runs it as CPU-bound work, preemptible by time
	 * slices and the GIL. */
	int64_t (*cpu)(struct al_os *os, int64_t ns, struct al_future *wait);
	/* Busy-polls fd with non-blocking calls until `events` is ready, as the
	 * article's 3.4 loop does; value = the number of futile calls made.  The
	 * sim may advance a long spin analytically. */
	int64_t (*spin)(struct al_os *os, int fd, unsigned events, struct al_future *wait);
	/* Charges delta bytes (may be negative); -ENOMEM past the limit. */
	int64_t (*mem)(struct al_os *os, int64_t delta);
};

/* Hooks for the trace and the checks: none is a system call, any may be
 * NULL (nothing to do), and the table itself may be NULL. */
struct al_os_hooks {
	/* Task t, which has a trace lane, has finished: its lane ends. */
	void (*task_end)(struct al_os *os, struct al_task *t);
	/* A point on the calling task's lane: what happened (a string that
	 * lives as long as the program: a page's failure cause) and a value
	 * (the page). */
	void (*mark)(struct al_os *os, const char *what, int64_t value);
	/* Feeds resp what the last recv on fd returned: n bytes in buf.  NULL:
	 * buf holds them all (al_http_resp_feed).  The simulator's recv
	 * writes only a response's header bytes in buf and keeps the body's
	 * as a span (al_http_resp_feed_span): called before the next recv on
	 * fd, with recv's count.  Returns 0, or -1 with errno EBADMSG. */
	int (*feed)(struct al_os *os, int fd, struct al_http_resp *resp, const void *buf,
		    size_t n);
};

/* The part of every backend that models may read. */
struct al_os {
	const struct al_os_ops *ops;
	const struct al_os_acct *acct;
	const struct al_os_hooks *hooks;   /* NULL: none */
	struct al_loop *loop;
	struct al_trace *trace;      /* NULL: not recording */
	const struct al_scenario *sc;
	void *impl;                  /* the backend's own state */
};

/* The wrappers models call: each is its slot above, with that contract. */
static inline int al_os_has(const struct al_os *os, unsigned cap)
{
	return (os->ops->caps & cap) == cap;
}

static inline int64_t al_now(struct al_os *os)
{
	return os->ops->now(os);
}

static inline int64_t al_socket(struct al_os *os, int nonblocking)
{
	return os->ops->socket(os, nonblocking);
}

static inline int64_t al_connect(struct al_os *os, int fd, int64_t page,
				 struct al_future *wait)
{
	return os->ops->connect(os, fd, page, wait);
}

static inline int64_t al_send(struct al_os *os, int fd, const void *buf, size_t len,
			      struct al_future *wait)
{
	return os->ops->send(os, fd, buf, len, wait);
}

static inline int64_t al_recv(struct al_os *os, int fd, void *buf, size_t cap,
			      struct al_future *wait)
{
	return os->ops->recv(os, fd, buf, cap, wait);
}

static inline int64_t al_close(struct al_os *os, int fd)
{
	return os->ops->close(os, fd);
}

static inline int64_t al_sel_open(struct al_os *os, enum al_poller kind)
{
	return os->ops->sel_open(os, kind);
}

static inline int64_t al_sel_ctl(struct al_os *os, int sel, int fd, unsigned events,
				 void *data)
{
	return os->ops->sel_ctl(os, sel, fd, events, data);
}

static inline int64_t al_sel_wait(struct al_os *os, int sel, struct al_sel_event *out,
				  int max, struct al_future *wait)
{
	return os->ops->sel_wait(os, sel, out, max, wait);
}

static inline int64_t al_sel_close(struct al_os *os, int sel)
{
	return os->ops->sel_close(os, sel);
}

static inline int64_t al_sel_repeat(struct al_os *os, int sel, al_sel_feed_fn feed, void *arg)
{
	return os->ops->sel_repeat ? os->ops->sel_repeat(os, sel, feed, arg) : 0;
}

static inline int64_t al_sel_del_recv(struct al_os *os, int sel, int fd, void *buf,
				      size_t cap)
{
	if (os->ops->sel_del_recv)
		return os->ops->sel_del_recv(os, sel, fd, buf, cap);
	al_sel_ctl(os, sel, fd, 0, NULL);
	return al_recv(os, fd, buf, cap, NULL);
}

static inline int64_t al_spawn(struct al_os *os, enum al_spawn_kind kind,
			       struct al_task *task, al_coro_fn fn, void *frame,
			       const char *name)
{
	return os->ops->spawn(os, kind, task, fn, frame, name);
}

/* join(2)'s slot (al_join is the scenario loader's string join). */
static inline int64_t al_spawn_join(struct al_os *os, int64_t id, struct al_future *wait)
{
	return os->ops->join(os, id, wait);
}

static inline int64_t al_pipe(struct al_os *os, int fds[2])
{
	return os->ops->pipe(os, fds);
}

static inline int64_t al_lock_open(struct al_os *os)
{
	return os->ops->lock_open(os);
}

static inline int64_t al_lock(struct al_os *os, int64_t lk, struct al_future *wait)
{
	return os->ops->lock(os, lk, wait);
}

static inline int64_t al_unlock(struct al_os *os, int64_t lk)
{
	return os->ops->unlock(os, lk);
}

static inline int64_t al_post_arm(struct al_os *os, struct al_post *p, struct al_loop *loop)
{
	return os->ops->post_arm(os, p, loop);
}

static inline int64_t al_post(struct al_os *os, struct al_post *p, int64_t value, int err)
{
	return os->ops->post(os, p, value, err);
}

/* -ENOSYS where the backend has no ring (no AL_OS_CAP_RING). */
static inline int64_t al_ring_open(struct al_os *os, int entries)
{
	return al_os_has(os, AL_OS_CAP_RING) ? os->ops->ring_open(os, entries) : -ENOSYS;
}

static inline int64_t al_ring_queue(struct al_os *os, int ring, const struct al_ring_op *op)
{
	return os->ops->ring_queue(os, ring, op);
}

static inline int64_t al_ring_enter(struct al_os *os, int ring, struct al_ring_cqe *out,
				    int max, struct al_future *wait)
{
	return os->ops->ring_enter(os, ring, out, max, wait);
}

static inline int64_t al_ring_close(struct al_os *os, int ring)
{
	return os->ops->ring_close(os, ring);
}

static inline int64_t al_cpu(struct al_os *os, int64_t ns, struct al_future *wait)
{
	return os->acct->cpu(os, ns, wait);
}

static inline int64_t al_spin(struct al_os *os, int fd, unsigned events,
			      struct al_future *wait)
{
	return os->acct->spin(os, fd, events, wait);
}

static inline int64_t al_mem(struct al_os *os, int64_t delta)
{
	return os->acct->mem(os, delta);
}

/* The hooks: nothing where the backend has none. */
static inline void al_os_task_end(struct al_os *os, struct al_task *t)
{
	if (os->hooks && os->hooks->task_end)
		os->hooks->task_end(os, t);
}

static inline void al_os_mark(struct al_os *os, const char *what, int64_t value)
{
	if (os->hooks && os->hooks->mark)
		os->hooks->mark(os, what, value);
}

/* For backends: a call's result r (>= 0, or -errno) as the caller asked
 * for it -- through wait when given (set now: value r, or err -r; 0 is
 * returned), else returned. */
static inline int64_t al_os_finish(struct al_future *wait, int64_t r)
{
	if (!wait)
		return r;
	al_future_set(wait, r < 0 ? 0 : r, r < 0 ? (int)-r : 0);
	return 0;
}

/* Starts a blocking call and awaits it, inside coroutine frame f of task
 * t: future w is initialised on t's loop, fn(args..., w) is called (every
 * call that can block takes its future last), and t suspends until w is
 * done; then t->value and t->err hold the result.  One await: the line
 * rules of AL_AWAIT apply.  AL_AWAIT_CALL(t, f, &f->io, al_recv, os, fd,
 * buf, cap) is recv(2) as a blocking program writes it. */
#define AL_AWAIT_CALL(t, f, w, fn, ...) do { \
	al_future_init((w), (t)->fut.loop); \
	(void)fn(__VA_ARGS__, (w)); \
	AL_AWAIT(t, f, w); } while (0)

/* What a model does with the n bytes recv(fd, buf) returned: resp checks
 * them, whichever backend delivered them.  0, or -1 with errno EBADMSG. */
static inline int al_os_feed(struct al_os *os, int fd, struct al_http_resp *resp,
			     const void *buf, size_t n)
{
	return os->hooks && os->hooks->feed ? os->hooks->feed(os, fd, resp, buf, n)
					    : al_http_resp_feed(resp, buf, n);
}

#endif
