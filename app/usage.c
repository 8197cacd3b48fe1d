/* The help texts of `asynclab` and its commands.  Kept apart from the parser
 * so that app/cli.c reads as logic; every option named here is one that
 * app/cli.c accepts (tests/e2e_cli.sh runs each command's --help). */
#include "app/usage.h"

#include <string.h>

#include "core/al_models.h"

/* Where a text lists the models, from the registry (print_models). */
#define MODELS "@MODELS@\n"

static const char usage_all[] =
	"asynclab " AL_VERSION " - a laboratory for the evolution of asynchronous I/O\n"
	"\n"
	"usage: asynclab COMMAND [ARGS] [OPTIONS]\n"
	"\n"
	"commands:\n"
	"  run [SCENARIO]       run the crawler under each model and compare them\n"
	"  check SCENARIO       validate a scenario file and summarise it\n"
	"  view SCENARIO|FILE   timelines: saved runs, or scenarios simulated first\n"
	"  serve [SCENARIO]     the origin server alone (HTTP/1.0 on 127.0.0.1)\n"
	"  calibrate            measure this machine's (or CPython's) costs into a profile\n"
	"  timeview             latencies as if one CPU cycle took one second\n"
	"  sweep [SCENARIO]     simulate it at every value of one or two keys\n"
	"  tour                 the article's evolution, model by model, annotated\n"
	"  merge DIR            gather the results of a sweep --emit DIR\n"
	"  compare A B          two results (run files or JSON), per model in %\n"
	"  completion           print the bash completion script\n"
	"  help [COMMAND]       this help, or one command's\n"
	"\n"
	"options:\n"
	"  -h, --help           print help and exit\n"
	"  -V, --version        print the version and exit\n"
	"\n"
	"exit status: 0 ok, 1 a run failed (a page failed), 2 bad input.\n"
	"'asynclab help COMMAND' lists a command's options.\n";

static const char usage_run[] =
	"usage: asynclab run [SCENARIO] [OPTIONS]\n"
	"\n"
	"Downloads the scenario's pages under each enabled concurrency model, in\n"
	"the simulator or for real, and prints one row per model.  Without SCENARIO: the\n"
	"built-in default, the article's experiment (10 pages, every model).\n"
	"\n"
	"options:\n"
	"  --models LIST        models to run, comma-separated, or 'all'; restricts\n"
	"                       the scenario's enabled models (listed below)\n"
	"  --seed N             override the scenario's seed (unsigned integer)\n"
	"  --set KEY=VALUE      set a scenario key by its path, as in the file\n"
	"                       (network.rtt=50ms, workload.pages=10k,\n"
	"                       models.thread.workers=50); repeatable\n"
	"  --json               print one JSON object instead of the table\n"
	"  --json=FILE          write it to FILE (- : stdout), the table on stdout\n"
	"  --csv FILE           the report as CSV, a column per JSON figure (- : stdout)\n"
	"  --markdown           the table in Markdown\n"
	"  --latency            also print each model's per-page latency: connect,\n"
	"                       time to first byte, total; p50 p90 p99 max\n"
	"  --no-trace           do not record the trace (for very large runs)\n"
	"  --seeds A..B         one simulated run per seed; per model the mean, sd,\n"
	"                       min and max of each figure\n"
	"  --runs N             real: N measured runs, summarised the same way\n"
	"  --warmup K           real: K runs first, discarded\n"
	"                       (--png, --save, --view: every run, at most 16)\n"
	"  -j, --jobs N         simulate up to N models at once, each in its own\n"
	"                       process (default: this machine's cores; -j 1:\n"
	"                       one after the other); the output is the same.\n"
	"                       Real runs are always one after the other\n"
	"  --net sim|real|both  backend: the simulator (default), this machine's real\n"
	"                       sockets against our origin server on loopback, or\n"
	"                       both: the simulator's prediction next to the measure\n"
	"  --path auto|kernel-tcp|relay  how a real run reaches our server: the\n"
	"                       kernel's TCP between two network namespaces through\n"
	"                       a packet emulator, or the userspace relay on\n"
	"                       loopback; auto (default): kernel-tcp where the host\n"
	"                       allows it and the network is emulated\n"
	"  --target URL         crawl another HTTP server, [http://]HOST[:PORT][/], its\n"
	"                       pages /, /1, /2 ... (implies --net real; sizes are\n"
	"                       reported, bodies not verified)\n"
	"  --trace FILE.json    write the timelines as Chrome Trace Event JSON, for\n"
	"                       ui.perfetto.dev\n"
	"  --png FILE.png       draw the timelines to a PNG (no display needed)\n"
	"  --size WxH           picture or window size for --png and --view\n"
	"  --save FILE          save the run, its traces included, for 'view FILE'\n"
	"                       (FILE.alrun, say)\n"
	"  --view               open the timeline window on the run\n"
	"  --shot FILE.png      with --view: F12 in the window writes the frame there\n"
	"  -h, --help           print this help\n"
	MODELS
	"\n"
	"The same scenario and seed print byte-identical output on every run.\n"
	"Exit status: 0 every page ok, 1 some page failed, 2 bad input.\n"
	"\n"
	"examples:\n"
	"  asynclab run\n"
	"  asynclab run scenarios/seed.yaml --models sync,asyncio --seed 7\n"
	"  asynclab run --json > run.json\n"
	"  asynclab run --net real --models thread,asyncio\n"
	"  asynclab run --target http://127.0.0.1:8080/ --models asyncio\n";

