/* The simulated machine behind the `os` ops table: a virtual clock driven
 * by the event queue, a socket table over the simulated network, the
 * kernel's threads and costs, selectors, pipes and locks
 * (docs/simulator.md). */
#ifndef SIM_OS_H
#define SIM_OS_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_dist.h"
#include "core/al_fdq.h"
#include "core/al_loop.h"
#include "core/al_mem.h"
#include "core/al_os.h"
#include "core/al_trace.h"
#include "sim/sim_ff.h"
#include "sim/sim_host.h"
#include "sim/sim_kernel.h"
#include "sim/sim_net.h"
#include "sim/sim_queue.h"

struct sim_os;
struct sim_ring;

/* One per fd, so ten million of them at C10M: fields are ordered to
 * leave no holes, what only pipes need is apart (sim_pipe_end), and the
 * machine it belongs to is its slab's (sim_sock_os), not a pointer each. */
struct sim_sock {
	unsigned used : 1, connected : 1;
	unsigned pipe : 2;           /* 0: a socket; 1: a pipe's read end; 2: write end */
	unsigned conn_err : 8;       /* why the connection failed (an errno), or 0 */
	unsigned sel_events : 2;     /* AL_EV_READ | AL_EV_WRITE, watched by sel */
	signed sel : 18;             /* the selector watching it, or -1 (the
				      * selectors are fewer: SIM_SEL_MAX) */
	int fd;                      /* its descriptor */
	int64_t ttl_at;              /* the page timeout: when (0: none) */
	int ttl_prev, ttl_next;      /* in the timeout list, by fd (-1 ends) */
	struct sim_flow *flow;       /* the connection in the network, or NULL */
	struct al_future *wait;      /* parked blocking call */
	union {                      /* cold, and never both: a pipe never spins
				      * (a spin needs a connection) */
		struct sim_spin *spin;       /* a socket's busy-polls: made by
					      * the first, or NULL */
		struct sim_pipe_end *pe;     /* a pipe end's state (pipe != 0) */
	};
	int64_t lane_at;             /* since when `lane` waits, on its thread's clock */
	union {
		struct {             /* a parked recv's buffer */
			char *rbuf;
			size_t rcap;
		};
		/* What the last recv returned, until the model feeds it
		 * (al_os_feed): `head` header bytes in its buffer, then `len`
		 * body bytes from `off` of page `page` (< 2^32: the scenario's
		 * limits), corrupt or not.  A recv that parks has been fed. */
		struct sim_got {
			uint32_t page, off, len;
			uint8_t head, corrupt;
		} got;
	};
	void *sel_data;
	struct al_fdq_link ready;    /* in its selector's ready FIFO, by fd */
	uint32_t lane;               /* the task waiting on it (parked, or in a
					selector), until its news arrives: 0 none */
};

/* A socket's busy-poll (the nonblocking model's), apart from it: kept
 * from its first spin to its close. */
struct sim_spin {
	struct al_future *wait;      /* parked busy-poll, or NULL */
	uint64_t token;              /* its completion event */
	int64_t start;
	int64_t futile;              /* the futile tries it made */
	unsigned events;
};

/* A pipe's capacity, as Linux's default: 16 buffers of a 4 KiB page each
 * (64 KiB).  A write of up to a page goes whole into one buffer: appended
 * to the last one where it fits, else into a new one; with all 16 taken,
 * the writer blocks (sim_ipc.c says how it wakes). */
#define SIM_PIPE_BUFS 16
#define SIM_PIPE_PAGE 4096

/* A writer blocked on a full pipe: what it has still to write.  Its own
 * allocation, since a woken one's callback waits in its thread's loop. */
