/* Measuring this machine's costs for `asynclab calibrate`
 * (docs/costs.md, "Calibrating this machine").
 *
 * Each figure is measured on real syscalls, threads and processes, several
 * times, and the median kept: a noisy neighbour spoils one repetition, not
 * the figure.  The figures are the cost table's (struct al_costs), in its
 * units: nanoseconds, or bytes for the two memory figures.  Measuring
 * starts and stops threads and child processes, and pins the calling
 * thread to one CPU for a while (its affinity is restored): call it from a
 * program that has no other threads running. */
#ifndef NET_CALIB_H
#define NET_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_scenario.h"

enum net_calib_fig {
	NET_CALIB_SYSCALL,
	NET_CALIB_THREAD_SWITCH,
	NET_CALIB_PROCESS_SWITCH,
	NET_CALIB_THREAD_CREATE,
	NET_CALIB_PROCESS_CREATE,
	NET_CALIB_THREAD_MEMORY,
	NET_CALIB_PROCESS_MEMORY,
	NET_CALIB_COROUTINE_RESUME,
	NET_CALIB_CALLBACK,
	NET_CALIB_SELECT,
	NET_CALIB_SELECT_PER_FD,
	NET_CALIB_WAKEUP,
	NET_CALIB_PARSE_PER_KIB,
	NET_CALIB_CONNECTION,        /* net_calib_conn.c: the kernel's TCP work */
	NET_CALIB_RECV_PER_KIB,
	NET_CALIB_SEND,
	NET_CALIB_WAKE_1MS,          /* net_calib_wake.c: a wake-up's cold work */
	NET_CALIB_WAKE_100MS,
	NET_CALIB_SERVER_REQUEST,    /* net_calib_host.c: server and link CPU */
	NET_CALIB_SERVER_PER_KIB,
	NET_CALIB_RELAY_REQUEST,
	NET_CALIB_RELAY_PER_KIB,
	NET_CALIB_EMULATOR_PACKET,   /* net_calib_emu.c: the kernel-TCP path's */
	NET_CALIB_SERVER_ACCEPT,     /* net_calib_host.c: a page's part at connect */
	NET_CALIB_WAKE_100US,        /* net_calib_wake.c: after a packet's gap */
	NET_CALIB_GREEN_SWITCH,      /* a fiber's switch (core/al_fiber.h) */
	NET_CALIB_URING_ENTER,       /* net_calib_uring.c: io_uring's own */
	NET_CALIB_URING_OP,
	NET_CALIB_FORK_PER_MIB,      /* net_calib_fork.c: a pool's fork and worker */
	NET_CALIB_PROCESS_COW,
	NET_CALIB_EMULATOR_PER_KIB,  /* net_calib_emu.c, with emulator_packet */
	NET_CALIB_SERVER_WAKE,       /* net_calib_host.c, with server_request */
	NET_CALIB_WAKE_REMOTE_1MS,   /* net_calib_wake.c: from another CPU */
	NET_CALIB_GREEN_STACK,       /* net_calib_fiber.c: a green thread's stack */
	NET_CALIB_URING_SETUP,       /* net_calib_uring.c: a ring, set up and closed */
	NET_CALIB_TUN_CONNECTION,    /* net_calib_tun.c: the crawler's, kernel-TCP */
	NET_CALIB_TUN_SEND,
	NET_CALIB_URING_TIMEOUT,     /* net_calib_uring.c: an op's linked timeout */
	NET_CALIB_URING_POLL,        /* and an op's poll, when it waits */
	NET_CALIB_TUN_SERVER_REQUEST, /* net_calib_emu.c, with emulator_packet */
	NET_CALIB_TUN_SERVER_PER_KIB,
	NET_CALIB_WAKE_SEGMENT_1MS,  /* net_calib_wake.c: wake_100us's, after 1 ms */
	NET_CALIB_TUN_CONNECTION_BUSY, /* net_calib_emu.c: its batches' clients */
	NET_CALIB_TUN_SEND_BUSY,
	NET_CALIB_THREAD_FIRST,      /* net_calib_sched.c, with thread_create */
	NET_CALIB_TUN_CLOSE,         /* net_calib_tun.c: tun_connection's close */
	NET_CALIB_TUN_CLOSE_BUSY,    /* net_calib_emu.c: its batches' clients */
	NET_CALIB_WAKE_SIBLING_10MS,  /* net_calib_wake.c: wake_1ms's, after a sibling */
	NET_CALIB_TUN_APART,         /* net_calib_tun.c: the emulator on the other CPU */
	NET_CALIB_GREEN_STACK_WOKEN, /* net_calib_fiber.c: an unmapping after a sleep */
	NET_CALIB_PROCESS_EXIT,      /* net_calib_fork.c: a child's exit, its end's */
	NET_CALIB_EXIT_PER_MIB,
	NET_CALIB_TUN_SERVER_ACCEPT, /* net_calib_accept.c: connects that ask nothing */
	NET_CALIB_COUNT
};

