/* The run report: the table and the JSON object.  Both read only the rows
 * and the scenario, never the clock, so identical runs print identical
 * bytes; the table rounds for reading, the JSON keeps the integers. */
#include "report/report.h"

#include <string.h>

#include "report/json.h"
#include "report/table.h"
#include "report/timeview.h"
#include "net/net_emu.h"
#include "core/al_units.h"

const char *al_run_set_name(const struct al_run_set *rs)
{
	if (rs->sc->name[0])
		return rs->sc->name;
	if (rs->sc->path[0])
		return rs->sc->path;
	return "default";
}

void al_run_set_speedups(struct al_run_set *rs)
{
	int64_t base = 0, base_ok = 0;

	for (int i = 0; i < rs->nrows; i++)
		if (rs->rows[i].model == AL_MODEL_SYNC) {
			base = rs->rows[i].elapsed_ns;
			base_ok = rs->rows[i].pages_ok;
		}
	for (int i = 0; i < rs->nrows; i++) {
		struct al_report *r = &rs->rows[i];

		/* a speed-up compares the same work: as many pages done as sync */
		r->speedup = base > 0 && r->elapsed_ns > 0 && r->pages_ok > 0 &&
			     r->pages_ok == base_ok ? (double)base / (double)r->elapsed_ns : 0;
	}
}

uint64_t al_run_set_trace_hash(const struct al_run_set *rs)
{
	uint64_t h = 0xcbf29ce484222325u;
	bool any = false;

	for (int i = 0; i < rs->nrows; i++) {
		uint64_t t = rs->rows[i].trace_hash;
		unsigned char b[9];

		any |= t != 0;
		b[0] = (unsigned char)rs->rows[i].model;
		for (int k = 0; k < 8; k++)
			b[1 + k] = (unsigned char)(t >> (8 * k));
		for (int k = 0; k < 9; k++) {
			h ^= b[k];
			h *= 0x100000001b3u;
		}
	}
	return any ? h : 0;
}

bool al_run_set_failed(const struct al_run_set *rs)
{
	for (int i = 0; i < rs->nrows; i++)
		if (rs->rows[i].pages_failed > 0)
			return true;
	return false;
}

/* --- table */

void al_report_model_list(FILE *out, unsigned bits)
{
	const char *sep = "";

	for (int m = 0; m < AL_MODEL_COUNT; m++)
		if (bits & (1u << m)) {
			fprintf(out, "%s%s", sep, al_model_name((enum al_model)m));
			sep = ", ";
		}
}

static void add_row(struct al_table *t, const struct al_report *r, int cores)
{
	char a[AL_FMT_LEN], b[AL_FMT_LEN];
	double busy;

	al_table_cell(t, "%s", al_model_name(r->model));
	al_fmt_duration(a, sizeof a, r->elapsed_ns);
	al_table_cell(t, "%s", a);
	if (r->speedup > 0)
		al_table_cell(t, "%.1f×", r->speedup);
	else
		al_table_cell(t, "—");
	al_fmt_count(a, sizeof a, r->pages_ok);
	al_fmt_count(b, sizeof b, r->pages_failed);
	al_table_cell(t, "%s / %s", a, b);
	if (r->elapsed_ns > 0 && cores > 0) {
		busy = 100.0 * (double)r->cpu_busy_ns /
		       ((double)r->elapsed_ns * cores);
		al_table_cell(t, "%.1f %%", busy);
	} else {
		al_table_cell(t, "—");
	}
	al_fmt_count(a, sizeof a, r->context_switches);
	al_table_cell(t, "%s", a);
	al_fmt_count(a, sizeof a, r->syscalls);
	al_fmt_count(b, sizeof b, r->futile_syscalls);
	al_table_cell(t, "%s (%s)", a, b);
	al_fmt_bytes(a, sizeof a, r->peak_memory_bytes);
	al_table_cell(t, "%s", a);
	al_fmt_count(a, sizeof a, r->peak_concurrency);
	al_table_cell(t, "%s", a);
}

