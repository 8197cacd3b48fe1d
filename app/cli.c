/* The command line: a table of commands, a table of options, and one pass
 * over argv in getopt_long's syntax.  Written by hand rather than on top of
 * getopt_long because getopt keeps global state, prints its own messages and
 * permutes argv; here a parse is a pure function the tests can call in a
 * loop.  Values are validated while parsing, so a bad `--seed` is reported
 * before any scenario is loaded. */
#include "app/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_scenario.h"
#include "core/al_units.h"
#include "net/net_calib.h"

#define CMD(x) (1u << AL_CLI_##x)

struct cli_cmd {
	const char *name;
	enum al_cli_cmd cmd;
	int min_pos, max_pos;        /* positional arguments */
	const char *pos_name;
};

static const struct cli_cmd cmds[] = {
	{"run", AL_CLI_RUN, 0, 1, "SCENARIO"},
	{"check", AL_CLI_CHECK, 1, 1, "SCENARIO"},
	{"view", AL_CLI_VIEW, 1, AL_CLI_MAX_FILES, "SCENARIO|FILE"},
	{"serve", AL_CLI_SERVE, 0, 1, "SCENARIO"},
	{"calibrate", AL_CLI_CALIBRATE, 0, 0, NULL},
	{"timeview", AL_CLI_TIMEVIEW, 0, 0, NULL},
	{"sweep", AL_CLI_SWEEP, 0, 1, "SCENARIO"},
	{"tour", AL_CLI_TOUR, 0, 0, NULL},
	{"merge", AL_CLI_MERGE, 1, 1, "DIR"},
	{"compare", AL_CLI_COMPARE, 2, 2, "A B"},
	{"completion", AL_CLI_COMPLETION, 0, 0, NULL},
	{"help", AL_CLI_HELP, 0, 1, "COMMAND"},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

enum opt_id {
	OPT_MODELS, OPT_NET, OPT_TARGET, OPT_SEED, OPT_JSON, OPT_TRACE,
	OPT_PNG, OPT_SIZE, OPT_SAVE, OPT_VIEW, OPT_NO_TRACE, OPT_PORT,
	OPT_OUT, OPT_GHZ, OPT_SHOT, OPT_PATH, OPT_PYTHON, OPT_SET, OPT_LATENCY, OPT_SEEDS,
	OPT_RUNS, OPT_WARMUP, OPT_CSV, OPT_MARKDOWN, OPT_VARY, OPT_JOBS, OPT_REPS,
	OPT_LANG, OPT_EMIT, OPT_FORK_WAIT
};

struct cli_opt {
	const char *name;            /* without the leading "--" */
	const char *arg;             /* the value's name, NULL: a flag; "[=X]": a
					flag that may take =X */
	enum opt_id id;
	unsigned cmds;               /* CMD() bits of the commands that take it */
};

static const struct cli_opt opts[] = {
	{"models", "LIST", OPT_MODELS, CMD(RUN) | CMD(SWEEP) | CMD(VIEW)},
	{"set", "KEY=VALUE", OPT_SET, CMD(RUN) | CMD(SWEEP) | CMD(VIEW) | CMD(CHECK)},
	{"net", "sim|real|both", OPT_NET, CMD(RUN)},
	{"path", "auto|kernel-tcp|relay", OPT_PATH, CMD(RUN)},
	{"target", "URL", OPT_TARGET, CMD(RUN)},
	{"seed", "N", OPT_SEED, CMD(RUN) | CMD(SWEEP) | CMD(VIEW)},
	{"json", "[=FILE]", OPT_JSON, CMD(RUN) | CMD(SWEEP) | CMD(MERGE)},
	{"csv", "FILE", OPT_CSV, CMD(RUN) | CMD(SWEEP) | CMD(MERGE)},
	{"emit", "DIR", OPT_EMIT, CMD(SWEEP)},
	{"markdown", NULL, OPT_MARKDOWN, CMD(RUN) | CMD(SWEEP) | CMD(MERGE) | CMD(COMPARE)},
	{"vary", "KEY=LIST", OPT_VARY, CMD(SWEEP)},
	{"latency", NULL, OPT_LATENCY, CMD(RUN)},
	{"seeds", "A..B", OPT_SEEDS, CMD(RUN) | CMD(SWEEP)},
	{"runs", "N", OPT_RUNS, CMD(RUN)},
	{"warmup", "K", OPT_WARMUP, CMD(RUN)},
	{"trace", "FILE.json", OPT_TRACE, CMD(RUN) | CMD(VIEW)},
	{"png", "FILE.png", OPT_PNG, CMD(RUN) | CMD(VIEW) | CMD(SWEEP) | CMD(MERGE)},
	{"size", "WxH", OPT_SIZE, CMD(RUN) | CMD(VIEW) | CMD(SWEEP) | CMD(MERGE) | CMD(TOUR)},
	{"save", "FILE", OPT_SAVE, CMD(RUN)},
	{"view", NULL, OPT_VIEW, CMD(RUN)},
	{"shot", "FILE.png", OPT_SHOT, CMD(RUN) | CMD(VIEW)},
	{"no-trace", NULL, OPT_NO_TRACE, CMD(RUN)},
	{"jobs", "N", OPT_JOBS, CMD(RUN) | CMD(SWEEP)},   /* also -j N, -jN */
	{"port", "P", OPT_PORT, CMD(SERVE)},
	{"out", "FILE", OPT_OUT, CMD(CALIBRATE) | CMD(TOUR)},
	{"lang", "en|zh", OPT_LANG, CMD(TOUR)},
	{"python", NULL, OPT_PYTHON, CMD(CALIBRATE)},
	{"reps", "N", OPT_REPS, CMD(CALIBRATE)},
	{"fork-wait", NULL, OPT_FORK_WAIT, CMD(CALIBRATE)},
	{"ghz", "F", OPT_GHZ, CMD(TIMEVIEW)},
};
#define NOPTS (sizeof opts / sizeof opts[0])


int al_cli_distance(const char *a, const char *b)
{
	enum { CAP = 31 };
	int prev[CAP + 1], cur[CAP + 1];
	int la = (int)strlen(a), lb = (int)strlen(b);

	if (la > CAP || lb > CAP)
		return CAP;
	for (int j = 0; j <= lb; j++)
		prev[j] = j;
	for (int i = 1; i <= la; i++) {
		cur[0] = i;
		for (int j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;
			int best = sub < del ? sub : del;
			cur[j] = best < ins ? best : ins;
		}
		memcpy(prev, cur, sizeof cur);
	}
	return prev[lb] < CAP ? prev[lb] : CAP;
}

/* A typo is close enough to suggest when at most a third of it differs. */
static bool close_enough(const char *typed, const char *known)
{
	int d = al_cli_distance(typed, known);
	int limit = (int)strlen(typed) / 3 + 1;

	return d <= limit;
}

static const struct cli_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static const struct cli_cmd *cmd_entry(enum al_cli_cmd cmd)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return &cmds[i];
	return NULL;
}

