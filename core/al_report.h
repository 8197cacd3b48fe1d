/* What one model's run measured: one row of the report, one element of the
 * `models` array of the JSON output (README.md, "Usage").  The
 * same struct for sim and real; a backend fills what it measured. */
#ifndef AL_REPORT_H
#define AL_REPORT_H

#include <stdint.h>

#include "core/al_latency.h"
#include "core/al_scenario.h"

/* Why a page failed; each failed page counts under exactly one cause. */
enum al_cause {
	AL_CAUSE_REFUSED,     /* ECONNREFUSED            */
	AL_CAUSE_RESET,       /* ECONNRESET, EPIPE       */
	AL_CAUSE_TIMEOUT,     /* ETIMEDOUT               */
	AL_CAUSE_EMFILE,      /* fd table full           */
	AL_CAUSE_NOMEM,       /* ENOMEM                  */
	AL_CAUSE_SPAWN,       /* EAGAIN from thread/fork */
	AL_CAUSE_FDSETSIZE,   /* select: fd >= 1024      */
	AL_CAUSE_CORRUPT,     /* short or corrupt body   */
	AL_CAUSE_CANCELLED,   /* ECANCELED               */
	AL_CAUSE_UNREACHABLE, /* ENETUNREACH: link down  */
	AL_CAUSE_STATUS,      /* EPROTO: not 200 OK      */
	AL_CAUSE_DIED,        /* EOWNERDEAD: a process of the run died (a
	                       * worker; a real run's server, link or
	                       * emulator): not the network's doing */
	AL_CAUSE_OTHER,
	AL_CAUSE_COUNT
};

struct al_report {
	enum al_model model;
	int64_t elapsed_ns;
	double speedup;              /* sync's elapsed / this elapsed; 0: n/a */
	int64_t pages_ok;
	int64_t pages_failed;
	int64_t failures[AL_CAUSE_COUNT];
	int64_t bytes;
	uint64_t checksum;           /* order-independent over every ok page */
	int64_t cpu_busy_ns;
	int64_t context_switches;
	int64_t syscalls;
	int64_t futile_syscalls;     /* returned EAGAIN / EINPROGRESS        */
	int64_t peak_memory_bytes;
	int64_t peak_concurrency;    /* pages in flight at once              */
	uint64_t events;             /* simulated events; 0 for real runs    */
	uint64_t trace_hash;         /* of this model's trace; 0 if off      */
	int64_t retransmits;         /* real: segments the kernel resent on the
	                                crawler's sockets (TCP_INFO); sim: 0 */
	struct al_latency latency;   /* the ok pages' connect, ttfb, total */
};

/* The cause for an errno value (positive). */
enum al_cause al_cause_from_errno(int err);
/* The cause's name as printed in reports and JSON ("refused", ...). */
const char *al_cause_name(enum al_cause c);

#endif