/* side: "" or the backend's name and a space, for sim against real */
static void failures(FILE *out, const struct al_run_set *rs, const char *side)
{
	for (int i = 0; i < rs->nrows; i++) {
		const struct al_report *r = &rs->rows[i];
		const char *sep = "";

		if (r->pages_failed == 0)
			continue;
		fprintf(out, "  failed pages, %s%s: ", side, al_model_name(r->model));
		for (int c = 0; c < AL_CAUSE_COUNT; c++)
			if (r->failures[c]) {
				char n[AL_FMT_LEN];
				al_fmt_count(n, sizeof n, r->failures[c]);
				fprintf(out, "%s%s %s", sep, n, al_cause_name((enum al_cause)c));
				sep = ", ";
			}
		fputc('\n', out);
	}
}

/* Each model's rate: its ok pages over its elapsed time -- connections
 * per second, a page being one connection (C10M's second figure). */
static void rates(FILE *out, const struct al_run_set *rs)
{
	const char *sep = "  connections/s: ";

	for (int i = 0; i < rs->nrows; i++) {
		const struct al_report *r = &rs->rows[i];
		double v;

		if (r->pages_ok <= 0 || r->elapsed_ns <= 0)
			continue;
		v = (double)r->pages_ok * 1e9 / (double)r->elapsed_ns;
		if (v < 100) {
			fprintf(out, "%s%s %.1f", sep, al_model_name(r->model), v);
		} else {
			char n[AL_FMT_LEN];
			al_fmt_count(n, sizeof n, (int64_t)(v + 0.5));
			fprintf(out, "%s%s %s", sep, al_model_name(r->model), n);
		}
		sep = ", ";
	}
	if (sep[0] == ',')
		fputc('\n', out);
}

/* The article's section 2.1 applied to this run: the slowest model's
 * elapsed time as the CPU would feel it. */
static void time_view(FILE *out, const struct al_run_set *rs)
{
	const struct al_report *slow = NULL;
	char real[AL_FMT_LEN], felt[64];
	double ghz = (double)rs->sc->machine.hz / 1e9;

	for (int i = 0; i < rs->nrows; i++)
		if (!slow || rs->rows[i].elapsed_ns > slow->elapsed_ns)
			slow = &rs->rows[i];
	if (!slow || slow->elapsed_ns <= 0 || ghz <= 0)
		return;
	al_fmt_duration(real, sizeof real, slow->elapsed_ns);
	al_timeview_fmt_scaled(felt, sizeof felt,
			       al_timeview_scale((double)slow->elapsed_ns, ghz));
	fprintf(out, "  CPU time view: at %g GHz, %s's %s is like %s if one "
		"cycle took one second.\n", ghz, al_model_name(slow->model),
		real, felt);
}

void al_report_table(FILE *out, const struct al_run_set *rs, bool bold)
{
	al_report_table_as(out, rs, bold, false);
}

void al_report_table_as(FILE *out, const struct al_run_set *rs, bool bold, bool markdown)
{
	const struct al_scenario *sc = rs->sc;
	struct al_table t;
	char pages[AL_FMT_LEN];

	al_fmt_count(pages, sizeof pages, sc->workload.pages);
	fprintf(out, "asynclab run: scenario %s, seed %llu, %s%s%s%s%s, %s pages\n\n",
		al_run_set_name(rs), (unsigned long long)sc->seed, rs->net,
		rs->path && !rs->target ? " over " : "", rs->path && !rs->target ? rs->path : "",
		rs->target ? " " : "", rs->target ? rs->target : "", pages);
	if (rs->nrows > 0) {
		al_table_init(&t, 9, "lrrrrrrrr");
		al_table_cell(&t, "model");
		al_table_cell(&t, "elapsed");
		al_table_cell(&t, "speed-up");
		al_table_cell(&t, "pages ok/failed");
		al_table_cell(&t, "CPU busy");
		al_table_cell(&t, "ctx switches");
		al_table_cell(&t, "syscalls (futile)");
		al_table_cell(&t, "peak memory");
		al_table_cell(&t, "peak conc.");
		for (int i = 0; i < rs->nrows; i++)
			add_row(&t, &rs->rows[i], rs->cores > 0 ? rs->cores : sc->machine.cores);
		if (markdown)
			al_table_print_markdown(&t, out);
		else
			al_table_print(&t, out, 2, bold);
		fputc('\n', out);
	}
	failures(out, rs, "");
	if (rs->broken) {
		fputs("  could not run (see the messages above): ", out);
		al_report_model_list(out, rs->broken);
		fputc('\n', out);
	}
	rates(out, rs);
	time_view(out, rs);
}