const char *al_cli_cmd_name(enum al_cli_cmd cmd)
{
	const struct cli_cmd *c = cmd_entry(cmd);

	return c && cmd != AL_CLI_HELP ? c->name : NULL;
}

const char *al_cli_option(size_t i, enum al_cli_cmd cmd, const char **arg)
{
	for (size_t k = 0; k < NOPTS; k++)
		if ((opts[k].cmds & (1u << cmd)) && i-- == 0) {
			*arg = opts[k].arg;
			return opts[k].name;
		}
	return NULL;
}

static int unknown_cmd(const char *name, char *err, size_t errlen)
{
	const char *best = NULL;
	int bestd = 1000;

	for (size_t i = 0; i < NCMDS; i++) {
		int d = al_cli_distance(name, cmds[i].name);
		if (d < bestd && close_enough(name, cmds[i].name)) {
			best = cmds[i].name;
			bestd = d;
		}
	}
	if (best)
		return al_errf(err, errlen,
			    "unknown command '%s' (did you mean '%s'?)", name,
			    best);
	return al_errf(err, errlen, "unknown command '%s'", name);
}

/* --- values */

static int parse_models(const char *s, unsigned *out, char *err, size_t errlen)
{
	unsigned mask = 0;
	const char *p = s;

	for (;;) {
		char name[32];
		size_t n = strcspn(p, ",");
		int m;

		if (n == 0)
			return al_errf(err, errlen, "--models: empty model name in '%s'", s);
		if (n >= sizeof name)
			return al_errf(err, errlen, "--models: unknown model '%.*s'",
				    (int)n, p);
		memcpy(name, p, n);
		name[n] = '\0';
		if (strcmp(name, "all") == 0) {
			mask |= (1u << AL_MODEL_COUNT) - 1;
		} else if ((m = al_model_parse(name)) >= 0) {
			/* as a scenario's models list refuses a model twice */
			if (mask & (1u << m))
				return al_errf(err, errlen, "--models: %s is named twice in '%s'",
					    name, s);
			mask |= 1u << m;
		} else {
			const char *best = NULL;
			int bestd = 1000;

			for (int i = 0; i < AL_MODEL_COUNT; i++) {
				const char *k = al_model_name((enum al_model)i);
				int d = al_cli_distance(name, k);
				if (d < bestd && close_enough(name, k)) {
					best = k;
					bestd = d;
				}
			}
			if (best)
				return al_errf(err, errlen,
					    "--models: unknown model '%s' (did you mean '%s'?)",
					    name, best);
			char list[256];
			return al_errf(err, errlen, "--models: unknown model '%s' (models: %s, all)",
				    name, al_model_list(list, sizeof list, ", "));
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	*out = mask;
	return 0;
}

/* Decimal digits only: no sign, no blanks, no base prefix. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_size(const char *s, int *w, int *h)
{
	char buf[32];
	char *x;
	uint64_t a, b;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	x = strpbrk(buf, "xX");
	if (!x)
		return -1;
	*x = '\0';
	if (parse_u64(buf, AL_CLI_SIZE_MAX, &a) < 0 ||
	    parse_u64(x + 1, AL_CLI_SIZE_MAX, &b) < 0 || a == 0 || b == 0)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

static int parse_ghz(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || strchr(s, 'x') || strchr(s, 'X'))
		return -1;   /* strtod would take hex floats */
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0' || !isfinite(v) || v <= 0 ||
	    v > AL_CLI_GHZ_MAX)
		return -1;
	*out = v;
	return 0;
}

