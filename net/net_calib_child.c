/* A probe's child: read its figure within a time, reap it within one,
 * or run a whole measurement in a fresh child.  A child that hangs is
 * killed, never waited on for good: calibrate must end. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
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
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		usleep(2000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
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