/* --- sim against real */

static const struct al_report *row_of(const struct al_run_set *rs, enum al_model m)
{
	for (int i = 0; i < rs->nrows; i++)
		if (rs->rows[i].model == m)
			return &rs->rows[i];
	return NULL;
}

/* The prediction's error against the measure, "+3.1 %"; "—" when there is
 * nothing to compare with. */
static void error_cell(struct al_table *t, int64_t predicted, int64_t measured)
{
	if (measured <= 0)
		al_table_cell(t, "—");
	else
		al_table_cell(t, "%+.1f %%", 100.0 * (double)(predicted - measured) / (double)measured);
}

void al_report_compare(FILE *out, const struct al_run_set *sim, const struct al_run_set *real,
		       bool bold)
{
	struct al_table t;
	char a[AL_FMT_LEN], b[AL_FMT_LEN], pages[AL_FMT_LEN];

	al_fmt_count(pages, sizeof pages, sim->sc->workload.pages);
	fprintf(out, "asynclab run: scenario %s, seed %llu, sim against real%s%s, %s pages\n\n",
		al_run_set_name(sim), (unsigned long long)sim->sc->seed,
		real->path ? " over " : "", real->path ? real->path : "", pages);
	al_table_init(&t, 11, "lrrrrrrrrrr");
	al_table_cell(&t, "model");
	al_table_cell(&t, "pages ok");
	al_table_cell(&t, "elapsed sim");
	al_table_cell(&t, "real");
	al_table_cell(&t, "error");
	al_table_cell(&t, "CPU sim");
	al_table_cell(&t, "real");
	al_table_cell(&t, "error");
	al_table_cell(&t, "ctx sw sim");
	al_table_cell(&t, "real");
	al_table_cell(&t, "error");
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		const struct al_report *p = row_of(sim, (enum al_model)m);
		const struct al_report *r = row_of(real, (enum al_model)m);
		if (!p || !r)
			continue;
		al_table_cell(&t, "%s", al_model_name((enum al_model)m));
		al_fmt_count(a, sizeof a, p->pages_ok);
		al_fmt_count(b, sizeof b, r->pages_ok);
		al_table_cell(&t, "%s / %s", a, b);
		al_fmt_duration(a, sizeof a, p->elapsed_ns);
		al_fmt_duration(b, sizeof b, r->elapsed_ns);
		al_table_cell(&t, "%s", a);
		al_table_cell(&t, "%s", b);
		error_cell(&t, p->elapsed_ns, r->elapsed_ns);
		al_fmt_duration(a, sizeof a, p->cpu_busy_ns);
		al_fmt_duration(b, sizeof b, r->cpu_busy_ns);
		al_table_cell(&t, "%s", a);
		al_table_cell(&t, "%s", b);
		error_cell(&t, p->cpu_busy_ns, r->cpu_busy_ns);
		al_fmt_count(a, sizeof a, p->context_switches);
		al_fmt_count(b, sizeof b, r->context_switches);
		al_table_cell(&t, "%s", a);
		al_table_cell(&t, "%s", b);
		error_cell(&t, p->context_switches, r->context_switches);
	}
	al_table_print(&t, out, 2, bold);
	fputc('\n', out);
	failures(out, sim, "sim ");
	failures(out, real, "real ");
	if (sim->broken | real->broken) {
		fputs("  could not run (see the messages above): ", out);
		al_report_model_list(out, sim->broken | real->broken);
		fputc('\n', out);
	}
}