struct sim_pipe_writer {
	struct al_cb cb;             /* its retry, on its thread, once woken */
	struct al_future *wait;      /* NULL once it gave up */
	struct sim_os *s;
	int rfd;                     /* the pipe's read end, -1 once closed:
				      * the write holds the pipe, not its own
				      * fd, which may be closed and reused */
	const char *buf;
	size_t len, done;
	struct sim_pipe_writer *next;  /* in the FIFO of blocked writers */
	struct sim_pipe_writer *anext, **aprev;  /* every one not yet done */
};

/* A pipe end, apart from its socket: pipes are few, sockets millions.
 * The read end holds what is in the pipe: the bytes, the buffers they
 * fill (their lengths, oldest first) and the writers blocked, in FIFO. */
struct sim_pipe_end {
	int peer;                    /* the other end, -1 once closed */
	int refs;                    /* the processes holding it */
	char *pbuf;                  /* read end: bytes written, not yet read */
	size_t plen, poff, pcap;
	uint16_t bufs[SIM_PIPE_BUFS];  /* each buffer's bytes, from bhead */
	int bhead, nbufs;
	struct sim_pipe_writer *wq, **wq_tail;  /* blocked, not yet woken */
	struct sim_pipe_writer *all;            /* blocked or woken */
};

/* A selector (select / poll / epoll): registrations live in the sockets;
 * fds that became ready wait in a FIFO, level-triggered: they stay there
 * while ready and registered.  The FIFO's front, as far as pass_end, is
 * what the last pass of the kernel reported and the loop has not taken
 * yet (sim_sel.c). */
struct sim_sel {
	enum al_poller kind;
	int used;
	int64_t nfds;                /* registered */
	int maxfd;                   /* highest registered fd, -1 if none */
	struct al_fdq ready;         /* ready fds */
	int pass_end;                /* the last fd the last pass reported
	                                still queued; -1: none left */
	struct al_future *wait;      /* a parked sel_wait */
	struct al_sel_event *out;
	int max;
	const struct al_task *opener;  /* the loop's task: its registrations
	                                  are its callbacks', not its waits */
	uint64_t token;              /* its collection event */
	struct sim_thread *waker;    /* the host program whose delivery queued
	                                it, if any (sim_kernel.h's waker) */
	struct sim_os *s;
};

/* A mutex: the holder, and a FIFO of futures waiting for it. */
struct sim_lock {
	int held;
	struct al_future **w;
	size_t head, n, cap;
};

/* Virtual time stops here (~73 years): a scenario whose pages would take
 * longer (a 1 GiB page over 1 bit/s, with no page timeout) ends at the
 * horizon, its unfinished pages failed, instead of overflowing the clock. */
#define SIM_HORIZON SIM_NET_HORIZON

