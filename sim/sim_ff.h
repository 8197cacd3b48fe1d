/* The fast-forward of an event loop's repeated rounds (sim_ff.c): its
 * state, kept in struct sim_os, and the hooks the selector and recv call
 * while a round is watched. */
#ifndef SIM_FF_H
#define SIM_FF_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/al_os.h"
#include "core/al_trace.h"

struct sim_os;
struct sim_sock;
struct sim_thread;

/* The fast-forward of an event loop's repeated rounds (sim_ff.c).  One
 * round watched at a time: a round runs inside one burst of one thread,
 * which no other thread's can interleave. */
#define SIM_FF_MAX (1 << 16)         /* fds a round may read */
#define SIM_FF_EVENTS (1 << 20)      /* trace events a round may add */

struct sim_ff_fd {
	int fd;
	void *data;                  /* its registration's */
};

/* A round that may repeat: what it did and cost. */
struct sim_ff_round {
	int64_t n;                   /* fds reported, and read for a chunk each */
	struct sim_ff_fd *fd;        /* in the report's order */
	int64_t chunk;
	int64_t debt, syscalls, len; /* len: on the thread's clock */
	uint64_t resumes, calls;
	size_t nev;
	struct al_tr_event *ev;      /* its trace events, t from its start */
	int64_t fd_cap;
	size_t ev_cap;
};

struct sim_ff {
	int sel;                     /* the selector whose round it is; -1: none */
	int bad;                     /* the round did something no repeat would */
	struct sim_thread *th;       /* its thread, in its burst from burst_start */
	int64_t burst_start;
	/* what the round started from */
	int64_t clock, debt, syscalls, futile, memory;
	uint64_t resumes, calls;
	uint32_t qseq;
	size_t qlive;
	int open;
	int64_t nfds;
	int maxfd;
	/* what it did: the syscalls it made that are known here, its waits
	 * (the first a pass of the kernel, which reported `reported` fds),
	 * the fds they handed out, the recvs of a full chunk each of them */
	int64_t known, waits, reported, nrecv;
	int64_t chunk;
	struct sim_ff_round now, last;   /* last: the round before, if have_last */
	int have_last;
	int64_t turns;               /* turns fast-forwarded so far, in all */
};

/* Off: every turn runs (tests compare; not a scenario's key). */
extern int sim_ff_off;
/* The limits a round is watched under, SIM_FF_MAX and SIM_FF_EVENTS
 * unless a test lowers them to reach what happens past them (the grab
 * gives up where its buffer would grow past sim_ff_events). */
extern int64_t sim_ff_max, sim_ff_events;
/* Turns fast-forwarded by the runs of this process so far (sim_run). */
extern _Atomic int64_t sim_ff_turns;

/* The fast-forward (sim_ff.c): al_os_ops.sel_repeat, and what a round's
 * calls tell it -- a wait's report (pass: it made a pass of the kernel,
 * which reported `reported` fds), a recv's result, a registration. */
int64_t sim_sel_repeat(struct al_os *os, int sel, al_sel_feed_fn feed, void *arg);
void sim_ff_waited(struct sim_os *s, int sel, int pass, int64_t reported,
		   const struct al_sel_event *out, int n);
/* The run ends: frees the rounds and the trace's grab buffer. */
void sim_ff_free(struct sim_os *s);
void sim_ff_recv(struct sim_os *s, const struct sim_sock *k, int64_t r, size_t cap);
/* The round under way did what no repeat would (a failed call). */
void sim_ff_spoil(struct sim_os *s);
/* sim_ff_ctl, a registration's note, is inline in sim_os.h. */
/* Selector sel closes (its loop is done): if its round was watched,
 * the watch ends and the trace's events are no longer grabbed. */
void sim_ff_closed(struct sim_os *s, int sel);

#endif
