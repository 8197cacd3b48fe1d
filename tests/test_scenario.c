/* conf/scenario: the YAML loader.  Bad inputs are a table of text and the
 * exact message; good inputs check the values they land as; every file in
 * scenarios/ must load, every file in tests/scenarios/bad/ must fail with
 * the message its first line promises.  Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/scenario.h"
#include "core/al_units.h"

#define MS 1000000LL
#define SEC 1000000000LL

struct bad {
	const char *yaml;
	const char *msg;
};

static const struct bad bad[] = {
	{"network:\n  rt: 5 ms\n",
	 "t.yaml:2:3: unknown key 'rt' in network (did you mean 'rtt'?)"},
	{"network:\n  rtt: 5 sec\n",
	 "t.yaml:2:8: network.rtt: unknown duration unit 'sec' (use ns, us, ms, "
	  "s, min, h)"},
	{"network:\n  rtt: 150\n",
	 "t.yaml:2:8: network.rtt: missing duration unit in '150' (use ns, us, "
	  "ms, s, min, h)"},
	{"network:\n  rtt: -5 ms\n",
	 "t.yaml:2:8: network.rtt: '-5 ms' is negative"},
	{"network:\n  rtt: fast\n",
	 "t.yaml:2:8: network.rtt: 'fast' is not a number (expected a duration "
	  "like 150 ms)"},
	{"network:\n  rtt: 99999999999 h\n",
	 "t.yaml:2:8: network.rtt: '99999999999 h' is too large"},
	{"network:\n  rtt: 2 h\n",
	 "t.yaml:2:8: network.rtt: must be at most 1 h (got 2 h)"},
	{"network:\n  rtt: [1]\n",
	 "t.yaml:2:8: network.rtt: expected a duration like 150 ms, not a list"},
	{"network:\n  rtt:\n",
	 "t.yaml:2:7: network.rtt: missing value (expected a duration like 150 "
	  "ms)"},
	{"network: 5\n",
	 "t.yaml:1:10: network: expected a mapping of keys, not a value"},
	{"rtt: 5 ms\n",
	 "t.yaml:1:1: unknown key 'rtt' at top level (it belongs in network)"},
	{"foo: 1\n",
	 "t.yaml:1:1: unknown key 'foo' at top level (use name, description, "
	  "seed, trace, machine, network, server, workload, models or events)"},
	{"network:\n  rtt: 5 ms\n  rtt: 6 ms\n",
	 "t.yaml:3:3: duplicate key 'rtt' in network (first at line 2)"},
	{"seed: -1\n",
	 "t.yaml:1:7: seed: '-1' is negative"},
	{"seed: 18446744073709551616\n",
	 "t.yaml:1:7: seed: '18446744073709551616' is too large"},
	{"trace: yes\n",
	 "t.yaml:1:8: trace: expected true or false, got 'yes'"},
	{"machine:\n  profile: pyton\n",
	 "t.yaml:2:12: machine.profile: unknown profile 'pyton' (did you mean "
	  "'python'?)"},
	{"machine:\n  profile: xyz\n",
	 "t.yaml:2:12: machine.profile: unknown profile 'xyz' (use python, c, "
	  "or a path to a profile file containing '/' or '.')"},
	{"machine:\n  cores: 0\n",
	 "t.yaml:2:10: machine.cores: must be at least 1 (got 0)"},
	{"machine:\n  cpu: 2.6\n",
	 "t.yaml:2:8: machine.cpu: missing frequency unit in '2.6' (use Hz, "
	  "kHz, MHz, GHz)"},
	{"machine:\n  costs:\n    sycall: 1 ns\n",
	 "t.yaml:3:5: unknown key 'sycall' in machine.costs (did you mean "
	  "'syscall'?)"},
	{"machine:\n  costs:\n    foo: 1 ns\n",
	 "t.yaml:3:5: unknown key 'foo' in machine.costs (see docs/costs.md)"},
	{"machine:\n  costs:\n    time_slice: 0 ns\n",
	 "t.yaml:3:17: machine.costs.time_slice: must be at least 1 \xc2\xb5s "
	  "(got 0 ns)"},
	{"network:\n  loss: 200 %\n",
	 "t.yaml:2:9: network.loss: '200 %' is more than 1 (100 %)"},
	{"network:\n  bandwidth: 10 MB\n",
	 "t.yaml:2:14: network.bandwidth: unknown bandwidth unit 'MB' (use bit, "
	  "kbit, Mbit, Gbit, Tbit, optionally with /s; bps, kbps, Mbps, Gbps; "
	  "B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s)"},
	{"network:\n  tcp: reno\n",
	 "t.yaml:2:8: network.tcp: unknown value 'reno' (use linux, fluid or flow)"},
	{"server:\n  overflow: drop\n",
	 "t.yaml:2:13: server.overflow: unknown value 'drop' (use queue or "
	  "refuse)"},
	{"server:\n  think: {dist: gauss, mean: 1 ms}\n",
	 "t.yaml:2:17: server.think.dist: unknown distribution 'gauss' (use "
	  "fixed, uniform, normal, lognormal, exponential or pareto)"},
	{"server:\n  think: {dist: normall, mean: 1 ms}\n",
	 "t.yaml:2:17: server.think.dist: unknown distribution 'normall' (did "
	  "you mean 'normal'?)"},
	{"server:\n  think: {dist: uniform, min: 5 ms}\n",
	 "t.yaml:2:10: server.think: missing 'max' (uniform takes min and max)"},
	{"server:\n  think: {dist: uniform, min: 5 ms, max: 1 ms}\n",
	 "t.yaml:2:42: server.think: min 5 ms is greater than max 1 ms"},
	{"server:\n  think: {mean: 5 ms}\n",
	 "t.yaml:2:10: server.think: missing 'dist' (fixed, uniform, normal, "
	  "lognormal, exponential or pareto)"},
	{"server:\n  think: {dist: normal, mean: 5 ms, max: 1 ms}\n",
	 "t.yaml:2:37: unknown key 'max' in server.think (normal takes mean and "
	  "sd)"},
	{"server:\n  page_size: {dist: pareto, scale: 1 KiB, shape: 0}\n",
	 "t.yaml:2:50: server.page_size.shape: must be more than 0"},
	{"network:\n  jitter: {dist: lognormal, median: 5 ms, sigma: 11}\n",
	 "t.yaml:2:50: network.jitter.sigma: must be at most 10 (got 11)"},
	{"server:\n  page_size: 4096\n",
	 "t.yaml:2:14: server.page_size: missing size unit in '4096' (use B, "
	  "kB, MB, GB, TB, KiB, MiB, GiB, TiB)"},
	{"server:\n  faults: {reset: 60 %, short: 50 %}\n",
	 "t.yaml:2:11: server.faults: the faults' probabilities add up to 110 % "
	  "(at most 100 %)"},
	{"server:\n  faults: {stall: 1 %}\nworkload: {timeout: 0 s}\n",
	 "t.yaml:2:11: server.faults: a stalled page never ends without a page "
	  "timeout (set workload.timeout)"},
	{"server:\n  faults: {hang: 1 %}\n",
	 "t.yaml:2:12: unknown key 'hang' in server.faults (use reset, stall, short "
	  "or corrupt)"},
	{"events:\n  - {at: 1 s, server: {faults: {reset: 1 %}}}\n",
	 "t.yaml:2:24: events[0].server: 'faults' cannot change in an event "
	  "(only think, page_size or max_concurrent)"},
	{"network: {handshake: maybe}\n",
	 "t.yaml:1:22: network.handshake: expected true or false, got 'maybe'"},
	{"models: [threads]\n",
	 "t.yaml:1:10: models[0]: unknown model 'threads' (did you mean "
	  "'thread'?)"},
	{"models: [sync, sync]\n",
	 "t.yaml:1:16: models[1]: 'sync' is listed twice (first at line 1)"},
	{"models:\n  - {name: asyncio, workers: 3}\n",
	 "t.yaml:2:21: models[0]: 'workers' does not apply to asyncio (only to "
	  "process or thread)"},
	{"models:\n  - {name: thread, worker: 3}\n",
	 "t.yaml:2:20: unknown key 'worker' in models[0] (did you mean "
	  "'workers'?)"},
	{"models: []\n",
	 "t.yaml:1:9: models: empty list (name at least one model, or write "
	  "models: all)"},
	{"models:\n  - {workers: 3}\n",
	 "t.yaml:2:5: models[0]: missing 'name' (the model)"},
	{"models:\n  - {name: callback, poller: kqueue}\n",
	 "t.yaml:2:30: models[0].poller: unknown value 'kqueue' (use epoll, "
	  "poll or select)"},
	{"models:\n  - all\n",
	 "t.yaml:2:5: models[0]: 'all' cannot be part of a list (write models: "
	  "all)"},
	{"models: all\nmodels: sync\n",
	 "t.yaml:2:1: duplicate key 'models' at top level (first at line 1)"},
	{"events:\n  - at: 2 s\n    network: {rto: 1 s}\n",
	 "t.yaml:3:15: events[0].network: 'rto' cannot change in an event (only "
	  "rtt, jitter, bandwidth or loss)"},
	{"events:\n  - at: 2 s\n",
	 "t.yaml:2:5: events[0]: nothing changes (give network, server or link)"},
	{"events:\n  - network: {rtt: 1 s}\n",
	 "t.yaml:2:5: events[0]: missing 'at' (when it happens, like 2 s)"},
	{"events:\n  - {at: 2 s, link: down}\n  - {at: 1 s, link: up}\n",
	 "t.yaml:3:10: events[1].at: 1 s is before the previous event's 2 s"},
	{"events:\n  - {at: 1 s, link: sideways}\n",
	 "t.yaml:2:21: events[0].link: expected down or up, got 'sideways'"},
	{"a: &x 1\nb: *x\n",
	 "t.yaml:2:4: aliases (*x) are not supported"},
	{"- 1\n",
	 "t.yaml:1:1: expected a mapping of keys (name, machine, network, ...) "
	  "at the top level, not a list"},
	{"hello\n",
	 "t.yaml:1:1: expected a mapping of keys (name, machine, network, ...) "
	  "at the top level, not a value"},
	{"---\na: 1\n---\nb: 2\n",
	 "t.yaml:3:1: a second document: a scenario file holds one document"},
	{"a: b: c\n",
	 "t.yaml:1:5: syntax error: mapping values are not allowed in this "
	  "context"},
	{"\tname: x\n",
	 "t.yaml:1:1: syntax error: tabs are not allowed here (indent with "
	  "spaces)"},
	{"network: {rtt: 1 ms\n",
	 "t.yaml:2:1: syntax error: did not find expected ',' or '}' (while "
	  "parsing a flow mapping)"},
	{"name: \"a\\x01\"\n",
	 "t.yaml:1:7: name: control characters (and characters that reorder "
	  "text, such as U+202E) are not allowed"},
	{"name: \"a\\u202Eb\"\n",
	 "t.yaml:1:7: name: control characters (and characters that reorder "
	  "text, such as U+202E) are not allowed"},
	{"name: \"a\\u2028b\"\n",
	 "t.yaml:1:7: name: control characters (and characters that reorder "
	  "text, such as U+202E) are not allowed"},
	{"network: {rtt: \"1\\u2066x\"}\n",
	 "t.yaml:1:16: network.rtt: unknown duration unit '?x' (use ns, us, ms, s, min, h)"},
	{"network: {bandwidth: 0.4 bit}\n",
	 "t.yaml:1:22: network.bandwidth: must be at least 1 bit/s (got 0.4 bit, read "
	 "as 0 bit/s)"},
	{"name: \"a\\0b\"\n",
	 "t.yaml:1:7: name: NUL characters are not allowed"},
	{"{? [a]: 1}\n",
	 "t.yaml:1:4: keys must be names, not a list"},
	{"workload:\n  host: \"ex ample\"\n",
	 "t.yaml:2:9: workload.host: 'ex ample' is not a host name or address"},
	{"workload:\n  pages: 0\n",
	 "t.yaml:2:10: workload.pages: must be at least 1 (got 0)"},
	{"workload:\n  pages: 1.5\n",
	 "t.yaml:2:10: workload.pages: '1.5' is not a whole number"},
	{"workload:\n  port: 70000\n",
	 "t.yaml:2:9: workload.port: must be at most 65535 (got 70000)"},
};

static void test_bad_inputs(void **state)
{
	struct al_scenario sc, before;
	size_t failed = 0;

	(void)state;
	al_scenario_default(&sc);
	before = sc;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		int rc = al_scenario_load_string("t.yaml", bad[i].yaml,
						 strlen(bad[i].yaml), &sc, err,
						 sizeof(err));
		if (rc != -1 || strcmp(err, bad[i].msg) != 0) {
			print_error("case %zu:\n  input: %s\n  want:  %s\n"
				    "  got:   %s (rc %d)\n", i, bad[i].yaml,
				    bad[i].msg, err, rc);
			failed++;
		}
		/* no trailing newline, and the output is left alone */
		assert_null(strchr(err, '\n'));
		assert_memory_equal(&sc, &before, sizeof(sc));
	}
	assert_int_equal(failed, 0);
	assert_true(sizeof(bad) / sizeof(bad[0]) >= 30);
}