/* Repetitions per figure when the caller asks for 0. */
#define NET_CALIB_REPS 5
#define NET_CALIB_MAX_REPS 15
/* A probe's return when the machine was too loaded for what it times to
 * hold (errno EAGAIN), and how many more tries a figure then gets; any
 * other failure (-1) gives the figure up at once. */
#define NET_CALIB_TOO_LOADED (-2)
#define NET_CALIB_BUSY_TRIES 3

struct net_calib {
	double value[NET_CALIB_COUNT]; /* the median: ns, or bytes (memory) */
	int err[NET_CALIB_COUNT];      /* 0, or the errno that stopped it    */
	uint64_t measured;             /* bit (1 << fig): value[fig] is one   */
	/* the machine; 0 when it could not be read */
	int cores;                     /* online CPUs                        */
	int64_t hz;                    /* /proc/cpuinfo's first "cpu MHz"    */
	int64_t memory;                /* /proc/meminfo MemTotal, bytes      */
	int fd_limit;                  /* RLIMIT_NOFILE's hard limit         */
	int reps;                      /* repetitions behind each median     */
	int64_t elapsed_ns;            /* how long net_calib_run took        */
	/* calibrate --fork-wait: measured (1), the two waits (ns), and how
	 * many kdamonds were on (net_calib_fork_wait, net_calib_damon) */
	int fork_wait;
	double fork_wait_ns[2];
	int damon;
};

/* calibrate --fork-wait (net_calib_fork.c), apart from the table: it
 * takes 10-60 s and 6,000 live processes.  The mean wait off the CPU of
 * a fork (its wall time less its CPU and its time on the run queue) by a
 * parent with 3,000 and with 6,000 live children, each blocked, the
 * parent keeping a child_record for each as a pool's does; ns.  0, or -1
 * with errno (ETIMEDOUT when making the children took over 2 minutes). */
int net_calib_fork_wait(double *w3k, double *w6k);
/* How many of DAMON's kdamonds are on (/sys/kernel/mm/damon/admin/
 * kdamonds/N/state): the walker behind the wait on this project's VM. */
int net_calib_damon(void);

/* The key of a figure in a scenario's machine.costs ("thread_switch"). */
const char *net_calib_key(enum net_calib_fig f);
/* Where a figure lands in struct al_costs (offsetof). */
size_t net_calib_offset(enum net_calib_fig f);
/* 1 for the figures that are sizes (bytes), 0 for durations (ns). */
int net_calib_is_size(enum net_calib_fig f);
/* 1 for a figure written as 0 (not measured, nothing charged) where it
 * comes out at 0 or under: a busy price, or a difference of two
 * medians (tun_apart, green_stack_woken) that noise can make negative. */
int net_calib_zero_unmeasured(enum net_calib_fig f);

/* One repetition of one figure: 0 with the figure in *out, or -1 with
 * errno (whatever the syscalls behind it said; EPIPE when a peer thread or
 * child ended early; EPROTO when the kernel's answers made no sense, like
 * an unreadable /proc line).  SIGPIPE is ignored while it runs. */
int net_calib_measure(enum net_calib_fig f, double *out);

/* Reads cores, cpu, memory and the fd limit into c (0 for what cannot be
 * read) and leaves the rest alone. */
void net_calib_machine(struct net_calib *c);

/* Everything: the machine, then every figure `reps` times (0:
 * NET_CALIB_REPS, at most NET_CALIB_MAX_REPS) and its median; a probe
 * that returns NET_CALIB_TOO_LOADED is tried again, up to
 * NET_CALIB_BUSY_TRIES times a figure.  A figure that fails keeps value 0, no bit in `measured` and its errno in err[];
 * the others are still measured.  Returns how many figures were measured. */
int net_calib_run(struct net_calib *c, int reps);

/* The figures in c->measured written into costs, rounded to whole ns or
 * bytes and at least 1 (a 0.4 ns call still costs something); the others
 * keep what costs holds. */
void net_calib_costs(const struct net_calib *c, struct al_costs *costs);

#endif
