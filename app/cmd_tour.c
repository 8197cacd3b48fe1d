/* `asynclab tour`: the article's evolution, one annotated picture a step.
 *
 * Every figure a caption quotes is the run's (its report row), and every
 * note is placed where the run's trace says (viz_tour.h): nothing here
 * knows a pixel or a second in advance, so a change to the simulator
 * changes the tour with it. */
#include "app/cmd_tour.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <SDL.h>

#include "app/outputs.h"
#include "conf/scenario.h"
#include "sim/sim_run.h"
#include "core/al_units.h"
#include "core/al_write.h"
#include "viz/viz_png.h"
#include "viz/viz_tour.h"
#include "viz/viz_tour_window.h"

#define NSTEPS ((int)(sizeof steps / sizeof steps[0]))
#define NRUNS 3                      /* the seed, C10K, four cores */
#define MAXNOTES 3
#define CAP 900

struct note_spec {
	enum al_model model;
	uint8_t state, at_end, kind;     /* kind: viz_tour_note's, | PAGE */
	uint8_t after;                   /* viz_tour_note's */
	const char *en, *zh;
};

struct step {
	const char *file;            /* NN-name.png */
	unsigned models;             /* bits of enum al_model */
	int run;                     /* 0 the seed's, 1 C10K's, 2 four cores' */
	struct note_spec notes[MAXNOTES];
	const char *title_en, *title_zh;
};

#define B(m) (1u << AL_MODEL_##m)
#define TASK (1 + AL_LANE_TASK)
#define THREAD (1 + AL_LANE_THREAD)
#define PAGE 0x80                    /* on a lane that fetches a page */
#define LAST 0x40                    /* the latest such moment */

