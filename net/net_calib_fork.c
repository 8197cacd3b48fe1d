/* What a process pool's fork costs beyond calibrate's bare one (issue 11,
 * docs/costs.md "process_create, fork_per_mib, process_cow"): perf on a
 * real pool shows the parent's fork copying page tables in proportion to
 * its resident anonymous memory (copy_page_range, dup_mmap), and each
 * worker paying for its copy-on-write faults, the dynamic linker's first
 * calls and its exit's teardown.  Both are CPU, so both are timed on CPU
 * clocks: the parent's own (CLOCK_PROCESS_CPUTIME_ID) and the reaped
 * child's (wait4's rusage, whose user + system sum is the scheduler's
 * exact runtime), never the wall clock a neighbour's burst stretches. */
#include "net/net_calib.h"
#include "net/net_calib_int.h"
#include "net/net_emu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#define FORKS 10            /* forked + reaped per case and repetition     */
#define BIG_MIB 16          /* the resident heap that fork_per_mib adds    */
#define COW_PAGES 48        /* pages a worker writes that its parent had:
			     * a real C10K worker takes ~50 minor faults
			     * (its wait4 rusage), its stack, heap, GOT */
#define PARENT_PAGES 16     /* pages the parent writes after each fork: a
			     * real pool's parent takes ~18.6 minor faults a
			     * fork (its rusage), 1-2 of them first touches */

static int64_t self_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t ru_ns(const struct rusage *ru)
{
	return ((int64_t)ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000;
}

/* The child's life: nothing (bare), or a worker's start without its
 * pages: writes to `cow` pages its parent touched, its own event loop (as
 * net_proc.c's workers make one), a socket opened and closed.  It leaves
 * its CPU so far in `*lived` (shared with the parent) as it calls _exit:
 * its rusage less that is its exit (process_exit, exit_per_mib). */
static void child(char *cow, int pages, int64_t *lived)
{
	if (pages > 0) {
		for (int i = 0; i < pages; i++)
			cow[(size_t)i * 4096] = (char)i;
		struct event_base *b = event_base_new();
		if (b)
			event_base_free(b);
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0)
			close(fd);
	}
	*lived = self_cpu_ns();
	_exit(0);
}

/* FORKS forks of a child living as above; the mean CPU of the parent's
 * side (fork, PARENT_PAGES writes to `cow` while the child still shares
 * it, wait), of the child's, and of the child's exit, the part of its CPU
 * after its last instruction, per fork.  0, or -1 with errno (EPROTO: a
 * child that did not exit by _exit(0) or left no clock). */
static int forks(char *cow, int pages, double *parent, double *kid, double *exit)
{
	cpu_set_t saved;
	int64_t p0, k = 0, x = 0;
	int rc = -1;
	/* one slot the children write and the parent reads after the reap */
	int64_t *lived = mmap(NULL, sizeof *lived, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (lived == MAP_FAILED)
		return -1;

	/* on one CPU, as a C10K model's process and its workers are (the
	 * scenario's cores): a child that ran beside its parent would add
	 * the other CPU's TLB shootdowns to both */
	if (net_calib_pin(&saved) < 0) {
		int e = errno;
		munmap(lived, sizeof *lived);
		errno = e;
		return -1;
	}
	p0 = self_cpu_ns();
	for (int i = 0; i < FORKS; i++) {
		struct rusage ru;
		int st;
		pid_t pid;

		*lived = -1;         /* not the last child's: this one's or none */
		pid = fork();
		if (pid < 0)
			goto out;
		if (pid == 0)
			child(cow, pages, lived);
		/* the parent writes on meanwhile: copy-on-write for it too */
		for (int j = 0; j < PARENT_PAGES; j++)
			cow[(size_t)(255 - j) * 4096] = (char)i;
		while (wait4(pid, &st, 0, &ru) < 0)
			if (errno != EINTR)
				goto out;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || *lived < 0) {
			errno = EPROTO;
			goto out;
		}
		k += ru_ns(&ru);
		x += ru_ns(&ru) - *lived;
	}
	*parent = (double)(self_cpu_ns() - p0) / FORKS;
	*kid = (double)k / FORKS;
	*exit = (double)x / FORKS;
	rc = 0;
out:
	net_calib_unpin(&saved);
	int e = errno;
	munmap(lived, sizeof *lived);
	errno = e;
	return rc;
}

/* The exits of process_create's and fork_per_mib's repetitions, in order,
 * for process_exit's and exit_per_mib's measures: each part from within
 * its whole's forks, and no forks of their own (net_calib_emu.c keeps
 * emulator_packet's others the same way). */
