/* What a worker costs in memory, measured: the resident bytes a parked
 * thread adds (its stack as far as a worker touches it, its kernel
 * side), and a forked worker's proportional set size, or, where a memory
 * cgroup can be made, what it adds to the cgroup's charge -- the figure
 * a process pool in the scenario's memory hits.  The PSS probe's children
 * run nothing but read, write, close and _exit, which are safe after fork
 * whatever the parent holds; the cgroup probe's run the process model's
 * worker, forked from a pool parent that is itself a fork, so has one
 * thread. */
#include "net/net_calib_int.h"
#include "net/net_machine.h"
#include "net/net_os.h"
#include "net/net_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/al_scenario.h"
#include "models/model.h"

#define MEM_THREADS 64
#define MEM_CHILDREN 10     /* the process model's default pool            */
#define CG_CHILDREN 64      /* workers in the cgroup: its charge moves in 256 KiB
                             * steps per CPU, a few % of 64 workers' */
#define TOUCH 8192          /* a 4 KiB recv buffer and the frames around it */

/* What a worker touches of its stack before it blocks. */
__attribute__((noinline)) static void touch_stack(void)
{
	volatile char buf[TOUCH];

	for (size_t i = 0; i < sizeof(buf); i += 64)
		buf[i] = (char)i;
}

/* Resident bytes of this process (/proc/self/statm, second field). */
static int self_rss(int64_t *bytes)
{
	FILE *f = fopen("/proc/self/statm", "re");
	long long size, res;
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "%lld %lld", &size, &res);
	fclose(f);
	if (n != 2) {
		errno = EPROTO;
		return -1;
	}
	*bytes = res * sysconf(_SC_PAGESIZE);
	return 0;
}

struct parked {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready;
	int release;             /* read end: blocks until the write end closes */
};

static void *park(void *arg)
{
	struct parked *p = arg;
	char c;

	touch_stack();
	pthread_mutex_lock(&p->mu);
	p->ready++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	(void)!read(p->release, &c, 1);
	return NULL;
}

/* The resident memory K parked threads add, divided by K: their touched
 * stacks and glibc's thread descriptors.  The kernel's side (a 16 KiB
 * kernel stack, the task) is not in RSS and not counted. */
int net_calib_thread_memory(double *out)
{
	struct parked p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			   0, -1};
	pthread_t th[MEM_THREADS];
	int fds[2], n, rc = -1, e = 0;
	int64_t before, after = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	p.release = fds[0];
	if (self_rss(&before) < 0)
		goto out;
	for (n = 0; n < MEM_THREADS; n++)
		if ((e = pthread_create(&th[n], NULL, park, &p)) != 0)
			break;
	pthread_mutex_lock(&p.mu);
	while (p.ready < n)
		pthread_cond_wait(&p.cv, &p.mu);
	pthread_mutex_unlock(&p.mu);
	if (n == MEM_THREADS)
		rc = self_rss(&after);
	close(fds[1]);
	fds[1] = -1;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	if (n < MEM_THREADS) {
		errno = e;
		rc = -1;
	} else if (rc == 0 && after <= before) {
		errno = EPROTO;
		rc = -1;
	} else if (rc == 0) {
		*out = (double)(after - before) / MEM_THREADS;
	}
out:
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return rc;
}

/* A child's proportional set size: its private pages plus its share of
 * the pages it still shares with the parent and its siblings. */
static int child_pss(pid_t pid, int64_t *bytes)
{
	char path[64], line[256];
	long long kb = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((f = fopen(path, "re")) == NULL) {
		/* before Linux 4.14: the same lines per mapping */
		snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
		if ((f = fopen(path, "re")) == NULL)
			return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Pss:", 4) == 0) {
			kb += strtoll(line + 4, NULL, 10);
			found = 1;
		}
	fclose(f);
	if (!found || kb <= 0) {
		errno = EPROTO;
		return -1;
	}
	*bytes = kb * 1024;
	return 0;
}

/* A process pool's worker where the pool counts it: the process model's
 * own worker (models/process.c), forked by the real os (net_proc.c) from
 * a parent that holds what a real run's model process holds for it (the
 * array of the workers' frames, the os's records, the fd table, the
 * shared trace log), and blocked on its first record because the
 * results pipe is full -- where a C10K pool's live workers are while it
 * forks (docs/real.md: every live worker of a 3,000-worker pool in
 * anon_pipe_write).  What it has written of its parent's pages by then
 * (its frame, its thread's record, its fd's entry, its stack) it has
 * copied, and the trace log's pages it maps cost it their page tables.
 * It holds no socket yet: a socket is socket_memory's. */
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