static const struct step steps[] = {
	{"01-sync.png", B(SYNC), 0, {
		{AL_MODEL_SYNC, AL_ST_CONNECT, 0, 0, 0, "the first SYN: connect() blocks", "第一个 SYN：connect() 阻塞"},
		{AL_MODEL_SYNC, AL_ST_RECV, 0, PAGE, 0, "a blocked recv(): waiting for the bytes", "recv() 阻塞：等数据到来"}},
	 "1. Blocking (3.1)", "1. 同步阻塞（3.1）"},
	{"02-process.png", B(PROCESS), 0, {
		{AL_MODEL_PROCESS, AL_ST_CREATE, 0, 0, 0, "fork: a process per page", "fork：每页一个进程"},
		{AL_MODEL_PROCESS, AL_ST_RECV, 0, PAGE, 0, "each worker blocks in its own recv()", "每个进程各自阻塞在 recv()"}},
	 "2. Processes (3.2)", "2. 多进程（3.2）"},
	{"03-thread.png", B(THREAD), 0, {
		{AL_MODEL_THREAD, AL_ST_CREATE, 0, 0, 0, "a thread is made", "创建线程"},
		{AL_MODEL_THREAD, AL_ST_RECV, 0, PAGE, 0, "a blocked recv() lets the GIL go", "阻塞的 recv() 释放 GIL"},
		{AL_MODEL_THREAD, AL_ST_GIL, 0, 0, 0, "ready, but waiting for the GIL", "就绪，但在等 GIL"}},
	 "3. Threads (3.3)", "3. 多线程（3.3）"},
	{"04-nonblocking.png", B(NONBLOCKING), 0, {
		{AL_MODEL_NONBLOCKING, AL_ST_CONNECT, 0, 0, 0, "the first SYN: connect() returns at once", "第一个 SYN：connect() 立即返回"},
		{AL_MODEL_NONBLOCKING, AL_ST_SPIN, 0, 0, 0, "the futile spin: EAGAIN, try again", "空转：EAGAIN，再试一次"}},
	 "4. Non-blocking sockets (3.4)", "4. 非阻塞（3.4）"},
	{"05-callback.png", B(CALLBACK), 0, {
		{AL_MODEL_CALLBACK, AL_ST_WAIT, 1, 0, 0, "epoll wakes up: a socket is ready", "epoll 唤醒：有 socket 就绪"},
		{AL_MODEL_CALLBACK, AL_ST_READY, 1, TASK | PAGE, 1 + AL_ST_RECV, "the reply is in: its callback runs", "响应到达：执行它的回调"}},
	 "5. epoll + callbacks (3.5)", "5. epoll + 回调（3.5）"},
	{"06-generator.png", B(GENERATOR), 0, {
		{AL_MODEL_GENERATOR, AL_ST_READY, 0, TASK | PAGE, 1 + AL_ST_CONNECT, "connected: its Future is done", "连接建立：Future 完成"},
		{AL_MODEL_GENERATOR, AL_ST_READY, 0, TASK | PAGE, 1 + AL_ST_RECV, "the reply's bytes: a Future done", "响应数据到达：Future 完成"},
		{AL_MODEL_GENERATOR, AL_ST_READY, 1, TASK | PAGE, 1 + AL_ST_RECV, "the Task resumes its generator", "Task 恢复生成器"}},
	 "6. Generator + Future + Task (4.4-4.6)", "6. 生成器 + Future + Task（4.4-4.6）"},
	{"07-asyncio.png", B(ASYNCIO), 0, {
		{AL_MODEL_ASYNCIO, AL_ST_WAIT, 1, TASK, 0, "the loop's epoll_wait wakes", "事件循环的 epoll_wait 醒来"},
		{AL_MODEL_ASYNCIO, AL_ST_READY, 1, TASK | PAGE, 1 + AL_ST_RECV, "a task resumes: its reply is in", "任务恢复：响应已到"},
		{AL_MODEL_ASYNCIO, AL_ST_RUNNING, 1, TASK | PAGE | LAST, 0, "gather returns: the last page is done", "gather 返回：最后一页完成"}},
	 "7. asyncio", "7. asyncio"},
	{"08-green.png", B(GREEN), 0, {
		{AL_MODEL_GREEN, AL_ST_CREATE, 0, 0, 0, "main starts an OS thread per core: its scheduler", "主线程为每个核启动一个 OS 线程：它的调度器"},
		{AL_MODEL_GREEN, AL_ST_READY, 1, TASK | PAGE, 1 + AL_ST_RECV, "a green thread switches back in: recv() returns", "绿色线程切回：recv() 返回"},
		{AL_MODEL_GREEN, AL_ST_RUNNING, 1, TASK | PAGE | LAST, 0, "the last green thread ends", "最后一个绿色线程结束"}},
	 "8. Green threads (beyond the article)", "8. 绿色线程（文章之后）"},
	{"09-uring.png", B(URING), 0, {
		{AL_MODEL_URING, AL_ST_WAIT, 0, TASK, 0, "one io_uring_enter carries every connect", "一次 io_uring_enter 提交全部 connect"},
		{AL_MODEL_URING, AL_ST_READY, 0, TASK | PAGE, 1 + AL_ST_RECV, "a completion: the recv is done, its bytes are in", "完成事件：recv 已完成，数据已到"},
		{AL_MODEL_URING, AL_ST_READY, 1, TASK | PAGE | LAST, 1 + AL_ST_RECV, "the loop reaps it: the coroutine resumes", "事件循环收割它：协程恢复"}},
	 "9. io_uring: completions (after the article)", "9. io_uring：完成事件（文章之后）"},
	{"10-multiloop.png", B(ASYNCIO) | B(MULTILOOP), 2, {
		{AL_MODEL_MULTILOOP, AL_ST_CREATE, 0, 0, 0, "a loop per core: its thread is made", "每核一个事件循环：创建它的线程"},
		{AL_MODEL_ASYNCIO, AL_ST_RUNNING, 1, TASK | PAGE | LAST, 0, "one loop: the last page waited its turn", "一个事件循环：最后一页排到最后"},
		{AL_MODEL_MULTILOOP, AL_ST_RUNNING, 1, TASK | PAGE | LAST, 0, "four loops: done much sooner", "四个事件循环：早得多完成"}},
	 "10. One loop per core", "10. 每核一个事件循环"},
	{"11-c10k.png", B(PROCESS) | B(THREAD) | B(ASYNCIO), 1, {
		{AL_MODEL_PROCESS, VIZ_TOUR_FAILED, 0, 0, 0, "memory is full: pages fail", "内存耗尽：页面失败"},
		{AL_MODEL_THREAD, AL_ST_CREATE, 0, LAST, 0, "the last thread the address space allows", "地址空间允许的最后一个线程"},
		{AL_MODEL_ASYNCIO, AL_ST_RUNNING, 1, TASK | PAGE | LAST, 0, "one loop: its last page is done", "一个事件循环：最后一页完成"}},
	 "11. The C10K wall", "11. C10K 之墙"},
};