enum { KEPT_EXIT, KEPT_EXIT_MIB, KEPT };
static struct net_calib_kept kept[KEPT];

void net_calib_fork_reset(void)
{
	for (int k = 0; k < KEPT; k++)
		net_calib_kept_clear(&kept[k]);
}

/* A whole's repetition failed: no half series for its part. */
static int lose(int k)
{
	net_calib_kept_clear(&kept[k]);
	return -1;
}

/* Figure k of the kept series, in order, or of a repetition of its whole
 * (`whole`, which keeps it) when none is kept. */
static int kept_or_whole(int k, int (*whole)(double *), double *out)
{
	double w;

	if (net_calib_kept_take(&kept[k], out))
		return 0;
	if (whole(&w) < 0)
		return -1;
	if (!net_calib_kept_take(&kept[k], out))
		return errno = EPROTO, -1;         /* a whole that kept none */
	return 0;
}

/* A private anonymous block of `mib` MiB, every page written (resident,
 * as a pool's parent's heap is); NULL with errno. */
static char *resident(size_t mib)
{
	char *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	for (size_t i = 0; i < mib << 20; i += 4096)
		p[i] = 1;
	return p;
}

/* process_create: the CPU of a bare fork + _exit + wait, the parent's
 * side (its writes after the fork included) and the child's.  On the
 * wall clock (as before issue 11) a loaded machine stretched it: 12-22
 * ms at a load of 12-18 where the CPU was 5.7 ms; the simulator charges
 * it as CPU. */
int net_calib_process_create(double *out)
{
	double p, k, x;
	char *cow = resident(1);

	if (!cow)
		return lose(KEPT_EXIT);
	int rc = forks(cow, 0, &p, &k, &x);
	int e = errno;
	munmap(cow, (size_t)1 << 20);
	errno = e;
	if (rc < 0)
		return lose(KEPT_EXIT);
	net_calib_keep(&kept[KEPT_EXIT], x);
	*out = p + k;
	return 0;
}

/* fork_per_mib: the CPU of fork + exit + wait, both sides, from this
 * process with BIG_MIB resident, less with 1 MiB, per MiB between.
 * Noise can make it negative; the profile's floor (1 ns) takes that. */
int net_calib_fork_per_mib(double *out)
{
	double p0, k0, x0, p1, k1, x1;
	char *big;

	if (!(big = resident(BIG_MIB)))
		return lose(KEPT_EXIT_MIB);
	int rc = forks(big, 0, &p1, &k1, &x1);
	int e = errno;
	munmap(big, (size_t)BIG_MIB << 20);
	errno = e;
	if (rc < 0)
		return lose(KEPT_EXIT_MIB);
	if (!(big = resident(1)))
		return lose(KEPT_EXIT_MIB);
	rc = forks(big, 0, &p0, &k0, &x0);
	e = errno;
	munmap(big, (size_t)1 << 20);
	errno = e;
	if (rc < 0)
		return lose(KEPT_EXIT_MIB);
	net_calib_keep(&kept[KEPT_EXIT_MIB], (x1 - x0) / (BIG_MIB - 1));
	*out = ((p1 + k1) - (p0 + k0)) / (BIG_MIB - 1);
	return 0;
}

/* process_cow: a worker-like child's CPU less a bare child's, both forked
 * from this process with COW_PAGES pages of heap resident to write to. */
int net_calib_process_cow(double *out)
{
	double p0, bare, p1, worker, x;
	char *cow = resident(1);

	if (!cow)
		return -1;
	int rc = forks(cow, 0, &p0, &bare, &x);
	if (rc == 0)
		rc = forks(cow, COW_PAGES, &p1, &worker, &x);
	int e = errno;
	munmap(cow, (size_t)1 << 20);
	errno = e;
	if (rc < 0)
		return -1;
	*out = worker - bare;
	return 0;
}

/* process_exit: a bare child's exit from this process with 1 MiB
 * resident, in process_create's own forks: the part of process_create the
 * simulator charges the child as it ends, where a pool's workers pay it
 * (docs/costs.md, "A process's exit"). */
int net_calib_process_exit(double *out)
{
	return kept_or_whole(KEPT_EXIT, net_calib_process_create, out);
}

/* exit_per_mib: that exit with BIG_MIB resident less with 1 MiB, per MiB
 * between, in fork_per_mib's own forks: the exit tearing down the page
 * tables of what it shared with its forker, fork_per_mib's part at the
 * exit.  Noise can make it negative; the profile's floor takes that. */