static const char usage_check[] =
	"usage: asynclab check SCENARIO [--set KEY=VALUE]...\n"
	"\n"
	"Validates a scenario file and prints what it describes.  Errors are\n"
	"reported as file:line:col: message, with exit status 2.\n"
	"\n"
	"options:\n"
	"  --set KEY=VALUE      set a scenario key by its path, as in the file\n"
	"                       (network.rtt=50ms); repeatable\n"
	"  -h, --help           print this help\n"
	"\n"
	"example:\n"
	"  asynclab check scenarios/seed.yaml\n";

static const char usage_view[] =
	"usage: asynclab view SCENARIO|FILE... [--models LIST] [--seed N]\n"
	"                     [--set KEY=VALUE] [--png FILE.png [--size WxH]]\n"
	"                     [--trace FILE.json]\n"
	"\n"
	"The timelines of a run saved with 'run --save FILE', or of SCENARIO\n"
	"simulated first, in a window (SDL2; ? in it lists every key: wheel\n"
	"zooms, drag pans, f fits, space plays, 1-9 and Tab switch tabs, q\n"
	"quits).  With --png or --trace, draws or exports them instead.\n"
	"\n"
	"Several files are one picture: a run file adds its runs (one, or sim\n"
	"and real), a scenario one simulated run, at most 16 runs in all (each\n"
	"is held in memory whole).  Their 'N runs' tab stacks them run after\n"
	"run, each a labelled band, on one time axis (s: each on its own);\n"
	"[ and ] walk the runs in the compare and model tabs.  A --net both\n"
	"run alone keeps its 'sim | real' tab.\n"
	"\n"
	"options:\n"
	"  --models LIST        the models to show (of those the run has)\n"
	"  --seed N             SCENARIO's seed\n"
	"  --set KEY=VALUE      set one of SCENARIO's keys, as in the file; repeatable\n"
	"  --png FILE.png       draw to a PNG, as 'run --png' does\n"
	"  --size WxH           its size (default 1600x1200; 640x400 to 16384x16384),\n"
	"                       or the window's\n"
	"  --shot FILE.png      F12 in the window writes the frame there (%d: numbered)\n"
	"  --trace FILE.json    Chrome Trace Event JSON, as 'run --trace' does\n"
	"  -h, --help           print this help\n"
	"\n"
	"A damaged, truncated, empty or foreign file is refused: exit status 2.\n"
	"\n"
	"examples:\n"
	"  asynclab run --save seed.alrun && asynclab view seed.alrun --png seed.png\n"
	"  asynclab view scenarios/c10k.yaml --trace c10k.json\n"
	"  asynclab view a.alrun b.alrun scenarios/lossy.yaml --png three.png\n";

