/* What net_os.c and net_sel.c share: per-fd state and the helpers every
 * real call goes through.  Not for other modules. */
#ifndef NET_OS_INT_H
#define NET_OS_INT_H

#include <stdint.h>

#include "core/al_trace.h"
#include "net/net_os.h"

struct event;

/* Per fd; all zero is an fd nobody registered.  A socket's entry is reset
 * when socket() returns it, so a reused fd starts clean whichever thread
 * closed it before. */
struct net_fd {
	int64_t deadline;            /* the page timeout, ns of now(); 0: none */
	struct event *ev;            /* its selector registration, made once */
	void *data;                  /* what it was registered with */
	int sel;                     /* the selector + 1; 0: none */
	unsigned want;               /* AL_EV_* registered */
	unsigned got;                /* AL_EV_* seen ready, not yet reported */
	uint32_t lane;               /* the task lane waiting on it (traced) until
	                                it is marked ready; 0: none, or the loop's
	                                own registration */
	struct al_fdq_link ready;    /* in its selector's ready FIFO */
	uint8_t expired;             /* the page timeout passed */
	uint8_t sock;                /* a socket (counted open) */
	uint8_t connected;           /* connect succeeded or a send did */
};

#define NET(os) ((struct net_os *)(os)->impl)

static inline struct net_fd *net_fd_of(struct net_os *n, int fd)
{
	return fd >= 0 && fd < n->nfd ? &n->fds[fd] : NULL;
}

static inline void net_count(int64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* Counts one syscall whose result is r (-1 + errno on failure); returns r
 * or -errno. */
int64_t net_sys(struct net_os *n, int64_t r);
int64_t net_now(struct al_os *os);
/* The calling thread, and its event_base (made on first use, with the
 * poller asked for; NULL and errno if it cannot be). */
struct net_thread *net_me(struct net_os *n);
struct event_base *net_base(struct net_thread *t, int poller);

/* The trace: the calling task blocks in a call (its lane in st, its
 * thread's WAIT, or SPIN for a spin), or runs again (bytes: what the call
 * moved).  Nothing when not recording. */
void net_trace_block(struct net_os *n, enum al_state st);
void net_trace_run(struct net_os *n, int64_t bytes);
/* The calling task's lane, made on first use; 0 when not recording. */
uint32_t net_task_lane(struct net_os *n);
/* The task running on the calling thread, or NULL. */
struct al_task *net_task(struct net_os *n);
void net_running(struct net_os *n, int64_t bytes);

/* The calling thread is t from now on (a spawned thread or process). */
void net_set_current(struct net_thread *t);
/* Sockets open changed by delta (the trace's counter). */
void net_count_open(struct net_os *n, int delta);
void net_task_end(struct al_os *os, struct al_task *t);
void net_mark(struct al_os *os, const char *what, int64_t value);

/* net_proc.c: the ops of threads, processes, pipes and locks, and what
 * net_os_free needs of them. */
int64_t net_spawn(struct al_os *os, enum al_spawn_kind kind, struct al_task *task,
		  al_coro_fn fn, void *frame, const char *name);
int64_t net_join(struct al_os *os, int64_t id, struct al_future *wait);
int64_t net_pipe(struct al_os *os, int fds[2]);
int64_t net_lock_open(struct al_os *os);
int64_t net_lock(struct al_os *os, int64_t lk, struct al_future *wait);
int64_t net_unlock(struct al_os *os, int64_t lk);
int64_t net_post_arm(struct al_os *os, struct al_post *p, struct al_loop *loop);
/* t's mailbox for posts (its eventfd, watched by its base), made now if
 * it is not yet: 0 or -errno. */
int net_post_mailbox(struct net_thread *t);
int64_t net_post(struct al_os *os, struct al_post *p, int64_t value, int err);
void net_thread_end(struct net_thread *t);
void net_reap(struct net_os *n, struct net_thread *t);

/* net_ring.c: io_uring through liburing, and what net_os_free needs. */
int64_t net_ring_open(struct al_os *os, int entries);
int64_t net_ring_queue(struct al_os *os, int ring, const struct al_ring_op *op);
int64_t net_ring_enter(struct al_os *os, int ring, struct al_ring_cqe *out, int max,
		       struct al_future *wait);
int64_t net_ring_close(struct al_os *os, int ring);
void net_ring_free_all(struct net_os *n);
/* fd connects from page's port (net/net_emu_flow.h): 1 if bound, 0 if
 * the port is taken (the kernel chooses one then, as unbound). */
int net_bind_page_port(int fd, int64_t page);
/* A bound fd whose 4-tuple is still in TIME_WAIT (a page an earlier model
 * fetched closed first) cannot connect (EADDRNOTAVAIL), nor be unbound: a
 * fresh socket takes its number.  0, or -1 with errno. */
int net_fresh_socket(int fd);

int64_t net_sel_open(struct al_os *os, enum al_poller kind);
int64_t net_sel_ctl(struct al_os *os, int sel, int fd, unsigned events, void *data);
int64_t net_sel_wait(struct al_os *os, int sel, struct al_sel_event *out, int max,
		     struct al_future *wait);
int64_t net_sel_close(struct al_os *os, int sel);
/* fd is being closed: out of its selector, its event freed. */
void net_sel_forget(struct net_os *n, int fd);
/* After a pass of t's event_base: completes the selector waits parked on
 * t that have something to report. */
void net_sel_after_pass(struct net_os *n, struct net_thread *t);

#endif
