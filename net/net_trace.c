/* The shared trace log: see net_trace.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "net/net_trace.h"

/* One record, 40 bytes: a lane's creation (kind AL_TR_LANE: lane is its
 * id, aux its parent) or an event on a lane. */
struct rec {
	int64_t t;
	int64_t value;
	const char *label;
	uint32_t lane;
	uint32_t aux;
	uint32_t ordinal;
	uint8_t kind;                /* enum al_tr_kind */
	uint8_t code;                /* state, counter or lane kind */
	uint8_t done;                /* written whole: a writer killed between
	                                claiming and writing (a worker the
	                                memory cgroup's OOM killer took)
	                                leaves a record of zeros, skipped */
};

struct net_trace {
	size_t max;
	uint64_t n;                  /* records claimed (may pass max) */
	uint32_t lanes;              /* lane ids given */
	size_t bytes;                /* of the mapping */
	struct rec r[];
};

struct net_trace *net_trace_new(size_t max)
{
	size_t bytes = sizeof(struct net_trace) + max * sizeof(struct rec);
	struct net_trace *log = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (log == MAP_FAILED)
		return NULL;
	log->max = max;
	log->bytes = bytes;
	return log;
}

void net_trace_free(struct net_trace *log)
{
	if (log)
		munmap(log, log->bytes);
}

static struct rec *claim(struct net_trace *log)
{
	uint64_t i = __atomic_fetch_add(&log->n, 1, __ATOMIC_RELAXED);

	return i < log->max ? &log->r[i] : NULL;
}

static void publish(struct rec *r)
{
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

uint32_t net_trace_lane(struct net_trace *log, int64_t t, enum al_lane_kind kind,
			uint32_t parent, const char *label, uint32_t ordinal)
{
	struct rec *r = log ? claim(log) : NULL;

	if (!r)
		return 0;
	uint32_t id = __atomic_add_fetch(&log->lanes, 1, __ATOMIC_RELAXED);
	*r = (struct rec){.t = t, .label = label, .lane = id, .aux = parent,
			  .ordinal = ordinal, .kind = AL_TR_LANE, .code = (uint8_t)kind};
	publish(r);
	return id;
}

void net_trace_state(struct net_trace *log, int64_t t, uint32_t lane, enum al_state st,
		     int64_t bytes)
{
	struct rec *r = log && lane ? claim(log) : NULL;

	if (r) {
		*r = (struct rec){.t = t, .value = bytes, .lane = lane, .kind = AL_TR_STATE,
				  .code = (uint8_t)st};
		publish(r);
	}
}

void net_trace_counter(struct net_trace *log, int64_t t, enum al_counter c, int64_t value)
{
	struct rec *r = log ? claim(log) : NULL;

	if (r) {
		*r = (struct rec){.t = t, .value = value, .kind = AL_TR_COUNTER, .code = (uint8_t)c};
		publish(r);
	}
}

void net_trace_instant(struct net_trace *log, int64_t t, uint32_t lane, const char *what,
		       int64_t value)
{
	struct rec *r = log && lane ? claim(log) : NULL;

	if (r) {
		*r = (struct rec){.t = t, .value = value, .label = what, .lane = lane,
				  .kind = AL_TR_INSTANT};
		publish(r);
	}
}

size_t net_trace_count(const struct net_trace *log, int *dropped)
{
	uint64_t n = log ? __atomic_load_n(&log->n, __ATOMIC_RELAXED) : 0;

	if (dropped)
		*dropped = log && n > log->max;
	return log && n > log->max ? log->max : (size_t)n;
}

static int by_time(const void *a, const void *b, void *arg)
{
	const struct rec *r = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	int64_t ti = r[i].t, tj = r[j].t;

	if (ti != tj)
		return ti < tj ? -1 : 1;
	return i < j ? -1 : i > j;
}

int net_trace_replay(const struct net_trace *log, struct al_trace *tr)
{
	int dropped;
	size_t n = net_trace_count(log, &dropped);
	uint32_t *order = malloc((n ? n : 1) * sizeof *order);
	uint32_t *map = calloc((size_t)(log ? log->lanes : 0) + 1, sizeof *map);

	if (!order || !map) {
		free(order);
		free(map);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	if (n)
		qsort_r(order, n, sizeof *order, by_time, (void *)(uintptr_t)log->r);
	for (size_t k = 0; k < n; k++) {
		const struct rec *r = &log->r[order[k]];
		if (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
			continue;
		switch (r->kind) {
		case AL_TR_LANE:
			map[r->lane] = al_trace_lane(tr, r->t, (enum al_lane_kind)r->code,
						     map[r->aux], r->label, r->ordinal);
			break;
		case AL_TR_STATE:
			if (map[r->lane])
				al_trace_state(tr, r->t, map[r->lane], (enum al_state)r->code,
					       r->value);
			break;
		case AL_TR_COUNTER:
			al_trace_counter(tr, r->t, (enum al_counter)r->code, r->value);
			break;
		case AL_TR_INSTANT:
			if (map[r->lane])
				al_trace_instant(tr, r->t, map[r->lane], al_trace_name(tr, r->label),
						 r->value);
			break;
		default:
			break;
		}
	}
	if (dropped)
		tr->truncated = 1;
	free(order);
	free(map);
	return 0;
}
