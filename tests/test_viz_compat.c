/* Run files across versions and builds (viz/viz_file.h): files of format 4,
 * saved by the build before format 5 (tests/data/v4-*.alrun, made by
 * 0c5cc71's `asynclab run ... --save`), open with the report figures that
 * build printed in its JSON, their scenario as it ran, and the traces their
 * hashes say; so does a file of format 5, saved by the build before format
 * 6 changed the trace hash (tests/data/v5-seed.alrun, c1cd331); and format
 * 5 on reads what a later build may add -- a key or a model this build does
 * not know -- or lack, as this build's defaults.
 * (Run from the repository root, as make test does.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_dist.h"
#include "report/report.h"
#include "viz/viz_codec.h"
#include "viz/viz_file.h"

#define MS 1000000LL

/* The figures 0c5cc71 printed (--json) for the runs it saved in the
 * fixtures: file, net, model, elapsed, ok, failed, bytes, checksum,
 * syscalls, peak memory, events, total p99.  tests/data/README.md has the
 * commands. */
static const struct fig {
	const char *file, *net, *model;
	long long elapsed;
	int ok, failed, bytes;
	unsigned long long checksum;
	int syscalls;
	long long peak_memory;
	int events;
	long long p99;
} figs[] = {
	{"seed", "sim", "sync", 3210840302LL, 10, 0, 12560, 0xe4c80b5bfad3018cULL, 60, 2873344LL, 102, 321083284LL},
	{"seed", "sim", "process", 369731385LL, 10, 0, 12560, 0xe4c80b5bfad3018cULL, 133, 31610880LL, 136, 330542339LL},
	{"seed", "sim", "thread", 338978070LL, 10, 0, 12560, 0xe4c80b5bfad3018cULL, 80, 3053568LL, 133, 330576582LL},
	{"seed", "sim", "nonblocking", 3210774302LL, 10, 0, 12560, 0xe4c80b5bfad3018cULL, 1234910, 2873344LL, 122, 321076684LL},
	{"seed", "sim", "callback", 330733311LL, 10, 0, 12560, 0xe4c80b5bfad3018cULL, 120, 2910208LL, 74, 330652627LL},
	{"seed", "sim", "generator", 330746091LL, 10, 0, 12560, 0xe4c80b5bfad3018cULL, 138, 2930688LL, 72, 330664987LL},
	{"seed", "sim", "asyncio", 330746333LL, 10, 0, 12560, 0xe4c80b5bfad3018cULL, 138, 2932736LL, 72, 330665062LL},
	{"real", "real", "sync", 1420040758LL, 4, 0, 5024, 0xdf6890bc4b68009bULL, 24, 3698688LL, 0, 410292009LL},
	{"real", "real", "thread", 343754555LL, 4, 0, 5024, 0xdf6890bc4b68009bULL, 32, 4595712LL, 0, 331699362LL},
	{"real", "real", "asyncio", 341270774LL, 4, 0, 5024, 0xdf6890bc4b68009bULL, 53, 3710976LL, 0, 341101804LL},
	{"both", "sim", "process", 323576210LL, 3, 0, 3768, 0xe6da0b8717310b00ULL, 44, 1397760LL, 52, 323241961LL},
	{"both", "sim", "callback", 323253172LL, 3, 0, 3768, 0xe6da0b8717310b00ULL, 41, 356608LL, 41, 323246820LL},
	{"both", "real", "process", 407951640LL, 3, 0, 3768, 0xe6da0b8717310b00ULL, 43, 14041088LL, 0, 338303279LL},
	{"both", "real", "callback", 334638383LL, 3, 0, 3768, 0xe6da0b8717310b00ULL, 35, 3932160LL, 0, 334547452LL},
	{"events", "sim", "thread", 717792841LL, 15, 5, 92160, 0x45f030eb6fe17159ULL, 197, 484608LL, 424, 195378387LL},
	{"events", "sim", "generator", 95791948LL, 15, 5, 92160, 0x45f030eb6fe17159ULL, 320, 431360LL, 491, 95781402LL},
	{"events", "sim", "asyncio", 711793262LL, 15, 5, 92160, 0x45f030eb6fe17159ULL, 320, 370176LL, 500, 195380812LL},
};

