/* The real os's io_uring (liburing): the ring ops of core/al_os.h.
 *
 * liburing rather than raw io_uring_setup/io_uring_enter: the rings are
 * shared memory whose head and tail need the kernel's memory-ordering
 * rules (acquire/release on each index), and the SQE layout changes with
 * the kernel; Debian's liburing is the kernel's own user-space half,
 * written by io_uring's author, and keeps that right for us.
 *
 * ring_queue prepares an SQE (no syscall); the page timeout rides along as
 * a linked timeout (IORING_OP_LINK_TIMEOUT), whose own completion carries
 * no data and is dropped.  ring_enter is io_uring_submit_and_wait: one
 * io_uring_enter that submits all the SQEs and sleeps until a completion
 * is there -- the real thread blocks inside the call, as every blocking
 * call of the real os does.  Where io_uring is refused, ring_open says so
 * (-errno); ASYNCLAB_URING_REFUSE=ENOSYS|EPERM|EOPNOTSUPP makes it refuse
 * on purpose, which is how the tests reach that path on a kernel that has
 * io_uring. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <liburing.h>

#include "net/net_os_int.h"
#include "net/net_trace.h"

#define SQ_MAX 4096
#define CQ_MAX 65536

/* A connect from its page's port (the kernel path with loss, net_os.h's
 * page_ports): if its 4-tuple is still in use the kernel says
 * EADDRNOTAVAIL, and the ring tries again from a fresh unbound socket on
 * the same fd, within the page's timeout, as net_connect does.  Its SQE's
 * data points here (tagged: the low bit set) to keep the fd and the
 * address (net_os's own: the kernel reads it when it takes the SQE). */
struct bound_connect {
	void *data;
	int fd;
	const struct sockaddr_in *addr;
	struct bound_connect *prev, *next;   /* the ring's, in flight */
};
#define BOUND_TAG ((uintptr_t)1)

struct net_ring {
	struct io_uring ring;
	unsigned sq_entries;
	/* the linked timeouts' timespecs, read by the kernel at submission:
	 * one per SQE queued since the last submit */
	struct __kernel_timespec *ts;
	unsigned nts;
	unsigned queued;             /* SQEs not yet submitted */
	int64_t inflight;            /* ops submitted, not yet reaped */
	/* ops that ended before reaching the kernel (their fd's timeout had
	 * passed): reaped first, without a syscall */
	struct al_ring_cqe *local;
	size_t nlocal, local_cap;
	/* the bound connects in flight: their SQEs point to them, so a
	 * ring closed before their completions frees them here */
	struct bound_connect *bound;
};

static struct net_ring *ring_of(struct net_os *n, int ring)
{
	return ring >= 0 && ring < NET_MAX_RINGS ? n->rings[ring] : NULL;
}

/* The refusal the environment asks for (tests), or 0. */
static int refused_on_purpose(void)
{
	const char *e = getenv("ASYNCLAB_URING_REFUSE");

	if (!e || !*e)
		return 0;
	if (strcmp(e, "EPERM") == 0)
		return EPERM;
	if (strcmp(e, "EOPNOTSUPP") == 0)
		return EOPNOTSUPP;
	return ENOSYS;
}

/* Every op the model needs, or -EOPNOTSUPP: an old kernel lacks some. */
static int probe(struct io_uring *ring)
{
	static const int need[] = {IORING_OP_CONNECT, IORING_OP_SEND, IORING_OP_RECV,
				   IORING_OP_CLOSE, IORING_OP_LINK_TIMEOUT};
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	int ok = p != NULL;

	for (size_t i = 0; ok && i < sizeof need / sizeof need[0]; i++)
		ok = io_uring_opcode_supported(p, need[i]);
	if (p)
		io_uring_free_probe(p);
	return ok ? 0 : -EOPNOTSUPP;
}

