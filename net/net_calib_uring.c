/* Measuring io_uring's own costs (the uring model's): one io_uring_enter
 * and each operation it carries.
 *
 * Enters of 1 and of BATCH no-op operations, each submitted and waited
 * for in one io_uring_enter and reaped, are timed on the thread's CPU
 * clock; the difference over BATCH - 1 is an op's share, the rest of the
 * single enter the enter's own (its syscall included).  A no-op is the
 * ring's bookkeeping alone: a socket op's own work (connect, send, the
 * copy of a recv) is priced by `connection`, `send` and `recv_per_kib`,
 * as for the other models.  Where io_uring is refused the figures are not
 * measured (errno says why) and the profile keeps its defaults. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <liburing.h>

#include "net/net_calib_int.h"

#define BATCH 64
#define ROUNDS 400

/* CPU ns per enter of n no-ops, over ROUNDS enters; -1 with errno. */
static int time_enters(struct io_uring *ring, int n, double *out)
{
	int64_t t0 = 0;

	for (int r = -20; r < ROUNDS; r++) {          /* 20 to warm up */
		if (r == 0)
			t0 = net_cpu_ns();
		for (int i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
			if (!sqe) {
				errno = EBUSY;
				return -1;
			}
			io_uring_prep_nop(sqe);
		}
		int rc = io_uring_submit_and_wait(ring, (unsigned)n);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(ring, head, cqe)
			seen++;
		io_uring_cq_advance(ring, seen);
	}
	*out = (double)(net_cpu_ns() - t0) / ROUNDS;
	return 0;
}

/* Both figures of one repetition: 0, or -1 with errno. */
static int measure(double *enter, double *op)
{
	struct io_uring ring;
	double one, many;
	int rc = io_uring_queue_init(BATCH, &ring, 0);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	rc = time_enters(&ring, 1, &one);
	if (rc == 0)
		rc = time_enters(&ring, BATCH, &many);
	int e = errno;
	io_uring_queue_exit(&ring);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	*op = (many - one) / (BATCH - 1);
	if (*op < 1)
		*op = 1;
	*enter = one - *op;
	if (*enter < 1)
		*enter = 1;
	return 0;
}

int net_calib_uring_enter(double *out)
{
	double op;

	return measure(out, &op);
}

int net_calib_uring_op(double *out)
{
	double enter;

	return measure(&enter, out);
}

/* --- a ring's set-up and tear-down */

#define SETUP_ENTRIES 20             /* the seed's ring: 2 ops x 10 pages */
#define SETUP_CHILDREN 5
#define SETUP_WAIT_MS 10000          /* a child's ring, at the most */

/* In a child: the ring as net_ring_open and net_ring_close make it (its
 * sizes, the opcode probe, queue_exit), on the child's CPU clock: the
 * ring's CPU in *ns and 0, or an errno. */
static int one_ring(double *ns)
{
	struct io_uring ring;
	struct io_uring_params p = {.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
				    .cq_entries = 2 * SETUP_ENTRIES};
	int64_t t0 = net_cpu_ns();
	int rc = io_uring_queue_init_params(SETUP_ENTRIES, &ring, &p);

	if (rc < 0)
		return -rc;
	struct io_uring_probe *pr = io_uring_get_probe_ring(&ring);
	int ok = pr && io_uring_opcode_supported(pr, IORING_OP_CONNECT);
	if (pr)
		io_uring_free_probe(pr);
	io_uring_queue_exit(&ring);
	*ns = (double)(net_cpu_ns() - t0);
	return ok ? 0 : EOPNOTSUPP;
}

/* A ring in a freshly forked process: its first, as the uring model's
 * run (a process of its own, forked for it) makes its one.  A later ring
 * in the same process costs about half: the first pays the task's
 * io_uring context and the faults of a fresh address space.  The median
 * of SETUP_CHILDREN children. */
int net_calib_uring_setup(double *out)
{
	double v[SETUP_CHILDREN];

	for (int i = 0; i < SETUP_CHILDREN; i++)
		if (net_calib_in_child(one_ring, &v[i], SETUP_WAIT_MS) != 0)
			return -1;
	*out = net_calib_median(v, SETUP_CHILDREN);
	return 0;
}

