/* The real backend's runner: each model in a process of its own, in the
 * scenario's machine, its report and trace back through shared memory
 * (the network it crawls through: net_run_net.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/net_run_machine.h"
#include "net/net_run.h"
#include "core/al_units.h"
#include "models/model.h"
#include "net/net_clock.h"
#include "net/net_machine.h"
#include "net/net_os.h"
#include "net/net_trace.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AL_HAS_ASAN 1
#endif
#endif
#ifndef AL_HAS_ASAN
#define AL_HAS_ASAN 0
#endif

static real_run_progress_fn progress_fn;
static void *progress_arg;

void real_run_on_progress(real_run_progress_fn fn, void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

static struct real_run_hooks hooks;

void real_run_set_hooks(const struct real_run_hooks *h)
{
	hooks = h ? *h : (struct real_run_hooks){0};
}

static int64_t tv_ns(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

static int64_t cpu_ns(const struct rusage *r)
{
	return tv_ns(r->ru_utime) + tv_ns(r->ru_stime);
}

/* The scenario's machine limits, applied to the model's process for real:
 * machine.fd_limit as RLIMIT_NOFILE's soft limit (EMFILE past it) and
 * machine.address_space as RLIMIT_AS, where every thread's stack is
 * reserved, as in the simulator.  A limit above this machine's hard one is
 * this machine's.  The sanitizers reserve terabytes of shadow memory, so
 * their builds leave RLIMIT_AS alone. */
/* RLIMIT_NOFILE: the scenario's fd_limit, counted from the first fd the
 * lab's own leave free (the main thread's libevent base: its poller and
 * signal pair, and the bases made for the model's threads), as the
 * simulator has the crawler's fds and no others. */
static int apply_fd_limit(const struct al_machine *mc, char *err, size_t errlen)
{
	struct rlimit rl;
	int lowest = fcntl(0, F_DUPFD, 0);

	if (lowest >= 0)
		close(lowest);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = (rlim_t)mc->fd_limit + (rlim_t)(lowest > 3 ? lowest - 3 : 0);
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			snprintf(err, errlen, "fd limit %d: %s", mc->fd_limit, strerror(errno));
			return errno;
		}
	}
	return 0;
}

/* RLIMIT_AS: the scenario's address_space (not under the sanitizers,
 * whose shadow memory needs terabytes of it). */
static int apply_limits(const struct al_machine *mc, char *err, size_t errlen)
{
#if !defined(__SANITIZE_ADDRESS__) && !AL_HAS_ASAN
	struct rlimit rl;

	if (getrlimit(RLIMIT_AS, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY ||
					       (uint64_t)mc->address_space < rl.rlim_cur)) {
		rl.rlim_cur = (rlim_t)mc->address_space;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_AS, &rl) != 0) {
			snprintf(err, errlen, "address space %lld: %s",
				 (long long)mc->address_space, strerror(errno));
			return errno;
		}
	}
#else
	(void)mc;
	(void)err;
	(void)errlen;
#endif
	return 0;
}

/* The measuring process: runs model m once and fills out.  Its crawl's
 * accounting is kept in crawl, in memory the parent reads for the
 * progress line.  Returns 0, or an errno value with err set. */
static int measure(const struct al_scenario *sc, const struct real_net *rn,
		   struct real_machine *rm, enum al_model m, struct net_trace *log,
		   struct al_crawl *crawl, struct al_report *out, char *err, size_t errlen)
{
	const struct al_model_desc *md = al_model_get(m);
	struct al_loop loop;
	struct net_os n;
	struct al_task main_task;
	struct al_model_frame *frame;
	struct al_lat_rec lat = {0};
	struct rusage r0, r1, c0, c1;