int64_t net_ring_open(struct al_os *os, int entries)
{
	struct net_os *n = NET(os);
	int slot = 0;

	while (slot < NET_MAX_RINGS && n->rings[slot])
		slot++;
	if (entries <= 0)
		return -EINVAL;
	if (slot == NET_MAX_RINGS)
		return -EMFILE;
	int e = refused_on_purpose();
	if (e)
		return -e;
	struct net_ring *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	/* the CQ holds every op in flight and its timeout's completion */
	struct io_uring_params p = {.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP};
	r->sq_entries = entries > SQ_MAX ? SQ_MAX : (unsigned)entries;
	p.cq_entries = entries > CQ_MAX / 2 ? CQ_MAX : 2 * (unsigned)entries;
	net_count(&n->counts->syscalls);         /* io_uring_setup */
	int rc = io_uring_queue_init_params(r->sq_entries, &r->ring, &p);
	if (rc < 0) {
		free(r);
		return rc;                   /* -ENOSYS, -EPERM, -ENOMEM, -EMFILE */
	}
	r->sq_entries = p.sq_entries;
	if ((rc = probe(&r->ring)) < 0 ||
	    !(r->ts = calloc(r->sq_entries, sizeof *r->ts))) {
		io_uring_queue_exit(&r->ring);
		free(r);
		return rc < 0 ? rc : -ENOMEM;
	}
	n->rings[slot] = r;
	return slot;
}

static int local_done(struct net_ring *r, void *data, int64_t res)
{
	if (r->nlocal == r->local_cap) {
		size_t cap = r->local_cap ? 2 * r->local_cap : 16;
		struct al_ring_cqe *l = realloc(r->local, cap * sizeof *l);
		if (!l)
			return -ENOMEM;
		r->local = l;
		r->local_cap = cap;
	}
	r->local[r->nlocal++] = (struct al_ring_cqe){.data = data, .res = res};
	return 0;
}

/* Submits what is queued: one io_uring_enter.  0 or -errno. */
static int submit(struct net_os *n, struct net_ring *r, unsigned wait_nr)
{
	int rc;

	do {
		net_count(&n->counts->syscalls);
		rc = wait_nr ? io_uring_submit_and_wait(&r->ring, wait_nr)
			     : io_uring_submit(&r->ring);
	} while (rc == -EINTR);
	if (rc >= 0) {
		/* the kernel may take fewer than were queued (an SQE it
		 * refuses ends the batch): the rest stay queued, and their
		 * linked timeouts still point into ts, which the kernel reads
		 * only when it takes them -- so ts is reused only once every
		 * queued SQE is in */
		r->queued -= (unsigned)rc < r->queued ? (unsigned)rc : r->queued;
		if (r->queued == 0)
			r->nts = 0;
	}
	return rc < 0 ? rc : 0;
}

/* Room for an op and its linked timeout: submits what is queued if need
 * be.  0, submit()'s -errno, or -EBUSY when the kernel took too few of
 * them to make room (an enter will take the rest). */
static int make_room(struct net_os *n, struct net_ring *r)
{
	if (io_uring_sq_space_left(&r->ring) >= 2 && r->nts < r->sq_entries)
		return 0;
	int rc = submit(n, r, 0);
	if (rc < 0)
		return rc;
	return io_uring_sq_space_left(&r->ring) >= 2 && r->nts < r->sq_entries ? 0 : -EBUSY;
}

/* Links a timeout of left ns (> 0) to sqe, the SQE got last: make_room
 * made room for it. */
static void link_timeout(struct net_ring *r, struct io_uring_sqe *sqe, int64_t left)
{
	struct __kernel_timespec *ts = &r->ts[r->nts];
	struct io_uring_sqe *t = io_uring_get_sqe(&r->ring);

	if (!t)
		return;                      /* not after make_room */
	r->nts++;
	ts->tv_sec = left / 1000000000;
	ts->tv_nsec = left % 1000000000;
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_prep_link_timeout(t, ts, 0);
	io_uring_sqe_set_data(t, NULL);
	r->queued++;
}

/* What is left of fd's page timeout, ns: > 0, -1 if none, 0 if passed. */
static int64_t time_left(struct net_os *n, int fd)
{
	struct net_fd *k = net_fd_of(n, fd);

	if (!k || !k->deadline)
		return -1;
	int64_t left = k->deadline - net_now(&n->os);
	if (k->expired || left <= 0) {
		k->expired = 1;
		return 0;
	}
	return left;
}

