/* The Perfetto / Chrome Trace Event export (viz/viz_perfetto.h): the
 * default scenario's seven models and a run whose labels hold quotes,
 * backslashes, control characters, UTF-8 and bytes that are not UTF-8 are
 * written, then checked by tests/check_perfetto.py (fields per phase, X
 * nesting, b/e pairs, metadata for every pid and tid, three decimals equal
 * to the nanoseconds in args); exact lines are checked here: spans whose
 * times come from the trace, hand-made times, escaped names.  A run read
 * back from a run file exports byte for byte the same. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim_run.h"
#include "viz/viz_file.h"
#include "viz/viz_perfetto.h"
#include "tests/skip.h"

static char dir[] = "/tmp/test_viz_perfetto_XXXXXX";
static struct viz_run sim;

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	memset(&sim, 0, sizeof sim);
	strcpy(sim.net, "sim");
	al_scenario_default(&sim.sc);
	sim.cores = 1;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct viz_model *vm = &sim.models[sim.nmodels++];

		if (al_trace_init(&vm->trace, AL_TRACE_RECORD) != 0 ||
		    sim_run_model_traced(&sim.sc, (enum al_model)m, &vm->report, &vm->trace, err,
					 sizeof err) != 0)
			return -1;
		vm->report.model = (enum al_model)m;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	viz_run_free(&sim);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The whole file, NUL-terminated (the caller frees it). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void contains(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("the export lacks %s", want);
}

/* tests/check_perfetto.py on arg, found next to this file; skipped when
 * python3 is not installed. */
static void python_check(const char *arg)
{
	const char *path = arg;
	char script[512], cmd[1200];
	const char *slash = strrchr(__FILE__, '/');

	snprintf(script, sizeof script, "%.*s/check_perfetto.py",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	if (system("python3 -c '' >/dev/null 2>&1") != 0) {
		AL_SKIP("python3 is missing: %s not checked\n", path);
	}
	if (access(script, R_OK) != 0) {
		AL_SKIP("%s is missing (run from the source tree): %s not checked\n", script,
			path);
	}
	snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", script, path);
	assert_int_equal(system(cmd), 0);
}

static void us(char *out, size_t n, int64_t ns)
{
	snprintf(out, n, "%lld.%03lld", (long long)(ns / 1000), (long long)(ns % 1000));
}

/* The X line of lane's first span in state st, as it must read. */
static void first_span(const struct al_trace *tr, uint32_t lane, enum al_state st, int pid,
		       unsigned tid, char *out, size_t n)
{
	for (size_t i = 0; i < tr->n; i++) {
		const struct al_tr_event *e = &tr->ev[i];

		if (e->kind != AL_TR_STATE || e->lane != lane || e->code != st)
			continue;
		for (size_t j = i + 1; j < tr->n; j++) {
			const struct al_tr_event *f = &tr->ev[j];
			char ts[32], dur[32];

			if (f->kind != AL_TR_STATE || f->lane != lane)
				continue;
			us(ts, sizeof ts, e->t);
			us(dur, sizeof dur, f->t - e->t);
			snprintf(out, n, "{\"name\":\"%s\",\"cat\":\"state\",\"ph\":\"X\",\"pid\":%d,"
				 "\"tid\":%u,\"ts\":%s,\"dur\":%s,\"args\":{\"ns\":%lld,\"dur_ns\":%lld",
				 al_state_name(st), pid, tid, ts, dur, (long long)e->t,
				 (long long)(f->t - e->t));
			return;
		}
	}
	fail_msg("lane %u has no %s span", lane, al_state_name(st));
}

static void test_default_scenario(void **state)
{
	char path[256], err[256], want[512];

	(void)state;
	snprintf(path, sizeof path, "%s/seed.json", dir);
	if (viz_perfetto_save(NULL, path, &sim, 1, err, sizeof err) != 0)
		fail_msg("%s", err);
	python_check(path);
	char *text = slurp(path);

	contains(text, "{\"displayTimeUnit\":\"ns\",");
	unsigned tid0 = VIZ_PERFETTO_TID0;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_trace *tr = &sim.models[m].trace;
		int pid = 1 + m;

		snprintf(want, sizeof want, "\"pid\":%d,\"tid\":%u,\"args\":{\"name\":\"sim \xc2\xb7 %s\"}",
			 pid, tid0, al_model_name((enum al_model)m));
		contains(text, want);
		/* lane 2, the model's main thread, runs first */
		first_span(tr, 2, AL_ST_RUNNING, pid, tid0 + 2, want, sizeof want);
		contains(text, want);
		/* tids in tree order: the main thread's task (lane 13) right
		 * after it, before the worker threads (lanes 3-12) */
		if (m == AL_MODEL_THREAD) {
			snprintf(want, sizeof want, "\"pid\":%d,\"tid\":%u,\"args\":{\"name\":"
				 "\"thread / thread / task #1\"}", pid, tid0 + 3);
			contains(text, want);
			snprintf(want, sizeof want, "\"pid\":%d,\"tid\":%u,\"args\":{\"name\":"
				 "\"worker #1\"}", pid, tid0 + 4);
			contains(text, want);
		}
		tid0 += tr->nlanes;
	}
	/* lanes named by label and ordinal, a process's own thread after it */
	contains(text, "\"args\":{\"name\":\"fetch #1\"}");
	contains(text, "\"args\":{\"name\":\"worker #3 / thread\"}");
	contains(text, "\"args\":{\"name\":\"sync / thread / task #1\"}");
	contains(text, "\"name\":\"recv\",\"cat\":\"wait\",\"ph\":\"b\"");
	contains(text, "\"name\":\"sockets\",\"ph\":\"C\"");
	free(text);
}