/* --- JSON */

/* "latency": {"pages", "connect": {"p50_ns", ...}, "ttfb", "total"}. */
static void json_latency(struct al_json *j, const struct al_latency *l)
{
	static const char *const kinds[AL_LAT_KINDS] = {"connect", "ttfb", "total"};

	al_json_key(j, "latency");
	al_json_begin_object(j);
	al_json_key(j, "pages");
	al_json_i64(j, l->pages);
	for (int k = 0; k < AL_LAT_KINDS; k++) {
		al_json_key(j, kinds[k]);
		al_json_begin_object(j);
		al_json_key(j, "p50_ns");
		al_json_i64(j, l->of[k].p50_ns);
		al_json_key(j, "p90_ns");
		al_json_i64(j, l->of[k].p90_ns);
		al_json_key(j, "p99_ns");
		al_json_i64(j, l->of[k].p99_ns);
		al_json_key(j, "max_ns");
		al_json_i64(j, l->of[k].max_ns);
		al_json_end_object(j);
	}
	al_json_end_object(j);
}

void al_report_json_row(struct al_json *j, const struct al_report *r, bool real)
{
	al_json_begin_object(j);
	al_json_key(j, "model");
	al_json_str(j, al_model_name(r->model));
	al_json_key(j, "elapsed_ns");
	al_json_i64(j, r->elapsed_ns);
	al_json_key(j, "speedup");
	if (r->speedup > 0)
		al_json_fixed(j, r->speedup, 4);
	else
		al_json_null(j);
	al_json_key(j, "pages_ok");
	al_json_i64(j, r->pages_ok);
	al_json_key(j, "pages_failed");
	al_json_i64(j, r->pages_failed);
	al_json_key(j, "failures");
	al_json_begin_object(j);
	for (int c = 0; c < AL_CAUSE_COUNT; c++)
		if (r->failures[c]) {
			al_json_key(j, al_cause_name((enum al_cause)c));
			al_json_i64(j, r->failures[c]);
		}
	al_json_end_object(j);
	al_json_key(j, "bytes");
	al_json_i64(j, r->bytes);
	al_json_key(j, "checksum");
	al_json_hex64(j, r->checksum);
	al_json_key(j, "cpu_busy_ns");
	al_json_i64(j, r->cpu_busy_ns);
	al_json_key(j, "context_switches");
	al_json_i64(j, r->context_switches);
	al_json_key(j, "syscalls");
	al_json_i64(j, r->syscalls);
	al_json_key(j, "futile_syscalls");
	al_json_i64(j, r->futile_syscalls);
	al_json_key(j, "peak_memory_bytes");
	al_json_i64(j, r->peak_memory_bytes);
	al_json_key(j, "peak_concurrency");
	al_json_i64(j, r->peak_concurrency);
	al_json_key(j, "events");
	al_json_u64(j, r->events);
	json_latency(j, &r->latency);
	/* what the kernel resent on the crawler's sockets (TCP_INFO) */
	if (real) {
		al_json_key(j, "retransmits");
		al_json_i64(j, r->retransmits);
	}
	al_json_end_object(j);
}

/* The kernel-TCP path's emulator: packets each way, what the network took
 * (random loss, the full queue's drops), and the emulator's own CPU. */