static const char usage_serve[] =
	"usage: asynclab serve [--port P] [SCENARIO]\n"
	"\n"
	"Runs the project's origin server alone on 127.0.0.1: GET / is page 0,\n"
	"GET /N page N, each after the scenario's think time, with a body of the\n"
	"scenario's page size whose bytes are a function of (seed, N).  Prints\n"
	"the URL it listens on, serves until Ctrl-C or SIGTERM, then prints a\n"
	"summary on stderr.  Without SCENARIO: the built-in default.\n"
	"\n"
	"options:\n"
	"  --port P             TCP port to listen on (0-65535; default and 0:\n"
	"                       a free port, printed)\n"
	"  -h, --help           print this help\n"
	"\n"
	"Exit status: 0 stopped by a signal, 1 cannot listen (port in use,\n"
	"privileged port), 2 bad input.\n"
	"\n"
	"examples:\n"
	"  asynclab serve --port 8080 scenarios/seed.yaml\n"
	"  curl -i http://127.0.0.1:8080/3\n";

static const char usage_calibrate[] =
	"usage: asynclab calibrate [--python] [--out FILE] [--reps N] [--fork-wait]\n"
	"\n"
	"Measures this machine's costs on real syscalls, threads and processes\n"
	"(a syscall, thread and process switches and creation, memory per thread\n"
	"and per process, a coroutine resume, a callback, epoll and poll, the\n"
	"wake-up of a blocked thread, the parser's work per KiB, the kernel's\n"
	"work per TCP connection, per request sent and per KiB received, the\n"
	"origin server's and the relay's CPU per page and per KiB), each the\n"
	"median of 5 repetitions, prints them against the c profile's defaults,\n"
	"and writes a machine profile (YAML) that a scenario names with\n"
	"machine: {profile: FILE}.  Takes a few seconds.\n"
	"\n"
	"With --python it measures CPython instead, with Debian's python3\n"
	"($ASYNCLAB_PYTHON names another): a generator's send, a call, a futile\n"
	"recv, a selector step, a thread's start + join and its memory, the GIL's\n"
	"hand-off, response += chunk per KiB, and the article's process pool of\n"
	"1 and of 10 up and down (pool_startup, process_create, process_memory),\n"
	"over the python profile's defaults.  Takes 10 seconds to a minute.\n"
	"\n"
	"options:\n"
	"  --python             measure CPython (python3) into a python profile;\n"
	"                       its default place is python.yaml beside this\n"
	"                       host's profile, which it leaves alone\n"
	"  --out FILE           where to write the profile (its directory must\n"
	"                       exist).  Default: $ASYNCLAB_PROFILE, else\n"
	"                       $XDG_CONFIG_HOME/asynclab/machine.yaml, else\n"
	"                       ~/.config/asynclab/machine.yaml (directories\n"
	"                       created): this host's profile\n"
	"  --reps N             measure each figure N times and keep the median\n"
	"                       (1-15, default 5): 1 is a rough profile in a\n"
	"                       fraction of the time\n"
	"  --fork-wait          also measure a fork's wait off the CPU with 3,000\n"
	"                       and 6,000 live children (fork_wait_3k,\n"
	"                       fork_wait_6k): 10-60 s more and 6,000 processes\n"
	"                       for a while; without it those stay 0 (no wait)\n"
	"  -h, --help           print this help\n"
	"\n"
	"The file is replaced whole or not at all.  Exit status: 0 written, 1 it\n"
	"cannot be written (or nothing could be measured; with --python, python3\n"
	"cannot be run or a probe failed), 2 bad arguments.\n"
	"\n"
	"examples:\n"
	"  asynclab calibrate\n"
	"  asynclab calibrate --out machine.yaml && asynclab check my-scenario.yaml\n"
	"  asynclab calibrate --python --out python.yaml\n";

