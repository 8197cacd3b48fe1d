/* Measuring CPython's costs: each probe of net_calib_py_script.c in a
 * python3 child, its lines read back through a pipe, the medians taken
 * here.  A probe that cannot run, fails, or prints something that is not a
 * figure stops the whole measurement: a python profile half measured would
 * mix this interpreter's figures with another's. */
#include "net/net_calib_py.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/net_calib.h"
#include "net/net_calib_int.h"

#define PROBE_TIMEOUT_NS (120 * 1000000000LL)
#define OUT_MAX 4096
#define ERR_MAX 1024

#define COST(m) offsetof(struct al_costs, m)

/* The columns of a pool probe's line: its wall time, the workers' median
 * PSS, and (the process pool's) the parent's CPU and the workers' CPU. */
enum { COL_WALL, COL_PSS, COL_PCPU, COL_WCPU, POOL_COLS };

static const struct {
	const char *key;
	size_t off;
	int size;
} figs[NET_CALIB_PY_COUNT] = {
	[NET_CALIB_PY_SYSCALL] = {"syscall", COST(syscall_ns), 0},
	[NET_CALIB_PY_THREAD_CREATE] = {"thread_create", COST(thread_create_ns), 0},
	[NET_CALIB_PY_PROCESS_CREATE] = {"process_create", COST(process_create_ns), 0},
	[NET_CALIB_PY_POOL_STARTUP] = {"pool_startup", COST(pool_startup_ns), 0},
	[NET_CALIB_PY_THREAD_POOL_STARTUP] = {"thread_pool_startup",
					      COST(thread_pool_startup_ns), 0},
	[NET_CALIB_PY_THREAD_MEMORY] = {"thread_memory", COST(thread_memory), 1},
	[NET_CALIB_PY_PROCESS_MEMORY] = {"process_memory", COST(process_memory), 1},
	[NET_CALIB_PY_COROUTINE_RESUME] = {"coroutine_resume", COST(coroutine_resume_ns), 0},
	[NET_CALIB_PY_CALLBACK] = {"callback", COST(callback_ns), 0},
	[NET_CALIB_PY_SELECT] = {"select", COST(select_ns), 0},
	[NET_CALIB_PY_GIL_INTERVAL] = {"gil_interval", COST(gil_interval_ns), 0},
	[NET_CALIB_PY_PARSE_PER_KIB] = {"parse_per_kib", COST(parse_ns_per_kib), 0},
};

const char *net_calib_py_key(enum net_calib_py_fig f)
{
	return figs[f].key;
}

size_t net_calib_py_offset(enum net_calib_py_fig f)
{
	return figs[f].off;
}

int net_calib_py_is_size(enum net_calib_py_fig f)
{
	return figs[f].size;
}

const char *net_calib_py_python(void)
{
	const char *e = getenv(NET_CALIB_PY_ENV);

	if (e && *e)
		return e;
	/* Debian's, not a version manager's shim that happens to be first on
	 * the PATH: the profile is the system interpreter's */
	if (access("/usr/bin/python3", X_OK) == 0)
		return "/usr/bin/python3";
	return "python3";
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The last non-empty line of s, in place. */
static const char *last_line(char *s)
{
	size_t n = strlen(s);
	char *p;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	p = strrchr(s, '\n');
	return p ? p + 1 : s;
}

/* Reads the child's stdout (all of it, up to OUT_MAX) and stderr (its
 * last ERR_MAX bytes) until both close or the deadline passes. */
static int drain(int ofd, int efd, char *out, char *errbuf, int64_t deadline)
{
	size_t on = 0, en = 0;
	struct pollfd p[2] = {{.fd = ofd, .events = POLLIN}, {.fd = efd, .events = POLLIN}};

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int64_t left = (deadline - net_mono_ns()) / 1000000;
		int r;

		if (left <= 0)
			return errno = ETIMEDOUT, -1;
		r = poll(p, 2, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR)
			return -1;
		for (int i = 0; r > 0 && i < 2; i++) {
			char tmp[512];
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, tmp, sizeof tmp);
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			if (i == 0) {
				if (on + (size_t)n >= OUT_MAX)
					return errno = EMSGSIZE, -1;
				memcpy(out + on, tmp, (size_t)n);
				out[on += (size_t)n] = '\0';
			} else {
				if (en + (size_t)n >= ERR_MAX) {  /* keep the tail */
					size_t keep = ERR_MAX - 1 - (size_t)n;
					memmove(errbuf, errbuf + en - keep, keep);
					en = keep;
				}
				memcpy(errbuf + en, tmp, (size_t)n);
				errbuf[en += (size_t)n] = '\0';
			}
		}
	}
	return 0;
}