struct sim_os {
	struct al_os os;
	int horizon;                 /* the run reached SIM_HORIZON */
	struct sim_queue q;
	int64_t now;
	uint64_t events;
	struct sim_net net;
	/* The fd table: slabs of SIM_FD_SLAB sockets (and, with host
	 * programs, gates), allocated as the lowest free fd reaches them, so
	 * that memory follows the fds used, not the limit; a slab never
	 * moves, so a socket's address is stable (events and the network
	 * hold it). */
	struct sim_sock **socks;     /* fd limit / SIM_FD_SLAB pointers */
	struct al_arena sock_mem;    /* where the sockets' slabs are carved,
				      * and the flows' and the queue's blocks:
				      * huge pages, no calloc's memset, and
				      * one partly used huge page for all
				      * three, not one each */
	struct sim_gate **gates;     /* parallel slabs, or NULL: no host programs */
	int nslabs;                  /* slabs allocated */
	int nsocks;                  /* the fd limit */
	int fd_low;                  /* no free fd below this */
	int fd_high;                 /* no fd ever used at or above this */
	int open, peak_open;
	int64_t syscalls, futile;
	/* The page timeouts (sim_fd.c): the sockets by deadline, one event
	 * for the first, not one per socket (C10M keeps ten million) */
	int ttl_head, ttl_tail;      /* fds, -1: empty */
	uint64_t ttl_token;
	uint32_t lanes;              /* task lanes created */
	struct al_http_memo head_memo;   /* sim_feed's: the responses' header */
	struct sim_lock *locks;
	int64_t nlocks;
	struct sim_sel *sels;
	int nsels;
	/* io_uring rings (sim_ring.c); while a ring's enter issues its ops,
	 * ring_op makes each op's syscall a `uring_op`, and lane_as is the
	 * lane of the task that queued it (0: the caller's) */
	struct sim_ring **rings;
	int nrings;
	int ring_op;
	uint32_t lane_as;
	int *pipe_ends;              /* open pipe ends: a new process holds each */
	int npipe_ends, pipe_ends_cap;
	struct sim_kernel k;         /* cores, threads, costs */
	/* the other programs on the cores (machine.host_server, host_links) */
	struct sim_thread *server;
	struct sim_thread *links[16];
	int nlinks;
	int64_t server_busy;         /* the server's queue of work ends then */
	struct sim_host_prog srv_p;  /* the server's work in its turns */
	int64_t link_busy[16];
	/* the kernel-TCP path's packet emulator (machine.host_emulator) */
	struct sim_thread *emu;      /* on the model's cores; NULL: its own */
	int64_t emu_busy;            /* its queue of packets ends then */
	int64_t emu_work;            /* what that queue has taken, all told (tests) */
	struct sim_host_prog emu_p;  /* on the model's cores: its turns */
	/* the emulator's backlog as a packet arriving now sees it: the end
	 * of the work that has reached it (emu_seen), and the work queued
	 * for later (a link's relay), a heap by when it arrives */
	int64_t emu_seen;
	/* the last packet the crawler handed the kernel-TCP path's emulator:
	 * its thread's id + 1 (0: none yet) and when that thread had last
	 * blocked (its slept_at then: sim_host_tun_price) */
	uint32_t tun_thread;
	int64_t tun_slept;
	/* the same for its last close (sim_host.c, close_apart: a FIN keeps the
	 * emulator awake for the thread's next closes, not for its connects
	 * and sends) */
	uint32_t tun_close_thread;
	int64_t tun_close_slept;
	struct sim_host_due { int64_t at, end; } *emu_due;
	size_t emu_ndue, emu_capdue;
	/* on a core of its own it works in passes (sim_emu.c): the work
	 * that has reached it, a heap by arrival, and the pass under way */
	struct sim_emu_item *emu_in, *emu_pass;
	size_t emu_nin, emu_capin, emu_cappass;
	uint64_t emu_seq;            /* arrivals so far: the heap's tie-break */
	int64_t emu_pass_end;        /* the last pass ends (or ended) then */
	int64_t emu_pass_at;         /* the next pass starts then, if token */
	uint64_t emu_token;
	struct sim_ff ff;            /* the round being watched (sim_ff.c) */
};

#define SIM_FD_SLAB 1024
/* Selectors a run may open (a socket's sel is an 18-bit field). */
#define SIM_SEL_MAX ((1 << 17) - 1)

/* The fd table's slab pointers: enough for the fd limit. */
static inline int sim_os_slabs(const struct sim_os *s)
{
	return (s->nsocks + SIM_FD_SLAB - 1) / SIM_FD_SLAB;
}

/* fd's socket: fd must be below nslabs * SIM_FD_SLAB (ever allocated). */
/* fd >= 0.  Unsigned, the slab and the place are a shift and a mask; a
 * signed int's / and % round toward zero, a few instructions more each,
 * and every selector's FIFO step comes here (7 % of a flow crawl's
 * instructions went to this line). */
static inline struct sim_sock *sim_sock_at(const struct sim_os *s, int fd)
{
	unsigned u = (unsigned)fd;

	return &s->socks[u / SIM_FD_SLAB][u % SIM_FD_SLAB];
}

