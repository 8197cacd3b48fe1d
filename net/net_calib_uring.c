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
#include <sys/socket.h>
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

/* In a child: the ring as net_ring_open and net_ring_close make it (its
 * sizes, the opcode probe, queue_exit), on the child's CPU clock.  The
 * ring's CPU in ns, or -errno. */
static double one_ring(void)
{
	struct io_uring ring;
	struct io_uring_params p = {.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
				    .cq_entries = 2 * SETUP_ENTRIES};
	int64_t t0 = net_cpu_ns();
	int rc = io_uring_queue_init_params(SETUP_ENTRIES, &ring, &p);

	if (rc < 0)
		return rc;
	struct io_uring_probe *pr = io_uring_get_probe_ring(&ring);
	int ok = pr && io_uring_opcode_supported(pr, IORING_OP_CONNECT);
	if (pr)
		io_uring_free_probe(pr);
	io_uring_queue_exit(&ring);
	return ok ? (double)(net_cpu_ns() - t0) : -EOPNOTSUPP;
}

/* A ring in a freshly forked process: its first, as the uring model's
 * run (a process of its own, forked for it) makes its one.  A later ring
 * in the same process costs about half: the first pays the task's
 * io_uring context and the faults of a fresh address space.  The median
 * of SETUP_CHILDREN children. */
int net_calib_uring_setup(double *out)
{
	double v[SETUP_CHILDREN];

	for (int i = 0; i < SETUP_CHILDREN; i++) {
		int fd[2], st;

		if (pipe(fd) != 0)
			return -1;
		pid_t pid = fork();
		if (pid < 0) {
			int e = errno;
			close(fd[0]);
			close(fd[1]);
			errno = e;
			return -1;
		}
		if (pid == 0) {
			double ns = one_ring();
			_exit(write(fd[1], &ns, sizeof ns) == (ssize_t)sizeof ns ? 0 : 1);
		}
		close(fd[1]);
		ssize_t got = read(fd[0], &v[i], sizeof v[i]);
		close(fd[0]);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (got != (ssize_t)sizeof v[i]) {
			errno = EPIPE;
			return -1;
		}
		if (v[i] < 0) {
			errno = (int)-v[i];
			return -1;
		}
	}
	*out = net_calib_median(v, SETUP_CHILDREN);
	return 0;
}

/* --- an op's linked timeout
 *
 * The uring model links a timeout (IORING_OP_LINK_TIMEOUT) to each
 * connect, send and recv of a page that has a deadline.  Its price is
 * measured where the crawl pays it: a recv that waits, the thread asleep
 * in its enter until a peer (a forked child, woken through a pipe) sends
 * a byte TIMEOUT_GAP_US later.  Blocks of rounds with and without the
 * link alternate on the thread's CPU clock; the figure is the median of
 * the blocks' differences, per round.  The wake-up, the enter and the
 * recv are in both and cancel out. */

#define TIMEOUT_BLOCKS 6
#define TIMEOUT_ROUNDS 60
#define TIMEOUT_GAP_US 20

/* CPU ns per round of a recv on fd, with a linked timeout or not, the
 * peer told through ctl; -1 with errno. */
static int time_recvs(struct io_uring *ring, int fd, int ctl, int linked, double *out)
{
	struct __kernel_timespec ts = {.tv_sec = 30};
	char buf[16], c = 'x';
	int64_t t0 = net_cpu_ns();

	for (int r = 0; r < TIMEOUT_ROUNDS; r++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
		if (!sqe) {
			errno = EBUSY;
			return -1;
		}
		io_uring_prep_recv(sqe, fd, buf, sizeof buf, 0);
		io_uring_sqe_set_data(sqe, buf);
		if (linked) {
			struct io_uring_sqe *t = io_uring_get_sqe(ring);
			if (!t) {
				errno = EBUSY;
				return -1;
			}
			sqe->flags |= IOSQE_IO_LINK;
			io_uring_prep_link_timeout(t, &ts, 0);
			io_uring_sqe_set_data(t, NULL);
		}
		int rc = io_uring_submit(ring);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
		if (write(ctl, &c, 1) != 1)
			return -1;
		/* until the recv's completion: the timeout's may come apart */
		for (int got = 0; !got;) {
			struct io_uring_cqe *cqe;
			unsigned head, seen = 0;
			rc = io_uring_wait_cqe(ring, &cqe);
			if (rc < 0) {
				errno = -rc;
				return -1;
			}
			io_uring_for_each_cqe(ring, head, cqe) {
				seen++;
				if (io_uring_cqe_get_data(cqe)) {
					if (cqe->res != 1) {
						errno = cqe->res < 0 ? -cqe->res : EPROTO;
						return -1;
					}
					got = 1;
				}
			}
			io_uring_cq_advance(ring, seen);
		}
	}
	*out = (double)(net_cpu_ns() - t0) / TIMEOUT_ROUNDS;
	return 0;
}

/* The peer: a byte on data TIMEOUT_GAP_US after each one on ctl. */
static void peer(int ctl, int data)
{
	char c;

	while (read(ctl, &c, 1) == 1) {
		usleep(TIMEOUT_GAP_US);
		if (write(data, &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

int net_calib_uring_timeout(double *out)
{
	struct io_uring ring;
	int sv[2], ctl[2], st, rc = io_uring_queue_init(8, &ring, 0);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		int e = errno;
		io_uring_queue_exit(&ring);
		errno = e;
		return -1;
	}
	if (pipe(ctl) != 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		io_uring_queue_exit(&ring);
		errno = e;
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(ctl[1]);
		close(sv[0]);
		peer(ctl[0], sv[1]);
	}
	int e = errno;
	close(ctl[0]);
	close(sv[1]);
	double d[TIMEOUT_BLOCKS], plain = 0, linked = 0;
	rc = pid < 0 ? -1 : 0;
	/* a block of each to warm up, then the blocks that count */
	for (int b = -1; rc == 0 && b < TIMEOUT_BLOCKS; b++) {
		rc = time_recvs(&ring, sv[0], ctl[1], 0, &plain);
		if (rc == 0)
			rc = time_recvs(&ring, sv[0], ctl[1], 1, &linked);
		if (rc == 0 && b >= 0)
			d[b] = linked - plain;
	}
	if (rc != 0)
		e = errno;
	close(ctl[1]);                       /* the peer reads its end */
	close(sv[0]);
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	io_uring_queue_exit(&ring);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	*out = net_calib_median(d, TIMEOUT_BLOCKS);
	if (*out < 1)
		*out = 1;
	return 0;
}