/* --- a socket op on the ring: its linked timeout, its poll
 *
 * The uring model links a timeout (IORING_OP_LINK_TIMEOUT) to each
 * connect, send and recv of a page that has a deadline, and an op that
 * finds its socket not ready arms a poll on it and is issued again from
 * task work when the socket wakes.  Both are measured where the crawl
 * pays them: a recv that waits, the thread asleep in its enter until a
 * peer (a forked child on the thread's CPU, told through a pipe) sends a
 * byte PEER_GAP_US later (asked of usleep: with the timer slack's 50 us,
 * ~70 us).  Blocks of rounds of each kind alternate on the thread's CPU
 * clock; a figure is the median of the blocks' differences, per round:
 *
 *   uring_timeout  ring recv that waits, linked  - the same, unlinked
 *   uring_poll     (ring recv that waits - blocking recv that waits)
 *                  - (ring recv of a byte there - recv of a byte there)
 *
 * The wake-up, the enter and the recv's own work are in both halves of
 * each and cancel out: what is left of the poll's is what the ring does
 * for an op that waits beyond what it does for one that completes at
 * once, the syscall's and the enter's prices aside. */

#define PEER_BLOCKS 6
#define PEER_ROUNDS 60
#define PEER_GAP_US 20
#define PEER_WAIT_S 5                /* a stopped peer fails the probe */

enum peer_round {
	RING_WAITS,                  /* ring recv, the peer's byte comes later */
	RING_WAITS_LINKED,           /* the same with a linked timeout */
	BLOCKING_WAITS,              /* blocking recv, the peer's byte later */
	RING_READY,                  /* ring recv of a byte already there */
	RECV_READY,                  /* recv of a byte already there */
	PEER_KINDS
};

struct peer {
	struct io_uring ring;
	int sv, ctl;                 /* the peer's socket, and its pipe */
	int own[2];                  /* a pair of this thread's: bytes there */
	pid_t pid;
	char buf[16];                /* a ring recv's: outlives a timed-out wait */
};

/* Reaps whatever the ring holds: a linked timeout's cancellation may come
 * after its recv's completion. */
static void drain(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;

	io_uring_for_each_cqe(ring, head, cqe)
		seen++;
	io_uring_cq_advance(ring, seen);
}

/* One recv on the ring, submitted and waited for in one enter, as the
 * uring model's reaper does; linked: with a timeout of 30 s.  Either
 * way the wait gives up after PEER_WAIT_S (-ETIME): the recv stays in
 * flight into p->buf until peer_close's queue_exit cancels it. */
static int ring_recv(struct peer *p, int fd, int linked)
{
	struct io_uring *ring = &p->ring;
	struct __kernel_timespec ts = {.tv_sec = 30}, wait = {.tv_sec = PEER_WAIT_S};
	struct io_uring_sqe *sqe, *t = NULL;

	drain(ring);
	sqe = io_uring_get_sqe(ring);
	if (!sqe || (linked && !(t = io_uring_get_sqe(ring))))
		return -EBUSY;
	io_uring_prep_recv(sqe, fd, p->buf, sizeof p->buf, 0);
	io_uring_sqe_set_data(sqe, p->buf);
	if (t) {
		sqe->flags |= IOSQE_IO_LINK;
		io_uring_prep_link_timeout(t, &ts, 0);
		io_uring_sqe_set_data(t, NULL);
	}
	struct io_uring_cqe *first;
	int rc = io_uring_submit_and_wait_timeout(ring, &first, 1, &wait, NULL);
	if (rc < 0)
		return rc;
	/* until the recv's completion: the timeout's may come apart */
	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		int res = 1, got = 0;
		io_uring_for_each_cqe(ring, head, cqe) {
			seen++;
			if (io_uring_cqe_get_data(cqe) == p->buf) {
				got = 1;
				res = cqe->res;
			}
		}
		io_uring_cq_advance(ring, seen);
		if (got)
			return res == 1 ? 0 : res < 0 ? res : -EPROTO;
		if ((rc = io_uring_wait_cqe_timeout(ring, &cqe, &wait)) < 0)
			return rc;
	}
}