/* A slab of the fd table: its machine, then its sockets (socks[i] points
 * at k).  A socket finds its slab by its fd, its machine there. */
struct sim_sock_slab {
	struct sim_os *sim;
	struct sim_sock k[];
};

static inline struct sim_os *sim_sock_os(const struct sim_sock *k)
{
	const struct sim_sock *first = k - (unsigned)k->fd % SIM_FD_SLAB;

	return ((const struct sim_sock_slab *)(const void *)
		((const char *)first - offsetof(struct sim_sock_slab, k)))->sim;
}

/* The memory the fd table takes once fds descriptors have been used: a
 * socket each (and, with host programs, a gate), in whole slabs, fd_limit
 * at most.  The table grows a slab at a time as fds are used, so a large
 * limit the run never reaches costs nothing. */
int64_t sim_os_fd_bytes(const struct al_scenario *sc, int64_t fds);

/* Sets up a simulated machine for scenario sc; trace may be NULL.  loop,
 * if not NULL, is a loop outside any simulated thread (unit tests) that
 * gets this os.  Simulated threads come from sim_kernel_thread() on s->k.
 * Returns 0, or -1 with errno ENOMEM. */
int sim_os_init(struct sim_os *s, const struct al_scenario *sc, struct al_loop *loop,
		struct al_trace *trace);
void sim_os_free(struct sim_os *s);

/* --- for the sim's own modules (sim_sel.c) */

/* The caller's time: its thread's clock inside a burst. */
static inline int64_t sim_clock(const struct sim_os *s)
{
	return sim_kernel_clock(&s->k);
}
/* Counts a syscall and charges its cost to the running thread (inline,
 * as the charge: a few a page in every model). */
static inline void sim_syscall(struct sim_os *s)
{
	if (s->ring_op) {            /* an op carried by a ring's enter */
		sim_kernel_charge(&s->k, s->os.sc->machine.costs.uring_op_ns);
		return;
	}
	s->syscalls++;
	sim_kernel_charge(&s->k, s->os.sc->machine.costs.syscall_ns);
}
/* The task making the call: its thread's, inside a burst. */
static inline struct al_task *sim_current_task(const struct sim_os *s)
{
	const struct sim_thread *th = s->k.current;

	return th ? th->loop.current : s->os.loop ? s->os.loop->current : NULL;
}
uint32_t sim__lane_new(struct sim_os *s, struct al_task *t);
/* Task t's lane (t the calling one, or NULL), created on its first call;
 * inline, as a registration a segment asks it. */
static inline uint32_t sim_lane_for(struct sim_os *s, struct al_task *t)
{
	if (s->lane_as)
		return s->lane_as;       /* a ring's op, on its queuer's lane */
	if (!t || !s->os.trace)
		return 0;
	return t->lane ? t->lane : sim__lane_new(s, t);
}
/* The calling task's lane, created on its first call. */
static inline uint32_t sim_lane(struct sim_os *s)
{
	return sim_lane_for(s, sim_current_task(s));
}
/* The calling task's lane if it has one, else 0 (none is made). */
uint32_t sim_lane_of_caller(const struct sim_os *s);
/* lane (if any) enters state st at the caller's time. */
static inline void sim_state(struct sim_os *s, uint32_t lane, enum al_state st, int64_t bytes)
{
	if (lane)
		al_trace_state(s->os.trace, sim_clock(s), lane, st, bytes);
}
/* The calling task t (sim_current_task, the caller knowing it) moved
 * bytes: running, if it has a lane already (a task that never waited on
 * anything needs none). */
static inline void sim_running_as(struct sim_os *s, const struct al_task *t, int64_t bytes)
{
	if (s->lane_as)
		sim_state(s, s->lane_as, AL_ST_RUNNING, bytes);
	else if (t && t->lane)
		sim_state(s, t->lane, AL_ST_RUNNING, bytes);
}
/* The news k's waiting task waited for has come (bytes, a connection, an
 * error): its lane leaves connect / send / recv for st -- READY when a
 * loop must come round to it, RUNNABLE when its thread must get a core --
 * so the network is never blamed for the time the CPU takes.  Once.  s is
 * k's machine; inline, as every delivery of a segment comes here. */