/* Model m's report row; a zero row if it did not run (every model of the
 * built-in scenario does; a zero row prints zeros, never a crash). */
static const struct al_report *row(const struct viz_run *run, enum al_model m)
{
	static const struct al_report none;

	for (int i = 0; i < run->nmodels; i++)
		if (run->models[i].report.model == m)
			return &run->models[i].report;
	return &none;
}

static char *dur(char *b, size_t n, int64_t ns)
{
	al_fmt_duration(b, n, ns);
	return b;
}

static char *cnt(char *b, size_t n, int64_t v)
{
	al_fmt_count(b, n, v);
	return b;
}

static double busy(const struct al_report *r)
{
	return r->elapsed_ns > 0 ? 100.0 * (double)r->cpu_busy_ns / (double)r->elapsed_ns : 0;
}

/* Step i's caption from the runs' figures.  Two to four sentences: what
 * to look at, what it costs, why the next step came. */
static void caption(int i, int zh, const struct viz_run *seed, const struct viz_run *c10k,
		    const struct viz_run *cores, char *out, size_t n)
{
	char a[32], b[32], c[32], d[32], e[32];
	const struct al_report *s = row(seed, AL_MODEL_SYNC);
	const struct al_report *r;

	switch (i) {
	case 0:
		r = s;
		snprintf(out, n, zh ?
			 "一次只处理一个 socket：每页先在 connect() 上等连接建立，再阻塞在 recv() 上，等服务器处理、数据传回。%lld 页共用 %s，CPU 只忙了 %.2f%% 的时间。等待一页接一页地累加，于是想到：同时跑多个爬虫。" :
			 "One socket at a time: each page waits in connect() for its connection, then sits blocked in recv() while the server thinks and the bytes travel. %lld pages take %s, and the CPU is busy %.2f %% of it. The waits add up page after page, so the next idea is to run several crawlers at once.",
			 (long long)r->pages_ok, dur(a, sizeof a, r->elapsed_ns), busy(r));
		break;
	case 1:
		r = row(seed, AL_MODEL_PROCESS);
		snprintf(out, n, zh ?
			 "每页一个进程，同时下载：用时 %s，而同步阻塞要 %s。代价是每个进程的 fork（橙色）和内存（峰值 %s），以及 %lld 次上下文切换。一台服务器能稳定承受的进程数只有几十到几百个，于是转向更轻的线程。" :
			 "A process per page, all fetching at once: %s instead of blocking's %s. Each worker costs a fork (orange) and memory (a peak of %s), and the machine switches between them %lld times. A server holds tens or hundreds of processes, not tens of thousands, so the next step is the lighter thread.",
			 dur(a, sizeof a, r->elapsed_ns), dur(b, sizeof b, s->elapsed_ns),
			 (al_fmt_bytes(c, sizeof c, r->peak_memory_bytes), c),
			 (long long)r->context_switches);
		break;
	case 2:
		r = row(seed, AL_MODEL_THREAD);
		snprintf(out, n, zh ?
			 "一个进程里的线程，同时在途 %lld 页：用时 %s，峰值内存 %s。线程在阻塞的 recv() 上会释放 GIL，所以等待仍能重叠；但 GIL 让它们一次只能有一个在跑 Python，操作系统随时抢占（竞态、锁），每个线程的栈也让规模停在数百到数千。" :
			 "Threads of one process, %lld pages in flight at once: %s, a peak of %s. A thread blocked in recv() lets the GIL go, so the waits still overlap; but only one runs Python at a time, the OS preempts them anywhere (races, locks), and each thread's stack keeps the count in the hundreds or thousands.",
			 (long long)r->peak_concurrency, dur(a, sizeof a, r->elapsed_ns),
			 (al_fmt_bytes(b, sizeof b, r->peak_memory_bytes), b));
		break;
	case 3:
		r = row(seed, AL_MODEL_NONBLOCKING);
		snprintf(out, n, zh ?
			 "connect() 和 recv() 不再阻塞，可程序没有别的事可做，只能反复重试：%s 次系统调用里有 %s 次是白费的（EAGAIN），CPU 忙了 %.0f%%。页面仍然一页接一页，用时 %s，不比同步阻塞好。缺的是一个能告诉我们哪个 socket 就绪的机制。" :
			 "connect() and recv() no longer block, but the program has nothing else to do, so it retries: %s of its %s system calls are futile (EAGAIN), and the CPU is busy %.0f %% of the run. The pages still go one after another, %s, no better than blocking. What is missing is someone to say which socket is ready.",
			 zh ? cnt(a, sizeof a, r->syscalls) : cnt(a, sizeof a, r->futile_syscalls),
			 zh ? cnt(b, sizeof b, r->futile_syscalls) : cnt(b, sizeof b, r->syscalls),
			 busy(r), dur(c, sizeof c, r->elapsed_ns));
		break;
	case 4:
		r = row(seed, AL_MODEL_CALLBACK);
		snprintf(out, n, zh ?
			 "单线程把每个 socket 注册到 epoll，然后睡在 epoll_wait 里；被唤醒时，执行就绪 socket 的回调。%lld 页用时 %s，没有线程可切换。代价在代码上：逻辑被拆成一个个回调，状态要手工传递，出错时调用栈被撕裂。" :
			 "One thread registers every socket with epoll and sleeps in epoll_wait; when it wakes, it runs the callback of the socket that is ready. %lld pages in %s, with no thread to switch. The price is the code: the logic is cut into callbacks that pass their state by hand and lose the stack when one fails.",
			 (long long)r->pages_ok, dur(a, sizeof a, r->elapsed_ns));
		break;
	case 5:
		r = row(seed, AL_MODEL_GENERATOR);
		snprintf(out, n, zh ?
			 "同样的事件循环，但每次下载是一个生成器：它 yield 一个 Future，Future 有了结果时由 Task 把它恢复，代码又能自上而下地读。用时 %s（回调版 %s）：循环和 epoll 的唤醒没变，变的只是回到代码的方式。" :
			 "The same event loop, but each fetch is a generator that yields a Future, and its Task resumes it when the Future has a result: the code reads top to bottom again. %s (callbacks: %s): the loop and its epoll wake-ups are the same; only the way back into the code changed.",
			 dur(a, sizeof a, r->elapsed_ns),
			 dur(b, sizeof b, row(seed, AL_MODEL_CALLBACK)->elapsed_ns));
		break;
	case 6:
		r = row(seed, AL_MODEL_ASYNCIO);
		snprintf(out, n, zh ?
			 "async/await 加上标准库自己的事件循环：gather 启动每页的协程并等它们全部完成。%lld 页用时 %s，比同步阻塞快 %.1f 倍，只用一个线程。这是文章的终点；接下来几步走出文章，并问：它能走多远？" :
			 "async/await and the library's own loop: gather starts every page's coroutine and waits for them all. %lld pages in %s, %.1f times as fast as blocking, in one thread. This is where the article arrives; the next steps go beyond it and ask how far it goes.",
			 (long long)r->pages_ok, dur(a, sizeof a, r->elapsed_ns),
			 r->elapsed_ns > 0 ? (double)s->elapsed_ns / (double)r->elapsed_ns : 0.0);
		break;
	case 7:
		r = row(seed, AL_MODEL_GREEN);
		snprintf(out, n, zh ?
			 "每页又是自上而下的阻塞式代码——connect、send、recv——跑在自己的绿色线程上，一个带保护页的小栈；会阻塞的调用把它挂到所在 OS 线程的 epoll 上，切回该线程的调度器。%lld 页用时 %s（asyncio：%s），峰值内存 %s（asyncio：%s）：每页一个栈比协程帧贵；换来的是代码里没有 await，且在没有 GIL 时，绿色线程能分布到每个核上。" :
			 "Each page is straight-line blocking code again (connect, send, recv) on a green thread with a small guarded stack of its own; a call that would block parks it on its OS thread's epoll and switches to that thread's scheduler. %lld pages in %s (asyncio: %s), a peak of %s (asyncio: %s): a stack per page costs more than a coroutine's frame; in exchange no await colours the code, and, without a GIL, green threads spread over every core.",
			 (long long)r->pages_ok, dur(a, sizeof a, r->elapsed_ns),
			 dur(b, sizeof b, row(seed, AL_MODEL_ASYNCIO)->elapsed_ns),
			 (al_fmt_bytes(c, sizeof c, r->peak_memory_bytes), c),
			 (al_fmt_bytes(d, sizeof d, row(seed, AL_MODEL_ASYNCIO)->peak_memory_bytes), d));
		break;
	case 8: {
		const struct al_report *y = row(seed, AL_MODEL_ASYNCIO);
		r = row(seed, AL_MODEL_URING);
		snprintf(out, n, zh ?
			 "文章之后（Linux 5.1，2019）：不再问内核哪个 socket 就绪，而是把操作本身（connect、send、recv、close）写进与内核共享的环里，一次 io_uring_enter 提交全部，内核回以完成事件，事件循环收割后恢复对应的协程。%lld 页用时 %s，系统调用 %s 次（asyncio：%s 次），没有一次白费。" :
			 "After the article (Linux 5.1, 2019): instead of asking which socket is ready, the program writes the operations themselves (connect, send, recv, close) into a ring it shares with the kernel; one io_uring_enter carries them all, the kernel answers with completions, and the loop reaps them and resumes each page's coroutine. %lld pages in %s with %s system calls (asyncio: %s), none of them futile.",
			 (long long)r->pages_ok, dur(a, sizeof a, r->elapsed_ns),
			 cnt(b, sizeof b, r->syscalls), cnt(c, sizeof c, y->syscalls));
		break;
	}
	case 9: {
		const struct al_report *a1 = row(cores, AL_MODEL_ASYNCIO);
		r = row(cores, AL_MODEL_MULTILOOP);
		snprintf(out, n, zh ?
			 "%d 核，%lld 页，每页解析 %s 的 CPU。一个 asyncio 事件循环只占一个核：响应到齐后，页面排队等它（黄色阶梯），用时 %s，CPU 忙 %.0f%%（占全部核）。每核一个事件循环（按页号取模分配，如 SO_REUSEPORT）：四个队列同时排空，%s，CPU 忙 %.0f%%。在 Python 里这些线程共用一个 GIL，一次只跑一个：所以 CPython 服务器是每核 fork 一个进程。" :
			 "%d cores, %lld pages, %s of CPU to parse each. One asyncio loop runs on one core: once the replies are in, the pages queue for it (the yellow staircase), %s, the CPU busy %.0f %% of all cores. One loop per core, pages dealt by number as SO_REUSEPORT deals connections: four queues drain at once, %s, %.0f %% busy. In Python these threads share one GIL and run one at a time: that is why CPython servers fork a process per core.",
			 cores->sc.machine.cores, (long long)r->pages_ok,
			 dur(a, sizeof a, ((int64_t)cores->sc.server.page_size.a + 1023) / 1024 *
			     cores->sc.machine.costs.parse_ns_per_kib),
			 dur(b, sizeof b, a1->elapsed_ns), busy(a1) / cores->sc.machine.cores,
			 dur(c, sizeof c, r->elapsed_ns), busy(r) / cores->sc.machine.cores);
		break;
	}
	default: {
		const struct al_report *p = row(c10k, AL_MODEL_PROCESS), *t = row(c10k, AL_MODEL_THREAD);
		r = row(c10k, AL_MODEL_ASYNCIO);
		snprintf(out, n, zh ?
			 "%s 页同时下载，1999 年的机器。进程耗尽内存：%s 页失败（标记处）。线程耗尽地址空间，同时在途从不超过 %lld 页，用时 %s。事件循环用 %s 内存撑住全部连接，%s 完成。" :
			 "%s pages at once on a 1999 machine. Processes run out of memory: %s pages fail (marked). Threads run out of address space, never more than %lld pages in flight, and take %s. The event loop holds every connection in %s and finishes in %s.",
			 cnt(d, sizeof d, c10k->sc.workload.pages), cnt(e, sizeof e, p->pages_failed),
			 (long long)t->peak_concurrency, dur(a, sizeof a, t->elapsed_ns),
			 (al_fmt_bytes(b, sizeof b, r->peak_memory_bytes), b),
			 dur(c, sizeof c, r->elapsed_ns));
		break;
	}
	}
}

