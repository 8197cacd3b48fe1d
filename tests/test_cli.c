/* The command's pure parts: the option parser, the feature gate, the JSON
 * writer, the table, the run report and the time view's arithmetic.  Each
 * is a table of cases; nothing here runs the simulator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "report/json.h"
#include "report/report.h"
#include "report/table.h"
#include "report/timeview.h"

#define M(x) (1u << AL_MODEL_##x)
#define ALL_MODELS ((1u << AL_MODEL_COUNT) - 1)

/* --- the parser */

struct parse_case {
	const char *args;            /* split on single spaces */
	int rc;
	const char *err_has;         /* rc -1: a substring of the message */
	enum al_cli_cmd cmd;
	enum al_cli_cmd help_on;
	const char *scenario;
	unsigned models;
	bool seed_set;
	uint64_t seed;
	bool json, no_trace, view;
	enum al_cli_net net;
	int width, height, port;
	double ghz;                  /* 0: the default */
	int jobs;
};

static const struct parse_case parse_cases[] = {
	{"", -1, "no command", .cmd = AL_CLI_NONE},
	{"--help", 0, .cmd = AL_CLI_HELP, .help_on = AL_CLI_NONE},
	{"-h", 0, .cmd = AL_CLI_HELP},
	{"help", 0, .cmd = AL_CLI_HELP},
	{"help run", 0, .cmd = AL_CLI_HELP, .help_on = AL_CLI_RUN},
	{"help timeview", 0, .cmd = AL_CLI_HELP, .help_on = AL_CLI_TIMEVIEW},
	{"help help", 0, .cmd = AL_CLI_HELP, .help_on = AL_CLI_NONE},
	{"--help check", 0, .cmd = AL_CLI_HELP, .help_on = AL_CLI_CHECK},
	{"help nope", -1, "unknown command 'nope'", .cmd = AL_CLI_HELP},
	{"help run check", -1, "unexpected argument 'check'", .cmd = AL_CLI_HELP},
	{"--version", 0, .cmd = AL_CLI_VERSION},
	{"-V", 0, .cmd = AL_CLI_VERSION},
	{"--verbose", -1, "unknown option '--verbose'", .cmd = AL_CLI_NONE},
	{"rnu", -1, "did you mean 'run'?", .cmd = AL_CLI_NONE},
	{"frobnicate", -1, "unknown command 'frobnicate'", .cmd = AL_CLI_NONE},
	{"run", 0, .cmd = AL_CLI_RUN},
	{"run --help", 0, .cmd = AL_CLI_HELP, .help_on = AL_CLI_RUN},
	{"run --bogus --help", 0, .cmd = AL_CLI_HELP, .help_on = AL_CLI_RUN},
	{"check -h", 0, .cmd = AL_CLI_HELP, .help_on = AL_CLI_CHECK},
	{"run s.yaml", 0, .cmd = AL_CLI_RUN, .scenario = "s.yaml"},
	{"run --json s.yaml --seed 7", 0, .cmd = AL_CLI_RUN,
	 .scenario = "s.yaml", .json = true, .seed_set = true, .seed = 7},
	{"run --seed=18446744073709551615", 0, .cmd = AL_CLI_RUN,
	 .seed_set = true, .seed = UINT64_MAX},
	{"run --seed 1_000", 0, .cmd = AL_CLI_RUN, .seed_set = true,
	 .seed = 1000},
	{"run --seed 18446744073709551616", -1, "--seed", .cmd = AL_CLI_RUN},
	{"run --seed -3", -1, "not an unsigned", .cmd = AL_CLI_RUN},
	{"run --seed 0x10", -1, "not an unsigned", .cmd = AL_CLI_RUN},
	{"run --seed=", -1, "not an unsigned", .cmd = AL_CLI_RUN},
	{"run --seed", -1, "needs a value", .cmd = AL_CLI_RUN},
	{"run --seed --json", -1, "needs a value", .cmd = AL_CLI_RUN},
	{"run --models sync,asyncio", 0, .cmd = AL_CLI_RUN,
	 .models = M(SYNC) | M(ASYNCIO)},
	{"run --models=all", 0, .cmd = AL_CLI_RUN, .models = ALL_MODELS},
	{"run --models thread --models callback", 0, .cmd = AL_CLI_RUN,
	 .models = M(CALLBACK)},
	{"run --models asynco", -1, "did you mean 'asyncio'?", .cmd = AL_CLI_RUN},
	{"run --models bogus", -1, "unknown model 'bogus'", .cmd = AL_CLI_RUN},
	{"run --models sync,", -1, "empty model name", .cmd = AL_CLI_RUN},
	{"run --models sync,asyncio,sync", -1, "sync is named twice", .cmd = AL_CLI_RUN},
	{"run --models=", -1, "empty model name", .cmd = AL_CLI_RUN},
	{"run --net sim", 0, .cmd = AL_CLI_RUN, .net = AL_CLI_NET_SIM},
	{"run --net=real", 0, .cmd = AL_CLI_RUN, .net = AL_CLI_NET_REAL},
	{"run --net both", 0, .cmd = AL_CLI_RUN, .net = AL_CLI_NET_BOTH},
	{"run --net fast", -1, "not one of sim, real, both", .cmd = AL_CLI_RUN},
	{"run --size 1280x720", 0, .cmd = AL_CLI_RUN, .width = 1280,
	 .height = 720},
	{"run --size 0x720", -1, "--size", .cmd = AL_CLI_RUN},
	{"run --size 1280", -1, "--size", .cmd = AL_CLI_RUN},
	{"run --size 99999x10", -1, "--size", .cmd = AL_CLI_RUN},
	{"run --no-trace", 0, .cmd = AL_CLI_RUN, .no_trace = true},
	{"run -j 3", 0, .cmd = AL_CLI_RUN, .jobs = 3},
	{"run -j1", 0, .cmd = AL_CLI_RUN, .jobs = 1},
	{"run --jobs=7 --no-trace", 0, .cmd = AL_CLI_RUN, .jobs = 7, .no_trace = true},
	{"run -j 0", -1, "--jobs: '0' is not a number of processes", .cmd = AL_CLI_RUN},
	{"run -jx", -1, "--jobs: 'x'", .cmd = AL_CLI_RUN},
	{"run -j", -1, "needs a value", .cmd = AL_CLI_RUN},
	{"run -k", -1, "-k", .cmd = AL_CLI_RUN},
	{"serve -j 2", -1, "-j", .cmd = AL_CLI_SERVE},
	{"run --view", 0, .cmd = AL_CLI_RUN, .view = true},
	{"run --shot s.png --view", 0, .cmd = AL_CLI_RUN, .view = true},
	{"run --trace t.json", 0, .cmd = AL_CLI_RUN},
	{"run --png=t.png", 0, .cmd = AL_CLI_RUN},
	{"run --save f", 0, .cmd = AL_CLI_RUN},
	{"run --target http://127.0.0.1/", 0, .cmd = AL_CLI_RUN},
	{"run --trace=", -1, "empty", .cmd = AL_CLI_RUN},
	{"run --no-trace=yes", -1, "takes no value", .cmd = AL_CLI_RUN},
	{"run --json=-", 0, .cmd = AL_CLI_RUN, .json = true},
	{"run --json=r.json", 0, .cmd = AL_CLI_RUN},
	{"run --csv", -1, "needs a value", .cmd = AL_CLI_RUN},
	{"run --set network.rtt=5ms --set=workload.pages=9", 0, .cmd = AL_CLI_RUN},
	{"run --set network.rtt", -1, "not KEY=VALUE", .cmd = AL_CLI_RUN},
	{"check s.yaml --set a=1", 0, .cmd = AL_CLI_CHECK, .scenario = "s.yaml"},
	{"serve --set a=1", -1, "unknown option", .cmd = AL_CLI_SERVE},
	{"run --seeds 1..10", 0, .cmd = AL_CLI_RUN},
	{"run --seeds 10..1", -1, "ends before it starts", .cmd = AL_CLI_RUN},
	{"run --seeds 1-10", -1, "not a range", .cmd = AL_CLI_RUN},
	{"run --runs 0", -1, "not a count of runs", .cmd = AL_CLI_RUN},
	{"run --warmup 0 --runs 3", 0, .cmd = AL_CLI_RUN},
	{"run --modles sync", -1, "did you mean '--models'?", .cmd = AL_CLI_RUN},
	{"run -x", -1, "unknown option '-x'", .cmd = AL_CLI_RUN},
	{"run --port 80", -1, "unknown option '--port'", .cmd = AL_CLI_RUN},
	{"run a b", -1, "unexpected argument 'b'", .cmd = AL_CLI_RUN},
	{"run -- --odd.yaml", 0, .cmd = AL_CLI_RUN, .scenario = "--odd.yaml"},
	{"run -- a --help", -1, "unexpected argument '--help'", .cmd = AL_CLI_RUN},
	{"check", -1, "missing SCENARIO", .cmd = AL_CLI_CHECK},
	{"check s.yaml", 0, .cmd = AL_CLI_CHECK, .scenario = "s.yaml"},
	{"check s.yaml --json", -1, "unknown option '--json'", .cmd = AL_CLI_CHECK},
	{"view", -1, "missing SCENARIO|FILE", .cmd = AL_CLI_VIEW},
	{"view run.json", 0, .cmd = AL_CLI_VIEW, .scenario = "run.json"},
	{"view r.alrun --png p.png --size 800x600", 0, .cmd = AL_CLI_VIEW,
	 .scenario = "r.alrun", .width = 800, .height = 600},
	{"serve --port 8080 s.yaml", 0, .cmd = AL_CLI_SERVE, .port = 8080,
	 .scenario = "s.yaml"},
	{"serve --port 65536", -1, "--port", .cmd = AL_CLI_SERVE},
	{"serve --port 0", 0, .cmd = AL_CLI_SERVE, .port = 0},
	{"serve --port -1", -1, "--port", .cmd = AL_CLI_SERVE},
	{"calibrate --out m.yaml", 0, .cmd = AL_CLI_CALIBRATE},
	{"calibrate x", -1, "unexpected argument 'x'", .cmd = AL_CLI_CALIBRATE},
	{"timeview", 0, .cmd = AL_CLI_TIMEVIEW, .ghz = 2.6},
	{"timeview --ghz 3.5", 0, .cmd = AL_CLI_TIMEVIEW, .ghz = 3.5},
	{"timeview --ghz=100", 0, .cmd = AL_CLI_TIMEVIEW, .ghz = 100},
	{"timeview --ghz 100.5", -1, "--ghz", .cmd = AL_CLI_TIMEVIEW},
	{"timeview --ghz 0", -1, "--ghz", .cmd = AL_CLI_TIMEVIEW},
	{"timeview --ghz -1", -1, "--ghz", .cmd = AL_CLI_TIMEVIEW},
	{"timeview --ghz inf", -1, "--ghz", .cmd = AL_CLI_TIMEVIEW},
	{"timeview --ghz nan", -1, "--ghz", .cmd = AL_CLI_TIMEVIEW},
	{"timeview --ghz 2.6GHz", -1, "--ghz", .cmd = AL_CLI_TIMEVIEW},
	{"timeview --ghz 0x1p1", -1, "--ghz", .cmd = AL_CLI_TIMEVIEW},
};