static const char *const files[] = {"seed", "real", "both", "events"};

/* tests/data/NAME.alrun */
static void load_data(const char *name, struct viz_run *runs, int *n)
{
	char path[64], err[256];

	snprintf(path, sizeof path, "tests/data/%s.alrun", name);
	if (viz_file_load(path, runs, VIZ_MAX_RUNS, n, err, sizeof err) != 0)
		fail_msg("%s", err);
}

/* tests/data/v4-FILE.alrun */
static void load(const char *file, struct viz_run *runs, int *n)
{
	char name[32];

	snprintf(name, sizeof name, "v4-%s", file);
	load_data(name, runs, n);
}

/* This build's hash of tr's events, added one by one to a hash-only
 * trace (the loader records them: the two modes must agree). */
static uint64_t rehash(const struct al_trace *tr)
{
	struct al_trace h;

	assert_int_equal(al_trace_init(&h, AL_TRACE_HASH), 0);
	for (size_t i = 0; i < tr->n; i++)
		al_trace_add(&h, tr->ev[i].t, tr->ev[i].lane, (enum al_tr_kind)tr->ev[i].kind,
			     tr->ev[i].code, tr->ev[i].name, tr->ev[i].value);
	uint64_t x = al_trace_hash(&h);

	assert_int_equal(h.count, tr->count);
	al_trace_free(&h);
	return x;
}

/* Every model of every fixture, in file order, has the figures 0c5cc71
 * printed.  Its trace's events gave the hash of their day (the report's:
 * the file would not open otherwise), and the trace now has this build's
 * hash of them, which a file saved again stores. */
static void test_v4_files_open_with_their_figures(void **state)
{
	size_t next = 0;

	(void)state;
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		struct viz_run runs[VIZ_MAX_RUNS];
		int n;

		load(files[f], runs, &n);
		for (int r = 0; r < n; r++) {
			for (int m = 0; m < runs[r].nmodels; m++, next++) {
				const struct al_report *rep = &runs[r].models[m].report;
				const struct fig *g = &figs[next];

				assert_true(next < sizeof figs / sizeof figs[0]);
				assert_string_equal(files[f], g->file);
				assert_string_equal(runs[r].net, g->net);
				assert_string_equal(al_model_name(rep->model), g->model);
				assert_int_equal(rep->elapsed_ns, g->elapsed);
				assert_int_equal(rep->pages_ok, g->ok);
				assert_int_equal(rep->pages_failed, g->failed);
				assert_int_equal(rep->bytes, g->bytes);
				assert_true(rep->checksum == g->checksum);
				assert_int_equal(rep->syscalls, g->syscalls);
				assert_int_equal(rep->peak_memory_bytes, g->peak_memory);
				assert_int_equal(rep->events, g->events);
				assert_int_equal(rep->latency.of[AL_LAT_TOTAL].p99_ns, g->p99);
				assert_true(al_trace_hash(&runs[r].models[m].trace) ==
					    rehash(&runs[r].models[m].trace));
				/* a model that ran is enabled in the scenario it ran */
				assert_true(runs[r].sc.models[rep->model].enabled);
			}
			viz_run_free(&runs[r]);
		}
	}
	assert_int_equal(next, sizeof figs / sizeof figs[0]);
}

/* tests/data/v4-events.yaml, as format 4 stored it: keys off their
 * defaults, events, faults, a distribution; and the models it did not
 * run, those after asyncio included, are not enabled. */