static int parse_seeds(struct al_cli *cli, const char *v, char *err, size_t errlen)
{
	const char *dots = strstr(v, "..");
	char a[32];
	uint64_t lo, hi;

	if (!dots || (size_t)(dots - v) >= sizeof a)
		return al_errf(err, errlen, "--seeds: '%s' is not a range A..B "
			    "(as in 1..10)", v);
	memcpy(a, v, (size_t)(dots - v));
	a[dots - v] = '\0';
	if (al_parse_u64(a, &lo, NULL, 0) != AL_UNITS_OK ||
	    al_parse_u64(dots + 2, &hi, NULL, 0) != AL_UNITS_OK)
		return al_errf(err, errlen, "--seeds: '%s' is not a range A..B of "
			    "unsigned 64-bit integers", v);
	if (hi < lo)
		return al_errf(err, errlen, "--seeds: '%s' ends before it starts", v);
	if (hi - lo >= AL_CLI_MAX_RUNS)
		return al_errf(err, errlen, "--seeds: '%s' is more than %d seeds", v,
			    AL_CLI_MAX_RUNS);
	cli->seeds_set = true;
	cli->seed_lo = lo;
	cli->seed_hi = hi;
	return 0;
}

static int set_value(struct al_cli *cli, const struct cli_opt *o,
		     const char *v, char *err, size_t errlen)
{
	uint64_t u;

	switch (o->id) {
	case OPT_MODELS:
		return parse_models(v, &cli->models, err, errlen);
	case OPT_NET:
		if (strcmp(v, "sim") == 0)
			cli->net = AL_CLI_NET_SIM;
		else if (strcmp(v, "real") == 0)
			cli->net = AL_CLI_NET_REAL;
		else if (strcmp(v, "both") == 0)
			cli->net = AL_CLI_NET_BOTH;
		else
			return al_errf(err, errlen,
				    "--net: '%s' is not one of sim, real, both", v);
		cli->net_set = true;
		return 0;
	case OPT_PATH:
		if (strcmp(v, "auto") == 0)
			cli->path = AL_CLI_PATH_AUTO;
		else if (strcmp(v, "kernel-tcp") == 0)
			cli->path = AL_CLI_PATH_KERNEL;
		else if (strcmp(v, "relay") == 0)
			cli->path = AL_CLI_PATH_RELAY;
		else
			return al_errf(err, errlen,
				    "--path: '%s' is not one of auto, kernel-tcp, relay", v);
		cli->path_set = true;
		return 0;
	case OPT_SEED:   /* as in scenario files: digits, '_' between them */
		if (al_parse_u64(v, &u, NULL, 0) != AL_UNITS_OK)
			return al_errf(err, errlen,
				    "--seed: '%s' is not an unsigned 64-bit integer", v);
		cli->seed = u;
		cli->seed_set = true;
		return 0;
	case OPT_SIZE:
		if (parse_size(v, &cli->width, &cli->height) < 0)
			return al_errf(err, errlen,
				    "--size: '%s' is not WxH with 1 <= W, H <= %d",
				    v, AL_CLI_SIZE_MAX);
		cli->size_set = true;
		return 0;
	case OPT_JOBS:
		if (parse_u64(v, AL_CLI_MAX_JOBS, &u) < 0 || u == 0)
			return al_errf(err, errlen,
				    "--jobs: '%s' is not a number of processes (1-%d)",
				    v, AL_CLI_MAX_JOBS);
		cli->jobs = (int)u;
		return 0;
	case OPT_PORT:
		if (parse_u64(v, 65535, &u) < 0)     /* 0: an ephemeral port */
			return al_errf(err, errlen,
				    "--port: '%s' is not a port number (0-65535)", v);
		cli->port = (int)u;
		cli->port_set = true;
		return 0;
	case OPT_SET:    /* the value is the scenario loader's to judge */
		if (strchr(v, '=') == NULL || v[0] == '=')
			return al_errf(err, errlen, "--set: '%s' is not KEY=VALUE "
				    "(as in network.rtt=50ms)", v);
		if (cli->nsets == AL_CLI_MAX_SETS)
			return al_errf(err, errlen, "--set: more than %d options",
				    AL_CLI_MAX_SETS);
		cli->sets[cli->nsets++] = v;
		return 0;
	case OPT_VARY:   /* the list is the sweep's to read (app/sweep.c) */
		if (strchr(v, '=') == NULL || v[0] == '=' || strchr(v, '=')[1] == '\0')
			return al_errf(err, errlen, "--vary: '%s' is not KEY=LIST (as in "
				    "workload.pages=10,100,1k)", v);
		if (cli->nvary == AL_CLI_MAX_VARY)
			return al_errf(err, errlen, "--vary: at most %d keys", AL_CLI_MAX_VARY);
		cli->vary[cli->nvary++] = v;
		return 0;
	case OPT_SEEDS:  /* A..B, both as --seed takes them, at most 10,000 */
		return parse_seeds(cli, v, err, errlen);
	case OPT_RUNS:
	case OPT_WARMUP:
		if (parse_u64(v, AL_CLI_MAX_RUNS, &u) < 0 || (o->id == OPT_RUNS && u == 0))
			return al_errf(err, errlen, "--%s: '%s' is not a count of runs "
				    "(%d to %d)", o->name, v, o->id == OPT_RUNS, AL_CLI_MAX_RUNS);
		*(o->id == OPT_RUNS ? &cli->runs : &cli->warmup) = (int)u;
		return 0;
	case OPT_REPS:
		if (parse_u64(v, NET_CALIB_MAX_REPS, &u) < 0 || u == 0)
			return al_errf(err, errlen,
				    "--reps: '%s' is not a count of repetitions (1-%d)",
				    v, NET_CALIB_MAX_REPS);
		cli->reps = (int)u;
		return 0;
	case OPT_GHZ:
		if (parse_ghz(v, &cli->ghz) < 0)
			return al_errf(err, errlen,
				    "--ghz: '%s' is not a frequency in GHz (0 < F <= %g)",
				    v, AL_CLI_GHZ_MAX);
		return 0;
	default:
		break;
	}
	if (*v == '\0')
		return al_errf(err, errlen, "--%s: empty %s", o->name, o->arg);
	switch (o->id) {
	case OPT_JSON:       /* --json=-: stdout, as --json */
		if (strcmp(v, "-") == 0)
			cli->json = true;
		else
			cli->json_path = v;
		break;
	case OPT_CSV: cli->csv_path = v; break;
	case OPT_TARGET: cli->target = v; break;
	case OPT_TRACE: cli->trace_path = v; break;
	case OPT_PNG: cli->png_path = v; break;
	case OPT_EMIT: cli->emit_dir = v; break;
	case OPT_SAVE: cli->save_path = v; break;
	case OPT_SHOT: cli->shot_path = v; break;
	case OPT_OUT: cli->out_path = v; break;
	case OPT_LANG:
		if (strcmp(v, "en") != 0 && strcmp(v, "zh") != 0)
			return al_errf(err, errlen, "--lang: '%s' is not a language of the tour "
				       "(en, zh)", v);
		cli->lang = v;
		break;
	default: break;
	}
	return 0;
}