/* Splits a case's args into a fresh argv; argv[0] is "asynclab". */
static int split(const char *args, char *buf, size_t len, char **argv, int max)
{
	static char prog[] = "asynclab";
	int argc = 0;

	snprintf(buf, len, "%s", args);
	argv[argc++] = prog;
	if (buf[0] == '\0')
		return argc;
	for (char *p = buf; p && argc < max; ) {
		char *sp = strchr(p, ' ');

		argv[argc++] = p;
		if (sp)
			*sp++ = '\0';
		p = sp;
	}
	return argc;
}

/* Names the failing case: the table is long. */
#define EXPECT(cond) do { if (!(cond)) \
	fail_msg("asynclab %s: expected %s (rc %d, err '%s')", c->args, #cond, \
		 rc, err); } while (0)

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *c = &parse_cases[i];
		char buf[256], err[256], *argv[16];
		int argc = split(c->args, buf, sizeof buf, argv, 16);
		struct al_cli cli;
		int rc = al_cli_parse(argc, argv, &cli, err, sizeof err);

		EXPECT(rc == c->rc);
		EXPECT(cli.cmd == c->cmd);
		if (rc < 0) {
			EXPECT(strstr(err, c->err_has) != NULL);
			EXPECT(strchr(err, '\n') == NULL);
			continue;
		}
		EXPECT(cli.help_on == c->help_on);
		EXPECT(c->scenario ? cli.scenario &&
		       strcmp(cli.scenario, c->scenario) == 0 : !cli.scenario);
		EXPECT(cli.models == c->models);
		EXPECT(cli.seed_set == c->seed_set);
		EXPECT(cli.seed == c->seed);
		EXPECT(cli.json == c->json);
		EXPECT(cli.no_trace == c->no_trace);
		EXPECT(cli.jobs == c->jobs);
		EXPECT(cli.view == c->view);
		EXPECT(cli.net == c->net);
		EXPECT(cli.width == c->width);
		EXPECT(cli.height == c->height);
		EXPECT(cli.port == c->port);
		EXPECT(cli.ghz == (c->ghz ? c->ghz : AL_CLI_GHZ_DEFAULT));
	}
}