static void test_v4_scenario_as_it_ran(void **state)
{
	struct viz_run runs[VIZ_MAX_RUNS];
	int n;

	(void)state;
	load("events", runs, &n);
	assert_int_equal(n, 1);
	const struct al_scenario *sc = &runs[0].sc;

	assert_string_equal(sc->name, "v4-events");
	assert_int_equal(sc->seed, 9);
	assert_int_equal(sc->machine.profile, AL_PROFILE_C);
	assert_int_equal(sc->machine.cores, 2);
	assert_int_equal(sc->network.rtt_ns, 20 * MS);
	assert_int_equal(sc->network.jitter.kind, AL_DIST_NORMAL);
	assert_true(sc->server.faults[AL_FAULT_RESET] == 0.10);
	assert_int_equal(sc->workload.pages, 20);
	assert_int_equal(sc->nevents, 2);
	assert_int_equal(sc->events[0].at_ns, 40 * MS);
	assert_int_equal(sc->events[0].network.rtt_ns, 60 * MS);
	assert_int_equal(sc->events[1].server.think.a, 10.0 * MS);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		assert_int_equal(sc->models[m].enabled, m == AL_MODEL_THREAD ||
				 m == AL_MODEL_GENERATOR || m == AL_MODEL_ASYNCIO);
	assert_int_equal(sc->models[AL_MODEL_THREAD].workers, 4);
	assert_false(sc->models[AL_MODEL_THREAD].gil);
	assert_int_equal(sc->models[AL_MODEL_GENERATOR].poller, AL_POLL_POLL);
	assert_int_equal(sc->models[AL_MODEL_ASYNCIO].poller, AL_POLL_SELECT);
	assert_int_equal(sc->models[AL_MODEL_ASYNCIO].limit, 5);
	viz_run_free(&runs[0]);
}

static void encode(const struct viz_run *runs, int n, uint8_t **buf, size_t *len)
{
	char err[256];
	void *p;

	if (viz_file_encode(runs, n, &p, len, err, sizeof err) != 0)
		fail_msg("encode: %s", err);
	*buf = p;
}

static int decode(const uint8_t *buf, size_t len, struct viz_run *runs, int *n, char *err,
		  size_t errlen)
{
	return viz_file_decode(buf, len, runs, VIZ_MAX_RUNS, n, "F", err, errlen);
}

static void same_runs(const struct viz_run *a, const struct viz_run *b, int n)
{
	for (int r = 0; r < n; r++) {
		assert_string_equal(a[r].net, b[r].net);
		assert_int_equal(a[r].cores, b[r].cores);
		assert_memory_equal(&a[r].sc, &b[r].sc, sizeof a[r].sc);
		assert_int_equal(a[r].nmodels, b[r].nmodels);
		for (int m = 0; m < a[r].nmodels; m++) {
			const struct viz_model *x = &a[r].models[m], *y = &b[r].models[m];

			assert_memory_equal(&x->report, &y->report, sizeof x->report);
			assert_int_equal(x->trace.n, y->trace.n);
			assert_true(al_trace_hash(&x->trace) == al_trace_hash(&y->trace));
		}
	}
}

/* tests/data/v5-seed.alrun, of format 5, saved by c1cd331 (the build
 * before format 6) from `asynclab run scenarios/seed.yaml --models
 * sync,asyncio`: the figures it printed, which this build's simulator
 * still gives (and 0c5cc71's did); its reports keep the trace hashes of
 * their day, the hash before format 6, which no longer match the traces'
 * own: those are this build's hash of the same events, so the run's
 * hash made from them is the one the same command prints today
 * (`--json`'s trace_hash, format 6's hash: 4e71dda).  The loader and a
 * fresh run share al_trace_add, so this checks that the file's events
 * are the run's, not that the hash is right (test_trace.c does). */