static void test_names_and_exact_times(void **state)
{
	static const char *const labels[] = {
		"say \"hi\"", "back\\slash", "new\nline\ttab\x01",
		"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
		"bad \xff\xc3 \xed\xa0\x80 end",
	};
	static const char *const escaped[] = {
		"say \\\"hi\\\" #1", "back\\\\slash #2", "new\\nline\\ttab\\u0001 #3",
		"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 #4",
		"bad \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd end #5",
	};
	struct viz_run run;
	char path[256], err[256], want[512];

	(void)state;
	memset(&run, 0, sizeof run);
	strcpy(run.net, "re\"al");
	al_scenario_default(&run.sc);
	strcpy(run.sc.name, "odd \"name\"\n");
	run.nmodels = 1;
	run.models[0].report.model = AL_MODEL_ASYNCIO;
	run.models[0].report.elapsed_ns = 3000000;
	struct al_trace *tr = &run.models[0].trace;

	assert_int_equal(al_trace_init(tr, AL_TRACE_RECORD), 0);
	uint32_t p = al_trace_lane(tr, 0, AL_LANE_PROCESS, 0, "asyncio", 0);
	for (uint32_t i = 0; i < 5; i++) {
		uint32_t l = al_trace_lane(tr, 0, AL_LANE_TASK, p, labels[i], i + 1);

		al_trace_state(tr, 5, l, AL_ST_CONNECT, 0);
		al_trace_state(tr, 1234567, l, AL_ST_RUNNING, 4096);
		al_trace_state(tr, 2000000, l, i == 4 ? AL_ST_RECV : AL_ST_DONE, 0);
	}
	al_trace_counter(tr, 400, AL_CTR_SOCKETS, 1);
	al_trace_instant(tr, 7, 2, al_trace_name(tr, "page \"1\""), 42);
	snprintf(path, sizeof path, "%s/names.json", dir);
	assert_int_equal(viz_perfetto_save(NULL, path, &run, 1, err, sizeof err), 0);
	python_check(path);
	char *text = slurp(path);
	int pid = 1 + AL_MODEL_ASYNCIO;
	unsigned t0 = VIZ_PERFETTO_TID0;

	for (int i = 0; i < 5; i++) {
		snprintf(want, sizeof want, "\"tid\":%u,\"args\":{\"name\":\"%s\"}", t0 + 2 + i,
			 escaped[i]);
		contains(text, want);
	}
	contains(text, "\"args\":{\"name\":\"re\\\"al \xc2\xb7 asyncio\"}");
	contains(text, "\"scenario\":\"odd \\\"name\\\"\\n\"");
	/* a wait from 5 ns, the running span after it, to the microsecond */
	snprintf(want, sizeof want, "{\"name\":\"connect\",\"cat\":\"wait\",\"ph\":\"b\",\"pid\":%d,"
		 "\"tid\":%u,\"ts\":0.005,\"id\":\"0x0\",\"args\":{\"ns\":5,\"dur_ns\":1234562}},\n"
		 "{\"name\":\"connect\",\"cat\":\"wait\",\"ph\":\"e\",\"pid\":%d,\"tid\":%u,"
		 "\"ts\":1234.567,\"id\":\"0x0\"}", pid, t0 + 2, pid, t0 + 2);
	contains(text, want);
	snprintf(want, sizeof want, "{\"name\":\"running\",\"cat\":\"state\",\"ph\":\"X\",\"pid\":%d,"
		 "\"tid\":%u,\"ts\":1234.567,\"dur\":765.433,\"args\":{\"ns\":1234567,"
		 "\"dur_ns\":765433,\"bytes\":4096}}", pid, t0 + 2);
	contains(text, want);
	/* the last lane's recv never ends: it lasts to the model's end, 3 ms */
	snprintf(want, sizeof want, "\"tid\":%u,\"ts\":2000.000,\"id\":\"0x5\",\"args\":"
		 "{\"ns\":2000000,\"dur_ns\":1000000}}", t0 + 6);
	contains(text, want);
	snprintf(want, sizeof want, "{\"name\":\"sockets\",\"ph\":\"C\",\"pid\":%d,\"tid\":%u,"
		 "\"ts\":0.400,\"args\":{\"open\":1}}", pid, t0);
	contains(text, want);
	contains(text, "{\"name\":\"page \\\"1\\\"\",\"cat\":\"instant\",\"ph\":\"i\"");
	free(text);
	viz_run_free(&run);
}