/* CPU ns per round of kind k, over PEER_ROUNDS; -1 with errno. */
static int time_rounds(struct peer *p, enum peer_round k, double *out)
{
	char c = 'x', buf[16];

	drain(&p->ring);                     /* the last block's leftovers */
	int64_t t0 = net_cpu_ns();

	for (int r = 0; r < PEER_ROUNDS; r++) {
		int rc = 0;
		int fd = k == RING_READY || k == RECV_READY ? p->own[0] : p->sv;
		/* the byte: asked of the peer, or put there by this thread */
		if (write(fd == p->sv ? p->ctl : p->own[1], &c, 1) != 1)
			return -1;
		if (k == BLOCKING_WAITS || k == RECV_READY) {
			/* its timeout makes the recv return EINTR where the
			 * kernel would restart it: when the ring's task work
			 * interrupts its sleep */
			ssize_t n;
			while ((n = recv(fd, buf, sizeof buf, 0)) < 0 && errno == EINTR)
				;
			rc = n == 1 ? 0 : -(n < 0 ? errno : EPROTO);
		} else
			rc = ring_recv(p, fd, k == RING_WAITS_LINKED);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
	}
	*out = (double)(net_cpu_ns() - t0) / PEER_ROUNDS;
	return 0;
}

/* The peer: a byte on data PEER_GAP_US after each one on ctl. */
static void peer_main(int ctl, int data)
{
	char c;

	while (read(ctl, &c, 1) == 1) {
		usleep(PEER_GAP_US);
		if (write(data, &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/* failed: the peer may be stopped or stuck, and is killed rather than
 * waited for. */
static void peer_close(struct peer *p, int failed)
{
	int st;

	close(p->ctl);                       /* the peer reads its end */
	if (failed && p->pid > 0)
		kill(p->pid, SIGKILL);
	close(p->sv);
	close(p->own[0]);
	close(p->own[1]);
	if (p->pid > 0)
		while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
			;
	io_uring_queue_exit(&p->ring);
}

/* The ring, the pairs and the peer (on the CPU the caller is pinned
 * to: it inherits the pin): 0, or -1 with errno.  A blocking recv gives
 * up after PEER_WAIT_S (EAGAIN). */
static int peer_open(struct peer *p)
{
	struct timeval tv = {.tv_sec = PEER_WAIT_S};
	int sv[2], ctl[2], e, rc = io_uring_queue_init(8, &p->ring, 0);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->own) != 0)
		goto no_own;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		goto no_sv;
	if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    setsockopt(p->own[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    pipe2(ctl, O_CLOEXEC) != 0)
		goto no_ctl;
	p->pid = fork();
	if (p->pid == 0) {
		close(ctl[1]);
		close(sv[0]);
		peer_main(ctl[0], sv[1]);
	}
	e = errno;
	close(ctl[0]);
	close(sv[1]);
	p->sv = sv[0];
	p->ctl = ctl[1];
	if (p->pid < 0) {
		peer_close(p, 1);
		errno = e;
		return -1;
	}
	return 0;
no_ctl:
	e = errno;
	close(sv[0]);
	close(sv[1]);
	errno = e;
no_sv:
	e = errno;
	close(p->own[0]);
	close(p->own[1]);
	errno = e;
no_own:
	e = errno;
	io_uring_queue_exit(&p->ring);
	errno = e;
	return -1;
}

/* The median over PEER_BLOCKS of sum(sign[k] * a round of kind k), the
 * kinds whose sign is 0 left out; a block of each first, to warm up. */
static int peer_figure(const int sign[PEER_KINDS], double *out)
{
	struct peer p;
	double d[PEER_BLOCKS];
	cpu_set_t saved;
	int rc = 0;

	/* the thread and its peer on one CPU, as the wake_* probes' waker */
	if (net_calib_pin(&saved) != 0)
		return -1;
	if (peer_open(&p) != 0) {
		net_calib_unpin(&saved);
		return -1;
	}
	for (int b = -1; rc == 0 && b < PEER_BLOCKS; b++) {
		double sum = 0, v;
		for (int k = 0; rc == 0 && k < PEER_KINDS; k++)
			if (sign[k] && (rc = time_rounds(&p, (enum peer_round)k, &v)) == 0)
				sum += sign[k] * v;
		if (rc == 0 && b >= 0)
			d[b] = sum;
	}
	int e = errno;
	peer_close(&p, rc != 0);
	net_calib_unpin(&saved);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	*out = net_calib_median(d, PEER_BLOCKS);
	if (*out < 1)
		*out = 1;
	return 0;
}

int net_calib_uring_timeout(double *out)
{
	static const int sign[PEER_KINDS] = {[RING_WAITS] = -1, [RING_WAITS_LINKED] = 1};

	return peer_figure(sign, out);
}

int net_calib_uring_poll(double *out)
{
	static const int sign[PEER_KINDS] = {[RING_WAITS] = 1, [BLOCKING_WAITS] = -1,
					     [RING_READY] = -1, [RECV_READY] = 1};

	return peer_figure(sign, out);
}
