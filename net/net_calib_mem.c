/* What a worker costs in memory, measured: the resident bytes a parked
 * thread adds (its stack as far as a worker touches it, its kernel
 * side), and a forked worker's proportional set size, or, where a memory
 * cgroup can be made, what it adds to the cgroup's charge -- the figure
 * a process pool in the scenario's memory hits.  The PSS probe's children
 * run nothing but read, write, close and _exit, which are safe after fork
 * whatever the parent holds; the cgroup probe's pool, which runs the
 * process model's worker, is net_calib_mem_run.c's. */
#include "net/net_calib_int.h"
#include "net/net_machine.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MEM_THREADS 64
#define MEM_CHILDREN 10     /* the process model's default pool            */
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

/* What a forked worker adds to a memory cgroup's charge (net_machine.h),
 * its pool's parent inside the cgroup as the model's process is, and
 * weighed where the pool counts it (net_calib_mem_pool): the kernel's side included
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
	fflush(NULL);  /* the pool's spawns flush: nothing of ours twice */
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		net_calib_mem_pool(&cg, fds[1]);
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
	if (errno != ENOTSUP)
		return -1;  /* a cgroup, and its pool failed: not the PSS's figure */
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