static inline void sim_ready_in(struct sim_os *s, struct sim_sock *k, enum al_state st)
{
	uint32_t lane = k->lane;

	if (!lane)
		return;
	int64_t now = sim_clock(s);

	k->lane = 0;
	/* A burst sees the network as of its start: a task may begin to wait
	 * at its thread's clock for news the engine delivers at an earlier
	 * time.  It was there when the task looked: ready from then. */
	al_trace_state(s->os.trace, now > k->lane_at ? now : k->lane_at, lane, st, 0);
}
/* The same, k's machine found from k. */
static inline void sim_ready(struct sim_sock *k, enum al_state st)
{
	if (k->lane)
		sim_ready_in(sim_sock_os(k), k, st);
}
/* lane (a task's) waits on k from now, in st (connect, send, recv; value
 * as al_trace_state's).  Inline: every registration a segment makes. */
static inline void sim_wait_on(struct sim_os *s, struct sim_sock *k, uint32_t lane,
			       enum al_state st, int64_t value)
{
	/* the clock once: the stores to k could be the thread's, to a compiler */
	int64_t now = sim_clock(s);

	k->lane = lane;
	k->lane_at = now;
	if (lane)
		al_trace_state(s->os.trace, now, lane, st, value);
}
/* A callback on its page's lane (al_task_wear) read from k and stays
 * registered for more: the lane waits for the rest from now (ready, if
 * the rest is there already). */
void sim__rewait(struct sim_os *s, const struct al_task *t, struct sim_sock *k);
/* t the calling task: inline, as only a worn one (a callback's) rewaits. */
static inline void sim_rewait_as(struct sim_os *s, const struct al_task *t, struct sim_sock *k)
{
	if (t && t->worn)
		sim__rewait(s, t, k);
}
/* The network's hooks on socket ctx (sim_os.c): its connect ended with
 * err; it may be readable. */
void sim_os_connected(void *ctx, int err, int64_t now);
void sim_os_readable(void *ctx, int64_t now);
/* The other programs' inline tests (their calls: sim_host.h). */
/* 1 when the crawler's packets take the kernel-TCP path (a packet
 * emulator, machine.host_emulator): its connection and send are then
 * priced tun_connection and tun_send, where measured. */
static inline int sim_host_tun(const struct sim_os *s)
{
	return s->os.sc->machine.host_emulator != AL_HOST_EMU_NONE;
}
/* (sim__host_hold, inline where there are no gates) */
static inline int sim_host_hold(struct sim_os *s, struct sim_sock *k, int64_t now)
{
	/* no gates, no host programs: nothing held, and no call a segment */
	return s->gates && sim__host_hold(s, k, now);
}
/* k's gate, or NULL. */
static inline struct sim_gate *sim_gate_of(const struct sim_os *s, const struct sim_sock *k)
{
	unsigned u = (unsigned)k->fd;

	return s->gates ? &s->gates[u / SIM_FD_SLAB][u % SIM_FD_SLAB] : NULL;
}
/* 1 while k's response is held back at the engine's now. */
static inline int sim_held(const struct sim_os *s, const struct sim_sock *k)
{
	unsigned u = (unsigned)k->fd;

	return s->gates && s->gates[u / SIM_FD_SLAB][u % SIM_FD_SLAB].at > s->now;
}
/* bytes of a response reached thread th (NULL: the running one): th pays
 * their copy.  Inline: every recv of a segment. */
