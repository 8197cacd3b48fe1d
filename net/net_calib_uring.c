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