/* A socket's bookkeeping at its close, as net_close keeps it. */
static void forget(struct net_os *n, int fd)
{
	struct net_fd *k = net_fd_of(n, fd);

	if (!k)
		return;
	net_sel_forget(n, fd);
	if (k->sock) {
		net_count_open(n, -1);
		struct tcp_info ti;
		socklen_t len = sizeof ti;
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    len >= offsetof(struct tcp_info, tcpi_total_retrans) + sizeof(uint32_t))
			__atomic_fetch_add(&n->counts->retransmits, (int64_t)ti.tcpi_total_retrans,
					   __ATOMIC_RELAXED);
	}
	k->deadline = 0;
	k->expired = 0;
	k->sock = 0;
}

int64_t net_ring_queue(struct al_os *os, int ring, const struct al_ring_op *op)
{
	static const enum al_state waits[] = {
		[AL_RING_CONNECT] = AL_ST_CONNECT, [AL_RING_SEND] = AL_ST_SEND,
		[AL_RING_RECV] = AL_ST_RECV, [AL_RING_CLOSE] = AL_ST_RUNNING,
	};
	struct net_os *n = NET(os);
	struct net_ring *r = ring_of(n, ring);

	if (!r)
		return -EBADF;
	if (!op->data || op->code < AL_RING_CONNECT || op->code > AL_RING_CLOSE)
		return -EINVAL;
	int64_t left = op->code == AL_RING_CLOSE ? -1 : time_left(n, op->fd);
	if (left == 0)
		return local_done(r, op->data, -ETIMEDOUT);
	/* room for the op and its timeout, or submit what is there first */
	int rc = make_room(n, r);
	if (rc < 0)
		return rc;
	if (n->log)
		net_trace_state(n->log, net_now(os), net_task_lane(n), waits[op->code],
				op->code == AL_RING_CONNECT ? op->page + 1 : 0);
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	if (!sqe)
		return -EBUSY;               /* not after the room was made */
	switch (op->code) {
	case AL_RING_CONNECT: {
		int64_t page = op->page < 0 ? 0 : op->page;
		const struct sockaddr_in *a = &n->addr[page % n->naddr];
		struct bound_connect *bc = NULL;
		if (n->page_ports && net_bind_page_port(op->fd, page) &&
		    (bc = malloc(sizeof *bc)) != NULL) {
			*bc = (struct bound_connect){.data = op->data, .fd = op->fd, .addr = a,
						     .next = r->bound};
			if (r->bound)
				r->bound->prev = bc;
			r->bound = bc;
		}
		io_uring_prep_connect(sqe, op->fd, (const struct sockaddr *)a, sizeof *a);
		if (bc) {
			io_uring_sqe_set_data(sqe, (void *)((uintptr_t)bc | BOUND_TAG));
			goto queued;
		}
		break;
	}
	case AL_RING_SEND:
		io_uring_prep_send(sqe, op->fd, op->buf, op->len, MSG_NOSIGNAL);
		break;
	case AL_RING_RECV:
		io_uring_prep_recv(sqe, op->fd, op->buf, op->len, 0);
		break;
	default:
		forget(n, op->fd);
		io_uring_prep_close(sqe, op->fd);
		break;
	}
	io_uring_sqe_set_data(sqe, op->data);
queued:
	r->queued++;
	r->inflight++;
	if (left > 0)
		link_timeout(r, sqe, left);
	return 0;
}

/* A bound connect's completion (*res): its data, or NULL when it was
 * tried again unbound (its completion is yet to come).  The retry keeps
 * the page's timeout: a linked timeout of what is left of it, or
 * -ETIMEDOUT at once when nothing is. */