static void set_flag(struct al_cli *cli, enum opt_id id)
{
	switch (id) {
	case OPT_JSON: cli->json = true; break;
	case OPT_MARKDOWN: cli->markdown = true; break;
	case OPT_LATENCY: cli->latency = true; break;
	case OPT_VIEW: cli->view = true; break;
	case OPT_NO_TRACE: cli->no_trace = true; break;
	case OPT_PYTHON: cli->python = true; break;
	case OPT_FORK_WAIT: cli->fork_wait = true; break;
	default: break;
	}
}

/* --- argv */

static int unknown_opt(const struct cli_cmd *c, const char *arg, size_t len,
		       char *err, size_t errlen)
{
	const char *best = NULL;
	int bestd = 1000;
	char name[64];

	if (arg[0] == '-' && arg[1] == '-' && len - 2 < sizeof name) {
		memcpy(name, arg + 2, len - 2);
		name[len - 2] = '\0';
		for (size_t i = 0; i < NOPTS; i++) {
			int d;

			if (!(opts[i].cmds & (1u << c->cmd)))
				continue;
			d = al_cli_distance(name, opts[i].name);
			if (d < bestd && close_enough(name, opts[i].name)) {
				best = opts[i].name;
				bestd = d;
			}
		}
	}
	if (best)
		return al_errf(err, errlen,
			    "%s: unknown option '%.*s' (did you mean '--%s'?)",
			    c->name, (int)len, arg, best);
	return al_errf(err, errlen, "%s: unknown option '%.*s'", c->name,
		    (int)len, arg);
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static int parse_cmd(const struct cli_cmd *c, int argc, char *const argv[],
		     struct al_cli *cli, char *err, size_t errlen)
{
	int npos = 0;
	bool dashdash = false;

	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (is_help(argv[i])) {
			cli->cmd = AL_CLI_HELP;
			cli->help_on = c->cmd;
			return 0;
		}
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const struct cli_opt *o = NULL;
		const char *eq, *val;
		size_t len;

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (npos == c->max_pos && c->max_pos > 1 && c->cmd == AL_CLI_VIEW)
				return al_errf(err, errlen, "%s: at most %d runs at once "
					    "(each is held in memory whole): '%s' is one "
					    "too many", c->name, c->max_pos, a);
			if (npos == c->max_pos)
				return al_errf(err, errlen,
					    "%s: unexpected argument '%s'", c->name, a);
			cli->files[npos++] = a;
			cli->nfiles = npos;
			*(npos == 2 ? &cli->second : &cli->scenario) = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		/* -j N and -jN, make's spelling, for --jobs */
		if (a[1] == 'j' && (c->cmd == AL_CLI_RUN || c->cmd == AL_CLI_SWEEP)) {
			for (size_t k = 0; k < NOPTS; k++)
				if (opts[k].id == OPT_JOBS)
					o = &opts[k];
			if (a[2] != '\0') {
				if (set_value(cli, o, a + 2, err, errlen) < 0)
					return -1;
				continue;
			}
			eq = NULL;
		} else if (a[1] == '-') {
			for (size_t k = 0; k < NOPTS; k++)
				if ((opts[k].cmds & (1u << c->cmd)) &&
				    strlen(opts[k].name) == len - 2 &&
				    strncmp(opts[k].name, a + 2, len - 2) == 0)
					o = &opts[k];
		}
		if (!o)
			return unknown_opt(c, a, len, err, errlen);
		if (!o->arg || (o->arg[0] == '[' && !eq)) {
			if (eq)
				return al_errf(err, errlen,
					    "%s: option '--%s' takes no value",
					    c->name, o->name);
			set_flag(cli, o->id);
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
			val = argv[++i];
		} else {
			return al_errf(err, errlen, "%s: option '--%s' needs a value (%s)",
				    c->name, o->name, o->arg);
		}
		if (set_value(cli, o, val, err, errlen) < 0)
			return -1;
	}
	if (npos < c->min_pos)
		return al_errf(err, errlen, "%s: missing %s", c->name, c->pos_name);
	return 0;
}