static const char usage_timeview[] =
	"usage: asynclab timeview [--ghz F]\n"
	"\n"
	"The CPU's time view (the article's section 2.1): typical latencies, and\n"
	"how long each would feel if one CPU cycle took one second.\n"
	"\n"
	"options:\n"
	"  --ghz F              clock frequency in GHz (default 2.6, at most 100)\n"
	"\n"
	"example:\n"
	"  asynclab timeview --ghz 3.5\n";

static const char usage_sweep[] =
	"usage: asynclab sweep [SCENARIO] --vary KEY=LIST [--vary KEY2=LIST] [OPTIONS]\n"
	"\n"
	"Simulates SCENARIO (default: the built-in one) at every point of the\n"
	"varied keys, one row per point and model: where a model falls off a\n"
	"cliff as N grows.  LIST is values (10,100,1k) or a range in the key's\n"
	"unit: A..B*F (10..100k*10) or A..B+S (0ms..200ms+50ms).\n"
	"\n"
	"options:\n"
	"  --vary KEY=LIST      a key by its path, as --set names it (at most two)\n"
	"  --set KEY=VALUE      a fixed key, as in run; repeatable\n"
	"  --models LIST        the models to run (of the scenario's)\n"
	"  --seed N             the scenario's seed\n"
	"  --seeds A..B         every point once per seed\n"
	"  -j, --jobs N         points in N processes (default: the cores); the\n"
	"                       output is the serial run's\n"
	"  --csv FILE           a column per varied key, model, seed, then every\n"
	"                       figure of run --json by its name (- : stdout)\n"
	"  --json[=FILE]        every point's rows as JSON\n"
	"  --markdown           the table in Markdown\n"
	"  --emit DIR           run nothing: write DIR/jobs.txt, one asynclab run\n"
	"                       a line, for other machines (then: merge DIR)\n"
	"  --png FILE           charts of elapsed, pages/s, memory, CPU and p99\n"
	"                       against the first key, a column per value of the\n"
	"                       second (- : stdout)\n"
	"  --size WxH           the charts' size\n"
	"  -h, --help           print this help\n"
	"\n"
	"Every point is checked before anything runs: a bad value is bad input\n"
	"(exit 2).  Exit status 1 when a page of any point failed.\n"
	"\n"
	"examples:\n"
	"  asynclab sweep scenarios/seed.yaml --vary workload.pages=10,100,1000 --models sync,asyncio\n"
	"  asynclab sweep scenarios/c10k.yaml --vary workload.pages=100..10k*10 --png c10k.png\n"
	"  asynclab sweep --vary network.rtt=0ms..200ms+50ms --vary models.thread.workers=1,10,100\n";

static const char usage_tour[] =
	"usage: asynclab tour [--out DIR] [--lang en|zh] [--size WxH]\n"
	"\n"
	"Walks the article's evolution in order: blocking, processes, threads,\n"
	"non-blocking, epoll + callbacks, generator + Future + Task, asyncio, on\n"
	"the built-in scenario, then the C10K wall (scenarios/c10k.yaml's).  Each\n"
	"step is the model's timelines, notes at the moments that matter found in\n"
	"its trace, and a caption whose figures come from the run.  In a window,\n"
	"the arrow keys step through it (q quits).\n"
	"\n"
	"options:\n"
	"  --out DIR            write DIR/01-sync.png ... and DIR/tour.md, which\n"
	"                       embeds each picture with its caption, instead\n"
	"  --lang en|zh         the captions' language (default en); zh needs\n"
	"                       Debian's fonts-noto-cjk (scripts/deps.sh)\n"
	"  --size WxH           each picture's size (default 1400x900)\n"
	"  -h, --help           print this help\n"
	"\n"
	"example:\n"
	"  asynclab tour --out tour --lang zh\n";