static void test_v5_file_opens_with_its_figures(void **state)
{
	static const struct {
		const char *model;
		long long elapsed;
		int events;
		uint64_t old_hash;
	} v5[] = {
		{"sync", 3210840302LL, 102, 0x88073904ca549648ull},
		{"asyncio", 330746333LL, 72, 0x22eda5f683ed0bc4ull},
	};
	struct viz_run runs[VIZ_MAX_RUNS];
	struct al_run_set rs = {.nrows = 2};
	int n;

	(void)state;
	load_data("v5-seed", runs, &n);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].nmodels, 2);
	for (int m = 0; m < 2; m++) {
		const struct viz_model *vm = &runs[0].models[m];

		assert_string_equal(al_model_name(vm->report.model), v5[m].model);
		assert_int_equal(vm->report.elapsed_ns, v5[m].elapsed);
		assert_int_equal(vm->report.events, v5[m].events);
		assert_int_equal(vm->report.pages_ok, 10);
		assert_true(vm->report.trace_hash == v5[m].old_hash);
		assert_int_equal(vm->trace.mode, AL_TRACE_RECORD);
		assert_true(al_trace_hash(&vm->trace) != vm->report.trace_hash);
		rs.rows[m].model = vm->report.model;
		rs.rows[m].trace_hash = al_trace_hash(&vm->trace);
	}
	assert_true(al_run_set_trace_hash(&rs) == 0xbf38303393c4b844ull);
	viz_run_free(&runs[0]);
}

/* A format-4 or format-5 file saved again is format 6, and reads back the
 * same. */
static void test_old_saved_again_is_v6(void **state)
{
	static const char *const again_files[] = {"v4-seed", "v4-real", "v4-both", "v4-events",
						  "v5-seed"};

	(void)state;
	for (size_t f = 0; f < sizeof again_files / sizeof again_files[0]; f++) {
		struct viz_run runs[VIZ_MAX_RUNS], again[VIZ_MAX_RUNS];
		uint8_t *buf;
		size_t len;
		char err[256];
		int n, m;

		load_data(again_files[f], runs, &n);
		encode(runs, n, &buf, &len);
		assert_int_equal(buf[8], 6);
		if (decode(buf, len, again, &m, err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_int_equal(m, n);
		same_runs(runs, again, n);
		for (int r = 0; r < n; r++) {
			viz_run_free(&runs[r]);
			viz_run_free(&again[r]);
		}
		free(buf);
	}
}

static void reseal(uint8_t *buf, size_t len)
{
	uint64_t h = viz_checksum(buf, 48);

	for (int k = 0; k < 8; k++)
		buf[48 + k] = (uint8_t)(h >> (8 * k));
	for (int k = 0; k < 8; k++)
		buf[40 + k] = (uint8_t)((uint64_t)len >> (8 * k));
	h = viz_checksum(buf, 48);
	for (int k = 0; k < 8; k++)
		buf[48 + k] = (uint8_t)(h >> (8 * k));
	h = viz_checksum(buf, len - 8);
	for (int k = 0; k < 8; k++)
		buf[len - 8 + k] = (uint8_t)(h >> (8 * k));
}

/* buf with [at, at + drop) replaced by add (n bytes), resealed. */
static uint8_t *splice(const uint8_t *buf, size_t len, size_t at, size_t drop, const void *add,
		       size_t n, size_t *outlen)
{
	size_t out = len - drop + n;
	uint8_t *p = malloc(out);

	assert_non_null(p);
	memcpy(p, buf, at);
	memcpy(p + at, add, n);
	memcpy(p + at + n, buf + at + drop, len - at - drop);
	reseal(p, out);
	*outlen = out;
	return p;
}

static size_t find(const uint8_t *buf, size_t len, const void *pat, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, pat, n) == 0)
			return i;
	fail_msg("pattern not found");
	return 0;
}

/* A key/value entry (viz/viz_kv.h) of a string key and a small int. */
static size_t entry(uint8_t *p, const char *key, unsigned small)
{
	size_t n = strlen(key);

	p[0] = (uint8_t)n;
	memcpy(p + 1, key, n);
	p[n + 1] = 0;                      /* an int: a zigzag varint */
	p[n + 2] = (uint8_t)(small * 2);
	return n + 3;
}

/* What a later build may write: a key this build does not know (a new
 * scenario field, a new model's keys, a new report figure) is read past;
 * a model this build lacks, in a report, refuses the file, naming why. */
