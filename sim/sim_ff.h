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
#define SIM_FF_BACKOFF 8             /* rounds left unwatched, at most */

struct sim_ff_fd {
	int fd;
	void *data;                  /* its registration's */
};

/* Where a round stood at the start of one of its turns after the first:
 * the thread's counters and the trace, and the FIFO's front and the
 * pass's last fd, as the turn found them. */
struct sim_ff_cut {
	int64_t n;                   /* fds handed out, and read, before it */
	int64_t waits, debt, syscalls;
	uint64_t resumes, calls;
	struct al_trace_mark mark;
	int head, pass_end;
};

struct sim_ff {
	int sel;                     /* the selector whose round it is; -1: none */
	struct sim_thread *th;       /* its thread, in its burst from burst_start */
	int64_t burst_start;
	/* what the round started from */
	int64_t clock, debt, syscalls, futile, memory;
	uint64_t resumes, calls;
	uint32_t qseq, lanes;
	size_t qlive;
	int open;
	int64_t nfds;
	int maxfd;
	struct al_trace_mark mark;   /* the trace, if it is on */
	/* what it did: the syscalls it made that are known here, its waits
	 * (the first a pass of the kernel, which reported `reported` fds),
	 * the fds they handed out (n of them, in fd[], in the report's
	 * order), the recvs of a full chunk each of them */
	int64_t known, waits, reported, nrecv;
	int64_t chunk;
	int64_t n, fd_cap;
	struct sim_ff_fd *fd;        /* kept from round to round, grown to use */
	int64_t ncuts, cuts_cap;     /* its turns' starts after the first, as */
	struct sim_ff_cut *cuts;     /* long as nothing else was ready there */
	int64_t turns, cut_turns;    /* turns fast-forwarded so far, in all, and
				      * of a round run in part */
	/* the back-off: rounds not to watch yet, and how many the next
	 * trickling round (back_off) will skip: 0, then 1, 2, 4 up to
	 * SIM_FF_BACKOFF; a round that repeats sets it back to 0 */
	int64_t skip, backoff;
};

/* Off: every turn runs (tests compare; not a scenario's key). */
extern int sim_ff_off;
/* The limit a round is watched under, SIM_FF_MAX unless a test lowers it
 * to reach what happens past it. */
extern int64_t sim_ff_max;
/* Turns fast-forwarded by the runs of this process so far (sim_run), and
 * of them, turns of a round run in part (before a cut). */
extern _Atomic int64_t sim_ff_turns, sim_ff_cut_turns;

/* The fast-forward (sim_ff.c): al_os_ops.sel_repeat, and what a round's
 * calls tell it -- a wait's report (pass: it made a pass of the kernel,
 * which reported `reported` fds), a recv's result, a registration. */
int64_t sim_sel_repeat(struct al_os *os, int sel, al_sel_feed_fn feed, void *arg);
void sim_ff_waited(struct sim_os *s, int sel, int pass, int64_t reported,
		   const struct al_sel_event *out, int n);
/* The run ends: frees what a round's watch keeps. */
void sim_ff_free(struct sim_os *s);
void sim_ff_recv(struct sim_os *s, const struct sim_sock *k, int64_t r, size_t cap);
/* The round under way did what no repeat would (a failed call). */
void sim_ff_spoil(struct sim_os *s);
/* sim_ff_ctl, a registration's note, is inline in sim_os.h. */
/* Selector sel closes (its loop is done): if its round was watched,
 * the watch ends. */
void sim_ff_closed(struct sim_os *s, int sel);

#endif
