/* Measuring CPython's costs for `asynclab calibrate --python`
 * (docs/costs.md, "Calibrating the python profile").
 *
 * Each figure is a small probe in python3 (net_calib_py_script.c), run
 * with `python3 -c` in a child process: a generator's send, a call, a
 * non-blocking recv that fails, a selector's register + select +
 * unregister, a thread's start + join and its memory, the GIL's hand-off,
 * the article's `response += chunk` per KiB, and the article's process
 * pool started, each worker fetching one 20 KB page from a server the
 * probe runs on loopback and returning it, as the crawler's do, and shut
 * down -- in a fresh interpreter each time, as the article's program does
 * it once.
 * The pool's time is split into a fixed part and a part per worker by
 * timing pools of 1 and of N: the simulator charges pool_startup once and
 * process_create per worker (models/process.c); the pools' CPU, the
 * parent's and the workers', is measured too, for the profile's head.
 * The thread pool
 * (ThreadPoolExecutor, as the article's thread_way) gives
 * thread_pool_startup and thread_create (models/thread.c) by its wall
 * time, the pools of 1 and N fitted the same way. */
#ifndef NET_CALIB_PY_H
#define NET_CALIB_PY_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_scenario.h"

enum net_calib_py_fig {
	NET_CALIB_PY_SYSCALL,
	NET_CALIB_PY_THREAD_CREATE,
	NET_CALIB_PY_PROCESS_CREATE,
	NET_CALIB_PY_POOL_STARTUP,
	NET_CALIB_PY_THREAD_POOL_STARTUP,
	NET_CALIB_PY_THREAD_MEMORY,
	NET_CALIB_PY_PROCESS_MEMORY,
	NET_CALIB_PY_COROUTINE_RESUME,
	NET_CALIB_PY_CALLBACK,
	NET_CALIB_PY_SELECT,
	NET_CALIB_PY_GIL_INTERVAL,
	NET_CALIB_PY_PARSE_PER_KIB,
	NET_CALIB_PY_COUNT
};

/* The variable that names the interpreter; else /usr/bin/python3 (Debian's)
 * when it exists, else python3 on the PATH. */
#define NET_CALIB_PY_ENV "ASYNCLAB_PYTHON"
/* The pool the probe times against a pool of 1: the article's 10. */
#define NET_CALIB_PY_POOL 10

struct net_calib_py {
	double value[NET_CALIB_PY_COUNT]; /* the median: ns, or bytes     */
	double pool1_ns, pooln_ns;   /* medians: a pool of 1 and of N, whole */
	double pcpu1_ns, pcpun_ns;   /* their parent's CPU (every thread)    */
	double wcpun_ns;             /* the N workers' CPU, together         */
	/* the pool priced by CPU alone, where the simulator would charge it:
	 * the parent's through the line (pool_startup, process_create), the
	 * workers' each (process_cow); the profile's head only */
	double cpu_startup_ns, cpu_create_ns, cpu_cow_ns;
	double tpool1_ns, tpooln_ns; /* the same for ThreadPoolExecutor      */
	double switchinterval_ns;    /* sys.getswitchinterval()              */
	int pool_n;                  /* N                                    */
	int reps;                    /* repetitions behind each median       */
	int64_t elapsed_ns;          /* how long net_calib_py_run took       */
	char python[256];            /* the interpreter that ran the probes  */
	char version[64];            /* its sys.version, first word          */
};

/* The key of a figure in a scenario's machine.costs ("pool_startup"). */
const char *net_calib_py_key(enum net_calib_py_fig f);
/* Where a figure lands in struct al_costs (offsetof). */
size_t net_calib_py_offset(enum net_calib_py_fig f);
/* 1 for the figures that are sizes (bytes), 0 for durations (ns). */
int net_calib_py_is_size(enum net_calib_py_fig f);

/* The interpreter to run: $ASYNCLAB_PYTHON when set and not empty, else
 * /usr/bin/python3 when it is executable, else "python3" (the PATH). */
const char *net_calib_py_python(void);

/* Every figure `reps` times (0: NET_CALIB_REPS's 5, at most 15) and its
 * median (the thread pools, cheap and noisy, 15 times), with the
 * interpreter net_calib_py_python() names.  All or
 * nothing: returns 0, or -1 with a one-line reason in err (the interpreter
 * cannot be run, a probe failed or printed nonsense, or took longer than
 * two minutes; the probe's last line of stderr is quoted). */
int net_calib_py_run(struct net_calib_py *c, int reps, char *err,
		     size_t errlen);

/* The figures written into costs, rounded to whole ns or bytes and at
 * least 1 (pool_startup may be 0: a pool of N costs N pools of 1). */
void net_calib_py_costs(const struct net_calib_py *c, struct al_costs *costs);

/* The probes' source (python3 -c). */
extern const char net_calib_py_script[];

#endif