/* What a run file gives back exports exactly as the run it was saved from. */
static void test_saved_run_exports_the_same(void **state)
{
	struct viz_run back[VIZ_MAX_RUNS];
	char *a = NULL, *b = NULL, err[256];
	size_t alen = 0, blen = 0, len;
	void *buf;
	int n;

	(void)state;
	assert_int_equal(viz_file_encode(&sim, 1, &buf, &len, err, sizeof err), 0);
	assert_int_equal(viz_file_decode(buf, len, back, VIZ_MAX_RUNS, &n, "m", err, sizeof err),
			 0);
	FILE *fa = open_memstream(&a, &alen), *fb = open_memstream(&b, &blen);

	assert_int_equal(viz_perfetto_write(fa, &sim, 1), 0);
	assert_int_equal(viz_perfetto_write(fb, back, n), 0);
	fclose(fa);
	fclose(fb);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
	free(buf);
	viz_run_free(&back[0]);
}

/* The checker itself refuses each broken rule (its own table of cases). */
static void test_checker_catches_errors(void **state)
{
	(void)state;
	python_check("--self-test");
}

static void test_write_errors(void **state)
{
	char path[256], err[256];

	(void)state;
	FILE *full = fopen("/dev/full", "w");

	if (full) {
		assert_int_equal(viz_perfetto_write(full, &sim, 1), -1);
		fclose(full);
	}
	snprintf(path, sizeof path, "%s/no/such/dir/x.json", dir);
	assert_int_equal(viz_perfetto_save(NULL, path, &sim, 1, err, sizeof err), -1);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	/* a directory in the way: the rename fails, the temporary goes */
	snprintf(path, sizeof path, "%s", dir);
	assert_int_equal(viz_perfetto_save(NULL, path, &sim, 1, err, sizeof err), -1);
	snprintf(path, sizeof path, "ls -d '%s'.tmp.* >/dev/null 2>&1", dir);
	assert_int_not_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_scenario),
		cmocka_unit_test(test_names_and_exact_times),
		cmocka_unit_test(test_saved_run_exports_the_same),
		cmocka_unit_test(test_checker_catches_errors),
		cmocka_unit_test(test_write_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