/* Runs `python -c script args...`; its stdout in out.  Returns 0, or -1
 * with the reason in err. */
static int run_python(const char *py, const char *const args[], char *out,
		      char *err, size_t errlen)
{
	int op[2], ep[2], st, rc;
	char errbuf[ERR_MAX] = "";
	const char *argv[8];
	int n = 0;
	pid_t pid;

	out[0] = '\0';
	argv[n++] = py;
	argv[n++] = "-c";
	argv[n++] = net_calib_py_script;
	for (int i = 0; args[i] && n < 7; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(op, O_CLOEXEC) < 0)
		return fail(err, errlen, "pipe: %s", strerror(errno));
	if (pipe2(ep, O_CLOEXEC) < 0) {
		close(op[0]);
		close(op[1]);
		return fail(err, errlen, "pipe: %s", strerror(errno));
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		int e = errno;
		close(op[0]), close(op[1]), close(ep[0]), close(ep[1]);
		return fail(err, errlen, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		/* a group of its own: a pool's workers (ProcessPoolExecutor)
		 * go with it when the timeout kills it */
		setpgid(0, 0);
		dup2(op[1], 1);
		dup2(ep[1], 2);
		signal(SIGPIPE, SIG_DFL);
		char *wargv[8];

		/* exec's argv is char *const[] for history's sake only */
		memcpy(wargv, argv, sizeof wargv);
		execvp(py, wargv);
		dprintf(2, "cannot run '%s': %s\n", py, strerror(errno));
		_exit(127);
	}
	/* both sides set it, so the kill below finds the group whichever
	 * runs first */
	setpgid(pid, pid);
	close(op[1]);
	close(ep[1]);
	rc = drain(op[0], ep[0], out, errbuf, net_mono_ns() + PROBE_TIMEOUT_NS);
	if (rc < 0)
		rc = errno;
	close(op[0]);
	close(ep[0]);
	if (rc && kill(-pid, SIGKILL) < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == ETIMEDOUT)
		return fail(err, errlen, "probe '%s' took more than %lld s", args[0],
			    PROBE_TIMEOUT_NS / 1000000000);
	if (rc)
		return fail(err, errlen, "probe '%s': %s", args[0], strerror(rc));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && strncmp(errbuf, "cannot run", 10) == 0)
		return fail(err, errlen, "%s", last_line(errbuf));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fail(err, errlen, "probe '%s' failed (%s %d): %s", args[0],
			    WIFEXITED(st) ? "exit status" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			    errbuf[0] ? last_line(errbuf) : "no message");
	return 0;
}

/* Figures of one probe: `reps` lines of `cols` numbers each (at most
 * POOL_COLS), the i-th column into col[i][line]; a "switchinterval NS"
 * line into *si. */
