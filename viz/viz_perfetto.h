/* Chrome Trace Event JSON of runs (`run --trace FILE.json`), for
 * ui.perfetto.dev and chrome://tracing.
 *
 * The object form {"traceEvents": [...], "displayTimeUnit": "ns",
 * "otherData": {...}}, one event a line:
 *
 * - a process (pid) per run and model: pid = 1 + run * AL_MODEL_COUNT +
 *   model, named "sim · asyncio", "real · thread" (process_name), ordered
 *   by process_sort_index;
 * - a thread (tid) per lane, tids unique in the file (1000 and up, the
 *   lanes of one model consecutive) and numbered in the lanes' tree order
 *   -- lane 0 ("machine") first, then each process, its threads, their
 *   tasks -- which thread_sort_index repeats (Perfetto's importer reads
 *   names but not sort indexes, and orders threads by tid); thread_name is
 *   the lane's label and ordinal ("fetch #12"), and a lane that is its
 *   parent's own thread or task is named after it ("worker #3 / thread",
 *   "sync / thread / task #1");
 * - running, runnable, spin, switch and create as complete events ("X",
 *   cat "state"); they follow one another on their lane, so they never
 *   overlap;
 * - connect, send, recv and wait as async "b"/"e" pairs (cat "wait", an id
 *   per span unique in the file, on the lane's tid), so a viewer that
 *   stacks waits never breaks the nesting of the X events;
 * - a state lasts until the lane's next state; done ends the lane, and a
 *   lane that never says done runs to the end of its model;
 * - lane 0's counters as "C" events on the model's process: runnable
 *   {threads}, sockets {open}, memory {bytes};
 * - instants as "i" events on their lane (cat "instant");
 * - ts and dur in microseconds with exactly three decimals, and the exact
 *   nanoseconds in args: {"ns": start, "dur_ns": length, "bytes": n when
 *   nonzero} on X and b events.
 *
 * Strings are escaped (quote, backslash, control characters); valid UTF-8
 * passes through and any byte that is not becomes U+FFFD, so the file is
 * valid JSON whatever a label holds. */
#ifndef VIZ_PERFETTO_H
#define VIZ_PERFETTO_H

#include <stddef.h>
#include <stdio.h>

#include "viz/viz_run.h"

#define VIZ_PERFETTO_TID0 1000      /* the first lane's tid */

/* Writes runs[0..nruns) to out.  0, or -1 on a write error (ferror(out))
 * or when memory runs out (errno ENOMEM). */
int viz_perfetto_write(FILE *out, const struct viz_run *runs, int nruns);

/* Writes the export to path whole or not at all (core/al_write.h), at
 * once with set NULL, else staged in set: 0, or -1 with err = "PATH: ..."
 * and nothing left behind. */
struct al_write_set;
int viz_perfetto_save(struct al_write_set *set, const char *path, const struct viz_run *runs,
		      int nruns, char *err, size_t errlen);

#endif
