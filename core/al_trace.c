/* Trace storage: a growing array of 24-byte events, a lane table and a
 * string table.  Recording never fails the run: if memory runs out the
 * trace is marked truncated and keeps hashing. */
#include <stdlib.h>
#include <string.h>

#include "core/al_mem.h"
#include "core/al_trace.h"

#define FNV_OFFSET 0xcbf29ce484222325ull

int al_trace_init(struct al_trace *tr, enum al_trace_mode mode)
{
	memset(tr, 0, sizeof *tr);
	tr->mode = mode;
	tr->hash = FNV_OFFSET;
	if (al_trace_name(tr, "") != 0)
		return -1;
	tr->lanes = calloc(16, sizeof *tr->lanes);
	if (!tr->lanes)
		return -1;
	tr->lanes_cap = 16;
	tr->nlanes = 1;
	tr->lanes[0].name = al_trace_name(tr, "machine");
	tr->lanes[0].kind = AL_LANE_MACHINE;
	return 0;
}

void al_trace_free(struct al_trace *tr)
{
	for (unsigned i = 0; i < tr->nnames; i++)
		free(tr->names[i]);
	free(tr->names);
	free(tr->lanes);
	free(tr->ev);
	memset(tr, 0, sizeof *tr);
}

uint16_t al_trace_name(struct al_trace *tr, const char *s)
{
	/* Names are unique: the last one asked, if it is s, is the answer
	 * the search would give.  A lane a page interns its label ("fetch"
	 * after the models' and states' names), the search's strcmp calls
	 * were 1.0 M of a 10k-page crawl's 162 M instructions. */
	if (tr->last_name < tr->nnames && strcmp(tr->names[tr->last_name], s) == 0)
		return tr->last_name;
	for (unsigned i = 0; i < tr->nnames; i++)
		if (strcmp(tr->names[i], s) == 0)
			return tr->last_name = (uint16_t)i;
	if (tr->nnames == UINT16_MAX)
		return 0;
	if (tr->nnames == tr->names_cap) {
		unsigned cap = tr->names_cap ? tr->names_cap * 2u : 16u;
		if (cap > UINT16_MAX)
			cap = UINT16_MAX;
		char **p = realloc(tr->names, cap * sizeof *p);
		if (!p)
			return 0;
		tr->names = p;
		tr->names_cap = (uint16_t)cap;
	}
	char *copy = strdup(s);
	if (!copy)
		return 0;
	tr->names[tr->nnames] = copy;
	tr->last_name = tr->nnames;
	return tr->nnames++;
}

uint32_t al_trace_lane(struct al_trace *tr, int64_t t, enum al_lane_kind kind,
		       uint32_t parent, const char *label, uint32_t ordinal)
{
	if (!tr || tr->mode == AL_TRACE_OFF)
		return 0;
	if (tr->mode == AL_TRACE_HASH) {
		/* Hash the lane as RECORD would, store nothing. */
		uint32_t id = tr->nlanes++;

		al_trace_add(tr, t, id, AL_TR_LANE, kind, al_trace_name(tr, label),
			     (int64_t)((uint64_t)ordinal << 32 | parent));
		return id;
	}
	if (tr->nlanes == tr->lanes_cap) {
		struct al_tr_lane *p = realloc(tr->lanes, 2 * tr->lanes_cap * sizeof *p);
		if (!p) {
			tr->truncated = 1;
			return 0;
		}
		tr->lanes = p;
		tr->lanes_cap *= 2;
	}
	uint32_t id = tr->nlanes++;
	uint16_t nm = al_trace_name(tr, label);

	tr->lanes[id] = (struct al_tr_lane){
		.parent = parent, .ordinal = ordinal, .name = nm, .kind = (uint8_t)kind,
	};
	al_trace_add(tr, t, id, AL_TR_LANE, kind, nm,
		     (int64_t)((uint64_t)ordinal << 32 | parent));
	return id;
}

void al__trace_record(struct al_trace *tr, int64_t t, uint32_t lane, enum al_tr_kind kind,
		       unsigned code, uint16_t name, int64_t value)
{
	if (tr->n == tr->cap) {
		size_t cap = tr->cap ? tr->cap * 2 : 4096;
		struct al_tr_event *p = realloc(tr->ev, cap * sizeof *p);
		if (!p) {
			tr->truncated = 1;
			return;
		}
		tr->ev = p;
		tr->cap = cap;
	}
	tr->ev[tr->n++] = (struct al_tr_event){
		.t = t, .value = value, .lane = lane, .kind = (uint8_t)kind,
		.code = (uint8_t)code, .name = name,
	};
}