/* Every enabled model of sc, simulated with its trace, into run. */
static int simulate(struct al_scenario *sc, struct viz_run *run)
{
	char err[512];

	al_run_describe(run, "sim", sc, sc->machine.cores);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct viz_model *vm = &run->models[run->nmodels];
		if (!sc->models[m].enabled)
			continue;
		if (al_trace_init(&vm->trace, AL_TRACE_RECORD) != 0) {
			fprintf(stderr, "asynclab: tour: out of memory\n");
			return 1;
		}
		if (sim_run_model_traced(sc, (enum al_model)m, &vm->report, &vm->trace, err,
					 sizeof err) != 0 && errno != EDEADLK) {
			fprintf(stderr, "asynclab: tour: %s: %s\n", al_model_name((enum al_model)m),
				err);
			al_trace_free(&vm->trace);
			return 1;
		}
		vm->report.model = (enum al_model)m;
		run->nmodels++;
	}
	return 0;
}

/* C10K as scenarios/c10k.yaml has it, built in so the tour runs anywhere. */
static const char *const c10k_keys[] = {
	"name=c10k", "seed=1999", "machine.profile=python", "machine.cores=1",
	"machine.cpu=1GHz", "machine.memory=2GiB", "machine.address_space=3GiB",
	"machine.fd_limit=20000", "network.rtt=50ms", "network.bandwidth=1Gbit",
	"server.think=10ms", "server.page_size=4KiB", "server.backlog=16384",
	"workload.pages=10000", "models.process.workers=10000",
	"models.thread.workers=10000", "models.asyncio.poller=epoll",
};

