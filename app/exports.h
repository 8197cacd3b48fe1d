/* The report in the forms `run` exports (docs/exports.md): on stdout the
 * table (aligned, or Markdown with --markdown), the JSON (--json) or the
 * CSV (--csv -); in files the JSON (--json=FILE) and the CSV (--csv FILE),
 * each written whole or not at all (core/al_write.h). */
#ifndef AL_EXPORTS_H
#define AL_EXPORTS_H

#include <stdbool.h>

#include "app/cli.h"
#include "report/report.h"

/* What goes on stdout for one run set: the JSON, the CSV, or the table
 * (then the --latency table). */
void al_exports_print(const struct al_cli *cli, const struct al_run_set *rs, bool bold);

/* Writes --json=FILE and --csv FILE of a run (b NULL), or of --net both's
 * two (a the simulation, b the real run: the JSON {"sim", "real"}, the CSV
 * both's rows).  0, or 1 / 2 when a file could not or must not be written
 * (said on stderr). */
int al_exports_write(const struct al_cli *cli, const struct al_run_set *a,
		     const struct al_run_set *b);

/* Options that cannot go together: two things on stdout, --markdown with
 * what is not a table.  0, or 2 after saying why. */
int al_exports_check(const struct al_cli *cli);

#endif
