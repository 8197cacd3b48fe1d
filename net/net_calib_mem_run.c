/* calibrate's process_memory probe, its pool (net_calib_mem.c weighs
 * it): the process model's own workers, forked by the real os where a
 * real C10K pool counts them.  A runner: it loads the model's worker. */
#include "net/net_calib_int.h"
#include "net/net_machine.h"
#include "net/net_os.h"
#include "net/net_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/al_scenario.h"
#include "models/model.h"

/* A process pool's worker where the pool counts it: the process model's
 * own worker (models/process.c), forked by the real os (net_proc.c) from
 * a parent that holds what a real run's model process holds for it (the
 * array of the workers' frames, the os's records, the fd table, the
 * shared trace log), and blocked on its first record because the
 * results pipe is full -- where a C10K pool's live workers are while it
 * forks (docs/real.md: every live worker of a 3,000-worker pool in
 * anon_pipe_write).  What it has written of its parent's pages by then
 * (its frame, its thread's record, its stack) it has copied, and what
 * its parent wrote after its fork (the admission's read of the charge,
 * the next worker's records) the parent has: a page each; the trace
 * log's pages it maps cost it their page tables.
 * It holds no socket yet: a socket is socket_memory's. */
#define CG_CHILDREN 64      /* workers in the cgroup: its charge moves in 256 KiB
                             * steps per CPU, a few % of 64 workers' */
#define CG_TRACE 65536      /* records of the probe's trace log */
#define CG_BLOCK_MS 5000    /* for every worker to block on the pipe */

/* Fills the pipe's write end until it would block, and leaves it blocking. */
static int fill_pipe(int fd)
{
	char junk[4096] = {0};
	size_t len = sizeof junk;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	/* whole pages, then what room a page has left, a byte at a time */
	for (;;) {
		if (write(fd, junk, len) > 0)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (len == 1)
			break;
		len = 1;
	}
	return fcntl(fd, F_SETFL, fl);
}

/* 1 when process pid sleeps (state S), 0 when not, -1 when it is gone. */
static int sleeping(pid_t pid)
{
	char path[64], buf[512];
	int fd, r = -1;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		r = p && p[1] == ' ' ? p[2] == 'S' : -1;
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			r = -1;
	}
	return r;
}

/* 1 when process pid waits in a pipe's write, 0 when it waits elsewhere,
 * -1 when the kernel does not say.  Its wait channel, /proc/PID/wchan,
 * names the kernel function it sleeps in: anon_pipe_write on this VM's
 * kernel (6.18), pipe_write, pipe_wait_writable or pipe_wait on older
 * ones.  wchan says "0" where it hides it (a /proc that does not let us
 * trace pid) or pid is not waiting, and is unreadable without it. */
int net_calib_wchan_pipe_write(const char *wchan)
{
	static const char *const names[] = {"anon_pipe_write", "pipe_write",
					    "pipe_wait_writable", "pipe_wait"};

	if (wchan[0] == 0 || strcmp(wchan, "0") == 0)
		return -1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(wchan, names[i]) == 0)
			return 1;
	return 0;
}

static int in_pipe_write(pid_t pid)
{
	char path[64], buf[64];
	int fd;

	snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return net_calib_wchan_pipe_write(buf);
}

/* 1 when worker pid is blocked on the results pipe, 0 when not yet, -1
 * when it is gone: asleep (state S) in a pipe's write.  Where wchan does
 * not say (in_pipe_write -1), state S alone is taken for it: the pipe's
 * write is where a worker of this probe blocks, but one asleep elsewhere
 * (a page fault's wait, say) would count too. */
static int blocked(pid_t pid)
{
	int s = sleeping(pid);

	if (s <= 0)
		return s;
	return in_pipe_write(pid) != 0;
}

/* Waits until the n workers are blocked in their write to the full pipe
 * (blocked()).  0, or -1 when one died or CG_BLOCK_MS passed. */
static int all_blocked(struct net_os *os, int n)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int asleep = 0;

		for (int i = 0; i < n; i++) {
			int s = blocked(os->spawned[i]->pid);
			if (s < 0)
				return -1;
			asleep += s;
		}
		if (asleep == n)
			return 0;
		/* a deadline on the clock: a round reads n /proc files */
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= CG_BLOCK_MS)
			return -1;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

/* The pool's parent inside cg: a real os, as a real run makes it, forks
 * CG_CHILDREN of the process model's workers on a full pipe; the growth
 * of the cgroup's charge over CG_CHILDREN once all of them are blocked
 * goes up wfd, or -1.  Never returns. */
void net_calib_mem_pool(const struct net_cgroup *cg, int wfd)
{
	static struct al_scenario sc;
	struct al_loop loop;
	struct net_os os;
	struct sockaddr_in nowhere = {.sin_family = AF_INET};
	size_t size = al_process_worker_size();
	struct al_task *tasks = calloc(CG_CHILDREN, sizeof *tasks);
	char *frames = calloc(CG_CHILDREN, size);
	struct net_trace *log = net_trace_new(CG_TRACE);
	int fds[2], n = 0;
	double per = -1;

	al_scenario_default(&sc);
	sc.workload.pages = CG_CHILDREN;
	al_loop_init(&loop, NULL);
	if (!tasks || !frames || !log || net_cgroup_enter(cg) != 0 ||
	    net_os_init(&os, &sc, &loop, &nowhere, 1) != 0)
		goto out;
	(void)net_os_base_now(&os, -1);
	net_os_trace(&os, log, "calibrate");
	if (al_pipe(&os.os, fds) < 0 || fill_pipe(fds[1]) != 0)
		goto out;
	struct al_crawl c = {
		.os = &os.os, .sc = &sc, .cfg = &sc.models[AL_MODEL_PROCESS],
		.pages = CG_CHILDREN,
	};
	/* the frames first: the parent's own growth per worker is
	 * child_record's, not the worker's */
	for (int i = 0; i < CG_CHILDREN; i++)
		al_process_worker_init(frames + (size_t)i * size, &c, fds, i, CG_CHILDREN);
	int64_t before = net_cgroup_usage(cg);
	/* admitted as a real run admits them: each fork reads the charge
	 * first, and the pages that reading writes (a FILE, its buffer) the
	 * parent copies again after every fork */
	net_cgroup_budget(before, INT64_MAX / 2, 0, 0, 0);
	for (; n < CG_CHILDREN; n++) {
		if (al_spawn(&os.os, AL_SPAWN_PROCESS, &tasks[n], al_process_worker,
			     frames + (size_t)n * size, "worker") < 0)
			break;
	}
	int ok = n == CG_CHILDREN && all_blocked(&os, n) == 0;
	int64_t after = net_cgroup_usage(cg);
	if (ok && before >= 0 && after > before)
		per = (double)(after - before) / CG_CHILDREN;
	for (int i = 0; i < n; i++)
		kill(os.spawned[i]->pid, SIGKILL);
	for (int i = 0; i < n; i++)
		while (waitpid(os.spawned[i]->pid, NULL, 0) < 0 && errno == EINTR)
			;
out:
	_exit(write(wfd, &per, sizeof per) == (ssize_t)sizeof per ? 0 : 1);
}