static void test_v5_reads_a_later_builds_file(void **state)
{
	struct viz_run runs[VIZ_MAX_RUNS], out[VIZ_MAX_RUNS];
	uint8_t *buf, *bad, e[64];
	size_t len, blen, k;
	char err[256];
	int n, m;

	(void)state;
	load("both", runs, &n);
	encode(runs, n, &buf, &len);
	/* before the scenario's "trace" and the first report's "elapsed_ns" */
	static const char *const added[] = {"machine.costs.tomorrow_ns", "models.later.stack",
					    "models.thread.tomorrow", "tomorrow", "failures.99"};
	static const uint8_t trace_key[] = {5, 't', 'r', 'a', 'c', 'e', 0};
	static const uint8_t elapsed_key[] = {10, 'e', 'l', 'a', 'p', 's', 'e', 'd', '_', 'n', 's', 0};
	uint8_t *cur = buf;
	size_t curlen = len;

	for (size_t i = 0; i < sizeof added / sizeof added[0]; i++) {
		int in_report = i == sizeof added / sizeof added[0] - 1;
		size_t at = in_report ? find(cur, curlen, elapsed_key, sizeof elapsed_key)
				      : find(cur, curlen, trace_key, sizeof trace_key);

		k = entry(e, added[i], 7);
		bad = splice(cur, curlen, at, 0, e, k, &blen);
		if (cur != buf)
			free(cur);
		cur = bad;
		curlen = blen;
	}
	if (decode(cur, curlen, out, &m, err, sizeof err) != 0)
		fail_msg("%s", err);
	same_runs(runs, out, n);
	for (int r = 0; r < m; r++)
		viz_run_free(&out[r]);
	free(cur);
	/* a model of a later build: its name where "process" was */
	static const uint8_t process[] = {7, 'p', 'r', 'o', 'c', 'e', 's', 's', 0};
	static const uint8_t later[] = {5, 'l', 'a', 't', 'e', 'r'};
	size_t at = find(buf, len, process, sizeof process - 1);

	/* the scenario's "models.process." keys come first: the report's is
	 * the name alone, followed by its block's first key */
	while (memcmp(buf + at + sizeof process - 1, "\x0a" "elapsed_ns", 11) != 0)
		at = at + 1 + find(buf + at + 1, len - at - 1, process, sizeof process - 1);
	bad = splice(buf, len, at, sizeof process - 1, later, sizeof later, &blen);
	assert_int_equal(decode(bad, blen, out, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "a model this asynclab does not have"));
	free(bad);
	free(buf);
	for (int r = 0; r < n; r++)
		viz_run_free(&runs[r]);
}

/* What an earlier build of format 5 lacked reads as this build's default:
 * a key taken out of a file is the default, not a zero. */
static void test_v5_missing_keys_are_defaults(void **state)
{
	struct viz_run runs[VIZ_MAX_RUNS], out[VIZ_MAX_RUNS];
	struct al_scenario d;
	uint8_t *buf, *cut, e[64];
	size_t len, clen;
	char err[256];
	int n, m;

	(void)state;
	al_scenario_default(&d);
	load("events", runs, &n);
	/* off its default, then left out of the file */
	runs[0].sc.machine.fd_limit = 77;
	encode(runs, n, &buf, &len);
	size_t k = entry(e, "machine.fd_limit", 0);

	e[k - 1] = 0x80 | (77 * 2 & 0x7f);  /* 154: two varint bytes */
	e[k] = 1;
	k++;
	cut = splice(buf, len, find(buf, len, e, k), k, "", 0, &clen);
	if (decode(cut, clen, out, &m, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(out[0].sc.machine.fd_limit, d.machine.fd_limit);
	assert_int_equal(out[0].sc.workload.pages, 20);   /* the rest as saved */
	viz_run_free(&out[0]);
	free(cut);
	free(buf);
	viz_run_free(&runs[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_files_open_with_their_figures),
		cmocka_unit_test(test_v4_scenario_as_it_ran),
		cmocka_unit_test(test_v5_file_opens_with_its_figures),
		cmocka_unit_test(test_old_saved_again_is_v6),
		cmocka_unit_test(test_v5_reads_a_later_builds_file),
		cmocka_unit_test(test_v5_missing_keys_are_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
