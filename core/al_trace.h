/* Trace recording: one schema for sim and real (docs/core.md, "Trace").
 *
 * A lane is a thread, process or task.  Its life is a sequence of state
 * changes: a STATE event at t says "from t on, this lane is in state s",
 * so a span is the interval between two changes and costs one event.
 * Instants mark points (a page that failed, named by its cause, its value
 * the page: the os's mark); counters sample machine values (memory,
 * runnable threads, open sockets).  Times are nanoseconds.
 *
 * Three modes: OFF records nothing; HASH folds every event into trace_hash
 * without storing it (the C10M scenario); RECORD stores and hashes.  The
 * hash covers every field of every event in order, so two runs have the
 * same hash only if they recorded the same events. */
#ifndef AL_TRACE_H
#define AL_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum al_trace_mode { AL_TRACE_OFF, AL_TRACE_HASH, AL_TRACE_RECORD };

enum al_state {
	AL_ST_RUNNING,
	AL_ST_RUNNABLE,              /* ready, waiting for a CPU (or the GIL) */
	AL_ST_CONNECT,               /* blocked on connect */
	AL_ST_SEND,
	AL_ST_RECV,
	AL_ST_SPIN,                  /* busy-polling a non-blocking socket */
	AL_ST_SWITCH,                /* a context switch in progress */
	AL_ST_CREATE,                /* being created (thread / process) */
	AL_ST_WAIT,                  /* blocked on anything else: select, join, lock, sleep */
	/* Its bytes (or connection) arrived, but it is not running yet: an
	 * event loop's task waiting for the loop to come round to it, or a
	 * thread waiting for its process's GIL.  (Waiting for a core is
	 * RUNNABLE.)  Never drawn as the network's time. */
	AL_ST_READY,                 /* ready: waiting for the loop */
	AL_ST_GIL,                   /* ready: waiting for the GIL */
	AL_ST_DONE,                  /* finished: the lane ends here */
	AL_ST_COUNT
};

enum al_lane_kind { AL_LANE_MACHINE, AL_LANE_PROCESS, AL_LANE_THREAD, AL_LANE_TASK };

enum al_counter {
	AL_CTR_RUNNABLE,
	AL_CTR_SOCKETS,
	AL_CTR_MEMORY,
	AL_CTR_COUNT
};

enum al_tr_kind { AL_TR_LANE, AL_TR_STATE, AL_TR_INSTANT, AL_TR_COUNTER };

struct al_tr_event {
	int64_t t;
	int64_t value;               /* bytes, counter value, or instant value;
					on a CONNECT state, 1 + the page it
					fetches when the connect call says (0:
					not said): lanes are named by page */
	uint32_t lane;
	uint8_t kind;                /* enum al_tr_kind */
	uint8_t code;                /* state, counter, or lane kind */
	uint16_t name;               /* interned name (lanes, instants) */
};

/* A lane is named by a label and an ordinal ("fetch" #42): labels are few
 * and interned, so ten million lanes cost no strings. */
struct al_tr_lane {
	uint32_t parent;
	uint32_t ordinal;
	uint16_t name;
	uint8_t kind;
};

struct al_trace {
	enum al_trace_mode mode;
	uint64_t hash;
	uint64_t count;              /* events hashed (stored or not) */
	struct al_tr_event *ev;
	size_t n, cap;
	struct al_tr_lane *lanes;
	uint32_t nlanes, lanes_cap;
	char **names;
	uint16_t nnames, names_cap;
	uint16_t last_name;          /* the one interned last: tried first */
	int truncated;               /* storage ran out: hash kept, events cut */
};

/* Where a trace stood: its hash, its count and its stored events, so
 * that what was added since can be added again (al_trace_repeat). */
struct al_trace_mark {
	uint64_t hash, count;
	size_t n;
	uint32_t nlanes;
	uint16_t nnames;
};

/* Lane 0 always exists: the machine, where counters live. */
int al_trace_init(struct al_trace *tr, enum al_trace_mode mode);
void al_trace_free(struct al_trace *tr);

/* Interns s; the same string gives the same id.  0 is "".  A linear search:
 * labels are few (model and state names), lanes do not intern. */
uint16_t al_trace_name(struct al_trace *tr, const char *s);
/* A new lane (ids count up from 1 in creation order); 0 when not recording
 * lanes (mode OFF) or out of memory. */
uint32_t al_trace_lane(struct al_trace *tr, int64_t t, enum al_lane_kind kind,
		       uint32_t parent, const char *label, uint32_t ordinal);

void al__trace_record(struct al_trace *tr, int64_t t, uint32_t lane, enum al_tr_kind kind,
		       unsigned code, uint16_t name, int64_t value);

