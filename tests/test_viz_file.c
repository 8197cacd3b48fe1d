/* Run files (viz/viz_file.h): every model of the default scenario survives
 * a save and a load exactly (reports, scenario, names, lanes, events,
 * hashes); two runs share a file; and every way a file can be wrong --
 * empty, foreign, cut at any byte, any byte flipped, another format or
 * build, a crafted body behind valid checksums, a directory, a missing
 * file -- is refused with one line naming the file, never a crash.  A
 * failed save leaves nothing behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net_run.h"
#include "sim/sim_run.h"
#include "core/al_dist.h"
#include "viz/viz_codec.h"
#include "viz/viz_file.h"
#include "tests/skip.h"

static char dir[] = "/tmp/test_viz_file_XXXXXX";
static struct viz_run sim;              /* the default scenario, every model */
static struct viz_run small;            /* a few events: for byte-by-byte tests */

static void run_models(struct viz_run *run, const struct al_scenario *sc, const char *net,
		       unsigned mask)
{
	char err[256];

	memset(run, 0, sizeof *run);
	snprintf(run->net, sizeof run->net, "%s", net);
	run->sc = *sc;
	run->cores = sc->machine.cores;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct viz_model *vm = &run->models[run->nmodels];

		if (!(mask & 1u << m))
			continue;
		memset(&vm->report, 0, sizeof vm->report);
		assert_int_equal(al_trace_init(&vm->trace, AL_TRACE_RECORD), 0);
		assert_int_equal(sim_run_model_traced(sc, (enum al_model)m, &vm->report,
						      &vm->trace, err, sizeof err), 0);
		vm->report.model = (enum al_model)m;
		run->nmodels++;
	}
}

static void small_run(struct viz_run *run)
{
	memset(run, 0, sizeof *run);
	strcpy(run->net, "real");
	al_scenario_default(&run->sc);
	run->cores = 2;
	run->nmodels = 1;
	run->models[0].report.model = AL_MODEL_ASYNCIO;
	run->models[0].report.elapsed_ns = 1000;
	struct al_trace *tr = &run->models[0].trace;

	assert_int_equal(al_trace_init(tr, AL_TRACE_RECORD), 0);
	uint32_t p = al_trace_lane(tr, 0, AL_LANE_PROCESS, 0, "asyncio", 0);
	uint32_t t = al_trace_lane(tr, 0, AL_LANE_THREAD, p, "asyncio", 0);
	uint32_t k = al_trace_lane(tr, 3, AL_LANE_TASK, t, "fetch", 1);

	al_trace_state(tr, 3, k, AL_ST_CONNECT, 0);
	al_trace_state(tr, 400, k, AL_ST_RECV, 1256);
	al_trace_counter(tr, 400, AL_CTR_SOCKETS, 1);
	al_trace_instant(tr, 900, k, al_trace_name(tr, "page"), -7);
	al_trace_state(tr, 1000, k, AL_ST_DONE, 0);
}

static int setup(void **state)
{
	struct al_scenario sc;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	al_scenario_default(&sc);
	run_models(&sim, &sc, "sim", (1u << AL_MODEL_COUNT) - 1);
	small_run(&small);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	viz_run_free(&sim);
	viz_run_free(&small);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void same_trace(const struct al_trace *a, const struct al_trace *b)
{
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->truncated, b->truncated);
	assert_int_equal(a->nnames, b->nnames);
	for (unsigned i = 0; i < a->nnames; i++)
		assert_string_equal(a->names[i], b->names[i]);
	assert_int_equal(a->nlanes, b->nlanes);
	for (uint32_t l = 0; a->mode == AL_TRACE_RECORD && l < a->nlanes; l++) {
		assert_int_equal(a->lanes[l].parent, b->lanes[l].parent);
		assert_int_equal(a->lanes[l].ordinal, b->lanes[l].ordinal);
		assert_int_equal(a->lanes[l].name, b->lanes[l].name);
		assert_int_equal(a->lanes[l].kind, b->lanes[l].kind);
	}
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct al_tr_event *x = &a->ev[i], *y = &b->ev[i];

		if (x->t != y->t || x->value != y->value || x->lane != y->lane ||
		    x->kind != y->kind || x->code != y->code || x->name != y->name)
			fail_msg("event %zu differs", i);
	}
	assert_int_equal(a->count, b->count);
	assert_true(a->hash == b->hash);
	assert_true(al_trace_hash(a) == al_trace_hash(b));
}