static int parse_lines(const char *probe, char *out, int reps, int cols,
		       double *const col[], double *si, char *err, size_t errlen)
{
	int k = 0;

	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *end = l;
		double x[POOL_COLS];
		bool bad = k >= reps;

		if (si && sscanf(l, "switchinterval %lf", si) == 1)
			continue;
		for (int i = 0; i < cols && !bad; i++) {
			const char *from = end;

			x[i] = strtod(from, &end);
			bad = end == from || !isfinite(x[i]) || x[i] < 0;
		}
		while (*end == ' ' || *end == '\r')
			end++;
		if (bad || *end != '\0')
			return fail(err, errlen, "probe '%s' printed '%.40s', not a "
				    "figure", probe, l);
		for (int i = 0; i < cols; i++)
			col[i][k] = x[i];
		k++;
	}
	if (k < reps)
		return fail(err, errlen, "probe '%s' printed %d figures of %d",
			    probe, k, reps);
	return 0;
}

static const struct {
	const char *probe;
	enum net_calib_py_fig fig;
} simple[] = {
	{"syscall", NET_CALIB_PY_SYSCALL},
	{"thread_memory", NET_CALIB_PY_THREAD_MEMORY},
	{"resume", NET_CALIB_PY_COROUTINE_RESUME},
	{"callback", NET_CALIB_PY_CALLBACK},
	{"select", NET_CALIB_PY_SELECT},
	{"gil", NET_CALIB_PY_GIL_INTERVAL},
	{"parse", NET_CALIB_PY_PARSE_PER_KIB},
};

/* The interpreter's version, which also proves that it runs. */
static int version(struct net_calib_py *c, char *err, size_t errlen)
{
	char out[OUT_MAX];
	const char *const args[] = {"version", "1", NULL};

	if (run_python(c->python, args, out, err, errlen) < 0)
		return -1;
	snprintf(c->version, sizeof c->version, "%s", last_line(out));
	if (strncmp(c->version, "3.", 2) != 0)
		return fail(err, errlen, "'%s' is not Python 3 (it says '%.20s')",
			    c->python, c->version);
	return 0;
}

/* A pool of 1 and a pool of N, each in a fresh interpreter, in turn so
 * that a noisy minute spoils both alike: the median of each of the
 * probe's `cols` columns, for 1 in m1[] and for N in mn[]. */
static int pools(const struct net_calib_py *c, const char *probe, int reps, int cols,
		 double m1[POOL_COLS], double mn[POOL_COLS], char *err, size_t errlen)
{
	double v[2][POOL_COLS][NET_CALIB_MAX_REPS];
	char out[OUT_MAX], sn[16];

	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < 2; k++) {
			const char *const args[] = {probe, "1", sn, NULL};
			double *col[POOL_COLS];

			for (int i = 0; i < cols; i++)
				col[i] = &v[k][i][r];
			snprintf(sn, sizeof sn, "%d", k ? c->pool_n : 1);
			if (run_python(c->python, args, out, err, errlen) < 0 ||
			    parse_lines(probe, out, 1, cols, col, NULL, err, errlen) < 0)
				return -1;
		}
	}
	for (int i = 0; i < cols; i++) {
		m1[i] = net_calib_median(v[0][i], reps);
		mn[i] = net_calib_median(v[1][i], reps);
	}
	return 0;
}

/* T(n) = startup + n * per_worker through T(1) and T(N). */
static void fit_line(int n, double t1, double tn, double *startup, double *per)
{
	double x = (tn - t1) / (n - 1);

	if (x < 1)                   /* noise larger than the slope */
		x = tn / n;
	*per = x;
	*startup = t1 - x > 0 ? t1 - x : 0;
}

static void line(struct net_calib_py *c, double t1, double tn,
		 enum net_calib_py_fig startup, enum net_calib_py_fig per)
{
	fit_line(c->pool_n, t1, tn, &c->value[startup], &c->value[per]);
}

/* The process pool, by its wall time as the thread pool: what the
 * crawler waits for, its parent's CPU and its workers' overlapped on the
 * machine's cores with whatever else runs there (docs/costs.md, "The
 * process pool's parts").  Its CPU, the parent's and the workers', is
 * kept for the profile's head: the parts a quiet machine would charge. */
