/* The scenario's machine on a real run: see net_machine.h. */
#include "net/net_machine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/al_scenario.h"

int net_machine_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

int net_machine_pin(int cores)
{
	cpu_set_t set, want;

	if (cores < 1) {
		errno = EINVAL;
		return -1;
	}
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return -1;
	CPU_ZERO(&want);
	int n = 0;
	for (int c = 0; c < CPU_SETSIZE && n < cores; c++)
		if (CPU_ISSET(c, &set)) {
			CPU_SET(c, &want);
			n++;
		}
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	return sched_setaffinity(0, sizeof want, &want) == 0 ? n : -1;
}

int net_machine_pin_rest(int skip)
{
	cpu_set_t set, want;

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return -1;
	CPU_ZERO(&want);
	int seen = 0, n = 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set) && seen++ >= skip) {
			CPU_SET(c, &want);
			n++;
		}
	if (n == 0)
		return 0;
	return sched_setaffinity(0, sizeof want, &want) == 0 ? n : -1;
}

/* --- cgroups */

static const struct net_cgroup *entered;

/* The armed budget (net_cgroup_budget): shared by the threads of the
 * model's process, which fork only from its main thread. */
static struct {
	int armed;
	int64_t base, limit, per[2], started[2], oom0;
	int64_t record;              /* the parent's per child; 0: not priced */
	int64_t counted;             /* the cost of what was started          */
	int64_t *gone;               /* shared: what ended workers cost       */
} budget;

int net_machine_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int e = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errno = n < 0 ? e : EIO;
		return -1;
	}
	return 0;
}

/* Writes text to dir/file.  0 or -1 with errno. */
static int put(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	return net_machine_write(path, text);
}

/* The number after key (or the file's first number when key is NULL) in
 * dir/file, or -1. */