/* The trace hash is a polynomial over the events' words mod 2^64: an
 * event is three words, its t, its value and w (lane, kind, code and
 * name packed), its term c = t*B^2 + value*B + mix(w), and the
 * chain is h = h*B^3 + c from h = FNV's offset; al_trace_hash mixes the
 * chain and the count.  B is odd, so each B^k is invertible mod 2^64,
 * and mix is a bijection: a change to one word of one event moves h by
 * d*B^k with d != 0 mod 2^64, always.  More changes cancel only if
 * their d_i*B^k_i sum to 0 mod 2^64.  B = 3 mod 8, so B^k - 1 has as few
 * factors of 2 as an odd B allows: two events k apart swapped, terms
 * differing by d, cancel only if d is a multiple of 2^(62 - j), 2^j the
 * largest power of 2 dividing k.  A difference in w's high fields (name
 * at bit 48) would be such a multiple at k = 2^14, which a run of
 * millions of events reaches: mix brings w's high fields down to its
 * low bits.  t and value stay as they are: their differences are times
 * and counts, a multiple of 2^40 only by a freak, and t must stay linear
 * for al_trace_repeat, since a round of events repeated m times, shifted
 * in time, then has a closed form.  The chain costs one multiply and an
 * add an event (the term is off the chain).
 * Like the hash before it, it is no defence against sequences built to
 * collide. */
#define AL_TRACE_B 0xc4ceb9fe1a85ec53ull
#define AL_TRACE_B2 (AL_TRACE_B * AL_TRACE_B)
#define AL_TRACE_B3 (AL_TRACE_B2 * AL_TRACE_B)

/* w's fields brought down to its low bits, a bijection (an odd multiply,
 * then a xor-shift): a difference at bit b >= 32 of w leaves bit b - 32
 * or a lower one set, so two events' fields swapped cancel only at a
 * distance of 2^(94 - b) events or a multiple of it (2^46 for the name,
 * at bit 48). */
static inline uint64_t al_trace_mix(uint64_t x)
{
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 32);
}

/* An event's term in the hash. */
static inline uint64_t al_trace_term(int64_t t, uint32_t lane, enum al_tr_kind kind,
				     unsigned code, uint16_t name, int64_t value)
{
	uint64_t w = (uint64_t)lane | (uint64_t)kind << 32 | (uint64_t)code << 40 |
		     (uint64_t)name << 48;

	return (uint64_t)t * AL_TRACE_B2 + (uint64_t)value * AL_TRACE_B + al_trace_mix(w);
}

/* Hashes the event (the run's trace hash) and stores it when recording.
 * Inline: a simulation without a trace only hashes, a multiply-add on
 * the chain, and the call around it was half the cost (saving registers
 * for the store's realloc, on every event). */
static inline void al_trace_add(struct al_trace *tr, int64_t t, uint32_t lane,
				enum al_tr_kind kind, unsigned code, uint16_t name,
				int64_t value)
{
	tr->hash = tr->hash * AL_TRACE_B3 + al_trace_term(t, lane, kind, code, name, value);
	tr->count++;
	if (tr->mode == AL_TRACE_RECORD && !tr->truncated)
		al__trace_record(tr, t, lane, kind, code, name, value);
}

static inline void al_trace_state(struct al_trace *tr, int64_t t, uint32_t lane,
				  enum al_state st, int64_t bytes)
{
	if (tr && tr->mode != AL_TRACE_OFF)
		al_trace_add(tr, t, lane, AL_TR_STATE, st, 0, bytes);
}

static inline void al_trace_instant(struct al_trace *tr, int64_t t, uint32_t lane,
				    uint16_t name, int64_t value)
{
	if (tr && tr->mode != AL_TRACE_OFF)
		al_trace_add(tr, t, lane, AL_TR_INSTANT, 0, name, value);
}

static inline void al_trace_counter(struct al_trace *tr, int64_t t, enum al_counter c,
				    int64_t value)
{
	if (tr && tr->mode != AL_TRACE_OFF)
		al_trace_add(tr, t, 0, AL_TR_COUNTER, c, 0, value);
}

/* Where tr stands now. */
static inline struct al_trace_mark al_trace_where(const struct al_trace *tr)
{
	return (struct al_trace_mark){.hash = tr->hash, .count = tr->count, .n = tr->n,
				      .nlanes = tr->nlanes, .nnames = tr->nnames};
}

/* Adds the events added between marks from and to (a run of them, made
 * no lane and interned no name; to is now, or earlier) again `times`
 * times, as al_trace_add would one by one: the j-th time (from 0) each
 * shifted by at + j * step.  The simulator's fast-forward of repeated
 * loop rounds (sim/sim_ff.c).  Hashing, in O(log(events x times)), from
 * the hash's closed form, the events themselves unseen; recording, each
 * is stored again, O(events x times) (a truncated trace only hashes: the
 * closed form again). */
void al_trace_repeat(struct al_trace *tr, const struct al_trace_mark *from,
		     const struct al_trace_mark *to, int64_t at, int64_t step, int64_t times);
uint64_t al_trace_hash(const struct al_trace *tr);
const char *al_state_name(enum al_state st);
const char *al_counter_name(enum al_counter c);

#endif