/* Inputs that cannot be written as C strings in the table, or are built. */
static void expect_error(const char *text, size_t len, const char *msg)
{
	struct al_scenario sc;
	char err[512] = "";

	assert_int_equal(al_scenario_load_string("t.yaml", text, len, &sc, err,
						 sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void test_bad_bytes(void **state)
{
	static const char nul[] = "name: a\0b\n";
	char *big, *deep, *many;
	size_t n;

	(void)state;
	expect_error("name: a\xff" "b\n", 10, "t.yaml:1:8: invalid UTF-8 (byte "
		     "0xff): scenarios must be UTF-8 text");
	expect_error("name: \xc3\xa9\xc3\n", 10, "t.yaml:1:8: invalid UTF-8 "
		     "(byte 0xc3): scenarios must be UTF-8 text");
	expect_error("\xff\xfe" "n\0a\0", 6, "t.yaml:1:1: invalid UTF-8 (byte "
		     "0xff): scenarios must be UTF-8 text");
	expect_error("a: \x01\n", 5, "t.yaml:1:4: control character 0x01 is "
		     "not allowed");
	expect_error(nul, sizeof(nul) - 1, "t.yaml:1:8: control character 0x00 "
		     "is not allowed");
	expect_error("", 0, "t.yaml:1:1: empty scenario");
	expect_error("# only a comment\n\n", 18, "t.yaml:1:1: empty scenario");
	expect_error("---\n", 4, "t.yaml:1:1: empty scenario");
	expect_error(NULL, 0, "t.yaml:1:1: empty scenario");

	/* too large: refused before parsing */
	n = AL_SCENARIO_MAX_BYTES + 1;
	assert_non_null(big = malloc(n));
	memset(big, '#', n);
	expect_error(big, n, "t.yaml:1:1: larger than 1 MiB (1048577 bytes): "
		     "refused");
	free(big);

	/* nesting is bounded: the walk is recursive */
	assert_non_null(deep = malloc(200));
	n = (size_t)sprintf(deep, "name: ");
	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	expect_error(deep, n, "t.yaml:1:38: nested more than 32 levels deep");
	free(deep);

	/* and so is the number of values */
	assert_non_null(many = malloc(400000));
	n = (size_t)sprintf(many, "name: [");
	for (int i = 0; i < 100000; i++)
		n += (size_t)sprintf(many + n, "1,");
	many[n++] = ']';
	expect_error(many, n, "t.yaml:1:200002: more than 100000 values");
	free(many);
}

static void test_too_many_events(void **state)
{
	char *text = malloc(8192);
	size_t n;

	(void)state;
	assert_non_null(text);
	n = (size_t)sprintf(text, "events:\n");
	for (int i = 0; i <= AL_SCENARIO_MAX_EVENTS; i++)
		n += (size_t)sprintf(text + n, "  - {at: %d s, link: down}\n", i);
	expect_error(text, n, "t.yaml:66:5: events[64]: too many events "
		     "(at most 64)");
	free(text);
}

static void test_files(void **state)
{
	char dir[] = "/tmp/al_scenario_XXXXXX", path[64], err[512];
	struct al_scenario sc;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(al_scenario_load_file("tests/scenarios/no-such.yaml",
					       &sc, err, sizeof(err)), -1);
	assert_string_equal(err, "tests/scenarios/no-such.yaml:1:1: cannot "
			    "open: No such file or directory");
	assert_int_equal(al_scenario_load_file(dir, &sc, err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s:1:1: is a directory", dir);
	assert_string_equal(err, path);

	snprintf(path, sizeof(path), "%s/empty.yaml", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(al_scenario_load_file(path, &sc, err, sizeof(err)), -1);
	assert_string_equal(strchr(err, ':'), ":1:1: empty scenario");

	snprintf(path, sizeof(path), "%s/latin1.yaml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("name: caf\xe9\n", f);
	fclose(f);
	assert_int_equal(al_scenario_load_file(path, &sc, err, sizeof(err)), -1);
	assert_string_equal(strchr(err, ':'), ":1:10: invalid UTF-8 (byte "
			    "0xe9): scenarios must be UTF-8 text");
	unlink(path);

	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	assert_non_null(f = fopen(path, "w"));
	for (int i = 0; i < AL_SCENARIO_MAX_BYTES / 8 + 1; i++)
		fputs("# 45678\n", f);
	fclose(f);
	assert_int_equal(al_scenario_load_file(path, &sc, err, sizeof(err)), -1);
	assert_string_equal(strchr(err, ':'), ":1:1: larger than 1 MiB: "
			    "refused");
	unlink(path);

	/* a good file: path kept, name from the file when not given */
	snprintf(path, sizeof(path), "%s/my-run.yml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("seed: 7\n", f);
	fclose(f);
	assert_int_equal(al_scenario_load_file(path, &sc, err, sizeof(err)), 0);
	assert_string_equal(sc.path, path);
	assert_string_equal(sc.name, "my-run");
	assert_true(sc.seed == 7);
	unlink(path);

	snprintf(path, sizeof(path), "%s/empty.yaml", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* Every tests/scenarios/bad/ file says on its first line what it expects:
 * "# expect: <the whole message>". */
static void test_bad_files(void **state)
{
	glob_t g;
	size_t failed = 0;

	(void)state;
	assert_int_equal(glob("tests/scenarios/bad/*.yaml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct al_scenario sc;
		char err[512], want[512] = "";
		FILE *f = fopen(g.gl_pathv[i], "r");

		assert_non_null(f);
		if (fgets(want, sizeof(want), f) == NULL)
			want[0] = '\0';
		fclose(f);
		want[strcspn(want, "\n")] = '\0';
		assert_true(strncmp(want, "# expect: ", 10) == 0);
		if (al_scenario_load_file(g.gl_pathv[i], &sc, err,
					  sizeof(err)) != -1 ||
		    strcmp(err, want + 10) != 0) {
			print_error("%s:\n  want: %s\n  got:  %s\n",
				    g.gl_pathv[i], want + 10, err);
			failed++;
		}
	}
	globfree(&g);
	assert_int_equal(failed, 0);
}

static int load(const char *text, struct al_scenario *sc)
{
	char err[512] = "";
	int rc = al_scenario_load_string("t.yaml", text, strlen(text), sc, err,
					 sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	return rc;
}

static void assert_dist(const struct al_dist *d, enum al_dist_kind kind,
			double a, double b)
{
	assert_int_equal(d->kind, kind);
	assert_true(d->a == a);
	assert_true(d->b == b);
}

/* Field by field (padding is not data); path is where it came from. */
static void assert_same(const struct al_scenario *x, const struct al_scenario *y)
{
	assert_string_equal(x->name, y->name);
	assert_true(x->seed == y->seed);
	assert_int_equal(x->trace, y->trace);
	assert_int_equal(x->machine.profile, y->machine.profile);
	assert_string_equal(x->machine.profile_file, y->machine.profile_file);
	assert_int_equal(x->machine.cores, y->machine.cores);
	assert_true(x->machine.hz == y->machine.hz);
	assert_true(x->machine.memory == y->machine.memory);
	assert_int_equal(x->machine.fd_limit, y->machine.fd_limit);
	/* all int64_t: no padding */
	assert_memory_equal(&x->machine.costs, &y->machine.costs,
			    sizeof(x->machine.costs));
	assert_true(x->network.rtt_ns == y->network.rtt_ns);
	assert_dist(&x->network.jitter, y->network.jitter.kind,
		    y->network.jitter.a, y->network.jitter.b);
	assert_true(x->network.bandwidth_bps == y->network.bandwidth_bps);
	assert_true(x->network.loss == y->network.loss);
	assert_true(x->network.rto_ns == y->network.rto_ns);
	assert_int_equal(x->network.tcp, y->network.tcp);
	assert_dist(&x->server.think, y->server.think.kind, y->server.think.a,
		    y->server.think.b);
	assert_dist(&x->server.page_size, y->server.page_size.kind,
		    y->server.page_size.a, y->server.page_size.b);
	assert_int_equal(x->server.backlog, y->server.backlog);
	assert_int_equal(x->server.max_concurrent, y->server.max_concurrent);
	assert_int_equal(x->server.overflow, y->server.overflow);
	assert_true(x->workload.pages == y->workload.pages);
	assert_string_equal(x->workload.host, y->workload.host);
	assert_int_equal(x->workload.port, y->workload.port);
	assert_true(x->workload.timeout_ns == y->workload.timeout_ns);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		assert_int_equal(x->models[m].enabled, y->models[m].enabled);
		assert_int_equal(x->models[m].workers, y->models[m].workers);
		assert_int_equal(x->models[m].poller, y->models[m].poller);
		assert_int_equal(x->models[m].gil, y->models[m].gil);
		assert_true(x->models[m].limit == y->models[m].limit);
		assert_int_equal(x->models[m].threads, y->models[m].threads);
		assert_true(x->models[m].stack == y->models[m].stack);
		assert_int_equal(x->models[m].loops, y->models[m].loops);
	}
	assert_int_equal(x->nevents, y->nevents);
}

static void test_default(void **state)
{
	struct al_scenario d, sc;

	(void)state;
	al_scenario_default(&d);
	assert_string_equal(d.name, "seed");
	assert_string_equal(d.path, "");
	assert_true(d.seed == 42);
	assert_int_equal(d.machine.profile, AL_PROFILE_PYTHON);
	assert_int_equal(d.machine.cores, 1);
	assert_true(d.machine.hz == 2600000000);
	assert_true(d.machine.memory == 24LL << 30);
	assert_int_equal(d.machine.fd_limit, 20000);
	assert_true(d.machine.costs.syscall_ns == 2600);
	assert_true(d.machine.costs.thread_memory == 12 * 1024);
	assert_true(d.machine.costs.process_memory == 2800 * 1024);
	/* the seed keeps the article's pool, not this VM's CPython's */
	assert_true(d.machine.costs.process_create_ns == 3900000);
	assert_true(d.machine.costs.pool_startup_ns == 0);
	assert_true(d.machine.costs.gil_interval_ns == 5100000);
	assert_true(d.network.rtt_ns == 150 * MS);
	assert_dist(&d.network.jitter, AL_DIST_FIXED, 0, 0);
	assert_true(d.network.bandwidth_bps == 10000000);
	assert_true(d.network.rto_ns == SEC);
	assert_dist(&d.server.think, AL_DIST_FIXED, 20 * MS, 0);
	assert_dist(&d.server.page_size, AL_DIST_FIXED, 1256, 0);
	assert_int_equal(d.server.backlog, 128);
	assert_true(d.workload.pages == 10);
	assert_string_equal(d.workload.host, "example.com");
	assert_int_equal(d.workload.port, 80);
	assert_true(d.workload.timeout_ns == 30 * SEC);
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		assert_true(d.models[m].enabled);
		assert_int_equal(d.models[m].workers, 10);
		assert_int_equal(d.models[m].poller, AL_POLL_EPOLL);
		assert_true(d.models[m].gil);
	}
	assert_true(d.trace);

	/* a file that sets nothing but its name is the default */
	assert_int_equal(load("name: seed\n", &sc), 0);
	assert_same(&sc, &d);
	assert_string_equal(sc.path, "t.yaml");
	/* empty sections change nothing either */
	assert_int_equal(load("name: seed\nmachine:\nnetwork: {}\nevents: ~\n",
			      &sc), 0);
	assert_same(&sc, &d);
}

static void test_profiles(void **state)
{
	struct al_costs c, p;

	(void)state;
	al_costs_profile(&c, AL_PROFILE_C);
	al_costs_profile(&p, AL_PROFILE_PYTHON);
	assert_true(c.syscall_ns == 91 && p.syscall_ns == 2600);
	assert_true(c.thread_create_ns == 10700 && p.thread_create_ns == 720000);
	assert_true(c.process_create_ns == 105000 &&
		    p.process_create_ns == 13300000);
	assert_true(c.pool_startup_ns == 0 && p.pool_startup_ns == 29000000);
	assert_true(c.thread_pool_startup_ns == 0 && p.thread_pool_startup_ns == 1100000);
	assert_true(c.coroutine_memory == 256 && p.coroutine_memory == 2048);
	assert_true(c.select_ns == 1000 && p.select_ns == 12000);
	assert_true(c.parse_ns_per_kib == 300 && p.parse_ns_per_kib == 100);
	assert_true(c.gil_interval_ns == 0);
	assert_true(c.thread_stack == 8 << 20 && p.thread_stack == 8 << 20);

	assert_string_equal(al_model_name(AL_MODEL_NONBLOCKING), "nonblocking");
	assert_int_equal(al_model_parse("asyncio"), AL_MODEL_ASYNCIO);
	assert_int_equal(al_model_parse("Asyncio"), -1);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		assert_int_equal(al_model_parse(al_model_name((enum al_model)m)),
				 m);
	assert_string_equal(al_poller_name(AL_POLL_SELECT), "select");
	assert_int_equal(al_poller_parse("poll"), AL_POLL_POLL);
	assert_int_equal(al_poller_parse("kqueue"), -1);
	assert_string_equal(al_profile_name(AL_PROFILE_C), "c");
	assert_string_equal(al_overflow_name(AL_OVERFLOW_REFUSE), "refuse");
	assert_string_equal(al_tcp_name(AL_TCP_LINUX), "linux");
	assert_string_equal(al_tcp_name(AL_TCP_FLUID), "fluid");
	assert_string_equal(al_tcp_name(AL_TCP_FLOW), "flow");
}

static const char every_key[] =
	"name: everything\n"
	"description: every key set\n"
	"seed: 18_446_744_073_709_551_615\n"
	"trace: false\n"
	"machine:\n"
	"  costs: {syscall: 50 ns, thread_memory: 64 KiB, parse_per_kib: 1 us}\n"
	"  profile: c\n"          /* after costs: still applied first */
	"  cores: 4\n"
	"  cpu: 3.5 GHz\n"
	"  memory: 8 GiB\n"
	"  fd_limit: 1_024\n"
	"network:\n"
	"  rtt: 0.5 ms\n"
	"  jitter: {dist: normal, mean: 1 ms, sd: 250 us}\n"
	"  bandwidth: 1 Gbit/s\n"
	"  loss: 0.5 %\n"
	"  rto: 200 ms\n"
	"  tcp: fluid\n"
	"server:\n"
	"  think: {dist: exponential, mean: 5 ms}\n"
	"  page_size: {dist: uniform, min: 1 KiB, max: 64 KiB}\n"
	"  backlog: 4096\n"
	"  max_concurrent: 1k\n"
	"  overflow: refuse\n"
	"workload:\n"
	"  pages: 10M\n"
	"  host: 127.0.0.1\n"
	"  port: 8080\n"
	"  timeout: 0 s\n"
	"models:\n"
	"  - {name: thread, workers: 100, gil: true}\n"
	"  - {name: asyncio, poller: select, limit: 500}\n"
	"  - process\n"
	"events:\n"
	"  - at: 2 s\n"
	"    server: {think: 500 ms, max_concurrent: 10}\n"
	"    network: {loss: 10 %, rtt: 300 ms}\n"
	"  - {at: 5 s, link: down}\n"
	"  - at: 5 s\n"
	"    link: up\n"
	"    network:\n"
	"      jitter: {dist: pareto, scale: 1 ms, shape: 1.5}\n"
	"      bandwidth: 56 kbps\n"
	"    server: {page_size: 1 MiB}\n";

/* A pool's record is charged only where the profile prices the records
 * (fork_per_mib > 0): the shipped profiles do not, a calibrated one
 * does; the page tables follow the records, 8 bytes a 4 KiB page. */
static void test_fork_record(void **state)
{
	struct al_costs c;

	(void)state;
	al_costs_profile(&c, AL_PROFILE_C);
	assert_true(c.child_record > 0);
	c.fork_ns_per_mib = 0;
	assert_true(al_fork_record(&c) == 0);
	c.fork_ns_per_mib = 1;
	assert_true(al_fork_record(&c) == c.child_record);
	c.child_record = 0;
	assert_true(al_fork_record(&c) == 0);
	assert_true(al_fork_page_tables(512 * 4096) == 4096);
	assert_true(al_fork_page_tables(0) == 0);
}

static void test_every_key(void **state)
{
	struct al_scenario sc;
	struct al_costs c;
	const struct al_event_cfg *e;

	(void)state;
	assert_int_equal(load(every_key, &sc), 0);
	assert_string_equal(sc.name, "everything");
	assert_true(sc.seed == UINT64_MAX);
	assert_false(sc.trace);
	assert_int_equal(sc.machine.profile, AL_PROFILE_C);
	al_costs_profile(&c, AL_PROFILE_C);
	c.syscall_ns = 50;
	c.thread_memory = 64 * 1024;
	c.parse_ns_per_kib = 1000;
	assert_memory_equal(&sc.machine.costs, &c, sizeof(c));
	assert_int_equal(sc.machine.cores, 4);
	assert_true(sc.machine.hz == 3500000000);
	assert_true(sc.machine.memory == 8LL << 30);
	assert_int_equal(sc.machine.fd_limit, 1024);
	assert_true(sc.network.rtt_ns == 500000);
	assert_dist(&sc.network.jitter, AL_DIST_NORMAL, 1e6, 250e3);
	assert_true(sc.network.bandwidth_bps == 1000000000);
	assert_true(sc.network.loss == 0.005);
	assert_true(sc.network.rto_ns == 200 * MS);
	assert_int_equal(sc.network.tcp, AL_TCP_FLUID);
	assert_dist(&sc.server.think, AL_DIST_EXPONENTIAL, 5e6, 0);
	assert_dist(&sc.server.page_size, AL_DIST_UNIFORM, 1024, 65536);
	assert_int_equal(sc.server.backlog, 4096);
	assert_int_equal(sc.server.max_concurrent, 1000);
	assert_int_equal(sc.server.overflow, AL_OVERFLOW_REFUSE);
	assert_true(sc.workload.pages == 10000000);
	assert_string_equal(sc.workload.host, "127.0.0.1");
	assert_int_equal(sc.workload.port, 8080);
	assert_true(sc.workload.timeout_ns == 0);

	assert_true(sc.models[AL_MODEL_THREAD].enabled);
	assert_int_equal(sc.models[AL_MODEL_THREAD].workers, 100);
	assert_true(sc.models[AL_MODEL_THREAD].gil);  /* explicit on c */
	assert_true(sc.models[AL_MODEL_ASYNCIO].enabled);
	assert_int_equal(sc.models[AL_MODEL_ASYNCIO].poller, AL_POLL_SELECT);
	assert_true(sc.models[AL_MODEL_ASYNCIO].limit == 500);
	assert_true(sc.models[AL_MODEL_PROCESS].enabled);
	assert_int_equal(sc.models[AL_MODEL_PROCESS].workers, 10);
	assert_false(sc.models[AL_MODEL_SYNC].enabled);
	assert_false(sc.models[AL_MODEL_CALLBACK].enabled);

	assert_int_equal(sc.nevents, 3);
	e = &sc.events[0];
	assert_true(e->at_ns == 2 * SEC);
	assert_int_equal(e->set, AL_EV_THINK | AL_EV_MAX_CONCURRENT |
			 AL_EV_LOSS | AL_EV_RTT);
	assert_dist(&e->server.think, AL_DIST_FIXED, 500e6, 0);
	assert_int_equal(e->server.max_concurrent, 10);
	assert_true(e->network.loss == 0.1);
	assert_true(e->network.rtt_ns == 300 * MS);
	/* what the event does not set is the scenario's own */
	assert_true(e->network.bandwidth_bps == 1000000000);
	assert_dist(&e->server.page_size, AL_DIST_UNIFORM, 1024, 65536);
	e = &sc.events[1];
	assert_true(e->at_ns == 5 * SEC);
	assert_int_equal(e->set, AL_EV_LINK_DOWN);
	e = &sc.events[2];
	assert_int_equal(e->set, AL_EV_LINK_UP | AL_EV_JITTER |
			 AL_EV_BANDWIDTH | AL_EV_PAGE_SIZE);
	assert_dist(&e->network.jitter, AL_DIST_PARETO, 1e6, 1.5);
	assert_true(e->network.bandwidth_bps == 56000);
	assert_dist(&e->server.page_size, AL_DIST_FIXED, 1 << 20, 0);
}

struct dist_case {
	const char *yaml;
	enum al_dist_kind kind;
	double a, b;
};

static void test_distributions(void **state)
{
	static const struct dist_case cases[] = {
		{"20 ms", AL_DIST_FIXED, 20e6, 0},
		{"{dist: fixed, value: 3 s}", AL_DIST_FIXED, 3e9, 0},
		{"{dist: uniform, min: 10 ms, max: 30 ms}", AL_DIST_UNIFORM,
			10e6, 30e6},
		{"{dist: uniform, min: 10 ms, max: 10 ms}", AL_DIST_UNIFORM,
			10e6, 10e6},
		{"{dist: normal, mean: 20 ms, sd: 5 ms}", AL_DIST_NORMAL,
			20e6, 5e6},
		{"{dist: lognormal, median: 20 ms, sigma: 0.5}",
			AL_DIST_LOGNORMAL, 20e6, 0.5},
		{"{sigma: 0, median: 1 us, dist: lognormal}",
			AL_DIST_LOGNORMAL, 1000, 0},
		{"{dist: exponential, mean: 0.9 us}", AL_DIST_EXPONENTIAL,
			900, 0},
		{"{dist: pareto, scale: 2 ms, shape: 1.5}", AL_DIST_PARETO,
			2e6, 1.5},
		{"\n    dist: pareto\n    scale: 1 h\n    shape: 100\n",
			AL_DIST_PARETO, 3600e9, 100},
	};
	char text[256];
	struct al_scenario sc;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "server:\n  think: %s\n",
			 cases[i].yaml);
		assert_int_equal(load(text, &sc), 0);
		assert_dist(&sc.server.think, cases[i].kind, cases[i].a,
			    cases[i].b);
	}
	assert_int_equal(load("server:\n  page_size: {dist: lognormal, "
			      "median: 4 KiB, sigma: 1}\n", &sc), 0);
	assert_dist(&sc.server.page_size, AL_DIST_LOGNORMAL, 4096, 1);
}

static void test_models(void **state)
{
	struct al_scenario sc;

	(void)state;
	assert_int_equal(load("models: all\n", &sc), 0);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		assert_true(sc.models[m].enabled);
	assert_int_equal(load("models: asyncio\n", &sc), 0);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		assert_int_equal(sc.models[m].enabled, m == AL_MODEL_ASYNCIO);
	assert_int_equal(load("models:\n  - sync\n  - {name: callback, "
			      "poller: poll}\n", &sc), 0);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		assert_int_equal(sc.models[m].enabled, m == AL_MODEL_SYNC ||
				 m == AL_MODEL_CALLBACK);
	assert_int_equal(sc.models[AL_MODEL_CALLBACK].poller, AL_POLL_POLL);
	/* the GIL follows the profile unless a model says otherwise */
	assert_int_equal(load("machine: {profile: c}\n", &sc), 0);
	assert_false(sc.models[AL_MODEL_THREAD].gil);
	/* a profile file (tests/test_calib.c tests what it loads) */
	assert_int_equal(load("machine: {profile: tests/scenarios/machine.yaml}"
			      "\n", &sc), 0);
	assert_int_equal(sc.machine.profile, AL_PROFILE_FILE);
	assert_string_equal(sc.machine.profile_file,
			    "tests/scenarios/machine.yaml");
	assert_false(sc.models[AL_MODEL_THREAD].gil);
	assert_int_equal(load("models: [{name: thread, gil: false}]\n", &sc), 0);
	assert_false(sc.models[AL_MODEL_THREAD].gil);
	assert_true(sc.models[AL_MODEL_PROCESS].gil);
}

/* The built-in default's summary but for its models line, which follows
 * the registry (default_models_line). */
static const char default_summary_head[] =
	"scenario  seed (built-in)\n"
	"seed      42\n"
	"machine   python profile, 1 core at 2.6 GHz, 24 GiB memory, "
	"fd limit 20,000, 128 TiB address space\n"
	"costs     python defaults except process_create 3.9 ms, pool_startup 0 ns\n"
	"network   rtt 150 ms, jitter 0 ns, bandwidth 10 Mbit/s, loss 0 %, "
	"rto 1 s\n"
	"server    think 20 ms, page size 1256 B, backlog 128, no concurrency "
	"limit, overflow queue\n"
	"workload  10 pages from example.com:80, timeout 30 s\n";
static const char default_summary_tail[] =
	"events    none\n"
	"trace     on\n";

/* The default enables every registered model: its models line names each,
 * in registry order, each name followed by ", ", " (" or the line's end.
 * The parameters are spot-checked on the article's pools; a new model
 * needs no edit here. */
static void check_models_line(const char *line, size_t len)
{
	const char *p = line + strlen("models    "), *end = line + len;

	assert_true(len > strlen("models    "));
	assert_memory_equal(line, "models    ", strlen("models    "));
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const char *name = al_model_name((enum al_model)m);
		size_t n = strlen(name);

		assert_true(p + n <= end);
		assert_memory_equal(p, name, n);
		p += n;
		if (p + 1 < end && *p == ' ' && p[1] == '(') {     /* its parameters */
			const char *close = memchr(p, ')', (size_t)(end - p));

			assert_non_null(close);
			p = close + 1;
		}
		if (m + 1 < AL_MODEL_COUNT) {
			assert_memory_equal(p, ", ", 2);
			p += 2;
		}
	}
	assert_true(p == end - 1 && *p == '\n');
}

static void check_default_summary(const char *s)
{
	size_t head = strlen(default_summary_head), tail = strlen(default_summary_tail);
	size_t len = strlen(s);

	assert_true(len > head + tail);
	assert_memory_equal(s, default_summary_head, head);
	assert_string_equal(s + len - tail, default_summary_tail);
	check_models_line(s + head, len - head - tail);
}

static char *summary(const struct al_scenario *sc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	al_scenario_summary(f, sc);
	fclose(f);
	return buf;
}

static void test_summary(void **state)
{
	struct al_scenario sc;
	char *s;

	(void)state;
	al_scenario_default(&sc);
	s = summary(&sc);
	check_default_summary(s);
	assert_non_null(strstr(s, "\nmodels    sync, process (10 workers), "
			       "thread (10 workers, gil), nonblocking, callback (epoll), "));
	free(s);

	assert_int_equal(load(every_key, &sc), 0);
	s = summary(&sc);
	assert_non_null(strstr(s, "costs     c defaults except syscall 50 ns, "
			       "thread_memory 64 KiB, parse_per_kib 1 \xc2\xb5s\n"));
	assert_non_null(strstr(s, "jitter normal mean 1 ms sd 250 \xc2\xb5s"));
	assert_non_null(strstr(s, "page size uniform 1 KiB to 64 KiB"));
	assert_non_null(strstr(s, "workload  10,000,000 pages from "
			       "127.0.0.1:8080, timeout none\n"));
	assert_non_null(strstr(s, "models    process (10 workers), thread "
			       "(100 workers, gil), asyncio (select, limit "
			       "500)\n"));
	assert_non_null(strstr(s, "events    at 2 s: rtt 300 ms, loss 10 %, "
			       "think 500 ms, max concurrent 10\n"
			       "          at 5 s: link down\n"
			       "          at 5 s: jitter pareto scale 1 ms "
			       "shape 1.5, bandwidth 56 kbit/s, page size "
			       "1 MiB, link up\n"));
	free(s);

	/* the flow TCP: parsed and said */
	assert_int_equal(load("network:\n  tcp: flow\n", &sc), 0);
	assert_int_equal(sc.network.tcp, AL_TCP_FLOW);
	s = summary(&sc);
	assert_non_null(strstr(s, ", flow tcp"));
	free(s);

	/* a FIFO link is tcp linux's: said as ignored under the others */
	assert_int_equal(load("network:\n  tcp: flow\n  link: fifo\n", &sc), 0);
	s = summary(&sc);
	assert_non_null(strstr(s, ", fifo link (ignored: tcp flow)\n"));
	free(s);
	assert_int_equal(load("network:\n  tcp: fluid\n  link: fifo\n", &sc), 0);
	s = summary(&sc);
	assert_non_null(strstr(s, ", fifo link (ignored: tcp fluid)\n"));
	free(s);
	assert_int_equal(load("network:\n  link: fifo\n", &sc), 0);
	s = summary(&sc);
	assert_non_null(strstr(s, ", fifo link\n"));
	free(s);
}

/* scenarios/seed.yaml is the built-in default written out. */
static void test_seed_file(void **state)
{
	struct al_scenario sc, d;
	char err[512];

	(void)state;
	al_scenario_default(&d);
	assert_int_equal(al_scenario_load_file("scenarios/seed.yaml", &sc, err,
					       sizeof(err)), 0);
	assert_same(&sc, &d);
	assert_string_equal(sc.path, "scenarios/seed.yaml");
}

static void test_all_scenarios(void **state)
{
	glob_t g;

	(void)state;
	assert_int_equal(glob("scenarios/*.yaml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 1);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct al_scenario sc;
		char err[512] = "";
		if (al_scenario_load_file(g.gl_pathv[i], &sc, err,
					  sizeof(err)) != 0)
			print_error("%s\n", err);
		assert_string_equal(err, "");
	}
	globfree(&g);
}

static void test_small_err_buffer(void **state)
{
	struct al_scenario sc;
	char err[12];

	(void)state;
	assert_int_equal(al_scenario_load_string("t.yaml", "rtt: 1", 6, &sc,
						 err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:1:1:");
	assert_int_equal(al_scenario_load_string("t.yaml", "rtt: 1", 6, &sc,
						 NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_too_many_events),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_distributions),
		cmocka_unit_test(test_models),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_seed_file),
		cmocka_unit_test(test_all_scenarios),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_fork_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
