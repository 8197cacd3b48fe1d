/* A probe's child: read its figure within a time, reap it within one,
 * or run a whole measurement in a fresh child, forked by calibrate or by
 * a forker that never made a thread.  A child that hangs is killed, never
 * waited on for good: calibrate must end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/net_calib_int.h"

#define CHILD_WAIT_MS 5000   /* reap: a child this slow to exit is killed */

int net_calib_read_within(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int64_t end = net_mono_ns() + ms * 1000000LL, left;
	int r = 0;

	/* a signal does not restart the wait: it goes on to the same end */
	while ((left = (end - net_mono_ns() + 999999) / 1000000) > 0 &&
	       (r = poll(&p, 1, (int)left)) < 0 && errno == EINTR)
		;
	if (r == 0 || (r < 0 && errno == EINTR))
		errno = ETIMEDOUT;
	if (r != 1)
		return -1;
	ssize_t got = read(fd, buf, len);
	if (got != (ssize_t)len) {
		errno = got < 0 ? errno : EPIPE;
		return -1;
	}
	return 0;
}

int net_calib_reap(pid_t pid)
{
	int st = 0;

	for (int ms = 0; ms < CHILD_WAIT_MS; ms += 2) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			if (WIFEXITED(st))
				return WEXITSTATUS(st);
			errno = EPROTO;      /* a signal's death, not ours */
			return -1;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		usleep(2000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	errno = ETIMEDOUT;
	return -1;
}

int net_calib_in_child(int (*fn)(double *ns), double *out, int ms)
{
	struct {
		double ns;
		int err;
	} r = {0, 0};
	int fd[2];

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
		close(fd[0]);
		r.err = fn(&r.ns);
		_exit(write(fd[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
	}
	close(fd[1]);
	int got = net_calib_read_within(fd[0], &r, sizeof r, ms);
	int e = errno;
	close(fd[0]);
	if (got != 0)
		kill(pid, SIGKILL);          /* a figure that never came back */
	net_calib_reap(pid);
	if (got != 0 || r.err) {
		errno = got != 0 ? e : r.err;
		return -1;
	}
	*out = r.ns;
	return 0;
}

/* --- children of a process that never made a thread
 *
 * A model's process on the real backend is forked from a runner that
 * never made a thread, and its first thread pays for glibc making the
 * process a threaded one (the SIGRT_1 handler installed and unblocked,
 * the first stack mapped).  Calibrate makes threads in its probes, and
 * its children inherit glibc's threaded state and stack cache: their
 * first thread skips that set-up.  So net_calib_run forks this forker
 * before its first probe: it waits for a request (the function to run,
 * which its children share with calibrate's image, and a time limit),
 * forks a child that runs it, reads the child's reply within the limit
 * (a child past it is killed; one silent or killed gets ETIMEDOUT or
 * EPIPE), reaps it and passes the reply on; a request with no function
 * ends it (net_calib_fresh_stop).  A fork of a never-threaded
 * process, as the model's process is, rather than an exec of the binary
 * with a hidden command: the same copy-on-write address space as a
 * model's process, and no command-line entry kept for a probe. */
struct fresh_req {
	int (*fn)(double *ns);   /* NULL: quit */
	int ms;
};

struct fresh_reply {
	double ns;
	int err;
};

#define FRESH_SLACK_MS 2000   /* the forker's own time over a child's limit */

static pid_t fresh_pid = -1;
static int fresh_req = -1, fresh_rep = -1;   /* calibrate's ends */

/* one request: fn in a child, its reply read within ms */
static struct fresh_reply fresh_run(const struct fresh_req *q)
{
	struct fresh_reply r = {0, 0};
	int fd[2];

	if (pipe(fd) != 0) {
		r.err = errno;
		return r;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		r.err = q->fn(&r.ns);
		_exit(write(fd[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
	}
	int e = errno;
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		r.err = e;
		return r;
	}
	if (net_calib_read_within(fd[0], &r, sizeof r, q->ms) != 0) {
		r = (struct fresh_reply){0, errno};
		kill(pid, SIGKILL);
	}
	close(fd[0]);
	net_calib_reap(pid);
	return r;
}

static void fresh_serve(int req, int rep)
{
	struct fresh_req q;

	while (read(req, &q, sizeof q) == (ssize_t)sizeof q && q.fn) {
		struct fresh_reply r = fresh_run(&q);
		if (write(rep, &r, sizeof r) != (ssize_t)sizeof r)
			break;
	}
}

/* 1 in a process that never made a thread.  glibc's first
 * pthread_create installs its SIGRT_1 (SIGSETXID) handler, and it stays
 * when that thread has ended, as the rest of the set-up does (the stack
 * cache): so the handler, read through the kernel's sigaction (glibc's
 * hides the signal), not /proc's Threads: (live threads, 1 again once the
 * thread is joined).  Default, or ignored as GNU make leaves it: none. */
#define SIGRT_1 33

static int never_threaded(void)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} k = {0};

	if (syscall(SYS_rt_sigaction, SIGRT_1, NULL, &k, sizeof k.mask) != 0)
		return 0;
	return k.handler == SIG_DFL || k.handler == SIG_IGN;
}

/* write(2) with SIGPIPE blocked in this thread: a reader gone is -1 with
 * EPIPE, not the process's end.  The SIGPIPE the write raised is taken
 * back; one pending before it is left pending. */
static ssize_t write_nopipe(int fd, const void *buf, size_t len)
{
	static const struct timespec now = {0, 0};
	sigset_t pipe_set, old, pending;
	ssize_t n;
	int e;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	(void)sigpending(&pending);
	int had = sigismember(&pending, SIGPIPE) == 1;
	(void)pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, buf, len);
	e = errno;
	if (n < 0 && e == EPIPE && !had)
		while (sigtimedwait(&pipe_set, NULL, &now) < 0 && errno == EINTR)
			;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}

int net_calib_fresh_start(void)
{
	int req[2], rep[2];

	if (fresh_pid > 0)
		return 0;
	/* its children would be a threaded process's: thread_first is not
	 * measured rather than measured wrong */
	if (!never_threaded()) {
		errno = ECHILD;
		return -1;
	}
	if (pipe2(req, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(rep, O_CLOEXEC) != 0) {
		int e = errno;
		close(req[0]);
		close(req[1]);
		errno = e;
		return -1;
	}
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		close(req[1]);
		close(rep[0]);
		/* calibrate killed: nobody to answer */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == parent)
			fresh_serve(req[0], rep[1]);
		_exit(0);
	}
	int e = errno;
	close(req[0]);
	close(rep[1]);
	if (pid < 0) {
		close(req[1]);
		close(rep[0]);
		errno = e;
		return -1;
	}
	fresh_pid = pid;
	fresh_req = req[1];
	fresh_rep = rep[0];
	return 0;
}

void net_calib_fresh_stop(void)
{
	static const struct fresh_req quit = {NULL, 0};
	int e = errno;

	if (fresh_pid <= 0)
		return;
	/* asked to quit, not told by EOF: a child calibrate forked since
	 * holds the request pipe's write end, so the forker's read would
	 * not get 0 while that child lives */
	(void)write_nopipe(fresh_req, &quit, sizeof quit);
	close(fresh_req);
	close(fresh_rep);
	net_calib_reap(fresh_pid);
	fresh_pid = -1;
	fresh_req = fresh_rep = -1;
	errno = e;
}

int net_calib_in_fresh_child(int (*fn)(double *ns), double *out, int ms)
{
	struct fresh_req q = {fn, ms};
	struct fresh_reply r = {0, 0};

	if (fresh_pid <= 0) {
		errno = ECHILD;
		return -1;
	}
	if (write_nopipe(fresh_req, &q, sizeof q) != (ssize_t)sizeof q ||
	    net_calib_read_within(fresh_rep, &r, sizeof r, ms + FRESH_SLACK_MS) != 0) {
		/* a forker gone, or stuck: a late reply would answer the
		 * next request, so there is no next one */
		int e = errno;
		kill(fresh_pid, SIGKILL);
		net_calib_fresh_stop();
		errno = e;
		return -1;
	}
	if (r.err) {
		errno = r.err;
		return -1;
	}
	*out = r.ns;
	return 0;
}
