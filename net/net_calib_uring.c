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