	int e = real_machine_enter(rm, sc, err, errlen);
	if (!e)
		e = apply_limits(&sc->machine, err, errlen);
	if (e)
		return e;
	frame = calloc(1, md->frame_size);
	al_loop_init(&loop, NULL);
	if (!frame || al_lat_init(&lat, sc->workload.pages) != 0 ||
	    net_os_init(&n, sc, &loop, rn->addr, rn->naddr) != 0) {
		free(frame);
		al_lat_free(&lat);
		char as[AL_FMT_LEN];
		al_fmt_bytes(as, sizeof as, sc->machine.address_space);
		snprintf(err, errlen, "out of memory (machine.address_space %s is the model "
			 "process's RLIMIT_AS)", as);
		return ENOMEM;
	}
	/* the main thread's base now, with the poller the model will ask for,
	 * so that its fds are made before the fd limit and not under it */
	(void)net_os_base_now(&n, al_model_takes(md->id, AL_PARAM_poller) ?
				      (int)sc->models[m].poller : -1);
	/* and the bases of the threads a model spreads its selectors over
	 * (green's schedulers, multiloop's loops), for the same reason */
	int spread = al_model_takes(md->id, AL_PARAM_threads) ? sc->models[m].threads
		   : al_model_takes(md->id, AL_PARAM_loops)   ? sc->models[m].loops
							      : -1;
	if (spread >= 0)
		(void)net_os_spare_bases(&n, (int)sc->models[m].poller,
					 al_pool_size(spread > 0 ? spread : sc->machine.cores,
						      sc->workload.pages));
	if ((e = apply_fd_limit(&sc->machine, err, errlen)) != 0) {
		net_os_free(&n);
		free(frame);
		al_lat_free(&lat);
		return e;
	}
	/* the kernel path's emulator draws loss page by page: it learns the
	 * page from the source port (net/net_emu_flow.h) */
	n.page_ports = rn->has_ns && sc->network.loss > 0;
	*crawl = (struct al_crawl){
		.os = &n.os, .sc = sc, .cfg = &sc->models[m], .pages = sc->workload.pages,
		.verify = rn->verify, .lat = &lat,
	};
	frame->crawl = crawl;
	if (log)
		net_os_trace(&n, log, al_model_name(m));
	if ((e = real_machine_arm(rm, sc, err, errlen)) != 0) {
		net_os_free(&n);
		free(frame);
		al_lat_free(&lat);
		return e;
	}
	getrusage(RUSAGE_SELF, &r0);
	getrusage(RUSAGE_CHILDREN, &c0);
	int64_t t0 = net_mono_ns();
	al_task_start(&main_task, &loop, md->main, frame, al_model_name(m));
	int rc = al_loop_run(&loop);
	int saved = errno;
	int64_t t1 = net_mono_ns();
	/* the CPU of the run, not of freeing what it left */
	getrusage(RUSAGE_SELF, &r1);
	getrusage(RUSAGE_CHILDREN, &c1);
	if (log)
		net_os_trace_end(&n);
	int64_t syscalls = n.counts->syscalls, futile = n.counts->futile;
	int64_t worker_rss = n.counts->worker_rss;
	int64_t retransmits = n.counts->retransmits;
	if (rc == 0)
		al_crawl_note(crawl, err, errlen);
	net_os_free(&n);
	if (md->release)
		md->release(frame);
	free(frame);
	if (rc != 0 && saved == EDEADLK)
		snprintf(err, errlen, "deadlock: tasks wait on what can never come");
	/* pages that never ended (a run cut short) count as failed */
	int64_t lost = crawl->pages - crawl->ok - crawl->failed;
	if (lost > 0) {
		crawl->failed += lost;
		crawl->failures[AL_CAUSE_OTHER] += lost;
	}
	out->model = m;
	out->elapsed_ns = t1 - t0;
	out->pages_ok = crawl->ok;
	out->pages_failed = crawl->failed;
	memcpy(out->failures, crawl->failures, sizeof out->failures);
	out->bytes = crawl->bytes;
	out->checksum = crawl->checksum;
	/* this process's threads and the workers it forked and reaped */
	out->cpu_busy_ns = cpu_ns(&r1) - cpu_ns(&r0) + cpu_ns(&c1) - cpu_ns(&c0);
	out->context_switches = (r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw) +
				(c1.ru_nvcsw - c0.ru_nvcsw) + (c1.ru_nivcsw - c0.ru_nivcsw);
	out->syscalls = syscalls;
	out->futile_syscalls = futile;
	/* this process's peak, plus each worker process's own */
	out->peak_memory_bytes = (int64_t)r1.ru_maxrss * 1024 + worker_rss;
	out->peak_concurrency = crawl->peak_inflight;
	out->retransmits = retransmits;
	al_lat_summary(&lat, &out->latency);
	al_lat_free(&lat);
	return rc != 0 ? saved : 0;
}

/* The model's process: it dies with the run (however the run dies), and
 * holds no fd but stdin, stdout and stderr -- so that the scenario's fd
 * limit counts the model's fds as the simulator does.  Its report goes
 * back through memory shared with the parent, not a pipe: a pipe's fd
 * kept out of the way at the top of the table made the kernel copy a
 * table of fd_limit entries into every worker the model forked (~270 KiB
 * each at 20,000), which a process pool in a memory cgroup paid for. */
static void own_fds(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);
	close_range(3, ~0U, 0);
}

/* Room for a run's trace records: a few dozen per page and per worker. */
static size_t trace_room(const struct al_scenario *sc, enum al_model m)
{
	int64_t r = 4096 + 48 * sc->workload.pages + 16 * (int64_t)sc->models[m].workers;

	return r < (INT64_C(1) << 22) ? (size_t)r : (size_t)1 << 22;
}

int real_run_model(const struct al_scenario *sc, const struct real_net *rn,
		   enum al_model m, struct al_report *out, char *err, size_t errlen)
{
	struct al_trace tr;

	if (al_trace_init(&tr, sc->trace ? AL_TRACE_RECORD : AL_TRACE_OFF) != 0) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	int r = real_run_model_traced(sc, rn, m, out, &tr, err, errlen);
	int e = errno;
	al_trace_free(&tr);
	errno = e;
	return r;
}