static void same_report(const struct al_report *a, const struct al_report *b)
{
	assert_int_equal(a->model, b->model);
	assert_int_equal(a->elapsed_ns, b->elapsed_ns);
	assert_memory_equal(&a->speedup, &b->speedup, sizeof a->speedup);
	assert_int_equal(a->pages_ok, b->pages_ok);
	assert_int_equal(a->pages_failed, b->pages_failed);
	for (int c = 0; c < AL_CAUSE_COUNT; c++)
		assert_int_equal(a->failures[c], b->failures[c]);
	assert_int_equal(a->bytes, b->bytes);
	assert_true(a->checksum == b->checksum);
	assert_int_equal(a->cpu_busy_ns, b->cpu_busy_ns);
	assert_int_equal(a->context_switches, b->context_switches);
	assert_int_equal(a->syscalls, b->syscalls);
	assert_int_equal(a->futile_syscalls, b->futile_syscalls);
	assert_int_equal(a->peak_memory_bytes, b->peak_memory_bytes);
	assert_int_equal(a->peak_concurrency, b->peak_concurrency);
	assert_true(a->events == b->events);
	assert_true(a->trace_hash == b->trace_hash);
}

static void same_run(const struct viz_run *a, const struct viz_run *b)
{
	assert_string_equal(a->net, b->net);
	assert_int_equal(a->cores, b->cores);
	/* both zeroed before their fields were set: padding agrees too */
	assert_memory_equal(&a->sc, &b->sc, sizeof a->sc);
	assert_int_equal(a->nmodels, b->nmodels);
	for (int m = 0; m < a->nmodels; m++) {
		same_report(&a->models[m].report, &b->models[m].report);
		same_trace(&a->models[m].trace, &b->models[m].trace);
	}
}

static void encode(const struct viz_run *runs, int n, uint8_t **buf, size_t *len)
{
	char err[256];
	void *p;

	if (viz_file_encode(runs, n, &p, len, err, sizeof err) != 0)
		fail_msg("encode: %s", err);
	*buf = p;
}