static void *bound_done(struct net_os *n, struct net_ring *r, struct bound_connect *bc,
			int64_t *res)
{
	void *data = bc->data;
	struct io_uring_sqe *sqe;
	int64_t left = -1;

	if (*res == -EADDRNOTAVAIL && (left = time_left(n, bc->fd)) == 0) {
		*res = -ETIMEDOUT;
	} else if (*res == -EADDRNOTAVAIL && net_fresh_socket(bc->fd) == 0 &&
		   make_room(n, r) == 0 && (sqe = io_uring_get_sqe(&r->ring)) != NULL) {
		io_uring_prep_connect(sqe, bc->fd, (const struct sockaddr *)bc->addr,
				      sizeof *bc->addr);
		io_uring_sqe_set_data(sqe, data);
		r->queued++;
		if (left > 0)
			link_timeout(r, sqe, left);
		data = NULL;                 /* in flight again */
	}
	*(bc->prev ? &bc->prev->next : &r->bound) = bc->next;
	if (bc->next)
		bc->next->prev = bc->prev;
	free(bc);
	return data;
}

/* Up to max completions: the local ones, then the kernel's. */
static int reap(struct net_os *n, struct net_ring *r, struct al_ring_cqe *out, int max)
{
	int got = 0;
	size_t i = 0;

	while (i < r->nlocal && got < max)
		out[got++] = r->local[i++];
	if (i > 0) {
		memmove(r->local, r->local + i, (r->nlocal - i) * sizeof *r->local);
		r->nlocal -= i;
	}
	struct io_uring_cqe *cqe;
	while (got < max && io_uring_peek_cqe(&r->ring, &cqe) == 0) {
		void *data = io_uring_cqe_get_data(cqe);
		int64_t res = cqe->res;
		io_uring_cqe_seen(&r->ring, cqe);
		if (!data)
			continue;            /* a linked timeout's own */
		if ((uintptr_t)data & BOUND_TAG) {
			data = bound_done(n, r, (void *)((uintptr_t)data & ~BOUND_TAG), &res);
			if (!data)
				continue;
		}
		r->inflight--;
		out[got++] = (struct al_ring_cqe){.data = data, .res = res};
	}
	return got;
}

int64_t net_ring_enter(struct al_os *os, int ring, struct al_ring_cqe *out, int max,
		       struct al_future *wait)
{
	struct net_os *n = NET(os);
	struct net_ring *r = ring_of(n, ring);
	int rc = 0;

	if (!r)
		return al_os_finish(wait, -EBADF);
	if (max <= 0)
		return al_os_finish(wait, -EINVAL);
	if (r->queued == 0 && r->inflight == 0 && r->nlocal == 0)
		return al_os_finish(wait, -ENOENT);    /* would wait forever */
	if (r->nlocal > 0 || io_uring_cq_ready(&r->ring) > 0 || !wait) {
		if (r->queued > 0)
			rc = submit(n, r, 0);
	} else {
		net_trace_block(n, AL_ST_WAIT);
		rc = submit(n, r, 1);
		net_trace_run(n, 0);
	}
	int got = reap(n, r, out, max);
	if (got == 0 && rc < 0)
		return al_os_finish(wait, rc);
	/* a timeout that cancelled its op: the page's timeout */
	for (int i = 0; i < got; i++)
		if (out[i].res == -ECANCELED)
			out[i].res = -ETIMEDOUT;
	return al_os_finish(wait, got);
}

static void ring_free(struct net_ring *r)
{
	io_uring_queue_exit(&r->ring);
	while (r->bound) {
		struct bound_connect *bc = r->bound;
		r->bound = bc->next;
		free(bc);
	}
	free(r->ts);
	free(r->local);
	free(r);
}

int64_t net_ring_close(struct al_os *os, int ring)
{
	struct net_os *n = NET(os);
	struct net_ring *r = ring_of(n, ring);

	if (!r)
		return -EBADF;
	net_count(&n->counts->syscalls);         /* close */
	n->rings[ring] = NULL;
	ring_free(r);
	return 0;
}

void net_ring_free_all(struct net_os *n)
{
	for (int i = 0; i < NET_MAX_RINGS; i++)
		if (n->rings[i]) {
			ring_free(n->rings[i]);
			n->rings[i] = NULL;
		}
}
