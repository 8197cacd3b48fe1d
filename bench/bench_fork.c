/* What a fork costs as live workers pile up (issue 11): a real C10K
 * process pool's `create` spans grow from 3.6 ms to 12-14 ms past 4,000
 * live workers (docs/real.md), where calibrate's process_create forks
 * with none alive.  Here a process with a touched heap of H MiB parks N
 * children (each blocked in read, as a worker waiting for its page is)
 * and then forks FORKS more that exit at once: the median wall time of
 * the fork() call, and the CPU of fork + exit + wait per fork, from
 * getrusage of the process and its reaped children.  Each (H, N) runs in
 * a process of its own, so that one's children and heap do not weigh on
 * the next.  Figures, not assertions: on a VM shared with other work
 * they move by more than the effect (docs/real.md says what was seen). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FORKS 40

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t rusage_ns(void)
{
	struct rusage s, c;

	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	return ((int64_t)s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec +
		c.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec +
		c.ru_stime.tv_usec) * 1000;
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* One point, in the calling process: prints a line, returns 0 or -1. */
static int point(int mib, int live)
{
	size_t heap = (size_t)mib << 20;
	char *h = malloc(heap);
	pid_t *kids = calloc((size_t)live + 1, sizeof *kids);
	int64_t wall[FORKS];
	int p[2] = {-1, -1}, parked = 0, rc = -1;

	if (!h || !kids || pipe(p) < 0)
		goto out;
	for (size_t i = 0; i < heap; i += 4096)
		h[i] = (char)i;              /* anonymous pages the forks share */
	for (; parked < live; parked++) {
		if ((kids[parked] = fork()) < 0)
			break;
		if (kids[parked] == 0) {
			char c;
			close(p[1]);
			_exit(read(p[0], &c, 1) < 0);
		}
	}
	int64_t r0 = rusage_ns();
	for (int i = 0; i < FORKS; i++) {
		int64_t t0 = mono_ns();
		pid_t q = fork();

		wall[i] = mono_ns() - t0;
		if (q < 0)
			goto out;
		if (q == 0)
			_exit(0);
		while (waitpid(q, NULL, 0) < 0 && errno == EINTR)
			;
	}
	int64_t cpu = (rusage_ns() - r0) / FORKS;
	qsort(wall, FORKS, sizeof wall[0], by_value);
	printf("  %3d MiB  %5d live%s  fork() %7.1f us   fork + exit + wait CPU %7.1f us\n",
	       mib, parked, parked < live ? " (all it could)" : "", (double)wall[FORKS / 2] / 1e3,
	       (double)cpu / 1e3);
	rc = 0;
out:
	if (rc != 0)
		printf("  %3d MiB  %5d live: %s\n", mib, live, strerror(errno));
	if (p[1] >= 0)
		close(p[1]);                 /* the parked children's EOF */
	for (int i = 0; i < parked; i++)
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(kids);
	free(h);
	return rc;
}

int main(void)
{
	static const int mib[] = {4, 32}, live[] = {0, 1000, 3000};

	printf("fork cost against live workers (median of %d forks; CPU from getrusage)\n",
	       FORKS);
	fflush(stdout);
	for (size_t m = 0; m < sizeof mib / sizeof mib[0]; m++)
		for (size_t l = 0; l < sizeof live / sizeof live[0]; l++) {
			pid_t pid = fork();
			int st = 0;

			if (pid < 0) {
				perror("fork");
				return 1;
			}
			if (pid == 0) {
				int r = point(mib[m], live[l]);
				fflush(stdout);
				_exit(r != 0);
			}
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		}
	return 0;
}
