/* The command line of `asynclab` (README.md, "Usage").
 *
 * Parsing is pure: argv goes in, a filled struct al_cli or a one-line error
 * comes out; nothing is printed, opened or run, and argv is not reordered, so
 * the tests can drive it with tables.  The syntax is getopt_long's: options
 * may come before or after the positional argument, `--opt value` and
 * `--opt=value` are the same, `--` ends the options. */
#ifndef AL_CLI_H
#define AL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum al_cli_cmd {
	AL_CLI_NONE,        /* no command given                              */
	AL_CLI_HELP,        /* --help, `help [CMD]`, `CMD --help`            */
	AL_CLI_VERSION,
	AL_CLI_RUN,
	AL_CLI_CHECK,
	AL_CLI_VIEW,
	AL_CLI_SERVE,
	AL_CLI_CALIBRATE,
	AL_CLI_TIMEVIEW,
	AL_CLI_SWEEP,
	AL_CLI_TOUR,
	AL_CLI_MERGE,       /* gathers a sweep --emit's results        */
	AL_CLI_COMPARE,     /* two results, per-model differences      */
	AL_CLI_COMPLETION,  /* the bash completion script, from the table */
	AL_CLI_CMD_COUNT
};

enum al_cli_net { AL_CLI_NET_SIM, AL_CLI_NET_REAL, AL_CLI_NET_BOTH };
/* run --path: how a real run reaches our server (docs/kernel-tcp.md) */
enum al_cli_path { AL_CLI_PATH_AUTO, AL_CLI_PATH_KERNEL, AL_CLI_PATH_RELAY };

#define AL_CLI_GHZ_DEFAULT 2.6
#define AL_CLI_GHZ_MAX 100.0
#define AL_CLI_SIZE_MAX 16384
#define AL_CLI_MAX_SETS 64           /* --set options on one command line */
#define AL_CLI_MAX_RUNS 10000        /* --seeds A..B, --runs N, --warmup K */
#define AL_CLI_MAX_VARY 2            /* sweep --vary: a line, or small multiples */
#define AL_CLI_MAX_JOBS 256
#define AL_CLI_MAX_FILES 16          /* view A B ...: viz/viz_run.h's VIZ_MAX_RUNS */

/* Strings point into argv; they live as long as argv does. */
struct al_cli {
	enum al_cli_cmd cmd;
	enum al_cli_cmd help_on;     /* cmd == HELP: whose help (NONE: all) */
	const char *scenario;        /* positional SCENARIO or FILE, or NULL */
	const char *second;          /* compare A B: B */
	const char *files[AL_CLI_MAX_FILES]; /* every positional, in order */
	int nfiles;
	unsigned models;             /* bit (1u << enum al_model); 0: not given */
	enum al_cli_net net;
	bool net_set;                /* --net given (--target implies real) */
	enum al_cli_path path;       /* --path; AUTO when not given */
	bool path_set;
	const char *target;          /* --target URL */
	bool seed_set;
	uint64_t seed;
	bool json;                   /* the JSON on stdout: --json, --json=- */
	const char *json_path;       /* --json=FILE: the JSON there, the table out */
	const char *csv_path;        /* --csv FILE ("-": stdout, instead of the table) */
	bool markdown;               /* --markdown: the table in Markdown */
	bool latency;                /* run --latency: the percentiles table */
	bool seeds_set;              /* run --seeds A..B: one run per seed */
	uint64_t seed_lo, seed_hi;
	int runs, warmup;            /* run --runs N --warmup K (real); 0: not given */
	const char *vary[AL_CLI_MAX_VARY];   /* sweep --vary KEY=LIST, in order */
	int nvary;
	const char *emit_dir;        /* sweep --emit DIR: the job list, not runs */
	const char *trace_path;      /* --trace */
	const char *png_path;        /* --png */
	const char *save_path;       /* --save */
	const char *shot_path;       /* --shot: F12 in the window writes it */
	bool size_set;
	int width, height;           /* --size WxH */
	bool view;
	bool no_trace;
	int jobs;                    /* run, sweep -j/--jobs: processes; 0: the cores */
	bool port_set;
	int port;                    /* serve --port */
	const char *out_path;        /* calibrate --out; tour --out DIR */
	const char *lang;            /* tour --lang en|zh; NULL: en */
	bool python;                 /* calibrate --python */
	bool fork_wait;              /* calibrate --fork-wait */
	int reps;                    /* calibrate --reps; 0: NET_CALIB_REPS */
	double ghz;                  /* timeview --ghz; AL_CLI_GHZ_DEFAULT */
	const char *sets[AL_CLI_MAX_SETS]; /* --set KEY=VALUE, in order */
	int nsets;
};

/* Parses argv[1..argc-1] into cli.  Returns 0, or -1 with a one-line message
 * (no "asynclab: " prefix, no newline) in err; on error cli->cmd still names
 * the command if one was recognised, so the caller can point at its help.
 * After a command, --help or -h anywhere before `--` wins over every other
 * error in its arguments. */
int al_cli_parse(int argc, char *const argv[], struct al_cli *cli,
		 char *err, size_t errlen);

/* The command's name as typed ("run"), or NULL for NONE/HELP/VERSION. */
const char *al_cli_cmd_name(enum al_cli_cmd cmd);

/* The i-th option (from 0) that cmd takes, without its "--", and in *arg
 * its value's name (NULL: a flag); NULL past the last.  What the bash
 * completion is generated from (app/completion.c). */
const char *al_cli_option(size_t i, enum al_cli_cmd cmd, const char **arg);

/* Levenshtein distance between two short ASCII strings, capped at 31; used
 * for "did you mean" suggestions. */
int al_cli_distance(const char *a, const char *b);

#endif
