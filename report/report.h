/* The output of `asynclab run`: an aligned table for people, one JSON object
 * for programs (README.md, "Usage").  Neither contains wall-clock
 * time or anything else outside the run, so a simulated run prints the same
 * bytes every time. */
#ifndef AL_REPORT_OUT_H
#define AL_REPORT_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/al_report.h"
#include "core/al_scenario.h"

struct net_emu_shared;
struct al_json;

/* One run of several models on one backend.  rows are in enum al_model
 * order, one per model that ran. */
struct al_run_set {
	const struct al_scenario *sc;
	const char *net;                     /* "sim" or "real" */
	const char *target;                  /* real: --target URL, or NULL */
	const char *path;                    /* real: "kernel-tcp", "relay",
						"loopback", "target"; sim: NULL */
	const struct net_emu_shared *emu;    /* kernel-tcp: the emulator's counts */
	int cores;                           /* for CPU busy %; 0: the scenario's */
	struct al_report rows[AL_MODEL_COUNT];
	int nrows;
	unsigned broken;                     /* bits: models whose run errored */
};

/* The scenario's display name: its name, else its path, else "default". */
const char *al_run_set_name(const struct al_run_set *rs);

/* Sets every row's speedup to sync's elapsed / its elapsed when sync is
 * among the rows, both are positive and the row did as many pages as sync
 * (one that did other work has nothing to compare), else to 0 ("not
 * available"). */
void al_run_set_speedups(struct al_run_set *rs);

/* The run's trace hash: FNV-1a 64 over, for each row in order, the model's
 * number (one byte) then its trace_hash (8 bytes, little-endian).  0 when
 * every row's hash is 0 (the trace was off). */
uint64_t al_run_set_trace_hash(const struct al_run_set *rs);

/* True when any row has a failed page. */
bool al_run_set_failed(const struct al_run_set *rs);

/* Prints the table, its footnotes and the CPU time view line.  bold: the
 * header in bold (for a colour terminal). */
void al_report_table(FILE *out, const struct al_run_set *rs, bool bold);
/* The same, the table in Markdown when markdown (--markdown). */
void al_report_table_as(FILE *out, const struct al_run_set *rs, bool bold, bool markdown);
/* `--csv`: a header line, then one line per row: scenario, seed, net,
 * model and every figure of the JSON by its name (the latency's as
 * connect_p50_ns ... total_max_ns); RFC 4180 quoting. */
void al_report_csv(FILE *out, const struct al_run_set *rs, bool header);
/* The figures' part of it: their names (elapsed_ns,...,total_max_ns), and
 * one report's values, no newline (sweep's CSV puts its columns first). */
void al_report_csv_names(FILE *out);
/* One CSV field, RFC 4180: a field with a comma, a quote or a line break
 * is quoted, its quotes doubled. */
void al_csv_str(FILE *out, const char *s);
void al_report_csv_figures(FILE *out, const struct al_report *r);

/* Prints DESIGN.md's object: {"scenario", "seed", "net", "trace_hash",
 * "models": [...]}; speedup with 4 decimals, or null when not available;
 * checksum and hashes as 16-digit hex strings; "failures" lists only the
 * causes that occurred, in enum order. */
void al_report_json(FILE *out, const struct al_run_set *rs);
/* One element of "models" (real: with the real run's extras), for the
 * outputs that nest rows elsewhere (sweep). */
void al_report_json_row(struct al_json *j, const struct al_report *r, bool real);
/* `--net both`: {"sim": RUN, "real": RUN}, each RUN the object above. */
void al_report_json_both(FILE *out, const struct al_run_set *sim,
			 const struct al_run_set *real);
/* `--net both`: one row per model that ran on both, the sim's prediction
 * next to the measure for elapsed, CPU and context switches, with the
 * prediction's error in % of the measure; then each side's failures. */
void al_report_compare(FILE *out, const struct al_run_set *sim,
		       const struct al_run_set *real, bool bold);
/* `--latency`: per model, the ok pages' connect, time to first byte and
 * total, p50 p90 p99 max (core/al_latency.h); side names the backend
 * ("sim", "real") in --net both's two tables, else NULL. */
void al_report_latency(FILE *out, const struct al_run_set *rs, const char *side, bool bold,
			bool markdown);
/* Writes the names of the models in the bit set, comma-separated. */
void al_report_model_list(FILE *out, unsigned bits);

#endif