static void test_distance(void **state)
{
	static const struct { const char *a, *b; int d; } cases[] = {
		{"", "", 0}, {"run", "run", 0}, {"rn", "run", 1},
		{"asynco", "asyncio", 1}, {"kitten", "sitting", 3},
		{"", "abc", 3},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(al_cli_distance(cases[i].a, cases[i].b),
				 cases[i].d);
}

/* --- output captured in memory */

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

static const char *cap_close(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	return c->buf;
}

static void test_json_escape(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{"", "\"\""},
		{"plain", "\"plain\""},
		{"say \"hi\"", "\"say \\\"hi\\\"\""},
		{"back\\slash", "\"back\\\\slash\""},
		{"a\nb\tc\rd", "\"a\\nb\\tc\\rd\""},
		{"\b\f", "\"\\b\\f\""},
		{"\x01\x1f", "\"\\u0001\\u001f\""},
		{"\x7f", "\"\x7f\""},
		{"CPU的时间观 µs", "\"CPU的时间观 µs\""},
		{"/", "\"/\""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct capture c;

		al_json_escape(cap_open(&c), cases[i].in);
		assert_string_equal(cap_close(&c), cases[i].out);
		free(c.buf);
	}
}

static void test_json_layout(void **state)
{
	struct capture c;
	struct al_json j;

	(void)state;
	al_json_init(&j, cap_open(&c));
	al_json_begin_object(&j);
	al_json_key(&j, "n");
	al_json_i64(&j, -42);
	al_json_key(&j, "u");
	al_json_u64(&j, UINT64_MAX);
	al_json_key(&j, "x");
	al_json_fixed(&j, 9.87654, 4);
	al_json_key(&j, "z");
	al_json_fixed(&j, -0.0, 2);
	al_json_key(&j, "inf");
	al_json_fixed(&j, INFINITY, 4);
	al_json_key(&j, "h");
	al_json_hex64(&j, 0xabcull);
	al_json_key(&j, "e");
	al_json_begin_object(&j);
	al_json_end_object(&j);
	al_json_key(&j, "a");
	al_json_begin_array(&j);
	al_json_bool(&j, true);
	al_json_null(&j);
	al_json_str(&j, "s");
	al_json_end_array(&j);
	al_json_end_object(&j);
	al_json_finish(&j);
	assert_string_equal(cap_close(&c),
		"{\n"
		"  \"n\": -42,\n"
		"  \"u\": 18446744073709551615,\n"
		"  \"x\": 9.8765,\n"
		"  \"z\": 0.00,\n"
		"  \"inf\": null,\n"
		"  \"h\": \"0000000000000abc\",\n"
		"  \"e\": {},\n"
		"  \"a\": [\n"
		"    true,\n"
		"    null,\n"
		"    \"s\"\n"
		"  ]\n"
		"}\n");
	free(c.buf);
}

/* --- the time view */

static void test_timeview_scaled(void **state)
{
	static const struct { double s; const char *out; } cases[] = {
		{1, "1 s"},
		{2.6, "2.6 s"},
		{10.4, "10.4 s"},
		{59.9, "59.9 s"},
		{59.97, "1 min"},
		{260, "4.3 min"},
		{3600, "1 h"},
		{86400, "1 day"},
		{260e3, "3 days"},
		{13e6, "4.9 months"},
		{2.6e9, "82.4 years"},     /* the article's 1 s connect: "83 years" */
		{1.04e8, "3.3 years"},
		{7.8e11, "24.7 millennia"},
		{0.38, "0.38 s"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[64];

		al_timeview_fmt_scaled(buf, sizeof buf, cases[i].s);
		assert_string_equal(buf, cases[i].out);
	}
}

static void test_timeview_real(void **state)
{
	static const struct { double ns; const char *out; } cases[] = {
		{1 / 2.6, "0.38 ns"}, {1, "1 ns"}, {91, "91 ns"},
		{900, "900 ns"}, {1000, "1 µs"}, {100e3, "100 µs"},
		{500e3, "500 µs"}, {5e6, "5 ms"}, {183e6, "183 ms"},
		{1e9, "1 s"}, {300e9, "5 min"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[64];

		al_timeview_fmt_real(buf, sizeof buf, cases[i].ns);
		assert_string_equal(buf, cases[i].out);
	}
	/* one cycle is one second, at any frequency */
	assert_true(al_timeview_scale(1 / 2.6, 2.6) > 0.999999);
	assert_true(al_timeview_scale(1 / 2.6, 2.6) < 1.000001);
	assert_true(al_timeview_scale(1e9, 2.6) == 2.6e9);
}

/* --- the table and the run report */

static void test_table_aligns_utf8(void **state)
{
	struct capture c;
	struct al_table t;
	const char *out, *line;
	int width = -1;

	(void)state;
	al_table_init(&t, 3, "lrr");
	al_table_cell(&t, "what");
	al_table_cell(&t, "real");
	al_table_cell(&t, "felt");
	al_table_cell(&t, "a");
	al_table_cell(&t, "100 µs");
	al_table_cell(&t, "—");
	al_table_cell(&t, "longer name");
	al_table_cell(&t, "5 ms");
	al_table_cell(&t, "1.0×");
	al_table_print(&t, cap_open(&c), 0, false);
	out = cap_close(&c);
	for (line = out; *line; ) {
		const char *nl = strchr(line, '\n');
		char one[256];

		assert_non_null(nl);
		snprintf(one, sizeof one, "%.*s", (int)(nl - line), line);
		if (width < 0)
			width = al_text_width(one);
		assert_int_equal(al_text_width(one), width);
		line = nl + 1;
	}
	assert_non_null(strstr(out, "  100 µs"));
	free(c.buf);
}

static void test_report(void **state)
{
	struct al_scenario sc;
	struct al_run_set rs, rs2;
	struct capture c1, c2;
	uint64_t h;

	(void)state;
	memset(&sc, 0, sizeof sc);
	strcpy(sc.name, "t\"1");
	sc.seed = 5;
	sc.machine.cores = 1;
	sc.machine.hz = 2600000000;
	sc.workload.pages = 10;
	memset(&rs, 0, sizeof rs);
	rs.sc = &sc;
	rs.net = "sim";
	rs.nrows = 2;
	rs.rows[0].model = AL_MODEL_SYNC;
	rs.rows[0].elapsed_ns = 4000;
	rs.rows[0].pages_ok = 10;
	rs.rows[0].trace_hash = 1;
	rs.rows[1].model = AL_MODEL_ASYNCIO;
	rs.rows[1].elapsed_ns = 3000;
	rs.rows[1].pages_ok = 9;
	rs.rows[1].pages_failed = 1;
	rs.rows[1].failures[AL_CAUSE_TIMEOUT] = 1;
	rs.rows[1].trace_hash = 2;
	rs.broken = M(THREAD);
	/* a speed-up compares the same work: 9 pages are not sync's 10 */
	al_run_set_speedups(&rs);
	assert_true(rs.rows[0].speedup == 1.0);
	assert_true(rs.rows[1].speedup == 0);
	rs.rows[0].pages_ok = 9;
	al_run_set_speedups(&rs);
	assert_true(rs.rows[1].speedup == 4000.0 / 3000.0);
	assert_true(al_run_set_failed(&rs));

	h = al_run_set_trace_hash(&rs);
	assert_true(h != 0);
	rs2 = rs;
	rs2.rows[1].trace_hash = 3;
	assert_true(al_run_set_trace_hash(&rs2) != h);
	rs2 = rs;
	rs2.rows[0].trace_hash = rs2.rows[1].trace_hash = 0;
	assert_true(al_run_set_trace_hash(&rs2) == 0);

	/* without sync, no speed-up: null in JSON */
	rs2 = rs;
	rs2.rows[0] = rs2.rows[1];
	rs2.nrows = 1;
	al_run_set_speedups(&rs2);
	assert_true(rs2.rows[0].speedup == 0);

	al_report_json(cap_open(&c1), &rs);
	al_report_json(cap_open(&c2), &rs);
	assert_string_equal(cap_close(&c1), cap_close(&c2));
	assert_non_null(strstr(c1.buf, "\"scenario\": \"t\\\"1\""));
	assert_non_null(strstr(c1.buf, "\"speedup\": 1.3333"));
	assert_non_null(strstr(c1.buf, "\"failures\": {\n        \"timeout\": 1\n      }"));
	assert_non_null(strstr(c1.buf, "\"failures\": {}"));
	free(c1.buf);
	free(c2.buf);

	al_report_table(cap_open(&c1), &rs, false);
	cap_close(&c1);
	assert_non_null(strstr(c1.buf, "1.3×"));
	assert_non_null(strstr(c1.buf, "9 / 1"));
	assert_non_null(strstr(c1.buf, "1 timeout"));
	assert_non_null(strstr(c1.buf, "could not run (see the messages above): thread"));
	assert_non_null(strstr(c1.buf, "at 2.6 GHz"));
	free(c1.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_layout),
		cmocka_unit_test(test_timeview_scaled),
		cmocka_unit_test(test_timeview_real),
		cmocka_unit_test(test_table_aligns_utf8),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