/* Waits until the n workers sleep: blocked in their write to the full
 * pipe, the only place they can.  0, or -1 when one died or CG_BLOCK_MS
 * passed. */
static int all_blocked(struct net_os *os, int n)
{
	for (int ms = 0; ms < CG_BLOCK_MS; ms++) {
		int asleep = 0;

		for (int i = 0; i < n; i++) {
			int s = sleeping(os->spawned[i]->pid);
			if (s < 0)
				return -1;
			asleep += s;
		}
		if (asleep == n)
			return 0;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* The pool's parent inside cg: a real os, as a real run makes it, forks
 * CG_CHILDREN of the process model's workers on a full pipe; the growth
 * of the cgroup's charge over CG_CHILDREN once all of them are blocked
 * goes up wfd, or -1.  Never returns. */
static void cg_pool(const struct net_cgroup *cg, int wfd)
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
	int64_t before = net_cgroup_usage(cg);
	for (; n < CG_CHILDREN; n++) {
		al_process_worker_init(frames + (size_t)n * size, &c, fds, n, CG_CHILDREN);
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

/* What a forked worker adds to a memory cgroup's charge (net_machine.h),
 * its pool's parent inside the cgroup as the model's process is, and
 * weighed where the pool counts it (cg_pool): the kernel's side included
 * (page tables, the task, its kernel stack), which is most of it and what
 * a cgroup's limit counts.  -1 with
 * errno ENOTSUP where no cgroup can be made. */
static int process_memory_cgroup(double *out)
{
	struct net_cgroup cg;
	char why[256];
	int fds[2], st;
	double per = -1;

	if (net_cgroup_new(&cg, why, sizeof why) != 0) {
		errno = ENOTSUP;
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		net_cgroup_free(&cg);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		cg_pool(&cg, fds[1]);
	}
	close(fds[1]);
	if (pid > 0) {
		if (read(fds[0], &per, sizeof per) != (ssize_t)sizeof per)
			per = -1;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	close(fds[0]);
	net_cgroup_free(&cg);
	if (per <= 0) {
		errno = EIO;
		return -1;
	}
	*out = per;
	return 0;
}

/* Where a memory cgroup can be made (root, cgroup v1 or a delegated v2):
 * what a worker adds to its charge (process_memory_cgroup), the figure a
 * real run's memory limit meets.  Elsewhere, a pool of MEM_CHILDREN forked
 * workers, each touching its stack and then blocked: the median child's
 * PSS, user pages only.  RSS would count every page a child shares with
 * its parent as its own, ten times over for a pool of ten. */
int net_calib_process_memory(double *out)
{
	if (process_memory_cgroup(out) == 0)
		return 0;
	int ready[2], release[2], n, rc = -1, e = 0;
	pid_t pid[MEM_CHILDREN];
	double pss[MEM_CHILDREN];

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(release, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	for (n = 0; n < MEM_CHILDREN; n++) {
		if ((pid[n] = fork()) < 0) {
			e = errno;
			break;
		}
		if (pid[n] == 0) {
			char c;

			close(ready[0]);
			close(release[1]);
			touch_stack();
			_exit(net_calib_put1(ready[1]) < 0 || read(release[0], &c, 1) < 0);
		}
	}
	close(ready[1]);
	close(release[0]);
	rc = n == MEM_CHILDREN ? 0 : -1;
	for (int i = 0; i < n && rc == 0; i++)
		if ((rc = net_calib_get_ready(ready[0])) < 0)
			e = errno;
	for (int i = 0; i < n && rc == 0; i++) {
		int64_t b = 0;

		if ((rc = child_pss(pid[i], &b)) < 0)
			e = errno;
		pss[i] = (double)b;
	}
	close(release[1]);
	close(ready[0]);
	for (int i = 0; i < n; i++) {
		int st;

		while (waitpid(pid[i], &st, 0) < 0 && errno == EINTR)
			;
	}
	if (rc < 0) {
		errno = e;
		return -1;
	}
	*out = net_calib_median(pss, MEM_CHILDREN);
	return 0;
}