static const char usage_merge[] =
	"usage: asynclab merge DIR [--csv FILE] [--json[=FILE]] [--markdown]\n"
	"                      [--png FILE [--size WxH]]\n"
	"\n"
	"Gathers the results of the jobs of `asynclab sweep ... --emit DIR`\n"
	"(DIR/jobs.txt, run by GNU parallel, Slurm or by hand) into the outputs\n"
	"of the sweep run directly, byte for byte: the table (the default),\n"
	"its Markdown, the CSV, the JSON and the charts.\n"
	"\n"
	"options:\n"
	"  --csv FILE           the sweep's CSV (- : stdout, instead of the table)\n"
	"  --json[=FILE]        the sweep's JSON (on stdout, or into FILE)\n"
	"  --markdown           the table in Markdown\n"
	"  --png FILE           the sweep's charts (- : stdout)\n"
	"  --size WxH           the picture's size\n"
	"  -h, --help           print this help\n"
	"\n"
	"Exit status 1 when a job's result is missing or a page failed.\n"
	"\n"
	"example:\n"
	"  asynclab sweep scenarios/seed.yaml --vary workload.pages=10,100,1000 --emit jobs\n"
	"  parallel < jobs/jobs.txt && asynclab merge jobs --csv sweep.csv\n";

static const char usage_compare[] =
	"usage: asynclab compare A B [--markdown]\n"
	"\n"
	"A and B are results: run files (run --save) or the JSON of run --json.\n"
	"For each model in both, how B differs from A in % of A: elapsed,\n"
	"pages/s, CPU busy, peak memory, context switches, total p99.\n"
	"\n"
	"options:\n"
	"  --markdown           the table in Markdown\n"
	"  -h, --help           print this help\n"
	"\n"
	"example:\n"
	"  asynclab run --json=a.json && asynclab run --set network.rtt=50ms --json=b.json\n"
	"  asynclab compare a.json b.json\n";

static const char usage_completion[] =
	"usage: asynclab completion\n"
	"\n"
	"Prints a bash completion script made from asynclab's own option table\n"
	"(make install installs it).  To try it: source <(asynclab completion)\n";

/* Every model of core/al_models.def: its name, help line and keys. */
static void print_models(FILE *out)
{
	fputs("\nmodels (docs/models.md; their keys, models.NAME.KEY: docs/scenarios.md):\n", out);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_model_info *mi = al_model_info((enum al_model)m);
		const char *sep = "keys: ";

		fprintf(out, "  %-13s%s\n", mi->name, mi->help);
		for (int p = 0; p < AL_PARAM_COUNT; p++)
			if (mi->params & (1u << p)) {
				fprintf(out, "%s%s%s", sep[0] == 'k' ? "               " : "", sep,
					al_param_info((enum al_model_param)p)->key);
				sep = ", ";
			}
		if (sep[0] == ',')
			fputc('\n', out);
	}
}

void al_usage_print(FILE *out, enum al_cli_cmd cmd)
{
	const char *text;

	switch (cmd) {
	case AL_CLI_RUN: text = usage_run; break;
	case AL_CLI_CHECK: text = usage_check; break;
	case AL_CLI_VIEW: text = usage_view; break;
	case AL_CLI_SERVE: text = usage_serve; break;
	case AL_CLI_CALIBRATE: text = usage_calibrate; break;
	case AL_CLI_TIMEVIEW: text = usage_timeview; break;
	case AL_CLI_SWEEP: text = usage_sweep; break;
	case AL_CLI_TOUR: text = usage_tour; break;
	case AL_CLI_MERGE: text = usage_merge; break;
	case AL_CLI_COMPARE: text = usage_compare; break;
	case AL_CLI_COMPLETION: text = usage_completion; break;
	default: text = usage_all; break;
	}
	const char *at = strstr(text, MODELS);
	if (at == NULL) {
		fputs(text, out);
		return;
	}
	fwrite(text, 1, (size_t)(at - text), out);
	print_models(out);
	fputs(at + strlen(MODELS), out);
}