int net_calib_exit_per_mib(double *out)
{
	return kept_or_whole(KEPT_EXIT_MIB, net_calib_fork_per_mib, out);
}

/* --- a fork's wait off the CPU by live children (calibrate --fork-wait) */

#define WAIT_FORKS 200      /* timed forks at each count of live children  */
#define WAIT_BUILD_S 120    /* the live children must be made within this  */
#define WAIT_RECORD 4812    /* what a pool's parent keeps a child: the c
			     * profile's child_record */

/* This thread's time waiting on a run queue (/proc/thread-self/schedstat's
 * second field, ns, read by the emulator's parser); -1 where the kernel
 * does not say. */
static int64_t runq_ns(void)
{
	char b[96];
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b);

	if (fd >= 0)
		close(fd);
	return n > 0 ? net_emu_run_delay_parse(b, (size_t)n) : -1;
}

/* The mean of WAIT_FORKS forks' wall time off the CPU and off the run
 * queue: asleep in the kernel.  Each child exits at once and is reaped
 * untimed.  0, or -1 with errno. */
static int timed_forks(double *out)
{
	int64_t asleep = 0;

	for (int i = 0; i < WAIT_FORKS; i++) {
		int64_t q0 = runq_ns(), t0 = net_mono_ns(), c0 = net_cpu_ns();
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		int64_t c1 = net_cpu_ns(), t1 = net_mono_ns(), q1 = runq_ns();

		if (pid < 0)
			return -1;
		while (waitpid(pid, NULL, 0) < 0)
			if (errno != EINTR)
				return -1;
		if (q0 < 0 || q1 < 0)
			return errno = ENOTSUP, -1;
		asleep += (t1 - t0) - (c1 - c0) - (q1 - q0);
	}
	*out = asleep > 0 ? (double)asleep / WAIT_FORKS : 0;
	return 0;
}

/* A pool's parent with `to` live children, from `*live`: each forked
 * child blocks at once on `hold`'s read end (EOF, when the parent closes
 * the write end or dies, ends it), and the parent keeps a WAIT_RECORD
 * record for each in `records`.  0, or -1 with errno (ETIMEDOUT past
 * `deadline`). */
static int grow(int *live, int to, const int hold[2], char **records, pid_t *pids,
		int64_t deadline)
{
	while (*live < to) {
		char *rec = malloc(WAIT_RECORD);

		if (!rec)
			return -1;
		memset(rec, *live, WAIT_RECORD);
		pid_t pid = fork();
		if (pid < 0) {
			free(rec);
			return -1;
		}
		if (pid == 0) {
			char c;

			close(hold[1]);
			_exit(read(hold[0], &c, 1) < 0);
		}
		records[*live] = rec;
		pids[(*live)++] = pid;
		if (net_mono_ns() > deadline)
			return errno = ETIMEDOUT, -1;
	}
	return 0;
}

int net_calib_fork_wait(double *w3k, double *w6k)
{
	int hold[2], live = 0, rc = -1, e = 0;
	char **records = calloc(6000, sizeof *records);
	pid_t *pids = calloc(6000, sizeof *pids);
	int64_t deadline = net_mono_ns() + (int64_t)WAIT_BUILD_S * 1000000000;
	cpu_set_t saved;

	if (!records || !pids || pipe2(hold, O_CLOEXEC) < 0) {
		free(records);
		free(pids);
		return -1;
	}
	/* on one CPU, as a C10K model's process and its workers are */
	if (net_calib_pin(&saved) < 0) {
		e = errno;
		goto out;
	}
	if (grow(&live, 3000, hold, records, pids, deadline) == 0 && timed_forks(w3k) == 0 &&
	    grow(&live, 6000, hold, records, pids, deadline) == 0 && timed_forks(w6k) == 0)
		rc = 0;
	e = errno;
	net_calib_unpin(&saved);
out:
	close(hold[1]);              /* the children read EOF and exit */
	close(hold[0]);
	for (int i = 0; i < live; i++) {     /* its own children only */
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
		free(records[i]);
	}
	free(records);
	free(pids);
	errno = e;
	return rc;
}

int net_calib_damon(void)
{
	char path[96], state[16];
	int on = 0;

	for (int i = 0; i < 64; i++) {
		snprintf(path, sizeof path, "/sys/kernel/mm/damon/admin/kdamonds/%d/state", i);
		FILE *f = fopen(path, "re");
		if (!f)
			break;
		if (fgets(state, sizeof state, f) && strncmp(state, "on", 2) == 0)
			on++;
		fclose(f);
	}
	return on;
}