static int process_pool(struct net_calib_py *c, int reps, char *err, size_t errlen)
{
	double m1[POOL_COLS], mn[POOL_COLS];

	if (pools(c, "pool", reps, POOL_COLS, m1, mn, err, errlen) < 0)
		return -1;
	c->pool1_ns = m1[COL_WALL];
	c->pooln_ns = mn[COL_WALL];
	c->pcpu1_ns = m1[COL_PCPU];
	c->pcpun_ns = mn[COL_PCPU];
	c->wcpun_ns = mn[COL_WCPU];
	fit_line(c->pool_n, c->pcpu1_ns, c->pcpun_ns, &c->cpu_startup_ns, &c->cpu_create_ns);
	c->cpu_cow_ns = c->wcpun_ns / c->pool_n;
	c->value[NET_CALIB_PY_PROCESS_MEMORY] = mn[COL_PSS];
	line(c, c->pool1_ns, c->pooln_ns, NET_CALIB_PY_POOL_STARTUP,
	     NET_CALIB_PY_PROCESS_CREATE);
	return 0;
}

/* The thread pool, by its wall time. */
static int thread_pool(struct net_calib_py *c, int reps, char *err, size_t errlen)
{
	double m1[POOL_COLS], mn[POOL_COLS];

	if (pools(c, "tpool", reps, 2, m1, mn, err, errlen) < 0)
		return -1;
	c->tpool1_ns = m1[COL_WALL];
	c->tpooln_ns = mn[COL_WALL];
	line(c, c->tpool1_ns, c->tpooln_ns, NET_CALIB_PY_THREAD_POOL_STARTUP,
	     NET_CALIB_PY_THREAD_CREATE);
	return 0;
}

int net_calib_py_run(struct net_calib_py *c, int reps, char *err, size_t errlen)
{
	int64_t t0 = net_mono_ns();
	double a[NET_CALIB_MAX_REPS];
	char out[OUT_MAX], sreps[16];

	memset(c, 0, sizeof *c);
	if (reps <= 0)
		reps = NET_CALIB_REPS;
	if (reps > NET_CALIB_MAX_REPS)
		reps = NET_CALIB_MAX_REPS;
	c->reps = reps;
	c->pool_n = NET_CALIB_PY_POOL;
	snprintf(c->python, sizeof c->python, "%s", net_calib_py_python());
	if (version(c, err, errlen) < 0)
		return -1;
	snprintf(sreps, sizeof sreps, "%d", reps);
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
		const char *const args[] = {simple[i].probe, sreps, NULL};
		bool gil = simple[i].fig == NET_CALIB_PY_GIL_INTERVAL;

		double *const col[] = {a};

		if (run_python(c->python, args, out, err, errlen) < 0 ||
		    parse_lines(simple[i].probe, out, reps, 1, col,
				gil ? &c->switchinterval_ns : NULL, err, errlen) < 0)
			return -1;
		c->value[simple[i].fig] = net_calib_median(a, reps);
	}
	/* a thread pool takes milliseconds, and a few more of them make
	 * its slope, a fraction of one, come out of the noise */
	if (process_pool(c, reps, err, errlen) < 0 ||
	    thread_pool(c, NET_CALIB_MAX_REPS, err, errlen) < 0)
		return -1;
	c->elapsed_ns = net_mono_ns() - t0;
	return 0;
}

void net_calib_py_costs(const struct net_calib_py *c, struct al_costs *costs)
{
	for (int f = 0; f < NET_CALIB_PY_COUNT; f++) {
		double x = c->value[f];
		int64_t v, lo = f == NET_CALIB_PY_POOL_STARTUP ||
				f == NET_CALIB_PY_THREAD_POOL_STARTUP ? 0 : 1;

		v = x < (double)lo ? lo : x > 1e15 ? (int64_t)1e15 : (int64_t)llround(x);
		memcpy((char *)costs + figs[f].off, &v, sizeof(v));
	}
}