static int64_t get(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX + 64], line[256];
	int64_t v = -1;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t klen = key ? strlen(key) : 0;
	while (fgets(line, sizeof line, f)) {
		if (!key) {
			v = strtoll(line, NULL, 10);
			break;
		}
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static int exists(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* Where the hierarchy of version v (1: the one with the memory controller)
 * is mounted, from /proc/self/mountinfo.  0 or -1. */
static int mount_of(int v, char *mnt, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof line, f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPER */
		char *sep = strstr(line, " - ");
		char root[PATH_MAX], point[PATH_MAX], type[64], src[256], super[1024] = "";
		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
		    sscanf(sep + 3, "%63s %255s %1023s", type, src, super) < 2)
			continue;
		if (strcmp(root, "/") != 0)
			continue;   /* a bind of a subtree: paths would not line up */
		int ok = v == 2 ? strcmp(type, "cgroup2") == 0
			: strcmp(type, "cgroup") == 0 && (strstr(super, ",memory") ||
							  strncmp(super, "memory", 6) == 0);
		if (ok && strlen(point) < len) {
			strcpy(mnt, point);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* This process's cgroup path in hierarchy v (2: "0::", 1: the line naming
 * memory), from /proc/self/cgroup.  0 or -1. */
static int own_path(int v, char *path, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = 0;
		const char *ctl = a + 1;
		int ok = v == 2 ? strncmp(line, "0", 2) == 0 && *ctl == 0
			: strcmp(ctl, "memory") == 0 || strstr(ctl, "memory,") == ctl ||
			  strstr(ctl, ",memory") != NULL;
		if (ok && strlen(b + 1) < len) {
			strcpy(path, b + 1);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* Removes the cgroups under parent that runs of processes now gone left
 * behind (the run was killed before its clean-up). */
static void sweep(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		long pid;
		int n;
		if (sscanf(e->d_name, "asynclab-%ld-%d", &pid, &n) != 2 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		struct net_cgroup old = {.version = 1};
		if (snprintf(old.dir, sizeof old.dir, "%s/%s", parent, e->d_name) <
		    (int)sizeof old.dir)
			net_cgroup_free(&old);
	}
	closedir(d);
}

/* Makes parent/asynclab-PID-N.  0 or -1 with errno. */
static int make_dir(struct net_cgroup *cg, const char *parent)
{
	static int seq;

	sweep(parent);
	for (int tries = 0; tries < 100; tries++) {
		int n = snprintf(cg->dir, sizeof cg->dir, "%s/asynclab-%ld-%d", parent,
				 (long)getpid(), ++seq);
		if (n >= (int)sizeof cg->dir) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (mkdir(cg->dir, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static int try_v2(struct net_cgroup *cg, char *why, size_t whylen)
{
	char mnt[PATH_MAX], own[PATH_MAX], parent[PATH_MAX * 2];

	if (mount_of(2, mnt, sizeof mnt) != 0 || own_path(2, own, sizeof own) != 0) {
		snprintf(why, whylen, "no cgroup v2 hierarchy");
		return -1;
	}
	snprintf(parent, sizeof parent, "%s%s", mnt, strcmp(own, "/") ? own : "");
	if (strlen(parent) >= PATH_MAX - 40) {
		snprintf(why, whylen, "cgroup v2: path too long");
		return -1;
	}
	/* the memory controller must reach our children: enabled for them by
	 * whoever delegated our cgroup (we do not enable it: where our cgroup
	 * holds processes itself, v2 refuses, and the cgroup is not ours) */
	if (make_dir(cg, parent) != 0) {
		snprintf(why, whylen, "cgroup v2: mkdir under %s: %s", parent, strerror(errno));
		return -1;
	}
	if (!exists(cg->dir, "memory.max")) {
		rmdir(cg->dir);
		snprintf(why, whylen, "cgroup v2: the memory controller is not delegated to %s",
			 parent);
		return -1;
	}
	cg->version = 2;
	return 0;
}

static int try_v1(struct net_cgroup *cg, char *why, size_t whylen)
{
	char mnt[PATH_MAX], own[PATH_MAX], parent[PATH_MAX * 2];

	if (mount_of(1, mnt, sizeof mnt) != 0 || own_path(1, own, sizeof own) != 0) {
		snprintf(why, whylen, "no memory controller (cgroup v1 or v2)");
		return -1;
	}
	snprintf(parent, sizeof parent, "%s%s", mnt, strcmp(own, "/") ? own : "");
	if (strlen(parent) >= PATH_MAX - 40) {
		snprintf(why, whylen, "cgroup v1: path too long");
		return -1;
	}
	if (make_dir(cg, parent) != 0) {
		snprintf(why, whylen, "cgroup v1: mkdir under %s: %s", parent, strerror(errno));
		return -1;
	}
	if (!exists(cg->dir, "memory.limit_in_bytes")) {
		rmdir(cg->dir);
		snprintf(why, whylen, "cgroup v1: no memory.limit_in_bytes in %s", cg->dir);
		return -1;
	}
	cg->version = 1;
	/* no swap to escape to: past the limit is the OOM killer */
	if (!exists(cg->dir, "memory.memsw.limit_in_bytes"))
		put(cg->dir, "memory.swappiness", "0");
	return 0;
}

int net_cgroup_new(struct net_cgroup *cg, char *why, size_t whylen)
{
	char w2[256] = "";

	memset(cg, 0, sizeof *cg);
	if (try_v2(cg, w2, sizeof w2) == 0)
		return 0;
	memset(cg, 0, sizeof *cg);
	if (try_v1(cg, why, whylen) == 0)
		return 0;
	memset(cg, 0, sizeof *cg);
	return -1;
}

int net_cgroup_enter(const struct net_cgroup *cg)
{
	char pid[32];

	if (!cg || !cg->version) {
		errno = EINVAL;
		return -1;
	}
	snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (put(cg->dir, "cgroup.procs", pid) != 0)
		return -1;
	entered = cg;
	return 0;
}

void net_cgroup_budget(int64_t base, int64_t limit, int64_t per_process, int64_t per_thread,
		       int64_t record)
{
	budget.armed = entered != NULL;
	budget.base = base;
	budget.limit = limit;
	budget.per[0] = per_process;
	budget.per[1] = per_thread;
	budget.record = record > 0 ? record : 0;
	budget.started[0] = budget.started[1] = 0;
	budget.counted = 0;
	/* one page for every budget of this process, shared with the
	 * workers it forks: without it, none is taken back (as before) */
	if (!budget.gone) {
		void *g = mmap(NULL, sizeof *budget.gone, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		budget.gone = g == MAP_FAILED ? NULL : g;
	}
	if (budget.gone)
		__atomic_store_n(budget.gone, 0, __ATOMIC_RELAXED);
	budget.oom0 = entered ? net_cgroup_oom_kills(entered) : 0;
}

/* What the next process or thread costs: a process its record and its
 * copy of the page tables of the records before it (the simulator's
 * sim_fork_memory). */
static int64_t next_cost(int k)
{
	if (k)
		return budget.per[1];
	return budget.per[0] + budget.record +
	       al_fork_page_tables(budget.started[0] * budget.record);
}

int net_cgroup_admit(int thread)
{
	if (!budget.armed || !entered)
		return 0;
	int k = thread != 0;
	int64_t used = net_cgroup_usage(entered);
	int64_t counted = budget.base + budget.counted -
			  (budget.gone ? __atomic_load_n(budget.gone, __ATOMIC_RELAXED) : 0);
	if (used < counted)
		used = counted;
	if (used + next_cost(k) > budget.limit) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void net_cgroup_admitted(int thread)
{
	int k = thread != 0;

	budget.counted += next_cost(k);
	budget.started[k]++;
}

void net_cgroup_gone(void)
{
	/* this worker's copy of the budget is its parent's at its fork:
	 * started[0] counted the workers before it, as next_cost did when
	 * it was admitted.  Its record stays with its parent. */
	if (!budget.armed || !entered || !budget.gone)
		return;
	__atomic_fetch_add(budget.gone, next_cost(0) - budget.record, __ATOMIC_RELAXED);
}

int net_cgroup_oomed(void)
{
	return budget.armed && entered && net_cgroup_oom_kills(entered) > budget.oom0;
}

void net_machine_oom_first(void)
{
	/* raising it needs no privilege (lowering the model's process instead
	 * would need CAP_SYS_RESOURCE) */
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "1000\n", 5) < 0) {
		/* then the kernel's own choice stands */
	}
	close(fd);
}

const struct net_cgroup *net_cgroup_current(void)
{
	return entered;
}

int64_t net_cgroup_usage(const struct net_cgroup *cg)
{
	int64_t v = get(cg->dir, cg->version == 2 ? "memory.current" : "memory.usage_in_bytes",
			NULL);
	if (v < 0)
		errno = ENOENT;
	return v;
}

int net_cgroup_limit(const struct net_cgroup *cg, int64_t bytes)
{
	char text[32];

	snprintf(text, sizeof text, "%lld\n", (long long)bytes);
	if (cg->version == 2) {
		if (put(cg->dir, "memory.max", text) != 0)
			return -1;
		if (exists(cg->dir, "memory.swap.max"))
			put(cg->dir, "memory.swap.max", "0\n");
		return 0;
	}
	/* memsw must stay at or above the memory limit: memory first */
	if (put(cg->dir, "memory.limit_in_bytes", text) != 0)
		return -1;
	if (exists(cg->dir, "memory.memsw.limit_in_bytes") &&
	    put(cg->dir, "memory.memsw.limit_in_bytes", text) != 0)
		return -1;
	return 0;
}

int64_t net_cgroup_oom_kills(const struct net_cgroup *cg)
{
	int64_t v = get(cg->dir, cg->version == 2 ? "memory.events" : "memory.oom_control",
			"oom_kill");
	return v > 0 ? v : 0;
}

/* Kills what cg still holds.  Returns how many it signalled. */
static int kill_all(const struct net_cgroup *cg)
{
	char path[PATH_MAX + 64];
	long pid;
	int n = 0;

	snprintf(path, sizeof path, "%s/cgroup.procs", cg->dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (fscanf(f, "%ld", &pid) == 1)
		if (pid > 0 && pid != (long)getpid() && kill((pid_t)pid, SIGKILL) == 0)
			n++;
	fclose(f);
	return n;
}

void net_cgroup_free(struct net_cgroup *cg)
{
	if (!cg || !cg->version)
		return;
	/* dying processes leave it a moment later: EBUSY until then */
	for (int i = 0; i < 200; i++) {
		if (rmdir(cg->dir) == 0 || errno == ENOENT)
			break;
		if (errno != EBUSY)
			break;
		kill_all(cg);
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	if (entered == cg) {
		entered = NULL;
		budget.armed = 0;
	}
	memset(cg, 0, sizeof *cg);
}