static inline void sim_host_recv(struct sim_os *s, struct sim_thread *th, int64_t bytes)
{
	const struct al_costs *c = &s->os.sc->machine.costs;

	if (bytes <= 0)
		return;
	int64_t copy = al_per_kib_ns(bytes, c->recv_ns_per_kib);
	if (th)
		sim_kernel_owe(&s->k, th, copy);
	else
		sim_kernel_charge(&s->k, copy);
}
/* The ops that only trace (sim_trace.c). */
void sim_mark(struct al_os *os, const char *what, int64_t value);
void sim_task_end(struct al_os *os, struct al_task *t);
/* fd's socket, or NULL if fd names none. */
static inline struct sim_sock *sim_sock_of(struct sim_os *s, int fd)
{
	if (fd < 0 || fd >= s->nslabs * SIM_FD_SLAB || !sim_sock_at(s, fd)->used)
		return NULL;
	return sim_sock_at(s, fd);
}
/* What of events (AL_EV_READ / AL_EV_WRITE) k, of machine s, is ready
 * for: all of them on an error (reported as readiness, as poll's
 * POLLERR).  Each bit's tests made once: a selector's every pass asks it
 * of every fd queued.  readable is the flow's test: sim_net_readable, or
 * its inline form where the network's own header is seen (sim_sel.c). */
static inline __attribute__((always_inline)) unsigned
sim_sock_ready_mask_by(const struct sim_os *s, const struct sim_sock *k, unsigned events,
		       int (*readable)(const struct sim_flow *))
{
	if (k->conn_err)
		return events;
	if (!k->flow)
		return 0;
	/* The host's server and link hold the response back until the gate,
	 * and the connection until its SYN-ACK has come through the host
	 * (sim_host_conn_held): writable once connected, as send() sees it
	 * (else a busy-poll on it retries for ever), or reset meanwhile.
	 * Asked only for AL_EV_WRITE: two calls that only read, which a
	 * reader's tests (three a segment) need not make. */
	return (events & AL_EV_READ && !sim_held(s, k) && readable(k->flow) ? AL_EV_READ : 0) |
	       (events & AL_EV_WRITE && (k->connected ? sim_net_writable(k->flow)
						      : sim_net_failed(k->flow))
			? AL_EV_WRITE
			: 0);
}
/* Whether k, of machine s, is ready for any of events (or has an error). */
static inline __attribute__((always_inline)) int
sim_sock_ready_in_by(const struct sim_os *s, const struct sim_sock *k, unsigned events,
		     int (*readable)(const struct sim_flow *))
{
	return k->conn_err || sim_sock_ready_mask_by(s, k, events, readable) != 0;
}
static inline unsigned sim_sock_ready_mask(const struct sim_os *s, const struct sim_sock *k,
					   unsigned events)
{
	return sim_sock_ready_mask_by(s, k, events, sim_net_readable);
}
static inline int sim_sock_ready_in(const struct sim_os *s, const struct sim_sock *k,
				    unsigned events)
{
	return sim_sock_ready_in_by(s, k, events, sim_net_readable);
}
/* The same, k's machine found from k. */
static inline int sim_sock_ready(const struct sim_sock *k, unsigned events)
{
	return sim_sock_ready_in(sim_sock_os(k), k, events);
}

/* A new descriptor: the lowest free one, or -EMFILE / -ENOMEM. */
int sim_fd_alloc(struct sim_os *s);
/* The page timeout of k falls due at `at` (> 0): k joins the list, after
 * every socket due at or before then. */
void sim_ttl_add(struct sim_os *s, struct sim_sock *k, int64_t at);
/* k closes: it leaves the list (a no-op if it is not in it). */
void sim_ttl_drop(struct sim_os *s, struct sim_sock *k);
/* sim_os.c: k's page timeout has come (k has left the list). */
void sim_ttl_fire(struct sim_sock *k, int64_t now);
/* Parks a blocking read on k (one at a time). */
void sim_park(struct sim_sock *k, struct al_future *wait, char *buf, size_t cap);
/* A read with nothing to read yet: -EAGAIN (futile) or parked. */
int64_t sim_would_block(struct sim_os *s, struct sim_sock *k, struct al_future *wait,
			char *buf, size_t cap);