/* Four cores, pages whose parsing shows: one loop against four. */
static const char *const cores_keys[] = {
	"name=cores", "seed=7", "machine.profile=c", "machine.cores=4",
	"machine.costs.parse_per_kib=100us", "network.rtt=20ms", "network.bandwidth=10Gbit",
	"server.think=5ms", "server.page_size=20KiB", "workload.pages=40",
};

static int fill_md(FILE *out, void *arg)
{
	fputs((const char *)arg, out);
	return ferror(out) ? -1 : 0;
}

/* Markdown text: '*', '_', '<' and the like would be read as markup. */
static void md_escape(char *dst, size_t n, const char *s)
{
	size_t k = 0;

	for (; *s && k + 3 < n; s++) {
		if (strchr("\\`*_[]<>#|", *s))
			dst[k++] = '\\';
		dst[k++] = *s;
	}
	dst[k] = '\0';
}

int al_cmd_tour(const struct al_cli *cli)
{
	int zh = cli->lang && strcmp(cli->lang, "zh") == 0;
	int w = cli->size_set ? cli->width : 1400, h = cli->size_set ? cli->height : 900;
	struct viz_tour_font font;
	char err[512];
	int status = 0;

	if (zh ? viz_tour_font_zh(&font, err, sizeof err) != 0 : (viz_tour_font_en(&font), 0)) {
		fprintf(stderr, "asynclab: tour: %s\n", err);
		return 2;
	}
	if (w < VIZ_PNG_MIN_W || h < VIZ_PNG_MIN_H + VIZ_TOUR_BAND) {
		fprintf(stderr, "asynclab: tour: --size %dx%d: a step needs at least %dx%d\n", w,
			h, VIZ_PNG_MIN_W, VIZ_PNG_MIN_H + VIZ_TOUR_BAND);
		return 2;
	}
	if (cli->out_path) {
		struct stat st;
		if (mkdir(cli->out_path, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "asynclab: tour: %s: %s\n", cli->out_path, strerror(errno));
			return 2;
		}
		if (stat(cli->out_path, &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "asynclab: tour: %s: not a directory\n", cli->out_path);
			return 2;
		}
	}
	struct viz_run *runs = calloc(NRUNS, sizeof *runs);
	SDL_Surface *pics[NSTEPS] = {0};
	char *md = calloc(1, 64 * 1024);
	if (!runs || !md) {
		fprintf(stderr, "asynclab: tour: out of memory\n");
		free(runs);
		free(md);
		return 1;
	}
	struct al_scenario seed, c10k, cores;
	al_scenario_default(&seed);
	al_scenario_default(&c10k);
	al_scenario_default(&cores);
	if (al_scenario_set(&c10k, c10k_keys, (int)(sizeof c10k_keys / sizeof *c10k_keys), err,
			    sizeof err) != 0 ||
	    al_scenario_set(&cores, cores_keys, (int)(sizeof cores_keys / sizeof *cores_keys), err,
			    sizeof err) != 0) {
		fprintf(stderr, "asynclab: tour: %s\n", err);
		status = 1;
		goto out;
	}
	/* the wall is drawn by these three: the others are asyncio's kin */
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		c10k.models[m].enabled = (B(PROCESS) | B(THREAD) | B(ASYNCIO)) & (1u << m);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		cores.models[m].enabled = (B(ASYNCIO) | B(MULTILOOP)) & (1u << m);
	if ((status = simulate(&seed, &runs[0])) != 0 || (status = simulate(&c10k, &runs[1])) != 0 ||
	    (status = simulate(&cores, &runs[2])) != 0)
		goto out;
	size_t mdn = (size_t)snprintf(md, 64 * 1024, "%s\n\n%s\n\n",
		zh ? "# 导览：异步 IO 进化之路" : "# A tour: the evolution of asynchronous I/O",
		zh ? "由 `asynclab tour --lang zh` 生成；每个数字都来自这次模拟。" :
		     "Made by `asynclab tour`; every figure comes from this simulated run.");
	for (int i = 0; i < NSTEPS; i++) {
		const struct step *st = &steps[i];
		struct viz_tour_note notes[MAXNOTES];
		char cap[CAP], esc[2 * CAP];
		int nn = 0;
		for (; nn < MAXNOTES && st->notes[nn].en; nn++)
			notes[nn] = (struct viz_tour_note){
				.model = st->notes[nn].model, .state = st->notes[nn].state,
				.at_end = st->notes[nn].at_end,
				.kind = st->notes[nn].kind & ~(PAGE | LAST) & 0xff,
				.last = (st->notes[nn].kind & LAST) != 0,
				.after = st->notes[nn].after,
				.page = (st->notes[nn].kind & PAGE) != 0,
				.text = zh ? st->notes[nn].zh : st->notes[nn].en};
		caption(i, zh, &runs[0], &runs[1], &runs[2], cap, sizeof cap);
		const char *title = zh ? st->title_zh : st->title_en;
		pics[i] = viz_tour_draw(&runs[st->run], st->models, w, h, notes, nn, title, cap,
					&font, err, sizeof err);
		if (!pics[i]) {
			fprintf(stderr, "asynclab: tour: %s: %s\n", st->file, err);
			status = 1;
			goto out;
		}
		md_escape(esc, sizeof esc, cap);
		mdn += (size_t)snprintf(md + mdn, 64 * 1024 - mdn, "## %s\n\n![%s](%s)\n\n%s\n\n",
					title, title, st->file, esc);
	}
	if (cli->out_path) {
		char path[4096];
		for (int i = 0; i < NSTEPS && status == 0; i++) {
			snprintf(path, sizeof path, "%s/%s", cli->out_path, steps[i].file);
			if (viz_png_save(NULL, path, pics[i], err, sizeof err) != 0) {
				fprintf(stderr, "asynclab: tour: %s\n", err);
				status = 1;
			}
		}
		snprintf(path, sizeof path, "%s/tour.md", cli->out_path);
		if (status == 0 && al_write_file(NULL, path, fill_md, md, err, sizeof err) != 0) {
			fprintf(stderr, "asynclab: tour: %s\n", err);
			status = 1;
		}
		if (status == 0)
			fprintf(stderr, "asynclab: tour: wrote %d pictures and %s\n", NSTEPS, path);
	} else if (viz_tour_window(pics, NSTEPS, err, sizeof err) != 0) {
		fprintf(stderr, "asynclab: tour: %s\n", err);
		status = 1;
	}
out:
	for (int i = 0; i < NSTEPS; i++)
		if (pics[i])
			SDL_FreeSurface(pics[i]);
	for (int i = 0; runs && i < NRUNS; i++)
		viz_run_free(&runs[i]);
	free(runs);
	free(md);
	return status;
}
