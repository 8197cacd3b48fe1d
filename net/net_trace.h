/* A real run's trace, recorded by every thread and every forked worker of
 * the model into one log in shared memory, then replayed, in time order,
 * into a core/al_trace: the simulator's schema with real timestamps
 * (CLOCK_MONOTONIC ns since the run began).
 *
 * Appending is a relaxed atomic increment and a store, from any thread or
 * process that shares the mapping; nothing is read until every writer is
 * done (joined, reaped).  A log that fills up drops what comes after and
 * says so (the replayed trace is marked truncated).
 *
 * Labels are kept as pointers: they must be string literals (model and
 * task names), which a forked child shares with its parent. */
#ifndef NET_TRACE_H
#define NET_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/al_trace.h"

struct net_trace;

/* A log for up to max records, shared with children forked after this
 * call (MAP_SHARED; pages are touched only as records come).  NULL and
 * errno on failure. */
struct net_trace *net_trace_new(size_t max);
void net_trace_free(struct net_trace *log);

/* A new lane (ids count up from 1, unique across threads and processes);
 * 0 when log is NULL or full. */
uint32_t net_trace_lane(struct net_trace *log, int64_t t, enum al_lane_kind kind,
			uint32_t parent, const char *label, uint32_t ordinal);
/* From t on, lane is in state st (bytes: what it moved, or 0).  Nothing
 * for lane 0 or a NULL log. */
void net_trace_state(struct net_trace *log, int64_t t, uint32_t lane, enum al_state st,
		     int64_t bytes);
void net_trace_counter(struct net_trace *log, int64_t t, enum al_counter c, int64_t value);
/* A point on lane: what (a string that outlives the log), and a value. */
void net_trace_instant(struct net_trace *log, int64_t t, uint32_t lane, const char *what,
		       int64_t value);

/* Records in the log so far, and whether some were dropped. */
size_t net_trace_count(const struct net_trace *log, int *dropped);

/* Replays the log into tr (initialised by the caller, any mode) in time
 * order (records of one instant in the order they were appended), lane ids
 * renumbered in creation order as al_trace_lane gives them.  0, or -1 with
 * errno ENOMEM. */
int net_trace_replay(const struct net_trace *log, struct al_trace *tr);

#endif