/* The io_uring ring (sim_ring.c): the ops of al_os.h, and what
 * sim_os_free needs. */
int64_t sim_ring_open(struct al_os *os, int entries);
int64_t sim_ring_queue(struct al_os *os, int ring, const struct al_ring_op *op);
int64_t sim_ring_enter(struct al_os *os, int ring, struct al_ring_cqe *out, int max,
		       struct al_future *wait);
int64_t sim_ring_close(struct al_os *os, int ring);
void sim_ring_free_all(struct sim_os *s);

/* Pipes and locks (sim_ipc.c). */
int64_t sim_pipe_read(struct sim_os *s, struct sim_sock *k, char *buf, size_t cap,
		      struct al_future *wait);
int64_t sim_pipe_write(struct sim_os *s, struct sim_sock *k, const void *buf, size_t len,
		       struct al_future *wait);
/* A process closes pipe end k: 1 if others still hold it (nothing more to
 * do), 0 once it is closed for good. */
int sim_pipe_close(struct sim_os *s, struct sim_sock *k);
/* Frees pipe end p, its blocked writers' records with it. */
void sim_pipe_end_free(struct sim_pipe_end *p);
/* A process is forked: it holds every pipe end open now, as fork does. */
void sim_pipe_fork(struct sim_os *s);
int64_t sim_pipe(struct al_os *os, int fds[2]);
int64_t sim_lock_open(struct al_os *os);
int64_t sim_lock(struct al_os *os, int64_t lk, struct al_future *wait);
int64_t sim_unlock(struct al_os *os, int64_t lk);
int64_t sim_post_arm(struct al_os *os, struct al_post *p, struct al_loop *loop);
int64_t sim_post(struct al_os *os, struct al_post *p, int64_t value, int err);

/* The selector (sim_sel.c): a socket's readiness may have changed; the
 * socket is closing. */
void sim_sel_changed(struct sim_os *s, struct sim_sock *k);
void sim_sel_forget(struct sim_os *s, int fd);
int64_t sim_sel_open(struct al_os *os, enum al_poller kind);
int64_t sim_sel_ctl(struct al_os *os, int sel, int fd, unsigned ev, void *data);
/* sel_ctl(sel, fd, 0): fd, whose socket is k (sim_sock_of: NULL if none),
 * leaves selector sel. */
int64_t sim_sel_del(struct sim_os *s, int sel, int fd, struct sim_sock *k);
int64_t sim_sel_wait(struct al_os *os, int sel, struct al_sel_event *out, int max,
		     struct al_future *wait);
int64_t sim_sel_close(struct al_os *os, int sel);

/* The fast-forward's note of a registration (sim_ff.h; made_call: an
 * epoll_ctl, a syscall): the selector's every turn registers and
 * unregisters, so it is inline. */
static inline void sim_ff_ctl(struct sim_os *s, int sel, unsigned ev, int made_call)
{
	s->ff.known += made_call;
	if (sel != s->ff.sel || (ev != 0 && ev != AL_EV_READ))
		sim_ff_spoil(s);
}

/* The accounting ops, cpu, spin and mem (sim_acct.c). */
extern const struct al_os_acct sim_os_acct;
/* sim_os.c's delivery to k, whose spinner spins and is not yet told: if
 * k is ready, its spin ends (sim_acct.c).  Out of line: its division and
 * push took registers that every segment's delivery saved and restored. */
void sim__spin_event(struct sim_os *s, struct sim_sock *k, struct sim_spin *sp, int64_t now);

/* Takes len bytes of k's response at once, as recv would in chunks (the
 * caller knows they are there): what a recv of len returned, fed next. */
int64_t sim_os_take(struct sim_os *s, struct sim_sock *k, int64_t len);

#endif