/* Decoding must fail, with one line that names the file and says why. */
static void refused(const uint8_t *buf, size_t len, const char *want)
{
	struct viz_run out[VIZ_MAX_RUNS];
	char err[256];
	int n = -1;

	if (viz_file_decode(buf, len, out, VIZ_MAX_RUNS, &n, "F.alrun", err, sizeof err) == 0)
		fail_msg("%zu bytes decoded, %s expected", len, want ? want : "a failure");
	assert_int_equal(n, 0);
	assert_true(strncmp(err, "F.alrun: ", 9) == 0);
	assert_null(strchr(err, '\n'));
	if (want && !strstr(err, want))
		fail_msg("got \"%s\", wanted \"%s\"", err, want);
}

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void test_every_model_round_trips(void **state)
{
	struct viz_run out[VIZ_MAX_RUNS];
	char path[256], err[256];
	int n = 0;

	(void)state;
	assert_int_equal(sim.nmodels, AL_MODEL_COUNT);
	for (int m = 0; m < AL_MODEL_COUNT; m++)
		assert_true(sim.models[m].report.trace_hash ==
			    al_trace_hash(&sim.models[m].trace));
	path_of(path, sizeof path, "seed.alrun");
	if (viz_file_save(NULL, path, &sim, 1, err, sizeof err) != 0)
		fail_msg("%s", err);
	if (viz_file_load(path, out, VIZ_MAX_RUNS, &n, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(n, 1);
	same_run(&sim, &out[0]);
	/* the rebuilt trace is a trace like any: it records on */
	al_trace_state(&out[0].models[0].trace, 1, 1, AL_ST_RUNNING, 0);
	viz_run_free(&out[0]);
	/* the same runs give the same bytes */
	uint8_t *a, *b;
	size_t alen, blen;

	encode(&sim, 1, &a, &alen);
	encode(&sim, 1, &b, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

static void test_two_runs_in_one_file(void **state)
{
	struct viz_run runs[2], out[VIZ_MAX_RUNS];
	struct al_scenario sc;
	char path[256], err[256];
	int n = 0;

	(void)state;
	al_scenario_default(&sc);
	sc.seed = 7;
	sc.workload.pages = 3;
	sc.nevents = 1;
	sc.events[0].at_ns = 5;
	sc.events[0].set = AL_EV_RTT;
	sc.events[0].network.rtt_ns = 1000;
	/* keys that are not their defaults, so that a member the tables
	 * miss (viz/viz_fields.c) comes back different */
	sc.network.link = AL_LINK_FIFO;
	sc.server.sndbuf = 12345;
	run_models(&runs[0], &sc, "sim", 1u << AL_MODEL_THREAD | 1u << AL_MODEL_ASYNCIO);
	run_models(&runs[1], &sc, "real", 1u << AL_MODEL_SYNC);
	path_of(path, sizeof path, "two.alrun");
	assert_int_equal(viz_file_save(NULL, path, runs, 2, err, sizeof err), 0);
	/* one slot is not enough for two runs */
	assert_int_equal(viz_file_load(path, out, 1, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "holds 2 runs"));
	assert_int_equal(viz_file_load(path, out, VIZ_MAX_RUNS, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	same_run(&runs[0], &out[0]);
	same_run(&runs[1], &out[1]);
	for (int i = 0; i < 2; i++) {
		viz_run_free(&runs[i]);
		viz_run_free(&out[i]);
	}
}

/* A real run's trace (every model on loopback against the origin server)
 * obeys the same rules: it saves and comes back identical. */
static void test_real_run_round_trips(void **state)
{
	struct viz_run run, out[VIZ_MAX_RUNS];
	struct real_net rn;
	uint8_t *buf;
	size_t len;
	char err[512];
	int n;

	(void)state;
	memset(&run, 0, sizeof run);
	strcpy(run.net, "real");
	al_scenario_default(&run.sc);
	run.sc.network.rtt_ns = 0;
	run.sc.network.bandwidth_bps = INT64_C(100000000000);
	run.sc.server.think = AL_DIST_FIXED_AT(1000000);
	run.sc.workload.pages = 3;
	run.sc.models[AL_MODEL_PROCESS].workers = 2;
	run.sc.models[AL_MODEL_THREAD].workers = 2;
	if (real_net_start(&run.sc, NULL, &rn, err, sizeof err) != 0) {
		AL_SKIP("no origin server (%s): real traces not checked\n", err);
	}
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		struct viz_model *vm = &run.models[run.nmodels];

		assert_int_equal(al_trace_init(&vm->trace, AL_TRACE_RECORD), 0);
		if (real_run_model_traced(&run.sc, &rn, (enum al_model)m, &vm->report, &vm->trace,
					  err, sizeof err) != 0)
			fail_msg("real %s: %s", al_model_name((enum al_model)m), err);
		vm->report.model = (enum al_model)m;
		run.nmodels++;
	}
	real_net_stop(&rn);
	encode(&run, 1, &buf, &len);
	assert_int_equal(viz_file_decode(buf, len, out, 1, &n, "real", err, sizeof err), 0);
	same_run(&run, &out[0]);
	free(buf);
	viz_run_free(&out[0]);
	viz_run_free(&run);
}

/* Hash-only and off traces keep their hash; a truncated trace its lanes. */
static void test_modes_and_truncation(void **state)
{
	struct viz_run run, out[VIZ_MAX_RUNS];
	uint8_t *buf;
	size_t len;
	char err[256];
	int n;

	(void)state;
	for (int mode = AL_TRACE_OFF; mode <= AL_TRACE_RECORD; mode++) {
		small_run(&run);
		struct al_trace *tr = &run.models[0].trace;

		if (mode != AL_TRACE_RECORD) {
			al_trace_free(tr);
			assert_int_equal(al_trace_init(tr, (enum al_trace_mode)mode), 0);
			al_trace_lane(tr, 0, AL_LANE_PROCESS, 0, "sync", 0);
			al_trace_state(tr, 5, 1, AL_ST_RUNNING, 0);
		} else {
			/* storage "ran out": lanes go on, events are only hashed */
			tr->truncated = 1;
			al_trace_lane(tr, 2000, AL_LANE_TASK, 3, "fetch", 2);
			al_trace_state(tr, 2000, 4, AL_ST_RECV, 10);
		}
		encode(&run, 1, &buf, &len);
		assert_int_equal(viz_file_decode(buf, len, out, 1, &n, "m", err, sizeof err), 0);
		assert_int_equal(out[0].models[0].trace.nlanes, mode == AL_TRACE_RECORD ? 5 : 1);
		if (mode == AL_TRACE_RECORD)
			same_trace(tr, &out[0].models[0].trace);
		assert_true(al_trace_hash(tr) == al_trace_hash(&out[0].models[0].trace));
		free(buf);
		viz_run_free(&out[0]);
		viz_run_free(&run);
	}
}

static void test_every_prefix_is_refused(void **state)
{
	uint8_t *buf;
	size_t len;
	char want[64];

	(void)state;
	encode(&small, 1, &buf, &len);
	assert_true(len < 8192);   /* every prefix below is decoded: keep it small */
	refused(buf, 0, "F.alrun: empty");
	for (size_t i = 1; i < len; i++) {
		snprintf(want, sizeof want, i < VIZ_FILE_HEADER ? "truncated at byte %zu, in"
							       : "truncated at byte %zu of %zu",
			 i, len);
		refused(buf, i, want);
	}
	/* a byte too many is no better */
	uint8_t *more = malloc(len + 1);

	memcpy(more, buf, len);
	more[len] = 0;
	refused(more, len + 1, "corrupt");
	free(more);
	free(buf);
}

static void test_every_flipped_byte_is_caught(void **state)
{
	uint8_t *buf;
	size_t len;

	(void)state;
	encode(&small, 1, &buf, &len);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			buf[i] ^= (uint8_t)(1u << bit);
			refused(buf, len, NULL);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	free(buf);
}

/* Rewrites both checksums, as a file crafted to get past them would. */
static void reseal(uint8_t *buf, size_t len)
{
	uint64_t h = viz_checksum(buf, 48);

	for (int k = 0; k < 8; k++)
		buf[48 + k] = (uint8_t)(h >> (8 * k));
	h = viz_checksum(buf, len - 8);
	for (int k = 0; k < 8; k++)
		buf[len - 8 + k] = (uint8_t)(h >> (8 * k));
}

static void test_other_versions_and_builds(void **state)
{
	uint8_t *buf;
	size_t len;
	char want[96];

	(void)state;
	encode(&small, 1, &buf, &len);
	buf[8] = VIZ_FILE_VERSION + 2;
	snprintf(want, sizeof want, "F.alrun: written by run-file format %d, this asynclab "
		 "reads 4 to %d", VIZ_FILE_VERSION + 2, VIZ_FILE_VERSION);
	refused(buf, len, want);
	buf[8] = 3;                            /* before format 4: never readable */
	refused(buf, len, "written by run-file format 3, this asynclab reads 4 to");
	buf[8] = VIZ_FILE_VERSION;
	/* format 5 on keeps no struct al_scenario size: the bytes are 0 */
	buf[16] ^= 8;
	reseal(buf, len);
	refused(buf, len, "F.alrun: corrupt header");
	buf[16] ^= 8;
	/* format 4 did, and it is read only with its own layout's sizes */
	buf[8] = 4;
	reseal(buf, len);
	refused(buf, len, "written by a build whose struct al_scenario has 0 bytes, the "
		"format-4 layout this one reads has 13688");
	buf[8] = VIZ_FILE_VERSION;
	buf[24] = 32;                          /* another struct al_tr_event */
	reseal(buf, len);
	refused(buf, len, "struct al_tr_event has 32 bytes, this one's has 24");
	free(buf);
}

/* What the viewer relies on in any trace a load gives it. */
static void sane(const struct viz_run *run)
{
	assert_true(run->nmodels >= 0 && run->nmodels <= AL_MODEL_COUNT);
	assert_non_null(memchr(run->net, '\0', sizeof run->net));
	for (int m = 0; m < run->nmodels; m++) {
		const struct al_trace *tr = &run->models[m].trace;

		assert_true((unsigned)run->models[m].report.model < AL_MODEL_COUNT);
		assert_true(run->models[m].report.elapsed_ns >= 0 &&
			    run->models[m].report.elapsed_ns <= VIZ_FILE_T_MAX);
		assert_true(tr->nlanes >= 1 && tr->nnames >= 2);
		for (uint32_t l = 1; l < tr->nlanes; l++) {
			assert_true(tr->lanes[l].parent < l);
			assert_true(tr->lanes[l].name < tr->nnames);
		}
		for (size_t i = 0; i < tr->n; i++) {
			const struct al_tr_event *e = &tr->ev[i];

			assert_true(e->lane < tr->nlanes && e->name < tr->nnames);
			assert_true(e->t >= 0 && e->t <= VIZ_FILE_T_MAX);
			assert_true(e->kind != AL_TR_STATE || e->code < AL_ST_COUNT);
			assert_true(e->kind != AL_TR_COUNTER || e->code < AL_CTR_COUNT);
		}
	}
}

/* Past the checksums, the parser is on its own: random damage to the body
 * of a resealed file is refused or read, never a crash, a leak or a huge
 * allocation (the sanitizer build checks the last two). */
static void test_crafted_bodies(void **state)
{
	struct viz_run out[VIZ_MAX_RUNS];
	struct al_rng rng;
	uint8_t *buf, *work;
	size_t len;
	char err[256];
	int n, accepted = 0;

	(void)state;
	encode(&small, 1, &buf, &len);
	work = malloc(len);
	al_rng_seed(&rng, 5);
	for (int round = 0; round < 20000; round++) {
		memcpy(work, buf, len);
		int flips = 1 + (int)al_rng_below(&rng, 4);
		for (int f = 0; f < flips; f++) {
			/* half of them in the trace, past the scenario's kilobyte */
			size_t body = len - VIZ_FILE_HEADER - 8;
			size_t from = al_rng_below(&rng, 2) ? 0 : body * 3 / 4;
			size_t at = VIZ_FILE_HEADER + from + al_rng_below(&rng, body - from);
			work[at] = al_rng_below(&rng, 2) ? (uint8_t)al_rng_next(&rng)
							 : (uint8_t)(work[at] ^ 0x80);
		}
		reseal(work, len);
		if (viz_file_decode(work, len, out, VIZ_MAX_RUNS, &n, "F", err, sizeof err) == 0) {
			accepted++;
			for (int r = 0; r < n; r++) {
				sane(&out[r]);
				viz_run_free(&out[r]);
			}
		} else {
			assert_true(strncmp(err, "F: ", 3) == 0);
		}
	}
	print_message("crafted bodies: %d of 20000 still valid\n", accepted);
	free(work);
	free(buf);
}

/* buf with the bytes at [at, at + drop) replaced by add, its size and
 * checksums rewritten: a well-formed envelope around a crafted body. */
static uint8_t *splice(const uint8_t *buf, size_t len, size_t at, size_t drop,
		       const uint8_t *add, size_t nadd, size_t *outlen)
{
	size_t n = len - drop + nadd;
	uint8_t *out = malloc(n);

	assert_non_null(out);
	memcpy(out, buf, at);
	memcpy(out + at, add, nadd);
	memcpy(out + at + nadd, buf + at + drop, len - at - drop);
	for (int k = 0; k < 8; k++)
		out[40 + k] = (uint8_t)((uint64_t)n >> (8 * k));
	reseal(out, n);
	*outlen = n;
	return out;
}

static size_t find(const uint8_t *buf, size_t len, const void *pat, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, pat, n) == 0)
			return i;
	fail_msg("pattern not found");
	return 0;
}

/* A key/value entry of an integer (viz/viz_kv.h) into p: its length. */
static size_t varint_entry(uint8_t *p, const char *key, int64_t v)
{
	size_t n = strlen(key), at = 0;
	uint64_t u = viz_zigzag(v);

	p[at++] = (uint8_t)n;
	memcpy(p + at, key, n);
	at += n;
	p[at++] = 0;
	for (; u >= 0x80; u >>= 7)
		p[at++] = (uint8_t)(u | 0x80);
	p[at++] = (uint8_t)u;
	return at;
}

/* Times lie in [0, the simulator's horizon]: the writer refuses others,
 * and so does the reader, checksums or not, so the viewer's time
 * arithmetic never overflows on a crafted file. */
static void test_times_out_of_range(void **state)
{
	struct viz_run r, out[VIZ_MAX_RUNS];
	uint8_t *buf, *bad, at_max[32], past[32];
	size_t len, n, k, badlen;
	char err[256];
	void *p;
	int nout;

	(void)state;
	for (int i = 0; i < 2; i++) {
		small_run(&r);
		al_trace_state(&r.models[0].trace, i ? -1 : VIZ_FILE_T_MAX + 1, 1,
			       AL_ST_WAIT, 0);
		assert_int_equal(viz_file_encode(&r, 1, &p, &len, err, sizeof err), -1);
		assert_non_null(strstr(err, "time out of range"));
		viz_run_free(&r);
	}
	small_run(&r);
	r.models[0].report.elapsed_ns = INT64_MAX;
	assert_int_equal(viz_file_encode(&r, 1, &p, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "elapsed time out of range"));
	/* at the horizon: written and read */
	r.models[0].report.elapsed_ns = VIZ_FILE_T_MAX;
	al_trace_state(&r.models[0].trace, VIZ_FILE_T_MAX, 1, AL_ST_WAIT, 0);
	encode(&r, 1, &buf, &len);
	assert_int_equal(viz_file_decode(buf, len, out, VIZ_MAX_RUNS, &nout, "F", err,
					 sizeof err), 0);
	same_run(&r, &out[0]);
	viz_run_free(&out[0]);
	/* one past it, resealed: refused (the report's "elapsed_ns" entry:
	 * its key, the type byte 0, the zigzag varint) */
	n = varint_entry(at_max, "elapsed_ns", VIZ_FILE_T_MAX);
	k = varint_entry(past, "elapsed_ns", VIZ_FILE_T_MAX + 1);
	bad = splice(buf, len, find(buf, len, at_max, n), n, past, k, &badlen);
	refused(bad, badlen, "elapsed time out of range");
	free(bad);
	free(buf);
	viz_run_free(&r);
}

/* Counts that cannot fit in the bytes left are refused before anything is
 * allocated: four billion events, lanes or names in a few bytes. */
static void test_impossible_counts(void **state)
{
	/* the small run's last lane (parent 2, ordinal 1, "fetch", task), then
	 * its 8 events; its names count (5) follows the trace's 18-byte head */
	static const uint8_t last_lane[] = {2, 1, 3, AL_LANE_TASK, 8};
	static const uint8_t huge[] = {0x80, 0x80, 0x80, 0x80, 0x10};
	uint8_t *buf, *bad;
	size_t len, blen;

	(void)state;
	encode(&small, 1, &buf, &len);
	size_t at = find(buf, len, last_lane, sizeof last_lane) + 4;

	bad = splice(buf, len, at, 1, huge, sizeof huge, &blen);
	refused(bad, blen, "bad count of events");
	free(bad);
	/* lanes: 4 of them, after the names "" machine asyncio fetch page */
	static const uint8_t names_end[] = {5, 'f', 'e', 't', 'c', 'h', 4, 'p', 'a', 'g', 'e', 4};

	at = find(buf, len, names_end, sizeof names_end) + sizeof names_end - 1;
	bad = splice(buf, len, at, 1, huge, sizeof huge, &blen);
	refused(bad, blen, "bad count of lanes");
	free(bad);
	/* names: the count sits just before "" (a zero length) and "machine" */
	static const uint8_t names_start[] = {5, 0, 7, 'm', 'a', 'c', 'h'};

	at = find(buf, len, names_start, sizeof names_start);
	bad = splice(buf, len, at, 1, huge, sizeof huge, &blen);
	refused(bad, blen, "bad count of names");
	free(bad);
	free(buf);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void load_refused(const char *path, const char *want)
{
	struct viz_run out[VIZ_MAX_RUNS];
	char err[512];
	int n = -1;

	assert_int_equal(viz_file_load(path, out, VIZ_MAX_RUNS, &n, err, sizeof err), -1);
	assert_int_equal(n, 0);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	if (!strstr(err, want))
		fail_msg("got \"%s\", wanted \"%s\"", err, want);
}

static void test_foreign_files(void **state)
{
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
				      0, 0, 0, 13, 'I', 'H', 'D', 'R'};
	static const uint8_t elf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				      2, 0, 0x3e, 0};
	static const char text[] = "name: seed\nseed: 42\n";
	char path[256];

	(void)state;
	path_of(path, sizeof path, "empty.alrun");
	write_file(path, "", 0);
	load_refused(path, ": empty");
	path_of(path, sizeof path, "image.png");
	write_file(path, png, sizeof png);
	load_refused(path, ": not an asynclab run file");
	path_of(path, sizeof path, "prog.elf");
	write_file(path, elf, sizeof elf);
	load_refused(path, ": not an asynclab run file");
	path_of(path, sizeof path, "seed.yaml");
	write_file(path, text, sizeof text - 1);
	load_refused(path, ": not an asynclab run file");
	path_of(path, sizeof path, "nothing-here.alrun");
	load_refused(path, ": No such file or directory");
	load_refused(dir, ": is a directory");
	load_refused("/dev/null", ": not a regular file");
}

static int temporaries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

static void test_failed_saves_leave_nothing(void **state)
{
	char path[256], err[512];
	struct stat st;

	(void)state;
	/* no such directory */
	path_of(path, sizeof path, "missing/dir/x.alrun");
	assert_int_equal(viz_file_save(NULL, path, &small, 1, err, sizeof err), -1);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_non_null(strstr(err, "No such file or directory"));
	/* a directory where the file should go: the rename fails */
	path_of(path, sizeof path, "adir");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(viz_file_save(NULL, path, &small, 1, err, sizeof err), -1);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_int_equal(temporaries(), 0);
	/* a run that breaks the rules is refused before any file exists */
	struct viz_run bad;

	small_run(&bad);
	al_trace_state(&bad.models[0].trace, 5, 99, AL_ST_RUNNING, 0);
	path_of(path, sizeof path, "bad.alrun");
	assert_int_equal(viz_file_save(NULL, path, &bad, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "lane that does not exist"));
	assert_int_equal(stat(path, &st), -1);
	viz_run_free(&bad);
	/* saving over an existing file replaces it whole */
	path_of(path, sizeof path, "over.alrun");
	write_file(path, "old", 3);
	assert_int_equal(viz_file_save(NULL, path, &small, 1, err, sizeof err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 3);
	assert_int_equal(temporaries(), 0);
}

/* The file stores the structs' fields by name (viz/viz_fields.c): a field
 * added to one of them must get a row in its table too, or runs saved
 * lose it (format 5 needs no version bump for it; files without it read
 * with its default).  A model's keys come from the registry and are
 * stored whatever they are, so the scenario is measured without the
 * models' array.  The sizes below are this ABI's; the cost table, all
 * int64_t, is checked everywhere. */
static void test_tables_follow_the_structs(void **state)
{
	(void)state;
	if (sizeof(struct al_costs) != 65 * sizeof(int64_t))
		fail_msg("struct al_costs changed: add the field to viz/viz_fields.c's costs "
			 "table, then the count here");
#if defined(__x86_64__) && defined(__LP64__)
	size_t sc = sizeof(struct al_scenario) - sizeof(((struct al_scenario *)0)->models);

	if (sc != 14304 || sizeof(struct al_report) != 528 ||
	    sizeof(struct al_tr_event) != 24 || sizeof(struct al_tr_lane) != 12)
		fail_msg("a struct run files store changed size (al_scenario without its models "
			 "%zu, al_report %zu, al_tr_event %zu, al_tr_lane %zu): add the field to "
			 "viz/viz_fields.c, or change viz/viz_file_trace.c and bump "
			 "VIZ_FILE_VERSION, then the sizes here", sc, sizeof(struct al_report),
			 sizeof(struct al_tr_event), sizeof(struct al_tr_lane));
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_model_round_trips),
		cmocka_unit_test(test_two_runs_in_one_file),
		cmocka_unit_test(test_real_run_round_trips),
		cmocka_unit_test(test_modes_and_truncation),
		cmocka_unit_test(test_every_prefix_is_refused),
		cmocka_unit_test(test_every_flipped_byte_is_caught),
		cmocka_unit_test(test_other_versions_and_builds),
		cmocka_unit_test(test_crafted_bodies),
		cmocka_unit_test(test_impossible_counts),
		cmocka_unit_test(test_times_out_of_range),
		cmocka_unit_test(test_foreign_files),
		cmocka_unit_test(test_failed_saves_leave_nothing),
		cmocka_unit_test(test_tables_follow_the_structs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