static void json_emu(struct al_json *j, const struct net_emu_shared *e)
{
	const struct net_emu_stats *d[2] = {&e->up, &e->down};
	const char *name[2] = {"up", "down"};

	al_json_key(j, "emulator");
	al_json_begin_object(j);
	for (int i = 0; i < 2; i++) {
		al_json_key(j, name[i]);
		al_json_begin_object(j);
		al_json_key(j, "packets");
		al_json_i64(j, d[i]->in);
		al_json_key(j, "bytes");    /* delivered: what the copies pay for */
		al_json_i64(j, d[i]->bytes_out);
		al_json_key(j, "lost");
		al_json_i64(j, d[i]->lost);
		al_json_key(j, "dropped");
		al_json_i64(j, d[i]->dropped);
		al_json_key(j, "peak_queued");
		al_json_i64(j, d[i]->peak_queued);
		al_json_end_object(j);
	}
	al_json_key(j, "device_drops");
	al_json_begin_object(j);
	al_json_key(j, "client_tx");
	al_json_i64(j, e->dev_tx_dropped[0]);
	al_json_key(j, "server_tx");
	al_json_i64(j, e->dev_tx_dropped[1]);
	al_json_key(j, "client_rx");
	al_json_i64(j, e->dev_rx_dropped[0]);
	al_json_key(j, "server_rx");
	al_json_i64(j, e->dev_rx_dropped[1]);
	al_json_end_object(j);
	/* loss page by page (net/net_emu_flow.h): the simulator's own kinds */
	static const char *const kind[NET_EMU_KINDS] = {
		"other", "syn", "synack", "request", "segment", "retransmit",
	};
	al_json_key(j, "lost_by");
	al_json_begin_object(j);
	for (int k = NET_EMU_SYN; k < NET_EMU_KINDS; k++) {
		al_json_key(j, kind[k]);
		al_json_i64(j, e->lost_by[k]);
	}
	al_json_end_object(j);
	al_json_key(j, "cpu_ns");
	al_json_i64(j, e->cpu_ns);
	/* the namespaces' set-up's share of cpu_ns, and the passes of the
	 * loop: what a packet costs apart from its wake-up (docs/costs.md) */
	al_json_key(j, "setup_cpu_ns");
	al_json_i64(j, e->cpu_start_ns);
	al_json_key(j, "wakeups");
	al_json_i64(j, e->wakeups);
	al_json_end_object(j);
}

static void json_run(struct al_json *j, const struct al_run_set *rs)
{
	al_json_begin_object(j);
	al_json_key(j, "scenario");
	al_json_str(j, al_run_set_name(rs));
	al_json_key(j, "seed");
	al_json_u64(j, rs->sc->seed);
	/* the same, exact where a reader's numbers are doubles (JavaScript,
	 * jq): they round integers above 2^53 */
	char seed[24];
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)rs->sc->seed);
	al_json_key(j, "seed_str");
	al_json_str(j, seed);
	al_json_key(j, "net");
	al_json_str(j, rs->net);
	if (rs->target) {
		al_json_key(j, "target");
		al_json_str(j, rs->target);
	}
	if (rs->path) {
		al_json_key(j, "path");
		al_json_str(j, rs->path);
	}
	if (rs->emu)
		json_emu(j, rs->emu);
	al_json_key(j, "trace_hash");
	al_json_hex64(j, al_run_set_trace_hash(rs));
	al_json_key(j, "models");
	al_json_begin_array(j);
	for (int i = 0; i < rs->nrows; i++)
		al_report_json_row(j, &rs->rows[i], rs->path != NULL);
	al_json_end_array(j);
	al_json_end_object(j);
}

void al_report_json(FILE *out, const struct al_run_set *rs)
{
	struct al_json j;

	al_json_init(&j, out);
	json_run(&j, rs);
	al_json_finish(&j);
}

void al_report_json_both(FILE *out, const struct al_run_set *sim, const struct al_run_set *real)
{
	struct al_json j;

	al_json_init(&j, out);
	al_json_begin_object(&j);
	al_json_key(&j, "sim");
	json_run(&j, sim);
	al_json_key(&j, "real");
	json_run(&j, real);
	al_json_end_object(&j);
	al_json_finish(&j);
}