/* B^(3k) and the sum of B^(3i) for i < k, by doubling, a bit of k at a
 * time: O(log k). */
static void powers(uint64_t k, uint64_t *pw, uint64_t *sum)
{
	uint64_t p = 1, g = 0;

	for (int bit = k ? 63 - __builtin_clzll(k) : -1; bit >= 0; bit--) {
		g = g * p + g;               /* 2j terms: g + B^3j g */
		p *= p;
		if (k >> bit & 1) {          /* one more term, B^3j */
			g += p;
			p *= AL_TRACE_B3;
		}
	}
	*pw = p;
	*sum = g;
}

/* The hash after a round of n events added again m times, from h: the
 * round took h0 to h1 = h0*P + C, P = B^3n and C the sum of its terms
 * times B^3(n-1-i).  At offset a it turns h into h*P + C + a*S, with S =
 * B^2 times the sum of the B^3(n-1-i) (each t moves by a).  The r-th time
 * (from 0) at a_r = at + r*step, m of them give h*P^m + (C + at*S)*G +
 * step*S*K, with G = sum_{r<m} P^r and K = sum_{r<m} r*P^(m-1-r); m1
 * times then m2 compose as P^(m1+m2) = P^m1*P^m2, G = G1*P^m2 + G2 and
 * K = K1*P^m2 + m1*G2 + K2, which builds them by doubling, a bit of m at
 * a time. */
static uint64_t repeat_hash(uint64_t h, uint64_t h0, uint64_t h1, uint64_t n, int64_t at,
			    int64_t step, uint64_t m)
{
	uint64_t p, sum;

	powers(n, &p, &sum);
	uint64_t c = h1 - h0 * p, s = sum * AL_TRACE_B2;
	uint64_t pm = 1, g = 0, k = 0, done = 0;   /* for `done` times */
	for (int bit = m ? 63 - __builtin_clzll(m) : -1; bit >= 0; bit--) {
		/* done times, then done more */
		k = k * pm + done * g + k;
		g = g * pm + g;
		pm *= pm;
		done *= 2;
		if (m >> bit & 1) {          /* then one more: P, 1, 0 */
			k = k * p + done;
			g = g * p + 1;
			pm *= p;
			done++;
		}
	}
	return h * pm + (c + (uint64_t)at * s) * g + (uint64_t)step * s * k;
}

void al_trace_repeat(struct al_trace *tr, const struct al_trace_mark *from,
		     const struct al_trace_mark *to, int64_t at, int64_t step, int64_t times)
{
	uint64_t n = to->count - from->count;

	if (times <= 0 || n == 0)
		return;
	if (tr->mode == AL_TRACE_RECORD && !tr->truncated) {
		/* every one of them stored (truncation is for good): again,
		 * by index, as storing may move them */
		for (int64_t j = 0; j < times; j++)
			for (size_t i = from->n; i < to->n; i++) {
				struct al_tr_event e = tr->ev[i];
				uint64_t t = (uint64_t)e.t + (uint64_t)at + (uint64_t)j * (uint64_t)step;
				al_trace_add(tr, (int64_t)t, e.lane, (enum al_tr_kind)e.kind, e.code,
					     e.name, e.value);
			}
		return;
	}
	tr->hash = repeat_hash(tr->hash, from->hash, to->hash, n, at, step, (uint64_t)times);
	tr->count += (uint64_t)times * n;
}

uint64_t al_trace_hash(const struct al_trace *tr)
{
	if (!tr || tr->mode == AL_TRACE_OFF)
		return 0;
	uint64_t h = tr->hash ^ tr->count;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

const char *al_state_name(enum al_state st)
{
	static const char *const names[AL_ST_COUNT] = {
		"running", "runnable", "connect", "send", "recv",
		"spin", "switch", "create", "wait", "ready", "ready-gil", "done",
	};
	return (unsigned)st < AL_ST_COUNT ? names[st] : "?";
}

const char *al_counter_name(enum al_counter c)
{
	static const char *const names[AL_CTR_COUNT] = {
		"runnable", "sockets", "memory",
	};
	return (unsigned)c < AL_CTR_COUNT ? names[c] : "?";
}
