/* Run files: `run --save FILE` writes one or more runs (struct viz_run: the
 * simulator's, a real one, or both) with their scenario, report rows and
 * traces; `asynclab view FILE` reads them back.  docs/viz-file.md has the
 * same description with the reasons.
 *
 * Format 6, little-endian throughout:
 *
 *   header, 56 bytes
 *     0  8  magic 89 41 4c 52 0d 0a 1a 0a ("\x89ALR\r\n\x1a\n": not text,
 *           not PNG, not ELF; the CR LF and ^Z catch text-mode copies)
 *     8  4  format version (6); this offset never moves
 *    12  4  header size (56)
 *    16  4  0 (format 4: sizeof(struct al_scenario) of the writer's build)
 *    20  4  0 (format 4: sizeof(struct al_report))
 *    24  4  sizeof(struct al_tr_event)
 *    28  4  sizeof(struct al_tr_lane)
 *    32  4  number of runs
 *    36  4  reserved (0)
 *    40  8  size of the whole file, this header and the checksum included
 *    48  8  checksum of bytes 0..47 (viz_checksum)
 *   per run
 *     str net ("sim", "real"), u32 cores, the scenario, u32 models,
 *     per model: str its name, the report, then the trace
 *   u64 checksum (viz_checksum) of every byte before it
 *
 * The scenario and each report are key/value blocks (viz_kv.h): every
 * field under its name ("machine.costs.syscall_ns", "models.thread.workers"),
 * so that a field or a model added since a file was written leaves it
 * readable (what it lacks reads as this build's default; what this build
 * does not know is skipped; a report of a model it lacks is refused).  A
 * trace is: u8 mode, u8 truncated, u64 hash state, u64 events hashed; the
 * names (a varint count, then each string, in interning order); the lanes
 * (a varint count, then per lane varint parent, varint ordinal, varint
 * name, u8 kind); the events (a varint count, then per event a tag byte --
 * bits 0-1 kind, bit 2 "value follows", bit 3 "name follows", bits 4-7 the
 * code, 15 meaning "the code follows in a byte" -- then the time since the
 * previous event as a zigzag varint, the lane as a varint, the value as a
 * zigzag varint and the name as a varint when their bits say so).
 *
 * Format 5 differs in the traces' hash state only: that of the hash before
 * format 6 (xor, multiply, shift a word), which the reader checks the
 * events against.  Format 4 differs from 5 in the scenario and the reports
 * only: every field by position (viz_fields_v4.c, frozen), the model by
 * number; it is read when its header's struct sizes are those of that
 * layout.  Other versions, and
 * traces of another build's sizes, are refused, never reinterpreted. */
#ifndef VIZ_FILE_H
#define VIZ_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "viz/viz_run.h"

#define VIZ_FILE_VERSION 6
/* The struct sizes format 4's header holds in the files this build reads
 * (x86-64; viz_fields_v4.c has the layout). */
#define VIZ_FILE_V4_SCENARIO 13688
#define VIZ_FILE_V4_REPORT 528
#define VIZ_FILE_HEADER 56
/* Interned names per trace (labels and instants: a handful in practice).
 * The bound keeps a crafted file from making the rebuild quadratic. */
#define VIZ_FILE_MAX_NAMES 256
/* Times (events, a model's elapsed) lie in [0, VIZ_FILE_T_MAX]: the
 * simulator's horizon, a quarter of int64's range, so the viewer's time
 * arithmetic (margins, widths, differences) cannot overflow. */
#define VIZ_FILE_T_MAX (INT64_MAX / 4)

/* Encodes runs[0..nruns) into *buf (malloc'd, the caller frees it) of *len
 * bytes.  0, or -1 with err = one line saying what cannot be stored (an
 * event on a lane that does not exist, a state out of range, too many
 * names...) or "out of memory". */
int viz_file_encode(const struct viz_run *runs, int nruns, void **buf, size_t *len,
		    char *err, size_t errlen);

/* Decodes a run file held in memory into runs[0..*nruns), at most max.
 * name stands for the file in messages.  Every trace is rebuilt through
 * the al_trace API in RECORD mode (or the mode it was saved in) and ends
 * identical to the saved one: the same names, lanes, events and hash.  0;
 * or -1 with err = "NAME: what is wrong" (one line: empty, not a run file,
 * truncated at byte N of M, another format version or build, checksum
 * mismatch, corrupt at byte N, out of memory), *nruns = 0 and nothing to
 * free.  Counts are checked against the bytes left before anything is
 * allocated, so memory use stays proportional to len. */
int viz_file_decode(const void *buf, size_t len, struct viz_run *runs, int max, int *nruns,
		    const char *name, char *err, size_t errlen);

/* Writes runs to path whole or not at all (core/al_write.h), at once with
 * set NULL, else staged in set: 0, or -1 with err = "PATH: ..." and
 * nothing left behind. */
struct al_write_set;
int viz_file_save(struct al_write_set *set, const char *path, const struct viz_run *runs,
		  int nruns, char *err, size_t errlen);

/* Reads a run file: 0, or -1 with err = "PATH: ..." (the decoder's
 * messages, or why the file cannot be read: missing, a directory, not a
 * regular file). */
/* 1 if the file at path begins like a run file (its magic, or the start
 * of it in a file cut shorter), else 0: what `view PATH` uses to tell a
 * saved run from a scenario. */
int viz_file_is_run(const char *path);

int viz_file_load(const char *path, struct viz_run *runs, int max, int *nruns, char *err,
		  size_t errlen);

#endif