int al_cli_parse(int argc, char *const argv[], struct al_cli *cli,
		 char *err, size_t errlen)
{
	const struct cli_cmd *c;
	const char *a;

	memset(cli, 0, sizeof *cli);
	cli->ghz = AL_CLI_GHZ_DEFAULT;
	if (errlen)
		err[0] = '\0';
	if (argc < 2)
		return al_errf(err, errlen, "no command given");
	a = argv[1];
	if (is_help(a) || strcmp(a, "help") == 0) {
		cli->cmd = AL_CLI_HELP;
		if (argc > 3)
			return al_errf(err, errlen, "help: unexpected argument '%s'",
				    argv[3]);
		if (argc == 3) {
			c = find_cmd(argv[2]);
			if (!c)
				return unknown_cmd(argv[2], err, errlen);
			if (c->cmd != AL_CLI_HELP)   /* `help help`: the general one */
				cli->help_on = c->cmd;
		}
		return 0;
	}
	if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
		cli->cmd = AL_CLI_VERSION;
		if (argc > 2)
			return al_errf(err, errlen, "unexpected argument '%s'", argv[2]);
		return 0;
	}
	if (a[0] == '-')
		return al_errf(err, errlen, "unknown option '%s'", a);
	c = find_cmd(a);
	if (!c)
		return unknown_cmd(a, err, errlen);
	cli->cmd = c->cmd;
	return parse_cmd(c, argc, argv, cli, err, errlen);
}