/* Waits for the model's process pid.  Every 200 ms the pages its crawl
 * has ended go to the progress callback, if any; Ctrl-C (hooks.interrupted:
 * the process itself ignores it, having inherited the catch) kills it.
 * A pidfd wakes the wait the moment the process ends, so the run's end is
 * not late by a tick; without one (an old kernel), waitpid blocks and
 * there is no progress.  Returns 1 when Ctrl-C cut the run. */
static int wait_model(pid_t pid, int *status, const struct al_crawl *live, enum al_model m,
		      int64_t pages)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), cut = 0;

	for (;;) {
		if (!cut && hooks.interrupted && hooks.interrupted()) {
			kill(pid, SIGKILL);
			cut = 1;
		}
		if (pfd >= 0) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};
			int n = poll(&p, 1, 200);
			if (n == 0 || (n < 0 && errno == EINTR)) {
				if (n == 0 && progress_fn)
					progress_fn(progress_arg, m,
						    __atomic_load_n(&live->ok, __ATOMIC_RELAXED) +
						    __atomic_load_n(&live->failed, __ATOMIC_RELAXED),
						    pages);
				continue;
			}
		}
		if (waitpid(pid, status, 0) == pid)
			break;
		if (errno != EINTR)
			break;
	}
	if (pfd >= 0)
		close(pfd);
	return cut;
}

/* Each model runs in a process of its own, so that what getrusage says
 * (peak RSS above all) is that model's alone, in the scenario's machine
 * (net_run_machine.h); the report and the trace come back through memory
 * shared with it. */
int real_run_model_traced(const struct al_scenario *sc, const struct real_net *rn,
			  enum al_model m, struct al_report *out, struct al_trace *trace,
			  char *err, size_t errlen)
{
	/* the report, written by the model's process once it is complete;
	 * the crawl's accounting, read live for the progress line */
	struct msg {
		struct al_report r;
		int err;
		int done;
		char text[256];
		struct al_crawl crawl;
	} *msg;
	int status;

	memset(out, 0, sizeof *out);
	out->model = m;
	if (!al_model_get(m)) {
		snprintf(err, errlen, "%s: not available on real sockets", al_model_name(m));
		errno = ENOSYS;
		return -1;
	}
	struct net_trace *log = NULL;
	if (trace && trace->mode != AL_TRACE_OFF && !(log = net_trace_new(trace_room(sc, m)))) {
		snprintf(err, errlen, "trace: %s", strerror(errno));
		return -1;
	}
	msg = mmap(NULL, sizeof *msg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (msg == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		net_trace_free(log);
		return -1;
	}
	struct real_machine rm;
	struct al_machine host;
	char why[256];
	real_machine_begin(&rm, sc, hooks.host && hooks.host(&host, why, sizeof why) >= 0
			   ? &host.costs : NULL);
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		munmap(msg, sizeof *msg);
		real_machine_end(&rm);
		net_trace_free(log);
		return -1;
	}
	if (pid == 0) {
		struct msg mine = {0};
		/* the crawler's side of the kernel-TCP path, before own_fds
		 * closes the namespaces' fds */
		if (rn->has_ns && net_ns_enter(&rn->ns, NET_NS_CLIENT) != 0) {
			mine.err = errno;
			snprintf(mine.text, sizeof mine.text, "the crawler's namespace: %s",
				 strerror(errno));
			mine.done = 1;
			*msg = mine;
			_exit(0);
		}
		own_fds(parent);
		/* named for perf and ps (scripts/wakes.py finds it so); the
		 * workers it forks inherit the name */
		char name[16];
		snprintf(name, sizeof name, "al-%s", al_model_name(m));
		(void)prctl(PR_SET_NAME, name);
		mine.err = measure(sc, rn, &rm, m, log, &msg->crawl, &mine.r, mine.text,
				   sizeof mine.text);
		mine.done = 1;
		mine.crawl = msg->crawl;
		*msg = mine;
		_exit(0);
	}
	int cut = wait_model(pid, &status, &msg->crawl, m, sc->workload.pages);
	struct msg got = *msg;
	munmap(msg, sizeof *msg);
	int oom = rm.cg.version ? (int)net_cgroup_oom_kills(&rm.cg) : 0;
	real_machine_end(&rm);
	/* every writer of the log is gone: replay it */
	if (log) {
		if (net_trace_replay(log, trace) != 0)
			trace->truncated = 1;
		net_trace_free(log);
	}
	if (cut) {
		snprintf(err, errlen, "interrupted (Ctrl-C): the run is dropped");
		errno = EINTR;
		return -1;
	}
	if (!got.done) {
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && oom > 0)
			snprintf(err, errlen, "the model's process was killed by the OOM killer "
				 "(machine.memory)");
		else if (WIFSIGNALED(status))
			snprintf(err, errlen, "the model's process died (%s)",
				 strsignal(WTERMSIG(status)));
		else
			snprintf(err, errlen, "the model's process exited without a report");
		errno = EIO;
		return -1;
	}
	*out = got.r;
	out->trace_hash = al_trace_hash(trace);
	/* the message of a failure, or a note on a run that went through */
	snprintf(err, errlen, "%s", got.text);
	if (got.err) {
		errno = got.err;
		return -1;
	}
	return 0;
}
